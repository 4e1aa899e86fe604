"""A case's page, its actions, the staff inbox and the resident's own list. Each action: fetch
with a selector (404 outside scope), validate a form, call the one service, redirect."""

from html import escape

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanfang.accounts.scope import seats_of
from sanfang.core import workdays

from .. import forms as f
from .. import permissions as perms
from .. import selectors
from .. import services as svc
from ..models import Attachment, Mediation, Summons, Ticket
from ..rules import DEFAULT_LADDER, Tier
from .intake import OFFERED, verified_phone

PER_PAGE = 20


def my_cases(request):
    """A resident's cases (their account's, or their verified phone's); staff go to the inbox."""
    phone = verified_phone(request)
    if not request.user.is_authenticated and not phone:
        return redirect("tickets:verify")
    if request.user.is_authenticated and perms.is_staff_for(request.user, None):
        return redirect("tickets:inbox")
    page = Paginator(selectors.my_tickets(request.user, phone), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "tickets/mine.html", {"page": page})


@login_required
def inbox(request):
    """The seat's work, soonest deadline first, overdue first; departments also see summonses."""
    overdue = request.GET.get("overdue") == "1"
    number = selectors.Window.page_number(request.GET.get("page"))
    rows, has_next = selectors.inbox_page(request.user, overdue_only=overdue, category=request.GET.get("category", ""),
                                          compound=request.GET.get("compound", ""),
                                          offset=(number - 1) * PER_PAGE, limit=PER_PAGE)
    page = selectors.Window.of_rows(number, rows, has_next)
    summonses = list(selectors.summonses_for(request.user)[:50]) if any(
        s.role == "department_officer" for s in seats_of(request.user)) else []
    return render(request, "tickets/inbox.html", {"page": page, "overdue": overdue, "summonses": summonses,
                                                  "rows": _inbox_rows(rows),
                                                  "can_enter": perms.can_enter_for_resident(request.user)})


def _inbox_rows(rows) -> str:
    """The inbox's rows as tickets/_list.html lays out a case, written here rather than by the
    template engine, whose lookups, filters and escaping per row were a quarter of the page's
    CPU (bench inbox). Every value from the database or a catalogue goes through html.escape
    (quotes included); the rest is constant markup. Every case of an inbox is open."""
    overdue = f' <span class="badge bg-red text-red-fg" data-testid="overdue">{escape(_("overdue"))}</span>'
    out = []
    for t in rows:
        late = t.overdue
        me_too = f" · +{int(t.me_too)}" if t.me_too else ""
        due = f"{escape(t.due_label)}{overdue if late else ''}" if t.due_at else "—"
        out.append(
            f"<tr{_LATE_ROW if late else ''} data-testid=\"case-row\">"
            f'<td><a href="{escape(t.url)}">{escape(t.title)}</a><div class="text-secondary small">'
            f"{escape(t.reference)} · {escape(t.category.name)}{me_too}</div></td>"
            f'<td class="d-none d-md-table-cell">{escape(t.compound.name)}</td>'
            f'<td><span class="badge {"bg-red-lt" if late else "bg-blue-lt"}" data-testid="status">'
            f'{escape(t.get_status_display)}</span><div class="text-secondary small">{escape(t.get_tier_display)}</div>'
            f'</td><td class="text-nowrap">{due}</td></tr>')
    return mark_safe("".join(out))  # noqa: S308 (constant markup, every value escaped above)


_LATE_ROW = ' class="table-danger"'


def _ticket(request, reference) -> Ticket:
    if not request.user.is_authenticated and not verified_phone(request):
        raise Http404
    return selectors.ticket_get_for(user=request.user, reference=reference, phone=verified_phone(request))


def _ladder(t: Ticket):
    ladder = svc.policy_for(t.compound).ladder.split(",")
    here = ladder.index(t.tier) if t.tier in ladder else 0
    return [{"tier": Tier(x).label, "state": "done" if i < here else "here" if i == here else "todo"}
            for i, x in enumerate(x for x in ladder if x in DEFAULT_LADDER)]


def detail(request, reference):
    t = _ticket(request, reference)
    user, phone = request.user, verified_phone(request)
    staff = user.is_authenticated and perms.is_staff_for(user, t)
    can = {
        "accept": perms.can_accept(user, t), "work": perms.can_work(user, t),
        "escalate": perms.can_escalate(user, t), "summon": perms.can_summon(user, t),
        "feedback": perms.can_give_feedback(user, t, phone), "record_call": perms.can_record_call(user, t),
        "comment": perms.can_comment(user, t, phone),
    }
    mediation = t.mediations.filter(outcome=Mediation.Outcome.OPEN).first()
    summonses = list(t.summonses.select_related("department")) if staff else []
    context = {
        "t": t, "staff": staff, "can": can, "ladder": _ladder(t),
        "events": selectors.timeline(t, staff=staff),
        "summonses": summonses,
        "answerable": {s.pk for s in summonses if perms.can_answer_summons(user, s)},
        "calendar_warning": workdays.warning(t.created_at.date(), t.resolve_due.date()) if staff and t.resolve_due
        else None,
        "mediation": mediation, "mediations": t.mediations.prefetch_related("sessions") if staff else [],
        "attachments": t.attachments.all(),
        "forms": {
            name: form_class(auto_id=f"{name}_%s") for name, form_class in (
                ("note", f.NoteForm), ("resolve", f.ResolveForm), ("reject", f.RejectForm),
                ("comment", f.CommentForm), ("feedback", f.FeedbackForm), ("merge", f.MergeForm),
                ("mediation", f.MediationForm), ("session", f.SessionForm), ("end", f.EndMediationForm))
        } | {"summon": f.SummonForm(departments=svc.departments_for(t), auto_id="summon_%s") if can["summon"]
             else None},
        "duplicates": selectors.likely_duplicates(compound=t.compound, category=t.category, exclude=t)
        if can["work"] and t.status == "submitted" else [],
    }
    return render(request, "tickets/detail.html", context)


def _run(request, t, form, call):
    """Validate ``form``, run the service, and turn a refusal into a message on the case page."""
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return
    try:
        call(form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You may not do this on this case."))
    except Http404:  # a case named in the form (merge) that is not there for this user
        messages.error(request, _("No such case among those you can see."))
    else:
        messages.success(request, _("Done."))


ACTIONS = {
    # action: (form class, call(request, ticket, data))
    "accept": (f.NoteForm, lambda r, t, d: svc.ticket_accept(ticket=t, actor=r.user, note=d["note"])),
    "start": (f.NoteForm, lambda r, t, d: svc.ticket_start(ticket=t, actor=r.user, note=d["note"])),
    "resolve": (f.ResolveForm, lambda r, t, d: svc.ticket_resolve(ticket=t, actor=r.user, note=d["note"],
                                                                  files=d["photos"])),
    "reject": (f.RejectForm, lambda r, t, d: svc.ticket_reject(ticket=t, actor=r.user, reason=d["reason"],
                                                               redirect_to=d["redirect_to"])),
    "escalate": (f.NoteForm, lambda r, t, d: svc.ticket_escalate(ticket=t, actor=r.user, note=d["note"])),
    "comment": (f.CommentForm, lambda r, t, d: svc.ticket_comment(ticket=t, actor=r.user, note=d["note"],
                                                                  public=not d["internal"],
                                                                  phone=verified_phone(r))),
    "feedback": (f.FeedbackForm, lambda r, t, d: svc.ticket_feedback(
        ticket=t, actor=r.user, rating=d["rating"], fixed=d["fixed"], comment=d["comment"], phone=verified_phone(r),
        by_staff_call=r.POST.get("by_staff_call") == "1")),
    "merge": (f.MergeForm, lambda r, t, d: svc.ticket_merge(
        ticket=t, actor=r.user, into=selectors.ticket_get_for(user=r.user, reference=d["into"].strip().upper()))),
    "me-too": (None, lambda r, t, d: svc.me_too_add(ticket=t, actor=r.user, phone=verified_phone(r))),
    "summon": (None, lambda r, t, d: svc.summons_issue(ticket=t, actor=r.user, departments=d["departments"],
                                                       request=d["request_text"])),
    "mediate": (f.MediationForm, lambda r, t, d: svc.mediation_open(ticket=t, actor=r.user, kind=d["kind"],
                                                                    parties=d["parties"])),
}


@require_POST
def action(request, reference, action):
    if action == "me-too":
        # "Me too" is offered on open cases of one's compound, which a resident cannot open:
        # only a case actually offered to this visitor (intake.duplicates keeps the list).
        t = Ticket.objects.filter(reference=reference).first()
        if t is None or reference not in request.session.get(OFFERED, []):
            raise Http404
    else:
        t = _ticket(request, reference)
    if action not in ACTIONS:
        raise Http404
    form_class, call = ACTIONS[action]
    if action == "summon":
        form = f.SummonForm(request.POST, departments=svc.departments_for(t))
    elif form_class is None:
        form = f.forms.Form(request.POST)
    else:
        form = form_class(request.POST, request.FILES)
    _run(request, t, form, lambda data: call(request, t, data))
    return redirect("tickets:detail", reference=t.reference)


@require_POST
@login_required
def summons_action(request, pk, action):
    """A summoned department reports in, then reports back."""
    s = Summons.objects.select_related("ticket").filter(pk=pk).first()
    if s is None or not perms.can_answer_summons(request.user, s) or action not in ("report-in", "done"):
        raise Http404
    form = f.NoteForm(request.POST)
    if action == "report-in":
        _run(request, s.ticket, form, lambda d: svc.summons_report_in(summons=s, actor=request.user, note=d["note"]))
    else:
        _run(request, s.ticket, form, lambda d: svc.summons_done(summons=s, actor=request.user, note=d["note"]))
    return redirect("tickets:detail", reference=s.ticket.reference)


@require_POST
@login_required
def mediation_action(request, pk, action):
    m = Mediation.objects.filter(pk=pk, ticket__in=selectors.visible_tickets(request.user)).first()
    if m is None or action not in ("session", "end"):
        raise Http404
    if action == "session":
        _run(request, m.ticket, f.SessionForm(request.POST), lambda d: svc.mediation_session_add(
            mediation=m, actor=request.user, held_at=d["held_at"], place=d["place"], attendees=d["attendees"],
            notes=d["notes"]))
    else:
        _run(request, m.ticket, f.EndMediationForm(request.POST), lambda d: svc.mediation_end(
            mediation=m, actor=request.user, outcome=d["outcome"], agreement=d["agreement"]))
    return redirect("tickets:detail", reference=m.ticket.reference)


def attachment(request, pk):
    """A case's photo or file, only to those who may see the case."""
    phone = verified_phone(request)
    a = Attachment.objects.filter(pk=pk, ticket__in=selectors.visible_tickets(request.user, phone)).first()
    if a is None:
        raise Http404
    return FileResponse(a.file.open("rb"), content_type=a.content_type, filename=f"{a.pk}{a.extension}")
