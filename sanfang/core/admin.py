from django.contrib import admin

from . import history
from .models import AccessLog, ChangeEvent, WorkdayOverride


class TrackedAdmin(admin.ModelAdmin):
    """Admin edits of registry rows leave the same history as every other entry point."""

    def save_model(self, request, obj, form, change):
        history.save_tracked(obj, actor=request.user, source="admin")

    def delete_model(self, request, obj):
        history.record(actor=request.user, obj=obj, action=ChangeEvent.Action.DELETE,
                       changes=history.snapshot(obj), source="admin")
        obj.delete()

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(ChangeEvent)
class ChangeEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "model", "object_id", "object_id_end", "action", "source")
    list_filter = ("model", "action")
    search_fields = ("=object_id", "source")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessLog)
class AccessLogAdmin(ChangeEventAdmin):
    list_display = ("at", "actor", "model", "object_id", "channel")
    list_filter = ("model", "channel")
    search_fields = ("=object_id",)


@admin.register(WorkdayOverride)
class WorkdayOverrideAdmin(TrackedAdmin):
    """Where an administrator enters the official schedule of a year the package lacks (T1)."""

    list_display = ("date", "is_workday", "name")
    list_filter = ("is_workday",)
    date_hierarchy = "date"
