"""Scope rules for every role (DESIGN habit 8): a row outside the seats answers 404."""

import pytest
from django.urls import reverse

from sanfang.accounts import scope
from sanfang.places.models import Compound

pytestmark = pytest.mark.django_db

EXPECTED = {
    "district": {"K1", "K2", "K3"},
    "subdistrict": {"K1", "K2"},
    "department": {"K1", "K2", "K3"},
    "community": {"K1", "K2"},
    "grid": {"K1", "K2"},
    "chair": {"K1"},
    "supervisor": {"K1"},
    "company": {"K1"},   # CO-1 serves K1 only
    "resident": {"K1"},
    "outsider": set(),
}


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_visible_compounds_per_role(world, who):
    codes = set(scope.visible_compounds(world.users[who]).values_list("code", flat=True))
    assert codes == EXPECTED[who]


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_compound_pages_answer_404_outside_scope(world, login, who):
    client = login(world.users[who])
    for code in ("K1", "K2", "K3"):
        status = client.get(reverse("orgs:compound", args=[code])).status_code
        assert status == (200 if code in EXPECTED[who] else 404), (who, code)


def test_company_loses_scope_when_contract_expired(world):
    # CO-2 served K2 until 2020 and serves K3 now.
    from sanfang.testing import user_with_seat

    staff = user_with_seat("co2staff", "company_staff", world.orgs["co2"])
    assert set(scope.visible_compounds(staff).values_list("code", flat=True)) == {"K3"}


def test_expired_seat_opens_nothing(world):
    from datetime import date

    seat = world.users["community"].seats.get()
    seat.ends = date(2020, 1, 1)
    seat.save()
    assert not scope.visible_compounds(world.users["community"]).exists()


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(reverse("orgs:compound", args=["K1"]))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_regions_follow_region_seats(world):
    visible = set(scope.visible_regions(world.users["subdistrict"]).values_list("code", flat=True))
    assert visible == {"330199001", "330199001001"}
    assert not scope.visible_regions(world.users["chair"]).exists()


def test_phone_masked_for_roles_that_do_not_need_it(world, login):
    url = reverse("orgs:compound", args=["K1"])
    chair_phone = world.users["chair"].person.phone
    assert chair_phone in login(world.users["community"]).get(url).content.decode()
    body = login(world.users["resident"]).get(url).content.decode()
    assert chair_phone not in body and chair_phone[-4:] in body


def test_superuser_sees_all(world):
    world.users["outsider"].is_superuser = True
    assert scope.visible_compounds(world.users["outsider"]).count() == Compound.objects.count()


def test_resident_does_not_see_neighbours_but_sees_officials_and_self(world):
    from sanfang.orgs.models import Ownership, Person
    from sanfang.testing import person

    neighbour = person("邻居甲")
    Ownership.objects.create(unit=world.units["102"], person=neighbour, compound=world.compounds["k1"])
    resident = world.users["resident"]
    me = person("居民本人")
    Ownership.objects.create(unit=world.units["201"], person=me, compound=world.compounds["k1"])
    resident.person = me
    resident.save()
    visible = set(scope.visible_persons(resident).values_list("name", flat=True))
    assert visible == {"王建国", "居民本人"}  # the committee chair, and themself
    owners = scope.visible_to(resident, Ownership.objects.all())
    assert set(owners.values_list("person__name", flat=True)) == {"居民本人"}
    # Staff serving the compound do see the owners.
    assert scope.visible_persons(world.users["community"]).filter(pk=neighbour.pk).exists()
    assert Person.objects.filter(pk=neighbour.pk).exists()


def test_company_does_not_see_a_predecessor_company(world):
    from datetime import date

    from sanfang.orgs.models import Membership, ServiceContract
    from sanfang.testing import person

    ServiceContract.objects.create(compound=world.compounds["k1"], company=world.orgs["co2"],
                                   start=date(2010, 1, 1), end=date(2012, 12, 31))
    manager = person("前任项目经理")
    Membership.objects.create(organization=world.orgs["co2"], person=manager, position="project_manager")
    staff = world.users["company"]
    assert not scope.visible_organizations(staff).filter(pk=world.orgs["co2"].pk).exists()
    assert not scope.visible_persons(staff).filter(pk=manager.pk).exists()


def test_dissolved_committee_opens_nothing(world):
    from datetime import date

    oc = world.orgs["oc"]
    oc.established, oc.dissolved = date(2015, 1, 1), date(2020, 1, 1)
    oc.save()
    assert not scope.visible_compounds(world.users["chair"]).exists()
