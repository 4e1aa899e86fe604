"""Anonymous surveys (无记名测评, seed 002): create, open with one token per unit, respond once
per token, reissue lost slips, close; who may do it; and what the tables never hold."""

import hashlib
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models

from sanfang.places.models import Unit
from sanfang.voting import surveys as sv
from sanfang.voting.models import Survey, SurveyEvent, SurveyItem, SurveyResponse, SurveyToken

pytestmark = pytest.mark.django_db

ITEMS = [("保洁", "楼道清洁"), ("保洁", "垃圾清运"), ("保安", "门岗值守")]


def make_survey(world, actor=None, **extra) -> Survey:
    kw = {"compound": world.compounds["k1"], "title": "物业测评", "items": ITEMS,
          "actor": actor or world.users["chair"], **extra}
    return sv.survey_create(**kw)


def add_units(world, *numbers):
    k1 = world.compounds["k1"]
    building = world.units["101"].building
    for n in numbers:
        world.units[n] = Unit.objects.create(compound=k1, building=building, entrance="1", number=n,
                                             exclusive_area=Decimal("70.00"), area_source="registered")


def opened(world, **extra) -> tuple[Survey, list]:
    survey = make_survey(world, **extra)
    slips = sv.survey_open(survey=survey, actor=world.users["chair"])
    survey.refresh_from_db()
    return survey, slips


def all_fives(survey):
    return {str(i.order): survey.scale for i in survey.items.all()}


def snapshot():
    return (list(Survey.objects.values_list("pk", "status")), SurveyResponse.objects.count(),
            list(SurveyToken.objects.order_by("pk").values_list("token_hash", "used", "unit_label")),
            SurveyEvent.objects.count())


# --- creating -----------------------------------------------------------------------------------

def test_the_seed_002_preset_has_20_items_in_4_groups(world):
    survey = make_survey(world, title=sv.PRESETS["seed-002"]["title"], items=sv.preset_items("seed-002"))
    groups = sv.grouped_items(survey)
    assert survey.items.count() == 20 and len(groups) == 4
    assert [len(g["items"]) for g in groups] == [5, 5, 5, 5]
    assert list(survey.items.values_list("order", flat=True)) == list(range(1, 21))
    # The party evaluated is found, not typed: the company serving K1 under its contract.
    assert survey.subject_org == world.orgs["co1"] and survey.subject == "绿城物业"
    assert survey.status == "draft" and survey.created_by == world.users["chair"]
    event = survey.events.get()
    assert event.kind == "created" and event.actor == world.users["chair"] and event.data["items"] == 20


@pytest.mark.parametrize("who,kind,allowed", [
    ("chair", "company", True),             # the committee evaluates the company it hired
    ("chair", "owners_committee", False),   # but never itself
    ("community", "owners_committee", True),
    ("subdistrict", "company", True),
    ("district", "other", True),
    ("company", "company", False),          # nobody evaluates themself, nor runs the others' survey
    ("company", "owners_committee", False),
    ("grid", "company", False),
    ("department", "company", False),
    ("resident", "company", False),
    ("outsider", "company", False),
])
def test_who_may_run_a_survey(world, who, kind, allowed):
    extra = {"subject": "小区环境"} if kind == "other" else {}
    before = snapshot()
    if allowed:
        survey = make_survey(world, world.users[who], subject_kind=kind, **extra)
        assert survey.subject_kind == kind
    else:
        with pytest.raises(PermissionDenied):
            make_survey(world, world.users[who], subject_kind=kind, **extra)
        assert snapshot() == before


def test_the_committee_runs_surveys_of_its_own_compound_only(world):
    with pytest.raises(PermissionDenied):
        make_survey(world, compound=world.compounds["k2"])
    # A subdistrict officer of S1 has no say in K3 (subdistrict S2).
    with pytest.raises(PermissionDenied):
        make_survey(world, world.users["subdistrict"], compound=world.compounds["k3"])


@pytest.mark.parametrize("extra,field", [
    ({"items": []}, "items"),
    ({"items": [("", "没有分组")]}, "items"),
    ({"items": [("组", "长" * 201)]}, "items"),
    ({"title": "  "}, "title"),
    ({"scale": 1}, "scale"),
    ({"scale": 11}, "scale"),
    ({"scale": True}, "scale"),
    ({"building": "99"}, "building"),
    ({"subject_kind": "mayor"}, "subject_kind"),
])
def test_bad_input_is_refused_and_changes_nothing(world, extra, field):
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        make_survey(world, world.users["community"], **extra)
    assert field in exc.value.message_dict
    assert snapshot() == before


def test_the_subject_must_exist(world):
    community = world.users["community"]
    with pytest.raises(ValidationError) as exc:  # K2's only contract ended in 2020
        make_survey(world, community, compound=world.compounds["k2"])
    assert "subject_kind" in exc.value.message_dict
    with pytest.raises(ValidationError):  # K2 has no owners' committee
        make_survey(world, community, compound=world.compounds["k2"], subject_kind="owners_committee")
    with pytest.raises(ValidationError) as exc:
        make_survey(world, community, subject_kind="other", subject="")
    assert "subject" in exc.value.message_dict
    survey = make_survey(world, community, subject_kind="owners_committee")
    assert survey.subject_org == world.orgs["oc"]


# --- opening: one token per unit, only hashes kept ------------------------------------------------

def test_open_issues_one_token_per_unit_and_keeps_only_hashes(world):
    survey, slips = opened(world)
    assert sorted(s.unit_label for s in slips) == ["1-1-101", "1-1-102", "1-1-201"]
    assert survey.status == "open" and survey.opened_at is not None
    rows = list(SurveyToken.objects.filter(survey=survey))
    assert len(rows) == 3 and not any(r.used for r in rows)
    stored = {str(v) for r in rows for v in (r.unit_label, r.token_hash, r.used, r.pk)}
    for slip in slips:
        assert sv.normalise_token(slip.token) == slip.token and len(slip.token) == 19
        assert slip.token not in stored and slip.token.replace("-", "") not in stored
        assert hashlib.sha256(slip.token.encode()).hexdigest() in {r.token_hash for r in rows}
    event = survey.events.get(kind="opened")
    assert event.actor == world.users["chair"] and event.data == {"tokens": 3, "building": ""}


def test_open_leaves_out_parking_and_other_buildings(world):
    from sanfang.places.models import Building

    k1 = world.compounds["k1"]
    b2 = Building.objects.create(compound=k1, number="2")
    Unit.objects.create(compound=k1, building=b2, number="101")
    Unit.objects.create(compound=k1, building=world.units["101"].building, number="P1", kind=Unit.Kind.PARKING)
    _survey, slips = opened(world, building="2")
    assert [s.unit_label for s in slips] == ["2-101"]
    _survey, slips = opened(world)
    assert sorted(s.unit_label for s in slips) == ["1-1-101", "1-1-102", "1-1-201", "2-101"]


def test_open_is_refused_twice_or_to_others(world):
    survey = make_survey(world)
    before = snapshot()
    for who in ("company", "resident", "grid", "outsider"):
        with pytest.raises(PermissionDenied):
            sv.survey_open(survey=survey, actor=world.users[who])
    assert snapshot() == before
    sv.survey_open(survey=survey, actor=world.users["community"])
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        sv.survey_open(survey=survey, actor=world.users["chair"])
    assert exc.value.code == "not_allowed"
    assert snapshot() == before


def test_open_needs_units(world):
    survey = make_survey(world, world.users["district"], compound=world.compounds["k3"], subject_kind="other",
                         subject="环境")
    before = snapshot()
    with pytest.raises(ValidationError):
        sv.survey_open(survey=survey, actor=world.users["district"])
    assert snapshot() == before


# --- responding -------------------------------------------------------------------------------

def test_a_token_lets_exactly_one_response_in(world):
    survey, slips = opened(world)
    sv.survey_respond(token=slips[0].token, scores={"1": 5, "2": 4, "3": None})
    response = SurveyResponse.objects.get()
    assert response.scores == {"1": 5, "2": 4, "3": None} and response.survey == survey
    assert SurveyToken.objects.filter(used=True).count() == 1
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        sv.survey_respond(token=slips[0].token, scores=all_fives(survey))
    assert exc.value.code == "used"
    assert snapshot() == before
    # No event for a response: it would give the response a time and an order.
    assert list(survey.events.values_list("kind", flat=True)) == ["created", "opened"]


def test_a_token_as_typed_from_paper(world):
    survey, slips = opened(world)
    typed = slips[1].token.replace("-", " ").lower().replace("0", "o")
    sv.survey_respond(token=typed, scores=all_fives(survey))
    assert SurveyResponse.objects.count() == 1


@pytest.mark.parametrize("scores,code", [
    ({"1": 5, "2": 4}, "incomplete"),
    ({}, "incomplete"),
    ("5,5,5", "incomplete"),
    ({"1": 5, "2": 4, "3": 6}, "bad_score"),
    ({"1": 0, "2": 4, "3": 3}, "bad_score"),
    ({"1": "5", "2": 4, "3": 3}, "bad_score"),
    ({"1": 4.5, "2": 4, "3": 3}, "bad_score"),
    ({"1": True, "2": 4, "3": 3}, "bad_score"),
    ({"1": 5, "2": 4, "3": 3, "4": 1}, "unknown_item"),
    ({"1": 5, "2": 4, "3": 3, "x": 1}, "unknown_item"),
])
def test_bad_scores_are_refused_and_the_token_stays_good(world, scores, code):
    survey, slips = opened(world)
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        sv.survey_respond(token=slips[0].token, scores=scores)
    assert exc.value.code == code and exc.value.messages[0]
    assert snapshot() == before
    sv.survey_respond(token=slips[0].token, scores=all_fives(survey))


def test_cannot_judge_only_when_the_survey_allows_it(world):
    survey, slips = opened(world, allow_unknown=False)
    with pytest.raises(ValidationError) as exc:
        sv.survey_respond(token=slips[0].token, scores={"1": 5, "2": None, "3": 3})
    assert exc.value.code == "bad_score" and SurveyResponse.objects.count() == 0


@pytest.mark.parametrize("token", ["", "nonsense", "0000-0000-0000-0000", "ABCD-EFGH-JKMN-PQR"])
def test_unknown_tokens_are_refused(world, token):
    opened(world)
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        sv.survey_respond(token=token, scores={"1": 5, "2": 5, "3": 5})
    assert exc.value.code == "unknown_token"
    assert snapshot() == before


def test_a_closed_survey_takes_no_response(world):
    survey, slips = opened(world)
    sv.survey_close(survey=survey, actor=world.users["chair"])
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        sv.survey_respond(token=slips[0].token, scores=all_fives(survey))
    assert exc.value.code == "closed"
    assert snapshot() == before
    assert sv.token_state(slips[0].token)[1] == "closed"


def test_the_token_is_spent_by_a_conditional_update(world, monkeypatch):
    """One response per token even when two submissions of a slip race. Between reading the
    token and spending it, the other submission commits (simulated here: SQLite serialises
    writers): this one is refused by the conditional update and writes nothing."""
    survey, slips = opened(world)
    check = sv._check_scores

    def meanwhile(survey, scores):
        out = check(survey, scores)
        # The token was unused when read; now the other submission spends it.
        assert SurveyToken.objects.filter(token_hash=sv.token_hash(slips[0].token), used=False).exists()
        SurveyToken.objects.filter(token_hash=sv.token_hash(slips[0].token)).update(used=True)
        return out

    monkeypatch.setattr(sv, "_check_scores", meanwhile)
    with pytest.raises(ValidationError) as exc:
        sv.survey_respond(token=slips[0].token, scores=all_fives(survey))
    assert exc.value.code == "used"
    assert SurveyResponse.objects.count() == 0  # this one wrote nothing


def test_two_submissions_of_one_slip_at_once(world, transactional_db):
    """The same race for real, where writers do run side by side."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race is exercised on PostgreSQL")
    survey, slips = opened(world)
    outcomes, barrier = [], threading.Barrier(2)

    def submit():
        barrier.wait()
        try:
            sv.survey_respond(token=slips[0].token, scores=all_fives(survey))
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _i in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(outcomes) == ["ok", "used"] and SurveyResponse.objects.count() == 1


# --- anonymity --------------------------------------------------------------------------------

def test_a_response_row_points_to_nothing_but_its_survey(world):
    fields = {f.name: f for f in SurveyResponse._meta.get_fields()}
    assert set(fields) == {"id", "survey", "scores"}  # no time at all, not even the day
    relations = [f for f in fields.values() if f.is_relation]
    assert [f.related_model for f in relations] == [Survey]
    assert isinstance(fields["id"], models.UUIDField)  # not a counter: its order is not the order of arrival
    # The token keeps no time either: when it was spent would date the response it let in.
    token_fields = {f.name for f in SurveyToken._meta.get_fields()}
    assert token_fields == {"id", "survey", "unit_label", "token_hash", "used"}
    assert not any(isinstance(f, models.DateField | models.DateTimeField) for f in SurveyToken._meta.get_fields())
    assert not any(f.related_model is SurveyResponse for f in SurveyToken._meta.get_fields() if f.is_relation)


def test_closing_forgets_the_units_and_reshuffles_the_responses(world):
    add_units(world, *(f"{n}" for n in range(301, 313)))
    survey, slips = opened(world)
    given = []
    for i, slip in enumerate(slips[:12]):  # twelve different answers, in a known order
        scores = {"1": i % 5 + 1, "2": (i // 5) % 5 + 1, "3": None if i == 11 else (i % 3) + 1}
        sv.survey_respond(token=slip.token, scores=scores)
        given.append(scores)
    ids_before = set(SurveyResponse.objects.values_list("pk", flat=True))
    sv.survey_close(survey=survey, actor=world.users["community"])
    survey.refresh_from_db()
    assert survey.status == "closed" and survey.closed_at is not None
    assert not SurveyToken.objects.filter(survey=survey, unit_label__isnull=False).exists()
    assert SurveyToken.objects.filter(survey=survey, used=True).count() == 12
    after = list(SurveyResponse.objects.filter(survey=survey).order_by().values_list("pk", "scores"))
    assert sorted(map(str, (s for _pk, s in after))) == sorted(map(str, given))  # the same answers
    assert ids_before.isdisjoint(pk for pk, _s in after)  # new random keys
    # Twelve distinct answers: the chance that a random order is the order of arrival is 1/12!.
    assert [s for _pk, s in after] != given
    event = survey.events.get(kind="closed")
    assert event.actor == world.users["community"] and event.data == {"responses": 12, "tokens": 15}


def test_close_is_refused_twice_or_to_others(world):
    survey, _slips = opened(world)
    before = snapshot()
    for who in ("company", "resident", "grid", "outsider"):
        with pytest.raises(PermissionDenied):
            sv.survey_close(survey=survey, actor=world.users[who])
    assert snapshot() == before
    sv.survey_close(survey=survey, actor=world.users["chair"])
    draft = make_survey(world)
    before = snapshot()
    with pytest.raises(ValidationError):
        sv.survey_close(survey=survey, actor=world.users["chair"])
    with pytest.raises(ValidationError):
        sv.survey_close(survey=draft, actor=world.users["chair"])
    assert snapshot() == before


# --- lost slips -------------------------------------------------------------------------------

def test_reissue_replaces_unanswered_slips_only(world):
    survey, slips = opened(world)
    by_unit = {s.unit_label: s.token for s in slips}
    sv.survey_respond(token=by_unit["1-1-101"], scores=all_fives(survey))
    new = sv.survey_reissue(survey=survey, actor=world.users["chair"], unit_labels=["1-1-102"])
    assert [s.unit_label for s in new] == ["1-1-102"] and new[0].token != by_unit["1-1-102"]
    with pytest.raises(ValidationError) as exc:
        sv.survey_respond(token=by_unit["1-1-102"], scores=all_fives(survey))
    assert exc.value.code == "unknown_token"
    sv.survey_respond(token=new[0].token, scores=all_fives(survey))
    event = survey.events.get(kind="reissued")
    assert event.actor == world.users["chair"] and event.data == {"tokens": 1, "units": ["1-1-102"]}
    # All the rest: only 201 has not answered.
    rest = sv.survey_reissue(survey=survey, actor=world.users["community"])
    assert [s.unit_label for s in rest] == ["1-1-201"]
    assert SurveyToken.objects.filter(survey=survey).count() == 3


@pytest.mark.parametrize("labels", [["9-9-999"], ["1-1-101"], []])
def test_reissue_refuses_unknown_or_answered_units(world, labels):
    survey, slips = opened(world)
    sv.survey_respond(token=slips[0].token, scores=all_fives(survey))
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        sv.survey_reissue(survey=survey, actor=world.users["chair"], unit_labels=labels)
    assert "units" in exc.value.message_dict
    assert snapshot() == before


def test_reissue_only_while_open_and_by_the_organisers(world):
    survey = make_survey(world)
    with pytest.raises(ValidationError):
        sv.survey_reissue(survey=survey, actor=world.users["chair"])
    sv.survey_open(survey=survey, actor=world.users["chair"])
    before = snapshot()
    with pytest.raises(PermissionDenied):
        sv.survey_reissue(survey=survey, actor=world.users["company"])
    assert snapshot() == before


# --- who sees what ----------------------------------------------------------------------------

def test_results_are_read_after_close_by_the_organisers_and_the_party_evaluated(world):
    from sanfang.accounts.models import Role
    from sanfang.testing import user_with_seat

    other_company = user_with_seat("co2-staff", Role.COMPANY_STAFF, world.orgs["co2"])
    survey, _slips = opened(world)
    everyone = ("district", "subdistrict", "community", "chair", "company", "grid", "resident", "outsider",
                "supervisor", "department")
    assert not any(sv.can_see_results(world.users[w], survey) for w in everyone)
    sv.survey_close(survey=survey, actor=world.users["chair"])
    survey.refresh_from_db()
    seeing = {w for w in everyone if sv.can_see_results(world.users[w], survey)}
    assert seeing == {"district", "subdistrict", "community", "chair", "company"}
    assert not sv.can_see_results(other_company, survey)


def test_the_list_is_scoped(world):
    survey, _slips = opened(world)
    other = make_survey(world, world.users["district"], compound=world.compounds["k3"])

    def visible(who):
        return set(sv.surveys_for(world.users[who]).values_list("pk", flat=True))

    assert visible("district") == {survey.pk, other.pk}
    assert visible("subdistrict") == visible("community") == visible("chair") == {survey.pk}
    assert visible("company") == set()  # not until it is closed
    for who in ("resident", "grid", "outsider", "department", "supervisor"):
        assert visible(who) == set()
    sv.survey_close(survey=survey, actor=world.users["chair"])
    assert visible("company") == {survey.pk}
    with pytest.raises(Survey.DoesNotExist):
        sv.survey_get_for(user=world.users["chair"], pk=other.pk)


def test_a_survey_of_the_committee_is_not_the_committees_to_run(world):
    survey = make_survey(world, world.users["community"], subject_kind="owners_committee")
    assert survey.pk not in set(sv.surveys_for(world.users["chair"]).values_list("pk", flat=True))
    with pytest.raises(PermissionDenied):
        sv.survey_open(survey=survey, actor=world.users["chair"])
    sv.survey_open(survey=survey, actor=world.users["community"])
    sv.survey_close(survey=survey, actor=world.users["community"])
    survey.refresh_from_db()
    # Once closed, the committee reads how it was judged, but still may not run it.
    assert sv.can_see_results(world.users["chair"], survey) and not sv.can_manage(world.users["chair"], survey)
    assert SurveyItem.objects.filter(survey=survey).count() == 3
