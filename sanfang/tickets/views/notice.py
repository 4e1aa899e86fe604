"""The compound's notice board, "who handles what" (seed 004): a public page to print and post
in the compound, with a QR code that opens the form to raise a case there.

Public on purpose: it shows only what the notice on the wall shows — the compound's and its
organisations' names, each category's first responsible party and deadlines, and the
escalation ladder with each tier's clock. No person's name or phone number, nothing else
about the compound (scope does not apply: there is nothing here a resident may not read).
"""

import io

import segno
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from sanfang.places.models import Compound

from ..rules import DEFAULT_LADDER, Responsible, Tier, parse_ladder
from ..services import categories_for, committee_of, company_of, policy_for, route_for
from ..services.routing import residents_committee_of


def _compound(code: str) -> Compound:
    return get_object_or_404(Compound.objects.select_related("community__parent__parent"), code=code)


def _new_case_url(request, compound: Compound) -> str:
    return request.build_absolute_uri(reverse("tickets:new") + "?compound=" + compound.code)


def _tier_place(tier: str, compound: Compound, first_party: str) -> str:
    """Who works a case at each tier, by organisation or region name."""
    community = compound.community
    subdistrict = community.parent if community.parent_id else None
    district = subdistrict.parent if subdistrict is not None and subdistrict.parent_id else None
    if tier == Tier.COMPOUND:
        return first_party
    if tier == Tier.COMMUNITY:
        return community.name
    region = subdistrict if tier == Tier.SUBDISTRICT else district
    if region is not None and region.level == tier:
        return region.name
    return ""


@require_safe
def who_handles(request, code):
    compound = _compound(code)
    committee, company = committee_of(compound), company_of(compound)
    residents = residents_committee_of(compound.community)
    rows = []
    shared = {"company": company, "committee": committee,
              "overrides": {o.category_id: o for o in compound.ticket_routes.select_related("department")}}
    for category in categories_for(compound).order_by("order", "code"):
        route = route_for(compound, category, **shared)
        rows.append({
            "category": category,
            "responsible": Responsible(route.responsible).label,
            "org": route.org.name if route.org else "",
            "accept": route.accept.label(), "respond": route.respond.label(), "resolve": route.resolve.label(),
        })
    policy = policy_for(compound)
    try:
        tiers = parse_ladder(policy.ladder)
    except ValueError:
        tiers = DEFAULT_LADDER
    first_party = _("the party named for each category above")
    ladder = [{"tier": tier, "label": Tier(tier).label, "where": _tier_place(tier, compound, first_party),
               "within": policy.tier_span(tier).label()} for tier in tiers]
    return render(request, "tickets/who_handles.html", {
        "compound": compound, "community": compound.community,
        "committee": committee, "company": company, "residents_committee": residents,
        "rows": rows, "ladder": ladder, "policy": policy,
        "new_case_url": _new_case_url(request, compound),
    })


@require_safe
def who_handles_qr(request, code):
    """An SVG QR code of the address that opens the case form for this compound."""
    compound = _compound(code)
    buffer = io.BytesIO()
    segno.make(_new_case_url(request, compound), error="m").save(
        buffer, kind="svg", scale=8, border=2, dark="#000", light="#fff", title=compound.name)
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=3600"
    response["Content-Disposition"] = f'inline; filename="compound-{compound.pk}-qr.svg"'
    return response
