from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify

from sanfang.core import scope
from sanfang.places import selectors as places

from . import metrics, rules, selectors


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
def person_detail(request, pk):
    return render(request, "orgs/person.html", {
        **selectors.person_record(user=request.user, pk=pk),
        "show_phones": scope.can_see_phones(request.user),
    })


@login_required
def party_building(request):
    """Party-building figures of a region (``?region=``, default the user's topmost visible
    region) on a day (``?on=``, default today), per child region, with ``?export=xlsx``."""
    roots = places.scope_roots(request.user)
    code = request.GET.get("region", "").strip() or (roots[0].code if roots else "")
    if not code:
        raise Http404
    region = metrics.region_for(user=request.user, code=code)
    day, on_text, date_error = timezone.localdate(), request.GET.get("on", "").strip(), ""
    if on_text:
        try:
            day = rules.parse_day(on_text)
        except ValueError as exc:
            date_error = str(exc)
    summary, children = metrics.party_building_breakdown(user=request.user, region=region, on=day)
    if request.GET.get("export") == "xlsx" and not date_error:
        response = HttpResponse(
            metrics.party_building_workbook(region=region, on=day, summary=summary, children=children),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        name = f"party-building-{slugify(region.code) or 'region'}-{day.isoformat()}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    root_paths = tuple(r.path for r in roots)
    ancestors = [a for a in region.ancestors() if a.path.startswith(root_paths)]
    return render(request, "orgs/party_building.html", {
        "region": region, "ancestors": ancestors, "day": day, "date_error": date_error,
        "region_choices": metrics.region_choices(roots=roots, ancestors=ancestors, region=region, children=children),
        "summary": summary, "children": metrics.child_rows(children),
        "cards": metrics.figure_cards(summary), "coverage": metrics.coverage_rows(summary),
        "data": metrics.chart_data(summary, children),
    })
