"""API authentication: bearer tokens for clients, the session for the browser."""

from django.utils import timezone
from ninja.security import HttpBearer, django_auth

from sanfang.accounts.models import ApiToken


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        found = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=ApiToken.hash(token), revoked=False, user__is_active=True)
            .first()
        )
        if found is None:
            return None
        # At most one write per token per minute: reads must stay reads.
        now = timezone.now()
        if found.last_used is None or (now - found.last_used).total_seconds() > 60:
            ApiToken.objects.filter(pk=found.pk).update(last_used=now)
        request.user = found.user
        return found.user


AUTH = [TokenAuth(), django_auth]
