"""Reading one cell: pure functions from a raw value (as calamine or a generator gives it) to
a typed value, or a ``CellError`` with a stable code. No database.

A blank cell (None, "" or only spaces) reads as ``None`` everywhere; the caller decides what
blank means for its column.
"""

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from operator import mul

from django.utils.translation import gettext as _

from sanfang.orgs import identity


class CellError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _integral(value) -> bool:
    if isinstance(value, float):
        return value.is_integer()
    return isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value()


# C0 control characters (and DEL): never in a cell. Free text may hold tabs and line breaks.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Codes end up in URLs (/registry/compounds/<code>/): letters, digits, ".", "_" and "-" only,
# and not only dots. Building, entrance and unit numbers may also be written in Chinese (地下车库).
CODE = re.compile(r"(?!\.+\Z)[0-9A-Za-z._-]+\Z")
NUMBER = re.compile(r"(?!\.+\Z)[0-9A-Za-z._\-\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+\Z")


def has_control(s: str, free_text: bool = False) -> bool:
    return (_CONTROL_IN_TEXT if free_text else _CONTROL).search(s) is not None


def _bad_text():
    return CellError("bad_text", _("The cell contains a control character (such as NUL); remove it."))


def text(value, max_length: int | None = None, free_text: bool = True) -> str | None:
    if value is None:
        return None
    if _integral(value):
        value = int(value)
    elif isinstance(value, datetime | date):
        value = value.isoformat()
    s = str(value).strip()
    if not s:
        return None
    if has_control(s, free_text):
        raise _bad_text()
    if max_length and len(s) > max_length:
        raise CellError("too_long", _("At most %(n)d characters (this has %(len)d).") % {"n": max_length, "len": len(s)})
    return s


def code(value, max_length: int | None = None, pattern: re.Pattern | None = CODE) -> str | None:
    """A code or number written by hand or by Excel: 101.0 reads as "101". It must match
    ``pattern`` (``CODE``: letters, digits, ".", "_", "-"; ``NUMBER`` also allows Chinese)."""
    if isinstance(value, bool):
        raise CellError("bad_value", _("Expected a code, not a yes/no value."))
    s = text(value, max_length, free_text=False)
    if s is not None and pattern is not None and not pattern.match(s):
        if pattern is NUMBER:
            raise CellError("bad_code", _("“%(value)s”: use only letters, digits, Chinese characters, “.”, “_” "
                                          "and “-” (no “/”, spaces or other signs).") % {"value": s})
        raise CellError("bad_code", _("“%(value)s”: a code may use only letters, digits, “.”, “_” and “-” "
                                      "(no “/”, spaces or other signs).") % {"value": s})
    return s


def integer(value, minimum: int | None = None, maximum: int | None = None) -> int | None:
    if blank(value):
        return None
    if isinstance(value, bool):
        raise CellError("bad_number", _("Expected a whole number."))
    if isinstance(value, int):
        n = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise CellError("bad_number", _("Expected a whole number, not %(value)s.") % {"value": value})
        n = int(value)
    else:
        s = str(value).strip().replace(",", "")
        if not re.fullmatch(r"[+-]?\d+(\.0+)?", s):
            raise CellError("bad_number", _("Expected a whole number, not “%(value)s”.") % {"value": s})
        n = int(Decimal(s))
    if (minimum is not None and n < minimum) or (maximum is not None and n > maximum):
        raise CellError("bad_number", _("Expected a number from %(min)s to %(max)s.")
                        % {"min": minimum if minimum is not None else "", "max": maximum if maximum is not None else ""})
    return n


def decimal(value, places: int = 2, max_digits: int = 12, code_: str = "bad_number") -> Decimal | None:
    """An exact decimal with at most ``places`` decimals. Floats are read at Excel's display
    precision (15 significant digits), so 26.549999999999997 from a formula reads as 26.55."""
    if blank(value):
        return None
    if isinstance(value, bool):
        raise CellError(code_, _("Expected a number."))
    try:
        if isinstance(value, float):
            d = Decimal(format(value, ".15g"))
        elif isinstance(value, int | Decimal):
            d = Decimal(value)
        else:
            d = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise CellError(code_, _("Expected a number, not “%(value)s”.") % {"value": str(value).strip()}) from None
    if not d.is_finite():
        raise CellError(code_, _("Expected a number."))
    if d and d.adjusted() >= max_digits - places:
        raise CellError(code_, _("The number is too large."))
    q = d.quantize(Decimal(1).scaleb(-places))
    if q != d:
        raise CellError(code_, _("At most %(n)d decimals.") % {"n": places})
    return q


def day(value) -> date | None:
    if blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        s = value.strip()
        m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]00:00(?::00)?)?", s)
        if m:
            try:
                d = date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                pass
            else:
                if 1900 <= d.year <= 2100:
                    return d
        raise CellError("bad_date", _("Expected a date like 2024-01-31, not “%(value)s”.") % {"value": s})
    raise CellError("bad_date", _("Expected a date like 2024-01-31, not “%(value)s”.") % {"value": value})


_YES = {"是", "y", "yes", "true", "1", "√"}
_NO = {"否", "n", "no", "false", "0", "×"}


def yes_no(value) -> bool | None:
    if blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    s = str(value).strip().lower()
    if s in _YES:
        return True
    if s in _NO:
        return False
    raise CellError("bad_enum", _("Expected 是 or 否, not “%(value)s”.") % {"value": str(value).strip()})


def choice(value, choices: dict[str, str]) -> str | None:
    """A Chinese label of ``choices`` (the model value itself is accepted too)."""
    if blank(value):
        return None
    s = str(value).strip()
    if s in choices:
        return choices[s]
    if s in choices.values():
        return s
    raise CellError("bad_enum", _("Expected one of %(choices)s, not “%(value)s”.")
                    % {"choices": "、".join(choices), "value": s})


def phone(value) -> str | None:
    """A mainland mobile number: 11 digits starting with 1. A masked number (from an export,
    e.g. 139****0000) reads as blank: it means "keep the stored one"."""
    if type(value) is str and len(value) == 11 and value[0] == "1" and value.isascii() and value.isdigit():
        return value
    s = text(value)
    if s is None:
        return None
    s = s.replace(" ", "").replace("-", "")
    if s.startswith("+86"):
        s = s[3:]
    if "*" in s:
        return None
    if not re.fullmatch(r"1\d{10}", s):
        raise CellError("bad_phone", _("Expected an 11-digit mobile number starting with 1, not “%(value)s”.")
                        % {"value": s})
    return s


_DIGIT_SUM = 48 * sum(identity._WEIGHTS)  # the weights applied to the character codes of "0"


def id_number(value) -> str | None:
    """A normalised ID number, checked (GB 11643 check digit for resident IDs). A masked
    number (from an export) returns "*", telling the caller to use the person key column."""
    # The common cell, a well-formed resident ID already in normal form, is checked here in
    # one pass over its bytes (the same GB 11643 rule as identity.is_valid_resident_id);
    # anything else, a wrong check digit included, takes the full path below.
    if (type(value) is str and len(value) == 18 and value.isascii() and value[:17].isdigit()
            and (value[17] == "X" or value[17].isdigit())):
        code = value.encode()
        if identity._CHECK[(sum(map(mul, code[:17], identity._WEIGHTS)) - _DIGIT_SUM) % 11] == value[17]:
            return value
    s = text(value)
    if s is None:
        return None
    s = identity.normalise(s)
    if "*" in s or "…" in s:
        return "*"
    if not identity.is_valid_resident_id(s):
        raise CellError("bad_id_number", _("“%(value)s” is not a valid ID number.") % {"value": _mask(s)})
    return s


def token(value) -> str | None:
    s = text(value)
    if s is None:
        return None
    s = s.lower()
    if not re.fullmatch(r"[0-9a-f]{64}", s):
        raise CellError("bad_value", _("This column is written by the export; leave it as it is or empty."))
    return s


def _mask(s: str) -> str:
    # Echo enough of a wrong number for the user to find it, not the whole of it.
    return s if len(s) <= 8 else f"{s[:6]}…{s[-4:]}"
