"""Where a case goes first and on what clock: categories, compound overrides and the policy of
the nearest region (configuration with the defaults of RULES T2 and T4)."""

import time
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from sanfang.orgs.models import Organization, ServiceContract
from sanfang.places.models import Compound, Region

from ..models import Category, RoutingOverride, TicketPolicy
from ..permissions import COMMITTEE_KINDS
from ..rules import Responsible, Span, parse_ladder, parse_span


def _ancestor_paths(compound: Compound) -> list[str]:
    """The paths of the regions above a compound, nearest first (paths are code chains)."""
    parts = [p for p in compound.community.path.split("/") if p]
    return ["/" + "/".join(parts[:i]) + "/" for i in range(len(parts), 0, -1)]


def policy_for(compound: Compound) -> TicketPolicy:
    """The policy of the nearest region above the compound that has one, else the defaults."""
    policies = {p.region.path: p for p in
                TicketPolicy.objects.select_related("region").filter(region__path__in=_ancestor_paths(compound))}
    for path in _ancestor_paths(compound):
        if path in policies:
            return policies[path]
    return TicketPolicy()


def categories_for(compound: Compound):
    """Active categories whose region lies above the compound."""
    return Category.objects.filter(active=True, region__path__in=_ancestor_paths(compound)).select_related("department")


@dataclass
class Route:
    responsible: str
    org: Organization | None
    accept: Span
    respond: Span
    resolve: Span
    company: Organization | None
    committee: Organization | None


def committee_of(compound: Compound, day=None) -> Organization | None:
    day = day or timezone.localdate()
    return (Organization.objects.filter(compound=compound, kind__in=COMMITTEE_KINDS)
            .filter(Q(established__isnull=True) | Q(established__lte=day))
            .filter(Q(dissolved__isnull=True) | Q(dissolved__gt=day)).order_by("kind", "pk").first())


def company_of(compound: Compound, day=None) -> Organization | None:
    contract = (ServiceContract.objects.current_on(day or timezone.localdate()).filter(compound=compound)
                .select_related("company").order_by("-start").first())
    return contract.company if contract else None


def residents_committee_of(community: Region) -> Organization | None:
    return Organization.objects.filter(region=community, kind=Organization.Kind.RESIDENTS_COMMITTEE).first()


_UNSET = object()


def route_for(compound: Compound, category: Category, *, company=_UNSET, committee=_UNSET, rc=_UNSET,
              overrides: dict | None = None) -> Route:
    """The first responsible party and the deadlines for a new case. A compound without the
    party the category names (no company, no committee) falls back to its residents'
    committee, which every community has. A page routing many categories of one compound
    passes ``company``, ``committee`` and ``overrides`` ({category id: override}) looked up once."""
    if overrides is not None:
        override = overrides.get(category.pk)
    else:
        override = RoutingOverride.objects.filter(compound=compound, category=category).first()
    source = override or category
    responsible, department = source.responsible, source.department

    def span(name):
        value = getattr(override, name, "") if override else ""
        return parse_span(value or getattr(category, name))

    company = company_of(compound) if company is _UNSET else company
    committee = committee_of(compound) if committee is _UNSET else committee

    def residents():
        return residents_committee_of(compound.community) if rc is _UNSET else rc

    org = {
        Responsible.PROPERTY_COMPANY: lambda: company,
        Responsible.OWNERS_COMMITTEE: lambda: committee,
        Responsible.RESIDENTS_COMMITTEE: residents,
        Responsible.DEPARTMENT: lambda: department,
    }[responsible]()
    if org is None and responsible in (Responsible.PROPERTY_COMPANY, Responsible.OWNERS_COMMITTEE):
        responsible, org = Responsible.RESIDENTS_COMMITTEE, residents()
    return Route(responsible=responsible, org=org, accept=span("accept_within"), respond=span("respond_within"),
                 resolve=span("resolve_within"), company=company, committee=committee)


def ladder_of(policy: TicketPolicy) -> tuple[str, ...]:
    return parse_ladder(policy.ladder)


@dataclass
class Setup:
    """What intake needs to know about a compound, read once and kept for
    ``TICKET_CONFIG_CACHE_SECONDS`` (default 60) in each process: the policy, the categories that
    apply, the compound's overrides and its three parties. Intake is the hot path (WORKLOADS:
    ≥ 100 cases/s); a change of configuration or contract reaches it within that time."""

    policy: TicketPolicy
    categories: dict
    overrides: dict
    company: Organization | None
    committee: Organization | None
    rc: Organization | None

    def category(self, key) -> Category | None:
        return self.categories.get(str(key))

    def route(self, compound: Compound, category: Category) -> Route:
        return route_for(compound, category, company=self.company, committee=self.committee, rc=self.rc,
                         overrides=self.overrides)


_setups: dict[int, tuple[float, Setup]] = {}


def setup_for(compound: Compound) -> Setup:
    now = time.monotonic()
    hit = _setups.get(compound.pk)
    if hit and hit[0] > now:
        return hit[1]
    cats = list(categories_for(compound))
    found = Setup(
        policy=policy_for(compound),
        categories={**{c.code: c for c in cats}, **{str(c.pk): c for c in cats}},
        overrides={o.category_id: o for o in RoutingOverride.objects.filter(compound=compound)
                   .select_related("department")},
        company=company_of(compound), committee=committee_of(compound),
        rc=residents_committee_of(compound.community))
    _setups[compound.pk] = (now + getattr(settings, "TICKET_CONFIG_CACHE_SECONDS", 60), found)
    return found


def forget_setups() -> None:
    """Drop every kept setup (tests, and after a bulk change of configuration)."""
    _setups.clear()
