"""What both meetings and motions need: the policy of the nearest region, the three parties of a
compound on a day, the committee's voting members (C6), text checks and refusals."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfang.orgs.models import Membership, Organization, ServiceContract
from sanfang.places.models import Compound, Region

from ..models import MeetingPolicy
from ..permissions import COMMITTEE_KINDS

# Members who vote on the committee (C6). A dispatched party-building instructor, a compound
# liaison or a tripartite instructor sits with the committee without a vote (列席委员).
VOTING_POSITIONS = (Membership.Position.CHAIR, Membership.Position.VICE_CHAIR, Membership.Position.MEMBER)


def refuse(message, code: str = "not_allowed"):
    raise ValidationError(message, code=code)


def clean_text(name: str, value, *, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise ValidationError({name: _("The text holds a character that cannot be stored.")})
    if required and not value:
        raise ValidationError({name: _("This field is required.")})
    if len(value) > limit:
        raise ValidationError({name: _("At most %(n)d characters.") % {"n": limit}})
    return value


def actor_or_none(actor):
    return actor if actor is not None and actor.is_authenticated else None


def _ancestor_paths(community: Region) -> list[str]:
    """The paths of the community and every region above it, nearest first."""
    parts = [p for p in community.path.split("/") if p]
    return ["/" + "/".join(parts[:i]) + "/" for i in range(len(parts), 0, -1)]


def policy_for(community: Region) -> MeetingPolicy:
    """The policy of the nearest region at or above the community with one, else the defaults
    of RULES (V13: 15 days, extraordinary 7; C6: 7 days' notice, 3 days to publish, 7 days to
    call on a third of members' request)."""
    paths = _ancestor_paths(community)
    policies = {p.region.path: p for p in MeetingPolicy.objects.select_related("region").filter(region__path__in=paths)}
    for path in paths:
        if path in policies:
            return policies[path]
    return MeetingPolicy()


def _active(qs, day: date):
    return qs.filter(Q(established__isnull=True) | Q(established__lte=day)).filter(
        Q(dissolved__isnull=True) | Q(dissolved__gt=day))


def committee_of(compound: Compound, day: date | None = None) -> Organization | None:
    day = day or timezone.localdate()
    return _active(Organization.objects.filter(compound=compound, kind__in=COMMITTEE_KINDS), day).order_by(
        "kind", "pk").first()


def company_of(compound: Compound, day: date | None = None) -> Organization | None:
    contract = (ServiceContract.objects.current_on(day or timezone.localdate()).filter(compound=compound)
                .select_related("company").order_by("-start").first())
    return contract.company if contract else None


def residents_committee_of(community: Region, day: date | None = None) -> Organization | None:
    return _active(Organization.objects.filter(region=community, kind=Organization.Kind.RESIDENTS_COMMITTEE),
                   day or timezone.localdate()).order_by("pk").first()


def three_parties(compound: Compound, day: date | None = None) -> dict[str, Organization | None]:
    """三方: the owners' committee, the company serving the compound, the residents' committee."""
    return {"committee": committee_of(compound, day), "company": company_of(compound, day),
            "residents": residents_committee_of(compound.community, day)}


def voting_members(committee: Organization | None, day: date) -> set[int]:
    """The people holding a voting seat on the committee on ``day`` (C6 counts all of them)."""
    if committee is None:
        return set()
    return set(Membership.objects.current_on(day).filter(organization=committee, position__in=VOTING_POSITIONS)
               .values_list("person_id", flat=True))


def related_organizations(*, compound: Compound | None, community: Region, day: date | None = None):
    """The organisations that may convene or be invited to a meeting here: the compound's own
    bodies, the company serving it, and the organisations of the community and the regions
    above it (residents' committee, party organisations, departments)."""
    day = day or timezone.localdate()
    q = Q(region__path__in=_ancestor_paths(community))
    if compound is not None:
        q |= Q(compound=compound)
        q |= Q(pk__in=ServiceContract.objects.current_on(day).filter(compound=compound).values("company_id"))
    else:  # a community meeting: the bodies of every compound in it, and the companies serving them
        q |= Q(compound__community=community)
        q |= Q(pk__in=ServiceContract.objects.current_on(day).filter(compound__community=community)
               .values("company_id"))
    return _active(Organization.objects.filter(q), day)
