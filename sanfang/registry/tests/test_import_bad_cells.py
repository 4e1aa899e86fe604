"""Cells the pages or the database cannot take: codes with "/" and friends (bad_code), control
characters such as NUL (bad_text), and a write the database refuses (conflict, no traceback)."""

import pytest
from django.urls import reverse

from sanfang.places.models import Building, Compound
from sanfang.registry.services import registry_import, registry_import_file
from sanfang.registry.tests.helpers import places, table_counts, upload

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("bad", ["K/7", "K\\7", "K?7", "K#7", "K%7", "K 7", "..", "小区7"])
def test_a_compound_code_must_be_url_safe(world, bad):
    sheets = {"小区": [{"编码": bad, "名称": "新小区", "社区编码": "330199001001"}]}
    report = registry_import(sheets=sheets, actor=None)
    assert places(report) == {("小区", 2, "编码", "bad_code")}
    assert not Compound.objects.filter(name="新小区").exists()


@pytest.mark.parametrize(("sheet", "row", "column"), [
    ("楼栋", {"小区编码": "K1", "楼栋号": "3/1"}, "楼栋号"),
    ("房屋", {"小区编码": "K1", "楼栋号": "1", "单元": "1", "房号": "1/2"}, "房号"),
    ("房屋", {"小区编码": "K1", "楼栋号": "1", "单元": "1 2", "房号": "101"}, "单元"),
    ("组织", {"编码": "OC/K1", "名称": "某", "类型": "业委会", "所属小区编码": "K1"}, "编码"),
    ("物业合同", {"小区编码": "K1", "物业企业编码": "CO/1", "开始日期": "2025-01-01"}, "物业企业编码"),
    ("区域", {"编码": "3301/99", "名称": "某", "层级": "社区", "上级编码": "330199001"}, "编码"),
])
def test_codes_and_numbers_with_a_slash_are_refused(world, sheet, row, column):
    report = registry_import(sheets={sheet: [row]}, actor=None)
    assert (sheet, 2, column, "bad_code") in places(report)


def test_chinese_building_numbers_import_and_their_pages_work(world, login):
    sheets = {"楼栋": [{"小区编码": "K1", "楼栋号": "地下车库"}],
              "房屋": [{"小区编码": "K1", "楼栋号": "地下车库", "单元": "", "房号": "B1-001", "类型": "车位"}]}
    report = registry_import(sheets=sheets, actor=None)
    assert report.ok, report.errors
    assert Building.objects.filter(compound__code="K1", number="地下车库").exists()


def test_a_slash_in_an_uploaded_building_number_never_reaches_the_pages(world, login):
    # The fast path of the parser (plain strings from a file) checks codes too.
    client = login(world.users["district"])
    report = registry_import_file(file=upload({"楼栋": [{"小区编码": "K1", "楼栋号": "3/1"}]}), actor=None)
    assert places(report) == {("楼栋", 2, "楼栋号", "bad_code")}
    assert client.get(reverse("orgs:compound", args=["K1"])).status_code == 200


@pytest.mark.parametrize(("sheet", "row", "column"), [
    ("小区", {"编码": "K9", "名称": "新\x00小区", "社区编码": "330199001001"}, "名称"),
    ("小区", {"编码": "K\x009", "名称": "新小区", "社区编码": "330199001001"}, "编码"),
    ("小区", {"编码": "K9", "名称": "新小区", "社区编码": "330199001001", "地址": "路\x07"}, "地址"),
    ("小区", {"编码": "K9", "名称": "新小区", "社区编码": "330199001001", "类型": "商品房\x00"}, "类型"),
    ("业主", {"小区编码": "K1", "楼栋号": "1", "单元": "1", "房号": "101", "姓名": "张\x00三",
             "证件号": "110101199001010014"}, "姓名"),
])
def test_control_characters_are_refused_in_every_cell(world, sheet, row, column):
    before = table_counts()
    report = registry_import(sheets={sheet: [row]}, actor=None)
    assert (sheet, 2, column, "bad_text") in places(report), report.errors
    assert table_counts() == before


def test_a_nul_in_an_uploaded_cell(world):
    report = registry_import_file(file=upload({"小区": [{"编码": "K9", "名称": "新\x00小区", "社区编码": "330199001001"}]}),
                                  actor=None)
    assert ("小区", 2, "名称", "bad_text") in places(report)


def test_tabs_and_line_breaks_are_fine_in_free_text(world):
    report = registry_import(sheets={"小区": [{"编码": "K9", "名称": "新小区", "社区编码": "330199001001",
                                              "地址": "文三路\n100 号"}]}, actor=None)
    assert report.ok, report.errors
    assert Compound.objects.get(code="K9").address == "文三路\n100 号"


def test_any_database_error_at_the_write_is_a_conflict_not_a_traceback(world, monkeypatch):
    from django.db import DataError

    from sanfang.registry import apply

    def fail(self):
        raise DataError("invalid byte sequence for encoding UTF8: 0x00")

    monkeypatch.setattr(apply.Writer, "write", fail)
    before = table_counts()
    report = registry_import(sheets={"楼栋": [{"小区编码": "K1", "楼栋号": "8"}]}, actor=None)
    assert [e.code for e in report.errors] == ["conflict"]
    assert table_counts() == before
