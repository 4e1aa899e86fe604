"""Who organises and who collects owners' votes (``can_<verb>(user, compound)``).

The owners' committee convenes the assembly; where there is none (or it fails to act), the
residents' committee and the subdistrict organise (RULES A2, C13). Collecting paper ballots
door to door is done by committee members and community workers together.
"""

from sanfang.accounts.models import Role
from sanfang.accounts.scope import seats_of, sees_everything

ORGANISER_REGION_ROLES = {Role.COMMUNITY_WORKER, Role.SUBDISTRICT_OFFICER, Role.DISTRICT_OFFICER}


def _committee_of(user, compound) -> bool:
    return any(s.role == Role.COMMITTEE_MEMBER and s.organization.compound_id == compound.pk for s in seats_of(user))


def _region_staff(user, compound, roles) -> bool:
    path = compound.community.path
    return any(s.role in roles and s.region_id and path.startswith(s.region.path) for s in seats_of(user))


def can_organise(user, compound) -> bool:
    return sees_everything(user) or _committee_of(user, compound) or _region_staff(user, compound,
                                                                                   ORGANISER_REGION_ROLES)


def can_collect(user, compound) -> bool:
    return sees_everything(user) or _committee_of(user, compound) or _region_staff(
        user, compound, ORGANISER_REGION_ROLES | {Role.GRID_WORKER})
