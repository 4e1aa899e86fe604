"""Deadlines in working days of the mainland calendar (RULES T1), with the spans of RULES T2 and
the ladder of RULES T4 as configuration: category, compound routing, regional policy.

Calendar facts used below (Asia/Shanghai): National Day 2026 is 10-01..10-07 off, Sat 10-10 is an
adjusted workday (调休); 2026-11-23 is a Monday; 2027 is not in the ``chinesecalendar`` package.
A span of n working days ends at 00:00 after the n-th working day, the start day not counted
(Civil Code arts 201, 203).
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from sanfang.core import workdays
from sanfang.core.models import WorkdayOverride
from sanfang.tickets import services as svc
from sanfang.tickets.models import Category, RoutingOverride, TicketPolicy
from sanfang.tickets.rules import Kind, Responsible, Tier

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def at(*args):
    return datetime(*args, tzinfo=SH)


@pytest.fixture(autouse=True)
def _fresh_calendar():
    # The override rows are cached per process; a year loaded by another test must not leak in.
    workdays.clear_cache()
    yield
    workdays.clear_cache()


def raise_case(world, category, compound="k1"):
    u = world.users
    return svc.ticket_create(compound=world.compounds[compound], category=category, title="楼道灯不亮",
                             description="三楼", channel="app", actor=u["resident"], raised_by=u["resident"])


@pytest.fixture
def one_day(world):
    """A category the company must accept within one working day."""
    c = Category.with_kind_defaults(code="lift", name="电梯故障", kind=Kind.HELP,
                                    responsible=Responsible.PROPERTY_COMPANY, region=world.regions["city"],
                                    accept_within="1d")
    c.full_clean()
    c.save()
    return c


@time_machine.travel(at(2026, 9, 30, 10, 0), tick=False)
def test_one_working_day_before_national_day_runs_to_october_9th(world, one_day):
    """RULES T1: raised Wed 09-30 10:00 with 1 working day to accept. 10-01..10-07 are holidays,
    Thu 10-08 is the one working day, so the case is due at 24:00 of 10-08 = 10-09 00:00 — not
    10-02 as a calendar day would give."""
    t = raise_case(world, one_day)
    assert t.accept_due == at(2026, 10, 9, 0, 0)
    assert t.due_at == t.accept_due  # awaiting acceptance: the acceptance clock is the one running
    assert workdays.warning(date(2026, 9, 30), date(2026, 10, 9)) is None


@time_machine.travel(at(2026, 10, 9, 10, 0), tick=False)
def test_five_working_days_from_friday_count_the_adjusted_saturday(world, cats):
    """RULES T1 (调休): from Fri 10-09 the five working days are Sat 10-10, Mon 10-12 .. Thu 10-15,
    so resolution is due 10-16 00:00 (10-17 if Saturday were a day off). The 1-day response
    deadline ends with that Saturday: Sun 10-11 00:00."""
    t = raise_case(world, cats["stair-light"])
    assert t.resolve_due == at(2026, 10, 16, 0, 0)
    assert t.respond_due == at(2026, 10, 11, 0, 0)


@pytest.mark.parametrize(("raised", "due"), [
    # Fri 22:00: 2 hours left on Friday, the weekend stops the clock, 2 more from Mon 00:00.
    (at(2026, 11, 27, 22, 0), at(2026, 11, 30, 2, 0)),
    # Raised on Saturday: the clock starts at 00:00 of the next working day.
    (at(2026, 11, 28, 15, 0), at(2026, 11, 30, 4, 0)),
    # Wed 09-30 22:00: two hours that night, the holiday week stops the clock, two on Thu 10-08.
    (at(2026, 9, 30, 22, 0), at(2026, 10, 8, 2, 0)),
    # Monday morning: four hours the same day (Civil Code art. 201(2): hours count at once).
    (at(2026, 11, 23, 9, 0), at(2026, 11, 23, 13, 0)),
])
def test_working_hour_deadlines_stop_over_days_off(world, cats, raised, due):
    """RULES T1/T2: "accept within 4 hours" counts only hours of working days."""
    with time_machine.travel(raised, tick=False):
        t = raise_case(world, cats["stair-light"])
    assert t.accept_due == due


@time_machine.travel(at(2026, 12, 30, 10, 0), tick=False)
def test_a_deadline_into_an_unpublished_year_counts_monday_to_friday_until_entered(world, cats):
    """RULES T1: 2027's schedule is not published yet. Five working days from Wed 2026-12-30 are
    Thu 12-31, Fri 2027-01-01 (an ordinary Friday for want of a schedule), Mon 01-04, Tue 01-05,
    Wed 01-06: due 01-07 00:00, with a visible warning. Once an administrator enters Mon 01-04 as
    a day off, the count becomes 12-31, 01-01, 01-05, 01-06, 01-07: due 01-08 00:00, no warning."""
    first = raise_case(world, cats["stair-light"])
    assert first.resolve_due == at(2027, 1, 7, 0, 0)
    warning = workdays.warning(date(2026, 12, 30), first.resolve_due.date())
    assert warning is not None and "2027" in warning

    WorkdayOverride.objects.create(date=date(2027, 1, 4), is_workday=False, name="元旦调休")

    second = raise_case(world, cats["stair-light"])
    assert second.resolve_due == at(2027, 1, 8, 0, 0)
    assert workdays.warning(date(2026, 12, 30), second.resolve_due.date()) is None
    # A case raised now in K2 (no company: the residents' committee) runs on the same calendar.
    assert raise_case(world, cats["stair-light"], "k2").resolve_due == at(2027, 1, 8, 0, 0)


@time_machine.travel(at(2026, 11, 23, 9, 0), tick=False)
def test_a_compound_routing_override_wins_over_the_category(world, cats):
    """RULES T2 [P, configurable]: K1 gives its company 2 working days to respond and resolve a
    stair-light case; a blank accept deadline keeps the category's 4 hours. K2 keeps the
    category's 1 and 5 days."""
    RoutingOverride.objects.create(compound=world.compounds["k1"], category=cats["stair-light"],
                                   responsible=Responsible.PROPERTY_COMPANY, respond_within="2d",
                                   resolve_within="2d")
    k1 = raise_case(world, cats["stair-light"])
    k2 = raise_case(world, cats["stair-light"], "k2")
    # Mon 23rd + 2 working days (Tue, Wed) → Thu 26th 00:00.
    assert (k1.accept_due, k1.respond_due, k1.resolve_due) == (
        at(2026, 11, 23, 13, 0), at(2026, 11, 26, 0, 0), at(2026, 11, 26, 0, 0))
    # Category: 1 day → Wed 25th 00:00; 5 days (Tue..Fri, Mon 30th) → Tue 12-01 00:00.
    assert (k2.accept_due, k2.respond_due, k2.resolve_due) == (
        at(2026, 11, 23, 13, 0), at(2026, 11, 25, 0, 0), at(2026, 12, 1, 0, 0))
    assert k1.stints.get().resolve_due == at(2026, 11, 26, 0, 0)


@time_machine.travel(at(2026, 11, 23, 9, 0), tick=False)
def test_the_districts_policy_sets_the_tier_clocks_and_skips_the_subdistrict(world, cats):
    """RULES T4 [P, configurable]: the nearest region's policy wins. The city gives the community
    5 days; district 330199 gives it 2, the district 10, and leaves the subdistrict off the ladder."""
    u = world.users
    TicketPolicy.objects.create(region=world.regions["city"], community_within="5d")
    p = TicketPolicy(region=world.regions["d"], ladder="compound,community,district", community_within="2d",
                     district_within="10d")
    p.full_clean()
    p.save()
    t = raise_case(world, cats["stair-light"])

    t = svc.ticket_escalate(ticket=t, actor=u["district"], note="复杂")
    assert t.tier == Tier.COMMUNITY
    # Accept by the category (4 hours), resolve by the district's community clock: Tue, Wed → Thu 00:00.
    assert (t.accept_due, t.resolve_due, t.due_at) == (
        at(2026, 11, 23, 13, 0), at(2026, 11, 26, 0, 0), at(2026, 11, 23, 13, 0))

    t = svc.ticket_escalate(ticket=t, actor=u["district"])
    assert t.tier == Tier.DISTRICT
    # 10 working days: 11-24..11-27, 11-30..12-04, 12-07 → 12-08 00:00.
    assert t.resolve_due == at(2026, 12, 8, 0, 0)
    assert list(t.stints.values_list("tier", "resolve_due")) == [
        (Tier.COMPOUND, at(2026, 12, 1, 0, 0)), (Tier.COMMUNITY, at(2026, 11, 26, 0, 0)),
        (Tier.DISTRICT, at(2026, 12, 8, 0, 0))]
    with pytest.raises(ValidationError) as err:
        svc.ticket_escalate(ticket=t, actor=u["district"])
    assert err.value.code == "top"
    # The subdistrict officer was skipped: nothing for them to accept.
    with pytest.raises(PermissionDenied):
        svc.ticket_accept(ticket=t, actor=u["subdistrict"])


@time_machine.travel(at(2026, 11, 23, 9, 0), tick=False)
def test_without_a_nearer_policy_the_default_ladder_and_clocks_apply(world, cats):
    """RULES T2/T4 defaults: community 3 days, then the subdistrict — for K3, whose subdistrict
    S2 has its own policy keeping the default ladder, while the city's 5-day community clock
    (further away) is ignored."""
    u = world.users
    TicketPolicy.objects.create(region=world.regions["city"], ladder="compound,district", community_within="5d")
    TicketPolicy.objects.create(region=world.regions["s2"])
    t = raise_case(world, cats["stair-light"], "k3")
    t = svc.ticket_escalate(ticket=t, actor=u["district"])
    assert (t.tier, t.resolve_due) == (Tier.COMMUNITY, at(2026, 11, 27, 0, 0))  # Tue, Wed, Thu → Fri 00:00
    t = svc.ticket_escalate(ticket=t, actor=u["district"])
    assert t.tier == Tier.SUBDISTRICT
    # K1 is under the city's policy only: compound → district directly.
    k1 = svc.ticket_escalate(ticket=raise_case(world, cats["stair-light"]), actor=u["district"])
    assert k1.tier == Tier.DISTRICT


@pytest.mark.parametrize("ladder", ["community,district", "compound,district,community", "compound,compound",
                                    "compound,court"])
def test_a_policy_ladder_must_climb_from_the_compound(world, ladder):
    p = TicketPolicy(region=world.regions["d"], ladder=ladder)
    with pytest.raises(ValidationError) as err:
        p.full_clean()
    assert "ladder" in err.value.message_dict
