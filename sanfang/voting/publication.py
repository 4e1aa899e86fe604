"""Publishing a closed poll: per item, the result of ``rules.tally`` and the hash-chained,
anonymised ballot log of ``ballotlog`` (the document ``sanfang voting verify`` checks)."""

import hashlib

from . import ballotlog
from .models import Ballot, Poll
from .progress import roll_of, tally_input


def item_logs(poll: Poll) -> list[dict]:
    ballots = list(Ballot.objects.filter(poll=poll).select_related("head").order_by("at", "id"))
    roll, out = roll_of(poll), []
    for item in poll.items.all():
        data = tally_input(poll, item, [(b.head_id, b.choices) for b in ballots], roll)
        entries = [{"unit": d["unit"], "choice": d["choice"], "channel": b.channel, "at": b.at}
                   for d, b in zip(data["ballots"], ballots, strict=True)]
        meta = {k: data.get(k) for k in ("matter", "decided_on", "scope", "parking_counts")}
        log = ballotlog.build_log(meta, data["units"], entries)
        out.append({"order": item.order, "text": item.text, "matter": item.matter, "log": log})
    return out


def publish_result(poll: Poll) -> tuple[dict, str]:
    """The published result (each item's tally and log) and one hash anchoring them all: the
    SHA-256 of the items' ``head_hash`` values joined in item order, to post on the notice board."""
    items = item_logs(poll)
    anchor = hashlib.sha256("".join(i["log"]["head_hash"] for i in items).encode()).hexdigest()
    return {"items": [{**i, "result": i["log"]["result"]} for i in items], "anchor": anchor}, anchor
