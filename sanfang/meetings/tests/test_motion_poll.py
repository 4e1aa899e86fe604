"""The residents' step as an owners' decision: ``motion_open_poll`` creates the poll through the
voting services, and ``motion_settle_from_poll`` decides the motion once the result is
published."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sanfang.meetings import services as svc
from sanfang.meetings.models import MotionEvent, MotionStep
from sanfang.voting import services as voting
from sanfang.voting.models import Poll

from .conftest import NOW

pytestmark = pytest.mark.django_db
OPENS = NOW + timedelta(days=16)
CLOSES = OPENS + timedelta(days=10)
ITEMS = [("使用维修资金加装无障碍坡道", "use_maintenance_fund"), ("坡道改造方案", "rebuild_or_alter")]


def at_residents(world, matter="use_maintenance_fund"):
    mo = svc.motion_create(compound=world.compounds["k1"], title="加装无障碍坡道", description="渐冻症业主出行",
                           origin="committee", matter=matter, actor=world.users["chair"])
    svc.motion_step_record(motion=mo, stage="party", agreed="社区党委研判同意", outcome="agreed",
                           actor=world.users["community"])
    svc.motion_step_record(motion=mo, stage="tripartite", agreed="方案五易其稿", outcome="agreed",
                           organizations=[world.orgs["oc"], world.orgs["co1"], world.orgs["rc"]],
                           actor=world.users["community"])
    mo.refresh_from_db()
    return mo


def open_poll(mo, world, actor=None):
    return svc.motion_open_poll(motion=mo, title="坡道改造业主表决", items=ITEMS, opens_at=OPENS, closes_at=CLOSES,
                                actor=actor or world.users["chair"])


def test_open_a_poll_with_the_items(world):
    mo = at_residents(world)
    poll = open_poll(mo, world)
    mo.refresh_from_db()
    assert mo.poll == poll and poll.status == "draft" and poll.compound == world.compounds["k1"]
    assert list(poll.items.values_list("order", "text", "matter")) == [(1, *ITEMS[0]), (2, *ITEMS[1])]
    e = MotionEvent.objects.get(motion=mo, kind="poll_opened")
    assert e.actor == world.users["chair"] and e.data == {"poll": poll.pk, "items": 2}
    with pytest.raises(ValidationError):  # one poll per motion
        open_poll(mo, world)
    assert Poll.objects.count() == 1


def test_no_poll_before_the_residents_step(world):
    mo = svc.motion_create(compound=world.compounds["k1"], title="x", description="y", origin="committee",
                           actor=world.users["chair"])
    with pytest.raises(ValidationError):
        open_poll(mo, world)
    svc.motion_step_record(motion=mo, stage="party", agreed="同意", outcome="agreed", actor=world.users["community"])
    with pytest.raises(ValidationError):
        open_poll(mo, world)
    assert not Poll.objects.exists()


def test_who_opens_the_poll(world):
    mo = at_residents(world)
    for who in ("company", "resident", "grid"):
        with pytest.raises(PermissionDenied):
            open_poll(mo, world, actor=world.users[who])
    with pytest.raises(ValidationError):  # the voting window is checked by the voting services
        svc.motion_open_poll(motion=mo, title="t", items=ITEMS, opens_at=OPENS, closes_at=OPENS + timedelta(days=1),
                             actor=world.users["chair"])
    with pytest.raises(ValidationError):  # and so are the items
        svc.motion_open_poll(motion=mo, title="t", items=[], opens_at=OPENS, closes_at=CLOSES,
                             actor=world.users["chair"])
    mo.refresh_from_db()
    assert mo.poll is None and not Poll.objects.exists()


def test_a_forced_assembly_opens_its_poll_without_the_tripartite_step(world, roll):
    mo = svc.motion_create(compound=world.compounds["k1"], title="罢免物业", description="服务太差",
                           origin="petition", actor=world.users["community"])
    for p, u in roll["singles"][:2]:
        svc.petition_sign(motion=mo, person=p, unit=u, actor=world.users["community"])
    mo.refresh_from_db()
    poll = svc.motion_open_poll(motion=mo, title="解聘物业", items=[("解聘物业服务企业", "hire_or_dismiss_company")],
                                opens_at=OPENS, closes_at=CLOSES, actor=world.users["community"])
    mo.refresh_from_db()
    assert mo.poll == poll and not mo.assembly_overdue
    # An extraordinary assembly: the region's 7 days' notice (V13, HZ) instead of 15.
    assert poll.notice_days == 7
    voting.poll_announce(poll=poll, actor=world.users["community"], now=OPENS - timedelta(days=7))
    assert Poll.objects.get(pk=poll.pk).status == "announced"


def test_an_ordinary_motions_poll_has_the_assembly_notice_of_its_region(world):
    from sanfang.meetings.models import MeetingPolicy

    MeetingPolicy.objects.create(region=world.regions["city"], assembly_notice_days=20)
    poll = open_poll(at_residents(world), world)
    assert poll.notice_days == 20
    with pytest.raises(ValidationError) as err:  # 16 days ahead is not enough there
        voting.poll_announce(poll=poll, actor=world.users["chair"], now=NOW)
    assert "20" in str(err.value) and Poll.objects.get(pk=poll.pk).status == "draft"


def _voters(world, roll):
    from sanfang.accounts.models import User

    people = [world.users["chair"].person, roll["co"][0], roll["twice"][0]] + [p for p, _u in roll["singles"]]
    return [User.objects.create_user(username=f"voter{i}", password="x", person=p) for i, p in enumerate(people)]


def _run_poll(poll, world, voters, choice):
    voting.poll_announce(poll=poll, actor=world.users["chair"])
    voting.poll_open(poll=poll, actor=world.users["chair"], now=OPENS)
    for v in voters:
        voting.ballot_cast(poll=poll, actor=v, choices={"1": choice, "2": choice}, now=OPENS + timedelta(hours=1))
    voting.poll_close(poll=poll, now=CLOSES)
    return voting.poll_publish(poll=poll, actor=world.users["chair"])


def test_settled_when_the_result_is_published(world, roll):
    mo = at_residents(world)
    poll = open_poll(mo, world)
    with pytest.raises(ValidationError):  # not yet published
        svc.motion_settle_from_poll(poll=poll)
    published = _run_poll(poll, world, _voters(world, roll)[:9], "yes")  # 9 of 10 heads, all yes
    settled = svc.motion_settle_from_poll(poll=published)
    assert settled.stage == "decided" and settled.passed is True and settled.decided_at is not None
    step = MotionStep.objects.get(motion=mo, stage="residents")
    assert step.poll == poll and step.outcome == "agreed" and step.actor == world.users["chair"]
    e = MotionEvent.objects.get(motion=mo, kind="decided")
    assert (e.old_stage, e.new_stage, e.actor, e.data["passed"]) == ("residents", "decided", world.users["chair"], True)
    again = svc.motion_settle_from_poll(poll=published)  # twice changes nothing
    assert again.stage == "decided" and MotionEvent.objects.filter(motion=mo, kind="decided").count() == 1


def test_a_failed_poll_decides_it_not_passed(world, roll):
    mo = at_residents(world)
    poll = open_poll(mo, world)
    published = _run_poll(poll, world, _voters(world, roll)[:2], "yes")  # no quorum (V2)
    settled = svc.motion_settle_from_poll(poll=published)
    assert settled.stage == "decided" and settled.passed is False
    assert MotionStep.objects.get(motion=mo, stage="residents").outcome == "not_agreed"


def test_a_poll_no_motion_holds_is_left_alone(world):
    poll = voting.poll_create(compound=world.compounds["k1"], title="独立表决", items=ITEMS, opens_at=OPENS,
                              closes_at=CLOSES, actor=world.users["chair"])
    assert svc.motion_settle_from_poll(poll=poll) is None
