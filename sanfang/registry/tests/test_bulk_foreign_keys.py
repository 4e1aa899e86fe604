"""Big imports on PostgreSQL drop a table's foreign keys for the COPY and re-add them: the
schema comes out identical, the database still refuses bad rows, and a bad row in the load
itself rolls everything back."""

import pytest
from django.db import IntegrityError, connection, transaction

from sanfang.orgs.models import Ownership, Person
from sanfang.places.models import Building, Compound, Unit
from sanfang.registry import apply, bulk, sample
from sanfang.registry.services import registry_import
from sanfang.registry.tests.helpers import table_counts

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="foreign keys are dropped only on PostgreSQL"),
]


def foreign_keys() -> set[tuple[str, str, str]]:
    """Every foreign key of the schema: (table, name, definition)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE contype = 'f' AND connamespace = 'public'::regnamespace")
        return set(cursor.fetchall())


def keys_of(model) -> set[tuple[str, str, str]]:
    return {k for k in foreign_keys() if k[0] == model._meta.db_table}


def refused(model, **values) -> bool:
    """Whether the database refuses a row whose foreign key points nowhere (checked now, not at
    commit: the keys are DEFERRABLE INITIALLY DEFERRED)."""
    try:
        with transaction.atomic():
            model.objects.create(**values)
            bulk.check_constraints()
    except IntegrityError:
        return True
    return False


@pytest.fixture
def tiny_threshold(settings):
    settings.REGISTRY_BULK_FK_THRESHOLD = 10


def test_big_import_keeps_the_foreign_keys(tiny_threshold):
    before = foreign_keys()
    assert len(keys_of(Unit)) == 2 and len(keys_of(Ownership)) == 3
    assert all("DEFERRABLE INITIALLY DEFERRED" in d for _, _, d in keys_of(Unit))
    rows = sample.district_rows(60)
    statements = []

    def spy(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        report = registry_import(sheets=rows, actor=None)
    assert report.ok, report.errors[:5]
    # The keys of the tables given more than 10 rows went and came back; 10 buildings kept theirs.
    altered = [s.split()[2] for s in statements if s.startswith("ALTER TABLE")]
    assert altered.count('"places_unit"') == altered.count('"orgs_ownership"') == 2
    assert '"places_building"' not in altered
    assert Unit.objects.count() == 60 and Ownership.objects.count() == 60
    # Same names, same definitions (DEFERRABLE INITIALLY DEFERRED included), nothing else.
    assert foreign_keys() == before
    # … and they still work.
    unit = Unit.objects.first()
    missing = (Building.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000
    assert refused(Unit, compound=unit.compound, building_id=missing, number="999")
    person = Person.objects.first()
    assert refused(Ownership, unit=unit, person_id=person.pk + 10**6, compound=unit.compound)
    assert refused(Ownership, unit_id=Unit.objects.order_by("-pk").first().pk + 1000, person=person,
                   compound=unit.compound)
    assert refused(Building, compound_id=Compound.objects.order_by("-pk").first().pk + 1000, number="X")
    assert not refused(Building, compound=unit.compound, number="X")
    # The same workbook again changes nothing.
    again = registry_import(sheets=rows, actor=None)
    assert again.ok and not again.changed and foreign_keys() == before


def test_a_bad_row_in_a_big_load_rolls_everything_back(tiny_threshold, monkeypatch):
    """Another writer's change between the checks and the write (simulated: one unit pointing at
    a building that does not exist) is refused when the keys are re-added — nothing is written."""
    before, counts = foreign_keys(), table_counts()
    real_insert = apply.insert_columns

    def tampered(model, fields, columns, **kwargs):
        if model is Unit:
            at = list(fields).index("building_id")
            columns = [*columns[:at], [10**9, *columns[at][1:]], *columns[at + 1:]]
        return real_insert(model, fields, columns, **kwargs)

    monkeypatch.setattr(apply, "insert_columns", tampered)
    report = registry_import(sheets=sample.district_rows(60), actor=None)
    assert [e.code for e in report.errors] == ["conflict"]
    assert table_counts() == counts
    assert foreign_keys() == before


def test_small_loads_and_other_backends_keep_their_keys(settings):
    """At or under the threshold nothing is dropped (the per-row checks stay)."""
    settings.REGISTRY_BULK_FK_THRESHOLD = 100
    with transaction.atomic(), bulk.foreign_keys_dropped(Unit, 100):
        assert len(keys_of(Unit)) == 2
    with transaction.atomic(), bulk.foreign_keys_dropped(Unit, 101):
        assert keys_of(Unit) == set()
    assert len(keys_of(Unit)) == 2
