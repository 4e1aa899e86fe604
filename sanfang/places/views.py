from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from . import selectors


@login_required
def browse(request):
    roots = selectors.scope_roots(request.user)
    if len(roots) == 1:
        return redirect("places:region", code=roots[0].code)
    compounds = Paginator(selectors.compounds_in(user=request.user, search=request.GET.get("q", "")), 50)
    context = {"roots": roots, "page": compounds.get_page(request.GET.get("page")), "q": request.GET.get("q", "")}
    if request.headers.get("HX-Request"):
        return render(request, "places/_compound_table.html", context)
    return render(request, "places/browse.html", context)


@login_required
def region_detail(request, code):
    region = selectors.region_get(user=request.user, code=code)
    q = request.GET.get("q", "")
    compounds = Paginator(selectors.compounds_in(user=request.user, region=region, search=q), 50)
    context = {
        "region": region,
        "ancestors": region.ancestors(),
        "children": selectors.region_children(user=request.user, region=region),
        "page": compounds.get_page(request.GET.get("page")),
        "q": q,
    }
    if request.headers.get("HX-Request"):
        return render(request, "places/_compound_table.html", context)
    return render(request, "places/region.html", context)


@login_required
def building_detail(request, code, number):
    compound = selectors.compound_get(user=request.user, code=code)
    building = selectors.building_get(user=request.user, compound=compound, number=number)
    return render(request, "places/building.html", {
        "compound": compound, "building": building,
        "units": selectors.units_of(user=request.user, building=building),
    })
