"""Who may write the registry, and what a narrow seat's export holds."""

import io

import pytest
from python_calamine import CalamineWorkbook

from sanfang.orgs.models import Organization, Ownership
from sanfang.registry.services import registry_export, registry_import
from sanfang.testing import person

pytestmark = pytest.mark.django_db


def test_a_department_officer_reads_but_never_writes_the_registry(world):
    rows = {"组织": [{"编码": "CO-1", "名称": "改名物业", "类型": "物业服务企业"}]}
    report = registry_import(sheets=rows, actor=world.users["department"], source="test")
    assert [e.code for e in report.errors] == ["out_of_scope"]
    assert Organization.objects.get(code="CO-1").name == "绿城物业"


def owner_names(user) -> set:
    buffer = io.BytesIO()
    registry_export(user=user, target=buffer)
    owners = CalamineWorkbook.from_filelike(io.BytesIO(buffer.getvalue())).get_sheet_by_name("业主").to_python()
    column = [str(h).rstrip("★") for h in owners[0]].index("姓名")
    return {row[column] for row in owners[1:]}


def test_a_residents_export_holds_no_neighbours(world):
    neighbour = person("邻居乙")
    Ownership.objects.create(unit=world.units["102"], person=neighbour, compound=world.compounds["k1"])
    assert "邻居乙" not in owner_names(world.users["resident"])
    assert {"邻居乙", "王建国"} <= owner_names(world.users["community"])
