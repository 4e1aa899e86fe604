from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from sanfang.core import scope
from sanfang.places import selectors as places

from . import selectors


@login_required
def compound_detail(request, code):
    compound = places.compound_get(user=request.user, code=code)
    return render(request, "orgs/compound.html", {
        "compound": compound,
        "ancestors": compound.community.ancestors() + [compound.community],
        "buildings": places.buildings_of(user=request.user, compound=compound),
        "show_phones": scope.can_see_phones(request.user),
        **selectors.compound_profile(user=request.user, compound=compound),
    })


@login_required
def unit_detail(request, pk):
    unit = selectors.unit_get(user=request.user, pk=pk)
    return render(request, "orgs/unit.html", {
        "unit": unit, "compound": unit.compound, "building": unit.building,
        "ancestors": unit.compound.community.ancestors() + [unit.compound.community],
        "owners": selectors.owners_of(user=request.user, unit=unit),
        "show_phones": scope.can_see_phones(request.user),
    })


@login_required
def party_building(request):
    # Filled in by the party-building figures (orgs.metrics); see orgs/README.md.
    return render(request, "orgs/party_building.html", {})
