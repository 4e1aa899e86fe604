"""Every write on motions: raise one (from a case, by the committee, as an owners' petition),
record each of the three steps (三议) with its gate, collect petition signatures (V13: ≥ 20% of
owners by heads, V7, forces an extraordinary assembly), open the owners' poll of the residents'
step (through ``voting.services.poll_create``), settle the motion from the published poll, and
withdraw.

One transaction each, the motion row locked first; every change writes a ``MotionEvent`` with
its actor in the same transaction. Refusals are ``ValidationError`` (code ``not_allowed`` for an
out-of-order step or a closed gate) or ``PermissionDenied``; either way nothing has changed.
"""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanfang.orgs.models import Ownership
from sanfang.places.models import Compound
from sanfang.voting import rules as voting_rules
from sanfang.voting import services as voting
from sanfang.voting.models import Matter, Poll, PollEvent

from .. import permissions as perms
from ..models import Motion, MotionEvent, MotionStep, PetitionSignature
from ..rules import (
    ENDED,
    STEPS,
    Kind,
    Stage,
    Status,
    can_move_motion,
    next_step,
    petition_heads_needed,
    petition_met,
    previous_step,
)
from .common import actor_or_none, clean_text, policy_for, refuse, three_parties

Origin = Motion.Origin
PARTY_LABELS = {"committee": gettext_lazy("the owners' committee"),
                "company": gettext_lazy("the property company serving the compound"),
                "residents": gettext_lazy("the residents' committee")}


def _event(mo: Motion, kind: str, actor, *, now=None, old: str = "", new: str = "", note: str = "",
           **data) -> MotionEvent:
    return MotionEvent.objects.create(motion=mo, compound_id=mo.compound_id, at=now or timezone.now(),
                                      actor=actor_or_none(actor), kind=kind, old_stage=old, new_stage=new, note=note,
                                      data=data)


def _locked(motion: Motion) -> Motion:
    return Motion.objects.select_for_update(of=("self",)).select_related("compound__community").get(pk=motion.pk)


def _move(mo: Motion, new: str, *, kind: str, actor, now, note: str = "", **data) -> MotionEvent:
    """Change the stage by ``rules.MOTION_TRANSITIONS``, or refuse with a clear message."""
    if not can_move_motion(mo.stage, new):
        refuse(_("This motion is at “%(stage)s”; it cannot move to “%(new)s”.")
               % {"stage": Stage(mo.stage).label, "new": Stage(new).label})
    old, mo.stage, mo.updated_at = mo.stage, new, now
    return _event(mo, kind, actor, now=now, old=old, new=new, note=note, **data)


def _require_open(mo: Motion) -> None:
    if mo.stage in ENDED:
        refuse(_("This motion is “%(stage)s”: nothing more can be recorded.") % {"stage": Stage(mo.stage).label})


# --- gates ---------------------------------------------------------------------------------------


def party_agreed(mo: Motion) -> bool:
    return mo.steps.filter(stage=Stage.PARTY, outcome=MotionStep.Outcome.AGREED, advisory=False).exists()


def missing_parties(compound: Compound, org_ids, day=None) -> list[str]:
    """Which of the three parties (those the compound has on ``day``) are not among ``org_ids``."""
    org_ids = set(org_ids)
    return [key for key, org in three_parties(compound, day).items() if org is not None and org.pk not in org_ids]


def tripartite_agreed(mo: Motion) -> bool:
    """The gate of the residents' step: a tripartite step agreed with the owners' committee, the
    company serving the compound and the residents' committee taking part (those the compound
    has: a compound without a company, say, is agreed by the other two)."""
    for step in mo.steps.filter(stage=Stage.TRIPARTITE, outcome=MotionStep.Outcome.AGREED, advisory=False):
        if not missing_parties(mo.compound, step.organizations.values_list("pk", flat=True),
                               timezone.localdate(step.at)):
            return True
    return False


def residents_gate_open(mo: Motion) -> bool:
    return mo.assembly_required or tripartite_agreed(mo)


# --- raise ---------------------------------------------------------------------------------------


@transaction.atomic
def motion_create(*, compound: Compound, title: str, description: str, origin: str, actor, ticket=None,
                  matter: str = "", now=None) -> Motion:
    """A motion at the party pre-discussion step. From a case (``ticket`` of the same compound,
    which the caller fetched through the case scope), from the committee, or as an owners'
    petition (raised by an owner of the compound, or by staff for them)."""
    now = now or timezone.now()
    if origin not in Origin.values:
        raise ValidationError({"origin": _("Say where the motion comes from.")})
    if origin == Origin.PETITION:
        if not perms.can_petition(actor, compound):
            raise PermissionDenied(_("Only an owner of this compound, its committee or community staff raise a "
                                     "petition."))
    elif not perms.can_raise_motion(actor, compound):
        raise PermissionDenied(_("Only the owners' committee or community staff raise a motion here."))
    if origin == Origin.TICKET:
        if ticket is None:
            raise ValidationError({"ticket": _("Name the case the motion comes from.")})
        if ticket.compound_id != compound.pk:
            raise ValidationError({"ticket": _("This case is in another compound.")})
    else:
        ticket = None
    if matter and matter not in Matter.values:
        raise ValidationError({"matter": _("Choose a matter of Civil Code art. 278, or none.")})
    title = clean_text("title", title, limit=120)
    description = clean_text("description", description, limit=4000)
    if Motion.objects.filter(compound=compound, title=title, origin=origin, ticket=ticket).exclude(
            stage__in=sorted(ENDED)).exists():  # the same form sent twice: a petition would split its signatures
        refuse(_("An open motion with this title is already under way in this compound."), code="duplicate")
    mo = Motion.objects.create(compound=compound, title=title, description=description, origin=origin, ticket=ticket,
                               matter=matter, created_by=actor, created_at=now, updated_at=now)
    _event(mo, "created", actor, now=now, new=Stage.PARTY, origin=origin,
           ticket=ticket.reference if ticket else None)
    return mo


# --- the three steps -----------------------------------------------------------------------------


def _check_meeting(mo: Motion, meeting) -> None:
    if meeting is None:
        return
    if not (meeting.compound_id == mo.compound_id
            or (meeting.compound_id is None and meeting.community_id == mo.compound.community_id)):
        raise ValidationError({"meeting": _("This meeting was not held for this compound or its community.")})
    if meeting.status not in (Status.HELD, Status.MINUTES_PUBLISHED):
        raise ValidationError({"meeting": _("Choose a meeting that has been held.")})


@transaction.atomic
def motion_step_record(*, motion: Motion, stage: str, agreed: str, outcome: str, actor, meeting=None,
                       organizations=(), people=(), sent_back: bool = False, now=None) -> MotionStep:
    """Record one step: who took part, what was agreed, and its outcome.

    Steps come in order: the tripartite step needs a party step agreed; the residents' step needs
    a tripartite step agreed by all three parties, and is taken at a residents' meeting only for a
    matter outside Civil Code art. 278 (such a matter goes to a poll, ``motion_open_poll``).
    Agreed moves the motion on (the residents' step decides it). Not agreed rejects it, or with
    ``sent_back`` returns it one step (at the party step: to be discussed again); at the
    residents' step, not agreed decides it as not passed. Once an owners' petition has forced an
    extraordinary assembly (V13), party and tripartite steps are still recorded, as advisory:
    they move nothing and cannot block it."""
    now = now or timezone.now()
    mo = _locked(motion)
    _require_open(mo)
    if stage not in STEPS:
        raise ValidationError({"stage": _("Choose the step.")})
    if outcome not in MotionStep.Outcome.values:
        raise ValidationError({"outcome": _("Say whether it was agreed.")})
    if not perms.can_record_step(actor, mo, stage):
        raise PermissionDenied(_("You may not record this step."))
    agreed = clean_text("agreed", agreed, limit=4000)
    sent_back = bool(sent_back) and outcome == MotionStep.Outcome.NOT_AGREED
    advisory = mo.assembly_required and stage in (Stage.PARTY, Stage.TRIPARTITE)
    if not advisory and stage != mo.stage:
        refuse(_("This motion is at “%(stage)s”: record that step first (三议: party, then tripartite, then "
                 "residents).") % {"stage": Stage(mo.stage).label})
    if stage == Stage.TRIPARTITE and not advisory and not party_agreed(mo):
        refuse(_("The tripartite step needs the party organisation's agreement first."))
    if stage == Stage.RESIDENTS:
        if not residents_gate_open(mo):
            refuse(_("The residents' step needs a tripartite agreement of the owners' committee, the company and the "
                     "residents' committee first."))
        if mo.matter or mo.assembly_required:
            refuse(_("This matter is decided by the owners' vote (Civil Code art. 278): open a poll."))
        if meeting is None:
            raise ValidationError({"meeting": _("Name the residents' meeting that resolved it.")})
    _check_meeting(mo, meeting)
    org_ids = [o.pk for o in organizations]
    if stage == Stage.TRIPARTITE and outcome == MotionStep.Outcome.AGREED:
        missing = missing_parties(mo.compound, org_ids)
        if missing:
            raise ValidationError({"organizations": _("A tripartite agreement needs %(who)s to take part.")
                                   % {"who": ", ".join(str(PARTY_LABELS[k]) for k in missing)}})
    step = MotionStep.objects.create(motion=mo, compound_id=mo.compound_id, stage=stage, meeting=meeting,
                                     agreed=agreed, outcome=outcome, sent_back=sent_back, advisory=advisory,
                                     actor=actor_or_none(actor), at=now)
    step.organizations.set(organizations)
    step.people.set(people)
    data = {"step": step.pk, "stage": stage, "outcome": outcome, "sent_back": sent_back, "advisory": advisory,
            "meeting": getattr(meeting, "pk", None), "organizations": org_ids}
    if advisory:
        _event(mo, "step_advisory", actor, now=now, note=agreed, **data)
    elif outcome == MotionStep.Outcome.AGREED:
        new = next_step(stage) or Stage.DECIDED
        if new == Stage.DECIDED:
            mo.passed, mo.decided_at = True, now
        _move(mo, new, kind="step", actor=actor, now=now, note=agreed, **data)
    elif sent_back and stage == Stage.PARTY:
        _event(mo, "step", actor, now=now, old=stage, new=stage, note=agreed, **data)  # discussed again later
    elif sent_back:
        _move(mo, previous_step(stage), kind="step", actor=actor, now=now, note=agreed, **data)
    elif stage == Stage.RESIDENTS:
        mo.passed, mo.decided_at = False, now
        _move(mo, Stage.DECIDED, kind="step", actor=actor, now=now, note=agreed, **data)
    else:
        _move(mo, Stage.REJECTED, kind="step", actor=actor, now=now, note=agreed, **data)
    mo.updated_at = now
    mo.save(update_fields=["stage", "passed", "decided_at", "updated_at"])
    return step


@transaction.atomic
def motion_withdraw(*, motion: Motion, reason: str, actor, now=None) -> Motion:
    """Withdraw an open motion. Not once a petition has forced the assembly (V13), nor once its
    poll exists (the owners decide it then)."""
    now = now or timezone.now()
    mo = _locked(motion)
    _require_open(mo)
    if mo.assembly_required:
        # xgettext:no-python-format
        refuse(_("At least 20% of the owners asked for this assembly: it must be called (RULES V13)."))
    if mo.poll_id:
        refuse(_("The owners' poll on this motion exists: the owners decide it now."))
    if not perms.can_withdraw(actor, mo):
        raise PermissionDenied(_("You may not withdraw this motion."))
    reason = clean_text("reason", reason, limit=200)
    _move(mo, Stage.WITHDRAWN, kind="withdrawn", actor=actor, now=now, note=reason)
    mo.save(update_fields=["stage", "updated_at"])
    return mo


# --- petitions (V13) -----------------------------------------------------------------------------


def petition_count(motion: Motion) -> dict:
    """Heads (V7) among the compound's owners that signed, against all heads: counted with the
    voting app's own roll (``voting.services.roll_units``, V6–V8, the whole compound, parking
    spaces not counted) and ``voting.rules.heads_from_units``. A signature counts while its
    signer still owns that unit."""
    units = voting.roll_units(Poll(compound=motion.compound, building="", parking_counts=False))
    heads = voting_rules.heads_from_units(units)
    head_of = {code: i for i, h in enumerate(heads) for code in h.units}
    by_id = {u["id"]: u for u in units}
    signed = set()
    for unit_id, person_id in motion.signatures.values_list("unit_id", "person_id"):
        u = by_id.get(unit_id)
        if u is not None and person_id in u["owners"] and u["unit"] in head_of:
            signed.add(head_of[u["unit"]])
    total = len(heads)
    return {"signed": len(signed), "total": total, "needed": petition_heads_needed(total),
            "met": petition_met(len(signed), total),
            "percent": (100 * len(signed) // total) if total else 0}


@transaction.atomic
def petition_sign(*, motion: Motion, person, unit, actor, now=None) -> PetitionSignature:
    """An owner signs the petition for a unit they own (themself, or through a collector). Once
    the signing heads reach 20% of all heads (V13, V7) the motion requires an extraordinary
    assembly by the policy's date and moves to the residents' step: the party and tripartite
    steps can no longer hold it back."""
    now = now or timezone.now()
    mo = _locked(motion)
    if mo.origin != Origin.PETITION:
        refuse(_("Only a petition collects signatures."))
    _require_open(mo)
    if not (perms.can_collect_signatures(actor, mo) or getattr(actor, "person_id", None) == person.pk):
        raise PermissionDenied(_("An owner signs for themself; the committee or community staff collect for them."))
    if unit is None or unit.compound_id != mo.compound_id or not Ownership.objects.filter(
            unit=unit, person=person, compound=mo.compound).exists():
        raise ValidationError({"unit": _("%(name)s does not own this unit in this compound.") % {"name": person.name}})
    try:
        with transaction.atomic():
            sig = PetitionSignature.objects.create(motion=mo, compound_id=mo.compound_id, person=person, unit=unit,
                                                   recorded_by=actor, at=now)
    except IntegrityError:
        refuse(_("%(name)s has already signed for this unit.") % {"name": person.name}, code="duplicate")
    count = petition_count(mo)
    _event(mo, "signed", actor, now=now, person=person.pk, unit=unit.pk, signed=count["signed"], total=count["total"])
    if count["met"] and not mo.assembly_required:
        mo.assembly_required = True
        mo.assembly_due = now + timedelta(days=policy_for(mo.compound.community).petition_assembly_days)
        data = {"signed": count["signed"], "total": count["total"], "due": mo.assembly_due.isoformat()}
        if mo.stage != Stage.RESIDENTS:
            _move(mo, Stage.RESIDENTS, kind="assembly_required", actor=actor, now=now, **data)
        else:
            _event(mo, "assembly_required", actor, now=now, **data)
        mo.save(update_fields=["assembly_required", "assembly_due", "stage", "updated_at"])
    return sig


# --- the owners' poll -----------------------------------------------------------------------------


def poll_notice_days(mo: Motion) -> int:
    """Days between announcing the motion's poll and voting: the owners' assembly notice of the
    region's policy (V13: 15), the extraordinary one (HZ: 7) when owners' petition forced it."""
    return policy_for(mo.compound.community).notice_days(Kind.ASSEMBLY, extraordinary=mo.assembly_required)


@transaction.atomic
def motion_open_poll(*, motion: Motion, title: str, items, opens_at, closes_at, building: str = "", actor) -> Poll:
    """The residents' step as an owners' decision: a draft poll with these items (text, matter)
    created through ``voting.services.poll_create`` (which checks who organises and the voting
    window) and kept on the motion. The motion is decided when the poll's result is published
    (``motion_settle_from_poll``)."""
    mo = _locked(motion)
    _require_open(mo)
    if mo.stage != Stage.RESIDENTS:
        refuse(_("This motion is at “%(stage)s”: the owners vote at the residents' step.")
               % {"stage": Stage(mo.stage).label})
    if not residents_gate_open(mo):
        refuse(_("The residents' step needs a tripartite agreement of the owners' committee, the company and the "
                 "residents' committee first."))
    if mo.poll_id:
        refuse(_("This motion already has its poll."), code="duplicate")
    if not perms.can_open_poll(actor, mo):
        raise PermissionDenied(_("Only the owners' committee or the community organises this compound's votes."))
    poll = voting.poll_create(compound=mo.compound, title=title, items=list(items), opens_at=opens_at,
                              closes_at=closes_at, building=building, actor=actor, notice=poll_notice_days(mo))
    now = timezone.now()
    mo.poll, mo.updated_at = poll, now
    mo.save(update_fields=["poll", "updated_at"])
    _event(mo, "poll_opened", actor, now=now, note=poll.title, poll=poll.pk, items=poll.items.count())
    return poll


@transaction.atomic
def motion_settle_from_poll(*, poll: Poll) -> Motion | None:
    """Called when a poll's result is published: the motion holding that poll is decided, passed
    when every item passed. The residents' step is recorded with the publisher as its actor.
    Nothing happens for a poll no motion holds; settling twice changes nothing."""
    mo = Motion.objects.select_for_update(of=("self",)).select_related("compound__community").filter(poll_id=poll.pk).first()
    if mo is None:
        return None
    poll = Poll.objects.get(pk=poll.pk)
    if poll.status != Poll.Status.PUBLISHED:
        refuse(_("The poll's result is not published yet."))
    if mo.stage == Stage.DECIDED:
        return mo
    items = (poll.result or {}).get("items", [])
    passed = bool(items) and all(i.get("result", {}).get("passed") is True for i in items)
    published = PollEvent.objects.filter(poll=poll, kind="published").order_by("-at", "-id").first()
    actor = published.actor if published else None
    now = timezone.now()
    step = MotionStep.objects.create(motion=mo, compound_id=mo.compound_id, stage=Stage.RESIDENTS, poll=poll,
                                     agreed=poll.title, actor=actor, at=now,
                                     outcome=MotionStep.Outcome.AGREED if passed else MotionStep.Outcome.NOT_AGREED)
    mo.passed, mo.decided_at = passed, now
    _move(mo, Stage.DECIDED, kind="decided", actor=actor, now=now, poll=poll.pk, passed=passed, step=step.pk,
          items=[{"order": i.get("order"), "passed": i.get("result", {}).get("passed")} for i in items])
    mo.save(update_fields=["stage", "passed", "decided_at", "updated_at"])
    return mo
