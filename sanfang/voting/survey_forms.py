"""Forms of the survey pages: a new survey (its items typed as lines under group headings), the
respondent's one-screen form, new slips for lost ones, and the code typed from a slip."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanfang.core.forms import style

from . import surveys as sv
from .models import Survey

# A compound list longer than this is a code to type, not a list to scroll.
MAX_COMPOUND_CHOICES = 200
_NUMBERING = re.compile(r"^\s*(?:\d{1,3}|[一二三四五六七八九十]{1,3})\s*[.、)）:：]\s*")
UNKNOWN = "x"


def parse_items(text: str) -> list[tuple[str, str]]:
    """Lines to (group, item) pairs: a line starting with ``#`` names the group of the lines
    under it; a leading number ("1.", "2、") is dropped; blank lines are ignored."""
    group, out = "", []
    for n, raw in enumerate((text or "").splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            group = line.lstrip("#").strip()
            if not group:
                raise ValidationError(_("Line %(n)d: a group line needs a name after “#”.") % {"n": n})
            continue
        if not group:
            raise ValidationError(_("Line %(n)d: start with a group line such as “# Cleaning” before its items.")
                                  % {"n": n})
        item = _NUMBERING.sub("", line).strip()
        if item:
            out.append((group, item))
    return out


def items_text(pairs) -> str:
    lines, group = [], None
    for g, text in pairs:
        if g != group:
            if lines:
                lines.append("")
            lines.append(f"# {g}")
            group = g
        lines.append(text)
    return "\n".join(lines)


class SurveyForm(forms.Form):
    compound = forms.CharField(label=gettext_lazy("Compound"), max_length=40)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=120)
    subject_kind = forms.ChoiceField(label=gettext_lazy("Who is evaluated"), choices=Survey.Subject.choices,
                                     widget=forms.RadioSelect, initial=Survey.Subject.COMPANY)
    subject = forms.CharField(label=gettext_lazy("What is evaluated (for “something else”)"), max_length=120,
                              required=False)
    building = forms.CharField(label=gettext_lazy("Only one building (its number)"), max_length=20, required=False,
                               help_text=gettext_lazy("Leave empty to give a slip to every home and shop of the "
                                                      "compound."))
    scale = forms.IntegerField(label=gettext_lazy("Highest score"), min_value=2, max_value=10, initial=5,
                               help_text=gettext_lazy("Each item is scored from 1 (worst) to this number (best)."))
    allow_unknown = forms.BooleanField(label=gettext_lazy("Respondents may answer “cannot judge”"), required=False,
                                       initial=True)
    items = forms.CharField(label=gettext_lazy("Items"), widget=forms.Textarea(attrs={"rows": 14}),
                            help_text=gettext_lazy("One item per line. A line starting with # names the group of "
                                                   "the items under it, e.g. “# Cleaning”."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        compounds = sv.compounds_to_run(user).order_by("code")
        if compounds.count() <= MAX_COMPOUND_CHOICES:
            self.fields["compound"] = forms.ChoiceField(
                label=self.fields["compound"].label,
                choices=[("", "—")] + [(c.code, f"{c.name}（{c.code}）") for c in compounds.only("code", "name")])
        else:
            self.fields["compound"].help_text = _("The compound's code, as on the registry.")
        style(self)

    def clean_compound(self):
        compound = sv.compound_to_run(user=self.user, code=self.cleaned_data["compound"])
        if compound is None:
            raise ValidationError(_("No such compound among those where you run surveys."))
        return compound

    def clean_items(self):
        pairs = parse_items(self.cleaned_data["items"])
        try:
            return sv.clean_items(pairs)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["items"]) from None


class RespondForm(forms.Form):
    """One radio group per item: 1..scale, and "cannot judge" when the survey allows it."""

    def __init__(self, *args, survey: Survey, **kwargs):
        super().__init__(*args, **kwargs)
        self.survey = survey
        choices = [(str(k), str(k)) for k in range(1, survey.scale + 1)]
        if survey.allow_unknown:
            choices.append((UNKNOWN, _("cannot judge")))
        self.groups = []
        for group in sv.grouped_items(survey):
            names = []
            for item in group["items"]:
                name = f"item_{item.order}"
                self.fields[name] = forms.ChoiceField(
                    label=item.text, choices=choices, widget=forms.RadioSelect,
                    error_messages={"required": _("Please choose a score."),
                                    "invalid_choice": _("Please choose a score.")})
                names.append(name)
            self.groups.append({"name": group["name"], "names": names})

    def grouped(self):
        return [{"name": g["name"], "fields": [self[name] for name in g["names"]]} for g in self.groups]

    def scores(self) -> dict[str, int | None]:
        return {name.removeprefix("item_"): None if value == UNKNOWN else int(value)
                for name, value in self.cleaned_data.items()}


class ReissueForm(forms.Form):
    units = forms.CharField(
        label=gettext_lazy("Units"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("The units whose slip was lost, e.g. 1-1-101, 3-2-502. Leave empty for every unit "
                               "that has not answered yet."))

    def labels(self) -> list[str] | None:
        labels = [x for x in re.split(r"[\s,，、;；]+", self.cleaned_data["units"]) if x]
        return labels or None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)


class CodeForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("The code on your slip"), max_length=40,
                           widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                                         "spellcheck": "false"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)

    def clean_code(self):
        code = sv.normalise_token(self.cleaned_data["code"])
        if not code:
            raise ValidationError(_("A code has 16 letters and digits, e.g. 7K2M-QX4D-9PRT-H3VB."))
        return code
