"""Meetings through their services: creation with the residents' committee invited, the notice
periods of V13 and C6, every transition allowed and refused (with its event row), and who may
convene."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sanfang.meetings import services as svc
from sanfang.meetings.models import Invitation, Meeting, MeetingEvent, MeetingPolicy

from .conftest import NOW, committee_meeting

pytestmark = pytest.mark.django_db


def community_meeting(world, *, kind="deliberation", days=4, actor=None, **extra):
    return svc.meeting_create(kind=kind, title="红茶议事会：加装电梯", place="社区党群服务中心",
                              scheduled_at=NOW + timedelta(days=days), convener=world.orgs["rc"],
                              community=world.regions["c1"], actor=actor or world.users["community"],
                              agenda=["加装电梯意见征集"], **extra)


def events(m):
    return list(MeetingEvent.objects.filter(meeting=m).values_list("kind", "old_status", "new_status"))


def test_residents_committee_is_invited_automatically_and_stays(world):
    m = committee_meeting(world)
    inv = m.invitations.get()
    assert inv.organization == world.orgs["rc"] and inv.automatic
    with pytest.raises(ValidationError, match="residents' committee|居委会"):
        svc.invitation_remove(invitation=inv, actor=world.users["chair"])
    assert Invitation.objects.filter(pk=inv.pk).exists()
    assert events(m) == [("created", "", "draft")]
    assert m.status == "draft" and m.community == world.regions["c1"]


def test_community_meeting_invites_its_residents_committee(world):
    m = community_meeting(world)
    assert m.compound is None and m.invitations.get().organization == world.orgs["rc"]


def test_invite_and_uninvite_an_organisation(world):
    m = committee_meeting(world)
    inv = svc.invitation_add(meeting=m, organization=world.orgs["co1"], actor=world.users["chair"])
    with pytest.raises(ValidationError):
        svc.invitation_add(meeting=m, organization=world.orgs["co1"], actor=world.users["chair"])
    with pytest.raises(ValidationError):  # K3's company has nothing to do with K1
        svc.invitation_add(meeting=m, organization=world.orgs["co2"], actor=world.users["chair"])
    svc.invitation_remove(invitation=inv, actor=world.users["chair"])
    assert [k for k, *_ in events(m)] == ["created", "invited", "uninvited"]


@pytest.mark.parametrize("who, kind, ok", [
    ("chair", "committee", True),
    ("community", "committee", False),     # the committee convenes itself (C6)
    ("chair", "assembly", True),
    ("community", "assembly", True),       # A2, C13: staff where the committee fails
    ("company", "deliberation", False),
    ("resident", "committee", False),
    ("grid", "deliberation", False),
    ("chair", "deliberation", True),       # a compound's own deliberation meeting
    ("chair", "hearing", False),
    ("community", "hearing", True),
    ("subdistrict", "joint", True),
    ("outsider", "deliberation", False),
])
def test_who_may_convene(world, who, kind, ok):
    convener = world.orgs["oc"] if kind in ("committee", "assembly", "deliberation") else world.orgs["rc"]
    call = lambda: svc.meeting_create(  # noqa: E731
        kind=kind, title="会", place="议事厅", scheduled_at=NOW + timedelta(days=20), convener=convener,
        compound=world.compounds["k1"], actor=world.users[who], agenda=["议题"])
    if ok:
        assert call().kind == kind
    else:
        with pytest.raises(PermissionDenied):
            call()
        assert not Meeting.objects.exists()


def test_a_committee_meeting_is_convened_by_the_committee_only(world):
    with pytest.raises(ValidationError, match="C6"):
        svc.meeting_create(kind="committee", title="会", place="厅", scheduled_at=NOW + timedelta(days=8),
                           convener=world.orgs["rc"], compound=world.compounds["k1"], actor=world.users["chair"])
    with pytest.raises(ValidationError):  # a committee meeting needs a compound
        svc.meeting_create(kind="committee", title="会", place="厅", scheduled_at=NOW + timedelta(days=8),
                           convener=world.orgs["oc"], community=world.regions["c1"], actor=world.users["chair"])
    with pytest.raises(ValidationError):  # only an assembly is extraordinary
        committee_meeting(world, extraordinary=True)
    with pytest.raises(ValidationError):  # not in the past
        committee_meeting(world, days=-1)
    assert not Meeting.objects.exists()


# --- notice periods at their boundary -------------------------------------------------------------


@pytest.mark.parametrize("kind, extraordinary, days", [
    ("committee", False, 7),   # RULES C6
    ("assembly", False, 15),   # RULES V13
    ("assembly", True, 7),     # RULES V13, Hangzhou extraordinary
])
def test_notice_period_boundary(world, kind, extraordinary, days):
    def make(delta):
        return svc.meeting_create(kind=kind, extraordinary=extraordinary, title="会", place="厅",
                                  scheduled_at=NOW + delta, convener=world.orgs["oc"],
                                  compound=world.compounds["k1"], actor=world.users["chair"], agenda=["议题"])

    short = make(timedelta(days=days, minutes=-1))
    with pytest.raises(ValidationError, match=str(days)):
        svc.meeting_announce(meeting=short, actor=world.users["chair"])
    short.refresh_from_db()
    assert short.status == "draft" and events(short) == [("created", "", "draft")]
    exact = make(timedelta(days=days))
    svc.meeting_announce(meeting=exact, actor=world.users["chair"])
    exact.refresh_from_db()
    assert exact.status == "announced" and exact.notice_days == days and exact.announced_at == NOW
    assert events(exact)[-1] == ("announced", "draft", "announced")


def test_nearest_policy_wins(world):
    MeetingPolicy.objects.create(region=world.regions["city"], committee_notice_days=10)
    MeetingPolicy.objects.create(region=world.regions["s1"], committee_notice_days=9)
    assert svc.policy_for(world.regions["c1"]).committee_notice_days == 9
    assert svc.policy_for(world.regions["c2"]).committee_notice_days == 10
    m = committee_meeting(world, days=8)
    with pytest.raises(ValidationError, match="9"):
        svc.meeting_announce(meeting=m, actor=world.users["chair"])
    assert svc.policy_for(world.regions["c1"]).deliberation_notice_days == 3


def test_announce_needs_an_agenda_and_then_fixes_it(world):
    m = committee_meeting(world, agenda=())
    with pytest.raises(ValidationError, match="V13"):
        svc.meeting_announce(meeting=m, actor=world.users["chair"])
    item = svc.agenda_item_add(meeting=m, text="年度预算", actor=world.users["chair"])
    svc.meeting_announce(meeting=m, actor=world.users["chair"])
    with pytest.raises(ValidationError):
        svc.agenda_item_add(meeting=m, text="临时动议", actor=world.users["chair"])
    with pytest.raises(ValidationError):
        svc.agenda_item_remove(item=item, actor=world.users["chair"])
    assert list(m.agenda.values_list("text", flat=True)) == ["年度预算"]


def test_announce_refused_without_a_residents_committee(world):
    world.orgs["rc"].region = world.regions["c2"]
    world.orgs["rc"].save()
    m = committee_meeting(world)
    assert not m.invitations.exists()
    with pytest.raises(ValidationError, match="V13"):
        svc.meeting_announce(meeting=m, actor=world.users["chair"])


# --- transitions -------------------------------------------------------------------------------


def test_the_whole_path_with_an_event_per_move(world, members, _frozen):
    m = committee_meeting(world)
    chair = world.users["chair"]
    with pytest.raises(ValidationError):  # draft → held: not in the table
        svc.meeting_hold(meeting=m, actor=chair)
    with pytest.raises(ValidationError):  # draft → minutes published
        svc.minutes_publish(meeting=m, actor=chair)
    svc.meeting_announce(meeting=m, actor=chair)
    with pytest.raises(ValidationError):  # announced → announced
        svc.meeting_announce(meeting=m, actor=chair)
    with pytest.raises(ValidationError, match="2026-05-12"):  # not before its day
        svc.meeting_hold(meeting=m, actor=chair)
    _frozen.shift(timedelta(days=8))
    svc.meeting_hold(meeting=m, actor=chair)
    with pytest.raises(ValidationError):  # held → cancelled
        svc.meeting_cancel(meeting=m, reason="x", actor=chair)
    with pytest.raises(ValidationError):  # no minutes yet
        svc.minutes_publish(meeting=m, actor=chair)
    svc.minutes_save(meeting=m, text="出席5人……", actor=chair)
    svc.minutes_publish(meeting=m, actor=chair)
    with pytest.raises(ValidationError):  # minutes published → anything
        svc.meeting_cancel(meeting=m, reason="x", actor=chair)
    m.refresh_from_db()
    assert m.status == "minutes_published"
    assert [e for e in events(m) if e[1] or e[2]] == [
        ("created", "", "draft"), ("announced", "draft", "announced"), ("held", "announced", "held"),
        ("minutes_published", "held", "minutes_published")]
    assert MeetingEvent.objects.filter(meeting=m, kind="minutes_written", actor=chair).exists()


def test_cancel_from_draft_and_announced_needs_a_reason(world):
    m = committee_meeting(world)
    with pytest.raises(ValidationError):
        svc.meeting_cancel(meeting=m, reason=" ", actor=world.users["chair"])
    svc.meeting_cancel(meeting=m, reason="时间冲突", actor=world.users["chair"])
    m.refresh_from_db()
    assert m.status == "cancelled" and m.cancel_reason == "时间冲突"
    assert events(m)[-1] == ("cancelled", "draft", "cancelled")
    with pytest.raises(ValidationError):  # cancelled → announced
        svc.meeting_announce(meeting=m, actor=world.users["chair"])
    m2 = committee_meeting(world)
    svc.meeting_announce(meeting=m2, actor=world.users["chair"])
    svc.meeting_cancel(meeting=m2, reason="改期", actor=world.users["chair"])
    assert events(m2)[-1] == ("cancelled", "announced", "cancelled")


def test_only_those_running_it_change_it(world):
    m = committee_meeting(world)
    for who in ("resident", "company", "community", "outsider"):
        with pytest.raises(PermissionDenied):
            svc.meeting_announce(meeting=m, actor=world.users[who])
    m.refresh_from_db()
    assert m.status == "draft" and len(events(m)) == 1


def test_committee_minutes_due_within_three_days_and_late_marked(held_committee, world, _frozen):
    m = held_committee
    assert m.minutes_due == m.held_at + timedelta(days=3)  # RULES C6
    svc.minutes_save(meeting=m, text="纪要", actor=world.users["chair"])
    _frozen.shift(timedelta(days=3, minutes=1))
    m.refresh_from_db()
    assert m.minutes_overdue
    svc.minutes_publish(meeting=m, actor=world.users["chair"])
    assert MeetingEvent.objects.get(meeting=m, kind="minutes_published").data == {"late": True}
