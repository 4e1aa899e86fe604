"""Survey results, checked by hand on a small example: exact fractions, rounded half up once."""

from decimal import Decimal
from fractions import Fraction

import pytest

from sanfang.voting import surveys as sv

from .test_surveys_services import add_units, make_survey

pytestmark = pytest.mark.django_db

# Two groups: G1 = items 1 and 2, G2 = item 3. Four responses; None is "cannot judge".
ANSWERS = [
    {"1": 5, "2": 4, "3": 3},
    {"1": 4, "2": None, "3": 2},
    {"1": 3, "2": 2, "3": None},
    {"1": 5, "2": 5, "3": 1},
]


@pytest.fixture
def closed(world):
    add_units(world, "202", "301")  # five units: five tokens
    survey = make_survey(world, items=[("G1", "一"), ("G1", "二"), ("G2", "三")])
    slips = sv.survey_open(survey=survey, actor=world.users["chair"])
    for slip, scores in zip(slips, ANSWERS, strict=False):
        sv.survey_respond(token=slip.token, scores=scores)
    sv.survey_close(survey=survey, actor=world.users["chair"])
    survey.refresh_from_db()
    return survey


def test_results_by_hand(closed):
    r = sv.results(closed)
    assert r["shown"] and r["responses"] == 4 and r["tokens"] == 5
    assert r["response_rate"] == Decimal("0.8000")
    one, two, three = r["items"]
    # Item 1: 5, 4, 3, 5 → 17 / 4 = 4.25
    assert (one["count"], one["unknown"], one["sum"], one["distribution"]) == (4, 0, 17, [0, 0, 1, 1, 2])
    assert one["mean"] == Decimal("4.25")
    # Item 2: 4, 2, 5 (one cannot judge) → 11 / 3 = 3.666… → 3.67
    assert (two["count"], two["unknown"], two["sum"], two["distribution"]) == (3, 1, 11, [0, 1, 0, 1, 1])
    assert two["mean"] == Decimal("3.67")
    # Item 3: 3, 2, 1 → 6 / 3 = 2.00
    assert (three["count"], three["unknown"], three["sum"], three["distribution"]) == (3, 1, 6, [1, 1, 1, 0, 0])
    assert three["mean"] == Decimal("2.00")
    g1, g2 = r["groups"]
    assert g1["name"] == "G1" and [i["order"] for i in g1["items"]] == [1, 2]
    # G1: mean of means (17/4 + 11/3) / 2 = 95/24 = 3.9583… → 3.96; weighted 28 / 7 = 4.00
    assert g1["mean_of_means"] == Decimal("3.96") and g1["weighted_mean"] == Decimal("4.00")
    assert (g1["count"], g1["sum"], g1["unknown"]) == (7, 28, 1)
    assert g2["mean_of_means"] == g2["weighted_mean"] == Decimal("2.00")
    # Overall: (17/4 + 11/3 + 2) / 3 = 119/36 = 3.3055… → 3.31; weighted 34 / 10 = 3.40
    overall = r["overall"]
    assert overall["mean_of_means"] == Decimal("3.31") and overall["weighted_mean"] == Decimal("3.40")
    assert (overall["count"], overall["sum"], overall["unknown"]) == (10, 34, 2)


def test_rounding_is_half_up_from_the_exact_value():
    assert sv._round(Fraction(17, 8)) == Decimal("2.13")  # 2.125: half up, not to even
    assert sv._round(Fraction(2, 3)) == Decimal("0.67")
    assert sv._round(Fraction(1, 3), 4) == Decimal("0.3333")
    assert sv._round(Fraction(5, 1)) == Decimal("5.00")
    assert sv._round(None) is None


def test_no_scores_below_the_minimum(world, settings):
    survey = make_survey(world)
    slips = sv.survey_open(survey=survey, actor=world.users["chair"])
    for slip in slips[:2]:
        sv.survey_respond(token=slip.token, scores={"1": 1, "2": 2, "3": 3})
    sv.survey_close(survey=survey, actor=world.users["chair"])
    r = sv.results(survey)
    assert not r["shown"] and r["items"] == [] and r["groups"] == [] and r["overall"] is None
    assert r["responses"] == 2 and r["tokens"] == 3 and r["response_rate"] == Decimal("0.6667")
    settings.SURVEY_MIN_RESPONSES = 2
    assert sv.results(survey)["shown"]


def test_an_item_nobody_could_judge(world):
    survey = make_survey(world)
    slips = sv.survey_open(survey=survey, actor=world.users["chair"])
    for slip in slips:
        sv.survey_respond(token=slip.token, scores={"1": 4, "2": 2, "3": None})
    sv.survey_close(survey=survey, actor=world.users["chair"])
    r = sv.results(survey)
    assert r["items"][2]["mean"] is None and r["items"][2]["unknown"] == 3
    guards = r["groups"][1]
    assert guards["mean_of_means"] is None and guards["weighted_mean"] is None
    # Items nobody judged are left out of the mean of means, not counted as zero.
    assert r["overall"]["mean_of_means"] == Decimal("3.00") and r["overall"]["weighted_mean"] == Decimal("3.00")
    assert r["response_rate"] == Decimal("1.0000")
