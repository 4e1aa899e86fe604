from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from sanfang.core.admin import TrackedAdmin

from . import identity
from .models import Membership, Organization, Ownership, PartyCoverage, Person, ServiceContract


class PersonForm(forms.ModelForm):
    """The ID number is typed once and kept only as its keyed hash and last four characters."""

    id_number = forms.CharField(label=_("ID number"), required=False,
                                help_text=_("Stored only as a keyed hash and its last four characters."))

    class Meta:
        model = Person
        fields = ("name", "phone", "is_party_member")

    def clean_id_number(self):
        raw = identity.normalise(self.cleaned_data.get("id_number") or "")
        if not raw:
            if self.instance.pk:
                return ""  # keep the stored hash
            raise forms.ValidationError(_("A person needs an ID number."))
        if not identity.is_valid_resident_id(raw):
            raise forms.ValidationError(_("“%(value)s” is not a valid ID number.") % {"value": raw})
        others = Person.objects.filter(id_hash=identity.id_hash(raw)).exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(_("A person with this ID number is already recorded."))
        return raw

    def save(self, commit=True):
        raw = self.cleaned_data.get("id_number")
        if raw:
            self.instance.id_hash, self.instance.id_last4 = identity.id_hash(raw), identity.last4(raw)
        return super().save(commit)


@admin.register(Person)
class PersonAdmin(TrackedAdmin):
    form = PersonForm
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
