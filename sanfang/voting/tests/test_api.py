from datetime import datetime

import pytest
import time_machine

from .conftest import SH

pytestmark = pytest.mark.django_db
DURING = datetime(2026, 12, 2, 10, 0, tzinfo=SH)


def test_vote_once_through_the_api_then_see_progress(world, open_poll, login):
    c = login(world.users["owner_a"])
    url = f"/api/v1/polls/{open_poll.pk}/ballots"
    with time_machine.travel(DURING, tick=False):
        r = c.post(url, {"choices": {"1": "yes", "2": "no"}}, content_type="application/json")
        assert r.status_code == 201 and len(r.json()["receipt"]) == 12
        again = c.post(url, {"choices": {"1": "no", "2": "no"}}, content_type="application/json")
        assert again.status_code == 409 and r.json()["receipt"] in again.json()["detail"]
        bad = c.post(url, {"choices": {"1": "yes", "2": "yes", "9": "yes"}}, content_type="application/json")
        assert bad.status_code == 422  # an item that was not published (V13)
        p = c.get(f"/api/v1/polls/{open_poll.pk}/progress").json()
    assert p["ballots"] == 1 and p["items"][0]["result"]["yes"]["heads"] == 1


def test_a_poll_outside_scope_is_not_there(world, open_poll, login):
    r = login(world.users["outsider"]).get(f"/api/v1/polls/{open_poll.pk}/progress")
    assert r.status_code == 404
