"""Places: the Region tree (city → district → subdistrict → community), grids, compounds,
buildings and units (exclusive parts)."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr, Upper
from django.utils.translation import gettext_lazy as _

from . import rules


class Region(models.Model):
    class Level(models.TextChoices):
        CITY = "city", _("city")
        DISTRICT = "district", _("district")
        SUBDISTRICT = "subdistrict", _("subdistrict")
        COMMUNITY = "community", _("community")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    # Materialised path of codes ("/3301/330105/330105001/"): a whole subtree is one
    # indexed prefix query, which every scope filter relies on.
    path = models.CharField(max_length=255, db_index=True, editable=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        constraints = [
            # Scope matches path prefixes, and SQLite's LIKE ignores case: two codes that differ
            # only in case must never both exist, or one region's seat could open the other.
            models.UniqueConstraint(Upper("code"), name="region_code_unique_ignoring_case"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        old_path = Region.objects.filter(pk=self.pk).values_list("path", flat=True).first() if self.pk else None
        self.path = rules.region_path(self.parent.path if self.parent else "", self.code)
        with transaction.atomic():
            super().save(*args, **kwargs)
            if old_path and old_path != self.path:
                # Moving or recoding a region moves its whole subtree: scope follows the paths.
                Region.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                    path=Concat(Value(self.path), Substr("path", len(old_path) + 1))
                )

    def ancestors(self):
        codes = [c for c in self.path.strip("/").split("/") if c][:-1]
        by_code = {r.code: r for r in Region.objects.filter(code__in=codes)}
        return [by_code[c] for c in codes if c in by_code]


class Grid(models.Model):
    community = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="grids")
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)

    def __str__(self):
        return self.name


class CompoundQuerySet(models.QuerySet):
    def in_region(self, region: Region):
        return self.filter(community__path__startswith=region.path)


class Compound(models.Model):
    class Kind(models.TextChoices):
        COMMERCIAL = "commercial", _("commercial housing")
        OLD = "old", _("old compound")
        RESETTLEMENT = "resettlement", _("resettlement housing")
        AFFORDABLE = "affordable", _("affordable housing")
        OTHER = "other", _("other")

    class ManagementMode(models.TextChoices):
        MARKET = "market", _("market property service")
        QUASI = "quasi", _("quasi-property (community-run)")
        BUNDLED = "bundled", _("bundled")
        COMMITTEE_PLUS_COMPANY = "committee_company", _("residents' committee plus company")
        NONE = "none", _("none")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    community = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="compounds",
        limit_choices_to={"level": Region.Level.COMMUNITY},
    )
    grid = models.ForeignKey(Grid, null=True, blank=True, on_delete=models.SET_NULL, related_name="compounds")
    address = models.CharField(_("address"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.COMMERCIAL)
    built_year = models.PositiveSmallIntegerField(
        _("built year"), null=True, blank=True, validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    floor_area = models.DecimalField(_("total floor area (m²)"), max_digits=12, decimal_places=2, null=True, blank=True)
    households = models.PositiveIntegerField(_("households"), null=True, blank=True)
    management_mode = models.CharField(
        _("management mode"), max_length=20, choices=ManagementMode.choices, default=ManagementMode.MARKET
    )
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)

    objects = CompoundQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("compound")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(floor_area__isnull=True) | models.Q(floor_area__gte=0), name="compound_area_nonneg"
            ),
        ]

    def __str__(self):
        return self.name


class Building(models.Model):
    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="buildings")
    number = models.CharField(_("building number"), max_length=20)
    floors = models.PositiveSmallIntegerField(_("floors"), null=True, blank=True)
    entrances = models.PositiveSmallIntegerField(_("entrances"), null=True, blank=True)

    class Meta:
        ordering = ["compound", "number"]
        constraints = [models.UniqueConstraint(fields=["compound", "number"], name="building_natural_key")]

    def __str__(self):
        return f"{self.compound.name} {self.number}"


class Unit(models.Model):
    """An exclusive part (专有部分). ``exclusive_area`` is the area that counts (RULES V6),
    kept with the source it was taken from."""

    class Kind(models.TextChoices):
        RESIDENCE = "residence", _("residence")
        SHOP = "shop", _("shop")
        PARKING = "parking", _("parking space")

    class AreaSource(models.TextChoices):
        REGISTERED = "registered", _("registered")
        SURVEYED = "surveyed", _("surveyed")
        CONTRACT = "contract", _("sales contract")

    # compound_id on every row that belongs to a compound keeps sharding by compound possible.
    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="units")
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="units")
    entrance = models.CharField(_("entrance"), max_length=20, blank=True)
    number = models.CharField(_("unit number"), max_length=20)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.RESIDENCE)
    exclusive_area = models.DecimalField(
        _("exclusive area (m²)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    area_source = models.CharField(_("area source"), max_length=10, choices=AreaSource.choices, blank=True)

    class Meta:
        ordering = ["building", "entrance", "number"]
        constraints = [
            models.UniqueConstraint(fields=["building", "entrance", "number"], name="unit_natural_key"),
            models.CheckConstraint(
                condition=models.Q(exclusive_area__isnull=True) | models.Q(exclusive_area__gt=Decimal("0")),
                name="unit_area_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(exclusive_area__isnull=True, area_source="")
                | (models.Q(exclusive_area__isnull=False) & ~models.Q(area_source="")),
                name="unit_area_has_source",
            ),
        ]

    def __str__(self):
        return f"{self.building.number}-{self.entrance}-{self.number}" if self.entrance else f"{self.building.number}-{self.number}"
