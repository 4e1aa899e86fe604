"""Open311 GeoReport v2: thin adapters from the spec's parameters to the cases' services and
selectors, so an Open311 client raises and follows cases like any other channel.

Machine clients carry no session or CSRF token, hence csrf_exempt; a POST is authorised by its
``api_key`` alone. Every refusal is the spec's error array in the requested format: 404 for
what does not exist, 403 for a missing, invalid or powerless key, 400 for the rest. The
service writes in one transaction, so a refused request leaves nothing behind.
"""

import math
import re
from datetime import datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import wraps

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from sanfang.accounts.scope import visible_compounds
from sanfang.api.auth import TokenAuth
from sanfang.core.models import ChangeEvent
from sanfang.places.models import Region, Unit

from .. import permissions as perms
from .. import services as svc
from ..models import Category, Ticket
from ..rules import FINAL
from ..selectors import visible_tickets
from . import render

LIMIT = 1000  # the spec's response volume: at most 1000 requests …
SPAN = timedelta(days=90)  # … over at most 90 days
NEAR_METRES = 2000  # lat/long further than this from every compound is placed nowhere
# When ATTRIBUTES (render.py) last changed; discovery's changeset is the later of this and the
# last recorded edit of a category, so clients know when to refresh their cached services.
DEFINITIONS_CHANGED = "2026-11-21 00:00"
# The service's field names as the client knows them, for error messages.
FIELDS = {"category": "service_code", "title": "attribute[title]", "unit": "attribute[unit]",
          "reporter_name": "attribute[reporter_name]", "location": "address_string", "description": "description"}


class Refused(Exception):
    def __init__(self, status: int, *descriptions):
        super().__init__(*descriptions)
        self.status, self.descriptions = status, descriptions


def endpoint(*methods):
    """The format suffix, the method and every refusal handled once, around each view."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, fmt, **kwargs):
            if fmt not in render.FORMATS:
                return render.errors([_("Unknown format %(fmt)s: use .json or .xml.") % {"fmt": fmt}], "xml", 404)
            if request.method not in allowed:
                response = render.errors([_("This resource does not accept %(method)s.")
                                          % {"method": request.method}], fmt, 405)
                response["Allow"] = ", ".join(sorted(allowed))
                return response
            try:
                return view(request, fmt, **kwargs)
            except Refused as exc:
                return render.errors(exc.descriptions, fmt, exc.status)
            except ValidationError as exc:
                return render.errors(_problems(exc), fmt, 400)
            except PermissionDenied as exc:
                return render.errors([str(exc) or _("This api_key may not do this.")], fmt, 403)
        return wrapper
    return decorate


def _problems(exc: ValidationError) -> list[str]:
    if not hasattr(exc, "error_dict"):
        return exc.messages
    return [message if field == "__all__" else f"{FIELDS.get(field, field)}: {message}"
            for field, messages in exc.message_dict.items() for message in messages]


# ---- parameters ---------------------------------------------------------------------------

def _param(request, name: str) -> str:
    value = request.POST.get(name) if request.method == "POST" else None
    return (value if value is not None else request.GET.get(name, "")).strip()


def _list_param(request, name: str) -> list[str]:
    """Comma separated, and the parameter may be repeated (the spec allows both)."""
    return [v.strip() for raw in request.GET.getlist(name) for v in raw.split(",") if v.strip()]


def _key_user(request, *, required: bool):
    """The user behind ``api_key``, through the same lookup as the JSON API's bearer tokens
    (hash, not revoked, user active). A key sent but not valid is refused even where none is
    needed: the client should learn its key is dead."""
    key = _param(request, "api_key")
    if not key:
        if required:
            raise Refused(403, _("api_key was not provided; ask the platform's administrators for one."))
        return None
    user = TokenAuth().authenticate(request, key)
    if user is None:
        raise Refused(403, _("Invalid api_key: it is unknown or revoked, or its user is inactive."))
    return user


def _jurisdiction(request) -> Region | None:
    """Optional: one endpoint serves every region, and a region code narrows it."""
    code = _param(request, "jurisdiction_id")
    if not code:
        return None
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise Refused(404, _("jurisdiction_id %(id)s was not found; use a region code.") % {"id": code})
    return region


def _categories(region: Region | None):
    qs = Category.objects.filter(active=True).order_by("order", "code")
    if region is not None:  # categories configured for the region or any region above it
        codes = [c for c in region.path.split("/") if c]
        paths = ["/" + "/".join(codes[:i]) + "/" for i in range(1, len(codes) + 1)]
        qs = qs.filter(region__path__in=paths)
    return qs


def _moment(request, name: str, *, end: bool):
    value = _param(request, name)
    if not value:
        return None
    if " " in value and "T" in value:
        value = value.replace(" ", "+")  # an unencoded "+08:00" arrives as " 08:00"
    try:
        moment = parse_datetime(value)
        if moment is None and (day := parse_date(value)) is not None:
            moment = datetime.combine(day, time.max if end else time.min)
    except ValueError:
        moment = None
    if moment is None:
        raise Refused(400, _("%(name)s must be a w3 date and time, such as 2026-01-01T00:00:00+08:00.")
                      % {"name": name})
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _period(request):
    """The spec's window: the last 90 days by default, never longer than 90 days."""
    start, end = _moment(request, "start_date", end=False), _moment(request, "end_date", end=True)
    if start is None and end is None:
        end = timezone.now()
    try:
        start = end - SPAN if start is None else start
        end = start + SPAN if end is None else end
    except OverflowError:  # 90 days before the year 1 or after the year 9999
        raise Refused(400, _("start_date and end_date may not span more than 90 days.")) from None
    if start > end:
        raise Refused(400, _("start_date is after end_date."))
    if end - start > SPAN:
        raise Refused(400, _("start_date and end_date may not span more than 90 days."))
    return start, end


def _point(request) -> tuple[Decimal, Decimal] | None:
    lat, lng = _param(request, "lat"), _param(request, "long")
    if not lat and not lng:
        return None
    try:
        point = Decimal(lat).quantize(Decimal("0.000001")), Decimal(lng).quantize(Decimal("0.000001"))
        valid = all(p.is_finite() for p in point) and -90 <= point[0] <= 90 and -180 <= point[1] <= 180
    except (InvalidOperation, ValueError):
        valid = False
    if not valid:
        raise Refused(400, _("lat and long must both be sent, as WGS84 degrees."))
    return point


def _metres(lat1, lng1, lat2, lng2) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371000 * math.asin(math.sqrt(a))


def _nearest(compounds, lat: Decimal, lng: Decimal):
    """The nearest compound with coordinates, if one lies within 2 km. A box first keeps the
    query to a few rows; the distance is then measured on the sphere."""
    dlat = Decimal("0.02")  # 2 km is 0.018° of latitude
    dlng = Decimal(str(round(0.02 / max(math.cos(math.radians(float(lat))), 0.01), 6)))
    near = compounds.filter(latitude__range=(lat - dlat, lat + dlat), longitude__range=(lng - dlng, lng + dlng))
    best = min(((_metres(float(lat), float(lng), float(c.latitude), float(c.longitude)), c.code, c) for c in near),
               default=None, key=lambda row: row[:2])
    if best is None or best[0] > NEAR_METRES:
        raise Refused(400, _("No compound near this point (within 2 km); send address_id instead."))
    return best[2]


def _compound(request, user, region, point):
    """address_id is a compound code; otherwise lat and long find the nearest compound among
    those the key's user may see. A bare address_string cannot be placed in a compound."""
    compounds = visible_compounds(user).select_related("community")
    if region is not None:
        compounds = compounds.filter(community__path__startswith=region.path)
    code = _param(request, "address_id")
    if code:
        compound = compounds.filter(code=code).first()
        if compound is None:
            raise Refused(400, _("address_id %(id)s is not a compound this api_key may enter cases for.")
                          % {"id": code})
        return compound
    if point is None:
        raise Refused(400, _("Send address_id (a compound code), or lat and long."))
    return _nearest(compounds.filter(latitude__isnull=False, longitude__isnull=False), *point)


def _unit(compound, text: str):
    """"1-101" is building 1, room 101; "1-2-101" adds the entrance. Only an exact, single
    match is used; anything else stays words in the location for the handler to read."""
    parts = [p.strip() for p in re.split(r"[-－]", text) if p.strip()]
    if len(parts) not in (2, 3):
        return None
    found = Unit.objects.filter(compound=compound, building__number=parts[0], number=parts[-1])
    if len(parts) == 3:
        found = found.filter(entrance=parts[1])
    found = list(found[:2])
    return found[0] if len(found) == 1 else None


def _name(first: str, last: str) -> str:
    if first and last and not (first + last).isascii():
        return last + first  # 王 + 建国: the family name comes first, with no space
    return " ".join(n for n in (first, last) if n)


def _media_url(request) -> str:
    url = _param(request, "media_url")
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise Refused(400, _("media_url must be an http or https address.")) from None
    return url


def _shown(user, tickets) -> list[dict]:
    seen = set()
    if user is not None and tickets:
        seen = set(visible_tickets(user).filter(pk__in=[t.pk for t in tickets]).values_list("pk", flat=True))
    return [render.service_request(t, full=t.pk in seen) for t in tickets]


def _tickets():
    return Ticket.objects.select_related("compound", "category", "responsible_org", "merged_into")


# ---- views --------------------------------------------------------------------------------

@endpoint("GET")
def discovery(request, fmt):
    """Where the endpoint is and what it speaks; the changeset tells clients when to refresh."""
    base = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": fmt})).rsplit("/", 1)[0] + "/"
    last = (ChangeEvent.objects.filter(model="tickets.category").order_by("-at")
            .values_list("at", flat=True).first())
    changeset = max(DEFINITIONS_CHANGED, timezone.localtime(last).strftime("%Y-%m-%d %H:%M") if last else "")
    return render.respond(render.discovery(url=base, changeset=changeset), fmt, "discovery")


@endpoint("GET")
def services(request, fmt):
    """Every active category is a service; a jurisdiction narrows to the ones configured there."""
    return render.respond([render.service(c) for c in _categories(_jurisdiction(request))], fmt, "services")


@endpoint("GET")
def service_definition(request, fmt, service_code):
    category = _categories(_jurisdiction(request)).filter(code=service_code).first()
    if category is None:
        raise Refused(404, _("service_code %(code)s was not found.") % {"code": service_code})
    return render.respond(render.definition(category), fmt, "service_definition")


@endpoint("GET", "POST")
def service_requests(request, fmt):
    """GET lists cases newest first, within the spec's 90 days and 1000 rows; anyone may read,
    but only a key that may see a case gets its words (render.service_request)."""
    if request.method == "POST":
        return _create(request, fmt)
    user, region = _key_user(request, required=False), _jurisdiction(request)
    qs = _tickets()
    if ids := _list_param(request, "service_request_id"):
        qs = qs.filter(reference__in=ids[:LIMIT])  # the spec: this overrides every other argument
    else:
        if region is not None:
            qs = qs.filter(compound__community__path__startswith=region.path)
        if codes := _list_param(request, "service_code"):
            qs = qs.filter(category__code__in=codes)
        statuses = set(_list_param(request, "status"))
        if statuses - {"open", "closed"}:
            raise Refused(400, _("status is open or closed."))
        if statuses == {"open"}:
            qs = qs.exclude(status__in=FINAL)
        elif statuses == {"closed"}:
            qs = qs.filter(status__in=FINAL)
        start, end = _period(request)
        qs = qs.filter(created_at__gte=start, created_at__lte=end)
    tickets = list(qs.order_by("-created_at", "-pk")[:LIMIT])
    return render.respond(_shown(user, tickets), fmt, "service_requests")


def _create(request, fmt):
    """POST a request: a case entered for a resident by the key's user on the open311 channel."""
    user = _key_user(request, required=True)
    if not perms.can_enter_for_resident(user):
        raise Refused(403, _("This api_key may read but not create requests: its user enters no cases for "
                             "residents. A district officer can give the user a seat."))
    region = _jurisdiction(request)
    code = _param(request, "service_code")
    if not code:
        raise Refused(400, _("service_code was not provided."))
    if not _categories(region).filter(code=code).exists():
        raise Refused(404, _("service_code %(code)s was not found.") % {"code": code})
    description = _param(request, "description")
    if not description:  # checked here so the message names description, not the title made from it
        raise Refused(400, "description: " + _("This field is required."))
    point = _point(request)
    compound = _compound(request, user, region, point)
    attribute = {name: _param(request, f"attribute[{name}]") for name in ("title", "unit", "reporter_name")}
    unit = _unit(compound, attribute["unit"]) if attribute["unit"] else None
    location = _param(request, "address_string")
    if attribute["unit"] and unit is None:
        location = " ".join(w for w in (attribute["unit"], location) if w)
    title = attribute["title"] or " ".join(description.split())[:40]
    if media_url := _media_url(request):
        description += "\n\n" + _("Photo or file: %(url)s") % {"url": media_url}
    ticket = svc.ticket_create(
        compound=compound, category=code, title=title, description=description, channel=Ticket.Channel.OPEN311,
        actor=user, raised_by=None, unit=unit, location=location,
        reporter_name=attribute["reporter_name"] or _name(_param(request, "first_name"), _param(request, "last_name")),
        reporter_phone=_param(request, "phone"),
        latitude=point[0] if point else None, longitude=point[1] if point else None)
    return render.respond(render.created(ticket), fmt, "service_requests")


@endpoint("GET")
def service_request(request, fmt, service_request_id):
    """One case by its reference, as an array of one (the spec's shape), with the list's privacy."""
    user, region = _key_user(request, required=False), _jurisdiction(request)
    qs = _tickets().filter(reference=service_request_id)
    if region is not None:
        qs = qs.filter(compound__community__path__startswith=region.path)
    ticket = qs.first()
    if ticket is None:
        raise Refused(404, _("service_request_id %(id)s was not found.") % {"id": service_request_id})
    return render.respond(_shown(user, [ticket]), fmt, "service_requests")
