"""Forms of the owners' decisions pages. They check shape (and resolve what a person typed to a
row); the services check meaning: state, window, scope, one ballot per head."""

from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanfang.core.forms import StyledForm

from . import selectors
from .models import Choice, Matter, PaperVisit, Poll

UPLOAD_MAX_BYTES = 10 * 1024 * 1024
# A scan or a signed authorisation: a photo or a PDF, recognised by its first bytes too.
UPLOAD_TYPES = {
    ".pdf": (b"%PDF",), ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",), ".webp": (b"RIFF",),
}
ITEM_PREFIX = "item_"


class DocumentField(forms.FileField):
    """A scanned paper ballot or a signed authorisation: PDF, JPEG, PNG or WebP, at most 10 MB."""

    widget = forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png,image/webp"})

    def clean(self, data, initial=None):
        f = super().clean(data, initial)
        if not f:
            return f
        name = (f.name or "").lower()
        ext = name[name.rfind("."):] if "." in name else ""
        if ext not in UPLOAD_TYPES:
            raise ValidationError(_("Upload a PDF or a photo (JPEG, PNG, WebP)."))
        if f.size > UPLOAD_MAX_BYTES:
            raise ValidationError(_("The file is larger than 10 MB."))
        head = f.read(16)
        f.seek(0)
        if not head.startswith(UPLOAD_TYPES[ext]):
            raise ValidationError(_("Upload a PDF or a photo (JPEG, PNG, WebP)."))
        return f


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's date-and-time picker; values in the local time zone (the form field has
    already made an initial value local and naive)."""

    input_type = "datetime-local"

    def format_value(self, value):
        if hasattr(value, "strftime"):
            if timezone.is_aware(value):
                value = timezone.localtime(value)
            return value.strftime("%Y-%m-%dT%H:%M")
        return value


class PollForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=120)
    building = forms.ChoiceField(label=_("Only the owners of one building decide (RULES V11)"), required=False)
    parking_counts = forms.BooleanField(label=_("Parking spaces count as exclusive parts (RULES V8)"),
                                        required=False)
    opens_at = forms.DateTimeField(label=_("Voting opens"), widget=DateTimeLocalInput())
    closes_at = forms.DateTimeField(label=_("Voting closes"), widget=DateTimeLocalInput())
    allow_change = forms.BooleanField(label=_("An owner may change their online ballot until voting closes"),
                                      required=False)
    proxies_per_holder = forms.IntegerField(label=_("Most owners one person may represent by proxy"),
                                            min_value=1, max_value=100, initial=5)

    def __init__(self, *args, buildings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].choices = [("", _("The whole compound"))] + [(b, b) for b in buildings]
        if not self.is_bound:
            opens = (timezone.localtime() + timedelta(days=16)).replace(hour=9, minute=0, second=0, microsecond=0)
            self.initial.setdefault("opens_at", opens)
            self.initial.setdefault("closes_at", opens + timedelta(days=14))

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("Voting must close after it opens."))
        return data


def matter_choices():
    return [("", _("Choose the matter"))] + [(m.value, f"{i}. {m.label}") for i, m in enumerate(Matter, start=1)]


class ItemForm(StyledForm):
    text = forms.CharField(label=_("Item on the ballot"), max_length=300, required=False)
    matter = forms.ChoiceField(label=_("Matter (Civil Code art. 278)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["matter"].choices = matter_choices()

    def clean(self):
        data = super().clean()
        if (data.get("text") or "").strip() and not data.get("matter"):
            self.add_error("matter", _("Choose the matter of each item (Civil Code art. 278)."))
        if data.get("matter") and not (data.get("text") or "").strip():
            self.add_error("text", _("Write the item that owners decide."))
        return data


class BaseItemFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if not self.items():
            raise ValidationError(_("A ballot needs at least one item."))

    def items(self) -> list[tuple[str, str]]:
        return [(f.cleaned_data["text"].strip(), f.cleaned_data["matter"]) for f in self.forms
                if f.cleaned_data.get("text", "").strip()]


ItemFormSet = forms.formset_factory(ItemForm, formset=BaseItemFormSet, extra=3, max_num=30, absolute_max=30,
                                    validate_max=True)


class ChoicesMixin:
    """One radio group per published item (同意/反对/弃权). An answer to an item that was not
    published is refused here with the service's own words (RULES V13)."""

    def add_item_fields(self, items):
        self.item_fields = []
        for item in items:
            name = f"{ITEM_PREFIX}{item.order}"
            self.fields[name] = forms.ChoiceField(label=f"{item.order}. {item.text}", choices=Choice.choices,
                                                  widget=forms.RadioSelect(attrs={"class": "form-check-input"}))
            self.item_fields.append(name)

    def check_unpublished(self):
        start, known = self.add_prefix(ITEM_PREFIX), {self.add_prefix(n) for n in self.item_fields}
        extra = [k for k in self.data if k.startswith(start) and k not in known]
        if extra:
            raise ValidationError(_("This ballot names an item that was not published for this poll."),
                                  code="unknown_item")

    def choices(self) -> dict:
        return {name[len(ITEM_PREFIX):]: self.cleaned_data[name] for name in self.item_fields}

    def answers(self) -> list[dict]:
        """What the voter chose, for the confirmation step."""
        labels = dict(Choice.choices)
        return [{"name": name, "label": self.fields[name].label, "value": self.cleaned_data[name],
                 "shown": labels[self.cleaned_data[name]]} for name in self.item_fields]


class BallotForm(ChoicesMixin, StyledForm):
    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_item_fields(items)

    def clean(self):
        data = super().clean()
        self.check_unpublished()
        return data


class PaperBallotForm(ChoicesMixin, StyledForm):
    head = forms.CharField(label=_("Unit (e.g. 1-1-101) or roll number (H0001)"), max_length=60)
    scan = DocumentField(label=_("Scan of the signed paper ballot"))

    def __init__(self, *args, poll: Poll, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.poll = poll
        self.add_item_fields(items)
        self.order_fields(["head", *self.item_fields, "scan"])

    def clean_head(self):
        head = selectors.head_lookup(self.poll, self.cleaned_data["head"])
        if head is None:
            raise ValidationError(_("No such owner on this poll's roll."))
        return head

    def clean(self):
        data = super().clean()
        self.check_unpublished()
        return data


class VisitForm(StyledForm):
    OUTCOMES = [(PaperVisit.Outcome.ABSENT.value, PaperVisit.Outcome.ABSENT.label),
                (PaperVisit.Outcome.REFUSED.value, PaperVisit.Outcome.REFUSED.label)]
    head = forms.CharField(label=_("Unit (e.g. 1-1-101) or roll number (H0001)"), max_length=60)
    outcome = forms.ChoiceField(label=_("What happened"), choices=OUTCOMES, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, poll: Poll, **kwargs):
        super().__init__(*args, **kwargs)
        self.poll = poll

    def clean_head(self):
        head = selectors.head_lookup(self.poll, self.cleaned_data["head"])
        if head is None:
            raise ValidationError(_("No such owner on this poll's roll."))
        return head


class ProxyForm(StyledForm):
    SCOPES = [("poll", _("For one poll")), ("period", _("For a period"))]
    grantor_unit = forms.CharField(label=_("Owner who authorises: unit (e.g. 1-1-101)"), max_length=60)
    grantor_name = forms.CharField(label=_("Owner who authorises: name"), max_length=50)
    holder_unit = forms.CharField(label=_("Person authorised: unit (e.g. 1-1-102)"), max_length=60)
    holder_name = forms.CharField(label=_("Person authorised: name"), max_length=50)
    scope = forms.ChoiceField(label=_("The authorisation covers"), choices=SCOPES, widget=forms.RadioSelect,
                              initial="poll")
    poll = forms.ModelChoiceField(label=_("Poll"), queryset=Poll.objects.none(), required=False)
    valid_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    document = DocumentField(label=_("The signed written authorisation"))

    def __init__(self, *args, compound, polls, **kwargs):
        super().__init__(*args, **kwargs)
        self.compound = compound
        self.fields["poll"].queryset = polls

    def clean(self):
        data = super().clean()
        for role in ("grantor", "holder"):
            if data.get(f"{role}_unit") and data.get(f"{role}_name"):
                person = selectors.owner_lookup(self.compound, unit=data[f"{role}_unit"], name=data[f"{role}_name"])
                if person is None:
                    self.add_error(f"{role}_name", _("No owner of that name in that unit of this compound."))
                data[role] = person
        if data.get("scope") == "poll":
            if not data.get("poll"):
                self.add_error("poll", _("Choose the poll."))
            data["valid_from"] = data["valid_until"] = None
        elif data.get("scope") == "period":
            data["poll"] = None
            if not data.get("valid_from") or not data.get("valid_until"):
                self.add_error("valid_until", _("Give the first and the last day."))
            elif data["valid_from"] > data["valid_until"]:
                self.add_error("valid_until", _("The last day comes after the first."))
        return data


class ListFilterForm(forms.Form):
    compound = forms.CharField(required=False, max_length=40)
    status = forms.ChoiceField(required=False, choices=[("", "")] + list(Poll.Status.choices))
