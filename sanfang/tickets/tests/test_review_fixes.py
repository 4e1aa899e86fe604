"""What the review found, each pinned by a test: bad coordinates, "me too" outside what was
offered, the duplicates list outside one's compound, figures for the wrong roles, NUL bytes."""

import json

import pytest

from sanfang.tickets import services as svc
from sanfang.tickets.models import MeToo, Ticket

pytestmark = pytest.mark.django_db


def post_json(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


@pytest.mark.parametrize("lat", ["1234.5", "91", "NaN", "-90.00001"])
def test_a_coordinate_that_cannot_be_stored_is_refused(world, cats, login, lat):
    r = post_json(login(world.users["resident"]), "/api/v1/tickets", {
        "compound": "K1", "category": "leak", "title": "a", "description": "b", "channel": "app",
        "latitude": lat, "longitude": "120"})
    assert r.status_code == 422 and Ticket.objects.count() == 0


def test_a_good_coordinate_is_kept_to_six_places(world, cats, login):
    r = post_json(login(world.users["resident"]), "/api/v1/tickets", {
        "compound": "K1", "category": "leak", "title": "a", "description": "b", "channel": "app",
        "latitude": "30.1234567", "longitude": "120.5"})
    assert r.status_code == 201
    assert str(Ticket.objects.get().latitude) == "30.123457"


def test_nul_in_text_is_refused(world, cats, login):
    r = post_json(login(world.users["district"]), "/api/v1/tickets", {
        "compound": "K1", "category": "leak", "title": "a\x00", "description": "b"})
    assert r.status_code == 422 and Ticket.objects.count() == 0


def _k3_case(world, cats):
    return svc.ticket_create(compound=world.compounds["k3"], category=cats["stair-light"], title="K3SECRET",
                             description="d", channel="phone", actor=world.users["district"],
                             reporter_phone="13733334444")


def test_me_too_only_on_a_case_offered_to_you(world, cats, login, client):
    k3 = _k3_case(world, cats)
    for c in (login(world.users["resident"]), login(world.users["company"])):
        assert c.post(f"/tickets/{k3.reference}/me-too/").status_code == 404
    anonymous = client
    s = anonymous.session
    s["verified_phone"] = "13700000000"
    s.save()
    assert anonymous.post(f"/tickets/{k3.reference}/me-too/").status_code == 404
    assert MeToo.objects.count() == 0


def test_a_resident_says_me_too_to_an_offered_duplicate(world, cats, login):
    mine = svc.ticket_create(compound=world.compounds["k1"], category=cats["stair-light"], title="灯不亮",
                             description="d", channel="phone", actor=world.users["district"])
    c = login(world.users["resident"])
    page = c.get(f"/tickets/duplicates/?compound=K1&category={cats['stair-light'].pk}")
    assert mine.reference in page.content.decode()
    assert c.post(f"/tickets/{mine.reference}/me-too/").status_code == 302
    mine.refresh_from_db()
    assert mine.me_too == 1 and mine.events.filter(kind="me_too").count() == 1


def test_staff_do_not_say_me_too(world, cats, login):
    t = _k3_case(world, cats)
    r = login(world.users["district"]).post(f"/api/v1/tickets/{t.reference}/me-too")
    assert r.status_code == 403 and MeToo.objects.count() == 0


def test_duplicates_stay_in_the_visitors_compound(world, cats, client):
    _k3_case(world, cats)
    s = client.session
    s["verified_phone"] = "13700000000"
    s.save()
    r = client.get(f"/tickets/duplicates/?compound=K3&category={cats['stair-light'].pk}")
    assert "K3SECRET" not in r.content.decode()
    assert client.get("/tickets/duplicates/?compound=K1&category=abc").status_code == 200


@pytest.mark.parametrize("role", ["resident", "chair", "supervisor"])
def test_figures_api_is_for_staff(world, cats, login, role):
    r = login(world.users[role]).get("/api/v1/tickets/figures?start=2026-01-01&end=2026-12-31")
    assert r.status_code == 403
