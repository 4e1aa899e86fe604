from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def owners(world):
    """K1's three units with owners: 101 the chair, 102 two co-owners, 201 the developer."""
    from sanfang.accounts.models import Role
    from sanfang.orgs.models import Ownership
    from sanfang.testing import person, user_with_seat

    k1 = world.compounds["k1"]
    a, b, dev = person("李四"), person("王五"), person("开发商")
    Ownership.objects.create(unit=world.units["102"], person=a, compound=k1)
    Ownership.objects.create(unit=world.units["102"], person=b, compound=k1)
    Ownership.objects.create(unit=world.units["201"], person=dev, compound=k1, developer_held=True)
    ua = user_with_seat("owner-a", Role.RESIDENT, k1)
    ua.person = a
    ua.save()
    world.users["owner_a"] = ua
    return {"a": a, "b": b, "dev": dev, "chair": world.users["chair"].person}


@pytest.fixture
def open_poll(world, owners):
    """An announced-then-opened poll on K1 with two items."""
    import time_machine

    from sanfang.voting import services as svc

    start = datetime(2026, 12, 1, 9, 0, tzinfo=SH)
    with time_machine.travel(start - timedelta(days=20), tick=False):
        poll = svc.poll_create(compound=world.compounds["k1"], title="更换电梯", actor=world.users["chair"],
                               items=[("使用维修资金更换6部电梯", "use_maintenance_fund"),
                                      ("加装无障碍坡道", "rebuild_or_alter")],
                               opens_at=start, closes_at=start + timedelta(days=10))
        svc.poll_announce(poll=poll, actor=world.users["chair"])
    svc.poll_open(poll=poll, actor=world.users["chair"], now=start)
    poll.refresh_from_db()
    return poll


@pytest.fixture(autouse=True)
def _empty_cache():
    # The live progress is cached by poll id; every test's database starts its ids again.
    from django.core.cache import cache

    from sanfang.voting.middleware import forget_verdicts

    cache.clear()
    forget_verdicts()
    yield
    cache.clear()
