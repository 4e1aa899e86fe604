"""Pure rules about parties and people (no database): the party-building figures.

``metrics.py`` reads the rows for one region and date into the small frozen dataclasses below;
everything here counts over them. The definitions are written out in ``orgs/README.md``.
Each ``path`` is a Region path ("/3301/330199/330199001/330199001001/"): the place the row
belongs to, so one set of facts answers for a region and, by prefix, for each of its children.
"""

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

# Mirrors of orgs.models choices, kept as plain strings so this module needs no app registry
# (tests/test_party_building_rules.py checks they match the models).
CHAIR = "chair"
VOTING_POSITIONS = frozenset({"chair", "vice_chair", "member"})  # a secretary or instructor seat does not vote
COVERAGE_MODES = ("own", "joint", "instructor", "none")
PARTY_ORGANISATION_MODES = frozenset({"own", "joint"})  # an instructor is coverage, not an organisation

# The three parties (三方) a cross-appointment is counted across.
RESIDENTS, OWNERS, COMPANY = "residents", "owners", "company"
SIDES = (RESIDENTS, OWNERS, COMPANY)

# The keys of a summary, in the order every output shows them.
SUMMARY_KEYS = (
    "owners_committees",
    "owners_committee_members",
    "party_members_among_members",
    "party_member_ratio",
    "committees_with_party_majority",
    "committees_with_party_organisation",
    "party_member_chairs",
    "property_companies",
    "companies_by_party_coverage",
    "cross_appointed_people",
)

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Committee:
    """An owners' committee active on the day, with its party coverage (missing row: none)."""

    id: int
    path: str
    coverage: str = "none"


@dataclass(frozen=True)
class Seat:
    """A membership current on the day."""

    organization_id: int
    person_id: int
    position: str
    party_member: bool = False


@dataclass(frozen=True)
class Service:
    """A company with a service contract current on the day at a compound under ``path``."""

    company_id: int
    path: str
    coverage: str = "none"


@dataclass(frozen=True)
class SideOrg:
    """An organisation whose seats count for one side of the three parties at a place."""

    organization_id: int
    side: str
    path: str


@dataclass(frozen=True)
class Facts:
    committees: tuple[Committee, ...] = ()
    seats: tuple[Seat, ...] = ()
    services: tuple[Service, ...] = ()
    side_orgs: tuple[SideOrg, ...] = ()


def parse_day(text: str) -> date:
    """A calendar day written ``YYYY-MM-DD``; ValueError with a message a user can act on."""
    value = (text or "").strip()
    if _ISO_DAY.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(_("“%(value)s” is not a valid date: use YYYY-MM-DD, e.g. 2025-01-31.") % {"value": text})


def active_on(established: date | None, dissolved: date | None, day: date) -> bool:
    """An organisation exists on ``day``: founded on or before it, not dissolved by it."""
    return (established is None or established <= day) and (dissolved is None or dissolved > day)


def party_member_ratio(party: int, members: int) -> float:
    """party / members rounded half-up (四舍五入) to 4 places in integer arithmetic; 0.0 with
    no members. The float is only the carrier of an exactly rounded value (DESIGN habit 10)."""
    if members <= 0:
        return 0.0
    if not 0 <= party <= members:
        raise ValueError("party members must be between 0 and the number of members")
    ten_thousandths = (2 * 10_000 * party + members) // (2 * members)
    return ten_thousandths / 10_000


def has_party_majority(party: int, members: int) -> bool:
    """Strictly more than half are party members (2p > n); a committee with no members has none."""
    return members > 0 and 2 * party > members


def _within(path: str, prefix: str) -> bool:
    return path.startswith(prefix)


def committee_figures(committees: Iterable[Committee], seats: Iterable[Seat]) -> dict:
    """Owners' committees, their voting members (distinct committee × person), party members
    among them, the ratio, party majorities, party organisations and party-member chairs."""
    committees = list(committees)
    ids = {c.id for c in committees}
    members: dict[int, dict[int, bool]] = defaultdict(dict)
    party_chairs: set[int] = set()
    for seat in seats:
        if seat.organization_id not in ids or seat.position not in VOTING_POSITIONS:
            continue
        members[seat.organization_id][seat.person_id] = seat.party_member
        if seat.position == CHAIR and seat.party_member:
            party_chairs.add(seat.organization_id)
    n = sum(len(people) for people in members.values())
    p = sum(sum(people.values()) for people in members.values())
    return {
        "owners_committees": len(ids),
        "owners_committee_members": n,
        "party_members_among_members": p,
        "party_member_ratio": party_member_ratio(p, n),
        "committees_with_party_majority": sum(
            1 for people in members.values() if has_party_majority(sum(people.values()), len(people))
        ),
        "committees_with_party_organisation": len(
            {c.id for c in committees if c.coverage in PARTY_ORGANISATION_MODES}
        ),
        "party_member_chairs": len(party_chairs),
    }


def company_figures(services: Iterable[Service]) -> dict:
    """Distinct companies serving here, and how many of them each coverage mode reaches."""
    coverage = {}
    for service in services:
        coverage[service.company_id] = service.coverage if service.coverage in COVERAGE_MODES else "none"
    by_mode = dict.fromkeys(COVERAGE_MODES, 0)
    for mode in coverage.values():
        by_mode[mode] += 1
    return {"property_companies": len(coverage), "companies_by_party_coverage": by_mode}


def sides_by_person(side_orgs: Iterable[SideOrg], seats: Iterable[Seat]) -> dict[int, set[str]]:
    """For each person with a seat in an organisation that counts for a side, the sides."""
    org_sides: dict[int, set[str]] = defaultdict(set)
    for org in side_orgs:
        org_sides[org.organization_id].add(org.side)
    sides: dict[int, set[str]] = defaultdict(set)
    for seat in seats:
        if seat.organization_id in org_sides:
            sides[seat.person_id] |= org_sides[seat.organization_id]
    return sides


def cross_appointed(side_orgs: Iterable[SideOrg], seats: Iterable[Seat]) -> int:
    """Distinct people holding seats on at least two of the three sides (交叉任职)."""
    return sum(1 for sides in sides_by_person(side_orgs, seats).values() if len(sides) >= 2)


def summarise(facts: Facts, within: str = "") -> dict:
    """Every figure for the rows under the region path ``within`` ("" = all the facts).

    Seats are not filtered by place: an organisation's place is where it counts, and a seat
    only counts through an organisation that is under ``within``.
    """
    committees = [c for c in facts.committees if _within(c.path, within)]
    services = [s for s in facts.services if _within(s.path, within)]
    side_orgs = [o for o in facts.side_orgs if _within(o.path, within)]
    figures = {
        **committee_figures(committees, facts.seats),
        **company_figures(services),
        "cross_appointed_people": cross_appointed(side_orgs, facts.seats),
    }
    return {key: figures[key] for key in SUMMARY_KEYS}
