"""Review (issue 4): changes only by the rules. Every POST action of the meeting and motion pages
by a wrong role changes nothing; irreversible actions (announce, hold, publish, a step that ends a
motion, a petition signature) are asked once more; each change writes its event with the actor;
a form sent twice does not record twice; the owners' committee's decisions by C6."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sanfang.meetings import services as svc
from sanfang.meetings.models import (
    AgendaItem,
    Attendance,
    CommitteeMeetingRequest,
    CommitteeMeetingRequestSigner,
    Decision,
    Invitation,
    Meeting,
    MeetingAttachment,
    MeetingEvent,
    Minutes,
    Motion,
    MotionEvent,
    MotionStep,
    PetitionSignature,
)
from sanfang.voting.models import Poll

from .conftest import committee_meeting
from .test_review_leaks import *  # noqa: F403  (the scene fixture)
from .test_review_leaks import PNG

pytestmark = pytest.mark.django_db
__all__ = ["scene", "stage"]  # noqa: F405  (the fixtures test_review_input takes)


def snapshot():
    """Everything the meeting and motion pages can change."""
    return (list(Meeting.objects.order_by("pk").values_list("pk", "status", "cancel_reason")),
            list(AgendaItem.objects.order_by("pk").values_list("pk", "text")),
            list(Invitation.objects.order_by("pk").values_list("pk")),
            list(Attendance.objects.order_by("pk").values_list("pk")),
            list(Minutes.objects.order_by("pk").values_list("pk", "text")),
            list(Decision.objects.order_by("pk").values_list("pk")),
            MeetingAttachment.objects.count(), MeetingEvent.objects.count(),
            list(Motion.objects.order_by("pk").values_list("pk", "stage", "assembly_required", "poll_id")),
            MotionStep.objects.count(), PetitionSignature.objects.count(), MotionEvent.objects.count(),
            CommitteeMeetingRequest.objects.count(), CommitteeMeetingRequestSigner.objects.count(),
            Poll.objects.count())


@pytest.fixture
def stage(world, scene, members, _frozen):
    """On top of the scene: a deliberation meeting held, with one member signed in (a line to
    strike); a members' request for a committee meeting (C6)."""
    m = committee_meeting(world, days=3)
    Meeting.objects.filter(pk=m.pk).update(kind="deliberation")  # 3 days' notice is enough for it
    m.refresh_from_db()
    svc.meeting_announce(meeting=m, actor=world.users["community"])
    _frozen.shift(timedelta(days=3))
    line = svc.attendance_sign_in(meeting=m, person=members["people"][1], actor=world.users["community"])
    svc.meeting_hold(meeting=m, actor=world.users["community"])
    m.refresh_from_db()
    request = svc.meeting_request_create(compound=world.compounds["k1"], matter="讨论停车", actor=world.users["chair"])
    return {"open": m, "line": line, "request": request}


def actions(scene, stage, world, members):
    draft, held, pet, mo = scene["draft"], stage["open"], scene["pet"], scene["mo"]
    item = held.agenda.first()
    p = members["people"]
    return [
        (f"/meetings/{draft.pk}/announce/", {"confirm": "yes"}),
        (f"/meetings/{draft.pk}/cancel/", {"reason": "不开了"}),
        (f"/meetings/{draft.pk}/agenda-add/", {"text": "新议题"}),
        (f"/meetings/{draft.pk}/agenda-remove/", {"item": draft.agenda.first().pk}),
        (f"/meetings/{draft.pk}/invite/", {"organization": world.orgs["co1"].pk}),
        (f"/meetings/{draft.pk}/uninvite/", {"invitation": draft.invitations.first().pk}),
        (f"/meetings/{held.pk}/sign-in/", {"person": p[2].pk}),
        (f"/meetings/{held.pk}/sign-in/", {"name": "路人甲"}),
        (f"/meetings/{held.pk}/strike/", {"attendance": stage["line"].pk}),
        (f"/meetings/{held.pk}/write-minutes/", {"text": "篡改的纪要"}),
        (f"/meetings/{held.pk}/decision/", {"agenda_item": item.pk, "text": "x", "votes_for": 1, "votes_against": 0,
                                            "votes_abstain": 0}),
        (f"/meetings/{held.pk}/attach/", {"files": [SimpleUploadedFile("a.png", PNG)], "public": "on"}),
        (f"/meetings/{held.pk}/publish/", {"confirm": "yes"}),
        (f"/meetings/{scene['party'].pk}/hold/", {"confirm": "yes"}),
        ("/meetings/requests/new/", {"compound": "K1", "matter": "开会"}),
        (f"/meetings/requests/{stage['request'].pk}/sign/", {}),
        (f"/meetings/motions/{mo.pk}/step/", {"stage": "tripartite", "agreed": "x", "outcome": "not_agreed",
                                              "confirm": "yes"}),
        (f"/meetings/motions/{mo.pk}/withdraw/", {"reason": "x"}),
        (f"/meetings/motions/{mo.pk}/poll/", {"title": "t", "item_1": "i", "matter_1": "covenant",
                                              "opens_at": "2026-07-01T09:00", "closes_at": "2026-07-20T09:00"}),
        (f"/meetings/motions/{pet.pk}/sign/", {"ownership": world.units["101"].ownerships.get().pk,
                                               "confirm": "yes"}),
        (f"/meetings/motions/{pet.pk}/withdraw/", {"reason": "x"}),
    ]


@pytest.mark.parametrize("who", ["company", "supervisor", "resident", "owner", "department", "outsider",
                                 "c2_worker", "k3_resident"])
def test_a_wrong_role_changes_nothing(world, scene, stage, members, client, who):
    """Each may see some of these pages (404 otherwise), none may act: a message at most."""
    client.force_login(world.users[who])
    for url, data in actions(scene, stage, world, members):
        before = snapshot()
        r = client.post(url, data)
        assert r.status_code in (200, 302, 404), (who, url, r.status_code)
        assert snapshot() == before, (who, url)


def test_the_grid_worker_collects_signatures_but_runs_no_meeting(world, scene, stage, members, login):
    c = login(world.users["grid"])
    for url, data in actions(scene, stage, world, members):
        if url.endswith("/sign/"):
            continue
        before = snapshot()
        c.post(url, data)
        assert snapshot() == before, url
    c.post(f"/meetings/motions/{scene['pet'].pk}/sign/", {"ownership": world.units["101"].ownerships.get().pk,
                                                          "confirm": "yes"})
    e = MotionEvent.objects.filter(motion=scene["pet"]).last()
    assert (e.kind, e.actor) == ("signed", world.users["grid"])


@pytest.mark.parametrize("action", ["announce", "hold"])
def test_announce_and_hold_are_asked_once_more(world, scene, members, login, _frozen, action):
    """Announcing fixes the agenda (V13) and holding ends any cancelling: a first POST shows what
    it does and changes nothing (they took effect at once before); the second, confirmed, acts
    and writes the event with its actor."""
    m = committee_meeting(world)
    chair = login(world.users["chair"])
    if action == "hold":
        svc.meeting_announce(meeting=m, actor=world.users["chair"])
        _frozen.shift(timedelta(days=8))
    before = snapshot()
    ask = chair.post(f"/meetings/{m.pk}/{action}/")
    assert ask.status_code == 200 and f'data-testid="confirm-{action}"' in ask.content.decode()
    assert snapshot() == before
    chair.post(f"/meetings/{m.pk}/{action}/", {"confirm": "yes"})
    m.refresh_from_db()
    assert m.status == {"announce": "announced", "hold": "held"}[action]
    e = MeetingEvent.objects.filter(meeting=m).last()
    assert (e.kind, e.actor, e.new_status) == ({"announce": "announced", "hold": "held"}[action],
                                               world.users["chair"], m.status)


def test_a_step_that_ends_the_motion_is_asked_once_more(world, scene, login):
    """"Not agreed" at the tripartite step rejects the motion for good: asked first, nothing
    changed; confirmed, rejected, with the step and its event by the community worker."""
    mo = scene["mo"]
    c = login(world.users["community"])
    data = {"stage": "tripartite", "agreed": "三方未达成一致", "outcome": "not_agreed"}
    before = snapshot()
    ask = c.post(f"/meetings/motions/{mo.pk}/step/", data)
    body = ask.content.decode()
    assert ask.status_code == 200 and 'data-testid="confirm-step"' in body and "三方未达成一致" in body
    assert snapshot() == before
    c.post(f"/meetings/motions/{mo.pk}/step/", data | {"confirm": "yes"})
    mo.refresh_from_db()
    assert mo.stage == "rejected"
    e = MotionEvent.objects.filter(motion=mo).last()
    assert (e.kind, e.old_stage, e.new_stage, e.actor) == ("step", "tripartite", "rejected", world.users["community"])


def test_a_step_that_moves_on_is_not_asked(world, scene, login):
    mo = scene["mo"]
    c = login(world.users["community"])
    r = c.post(f"/meetings/motions/{mo.pk}/step/", {"stage": "tripartite", "agreed": "再议", "outcome": "not_agreed",
                                                     "sent_back": "on"})
    assert r.status_code == 302
    mo.refresh_from_db()
    assert mo.stage == "party"  # sent back one step: nothing ends


def test_a_petition_signature_is_asked_once_more(world, scene, login):
    pet = scene["pet"]
    c = login(world.users["chair"])
    ownership = world.units["101"].ownerships.get()
    before = snapshot()
    ask = c.post(f"/meetings/motions/{pet.pk}/sign/", {"ownership": ownership.pk})
    assert 'data-testid="confirm-sign"' in ask.content.decode() and snapshot() == before
    c.post(f"/meetings/motions/{pet.pk}/sign/", {"ownership": ownership.pk, "confirm": "yes"})
    assert pet.signatures.filter(person=ownership.person, unit=ownership.unit).exists()
    # The same form sent again: refused as a duplicate, still one signature.
    c.post(f"/meetings/motions/{pet.pk}/sign/", {"ownership": ownership.pk, "confirm": "yes"})
    assert pet.signatures.filter(person=ownership.person).count() == 1


def test_forms_sent_twice_record_once(world, scene, stage, members, login):
    """A double click: the agenda item, the sign-in, the decision and the members' request
    signature are recorded once; the second is refused with a message."""
    draft, m = scene["draft"], stage["open"]
    chair = login(world.users["chair"])
    for _ in range(2):
        chair.post(f"/meetings/{draft.pk}/agenda-add/", {"text": "停车收费"})
    assert draft.agenda.filter(text="停车收费").count() == 1
    community = login(world.users["community"])
    item = m.agenda.first()
    for _ in range(2):
        community.post(f"/meetings/{m.pk}/sign-in/", {"person": members["people"][2].pk})
        community.post(f"/meetings/{m.pk}/decision/", {"agenda_item": item.pk, "text": "同意改造"})
    assert m.attendance.filter(person=members["people"][2]).count() == 1
    assert m.decisions.filter(text="同意改造").count() == 1
    assert MeetingEvent.objects.filter(meeting=m, kind="decision").count() == 1
    member = login(world.users["member"])
    for _ in range(2):
        member.post(f"/meetings/requests/{stage['request'].pk}/sign/")
    assert stage["request"].signers.count() == 2  # the chair who asked, and this member once


def test_c6_votes_never_exceed_the_members_present(world, members, held_committee, login):
    """3 of 5 members present (quorum): 4 votes are refused, 3 for pass (more than half of all
    5), 2 for do not; every decision names members and present."""
    m = held_committee
    c = login(world.users["chair"])
    for p in members["people"][:3]:
        c.post(f"/meetings/{m.pk}/sign-in/", {"person": p.pk})
    c.post(f"/meetings/{m.pk}/sign-in/", {"name": "列席人员"})  # not a member: no vote
    item = m.agenda.get()
    c.post(f"/meetings/{m.pk}/decision/", {"agenda_item": item.pk, "text": "四票", "votes_for": 3, "votes_against": 1,
                                           "votes_abstain": 0})
    assert not m.decisions.exists()
    c.post(f"/meetings/{m.pk}/decision/", {"agenda_item": item.pk, "text": "通过", "votes_for": 3, "votes_against": 0,
                                           "votes_abstain": 0})
    c.post(f"/meetings/{m.pk}/decision/", {"agenda_item": item.pk, "text": "未过", "votes_for": 2, "votes_against": 0,
                                           "votes_abstain": 1})
    assert list(m.decisions.order_by("pk").values_list("text", "passed", "members", "present")) == [
        ("通过", True, 5, 3), ("未过", False, 5, 3)]
    assert MeetingEvent.objects.filter(meeting=m, kind="decision").last().actor == world.users["chair"]
