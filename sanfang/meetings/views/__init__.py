"""Thin HTML views of meetings and motions: fetch with a selector (404 outside scope), validate a
form, call the one service, redirect with a message (DESIGN: inside an app)."""

import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

_ID = re.compile(r"[0-9]{1,18}")


def row_id(value) -> int | None:
    """A row id as a form or an address carries it, or None: ASCII digits only ("²".isdigit()
    is true, yet no id) and short enough for a 64-bit key, so a bad one is "no such row", never
    a database error."""
    value = (value or "").strip() if isinstance(value, str) else ""
    return int(value) if _ID.fullmatch(value) else None


def form_errors(form, exc: ValidationError) -> None:
    """Put a service's refusal on the form, beside the field it names when the form has it."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def run(request, form, call) -> bool:
    """Validate ``form``, run the service, and turn a refusal into a message on the page."""
    if form is not None and not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return False
    try:
        call(form.cleaned_data if form is not None else {})
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You may not do this."))
    else:
        messages.success(request, _("Done."))
        return True
    return False
