"""voting/rules.py: every threshold at its exact boundary, heads, scope, parking, rule sets,
bad input. Pure: no database. Each test cites the rule it checks (RULES V1–V12)."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from sanfang.voting import rules
from sanfang.voting.rules import (
    CIVIL_CODE_2021,
    PROPERTY_REGULATIONS_2007,
    Matter,
    Ratio,
    TallyError,
    decide,
    format_area,
    heads_from_units,
    least_meeting,
    matter_class,
    num_den_meets,
    parse_area,
    rule_set_for,
    shortfall,
    tally,
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def unit(code, area, *owners, building="1", kind="residence", dev=False):
    out = {"unit": code, "building": building, "kind": kind, "area": area, "owners": list(owners)}
    if dev:
        out["developer_held"] = True
    return out


def poll(units, ballots=(), matter="elect_committee", decided_on="2026-06-01", **extra):
    return {"matter": matter, "decided_on": decided_on, **extra, "units": list(units),
            "ballots": [{"unit": u, "choice": c} for u, c in ballots]}


def flats(n, area="100.00", building="1"):
    """n flats with one owner each: heads and area move together."""
    return [unit(f"{building}-{i}", area, f"P{building}-{i}", building=building) for i in range(1, n + 1)]


# --- V1: matters and their class ------------------------------------------------------------


def test_matters_are_the_contract_codes_in_v1_order():
    # RULES V1 items 1–9, contracts/TALLY.md
    assert Matter.values == ["rules_of_procedure", "covenant", "elect_committee", "hire_or_dismiss_company",
                             "use_maintenance_fund", "raise_maintenance_fund", "rebuild_or_alter",
                             "change_use", "other_major"]


def test_the_model_choices_are_the_same_codes():
    from sanfang.voting import models

    assert models.Matter.values == Matter.values


@pytest.mark.parametrize("matter", ["raise_maintenance_fund", "rebuild_or_alter", "change_use"])
def test_items_6_7_8_are_major(matter):  # RULES V3
    assert matter_class(matter) == "major"


@pytest.mark.parametrize("matter", ["rules_of_procedure", "covenant", "elect_committee",
                                    "hire_or_dismiss_company", "use_maintenance_fund", "other_major"])
def test_everything_else_is_ordinary_including_using_the_fund(matter):  # RULES V4
    assert matter_class(matter) == "ordinary"


def test_the_2007_rules_classify_by_their_own_text():
    # 物业管理条例 (2007) art. 12 ¶3: art. 11 (5) raising AND using the fund, (6) rebuilding
    older = PROPERTY_REGULATIONS_2007
    assert matter_class("use_maintenance_fund", older) == "major"
    assert matter_class("raise_maintenance_fund", older) == "major"
    assert matter_class("rebuild_or_alter", older) == "major"
    assert matter_class("change_use", older) == "ordinary"
    assert matter_class("change_use", "property-regulations-2007") == "ordinary"


def test_unknown_matter():
    with pytest.raises(TallyError, match="unknown matter “sell_the_roof”"):
        matter_class("sell_the_roof")


# --- V5: exact fractions --------------------------------------------------------------------


@pytest.mark.parametrize(("part", "whole", "ratio", "meets"), [
    (2, 3, Ratio(2, 3), True),            # "以上" includes the number
    (1999, 3000, Ratio(2, 3), False),
    (3, 4, Ratio(3, 4), True),
    (74, 100, Ratio(3, 4), False),
    (1, 2, Ratio(1, 2, strict=True), False),  # "过半数" is strictly more
    (5001, 10000, Ratio(1, 2, strict=True), True),
    (0, 0, Ratio(3, 4), True),             # the formula as written; tally never lets a base be empty
])
def test_num_den_meets(part, whole, ratio, meets):  # RULES V5
    assert num_den_meets(part, whole, ratio) is meets


@pytest.mark.parametrize(("whole", "ratio", "least"), [
    (3, Ratio(2, 3), 2), (4, Ratio(2, 3), 3), (6, Ratio(2, 3), 4),
    (4, Ratio(3, 4), 3), (5, Ratio(3, 4), 4),
    (4, Ratio(1, 2, strict=True), 3), (5, Ratio(1, 2, strict=True), 3), (1, Ratio(1, 2, strict=True), 1),
])
def test_least_meeting_is_exact_at_the_boundary(whole, ratio, least):
    assert num_den_meets(least, whole, ratio) and not num_den_meets(least - 1, whole, ratio)
    assert least_meeting(whole, ratio) == least


def test_no_float_can_creep_in():
    # 2/3 of 300.03 m² is 200.02 exactly: a float comparison is what this guards against.
    assert num_den_meets(20002, 30003, Ratio(2, 3)) and not num_den_meets(20001, 30003, Ratio(2, 3))


# --- areas ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "hundredths"), [
    ("89.50", 8950), ("89.5", 8950), ("89", 8900), (" 89.50 ", 8950), ("0.01", 1), ("0", 0),
    ("89.500", 8950),  # a trailing zero is still exact in hundredths
    (89, 8900), (Decimal("89.5"), 8950), ("12345678.90", 1234567890),
])
def test_parse_area(value, hundredths):  # RULES V5, V6
    assert parse_area(value) == hundredths


@pytest.mark.parametrize(("value", "why"), [
    ("89.505", "more than two decimal places"), ("-1", "negative"), (Decimal("-1"), "negative"),
    (-5, "negative"), (89.5, "not an area"), ("1e3", "not an area"), ("NaN", "not an area"),
    (Decimal("NaN"), "not an area"), ("", "not an area"), ("89,50", "not an area"), (True, "not an area"),
    (None, "not an area"),
])
def test_malformed_area(value, why):
    with pytest.raises(TallyError, match=why):
        parse_area(value, where="unit 3-1-101")


@pytest.mark.parametrize(("hundredths", "text"), [(0, "0.00"), (5, "0.05"), (30450, "304.50"), (100, "1.00")])
def test_format_area(hundredths, text):
    assert format_area(hundredths) == text


# --- V12: rule sets by decision date -----------------------------------------------------------


@pytest.mark.parametrize(("day", "rule_set"), [
    (date(2007, 10, 1), "property-regulations-2007"),
    (date(2020, 12, 31), "property-regulations-2007"),
    (date(2021, 1, 1), "civil-code-2021"),
    (date(2026, 6, 1), "civil-code-2021"),
])
def test_rule_set_by_decision_date(day, rule_set):  # RULES V12
    assert rule_set_for(day).id == rule_set


def test_no_rule_set_before_the_2007_regulation():  # RULES V12
    with pytest.raises(TallyError, match="no rule set for a decision on 2007-09-30"):
        rule_set_for(date(2007, 9, 30))


def test_rule_sets_are_ordered_and_exact():
    assert [r.valid_from for r in rules.RULE_SETS] == sorted(r.valid_from for r in rules.RULE_SETS)
    for rule_set in rules.RULE_SETS:
        t = rule_set.thresholds
        for test in (t.quorum, t.major, t.ordinary):
            assert all(isinstance(x, int) for r in (test.area, test.heads) for x in r[:2])


def test_tally_switches_rule_set_at_midnight_of_2021_01_01():
    # 10 heads, 6 take part and all say yes: under the 2007 rules > 1/2 of all owners agree, so
    # it passes; under the Civil Code 6/10 < 2/3 is no quorum (V2), so it fails.
    units = flats(10)
    votes = [(u["unit"], "yes") for u in units[:6]]
    old = tally(poll(units, votes, decided_on="2020-12-31"))
    new = tally(poll(units, votes, decided_on="2021-01-01"))
    assert (old["rule_set"], old["quorum_met"], old["passed"]) == ("property-regulations-2007", True, True)
    assert (new["rule_set"], new["quorum_met"], new["passed"]) == ("civil-code-2021", False, False)


# --- V2: quorum at its exact boundary on both bases --------------------------------------------

CC = "civil-code-2021"


@pytest.mark.parametrize(("participating", "met"), [
    ((2, 20000), True),    # exactly 2/3 of the heads and exactly 2/3 of the area: "以上" includes it
    ((2, 19999), False),   # 0.01 m² short of 2/3 of the area
    ((1, 30000), False),   # all the area but only 1/3 of the heads
])
def test_quorum_three_heads(participating, met):  # RULES V2, V5
    quorum_met, _ = decide(CC, "elect_committee", total=(3, 30000), participating=participating,
                           yes=participating)
    assert quorum_met is met


@pytest.mark.parametrize(("participating", "met"), [
    ((4, 40000), True),   # 4 of 6 heads = 2/3 exactly
    ((3, 60000), False),  # 3 of 6 heads, whatever the area
    ((6, 39999), False),  # every head, 0.01 m² short of 2/3 of the area
    ((6, 40000), True),
])
def test_quorum_heads_and_area_both_needed(participating, met):  # RULES V2
    quorum_met, _ = decide(CC, "covenant", total=(6, 60000), participating=participating, yes=participating)
    assert quorum_met is met


def test_quorum_end_to_end_one_head_short():  # RULES V2
    units = flats(9)
    six = tally(poll(units, [(u["unit"], "no") for u in units[:6]]))
    five = tally(poll(units, [(u["unit"], "no") for u in units[:5]]))
    assert six["quorum_met"] is True and five["quorum_met"] is False


# --- V4: ordinary matters, strictly more than half of the participants -------------------------

FULL = (12, 120000)  # everyone takes part: the quorum never decides these cases


@pytest.mark.parametrize(("yes", "passed"), [
    ((6, 60000), False),   # exactly half the heads and half the area is not "过半数"
    ((7, 60000), False),   # more heads, exactly half the area
    ((6, 90000), False),   # more area, exactly half the heads
    ((7, 60001), True),    # just over on both bases
])
def test_ordinary_strict_majority_of_participants(yes, passed):  # RULES V4, V5
    _, result = decide(CC, "hire_or_dismiss_company", total=FULL, participating=FULL, yes=yes)
    assert result is passed


def test_ordinary_is_of_participants_not_of_everyone():  # RULES V4
    # 8 of 12 take part (quorum exactly), 5 say yes: 5/8 > 1/2 of the participants, though
    # only 5/12 of all owners.
    _, passed = decide(CC, "elect_committee", total=(12, 120000), participating=(8, 80000), yes=(5, 50000))
    assert passed


# --- V3: major matters, at least three quarters of the participants ----------------------------


@pytest.mark.parametrize(("yes", "passed"), [
    ((9, 90000), True),    # exactly 3/4 on both bases: "以上" includes it
    ((9, 89999), False),   # 0.01 m² short of 3/4 of the area
    ((8, 120000), False),  # all the area, one head short of 3/4
])
def test_major_three_quarters_of_participants(yes, passed):  # RULES V3, V5
    _, result = decide(CC, "rebuild_or_alter", total=FULL, participating=FULL, yes=yes)
    assert result is passed


def test_using_the_fund_is_ordinary_raising_it_is_major():  # RULES V3, V4
    # 12 take part, 8 say yes: 2/3 is more than half but less than three quarters.
    counts = {"total": FULL, "participating": FULL, "yes": (8, 80000)}
    assert decide(CC, "use_maintenance_fund", **counts) == (True, True)
    assert decide(CC, "raise_maintenance_fund", **counts) == (True, False)


def test_no_pass_without_quorum():  # RULES V2
    # Everyone who took part said yes, but only 7 of 12 took part.
    assert decide(CC, "other_major", total=FULL, participating=(7, 70000), yes=(7, 70000)) == (False, False)


# --- the 2007 rules: shares of all owners ------------------------------------------------------

OLD = "property-regulations-2007"


@pytest.mark.parametrize(("participating", "met"), [
    ((6, 60000), False),   # exactly half takes part: art. 12 ¶1 needs 过半数
    ((7, 60001), True),
    ((7, 60000), False),   # more heads, exactly half the area
])
def test_2007_participation(participating, met):  # 物业管理条例 (2007) art. 12 ¶1
    quorum_met, _ = decide(OLD, "covenant", total=FULL, participating=participating, yes=(0, 0))
    assert quorum_met is met


@pytest.mark.parametrize(("yes", "passed"), [
    ((6, 60000), False),   # half of all owners is not 过半数
    ((7, 60001), True),
    ((7, 60000), False),
])
def test_2007_ordinary_more_than_half_of_everyone(yes, passed):  # art. 12 ¶3
    _, result = decide(OLD, "elect_committee", total=FULL, participating=FULL, yes=yes)
    assert result is passed


@pytest.mark.parametrize(("yes", "passed"), [
    ((8, 80000), True),    # exactly 2/3 of all owners: 2/3以上 includes it
    ((8, 79999), False),
    ((7, 120000), False),
])
def test_2007_using_the_fund_two_thirds_of_everyone(yes, passed):  # art. 12 ¶3, art. 11 (5)
    _, result = decide(OLD, "use_maintenance_fund", total=FULL, participating=FULL, yes=yes)
    assert result is passed


def test_2007_shares_are_of_everyone_not_of_participants():
    # 8 of 12 take part and all say yes: 8/12 = 2/3 of everyone, enough for the fund; 7 are not.
    assert decide(OLD, "raise_maintenance_fund", total=FULL, participating=(8, 80000), yes=(8, 80000))[1]
    assert not decide(OLD, "raise_maintenance_fund", total=FULL, participating=(7, 70000), yes=(7, 70000))[1]


# --- V2: abstentions take part -----------------------------------------------------------------


def test_abstentions_count_towards_the_quorum():  # RULES V2
    units = flats(3)
    with_abstentions = tally(poll(units, [("1-1", "yes"), ("1-2", "abstain"), ("1-3", "abstain")]))
    alone = tally(poll(units, [("1-1", "yes")]))
    assert with_abstentions["participating"] == {"heads": 3, "area": "300.00"}
    assert with_abstentions["abstain"] == {"heads": 2, "area": "200.00"}
    assert with_abstentions["quorum_met"] is True and alone["quorum_met"] is False


def test_abstentions_count_against_passing():  # RULES V2, V4
    # 2 yes, 1 no: passes. 2 yes, 1 no, 1 abstain: 2/4 is not more than half.
    units = flats(4)
    assert tally(poll(units, [("1-1", "yes"), ("1-2", "yes"), ("1-3", "no")]))["passed"] is True
    assert tally(poll(units, [("1-1", "yes"), ("1-2", "yes"), ("1-3", "no"), ("1-4", "abstain")]))["passed"] is False


# --- V7: heads -----------------------------------------------------------------------------------


def test_one_owner_of_several_units_is_one_head_with_areas_summed():  # RULES V7
    heads = heads_from_units([unit("1-101", "89.50", "P1"), unit("1-102", "60.25", "P1"), unit("1-103", "70", "P2")])
    assert [(h.units, h.area) for h in heads] == [(("1-101", "1-102"), 14975), (("1-103",), 7000)]


def test_co_owners_share_one_head_whatever_the_order():  # RULES V7
    heads = heads_from_units([unit("1-101", "120", "P2", "P3"), unit("1-102", "80", "P3", "P2")])
    assert len(heads) == 1 and heads[0].owners == {"P2", "P3"} and heads[0].area == 20000


def test_a_co_owner_alone_is_another_head():  # RULES V7: the set {P2, P3} is not P2
    heads = heads_from_units([unit("1-101", "120", "P2", "P3"), unit("1-102", "80", "P2")])
    assert [h.owners for h in heads] == [frozenset({"P2", "P3"}), frozenset({"P2"})]


def test_every_developer_held_unit_together_is_one_head():  # RULES V7
    heads = heads_from_units([
        unit("1-101", "90", "DEV", dev=True), unit("1-102", "90", "P1"),
        unit("1-201", "95", "DEV-2", dev=True), unit("1-202", "95", dev=True),
    ])
    assert [(h.developer_held, h.units, h.area) for h in heads] == [
        (True, ("1-101", "1-201", "1-202"), 28000), (False, ("1-102",), 9000)]


def test_a_ballot_names_any_unit_of_its_head():  # RULES V7
    units = [unit("1-101", "90", "P1"), unit("1-102", "60", "P1"), unit("1-103", "50", "P2")]
    result = tally(poll(units, [("1-102", "yes")]))
    assert result["yes"] == {"heads": 1, "area": "150.00"} and result["total"] == {"heads": 2, "area": "200.00"}


def test_a_second_ballot_for_a_head_is_an_error():  # RULES V7
    units = [unit("1-101", "90", "P1"), unit("1-102", "60", "P1")]
    with pytest.raises(TallyError, match=r"ballots\[1\] \(unit 1-102\): duplicate head: it already voted with "
                                         r"ballots\[0\] \(unit 1-101\)"):
        tally(poll(units, [("1-101", "yes"), ("1-102", "no")]))


def test_the_developer_votes_once():  # RULES V7
    units = [unit("1-101", "90", "DEV", dev=True), unit("1-102", "90", "DEV", dev=True), unit("1-103", "90", "P1")]
    with pytest.raises(TallyError, match="duplicate head"):
        tally(poll(units, [("1-101", "yes"), ("1-102", "yes")]))
    assert tally(poll(units, [("1-102", "yes")]))["yes"] == {"heads": 1, "area": "180.00"}


# --- V8: parking ---------------------------------------------------------------------------------


def roll_with_parking():
    return [unit("1-101", "90", "P1"), unit("P-001", "12.50", "P1", kind="parking"),
            unit("P-002", "12.50", "P9", kind="parking"), unit("1-102", "90", "P2")]


def test_parking_is_out_of_the_roll_by_default():  # RULES V8
    result = tally(poll(roll_with_parking(), [("1-101", "yes")]))
    assert result["total"] == {"heads": 2, "area": "180.00"}


def test_parking_counts_when_the_poll_says_so():  # RULES V8
    result = tally(poll(roll_with_parking(), [("1-101", "yes")], parking_counts=True))
    # P1's space joins P1's head; P9, who owns only a space, becomes a head.
    assert result["total"] == {"heads": 3, "area": "205.00"}
    assert result["yes"] == {"heads": 1, "area": "102.50"}


def test_a_ballot_for_a_parking_space_that_does_not_count():  # RULES V8
    with pytest.raises(TallyError, match=r"ballots\[0\] \(unit P-002\): the unit is not in the roll: a parking space"):
        tally(poll(roll_with_parking(), [("P-002", "yes")]))


# --- V11: building scope -------------------------------------------------------------------------


def two_buildings():
    return flats(3, building="3") + flats(2, building="4")


def test_scope_restricts_the_roll_to_one_building():  # RULES V11
    result = tally(poll(two_buildings(), [("3-1", "yes"), ("3-2", "yes")], scope={"building": "3"}))
    assert result["total"] == {"heads": 3, "area": "300.00"}
    assert result["quorum_met"] is True and result["passed"] is True  # 2/3 inside building 3


def test_without_scope_the_whole_compound_decides():  # RULES V11
    result = tally(poll(two_buildings(), [("3-1", "yes"), ("3-2", "yes")]))
    assert result["total"]["heads"] == 5 and result["quorum_met"] is False


def test_scope_building_may_be_a_number():
    assert tally(poll(two_buildings(), scope={"building": 3}))["total"]["heads"] == 3


def test_an_owner_across_buildings_counts_only_inside_the_scope():  # RULES V7, V11
    units = [unit("3-101", "90", "P1", building="3"), unit("4-101", "60", "P1", building="4"),
             unit("3-102", "90", "P2", building="3")]
    result = tally(poll(units, [("3-101", "yes")], scope={"building": "3"}))
    assert result["yes"] == {"heads": 1, "area": "90.00"}


def test_a_ballot_for_a_unit_outside_the_scope():  # RULES V11
    with pytest.raises(TallyError, match=r"ballots\[1\] \(unit 4-1\): the unit is not in the roll: outside the scope"):
        tally(poll(two_buildings(), [("3-1", "yes"), ("4-1", "yes")], scope={"building": "3"}))


# --- the contract example -------------------------------------------------------------------------

EXAMPLE = {
    "matter": "use_maintenance_fund",
    "decided_on": "2026-06-01",
    "scope": {"building": "3"},
    "parking_counts": False,
    "units": [
        {"unit": "3-1-101", "building": "3", "kind": "residence", "area": "89.50", "owners": ["P1"]},
        {"unit": "3-1-102", "building": "3", "kind": "residence", "area": "120.00", "owners": ["P2", "P3"]},
        {"unit": "3-1-201", "building": "3", "kind": "residence", "area": "95.00", "owners": ["DEV"],
         "developer_held": True},
    ],
    "ballots": [{"unit": "3-1-101", "choice": "yes"}, {"unit": "3-1-102", "choice": "abstain"}],
}


def test_contract_example_counts():
    result = tally(EXAMPLE)
    assert list(result) == list(rules.OUTPUT_KEYS)
    assert result["total"] == {"heads": 3, "area": "304.50"}
    assert result["participating"] == {"heads": 2, "area": "209.50"}
    # 2 of 3 heads is exactly 2/3 and 209.50 of 304.50 is more than 2/3: the quorum is met
    # (RULES V2, "以上" includes the number). The yes votes are 1 of 2 heads, not more than half.
    assert result["quorum_met"] is True and result["passed"] is False


# --- bad input -------------------------------------------------------------------------------------


def bad(**changes):
    data = {**EXAMPLE, "units": [dict(u) for u in EXAMPLE["units"]], "ballots": list(EXAMPLE["ballots"])}
    data.update(changes)
    return data


@pytest.mark.parametrize(("data", "message"), [
    (bad(ballots=[{"unit": "3-9-999", "choice": "yes"}]), r"ballots\[0\] \(unit 3-9-999\): unknown unit"),
    (bad(ballots=[{"unit": "3-1-101", "choice": "yes"}, {"unit": "3-1-101", "choice": "no"}]),
     r"ballots\[1\] \(unit 3-1-101\): duplicate head"),
    (bad(matter="sell_the_roof"), "unknown matter “sell_the_roof”"),
    (bad(units=[{**EXAMPLE["units"][0], "area": "89.505"}]), "unit 3-1-101: the area “89.505” has more than two"),
    (bad(units=[{**EXAMPLE["units"][0], "area": "-89.50"}]), "unit 3-1-101: the area “-89.50” is negative"),
    (bad(units=[{**EXAMPLE["units"][0], "area": "八十"}]), "unit 3-1-101: “八十” is not an area"),
    (bad(units=[{k: v for k, v in EXAMPLE["units"][0].items() if k != "area"}]), "unit 3-1-101: no area"),
    (bad(ballots=[{"unit": "3-1-101", "choice": "maybe"}]), r"ballots\[0\] \(unit 3-1-101\): bad choice “maybe”"),
    (bad(ballots=[{"unit": "3-1-101"}]), r"ballots\[0\] \(unit 3-1-101\): bad choice “None”"),
    (bad(decided_on="2007-09-30"), "no rule set for a decision on 2007-09-30"),
    (bad(decided_on="2026-02-30"), "decided_on: “2026-02-30” is not a date"),
    (bad(decided_on="1 June 2026"), "decided_on: “1 June 2026” is not a date"),
    (bad(scope={"entrance": "1"}), "scope: unknown key “entrance”"),
    (bad(scope={"building": "9"}), "the roll is empty"),
    (bad(parking_counts="yes"), "parking_counts must be true or false"),
    (bad(units=[EXAMPLE["units"][0], EXAMPLE["units"][0]]), "unit 3-1-101: listed twice"),
    (bad(units=[{**EXAMPLE["units"][0], "owners": []}]), "unit 3-1-101: no owners"),
    (bad(units=[{**EXAMPLE["units"][0], "area": "0.00"}], ballots=[]), "the roll has no area"),
    (bad(units="all of them"), "units: expected a list"),
    (bad(ballots=[["3-1-101", "yes"]]), r"ballots\[0\]: expected an object"),
    (bad(ballots=[{"unit": ["3-1-101"], "choice": "yes"}]), "unknown unit"),
    (bad(parking_count=True), "unknown key “parking_count”"),
    ({k: v for k, v in EXAMPLE.items() if k != "decided_on"}, "missing “decided_on”"),
    ([EXAMPLE], "must be a JSON object"),
])
def test_bad_input_names_the_offending_item(data, message):
    with pytest.raises(TallyError, match=message):
        tally(data)


def test_tally_error_is_a_value_error():
    assert issubclass(TallyError, ValueError)


def test_tally_accepts_exact_numbers_and_dates():
    # What the command hands over after parse_float=Decimal, and what the platform passes.
    data = bad(units=[{**u, "area": Decimal(u["area"])} for u in EXAMPLE["units"]], decided_on=date(2026, 6, 1))
    assert tally(data) == tally(EXAMPLE)


# --- shortfall (the live progress page) --------------------------------------------------------------


def counts(total, participating, yes):
    return {"total": {"heads": total[0], "area": total[1]},
            "participating": {"heads": participating[0], "area": participating[1]},
            "yes": {"heads": yes[0], "area": yes[1]}}


def test_shortfall_of_the_contract_example():
    result = tally(EXAMPLE)
    # Quorum met. Passing (V4): 1 yes of 2 participants; one more yes from the developer
    # makes 2 of 3 > 1/2. Area: yes 89.50 of 209.50; a more yes area a needs
    # 2·(8950 + a) > 20950 + a, so a > 3050: 30.51 m².
    assert shortfall(result, result["rule_set"], "use_maintenance_fund") == {
        "quorum": {"heads": 0, "area": 0}, "passing": {"heads": 1, "area": 3051}}


def test_shortfall_quorum_at_the_boundary():  # RULES V2
    # 2 of 3 heads is exactly 2/3: nothing missing. 20000 of 30000 hundredths is exactly 2/3.
    assert shortfall(counts((3, 30000), (2, 20000), (2, 20000)), CC, "covenant")["quorum"] == {"heads": 0, "area": 0}
    assert shortfall(counts((3, 30000), (1, 19999), (1, 19999)), CC, "covenant")["quorum"] == {"heads": 1, "area": 1}
    assert shortfall(counts((3, 30000), (0, 0), (0, 0)), CC, "covenant")["quorum"] == {"heads": 2, "area": 20000}


def test_shortfall_passing_strict_majority():  # RULES V4
    # 2 yes of 4 participants: one more yes makes 3 of 5 > 1/2 — exactly half is not enough.
    missing = shortfall(counts((10, 1000), (4, 400), (2, 200)), CC, "elect_committee")["passing"]
    assert missing == {"heads": 1, "area": 1}
    # Nobody has voted: one yes is a majority of one.
    assert shortfall(counts((10, 1000), (0, 0), (0, 0)), CC, "elect_committee")["passing"] == {"heads": 1, "area": 1}


def test_shortfall_passing_three_quarters():  # RULES V3
    # 3 yes of 4: exactly 3/4, nothing missing. 2 yes of 4: k more with (2+k) ≥ 3/4·(4+k) → k = 4.
    assert shortfall(counts((10, 1000), (4, 400), (3, 300)), CC, "change_use")["passing"] == {"heads": 0, "area": 0}
    assert shortfall(counts((10, 1000), (4, 400), (2, 200)), CC, "change_use")["passing"] == {"heads": 4, "area": 400}
    # A decision never passes without a yes, even where 0 ≥ 3/4·0.
    assert shortfall(counts((10, 1000), (0, 0), (0, 0)), CC, "change_use")["passing"] == {"heads": 1, "area": 1}


def test_shortfall_2007_is_of_everyone():
    # Using the fund in 2019: 2/3 of 12 heads = 8 yes needed, whoever else voted.
    missing = shortfall(counts((12, 120000), (12, 120000), (5, 50000)), OLD, "use_maintenance_fund")
    assert missing == {"quorum": {"heads": 0, "area": 0}, "passing": {"heads": 3, "area": 30000}}
    # Participation: more than half of 12 is 7.
    assert shortfall(counts((12, 120000), (6, 60000), (0, 0)), OLD, "covenant")["quorum"] == {"heads": 1, "area": 1}


def test_shortfall_takes_a_rule_set_object_and_string_areas():
    assert shortfall(counts((3, "300.00"), (2, "200.00"), (1, "100.00")), CIVIL_CODE_2021, "covenant") == \
        shortfall(counts((3, 30000), (2, 20000), (1, 10000)), CC, "covenant")


def test_shortfall_bad_counts():
    with pytest.raises(TallyError, match="total"):
        shortfall({"participating": {"heads": 1, "area": 1}, "yes": {"heads": 1, "area": 1}}, CC, "covenant")
    with pytest.raises(TallyError, match="unknown rule set"):
        shortfall(counts((3, 3), (1, 1), (1, 1)), "civil-code-1999", "covenant")
