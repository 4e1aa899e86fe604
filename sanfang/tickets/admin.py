"""Admin: the configuration people change (categories, compound routing, policies) with history;
cases and their events read-only (cases change only through the services)."""

from django.contrib import admin

from sanfang.core.admin import TrackedAdmin

from .models import Category, RoutingOverride, Ticket, TicketEvent, TicketPolicy


@admin.register(Category)
class CategoryAdmin(TrackedAdmin):
    list_display = ("code", "name", "kind", "responsible", "department", "accept_within", "respond_within",
                    "resolve_within", "region", "active", "order")
    list_filter = ("kind", "responsible", "active")
    search_fields = ("code", "name")
    autocomplete_fields = ("region",)
    raw_id_fields = ("department",)


@admin.register(RoutingOverride)
class RoutingOverrideAdmin(TrackedAdmin):
    list_display = ("compound", "category", "responsible", "department", "accept_within", "respond_within",
                    "resolve_within")
    list_filter = ("responsible", "category")
    raw_id_fields = ("compound", "department")


@admin.register(TicketPolicy)
class TicketPolicyAdmin(TrackedAdmin):
    list_display = ("region", "ladder", "compound_within", "community_within", "subdistrict_within",
                    "district_within", "pre_review", "overdue_escalates", "unhappy_escalates")
    raw_id_fields = ("region",)


class EventInline(admin.TabularInline):
    model = TicketEvent
    fields = ("at", "kind", "old_status", "new_status", "tier", "actor", "note", "public")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ("reference", "title", "compound", "category", "status", "tier", "due_at", "created_at")
    list_filter = ("status", "tier", "channel", "category")
    search_fields = ("=reference", "=external_id", "title")
    list_select_related = ("compound", "category")
    inlines = [EventInline]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Ticket._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
