"""Every write on a case: intake, the transitions of ``rules.TRANSITIONS``, escalation up the
tier ladder, feedback and "me too". One transaction each; the row is locked first
(DESIGN habit 6) and every change leaves a ``TicketEvent`` in the same transaction (habit 3).

Errors are ``ValidationError`` with a message for the user, or ``PermissionDenied``; either
way nothing has changed.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfang.accounts.models import Role, Seat

from .. import permissions as perms
from ..models import Category, Feedback, MeToo, Ticket, TicketEvent, TierStint
from ..notify import notify
from ..rules import OPEN, Rating, Status, Tier, can_move, next_tier, parse_span, rating_reopens
from .routing import ladder_of, policy_for, route_for, setup_for
from .uploads import check_uploads, save_uploads

SYSTEM = None  # the actor of ``sanfang tick``: no user, no permission check

E = TicketEvent.Kind
_LIMITS = {"title": 80, "description": 2000, "location": 120, "reporter_name": 40}


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("You may not do this on this case."))


def _text(name: str, value: str, *, required: bool = False) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise ValidationError({name: _("The text holds a character that cannot be stored.")})
    if required and not value:
        raise ValidationError({name: _("This field is required.")})
    if len(value) > _LIMITS.get(name, 1000):
        raise ValidationError({name: _("At most %(n)d characters.") % {"n": _LIMITS.get(name, 1000)}})
    return value


def _coordinate(name: str, value, limit: int):
    """A latitude (±90) or longitude (±180) that fits the column (six decimals), or None."""
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite() or abs(number) > limit:
        raise ValidationError({name: _("Not a valid coordinate.")})
    return number


def _locked(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().select_related("compound__community", "category").get(pk=ticket.pk)


def _event(t: Ticket, *, kind: str, actor, now, old: str = "", new: str = "", note: str = "", data=None,
           public: bool = True) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=t, compound_id=t.compound_id, at=now, actor=actor if actor and actor.is_authenticated else None,
        kind=kind, old_status=old, new_status=new, tier=t.tier, note=note, data=data or {}, public=public)


def _set_due(t: Ticket) -> None:
    due = {Status.SUBMITTED: t.accept_due, Status.ACCEPTED: t.respond_due, Status.IN_PROGRESS: t.resolve_due,
           Status.REOPENED: t.resolve_due, Status.RESOLVED: t.feedback_due}.get(t.status)
    if due != t.due_at:
        t.due_at, t.overdue_flagged = due, False


def _can_become(t: Ticket, new: str) -> None:
    """Refuse a move the state does not allow (``rules.TRANSITIONS``) with a message that says
    where the case stands. Checked before permissions, so a case that has moved on says so."""
    if not can_move(t.status, new):
        raise ValidationError(
            _("This case is “%(status)s”; it cannot become “%(new)s”.")
            % {"status": Status(t.status).label, "new": Status(new).label}, code="not_allowed")


def _move(t: Ticket, new: str, *, kind: str, actor, now, note: str = "", data=None, public: bool = True) -> TicketEvent:
    """Change the state by the table of ``rules.TRANSITIONS``, or refuse with a clear message."""
    _can_become(t, new)
    old, t.status, t.updated_at = t.status, new, now
    _set_due(t)
    return _event(t, kind=kind, actor=actor, now=now, old=old, new=new, note=note, data=data, public=public)


def _start_tier(t: Ticket, tier: str, *, now, policy) -> None:
    """Open the tier's own clock: accept and respond by the category, resolve by the route at the
    compound tier and by the policy above it (RULES T2, T4)."""
    category = t.category
    if tier == Tier.COMPOUND:
        route = route_for(t.compound, category)
        accept, respond, resolve = route.accept, route.respond, route.resolve
    else:
        accept, respond = parse_span(category.accept_within), parse_span(category.respond_within)
        resolve = policy.tier_span(tier)
    t.tier = tier
    t.accept_due, t.respond_due, t.resolve_due = accept.after(now), respond.after(now), resolve.after(now)
    TierStint.objects.create(ticket=t, compound_id=t.compound_id, tier=tier, started_at=now, resolve_due=t.resolve_due)


def _end_stint(t: Ticket, how: str, now) -> None:
    TierStint.objects.filter(ticket=t, ended_at__isnull=True).update(ended_at=now, ended_how=how)


def handlers_of(t: Ticket) -> list:
    """The users who work the case at its current tier, to be told about it (one query)."""
    seats = Seat.objects.active().select_related("user")
    if t.tier == Tier.COMPOUND:
        q = Q(role=Role.COMMITTEE_MEMBER, organization__compound=t.compound_id)
        if t.responsible_org_id:
            q |= Q(organization_id=t.responsible_org_id)
        return [s.user for s in seats.filter(q)]
    role = {v: k for k, v in perms.TIER_OF_ROLE.items() if k != Role.GRID_WORKER}[t.tier]
    path = t.compound.community.path
    return [s.user for s in seats.filter(role=role).select_related("region") if path.startswith(s.region.path)]


def _reporter(t: Ticket) -> list:
    return [t.raised_by] if t.raised_by_id else []


# ---- intake -------------------------------------------------------------------------------

@transaction.atomic
def ticket_create(*, compound, category: Category | str, title: str, description: str, channel: str, actor,
                  unit=None, location: str = "", reporter_name: str = "", reporter_phone: str = "",
                  external_id: str = "", latitude=None, longitude=None, files=(), raised_by=None) -> Ticket:
    """Raise a case: route it to its first responsible party with the compound tier's clock.
    A resident raising their own case is ``raised_by``; staff entering a call, a visit or a
    patrol report are ``actor`` with the resident's name and phone."""
    if channel not in Ticket.Channel.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    setup = setup_for(compound)
    given = category
    category = setup.category(given if isinstance(given, str) else given.pk)
    if category is None:
        raise ValidationError({"category": _("Unknown category for this compound.") if isinstance(given, str)
                               else _("This category does not apply in this compound.")})
    if unit is not None and unit.compound_id != compound.pk:
        raise ValidationError({"unit": _("This room is not in the chosen compound.")})
    checked = check_uploads(files)
    now = timezone.now()
    policy, route = setup.policy, setup.route(compound, category)
    t = Ticket(
        compound=compound, unit=unit, category=category, channel=channel,
        title=_text("title", title, required=True), description=_text("description", description, required=True),
        location=_text("location", location), reporter_name=_text("reporter_name", reporter_name),
        reporter_phone=(reporter_phone or "").strip()[:20], external_id=(external_id or "").strip()[:40],
        latitude=_coordinate("latitude", latitude, 90), longitude=_coordinate("longitude", longitude, 180),
        raised_by=raised_by,
        entered_by=actor if actor and actor.is_authenticated else None,
        responsible=route.responsible, responsible_org=route.org, company=route.company,
        pre_review=policy.pre_review and route.committee is not None,
        created_at=now, updated_at=now, status=Status.SUBMITTED, tier=Tier.COMPOUND,
    )
    accept, respond, resolve = route.accept, route.respond, route.resolve
    t.accept_due, t.respond_due, t.resolve_due = accept.after(now), respond.after(now), resolve.after(now)
    _set_due(t)
    try:
        with transaction.atomic():
            t.save()
    except IntegrityError:
        raise ValidationError({"external_id": _("This hotline work order has already been received.")},
                              code="duplicate") from None
    TierStint.objects.create(ticket=t, compound=compound, tier=Tier.COMPOUND, started_at=now, resolve_due=t.resolve_due)
    ev = _event(t, kind=E.CREATED, actor=actor, now=now, new=Status.SUBMITTED,
                data={"channel": channel, "responsible": route.responsible,
                      "responsible_org": route.org.name if route.org else ""})
    save_uploads(t, checked, actor=actor, event=ev)
    notify(handlers_of(t), ticket=t, text=_("New case %(ref)s in %(compound)s: %(title)s")
           % {"ref": t.reference, "compound": compound.name, "title": t.title})
    return t


@transaction.atomic
def me_too_add(*, ticket: Ticket, actor, phone: str = "") -> Ticket:
    """Another resident has the same problem: count them once on the open case."""
    t = _locked(ticket)
    if t.status not in OPEN:
        raise ValidationError(_("This case is no longer open; raise a new one instead."), code="not_allowed")
    user = actor if actor and actor.is_authenticated else None
    if user is None and not phone:
        raise PermissionDenied(_("Log in or verify your phone number first."))
    if user is not None and perms.is_staff_for(user, t):
        raise PermissionDenied(_("“Me too” is for residents; staff merge cases instead."))
    if user and t.raised_by_id == user.pk or phone and phone == t.reporter_phone:
        raise ValidationError(_("This is your own case."), code="not_allowed")
    try:
        with transaction.atomic():
            MeToo.objects.create(ticket=t, user=user, phone="" if user else phone)
    except IntegrityError:
        raise ValidationError(_("You have already said this affects you too."), code="duplicate") from None
    now = timezone.now()
    Ticket.objects.filter(pk=t.pk).update(me_too=F("me_too") + 1, updated_at=now)
    _event(t, kind=E.ME_TOO, actor=user, now=now)
    t.refresh_from_db()
    return t


# ---- transitions --------------------------------------------------------------------------

@transaction.atomic
def ticket_accept(*, ticket: Ticket, actor, note: str = "") -> Ticket:
    """Accept (受理). At the compound tier with pre-review this is the owners' committee looking
    first (先议先审) and keeping the case in the compound; the alternatives are ``ticket_reject``
    and ``ticket_escalate`` (a complex case)."""
    t = _locked(ticket)
    _can_become(t, Status.ACCEPTED)
    _require(perms.can_accept(actor, t))
    now = timezone.now()
    kind = E.PRE_REVIEWED if t.tier == Tier.COMPOUND and t.pre_review else E.ACCEPTED
    if t.accepted_at is None:
        t.accepted_at, t.accepted_on_time = now, now <= t.accept_due
    _move(t, Status.ACCEPTED, kind=kind, actor=actor, now=now, note=_text("note", note))
    t.save()
    if kind == E.PRE_REVIEWED:
        notify([s for s in handlers_of(t) if not perms.is_committee(s, t)], ticket=t,
               text=_("Case %(ref)s was pre-reviewed by the owners' committee and is yours to handle.")
               % {"ref": t.reference})
    return t


@transaction.atomic
def ticket_start(*, ticket: Ticket, actor, note: str = "") -> Ticket:
    """First response: the handler has contacted the resident and work is under way."""
    t = _locked(ticket)
    _can_become(t, Status.IN_PROGRESS)
    _require(perms.can_work(actor, t))
    now = timezone.now()
    if t.responded_at is None:
        t.responded_at, t.responded_on_time = now, now <= t.respond_due
    _move(t, Status.IN_PROGRESS, kind=E.STARTED, actor=actor, now=now, note=_text("note", note))
    t.save()
    return t


def _resolve(t: Ticket, *, actor, now, note: str, checked=(), data=None) -> None:
    if t.resolved_at is None:
        t.resolved_on_time = now <= t.resolve_due
    if t.responded_at is None:
        t.responded_at, t.responded_on_time = now, now <= t.respond_due
    t.resolved_at, t.resolution_note = now, note
    t.feedback_due = parse_span(policy_for(t.compound).feedback_within).after(now)
    ev = _move(t, Status.RESOLVED, kind=E.RESOLVED, actor=actor, now=now, note=note, data=data)
    save_uploads(t, checked, actor=actor, event=ev)
    notify(_reporter(t), phone="" if t.raised_by_id else t.reporter_phone, ticket=t,
           text=_("Your case %(ref)s has been resolved. Please tell us whether you are satisfied.")
           % {"ref": t.reference})


@transaction.atomic
def ticket_resolve(*, ticket: Ticket, actor, note: str, files=()) -> Ticket:
    """Resolved (办结), with a note and evidence; the resident's feedback closes or reopens it."""
    t = _locked(ticket)
    _can_become(t, Status.RESOLVED)
    _require(perms.can_work(actor, t))
    note = _text("note", note, required=True)
    checked = check_uploads(files)
    _resolve(t, actor=actor, now=timezone.now(), note=note, checked=checked)
    t.save()
    return t


@transaction.atomic
def ticket_reject(*, ticket: Ticket, actor, reason: str, redirect_to: str = "") -> Ticket:
    """Outside the platform's scope: say why and where to go instead."""
    t = _locked(ticket)
    _can_become(t, Status.REJECTED)
    _require(perms.can_work(actor, t))
    now = timezone.now()
    t.reject_reason = _text("reason", reason, required=True)[:200]
    t.redirect_to = _text("redirect_to", redirect_to)[:200]
    t.closed_at = now
    _move(t, Status.REJECTED, kind=E.REJECTED, actor=actor, now=now, note=t.reject_reason,
          data={"redirect_to": t.redirect_to})
    _end_stint(t, TierStint.End.REJECTED, now)
    t.save()
    notify(_reporter(t), ticket=t, text=_("Your case %(ref)s was not accepted: %(reason)s")
           % {"ref": t.reference, "reason": t.reject_reason})
    return t


@transaction.atomic
def ticket_merge(*, ticket: Ticket, into: Ticket, actor) -> Ticket:
    """The same problem as an open case of the same compound: fold it in and count its reporter."""
    t = _locked(ticket)
    target = _locked(into)
    _can_become(t, Status.MERGED)
    _require(perms.can_work(actor, t))
    if target.pk == t.pk or target.compound_id != t.compound_id or target.status not in OPEN:
        raise ValidationError(_("Merge only into another open case of the same compound."), code="not_allowed")
    now = timezone.now()
    t.merged_into, t.closed_at = target, now
    _move(t, Status.MERGED, kind=E.MERGED, actor=actor, now=now, data={"into": target.reference})
    _end_stint(t, TierStint.End.MERGED, now)
    t.save()
    added = _carry_reporters(t, target)
    Ticket.objects.filter(pk=target.pk).update(me_too=F("me_too") + added, updated_at=now)
    _event(target, kind=E.ME_TOO, actor=actor, now=now, data={"merged": t.reference})
    notify(_reporter(t), ticket=t, text=_("Your case %(ref)s is being handled together with %(into)s.")
           % {"ref": t.reference, "into": target.reference})
    return t


def _carry_reporters(source: Ticket, target: Ticket) -> int:
    """The people behind ``source`` (its reporter and its "me too"s) become "me too"s of
    ``target``, once per person and never the target's own reporter. Returns how many."""
    people = [(source.raised_by_id, "" if source.raised_by_id else source.reporter_phone)]
    people += list(source.me_toos.values_list("user_id", "phone"))
    added = 0
    for user_id, phone in people:
        if user_id and user_id == target.raised_by_id or phone and phone == target.reporter_phone:
            continue
        if not user_id and not phone:
            added += 1  # entered by staff without a phone: one more person, no way to match them
            continue
        mine = MeToo.objects.filter(ticket=target)
        if (mine.filter(user_id=user_id) if user_id else mine.filter(phone=phone)).exists():
            continue
        MeToo.objects.create(ticket=target, user_id=user_id, phone="" if user_id else phone)
        added += 1
    return added


@transaction.atomic
def ticket_comment(*, ticket: Ticket, actor, note: str, public: bool = True, phone: str = "") -> TicketEvent:
    t = _locked(ticket)
    _require(perms.can_comment(actor, t, phone))
    note = _text("note", note, required=True)
    # Residents' words are always public to them; staff may keep an internal note.
    public = public or not perms.is_staff_for(actor, t)
    now = timezone.now()
    Ticket.objects.filter(pk=t.pk).update(updated_at=now)
    return _event(t, kind=E.COMMENT, actor=actor, now=now, note=note, public=public)


@transaction.atomic
def ticket_escalate(*, ticket: Ticket, actor, reason: str = TierStint.End.DECISION, note: str = "") -> Ticket:
    """Move the case up one tier (RULES T4): by decision (a complex case), when a deadline has
    passed (``sanfang tick``), or after an unhappy rating. The new tier gets its own clock and
    must accept the case."""
    t = _locked(ticket)
    if actor is not SYSTEM:
        _require(perms.can_escalate(actor, t))
    return _escalate(t, actor=actor, reason=reason, note=note, now=timezone.now())


def _escalate(t: Ticket, *, actor, reason: str, note: str, now) -> Ticket:
    if t.status not in OPEN:
        raise ValidationError(_("Only an open case can move up."), code="not_allowed")
    policy = policy_for(t.compound)
    above = next_tier(ladder_of(policy), t.tier)
    if above is None:
        raise ValidationError(_("This case is already at the top of the ladder."), code="top")
    old_tier, old_status = t.tier, t.status
    _end_stint(t, reason, now)
    _start_tier(t, above, now=now, policy=policy)
    t.pre_review, t.status, t.updated_at = False, Status.SUBMITTED, now
    t.escalations += 1
    _set_due(t)
    _event(t, kind=E.ESCALATED, actor=actor, now=now, old=old_status, new=Status.SUBMITTED,
           note=_text("note", note), data={"from": old_tier, "to": above, "reason": reason})
    t.save()
    notify(handlers_of(t), ticket=t, text=_("Case %(ref)s has moved up to you (%(tier)s): %(title)s")
           % {"ref": t.reference, "tier": Tier(above).label, "title": t.title})
    return t


@transaction.atomic
def ticket_feedback(*, ticket: Ticket, actor, rating: str, fixed: bool = True, comment: str = "",
                    phone: str = "", by_staff_call: bool = False) -> Ticket:
    """The resident's word on the resolution: satisfied closes the case; unhappy, or "not
    fixed", reopens it with the re-check clock (RULES T2: 3 working days) and, if the policy
    says so, moves it up a tier."""
    t = _locked(ticket)
    _can_become(t, Status.CLOSED)
    _require(perms.can_record_call(actor, t) if by_staff_call else perms.can_give_feedback(actor, t, phone))
    if rating not in Rating.values:
        raise ValidationError({"rating": _("Choose satisfied, basically satisfied or unsatisfied.")})
    now = timezone.now()
    Feedback.objects.create(ticket=t, compound_id=t.compound_id, round=t.reopens + 1, rating=rating, fixed=fixed,
                            comment=_text("comment", comment)[:500], by_staff_call=by_staff_call,
                            given_by=actor if actor and actor.is_authenticated else None, at=now)
    t.rating = rating
    _event(t, kind=E.FEEDBACK, actor=actor, now=now, note=comment,
           data={"rating": rating, "fixed": fixed, "by_staff_call": by_staff_call})
    if not rating_reopens(rating, fixed):
        t.closed_at = now
        _move(t, Status.CLOSED, kind=E.CLOSED, actor=actor, now=now)
        _end_stint(t, TierStint.End.SETTLED, now)
        t.save()
        return t
    policy = policy_for(t.compound)
    t.reopens += 1
    t.resolve_due = parse_span(policy.recheck_within).after(now)
    _move(t, Status.REOPENED, kind=E.REOPENED, actor=actor, now=now)
    notify(handlers_of(t), ticket=t, text=_("Case %(ref)s was reopened: the resident is not satisfied.")
           % {"ref": t.reference})
    if policy.unhappy_escalates and next_tier(ladder_of(policy), t.tier):
        # The rule moves it, not the resident: the event is the system's, its reason "unhappy".
        return _escalate(t, actor=SYSTEM, reason=TierStint.End.UNHAPPY, note="", now=now)
    t.save()
    return t


@transaction.atomic
def ticket_close_unrated(*, ticket: Ticket, now=None) -> Ticket | None:
    """No feedback within the policy's time after resolution: close as resolved (tick)."""
    now = now or timezone.now()
    t = _locked(ticket)
    if t.status != Status.RESOLVED or t.feedback_due is None or t.feedback_due > now:
        return None  # someone got there first: nothing to do (tick is idempotent)
    t.closed_at = now
    _move(t, Status.CLOSED, kind=E.CLOSED, actor=SYSTEM, now=now, data={"unrated": True})
    _end_stint(t, TierStint.End.SETTLED, now)
    t.save()
    return t


@transaction.atomic
def ticket_overdue(*, ticket: Ticket, now=None) -> str | None:
    """A deadline has passed (tick): move the case up, or, at the top tier or where the policy
    keeps overdue cases in place, flag it once. Returns what was done, or None if the case had
    moved on in the meantime."""
    now = now or timezone.now()
    t = _locked(ticket)
    if t.status not in OPEN or t.due_at is None or t.due_at >= now or t.overdue_flagged:
        return None
    policy = policy_for(t.compound)
    if policy.overdue_escalates and next_tier(ladder_of(policy), t.tier):
        _escalate(t, actor=SYSTEM, reason=TierStint.End.OVERDUE, note="", now=now)
        return "escalated"
    t.overdue_flagged = True
    _event(t, kind=E.OVERDUE, actor=SYSTEM, now=now, public=False, data={"due_at": t.due_at.isoformat()})
    t.save(update_fields=["overdue_flagged"])
    return "flagged"

