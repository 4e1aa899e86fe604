"""The live progress of an open poll: per item, on both bases (area and heads), how much is
still missing for the quorum and for passing. Read thousands of times a second on a big
vote, so it is computed once per ``VOTING_PROGRESS_SECONDS`` from the ballots and kept in the
cache (WORKLOADS: live tally reads ≥ 2,000 req/s)."""

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from . import rules
from .models import Ballot, Poll, RollHead


def roll_of(poll: Poll) -> tuple[list[dict], dict[int, str]]:
    """The frozen roll as TALLY.md units, and the unit each head's ballot names (read once)."""
    units, first_unit = [], {}
    for head in RollHead.objects.filter(poll=poll).prefetch_related("people"):
        owners = ["DEV"] if head.developer else [f"P{p.pk}" for p in head.people.all()]
        for u in head.units:
            units.append({"unit": u["unit"], "building": u["building"], "kind": u["kind"], "area": u["area"],
                          "owners": owners, **({"developer_held": True} if head.developer else {})})
        first_unit[head.pk] = head.units[0]["unit"]
    return units, first_unit


def tally_input(poll: Poll, item, ballots=None, roll=None) -> dict:
    """One item of a poll in the input format of contracts/TALLY.md (the roll as frozen)."""
    units, first_unit = roll or roll_of(poll)
    rows = ballots if ballots is not None else Ballot.objects.filter(poll=poll).values_list("head_id", "choices")
    ballots_out = [{"unit": first_unit[head_id], "choice": choices[str(item.order)]} for head_id, choices in rows]
    return {"matter": item.matter, "decided_on": (poll.decided_on or timezone.localdate()).isoformat(),
            **({"scope": {"building": poll.building}} if poll.building else {}),
            "parking_counts": poll.parking_counts, "units": units, "ballots": ballots_out}


def compute(poll: Poll) -> dict:
    ballots = list(Ballot.objects.filter(poll=poll).values_list("head_id", "choices"))
    roll = roll_of(poll)
    items = []
    for item in poll.items.all():
        data = tally_input(poll, item, ballots, roll)
        result = rules.tally(data)
        items.append({"order": item.order, "text": item.text, "matter": item.matter, "result": result,
                      "missing": rules.shortfall(result, result["rule_set"], item.matter)})
    return {"poll": poll.pk, "status": poll.status, "ballots": len(ballots), "items": items,
            "computed_at": timezone.now().isoformat()}


def cache_key(poll_id: int) -> str:
    return f"voting:progress:{poll_id}"


def progress(poll: Poll) -> dict:
    """The cached progress (at most ``VOTING_PROGRESS_SECONDS`` old)."""
    key = cache_key(poll.pk)
    found = cache.get(key)
    if found is None:
        found = compute(poll)
        cache.set(key, found, getattr(settings, "VOTING_PROGRESS_SECONDS", 5))
    return found
