"""One motion through the three-step deliberation to the owners' decision, in a real browser.

A resident's case asks for a ramp. The community worker raises it as a motion from the case
page; the party organisation discusses it first, the three parties agree, and the residents'
step opens an owners' poll (Civil Code art. 278, a major matter: RULES V3). The poll is
announced 15 days ahead (V13) and opens by itself (``sanfang tick``); one owner votes online
and, with a written authorisation registered by the committee, for a neighbour; the developer's
ballot comes in on paper with its scan. The poll closes, the result is published with its
hash-chained log, and the motion reads "decided: passed".

K1 has four heads (RULES V7): 101 (the chair, who does not vote), 102 (李四 and 王五 together),
201 (the developer) and 202 (赵六, by proxy) — 3 of 4 take part and all say yes.
"""

import io
import json
import re
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.utils import translation
from playwright.sync_api import Page, expect

from sanfang.meetings.models import Motion, MotionStep
from sanfang.voting import ballotlog
from sanfang.voting.models import Ballot, Poll

from .pages import goto, login, logout

pytestmark = pytest.mark.browser

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=SH)
OPENS = T0 + timedelta(days=16)
CLOSES = OPENS + timedelta(days=10)
RAMP = "在1号楼单元入口加装无障碍坡道和扶手"


def t(text: str) -> str:
    """A source string as the Chinese page shows it (the English source while untranslated)."""
    with translation.override("zh-hans"):
        return translation.gettext(text)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TICKET_SENDER = "sanfang.tickets.notify.MemorySender"


@pytest.fixture
def compound(browser_world):
    """K1's owners as the docstring says, an owner's login, and the case that starts it all."""
    from sanfang.accounts.models import Role
    from sanfang.orgs.models import Ownership
    from sanfang.places.models import Unit
    from sanfang.testing import person, user_with_seat
    from sanfang.tickets import services as tsvc
    from sanfang.tickets.testing import configure

    w = browser_world
    k1 = w.compounds["k1"]
    a, b, c, dev = person("李四"), person("王五"), person("赵六"), person("开发商代表")
    u202 = Unit.objects.create(compound=k1, building=w.units["101"].building, entrance="1", number="202",
                               exclusive_area=Decimal("88.50"), area_source="registered")
    Ownership.objects.create(unit=w.units["102"], person=a, compound=k1)
    Ownership.objects.create(unit=w.units["102"], person=b, compound=k1)
    Ownership.objects.create(unit=w.units["201"], person=dev, compound=k1, developer_held=True)
    Ownership.objects.create(unit=u202, person=c, compound=k1)
    owner = user_with_seat("owner-a", Role.RESIDENT, k1)
    owner.person = a
    owner.save()
    cats = configure(w)
    with time_machine.travel(T0 - timedelta(days=3), tick=False):
        case = tsvc.ticket_create(compound=k1, category=cats["enquiry"], title="需要无障碍坡道",
                                  description="2单元有渐冻症患者坐轮椅出入，单元门口台阶过不去，希望加装坡道。",
                                  channel="app", actor=owner, raised_by=owner)
    return {"k1": k1, "case": case, "c": c, "dev": dev}


def as_user(page: Page, username: str) -> None:
    if page.locator("form[action$='/accounts/logout/'] button").count():
        logout(page)
    login(page, username=username)


def record_step(page: Page, stage: str, agreed: str, organisations: list[str]) -> None:
    form = page.get_by_test_id("step-form")
    form.locator("select[name=stage]").select_option(stage)
    for name in organisations:
        form.get_by_label(name).check()
    form.locator("[name=agreed]").fill(agreed)
    form.locator("input[name=outcome][value=agreed]").check()
    form.get_by_test_id("record-step").click()
    expect(page.get_by_test_id(f"rung-{stage}").get_by_test_id("step-record")).to_have_count(1)


def organiser_action(page: Page, poll: Poll, action: str) -> None:
    goto(page, f"/polls/{poll.pk}/")
    page.get_by_test_id(f"action-{action}").click()
    page.get_by_test_id("confirm-action").get_by_test_id("confirm").click()
    expect(page.locator(".alert-danger")).to_have_count(0)


def vote_yes(page: Page, entry) -> str:
    """Pick a voter on the ballot page, answer yes to every item, confirm, read the receipt."""
    entry.click()
    form = page.get_by_test_id("ballot-form")
    for radio in form.locator("input[type=radio][value=yes]").all():
        radio.check()
    form.get_by_test_id("next").click()
    page.get_by_test_id("cast").click()
    receipt = page.locator("#receipt")
    expect(receipt).to_be_visible()
    return receipt.inner_text().strip()


def test_a_motion_from_a_case_through_three_steps_to_a_published_poll(page: Page, compound, tmp_path):
    case = compound["case"]
    rc, oc, co = "春风社区居委会", "和睦小区业委会", "绿城物业"

    with time_machine.travel(T0, tick=True):
        # The community worker raises the case as a motion.
        login(page, username="community")
        goto(page, f"/tickets/{case.reference}/")
        page.get_by_test_id("raise-motion").click()
        expect(page.get_by_test_id("from-ticket")).to_contain_text(case.reference)
        form = page.get_by_test_id("motion-form")
        form.locator("select[name=compound]").select_option("K1")
        form.locator("[name=title]").fill("加装无障碍坡道")
        form.locator("[name=description]").fill("为行动不便的住户在1号楼单元入口加装坡道，费用由公共收益列支。")
        form.locator("select[name=matter]").select_option("rebuild_or_alter")
        form.get_by_test_id("save-motion").click()
        expect(page).to_have_url(re.compile(r"/meetings/motions/\d+/$"))
        motion = Motion.objects.get(ticket=case)
        assert motion.stage == "party"

        # 党组织先议 → 三方协议: each step recorded with who took part; the gate opens in order.
        record_step(page, "party", "小区党支部讨论同意，建议由公共收益列支，提交三方协商。", [])
        record_step(page, "tripartite", "业委会、物业、居委会一致同意提交业主表决；物业负责施工组织。", [rc, oc, co])
        motion.refresh_from_db()
        assert motion.stage == "residents"
        assert list(motion.steps.values_list("stage", "outcome")) == [("party", "agreed"), ("tripartite", "agreed")]
        parties = set(MotionStep.objects.get(motion=motion, stage="tripartite").organizations.values_list("name",
                                                                                                          flat=True))
        assert parties == {rc, oc, co}

        # 居民决议: the residents' step is an owners' poll, announced at least 15 days ahead.
        form = page.get_by_test_id("poll-form")
        form.locator("[name=title]").fill("加装无障碍坡道表决")
        form.locator("[name=item_1]").fill(RAMP)
        form.locator("select[name=matter_1]").select_option("rebuild_or_alter")
        form.locator("[name=opens_at]").fill(OPENS.strftime("%Y-%m-%dT%H:%M"))
        form.locator("[name=closes_at]").fill(CLOSES.strftime("%Y-%m-%dT%H:%M"))
        form.get_by_test_id("open-poll").click()
        expect(page).to_have_url(re.compile(r"/polls/\d+/$"))
        poll = Poll.objects.get(pk=int(page.url.rstrip("/").rsplit("/", 1)[1]))
        assert Motion.objects.get(pk=motion.pk).poll_id == poll.pk
        organiser_action(page, poll, "announce")
        poll.refresh_from_db()
        assert poll.status == "announced"

        # The committee registers 赵六's written authorisation for 李四, for this poll.
        as_user(page, "chair")
        goto(page, "/polls/proxies/?compound=K1")
        pdf = tmp_path / "authorisation.pdf"
        pdf.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
        form = page.get_by_test_id("proxy-form")
        form.locator("[name=grantor_unit]").fill("1-1-202")
        form.locator("[name=grantor_name]").fill("赵六")
        form.locator("[name=holder_unit]").fill("1-1-102")
        form.locator("[name=holder_name]").fill("李四")
        form.locator("input[name=scope][value=poll]").check()
        form.locator("select[name=poll]").select_option(str(poll.pk))
        form.locator("input[type=file]").set_input_files(str(pdf))
        form.get_by_test_id("register-proxy").click()
        expect(page.get_by_test_id("proxies")).to_contain_text("赵六")

    # The clock opens the poll (and freezes the roll) when its window begins.
    out = io.StringIO()
    call_command("tick", now=(OPENS + timedelta(minutes=1)).isoformat(), stdout=out)
    assert json.loads(out.getvalue())["polls_opened"] == 1
    poll.refresh_from_db()
    assert poll.status == "open" and poll.roll.count() == 4

    with time_machine.travel(OPENS + timedelta(hours=2), tick=True):
        # 李四 votes for 102, then for 赵六's 202 by proxy.
        as_user(page, "owner-a")
        goto(page, f"/polls/{poll.pk}/")
        page.get_by_test_id("go-vote").click()
        voters = page.get_by_test_id("voters")
        own = vote_yes(page, voters.locator("a[data-head]:not([data-for])"))
        goto(page, f"/polls/{poll.pk}/vote/")
        by_proxy = vote_yes(page, page.get_by_test_id("voters").locator("a[data-for]"))
        assert own != by_proxy
        assert Ballot.objects.filter(poll=poll).count() == 2

        # The developer's ballot comes in on paper, with its scan.
        as_user(page, "community")
        goto(page, f"/polls/{poll.pk}/paper/")
        scan = tmp_path / "scan.pdf"
        scan.write_bytes(b"%PDF-1.4\n% scanned paper ballot\n%%EOF\n")
        form = page.get_by_test_id("paper-ballot-form")
        form.locator("[name=paper-head]").fill("1-1-201")
        form.locator("input[type=radio][value=yes]").first.check()
        form.locator("input[type=file]").set_input_files(str(scan))
        asked = []
        page.once("dialog", lambda d: (asked.append(d.message), d.accept()))  # final: confirmed first
        form.get_by_test_id("enter-ballot").click()
        expect(page.get_by_test_id("recent-paper")).to_contain_text("1-1-201")
        assert len(asked) == 1 and asked[0]

        # Live progress: 3 of 4 heads in, both bases.
        goto(page, f"/polls/{poll.pk}/progress/")
        expect(page.locator("body")).to_contain_text("265.50")

    channels = sorted(Ballot.objects.filter(poll=poll).values_list("channel", flat=True))
    assert channels == ["online", "paper", "proxy"]

    # The window ends; the organiser closes and publishes.
    call_command("tick", now=(CLOSES + timedelta(minutes=1)).isoformat(), stdout=io.StringIO())
    poll.refresh_from_db()
    assert poll.status == "closed"
    with time_machine.travel(CLOSES + timedelta(hours=1), tick=True):
        organiser_action(page, poll, "publish")
        poll.refresh_from_db()
        assert poll.status == "published"
        goto(page, f"/polls/{poll.pk}/result/")
        expect(page.get_by_test_id("passed")).to_have_count(1)
        expect(page.get_by_test_id("yes-heads")).to_have_text("3")
        log = page.request.get(f"/polls/{poll.pk}/log.json?item=1")
        assert log.ok
        ok, problems, recount = ballotlog.verify_log(log.json())
        assert ok, problems

        # The motion that opened the poll is settled by its result.
        goto(page, f"/meetings/motions/{motion.pk}/")
        expect(page.get_by_test_id("decided")).to_contain_text(t("Decided: passed."))
    motion.refresh_from_db()
    assert motion.stage == "decided" and motion.passed
