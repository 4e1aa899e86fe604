"""Done when: a community worker and a subdistrict officer log in, browse to a compound, and see
only what each seat allows — in a real browser, through the real login form."""

import pytest
from playwright.sync_api import expect

from sanfang.orgs.identity import mask_phone

from .pages import chinese, compound_names, goto, html_lang, login, open_nav

pytestmark = pytest.mark.browser

K3_PROFILE = "/registry/compounds/K3/"


def chair_phone(world) -> str:
    return world.users["chair"].person.phone


def test_community_worker_sees_their_community_and_nothing_else(page, browser_world):
    login(page, username="community")
    seats = page.get_by_test_id("seats")
    expect(seats).to_contain_text("春风社区")
    expect(page.get_by_test_id("who")).to_have_text("community")

    open_nav(page, chinese("Places"))
    # One seat, one root: Places goes straight to the community.
    expect(page).to_have_url("/places/regions/330199001001/")
    expect(page.locator(".page-title")).to_contain_text("春风社区")
    assert compound_names(page) == ["和睦小区", "新苑小区"]
    expect(page.get_by_test_id("compounds")).not_to_contain_text("西溪花园")

    page.get_by_test_id("compounds").get_by_role("link", name="和睦小区").click()
    expect(page).to_have_url("/registry/compounds/K1/")
    expect(page.locator(".page-title")).to_have_text("和睦小区")
    owners = page.get_by_test_id("party-owners")
    expect(owners).to_contain_text("和睦小区业委会")
    expect(owners).to_contain_text("王建国")
    # Community workers call residents: the chair's phone in full.
    expect(page.get_by_test_id("members-OC-K1")).to_contain_text(chair_phone(browser_world))
    expect(page.get_by_test_id("party-company")).to_contain_text("绿城物业")
    expect(page.get_by_test_id("breadcrumbs")).to_contain_text("春风社区")

    response = goto(page, K3_PROFILE)
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text("西溪花园")


def test_community_worker_searches_compounds_with_htmx(page):
    login(page, username="community")
    goto(page, "/places/regions/330199001001/")
    with page.expect_response(lambda r: "q=" in r.url and r.request.headers.get("hx-request") == "true"):
        page.get_by_role("searchbox").fill("新苑")
    expect(page.get_by_test_id("compounds").locator("tbody tr")).to_have_count(1)
    assert compound_names(page) == ["新苑小区"]
    # A search can't reach past the seat.
    with page.expect_response(lambda r: "q=" in r.url):
        page.get_by_role("searchbox").fill("西溪")
    expect(page.get_by_test_id("compounds")).not_to_contain_text("西溪花园")
    expect(page.get_by_test_id("compounds").locator("tbody tr")).to_have_count(1)  # the "none here" row


def test_subdistrict_officer_sees_their_subdistrict_only(page, browser_world):
    login(page, username="subdistrict")
    expect(page.get_by_test_id("seats")).to_contain_text("东街道")

    open_nav(page, chinese("Places"))
    expect(page).to_have_url("/places/regions/330199001/")
    expect(page.locator(".page-title")).to_contain_text("东街道")
    children = page.get_by_test_id("child-regions")
    expect(children).to_contain_text("春风社区")
    expect(children).not_to_contain_text("秋月社区")
    assert sorted(compound_names(page)) == sorted(["和睦小区", "新苑小区"])

    children.get_by_role("link", name="春风社区").click()
    expect(page).to_have_url("/places/regions/330199001001/")
    page.get_by_test_id("compounds").get_by_role("link", name="和睦小区").click()
    expect(page).to_have_url("/registry/compounds/K1/")
    expect(page.get_by_test_id("party-owners")).to_contain_text("王建国")
    expect(page.get_by_test_id("party-company")).to_contain_text("绿城物业")

    assert goto(page, K3_PROFILE).status == 404
    assert goto(page, "/places/regions/330199002/").status == 404  # 西街道, the sibling


def test_resident_sees_their_compound_with_phones_masked(page, browser_world):
    login(page, username="resident")
    expect(page.get_by_test_id("seats")).to_contain_text("和睦小区")
    page.get_by_test_id("seats").get_by_role("link").click()
    expect(page).to_have_url("/registry/compounds/K1/")

    phone = chair_phone(browser_world)
    members = page.get_by_test_id("members-OC-K1")
    expect(members).to_contain_text("王建国")
    expect(members).to_contain_text(mask_phone(phone))
    assert "****" in mask_phone(phone)
    assert phone not in page.content()

    assert goto(page, "/places/regions/330199001001/").status == 404
    assert goto(page, K3_PROFILE).status == 404


def test_login_by_phone_number(page):
    login(page, username="13900000001")
    expect(page.get_by_test_id("who")).to_have_text("chair")
    expect(page.get_by_test_id("seats")).to_contain_text("和睦小区业委会")


def test_wrong_password_shows_the_error_and_keeps_the_name(page):
    login(page, username="community", password="not-the-password", expect_success=False)
    expect(page).to_have_url("/accounts/login/")
    error = page.get_by_test_id("login-error")
    expect(error).to_be_visible()
    # Chinese by default: the user reads the zh_Hans text, not the English source.
    expect(error).to_have_text("用户名、手机号或密码错误，请重试。")
    expect(error).not_to_contain_text("Wrong username")
    expect(page.locator("#id_username")).to_have_value("community")
    expect(page.get_by_test_id("seats")).to_have_count(0)


def test_language_switch_changes_html_lang(page):
    login(page, username="community")
    assert html_lang(page) == "zh-hans"
    menu = page.locator("#navbar-menu")
    expect(menu.get_by_role("link", name="区域与小区")).to_be_visible()
    page.get_by_test_id("lang-en").click()
    expect(page.get_by_test_id("lang-zh")).to_be_visible()
    assert html_lang(page) == "en"
    expect(page).to_have_url("/")  # back where we were
    expect(menu.get_by_role("link", name="Places", exact=True)).to_be_visible()
    # The choice sticks across pages.
    goto(page, "/places/regions/330199001001/")
    assert html_lang(page) == "en"
    page.get_by_test_id("lang-zh").click()
    expect(page.get_by_test_id("lang-en")).to_be_visible()
    assert html_lang(page) == "zh-hans"
    expect(page).to_have_url("/places/regions/330199001001/")


def test_assets_load_from_the_live_server(page):
    statuses = {}
    page.on("response", lambda r: statuses.__setitem__(r.url.rsplit("/", 1)[-1], r.status))
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, username="community")
    assert statuses.get("tabler.min.css") == 200
    assert statuses.get("sanfang.css") == 200
    assert statuses.get("htmx.min.js") == 200
    assert statuses.get("tabler.min.js") == 200
    # Tabler's stylesheet is applied, not just fetched: its CSS variables are defined.
    assert page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--tblr-primary')").strip()
    assert page.evaluate("typeof window.htmx") == "object"
    assert errors == []
