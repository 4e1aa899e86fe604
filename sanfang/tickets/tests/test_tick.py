"""``sanfang tick``: overdue cases move up by themselves, at the top they are flagged, resolved
cases nobody rated are closed (RULES T1, T2, T4; DESIGN habit 5: idempotent, safe to run twice).
"""

import json
from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command

from sanfang.core import workdays
from sanfang.tickets import services as svc
from sanfang.tickets.models import Category, Ticket, TicketPolicy, TierStint
from sanfang.tickets.rules import Kind, Responsible, Status, Tier

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def at(*args):
    return datetime(*args, tzinfo=SH)


@pytest.fixture(autouse=True)
def _fresh_calendar():
    workdays.clear_cache()
    yield
    workdays.clear_cache()


def tick(now: datetime) -> dict:
    """Run the command as cron would, at ``now`` (the clock moved there too)."""
    out = StringIO()
    with time_machine.travel(now, tick=False):
        call_command("tick", now=now.isoformat(), stdout=out)
    return json.loads(out.getvalue())


def raise_case(world, category, compound="k1"):
    u = world.users
    return svc.ticket_create(compound=world.compounds[compound], category=category, title="电梯停了",
                             description="二单元", channel="app", actor=u["resident"], raised_by=u["resident"])


@pytest.fixture
def one_day(world):
    c = Category.with_kind_defaults(code="lift", name="电梯故障", kind=Kind.HELP,
                                    responsible=Responsible.PROPERTY_COMPANY, region=world.regions["city"],
                                    accept_within="1d")
    c.save()
    return c


def test_national_day_case_moves_up_only_after_its_working_day_deadline(world, one_day):
    """RULES T1/T4: raised Wed 09-30 10:00, 1 working day to accept → due 10-09 00:00. The seven
    holiday days do not count, so on 10-05 (and at 10-09 00:00 sharp, the end of 10-08) it is
    not overdue; one second later tick moves it to the community tier, as nobody (actor None),
    with the reason "overdue", and the community's own clock starts."""
    with time_machine.travel(at(2026, 9, 30, 10, 0), tick=False):
        t = raise_case(world, one_day)
    assert t.due_at == at(2026, 10, 9, 0, 0)

    assert tick(at(2026, 10, 5, 9, 0))["escalated"] == 0
    assert tick(at(2026, 10, 9, 0, 0))["escalated"] == 0
    t.refresh_from_db()
    assert (t.tier, t.escalations, t.events.count()) == (Tier.COMPOUND, 0, 1)

    moment = at(2026, 10, 9, 0, 0, 1)
    assert tick(moment)["escalated"] == 1
    t.refresh_from_db()
    assert (t.status, t.tier, t.escalations, t.pre_review) == (Status.SUBMITTED, Tier.COMMUNITY, 1, False)
    ev = t.events.get(kind="escalated")
    assert (ev.actor, ev.at, ev.old_status, ev.new_status, ev.tier) == (
        None, moment, Status.SUBMITTED, Status.SUBMITTED, Tier.COMMUNITY)
    assert ev.data == {"from": "compound", "to": "community", "reason": "overdue"}
    assert list(t.stints.values_list("tier", "ended_how", "ended_at")) == [
        (Tier.COMPOUND, TierStint.End.OVERDUE, moment), (Tier.COMMUNITY, "", None)]
    # The community's clock: 1 working day from Fri 10-09 is Sat 10-10 (调休) → Sun 10-11 00:00.
    assert t.due_at == t.accept_due == at(2026, 10, 11, 0, 0)

    # Run again at the same moment (a replayed cron run): nothing moves twice.
    assert tick(moment)["escalated"] == 0
    t.refresh_from_db()
    assert (t.tier, t.escalations, t.events.filter(kind="escalated").count(), t.stints.count()) == (
        Tier.COMMUNITY, 1, 1, 2)


def test_at_the_top_an_overdue_case_is_flagged_once_and_stays(world, cats):
    """RULES T4: above the district lies the court, outside the platform: an overdue case at the
    district tier is flagged once (an internal "overdue" event) and stays where it is."""
    u = world.users
    with time_machine.travel(at(2026, 11, 23, 9, 0), tick=False):
        t = raise_case(world, cats["stair-light"])
        for _ in range(3):
            t = svc.ticket_escalate(ticket=t, actor=u["district"])
    assert t.tier == Tier.DISTRICT and t.due_at == at(2026, 11, 23, 13, 0)  # 4 working hours to accept

    done = tick(at(2026, 11, 23, 13, 30))
    assert (done["escalated"], done["flagged"], done["closed"]) == (0, 1, 0)
    t.refresh_from_db()
    assert (t.status, t.tier, t.overdue_flagged, t.escalations) == (Status.SUBMITTED, Tier.DISTRICT, True, 3)
    ev = t.events.get(kind="overdue")
    assert (ev.actor, ev.public, ev.old_status, ev.new_status) == (None, False, "", "")
    assert datetime.fromisoformat(ev.data["due_at"]) == at(2026, 11, 23, 13, 0)
    assert tick(at(2026, 11, 24, 9, 0))["flagged"] == 0
    assert t.events.filter(kind="overdue").count() == 1
    assert t.stints.filter(ended_at__isnull=True).get().tier == Tier.DISTRICT


def test_a_policy_that_keeps_overdue_cases_in_place_flags_them(world, cats):
    """RULES T4 [P]: with overdue_escalates off, an overdue compound case is flagged, not moved;
    once someone accepts it, its next clock runs and it may be flagged again."""
    u = world.users
    TicketPolicy.objects.create(region=world.regions["d"], overdue_escalates=False)
    with time_machine.travel(at(2026, 11, 23, 9, 0), tick=False):
        t = raise_case(world, cats["stair-light"])
    assert tick(at(2026, 11, 23, 14, 0))["flagged"] == 1
    t.refresh_from_db()
    assert (t.tier, t.overdue_flagged) == (Tier.COMPOUND, True)
    with time_machine.travel(at(2026, 11, 23, 15, 0), tick=False):
        t = svc.ticket_accept(ticket=t, actor=u["chair"])
    assert (t.overdue_flagged, t.due_at) == (False, at(2026, 11, 25, 0, 0))  # the 1-day response clock
    assert tick(at(2026, 11, 25, 0, 1))["flagged"] == 1
    assert t.events.filter(kind="overdue").count() == 2


def test_a_resolved_case_nobody_rates_is_closed_after_the_policys_time(world, cats):
    """RULES T2 [P]: the district gives residents 2 working days to give feedback. Resolved Mon
    11-23 11:00 → Tue, Wed → due Thu 11-26 00:00; tick closes it after that, as resolved."""
    u = world.users
    TicketPolicy.objects.create(region=world.regions["d"], feedback_within="2d")
    with time_machine.travel(at(2026, 11, 23, 9, 0), tick=False) as clock:
        t = raise_case(world, cats["stair-light"])
        svc.ticket_accept(ticket=t, actor=u["chair"])
        clock.move_to(at(2026, 11, 23, 11, 0))
        t = svc.ticket_resolve(ticket=t, actor=u["company"], note="已修好")
    assert t.feedback_due == t.due_at == at(2026, 11, 26, 0, 0)

    assert tick(at(2026, 11, 26, 0, 0))["closed"] == 0
    assert Ticket.objects.get(pk=t.pk).status == Status.RESOLVED
    assert tick(at(2026, 11, 26, 0, 0, 1))["closed"] == 1
    t.refresh_from_db()
    assert (t.status, t.closed_at, t.rating) == (Status.CLOSED, at(2026, 11, 26, 0, 0, 1), "")
    ev = t.events.get(kind="closed")
    assert (ev.actor, ev.old_status, ev.new_status, ev.data) == (None, Status.RESOLVED, Status.CLOSED,
                                                                 {"unrated": True})
    assert list(t.stints.values_list("tier", "ended_how")) == [(Tier.COMPOUND, TierStint.End.SETTLED)]
    assert tick(at(2026, 11, 27, 9, 0))["closed"] == 0
    assert t.events.filter(kind="closed").count() == 1


def test_feedback_given_in_time_is_not_overtaken_by_tick(world, cats):
    u = world.users
    with time_machine.travel(at(2026, 11, 23, 9, 0), tick=False):
        t = raise_case(world, cats["stair-light"])
        svc.ticket_accept(ticket=t, actor=u["chair"])
        svc.ticket_resolve(ticket=t, actor=u["company"], note="已修好")
        svc.ticket_feedback(ticket=t, actor=u["resident"], rating="unsatisfied")
    t.refresh_from_db()
    assert t.tier == Tier.COMMUNITY
    # Long after the old feedback deadline nothing is closed: the case is open at the community.
    assert tick(at(2026, 12, 7, 9, 0))["closed"] == 0
    assert Ticket.objects.get(pk=t.pk).status != Status.CLOSED


@pytest.mark.parametrize("garbage", ["garbage", "yesterday", "2026/10/09 09:00", "1760000000"])
def test_now_must_be_a_time(world, garbage):
    with pytest.raises(CommandError):
        call_command("tick", now=garbage, stdout=StringIO())


@pytest.mark.parametrize("impossible", ["2026-02-30T09:00:00+08:00", "2026-10-09T25:00:00"])
def test_now_must_be_a_real_time(world, impossible):
    with pytest.raises(CommandError):
        call_command("tick", now=impossible, stdout=StringIO())


def test_a_naive_now_is_read_as_shanghai_time(world, one_day):
    with time_machine.travel(at(2026, 9, 30, 10, 0), tick=False):
        t = raise_case(world, one_day)
    out = StringIO()
    call_command("tick", now="2026-10-09T00:00:00", stdout=out)  # exactly due: not yet overdue
    assert json.loads(out.getvalue())["escalated"] == 0
    call_command("tick", now="2026-10-09T00:00:01", stdout=out)
    t.refresh_from_db()
    assert t.tier == Tier.COMMUNITY
    assert t.events.get(kind="escalated").at == at(2026, 10, 9, 0, 0, 1)
