"""The live progress of an open poll: per item, on both bases (area and heads), how much is
still missing for the quorum and for passing. Read thousands of times a second on a big vote
(WORKLOADS: live tally reads ≥ 2,000 req/s), so it is counted at most once per
``VOTING_PROGRESS_SECONDS`` (5) from the ballots and kept in the cache as a ``Snapshot``: the
JSON the API sends as it is, and the poll's compound and community path, which is all a read
needs to check scope, so a read of a fresh snapshot touches neither the poll nor the ballots.

When a snapshot is stale, one thread recomputes it — one per process, and one across processes
when the cache is shared (``cache.add`` as the lock) — while every other reader gets the
stale one; only when there is none at all do readers wait for the first count. A stampede of
readers never counts in parallel.

The frozen roll is read once per poll (it cannot change once the poll is open) and kept in the
cache as the parsed units ``rules.tally`` takes, so a recount is one read of the ballots and
the tally of each item by ``rules.tally`` (the same function as ``sanfang voting tally``).
"""

import json
import threading
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext as _

from . import rules
from .models import Ballot, Poll, RollHead

LOCK_SECONDS = 30  # a count that takes longer (a crashed process) no longer holds the others back
ROLL_SECONDS = 3600


def ttl() -> float:
    return float(getattr(settings, "VOTING_PROGRESS_SECONDS", 5))


# ---- the frozen roll ---------------------------------------------------------------------------

def roll_of(poll: Poll) -> tuple[list[dict], dict[int, str]]:
    """The frozen roll as TALLY.md units, and the unit each head's ballot names (read once)."""
    people: dict[int, list[int]] = {}
    for head_id, person_id in (RollHead.people.through.objects.filter(rollhead__poll_id=poll.pk)
                               .order_by("person_id").values_list("rollhead_id", "person_id")):
        people.setdefault(head_id, []).append(person_id)
    units, first_unit = [], {}
    for pk, head_units, developer in (RollHead.objects.filter(poll_id=poll.pk).order_by("key")
                                      .values_list("pk", "units", "developer")):
        owners = ["DEV"] if developer else [f"P{p}" for p in people.get(pk, [])]
        for u in head_units:
            units.append({"unit": u["unit"], "building": u["building"], "kind": u["kind"], "area": u["area"],
                          "owners": owners, **({"developer_held": True} if developer else {})})
        first_unit[pk] = head_units[0]["unit"]
    return units, first_unit


_rolls: dict[tuple[int, str], tuple] = {}  # (poll id, roll token) → parsed roll, in this process
_rolls_guard = threading.Lock()


def _parsed_roll(poll: Poll) -> tuple[list, dict[int, str]]:
    """The roll as ``rules.Unit`` objects (parsed once: ``rules.tally`` takes them as they are),
    frozen at opening, so kept while the poll is not a draft or announced: in the cache (for
    every process) and in this process under the token the cache holds with it (unpickling
    12,500 units cost a sixth of a count). A cleared cache means a new token: nothing stale."""
    key = f"voting:roll:{poll.pk}"
    found = cache.get(key + ":token")
    if found is not None:
        memo = _rolls.get((poll.pk, found))
        if memo is not None:
            return memo
        parsed = cache.get(key)
        if parsed is not None:
            with _rolls_guard:
                if len(_rolls) >= 16:
                    _rolls.clear()  # a handful of polls are read live at once
                _rolls[poll.pk, found] = parsed
            return parsed
    units, first_unit = roll_of(poll)
    parsed = ([rules.parse_unit(u, i) for i, u in enumerate(units)], first_unit)
    if units and poll.status not in (Poll.Status.DRAFT, Poll.Status.ANNOUNCED):
        token = uuid.uuid4().hex
        cache.set_many({key: parsed, key + ":token": token}, ROLL_SECONDS)
        with _rolls_guard:
            _rolls[poll.pk, token] = parsed
    return parsed


# ---- one count ---------------------------------------------------------------------------------

def tally_input(poll: Poll, item, ballots=None, roll=None) -> dict:
    """One item of a poll in the input format of contracts/TALLY.md (the roll as frozen)."""
    units, first_unit = roll or roll_of(poll)
    rows = ballots if ballots is not None else Ballot.objects.filter(poll=poll).values_list("head_id", "choices")
    ballots_out = [{"unit": first_unit[head_id], "choice": choices[str(item.order)]} for head_id, choices in rows]
    return {"matter": item.matter, "decided_on": (poll.decided_on or timezone.localdate()).isoformat(),
            **({"scope": {"building": poll.building}} if poll.building else {}),
            "parking_counts": poll.parking_counts, "units": units, "ballots": ballots_out}


def compute(poll: Poll) -> dict:
    """Count the poll now: per item, ``rules.tally`` of the frozen roll and the ballots, and
    ``rules.shortfall``. Raises ``rules.TallyError`` when the roll cannot be counted (not
    frozen yet, or no area)."""
    if poll.status in (Poll.Status.DRAFT, Poll.Status.ANNOUNCED):
        raise rules.TallyError(_("Voting has not opened yet: the roll is frozen when it opens."))
    ballots = list(Ballot.objects.filter(poll=poll).values_list("head_id", "choices"))
    roll = _parsed_roll(poll)
    items = []
    for item in poll.items.all():
        data = tally_input(poll, item, ballots, roll)
        result = rules.tally(data)
        items.append({"order": item.order, "text": item.text, "matter": item.matter, "result": result,
                      "missing": rules.shortfall(result, result["rule_set"], item.matter)})
    return {"poll": poll.pk, "status": poll.status, "ballots": len(ballots), "items": items,
            "computed_at": timezone.now().isoformat()}


# ---- the cached snapshot -----------------------------------------------------------------------

@dataclass(frozen=True)
class Snapshot:
    poll_id: int
    compound_id: int
    community_path: str  # the compound's community's path, for the scope check of a read
    at: float  # time.time() of the count
    body: bytes  # compute(poll) as JSON

    def fresh(self, now: float | None = None) -> bool:
        return (now if now is not None else time.time()) - self.at < ttl()

    def data(self) -> dict:
        return json.loads(self.body)


def cache_key(poll_id: int) -> str:
    return f"voting:progress:{poll_id}"


def _lock_key(poll_id: int) -> str:
    return f"voting:progress-lock:{poll_id}"


_locks: dict[int, threading.Lock] = {}
_locks_guard = threading.Lock()


def _local_lock(poll_id: int) -> threading.Lock:
    with _locks_guard:
        lock = _locks.get(poll_id)
        if lock is None:
            if len(_locks) > 10_000:
                _locks.clear()  # only ever a handful of polls are open at once
            lock = _locks[poll_id] = threading.Lock()
        return lock


def cached(poll_id: int) -> Snapshot | None:
    """Whatever snapshot the cache holds for the poll, fresh or stale."""
    found = cache.get(cache_key(poll_id))
    return found if isinstance(found, Snapshot) else None


def _count(poll_id: int) -> Snapshot:
    """Count the poll as it is now and keep the snapshot (the stale one stays readable while a
    count runs: snapshots are kept much longer than they are fresh)."""
    poll = Poll.objects.select_related("compound__community").get(pk=poll_id)
    body = json.dumps(compute(poll), cls=DjangoJSONEncoder, ensure_ascii=False).encode()
    snap = Snapshot(poll_id=poll.pk, compound_id=poll.compound_id, community_path=poll.compound.community.path,
                    at=time.time(), body=body)
    cache.set(cache_key(poll.pk), snap, max(60.0, 12 * ttl()))
    return snap


def current(poll_id: int, snapshot: Snapshot | None = None) -> Snapshot:
    """A snapshot at most ``VOTING_PROGRESS_SECONDS`` old, or the stale one while another
    thread or process is counting. ``snapshot`` is what the caller already read from the cache.
    Raises ``Poll.DoesNotExist`` and ``rules.TallyError`` from the count."""
    snap = snapshot if snapshot is not None else cached(poll_id)
    if snap is not None and snap.fresh():
        return snap
    lock = _local_lock(poll_id)
    if not lock.acquire(blocking=snap is None):
        return snap  # this process is counting already: the stale snapshot meanwhile
    try:
        again = cached(poll_id)
        if again is not None and again.fresh():
            return again  # counted while we waited for the lock
        if cache.add(_lock_key(poll_id), 1, LOCK_SECONDS):
            try:
                return _count(poll_id)
            finally:
                cache.delete(_lock_key(poll_id))
        # Another process is counting.
        if again is not None:
            return again
        deadline = time.monotonic() + LOCK_SECONDS
        while time.monotonic() < deadline:
            time.sleep(0.05)
            found = cached(poll_id)
            if found is not None:
                return found
            if cache.add(_lock_key(poll_id), 1, LOCK_SECONDS):
                try:
                    return _count(poll_id)
                finally:
                    cache.delete(_lock_key(poll_id))
        return _count(poll_id)
    finally:
        lock.release()


def progress(poll: Poll) -> dict:
    """The cached progress (at most ``VOTING_PROGRESS_SECONDS`` old) as a dict."""
    return current(poll.pk).data()


def forget(poll_id: int) -> None:
    """Drop the cached progress and roll of a poll (tests; a poll whose roll was rebuilt)."""
    cache.delete_many([cache_key(poll_id), f"voting:roll:{poll_id}", f"voting:roll:{poll_id}:token"])
