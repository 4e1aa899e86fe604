"""The published ballot log of one decision: pseudonymous, hash-chained, recomputable.

RULES V10 asks for the full ballot record to be kept; contracts/TALLY.md asks that anyone can
recompute the result without trusting the server; and the log is published to every owner, so
it must not tell anyone how a home voted (the platform keeps the real ballots for the
organisers and a court). The log is one JSON document (``FORMAT`` = "sanfang-ballot-log/2"; the
layout, what it hides and what it still lets anyone check are written out in ``voting/README.md``):

- ``poll``: the matter, the decision date, the scope and the parking setting, and the roll as
  TALLY.md units whose labels are replaced by per-poll pseudonyms ("U00001", numbered in an
  order drawn at random for the poll, never the roll's) and whose owners by opaque head ids
  ("H00001", numbered as the heads first appear in that order): building, kind and area stay,
  so the scope (V11), the parking rule (V8) and the heads (V7) are recomputed exactly;
- ``entries``: the ballots as counted, in the order of the roll (never the order they came in),
  each with its ballot code (``ballot_code`` of its receipt, which only the voter holds) and
  chained to the one before: ``hash`` is SHA-256 over the canonical JSON (sorted keys, no
  spaces, UTF-8, not ASCII-escaped) of the entry without ``hash``, whose ``prev`` is the
  previous entry's hash (``GENESIS``, 64 zeros, for the first); no time;
- ``result``: ``rules.tally`` of the roll and the entries;
- ``head_hash``: the hash of the last entry (``GENESIS`` when nobody voted).

The chain shows an entry changed, removed, inserted or moved anywhere but at the end. Cutting
entries off the end, or rewriting the whole chain, leaves a chain that checks: only the
``head_hash`` and the ``result`` published somewhere the server cannot rewrite — the notice
board, the announcement — anchor the log. Publish both there.

``verify_log`` still checks logs of the first format (``LEGACY_FORMAT``, which named units and
gave each ballot its time) that were published before: a published log stays checkable (V10).
"""

import hashlib
import json
import re

from django.utils.translation import gettext as _

from . import rules

FORMAT = "sanfang-ballot-log/2"
LEGACY_FORMAT = "sanfang-ballot-log/1"
GENESIS = "0" * 64
CHANNELS = ("online", "paper", "proxy")
ENTRY_KEYS = ("seq", "ballot", "head", "unit", "choice", "channel", "prev", "hash")
LEGACY_ENTRY_KEYS = ("seq", "head", "unit", "choice", "channel", "at", "prev", "hash")
POLL_KEYS = ("matter", "decided_on", "scope", "parking_counts")
BALLOT_CODE_LENGTH = 16
_BALLOT_CODE = re.compile(r"[0-9a-f]{16}")


def canonical_json(value) -> bytes:
    """The bytes every hash is taken over: sorted keys, no spaces, UTF-8 without escaping."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def entry_hash(entry: dict) -> str:
    """SHA-256 (hex) of the entry without its ``hash`` (``prev`` included, which chains it)."""
    return hashlib.sha256(canonical_json({k: v for k, v in entry.items() if k != "hash"})).hexdigest()


def ballot_code(receipt: str) -> str:
    """The code a ballot is published under: the first 16 hex digits of the SHA-256 of its
    receipt code as shown to the voter (``printf %s RECEIPT | sha256sum | cut -c1-16``). Only
    who holds the receipt can tell which entry is theirs; the receipt itself is never published."""
    return hashlib.sha256(receipt.encode("utf-8")).hexdigest()[:BALLOT_CODE_LENGTH]


def unit_id(n: int) -> str:
    return f"U{n:05d}"


def head_id(n: int) -> str:
    return f"H{n:05d}"


def pseudonym_key(name: str) -> tuple[int, str]:
    """Sorts pseudonyms by their number ("U100000" after "U99999")."""
    return len(name), name


def pseudonyms(labels, rng) -> dict[str, str]:
    """A per-poll pseudonym for each unit label: ``U00001``, ``U00002``, … in the order ``rng``
    (a ``random.Random``; the platform passes ``secrets.SystemRandom()``) shuffles the labels
    into. Never number them in the roll's order: anyone who knows the compound (the labels are
    on the doors, the areas in the registry) would map the pseudonyms back."""
    order = list(dict.fromkeys(labels))
    rng.shuffle(order)
    return {label: unit_id(n) for n, label in enumerate(order, start=1)}


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


def build_log(poll_meta: dict, units: list, ballots: list, *, names: dict[str, str] | None = None) -> dict:
    """The log of one decision (pure).

    ``poll_meta``: ``matter``, ``decided_on`` (YYYY-MM-DD), optional ``scope`` and
    ``parking_counts`` as in TALLY.md. ``units``: the roll as TALLY.md units, labels and owners
    included (both are replaced here). ``ballots``: the ballots as counted, in any order, each
    ``{"unit", "choice", "channel": online|paper|proxy, "receipt": the code the voter was given
    (optional)}``; any other key (the time it was cast) is not published. ``names``: the unit
    pseudonyms (``pseudonyms(labels, rng)``), one mapping shared by all the items of a poll;
    without it the units are numbered in the order given, which only a caller that shuffled
    them may rely on. Raises ``rules.TallyError`` on bad input, like ``rules.tally``.
    """
    meta = {key: poll_meta[key] for key in POLL_KEYS if poll_meta.get(key) is not None}
    meta.setdefault("parking_counts", False)
    if hasattr(meta.get("decided_on"), "isoformat"):  # a date from the database
        meta["decided_on"] = meta["decided_on"].isoformat()
    # Count the input as given first: a bad unit, a ballot outside the roll, a second ballot for
    # a head or a bad choice raises here with the message ``rules.tally`` gives for it.
    rules.tally({**meta, "units": units, "ballots": ballots})
    heads = rules.heads_from_units(units, scope=meta.get("scope"), parking_counts=meta["parking_counts"])
    head_of = {code: head for head in heads for code in head.units}
    parsed = [rules.parse_unit(raw, i) for i, raw in enumerate(units)]
    in_roll = [u for u in parsed if u.unit in head_of]
    if names is None:
        names = {u.unit: unit_id(n) for n, u in enumerate(in_roll, start=1)}
    missing = [u.unit for u in in_roll if u.unit not in names]
    if missing:
        raise ValueError(f"no pseudonym for unit {missing[0]}")  # the caller's mistake, not the input's
    if len({names[u.unit] for u in in_roll}) != len(in_roll):
        raise ValueError("two units share a pseudonym")
    in_roll.sort(key=lambda u: pseudonym_key(names[u.unit]))

    # Heads are numbered as they first appear in the pseudonyms' order; a ballot is published
    # under its head's first unit in that order (TALLY.md: a ballot names any unit of its head).
    head_ids, first_unit = {}, {}
    for u in in_roll:
        head = head_of[u.unit]
        if head.key not in head_ids:
            head_ids[head.key] = head_id(len(head_ids) + 1)
            first_unit[head.key] = names[u.unit]
    roll = []
    for u in in_roll:
        head = head_of[u.unit]
        published = {"unit": names[u.unit]}
        if u.building:
            published["building"] = u.building
        published.update(kind=u.kind, area=rules.format_area(u.area), owners=[head_ids[head.key]])
        if head.developer_held:
            published["developer_held"] = True
        roll.append(published)

    counted, receipts = [], set()
    for i, ballot in enumerate(ballots):
        where = f"ballots[{i}] (unit {ballot.get('unit') if isinstance(ballot, dict) else ballot})"
        if not isinstance(ballot, dict):
            raise rules.TallyError(_("%(where)s: expected an object") % {"where": where})
        channel = ballot.get("channel", "online")
        if channel not in CHANNELS:
            raise rules.TallyError(_("%(where)s: unknown channel “%(channel)s”: use online, paper or proxy")
                                   % {"where": where, "channel": channel})
        receipt = ballot.get("receipt")
        if receipt is not None and (not isinstance(receipt, str) or not receipt):
            raise rules.TallyError(_("%(where)s: the receipt must be a code") % {"where": where})
        if receipt is not None and receipt in receipts:
            raise rules.TallyError(_("%(where)s: a second ballot with the same receipt") % {"where": where})
        receipts.add(receipt)
        head = head_of[ballot["unit"]]  # rules.tally above: every ballot names a unit in the roll
        counted.append({"ballot": ballot_code(receipt) if receipt else None, "head": head_ids[head.key],
                        "unit": first_unit[head.key], "choice": ballot["choice"], "channel": channel})
    counted.sort(key=lambda e: pseudonym_key(e["unit"]))

    entries, prev = [], GENESIS
    for seq, fields in enumerate(counted, start=1):
        entry = {"seq": seq, **fields, "prev": prev}
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
    1, 2, 3, … without gap, each ``prev`` is the previous entry's hash and each ``hash``
    matches its entry, each entry's head is its unit's head in the roll, ``head_hash`` is the
    last entry's hash, and the recount equals the published ``result``. In the current format
    also: each entry has exactly its keys (no time), its ballot code is 16 hex digits (or null)
    and no other entry's, and the entries follow the order of the roll. Each problem names the
    entry (``seq N``) it is about. Never raises, whatever the document holds.
    """
    problems: list[str] = []
    if not isinstance(doc, dict):
        return False, [_("the log is not a JSON object")], {}
    legacy = doc.get("format") == LEGACY_FORMAT
    if doc.get("format") not in (FORMAT, LEGACY_FORMAT):
        problems.append(_("format is “%(format)s”, expected “%(expected)s” (or the older “%(legacy)s”)")
                        % {"format": doc.get("format"), "expected": FORMAT, "legacy": LEGACY_FORMAT})
    keys = LEGACY_ENTRY_KEYS if legacy else ENTRY_KEYS
    poll, entries = doc.get("poll"), doc.get("entries")
    if not isinstance(poll, dict) or not isinstance(poll.get("units"), list):
        problems.append(_("the log has no poll with its roll of units"))
        poll = None
    if not isinstance(entries, list):
        problems.append(_("the log has no list of entries"))
        entries = None

    heads_by_unit, position_in_roll = {}, {}
    if poll is not None:
        for unit in poll["units"]:
            if isinstance(unit, dict) and isinstance(unit.get("unit"), str):
                owners = unit.get("owners")
                heads_by_unit[unit["unit"]] = owners[0] if isinstance(owners, list) and len(owners) == 1 else None
                position_in_roll.setdefault(unit["unit"], len(position_in_roll))

    last_hash, last_seq, last_unit = GENESIS, 0, None
    codes: dict[str, str] = {}
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
        missing = [key for key in keys if key not in entry]
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
        if not legacy:
            problems.extend(_current_entry_problems(entry, name, codes, last_unit, position_in_roll))
            if isinstance(unit, str) and unit in position_in_roll:
                last_unit = unit
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


def _show(value) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)[:80]
    except (TypeError, ValueError):
        return repr(value)[:80]


def _current_entry_problems(entry: dict, name: str, codes: dict, last_unit, position_in_roll: dict) -> list[str]:
    """What the current format adds: nothing but its keys (a time would help link a ballot to
    a door), a well-formed ballot code no other entry has, and the roll's order."""
    problems = []
    extra = sorted(str(key) for key in entry if key not in ENTRY_KEYS)
    if extra:
        problems.append(_("%(entry)s: unexpected %(keys)s: this format publishes nothing else")
                        % {"entry": name, "keys": ", ".join(extra)})
    code = entry.get("ballot")
    if code is not None and (not isinstance(code, str) or not _BALLOT_CODE.fullmatch(code)):
        problems.append(_("%(entry)s: the ballot code %(code)s is not 16 hexadecimal digits")
                        % {"entry": name, "code": _show(code)})
    elif code is not None:
        if code in codes:
            problems.append(_("%(entry)s: ballot %(code)s is already in the log (%(first)s)")
                            % {"entry": name, "code": code, "first": codes[code]})
        else:
            codes[code] = name
    unit = entry.get("unit")
    if isinstance(unit, str) and unit in position_in_roll and last_unit is not None \
            and position_in_roll[unit] <= position_in_roll[last_unit]:
        problems.append(_("%(entry)s: unit %(unit)s is listed after %(before)s, which comes after it in the roll: "
                          "entries follow the roll's order") % {"entry": name, "unit": unit, "before": last_unit})
    return problems
