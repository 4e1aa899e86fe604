"""Registry import (WORKLOADS.md: ≥ 40,000 rows/s on PostgreSQL; baseline: COPY of the same rows).

1. ``megacity(scale)`` rows are generated (not timed) and imported into the empty scratch
   database with ``registry_import`` (timed): rate = all rows of all sheets / seconds.
2. The database must then hold exactly the generated rows — counts per table, distinct people,
   the sum of unit areas, the developer-held count — or the benchmark fails.
3. Baseline: the same unit and owner rows, as tuples of the same column count, COPYed with
   psycopg into plain scratch tables (``executemany`` on SQLite); ratio = import / baseline.
4. The same rows imported again must change nothing (a second line, ``registry_import_unchanged``).
5. ``--xlsx``: reading an ``.xlsx`` of the demo district (one real district's workbook, ~230,000
   rows) with ``read_workbook`` is timed on its own line (``registry_read_xlsx``). The MC-0.1
   owner sheet (1.2 M rows) would not fit Excel's 1,048,576-row sheet limit anyway.

p50/p95/p99 are null: one import is one operation, there is no latency distribution.
"""

import argparse
import gc
import os
import tempfile
import time
from decimal import Decimal

from . import BenchFailure, emit, log


def database_label() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("SHOW server_version")
            return f"postgresql {c.fetchone()[0].split()[0]}"
    import sqlite3

    return f"sqlite {sqlite3.sqlite_version}"


def run(*, scale: float, argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench registry_import")
    parser.add_argument("--xlsx", action="store_true", help="also time reading an .xlsx of the demo district")
    parser.add_argument("--no-reimport", action="store_true", help="skip the second, unchanged import")
    opts = parser.parse_args(argv)

    from sanfang.demo.generator import megacity, row_count
    from sanfang.registry.services import registry_import

    database = database_label()
    log(f"generating megacity({scale}) …")
    t = time.perf_counter()
    sheets = megacity(scale)
    n = row_count(sheets)
    log(f"  {n:,} rows in {time.perf_counter() - t:.1f} s; importing into {database} …")
    expected = _expected(sheets)

    gc.collect()
    t = time.perf_counter()
    report = registry_import(sheets=sheets, actor=None, source="bench")
    seconds = time.perf_counter() - t
    if report.errors:
        raise BenchFailure(f"the import refused the rows ({len(report.errors)} problems), first: "
                           + "; ".join(str(e) for e in report.errors[:5]))
    log(f"  imported in {seconds:.1f} s; verifying …")
    _verify(expected)

    log("baseline: the unit and owner rows straight into plain tables …")
    baseline_n, baseline_seconds, how = _baseline(sheets)
    emit(name="registry_import", n=n, rate=n / seconds, baseline_rate=baseline_n / baseline_seconds,
         errors=0, database=database, scale=scale, seconds=seconds, created=report.created,
         baseline=f"{how} of {baseline_n:,} unit and owner rows", baseline_seconds=baseline_seconds,
         timings=_timings(report))

    if not opts.no_reimport:
        log("importing the same rows again …")
        t = time.perf_counter()
        again = registry_import(sheets=sheets, actor=None, source="bench")
        seconds2 = time.perf_counter() - t
        if again.errors or again.created or again.updated:
            raise BenchFailure(f"the second import of the same rows changed something: {again.created} created, "
                               f"{again.updated} updated, {len(again.errors)} problems")
        _verify(expected)
        emit(name="registry_import_unchanged", n=n, rate=n / seconds2, baseline_rate=baseline_n / baseline_seconds,
             errors=0, database=database, scale=scale, seconds=seconds2, unchanged=again.unchanged,
             baseline=f"{how} of {baseline_n:,} unit and owner rows", timings=_timings(again))

    if opts.xlsx:
        del sheets
        gc.collect()
        _xlsx(database)


def _timings(report) -> dict | None:
    """Where the import's time went (seconds per phase and table), when the report says."""
    timings = getattr(report, "timings", None)
    return {k: round(v, 2) for k, v in timings.items()} if timings else None


def _expected(sheets) -> dict:
    people = {r["证件号"] for r in sheets["业主"]} | {r["证件号"] for r in sheets["任职"]}
    area = sum((Decimal(format(u["专有部分面积"], ".2f")) for u in sheets["房屋"]), Decimal("0"))
    return {
        "regions": len(sheets["区域"]), "compounds": len(sheets["小区"]), "buildings": len(sheets["楼栋"]),
        "units": len(sheets["房屋"]), "ownerships": len(sheets["业主"]), "persons": len(people),
        "organizations": len(sheets["组织"]), "memberships": len(sheets["任职"]),
        "contracts": len(sheets["物业合同"]), "unit_area": area,
        "developer_held": sum(1 for r in sheets["业主"] if r["开发商持有"] == "是"),
    }


def _verify(expected: dict) -> None:
    """Fail loudly unless the database holds exactly the generated rows."""
    from django.db.models import Sum

    from sanfang.orgs.models import Membership, Organization, Ownership, Person, ServiceContract
    from sanfang.places.models import Building, Compound, Region, Unit

    found = {
        "regions": Region.objects.count(), "compounds": Compound.objects.count(),
        "buildings": Building.objects.count(), "units": Unit.objects.count(),
        "ownerships": Ownership.objects.count(), "persons": Person.objects.count(),
        "organizations": Organization.objects.count(), "memberships": Membership.objects.count(),
        "contracts": ServiceContract.objects.count(),
        # SQLite sums decimals as floats: compare to the cent.
        "unit_area": Decimal(str(Unit.objects.aggregate(s=Sum("exclusive_area"))["s"] or 0)).quantize(CENT),
        "developer_held": Ownership.objects.filter(developer_held=True).count(),
    }
    wrong = {k: (expected[k], found[k]) for k in expected if expected[k] != found[k]}
    if wrong:
        raise BenchFailure("the database does not hold the generated rows (expected, found): "
                           + ", ".join(f"{k} {v}" for k, v in wrong.items()))


CENT = Decimal("0.01")
UNIT_COLUMNS = ("小区编码", "楼栋号", "单元", "房号", "类型", "专有部分面积", "面积来源")
OWNER_COLUMNS = ("小区编码", "楼栋号", "单元", "房号", "姓名", "证件号", "手机", "开发商持有")


def _baseline(sheets) -> tuple[int, float, str]:
    """COPY (PostgreSQL) or executemany (SQLite) of the unit and owner rows into plain tables
    of the same column count; only the database's part is timed."""
    from django.db import connection, transaction

    units = [(u["小区编码"], u["楼栋号"], u["单元"], u["房号"], u["类型"], Decimal(format(u["专有部分面积"], ".2f")),
              u["面积来源"]) for u in sheets["房屋"]]
    owners = [(o["小区编码"], o["楼栋号"], o["单元"], o["房号"], o["姓名"], o["证件号"], o["手机"],
               o["开发商持有"] == "是") for o in sheets["业主"]]
    n = len(units) + len(owners)
    ddl = ("CREATE TABLE bench_units (compound varchar(32), building varchar(20), entrance varchar(20), "
           "number varchar(20), kind varchar(10), area numeric(10, 2), source varchar(10))",
           "CREATE TABLE bench_owners (compound varchar(32), building varchar(20), entrance varchar(20), "
           "number varchar(20), name varchar(50), id_number varchar(20), phone varchar(20), developer boolean)")
    with connection.cursor() as c:
        for statement in ddl:
            c.execute(statement)
    try:
        if connection.vendor == "postgresql":
            connection.ensure_connection()
            raw = connection.connection
            t = time.perf_counter()
            with transaction.atomic(), raw.cursor() as cur:
                for table, rows in (("bench_units", units), ("bench_owners", owners)):
                    with cur.copy(f"COPY {table} FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
            seconds, how = time.perf_counter() - t, "psycopg COPY"
        else:
            t = time.perf_counter()
            with transaction.atomic(), connection.cursor() as c:
                c.executemany("INSERT INTO bench_units VALUES (%s, %s, %s, %s, %s, %s, %s)",
                              [(*r[:5], str(r[5]), r[6]) for r in units])
                c.executemany("INSERT INTO bench_owners VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", owners)
            seconds, how = time.perf_counter() - t, "sqlite executemany"
        with connection.cursor() as c:
            c.execute("SELECT (SELECT count(*) FROM bench_units) + (SELECT count(*) FROM bench_owners)")
            copied = c.fetchone()[0]
        if copied != n:
            raise BenchFailure(f"the baseline copied {copied} rows of {n}")
    finally:
        with connection.cursor() as c:
            c.execute("DROP TABLE IF EXISTS bench_units")
            c.execute("DROP TABLE IF EXISTS bench_owners")
    return n, seconds, how


def _xlsx(database: str) -> None:
    from sanfang.demo.generator import demo_district, row_count
    from sanfang.registry.workbook import read_workbook, write_workbook

    sheets = demo_district()
    n = row_count(sheets)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "demo.xlsx")
        log(f"writing the demo district ({n:,} rows) as .xlsx …")
        t = time.perf_counter()
        write_workbook(path, sheets)
        write_seconds = time.perf_counter() - t
        size = os.path.getsize(path)
        log(f"  {size / 1e6:.1f} MB in {write_seconds:.1f} s; reading it back …")
        t = time.perf_counter()
        book = read_workbook(path)
        seconds = time.perf_counter() - t
    read = sum(len(rows) for name, rows in book.items() if name in sheets)
    if read != n:
        raise BenchFailure(f"read {read} rows of {n} back from the workbook")
    emit(name="registry_read_xlsx", n=n, rate=n / seconds, errors=0, database=database, seconds=seconds,
         megabytes=round(size / 1e6, 1), write_seconds=write_seconds,
         note="read_workbook (python-calamine) of the demo district's workbook; no database work")
