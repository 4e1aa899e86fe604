"""Scope: what a user may see, as querysets (DESIGN habit 8).

Every selector starts from ``visible_to(user, queryset)``. A seat opens a subtree of places:
a region seat its region's subtree, a committee seat its compound, a company seat the
compounds it currently serves, a resident seat one compound, a department seat the region the
department belongs to. Rows outside answer 404 in views and the API.
"""

import threading
import time
from functools import reduce
from operator import or_

from django.conf import settings
from django.core.cache import cache
from django.db import connections, router, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from sanfang.orgs.models import Membership, Organization, Ownership, Person, ServiceContract
from sanfang.places.models import Building, Compound, Grid, Region, Unit

from .models import COMPOUND_ROLES, Role, RowReader, Seat, prepared_rows, statement_name

_NOTHING = Q(pk__in=[])

# Roles that work with residents directly and so see phone numbers unmasked.
PHONE_ROLES = {Role.DISTRICT_OFFICER, Role.SUBDISTRICT_OFFICER, Role.COMMUNITY_WORKER, Role.GRID_WORKER}


def seats_of(user) -> list[Seat]:
    """The user's active seats, each with its region and its organisation (and that
    organisation's region) loaded: read from the database once per request (kept on the user
    object), never from a cache, so a seat removed or ended counts from the next request on."""
    if not user or not user.is_authenticated:
        return []
    found = getattr(user, "_seat_cache", None)
    if found is None:
        found = user._seat_cache = _read_seats(user)
    return found


# One join for the seats and what they sit at, written once: the ORM's select_related compiled
# it again on every request, which cost more than running it (bench inbox). The API's token
# read joins the same (``seat_join``), so a request with a token reads both in one statement.
SEAT_PARTS = (("s", Seat), ("r", Region), ("o", Organization), ("orr", Region))
_SEAT_ROWS = RowReader(*SEAT_PARTS)
_seat_sql: dict[str, str] = {}
_SEAT_STATEMENT = statement_name("seats")


def _related_join(connection) -> str:
    qn = connection.ops.quote_name
    region, org = qn(Region._meta.db_table), qn(Organization._meta.db_table)
    s, r, o, orr, pk = qn("s"), qn("r"), qn("o"), qn("orr"), qn("id")
    return (f"LEFT OUTER JOIN {region} {r} ON {r}.{pk} = {s}.{qn('region_id')} "
            f"LEFT OUTER JOIN {org} {o} ON {o}.{pk} = {s}.{qn('organization_id')} "
            f"LEFT OUTER JOIN {region} {orr} ON {orr}.{pk} = {o}.{qn('region_id')}")


def _active(connection) -> str:
    """Seat.objects.active(), with one parameter: ``seat_day(connection)``."""
    qn = connection.ops.quote_name
    return f"({qn('s')}.{qn('ends')} IS NULL OR {qn('s')}.{qn('ends')} >= %s)"


def seat_columns(connection) -> str:
    """The columns ``remember_seats`` reads, for a SELECT joining ``seat_join``."""
    return _SEAT_ROWS.columns(connection)


def seat_day(connection):
    return connection.ops.adapt_datefield_value(timezone.localdate())


def seat_join(connection, user_id: str) -> str:
    """SQL joining the active seats of the user whose id is the column ``user_id`` (one row
    per seat, NULLs without one), with what they sit at, as ``SEAT_PARTS`` name them; it takes
    one parameter, ``seat_day(connection)``, where it stands."""
    qn = connection.ops.quote_name
    return (f"LEFT OUTER JOIN {qn(Seat._meta.db_table)} {qn('s')} ON {qn('s')}.{qn('user_id')} = {user_id} "
            f"AND {_active(connection)} {_related_join(connection)}")


def remember_seats(user, rows, connection, start: int = 0) -> list[Seat]:
    """Turn rows read with ``seat_join`` (or ``_read_seats``) into the user's seats for this
    request; ``start`` is where the seat columns begin in each row."""
    seats = []
    for row in rows:
        seat, region, org, org_region = _SEAT_ROWS.instances(row[start:], connection)
        if seat is None:  # the outer join found no seat
            continue
        Seat.user.field.set_cached_value(seat, user)
        Seat.region.field.set_cached_value(seat, region)
        Seat.organization.field.set_cached_value(seat, org)
        if org is not None:
            Organization.region.field.set_cached_value(org, org_region)
        seats.append(seat)
    user._seat_cache = seats
    return seats


def _read_seats(user) -> list[Seat]:
    connection = connections[router.db_for_read(Seat)]
    sql = _seat_sql.get(connection.alias)
    if sql is None:
        qn = connection.ops.quote_name
        sql = _seat_sql[connection.alias] = (
            f"SELECT {_SEAT_ROWS.columns(connection)} FROM {qn(Seat._meta.db_table)} {qn('s')} "
            f"{_related_join(connection)} WHERE {qn('s')}.{qn('user_id')} = %s AND {_active(connection)} "
            f"ORDER BY {qn('s')}.{qn('id')}"
        )
    rows = prepared_rows(connection, _SEAT_STATEMENT, sql, [user.pk, seat_day(connection)])
    return remember_seats(user, rows, connection)


# ---- the compounds of a region subtree, kept per process ------------------------------------

VERSION_KEY = "sanfang:scope:places-version"
_subtrees: dict[str, tuple[float, tuple[int, ...]]] = {}
_subtrees_seen: list = [None]  # the version key's value when _subtrees was last filled
_subtrees_lock = threading.Lock()
_clock = time.monotonic  # a module attribute so tests can move it


def _ttl() -> float:
    return float(getattr(settings, "SCOPE_CACHE_SECONDS", 60))


def compound_ids_in(path: str) -> tuple[int, ...]:
    """Ids of the compounds under the region at ``path`` (a materialised path), ascending.

    Read once and kept for ``SCOPE_CACHE_SECONDS`` (60 s) per process, so a list filtered by
    a district's thousand compounds costs no join and its plan knows them. Saving or deleting
    a region or a compound (the admin, services, ``Region.save`` moving a subtree) forgets
    every kept list at once in this process and, through a version key in Django's cache, in
    every process sharing that cache; bulk writes that send no signals (the registry import's
    COPY) and processes with a private cache see the change within ``SCOPE_CACHE_SECONDS``.
    Only lists use this (the inbox); a case's page and every action check the scope afresh.
    """
    now = _clock()
    version = cache.get(VERSION_KEY)
    if version != _subtrees_seen[0]:
        with _subtrees_lock:
            _subtrees.clear()
            _subtrees_seen[0] = version
    hit = _subtrees.get(path)
    if hit is not None and hit[0] > now:
        return hit[1]
    ids = tuple(Compound.objects.filter(community__path__startswith=path).order_by("pk").values_list("pk", flat=True))
    with _subtrees_lock:
        if _subtrees_seen[0] == version:
            _subtrees[path] = (now + _ttl(), ids)
    return ids


def forget_places(**_kwargs) -> None:
    """Forget the kept subtrees in this process (a signal receiver: arguments are ignored)."""
    with _subtrees_lock:
        _subtrees.clear()


def _places_changed(**_kwargs) -> None:
    """A region or a compound was saved or deleted: forget now (this request sees its own
    change), again after the commit (a list re-read by another thread meanwhile saw the old
    rows), and tell the other processes through the shared cache."""
    forget_places()
    transaction.on_commit(forget_places)
    transaction.on_commit(_bump_version, robust=True)  # a cache that is down must not fail the save


def _bump_version() -> None:
    cache.set(VERSION_KEY, time.time_ns(), None)


for _model in (Region, Compound):
    post_save.connect(_places_changed, sender=_model, dispatch_uid=f"scope.places.saved.{_model.__name__}")
    post_delete.connect(_places_changed, sender=_model, dispatch_uid=f"scope.places.deleted.{_model.__name__}")


def sees_everything(user) -> bool:
    return bool(user and user.is_authenticated and user.is_superuser)


def region_paths(user) -> list[str]:
    """Paths of the region subtrees the user's seats open."""
    paths = []
    for seat in seats_of(user):
        if seat.region_id:
            paths.append(seat.region.path)
        elif seat.role == Role.DEPARTMENT_OFFICER and seat.organization.region_id:
            paths.append(seat.organization.region.path)
    return paths


def _paths_q(field: str, paths: list[str]) -> Q:
    return reduce(or_, (Q(**{f"{field}__startswith": p}) for p in paths), _NOTHING)


def compound_q(user, prefix: str = "", *, residents: bool = True) -> Q:
    """A Q on Compound (or, with ``prefix``, on a model pointing at it) for the user's scope.

    ``residents=False`` leaves out what resident seats open: a resident sees their compound,
    but not the other owners in it.
    """
    if sees_everything(user):
        return Q()
    today = timezone.localdate()
    q = _paths_q(f"{prefix}community__path", region_paths(user))
    for seat in seats_of(user):
        if seat.role in COMPOUND_ROLES:
            if residents and seat.compound_id:
                q |= Q(**{f"{prefix}pk": seat.compound_id})
        elif seat.organization_id and seat.role != Role.DEPARTMENT_OFFICER:
            org = seat.organization
            if not org.active_on(today):
                continue  # a dissolved committee opens nothing
            if org.kind == Organization.Kind.PROPERTY_COMPANY:
                served = ServiceContract.objects.current_on(today).filter(company_id=org.pk).values("compound_id")
                q |= Q(**{f"{prefix}pk__in": served})
            elif org.compound_id:
                q |= Q(**{f"{prefix}pk": org.compound_id})
    return q


def visible_compounds(user, queryset: QuerySet | None = None) -> QuerySet:
    return (queryset if queryset is not None else Compound.objects.all()).filter(compound_q(user))


def _compound_ids(user, *, residents: bool = True):
    return Compound.objects.filter(compound_q(user, residents=residents)).values("pk")


def visible_regions(user, queryset: QuerySet | None = None) -> QuerySet:
    qs = queryset if queryset is not None else Region.objects.all()
    if sees_everything(user):
        return qs
    return qs.filter(_paths_q("path", region_paths(user)))


def visible_organizations(user, queryset: QuerySet | None = None) -> QuerySet:
    qs = queryset if queryset is not None else Organization.objects.all()
    if sees_everything(user):
        return qs
    compounds = _compound_ids(user)
    q = Q(compound__in=compounds) | _paths_q("region__path", region_paths(user))
    # Only the company serving a compound now: not its predecessors or competitors.
    q |= Q(kind=Organization.Kind.PROPERTY_COMPANY) & Exists(
        ServiceContract.objects.current_on(timezone.localdate()).filter(company=OuterRef("pk"), compound__in=compounds)
    )
    own = [s.organization_id for s in seats_of(user) if s.organization_id]
    if own:
        q |= Q(pk__in=own)
    return qs.filter(q)


def _own_person_q(user, field: str = "pk") -> Q:
    return Q(**{field: user.person_id}) if getattr(user, "person_id", None) else _NOTHING


def visible_persons(user, queryset: QuerySet | None = None) -> QuerySet:
    """People seated in a visible organisation, owners in compounds the user serves (not as a
    resident: residents do not see their neighbours), and the user themself."""
    qs = queryset if queryset is not None else Person.objects.all()
    if sees_everything(user):
        return qs
    orgs = visible_organizations(user).values("pk")
    served = _compound_ids(user, residents=False)
    return qs.filter(
        Exists(Membership.objects.filter(person=OuterRef("pk"), organization__in=orgs))
        | Exists(Ownership.objects.filter(person=OuterRef("pk"), compound__in=served))
        | _own_person_q(user)
    )


def visible_to(user, queryset: QuerySet) -> QuerySet:
    """The one entry point selectors use: filter any registry queryset to the user's scope."""
    model = queryset.model
    if model is Compound:
        return visible_compounds(user, queryset)
    if model is Region:
        return visible_regions(user, queryset)
    if model is Organization:
        return visible_organizations(user, queryset)
    if model is Person:
        return visible_persons(user, queryset)
    if model is Grid:
        return queryset.filter(_paths_q("community__path", region_paths(user))) if not sees_everything(user) else queryset
    if model is Membership:
        return queryset.filter(organization__in=visible_organizations(user).values("pk"))
    if sees_everything(user):
        return queryset
    if model is Ownership:
        return queryset.filter(Q(compound__in=_compound_ids(user, residents=False)) | _own_person_q(user, "person_id"))
    if model in (Building, Unit, ServiceContract):
        return queryset.filter(compound__in=_compound_ids(user))
    raise TypeError(f"no scope rule for {model.__name__}")


def can_see_phones(user) -> bool:
    return sees_everything(user) or any(s.role in PHONE_ROLES for s in seats_of(user))


def roles_of(user) -> set[str]:
    return {s.role for s in seats_of(user)}
