"""The survey pages (mounted at /surveys/). Staff: the list, a new survey (with the seed-002
preset), a survey's page, opening and closing it behind a confirmation, the printable slips,
the results with their charts and the Excel workbook. Respondents: ``r/<token>/``, no login,
one screen, a review step, then thanks.

Thin views: fetch through ``surveys.survey_get_for`` (404 outside the user's reach), check the
``can_*`` rule (403), validate a form, call the one service.
"""

import io
from decimal import ROUND_HALF_UP, Decimal

import segno
import xlsxwriter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from . import surveys as sv
from .models import Survey
from .survey_forms import CodeForm, ReissueForm, RespondForm, SurveyForm, items_text

S = Survey.Status
EVENT_LABELS = {
    "created": lambda d: _("Created with %(n)s items") % {"n": d.get("items", "?")},
    "opened": lambda d: _("Opened: %(n)s slips issued") % {"n": d.get("tokens", "?")},
    "reissued": lambda d: _("New slips: %(n)s (the old ones stop working)") % {"n": d.get("tokens", "?")},
    "closed": lambda d: _("Closed with %(r)s responses of %(t)s slips") % {"r": d.get("responses", "?"),
                                                                         "t": d.get("tokens", "?")},
}


def percent(share) -> str:
    """A share (4 places) as a percentage with one decimal, half up; "—" for None."""
    if share is None:
        return "—"
    return f"{(share * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def _survey(request, pk) -> Survey:
    try:
        return sv.survey_get_for(user=request.user, pk=pk)
    except Survey.DoesNotExist:
        raise Http404 from None


def _managed(request, pk) -> Survey:
    survey = _survey(request, pk)
    if not sv.can_manage(request.user, survey):
        raise PermissionDenied
    return survey


def _refused(request, exc) -> None:
    messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError)
                   else (str(exc) or _("You may not do this.")))


# --- staff ------------------------------------------------------------------------------------

@login_required
@require_safe
def survey_list(request):
    surveys = list(sv.surveys_for(request.user).order_by("-created_at", "-pk")[:200])
    return render(request, "voting/surveys/list.html", {
        "surveys": surveys, "can_create": sv.compounds_to_run(request.user).exists(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def survey_new(request):
    user = request.user
    if not sv.compounds_to_run(user).exists():
        raise PermissionDenied
    if request.method == "POST":
        form = SurveyForm(request.POST, user=user)
        if form.is_valid():
            d = form.cleaned_data
            try:
                survey = sv.survey_create(compound=d["compound"], title=d["title"], items=d["items"], actor=user,
                                          subject_kind=d["subject_kind"], subject=d["subject"],
                                          scale=d["scale"], building=d["building"],
                                          allow_unknown=d["allow_unknown"])
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            except PermissionDenied as exc:
                form.add_error("subject_kind", str(exc))
            else:
                messages.success(request, _("Draft saved. Check it, then open it to print the slips."))
                return redirect("surveys:detail", pk=survey.pk)
    else:
        initial = {"compound": request.GET.get("compound", "")}
        compounds = sv.compounds_to_run(user)
        if not initial["compound"] and compounds.count() == 1:
            initial["compound"] = compounds.get().code
        preset = sv.PRESETS.get(request.GET.get("preset", ""))
        if preset:
            initial.update(title=preset["title"], subject_kind=preset["subject_kind"], scale=preset["scale"],
                           items=items_text(sv.preset_items(request.GET["preset"])))
        form = SurveyForm(initial=initial, user=user)
    return render(request, "voting/surveys/new.html", {"form": form, "presets": sv.PRESETS})


def _events(survey):
    out = []
    for e in survey.events.select_related("actor"):
        label = EVENT_LABELS.get(e.kind)
        out.append({"at": e.at, "actor": e.actor, "label": label(e.data) if label else e.kind})
    return out


@login_required
@require_safe
def survey_detail(request, pk):
    survey = _survey(request, pk)
    user = request.user
    counts = sv.counts(survey)
    counts["rate_shown"] = percent(counts["rate"])
    return render(request, "voting/surveys/detail.html", {
        "survey": survey, "groups": sv.grouped_items(survey), "counts": counts,
        "can_manage": sv.can_manage(user, survey), "can_see_results": sv.can_see_results(user, survey),
        "events": _events(survey), "reissue_form": ReissueForm(),
    })


def _slips_page(request, survey, slips, *, reissued: bool):
    """The printable slips: shown once, never stored, never cached."""
    def qr(url):
        return mark_safe(segno.make(url, error="m").svg_inline(scale=1, border=2, omitsize=True,
                                                               svgclass="slip-qr", lineclass=None))

    rows = []
    for slip in slips:
        url = request.build_absolute_uri(reverse("surveys:respond", args=[slip.token]))
        rows.append({"unit": slip.unit_label, "token": slip.token, "url": url, "qr": qr(url)})
    response = render(request, "voting/surveys/slips.html", {
        "survey": survey, "slips": rows, "reissued": reissued,
        "entry_url": request.build_absolute_uri(reverse("surveys:enter")),
        "printed_at": timezone.localtime(),
    })
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def survey_open(request, pk):
    """GET: what opening does (the confirmation). POST: open, and show the slips this once."""
    survey = _managed(request, pk)
    if request.method == "POST":
        try:
            slips = sv.survey_open(survey=survey, actor=request.user)
        except (ValidationError, PermissionDenied) as exc:
            _refused(request, exc)
            return redirect("surveys:detail", pk=survey.pk)
        survey.refresh_from_db()
        return _slips_page(request, survey, slips, reissued=False)
    units = sv.answering_units(survey.compound, survey.building).count()
    return render(request, "voting/surveys/confirm.html", {
        "survey": survey, "action": "open", "units": units,
    })


@login_required
@require_http_methods(["GET", "POST"])
def survey_close(request, pk):
    survey = _managed(request, pk)
    if request.method == "POST":
        try:
            sv.survey_close(survey=survey, actor=request.user)
        except (ValidationError, PermissionDenied) as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("The survey is closed. The results can be read now."))
        return redirect("surveys:detail", pk=survey.pk)
    return render(request, "voting/surveys/confirm.html", {
        "survey": survey, "action": "close", "counts": sv.counts(survey),
    })


@login_required
@require_http_methods(["GET", "POST"])
def survey_reissue(request, pk):
    """GET: the confirmation (the old slips of those units stop working), naming units or not.
    POST: new slips, shown this once."""
    survey = _managed(request, pk)
    if survey.status != S.OPEN:
        messages.error(request, _("Slips are issued only while the survey is open."))
        return redirect("surveys:detail", pk=survey.pk)
    form = ReissueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            slips = sv.survey_reissue(survey=survey, actor=request.user, unit_labels=form.labels(),
                                      seen=_seen(request))
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                _refused(request, exc)
                return redirect("surveys:detail", pk=survey.pk)
            for errors in exc.message_dict.values():
                form.add_error("units", errors)
        else:
            return _slips_page(request, survey, slips, reissued=True)
    counts = sv.counts(survey)
    return render(request, "voting/surveys/confirm.html", {
        "survey": survey, "action": "reissue", "form": form, "counts": counts,
        "unanswered": counts["tokens"] - counts["responses"], "seen": sv.last_event_id(survey),
    })


def _seen(request) -> int | None:
    """The event the confirmation page saw (see ``surveys.survey_reissue``); -1 if garbled."""
    raw = request.POST.get("seen", "")
    if not raw:
        return None
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else -1


def _results(request, pk):
    survey = _survey(request, pk)
    if not sv.can_see_results(request.user, survey):
        if survey.status != S.CLOSED:
            messages.info(request, _("The results are shown once the survey is closed."))
            return survey, None
        raise PermissionDenied
    return survey, sv.results(survey)


def _chart_data(survey, results) -> dict:
    if not results["shown"]:
        return {}
    return {
        "scale": survey.scale,
        "groups": [{"name": g["name"], "items": [f'{i["order"]}. {i["text"]}' for i in g["items"]],
                    "distribution": [i["distribution"] for i in g["items"]],
                    "unknown": [i["unknown"] for i in g["items"]]} for g in results["groups"]],
        "means": {"names": [g["name"] for g in results["groups"]],
                  "values": [None if g["mean_of_means"] is None else float(g["mean_of_means"])
                             for g in results["groups"]]},
        "labels": {"score": _("score %(k)s"), "unknown": _("cannot judge"), "mean": _("mean of the item means")},
    }


@login_required
@require_safe
def survey_results(request, pk):
    survey, results = _results(request, pk)
    if results is None:
        return redirect("surveys:detail", pk=survey.pk)
    return render(request, "voting/surveys/results.html", {
        "survey": survey, "r": results, "data": _chart_data(survey, results),
        "rate_shown": percent(results["response_rate"]),
        "scores": range(1, survey.scale + 1),
    })


@login_required
@require_safe
def survey_export(request, pk):
    survey, results = _results(request, pk)
    if results is None or not results["shown"]:
        if results is not None:
            messages.info(request, _("Too few responses to show any result."))
        return redirect("surveys:detail", pk=survey.pk)
    response = HttpResponse(_workbook(survey, results),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="survey-{survey.pk}-results.xlsx"'
    return response


# --- respondents (no login) -------------------------------------------------------------------

STATE_MESSAGES = {
    "unknown_token": gettext_lazy("This code is not valid. Check it against your slip."),
    "used": gettext_lazy("This slip has already been used: each slip counts once."),
    "not_open": gettext_lazy("This survey has not opened yet."),
    "closed": gettext_lazy("This survey has closed. Thank you all the same."),
}


def _message(request, state, survey=None, status=200):
    return render(request, "voting/surveys/respond_message.html", {
        "state": state, "message": STATE_MESSAGES.get(state, ""), "survey": survey,
    }, status=status)


@never_cache
@require_safe
def respond_enter(request):
    """For a slip read by eye: type the code, go to its form."""
    form = CodeForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return redirect("surveys:respond", token=form.cleaned_data["code"])
    return render(request, "voting/surveys/enter.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def respond(request, token):
    """The respondent's one screen. POST without ``confirm`` checks the answers and shows them
    back; POST with ``confirm`` sends them; ``edit`` goes back to the form with them."""
    survey, state = sv.token_state(token)
    if state != "ok":
        return _message(request, state, survey, status=404 if state == "unknown_token" else 200)
    code = sv.normalise_token(token)
    if code != token:
        return redirect("surveys:respond", token=code)
    if request.method == "GET":
        return render(request, "voting/surveys/respond.html", {"survey": survey, "form": RespondForm(survey=survey),
                                                               "token": code})
    form = RespondForm(request.POST, survey=survey)
    if not form.is_valid() or request.POST.get("edit"):
        if not request.POST.get("edit"):
            messages.error(request, _("Please choose a score for every item."))
        return render(request, "voting/surveys/respond.html", {"survey": survey, "form": form, "token": code})
    if request.POST.get("confirm") != "1":
        return render(request, "voting/surveys/respond.html", {"survey": survey, "form": form, "token": code,
                                                               "review": _review(form)})
    try:
        sv.survey_respond(token=code, scores=form.scores())
    except ValidationError as exc:
        if exc.code in STATE_MESSAGES:
            return _message(request, exc.code, survey)
        messages.error(request, " ".join(exc.messages))
        return render(request, "voting/surveys/respond.html", {"survey": survey, "form": form, "token": code})
    return redirect("surveys:thanks")


def _review(form) -> list[dict]:
    scores = form.scores()
    out = []
    for group in form.grouped():
        out.append({"name": group["name"], "rows": [
            {"label": f.label, "score": scores[f.name.removeprefix("item_")]} for f in group["fields"]]})
    return out


@never_cache
@require_safe
def respond_thanks(request):
    return render(request, "voting/surveys/thanks.html")


# --- the workbook -----------------------------------------------------------------------------

_RISKY = ("=", "+", "-", "@", "\t", "\r")


def _text(value) -> str:
    """A text cell that Excel (or a CSV made from it) never reads as a formula (OWASP): item
    texts and names are typed by people."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_RISKY) else text


def _workbook(survey: Survey, r: dict) -> bytes:
    """概况 (the survey and overall figures), 分组 (per group), 测评项 (per item with its
    distribution). Headers in Chinese whatever the page's language: the workbook is filed as is.
    Means are written as the rounded decimals the page shows, with the sums and counts they come
    from, so anyone can recompute them."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                        "strings_to_numbers": False})
    head = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1, "text_wrap": True, "valign": "top"})
    bold = book.add_format({"bold": True, "font_size": 12})
    rate = book.add_format({"num_format": "0.0%"})
    mean = book.add_format({"num_format": "0.00"})

    def put(ws, row, col, value, fmt=None):
        if value is None:
            ws.write_string(row, col, "—")
        elif isinstance(value, int | float):
            ws.write_number(row, col, value, fmt)
        elif hasattr(value, "as_tuple"):  # Decimal
            ws.write_number(row, col, float(value), fmt)
        else:
            ws.write_string(row, col, _text(value), fmt)

    def when(value):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"

    ws = book.add_worksheet("概况")
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 40)
    rows = [
        ("测评", survey.title), ("小区", f"{survey.compound.name}（{survey.compound.code}）"),
        ("测评对象", survey.subject), ("楼栋", survey.building or "全部"),
        ("评分", f"1–{survey.scale} 分（{survey.scale} 分最好）"),
        ("开始", when(survey.opened_at)), ("结束", when(survey.closed_at)),
        ("发放测评码", r["tokens"]), ("收回答卷", r["responses"]),
    ]
    put(ws, 0, 0, survey.title, bold)
    for i, (label, value) in enumerate(rows, 2):
        put(ws, i, 0, label, head)
        put(ws, i, 1, value)
    n = len(rows) + 2
    put(ws, n, 0, "参与率", head)
    put(ws, n, 1, r["response_rate"], rate)
    put(ws, n + 1, 0, "总体：各项平均分的平均", head)
    put(ws, n + 1, 1, r["overall"]["mean_of_means"], mean)
    put(ws, n + 2, 0, "总体：全部评分的平均", head)
    put(ws, n + 2, 1, r["overall"]["weighted_mean"], mean)

    ws = book.add_worksheet("分组")
    ws.set_column(0, 0, 24)
    ws.set_column(1, 6, 14)
    for col, label in enumerate(("分组", "测评项数", "各项平均分的平均", "全部评分的平均", "评分数", "评分合计",
                                 "无法评价")):
        put(ws, 0, col, label, head)
    for i, g in enumerate(r["groups"], 1):
        for col, (value, fmt) in enumerate(((g["name"], None), (len(g["items"]), None), (g["mean_of_means"], mean),
                                            (g["weighted_mean"], mean), (g["count"], None), (g["sum"], None),
                                            (g["unknown"], None))):
            put(ws, i, col, value, fmt)
    ws.freeze_panes(1, 1)

    ws = book.add_worksheet("测评项")
    ws.set_column(0, 0, 6)
    ws.set_column(1, 1, 20)
    ws.set_column(2, 2, 40)
    labels = ["序号", "分组", "测评项", "平均分", "评分数", "评分合计", "无法评价"] + [
        f"{k} 分" for k in range(1, survey.scale + 1)]
    for col, label in enumerate(labels):
        put(ws, 0, col, label, head)
    for i, item in enumerate(r["items"], 1):
        values = [item["order"], item["group"], item["text"], item["mean"], item["count"], item["sum"],
                  item["unknown"], *item["distribution"]]
        for col, value in enumerate(values):
            put(ws, i, col, value, mean if col == 3 else None)
    ws.freeze_panes(1, 3)
    book.close()
    return buffer.getvalue()
