"""The seeds' writes: a generated workbook through the registry import, then the demo logins.

Registry data is never written here directly: ``seed_workbook`` hands the generated rows to
``registry.services.registry_import`` (actor None, source "seed"), the same path a district's
own workbook takes. Only the logins (users and their seats) are this app's own writes.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from sanfang.accounts.models import Role, Seat, User
from sanfang.accounts.services import seat_grant
from sanfang.orgs import identity
from sanfang.orgs.models import Organization, Person
from sanfang.places.models import Compound, Region

from .generator import DEMO_PASSWORD, Login, Rows, demo_logins, row_count

# How a login without a person of its own is called in the interface.
TITLES = {
    Role.DISTRICT_OFFICER: "区三方办",
    Role.SUBDISTRICT_OFFICER: "街道三方办",
    Role.DEPARTMENT_OFFICER: "住建局联络员",
}


class SeedError(Exception):
    """A seed that cannot go on; the message says why, for people."""


@dataclass
class SeedResult:
    rows: int
    report: object          # registry.report.ImportReport
    generate_seconds: float
    import_seconds: float


def seed_workbook(*, sheets: Rows, log: Callable[[str], None] = lambda s: None) -> SeedResult:
    """Import generated rows; raises ``SeedError`` with the first problems when the import
    refuses them (nothing is written then)."""
    from sanfang.registry.services import registry_import

    started = time.perf_counter()
    report = registry_import(sheets=sheets, actor=None, source="seed")
    seconds = time.perf_counter() - started
    if report.errors:
        shown = "\n".join(f"  {e}" for e in report.errors[:20])
        more = f"\n  … and {len(report.errors) - 20} more" if len(report.errors) > 20 else ""
        raise SeedError(f"The registry import refused the generated workbook ({len(report.errors)} problems); "
                        f"nothing was written:\n{shown}{more}")
    return SeedResult(rows=row_count(sheets), report=report, generate_seconds=0.0, import_seconds=seconds)


def _node(login: Login):
    model = {"region": Region, "compound": Compound, "organization": Organization}[login.node]
    try:
        return model.objects.get(code=login.node_code)
    except model.DoesNotExist:
        raise SeedError(f"The {login.node} {login.node_code} of the “{login.username}” login is not in the "
                        f"database; was the import skipped?") from None


@transaction.atomic
def demo_logins_create(*, sheets: Rows, password: str = DEMO_PASSWORD, actor=None) -> list[tuple[Login, User]]:
    """One user per role around the showcase compound, each with exactly one seat.

    Idempotent: users are found by username and brought back to the same state (password,
    phone, person, flags, lock-out cleared, no other seats), seats granted only when missing.
    """
    out = []
    for login in demo_logins(sheets):
        node = _node(login)
        person = None
        if login.id_number:
            person = Person.objects.filter(id_hash=identity.id_hash(login.id_number)).first()
            if person is None:
                raise SeedError(f"The person of the “{login.username}” login is not in the database.")
        clash = User.objects.filter(phone=login.phone).exclude(username=login.username).first()
        if clash is not None:
            raise SeedError(f"The phone number {login.phone} of the demo login “{login.username}” already "
                            f"belongs to the user “{clash.username}”.")
        user = User.objects.filter(username=login.username).first() or User(username=login.username)
        user.first_name = person.name if person else TITLES.get(login.role, login.username)
        user.phone = login.phone
        user.person = person
        user.is_active = True
        user.is_staff = user.is_superuser = login.role == Role.DISTRICT_OFFICER
        user.set_password(password)
        user.failed_logins = 0
        user.locked_until = None
        user.save()
        seat = Seat.objects.filter(user=user, role=login.role, **{login.node: node}).first()
        if seat is None:
            seat = seat_grant(user=user, role=login.role, node=node, actor=actor)
        elif seat.ends is not None:
            seat.ends = None
            seat.save(update_fields=["ends"])
        Seat.objects.filter(user=user).exclude(pk=seat.pk).delete()
        out.append((login, user))
    return out


def seed_demo_cases(logins) -> int:
    """Cases for the demo district, walked along the loop by the district officer (a superuser
    in the demo), a sixth of them in the showcase compound the demo logins sit around."""
    from sanfang.tickets.demo import seed_cases

    officer = next(user for login, user in logins if login.role == Role.DISTRICT_OFFICER)
    resident = next((user for login, user in logins if login.role == Role.RESIDENT), None)
    showcase = None
    if resident is not None:
        seat = resident.seats.select_related("compound").first()
        showcase = seat.compound if seat else None
    district = officer.seats.select_related("region").first().region
    return seed_cases(district_code=district.code, actor=officer,
                      showcase=showcase or Compound.objects.in_region(district).first())


def seed_demo_decisions(logins) -> int:
    """Meetings, a motion through the three steps and owners' decisions in the showcase compound,
    organised by its owners' committee chair and the community worker; the motion's residents'
    step is the open poll, and the resident login votes (online, and as a neighbour's proxy)."""
    from sanfang.meetings.demo import seed_meetings
    from sanfang.voting.demo import seed_polls

    by_role = {login.role: user for login, user in logins}
    chair, resident = by_role.get(Role.COMMITTEE_MEMBER), by_role.get(Role.RESIDENT)
    worker = by_role.get(Role.COMMUNITY_WORKER)
    if chair is None or resident is None or worker is None:
        return 0
    compound = resident.seats.select_related("compound").first().compound
    ramp = seed_meetings(compound=compound, chair=chair, community_worker=worker)
    return seed_polls(compound=compound, organiser=chair, resident=resident, ramp=ramp)
