"""The voting API: an owner's ballot (online, or as a proxy holder) and the live progress of a
poll. The same services and the same cached tally as the pages will use."""

from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from sanfang.accounts.scope import visible_compounds

from . import progress as live
from . import services as svc
from .models import Poll

router = Router(tags=["owners' decisions"])


class BallotIn(Schema):
    choices: dict[str, str] = Field(..., description='{"<item order>": "yes" | "no" | "abstain"} for every item')
    for_person: int | None = Field(None, description="vote as a proxy holder for this owner (person id)")


class BallotOut(Schema):
    receipt: str
    channel: str
    at: str


def _poll(request, pk: int) -> Poll:
    """A poll of a compound the user may see; 404 otherwise."""
    poll = get_object_or_404(Poll.objects.select_related("compound"), pk=pk)
    if not visible_compounds(request.user).filter(pk=poll.compound_id).exists():
        raise HttpError(404, "Not found.")
    return poll


@router.post("/polls/{pk}/ballots", response={201: BallotOut})
def ballot_cast(request, pk: int, payload: BallotIn):
    """Cast your ballot (one per head: a second one gets 409 with the first one's receipt)."""
    ballot = svc.ballot_cast(poll=_poll(request, pk), actor=request.user, choices=payload.choices,
                             for_person_id=payload.for_person)
    return 201, {"receipt": ballot.receipt, "channel": ballot.channel, "at": ballot.at.isoformat()}


@router.get("/polls/{pk}/progress", response=dict)
def poll_progress(request, pk: int):
    """How far the vote has come, per item, on both bases, and what is still missing for the
    quorum and for passing; recomputed at most every few seconds."""
    return live.progress(_poll(request, pk))
