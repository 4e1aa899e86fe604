"""Where a case goes first and on what clock: categories, compound overrides and the policy of
the nearest region (configuration with the defaults of RULES T2 and T4)."""

from dataclasses import dataclass

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


def route_for(compound: Compound, category: Category, *, company=_UNSET, committee=_UNSET,
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
    org = {
        Responsible.PROPERTY_COMPANY: company,
        Responsible.OWNERS_COMMITTEE: committee,
        Responsible.RESIDENTS_COMMITTEE: residents_committee_of(compound.community),
        Responsible.DEPARTMENT: department,
    }[responsible]
    if org is None and responsible in (Responsible.PROPERTY_COMPANY, Responsible.OWNERS_COMMITTEE):
        responsible, org = Responsible.RESIDENTS_COMMITTEE, residents_committee_of(compound.community)
    return Route(responsible=responsible, org=org, accept=span("accept_within"), respond=span("respond_within"),
                 resolve=span("resolve_within"), company=company, committee=committee)


def ladder_of(policy: TicketPolicy) -> tuple[str, ...]:
    return parse_ladder(policy.ladder)
