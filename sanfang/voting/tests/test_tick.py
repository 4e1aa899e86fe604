"""``sanfang tick`` opens announced polls when their window begins and closes open ones when it
ends; a poll that cannot open says why once, and the others still move."""

import json
from datetime import datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from sanfang.voting import services as svc
from sanfang.voting.models import Poll, PollEvent

from .conftest import SH

pytestmark = pytest.mark.django_db

START = datetime(2026, 12, 1, 9, 0, tzinfo=SH)


def _tick(now: datetime) -> dict:
    out = StringIO()
    call_command("tick", now=now.isoformat(), stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def announced(world, owners):
    with time_machine.travel(START - timedelta(days=20), tick=False):
        poll = svc.poll_create(compound=world.compounds["k1"], title="更换电梯", actor=world.users["chair"],
                               items=[("使用维修资金更换6部电梯", "use_maintenance_fund")],
                               opens_at=START, closes_at=START + timedelta(days=10))
        svc.poll_announce(poll=poll, actor=world.users["chair"])
    return poll


def test_tick_opens_at_the_start_and_not_a_minute_before(announced):
    assert _tick(START - timedelta(minutes=1))["polls_opened"] == 0
    assert Poll.objects.get(pk=announced.pk).status == Poll.Status.ANNOUNCED
    done = _tick(START)
    assert done["polls_opened"] == 1
    poll = Poll.objects.get(pk=announced.pk)
    assert poll.status == Poll.Status.OPEN
    assert poll.roll.count() == 3  # 101, 102 (two co-owners: one head), 201 (developer)
    opened = PollEvent.objects.get(poll=poll, kind="opened")
    assert opened.actor is None  # the clock, not a person
    assert _tick(START + timedelta(minutes=5))["polls_opened"] == 0  # idempotent


def test_tick_closes_at_the_end(announced):
    _tick(START)
    assert _tick(START + timedelta(days=10, seconds=-1))["polls_closed"] == 0
    assert _tick(START + timedelta(days=10))["polls_closed"] == 1
    poll = Poll.objects.get(pk=announced.pk)
    assert poll.status == Poll.Status.CLOSED
    assert poll.decided_on.isoformat() == "2026-12-11"
    assert _tick(START + timedelta(days=11))["polls_closed"] == 0


def test_a_poll_that_cannot_open_says_why_once_and_others_still_open(world, owners, announced):
    from decimal import Decimal

    from sanfang.places.models import Building, Unit

    k1 = world.compounds["k1"]
    b9 = Building.objects.create(compound=k1, number="9", floors=6, entrances=1)
    Unit.objects.create(compound=k1, building=b9, entrance="1", number="101", exclusive_area=Decimal("70"),
                        area_source="registered")  # nobody owns it yet: no head to freeze
    with time_machine.travel(START - timedelta(days=20), tick=False):
        empty = svc.poll_create(compound=world.compounds["k1"], title="9号楼加装电梯", actor=world.users["chair"],
                                building="9", items=[("加装电梯", "rebuild_or_alter")],
                                opens_at=START, closes_at=START + timedelta(days=10))
        svc.poll_announce(poll=empty, actor=world.users["chair"])
    done = _tick(START)
    assert done["polls_opened"] == 1 and done["polls_refused"] == 1
    _tick(START + timedelta(minutes=5))
    assert Poll.objects.get(pk=empty.pk).status == Poll.Status.ANNOUNCED
    refusals = PollEvent.objects.filter(poll=empty, kind="open_refused")
    assert refusals.count() == 1 and refusals.get().data["message"]


def test_tick_still_reports_the_cases(announced):
    done = _tick(START)
    assert {"escalated", "flagged", "closed", "rollup"} <= set(done)
