"""Step 2 of an import: the parsed records checked against each other and the database, and
turned into a plan of inserts and updates. Reads only — one query per table, restricted to
the codes and compounds the workbook names.

References resolve to ids when the target is already stored, or to a ``Ref`` (kind, natural
key) when the same workbook creates it; the writer resolves those as it inserts.
"""

from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfang.accounts.scope import region_paths
from sanfang.core.scope import visible_to
from sanfang.orgs.models import Membership, Organization, Ownership, PartyCoverage, Person, ServiceContract
from sanfang.places.models import Building, Compound, Region, Unit
from sanfang.places.rules import AREA_PRECEDENCE, region_path

from .bulk import filter_in
from .parse import ABSENT, Parsed
from .report import ImportReport, SheetCount
from .workbook import (
    AREA_SOURCES,
    BUILDINGS,
    COMPOUNDS,
    CONTRACTS,
    MEMBERSHIPS,
    ORG_KINDS,
    ORGANIZATIONS,
    OWNERS,
    PERSONS,
    REGION_LEVELS,
    REGIONS,
    UNITS,
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


class Planner:
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

    def plan(self) -> dict[str, ModelPlan]:
        for step in (self.regions, self.compounds, self.buildings_, self.units_, self.persons, self.owners,
                     self.organizations, self.memberships, self.contracts):
            step()
        return self.plans

    # ---------------------------------------------------------------- 区域
    def regions(self):
        recs = self.recs(REGIONS)
        refs = set(recs)
        refs |= {r["parent"] for r in recs.values() if r.get("parent")}
        refs |= {r["community"] for r in self.recs(COMPOUNDS).values() if r.get("community")}
        refs |= {r["region"] for r in self.recs(ORGANIZATIONS).values() if r.get("region")}
        db = {row[1]: row for row in filter_in(
            Region.objects.values_list("id", "code", "name", "level", "parent_id", "path"), "code", refs)}
        self.ids["region"] = {code: row[0] for code, row in db.items()}
        for code, row in db.items():
            self.region_level[code] = row[3]
            self.region_path[code] = row[5]
        for code, r in recs.items():
            if r.get("level"):
                self.region_level[code] = r["level"]
        for r in recs.values():
            parent = r.get("parent")
            if not parent or r["_bad"]:
                continue
            if parent not in recs and (parent not in db or self.hidden(db[parent][5])):
                self.error(REGIONS, r, "上级编码", "unknown_reference",
                           _("No region with code %(code)s in this workbook or the database.") % {"code": parent})
                continue
            level, plevel = r["level"], self.region_level.get(parent)
            if plevel and LEVELS.index(level) != LEVELS.index(plevel) + 1:
                self.error(REGIONS, r, "上级编码", "bad_level",
                           _("A %(level)s cannot be under a %(parent)s: the levels are 市 > 区 > 街道 > 社区.")
                           % {"level": LEVEL_LABELS[level], "parent": LEVEL_LABELS[plevel]})
        self._level_changes(recs, db)

        memo: dict[str, str | None] = {}
        stored = {code: row[5] for code, row in db.items()}

        def path_of(code, seen=()):
            if code in memo:
                return memo[code]
            r = recs.get(code)
            if r is None:
                # A stored region keeps its place under the deepest ancestor this workbook
                # names, which may itself move.
                p = stored.get(code)
                if p is None:
                    return None
                segments = p.strip("/").split("/")
                for i in range(len(segments) - 2, -1, -1):
                    if segments[i] in recs:
                        base = path_of(segments[i], seen)
                        return None if base is None else base + "/".join(segments[i + 1:]) + "/"
                return p
            if code in seen:
                return None
            parent = r.get("parent")
            if parent:
                base = path_of(parent, (*seen, code))
                result = None if base is None else region_path(base, code)
            else:
                result = region_path("", code)
            memo[code] = result
            return result

        for code in set(recs) | set(db):
            path = path_of(code)
            if path:
                self.region_path[code] = path

        plan = self.plans[REGIONS] = ModelPlan(Region, "region", ("code", "name", "level", "parent_id", "path"),
                                               ("name", "level", "parent_id", "path"))
        count = self.count(REGIONS)
        moved = []
        for code, r in recs.items():
            if r["_bad"]:
                continue
            path = self.region_path.get(code)
            parent = r.get("parent")
            new = {"name": r["name"], "level": r["level"],
                   "parent_id": self.ref("region", parent) if parent else None, "path": path}
            row = db.get(code)
            if row is None:
                if not self.in_scope(path):
                    self.out_of_scope(REGIONS, r, "编码")
                    continue
                plan.create(code, {"code": code, **new})
                count.created += 1
                continue
            old = {"name": row[2], "level": row[3], "parent_id": row[4], "path": row[5]}
            if not self.in_scope(row[5]):
                # Outside the scope whether or not it changed: the answer tells nothing more.
                self.out_of_scope(REGIONS, r, "编码")
                continue
            if _changed(old, new):
                if not self.in_scope(path, row[5]):
                    self.out_of_scope(REGIONS, r, "编码")
                    continue
                plan.updates.append(Update(row[0], old, new))
                count.updated += 1
                if path != row[5]:
                    moved.append((row[5], path))
            else:
                count.unchanged += 1
        # A moved region takes its stored subtree along (paths are materialised).
        for old_path, new_path in moved:
            for pk, name, level, parent_id, path in Region.objects.filter(path__startswith=old_path).exclude(
                code__in=list(recs)
            ).values_list("id", "name", "level", "parent_id", "path"):
                old = {"name": name, "level": level, "parent_id": parent_id, "path": path}
                plan.updates.append(Update(pk, old, {**old, "path": new_path + path[len(old_path):]}))

    def _level_changes(self, recs, db):
        changed = {db[c][0]: c for c, r in recs.items() if c in db and r.get("level") and r["level"] != db[c][3]}
        if not changed:
            return
        for parent_id, level in Region.objects.filter(parent_id__in=list(changed)).exclude(
            code__in=list(recs)
        ).values_list("parent_id", "level").distinct():
            r = recs[changed[parent_id]]
            if LEVELS.index(level) != LEVELS.index(r["level"]) + 1 and not r["_bad"]:
                self.error(REGIONS, r, "层级", "bad_level",
                           _("The region has sub-regions of level %(level)s stored; its level cannot change.")
                           % {"level": LEVEL_LABELS[level]})
        was_community = [pk for pk, c in changed.items() if db[c][3] == "community"]
        if was_community:
            for (community_id,) in Compound.objects.filter(community_id__in=was_community).exclude(
                code__in=list(self.recs(COMPOUNDS))
            ).values_list("community_id").distinct():
                r = recs[changed[community_id]]
                if not r["_bad"]:
                    self.error(REGIONS, r, "层级", "bad_level",
                               _("Compounds are stored under this community; it must stay a community."))

    # ---------------------------------------------------------------- 小区
    def compounds(self):
        recs = self.recs(COMPOUNDS)
        refs = set(recs)
        for sheet in (BUILDINGS, UNITS, OWNERS, CONTRACTS):
            refs |= self._compound_codes(sheet)
        refs |= {r["compound"] for r in self.recs(ORGANIZATIONS).values() if r.get("compound")}
        columns = ("id", "code", "name", "community_id", "address", "kind", "built_year", "floor_area", "households",
                   "management_mode", "longitude", "latitude", "community__path")
        db = {row[1]: row for row in filter_in(Compound.objects.values_list(*columns), "code", refs)}
        self.ids["compound"] = {code: row[0] for code, row in db.items()}
        self.compound_code_by_id = {row[0]: code for code, row in db.items()}
        self.compound_path = {code: row[12] for code, row in db.items()}
        fields = ("name", "community_id", "address", "kind", "built_year", "floor_area", "households",
                  "management_mode", "longitude", "latitude")
        plan = self.plans[COMPOUNDS] = ModelPlan(Compound, "compound", ("code", *fields), fields)
        count = self.count(COMPOUNDS)
        for code, r in recs.items():
            community = r.get("community")
            row = db.get(code)
            if row is not None and not self.in_scope(row[12]) and not r["_bad"]:
                # Stored outside the scope: refused whether or not it changed.
                self.compound_path[code] = row[12]
                self.out_of_scope(COMPOUNDS, r, "编码")
                continue
            if community and (community not in self.region_level
                              or (community not in self.recs(REGIONS) and self.hidden(self.region_path.get(community)))):
                self.error(COMPOUNDS, r, "社区编码", "unknown_reference",
                           _("No region with code %(code)s in this workbook or the database.") % {"code": community})
            elif community and self.region_level[community] != "community":
                self.error(COMPOUNDS, r, "社区编码", "wrong_kind",
                           _("%(code)s is a %(level)s, not a 社区.")
                           % {"code": community, "level": LEVEL_LABELS[self.region_level[community]]})
            path = self.region_path.get(community)
            self.compound_path[code] = path
            if r["_bad"]:
                continue
            row = db.get(code)
            old = dict(zip(fields, row[2:12], strict=True)) if row else dict.fromkeys(fields, ABSENT)
            new = {
                "name": r["name"],
                "community_id": self.ref("region", community),
                "address": _clear(r["address"], old["address"], ""),
                "kind": _keep(r["kind"], old["kind"], "commercial"),
                "built_year": _clear(r["built_year"], old["built_year"]),
                "floor_area": _clear(r["floor_area"], old["floor_area"]),
                "households": _clear(r["households"], old["households"]),
                "management_mode": _keep(r["management_mode"], old["management_mode"], "market"),
                "longitude": _clear(r["longitude"], old["longitude"]),
                "latitude": _clear(r["latitude"], old["latitude"]),
            }
            if row is None:
                if not self.in_scope(path):
                    self.out_of_scope(COMPOUNDS, r, "社区编码")
                    continue
                plan.create(code, {"code": code, **new})
                count.created += 1
            elif _changed(old, new):
                if not self.in_scope(path, row[12]):
                    self.out_of_scope(COMPOUNDS, r, "社区编码")
                    continue
                plan.updates.append(Update(row[0], old, new))
                count.updated += 1
            else:
                count.unchanged += 1

    def _compound_missing(self, sheet, r) -> bool:
        code = r.get("compound")
        if code in self.compound_path:
            return False
        self.error(sheet, r, "小区编码", "unknown_reference",
                   _("No compound with code %(code)s in this workbook or the database.") % {"code": code})
        return True

    def _compound_codes(self, sheet: str) -> set:
        """The compound codes a sheet's rows name (read once per sheet: a million rows)."""
        codes = self._codes.get(sheet)
        if codes is None:
            codes = self._codes[sheet] = {r["compound"] for r in self.recs(sheet).values()}
            codes.discard(None)
        return codes

    def _stored_compound_ids(self, *sheets) -> list[int]:
        codes = set()
        for sheet in sheets:
            codes |= self._compound_codes(sheet)
        return [self.ids["compound"][c] for c in codes if c in self.ids["compound"]]

    # ---------------------------------------------------------------- 楼栋
    def buildings_(self):
        recs = self.recs(BUILDINGS)
        cids = self._stored_compound_ids(BUILDINGS, UNITS, OWNERS)
        code_of = self.compound_code_by_id
        db = {}
        for pk, cid, number, floors, entrances in filter_in(
            Building.objects.values_list("id", "compound_id", "number", "floors", "entrances"), "compound_id", cids
        ):
            key = (code_of[cid], number)
            db[key] = (pk, floors, entrances)
            self.building_by_id[pk] = key
        self.ids["building"] = {key: row[0] for key, row in db.items()}
        self.buildings = set(db) | set(recs)
        plan = self.plans[BUILDINGS] = ModelPlan(Building, "building", ("compound_id", "number", "floors", "entrances"),
                                                 ("floors", "entrances"))
        count = self.count(BUILDINGS)
        for key, r in recs.items():
            if self._compound_missing(BUILDINGS, r) or r["_bad"]:
                continue
            row = db.get(key)
            old = {"floors": row[1], "entrances": row[2]} if row else {"floors": ABSENT, "entrances": ABSENT}
            new = {"floors": _clear(r["floors"], old["floors"]), "entrances": _clear(r["entrances"], old["entrances"])}
            if not self.in_scope(self.compound_path[key[0]]):
                self.out_of_scope(BUILDINGS, r, "小区编码")
                continue
            if row is None:
                plan.create(key, {"compound_id": self.ref("compound", key[0]), "number": key[1], **new})
                count.created += 1
            elif _changed(old, new):
                plan.updates.append(Update(row[0], old, new))
                count.updated += 1
            else:
                count.unchanged += 1

    # ---------------------------------------------------------------- 房屋
    def units_(self):
        recs = self.recs(UNITS)
        cids = self._stored_compound_ids(UNITS, OWNERS)
        building_by_id = self.building_by_id
        db = {}
        for pk, bid, entrance, number, kind, area, source in filter_in(
            Unit.objects.values_list("id", "building_id", "entrance", "number", "kind", "exclusive_area", "area_source"),
            "compound_id", cids,
        ):
            b = building_by_id[bid]
            db[(b[0], b[1], entrance, number)] = (pk, kind, area, source)
        self.ids["unit"] = {key: row[0] for key, row in db.items()}
        self.units = set(db) | set(recs)
        plan = self.plans[UNITS] = ModelPlan(
            Unit, "unit", ("compound_id", "building_id", "entrance", "number", "kind", "exclusive_area", "area_source"),
            ("kind", "exclusive_area", "area_source"),
        )
        count = self.count(UNITS)
        keys, rows = plan.keys, plan.rows
        rank = {s: i for i, s in enumerate(AREA_PRECEDENCE)}
        buildings, compound_path, ref, scoped = self.buildings, self.compound_path, self.ref, self.scope is not None
        refs: dict = {}  # compound code or building key → its id or Ref (many units share one)
        for key, r in recs.items():
            if key[0] not in compound_path:
                self._compound_missing(UNITS, r)
                continue
            building = key[:2]
            if building not in buildings:
                self.error(UNITS, r, "楼栋号", "unknown_reference",
                           _("No building %(number)s of compound %(code)s in this workbook or the database.")
                           % {"number": key[1], "code": key[0]})
                continue
            if r["_bad"]:
                continue
            row = db.get(key)
            area, source = r["exclusive_area"], r["area_source"]
            if row is None:
                if scoped and not self.in_scope(compound_path[key[0]]):
                    self.out_of_scope(UNITS, r, "小区编码")
                    continue
                compound_ref = refs.get(key[0])
                if compound_ref is None:
                    compound_ref = refs[key[0]] = ref("compound", key[0])
                building_ref = refs.get(building)
                if building_ref is None:
                    building_ref = refs[building] = ref("building", building)
                # In the order of plan.fields (a tuple: a district has 100,000 of these).
                keys.append(key)
                rows.append((compound_ref, building_ref, key[2], key[3], r["kind"] or "residence", area, source or ""))
                count.created += 1
                continue
            if scoped and not self.in_scope(compound_path[key[0]]):
                self.out_of_scope(UNITS, r, "小区编码")
                continue
            pk, old_kind, old_area, old_source = row
            if area is None:
                area, source = old_area, old_source
            elif old_source and rank[source] > rank[old_source]:
                # RULES V6: the area that counts is the registered one, else the surveyed one,
                # else the contract one; an import never replaces a better source by a worse.
                self.error(UNITS, r, "面积来源", "area_source_downgrade",
                           _("The stored area comes from %(old)s, which takes precedence over %(new)s (RULES V6).")
                           % {"old": SOURCE_LABELS[old_source], "new": SOURCE_LABELS[source]})
                continue
            kind = r["kind"] or old_kind
            if kind != old_kind or area != old_area or source != old_source:
                if not self.in_scope(compound_path[key[0]]):
                    self.out_of_scope(UNITS, r, "小区编码")
                    continue
                plan.updates.append(Update(pk, {"kind": old_kind, "exclusive_area": old_area, "area_source": old_source},
                                           {"kind": kind, "exclusive_area": area, "area_source": source}))
                count.updated += 1
            else:
                count.unchanged += 1

    # ---------------------------------------------------------------- people
    def persons(self):
        people = self.p.persons
        db = {row[1]: row for row in filter_in(
            Person.objects.values_list("id", "id_hash", "name", "id_last4", "phone", "is_party_member"),
            "id_hash", people)}
        self.ids["person"] = {h: row[0] for h, row in db.items()}
        fields = ("name", "id_last4", "phone", "is_party_member")
        # New people go into the table in id_hash order: the unique index on the hashes (random
        # values) then grows at its right edge. In workbook order a million new people touch its
        # pages at random — more than PostgreSQL's cache holds — and their COPY takes about
        # twice as long. Their ids still follow the workbook, so the ownerships' indexes on
        # person ids keep growing in order.
        plan = self.plans[PERSONS] = ModelPlan(Person, "person", ("id_hash", *fields), fields, insert_sorted=True)
        count = self.count(PERSONS)
        keys, rows = plan.keys, plan.rows
        updates = []  # (person key, its record, the update) of stored people the workbook changes
        for h, person in people.items():
            row = db.get(h)
            if row is None:
                if person.last4 is None:
                    sheet, line = person.first
                    self.report.error(sheet, line, "证件号", "unknown_reference",
                                      _("This masked ID number matches no stored person: write the full number."))
                    continue
                keys.append(h)
                rows.append((h, person.name, person.last4, person.phone or "", bool(person.party)))
                count.created += 1
                continue
            old = dict(zip(fields, row[2:], strict=True))
            new = {"name": person.name, "id_last4": person.last4 or old["id_last4"],
                   "phone": person.phone or old["phone"],
                   "is_party_member": old["is_party_member"] if person.party is None else person.party}
            if _changed(old, new):
                updates.append((h, person, Update(row[0], old, new)))
            else:
                count.unchanged += 1
        visible = None
        if self.scope is not None and updates:
            # One query: the people this actor may see among those the workbook would change.
            visible = set(filter_in(visible_to(self.actor, Person.objects.values_list("id_hash", flat=True)),
                                    "id_hash", [h for h, _p, _u in updates]))
        for h, person, update in updates:
            if visible is not None and h not in visible:
                # Someone outside the actor's scope: the row may still link them (an ownership or
                # appointment inside the scope) but their name, phone and party flag stay.
                sheet, line = person.first
                self.report.warn(sheet, line, "证件号", "person_not_updated",
                                 _("This person is recorded outside your regions: the row links them, but "
                                   "their stored name, phone and party membership are left unchanged."))
                count.unchanged += 1
                continue
            plan.updates.append(update)
            count.updated += 1

    # ---------------------------------------------------------------- 业主
    def owners(self):
        recs = self.recs(OWNERS)
        cids = self._stored_compound_ids(OWNERS)
        db = {(u, p): (pk, held) for pk, u, p, held in filter_in(
            Ownership.objects.values_list("id", "unit_id", "person_id", "developer_held"), "compound_id", cids)}
        plan = self.plans[OWNERS] = ModelPlan(Ownership, None, ("unit_id", "person_id", "compound_id", "developer_held"),
                                              ("developer_held",))
        count = self.count(OWNERS)
        keys, rows = plan.keys, plan.rows
        units, unit_ids, person_ids = self.units, self.ids["unit"], self.ids["person"]
        compound_path, scoped = self.compound_path, self.scope is not None
        compound_refs: dict = {}  # compound code → its id or Ref (many owners share one)
        for key, r in recs.items():
            unit = key[:4]
            if key[0] not in compound_path:
                self._compound_missing(OWNERS, r)
                continue
            if unit not in units:
                self.error(OWNERS, r, "房号", "unknown_reference",
                           _("No unit %(unit)s in this workbook or the database.") % {"unit": "-".join(p for p in unit if p)})
                continue
            if r["_bad"]:
                continue
            uid, pid = unit_ids.get(unit), person_ids.get(key[4])
            row = db.get((uid, pid)) if uid and pid else None
            if row is None:
                if scoped and not self.in_scope(compound_path[key[0]]):
                    self.out_of_scope(OWNERS, r, "小区编码")
                    continue
                compound_ref = compound_refs.get(key[0])
                if compound_ref is None:
                    compound_ref = compound_refs[key[0]] = self.ref("compound", key[0])
                keys.append(key)
                rows.append((uid or Ref("unit", unit), pid or Ref("person", key[4]), compound_ref,
                             bool(r["developer_held"])))
                count.created += 1
                continue
            if scoped and not self.in_scope(compound_path[key[0]]):
                self.out_of_scope(OWNERS, r, "小区编码")
                continue
            held = _keep(r["developer_held"], row[1], False)
            if held != row[1]:
                if not self.in_scope(compound_path[key[0]]):
                    self.out_of_scope(OWNERS, r, "小区编码")
                    continue
                plan.updates.append(Update(row[0], {"developer_held": row[1]}, {"developer_held": held}))
                count.updated += 1
            else:
                count.unchanged += 1

    # ---------------------------------------------------------------- 组织
    def organizations(self):
        recs = self.recs(ORGANIZATIONS)
        refs = set(recs)
        refs |= {r["organization"] for r in self.recs(MEMBERSHIPS).values() if r.get("organization")}
        refs |= {r["company"] for r in self.recs(CONTRACTS).values() if r.get("company")}
        refs |= {r["party_parent"] for r in recs.values() if r.get("party_parent")}
        columns = ("id", "code", "name", "kind", "compound_id", "region_id", "credit_code", "party_parent_id",
                   "compound__community__path", "region__path")
        db = {row[1]: row for row in filter_in(Organization.objects.values_list(*columns), "code", refs)}
        self.ids["org"] = {code: row[0] for code, row in db.items()}
        self.org_code_by_id = {row[0]: code for code, row in db.items()}
        self.org_kind = {code: row[3] for code, row in db.items()}
        self.org_path = {code: row[8] or row[9] for code, row in db.items()}
        for code, r in recs.items():
            if r.get("kind"):
                self.org_kind[code] = r["kind"]
        coverage = {org_id: (pk, mode) for pk, org_id, mode in filter_in(
            PartyCoverage.objects.values_list("id", "organization_id", "mode"), "organization_id",
            [row[0] for row in db.values()])}
        fields = ("name", "kind", "compound_id", "region_id", "credit_code", "party_parent_id")
        plan = self.plans[ORGANIZATIONS] = ModelPlan(Organization, "org", ("code", *fields), fields)
        cplan = self.plans["coverage"] = ModelPlan(PartyCoverage, None, ("organization_id", "mode"), ("mode",))
        count = self.count(ORGANIZATIONS)
        self._party_cycles(recs, db)
        stored_ok = self._stored_orgs_in_scope(db)
        served = self._served_in_workbook()
        self.org_ok = dict(stored_ok)
        for code, r in recs.items():
            compound, region, parent = r.get("compound"), r.get("region"), r.get("party_parent")
            if compound and compound not in recs_compounds(self) and self.hidden(self.compound_path.get(compound)):
                self.error(ORGANIZATIONS, r, "所属小区编码", "unknown_reference",
                           _("No compound with code %(code)s in this workbook or the database.") % {"code": compound})
            elif region and region not in self.recs(REGIONS) and self.hidden(self.region_path.get(region)):
                self.error(ORGANIZATIONS, r, "所属区域编码", "unknown_reference",
                           _("No region with code %(code)s in this workbook or the database.") % {"code": region})
            elif parent and parent not in recs and parent in stored_ok and not stored_ok[parent] \
                    and self.hidden(self.org_path.get(parent)):
                self.error(ORGANIZATIONS, r, "上级党组织编码", "unknown_reference",
                           _("No organisation with code %(code)s in this workbook or the database.") % {"code": parent})
            if compound and compound not in self.compound_path:
                self.error(ORGANIZATIONS, r, "所属小区编码", "unknown_reference",
                           _("No compound with code %(code)s in this workbook or the database.") % {"code": compound})
            if region and region not in self.region_level:
                self.error(ORGANIZATIONS, r, "所属区域编码", "unknown_reference",
                           _("No region with code %(code)s in this workbook or the database.") % {"code": region})
            if parent and parent not in self.org_kind:
                self.error(ORGANIZATIONS, r, "上级党组织编码", "unknown_reference",
                           _("No organisation with code %(code)s in this workbook or the database.") % {"code": parent})
            elif parent and self.org_kind[parent] != PARTY_ORG:
                self.error(ORGANIZATIONS, r, "上级党组织编码", "wrong_kind",
                           _("%(code)s is a %(kind)s, not a 党组织.")
                           % {"code": parent, "kind": KIND_LABELS.get(self.org_kind[parent], self.org_kind[parent])})
            row = db.get(code)
            old_path = row[8] or row[9] if row else None
            path = (self.compound_path.get(compound) if compound else self.region_path.get(region) if region else None)
            if r.get("compound") is ABSENT and r.get("region") is ABSENT:
                path = old_path
            self.org_path[code] = path
            kind = r["kind"] or (row[3] if row else None)
            new_ok = self.scope is None or (path is not None and self.in_scope(path)) or (
                kind == PROPERTY_COMPANY and (code in served or (row is not None and stored_ok.get(code, False))))
            self.org_ok[code] = new_ok and (row is None or stored_ok.get(code, True))
            if r["_bad"]:
                continue
            if not self.org_ok[code]:
                # A stored organisation outside the scope, changed or not; or one this row would
                # place outside it (or nowhere the actor serves).
                self.out_of_scope(ORGANIZATIONS, r, "编码")
                continue
            old = dict(zip(fields, row[2:8], strict=True)) if row else dict.fromkeys(fields, ABSENT)
            new = {
                "name": r["name"],
                "kind": r["kind"],
                "compound_id": self.ref("compound", compound) if compound else _clear(compound, old["compound_id"]),
                "region_id": self.ref("region", region) if region else _clear(region, old["region_id"]),
                "credit_code": _clear(r["credit_code"], old["credit_code"], ""),
                "party_parent_id": self.ref("org", parent) if parent else _clear(parent, old["party_parent_id"]),
            }
            mode = r.get("coverage")
            if r["kind"] == PARTY_ORG and mode:
                self.report.warn(ORGANIZATIONS, r["_row"], "党组织覆盖", "ignored",
                                 _("A party organisation is not itself covered; the value is ignored."))
                mode = None
            stored = coverage.get(row[0]) if row else None
            # A blank 党组织覆盖 keeps what is stored; a new committee or company starts as
            # "not covered" so the party-building figures count it.
            if mode:
                new_mode = mode
            elif stored:
                new_mode = stored[1]
            elif row is None and r["kind"] in COVERED_KINDS:
                new_mode = "none"
            else:
                new_mode = None
            writes = row is None or _changed(old, new) or (new_mode and (stored is None or stored[1] != new_mode))
            if writes and not self.in_scope(path, old_path):
                self.out_of_scope(ORGANIZATIONS, r, "编码")
                continue
            touched = False
            if row is None:
                plan.create(code, {"code": code, **new})
                count.created += 1
            elif _changed(old, new):
                plan.updates.append(Update(row[0], old, new))
                touched = True
            if new_mode:
                if stored is None:
                    cplan.create(code, {"organization_id": self.ref("org", code), "mode": new_mode})
                    touched = touched or row is not None
                elif stored[1] != new_mode:
                    cplan.updates.append(Update(stored[0], {"mode": stored[1]}, {"mode": new_mode}))
                    touched = True
            if row is not None:
                if touched:
                    count.updated += 1
                else:
                    count.unchanged += 1

    def _stored_orgs_in_scope(self, db) -> dict[str, bool]:
        """Stored organisation code → inside the actor's scope: placed in their regions, or a
        property company with a current contract at a compound there (one query)."""
        if self.scope is None:
            return dict.fromkeys(db, True)
        ok = {code: row[8] or row[9] for code, row in db.items()}
        ok = {code: path is not None and self.in_scope(path) for code, path in ok.items()}
        companies = [row[0] for code, row in db.items() if row[3] == PROPERTY_COMPANY and not ok[code]]
        if companies:
            q = Q(pk__in=[])
            for prefix in self.scope:
                q |= Q(compound__community__path__startswith=prefix)
            for oid in ServiceContract.objects.current_on(timezone.localdate()).filter(
                q, company_id__in=companies
            ).values_list("company_id", flat=True).distinct():
                ok[self.org_code_by_id[oid]] = True
        return ok

    def _served_in_workbook(self) -> set[str]:
        """Companies this workbook gives a contract at a compound inside the actor's scope."""
        if self.scope is None:
            return set()
        return {company for (compound, company, _start), r in self.recs(CONTRACTS).items()
                if not r["_bad"] and self.compound_path.get(compound) and self.in_scope(self.compound_path[compound])}

    def _party_cycles(self, recs, db):
        """An organisation cannot end up above itself through 上级党组织编码."""
        parent_of = {code: row[7] for code, row in db.items()}  # code → stored parent id
        names = dict(self.org_code_by_id)

        def parent(code):
            r = recs.get(code)
            if r is not None and r.get("party_parent") is not ABSENT:
                return r.get("party_parent")
            pid = parent_of.get(code)
            if pid is None:
                return None
            if pid not in names:
                for pk, c, ppid in Organization.objects.filter(pk=pid).values_list("id", "code", "party_parent_id"):
                    names[pk] = c
                    parent_of.setdefault(c, ppid)
            return names.get(pid)

        for code, r in recs.items():
            if not r.get("party_parent") or r["_bad"]:
                continue
            seen, cur = {code}, parent(code)
            while cur is not None and cur not in seen and len(seen) < 50:
                seen.add(cur)
                cur = parent(cur)
            if cur == code:
                self.error(ORGANIZATIONS, r, "上级党组织编码", "cycle",
                           _("This would make the organisation its own superior."))

    # ---------------------------------------------------------------- 任职
    def memberships(self):
        recs = self.recs(MEMBERSHIPS)
        org_ids = [self.ids["org"][c] for c in {r["organization"] for r in recs.values()} if c in self.ids["org"]]
        db = {(o, p, pos): (pk, a, b) for pk, o, p, pos, a, b in filter_in(
            Membership.objects.values_list("id", "organization_id", "person_id", "position", "term_start", "term_end"),
            "organization_id", org_ids)}
        fields = ("term_start", "term_end")
        plan = self.plans[MEMBERSHIPS] = ModelPlan(
            Membership, None, ("organization_id", "person_id", "position", *fields), fields,
        )
        count = self.count(MEMBERSHIPS)
        person_ids = self.ids["person"]
        for key, r in recs.items():
            org, person, position = key
            if org not in self.org_kind:
                self.error(MEMBERSHIPS, r, "组织编码", "unknown_reference",
                           _("No organisation with code %(code)s in this workbook or the database.") % {"code": org})
                continue
            if r["_bad"]:
                continue
            oid, pid = self.ids["org"].get(org), person_ids.get(person)
            row = db.get((oid, pid, position)) if oid and pid else None
            old = {"term_start": row[1], "term_end": row[2]} if row else dict.fromkeys(fields, ABSENT)
            new = {"term_start": _clear(r["term_start"], old["term_start"]),
                   "term_end": _clear(r["term_end"], old["term_end"])}
            if new["term_start"] and new["term_end"] and new["term_end"] < new["term_start"]:
                self.error(MEMBERSHIPS, r, "任期结束", "bad_dates", _("The end is before the start."))
                continue
            if not self.org_ok.get(org, self.scope is None):
                self.out_of_scope(MEMBERSHIPS, r, "组织编码")
                continue
            if row is None:
                plan.create(key, {"organization_id": oid or Ref("org", org), "person_id": pid or Ref("person", person),
                                  "position": position, **new})
                count.created += 1
            elif _changed(old, new):
                plan.updates.append(Update(row[0], old, new))
                count.updated += 1
            else:
                count.unchanged += 1

    # ---------------------------------------------------------------- 物业合同
    def contracts(self):
        recs = self.recs(CONTRACTS)
        cids = self._stored_compound_ids(CONTRACTS)
        code_of, org_of = self.compound_code_by_id, self.org_code_by_id
        db = {}
        for pk, cid, oid, start, end, fee, signed in filter_in(
            ServiceContract.objects.values_list("id", "compound_id", "company_id", "start", "end", "fee_per_m2_month",
                                                "signed"), "compound_id", cids,
        ):
            if oid in org_of:
                db[(code_of[cid], org_of[oid], start)] = (pk, end, fee, signed)
        fields = ("end", "fee_per_m2_month", "signed")
        plan = self.plans[CONTRACTS] = ModelPlan(
            ServiceContract, None, ("compound_id", "company_id", "start", *fields), fields,
        )
        count = self.count(CONTRACTS)
        for key, r in recs.items():
            compound, company, start = key
            if self._compound_missing(CONTRACTS, r):
                continue
            if company not in self.org_kind:
                self.error(CONTRACTS, r, "物业企业编码", "unknown_reference",
                           _("No organisation with code %(code)s in this workbook or the database.") % {"code": company})
                continue
            if self.org_kind[company] != PROPERTY_COMPANY:
                self.error(CONTRACTS, r, "物业企业编码", "wrong_kind",
                           _("%(code)s is a %(kind)s, not a 物业服务企业.")
                           % {"code": company, "kind": KIND_LABELS.get(self.org_kind[company], self.org_kind[company])})
                continue
            if r["_bad"]:
                continue
            row = db.get(key)
            old = dict(zip(fields, row[1:], strict=True)) if row else dict.fromkeys(fields, ABSENT)
            new = {"end": _clear(r["end"], old["end"]),
                   "fee_per_m2_month": _clear(r["fee_per_m2_month"], old["fee_per_m2_month"]),
                   "signed": _keep(r["signed"], old["signed"], False)}
            if new["end"] and new["end"] < start:
                self.error(CONTRACTS, r, "结束日期", "bad_dates", _("The end is before the start."))
                continue
            if not self.in_scope(self.compound_path[compound]):
                self.out_of_scope(CONTRACTS, r, "小区编码")
                continue
            if row is None:
                plan.create(key, {"compound_id": self.ref("compound", compound), "company_id": self.ref("org", company),
                                  "start": start, **new})
                count.created += 1
            elif _changed(old, new):
                plan.updates.append(Update(row[0], old, new))
                count.updated += 1
            else:
                count.unchanged += 1


def recs_compounds(planner) -> dict:
    return planner.recs(COMPOUNDS)


def _scope_paths(actor) -> tuple[str, ...] | None:
    """Region paths an actor may write under; None for the system or a superuser."""
    if actor is None or getattr(actor, "is_superuser", False):
        return None
    return tuple(region_paths(actor))
