"""Property tests of voting/rules.py: random rolls and ballots against the invariants of a
count and against a second, deliberately naive implementation written from RULES V2–V8, V11,
V12 with ``fractions.Fraction`` (no shared code with ``rules``)."""

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from django.utils import translation
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sanfang.voting import rules
from sanfang.voting.rules import Ratio, TallyError, num_den_meets, shortfall, tally

SETTINGS = settings(max_examples=300, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

MATTERS = ["rules_of_procedure", "covenant", "elect_committee", "hire_or_dismiss_company",
           "use_maintenance_fund", "raise_maintenance_fund", "rebuild_or_alter", "change_use", "other_major"]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# --- the reference: RULES V2–V8, V11, V12 written out the obvious way --------------------------


def reference(data: dict) -> dict:
    building = (data.get("scope") or {}).get("building")
    parking = data.get("parking_counts", False)
    roll = [u for u in data["units"]
            if (building is None or u["building"] == building) and (u["kind"] != "parking" or parking)]
    head_of, areas = {}, {}
    for u in roll:
        key = "developer" if u.get("developer_held") else tuple(sorted(set(u["owners"])))  # V7
        head_of[u["unit"]] = key
        areas[key] = areas.get(key, Decimal(0)) + Decimal(u["area"])
    if not areas or sum(areas.values()) == 0:
        return None  # tally refuses these
    votes = {head_of[b["unit"]]: b["choice"] for b in data["ballots"]}

    def count(choices):
        keys = [k for k, c in votes.items() if c in choices]
        return len(keys), sum((areas[k] for k in keys), Decimal(0))

    total = (len(areas), sum(areas.values()))
    part, yes = count({"yes", "no", "abstain"}), count({"yes"})
    no, abstain = count({"no"}), count({"abstain"})

    def share(a, b):
        return Fraction(a[0], b[0]), Fraction(a[1]) / Fraction(b[1])

    decided = date.fromisoformat(data["decided_on"])
    matter = data["matter"]
    if decided >= date(2021, 1, 1):  # Civil Code art. 278
        rule_set = "civil-code-2021"
        major = matter in {"raise_maintenance_fund", "rebuild_or_alter", "change_use"}
        q_heads, q_area = share(part, total)
        quorum = q_heads >= Fraction(2, 3) and q_area >= Fraction(2, 3)
        if quorum:
            y_heads, y_area = share(yes, part)
            if major:
                passed = y_heads >= Fraction(3, 4) and y_area >= Fraction(3, 4)
            else:
                passed = y_heads > Fraction(1, 2) and y_area > Fraction(1, 2)
        else:
            passed = False
    else:  # 物业管理条例 (2007) art. 12: shares of everyone
        rule_set = "property-regulations-2007"
        major = matter in {"use_maintenance_fund", "raise_maintenance_fund", "rebuild_or_alter"}
        q_heads, q_area = share(part, total)
        quorum = q_heads > Fraction(1, 2) and q_area > Fraction(1, 2)
        y_heads, y_area = share(yes, total)
        if major:
            passed = quorum and y_heads >= Fraction(2, 3) and y_area >= Fraction(2, 3)
        else:
            passed = quorum and y_heads > Fraction(1, 2) and y_area > Fraction(1, 2)

    def pair(c):
        return {"heads": c[0], "area": str(c[1].quantize(Decimal("0.01")))}

    return {"rule_set": rule_set, "matter_class": "major" if major else "ordinary", "total": pair(total),
            "participating": pair(part), "yes": pair(yes), "no": pair(no), "abstain": pair(abstain),
            "quorum_met": quorum, "passed": passed}


# --- random polls ------------------------------------------------------------------------------

OWNERS = [f"P{i}" for i in range(1, 8)]


@st.composite
def polls(draw, min_units=1):
    n = draw(st.integers(min_units, 14))
    units = []
    for i in range(n):
        developer = draw(st.integers(0, 5)) == 0
        owners = sorted(draw(st.sets(st.sampled_from(OWNERS), min_size=1, max_size=3)))
        units.append({
            "unit": f"U{i}",
            "building": draw(st.sampled_from(["1", "2"])),
            "kind": draw(st.sampled_from(["residence", "residence", "residence", "parking", "shop"])),
            "area": rules.format_area(draw(st.one_of(st.integers(0, 20000), st.sampled_from([100, 10000])))),
            "owners": draw(st.permutations(owners)),
            **({"developer_held": True} if developer else {}),
        })
    data = {
        "matter": draw(st.sampled_from(MATTERS)),
        "decided_on": draw(st.one_of(
            st.sampled_from([date(2007, 10, 1), date(2020, 12, 31), date(2021, 1, 1), date(2026, 6, 1)]),
            st.dates(min_value=date(2007, 10, 1), max_value=date(2030, 12, 31)),
        )).isoformat(),
        "parking_counts": draw(st.booleans()),
        "units": units,
        "ballots": [],
    }
    if draw(st.booleans()):
        data["scope"] = {"building": "1"}
    # One ballot for some of the heads, naming any of their units, in a random order.
    heads = {}
    for u in units:
        building = (data.get("scope") or {}).get("building")
        if (building and u["building"] != building) or (u["kind"] == "parking" and not data["parking_counts"]):
            continue
        key = "developer" if u.get("developer_held") else tuple(sorted(u["owners"]))
        heads.setdefault(key, []).append(u["unit"])
    for members in heads.values():
        if draw(st.integers(0, 3)) > 0:
            data["ballots"].append({"unit": draw(st.sampled_from(members)),
                                    "choice": draw(st.sampled_from(["yes", "yes", "no", "abstain"]))})
    data["ballots"] = draw(st.permutations(data["ballots"]))
    return data


def countable(data) -> bool:
    return reference(data) is not None


def area(pair) -> int:
    return rules.parse_area(pair["area"])


@SETTINGS
@given(polls())
def test_tally_agrees_with_the_reference(data):
    expected = reference(data)
    if expected is None:
        with pytest.raises(TallyError):
            tally(data)
    else:
        result = tally(data)
        assert result == expected
        assert list(result) == list(rules.OUTPUT_KEYS)


@SETTINGS
@given(polls())
def test_the_choices_add_up_to_the_participants(data):  # RULES V2
    assume(countable(data))
    r = tally(data)
    assert r["yes"]["heads"] + r["no"]["heads"] + r["abstain"]["heads"] == r["participating"]["heads"]
    assert area(r["yes"]) + area(r["no"]) + area(r["abstain"]) == area(r["participating"])
    assert r["participating"]["heads"] <= r["total"]["heads"]
    assert area(r["participating"]) <= area(r["total"])
    assert r["participating"]["heads"] == len(data["ballots"])
    assert not r["passed"] or r["quorum_met"]


@SETTINGS
@given(polls(), st.randoms(use_true_random=False))
def test_the_order_of_the_ballots_does_not_matter(data, random):
    assume(countable(data))
    shuffled = {**data, "ballots": random.sample(data["ballots"], len(data["ballots"]))}
    assert tally(shuffled) == tally(data)


def _unvoted_units(data):
    heads = rules.heads_from_units(data["units"], scope=data.get("scope"), parking_counts=data["parking_counts"])
    voted = {b["unit"] for b in data["ballots"]}
    return [h.units[0] for h in heads if not voted & set(h.units)]


@SETTINGS
@given(polls(), st.data())
def test_another_yes_never_turns_a_pass_into_a_failure(data, more):
    assume(countable(data))
    unvoted = _unvoted_units(data)
    assume(unvoted)
    before = tally(data)
    extra = {"unit": more.draw(st.sampled_from(unvoted)), "choice": "yes"}
    position = more.draw(st.integers(0, len(data["ballots"])))
    after = tally({**data, "ballots": [*data["ballots"][:position], extra, *data["ballots"][position:]]})
    assert after["passed"] or not before["passed"]
    assert after["quorum_met"] or not before["quorum_met"]  # any ballot only adds participation


@SETTINGS
@given(polls(), st.data())
def test_a_no_turned_yes_never_turns_a_pass_into_a_failure(data, more):
    assume(countable(data))
    noes = [i for i, b in enumerate(data["ballots"]) if b["choice"] in ("no", "abstain")]
    assume(noes)
    i = more.draw(st.sampled_from(noes))
    changed = [dict(b) for b in data["ballots"]]
    changed[i]["choice"] = "yes"
    before, after = tally(data), tally({**data, "ballots": changed})
    assert after["passed"] or not before["passed"]
    assert after["quorum_met"] == before["quorum_met"]


@SETTINGS
@given(polls())
def test_nothing_missing_exactly_when_passed(data):
    assume(countable(data))
    result = tally(data)
    missing = shortfall(result, result["rule_set"], data["matter"])
    nothing = all(v == 0 for basis in missing.values() for v in basis.values())
    assert nothing == result["passed"]
    assert (missing["quorum"] == {"heads": 0, "area": 0}) == result["quorum_met"]


RATIOS = [Ratio(2, 3), Ratio(3, 4), Ratio(1, 2, strict=True)]


@SETTINGS
@given(st.integers(0, 10**6), st.integers(0, 10**6), st.sampled_from(RATIOS))
def test_least_meeting_is_the_least(whole, _unused, ratio):
    least = rules.least_meeting(whole, ratio)
    assert num_den_meets(least, whole, ratio)
    assert least == 0 or not num_den_meets(least - 1, whole, ratio)
    # Against Fractions.
    assert num_den_meets(least, whole, ratio) == (
        Fraction(least) > Fraction(ratio.num, ratio.den) * whole if ratio.strict
        else Fraction(least) >= Fraction(ratio.num, ratio.den) * whole)


@st.composite
def counts(draw):
    total_heads = draw(st.integers(1, 60))
    total_area = draw(st.integers(1, 10**6))
    part = (draw(st.integers(0, total_heads)), draw(st.integers(0, total_area)))
    yes = (draw(st.integers(0, part[0])), draw(st.integers(0, part[1])))
    return (total_heads, total_area), part, yes


@SETTINGS
@given(counts(), st.sampled_from(["civil-code-2021", "property-regulations-2007"]), st.sampled_from(MATTERS))
def test_shortfall_is_the_least_that_is_enough(c, rule_set_id, matter):
    total, part, yes = c
    rule_set = rules.get_rule_set(rule_set_id)
    t = rule_set.thresholds
    missing = shortfall({"total": {"heads": total[0], "area": total[1]},
                         "participating": {"heads": part[0], "area": part[1]},
                         "yes": {"heads": yes[0], "area": yes[1]}}, rule_set, matter)
    for basis, i in (("heads", 0), ("area", 1)):
        ratio_q = getattr(t.quorum, basis)
        k = missing["quorum"][basis]
        assert num_den_meets(part[i] + k, total[i], ratio_q)
        assert k == 0 or not num_den_meets(part[i] + k - 1, total[i], ratio_q)

        test = t.major if rules.matter_class(matter, rule_set) == "major" else t.ordinary
        ratio_p = getattr(test, basis)
        k = missing["passing"][basis]
        if test.of == rules.TOTAL:
            def enough(j, i=i, ratio_p=ratio_p):
                return num_den_meets(yes[i] + j, total[i], ratio_p)
        else:  # each missing yes also joins the participants
            def enough(j, i=i, ratio_p=ratio_p):
                return yes[i] + j >= 1 and num_den_meets(yes[i] + j, part[i] + j, ratio_p)
        assert enough(k)
        assert k == 0 or not enough(k - 1)
