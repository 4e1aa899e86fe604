"""Writes on accounts: seats and API tokens."""

from django.db import transaction

from sanfang.core import history

from .models import ApiToken, Seat, User


@transaction.atomic
def seat_grant(*, user: User, role: str, node, actor, ends=None) -> Seat:
    """Give ``user`` a role at a node (a Region, a Compound or an Organization)."""
    from sanfang.orgs.models import Organization
    from sanfang.places.models import Compound, Region

    seat = Seat(user=user, role=role, ends=ends)
    if isinstance(node, Region):
        seat.region = node
    elif isinstance(node, Compound):
        seat.compound = node
    elif isinstance(node, Organization):
        seat.organization = node
    else:
        raise TypeError("a seat sits at a region, a compound or an organisation")
    history.save_tracked(seat, actor=actor, source="service")
    return seat


@transaction.atomic
def api_token_issue(*, user: User, name: str, actor) -> tuple[ApiToken, str]:
    """A new bearer token; the key is returned once and only its hash is kept."""
    token, key = ApiToken.issue(user=user, name=name)
    history.record(actor=actor, obj=token, action="create", source="service")
    return token, key
