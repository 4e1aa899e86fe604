"""Pure rules of meetings and motions, with no database: the states and their moves, the owners'
committee's quorum and majority (RULES C6), the members' request to convene (C6), the notice
periods (V13, C6) and the owners' petition for an extraordinary assembly (V13).

Thresholds are compared in integers (DESIGN habit 10, RULES V5): "过半数" (more than half) is
strict, "以上" (at least) includes the number.
"""

from datetime import datetime, timedelta

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Kind(TextChoices):
    DELIBERATION = "deliberation", _("red-tea deliberation meeting")
    HEARING = "hearing", _("decision hearing")
    COORDINATION = "coordination", _("dispute coordination meeting")
    REVIEW = "review", _("public-affairs review meeting")
    JOINT = "joint", _("joint meeting")
    FEE_NEGOTIATION = "fee_negotiation", _("fee negotiation meeting")
    COMMITTEE = "committee", _("owners' committee meeting")
    PARTY = "party", _("party organisation meeting")
    ASSEMBLY = "assembly", _("owners' assembly")


# Kinds that belong to one compound: the owners' own bodies.
COMPOUND_ONLY = frozenset({Kind.COMMITTEE, Kind.ASSEMBLY})


class Status(TextChoices):
    DRAFT = "draft", _("draft")
    ANNOUNCED = "announced", _("announced")
    HELD = "held", _("held")
    MINUTES_PUBLISHED = "minutes_published", _("minutes published")
    CANCELLED = "cancelled", _("cancelled")


# DESIGN habit 2: every allowed move of a meeting, and nothing else.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.ANNOUNCED, Status.CANCELLED}),
    Status.ANNOUNCED: frozenset({Status.HELD, Status.CANCELLED}),
    Status.HELD: frozenset({Status.MINUTES_PUBLISHED}),
    Status.MINUTES_PUBLISHED: frozenset(),
    Status.CANCELLED: frozenset(),
}


def can_move(old: str, new: str) -> bool:
    return new in TRANSITIONS.get(old, frozenset())


class Stage(TextChoices):
    """三议: 党组织先议 → 三方协议 → 居民决议, then the end states."""

    PARTY = "party", _("party pre-discussion")
    TRIPARTITE = "tripartite", _("tripartite agreement")
    RESIDENTS = "residents", _("residents' resolution")
    DECIDED = "decided", _("decided")
    REJECTED = "rejected", pgettext_lazy("motion", "rejected")
    WITHDRAWN = "withdrawn", _("withdrawn")


STEPS = (Stage.PARTY, Stage.TRIPARTITE, Stage.RESIDENTS)
ENDED = frozenset({Stage.DECIDED, Stage.REJECTED, Stage.WITHDRAWN})

# Every allowed move of a motion. Forward after an agreed step; back one step when a step sends
# it back; party → residents only when an owners' petition forces an extraordinary assembly
# (RULES V13), which the earlier steps cannot block.
MOTION_TRANSITIONS: dict[str, frozenset[str]] = {
    Stage.PARTY: frozenset({Stage.TRIPARTITE, Stage.RESIDENTS, Stage.REJECTED, Stage.WITHDRAWN}),
    Stage.TRIPARTITE: frozenset({Stage.RESIDENTS, Stage.PARTY, Stage.REJECTED, Stage.WITHDRAWN}),
    Stage.RESIDENTS: frozenset({Stage.DECIDED, Stage.TRIPARTITE, Stage.WITHDRAWN}),
    Stage.DECIDED: frozenset(),
    Stage.REJECTED: frozenset(),
    Stage.WITHDRAWN: frozenset(),
}


def can_move_motion(old: str, new: str) -> bool:
    return new in MOTION_TRANSITIONS.get(old, frozenset())


def next_step(stage: str) -> str | None:
    i = STEPS.index(stage) if stage in STEPS else -1
    return STEPS[i + 1] if 0 <= i < len(STEPS) - 1 else None


def previous_step(stage: str) -> str | None:
    i = STEPS.index(stage) if stage in STEPS else -1
    return STEPS[i - 1] if i > 0 else None


# --- RULES C6: the owners' committee -----------------------------------------------------------


def c6_quorum(present: int, members: int) -> bool:
    """C6: a committee meeting is quorate when more than half of its members are present
    (2·present > members). A committee with no members is never quorate."""
    return members > 0 and 2 * present > members


def c6_votes_needed(members: int) -> int:
    """C6: a decision needs more than half of *all* members, however many are present."""
    return members // 2 + 1


def c6_passes(votes_for: int, members: int) -> bool:
    """C6: passed iff more than half of all current members voted for it (2·for > members)."""
    return members > 0 and 2 * votes_for > members


def c6_request_met(askers: int, members: int) -> bool:
    """C6: a committee meeting must be called when at least a third of members ask
    (3·askers ≥ members; "以上" includes the number)."""
    return members > 0 and 3 * askers >= members


# --- RULES V13: the owners' petition -----------------------------------------------------------


def petition_met(signed_heads: int, total_heads: int) -> bool:
    """V13: an extraordinary assembly must be called when at least 20% of the owners ask
    (5·signed ≥ total, heads counted by V7). Exactly 20% meets it."""
    return total_heads > 0 and 5 * signed_heads >= total_heads


def petition_heads_needed(total_heads: int) -> int:
    """The fewest heads that make 20% of ``total_heads`` (a ceiling, exact in integers)."""
    return -(-total_heads // 5)


# --- notice periods (V13, C6) ------------------------------------------------------------------


def notice_ok(*, announced_at: datetime, scheduled_at: datetime, days: int) -> bool:
    """The meeting is at least ``days`` full days after its announcement (V13: 15 for an owners'
    assembly, 7 for an extraordinary one in Hangzhou; C6: 7 for the committee). Exactly
    ``days`` days is enough."""
    return scheduled_at - announced_at >= timedelta(days=days)


def earliest_meeting(announced_at: datetime, days: int) -> datetime:
    return announced_at + timedelta(days=days)
