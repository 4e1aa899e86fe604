"""Publishing a closed poll: per item, the result of ``rules.tally`` and the hash-chained,
pseudonymous ballot log of ``ballotlog`` (the document ``sanfang voting verify`` checks).

The unit pseudonyms are drawn here, once per publication, from the system's random source and
shared by the poll's items; they are kept nowhere but in the published logs. Nobody — the
platform included — can map a pseudonym back to a door except through a ballot's receipt, which
only its voter holds (the organisers keep the real ballots for V10 in the database anyway)."""

import hashlib
import secrets

from . import ballotlog
from .models import Ballot, Poll
from .progress import roll_of, tally_input


def item_logs(poll: Poll, rng=None) -> list[dict]:
    """Each item's log. ``rng`` (a ``random.Random``) draws the pseudonyms; tests pass a seeded
    one, the platform none (``secrets.SystemRandom``: an order nobody can reproduce)."""
    ballots = list(Ballot.objects.filter(poll=poll).order_by("id").values_list("head_id", "choices", "channel",
                                                                               "receipt"))
    roll, out = roll_of(poll), []
    names = ballotlog.pseudonyms([u["unit"] for u in roll[0]], rng or secrets.SystemRandom())
    for item in poll.items.all():
        data = tally_input(poll, item, [(head, choices) for head, choices, _c, _r in ballots], roll)
        entries = [{"unit": d["unit"], "choice": d["choice"], "channel": channel, "receipt": receipt}
                   for d, (_h, _c, channel, receipt) in zip(data["ballots"], ballots, strict=True)]
        meta = {k: data.get(k) for k in ballotlog.POLL_KEYS}
        log = ballotlog.build_log(meta, data["units"], entries, names=names)
        out.append({"order": item.order, "text": item.text, "matter": item.matter, "log": log})
    return out


def publish_result(poll: Poll, rng=None) -> tuple[dict, str]:
    """The published result (each item's tally and log) and one hash anchoring them all: the
    SHA-256 of the items' ``head_hash`` values joined in item order, to post on the notice board."""
    items = item_logs(poll, rng)
    anchor = hashlib.sha256("".join(i["log"]["head_hash"] for i in items).encode()).hexdigest()
    return {"items": [{**i, "result": i["log"]["result"]} for i in items], "anchor": anchor}, anchor


def own_entries(poll: Poll, voters) -> list[dict]:
    """Where each of the given heads' ballots is in the published logs, found by the code of its
    receipt (``ballotlog.ballot_code``): ``voters`` are ``selectors.Voter``s (the user's own
    heads). One row per head that voted: its units, the code, and per item the entry (None when
    the log does not hold it, which ``sanfang voting verify`` cannot see and the voter should
    report). Logs of the first format hold no codes: nothing is found there."""
    items = [i for i in (poll.result or {}).get("items", []) if i["log"].get("format") == ballotlog.FORMAT]
    by_code = [{e.get("ballot"): e for e in i["log"]["entries"]} for i in items]
    rows = []
    for voter in voters:
        if voter.ballot is None or not items:
            continue
        code = ballotlog.ballot_code(voter.ballot.receipt)
        found = [{"order": i["order"], "text": i["text"], "entry": codes.get(code)} for i, codes in zip(items, by_code,
                                                                                                       strict=True)]
        first = next((f["entry"] for f in found if f["entry"]), None)
        rows.append({"labels": voter.labels, "code": code, "head": first and first["head"],
                     "unit": first and first["unit"], "items": found,
                     "missing": any(f["entry"] is None for f in found)})
    return rows
