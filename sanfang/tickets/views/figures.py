"""The closed-loop figures of a region and a period, read from the rollups (``tickets.figures``),
as a page with charts and as an Excel workbook with the same query parameters.

``?region=`` (default the user's topmost visible region; 404 outside the scope), ``?company=``,
``?category=`` (optional) and ``?start=`` / ``?end=`` (``YYYY-MM-DD``; default this month up to
today). A bad date or choice is said on the page and left out; it never answers 500.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanfang.accounts.scope import visible_organizations
from sanfang.core import scope
from sanfang.orgs.models import Organization, ServiceContract
from sanfang.places import selectors as places
from sanfang.places.models import Region

from .. import figures as fig
from .. import permissions as perms
from ..figures_export import figures_workbook
from ..models import Category

RATES = [
    ("same_day_acceptance_rate", gettext_lazy("Same-day acceptance")),
    ("on_time_response_rate", gettext_lazy("On-time response")),
    ("on_time_resolution_rate", gettext_lazy("On-time resolution")),
    ("resolution_rate", gettext_lazy("Resolution rate")),
    ("satisfaction_rate", gettext_lazy("Satisfaction")),
    ("reopen_rate", gettext_lazy("Reopen rate")),
]
SETTLED = [
    ("compound", gettext_lazy("In the compound")),
    ("community", gettext_lazy("In the community")),
    ("higher", gettext_lazy("Subdistrict or higher")),
]
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def percent(value) -> str:
    """A share (already rounded to four places) as a percentage with one decimal; "—" for None."""
    if value is None:
        return "—"
    return f"{(Decimal(str(value)) * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def _parse_day(text: str, default: date, message: str, errors: list[str]) -> date:
    text = (text or "").strip()
    if not text:
        return default
    if _ISO_DAY.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    errors.append(message % {"value": text[:40]})
    return default


def _ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


@dataclass
class Query:
    """What the request asks for, checked: every field is safe to pass to ``tickets.figures``."""

    region: Region | None
    start: date
    end: date
    company: str = ""
    category: str = ""
    errors: list[str] = field(default_factory=list)
    roots: list[Region] = field(default_factory=list)
    companies: list[tuple[str, str]] = field(default_factory=list)
    categories: list[tuple[str, str]] = field(default_factory=list)

    def params(self) -> dict:
        out = {"region": self.region.code if self.region else "", "start": self.start.isoformat(),
               "end": self.end.isoformat(), "company": self.company, "category": self.category}
        return {k: v for k, v in out.items() if v}

    def figures(self, user) -> dict:
        return fig.figures_for(user=user, start=self.start, end=self.end, region=self.params().get("region", ""),
                               company=self.company, category=self.category)


def _company_choices(user, region: Region | None) -> tuple[set[str], list[tuple[str, str]]]:
    """The companies ``figures_for`` accepts (all visible ones), and the ones offered: those
    serving a compound of the region now."""
    visible = visible_organizations(user).filter(kind=Organization.Kind.PROPERTY_COMPANY)
    offered = visible
    if region is not None:
        offered = visible.filter(Exists(ServiceContract.objects.current_on(timezone.localdate()).filter(
            company=OuterRef("pk"), compound__community__path__startswith=region.path)))
    return (set(visible.values_list("code", flat=True)),
            list(offered.order_by("name", "code").values_list("code", "name")))


def _category_choices(region: Region | None) -> list[tuple[str, str]]:
    qs = Category.objects.all()
    if region is not None:
        qs = qs.filter(Q(region__path__in=_ancestor_paths(region.path)) | Q(region__path__startswith=region.path))
    return list(qs.order_by("order", "code").values_list("code", "name"))


def read_query(request) -> Query:
    """The checked query of the page and the export (404 for a region outside the scope)."""
    user = request.user
    if not perms.can_see_figures(user):
        raise PermissionDenied
    get = request.GET
    roots = places.scope_roots(user)
    code = get.get("region", "").strip() or (roots[0].code if roots else "")
    region = places.region_get(user=user, code=code) if code else None
    today = timezone.localdate()
    default_start = today.replace(day=1)
    errors: list[str] = []
    start = _parse_day(get.get("start"), default_start,
                       _("“%(value)s” is not a valid start date: use YYYY-MM-DD, e.g. 2025-01-31."), errors)
    end = _parse_day(get.get("end"), today,
                     _("“%(value)s” is not a valid end date: use YYYY-MM-DD, e.g. 2025-01-31."), errors)
    if end < start:
        errors.append(_("The period ends before it starts."))
    elif (end - start).days > fig.MAX_DAYS:
        errors.append(_("Choose a period of at most three years."))
    if errors:
        start, end = default_start, today
    q = Query(region=region, start=start, end=end, errors=errors, roots=roots)

    accepted, q.companies = _company_choices(user, region)
    company = get.get("company", "").strip()
    if company and company in accepted:
        q.company = company
        if company not in {c for c, _name in q.companies}:
            q.companies.append((company, company))
    elif company:
        errors.append(_("Unknown company or outside your scope: %(code)s") % {"code": company[:40]})
    q.categories = _category_choices(region)
    category = get.get("category", "").strip()
    if category and Category.objects.filter(code=category).exists():
        q.category = category
        if category not in {c for c, _name in q.categories}:
            q.categories.append((category, category))
    elif category:
        errors.append(_("Unknown category: %(code)s") % {"code": category[:40]})
    return q


def _region_choices(user, q: Query) -> list[tuple[str, str]]:
    """Where the user starts, the way down to the region, the region and its children."""
    if q.region is None:
        return []
    root_paths = tuple(r.path for r in q.roots)
    ancestors = [a for a in q.region.ancestors() if a.path.startswith(root_paths)]
    children = list(scope.visible_to(user, q.region.children.all()).order_by("code"))
    seen, out = set(), []
    for place in [*q.roots, *ancestors, q.region, *children]:
        if place.code not in seen:
            seen.add(place.code)
            out.append((place.code, f"{place.name} · {place.get_level_display()}"))
    return out


def _cards(figures: dict) -> list[dict]:
    cards = [{"key": "cases", "label": _("Cases"), "display": str(figures["cases"])}]
    cards += [{"key": key, "label": label, "display": percent(figures[key])} for key, label in RATES]
    cards.append({"key": "complaints", "label": _("Complaints"), "display": str(figures["complaints"])})
    if "households" in figures:
        per = figures.get("complaints_per_1000_households")
        cards.append({"key": "complaints_per_1000_households", "label": _("Complaints per 1,000 households"),
                      "display": "—" if per is None else f"{per:g}"})
    return cards


def _chart_data(figures: dict) -> dict:
    return {
        "rates": {"labels": [str(label) for _k, label in RATES], "values": [figures[k] for k, _label in RATES]},
        "settled": [{"key": k, "label": str(label), "value": figures["settled"][k]} for k, label in SETTLED],
        "labels": {"rate": _("Rate"), "cases": _("Closed cases"), "none": _("No closed cases in this period.")},
    }


def _rows(rows: list[dict], keys: list[str]) -> list[dict]:
    return [{**r, "shown": {k: percent(r[k]) for k in keys}} for r in rows]


@login_required
def figures_page(request):
    q = read_query(request)
    user = request.user
    figures = q.figures(user)
    region = q.region
    companies = fig.by_company(user=user, start=q.start, end=q.end, region=region)
    categories = fig.by_category(user=user, start=q.start, end=q.end, region=region)
    summons = figures["summons"]
    return render(request, "tickets/figures.html", {
        "q": q, "region": region, "figures": figures, "errors": q.errors,
        "region_choices": _region_choices(user, q),
        "cards": _cards(figures), "data": _chart_data(figures),
        "settled": [{"key": k, "label": label, "value": figures["settled"][k],
                     "share": percent(figures["settled_share"][k])} for k, label in SETTLED],
        "summons": {**summons, "reported_on_time_shown": percent(summons["reported_on_time_rate"]),
                    "done_on_time_shown": percent(summons["done_on_time_rate"])},
        "companies": _rows(companies, ["satisfaction_rate"]),
        "categories": _rows(categories, [k for k, _label in RATES]),
        "export_query": urlencode(q.params()),
    })


@login_required
def figures_export(request):
    q = read_query(request)
    if q.errors:
        # The page says what is wrong with the query; the workbook never guesses.
        return redirect(reverse("tickets:figures") + "?" + request.GET.urlencode())
    user = request.user
    figures = q.figures(user)
    subject = figures["subject"]
    place = f"{q.region.name}（{q.region.code}）" if q.region else "全部可见小区"
    filters = []
    if "company" in subject:
        filters.append(("物业企业", f"{subject['company']['name']}（{subject['company']['code']}）"))
    if "category" in subject:
        filters.append(("类别", f"{subject['category']['name']}（{subject['category']['code']}）"))
    content = figures_workbook(
        figures=figures, place=place, filters=filters,
        companies=fig.by_company(user=user, start=q.start, end=q.end, region=q.region),
        categories=fig.by_category(user=user, start=q.start, end=q.end, region=q.region),
    )
    response = HttpResponse(content,
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    code = slugify(q.region.code) if q.region else "all"
    name = f"case-figures-{code or 'region'}-{q.start.isoformat()}-{q.end.isoformat()}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
