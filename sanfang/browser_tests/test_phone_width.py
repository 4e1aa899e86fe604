"""Every page works at phone width (DESIGN, Interface): no sideways scrolling, a working menu."""

import pytest
from playwright.sync_api import expect

from .pages import chinese, goto, horizontal_overflow, html_lang, login, open_nav

pytestmark = pytest.mark.browser


PAGES = [
    "/",
    "/places/regions/330199001001/",
    "/registry/compounds/K1/",
    "/places/compounds/K1/buildings/1/",
]


@pytest.mark.parametrize("language", ["zh-hans", "en"])  # English labels run longer
def test_community_worker_pages_fit_a_phone(phone_page, live_server, language):
    phone_page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    login(phone_page, username="community")
    assert html_lang(phone_page) == language
    too_wide = {}
    for path in PAGES:
        assert goto(phone_page, path).status == 200, path
        # A mobile browser zooms out to fit a too-wide page: innerWidth would grow past 390.
        inner = phone_page.evaluate("window.innerWidth")
        overflow = horizontal_overflow(phone_page)
        if overflow > 1 or inner != 390:
            too_wide[path] = f"{overflow}px too wide (innerWidth {inner})"
    assert not too_wide, f"pages wider than a 390px phone: {too_wide}"


def test_login_page_fits_a_phone(phone_page):
    goto(phone_page, "/accounts/login/")
    assert horizontal_overflow(phone_page) <= 1


def test_navbar_toggler_opens_the_menu(phone_page):
    login(phone_page, username="community")
    menu = phone_page.locator("#navbar-menu")
    toggler = phone_page.locator(".navbar-toggler")
    expect(toggler).to_be_visible()
    expect(menu).to_be_hidden()
    toggler.click()
    expect(menu).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(menu.get_by_role("link", name=chinese("Places"), exact=True)).to_be_visible()
    assert horizontal_overflow(phone_page) <= 1


def test_phone_user_browses_from_menu_to_compound(phone_page):
    login(phone_page, username="community")
    open_nav(phone_page, chinese("Places"))
    expect(phone_page).to_have_url("/places/regions/330199001001/")
    phone_page.get_by_test_id("compounds").get_by_role("link", name="和睦小区").click()
    expect(phone_page.get_by_test_id("party-owners")).to_contain_text("王建国")
    assert horizontal_overflow(phone_page) <= 1
