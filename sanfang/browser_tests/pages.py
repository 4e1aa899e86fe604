"""Small helpers shared by the browser tests: log in, open a page, read what a user sees.

Pages built from the ``page``/``phone_page`` fixtures carry the live server as ``base_url``, so
paths like ``"/places/"`` work everywhere; ``base_url`` arguments are for pages made otherwise.
"""

from playwright.sync_api import Page, Response, expect

from sanfang.testing import PASSWORD

LOGIN_PATH = "/accounts/login/"


def url(base_url: str | None, path: str) -> str:
    return f"{base_url.rstrip('/')}{path}" if base_url else path


def login(page: Page, base_url: str | None = None, username: str = "", password: str = PASSWORD,
          *, expect_success: bool = True) -> None:
    """Log in through the real form: type the name (or phone) and password, click the button."""
    page.goto(url(base_url, LOGIN_PATH))
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("form.card button[type=submit]").click()
    if expect_success:
        # Home greets the user and lists their seats.
        expect(page.get_by_test_id("seats")).to_be_attached()
    else:
        page.wait_for_load_state()


def logout(page: Page) -> None:
    page.locator("form[action$='/accounts/logout/'] button").click()
    expect(page.locator("#id_username")).to_be_visible()


def goto(page: Page, path: str, base_url: str | None = None) -> Response:
    """Open a path and return the response (its ``.status`` tells a 404 from a page)."""
    response = page.goto(url(base_url, path))
    assert response is not None, f"no response for {path}"
    return response


def open_nav(page: Page, label: str) -> None:
    """Follow a navbar entry, opening the collapsed menu first at phone width."""
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
        expect(page.locator("#navbar-menu")).to_be_visible()
    page.locator("#navbar-menu").get_by_role("link", name=label, exact=True).click()
    page.wait_for_load_state()


def compound_names(page: Page) -> list[str]:
    """Names in the compound table (region and browse pages), in order."""
    return [t.strip() for t in page.locator("[data-testid=compounds] tbody td:first-child a").all_inner_texts()]


def html_lang(page: Page) -> str:
    return page.evaluate("document.documentElement.lang")


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the document is wider than the device's screen (0 or less: none).

    Measured against the configured viewport, not ``window.innerWidth``: a mobile browser zooms
    out to fit a too-wide page, so ``innerWidth`` grows with the overflow and would hide it.
    """
    return page.evaluate("document.documentElement.scrollWidth") - page.viewport_size["width"]


def chinese(message: str) -> str:
    """The zh-hans text of a source string (the English source while no translation exists)."""
    from django.utils import translation

    with translation.override("zh-hans"):
        return str(translation.gettext(message))
