from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

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
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created", "last_used", "revoked")
    readonly_fields = ("prefix", "created", "last_used")
    raw_id_fields = ("user",)

    def save_model(self, request, obj, form, change):
        if not change:
            from .services import api_token_issue

            token, key = api_token_issue(user=obj.user, name=obj.name, actor=request.user)
            obj.pk = token.pk
            self.message_user(request, f"API token (shown once, copy it now): {key}")
        else:
            super().save_model(request, obj, form, change)
