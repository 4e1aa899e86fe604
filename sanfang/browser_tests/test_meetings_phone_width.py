"""Every meetings and motions page fits a 390 px phone (DESIGN, Interface), in Chinese and in
English, and the sign-in sheet swaps in by htmx with the live C6 quorum. Runs with the browser
tests (``-m browser``), in Debian's chromium."""

from datetime import timedelta

import pytest
from django.utils import timezone

from .pages import goto, horizontal_overflow, login

pytestmark = pytest.mark.browser


@pytest.fixture
def scene(browser_world):
    """A held committee meeting with two members signed in, a published one, a motion at the
    tripartite step and a petition."""
    from datetime import date

    from sanfang.meetings import services as svc
    from sanfang.orgs.models import Membership, Ownership
    from sanfang.testing import person

    w = browser_world
    chair = w.users["chair"]
    members = [chair.person]
    for name in ("李明", "张华", "赵敏", "孙磊"):
        p = person(name)
        Membership.objects.create(organization=w.orgs["oc"], person=p, position="member", term_start=date(2023, 1, 1))
        members.append(p)
    Ownership.objects.create(unit=w.units["102"], person=members[1], compound=w.compounds["k1"])
    when = timezone.now() + timedelta(days=8)

    def meeting(title):
        m = svc.meeting_create(kind="committee", title=title, place="小区议事厅", scheduled_at=when,
                               convener=w.orgs["oc"], compound=w.compounds["k1"], actor=chair,
                               agenda=["更换电梯维保单位，预算不超过十二万元", "停车收费标准调整方案"])
        svc.meeting_announce(meeting=m, actor=chair)
        svc.meeting_hold(meeting=m, actor=chair, now=when)
        for p in members[:2]:
            svc.attendance_sign_in(meeting=m, person=p, actor=chair, now=when)
        return m

    held, published = meeting("三季度业委会例会"), meeting("二季度业委会例会")
    for p in members[2:4]:
        svc.attendance_sign_in(meeting=published, person=p, actor=chair, now=when)
    svc.decision_record(meeting=published, agenda_item=published.agenda.first(), text="同意更换维保单位",
                        votes_for=3, votes_against=1, votes_abstain=0, actor=chair, now=when)
    svc.minutes_save(meeting=published, text="应到5人，实到4人。\n一、……", actor=chair)
    svc.minutes_publish(meeting=published, actor=chair)
    mo = svc.motion_create(compound=w.compounds["k1"], title="加装无障碍坡道", description="渐冻症业主出行不便",
                           origin="committee", matter="rebuild_or_alter", actor=chair)
    svc.motion_step_record(motion=mo, stage="party", agreed="社区党委召集楼道支部研判，同意推进", outcome="agreed",
                           people=members[:2], actor=w.users["community"])
    petition = svc.motion_create(compound=w.compounds["k1"], title="召开临时业主大会改选业委会", description="理由",
                                 origin="petition", actor=w.users["community"])
    svc.petition_sign(motion=petition, person=chair.person, unit=w.units["101"], actor=w.users["community"])
    return {"held": held, "published": published, "motion": mo, "petition": petition}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_pages_fit_a_phone(phone_page, live_server, scene, language):
    phone_page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    login(phone_page, username="chair")
    held, published, mo, petition = scene["held"], scene["published"], scene["motion"], scene["petition"]
    paths = ["/meetings/", "/meetings/new/", "/meetings/new/?compound=K1", f"/meetings/{held.pk}/",
             f"/meetings/{published.pk}/", f"/meetings/{published.pk}/minutes/", "/meetings/motions/",
             "/meetings/motions/new/", f"/meetings/motions/{mo.pk}/", f"/meetings/motions/{petition.pk}/"]
    too_wide = {}
    for path in paths:
        assert goto(phone_page, path).status == 200, path
        overflow, inner = horizontal_overflow(phone_page), phone_page.evaluate("window.innerWidth")
        if overflow > 1 or inner != 390:
            too_wide[path] = f"{overflow}px too wide (innerWidth {inner})"
    assert not too_wide, f"pages wider than a 390px phone: {too_wide}"


def test_sign_in_swaps_the_sheet_and_the_quorum(page, scene):
    from playwright.sync_api import expect

    login(page, username="chair")
    held = scene["held"]
    goto(page, f"/meetings/{held.pk}/")
    sheet = page.get_by_test_id("sign-in-sheet")
    expect(sheet.get_by_test_id("quorum-missing")).to_be_visible()  # 2 of 5 (RULES C6)
    page.locator("#signin_person").select_option(label="张华")
    page.get_by_test_id("sign-in").click()
    expect(page.get_by_test_id("quorum-met")).to_be_visible()  # 3 of 5, no page load
    assert held.attendance.count() == 3


def test_the_confirmation_pages_fit_a_phone(phone_page, scene, browser_world):
    """Announcing, a step that ends a motion and a signature are asked once more (irreversible):
    those pages fit a 390 px phone too."""
    from playwright.sync_api import expect

    from sanfang.meetings import services as svc

    w = browser_world
    draft = svc.meeting_create(kind="committee", title="四季度业委会例会", place="小区议事厅",
                               scheduled_at=timezone.now() + timedelta(days=8), convener=w.orgs["oc"],
                               compound=w.compounds["k1"], actor=w.users["chair"], agenda=["年度预算"])
    login(phone_page, username="chair")
    too_wide = {}

    def check(name):
        overflow = horizontal_overflow(phone_page)
        if overflow > 1:
            too_wide[name] = overflow

    goto(phone_page, f"/meetings/{draft.pk}/")
    phone_page.get_by_test_id("announce").click()
    expect(phone_page.get_by_test_id("confirm-announce")).to_be_visible()
    check("announce")
    goto(phone_page, f"/meetings/motions/{scene['motion'].pk}/")
    form = phone_page.get_by_test_id("step-form")
    form.locator("[name=agreed]").fill("三方未达成一致")
    form.locator("input[name=outcome][value=not_agreed]").check()
    form.get_by_test_id("record-step").click()
    expect(phone_page.get_by_test_id("confirm-step")).to_be_visible()
    check("step")
    goto(phone_page, f"/meetings/motions/{scene['petition'].pk}/")
    phone_page.get_by_test_id("sign").click()
    expect(phone_page.get_by_test_id("confirm-sign")).to_be_visible()
    check("sign")
    assert not too_wide, f"confirmation pages wider than a 390px phone: {too_wide}"
