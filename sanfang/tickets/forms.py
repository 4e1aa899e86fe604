"""Forms of the cases pages. They check shape; the services check meaning (scope, state)."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from sanfang.core.forms import FilesField, StyledForm

from .models import Mediation, Ticket
from .rules import Rating

PHONE = re.compile(r"^1\d{10}$")


def clean_phone(value: str) -> str:
    value = re.sub(r"[\s-]", "", value or "")
    if not PHONE.match(value):
        raise forms.ValidationError(_("Enter an 11-digit mainland mobile number."))
    return value


class CaseForm(StyledForm):
    category = forms.ModelChoiceField(queryset=None, label=_("What is it about?"), empty_label=None)
    title = forms.CharField(label=_("In one line"), max_length=80)
    description = forms.CharField(label=_("What happened"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    location = forms.CharField(label=_("Where exactly (building, floor …)"), max_length=120, required=False)
    photos = FilesField(label=_("Photos"), required=False)

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories


class StaffCaseForm(CaseForm):
    CHANNELS = [(c.value, c.label) for c in (Ticket.Channel.PHONE, Ticket.Channel.VISIT, Ticket.Channel.PATROL,
                                             Ticket.Channel.HOTLINE)]
    compound = forms.ModelChoiceField(queryset=None, label=_("Compound"))
    channel = forms.ChoiceField(choices=CHANNELS, label=_("Received by"))
    reporter_name = forms.CharField(label=_("Resident's name"), max_length=40, required=False)
    reporter_phone = forms.CharField(label=_("Resident's phone"), max_length=20, required=False)
    external_id = forms.CharField(label=_("Hotline work order number"), max_length=40, required=False)

    field_order = ["compound", "channel", "reporter_name", "reporter_phone", "external_id", "category"]

    def __init__(self, *args, compounds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["compound"].queryset = compounds

    def clean_reporter_phone(self):
        value = self.cleaned_data["reporter_phone"]
        return clean_phone(value) if value else ""


class PhoneForm(StyledForm):
    phone = forms.CharField(label=_("Mobile number"), max_length=20)

    def clean_phone(self):
        return clean_phone(self.cleaned_data["phone"])


class CodeForm(StyledForm):
    code = forms.RegexField(label=_("Code from the text message"), regex=r"^\d{6}$",
                            error_messages={"invalid": _("The code has six digits.")})


class NoteForm(StyledForm):
    note = forms.CharField(label=_("Note"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ResolveForm(StyledForm):
    note = forms.CharField(label=_("How it was resolved"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    photos = FilesField(label=_("Evidence (photos)"), required=False)


class RejectForm(StyledForm):
    reason = forms.CharField(label=_("Why it is not ours to handle"), max_length=200)
    redirect_to = forms.CharField(label=_("Where to go instead"), max_length=200, required=False)


class CommentForm(StyledForm):
    note = forms.CharField(label=_("Comment"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    internal = forms.BooleanField(label=_("Internal note (not shown to the resident)"), required=False)


class FeedbackForm(StyledForm):
    rating = forms.ChoiceField(label=_("Are you satisfied?"), choices=Rating.choices, widget=forms.RadioSelect)
    fixed = forms.TypedChoiceField(label=_("Is the problem fixed?"), coerce=lambda v: v == "yes",
                                   choices=[("yes", _("Yes")), ("no", _("No"))], widget=forms.RadioSelect,
                                   initial="yes")
    comment = forms.CharField(label=_("Anything to add"), max_length=500, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class MergeForm(StyledForm):
    into = forms.CharField(label=_("Reference of the open case it repeats"), max_length=12)


class SummonForm(StyledForm):
    departments = forms.ModelMultipleChoiceField(queryset=None, label=_("Departments"),
                                                 widget=forms.CheckboxSelectMultiple)
    request_text = forms.CharField(label=_("What is asked of them"), max_length=1000,
                                   widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = departments


class MediationForm(StyledForm):
    kind = forms.ChoiceField(label=_("Dispute"), choices=Mediation.Kind.choices)
    parties = forms.CharField(label=_("Parties, one per line"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class SessionForm(StyledForm):
    held_at = forms.DateTimeField(label=_("Held at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    place = forms.CharField(label=_("Place"), max_length=100, required=False)
    attendees = forms.CharField(label=_("Present"), max_length=300)
    notes = forms.CharField(label=_("Notes"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class EndMediationForm(StyledForm):
    outcome = forms.ChoiceField(label=_("Outcome"), widget=forms.RadioSelect, choices=[
        (Mediation.Outcome.AGREED, Mediation.Outcome.AGREED.label),
        (Mediation.Outcome.FAILED, Mediation.Outcome.FAILED.label)])
    agreement = forms.CharField(label=_("Agreement"), max_length=1000, required=False,
                                widget=forms.Textarea(attrs={"rows": 2}))
