"""A district officer writes only inside their regions: organisations without a place,
people recorded elsewhere, and no existence oracle for what lies outside."""

from datetime import date

import pytest

from sanfang.orgs import identity
from sanfang.orgs.models import Membership, Organization, Ownership, Person, ServiceContract
from sanfang.places.models import Compound, Region
from sanfang.registry.services import registry_import
from sanfang.registry.tests.helpers import pid, places

pytestmark = pytest.mark.django_db


@pytest.fixture
def other(world):
    """Another district: community OC1 with compound KX, served by company CO-X (no place), a
    party organisation without a place, and an owner there."""
    city = world.regions["city"]
    d = Region.objects.create(code="330188", name="别区", level="district", parent=city)
    s = Region.objects.create(code="330188001", name="别街道", level="subdistrict", parent=d)
    c = Region.objects.create(code="330188001001", name="别社区", level="community", parent=s)
    kx = Compound.objects.create(code="KX", name="别小区", community=c)
    cox = Organization.objects.create(code="CO-X", name="别物业", kind="property_company")
    ServiceContract.objects.create(compound=kx, company=cox, start=date(2024, 1, 1), signed=True)
    pbx = Organization.objects.create(code="PB-X", name="别党委", kind="party_org")
    person = Person.objects.create(name="别人", id_hash=identity.id_hash(pid(9)), id_last4=pid(9)[-4:],
                                   phone="13911112222", is_party_member=False)
    Membership.objects.create(organization=cox, person=person, position="general_manager")
    return {"kx": kx, "cox": cox, "pbx": pbx, "person": person}


def test_a_company_serving_only_another_district_is_out_of_scope(world, other):
    officer = world.users["district"]
    report = registry_import(sheets={
        "组织": [{"编码": "CO-X", "名称": "改名", "类型": "物业服务企业", "党组织覆盖": "单独组建"},
                {"编码": "PB-X", "名称": "改名", "类型": "党组织"}],
        "任职": [{"组织编码": "CO-X", "姓名": "某", "证件号": pid(1), "职务": "项目经理"}],
    }, actor=officer)
    assert places(report) == {("组织", 2, "编码", "out_of_scope"), ("组织", 3, "编码", "out_of_scope"),
                              ("任职", 2, "组织编码", "out_of_scope")}
    assert Organization.objects.get(code="CO-X").name == "别物业"
    # Unchanged rows are refused too: the answer does not depend on what is stored.
    report = registry_import(sheets={"组织": [{"编码": "CO-X", "名称": "别物业", "类型": "物业服务企业"}]},
                             actor=officer)
    assert places(report) == {("组织", 2, "编码", "out_of_scope")}
    # The system and superusers keep full access.
    assert registry_import(sheets={"组织": [{"编码": "CO-X", "名称": "改名", "类型": "物业服务企业"}]}, actor=None).ok


def test_companies_serving_the_district_and_new_ones_given_a_contract_there(world, other):
    officer = world.users["district"]
    report = registry_import(sheets={
        "组织": [{"编码": "CO-1", "名称": "绿城物业服务", "类型": "物业服务企业"},
                {"编码": "CO-NEW", "名称": "新物业", "类型": "物业服务企业"}],
        "任职": [{"组织编码": "CO-NEW", "姓名": "某", "证件号": pid(1), "职务": "项目经理"}],
        "物业合同": [{"小区编码": "K2", "物业企业编码": "CO-NEW", "开始日期": date(2025, 1, 1)}],
    }, actor=officer)
    assert report.ok, report.errors
    assert Organization.objects.get(code="CO-1").name == "绿城物业服务"
    assert Membership.objects.filter(organization__code="CO-NEW").count() == 1
    # Without a contract in the district, a new company has no place the officer answers for.
    report = registry_import(sheets={"组织": [{"编码": "CO-LOOSE", "名称": "散", "类型": "物业服务企业"}]},
                             actor=officer)
    assert places(report) == {("组织", 2, "编码", "out_of_scope")}


def test_a_person_recorded_elsewhere_is_linked_but_not_updated(world, other):
    officer = world.users["district"]
    row = {"小区编码": "K1", "楼栋号": "1", "单元": "1", "房号": "102", "姓名": "改掉", "证件号": pid(9),
           "手机": "13800000000"}
    report = registry_import(sheets={"业主": [row]}, actor=officer)
    assert report.ok, report.errors
    assert [(w.sheet, w.row, w.code) for w in report.warnings] == [("业主", 2, "person_not_updated")]
    person = Person.objects.get(pk=other["person"].pk)
    assert (person.name, person.phone) == ("别人", "13911112222")
    assert Ownership.objects.filter(person=person, unit__number="102").exists()
    # Now an owner in the district, the officer sees them: the same row updates them.
    assert registry_import(sheets={"业主": [row]}, actor=officer).ok
    assert Person.objects.get(pk=person.pk).name == "改掉"


def test_the_exported_person_key_does_not_update_a_person_elsewhere(world, other):
    person = other["person"]
    report = registry_import(sheets={"任职": [{"组织编码": "OC-K1", "姓名": "改掉", "证件号": "*" * 14 + "0000",
                                              "人员标识": person.id_hash, "职务": "委员", "是否党员": "是"}]},
                             actor=world.users["district"])
    assert report.ok, report.errors
    assert [(w.sheet, w.row, w.code) for w in report.warnings] == [("任职", 2, "person_not_updated")]
    person.refresh_from_db()
    assert person.name == "别人" and not person.is_party_member
    assert Membership.objects.filter(person=person, organization__code="OC-K1").exists()


def test_rows_outside_the_scope_give_one_answer_whether_stored_or_not(world, other):
    officer = world.users["subdistrict"]  # S1 only: K1, K2
    k3 = {"编码": "K3", "名称": "西溪花园", "社区编码": "330199002001"}
    changed = {**k3, "名称": "改"}
    assert places(registry_import(sheets={"小区": [k3]}, actor=officer)) == {("小区", 2, "编码", "out_of_scope")}
    assert places(registry_import(sheets={"小区": [changed]}, actor=officer)) == {("小区", 2, "编码", "out_of_scope")}
    assert places(registry_import(sheets={"楼栋": [{"小区编码": "K3", "楼栋号": "9"}]}, actor=officer)) == \
        {("楼栋", 2, "小区编码", "out_of_scope")}
    # References to stored rows outside the scope read exactly like unknown codes.
    stored = registry_import(sheets={"小区": [{"编码": "K9", "名称": "新", "社区编码": "330188001001"}]}, actor=officer)
    unknown = registry_import(sheets={"小区": [{"编码": "K9", "名称": "新", "社区编码": "330177001001"}]}, actor=officer)
    assert places(stored) == places(unknown) == {("小区", 2, "社区编码", "unknown_reference")}
    for column, value in (("所属小区编码", "KX"), ("所属区域编码", "330188001001")):
        stored = registry_import(sheets={"组织": [{"编码": "OC-N", "名称": "新", "类型": "业委会", column: value}]},
                                 actor=officer)
        unknown = registry_import(sheets={"组织": [{"编码": "OC-N", "名称": "新", "类型": "业委会", column: "NOPE"}]},
                                  actor=officer)
        assert places(stored) == places(unknown), column
        assert (("组织", 2, column, "unknown_reference")) in places(stored)
