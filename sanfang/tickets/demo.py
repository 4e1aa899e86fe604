"""Demo cases: the default categories of a city and a few hundred cases walked through the
real services, then spread over the past weeks so the inbox, the figures and the timeline have
something to show. Deterministic for a given seed; safe to run again (it adds nothing twice)."""

import logging
import random
from datetime import timedelta

from django.db import transaction
from django.db.models import F

from sanfang.accounts.models import User
from sanfang.orgs.models import Organization
from sanfang.places.models import Compound, Region

from . import rollup
from . import services as svc
from .models import Category, Summons, Ticket, TicketEvent, TierStint
from .rules import Kind, Rating, Responsible

# (code, name, kind, first responsible party, what it covers) — the seeds' everyday cases.
DEFAULT_CATEGORIES = [
    ("stair-light", "楼道灯、门禁等公共设施损坏", Kind.HELP, Responsible.PROPERTY_COMPANY, "楼道灯、单元门、电梯按钮等"),
    ("elevator", "电梯故障", Kind.HELP, Responsible.PROPERTY_COMPANY, "电梯停运、困人以外的故障"),
    ("leak", "漏水渗水（邻里之间）", Kind.DISPUTE, Responsible.OWNERS_COMMITTEE, "楼上漏水、外墙渗水"),
    ("greenery", "毁绿种菜、侵占公共绿地", Kind.COMPLAINT, Responsible.PROPERTY_COMPANY, "绿地被改种蔬菜、堆放杂物"),
    ("parking", "停车秩序", Kind.COMPLAINT, Responsible.PROPERTY_COMPANY, "乱停车、占用消防通道"),
    ("cleaning", "保洁与垃圾分类", Kind.COMPLAINT, Responsible.PROPERTY_COMPANY, "垃圾清运不及时、分类不到位"),
    ("noise", "噪音扰民", Kind.DISPUTE, Responsible.RESIDENTS_COMMITTEE, "装修、广场舞、宠物噪音"),
    ("illegal-build", "违章搭建", Kind.COMPLAINT, Responsible.DEPARTMENT, "露台加建、侵占公共空间"),
    ("fee", "物业费与公共收益", Kind.ENQUIRY, Responsible.OWNERS_COMMITTEE, "收费标准、公共收益公示"),
    ("suggestion", "意见建议", Kind.SUGGESTION, Responsible.RESIDENTS_COMMITTEE, "对小区治理的建议"),
]

TITLES = {
    "stair-light": ["3号楼二单元楼道灯不亮", "单元门禁刷卡失灵", "地下车库照明坏了"],
    "elevator": ["5号楼电梯经常停在半层", "电梯按钮失灵"],
    "leak": ["楼上卫生间漏水到我家天花板", "外墙渗水，墙面发霉"],
    "greenery": ["楼下绿地被改成菜地", "公共绿地堆放杂物"],
    "parking": ["消防通道被私家车占用", "非机动车乱停放"],
    "cleaning": ["垃圾桶两天没清运", "楼道有人堆放纸箱"],
    "noise": ["晚上十点后还在装修", "楼下广场舞音量太大"],
    "illegal-build": ["顶楼露台在搭阳光房", "一楼住户占用公共通道搭棚"],
    "fee": ["物业费调整依据是什么", "公共收益去年用在哪里"],
    "suggestion": ["建议增加电动车充电桩", "建议设置快递柜"],
}


def install_categories(*, city: Region, department: Organization | None) -> list[Category]:
    """The default categories on ``city`` (kept as they are if they exist already)."""
    made = []
    for order, (code, name, kind, responsible, description) in enumerate(DEFAULT_CATEGORIES):
        found = Category.objects.filter(code=code).first()
        if found:
            made.append(found)
            continue
        if responsible == Responsible.DEPARTMENT and department is None:
            responsible = Responsible.RESIDENTS_COMMITTEE
        c = Category.with_kind_defaults(code=code, name=name, kind=kind, responsible=responsible,
                                        department=department if responsible == Responsible.DEPARTMENT else None,
                                        region=city, order=order, description=description)
        c.full_clean()
        c.save()
        made.append(c)
    return made


def _age(t: Ticket, delta: timedelta) -> None:
    """Move a demo case and everything it wrote ``delta`` into the past."""
    fields = ["created_at", "updated_at", "accepted_at", "responded_at", "resolved_at", "closed_at", "accept_due",
              "respond_due", "resolve_due", "feedback_due", "due_at"]
    Ticket.objects.filter(pk=t.pk).update(**{f: F(f) - delta for f in fields})
    TicketEvent.objects.filter(ticket=t).update(at=F("at") - delta)
    TierStint.objects.filter(ticket=t).update(started_at=F("started_at") - delta, resolve_due=F("resolve_due") - delta,
                                              ended_at=F("ended_at") - delta)
    Summons.objects.filter(ticket=t).update(summoned_at=F("summoned_at") - delta, report_due=F("report_due") - delta,
                                            done_due=F("done_due") - delta, reported_at=F("reported_at") - delta,
                                            done_at=F("done_at") - delta)


@transaction.atomic
def seed_cases(*, district_code: str, actor: User, showcase: Compound | None = None, n: int = 300,
               seed: int = 2026) -> int:
    """Raise ``n`` cases in the district through the services and walk each some way along the
    loop (the superuser ``actor`` stands in for every party), then age them over ~60 days.
    Returns how many were made (0 when the demo already has its cases)."""
    if Ticket.objects.filter(channel=Ticket.Channel.PHONE, external_id__startswith="DEMO-").exists():
        return 0
    district = Region.objects.get(code=district_code)
    city = district.parent or district
    department = Organization.objects.filter(kind=Organization.Kind.DEPARTMENT,
                                             region__path__startswith=district.path).first()
    categories = install_categories(city=city, department=department)
    rng = random.Random(seed)
    logging.getLogger("sanfang.notify").setLevel(logging.WARNING)  # hundreds of demo notifications
    compounds = list(Compound.objects.in_region(district).select_related("community").order_by("code"))
    if not compounds:
        return 0
    for i in range(n):
        compound = showcase if showcase and i % 6 == 0 else rng.choice(compounds)
        category = rng.choice(categories)
        t = svc.ticket_create(compound=compound, category=category, title=rng.choice(TITLES[category.code]),
                              description="居民来电反映，请尽快处理。", channel=Ticket.Channel.PHONE, actor=actor,
                              reporter_name="居民", external_id=f"DEMO-{i:05d}")
        _walk(t, actor, rng, department)
        _age(t, timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 8)))
    # Cases aged past their deadlines move up now, as the periodic tick would have moved them.
    svc.tick(rollups=False)
    rollup.refresh(full=True)
    return n


def _walk(t: Ticket, actor, rng: random.Random, department) -> None:
    """Take a case some way along the loop, as real cases are: most closed, some still open."""
    roll = rng.random()
    if roll < 0.08:
        return  # still awaiting acceptance
    if roll < 0.12:
        svc.ticket_reject(ticket=t, actor=actor, reason="属于业主家庭内部事务", redirect_to="请联系专业维修单位")
        return
    if roll < 0.22:
        t = svc.ticket_escalate(ticket=t, actor=actor, note="涉及多方，需社区协调")
    t = svc.ticket_accept(ticket=t, actor=actor, note="已受理")
    if roll < 0.30:
        return
    t = svc.ticket_start(ticket=t, actor=actor, note="已联系居民")
    if roll < 0.34 and department is not None:
        t = svc.ticket_escalate(ticket=t, actor=actor, note="需职能部门处置")
        if t.tier == "community":
            t = svc.ticket_escalate(ticket=t, actor=actor, note="需职能部门处置")
        t = svc.ticket_accept(ticket=t, actor=actor)
        for s in svc.summons_issue(ticket=t, departments=[department], request="请到场核查处置", actor=actor):
            svc.summons_report_in(summons=s, actor=actor, note="已派员")
            svc.summons_done(summons=s, actor=actor, note="已现场处置")
    if roll < 0.40:
        return
    t = svc.ticket_resolve(ticket=t, actor=actor, note="已处理完毕")
    if roll < 0.48:
        return  # awaiting the resident's feedback
    unhappy = rng.random() < 0.12
    rating = Rating.UNSATISFIED if unhappy else rng.choice([Rating.SATISFIED, Rating.SATISFIED, Rating.BASICALLY])
    t = svc.ticket_feedback(ticket=t, actor=actor, rating=rating, fixed=not unhappy, by_staff_call=True)
    if unhappy and t.status != "closed":
        t = svc.ticket_accept(ticket=t, actor=actor, note="社区介入")
        t = svc.ticket_resolve(ticket=t, actor=actor, note="社区协调后解决")
        svc.ticket_feedback(ticket=t, actor=actor, rating=Rating.SATISFIED, by_staff_call=True)
