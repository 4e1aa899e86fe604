"""The closed-loop figures as an Excel workbook: 总体 (the figures), 物业企业 (per company),
类别 (per category) and 吹哨报到 (summonses, RULES T3).

The headers are Chinese whatever the page's language: the workbook goes to offices that file
it as it is. Names come from imported workbooks and from the admin, so no text may turn into a
formula or a link: xlsxwriter is told not to convert strings, and a text that starts like a
formula (``= + - @``, or a tab or carriage return) gets a leading apostrophe, as OWASP advises
for exported cells that may later be saved as CSV.
"""

import io
from datetime import date, datetime

import xlsxwriter
from django.utils import timezone

NONE = "—"
_RISKY = ("=", "+", "-", "@", "\t", "\r")

RATE_ROWS = [
    ("same_day_acceptance_rate", "当日受理率"),
    ("on_time_response_rate", "按时响应率"),
    ("on_time_resolution_rate", "按时办结率"),
    ("resolution_rate", "办结率"),
    ("satisfaction_rate", "满意率"),
    ("reopen_rate", "重开率"),
]
SETTLED_ROWS = [("compound", "小区内解决"), ("community", "社区解决"), ("higher", "街道及以上解决")]


def safe_text(value) -> str:
    """A text cell that Excel (or a CSV made from it) never reads as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_RISKY) else text


class _Sheet:
    """One worksheet with the workbook's formats, written row by row."""

    def __init__(self, book, formats, name: str, widths: list[int]):
        self.ws = book.add_worksheet(name)
        self.f = formats
        self.row = 0
        for col, width in enumerate(widths):
            self.ws.set_column(col, col, width)

    def cell(self, col: int, value, kind: str = "") -> None:
        r = self.row
        if value is None:
            self.ws.write_string(r, col, NONE, self.f["centre"])
        elif kind == "rate":
            self.ws.write_number(r, col, value, self.f["rate"])
        elif kind == "head":
            self.ws.write_string(r, col, safe_text(value), self.f["head"])
        elif kind == "title":
            self.ws.write_string(r, col, safe_text(value), self.f["title"])
        elif isinstance(value, bool):
            self.ws.write_string(r, col, "是" if value else "否")
        elif isinstance(value, int | float):
            self.ws.write_number(r, col, value, self.f["number"] if isinstance(value, float) else None)
        else:
            self.ws.write_string(r, col, safe_text(value))

    def line(self, *values, kind: str = "", kinds: tuple = ()) -> None:
        for col, value in enumerate(values):
            self.cell(col, value, kinds[col] if col < len(kinds) else kind)
        self.row += 1


def _when(value) -> str:
    if value is None:
        return "尚未汇总"
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return str(value)


def _period(start: date, end: date) -> str:
    return f"{start.isoformat()} 至 {end.isoformat()}"


def figures_workbook(*, figures: dict, companies: list[dict], categories: list[dict], place: str,
                     filters: list[tuple[str, str]] = ()) -> bytes:
    """The workbook of the figures page: ``figures`` from ``figures.figures_for``, the rows of
    ``by_company`` and ``by_category``, ``place`` the region written in the title (name and
    code) and ``filters`` the other choices made, as (label, value) pairs."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                        "strings_to_numbers": False})
    formats = {
        "title": book.add_format({"bold": True, "font_size": 12}),
        "head": book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1, "text_wrap": True,
                                 "valign": "top"}),
        "rate": book.add_format({"num_format": "0.0%"}),
        "number": book.add_format({"num_format": "0.00"}),
        "centre": book.add_format({"align": "center"}),
    }
    period, as_of = _period(figures["start"], figures["end"]), _when(figures.get("as_of"))

    s = _Sheet(book, formats, "总体", [28, 18])
    s.line(f"{place} · {period}", kind="title")
    s.line("数据截至", as_of)
    for label, value in filters:
        s.line(label, value)
    s.row += 1
    s.line("指标", "数值", kind="head")
    s.ws.freeze_panes(s.row, 0)
    s.line("案件数", figures["cases"])
    s.line("投诉数", figures["complaints"])
    for key, label in RATE_ROWS:
        s.line(label, figures[key], kinds=("", "rate"))
    for key, label in SETTLED_ROWS:
        s.line(label, figures["settled"][key])
    for key, label in SETTLED_ROWS:
        s.line(f"{label}占比", figures["settled_share"][key], kinds=("", "rate"))
    if "households" in figures:
        s.line("在管户数", figures["households"])
        s.line("每千户投诉数", figures.get("complaints_per_1000_households"))

    s = _Sheet(book, formats, "物业企业", [14, 28, 10, 10, 10, 14, 10])
    s.line(f"{place} · {period}", kind="title")
    s.line("企业代码", "企业名称", "案件数", "投诉数", "在管户数", "每千户投诉数", "满意率", kind="head")
    s.ws.freeze_panes(2, 2)
    for r in companies:
        s.line(r["code"], r["name"], r["cases"], r["complaints"], r["households"],
               r["complaints_per_1000_households"], r["satisfaction_rate"], kinds=("",) * 6 + ("rate",))

    s = _Sheet(book, formats, "类别", [16, 20, 10, 10] + [12] * len(RATE_ROWS) + [12] * len(SETTLED_ROWS))
    s.line(f"{place} · {period}", kind="title")
    s.line("类别代码", "类别名称", "案件数", "投诉数", *(label for _k, label in RATE_ROWS),
           *(label for _k, label in SETTLED_ROWS), kind="head")
    s.ws.freeze_panes(2, 2)
    for r in categories:
        s.line(r["code"], r["name"], r["cases"], r["complaints"], *(r[k] for k, _label in RATE_ROWS),
               *(r["settled"][k] for k, _label in SETTLED_ROWS),
               kinds=("",) * 4 + ("rate",) * len(RATE_ROWS))

    summons = figures["summons"]
    s = _Sheet(book, formats, "吹哨报到", [24, 14])
    s.line(f"{place} · {period}", kind="title")
    s.line("数据截至", as_of)
    s.row += 1
    s.line("指标", "数值", kind="head")
    s.line("吹哨次数", summons["summoned"])
    s.line("按时报到", summons["reported_on_time"])
    s.line("按时报到率", summons["reported_on_time_rate"], kinds=("", "rate"))
    s.line("已反馈", summons["done"])
    s.line("按时反馈", summons["done_on_time"])
    s.line("按时反馈率", summons["done_on_time_rate"], kinds=("", "rate"))

    book.close()
    return buffer.getvalue()
