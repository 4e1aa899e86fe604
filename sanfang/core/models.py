"""The shared kernel's tables: the change history every registry write leaves behind."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ChangeEvent(models.Model):
    """Who changed which registry row, how, and when (DESIGN habit 3).

    One row per created, updated or deleted row. Creations carry no diff (the row itself is the
    content); updates carry ``{field: [old, new]}``. ``source`` tells the entry point: a form,
    the admin, an import batch (``import:<id>``), the API, or a seed.

    A bulk creation (an import) records one event per contiguous run of new ids instead of one
    per row: ``object_id_end`` set means "every row of ``model`` with an id from ``object_id``
    to ``object_id_end`` inclusive was created here", with ``changes={"count": n}``. Read an
    object's history through ``history.history_of``, which includes the ranges covering it.
    """

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("updated")
        DELETE = "delete", _("deleted")

    # Not indexed: ids grow with time, so "latest first" is ``-id`` (the primary key's index).
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    model = models.CharField(max_length=40)
    object_id = models.BigIntegerField()
    object_id_end = models.BigIntegerField(null=True, blank=True)  # a range event: the last id covered
    action = models.CharField(max_length=8, choices=Action.choices)
    changes = models.JSONField(null=True, blank=True)
    source = models.CharField(max_length=40, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["model", "object_id"]),
            # The few range events, so "which ranges cover id n" never scans the per-row events.
            models.Index(fields=["model", "object_id", "object_id_end"], condition=Q(object_id_end__isnull=False),
                         name="core_change_range_idx"),
        ]
        ordering = ["-id"]

    def __str__(self):
        if self.object_id_end is not None:
            return f"{self.model}#{self.object_id}–{self.object_id_end} {self.action}"
        return f"{self.model}#{self.object_id} {self.action}"


class AccessLog(models.Model):
    """Every view of a person's full record (DESIGN: data protection)."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    model = models.CharField(max_length=40)
    object_id = models.BigIntegerField()
    channel = models.CharField(max_length=12, default="web")

    class Meta:
        indexes = [models.Index(fields=["model", "object_id"])]
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.actor_id} viewed {self.model}#{self.object_id}"


class WorkdayOverride(models.Model):
    """An administrator's entry of the official schedule for one day (RULES T1).

    The State Council publishes next year's holidays and adjusted workdays (调休) around
    November, usually before the ``chinesecalendar`` package is updated; a row here wins over
    the package, and any row in a year marks that year as entered (``workdays.covered``).
    """

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"), default=False)  # unticked: a day off
    name = models.CharField(_("name"), max_length=60, blank=True)  # "春节", "调休上班"
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("working-day override")
        verbose_name_plural = _("working-day overrides")

    def __str__(self):
        kind = "workday" if self.is_workday else "day off"
        return f"{self.date.isoformat()} {kind} {self.name}".rstrip()
