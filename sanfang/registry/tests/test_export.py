"""registry_export: the user's scope in the import's format; export → import changes nothing."""

import io

import pytest

from sanfang.orgs.models import Person
from sanfang.places.models import Region
from sanfang.registry import sample
from sanfang.registry.services import registry_export, registry_import, registry_import_file
from sanfang.registry.tests.helpers import table_counts
from sanfang.registry.workbook import read_workbook

pytestmark = pytest.mark.django_db


def export(user, region=None) -> io.BytesIO:
    buffer = io.BytesIO()
    registry_export(user=user, region=region, target=buffer)
    buffer.seek(0)
    return buffer


@pytest.fixture
def root(django_user_model):
    return django_user_model.objects.create_superuser("root", password="x")


def test_round_trip_changes_nothing(world, root):
    assert registry_import(sheets=sample.district_rows(600), actor=None).ok
    before = table_counts()
    report = registry_import_file(file=export(root), actor=root)
    assert report.ok, report.errors[:5]
    assert not report.changed and report.counts["房屋"].unchanged == 603
    assert table_counts() == before


def test_district_officer_round_trip_within_scope(world):
    officer = world.users["district"]
    buffer = export(officer)
    book = read_workbook(buffer)
    assert {r["编码"] for r in book["小区"]} == {"K1", "K2", "K3"}
    assert {r["编码"] for r in book["区域"]} == {"330199", "330199001", "330199002", "330199001001", "330199002001"}
    before = table_counts()
    report = registry_import_file(file=buffer, actor=officer)
    assert report.ok and not report.changed, report.errors
    assert table_counts() == before


def test_people_are_written_without_their_id_number(world):
    book = read_workbook(export(world.users["district"]))
    owner = book["业主"][0]
    chair = Person.objects.get(name="王建国")
    assert owner["证件号"] == "*" * 14 + chair.id_last4
    assert owner["人员标识"] == chair.id_hash
    assert book["任职"][0]["姓名"] == "王建国" and book["任职"][0]["是否党员"] == "是"
    assert owner["手机"] == chair.phone  # district officers see phones


def test_masked_phones_keep_the_stored_ones(world, root):
    # A committee member does not see phones: the export masks them, and a masked phone
    # imported back means "keep".
    book = read_workbook(export(world.users["chair"]))
    assert "****" in book["业主"][0]["手机"]
    assert {r["编码"] for r in book["小区"]} == {"K1"}
    report = registry_import(sheets=book, actor=root)
    assert report.ok and not report.changed, report.errors


def test_one_region(world):
    book = read_workbook(export(world.users["district"], region="330199001"))
    assert {r["编码"] for r in book["小区"]} == {"K1", "K2"}
    assert {r["编码"] for r in book["区域"]} == {"330199001", "330199001001"}
    assert "CO-2" in {r["编码"] for r in book["组织"]}  # served K2 (an old contract)


def test_a_region_outside_the_scope_is_not_found(world):
    with pytest.raises(Region.DoesNotExist):
        registry_export(user=world.users["subdistrict"], region="330199002", target=io.BytesIO())
