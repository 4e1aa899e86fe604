"""Browser tests: a real Chromium, driven by Playwright's sync API, against ``live_server``.

The machine that runs these has no internet and no Playwright-downloaded browser: we drive
Debian's ``chromium`` with background networking off. A missing chromium fails the run (CI must
go red), it never skips. Every test here is marked ``browser``: ``make test`` runs them in their
own pass, ``-m "not browser"`` leaves them out.
"""

import os
import re
import shutil
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 3}
# Our users read Chinese; the browser says so, as theirs do (LocaleMiddleware reads Accept-Language).
LOCALE = {"locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
TIMEOUT_MS = 10_000


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    # tryfirst: the mark must be on the items before `-m` deselects.
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if not executable:
        pytest.fail(
            "Browser tests need Debian's chromium on PATH (apt-get install chromium); "
            "it was not found. Do not run `playwright install`: the platform never downloads a browser.",
            pytrace=False,
        )
    # Playwright's sync API runs an event loop in the test thread; Django's async-safety check
    # would then refuse the ORM calls our fixtures make (building the world, flushing the
    # database). Set only while the browser lives, so the rest of the suite keeps the check.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def browser_world(transactional_db):
    """The standard world, committed so the live server's thread sees it."""
    from sanfang.testing import build_world

    return build_world()


def _failure_shot(request, page) -> None:
    rep = getattr(request.node, "rep_call", None)
    if rep is None or not rep.failed:
        return
    from django.conf import settings

    out = Path(settings.VAR_DIR) / "browser-failures"
    out.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)[-180:]
    try:
        page.screenshot(path=str(out / f"{name}.png"), full_page=True)
        (out / f"{name}.html").write_text(page.content(), encoding="utf-8")
        print(f"\nbrowser failure saved: {out / name}.png (url {page.url})")
    except Exception as exc:  # the page may be gone; the test's own error matters more
        print(f"\nbrowser failure screenshot not saved: {exc}")


def _page(request, browser, live_server, options):
    context = browser.new_context(base_url=live_server.url, **LOCALE, **options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        _failure_shot(request, page)
        context.close()


@pytest.fixture
def page(request, browser, live_server, browser_world):
    """A desktop-sized page (1280×800) in a fresh context; relative URLs go to the live server."""
    yield from _page(request, browser, live_server, DESKTOP)


@pytest.fixture
def phone_page(request, browser, live_server, browser_world):
    """A phone-sized page (390×844, mobile, touch) in a fresh context."""
    yield from _page(request, browser, live_server, PHONE)
