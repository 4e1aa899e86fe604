"""Fixtures and helpers shared by the page tests (``test_pages_*.py``), plus the check that the
query form of "who organises" (``selectors.organised_q``) says what ``can_organise`` says."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile

from sanfang.places.models import Compound
from sanfang.voting import permissions as perms
from sanfang.voting import selectors
from sanfang.voting import services as svc

from .conftest import SH

pytestmark = pytest.mark.django_db
# The fixtures the page tests take with ``from .test_pages_common import *`` (no test comes along).
__all__ = ["draft_poll", "owner_b", "published_poll"]
DURING = datetime(2026, 12, 2, 10, 0, tzinfo=SH)
BEFORE = datetime(2026, 11, 30, 10, 0, tzinfo=SH)
AFTER = datetime(2026, 12, 12, 10, 0, tzinfo=SH)
YES_ABSTAIN = {"item_1": "yes", "item_2": "abstain"}


def levels(response) -> list[str]:
    """The levels of the messages shown on a page (tests read levels, not the Chinese words)."""
    return [m.level_tag for m in get_messages(response.wsgi_request)]


def pdf(name="auth.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 signed", content_type="application/pdf")


def jpeg(name="scan.jpg"):
    return SimpleUploadedFile(name, b"\xff\xd8\xff" + b"0" * 40, content_type="image/jpeg")


@pytest.fixture
def owner_b(world, owners):
    """A user account for owner b, co-owner of 102 with owner a (one head, RULES V7)."""
    from sanfang.accounts.models import Role
    from sanfang.testing import user_with_seat

    user = user_with_seat("owner-b", Role.RESIDENT, world.compounds["k1"])
    user.person = owners["b"]
    user.save()
    return user


@pytest.fixture
def draft_poll(world, owners):
    """A draft on K1 whose window opens far enough ahead to be announced today (RULES V13)."""
    from django.utils import timezone

    start = (timezone.now() + timedelta(days=20)).replace(microsecond=0)
    return svc.poll_create(compound=world.compounds["k1"], title="修订管理规约", actor=world.users["chair"],
                           items=[("修订管理规约第三条", "covenant")], opens_at=start,
                           closes_at=start + timedelta(days=10))


@pytest.fixture
def published_poll(world, owners, open_poll):
    """The open poll with two ballots (owner a yes/no, the developer's head on paper yes/yes),
    closed and published."""
    from sanfang.voting.models import RollHead

    svc.ballot_cast(poll=open_poll, actor=world.users["owner_a"], choices={"1": "yes", "2": "no"}, now=DURING)
    dev = RollHead.objects.get(poll=open_poll, developer=True)
    svc.paper_ballot_enter(poll=open_poll, head_key=dev.key, choices={"1": "yes", "2": "yes"}, scan=jpeg(),
                           actor=world.users["community"], now=DURING)
    svc.poll_close(poll=open_poll, now=AFTER)
    with time_machine.travel(AFTER, tick=False):
        return svc.poll_publish(poll=open_poll, actor=world.users["chair"])


def test_organised_q_says_what_can_organise_says(world):
    for user in world.users.values():
        organised = set(Compound.objects.filter(selectors.organised_q(user)).values_list("pk", flat=True))
        for compound in Compound.objects.all():
            assert (compound.pk in organised) == perms.can_organise(user, compound), (user.username, compound.code)
