"""Reads of parties and people for pages and the API, scoped to the user."""

from django.db.models import Prefetch
from django.utils import timezone

from sanfang.core import scope
from sanfang.core.selectors import get_visible
from sanfang.places.models import Compound, Unit

from .models import Membership, Organization, Ownership, Person, ServiceContract

# The three parties of a compound, in the order a profile shows them.
THREE_PARTIES = (
    Organization.Kind.RESIDENTS_COMMITTEE,
    Organization.Kind.OWNERS_COMMITTEE,
    Organization.Kind.PROPERTY_COMPANY,
)


def compound_profile(*, user, compound: Compound) -> dict:
    """A compound's three parties, its contracts, committee members with terms and party coverage.

    The residents' committee is the one of the compound's community; the company is the one
    with a current contract. A fixed number of queries whatever the compound's size.
    """
    today = timezone.localdate()
    members = Prefetch(
        "memberships",
        queryset=Membership.objects.current_on(today).select_related("person").order_by("position", "person__name"),
        to_attr="current_members",
    )
    local = scope.visible_to(user, Organization.objects.filter(compound=compound))
    local = list(local.select_related("party_coverage", "party_parent").prefetch_related(members))
    residents_committees = list(
        scope.visible_to(user, Organization.objects.filter(
            region=compound.community, kind=Organization.Kind.RESIDENTS_COMMITTEE
        )).prefetch_related(members)
    )
    contracts = list(
        scope.visible_to(user, ServiceContract.objects.filter(compound=compound))
        .select_related("company__party_coverage").order_by("-start")
    )
    current_contract = next((c for c in contracts if c.start <= today and (c.end is None or c.end >= today)), None)
    return {
        "residents_committees": residents_committees,
        "owners_committees": [o for o in local if o.kind == Organization.Kind.OWNERS_COMMITTEE],
        "other_organizations": [o for o in local if o.kind != Organization.Kind.OWNERS_COMMITTEE],
        "contracts": contracts,
        "current_contract": current_contract,
        "company": current_contract.company if current_contract else None,
        "today": today,
    }


def unit_get(*, user, pk: int) -> Unit:
    return get_visible(user, Unit.objects.select_related("building", "compound__community"), pk=pk)


def owners_of(*, user, unit: Unit) -> list[Ownership]:
    return list(scope.visible_to(user, Ownership.objects.filter(unit=unit)).select_related("person"))


def organization_get(*, user, code: str) -> Organization:
    return get_visible(user, Organization.objects.select_related("compound", "region", "party_coverage"), code=code)


def person_record(*, user, pk: int) -> dict:
    """A person's full record inside the user's scope; each view of it is logged."""
    from sanfang.core import history

    person = get_visible(user, Person.objects.all(), pk=pk)
    history.log_access(actor=user, obj=person)
    memberships = (
        scope.visible_to(user, Membership.objects.filter(person=person))
        .select_related("organization__compound").order_by("-term_start")
    )
    ownerships = scope.visible_to(user, Ownership.objects.filter(person=person)).select_related(
        "unit__building", "compound"
    )
    today = timezone.localdate()
    return {
        "person": person,
        "memberships": [(m, (m.term_start is None or m.term_start <= today) and (m.term_end is None or m.term_end >= today))
                        for m in memberships],
        "ownerships": list(ownerships),
    }
