from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .services import XLSX_MAGIC


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Registry workbook (.xlsx)"), allow_empty_file=True)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.REGISTRY_UPLOAD_MAX_BYTES
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."), code="empty_file")
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is %(size)s MB; the limit is %(limit)s MB.")
                % {"size": round(upload.size / 1048576, 1), "limit": round(limit / 1048576, 1)}, code="too_big")
        head = upload.read(4)
        upload.seek(0)
        if not upload.name.lower().endswith(".xlsx") or head != XLSX_MAGIC:
            raise forms.ValidationError(_("The file is not an Excel .xlsx workbook."), code="not_xlsx")
        return upload


class ConfirmForm(forms.Form):
    sha256 = forms.RegexField(regex=r"^[0-9a-f]{64}$")
