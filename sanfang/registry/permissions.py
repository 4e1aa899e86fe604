"""Who may use the registry workbook pages: superusers and district officers (others get 404,
DESIGN habit 8)."""

from sanfang.accounts.models import Role
from sanfang.accounts.scope import roles_of


def can_use_workbook(user) -> bool:
    if not user or not user.is_authenticated:
        return False
    return user.is_superuser or Role.DISTRICT_OFFICER in roles_of(user)
