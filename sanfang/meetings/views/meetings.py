"""Meeting pages: the list, a new meeting (where, then what), the meeting page with every action,
the sign-in sheet (htmx, with the live C6 quorum), the owners' minutes page and files."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import forms as f
from .. import permissions as perms
from .. import selectors
from .. import services as svc
from ..models import AgendaItem, Attendance, Decision, Invitation
from ..rules import Kind, Status
from . import form_errors, row_id, run

PER_PAGE = 20
CONFIRMED = ("announce", "hold", "publish")  # POSTed once more with confirm=yes


@login_required
def meeting_list(request):
    upcoming = request.GET.get("upcoming") == "1"
    compound, kind = request.GET.get("compound", ""), request.GET.get("kind", "")
    qs = selectors.meeting_list(request.user, compound=compound, kind=kind, upcoming=upcoming)
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "meetings/list.html", {
        "page": page, "upcoming": upcoming, "compound": compound, "kind": kind, "kinds": Kind.choices,
        "compounds": selectors.convenable_compounds(request.user)[:200],
        "can_convene": perms.can_convene_any(request.user),
        "can_raise": perms.can_raise_any_motion(request.user),
        "requests": selectors.requests_for(request.user),
        "request_form": f.RequestForm(auto_id="request_%s") if selectors.member_compounds(request.user) else None,
        "member_compounds": selectors.member_compounds(request.user),
    })


def _place(request):
    """The compound or community named in the query string, inside the user's scope."""
    code = request.GET.get("compound", "")
    if code:
        compound = selectors.convenable_compounds(request.user).filter(code=code).first()
        if compound is None:
            raise Http404
        return compound, compound.community
    code = request.GET.get("community", "")
    if code:
        community = selectors.convenable_communities(request.user).filter(code=code).first()
        if community is None:
            raise Http404
        return None, community
    return None, None


@login_required
def meeting_new(request):
    """Step one picks the compound (or community); step two the kind, time, convener, agenda."""
    if not perms.can_convene_any(request.user):
        raise Http404
    compound, community = _place(request)
    if community is None:
        form = f.PlaceForm(request.GET or None, compounds=selectors.convenable_compounds(request.user),
                           communities=selectors.convenable_communities(request.user))
        if request.GET and form.is_valid():
            c = form.cleaned_data
            return redirect(f"{request.path}?compound={c['compound'].code}" if c["compound"]
                            else f"{request.path}?community={c['community'].code}")
        return render(request, "meetings/new.html", {"place_form": form})
    kinds = [k for k in Kind.values if (compound is not None or k not in (Kind.COMMITTEE, Kind.ASSEMBLY))
             and perms.can_convene(request.user, kind=k, compound=compound, community=community)]
    if not kinds:
        raise Http404
    conveners = selectors.organizations_for(request.user, compound=compound, community=community)
    form = f.MeetingForm(request.POST or None, kinds=kinds, conveners=conveners)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            m = svc.meeting_create(kind=d["kind"], title=d["title"], place=d["place"], scheduled_at=d["scheduled_at"],
                                   convener=d["convener"], compound=compound, community=community,
                                   extraordinary=d["extraordinary"], agenda=form.agenda_items(), actor=request.user,
                                   request=_request_of(request, compound))
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Meeting saved as a draft: check the agenda and invitations, then announce it."))
            return redirect("meetings:detail", pk=m.pk)
    return render(request, "meetings/new.html", {"form": form, "compound": compound, "community": community,
                                                 "request_id": request.GET.get("request", "")})


def _request_of(request, compound):
    pk = row_id(request.GET.get("request") or request.POST.get("request"))
    if pk is None or compound is None:
        return None
    return selectors.requests_for(request.user).filter(pk=pk, compound=compound).first()


def _detail_context(request, m) -> dict:
    user = request.user
    manage = perms.can_manage(user, m)
    staff = perms.is_staff_for(user)
    people = selectors.people_for(user, m) if manage else None
    orgs = selectors.organizations_for(user, compound=m.compound, community=m.community) if manage else None
    quorum = svc.committee_quorum(m) if m.kind == Kind.COMMITTEE and staff else None
    own_person = getattr(user, "person_id", None)
    may_self_sign = (own_person and m.status in (Status.ANNOUNCED, Status.HELD)
                     and svc.meeting_people(m).filter(pk=own_person).exists()
                     and not m.attendance.filter(person_id=own_person).exists())
    return {
        "m": m, "manage": manage, "staff": staff, "quorum": quorum, "may_self_sign": may_self_sign,
        "agenda": m.agenda.all(),
        "invitations": m.invitations.select_related("organization", "person"),
        "attendance": m.attendance.select_related("person", "organization", "on_behalf_of") if staff else [],
        "minutes": getattr(m, "minutes", None) if perms.can_see_minutes(user, m) else None,
        "decisions": m.decisions.select_related("agenda_item") if perms.can_see_minutes(user, m) else [],
        "attachments": selectors.meeting_attachments(user, m),
        "internal_files": perms.can_see_internal_files(user, m),  # their names on the timeline too
        "events": selectors.meeting_timeline(m) if staff else [],
        "steps": m.motion_steps.select_related("motion") if staff else [],
        "forms": {
            "agenda": f.AgendaForm(auto_id="agenda_%s"),
            "invite": f.InviteForm(organizations=orgs, people=people, auto_id="invite_%s") if manage else None,
            "signin": f.SignInForm(people=people, organizations=orgs, proxies=m.kind != Kind.COMMITTEE,
                                   auto_id="signin_%s") if manage else None,
            "minutes": f.MinutesForm(initial={"text": getattr(getattr(m, "minutes", None), "text", "")},
                                     auto_id="minutes_%s"),
            "decision": f.DecisionForm(agenda=m.agenda.all(), auto_id="decision_%s"),
            "attach": f.AttachForm(auto_id="attach_%s"),
            "cancel": f.ReasonForm(auto_id="cancel_%s"),
        },
    }


@login_required
def meeting_detail(request, pk):
    m = selectors.meeting_get_for(user=request.user, pk=pk)
    return render(request, "meetings/detail.html", _detail_context(request, m))


@login_required
def sign_in_sheet(request, pk):
    """htmx: the sign-in sheet with the live quorum, refreshed while members sign in."""
    m = selectors.meeting_get_for(user=request.user, pk=pk)
    if not perms.is_staff_for(request.user):
        raise Http404
    return render(request, "meetings/_signin.html", _detail_context(request, m) | {"partial": True})


def _pick(model, request, field, m, **lookup):
    """A row of this meeting named by a POST field, or None."""
    pk = row_id(request.POST.get(field))
    return model.objects.filter(pk=pk, meeting=m, **lookup).first() if pk is not None else None


def _actions(request, m):
    """Each action: (form or None, call(cleaned data))."""
    u = request.user
    manage_orgs = selectors.organizations_for(u, compound=m.compound, community=m.community)
    people = selectors.people_for(u, m)
    return {
        "announce": (None, lambda d: svc.meeting_announce(meeting=m, actor=u)),
        "cancel": (f.ReasonForm(request.POST), lambda d: svc.meeting_cancel(meeting=m, reason=d["reason"], actor=u)),
        "hold": (None, lambda d: svc.meeting_hold(meeting=m, actor=u)),
        "agenda-add": (f.AgendaForm(request.POST), lambda d: svc.agenda_item_add(meeting=m, text=d["text"], actor=u)),
        "agenda-remove": (None, lambda d: svc.agenda_item_remove(item=_must(_pick(AgendaItem, request, "item", m)),
                                                                 actor=u)),
        "invite": (f.InviteForm(request.POST, organizations=manage_orgs,
                                people=selectors.invitable_people(u, m)),
                   lambda d: svc.invitation_add(meeting=m, organization=d["organization"], person=d["person"],
                                                actor=u)),
        "uninvite": (None, lambda d: svc.invitation_remove(
            invitation=_must(_pick(Invitation, request, "invitation", m)), actor=u)),
        "sign-in": (f.SignInForm(request.POST, people=people, organizations=manage_orgs,
                                 proxies=m.kind != Kind.COMMITTEE),
                    lambda d: svc.attendance_sign_in(meeting=m, person=d["person"], name=d["name"],
                                                     organization=d["organization"],
                                                     on_behalf_of=d.get("on_behalf_of"), actor=u)),
        "sign-in-me": (None, lambda d: svc.attendance_sign_in(meeting=m, person=u.person, actor=u)),
        "strike": (None, lambda d: svc.attendance_remove(attendance=_must(_pick(Attendance, request, "attendance", m)),
                                                         actor=u)),
        "write-minutes": (f.MinutesForm(request.POST), lambda d: svc.minutes_save(meeting=m, text=d["text"], actor=u)),
        "decision": (f.DecisionForm(request.POST, agenda=m.agenda.all()),
                     lambda d: svc.decision_record(meeting=m, agenda_item=d["agenda_item"], text=d["text"],
                                                   votes_for=d["votes_for"], votes_against=d["votes_against"],
                                                   votes_abstain=d["votes_abstain"], actor=u)),
        "decision-remove": (None, lambda d: svc.decision_remove(decision=_must(_pick(Decision, request, "decision", m)),
                                                                actor=u)),
        "attach": (f.AttachForm(request.POST, request.FILES),
                   lambda d: svc.attachment_add(meeting=m, files=d["files"], public=d["public"], actor=u)),
        "publish": (None, lambda d: svc.minutes_publish(meeting=m, actor=u)),
    }


def _must(row):
    if row is None:
        raise ValidationError(_("No such entry on this meeting."))
    return row


@require_POST
@login_required
def meeting_action(request, pk, action):
    m = selectors.meeting_get_for(user=request.user, pk=pk)
    if action == "sign-in-me" and not getattr(request.user, "person_id", None):
        raise Http404
    actions = _actions(request, m)
    if action not in actions:
        raise Http404
    if action in CONFIRMED and request.POST.get("confirm") != "yes":
        # Irreversible: announcing fixes the agenda (V13), holding ends the sign-up and any
        # cancelling, publishing shows the minutes to the owners. Show what it does; ask once more.
        if not perms.can_manage(request.user, m):
            raise Http404
        template = "meetings/publish_confirm.html" if action == "publish" else "meetings/confirm.html"
        return render(request, template, _detail_context(request, m) | {"action": action})
    form, call = actions[action]
    run(request, form, call)
    if action in ("sign-in", "sign-in-me", "strike") and request.headers.get("HX-Request"):
        m = selectors.meeting_get_for(user=request.user, pk=pk)
        return render(request, "meetings/_signin.html", _detail_context(request, m) | {"partial": True})
    return redirect("meetings:detail", pk=m.pk)


@login_required
def minutes_page(request, pk):
    """The owners' page: the published minutes and decisions of a meeting of their compound."""
    m = selectors.published_minutes_get(user=request.user, pk=pk)
    return render(request, "meetings/minutes.html", {
        "m": m, "minutes": getattr(m, "minutes", None), "decisions": m.decisions.select_related("agenda_item"),
        "attachments": m.attachments.filter(public=True),
        "present": m.attendance.count(),
        "quorum": svc.committee_quorum(m) if m.kind == Kind.COMMITTEE else None})


@login_required
def attachment(request, pk):
    a = selectors.attachment_get_for(user=request.user, pk=pk)
    return FileResponse(a.file.open("rb"), content_type=a.content_type, filename=a.original_name,
                        as_attachment=not a.is_image)


# --- C6: members asking for a committee meeting ---------------------------------------------------


@require_POST
@login_required
def request_new(request):
    compound = selectors.member_compounds(request.user).filter(code=request.POST.get("compound", "")).first()
    if compound is None:
        raise Http404
    run(request, f.RequestForm(request.POST), lambda d: svc.meeting_request_create(
        compound=compound, matter=d["matter"], actor=request.user))
    return redirect("meetings:list")


@require_POST
@login_required
def request_sign(request, pk):
    req = selectors.requests_for(request.user).filter(pk=pk).first()
    if req is None:
        raise Http404
    run(request, None, lambda d: svc.meeting_request_sign(request=req, actor=request.user))
    return redirect("meetings:list")

