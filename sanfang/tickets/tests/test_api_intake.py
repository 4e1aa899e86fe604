import pytest

from sanfang.tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def order(**kw):
    return {"compound": "K1", "category": "stair-light", "title": "楼道灯不亮", "description": "三楼", **kw}


def test_hotline_bulk_is_all_or_nothing_and_idempotent(world, cats, login):
    c = login(world.users["district"])
    r = c.post("/api/v1/tickets/bulk", {"work_orders": [order(external_id="H1"), order(category="nope")]},
               content_type="application/json")
    assert r.status_code == 422 and "1" in r.json()["errors"]
    assert Ticket.objects.count() == 0 and TicketEvent.objects.count() == 0
    r = c.post("/api/v1/tickets/bulk", {"work_orders": [order(external_id="H1"), order(external_id="H2")]},
               content_type="application/json")
    assert r.status_code == 201 and len(r.json()["created"]) == 2
    r = c.post("/api/v1/tickets/bulk", {"work_orders": [order(external_id="H1")]}, content_type="application/json")
    assert r.json() == {"created": [], "existing": [Ticket.objects.get(external_id="H1").reference]}
    assert Ticket.objects.count() == 2


def test_one_case_then_transitions(world, cats, login):
    c = login(world.users["district"])
    r = c.post("/api/v1/tickets", order(), content_type="application/json")
    assert r.status_code == 201, r.content
    ref = r.json()["reference"]
    chair = login(world.users["chair"])
    r = chair.post(f"/api/v1/tickets/{ref}/start", {"note": ""}, content_type="application/json")
    assert r.status_code == 409 and "cannot become" in r.json()["detail"] or r.status_code == 409
    r = chair.post(f"/api/v1/tickets/{ref}/accept", {"note": "ok"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    r = chair.get(f"/api/v1/tickets/{ref}")
    assert [e["kind"] for e in r.json()["events"]] == ["created", "pre_reviewed"]
    assert login(world.users["outsider"]).get(f"/api/v1/tickets/{ref}").status_code == 404
