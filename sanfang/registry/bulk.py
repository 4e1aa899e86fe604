"""Fast bulk writes for the import: plain tuples in, no model instances, one code path with
the backend switch inside.

PostgreSQL gets ``COPY`` (psycopg 3) for inserts and ``COPY`` into a temporary table plus one
``UPDATE … FROM`` for updates; other backends get ``executemany``. A big insert on PostgreSQL
(more than ``settings.REGISTRY_BULK_FK_THRESHOLD`` rows into one table) drops that table's
foreign keys for the COPY and re-adds them, validated, afterwards (``foreign_keys_dropped``). Callers pass values ready
for the database (``Decimal``, ``date``, ``bool``, ``str``, ``None``; JSON already dumped,
datetimes through ``db_datetime``).
"""

import contextlib
import itertools
import json
from collections.abc import Iterable, Iterator, Sequence

from django.conf import settings
from django.db import connection
from django.db.models.expressions import RawSQL

BATCH = 5000
_tmp_seq = itertools.count(1)


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _columns(model, fields: Sequence[str]) -> list[str]:
    return [model._meta.get_field(f).column for f in fields]


def clustered_by_id() -> bool:
    """Whether tables keep their rows in primary-key order (SQLite's rowid tables), so rows
    inserted out of id order cost more. PostgreSQL appends rows wherever they fit."""
    return connection.vendor == "sqlite"


def db_datetime(value):
    """A timezone-aware datetime in the form the backend stores (COPY takes it as is)."""
    return value if _postgres() else connection.ops.adapt_datetimefield_value(value)


def chunks(values: Iterable, size: int) -> Iterator[list]:
    it = iter(values)
    while batch := list(itertools.islice(it, size)):
        yield batch


def filter_in(queryset, field: str, values: Iterable) -> Iterator:
    """``queryset.filter(field__in=values)`` for any number of values (str or int) in one
    query: the list travels as one parameter — an array on PostgreSQL, JSON on SQLite — so
    neither the bind-parameter limit nor Django's per-parameter cost applies."""
    values = list(dict.fromkeys(values))
    if not values:
        return
    if _postgres():
        # JSON text, not an array: one string to quote instead of 100,000 (client-side binding).
        db_type = queryset.model._meta.get_field(field).db_type(connection)
        subquery = RawSQL(f"SELECT (jsonb_array_elements_text(%s::jsonb))::{db_type}", [json.dumps(values)])
    elif connection.vendor == "sqlite":
        subquery = RawSQL("SELECT value FROM json_each(%s)", [json.dumps(values)])
    else:
        for batch in chunks(values, 900):
            yield from queryset.filter(**{f"{field}__in": batch})
        return
    yield from queryset.filter(**{f"{field}__in": subquery})


def allocate_ids(model, n: int) -> Sequence[int]:
    """``n`` fresh primary keys for ``model``, so rows can be inserted with their ids and
    never read back. PostgreSQL draws them from the table's sequence (safe with concurrent
    writers); SQLite has one writer at a time and the import holds the write lock (it has
    already written its batch row), so the next ids after the largest ever used are free."""
    if n <= 0:
        return []
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        if _postgres():
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk])
            sequence = cursor.fetchone()[0]
            # Usually the n values are consecutive: then only their bounds travel. Otherwise
            # (another writer drew from the sequence meanwhile) draw again and take the list;
            # the gap left behind is harmless.
            cursor.execute("SELECT min(v), max(v) FROM (SELECT nextval(%s::regclass) AS v "
                           "FROM generate_series(1, %s)) s", [sequence, n])
            low, high = cursor.fetchone()
            if high - low + 1 == n:
                return range(low, high + 1)
            cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, n])
            return [row[0] for row in cursor.fetchall()]
        qn = connection.ops.quote_name
        cursor.execute(f"SELECT COALESCE(MAX({qn(pk)}), 0) FROM {qn(table)}")
        start = cursor.fetchone()[0]
        try:
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
        except Exception:  # no AUTOINCREMENT table yet
            row = None
        start = max(start, row[0] if row else 0) + 1
        return range(start, start + n)


def insert_rows(model, fields: Sequence[str], rows: Sequence[tuple], *, ids: Sequence[int] | None = None) -> None:
    """Insert ``rows`` (tuples in the order of ``fields``) into ``model``'s table, with the
    primary keys ``ids`` (from ``allocate_ids``) when given."""
    if not rows:
        return
    if ids is not None:
        fields = [model._meta.pk.attname, *fields]
        rows = [(pk, *row) for pk, row in zip(ids, rows, strict=True)]
    rest = _rest(model, fields)
    if rest:
        defaults = tuple(d for _, d in rest)
        fields = [*fields, *(f.attname for f, _ in rest)]
        rows = [(*row, *defaults) for row in rows]
    _insert(model, fields, rows, len(rows))


def insert_columns(model, fields: Sequence[str], columns: Sequence[Sequence], *,
                   ids: Sequence[int] | None = None, order: Sequence[int] | None = None) -> None:
    """``insert_rows`` given column by column: ``columns[i]`` holds the value of ``fields[i]``
    for every row (all of the same length), zipped into rows as they are sent. ``order``, a
    permutation of the row numbers, is the order to send them in (see ``Planner.persons``)."""
    if ids is not None:
        fields, columns = [model._meta.pk.attname, *fields], [ids, *columns]
    n = len(columns[0]) if columns else 0
    if not n:
        return
    rest = _rest(model, fields)
    if rest:
        fields = [*fields, *(f.attname for f, _ in rest)]
        columns = [*columns, *(itertools.repeat(d, n) for _, d in rest)]
    rows = zip(*columns, strict=True)
    if order is not None:
        table = list(rows)
        rows = map(table.__getitem__, order)
    _insert(model, fields, rows, n)


def _rest(model, fields: Sequence[str]) -> list[tuple]:
    """The columns the caller leaves out, with the model's default (as an ORM insert would)."""
    return [(f, f.get_db_prep_save(f.get_default(), connection)) for f in model._meta.concrete_fields
            if not f.primary_key and f.attname not in fields]


def _insert(model, fields: Sequence[str], rows: Iterable[tuple], n: int) -> None:
    """Send ``n`` complete rows, in the order of ``fields``."""
    table = model._meta.db_table
    columns = _columns(model, fields)
    if _postgres():
        from psycopg import sql

        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
        )
        with foreign_keys_dropped(model, n), connection.cursor() as cursor, \
                cursor.cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
        return
    qn = connection.ops.quote_name
    statement = "INSERT INTO {} ({}) VALUES ({})".format(
        qn(table), ", ".join(qn(c) for c in columns), ", ".join(["%s"] * len(columns))
    )
    with connection.cursor() as cursor:
        for batch in chunks(rows, BATCH):
            cursor.executemany(statement, batch)


@contextlib.contextmanager
def foreign_keys_dropped(model, rows: int):
    """Around a COPY of ``rows`` rows into ``model``'s table: on PostgreSQL, inside a
    transaction, when ``rows`` exceeds ``settings.REGISTRY_BULK_FK_THRESHOLD``, the table's
    foreign keys are dropped before and re-added after, each with its own name and definition
    (``pg_get_constraintdef``: columns, target, ``DEFERRABLE INITIALLY DEFERRED``), so the
    schema is exactly what the migrations made. Anywhere else it does nothing.

    Why: with the keys in place every inserted row queues one RI trigger event per foreign key,
    and each fires one single-row lookup at commit — ~30 s for the 5.6 M references of MC-0.1.
    Re-adding a key validates the whole table with one set-based query (PostgreSQL's own
    bulk-load advice, "Populating a Database"). Nothing is lost: a row that breaks a key makes
    the re-add fail, which raises ``IntegrityError`` and rolls the whole import back.

    The price: ``ALTER TABLE … DROP CONSTRAINT`` takes an ACCESS EXCLUSIVE lock on the table and
    on every table its keys refer to (their RI triggers go too), held until the import commits
    — an onboarding import blocks even reads of those tables for its duration. Hence the
    threshold: ordinary imports keep the per-row checks and lock nothing beyond their rows.
    """
    if not _postgres() or rows <= settings.REGISTRY_BULK_FK_THRESHOLD or not connection.in_atomic_block:
        # Outside a transaction a dropped key would be committed on its own: never do that.
        yield
        return
    table = connection.ops.quote_name(model._meta.db_table)
    qn = connection.ops.quote_name
    # PostgreSQL refuses to alter a table (or the tables its keys refer to) that has trigger
    # events still pending in this transaction: run the deferred checks so far now.
    check_constraints()
    with connection.cursor() as cursor:
        cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname", [table])
        keys = cursor.fetchall()
        if keys:
            cursor.execute(f"ALTER TABLE {table} " + ", ".join(f"DROP CONSTRAINT {qn(name)}" for name, _ in keys))
    yield
    if keys:
        # Not in a finally: after a failure the transaction is rolled back, keys included.
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table} "
                           + ", ".join(f"ADD CONSTRAINT {qn(name)} {definition}" for name, definition in keys))


def check_constraints() -> None:
    """Run the deferred foreign-key checks now (PostgreSQL defers them to COMMIT), so a
    violation surfaces inside the import's own error handling."""
    if _postgres():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # Back to Django's mode for whatever the caller's transaction does next.
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def update_rows(model, fields: Sequence[str], rows: Sequence[tuple]) -> None:
    """Update rows by primary key: each tuple is ``(pk, *values in the order of fields)``."""
    if not rows:
        return
    table = model._meta.db_table
    pk = model._meta.pk.column
    columns = _columns(model, fields)
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if _postgres():
            from psycopg import sql

            tmp = f"_sf_upd_{next(_tmp_seq)}"
            cols = [pk, *columns]
            cursor.execute(sql.SQL("CREATE TEMPORARY TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA").format(
                sql.Identifier(tmp), sql.SQL(", ").join(sql.Identifier(c) for c in cols), sql.Identifier(table)
            ).as_string(cursor.cursor))
            with cursor.cursor.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(tmp), sql.SQL(", ").join(sql.Identifier(c) for c in cols)
            )) as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(sql.SQL("UPDATE {t} SET {sets} FROM {u} WHERE {t}.{pk} = {u}.{pk}").format(
                t=sql.Identifier(table), u=sql.Identifier(tmp), pk=sql.Identifier(pk),
                sets=sql.SQL(", ").join(
                    sql.SQL("{c} = {u}.{c}").format(c=sql.Identifier(c), u=sql.Identifier(tmp)) for c in columns
                ),
            ).as_string(cursor.cursor))
            cursor.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(tmp)).as_string(cursor.cursor))
        else:
            statement = "UPDATE {} SET {} WHERE {} = %s".format(
                qn(table), ", ".join(f"{qn(c)} = %s" for c in columns), qn(pk)
            )
            for batch in chunks(((*row[1:], row[0]) for row in rows), BATCH):
                cursor.executemany(statement, batch)
