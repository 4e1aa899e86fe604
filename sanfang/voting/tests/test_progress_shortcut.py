"""``voting.middleware.LiveProgressMiddleware``: the common progress read (a bearer token, a
fresh snapshot, a poll in scope) answered before the rest of the site with the view's bytes;
every other read goes on to the view, which refuses or counts as it always did."""

from datetime import datetime

import pytest
import time_machine
from django.http import HttpResponse
from django.test import RequestFactory

from sanfang.accounts.models import ApiToken
from sanfang.voting import progress as live
from sanfang.voting.middleware import LiveProgressMiddleware

from .conftest import SH

pytestmark = pytest.mark.django_db
DURING = datetime(2026, 12, 2, 10, 0, tzinfo=SH)


def _passed_on(request):
    return HttpResponse("passed on to the rest of the site", status=299)


def _shortcut(path, key=None):
    """The middleware alone: 299 means it let the request go on."""
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    return LiveProgressMiddleware(_passed_on)(RequestFactory().get(path, **headers))


@pytest.fixture
def token(world):
    return ApiToken.issue(user=world.users["owner_a"], name="phone")


def test_a_fresh_snapshot_is_answered_with_the_views_bytes(world, open_poll, client, token):
    url = f"/api/v1/polls/{open_poll.pk}/progress"
    _row, key = token
    with time_machine.travel(DURING, tick=False):
        from_view = client.get(url, HTTP_AUTHORIZATION=f"Bearer {key}")  # counts: no snapshot yet
        assert from_view.status_code == 200 and live.cached(open_poll.pk) is not None
        short = _shortcut(url, key)
    assert short.status_code == 200 and short.content == from_view.content
    assert short["Content-Type"] == "application/json" and short["Cache-Control"].startswith("private, max-age=")


def test_without_a_fresh_snapshot_the_view_counts(world, open_poll, token):
    _row, key = token
    url = f"/api/v1/polls/{open_poll.pk}/progress"
    assert _shortcut(url, key).status_code == 299  # nothing counted yet
    with time_machine.travel(DURING, tick=False):
        live.current(open_poll.pk)
    with time_machine.travel(DURING.timestamp() + live.ttl() + 1, tick=False):
        assert _shortcut(url, key).status_code == 299  # stale: the view recounts (one at a time)


@pytest.mark.parametrize("who", ["outsider", "revoked", "unknown", "no token", "basic"])
def test_every_refusal_is_left_to_the_view(world, open_poll, token, who, client):
    from sanfang.accounts.models import ApiToken as T

    url = f"/api/v1/polls/{open_poll.pk}/progress"
    with time_machine.travel(DURING, tick=False):
        live.current(open_poll.pk)
        key = token[1]
        if who == "outsider":
            key = T.issue(user=world.users["outsider"], name="x")[1]
        elif who == "revoked":
            T.objects.filter(pk=token[0].pk).update(revoked=True)
        elif who == "unknown":
            key = "sf_not-a-token"
        headers = {} if who == "no token" else {"HTTP_AUTHORIZATION": ("Basic " if who == "basic" else "Bearer ") + key}
        assert LiveProgressMiddleware(_passed_on)(RequestFactory().get(url, **headers)).status_code == 299
        # …and through the whole site the view says no as before.
        assert client.get(url, **headers).status_code == (404 if who == "outsider" else 401)


@pytest.mark.parametrize("path", ["/api/v1/polls/{pk}/progress/", "/api/v1/polls/{pk}/ballots",
                                  "/polls/{pk}/progress/", "/api/v1/polls/{pk}/progressx",
                                  "/api/v1/polls/99999999999999999999999/progress"])
def test_other_paths_pass_on(world, open_poll, token, path):
    with time_machine.travel(DURING, tick=False):
        live.current(open_poll.pk)
        assert _shortcut(path.format(pk=open_poll.pk), token[1]).status_code == 299


def test_a_post_passes_on(world, open_poll, token):
    with time_machine.travel(DURING, tick=False):
        live.current(open_poll.pk)
    request = RequestFactory().post(f"/api/v1/polls/{open_poll.pk}/progress",
                                    HTTP_AUTHORIZATION=f"Bearer {token[1]}")
    assert LiveProgressMiddleware(_passed_on)(request).status_code == 299


def test_a_yes_is_remembered_for_the_snapshots_age_and_no_longer(world, open_poll, token):
    """A reader refreshing costs no query; a revoked token stops within VOTING_PROGRESS_SECONDS."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    row, key = token
    url = f"/api/v1/polls/{open_poll.pk}/progress"
    with time_machine.travel(DURING, tick=False):
        live.current(open_poll.pk)
        assert _shortcut(url, key).status_code == 200
        with CaptureQueriesContext(connection) as ctx:
            assert _shortcut(url, key).status_code == 200
        assert ctx.captured_queries == []
        ApiToken.objects.filter(pk=row.pk).update(revoked=True)
        assert _shortcut(url, key).status_code == 200  # remembered: at most the snapshot's age
        with time_machine.travel(DURING.timestamp() + live.ttl() + 0.5, tick=False):
            live.current(open_poll.pk)  # a new count, so a fresh snapshot again
            assert _shortcut(url, key).status_code == 299  # the verdict lapsed: the view refuses (401)


def test_a_host_not_allowed_is_left_to_the_site_and_the_length_is_sent(world, open_poll, token):
    url = f"/api/v1/polls/{open_poll.pk}/progress"
    with time_machine.travel(DURING, tick=False):
        live.current(open_poll.pk)
        bad = RequestFactory().get(url, HTTP_HOST="evil.example", HTTP_AUTHORIZATION=f"Bearer {token[1]}")
        assert LiveProgressMiddleware(_passed_on)(bad).status_code == 299  # CommonMiddleware says 400
        short = _shortcut(url, token[1])
    assert short.status_code == 200 and short["Content-Length"] == str(len(short.content))
