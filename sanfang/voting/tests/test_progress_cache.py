"""The live progress's cache (WORKLOADS: ≥ 2,000 reads a second): a snapshot counted at most
once per VOTING_PROGRESS_SECONDS, one count at a time however many readers come at once, the
stale snapshot served meanwhile, and the frozen roll read once."""

import threading
import time
from datetime import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sanfang.voting import progress, rules
from sanfang.voting import services as svc

from .conftest import SH

pytestmark = pytest.mark.django_db
DURING = datetime(2026, 12, 2, 10, 0, tzinfo=SH)


def _snapshot(poll_id=7, *, at=None, body=b'{"ballots": 0}'):
    return progress.Snapshot(poll_id=poll_id, compound_id=1, community_path="/1/", at=time.time() if at is None else at,
                             body=body)


class SlowCount:
    """Stands in for ``progress._count``: counts its calls, takes ``seconds``, stores a snapshot."""

    def __init__(self, seconds=0.2):
        self.calls, self.seconds, self.guard = 0, seconds, threading.Lock()

    def __call__(self, poll_id):
        with self.guard:
            self.calls += 1
        time.sleep(self.seconds)
        snap = _snapshot(poll_id, body=b'{"ballots": 1}')
        cache.set(progress.cache_key(poll_id), snap, 60)
        return snap


def _readers(n, call):
    out, gate = [], threading.Barrier(n)

    def read():
        gate.wait()
        out.append(call())

    threads = [threading.Thread(target=read) for _ in range(n)]
    [t.start() for t in threads]
    [t.join(10) for t in threads]
    return out


def test_a_stampede_on_a_stale_snapshot_counts_once_and_serves_the_stale_meanwhile(monkeypatch):
    count = SlowCount()
    monkeypatch.setattr(progress, "_count", count)
    stale = _snapshot(at=time.time() - 60)
    cache.set(progress.cache_key(7), stale, 60)
    got = _readers(12, lambda: progress.current(7))
    assert count.calls == 1
    bodies = sorted(s.body for s in got)
    assert bodies.count(b'{"ballots": 1}') == 1 and bodies.count(b'{"ballots": 0}') == 11  # nobody waited
    assert progress.current(7).body == b'{"ballots": 1}' and count.calls == 1  # fresh now


def test_with_no_snapshot_at_all_readers_wait_for_the_one_count(monkeypatch):
    count = SlowCount()
    monkeypatch.setattr(progress, "_count", count)
    got = _readers(12, lambda: progress.current(7))
    assert count.calls == 1 and {s.body for s in got} == {b'{"ballots": 1}'}


def test_a_fresh_snapshot_is_served_as_it_is(monkeypatch):
    count = SlowCount(0)
    monkeypatch.setattr(progress, "_count", count)
    fresh = _snapshot()
    cache.set(progress.cache_key(7), fresh, 60)
    assert progress.current(7) == fresh and count.calls == 0


def test_another_process_counting_leaves_the_stale_snapshot_or_a_wait(monkeypatch):
    """The lock across processes is ``cache.add``: held elsewhere, a reader here does not
    count; it serves the stale snapshot, or with none waits for the other process's."""
    count = SlowCount(0)
    monkeypatch.setattr(progress, "_count", count)
    cache.add(progress._lock_key(7), 1, 30)  # another process is counting
    stale = _snapshot(at=time.time() - 60)
    cache.set(progress.cache_key(7), stale, 60)
    assert progress.current(7) == stale and count.calls == 0

    cache.delete(progress.cache_key(7))
    theirs = _snapshot(body=b'{"ballots": 2}')
    threading.Timer(0.2, lambda: cache.set(progress.cache_key(7), theirs, 60)).start()
    assert progress.current(7) == theirs and count.calls == 0


def test_a_count_that_fails_is_not_kept_and_does_not_hold_the_lock(monkeypatch):
    def broken(poll_id):
        raise rules.TallyError("the roll has no area")

    monkeypatch.setattr(progress, "_count", broken)
    with pytest.raises(rules.TallyError):
        progress.current(7)
    assert progress.cached(7) is None and cache.get(progress._lock_key(7)) is None
    count = SlowCount(0)
    monkeypatch.setattr(progress, "_count", count)
    assert progress.current(7).body == b'{"ballots": 1}' and count.calls == 1


def test_the_snapshot_is_counted_again_once_stale(world, open_poll, settings):
    settings.VOTING_PROGRESS_SECONDS = 5
    first = progress.current(open_poll.pk)
    svc.ballot_cast(poll=open_poll, actor=world.users["owner_a"], choices={"1": "yes", "2": "no"}, now=DURING)
    assert progress.current(open_poll.pk) == first  # fresh: the new ballot is not counted yet
    stale = progress.Snapshot(**{**first.__dict__, "at": first.at - 6})
    cache.set(progress.cache_key(open_poll.pk), stale, 60)
    again = progress.current(open_poll.pk)
    assert again.data()["ballots"] == 1 and first.data()["ballots"] == 0
    assert (again.compound_id, again.community_path) == (open_poll.compound_id, open_poll.compound.community.path)


def test_the_frozen_roll_is_read_once(world, open_poll):
    progress.compute(open_poll)
    with CaptureQueriesContext(connection) as ctx:
        data = progress.compute(open_poll)
    assert not [q for q in ctx.captured_queries if "voting_rollhead" in q["sql"]]
    assert data["items"][0]["result"]["total"]["heads"] == 3


def test_a_poll_not_open_yet_has_no_progress(world, owners):
    from datetime import timedelta

    start = datetime(2026, 12, 1, 9, 0, tzinfo=SH)
    poll = svc.poll_create(compound=world.compounds["k1"], title="t", actor=world.users["chair"],
                           items=[("x", "covenant")], opens_at=start, closes_at=start + timedelta(days=10))
    with pytest.raises(rules.TallyError):
        progress.progress(poll)
    assert progress.cached(poll.pk) is None and cache.get(f"voting:roll:{poll.pk}") is None


def test_the_roll_as_counted_is_the_roll_published(world, open_poll, owners):
    """``roll_of`` (read for the publication) and the cached parsed roll give the same heads."""
    units, first_unit = progress.roll_of(open_poll)
    parsed, first_parsed = progress._parsed_roll(open_poll)
    assert first_unit == first_parsed and [rules.parse_unit(u) for u in units] == parsed
    heads = rules.heads_from_units(units)
    assert sorted(h.area for h in heads) == [8850, 8850, 8850] and len(first_unit) == 3
