"""Reads of cases for pages and the API, scope built in (DESIGN habit 8): a case outside the
user's scope is simply not there (404)."""

from django.db.models import F, Q, QuerySet
from django.http import Http404

from sanfang.accounts.models import Role
from sanfang.accounts.scope import seats_of, sees_everything
from sanfang.places.models import Compound

from . import permissions as perms
from .models import Summons, Ticket, TicketEvent
from .rules import OPEN, Responsible, Tier

LIST_RELATED = ("compound", "category")
# What a list shows: a narrow select keeps a 20-row page cheap to build (bench inbox).
LIST_FIELDS = ("reference", "title", "status", "tier", "responsible", "channel", "external_id", "due_at", "me_too",
               "created_at", "updated_at", "compound__code", "compound__name", "category__code", "category__name")


class Window:
    """A page of a list without counting the whole list (a COUNT over a district's cases costs
    more than the page): one row more than shown says whether there is a next page."""

    def __init__(self, qs, number, per_page: int = 20, max_page: int = 500):
        try:
            self.number = min(max(int(number or 1), 1), max_page)
        except (TypeError, ValueError):
            self.number = 1
        start = (self.number - 1) * per_page
        rows = list(qs[start:start + per_page + 1])
        self.object_list, self.has_next = rows[:per_page], len(rows) > per_page
        self.has_previous = self.number > 1
        self.previous_page_number, self.next_page_number = self.number - 1, self.number + 1

    def __iter__(self):
        return iter(self.object_list)

    def has_other_pages(self):
        return self.has_previous or self.has_next


def visible_tickets(user, phone: str = "") -> QuerySet:
    return Ticket.objects.filter(perms.ticket_q(user, phone))


def ticket_get_for(*, user, reference: str, phone: str = "") -> Ticket:
    t = (visible_tickets(user, phone).select_related("compound__community", "category", "responsible_org", "unit")
         .filter(reference=reference).first())
    if t is None:
        raise Http404
    return t


def inbox_q(user) -> Q:
    """What each of the user's seats must act on now: open cases at the seat's tier (or sent to
    its organisation), and open summonses of its department."""
    if sees_everything(user):
        return Q(status__in=OPEN)
    q = Q(pk__in=[])
    for seat in seats_of(user):
        if seat.role in perms.TIER_OF_ROLE and seat.region_id:
            tier = perms.TIER_OF_ROLE[seat.role]
            here = Q(tier=tier)
            if tier == Tier.COMMUNITY:  # the residents' committee's own cases at the compound tier
                here |= Q(tier=Tier.COMPOUND, responsible=Responsible.RESIDENTS_COMMITTEE)
            # compound_id IN (the subtree's compounds), not a LIKE two joins away: the planner
            # then walks (compound_id, status, due_at) per compound (bench/RESULTS.md, inbox).
            q |= here & Q(compound_id__in=Compound.objects.filter(
                community__path__startswith=seat.region.path).values("pk"))
        elif seat.role == Role.COMMITTEE_MEMBER and seat.organization.compound_id:
            q |= Q(tier=Tier.COMPOUND, compound_id=seat.organization.compound_id)
        elif seat.role in (Role.COMPANY_STAFF, Role.DEPARTMENT_OFFICER):
            q |= Q(tier=Tier.COMPOUND, responsible_org_id=seat.organization_id)
    return q & Q(status__in=sorted(OPEN))


def inbox(user, *, overdue_only: bool = False, category: str = "", compound: str = "") -> QuerySet:
    """The seat's work, soonest deadline first: overdue cases come first by themselves. Each
    seat's part of ``inbox_q`` lies inside what that seat may see (``permissions.ticket_q``),
    so the scope needs no second filter here."""
    qs = Ticket.objects.filter(inbox_q(user))
    if overdue_only:
        from django.utils import timezone

        qs = qs.filter(due_at__lt=timezone.now())
    if category:
        qs = qs.filter(category__code=category)
    if compound:
        qs = qs.filter(compound__code=compound)
    return (qs.select_related(*LIST_RELATED).only(*LIST_FIELDS)
            .order_by(F("due_at").asc(nulls_last=True), "pk"))


def summonses_for(user) -> QuerySet:
    """Open summonses of the user's departments, soonest deadline first."""
    depts = [s.organization_id for s in seats_of(user) if s.role == Role.DEPARTMENT_OFFICER]
    qs = Summons.objects.exclude(state=Summons.State.DONE)
    if not sees_everything(user):
        qs = qs.filter(department_id__in=depts)
    return qs.select_related("ticket__compound", "ticket__category", "department").order_by("report_due", "pk")


def my_tickets(user, phone: str = "") -> QuerySet:
    q = Q(pk__in=[])
    if user and user.is_authenticated:
        q |= Q(raised_by=user)
    if phone:
        q |= Q(reporter_phone=phone)
    return Ticket.objects.filter(q).select_related(*LIST_RELATED).order_by("-pk")


def timeline(ticket: Ticket, *, staff: bool) -> QuerySet:
    """The full timeline for staff; the resident's plain-words version leaves internal notes out."""
    qs = ticket.events.select_related("actor").prefetch_related("attachments")
    return qs if staff else qs.filter(public=True)


def likely_duplicates(*, compound, category, exclude=None) -> QuerySet:
    """Open cases of the same compound and category: offered for "me too" instead of a new case."""
    qs = Ticket.objects.open().filter(compound=compound, category=category)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.order_by("-me_too", "-pk")[:5]


def last_event(ticket: Ticket) -> TicketEvent | None:
    return ticket.events.order_by("-at", "-id").first()
