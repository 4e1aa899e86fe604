"""Summonses of departments (街道吹哨、部门报到, RULES T3) and mediation of disputes (纠纷调解)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfang.accounts.models import Role, Seat
from sanfang.orgs.models import Organization
from sanfang.places.models import Region

from .. import permissions as perms
from ..models import Mediation, MediationSession, Summons, Ticket, TicketEvent
from ..rules import OPEN, Status, parse_span
from .flow import _event, _locked, _require, _resolve, _text
from .routing import policy_for

E = TicketEvent.Kind


def departments_for(ticket: Ticket):
    """Departments that may be summoned for a case: those of a region above its compound."""
    paths = [p for p in ticket.compound.community.path.split("/") if p]
    ancestors = ["/" + "/".join(paths[:i]) + "/" for i in range(1, len(paths) + 1)]
    return Organization.objects.filter(kind=Organization.Kind.DEPARTMENT, region__path__in=ancestors).order_by("name")


def _subdistrict_of(ticket: Ticket) -> Region:
    return ticket.compound.community.parent


@transaction.atomic
def summons_issue(*, ticket: Ticket, departments, request: str, actor) -> list[Summons]:
    """The subdistrict (or district) summons one or more departments; each must report in and
    then act and report back, each by its own deadline from the policy."""
    t = _locked(ticket)
    _require(perms.can_summon(actor, t))
    request = _text("request", request, required=True)
    departments = list(departments)
    if not departments:
        raise ValidationError({"departments": _("Choose at least one department.")})
    allowed = set(departments_for(t).values_list("pk", flat=True))
    if any(d.pk not in allowed for d in departments):
        raise ValidationError({"departments": _("This department cannot be summoned for this compound.")})
    policy, now = policy_for(t.compound), timezone.now()
    report_due = parse_span(policy.summons_report_within).after(now)
    done_due = parse_span(policy.summons_done_within).after(now)
    made = []
    for dept in departments:
        try:
            with transaction.atomic():
                s = Summons.objects.create(ticket=t, compound_id=t.compound_id, department=dept,
                                           subdistrict=_subdistrict_of(t), summoned_by=actor, summoned_at=now,
                                           request=request, report_due=report_due, done_due=done_due)
        except IntegrityError:
            raise ValidationError({"departments": _("%(dept)s has already been summoned for this case.")
                                   % {"dept": dept.name}}) from None
        _event(t, kind=E.SUMMONED, actor=actor, now=now, note=request,
               data={"summons": s.pk, "department": dept.name, "report_due": report_due.isoformat()})
        made.append(s)
        from ..notify import notify

        officers = [seat.user for seat in Seat.objects.active().filter(role=Role.DEPARTMENT_OFFICER, organization=dept)
                    .select_related("user")]
        notify(officers, ticket=t, text=_("%(dept)s is summoned for case %(ref)s: report in by %(due)s")
               % {"dept": dept.name, "ref": t.reference, "due": timezone.localtime(report_due).strftime("%Y-%m-%d %H:%M")})
    Ticket.objects.filter(pk=t.pk).update(updated_at=now)
    return made


def _locked_summons(summons: Summons) -> Summons:
    return Summons.objects.select_for_update().select_related("ticket", "department").get(pk=summons.pk)


@transaction.atomic
def summons_report_in(*, summons: Summons, actor, note: str = "") -> Summons:
    """The department reports in (报到): it has taken up the case."""
    s = _locked_summons(summons)
    if not perms.can_answer_summons(actor, s):
        raise PermissionDenied(_("Only the summoned department answers this summons."))
    if s.state != Summons.State.SUMMONED:
        raise ValidationError(_("This department has already reported in."), code="not_allowed")
    now = timezone.now()
    s.state, s.reported_at = Summons.State.REPORTED, now
    s.save(update_fields=["state", "reported_at"])
    _event(s.ticket, kind=E.REPORTED_IN, actor=actor, now=now, note=_text("note", note),
           data={"summons": s.pk, "department": s.department.name, "on_time": now <= s.report_due})
    Ticket.objects.filter(pk=s.ticket_id).update(updated_at=now)
    return s


@transaction.atomic
def summons_done(*, summons: Summons, actor, note: str) -> Summons:
    """The department has acted and reports back what it did."""
    s = _locked_summons(summons)
    if not perms.can_answer_summons(actor, s):
        raise PermissionDenied(_("Only the summoned department answers this summons."))
    if s.state == Summons.State.DONE:
        raise ValidationError(_("This summons has already been answered."), code="not_allowed")
    note = _text("note", note, required=True)
    now = timezone.now()
    if s.reported_at is None:
        s.reported_at = now
    s.state, s.done_at, s.report_note = Summons.State.DONE, now, note
    s.save(update_fields=["state", "reported_at", "done_at", "report_note"])
    _event(s.ticket, kind=E.SUMMONS_DONE, actor=actor, now=now, note=note,
           data={"summons": s.pk, "department": s.department.name, "on_time": now <= s.done_due})
    Ticket.objects.filter(pk=s.ticket_id).update(updated_at=now)
    return s


# ---- mediation ----------------------------------------------------------------------------

@transaction.atomic
def mediation_open(*, ticket: Ticket, actor, kind: str, parties: str) -> Mediation:
    """Open a mediation on an accepted case (disputes between neighbours or with the company)."""
    t = _locked(ticket)
    _require(perms.can_work(actor, t))
    if t.status not in (Status.ACCEPTED, Status.IN_PROGRESS, Status.REOPENED):
        raise ValidationError(_("Accept the case before opening a mediation."), code="not_allowed")
    if kind not in Mediation.Kind.values:
        raise ValidationError({"kind": _("Choose the kind of dispute.")})
    lines = [p.strip() for p in (parties or "").splitlines() if p.strip()]
    if len(lines) < 2:
        raise ValidationError({"parties": _("Name at least two parties, one per line.")})
    now = timezone.now()
    try:
        with transaction.atomic():
            m = Mediation.objects.create(ticket=t, compound_id=t.compound_id, kind=kind, parties="\n".join(lines)[:500],
                                         mediator=actor, tier=t.tier, opened_at=now)
    except IntegrityError:
        raise ValidationError(_("A mediation is already under way for this case."), code="duplicate") from None
    _event(t, kind=E.MEDIATION_OPENED, actor=actor, now=now, data={"mediation": m.pk, "kind": kind})
    Ticket.objects.filter(pk=t.pk).update(updated_at=now)
    return m


def _locked_mediation(mediation: Mediation) -> Mediation:
    m = Mediation.objects.select_for_update().get(pk=mediation.pk)
    if m.outcome != Mediation.Outcome.OPEN:
        raise ValidationError(_("This mediation has ended."), code="not_allowed")
    return m


@transaction.atomic
def mediation_session_add(*, mediation: Mediation, actor, held_at, attendees: str, notes: str,
                          place: str = "") -> MediationSession:
    m = _locked_mediation(mediation)
    t = _locked(m.ticket)
    _require(perms.can_work(actor, t))
    if held_at is None or held_at > timezone.now():
        raise ValidationError({"held_at": _("Record a session that has taken place.")})
    session = MediationSession.objects.create(
        mediation=m, held_at=held_at, place=_text("place", place)[:100],
        attendees=_text("attendees", attendees, required=True)[:300], notes=_text("notes", notes, required=True),
        recorded_by=actor)
    # The notes stay with staff; the resident sees that a session took place.
    _event(t, kind=E.MEDIATION_SESSION, actor=actor, now=timezone.now(), note=session.notes, public=False,
           data={"mediation": m.pk, "session": session.pk})
    return session


@transaction.atomic
def mediation_end(*, mediation: Mediation, actor, outcome: str, agreement: str = "") -> Mediation:
    """End a mediation. An agreement resolves the case with the agreement as its note, so the
    resident's feedback can close it; without one the case stays open (it may move up)."""
    m = _locked_mediation(mediation)
    t = _locked(m.ticket)
    _require(perms.can_work(actor, t))
    if outcome not in (Mediation.Outcome.AGREED, Mediation.Outcome.FAILED):
        raise ValidationError({"outcome": _("Choose agreement reached or no agreement.")})
    agreement = _text("agreement", agreement, required=outcome == Mediation.Outcome.AGREED)
    now = timezone.now()
    m.outcome, m.agreement, m.ended_at, m.ended_tier = outcome, agreement, now, t.tier
    m.save(update_fields=["outcome", "agreement", "ended_at", "ended_tier"])
    _event(t, kind=E.MEDIATION_ENDED, actor=actor, now=now, note=agreement,
           data={"mediation": m.pk, "outcome": outcome, "tier": t.tier})
    if outcome == Mediation.Outcome.AGREED and t.status in OPEN:
        _resolve(t, actor=actor, now=now, note=agreement, data={"mediation": m.pk})
    t.updated_at = now
    t.save()
    return m



