"""Closed-loop figures for a region, compound, company, category or department and a period,
read from the rollups (``TicketStat``, ``SummonsStat``), never from the cases table.

Cases count on the day they were raised (definitions in tickets/README.md):

- same-day acceptance = accepted on the day raised / cases (merged ones left out)
- on-time response = responded by the deadline / responded
- on-time resolution = first resolved by the deadline / resolved
- resolution rate = resolved / (cases − rejected)
- satisfaction = satisfied or basically satisfied / rated
- reopen rate = reopened at least once / resolved
- settled in the compound / community / higher = closed at that tier / closed
- complaints per 1,000 households = complaints / households of the compounds served × 1000
- summonses (RULES T3): issued, reported in on time / issued, reported back on time / issued
"""

from datetime import date

from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from sanfang.accounts.scope import sees_everything, visible_compounds, visible_organizations, visible_regions
from sanfang.orgs.models import Organization, ServiceContract
from sanfang.places.models import Compound

from . import rollup
from .models import Category, SummonsStat, TicketStat
from .rules import rate

COUNTS = rollup.COUNTS
MAX_DAYS = 3 * 366


def _totals(qs) -> dict:
    sums = qs.aggregate(**{k: Sum(k) for k in COUNTS})
    return {k: v or 0 for k, v in sums.items()}


def rates(t: dict) -> dict:
    return {
        "cases": t["created"],
        "same_day_acceptance_rate": rate(t["accepted_same_day"], t["counted"]),
        "on_time_response_rate": rate(t["responded_on_time"], t["responded"]),
        "on_time_resolution_rate": rate(t["resolved_on_time"], t["resolved"]),
        "resolution_rate": rate(t["resolved"], t["counted"] - t["rejected"]),
        "satisfaction_rate": rate(t["satisfied"], t["rated"]),
        "reopen_rate": rate(t["reopened"], t["resolved"]),
        "settled": {"compound": t["settled_compound"], "community": t["settled_community"],
                    "higher": t["settled_higher"]},
        "settled_share": {"compound": rate(t["settled_compound"], t["closed"]),
                          "community": rate(t["settled_community"], t["closed"]),
                          "higher": rate(t["settled_higher"], t["closed"])},
        "complaints": t["complaints"],
        "counts": t,
    }


def _households(company: Organization, compounds, on: date) -> int:
    served = ServiceContract.objects.current_on(on).filter(company=company).values("compound_id")
    return compounds.filter(pk__in=served).aggregate(n=Sum("households"))["n"] or 0


def _one(qs, code, label):
    found = qs.filter(code=code).first()
    if found is None:
        raise ValueError(_("Unknown %(what)s or outside your scope: %(code)s") % {"what": label, "code": code})
    return found


def figures_for(*, user, start: date, end: date, region: str = "", compound: str = "", company: str = "",
                category: str = "", department: str = "") -> dict:
    """The figures of the period [start, end] for the chosen subject, within the user's scope."""
    if end < start:
        raise ValueError(_("The period ends before it starts."))
    if (end - start).days > MAX_DAYS:
        raise ValueError(_("Choose a period of at most three years."))
    compounds = Compound.objects.all() if sees_everything(user) else visible_compounds(user)
    stats = TicketStat.objects.filter(day__gte=start, day__lte=end)
    if not sees_everything(user):
        stats = stats.filter(compound__in=compounds.values("pk"))
    subject = {}
    if region:
        r = _one(visible_regions(user), region, _("region"))
        stats = stats.filter(community__path__startswith=r.path)
        compounds = compounds.filter(community__path__startswith=r.path)
        subject["region"] = {"code": r.code, "name": r.name}
    if compound:
        c = _one(compounds, compound, _("compound"))
        stats = stats.filter(compound=c)
        compounds = compounds.filter(pk=c.pk)
        subject["compound"] = {"code": c.code, "name": c.name}
    if category:
        k = _one(Category.objects.all(), category, _("category"))
        stats = stats.filter(category=k)
        subject["category"] = {"code": k.code, "name": k.name}
    if company:
        co = _one(visible_organizations(user).filter(kind=Organization.Kind.PROPERTY_COMPANY), company,
                  _("company"))
        stats = stats.filter(company=co)
        subject["company"] = {"code": co.code, "name": co.name}
    out = {"start": start, "end": end, "subject": subject, "as_of": rollup.as_of(), **rates(_totals(stats))}
    if company:
        households = _households(co, compounds, end)
        out["households"] = households
        out["complaints_per_1000_households"] = (round(out["complaints"] * 1000 / households, 2)
                                                 if households else None)
    out["summons"] = summons_figures(user=user, start=start, end=end, region=region, department=department)
    return out


def summons_figures(*, user, start: date, end: date, region: str = "", department: str = "") -> dict:
    """Summonses issued in the period, counted for the subdistricts and the departments (T3)."""
    qs = SummonsStat.objects.filter(day__gte=start, day__lte=end)
    if department:
        d = _one(visible_organizations(user).filter(kind=Organization.Kind.DEPARTMENT), department,
                 _("department"))
        qs = qs.filter(department=d)
    if region:
        r = _one(visible_regions(user), region, _("region"))
        qs = qs.filter(subdistrict__path__startswith=r.path)
    elif not sees_everything(user) and not department:
        paths = list(visible_regions(user).values_list("path", flat=True))
        q = Q(pk__in=[])
        for p in paths:
            q |= Q(subdistrict__path__startswith=p)
        qs = qs.filter(q)
    t = {k: v or 0 for k, v in qs.aggregate(summoned=Sum("summoned"), reported_on_time=Sum("reported_on_time"),
                                            done_on_time=Sum("done_on_time"), done=Sum("done")).items()}
    return {**t, "reported_on_time_rate": rate(t["reported_on_time"], t["summoned"]),
            "done_on_time_rate": rate(t["done_on_time"], t["summoned"])}


def by_company(*, user, start: date, end: date, region=None) -> list[dict]:
    """Per company: cases, complaints per 1,000 households served now, satisfaction (3 queries)."""
    compounds = Compound.objects.all() if sees_everything(user) else visible_compounds(user)
    if region is not None:
        compounds = compounds.filter(community__path__startswith=region.path)
    stats = (TicketStat.objects.filter(day__gte=start, day__lte=end, compound__in=compounds.values("pk"),
                                       company__isnull=False)
             .values("company_id", "company__code", "company__name").annotate(**{k: Sum(k) for k in COUNTS}))
    households = dict(ServiceContract.objects.current_on(end).filter(compound__in=compounds.values("pk"))
                      .values("company_id").annotate(n=Sum("compound__households")).values_list("company_id", "n"))
    rows = []
    for r in stats:
        t = rates({k: r[k] for k in COUNTS})
        n = households.get(r["company_id"]) or 0
        rows.append({"code": r["company__code"], "name": r["company__name"], "cases": t["cases"],
                     "complaints": t["complaints"], "households": n, "satisfaction_rate": t["satisfaction_rate"],
                     "complaints_per_1000_households": round(t["complaints"] * 1000 / n, 2) if n else None})
    return sorted(rows, key=lambda r: -(r["complaints_per_1000_households"] or 0))


def by_category(*, user, start: date, end: date, region=None) -> list[dict]:
    stats = TicketStat.objects.filter(day__gte=start, day__lte=end)
    if not sees_everything(user):
        stats = stats.filter(compound__in=visible_compounds(user).values("pk"))
    if region is not None:
        stats = stats.filter(community__path__startswith=region.path)
    rows = stats.values("category__code", "category__name").annotate(**{k: Sum(k) for k in COUNTS})
    return [{"code": r["category__code"], "name": r["category__name"], **rates({k: r[k] for k in COUNTS})}
            for r in rows.order_by("-created")]
