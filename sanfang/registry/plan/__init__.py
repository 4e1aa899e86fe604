"""Step 2 of an import: the parsed records checked against each other and the database, and
turned into a plan of inserts and updates (see base.py). One module per half of the workbook:
``places`` (区域, 小区, 楼栋, 房屋) and ``parties`` (people, 业主, 组织, 任职, 物业合同)."""

from .base import ModelPlan, Ref, Update  # noqa: F401 - used by the writer
from .parties import PartiesPlanner
from .places import PlacesPlanner


class Planner(PlacesPlanner, PartiesPlanner):
    def plan(self) -> dict[str, ModelPlan]:
        for step in (self.regions, self.compounds, self.buildings_, self.units_, self.persons, self.owners,
                     self.organizations, self.memberships, self.contracts):
            step()
        return self.plans

