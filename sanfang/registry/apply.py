"""Step 3 of an import: the plan written in one go — bulk inserts, bulk updates, and the history
(core.ChangeEvent) all inside the caller's transaction: one event per updated row with its
diff, and one range event per contiguous run of created ids per table (normally one per table)."""

import json
import time
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from operator import itemgetter

from django.utils import timezone

from sanfang.core import history
from sanfang.core.history import label
from sanfang.core.models import ChangeEvent

from .bulk import (
    allocate_ids,
    check_constraints,
    clustered_by_id,
    db_datetime,
    insert_columns,
    insert_rows,
    update_rows,
)
from .plan import ModelPlan, Ref
from .workbook import COMPOUNDS, CONTRACTS, MEMBERSHIPS, ORGANIZATIONS, OWNERS, PERSONS, REGIONS, UNITS

EVENT_FIELDS = ("at", "actor_id", "model", "object_id", "action", "changes", "source")


def _plain(value):
    # The same JSON-safe forms as core.history.snapshot, so diffs read alike whoever wrote them.
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


class Writer:
    def __init__(self, plans: dict[str, ModelPlan], ids: dict[str, dict], *, actor, source: str, timings=None):
        self.plans = plans
        self.ids = ids
        self.actor = actor
        self.actor_id = actor.pk if actor is not None else None
        self.source = source[:40]
        self.now = timezone.now()
        self.at = db_datetime(self.now)
        self.events: list[tuple] = []           # history rows of updates
        self.created: dict[str, list] = {}      # model label → the id sequences created
        self.timings = timings

    def resolve(self, value):
        if type(value) is Ref:
            return self.ids[value.kind][value.key]
        return value

    def write(self) -> int:
        """Write everything; returns the number of history rows written."""
        self._regions()
        for name in (COMPOUNDS, "楼栋", UNITS, PERSONS, OWNERS):
            self._creates(self.plans[name])
            self._updates(self.plans[name])
        self._organizations()
        for name in ("coverage", MEMBERSHIPS, CONTRACTS):
            self._creates(self.plans[name])
            self._updates(self.plans[name])
        started = time.perf_counter()
        insert_rows(ChangeEvent, EVENT_FIELDS, self.events)
        ranges = [history.created_range(actor=self.actor, model=model, first=first, last=last, source=self.source,
                                        at=self.now)
                  for model, chunks in self.created.items() for first, last in history.runs(*chunks)]
        ChangeEvent.objects.bulk_create(ranges)
        self._time("events", started)
        started = time.perf_counter()
        check_constraints()
        self._time("constraints", started)
        return len(self.events) + len(ranges)

    # ------------------------------------------------------------------
    def _creates(self, plan: ModelPlan, keys=None, rows=None) -> Sequence[int]:
        """Insert ``rows`` (all of the plan's by default) with fresh ids, register the ids under
        their ``keys`` and return them, in the order of the rows."""
        keys = plan.keys if keys is None else keys
        rows = plan.rows if rows is None else rows
        if not rows:
            return []
        started = time.perf_counter()
        pks = allocate_ids(plan.model, len(rows))
        # Column by column: only a foreign-key column can hold a Ref, and most hold none.
        columns = [list(map(itemgetter(i), rows)) for i in range(len(plan.fields))]
        ids_of = self.ids
        for i, column in enumerate(columns):
            if Ref in map(type, column):
                columns[i] = [ids_of[v.kind][v.key] if type(v) is Ref else v for v in column]
        # Sent sorted by the first column (unique) when the plan asks, each row with its own id —
        # unless the table itself is kept in id order (SQLite), which would then grow at random.
        order = sorted(range(len(rows)), key=columns[0].__getitem__) \
            if plan.insert_sorted and not clustered_by_id() else None
        insert_columns(plan.model, plan.fields, columns, ids=pks, order=order)
        del columns, order
        if plan.kind:
            self.ids[plan.kind].update(zip(keys, pks, strict=True))
        model = label(plan.model)
        self.created.setdefault(model, []).append(pks)
        self._time(model, started)
        return pks

    def _time(self, what: str, started: float) -> None:
        if self.timings is not None:
            self.timings[what] = self.timings.get(what, 0) + time.perf_counter() - started

    def _updates(self, plan: ModelPlan, updates=None) -> None:
        updates = plan.updates if updates is None else updates
        if not updates:
            return
        started = time.perf_counter()
        fields = plan.update_fields
        resolve = self.resolve
        rows = []
        model, events, base = label(plan.model), self.events, (self.at, self.actor_id)
        for u in updates:
            new = {f: resolve(u.new[f]) for f in fields}
            rows.append((u.pk, *new.values()))
            changes = {f: [_plain(u.old[f]), _plain(v)] for f, v in new.items() if u.old[f] != v}
            events.append((*base, model, u.pk, ChangeEvent.Action.UPDATE,
                           json.dumps(changes, ensure_ascii=False), self.source))
        update_rows(plan.model, fields, rows)
        self._time(f"{model} updates", started)

    def _regions(self) -> None:
        # Parents first: each depth is inserted before the next so children can point at it.
        plan = self.plans[REGIONS]
        path = plan.fields.index("path")
        by_depth: dict[int, tuple[list, list]] = {}
        for key, row in zip(plan.keys, plan.rows, strict=True):
            keys, rows = by_depth.setdefault(row[path].count("/"), ([], []))
            keys.append(key)
            rows.append(row)
        for depth in sorted(by_depth):
            self._creates(plan, *by_depth[depth])
        self._updates(plan)

    def _organizations(self) -> None:
        # Insert without the party parent (it may be created in the same batch), then set it.
        plan = self.plans[ORGANIZATIONS]
        at = plan.fields.index("party_parent_id")
        pending = []
        for i, row in enumerate(plan.rows):
            parent = row[at]
            if type(parent) is Ref and parent.key not in self.ids["org"]:
                pending.append((i, parent))
                plan.rows[i] = (*row[:at], None, *row[at + 1:])
        pks = self._creates(plan)
        if pending:
            update_rows(plan.model, ("party_parent_id",), [(pks[i], self.resolve(parent)) for i, parent in pending])
        self._updates(plan)
