"""Party-building figures read from the registry (never typed in), for a region and a day.

One selector serves the page, the API and ``sanfang report party-building``. It reads the
rows of one region in a fixed number of queries (four, plus the user's seats once) with
``values()``, turns them into ``rules.Facts`` and lets the pure rules count — for the region
and, from the same facts, for each of its child regions. Definitions: ``orgs/README.md``.

Scope (DESIGN habit 8): the region comes from ``region_for`` — the user's scope, 404 outside
it — and the roots of every read (compounds, organisations placed in a region) go through
``scope.visible_to`` again, so a region outside the user's scope yields nothing. The one
exception is ``SYSTEM``, the identity of trusted callers such as management commands, which
read the whole registry. Pages and the API always pass ``request.user``.
"""

import io
from datetime import date

import xlsxwriter
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanfang.core import scope
from sanfang.places import selectors as places
from sanfang.places.models import Compound, Region

from . import rules
from .models import Membership, Organization, ServiceContract


class _System:
    """The trusted caller (management commands): reads every region, no user session."""

    def __repr__(self):
        return "SYSTEM"


SYSTEM = _System()

K = Organization.Kind

LABELS = {
    "owners_committees": gettext_lazy("Owners' committees"),
    "owners_committee_members": gettext_lazy("Committee members"),
    "party_members_among_members": gettext_lazy("Party members among them"),
    "party_member_ratio": gettext_lazy("Party-member ratio"),
    "committees_with_party_majority": gettext_lazy("Committees with a party majority"),
    "committees_with_party_organisation": gettext_lazy("Committees with a party organisation"),
    "party_member_chairs": gettext_lazy("Party-member chairs"),
    "property_companies": gettext_lazy("Property companies"),
    "companies_by_party_coverage": gettext_lazy("Companies by party coverage"),
    "cross_appointed_people": gettext_lazy("Cross-appointed people"),
}
COVERAGE_LABELS = {
    "own": gettext_lazy("own branch"),
    "joint": gettext_lazy("joint branch"),
    "instructor": gettext_lazy("dispatched instructor"),
    "none": gettext_lazy("not covered"),
}


def _check_user(user) -> None:
    if user is None:
        # None is what a forgotten argument looks like; the system has to be asked for by name.
        raise TypeError("pass the requesting user, or metrics.SYSTEM for a trusted caller")


def _scoped(user, queryset):
    return queryset if user is SYSTEM else scope.visible_to(user, queryset)


def region_for(*, user, code: str) -> Region:
    """The region by code in the user's scope (404 outside it); SYSTEM reads any region and
    lets ``Region.DoesNotExist`` through for the caller to report."""
    _check_user(user)
    if user is SYSTEM:
        return Region.objects.get(code=code)
    return places.region_get(user=user, code=code)


def _active(day: date, prefix: str = "") -> Q:
    return (Q(**{f"{prefix}established__isnull": True}) | Q(**{f"{prefix}established__lte": day})) & (
        Q(**{f"{prefix}dissolved__isnull": True}) | Q(**{f"{prefix}dissolved__gt": day})
    )


_COVERING = ("party_parent_id", "party_parent__kind", "party_parent__established", "party_parent__dissolved")


def _covering_party_org(row: dict, day: date, prefix: str = "") -> int | None:
    """The party organisation covering an organisation (its ``party_parent``), if it is one
    and exists on ``day``."""
    pk = row[f"{prefix}party_parent_id"]
    if pk is None or row[f"{prefix}party_parent__kind"] != K.PARTY_ORG:
        return None
    if not rules.active_on(row[f"{prefix}party_parent__established"], row[f"{prefix}party_parent__dissolved"], day):
        return None
    return pk


def party_building_facts(*, user, region: Region, on: date) -> rules.Facts:
    """The rows behind the figures for ``region`` on ``on``, in four queries: owners' committees,
    residents'-side organisations, current contracts, current memberships."""
    _check_user(user)
    compounds = _scoped(user, Compound.objects.in_region(region)).values("pk")
    placed = _scoped(user, Organization.objects.filter(region__path__startswith=region.path))
    committees_qs = Organization.objects.filter(kind=K.OWNERS_COMMITTEE, compound__in=compounds).filter(_active(on))
    contracts_qs = ServiceContract.objects.current_on(on).filter(compound__in=compounds)

    committee_rows = list(committees_qs.values("pk", "compound__community__path", "party_coverage__mode", *_COVERING))
    residents_rows = list(
        placed.filter(_active(on)).filter(
            Q(kind=K.RESIDENTS_COMMITTEE)
            | Q(kind=K.PARTY_ORG, compound__isnull=True, region__level=Region.Level.COMMUNITY)
        ).values("pk", "kind", "region__path", *_COVERING)
    )
    contract_rows = list(contracts_qs.values(
        "company_id", "compound__community__path", "company__party_coverage__mode",
        *(f"company__{f}" for f in _COVERING),
    ))

    side_orgs: set[rules.SideOrg] = set()
    committees = []
    for row in committee_rows:
        path = row["compound__community__path"]
        committees.append(rules.Committee(row["pk"], path, row["party_coverage__mode"] or "none"))
        side_orgs.add(rules.SideOrg(row["pk"], rules.OWNERS, path))
        if party := _covering_party_org(row, on):
            side_orgs.add(rules.SideOrg(party, rules.OWNERS, path))
    for row in residents_rows:
        side_orgs.add(rules.SideOrg(row["pk"], rules.RESIDENTS, row["region__path"]))
        if row["kind"] == K.RESIDENTS_COMMITTEE and (party := _covering_party_org(row, on)):
            side_orgs.add(rules.SideOrg(party, rules.RESIDENTS, row["region__path"]))
    services = set()
    for row in contract_rows:
        path = row["compound__community__path"]
        services.add(rules.Service(row["company_id"], path, row["company__party_coverage__mode"] or "none"))
        side_orgs.add(rules.SideOrg(row["company_id"], rules.COMPANY, path))
        if party := _covering_party_org(row, on, prefix="company__"):
            side_orgs.add(rules.SideOrg(party, rules.COMPANY, path))

    # A superset of the seats that can count, by subquery (no id lists, whatever the region's
    # size); the side organisations above decide which of them do.
    local = Organization.objects.filter(
        Q(compound__in=compounds) | Q(region__path__startswith=region.path),
        kind__in=[K.OWNERS_COMMITTEE, K.RESIDENTS_COMMITTEE, K.PARTY_ORG],
    )
    seat_rows = (
        Membership.objects.current_on(on)
        .filter(
            Q(organization__in=local.values("pk"))
            | Q(organization__in=local.values("party_parent_id"))
            | Q(organization__in=contracts_qs.values("company_id"))
            | Q(organization__in=contracts_qs.values("company__party_parent_id"))
        )
        .values_list("organization_id", "person_id", "position", "person__is_party_member")
    )
    counted = {o.organization_id for o in side_orgs}
    seats = tuple(rules.Seat(*row) for row in seat_rows if row[0] in counted)
    return rules.Facts(
        committees=tuple(committees), seats=seats, services=tuple(services), side_orgs=tuple(side_orgs)
    )


def party_building_summary(*, user, region: Region, on: date) -> dict:
    """The party-building figures of ``region`` on ``on`` (keys: ``rules.SUMMARY_KEYS``).

    ``user`` is the requesting user (rows outside their scope are never read), or ``SYSTEM``
    for trusted callers; never None.
    """
    return rules.summarise(party_building_facts(user=user, region=region, on=on), within=region.path)


def party_building_breakdown(*, user, region: Region, on: date) -> tuple[dict, list[tuple[Region, dict]]]:
    """The region's figures and each visible child region's, from one read (five queries).

    Children need not add up to the region: a company serving compounds in two children
    counts in each, and a person whose seats are on one side in one child and on another side
    in the other is cross-appointed in the region only.
    """
    facts = party_building_facts(user=user, region=region, on=on)
    children = list(_scoped(user, region.children.all()).order_by("code"))
    return (
        rules.summarise(facts, within=region.path),
        [(child, rules.summarise(facts, within=child.path)) for child in children],
    )


def percent(ratio: float) -> str:
    """A ratio already rounded to 4 places, shown as a percentage with 2 (no second rounding)."""
    return f"{ratio * 100:.2f}%"


def figure_cards(summary: dict) -> list[dict]:
    """The figures as cards for the page (the coverage breakdown has its own chart)."""
    cards = []
    for key in rules.SUMMARY_KEYS:
        if key == "companies_by_party_coverage":
            continue
        value = summary[key]
        display = percent(value) if key == "party_member_ratio" else str(value)
        cards.append({"key": key, "label": LABELS[key], "value": value, "display": display})
    return cards


def child_rows(children: list[tuple[Region, dict]]) -> list[dict]:
    return [{"region": child, "figures": figures, "ratio": percent(figures["party_member_ratio"])}
            for child, figures in children]


def coverage_rows(summary: dict) -> list[dict]:
    counts = summary["companies_by_party_coverage"]
    return [{"mode": mode, "label": COVERAGE_LABELS[mode], "value": counts[mode]} for mode in rules.COVERAGE_MODES]


def chart_data(summary: dict, children: list[tuple[Region, dict]]) -> dict:
    """What the page's ECharts draw, as plain JSON-able data (``json_script``)."""
    committee_keys = ("owners_committees", "committees_with_party_organisation",
                      "committees_with_party_majority", "party_member_chairs")
    return {
        "coverage": [{**row, "label": str(row["label"])} for row in coverage_rows(summary)],
        "committees": {
            "labels": [str(LABELS[k]) for k in committee_keys],
            "values": [summary[k] for k in committee_keys],
        },
        "children": {
            "codes": [child.code for child, _figures in children],
            "labels": [child.name for child, _figures in children],
            "ratios": [figures["party_member_ratio"] for _child, figures in children],
            "members": [figures["owners_committee_members"] for _child, figures in children],
        },
        "labels": {"ratio": str(LABELS["party_member_ratio"])},
    }


def region_choices(*, roots, ancestors, region: Region, children: list[tuple[Region, dict]]) -> list[tuple[str, str]]:
    """Regions the page's form offers: where the user starts, the way down here, and one step on."""
    seen, choices = set(), []
    for place in [*roots, *ancestors, region, *(child for child, _figures in children)]:
        if place.code not in seen:
            seen.add(place.code)
            choices.append((place.code, f"{place.name} · {place.get_level_display()}"))
    return choices


def _flat_columns() -> list[tuple[str, str]]:
    columns = []
    for key in rules.SUMMARY_KEYS:
        if key == "companies_by_party_coverage":
            columns += [(f"{key}.{mode}", f"{LABELS[key]}: {COVERAGE_LABELS[mode]}") for mode in rules.COVERAGE_MODES]
        else:
            columns.append((key, str(LABELS[key])))
    return columns


def _flat_values(summary: dict) -> list:
    values = []
    for key in rules.SUMMARY_KEYS:
        if key == "companies_by_party_coverage":
            values += [summary[key][mode] for mode in rules.COVERAGE_MODES]
        else:
            values.append(summary[key])
    return values


def party_building_workbook(*, region: Region, on: date, summary: dict, children: list[tuple[Region, dict]]) -> bytes:
    """The figures as an .xlsx: one row per child region, then the region's own row."""
    buffer = io.BytesIO()
    # Names come from imported workbooks: never let one become a formula or a link in Excel.
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    sheet = book.add_worksheet(_("Party building")[:31])
    bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    ratio = book.add_format({"num_format": "0.00%"})
    columns = _flat_columns()
    sheet.write(0, 0, f"{region.name} ({region.code}) · {on.isoformat()}", bold)
    header = [_("Code"), _("Region"), *(label for _key, label in columns)]
    for col, text in enumerate(header):
        sheet.write(1, col, text, bold)
    ratio_col = 2 + [key for key, _label in columns].index("party_member_ratio")
    rows = [*children, (region, summary)]
    for r, (place, figures) in enumerate(rows, start=2):
        sheet.write(r, 0, place.code, bold if place is region else None)
        sheet.write(r, 1, place.name, bold if place is region else None)
        for c, value in enumerate(_flat_values(figures), start=2):
            sheet.write_number(r, c, value, ratio if c == ratio_col else None)
    sheet.set_column(0, 1, 16)
    sheet.set_column(2, len(header) - 1, 14)
    sheet.set_row(1, 48)
    sheet.freeze_panes(2, 2)
    book.close()
    return buffer.getvalue()
