"""Case categories for the test world (``sanfang.testing.build_world``): one per first
responsible party, with the deadlines of RULES T2."""

from .models import Category
from .rules import Kind, Responsible


def configure(world) -> dict[str, Category]:
    city = world.regions["city"]
    R = Responsible
    specs = [
        ("stair-light", "楼道灯不亮", Kind.HELP, R.PROPERTY_COMPANY, None),
        ("leak", "楼上漏水", Kind.DISPUTE, R.OWNERS_COMMITTEE, None),
        ("greenery", "毁绿种菜", Kind.COMPLAINT, R.PROPERTY_COMPANY, None),
        ("parking", "停车秩序", Kind.COMPLAINT, R.RESIDENTS_COMMITTEE, None),
        ("illegal-build", "违章搭建", Kind.COMPLAINT, R.DEPARTMENT, world.orgs["dept"]),
        ("enquiry", "政策咨询", Kind.ENQUIRY, R.RESIDENTS_COMMITTEE, None),
    ]
    made = {}
    for order, (code, name, kind, responsible, dept) in enumerate(specs):
        c = Category.with_kind_defaults(code=code, name=name, kind=kind, responsible=responsible, department=dept,
                                        region=city, order=order)
        c.full_clean()
        c.save()
        made[code] = c
    return made
