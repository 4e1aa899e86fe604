"""The live progress of a vote and its published result: per item on both bases (area and
heads), the thresholds, what is still missing; the hash-chained pseudonymous ballot log (no unit
label, name or time: see the README, "Published ballot log"), where the user's own ballots are in
it, and an Excel copy of the result.

The progress is read from ``progress.progress`` (a cached tally: no count of the ballots per
request, WORKLOADS' ≥ 2,000 reads a second). The page refreshes its figures with htmx about every
10 seconds from the same view (``?partial=1``)."""

import io

import xlsxwriter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import ballotlog, publication, rules, selectors
from ..models import Choice, Poll

S = Poll.Status
REFRESH_SECONDS = 10


def _chart_data(items) -> dict:
    return {
        "labels": {"area": _("Area"), "heads": _("Heads"), "part": _("Taking part (of all owners)"),
                   "yes": _("Yes (share the rule counts)"), "quorum": _("quorum"), "passing": _("passing")},
        "items": [{"order": i["order"], **i["chart"]} for i in items],
    }


@login_required
def progress(request, pk, partial=False):
    poll = selectors.poll_get_for(user=request.user, pk=pk)
    partial = partial or request.GET.get("partial") == "1"
    data, problem = None, ""
    if poll.status in (S.OPEN, S.CLOSED, S.PUBLISHED):
        try:
            data = selectors.progress_items(poll)
        except rules.TallyError as exc:
            problem = str(exc)
    context = {"poll": poll, "data": data, "problem": problem, "live": poll.status == S.OPEN,
               "refresh": REFRESH_SECONDS, "chart": _chart_data(data["items"]) if data else None}
    return render(request, "voting/_progress.html" if partial else "voting/progress.html", context)


def _published(request, pk) -> Poll:
    poll = selectors.poll_get_for(user=request.user, pk=pk, with_result=True)
    if poll.status != S.PUBLISHED or not poll.result:
        raise Http404
    return poll


def _logs_served(poll: Poll) -> bool:
    """Logs of the first format (published before the pseudonyms) named each unit with its
    choice: they are no longer served; the totals stand, the organisers keep the ballots (V10)."""
    return all(i["log"].get("format") == ballotlog.FORMAT for i in poll.result["items"])


@login_required
def result(request, pk):
    poll = selectors.poll_get_for(user=request.user, pk=pk, with_result=True)
    if poll.status != S.PUBLISHED or not poll.result:
        messages.info(request, _("The result is published once voting has closed and the votes are counted."))
        return redirect("voting:detail", pk=poll.pk)
    served = _logs_served(poll)
    mine = publication.own_entries(poll, selectors.own_heads(request.user, poll)) if served else []
    shown = dict(Choice.choices)
    for row in mine:
        for found in row["items"]:
            found["shown"] = shown.get(found["entry"]["choice"], found["entry"]["choice"]) if found["entry"] else ""
    return render(request, "voting/result.html", {"poll": poll, "items": selectors.published_items(poll),
                                                  "anchor": poll.result.get("anchor", poll.log_head_hash),
                                                  "logs_served": served, "mine": mine})


@login_required
def log(request, pk):
    """The published log, as a download: every item's log with the anchor, or with ``?item=N``
    the one document ``sanfang voting verify`` checks."""
    poll = _published(request, pk)
    if not _logs_served(poll):
        raise Http404
    item = request.GET.get("item", "")
    if item:
        found = next((i for i in poll.result["items"] if str(i["order"]) == item), None)
        if found is None:
            raise Http404
        doc, name = found["log"], f"poll-{poll.pk}-item-{found['order']}-log.json"
    else:
        doc = {"poll": poll.pk, "title": poll.title, "compound": poll.compound.code,
               "decided_on": poll.decided_on.isoformat() if poll.decided_on else None,
               "anchor": poll.result.get("anchor", poll.log_head_hash),
               "items": [{"order": i["order"], "text": i["text"], "matter": i["matter"], "log": i["log"]}
                         for i in poll.result["items"]]}
        name = f"poll-{poll.pk}-log.json"
    response = JsonResponse(doc, json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- the Excel copy -----------------------------------------------------------------------------
# Headers in Chinese whatever the page's language: the workbook is filed as it is (as the case
# figures' export does). Titles and items are typed by organisers, so no text may become a
# formula or a link: xlsxwriter converts no string, and a text that starts like a formula gets a
# leading apostrophe (OWASP, for cells that may later be saved as CSV).

_RISKY = ("=", "+", "-", "@", "\t", "\r")
CHOICE_ZH = {"yes": "同意", "no": "反对", "abstain": "弃权"}
CHANNEL_ZH = {"online": "网上", "paper": "纸质", "proxy": "委托"}
CLASS_ZH = {rules.MAJOR: "重大事项", rules.ORDINARY: "一般事项"}


def safe_text(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_RISKY) else text


def _workbook(poll: Poll, items: list[dict]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                        "strings_to_numbers": False})
    bold = book.add_format({"bold": True})
    head = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1, "text_wrap": True})

    ws = book.add_worksheet("表决结果")
    ws.set_column(0, 0, 8)
    ws.set_column(1, 1, 40)
    ws.set_column(2, 17, 12)
    rows = [("表决", poll.title), ("小区", f"{poll.compound.name}（{poll.compound.code}）"),
            ("范围", f"{poll.building}幢" if poll.building else "全体业主"),
            ("投票时间", f"{timezone.localtime(poll.opens_at):%Y-%m-%d %H:%M} – "
                         f"{timezone.localtime(poll.closes_at):%Y-%m-%d %H:%M}"),
            ("决定日期", poll.decided_on.isoformat() if poll.decided_on else ""),
            ("公示哈希", poll.result.get("anchor", poll.log_head_hash))]
    for r, (label, value) in enumerate(rows):
        ws.write_string(r, 0, label, bold)
        ws.write_string(r, 1, safe_text(value))
    top = len(rows) + 1
    headers = ["序号", "事项", "类别", "规则", "总人数", "总面积(m²)", "参与人数", "参与面积(m²)", "同意人数",
               "同意面积(m²)", "反对人数", "反对面积(m²)", "弃权人数", "弃权面积(m²)", "达到参与要求", "通过",
               "日志哈希"]
    for c, text in enumerate(headers):
        ws.write_string(top, c, text, head)
    for r, i in enumerate(items, start=top + 1):
        counts = i["counts"]
        ws.write_number(r, 0, i["order"])
        ws.write_string(r, 1, safe_text(i["text"]))
        ws.write_string(r, 2, CLASS_ZH.get(i["matter_class"], i["matter_class"]))
        ws.write_string(r, 3, safe_text(i["rule_set"]))
        col = 4
        for key in ("total", "participating", "yes", "no", "abstain"):
            ws.write_number(r, col, counts[key]["heads"])
            # The area as written in the result (two decimals): a string, so the number stays exact.
            ws.write_string(r, col + 1, counts[key]["area"])
            col += 2
        ws.write_string(r, 14, "是" if i["quorum_met"] else "否")
        ws.write_string(r, 15, "是" if i["passed"] else "否")
        ws.write_string(r, 16, i["head_hash"])

    # The entries as the published log has them: pseudonyms and ballot codes, never a unit label
    # or a time (README, "Published ballot log"); none for a log of the first format.
    log = book.add_worksheet("投票记录")
    log.set_column(0, 1, 8)
    log.set_column(2, 4, 18)
    log.set_column(5, 6, 10)
    log.set_column(7, 8, 66)
    for c, text in enumerate(["事项", "序号", "选票码", "户", "单元", "选择", "方式", "上一哈希", "哈希"]):
        log.write_string(0, c, text, head)
    r = 1
    for item in poll.result["items"] if _logs_served(poll) else []:
        for e in item["log"]["entries"]:
            log.write_number(r, 0, item["order"])
            log.write_number(r, 1, e["seq"])
            log.write_string(r, 2, safe_text(e["ballot"] or ""))
            log.write_string(r, 3, safe_text(e["head"]))
            log.write_string(r, 4, safe_text(e["unit"]))
            log.write_string(r, 5, CHOICE_ZH.get(e["choice"], safe_text(e["choice"])))
            log.write_string(r, 6, CHANNEL_ZH.get(e["channel"], safe_text(e["channel"])))
            log.write_string(r, 7, e["prev"])
            log.write_string(r, 8, e["hash"])
            r += 1
    book.close()
    return buffer.getvalue()


@login_required
def export(request, pk):
    poll = _published(request, pk)
    body = _workbook(poll, selectors.published_items(poll))
    response = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="poll-{poll.pk}-result.xlsx"'
    return response

