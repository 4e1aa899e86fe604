"""Admin: the meeting policy people configure (tracked in the history); meetings and motions
read-only, since they change only through the services (every change with its event)."""

from django.contrib import admin

from sanfang.core.admin import TrackedAdmin

from .models import Meeting, MeetingEvent, MeetingPolicy, Motion, MotionEvent, MotionStep


@admin.register(MeetingPolicy)
class MeetingPolicyAdmin(TrackedAdmin):
    list_display = ("region", "assembly_notice_days", "extraordinary_assembly_notice_days", "committee_notice_days",
                    "committee_publish_days", "committee_request_days", "petition_assembly_days")
    raw_id_fields = ("region",)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MeetingEventInline(admin.TabularInline):
    model = MeetingEvent
    fields = ("at", "kind", "old_status", "new_status", "actor", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Meeting)
class MeetingAdmin(ReadOnly):
    list_display = ("title", "kind", "compound", "community", "scheduled_at", "status")
    list_filter = ("kind", "status")
    search_fields = ("title", "compound__name", "compound__code")
    inlines = [MeetingEventInline]


class MotionStepInline(admin.TabularInline):
    model = MotionStep
    fields = ("at", "stage", "outcome", "sent_back", "advisory", "meeting", "agreed", "actor")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class MotionEventInline(admin.TabularInline):
    model = MotionEvent
    fields = ("at", "kind", "old_stage", "new_stage", "actor", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Motion)
class MotionAdmin(ReadOnly):
    list_display = ("title", "compound", "origin", "stage", "assembly_required", "assembly_due", "poll")
    list_filter = ("origin", "stage", "assembly_required")
    search_fields = ("title", "compound__name", "compound__code")
    inlines = [MotionStepInline, MotionEventInline]
