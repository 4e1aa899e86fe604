"""The party-building page: scope, dates, charts' data and the Excel export."""

import io
import json
import re
from datetime import date

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from sanfang.orgs.models import Membership
from sanfang.testing import person

pytestmark = pytest.mark.django_db

URL = reverse("orgs:party_building")
ON = "2025-06-30"


def page_data(response) -> dict:
    match = re.search(r'<script id="pb-data" type="application/json">(.*?)</script>', response.content.decode())
    assert match, "the chart data is on the page"
    return json.loads(match.group(1))


def test_district_officer_sees_the_district(world, login):
    client = login(world.users["district"])
    response = client.get(URL, {"region": "330199", "on": ON})
    assert response.status_code == 200
    assert response.context["region"] == world.regions["d"]
    assert response.context["day"] == date(2025, 6, 30)
    summary = response.context["summary"]
    assert summary["owners_committees"] == 1 and summary["party_member_chairs"] == 1
    assert summary["companies_by_party_coverage"] == {"own": 0, "joint": 0, "instructor": 0, "none": 2}
    html = response.content.decode()
    assert 'data-figure="owners_committees">1<' in html
    assert 'data-figure="party_member_ratio">100.00%<' in html
    data = page_data(response)
    assert [row["mode"] for row in data["coverage"]] == ["own", "joint", "instructor", "none"]
    assert [row["value"] for row in data["coverage"]] == [0, 0, 0, 2]
    assert data["committees"]["values"] == [1, 1, 1, 1]
    assert data["children"]["codes"] == ["330199001", "330199002"]
    assert data["children"]["ratios"] == [1.0, 0.0]


def test_echarts_comes_from_our_static_files(world, login):
    html = login(world.users["district"]).get(URL, {"region": "330199", "on": ON}).content.decode()
    assert "/static/vendor/echarts.min.js" in html
    assert not re.search(r'<script[^>]+src="(https?:)?//', html), "no script from another host"
    for chart in ("pb-chart-coverage", "pb-chart-committees", "pb-chart-children"):
        assert f'id="{chart}"' in html


def test_default_region_is_the_topmost_visible_one(world, login):
    response = login(world.users["district"]).get(URL)
    assert response.status_code == 200 and response.context["region"].code == "330199"
    assert response.context["day"] is not None
    response = login(world.users["community"]).get(URL)
    assert response.status_code == 200 and response.context["region"].code == "330199001001"
    assert response.context["children"] == []


def test_outside_scope_is_404(world, login):
    client = login(world.users["community"])   # community C1 only
    for code in ("330199", "330199002", "330199002001", "3301", "nowhere"):
        assert client.get(URL, {"region": code, "on": ON}).status_code == 404, code
    assert client.get(URL, {"region": "330199001001", "on": ON}).status_code == 200


def test_users_without_a_region_get_404(world, login):
    for who in ("outsider", "resident", "chair"):
        assert login(world.users[who]).get(URL).status_code == 404, who


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(URL, {"region": "330199"})
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("bad", ["2025-02-30", "yesterday", "2025/06/30"])
def test_bad_date_is_explained_on_the_page(world, login, bad):
    response = login(world.users["district"]).get(URL, {"region": "330199", "on": bad})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="pb-date-error"' in html and "YYYY-MM-DD" in html
    assert response.context["date_error"]
    # An export with a bad date shows the page and its message rather than a file for another day.
    response = login(world.users["district"]).get(URL, {"region": "330199", "on": bad, "export": "xlsx"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")


def test_the_date_moves_the_figures(world, login):
    client = login(world.users["district"])
    assert client.get(URL, {"region": "330199", "on": "2022-06-30"}).context["summary"]["owners_committee_members"] == 0
    assert client.get(URL, {"region": "330199", "on": ON}).context["summary"]["owners_committee_members"] == 1


def test_excel_export(world, login):
    oc = world.orgs["oc"]
    for name in ("甲", "乙"):
        Membership.objects.create(organization=oc, person=person(name), position="member", term_start=date(2024, 1, 1))
    response = login(world.users["district"]).get(URL, {"region": "330199", "on": ON, "export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="party-building-330199-2025-06-30.xlsx"' in response["Content-Disposition"]
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    rows = book.get_sheet_by_index(0).to_python()
    assert "330199" in rows[0][0] and ON in rows[0][0]
    header = rows[1]
    assert len(header) == 2 + 9 + 4          # code, name, nine figures, four coverage modes
    body = {row[0]: row for row in rows[2:]}
    assert list(body) == ["330199001", "330199002", "330199"]   # children, then the region
    total = body["330199"]
    ratio_col = 2 + 3
    assert total[ratio_col] == pytest.approx(0.3333)
    assert total[2:5] == [1, 3, 1]
    assert body["330199002"][2] == 0
    # companies: CO-1 (K1, in S1) and CO-2 (K3, in S2), neither with a coverage row
    none_col = 2 + 8 + 3
    assert (body["330199001"][none_col], body["330199002"][none_col], total[none_col]) == (1, 1, 2)


def test_page_queries_are_bounded(world, login, django_assert_max_num_queries):
    client = login(world.users["district"])
    client.get(URL, {"region": "330199", "on": ON})   # warm the session
    # session, user, seats, scope roots, region, four reads of the figures, children, ancestors
    with django_assert_max_num_queries(11):
        assert client.get(URL, {"region": "330199", "on": ON}).status_code == 200


def test_the_excel_export_never_turns_a_name_into_a_formula(world, login):
    import io
    import zipfile

    from django.urls import reverse

    s1 = world.regions["s1"]
    s1.name = '=HYPERLINK("http://example.invalid","x")'
    s1.save()
    response = login(world.users["district"]).get(reverse("orgs:party_building"), {"region": "330199", "export": "xlsx"})
    with zipfile.ZipFile(io.BytesIO(response.content)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet
