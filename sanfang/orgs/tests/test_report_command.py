"""`sanfang report party-building`: the same figures as the API, read as the system."""

import json
import re
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from sanfang.orgs.models import Membership
from sanfang.testing import person

pytestmark = pytest.mark.django_db

ON = "2025-06-30"


def report(*args) -> str:
    out = StringIO()
    call_command("report", "party-building", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def richer(world):
    """A third of the committee in the party, and a chair who also sits on the residents' committee."""
    oc, rc = world.orgs["oc"], world.orgs["rc"]
    for name in ("甲", "乙"):
        Membership.objects.create(organization=oc, person=person(name), position="member", term_start=date(2024, 1, 1))
    chair = Membership.objects.get(organization=oc, position="chair").person
    Membership.objects.create(organization=rc, person=chair, position="member", term_start=date(2024, 1, 1))
    return world


@pytest.mark.parametrize("code", ["330199", "330199001", "330199002001", "330199001001"])
def test_json_equals_the_api(client, richer, code):
    client.force_login(richer.users["district"])
    api = client.get("/api/v1/party-building/summary", {"region": code, "on": ON})
    assert api.status_code == 200
    assert json.loads(report("--region", code, "--on", ON, "--json")) == api.json()


def test_json_figures(richer):
    body = json.loads(report("--region", "330199", "--on", ON, "--json"))
    assert body["region"] == "330199" and body["on"] == ON
    assert body["party_member_ratio"] == 0.3333 and body["cross_appointed_people"] == 1
    assert body["companies_by_party_coverage"] == {"own": 0, "joint": 0, "instructor": 0, "none": 2}


def test_the_command_reads_any_region(world):
    # No user session: the whole registry, including the city above the district.
    body = json.loads(report("--region", "3301", "--on", ON, "--json"))
    assert body["owners_committees"] == 1


def test_readable_table(richer):
    with translation.override("en"):
        lines = report("--region", "330199", "--on", ON).splitlines()
    assert lines[0] == f"示范区 (330199) · {ON}"
    table = dict((re.split(r"\s{2,}", line.strip()) + [""])[:2] for line in lines[1:])
    assert table["Party-member ratio"] == "0.3333"
    assert table["Committee members"] == "3"
    assert table["Cross-appointed people"] == "1"
    assert table["not covered"] == "2" and table["own branch"] == "0"
    assert len(lines) == 1 + 9 + 1 + 4


def test_default_day_is_today(world):
    from django.utils import timezone

    assert json.loads(report("--region", "330199", "--json"))["on"] == timezone.localdate().isoformat()


def test_unknown_region(world):
    with pytest.raises(CommandError, match="nowhere"):
        report("--region", "nowhere", "--json")


@pytest.mark.parametrize("bad", ["2025-02-30", "30/06/2025", "soon"])
def test_bad_date(world, bad):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        report("--region", "330199", "--on", bad)


def test_region_is_required(world):
    with pytest.raises(CommandError):
        report("--on", ON)


def test_a_report_must_be_named(world):
    with pytest.raises(CommandError):
        call_command("report", stdout=StringIO())
