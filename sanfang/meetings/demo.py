"""Demo meetings and a motion in the showcase compound, walked through the real services with
their clocks moved back: a red-tea deliberation meeting held with its minutes published, the
owners' committee's meeting under C6 with its decision, a joint meeting coming up, and the
ramp motion through 党组织先议 → 三方协议 up to the residents' step, where it opens the owners'
poll (returned, for the voting demo to announce and run). Adds nothing if the compound has
motions already."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from sanfang.orgs.models import Person

from . import services as svc
from .models import Kind, Motion

RAMP_POLL = [("在主出入口加装无障碍坡道和扶手（由公共收益列支约2.4万元）", "rebuild_or_alter")]


def _meeting(*, kind, title, agenda, when, convener, actor, compound, people=(), minutes="", decisions=(),
             now=None):
    """Create, announce, hold and (with minutes) publish a meeting at ``when`` in the past."""
    notice = svc.policy_for(compound.community).notice_days(kind)
    m = svc.meeting_create(kind=kind, title=title, place="小区红茶议事厅", scheduled_at=when, convener=convener,
                           actor=actor, compound=compound, agenda=agenda, now=when - timedelta(days=notice + 2))
    svc.meeting_announce(meeting=m, actor=actor, now=when - timedelta(days=notice + 1))
    if when > (now or timezone.now()):
        return m
    for person in people:
        svc.attendance_sign_in(meeting=m, actor=actor, person=person, now=when + timedelta(minutes=5))
    svc.meeting_hold(meeting=m, actor=actor, now=when + timedelta(hours=2))
    if minutes:
        svc.minutes_save(meeting=m, text=minutes, actor=actor, now=when + timedelta(hours=3))
        for item, (text, votes) in zip(m.agenda.all(), decisions, strict=False):
            svc.decision_record(meeting=m, agenda_item=item, text=text, actor=actor, **votes)
        svc.minutes_publish(meeting=m, actor=actor, now=when + timedelta(days=1))
    m.refresh_from_db()  # the services moved a locked copy
    return m


@transaction.atomic
def seed_meetings(*, compound, chair, community_worker, now=None):
    """Returns the ramp motion's poll (a draft), or None when the demo ran before."""
    if Motion.objects.filter(compound=compound).exists():
        return None
    now = now or timezone.now()
    parties = svc.three_parties(compound)
    committee, company, residents = parties["committee"], parties["company"], parties["residents"]
    members = list(Person.objects.filter(pk__in=svc.voting_members(committee, timezone.localdate(now)))
                   .order_by("pk"))
    base = (now - timedelta(days=30)).replace(hour=19, minute=0, second=0, microsecond=0)

    # The committee's own meeting (C6): a quorum of its members, a decision by a majority of all.
    if committee is not None and members:
        present = members[: len(members) // 2 + 1]
        _meeting(kind=Kind.COMMITTEE, title="业委会例会：电梯更新与坡道", agenda=["电梯更新方案", "无障碍坡道"],
                 when=base, convener=committee, actor=chair, compound=compound, people=present, now=now,
                 minutes="到会委员过半数。议定：电梯更新方案提交业主大会表决；坡道事项请小区党支部先议。",
                 decisions=[("同意将电梯更新方案提交业主表决", {"votes_for": len(present), "votes_against": 0,
                                                               "votes_abstain": 0})])

    # A red-tea deliberation meeting with residents, convened by the residents' committee.
    deliberation = _meeting(kind=Kind.DELIBERATION, title="红茶议事会：单元入口无障碍改造",
                            agenda=["听取住户意见", "坡道位置与费用"], when=base + timedelta(days=6),
                            convener=residents, actor=community_worker, compound=compound, now=now,
                            minutes="住户12人参加。大家同意在主出入口加装坡道，费用从公共收益列支，施工不占消防通道。")

    # The ramp motion, from the committee: party first, then the three parties, then the owners.
    motion = svc.motion_create(compound=compound, title="加装无障碍坡道", origin="committee", actor=chair,
                               matter="rebuild_or_alter", now=base + timedelta(days=7),
                               description="为行动不便的住户在主出入口加装无障碍坡道和扶手，费用约2.4万元由公共收益列支。")
    svc.motion_step_record(motion=motion, stage="party", outcome="agreed", actor=community_worker,
                           agreed="小区党支部先议：同意，建议公共收益列支并公示预算。", now=base + timedelta(days=8))
    orgs = [o for o in (committee, company, residents) if o is not None]
    svc.motion_step_record(motion=motion, stage="tripartite", outcome="agreed", actor=community_worker,
                           meeting=deliberation, organizations=orgs,
                           agreed="三方协商一致：物业组织施工，业委会公示预算，居委会监督。", now=base + timedelta(days=9))
    poll = svc.motion_open_poll(motion=motion, title="加装无障碍坡道", items=RAMP_POLL, actor=chair,
                                opens_at=(now - timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0),
                                closes_at=(now + timedelta(days=12)).replace(hour=9, minute=0, second=0, microsecond=0))

    # A joint meeting coming up.
    if residents is not None:
        _meeting(kind=Kind.JOINT, title="三方联席会议：年度物业服务评议", agenda=["物业服务测评结果", "议价会议准备"],
                 when=(now + timedelta(days=5)).replace(hour=14, minute=0, second=0, microsecond=0),
                 convener=residents, actor=community_worker, compound=compound, now=now)
    return poll
