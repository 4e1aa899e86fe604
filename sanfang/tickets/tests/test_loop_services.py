"""One case through the whole loop at the service level, each step with its event row."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from sanfang.tickets import services as svc
from sanfang.tickets.models import TicketEvent, TierStint
from sanfang.tickets.rules import Rating, Status, Tier

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def kinds(t):
    return list(t.events.values_list("kind", flat=True))


@time_machine.travel(datetime(2026, 11, 23, 9, 0, tzinfo=SH), tick=False)
def test_the_whole_loop(world, cats):
    u = world.users
    t = svc.ticket_create(compound=world.compounds["k1"], category=cats["stair-light"], title="3号楼楼道灯不亮",
                          description="二单元三楼的灯坏了一周", channel="app", actor=u["resident"], raised_by=u["resident"])
    assert t.status == Status.SUBMITTED and t.tier == Tier.COMPOUND
    assert t.responsible_org == world.orgs["co1"] and t.pre_review  # K1 has an owners' committee
    assert t.accept_due == datetime(2026, 11, 23, 13, 0, tzinfo=SH)  # 4 working hours
    # 5 working days, the day raised not counted (Civil Code art. 201): Tue–Fri, then Mon 30th.
    assert t.resolve_due == datetime(2026, 12, 1, 0, 0, tzinfo=SH)
    # The company may not accept before the committee's pre-review.
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        svc.ticket_accept(ticket=t, actor=u["company"])
    t = svc.ticket_accept(ticket=t, actor=u["chair"], note="属实，请物业处理")
    assert t.status == Status.ACCEPTED and t.accepted_on_time
    t = svc.ticket_start(ticket=t, actor=u["company"], note="已联系业主")
    t = svc.ticket_resolve(ticket=t, actor=u["company"], note="已更换灯泡")
    assert t.status == Status.RESOLVED
    t = svc.ticket_feedback(ticket=t, actor=u["resident"], rating=Rating.UNSATISFIED, fixed=False, comment="还是不亮")
    assert t.status == Status.SUBMITTED and t.tier == Tier.COMMUNITY and t.reopens == 1
    t = svc.ticket_accept(ticket=t, actor=u["community"])
    m = svc.mediation_open(ticket=t, actor=u["community"], kind="owners_company", parties="业主 张三\n绿城物业")
    svc.mediation_session_add(mediation=m, actor=u["community"], held_at=datetime(2026, 11, 23, 8, 0, tzinfo=SH),
                              attendees="张三、物业经理、社区", notes="双方同意更换线路")
    svc.mediation_end(mediation=m, actor=u["community"], outcome="agreed", agreement="物业三日内更换整条线路")
    t.refresh_from_db()
    assert t.status == Status.RESOLVED
    t = svc.ticket_feedback(ticket=t, actor=u["resident"], rating=Rating.SATISFIED)
    assert t.status == Status.CLOSED
    assert kinds(t) == ["created", "pre_reviewed", "started", "resolved", "feedback", "reopened", "escalated",
                        "accepted", "mediation_opened", "mediation_session", "mediation_ended", "resolved",
                        "feedback", "closed"]
    assert list(t.stints.values_list("tier", "ended_how")) == [("compound", "unhappy"), ("community", "settled")]
    # Every step carries its actor; only the rule's own move (up after the unhappy rating) is the system's.
    assert list(TicketEvent.objects.filter(ticket=t, actor__isnull=True).values_list("kind", "data__reason")) == [
        ("escalated", "unhappy")]
    assert TierStint.objects.filter(ticket=t, ended_at__isnull=True).count() == 0
