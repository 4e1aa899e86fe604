"""Reads of places for pages and the API, scoped to the user (DESIGN habit 8)."""

from collections import Counter

from django.db.models import Count, Q

from sanfang.core import scope
from sanfang.core.selectors import get_visible

from . import rules
from .models import Building, Compound, Region


def scope_roots(user) -> list[Region]:
    """The topmost regions the user can see: where their browsing starts."""
    visible = list(scope.visible_to(user, Region.objects.all()).only("id", "code", "name", "level", "path", "parent_id"))
    ids = {r.pk for r in visible}
    return [r for r in visible if r.parent_id not in ids]


def region_get(*, user, code: str) -> Region:
    return get_visible(user, Region.objects.select_related("parent"), code=code)


def region_children(*, user, region: Region) -> list[tuple[Region, int]]:
    """Child regions with the number of compounds under each, in two queries."""
    children = list(scope.visible_to(user, region.children.all()))
    per_community = (
        scope.visible_to(user, Compound.objects.in_region(region))
        .values("community__path").annotate(n=Count("id"))
    )
    counts = Counter()
    for row in per_community:
        for child in children:
            if row["community__path"].startswith(child.path):
                counts[child.pk] += row["n"]
                break
    return [(child, counts[child.pk]) for child in children]


def compounds_in(*, user, region: Region | None = None, search: str = ""):
    qs = scope.visible_to(user, Compound.objects.select_related("community"))
    if region is not None:
        qs = qs.in_region(region)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(code__icontains=search) | Q(address__icontains=search))
    return qs.annotate(n_buildings=Count("buildings", distinct=True)).order_by("code")


def compound_get(*, user, code: str) -> Compound:
    return get_visible(user, Compound.objects.select_related("community__parent", "grid"), code=code)


def buildings_of(*, user, compound: Compound) -> list[Building]:
    buildings = scope.visible_to(user, compound.buildings.all()).annotate(n_units=Count("units"))
    return sorted(buildings, key=lambda b: rules.natural_key(b.number))


def building_get(*, user, compound: Compound, number: str) -> Building:
    return get_visible(user, Building.objects.select_related("compound"), compound=compound, number=number)


def units_of(*, user, building: Building) -> list:
    units = scope.visible_to(user, building.units.all()).annotate(n_owners=Count("ownerships"))
    return sorted(units, key=lambda u: (rules.natural_key(u.entrance), rules.natural_key(u.number)))
