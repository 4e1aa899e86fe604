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

from .. import names as N
from ..people import People, Person, make_credit_code

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


class BuilderBase:
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

