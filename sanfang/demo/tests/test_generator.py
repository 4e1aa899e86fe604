"""The generators alone (no database): deterministic, the intended shape, every reference
resolving inside the workbook, valid ID numbers, unique natural keys."""

import re
from collections import Counter, defaultdict
from datetime import date

import pytest

from sanfang.demo import generator
from sanfang.demo.generator import REFERENCE_DAY, demo_district, demo_logins, megacity
from sanfang.orgs.identity import is_valid_resident_id, make_resident_id
from sanfang.registry.workbook import (
    AREA_SOURCES,
    BUILDINGS,
    COMPOUND_KINDS,
    COMPOUNDS,
    CONTRACTS,
    COVERAGE_MODES,
    MANAGEMENT_MODES,
    MEMBERSHIPS,
    ORG_KINDS,
    ORGANIZATIONS,
    OWNERS,
    POSITIONS,
    REGION_LEVELS,
    REGIONS,
    SHEETS,
    UNIT_KINDS,
    UNITS,
)

CHOICES = {
    (REGIONS, "层级"): REGION_LEVELS, (COMPOUNDS, "类型"): COMPOUND_KINDS, (COMPOUNDS, "管理模式"): MANAGEMENT_MODES,
    (UNITS, "类型"): UNIT_KINDS, (UNITS, "面积来源"): AREA_SOURCES, (ORGANIZATIONS, "类型"): ORG_KINDS,
    (ORGANIZATIONS, "党组织覆盖"): COVERAGE_MODES, (MEMBERSHIPS, "职务"): POSITIONS,
}
YES_NO = {(OWNERS, "开发商持有"), (MEMBERSHIPS, "是否党员"), (CONTRACTS, "是否签订")}


@pytest.fixture(scope="module")
def demo():
    return demo_district()


@pytest.fixture(scope="module")
def small_city():
    return megacity(0.001)


def check_workbook(sheets):
    """What any generated workbook must satisfy, whatever its size."""
    # Headers and values of the contract.
    for name, rows in sheets.items():
        headers = set(SHEETS[name].headers)
        for row in rows:
            assert set(row) <= headers, (name, set(row) - headers)
        for (sheet, column), choices in CHOICES.items():
            if sheet == name:
                assert {r[column] for r in rows} - {None} <= set(choices), (name, column)
        for sheet, column in YES_NO:
            if sheet == name:
                assert {r[column] for r in rows} <= {"是", "否"}

    # Natural keys are unique.
    for name, rows in sheets.items():
        key = SHEETS[name].key
        keys = [tuple(r[k] for k in key) for r in rows]
        dupes = [k for k, n in Counter(keys).items() if n > 1]
        assert not dupes, (name, dupes[:3])

    # Every reference resolves to a row of the workbook.
    regions = {r["编码"]: r for r in sheets[REGIONS]}
    for r in sheets[REGIONS]:
        assert r["上级编码"] is None or r["上级编码"] in regions
    compounds = {c["编码"] for c in sheets[COMPOUNDS]}
    assert all(regions[c["社区编码"]]["层级"] == "社区" for c in sheets[COMPOUNDS])
    buildings = {(b["小区编码"], b["楼栋号"]) for b in sheets[BUILDINGS]}
    assert {b[0] for b in buildings} <= compounds
    units = {(u["小区编码"], u["楼栋号"], u["单元"], u["房号"]) for u in sheets[UNITS]}
    assert {u[:2] for u in units} <= buildings
    assert {(o["小区编码"], o["楼栋号"], o["单元"], o["房号"]) for o in sheets[OWNERS]} == units, \
        "every unit has an owner and every owner row a unit"
    orgs = {o["编码"]: o for o in sheets[ORGANIZATIONS]}
    for o in orgs.values():
        assert (o["所属小区编码"] is None) or (o["所属小区编码"] in compounds)
        assert (o["所属区域编码"] is None) or (o["所属区域编码"] in regions)
        assert not (o["所属小区编码"] and o["所属区域编码"])
        if o["上级党组织编码"]:
            assert orgs[o["上级党组织编码"]]["类型"] == "党组织", o
        if o["类型"] in ("业委会", "物业服务企业"):
            assert o["党组织覆盖"] in COVERAGE_MODES
            assert (o["上级党组织编码"] is None) == (o["党组织覆盖"] == "未覆盖")
        if o["统一社会信用代码"]:
            assert re.fullmatch(r"[0-9A-HJ-NPQRTUWXY]{18}", o["统一社会信用代码"])
    assert {m["组织编码"] for m in sheets[MEMBERSHIPS]} <= set(orgs)
    for c in sheets[CONTRACTS]:
        assert c["小区编码"] in compounds and orgs[c["物业企业编码"]]["类型"] == "物业服务企业"
        assert c["结束日期"] is None or c["结束日期"] >= c["开始日期"]
        assert 0.5 <= c["物业费"] <= 3.5
    for m in sheets[MEMBERSHIPS]:
        assert m["任期结束"] is None or m["任期开始"] <= m["任期结束"]

    # People: valid ID numbers; the same number always with the same name, phone and party flag.
    seen = {}
    party = {}
    for sheet in (OWNERS, MEMBERSHIPS):
        for r in sheets[sheet]:
            idn = r["证件号"]
            assert seen.setdefault(idn, (r["姓名"], r["手机"])) == (r["姓名"], r["手机"]), idn
            if sheet == MEMBERSHIPS:
                assert party.setdefault(idn, r["是否党员"]) == r["是否党员"], idn
    for idn in seen:
        assert is_valid_resident_id(idn), idn
        if idn[:17].isdigit():
            assert make_resident_id(idn[:17]) == idn
    phones = Counter(p for _, p in seen.values() if p)
    assert all(re.fullmatch(r"1[3-9]\d{9}", p) for p in phones)
    assert max(phones.values()) == 1, "phone numbers are unique per person"
    return seen


def test_demo_is_deterministic():
    assert demo_district(size=0.05) == demo_district(size=0.05)
    assert demo_district(size=0.05) != demo_district(size=0.05, seed=1)


def test_megacity_is_deterministic(small_city):
    assert megacity(0.001) == small_city


def test_demo_workbook_is_consistent(demo):
    check_workbook(demo)


def test_demo_has_the_intended_shape(demo):
    levels = Counter(r["层级"] for r in demo[REGIONS])
    assert levels["市"] == 1 and levels["区"] == 1 and levels["街道"] == 8
    assert 35 <= levels["社区"] <= 45
    compounds = demo[COMPOUNDS]
    assert 300 <= len(compounds) <= 400
    assert 95_000 <= len(demo[UNITS]) <= 105_000
    kinds = Counter(c["类型"] for c in compounds)
    assert kinds["老旧小区"] > kinds["商品房"] > kinds["回迁安置"] > 0
    for c in compounds:
        if c["类型"] == "老旧小区":
            assert 1980 <= c["建成年份"] <= 2000 and c["管理模式"] in MANAGEMENT_MODES
    old_modes = Counter(c["管理模式"] for c in compounds if c["类型"] == "老旧小区")
    assert old_modes["准物业"] + old_modes["居委会+物业"] > len(compounds) * 0.25

    sizes = Counter(u["小区编码"] for u in demo[UNITS])
    ordered = sorted(sizes.values())
    assert ordered[len(ordered) // 2] < 300, "many small compounds"
    assert 2 <= sum(1 for n in ordered if n >= 1000) <= 20 and ordered[-1] <= 2000
    for c in compounds:
        assert c["户数"] == sum(1 for u in demo[UNITS] if u["小区编码"] == c["编码"] and u["类型"] == "住宅") \
            if c["编码"].endswith("001") else True

    unit_kinds = Counter(u["类型"] for u in demo[UNITS])
    assert unit_kinds["商铺"] > 100 and unit_kinds["车位"] > 1000
    homes = [u for u in demo[UNITS] if u["类型"] == "住宅"]
    assert all(40 <= u["专有部分面积"] <= 160 for u in homes)
    assert all(re.fullmatch(r"[1-9]\d?0[1-9]", u["房号"]) for u in homes)
    assert {"1202", "101"} <= {u["房号"] for u in homes}


def test_demo_owners(demo):
    owners = demo[OWNERS]
    per_unit = Counter((o["小区编码"], o["楼栋号"], o["单元"], o["房号"]) for o in owners)
    counts = Counter(per_unit.values())
    assert counts[1] > 0.7 * len(per_unit) and counts[2] > 0.1 * len(per_unit) and counts[3] > 0
    natural = [o for o in owners if o["开发商持有"] == "否"]
    units_per_person = Counter(Counter(o["证件号"] for o in natural).values())
    assert units_per_person[2] > 1000 and units_per_person[3] > 10 and max(units_per_person) <= 4
    developer = [o for o in owners if o["开发商持有"] == "是"]
    assert len(developer) > 500
    new_commercial = {c["编码"] for c in demo[COMPOUNDS] if c["类型"] == "商品房" and c["建成年份"] >= 2006}
    assert {o["小区编码"] for o in developer} <= new_commercial
    assert all(not o["证件号"].isdigit() and o["手机"] is None for o in developer)


def _members(sheets):
    by_org = defaultdict(list)
    for m in sheets[MEMBERSHIPS]:
        by_org[m["组织编码"]].append(m)
    return by_org


def test_demo_committees_and_party(demo):
    orgs = {o["编码"]: o for o in demo[ORGANIZATIONS]}
    by_org = _members(demo)
    compounds = demo[COMPOUNDS]
    committees = [o for o in orgs.values() if o["类型"] == "业委会"]
    assert 0.5 <= len(committees) / len(compounds) <= 0.7
    assert sum(1 for o in orgs.values() if o["类型"] == "居委会") == sum(1 for r in demo[REGIONS] if r["层级"] == "社区")
    owners_by_compound = defaultdict(set)
    for o in demo[OWNERS]:
        owners_by_compound[o["小区编码"]].add(o["证件号"])
    expired = party_majority = party_chairs = 0
    party_seats = seats = 0
    for oc in committees:
        voting = [m for m in by_org[oc["编码"]] if m["职务"] in ("主任", "副主任", "委员")]
        assert len(voting) in (5, 7, 9), oc
        assert Counter(m["职务"] for m in voting)["主任"] == 1
        assert all(m["证件号"] in owners_by_compound[oc["所属小区编码"]] for m in voting), "members are owners"
        start, end = voting[0]["任期开始"], voting[0]["任期结束"]
        assert 3 <= round((end - start).days / 365.25) <= 5
        expired += end < REFERENCE_DAY
        n_party = sum(m["是否党员"] == "是" for m in voting)
        party_seats += n_party
        seats += len(voting)
        party_majority += n_party * 2 > len(voting)
        party_chairs += any(m["职务"] == "主任" and m["是否党员"] == "是" for m in voting)
    assert 0.05 < expired / len(committees) < 0.3
    assert 0.3 <= party_seats / seats <= 0.6
    assert 0.2 < party_majority / len(committees) < 0.8
    assert 0.4 < party_chairs / len(committees) < 0.8
    modes = Counter(o["党组织覆盖"] for o in orgs.values() if o["类型"] in ("业委会", "物业服务企业"))
    assert all(modes[m] > 5 for m in COVERAGE_MODES), modes
    assert any(o["类型"] == "党组织" and o["所属小区编码"] for o in orgs.values()), "owners' committee branches"
    assert 35 <= sum(1 for o in orgs.values() if o["类型"] == "物业服务企业") <= 45
    departments = {o["名称"] for o in orgs.values() if o["类型"] == "职能部门" and o["所属区域编码"] == "330105"}
    for word in ("公安", "法院", "城市管理", "住房和城乡建设", "市场监督", "消防", "司法", "信访"):
        assert any(word in d for d in departments), word
    for oc in committees:
        assert orgs[oc["上级党组织编码"]]["类型"] == "党组织" if oc["上级党组织编码"] else True


def test_demo_contracts(demo):
    contracts = demo[CONTRACTS]
    current = [c for c in contracts if c["结束日期"] is None or c["结束日期"] >= REFERENCE_DAY]
    assert 0.05 < 1 - len(current) / len(contracts) < 0.5, "some contracts have expired"
    assert sum(c["是否签订"] == "是" for c in contracts) > 0.8 * len(contracts)
    market = {c["编码"] for c in demo[COMPOUNDS] if c["管理模式"] == "市场化物业"}
    assert market <= {c["小区编码"] for c in contracts}


def test_demo_cross_appointments(demo):
    kind = {o["编码"]: o["类型"] for o in demo[ORGANIZATIONS]}
    held = defaultdict(set)
    for m in demo[MEMBERSHIPS]:
        if kind[m["组织编码"]] in ("居委会", "业委会", "物业服务企业"):
            held[m["证件号"]].add(kind[m["组织编码"]])
    two = sum(1 for kinds in held.values() if len(kinds) >= 2)
    three = sum(1 for kinds in held.values() if len(kinds) == 3)
    assert two >= 15 and three >= 8       # one 三方指导员 per subdistrict at least
    # The community secretary of the showcase compound sits on its owners' committee.
    showcase = demo[COMPOUNDS][0]
    by_org = _members(demo)
    secretary = next(m for m in by_org[f"JWH-{showcase['社区编码']}"] if m["职务"] == "书记")
    assert secretary["证件号"] in {m["证件号"] for m in by_org[f"YWH-{showcase['编码']}"]}


def test_demo_logins_point_at_rows(demo):
    logins = demo_logins(demo)
    assert [x.username for x in logins] == ["district", "subdistrict", "department", "community", "grid",
                                            "committee", "supervisor", "company", "resident"]
    assert len({x.phone for x in logins}) == 9
    orgs = {o["编码"] for o in demo[ORGANIZATIONS]}
    regions = {r["编码"] for r in demo[REGIONS]}
    compounds = {c["编码"] for c in demo[COMPOUNDS]}
    for x in logins:
        assert x.node_code in {"region": regions, "organization": orgs, "compound": compounds}[x.node]
    ids = {o["证件号"] for o in demo[OWNERS]} | {m["证件号"] for m in demo[MEMBERSHIPS]}
    assert all(x.id_number in ids for x in logins if x.id_number)


def test_small_demo_has_every_login():
    sheets = demo_district(size=0.02)
    check_workbook(sheets)
    assert len(sheets[COMPOUNDS]) <= 10 and len(sheets[UNITS]) <= 3000
    assert len(demo_logins(sheets)) == 9


def test_small_megacity_shape(small_city):
    check_workbook(small_city)
    assert len(small_city[COMPOUNDS]) == 20
    assert 9_500 <= len(small_city[UNITS]) <= 10_600
    assert sum(1 for o in small_city[ORGANIZATIONS] if o["类型"] == "物业服务企业") == 5
    assert 1.1 <= len(small_city[OWNERS]) / len(small_city[UNITS]) <= 1.35


def test_megacity_sizes_are_skewed():
    sheets = megacity(0.01)
    sizes = sorted(Counter(u["小区编码"] for u in sheets[UNITS]).values())
    assert len(sizes) == 200
    assert sizes[-1] == 12_500 and sizes[0] >= 50
    assert 180 <= sizes[len(sizes) // 2] <= 420
    assert 90_000 <= sum(sizes) <= 101_000
    assert 1_500 <= len(sheets[BUILDINGS]) <= 3_500


def test_credit_codes_carry_their_check_characters():
    import random

    rng = random.Random(1)
    for _ in range(50):
        code = generator.make_credit_code(rng, "330105")
        chars = generator._USCC_CHARS
        total = sum(chars.index(c) * w for c, w in zip(code[:17], generator._USCC_WEIGHTS, strict=True))
        assert chars[(31 - total % 31) % 31] == code[17]
        assert code.startswith("91330105MA")


def test_dates_stay_clear_of_29_february():
    assert generator.years_later(date(2024, 2, 28), 1) == date(2025, 2, 28)


def test_demo_and_megacity_share_no_keys(demo, small_city):
    """Both can live in one database: no code, ID number or phone number in common."""
    for sheet, column in ((REGIONS, "编码"), (COMPOUNDS, "编码"), (ORGANIZATIONS, "编码")):
        shared = {r[column] for r in demo[sheet]} & {r[column] for r in small_city[sheet]}
        assert shared <= {"3301"} if sheet == REGIONS else not shared, (sheet, sorted(shared)[:3])
    for column in ("证件号", "手机"):
        a = {r[column] for s in (OWNERS, MEMBERSHIPS) for r in demo[s]} - {None}
        b = {r[column] for s in (OWNERS, MEMBERSHIPS) for r in small_city[s]} - {None}
        assert not a & b, column
