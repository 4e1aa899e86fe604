"""Shared helpers for the registry tests (not a test module)."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile

from sanfang.core.models import ChangeEvent
from sanfang.orgs.identity import make_resident_id
from sanfang.orgs.models import Membership, Organization, Ownership, PartyCoverage, Person, ServiceContract
from sanfang.places.models import Building, Compound, Region, Unit
from sanfang.registry.models import ImportBatch
from sanfang.registry.workbook import write_workbook

TABLES = (Region, Compound, Building, Unit, Person, Ownership, Organization, PartyCoverage, Membership,
          ServiceContract, ChangeEvent, ImportBatch)


def table_counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in TABLES}


def created_rows(events) -> int:
    """How many created rows a queryset of create events covers (a range event counts its rows)."""
    total = 0
    for e in events:
        if e.object_id_end is None:
            total += 1
        else:
            assert e.changes == {"count": e.object_id_end - e.object_id + 1}, e.changes
            total += e.changes["count"]
    return total


def pid(n: int) -> str:
    """A valid resident ID number, different for each ``n``."""
    return make_resident_id(f"110101199001{n:05d}")


def xlsx(sheets: dict) -> bytes:
    buffer = io.BytesIO()
    write_workbook(buffer, sheets)
    return buffer.getvalue()


def upload(sheets: dict | None = None, *, name="registry.xlsx", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, xlsx(sheets) if content is None else content,
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def places(report) -> set[tuple]:
    """The (sheet, row, column, code) of every problem: what tests assert on."""
    return {(e.sheet, e.row, e.column, e.code) for e in report.errors}
