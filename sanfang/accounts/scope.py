"""Scope: what a user may see, as querysets (DESIGN habit 8).

Every selector starts from ``visible_to(user, queryset)``. A seat opens a subtree of places:
a region seat its region's subtree, a committee seat its compound, a company seat the
compounds it currently serves, a resident seat one compound, a department seat the region the
department belongs to. Rows outside answer 404 in views and the API.
"""

from functools import reduce
from operator import or_

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from sanfang.orgs.models import Membership, Organization, Ownership, Person, ServiceContract
from sanfang.places.models import Building, Compound, Grid, Region, Unit

from .models import COMPOUND_ROLES, Role, Seat

_NOTHING = Q(pk__in=[])

# Roles that work with residents directly and so see phone numbers unmasked.
PHONE_ROLES = {Role.DISTRICT_OFFICER, Role.SUBDISTRICT_OFFICER, Role.COMMUNITY_WORKER, Role.GRID_WORKER}


def seats_of(user) -> list[Seat]:
    if not user or not user.is_authenticated:
        return []
    cache = getattr(user, "_seat_cache", None)
    if cache is None:
        cache = list(Seat.objects.active().filter(user=user).select_related("region", "organization__region"))
        user._seat_cache = cache
    return cache


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
