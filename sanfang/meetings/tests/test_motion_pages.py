"""The motion pages: raise from a case, by the committee, as a petition; the ladder with each
step's record and the next step's form; signatures with the progress towards 20%; opening the
owners' poll (redirect to /polls/<id>/) — as anonymous, wrong role, outsider and happy path."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sanfang.meetings import services as svc
from sanfang.meetings.models import Motion, MotionEvent
from sanfang.voting.models import Poll

from .conftest import NOW

pytestmark = pytest.mark.django_db


def local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def ticket(world):
    from sanfang.tickets import services as tsvc
    from sanfang.tickets.testing import configure

    cats = configure(world)
    return tsvc.ticket_create(compound=world.compounds["k1"], category=cats["leak"], title="需要无障碍坡道",
                              description="轮椅进出困难", channel="app", actor=world.users["resident"],
                              raised_by=world.users["resident"])


def raise_motion(world, **extra):
    return svc.motion_create(**{"compound": world.compounds["k1"], "title": "加装坡道", "description": "出行不便",
                                "origin": "committee", "actor": world.users["chair"], **extra})


def test_anonymous_is_sent_to_log_in(world, client):
    mo = raise_motion(world)
    for url in ("/meetings/motions/", "/meetings/motions/new/", f"/meetings/motions/{mo.pk}/"):
        r = client.get(url)
        assert r.status_code == 302 and "/accounts/login/" in r.url
    r = client.post(f"/meetings/motions/{mo.pk}/step/", {"stage": "party", "agreed": "x", "outcome": "agreed"})
    assert r.status_code == 302 and Motion.objects.get().stage == "party"


def test_raise_a_motion_from_a_case(world, ticket, login):
    c = login(world.users["community"])
    page = c.get(f"/meetings/motions/new/?ticket={ticket.reference}")
    body = page.content.decode()
    assert page.status_code == 200 and "需要无障碍坡道" in body and "from-ticket" in body
    r = c.post(f"/meetings/motions/new/?ticket={ticket.reference}",
               {"compound": "K1", "title": "需要无障碍坡道", "description": "轮椅进出困难", "matter": ""})
    mo = Motion.objects.get()
    assert r.status_code == 302 and r.url == f"/meetings/motions/{mo.pk}/"
    assert (mo.origin, mo.ticket, mo.stage, mo.created_by) == ("ticket", ticket, "party", world.users["community"])
    assert MotionEvent.objects.get(motion=mo).kind == "created"
    assert ticket.reference in c.get(r.url).content.decode()


def test_a_case_outside_scope_or_a_wrong_role(world, ticket, login):
    assert login(world.users["outsider"]).get(f"/meetings/motions/new/?ticket={ticket.reference}").status_code == 404
    # The resident who raised the case sees it, but does not raise motions.
    assert login(world.users["resident"]).get(f"/meetings/motions/new/?ticket={ticket.reference}").status_code == 404
    assert login(world.users["company"]).get("/meetings/motions/new/").status_code == 404
    assert login(world.users["community"]).get("/meetings/motions/new/?ticket=NOSUCHCASE").status_code == 404
    assert not Motion.objects.exists()


def test_outsider_does_not_see_a_motion(world, login):
    mo = raise_motion(world)
    assert login(world.users["outsider"]).get(f"/meetings/motions/{mo.pk}/").status_code == 404
    assert login(world.users["outsider"]).post(f"/meetings/motions/{mo.pk}/withdraw/",
                                               {"reason": "x"}).status_code == 404
    r = login(world.users["resident"]).get(f"/meetings/motions/{mo.pk}/")
    assert r.status_code == 200 and "step-form" not in r.content.decode()


def test_the_steps_through_the_page(world, login):
    mo = raise_motion(world)
    c = login(world.users["community"])
    page = c.get(f"/meetings/motions/{mo.pk}/").content.decode()
    assert 'data-state="here"' in page and "step-form" in page
    # Out of order: a tripartite step now is refused with a message, nothing recorded.
    r = c.post(f"/meetings/motions/{mo.pk}/step/", {"stage": "tripartite", "agreed": "x", "outcome": "agreed"},
               follow=True)
    assert r.status_code == 200 and not mo.steps.exists()
    c.post(f"/meetings/motions/{mo.pk}/step/", {"stage": "party", "agreed": "社区党委同意推进", "outcome": "agreed",
                                                "people": [world.users["chair"].person.pk]})
    mo.refresh_from_db()
    assert mo.stage == "tripartite"
    e = MotionEvent.objects.filter(motion=mo).last()
    assert (e.kind, e.old_stage, e.new_stage, e.actor) == ("step", "party", "tripartite", world.users["community"])
    # Without the company, the tripartite agreement is refused.
    c.post(f"/meetings/motions/{mo.pk}/step/", {"stage": "tripartite", "agreed": "方案", "outcome": "agreed",
                                                "organizations": [world.orgs["oc"].pk, world.orgs["rc"].pk]})
    mo.refresh_from_db()
    assert mo.stage == "tripartite"
    c.post(f"/meetings/motions/{mo.pk}/step/", {"stage": "tripartite", "agreed": "方案", "outcome": "agreed",
                                                "organizations": [world.orgs["oc"].pk, world.orgs["co1"].pk,
                                                                  world.orgs["rc"].pk]})
    mo.refresh_from_db()
    assert mo.stage == "residents"
    body = c.get(f"/meetings/motions/{mo.pk}/").content.decode()
    assert body.count('data-state="done"') == 2 and "方案" in body


def test_the_company_may_not_record_a_step(world, login):
    mo = raise_motion(world)
    c = login(world.users["company"])
    assert "step-form" not in c.get(f"/meetings/motions/{mo.pk}/").content.decode()
    c.post(f"/meetings/motions/{mo.pk}/step/", {"stage": "party", "agreed": "x", "outcome": "agreed"})
    mo.refresh_from_db()
    assert mo.stage == "party" and not mo.steps.exists()


def test_open_the_poll_and_land_on_it(world, login):
    mo = raise_motion(world, matter="use_maintenance_fund")
    svc.motion_step_record(motion=mo, stage="party", agreed="同意", outcome="agreed", actor=world.users["community"])
    svc.motion_step_record(motion=mo, stage="tripartite", agreed="同意", outcome="agreed",
                           organizations=[world.orgs["oc"], world.orgs["co1"], world.orgs["rc"]],
                           actor=world.users["community"])
    c = login(world.users["chair"])
    page = c.get(f"/meetings/motions/{mo.pk}/").content.decode()
    assert "poll-form" in page and "step-form" not in page  # an art. 278 matter goes to a poll
    opens = NOW + timedelta(days=16)
    r = c.post(f"/meetings/motions/{mo.pk}/poll/", {
        "title": "坡道表决", "item_1": "使用维修资金建坡道", "matter_1": "use_maintenance_fund", "item_2": "",
        "matter_2": "use_maintenance_fund", "item_3": "", "matter_3": "use_maintenance_fund",
        "opens_at": local(opens), "closes_at": local(opens + timedelta(days=10)), "building": ""})
    poll = Poll.objects.get()
    mo.refresh_from_db()
    assert r.status_code == 302 and r.url == f"/polls/{poll.pk}/"
    assert mo.poll == poll and list(poll.items.values_list("text", flat=True)) == ["使用维修资金建坡道"]
    assert MotionEvent.objects.filter(motion=mo, kind="poll_opened", actor=world.users["chair"]).exists()


def test_a_bad_poll_window_is_a_message(world, login):
    mo = raise_motion(world, matter="use_maintenance_fund")
    svc.motion_step_record(motion=mo, stage="party", agreed="同意", outcome="agreed", actor=world.users["community"])
    svc.motion_step_record(motion=mo, stage="tripartite", agreed="同意", outcome="agreed",
                           organizations=[world.orgs["oc"], world.orgs["co1"], world.orgs["rc"]],
                           actor=world.users["community"])
    opens = NOW + timedelta(days=16)
    r = login(world.users["chair"]).post(f"/meetings/motions/{mo.pk}/poll/", {
        "title": "t", "item_1": "i", "matter_1": "use_maintenance_fund", "opens_at": local(opens),
        "closes_at": local(opens + timedelta(days=1))})
    assert r.status_code == 302 and r.url == f"/meetings/motions/{mo.pk}/" and not Poll.objects.exists()


def test_petition_by_an_owner_with_the_progress_bar(world, roll, login):
    from sanfang.accounts.models import Role
    from sanfang.testing import user_with_seat

    (p1, u1), (p2, u2) = roll["singles"][:2]
    owner = user_with_seat("owner1", Role.RESIDENT, world.compounds["k1"])
    owner.person = p1
    owner.save()
    c = login(owner)
    assert "new-petition" in c.get("/meetings/motions/").content.decode()
    assert c.get("/meetings/motions/new/").status_code == 404  # an owner petitions, but raises no motion
    r = c.post("/meetings/motions/new/?origin=petition", {"compound": "K1", "title": "召开临时业主大会",
                                                          "description": "改选业委会", "matter": "elect_committee"})
    mo = Motion.objects.get()
    assert r.status_code == 302 and mo.origin == "petition" and mo.created_by == owner
    page = c.get(f"/meetings/motions/{mo.pk}/").content.decode()
    assert "sign-form" in page and 'data-testid="petition-count"' in page and "petition-met" not in page
    ownership = p1.ownerships.get()
    ask = c.post(f"/meetings/motions/{mo.pk}/sign/", {"ownership": ownership.pk})
    assert "confirm-sign" in ask.content.decode() and mo.signatures.count() == 0  # cannot be withdrawn: asked
    c.post(f"/meetings/motions/{mo.pk}/sign/", {"ownership": ownership.pk, "confirm": "yes"})
    assert mo.signatures.count() == 1
    # An owner cannot pick a neighbour's unit: it is not among their choices.
    c.post(f"/meetings/motions/{mo.pk}/sign/", {"ownership": p2.ownerships.get().pk, "confirm": "yes"})
    assert mo.signatures.count() == 1
    # The grid worker collects the second signature door to door: 2 of 10 heads is 20% (V13).
    login(world.users["grid"]).post(f"/meetings/motions/{mo.pk}/sign/", {"ownership": p2.ownerships.get().pk,
                                                                         "confirm": "yes"})
    mo.refresh_from_db()
    assert mo.assembly_required and mo.stage == "residents"
    body = login(world.users["community"]).get(f"/meetings/motions/{mo.pk}/").content.decode()
    assert "petition-met" in body and "assembly-required" in body and "poll-form" in body


def test_withdraw_through_the_page(world, login):
    mo = raise_motion(world)
    login(world.users["resident"]).post(f"/meetings/motions/{mo.pk}/withdraw/", {"reason": "x"})
    mo.refresh_from_db()
    assert mo.stage == "party"
    login(world.users["chair"]).post(f"/meetings/motions/{mo.pk}/withdraw/", {"reason": "已解决"})
    mo.refresh_from_db()
    assert mo.stage == "withdrawn"
    assert MotionEvent.objects.filter(motion=mo).last().actor == world.users["chair"]


def test_unknown_action_is_404(world, login):
    mo = raise_motion(world)
    assert login(world.users["chair"]).post(f"/meetings/motions/{mo.pk}/explode/").status_code == 404


def test_the_case_page_offers_raising_a_motion_only_to_those_who_may(world, ticket, login):
    for who, offered in (("community", True), ("chair", True), ("company", False), ("resident", False)):
        page = login(world.users[who]).get(f"/tickets/{ticket.reference}/")
        assert page.status_code == 200, who
        body = page.content.decode()
        assert ('data-testid="raise-motion"' in body) is offered, who
        if offered:
            assert f"/meetings/motions/new/?ticket={ticket.reference}" in body
