from decimal import Decimal

from ninja import Router, Schema
from ninja.pagination import paginate

from sanfang.core.pagination import BoundedLimitOffset

from . import selectors

router = Router(tags=["places"])


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None = None

    @staticmethod
    def resolve_parent_code(obj):
        return obj.parent.code if obj.parent_id else None


class CompoundOut(Schema):
    code: str
    name: str
    community_code: str
    address: str
    kind: str
    built_year: int | None
    floor_area: Decimal | None
    households: int | None
    management_mode: str
    longitude: Decimal | None
    latitude: Decimal | None

    @staticmethod
    def resolve_community_code(obj):
        return obj.community.code


class BuildingOut(Schema):
    number: str
    floors: int | None
    entrances: int | None
    n_units: int


@router.get("/regions/{code}", response=RegionOut)
def region(request, code: str):
    return selectors.region_get(user=request.user, code=code)


@router.get("/regions/{code}/children", response=list[RegionOut])
def region_children(request, code: str):
    region = selectors.region_get(user=request.user, code=code)
    return [child for child, _n in selectors.region_children(user=request.user, region=region)]


@router.get("/compounds", response=list[CompoundOut])
@paginate(BoundedLimitOffset)
def compounds(request, region: str | None = None, q: str = ""):
    scope_region = selectors.region_get(user=request.user, code=region) if region else None
    return selectors.compounds_in(user=request.user, region=scope_region, search=q)


@router.get("/compounds/{code}", response=CompoundOut)
def compound(request, code: str):
    return selectors.compound_get(user=request.user, code=code)


@router.get("/compounds/{code}/buildings", response=list[BuildingOut])
def buildings(request, code: str):
    compound = selectors.compound_get(user=request.user, code=code)
    return list(selectors.buildings_of(user=request.user, compound=compound))


