"""The cases API: intake (one case, or 12345 work orders in bulk), lists, the inbox, a case with
its timeline, every transition, and the figures. The same services and selectors as the pages."""

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import Field

from sanfang.accounts.scope import visible_compounds
from sanfang.core.pagination import BoundedLimitOffset
from sanfang.places.models import Compound

from . import figures as fig
from . import permissions as perms
from . import selectors
from . import services as svc
from .models import Ticket

router = Router(tags=["cases"])


class TicketIn(Schema):
    compound: str = Field(..., description="Compound code")
    category: str = Field(..., description="Category code (GET /tickets/categories)")
    title: str = Field(..., max_length=80)
    description: str = Field(..., max_length=2000)
    channel: Ticket.Channel = Ticket.Channel.HOTLINE
    external_id: str = Field("", max_length=40, description="The hotline's work order number: sent twice, kept once")
    reporter_name: str = Field("", max_length=40)
    reporter_phone: str = Field("", max_length=20)
    location: str = Field("", max_length=120)
    latitude: Decimal | None = None
    longitude: Decimal | None = None


class TicketOut(Schema):
    reference: str
    compound: str = Field(..., alias="compound.code")
    compound_name: str = Field(..., alias="compound.name")
    category: str = Field(..., alias="category.code")
    category_name: str = Field(..., alias="category.name")
    channel: str
    external_id: str
    title: str
    status: str
    status_label: str = Field(..., alias="get_status_display")
    tier: str
    responsible: str
    due_at: datetime | None
    overdue: bool
    me_too: int
    created_at: datetime
    updated_at: datetime


class EventOut(Schema):
    at: datetime
    kind: str
    kind_label: str = Field(..., alias="get_kind_display")
    tier: str
    old_status: str
    new_status: str
    note: str
    data: dict


class TicketDetailOut(TicketOut):
    description: str
    location: str
    resolution_note: str
    reject_reason: str
    redirect_to: str
    accept_due: datetime | None
    respond_due: datetime | None
    resolve_due: datetime | None
    events: list[EventOut] = Field(..., alias="events_list")


class BulkIn(Schema):
    work_orders: list[TicketIn] = Field(..., min_length=1, max_length=500)


class BulkOut(Schema):
    created: list[str]
    existing: list[str]


class NoteIn(Schema):
    note: str = ""


class RejectIn(Schema):
    reason: str
    redirect_to: str = ""


class CommentIn(Schema):
    note: str
    public: bool = True


class FeedbackIn(Schema):
    rating: str = Field(..., description="satisfied, basically or unsatisfied")
    fixed: bool = True
    comment: str = ""
    by_staff_call: bool = False


def _errors(exc: ValidationError) -> dict:
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


def _compound_for(user, code: str) -> Compound:
    compound = visible_compounds(user).select_related("community").filter(code=code).first()
    if compound is None:
        raise HttpError(422, _("Unknown compound: %(code)s") % {"code": code})
    return compound


def _create(user, data: TicketIn) -> Ticket:
    compound = _compound_for(user, data.compound)
    staff = perms.can_enter_for_resident(user)
    if not staff and data.channel != Ticket.Channel.APP:
        raise HttpError(403, _("Only staff and hotline clients enter cases for residents."))
    fields = data.dict(exclude={"compound"})
    return svc.ticket_create(compound=compound, actor=user, raised_by=None if staff else user, **fields)


@router.post("/tickets", response={201: TicketOut})
def ticket_create(request, payload: TicketIn):
    """Raise one case. Staff and hotline clients enter it for a resident; a resident raises their own."""
    return 201, _create(request.user, payload)


@router.post("/tickets/bulk", response={201: BulkOut})
def ticket_bulk(request, payload: BulkIn):
    """12345 work orders in bulk: all or nothing. A work order already received (same
    ``external_id``) is reported under ``existing`` and not created again."""
    if not perms.can_enter_for_resident(request.user):
        raise HttpError(403, _("Only staff and hotline clients enter cases for residents."))
    created, existing, problems = [], [], {}
    with transaction.atomic():
        known = dict(Ticket.objects.filter(
            channel__in={w.channel for w in payload.work_orders},
            external_id__in=[w.external_id for w in payload.work_orders if w.external_id],
        ).values_list("external_id", "reference"))
        for i, order in enumerate(payload.work_orders):
            if order.external_id and order.external_id in known:
                existing.append(known[order.external_id])
                continue
            try:
                with transaction.atomic():
                    t = _create(request.user, order)
                known[order.external_id] = t.reference
                created.append(t.reference)
            except (ValidationError, HttpError) as exc:
                problems[str(i)] = _errors(exc) if isinstance(exc, ValidationError) else {"__all__": [str(exc)]}
        if problems:
            transaction.set_rollback(True)
            raise BulkRefused(problems)
    return 201, {"created": created, "existing": existing}


class BulkRefused(Exception):
    """Some work orders of a bulk call are invalid: none was kept; ``problems`` by position."""

    def __init__(self, problems):
        self.problems = problems


@router.get("/tickets/categories", response=list[dict])
def categories(request, compound: str):
    """The categories a compound's residents can choose, with who handles each."""
    c = _compound_for(request.user, compound)
    return [{"code": k.code, "name": k.name, "kind": k.kind, "responsible": svc.route_for(c, k).responsible}
            for k in svc.categories_for(c)]


@router.get("/tickets", response=list[TicketOut])
@paginate(BoundedLimitOffset)
def ticket_list(request, status: str = "", compound: str = "", category: str = ""):
    """Cases you may see, newest first."""
    qs = selectors.visible_tickets(request.user).select_related(*selectors.LIST_RELATED).order_by("-pk")
    if status:
        qs = qs.filter(status=status)
    if compound:
        qs = qs.filter(compound__code=compound)
    if category:
        qs = qs.filter(category__code=category)
    return qs


class InboxOut(Schema):
    items: list[TicketOut]
    next_offset: int | None = Field(None, description="offset of the next page; null on the last")


@router.get("/tickets/inbox", response=InboxOut)
def ticket_inbox(request, limit: int = Query(20, ge=1, le=100), offset: int = Query(0, ge=0, le=10_000),
                 overdue: bool = False, category: str = "", compound: str = ""):
    """What your seats must act on, soonest deadline first (overdue first). No total count: a
    count over a district's open cases costs more than the page; follow ``next_offset``."""
    rows, has_next = selectors.inbox_page(request.user, overdue_only=overdue, category=category, compound=compound,
                                          offset=offset, limit=limit)
    body = {"items": [r.as_api() for r in rows], "next_offset": offset + limit if has_next else None}
    # Built by hand from the rows: the schema above documents it, validating 20 rows again costs
    # a third of the request (bench inbox).
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


@router.get("/tickets/figures", response=dict)
def ticket_figures(request, start: date, end: date, region: str = "", compound: str = "", company: str = "",
                   category: str = "", department: str = ""):
    """Closed-loop figures for a period from the rollups (see tickets/README.md for definitions)."""
    if not perms.can_see_figures(request.user):
        raise HttpError(403, _("The case figures are for district, subdistrict, community, company and "
                               "department staff."))
    try:
        return fig.figures_for(user=request.user, start=start, end=end, region=region, compound=compound,
                               company=company, category=category, department=department)
    except ValueError as exc:
        raise HttpError(422, str(exc)) from None


def _get(request, reference: str) -> Ticket:
    return selectors.ticket_get_for(user=request.user, reference=reference)


@router.get("/tickets/{reference}", response=TicketDetailOut)
def ticket_detail(request, reference: str):
    t = _get(request, reference)
    t.events_list = list(selectors.timeline(t, staff=perms.is_staff_for(request.user, t)))
    return t


@router.post("/tickets/{reference}/accept", response=TicketOut)
def ticket_accept(request, reference: str, payload: NoteIn):
    return svc.ticket_accept(ticket=_get(request, reference), actor=request.user, note=payload.note)


@router.post("/tickets/{reference}/start", response=TicketOut)
def ticket_start(request, reference: str, payload: NoteIn):
    return svc.ticket_start(ticket=_get(request, reference), actor=request.user, note=payload.note)


@router.post("/tickets/{reference}/resolve", response=TicketOut)
def ticket_resolve(request, reference: str, payload: NoteIn):
    return svc.ticket_resolve(ticket=_get(request, reference), actor=request.user, note=payload.note)


@router.post("/tickets/{reference}/reject", response=TicketOut)
def ticket_reject(request, reference: str, payload: RejectIn):
    return svc.ticket_reject(ticket=_get(request, reference), actor=request.user, reason=payload.reason,
                             redirect_to=payload.redirect_to)


@router.post("/tickets/{reference}/escalate", response=TicketOut)
def ticket_escalate(request, reference: str, payload: NoteIn):
    return svc.ticket_escalate(ticket=_get(request, reference), actor=request.user, note=payload.note)


@router.post("/tickets/{reference}/comment", response={201: dict})
def ticket_comment(request, reference: str, payload: CommentIn):
    svc.ticket_comment(ticket=_get(request, reference), actor=request.user, note=payload.note, public=payload.public)
    return 201, {"ok": True}


@router.post("/tickets/{reference}/feedback", response=TicketOut)
def ticket_feedback(request, reference: str, payload: FeedbackIn):
    return svc.ticket_feedback(ticket=_get(request, reference), actor=request.user, **payload.dict())


@router.post("/tickets/{reference}/me-too", response=TicketOut)
def ticket_me_too(request, reference: str):
    t = Ticket.objects.filter(reference=reference).select_related("compound").first()
    # "Me too" is offered on open cases of one's own compound, which a resident cannot list.
    if t is None or not visible_compounds(request.user).filter(pk=t.compound_id).exists():
        raise Http404
    return svc.me_too_add(ticket=t, actor=request.user)
