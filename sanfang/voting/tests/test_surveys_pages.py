"""The survey pages as their users meet them: anonymous, wrong role, outsider, and the happy
path from a new survey to its results, with the respondent's side on a phone, no login."""

import hashlib
import io
import re

import pytest
from python_calamine import CalamineWorkbook

from sanfang.voting import surveys as sv
from sanfang.voting.models import Survey, SurveyEvent, SurveyResponse, SurveyToken

from .test_surveys_services import ITEMS, add_units, make_survey, snapshot

pytestmark = pytest.mark.django_db
CODE = re.compile(r'data-testid="slip-code">([0-9A-Z-]{19})<')


def codes(response) -> list[str]:
    return CODE.findall(response.content.decode())


def answers(survey, value="4") -> dict:
    return {f"item_{i.order}": value for i in survey.items.all()}


@pytest.fixture
def draft(world):
    return make_survey(world)


@pytest.fixture
def open_survey(world):
    survey = make_survey(world)
    slips = sv.survey_open(survey=survey, actor=world.users["chair"])
    survey.refresh_from_db()
    survey.slips = slips
    return survey


# --- who gets in --------------------------------------------------------------------------------

def test_anonymous_visitors_are_sent_to_log_in(client, open_survey):
    pk = open_survey.pk
    for url in ("/surveys/", "/surveys/new/", f"/surveys/{pk}/", f"/surveys/{pk}/open/", f"/surveys/{pk}/close/",
                f"/surveys/{pk}/slips/", f"/surveys/{pk}/results/", f"/surveys/{pk}/results.xlsx"):
        r = client.get(url)
        assert r.status_code == 302 and r.url.startswith("/accounts/login/"), url
    before = snapshot()
    r = client.post(f"/surveys/{pk}/close/")
    assert r.status_code == 302 and r.url.startswith("/accounts/login/")
    assert snapshot() == before


def test_outsiders_and_other_roles_get_a_404(world, login, open_survey):
    pk = open_survey.pk
    for who in ("outsider", "resident", "grid", "company", "department", "supervisor"):
        c = login(world.users[who])
        for url in (f"/surveys/{pk}/", f"/surveys/{pk}/open/", f"/surveys/{pk}/results/"):
            assert c.get(url).status_code == 404, (who, url)
        before = snapshot()
        assert c.post(f"/surveys/{pk}/close/").status_code == 404
        assert c.post(f"/surveys/{pk}/slips/", {"units": ""}).status_code == 404
        assert snapshot() == before
        assert "物业测评" not in c.get("/surveys/").content.decode()


def test_only_those_who_run_surveys_may_start_one(world, login):
    for who in ("resident", "company", "grid", "outsider"):
        c = login(world.users[who])
        assert c.get("/surveys/new/").status_code == 403
        assert c.post("/surveys/new/", {"compound": "K1", "title": "x"}).status_code == 403
        assert 'data-testid="new-survey"' not in c.get("/surveys/").content.decode()
    assert Survey.objects.count() == 0


def test_the_evaluated_company_reads_the_results_but_runs_nothing(world, login, open_survey):
    sv.survey_close(survey=open_survey, actor=world.users["chair"])
    c = login(world.users["company"])
    assert c.get(f"/surveys/{open_survey.pk}/").status_code == 200
    assert c.get(f"/surveys/{open_survey.pk}/results/").status_code == 200
    page = c.get(f"/surveys/{open_survey.pk}/").content.decode()
    assert 'data-testid="close-survey"' not in page and 'data-testid="results"' in page
    before = snapshot()
    assert c.get(f"/surveys/{open_survey.pk}/close/").status_code == 403
    assert c.post(f"/surveys/{open_survey.pk}/close/").status_code == 403
    assert snapshot() == before


# --- creating ---------------------------------------------------------------------------------

def test_the_preset_fills_the_form_and_saves_a_draft(world, login):
    c = login(world.users["chair"])
    page = c.get("/surveys/new/?preset=seed-002")
    assert page.status_code == 200
    form = page.context["form"]
    text = form.initial["items"]
    assert text.count("# ") == 4 and len([x for x in text.splitlines() if x and not x.startswith("#")]) == 20
    assert form.initial["compound"] == "K1"  # the committee's one compound
    r = c.post("/surveys/new/", {"compound": "K1", "title": form.initial["title"], "subject_kind": "company",
                                 "scale": "5", "allow_unknown": "on", "items": text})
    survey = Survey.objects.get()
    assert r.status_code == 302 and r.url == f"/surveys/{survey.pk}/"
    assert survey.items.count() == 20 and len(sv.grouped_items(survey)) == 4 and survey.allow_unknown
    assert SurveyEvent.objects.get().actor == world.users["chair"]
    page = c.get(r.url).content.decode()
    assert "绿城物业" in page and 'data-testid="open-survey"' in page


@pytest.mark.parametrize("data,field", [
    ({"items": "楼道清洁"}, "items"),                       # an item before any group
    ({"items": "# 保洁\n"}, "items"),                       # a group with no item
    ({"compound": "K3"}, "compound"),                      # not the committee's compound
    ({"compound": "NOPE"}, "compound"),
    ({"scale": "11"}, "scale"),
    ({"subject_kind": "owners_committee"}, "subject_kind"),  # the committee does not judge itself
    ({"building": "7"}, "building"),
    ({"title": ""}, "title"),
])
def test_bad_input_on_the_form_is_said_and_nothing_is_saved(world, login, data, field):
    c = login(world.users["chair"])
    post = {"compound": "K1", "title": "测评", "subject_kind": "company", "scale": "5",
            "items": "# 保洁\n1. 楼道清洁\n2、垃圾清运\n# 保安\n门岗值守", **data}
    r = c.post("/surveys/new/", post)
    assert r.status_code == 200 and r.context["form"].errors.get(field), r.context["form"].errors
    assert Survey.objects.count() == 0 and SurveyEvent.objects.count() == 0


def test_item_numbers_typed_in_are_dropped(world, login):
    c = login(world.users["community"])
    c.post("/surveys/new/", {"compound": "K1", "title": "测评", "subject_kind": "owners_committee", "scale": "4",
                             "items": "# 保洁\n1. 楼道清洁\n2、垃圾清运\n\n# 保安\n门岗值守"})
    survey = Survey.objects.get()
    assert list(survey.items.values_list("group", "text")) == ITEMS
    assert survey.subject_org == world.orgs["oc"] and survey.scale == 4


# --- opening and the slips --------------------------------------------------------------------

def test_open_asks_first_then_shows_the_slips_once(world, login, draft):
    c = login(world.users["chair"])
    page = c.get(f"/surveys/{draft.pk}/open/")
    assert page.status_code == 200 and 'data-testid="confirm-form"' in page.content.decode()
    assert SurveyToken.objects.count() == 0  # asking changes nothing
    r = c.post(f"/surveys/{draft.pk}/open/")
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    shown = codes(r)
    assert len(shown) == 3 and r.content.decode().count("<svg") == 3
    stored = set(SurveyToken.objects.values_list("token_hash", flat=True))
    assert {hashlib.sha256(code.encode()).hexdigest() for code in shown} == stored
    assert f"http://testserver/surveys/r/{shown[0]}/" in r.content.decode() or "/surveys/r/" in r.content.decode()
    draft.refresh_from_db()
    assert draft.status == "open" and draft.events.filter(kind="opened", actor=world.users["chair"]).exists()
    # Shown once: opening again is refused with a message, and no page shows the codes again.
    before = snapshot()
    r = c.post(f"/surveys/{draft.pk}/open/", follow=True)
    assert r.status_code == 200 and not codes(r) and list(r.context["messages"])
    assert snapshot() == before
    assert not codes(c.get(f"/surveys/{draft.pk}/"))


def test_lost_slips_are_replaced_behind_a_confirmation(world, login, open_survey):
    c = login(world.users["community"])
    page = c.get(f"/surveys/{open_survey.pk}/slips/")
    assert page.status_code == 200 and not codes(page)
    before = snapshot()
    r = c.post(f"/surveys/{open_survey.pk}/slips/", {"units": "9-9-999"})
    assert r.status_code == 200 and r.context["form"].errors["units"]
    assert snapshot() == before
    r = c.post(f"/surveys/{open_survey.pk}/slips/", {"units": "1-1-102"})
    (new,) = codes(r)
    old = {s.unit_label: s.token for s in open_survey.slips}["1-1-102"]
    assert client_state(c, old) == "unknown_token" and client_state(c, new) == "ok"


def client_state(c, token) -> str:
    r = c.get(f"/surveys/r/{token}/")
    m = re.search(r'data-state="(\w+)"', r.content.decode())
    return m.group(1) if m else "ok"


# --- the respondent ---------------------------------------------------------------------------

def test_a_respondent_answers_on_one_screen_checks_and_sends(client, open_survey):
    token = open_survey.slips[0].token
    page = client.get(f"/surveys/r/{token}/")
    body = page.content.decode()
    assert page.status_code == 200 and body.count('type="radio"') == 3 * 6  # 1..5 and "cannot judge"
    assert "保洁" in body and "门岗值守" in body
    # Something missing: said, nothing saved.
    partial = answers(open_survey)
    partial.pop("item_2")
    r = client.post(f"/surveys/r/{token}/", partial)
    assert r.status_code == 200 and r.context["form"].errors["item_2"]
    assert SurveyResponse.objects.count() == 0
    # Complete: shown back first, nothing saved yet.
    full = {**answers(open_survey), "item_3": "x"}
    r = client.post(f"/surveys/r/{token}/", full)
    assert 'data-testid="review"' in r.content.decode() and SurveyResponse.objects.count() == 0
    # Change: the form again, with the answers.
    r = client.post(f"/surveys/r/{token}/", {**full, "edit": "1"})
    assert 'data-testid="respond-form"' in r.content.decode() and 'value="x" class="form-selectgroup-input" checked' \
        in r.content.decode()
    # Send.
    r = client.post(f"/surveys/r/{token}/", {**full, "confirm": "1"})
    assert r.status_code == 302 and r.url == "/surveys/r/thanks/"
    assert client.get(r.url).status_code == 200
    assert SurveyResponse.objects.get().scores == {"1": 4, "2": 4, "3": None}
    # The slip is spent.
    again = client.get(f"/surveys/r/{token}/")
    assert 'data-state="used"' in again.content.decode()
    r = client.post(f"/surveys/r/{token}/", {**full, "confirm": "1"})
    assert 'data-state="used"' in r.content.decode() and SurveyResponse.objects.count() == 1


def test_a_score_outside_the_scale_is_refused(client, open_survey):
    token = open_survey.slips[0].token
    r = client.post(f"/surveys/r/{token}/", {**answers(open_survey), "item_1": "6", "confirm": "1"})
    assert r.status_code == 200 and r.context["form"].errors["item_1"]
    assert SurveyResponse.objects.count() == 0 and not SurveyToken.objects.filter(used=True).exists()


def test_codes_typed_by_hand(client, open_survey):
    token = open_survey.slips[1].token
    r = client.get("/surveys/r/", {"code": token.replace("-", "").lower()})
    assert r.status_code == 302 and r.url == f"/surveys/r/{token}/"
    r = client.get("/surveys/r/", {"code": "12345"})
    assert r.status_code == 200 and r.context["form"].errors["code"]
    r = client.get(f"/surveys/r/{token.lower()}/")
    assert r.status_code == 302 and r.url == f"/surveys/r/{token}/"


def test_unknown_and_closed_codes_are_said_plainly(world, client, open_survey):
    r = client.get("/surveys/r/AAAA-BBBB-CCCC-DDDD/")
    assert r.status_code == 404 and 'data-state="unknown_token"' in r.content.decode()
    sv.survey_close(survey=open_survey, actor=world.users["chair"])
    r = client.get(f"/surveys/r/{open_survey.slips[0].token}/")
    assert r.status_code == 200 and 'data-state="closed"' in r.content.decode()
    before = snapshot()
    client.post(f"/surveys/r/{open_survey.slips[0].token}/", {**answers(open_survey), "confirm": "1"})
    assert snapshot() == before


# --- closing and the results ------------------------------------------------------------------

def test_close_asks_first_and_then_the_results_are_read(world, login, client):
    add_units(world, "202")
    survey = make_survey(world, items=[("保洁", "=HYPERLINK(\"http://x\")"), ("保洁", "垃圾清运"), ("保安", "门岗")])
    slips = sv.survey_open(survey=survey, actor=world.users["chair"])
    for slip, value in zip(slips, ("5", "4", "x"), strict=False):
        client.post(f"/surveys/r/{slip.token}/", {**answers(survey, value), "confirm": "1"})
    assert SurveyResponse.objects.count() == 3
    c = login(world.users["chair"])
    r = c.get(f"/surveys/{survey.pk}/results/", follow=True)
    assert r.redirect_chain[-1][0] == f"/surveys/{survey.pk}/" and "物业测评" in r.content.decode()
    assert c.get(f"/surveys/{survey.pk}/close/").status_code == 200
    survey.refresh_from_db()
    assert survey.status == "open"
    r = c.post(f"/surveys/{survey.pk}/close/")
    assert r.status_code == 302
    survey.refresh_from_db()
    assert survey.status == "closed" and survey.events.filter(kind="closed", actor=world.users["chair"]).exists()
    page = c.get(f"/surveys/{survey.pk}/results/")
    assert page.status_code == 200
    r = page.context["r"]
    assert r["responses"] == 3 and r["tokens"] == 4 and str(r["items"][0]["mean"]) == "4.50"
    body = page.content.decode()
    assert 'id="survey-data"' in body and "vendor/echarts.min.js" in body and "75.0%" in body
    # The workbook: the same figures, and a text that looks like a formula stays text.
    x = c.get(f"/surveys/{survey.pk}/results.xlsx")
    assert x.status_code == 200 and x["Content-Type"].startswith("application/vnd.openxmlformats")
    book = CalamineWorkbook.from_filelike(io.BytesIO(x.content))
    assert book.sheet_names == ["概况", "分组", "测评项"]
    items = book.get_sheet_by_name("测评项").to_python()
    assert items[1][2] == "'=HYPERLINK(\"http://x\")" and items[1][3] == 4.5 and items[1][7:12] == [0, 0, 0, 1, 1]
    groups = book.get_sheet_by_name("分组").to_python()
    assert groups[1][0] == "保洁" and groups[1][2] == 4.5


def test_too_few_answers_show_no_score(world, login, client, open_survey):
    client.post(f"/surveys/r/{open_survey.slips[0].token}/", {**answers(open_survey), "confirm": "1"})
    sv.survey_close(survey=open_survey, actor=world.users["chair"])
    c = login(world.users["district"])
    page = c.get(f"/surveys/{open_survey.pk}/results/")
    assert 'data-testid="too-few"' in page.content.decode() and 'id="survey-data"' not in page.content.decode()
    r = c.get(f"/surveys/{open_survey.pk}/results.xlsx")
    assert r.status_code == 302
