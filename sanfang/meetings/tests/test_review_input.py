"""Review (issue 4): odd input to every form and query parameter of the meeting and motion pages
gives a page or a message, never a server error, and changes nothing: missing fields, wrong
types, huge numbers, NUL bytes, ids that are not ids ("²" passes ``str.isdigit``), unknown ids,
ids of another compound, dates the wrong way round."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sanfang.orgs.models import Ownership

from .test_review_rules import *  # noqa: F403  (the scene and stage fixtures)
from .test_review_rules import snapshot

pytestmark = pytest.mark.django_db
SUPERSCRIPT_TWO = "²"  # "²".isdigit() is True, int("²") raises
HUGE = "9" * 30


@pytest.mark.parametrize("action,field", [("agenda-remove", "item"), ("uninvite", "invitation"),
                                          ("strike", "attendance"), ("decision-remove", "decision")])
@pytest.mark.parametrize("value", [SUPERSCRIPT_TWO, HUGE, "-1", "abc", "", "1\x00"])
def test_a_row_that_is_not_a_row_is_a_message(world, scene, stage, login, action, field, value):
    """It was a server error for "²" (``Field 'id' expected a number``)."""
    m = scene["draft"] if action in ("agenda-remove", "uninvite") else stage["open"]
    c = login(world.users["chair"] if m.kind == "committee" else world.users["community"])
    before = snapshot()
    r = c.post(f"/meetings/{m.pk}/{action}/", {field: value})
    assert r.status_code == 302 and snapshot() == before


@pytest.mark.parametrize("value", ["abc", SUPERSCRIPT_TWO, HUGE, "-3"])
def test_a_members_request_that_is_not_one(world, scene, login, value):
    """``?request=`` names the members' request a new committee meeting answers (C6); a bad one
    answers none (it was a server error when posting the form)."""
    c = login(world.users["chair"])
    when = timezone.localtime(timezone.now() + timedelta(days=9)).strftime("%Y-%m-%dT%H:%M")
    assert c.get(f"/meetings/new/?compound=K1&request={value}").status_code == 200
    r = c.post(f"/meetings/new/?compound=K1&request={value}", {
        "kind": "committee", "title": "例会", "place": "议事厅", "convener": world.orgs["oc"].pk,
        "scheduled_at": when, "agenda": "议题"})
    assert r.status_code == 302
    assert world.orgs["oc"].convened_meetings.order_by("-pk").first().request is None


def test_odd_queries_and_forms_never_fail(world, scene, stage, members, login):
    draft, m, mo, pet = scene["draft"], stage["open"], scene["mo"], scene["pet"]
    k3_ownership = Ownership.objects.get(compound__code="K3")
    other_item = scene["held"].agenda.first()
    gets = ["/meetings/?page=abc&kind=<script>&compound=<script>&upcoming=1", f"/meetings/?page={HUGE}",
            "/meetings/new/?compound=<script>", "/meetings/new/?community=zzz", "/meetings/new/?compound=&community=",
            "/meetings/motions/?page=-1&compound=<b>&open=1", "/meetings/motions/new/?ticket=<script>",
            f"/meetings/motions/new/?ticket={SUPERSCRIPT_TWO}", "/meetings/motions/new/?origin=<script>"]
    posts = [
        ("/meetings/new/?compound=K1", {"kind": "zzz", "title": "", "place": "p", "convener": "abc",
                                        "scheduled_at": "2026-99-99T99:99"}),
        ("/meetings/new/?compound=K1", {"kind": "committee", "title": "t", "place": "p",
                                        "convener": world.orgs["co2"].pk, "scheduled_at": "2026-06-01T10:00"}),
        ("/meetings/new/?compound=K1", {"kind": "committee", "title": "t\x00", "place": "p",
                                        "convener": world.orgs["oc"].pk, "scheduled_at": "9999-12-31T23:59",
                                        "agenda": "a\n" * 40}),
        ("/meetings/new/?compound=K1", {"kind": "deliberation", "extraordinary": "on", "title": "t", "place": "p",
                                        "convener": world.orgs["oc"].pk, "scheduled_at": "2020-01-01T10:00"}),
        (f"/meetings/{draft.pk}/invite/", {"organization": "abc", "person": HUGE}),
        (f"/meetings/{draft.pk}/invite/", {"organization": world.orgs["co2"].pk}),  # serves another compound
        (f"/meetings/{draft.pk}/invite/", {}),
        (f"/meetings/{draft.pk}/agenda-add/", {"text": "x" * 301}),
        (f"/meetings/{m.pk}/sign-in/", {"person": k3_ownership.person_id}),
        (f"/meetings/{m.pk}/sign-in/", {"name": "\x00"}),
        (f"/meetings/{m.pk}/sign-in/", {"name": "外人", "organization": "abc"}),
        (f"/meetings/{m.pk}/sign-in/", {}),
        (f"/meetings/{m.pk}/decision/", {"agenda_item": other_item.pk, "text": "x"}),  # another meeting's item
        (f"/meetings/{m.pk}/decision/", {"agenda_item": m.agenda.first().pk, "text": "x", "votes_for": HUGE,
                                         "votes_against": "-1", "votes_abstain": "abc"}),
        (f"/meetings/{m.pk}/decision/", {"agenda_item": m.agenda.first().pk, "text": "x", "votes_for": "2"}),
        (f"/meetings/{m.pk}/attach/", {}),
        (f"/meetings/{m.pk}/write-minutes/", {"text": "x\x00y"}),
        (f"/meetings/{m.pk}/cancel/", {"reason": ""}),
        ("/meetings/requests/new/", {"compound": "K1", "matter": "x\x00"}),
        ("/meetings/requests/new/", {"compound": "K1"}),
        (f"/meetings/requests/{HUGE}/sign/", {}),
        ("/meetings/motions/new/", {"compound": "K3", "title": "t", "description": "d"}),
        ("/meetings/motions/new/", {"compound": "K1", "title": "t", "description": "d", "matter": "zzz"}),
        (f"/meetings/motions/{mo.pk}/step/", {"stage": "zzz", "agreed": "x", "outcome": "agreed"}),
        (f"/meetings/motions/{mo.pk}/step/", {"stage": "tripartite", "agreed": "x", "outcome": "agreed",
                                              "meeting": "abc", "organizations": ["abc", HUGE],
                                              "people": [SUPERSCRIPT_TWO]}),
        (f"/meetings/motions/{mo.pk}/step/", {"stage": "tripartite", "agreed": "x", "outcome": "zzz"}),
        (f"/meetings/motions/{mo.pk}/step/", {"stage": "tripartite", "agreed": "x", "outcome": "agreed",
                                              "meeting": scene["k3m"].pk}),  # another compound's meeting
        (f"/meetings/motions/{pet.pk}/sign/", {"ownership": "abc"}),
        (f"/meetings/motions/{pet.pk}/sign/", {"ownership": k3_ownership.pk, "confirm": "yes"}),
        (f"/meetings/motions/{mo.pk}/poll/", {"title": "t", "item_1": "i", "matter_1": "zzz", "opens_at": "b",
                                              "closes_at": "a"}),
        (f"/meetings/motions/{mo.pk}/poll/", {"title": "t", "item_1": "i", "matter_1": "covenant",
                                              "opens_at": "2026-08-01T09:00", "closes_at": "2026-07-01T09:00"}),
        (f"/meetings/motions/{mo.pk}/withdraw/", {}),
    ]
    for who in ("chair", "community", "grid"):
        c = login(world.users[who])
        for url in gets:
            assert c.get(url).status_code in (200, 404), (who, url)
        for url, data in posts:
            before = snapshot()
            r = c.post(url, data)
            assert r.status_code in (200, 302, 404), (who, url, r.status_code)
            assert snapshot() == before, (who, url, data)


def test_the_filter_is_kept_whole_in_the_list_links(world, scene, login):
    """A filter value with "&" in it was written into the links as it is, so the next page read
    another filter (and a "page" of the user's choosing)."""
    c = login(world.users["district"])
    for url in ("/meetings/?compound=K1%26page%3D9&kind=a%26b", "/meetings/motions/?compound=K1%26page%3D9"):
        body = c.get(url).content.decode()
        assert "compound=K1%26page%3D9" in body and "compound=K1&amp;page=9" not in body, url


def test_a_motion_sent_twice_is_raised_once(world, scene, login):
    """A petition raised twice would split its owners' signatures between the two."""
    from sanfang.meetings.models import Motion

    c = login(world.users["owner"])
    data = {"compound": "K1", "title": "召开临时业主大会", "description": "改选业委会", "matter": ""}
    for _ in range(2):
        c.post("/meetings/motions/new/?origin=petition", data)
    assert Motion.objects.filter(title="召开临时业主大会").count() == 1
    c.post("/meetings/motions/new/?origin=petition", data | {"title": "另一件事"})
    assert Motion.objects.filter(title="另一件事").count() == 1
