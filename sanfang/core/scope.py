"""The scope port: lower apps filter through ``visible_to`` without importing accounts.

Seats live in ``accounts``, above ``places`` and ``orgs``; their selectors still must start
from the user's scope (DESIGN habit 8). ``accounts`` plugs its rules in here when it loads, so
dependencies keep pointing one way and no selector can forget the check: without a provider
every call fails loudly.
"""

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet

_provider = None


def register(provider) -> None:
    global _provider
    _provider = provider


def _get():
    if _provider is None:
        raise ImproperlyConfigured("no scope provider registered (is sanfang.accounts installed?)")
    return _provider


def visible_to(user, queryset: QuerySet) -> QuerySet:
    return _get().visible_to(user, queryset)


def can_see_phones(user) -> bool:
    return _get().can_see_phones(user)


def sees_everything(user) -> bool:
    return _get().sees_everything(user)
