"""Reads of cases for pages and the API, scope built in (DESIGN habit 8): a case outside the
user's scope is simply not there (404)."""

import threading
import time

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import F, Q, QuerySet
from django.db.models.signals import post_delete, post_save
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation

from sanfang.accounts.models import Role, prepared_rows, statement_name
from sanfang.accounts.scope import compound_ids_in, seats_of, sees_everything
from sanfang.places.models import Compound

from . import permissions as perms
from .models import Category, Summons, Ticket, TicketEvent
from .rules import OPEN, Responsible, Status, Tier

LIST_RELATED = ("compound", "category")
# What a list shows: a narrow select keeps a 20-row page cheap to build (bench inbox).
LIST_FIELDS = ("reference", "title", "status", "tier", "responsible", "channel", "external_id", "due_at", "me_too",
               "created_at", "updated_at", "compound__code", "compound__name", "category__code", "category__name")


class Window:
    """A page of a list without counting the whole list (a COUNT over a district's cases costs
    more than the page): one row more than shown says whether there is a next page."""

    def __init__(self, qs, number, per_page: int = 20, max_page: int = 500):
        self.number = self.page_number(number, max_page)
        start = (self.number - 1) * per_page
        rows = list(qs[start:start + per_page + 1])
        self._set(rows[:per_page], len(rows) > per_page)

    @staticmethod
    def page_number(number, max_page: int = 500) -> int:
        try:
            return min(max(int(number or 1), 1), max_page)
        except (TypeError, ValueError):
            return 1

    @classmethod
    def of_rows(cls, number: int, rows: list, has_next: bool) -> "Window":
        """A page already read (``inbox_page``)."""
        window = cls.__new__(cls)
        window.number = number
        window._set(rows, has_next)
        return window

    def _set(self, rows, has_next):
        self.object_list, self.has_next = rows, has_next
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


def _inbox_parts(user) -> tuple:
    """What ``inbox_q`` is made of, as plain values: the key its compiled SQL is kept under
    (``inbox_page``), so two users whose seats open the same work share one plan and a change
    of seat, of region or of organisation makes another key."""
    if sees_everything(user):
        return (("all",),)
    today = timezone.localdate()
    parts = []
    for seat in seats_of(user):
        if seat.role in perms.TIER_OF_ROLE and seat.region_id:
            tier = perms.TIER_OF_ROLE[seat.role]
            # compound_id IN (the subtree's compounds, listed and kept: accounts.scope.
            # compound_ids_in): the planner then knows them and reads each compound's open
            # cases at the tier (ticket_open_compound_tier_idx) or walks the tier's deadline
            # order (ticket_open_tier_due_idx), whichever is shorter (bench/RESULTS.inbox.md).
            parts.append(("tier", tier, compound_ids_in(seat.region.path)))
            continue
        org = seat.organization
        if org is None or not org.active_on(today):
            continue  # as ticket_q: a dissolved organisation opens nothing
        if seat.role == Role.COMMITTEE_MEMBER and org.compound_id:
            parts.append(("compound", org.compound_id))
        elif seat.role in (Role.COMPANY_STAFF, Role.DEPARTMENT_OFFICER):
            parts.append(("org", org.pk))
    return tuple(parts)


def _q_of(parts: tuple) -> Q:
    q = Q(pk__in=[])
    for part in parts:
        kind = part[0]
        if kind == "all":
            return Q(status__in=sorted(OPEN))
        if kind == "tier":
            _kind, tier, compounds = part
            here = Q(tier=tier)
            if tier == Tier.COMMUNITY:  # the residents' committee's own cases at the compound tier
                here |= Q(tier=Tier.COMPOUND, responsible=Responsible.RESIDENTS_COMMITTEE)
            q |= here & Q(compound_id__in=compounds)
        elif kind == "compound":
            q |= Q(tier=Tier.COMPOUND, compound_id=part[1])
        elif kind == "org":
            q |= Q(tier=Tier.COMPOUND, responsible_org_id=part[1])
    return q & Q(status__in=sorted(OPEN))


def inbox_q(user) -> Q:
    """What each of the user's seats must act on now: open cases at the seat's tier (or sent to
    its organisation), and open summonses of its department."""
    return _q_of(_inbox_parts(user))


def inbox(user, *, overdue_only: bool = False, category: str = "", compound: str = "") -> QuerySet:
    """The seat's work, soonest deadline first: overdue cases come first by themselves. Each
    seat's part of ``inbox_q`` lies inside what that seat may see (``permissions.ticket_q``),
    so the scope needs no second filter here."""
    return _inbox_qs(_inbox_parts(user), overdue_only=overdue_only, category=category, compound=compound)\
        .select_related(*LIST_RELATED).only(*LIST_FIELDS)


def _inbox_qs(parts, *, overdue_only=False, category="", compound="") -> QuerySet:
    qs = Ticket.objects.filter(_q_of(parts))
    if overdue_only:
        qs = qs.filter(due_at__lt=timezone.now())
    if category:
        qs = qs.filter(category__code=category)
    if compound:
        qs = qs.filter(compound__code=compound)
    return qs.order_by(F("due_at").asc(nulls_last=True), "pk")


# ---- the inbox's hot path -----------------------------------------------------------------
#
# A staff member's inbox is read far more often than anything in it changes, and most of what
# one request cost was Python building the same SQL again (bench inbox): here the SQL of a
# scope is compiled once per process and run as it is, the rows are read as tuples, and the
# compound and category of each row come from small per-process tables.

ROW_COLUMNS = ("id", "reference", "title", "status", "tier", "responsible", "channel", "external_id", "due_at",
               "me_too", "created_at", "updated_at", "compound_id", "category_id")
_PLANS_MAX = 2048
_plans: dict[tuple, "_Plan"] = {}
_plans_lock = threading.Lock()


class Label:
    """The code and name of a compound or category, shown in a row."""

    __slots__ = ("pk", "code", "name")

    def __init__(self, pk, code, name):
        self.pk, self.code, self.name = pk, code, name

    def __str__(self):
        return self.name


class InboxRow:
    """One case of the inbox as the page (tickets/inbox.html) and the API show it, read as a
    tuple instead of a model instance; its attributes carry a Ticket's names (``compound.name``,
    ``get_status_display``, ``overdue``, ``is_open``) with the labels already translated."""

    __slots__ = ("pk", "reference", "title", "status", "tier", "responsible", "channel", "external_id", "due_at",
                 "me_too", "created_at", "updated_at", "compound", "category", "get_status_display",
                 "get_tier_display", "overdue", "url")
    is_open = True  # the inbox lists open cases only

    @property
    def due_label(self) -> str:
        """The deadline as the lists show it (``|date:"m-d H:i"`` in the current time zone)."""
        if self.due_at is None:
            return ""
        d = timezone.localtime(self.due_at)
        return f"{d.month:02d}-{d.day:02d} {d.hour:02d}:{d.minute:02d}"

    def as_api(self) -> dict:
        return {
            "reference": self.reference, "compound": self.compound.code, "compound_name": self.compound.name,
            "category": self.category.code, "category_name": self.category.name, "channel": self.channel,
            "external_id": self.external_id, "title": self.title, "status": self.status,
            "status_label": self.get_status_display, "tier": self.tier, "responsible": self.responsible,
            "due_at": self.due_at, "overdue": self.overdue, "me_too": self.me_too,
            "created_at": self.created_at, "updated_at": self.updated_at,
        }


class _Plan:
    """The compiled SQL of one inbox page. On PostgreSQL its parameters are written into the
    text once (a district's thousand compound ids were a thousand parameters to quote again on
    every request) and it runs as a prepared statement (``accounts.models.prepared_rows``)."""

    __slots__ = ("sql", "params", "converters", "name")

    def __init__(self, sql, params, converters, connection):
        self.sql, self.params, self.converters = sql, tuple(params), converters
        self.name = statement_name("inbox")
        if sql is not None and connection.vendor == "postgresql":
            self.sql, self.params = connection.ops.compose_sql(sql, params), ()


def inbox_page(user, *, overdue_only: bool = False, category: str = "", compound: str = "", offset: int = 0,
               limit: int = 20) -> tuple[list[InboxRow], bool]:
    """``limit`` rows of ``inbox(user, …)`` from ``offset``, and whether more follow. The same
    cases in the same order as ``inbox``; its SQL is compiled once per scope, filter and page
    and kept (``_PLANS_MAX`` plans per process, keyed by what the scope is made of — seats are
    read afresh on every request, so the key changes the moment a seat does). With
    ``overdue_only`` the SQL holds the current time and is compiled each time."""
    parts = _inbox_parts(user)
    connection = connections[router.db_for_read(Ticket)]
    key = (connection.alias, parts, category, compound, offset, limit)
    plan = None if overdue_only else _plans.get(key)
    if plan is None:
        qs = _inbox_qs(parts, overdue_only=overdue_only, category=category, compound=compound)
        compiler = qs.values_list(*ROW_COLUMNS)[offset:offset + limit + 1].query.get_compiler(connection=connection)
        try:
            sql, params = compiler.as_sql()
            converters = [(i, convs, expr) for i, (convs, expr) in
                          compiler.get_converters([s[0] for s in compiler.select]).items()]
        except EmptyResultSet:  # no seat opens any work
            sql, params, converters = None, (), []
        plan = _Plan(sql, params, converters, connection)
        if not overdue_only:
            with _plans_lock:
                if len(_plans) >= _PLANS_MAX:
                    _plans.clear()
                _plans[key] = plan
    if plan.sql is None:
        return [], False
    if overdue_only:  # run once: not worth preparing
        with connection.cursor() as c:
            c.execute(plan.sql, plan.params or None)
            rows = c.fetchall()
    else:
        rows = prepared_rows(connection, plan.name, plan.sql, plan.params)
    has_next = len(rows) > limit
    return _rows(rows[:limit], plan.converters, connection), has_next


def _rows(rows, converters, connection) -> list[InboxRow]:
    now = timezone.now()
    statuses, tiers = _labels()
    compounds = _compounds([r[12] for r in rows])
    categories = _categories()
    # The case page's address, reversed once per page rather than once per row.
    before, after = reverse("tickets:detail", args=["__reference__"]).split("__reference__", 1)
    out = []
    for r in rows:
        if converters:
            r = list(r)
            for i, convs, expr in converters:
                for conv in convs:
                    r[i] = conv(r[i], expr, connection)
        row = InboxRow()
        (row.pk, row.reference, row.title, row.status, row.tier, row.responsible, row.channel, row.external_id,
         row.due_at, row.me_too, row.created_at, row.updated_at, compound_id, category_id) = r
        row.compound, row.category = compounds[compound_id], categories.get(category_id) or _category(category_id)
        row.get_status_display, row.get_tier_display = statuses[row.status], tiers[row.tier]
        row.overdue = row.due_at is not None and row.due_at < now
        row.url = f"{before}{row.reference}{after}"
        out.append(row)
    return out


_label_cache: dict[str, tuple[dict, dict]] = {}


def _labels() -> tuple[dict, dict]:
    """{status: label}, {tier: label} in the active language (a lazy label per row cost a
    translation lookup each, and get_FOO_display hashes every choice each time)."""
    lang = translation.get_language() or ""
    found = _label_cache.get(lang)
    if found is None:
        found = _label_cache[lang] = ({s.value: str(s.label) for s in Status}, {t.value: str(t.label) for t in Tier})
    return found


# Codes and names of compounds and categories for the rows: display only (the scope is in the
# SQL), kept per process for DISPLAY_CACHE_SECONDS (60 s) and forgotten at once in this process
# when one is saved or deleted; a rename elsewhere shows within the minute.
_display: dict[str, object] = {"until": 0.0, "compounds": {}, "categories": None}
_display_lock = threading.Lock()
_clock = time.monotonic  # a module attribute so tests can move it


def _display_fresh() -> dict:
    now = _clock()
    if _display["until"] <= now:
        with _display_lock:
            if _display["until"] <= now:
                _display.update(until=now + getattr(settings, "DISPLAY_CACHE_SECONDS", 60), compounds={},
                                categories=None)
    return _display


def _compounds(ids) -> dict[int, Label]:
    known = _display_fresh()["compounds"]
    missing = {i for i in ids if i not in known}
    if missing:
        for pk, code, name in Compound.objects.filter(pk__in=missing).values_list("pk", "code", "name"):
            known[pk] = Label(pk, code, name)
    return known


def _categories() -> dict[int, Label]:
    display = _display_fresh()
    found = display["categories"]
    if found is None:
        found = display["categories"] = {pk: Label(pk, code, name) for pk, code, name in
                                         Category.objects.values_list("pk", "code", "name")}
    return found


def _category(pk) -> Label:
    """A category created since the table above was read."""
    code, name = Category.objects.values_list("code", "name").get(pk=pk)
    label = Label(pk, code, name)
    _categories()[pk] = label
    return label


def forget_display(**_kwargs) -> None:
    """Forget the kept compound and category labels (a signal receiver)."""
    _display["until"] = 0.0


def forget_plans(**_kwargs) -> None:
    with _plans_lock:
        _plans.clear()


for _model in (Compound, Category):
    post_save.connect(forget_display, sender=_model, dispatch_uid=f"tickets.inbox.display.saved.{_model.__name__}")
    post_delete.connect(forget_display, sender=_model, dispatch_uid=f"tickets.inbox.display.deleted.{_model.__name__}")


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
