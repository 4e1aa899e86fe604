"""Who sees which case, and whose work each case is (DESIGN habit 8: scope at the query, 404
outside it; RULES T3/T4: each tier and each party its own work).

Cases of the test world (raised Mon 2026-11-23):

- ``own``: the resident's stair-light case in K1 (company CO-1)
- ``neighbour``: a neighbour's stair-light case in K1
- ``k2``: a stair-light case in K2 (contract expired: the residents' committee handles it)
- ``k3``: a stair-light case in K3 (company CO-2, another subdistrict)
- ``build``: an illegal-build case in K1, routed directly to DEPT-HOUSING
- ``summoned``: a K1 case moved up to the subdistrict, which summoned DEPT-HOUSING
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from sanfang.accounts.models import Role
from sanfang.testing import user_with_seat
from sanfang.tickets import selectors
from sanfang.tickets import services as svc
from sanfang.tickets.models import RoutingOverride, Ticket
from sanfang.tickets.rules import Responsible, Status, Tier

SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=SH)
pytestmark = pytest.mark.django_db


def raise_case(world, cats, compound, category="stair-light", *, by):
    own = by.seats.filter(role=Role.RESIDENT).exists()
    return svc.ticket_create(compound=world.compounds[compound], category=cats[category], title=f"{category}@{compound}",
                             description="详情", channel="app" if own else "phone", actor=by,
                             raised_by=by if own else None, reporter_phone="" if own else "13700000009")


@pytest.fixture
def neighbour(world):
    return user_with_seat("neighbour", Role.RESIDENT, world.compounds["k1"])


@pytest.fixture
def cases(world, cats, neighbour):
    u = world.users
    with time_machine.travel(MONDAY, tick=False):
        made = {
            "own": raise_case(world, cats, "k1", by=u["resident"]),
            "neighbour": raise_case(world, cats, "k1", by=neighbour),
            "k2": raise_case(world, cats, "k2", by=u["community"]),
            "k3": raise_case(world, cats, "k3", by=u["district"]),
            "build": raise_case(world, cats, "k1", "illegal-build", by=u["grid"]),
            "summoned": raise_case(world, cats, "k1", by=u["grid"]),
        }
        s = made["summoned"]
        svc.ticket_escalate(ticket=s, actor=u["subdistrict"])
        svc.ticket_escalate(ticket=s, actor=u["subdistrict"])
        svc.summons_issue(ticket=s, departments=[world.orgs["dept"]], request="请住建局到场", actor=u["subdistrict"])
    return made


ALL = {"own", "neighbour", "k2", "k3", "build", "summoned"}
K1 = {"own", "neighbour", "build", "summoned"}
SEES = {
    "district": ALL,
    "subdistrict": K1 | {"k2"},  # S1: community C1, that is K1 and K2
    "community": K1 | {"k2"},
    "grid": K1 | {"k2"},
    "chair": K1,
    "supervisor": K1,
    "company": K1,  # CO-1 serves K1 now; K2 was CO-2's, and that contract has ended
    "department": {"build", "summoned"},  # routed to it or summoned, nothing else in its district
    "resident": {"own"},
    "neighbour": {"neighbour"},
    "outsider": set(),
}


def _user(world, neighbour, who):
    return neighbour if who == "neighbour" else world.users[who]


@pytest.mark.parametrize("who", list(SEES))
def test_visible_tickets_is_each_seats_scope(world, cases, neighbour, who):
    """DESIGN habit 8: region staff their subtree, committees their compound, a company the
    compounds it serves now, a department what it was sent or summoned to, a resident their own."""
    refs = {t.reference: name for name, t in cases.items()}
    seen = {refs[r] for r in selectors.visible_tickets(_user(world, neighbour, who)).values_list("reference", flat=True)}
    assert seen == SEES[who]


@pytest.mark.parametrize("who", list(SEES))
def test_the_api_answers_404_outside_the_scope(world, cases, neighbour, login, who):
    c = login(_user(world, neighbour, who))
    got = {name: c.get(f"/api/v1/tickets/{t.reference}").status_code for name, t in cases.items()}
    assert got == {name: 200 if name in SEES[who] else 404 for name in cases}


def test_anonymous_sees_nothing(client, cases):
    assert selectors.visible_tickets(None).count() == 0
    r = client.get(f"/api/v1/tickets/{cases['own'].reference}")
    assert r.status_code in (401, 404)


def test_a_verified_phone_sees_the_cases_entered_for_it(world, cases):
    """A resident without an account follows the cases staff entered with their phone number."""
    seen = set(selectors.visible_tickets(None, phone="13700000009").values_list("reference", flat=True))
    assert seen == {cases[n].reference for n in ("k2", "k3", "build", "summoned")}


# ---- the inbox -----------------------------------------------------------------------------

@pytest.fixture
def desk(world, cats, neighbour):
    """Open work of every seat, raised Monday morning; it is now Monday 14:15.

    K1's stair-light cases have 1 working day to be accepted (a compound override), the others
    4 hours, so the greenery and leak cases raised later are overdue while the earlier
    stair-light case is not.
    """
    u = world.users
    RoutingOverride.objects.create(compound=world.compounds["k1"], category=cats["stair-light"],
                                   responsible=Responsible.PROPERTY_COMPANY, accept_within="1d")
    with time_machine.travel(MONDAY, tick=False) as clock:
        def at(hh, mm, *args, **kw):
            clock.move_to(MONDAY.replace(hour=hh, minute=mm))
            return raise_case(world, cats, *args, **kw)

        made = {
            "light": at(9, 0, "k1", by=u["resident"]),  # due Wed 00:00
            "green": at(10, 0, "k1", "greenery", by=neighbour),  # due 14:00
            "leak": at(10, 10, "k1", "leak", by=u["resident"]),  # due 14:10 (the committee's)
            "parking": at(10, 20, "k1", "parking", by=u["resident"]),  # due 14:20 (residents' committee)
            "build": at(10, 30, "k1", "illegal-build", by=u["grid"]),  # due 14:30 (DEPT-HOUSING)
            "k2": at(10, 40, "k2", by=u["community"]),  # residents' committee in K2
            "k3": at(10, 50, "k3", by=u["district"]),  # CO-2's
            "up1": at(11, 0, "k1", by=u["resident"]),
            "up2": at(11, 10, "k1", by=u["resident"]),
            "done": at(11, 20, "k1", by=u["resident"]),
        }
        clock.move_to(MONDAY.replace(hour=12))
        svc.ticket_escalate(ticket=made["up1"], actor=u["community"])  # → community tier
        svc.ticket_escalate(ticket=made["up2"], actor=u["subdistrict"])
        svc.ticket_escalate(ticket=made["up2"], actor=u["subdistrict"])  # → subdistrict tier
        svc.ticket_accept(ticket=made["done"], actor=u["chair"])
        svc.ticket_resolve(ticket=made["done"], actor=u["company"], note="已修")  # not open: nobody's work
        clock.move_to(MONDAY.replace(hour=14, minute=15))
        yield made


INBOX = {
    # RULES T4: the committee sees every compound-tier case of K1 (it pre-reviews them all).
    "chair": ["green", "leak", "parking", "build", "light"],
    # The company: compound-tier cases sent to CO-1 only.
    "company": ["green", "light"],
    # The community: its own tier, plus the residents' committee's cases still in the compound.
    "community": ["parking", "k2", "up1"],
    "grid": ["parking", "k2", "up1"],
    "subdistrict": ["up2"],
    "department": ["build"],
    "district": [],
    "resident": [],
    "supervisor": [],
    "outsider": [],
}


@pytest.mark.parametrize("who", list(INBOX))
def test_each_seat_gets_its_own_work_soonest_deadline_first(world, desk, who):
    names = {t.pk: name for name, t in desk.items()}
    got = [names[t.pk] for t in selectors.inbox(world.users[who])]
    assert got == INBOX[who]


def test_overdue_cases_come_first_and_can_be_listed_alone(world, desk):
    """DESIGN habit 5: overdue is ``due_at < now``. At 14:15 the greenery (14:00) and leak (14:10)
    cases are overdue, though raised after the stair-light case (due Wednesday)."""
    chair = world.users["chair"]
    inbox = list(selectors.inbox(chair))
    assert [t.overdue for t in inbox] == [True, True, False, False, False]
    assert inbox[0].pk == desk["green"].pk and inbox[-1].pk == desk["light"].pk
    assert [t.pk for t in selectors.inbox(chair, overdue_only=True)] == [desk["green"].pk, desk["leak"].pk]
    assert [t.pk for t in selectors.inbox(chair, category="leak")] == [desk["leak"].pk]


def test_the_inbox_follows_a_case_up_the_ladder(world, desk):
    """RULES T4: once a case moves up it leaves the compound's inbox and enters the next tier's."""
    u = world.users
    green = desk["green"]
    svc.ticket_escalate(ticket=green, actor=u["community"])
    assert green.pk not in {t.pk for t in selectors.inbox(u["chair"])}
    assert green.pk not in {t.pk for t in selectors.inbox(u["company"])}
    community = list(selectors.inbox(u["community"]))
    assert green.pk in {t.pk for t in community}
    # Its new clock (4 hours from 14:15) puts it after the K2 case due at 14:40.
    assert [t.pk for t in community].index(green.pk) > [t.pk for t in community].index(desk["k2"].pk)
    assert Ticket.objects.get(pk=green.pk).tier == Tier.COMMUNITY


def test_the_api_inbox_lists_the_same_work(world, desk, login):
    r = login(world.users["company"]).get("/api/v1/tickets/inbox")
    assert r.status_code == 200
    body = r.json()
    items = body["items"] if isinstance(body, dict) else body
    assert [i["reference"] for i in items] == [desk["green"].reference, desk["light"].reference]
    assert [i["overdue"] for i in items] == [True, False]
    assert all(i["status"] == Status.SUBMITTED for i in items)


def test_a_department_without_a_summons_has_no_inbox_in_other_districts(world, cats):
    """A department of another district sees nothing here, even the illegal-build cases."""
    from sanfang.orgs.models import Organization
    from sanfang.testing import region

    other = region("330198", "另一区", world.regions["d"].level, world.regions["city"])
    dept = Organization.objects.create(code="DEPT-OTHER", name="另区住建局", kind=Organization.Kind.DEPARTMENT,
                                       region=other)
    officer = user_with_seat("other-dept", Role.DEPARTMENT_OFFICER, dept)
    with time_machine.travel(MONDAY + timedelta(hours=1), tick=False):
        raise_case(world, cats, "k1", "illegal-build", by=world.users["grid"])
    assert selectors.visible_tickets(officer).count() == 0
    assert selectors.inbox(officer).count() == 0
