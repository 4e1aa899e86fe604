"""Proxies (RULES V13): staff register an owner's written authorisation (uploaded), for one poll
or a period, and revoke one after a confirmation; the current ones, with how many owners each
holder represents against the poll's cap."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from .. import forms as f
from .. import permissions as perms
from .. import selectors
from .. import services as svc
from ..models import Poll
from .common import forbidden, run

S = Poll.Status


def _page(compound) -> str:
    return f"{reverse('voting:proxies')}?compound={compound.code}"


@login_required
def proxies(request):
    compound = selectors.staff_compound_get_for(user=request.user, code=request.GET.get("compound", ""))
    if not perms.can_collect(request.user, compound):
        return forbidden(request, _("An owner records their own authorisation, or staff record it for them."),
                         compound=compound)
    # A draft is its organisers' (RULES V13): a grid worker collects, and sees no draft here.
    organiser = perms.can_organise(request.user, compound)
    polls = selectors.compound_polls(compound, (S.DRAFT, S.ANNOUNCED, S.OPEN) if organiser else (S.ANNOUNCED, S.OPEN))
    form = f.ProxyForm(request.POST or None, request.FILES or None, compound=compound, polls=polls,
                       initial={"poll": request.GET.get("poll")})
    if request.method == "POST":
        if form.is_valid() and selectors.same_proxy_exists(compound, **{
                k: form.cleaned_data[k] for k in ("grantor", "holder", "poll", "valid_from", "valid_until")}):
            messages.error(request, _("This authorisation is registered already."))
            return redirect(_page(compound))
        if form.is_valid():
            d = form.cleaned_data
            proxy = run(request, lambda: svc.proxy_grant(
                compound=compound, grantor=d["grantor"], holder=d["holder"], document=d["document"],
                actor=request.user, poll=d["poll"], valid_from=d["valid_from"], valid_until=d["valid_until"]),
                form=form)
            if proxy is not None:
                messages.success(request, _("Authorisation registered: %(holder)s may vote for %(grantor)s.") % {
                    "holder": proxy.holder.name, "grantor": proxy.grantor.name})
                return redirect(_page(compound))
        else:
            messages.error(request, _("Please correct the errors below."))
    current = [p for p in selectors.current_proxies(compound) if organiser or p.poll is None or p.poll.status != S.DRAFT]
    poll_id = request.GET.get("poll", "")
    cap_poll = (next((p for p in polls if str(p.pk) == poll_id), None)
                or next((p for p in polls if p.status == S.OPEN), None)
                or next((p for p in polls if p.status == S.ANNOUNCED), None))
    return render(request, "voting/proxies.html", {
        "compound": compound, "form": form, "current": current, "polls": polls, "cap_poll": cap_poll,
        "counts": selectors.holder_counts(current, cap_poll),
    })


@login_required
def proxy_revoke(request, pk):
    """Revoke an authorisation: a confirmation page first (GET), then the revocation (POST).
    Ballots already cast with it stay: they were valid when cast."""
    proxy = selectors.proxy_get_for(user=request.user, pk=pk)
    if request.method == "POST":
        if run(request, lambda: svc.proxy_revoke(proxy=proxy, actor=request.user)) is not None:
            messages.success(request, _("The authorisation is revoked."))
        return redirect(_page(proxy.compound))
    return render(request, "voting/proxy_revoke.html", {"proxy": proxy, "compound": proxy.compound})


@login_required
def proxy_document(request, pk):
    """The signed authorisation, to those who collect ballots in the compound."""
    proxy = selectors.proxy_get_for(user=request.user, pk=pk)
    name = proxy.document.name.rsplit("/", 1)[-1]
    return FileResponse(proxy.document.open("rb"), filename=f"proxy-{proxy.pk}-{name}")
