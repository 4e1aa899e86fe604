"""Demo owners' decisions in the showcase compound, walked through the real services with their
``now`` moved back in time: one poll decided and published (online, proxy and paper ballots),
one open with a third of the owners in (so the live progress shows what is still missing), one
announced. Deterministic; adds nothing if the compound has polls already."""

import io
import random
from datetime import timedelta

import segno
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from . import services as svc
from .models import Poll, RollHead

ELEVATORS = [("使用专项维修资金更换1至3号楼6部电梯（预算约70万元，按面积分摊）", "use_maintenance_fund"),
             ("授权业委会公开招标选定电梯供应商并公示中标结果", "other_major")]
RAMP = [("在主出入口加装无障碍坡道和扶手（由公共收益列支约2.4万元）", "rebuild_or_alter")]
FEE = [("物业服务费由每月每平方米1.20元调整为1.45元", "other_major"),
       ("新增电动自行车集中充电区并按次收费", "change_use")]


def _scan(text: str) -> ContentFile:
    """A stand-in for the scanned paper ballot: a PNG that at least says what it stands for."""
    out = io.BytesIO()
    segno.make(text, micro=False).save(out, kind="png", scale=4)
    return ContentFile(out.getvalue(), name="ballot-scan.png")


def _authorisation() -> ContentFile:
    return ContentFile(b"%PDF-1.4\n% demo: written authorisation (signed copy kept by the owners' committee)\n",
                       name="authorisation.pdf")


def _choices(poll: Poll, rng: random.Random, yes_share: float) -> dict:
    out = {}
    for item in poll.items.all():
        r = rng.random()
        out[str(item.order)] = "yes" if r < yes_share else "no" if r < yes_share + (1 - yes_share) / 2 else "abstain"
    return out


def _paper(poll: Poll, heads: list[RollHead], *, organiser, rng, yes_share: float, start, span: timedelta) -> int:
    n = 0
    for i, head in enumerate(heads):
        at = start + span * (i + 1) / (len(heads) + 1)
        svc.paper_ballot_enter(poll=poll, head_key=head.key, choices=_choices(poll, rng, yes_share),
                               scan=_scan(f"{poll.pk}:{head.key}"), actor=organiser, now=at)
        n += 1
    return n


@transaction.atomic
def seed_polls(*, compound, organiser, resident, ramp: Poll | None = None, now=None) -> int:
    """Three polls in ``compound``; ``organiser`` is the owners' committee chair, ``resident`` an
    owner with a login (they vote online and as a neighbour's proxy in the decided poll). The
    open one is ``ramp`` when a motion has created it (a draft, see meetings.demo)."""
    if Poll.objects.filter(compound=compound).exclude(pk=getattr(ramp, "pk", None)).exists():
        return 0
    now = now or timezone.now()
    rng = random.Random(278)

    # 1. Decided: announced 60 days ago, voted from day -40 to day -20, published.
    opens = (now - timedelta(days=40)).replace(hour=9, minute=0, second=0, microsecond=0)
    decided = svc.poll_create(compound=compound, title="更换老旧电梯", items=ELEVATORS, opens_at=opens,
                              closes_at=opens + timedelta(days=20), actor=organiser)
    svc.poll_announce(poll=decided, actor=organiser, now=opens - timedelta(days=20))
    svc.poll_open(poll=decided, actor=organiser, now=opens)
    roll = list(decided.roll.order_by("key"))
    mine = RollHead.objects.filter(poll=decided, people__id=resident.person_id).first()
    neighbour = next((h for h in roll if h != mine and not h.developer), None)
    if mine is not None:
        svc.ballot_cast(poll=decided, actor=resident, choices={"1": "yes", "2": "yes"}, now=opens + timedelta(hours=2))
    if mine is not None and neighbour is not None:
        grantor = neighbour.people.order_by("pk").first()
        svc.proxy_grant(compound=compound, grantor=grantor, holder=resident.person, poll=decided,
                        document=_authorisation(), actor=organiser)
        svc.ballot_cast(poll=decided, actor=resident, choices={"1": "yes", "2": "abstain"}, for_person_id=grantor.pk,
                        now=opens + timedelta(hours=3))
    rest = [h for h in roll if h not in (mine, neighbour)]
    rng.shuffle(rest)
    _paper(decided, rest[: int(len(rest) * 0.78)], organiser=organiser, rng=rng, yes_share=0.86,
           start=opens + timedelta(days=1), span=timedelta(days=17))
    svc.poll_close(poll=decided, now=decided.closes_at)
    svc.poll_publish(poll=decided, actor=organiser)

    # 2. Open: voting since three days ago, a third of the owners in; the resident has not voted.
    opens = (now - timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)
    if ramp is None:
        ramp = svc.poll_create(compound=compound, title="加装无障碍坡道", items=RAMP, opens_at=opens,
                               closes_at=opens + timedelta(days=15), actor=organiser)
    opens = ramp.opens_at
    svc.poll_announce(poll=ramp, actor=organiser, now=opens - timedelta(days=16))
    svc.poll_open(poll=ramp, actor=organiser, now=opens)
    rest = [h for h in ramp.roll.order_by("key") if not h.people.filter(pk=resident.person_id).exists()]
    rng.shuffle(rest)
    _paper(ramp, rest[: len(rest) // 3], organiser=organiser, rng=rng, yes_share=0.9, start=opens,
           span=min(now - opens, timedelta(days=3)))

    # 3. Announced: the yearly fee negotiation's proposal, voting in three weeks.
    opens = (now + timedelta(days=21)).replace(hour=9, minute=0, second=0, microsecond=0)
    fee = svc.poll_create(compound=compound, title="调整物业服务费标准", items=FEE, opens_at=opens,
                          closes_at=opens + timedelta(days=14), actor=organiser)
    svc.poll_announce(poll=fee, actor=organiser, now=now)
    return 3
