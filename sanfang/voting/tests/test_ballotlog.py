"""voting/ballotlog.py: the published, pseudonymous, hash-chained ballot log (RULES V10) — built,
verified, every kind of tampering caught with the entry named, and nothing in it that tells
which home cast which ballot (no unit label, name or time, and not the roll's order)."""

import copy
import hashlib
import json
import random
import secrets

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from sanfang.voting import ballotlog, rules
from sanfang.voting.ballotlog import GENESIS, build_log, entry_hash, verify_log
from sanfang.voting.tests.test_rules_property import polls, reference


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


META = {"matter": "use_maintenance_fund", "decided_on": "2026-06-01", "scope": {"building": "3"},
        "parking_counts": False}
UNITS = [
    {"unit": "3-1-101", "building": "3", "kind": "residence", "area": "89.50", "owners": ["张三"]},
    {"unit": "3-1-102", "building": "3", "kind": "residence", "area": "120.00", "owners": ["李四", "王五"]},
    {"unit": "3-1-201", "building": "3", "kind": "residence", "area": "95.00", "owners": ["开发商"],
     "developer_held": True},
    {"unit": "3-1-202", "building": "3", "kind": "residence", "area": "95.00", "owners": ["开发商"],
     "developer_held": True},
    {"unit": "3-2-101", "building": "3", "kind": "residence", "area": "88.00", "owners": ["张三"]},
    {"unit": "3-2-102", "building": "3", "kind": "residence", "area": "90.00", "owners": ["赵六"]},
    {"unit": "3-2-201", "building": "3", "kind": "residence", "area": "91.00", "owners": ["钱七"]},
    {"unit": "3-2-202", "building": "3", "kind": "residence", "area": "92.00", "owners": ["孙八"]},
    {"unit": "4-1-101", "building": "4", "kind": "residence", "area": "99.00", "owners": ["周九"]},
    {"unit": "P-001", "building": "3", "kind": "parking", "area": "12.00", "owners": ["张三"]},
]
BALLOTS = [
    {"unit": "3-1-101", "choice": "yes", "channel": "online", "at": "2026-05-20T09:30:00+08:00",
     "receipt": "A1B2C3D4E5F6"},
    {"unit": "3-1-102", "choice": "abstain", "channel": "paper", "at": "2026-05-21T10:00:00+08:00",
     "receipt": "0F1E2D3C4B5A"},
    {"unit": "3-2-102", "choice": "yes", "channel": "proxy", "at": "2026-05-21T11:15:00+08:00",
     "receipt": "77AA88BB99CC"},
    {"unit": "3-2-201", "choice": "no", "channel": "online", "at": "2026-05-22T08:00:00+08:00",
     "receipt": "123456ABCDEF"},
    {"unit": "3-1-202", "choice": "yes", "channel": "paper", "at": "2026-05-23T16:40:00+08:00",
     "receipt": "FEDCBA654321"},
]
N = len(BALLOTS)
ROLL = [u["unit"] for u in UNITS[:8]]  # building 4 is outside the scope (V11), P-001 does not count (V8)
NAMES = ballotlog.pseudonyms(ROLL, random.Random(2026))  # the platform draws them with secrets.SystemRandom


@pytest.fixture
def log():
    return build_log(META, UNITS, BALLOTS, names=NAMES)


def head_in(doc, label: str) -> str:
    return next(u["owners"][0] for u in doc["poll"]["units"] if u["unit"] == NAMES[label])


def forgery(doc, seq: int, prev: str) -> dict:
    """A ballot for 3-2-202 (孙八, who did not vote), as a forger would add it."""
    return {"seq": seq, "ballot": "ab" * 8, "head": head_in(doc, "3-2-202"), "unit": NAMES["3-2-202"],
            "choice": "yes", "channel": "online", "prev": prev}


def problems_of(doc):
    ok, problems, _ = verify_log(doc)
    assert not ok and problems
    return problems


def rechain(doc, start=0):
    """What a forger with the software would do: recompute the chain from ``start`` on."""
    prev = doc["entries"][start - 1]["hash"] if start else GENESIS
    for entry in doc["entries"][start:]:
        entry["prev"] = prev
        entry["hash"] = prev = entry_hash(entry)
    return prev


# --- building ----------------------------------------------------------------------------------


def test_built_log_verifies_and_its_result_is_the_tally(log):
    ok, problems, result = verify_log(log)
    assert ok and problems == []
    assert result == log["result"] == rules.tally({**META, "units": UNITS, "ballots": BALLOTS})
    assert list(log) == ["format", "poll", "entries", "result", "head_hash"]
    assert log["format"] == "sanfang-ballot-log/2"


def test_no_label_name_receipt_or_time_is_published(log):
    text = json.dumps(log, ensure_ascii=False)
    for name in ("张三", "李四", "王五", "开发商", "赵六"):
        assert name not in text
    for unit in UNITS:
        assert unit["unit"] not in text
    for ballot in BALLOTS:
        assert ballot["receipt"] not in text and ballot["at"] not in text
    assert "T09:30" not in text and '"at"' not in text


def test_owners_are_replaced_by_per_poll_head_ids(log):
    # One owner's two flats share an id, co-owners one id, the developer's units one id (V7).
    assert head_in(log, "3-1-101") == head_in(log, "3-2-101")
    assert head_in(log, "3-1-201") == head_in(log, "3-1-202")
    assert len({head_in(log, label) for label in ROLL}) == 6
    # Heads are numbered as they first appear in the pseudonyms' (random) order.
    heads = list(dict.fromkeys(u["owners"][0] for u in log["poll"]["units"]))
    assert heads == [ballotlog.head_id(n) for n in range(1, 7)]
    developer = [u for u in log["poll"]["units"] if u.get("developer_held")]
    assert sorted(u["unit"] for u in developer) == sorted([NAMES["3-1-201"], NAMES["3-1-202"]])


def test_the_roll_holds_only_units_in_the_roll_under_their_pseudonyms(log):
    units = log["poll"]["units"]
    assert [u["unit"] for u in units] == [ballotlog.unit_id(n) for n in range(1, 9)]
    by_label = {label: next(u for u in units if u["unit"] == NAMES[label]) for label in ROLL}
    # Building, kind and area stay: the scope (V11), parking (V8) and the heads' areas (V7).
    assert by_label["3-1-102"] == {"unit": NAMES["3-1-102"], "building": "3", "kind": "residence",
                                   "area": "120.00", "owners": [head_in(log, "3-1-102")]}


def test_the_pseudonyms_are_not_in_the_roll_order():
    labels = [f"1-{floor}-{door}" for floor in range(1, 11) for door in ("101", "102", "201", "202", "301")]
    assert len(labels) == 50
    for rng in (secrets.SystemRandom(), random.Random(1)):
        names = ballotlog.pseudonyms(labels, rng)
        assert sorted(names.values()) == [ballotlog.unit_id(n) for n in range(1, 51)]
        by_pseudonym = sorted(labels, key=lambda label: names[label])
        assert by_pseudonym != labels and by_pseudonym != sorted(labels)
    # Two publications draw two orders (50! of them).
    assert ballotlog.pseudonyms(labels, secrets.SystemRandom()) != ballotlog.pseudonyms(labels, secrets.SystemRandom())


def test_entries(log):
    entries = log["entries"]
    assert [e["seq"] for e in entries] == list(range(1, N + 1))
    assert [list(e) for e in entries] == [list(ballotlog.ENTRY_KEYS)] * N
    assert entries[0]["prev"] == GENESIS and log["head_hash"] == entries[-1]["hash"]
    for before, entry in zip(entries, entries[1:], strict=False):
        assert entry["prev"] == before["hash"]
    # In the roll's (pseudonyms') order, not the order the ballots came in.
    assert [e["unit"] for e in entries] == sorted(e["unit"] for e in entries)
    by_code = {e["ballot"]: e for e in entries}
    for ballot in BALLOTS:
        entry = by_code[ballotlog.ballot_code(ballot["receipt"])]
        assert (entry["choice"], entry["channel"]) == (ballot["choice"], ballot["channel"])
        assert entry["head"] == head_in(log, ballot["unit"])


def test_a_ballot_is_published_under_its_heads_first_unit_in_pseudonym_order():
    # The developer's head votes naming 3-1-202; the entry names whichever of its two units
    # has the lower pseudonym, so not even the unit named on the paper ballot shows.
    log = build_log(META, UNITS, [{**BALLOTS[4], "unit": "3-1-201"}], names=NAMES)
    assert log["entries"][0]["unit"] == min(NAMES["3-1-201"], NAMES["3-1-202"])
    assert build_log(META, UNITS, [BALLOTS[4]], names=NAMES)["entries"] == log["entries"]


def test_the_ballot_code_is_the_documented_recipe():
    # README: printf %s RECEIPT | sha256sum | cut -c1-16
    assert ballotlog.ballot_code("A1B2C3D4E5F6") == hashlib.sha256(b"A1B2C3D4E5F6").hexdigest()[:16]
    assert build_log(META, UNITS, [{**BALLOTS[0], "receipt": None}], names=NAMES)["entries"][0]["ballot"] is None


def test_anyone_can_recompute_a_hash_from_the_documented_recipe(log):
    # voting/README.md: SHA-256 of the entry without "hash", keys sorted, no spaces, UTF-8.
    for entry in log["entries"]:
        body = {k: v for k, v in entry.items() if k != "hash"}
        text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert hashlib.sha256(text.encode("utf-8")).hexdigest() == entry["hash"]


def test_a_log_survives_a_round_trip_through_json(log):
    assert verify_log(json.loads(json.dumps(log, ensure_ascii=False)))[0]
    assert verify_log(json.loads(json.dumps(log, ensure_ascii=True, indent=2)))[0]


def test_nobody_voted():
    doc = build_log(META, UNITS, [], names=NAMES)
    assert doc["entries"] == [] and doc["head_hash"] == GENESIS
    assert verify_log(doc)[0]


def test_the_builder_is_pure_and_the_ballots_order_does_not_show(log):
    assert build_log(META, UNITS, BALLOTS, names=NAMES) == log
    assert build_log(META, UNITS, BALLOTS[::-1], names=NAMES) == log
    assert build_log(META, UNITS, [{**b, "at": "2026-05-30T00:00:00+08:00"} for b in BALLOTS], names=NAMES) == log


def test_without_names_the_units_are_numbered_in_the_order_given():
    doc = build_log(META, UNITS, BALLOTS)
    assert [u["unit"] for u in doc["poll"]["units"]] == [ballotlog.unit_id(n) for n in range(1, 9)]
    assert verify_log(doc)[0]


def test_names_must_cover_the_roll():
    with pytest.raises(ValueError, match="no pseudonym for unit 3-2-202"):
        build_log(META, UNITS, BALLOTS, names={k: v for k, v in NAMES.items() if k != "3-2-202"})
    with pytest.raises(ValueError, match="share a pseudonym"):
        build_log(META, UNITS, BALLOTS, names={**NAMES, "3-2-202": NAMES["3-1-101"]})


@pytest.mark.parametrize(("ballots", "message"), [
    ([{**BALLOTS[0], "channel": "fax"}], "unknown channel “fax”"),
    ([{**BALLOTS[0], "receipt": ""}], "the receipt must be a code"),
    ([BALLOTS[0], {**BALLOTS[1], "receipt": BALLOTS[0]["receipt"]}], "a second ballot with the same receipt"),
    ([BALLOTS[0], {**BALLOTS[0], "unit": "3-2-101"}], r"ballots\[1\] \(unit 3-2-101\): duplicate head"),
    ([{**BALLOTS[0], "unit": "4-1-101"}], "outside the scope"),
    ([{**BALLOTS[0], "unit": "9-9-999"}], "unknown unit"),
    ([{**BALLOTS[0], "choice": "oui"}], "bad choice"),
])
def test_bad_ballots_are_refused_when_building(ballots, message):
    with pytest.raises(rules.TallyError, match=message):
        build_log(META, UNITS, ballots, names=NAMES)


# --- tampering ------------------------------------------------------------------------------------


@pytest.mark.parametrize("k", range(1, N))
def test_removing_an_entry_before_the_end(log, k):
    del log["entries"][k - 1]
    problems = problems_of(log)
    assert any(f"seq {k} was expected" in p for p in problems)
    assert any(p.startswith(f"seq {k + 1}: prev is not the hash") for p in problems)


def test_removing_the_last_entry_shows_only_against_head_hash_and_result(log):
    del log["entries"][-1]
    problems = problems_of(log)
    assert any(p.startswith(f"head_hash does not match the hash of the last entry (seq {N - 1})") for p in problems)
    assert any(p.startswith("result: ") for p in problems)


def test_cutting_the_end_and_rewriting_head_hash_and_result_is_consistent(log):
    # This is why head_hash and the result must be published where the server cannot rewrite
    # them (the notice board): a log cut at the end and re-summarised checks on its own.
    del log["entries"][-1]
    log["head_hash"] = log["entries"][-1]["hash"]
    log["result"] = rules.tally(ballotlog.tally_input(log))
    assert verify_log(log)[0]


def test_a_forged_entry_appended_with_a_correct_chain(log):
    forged = forgery(log, N + 1, log["head_hash"])
    forged["hash"] = entry_hash(forged)
    log["entries"].append(forged)
    problems = problems_of(log)
    assert any(p.startswith(f"head_hash does not match the hash of the last entry (seq {N + 1})") for p in problems)
    assert any(p.startswith("result: yes is published as") for p in problems)


def test_a_forged_entry_appended_without_the_chain(log):
    log["entries"].append({**forgery(log, N + 1, "f" * 64), "hash": "e" * 64})
    problems = problems_of(log)
    assert f"seq {N + 1}: prev is not the hash of the entry before it (seq {N})" in problems
    assert f"seq {N + 1}: hash does not match the entry's content" in problems


@pytest.mark.parametrize("k", range(1, N + 1))
def test_a_forged_entry_inserted(log, k):
    forged = forgery(log, k, log["entries"][k - 2]["hash"] if k > 1 else GENESIS)
    forged["hash"] = entry_hash(forged)
    log["entries"].insert(k - 1, forged)
    problems = problems_of(log)
    # The entry that used to be seq k now follows the forgery: both its number and its prev break.
    assert any(p.startswith(f"seq {k} follows seq {k}") for p in problems)
    assert any(p.startswith(f"seq {k}: prev is not the hash") for p in problems)


@pytest.mark.parametrize("k", range(1, N + 1))
def test_altering_a_choice(log, k):
    entry = log["entries"][k - 1]
    entry["choice"] = "no" if entry["choice"] == "yes" else "yes"
    problems = problems_of(log)
    assert f"seq {k}: hash does not match the entry's content" in problems
    assert any(p.startswith("result: ") for p in problems)


@pytest.mark.parametrize("k", range(1, N))
def test_altering_a_choice_and_its_hash(log, k):
    entry = log["entries"][k - 1]
    entry["choice"] = "no" if entry["choice"] == "yes" else "yes"
    entry["hash"] = entry_hash(entry)
    problems = problems_of(log)
    assert f"seq {k + 1}: prev is not the hash of the entry before it (seq {k})" in problems


@pytest.mark.parametrize(("i", "j"), [(0, 1), (1, 3), (2, 4), (0, 4)])
def test_swapping_two_entries(log, i, j):
    entries = log["entries"]
    entries[i], entries[j] = entries[j], entries[i]
    problems = problems_of(log)
    assert any(p.startswith(f"seq {j + 1} follows seq {i}: seq {i + 1} was expected") for p in problems)
    assert any(p.startswith(f"seq {j + 1}: prev is not the hash") for p in problems)


def test_swapping_and_renumbering_breaks_the_chain(log):
    entries = log["entries"]
    entries[1], entries[2] = entries[2], entries[1]
    entries[1]["seq"], entries[2]["seq"] = 2, 3
    problems = problems_of(log)
    assert "seq 2: hash does not match the entry's content" in problems
    assert "seq 2: prev is not the hash of the entry before it (seq 1)" in problems


def test_changing_the_head_of_an_entry(log):
    first = log["entries"][0]
    right = first["head"]
    wrong = next(u["owners"][0] for u in log["poll"]["units"] if u["owners"][0] != right)
    first["head"] = wrong
    rechain(log)
    log["head_hash"] = log["entries"][-1]["hash"]
    assert problems_of(log) == [f"seq 1: head {wrong} is not the head of unit {first['unit']} in the roll ({right})"]


def test_a_rewritten_result(log):
    assert log["result"]["passed"] is True  # 3 yes of 5, 457.50 of 668.50 m²: V4
    log["result"]["passed"] = False
    assert problems_of(log) == ["result: passed is published as false but recounts as true"]


def test_a_rewritten_roll(log):
    log["poll"]["units"][0]["area"] = "189.50"
    problems = problems_of(log)
    assert any(p.startswith("result: total is published as") for p in problems)


def test_a_rewritten_head_hash(log):
    log["head_hash"] = "0" * 64
    assert problems_of(log) == [f"head_hash does not match the hash of the last entry (seq {N}): "
                                "entries were cut off or added at the end"]


def test_a_duplicate_head_in_a_forged_chain(log):
    log["entries"].append({**log["entries"][0], "seq": N + 1, "choice": "no"})
    rechain(log)
    problems = problems_of(log)
    assert any("duplicate head" in p for p in problems)
    assert any(p.startswith(f"seq {N + 1}: ballot {log['entries'][0]['ballot']} is already in the log (seq 1)")
               for p in problems)


# --- what the current format adds: no time, ballot codes, the roll's order ------------------------


def test_a_time_put_back_into_an_entry_is_refused(log):
    log["entries"][2]["at"] = "2026-05-21T11:15:00+08:00"
    log["head_hash"] = rechain(log)
    assert problems_of(log) == ["seq 3: unexpected at: this format publishes nothing else"]


def test_entries_in_the_order_they_came_in_are_refused(log):
    # What a server publishing in recording order would produce: a consistent chain, but the
    # order would let whoever saw a collector at a door on a day link the entry to the home.
    log["entries"][0], log["entries"][3] = log["entries"][3], log["entries"][0]
    for seq, entry in enumerate(log["entries"], start=1):
        entry["seq"] = seq
    log["head_hash"] = rechain(log)
    problems = problems_of(log)
    assert problems and all("entries follow the roll's order" in p for p in problems)
    assert any(p.startswith("seq 2: unit ") for p in problems)


@pytest.mark.parametrize("code", ["ABCDEF0123456789", "abc", 12, ["x"]])
def test_a_malformed_ballot_code(log, code):
    log["entries"][1]["ballot"] = code
    log["head_hash"] = rechain(log)
    problems = problems_of(log)
    assert problems == [f"seq 2: the ballot code {json.dumps(code)} is not 16 hexadecimal digits"]


def test_a_ballot_code_used_twice(log):
    log["entries"][3]["ballot"] = log["entries"][1]["ballot"]
    log["head_hash"] = rechain(log)
    assert problems_of(log) == [f"seq 4: ballot {log['entries'][1]['ballot']} is already in the log (seq 2)"]


def legacy_log() -> dict:
    """A log of the first format (units by label, each ballot with its time), built as the
    platform built them before the pseudonyms: published logs stay checkable (V10)."""
    roll = {"3-1-101": "H0001", "3-1-102": "H0002", "3-1-201": "H0003"}
    units = [{"unit": u, "building": "3", "kind": "residence", "area": a, "owners": [roll[u]]}
             for u, a in (("3-1-101", "89.50"), ("3-1-102", "120.00"), ("3-1-201", "95.00"))]
    doc = {"format": "sanfang-ballot-log/1",
           "poll": {"matter": "use_maintenance_fund", "decided_on": "2026-06-01", "scope": {"building": "3"},
                    "parking_counts": False, "units": units}, "entries": []}
    prev = GENESIS
    for seq, (unit, choice) in enumerate((("3-1-102", "abstain"), ("3-1-101", "yes")), start=1):
        entry = {"seq": seq, "head": roll[unit], "unit": unit, "choice": choice, "channel": "online",
                 "at": f"2026-05-2{seq}T09:30:00+08:00", "prev": prev}
        entry["hash"] = prev = entry_hash(entry)
        doc["entries"].append(entry)
    doc["result"] = rules.tally(ballotlog.tally_input(doc))
    doc["head_hash"] = prev
    return doc


def test_a_log_of_the_first_format_still_verifies():
    doc = legacy_log()
    ok, problems, result = verify_log(doc)
    assert ok and problems == [] and result == doc["result"]
    doc["entries"][0]["choice"] = "yes"
    assert "seq 1: hash does not match the entry's content" in problems_of(doc)
    doc = legacy_log()
    del doc["entries"][0]["at"]
    assert "seq 1: missing at" in problems_of(doc)


def test_a_log_of_an_unknown_format():
    doc = {**legacy_log(), "format": "sanfang-ballot-log/9"}
    # Checked as the current format besides: its entries lack the ballot codes.
    problems = problems_of(doc)
    assert problems[0] == ("format is “sanfang-ballot-log/9”, expected “sanfang-ballot-log/2” "
                           "(or the older “sanfang-ballot-log/1”)")
    assert "seq 1: missing ballot" in problems


@pytest.mark.parametrize("doc", [
    None, [], "log", 3, {}, {"format": "sanfang-ballot-log/1"}, {"format": "sanfang-ballot-log/2"},
    {"format": "sanfang-ballot-log/2", "poll": {"units": []}, "entries": [1, None, {"seq": True}]},
    {"format": "sanfang-ballot-log/2", "poll": {"units": [{"unit": "x"}]}, "entries": [{"ballot": {"a": 1}}]},
    {"format": "sanfang-ballot-log/1", "poll": {"units": []}, "entries": [1, None, {"seq": True}]},
    {"format": "sanfang-ballot-log/1", "poll": {"units": [{"unit": "x"}]}, "entries": [{"hash": float("nan")}]},
])
def test_garbage_is_a_list_of_problems_not_a_crash(doc):
    ok, problems, result = verify_log(doc)
    assert not ok and problems and result == {}


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=20)


@settings(max_examples=200, deadline=None, database=None)
@given(st.data())
def test_verify_never_raises(log_factory_data):
    data = log_factory_data
    doc = copy.deepcopy(build_log(META, UNITS, BALLOTS, names=NAMES))
    # Replace one random part of a real log with random JSON.
    where = data.draw(st.sampled_from(["poll", "entries", "result", "head_hash", "entry", "unit", "roll"]))
    junk = data.draw(JSON)
    if where == "entry":
        doc["entries"][data.draw(st.integers(0, N - 1))] = junk
    elif where == "unit":
        doc["poll"]["units"][data.draw(st.integers(0, 7))] = junk
    elif where == "roll":
        doc["poll"]["units"] = junk
    else:
        doc[where] = junk
    ok, problems, result = verify_log(doc)
    assert isinstance(ok, bool) and isinstance(problems, list) and isinstance(result, dict)
    assert ok == (not problems)


@settings(max_examples=150, deadline=None, database=None)
@given(polls(), st.data())
def test_random_polls_build_verify_and_catch_a_removed_or_altered_entry(data, more):
    if reference(data) is None:
        return  # an empty roll or one without area: tally refuses it (tested there)
    stamped = [{**b, "channel": more.draw(st.sampled_from(ballotlog.CHANNELS)), "receipt": f"R{i:011d}"}
               for i, b in enumerate(data["ballots"])]
    labels = [u["unit"] for u in data["units"]]
    doc = build_log(data, data["units"], stamped,
                    names=ballotlog.pseudonyms(labels, random.Random(more.draw(st.integers(0, 2**32)))))
    ok, problems, result = verify_log(doc)
    assert ok and result == rules.tally(data) == doc["result"]
    assert {u["unit"] for u in doc["poll"]["units"]} <= {ballotlog.unit_id(n) for n in range(1, len(labels) + 1)}
    if not doc["entries"]:
        return
    k = more.draw(st.integers(1, len(doc["entries"])))
    removed = copy.deepcopy(doc)
    del removed["entries"][k - 1]
    assert any(f"seq {k}" in p or f"seq {k - 1}" in p for p in verify_log(removed)[1])
    altered = copy.deepcopy(doc)
    altered["entries"][k - 1]["choice"] = {"yes": "no", "no": "abstain", "abstain": "yes"}[
        altered["entries"][k - 1]["choice"]]
    assert f"seq {k}: hash does not match the entry's content" in verify_log(altered)[1]
