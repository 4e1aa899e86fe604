"""From ballots to a published result that ``sanfang voting verify`` accepts, and the live progress."""

import json
from datetime import datetime
from io import StringIO

import pytest
from django.core.management import call_command

from sanfang.voting import ballotlog, progress
from sanfang.voting import services as svc

from .conftest import SH

pytestmark = pytest.mark.django_db
DURING = datetime(2026, 12, 2, 10, 0, tzinfo=SH)
AFTER = datetime(2026, 12, 12, 10, 0, tzinfo=SH)


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
    assert ballotlog.verify_log(json.loads(path.read_text()))[0] is True
    tampered = json.loads(path.read_text())
    tampered["entries"][0]["choice"] = "no"
    assert ballotlog.verify_log(tampered)[0] is False


def test_progress_is_cached(world, open_poll):
    first = progress.progress(open_poll)
    svc.ballot_cast(poll=open_poll, actor=world.users["owner_a"], choices={"1": "yes", "2": "yes"}, now=DURING)
    assert progress.progress(open_poll) == first  # within VOTING_PROGRESS_SECONDS
    assert progress.compute(open_poll)["ballots"] == 1
