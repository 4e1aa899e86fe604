"""The registry workbook format (../shared/contracts/IMPORT.md): the eight sheets, reading and
writing ``.xlsx`` files.

``SHEETS`` is the one description of the format: the import validates against it, the export
and the template write it, the seeds and the benchmark generate rows keyed by its headers.
Rows are plain dicts ``{Chinese header: value}``.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.utils.translation import gettext as _

# Sheet names, in the order a workbook lists them (and the import applies them).
REGIONS = "区域"
COMPOUNDS = "小区"
BUILDINGS = "楼栋"
UNITS = "房屋"
OWNERS = "业主"
ORGANIZATIONS = "组织"
MEMBERSHIPS = "任职"
CONTRACTS = "物业合同"
# Not a sheet: the people created or updated through 业主 and 任职, counted on their own.
PERSONS = "人员"
# A sheet of explanations the template carries; the import skips it silently.
NOTES = "说明"

# Chinese label → model value for every choice column.
REGION_LEVELS = {"市": "city", "区": "district", "街道": "subdistrict", "社区": "community"}
COMPOUND_KINDS = {"商品房": "commercial", "老旧小区": "old", "回迁安置": "resettlement", "保障房": "affordable",
                  "其他": "other"}
MANAGEMENT_MODES = {"市场化物业": "market", "准物业": "quasi", "统一打包": "bundled", "居委会+物业": "committee_company",
                    "无": "none"}
UNIT_KINDS = {"住宅": "residence", "商铺": "shop", "车位": "parking"}
AREA_SOURCES = {"登记": "registered", "测绘": "surveyed", "合同": "contract"}
ORG_KINDS = {
    "居委会": "residents_committee",
    "业委会": "owners_committee",
    "业主监督委员会": "supervisory_committee",
    "物业管理委员会": "management_committee",
    "筹备组": "preparatory_group",
    "物业服务企业": "property_company",
    "党组织": "party_org",
    "职能部门": "department",
    "群众性社团": "association",
}
COVERAGE_MODES = {"单独组建": "own", "联合组建": "joint", "派驻党建指导员": "instructor", "未覆盖": "none"}
POSITIONS = {
    "书记": "secretary",
    "主任": "chair",
    "副主任": "vice_chair",
    "委员": "member",
    "总经理": "general_manager",
    "项目经理": "project_manager",
    "党建指导员": "party_instructor",
    "小区专员": "compound_liaison",
    "网格员": "grid_worker",
    "其他": "other",
}
YES, NO = "是", "否"


def labels(choices: dict[str, str]) -> dict[str, str]:
    """Model value → Chinese label (the export's direction)."""
    return {v: k for k, v in choices.items()}


@dataclass(frozen=True)
class Column:
    """One column of a sheet.

    ``kind`` tells the import how to read a cell: ``text``, ``code`` (numbers become their
    integer text: 101.0 → "101"), ``int``, ``decimal``, ``date``, ``bool`` (是/否), ``choice``
    (a label of ``choices``), ``id_number``, ``phone`` or ``token`` (the person key an export
    writes next to a masked ID number).
    """

    header: str
    kind: str = "text"
    key: bool = False
    required: bool = False
    choices: dict[str, str] | None = None
    max_length: int | None = None
    places: int = 2              # decimals allowed (decimal columns)
    max_digits: int = 12
    minimum: int | None = None    # int columns
    maximum: int | None = None
    title: str | None = None      # as written in row 1, when it says more than the header
    hidden: bool = False
    width: int = 12
    example: object = None

    @property
    def written_title(self) -> str:
        return (self.title or self.header) + ("★" if self.key else "")


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "key", tuple(c.header for c in self.columns if c.key))

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)

    def column(self, header: str) -> Column:
        return next(c for c in self.columns if c.header == header)


# The person key an export writes beside a masked ID number (it never writes the number,
# which is not stored): a row carrying it matches that person without the full number.
PERSON_TOKEN = "人员标识"
EXAMPLE_ID = "330105198001010014"

SHEETS: dict[str, Sheet] = {
    s.name: s
    for s in (
        Sheet(REGIONS, (
            Column("编码", "code", key=True, max_length=32, example="330106001001"),
            Column("名称", required=True, max_length=100, width=20, example="翠苑第一社区"),
            Column("层级", "choice", required=True, choices=REGION_LEVELS, width=8, example="社区"),
            Column("上级编码", "code", max_length=32, example="330106001"),
        )),
        Sheet(COMPOUNDS, (
            Column("编码", "code", key=True, max_length=32, example="K0001"),
            Column("名称", required=True, max_length=100, width=20, example="翠苑一区"),
            Column("社区编码", "code", required=True, max_length=32, example="330106001001"),
            Column("地址", max_length=200, width=30, example="文三路 100 号"),
            Column("类型", "choice", choices=COMPOUND_KINDS, example="商品房"),
            Column("建成年份", "int", minimum=1900, maximum=2100, width=8, example=1998),
            Column("总建筑面积", "decimal", places=2, max_digits=12, title="总建筑面积（㎡）", example=125000.5),
            Column("户数", "int", minimum=0, maximum=2_000_000, width=8, example=1200),
            Column("管理模式", "choice", choices=MANAGEMENT_MODES, example="市场化物业"),
            Column("经度", "decimal", places=6, max_digits=9, example=120.123456),
            Column("纬度", "decimal", places=6, max_digits=9, example=30.281234),
        )),
        Sheet(BUILDINGS, (
            Column("小区编码", "code", key=True, max_length=32, example="K0001"),
            Column("楼栋号", "code", key=True, max_length=20, example="1"),
            Column("层数", "int", minimum=0, maximum=32767, width=8, example=6),
            Column("单元数", "int", minimum=0, maximum=32767, width=8, example=2),
        )),
        Sheet(UNITS, (
            Column("小区编码", "code", key=True, max_length=32, example="K0001"),
            Column("楼栋号", "code", key=True, max_length=20, example="1"),
            Column("单元", "code", key=True, max_length=20, width=8, example="1"),
            Column("房号", "code", key=True, max_length=20, width=8, example="101"),
            Column("类型", "choice", choices=UNIT_KINDS, width=8, example="住宅"),
            Column("专有部分面积", "decimal", places=2, max_digits=10, title="专有部分面积（㎡）", width=14,
                   example=88.5),
            Column("面积来源", "choice", choices=AREA_SOURCES, width=10, example="登记"),
        )),
        Sheet(OWNERS, (
            Column("小区编码", "code", key=True, max_length=32, example="K0001"),
            Column("楼栋号", "code", key=True, max_length=20, example="1"),
            Column("单元", "code", key=True, max_length=20, width=8, example="1"),
            Column("房号", "code", key=True, max_length=20, width=8, example="101"),
            Column("姓名", key=True, max_length=50, width=10, example="张三"),
            Column("证件号", "id_number", key=True, width=22, example=EXAMPLE_ID),
            Column("手机", "phone", width=14, example="13900000000"),
            Column("开发商持有", "bool", width=10, example=NO),
            Column(PERSON_TOKEN, "token", hidden=True),
        )),
        Sheet(ORGANIZATIONS, (
            Column("编码", "code", key=True, max_length=40, example="OC-K0001"),
            Column("名称", required=True, max_length=120, width=24, example="翠苑一区业主委员会"),
            Column("类型", "choice", required=True, choices=ORG_KINDS, width=14, example="业委会"),
            Column("所属小区编码", "code", max_length=32, width=14, example="K0001"),
            Column("所属区域编码", "code", max_length=32, width=14, example=""),
            Column("统一社会信用代码", "code", max_length=18, width=22, example=""),
            Column("党组织覆盖", "choice", choices=COVERAGE_MODES, width=14, example="单独组建"),
            Column("上级党组织编码", "code", max_length=40, width=14, example="PB-330106001001"),
        )),
        Sheet(MEMBERSHIPS, (
            Column("组织编码", "code", key=True, max_length=40, example="OC-K0001"),
            Column("姓名", key=True, max_length=50, width=10, example="张三"),
            Column("证件号", "id_number", key=True, width=22, example=EXAMPLE_ID),
            Column("手机", "phone", width=14, example="13900000000"),
            Column("职务", "choice", key=True, choices=POSITIONS, width=10, example="主任"),
            Column("是否党员", "bool", width=8, example=YES),
            Column("任期开始", "date", example=date(2023, 1, 1)),
            Column("任期结束", "date", example=date(2027, 12, 31)),
            Column(PERSON_TOKEN, "token", hidden=True),
        )),
        Sheet(CONTRACTS, (
            Column("小区编码", "code", key=True, max_length=32, example="K0001"),
            Column("物业企业编码", "code", key=True, max_length=40, width=14, example="CO-0001"),
            Column("开始日期", "date", key=True, example=date(2024, 1, 1)),
            Column("结束日期", "date", example=date(2026, 12, 31)),
            Column("物业费", "decimal", places=2, max_digits=7, minimum=0, title="物业费（元/㎡·月）", width=16,
                   example=1.8),
            Column("是否签订", "bool", width=8, example=YES),
        )),
    )
}

_DECORATION = re.compile(r"[★☆*\s]|[（(][^）)]*[）)]\s*$")


def canonical_header(raw) -> str:
    """The header a cell names: without ★ marks, spaces or a trailing hint in brackets, so
    "物业费（元/㎡·月）" and "编码★" read as "物业费" and "编码"."""
    text = str(raw).strip()
    previous = None
    while previous != text:
        previous, text = text, _DECORATION.sub("", text).strip()
    return text


class WorkbookError(Exception):
    """The file is not a readable ``.xlsx`` workbook."""


class Workbook(dict):
    """Sheet name → rows; also carries the problems found in the headers as ``warnings``:
    (sheet, column, message) triples."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.warnings: list[tuple[str, str, str]] = []


# The largest sheet the import reads. calamine builds a sheet as a dense grid spanning its
# first to its last cell before anything else can look at it: a file of two cells, A1 and
# XFD1048576, would ask for 512 GiB and abort the process (not an exception). So the cell
# references are scanned in the zip first, and a sheet beyond these bounds is refused.
MAX_COLUMNS = 60
MAX_ROWS = 1_100_000
# A cell or row reference beyond the bounds: column BI (61) or further, row 1,100,000 or further.
# It matches almost nowhere, so the scan runs at the speed of its literal prefix.
_BEYOND = re.compile(rb"""\sr=["']([A-Z]{3,}|[C-Z][A-Z]|B[I-Z]|[A-Z]{0,3}(?:1[1-9]\d{5}|[2-9]\d{6}|\d{8}))""")
_WORKSHEET = re.compile(r"^xl/(?:worksheets|chartsheets|dialogsheets|macrosheets)/[^/]+\.xml$", re.IGNORECASE)


class TooBig(WorkbookError):
    """A sheet spans more columns or rows than the import reads."""


def check_dimensions(file) -> None:
    """Raise ``TooBig`` when a worksheet of the ``.xlsx`` file (a path or a binary file
    object) has a cell beyond ``MAX_COLUMNS`` or ``MAX_ROWS``; ``WorkbookError`` when it is
    not a zip. Streams each sheet's XML: memory stays small whatever its size."""
    import zipfile

    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise WorkbookError(_("The file is not a readable .xlsx workbook (%(reason)s).")
                            % {"reason": str(exc)[:200] or type(exc).__name__}) from None
    with archive:
        for info in archive.infolist():
            if not _WORKSHEET.match(info.filename):
                continue
            try:
                with archive.open(info) as stream:
                    tail = b""
                    while chunk := stream.read(1 << 22):
                        data = tail + chunk
                        m = _BEYOND.search(data)
                        if m:
                            raise TooBig(_("A sheet has a cell at %(ref)s; the import reads at most %(rows)s rows "
                                           "and %(columns)s columns.")
                                         % {"ref": m.group(1).decode(), "rows": MAX_ROWS, "columns": MAX_COLUMNS})
                        # A reference cut by the chunk boundary is read again with the next chunk.
                        cut = data.rfind(b"<")
                        tail = data[cut:] if cut >= 0 and len(data) - cut < 512 else b""
            except TooBig:
                raise
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
                raise WorkbookError(_("The file is not a readable .xlsx workbook (%(reason)s).")
                                    % {"reason": str(exc)[:200] or type(exc).__name__}) from None
    if hasattr(file, "seek"):
        file.seek(0)


def _grid_rows(sheet):
    """The sheet's rows from Excel row 1 and column A, one list at a time."""
    if sheet.width > MAX_COLUMNS or sheet.height > MAX_ROWS:
        raise TooBig(_("A sheet spans %(rows)s rows and %(columns)s columns; the import reads at most %(max_rows)s "
                       "rows and %(max_columns)s columns.")
                     % {"rows": sheet.height, "columns": sheet.width, "max_rows": MAX_ROWS,
                        "max_columns": MAX_COLUMNS})
    start = sheet.start
    pad = [""] * (start[1] if start else 0)
    for row in sheet.iter_rows():
        yield pad + row if pad else row


def read_workbook(file) -> Workbook:
    """Read every sheet of an ``.xlsx`` file (a path or a binary file object).

    Returns ``{sheet name: [row, ...]}`` where each row is ``{header: raw value}`` as
    python-calamine gives it (str, float, int, bool, date, datetime; an empty cell is "").
    Row ``i`` of the list is Excel row ``i + 2``: blank rows are kept (as ``{}``) so that row
    numbers in messages match what the user sees. Raises ``TooBig`` for a sheet beyond
    ``MAX_COLUMNS`` × ``MAX_ROWS`` (checked before calamine reads it) and ``WorkbookError``
    for anything that is not a readable workbook.
    """
    import python_calamine

    check_dimensions(file)
    result = Workbook()
    try:
        book = python_calamine.load_workbook(file)
        for name in list(book.sheet_names):
            _read_sheet(result, str(name).strip(), _grid_rows(book.get_sheet_by_name(name)))
    except WorkbookError:
        raise
    except Exception as exc:  # calamine raises several types (zip, xml, format) for one meaning
        raise WorkbookError(_("The file is not a readable .xlsx workbook (%(reason)s).")
                            % {"reason": str(exc)[:200] or type(exc).__name__}) from None
    return result


def _read_sheet(result: Workbook, sheet: str, grid) -> None:
    first = next(grid, None)
    if not first:
        result[sheet] = []
        return
    headers: list[str | None] = []
    seen = set()
    unnamed = []  # columns without a header: a warning if any row fills them
    for col, cell in enumerate(first):
        header = canonical_header(cell) if cell not in ("", None) else ""
        if not header:
            headers.append(None)
            unnamed.append(col)
        elif header in seen:
            headers.append(None)
            result.warnings.append((sheet, header, _("The column appears twice; the second one is ignored.")))
        else:
            seen.add(header)
            headers.append(header)
    keep = [(i, h) for i, h in enumerate(headers) if h]
    filled_unnamed = set()
    rows = []
    width = len(first)
    for raw in grid:
        if raw.count("") == width:
            rows.append({})
            continue
        rows.append({h: raw[i] for i, h in keep})
        for col in unnamed:
            if col not in filled_unnamed and len(raw) > col and raw[col] not in ("", None):
                filled_unnamed.add(col)
    for col in sorted(filled_unnamed):
        result.warnings.append((sheet, _column_letter(col), _("A column without a header is ignored.")))
    while rows and not rows[-1]:
        rows.pop()
    result[sheet] = rows


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def write_workbook(target, sheets: dict[str, Iterable[dict]], *, notes: list[str] | None = None) -> None:
    """Write ``{sheet name: rows}`` as an ``.xlsx`` file (a path or a binary file object).

    Known sheets get the headers of ``SHEETS`` in their order (key columns marked ★, choice
    columns with a drop-down); other sheets take the keys of their first row. Values: str,
    int, float, Decimal, date, datetime, bool (written 是/否) or None. Rows are streamed
    (xlsxwriter ``constant_memory``), so a 100,000-row sheet costs little memory.
    """
    import xlsxwriter

    book = xlsxwriter.Workbook(target, {"constant_memory": True, "strings_to_numbers": False,
                                        "strings_to_formulas": False, "strings_to_urls": False})
    head = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1})
    key_head = book.add_format({"bold": True, "bg_color": "#FFF2CC", "border": 1})
    text = book.add_format({"num_format": "@"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    number = book.add_format({"num_format": "0.00"})
    precise = book.add_format({"num_format": "0.000000"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    if notes:
        sheet = book.add_worksheet(NOTES)
        sheet.set_column(0, 0, 100, wrap)
        for i, line in enumerate(notes):
            sheet.write_string(i, 0, line)
    for name, rows in sheets.items():
        ws = book.add_worksheet(name)
        spec = SHEETS.get(name)
        rows = iter(rows)
        first = next(rows, None)
        columns = list(spec.columns) if spec else [Column(str(h)) for h in (first or {})]
        formats = []
        for col, c in enumerate(columns):
            fmt = {"date": day, "decimal": precise if c.places > 2 else number}.get(c.kind)
            if c.kind in ("code", "text", "id_number", "phone", "token"):
                fmt = text
            formats.append(fmt)
            ws.set_column(col, col, c.width, fmt, {"hidden": True} if c.hidden else None)
            ws.write_string(0, col, c.written_title, key_head if c.key else head)
            if c.kind == "choice" and c.choices:
                ws.data_validation(1, col, 1_048_575, col, {"validate": "list", "source": list(c.choices),
                                                            "ignore_blank": True, "error_type": "warning"})
            elif c.kind == "bool":
                ws.data_validation(1, col, 1_048_575, col, {"validate": "list", "source": [YES, NO],
                                                            "ignore_blank": True, "error_type": "warning"})
        ws.freeze_panes(1, 0)
        if first is None:
            continue
        headers = [c.header for c in columns]
        r = 1
        for row in _chain(first, rows):
            for col, h in enumerate(headers):
                v = row.get(h)
                if v is None or v == "":
                    continue
                if isinstance(v, bool):
                    ws.write_string(r, col, YES if v else NO)
                elif isinstance(v, str):
                    ws.write_string(r, col, v, formats[col])
                elif isinstance(v, int | float | Decimal):
                    ws.write_number(r, col, float(v), formats[col])
                elif isinstance(v, datetime | date):
                    ws.write_datetime(r, col, v, day)
                else:
                    ws.write_string(r, col, str(v), formats[col])
            r += 1
    book.close()


def _chain(first, rest):
    yield first
    yield from rest


def template_notes() -> list[str]:
    return [
        _("Sanfang registry workbook"),
        _("Fill in the sheets; headers are in row 1 and must be kept. A sheet may be left empty or deleted."),
        _("Columns marked ★ identify a row: importing the same workbook again changes nothing, an edited "
          "workbook updates those rows in place."),
        _("The whole workbook is checked first: if any row is wrong, nothing is written and every problem "
          "is listed with its sheet, row and column."),
        _("Dates as Excel dates or YYYY-MM-DD; areas in square metres with at most 2 decimals; yes/no as 是/否."),
        _("Areas (RULES V6): a registered area may replace a surveyed or contract area, never the reverse."),
        _("The second row of each sheet is an example: replace it with your own data."),
    ]


def write_template(target) -> None:
    """The empty workbook users fill in: every sheet with its headers and one example row."""
    write_workbook(
        target,
        {name: [{c.header: c.example for c in spec.columns if c.example not in (None, "")}]
         for name, spec in SHEETS.items()},
        notes=template_notes(),
    )
