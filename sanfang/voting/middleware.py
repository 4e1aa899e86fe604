"""The live progress read answered before the rest of the site.

On a big vote everyone refreshes the same poll's progress (WORKLOADS: ≥ 2,000 reads/s). The
answer is a cached snapshot's bytes; what a read cost was almost all the way there: the nine
middleware, resolving the URL through every app, ninja's parsing and validation. This
middleware sits right after ``SecurityMiddleware`` and answers the one common case itself —
``GET <api>/polls/<id>/progress`` with a bearer token, a fresh snapshot in the cache, the token
live and the poll's compound in its holder's scope — with the same bytes and headers
``voting.api.poll_progress`` sends. Everything else (no snapshot or a stale one, a session
instead of a token, an unknown token, a poll out of scope) goes on to that view, which counts,
refuses or answers as it always does: one implementation, this is only its short cut.

The token and the scope are checked as the view checks them (``api.auth.user_for_token``,
``voting.api.visible`` against the snapshot's compound); a yes is then remembered in this
process for ``VOTING_PROGRESS_SECONDS`` for that token and poll, so a reader refreshing every
second costs no query. A revoked token, a deactivated user or a removed seat therefore stops
reading a poll's progress within those seconds rather than at once — the same age as the
figures it reads — and only here: every other request reads them afresh. A no is never
remembered.
"""

import re
import threading
import time

from django.core.exceptions import DisallowedHost
from django.urls import reverse

from sanfang.accounts.models import ApiToken
from sanfang.api.auth import user_for_token

from . import progress as live
from .api import snapshot_response, visible

MAX_VERDICTS = 50_000  # (token, poll) pairs remembered at most; then forgotten all at once

_verdicts: dict[tuple[str, int], float] = {}  # (token's hash, poll id) → time.time() it lapses
_verdicts_guard = threading.Lock()


def forget_verdicts() -> None:
    with _verdicts_guard:
        _verdicts.clear()


def _may_read(key: str, snap: live.Snapshot) -> bool:
    """The token is live and its holder sees the poll's compound (remembered for a while)."""
    remembered = (ApiToken.hash(key), snap.poll_id)
    now = time.time()
    if _verdicts.get(remembered, 0.0) > now:
        return True
    user = user_for_token(key)
    if user is None or not visible(user, snap.compound_id, snap.community_path):
        return False
    with _verdicts_guard:
        if len(_verdicts) >= MAX_VERDICTS:
            _verdicts.clear()
        _verdicts[remembered] = now + live.ttl()
    return True


class LiveProgressMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._path = None  # the progress route, from the URLconf on the first request

    def path_pattern(self) -> re.Pattern:
        if self._path is None:
            sample = reverse("api:poll_progress", kwargs={"pk": 0})
            head, _, tail = sample.rpartition("/0/")
            self._path = re.compile(re.escape(head) + r"/([0-9]{1,18})/" + re.escape(tail))
        return self._path

    def __call__(self, request):
        if request.method == "GET":
            found = self.path_pattern().fullmatch(request.path)
            if found:
                response = self.answer(request, int(found[1]))
                if response is not None:
                    return response
        return self.get_response(request)

    @staticmethod
    def answer(request, poll_id: int):
        """The snapshot's response, or None to let the view decide."""
        try:
            request.get_host()  # as CommonMiddleware would: a Host not allowed is the view's 400
        except DisallowedHost:
            return None
        scheme, _, key = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "bearer" or not key:
            return None
        snap = live.cached(poll_id)
        if snap is None or not snap.fresh():
            return None  # a count is due: the view counts (one at a time) or serves the stale one
        return snapshot_response(snap) if _may_read(key, snap) else None
