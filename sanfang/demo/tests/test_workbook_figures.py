"""Done-when of the foundation: a workbook of ~14,000 units and ~1,300 appointments imports in
seconds, yields exactly the party-building figures its rows imply, and a second import
changes nothing.

The expected figures are computed here straight from the workbook rows, independently of
``orgs.rules``/``orgs.metrics``, following the definitions in ``orgs/README.md``.
"""

import random
import time
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from sanfang.core.models import ChangeEvent
from sanfang.demo.generator import demo_district
from sanfang.orgs import metrics
from sanfang.places.models import Region, Unit
from sanfang.registry.services import registry_import

pytestmark = pytest.mark.django_db

MEMBER_POSITIONS = {"主任", "副主任", "委员"}


def workbook_rows() -> dict:
    """The demo generator at ~14,000 units, with appointments added up to ~1,300: owners join
    every kind of organisation, some with expired or future terms, some as party members."""
    rows = demo_district(size=0.14)
    rng = random.Random(7)
    appointed = {r["证件号"] for r in rows["任职"]}
    owners = [r for r in rows["业主"] if r["证件号"] not in appointed]
    rng.shuffle(owners)
    orgs = rows["组织"]
    positions = ["委员", "委员", "副主任", "书记", "项目经理", "小区专员", "网格员", "其他", "党建指导员"]
    terms = [(date(2024, 1, 1), None), (date(2022, 1, 1), date(2025, 12, 31)),
             (date(2027, 1, 1), date(2031, 12, 31)), (None, None)]
    seen = set()
    for owner in owners:
        if len(rows["任职"]) >= 1300:
            break
        if owner["证件号"] in seen:
            continue
        seen.add(owner["证件号"])
        start, end = rng.choice(terms)
        for org in rng.sample(orgs, rng.choice([1, 1, 1, 2, 3])):
            rows["任职"].append({
                "组织编码": org["编码"], "姓名": owner["姓名"], "证件号": owner["证件号"], "手机": owner["手机"],
                "职务": rng.choice(positions), "是否党员": "是" if sum(map(ord, owner["证件号"])) % 3 == 0 else "否",
                "任期开始": start, "任期结束": end,
            })
    return rows


def expected_figures(rows: dict, region_code: str, on: date) -> dict:
    parent = {r["编码"]: r["上级编码"] for r in rows["区域"]}
    level = {r["编码"]: r["层级"] for r in rows["区域"]}

    def under(code):
        while code:
            if code == region_code:
                return True
            code = parent.get(code)
        return False

    def current(start, end):
        return (start is None or start <= on) and (end is None or end >= on)

    compounds = {r["编码"] for r in rows["小区"] if under(r["社区编码"])}
    orgs = {r["编码"]: r for r in rows["组织"]}
    party = {}
    for r in rows["任职"]:
        party[r["证件号"]] = party.get(r["证件号"], False) or r["是否党员"] == "是"
    seats = [r for r in rows["任职"] if current(r["任期开始"], r["任期结束"])]

    committees = {c for c, o in orgs.items() if o["类型"] == "业委会" and o["所属小区编码"] in compounds}
    members = defaultdict(set)
    chairs = defaultdict(set)
    for r in seats:
        if r["组织编码"] in committees and r["职务"] in MEMBER_POSITIONS:
            members[r["组织编码"]].add(r["证件号"])
            if r["职务"] == "主任":
                chairs[r["组织编码"]].add(r["证件号"])
    n_members = sum(len(m) for m in members.values())
    n_party = sum(1 for m in members.values() for p in m if party[p])
    ratio = float((Decimal(n_party) / Decimal(n_members)).quantize(Decimal("0.0001"), ROUND_HALF_UP)) if n_members else 0.0

    companies = {r["物业企业编码"] for r in rows["物业合同"]
                 if r["小区编码"] in compounds and current(r["开始日期"], r["结束日期"])}
    coverage_names = {"单独组建": "own", "联合组建": "joint", "派驻党建指导员": "instructor", "未覆盖": "none", None: "none"}
    by_coverage = dict.fromkeys(("own", "joint", "instructor", "none"), 0)
    for c in companies:
        by_coverage[coverage_names[orgs[c]["党组织覆盖"]]] += 1

    residents = {c for c, o in orgs.items() if o["类型"] == "居委会" and o["所属区域编码"] and under(o["所属区域编码"])}
    sides = {
        "residents": residents | {c for c, o in orgs.items() if o["类型"] == "党组织" and not o["所属小区编码"]
                                  and o["所属区域编码"] and level.get(o["所属区域编码"]) == "社区"
                                  and under(o["所属区域编码"])},
        "owners": set(committees),
        "company": set(companies),
    }
    for side, covered in (("residents", residents), ("owners", committees), ("company", companies)):
        sides[side] |= {orgs[c]["上级党组织编码"] for c in covered if orgs[c]["上级党组织编码"]}
    person_sides = defaultdict(set)
    for r in seats:
        for side, codes in sides.items():
            if r["组织编码"] in codes:
                person_sides[r["证件号"]].add(side)

    return {
        "owners_committees": len(committees),
        "owners_committee_members": n_members,
        "party_members_among_members": n_party,
        "party_member_ratio": ratio,
        "committees_with_party_majority": sum(1 for m in members.values() if m and 2 * sum(party[p] for p in m) > len(m)),
        "committees_with_party_organisation": sum(
            1 for c in committees if orgs[c]["党组织覆盖"] in ("单独组建", "联合组建")),
        "party_member_chairs": sum(1 for c in committees if any(party[p] for p in chairs[c])),
        "property_companies": len(companies),
        "companies_by_party_coverage": by_coverage,
        "cross_appointed_people": sum(1 for s in person_sides.values() if len(s) >= 2),
    }


def test_import_gives_the_figures_its_rows_imply_and_reimport_changes_nothing():
    rows = workbook_rows()
    assert len(rows["房屋"]) >= 14_000 and len(rows["任职"]) >= 1_300

    started = time.perf_counter()
    report = registry_import(sheets=rows, actor=None, source="test")
    elapsed = time.perf_counter() - started
    assert not report.errors, report.errors[:5]
    assert Unit.objects.count() == len(rows["房屋"])
    assert elapsed < 60  # "takes seconds": ~2 s on SQLite here; the bound only catches a per-row regression

    district = next(r["编码"] for r in rows["区域"] if r["层级"] == "区")
    subdistrict = next(r["编码"] for r in rows["区域"] if r["层级"] == "街道")
    for code in (district, subdistrict):
        for on in (date(2026, 11, 1), date(2025, 6, 30)):
            figures = metrics.party_building_summary(user=metrics.SYSTEM, region=Region.objects.get(code=code), on=on)
            expected = expected_figures(rows, code, on)
            assert {k: figures[k] for k in expected} == expected, (code, on)
    assert expected_figures(rows, district, date(2026, 11, 1))["cross_appointed_people"] > 0

    events = ChangeEvent.objects.count()
    again = registry_import(sheets=rows, actor=None, source="test")
    assert not again.errors and not again.changed
    assert ChangeEvent.objects.count() == events
