"""Paper ballots and the door-to-door round: staff who collect (``can_collect``) enter a paper
ballot with its scan, or record a visit that brought none; the heads that have not voted yet,
building by building and a page at a time, with their visits, say where to knock next."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from .. import forms as f
from .. import permissions as perms
from .. import selectors
from .. import services as svc
from ..models import Ballot, Poll
from .common import forbidden, run

S = Poll.Status
PER_PAGE = 50
UNITS_SHOWN = 6


def _back(poll, building: str, page: str) -> str:
    query = urlencode({k: v for k, v in (("building", building), ("page", page)) if v})
    return reverse("voting:paper", args=[poll.pk]) + (f"?{query}" if query else "")


@login_required
def paper(request, pk):
    poll = selectors.poll_get_for(user=request.user, pk=pk)
    if not perms.can_collect(request.user, poll.compound):
        return forbidden(request, _("Only the owners' committee or the community enters paper ballots."), poll=poll)
    items = list(poll.items.all())
    buildings = selectors.poll_buildings(poll)
    building = request.GET.get("building", "")
    building = building if building in buildings else ""
    page_number = request.GET.get("page", "")
    ballot_form = f.PaperBallotForm(poll=poll, items=items, prefix="paper",
                                    initial={"head": request.GET.get("head", "")})
    visit_form = f.VisitForm(poll=poll, prefix="visit", initial={"head": request.GET.get("visit", "")})

    if request.method == "POST":
        which = request.POST.get("form")
        if which == "ballot":
            ballot_form = f.PaperBallotForm(request.POST, request.FILES, poll=poll, items=items, prefix="paper")
            if ballot_form.is_valid():
                d = ballot_form.cleaned_data
                ballot = run(request, lambda: svc.paper_ballot_enter(
                    poll=poll, head_key=d["head"].key, choices=ballot_form.choices(), scan=d["scan"],
                    actor=request.user), form=ballot_form)
                if ballot is not None:
                    messages.success(request, _("Paper ballot entered for %(units)s: receipt %(r)s.") % {
                        "units": ", ".join(u["unit"] for u in d["head"].units[:UNITS_SHOWN]), "r": ballot.receipt})
                    return redirect(_back(poll, building, page_number))
            else:
                for error in ballot_form.non_field_errors():
                    messages.error(request, error)
        elif which == "visit":
            visit_form = f.VisitForm(request.POST, poll=poll, prefix="visit")
            if visit_form.is_valid():
                d = visit_form.cleaned_data
                visit = run(request, lambda: svc.paper_visit_record(
                    poll=poll, head_key=d["head"].key, outcome=d["outcome"], note=d["note"], actor=request.user),
                    form=visit_form)
                if visit is not None:
                    messages.success(request, _("Visit recorded."))
                    return redirect(_back(poll, building, page_number))
        else:
            raise Http404

    rolled = poll.status in (S.OPEN, S.CLOSED, S.PUBLISHED)
    page = (Paginator(selectors.unvoted_heads(poll, building=building), PER_PAGE).get_page(page_number)
            if rolled else None)
    rows = [{"head": h, "labels": [u["unit"] for u in h.units[:UNITS_SHOWN]],
             "more": max(0, len(h.units) - UNITS_SHOWN), "first": h.units[0]["unit"] if h.units else h.key,
             "visits": list(h.visits.all())} for h in (page or [])]
    recent = (Ballot.objects.filter(poll=poll, channel=Ballot.Channel.PAPER).select_related("head", "cast_by")
              .order_by("-at", "-id")[:20]) if rolled else []
    return render(request, "voting/paper.html", {
        "poll": poll, "ballot_form": ballot_form, "visit_form": visit_form, "buildings": buildings,
        "building": building, "page": page, "rows": rows, "recent": recent, "rolled": rolled,
        "size": selectors.roll_size(poll) if rolled else None,
        "building_query": urlencode({"building": building}) if building else "",
    })


@login_required
def scan(request, pk, ballot):
    """A paper ballot's scan, to those who collect ballots in the compound."""
    poll = selectors.poll_get_for(user=request.user, pk=pk)
    b = Ballot.objects.filter(poll=poll, pk=ballot, channel=Ballot.Channel.PAPER).first()
    if b is None or not b.scan or not perms.can_collect(request.user, poll.compound):
        raise Http404
    name = b.scan.name.rsplit("/", 1)[-1]
    return FileResponse(b.scan.open("rb"), filename=f"ballot-{b.receipt}-{name}")
