"""Pure rules of the closed loop: states, transitions, the tier ladder and deadline spans.

No database here, so every rule can be tested exhaustively. The calendar that turns a span into
a due time is ``core.workdays`` (RULES T1).
"""

import re
from dataclasses import dataclass
from datetime import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from sanfang.core import workdays


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("awaiting acceptance")
    ACCEPTED = "accepted", _("accepted")
    IN_PROGRESS = "in_progress", _("in progress")
    RESOLVED = "resolved", _("resolved, awaiting feedback")
    CLOSED = "closed", _("closed")
    REJECTED = "rejected", _("rejected")
    REOPENED = "reopened", _("reopened")
    MERGED = "merged", _("merged")


S = Status

# Where each state may go (DESIGN habit 2). Escalation is not in this table: it is its own
# service, allowed from every OPEN state, and puts the case back to SUBMITTED at the next tier.
TRANSITIONS: dict[str, set[str]] = {
    S.SUBMITTED: {S.ACCEPTED, S.REJECTED, S.MERGED},
    S.ACCEPTED: {S.IN_PROGRESS, S.RESOLVED, S.MERGED},
    S.IN_PROGRESS: {S.RESOLVED},
    S.RESOLVED: {S.CLOSED, S.REOPENED},
    S.REOPENED: {S.IN_PROGRESS, S.RESOLVED},
    S.CLOSED: set(),
    S.REJECTED: set(),
    S.MERGED: set(),
}
# Someone still owes the resident work: these can be escalated, summoned and counted overdue.
OPEN = frozenset({S.SUBMITTED, S.ACCEPTED, S.IN_PROGRESS, S.REOPENED})
FINAL = frozenset({S.CLOSED, S.REJECTED, S.MERGED})


def can_move(old: str, new: str) -> bool:
    return new in TRANSITIONS.get(old, ())


class Tier(models.TextChoices):
    """The escalation ladder of RULES T4, lowest first."""

    COMPOUND = "compound", _("compound")
    COMMUNITY = "community", _("community")
    SUBDISTRICT = "subdistrict", _("subdistrict")
    DISTRICT = "district", _("district")


DEFAULT_LADDER = (Tier.COMPOUND, Tier.COMMUNITY, Tier.SUBDISTRICT, Tier.DISTRICT)


def parse_ladder(text: str) -> tuple[str, ...]:
    """``"compound,community,district"`` → the tiers in order; it must start at the compound,
    keep the ladder's order and name each tier once."""
    tiers = tuple(t.strip() for t in text.split(",") if t.strip())
    known = [t.value for t in Tier]
    if not tiers or tiers[0] != Tier.COMPOUND:
        raise ValueError(_("The ladder starts at the compound tier."))
    if any(t not in known for t in tiers):
        raise ValueError(_("Unknown tier in the ladder; use compound, community, subdistrict, district."))
    if list(tiers) != sorted(set(tiers), key=known.index):
        raise ValueError(_("Each tier appears once, from the compound upwards."))
    return tiers


def next_tier(ladder: tuple[str, ...], tier: str) -> str | None:
    """The tier above ``tier`` on the ladder, or None at the top (then the case stays and is
    flagged: beyond the district lies the court, outside the platform)."""
    if tier not in ladder:
        # The ladder was shortened while the case sat on a removed tier: go to the next kept one.
        order = [t.value for t in Tier]
        above = [t for t in ladder if order.index(t) > order.index(tier)]
        return above[0] if above else None
    i = ladder.index(tier)
    return ladder[i + 1] if i + 1 < len(ladder) else None


class Responsible(models.TextChoices):
    """Who a category sends a case to first, inside the compound tier."""

    OWNERS_COMMITTEE = "owners_committee", _("owners' committee")
    PROPERTY_COMPANY = "property_company", _("property company")
    RESIDENTS_COMMITTEE = "residents_committee", _("residents' committee")
    DEPARTMENT = "department", _("department")


class Kind(models.TextChoices):
    """What kind of request a category holds; it sets the default deadlines of RULES T2."""

    ENQUIRY = "enquiry", _("enquiry")
    HELP = "help", _("request for help")
    COMPLAINT = "complaint", _("complaint")
    DISPUTE = "dispute", _("dispute between neighbours")
    SUGGESTION = "suggestion", _("suggestion")


_SPAN = re.compile(r"^\s*(\d{1,3})\s*([dh])\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Span:
    """A deadline length: ``n`` working days or ``n`` working hours."""

    n: int
    unit: str  # "d" or "h"

    def __str__(self):
        return f"{self.n}{self.unit}"

    def after(self, start: datetime) -> datetime:
        if self.unit == "h":
            return workdays.add_working_hours(start, self.n)
        return workdays.add_working_days(start, self.n)

    def label(self) -> str:
        if self.unit == "h":
            return ngettext("%(n)d working hour", "%(n)d working hours", self.n) % {"n": self.n}
        return ngettext("%(n)d working day", "%(n)d working days", self.n) % {"n": self.n}


def parse_span(text: str) -> Span:
    """``"5d"`` (five working days) or ``"4h"`` (four working hours); at least 1."""
    m = _SPAN.match(text or "")
    if not m or int(m.group(1)) < 1:
        raise ValueError(_("Write a deadline as a number of working days or hours, such as 5d or 4h."))
    return Span(int(m.group(1)), m.group(2).lower())


def validate_span(text: str) -> None:
    from django.core.exceptions import ValidationError

    try:
        parse_span(text)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


# RULES T2 defaults [P]: enquiry 1 working day; help or complaint 5; escalated or re-checked 3;
# complex cases, with approval, 15. Acceptance the same working day is the seeds' habit.
KIND_DEFAULTS = {
    Kind.ENQUIRY: ("4h", "1d", "1d"),
    Kind.HELP: ("4h", "1d", "5d"),
    Kind.COMPLAINT: ("4h", "1d", "5d"),
    Kind.DISPUTE: ("4h", "1d", "5d"),
    Kind.SUGGESTION: ("1d", "2d", "5d"),
}
TIER_DEFAULTS = {Tier.COMPOUND: "5d", Tier.COMMUNITY: "3d", Tier.SUBDISTRICT: "3d", Tier.DISTRICT: "15d"}


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("satisfied")
    BASICALLY = "basically", _("basically satisfied")
    UNSATISFIED = "unsatisfied", _("unsatisfied")


def rating_reopens(rating: str, fixed: bool) -> bool:
    """An unhappy rating, or the resident saying it is not fixed, reopens the case."""
    return rating == Rating.UNSATISFIED or not fixed


def rate(part: int, whole: int) -> float | None:
    """A share rounded for display; None when there is nothing to divide (shown as "—")."""
    return round(part / whole, 4) if whole else None
