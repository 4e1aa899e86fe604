"""An owner's ballot, at phone width: their head(s) (or those of an owner they hold a proxy
from), one radio group per published item, a confirmation step, then the receipt. One ballot
per head (RULES V7); a change only where the poll allows it and while it is open. The service
decides every refusal; this page only says it."""

import re
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import forms as f
from .. import selectors
from .. import services as svc
from ..models import Ballot, Choice, Poll
from .common import run

S = Poll.Status
HEAD_KEY = re.compile(r"H[0-9]{1,8}")
# A person's id as the address carries it: ASCII digits only ("²".isdigit() is true, int("²") fails)
# and short enough for the database's 64-bit integer (a longer one names nobody).
PERSON_ID = re.compile(r"[0-9]{1,18}")


def _param(request, name: str) -> str:
    return (request.POST.get(name) or request.GET.get(name) or "").strip()


def _who(request, user) -> tuple[int | None, str]:
    """The owner voted for (None: the user themself) and the head named, from the address or
    the form. A malformed one names nobody: 404, rather than a ballot for someone else (the
    user's own head) or a database error."""
    raw = _param(request, "for")
    head = _param(request, "head").upper()
    if (raw and not PERSON_ID.fullmatch(raw)) or (head and not HEAD_KEY.fullmatch(head)):
        raise Http404
    for_person = int(raw) if raw else None
    if for_person == getattr(user, "person_id", None):
        for_person = None
    return for_person, head


def _query(for_person, head_key, **extra) -> dict:
    return {**({"for": for_person} if for_person else {}), **({"head": head_key} if head_key else {}), **extra}


def _vote_url(poll, for_person, head_key) -> str:
    query = urlencode(_query(for_person, head_key))
    return reverse("voting:vote", args=[poll.pk]) + (f"?{query}" if query else "")


def _shown_choices(ballot: Ballot | None, items) -> list[dict]:
    if ballot is None:
        return []
    labels = dict(Choice.choices)
    return [{"label": f"{i.order}. {i.text}", "shown": labels.get(ballot.choices.get(str(i.order)), "—")}
            for i in items]


@login_required
def vote(request, pk):
    poll = selectors.poll_get_for(user=request.user, pk=pk)
    user = request.user
    items = list(poll.items.all())
    now = timezone.now()
    open_now = poll.status == S.OPEN and poll.opens_at <= now < poll.closes_at
    own = selectors.own_heads(user, poll) if poll.status != S.DRAFT else []
    proxied = selectors.proxy_heads(user, poll, skip=[v.head for v in own]) if poll.status == S.OPEN else []
    for_person, head_key = _who(request, user)
    candidates = [v for v in proxied if v.for_person == for_person] if for_person else own
    selected = next((v for v in candidates if v.head.key == head_key), None) if head_key else next(
        iter(candidates), None)
    if selected is None and (for_person or head_key) and request.method == "GET":
        messages.error(request, _("You hold no valid authorisation from this owner for this poll.") if for_person
                       else _("This owner is not on the roll of this poll."))
    # The head named for the service: the one chosen on the page, whoever's it is.
    key = selected.head.key if selected else head_key

    if request.method == "POST":
        form = f.BallotForm(request.POST, items=items)
        if not form.is_valid():
            for error in form.non_field_errors():
                messages.error(request, error)
            if form.non_field_errors():
                return redirect(_vote_url(poll, for_person, head_key))
        elif request.POST.get("confirmed") != "1":
            if selected is None:
                messages.error(request, _("You hold no valid authorisation from this owner for this poll.")
                               if for_person else _("This owner is not on the roll of this poll."))
                return redirect(_vote_url(poll, for_person, head_key))
            answers = form.answers()
            back = _query(for_person, key, **({"change": 1} if selected.ballot else {}),
                          **{a["name"]: a["value"] for a in answers})
            return render(request, "voting/vote_confirm.html", {
                "poll": poll, "selected": selected, "for_person": for_person, "head_key": key, "answers": answers,
                "changing": bool(selected.ballot), "back": urlencode(back)})
        else:
            ballot = run(request, lambda: svc.ballot_cast(poll=poll, actor=user, choices=form.choices(),
                                                          for_person_id=for_person, head_key=key or None))
            if ballot is not None:
                messages.success(request, _("Your ballot is recorded. Keep the receipt code."))
            return redirect(_vote_url(poll, for_person, key))
    else:
        initial = {}
        if selected and selected.ballot and request.GET.get("change") == "1":
            initial = {f"{f.ITEM_PREFIX}{k}": v for k, v in selected.ballot.choices.items()}
        # Back from the confirmation step: the answers come back in the address.
        initial.update({k: v for k, v in request.GET.items() if k.startswith(f.ITEM_PREFIX) and v in Choice.values})
        form = f.BallotForm(items=items, initial=initial)

    ballot = selected.ballot if selected else None
    may_change = bool(ballot and poll.allow_change and open_now and ballot.channel != Ballot.Channel.PAPER)
    show_form = bool(open_now and selected and not selected.voted_by_owner and (ballot is None or (may_change and (
        request.GET.get("change") == "1" or request.method == "POST"))))
    return render(request, "voting/vote.html", {
        "poll": poll, "items": items, "form": form, "own": own, "proxied": proxied, "selected": selected,
        "for_person": for_person, "head_key": key, "ballot": ballot, "choices": _shown_choices(ballot, items),
        "open_now": open_now, "may_change": may_change, "show_form": show_form,
        "before": poll.status in (S.DRAFT, S.ANNOUNCED) or (poll.status == S.OPEN and now < poll.opens_at),
        "change_query": urlencode(_query(for_person, key, change=1)),
    })
