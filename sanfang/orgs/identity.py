"""ID numbers: normalised, checked, and reduced to a keyed hash plus the last four characters."""

import hashlib
import hmac
import re

from django.conf import settings

_ID18 = re.compile(r"^\d{17}[\dX]$")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def normalise(raw: str) -> str:
    return str(raw).strip().upper().replace(" ", "")


def is_valid_resident_id(id_number: str) -> bool:
    """GB 11643 check digit of an 18-character resident ID; other documents (passports,
    Hong Kong and Macao permits) are accepted when 6–20 letters and digits."""
    if _ID18.match(id_number):
        total = sum(int(d) * w for d, w in zip(id_number[:17], _WEIGHTS, strict=True))
        return _CHECK[total % 11] == id_number[17]
    return bool(re.fullmatch(r"[A-Z0-9]{6,20}", id_number)) and not id_number.isdigit()


def id_hash(id_number: str) -> str:
    key = settings.PERSON_ID_KEY.encode()
    return hmac.new(key, normalise(id_number).encode(), hashlib.sha256).hexdigest()


def last4(id_number: str) -> str:
    return normalise(id_number)[-4:]


def make_resident_id(prefix17: str) -> str:
    """Complete 17 digits with their GB 11643 check digit (for seeds and tests)."""
    total = sum(int(d) * w for d, w in zip(prefix17, _WEIGHTS, strict=True))
    return prefix17 + _CHECK[total % 11]


def mask_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"
