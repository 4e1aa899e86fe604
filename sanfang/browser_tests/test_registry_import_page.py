"""The registry workbook page in a browser: template download, check → confirm through htmx,
the problem table for a bad workbook, and nothing written until the officer confirms."""

import io

import pytest
from playwright.sync_api import expect

from sanfang.places.models import Building
from sanfang.registry.models import ImportBatch
from sanfang.registry.tests.helpers import table_counts
from sanfang.registry.workbook import SHEETS, read_workbook, write_workbook

from .pages import chinese, goto, horizontal_overflow, login, open_nav

pytestmark = pytest.mark.browser

URL = "/workbook/import/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GOOD = {"楼栋": [{"小区编码": "K1", "楼栋号": "2", "层数": 6}, {"小区编码": "K3", "楼栋号": "8"}]}
BAD = {"楼栋": [{"小区编码": "K404", "楼栋号": "1"}, {"小区编码": "K1", "楼栋号": "2", "层数": "六"}]}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    # Checked uploads are kept under MEDIA_ROOT; the live server runs in this process.
    settings.MEDIA_ROOT = tmp_path


def workbook(sheets: dict, name: str = "registry.xlsx") -> dict:
    buffer = io.BytesIO()
    write_workbook(buffer, sheets)
    return {"name": name, "mimeType": XLSX, "buffer": buffer.getvalue()}


def check(page, file: dict) -> None:
    """Choose a file and press the check button; wait for htmx to swap the panel."""
    page.get_by_test_id("upload-form").locator("input[type=file]").set_input_files(file)
    with page.expect_response(lambda r: r.url.endswith(URL) and r.request.method == "POST"):
        page.get_by_test_id("upload-form").locator("button[type=submit]").click()


def test_district_officer_checks_then_confirms_a_workbook(page, browser_world):
    login(page, username="district")
    open_nav(page, chinese("Registry workbook"))
    expect(page).to_have_url(URL)

    with page.expect_download() as download:
        page.get_by_test_id("template-link").click()
    assert download.value.suggested_filename == "registry-template.xlsx"
    template = read_workbook(download.value.path())
    assert all(name in template for name in SHEETS)

    before = table_counts()
    check(page, workbook(GOOD))
    checked = page.get_by_test_id("import-checked")
    expect(checked).to_be_visible()
    expect(checked).to_contain_text("registry.xlsx")
    row = page.get_by_test_id("import-counts").locator("tbody tr", has_text="楼栋")
    expect(row.locator("td").nth(1)).to_have_text("2")  # to create
    assert table_counts() == before, "checking a workbook writes nothing"
    expect(page.get_by_test_id("upload-form")).to_have_count(0)  # only confirm or cancel now

    with page.expect_response(lambda r: r.url.endswith(URL) and r.request.method == "POST"):
        page.get_by_test_id("confirm-form").locator("button[type=submit]").click()
    expect(page.get_by_test_id("import-done")).to_be_visible()
    expect(page.get_by_test_id("confirm-form")).to_have_count(0)
    assert Building.objects.filter(compound__code="K1", number="2", floors=6).exists()
    assert Building.objects.filter(compound__code="K3", number="8").exists()
    assert ImportBatch.objects.get().actor == browser_world.users["district"]


def test_a_bad_workbook_lists_its_problems_and_writes_nothing(page):
    login(page, username="district")
    goto(page, URL)
    before = table_counts()
    check(page, workbook(BAD))
    expect(page.get_by_test_id("import-errors-summary")).to_be_visible()
    problems = page.get_by_test_id("import-errors").locator("tbody tr")
    expect(problems).to_have_count(2)
    expect(problems.nth(0)).to_have_attribute("data-code", "unknown_reference")
    expect(problems.nth(1)).to_have_attribute("data-code", "bad_number")
    expect(problems.nth(0)).to_contain_text("楼栋")
    expect(page.get_by_test_id("confirm-form")).to_have_count(0)
    assert table_counts() == before
    assert not ImportBatch.objects.exists()

    # The form stays, so the officer can fix the file and try again: a file that is not a
    # workbook at all is refused by the form.
    check(page, {"name": "registry.csv", "mimeType": "text/csv", "buffer": b"a,b\n1,2\n"})
    expect(page.get_by_test_id("form-error")).to_be_visible()
    assert table_counts() == before


def test_other_roles_do_not_see_the_page(page):
    login(page, username="community")
    expect(page.locator("#navbar-menu")).not_to_contain_text(chinese("Registry workbook"))
    assert goto(page, URL).status == 404


def test_import_page_fits_a_phone(phone_page):
    login(phone_page, username="district")
    goto(phone_page, URL)
    assert horizontal_overflow(phone_page) <= 1
    check(phone_page, workbook(BAD))
    expect(phone_page.get_by_test_id("import-errors")).to_be_visible()
    assert horizontal_overflow(phone_page) <= 1
