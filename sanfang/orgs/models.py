"""Parties and people: persons, organisations of every kind, memberships with terms,
ownership of units, service contracts and party-organisation coverage."""

from datetime import date

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sanfang.places.models import Compound, Region, Unit


class Person(models.Model):
    """A natural person. The ID number is never stored: only a keyed hash for matching
    across sheets and imports, plus its last four characters for display (DESIGN: data
    protection)."""

    name = models.CharField(_("name"), max_length=50)
    id_hash = models.CharField(max_length=64, unique=True, editable=False)
    id_last4 = models.CharField(_("ID number (last 4)"), max_length=4, editable=False)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    is_party_member = models.BooleanField(_("party member"), default=False)

    class Meta:
        verbose_name = _("person")

    def __str__(self):
        return f"{self.name}（…{self.id_last4}）"


class Organization(models.Model):
    class Kind(models.TextChoices):
        RESIDENTS_COMMITTEE = "residents_committee", _("residents' committee")
        OWNERS_COMMITTEE = "owners_committee", _("owners' committee")
        SUPERVISORY_COMMITTEE = "supervisory_committee", _("owners' supervisory committee")
        MANAGEMENT_COMMITTEE = "management_committee", _("interim property management committee")
        PREPARATORY_GROUP = "preparatory_group", _("preparatory group")
        PROPERTY_COMPANY = "property_company", _("property service company")
        PARTY_ORG = "party_org", _("party organisation")
        DEPARTMENT = "department", _("department")
        ASSOCIATION = "association", _("residents' association")

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    # A committee belongs to one compound; a residents' committee, a department or a
    # community party organisation to a region; a company may have neither.
    compound = models.ForeignKey(
        Compound, null=True, blank=True, on_delete=models.PROTECT, related_name="organizations"
    )
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="organizations")
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    # For a party organisation: the one above it. For any other organisation: the party
    # organisation that covers it (see PartyCoverage.mode for how).
    party_parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="party_children",
        limit_choices_to={"kind": "party_org"},
    )
    established = models.DateField(_("established"), null=True, blank=True)
    dissolved = models.DateField(_("dissolved"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("organization")
        indexes = [models.Index(fields=["kind", "compound"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(dissolved__isnull=True) | Q(established__isnull=True) | Q(dissolved__gt=models.F("established")),
                name="org_dates_ordered",
            ),
        ]

    def __str__(self):
        return self.name

    def active_on(self, day: date) -> bool:
        return (self.established is None or self.established <= day) and (self.dissolved is None or self.dissolved > day)


class PartyCoverage(models.Model):
    """How the party organisation reaches an owners' committee or a property company."""

    class Mode(models.TextChoices):
        OWN = "own", _("own branch")
        JOINT = "joint", _("joint branch")
        INSTRUCTOR = "instructor", _("dispatched instructor")
        NONE = "none", _("not covered")

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="party_coverage")
    mode = models.CharField(_("party coverage"), max_length=12, choices=Mode.choices, default=Mode.NONE)

    def __str__(self):
        return f"{self.organization}: {self.get_mode_display()}"


class MembershipQuerySet(models.QuerySet):
    def current_on(self, day: date):
        """Seats whose term covers ``day`` (an open end means still serving)."""
        return self.filter(Q(term_start__isnull=True) | Q(term_start__lte=day)).filter(
            Q(term_end__isnull=True) | Q(term_end__gte=day)
        )


class Membership(models.Model):
    class Position(models.TextChoices):
        SECRETARY = "secretary", _("party secretary")
        CHAIR = "chair", _("chair")
        VICE_CHAIR = "vice_chair", _("vice chair")
        MEMBER = "member", _("member")
        GENERAL_MANAGER = "general_manager", _("general manager")
        PROJECT_MANAGER = "project_manager", _("project manager")
        PARTY_INSTRUCTOR = "party_instructor", _("party-building instructor")
        COMPOUND_LIAISON = "compound_liaison", _("compound liaison")
        GRID_WORKER = "grid_worker", _("grid worker")
        OTHER = "other", _("other")

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    position = models.CharField(_("position"), max_length=20, choices=Position.choices)
    term_start = models.DateField(_("term start"), null=True, blank=True)
    term_end = models.DateField(_("term end"), null=True, blank=True)
    # Filled by the elections app once it exists; free text until then (e.g. "2024 换届").
    elected_via = models.CharField(_("elected via"), max_length=80, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["organization", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "person", "position"], name="membership_natural_key"),
            models.CheckConstraint(
                condition=Q(term_end__isnull=True) | Q(term_start__isnull=True) | Q(term_end__gte=models.F("term_start")),
                name="membership_term_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.person.name} · {self.organization.name} · {self.get_position_display()}"


class Ownership(models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="ownerships")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="ownerships")
    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="+")
    # RULES V7: all units still held by the developer count as one head together.
    developer_held = models.BooleanField(_("held by developer"), default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "person"], name="ownership_natural_key")]
        indexes = [models.Index(fields=["compound", "person"])]

    def __str__(self):
        return f"{self.person.name} · {self.unit}"


class ServiceContractQuerySet(models.QuerySet):
    def current_on(self, day: date):
        return self.filter(start__lte=day).filter(Q(end__isnull=True) | Q(end__gte=day))


class ServiceContract(models.Model):
    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="service_contracts")
    company = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="service_contracts",
        limit_choices_to={"kind": Organization.Kind.PROPERTY_COMPANY},
    )
    start = models.DateField(_("start"))
    end = models.DateField(_("end"), null=True, blank=True)
    fee_per_m2_month = models.DecimalField(
        _("fee (yuan per m² per month)"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    signed = models.BooleanField(_("signed"), default=False)

    objects = ServiceContractQuerySet.as_manager()

    class Meta:
        ordering = ["compound", "-start"]
        constraints = [
            models.UniqueConstraint(fields=["compound", "company", "start"], name="contract_natural_key"),
            models.CheckConstraint(condition=Q(end__isnull=True) | Q(end__gte=models.F("start")), name="contract_dates_ordered"),
            models.CheckConstraint(
                condition=Q(fee_per_m2_month__isnull=True) | Q(fee_per_m2_month__gte=0), name="contract_fee_nonneg"
            ),
        ]

    def __str__(self):
        return f"{self.compound} · {self.company}"
