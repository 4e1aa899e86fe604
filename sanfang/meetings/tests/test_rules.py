"""The pure rules: C6 quorum and majority, the members' request, the V13 petition and notice, and
the state tables, at their exact boundaries."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sanfang.meetings import rules
from sanfang.meetings.rules import Stage, Status

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.parametrize("members, present, quorate", [
    (5, 3, True), (5, 2, False),          # RULES C6: more than half of 5 is 3
    (6, 4, True), (6, 3, False),          # exactly half is not more than half
    (7, 4, True), (7, 3, False),
    (3, 2, True), (3, 1, False),          # C1: three members where ≤ 100 households
    (0, 0, False),
])
def test_c6_quorum_is_more_than_half_present(members, present, quorate):
    assert rules.c6_quorum(present, members) is quorate


@pytest.mark.parametrize("members, votes_for, passed", [
    (5, 3, True), (5, 2, False),  # RULES C6: 3 of 5 even when only 3 are present
    (6, 4, True), (6, 3, False),  # 3 of 6 is half, not more than half
    (11, 6, True), (11, 5, False),
    (0, 0, False),
])
def test_c6_decision_needs_more_than_half_of_all_members(members, votes_for, passed):
    assert rules.c6_passes(votes_for, members) is passed
    if members:
        assert rules.c6_votes_needed(members) == min(n for n in range(members + 1) if rules.c6_passes(n, members))


def test_c6_all_members_not_those_present():
    # RULES C6: 3 present of 5 is a quorum, and 2 for / 1 against is a majority of those present,
    # but not of all members: it fails.
    assert rules.c6_quorum(3, 5) and not rules.c6_passes(2, 5)


@pytest.mark.parametrize("members, askers, met", [
    (5, 2, True), (5, 1, False),  # RULES C6: a third of 5 is 1.67, so 2
    (6, 2, True), (6, 1, False),  # exactly a third meets "at least a third"
    (7, 3, True), (7, 2, False),
    (0, 0, False),
])
def test_c6_request_of_a_third_of_members(members, askers, met):
    assert rules.c6_request_met(askers, members) is met


@pytest.mark.parametrize("total, signed, met", [
    (10, 2, True), (10, 1, False),    # RULES V13: exactly 20% meets "20% or more"
    (5, 1, True), (6, 1, False),      # 1 of 6 is 16.7%
    (11, 3, True), (11, 2, False),
    (0, 0, False),
])
def test_v13_petition_of_a_fifth_of_owners(total, signed, met):
    assert rules.petition_met(signed, total) is met
    if total:
        assert rules.petition_heads_needed(total) == min(n for n in range(total + 1) if rules.petition_met(n, total))


@pytest.mark.parametrize("days", [15, 7, 3])
def test_notice_period_includes_its_last_minute(days):
    # RULES V13 (15 days; 7 extraordinary, Hangzhou) and C6 (7 days): exactly N days is enough.
    assert rules.notice_ok(announced_at=T0, scheduled_at=T0 + timedelta(days=days), days=days)
    assert not rules.notice_ok(announced_at=T0, scheduled_at=T0 + timedelta(days=days, minutes=-1), days=days)


def test_meeting_transitions_are_exactly_the_table():
    allowed = {(a, b) for a in Status.values for b in Status.values if rules.can_move(a, b)}
    assert allowed == {("draft", "announced"), ("draft", "cancelled"), ("announced", "held"),
                       ("announced", "cancelled"), ("held", "minutes_published")}


def test_motion_transitions_go_step_by_step():
    assert rules.can_move_motion(Stage.PARTY, Stage.TRIPARTITE)
    assert rules.can_move_motion(Stage.TRIPARTITE, Stage.RESIDENTS)
    assert rules.can_move_motion(Stage.RESIDENTS, Stage.DECIDED)
    assert not rules.can_move_motion(Stage.PARTY, Stage.DECIDED)
    assert not rules.can_move_motion(Stage.TRIPARTITE, Stage.DECIDED)
    for end in (Stage.DECIDED, Stage.REJECTED, Stage.WITHDRAWN):
        assert not any(rules.can_move_motion(end, s) for s in Stage.values)
    assert rules.next_step(Stage.PARTY) == Stage.TRIPARTITE and rules.next_step(Stage.RESIDENTS) is None
    assert rules.previous_step(Stage.PARTY) is None and rules.previous_step(Stage.RESIDENTS) == Stage.TRIPARTITE
