"""``sanfang export-registry [--region CODE] [--user USERNAME] FILE.xlsx``"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from xlsxwriter.exceptions import FileCreateError

from sanfang.places.models import Region
from sanfang.registry.services import registry_export


class Command(BaseCommand):
    help = "Write the registry (everything, or one region's subtree) as a workbook the import reads back."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the workbook to write (.xlsx)")
        parser.add_argument("--region", help="code of the region to export (default: everything)")
        parser.add_argument("--user", help="export only what this user may see")

    def handle(self, *args, file, region, user, **options):
        who = None
        if user:
            try:
                who = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist:
                raise CommandError(_("No user named %(name)s.") % {"name": user}) from None
        if not file.lower().endswith(".xlsx"):
            raise CommandError(_("The file name must end in .xlsx."))
        try:
            counts = registry_export(user=who, region=region, target=file)
        except Region.DoesNotExist:
            raise CommandError(_("No region with code %(code)s.") % {"code": region}) from None
        except (OSError, FileCreateError) as exc:
            raise CommandError(_("The file cannot be written (%(reason)s).") % {"reason": exc}) from None
        self.stdout.write(", ".join(f"{name} {n}" for name, n in counts.items()))
        self.stdout.write(self.style.SUCCESS(_("Wrote %(file)s.") % {"file": file}))
