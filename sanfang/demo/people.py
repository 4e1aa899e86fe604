"""People for the seeds: unique, valid ID numbers (GB 11643) and phone numbers without keeping
a set of the ones issued, names that follow sex and generation, and company credit codes."""

from __future__ import annotations

import bisect
import math
import random
from datetime import date

from . import names as N

# A person as the workbook names them: (姓名, 证件号, 手机 or None).
Person = tuple[str, str, str | None]

class _Permutation:
    """i ↦ (a·i + b) mod m, a bijection on [0, m): the i-th person gets a distinct slot that
    looks random (so birthdays spread over the years) without remembering earlier ones."""

    def __init__(self, size: int, mult: int, offset: int):
        while math.gcd(mult, size) != 1:
            mult += 1
        self.size, self.mult, self.offset = size, mult % size, offset % size

    def __call__(self, i: int) -> int:
        return (i * self.mult + self.offset) % self.size


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def _weighted(digits: str, offset: int) -> int:
    """The GB 11643 weighted sum of ``digits`` standing at ``offset`` in the ID number."""
    return sum(int(c) * w for c, w in zip(digits, _ID_WEIGHTS[offset:offset + len(digits)], strict=True))


_SEQ = [(f"{i:03d}", _weighted(f"{i:03d}", 14)) for i in range(1000)]


class People:
    """Issues people. Owners are born 1940–2003 (sequence numbers 000–799 of the ID), staff
    and officials 1958–1999 (800–999), so the two pools never collide; the 17th digit is odd
    for men, as in real ID numbers, and the name follows the sex and generation."""

    OWNER_EPOCH = date(1940, 1, 1).toordinal()
    OWNER_DAYS = date(2003, 12, 31).toordinal() - OWNER_EPOCH + 1
    STAFF_EPOCH = date(1958, 1, 1).toordinal()
    STAFF_DAYS = date(1999, 12, 31).toordinal() - STAFF_EPOCH + 1

    # Each data set draws from its own block of indices, so the demo and the megacity can
    # share a database without sharing a single ID or phone number.
    OWNER_BLOCK, STAFF_BLOCK, PHONE_BLOCK = 5_000_000, 1_000_000, 20_000_000

    def __init__(self, rng: random.Random, block: int = 0):
        self.rng = rng
        self.owner_slots = _Permutation(self.OWNER_DAYS * 800, 2_654_435_761, 97_531)
        self.staff_slots = _Permutation(self.STAFF_DAYS * 200, 2_246_822_519, 13_579)
        self.phone_slots = _Permutation(10**8, 40_503_001, 12_345_678)
        self.n_owner = block * self.OWNER_BLOCK
        self.n_staff = block * self.STAFF_BLOCK
        self.n_phone = block * self.PHONE_BLOCK
        self._born: dict[int, tuple[str, int, int]] = {}
        self.areas = [(code, _weighted(code, 0)) for code, _ in N.ID_AREAS]
        self.area_weights = []
        total = 0
        for _, w in N.ID_AREAS:
            total += w
            self.area_weights.append(total)
        self._area_total = total

    def _person(self, ordinal: int, seq: int) -> Person:
        # make_resident_id, with the weighted sums of the three parts cached (a million
        # owners otherwise spend seconds in the check digit); tests compare the two.
        born = self._born.get(ordinal)
        if born is None:
            d = date.fromordinal(ordinal)
            digits = f"{d.year:04d}{d.month:02d}{d.day:02d}"
            born = self._born[ordinal] = (digits, _weighted(digits, 6), d.year)
        area, area_sum = self.areas[bisect.bisect_right(self.area_weights, self.rng.random() * self._area_total)]
        seq_digits, seq_sum = _SEQ[seq]
        check = _CHECK[(area_sum + born[1] + seq_sum) % 11]
        return self._name(seq % 2 == 1, born[2]), f"{area}{born[0]}{seq_digits}{check}", self.phone()

    def owner(self) -> Person:
        if self.n_owner >= self.owner_slots.size:
            raise ValueError("out of distinct ID numbers: the data set is too large")
        slot = self.owner_slots(self.n_owner)
        self.n_owner += 1
        return self._person(self.OWNER_EPOCH + slot // 800, slot % 800)

    def staff(self) -> Person:
        slot = self.staff_slots(self.n_staff)
        self.n_staff += 1
        return self._person(self.STAFF_EPOCH + slot // 200, 800 + slot % 200)

    def phone(self) -> str:
        k = self.n_phone
        self.n_phone += 1
        return f"{N.PHONE_PREFIXES[k % len(N.PHONE_PREFIXES)]}{self.phone_slots(k):08d}"

    def _name(self, male: bool, year: int) -> str:
        rng = self.rng
        surname = N.SURNAMES[int(rng.random() * len(N.SURNAMES))]
        r = rng.random()
        if year < 1968 and r < 0.55:
            pool = N.GIVEN_MALE_OLD if male else N.GIVEN_FEMALE_OLD
            return surname + pool[int(rng.random() * len(pool))]
        if r > 0.82:
            pool = N.MALE_SINGLE if male else N.FEMALE_SINGLE
            return surname + pool[int(rng.random() * len(pool))]
        first, second = (N.MALE_FIRST, N.MALE_SECOND) if male else (N.FEMALE_FIRST, N.FEMALE_SECOND)
        return surname + first[int(rng.random() * len(first))] + second[int(rng.random() * len(second))]


_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def make_credit_code(rng: random.Random, area: str) -> str:
    """A unified social credit code (GB 32100) of a company registered after 2015: 91 +
    area + an organisation code beginning MA (with its GB 11714 check) + the check character.
    It contains letters, so the import reads it as a non-resident document number too."""
    body = "MA" + "".join(rng.choice(_USCC_CHARS) for _ in range(6))
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    org_code = body + {10: "X", 11: "0"}.get(check, str(check))
    first17 = "91" + area + org_code
    c = (31 - sum(_USCC_CHARS.index(ch) * w for ch, w in zip(first17, _USCC_WEIGHTS, strict=True)) % 31) % 31
    return first17 + _USCC_CHARS[c]
