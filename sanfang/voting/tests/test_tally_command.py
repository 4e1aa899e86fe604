"""`sanfang voting tally` and `sanfang voting verify` as an owner, a court or an auditor runs
them (contracts/TALLY.md): the console script in a subprocess, exact bytes on stdout, exit
status 2 and one line on standard error for bad input."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from sanfang.voting import ballotlog

SANFANG = str(Path(sys.executable).with_name("sanfang"))
ENV = {**os.environ, "SECRET_KEY": os.environ.get("SECRET_KEY", "x"), "SANFANG_TESTING": "1",
       "DJANGO_SETTINGS_MODULE": "sanfang.settings"}

# contracts/TALLY.md, the example input, verbatim.
EXAMPLE_INPUT = """\
{
  "matter": "use_maintenance_fund",
  "decided_on": "2026-06-01",
  "scope": {"building": "3"},
  "parking_counts": false,
  "units": [
    {"unit": "3-1-101", "building": "3", "kind": "residence", "area": "89.50", "owners": ["P1"]},
    {"unit": "3-1-102", "building": "3", "kind": "residence", "area": "120.00", "owners": ["P2", "P3"]},
    {"unit": "3-1-201", "building": "3", "kind": "residence", "area": "95.00", "owners": ["DEV"], "developer_held": true}
  ],
  "ballots": [
    {"unit": "3-1-101", "choice": "yes"},
    {"unit": "3-1-102", "choice": "abstain"}
  ]
}
"""

# contracts/TALLY.md, the example output as printed there (wrapped over lines), except for one
# value: the contract shows "quorum_met": false, but 2 of 3 heads is exactly 2/3 and 209.50 of
# 304.50 m² is more than 2/3, so RULES V2 (CC 278, "以上" includes the number: CC 1259) says the
# quorum IS met. The statute wins; the contract example needs correcting (reported).
EXAMPLE_OUTPUT = """\
{"rule_set": "civil-code-2021", "matter_class": "ordinary",
 "total": {"heads": 3, "area": "304.50"},
 "participating": {"heads": 2, "area": "209.50"},
 "yes": {"heads": 1, "area": "89.50"}, "no": {"heads": 0, "area": "0.00"},
 "abstain": {"heads": 1, "area": "120.00"},
 "quorum_met": true, "passed": false}"""


def run(*args, stdin=None):
    return subprocess.run([SANFANG, "voting", *args], input=stdin, capture_output=True, text=True,
                          env=ENV, timeout=120, check=False)


def write(tmp_path, data, name="in.json") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def example(**changes) -> dict:
    data = json.loads(EXAMPLE_INPUT)
    data.update(changes)
    return data


# --- tally ------------------------------------------------------------------------------------------


def test_the_contract_example_byte_for_byte(tmp_path):
    done = run("tally", write(tmp_path, EXAMPLE_INPUT))
    assert (done.returncode, done.stderr) == (0, "")
    # The contract's object on one line: its line breaks are where json.dumps puts ", ".
    assert done.stdout == EXAMPLE_OUTPUT.replace("\n", "") + "\n"


def test_standard_input():
    done = run("tally", "-", stdin=EXAMPLE_INPUT)
    assert done.returncode == 0 and json.loads(done.stdout) == json.loads(EXAMPLE_OUTPUT)


def test_through_call_command(tmp_path):
    out = StringIO()
    call_command("voting", "tally", write(tmp_path, EXAMPLE_INPUT), stdout=out)
    assert out.getvalue() == EXAMPLE_OUTPUT.replace("\n", "") + "\n"
    out = StringIO()
    call_command("voting", "tally", "-", stdin=StringIO(EXAMPLE_INPUT), stdout=out)
    assert json.loads(out.getvalue())["total"] == {"heads": 3, "area": "304.50"}


def test_an_area_written_as_a_json_number_stays_exact(tmp_path):
    # An area written as a JSON number is read as a Decimal, never a float (RULES V5).
    data = example()
    data["units"][0]["area"] = 89.5
    text = json.dumps(data).replace('"area": 89.5', '"area": 89.50')
    done = run("tally", write(tmp_path, text))
    assert done.returncode == 0 and json.loads(done.stdout)["yes"]["area"] == "89.50"


BAD = {
    "unknown unit": (example(ballots=[{"unit": "3-9-999", "choice": "yes"}]), "3-9-999"),
    "duplicate head": (example(ballots=[{"unit": "3-1-102", "choice": "yes"}, {"unit": "3-1-102", "choice": "no"}]),
                       "ballots[1] (unit 3-1-102)"),
    "unknown matter": (example(matter="sell_the_roof"), "sell_the_roof"),
    "malformed area": (example(units=[{**example()["units"][0], "area": "89.505"}]), "89.505"),
    "negative area": (example(units=[{**example()["units"][0], "area": "-1"}]), "unit 3-1-101"),
    "bad choice": (example(ballots=[{"unit": "3-1-101", "choice": "maybe"}]), "maybe"),
    "date before any rule set": (example(decided_on="2007-09-30"), "2007-09-30"),
    "outside the scope": (example(units=[*example()["units"], {"unit": "4-1-101", "building": "4", "area": "90",
                                                               "owners": ["P9"]}],
                                  ballots=[{"unit": "4-1-101", "choice": "yes"}]), "4-1-101"),
    "unknown key": (example(parking_count=True), "parking_count"),
    "not JSON": ('{"matter": "covenant",', "in.json"),
    "NaN": ('{"matter": "covenant", "decided_on": "2026-06-01", "units": [{"unit": "1", "area": NaN}]}', "NaN"),
    "not an object": ("[1, 2]", "JSON"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_exits_2_with_one_line(tmp_path, case):
    data, item = BAD[case]
    done = run("tally", write(tmp_path, data))
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and item in lines[0], done.stderr


def test_a_missing_file_exits_2(tmp_path):
    done = run("tally", str(tmp_path / "nowhere.json"))
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1 and "nowhere.json" in done.stderr


def test_bad_input_through_call_command_has_returncode_2(tmp_path):
    with pytest.raises(CommandError, match="3-9-999") as raised:
        call_command("voting", "tally", write(tmp_path, BAD["unknown unit"][0]), stdout=StringIO())
    assert raised.value.returncode == 2


def test_an_action_is_required():
    done = run()
    assert done.returncode == 2 and "ACTION" in done.stderr


# --- verify -----------------------------------------------------------------------------------------


@pytest.fixture
def log():
    data = example()
    ballots = [{**b, "channel": "online", "at": "2026-05-20T09:30:00+08:00"} for b in data["ballots"]]
    return ballotlog.build_log(data, data["units"], ballots)


def test_verify_a_good_log(tmp_path, log):
    done = run("verify", write(tmp_path, log, "log.json"))
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == json.dumps(log["result"], ensure_ascii=False) + "\n"


def test_verify_from_standard_input(log):
    assert run("verify", "-", stdin=json.dumps(log)).returncode == 0


def test_verify_a_tampered_log(tmp_path, log):
    log["entries"][1]["choice"] = "yes"
    done = run("verify", write(tmp_path, log, "log.json"))
    assert done.returncode == 1 and done.stdout == ""
    # The platform speaks Chinese by default: check the item named, not the wording.
    lines = done.stderr.splitlines()
    assert "seq 2" in lines[0] and "hash" in lines[0]
    assert "log.json" in lines[-1] and len(lines) == 5  # 4 problems and the summary


def test_verify_through_call_command(tmp_path, log):
    out = StringIO()
    call_command("voting", "verify", write(tmp_path, log, "log.json"), stdout=out)
    assert json.loads(out.getvalue()) == log["result"]
    del log["entries"][-1]
    err = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("voting", "verify", write(tmp_path, log, "log.json"), stdout=StringIO(), stderr=err)
    assert raised.value.returncode == 1
    first = err.getvalue().splitlines()[0]
    assert "head_hash" in first and "seq 1" in first


def test_verify_something_that_is_not_json(tmp_path):
    done = run("verify", write(tmp_path, "{not json", "log.json"))
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1


def test_verify_json_that_is_not_a_log(tmp_path):
    done = run("verify", write(tmp_path, {"hello": "world"}, "log.json"))
    assert done.returncode == 1 and "sanfang-ballot-log/1" in done.stderr
