"""The import's shortcuts (ID numbers checked and hashed once, areas read once, people inserted
in hash order) give exactly what the plain rules give."""

import random

import pytest

from sanfang.orgs import identity
from sanfang.orgs.models import Person
from sanfang.registry import cells, parse, sample
from sanfang.registry.services import registry_import
from sanfang.registry.tests.helpers import pid, places


def outcome(fn, value):
    try:
        return "ok", fn(value)
    except cells.CellError as e:
        return e.code, e.message


def test_id_number_shortcut_agrees_with_the_full_rule():
    rng = random.Random(7)
    values = [pid(n) for n in range(300)]
    values += ["".join(rng.choice("0123456789") for _ in range(17)) + rng.choice("0123456789X") for _ in range(3000)]
    values += [v[:-1] + "x" for v in values[:50]]             # a lower-case x: normalised, then checked
    values += ["１" * 18, "11010519491231002X\n", "E12345678", "  " + pid(3), "1101051949123100*X"]
    valid = 0
    for v in values:
        # A leading space keeps the shortcut out: the full path strips and normalises it away.
        assert outcome(cells.id_number, v) == outcome(cells.id_number, " " + v), v
        expected = identity.normalise(v)
        if outcome(cells.id_number, v)[0] == "ok" and "*" not in expected:
            assert identity.is_valid_resident_id(expected)
            valid += 1
    assert valid > 300  # the valid ones and about a tenth of the random ones


@pytest.mark.parametrize("key", ["", "k", "insecure-development-person-key", "é" * 40, "x" * 64, "y" * 65, "z" * 200])
def test_person_keys_are_identity_id_hash(settings, key):
    settings.PERSON_ID_KEY = key
    keys = parse._PersonKeys()
    assert keys.hash is not identity.id_hash  # the shortcut passed its own check
    for number in ("11010519491231002X", pid(1), pid(2), "E12345678", "ＡB1234567"):
        assert keys[number] == identity.id_hash(number)


def test_memoised_reader_reports_every_bad_cell_and_reads_zero_apart():
    calls = []

    def read(value):
        calls.append(value)
        if value == "bad":
            raise cells.CellError("bad_value", "bad")
        return f"<{value}>"

    cached = parse._memoised(read)
    assert [cached("a"), cached("a"), cached(None)] == ["<a>", "<a>", "<None>"]
    for _ in range(2):
        with pytest.raises(cells.CellError):
            cached("bad")
    assert calls == ["a", None, "bad", "bad"]
    area = parse._memoised(lambda v: cells.decimal(v), float)
    assert str(area(-0.0)) == "-0.00" and str(area(0.0)) == "0.00"
    assert area(61.25) is area(61.25)


@pytest.mark.django_db
def test_repeated_bad_cells_each_report_their_problem():
    bad_id = pid(1)[:-1] + ("0" if pid(1)[-1] != "0" else "1")
    unit = {"小区编码": "K9", "楼栋号": "1", "单元": "1", "类型": "住宅", "面积来源": "测绘"}
    sheets = {
        "房屋": [{**unit, "房号": "101", "专有部分面积": -3.5}, {**unit, "房号": "102", "专有部分面积": -3.5}],
        "业主": [{"小区编码": "K9", "楼栋号": "1", "单元": "1", "房号": n, "姓名": "甲", "证件号": bad_id}
                for n in ("101", "102")],
    }
    report = registry_import(sheets=sheets, actor=None)
    found = places(report)
    assert {("房屋", 2, "专有部分面积", "bad_area"), ("房屋", 3, "专有部分面积", "bad_area"),
            ("业主", 2, "证件号", "bad_id_number"), ("业主", 3, "证件号", "bad_id_number")} <= found


@pytest.mark.django_db
def test_new_people_get_ids_in_workbook_order():
    rows = sample.district_rows(300)
    report = registry_import(sheets=rows, actor=None)
    assert report.ok, report.errors[:5]
    first_seen = list(dict.fromkeys(identity.id_hash(r["证件号"]) for r in [*rows["业主"], *rows["任职"]]))
    ids = dict(Person.objects.values_list("id_hash", "id"))
    assert len(ids) == len(first_seen)
    assert [ids[h] for h in first_seen] == sorted(ids.values())
