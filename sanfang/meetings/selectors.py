"""Reads of meetings and motions for pages, scope built in (DESIGN habit 8): a meeting or motion
outside the user's scope is simply not there (404). Who sees what: ``permissions.py``."""

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from sanfang.accounts.models import Role
from sanfang.accounts.scope import (
    compound_q,
    seats_of,
    visible_compounds,
    visible_organizations,
    visible_persons,
)
from sanfang.orgs.models import Membership, Ownership
from sanfang.places.models import Compound, Region

from . import permissions as perms
from .models import CommitteeMeetingRequest, Meeting, MeetingAttachment, MeetingEvent, Motion, MotionEvent
from .rules import ENDED, Kind, Status


def visible_meetings(user) -> QuerySet:
    return Meeting.objects.filter(perms.meeting_q(user))


def meeting_get_for(*, user, pk: int) -> Meeting:
    m = (visible_meetings(user).select_related("compound__community", "community", "convener", "created_by")
         .filter(pk=pk).first())
    if m is None:
        raise Http404
    return m


def published_minutes_get(*, user, pk: int) -> Meeting:
    """The owners' page: a meeting the user sees, whose minutes are published."""
    m = meeting_get_for(user=user, pk=pk)
    if m.status != Status.MINUTES_PUBLISHED:
        raise Http404
    return m


def meeting_list(user, *, compound: str = "", kind: str = "", upcoming: bool = False, now=None) -> QuerySet:
    """Meetings in scope, soonest first when ``upcoming`` (not yet held, not cancelled), else the
    latest first; filtered by compound code and kind."""
    qs = visible_meetings(user).select_related("compound", "community", "convener")
    if compound:
        qs = qs.filter(compound__code=compound)
    if kind in Kind.values:
        qs = qs.filter(kind=kind)
    if upcoming:
        now = now or timezone.now()
        day_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        return qs.filter(status__in=(Status.DRAFT, Status.ANNOUNCED), scheduled_at__gte=day_start).order_by(
            "scheduled_at", "id")
    return qs.order_by("-scheduled_at", "-id")


def meeting_timeline(m: Meeting) -> QuerySet:
    return MeetingEvent.objects.filter(meeting=m).select_related("actor").order_by("at", "id")


def meeting_attachments(user, m: Meeting) -> QuerySet:
    """Those running the meeting and the region staff over it see every file
    (``permissions.can_see_internal_files``); others only public files of published minutes."""
    qs = m.attachments.all()
    if perms.can_see_internal_files(user, m):
        return qs
    return qs.filter(public=True) if m.status == Status.MINUTES_PUBLISHED else qs.none()


def attachment_get_for(*, user, pk: int) -> MeetingAttachment:
    a = MeetingAttachment.objects.filter(pk=pk, meeting__in=visible_meetings(user)).select_related("meeting").first()
    if a is None or not meeting_attachments(user, a.meeting).filter(pk=a.pk).exists():
        raise Http404
    return a


def convenable_compounds(user) -> QuerySet:
    return visible_compounds(user).select_related("community").order_by("code")


def convenable_communities(user) -> QuerySet:
    """Communities in the user's region seats (community-level meetings are staff business)."""
    from sanfang.accounts.scope import visible_regions

    return visible_regions(user, Region.objects.filter(level=Region.Level.COMMUNITY)).order_by("code")


def organizations_for(user, *, compound=None, community=None) -> QuerySet:
    from .services import related_organizations

    community = community or (compound.community if compound else None)
    if community is None:
        return visible_organizations(user).none()
    return visible_organizations(user, related_organizations(compound=compound, community=community)).order_by(
        "kind", "name")


def people_for(user, meeting: Meeting) -> QuerySet:
    """The people the user may pick on the sign-in sheet: those expected, and visible to them."""
    from .services import meeting_people

    return visible_persons(user, meeting_people(meeting)).order_by("name", "pk")


def people_around(user, *, compound=None, community=None, day=None) -> QuerySet:
    """Current members of the organisations of a compound (or community) and the regions above,
    as far as the user may see them: whom to invite by name, or name as taking part in a step."""
    from .services import related_organizations

    community = community or compound.community
    orgs = related_organizations(compound=compound, community=community).values("pk")
    members = Membership.objects.current_on(day or timezone.localdate()).filter(
        organization__in=orgs).values("person_id")
    return visible_persons(user).filter(pk__in=members).order_by("name", "pk")


def invitable_people(user, meeting: Meeting) -> QuerySet:
    return people_around(user, compound=meeting.compound, community=meeting.community,
                         day=timezone.localdate(meeting.scheduled_at))


def member_compounds(user) -> QuerySet:
    """Compounds whose owners' committee the user sits on (they may ask for a meeting, C6)."""
    ids = [s.organization.compound_id for s in seats_of(user)
           if s.role == Role.COMMITTEE_MEMBER and s.organization_id and s.organization.compound_id]
    return Compound.objects.filter(pk__in=ids).order_by("code")


def requests_for(user) -> QuerySet:
    """Members' requests for a committee meeting (C6) in the compounds the user serves (not as a
    resident): the committee, the company, region staff."""
    return (CommitteeMeetingRequest.objects.filter(compound__in=Compound.objects.filter(
        compound_q(user, residents=False)).values("pk"))
        .select_related("compound", "committee").prefetch_related("signers").order_by("met_at", "-created_at"))


# --- motions ---------------------------------------------------------------------------------


def visible_motions(user) -> QuerySet:
    return Motion.objects.filter(perms.motion_q(user))


def motion_get_for(*, user, pk: int) -> Motion:
    mo = (visible_motions(user).select_related("compound__community", "ticket", "poll", "created_by")
          .filter(pk=pk).first())
    if mo is None:
        raise Http404
    return mo


def motion_list(user, *, compound: str = "", open_only: bool = False) -> QuerySet:
    qs = visible_motions(user).select_related("compound", "poll")
    if compound:
        qs = qs.filter(compound__code=compound)
    if open_only:
        qs = qs.exclude(stage__in=sorted(ENDED))
    return qs.order_by("-updated_at", "-id")


def motion_timeline(mo: Motion) -> QuerySet:
    return MotionEvent.objects.filter(motion=mo).select_related("actor").order_by("at", "id")


def motion_steps(mo: Motion):
    return mo.steps.select_related("meeting", "actor", "poll").prefetch_related("organizations", "people")


def meetings_for_motion(user, mo: Motion) -> QuerySet:
    """Held meetings of the motion's compound (or its community) to name on a step."""
    return visible_meetings(user).filter(
        Q(compound=mo.compound) | Q(compound__isnull=True, community=mo.compound.community_id),
        status__in=(Status.HELD, Status.MINUTES_PUBLISHED)).order_by("-scheduled_at")


def motion_compounds(user, *, petition: bool = False) -> QuerySet:
    """Compounds where the user may raise a motion: region staff (community worker and above)
    their subtree, committee members their compound, and for a petition owners theirs."""
    if perms.sees_everything(user):
        return Compound.objects.order_by("code")
    q = Q(pk__in=[])
    for seat in seats_of(user):
        if seat.role in perms.STAFF_ROLES and seat.region_id:
            q |= Q(community__path__startswith=seat.region.path)
    q |= Q(pk__in=member_compounds(user).values("pk"))
    if petition and getattr(user, "person_id", None):
        q |= Q(pk__in=Ownership.objects.filter(person_id=user.person_id).values("compound_id"))
    return Compound.objects.filter(q).order_by("code")


def my_units(user, compound: Compound) -> QuerySet:
    """The units the user (as an owner) holds in the compound: what they may sign a petition for."""
    pid = getattr(user, "person_id", None)
    if not pid:
        return Ownership.objects.none()
    return Ownership.objects.filter(compound=compound, person_id=pid).select_related("unit__building", "person")


def owners_for(user, compound: Compound) -> QuerySet:
    """Ownerships of the compound the user may see (a collector entering signatures)."""
    from sanfang.core.scope import visible_to

    return visible_to(user, Ownership.objects.filter(compound=compound)).select_related(
        "unit__building", "person").order_by("unit__building__number", "unit__number", "person__name")
