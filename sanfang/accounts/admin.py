from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext as _

from sanfang.core.admin import TrackedAdmin

from .models import ApiToken, Seat, User


class SeatInline(admin.TabularInline):
    model = Seat
    extra = 0
    raw_id_fields = ("region", "compound", "organization")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "first_name", "phone", "is_active", "is_staff")
    search_fields = ("username", "first_name", "phone")
    fieldsets = BaseUserAdmin.fieldsets + ((None, {"fields": ("phone", "person")}),)
    raw_id_fields = ("person",)
    inlines = [SeatInline]


@admin.register(Seat)
class SeatAdmin(TrackedAdmin):
    list_display = ("user", "role", "region", "compound", "organization", "ends")
    list_filter = ("role",)
    raw_id_fields = ("user", "region", "compound", "organization")


@admin.register(ApiToken)
class ApiTokenAdmin(TrackedAdmin):
    list_display = ("name", "user", "prefix", "created", "last_used", "revoked")
    readonly_fields = ("prefix", "created", "last_used")
    raw_id_fields = ("user",)

    def get_fields(self, request, obj=None):
        # A new token is issued live; revoking is a later change (and leaves history).
        return ("user", "name") if obj is None else ("user", "name", "prefix", "created", "last_used", "revoked")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        from .services import api_token_issue

        token, key = api_token_issue(user=obj.user, name=obj.name, actor=request.user)
        obj.pk = token.pk
        self.message_user(request, _("API token (shown once, copy it now): %(key)s") % {"key": key})
