"""Publishing a poll's result settles the motion that opened it, in the same transaction
(``voting.signals.poll_published`` → ``meetings.receivers.settle_motion``): nobody has to
remember a second step, and a failure settling the motion leaves the poll unpublished."""

from unittest import mock

import pytest

from sanfang.meetings.models import Motion, MotionEvent
from sanfang.voting.models import Poll

from .test_motion_poll import _run_poll, _voters, at_residents, open_poll

pytestmark = pytest.mark.django_db


def test_publishing_the_poll_decides_the_motion(world, roll):
    mo = at_residents(world)
    poll = open_poll(mo, world)
    _run_poll(poll, world, _voters(world, roll)[:9], "yes")
    mo = Motion.objects.get(pk=mo.pk)
    assert mo.stage == "decided" and mo.passed is True
    assert MotionEvent.objects.get(motion=mo, kind="decided").actor == world.users["chair"]


def test_a_motion_that_cannot_settle_keeps_the_poll_unpublished(world, roll):
    mo = at_residents(world)
    poll = open_poll(mo, world)
    with mock.patch("sanfang.meetings.services.motions.motion_settle_from_poll", side_effect=RuntimeError("boom")), \
            pytest.raises(RuntimeError):
        _run_poll(poll, world, _voters(world, roll)[:9], "yes")
    assert Poll.objects.get(pk=poll.pk).status == Poll.Status.CLOSED
    assert Motion.objects.get(pk=mo.pk).stage == "residents"
