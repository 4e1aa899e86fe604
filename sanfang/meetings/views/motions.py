"""Motion pages: the list, a new motion (from a case, by the committee, as a petition), and the
motion page with the three steps as a ladder, the next step's form, the petition's signatures,
the owners' poll of the residents' step, and the timeline."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanfang.voting.models import Poll

from .. import forms as f
from .. import permissions as perms
from .. import selectors
from .. import services as svc
from ..models import Motion, MotionStep
from ..rules import STEPS, Stage
from . import form_errors, run

PER_PAGE = 20


@login_required
def motion_list(request):
    compound, open_only = request.GET.get("compound", ""), request.GET.get("open") == "1"
    page = Paginator(selectors.motion_list(request.user, compound=compound, open_only=open_only),
                     PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "meetings/motions/list.html", {
        "page": page, "compound": compound, "open_only": open_only,
        "can_raise": perms.can_raise_any_motion(request.user),
        "can_petition": selectors.motion_compounds(request.user, petition=True).exists()})


def _ticket(request, reference):
    from sanfang.tickets.selectors import ticket_get_for

    return ticket_get_for(user=request.user, reference=reference.strip().upper())  # 404 outside the case scope


@login_required
def motion_new(request):
    """``?ticket=<reference>``: from a case; ``?origin=petition``: an owners' petition; else the
    committee's (or community's) own motion."""
    reference = request.GET.get("ticket", "")
    ticket = _ticket(request, reference) if reference else None
    origin = (Motion.Origin.TICKET if ticket else Motion.Origin.PETITION if request.GET.get("origin") == "petition"
              else Motion.Origin.COMMITTEE)
    compounds = selectors.motion_compounds(request.user, petition=origin == Motion.Origin.PETITION)
    if ticket is not None:
        compounds = compounds.filter(pk=ticket.compound_id)
    if not compounds.exists():
        raise Http404
    initial = {"title": ticket.title[:120], "description": ticket.description,
               "compound": ticket.compound.code} if ticket else {}
    if not ticket and compounds.count() == 1:
        initial["compound"] = compounds.first().code
    form = f.MotionForm(request.POST or None, compounds=compounds, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            mo = svc.motion_create(compound=d["compound"], title=d["title"], description=d["description"],
                                   origin=origin, ticket=ticket, matter=d["matter"], actor=request.user)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Motion raised: it starts at the party pre-discussion."))
            return redirect("meetings:motion_detail", pk=mo.pk)
    return render(request, "meetings/motions/new.html", {"form": form, "origin": origin, "ticket": ticket})


def _ladder(mo: Motion):
    """The three rungs with their records: done, here (open motion), todo, skipped (an owners'
    petition forced the assembly past it, V13) or stopped (the motion ended there)."""
    steps = list(selectors.motion_steps(mo))
    here = STEPS.index(mo.stage) if mo.stage in STEPS else None
    out = []
    for i, stage in enumerate(STEPS):
        records = [s for s in steps if s.stage == stage]
        decisive = [r for r in records if not r.advisory]
        agreed = any(r.outcome == MotionStep.Outcome.AGREED for r in decisive)
        if here is not None:
            state = ("done" if agreed else "skipped") if i < here else "here" if i == here else "todo"
        elif decisive:
            state = "done" if decisive[-1].outcome == MotionStep.Outcome.AGREED else "stopped"
        else:
            state = "todo"
        out.append({"stage": stage, "label": Stage(stage).label, "state": state, "records": records})
    return out


def _step_stages(user, mo: Motion) -> list[str]:
    """The steps the user may record now: the current one, and once an owners' petition has
    forced the assembly, the earlier ones as advisory records (V13)."""
    if not mo.is_open:
        return []
    stages = [Stage.PARTY, Stage.TRIPARTITE] if mo.assembly_required else [mo.stage]
    if mo.stage == Stage.RESIDENTS and (mo.matter or mo.assembly_required):
        stages = [s for s in stages if s != Stage.RESIDENTS]  # an art. 278 matter goes to a poll
    return [s for s in stages if perms.can_record_step(user, mo, s)]


def poll_url(poll_id: int) -> str:
    return reverse("voting:detail", args=[poll_id])


def _step_form(user, mo, data=None):
    return f.StepForm(data, meetings=selectors.meetings_for_motion(user, mo),
                      organizations=selectors.organizations_for(user, compound=mo.compound),
                      people=selectors.people_around(user, compound=mo.compound), auto_id="step_%s")


def _ownerships(user, mo):
    return selectors.owners_for(user, mo.compound) if perms.can_collect_signatures(user, mo) else \
        selectors.my_units(user, mo.compound)


@login_required
def motion_detail(request, pk):
    mo = selectors.motion_get_for(user=request.user, pk=pk)
    user = request.user
    staff = perms.is_staff_for(user)
    stages = _step_stages(user, mo)
    can_sign = perms.can_sign_petition(user, mo)
    show_signers = perms.can_see_signers(user, mo)
    can_poll = (mo.is_open and mo.stage == Stage.RESIDENTS and mo.poll_id is None and svc.residents_gate_open(mo)
                and perms.can_open_poll(user, mo))
    return render(request, "meetings/motions/detail.html", {
        "mo": mo, "staff": staff, "ladder": _ladder(mo), "stages": [(s, Stage(s).label) for s in stages],
        "step_form": _step_form(user, mo) if stages else None,
        "parties": svc.three_parties(mo.compound),
        "petition": svc.petition_count(mo) if mo.origin == Motion.Origin.PETITION else None,
        "signatures": mo.signatures.select_related("person", "unit__building") if show_signers else [],
        "show_signers": show_signers,
        # Events whose actor may be an owner who signed (or raised the petition): unnamed to others.
        "signer_kinds": ("signed", "assembly_required") + (("created",) if mo.origin == Motion.Origin.PETITION else ()),
        "sign_form": f.SignatureForm(ownerships=_ownerships(user, mo), auto_id="sign_%s") if can_sign else None,
        "poll_form": f.PollForm(auto_id="poll_%s", initial={"title": mo.title[:120], "item_1": mo.title[:300],
                                                            "matter_1": mo.matter}) if can_poll else None,
        "poll_notice": svc.poll_notice_days(mo) if can_poll else None,
        "poll_url": poll_url(mo.poll_id) if mo.poll_id else "",
        # A draft poll is its organisers' (RULES V13: nothing is public before it is announced).
        "show_poll": bool(mo.poll_id) and (mo.poll.status != Poll.Status.DRAFT or perms.can_open_poll(user, mo)),
        "withdraw_form": f.ReasonForm(auto_id="withdraw_%s") if perms.can_withdraw(user, mo) else None,
        "events": selectors.motion_timeline(mo) if staff else [],
        "hide_party_text": not staff,
    })


def _ending(mo: Motion, stage: str, d: dict) -> str:
    """How the step would end the motion, for good: "rejected", "passed" or "not_passed"; ""
    when it moves it on, sends it back, or is advisory (after a petition, V13)."""
    if stage != mo.stage or (mo.assembly_required and stage in (Stage.PARTY, Stage.TRIPARTITE)):
        return ""
    if d["outcome"] == MotionStep.Outcome.AGREED:
        return "passed" if stage == Stage.RESIDENTS else ""
    if d["sent_back"]:
        return ""
    return "not_passed" if stage == Stage.RESIDENTS else "rejected"


def _confirm(request, mo: Motion, what: str, **extra):
    """Irreversible (a step that ends the motion, a signature): show it and ask once more, the
    same POST carried in hidden fields with ``confirm=yes``."""
    fields = [(k, v) for k in request.POST for v in request.POST.getlist(k)
              if k not in ("csrfmiddlewaretoken", "confirm")]
    return render(request, "meetings/motions/confirm.html", {"mo": mo, "what": what, "fields": fields,
                                                             "action": what, **extra})


@require_POST
@login_required
def motion_action(request, pk, action):
    mo = selectors.motion_get_for(user=request.user, pk=pk)
    user = request.user
    if action == "step":
        form = _step_form(user, mo, request.POST)
        stage = request.POST.get("stage", "")
        if (request.POST.get("confirm") != "yes" and stage in _step_stages(user, mo) and form.is_valid()
                and (ending := _ending(mo, stage, form.cleaned_data))):
            return _confirm(request, mo, "step", ending=ending, stage=Stage(stage).label)
        run(request, form, lambda d: svc.motion_step_record(
            motion=mo, stage=stage, agreed=d["agreed"], outcome=d["outcome"], sent_back=d["sent_back"],
            meeting=d["meeting"], organizations=d["organizations"], people=d["people"], actor=user))
    elif action == "sign":
        form = f.SignatureForm(request.POST, ownerships=_ownerships(user, mo))
        if request.POST.get("confirm") != "yes" and perms.can_sign_petition(user, mo) and form.is_valid():
            return _confirm(request, mo, "sign", ownership=form.cleaned_data["ownership"])
        run(request, form, lambda d: svc.petition_sign(
            motion=mo, person=d["ownership"].person, unit=d["ownership"].unit, actor=user))
    elif action == "withdraw":
        run(request, f.ReasonForm(request.POST), lambda d: svc.motion_withdraw(motion=mo, reason=d["reason"],
                                                                                actor=user))
    elif action == "poll":
        made = {}
        form = f.PollForm(request.POST)
        ok = run(request, form, lambda d: made.setdefault("poll", svc.motion_open_poll(
            motion=mo, title=d["title"], items=form.items(), opens_at=d["opens_at"], closes_at=d["closes_at"],
            building=d["building"], actor=user)))
        if ok:
            return redirect(poll_url(made["poll"].pk))
    else:
        raise Http404
    return redirect("meetings:motion_detail", pk=mo.pk)

