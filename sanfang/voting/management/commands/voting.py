"""`sanfang voting`: recompute an owners' decision from published data (contracts/TALLY.md).

    sanfang voting tally FILE.json|-     the result of a roll and its ballots (RULES V2–V8, V11, V12)
    sanfang voting verify LOG.json|-     check a published ballot log and recount it

Both read only the file (``-`` for standard input), never the database, so an owner, a court
or an auditor gets the same answer as the platform. ``tally`` prints the result as one JSON
line; bad input exits with status 2 and one line on standard error naming the offending item.
``verify`` prints the recounted result and exits 0 only when the hash chain, the head hash
and the published result all check; otherwise it prints each problem on standard error and
exits 1 (a file that is not JSON: 2).
"""

import json
import sys
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from sanfang.voting import ballotlog, rules

BAD_INPUT, NOT_VERIFIED = 2, 1


def _no_constant(name):
    raise ValueError(_("%(name)s is not a number") % {"name": name})


class Command(BaseCommand):
    help = "Recompute an owners' decision: tally a roll and its ballots, or verify a published ballot log."
    requires_system_checks = []  # reads a file, never the database
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        tally = actions.add_parser("tally", help="Tally a roll and its ballots (contracts/TALLY.md input).")
        tally.add_argument("file", metavar="FILE.json", help="The input, or - for standard input.")
        verify = actions.add_parser("verify", help="Verify a published ballot log and recount it.")
        verify.add_argument("file", metavar="LOG.json", help="The log, or - for standard input.")

    def handle(self, *args, **options):
        text = self._read(options["file"], options.get("stdin"))
        if options["action"] == "tally":
            return self.tally(options["file"], text)
        return self.verify(options["file"], text)

    def _read(self, path: str, stdin) -> str:
        try:
            if path == "-":
                return (stdin or sys.stdin).read()
            with open(path, encoding="utf-8") as handle:
                return handle.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(_("cannot read %(file)s: %(error)s") % {"file": path, "error": exc},
                               returncode=BAD_INPUT) from None

    def _json(self, path: str, text: str, **kwargs):
        try:
            return json.loads(text, **kwargs)
        except ValueError as exc:  # JSONDecodeError, or NaN/Infinity refused
            raise CommandError(_("%(file)s is not valid JSON: %(error)s") % {"file": path, "error": exc},
                               returncode=BAD_INPUT) from None

    def tally(self, path: str, text: str):
        # Numbers as Decimal: an area written 89.5 without quotes stays exact (RULES V5).
        data = self._json(path, text, parse_float=Decimal, parse_constant=_no_constant)
        try:
            result = rules.tally(data)
        except rules.TallyError as exc:
            raise CommandError(" ".join(str(exc).split()), returncode=BAD_INPUT) from None
        self.stdout.write(json.dumps(result, ensure_ascii=False))

    def verify(self, path: str, text: str):
        doc = self._json(path, text)
        ok, problems, result = ballotlog.verify_log(doc)
        if not ok:
            for problem in problems:
                self.stderr.write(_("problem: %(problem)s") % {"problem": problem})
            raise CommandError(_("%(file)s does not verify: %(n)d problem(s)") % {"file": path, "n": len(problems)},
                               returncode=NOT_VERIFIED)
        self.stdout.write(json.dumps(result, ensure_ascii=False))
