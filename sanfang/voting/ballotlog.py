"""The published ballot log of one decision: anonymised, hash-chained, recomputable.

RULES V10 asks for the full ballot record to be kept; contracts/TALLY.md asks that anyone can
recompute the result without trusting the server. The log is one JSON document
(``FORMAT`` = "sanfang-ballot-log/1"; the layout is written out in ``voting/README.md``):

- ``poll``: the matter, the decision date, the scope and the parking setting, and the roll as
  TALLY.md units whose owners are replaced by opaque per-poll head ids ("H0001"): units of one
  head (RULES V7) share an id, so the heads are recomputed exactly, but no name is published;
- ``entries``: the ballots as counted, in the order they were recorded, each chained to the one
  before: ``hash`` is SHA-256 over the canonical JSON (sorted keys, no spaces, UTF-8, not
  ASCII-escaped) of the entry without ``hash``, whose ``prev`` is the previous entry's hash
  (``GENESIS``, 64 zeros, for the first);
- ``result``: ``rules.tally`` of the roll and the entries;
- ``head_hash``: the hash of the last entry (``GENESIS`` when nobody voted).

The chain shows an entry changed, removed, inserted or moved anywhere but at the end. Cutting
entries off the end, or rewriting the whole chain, leaves a chain that checks: only the
``head_hash`` and the ``result`` published somewhere the server cannot rewrite — the notice
board, the announcement — anchor the log. Publish both there.
"""

import hashlib
import json
from datetime import datetime

from django.utils.translation import gettext as _

from . import rules

FORMAT = "sanfang-ballot-log/1"
GENESIS = "0" * 64
CHANNELS = ("online", "paper", "proxy")
ENTRY_KEYS = ("seq", "head", "unit", "choice", "channel", "at", "prev", "hash")
POLL_KEYS = ("matter", "decided_on", "scope", "parking_counts")


def canonical_json(value) -> bytes:
    """The bytes every hash is taken over: sorted keys, no spaces, UTF-8 without escaping."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def entry_hash(entry: dict) -> str:
    """SHA-256 (hex) of the entry without its ``hash`` (``prev`` included, which chains it)."""
    return hashlib.sha256(canonical_json({k: v for k, v in entry.items() if k != "hash"})).hexdigest()


def head_id(n: int) -> str:
    return f"H{n:04d}"


def _iso_time(value, where: str) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str):
        try:
            datetime.fromisoformat(value)
            return value
        except ValueError:
            pass
    raise rules.TallyError(_("%(where)s: “%(value)s” is not an ISO time") % {"where": where, "value": value})


def tally_input(doc: dict) -> dict:
    """The TALLY.md input a log stands for: its poll, its roll and its entries as ballots."""
    poll = doc["poll"]
    data = {"matter": poll["matter"], "decided_on": poll["decided_on"]}
    if poll.get("scope"):
        data["scope"] = poll["scope"]
    data["parking_counts"] = poll.get("parking_counts", False)
    data["units"] = poll["units"]
    data["ballots"] = doc["entries"]
    return data


def build_log(poll_meta: dict, units: list, ballots: list) -> dict:
    """The log of one decision (pure).

    ``poll_meta``: ``matter``, ``decided_on`` (YYYY-MM-DD), optional ``scope`` and
    ``parking_counts`` as in TALLY.md. ``units``: the roll as TALLY.md units, owners included
    (they are replaced here by head ids). ``ballots``: the ballots as counted, in recording
    order, each ``{"unit", "choice", "channel": online|paper|proxy, "at": ISO time or
    datetime}``. Raises ``rules.TallyError`` on bad input, like ``rules.tally``.
    """
    meta = {key: poll_meta[key] for key in POLL_KEYS if poll_meta.get(key) is not None}
    meta.setdefault("parking_counts", False)
    if hasattr(meta.get("decided_on"), "isoformat"):  # a date from the database
        meta["decided_on"] = meta["decided_on"].isoformat()
    # Count the input as given first: a bad unit, a ballot outside the roll, a second ballot for
    # a head or a bad choice raises here with the message ``rules.tally`` gives for it.
    rules.tally({**meta, "units": units, "ballots": ballots})
    heads = rules.heads_from_units(units, scope=meta.get("scope"), parking_counts=meta["parking_counts"])
    ids = {}
    for n, head in enumerate(heads, start=1):
        for code in head.units:
            ids[code] = (head_id(n), head.developer_held)
    roll = []
    for i, raw in enumerate(units):
        unit = rules.parse_unit(raw, i)
        if unit.unit not in ids:
            continue
        hid, developer_held = ids[unit.unit]
        published = {"unit": unit.unit}
        if unit.building:
            published["building"] = unit.building
        published.update(kind=unit.kind, area=rules.format_area(unit.area), owners=[hid])
        if developer_held:
            published["developer_held"] = True
        roll.append(published)

    entries, prev = [], GENESIS
    for seq, ballot in enumerate(ballots, start=1):
        where = f"ballots[{seq - 1}] (unit {ballot.get('unit') if isinstance(ballot, dict) else ballot})"
        if not isinstance(ballot, dict):
            raise rules.TallyError(_("%(where)s: expected an object") % {"where": where})
        channel = ballot.get("channel", "online")
        if channel not in CHANNELS:
            raise rules.TallyError(_("%(where)s: unknown channel “%(channel)s”: use online, paper or proxy")
                                   % {"where": where, "channel": channel})
        code = ballot.get("unit")
        entry = {
            "seq": seq,
            "head": ids[code][0] if isinstance(code, str) and code in ids else None,
            "unit": code,
            "choice": ballot.get("choice"),
            "channel": channel,
            "at": _iso_time(ballot.get("at"), where),
            "prev": prev,
        }
        entry["hash"] = prev = entry_hash(entry)
        entries.append(entry)

    doc = {"format": FORMAT, "poll": {**meta, "units": roll}, "entries": entries}
    doc["result"] = rules.tally(tally_input(doc))  # the count anyone will redo from the log
    doc["head_hash"] = prev
    return doc


def _describe(entry, position: int) -> str:
    seq = entry.get("seq") if isinstance(entry, dict) else None
    return f"seq {seq}" if isinstance(seq, int) and not isinstance(seq, bool) else f"entry #{position}"


def verify_log(doc) -> tuple[bool, list[str], dict]:
    """Check a published log: ``(ok, problems, result)``.

    ``result`` is the tally recomputed from the log's roll and entries (``{}`` when they cannot
    be counted); ``ok`` is true only when there is no problem: the entries are numbered
    1, 2, 3, … without gap, each ``prev`` is the previous entry's ``hash`` and each ``hash``
    matches its entry, each entry's head is its unit's head in the roll, ``head_hash`` is the
    last entry's hash, and the recount equals the published ``result``. Each problem names the
    entry (``seq N``) it is about. Never raises, whatever the document holds.
    """
    problems: list[str] = []
    if not isinstance(doc, dict):
        return False, [_("the log is not a JSON object")], {}
    if doc.get("format") != FORMAT:
        problems.append(_("format is “%(format)s”, expected “%(expected)s”")
                        % {"format": doc.get("format"), "expected": FORMAT})
    poll, entries = doc.get("poll"), doc.get("entries")
    if not isinstance(poll, dict) or not isinstance(poll.get("units"), list):
        problems.append(_("the log has no poll with its roll of units"))
        poll = None
    if not isinstance(entries, list):
        problems.append(_("the log has no list of entries"))
        entries = None

    heads_by_unit = {}
    if poll is not None:
        for unit in poll["units"]:
            if isinstance(unit, dict) and isinstance(unit.get("unit"), str):
                owners = unit.get("owners")
                heads_by_unit[unit["unit"]] = owners[0] if isinstance(owners, list) and len(owners) == 1 else None

    last_hash, last_seq = GENESIS, 0
    for position, entry in enumerate(entries or [], start=1):
        name = _describe(entry, position)
        if not isinstance(entry, dict):
            problems.append(_("%(entry)s: not an object") % {"entry": name})
            continue
        seq = entry.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool):
            problems.append(_("%(entry)s: no sequence number") % {"entry": name})
        elif seq != last_seq + 1:
            problems.append(_("%(entry)s follows seq %(last)d: seq %(expected)d was expected")
                            % {"entry": name, "last": last_seq, "expected": last_seq + 1})
        if entry.get("prev") != last_hash:
            problems.append(_("%(entry)s: prev is not the hash of the entry before it (%(before)s)")
                            % {"entry": name, "before": f"seq {last_seq}" if position > 1 else _("the start")})
        try:
            recomputed = entry_hash(entry)
        except (TypeError, ValueError):
            recomputed = None
        if entry.get("hash") != recomputed:
            problems.append(_("%(entry)s: hash does not match the entry's content") % {"entry": name})
        missing = [key for key in ENTRY_KEYS if key not in entry]
        if missing:
            problems.append(_("%(entry)s: missing %(keys)s") % {"entry": name, "keys": ", ".join(missing)})
        if entry.get("channel") not in CHANNELS and "channel" in entry:
            problems.append(_("%(entry)s: unknown channel “%(channel)s”")
                            % {"entry": name, "channel": entry.get("channel")})
        unit = entry.get("unit")
        if poll is not None and isinstance(unit, str) and unit in heads_by_unit \
                and entry.get("head") != heads_by_unit[unit]:
            problems.append(_("%(entry)s: head %(head)s is not the head of unit %(unit)s in the roll (%(roll)s)")
                            % {"entry": name, "head": entry.get("head"), "unit": unit,
                               "roll": heads_by_unit[unit]})
        last_hash = entry.get("hash") if isinstance(entry.get("hash"), str) else ""
        last_seq = seq if isinstance(seq, int) and not isinstance(seq, bool) else last_seq + 1

    if entries is not None and doc.get("head_hash") != last_hash:
        problems.append(_("head_hash does not match the hash of the last entry (%(last)s): "
                          "entries were cut off or added at the end")
                        % {"last": f"seq {last_seq}" if entries else _("none: seq 0")})

    result = {}
    if poll is not None and entries is not None:
        try:
            result = rules.tally(tally_input(doc))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:  # TallyError is a ValueError
            problems.append(_("the log cannot be counted: %(error)s") % {"error": exc})
        else:
            published = doc.get("result")
            if not isinstance(published, dict):
                problems.append(_("the log has no published result"))
            else:
                for key in rules.OUTPUT_KEYS:
                    if published.get(key) != result[key]:
                        problems.append(_("result: %(key)s is published as %(published)s but recounts as %(recount)s")
                                        % {"key": key, "published": json.dumps(published.get(key), ensure_ascii=False),
                                           "recount": json.dumps(result[key], ensure_ascii=False)})
                extra = sorted(set(published) - set(rules.OUTPUT_KEYS))
                if extra:
                    problems.append(_("result: unexpected key “%(key)s”") % {"key": extra[0]})
    return not problems, problems, result
