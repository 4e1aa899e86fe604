"""``sanfang tick``: move what is due — escalate overdue cases, close cases left unrated, open
and close owners' votes at the ends of their windows — and refresh the figures' rollups. Each
app registers its part in ``sanfang.core.ticks``. Idempotent; run it every few minutes (cron or a
systemd timer)."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from sanfang.core import ticks


class Command(BaseCommand):
    help = ("Escalate overdue cases, close unrated ones, open and close polls when due and refresh the case "
            "figures (safe to run twice).")

    def add_arguments(self, parser):
        parser.add_argument("--now", help="Act as if it were this time (ISO 8601, for replaying a missed run).")
        parser.add_argument("--full-rollup", action="store_true", help="Recompute every rollup row, not only changes.")

    def handle(self, *args, now=None, full_rollup=False, **options):
        when = timezone.now()
        if now:
            try:
                when = parse_datetime(now)
            except ValueError:  # well formed but impossible, such as 2026-02-30
                when = None
            if when is None:
                raise CommandError("--now 须为 ISO 8601 时间，如 2026-10-09T09:00:00+08:00")
            if timezone.is_naive(when):
                when = timezone.make_aware(when)
        done = ticks.run_all(now=when, full=full_rollup)
        self.stdout.write(json.dumps(done, ensure_ascii=False))
