"""Writing the change history (core.ChangeEvent) from services, the admin and bulk imports."""

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone

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


def runs(*id_sets: Iterable[int]) -> list[tuple[int, int]]:
    """The contiguous runs of the ids in ``id_sets`` as (first, last) pairs, in increasing
    order; duplicates count once. A ``range`` (what an import draws from a sequence) costs
    nothing however long it is."""
    spans: list[tuple[int, int]] = []
    for ids in id_sets:
        if isinstance(ids, range) and ids.step == 1:
            if ids:
                spans.append((ids.start, ids.stop - 1))
        else:
            spans.extend((pk, pk) for pk in ids)
    spans.sort()
    out: list[tuple[int, int]] = []
    for first, last in spans:
        if out and first <= out[-1][1] + 1:
            if last > out[-1][1]:
                out[-1] = (out[-1][0], last)
        else:
            out.append((first, last))
    return out


def created_range(*, actor, model: type[models.Model] | str, first: int, last: int, source: str = "",
                  at=None) -> ChangeEvent:
    """An unsaved event saying every row of ``model`` with an id from ``first`` to ``last``
    (inclusive) was created, with ``changes={"count": n}``: the history of a bulk creation."""
    if last < first:
        raise ValueError(f"empty range {first}–{last}")
    return ChangeEvent(
        at=at or timezone.now(), actor=actor, model=model if isinstance(model, str) else label(model),
        object_id=first, object_id_end=last, action=ChangeEvent.Action.CREATE,
        changes={"count": last - first + 1}, source=source,
    )


def created_ranges(*, actor, model: type[models.Model] | str, ids: Iterable[int], source: str = "",
                   at=None) -> list[ChangeEvent]:
    """Unsaved range events covering ``ids`` (one per contiguous run)."""
    at = at or timezone.now()
    return [created_range(actor=actor, model=model, first=first, last=last, source=source, at=at)
            for first, last in runs(ids)]


def record_created_range(*, actor, model: type[models.Model] | str, ids: Iterable[int], source: str = "",
                         at=None) -> list[ChangeEvent]:
    """Record the creation of the rows ``ids`` of ``model`` in bulk: one saved event per
    contiguous run of ids (normally one), instead of one per row."""
    events = created_ranges(actor=actor, model=model, ids=ids, source=source, at=at)
    ChangeEvent.objects.bulk_create(events)
    return events


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
    """Every event about ``obj``, latest first: its own events and the bulk-creation ranges
    that cover it."""
    pk = obj.pk
    return ChangeEvent.objects.filter(
        Q(object_id=pk, object_id_end__isnull=True) | Q(object_id__lte=pk, object_id_end__gte=pk),
        model=label(type(obj)),
    ).select_related("actor")


def log_access(*, actor, obj: models.Model, channel: str = "web") -> None:
    from .models import AccessLog

    AccessLog.objects.create(actor=actor, model=label(type(obj)), object_id=obj.pk, channel=channel)
