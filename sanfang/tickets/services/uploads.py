"""Photos and files on a case: the type is read from the file's first bytes, never trusted
from the browser, and the size is capped (``TICKET_ATTACHMENT_MAX_BYTES``)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..models import Attachment

MAX_FILES = 6
_MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)


def sniff(head: bytes) -> str | None:
    for magic, content_type in _MAGIC:
        if head.startswith(magic):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def max_bytes() -> int:
    return getattr(settings, "TICKET_ATTACHMENT_MAX_BYTES", 8 * 1024 * 1024)


def check_uploads(files) -> list[tuple[object, str]]:
    """Each upload with its real type; refuses the lot if one is too big, of the wrong type,
    or if there are too many."""
    files = [f for f in files or [] if f]
    if len(files) > MAX_FILES:
        raise ValidationError(_("At most %(n)d photos or files per step.") % {"n": MAX_FILES}, code="files")
    checked = []
    for f in files:
        name = getattr(f, "name", "") or "file"
        if f.size > max_bytes():
            raise ValidationError(_("%(name)s is too big: at most %(mb)d MB per file.")
                                  % {"name": name, "mb": max_bytes() // (1024 * 1024)}, code="files")
        f.seek(0)
        content_type = sniff(f.read(16))
        f.seek(0)
        if content_type is None:
            raise ValidationError(_("%(name)s is not a photo (JPEG, PNG, WebP) or a PDF.") % {"name": name},
                                  code="files")
        checked.append((f, content_type))
    return checked


def save_uploads(ticket, checked, *, actor, event=None) -> list[Attachment]:
    saved = []
    for f, content_type in checked:
        a = Attachment(ticket=ticket, event=event, compound_id=ticket.compound_id, original_name=f.name[-120:],
                       content_type=content_type, size=f.size,
                       uploaded_by=actor if actor and actor.is_authenticated else None)
        a.file.save("upload", f, save=False)
        a.save()
        saved.append(a)
    return saved
