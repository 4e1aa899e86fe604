"""Users and the seats they hold: a role at a node (region, compound or organisation)."""

import hashlib
import itertools
import re
import secrets
import weakref

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanfang.orgs.models import Organization, Person
from sanfang.places.models import Compound, Region


class User(AbstractUser):
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="users")
    failed_logins = models.PositiveSmallIntegerField(default=0, editable=False)
    locked_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["phone"], condition=~Q(phone=""), name="user_phone_unique"),
        ]

    @property
    def display_name(self):
        return self.get_full_name() or self.username


class Role(models.TextChoices):
    DISTRICT_OFFICER = "district_officer", _("district officer")
    SUBDISTRICT_OFFICER = "subdistrict_officer", _("subdistrict officer")
    DEPARTMENT_OFFICER = "department_officer", _("department officer")
    COMMUNITY_WORKER = "community_worker", _("community worker")
    GRID_WORKER = "grid_worker", _("grid worker")
    COMMITTEE_MEMBER = "committee_member", _("owners' committee member")
    SUPERVISORY_MEMBER = "supervisory_member", _("supervisory committee member")
    COMPANY_STAFF = "company_staff", _("property company staff")
    RESIDENT = "resident", _("resident")


# Which node each role sits at, and the level of region it needs (DESIGN: scope at the query).
REGION_ROLES = {
    Role.DISTRICT_OFFICER: Region.Level.DISTRICT,
    Role.SUBDISTRICT_OFFICER: Region.Level.SUBDISTRICT,
    Role.COMMUNITY_WORKER: Region.Level.COMMUNITY,
    Role.GRID_WORKER: Region.Level.COMMUNITY,
}
ORGANIZATION_ROLES = {
    Role.DEPARTMENT_OFFICER: {Organization.Kind.DEPARTMENT},
    Role.COMMITTEE_MEMBER: {Organization.Kind.OWNERS_COMMITTEE, Organization.Kind.MANAGEMENT_COMMITTEE},
    Role.SUPERVISORY_MEMBER: {Organization.Kind.SUPERVISORY_COMMITTEE},
    Role.COMPANY_STAFF: {Organization.Kind.PROPERTY_COMPANY},
}
COMPOUND_ROLES = {Role.RESIDENT}


class SeatQuerySet(models.QuerySet):
    def active(self):
        today = timezone.localdate()
        return self.filter(Q(ends__isnull=True) | Q(ends__gte=today))


class Seat(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="seats")
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    compound = models.ForeignKey(Compound, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    ends = models.DateField(_("ends"), null=True, blank=True)

    objects = SeatQuerySet.as_manager()

    class Meta:
        constraints = [
            # Exactly one node per seat.
            models.CheckConstraint(
                condition=(
                    Q(region__isnull=False, compound__isnull=True, organization__isnull=True)
                    | Q(region__isnull=True, compound__isnull=False, organization__isnull=True)
                    | Q(region__isnull=True, compound__isnull=True, organization__isnull=False)
                ),
                name="seat_one_node",
                violation_error_message=_("A seat sits at exactly one node: a region, a compound or an organisation."),
            ),
            # One seat per role and node; one constraint per kind of node, because a unique
            # constraint over nullable columns never fires on the NULLs.
            models.UniqueConstraint(fields=["user", "role", "region"], condition=Q(region__isnull=False),
                                    name="seat_unique_region",
                                    violation_error_message=_("This user already holds this role here.")),
            models.UniqueConstraint(fields=["user", "role", "compound"], condition=Q(compound__isnull=False),
                                    name="seat_unique_compound",
                                    violation_error_message=_("This user already holds this role here.")),
            models.UniqueConstraint(fields=["user", "role", "organization"], condition=Q(organization__isnull=False),
                                    name="seat_unique_organization",
                                    violation_error_message=_("This user already holds this role here.")),
        ]

    def __str__(self):
        return f"{self.get_role_display()} @ {self.node}"

    @property
    def node(self):
        return self.region or self.compound or self.organization

    def clean(self):
        if self.role in REGION_ROLES:
            if not self.region or self.region.level != REGION_ROLES[self.role]:
                raise ValidationError(_("This role sits at a region of level %(level)s.")
                                      % {"level": Region.Level(REGION_ROLES[self.role]).label})
        elif self.role in ORGANIZATION_ROLES:
            if not self.organization or self.organization.kind not in ORGANIZATION_ROLES[self.role]:
                raise ValidationError(_("This role sits at an organisation of the matching kind."))
        elif self.role in COMPOUND_ROLES and not self.compound:
            raise ValidationError(_("This role sits at a compound."))


class ApiToken(models.Model):
    """A bearer token for API clients; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=8, editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False)
    last_used = models.DateTimeField(null=True, blank=True, editable=False)
    revoked = models.BooleanField(default=False)

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, *, user: User, name: str) -> tuple["ApiToken", str]:
        key = "sf_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, key_hash=cls.hash(key), prefix=key[:8])
        return token, key


class RowReader:
    """Whole rows of a few models read by one hand-written join, turned into instances the way
    the ORM does (the backend's converters, then ``from_db``).

    For the reads every request makes — a token's user, a user's seats with their region and
    organisation — compiling the ORM query costs several times more than running it (bench
    inbox); the SQL here is built once per database alias and only executed afterwards.
    ``parts`` are ``(alias, model)`` pairs in the order the SELECT lists them.
    """

    def __init__(self, *parts):
        self.parts = parts
        self._converters: dict[str, list] = {}
        self._layout = None  # [(model, first column, past the last, primary key's column)]

    def columns(self, connection) -> str:
        qn = connection.ops.quote_name
        return ", ".join(f"{qn(alias)}.{qn(f.column)}" for alias, model in self.parts
                         for f in model._meta.concrete_fields)

    def _converters_for(self, connection) -> list:
        found = self._converters.get(connection.alias)
        if found is None:
            found = []
            for alias, model in self.parts:
                for f in model._meta.concrete_fields:
                    col = f.get_col(alias)
                    convs = connection.ops.get_db_converters(col) + f.get_db_converters(connection)
                    found.append((col, convs) if convs else None)
            self._converters[connection.alias] = found
        return found

    def instances(self, row, connection) -> list:
        """One instance per part (None for a part whose primary key is NULL: an outer join
        that found nothing)."""
        values = list(row)
        for i, conv in enumerate(self._converters_for(connection)):
            if conv is not None and values[i] is not None:
                col, convs = conv
                for c in convs:
                    values[i] = c(values[i], col, connection)
        if self._layout is None:
            layout, start = [], 0
            for _alias, model in self.parts:
                fields = model._meta.concrete_fields
                layout.append((model, start, start + len(fields), start + fields.index(model._meta.pk)))
                start += len(fields)
            self._layout = layout
        return [None if values[pk] is None else model.from_db(connection.alias, None, values[first:end])
                for model, first, end, pk in self._layout]


# ---- prepared statements --------------------------------------------------------------------
#
# PostgreSQL plans every statement it receives; for the small reads each request makes (the
# token, the seats, the inbox page) planning costs as much as running them (bench inbox). A
# statement run through ``prepared_rows`` is prepared once per connection and executed by name
# afterwards. Django's persistent connections (CONN_MAX_AGE) keep them for as long as they
# live. Set PREPARED_STATEMENTS = False behind a pooler that hands one server connection to
# several clients (PgBouncer in transaction mode), where a prepared statement may be missing.

_PLACEHOLDER = re.compile(r"%s")
_statement_names = itertools.count(1)
_prepared: "weakref.WeakKeyDictionary[object, dict[str, None]]" = weakref.WeakKeyDictionary()
PREPARED_MAX = 200  # per connection; beyond it the oldest is deallocated


def statement_name(prefix: str) -> str:
    """A name for a statement, unique in this process."""
    return f"sanfang_{prefix}_{next(_statement_names)}"


def prepared_rows(connection, name: str, sql: str, params=()) -> list[tuple]:
    """The rows of ``sql`` for ``params``: on PostgreSQL through a statement prepared as
    ``name`` on this connection; elsewhere as it is. With ``params``, ``sql`` marks them
    ``%s`` and holds no other ``%s``; without, it is sent as written (literals and all).

    The PREPARE (and the DEALLOCATE of the oldest beyond ``PREPARED_MAX``) goes straight to the
    driver: it is set-up of the connection, not a read, so it is neither logged nor counted
    as a query (a page reads as many statements whether it prepared them or not)."""
    with connection.cursor() as c:
        if connection.vendor != "postgresql" or not getattr(settings, "PREPARED_STATEMENTS", True):
            c.execute(sql, params or None)
            return c.fetchall()
        raw = connection.connection
        names = _prepared.get(raw)
        if names is None:
            names = _prepared[raw] = {}
        if name not in names:
            with raw.cursor() as setup:
                while names and len(names) >= PREPARED_MAX:
                    oldest = next(iter(names))
                    setup.execute(f"DEALLOCATE {oldest}")
                    del names[oldest]
                numbers = itertools.count(1)
                body = _PLACEHOLDER.sub(lambda _m: f"${next(numbers)}", sql) if params else sql
                setup.execute(f"PREPARE {name} AS {body}")
            names[name] = None  # a PREPARE outlives a rollback: it stays known
        if params:
            c.execute(f"EXECUTE {name}({', '.join(['%s'] * len(params))})", params)
        else:
            c.execute(f"EXECUTE {name}")
        return c.fetchall()
