"""Writing the change history (core.ChangeEvent) from services, the admin and bulk imports."""

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.db import models

from .models import ChangeEvent


def _plain(value):
    """A JSON-safe form of a field value, so diffs survive serialisation unchanged."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(obj: models.Model) -> dict:
    """Concrete field values keyed by attname (``compound_id``, not ``compound``)."""
    return {f.attname: _plain(getattr(obj, f.attname)) for f in obj._meta.concrete_fields if not f.primary_key}


def diff(before: dict, after: dict) -> dict:
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def label(model) -> str:
    return model._meta.label_lower


def event(*, actor, obj, action: str, changes: dict | None = None, source: str = "") -> ChangeEvent:
    """An unsaved event row; callers bulk-create many at once or save one."""
    return ChangeEvent(
        actor=actor, model=label(type(obj)), object_id=obj.pk, action=action, changes=changes, source=source
    )


def record(*, actor, obj, action: str, changes: dict | None = None, source: str = "") -> ChangeEvent:
    ev = event(actor=actor, obj=obj, action=action, changes=changes, source=source)
    ev.save()
    return ev


def record_many(events: Iterable[ChangeEvent], batch_size: int = 5000) -> None:
    ChangeEvent.objects.bulk_create(events, batch_size=batch_size)


def save_tracked(obj: models.Model, *, actor, source: str) -> ChangeEvent | None:
    """Save ``obj`` and record what changed; nothing is recorded when nothing changed."""
    if obj.pk is None:
        obj.full_clean()
        obj.save()
        return record(actor=actor, obj=obj, action=ChangeEvent.Action.CREATE, source=source)
    before = snapshot(type(obj).objects.get(pk=obj.pk))
    changes = diff(before, snapshot(obj))
    if not changes:
        return None
    obj.full_clean()
    obj.save()
    return record(actor=actor, obj=obj, action=ChangeEvent.Action.UPDATE, changes=changes, source=source)


def history_of(obj: models.Model):
    return ChangeEvent.objects.filter(model=label(type(obj)), object_id=obj.pk).select_related("actor")


def log_access(*, actor, obj: models.Model, channel: str = "web") -> None:
    from .models import AccessLog

    AccessLog.objects.create(actor=actor, model=label(type(obj)), object_id=obj.pk, channel=channel)
