"""What every voting view shares: a refusal turned into a message, a 403 page that says why."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.utils.translation import gettext as _


def forbidden(request, message: str, *, poll=None, compound=None):
    """A page the user may not use although they can see what it is about: say why (403)."""
    return render(request, "voting/forbidden.html", {"message": message, "poll": poll, "compound": compound},
                  status=403)


def refusal(exc: Exception) -> str:
    """The words of a service's refusal (``ValidationError`` or ``PermissionDenied``)."""
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or _("You may not do this in this poll.")


def say_refusal(request, exc: Exception) -> None:
    messages.error(request, refusal(exc))


def form_errors(form, exc: ValidationError) -> None:
    """Put a service's refusal on the form, beside the field it names when the form has it."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def run(request, call, *, form=None) -> object | None:
    """Call the one service; a refusal becomes a message (and, given a form, errors on it) and
    the service's transaction has changed nothing. Returns what the service returned, or None."""
    try:
        return call()
    except ValidationError as exc:
        say_refusal(request, exc)
        if form is not None:
            form_errors(form, exc)
    except PermissionDenied as exc:
        say_refusal(request, exc)
    return None
