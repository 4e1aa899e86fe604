"""Pure rules of owners' joint decisions (no database): the roll, heads, thresholds, the tally.

The same function serves the platform's own count, its live progress page and the public
``sanfang voting tally`` command, so that anyone can recompute a decision from published data
(contracts/TALLY.md). Every number is exact (DESIGN habit 10, RULES V5): areas are integers in
hundredths of a square metre, and a threshold is a fraction compared in integers
(``part * den >= num * whole``), never a float.

Where the rules come from:

- V1  the nine matters (``Matter``), in the order of Civil Code art. 278 ¶1;
- V2  quorum: ≥ 2/3 of the total area **and** ≥ 2/3 of the total heads take part
      (yes, no and abstain all take part);
- V3  major matters (items 6, 7, 8): ≥ 3/4 of the participating area and heads say yes;
- V4  every other matter (items 1–5, 9): > 1/2 of the participating area and heads say yes;
- V5  "以上" includes the number (≥), "过半数" is strictly more (>) — ``Ratio.strict``;
- V6  a unit's area arrives already resolved (registered, else surveyed, else contract);
- V7  heads: one distinct set of owners is one head with its units' areas summed, all units
      the developer still holds are one head, co-owners of a unit share one head;
- V8  parking spaces are in the roll only when the poll says they count;
- V11 a building scope restricts the roll to that building, V2–V4 applied inside it;
- V12 the rule set is chosen by the decision date (``RULE_SETS``).
"""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from django.db.models import TextChoices
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class TallyError(ValueError):
    """Bad input to a tally: the message names the offending item (contracts/TALLY.md)."""


class Matter(TextChoices):
    """RULES V1 items 1–9, in that order: the codes of contracts/TALLY.md."""

    RULES_OF_PROCEDURE = "rules_of_procedure", gettext_lazy("rules of procedure of the owners' assembly")
    COVENANT = "covenant", gettext_lazy("management covenant")
    ELECT_COMMITTEE = "elect_committee", gettext_lazy("electing or replacing the owners' committee")
    HIRE_OR_DISMISS_COMPANY = "hire_or_dismiss_company", gettext_lazy("hiring or dismissing the property company")
    USE_MAINTENANCE_FUND = "use_maintenance_fund", gettext_lazy("using the maintenance fund")
    RAISE_MAINTENANCE_FUND = "raise_maintenance_fund", gettext_lazy("raising the maintenance fund")
    REBUILD_OR_ALTER = "rebuild_or_alter", gettext_lazy("rebuilding or altering buildings and facilities")
    CHANGE_USE = "change_use", gettext_lazy("changing the use of common parts or running a business on them")
    OTHER_MAJOR = "other_major", gettext_lazy("other major matters")


MAJOR, ORDINARY = "major", "ordinary"
CHOICES = ("yes", "no", "abstain")  # all three take part (RULES V2)
PARKING = "parking"  # the unit kind RULES V8 is about
TOTAL, PARTICIPATING = "total", "participating"  # what a threshold is a share of

# The keys of a tally's output, in the order contracts/TALLY.md shows them.
OUTPUT_KEYS = ("rule_set", "matter_class", "total", "participating", "yes", "no", "abstain",
               "quorum_met", "passed")
INPUT_KEYS = frozenset({"matter", "decided_on", "scope", "parking_counts", "units", "ballots"})
SCOPE_KEYS = frozenset({"building"})


# --- exact thresholds (RULES V5) ------------------------------------------------------------


class Ratio(NamedTuple):
    """A threshold as an exact fraction: ``strict`` means "more than" (过半数), otherwise "at
    least" (以上, which includes the number: CC art. 1259)."""

    num: int
    den: int
    strict: bool = False

    def __str__(self):
        return f"{'>' if self.strict else '≥'} {self.num}/{self.den}"


def num_den_meets(part: int, whole: int, fraction: Ratio) -> bool:
    """``part`` is at least (or, strict, more than) ``fraction`` of ``whole``, in integers
    (RULES V5): ``part*den >= num*whole``, or ``>`` when strict."""
    num, den, strict = fraction
    if strict:
        return part * den > num * whole
    return part * den >= num * whole


def least_meeting(whole: int, fraction: Ratio) -> int:
    """The least integer ``part`` with ``num_den_meets(part, whole, fraction)``: a ceiling for
    ≥ and one more than the floor for >, both exact at the boundary."""
    num, den, strict = fraction
    if strict:
        return num * whole // den + 1
    return -(-num * whole // den)


@dataclass(frozen=True)
class Test:
    """One condition on both bases at once (RULES V2–V4 are always "area **and** heads"):
    ``part`` must meet ``area`` of the base's area and ``heads`` of the base's headcount, the
    base being the whole roll (``TOTAL``) or those who took part (``PARTICIPATING``)."""

    area: Ratio
    heads: Ratio
    of: str = PARTICIPATING


@dataclass(frozen=True)
class Thresholds:
    """What one rule set requires. ``quorum`` counts the participants against the total;
    ``major`` and ``ordinary`` count the yes votes; ``major_matters`` says which matters are
    major under this set; ``source`` cites the law."""

    quorum: Test
    major: Test
    ordinary: Test
    major_matters: frozenset
    source: str


class RuleSet(NamedTuple):
    """A rule set in force for decisions taken from ``valid_from`` until the next set starts
    (RULES V12)."""

    id: str
    valid_from: date
    thresholds: Thresholds


# 物业管理条例 as revised by State Council decree 504 of 2007-08-26, in force 2007-10-01 (the
# same text after the 2016 and 2018 revisions), read with 物权法 art. 76 (in force the same
# day) and 住宅专项维修资金管理办法 (MOHURD/MOF order 165, 2008) art. 22:
#   art. 11 matters: (1) rules of procedure, (2) covenant, (3) committee, (4) property company,
#     (5) 筹集和使用专项维修资金 — raising AND using the fund, (6) 改建、重建建筑物及其附属设施,
#     (7) other major matters on common ownership and management.
#   art. 12 ¶1: a meeting needs owners holding 过半数 (> 1/2) of the total exclusive area AND
#     过半数 of the total headcount to take part;
#   art. 12 ¶3: items (5) and (6) need 2/3以上 (≥ 2/3) of the TOTAL area and of the TOTAL heads
#     to agree; every other item 过半数 (> 1/2) of the TOTAL area and heads.
# Shares are of all owners, not of the participants, so the participation rule is implied by
# the passing rule; it is kept as the quorum so that ``quorum_met`` says what art. 12 ¶1 says.
# "Changing the use of common parts" has no item of its own before the Civil Code: it was an
# "other major matter" (SPC interpretation 2009 art. 7), hence ordinary here. Superseded for
# decisions from 2021-01-01 by the Civil Code (RULES V12).
PROPERTY_REGULATIONS_2007 = RuleSet(
    "property-regulations-2007",
    date(2007, 10, 1),
    Thresholds(
        quorum=Test(area=Ratio(1, 2, strict=True), heads=Ratio(1, 2, strict=True), of=TOTAL),
        major=Test(area=Ratio(2, 3), heads=Ratio(2, 3), of=TOTAL),
        ordinary=Test(area=Ratio(1, 2, strict=True), heads=Ratio(1, 2, strict=True), of=TOTAL),
        major_matters=frozenset({Matter.USE_MAINTENANCE_FUND, Matter.RAISE_MAINTENANCE_FUND,
                                 Matter.REBUILD_OR_ALTER}),
        source="物业管理条例 (2007) art. 11–12; 物权法 art. 76; 维修资金管理办法 art. 22",
    ),
)

# Civil Code art. 278 ¶2 (RULES V2–V5), in force 2021-01-01.
CIVIL_CODE_2021 = RuleSet(
    "civil-code-2021",
    date(2021, 1, 1),
    Thresholds(
        quorum=Test(area=Ratio(2, 3), heads=Ratio(2, 3), of=TOTAL),  # V2
        major=Test(area=Ratio(3, 4), heads=Ratio(3, 4), of=PARTICIPATING),  # V3
        ordinary=Test(area=Ratio(1, 2, strict=True), heads=Ratio(1, 2, strict=True), of=PARTICIPATING),  # V4
        major_matters=frozenset({Matter.RAISE_MAINTENANCE_FUND, Matter.REBUILD_OR_ALTER,
                                 Matter.CHANGE_USE}),  # V3: items 6, 7, 8; using the fund is V4
        source="民法典 art. 278",
    ),
)

# Oldest first; a set is in force until the next one starts (RULES V12).
RULE_SETS = [PROPERTY_REGULATIONS_2007, CIVIL_CODE_2021]


def rule_set_for(day: date) -> RuleSet:
    """The rule set governing a decision taken on ``day`` (RULES V12); TallyError before the
    first one."""
    found = None
    for rule_set in RULE_SETS:
        if rule_set.valid_from <= day:
            found = rule_set
    if found is None:
        raise TallyError(_("no rule set for a decision on %(day)s: the earliest starts on %(first)s")
                         % {"day": day.isoformat(), "first": RULE_SETS[0].valid_from.isoformat()})
    return found


def get_rule_set(rule_set) -> RuleSet:
    """A ``RuleSet`` given itself or its id."""
    if isinstance(rule_set, RuleSet):
        return rule_set
    for candidate in RULE_SETS:
        if candidate.id == rule_set:
            return candidate
    raise TallyError(_("unknown rule set “%(id)s”") % {"id": rule_set})


def parse_matter(value) -> Matter:
    try:
        return Matter(value)
    except ValueError:
        raise TallyError(_("unknown matter “%(matter)s”: use one of %(codes)s")
                         % {"matter": value, "codes": ", ".join(Matter.values)}) from None


def matter_class(matter, rule_set=CIVIL_CODE_2021) -> str:
    """``"major"`` or ``"ordinary"``. Under the Civil Code (the default) raising the fund,
    rebuilding or altering and changing the use of common parts are major (RULES V3: V1 items
    6, 7, 8) and everything else, using the fund included, is ordinary (V4); an older rule set
    classifies by its own text (V12)."""
    matter = parse_matter(matter)
    return MAJOR if matter in get_rule_set(rule_set).thresholds.major_matters else ORDINARY


# --- areas and dates -------------------------------------------------------------------------

_PLAIN_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_area(value, *, where: str = "area") -> int:
    """Square metres to integer hundredths, exactly: "89.50" → 8950 (RULES V5, V6). Accepts a
    plain decimal string, an int or a Decimal (never a float, which is already inexact); a
    negative number, a value with more than two significant decimal places ("89.505"), an
    exponent, NaN or anything else is a TallyError naming ``where``."""
    if isinstance(value, bool | float):
        number = None
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, Decimal):
        number = value if value.is_finite() else None
    elif isinstance(value, str) and _PLAIN_DECIMAL.fullmatch(value.strip()):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:  # pragma: no cover - the pattern only lets digits through
            number = None
    else:
        number = None
    if number is None:
        raise TallyError(_("%(where)s: “%(value)s” is not an area in square metres such as \"89.50\"")
                         % {"where": where, "value": value})
    if number < 0:
        raise TallyError(_("%(where)s: the area “%(value)s” is negative") % {"where": where, "value": value})
    hundredths = number * 100
    if hundredths != hundredths.to_integral_value():
        raise TallyError(_("%(where)s: the area “%(value)s” has more than two decimal places")
                         % {"where": where, "value": value})
    return int(hundredths)


def format_area(hundredths: int) -> str:
    """Integer hundredths as a decimal string with two places: 30450 → "304.50"."""
    sign = "-" if hundredths < 0 else ""
    whole, cents = divmod(abs(hundredths), 100)
    return f"{sign}{whole}.{cents:02d}"


def parse_decided_on(value) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DAY.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise TallyError(_("decided_on: “%(value)s” is not a date written YYYY-MM-DD") % {"value": value})


# --- the roll and its heads (RULES V6–V8, V11) -----------------------------------------------


@dataclass(frozen=True)
class Unit:
    """One exclusive part as the registry gives it; ``area`` in hundredths of m² (V6)."""

    unit: str
    area: int
    owners: frozenset = frozenset()
    building: str = ""
    kind: str = "residence"
    developer_held: bool = False


@dataclass(frozen=True)
class Head:
    """One head of the roll (RULES V7): ``units`` in roll order and their summed ``area``."""

    key: tuple
    units: tuple
    area: int
    developer_held: bool = False

    @property
    def owners(self) -> frozenset:
        return frozenset() if self.developer_held else self.key[1]


DEVELOPER_KEY = ("developer",)


def head_key(unit: Unit) -> tuple:
    """RULES V7: all developer-held units together are one head; otherwise the set of owners
    is the head, so co-owners share one and one owner's several units sum into one."""
    return DEVELOPER_KEY if unit.developer_held else ("owners", unit.owners)


def _text(value, where: str, *, allow_int: bool = False) -> str:
    if allow_int and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise TallyError(_("%(where)s: expected a non-empty text, got “%(value)s”")
                         % {"where": where, "value": value})
    return value.strip()


def parse_unit(raw, index: int = 0) -> Unit:
    """One unit of the TALLY.md input, validated; errors name the unit (or its position)."""
    if isinstance(raw, Unit):
        return raw
    if not isinstance(raw, dict):
        raise TallyError(_("units[%(i)d]: expected an object") % {"i": index})
    code = _text(raw.get("unit"), f"units[{index}].unit")
    where = f"unit {code}"
    building = raw.get("building", "")
    building = "" if building in ("", None) else _text(building, f"{where}: building", allow_int=True)
    kind = _text(raw.get("kind", "residence"), f"{where}: kind")
    developer_held = raw.get("developer_held", False)
    if not isinstance(developer_held, bool):
        raise TallyError(_("%(where)s: developer_held must be true or false") % {"where": where})
    owners = raw.get("owners", [])
    if not isinstance(owners, list):
        raise TallyError(_("%(where)s: owners must be a list") % {"where": where})
    owners = frozenset(_text(o, f"{where}: owner", allow_int=True) for o in owners)
    if not owners and not developer_held:
        raise TallyError(_("%(where)s: no owners") % {"where": where})
    if "area" not in raw:
        raise TallyError(_("%(where)s: no area") % {"where": where})
    area = parse_area(raw["area"], where=where)
    return Unit(unit=code, area=area, owners=owners, building=building, kind=kind,
                developer_held=developer_held)


def parse_scope(scope) -> str | None:
    """The building a poll is restricted to (RULES V11), or None for the whole compound."""
    if scope in (None, {}):
        return None
    if not isinstance(scope, dict):
        raise TallyError(_("scope: expected an object such as {\"building\": \"3\"}"))
    unknown = sorted(set(scope) - SCOPE_KEYS)
    if unknown:
        raise TallyError(_("scope: unknown key “%(key)s” (only “building” is supported)") % {"key": unknown[0]})
    return _text(scope.get("building"), "scope.building", allow_int=True)


def exclusion(unit: Unit, *, building: str | None, parking_counts: bool) -> str | None:
    """Why a unit is not in the roll (None when it is): outside the building scope (V11) or a
    parking space in a poll where parking does not count (V8)."""
    if building is not None and unit.building != building:
        return _("outside the scope (building %(building)s)") % {"building": building}
    if unit.kind == PARKING and not parking_counts:
        return _("a parking space, and parking does not count in this poll")
    return None


def _parse_units(units) -> list[Unit]:
    if not isinstance(units, list | tuple):
        raise TallyError(_("units: expected a list"))
    parsed, seen = [], set()
    for i, raw in enumerate(units):
        unit = parse_unit(raw, i)
        if unit.unit in seen:
            raise TallyError(_("unit %(unit)s: listed twice") % {"unit": unit.unit})
        seen.add(unit.unit)
        parsed.append(unit)
    return parsed


def _heads(units: list[Unit], building: str | None, parking_counts: bool) -> list[Head]:
    grouped: dict[tuple, list[Unit]] = {}
    for unit in units:
        if exclusion(unit, building=building, parking_counts=parking_counts) is None:
            grouped.setdefault(head_key(unit), []).append(unit)
    return [Head(key=key, units=tuple(u.unit for u in members), area=sum(u.area for u in members),
                 developer_held=key == DEVELOPER_KEY)
            for key, members in grouped.items()]


def heads_from_units(units, *, scope=None, parking_counts: bool = False) -> list[Head]:
    """The heads of the roll (RULES V7), in order of first appearance, from units given as
    TALLY.md objects or ``Unit``\\ s; ``scope`` ({"building": "3"}, V11) and ``parking_counts``
    (V8) decide which units are in the roll. Raises TallyError on a malformed unit."""
    return _heads(_parse_units(units), parse_scope(scope), bool(parking_counts))


# --- counting and deciding -------------------------------------------------------------------


def _pair(heads: int, area: int) -> dict:
    return {"heads": heads, "area": format_area(area)}


def _meets(test: Test, part_heads: int, part_area: int, base_heads: int, base_area: int) -> bool:
    return (num_den_meets(part_area, base_area, test.area)
            and num_den_meets(part_heads, base_heads, test.heads))


def decide(rule_set, matter, *, total: tuple[int, int], participating: tuple[int, int],
           yes: tuple[int, int]) -> tuple[bool, bool]:
    """``(quorum_met, passed)`` for (heads, area-in-hundredths) pairs. A decision passes only
    with its quorum met (RULES V2) and the yes votes meeting the matter's test (V3/V4) on both
    bases; the rule set says what each share is a share of (V12)."""
    thresholds = get_rule_set(rule_set).thresholds
    quorum = thresholds.quorum
    quorum_met = _meets(quorum, *participating, *(total if quorum.of == TOTAL else participating))
    test = thresholds.major if matter_class(matter, rule_set) == MAJOR else thresholds.ordinary
    base = total if test.of == TOTAL else participating
    return quorum_met, quorum_met and _meets(test, *yes, *base)


def _check_input(data) -> None:
    if not isinstance(data, dict):
        raise TallyError(_("the input must be a JSON object"))
    unknown = sorted(set(data) - INPUT_KEYS)
    if unknown:
        raise TallyError(_("unknown key “%(key)s” in the input") % {"key": unknown[0]})
    for key in ("matter", "decided_on", "units"):
        if key not in data:
            raise TallyError(_("missing “%(key)s” in the input") % {"key": key})


def tally(data: dict) -> dict:
    """Count one decision exactly as contracts/TALLY.md says and return its output object
    (keys in ``OUTPUT_KEYS`` order, areas as strings with two places).

    The rule set comes from ``decided_on`` (RULES V12), the roll from ``units`` after the
    building scope (V11) and the parking setting (V8), heads by V7. A ballot names any unit of
    its head; yes, no and abstain all take part (V2). Raises TallyError naming the offending
    item: a malformed or duplicate unit, an unknown matter, a date before any rule set, a
    ballot for an unknown unit or one outside the roll, a second ballot for a head, a bad
    choice, an empty roll.
    """
    _check_input(data)
    matter = parse_matter(data["matter"])
    rule_set = rule_set_for(parse_decided_on(data["decided_on"]))
    building = parse_scope(data.get("scope"))
    parking_counts = data.get("parking_counts", False)
    if not isinstance(parking_counts, bool):
        raise TallyError(_("parking_counts must be true or false"))
    units = _parse_units(data["units"])
    heads = _heads(units, building, parking_counts)
    if not heads:
        raise TallyError(_("the roll is empty: no unit is in the scope"))
    total_heads, total_area = len(heads), sum(h.area for h in heads)
    if total_area == 0:
        raise TallyError(_("the roll has no area: every unit in it has area 0.00"))

    by_code = {u.unit: u for u in units}
    head_of = {code: head for head in heads for code in head.units}
    ballots = data.get("ballots", [])
    if not isinstance(ballots, list | tuple):
        raise TallyError(_("ballots: expected a list"))
    counts = {choice: [0, 0] for choice in CHOICES}
    voted: dict[tuple, str] = {}
    for i, ballot in enumerate(ballots):
        if not isinstance(ballot, dict):
            raise TallyError(_("ballots[%(i)d]: expected an object") % {"i": i})
        code = ballot.get("unit")
        where = f"ballots[{i}] (unit {code})"
        if not isinstance(code, str) or code not in by_code:
            raise TallyError(_("%(where)s: unknown unit") % {"where": where})
        if code not in head_of:
            reason = exclusion(by_code[code], building=building, parking_counts=parking_counts)
            raise TallyError(_("%(where)s: the unit is not in the roll: %(reason)s")
                             % {"where": where, "reason": reason})
        choice = ballot.get("choice")
        if choice not in CHOICES:
            raise TallyError(_("%(where)s: bad choice “%(choice)s”: use yes, no or abstain")
                             % {"where": where, "choice": choice})
        head = head_of[code]
        if head.key in voted:
            raise TallyError(_("%(where)s: duplicate head: it already voted with %(first)s")
                             % {"where": where, "first": voted[head.key]})
        voted[head.key] = where
        counts[choice][0] += 1
        counts[choice][1] += head.area

    part_heads = sum(c[0] for c in counts.values())
    part_area = sum(c[1] for c in counts.values())
    quorum_met, passed = decide(rule_set, matter, total=(total_heads, total_area),
                                participating=(part_heads, part_area), yes=tuple(counts["yes"]))
    return {
        "rule_set": rule_set.id,
        "matter_class": matter_class(matter, rule_set),
        "total": _pair(total_heads, total_area),
        "participating": _pair(part_heads, part_area),
        "yes": _pair(*counts["yes"]),
        "no": _pair(*counts["no"]),
        "abstain": _pair(*counts["abstain"]),
        "quorum_met": quorum_met,
        "passed": passed,
    }


# --- what is still missing (the live progress page) -------------------------------------------


def _counts(pair, name: str) -> tuple[int, int]:
    if not isinstance(pair, dict) or "heads" not in pair or "area" not in pair:
        raise TallyError(_("%(name)s: expected {\"heads\": …, \"area\": …}") % {"name": name})
    heads, area = pair["heads"], pair["area"]
    if isinstance(heads, bool) or not isinstance(heads, int) or heads < 0:
        raise TallyError(_("%(name)s: heads must be a whole number ≥ 0") % {"name": name})
    if isinstance(area, str):  # a tally's output: "304.50"
        area = parse_area(area, where=name)
    elif isinstance(area, bool) or not isinstance(area, int) or area < 0:  # hundredths
        raise TallyError(_("%(name)s: area must be hundredths of m² or a decimal string") % {"name": name})
    return heads, area


def _missing_of_total(have: int, whole: int, fraction: Ratio) -> int:
    return max(0, least_meeting(whole, fraction) - have)


def _missing_of_participating(yes: int, participating: int, fraction: Ratio) -> int:
    """The least k ≥ 0 such that k more yes votes from owners who have not voted yet (each adds
    to the yes votes *and* to the participants) make ``yes + k`` meet ``fraction`` of
    ``participating + k`` — and at least one yes in all, since nothing passes on no votes:
    k·(den − num) ≥ num·participating − den·yes, rounded up (or one more than the floor, >)."""
    num, den, strict = fraction
    if den <= num:
        raise ValueError("a share of the participants must be below one")
    gap, step = num * participating - den * yes, den - num
    if strict:
        return max(0 if gap < 0 else gap // step + 1, 1 - yes)
    return max(0, -(-gap // step), 1 - yes)


def shortfall(result_or_counts: dict, rule_set, matter) -> dict:
    """What is still missing, for the live progress page:
    ``{"quorum": {"heads": h, "area": a}, "passing": {"heads": h, "area": a}}`` with areas in
    hundredths of m², 0 where a condition is already met.

    ``result_or_counts`` is a ``tally`` output or any dict with ``total``, ``participating``
    and ``yes`` as ``{"heads", "area"}`` (area as hundredths or a decimal string); ``rule_set``
    a ``RuleSet`` or its id; ``matter`` a Matter code. Each basis is computed on its own:

    - quorum: more participants needed, of the total (RULES V2; ≥ is a ceiling, > the floor
      plus one, so exactly 2/3 of 3 heads needs 2);
    - passing: more yes votes needed. Where the share is of the participants (V3, V4) they
      are counted as coming from owners who have not voted yet, so each one also raises the
      participants; where it is of the total (the 2007 rules) simply the yes votes missing.
      A decision never passes without a yes, so with no yes at all at least 1 is missing.
    Whether that many owners are still left to vote is for the page to compare with
    ``total − participating``.
    """
    rule_set = get_rule_set(rule_set)
    thresholds = rule_set.thresholds
    total = _counts(result_or_counts.get("total"), "total")
    participating = _counts(result_or_counts.get("participating"), "participating")
    yes = _counts(result_or_counts.get("yes"), "yes")
    quorum = thresholds.quorum
    quorum_base = total if quorum.of == TOTAL else participating
    test = thresholds.major if matter_class(matter, rule_set) == MAJOR else thresholds.ordinary
    if test.of == TOTAL:
        passing = {"heads": _missing_of_total(yes[0], total[0], test.heads),
                   "area": _missing_of_total(yes[1], total[1], test.area)}
    else:
        passing = {"heads": _missing_of_participating(yes[0], participating[0], test.heads),
                   "area": _missing_of_participating(yes[1], participating[1], test.area)}
    return {
        "quorum": {"heads": _missing_of_total(participating[0], quorum_base[0], quorum.heads),
                   "area": _missing_of_total(participating[1], quorum_base[1], quorum.area)},
        "passing": passing,
    }
