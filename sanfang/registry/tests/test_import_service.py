"""registry_import: all or nothing, idempotent, updates in place, history for every change."""

from datetime import date
from decimal import Decimal

import pytest

from sanfang.core import history
from sanfang.core.models import ChangeEvent
from sanfang.orgs import identity
from sanfang.orgs.models import Membership, Organization, Ownership, PartyCoverage, Person, ServiceContract
from sanfang.places.models import Building, Compound, Region, Unit
from sanfang.registry import sample
from sanfang.registry.models import ImportBatch
from sanfang.registry.services import registry_import
from sanfang.registry.tests.helpers import created_rows, pid, places, table_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def district():
    """A generated district of ~2,000 units, already imported."""
    rows = sample.district_rows(2000)
    report = registry_import(sheets=rows, actor=None)
    assert report.ok, report.errors[:5]
    return rows


def test_import_creates_everything_with_history():
    rows = sample.district_rows(1000)
    report = registry_import(sheets=rows, actor=None)
    assert report.ok, report.errors[:5]
    assert report.counts["房屋"].created == 1000
    assert report.counts["业主"].created == 1000
    assert report.counts["人员"].created == 1000
    assert Unit.objects.count() == 1000 and Ownership.objects.count() == 1000 and Person.objects.count() == 1000
    region = Region.objects.get(code="339901001001")
    assert region.path == "/3399/339901/339901001/339901001001/"
    assert region.parent.code == "339901001"
    unit = Unit.objects.select_related("building", "compound").get(compound__code="K339901-0000", building__number="1",
                                                                    entrance="1", number="101")
    assert unit.exclusive_area == Decimal("61.25") and unit.area_source == "surveyed"
    assert unit.building.compound_id == unit.compound_id
    person = Person.objects.get(id_hash=identity.id_hash(rows["业主"][0]["证件号"]))
    assert person.id_last4 == rows["业主"][0]["证件号"][-4:] and person.phone == rows["业主"][0]["手机"]
    assert not Person.objects.filter(name__contains=rows["业主"][0]["证件号"]).exists()
    oc = Organization.objects.get(code="OC-K339901-0001")
    assert oc.party_coverage.mode == "own" and oc.party_parent.code == "PB-339901001002"
    assert Organization.objects.get(code="CO-339901-000").party_coverage.mode == "joint"
    contract = ServiceContract.objects.get(compound__code="K339901-0000")
    assert contract.fee_per_m2_month == Decimal("1.80") and contract.signed and contract.end == date(2027, 12, 31)
    batch = ImportBatch.objects.get()
    assert report.batch_id == batch.pk and batch.counts["房屋"]["created"] == 1000
    created = ChangeEvent.objects.filter(source=f"import:{batch.pk}", action="create")
    # One range event per table (the new ids are contiguous), counting every created row; a
    # committee's or company's coverage row comes with it.
    assert all(e.object_id_end is not None and e.actor is None for e in created)
    assert created.count() == len({e.model for e in created}) == 10
    assert created_rows(created.exclude(model="orgs.partycoverage")) == report.created
    assert created_rows(created.filter(model="orgs.partycoverage")) == PartyCoverage.objects.count()
    # Every created row of every table is covered by exactly one create event of this batch.
    for model in (Region, Compound, Building, Unit, Person, Ownership, Organization, PartyCoverage, Membership,
                  ServiceContract):
        spans = [(e.object_id, e.object_id_end) for e in created.filter(model=history.label(model))]
        for pk in model.objects.values_list("pk", flat=True):
            assert sum(a <= pk <= b for a, b in spans) == 1, (model, pk)
    # … and each unit's own history shows its creation: actor, time and source.
    for u in Unit.objects.all():
        events = list(history.history_of(u))
        assert [(e.action, e.source, e.actor_id) for e in events] == [("create", f"import:{batch.pk}", None)]
        assert events[0].at is not None
    assert [e.action for e in history.history_of(unit)] == ["create"]


def test_second_import_changes_nothing(district):
    before = table_counts()
    report = registry_import(sheets=district, actor=None)
    assert report.ok and not report.changed
    assert report.counts["房屋"].unchanged == 2000 and report.counts["人员"].unchanged == 2000
    assert table_counts() == before  # no history rows, no batch


def test_edited_workbook_updates_in_place_with_diffs(district, django_user_model):
    actor = django_user_model.objects.create_superuser("root", password="x")
    rows = {k: [dict(r) for r in v] for k, v in district.items()}
    rows["房屋"][0]["专有部分面积"] = 70.5
    rows["房屋"][0]["面积来源"] = "登记"          # surveyed → registered: allowed (RULES V6)
    rows["小区"][0]["名称"] = "改名小区"
    rows["业主"][10]["姓名"] = "改名业主"  # an owner who holds no seat (members' names come from 任职)
    rows["物业合同"][0]["物业费"] = "2.10"
    rows["任职"][0]["任期结束"] = "2028-06-30"
    rows["区域"][1]["名称"] = "新区名"
    before = table_counts()
    report = registry_import(sheets=rows, actor=actor)
    assert report.ok, report.errors
    assert (report.created, report.updated) == (0, 6)
    assert report.counts["人员"].updated == 1 and report.counts["房屋"].updated == 1
    after = table_counts()
    assert after["ChangeEvent"] == before["ChangeEvent"] + 6
    assert ChangeEvent.objects.filter(actor=actor, action="update").count() == 6
    assert {k: v for k, v in after.items() if k not in ("ChangeEvent", "ImportBatch")} == \
        {k: v for k, v in before.items() if k not in ("ChangeEvent", "ImportBatch")}
    unit = Unit.objects.get(compound__code=rows["房屋"][0]["小区编码"], building__number="1", entrance="1", number="101")
    assert (unit.exclusive_area, unit.area_source) == (Decimal("70.50"), "registered")
    event = ChangeEvent.objects.get(model="places.unit", object_id=unit.pk, action="update")
    assert event.changes == {"exclusive_area": ["61.25", "70.50"], "area_source": ["surveyed", "registered"]}
    assert event.source == f"import:{report.batch_id}"
    compound = Compound.objects.get(code=rows["小区"][0]["编码"])
    assert ChangeEvent.objects.get(model="places.compound", object_id=compound.pk, action="update").changes == \
        {"name": ["样例小区0", "改名小区"]}
    contract = ServiceContract.objects.get(compound=compound)
    assert ChangeEvent.objects.get(model="orgs.servicecontract", object_id=contract.pk, action="update").changes == \
        {"fee_per_m2_month": ["1.80", "2.10"]}


def test_workbook_of_bad_rows_writes_nothing_and_reports_every_problem(world):
    oc = {"组织编码": "OC-K1", "职务": "委员"}
    sheets = {
        "区域": [
            {"编码": "330199003", "名称": "", "层级": "街道", "上级编码": "330199"},
            {"编码": "330199004", "名称": "南街道", "层级": "镇", "上级编码": "330199"},
            {"编码": "330199005", "名称": "北街道", "层级": "街道", "上级编码": "999999"},
            {"编码": "330199006", "名称": "中街道", "层级": "社区", "上级编码": "330199"},
            {"编码": "330199004", "名称": "南街道", "层级": "街道", "上级编码": "330199"},
            {"编码": "X" * 40, "名称": "长", "层级": "街道", "上级编码": "330199"},
        ],
        "小区": [
            {"编码": "K9", "名称": "新小区", "社区编码": "330199001", "类型": "商品房"},
            {"编码": "K10", "名称": "十", "社区编码": "330199001001", "建成年份": "一九九八"},
            {"编码": "K11", "名称": "十一", "社区编码": "330199001001", "总建筑面积": -5},
            {"编码": "K12", "名称": "十二", "社区编码": "330199001001", "经度": 200},
        ],
        "楼栋": [
            {"小区编码": "K404", "楼栋号": "1"},
            {"小区编码": "K1", "楼栋号": "2", "层数": 6.5},
        ],
        "房屋": [
            {"小区编码": "K1", "楼栋号": "1", "单元": "1", "房号": "101", "专有部分面积": 90, "面积来源": "合同"},
            {"小区编码": "K1", "楼栋号": "1", "单元": "1", "房号": "301", "专有部分面积": 88.123, "面积来源": "登记"},
            {"小区编码": "K1", "楼栋号": "1", "单元": "1", "房号": "302", "专有部分面积": 0, "面积来源": "登记"},
            {"小区编码": "K1", "楼栋号": "1", "单元": "1", "房号": "303", "专有部分面积": 80},
            {"小区编码": "K1", "楼栋号": "1", "单元": "1", "房号": "304", "面积来源": "测绘"},
            {"小区编码": "K1", "楼栋号": "7", "单元": "1", "房号": "101"},
            {"小区编码": "K1", "楼栋号": "1", "单元": "1", "房号": "305", "类型": "别墅"},
            {"小区编码": "K1", "楼栋号": "1", "单元": "1", "房号": "301", "专有部分面积": 88, "面积来源": "登记"},
        ],
        "业主": [
            {"小区编码": "K1", "楼栋号": "1", "单元": "1", "房号": "101", "姓名": "张三", "证件号": "110101199001010000"},
            {"小区编码": "K1", "楼栋号": "1", "单元": "1", "房号": "999", "姓名": "张三", "证件号": pid(1)},
            {"小区编码": "K1", "楼栋号": "1", "单元": "1", "房号": "102", "姓名": "张三", "证件号": pid(1), "手机": "12345"},
            {"小区编码": "K1", "楼栋号": "1", "单元": "1", "房号": "102", "姓名": "钱二", "证件号": pid(2),
             "开发商持有": "可能"},
            {"小区编码": "K1", "楼栋号": "1", "单元": "1", "房号": "102", "姓名": "", "证件号": pid(3)},
        ],
        "组织": [
            {"编码": "OC-K9", "名称": "九", "类型": "业委会", "所属小区编码": "K404"},
            {"编码": "PB-1", "名称": "党委", "类型": "党组织", "上级党组织编码": "RC-C1"},
            {"编码": "PB-2", "名称": "二", "类型": "党组织", "上级党组织编码": "PB-3"},
            {"编码": "PB-3", "名称": "三", "类型": "党组织", "上级党组织编码": "PB-2"},
            {"编码": "CO-9", "名称": "九号物业", "类型": "物业服务企业", "统一社会信用代码": "123"},
            {"编码": "OC-K2", "名称": "新苑业委会", "类型": "业委会", "所属小区编码": "K2", "党组织覆盖": "部分覆盖"},
        ],
        "任职": [
            {**oc, "组织编码": "NOPE", "姓名": "甲", "证件号": pid(10)},
            {**oc, "姓名": "李四", "证件号": pid(4), "职务": "主任", "是否党员": "是"},
            {**oc, "姓名": "李四", "证件号": pid(4), "是否党员": "否"},
            {**oc, "姓名": "王五", "证件号": pid(5), "任期开始": "2024-13-01"},
            {**oc, "姓名": "赵六", "证件号": pid(6), "任期开始": "2024-01-01", "任期结束": date(2023, 1, 1)},
            {**oc, "姓名": "孙七", "证件号": pid(7), "职务": "队长"},
        ],
        "物业合同": [
            {"小区编码": "K1", "物业企业编码": "OC-K1", "开始日期": "2024-01-01"},
            {"小区编码": "K2", "物业企业编码": "CO-1", "开始日期": ""},
            {"小区编码": "K2", "物业企业编码": "CO-1", "开始日期": "2024-01-01", "物业费": "-1"},
        ],
    }
    before = table_counts()
    report = registry_import(sheets=sheets, actor=world.users["district"])
    assert table_counts() == before
    assert report.batch_id is None and not report.changed
    assert places(report) == {
        ("区域", 2, "名称", "required"),
        ("区域", 3, "层级", "bad_enum"),
        ("区域", 4, "上级编码", "unknown_reference"),
        ("区域", 5, "上级编码", "bad_level"),
        ("区域", 6, "编码", "duplicate_key"),
        ("区域", 7, "编码", "too_long"),
        ("小区", 2, "社区编码", "wrong_kind"),
        ("小区", 3, "建成年份", "bad_number"),
        ("小区", 4, "总建筑面积", "bad_area"),
        ("小区", 5, "经度", "bad_number"),
        ("楼栋", 2, "小区编码", "unknown_reference"),
        ("楼栋", 3, "层数", "bad_number"),
        ("房屋", 2, "面积来源", "area_source_downgrade"),
        ("房屋", 3, "专有部分面积", "bad_area"),
        ("房屋", 4, "专有部分面积", "bad_area"),
        ("房屋", 5, "面积来源", "required"),
        ("房屋", 6, "专有部分面积", "required"),
        ("房屋", 7, "楼栋号", "unknown_reference"),
        ("房屋", 8, "类型", "bad_enum"),
        ("房屋", 9, "小区编码", "duplicate_key"),
        ("业主", 2, "证件号", "bad_id_number"),
        ("业主", 3, "房号", "unknown_reference"),
        ("业主", 4, "手机", "bad_phone"),
        ("业主", 5, "开发商持有", "bad_enum"),
        ("业主", 6, "姓名", "required"),
        ("组织", 2, "所属小区编码", "unknown_reference"),
        ("组织", 3, "上级党组织编码", "wrong_kind"),
        ("组织", 4, "上级党组织编码", "cycle"),
        ("组织", 5, "上级党组织编码", "cycle"),
        ("组织", 6, "统一社会信用代码", "bad_value"),
        ("组织", 7, "党组织覆盖", "bad_enum"),
        ("任职", 2, "组织编码", "unknown_reference"),
        ("任职", 4, "是否党员", "conflicting_party_flag"),
        ("任职", 5, "任期开始", "bad_date"),
        ("任职", 6, "任期结束", "bad_dates"),
        ("任职", 7, "职务", "bad_enum"),
        ("物业合同", 2, "物业企业编码", "wrong_kind"),
        ("物业合同", 3, "开始日期", "required"),
        ("物业合同", 4, "物业费", "bad_number"),
    }
    assert all(e.message for e in report.errors)


def test_a_missing_key_column_is_one_problem_for_the_sheet():
    report = registry_import(sheets={"小区": [{"名称": "无编码", "社区编码": "X"}]}, actor=None)
    assert places(report) == {("小区", 1, "编码", "missing_column")}


def test_unknown_columns_and_sheets_are_warnings(world):
    report = registry_import(sheets={"楼栋": [{"小区编码": "K1", "楼栋号": "3", "备注": "新楼"}], "草稿": [{"a": 1}]},
                             actor=None)
    assert report.ok and report.counts["楼栋"].created == 1
    assert {(w.sheet, w.code) for w in report.warnings} == {("楼栋", "unknown_column"), ("草稿", "unknown_sheet")}


def test_an_empty_workbook_is_a_problem():
    report = registry_import(sheets={"区域": [], "房屋": [{}]}, actor=None)
    assert [e.code for e in report.errors] == ["empty_workbook"]


def test_references_into_the_database(world):
    sheets = {
        "房屋": [{"小区编码": "K1", "楼栋号": "1", "单元": "1", "房号": "301", "类型": "住宅",
                "专有部分面积": 90.25, "面积来源": "测绘"}],
        "业主": [
            {"小区编码": "K1", "楼栋号": "1", "单元": "1", "房号": "301", "姓名": "新业主", "证件号": pid(1)},
            {"小区编码": "K1", "楼栋号": "1", "单元": "1", "房号": "102", "姓名": "新业主", "证件号": pid(1)},
        ],
        "组织": [{"编码": "PB-C1", "名称": "春风社区党委", "类型": "党组织", "所属区域编码": "330199001001"}],
        "任职": [{"组织编码": "OC-K1", "姓名": "新业主", "证件号": pid(1), "职务": "委员", "是否党员": "是"}],
        "物业合同": [{"小区编码": "K2", "物业企业编码": "CO-1", "开始日期": date(2025, 1, 1), "是否签订": "是"}],
    }
    report = registry_import(sheets=sheets, actor=world.users["district"])
    assert report.ok, report.errors
    person = Person.objects.get(id_hash=identity.id_hash(pid(1)))
    assert person.is_party_member
    assert set(person.ownerships.values_list("unit__number", flat=True)) == {"301", "102"}
    assert Membership.objects.get(person=person).organization == world.orgs["oc"]
    assert Unit.objects.get(number="301").building == Building.objects.get(compound__code="K1", number="1")
    assert ServiceContract.objects.filter(compound=world.compounds["k2"], company=world.orgs["co1"]).count() == 1
    assert Organization.objects.get(code="PB-C1").region == world.regions["c1"]
    created = ChangeEvent.objects.filter(actor=world.users["district"], source=f"import:{report.batch_id}",
                                         action="create")
    assert created_rows(created) == report.created
    assert [(e.action, e.actor) for e in history.history_of(person)] == [("create", world.users["district"])]


def test_the_same_person_in_owners_and_appointments_is_one_person(world):
    number = pid(42)
    sheets = {
        "业主": [{"小区编码": "K1", "楼栋号": "1", "单元": "1", "房号": "201", "姓名": "刘一", "证件号": number,
                "手机": "13800000001"}],
        "任职": [{"组织编码": "OC-K1", "姓名": "刘一", "证件号": number.lower(), "职务": "副主任", "是否党员": "是"},
               {"组织编码": "CO-1", "姓名": "刘一", "证件号": f" {number} ", "职务": "项目经理"}],
    }
    report = registry_import(sheets=sheets, actor=None)
    assert report.ok, report.errors
    assert report.counts["人员"].created == 1
    person = Person.objects.get(id_hash=identity.id_hash(number))
    assert person.ownerships.count() == 1 and person.memberships.count() == 2
    assert person.is_party_member and person.phone == "13800000001"


def test_the_latest_name_wins_with_a_warning(world):
    number = pid(43)
    sheets = {
        "业主": [{"小区编码": "K1", "楼栋号": "1", "单元": "1", "房号": "201", "姓名": "刘一", "证件号": number}],
        "任职": [{"组织编码": "OC-K1", "姓名": "刘壹", "证件号": number, "职务": "委员"}],
    }
    report = registry_import(sheets=sheets, actor=None)
    assert report.ok
    assert Person.objects.get(id_hash=identity.id_hash(number)).name == "刘壹"
    assert [(w.sheet, w.row, w.code) for w in report.warnings] == [("任职", 2, "name_changed")]


def test_area_precedence_rules_v6(world):
    unit = world.units["101"]  # 88.50 registered
    key = {"小区编码": "K1", "楼栋号": "1", "单元": "1", "房号": "101"}
    # Same source, new area: replaced. A blank area keeps the stored one.
    assert registry_import(sheets={"房屋": [{**key, "专有部分面积": 89, "面积来源": "登记"}]}, actor=None).ok
    unit.refresh_from_db()
    assert unit.exclusive_area == Decimal("89.00")
    assert not registry_import(sheets={"房屋": [{**key, "类型": "住宅"}]}, actor=None).changed
    for worse in ("测绘", "合同"):
        report = registry_import(sheets={"房屋": [{**key, "专有部分面积": 89, "面积来源": worse}]}, actor=None)
        assert places(report) == {("房屋", 2, "面积来源", "area_source_downgrade")}
    unit.area_source = "contract"
    unit.save()
    assert registry_import(sheets={"房屋": [{**key, "专有部分面积": 87.5, "面积来源": "测绘"}]}, actor=None).ok
    unit.refresh_from_db()
    assert (unit.exclusive_area, unit.area_source) == (Decimal("87.50"), "surveyed")


def test_regions_in_any_order_and_a_moved_subtree(world):
    sheets = {"区域": [
        {"编码": "330199003001", "名称": "新社区", "层级": "社区", "上级编码": "330199003"},
        {"编码": "330199003", "名称": "新街道", "层级": "街道", "上级编码": "330199"},
    ]}
    assert registry_import(sheets=sheets, actor=None).ok
    assert Region.objects.get(code="330199003001").path == "/3301/330199/330199003/330199003001/"
    # Moving subdistrict S1 under the new district D2 takes its stored community and compounds along.
    sheets = {"区域": [
        {"编码": "330199001", "名称": "东街道", "层级": "街道", "上级编码": "330188"},
        {"编码": "330188", "名称": "新区", "层级": "区", "上级编码": "3301"},
    ]}
    report = registry_import(sheets=sheets, actor=None)
    assert report.ok, report.errors
    assert Region.objects.get(code="330199001").path == "/3301/330188/330199001/"
    c1 = Region.objects.get(code="330199001001")
    assert c1.path == "/3301/330188/330199001/330199001001/"
    assert ChangeEvent.objects.get(model="places.region", object_id=c1.pk, action="update").changes == \
        {"path": ["/3301/330199/330199001/330199001001/", "/3301/330188/330199001/330199001001/"]}
    assert set(Compound.objects.in_region(Region.objects.get(code="330188")).values_list("code", flat=True)) == \
        {"K1", "K2"}


def test_excel_numbers_for_codes_and_integers(world):
    sheets = {
        "楼栋": [{"小区编码": "K1", "楼栋号": 3.0, "层数": 18.0, "单元数": 2.0}],
        "房屋": [{"小区编码": "K1", "楼栋号": 3.0, "单元": 1.0, "房号": 1801.0, "专有部分面积": 120,
                "面积来源": "合同"}],
    }
    assert registry_import(sheets=sheets, actor=None).ok
    unit = Unit.objects.get(building__number="3")
    assert (unit.entrance, unit.number, unit.building.floors) == ("1", "1801", 18)


def test_a_district_officer_cannot_write_outside_the_district(world):
    sheets = {
        "区域": [{"编码": "330188", "名称": "别区", "层级": "区", "上级编码": "3301"}],
        "楼栋": [{"小区编码": "K1", "楼栋号": "5"}],
    }
    report = registry_import(sheets=sheets, actor=world.users["district"])
    assert places(report) == {("区域", 2, "编码", "out_of_scope")}
    report = registry_import(sheets={"楼栋": [{"小区编码": "K3", "楼栋号": "5"}]}, actor=world.users["subdistrict"])
    assert places(report) == {("楼栋", 2, "小区编码", "out_of_scope")}
    assert registry_import(sheets={"楼栋": [{"小区编码": "K3", "楼栋号": "5"}]}, actor=world.users["district"]).ok


def test_dry_run_counts_but_writes_nothing():
    before = table_counts()
    report = registry_import(sheets=sample.district_rows(100), actor=None, dry_run=True)
    assert report.ok and report.dry_run and report.counts["房屋"].created == 100
    assert table_counts() == before


def test_coverage_and_party_parent_created_in_the_same_workbook(world):
    sheets = {"组织": [
        {"编码": "OC-K2", "名称": "新苑业委会", "类型": "业委会", "所属小区编码": "K2", "上级党组织编码": "PB-NEW"},
        {"编码": "PB-NEW", "名称": "新党委", "类型": "党组织", "所属区域编码": "330199001001"},
        {"编码": "CO-1", "名称": "绿城物业", "类型": "物业服务企业", "党组织覆盖": "派驻党建指导员"},
    ]}
    report = registry_import(sheets=sheets, actor=None)
    assert report.ok, report.errors
    oc = Organization.objects.get(code="OC-K2")
    assert oc.party_parent.code == "PB-NEW" and oc.party_coverage.mode == "none"
    assert PartyCoverage.objects.get(organization=world.orgs["co1"]).mode == "instructor"
    assert report.counts["组织"].created == 2 and report.counts["组织"].updated == 1
    assert not PartyCoverage.objects.filter(organization__code="PB-NEW").exists()


def test_a_masked_number_must_match_a_stored_person(world):
    sheets = {"业主": [{"小区编码": "K1", "楼栋号": "1", "单元": "1", "房号": "102", "姓名": "某人",
                       "证件号": "**************1234", "人员标识": "ab" * 32},
                      {"小区编码": "K1", "楼栋号": "1", "单元": "1", "房号": "201", "姓名": "某人",
                       "证件号": "**************1234"}]}
    report = registry_import(sheets=sheets, actor=None)
    assert places(report) == {("业主", 2, "证件号", "unknown_reference"), ("业主", 3, "证件号", "bad_id_number")}


def test_a_level_cannot_change_under_stored_children(world):
    # C1 holds compounds K1 and K2; S2 holds community C2.
    report = registry_import(sheets={"区域": [
        {"编码": "330199001001", "名称": "春风", "层级": "街道", "上级编码": "330199"},
        {"编码": "330199002", "名称": "西", "层级": "社区", "上级编码": "330199"},
    ]}, actor=None)
    assert ("区域", 2, "层级", "bad_level") in places(report)
    assert ("区域", 3, "上级编码", "bad_level") in places(report)


def test_a_refused_write_is_reported_and_rolled_back(world, monkeypatch):
    from django.db import IntegrityError

    from sanfang.registry import apply

    def fail(self):
        apply.insert_rows(Building, ("compound_id", "number"), [(world.compounds["k1"].pk, "77")])
        raise IntegrityError("duplicate key value")

    monkeypatch.setattr(apply.Writer, "write", fail)
    before = table_counts()
    report = registry_import(sheets={"楼栋": [{"小区编码": "K1", "楼栋号": "8"}]}, actor=None)
    assert [e.code for e in report.errors] == ["conflict"]
    assert table_counts() == before and not Building.objects.filter(number="77").exists()
