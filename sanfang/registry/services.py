"""The registry workbook's writes: import (all or nothing, idempotent) and export.

``registry_import`` validates the whole workbook first — every cell, every reference, every
rule — and writes only when nothing is wrong, in one transaction, with bulk statements and the
history: one row per updated row, one range row per table for the created rows. The same rows
imported twice change nothing.
"""

import gc
import hashlib
import io
import os
import time
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from sanfang.core.scope import can_see_phones, visible_to
from sanfang.orgs.identity import mask_phone
from sanfang.orgs.models import Membership, Organization, Ownership, ServiceContract
from sanfang.places.models import Building, Compound, Region, Unit

from . import workbook as wb
from .apply import Writer
from .models import ImportBatch
from .parse import parse
from .plan import Planner
from .report import ImportError_, ImportReport, SheetCount
from .workbook import SHEETS, TooBig, WorkbookError, read_workbook, write_workbook

__all__ = ["ImportError_", "ImportReport", "SheetCount", "registry_import", "registry_import_file",
           "registry_export", "registry_template"]

XLSX_MAGIC = b"PK\x03\x04"


def registry_import(*, sheets: dict[str, list[dict]], actor, source: str = "import", dry_run: bool = False,
                    file_name: str = "", sha256: str = "") -> ImportReport:
    """Import workbook rows (``{sheet name: [{Chinese header: value}, ...]}``).

    Values may be str, int, float, Decimal, date, datetime, bool or None. Returns a report with
    every problem found; when there is any, nothing is written. ``dry_run`` validates and
    counts what would change without writing. History rows carry ``source:<batch id>``.
    ``actor`` (None for the system) may only write inside the regions of their seats.
    """
    # A workbook becomes millions of small objects and none of them form cycles: the cyclic
    # collector would rescan them over and over (it doubles the time of a large import).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _import(sheets=sheets, actor=actor, source=source, dry_run=dry_run, file_name=file_name,
                       sha256=sha256)
    finally:
        if collecting:
            gc.enable()


def _import(*, sheets, actor, source, dry_run, file_name, sha256) -> ImportReport:
    started = time.perf_counter()
    report = ImportReport(dry_run=dry_run)
    report.counts = {name: SheetCount() for name in (*SHEETS, wb.PERSONS)}
    parsed = parse(sheets, report)
    report.rows = parsed.rows
    report.timings["parse"] = time.perf_counter() - started
    if not parsed.rows and not report.errors:
        report.error("", 0, "", "empty_workbook", _("The workbook has no rows to import."))
    if dry_run or report.errors:
        # Nothing will be written: plan without the lock, only to report.
        _plan(parsed, report, actor, started)
        report.seconds = time.perf_counter() - started
        return report
    try:
        # Planning and writing in one transaction, behind one lock for every import: an import
        # committed meanwhile is seen by the plan (RULES V6, diffs, ids), never overwritten by a
        # stale one. On SQLite the transaction begins IMMEDIATE: it holds the write lock already.
        with transaction.atomic():
            _import_lock()
            planner, plans = _plan(parsed, report, actor, started)
            if report.errors or not report.changed:
                report.seconds = time.perf_counter() - started
                return report
            batch = ImportBatch.objects.create(actor=actor, source=source[:20], file_name=_printable(file_name)[:200],
                                               sha256=sha256, rows=parsed.rows)
            written = time.perf_counter()
            Writer(plans, planner.ids, actor=actor, source=f"{source}:{batch.pk}", timings=report.timings).write()
            report.timings["write"] = time.perf_counter() - written
            batch.seconds = time.perf_counter() - started
            batch.counts = {name: vars(c) for name, c in report.counts.items()}
            batch.save(update_fields=["seconds", "counts"])
    except DatabaseError as exc:
        # Validation saw a consistent database, yet the database refused a statement (a
        # constraint, a value it cannot store): the atomic block has rolled everything back.
        report.counts = {name: SheetCount() for name in report.counts}
        report.error("", 0, "", "conflict", _("The database refused the import, so nothing was written "
                                               "(%(reason)s). Another change may have happened at the same "
                                               "time: please try again.") % {"reason": str(exc)[:200]})
    else:
        report.batch_id = batch.pk
    report.seconds = time.perf_counter() - started
    return report


# pg_advisory_xact_lock key of the registry import (any constant; "SFREGIMP" in ASCII).
IMPORT_LOCK = 0x5346524547494D50


def _import_lock() -> None:
    """Serialise imports that write: held until the transaction ends."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])


def _plan(parsed, report: ImportReport, actor, started: float):
    planner = Planner(parsed, report, actor)
    plans = planner.plan()
    report.timings["plan"] = time.perf_counter() - started - report.timings["parse"]
    if report.errors:
        report.counts = {name: SheetCount() for name in report.counts}
    return planner, plans


def _printable(s: str) -> str:
    return "".join(ch for ch in s if ch.isprintable())


def _file_problem(report: ImportReport, code: str, message: str) -> ImportReport:
    report.error("", 0, "", code, message)
    return report


def registry_import_file(*, file, actor, dry_run: bool = False, source: str = "import",
                         file_name: str | None = None, max_bytes: int | None = None) -> ImportReport:
    """Import an ``.xlsx`` file: a path, or a binary file object (an upload). A file that is
    missing, empty, too big or not a workbook gives one clear problem (row 0), never an
    exception."""
    report = ImportReport(dry_run=dry_run)
    limit = max_bytes if max_bytes is not None else settings.REGISTRY_UPLOAD_MAX_BYTES
    try:
        if isinstance(file, str | os.PathLike):
            path = Path(file)
            file_name = file_name or path.name
            size = path.stat().st_size
            if size > limit:
                return _too_big(report, size, limit)
            data = path.read_bytes()
        else:
            file_name = file_name or os.path.basename(getattr(file, "name", "") or "")
            size = getattr(file, "size", None)
            if size is not None and size > limit:
                return _too_big(report, size, limit)
            if hasattr(file, "seek"):
                file.seek(0)
            data = file.read()
    except OSError as exc:
        return _file_problem(report, "unreadable", _("The file cannot be read (%(reason)s).")
                             % {"reason": exc.strerror or str(exc)})
    if not data:
        return _file_problem(report, "empty_file", _("The file is empty."))
    if len(data) > limit:
        return _too_big(report, len(data), limit)
    if not data.startswith(XLSX_MAGIC):
        return _file_problem(report, "not_xlsx", _("The file is not an Excel .xlsx workbook."))
    try:
        book = read_workbook(io.BytesIO(data))
    except TooBig as exc:
        return _file_problem(report, "too_big", str(exc))
    except WorkbookError as exc:
        return _file_problem(report, "not_xlsx", str(exc))
    result = registry_import(sheets=book, actor=actor, source=source, dry_run=dry_run, file_name=file_name or "",
                             sha256=hashlib.sha256(data).hexdigest())
    result.warnings[:0] = [ImportError_(sheet, 1, column, "bad_header", message)
                           for sheet, column, message in book.warnings]
    return result


def _too_big(report, size, limit):
    return _file_problem(report, "too_big", _("The file is %(size)s MB; the limit is %(limit)s MB.")
                         % {"size": round(size / 1048576, 1), "limit": round(limit / 1048576, 1)})


def registry_template(target) -> None:
    """The empty workbook: every sheet with its headers and one example row."""
    wb.write_template(target)


# ---------------------------------------------------------------------------- export

def registry_export(*, user, region=None, target) -> dict[str, int]:
    """Write what ``user`` may see (``None``: the system, everything) of ``region`` (a Region,
    a region code, or None for the whole scope) as a registry workbook the import reads back
    unchanged. ID numbers are not stored, so people are written with a masked number and the
    person key beside it. Raises ``Region.DoesNotExist`` for a region outside the scope.
    Returns the rows written per sheet."""

    def scoped(qs):
        return qs if user is None else visible_to(user, qs)

    if isinstance(region, str):
        region = scoped(Region.objects.all()).get(code=region)
    elif region is not None:
        region = scoped(Region.objects.all()).get(pk=region.pk)
    regions = scoped(Region.objects.all())
    compounds = scoped(Compound.objects.all())
    orgs = scoped(Organization.objects.all())
    if region is not None:
        regions = regions.filter(path__startswith=region.path)
        compounds = compounds.in_region(region)
        orgs = orgs.filter(
            Q(compound__in=compounds.values("pk")) | Q(region__path__startswith=region.path)
            | Q(kind=Organization.Kind.PROPERTY_COMPANY,
                pk__in=ServiceContract.objects.filter(compound__in=compounds.values("pk")).values("company_id"))
        )
    compound_ids = compounds.values("pk")
    org_ids = orgs.values("pk")
    phones = user is None or can_see_phones(user)
    counts = {}

    def counted(name, rows: Iterator[dict]) -> Iterator[dict]:
        counts[name] = 0
        for row in rows:
            counts[name] += 1
            yield row

    sheets = {
        wb.REGIONS: _regions(regions),
        wb.COMPOUNDS: _compounds(compounds),
        wb.BUILDINGS: _buildings(Building.objects.filter(compound__in=compound_ids)),
        wb.UNITS: _units(Unit.objects.filter(compound__in=compound_ids)),
        wb.OWNERS: _owners(_scoped(user, Ownership.objects.filter(compound__in=compound_ids)), phones),
        wb.ORGANIZATIONS: _organizations(orgs),
        wb.MEMBERSHIPS: _memberships(_scoped(user, Membership.objects.filter(organization__in=org_ids)), phones),
        wb.CONTRACTS: _contracts(ServiceContract.objects.filter(compound__in=compound_ids)),
    }
    write_workbook(target, {name: counted(name, rows) for name, rows in sheets.items()})
    return counts


CHUNK = 5000


def _scoped(user, queryset):
    # People are narrower than places: a resident's seat opens the compound, not the neighbours.
    return queryset if user is None else visible_to(user, queryset)


def _regions(qs):
    level = wb.labels(wb.REGION_LEVELS)
    for code, name, lv, parent in qs.order_by("path").values_list("code", "name", "level", "parent__code") \
            .iterator(CHUNK):
        yield {"编码": code, "名称": name, "层级": level[lv], "上级编码": parent}


def _compounds(qs):
    kind, mode = wb.labels(wb.COMPOUND_KINDS), wb.labels(wb.MANAGEMENT_MODES)
    columns = ("code", "name", "community__code", "address", "kind", "built_year", "floor_area", "households",
               "management_mode", "longitude", "latitude")
    for c in qs.order_by("code").values_list(*columns).iterator(CHUNK):
        yield {"编码": c[0], "名称": c[1], "社区编码": c[2], "地址": c[3], "类型": kind[c[4]], "建成年份": c[5],
               "总建筑面积": c[6], "户数": c[7], "管理模式": mode[c[8]], "经度": c[9], "纬度": c[10]}


def _buildings(qs):
    for code, number, floors, entrances in qs.order_by("compound__code", "number").values_list(
        "compound__code", "number", "floors", "entrances"
    ).iterator(CHUNK):
        yield {"小区编码": code, "楼栋号": number, "层数": floors, "单元数": entrances}


def _units(qs):
    kind, source = wb.labels(wb.UNIT_KINDS), wb.labels(wb.AREA_SOURCES)
    for c in qs.order_by("compound__code", "building__number", "entrance", "number").values_list(
        "compound__code", "building__number", "entrance", "number", "kind", "exclusive_area", "area_source"
    ).iterator(CHUNK):
        yield {"小区编码": c[0], "楼栋号": c[1], "单元": c[2], "房号": c[3], "类型": kind[c[4]],
               "专有部分面积": c[5], "面积来源": source.get(c[6])}


def _masked_id(last4: str) -> str:
    return "*" * 14 + last4


def _owners(qs, phones: bool):
    for c in qs.order_by("compound__code", "unit__building__number", "unit__entrance", "unit__number",
                         "person__name", "person_id").values_list(
        "compound__code", "unit__building__number", "unit__entrance", "unit__number", "person__name",
        "person__id_last4", "person__phone", "developer_held", "person__id_hash",
    ).iterator(CHUNK):
        yield {"小区编码": c[0], "楼栋号": c[1], "单元": c[2], "房号": c[3], "姓名": c[4], "证件号": _masked_id(c[5]),
               "手机": (c[6] if phones else mask_phone(c[6])) if c[6] else None, "开发商持有": c[7],
               wb.PERSON_TOKEN: c[8]}


def _organizations(qs):
    kind, coverage = wb.labels(wb.ORG_KINDS), wb.labels(wb.COVERAGE_MODES)
    for c in qs.order_by("code").distinct().values_list(
        "code", "name", "kind", "compound__code", "region__code", "credit_code", "party_coverage__mode",
        "party_parent__code",
    ).iterator(CHUNK):
        yield {"编码": c[0], "名称": c[1], "类型": kind[c[2]], "所属小区编码": c[3], "所属区域编码": c[4],
               "统一社会信用代码": c[5], "党组织覆盖": coverage.get(c[6]), "上级党组织编码": c[7]}


def _memberships(qs, phones: bool):
    position = wb.labels(wb.POSITIONS)
    for c in qs.order_by("organization__code", "position", "person__name", "person_id").values_list(
        "organization__code", "person__name", "person__id_last4", "person__phone", "position",
        "person__is_party_member", "term_start", "term_end", "person__id_hash",
    ).iterator(CHUNK):
        yield {"组织编码": c[0], "姓名": c[1], "证件号": _masked_id(c[2]),
               "手机": (c[3] if phones else mask_phone(c[3])) if c[3] else None, "职务": position[c[4]],
               "是否党员": c[5], "任期开始": c[6], "任期结束": c[7], wb.PERSON_TOKEN: c[8]}


def _contracts(qs):
    for c in qs.order_by("compound__code", "company__code", "start").values_list(
        "compound__code", "company__code", "start", "end", "fee_per_m2_month", "signed"
    ).iterator(CHUNK):
        yield {"小区编码": c[0], "物业企业编码": c[1], "开始日期": c[2], "结束日期": c[3], "物业费": c[4],
               "是否签订": c[5]}
