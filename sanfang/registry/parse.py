"""Step 1 of an import: every row of every sheet read into typed records keyed by their
natural key, with every cell-level problem reported. No database.

A record is a dict of model-ish field names plus ``_row`` (its Excel row) and ``_bad`` (it has
a problem: still registered under its key, so rows that refer to it don't report it as
missing, but never written). A column absent from a sheet reads as ``ABSENT`` — the import
keeps the stored value — while a blank cell reads as ``None``.
"""

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.utils.translation import gettext as _

from sanfang.orgs import identity

from . import cells
from .report import ImportReport
from .workbook import (
    BUILDINGS,
    COMPOUNDS,
    CONTRACTS,
    MEMBERSHIPS,
    NOTES,
    ORGANIZATIONS,
    OWNERS,
    PERSON_TOKEN,
    REGIONS,
    SHEETS,
    UNITS,
    canonical_header,
)


class _Absent:
    def __repr__(self):
        return "ABSENT"

    def __bool__(self):
        return False


ABSENT = _Absent()

# Header → field name, per sheet.
FIELDS = {
    REGIONS: {"编码": "code", "名称": "name", "层级": "level", "上级编码": "parent"},
    COMPOUNDS: {"编码": "code", "名称": "name", "社区编码": "community", "地址": "address", "类型": "kind",
                "建成年份": "built_year", "总建筑面积": "floor_area", "户数": "households",
                "管理模式": "management_mode", "经度": "longitude", "纬度": "latitude"},
    BUILDINGS: {"小区编码": "compound", "楼栋号": "number", "层数": "floors", "单元数": "entrances"},
    UNITS: {"小区编码": "compound", "楼栋号": "building", "单元": "entrance", "房号": "number", "类型": "kind",
            "专有部分面积": "exclusive_area", "面积来源": "area_source"},
    OWNERS: {"小区编码": "compound", "楼栋号": "building", "单元": "entrance", "房号": "number", "姓名": "name",
             "证件号": "id_number", "手机": "phone", "开发商持有": "developer_held", PERSON_TOKEN: "token"},
    ORGANIZATIONS: {"编码": "code", "名称": "name", "类型": "kind", "所属小区编码": "compound",
                    "所属区域编码": "region", "统一社会信用代码": "credit_code", "党组织覆盖": "coverage",
                    "上级党组织编码": "party_parent"},
    MEMBERSHIPS: {"组织编码": "organization", "姓名": "name", "证件号": "id_number", "手机": "phone",
                  "职务": "position", "是否党员": "is_party_member", "任期开始": "term_start",
                  "任期结束": "term_end", PERSON_TOKEN: "token"},
    CONTRACTS: {"小区编码": "compound", "物业企业编码": "company", "开始日期": "start", "结束日期": "end",
                "物业费": "fee_per_m2_month", "是否签订": "signed"},
}
# Key columns that may be blank (a building without entrances).
MAY_BE_BLANK = {(UNITS, "单元"), (OWNERS, "单元")}
# Columns a sheet must have even though their cells may be blank: without 上级编码 the import
# could not tell a root region from one whose parent was left out.
NEEDED_COLUMNS = {REGIONS: ("上级编码",)}
# Decimal columns whose problems are area problems.
AREA_COLUMNS = {(UNITS, "专有部分面积"), (COMPOUNDS, "总建筑面积")}
_YES_NO = {"是": True, "否": False}
_CREDIT_CODE = set("0123456789ABCDEFGHJKLMNPQRTUWXY")


@dataclass(slots=True)
class PersonRec:
    """A person as the workbook describes them, gathered over 业主 and 任职."""

    name: str
    last4: str | None  # None when only masked numbers were given
    phone: str | None = None
    party: bool | None = None
    party_row: int = 0
    first: tuple = ()  # (sheet, row) of the first mention


@dataclass
class Parsed:
    records: dict[str, dict] = field(default_factory=dict)  # sheet → {key: record}
    persons: dict[str, PersonRec] = field(default_factory=dict)  # id hash → person
    present: dict[str, set] = field(default_factory=dict)  # sheet → headers present
    rows: int = 0


def _memoised(read, kind: type = str):
    """``read`` remembering what it made of each distinct cell value of type ``kind`` (an
    owner's ID number comes back in each of their rows and again in 任职; a few thousand
    distinct areas make a million units). Problems are not remembered: every row with one
    reports its own. Zero is never remembered (0.0 and -0.0 are one key but read differently)."""
    cache: dict = {}

    def cached(value):
        if type(value) is not kind or not value:
            return read(value)
        hit = cache.get(value)
        if hit is None:
            hit = read(value)
            if hit is not None:
                cache[value] = hit
        return hit

    return cached


def _id_hasher():
    """``identity.id_hash`` of a normalised ID number, with the HMAC key set up once instead of
    per number (HMAC-SHA256 as RFC 2104 spells it: the two padded-key states are hashed once
    and copied). It must give exactly identity.id_hash's values (they match people across
    imports): checked on the spot, and identity.id_hash itself is used if it does not."""
    key = settings.PERSON_ID_KEY.encode()
    if len(key) > 64:  # SHA-256's block size
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def fast(number: str) -> str:
        h = inner.copy()
        h.update(number.encode())
        o = outer.copy()
        o.update(h.digest())
        return o.hexdigest()

    if all(fast(p) == identity.id_hash(p) for p in ("11010519491231002X", "330106194508137314", "E12345678")):
        return fast
    return identity.id_hash


class _PersonKeys(dict):
    """ID number → person key (its hash), each computed once."""

    def __init__(self):
        super().__init__()
        self.hash = _id_hasher()

    def __missing__(self, number: str) -> str:
        key = self[number] = self.hash(number)
        return key


def _reader(sheet: str, column, id_number=cells.id_number):
    kind = column.kind
    if kind == "text":
        return partial(cells.text, max_length=column.max_length)
    if kind == "code":
        return partial(cells.code, max_length=column.max_length, pattern=_pattern(column))
    if kind == "int":
        return partial(cells.integer, minimum=column.minimum, maximum=column.maximum)
    if kind == "decimal":
        code = "bad_area" if (sheet, column.header) in AREA_COLUMNS else "bad_number"
        return _memoised(partial(cells.decimal, places=column.places, max_digits=column.max_digits, code_=code),
                         float)
    if kind == "date":
        return cells.day
    if kind == "bool":
        return cells.yes_no
    if kind == "choice":
        return partial(cells.choice, choices=column.choices)
    if kind == "id_number":
        return id_number
    if kind == "phone":
        return cells.phone
    if kind == "token":
        return cells.token
    raise ValueError(kind)


# Key columns naming a building, entrance or unit: Chinese allowed (地下车库), "/" never.
NUMBER_HEADERS = {"楼栋号", "单元", "房号"}


def _pattern(column):
    return cells.NUMBER if column.header in NUMBER_HEADERS else cells.CODE


def _fast(column) -> tuple[dict | None, int, object]:
    """What the parse loop may take without calling the reader: a choice column's labels, or
    a text column's maximum length (0: neither) and the test a stripped value must pass
    (a code's pattern; printable for text — anything else goes through the full reader)."""
    if column.kind == "choice":
        return column.choices, 0, None
    if column.kind == "bool":
        return _YES_NO, 0, None
    if column.kind == "code":
        return None, column.max_length or 10**6, _pattern(column).match
    if column.kind == "text":
        return None, column.max_length or 10**6, str.isprintable
    return None, 0, None


def normalise_headers(sheets: dict[str, list[dict]], report: ImportReport) -> dict[str, tuple[list[dict], set]]:
    """Rows of the known sheets keyed by canonical headers, with the headers present; unknown
    sheets and columns become warnings."""
    out = {}
    for raw_name, rows in sheets.items():
        name = str(raw_name).strip()
        if name == NOTES:
            continue
        if name not in SHEETS:
            if rows:
                report.warn(name, 0, "", "unknown_sheet", _("This sheet is not part of the registry workbook and "
                                                            "is ignored."))
            continue
        rows = rows if isinstance(rows, list) else list(rows)
        keys = set().union(*rows) if rows else set()
        rename = {k: canonical_header(k) for k in keys}
        if any(k != v for k, v in rename.items()):
            rows = [{rename[k]: v for k, v in r.items()} for r in rows]
        present = set(rename.values())
        for header in sorted(present - set(SHEETS[name].headers)):
            if header:
                report.warn(name, 1, header, "unknown_column", _("Unknown column, ignored."))
        out[name] = (rows, present & set(SHEETS[name].headers))
    return out


def parse(sheets: dict[str, list[dict]], report: ImportReport) -> Parsed:
    parsed = Parsed()
    hashes = _PersonKeys()
    id_number = _memoised(cells.id_number)
    known = normalise_headers(sheets, report)
    # In the workbook's own order, whatever the caller's: "the latest row" about a person is
    # then well defined (业主 before 任职).
    for name in (n for n in SHEETS if n in known):
        rows, present = known[name]
        spec = SHEETS[name]
        parsed.present[name] = present
        parsed.records.setdefault(name, {})
        if not any(rows):
            continue
        missing = [c.header for c in spec.columns if (c.key or c.required) and c.header not in present
                   and (name, c.header) not in MAY_BE_BLANK]
        missing += [h for h in NEEDED_COLUMNS.get(name, ()) if h not in present]
        if missing:
            for header in missing:
                report.error(name, 1, header, "missing_column", _("The sheet needs this column."))
            continue
        names = FIELDS[name]
        # The last item remembers the cells a column's fast path accepted (a compound code, a
        # building or unit number comes back in many rows).
        readers = [(c.header, names[c.header], _reader(name, c, id_number), c.kind == "text", *_fast(c), {})
                   for c in spec.columns if c.header in present]
        absent = {names[c.header]: ABSENT for c in spec.columns if c.header not in present}
        required = [(c.header, names[c.header]) for c in spec.columns
                    if (c.key or c.required) and (name, c.header) not in MAY_BE_BLANK]
        blankable = [names[h] for (s, h) in MAY_BE_BLANK if s == name]
        finish = _FINISH[name]
        for i, raw in enumerate(rows):
            if not raw:
                continue
            row = i + 2
            rec = dict(absent)
            bad = False
            filled = False
            for header, fname, read, free_text, labels, max_length, ok, seen in readers:
                value = raw.get(header)
                if value is None or value == "":
                    rec[fname] = None
                    continue
                # Fast paths for the common cells (plain text, a well-formed code, an exact
                # choice label); anything else goes through the full reader.
                if type(value) is str:
                    if max_length:
                        text = seen.get(value)
                        if text is None:
                            text = value.strip()
                            if text and len(text) <= max_length and ok(text):
                                seen[value] = text
                            else:
                                text = None
                        if text is not None:
                            rec[fname] = text
                            filled = True
                            continue
                    elif labels is not None:
                        hit = labels.get(value)
                        if hit is not None:
                            rec[fname] = hit
                            filled = True
                            continue
                    # No control character in any cell (a NUL would fail the database).
                    if cells.has_control(value.strip(), free_text):
                        report.error(name, row, header, "bad_text",
                                     _("The cell contains a control character (such as NUL); remove it."))
                        bad = True
                        rec[fname] = None
                        filled = True
                        continue
                try:
                    value = read(value)
                except cells.CellError as e:
                    report.error(name, row, header, e.code, e.message)
                    bad = True
                    value = None
                    filled = True
                else:
                    if value is not None:
                        filled = True
                rec[fname] = value
            if not filled:
                continue  # a blank row
            parsed.rows += 1
            for header, fname in required:
                if rec[fname] is None and not _cell_had_error(report, name, row, header):
                    report.error(name, row, header, "required", _("This column is required."))
                    bad = True
            for fname in blankable:
                if rec.get(fname) is None:
                    rec[fname] = ""
            rec["_row"] = row
            rec["_bad"] = bad
            finish(name, rec, report, parsed, hashes)
    return parsed


def _cell_had_error(report: ImportReport, sheet: str, row: int, column: str) -> bool:
    for e in reversed(report.errors):
        if e.row != row or e.sheet != sheet:
            return False
        if e.column == column:
            return True
    return False


def _register(name: str, key, rec: dict, report: ImportReport, parsed: Parsed) -> None:
    if key is None:
        return
    records = parsed.records[name]
    if key in records:
        first = records[key]["_row"]
        report.error(name, rec["_row"], SHEETS[name].key[0], "duplicate_key",
                     _("The same row as row %(first)d (same %(key)s).") % {"first": first, "key": "、".join(SHEETS[name].key)})
        return
    records[key] = rec


def _present(value):
    return None if value is ABSENT else value


def _has(rec, *fields) -> bool:
    return all(rec.get(f) is not None for f in fields)


def _finish_region(name, rec, report, parsed, hashes):
    _register(name, rec["code"] if _has(rec, "code") else None, rec, report, parsed)


def _finish_compound(name, rec, report, parsed, hashes):
    area = rec.get("floor_area")
    if area is not None and area is not ABSENT and area < 0:
        report.error(name, rec["_row"], "总建筑面积", "bad_area", _("The area cannot be negative."))
        rec["_bad"] = True
    for fname, header, limit in (("longitude", "经度", 180), ("latitude", "纬度", 90)):
        value = rec.get(fname)
        if value is not None and value is not ABSENT and abs(value) > limit:
            report.error(name, rec["_row"], header, "bad_number",
                         _("Expected a number from %(min)s to %(max)s.") % {"min": -limit, "max": limit})
            rec["_bad"] = True
    _register(name, rec["code"] if _has(rec, "code") else None, rec, report, parsed)


def _finish_building(name, rec, report, parsed, hashes):
    key = (rec["compound"], rec["number"]) if _has(rec, "compound", "number") else None
    _register(name, key, rec, report, parsed)


def _finish_unit(name, rec, report, parsed, hashes):
    # A blank or absent area means "no area information in this row": the stored one stays.
    area = rec.get("exclusive_area")
    if area is ABSENT:
        area = None
    source = rec.get("area_source")
    if source is ABSENT:
        source = None
    rec["exclusive_area"], rec["area_source"] = area, source
    if area is not None and area <= 0:
        report.error(name, rec["_row"], "专有部分面积", "bad_area", _("The area must be more than 0."))
        rec["_bad"] = True
    # RULES V6: an area is only meaningful with the source it was taken from.
    if area is not None and source is None and not _cell_had_error(report, name, rec["_row"], "面积来源"):
        report.error(name, rec["_row"], "面积来源", "required", _("An area needs its source (登记, 测绘 or 合同)."))
        rec["_bad"] = True
    if source is not None and area is None and not _cell_had_error(report, name, rec["_row"], "专有部分面积"):
        report.error(name, rec["_row"], "专有部分面积", "required", _("A source needs its area."))
        rec["_bad"] = True
    compound, building, number = rec["compound"], rec["building"], rec["number"]
    key = None if compound is None or building is None or number is None else \
        (compound, building, rec["entrance"], number)
    _register(name, key, rec, report, parsed)


def _person(name, rec, report, parsed, hashes) -> str | None:
    """The person key (id hash) of a 业主 or 任职 row, gathering what the row says of them."""
    number = rec.get("id_number")
    if number is None:
        return None
    row = rec["_row"]
    if number == "*":
        token = rec.get("token")
        if not token:
            report.error(name, row, "证件号", "bad_id_number",
                         _("A masked ID number needs the %(column)s column the export wrote beside it.")
                         % {"column": PERSON_TOKEN})
            rec["_bad"] = True
            return None
        key, last4 = token, None
    else:
        key = hashes[number]
        last4 = number[-4:]  # already normalised
    rec["person"] = key
    given = rec["name"]
    if given is None:
        return key
    persons = parsed.persons
    person = persons.get(key)
    if person is None:
        person = persons[key] = PersonRec(given, last4, None, None, 0, (name, row))
    else:
        if person.name != given:
            first = person.first
            report.warn(name, row, "姓名", "name_changed",
                        _("The same ID number is given with the name “%(name)s” in %(sheet)s row %(row)d; the "
                          "last name given is kept.") % {"name": person.name, "sheet": first[0], "row": first[1]})
        person.name = given
        person.last4 = person.last4 or last4
    phone = rec.get("phone")
    if phone:
        person.phone = phone
    party = rec.get("is_party_member")
    if party is not None and party is not ABSENT:
        if person.party is not None and person.party != party:
            report.error(name, row, "是否党员", "conflicting_party_flag",
                         _("Row %(row)d says the opposite for the same person.") % {"row": person.party_row})
            rec["_bad"] = True
        else:
            person.party, person.party_row = party, row
    return key


def _finish_owner(name, rec, report, parsed, hashes):
    person = _person(name, rec, report, parsed, hashes)
    compound, building, number = rec["compound"], rec["building"], rec["number"]
    key = None if person is None or compound is None or building is None or number is None else \
        (compound, building, rec["entrance"], number, person)
    _register(name, key, rec, report, parsed)


def _finish_org(name, rec, report, parsed, hashes):
    credit = rec.get("credit_code")
    if credit and (len(credit) != 18 or not set(credit.upper()) <= _CREDIT_CODE):
        report.error(name, rec["_row"], "统一社会信用代码", "bad_value",
                     _("A unified social credit code has 18 digits and capital letters."))
        rec["_bad"] = True
    elif credit:
        rec["credit_code"] = credit.upper()
    _register(name, rec["code"] if _has(rec, "code") else None, rec, report, parsed)


def _dates_ordered(name, rec, report, start: str, end: str, column: str) -> None:
    a, b = rec.get(start), rec.get(end)
    if a and b and b < a:
        report.error(name, rec["_row"], column, "bad_dates", _("The end is before the start."))
        rec["_bad"] = True


def _finish_membership(name, rec, report, parsed, hashes):
    _dates_ordered(name, rec, report, "term_start", "term_end", "任期结束")
    person = _person(name, rec, report, parsed, hashes)
    key = (rec["organization"], person, rec["position"]) if person and _has(rec, "organization", "position") else None
    _register(name, key, rec, report, parsed)


def _finish_contract(name, rec, report, parsed, hashes):
    _dates_ordered(name, rec, report, "start", "end", "结束日期")
    fee = rec.get("fee_per_m2_month")
    if isinstance(fee, Decimal) and fee < 0:
        report.error(name, rec["_row"], "物业费", "bad_number", _("The fee cannot be negative."))
        rec["_bad"] = True
    key = (rec["compound"], rec["company"], rec["start"]) if _has(rec, "compound", "company", "start") else None
    _register(name, key, rec, report, parsed)


_FINISH = {
    REGIONS: _finish_region,
    COMPOUNDS: _finish_compound,
    BUILDINGS: _finish_building,
    UNITS: _finish_unit,
    OWNERS: _finish_owner,
    ORGANIZATIONS: _finish_org,
    MEMBERSHIPS: _finish_membership,
    CONTRACTS: _finish_contract,
}
