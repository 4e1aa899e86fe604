"""Planning 区域, 小区, 楼栋, 房屋: the places of the workbook."""

from django.utils.translation import gettext as _

from sanfang.places.models import Building, Compound, Region, Unit
from sanfang.places.rules import AREA_PRECEDENCE, region_path

from ..bulk import filter_in
from ..parse import ABSENT
from ..workbook import (
    BUILDINGS,
    COMPOUNDS,
    CONTRACTS,
    ORGANIZATIONS,
    OWNERS,
    REGIONS,
    UNITS,
)
from .base import (
    LEVEL_LABELS,
    LEVELS,
    SOURCE_LABELS,
    ModelPlan,
    PlannerBase,
    Update,
    _changed,
    _clear,
    _keep,
)


class PlacesPlanner(PlannerBase):
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
            plan.settle(key, row, old, new, {"compound_id": self.ref("compound", key[0]), "number": key[1], **new}
                        if row is None else {}, count)

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
