"""Logging in: by username or phone, argon2 in production, lock-out after repeated failures."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from sanfang.accounts.models import User
from sanfang.testing import PASSWORD

pytestmark = pytest.mark.django_db


def post_login(client, username, password=PASSWORD):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_login_by_username(client, world):
    response = post_login(client, "community")
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_login_by_phone(client, world):
    response = post_login(client, "13900000001")
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == world.users["chair"].pk


def test_wrong_password_is_refused_with_a_message(client, world):
    response = post_login(client, "community", "wrong-password")
    assert response.status_code == 200
    assert response.context["form"].errors["__all__"]
    assert "_auth_user_id" not in client.session


def test_unknown_user_is_refused(client, world):
    assert post_login(client, "nobody").status_code == 200


def test_lockout_after_repeated_failures(client, world):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        post_login(client, "community", "wrong-password")
    user = User.objects.get(username="community")
    assert user.locked_until and user.locked_until > timezone.now()
    # Even the right password is refused while locked, with the lock-out message.
    response = post_login(client, "community")
    assert response.status_code == 200
    assert response.context["form"].errors["__all__"][0].startswith(("Too many", "登录失败次数过多"))


def test_success_resets_failure_count(client, world):
    post_login(client, "community", "wrong-password")
    post_login(client, "community")
    assert User.objects.get(username="community").failed_logins == 0


def test_production_hasher_is_argon2():
    from sanfang import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_home_lists_seats(world, login):
    body = login(world.users["community"]).get(reverse("home")).content.decode()
    assert "春风社区" in body


def test_a_burst_of_guesses_cannot_exceed_the_allowed_attempts(client, world, monkeypatch):
    """Each attempt is counted before its password is checked, so once the allowance is used
    up no further password is even checked — not even a right one."""
    checked = []
    original = User.check_password

    def counting_check(self, raw):
        checked.append(raw)
        return original(self, raw)

    monkeypatch.setattr(User, "check_password", counting_check)
    for _ in range(settings.LOGIN_MAX_FAILURES + 3):
        post_login(client, "community", "wrong-password")
    assert len(checked) == settings.LOGIN_MAX_FAILURES
    assert post_login(client, "community").status_code == 200  # right password, still locked
    assert len(checked) == settings.LOGIN_MAX_FAILURES


def test_lock_runs_out(client, world):
    import time_machine

    for _ in range(settings.LOGIN_MAX_FAILURES):
        post_login(client, "community", "wrong-password")
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES + 1)):
        assert post_login(client, "community").status_code == 302
