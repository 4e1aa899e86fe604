"""`sanfang seed demo` and `sanfang seed megacity --scale S`: generated registry workbooks
imported through the real import path; the demo also gets one login per role."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from sanfang.demo import generator
from sanfang.demo.services import (
    SeedError,
    demo_logins_create,
    seed_demo_cases,
    seed_demo_decisions,
    seed_workbook,
)


class Command(BaseCommand):
    help = ("Seed the database. `seed demo`: a believable district (示范区, ~350 compounds, ~100,000 units) "
            "with one login per role. `seed megacity --scale S`: the megacity of WORKLOADS.md "
            "(scale 0.1 = MC-0.1, 1 = MC-1). Both are deterministic and safe to run again.")

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["demo", "megacity"], help="which data set")
        parser.add_argument("--scale", type=float, default=0.1, help="megacity scale (0 < S ≤ 1; default 0.1)")
        parser.add_argument("--size", type=float, default=1.0,
                            help="demo size (default 1: ~350 compounds; 0.02 gives a few compounds)")
        parser.add_argument("--password", default=generator.DEMO_PASSWORD, help="password of the demo logins")

    def handle(self, *args, what, scale, size, password, **options):
        if what == "megacity" and not 0 < scale <= 1:
            raise CommandError("--scale must be more than 0 and at most 1.")
        if what == "demo" and not 0 < size <= 1:
            raise CommandError("--size must be more than 0 and at most 1.")
        if len(password) < 8:
            raise CommandError("--password needs at least 8 characters.")
        try:
            self._seed(what, scale, size, password)
        except SeedError as exc:
            raise CommandError(str(exc)) from None
        except DatabaseError as exc:
            raise CommandError(f"The database refused the seed ({str(exc).strip()[:300]}). Is it migrated? "
                               f"Run `sanfang migrate` first.") from None
        except MemoryError:
            raise CommandError("Out of memory while generating; try a smaller --scale.") from None
        except Exception as exc:  # a bug, not a user error: one line here, the chain with --traceback
            raise CommandError(f"The seed failed ({type(exc).__name__}: {exc}). Run again with --traceback "
                               f"for details.") from exc

    def say(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()

    def _seed(self, what: str, scale: float, size: float, password: str) -> None:
        started = time.perf_counter()
        label = "the demo district" if what == "demo" else f"the megacity at scale {scale:g}"
        self.say(f"Generating {label} …")
        sheets = generator.demo_district(size=size) if what == "demo" else generator.megacity(scale)
        generated = time.perf_counter() - started
        counts = ", ".join(f"{name} {len(rows):,}" for name, rows in sheets.items())
        self.say(f"  {generator.row_count(sheets):,} rows in {generated:.1f} s ({counts})")

        self.say("Importing through the registry import (source “seed”) …")
        result = seed_workbook(sheets=sheets)
        report = result.report
        self.say(f"  {result.import_seconds:.1f} s, {result.rows / max(result.import_seconds, 1e-9):,.0f} rows/s: "
                 f"{report.created:,} created, {report.updated:,} updated, {report.unchanged:,} unchanged")
        for name, c in report.counts.items():
            if c.total:
                pad = " " * (10 - _width(name))
                self.say(f"    {name}{pad}{c.created:>9,} created {c.updated:>7,} updated {c.unchanged:>9,} unchanged")
        for w in report.warnings[:5]:
            self.say(f"  warning: {w}")

        if what == "demo":
            self.say("Logins …")
            t = time.perf_counter()
            logins = demo_logins_create(sheets=sheets, password=password)
            self.say(f"  {len(logins)} logins in {time.perf_counter() - t:.1f} s")
            self._table(logins, password)
            self.say("Cases …")
            t = time.perf_counter()
            made = seed_demo_cases(logins)
            self.say(f"  {made} cases in {time.perf_counter() - t:.1f} s" if made else "  already there")
            self.say("Owners' decisions …")
            t = time.perf_counter()
            made = seed_demo_decisions(logins)
            self.say(f"  {made} polls in {time.perf_counter() - t:.1f} s" if made else "  already there")
        self.say(self.style.SUCCESS(f"Seeded {label} in {time.perf_counter() - started:.1f} s."))

    def _table(self, logins, password: str) -> None:
        rows = [("role", "username", "phone", "person", "what they see")]
        for login, user in logins:
            rows.append((login.role, user.username, user.phone, user.first_name, login.sees))
        widths = [max(_width(r[i]) for r in rows) for i in range(4)]
        self.say("")
        for i, r in enumerate(rows):
            cells = [r[j] + " " * (widths[j] - _width(r[j])) for j in range(4)]
            self.say("  " + "  ".join(cells) + "  " + r[4])
            if i == 0:
                self.say("  " + "  ".join("-" * w for w in widths) + "  " + "-" * 13)
        self.say("")
        self.say(f"Every login's password: {password}   (log in with the username or the phone number)")


def _width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters take two."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
