"""`sanfang report <name>`: figures for a region, printed or as JSON.

A command is not a user session: it reads as ``metrics.SYSTEM``, with access to every region
(whoever can run it already holds the database). Reports:

    sanfang report party-building --region CODE [--on YYYY-MM-DD] [--json]
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfang.orgs import metrics, rules
from sanfang.places.models import Region


class Command(BaseCommand):
    help = "Print a report for a region (party-building: the party-building figures)."

    def add_arguments(self, parser):
        reports = parser.add_subparsers(dest="report", required=True, metavar="REPORT")
        party = reports.add_parser("party-building", help="Party-building figures of a region on a day.")
        party.add_argument("--region", required=True, help="Region code.")
        party.add_argument("--on", default=None, help="Day as YYYY-MM-DD (default: today).")
        party.add_argument("--json", action="store_true", help="Print JSON with the API's keys.")

    def handle(self, *args, **options):
        if options["report"] == "party-building":
            return self.party_building(options)
        raise CommandError(f"unknown report {options['report']!r}")

    def party_building(self, options):
        try:
            day = rules.parse_day(options["on"]) if options["on"] is not None else timezone.localdate()
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        try:
            region = metrics.region_for(user=metrics.SYSTEM, code=options["region"])
        except Region.DoesNotExist:
            raise CommandError(_("No region with code “%(code)s”.") % {"code": options["region"]}) from None
        summary = metrics.party_building_summary(user=metrics.SYSTEM, region=region, on=day)
        if options["json"]:
            payload = {"region": region.code, "on": day.isoformat(), **summary}
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        rows = []
        for key in rules.SUMMARY_KEYS:
            label = str(metrics.LABELS[key])
            if key == "companies_by_party_coverage":
                rows.append((label, ""))
                rows += [(f"  {metrics.COVERAGE_LABELS[m]}", str(summary[key][m])) for m in rules.COVERAGE_MODES]
            elif key == "party_member_ratio":
                rows.append((label, f"{summary[key]:.4f}"))
            else:
                rows.append((label, str(summary[key])))
        width = max(len(label) for label, _value in rows)
        self.stdout.write(f"{region.name} ({region.code}) · {day.isoformat()}")
        for label, value in rows:
            self.stdout.write(f"{label.ljust(width)}  {value.rjust(8) if value else ''}".rstrip())
