import pytest
from django.conf import settings


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Argon2 is the production hasher; tests only need a correct one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_elsewhere(settings, tmp_path_factory):
    # Uploaded photos, scans and authorisations of tests go to a temporary folder, not var/media.
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _fresh_case_setups():
    # Intake keeps each compound's configuration for a minute per process; every test's
    # database is new, so nothing may carry over from the test before.
    from sanfang.tickets.services.routing import forget_setups

    forget_setups()
    yield
    forget_setups()


@pytest.fixture
def world(db):
    from sanfang.testing import build_world

    return build_world()


@pytest.fixture
def login(client):
    """Log the test client in as one of the world's users."""
    def _login(user):
        client.force_login(user)
        return client
    return _login


@pytest.fixture
def admin_client(client, world):
    """The client logged in as the district officer with the Django admin."""
    user = world.users["district"]
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    return client


assert settings.configured
