"""Small read helpers shared by every app's selectors."""

from django.http import Http404

from . import scope


def get_visible(user, queryset, **lookup):
    """One row by lookup inside the user's scope; 404 (never 403) when outside it."""
    try:
        return scope.visible_to(user, queryset).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None
