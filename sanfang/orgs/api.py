from datetime import date

from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from . import metrics, rules

router = Router(tags=["parties"])


class CoverageCounts(Schema):
    own: int
    joint: int
    instructor: int
    none: int


class PartyBuildingSummaryOut(Schema):
    region: str
    on: date
    owners_committees: int
    owners_committee_members: int
    party_members_among_members: int
    party_member_ratio: float
    committees_with_party_majority: int
    committees_with_party_organisation: int
    party_member_chairs: int
    property_companies: int
    companies_by_party_coverage: CoverageCounts
    cross_appointed_people: int


@router.get("/party-building/summary", response=PartyBuildingSummaryOut)
def party_building_summary(
    request,
    region: str = Query(..., description="Region code; 404 when unknown or outside your scope."),
    on: str | None = Query(None, description="Day as YYYY-MM-DD; default today."),
):
    """Party-building figures of a region on a day, derived from the registry (see orgs/README.md)."""
    try:
        day = rules.parse_day(on) if on is not None else timezone.localdate()
    except ValueError as exc:
        raise HttpError(422, str(exc)) from None
    place = metrics.region_for(user=request.user, code=region)
    return {"region": place.code, "on": day, **metrics.party_building_summary(user=request.user, region=place, on=day)}
