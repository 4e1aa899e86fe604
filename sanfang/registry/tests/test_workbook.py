"""Reading and writing the workbook format."""

import io
from datetime import date

import pytest

from sanfang.registry import workbook as wb
from sanfang.registry.tests.helpers import xlsx
from sanfang.registry.workbook import SHEETS, WorkbookError, read_workbook, write_workbook


def test_sheets_spec_is_the_contract():
    assert list(SHEETS) == ["区域", "小区", "楼栋", "房屋", "业主", "组织", "任职", "物业合同"]
    assert SHEETS["房屋"].key == ("小区编码", "楼栋号", "单元", "房号")
    assert SHEETS["业主"].key == ("小区编码", "楼栋号", "单元", "房号", "姓名", "证件号")
    assert SHEETS["任职"].key == ("组织编码", "姓名", "证件号", "职务")
    assert SHEETS["物业合同"].key == ("小区编码", "物业企业编码", "开始日期")
    assert wb.COMPOUND_KINDS["回迁安置"] == "resettlement"
    assert wb.MANAGEMENT_MODES["居委会+物业"] == "committee_company"
    assert wb.AREA_SOURCES == {"登记": "registered", "测绘": "surveyed", "合同": "contract"}
    assert wb.ORG_KINDS["群众性社团"] == "association"
    assert wb.COVERAGE_MODES["派驻党建指导员"] == "instructor"
    assert wb.POSITIONS["小区专员"] == "compound_liaison"
    assert wb.REGION_LEVELS["街道"] == "subdistrict"


def test_round_trip_keeps_values_and_row_numbers():
    rows = [
        {"小区编码": "K1", "楼栋号": "1", "单元": "1", "房号": "101", "类型": "住宅", "专有部分面积": 88.5, "面积来源": "登记"},
        {},  # a blank row in the middle keeps the numbering of the next one
        {"小区编码": "K1", "楼栋号": "1", "单元": "", "房号": "102"},
    ]
    book = read_workbook(io.BytesIO(xlsx({"房屋": rows, "物业合同": [
        {"小区编码": "K1", "物业企业编码": "CO-1", "开始日期": date(2024, 1, 1), "是否签订": True}]})))
    units = book["房屋"]
    assert len(units) == 3
    assert units[0]["房号"] == "101" and units[0]["专有部分面积"] == 88.5
    assert units[1] == {}
    assert units[2]["单元"] == "" and units[2]["房号"] == "102"
    contract = book["物业合同"][0]
    assert contract["开始日期"] == date(2024, 1, 1)
    assert contract["是否签订"] == "是"
    # The fee column's title carries its unit; it reads back as the plain header.
    assert "物业费" in contract


def test_headers_are_canonical_and_problems_are_warnings():
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    sheet = book.add_worksheet("区域")
    sheet.write_row(0, 0, ["编码★", " 名称 ", "层级（市/区/街道/社区）", "名称", "", "备注"])
    sheet.write_row(1, 0, ["3301", "杭州市", "市", "重复", "无头", "x"])
    book.close()
    result = read_workbook(io.BytesIO(buffer.getvalue()))
    assert result["区域"] == [{"编码": "3301", "名称": "杭州市", "层级": "市", "备注": "x"}]
    assert {(s, c) for s, c, _m in result.warnings} == {("区域", "名称"), ("区域", "E")}


def test_not_a_workbook():
    with pytest.raises(WorkbookError):
        read_workbook(io.BytesIO(b"PK\x03\x04 not really a zip"))
    with pytest.raises(WorkbookError):
        read_workbook(io.BytesIO(b"hello"))


def test_template_has_every_sheet_with_headers_and_an_example(tmp_path):
    path = tmp_path / "t.xlsx"
    wb.write_template(path)
    book = read_workbook(path)
    assert set(SHEETS) <= set(book)
    for name, spec in SHEETS.items():
        assert len(book[name]) == 1, name
        assert set(book[name][0]) == set(spec.headers), name


def test_write_accepts_generators_and_unknown_sheets(tmp_path):
    path = tmp_path / "g.xlsx"
    write_workbook(path, {"问题": ({"行": i, "说明": f"第{i}个"} for i in range(3))})
    assert read_workbook(path)["问题"][2] == {"行": 2.0, "说明": "第2个"}
