"""Open311 GeoReport v2: discovery, services, definitions, requests in and out in both formats,
the spec's error arrays, and no resident's words for readers without a key."""

import xml.etree.ElementTree as ET
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from sanfang.accounts.models import ApiToken
from sanfang.core import history
from sanfang.places.models import Region
from sanfang.tickets import services as svc
from sanfang.tickets.models import Category, Ticket, TicketEvent
from sanfang.tickets.open311 import render
from sanfang.tickets.rules import Kind, Responsible, Status

pytestmark = pytest.mark.django_db
BASE = "/open311/v2/"
FORM = "application/x-www-form-urlencoded; charset=utf-8"


@pytest.fixture
def key(world):
    return ApiToken.issue(user=world.users["district"], name="open311 test")[1]


def post(client, fmt="json", **data):
    """Form-encoded, as the spec sends a request."""
    return client.post(f"{BASE}requests.{fmt}", urlencode(data), content_type=FORM)


def form(key, **extra):
    data = {"api_key": key, "service_code": "stair-light", "address_id": "K1",
            "description": "三楼楼道灯坏了一个星期，晚上上下楼很不方便", "first_name": "建国", "last_name": "王",
            "phone": "13900000099"}
    return {**data, **extra}


def xml(response) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def errors_of(response) -> list[dict]:
    body = response.json()
    assert isinstance(body, list) and body and all(set(e) == {"code", "description"} for e in body), body
    assert all(e["code"] == response.status_code and e["description"] for e in body)
    return body


def case(world, cats, *, compound="k1", category="stair-light", **fields):
    return svc.ticket_create(compound=world.compounds[compound], category=category, title="楼道灯",
                             description="王建国家门口的灯坏了", channel="phone", actor=world.users["district"],
                             reporter_name="王建国", reporter_phone="13900000099", **fields)


def other_city_category():
    city = Region.objects.create(code="3302", name="宁波市", level=Region.Level.CITY)
    return Category.objects.create(code="ningbo-only", name="宁波专属", region=city, kind=Kind.HELP,
                                   responsible=Responsible.RESIDENTS_COMMITTEE)


# ---- discovery, services, definitions -------------------------------------------------------

def test_discovery_in_both_formats(client, world):
    r = client.get(f"{BASE}discovery.json")
    assert r.status_code == 200 and r["Content-Type"] == "application/json; charset=utf-8"
    body = r.json()
    assert body["changeset"] and body["contact"] and body["key_service"]
    [endpoint] = body["endpoints"]
    assert endpoint == {"specification": "http://wiki.open311.org/GeoReport_v2", "url": "http://testserver/open311/v2/",
                        "changeset": body["changeset"], "type": "production",
                        "formats": ["text/xml", "application/json"]}
    root = xml(client.get(f"{BASE}discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]
    assert root.findtext("endpoints/endpoint/url") == "http://testserver/open311/v2/"
    # An edit of a category (recorded by the admin) tells clients to refresh their services.
    category = Category.objects.create(code="later", name="后加", region=world.regions["city"],
                                       responsible=Responsible.RESIDENTS_COMMITTEE)
    history.record(actor=None, obj=category, action="update", source="admin")
    assert client.get(f"{BASE}discovery.json").json()["changeset"] > body["changeset"]


def test_services_in_both_formats(client, world, cats):
    Category.objects.filter(code="enquiry").update(active=False)
    r = client.get(f"{BASE}services.json")
    assert r.status_code == 200
    services = r.json()
    assert [s["service_code"] for s in services] == ["stair-light", "leak", "greenery", "parking", "illegal-build"]
    light = services[0]
    assert light["service_name"] == "楼道灯不亮" and light["metadata"] is True and light["type"] == "realtime"
    assert light["keywords"].startswith("help") and light["group"] == str(Responsible.PROPERTY_COMPANY.label)
    assert light["description"] is None  # empty → null, the spec's JSON mapping
    root = xml(client.get(f"{BASE}services.xml"))
    assert root.tag == "services"
    assert [s.findtext("service_code") for s in root.findall("service")] == [s["service_code"] for s in services]
    assert root.find("service/metadata").text == "true" and root.find("service/description").text is None


def test_services_by_jurisdiction(client, world, cats):
    other_city_category()
    everything = [s["service_code"] for s in client.get(f"{BASE}services.json").json()]
    assert "ningbo-only" in everything
    district = [s["service_code"] for s in client.get(f"{BASE}services.json?jurisdiction_id=330199").json()]
    assert "ningbo-only" not in district and "stair-light" in district  # the city's categories reach down
    r = client.get(f"{BASE}services.xml?jurisdiction_id=nowhere")
    assert r.status_code == 404
    root = xml(r)
    assert root.tag == "errors" and root.findtext("error/code") == "404" and root.findtext("error/description")


def test_service_definition(client, world, cats):
    r = client.get(f"{BASE}services/stair-light.json")
    assert r.status_code == 200
    body = r.json()
    assert body["service_code"] == "stair-light"
    attributes = body["attributes"]
    assert [(a["code"], a["order"], a["required"], a["datatype"]) for a in attributes] == [
        ("title", 1, True, "string"), ("unit", 2, False, "string"), ("reporter_name", 3, False, "string")]
    assert all(a["variable"] is True and a["description"] and a["datatype_description"] for a in attributes)
    root = xml(client.get(f"{BASE}services/stair-light.xml"))
    assert root.tag == "service_definition" and root.findtext("service_code") == "stair-light"
    assert [a.findtext("code") for a in root.findall("attributes/attribute")] == ["title", "unit", "reporter_name"]
    assert root.find("attributes/attribute/required").text == "true"
    assert errors_of(client.get(f"{BASE}services/nope.json"))[0]["code"] == 404


def test_list_attributes_render_their_values_in_xml():
    data = {"service_code": "x", "attributes": [{"code": "kind", "values": [{"key": "a", "name": "甲"}]}]}
    root = ET.fromstring(render.to_xml(data, "service_definition"))
    assert [(v.findtext("key"), v.findtext("name")) for v in root.findall("attributes/attribute/values/value")] == [
        ("a", "甲")]
    # Characters XML cannot carry are dropped, not written as a broken document.
    assert ET.fromstring(render.to_xml({"changeset": "a\x0bb"}, "discovery")).findtext("changeset") == "ab"


def test_unknown_format_and_method(client, world, cats):
    r = client.get(f"{BASE}services.csv")
    assert r.status_code == 404 and xml(r).tag == "errors"
    r = client.put(f"{BASE}services.json")
    assert r.status_code == 405 and errors_of(r)


# ---- POST ---------------------------------------------------------------------------------

def test_post_with_address_id_then_get_it_back(client, world, cats, key):
    r = post(client, **form(key, **{"attribute[unit]": "1-101", "media_url": "https://img.example/1.jpg"}))
    assert r.status_code == 200, r.content
    [created] = r.json()
    assert set(created) == {"service_request_id", "service_notice", "account_id"} and created["account_id"] is None
    t = Ticket.objects.get(reference=created["service_request_id"])
    assert (t.channel, t.compound.code, t.category.code) == ("open311", "K1", "stair-light")
    assert t.entered_by == world.users["district"] and t.raised_by is None
    assert (t.reporter_name, t.reporter_phone, t.unit) == ("王建国", "13900000099", world.units["101"])
    assert t.title == form(key)["description"][:40]
    assert t.description.endswith("https://img.example/1.jpg")

    ref = t.reference
    [full] = client.get(f"{BASE}requests/{ref}.json", {"api_key": key}).json()
    assert full["service_request_id"] == ref and full["status"] == "open"
    assert full["description"] == t.description and full["address_id"] == "K1"
    assert full["service_code"] == "stair-light" and full["agency_responsible"] == "绿城物业"
    assert full["requested_datetime"].endswith("+08:00") and full["expected_datetime"]
    assert full["zipcode"] is None and full["media_url"] is None
    root = xml(client.get(f"{BASE}requests/{ref}.xml", {"api_key": key}))
    assert root.tag == "service_requests"
    [request] = root.findall("request")
    assert request.findtext("service_request_id") == ref and request.findtext("description") == t.description
    assert request.findtext("status") == "open" and request.findtext("address_id") == "K1"

    # Without a key: no description, no notes, no resident's words; never a name or a phone.
    r = client.get(f"{BASE}requests/{ref}.json")
    [public] = r.json()
    assert public["description"] is None and public["status_notes"] is None and public["address"] == "和睦小区"
    assert "王" not in r.content.decode() and "13900000099" not in r.content.decode()
    # A key whose user cannot see the case reads it as the public does.
    outsider = ApiToken.issue(user=world.users["outsider"], name="reader")[1]
    assert client.get(f"{BASE}requests/{ref}.json", {"api_key": outsider}).json()[0]["description"] is None
    assert errors_of(client.get(f"{BASE}requests/NOSUCHREF.json"))[0]["code"] == 404


def test_post_in_xml(client, world, cats, key):
    r = post(client, "xml", **form(key, **{"attribute[title]": "楼道灯不亮", "address_string": "3号楼东门"}))
    assert r.status_code == 200
    root = xml(r)
    ref = root.findtext("request/service_request_id")
    t = Ticket.objects.get(reference=ref)
    assert t.title == "楼道灯不亮" and t.location == "3号楼东门"
    assert root.find("request/account_id").text is None  # <account_id/>, as in the spec's example


def test_post_with_lat_long_picks_the_nearest_compound(client, world, cats, key):
    k1, k2 = world.compounds["k1"], world.compounds["k2"]
    k1.latitude, k1.longitude = Decimal("30.250000"), Decimal("120.150000")
    k1.save()
    k2.latitude, k2.longitude = Decimal("30.262000"), Decimal("120.160000")  # about 1.6 km away
    k2.save()
    data = form(key, lat="30.252", long="120.151")
    del data["address_id"]
    r = post(client, **data)
    assert r.status_code == 200, r.content
    t = Ticket.objects.get(reference=r.json()[0]["service_request_id"])
    assert t.compound == k1 and t.latitude == Decimal("30.252000")
    [shown] = client.get(f"{BASE}requests/{t.reference}.json").json()
    assert (shown["lat"], shown["long"]) == (30.25, 120.15)  # the compound's point, not the reporter's

    data.update(lat="30.261", long="120.159")
    assert Ticket.objects.get(reference=post(client, **data).json()[0]["service_request_id"]).compound == k2

    data.update(lat="31.5", long="121.5")  # far from everything
    r = post(client, **data)
    assert r.status_code == 400 and errors_of(r)
    for lat in ("north", "NaN", "Infinity", "91"):
        data.update(lat=lat)
        assert post(client, **data).status_code == 400
    assert Ticket.objects.count() == 2


def test_refusals_create_nothing(client, world, cats, key):
    def refused(status, **data):
        r = post(client, **data)
        assert r.status_code == status, r.content
        return errors_of(r)

    no_key = form(key)
    del no_key["api_key"]
    refused(403, **no_key)
    refused(403, **form("sf_not-a-key"))
    revoked_key = ApiToken.issue(user=world.users["district"], name="old")[1]
    ApiToken.objects.filter(key_hash=ApiToken.hash(revoked_key)).update(revoked=True)
    refused(403, **form(revoked_key))
    reader = ApiToken.issue(user=world.users["outsider"], name="reader")[1]  # no seat: may read, not post
    refused(403, **form(reader))

    refused(404, **form(key, service_code="no-such-service"))  # the spec: an unknown service_code is 404
    refused(400, **form(key, service_code=""))
    other_city_category()
    [problem] = refused(400, **form(key, service_code="ningbo-only"))  # the service's ValidationError
    assert problem["description"].startswith("service_code: ")
    [problem] = refused(400, **form(key, description=" "))
    assert problem["description"].startswith("description: ")
    refused(400, **form(key, **{"attribute[title]": "长" * 81}))
    refused(400, **form(key, address_id="NOPE"))
    refused(400, **form(key, media_url="javascript:alert(1)"))
    address_only = form(key, address_string="和睦小区3号楼")
    del address_only["address_id"]
    refused(400, **address_only)
    assert Ticket.objects.count() == 0 and TicketEvent.objects.count() == 0


def test_unmatched_unit_stays_in_the_location(client, world, cats, key):
    r = post(client, **form(key, **{"attribute[unit]": "9-909", "address_string": "东门"}))
    t = Ticket.objects.get(reference=r.json()[0]["service_request_id"])
    assert t.unit is None and t.location == "9-909 东门"


# ---- GET requests -------------------------------------------------------------------------

def test_status_mapping_and_notes(client, world, cats, key):
    refs = {}
    for status in (Status.SUBMITTED, Status.RESOLVED, Status.CLOSED, Status.REJECTED, Status.MERGED):
        refs[status] = case(world, cats).reference
    target = Ticket.objects.get(reference=refs[Status.SUBMITTED])
    Ticket.objects.filter(reference=refs[Status.RESOLVED]).update(status=Status.RESOLVED, resolution_note="已换灯泡")
    Ticket.objects.filter(reference=refs[Status.CLOSED]).update(status=Status.CLOSED, resolution_note="已修好")
    Ticket.objects.filter(reference=refs[Status.REJECTED]).update(status=Status.REJECTED, reject_reason="不属于物业",
                                                                  redirect_to="供电公司")
    Ticket.objects.filter(reference=refs[Status.MERGED]).update(status=Status.MERGED, merged_into=target)

    shown = {r["service_request_id"]: r for r in client.get(f"{BASE}requests.json", {"api_key": key}).json()}
    assert {s: shown[ref]["status"] for s, ref in refs.items()} == {
        Status.SUBMITTED: "open", Status.RESOLVED: "open", Status.CLOSED: "closed", Status.REJECTED: "closed",
        Status.MERGED: "closed"}
    assert shown[refs[Status.RESOLVED]]["status_notes"] == "已换灯泡"
    assert "不属于物业" in shown[refs[Status.REJECTED]]["status_notes"]
    assert "供电公司" in shown[refs[Status.REJECTED]]["status_notes"]
    assert target.reference in shown[refs[Status.MERGED]]["status_notes"]
    assert shown[refs[Status.SUBMITTED]]["status_notes"] is None
    assert shown[refs[Status.CLOSED]]["service_notice"] is None and shown[refs[Status.SUBMITTED]]["service_notice"]

    def codes(**params):
        return {r["service_request_id"] for r in client.get(f"{BASE}requests.json", params).json()}

    assert codes(status="open") == {refs[Status.SUBMITTED], refs[Status.RESOLVED]}
    assert codes(status="closed") == {refs[Status.CLOSED], refs[Status.REJECTED], refs[Status.MERGED]}
    assert codes(status="open,closed") == set(refs.values())
    assert codes(service_request_id=f"{refs[Status.CLOSED]},{refs[Status.MERGED]}") == {
        refs[Status.CLOSED], refs[Status.MERGED]}
    assert errors_of(client.get(f"{BASE}requests.json", {"status": "pending"}))[0]["code"] == 400


def test_filters_by_date_service_and_jurisdiction(client, world, cats, key):
    now = timezone.now()
    recent = case(world, cats)
    old = case(world, cats, category="leak")
    Ticket.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=120))
    elsewhere = case(world, cats, compound="k3")

    def codes(**params):
        r = client.get(f"{BASE}requests.json", params)
        assert r.status_code == 200, r.content
        return {t["service_request_id"] for t in r.json()}

    assert codes() == {recent.reference, elsewhere.reference}  # the last 90 days by default
    window = {"start_date": (now - timedelta(days=130)).isoformat(), "end_date": (now - timedelta(days=110)).isoformat()}
    assert codes(**window) == {old.reference}
    assert codes(start_date=(now - timedelta(days=125)).strftime("%Y-%m-%d")) == {old.reference}
    assert codes(end_date=(now - timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%SZ")) == {old.reference}
    assert codes(service_code="leak,parking", start_date=(now - timedelta(days=121)).isoformat()) == {old.reference}
    assert codes(jurisdiction_id="330199002") == {elsewhere.reference}  # 西街道: K3 only
    for bad in ({"start_date": "yesterday"}, {"start_date": now.isoformat(), "end_date": (now - timedelta(1)).isoformat()},
                {"start_date": (now - timedelta(days=200)).isoformat(), "end_date": now.isoformat()},
                {"end_date": "0001-01-01"}, {"start_date": "2026-02-30"}):
        assert errors_of(client.get(f"{BASE}requests.json", bad))[0]["code"] == 400
    assert errors_of(client.get(f"{BASE}requests.json", {"jurisdiction_id": "9999"}))[0]["code"] == 404
    assert errors_of(client.get(f"{BASE}requests.json", {"api_key": "sf_wrong"}))[0]["code"] == 403
