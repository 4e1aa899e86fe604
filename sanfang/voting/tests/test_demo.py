"""The demo polls are made through the services and add nothing the second time."""

import pytest

from sanfang.voting.demo import seed_polls
from sanfang.voting.models import Ballot, Poll, Proxy

pytestmark = pytest.mark.django_db


def test_demo_polls(world, owners, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    k1, chair, resident = world.compounds["k1"], world.users["chair"], world.users["owner_a"]
    assert seed_polls(compound=k1, organiser=chair, resident=resident) == 3
    decided, ramp, fee = Poll.objects.filter(compound=k1).order_by("pk")
    assert (decided.status, ramp.status, fee.status) == ("published", "open", "announced")
    # The resident voted for their own head online and for the chair's as a proxy.
    assert Ballot.objects.get(poll=decided, channel="online").cast_by == resident
    proxy_ballot = Ballot.objects.get(poll=decided, channel="proxy")
    assert proxy_ballot.proxy == Proxy.objects.get(poll=decided) and proxy_ballot.cast_by == resident
    assert decided.result and decided.log_head_hash
    assert not Ballot.objects.filter(poll=ramp, head__people=resident.person).exists()  # left for the demo
    assert seed_polls(compound=k1, organiser=chair, resident=resident) == 0
    assert Poll.objects.filter(compound=k1).count() == 3
