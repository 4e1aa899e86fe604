"""Paper ballots and the door-to-door round: only those who collect (``can_collect``); a paper
ballot with its scan (required) for a head named by its unit, never over a ballot already cast;
visits without a ballot; the heads not voted yet, by building and a page at a time."""

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from sanfang.voting import services as svc
from sanfang.voting.models import Ballot, PaperVisit, PollEvent, RollHead

from .test_pages_common import DURING, jpeg, levels

pytestmark = pytest.mark.django_db


def paper(head="1-1-201", scan=True, **extra):
    data = {"form": "ballot", "paper-head": head, "paper-item_1": "yes", "paper-item_2": "no", **extra}
    if scan:
        data["paper-scan"] = jpeg()
    return data


def test_who_may_open_the_paper_page(world, open_poll, client, login):
    url = f"/polls/{open_poll.pk}/paper/"
    r = client.get(url)
    assert r.status_code == 302 and "/accounts/login/" in r.url
    assert login(world.users["outsider"]).get(url).status_code == 404
    for name in ("owner_a", "company"):  # they see the poll, but do not collect ballots
        assert login(world.users[name]).get(url).status_code == 403, name
    with time_machine.travel(DURING, tick=False):
        assert login(world.users["company"]).post(url, paper()).status_code == 403
    assert Ballot.objects.count() == 0 and PaperVisit.objects.count() == 0
    for name in ("community", "grid", "chair"):
        assert login(world.users[name]).get(url).status_code == 200, name


def test_a_paper_ballot_with_its_scan(world, open_poll, login):
    c = login(world.users["grid"])
    with time_machine.travel(DURING, tick=False):
        before = c.get(f"/polls/{open_poll.pk}/paper/").content.decode()
        dev = RollHead.objects.get(poll=open_poll, developer=True)
        assert f'data-head="{dev.key}"' in before
        r = c.post(f"/polls/{open_poll.pk}/paper/", paper())
        assert r.status_code == 302 and levels(r) == ["success"]
        after = c.get(r.url).content.decode()
    ballot = Ballot.objects.get()
    assert ballot.channel == "paper" and ballot.head == dev and ballot.scan and ballot.cast_by == world.users["grid"]
    assert ballot.choices == {"1": "yes", "2": "no"}
    assert PaperVisit.objects.get().outcome == "collected"
    event = PollEvent.objects.get(poll=open_poll, kind="paper_ballot")
    assert event.actor == world.users["grid"] and event.data == {"head": dev.key, "receipt": ballot.receipt}
    assert f'data-head="{dev.key}"' not in after and ballot.receipt in after  # voted: off the round
    scan = c.get(f"/polls/{open_poll.pk}/paper/{ballot.pk}/scan/")
    assert scan.status_code == 200 and b"".join(scan.streaming_content).startswith(b"\xff\xd8\xff")
    assert login(world.users["owner_a"]).get(f"/polls/{open_poll.pk}/paper/{ballot.pk}/scan/").status_code == 404


def test_a_head_by_its_roll_number(world, open_poll, login):
    head = RollHead.objects.get(poll=open_poll, people=world.users["chair"].person)
    with time_machine.travel(DURING, tick=False):
        login(world.users["community"]).post(f"/polls/{open_poll.pk}/paper/", paper(head=head.key.lower()))
    assert Ballot.objects.get().head == head


def test_paper_never_over_a_ballot_cast_online(world, open_poll, login):
    with time_machine.travel(DURING, tick=False):
        svc.ballot_cast(poll=open_poll, actor=world.users["owner_a"], choices={"1": "no", "2": "no"})
        r = login(world.users["community"]).post(f"/polls/{open_poll.pk}/paper/", paper(head="1-1-102"))
    assert r.status_code == 200 and levels(r) == ["error"]
    assert Ballot.objects.get().channel == "online" and Ballot.objects.get().choices == {"1": "no", "2": "no"}
    assert PaperVisit.objects.count() == 0 and not PollEvent.objects.filter(kind="paper_ballot").exists()


@pytest.mark.parametrize("data", [
    paper(scan=False),  # the scan is required
    {**paper(scan=False), "paper-scan": SimpleUploadedFile("x.exe", b"MZ" + b"0" * 40)},
    {**paper(scan=False), "paper-scan": SimpleUploadedFile("fake.jpg", b"MZ" + b"0" * 40)},
    paper(head="9-9-999"),  # nobody on the roll
    {**paper(), "paper-item_2": ""},  # an item left unanswered
], ids=["no-scan", "not-a-scan", "disguised", "unknown-unit", "unanswered"])
def test_a_bad_paper_ballot_changes_nothing(world, open_poll, login, data):
    with time_machine.travel(DURING, tick=False):
        r = login(world.users["community"]).post(f"/polls/{open_poll.pk}/paper/", data)
    assert r.status_code == 200 and "invalid-feedback" in r.content.decode()
    assert Ballot.objects.count() == 0 and PaperVisit.objects.count() == 0


def test_an_item_that_was_not_published_is_refused_on_paper_too(world, open_poll, login):
    with time_machine.travel(DURING, tick=False):
        r = login(world.users["community"]).post(f"/polls/{open_poll.pk}/paper/", paper(**{"paper-item_3": "yes"}))
    assert r.status_code == 200 and levels(r) == ["error"] and Ballot.objects.count() == 0


def test_paper_after_the_window_is_refused(world, open_poll, login):
    svc.poll_close(poll=open_poll, actor=world.users["chair"], now=open_poll.closes_at)
    with time_machine.travel(DURING, tick=False):
        r = login(world.users["community"]).post(f"/polls/{open_poll.pk}/paper/", paper())
    assert levels(r) == ["error"] and Ballot.objects.count() == 0


def test_a_visit_without_a_ballot_is_in_the_round(world, open_poll, login):
    c = login(world.users["grid"])
    with time_machine.travel(DURING, tick=False):
        r = c.post(f"/polls/{open_poll.pk}/paper/", {"form": "visit", "visit-head": "1-1-102", "visit-outcome": "absent",
                                                    "visit-note": "晚上再来"})
        assert r.status_code == 302 and levels(r) == ["success"]
        page = c.get(f"/polls/{open_poll.pk}/paper/").content.decode()
        bad = c.post(f"/polls/{open_poll.pk}/paper/", {"form": "visit", "visit-head": "1-1-102",
                                                      "visit-outcome": "collected"})
    visit = PaperVisit.objects.get()
    assert visit.outcome == "absent" and visit.note == "晚上再来" and visit.collector == world.users["grid"]
    assert "晚上再来" in page
    assert bad.status_code == 200 and PaperVisit.objects.count() == 1  # a collected ballot is entered, not noted


def test_the_round_by_building_and_page(world, open_poll, owners, login, settings):
    """A big compound is never rendered whole: a building at a time, 50 heads a page."""
    from decimal import Decimal

    from sanfang.orgs.models import Ownership
    from sanfang.places.models import Building, Unit
    from sanfang.testing import person
    from sanfang.voting.models import Poll

    k1 = world.compounds["k1"]
    b2 = Building.objects.create(compound=k1, number="2")
    for n in range(60):
        unit = Unit.objects.create(compound=k1, building=b2, entrance="1", number=f"{n + 1:03d}",
                                   exclusive_area=Decimal("60.00"), area_source="registered")
        Ownership.objects.create(unit=unit, person=person(f"业主{n}"), compound=k1)
    from datetime import datetime, timedelta

    from .conftest import SH

    start = datetime(2026, 12, 1, 9, 0, tzinfo=SH)
    with time_machine.travel(start - timedelta(days=20), tick=False):
        poll = svc.poll_create(compound=k1, title="大楼", actor=world.users["chair"], items=[("x", "covenant")],
                               opens_at=start, closes_at=start + timedelta(days=10))
        svc.poll_announce(poll=poll, actor=world.users["chair"])
    svc.poll_open(poll=poll, actor=world.users["chair"], now=start)
    assert Poll.objects.get(pk=poll.pk).roll.count() == 63
    c = login(world.users["community"])
    first = c.get(f"/polls/{poll.pk}/paper/").content.decode()
    assert first.count('data-head="H') == 50 and "?page=2" in first
    second = c.get(f"/polls/{poll.pk}/paper/?page=2").content.decode()
    assert second.count('data-head="H') == 13
    one = c.get(f"/polls/{poll.pk}/paper/?building=1").content.decode()
    assert one.count('data-head="H') == 3 and "1-1-101" in one and "2-1-001" not in one
    two = c.get(f"/polls/{poll.pk}/paper/?building=2&page=2").content.decode()
    assert two.count('data-head="H') == 10 and "building=2&page=1" in two
