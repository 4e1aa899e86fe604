"""Mounts every app's ninja router under /api/v1 (DESIGN: api only reads and delegates)."""

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from sanfang.orgs.api import router as orgs_router
from sanfang.places.api import router as places_router

from .auth import AUTH

api = NinjaAPI(
    title="Sanfang API",
    version="1",
    description="Registry of places and parties, party-building figures. Authenticate with "
                "`Authorization: Bearer <token>` (tokens are issued in the admin) or a logged-in session.",
    auth=AUTH,
    urls_namespace="api",
)
api.add_router("/", places_router)
api.add_router("/", orgs_router)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(AuthenticationError)
def unauthorised(request, exc):
    return api.create_response(request, {"detail": _("Authentication required: send a valid API token.")}, status=401)


@api.exception_handler(ValidationError)
def invalid(request, exc):
    return api.create_response(request, {"detail": _("Invalid request."), "errors": exc.errors}, status=422)
