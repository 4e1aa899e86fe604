"""Planning People, 业主, 组织, 任职, 物业合同: the parties of the workbook."""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sanfang.core.scope import visible_to
from sanfang.orgs.models import Membership, Organization, Ownership, PartyCoverage, Person, ServiceContract

from ..bulk import filter_in
from ..parse import ABSENT
from ..workbook import (
    CONTRACTS,
    MEMBERSHIPS,
    ORGANIZATIONS,
    OWNERS,
    PERSONS,
    REGIONS,
)
from .base import (
    COVERED_KINDS,
    KIND_LABELS,
    PARTY_ORG,
    PROPERTY_COMPANY,
    ModelPlan,
    PlannerBase,
    Ref,
    Update,
    _changed,
    _clear,
    _keep,
    recs_compounds,
)


class PartiesPlanner(PlannerBase):
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
            create = {"organization_id": oid or Ref("org", org), "person_id": pid or Ref("person", person),
                      "position": position, **new} if row is None else {}
            plan.settle(key, row, old, new, create, count)

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
            create = {"compound_id": self.ref("compound", compound), "company_id": self.ref("org", company),
                      "start": start, **new} if row is None else {}
            plan.settle(key, row, old, new, create, count)
