"""``sanfang import-registry FILE.xlsx [--dry-run] [--actor USERNAME]``"""

import unicodedata

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sanfang.registry.services import registry_import_file
from sanfang.registry.workbook import PERSONS, SHEETS


class Command(BaseCommand):
    help = "Import a registry workbook (.xlsx): all or nothing; the same workbook twice changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the workbook (.xlsx)")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument("--actor", help="username recorded as the author of the changes")

    def handle(self, *args, file, dry_run, actor, **options):
        user = None
        if actor:
            try:
                user = get_user_model().objects.get(username=actor)
            except get_user_model().DoesNotExist:
                raise CommandError(_("No user named %(name)s.") % {"name": actor}) from None
        report = registry_import_file(file=file, actor=user, dry_run=dry_run)
        for w in report.warnings:
            self.stderr.write(_("warning: %(problem)s") % {"problem": _line(w)})
        if report.errors:
            for e in report.sorted_errors([*SHEETS, PERSONS]):
                self.stderr.write(_line(e))
            n = len(report.errors)
            raise CommandError(ngettext("%(n)d problem; nothing was written.", "%(n)d problems; nothing was written.", n)
                               % {"n": n}, returncode=1)
        width = max(_width(n) for n in report.counts) + 2
        self.stdout.write(_pad("", width) + "".join(_pad(h, 12, right=True)
                                                    for h in (_("created"), _("updated"), _("unchanged"))))
        for name, c in report.counts.items():
            self.stdout.write(_pad(name, width) + "".join(_pad(str(n), 12, right=True)
                                                          for n in (c.created, c.updated, c.unchanged)))
        if dry_run:
            self.stdout.write(_("Dry run: nothing was written (%(rows)d rows checked in %(s).1f s).")
                              % {"rows": report.rows, "s": report.seconds})
        elif report.batch_id:
            self.stdout.write(self.style.SUCCESS(_("Imported %(rows)d rows in %(s).1f s (batch %(id)d).")
                                                 % {"rows": report.rows, "s": report.seconds, "id": report.batch_id}))
        else:
            self.stdout.write(_("Nothing changed."))


def _width(text: str) -> int:
    """Columns on a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    space = " " * max(0, width - _width(text))
    return space + text if right else text + space


def _line(problem) -> str:
    """sheet 第N行 column: message (the sheet and row are left out for a problem of the file)."""
    where = " ".join(p for p in (problem.sheet, f"第{problem.row}行" if problem.row else "", problem.column) if p)
    return f"{where}: {problem.message}" if where else problem.message
