"""GET /api/v1/party-building/summary: the exact keys, rounding, scope, dates, token auth."""

import re
from datetime import date

import pytest
from django.utils import timezone

from sanfang.accounts.services import api_token_issue
from sanfang.orgs.models import Membership, PartyCoverage
from sanfang.testing import person

pytestmark = pytest.mark.django_db

URL = "/api/v1/party-building/summary"
ON = "2025-06-30"
KEYS = {
    "owners_committees", "owners_committee_members", "party_members_among_members", "party_member_ratio",
    "committees_with_party_majority", "committees_with_party_organisation", "party_member_chairs",
    "property_companies", "companies_by_party_coverage", "cross_appointed_people",
}


@pytest.fixture
def bearer(world):
    def _bearer(who="district"):
        user = world.users[who]
        _token, key = api_token_issue(user=user, name="party-building test", actor=user)
        return {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    return _bearer


def test_exact_keys_with_a_token(client, world, bearer):
    response = client.get(URL, {"region": "330199", "on": ON}, **bearer())
    assert response.status_code == 200
    body = response.json()
    assert set(body) == KEYS | {"region", "on"}
    assert body["region"] == "330199" and body["on"] == ON
    assert set(body["companies_by_party_coverage"]) == {"own", "joint", "instructor", "none"}
    assert body == {
        "region": "330199", "on": ON,
        "owners_committees": 1, "owners_committee_members": 1, "party_members_among_members": 1,
        "party_member_ratio": 1.0, "committees_with_party_majority": 1, "committees_with_party_organisation": 1,
        "party_member_chairs": 1, "property_companies": 2,
        "companies_by_party_coverage": {"own": 0, "joint": 0, "instructor": 0, "none": 2},
        "cross_appointed_people": 0,
    }


def test_ratio_is_a_number_rounded_to_four_places(client, world, bearer):
    oc = world.orgs["oc"]
    for name in ("甲", "乙"):   # the party-member chair and two members outside the party: 1/3
        Membership.objects.create(organization=oc, person=person(name), position="member", term_start=date(2024, 1, 1))
    response = client.get(URL, {"region": "330199", "on": ON}, **bearer())
    assert re.search(rb'"party_member_ratio":\s*0\.3333[,}]', response.content), "a JSON number, 4 places"
    body = response.json()
    assert body["party_member_ratio"] == 0.3333 and body["party_members_among_members"] == 1
    assert body["committees_with_party_majority"] == 0   # 1 of 3


def test_coverage_counts_follow_the_rows(client, world, bearer):
    PartyCoverage.objects.create(organization=world.orgs["co1"], mode="instructor")
    body = client.get(URL, {"region": "330199", "on": ON}, **bearer()).json()
    assert body["companies_by_party_coverage"] == {"own": 0, "joint": 0, "instructor": 1, "none": 1}


def test_the_default_day_is_today(client, world, bearer):
    body = client.get(URL, {"region": "330199"}, **bearer()).json()
    assert body["on"] == timezone.localdate().isoformat()
    assert set(body) == KEYS | {"region", "on"}


def test_unknown_and_out_of_scope_regions_are_404(client, world, bearer):
    for who, code in (("district", "nowhere"), ("community", "330199"), ("community", "330199002001"),
                      ("subdistrict", "330199002"), ("outsider", "330199001001")):
        response = client.get(URL, {"region": code, "on": ON}, **bearer(who))
        assert response.status_code == 404, (who, code)
        assert set(response.json()) == {"detail"}
    assert client.get(URL, {"region": "330199001001", "on": ON}, **bearer("community")).status_code == 200


@pytest.mark.parametrize("bad", ["2025-02-30", "30/06/2025", "tomorrow", "2025-6-30", ""])
def test_bad_date_is_422_with_a_clear_message(client, world, bearer, bad):
    response = client.get(URL, {"region": "330199", "on": bad}, **bearer())
    assert response.status_code == 422
    assert "YYYY-MM-DD" in response.json()["detail"]


def test_a_missing_region_is_422(client, world, bearer):
    assert client.get(URL, {"on": ON}, **bearer()).status_code == 422


def test_authentication(client, world, bearer):
    assert client.get(URL, {"region": "330199", "on": ON}).status_code == 401
    assert client.get(URL, {"region": "330199"}, HTTP_AUTHORIZATION="Bearer not-a-token").status_code == 401
    client.force_login(world.users["district"])   # the browser's session works as well
    assert client.get(URL, {"region": "330199", "on": ON}).status_code == 200
