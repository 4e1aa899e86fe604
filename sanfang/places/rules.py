"""Pure rules about places (no database)."""

import re
from decimal import Decimal

# RULES V6: the area that counts is the registered area, else the surveyed area, else the
# sales-contract area.
AREA_PRECEDENCE = ("registered", "surveyed", "contract")


def effective_area(areas: dict[str, Decimal | None]) -> tuple[Decimal | None, str]:
    """The counting area and its source from the areas known for one unit (RULES V6)."""
    for source in AREA_PRECEDENCE:
        value = areas.get(source)
        if value is not None:
            return value, source
    return None, ""


def region_path(parent_path: str, code: str) -> str:
    return f"{parent_path or '/'}{code}/"


def natural_key(label: str) -> tuple:
    """Sort key that orders building and room numbers as people read them: 2 before 10,
    302 before 1202 (digits compare as numbers, the rest as text)."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", label) if part)
