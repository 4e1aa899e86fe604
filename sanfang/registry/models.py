"""One row per applied import: who, when, which file, what it changed. History rows it wrote
carry ``source = "import:<id>"`` (or the caller's source, e.g. ``seed:<id>``)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportBatch(models.Model):
    class Status(models.TextChoices):
        APPLIED = "applied", _("applied")

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("source"), max_length=20, default="import")
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.APPLIED)
    # {sheet: {"created": n, "updated": n, "unchanged": n}}
    counts = models.JSONField(default=dict)
    rows = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("import batch")

    def __str__(self):
        return f"{self.file_name or self.source} @ {self.at:%Y-%m-%d %H:%M}"
