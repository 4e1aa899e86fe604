"""Log in by username or phone; lock the account after repeated failures."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db.models import F, Q
from django.utils import timezone

from .models import User


class UsernameOrPhoneBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        login = username.strip()[:150]
        user = User.objects.filter(Q(username=login) | (Q(phone=login) & ~Q(phone=""))).first()
        if user is None:
            User().set_password(password)  # same cost as a real check: no timing oracle
            return None
        now = timezone.now()
        # Take an attempt before checking the password, in one conditional UPDATE: parallel
        # guesses each use up one of the allowed attempts, and none is checked once the
        # account is locked (a check-then-count would let a burst of guesses through).
        open_q = Q(locked_until__isnull=True) | Q(locked_until__lte=now)
        taken = User.objects.filter(open_q, pk=user.pk, failed_logins__lt=settings.LOGIN_MAX_FAILURES).update(
            failed_logins=F("failed_logins") + 1
        )
        if not taken:
            User.objects.filter(pk=user.pk, locked_until__isnull=True).update(
                locked_until=now + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
            )
            user.refresh_from_db(fields=["locked_until", "failed_logins"])
            if user.locked_until and user.locked_until <= now:
                # The lock has run out: start counting afresh and check this attempt.
                User.objects.filter(pk=user.pk).update(failed_logins=1, locked_until=None)
            else:
                User().set_password(password)
                if request is not None:
                    request.sanfang_locked_until = user.locked_until
                return None
        if user.check_password(password) and self.user_can_authenticate(user):
            User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
            return user
        User.objects.filter(pk=user.pk, failed_logins__gte=settings.LOGIN_MAX_FAILURES, locked_until__isnull=True).update(
            locked_until=now + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
        )
        return None
