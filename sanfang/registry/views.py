"""The registry workbook pages: check an upload (nothing written), confirm it, download the
template, export the user's regions. Superusers and district officers only; others 404."""

import io

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from sanfang.core.scope import visible_to
from sanfang.places.models import Region

from . import uploads
from .forms import ConfirmForm, UploadForm
from .permissions import can_use_workbook
from .services import registry_export, registry_import_file, registry_template
from .workbook import PERSONS, SHEETS, write_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHOWN_ERRORS = 1000


def _gate(request) -> None:
    if not can_use_workbook(request.user):
        raise Http404


def _export_regions(user):
    levels = [Region.Level.CITY, Region.Level.DISTRICT, Region.Level.SUBDISTRICT]
    return list(visible_to(user, Region.objects.filter(level__in=levels)).order_by("path")[:300])


def _xlsx_response(buffer: io.BytesIO, filename: str) -> FileResponse:
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=filename, content_type=XLSX)


def _report_context(report) -> dict:
    order = [*SHEETS, PERSONS]
    label = {PERSONS: _("People (from 业主 and 任职)")}
    return {
        "report": report,
        "counts": [(label.get(name, name), report.counts[name]) for name in order if name in report.counts],
        "errors": report.sorted_errors(order)[:SHOWN_ERRORS],
        "hidden_errors": max(0, len(report.errors) - SHOWN_ERRORS),
    }


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request):
    """GET: the form. POST with a file: check it (a dry run) and show what would change, with a
    confirm button. POST with ``sha256``: import that checked file for real."""
    _gate(request)
    context = {"form": UploadForm(), "regions": _export_regions(request.user)}
    if request.method == "POST":
        if "sha256" in request.POST:
            context.update(_confirm(request))
        else:
            context.update(_check(request))
    template = "registry/_panel.html" if request.headers.get("HX-Request") and request.method == "POST" \
        else "registry/import.html"
    return render(request, template, context)


def _check(request) -> dict:
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return {"form": form}
    upload = form.cleaned_data["file"]
    sha = uploads.stash(upload)
    report = registry_import_file(file=uploads.path_of(sha), actor=request.user, dry_run=True,
                                  file_name=upload.name)
    if report.ok and not report.changed:
        uploads.discard(sha)
    else:
        # Kept for the confirm button, or for the full list of problems (swept after two hours).
        uploads.remember(request.session, sha, upload.name)
    return {"step": "checked", "sha256": sha, "file_name": upload.name, **_report_context(report)}


def _confirm(request) -> dict:
    form = ConfirmForm(request.POST)
    sha = form.data.get("sha256", "")
    name = uploads.remembered(request.session, sha) if form.is_valid() else None
    # Claimed before anything else: of two confirms of one upload, only one imports.
    claimed = uploads.claim(sha) if name else None
    if claimed is None:
        return {"step": "expired"}
    try:
        report = registry_import_file(file=claimed, actor=request.user, file_name=name)
    except BaseException:
        uploads.release(sha, claimed)
        raise
    if report.ok:
        uploads.forget(request.session, sha)
        uploads.discard_claimed(claimed)
    else:
        uploads.release(sha, claimed)
    return {"step": "done", "file_name": name, **_report_context(report)}


@login_required
@require_GET
def template(request):
    _gate(request)
    buffer = io.BytesIO()
    registry_template(buffer)
    return _xlsx_response(buffer, "registry-template.xlsx")


@login_required
@require_GET
def export(request):
    _gate(request)
    code = request.GET.get("region") or None
    buffer = io.BytesIO()
    try:
        registry_export(user=request.user, region=code, target=buffer)
    except Region.DoesNotExist:
        raise Http404 from None
    return _xlsx_response(buffer, f"registry-{code or 'all'}-{timezone.localdate():%Y%m%d}.xlsx")


def errors_workbook(report) -> io.BytesIO:
    """Every problem of a report as a one-sheet workbook (for reports too long for a page)."""
    buffer = io.BytesIO()
    write_workbook(buffer, {"问题": ({"工作表": e.sheet, "行": e.row or None, "列": e.column, "代码": e.code,
                                     "说明": e.message} for e in report.sorted_errors([*SHEETS, PERSONS]))})
    return buffer


@login_required
@require_GET
def errors(request, sha256):
    """Every problem of a checked upload, as a workbook, when there are too many for the page."""
    _gate(request)
    name = uploads.remembered(request.session, sha256)
    path = uploads.path_of(sha256) if name else None
    if path is None:
        raise Http404
    report = registry_import_file(file=path, actor=request.user, dry_run=True, file_name=name)
    return _xlsx_response(errors_workbook(report), "registry-problems.xlsx")
