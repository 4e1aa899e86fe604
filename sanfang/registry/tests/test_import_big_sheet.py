"""A tiny file whose cells span a huge grid is refused before calamine builds the grid
(calamine would allocate it densely and abort the whole process)."""

import subprocess
import sys
import textwrap

import pytest
import xlsxwriter

from sanfang.registry import workbook
from sanfang.registry.tests.helpers import xlsx


def _far_cell(path, row, col):
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("区域")
    ws.write(0, 0, "编码")
    ws.write(row, col, "x")
    book.close()


@pytest.mark.parametrize(("row", "col"), [(1_048_575, 16_383), (5, 60), (1_048_575, 2)])
def test_check_dimensions(tmp_path, row, col):
    path = tmp_path / "far.xlsx"
    _far_cell(path, row, col)
    if col >= workbook.MAX_COLUMNS:
        with pytest.raises(workbook.TooBig):
            workbook.check_dimensions(str(path))
    else:
        workbook.check_dimensions(str(path))  # a million rows of three columns is a real district


def test_a_sparse_huge_sheet_is_too_big_and_the_process_survives(tmp_path):
    path = tmp_path / "bomb.xlsx"
    _far_cell(path, 1_048_575, 16_383)
    # In a child process: before the fix this aborts (SIGABRT) rather than raising.
    code = textwrap.dedent(f"""
        import django, os
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanfang.settings")
        django.setup()
        from sanfang.registry.services import registry_import_file
        report = registry_import_file(file={str(path)!r}, actor=None, dry_run=True)
        print([e.code for e in report.errors])
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "['too_big']"


def test_rows_keep_their_excel_numbers_when_read_lazily():
    import io

    data = xlsx({"楼栋": [{"小区编码": "K1", "楼栋号": "1"}, {}, {"小区编码": "K1", "楼栋号": "3"}]})
    book = workbook.read_workbook(io.BytesIO(data))
    assert book["楼栋"][0]["楼栋号"] == "1" and book["楼栋"][1] == {} and book["楼栋"][2]["楼栋号"] == "3"
