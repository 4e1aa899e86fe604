"""Seats and API tokens through the admin: clear refusals, no duplicates, history kept."""

import pytest
from django.urls import reverse

from sanfang.accounts.models import ApiToken, Seat
from sanfang.core.models import ChangeEvent

pytestmark = pytest.mark.django_db


def seat_form(world, **node):
    data = {"user": world.users["outsider"].pk, "role": "resident", "region": "", "compound": "", "organization": "",
            "ends": ""}
    data.update(node)
    return data


def test_the_same_seat_twice_is_refused(admin_client, world):
    url = reverse("admin:accounts_seat_add")
    assert admin_client.post(url, seat_form(world, compound=world.compounds["k1"].pk)).status_code == 302
    response = admin_client.post(url, seat_form(world, compound=world.compounds["k1"].pk))
    assert response.status_code == 200
    assert Seat.objects.filter(user=world.users["outsider"]).count() == 1


def test_a_seat_at_two_nodes_gets_a_clear_message(admin_client, world):
    response = admin_client.post(reverse("admin:accounts_seat_add"),
                                 seat_form(world, compound=world.compounds["k1"].pk, region=world.regions["c1"].pk))
    assert response.status_code == 200
    errors = " ".join(str(e) for e in response.context["adminform"].form.non_field_errors())
    assert "seat_one_node" not in errors and errors


def test_a_token_is_issued_live_and_its_revocation_is_recorded(admin_client, world):
    response = admin_client.post(reverse("admin:accounts_apitoken_add"),
                                 {"user": world.users["community"].pk, "name": "12345 热线"}, follow=True)
    token = ApiToken.objects.get(name="12345 热线")
    assert not token.revoked and token.prefix in response.content.decode()
    data = {"user": token.user_id, "name": token.name, "revoked": "on"}
    assert admin_client.post(reverse("admin:accounts_apitoken_change", args=[token.pk]), data).status_code == 302
    token.refresh_from_db()
    assert token.revoked
    assert ChangeEvent.objects.filter(model="accounts.apitoken", object_id=token.pk, action="update",
                                      changes__revoked=[False, True]).exists()
