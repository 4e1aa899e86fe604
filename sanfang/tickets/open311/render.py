"""Open311 documents: what each resource says (services, a service definition, service
requests, discovery, errors) as plain data, then that data written as JSON or as XML.

The spec's JSON is the "Spark" mapping of its XML (a container element becomes an array, an
empty element becomes null), so each document is built once and spelled twice: the two formats
cannot drift apart.
"""

import json
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..rules import FINAL, Status, Tier

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
FORMATS = tuple(CONTENT_TYPES)

# Each container's item element in XML; in JSON the container is simply an array.
ITEMS = {"services": "service", "service_requests": "request", "attributes": "attribute", "values": "value",
         "endpoints": "endpoint", "formats": "format", "errors": "error"}

# The attributes every service asks for, in the order shown (our real Ticket fields). A
# ``values`` list of (key, name) would make one a singlevaluelist; none needs it today.
ATTRIBUTES = (
    {"code": "title", "datatype": "string", "required": True, "description": gettext_lazy("Title"),
     "datatype_description": gettext_lazy("At most 80 characters. If left out, the start of the description is "
                                          "used.")},
    {"code": "unit", "datatype": "string", "required": False, "description": gettext_lazy("Building and room"),
     "datatype_description": gettext_lazy("Building number and room number, such as 1-101; with an entrance, "
                                          "1-2-101.")},
    {"code": "reporter_name", "datatype": "string", "required": False, "description": gettext_lazy("Your name"),
     "datatype_description": gettext_lazy("At most 40 characters. Only the staff handling the case see it.")},
)

# Characters XML 1.0 cannot carry at all: dropped rather than written as a broken document.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


# ---- writing ------------------------------------------------------------------------------

def _xml_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), item)
    elif isinstance(value, list | tuple):
        for item in value:
            _fill(ET.SubElement(element, ITEMS[element.tag]), item)
    else:
        element.text = _xml_text(value)


def to_xml(data, root: str) -> bytes:
    element = ET.Element(root)
    _fill(element, data)
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="unicode")).encode()


def _json_default(value):
    if isinstance(value, Decimal):
        return float(value)
    return str(value)  # lazy translations


def to_json(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, default=_json_default).encode()


def respond(data, fmt: str, root: str, status: int = 200) -> HttpResponse:
    """``root`` names the XML document element (``services``, ``service_requests``, …)."""
    body = to_xml(data, root) if fmt == "xml" else to_json(data)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def errors(descriptions, fmt: str, status: int) -> HttpResponse:
    """The spec's error array; the code in the body is the HTTP status, as the spec suggests."""
    if fmt not in CONTENT_TYPES:
        fmt = "xml"  # the one format every Open311 client must read
    return respond([{"code": status, "description": str(d)} for d in descriptions], fmt, "errors", status)


# ---- documents ----------------------------------------------------------------------------

def w3(moment) -> str | None:
    """ISO 8601 as the w3 note has it, with the offset: ``2026-11-21T09:30:00+08:00``."""
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def _number(value) -> float | None:
    return float(value) if value is not None else None


def discovery(*, url: str, changeset: str) -> dict:
    return {
        "changeset": changeset,
        "contact": _("Questions about this endpoint go to the district office that runs the platform."),
        "key_service": _("API keys are issued by the platform's administrators (sanfang apikey create); "
                         "a key that creates requests belongs to a user who may enter cases for residents."),
        "endpoints": [{"specification": SPECIFICATION, "url": url, "changeset": changeset, "type": "production",
                       "formats": ["text/xml", "application/json"]}],
    }


def service(category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description or None,
        "metadata": True,  # every service asks for the attributes below
        "type": "realtime",  # the reference comes back at once
        "keywords": f"{category.kind}, {category.get_kind_display()}",
        "group": str(category.get_responsible_display()),
    }


def definition(category) -> dict:
    attributes = []
    for order, spec in enumerate(ATTRIBUTES, start=1):
        attribute = {"variable": True, "code": spec["code"], "datatype": spec["datatype"],
                     "required": spec["required"], "datatype_description": str(spec["datatype_description"]),
                     "order": order, "description": str(spec["description"])}
        if "values" in spec:
            attribute["values"] = [{"key": key, "name": str(name)} for key, name in spec["values"]]
        attributes.append(attribute)
    return {"service_code": category.code, "attributes": attributes}


def status_of(ticket) -> str:
    """Open311 knows open and closed only: resolved awaits the resident's word, so it is open."""
    return "closed" if ticket.status in FINAL else "open"


def status_notes(ticket) -> str | None:
    if ticket.status == Status.REJECTED:
        note = ticket.reject_reason
        if ticket.redirect_to:
            note = f"{note} " + _("Where to go instead: %(where)s") % {"where": ticket.redirect_to}
    elif ticket.status == Status.MERGED and ticket.merged_into_id:
        note = _("Handled together with case %(ref)s.") % {"ref": ticket.merged_into.reference}
    elif ticket.status in (Status.RESOLVED, Status.CLOSED):
        note = ticket.resolution_note
    else:
        note = ""
    return note.strip() or None


def agency(ticket) -> str:
    """At the compound tier the first responsible party; above it, the tier now handling it."""
    if ticket.tier == Tier.COMPOUND:
        return ticket.responsible_org.name if ticket.responsible_org_id else str(ticket.get_responsible_display())
    return str(Tier(ticket.tier).label)


def notice(ticket) -> str | None:
    if status_of(ticket) == "closed" or ticket.resolve_due is None:
        return None
    return _("%(agency)s handles this case; it is due to be resolved by %(due)s.") % {
        "agency": agency(ticket), "due": timezone.localtime(ticket.resolve_due).strftime("%Y-%m-%d %H:%M")}


def service_request(ticket, *, full: bool) -> dict:
    """One case. ``full`` only for a key whose user may see the case: the description, the
    notes and the resident's own words on where may name people; name and phone never leave."""
    compound = ticket.compound
    address = f"{ticket.location}, {compound.name}" if full and ticket.location else compound.name
    final = ticket.status in FINAL
    return {
        "service_request_id": ticket.reference,
        "status": status_of(ticket),
        "status_notes": status_notes(ticket) if full else None,
        "service_name": ticket.category.name,
        "service_code": ticket.category.code,
        "description": ticket.description if full else None,
        "agency_responsible": agency(ticket),
        "service_notice": notice(ticket),
        "requested_datetime": w3(ticket.created_at),
        "updated_datetime": w3(ticket.closed_at if final and ticket.closed_at else ticket.updated_at),
        "expected_datetime": w3(ticket.resolve_due),
        "address": address,
        "address_id": compound.code,
        "zipcode": None,
        "lat": _number(compound.latitude),
        "long": _number(compound.longitude),
        "media_url": None,
    }


def created(ticket) -> list:
    # account_id: Open311 reporters get no account here, so there is none to return.
    return [{"service_request_id": ticket.reference, "service_notice": notice(ticket), "account_id": None}]
