"""Who may see and act on a case: ``can_<verb>(user, ticket)`` for views, templates and the API
alike, and the scope of cases as a Q (DESIGN habit 8).

Seeing: region staff their subtree; the owners' and supervisory committees their compound; a
company the compounds it serves now and the cases sent to it; a department only what it was
summoned to or sent directly; a resident their own cases (or, without an account, the cases of
the phone number they verified).

Acting follows the tier (RULES T4): at the compound tier the owners' committee (which accepts
first when it pre-reviews, 先议先审) and the first responsible party; at the community tier the
community's workers; at the subdistrict and district tiers their officers. Staff of a higher
tier may pull a case up to themselves.
"""

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from sanfang.accounts.models import Role
from sanfang.accounts.scope import seats_of, sees_everything
from sanfang.orgs.models import Organization, ServiceContract

from .rules import OPEN, Responsible, Status, Tier

_NOTHING = Q(pk__in=[])
COMMITTEE_KINDS = {Organization.Kind.OWNERS_COMMITTEE, Organization.Kind.MANAGEMENT_COMMITTEE}
TIER_OF_ROLE = {
    Role.COMMUNITY_WORKER: Tier.COMMUNITY,
    Role.GRID_WORKER: Tier.COMMUNITY,
    Role.SUBDISTRICT_OFFICER: Tier.SUBDISTRICT,
    Role.DISTRICT_OFFICER: Tier.DISTRICT,
}
TIER_ORDER = [t.value for t in Tier]


def ticket_q(user, phone: str = "") -> Q:
    """The cases ``user`` (or the holder of the verified ``phone``) may see."""
    from .models import Summons

    if sees_everything(user):
        return Q()
    q = Q(reporter_phone=phone) if phone else _NOTHING
    if not user or not user.is_authenticated:
        return q
    q |= Q(raised_by=user)
    today = timezone.localdate()
    for seat in seats_of(user):
        if seat.region_id:
            q |= Q(compound__community__path__startswith=seat.region.path)
            continue
        org = seat.organization
        if org is None or not org.active_on(today):
            continue
        if seat.role == Role.DEPARTMENT_OFFICER:
            q |= Q(responsible_org=org) | Exists(Summons.objects.filter(ticket=OuterRef("pk"), department=org))
        elif seat.role == Role.COMPANY_STAFF:
            served = ServiceContract.objects.current_on(today).filter(company=org).values("compound_id")
            q |= Q(compound__in=served) | Q(responsible_org=org)
        elif org.compound_id:
            q |= Q(compound_id=org.compound_id)
    return q


def _covers(seat, ticket) -> bool:
    return seat.region_id is not None and ticket.compound.community.path.startswith(seat.region.path)


def is_committee(user, ticket) -> bool:
    return any(s.role == Role.COMMITTEE_MEMBER and s.organization.compound_id == ticket.compound_id
               and s.organization.kind in COMMITTEE_KINDS for s in seats_of(user))


def _responsible_staff(user, ticket) -> bool:
    if ticket.responsible == Responsible.RESIDENTS_COMMITTEE:
        return any(s.role in (Role.COMMUNITY_WORKER, Role.GRID_WORKER) and _covers(s, ticket) for s in seats_of(user))
    return ticket.responsible_org_id is not None and any(
        s.organization_id == ticket.responsible_org_id and s.role in (Role.COMPANY_STAFF, Role.DEPARTMENT_OFFICER)
        for s in seats_of(user))


def handles_tier(user, ticket) -> bool:
    """``user`` is one of those who work the case at its current tier."""
    if sees_everything(user):
        return True
    if ticket.tier == Tier.COMPOUND:
        return is_committee(user, ticket) or _responsible_staff(user, ticket)
    return any(TIER_OF_ROLE.get(s.role) == ticket.tier and _covers(s, ticket) for s in seats_of(user))


def _above_tier(user, ticket) -> bool:
    here = TIER_ORDER.index(ticket.tier)
    return any(s.role in TIER_OF_ROLE and TIER_ORDER.index(TIER_OF_ROLE[s.role]) > here and _covers(s, ticket)
               for s in seats_of(user))


def can_accept(user, ticket) -> bool:
    if ticket.status != Status.SUBMITTED:
        return False
    if ticket.tier == Tier.COMPOUND and ticket.pre_review and not sees_everything(user):
        return is_committee(user, ticket)  # 先议先审: the committee looks first
    return handles_tier(user, ticket)


def awaiting_pre_review(ticket) -> bool:
    """先议先审: until the owners' committee has looked at a compound-tier case, only it
    decides (keep it in the compound, reject it, merge it or call it complex and move it up)."""
    return ticket.tier == Tier.COMPOUND and ticket.pre_review and ticket.status == Status.SUBMITTED


def _handles_now(user, ticket) -> bool:
    if awaiting_pre_review(ticket) and not sees_everything(user):
        return is_committee(user, ticket)
    return handles_tier(user, ticket)


def can_work(user, ticket) -> bool:
    """Start, resolve, reject, merge, mediate: the handlers of the current tier."""
    return ticket.status in OPEN and _handles_now(user, ticket)


def can_escalate(user, ticket) -> bool:
    return ticket.status in OPEN and (_handles_now(user, ticket) or _above_tier(user, ticket))


def can_summon(user, ticket) -> bool:
    return ticket.status in OPEN and ticket.tier in (Tier.SUBDISTRICT, Tier.DISTRICT) and handles_tier(user, ticket)


def can_answer_summons(user, summons) -> bool:
    return sees_everything(user) or any(
        s.role == Role.DEPARTMENT_OFFICER and s.organization_id == summons.department_id for s in seats_of(user))


def is_reporter(user, ticket, phone: str = "") -> bool:
    return bool((user and user.is_authenticated and ticket.raised_by_id == user.pk)
                or (phone and phone == ticket.reporter_phone))


def can_give_feedback(user, ticket, phone: str = "") -> bool:
    return ticket.status == Status.RESOLVED and is_reporter(user, ticket, phone)


def can_record_call(user, ticket) -> bool:
    """Staff of the community or above record a follow-up call's answer (回访) for a resident."""
    return ticket.status == Status.RESOLVED and (sees_everything(user) or any(
        s.role in TIER_OF_ROLE and _covers(s, ticket) for s in seats_of(user)))


def is_staff_for(user, ticket) -> bool:
    """Sees the full timeline (not only the resident's plain-words version)."""
    return sees_everything(user) or any(s.role != Role.RESIDENT for s in seats_of(user))


def can_see(user, ticket, phone: str = "") -> bool:
    from .models import Ticket

    return Ticket.objects.filter(ticket_q(user, phone), pk=ticket.pk).exists()


def can_comment(user, ticket, phone: str = "") -> bool:
    return ticket.status != Status.MERGED and (is_reporter(user, ticket, phone)
                                               or is_staff_for(user, ticket) and can_see(user, ticket))


def can_enter_for_resident(user) -> bool:
    """Staff who take calls, visits and patrol reports on residents' behalf."""
    return sees_everything(user) or any(s.role in TIER_OF_ROLE or s.role == Role.COMMITTEE_MEMBER
                                        for s in seats_of(user))


def can_see_figures(user) -> bool:
    """Staff with a region seat, property-company staff and department officers."""
    return sees_everything(user) or any(
        s.region_id is not None or s.role in (Role.COMPANY_STAFF, Role.DEPARTMENT_OFFICER) for s in seats_of(user))
