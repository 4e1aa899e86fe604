"""The owners' committee under RULES C6: sign-in without proxies, quorum of more than half of the
members present, decisions by more than half of ALL current members, decisions only on the
published agenda (V13), attachments, and members asking for a meeting."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from sanfang.meetings import services as svc
from sanfang.meetings.models import Attendance, CommitteeMeetingRequest, Decision, MeetingEvent

from .conftest import committee_meeting

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


def sign_in(m, world, people):
    for p in people:
        svc.attendance_sign_in(meeting=m, person=p, actor=world.users["chair"])


def decide(m, world, yes, no=0, abstain=0):
    return svc.decision_record(meeting=m, agenda_item=m.agenda.get(), text="同意更换维保单位",
                               votes_for=yes, votes_against=no, votes_abstain=abstain, actor=world.users["chair"])


def test_members_are_the_current_voting_ones(held_committee, members):
    q = svc.committee_quorum(held_committee)
    # Five voting members; the instructor sits without a vote, the former member is gone.
    assert q["members"] == 5 and q["present"] == 0 and not q["quorum"] and q["votes_needed"] == 3
    assert members["instructor"].pk not in q["member_ids"] and members["gone"].pk not in q["member_ids"]


def test_two_of_five_present_is_no_quorum(held_committee, members, world):
    sign_in(held_committee, world, members["people"][:2])
    svc.attendance_sign_in(meeting=held_committee, person=members["instructor"], actor=world.users["chair"])
    q = svc.committee_quorum(held_committee)
    assert q["present"] == 2 and not q["quorum"]  # RULES C6: 2 of 5 is not more than half
    with pytest.raises(ValidationError, match="C6"):
        decide(held_committee, world, 2)
    assert not Decision.objects.exists()


def test_three_of_five_present_and_three_for_passes(held_committee, members, world):
    sign_in(held_committee, world, members["people"][:3])
    assert svc.committee_quorum(held_committee)["quorum"]  # RULES C6: 3 of 5 present
    d = decide(held_committee, world, 3)
    assert d.passed is True and (d.members, d.present) == (5, 3)
    e = MeetingEvent.objects.get(meeting=held_committee, kind="decision")
    assert e.actor == world.users["chair"] and e.data["passed"] is True and e.data["members"] == 5


def test_a_majority_of_those_present_is_not_enough(held_committee, members, world):
    sign_in(held_committee, world, members["people"][:3])
    d = decide(held_committee, world, 2, 1)
    assert d.passed is False  # RULES C6: 2 of 5 members, though 2 of the 3 present


def test_no_more_votes_than_members_present(held_committee, members, world):
    sign_in(held_committee, world, members["people"][:3])
    with pytest.raises(ValidationError):
        decide(held_committee, world, 3, 1)
    with pytest.raises(ValidationError):
        svc.decision_record(meeting=held_committee, agenda_item=held_committee.agenda.get(), text="x",
                            actor=world.users["chair"])  # the counts are required at a committee meeting
    assert not Decision.objects.exists()


def test_no_proxies_at_a_committee_meeting(held_committee, members, world):
    p = members["people"]
    with pytest.raises(ValidationError, match="C6"):
        svc.attendance_sign_in(meeting=held_committee, person=p[1], on_behalf_of=p[2], actor=world.users["chair"])
    assert not Attendance.objects.exists()
    svc.attendance_sign_in(meeting=held_committee, person=p[1], actor=world.users["chair"])
    with pytest.raises(ValidationError):  # once per person
        svc.attendance_sign_in(meeting=held_committee, person=p[1], actor=world.users["chair"])
    assert Attendance.objects.count() == 1
    assert MeetingEvent.objects.filter(meeting=held_committee, kind="signed_in").count() == 1


def test_a_member_signs_themself_in_on_the_day(world, members, _frozen):
    m = committee_meeting(world)
    svc.meeting_announce(meeting=m, actor=world.users["chair"])
    chair = world.users["chair"]
    with pytest.raises(ValidationError):  # not before the day
        svc.attendance_sign_in(meeting=m, person=chair.person, actor=chair)
    _frozen.shift(timedelta(days=8))
    a = svc.attendance_sign_in(meeting=m, person=chair.person, actor=chair)
    assert a.recorded_by == chair and a.signed_in_at is not None
    with pytest.raises(PermissionDenied):  # a resident cannot sign in someone else
        svc.attendance_sign_in(meeting=m, person=members["people"][1], actor=world.users["resident"])


def test_decisions_only_on_the_published_agenda(held_committee, members, world):
    sign_in(held_committee, world, members["people"][:3])
    other = committee_meeting(world, agenda=["别的议题"])
    with pytest.raises(ValidationError, match="V13"):
        svc.decision_record(meeting=held_committee, agenda_item=other.agenda.get(), text="x", votes_for=3,
                            votes_against=0, votes_abstain=0, actor=world.users["chair"])


def test_a_deliberation_meeting_records_a_decision_without_counts(world, _frozen):
    from .test_meeting_services import community_meeting

    m = community_meeting(world)
    svc.meeting_announce(meeting=m, actor=world.users["community"])
    _frozen.shift(timedelta(days=4))
    svc.meeting_hold(meeting=m, actor=world.users["community"])
    svc.attendance_sign_in(meeting=m, name="居民代表老李", organization=world.orgs["rc"],
                           actor=world.users["community"])
    d = svc.decision_record(meeting=m, agenda_item=m.agenda.get(), text="多数居民同意", actor=world.users["community"])
    assert d.passed is None and d.votes_for is None


def test_attachments_are_sniffed_and_capped(held_committee, world, settings):
    good = SimpleUploadedFile("签字决定.png", PNG, content_type="image/png")
    [a] = svc.attachment_add(meeting=held_committee, files=[good], actor=world.users["chair"])
    assert a.content_type == "image/png" and a.file.name.endswith(".png") and a.size == len(PNG)
    bad = SimpleUploadedFile("x.pdf", b"MZ" + b"0" * 40, content_type="application/pdf")
    with pytest.raises(ValidationError):
        svc.attachment_add(meeting=held_committee, files=[bad], actor=world.users["chair"])
    settings.TICKET_ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(ValidationError):
        svc.attachment_add(meeting=held_committee, files=[SimpleUploadedFile("b.png", PNG)], actor=world.users["chair"])
    assert held_committee.attachments.count() == 1
    assert MeetingEvent.objects.filter(meeting=held_committee, kind="attachment").count() == 1


# --- members asking for a meeting (C6) -------------------------------------------------------------


def _as_member(world, person, name):
    from sanfang.accounts.models import Role
    from sanfang.testing import user_with_seat

    u = user_with_seat(name, Role.COMMITTEE_MEMBER, world.orgs["oc"])
    u.person = person
    u.save()
    return u


def test_a_third_of_members_asking_sets_a_seven_day_deadline(world, members, _frozen):
    from .conftest import NOW

    req = svc.meeting_request_create(compound=world.compounds["k1"], matter="物业费上调", actor=world.users["chair"])
    assert req.due_at is None  # 1 of 5 is less than a third (RULES C6)
    second = _as_member(world, members["people"][1], "member2")
    with pytest.raises(PermissionDenied):  # the instructor has no vote
        svc.meeting_request_sign(request=req, actor=_as_member(world, members["instructor"], "instr"))
    svc.meeting_request_sign(request=req, actor=second)
    req.refresh_from_db()
    assert req.threshold_met_at == NOW and req.due_at == NOW + timedelta(days=7)  # 2 of 5 ≥ 1/3
    with pytest.raises(ValidationError):
        svc.meeting_request_sign(request=req, actor=second)
    m = committee_meeting(world, request=req)
    svc.meeting_announce(meeting=m, actor=world.users["chair"])
    req.refresh_from_db()
    assert req.met_at == NOW and not req.overdue
    kinds = list(MeetingEvent.objects.filter(request=req).values_list("kind", flat=True))
    assert kinds == ["request_created", "request_signed", "request_threshold", "request_met"]


def test_only_members_ask(world, members):
    for who in ("community", "resident", "company"):
        with pytest.raises(PermissionDenied):
            svc.meeting_request_create(compound=world.compounds["k1"], matter="x", actor=world.users[who])
    assert not CommitteeMeetingRequest.objects.exists()
