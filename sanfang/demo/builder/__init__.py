"""The builder behind ``generator``: turns plans into registry workbook rows (see base.py).

Split by what it builds: ``places`` (regions, compounds, buildings, units, owners) and
``parties`` (committees, companies, contracts, cross-appointments) over ``base`` (the plan
types, the random helpers and the rows being built)."""

from .base import (  # noqa: F401 - the public names of the builder
    NO,
    REFERENCE_DAY,
    SHEET_ORDER,
    YES,
    BuilderBase,
    Community,
    CompoundPlan,
    District,
    Rows,
    Subdistrict,
    UniqueNames,
    empty_sheets,
    years_later,
)
from .parties import PartiesMixin
from .places import PlacesMixin


class Builder(PlacesMixin, PartiesMixin, BuilderBase):
    # -- the whole thing ------------------------------------------------------------------

    def build(self, city: tuple[str, str], districts: list[District]) -> Rows:
        self.regions(city, districts)
        for d in districts:
            self.district_orgs(d)
            for s in d.subdistricts:
                for c in s.communities:
                    self.community(d, s, c)
        self.companies(districts)
        return self.sheets

