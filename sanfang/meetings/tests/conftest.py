from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 5, 4, 9, 0, tzinfo=SH)  # a Monday


@pytest.fixture(autouse=True)
def _frozen(request):
    """Every test runs at NOW unless it travels on itself."""
    import time_machine

    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _event_kinds_are_known(request):
    """Every event a test wrote names a kind the timeline can label."""
    yield
    if "world" in request.fixturenames or "browser_world" in request.fixturenames:
        from sanfang.meetings.models import MeetingEvent, MotionEvent

        assert set(MeetingEvent.objects.values_list("kind", flat=True)) <= set(MeetingEvent.Kind.values)
        assert set(MotionEvent.objects.values_list("kind", flat=True)) <= set(MotionEvent.Kind.values)


@pytest.fixture(autouse=True)
def _memory_sender(settings):
    from sanfang.tickets import notify

    settings.TICKET_SENDER = "sanfang.tickets.notify.MemorySender"
    notify.sender.cache_clear()
    yield
    notify.sender.cache_clear()


@pytest.fixture
def members(world):
    """K1's owners' committee with five voting members (the chair and four more) and a
    party-building instructor who sits without a vote."""
    from sanfang.orgs.models import Membership
    from sanfang.testing import person

    oc = world.orgs["oc"]
    people = [world.users["chair"].person]
    for name in ("李明", "张华", "赵敏", "孙磊"):
        p = person(name)
        Membership.objects.create(organization=oc, person=p, position="member", term_start=date(2023, 1, 1),
                                  term_end=date(2027, 12, 31))
        people.append(p)
    instructor = person("周指导", party=True)
    Membership.objects.create(organization=oc, person=instructor, position="party_instructor",
                              term_start=date(2023, 1, 1))
    # A former member whose term has ended does not count (C6: current members only).
    gone = person("钱旧")
    Membership.objects.create(organization=oc, person=gone, position="member", term_start=date(2020, 1, 1),
                              term_end=date(2022, 12, 31))
    return {"people": people, "instructor": instructor, "gone": gone}


def committee_meeting(world, *, days=8, agenda=("更换电梯维保单位",), **extra):
    from django.utils import timezone

    from sanfang.meetings import services as svc

    return svc.meeting_create(kind="committee", title="业委会例会", place="小区议事厅",
                              scheduled_at=timezone.now() + timedelta(days=days), convener=world.orgs["oc"],
                              compound=world.compounds["k1"], actor=world.users["chair"], agenda=list(agenda),
                              **extra)


@pytest.fixture
def held_committee(world, members, _frozen):
    """A committee meeting announced 8 days ahead, then held on its day."""
    from sanfang.meetings import services as svc

    m = committee_meeting(world)
    svc.meeting_announce(meeting=m, actor=world.users["chair"])
    _frozen.shift(timedelta(days=8))
    svc.meeting_hold(meeting=m, actor=world.users["chair"])
    m.refresh_from_db()
    return m


@pytest.fixture
def roll(world):
    """K1 with ten heads by V7: the chair's 101; 102 co-owned by two people (one head); one owner
    with two flats (one head); seven more single owners."""
    from sanfang.orgs.models import Ownership
    from sanfang.places.models import Building, Unit
    from sanfang.testing import person

    k1 = world.compounds["k1"]
    b2 = Building.objects.create(compound=k1, number="2", floors=6, entrances=1)
    a, b = person("co-一"), person("co-二")
    Ownership.objects.create(unit=world.units["102"], person=a, compound=k1)
    Ownership.objects.create(unit=world.units["102"], person=b, compound=k1)
    twice = person("两套")
    Ownership.objects.create(unit=world.units["201"], person=twice, compound=k1)
    extra = Unit.objects.create(compound=k1, building=b2, entrance="1", number="101",
                                exclusive_area=Decimal("90.00"), area_source="registered")
    Ownership.objects.create(unit=extra, person=twice, compound=k1)
    singles = []
    for i in range(7):
        u = Unit.objects.create(compound=k1, building=b2, entrance="1", number=f"{i + 2}01",
                                exclusive_area=Decimal("75.00"), area_source="registered")
        p = person(f"业主{i}")
        Ownership.objects.create(unit=u, person=p, compound=k1)
        singles.append((p, u))
    return {"co": (a, b), "twice": (twice, world.units["201"], extra), "singles": singles}
