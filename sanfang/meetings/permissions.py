"""Who sees and who acts on meetings and motions: ``can_<verb>(user, obj)`` for views, templates
and services alike, and the scope of each as a Q (DESIGN habit 8), built from the same seats as
``accounts.scope``.

**Seeing meetings.** Region staff (community worker, subdistrict and district officers) see
every meeting in their subtree, drafts included; grid workers, who convene nothing, see them
once announced. The owners' committee, the
supervisory committee and the serving company see the meetings of their compound once announced,
and drafts their own organisation convenes. Any organisation or person invited sees the meeting
once announced (a department invited to a hearing, say). A resident sees the announced meetings
of their own compound — not party organisation meetings — and, once published, their minutes.

**Convening** (and then running the meeting: sign-in, minutes, decisions, attachments,
publication). The owners' committee convenes its own meetings (C6); an owners' assembly is
convened by the committee, or by community staff where the committee is missing or fails to act
(RULES A2, C13, like ``voting.permissions.can_organise``). A party organisation meeting is held
by community staff and above, or by owners' committee members who are party members (the
committee's own branch). The deliberation, coordination, joint and fee negotiation meetings of
one compound may be convened by its committee too; every other meeting, and every
community-level one, by a community worker or above covering it. Grid workers and company staff
attend; they do not convene.

**Motions.** The three-step deliberation is led by the community party organisation (seed
003: "社区党委召集"). The party step is recorded by community staff and above or by committee
members who are party members; the tripartite and residents' steps by community staff and above
or the owners' committee. A motion is raised by the committee or community staff (from a case
or on their own); a petition by an owner of the compound or by staff for them. Signatures are
given by the owner themself or collected by the committee, grid workers or community staff.
"""

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from sanfang.accounts.models import COMPOUND_ROLES, Role
from sanfang.accounts.scope import seats_of, sees_everything
from sanfang.orgs.models import Organization, Ownership, ServiceContract
from sanfang.places.models import Compound

from .rules import Kind, Stage, Status

_NOTHING = Q(pk__in=[])
COMMITTEE_KINDS = {Organization.Kind.OWNERS_COMMITTEE, Organization.Kind.MANAGEMENT_COMMITTEE}
STAFF_ROLES = {Role.COMMUNITY_WORKER, Role.SUBDISTRICT_OFFICER, Role.DISTRICT_OFFICER}  # "community worker and above"
COLLECTOR_ROLES = STAFF_ROLES | {Role.GRID_WORKER}
COMMITTEE_MAY_CONVENE = {Kind.DELIBERATION, Kind.COORDINATION, Kind.JOINT, Kind.FEE_NEGOTIATION}
PUBLIC_STATUSES = (Status.ANNOUNCED, Status.HELD, Status.MINUTES_PUBLISHED)


# --- who is who --------------------------------------------------------------------------------


def _covers(seat, community) -> bool:
    return seat.region_id is not None and community.path.startswith(seat.region.path)


def staff_covering(user, community, roles=STAFF_ROLES) -> bool:
    return any(s.role in roles and _covers(s, community) for s in seats_of(user))


def committee_member(user, compound) -> bool:
    """A seat on the compound's owners' (or interim management) committee, still in being."""
    if compound is None:
        return False
    today = timezone.localdate()
    return any(s.role == Role.COMMITTEE_MEMBER and s.organization_id and s.organization.compound_id == compound.pk
               and s.organization.kind in COMMITTEE_KINDS and s.organization.active_on(today)
               for s in seats_of(user))


def party_member(user) -> bool:
    person = getattr(user, "person", None) if getattr(user, "person_id", None) else None
    return bool(person and person.is_party_member)


def owner_in(user, compound) -> bool:
    pid = getattr(user, "person_id", None)
    return bool(pid) and Ownership.objects.filter(compound=compound, person_id=pid).exists()


def _party_side(user, compound, community) -> bool:
    return staff_covering(user, community) or (committee_member(user, compound) and party_member(user))


# --- meetings ----------------------------------------------------------------------------------


def can_convene(user, *, kind, compound=None, community=None) -> bool:
    if not user or not user.is_authenticated:
        return False
    if sees_everything(user):
        return True
    community = community or (compound.community if compound else None)
    if community is None:
        return False
    if kind == Kind.COMMITTEE:
        return committee_member(user, compound)
    if kind == Kind.ASSEMBLY:
        return compound is not None and (committee_member(user, compound) or staff_covering(user, community))
    if kind == Kind.PARTY:
        return _party_side(user, compound, community)
    if compound is not None and kind in COMMITTEE_MAY_CONVENE and committee_member(user, compound):
        return True
    return staff_covering(user, community)


def can_convene_any(user) -> bool:
    """Shows the "new meeting" button: someone who may convene at least one kind somewhere."""
    return sees_everything(user) or any(s.role in STAFF_ROLES or s.role == Role.COMMITTEE_MEMBER
                                        for s in seats_of(user))


def can_manage(user, meeting) -> bool:
    """Run the meeting: agenda, invitations, sign-in, minutes, decisions, files, publication."""
    return can_convene(user, kind=meeting.kind, compound=meeting.compound, community=meeting.community)


def is_staff_for(user) -> bool:
    """Anyone but a plain resident: sees the sign-in sheet and the timeline."""
    return sees_everything(user) or any(s.role not in COMPOUND_ROLES for s in seats_of(user))


def _served_compounds(user):
    """Compound ids opened by the user's organisation seats other than departments: a committee
    its compound, a company the compounds it serves now (a department's seat opens its whole
    region in ``accounts.scope``, but here it sees only what it is invited to)."""
    today = timezone.localdate()
    q = _NOTHING
    for seat in seats_of(user):
        org = seat.organization if seat.organization_id else None
        if org is None or seat.role == Role.DEPARTMENT_OFFICER or not org.active_on(today):
            continue
        if org.kind == Organization.Kind.PROPERTY_COMPANY:
            q |= Q(pk__in=ServiceContract.objects.current_on(today).filter(company_id=org.pk).values("compound_id"))
        elif org.compound_id:
            q |= Q(pk=org.compound_id)
    return Compound.objects.filter(q).values("pk")


def meeting_q(user) -> Q:
    """The meetings ``user`` may see (see the module docstring)."""
    from .models import Invitation

    if sees_everything(user):
        return Q()
    if not user or not user.is_authenticated:
        return _NOTHING
    announced = Q(status__in=PUBLIC_STATUSES) | Q(status=Status.CANCELLED, announced_at__isnull=False)
    q = _NOTHING
    orgs = []
    for seat in seats_of(user):
        if seat.region_id:
            q |= Q(community__path__startswith=seat.region.path) & (Q() if seat.role in STAFF_ROLES else announced)
        elif seat.role in COMPOUND_ROLES:
            if seat.compound_id:
                q |= Q(compound_id=seat.compound_id) & announced & ~Q(kind=Kind.PARTY)
        elif seat.organization_id:
            orgs.append(seat.organization_id)
    if orgs:
        q |= Q(compound__in=_served_compounds(user)) & ~Q(status=Status.DRAFT)
        q |= Q(convener_id__in=orgs)
        q |= Exists(Invitation.objects.filter(meeting=OuterRef("pk"), organization_id__in=orgs)) & ~Q(
            status=Status.DRAFT)
    if getattr(user, "person_id", None):
        q |= Exists(Invitation.objects.filter(meeting=OuterRef("pk"), person_id=user.person_id)) & ~Q(
            status=Status.DRAFT)
    return q


def can_see_internal_files(user, meeting) -> bool:
    """Files not marked for the published minutes (sign-in scans, drafts): those running the
    meeting and the region staff over its community, not everyone who sees the meeting (the
    company serving the compound, an invited department, the supervisory committee)."""
    if not user or not user.is_authenticated:
        return False
    return (sees_everything(user) or can_manage(user, meeting)
            or any(s.region_id and _covers(s, meeting.community) for s in seats_of(user)))


def can_see_minutes(user, meeting) -> bool:
    """Minutes are read by staff of the meeting while being written; by everyone who sees the
    meeting once published."""
    return meeting.status == Status.MINUTES_PUBLISHED or (is_staff_for(user) and meeting.status == Status.HELD)


# --- motions -----------------------------------------------------------------------------------


def motion_q(user) -> Q:
    """Region staff their subtree; committees and the serving company their compound; a resident
    their own compound. Departments see no motions."""
    if sees_everything(user):
        return Q()
    if not user or not user.is_authenticated:
        return _NOTHING
    q = Q(compound__in=_served_compounds(user))
    for seat in seats_of(user):
        if seat.region_id:
            q |= Q(compound__community__path__startswith=seat.region.path)
        elif seat.role in COMPOUND_ROLES and seat.compound_id:
            q |= Q(compound_id=seat.compound_id)
    return q


def can_raise_motion(user, compound) -> bool:
    return bool(user and user.is_authenticated) and (
        sees_everything(user) or committee_member(user, compound) or staff_covering(user, compound.community))


def can_raise_any_motion(user) -> bool:
    return sees_everything(user) or any(s.role in STAFF_ROLES or s.role == Role.COMMITTEE_MEMBER
                                        for s in seats_of(user))


def can_petition(user, compound) -> bool:
    return can_raise_motion(user, compound) or (bool(user and user.is_authenticated) and owner_in(user, compound))


def can_record_step(user, motion, stage: str) -> bool:
    if not user or not user.is_authenticated:
        return False
    if sees_everything(user):
        return True
    compound = motion.compound
    if stage == Stage.PARTY:
        return _party_side(user, compound, compound.community)
    return committee_member(user, compound) or staff_covering(user, compound.community)


def can_open_poll(user, motion) -> bool:
    from sanfang.voting.permissions import can_organise

    return bool(user and user.is_authenticated) and can_organise(user, motion.compound)


def can_collect_signatures(user, motion) -> bool:
    """Door-to-door collection for owners: the committee, grid workers and community staff."""
    return bool(user and user.is_authenticated) and (
        sees_everything(user) or committee_member(user, motion.compound)
        or staff_covering(user, motion.compound.community, COLLECTOR_ROLES))


def can_see_signers(user, motion) -> bool:
    """Who signed a petition is the collectors' business (the committee, grid workers, community
    staff and above): not the company, which a petition may be about, nor other owners."""
    return can_collect_signatures(user, motion)


def can_sign_petition(user, motion) -> bool:
    return motion.origin == "petition" and motion.is_open and (
        can_collect_signatures(user, motion) or (bool(user and user.is_authenticated)
                                                 and owner_in(user, motion.compound)))


def can_withdraw(user, motion) -> bool:
    return (motion.is_open and not motion.assembly_required and motion.poll_id is None
            and (can_raise_motion(user, motion.compound)
                 or bool(user and user.is_authenticated and motion.created_by_id == user.pk)))
