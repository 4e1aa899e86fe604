"""Closed-loop figures from the rollups (RULES T3: response, resolution, satisfaction; summonses
counted for the subdistrict and the department), checked against numbers worked out by hand.

Cases count on the day they were raised. Deadlines (Mon 2026-11-23 = day 1, Tue 11-24 = day 2):
accept 4 working hours; respond 1 working day (day 1 → Wed 11-25 00:00, day 2 → Thu 11-26
00:00); resolve 5 working days (day 1 → Tue 12-01 00:00, day 2 → Wed 12-02 00:00). Summonses:
report in within 1 working day, act within 5.

The cases of the period [11-23, 11-24]:

====  =====  =========  ==========================  ===============================================
case  day    compound   category (kind)             what became of it
====  =====  =========  ==========================  ===============================================
A     1      K1 (CO-1)  stair-light (help)          accepted day 1, started in time, resolved in
                                                    time, satisfied → closed at the compound
D     1      K1 (CO-1)  stair-light (help)          merged into A the same morning
B     1      K1 (CO-1)  greenery (complaint)        accepted day 2, started late, resolved late,
                                                    unhappy → community, resolved, satisfied →
                                                    closed at the community
C     1      K1 (CO-1)  parking (complaint)         rejected
E     2      K1 (CO-1)  greenery (complaint)        accepted day 2, resolved in time, unhappy →
                                                    community → subdistrict, which summons
                                                    DEPT-HOUSING (in and back in time) and DEPT-CITY
                                                    (reports in late, not back yet)
F     2      K3 (CO-2)  stair-light (help)          untouched
G     11-30  K1 (CO-1)  stair-light (help)          accepted the same day: outside the period
====  =====  =========  ==========================  ===============================================
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from sanfang.accounts.models import Role
from sanfang.orgs.models import Organization
from sanfang.testing import user_with_seat
from sanfang.tickets import figures as fig
from sanfang.tickets import rollup
from sanfang.tickets import services as svc
from sanfang.tickets.models import SummonsStat, TicketStat
from sanfang.tickets.rules import Rating

SH = ZoneInfo("Asia/Shanghai")
DAY1, DAY2 = date(2026, 11, 23), date(2026, 11, 24)
pytestmark = pytest.mark.django_db


def at(*args):
    return datetime(*args, tzinfo=SH)


def _case(world, cats, category, compound="k1", *, by=None):
    u = world.users
    by = by or u["resident"]
    own = by == u["resident"]
    return svc.ticket_create(compound=world.compounds[compound], category=cats[category], title=category,
                             description="详情", channel="app" if own else "phone", actor=by,
                             raised_by=by if own else None, reporter_phone="" if own else "13700000009")


@pytest.fixture
def story(world, cats):
    """The cases of the module docstring, each step at its hour; the rollups refreshed at the end."""
    u = world.users
    dept = world.orgs["dept"]
    city = Organization.objects.create(code="DEPT-CITY", name="区城管局", kind=Organization.Kind.DEPARTMENT,
                                       region=world.regions["d"])
    city_officer = user_with_seat("city-officer", Role.DEPARTMENT_OFFICER, city)
    c = {}
    with time_machine.travel(at(2026, 11, 23, 9, 0), tick=False) as clock:
        def when(*args):
            clock.move_to(at(*args))

        # Day 1, Mon 11-23.
        c["A"] = _case(world, cats, "stair-light")
        when(2026, 11, 23, 9, 10)
        c["D"] = _case(world, cats, "stair-light", by=u["community"])
        when(2026, 11, 23, 9, 20)
        svc.ticket_merge(ticket=c["D"], into=c["A"], actor=u["chair"])
        when(2026, 11, 23, 9, 30)
        c["B"] = _case(world, cats, "greenery")
        when(2026, 11, 23, 10, 0)
        svc.ticket_accept(ticket=c["A"], actor=u["chair"])
        when(2026, 11, 23, 10, 30)
        svc.ticket_start(ticket=c["A"], actor=u["company"])
        when(2026, 11, 23, 11, 0)
        c["C"] = _case(world, cats, "parking")
        when(2026, 11, 23, 11, 30)
        svc.ticket_reject(ticket=c["C"], actor=u["chair"], reason="道路停车归交警", redirect_to="交警大队")

        # Day 2, Tue 11-24.
        when(2026, 11, 24, 9, 0)
        svc.ticket_accept(ticket=c["B"], actor=u["chair"])
        when(2026, 11, 24, 9, 5)
        c["F"] = _case(world, cats, "stair-light", "k3", by=u["district"])
        when(2026, 11, 24, 10, 0)
        svc.ticket_resolve(ticket=c["A"], actor=u["company"], note="已换灯")
        when(2026, 11, 24, 10, 5)
        c["E"] = _case(world, cats, "greenery")
        when(2026, 11, 24, 10, 30)
        svc.ticket_accept(ticket=c["E"], actor=u["chair"])
        when(2026, 11, 24, 11, 0)
        svc.ticket_feedback(ticket=c["A"], actor=u["resident"], rating=Rating.SATISFIED)
        svc.ticket_resolve(ticket=c["E"], actor=u["company"], note="已劝阻")
        when(2026, 11, 24, 12, 0)
        svc.ticket_feedback(ticket=c["E"], actor=u["resident"], rating=Rating.UNSATISFIED)  # → community
        when(2026, 11, 24, 13, 0)
        svc.ticket_escalate(ticket=c["E"], actor=u["subdistrict"])  # → subdistrict
        when(2026, 11, 24, 14, 0)
        s_housing, s_city = svc.summons_issue(ticket=c["E"], departments=[dept, city], request="到场",
                                              actor=u["subdistrict"])  # report by Thu 00:00, act by 12-02 00:00
        when(2026, 11, 24, 15, 0)
        svc.summons_report_in(summons=s_housing, actor=u["department"])  # in time

        # Wed 11-25 and later.
        when(2026, 11, 25, 10, 0)
        svc.ticket_start(ticket=c["B"], actor=u["company"])  # late: B's response was due 11-25 00:00
        when(2026, 11, 25, 10, 30)
        svc.summons_done(summons=s_housing, actor=u["department"], note="已处理")  # in time
        when(2026, 11, 27, 10, 0)
        svc.summons_report_in(summons=s_city, actor=city_officer)  # late: due 11-26 00:00
        when(2026, 11, 30, 9, 0)
        c["G"] = _case(world, cats, "stair-light")
        when(2026, 11, 30, 9, 30)
        svc.ticket_accept(ticket=c["G"], actor=u["chair"])
        when(2026, 12, 2, 10, 0)
        svc.ticket_resolve(ticket=c["B"], actor=u["company"], note="已恢复绿地")  # late: due 12-01 00:00
        when(2026, 12, 2, 11, 0)
        svc.ticket_feedback(ticket=c["B"], actor=u["resident"], rating=Rating.UNSATISFIED)  # → community
        when(2026, 12, 2, 12, 0)
        svc.ticket_accept(ticket=c["B"], actor=u["community"])
        when(2026, 12, 2, 13, 0)
        svc.ticket_resolve(ticket=c["B"], actor=u["community"], note="社区督促补种")
        when(2026, 12, 2, 14, 0)
        svc.ticket_feedback(ticket=c["B"], actor=u["resident"], rating=Rating.SATISFIED)

        when(2026, 12, 2, 15, 0)
        rollup.refresh()
        yield {"cases": c, "clock": clock, "city": city, "city_officer": city_officer, "summons": (s_housing, s_city)}


def period(user, start=DAY1, end=DAY2, **subject):
    return fig.figures_for(user=user, start=start, end=end, **subject)


# What became of the six cases of [11-23, 11-24] (A B C D E F), counted by hand.
REGION_COUNTS = {
    "created": 6,             # A B C D E F
    "complaints": 3,          # B C E (greenery, parking)
    "counted": 5,             # 6 minus D (merged)
    "accepted_same_day": 2,   # A (day 1), E (day 2); B was accepted the day after
    "responded": 3,           # A (started), B (started), E (resolved without starting)
    "responded_on_time": 2,   # A, E; B started 11-25 10:00 after its 11-25 00:00 deadline
    "resolved": 3,            # A B E
    "resolved_on_time": 2,    # A, E; B first resolved 12-02 after 12-01 00:00
    "closed": 2,              # A (compound) B (community)
    "rejected": 1,            # C
    "rated": 3,               # A satisfied, B satisfied at last, E unsatisfied
    "satisfied": 2,           # A B
    "reopened": 2,            # B E
    "settled_compound": 1,    # A
    "settled_community": 1,   # B
    "settled_higher": 0,
}


def test_region_figures_match_the_hand_count(world, story):
    """RULES T3 for district 330199 over [11-23, 11-24]."""
    out = period(world.users["district"], region="330199")
    assert out["subject"] == {"region": {"code": "330199", "name": "示范区"}}
    assert out["counts"] == REGION_COUNTS
    assert out["cases"] == 6 and out["complaints"] == 3
    assert out["same_day_acceptance_rate"] == 0.4       # 2 / 5
    assert out["on_time_response_rate"] == 0.6667       # 2 / 3
    assert out["on_time_resolution_rate"] == 0.6667     # 2 / 3
    assert out["resolution_rate"] == 0.75               # 3 / (5 − 1 rejected)
    assert out["satisfaction_rate"] == 0.6667           # 2 / 3
    assert out["reopen_rate"] == 0.6667                 # 2 / 3
    assert out["settled"] == {"compound": 1, "community": 1, "higher": 0}
    assert out["settled_share"] == {"compound": 0.5, "community": 0.5, "higher": 0.0}  # of 2 closed
    assert out["as_of"] == at(2026, 12, 2, 15, 0)


def test_compound_figures_leave_out_other_compounds(world, story):
    """K1 alone: the same minus F (K3)."""
    out = period(world.users["district"], compound="K1")
    assert out["counts"] == {**REGION_COUNTS, "created": 5, "counted": 4}
    assert out["same_day_acceptance_rate"] == 0.5       # 2 / 4
    assert out["resolution_rate"] == 1.0                # 3 / (4 − 1)
    assert out["satisfaction_rate"] == 0.6667           # 2 / 3
    k3 = period(world.users["district"], compound="K3")
    assert (k3["cases"], k3["same_day_acceptance_rate"], k3["satisfaction_rate"]) == (1, 0.0, None)  # F: 0 / 1


def test_company_figures_and_complaints_per_thousand_households(world, story):
    """CO-1 served K1 (3 households) for every case of K1: 3 complaints → 3 × 1000 / 3 = 1000.
    CO-2 serves K3 (3 households): F, no complaint → 0."""
    co1 = period(world.users["district"], company="CO-1")
    assert co1["counts"] == {**REGION_COUNTS, "created": 5, "counted": 4}
    assert (co1["households"], co1["complaints_per_1000_households"]) == (3, 1000.0)
    co2 = period(world.users["district"], company="CO-2")
    assert (co2["cases"], co2["complaints"], co2["households"], co2["complaints_per_1000_households"]) == (
        1, 0, 3, 0.0)
    # The company's own staff see their figures, not a competitor's.
    assert period(world.users["company"], company="CO-1")["complaints_per_1000_households"] == 1000.0
    with pytest.raises(ValueError):
        period(world.users["company"], company="CO-2")


def test_category_figures(world, story):
    """Greenery: B and E."""
    out = period(world.users["district"], category="greenery")
    assert out["counts"] == {
        "created": 2, "complaints": 2, "counted": 2, "accepted_same_day": 1, "responded": 2,
        "responded_on_time": 1, "resolved": 2, "resolved_on_time": 1, "closed": 1, "rejected": 0, "rated": 2,
        "satisfied": 1, "reopened": 2, "settled_compound": 0, "settled_community": 1, "settled_higher": 0}
    assert out["same_day_acceptance_rate"] == 0.5       # E / (B E)
    assert out["on_time_response_rate"] == 0.5          # E / (B E)
    assert out["satisfaction_rate"] == 0.5              # B / (B E)
    assert out["reopen_rate"] == 1.0                    # both came back
    assert out["settled_share"]["community"] == 1.0     # B is the one closed


def test_the_period_leaves_out_days_outside_it(world, story):
    district = world.users["district"]
    day1 = period(district, DAY1, DAY1, region="330199")  # A B C D
    assert (day1["cases"], day1["counts"]["counted"], day1["counts"]["accepted_same_day"]) == (4, 3, 1)
    assert day1["same_day_acceptance_rate"] == 0.3333   # A / (A B C)
    assert day1["resolution_rate"] == 1.0               # (A B) / (3 − C)
    week = period(district, DAY1, date(2026, 11, 30), region="330199")  # G joins
    assert (week["cases"], week["counts"]["accepted_same_day"]) == (7, 3)
    assert week["same_day_acceptance_rate"] == 0.5      # (A E G) / 6
    assert period(district, date(2026, 11, 25), date(2026, 11, 29), region="330199")["cases"] == 0
    with pytest.raises(ValueError):
        period(district, DAY2, DAY1)


def test_by_company_and_by_category(world, story):
    district = world.users["district"]
    assert fig.by_company(user=district, start=DAY1, end=DAY2) == [
        {"code": "CO-1", "name": "绿城物业", "cases": 5, "complaints": 3, "households": 3,
         "satisfaction_rate": 0.6667, "complaints_per_1000_households": 1000.0},
        {"code": "CO-2", "name": "西子物业", "cases": 1, "complaints": 0, "households": 3,
         "satisfaction_rate": None, "complaints_per_1000_households": 0.0},
    ]
    rows = fig.by_category(user=district, start=DAY1, end=DAY2)
    assert [(r["code"], r["cases"]) for r in rows] == [("stair-light", 3), ("greenery", 2), ("parking", 1)]
    light, _green, parking = rows
    assert light["same_day_acceptance_rate"] == 0.5     # A / (A F); D merged
    assert light["resolution_rate"] == 0.5              # A / (A F)
    assert (parking["counts"]["rejected"], parking["resolution_rate"]) == (1, None)  # 0 / (1 − 1): no rate
    # The community worker of C1 sees K1's companies only.
    community = fig.by_company(user=world.users["community"], start=DAY1, end=DAY2)
    assert [r["code"] for r in community] == ["CO-1"]


def test_summons_figures_for_the_subdistrict_and_each_department(world, story):
    """RULES T3: two summonses on 11-24 from S1. DEPT-HOUSING reported in and back in time;
    DEPT-CITY reported in late and has not reported back."""
    district = world.users["district"]
    s1 = period(district, region="330199001")["summons"]
    assert s1 == {"summoned": 2, "reported_on_time": 1, "done": 1, "done_on_time": 1,
                  "reported_on_time_rate": 0.5, "done_on_time_rate": 0.5}
    housing = period(district, department="DEPT-HOUSING")["summons"]
    assert housing == {"summoned": 1, "reported_on_time": 1, "done": 1, "done_on_time": 1,
                       "reported_on_time_rate": 1.0, "done_on_time_rate": 1.0}
    city = period(district, department="DEPT-CITY")["summons"]
    assert city == {"summoned": 1, "reported_on_time": 0, "done": 0, "done_on_time": 0,
                    "reported_on_time_rate": 0.0, "done_on_time_rate": 0.0}
    assert period(district, region="330199002")["summons"]["summoned"] == 0  # S2 summoned nobody
    assert list(SummonsStat.objects.values_list("day", "subdistrict__code", "department__code", "reported")) in (
        [(DAY2, "330199001", "DEPT-HOUSING", 1), (DAY2, "330199001", "DEPT-CITY", 1)],
        [(DAY2, "330199001", "DEPT-CITY", 1), (DAY2, "330199001", "DEPT-HOUSING", 1)])


def _rows():
    ticket = sorted((r.day, r.compound_id, r.category_id, r.company_id, *(getattr(r, k) for k in rollup.COUNTS))
                    for r in TicketStat.objects.all())
    summons = sorted((r.day, r.subdistrict_id, r.department_id, r.summoned, r.reported, r.reported_on_time, r.done,
                      r.done_on_time) for r in SummonsStat.objects.all())
    return ticket, summons


def test_refreshing_again_changes_nothing(world, story):
    """DESIGN habit 11: the rollup is recomputed, never added to: a second run, or a full one,
    gives the same rows."""
    before = _rows()
    assert before[0] and before[1]
    rollup.refresh()
    assert _rows() == before
    rollup.refresh(full=True)
    assert _rows() == before


def test_a_change_after_the_refresh_shows_after_the_next_one(world, story):
    """Pages read the rollups only: E's closing at the subdistrict and DEPT-CITY's late report
    back appear once the rollups are refreshed, not before."""
    u = world.users
    E = story["cases"]["E"]
    _housing, s_city = story["summons"]
    clock = story["clock"]
    clock.move_to(at(2026, 12, 3, 9, 0))
    svc.ticket_accept(ticket=E, actor=u["subdistrict"])
    svc.ticket_resolve(ticket=E, actor=u["subdistrict"], note="部门已处理")
    svc.ticket_feedback(ticket=E, actor=u["resident"], rating=Rating.SATISFIED)
    svc.summons_done(summons=s_city, actor=story["city_officer"], note="已处理")  # late: due 12-02 00:00

    stale = period(u["district"], region="330199")
    assert stale["counts"] == REGION_COUNTS
    assert stale["summons"]["done"] == 1

    clock.move_to(at(2026, 12, 3, 10, 0))
    rollup.refresh()
    fresh = period(u["district"], region="330199")
    assert fresh["counts"] == {**REGION_COUNTS, "closed": 3, "satisfied": 3, "settled_higher": 1}
    assert fresh["satisfaction_rate"] == 1.0                                  # 3 / 3
    assert fresh["settled_share"] == {"compound": 0.3333, "community": 0.3333, "higher": 0.3333}
    assert fresh["on_time_resolution_rate"] == 0.6667  # E's first resolution counts, and it was in time
    assert (fresh["summons"]["done"], fresh["summons"]["done_on_time"]) == (2, 1)


def test_the_figures_api(world, story, login):
    district = login(world.users["district"])
    r = district.get("/api/v1/tickets/figures", {"start": "2026-11-23", "end": "2026-11-24", "region": "330199"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["counts"] == REGION_COUNTS
    assert (body["cases"], body["same_day_acceptance_rate"], body["resolution_rate"]) == (6, 0.4, 0.75)
    assert body["summons"]["summoned"] == 2
    assert body["start"] == "2026-11-23" and body["end"] == "2026-11-24"

    community = login(world.users["community"])
    mine = community.get("/api/v1/tickets/figures", {"start": "2026-11-23", "end": "2026-11-24",
                                                      "region": "330199001001"})
    assert mine.status_code == 200 and mine.json()["cases"] == 5  # C1 is K1 and K2: F (K3) is not theirs
    # Outside one's scope, or backwards, is refused with a reason.
    assert community.get("/api/v1/tickets/figures", {"start": "2026-11-23", "end": "2026-11-24",
                                                     "region": "330199"}).status_code == 422
    assert district.get("/api/v1/tickets/figures", {"start": "2026-11-24", "end": "2026-11-23"}).status_code == 422
    # Someone without a staff seat gets no figures at all.
    assert login(world.users["outsider"]).get("/api/v1/tickets/figures", {
        "start": "2026-11-23", "end": "2026-11-24"}).status_code == 403


def test_a_case_accepted_then_merged_is_left_out_of_same_day_acceptance(world, cats):
    u = world.users
    with time_machine.travel(at(2026, 11, 23, 9, 0), tick=False) as clock:
        kept = _case(world, cats, "stair-light")
        clock.move_to(at(2026, 11, 23, 9, 10))
        dup = _case(world, cats, "stair-light", by=u["community"])
        clock.move_to(at(2026, 11, 23, 9, 20))
        svc.ticket_accept(ticket=kept, actor=u["chair"])
        svc.ticket_accept(ticket=dup, actor=u["chair"])
        clock.move_to(at(2026, 11, 23, 9, 30))
        svc.ticket_merge(ticket=dup, into=kept, actor=u["chair"])
        rollup.refresh()
        out = period(u["district"], DAY1, DAY1, compound="K1")
    # One case counts (the merged one is left out) and it was accepted the same day: 1 / 1.
    assert out["counts"]["counted"] == 1
    assert out["same_day_acceptance_rate"] == 1.0
    assert out["counts"]["accepted_same_day"] == 1
