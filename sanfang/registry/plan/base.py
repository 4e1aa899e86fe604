"""Step 2 of an import: the parsed records checked against each other and the database, and
turned into a plan of inserts and updates. Reads only — one query per table, restricted to
the codes and compounds the workbook names.

References resolve to ids when the target is already stored, or to a ``Ref`` (kind, natural
key) when the same workbook creates it; the writer resolves those as it inserts.
"""

from dataclasses import dataclass, field
from typing import NamedTuple

from django.utils.translation import gettext as _

from sanfang.accounts.models import Role
from sanfang.accounts.scope import seats_of

from ..parse import ABSENT, Parsed
from ..report import ImportReport, SheetCount
from ..workbook import (
    AREA_SOURCES,
    COMPOUNDS,
    ORG_KINDS,
    REGION_LEVELS,
    labels,
)

LEVELS = ("city", "district", "subdistrict", "community")
LEVEL_LABELS = labels(REGION_LEVELS)
KIND_LABELS = labels(ORG_KINDS)
SOURCE_LABELS = labels(AREA_SOURCES)
# Organisations that always carry a PartyCoverage row (how the party reaches them).
COVERED_KINDS = {"owners_committee", "supervisory_committee", "management_committee", "preparatory_group",
                 "property_company"}
PARTY_ORG = "party_org"
PROPERTY_COMPANY = "property_company"


class Ref(NamedTuple):
    """A row the same import creates: ``kind`` names an id map, ``key`` its natural key."""

    kind: str
    key: object


@dataclass(slots=True)
class Update:
    pk: int
    old: dict
    new: dict


@dataclass
class ModelPlan:
    """What to write to one table. Rows to create are kept as two parallel lists — their
    natural keys and their values — rather than an object per row: a district has a million."""

    model: type
    kind: str | None            # the id map created rows are registered in
    fields: tuple               # columns of an insert
    update_fields: tuple        # columns of an update
    keys: list = field(default_factory=list)   # natural key of each row to create
    rows: list = field(default_factory=list)   # its values, a tuple in the order of fields
    updates: list = field(default_factory=list)
    # Insert the new rows sorted by their first column (unique), their ids still drawn in plan
    # order: see Planner.persons.
    insert_sorted: bool = False

    def create(self, key, values: dict) -> None:
        self.keys.append(key)
        self.rows.append(tuple([values[f] for f in self.fields]))

    def settle(self, key, row, old: dict, new: dict, create: dict, count) -> None:
        """One workbook row against its stored row (``None`` when new): create it, update what
        changed, or leave it — and count which."""
        if row is None:
            self.create(key, create)
            count.created += 1
        elif _changed(old, new):
            self.updates.append(Update(row[0], old, new))
            count.updated += 1
        else:
            count.unchanged += 1


def _keep(new, old, default):
    """A choice or yes/no cell: blank or absent keeps the stored value."""
    if new is None or new is ABSENT:
        return default if old is ABSENT else old
    return new


def _clear(new, old, default=None):
    """An optional value: blank clears it, an absent column keeps it."""
    if new is ABSENT:
        return default if old is ABSENT else old
    return default if new is None else new


def _changed(old: dict, new: dict) -> bool:
    return any(type(v) is Ref or old[k] != v for k, v in new.items())



class PlannerBase:
    def __init__(self, parsed: Parsed, report: ImportReport, actor=None):
        self.p = parsed
        self.report = report
        self.ids: dict[str, dict] = {k: {} for k in ("region", "compound", "building", "unit", "person", "org")}
        self.plans: dict[str, ModelPlan] = {}
        self.counts = report.counts
        self.actor = actor
        self.scope = _scope_paths(actor)
        self.org_ok: dict[str, bool] = {}  # organisation code → inside the actor's scope
        self.region_level: dict[str, str] = {}
        self.region_path: dict[str, str] = {}
        self.compound_path: dict[str, str | None] = {}
        self.compound_code_by_id: dict[int, str] = {}
        self.buildings: set = set()
        self.building_by_id: dict[int, tuple] = {}
        self.units: set = set()
        self.org_kind: dict[str, str] = {}
        self.org_code_by_id: dict[int, str] = {}
        self.org_path: dict[str, str | None] = {}
        self._codes: dict[str, set] = {}

    # ---------------------------------------------------------------- helpers
    def recs(self, sheet: str) -> dict:
        return self.p.records.get(sheet, {})

    def error(self, sheet, rec, column, code, message):
        self.report.error(sheet, rec["_row"], column, code, message)
        rec["_bad"] = True

    def count(self, sheet: str) -> SheetCount:
        return self.counts.setdefault(sheet, SheetCount())

    def ref(self, kind: str, key):
        pk = self.ids[kind].get(key)
        return Ref(kind, key) if pk is None else pk

    def in_scope(self, *paths) -> bool:
        if self.scope is None:
            return True
        return all(p is None or p.startswith(self.scope) for p in paths)

    def hidden(self, path) -> bool:
        """A stored row the actor may not see: references to it read as unknown, so the import
        does not tell what exists elsewhere. The ancestors of the actor's own regions are known
        to them (their codes are in their own paths)."""
        if self.scope is None or path is None or path.startswith(self.scope):
            return False
        return not any(s.startswith(path) for s in self.scope)

    def out_of_scope(self, sheet, rec, column):
        self.error(sheet, rec, column, "out_of_scope", _("This is outside the regions you are responsible for."))


def recs_compounds(planner) -> dict:
    return planner.recs(COMPOUNDS)


# Seats that keep a region's registry. A department officer reads a region but never writes
# its registry; grid workers, committees, companies and residents write nothing here.
REGISTRY_KEEPERS = {Role.DISTRICT_OFFICER, Role.SUBDISTRICT_OFFICER, Role.COMMUNITY_WORKER}


def _scope_paths(actor) -> tuple[str, ...] | None:
    """Region paths an actor may write under; None for the system or a superuser."""
    if actor is None or getattr(actor, "is_superuser", False):
        return None
    return tuple(seat.region.path for seat in seats_of(actor) if seat.role in REGISTRY_KEEPERS and seat.region_id)
