"""The polls: the list, a new poll, a poll's page and its organiser's actions (announce, open,
close, publish), each irreversible and so confirmed first."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .. import forms as f
from .. import permissions as perms
from .. import selectors
from .. import services as svc
from ..models import Poll
from .common import forbidden, run

S = Poll.Status
PER_PAGE = 20
MAX_COMPOUND_CHOICES = 50

# action: (the service, the state it moves from, what the confirmation says, what is done)
ACTIONS = {
    "announce": (svc.poll_announce, S.DRAFT, gettext_lazy(
        "Announce this poll? Its items are published to the owners and can no longer change (RULES V13); "
        "voting opens at the time set, no sooner than the notice period shown below after today."), gettext_lazy("The poll is announced.")),
    "open": (svc.poll_open, S.ANNOUNCED, gettext_lazy(
        "Open voting now? The roll of owners is frozen from the registry as it stands (RULES V6–V8)."),
        gettext_lazy("Voting is open.")),
    "close": (svc.poll_close, S.OPEN, gettext_lazy(
        "Close voting? No ballot can be cast or changed afterwards."), gettext_lazy("Voting is closed.")),
    "publish": (svc.poll_publish, S.CLOSED, gettext_lazy(
        "Publish the result? It is counted now and published with the anonymised ballot log; "
        "it cannot be withdrawn."), gettext_lazy("The result is published.")),
}
ACTION_LABELS = {"announce": gettext_lazy("Announce"), "open": gettext_lazy("Open voting"),
                 "close": gettext_lazy("Close voting"), "publish": gettext_lazy("Publish the result")}


@login_required
def poll_list(request):
    """The polls the user may see, newest window first, filtered by compound and status."""
    q = f.ListFilterForm(request.GET)
    q.is_valid()
    compound, status = q.cleaned_data.get("compound", ""), q.cleaned_data.get("status", "")
    page = Paginator(selectors.poll_list(request.user, compound=compound, status=status),
                     PER_PAGE).get_page(request.GET.get("page"))
    compounds = list(selectors.poll_compounds(request.user).order_by("code")[:MAX_COMPOUND_CHOICES + 1])
    organised = selectors.organised_compounds(request.user)
    organised = list((organised.filter(code=compound) if compound else organised)[:5])
    return render(request, "voting/list.html", {
        "page": page, "compound": compound, "status": status, "statuses": S.choices,
        "compounds": compounds if len(compounds) <= MAX_COMPOUND_CHOICES else None,
        "organised": organised,
        "filter_query": urlencode({k: v for k, v in (("compound", compound), ("status", status)) if v}),
    })


@login_required
def poll_new(request):
    """A draft poll: title, scope (V11), parking (V8), window, change and proxy settings, and
    its items with their matter (V1). Only the organisers of the compound (``can_organise``)."""
    code = request.GET.get("compound", "")
    if not code:
        organised = list(selectors.organised_compounds(request.user)[:200])
        if not organised:
            return forbidden(request, _("Only the owners' committee or the community organises a compound's votes."))
        if len(organised) == 1:
            return redirect(f"{reverse('voting:new')}?compound={organised[0].code}")
        return render(request, "voting/new_pick.html", {"compounds": organised})
    compound = selectors.staff_compound_get_for(user=request.user, code=code)
    if not perms.can_organise(request.user, compound):
        return forbidden(request, _("Only the owners' committee or the community organises this compound's votes."),
                         compound=compound)
    buildings = list(compound.buildings.order_by("number").values_list("number", flat=True))
    form = f.PollForm(request.POST or None, buildings=buildings)
    items = f.ItemFormSet(request.POST or None, prefix="items")
    if request.method == "POST" and form.is_valid() and items.is_valid():
        d = form.cleaned_data
        poll = run(request, lambda: svc.poll_create(
            compound=compound, title=d["title"], items=items.items(), opens_at=d["opens_at"],
            closes_at=d["closes_at"], actor=request.user, building=d["building"],
            parking_counts=d["parking_counts"], allow_change=d["allow_change"],
            proxies_per_holder=d["proxies_per_holder"]), form=form)
        if poll is not None:
            messages.success(request, _("Draft saved. Check it, then announce it to the owners."))
            return redirect("voting:detail", pk=poll.pk)
    elif request.method == "POST":
        messages.error(request, _("Please correct the errors below."))
    return render(request, "voting/new.html", {"compound": compound, "form": form, "items": items,
                                               "notice_days": svc.notice_days()})


def _next_action(poll: Poll) -> str | None:
    for name, (_call, status, _ask, _done) in ACTIONS.items():
        if poll.status == status:
            return name
    return None


@login_required
def poll_detail(request, pk):
    poll = selectors.poll_get_for(user=request.user, pk=pk)
    user = request.user
    staff = selectors.is_poll_staff(user, poll)
    organiser = perms.can_organise(user, poll.compound)
    action = _next_action(poll) if organiser else None
    confirm = request.GET.get("confirm", "")
    confirming = action if confirm and confirm == action else None
    now = timezone.now()
    close_refusal = svc.early_close_refusal(poll, now) if action == "close" else None
    if close_refusal:
        action = confirming = None  # `sanfang tick` closes it when the window ends
    return render(request, "voting/detail.html", {
        "poll": poll, "items": selectors.item_rules(poll), "staff": staff, "organiser": organiser,
        "action": action, "action_label": ACTION_LABELS.get(action), "confirming": confirming,
        "confirm_text": ACTIONS[confirming][2] if confirming else "",
        "early_close": confirming == "close" and now < poll.closes_at, "close_refusal": close_refusal,
        "not_yet": action == "open" and now < poll.opens_at,
        "timeline": selectors.timeline(poll) if staff else [],
        "size": selectors.roll_size(poll) if poll.status != S.DRAFT and poll.status != S.ANNOUNCED else None,
        "voting_now": poll.status == S.OPEN and poll.opens_at <= now < poll.closes_at,
        "can_collect": staff,
        "is_owner": bool(getattr(user, "person_id", None)),
    })


@require_POST
@login_required
def poll_action(request, pk, action):
    """Announce, open, close or publish: only after the confirmation step (``confirmed=1``)."""
    poll = selectors.poll_get_for(user=request.user, pk=pk)
    if action not in ACTIONS:
        raise Http404
    call, _status, _ask, done = ACTIONS[action]
    if request.POST.get("confirmed") != "1":
        return redirect(f"{reverse('voting:detail', args=[poll.pk])}?confirm={action}")
    if run(request, lambda: call(poll=poll, actor=request.user)) is None:
        return redirect("voting:detail", pk=poll.pk)
    messages.success(request, done)
    if action == "publish":
        return redirect("voting:result", pk=poll.pk)
    return redirect("voting:detail", pk=poll.pk)

