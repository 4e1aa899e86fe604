"""Rebuilding the figures' rollups (``TicketStat``, ``SummonsStat``) from the cases.

A case counts on the day it was raised (a cohort): its row says how many were raised, and what
has become of them so far. ``refresh`` recomputes every (day, compound) with a case changed
since the last run, so it is idempotent and safe to run twice; pages read only the rollups.
"""

from collections import defaultdict
from datetime import datetime, time, timedelta

from django.db import transaction
from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from .models import RollupMark, Summons, SummonsStat, Ticket, TicketStat
from .rules import Kind, Rating, Status, Tier

# Commits can land a little after the ``updated_at`` they carry; re-reading a margin costs
# little because recomputing is idempotent.
OVERLAP = timedelta(minutes=2)
MARK = "tickets"


def _day_bounds(day):
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(day, time.min), tz)
    return start, start + timedelta(days=1)


def _ticket_rows(day, compound_ids):
    start, end = _day_bounds(day)
    tz = timezone.get_current_timezone()
    closed = Q(status=Status.CLOSED)
    return (
        Ticket.objects.filter(created_at__gte=start, created_at__lt=end, compound_id__in=compound_ids)
        .annotate(created_day=TruncDate("created_at", tzinfo=tz), accepted_day=TruncDate("accepted_at", tzinfo=tz))
        .values("compound_id", "compound__community_id", "category_id", "company_id")
        .annotate(
            created=Count("pk"),
            complaints=Count("pk", filter=Q(category__kind=Kind.COMPLAINT)),
            counted=Count("pk", filter=~Q(status=Status.MERGED)),
            accepted_same_day=Count("pk", filter=Q(accepted_day=F("created_day")) & ~Q(status=Status.MERGED)),
            responded=Count("pk", filter=Q(responded_at__isnull=False)),
            responded_on_time=Count("pk", filter=Q(responded_on_time=True)),
            resolved=Count("pk", filter=Q(resolved_at__isnull=False)),
            resolved_on_time=Count("pk", filter=Q(resolved_on_time=True)),
            closed=Count("pk", filter=closed),
            rejected=Count("pk", filter=Q(status=Status.REJECTED)),
            rated=Count("pk", filter=~Q(rating="")),
            satisfied=Count("pk", filter=Q(rating__in=[Rating.SATISFIED, Rating.BASICALLY])),
            reopened=Count("pk", filter=Q(reopens__gt=0)),
            settled_compound=Count("pk", filter=closed & Q(tier=Tier.COMPOUND)),
            settled_community=Count("pk", filter=closed & Q(tier=Tier.COMMUNITY)),
            settled_higher=Count("pk", filter=closed & Q(tier__in=[Tier.SUBDISTRICT, Tier.DISTRICT])),
        )
    )


COUNTS = [f.name for f in TicketStat._meta.concrete_fields if isinstance(f, type(TicketStat._meta.get_field("created")))]


@transaction.atomic
def rebuild(day, compound_ids) -> int:
    """Recompute the rollup rows of ``compound_ids`` on ``day``."""
    TicketStat.objects.filter(day=day, compound_id__in=compound_ids).delete()
    rows = [
        TicketStat(day=day, compound_id=r["compound_id"], community_id=r["compound__community_id"],
                   category_id=r["category_id"], company_id=r["company_id"], **{k: r[k] for k in COUNTS})
        for r in _ticket_rows(day, compound_ids)
    ]
    TicketStat.objects.bulk_create(rows)
    return len(rows)


@transaction.atomic
def rebuild_summons(day) -> int:
    start, end = _day_bounds(day)
    SummonsStat.objects.filter(day=day).delete()
    rows = (
        Summons.objects.filter(summoned_at__gte=start, summoned_at__lt=end)
        .values("subdistrict_id", "department_id")
        .annotate(
            summoned=Count("pk"),
            reported=Count("pk", filter=Q(reported_at__isnull=False)),
            reported_on_time=Count("pk", filter=Q(reported_at__lte=F("report_due"))),
            done=Count("pk", filter=Q(done_at__isnull=False)),
            done_on_time=Count("pk", filter=Q(done_at__lte=F("done_due"))),
        )
    )
    SummonsStat.objects.bulk_create([SummonsStat(day=day, **r) for r in rows])
    return len(rows)


def refresh(*, full: bool = False, now=None) -> dict:
    """Bring the rollups up to date with every case changed since the last run (or all)."""
    now = now or timezone.now()
    mark = RollupMark.objects.filter(name=MARK).first()
    changed = Ticket.objects.all()
    if mark and not full:
        changed = changed.filter(updated_at__gte=mark.until - OVERLAP)
    tz = timezone.get_current_timezone()
    keys = defaultdict(set)
    for day, compound_id in (changed.annotate(day=TruncDate("created_at", tzinfo=tz))
                             .values_list("day", "compound_id").distinct().iterator()):
        keys[day].add(compound_id)
    summons_days = set(
        Summons.objects.filter(ticket__in=changed.values("pk"))
        .annotate(day=TruncDate("summoned_at", tzinfo=tz)).values_list("day", flat=True).distinct())
    rows = 0
    for day, compounds in sorted(keys.items()):
        ids = sorted(compounds)
        for i in range(0, len(ids), 500):
            rows += rebuild(day, ids[i:i + 500])
    for day in sorted(summons_days):
        rebuild_summons(day)
    RollupMark.objects.update_or_create(name=MARK, defaults={"until": now})
    return {"days": len(keys), "rows": rows, "summons_days": len(summons_days)}


def as_of():
    mark = RollupMark.objects.filter(name=MARK).first()
    return mark.until if mark else None
