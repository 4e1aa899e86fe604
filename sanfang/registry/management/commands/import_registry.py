"""``sanfang import-registry FILE.xlsx [--dry-run] [--actor USERNAME]``"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

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
            raise CommandError(_("%(n)d problems; nothing was written.") % {"n": len(report.errors)}, returncode=1)
        width = max(len(n) for n in report.counts) + 2
        self.stdout.write(f"{'':{width}}{_('created'):>10}{_('updated'):>10}{_('unchanged'):>10}")
        for name, c in report.counts.items():
            self.stdout.write(f"{name:{width}}{c.created:>10}{c.updated:>10}{c.unchanged:>10}")
        if dry_run:
            self.stdout.write(_("Dry run: nothing was written (%(rows)d rows checked in %(s).1f s).")
                              % {"rows": report.rows, "s": report.seconds})
        elif report.batch_id:
            self.stdout.write(self.style.SUCCESS(_("Imported %(rows)d rows in %(s).1f s (batch %(id)d).")
                                                 % {"rows": report.rows, "s": report.seconds, "id": report.batch_id}))
        else:
            self.stdout.write(_("Nothing changed."))


def _line(problem) -> str:
    """sheet 第N行 column: message (the sheet and row are left out for a problem of the file)."""
    where = " ".join(p for p in (problem.sheet, f"第{problem.row}行" if problem.row else "", problem.column) if p)
    return f"{where}: {problem.message}" if where else problem.message
