"""Motions through the three steps (三议): each step a record with who took part, what was agreed
and the gate to the next; refused out of order; from a case, from the committee; sent back,
rejected, withdrawn."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sanfang.meetings import services as svc
from sanfang.meetings.models import Motion, MotionEvent, MotionStep

from .conftest import NOW

pytestmark = pytest.mark.django_db


def motion(world, **extra):
    fields = {"compound": world.compounds["k1"], "title": "加装无障碍坡道", "description": "残疾人出行不便",
              "origin": "committee", "actor": world.users["chair"], **extra}
    return svc.motion_create(**fields)


def stages(mo):
    return list(MotionEvent.objects.filter(motion=mo).values_list("kind", "old_stage", "new_stage"))


def three(world):
    return [world.orgs["oc"], world.orgs["co1"], world.orgs["rc"]]


def party(mo, world, outcome="agreed", **extra):
    return svc.motion_step_record(motion=mo, stage="party", agreed="同意推进坡道改造", outcome=outcome,
                                  actor=world.users["community"], **extra)


def tripartite(mo, world, orgs=None, outcome="agreed", **extra):
    return svc.motion_step_record(motion=mo, stage="tripartite", agreed="业委会入户征求意见，物业保障施工",
                                  outcome=outcome, organizations=three(world) if orgs is None else orgs,
                                  actor=world.users["community"], **extra)


def held_meeting(world, _frozen, *, days=4):
    from .test_meeting_services import community_meeting

    m = community_meeting(world, days=days)
    svc.meeting_announce(meeting=m, actor=world.users["community"])
    _frozen.shift(timedelta(days=days))
    svc.meeting_hold(meeting=m, actor=world.users["community"])
    m.refresh_from_db()
    return m


def test_from_a_case(world):
    from sanfang.tickets import services as tsvc
    from sanfang.tickets.testing import configure

    cats = configure(world)
    t = tsvc.ticket_create(compound=world.compounds["k1"], category=cats["leak"], title="坡道", description="没有坡道",
                           channel="app", actor=world.users["resident"], raised_by=world.users["resident"])
    mo = motion(world, origin="ticket", ticket=t)
    assert mo.ticket == t and mo.stage == "party" and t.motions.get() == mo
    e = MotionEvent.objects.get(motion=mo)
    assert (e.kind, e.new_stage, e.actor, e.data["ticket"]) == ("created", "party", world.users["chair"], t.reference)
    with pytest.raises(ValidationError):  # a case of another compound
        motion(world, origin="ticket", ticket=t, compound=world.compounds["k2"],
               actor=world.users["community"])
    with pytest.raises(ValidationError):  # from a case, without the case
        motion(world, origin="ticket")


def test_who_raises_a_motion(world):
    for who in ("resident", "company", "grid", "outsider"):
        with pytest.raises(PermissionDenied):
            motion(world, actor=world.users[who])
    assert motion(world, actor=world.users["community"]).created_by == world.users["community"]
    with pytest.raises(ValidationError):
        motion(world, matter="not-a-matter")


def test_the_three_steps_in_order(world, _frozen):
    mo = motion(world)
    m = held_meeting(world, _frozen)
    with pytest.raises(ValidationError, match="party|党组织"):  # tripartite before the party step
        tripartite(mo, world)
    with pytest.raises(ValidationError):  # residents before anything
        svc.motion_step_record(motion=mo, stage="residents", agreed="x", outcome="agreed", meeting=m,
                               actor=world.users["community"])
    assert not MotionStep.objects.exists()
    step = party(mo, world, people=[world.users["chair"].person])
    mo.refresh_from_db()
    assert mo.stage == "tripartite" and list(step.people.all()) == [world.users["chair"].person]
    tripartite(mo, world, meeting=m)
    mo.refresh_from_db()
    assert mo.stage == "residents" and svc.tripartite_agreed(mo)
    svc.motion_step_record(motion=mo, stage="residents", agreed="居民议事会表决通过", outcome="agreed", meeting=m,
                           actor=world.users["chair"])
    mo.refresh_from_db()
    assert mo.stage == "decided" and mo.passed is True and mo.decided_at is not None
    assert stages(mo) == [("created", "", "party"), ("step", "party", "tripartite"),
                          ("step", "tripartite", "residents"), ("step", "residents", "decided")]
    with pytest.raises(ValidationError):  # decided: nothing more
        party(mo, world)


def test_tripartite_needs_all_three_parties(world):
    mo = motion(world)
    party(mo, world)
    for missing in range(3):
        orgs = [o for i, o in enumerate(three(world)) if i != missing]
        with pytest.raises(ValidationError) as exc:
            tripartite(mo, world, orgs=orgs)
        assert "organizations" in exc.value.message_dict
    mo.refresh_from_db()
    assert mo.stage == "tripartite" and not mo.steps.filter(stage="tripartite").exists()
    # Not agreed may be recorded with whoever came; it does not open the gate.
    tripartite(mo, world, orgs=[world.orgs["oc"]], outcome="not_agreed", sent_back=True)
    mo.refresh_from_db()
    assert mo.stage == "party" and stages(mo)[-1] == ("step", "tripartite", "party")


def test_a_compound_agrees_with_the_parties_it_has(world):
    k2 = world.compounds["k2"]  # its contract ended in 2020
    mo = motion(world, compound=k2, actor=world.users["community"])
    party(mo, world)
    tripartite(mo, world, orgs=[world.orgs["rc"]])  # K2 has no committee and no company either
    mo.refresh_from_db()
    assert mo.stage == "residents"


def test_the_party_step_is_for_party_members_and_staff(world):
    from sanfang.accounts.models import Role
    from sanfang.orgs.models import Membership
    from sanfang.testing import person, user_with_seat

    mo = motion(world)
    plain = user_with_seat("plain-member", Role.COMMITTEE_MEMBER, world.orgs["oc"])
    plain.person = person("普通委员")
    plain.save()
    Membership.objects.create(organization=world.orgs["oc"], person=plain.person, position="member")
    for user in (plain, world.users["company"], world.users["resident"], world.users["grid"]):
        with pytest.raises(PermissionDenied):
            svc.motion_step_record(motion=mo, stage="party", agreed="x", outcome="agreed", actor=user)
    # The chair is a party member (the committee's own branch).
    svc.motion_step_record(motion=mo, stage="party", agreed="同意", outcome="agreed", actor=world.users["chair"])
    mo.refresh_from_db()
    assert mo.stage == "tripartite"


def test_not_agreed_rejects_or_sends_back(world):
    mo = motion(world)
    party(mo, world, outcome="not_agreed", sent_back=True)
    mo.refresh_from_db()
    assert mo.stage == "party"  # to be discussed again
    party(mo, world, outcome="not_agreed")
    mo.refresh_from_db()
    assert mo.stage == "rejected" and stages(mo)[-1] == ("step", "party", "rejected")


def test_residents_meeting_not_agreed_decides_it_not_passed(world, _frozen):
    mo = motion(world)
    party(mo, world)
    tripartite(mo, world)
    m = held_meeting(world, _frozen)
    svc.motion_step_record(motion=mo, stage="residents", agreed="多数反对", outcome="not_agreed", meeting=m,
                           actor=world.users["community"])
    mo.refresh_from_db()
    assert mo.stage == "decided" and mo.passed is False


def test_residents_step_needs_a_held_meeting_of_the_compound(world):
    from .test_meeting_services import community_meeting

    mo = motion(world)
    party(mo, world)
    tripartite(mo, world)
    draft = community_meeting(world)
    with pytest.raises(ValidationError):
        svc.motion_step_record(motion=mo, stage="residents", agreed="x", outcome="agreed", meeting=draft,
                               actor=world.users["community"])
    with pytest.raises(ValidationError):
        svc.motion_step_record(motion=mo, stage="residents", agreed="x", outcome="agreed",
                               actor=world.users["community"])
    mo.refresh_from_db()
    assert mo.stage == "residents"


def test_an_art_278_matter_goes_to_a_poll(world, _frozen):
    mo = motion(world, matter="use_maintenance_fund")
    party(mo, world)
    tripartite(mo, world)
    m = held_meeting(world, _frozen)
    with pytest.raises(ValidationError, match="278"):
        svc.motion_step_record(motion=mo, stage="residents", agreed="x", outcome="agreed", meeting=m,
                               actor=world.users["community"])


def test_withdraw(world):
    mo = motion(world)
    with pytest.raises(PermissionDenied):
        svc.motion_withdraw(motion=mo, reason="x", actor=world.users["resident"])
    with pytest.raises(ValidationError):
        svc.motion_withdraw(motion=mo, reason="", actor=world.users["chair"])
    svc.motion_withdraw(motion=mo, reason="已自行解决", actor=world.users["chair"])
    mo.refresh_from_db()
    assert mo.stage == "withdrawn" and stages(mo)[-1] == ("withdrawn", "party", "withdrawn")
    with pytest.raises(ValidationError):
        svc.motion_withdraw(motion=mo, reason="again", actor=world.users["chair"])
    assert Motion.objects.get().created_at == NOW
