"""``sanfang import-registry`` and ``sanfang export-registry``."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sanfang.core import history
from sanfang.core.models import ChangeEvent
from sanfang.places.models import Building
from sanfang.registry.models import ImportBatch
from sanfang.registry.tests.helpers import table_counts, xlsx
from sanfang.registry.workbook import read_workbook

pytestmark = pytest.mark.django_db

GOOD = {"楼栋": [{"小区编码": "K1", "楼栋号": "2", "层数": 6}]}


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def good_file(tmp_path):
    path = tmp_path / "good.xlsx"
    path.write_bytes(xlsx(GOOD))
    return str(path)


def test_import_prints_a_summary_and_records_the_actor(world, good_file):
    out, _err = run("import_registry", good_file, "--actor", "district")
    assert "楼栋" in out and "1" in out
    batch = ImportBatch.objects.get()
    assert batch.actor == world.users["district"] and batch.file_name == "good.xlsx"
    event = ChangeEvent.objects.get(source=f"import:{batch.pk}", actor=world.users["district"])
    assert (event.action, event.changes) == ("create", {"count": 1})
    building = Building.objects.get(pk=event.object_id)
    assert list(history.history_of(building)) == [event]
    # Again: nothing changes.
    before = table_counts()
    run("import_registry", good_file)
    assert table_counts() == before


def test_dry_run_writes_nothing(world, good_file):
    before = table_counts()
    run("import_registry", good_file, "--dry-run")
    assert table_counts() == before
    assert not Building.objects.filter(number="2").exists()


def test_problems_are_printed_and_exit_1(world, tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(xlsx({"楼栋": [{"小区编码": "K404", "楼栋号": "1"}, {"小区编码": "K1", "楼栋号": "3", "层数": "x"}]}))
    before = table_counts()
    with pytest.raises(CommandError) as info:
        run("import_registry", str(path))
    assert info.value.returncode == 1
    assert table_counts() == before


def test_problem_lines_name_sheet_row_and_column(world, tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(xlsx({"楼栋": [{"小区编码": "K404", "楼栋号": "1"}]}))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_registry", str(path), stdout=io.StringIO(), stderr=err)
    assert err.getvalue().startswith("楼栋 第2行 小区编码: ")


@pytest.mark.parametrize("content", [b"", b"not a workbook", b"PK\x03\x04broken zip"])
def test_bad_files_are_a_command_error_without_traceback(world, tmp_path, content):
    path = tmp_path / "x.xlsx"
    path.write_bytes(content)
    with pytest.raises(CommandError) as info:
        run("import_registry", str(path))
    assert info.value.returncode == 1


def test_missing_file_and_unknown_actor(world, tmp_path, good_file):
    with pytest.raises(CommandError):
        run("import_registry", str(tmp_path / "nope.xlsx"))
    with pytest.raises(CommandError):
        run("import_registry", good_file, "--actor", "nobody")


def test_too_big(world, good_file, settings):
    settings.REGISTRY_UPLOAD_MAX_BYTES = 10
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_registry", good_file, stdout=io.StringIO(), stderr=err)
    assert "MB" in err.getvalue()


def test_export(world, tmp_path):
    path = tmp_path / "out.xlsx"
    run("export_registry", "--region", "330199002", str(path))
    book = read_workbook(path)
    assert {r["编码"] for r in book["小区"]} == {"K3"}
    # What was exported imports back unchanged.
    before = table_counts()
    run("import_registry", str(path))
    assert table_counts() == before


def test_export_unknown_region_or_bad_name(world, tmp_path):
    with pytest.raises(CommandError):
        run("export_registry", "--region", "999", str(tmp_path / "out.xlsx"))
    with pytest.raises(CommandError):
        run("export_registry", str(tmp_path / "out.csv"))
    with pytest.raises(CommandError):
        run("export_registry", str(tmp_path / "missing-dir" / "out.xlsx"))
