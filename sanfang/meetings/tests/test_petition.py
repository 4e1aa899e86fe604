"""Owners' petitions (RULES V13): signatures counted by heads as V7 counts them, with the voting
app's roll; at 20% exactly the motion requires an extraordinary assembly by a due date, and the
party and tripartite steps can no longer hold it back."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sanfang.meetings import services as svc
from sanfang.meetings.models import MeetingPolicy, MotionEvent, PetitionSignature

from .conftest import NOW

pytestmark = pytest.mark.django_db


def petition(world, actor=None):
    return svc.motion_create(compound=world.compounds["k1"], title="罢免物业", description="服务太差",
                             origin="petition", actor=actor or world.users["community"])


def sign(mo, person, unit, actor):
    return svc.petition_sign(motion=mo, person=person, unit=unit, actor=actor)


def test_heads_by_v7(world, roll):
    mo = petition(world)
    assert svc.petition_count(mo) == {"signed": 0, "total": 10, "needed": 2, "met": False, "percent": 0}
    a, b = roll["co"]
    collector = world.users["grid"]
    sign(mo, a, world.units["102"], collector)
    sign(mo, b, world.units["102"], collector)  # co-owners: one head (V7)
    twice, u1, u2 = roll["twice"]
    sign(mo, twice, u1, collector)
    mo.refresh_from_db()
    count = svc.petition_count(mo)
    assert count["signed"] == 2 and count["met"] is True  # exactly 20% of 10 heads (V13)
    sign(mo, twice, u2, collector)  # one owner of two flats: still one head (V7)
    assert svc.petition_count(mo)["signed"] == 2


def test_just_below_twenty_percent(world, roll):
    mo = petition(world)
    a, b = roll["co"]
    sign(mo, a, world.units["102"], world.users["chair"])
    sign(mo, b, world.units["102"], world.users["chair"])
    mo.refresh_from_db()
    assert svc.petition_count(mo)["signed"] == 1  # 10% of 10 heads
    assert not mo.assembly_required and mo.stage == "party" and mo.assembly_due is None
    assert not MotionEvent.objects.filter(motion=mo, kind="assembly_required").exists()


def test_twenty_percent_forces_the_assembly(world, roll):
    MeetingPolicy.objects.create(region=world.regions["d"], petition_assembly_days=10)
    mo = petition(world)
    (p1, u1), (p2, u2) = roll["singles"][:2]
    sign(mo, p1, u1, world.users["community"])
    sign(mo, p2, u2, world.users["community"])
    mo.refresh_from_db()
    assert mo.assembly_required and mo.stage == "residents" and mo.assembly_due == NOW + timedelta(days=10)
    e = MotionEvent.objects.get(motion=mo, kind="assembly_required")
    assert (e.old_stage, e.new_stage, e.actor, e.data["signed"], e.data["total"]) == (
        "party", "residents", world.users["community"], 2, 10)


def test_default_due_is_fifteen_days(world, roll):
    mo = petition(world)
    for p, u in roll["singles"][:2]:
        sign(mo, p, u, world.users["community"])
    mo.refresh_from_db()
    assert mo.assembly_due == NOW + timedelta(days=15)


def test_forced_assembly_cannot_be_blocked(world, roll):
    mo = petition(world)
    for p, u in roll["singles"][:2]:
        sign(mo, p, u, world.users["community"])
    mo.refresh_from_db()
    # The party step is still recorded, as advisory: even "not agreed" rejects nothing.
    step = svc.motion_step_record(motion=mo, stage="party", agreed="党组织有保留意见", outcome="not_agreed",
                                  actor=world.users["community"])
    mo.refresh_from_db()
    assert step.advisory and mo.stage == "residents"
    assert MotionEvent.objects.filter(motion=mo, kind="step_advisory").count() == 1
    with pytest.raises(ValidationError, match="V13"):
        svc.motion_withdraw(motion=mo, reason="x", actor=world.users["chair"])
    # No tripartite agreement needed: the poll opens (see test_motion_poll).
    assert svc.residents_gate_open(mo)


def test_only_owners_of_the_unit_sign(world, roll):
    mo = petition(world)
    a, _b = roll["co"]
    p, u = roll["singles"][0]
    with pytest.raises(ValidationError):  # a does not own that unit
        sign(mo, a, u, world.users["community"])
    with pytest.raises(ValidationError):  # a unit of another compound
        from sanfang.places.models import Unit

        sign(mo, p, Unit.objects.exclude(compound=world.compounds["k1"]).first(), world.users["community"])
    with pytest.raises(PermissionDenied):  # a company is no collector, and not the owner
        sign(mo, p, u, world.users["company"])
    sign(mo, p, u, world.users["community"])
    with pytest.raises(ValidationError):  # once
        sign(mo, p, u, world.users["community"])
    assert PetitionSignature.objects.count() == 1


def test_an_owner_signs_for_themself(world, roll):
    from sanfang.accounts.models import Role
    from sanfang.testing import user_with_seat

    p, u = roll["singles"][0]
    owner = user_with_seat("owner", Role.RESIDENT, world.compounds["k1"])
    owner.person = p
    owner.save()
    mo = petition(world, actor=owner)  # an owner raises the petition
    assert mo.created_by == owner
    sign(mo, p, u, owner)
    other, other_unit = roll["singles"][1]
    with pytest.raises(PermissionDenied):  # not for a neighbour
        sign(mo, other, other_unit, owner)
    with pytest.raises(PermissionDenied):  # a non-owner resident cannot raise a petition
        petition(world, actor=world.users["resident"])


def test_a_sold_unit_no_longer_counts(world, roll):
    from sanfang.orgs.models import Ownership

    mo = petition(world)
    p, u = roll["singles"][0]
    sign(mo, p, u, world.users["community"])
    assert svc.petition_count(mo)["signed"] == 1
    Ownership.objects.filter(unit=u, person=p).delete()
    assert svc.petition_count(mo)["signed"] == 0


def test_only_petitions_collect_signatures(world, roll):
    mo = svc.motion_create(compound=world.compounds["k1"], title="x", description="y", origin="committee",
                           actor=world.users["chair"])
    p, u = roll["singles"][0]
    with pytest.raises(ValidationError):
        sign(mo, p, u, world.users["community"])
