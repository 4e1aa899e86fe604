"""A compound's profile: its three parties, contracts, members with terms, party coverage."""

from datetime import date

import pytest
from django.urls import reverse

from sanfang.orgs.models import Membership
from sanfang.testing import person

pytestmark = pytest.mark.django_db


def test_profile_shows_three_parties(world, login):
    response = login(world.users["community"]).get(reverse("orgs:compound", args=["K1"]))
    ctx = response.context
    assert [o.code for o in ctx["owners_committees"]] == ["OC-K1"]
    assert [o.code for o in ctx["residents_committees"]] == ["RC-C1"]
    assert ctx["company"].code == "CO-1"
    assert ctx["owners_committees"][0].party_coverage.mode == "own"


def test_expired_member_is_not_shown(world, login):
    gone = person("李旧任")
    Membership.objects.create(organization=world.orgs["oc"], person=gone, position="member",
                              term_start=date(2015, 1, 1), term_end=date(2019, 12, 31))
    body = login(world.users["community"]).get(reverse("orgs:compound", args=["K1"])).content.decode()
    assert "王建国" in body and "李旧任" not in body


def test_compound_without_current_contract(world, login):
    response = login(world.users["community"]).get(reverse("orgs:compound", args=["K2"]))
    assert response.context["company"] is None
    assert [c.company.code for c in response.context["contracts"]] == ["CO-2"]  # the expired one, listed


def test_profile_query_count_does_not_grow_with_members(world, login, django_assert_max_num_queries):
    client = login(world.users["district"])
    for i in range(20):
        Membership.objects.create(organization=world.orgs["oc"], person=person(f"委员{i}"), position="member")
    with django_assert_max_num_queries(16):
        assert client.get(reverse("orgs:compound", args=["K1"])).status_code == 200
