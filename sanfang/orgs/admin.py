from django.contrib import admin

from sanfang.core.admin import TrackedAdmin

from .models import Membership, Organization, Ownership, PartyCoverage, Person, ServiceContract


@admin.register(Person)
class PersonAdmin(TrackedAdmin):
    list_display = ("name", "id_last4", "is_party_member")
    search_fields = ("name", "id_last4")
    readonly_fields = ("id_last4",)


@admin.register(Organization)
class OrganizationAdmin(TrackedAdmin):
    list_display = ("code", "name", "kind", "compound", "region")
    list_filter = ("kind",)
    search_fields = ("code", "name", "credit_code")
    raw_id_fields = ("compound", "region", "party_parent")


@admin.register(PartyCoverage)
class PartyCoverageAdmin(TrackedAdmin):
    list_display = ("organization", "mode")
    list_filter = ("mode",)
    raw_id_fields = ("organization",)


@admin.register(Membership)
class MembershipAdmin(TrackedAdmin):
    list_display = ("organization", "person", "position", "term_start", "term_end")
    list_filter = ("position",)
    search_fields = ("organization__code", "organization__name", "person__name")
    raw_id_fields = ("organization", "person")


@admin.register(Ownership)
class OwnershipAdmin(TrackedAdmin):
    list_display = ("unit", "person", "developer_held")
    raw_id_fields = ("unit", "person", "compound")


@admin.register(ServiceContract)
class ServiceContractAdmin(TrackedAdmin):
    list_display = ("compound", "company", "start", "end", "fee_per_m2_month", "signed")
    raw_id_fields = ("compound", "company")
