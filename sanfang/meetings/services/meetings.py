"""Every write on meetings: create (with the residents' committee invited), agenda, invitations,
announce (notice periods of V13 and C6), cancel, hold, sign-in, minutes, decisions (C6 majority
of all members), attachments, publish; and the members' request to convene the committee (C6).

One transaction each; the meeting row is locked first (DESIGN habit 6) and every change writes a
``MeetingEvent`` with its actor in the same transaction (habit 3). Refusals are
``ValidationError`` with a message for the user (code ``not_allowed`` when the meeting's state
forbids it) or ``PermissionDenied``; either way nothing has changed.
"""

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfang.orgs.models import Membership, Organization, Person
from sanfang.places.models import Compound, Region
from sanfang.tickets.services import check_uploads

from .. import permissions as perms
from ..models import (
    AgendaItem,
    Attendance,
    CommitteeMeetingRequest,
    CommitteeMeetingRequestSigner,
    Decision,
    Invitation,
    Meeting,
    MeetingAttachment,
    MeetingEvent,
    Minutes,
)
from ..rules import COMPOUND_ONLY, Kind, Status, c6_passes, c6_quorum, c6_request_met, can_move, notice_ok
from .common import (
    actor_or_none,
    clean_text,
    committee_of,
    policy_for,
    refuse,
    related_organizations,
    residents_committee_of,
    voting_members,
)

S = Status
MAX_AGENDA = 30


def _event(m: Meeting, kind: str, actor, *, now=None, old: str = "", new: str = "", note: str = "",
           **data) -> MeetingEvent:
    return MeetingEvent.objects.create(meeting=m, compound_id=m.compound_id, at=now or timezone.now(),
                                       actor=actor_or_none(actor), kind=kind, old_status=old, new_status=new,
                                       note=note, data=data)


def _locked(meeting: Meeting) -> Meeting:
    return (Meeting.objects.select_for_update(of=("self",)).select_related("compound__community", "community", "convener")
            .get(pk=meeting.pk))


def _require_manage(actor, m: Meeting) -> None:
    if not perms.can_manage(actor, m):
        raise PermissionDenied(_("You may not run this meeting."))


def _require_status(m: Meeting, *allowed: str) -> None:
    if m.status not in allowed:
        refuse(_("This meeting is “%(status)s”: not possible now.") % {"status": Status(m.status).label})


def _can_become(m: Meeting, new: str) -> None:
    """Refuse a move ``rules.TRANSITIONS`` does not allow, saying where the meeting stands."""
    if not can_move(m.status, new):
        refuse(_("This meeting is “%(status)s”; it cannot become “%(new)s”.")
               % {"status": Status(m.status).label, "new": Status(new).label})


def _move(m: Meeting, new: str, *, kind: str, actor, now, note: str = "", **data) -> MeetingEvent:
    """Change the state by ``rules.TRANSITIONS``, or refuse with a clear message."""
    _can_become(m, new)
    old, m.status = m.status, new
    return _event(m, kind, actor, now=now, old=old, new=new, note=note, **data)


def meeting_day(m: Meeting):
    return timezone.localdate(m.scheduled_at)


# --- reads the services and pages share ----------------------------------------------------------


def committee_quorum(m: Meeting) -> dict:
    """C6 for a committee meeting: all voting members on the meeting day, those present, whether
    more than half are present, and how many votes a decision needs (more than half of all)."""
    members = voting_members(m.convener, meeting_day(m))
    present = set(m.attendance.filter(person_id__in=members).values_list("person_id", flat=True))
    n = len(members)
    return {"members": n, "present": len(present), "quorum": c6_quorum(len(present), n),
            "present_needed": n // 2 + 1, "votes_needed": n // 2 + 1, "member_ids": members}


def meeting_people(m: Meeting):
    """The people expected on the sign-in sheet: invited people, and the current members of the
    convening and invited organisations on the meeting day."""
    orgs = list(m.invitations.filter(organization__isnull=False).values_list("organization_id", flat=True))
    orgs.append(m.convener_id)
    members = Membership.objects.current_on(meeting_day(m)).filter(organization_id__in=orgs).values("person_id")
    invited = m.invitations.filter(person__isnull=False).values("person_id")
    return Person.objects.filter(Q(pk__in=members) | Q(pk__in=invited))


# --- create and prepare ---------------------------------------------------------------------------


def _check_convener(kind: str, convener: Organization, *, compound, community) -> None:
    if convener is None:
        raise ValidationError({"convener": _("Choose who convenes the meeting.")})
    if not related_organizations(compound=compound, community=community).filter(pk=convener.pk).exists():
        raise ValidationError({"convener": _("This organisation has nothing to do with this compound or community.")})
    K = Organization.Kind
    if kind == Kind.COMMITTEE and not (convener.kind in perms.COMMITTEE_KINDS and convener.compound_id == compound.pk):
        raise ValidationError({"convener": _("The owners' committee of the compound convenes its own meetings "
                                             "(RULES C6).")})
    if kind == Kind.ASSEMBLY and not ((convener.kind in perms.COMMITTEE_KINDS and convener.compound_id == compound.pk)
                                      or convener.kind == K.RESIDENTS_COMMITTEE):
        raise ValidationError({"convener": _("An owners' assembly is convened by the owners' committee, or by the "
                                             "residents' committee where there is none (RULES A2, C13).")})
    if kind == Kind.PARTY and convener.kind != K.PARTY_ORG:
        raise ValidationError({"convener": _("A party organisation meeting is convened by a party organisation.")})


@transaction.atomic
def meeting_create(*, kind: str, title: str, place: str, scheduled_at: datetime, convener: Organization, actor,
                   compound: Compound | None = None, community: Region | None = None, extraordinary: bool = False,
                   agenda=(), request: CommitteeMeetingRequest | None = None, now=None) -> Meeting:
    """A draft meeting of a compound (or, without one, of a community) with its agenda. The
    residents' committee of the community is invited at once, and cannot be removed (V13, C6)."""
    now = now or timezone.now()
    if kind not in Kind.values:
        raise ValidationError({"kind": _("Choose the kind of meeting.")})
    if compound is not None:
        community = compound.community
    if community is None or community.level != Region.Level.COMMUNITY:
        raise ValidationError({"compound": _("Choose the compound, or the community for a community meeting.")})
    if kind in COMPOUND_ONLY and compound is None:
        raise ValidationError({"compound": _("Owners' committee meetings and assemblies belong to a compound.")})
    if not perms.can_convene(actor, kind=kind, compound=compound, community=community):
        raise PermissionDenied(_("You may not convene this kind of meeting here."))
    if extraordinary and kind != Kind.ASSEMBLY:
        raise ValidationError({"extraordinary": _("Only an owners' assembly can be extraordinary.")})
    title = clean_text("title", title, limit=120)
    place = clean_text("place", place, limit=120)
    if scheduled_at is None or scheduled_at <= now:
        raise ValidationError({"scheduled_at": _("The meeting must be in the future.")})
    _check_convener(kind, convener, compound=compound, community=community)
    items = [clean_text("agenda", t, limit=300) for t in agenda if (t or "").strip()]
    if len(items) > MAX_AGENDA:
        raise ValidationError({"agenda": _("At most %(n)d agenda items.") % {"n": MAX_AGENDA}})
    if request is not None and (kind != Kind.COMMITTEE or request.compound_id != getattr(compound, "pk", None)):
        raise ValidationError({"request": _("A members' request is answered by a committee meeting of its compound.")})
    m = Meeting.objects.create(compound=compound, community=community, kind=kind, extraordinary=extraordinary,
                               title=title, place=place, scheduled_at=scheduled_at, convener=convener,
                               request=request, created_by=actor, created_at=now)
    AgendaItem.objects.bulk_create([AgendaItem(meeting=m, order=i + 1, text=t) for i, t in enumerate(items)])
    rc = residents_committee_of(community)
    if rc is not None:
        Invitation.objects.create(meeting=m, organization=rc, automatic=True, invited_by=actor_or_none(actor), at=now)
    _event(m, "created", actor, now=now, new=S.DRAFT, agenda=len(items), residents_committee=rc.pk if rc else None)
    return m


@transaction.atomic
def agenda_item_add(*, meeting: Meeting, text: str, actor) -> AgendaItem:
    """Add an item while the meeting is a draft: once announced the agenda is what was published,
    and nothing else may be decided (V13, C6)."""
    m = _locked(meeting)
    _require_manage(actor, m)
    _require_status(m, S.DRAFT)
    text = clean_text("text", text, limit=300)
    if m.agenda.filter(text=text).exists():  # a form sent twice (the meeting row is locked)
        refuse(_("This item is already on the agenda."), code="duplicate")
    if m.agenda.count() >= MAX_AGENDA:
        raise ValidationError({"text": _("At most %(n)d agenda items.") % {"n": MAX_AGENDA}})
    order = (m.agenda.aggregate(n=Max("order"))["n"] or 0) + 1
    item = AgendaItem.objects.create(meeting=m, order=order, text=text)
    _event(m, "agenda_added", actor, note=text, item=item.pk)
    return item


@transaction.atomic
def agenda_item_remove(*, item: AgendaItem, actor) -> None:
    m = _locked(item.meeting)
    _require_manage(actor, m)
    _require_status(m, S.DRAFT)
    text = item.text
    AgendaItem.objects.filter(pk=item.pk, meeting=m).delete()
    _event(m, "agenda_removed", actor, note=text)


@transaction.atomic
def invitation_add(*, meeting: Meeting, actor, organization: Organization | None = None,
                   person: Person | None = None) -> Invitation:
    """Invite an organisation of the compound, the community or a region above it, or a person."""
    from sanfang.accounts.scope import visible_persons

    m = _locked(meeting)
    _require_manage(actor, m)
    _require_status(m, S.DRAFT, S.ANNOUNCED)
    if (organization is None) == (person is None):
        raise ValidationError(_("Invite either an organisation or a person."))
    if organization is not None and not related_organizations(compound=m.compound, community=m.community).filter(
            pk=organization.pk).exists():
        raise ValidationError({"organization": _("This organisation has nothing to do with this compound or "
                                                 "community.")})
    if person is not None and not visible_persons(actor).filter(pk=person.pk).exists():
        raise ValidationError({"person": _("No such person among those you can see.")})
    try:
        with transaction.atomic():
            inv = Invitation.objects.create(meeting=m, organization=organization, person=person, invited_by=actor)
    except IntegrityError:
        refuse(_("Already invited."), code="duplicate")
    _event(m, "invited", actor, note=str(organization or person.name),
           organization=getattr(organization, "pk", None), person=getattr(person, "pk", None))
    return inv


@transaction.atomic
def invitation_remove(*, invitation: Invitation, actor) -> None:
    """Withdraw an invitation; never the residents' committee's (V13, C6)."""
    m = _locked(invitation.meeting)
    _require_manage(actor, m)
    _require_status(m, S.DRAFT, S.ANNOUNCED)
    if invitation.automatic:
        refuse(_("The residents' committee is always invited (RULES V13, C6)."))
    name = str(invitation.organization or invitation.person.name)
    Invitation.objects.filter(pk=invitation.pk).delete()
    _event(m, "uninvited", actor, note=name)


@transaction.atomic
def meeting_announce(*, meeting: Meeting, actor, now=None) -> Meeting:
    """Publish the agenda and the invitations. The meeting must lie at least the notice period of
    the policy after now (V13: an assembly 15 days, an extraordinary one 7 in Hangzhou; C6: a
    committee meeting 7 days), have an agenda, and the residents' committee invited."""
    m = _locked(meeting)
    _require_manage(actor, m)
    now = now or timezone.now()
    _can_become(m, S.ANNOUNCED)
    if not m.agenda.exists():
        raise ValidationError({"agenda": _("Publish at least one agenda item: nothing may be decided that was not "
                                           "published in advance (RULES V13).")})
    rc = residents_committee_of(m.community)
    if rc is None or not m.invitations.filter(organization=rc).exists():
        refuse(_("The community's residents' committee must be invited (RULES V13, C6); record it in the registry "
                 "first."))
    days = policy_for(m.community).notice_days(m.kind, extraordinary=m.extraordinary)
    if not notice_ok(announced_at=now, scheduled_at=m.scheduled_at, days=days):
        raise ValidationError({"scheduled_at": _(
            "This meeting needs %(n)d days' notice: announced now, it can be held at the earliest on %(t)s.")
            % {"n": days, "t": timezone.localtime(now + timedelta(days=days)).strftime("%Y-%m-%d %H:%M")}})
    m.announced_at, m.notice_days = now, days
    _move(m, S.ANNOUNCED, kind="announced", actor=actor, now=now, notice_days=days)
    m.save(update_fields=["status", "announced_at", "notice_days"])
    if m.request_id:
        req = CommitteeMeetingRequest.objects.select_for_update().get(pk=m.request_id)
        if req.met_at is None:
            req.met_at = now
            req.save(update_fields=["met_at"])
            MeetingEvent.objects.create(request=req, meeting=m, compound_id=req.compound_id, at=now,
                                        actor=actor_or_none(actor), kind="request_met")
    return m


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, reason: str, actor, now=None) -> Meeting:
    m = _locked(meeting)
    _require_manage(actor, m)
    now = now or timezone.now()
    reason = clean_text("reason", reason, limit=200)
    _move(m, S.CANCELLED, kind="cancelled", actor=actor, now=now, note=reason)
    m.cancelled_at, m.cancel_reason = now, reason
    m.save(update_fields=["status", "cancelled_at", "cancel_reason"])
    return m


def _on_the_day(m: Meeting, now) -> None:
    if timezone.localdate(now) < meeting_day(m):
        refuse(_("The meeting is on %(d)s.") % {"d": meeting_day(m).isoformat()})


@transaction.atomic
def meeting_hold(*, meeting: Meeting, actor, now=None) -> Meeting:
    """Mark the announced meeting as held (on or after its day). A committee meeting's decisions
    are then due for publication within the policy's days (C6: 3)."""
    m = _locked(meeting)
    _require_manage(actor, m)
    now = now or timezone.now()
    _can_become(m, S.HELD)
    _on_the_day(m, now)
    m.held_at = now
    data = {}
    if m.kind == Kind.COMMITTEE:
        days = policy_for(m.community).committee_publish_days
        m.minutes_due = now + timedelta(days=days)
        q = committee_quorum(m)
        data = {"members": q["members"], "present": q["present"], "quorum": q["quorum"]}
    _move(m, S.HELD, kind="held", actor=actor, now=now, **data)
    m.save(update_fields=["status", "held_at", "minutes_due"])
    return m


# --- during and after the meeting -----------------------------------------------------------------


@transaction.atomic
def attendance_sign_in(*, meeting: Meeting, actor, person: Person | None = None, name: str = "",
                       organization: Organization | None = None, on_behalf_of: Person | None = None,
                       now=None) -> Attendance:
    """One line on the sign-in sheet, on the meeting day or after (while held). Recorded by those
    running the meeting, or by an expected person signing themself in. A committee meeting admits
    no proxies (C6): nobody signs in on behalf of a member."""
    from sanfang.accounts.scope import visible_persons

    m = _locked(meeting)
    now = now or timezone.now()
    self_sign = (person is not None and getattr(actor, "person_id", None) == person.pk
                 and meeting_people(m).filter(pk=person.pk).exists())
    if not (perms.can_manage(actor, m) or self_sign):
        raise PermissionDenied(_("You may not keep this meeting's sign-in sheet."))
    _require_status(m, S.ANNOUNCED, S.HELD)
    if m.status == S.ANNOUNCED:
        _on_the_day(m, now)
    name = clean_text("name", name, limit=50, required=False)
    if person is None and not name:
        raise ValidationError({"person": _("Choose the person, or write the name of someone not in the registry.")})
    if person is not None:
        name = ""
        if not self_sign and not visible_persons(actor).filter(pk=person.pk).exists():
            raise ValidationError({"person": _("No such person among those you can see.")})
    if on_behalf_of is not None and m.kind == Kind.COMMITTEE:
        refuse(_("No proxies at an owners' committee meeting: members attend in person (RULES C6)."), code="proxy")
    if organization is not None and not related_organizations(compound=m.compound, community=m.community).filter(
            pk=organization.pk).exists():
        raise ValidationError({"organization": _("This organisation has nothing to do with this meeting.")})
    try:
        with transaction.atomic():
            a = Attendance.objects.create(meeting=m, person=person, name=name, organization=organization,
                                          on_behalf_of=on_behalf_of, signed_in_at=now, recorded_by=actor)
    except IntegrityError:
        refuse(_("%(name)s has already signed in.") % {"name": person.name}, code="duplicate")
    _event(m, "signed_in", actor, now=now, note=a.display_name, person=getattr(person, "pk", None),
           organization=getattr(organization, "pk", None))
    return a


@transaction.atomic
def attendance_remove(*, attendance: Attendance, actor) -> None:
    """Strike a wrong line from the sheet before the minutes are published."""
    m = _locked(attendance.meeting)
    _require_manage(actor, m)
    _require_status(m, S.ANNOUNCED, S.HELD)
    if m.decisions.exists():
        refuse(_("Decisions were taken with this sheet: it can no longer change."))
    label = attendance.display_name
    Attendance.objects.filter(pk=attendance.pk).delete()
    _event(m, "sign_in_struck", actor, note=label)


@transaction.atomic
def minutes_save(*, meeting: Meeting, text: str, actor, now=None) -> Minutes:
    m = _locked(meeting)
    _require_manage(actor, m)
    _require_status(m, S.HELD)
    now = now or timezone.now()
    text = clean_text("text", text, limit=20000)
    minutes, created = Minutes.objects.update_or_create(meeting=m, defaults={"text": text, "written_by": actor,
                                                                             "updated_at": now})
    _event(m, "minutes_written" if created else "minutes_edited", actor, now=now, length=len(text))
    return minutes


def _count(name: str, value) -> int:
    if value is None or value == "":
        raise ValidationError({name: _("Give the number of members who voted so (0 if none).")})
    try:
        n = int(value)
    except (TypeError, ValueError):
        n = -1
    if n < 0 or n > 10000:
        raise ValidationError({name: _("Not a valid number.")})
    return n


@transaction.atomic
def decision_record(*, meeting: Meeting, agenda_item: AgendaItem, text: str, actor, votes_for=None,
                    votes_against=None, votes_abstain=None, now=None) -> Decision:
    """What the meeting decided on one published agenda item (V13). At a committee meeting the
    members must be quorate (C6: more than half present), every vote is a present member's, and
    the decision passes only with more than half of **all** members for it (C6)."""
    m = _locked(meeting)
    _require_manage(actor, m)
    _require_status(m, S.HELD)
    now = now or timezone.now()
    if agenda_item is None or agenda_item.meeting_id != m.pk:
        raise ValidationError({"agenda_item": _("Only items on the published agenda can be decided (RULES V13).")})
    text = clean_text("text", text, limit=2000)
    if m.decisions.filter(agenda_item=agenda_item, text=text).exists():  # a form sent twice (row locked)
        refuse(_("This decision is already recorded."), code="duplicate")
    fields = {}
    counts = (votes_for, votes_against, votes_abstain)
    if m.kind == Kind.COMMITTEE:
        q = committee_quorum(m)
        if not q["quorum"]:
            refuse(_("No quorum: %(p)d of %(n)d members present, more than half are needed (RULES C6).")
                   % {"p": q["present"], "n": q["members"]}, code="quorum")
        yes, no, abstain = (_count(n, v) for n, v in zip(("votes_for", "votes_against", "votes_abstain"), counts,
                                                          strict=True))
        if yes + no + abstain > q["present"]:
            raise ValidationError({"votes_for": _("More votes than members present (%(p)d); no proxies (RULES C6).")
                                   % {"p": q["present"]}})
        fields = {"votes_for": yes, "votes_against": no, "votes_abstain": abstain, "members": q["members"],
                  "present": q["present"], "passed": c6_passes(yes, q["members"])}
    elif any(v not in (None, "") for v in counts):
        yes, no, abstain = (_count(n, v) for n, v in zip(("votes_for", "votes_against", "votes_abstain"), counts,
                                                          strict=True))
        fields = {"votes_for": yes, "votes_against": no, "votes_abstain": abstain}
    d = Decision.objects.create(meeting=m, agenda_item=agenda_item, text=text, recorded_by=actor, at=now, **fields)
    _event(m, "decision", actor, now=now, note=text, decision=d.pk, item=agenda_item.order,
           **{k: fields[k] for k in ("votes_for", "votes_against", "votes_abstain", "members", "passed")
              if k in fields})
    return d


@transaction.atomic
def decision_remove(*, decision: Decision, actor) -> None:
    m = _locked(decision.meeting)
    _require_manage(actor, m)
    _require_status(m, S.HELD)
    text = decision.text
    Decision.objects.filter(pk=decision.pk).delete()
    _event(m, "decision_removed", actor, note=text)


@transaction.atomic
def attachment_add(*, meeting: Meeting, files, actor, public: bool = True) -> list[MeetingAttachment]:
    """Photos or PDFs (signed decisions, sign-in scans): the type read from the bytes and the size
    capped by ``tickets.services.check_uploads``, the same rule as on cases."""
    m = _locked(meeting)
    _require_manage(actor, m)
    _require_status(m, S.DRAFT, S.ANNOUNCED, S.HELD)
    checked = check_uploads(files)
    if not checked:
        raise ValidationError({"files": _("Choose at least one file.")})
    saved = []
    for f, content_type in checked:
        a = MeetingAttachment(meeting=m, compound_id=m.compound_id, original_name=f.name[-120:],
                              content_type=content_type, size=f.size, public=public, uploaded_by=actor)
        a.file.save("upload", f, save=False)
        a.save()
        saved.append(a)
    _event(m, "attachment", actor, note=", ".join(a.original_name for a in saved), files=[a.pk for a in saved],
           public=public)
    return saved


@transaction.atomic
def minutes_publish(*, meeting: Meeting, actor, now=None) -> Meeting:
    """Publish the minutes and decisions to the owners. Irreversible. A committee meeting's are
    due within the policy's days of the meeting (C6: 3); a late publication is marked so."""
    m = _locked(meeting)
    _require_manage(actor, m)
    now = now or timezone.now()
    _can_become(m, S.MINUTES_PUBLISHED)
    if not Minutes.objects.filter(meeting=m).exclude(text="").exists():
        refuse(_("Write the minutes before publishing them."))
    late = m.minutes_due is not None and now > m.minutes_due
    m.minutes_published_at = now
    _move(m, S.MINUTES_PUBLISHED, kind="minutes_published", actor=actor, now=now, late=late)
    m.save(update_fields=["status", "minutes_published_at"])
    return m


# --- C6: members asking the committee to meet ---------------------------------------------------


def _member_person(actor, compound: Compound):
    committee = committee_of(compound)
    pid = getattr(actor, "person_id", None)
    if committee is None or not pid or pid not in voting_members(committee, timezone.localdate()):
        raise PermissionDenied(_("Only a member of the owners' committee can ask for a committee meeting."))
    return committee, pid


def _request_check(req: CommitteeMeetingRequest, actor, now) -> None:
    members = voting_members(req.committee, timezone.localdate(now))
    askers = req.signers.filter(person_id__in=members).count()
    if req.threshold_met_at is None and c6_request_met(askers, len(members)):
        req.threshold_met_at = now
        req.due_at = now + timedelta(days=policy_for(req.compound.community).committee_request_days)
        req.save(update_fields=["threshold_met_at", "due_at"])
        MeetingEvent.objects.create(request=req, compound_id=req.compound_id, at=now, actor=actor_or_none(actor),
                                    kind="request_threshold", data={"askers": askers, "members": len(members)})


@transaction.atomic
def meeting_request_create(*, compound: Compound, matter: str, actor, now=None) -> CommitteeMeetingRequest:
    """A committee member asks for a committee meeting on a matter (and signs it). Once a third
    of the members have asked, the meeting must be called within the policy's days (C6: 7)."""
    now = now or timezone.now()
    committee, pid = _member_person(actor, compound)
    matter = clean_text("matter", matter, limit=300)
    req = CommitteeMeetingRequest.objects.create(compound=compound, committee=committee, matter=matter,
                                                 created_by=actor, created_at=now)
    CommitteeMeetingRequestSigner.objects.create(request=req, person_id=pid, at=now)
    MeetingEvent.objects.create(request=req, compound_id=compound.pk, at=now, actor=actor, kind="request_created",
                                note=matter)
    _request_check(req, actor, now)
    return req


@transaction.atomic
def meeting_request_sign(*, request: CommitteeMeetingRequest, actor, now=None) -> CommitteeMeetingRequest:
    now = now or timezone.now()
    req = CommitteeMeetingRequest.objects.select_for_update(of=("self",)).select_related("compound__community").get(
        pk=request.pk)
    _committee, pid = _member_person(actor, req.compound)
    if req.met_at is not None:
        refuse(_("A meeting has already been called on this request."))
    try:
        with transaction.atomic():
            CommitteeMeetingRequestSigner.objects.create(request=req, person_id=pid, at=now)
    except IntegrityError:
        refuse(_("You have already asked."), code="duplicate")
    MeetingEvent.objects.create(request=req, compound_id=req.compound_id, at=now, actor=actor, kind="request_signed")
    _request_check(req, actor, now)
    return req
