"""Deterministic registry workbooks: a believable demo district and the megacity of WORKLOADS.md.

Both generators return the rows of the registry workbook (``{sheet name: [row dict, ...]}``,
rows keyed by the Chinese headers of ``registry.workbook.SHEETS``), never model instances: the
seeds go through ``registry.services.registry_import`` like any district's own workbook.

Everything is drawn from one seeded ``random.Random``; nothing depends on the clock or on hash
order, so the same arguments always give the same rows. Dates are placed around
``REFERENCE_DAY`` (terms and contracts current or expired on that day).

Shape of a compound (``_Builder.compound``): buildings by kind and age (six-storey walk-ups in
old compounds, 18–33-storey towers in newer commercial ones), entrances (单元) and room numbers
floor × 100 + position (101, 1202); residences, a few street shops, an underground garage in
newer compounds; owners — mostly one per unit, some co-owned, some people with two or three
units (a flat and a parking space), unsold units and spaces held by the developer.
"""

from __future__ import annotations

import bisect
import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from sanfang.registry.workbook import (
    BUILDINGS,
    COMPOUNDS,
    CONTRACTS,
    MEMBERSHIPS,
    ORGANIZATIONS,
    OWNERS,
    REGIONS,
    UNITS,
)

from . import names as N

SHEET_ORDER = (REGIONS, COMPOUNDS, BUILDINGS, UNITS, OWNERS, ORGANIZATIONS, MEMBERSHIPS, CONTRACTS)
REFERENCE_DAY = date(2026, 11, 21)
YES, NO = "是", "否"

Rows = dict[str, list[dict]]
# A person as the workbook names them: (姓名, 证件号, 手机 or None).
Person = tuple[str, str, str | None]

# Room numbers floor × 100 + position, as strings, made once ("101" … "3308").
_ROOMS = [[f"{floor}{k:02d}" for k in range(1, 11)] for floor in range(0, 41)]
_SMALL = [str(i) for i in range(0, 100)]


def empty_sheets() -> Rows:
    return {name: [] for name in SHEET_ORDER}


# ---------------------------------------------------------------------------------------------
# People: unique valid ID numbers and phone numbers without keeping a set of the ones issued.


class _Permutation:
    """i ↦ (a·i + b) mod m, a bijection on [0, m): the i-th person gets a distinct slot that
    looks random (so birthdays spread over the years) without remembering earlier ones."""

    def __init__(self, size: int, mult: int, offset: int):
        while math.gcd(mult, size) != 1:
            mult += 1
        self.size, self.mult, self.offset = size, mult % size, offset % size

    def __call__(self, i: int) -> int:
        return (i * self.mult + self.offset) % self.size


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def _weighted(digits: str, offset: int) -> int:
    """The GB 11643 weighted sum of ``digits`` standing at ``offset`` in the ID number."""
    return sum(int(c) * w for c, w in zip(digits, _ID_WEIGHTS[offset:offset + len(digits)], strict=True))


_SEQ = [(f"{i:03d}", _weighted(f"{i:03d}", 14)) for i in range(1000)]


class _People:
    """Issues people. Owners are born 1940–2003 (sequence numbers 000–799 of the ID), staff
    and officials 1958–1999 (800–999), so the two pools never collide; the 17th digit is odd
    for men, as in real ID numbers, and the name follows the sex and generation."""

    OWNER_EPOCH = date(1940, 1, 1).toordinal()
    OWNER_DAYS = date(2003, 12, 31).toordinal() - OWNER_EPOCH + 1
    STAFF_EPOCH = date(1958, 1, 1).toordinal()
    STAFF_DAYS = date(1999, 12, 31).toordinal() - STAFF_EPOCH + 1

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.owner_slots = _Permutation(self.OWNER_DAYS * 800, 2_654_435_761, 97_531)
        self.staff_slots = _Permutation(self.STAFF_DAYS * 200, 2_246_822_519, 13_579)
        self.phone_slots = _Permutation(10**8, 40_503_001, 12_345_678)
        self.n_owner = self.n_staff = self.n_phone = 0
        self._born: dict[int, tuple[str, int, int]] = {}
        self.areas = [(code, _weighted(code, 0)) for code, _ in N.ID_AREAS]
        self.area_weights = []
        total = 0
        for _, w in N.ID_AREAS:
            total += w
            self.area_weights.append(total)
        self._area_total = total

    def _person(self, ordinal: int, seq: int) -> Person:
        # make_resident_id, with the weighted sums of the three parts cached (a million
        # owners otherwise spend seconds in the check digit); tests compare the two.
        born = self._born.get(ordinal)
        if born is None:
            d = date.fromordinal(ordinal)
            digits = f"{d.year:04d}{d.month:02d}{d.day:02d}"
            born = self._born[ordinal] = (digits, _weighted(digits, 6), d.year)
        area, area_sum = self.areas[bisect.bisect_right(self.area_weights, self.rng.random() * self._area_total)]
        seq_digits, seq_sum = _SEQ[seq]
        check = _CHECK[(area_sum + born[1] + seq_sum) % 11]
        return self._name(seq % 2 == 1, born[2]), f"{area}{born[0]}{seq_digits}{check}", self.phone()

    def owner(self) -> Person:
        slot = self.owner_slots(self.n_owner)
        self.n_owner += 1
        return self._person(self.OWNER_EPOCH + slot // 800, slot % 800)

    def staff(self) -> Person:
        slot = self.staff_slots(self.n_staff)
        self.n_staff += 1
        return self._person(self.STAFF_EPOCH + slot // 200, 800 + slot % 200)

    def phone(self) -> str:
        k = self.n_phone
        self.n_phone += 1
        return f"{N.PHONE_PREFIXES[k % len(N.PHONE_PREFIXES)]}{self.phone_slots(k):08d}"

    def _name(self, male: bool, year: int) -> str:
        rng = self.rng
        surname = N.SURNAMES[int(rng.random() * len(N.SURNAMES))]
        r = rng.random()
        if year < 1968 and r < 0.55:
            pool = N.GIVEN_MALE_OLD if male else N.GIVEN_FEMALE_OLD
            return surname + pool[int(rng.random() * len(pool))]
        if r > 0.82:
            pool = N.MALE_SINGLE if male else N.FEMALE_SINGLE
            return surname + pool[int(rng.random() * len(pool))]
        first, second = (N.MALE_FIRST, N.MALE_SECOND) if male else (N.FEMALE_FIRST, N.FEMALE_SECOND)
        return surname + first[int(rng.random() * len(first))] + second[int(rng.random() * len(second))]


_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def make_credit_code(rng: random.Random, area: str) -> str:
    """A unified social credit code (GB 32100) of a company registered after 2015: 91 +
    area + an organisation code beginning MA (with its GB 11714 check) + the check character.
    It contains letters, so the import reads it as a non-resident document number too."""
    body = "MA" + "".join(rng.choice(_USCC_CHARS) for _ in range(6))
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    org_code = body + {10: "X", 11: "0"}.get(check, str(check))
    first17 = "91" + area + org_code
    c = (31 - sum(_USCC_CHARS.index(ch) * w for ch, w in zip(first17, _USCC_WEIGHTS, strict=True)) % 31) % 31
    return first17 + _USCC_CHARS[c]


def _years_later(day: date, years: int) -> date:
    return date(day.year + years, day.month, min(day.day, 28))


def _day(day: date) -> date:
    """Terms and contracts begin on the 1st–28th, so adding years never meets a 29 February."""
    return day if day.day <= 28 else day.replace(day=28)


# ---------------------------------------------------------------------------------------------
# Plans: which compounds exist, how big, of which kind, in which community.


@dataclass
class _CompoundPlan:
    kind: str                 # 商品房 / 老旧小区 / 回迁安置 / 保障房 / 其他
    units: int                # unit rows, residences + shops + parking
    showcase: bool = False    # the demo logins' compound: every party present


@dataclass
class _Community:
    code: str
    name: str
    plans: list[_CompoundPlan] = field(default_factory=list)


@dataclass
class _Subdistrict:
    code: str
    name: str
    communities: list[_Community] = field(default_factory=list)


@dataclass
class _District:
    code: str
    name: str
    center: tuple[float, float]
    subdistricts: list[_Subdistrict] = field(default_factory=list)


@dataclass
class _CompoundInfo:
    code: str
    name: str
    kind: str
    mode: str
    built: int
    residences: int
    district: _District
    community: _Community
    owners: list[Person]          # natural persons owning a residence, in order of appearance
    showcase: bool = False
    committee: str | None = None  # owners' committee code
    committee_term: tuple[date, date] | None = None


def _fit_sizes(rng: random.Random, sizes: list[float], total: int, low: int, high: int) -> list[int]:
    """Scale ``sizes`` so that they add up to ``total`` with each in [low, high]."""
    total = max(min(total, high * len(sizes)), low * len(sizes))
    out = [min(high, max(low, round(s))) for s in sizes]
    for _ in range(30):
        current = sum(out)
        if current == total:
            break
        factor = total / current
        out = [min(high, max(low, round(s * factor))) for s in out]
    diff = total - sum(out)
    step = 1 if diff > 0 else -1
    order = list(range(len(out)))
    rng.shuffle(order)
    i = 0
    while diff and i < 10 * len(out) + abs(diff):
        j = order[i % len(order)]
        if low <= out[j] + step <= high:
            out[j] += step
            diff -= step
        i += 1
    return out


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(rng.gauss(0, sigma))


class _Names:
    """Unique names within a scope (one district): a second 和睦新村 becomes 和睦新村二区."""

    def __init__(self):
        self.used: set[str] = set()

    def take(self, name: str, variants=N.SECTIONS) -> str:
        if name not in self.used:
            self.used.add(name)
            return name
        for v in variants:
            candidate = name + v
            if candidate not in self.used:
                self.used.add(candidate)
                return candidate
        n = 2
        while f"{name}{n}期" in self.used:
            n += 1
        self.used.add(f"{name}{n}期")
        return f"{name}{n}期"


def _distribute(rng: random.Random, plans: list[_CompoundPlan], communities: list[_Community]) -> None:
    """Give every community at least one compound and the rest by uneven weights, keeping a
    showcase plan in the first community."""
    weights = [rng.uniform(0.4, 1.6) for _ in communities]
    cum = []
    t = 0.0
    for w in weights:
        t += w
        cum.append(t)
    for i, plan in enumerate(plans):
        if i < len(communities):
            communities[i].plans.append(plan)
        else:
            communities[bisect.bisect_right(cum, rng.random() * t)].plans.append(plan)


# ---------------------------------------------------------------------------------------------
# The builder: turns plans into rows.


class _Builder:
    def __init__(self, seed: int, companies: int):
        self.rng = random.Random(seed)
        self.people = _People(self.rng)
        self.sheets = empty_sheets()
        self.n_companies = companies
        self.party: dict[str, bool] = {}      # 证件号 → party member, fixed at first appointment
        self.credit_codes: set[str] = set()
        self.compounds: list[_CompoundInfo] = []
        self.rc_party_members: dict[str, list[Person]] = {}   # community code → party RC members
        self.joint_branches: dict[str, str] = {}              # community code → its joint branch code
        self.names: dict[str, _Names] = {}
        self.developers: list[Person] = []
        self.org_rows: dict[str, dict] = {}
        self.rc_owner_members: list[tuple[Person, _CompoundInfo]] = []
        self.city_code = ""
        self.city_name = ""

    # -- small helpers --------------------------------------------------------------------

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, seq):
        return seq[int(self.rng.random() * len(seq))]

    def credit_code(self, area: str) -> str:
        while True:
            code = make_credit_code(self.rng, area)
            if code not in self.credit_codes:
                self.credit_codes.add(code)
                return code

    def region(self, code: str, name: str, level: str, parent: str | None) -> None:
        self.sheets[REGIONS].append({"编码": code, "名称": name, "层级": level, "上级编码": parent})

    def org(self, code: str, name: str, kind: str, *, compound: str | None = None, region: str | None = None,
            credit: str | None = None, coverage: str | None = None, party_parent: str | None = None) -> str:
        row = {
            "编码": code, "名称": name, "类型": kind, "所属小区编码": compound, "所属区域编码": region,
            "统一社会信用代码": credit, "党组织覆盖": coverage, "上级党组织编码": party_parent,
        }
        self.sheets[ORGANIZATIONS].append(row)
        self.org_rows[code] = row
        return code

    def member(self, org: str, person: Person, position: str, *, party: bool | None = None,
               start: date | None = None, end: date | None = None) -> bool:
        """A 任职 row; a person's party membership is decided once and kept on every row."""
        known = self.party.get(person[1])
        if known is None:
            known = bool(party)
            self.party[person[1]] = known
        self.sheets[MEMBERSHIPS].append({
            "组织编码": org, "姓名": person[0], "证件号": person[1], "手机": person[2], "职务": position,
            "是否党员": YES if known else NO, "任期开始": start, "任期结束": end,
        })
        return known

    def is_party(self, person: Person) -> bool | None:
        return self.party.get(person[1])

    def term(self, years: int, *, expired: bool) -> tuple[date, date]:
        """A term of ``years`` that covers REFERENCE_DAY, or one that ended before it."""
        ref = REFERENCE_DAY
        if expired:
            end = ref - timedelta(days=self.rng.randint(20, 700))
            start = _day(_years_later(end, -years) + timedelta(days=1))
        else:
            start = _day(ref - timedelta(days=self.rng.randint(20, years * 365 - 20)))
        return start, _years_later(start, years) - timedelta(days=1)

    # -- regions --------------------------------------------------------------------------

    def regions(self, city: tuple[str, str], districts: list[_District]) -> None:
        self.city_code, self.city_name = city
        self.region(city[0], city[1], "市", None)
        for d in districts:
            self.region(d.code, d.name, "区", city[0])
            for s in d.subdistricts:
                self.region(s.code, s.name, "街道", d.code)
                for c in s.communities:
                    self.region(c.code, c.name, "社区", s.code)

    def district_orgs(self, d: _District) -> None:
        party = self.org(f"PARTY-{d.code}", f"中共{d.name}委员会", "党组织", region=d.code)
        self.org(f"PARTY-{d.code}-WY", f"中共{d.name}物业行业委员会", "党组织", region=d.code, party_parent=party)
        for suffix, name in N.DEPARTMENTS:
            self.org(f"BM-{d.code}-{suffix}", f"{d.name}{name}", "职能部门", region=d.code)
        for s in d.subdistricts:
            self.org(f"PARTY-{s.code}", f"中共{d.name}{s.name}工作委员会", "党组织", region=s.code, party_parent=party)
            self.org(f"BM-{s.code}-SFS", f"{s.name}司法所", "职能部门", region=s.code)

    # -- one compound ---------------------------------------------------------------------

    def compound(self, d: _District, s: _Subdistrict, c: _Community, code: str, plan: _CompoundPlan) -> _CompoundInfo:
        rng = self.rng
        kind = plan.kind
        built, mode = self._age_and_mode(kind, plan)
        name = self._compound_name(d, kind, plan.units)
        total = plan.units

        # Split the unit rows into residences, shops and parking spaces.
        parking = 0
        if kind == "商品房" and built >= 2000:
            parking = round(total * rng.uniform(0.12, 0.28))
        elif kind in ("回迁安置", "保障房") and built >= 2005:
            parking = round(total * rng.uniform(0.04, 0.12))
        shops = round(total * rng.uniform(0.0, 0.03)) if kind != "保障房" and self.chance(0.45) else 0
        if plan.showcase:
            parking = max(parking, 40)
            shops = max(shops, 6)
        residences = max(1, total - parking - shops)
        parking = total - residences - shops

        compound_row = {
            "编码": code, "名称": name, "社区编码": c.code,
            "地址": f"{self.city_name}{d.name}{self.pick(N.ROADS)}{rng.randint(1, 699)}号",
            "类型": kind, "建成年份": built, "总建筑面积": None, "户数": residences, "管理模式": mode,
            "经度": round(d.center[0] + rng.uniform(-0.04, 0.04), 6),
            "纬度": round(d.center[1] + rng.uniform(-0.035, 0.035), 6),
        }
        self.sheets[COMPOUNDS].append(compound_row)

        homes: list[tuple[str, str, str]] = []
        area_sum = 0.0
        area_sum += self._residential_buildings(code, kind, built, residences, homes)
        shop_keys: list[tuple[str, str, str]] = []
        if shops:
            area_sum += self._shops(code, shops, shop_keys)
        garage: list[tuple[str, str, str]] = []
        if parking:
            self._garage(code, parking, garage)
        compound_row["总建筑面积"] = round(area_sum * rng.uniform(1.18, 1.32), 2)

        info = _CompoundInfo(code=code, name=name, kind=kind, mode=mode, built=built, residences=residences,
                             district=d, community=c, owners=[], showcase=plan.showcase)
        self._owners(info, homes, shop_keys, garage)
        self.compounds.append(info)
        return info

    def _age_and_mode(self, kind: str, plan: _CompoundPlan) -> tuple[int, str]:
        rng = self.rng
        if plan.showcase:
            return 2012, "市场化物业"
        if kind == "老旧小区":
            built = rng.randint(1980, 2000)
            mode = rng.choices(("准物业", "居委会+物业", "统一打包", "市场化物业", "无"), (42, 24, 20, 9, 5))[0]
        elif kind == "回迁安置":
            built = rng.randint(2000, 2019)
            mode = rng.choices(("市场化物业", "统一打包", "准物业", "居委会+物业"), (40, 28, 20, 12))[0]
        elif kind == "商品房":
            built = rng.choices((rng.randint(1996, 2005), rng.randint(2006, 2015), rng.randint(2016, 2023)),
                                (25, 45, 30))[0]
            mode = "市场化物业" if self.chance(0.96) else "无"
        elif kind == "保障房":
            built = rng.randint(2008, 2021)
            mode = rng.choice(("市场化物业", "统一打包"))
        else:
            built = rng.randint(1975, 1998)
            mode = rng.choice(("准物业", "无", "居委会+物业"))
        return built, mode

    def _compound_name(self, d: _District, kind: str, units: int) -> str:
        names = self.names.setdefault(d.code, _Names())
        if kind == "老旧小区":
            name = self.pick(N.OLD_STEMS) + self.pick(N.OLD_SUFFIXES)
            if units > 500 and self.chance(0.5):
                name += self.pick(N.SECTIONS[:3])
        elif kind == "回迁安置":
            name = self.pick(N.RESETTLEMENT_STEMS) + self.pick(N.RESETTLEMENT_SUFFIXES)
        elif kind == "商品房":
            if self.chance(0.25):
                name = self.pick(N.COMMERCIAL_WHOLE)
            else:
                name = self.pick(N.COMMERCIAL_STEMS) + self.pick(N.COMMERCIAL_SUFFIXES)
        elif kind == "保障房":
            name = self.pick(N.RESETTLEMENT_STEMS) + self.pick(N.AFFORDABLE_SUFFIXES)
        else:
            name = self.pick(N.OLD_STEMS) + "宿舍"
        return names.take(name)

    def _shape(self, kind: str, built: int) -> tuple[int, int, int]:
        """(floors, entrances, units per floor per entrance) of one residential building."""
        rng = self.rng
        walkup = (self.pick((4, 5, 6, 6, 6, 7, 7)), self.pick((2, 2, 3, 3, 4)), 2)
        if kind in ("老旧小区", "其他") or built < 1998:
            return walkup
        if kind == "回迁安置":
            return (rng.randint(11, 18), rng.randint(1, 2), self.pick((2, 2, 3, 4))) if self.chance(0.5) else walkup
        if kind == "保障房":
            return rng.randint(18, 28), 1, rng.randint(3, 6)
        if built < 2006:
            return walkup if self.chance(0.65) else (rng.randint(11, 18), rng.randint(1, 2), rng.randint(2, 4))
        if self.chance(0.35):
            return rng.randint(6, 11), rng.randint(1, 2), 2      # 洋房
        return rng.randint(15, 33), self.pick((1, 1, 1, 2)), self.pick((2, 2, 3, 4))

    def _residential_buildings(self, code: str, kind: str, built: int, count: int, homes: list) -> float:
        rng = self.rng
        units_sheet = self.sheets[UNITS]
        buildings_sheet = self.sheets[BUILDINGS]
        low, high = {"老旧小区": (40, 75), "回迁安置": (55, 110), "商品房": (78, 160), "保障房": (40, 70)}.get(
            kind, (45, 90))
        remaining = count
        number = 0
        area_sum = 0.0
        while remaining > 0:
            number += 1
            floors, entrances, per_floor = self._shape(kind, built)
            capacity = floors * entrances * per_floor
            n = min(capacity, remaining)
            remaining -= n
            per_entrance = floors * per_floor
            used_entrances = -(-n // per_entrance)
            used_floors = floors if n >= per_entrance else -(-n // per_floor)
            bno = _SMALL[number] if number < 100 else str(number)
            buildings_sheet.append({"小区编码": code, "楼栋号": bno, "层数": used_floors, "单元数": used_entrances})
            # One floor plan per building: the flat at position k has the same area on every floor.
            plan = [round(rng.uniform(low, high), 2) for _ in range(per_floor)]
            source = rng.choices(("登记", "测绘", "合同"), (85, 10, 5))[0]
            left = n
            for e in range(1, used_entrances + 1):
                entrance = _SMALL[e]
                for f in range(1, floors + 1):
                    row = _ROOMS[f]
                    for k in range(per_floor):
                        if not left:
                            break
                        left -= 1
                        room = row[k]
                        area = plan[k]
                        area_sum += area
                        units_sheet.append({"小区编码": code, "楼栋号": bno, "单元": entrance, "房号": room,
                                            "类型": "住宅", "专有部分面积": area, "面积来源": source})
                        homes.append((bno, entrance, room))
        return area_sum

    def _shops(self, code: str, count: int, keys: list) -> float:
        rng = self.rng
        floors = 1 if count <= 30 else 2
        self.sheets[BUILDINGS].append({"小区编码": code, "楼栋号": "沿街商铺", "层数": floors, "单元数": 1})
        area_sum = 0.0
        for i in range(count):
            floor, k = divmod(i, max(30, -(-count // 2)))
            room = f"{floor + 1}{k + 1:02d}"
            area = round(rng.uniform(20, 200), 2)
            area_sum += area
            self.sheets[UNITS].append({"小区编码": code, "楼栋号": "沿街商铺", "单元": "1", "房号": room,
                                       "类型": "商铺", "专有部分面积": area, "面积来源": "登记"})
            keys.append(("沿街商铺", "1", room))
        return area_sum

    def _garage(self, code: str, count: int, keys: list) -> None:
        rng = self.rng
        levels = -(-count // 900)
        self.sheets[BUILDINGS].append({"小区编码": code, "楼栋号": "地下车库", "层数": levels, "单元数": levels})
        per_level = -(-count // levels)
        source = "合同" if self.chance(0.6) else "测绘"
        for i in range(count):
            level, k = divmod(i, per_level)
            entrance = f"B{level + 1}"
            room = f"{k + 1:03d}"
            self.sheets[UNITS].append({"小区编码": code, "楼栋号": "地下车库", "单元": entrance, "房号": room,
                                       "类型": "车位", "专有部分面积": round(rng.uniform(11.5, 15.0), 2),
                                       "面积来源": source})
            keys.append(("地下车库", entrance, room))

    def _developer(self, d: _District) -> Person:
        """A developer, now and then reused for a second project in the same district."""
        if self.developers and self.chance(0.25):
            return self.pick(self.developers[-8:])
        name = f"杭州{self.pick(N.COMPANY_STEMS)}{self.pick(N.DEVELOPER_FORMS)}"
        dev = (name, self.credit_code(d.code[:6].ljust(6, "0")), None)
        self.developers.append(dev)
        return dev

    def _owners(self, info: _CompoundInfo, homes: list, shops: list, garage: list) -> None:
        rng = self.rng
        rows = self.sheets[OWNERS]
        code = info.code
        people = self.people
        developer = None
        unsold_homes = unsold_parking = 0.0
        if info.kind == "商品房" and info.built >= 2016:
            developer = self._developer(info.district)
            unsold_homes = rng.uniform(0.02, 0.12)
            unsold_parking = rng.uniform(0.3, 0.7)
        elif info.kind == "商品房" and info.built >= 2006 and garage:
            developer = self._developer(info.district)
            unsold_parking = rng.uniform(0.1, 0.4)

        owners = info.owners
        units_held: dict[str, int] = {}

        def add(key, person: Person, developer_held: bool = False):
            rows.append({"小区编码": code, "楼栋号": key[0], "单元": key[1], "房号": key[2], "姓名": person[0],
                         "证件号": person[1], "手机": person[2], "开发商持有": YES if developer_held else NO})

        for key in homes:
            r = rng.random()
            if developer is not None and r < unsold_homes:
                add(key, developer, True)
                continue
            r = rng.random()
            if owners and r < 0.04:
                # Someone who already owns a flat here buys a second one (three at most).
                p = owners[int(rng.random() * len(owners))]
                held = units_held.get(p[1], 1)
                if held < 3:
                    units_held[p[1]] = held + 1
                    add(key, p)
                    continue
            p = people.owner()
            owners.append(p)
            add(key, p)
            if r > 0.76:           # co-owned: spouses, or parents and a child
                co = people.owner()
                owners.append(co)
                add(key, co)
                if r > 0.975:
                    co = people.owner()
                    owners.append(co)
                    add(key, co)

        for key in garage:
            if developer is not None and rng.random() < unsold_parking:
                add(key, developer, True)
            else:
                # A space goes with a flat here, to someone holding fewer than three units.
                for _ in range(3 if owners else 0):
                    p = owners[int(rng.random() * len(owners))]
                    held = units_held.get(p[1], 1)
                    if held < 3:
                        units_held[p[1]] = held + 1
                        add(key, p)
                        break
                else:
                    add(key, people.owner())

        previous, held = None, 0
        for key in shops:
            if previous is not None and held < 3 and rng.random() < 0.15:
                held += 1
            else:
                previous, held = people.owner(), 1
            add(key, previous)

    # -- a community and its committees ---------------------------------------------------

    def community(self, d: _District, s: _Subdistrict, c: _Community) -> None:
        infos = [self.compound(d, s, c, f"{c.code}{i + 1:03d}", plan) for i, plan in enumerate(c.plans)]
        self._residents_committee(d, s, c, infos)
        for info in infos:
            self._owner_bodies(info)
        if self.chance(0.5):
            owners = [p for info in infos for p in info.owners[:50]]
            if len(owners) >= 3:
                code = self.org(f"ST-{c.code}-1", f"{c.name}{self.pick(N.ASSOCIATIONS)}", "群众性社团", region=c.code)
                chosen = self.rng.sample(owners, 3)
                self.member(code, chosen[0], "主任", party=self.chance(0.5))
                for p in chosen[1:]:
                    self.member(code, p, "委员", party=self.chance(0.3))

    def _residents_committee(self, d: _District, s: _Subdistrict, c: _Community, infos: list[_CompoundInfo]) -> None:
        rng = self.rng
        party_code = self.org(f"PARTY-{c.code}", f"中共{c.name}委员会", "党组织", region=c.code,
                              party_parent=f"PARTY-{s.code}")
        rc = self.org(f"JWH-{c.code}", f"{c.name}居民委员会", "居委会", region=c.code, party_parent=party_code)
        start = date(2026, rng.choice((3, 4, 5)), rng.randint(1, 28))
        end = _years_later(start, 5) - timedelta(days=1)
        local = [(p, info) for info in infos for p in info.owners[:200]]
        self.rc_owner_members = rc_owners = []   # (person, compound) for cross-appointments

        def staff_or_local(force_local: bool = False, showcase_only: bool = False):
            pool = local
            if showcase_only:
                pool = [(p, i) for p, i in local if i.showcase]
            if pool and (force_local or rng.random() < 0.3):
                for _ in range(5):
                    p, info = pool[int(rng.random() * len(pool))]
                    if p[1] not in self.party:
                        rc_owners.append((p, info))
                        return p
            return self.people.staff()

        showcase_here = any(i.showcase for i in infos)
        secretary = staff_or_local(force_local=showcase_here, showcase_only=showcase_here)
        self.member(rc, secretary, "书记", party=True, start=start, end=end)
        self.member(party_code, secretary, "书记", start=start, end=end)
        party_members = [secretary]
        if self.chance(0.7):                           # 书记、主任“一肩挑”
            self.member(rc, secretary, "主任", start=start, end=end)
        else:
            chair = staff_or_local()
            if self.member(rc, chair, "主任", party=self.chance(0.8), start=start, end=end):
                party_members.append(chair)
        for position, count in (("副主任", rng.randint(1, 2)), ("委员", rng.randint(3, 5))):
            for _ in range(count):
                p = staff_or_local()
                if self.member(rc, p, position, party=self.chance(0.6), start=start, end=end):
                    party_members.append(p)
        for p in party_members[1:4]:
            self.member(party_code, p, "委员", start=start, end=end)
        homes = sum(i.residences for i in infos)
        for _ in range(min(12, max(2, round(homes / 450)))):
            hired = date(rng.randint(2019, 2025), rng.randint(1, 12), rng.randint(1, 28))
            self.member(rc, self.people.staff(), "网格员", party=self.chance(0.45), start=hired)
        self.rc_party_members[c.code] = party_members

    def _owner_bodies(self, info: _CompoundInfo) -> None:
        """The owners' committee (about 60% of compounds) or, failing one, now and then an
        interim management committee or a preparatory group; a supervisory committee beside
        some owners' committees."""
        rng = self.rng
        p_committee = {"商品房": 0.78, "回迁安置": 0.6, "保障房": 0.5, "老旧小区": 0.5, "其他": 0.3}[info.kind]
        natural = info.owners
        if (info.showcase or (len(natural) >= 12 and self.chance(p_committee))) and self._owners_committee(info):
            if info.showcase or self.chance(0.12):
                self._supervisory_committee(info)
        elif len(natural) >= 12 and self.chance(0.12):
            kind, prefix, label = (("物业管理委员会", "WGW", "物业管理委员会") if self.chance(0.5)
                                   else ("筹备组", "CBZ", "业主大会筹备组"))
            code = self.org(f"{prefix}-{info.code}", f"{info.name}{label}", kind, compound=info.code)
            start = _day(REFERENCE_DAY - timedelta(days=rng.randint(30, 400)))
            end = _years_later(start, 1) if kind == "物业管理委员会" else None
            leaders = self.rc_party_members.get(info.community.code) or []
            if leaders:
                self.member(code, leaders[-1], "主任", start=start, end=end)
            for p in self._fresh_owners(info, rng.choice((4, 6))):
                self.member(code, p, "委员", party=self.chance(0.35), start=start, end=end)

    def _fresh_owners(self, info: _CompoundInfo, n: int, exclude: set | None = None) -> list[Person]:
        """``n`` distinct owners of the compound who hold no other seat yet."""
        out: list[Person] = []
        seen = set(exclude or ())
        owners = info.owners
        tries = 0
        while len(out) < n and tries < 20 * n:
            tries += 1
            p = owners[int(self.rng.random() * len(owners))]
            if p[1] in seen or p[1] in self.party:
                continue
            seen.add(p[1])
            out.append(p)
        return out

    def _owners_committee(self, info: _CompoundInfo) -> bool:
        rng = self.rng
        size = 5 if info.residences < 300 else rng.choice((5, 7)) if info.residences < 1000 else rng.choice((7, 9))
        if info.showcase:
            size = 7
        # Cross-appointments: a residents' committee member who owns a flat here sits on the
        # committee (the community secretary, in the showcase compound).
        cross = [p for p, i in self.rc_owner_members if i is info]
        if not info.showcase:
            cross = [p for p in cross if self.chance(0.6)]
        cross = cross[:2]
        members = self._fresh_owners(info, size - len(cross))
        if len(members) + len(cross) < 5 or not members:
            return False
        # The committee's party share: from a third to three quarters (Gongshu 50%, Zhenhai 64%).
        share = rng.choice((0.3, 0.45, 0.55, 0.65, 0.75)) if not info.showcase else 0.75
        expired = not info.showcase and self.chance(0.15)
        start, end = self.term(self.pick((3, 4, 5, 5, 5)), expired=expired)
        code = self.org(f"YWH-{info.code}", f"{info.name}业主委员会", "业委会", compound=info.code)
        info.committee, info.committee_term = code, (start, end)

        chair, rest = members[0], members[1:] + cross
        chair_party = self.member(code, chair, "主任", party=info.showcase or self.chance(0.6), start=start, end=end)
        party = [chair] if chair_party else []
        vices = 2 if len(rest) >= 8 else 1
        for i, p in enumerate(rest):
            if self.member(code, p, "副主任" if i < vices else "委员", party=self.chance(share), start=start, end=end):
                party.append(p)

        # Party coverage: its own branch when three or more members are in the party, else a
        # joint branch of the community, a dispatched instructor, or none yet.
        community = info.community.code
        community_party = f"PARTY-{community}"
        if len(party) >= 3 and (info.showcase or self.chance(0.75)):
            branch = self.org(f"PARTY-{info.code}", f"中共{info.name}业主委员会支部委员会", "党组织",
                              compound=info.code, party_parent=community_party)
            self.member(branch, party[0], "书记", start=start, end=end)
            for p in party[1:3]:
                self.member(branch, p, "委员", start=start, end=end)
            coverage, parent = "单独组建", branch
        else:
            r = rng.random()
            if r < 0.45:
                parent = self.joint_branches.get(community)
                if parent is None:
                    parent = self.org(f"PARTY-{community}-LH", f"中共{info.community.name}小区联合支部委员会", "党组织",
                                      region=community, party_parent=community_party)
                    self.joint_branches[community] = parent
                coverage = "联合组建"
            elif r < 0.8 and self.rc_party_members.get(community):
                coverage, parent = "派驻党建指导员", community_party
                instructor = self.pick(self.rc_party_members[community])
                self.member(code, instructor, "党建指导员", start=start, end=end)
            else:
                coverage, parent = "未覆盖", None
        self.org_rows[code].update({"党组织覆盖": coverage, "上级党组织编码": parent})
        return True

    def _supervisory_committee(self, info: _CompoundInfo) -> None:
        code = self.org(f"JDW-{info.code}", f"{info.name}业主监督委员会", "业主监督委员会", compound=info.code)
        start, end = info.committee_term
        members = self._fresh_owners(info, 5 if info.showcase else self.pick((3, 3, 5)))
        for i, p in enumerate(members):
            self.member(code, p, "主任" if i == 0 else "委员", party=self.chance(0.4 if i else 0.7),
                        start=start, end=end)

    # -- companies and contracts ----------------------------------------------------------

    def companies(self, districts: list[_District]) -> None:
        rng = self.rng
        served = [i for i in self.compounds if i.mode in ("市场化物业", "统一打包", "居委会+物业")]
        # One state-owned company per district takes the bundled old compounds (统一打包).
        soe: dict[str, str] = {}
        companies: list[tuple[str, str, str]] = []     # (code, name, district code)
        width = 5 if self.n_companies >= 10_000 else 4
        for d in districts:
            code = f"WY{len(companies) + 1:0{width}d}"
            companies.append((code, f"{d.name}城发物业服务有限公司", d.code))
            soe[d.code] = code
        while len(companies) < max(self.n_companies, len(districts)):
            d = districts[len(companies) % len(districts)]
            city = "杭州" if self.chance(0.7) else "浙江"
            name = f"{city}{self.pick(N.COMPANY_STEMS)}{self.pick(N.COMPANY_FORMS)}"
            while name in {c[1] for c in companies[-200:]}:
                name = f"{city}{self.pick(N.COMPANY_STEMS)}{self.pick(N.COMPANY_STEMS)}{self.pick(N.COMPANY_FORMS)}"
            companies.append((f"WY{len(companies) + 1:0{width}d}", name, d.code))
        private = [c for c in companies if c[0] not in soe.values()] or companies
        # Market share by rank (Zipf-like): a few large companies and a long tail; every
        # company first gets one compound so that none is an empty shell.
        weights = []
        t = 0.0
        for rank in range(len(private)):
            t += 1 / (rank + 1) ** 0.9
            weights.append(t)
        order = list(range(len(served)))
        rng.shuffle(order)
        assigned: dict[str, str] = {}
        for n, idx in enumerate(order):
            info = served[idx]
            if info.mode == "统一打包":
                assigned[info.code] = soe[info.district.code]
            elif n < len(private):
                assigned[info.code] = private[n][0]
            else:
                assigned[info.code] = private[bisect.bisect_right(weights, rng.random() * t)][0]

        current_by_company: dict[str, list[tuple[_CompoundInfo, date, date | None]]] = {}
        for info in served:
            company = assigned[info.code]
            start, end = self._contracts(info, company, [c[0] for c in private])
            if end is None or end >= REFERENCE_DAY:
                current_by_company.setdefault(company, []).append((info, start, end))

        pms_by_community: dict[str, list[tuple[Person, str, date]]] = {}
        wy_party = {d.code: f"PARTY-{d.code}-WY" for d in districts}
        joint: dict[str, int] = {}
        for code, name, dcode in companies:
            current = current_by_company.get(code, [])
            n = len(current)
            if n >= 8:
                coverage = rng.choices(("单独组建", "联合组建"), (8, 2))[0]
            elif n >= 3:
                coverage = rng.choices(("单独组建", "联合组建", "派驻党建指导员"), (3, 5, 2))[0]
            else:
                coverage = rng.choices(("联合组建", "派驻党建指导员", "未覆盖"), (35, 40, 25))[0]
            parent = wy_party[dcode]
            if coverage == "联合组建":
                # One joint branch for every eight companies that have none of their own.
                n = joint.get(dcode, 0)
                joint[dcode] = n + 1
                branch = f"PARTY-{dcode}-WYLH{n // 8 + 1:03d}"
                if n % 8 == 0:
                    self.org(branch, f"中共{self._district_name(districts, dcode)}物业行业第{n // 8 + 1}联合支部委员会",
                             "党组织", region=dcode, party_parent=parent)
                parent = branch
            elif coverage == "未覆盖":
                parent = None
            own_branch = f"PARTY-{code}" if coverage == "单独组建" else None
            self.org(code, name, "物业服务企业", credit=self.credit_code(dcode[:6].ljust(6, "0")), coverage=coverage,
                     party_parent=own_branch or parent)
            if own_branch:
                self.org(own_branch, f"中共{name}支部委员会", "党组织", region=dcode, party_parent=parent)
            hired = date(rng.randint(2012, 2024), rng.randint(1, 12), rng.randint(1, 28))
            gm = self.people.staff()
            self.member(code, gm, "总经理", party=bool(own_branch) or self.chance(0.4), start=hired)
            branch_members = [gm] if self.is_party(gm) else []
            for info, start, _end in current:
                pm = self.people.staff()
                if self.member(code, pm, "项目经理", party=self.chance(0.35), start=start):
                    branch_members.append(pm)
                pms_by_community.setdefault(info.community.code, []).append((pm, code, start))
            if own_branch and branch_members:
                self.member(own_branch, branch_members[0], "书记", start=hired)
                for p in branch_members[1:3]:
                    self.member(own_branch, p, "委员", start=hired)
            if coverage == "派驻党建指导员":
                self.member(code, self.people.staff(), "党建指导员", party=True, start=date(2024, 3, 1))
        self._company_cross_appointments(districts, current_by_company, pms_by_community)

    @staticmethod
    def _district_name(districts: list[_District], code: str) -> str:
        return next(d.name for d in districts if d.code == code)

    def _contracts(self, info: _CompoundInfo, company: str, others: list[str]) -> tuple[date, date | None]:
        """The contracts of one compound: the current (or lapsed) one and now and then the one
        before it, with another company. Returns the last contract's dates."""
        rng = self.rng
        years = rng.choices((3, 2, 5, 0), (60, 15, 15, 10))[0] if not info.showcase else 3   # 0: open-ended
        lapsed = not info.showcase and self.chance(0.1)
        if lapsed:
            end = REFERENCE_DAY - timedelta(days=rng.randint(15, 500))
            start = _day(_years_later(end, -(years or 3)) + timedelta(days=1))
        else:
            span = (years or 3) * 365
            start = _day(REFERENCE_DAY - timedelta(days=rng.randint(20, span - 20)))
            end = _years_later(start, years) - timedelta(days=1) if years else None
        fee = self._fee(info)
        signed = info.showcase or self.chance(0.9)
        rows = self.sheets[CONTRACTS]
        if info.built < 2020 and self.chance(0.25) and len(others) > 1:
            before = self.pick(others)
            if before == company:
                before = others[(others.index(company) + 1) % len(others)]
            prev_end = start - timedelta(days=1)
            prev_start = _day(_years_later(prev_end, -rng.choice((3, 5))) + timedelta(days=1))
            rows.append({"小区编码": info.code, "物业企业编码": before, "开始日期": prev_start, "结束日期": prev_end,
                         "物业费": round(max(0.5, fee - rng.choice((0.0, 0.1, 0.2, 0.3))), 2), "是否签订": YES})
        rows.append({"小区编码": info.code, "物业企业编码": company, "开始日期": start, "结束日期": end,
                     "物业费": fee, "是否签订": YES if signed else NO})
        return start, end

    def _fee(self, info: _CompoundInfo) -> float:
        rng = self.rng
        if info.mode in ("统一打包", "居委会+物业") or info.kind in ("老旧小区", "其他"):
            low, high = 0.5, 1.0
        elif info.kind in ("回迁安置", "保障房"):
            low, high = 0.6, 1.5
        elif info.built < 2006:
            low, high = 1.2, 2.2
        else:
            low, high = 1.8, 3.5
        return round(rng.uniform(low, high), 2)

    def _company_cross_appointments(self, districts, current_by_company, pms_by_community) -> None:
        """A project manager sitting on the residents' committee as a part-time member (双向进入),
        and per subdistrict one 三方指导员: one person who is a residents' committee liaison, a
        non-voting member of the owners' committee and the company's first manager at once."""
        rc_start = {}
        for row in self.sheets[MEMBERSHIPS]:
            if row["组织编码"].startswith("JWH-") and row["职务"] == "书记":
                rc_start[row["组织编码"]] = (row["任期开始"], row["任期结束"])
        for d in districts:
            for s in d.subdistricts:
                for c in s.communities:
                    pms = pms_by_community.get(c.code)
                    if pms and self.chance(0.25):
                        pm = pms[0][0]
                        start, end = rc_start[f"JWH-{c.code}"]
                        self.member(f"JWH-{c.code}", pm, "委员", start=start, end=end)
        company_of: dict[str, tuple[str, date]] = {}
        for company, current in current_by_company.items():
            for info, start, _end in current:
                company_of[info.code] = (company, start)
        by_subdistrict: dict[str, list[_CompoundInfo]] = {}
        for info in self.compounds:
            if info.committee and info.code in company_of and (info.committee_term[1] >= REFERENCE_DAY):
                sub = info.community.code[:-3]
                by_subdistrict.setdefault(sub, []).append(info)
        for infos in by_subdistrict.values():
            chosen = next((i for i in infos if i.showcase), None) or infos[int(self.rng.random() * len(infos))]
            person = self.people.staff()
            rc = f"JWH-{chosen.community.code}"
            start, end = rc_start[rc]
            self.member(rc, person, "小区专员", party=True, start=start, end=end)
            self.member(chosen.committee, person, "其他", start=chosen.committee_term[0], end=chosen.committee_term[1])
            company, since = company_of[chosen.code]
            self.member(company, person, "其他", start=since)

    # -- the whole thing ------------------------------------------------------------------

    def build(self, city: tuple[str, str], districts: list[_District]) -> Rows:
        self.regions(city, districts)
        for d in districts:
            self.district_orgs(d)
            for s in d.subdistricts:
                for c in s.communities:
                    self.community(d, s, c)
        self.companies(districts)
        return self.sheets


# ---------------------------------------------------------------------------------------------
# Public entry points.


def _community_names(rng: random.Random, n: int, taken: _Names) -> list[str]:
    out = []
    for _ in range(n):
        stem = N.COMMUNITY_STEMS[int(rng.random() * len(N.COMMUNITY_STEMS))]
        out.append(taken.take(stem + "社区", ("东社区", "西社区", "南社区", "北社区", "第一社区", "第二社区")))
    return out


def demo_district(size: float = 1.0, *, seed: int = 2017) -> Rows:
    """A believable district of about 350 compounds and 100,000 units (``size`` scales it:
    ``size=0.02`` gives a few compounds for fast tests). Always: 杭州市 → 示范区 (330105) →
    subdistricts → communities → compounds; the first compound is the showcase the demo
    logins sit at (owners' and supervisory committees, a current contract, a 三方指导员)."""
    if size <= 0:
        raise ValueError("size must be positive")
    rng = random.Random(seed)
    n_sub = 8 if size >= 1 else max(2, min(8, round(8 * size)))
    n_comm = max(n_sub, round(40 * size))
    n_compounds = max(n_comm, 6, round(350 * size))
    total_units = max(n_compounds * 60, round(100_000 * size))

    kinds = rng.choices(("老旧小区", "回迁安置", "商品房", "保障房", "其他"), (52, 16, 28, 3, 1), k=n_compounds)
    kinds[0] = "商品房"
    medians = {"老旧小区": (180, 0.65), "回迁安置": (420, 0.5), "商品房": (380, 0.75), "保障房": (320, 0.3),
               "其他": (80, 0.3)}
    raw = [_lognormal(rng, *medians[k]) for k in kinds]
    raw[0] = max(raw[0], 900 if size >= 0.5 else 0)
    sizes = _fit_sizes(rng, raw, total_units, 40, 2000)
    if size < 0.5:
        sizes[0] = max(sizes[0], min(600, total_units // 3))
    plans = [_CompoundPlan(k, n) for k, n in zip(kinds, sizes, strict=True)]
    plans[0].showcase = True

    district = _District(N.DEMO_DISTRICT[0], N.DEMO_DISTRICT[1], (120.145, 30.318))
    community_names = _community_names(rng, n_comm, _Names())
    comms = []
    for i in range(n_sub):
        sub = _Subdistrict(f"{district.code}{i + 1:03d}", N.DEMO_SUBDISTRICTS[i])
        district.subdistricts.append(sub)
    for j in range(n_comm):
        sub = district.subdistricts[j % n_sub]
        comm = _Community(f"{sub.code}{len(sub.communities) + 1:03d}", community_names[j])
        sub.communities.append(comm)
        comms.append(comm)
    # Plans go to communities in subdistrict order so that the showcase lands in the first.
    ordered = [c for s in district.subdistricts for c in s.communities]
    _distribute(rng, plans, ordered)
    companies = max(3, round(40 * size))
    return _Builder(seed, companies).build(N.CITY, [district])


def megacity(scale: float = 0.1, *, seed: int = 20_000) -> Rows:
    """The megacity of WORKLOADS.md at ``scale`` (1 = MC-1: 20,000 compounds, ~250,000
    buildings, ~10 M units, ~12 M owner rows, 5,000 companies; 0.1 = MC-0.1).

    Compound sizes are log-normal (median ~300, mean 500) between 50 and 12,500 units; at
    scale ≥ 0.01 one compound has the full 12,500 (Kangcheng in Shanghai), whatever the scale.
    Small compounds are mostly old ones, large ones commercial or resettlement housing.
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    rng = random.Random(seed)
    n_compounds = max(5, round(20_000 * scale))
    total_units = n_compounds * 500
    raw = [_lognormal(rng, 300, 1.0) for _ in range(n_compounds)]
    if n_compounds >= 200:
        raw[1] = 12_500
    sizes = _fit_sizes(rng, raw, total_units, 50, 12_500)
    if n_compounds >= 200 and sizes[1] != 12_500:
        # Keep the giant at the cap and take the difference from the next largest ones.
        diff = 12_500 - sizes[1]
        sizes[1] = 12_500
        for i in sorted(range(len(sizes)), key=lambda i: -sizes[i]):
            if i == 1 or not diff:
                continue
            take = min(diff, sizes[i] - 50)
            sizes[i] -= take
            diff -= take
    plans = []
    for n in sizes:
        if n < 200:
            kind = rng.choices(("老旧小区", "商品房", "回迁安置", "其他"), (75, 15, 8, 2))[0]
        elif n < 800:
            kind = rng.choices(("老旧小区", "商品房", "回迁安置", "保障房"), (35, 40, 20, 5))[0]
        else:
            kind = rng.choices(("商品房", "回迁安置", "保障房"), (60, 30, 10))[0]
        plans.append(_CompoundPlan(kind, n))
    plans[0] = _CompoundPlan("商品房", max(plans[0].units, 400), showcase=True)

    n_comm = max(1, math.ceil(n_compounds / 8))
    n_sub = max(1, math.ceil(n_comm / 15))
    n_dist = max(1, math.ceil(n_sub / 12))
    districts = []
    for i in range(n_dist):
        name = N.MEGACITY_DISTRICTS[i] if i < len(N.MEGACITY_DISTRICTS) else f"第{i + 1}区"
        code = f"{N.MEGACITY[0]}{i + 1:02d}"
        districts.append(_District(code, name, (120.0 + 0.25 * (i % 5), 30.0 + 0.2 * (i // 5))))
    sub_names = {d.code: _Names() for d in districts}
    for j in range(n_sub):
        d = districts[j % n_dist]
        stem = N.SUBDISTRICT_STEMS[(j // n_dist) % len(N.SUBDISTRICT_STEMS)]
        name = sub_names[d.code].take(stem + "街道", ("东街道", "西街道", "南街道", "北街道", "新街道"))
        d.subdistricts.append(_Subdistrict(f"{d.code}{len(d.subdistricts) + 1:03d}", name))
    subs = [s for d in districts for s in d.subdistricts]
    comm_names = {s.code: _Names() for s in subs}
    for j in range(n_comm):
        s = subs[j % n_sub]
        stem = N.COMMUNITY_STEMS[int(rng.random() * len(N.COMMUNITY_STEMS))]
        name = comm_names[s.code].take(stem + "社区", ("东社区", "西社区", "南社区", "北社区", "第一社区", "第二社区"))
        s.communities.append(_Community(f"{s.code}{len(s.communities) + 1:03d}", name))
    ordered = [c for s in subs for c in s.communities]
    _distribute(rng, plans, ordered)
    return _Builder(seed, max(len(districts), round(5000 * scale))).build(N.MEGACITY, districts)


# ---------------------------------------------------------------------------------------------
# The demo logins, found in the rows (no database): one per role, all around the showcase.


@dataclass(frozen=True)
class Login:
    role: str            # accounts.models.Role value
    username: str
    phone: str
    node: str            # "region", "compound" or "organization"
    node_code: str
    id_number: str | None   # the person the user is (matched by 证件号), if any
    name: str
    sees: str


DEMO_PASSWORD = "sanfang-demo"


def demo_logins(sheets: Rows) -> list[Login]:
    regions = sheets[REGIONS]
    district = next(r for r in regions if r["层级"] == "区")
    showcase = sheets[COMPOUNDS][0]
    community = next(r for r in regions if r["编码"] == showcase["社区编码"])
    subdistrict = next(r for r in regions if r["编码"] == community["上级编码"])
    dept = next(o for o in sheets[ORGANIZATIONS] if o["编码"] == f"BM-{district['编码']}-ZJ")
    code = showcase["编码"]

    members: dict[str, list[dict]] = {}
    for m in sheets[MEMBERSHIPS]:
        members.setdefault(m["组织编码"], []).append(m)

    def holder(org: str, position: str) -> dict:
        return next(m for m in members[org] if m["职务"] == position)

    today = REFERENCE_DAY
    contract = next(c for c in reversed(sheets[CONTRACTS]) if c["小区编码"] == code
                    and (c["结束日期"] is None or c["结束日期"] >= today) and c["是否签订"] == YES)
    company = contract["物业企业编码"]
    company_name = next(o["名称"] for o in sheets[ORGANIZATIONS] if o["编码"] == company)
    appointed = {m["证件号"] for rows in members.values() for m in rows}
    resident = next(o for o in sheets[OWNERS] if o["小区编码"] == code and o["开发商持有"] == NO
                    and o["证件号"] not in appointed and o["楼栋号"] not in ("地下车库", "沿街商铺"))

    compounds = sheets[COMPOUNDS]
    comm_of_sub = {r["编码"] for r in regions if r["上级编码"] == subdistrict["编码"]}
    n_sub_compounds = sum(1 for c in compounds if c["社区编码"] in comm_of_sub)
    n_comm_compounds = sum(1 for c in compounds if c["社区编码"] == community["编码"])
    n_subs = sum(1 for r in regions if r["层级"] == "街道")
    n_served = sum(1 for c in sheets[CONTRACTS] if c["物业企业编码"] == company
                   and (c["结束日期"] is None or c["结束日期"] >= today))
    secretary = holder(f"JWH-{community['编码']}", "书记")
    grid = holder(f"JWH-{community['编码']}", "网格员")
    chair = holder(f"YWH-{code}", "主任")
    supervisor = holder(f"JDW-{code}", "主任")
    manager = holder(company, "总经理")
    everything = f"{district['名称']}: {n_subs} subdistricts, {len(compounds)} compounds"

    def login(i, role, username, node, node_code, person, sees):
        return Login(role, username, f"138000000{i:02d}", node, node_code,
                     person["证件号"] if person else None, person["姓名"] if person else "", sees)

    return [
        login(1, "district_officer", "district", "region", district["编码"], None,
              f"{everything} (superuser: Django admin too)"),
        login(2, "subdistrict_officer", "subdistrict", "region", subdistrict["编码"], None,
              f"{subdistrict['名称']}: {len(comm_of_sub)} communities, {n_sub_compounds} compounds"),
        login(3, "department_officer", "department", "organization", dept["编码"], None,
              f"{dept['名称']}: cases across {district['名称']}"),
        login(4, "community_worker", "community", "region", community["编码"], secretary,
              f"{community['名称']}: {n_comm_compounds} compounds (secretary, also on the owners' committee)"),
        login(5, "grid_worker", "grid", "region", community["编码"], grid,
              f"{community['名称']}: {n_comm_compounds} compounds, as a grid worker"),
        login(6, "committee_member", "committee", "organization", f"YWH-{code}", chair,
              f"{showcase['名称']}, as chair of its owners' committee"),
        login(7, "supervisory_member", "supervisor", "organization", f"JDW-{code}", supervisor,
              f"{showcase['名称']}, as chair of its supervisory committee"),
        login(8, "company_staff", "company", "organization", company, manager,
              f"{company_name}: the {n_served} compounds it serves now"),
        login(9, "resident", "resident", "compound", code, resident,
              f"{showcase['名称']}, as an owner of {resident['楼栋号']}-{resident['单元']}-{resident['房号']}"),
    ]


def row_count(sheets: Rows) -> int:
    return sum(len(rows) for rows in sheets.values())
