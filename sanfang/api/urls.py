"""Mounts every app's ninja router under /api/v1 (DESIGN: api only reads and delegates)."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DomainError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from sanfang.orgs.api import router as orgs_router
from sanfang.places.api import router as places_router
from sanfang.tickets.api import BulkRefused
from sanfang.tickets.api import router as tickets_router
from sanfang.voting.api import router as voting_router

from .auth import AUTH

api = NinjaAPI(
    title="Sanfang API",
    version="1",
    description="Registry of places and parties, party-building figures, residents' cases. Authenticate with "
                "`Authorization: Bearer <token>` (tokens are issued in the admin) or a logged-in session.",
    auth=AUTH,
    urls_namespace="api",
)
api.add_router("/", places_router)
api.add_router("/", orgs_router)
api.add_router("/", tickets_router)
api.add_router("/", voting_router)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(AuthenticationError)
def unauthorised(request, exc):
    return api.create_response(request, {"detail": _("Authentication required: send a valid API token.")}, status=401)


@api.exception_handler(ValidationError)
def invalid(request, exc):
    return api.create_response(request, {"detail": _("Invalid request."), "errors": exc.errors}, status=422)


@api.exception_handler(DomainError)
def refused(request, exc):
    """A service said no (a missing field, an unknown category, a move the state does not
    allow): 422 with the message for the user, 409 when the case has moved on."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    status = 409 if getattr(exc, "code", None) in ("not_allowed", "duplicate", "top", "proxy_cap") else 422
    first = next(iter(errors.values()))[0]
    return api.create_response(request, {"detail": first, "errors": errors}, status=status)


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    return api.create_response(request, {"detail": str(exc) or _("You may not do this.")}, status=403)


@api.exception_handler(BulkRefused)
def bulk_refused(request, exc):
    return api.create_response(
        request, {"detail": _("Some work orders are invalid; none was kept."), "errors": exc.problems}, status=422)
