from django.contrib import admin

from sanfang.core.admin import TrackedAdmin

from .models import Building, Compound, Grid, Region, Unit


@admin.register(Region)
class RegionAdmin(TrackedAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)


@admin.register(Grid)
class GridAdmin(TrackedAdmin):
    list_display = ("code", "name", "community")
    search_fields = ("code", "name")
    raw_id_fields = ("community",)


@admin.register(Compound)
class CompoundAdmin(TrackedAdmin):
    list_display = ("code", "name", "community", "kind", "households", "management_mode")
    list_filter = ("kind", "management_mode")
    search_fields = ("code", "name", "address")
    raw_id_fields = ("community", "grid")


@admin.register(Building)
class BuildingAdmin(TrackedAdmin):
    list_display = ("compound", "number", "floors", "entrances")
    search_fields = ("compound__code", "compound__name")
    raw_id_fields = ("compound",)


@admin.register(Unit)
class UnitAdmin(TrackedAdmin):
    list_display = ("compound", "building", "entrance", "number", "kind", "exclusive_area", "area_source")
    list_filter = ("kind", "area_source")
    search_fields = ("compound__code",)
    raw_id_fields = ("compound", "building")
