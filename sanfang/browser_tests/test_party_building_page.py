"""The party-building page in a browser: figures, the ECharts charts drawn from our own static
files, choosing another region, and phone width."""

import pytest
from playwright.sync_api import expect

from .pages import chinese, goto, horizontal_overflow, login, open_nav

pytestmark = pytest.mark.browser

URL = "/registry/party-building/"
CHARTS = ("pb-chart-coverage", "pb-chart-committees", "pb-chart-children")


def drawn(page, chart_id: str):
    """The chart's drawing surface (ECharts renders to a canvas by default, svg on request)."""
    return page.locator(f"#{chart_id}").locator("canvas, svg").first


def test_district_officer_sees_figures_and_charts(page):
    statuses, errors = {}, []
    page.on("response", lambda r: statuses.__setitem__(r.url.rsplit("/", 1)[-1], r.status))
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, username="district")
    open_nav(page, chinese("Party building"))
    expect(page.locator(".page-title")).to_contain_text("示范区")
    expect(page.locator("[data-figure=owners_committees]")).to_have_text("1")
    expect(page.locator("[data-figure=party_member_ratio]")).to_have_text("100.00%")
    assert statuses.get("echarts.min.js") == 200
    for chart in CHARTS:
        surface = drawn(page, chart)
        expect(surface).to_be_attached()
        box = surface.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100, f"{chart} drawn at {box}"
    expect(page.get_by_test_id("pb-children").locator("tbody tr")).to_have_count(2)
    assert errors == []


def test_choosing_a_region_redraws_for_it(page):
    login(page, username="district")
    goto(page, URL)
    page.locator("#pb-region").select_option("330199002")
    page.get_by_test_id("pb-form").get_by_role("button").click()
    expect(page.locator(".page-title")).to_contain_text("西街道")
    expect(page).to_have_url(f"{URL}?region=330199002&on=" + page.locator("#pb-on").input_value())
    expect(page.locator("[data-figure=owners_committees]")).to_have_text("0")
    expect(drawn(page, "pb-chart-coverage")).to_be_attached()


def test_community_worker_lands_on_their_community_and_no_further(page):
    login(page, username="community")
    goto(page, URL)
    expect(page.locator(".page-title")).to_contain_text("春风社区")
    expect(drawn(page, "pb-chart-committees")).to_be_attached()
    assert goto(page, f"{URL}?region=330199002001").status == 404  # 秋月社区, not theirs


def test_region_page_links_to_its_figures(page):
    login(page, username="subdistrict")
    goto(page, "/places/regions/330199001/")
    page.get_by_role("link", name=chinese("Party-building figures")).click()
    expect(page.locator(".page-title")).to_contain_text("东街道")
    expect(drawn(page, "pb-chart-coverage")).to_be_attached()


def test_party_building_page_fits_a_phone(phone_page):
    login(phone_page, username="district")
    goto(phone_page, URL)
    for chart in CHARTS:
        expect(drawn(phone_page, chart)).to_be_attached()
        width = drawn(phone_page, chart).bounding_box()["width"]
        assert width <= 390, f"{chart} is {width}px wide on a 390px phone"
    assert horizontal_overflow(phone_page) <= 1


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_figure_has_its_own_label(page, live_server, language):
    """A reader tells the figures apart by their labels, in either language."""
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    login(page, username="district")
    goto(page, URL)
    cards = page.get_by_test_id("pb-figures").locator(".card-body > .text-secondary").all_inner_texts()
    headers = page.get_by_test_id("pb-children").locator("thead th").all_inner_texts()
    assert len(cards) >= 9 and len(headers) == 10
    for labels in (cards, headers):
        repeated = sorted({label for label in labels if labels.count(label) > 1})
        assert not repeated, f"labels used for more than one figure: {repeated}"
