"""The mainland working-day calendar that every deadline counts in (RULES T1).

A day is a working day by, in order: an administrator's ``WorkdayOverride`` row (the official
schedule as published, which wins), the ``chinesecalendar`` package (statutory holidays and
adjusted weekend workdays, 调休), and for years neither covers, Monday to Friday. The State
Council announces next year's schedule around November, so a deadline running into a year not
entered yet is counted Monday to Friday with a visible warning (``warning``), never refused.

Deadlines follow the Civil Code: a period in days does not count its start day (art. 201(1)),
a period in hours starts at once (art. 201(2)), and a period ends at 24:00 of its last day
(art. 203(2)). Art. 203(1), moving a last day that falls on a holiday to the day after, never
applies here: counting working days only, the last day is always a working day.

Override rows are read once per year per process and kept for at most ``CACHE_SECONDS``; saving
or deleting a row clears the cache at once in this process (signals connected in
``CoreConfig.ready``), and the expiry lets other processes pick up admin edits.
"""

import threading
import time
from datetime import date, datetime, timedelta
from functools import cache

import chinese_calendar
from django.utils import timezone
from django.utils.translation import gettext

CACHE_SECONDS = 300
_ONE_DAY = timedelta(days=1)

# (expires at, per monotonic clock; {year: {date: is_workday}}). Replaced whole, never edited
# in place except by adding a year, so a reader holding the old dict never sees it half-cleared.
_cache: tuple[float, dict[int, dict[date, bool]]] = (0.0, {})
_lock = threading.Lock()
_clock = time.monotonic  # a module attribute so tests can move it


def clear_cache(**_kwargs) -> None:
    """Forget every loaded year; a signal receiver, so it accepts and ignores signal arguments."""
    global _cache
    _cache = (0.0, {})


def clear_cache_now_and_on_commit(**_kwargs) -> None:
    """Clear at once (this request sees its own edit) and again after commit, so a year that
    another thread reloaded between the save and the commit is not kept stale."""
    from django.db import transaction

    clear_cache()
    transaction.on_commit(clear_cache)


def _overrides(year: int) -> dict[date, bool]:
    """The administrator's rows of ``year`` as {date: is_workday}, from the cache when fresh."""
    global _cache
    expires, years = _cache
    now = _clock()
    if now >= expires:
        with _lock:
            expires, years = _cache
            if now >= expires:
                years = {}
                _cache = (now + CACHE_SECONDS, years)
    rows = years.get(year)
    if rows is None:
        from .models import WorkdayOverride

        rows = dict(WorkdayOverride.objects.filter(date__year=year).values_list("date", "is_workday"))
        years[year] = rows
    return rows


@cache
def _package_covers(year: int) -> bool:
    """Whether ``chinesecalendar`` holds the official schedule of ``year`` (static data)."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def _as_date(d: date) -> date:
    return d.date() if isinstance(d, datetime) else d


def is_workday(d: date) -> bool:
    """Whether ``d`` is a working day on the mainland (T1): override row, else the package,
    else Monday to Friday for a year the package does not cover yet."""
    d = _as_date(d)
    override = _overrides(d.year).get(d)
    if override is not None:
        return override
    if _package_covers(d.year):
        return chinese_calendar.is_workday(d)
    return d.weekday() < 5


def covered(year: int) -> bool:
    """Whether the official schedule of ``year`` is known: the package has it, or an
    administrator has entered at least one day of it."""
    return _package_covers(year) or bool(_overrides(year))


def uncovered_years(start: date, end: date) -> list[int]:
    """The years from ``start`` to ``end`` (inclusive) counted Monday to Friday for lack of a
    schedule."""
    return [year for year in range(start.year, end.year + 1) if not covered(year)]


def warning(start: date, end: date) -> str | None:
    """A message to show beside a deadline that runs through a year with no official schedule
    (T1: a visible warning, never an error); None when every year is covered."""
    years = uncovered_years(start, end)
    if not years:
        return None
    return gettext(
        "The official holiday schedule for %(years)s has not been entered yet; deadlines count "
        "Monday to Friday until an administrator enters it."
    ) % {"years": ", ".join(str(y) for y in years)}


def _local_midnight(d: date) -> datetime:
    return timezone.make_aware(datetime.combine(d, datetime.min.time()), timezone.get_default_timezone())


def _next_workday(d: date) -> date:
    d += _ONE_DAY
    while not is_workday(d):
        d += _ONE_DAY
    return d


def add_working_days(start: datetime, n: int) -> datetime:
    """The end of a period of ``n`` working days begun at ``start`` (T1).

    Civil Code art. 201: the day the period starts (a case submitted at any hour) is not
    counted; art. 203: the period ends at 24:00 of its last day. So the result is 00:00, local
    time (``settings.TIME_ZONE``), of the day after the ``n``-th working day after the start
    day: Wed 2026-09-30 10:00 plus 1 gives 2026-10-09 00:00 (10-01..10-07 are National Day and
    Thu 10-08 is the first working day). ``start`` must be aware.
    """
    if n < 1:
        raise ValueError(f"a period of working days needs n >= 1, got {n}")
    d = timezone.localtime(start, timezone.get_default_timezone()).date()
    for _ in range(n):
        d = _next_workday(d)
    return _local_midnight(d + _ONE_DAY)


def add_working_hours(start: datetime, hours: int) -> datetime:
    """``start`` plus ``hours`` counted only on working days (T1), for deadlines given in
    hours (e.g. "reply within 24 hours"); Civil Code art. 201(2): counted from ``start`` itself.

    The clock runs through whole working days, 24 hours each, and stops from 00:00 of a day off
    to 00:00 of the next working day: Fri 17:00 plus 24 hours is Mon 17:00 after an ordinary
    weekend. Started on a day off, it starts at 00:00 of the next working day. A period that
    ends exactly at 24:00 of a working day returns 00:00 of the next day (art. 203).
    """
    if hours < 1:
        raise ValueError(f"a period of working hours needs hours >= 1, got {hours}")
    tz = timezone.get_default_timezone()
    local = timezone.localtime(start, tz)
    d = local.date()
    if is_workday(d):
        # Measured as wall-clock time since midnight: Asia/Shanghai has no daylight saving.
        elapsed = local.replace(tzinfo=None) - datetime.combine(d, datetime.min.time())
    else:
        d, elapsed = _next_workday(d), timedelta(0)
    remaining = timedelta(hours=hours)
    while remaining > _ONE_DAY - elapsed:
        remaining -= _ONE_DAY - elapsed
        d, elapsed = _next_workday(d), timedelta(0)
    return timezone.make_aware(datetime.combine(d, datetime.min.time()) + elapsed + remaining, tz)
