"""The workbook page: permissions, check → confirm, problems, bad files, template, export."""

import io

import pytest
from django.urls import reverse

from sanfang.core import history
from sanfang.core.models import ChangeEvent
from sanfang.places.models import Building
from sanfang.registry import uploads
from sanfang.registry.models import ImportBatch
from sanfang.registry.tests.helpers import created_rows, table_counts, upload
from sanfang.registry.workbook import SHEETS, read_workbook

pytestmark = pytest.mark.django_db

URL = reverse("registry:import")
GOOD = {"楼栋": [{"小区编码": "K1", "楼栋号": "2", "层数": 6}, {"小区编码": "K3", "楼栋号": "8"}]}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_anonymous_is_sent_to_login(client):
    for url in (URL, reverse("registry:template"), reverse("registry:export")):
        response = client.get(url)
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("who", ["subdistrict", "community", "grid", "chair", "company", "resident", "outsider"])
def test_other_roles_get_404(world, login, who):
    client = login(world.users[who])
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"file": upload(GOOD)}).status_code == 404
    assert client.get(reverse("registry:template")).status_code == 404
    assert client.get(reverse("registry:export")).status_code == 404


def test_district_officer_sees_the_page(world, login):
    response = login(world.users["district"]).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("registry:template") in html and reverse("registry:export") in html
    assert 'name="file"' in html and "hx-indicator" in html
    assert [r.code for r in response.context["regions"]] == ["330199", "330199001", "330199002"]


def test_superuser_sees_the_page(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="x"))
    assert client.get(URL).status_code == 200


def test_check_writes_nothing_then_confirm_imports(world, login):
    client = login(world.users["district"])
    before = table_counts()
    response = client.post(URL, {"file": upload(GOOD)})
    assert response.status_code == 200
    assert response.context["step"] == "checked"
    assert response.context["report"].counts["楼栋"].created == 2
    assert table_counts() == before
    html = response.content.decode()
    assert 'data-testid="confirm-form"' in html
    sha = response.context["sha256"]
    assert uploads.path_of(sha) is not None

    response = client.post(URL, {"sha256": sha})
    assert response.status_code == 200 and response.context["step"] == "done"
    assert 'data-testid="import-done"' in response.content.decode()
    assert Building.objects.filter(compound__code="K1", number="2", floors=6).exists()
    batch = ImportBatch.objects.get()
    assert batch.actor == world.users["district"] and batch.file_name == "registry.xlsx"
    assert created_rows(ChangeEvent.objects.filter(source=f"import:{batch.pk}", action="create")) == 2
    for building in (Building.objects.get(compound__code="K1", number="2"),
                     Building.objects.get(compound__code="K3", number="8")):
        assert [(e.action, e.actor, e.source) for e in history.history_of(building)] == \
            [("create", world.users["district"], f"import:{batch.pk}")]
    assert uploads.path_of(sha) is None
    # The same confirmation cannot be replayed.
    assert client.post(URL, {"sha256": sha}).context["step"] == "expired"
    assert ImportBatch.objects.count() == 1


def test_confirm_needs_an_upload_checked_in_this_session(world, login, client):
    officer = login(world.users["district"])
    sha = officer.post(URL, {"file": upload(GOOD)}).context["sha256"]
    other = type(client)()
    other.force_login(world.users["district"])
    for value in (sha, "../../etc/passwd", "0" * 64):
        assert other.post(URL, {"sha256": value}).context["step"] == "expired"
    assert not ImportBatch.objects.exists()


def test_problems_are_listed_and_nothing_is_written(world, login):
    client = login(world.users["district"])
    bad = {"楼栋": [{"小区编码": "K404", "楼栋号": "1"}, {"小区编码": "K1", "楼栋号": "2", "层数": "六"}]}
    before = table_counts()
    response = client.post(URL, {"file": upload(bad)})
    assert table_counts() == before
    errors = response.context["report"].errors
    assert {(e.sheet, e.row, e.column, e.code) for e in errors} == {
        ("楼栋", 2, "小区编码", "unknown_reference"), ("楼栋", 3, "层数", "bad_number")}
    html = response.content.decode()
    assert 'data-testid="import-errors"' in html and 'data-code="unknown_reference"' in html
    assert 'data-testid="confirm-form"' not in html
    # Every problem can be downloaded as a workbook.
    download = client.get(reverse("registry:errors", args=[response.context["sha256"]]))
    assert download.status_code == 200
    assert len(read_workbook(io.BytesIO(b"".join(download.streaming_content)))["问题"]) == 2


def test_htmx_posts_get_the_panel_only(world, login):
    client = login(world.users["district"])
    response = client.post(URL, {"file": upload(GOOD)}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="registry-panel"') and "<html" not in html


@pytest.mark.parametrize("name, content, code", [
    ("registry.xlsx", b"", "empty_file"),
    ("registry.csv", b"a,b\n1,2\n", "not_xlsx"),
    ("registry.xlsx", b"this is not a workbook", "not_xlsx"),
])
def test_bad_files(world, login, name, content, code):
    client = login(world.users["district"])
    response = client.post(URL, {"file": upload(name=name, content=content)})
    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()["file"]] == [code]
    assert 'data-testid="form-error"' in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_zip_that_is_not_a_workbook(world, login):
    client = login(world.users["district"])
    response = client.post(URL, {"file": upload(content=b"PK\x03\x04garbage")})
    assert [e.code for e in response.context["report"].errors] == ["not_xlsx"]


def test_too_big(world, login, settings):
    settings.REGISTRY_UPLOAD_MAX_BYTES = 100
    client = login(world.users["district"])
    response = client.post(URL, {"file": upload(GOOD)})
    assert [e.code for e in response.context["form"].errors.as_data()["file"]] == ["too_big"]


def test_template_download(world, login):
    response = login(world.users["district"]).get(reverse("registry:template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = read_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert all(len(book[name]) == 1 for name in SHEETS)


def test_export_download(world, login):
    client = login(world.users["district"])
    response = client.get(reverse("registry:export"), {"region": "330199002"})
    assert response.status_code == 200
    assert "registry-330199002-" in response["Content-Disposition"]
    book = read_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert {r["编码"] for r in book["小区"]} == {"K3"}
    assert client.get(reverse("registry:export"), {"region": "3301"}).status_code == 404  # above the seat


def test_a_long_list_of_problems_is_cut_with_a_download(world, login):
    client = login(world.users["district"])
    bad = {"楼栋": [{"小区编码": "K404", "楼栋号": str(i)} for i in range(1005)]}
    response = client.post(URL, {"file": upload(bad)})
    assert len(response.context["errors"]) == 1000 and response.context["hidden_errors"] == 5
    assert reverse("registry:errors", args=[response.context["sha256"]]) in response.content.decode()
