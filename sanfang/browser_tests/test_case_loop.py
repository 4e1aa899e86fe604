"""The closed loop in a real browser: a resident raises a case with a photo, the owners'
committee pre-reviews it, the company resolves it, the unhappy resident sends it up to the
community, which mediates to an agreement, and the resident closes it. Then the clock: a case
raised the day before National Day goes overdue only on the first working day after it, and
``sanfang tick`` moves it up by itself.

Everything a user does goes through the pages (forms, buttons, links); the database is read
only to check what the pages cannot show (event times, the reason of an escalation).
"""

import io
import re
import struct
import zlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone, translation
from playwright.sync_api import Page, expect

from sanfang.tickets.models import Category, Ticket, TicketEvent
from sanfang.tickets.rules import Status, Tier

from .pages import goto, horizontal_overflow, login, logout

pytestmark = pytest.mark.browser

SHANGHAI = ZoneInfo("Asia/Shanghai")
REFERENCE = re.compile(r"^\s*([2-9A-HJ-NP-Z]{10})\b")
SESSION_NOTES = "内部记录：物业承认灯具老化，同意周五前整条楼道换新"
AGREEMENT = "物业于本周五前更换3单元全部楼道灯，业主不再追究"


@pytest.fixture(autouse=True)
def _media_and_sender(settings, tmp_path):
    # The live server runs in this process: uploads go to a temporary MEDIA_ROOT, and
    # notifications into memory rather than the log.
    from sanfang.tickets import notify

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TICKET_SENDER = "sanfang.tickets.notify.MemorySender"
    notify.sender.cache_clear()
    notify.MemorySender.outbox = []
    yield
    notify.sender.cache_clear()


@pytest.fixture
def cats(browser_world):
    from sanfang.tickets.testing import configure

    return configure(browser_world)


@pytest.fixture
def photo(tmp_path):
    """A real (tiny) PNG, so the case page shows a picture, not a broken image."""
    width = height = 16

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xf5\xc5\x18" * width for _ in range(height))  # a lamp-yellow square
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    path = tmp_path / "stair-light.png"
    path.write_bytes(png)
    return path


# ---- helpers --------------------------------------------------------------------------------

def shot(page: Page, name: str) -> None:
    page.screenshot(path=f"/tmp/loop-{name}.png", full_page=True)


def as_user(page: Page, username: str) -> None:
    """Whoever is logged in logs out, and ``username`` logs in through the real form."""
    if page.locator("form[action$='/accounts/logout/'] button").count():
        logout(page)
    login(page, username=username)


def raise_case(page: Page, category: Category, title: str, description: str, photo=None) -> str:
    """The resident's form at /tickets/new/; returns the reference the case page shows."""
    assert goto(page, "/tickets/new/").status == 200
    form = page.get_by_test_id("case-form")
    form.locator("select[name=category]").select_option(str(category.pk))
    form.locator("[name=title]").fill(title)
    form.locator("[name=description]").fill(description)
    if photo is not None:
        form.locator("input[type=file][name=photos]").set_input_files(str(photo))
    form.get_by_test_id("submit-case").click()
    expect(page).to_have_url(re.compile(r"/tickets/[2-9A-HJ-NP-Z]{10}/$"))
    expect(page.get_by_test_id("status")).to_be_visible()
    meta = page.get_by_test_id("case-meta").inner_text()
    m = REFERENCE.match(meta)
    assert m, f"no reference at the start of the case meta line: {meta!r}"
    assert page.url.endswith(f"/tickets/{m.group(1)}/")
    return m.group(1)


def open_from_inbox(page: Page, reference: str) -> None:
    assert goto(page, "/tickets/inbox/").status == 200
    row = page.get_by_test_id("case-row").filter(has_text=reference)
    expect(row).to_have_count(1)
    row.locator(f"a[href$='/tickets/{reference}/']").click()
    expect(page).to_have_url(f"/tickets/{reference}/")


def zh(label) -> str:
    """A choice's label as the Chinese page shows it (the English source while untranslated)."""
    with translation.override("zh-hans"):
        return str(label)


def expect_status(page: Page, status: Status) -> None:
    """The status badge reads the label of a state."""
    expect(page.get_by_test_id("status")).to_have_text(zh(status.label))


def expect_tier(page: Page, tier: Tier) -> None:
    """The ladder marks exactly one step active: the case's tier, in its place on the ladder."""
    steps = page.get_by_test_id("ladder").locator("li")
    active = page.get_by_test_id("ladder").locator("li.active")
    expect(active).to_have_count(1)
    expect(active).to_have_text(zh(tier.label))
    names = [s.strip() for s in steps.all_inner_texts()]
    assert names.index(active.inner_text().strip()) == [t.value for t in Tier].index(tier.value), names


def timeline_kinds(page: Page) -> list[str]:
    return page.get_by_test_id("timeline").locator("li[data-kind]").evaluate_all(
        "items => items.map(i => i.dataset.kind)")


def expect_done(page: Page) -> None:
    """An action went through: the page says so and shows no error."""
    expect(page.locator(".alert-danger")).to_have_count(0)
    expect(page.locator(".alert-success").first).to_be_visible()


def choose(form, name: str, value: str) -> None:
    form.locator(f"input[name={name}][value={value}]").check()


def feedback(page: Page, rating: str, fixed: str, comment: str = "") -> None:
    form = page.get_by_test_id("feedback-form")
    expect(form).to_be_visible()
    choose(form, "rating", rating)
    choose(form, "fixed", fixed)
    if comment:
        form.locator("[name=comment]").fill(comment)
    form.get_by_test_id("send-feedback").click()
    expect_done(page)


def expand(page: Page, testid: str):
    """A form folded in a <details>: open it by its summary (as a user would) and return it."""
    form = page.get_by_test_id(testid)
    details = page.locator(f"details:has([data-testid={testid}])")
    if details.count() and not details.evaluate("d => d.open"):
        details.locator("> summary").click()
    expect(form).to_be_visible()
    return form


# ---- the whole loop -------------------------------------------------------------------------

def test_the_whole_loop_through_the_pages(page, cats, photo):
    page.on("dialog", lambda d: d.accept())
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    # 1. The resident raises a case with a photo.
    login(page, username="resident")
    reference = raise_case(page, cats["stair-light"], "3单元楼道灯不亮",
                           "3单元2楼到5楼的楼道灯都不亮，晚上上下楼很危险。", photo)
    expect_done(page)
    expect_status(page, Status.SUBMITTED)
    expect(page.get_by_test_id("case-meta")).to_contain_text("楼道灯不亮")
    expect(page.get_by_test_id("case-meta")).to_contain_text("和睦小区")
    expect(page.get_by_test_id("description")).to_contain_text("晚上上下楼很危险")
    img = page.locator("img[src^='/tickets/files/']")
    expect(img).to_have_count(1)
    assert img.evaluate("i => i.complete && i.naturalWidth") == 16, "the photo does not display"
    expect_tier(page, Tier.COMPOUND)
    assert timeline_kinds(page) == ["created"]
    # A resident acts on nothing but their own feedback and comments.
    expect(page.get_by_test_id("actions")).to_have_count(0)
    expect(page.get_by_test_id("deadlines")).to_have_count(0)
    shot(page, "01-resident-raised")
    t = Ticket.objects.get(reference=reference)
    assert (t.status, t.tier, t.pre_review, t.attachments.count()) == ("submitted", "compound", True, 1)

    # 2. The owners' committee pre-reviews it from its inbox.
    as_user(page, "chair")
    open_from_inbox(page, reference)
    shot(page, "02-chair-case")
    accept = page.get_by_test_id("accept-form")
    accept.locator("[name=note]").fill("已核实，3单元楼道灯确实不亮，请物业处理")
    accept.get_by_test_id("accept").click()
    expect_done(page)
    expect_status(page, Status.ACCEPTED)
    assert timeline_kinds(page) == ["created", "pre_reviewed"]
    expect(page.get_by_test_id("accept")).to_have_count(0)

    # 3. The company starts work and resolves it.
    as_user(page, "company")
    open_from_inbox(page, reference)
    page.get_by_test_id("start").click()
    expect_done(page)
    expect_status(page, Status.IN_PROGRESS)
    expect(page.get_by_test_id("start")).to_have_count(0)
    resolve = expand(page, "resolve-form")
    resolve.locator("[name=note]").fill("已更换3单元2至5楼楼道灯泡")
    shot(page, "03-company-resolving")
    resolve.get_by_test_id("resolve").click()
    expect_done(page)
    expect_status(page, Status.RESOLVED)
    expect(page.get_by_test_id("resolution")).to_contain_text("已更换3单元2至5楼楼道灯泡")

    # 4. The resident is not satisfied: not fixed. The case reopens and moves up to the community.
    as_user(page, "resident")
    goto(page, f"/tickets/{reference}/")
    expect(page.get_by_test_id("resolution")).to_contain_text("已更换3单元2至5楼楼道灯泡")
    shot(page, "04-resident-feedback-form")
    feedback(page, "unsatisfied", "no", "只换了两盏，四楼五楼还是黑的")
    expect_tier(page, Tier.COMMUNITY)
    expect_status(page, Status.SUBMITTED)
    expect(page.get_by_test_id("feedback-form")).to_have_count(0)
    timeline = page.get_by_test_id("timeline")
    expect(timeline.locator("li[data-kind=reopened]")).to_have_count(1)
    expect(timeline.locator("li[data-kind=escalated]")).to_have_count(1)
    kinds = timeline_kinds(page)
    assert kinds.index("feedback") < kinds.index("reopened") < kinds.index("escalated"), kinds
    shot(page, "05-resident-escalated")

    # 5. The community accepts it, mediates, records a session and ends with an agreement.
    as_user(page, "community")
    open_from_inbox(page, reference)
    expect_tier(page, Tier.COMMUNITY)
    page.get_by_test_id("accept-form").get_by_test_id("accept").click()
    expect_done(page)
    expect_status(page, Status.ACCEPTED)

    mediation = expand(page, "mediation-form")
    mediation.locator("select[name=kind]").select_option("owners_company")
    mediation.locator("[name=parties]").fill("3单元业主 李女士\n绿城物业 张经理")
    mediation.get_by_test_id("open-mediation").click()
    expect_done(page)
    card = page.get_by_test_id("mediation")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("李女士")
    expect(card).to_contain_text("张经理")
    expect(page.get_by_test_id("mediation-form")).to_have_count(0)  # one mediation at a time

    held = timezone.localtime(timezone.now(), SHANGHAI) - timedelta(hours=2)
    session = expand(page, "session-form")
    session.locator("input[name=held_at]").fill(held.strftime("%Y-%m-%dT%H:%M"))
    session.locator("[name=place]").fill("春风社区居委会调解室")
    session.locator("[name=attendees]").fill("李女士、张经理、社区调解员")
    session.locator("[name=notes]").fill(SESSION_NOTES)
    session.locator("button").click()
    expect_done(page)
    expect(page.get_by_test_id("mediation")).to_contain_text(SESSION_NOTES)
    expect(page.get_by_test_id("mediation")).to_contain_text(held.strftime("%Y-%m-%d %H:%M"))

    end = expand(page, "end-mediation-form")
    choose(end, "outcome", "agreed")
    end.locator("[name=agreement]").fill(AGREEMENT)
    shot(page, "06-community-mediation")
    end.locator("button").click()
    expect_done(page)
    expect_status(page, Status.RESOLVED)
    expect(page.get_by_test_id("resolution")).to_contain_text(AGREEMENT)
    expect(page.get_by_test_id("mediation")).to_contain_text(AGREEMENT)
    shot(page, "07-community-agreed")

    # 6. The resident is satisfied: closed. The session's notes stay with staff.
    as_user(page, "resident")
    goto(page, f"/tickets/{reference}/")
    expect(page.get_by_test_id("resolution")).to_contain_text(AGREEMENT)
    feedback(page, "satisfied", "yes")
    expect_status(page, Status.CLOSED)
    expect(page.get_by_test_id("feedback-form")).to_have_count(0)
    timeline = page.get_by_test_id("timeline")
    expect(timeline.locator("li[data-kind=mediation_opened]")).to_have_count(1)
    expect(timeline.locator("li[data-kind=mediation_session]")).to_have_count(0)
    expect(timeline.locator("li[data-kind=mediation_ended]")).to_contain_text(AGREEMENT)
    expect(timeline.locator("li[data-kind=closed]")).to_have_count(1)
    expect(page.locator("body")).not_to_contain_text(SESSION_NOTES)
    assert SESSION_NOTES not in page.content()
    shot(page, "08-resident-closed")

    as_user(page, "community")
    goto(page, f"/tickets/{reference}/")
    expect_status(page, Status.CLOSED)
    own = page.get_by_test_id("timeline").locator("li[data-kind=mediation_session]")
    expect(own).to_have_count(1)
    expect(own).to_contain_text(SESSION_NOTES)
    shot(page, "09-community-closed")

    t.refresh_from_db()
    assert (t.status, t.tier, t.rating, t.reopens, t.escalations) == ("closed", "community", "satisfied", 1, 1)
    assert list(t.events.order_by("at", "id").values_list("kind", flat=True)) == [
        "created", "pre_reviewed", "started", "resolved", "feedback", "reopened", "escalated", "accepted",
        "mediation_opened", "mediation_session", "mediation_ended", "resolved", "feedback", "closed"]
    assert errors == [], errors


def test_the_resident_raises_and_rates_at_phone_width(phone_page, browser_world, cats, photo):
    """The resident's pages, as most residents meet them: on a phone, without sideways scrolling."""
    from sanfang.tickets import services as svc

    page = phone_page
    page.on("dialog", lambda d: d.accept())
    too_wide: dict[str, int] = {}

    def measure(step: str) -> None:
        shot(page, f"p-{step}")
        if (overflow := horizontal_overflow(page)) > 1:
            too_wide[f"{step} ({page.url.split('/', 3)[-1]})"] = overflow

    login(page, username="resident")
    goto(page, "/tickets/new/")
    measure("1-new")
    reference = raise_case(page, cats["stair-light"], "楼道灯不亮", "1单元三楼楼道灯不亮", photo)
    measure("2-raised")

    # The staff's part is not what this test is about: the services do it.
    users = browser_world.users
    t = Ticket.objects.get(reference=reference)
    svc.ticket_accept(ticket=t, actor=users["chair"])
    svc.ticket_start(ticket=t, actor=users["company"])
    svc.ticket_resolve(ticket=t, actor=users["company"], note="已更换灯泡")

    goto(page, "/tickets/")
    row = page.get_by_test_id("case-row").filter(has_text=reference)
    expect(row).to_have_count(1)
    measure("3-mine")
    row.locator("a").first.click()
    expect(page.get_by_test_id("feedback-form")).to_be_visible()
    measure("4-feedback")
    feedback(page, "satisfied", "yes")
    expect_status(page, Status.CLOSED)
    measure("5-closed")
    assert not too_wide, (
        f"pages wider than a 390px phone (px too wide): {too_wide}. The case page's tier ladder "
        "(tickets/detail.html line 6, ul.steps) picks up tabler.min.css's second `.steps` rule "
        "(margin-left 1rem, padding-left 2rem, border-left) on top of width: 100%.")


# ---- the clock over National Day ------------------------------------------------------------

def test_a_case_goes_overdue_after_national_day_and_moves_up_by_itself(page, cats):
    page.on("dialog", lambda d: d.accept())
    Category.objects.filter(code="stair-light").update(accept_within="1d")
    raised_at = datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI)

    # The live server answers in a thread of this process: travelling moves its clock too.
    with time_machine.travel(raised_at, tick=True):
        login(page, username="resident")
        reference = raise_case(page, Category.objects.get(code="stair-light"), "楼道灯不亮",
                               "节前报修：2单元楼道灯全不亮", None)
        expect(page.get_by_test_id("case-meta")).to_contain_text("2026-09-30 10:0")
    t = Ticket.objects.get(reference=reference)
    assert raised_at <= t.created_at < raised_at + timedelta(minutes=5), (
        f"the live server did not travel with the test: created at {t.created_at}")
    # One working day, not counting the day it was raised: 10-01..10-07 are off, 10-08 is the
    # working day, and the period ends at its 24:00.
    assert t.accept_due == t.due_at == datetime(2026, 10, 9, 0, 0, tzinfo=SHANGHAI)

    # Before the deadline tick moves nothing, even though it is long past in real time.
    out = io.StringIO()
    call_command("tick", now="2026-10-08T23:59:00+08:00", stdout=out)
    assert '"escalated": 0' in out.getvalue(), out.getvalue()
    t.refresh_from_db()
    assert (t.tier, t.status) == ("compound", "submitted")

    logout(page)
    login(page, username="community")
    goto(page, "/tickets/inbox/")
    expect(page.get_by_test_id("case-row").filter(has_text=reference)).to_have_count(0)
    goto(page, f"/tickets/{reference}/")
    expect_tier(page, Tier.COMPOUND)
    expect(page.get_by_test_id("timeline").locator("li[data-kind=escalated]")).to_have_count(0)
    shot(page, "10-holiday-before-deadline")

    # A minute past the deadline, tick moves it up to the community.
    tick_now = datetime(2026, 10, 9, 0, 1, tzinfo=SHANGHAI)
    out = io.StringIO()
    call_command("tick", now="2026-10-09T00:01:00+08:00", stdout=out)
    assert '"escalated": 1' in out.getvalue(), out.getvalue()

    open_from_inbox(page, reference)
    expect_tier(page, Tier.COMMUNITY)
    expect_status(page, Status.SUBMITTED)
    escalated = page.get_by_test_id("timeline").locator("li[data-kind=escalated]")
    expect(escalated).to_have_count(1)
    expect(escalated).to_contain_text("10-09 00:01")
    shot(page, "11-holiday-escalated")

    event = TicketEvent.objects.get(ticket__reference=reference, kind="escalated")
    assert event.at == tick_now
    assert event.actor is None
    assert event.data["reason"] == "overdue"
    assert (event.data["from"], event.data["to"]) == ("compound", "community")

    # Ticking again moves nothing twice.
    out = io.StringIO()
    call_command("tick", now="2026-10-09T00:02:00+08:00", stdout=out)
    assert '"escalated": 0' in out.getvalue(), out.getvalue()
    assert TicketEvent.objects.filter(ticket__reference=reference, kind="escalated").count() == 1
