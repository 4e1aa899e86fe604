"""The builder behind ``generator``: turns plans (regions, and compounds with a kind and a size)
into registry workbook rows.

Shape of a compound (``Builder.compound``): buildings by kind and age (six-storey walk-ups in
old compounds, 15–33-storey towers in newer commercial ones), entrances (单元) and room numbers
floor × 100 + position (101, 1202); residences, a few street shops, an underground garage in
newer compounds; owners — mostly one per unit, some co-owned, some people with two or three
units (a flat and a parking space), unsold units and spaces held by the developer. Then the
residents' committee of each community, owners' committees and their party coverage, and
finally the companies, their contracts and the cross-appointments.
"""

from __future__ import annotations

import bisect
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
from .people import People, Person, make_credit_code

SHEET_ORDER = (REGIONS, COMPOUNDS, BUILDINGS, UNITS, OWNERS, ORGANIZATIONS, MEMBERSHIPS, CONTRACTS)
REFERENCE_DAY = date(2026, 11, 21)
YES, NO = "是", "否"

Rows = dict[str, list[dict]]

# Room numbers floor × 100 + position, as strings, made once ("101" … "3308").
_ROOMS = [[f"{floor}{k:02d}" for k in range(1, 11)] for floor in range(0, 41)]
_SMALL = [str(i) for i in range(0, 100)]


def empty_sheets() -> Rows:
    return {name: [] for name in SHEET_ORDER}


def years_later(day: date, years: int) -> date:
    return date(day.year + years, day.month, min(day.day, 28))


def start_day(day: date) -> date:
    """Terms and contracts begin on the 1st–28th, so adding years never meets a 29 February."""
    return day if day.day <= 28 else day.replace(day=28)


# Plans: which compounds exist, how big, of which kind, in which community.


@dataclass
class CompoundPlan:
    kind: str                 # 商品房 / 老旧小区 / 回迁安置 / 保障房 / 其他
    units: int                # unit rows, residences + shops + parking
    showcase: bool = False    # the demo logins' compound: every party present


@dataclass
class Community:
    code: str
    name: str
    plans: list[CompoundPlan] = field(default_factory=list)


@dataclass
class Subdistrict:
    code: str
    name: str
    communities: list[Community] = field(default_factory=list)


@dataclass
class District:
    code: str
    name: str
    center: tuple[float, float]
    subdistricts: list[Subdistrict] = field(default_factory=list)


@dataclass
class CompoundInfo:
    code: str
    name: str
    kind: str
    mode: str
    built: int
    residences: int
    district: District
    community: Community
    owners: list[Person]          # natural persons owning a residence, in order of appearance
    showcase: bool = False
    committee: str | None = None  # owners' committee code
    committee_term: tuple[date, date] | None = None


class UniqueNames:
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


class Builder:
    """Rows for a city: ``build(city, districts)`` walks the plan district by district,
    community by community (compounds, owners, the residents' committee, owners' bodies), then
    adds the companies, their contracts and the cross-appointments. ``block`` keeps the
    people of different data sets apart (see ``People``)."""

    def __init__(self, seed: int, companies: int, block: int = 0):
        self.rng = random.Random(seed)
        self.people = People(self.rng, block)
        self.sheets = empty_sheets()
        self.n_companies = companies
        self.party: dict[str, bool] = {}      # 证件号 → party member, fixed at first appointment
        self.credit_codes: set[str] = set()
        self.compounds: list[CompoundInfo] = []
        self.rc_party_members: dict[str, list[Person]] = {}   # community code → party RC members
        self.joint_branches: dict[str, str] = {}              # community code → its joint branch code
        self.names: dict[str, UniqueNames] = {}
        self.developers: list[Person] = []
        self.org_rows: dict[str, dict] = {}
        self.rc_owner_members: list[tuple[Person, CompoundInfo]] = []
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
            start = start_day(years_later(end, -years) + timedelta(days=1))
        else:
            start = start_day(ref - timedelta(days=self.rng.randint(20, years * 365 - 20)))
        return start, years_later(start, years) - timedelta(days=1)

    # -- regions --------------------------------------------------------------------------

    def regions(self, city: tuple[str, str], districts: list[District]) -> None:
        self.city_code, self.city_name = city
        self.region(city[0], city[1], "市", None)
        for d in districts:
            self.region(d.code, d.name, "区", city[0])
            for s in d.subdistricts:
                self.region(s.code, s.name, "街道", d.code)
                for c in s.communities:
                    self.region(c.code, c.name, "社区", s.code)

    def district_orgs(self, d: District) -> None:
        party = self.org(f"PARTY-{d.code}", f"中共{d.name}委员会", "党组织", region=d.code)
        self.org(f"PARTY-{d.code}-WY", f"中共{d.name}物业行业委员会", "党组织", region=d.code, party_parent=party)
        for suffix, name in N.DEPARTMENTS:
            self.org(f"BM-{d.code}-{suffix}", f"{d.name}{name}", "职能部门", region=d.code)
        for s in d.subdistricts:
            self.org(f"PARTY-{s.code}", f"中共{d.name}{s.name}工作委员会", "党组织", region=s.code, party_parent=party)
            self.org(f"BM-{s.code}-SFS", f"{s.name}司法所", "职能部门", region=s.code)

    # -- one compound ---------------------------------------------------------------------

    def compound(self, d: District, s: Subdistrict, c: Community, code: str, plan: CompoundPlan) -> CompoundInfo:
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

        info = CompoundInfo(code=code, name=name, kind=kind, mode=mode, built=built, residences=residences,
                             district=d, community=c, owners=[], showcase=plan.showcase)
        self._owners(info, homes, shop_keys, garage)
        self.compounds.append(info)
        return info

    def _age_and_mode(self, kind: str, plan: CompoundPlan) -> tuple[int, str]:
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

    def _compound_name(self, d: District, kind: str, units: int) -> str:
        names = self.names.setdefault(d.code, UniqueNames())
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
            return rng.randint(11, 26), 1, rng.randint(2, 4)
        if built < 2006:
            return walkup if self.chance(0.65) else (rng.randint(11, 18), rng.randint(1, 2), rng.randint(2, 4))
        if self.chance(0.45):
            return rng.randint(6, 11), rng.randint(1, 2), 2      # 洋房
        return rng.randint(15, 33), self.pick((1, 1, 1, 2)), self.pick((2, 2, 2, 3, 4))

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

    def _developer(self, d: District) -> Person:
        """A developer, now and then reused for a second project in the same district."""
        if self.developers and self.chance(0.25):
            return self.pick(self.developers[-8:])
        name = f"杭州{self.pick(N.COMPANY_STEMS)}{self.pick(N.DEVELOPER_FORMS)}"
        dev = (name, self.credit_code(d.code[:6].ljust(6, "0")), None)
        self.developers.append(dev)
        return dev

    def _owners(self, info: CompoundInfo, homes: list, shops: list, garage: list) -> None:
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

    def community(self, d: District, s: Subdistrict, c: Community) -> None:
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

    def _residents_committee(self, d: District, s: Subdistrict, c: Community, infos: list[CompoundInfo]) -> None:
        rng = self.rng
        party_code = self.org(f"PARTY-{c.code}", f"中共{c.name}委员会", "党组织", region=c.code,
                              party_parent=f"PARTY-{s.code}")
        rc = self.org(f"JWH-{c.code}", f"{c.name}居民委员会", "居委会", region=c.code, party_parent=party_code)
        start = date(2026, rng.choice((3, 4, 5)), rng.randint(1, 28))
        end = years_later(start, 5) - timedelta(days=1)
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

    def _owner_bodies(self, info: CompoundInfo) -> None:
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
            start = start_day(REFERENCE_DAY - timedelta(days=rng.randint(30, 400)))
            end = years_later(start, 1) if kind == "物业管理委员会" else None
            leaders = self.rc_party_members.get(info.community.code) or []
            if leaders:
                self.member(code, leaders[-1], "主任", start=start, end=end)
            for p in self._fresh_owners(info, rng.choice((4, 6))):
                self.member(code, p, "委员", party=self.chance(0.35), start=start, end=end)

    def _fresh_owners(self, info: CompoundInfo, n: int, exclude: set | None = None) -> list[Person]:
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

    def _owners_committee(self, info: CompoundInfo) -> bool:
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

    def _supervisory_committee(self, info: CompoundInfo) -> None:
        code = self.org(f"JDW-{info.code}", f"{info.name}业主监督委员会", "业主监督委员会", compound=info.code)
        start, end = info.committee_term
        members = self._fresh_owners(info, 5 if info.showcase else self.pick((3, 3, 5)))
        for i, p in enumerate(members):
            self.member(code, p, "主任" if i == 0 else "委员", party=self.chance(0.4 if i else 0.7),
                        start=start, end=end)

    # -- companies and contracts ----------------------------------------------------------

    def companies(self, districts: list[District]) -> None:
        rng = self.rng
        served = [i for i in self.compounds if i.mode in ("市场化物业", "统一打包", "居委会+物业")]
        # One state-owned company per district takes the bundled old compounds (统一打包).
        soe: dict[str, str] = {}
        companies: list[tuple[str, str, str]] = []     # (code, name, district code)
        width = 5 if self.n_companies >= 10_000 else 4
        for d in districts:
            code = f"WY-{self.city_code}-{len(companies) + 1:0{width}d}"
            companies.append((code, f"{d.name}城发物业服务有限公司", d.code))
            soe[d.code] = code
        while len(companies) < max(self.n_companies, len(districts)):
            d = districts[len(companies) % len(districts)]
            city = "杭州" if self.chance(0.7) else "浙江"
            name = f"{city}{self.pick(N.COMPANY_STEMS)}{self.pick(N.COMPANY_FORMS)}"
            while name in {c[1] for c in companies[-200:]}:
                name = f"{city}{self.pick(N.COMPANY_STEMS)}{self.pick(N.COMPANY_STEMS)}{self.pick(N.COMPANY_FORMS)}"
            companies.append((f"WY-{self.city_code}-{len(companies) + 1:0{width}d}", name, d.code))
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

        current_by_company: dict[str, list[tuple[CompoundInfo, date, date | None]]] = {}
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
    def _district_name(districts: list[District], code: str) -> str:
        return next(d.name for d in districts if d.code == code)

    def _contracts(self, info: CompoundInfo, company: str, others: list[str]) -> tuple[date, date | None]:
        """The contracts of one compound: the current (or lapsed) one and now and then the one
        before it, with another company. Returns the last contract's dates."""
        rng = self.rng
        years = rng.choices((3, 2, 5, 0), (60, 15, 15, 10))[0] if not info.showcase else 3   # 0: open-ended
        lapsed = not info.showcase and self.chance(0.1)
        if lapsed:
            end = REFERENCE_DAY - timedelta(days=rng.randint(15, 500))
            start = start_day(years_later(end, -(years or 3)) + timedelta(days=1))
        else:
            span = (years or 3) * 365
            start = start_day(REFERENCE_DAY - timedelta(days=rng.randint(20, span - 20)))
            end = years_later(start, years) - timedelta(days=1) if years else None
        fee = self._fee(info)
        signed = info.showcase or self.chance(0.9)
        rows = self.sheets[CONTRACTS]
        if info.built < 2020 and self.chance(0.25) and len(others) > 1:
            before = self.pick(others)
            if before == company:
                before = others[(others.index(company) + 1) % len(others)]
            prev_end = start - timedelta(days=1)
            prev_start = start_day(years_later(prev_end, -rng.choice((3, 5))) + timedelta(days=1))
            rows.append({"小区编码": info.code, "物业企业编码": before, "开始日期": prev_start, "结束日期": prev_end,
                         "物业费": round(max(0.5, fee - rng.choice((0.0, 0.1, 0.2, 0.3))), 2), "是否签订": YES})
        rows.append({"小区编码": info.code, "物业企业编码": company, "开始日期": start, "结束日期": end,
                     "物业费": fee, "是否签订": YES if signed else NO})
        return start, end

    def _fee(self, info: CompoundInfo) -> float:
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
        by_subdistrict: dict[str, list[CompoundInfo]] = {}
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

    def build(self, city: tuple[str, str], districts: list[District]) -> Rows:
        self.regions(city, districts)
        for d in districts:
            self.district_orgs(d)
            for s in d.subdistricts:
                for c in s.communities:
                    self.community(d, s, c)
        self.companies(districts)
        return self.sheets
