"""Navigation by role: each seat gets the entries that make sense for it."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import scope
from .models import Role

STAFF_ROLES = {Role.DISTRICT_OFFICER, Role.SUBDISTRICT_OFFICER, Role.COMMUNITY_WORKER, Role.GRID_WORKER,
               Role.DEPARTMENT_OFFICER}
# Who runs or reads anonymous surveys (voting/SURVEYS.md): region staff, the owners' committee,
# and the company being evaluated (its closed surveys only).
SURVEY_ROLES = {Role.DISTRICT_OFFICER, Role.SUBDISTRICT_OFFICER, Role.COMMUNITY_WORKER, Role.COMMITTEE_MEMBER,
                Role.COMPANY_STAFF}


def menu_for(user) -> list[dict]:
    roles = scope.roles_of(user)
    items = [{"label": _("Home"), "url": reverse("home"), "icon": "home"}]
    staffish = roles - {Role.RESIDENT}
    if scope.sees_everything(user) or staffish:
        items.append({"label": _("Cases"), "url": reverse("tickets:inbox"), "icon": "inbox"})
    elif Role.RESIDENT in roles:
        items.append({"label": _("My cases"), "url": reverse("tickets:mine"), "icon": "inbox"})
    if scope.sees_everything(user) or roles:
        items.append({"label": _("Meetings"), "url": reverse("meetings:list"), "icon": "calendar"})
    if scope.sees_everything(user) or roles - {Role.DEPARTMENT_OFFICER}:
        items.append({"label": _("Motions"), "url": reverse("meetings:motions"), "icon": "gavel"})
        items.append({"label": _("Owners' votes"), "url": reverse("voting:list"), "icon": "ballot"})
    if scope.sees_everything(user) or roles & SURVEY_ROLES:
        items.append({"label": _("Surveys"), "url": reverse("surveys:list"), "icon": "clipboard"})
    if scope.sees_everything(user) or roles & STAFF_ROLES:
        items.append({"label": _("Places"), "url": reverse("places:browse"), "icon": "map"})
        items.append({"label": _("Party building"), "url": reverse("orgs:party_building"), "icon": "flag"})
    if scope.sees_everything(user) or roles & (STAFF_ROLES | {Role.COMPANY_STAFF}):
        items.append({"label": _("Case figures"), "url": reverse("tickets:figures"), "icon": "chart"})
    if scope.sees_everything(user) or Role.DISTRICT_OFFICER in roles:
        items.append({"label": _("Registry workbook"), "url": reverse("registry:import"), "icon": "table"})
        items.append({"label": _("Administration"), "url": reverse("admin:index"), "icon": "settings"})
    return items
