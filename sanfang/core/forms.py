"""Form pieces every app's pages share: Tabler's classes on every widget, and a field taking
several files at once (their type and size are checked by the services, which sniff the bytes)."""

from django import forms


def style(form: forms.Form) -> None:
    """Tabler's classes on every widget of ``form`` (call it again after adding fields)."""
    for field in form.fields.values():
        w = field.widget
        kind = getattr(w, "input_type", "")
        css = ("form-check-input" if kind in ("radio", "checkbox")
               else "form-select" if isinstance(w, forms.Select) else "form-control")
        w.attrs["class"] = f"{w.attrs.get('class', '')} {css}".strip()


class StyledForm(forms.Form):
    """Tabler's classes on every widget, so templates render fields plainly."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    """Several photos or PDF files at once."""

    widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,application/pdf", "multiple": True})

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        # super() with its arguments: inside a comprehension the bare form has no instance to bind
        return [super(FilesField, self).clean(f, initial) for f in files]
