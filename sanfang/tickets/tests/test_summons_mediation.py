"""The subdistrict summons departments (街道吹哨、部门报到, RULES T3/T4) and disputes are mediated
(纠纷调解, RULES T4); the resident's timeline leaves out what stays with staff."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from sanfang.accounts.models import Role
from sanfang.orgs.models import Organization
from sanfang.testing import region, user_with_seat
from sanfang.tickets import selectors
from sanfang.tickets import services as svc
from sanfang.tickets.models import Mediation, MediationSession, Summons, Ticket
from sanfang.tickets.rules import Rating, Status, Tier

SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=SH)
pytestmark = pytest.mark.django_db


def at(*args):
    return datetime(*args, tzinfo=SH)


def raise_case(world, cats, category="stair-light", compound="k1"):
    u = world.users
    return svc.ticket_create(compound=world.compounds[compound], category=cats[category], title="违建影响通行",
                             description="一楼院子加盖", channel="app", actor=u["resident"],
                             raised_by=u["resident"])


def at_subdistrict(world, cats, **kw):
    """A K1 case moved up twice by the subdistrict officer (staff above may pull a case up)."""
    t = raise_case(world, cats, **kw)
    for _ in range(2):
        t = svc.ticket_escalate(ticket=t, actor=world.users["subdistrict"], note="需要部门到场")
    assert t.tier == Tier.SUBDISTRICT
    return t


@pytest.fixture
def city_dept(world):
    """A second department of the district, with its own officer."""
    dept = Organization.objects.create(code="DEPT-CITY", name="区城管局", kind=Organization.Kind.DEPARTMENT,
                                       region=world.regions["d"])
    return dept, user_with_seat("city-officer", Role.DEPARTMENT_OFFICER, dept)


# ---- summons -------------------------------------------------------------------------------

def test_the_subdistrict_summons_the_housing_department(world, cats):
    """RULES T3: at the subdistrict tier the officer summons DEPT-HOUSING; it must report in
    within 1 working day and act within 5 (policy defaults): from Mon 11-23, Wed 11-25 00:00 and
    Tue 12-01 00:00."""
    u = world.users
    with time_machine.travel(MONDAY, tick=False):
        t = at_subdistrict(world, cats, category="illegal-build")
        [s] = svc.summons_issue(ticket=t, departments=[world.orgs["dept"]], request="请到场核查违建",
                                actor=u["subdistrict"])
    assert (s.state, s.department, s.subdistrict, s.summoned_by) == (
        Summons.State.SUMMONED, world.orgs["dept"], world.regions["s1"], u["subdistrict"])
    assert (s.report_due, s.done_due) == (at(2026, 11, 25, 0, 0), at(2026, 12, 1, 0, 0))
    ev = t.events.get(kind="summoned")
    assert (ev.actor, ev.note, ev.tier) == (u["subdistrict"], "请到场核查违建", Tier.SUBDISTRICT)
    assert ev.data["department"] == "区住建局" and ev.data["summons"] == s.pk
    assert [x.pk for x in selectors.summonses_for(u["department"])] == [s.pk]
    assert Ticket.objects.get(pk=t.pk).updated_at == MONDAY


def test_the_district_officer_summons_only_at_its_own_tier(world, cats):
    u = world.users
    t = at_subdistrict(world, cats)
    with pytest.raises(PermissionDenied):  # the subdistrict's case: pull it up first
        svc.summons_issue(ticket=t, departments=[world.orgs["dept"]], request="到场", actor=u["district"])
    t = svc.ticket_escalate(ticket=t, actor=u["district"])
    [s] = svc.summons_issue(ticket=t, departments=[world.orgs["dept"]], request="到场", actor=u["district"])
    assert s.summoned_by == u["district"]


@pytest.mark.parametrize("tier_steps", [0, 1])
@pytest.mark.parametrize("who", ["subdistrict", "district", "community", "chair"])
def test_no_summons_below_the_subdistrict(world, cats, tier_steps, who):
    """RULES T4: summoning the departments is the subdistrict's tool (the four platforms); the
    compound and the community tiers cannot summon, whoever asks."""
    u = world.users
    t = raise_case(world, cats)
    for _ in range(tier_steps):
        t = svc.ticket_escalate(ticket=t, actor=u["district"])
    with pytest.raises(PermissionDenied):
        svc.summons_issue(ticket=t, departments=[world.orgs["dept"]], request="到场", actor=u[who])
    assert Summons.objects.count() == 0 and not t.events.filter(kind="summoned").exists()


def test_a_department_is_summoned_once_while_its_summons_is_open(world, cats, city_dept):
    u = world.users
    dept, _officer = city_dept
    t = at_subdistrict(world, cats)
    svc.summons_issue(ticket=t, departments=[world.orgs["dept"]], request="到场", actor=u["subdistrict"])
    with pytest.raises(ValidationError) as err:
        svc.summons_issue(ticket=t, departments=[dept, world.orgs["dept"]], request="再来", actor=u["subdistrict"])
    assert "departments" in err.value.message_dict
    # All or nothing: the city department of the same call was not summoned either.
    assert list(Summons.objects.values_list("department__code", flat=True)) == ["DEPT-HOUSING"]
    assert t.events.filter(kind="summoned").count() == 1
    # Once it has acted and reported back, it may be summoned again.
    s = Summons.objects.get()
    svc.summons_done(summons=s, actor=u["department"], note="已拆除")
    again = svc.summons_issue(ticket=t, departments=[world.orgs["dept"]], request="复查", actor=u["subdistrict"])
    assert len(again) == 1 and Summons.objects.count() == 2


def test_only_departments_above_the_compound_can_be_summoned(world, cats):
    u = world.users
    other = region("330198", "另一区", world.regions["d"].level, world.regions["city"])
    foreign = Organization.objects.create(code="DEPT-X", name="外区住建局", kind=Organization.Kind.DEPARTMENT,
                                          region=other)
    t = at_subdistrict(world, cats)
    with pytest.raises(ValidationError) as err:
        svc.summons_issue(ticket=t, departments=[foreign], request="到场", actor=u["subdistrict"])
    assert "departments" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        svc.summons_issue(ticket=t, departments=[], request="到场", actor=u["subdistrict"])
    assert "departments" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        svc.summons_issue(ticket=t, departments=[world.orgs["dept"]], request="  ", actor=u["subdistrict"])
    assert "request" in err.value.message_dict
    assert Summons.objects.count() == 0
    assert list(svc.departments_for(t)) == [world.orgs["dept"]]


def test_the_department_reports_in_on_time_and_back_late(world, cats):
    """RULES T3: both answers are events with whether they were on time; the summons counts for
    the department (reported in by Wed 00:00: yes; acted by Tue 12-01 00:00: no)."""
    u = world.users
    with time_machine.travel(MONDAY, tick=False) as clock:
        t = at_subdistrict(world, cats, category="illegal-build")
        [s] = svc.summons_issue(ticket=t, departments=[world.orgs["dept"]], request="到场", actor=u["subdistrict"])
        clock.move_to(at(2026, 11, 24, 9, 0))
        s = svc.summons_report_in(summons=s, actor=u["department"], note="已派人")
        with pytest.raises(ValidationError) as err:
            svc.summons_report_in(summons=s, actor=u["department"])
        assert err.value.code == "not_allowed"
        clock.move_to(at(2026, 12, 1, 10, 0))
        with pytest.raises(ValidationError) as err:
            svc.summons_done(summons=s, actor=u["department"], note="")
        assert "note" in err.value.message_dict
        s = svc.summons_done(summons=s, actor=u["department"], note="违建已拆除")
    assert (s.state, s.reported_at, s.done_at) == (Summons.State.DONE, at(2026, 11, 24, 9, 0), at(2026, 12, 1, 10, 0))
    assert (s.reported_on_time, s.done_on_time) == (True, False)
    assert list(t.events.filter(kind__in=["reported_in", "summons_done"]).values_list(
        "kind", "actor", "data__on_time")) == [
        ("reported_in", u["department"].pk, True), ("summons_done", u["department"].pk, False)]
    assert t.events.get(kind="summons_done").note == "违建已拆除"
    with pytest.raises(ValidationError) as err:
        svc.summons_done(summons=s, actor=u["department"], note="再报一次")
    assert err.value.code == "not_allowed"
    assert selectors.summonses_for(u["department"]).count() == 0
    # The department answered the summons; the case itself stays the subdistrict's to resolve.
    assert Ticket.objects.get(pk=t.pk).status == Status.SUBMITTED


@pytest.mark.parametrize("who", ["city", "company", "subdistrict", "outsider", "resident"])
def test_only_the_summoned_department_answers(world, cats, city_dept, who):
    u = world.users
    actor = city_dept[1] if who == "city" else u[who]
    t = at_subdistrict(world, cats)
    [s] = svc.summons_issue(ticket=t, departments=[world.orgs["dept"]], request="到场", actor=u["subdistrict"])
    for answer in (lambda: svc.summons_report_in(summons=s, actor=actor),
                   lambda: svc.summons_done(summons=s, actor=actor, note="处理完毕")):
        with pytest.raises(PermissionDenied):
            answer()
    s.refresh_from_db()
    assert (s.state, s.reported_at, s.done_at) == (Summons.State.SUMMONED, None, None)
    assert not t.events.filter(kind__in=["reported_in", "summons_done"]).exists()


def test_a_department_cannot_handle_the_case_it_was_summoned_to(world, cats):
    """It reports in and back; accepting and resolving stay with the subdistrict (RULES T3)."""
    u = world.users
    t = at_subdistrict(world, cats)
    svc.summons_issue(ticket=t, departments=[world.orgs["dept"]], request="到场", actor=u["subdistrict"])
    with pytest.raises(PermissionDenied):
        svc.ticket_accept(ticket=t, actor=u["department"])
    t = svc.ticket_accept(ticket=t, actor=u["subdistrict"])
    with pytest.raises(PermissionDenied):
        svc.ticket_resolve(ticket=t, actor=u["department"], note="已处理")


# ---- mediation -----------------------------------------------------------------------------

def _accepted_leak(world, cats):
    """A leak between neighbours in K1: the owners' committee's case, pre-reviewed by the chair."""
    t = raise_case(world, cats, category="leak")
    return svc.ticket_accept(ticket=t, actor=world.users["chair"])


def test_mediation_needs_an_accepted_case_and_two_parties(world, cats):
    u = world.users
    t = raise_case(world, cats, category="leak")
    with pytest.raises(ValidationError) as err:
        svc.mediation_open(ticket=t, actor=u["chair"], kind="neighbours", parties="201 张三\n101 王五")
    assert err.value.code == "not_allowed"
    t = svc.ticket_accept(ticket=t, actor=u["chair"])
    for parties in ("201 张三", "201 张三\n   \n", ""):
        with pytest.raises(ValidationError) as err:
            svc.mediation_open(ticket=t, actor=u["chair"], kind="neighbours", parties=parties)
        assert "parties" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        svc.mediation_open(ticket=t, actor=u["chair"], kind="fistfight", parties="甲\n乙")
    assert "kind" in err.value.message_dict
    assert Mediation.objects.count() == 0 and not t.events.filter(kind="mediation_opened").exists()

    m = svc.mediation_open(ticket=t, actor=u["chair"], kind="neighbours", parties=" 201 张三 \n\n101 王五\n")
    assert (m.party_list, m.tier, m.mediator, m.outcome) == (["201 张三", "101 王五"], Tier.COMPOUND, u["chair"], "open")
    with pytest.raises(ValidationError) as err:
        svc.mediation_open(ticket=t, actor=u["chair"], kind="neighbours", parties="甲\n乙")
    assert err.value.code == "duplicate"
    assert Mediation.objects.count() == 1


@pytest.mark.parametrize("who", ["company", "resident", "outsider", "community"])
def test_only_the_tiers_handlers_mediate(world, cats, who):
    """The leak is the owners' committee's case at the compound tier: not the company's, the
    resident's, nor (until it moves up) the community's."""
    t = _accepted_leak(world, cats)
    with pytest.raises(PermissionDenied):
        svc.mediation_open(ticket=t, actor=world.users[who], kind="neighbours", parties="甲\n乙")
    assert Mediation.objects.count() == 0


def test_a_session_is_recorded_after_it_took_place(world, cats):
    u = world.users
    with time_machine.travel(MONDAY, tick=False):
        t = _accepted_leak(world, cats)
        m = svc.mediation_open(ticket=t, actor=u["chair"], kind="neighbours", parties="201 张三\n101 王五")
        with pytest.raises(ValidationError) as err:
            svc.mediation_session_add(mediation=m, actor=u["chair"], held_at=MONDAY + timedelta(minutes=1),
                                      attendees="双方", notes="约好明天谈")
        assert "held_at" in err.value.message_dict
        with pytest.raises(PermissionDenied):
            svc.mediation_session_add(mediation=m, actor=u["company"], held_at=MONDAY, attendees="双方",
                                      notes="物业代记")
        assert MediationSession.objects.count() == 0
        session = svc.mediation_session_add(mediation=m, actor=u["chair"], held_at=MONDAY, attendees="张三、王五、主任",
                                            notes="201卫生间防水层破损", place="业委会办公室")
    assert (session.recorded_by, session.held_at, session.place) == (u["chair"], MONDAY, "业委会办公室")


def test_an_agreement_resolves_the_case_and_the_resident_closes_it(world, cats):
    u = world.users
    t = _accepted_leak(world, cats)
    m = svc.mediation_open(ticket=t, actor=u["chair"], kind="neighbours", parties="201 张三\n101 王五")
    with pytest.raises(ValidationError) as err:
        svc.mediation_end(mediation=m, actor=u["chair"], outcome="agreed", agreement="")
    assert "agreement" in err.value.message_dict
    with pytest.raises(ValidationError):
        svc.mediation_end(mediation=m, actor=u["chair"], outcome="open")
    m = svc.mediation_end(mediation=m, actor=u["chair"], outcome="agreed", agreement="201负责重做防水并赔偿吊顶")
    t.refresh_from_db()
    assert (m.outcome, m.ended_tier) == (Mediation.Outcome.AGREED, Tier.COMPOUND)
    assert (t.status, t.resolution_note) == (Status.RESOLVED, "201负责重做防水并赔偿吊顶")
    assert list(t.events.order_by("id").values_list("kind", flat=True))[-2:] == ["mediation_ended", "resolved"]
    assert t.events.get(kind="resolved").data == {"mediation": m.pk}
    with pytest.raises(ValidationError) as err:  # an ended mediation takes no more sessions
        svc.mediation_session_add(mediation=m, actor=u["chair"], held_at=t.created_at, attendees="双方", notes="补记")
    assert err.value.code == "not_allowed"
    t = svc.ticket_feedback(ticket=t, actor=u["resident"], rating=Rating.SATISFIED)
    assert t.status == Status.CLOSED


def test_a_failed_mediation_leaves_the_case_open_to_move_up(world, cats):
    u = world.users
    t = _accepted_leak(world, cats)
    m = svc.mediation_open(ticket=t, actor=u["chair"], kind="neighbours", parties="201 张三\n101 王五")
    m = svc.mediation_end(mediation=m, actor=u["chair"], outcome="failed")
    t.refresh_from_db()
    assert (m.outcome, m.agreement) == (Mediation.Outcome.FAILED, "")
    assert (t.status, t.resolved_at) == (Status.ACCEPTED, None)
    assert t.events.get(kind="mediation_ended").data["outcome"] == "failed"
    # Still open: the committee can take it to the community, where a new mediation may start.
    t = svc.ticket_escalate(ticket=t, actor=u["chair"], note="调解不成")
    t = svc.ticket_accept(ticket=t, actor=u["community"])
    m2 = svc.mediation_open(ticket=t, actor=u["community"], kind="neighbours", parties="201 张三\n101 王五")
    assert m2.tier == Tier.COMMUNITY and Mediation.objects.filter(ticket=t).count() == 2


def test_the_residents_timeline_leaves_out_session_notes_and_internal_comments(world, cats, login):
    u = world.users
    with time_machine.travel(MONDAY, tick=False) as clock:
        t = _accepted_leak(world, cats)
        m = svc.mediation_open(ticket=t, actor=u["chair"], kind="neighbours", parties="201 张三\n101 王五")
        clock.shift(timedelta(hours=1))
        svc.mediation_session_add(mediation=m, actor=u["chair"], held_at=MONDAY, attendees="双方",
                                  notes="王五情绪激动，暂不公开赔偿金额")
        svc.ticket_comment(ticket=t, actor=u["chair"], note="内部：张三有前科纠纷", public=False)
        svc.ticket_comment(ticket=t, actor=u["resident"], note="请尽快处理", public=False)  # a resident's word is public
    staff = [e.kind for e in selectors.timeline(t, staff=True)]
    resident = [e.kind for e in selectors.timeline(t, staff=False)]
    assert staff == ["created", "pre_reviewed", "mediation_opened", "mediation_session", "comment", "comment"]
    assert resident == ["created", "pre_reviewed", "mediation_opened", "comment"]
    assert selectors.timeline(t, staff=True).get(kind="mediation_session").note == "王五情绪激动，暂不公开赔偿金额"

    mine = login(u["resident"]).get(f"/api/v1/tickets/{t.reference}")
    assert mine.status_code == 200
    assert [e["kind"] for e in mine.json()["events"]] == resident
    assert "王五情绪激动" not in mine.content.decode() and "前科" not in mine.content.decode()
    theirs = login(u["chair"]).get(f"/api/v1/tickets/{t.reference}")
    assert [e["kind"] for e in theirs.json()["events"]] == staff
