"""What an import tells its caller: every problem with its place, and counts per sheet."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class ImportError_:  # noqa: N801 - the trailing underscore keeps clear of the builtin
    """One problem: ``row`` is the Excel row (data starts at 2; 1 is the header row, 0 the
    file itself); ``code`` is a short stable slug tests and tools rely on; ``message`` is
    for people (translated)."""

    sheet: str
    row: int
    column: str
    code: str
    message: str

    def __str__(self):
        where = " ".join(p for p in (self.sheet, _("row %(n)d") % {"n": self.row} if self.row else "", self.column) if p)
        return f"{where}: {self.message}" if where else self.message


@dataclass
class SheetCount:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class ImportReport:
    errors: list[ImportError_] = field(default_factory=list)
    warnings: list[ImportError_] = field(default_factory=list)
    # Sheet name → counts; "人员" (workbook.PERSONS) counts the people behind 业主 and 任职.
    counts: dict[str, SheetCount] = field(default_factory=dict)
    dry_run: bool = False
    batch_id: int | None = None
    rows: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)  # phase → seconds, for benchmarks

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def created(self) -> int:
        return sum(c.created for c in self.counts.values())

    @property
    def updated(self) -> int:
        return sum(c.updated for c in self.counts.values())

    @property
    def unchanged(self) -> int:
        return sum(c.unchanged for c in self.counts.values())

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def error(self, sheet: str, row: int, column: str, code: str, message: str) -> None:
        self.errors.append(ImportError_(sheet, row, column, code, message))

    def warn(self, sheet: str, row: int, column: str, code: str, message: str) -> None:
        self.warnings.append(ImportError_(sheet, row, column, code, message))

    def sorted_errors(self, order: list[str]) -> list[ImportError_]:
        rank = {name: i for i, name in enumerate(order)}
        return sorted(self.errors, key=lambda e: (rank.get(e.sheet, -1), e.row, e.column))
