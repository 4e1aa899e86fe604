"""The voting API: an owner's ballot (online, or as a proxy holder) and the live progress of a
poll. The same services and the same cached tally as the pages use."""

import time

from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from sanfang.accounts.models import COMPOUND_ROLES
from sanfang.accounts.scope import compound_q, region_paths, seats_of, sees_everything
from sanfang.places.models import Compound

from . import progress as live
from . import rules
from . import services as svc
from .models import Poll

router = Router(tags=["owners' decisions"])


class BallotIn(Schema):
    choices: dict[str, str] = Field(..., description='{"<item order>": "yes" | "no" | "abstain"} for every item')
    for_person: int | None = Field(None, description="vote as a proxy holder for this owner (person id)")
    head: str | None = Field(None, max_length=12, description="the head of the roll to vote for (its key, "
                             "such as H0012), for an owner who is one of several heads; else their first")


class BallotOut(Schema):
    receipt: str
    channel: str
    at: str


def visible(user, compound_id: int, community_path: str | None = None) -> bool:
    """Whether the compound is in the user's scope, as ``visible_compounds(user)`` says, but a
    resident's own compound and a region seat over its community are answered from the seats
    already read (the community's path read if not given), the other seats by the database."""
    if sees_everything(user):
        return True
    if any(s.role in COMPOUND_ROLES and s.compound_id == compound_id for s in seats_of(user)):
        return True  # compound_q: Q(pk=seat.compound_id) for a resident seat
    paths = region_paths(user)
    if paths:
        if community_path is None:
            community_path = (Compound.objects.filter(pk=compound_id).values_list("community__path", flat=True)
                              .first()) or ""
        if any(community_path.startswith(p) for p in paths):
            return True  # compound_q: community__path__startswith for a region (or department) seat
    return Compound.objects.filter(compound_q(user), pk=compound_id).exists()


def _poll(request, pk: int) -> Poll:
    """A poll of a compound the user may see; 404 otherwise. Only what the caller needs: the
    services read the poll again themselves."""
    poll = get_object_or_404(Poll.objects.annotate(community_path=F("compound__community__path"))
                             .only("id", "compound_id"), pk=pk)
    if not visible(request.user, poll.compound_id, poll.community_path):
        raise HttpError(404, "Not found.")
    return poll


@router.post("/polls/{pk}/ballots", response={201: BallotOut})
def ballot_cast(request, pk: int, payload: BallotIn):
    """Cast your ballot (one per head: a second one gets 409, naming the first one's receipt to the
    head's own owners only)."""
    try:
        ballot = svc.ballot_cast(poll=Poll(pk=pk), actor=request.user, choices=payload.choices,
                                 for_person_id=payload.for_person, head_key=payload.head,
                                 visible=lambda compound_id: visible(request.user, compound_id))
    except Poll.DoesNotExist as exc:  # no such poll, or not in the user's scope
        raise HttpError(404, "Not found.") from exc
    return 201, {"receipt": ballot.receipt, "channel": ballot.channel, "at": ballot.at.isoformat()}


@router.get("/polls/{pk}/progress", response=dict)
def poll_progress(request, pk: int):
    """How far the vote has come, per item, on both bases, and what is still missing for the
    quorum and for passing; counted at most every few seconds (the cached JSON is sent as it
    is). 409 when the poll cannot be counted yet (its roll is frozen when voting opens)."""
    snap = live.cached(pk)
    try:
        if snap is None:
            _poll(request, pk)
            snap = live.current(pk)
        else:
            if not visible(request.user, snap.compound_id, snap.community_path):
                raise HttpError(404, "Not found.")
            snap = live.current(pk, snap)
    except Poll.DoesNotExist as exc:
        raise HttpError(404, "Not found.") from exc
    except rules.TallyError as exc:
        raise HttpError(409, str(exc)) from exc
    return snapshot_response(snap)


def snapshot_response(snap: live.Snapshot) -> HttpResponse:
    """The snapshot's JSON as it is (also sent by ``voting.middleware`` for the common read)."""
    response = HttpResponse(snap.body, content_type="application/json")
    response["Content-Length"] = str(len(snap.body))  # CommonMiddleware's, on the short cut too
    # The same answer for the rest of the snapshot's life: a client need not ask again before.
    response["Cache-Control"] = f"private, max-age={max(0, int(snap.at + live.ttl() - time.time()))}"
    return response
