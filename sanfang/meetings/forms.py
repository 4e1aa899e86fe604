"""Forms of the meetings and motions pages. They check shape; the services check meaning (scope,
state, the rules). Every field has a label (the browser tests find fields by them)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sanfang.core.forms import FilesField, StyledForm
from sanfang.voting.models import Matter

from .models import MotionStep
from .rules import Kind


def _when(label):
    return forms.DateTimeField(label=label, widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                       format="%Y-%m-%dT%H:%M"))


class PlaceForm(StyledForm):
    """Step one of a new meeting: where it is."""

    compound = forms.ModelChoiceField(queryset=None, label=_("Compound"), required=False, to_field_name="code",
                                      empty_label=_("— a community meeting —"))
    community = forms.ModelChoiceField(queryset=None, label=_("Community (for a community meeting)"), required=False,
                                       to_field_name="code")

    def __init__(self, *args, compounds, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["compound"].queryset = compounds
        self.fields["community"].queryset = communities

    def clean(self):
        data = super().clean()
        if not data.get("compound") and not data.get("community"):
            raise forms.ValidationError(_("Choose the compound, or the community for a community meeting."))
        return data


class MeetingForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind of meeting"))
    extraordinary = forms.BooleanField(label=_("Extraordinary owners' assembly"), required=False)
    title = forms.CharField(label=_("Title"), max_length=120)
    place = forms.CharField(label=_("Place"), max_length=120)
    scheduled_at = _when(_("Date and time"))
    convener = forms.ModelChoiceField(queryset=None, label=_("Convened by"))
    agenda = forms.CharField(label=_("Agenda (one item per line)"), required=False, max_length=9000,
                             widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, kinds, conveners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, Kind(k).label) for k in kinds]
        self.fields["convener"].queryset = conveners

    def agenda_items(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["agenda"].splitlines() if line.strip()]


class AgendaForm(StyledForm):
    text = forms.CharField(label=_("Agenda item"), max_length=300)


class InviteForm(StyledForm):
    organization = forms.ModelChoiceField(queryset=None, label=_("Organisation"), required=False)
    person = forms.ModelChoiceField(queryset=None, label=_("Person"), required=False)

    def __init__(self, *args, organizations, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["person"].queryset = people
        self.fields["person"].label_from_instance = lambda p: p.name


class SignInForm(StyledForm):
    person = forms.ModelChoiceField(queryset=None, label=_("Person"), required=False)
    name = forms.CharField(label=_("Or the name of someone not in the registry"), max_length=50, required=False)
    organization = forms.ModelChoiceField(queryset=None, label=_("Representing"), required=False)
    on_behalf_of = forms.ModelChoiceField(queryset=None, label=_("Attending on behalf of"), required=False)

    def __init__(self, *args, people, organizations, proxies: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("person", "on_behalf_of"):
            self.fields[name].queryset = people
            self.fields[name].label_from_instance = lambda p: p.name
        self.fields["organization"].queryset = organizations
        if not proxies:  # RULES C6: no proxies at a committee meeting
            del self.fields["on_behalf_of"]


class MinutesForm(StyledForm):
    text = forms.CharField(label=_("Minutes"), max_length=20000, widget=forms.Textarea(attrs={"rows": 8}))


class DecisionForm(StyledForm):
    agenda_item = forms.ModelChoiceField(queryset=None, label=_("Agenda item"), empty_label=None)
    text = forms.CharField(label=_("Decision"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    votes_for = forms.IntegerField(label=_("Members for"), min_value=0, max_value=10000, required=False)
    votes_against = forms.IntegerField(label=_("Members against"), min_value=0, max_value=10000, required=False)
    votes_abstain = forms.IntegerField(label=_("Members abstaining"), min_value=0, max_value=10000, required=False)

    def __init__(self, *args, agenda, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agenda_item"].queryset = agenda


class AttachForm(StyledForm):
    files = FilesField(label=_("Photos or PDF files"))
    public = forms.BooleanField(label=_("Show with the published minutes"), required=False, initial=True)


class ReasonForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class RequestForm(StyledForm):
    matter = forms.CharField(label=_("Matter to discuss"), max_length=300)


# --- motions ---------------------------------------------------------------------------------

MATTER_CHOICES = [("", _("— not a matter for the owners' joint decision —"))] + list(Matter.choices)


class MotionForm(StyledForm):
    compound = forms.ModelChoiceField(queryset=None, label=_("Compound"), to_field_name="code")
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(label=_("Description"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    matter = forms.ChoiceField(label=_("Matter for the owners' joint decision (Civil Code art. 278)"),
                               choices=MATTER_CHOICES, required=False)

    def __init__(self, *args, compounds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["compound"].queryset = compounds


class StepForm(StyledForm):
    meeting = forms.ModelChoiceField(queryset=None, label=_("Meeting where it was taken"), required=False)
    organizations = forms.ModelMultipleChoiceField(queryset=None, label=_("Organisations taking part"),
                                                   required=False, widget=forms.CheckboxSelectMultiple)
    people = forms.ModelMultipleChoiceField(queryset=None, label=_("People taking part"), required=False)
    agreed = forms.CharField(label=_("What was agreed"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    outcome = forms.ChoiceField(label=_("Outcome"), choices=MotionStep.Outcome.choices, widget=forms.RadioSelect,
                                initial=MotionStep.Outcome.AGREED)
    sent_back = forms.BooleanField(label=_("If not agreed: send it back to be discussed again (not rejected)"),
                                   required=False)

    def __init__(self, *args, meetings, organizations, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = meetings
        self.fields["organizations"].queryset = organizations
        self.fields["people"].queryset = people
        self.fields["people"].label_from_instance = lambda p: p.name


class SignatureForm(StyledForm):
    ownership = forms.ModelChoiceField(queryset=None, label=_("Owner and unit"), empty_label=None)

    def __init__(self, *args, ownerships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ownership"].queryset = ownerships
        self.fields["ownership"].label_from_instance = lambda o: f"{o.unit} · {o.person.name}"


class PollForm(StyledForm):
    title = forms.CharField(label=_("Title of the vote"), max_length=120)
    item_1 = forms.CharField(label=_("Item 1"), max_length=300)
    matter_1 = forms.ChoiceField(label=_("Matter of item 1"), choices=Matter.choices)
    item_2 = forms.CharField(label=_("Item 2"), max_length=300, required=False)
    matter_2 = forms.ChoiceField(label=_("Matter of item 2"), choices=Matter.choices, required=False)
    item_3 = forms.CharField(label=_("Item 3"), max_length=300, required=False)
    matter_3 = forms.ChoiceField(label=_("Matter of item 3"), choices=Matter.choices, required=False)
    opens_at = _when(_("Voting opens"))
    closes_at = _when(_("Voting closes"))
    building = forms.CharField(label=_("Building (only its owners vote; empty for the whole compound)"),
                               max_length=20, required=False)

    def items(self) -> list[tuple[str, str]]:
        d = self.cleaned_data
        return [(d[f"item_{i}"], d.get(f"matter_{i}") or "") for i in (1, 2, 3) if d.get(f"item_{i}")]
