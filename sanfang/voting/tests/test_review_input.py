"""Review (issue 4): odd input to every form and query parameter of the owners' vote and survey
pages gives a page, a message or a 404 — never a server error — and changes nothing: missing
fields, wrong types, huge numbers, NUL bytes, ids that are not ids ("²" passes ``str.isdigit``),
unknown ids, another compound's rows, dates the wrong way round; and a form sent twice (a double
click, a reload) does not act twice."""

import re
from urllib.parse import unquote

import pytest
import time_machine

from sanfang.voting.models import (
    Ballot,
    PaperVisit,
    Poll,
    PollEvent,
    Proxy,
    Survey,
    SurveyEvent,
    SurveyResponse,
    SurveyToken,
)

from .test_pages_common import DURING, pdf
from .test_review_leaks import *  # noqa: F403  (the scene fixture)

pytestmark = pytest.mark.django_db
SUPERSCRIPT_TWO = "²"
HUGE = "9" * 30
CODE = re.compile(r'data-testid="slip-code">([0-9A-Z-]{19})<')


def snapshot():
    """Everything the vote and survey pages can change."""
    return (list(Poll.objects.order_by("pk").values_list("pk", "status")),
            list(Ballot.objects.order_by("pk").values_list("pk", "choices", "changed")),
            list(Proxy.objects.order_by("pk").values_list("pk", "revoked_at")), PaperVisit.objects.count(),
            PollEvent.objects.count(), list(Survey.objects.order_by("pk").values_list("pk", "status")),
            list(SurveyToken.objects.order_by("pk").values_list("token_hash", "used")),
            SurveyResponse.objects.count(), SurveyEvent.objects.count())


@pytest.mark.parametrize("query", [f"for={SUPERSCRIPT_TWO}", f"for={HUGE}", "for=-1", "for=1%00", "head=H%C2%B2",
                                   "head=<script>", f"head=H{HUGE}"])
def test_a_voter_that_is_not_one_is_a_404(world, owners, open_poll, login, query):
    """``?for=²`` was a server error (``int("²")``), and so was a ballot POSTed for a person id
    beyond the database's integers (``OverflowError``). A malformed owner or head names nobody:
    404, and never a ballot for the voter's own head instead."""
    c = login(world.users["chair"])
    with time_machine.travel(DURING, tick=False):
        assert c.get(f"/polls/{open_poll.pk}/vote/?{query}").status_code in (400, 404)  # a NUL byte: 400
        key, value = query.split("=", 1)
        data = {"item_1": "yes", "item_2": "no", "confirmed": "1", key: unquote(value)}
        assert c.post(f"/polls/{open_poll.pk}/vote/", data).status_code in (400, 404)
    assert not Ballot.objects.exists()


def test_odd_queries_and_forms_never_fail(world, scene, login):
    s = scene
    pub, draft, k3poll = s["pub"].pk, s["draft"].pk, s["k3poll"].pk
    gets = ["/polls/?page=abc", f"/polls/?page={HUGE}", "/polls/?compound=<script>&status=zzz",
            "/polls/?compound=" + "x" * 500, "/polls/new/?compound=<script>", f"/polls/{pub}/?confirm=<script>",
            f"/polls/{pub}/vote/?change=1&item_1=zzz", f"/polls/{pub}/paper/?building=<script>&page=abc",
            f"/polls/{pub}/paper/?page=-1&head=<b>&visit=<b>", f"/polls/{pub}/paper/{HUGE}/scan/",
            "/polls/proxies/?compound=K1&poll=abc", f"/polls/proxies/?compound=K1&poll={HUGE}",
            "/polls/proxies/?compound=", f"/polls/{pub}/log.json?item=abc", f"/polls/{pub}/log.json?item={HUGE}",
            f"/polls/{pub}/progress/?partial=1", "/surveys/new/?preset=zzz&compound=<script>",
            "/surveys/r/?code=zzz", "/surveys/r/" + "A" * 3000 + "/", "/surveys/r/0000-0000-0000-0000/"]
    period = {"grantor_unit": "1-1-102", "grantor_name": "王五", "holder_unit": "1-1-101", "holder_name": "王建国",
              "document": None}
    posts = [
        (f"/polls/{pub}/vote/", {"item_1": "yes", "item_2": "no", "item_9": "yes", "confirmed": "1"}),
        (f"/polls/{pub}/vote/", {"item_1": "maybe"}),
        (f"/polls/{pub}/paper/", {"form": "ballot", "paper-head": "\x00"}),
        (f"/polls/{pub}/paper/", {"form": "ballot", "paper-head": "1-1-101-1-1-1"}),
        (f"/polls/{pub}/paper/", {"form": "visit", "visit-head": "H" + HUGE, "visit-outcome": "absent"}),
        (f"/polls/{pub}/paper/", {"form": "visit", "visit-head": "1-1-101", "visit-outcome": "collected"}),
        (f"/polls/{draft}/nonsense/", {"confirmed": "1"}),
        (f"/polls/{pub}/publish/", {"confirmed": "1"}),  # published already
        ("/polls/proxies/?compound=K1", period | {"scope": "period", "valid_from": "2026-12-10",
                                                  "valid_until": "2026-12-01", "document": pdf()}),
        ("/polls/proxies/?compound=K1", period | {"scope": "poll", "poll": k3poll, "document": pdf()}),
        ("/polls/proxies/?compound=K1", period | {"scope": "poll", "poll": HUGE, "document": pdf()}),
        ("/polls/proxies/?compound=K1", {"grantor_unit": "\x00", "grantor_name": "\x00", "scope": "zzz"}),
        ("/polls/proxies/?compound=K1", period | {"scope": "period", "valid_from": "99999-12-10",
                                                  "valid_until": "2026-13-01", "document": pdf()}),
        ("/polls/proxies/?compound=K1", period | {"scope": "poll", "poll": draft}),  # no document
        ("/polls/new/?compound=K1", {"title": "x", "opens_at": "2026-13-45T99:99", "closes_at": "abc",
                                     "proxies_per_holder": HUGE}),
        ("/polls/new/?compound=K1", {"title": "x\x00", "opens_at": "2026-06-01T09:00", "closes_at": "2026-05-01T09:00",
                                     "proxies_per_holder": "5", "items-TOTAL_FORMS": "1", "items-INITIAL_FORMS": "0",
                                     "items-0-text": "a", "items-0-matter": "covenant"}),
        ("/polls/new/?compound=K1", {"title": "x", "opens_at": "2026-06-01T09:00", "closes_at": "2026-07-01T09:00",
                                     "proxies_per_holder": "5", "items-TOTAL_FORMS": HUGE, "items-INITIAL_FORMS": "0"}),
        ("/polls/new/?compound=K1", {"title": "x", "opens_at": "2026-06-01T09:00", "closes_at": "2026-07-01T09:00",
                                     "proxies_per_holder": "5", "building": "<script>", "items-TOTAL_FORMS": "1",
                                     "items-INITIAL_FORMS": "0", "items-0-text": "a", "items-0-matter": "zzz"}),
        (f"/surveys/{s['s_open'].pk}/slips/", {"units": "\x00, 1-1-101"}),
        (f"/surveys/{s['s_open'].pk}/slips/", {"units": "1-1-999"}),
        (f"/surveys/{s['s_open'].pk}/slips/", {"units": "", "seen": SUPERSCRIPT_TWO}),
        ("/surveys/new/", {"compound": "K1", "title": "t\x00", "subject_kind": "company", "scale": HUGE,
                           "items": "# a\nb"}),
        ("/surveys/new/", {"compound": "K1", "title": "t", "subject_kind": "other", "subject": "", "scale": "5",
                           "items": "# a\nb"}),
        ("/surveys/new/", {"compound": "K1", "title": "t", "subject_kind": "company", "scale": "5",
                           "items": "# " + "a" * 100 + "\nb"}),
        ("/surveys/new/", {"compound": "K3", "title": "t", "subject_kind": "company", "scale": "5", "items": "# a\nb"}),
        ("/surveys/r/0000-0000-0000-0000/", {"item_1": "5", "item_2": "5", "confirm": "1"}),
    ]
    for who in ("chair", "community", "grid", "owner_a"):
        c = login(world.users[who])
        for url in gets:
            assert c.get(url).status_code in (200, 302, 403, 404), (who, url)
        for url, data in posts:
            before = snapshot()
            r = c.post(url, {k: v for k, v in data.items() if v is not None})
            assert r.status_code in (200, 302, 403, 404), (who, url, r.status_code)
            assert snapshot() == before, (who, url, data)


def test_a_reload_of_the_new_slips_voids_nothing(world, scene, login):
    """New slips are shown in the answer to the POST. Sending that POST again (the browser's
    reload, a double click) issued new slips again and voided the ones just printed; now the
    second is refused and the printed slips keep working."""
    survey = scene["s_open"]
    c = login(world.users["chair"])
    confirm = c.get(f"/surveys/{survey.pk}/slips/").content.decode()
    seen = re.search(r'name="seen" value="(\d+)"', confirm).group(1)
    first = c.post(f"/surveys/{survey.pk}/slips/", {"units": "", "seen": seen})
    printed = CODE.findall(first.content.decode())
    assert len(printed) == 3
    tokens = list(SurveyToken.objects.filter(survey=survey).order_by("pk").values_list("token_hash", flat=True))
    again = c.post(f"/surveys/{survey.pk}/slips/", {"units": "", "seen": seen})
    assert again.status_code == 302 and not CODE.findall(again.content.decode())
    assert list(SurveyToken.objects.filter(survey=survey).order_by("pk").values_list("token_hash", flat=True)) == tokens
    assert SurveyEvent.objects.filter(survey=survey, kind="reissued").count() == 1
    r = c.get(f"/surveys/r/{printed[0]}/")
    assert r.status_code == 200 and "respond" in r.templates[0].name
    # Asked again from a fresh confirmation, new slips are issued as before.
    seen = re.search(r'name="seen" value="(\d+)"', c.get(f"/surveys/{survey.pk}/slips/").content.decode()).group(1)
    assert len(CODE.findall(c.post(f"/surveys/{survey.pk}/slips/", {"units": "", "seen": seen}).content.decode())) == 3


def test_an_authorisation_sent_twice_is_registered_once(world, owners, scene, login):
    """Two identical authorisations made revoking "the" one leave its twin in force."""
    c = login(world.users["community"])
    data = {"grantor_unit": "1-1-102", "grantor_name": "李四", "holder_unit": "1-1-101", "holder_name": "王建国",
            "scope": "poll", "poll": scene["draft"].pk}
    for _ in range(2):
        c.post("/polls/proxies/?compound=K1", data | {"document": pdf()})
    assert Proxy.objects.filter(grantor=owners["a"], revoked_at__isnull=True).count() == 1
