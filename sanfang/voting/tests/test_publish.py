"""From ballots to a published result that ``sanfang voting verify`` accepts, and the live progress.
The published log tells nobody how a home voted (issue 4): no unit label, name or time, units
and heads under pseudonyms drawn at random per poll, never in the roll's order; it still
recounts to the published result and shows a ballot removed, added or altered."""

import copy
import json
import random
from datetime import datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import translation

from sanfang.orgs.models import Ownership
from sanfang.places.models import Building, Unit
from sanfang.testing import person
from sanfang.voting import ballotlog, progress, publication, rules
from sanfang.voting import services as svc
from sanfang.voting.models import Ballot, RollHead

from .conftest import SH

pytestmark = pytest.mark.django_db
START = datetime(2026, 12, 1, 9, 0, tzinfo=SH)
DURING = datetime(2026, 12, 2, 10, 0, tzinfo=SH)
AFTER = datetime(2026, 12, 12, 10, 0, tzinfo=SH)
CHOICES = ("yes", "no", "abstain")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_publish_then_verify(world, open_poll, owners, tmp_path):
    svc.ballot_cast(poll=open_poll, actor=world.users["owner_a"], choices={"1": "yes", "2": "no"}, now=DURING)
    live = progress.compute(open_poll)
    first = live["items"][0]
    # 3 heads of 88.50 m²: one has voted, so 1 more head is missing for the 2/3 quorum (V2).
    assert first["result"]["participating"] == {"heads": 1, "area": "88.50"}
    assert first["missing"]["quorum"]["heads"] == 1
    svc.poll_close(poll=open_poll, now=AFTER)
    poll = svc.poll_publish(poll=open_poll, actor=world.users["chair"])
    assert poll.status == "published" and len(poll.log_head_hash) == 64
    item = poll.result["items"][0]
    assert item["result"]["quorum_met"] is False and item["result"]["passed"] is False
    path = tmp_path / "log.json"
    path.write_text(json.dumps(item["log"], ensure_ascii=False, default=str))
    out = StringIO()
    call_command("voting", "verify", str(path), stdout=out)
    assert json.loads(out.getvalue()) == item["result"]
    assert ballotlog.verify_log(json.loads(path.read_text()))[0] is True
    tampered = json.loads(path.read_text())
    tampered["entries"][0]["choice"] = "no"
    assert ballotlog.verify_log(tampered)[0] is False


def test_progress_is_cached(world, open_poll):
    first = progress.progress(open_poll)
    svc.ballot_cast(poll=open_poll, actor=world.users["owner_a"], choices={"1": "yes", "2": "yes"}, now=DURING)
    assert progress.progress(open_poll) == first  # within VOTING_PROGRESS_SECONDS
    assert progress.compute(open_poll)["ballots"] == 1


# --- a building of 50 homes ---------------------------------------------------------------------


def scan():
    return SimpleUploadedFile("scan.jpg", b"\xff\xd8\xff" + b"0" * 40, content_type="image/jpeg")


@pytest.fixture
def big_poll(world):
    """Building 5 of K1: 50 homes over 10 floors (5-1-101 … 5-1-1005), each with its own owner
    but two, held by one owner (one head of two units, RULES V7), areas repeating by stack. A
    poll of that building only (V11) with two items; 30 heads vote on paper, three choices in
    turn, in the roll's order — the order a collector going door to door would take."""
    k1 = world.compounds["k1"]
    building = Building.objects.create(compound=k1, number="5", floors=10, entrances=1)
    units = []
    for floor in range(1, 11):
        for door, area in zip(("01", "02", "03", "04", "05"), ("78.10", "89.50", "89.50", "120.00", "95.30"),
                              strict=True):
            units.append(Unit.objects.create(compound=k1, building=building, entrance="1", number=f"{floor}{door}",
                                             exclusive_area=Decimal(area), area_source="registered"))
    twice = person("两套房业主")
    for i, unit in enumerate(units):
        Ownership.objects.create(unit=unit, person=twice if i in (7, 41) else person(f"业主{i}"), compound=k1)
    with time_machine.travel(START - timedelta(days=20), tick=False):
        poll = svc.poll_create(compound=k1, title="5幢加装电梯", actor=world.users["chair"], building="5",
                               items=[("5幢加装电梯", "rebuild_or_alter"), ("使用维修资金", "use_maintenance_fund")],
                               opens_at=START, closes_at=START + timedelta(days=10))
        svc.poll_announce(poll=poll, actor=world.users["chair"])
    svc.poll_open(poll=poll, actor=world.users["chair"], now=START)
    heads = list(RollHead.objects.filter(poll=poll).order_by("key"))
    assert len(heads) == 49
    for n, head in enumerate(heads[:30]):
        svc.paper_ballot_enter(poll=poll, head_key=head.key, scan=scan(), actor=world.users["community"],
                               choices={"1": CHOICES[n % 3], "2": CHOICES[(n + 1) % 3]},
                               now=DURING + timedelta(minutes=n))
    svc.poll_close(poll=poll, now=AFTER)
    poll.refresh_from_db()
    return poll, [str(u) for u in units]


def test_the_published_log_names_no_unit_and_hides_the_roll_order(world, big_poll):
    poll, labels = big_poll
    with time_machine.travel(AFTER, tick=False):
        poll = svc.poll_publish(poll=poll, actor=world.users["chair"])
    text = json.dumps(poll.result, ensure_ascii=False)
    for label in labels + [str(u) for u in world.units.values()]:
        assert label not in text
    assert "T10:" not in text and '"at"' not in text  # no time: ballots came in at 10:00, 10:01, …
    for item in poll.result["items"]:
        log = item["log"]
        units = log["poll"]["units"]
        assert [u["unit"] for u in units] == [ballotlog.unit_id(n) for n in range(1, 51)]
        # The pseudonyms' order is not the roll's: the areas repeat by stack (78.10, 89.50, 89.50,
        # 120.00, 95.30 on every floor); listed in the roll's order they would show that pattern.
        stacks = ["78.10", "89.50", "89.50", "120.00", "95.30"] * 10
        assert [u["area"] for u in units] != stacks
        assert sorted(u["area"] for u in units) == sorted(stacks)
        # Thirty heads voted in the roll's order with choices in turn; in the log they are not.
        assert [e["choice"] for e in log["entries"]] != [CHOICES[(n + item["order"] - 1) % 3] for n in range(30)]
        assert [e["unit"] for e in log["entries"]] == sorted(e["unit"] for e in log["entries"])
    # Every item of the poll names the units alike: one voter finds their ballot in each.
    first, second = (i["log"] for i in poll.result["items"])
    assert first["poll"]["units"] == second["poll"]["units"]
    assert [(e["ballot"], e["unit"]) for e in first["entries"]] == [(e["ballot"], e["unit"])
                                                                     for e in second["entries"]]


def test_two_publications_draw_two_orders(big_poll):
    poll, _labels = big_poll
    draws = [tuple(u["area"] for u in publication.item_logs(poll)[0]["log"]["poll"]["units"]) for _ in range(3)]
    assert len(set(draws)) > 1  # the same order three times: 1 in (50!/…)², practically never
    seeded = [publication.item_logs(poll, random.Random(4))[0]["log"] for _ in range(2)]
    assert seeded[0] == seeded[1]  # the builder is pure: the randomness is the generator's alone


def test_the_log_recounts_to_the_published_result_and_the_live_count(world, big_poll):
    poll, _labels = big_poll
    live = progress.compute(poll)
    with time_machine.travel(AFTER, tick=False):
        poll = svc.poll_publish(poll=poll, actor=world.users["chair"])
    for item, counted in zip(poll.result["items"], live["items"], strict=True):
        ok, problems, recount = ballotlog.verify_log(json.loads(json.dumps(item["log"])))
        assert ok and problems == []
        assert recount == item["result"] == rules.tally(ballotlog.tally_input(item["log"]))
        assert recount == {**counted["result"], "rule_set": recount["rule_set"]}
        assert recount["participating"]["heads"] == 30 and recount["total"]["heads"] == 49


def test_each_ballot_is_found_by_its_receipt_and_only_by_it(world, big_poll):
    poll, _labels = big_poll
    with time_machine.travel(AFTER, tick=False):
        poll = svc.poll_publish(poll=poll, actor=world.users["chair"])
    log = poll.result["items"][1]["log"]
    by_code = {e["ballot"]: e for e in log["entries"]}
    ballots = list(Ballot.objects.filter(poll=poll).select_related("head"))
    assert len(by_code) == len(ballots) == 30
    head_of_unit = {u["unit"]: u["owners"][0] for u in log["poll"]["units"]}
    for ballot in ballots:
        entry = by_code[ballotlog.ballot_code(ballot.receipt)]
        assert entry["choice"] == ballot.choices["2"] and entry["channel"] == "paper"
        assert head_of_unit[entry["unit"]] == entry["head"]
        assert ballot.receipt not in json.dumps(poll.result)
    # The owner of two homes: one head, two pseudonymous units with one head id (V7).
    owner_heads = [hid for hid in head_of_unit.values()]
    assert len(set(owner_heads)) == 49 and len(owner_heads) == 50


@pytest.mark.parametrize("change", ["remove", "add", "alter"])
def test_verify_catches_a_ballot_removed_added_or_altered(world, big_poll, change):
    poll, _labels = big_poll
    with time_machine.travel(AFTER, tick=False):
        poll = svc.poll_publish(poll=poll, actor=world.users["chair"])
    log = copy.deepcopy(poll.result["items"][0]["log"])
    entries = log["entries"]
    if change == "remove":
        del entries[11]
    elif change == "add":
        voted = {e["head"] for e in entries}
        unit = next(u for u in log["poll"]["units"] if u["owners"][0] not in voted)
        entries.insert(5, {"seq": 6, "ballot": "0123456789abcdef", "head": unit["owners"][0], "unit": unit["unit"],
                           "choice": "yes", "channel": "online", "prev": entries[4]["hash"]})
        entries[5]["hash"] = ballotlog.entry_hash(entries[5])
    else:
        entries[20]["choice"] = "no" if entries[20]["choice"] == "yes" else "yes"
    ok, problems, _recount = ballotlog.verify_log(log)
    assert not ok
    seq = {"remove": 13, "add": 6, "alter": 21}[change]  # removed: seq 13 now follows seq 11
    assert any(p.startswith(f"seq {seq}") for p in problems), problems
    assert any(p.startswith("result: ") for p in problems), problems
