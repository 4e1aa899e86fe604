"""Every move of a case, told by the people who make it (RULES T4; DESIGN habits 2, 3, 4, 6).

K1 has an owners' committee (OC-K1, the chair) and is served by CO-1 (the company); K2's
contract has expired and it has no committee; K3 is served by CO-2. A stair-light case goes to
the company, and in K1 the committee pre-reviews it first (先议先审).
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from sanfang.accounts.models import Role
from sanfang.testing import user_with_seat
from sanfang.tickets import services as svc
from sanfang.tickets.models import (
    Attachment,
    Feedback,
    MeToo,
    Notification,
    Ticket,
    TicketEvent,
    TicketPolicy,
    TierStint,
)
from sanfang.tickets.rules import TRANSITIONS, Rating, Responsible, Status, Tier

SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=SH)
S = Status
pytestmark = pytest.mark.django_db


@pytest.fixture
def neighbour(world):
    """Another owner in K1, who has not raised the case under test."""
    return user_with_seat("neighbour", Role.RESIDENT, world.compounds["k1"])


def raise_case(world, cats, *, compound="k1", category="stair-light", by="resident", title="楼道灯不亮"):
    """A resident raises their own case; anyone else here is staff entering a phone call."""
    u = world.users
    actor = by if not isinstance(by, str) else u[by]
    own = actor.seats.filter(role=Role.RESIDENT).exists()
    return svc.ticket_create(
        compound=world.compounds[compound], category=cats[category], title=title, description="二单元三楼",
        channel="app" if own else "phone", actor=actor, raised_by=actor if own else None,
        reporter_name="" if own else "李女士", reporter_phone="" if own else "13700000009")


def events_after(t, last_id):
    return [(e.kind, e.old_status, e.new_status, e.actor_id)
            for e in TicketEvent.objects.filter(ticket=t, id__gt=last_id).order_by("id")]


def last_event_id():
    return TicketEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def snapshot(*tickets):
    """What a refused step must leave exactly as it was."""
    rows = []
    for t in tickets:
        t = Ticket.objects.get(pk=t.pk)
        rows.append((t.status, t.tier, t.updated_at, t.me_too, t.due_at, t.accepted_at, t.resolved_at, t.closed_at))
    return (rows, TicketEvent.objects.count(), list(TierStint.objects.values_list("id", "ended_at", "ended_how")),
            Feedback.objects.count(), MeToo.objects.count(), Notification.objects.count())


# ---- the whole table: every (state, target) pair -------------------------------------------

ORDER = [S.SUBMITTED, S.ACCEPTED, S.IN_PROGRESS, S.RESOLVED, S.CLOSED, S.REJECTED, S.REOPENED, S.MERGED]
# SUBMITTED is reached only by escalation (its own tests below), never by a transition.
TARGETS = [s for s in ORDER if s != S.SUBMITTED]

# The way to each state from a new K1 stair-light case, by the people who would do it.
PATH = {
    S.SUBMITTED: [],
    S.ACCEPTED: [S.ACCEPTED],
    S.IN_PROGRESS: [S.ACCEPTED, S.IN_PROGRESS],
    S.RESOLVED: [S.ACCEPTED, S.IN_PROGRESS, S.RESOLVED],
    S.CLOSED: [S.ACCEPTED, S.IN_PROGRESS, S.RESOLVED, S.CLOSED],
    S.REOPENED: [S.ACCEPTED, S.IN_PROGRESS, S.RESOLVED, S.REOPENED],
    S.REJECTED: [S.REJECTED],
    S.MERGED: [S.MERGED],
}
# Who takes each step at the compound tier of K1, and the event kind it writes.
ACTOR = {S.ACCEPTED: "chair", S.IN_PROGRESS: "company", S.RESOLVED: "company", S.CLOSED: "resident",
         S.REOPENED: "resident", S.REJECTED: "chair", S.MERGED: "chair"}
KIND = {S.ACCEPTED: "pre_reviewed", S.IN_PROGRESS: "started", S.RESOLVED: "resolved", S.CLOSED: "closed",
        S.REOPENED: "reopened", S.REJECTED: "rejected", S.MERGED: "merged"}


def step(target, t, world, other):
    """The one service that makes ``target``, called by the person whose step it is."""
    actor = world.users[ACTOR[target]]
    if target == S.ACCEPTED:
        return svc.ticket_accept(ticket=t, actor=actor, note="属实")
    if target == S.IN_PROGRESS:
        return svc.ticket_start(ticket=t, actor=actor, note="已联系业主")
    if target == S.RESOLVED:
        return svc.ticket_resolve(ticket=t, actor=actor, note="已更换灯泡")
    if target == S.CLOSED:
        return svc.ticket_feedback(ticket=t, actor=actor, rating=Rating.SATISFIED)
    if target == S.REOPENED:
        return svc.ticket_feedback(ticket=t, actor=actor, rating=Rating.UNSATISFIED, fixed=False, comment="还是不亮")
    if target == S.REJECTED:
        return svc.ticket_reject(ticket=t, actor=actor, reason="不属于物业服务范围", redirect_to="12345热线")
    return svc.ticket_merge(ticket=t, into=other, actor=actor)


@pytest.fixture
def table(world, cats):
    """A case in each state on demand, plus another open K1 case to merge into. The district's
    policy keeps an unhappy case in the compound, so RESOLVED → REOPENED is one move."""
    TicketPolicy.objects.create(region=world.regions["d"], unhappy_escalates=False)
    with time_machine.travel(MONDAY, tick=False) as clock:
        other = raise_case(world, cats, by="community", title="一楼灯也不亮")

        def bring_to(state):
            t = raise_case(world, cats)
            for s in PATH[state]:
                clock.shift(timedelta(minutes=5))
                step(s, t, world, other)
            t.refresh_from_db()
            assert t.status == state
            clock.shift(timedelta(hours=1))  # the move under test happens later: updated_at would show it
            return t

        yield bring_to, other


ALLOWED = [(a, b) for a in ORDER for b in TARGETS if b in TRANSITIONS[a]]
REFUSED = [(a, b) for a in ORDER for b in TARGETS if b not in TRANSITIONS[a]]


def test_the_table_is_what_the_loop_needs():
    """The pairs below are read from rules.TRANSITIONS; pin them so the matrix cannot shrink unseen."""
    assert len(ALLOWED) == 11 and len(REFUSED) == 45
    assert (S.RESOLVED, S.REOPENED) in ALLOWED and (S.CLOSED, S.REOPENED) in REFUSED


@pytest.mark.parametrize(("state", "target"), ALLOWED, ids=[f"{a}->{b}" for a, b in ALLOWED])
def test_allowed_move_writes_exactly_its_event(world, table, state, target):
    """RULES T4, DESIGN habits 2–3: each allowed move goes through its service and leaves one
    event with the old and new status, the actor and the kind (feedback also leaves its own
    status-less "feedback" row first)."""
    bring_to, other = table
    t = bring_to(state)
    before = last_event_id()
    now = datetime.now(tz=SH)
    step(target, t, world, other)
    t.refresh_from_db()
    assert t.status == target
    assert t.updated_at == now
    actor = world.users[ACTOR[target]].pk
    expected = [(KIND[target], state, target, actor)]
    if target in (S.CLOSED, S.REOPENED):
        expected.insert(0, ("feedback", "", "", actor))
    assert events_after(t, before) == expected
    ev = t.events.get(kind=KIND[target], new_status=target, id__gt=before)
    assert ev.at == now and ev.tier == Tier.COMPOUND
    if target == S.MERGED:
        other.refresh_from_db()
        assert t.merged_into == other and other.me_too == 1
        assert list(other.events.filter(id__gt=before).values_list("kind", "data")) == [
            ("me_too", {"merged": t.reference})]


def _refuse(world, table, state, target):
    bring_to, other = table
    t = bring_to(state)
    before = snapshot(t, other)
    with pytest.raises((ValidationError, PermissionDenied)) as refused:
        step(target, t, world, other)
    assert snapshot(t, other) == before
    return refused.value


@pytest.mark.parametrize(("state", "target"), REFUSED, ids=[f"{a}->{b}" for a, b in REFUSED])
def test_refused_move_changes_nothing(world, table, state, target):
    """RULES T4: a move the table does not allow is refused, and the case, its clock, its events,
    its tiers, the merge target and the notifications are exactly as before."""
    _refuse(world, table, state, target)


@pytest.mark.parametrize(
    ("state", "target"),
    [pytest.param(a, b, id=f"{a}->{b}") for a, b in REFUSED])
def test_refused_move_says_not_allowed(world, table, state, target):
    """DESIGN habit 2: an illegal move is a domain error (code "not_allowed"), not a permission
    refusal, when the actor is the one who takes that step at this tier."""
    exc = _refuse(world, table, state, target)
    assert isinstance(exc, ValidationError), f"{type(exc).__name__}: {exc}"
    assert exc.code == "not_allowed"


# ---- who may act ---------------------------------------------------------------------------

def _prepare(world, cats, compound, action):
    """A case in the state where ``action`` is due, brought there by its rightful handlers."""
    u = world.users
    if compound == "k1":
        t = raise_case(world, cats)
        accept, work = u["chair"], u["company"]
    elif compound == "k2":  # no committee, no current company: the residents' committee
        t = raise_case(world, cats, compound="k2", by="community")
        accept = work = u["community"]
    else:
        co2 = user_with_seat("co2-staff", Role.COMPANY_STAFF, world.orgs["co2"])
        t = raise_case(world, cats, compound="k3", by="district")
        accept = work = co2
    if action in ("start", "resolve", "feedback"):
        svc.ticket_accept(ticket=t, actor=accept)
    if action == "feedback":
        svc.ticket_resolve(ticket=t, actor=work, note="已修好")
    t.refresh_from_db()
    return t


ACTIONS = {
    "accept": lambda t, a: svc.ticket_accept(ticket=t, actor=a),
    "start": lambda t, a: svc.ticket_start(ticket=t, actor=a, note="我来"),
    "resolve": lambda t, a: svc.ticket_resolve(ticket=t, actor=a, note="修好了"),
    "reject": lambda t, a: svc.ticket_reject(ticket=t, actor=a, reason="不归我们管"),
    "escalate": lambda t, a: svc.ticket_escalate(ticket=t, actor=a, note="太复杂"),
    "feedback": lambda t, a: svc.ticket_feedback(ticket=t, actor=a, rating=Rating.SATISFIED),
}
WRONG = [
    ("outsider", "k1"),  # no seat at all
    ("neighbour", "k1"),  # a resident of the same compound, not the reporter
    ("company", "k3"),  # CO-1 staff on a compound CO-2 serves
    ("company", "k2"),  # CO-1 staff on a compound whose contract (with CO-2) has expired
    ("department", "k1"),  # DEPT-HOUSING, not summoned and not the category's department
    ("supervisor", "k1"),  # the supervisory committee watches, it does not handle
]


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize(("who", "compound"), WRONG, ids=[f"{w}@{c}" for w, c in WRONG])
def test_wrong_role_is_refused(world, cats, neighbour, who, compound, action):
    """RULES T4: only the handlers of the current tier (and staff above, for escalation) act; the
    reporter alone gives feedback. Everyone else is refused and nothing changes."""
    actor = neighbour if who == "neighbour" else world.users[who]
    with time_machine.travel(MONDAY, tick=False):
        t = _prepare(world, cats, compound, action)
        before = snapshot(t)
        with pytest.raises(PermissionDenied):
            ACTIONS[action](t, actor)
        assert snapshot(t) == before


def test_the_reporter_may_not_handle_their_own_case(world, cats):
    u = world.users
    t = raise_case(world, cats)
    for action in ("accept", "reject", "escalate"):
        with pytest.raises(PermissionDenied):
            ACTIONS[action](t, u["resident"])
    assert t.events.count() == 1


# ---- pre-review (先议先审) -------------------------------------------------------------------

def test_k1_committee_pre_reviews_before_the_company(world, cats):
    """RULES T4 (owners' committee pre-review): in K1 the company cannot accept a case until the
    committee has looked at it; the committee's acceptance is recorded as a pre-review."""
    u = world.users
    t = raise_case(world, cats)
    assert t.pre_review and t.responsible == Responsible.PROPERTY_COMPANY
    assert t.responsible_org == world.orgs["co1"]
    with pytest.raises(PermissionDenied):
        svc.ticket_accept(ticket=t, actor=u["company"])
    with pytest.raises(PermissionDenied):  # the supervisory committee is not the owners' committee
        svc.ticket_accept(ticket=t, actor=u["supervisor"])
    assert list(t.events.values_list("kind", flat=True)) == ["created"]
    t = svc.ticket_accept(ticket=t, actor=u["chair"], note="属实，请物业处理")
    ev = t.events.get(kind="pre_reviewed")
    assert (ev.old_status, ev.new_status, ev.actor, ev.note) == (S.SUBMITTED, S.ACCEPTED, u["chair"], "属实，请物业处理")
    assert not t.events.filter(kind="accepted").exists()
    t = svc.ticket_start(ticket=t, actor=u["company"])  # now the company's to handle
    assert t.status == S.IN_PROGRESS


def test_k2_without_committee_first_party_accepts_plainly(world, cats):
    """RULES T4: K2 has no committee and no current company, so its stair-light case goes to the
    residents' committee (the community worker) and is accepted without a pre-review."""
    u = world.users
    t = raise_case(world, cats, compound="k2", by="community")
    assert not t.pre_review and t.company is None
    assert (t.responsible, t.responsible_org) == (Responsible.RESIDENTS_COMMITTEE, world.orgs["rc"])
    with pytest.raises(PermissionDenied):
        svc.ticket_accept(ticket=t, actor=u["chair"])  # K1's chair has nothing to say in K2
    t = svc.ticket_accept(ticket=t, actor=u["community"])
    assert list(t.events.values_list("kind", "old_status", "new_status", "actor")) == [
        ("created", "", S.SUBMITTED, u["community"].pk), ("accepted", S.SUBMITTED, S.ACCEPTED, u["community"].pk)]


def test_k3_without_committee_its_company_accepts_plainly(world, cats):
    u = world.users
    co2 = user_with_seat("co2-staff", Role.COMPANY_STAFF, world.orgs["co2"])
    t = raise_case(world, cats, compound="k3", by="district")
    assert not t.pre_review and t.responsible_org == world.orgs["co2"]
    with pytest.raises(PermissionDenied):
        svc.ticket_accept(ticket=t, actor=u["company"])
    t = svc.ticket_accept(ticket=t, actor=co2)
    assert t.events.filter(kind="accepted", actor=co2).count() == 1


def test_k1_company_cannot_dispose_of_a_case_before_the_pre_review(world, cats):
    """RULES T4: the committee looks at each K1 case first; the company must not be able to settle
    a complaint about its own work by rejecting it before then."""
    t = raise_case(world, cats, category="greenery")
    with pytest.raises(PermissionDenied):
        svc.ticket_reject(ticket=t, actor=world.users["company"], reason="不属于我们")
    assert Ticket.objects.get(pk=t.pk).status == S.SUBMITTED


# ---- reject, merge, me too -----------------------------------------------------------------

def test_reject_needs_a_reason_and_keeps_where_to_go(world, cats):
    u = world.users
    t = raise_case(world, cats, category="parking")  # the residents' committee's case
    with pytest.raises(ValidationError) as err:
        svc.ticket_reject(ticket=t, actor=u["chair"], reason="   ", redirect_to="交警")
    assert "reason" in err.value.message_dict
    assert Ticket.objects.get(pk=t.pk).status == S.SUBMITTED and t.events.count() == 1
    t = svc.ticket_reject(ticket=t, actor=u["chair"], reason="道路停车归交警管理", redirect_to="交警大队 110")
    t.refresh_from_db()
    assert (t.status, t.reject_reason, t.redirect_to) == (S.REJECTED, "道路停车归交警管理", "交警大队 110")
    ev = t.events.get(kind="rejected")
    assert ev.data == {"redirect_to": "交警大队 110"} and ev.note == "道路停车归交警管理"
    assert list(t.stints.values_list("tier", "ended_how")) == [(Tier.COMPOUND, TierStint.End.REJECTED)]
    assert t.closed_at is not None


def test_merge_into_an_open_case_of_the_same_compound_counts_its_people(world, cats, neighbour):
    u = world.users
    target = raise_case(world, cats, by="community", title="一楼灯不亮")
    dup = raise_case(world, cats, title="楼道灯又坏了")
    svc.me_too_add(ticket=dup, actor=neighbour)  # someone had said "me too" on the duplicate
    dup = svc.ticket_merge(ticket=dup, into=target, actor=u["chair"])
    target.refresh_from_db()
    # The duplicate's reporter and its one "me too" join the target: 0 + 1 + 1.
    assert target.me_too == 2
    assert (dup.status, dup.merged_into_id) == (S.MERGED, target.pk)
    assert dup.events.get(kind="merged").data == {"into": target.reference}
    assert target.events.filter(kind="me_too", data={"merged": dup.reference}).count() == 1
    assert list(dup.stints.values_list("ended_how", flat=True)) == [TierStint.End.MERGED]


def test_merge_refused_across_compounds_into_itself_or_a_closed_case(world, cats):
    u = world.users
    t = raise_case(world, cats)
    k2 = raise_case(world, cats, compound="k2", by="community")
    rejected = raise_case(world, cats, by="community")
    svc.ticket_reject(ticket=rejected, actor=u["chair"], reason="重复")
    for into in (k2, t, rejected):
        before = snapshot(t, into)
        with pytest.raises(ValidationError) as err:
            svc.ticket_merge(ticket=t, into=into, actor=u["chair"])
        assert err.value.code == "not_allowed"
        assert snapshot(t, into) == before


def test_me_too_once_per_person(world, cats, neighbour):
    u = world.users
    t = raise_case(world, cats)
    t = svc.me_too_add(ticket=t, actor=neighbour)
    assert t.me_too == 1
    with pytest.raises(ValidationError) as err:
        svc.me_too_add(ticket=t, actor=neighbour)
    assert err.value.code == "duplicate"
    with pytest.raises(ValidationError) as err:
        svc.me_too_add(ticket=t, actor=u["resident"])  # one's own case
    assert err.value.code == "not_allowed"
    t.refresh_from_db()
    assert t.me_too == 1 and MeToo.objects.filter(ticket=t).count() == 1
    assert t.events.filter(kind="me_too").count() == 1


def test_me_too_after_a_merge_does_not_count_the_same_person_twice(world, cats, neighbour):
    u = world.users
    target = raise_case(world, cats, by="community", title="一楼灯不亮")
    dup = raise_case(world, cats, by=neighbour, title="楼道灯又坏了")
    svc.ticket_merge(ticket=dup, into=target, actor=u["chair"])
    with pytest.raises(ValidationError):
        svc.me_too_add(ticket=target, actor=neighbour)
    target.refresh_from_db()
    assert target.me_too == 1


# ---- feedback ------------------------------------------------------------------------------

def _resolved(world, cats, **kw):
    u = world.users
    t = raise_case(world, cats, **kw)
    svc.ticket_accept(ticket=t, actor=u["chair"])
    svc.ticket_resolve(ticket=t, actor=u["company"], note="已更换灯泡")
    t.refresh_from_db()
    return t


def test_satisfied_feedback_closes_the_case_in_the_compound(world, cats):
    u = world.users
    t = _resolved(world, cats)
    t = svc.ticket_feedback(ticket=t, actor=u["resident"], rating=Rating.SATISFIED, comment="谢谢")
    assert (t.status, t.rating, t.reopens) == (S.CLOSED, Rating.SATISFIED, 0)
    f = Feedback.objects.get(ticket=t)
    assert (f.round, f.rating, f.fixed, f.given_by, f.by_staff_call) == (1, "satisfied", True, u["resident"], False)
    assert list(t.stints.values_list("tier", "ended_how")) == [(Tier.COMPOUND, TierStint.End.SETTLED)]


def test_unsatisfied_feedback_reopens_and_moves_up_to_the_community(world, cats):
    """RULES T2/T4, policy default (unhappy_escalates): an unhappy resident's case is reopened and
    goes up to the community tier, whose worker must accept it; the compound stint ends "unhappy"."""
    u = world.users
    t = _resolved(world, cats)
    before = last_event_id()
    t = svc.ticket_feedback(ticket=t, actor=u["resident"], rating=Rating.UNSATISFIED, comment="还是不亮")
    t.refresh_from_db()
    assert (t.status, t.tier, t.reopens, t.escalations, t.pre_review) == (S.SUBMITTED, Tier.COMMUNITY, 1, 1, False)
    r = u["resident"].pk
    assert events_after(t, before) == [
        ("feedback", "", "", r), ("reopened", S.RESOLVED, S.REOPENED, r),
        ("escalated", S.REOPENED, S.SUBMITTED, None)]  # the policy moves it up, not the resident
    assert t.events.get(kind="escalated").data == {"from": "compound", "to": "community", "reason": "unhappy"}
    assert list(t.stints.values_list("tier", "ended_how")) == [
        (Tier.COMPOUND, TierStint.End.UNHAPPY), (Tier.COMMUNITY, "")]
    with pytest.raises(PermissionDenied):  # the compound's handlers are done with it
        svc.ticket_accept(ticket=t, actor=u["chair"])
    t = svc.ticket_accept(ticket=t, actor=u["community"])
    assert t.events.filter(kind="accepted", actor=u["community"]).count() == 1


def test_not_fixed_reopens_even_when_rated_satisfied(world, cats):
    u = world.users
    TicketPolicy.objects.create(region=world.regions["d"], unhappy_escalates=False)
    with time_machine.travel(MONDAY, tick=False):
        t = _resolved(world, cats)
        t = svc.ticket_feedback(ticket=t, actor=u["resident"], rating=Rating.SATISFIED, fixed=False)
    assert (t.status, t.tier, t.reopens) == (S.REOPENED, Tier.COMPOUND, 1)
    # RULES T2: a re-check has 3 working days (Mon 23rd → Tue, Wed, Thu → Fri 27th 00:00).
    assert t.resolve_due == t.due_at == datetime(2026, 11, 27, 0, 0, tzinfo=SH)
    assert not t.stints.filter(ended_at__isnull=False).exists()


def test_feedback_by_anyone_but_the_reporter_is_refused(world, cats, neighbour):
    u = world.users
    t = _resolved(world, cats)
    for who in (neighbour, u["chair"], u["company"], u["community"], u["outsider"]):
        before = snapshot(t)
        with pytest.raises(PermissionDenied):
            svc.ticket_feedback(ticket=t, actor=who, rating=Rating.SATISFIED)
        assert snapshot(t) == before


def test_staff_follow_up_call_is_recorded_by_the_community_not_the_company(world, cats):
    """A community worker may record a resident's answer to a follow-up call (回访); the company,
    whose work is being rated, may not, nor may a resident pretend to be staff."""
    u = world.users
    t = _resolved(world, cats)
    for who in (u["company"], u["chair"], u["resident"]):
        with pytest.raises(PermissionDenied):
            svc.ticket_feedback(ticket=t, actor=who, rating=Rating.SATISFIED, by_staff_call=True)
    assert Feedback.objects.count() == 0
    t = svc.ticket_feedback(ticket=t, actor=u["community"], rating=Rating.BASICALLY, by_staff_call=True,
                            comment="电话回访：基本满意")
    assert t.status == S.CLOSED
    f = Feedback.objects.get(ticket=t)
    assert (f.by_staff_call, f.given_by, f.rating) == (True, u["community"], Rating.BASICALLY)
    assert t.events.get(kind="feedback").data == {"rating": "basically", "fixed": True, "by_staff_call": True}


# ---- escalation ----------------------------------------------------------------------------

def test_escalation_stops_at_the_top_with_one_open_stint_throughout(world, cats):
    """RULES T4: compound → community → subdistrict → district, then nothing (the court lies
    outside); one open stint per case (constraint "one_open_stint")."""
    u = world.users
    t = raise_case(world, cats)
    with pytest.raises(PermissionDenied):
        svc.ticket_escalate(ticket=t, actor=u["resident"])
    for tier in (Tier.COMMUNITY, Tier.SUBDISTRICT, Tier.DISTRICT):
        t = svc.ticket_escalate(ticket=t, actor=u["district"], note="复杂")
        assert t.tier == tier and t.status == S.SUBMITTED
        assert TierStint.objects.filter(ticket=t, ended_at__isnull=True).count() == 1
    before = snapshot(t)
    with pytest.raises(ValidationError) as err:
        svc.ticket_escalate(ticket=t, actor=u["district"])
    assert err.value.code == "top"
    assert snapshot(t) == before
    t.refresh_from_db()
    assert t.escalations == 3
    assert list(t.stints.values_list("tier", "ended_how")) == [
        ("compound", "decision"), ("community", "decision"), ("subdistrict", "decision"), ("district", "")]
    with pytest.raises(IntegrityError), transaction.atomic():
        TierStint.objects.create(ticket=t, compound=t.compound, tier=Tier.DISTRICT, resolve_due=t.resolve_due)


# ---- all or nothing ------------------------------------------------------------------------

def test_an_invalid_upload_leaves_no_case_behind(world, cats):
    u = world.users
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 this is not a picture", content_type="image/jpeg")
    with pytest.raises(ValidationError) as err:
        svc.ticket_create(compound=world.compounds["k1"], category=cats["stair-light"], title="灯不亮",
                          description="见照片", channel="app", actor=u["resident"], raised_by=u["resident"],
                          files=[fake])
    assert err.value.code == "files"
    assert (Ticket.objects.count(), TierStint.objects.count(), TicketEvent.objects.count(),
            Attachment.objects.count(), Notification.objects.count()) == (0, 0, 0, 0, 0)


def test_a_failure_after_the_writes_rolls_them_all_back(world, cats, monkeypatch):
    """DESIGN habit 3: the case, its stint and its event are written in one transaction; if the
    last step fails, none of them stays."""
    from sanfang.tickets.services import flow

    def broken(*args, **kwargs):
        assert Ticket.objects.count() == 1 and TicketEvent.objects.count() == 1  # written by now
        raise RuntimeError("message queue down")

    monkeypatch.setattr(flow, "notify", broken)
    with pytest.raises(RuntimeError):
        raise_case(world, cats)
    assert (Ticket.objects.count(), TierStint.objects.count(), TicketEvent.objects.count()) == (0, 0, 0)


def test_an_invalid_upload_on_resolve_changes_nothing(world, cats):
    u = world.users
    t = raise_case(world, cats)
    svc.ticket_accept(ticket=t, actor=u["chair"])
    before = snapshot(t)
    with pytest.raises(ValidationError):
        svc.ticket_resolve(ticket=t, actor=u["company"], note="修好了",
                           files=[SimpleUploadedFile("done.png", b"GIF89a", content_type="image/png")])
    assert snapshot(t) == before and Attachment.objects.count() == 0


def test_two_accepts_of_the_same_case_the_second_is_refused(world, cats):
    """DESIGN habit 6: the service locks the row and rechecks the state, so a second accept from a
    page loaded before the first (a stale object) changes nothing."""
    u = world.users
    chair2 = user_with_seat("vice-chair", Role.COMMITTEE_MEMBER, world.orgs["oc"])
    with time_machine.travel(MONDAY, tick=False) as clock:
        stale = raise_case(world, cats)
        svc.ticket_accept(ticket=stale, actor=u["chair"])
        clock.shift(timedelta(minutes=1))
        assert stale.status == S.SUBMITTED  # what the second page still shows
        before = snapshot(stale)
        with pytest.raises((ValidationError, PermissionDenied)):
            svc.ticket_accept(ticket=stale, actor=chair2)
    assert snapshot(stale) == before
    t = Ticket.objects.get(pk=stale.pk)
    assert t.accepted_at == MONDAY
    assert list(t.events.filter(kind__in=["pre_reviewed", "accepted"]).values_list("actor", flat=True)) == [
        u["chair"].pk]
