"""The compound's public notice board "who handles what" (seed 004) and its QR code."""

import io
import re
import xml.etree.ElementTree as ET

import pytest
import segno

from sanfang.tickets.models import RoutingOverride, TicketPolicy
from sanfang.tickets.rules import Responsible, parse_span

pytestmark = pytest.mark.django_db
URL = "/tickets/compound/{}/"


def days(n: int) -> str:
    """The label of n working days in the language the page speaks (the catalogue may say it in Chinese)."""
    return parse_span(f"{n}d").label()


def test_public_notice_for_k1(client, world, cats):
    r = client.get(URL.format("K1"))  # nobody logged in
    assert r.status_code == 200
    html = r.content.decode()
    assert "和睦小区" in html and "春风社区" in html
    assert "和睦小区业委会" in html  # the owners' committee
    assert "绿城物业" in html  # CO-1, the company serving K1 now
    assert "春风社区居委会" in html  # the residents' committee
    for cat in cats.values():
        assert cat.name in html
        assert f'data-category="{cat.code}"' in html
    rows = {row["category"].code: row for row in r.context["rows"]}
    assert rows["stair-light"]["org"] == "绿城物业"
    assert rows["leak"]["org"] == "和睦小区业委会"
    assert rows["parking"]["org"] == "春风社区居委会"
    assert rows["illegal-build"]["org"] == "区住建局"
    assert rows["stair-light"]["resolve"] == days(5)
    assert rows["stair-light"]["accept"] == parse_span("4h").label()
    assert days(5) in html
    # The ladder with each tier's clock (the defaults of RULES T4 without a policy).
    ladder = [(s["tier"], s["within"]) for s in r.context["ladder"]]
    assert ladder == [("compound", days(5)), ("community", days(3)), ("subdistrict", days(3)),
                      ("district", days(15))]
    assert [s["where"] for s in r.context["ladder"]][1:] == ["春风社区", "东街道", "示范区"]
    assert 'src="/tickets/compound/K1/qr.svg"' in html
    assert "http://testserver/tickets/new/?compound=K1" in html
    assert "window.print()" in html and "d-print-none" in html


def test_nothing_personal_on_the_notice(client, world, cats):
    html = client.get(URL.format("K1")).content.decode()
    assert not re.search(r"(?<!\d)1\d{10}(?!\d)", html), "a phone number on a public page"
    assert "王建国" not in html  # the committee's chair: a person
    assert "CO-1" not in html and "OC-K1" not in html  # codes of the registry stay inside
    assert "88.50" not in html  # nothing of the units


def test_a_compound_without_committee_or_company(client, world, cats):
    r = client.get(URL.format("K2"))  # K2's contract ended in 2020, no committee
    assert r.status_code == 200
    rows = {row["category"].code: row for row in r.context["rows"]}
    # Who would be the company or the committee falls back to the residents' committee.
    assert rows["stair-light"]["org"] == "春风社区居委会"
    assert rows["leak"]["org"] == "春风社区居委会"
    assert r.context["company"] is None and r.context["committee"] is None
    assert "西子物业" not in r.content.decode()


def test_routing_override_and_policy_show(client, world, cats):
    RoutingOverride.objects.create(compound=world.compounds["k1"], category=cats["parking"],
                                   responsible=Responsible.PROPERTY_COMPANY, resolve_within="2d")
    TicketPolicy.objects.create(region=world.regions["d"], ladder="compound,community,district",
                                community_within="2d", district_within="10d")
    r = client.get(URL.format("K1"))
    rows = {row["category"].code: row for row in r.context["rows"]}
    assert rows["parking"]["org"] == "绿城物业" and rows["parking"]["resolve"] == days(2)
    assert [(s["tier"], s["within"]) for s in r.context["ladder"]] == [
        ("compound", days(5)), ("community", days(2)), ("district", days(10))]


def test_inactive_categories_are_left_out(client, world, cats):
    cats["enquiry"].active = False
    cats["enquiry"].save()
    html = client.get(URL.format("K1")).content.decode()
    assert 'data-category="enquiry"' not in html


def test_qr_code_is_an_svg_of_the_case_form(client, world):
    r = client.get(URL.format("K1") + "qr.svg")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("image/svg+xml")
    body = r.content.decode()
    assert "<svg" in body
    root = ET.fromstring(r.content)
    assert root.tag.endswith("svg")


def test_qr_code_encodes_the_absolute_address_of_the_case_form(client, world):
    body = client.get(URL.format("K1") + "qr.svg").content
    expected = io.BytesIO()
    segno.make("http://testserver/tickets/new/?compound=K1", error="m").save(
        expected, kind="svg", scale=8, border=2, dark="#000", light="#fff", title="和睦小区")
    assert body == expected.getvalue()


def test_unknown_compound_is_404(client, world):
    assert client.get(URL.format("NOPE")).status_code == 404
    assert client.get(URL.format("NOPE") + "qr.svg").status_code == 404


def test_only_reads(client, world):
    assert client.post(URL.format("K1")).status_code == 405
