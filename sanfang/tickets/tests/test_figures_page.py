"""The case figures page and its Excel export: who may see them, the scope of the region, the
numbers read from the rollups, bad dates said on the page, formula injection in the workbook."""

import io
import re
import zipfile
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from python_calamine import CalamineWorkbook

from sanfang.orgs.models import Organization, ServiceContract
from sanfang.tickets import rollup
from sanfang.tickets import services as svc
from sanfang.tickets.figures_export import safe_text
from sanfang.tickets.models import Category
from sanfang.tickets.rules import Rating
from sanfang.tickets.views.figures import percent

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=SH)  # a Monday
URL = "/tickets/figures/"
EXPORT = "/tickets/figures/export.xlsx"
pytestmark = pytest.mark.django_db


@pytest.fixture
def at_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def cases(world, cats, at_now):
    """Three cases on 23 November: one in K1 settled in the compound (accepted the same day,
    rated satisfied), one complaint in K1 moved up to the subdistrict which summons the
    department, one complaint in K3 (another subdistrict, another company) left waiting."""
    u, k = world.users, world.compounds
    t1 = svc.ticket_create(compound=k["k1"], category=cats["stair-light"], title="楼道灯不亮", description="三楼",
                           channel="app", actor=u["resident"], raised_by=u["resident"])
    t1 = svc.ticket_accept(ticket=t1, actor=u["chair"])
    t1 = svc.ticket_start(ticket=t1, actor=u["company"])
    t1 = svc.ticket_resolve(ticket=t1, actor=u["company"], note="已换灯泡")
    svc.ticket_feedback(ticket=t1, actor=u["resident"], rating=Rating.SATISFIED)
    t2 = svc.ticket_create(compound=k["k1"], category=cats["greenery"], title="毁绿种菜", description="草坪被挖",
                           channel="phone", actor=u["community"], reporter_phone="13912345678")
    t2 = svc.ticket_escalate(ticket=t2, actor=u["subdistrict"])
    t2 = svc.ticket_escalate(ticket=t2, actor=u["subdistrict"])
    (summons,) = svc.summons_issue(ticket=t2, departments=[world.orgs["dept"]], request="请派员查处",
                                   actor=u["subdistrict"])
    svc.summons_report_in(summons=summons, actor=u["department"])
    svc.ticket_create(compound=k["k3"], category=cats["parking"], title="乱停车", description="消防通道",
                      channel="app", actor=u["resident"], raised_by=u["resident"])
    rollup.refresh()
    return world


def figure(html: str, key: str) -> str:
    m = re.search(rf'data-figure="{key}">([^<]*)<', html)
    assert m, key
    return m.group(1).strip()


def test_percent_shows_one_decimal_or_a_dash():
    assert percent(None) == "—"
    assert percent(0.3333) == "33.3%"
    assert percent(0.1235) == "12.4%"  # half up, no float surprise
    assert percent(1.0) == "100.0%"


def test_anonymous_is_sent_to_log_in(client, world):
    r = client.get(URL)
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    assert client.get(EXPORT).status_code == 302


def test_residents_and_committee_members_may_not(world, login):
    for who in ("resident", "chair", "outsider"):
        assert login(world.users[who]).get(URL).status_code == 403, who


def test_district_officer_sees_the_district_from_the_rollups(cases, login):
    r = login(cases.users["district"]).get(URL)
    assert r.status_code == 200
    html = r.content.decode()
    assert r.context["region"].code == "330199"  # the topmost region the seat opens
    assert figure(html, "cases") == "3"
    assert figure(html, "complaints") == "2"
    assert figure(html, "same_day_acceptance_rate") == "33.3%"  # 1 of 3
    assert figure(html, "satisfaction_rate") == "100.0%"
    assert figure(html, "resolution_rate") == "33.3%"
    assert figure(html, "on_time_response_rate") == "100.0%"
    assert figure(html, "reopen_rate") == "0.0%"
    assert figure(html, "summoned") == "1"
    assert figure(html, "reported_on_time_rate") == "100.0%"
    assert figure(html, "done_on_time_rate") == "0.0%"
    assert 'data-company="CO-1"' in html and 'data-company="CO-2"' in html
    assert 'data-category="stair-light"' in html and 'data-category="parking"' in html
    assert "2026-11-01" in html and "2026-11-23" in html  # this month up to today
    assert 'data-testid="fig-as-of"' in html
    assert r.context["figures"]["as_of"] is not None
    data = r.context["data"]
    assert [row["value"] for row in data["settled"]] == [1, 0, 0]
    assert 'id="fig-data"' in html and "vendor/echarts.min.js" in html and "tickets/figures.js" in html
    assert "cdn" not in html.lower()


def test_the_page_reads_the_rollups_not_the_cases(cases, login, at_now):
    client = login(cases.users["district"])
    svc.ticket_create(compound=cases.compounds["k2"], category="enquiry", title="咨询", description="政策",
                      channel="app", actor=cases.users["resident"], raised_by=cases.users["resident"])
    assert figure(client.get(URL).content.decode(), "cases") == "3"  # not refreshed yet
    rollup.refresh()
    assert figure(client.get(URL).content.decode(), "cases") == "4"


def test_subdistrict_officer_sees_their_subdistrict_only(cases, login):
    client = login(cases.users["subdistrict"])
    r = client.get(URL)
    html = r.content.decode()
    assert r.context["region"].code == "330199001"
    assert figure(html, "cases") == "2"  # K1's two; K3 lies in the other subdistrict
    assert 'data-company="CO-2"' not in html
    assert client.get(URL, {"region": "330199002"}).status_code == 404
    assert client.get(URL, {"region": "330199"}).status_code == 404
    assert client.get(URL, {"region": "NOPE"}).status_code == 404
    assert client.get(EXPORT, {"region": "330199002"}).status_code == 404
    # A community below is fine, and offered in the region choices.
    r = client.get(URL, {"region": "330199001001"})
    assert r.status_code == 200 and figure(r.content.decode(), "cases") == "2"
    offered = [code for code, _label in r.context["region_choices"]]
    assert "330199001" in offered and "330199001001" in offered
    assert "330199" not in offered and "330199002" not in offered


def test_company_staff_see_the_compounds_they_serve(cases, login):
    client = login(cases.users["company"])
    r = client.get(URL)
    assert r.status_code == 200
    html = r.content.decode()
    assert r.context["region"] is None  # no region seat: the compounds served, no region choice
    assert figure(html, "cases") == "2"
    assert 'id="fig-region"' not in html
    assert client.get(URL, {"region": "330199"}).status_code == 404
    r = client.get(URL, {"company": "CO-1"})
    assert figure(r.content.decode(), "cases") == "2"
    assert figure(r.content.decode(), "complaints_per_1000_households") == "333.33"  # 1 complaint, 3 households


def test_department_officer_sees_the_district_of_the_department(cases, login):
    r = login(cases.users["department"]).get(URL)
    assert r.status_code == 200
    assert r.context["region"].code == "330199"
    assert figure(r.content.decode(), "summoned") == "1"


def test_company_and_category_narrow_the_figures(cases, login):
    client = login(cases.users["district"])
    html = client.get(URL, {"company": "CO-2"}).content.decode()
    assert figure(html, "cases") == "1"
    html = client.get(URL, {"category": "stair-light"}).content.decode()
    assert figure(html, "cases") == "1" and figure(html, "satisfaction_rate") == "100.0%"
    r = client.get(URL, {"company": "NOPE", "category": "nope"})
    assert r.status_code == 200
    html = r.content.decode()
    assert 'data-testid="fig-errors"' in html and "NOPE" in html
    assert figure(html, "cases") == "3"


def test_bad_dates_are_said_on_the_page(cases, login):
    client = login(cases.users["district"])
    for params in ({"start": "2026-13-45"}, {"end": "yesterday"}, {"start": "2026-11-20", "end": "2026-11-01"},
                   {"start": "2010-01-01", "end": "2026-01-01"}, {"start": "2026-02-30"}):
        r = client.get(URL, params)
        assert r.status_code == 200, params
        html = r.content.decode()
        assert 'data-testid="fig-errors"' in html, params
        assert figure(html, "cases") == "3"  # the default period instead
    html = client.get(URL, {"start": "2026-13-45"}).content.decode()
    assert "2026-13-45" in html
    # The export sends a bad query back to the page, which says what is wrong.
    r = client.get(EXPORT, {"start": "nope"})
    assert r.status_code == 302 and r["Location"].startswith(URL)


def test_an_empty_period_shows_dashes(cases, login):
    html = login(cases.users["district"]).get(URL, {"start": "2026-10-01", "end": "2026-10-31"}).content.decode()
    assert figure(html, "cases") == "0"
    assert figure(html, "satisfaction_rate") == "—"
    assert figure(html, "reported_on_time_rate") == "—"


def _sheets(content: bytes) -> dict[str, list[list]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def _value(rows, label):
    for row in rows:
        if row and row[0] == label:
            return row[1]
    raise AssertionError(label)


def test_the_export_holds_the_figures(cases, login):
    r = login(cases.users["district"]).get(EXPORT, {"region": "330199", "start": "2026-11-01", "end": "2026-11-23"})
    assert r.status_code == 200
    assert r["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="case-figures-330199-2026-11-01-2026-11-23.xlsx"' in r["Content-Disposition"]
    sheets = _sheets(r.content)
    assert list(sheets) == ["总体", "物业企业", "类别", "吹哨报到"]
    overall = sheets["总体"]
    assert "示范区" in overall[0][0] and "2026-11-01" in overall[0][0]
    assert _value(overall, "案件数") == 3
    assert _value(overall, "投诉数") == 2
    assert _value(overall, "当日受理率") == pytest.approx(0.3333)
    assert _value(overall, "满意率") == 1
    assert _value(overall, "重开率") == 0
    assert _value(overall, "小区内解决") == 1
    companies = sheets["物业企业"]
    assert companies[1][:3] == ["企业代码", "企业名称", "案件数"]
    by_code = {row[0]: row for row in companies[2:]}
    assert by_code["CO-1"][1] == "绿城物业" and by_code["CO-1"][2] == 2
    assert by_code["CO-2"][2] == 1
    categories = {row[0]: row for row in sheets["类别"][2:]}
    assert set(categories) == {"stair-light", "greenery", "parking"}
    assert categories["stair-light"][2] == 1
    summons = sheets["吹哨报到"]
    assert _value(summons, "吹哨次数") == 1
    assert _value(summons, "按时报到") == 1
    assert _value(summons, "按时反馈率") == 0


def test_the_export_for_a_company_staff_and_an_empty_period(cases, login):
    r = login(cases.users["company"]).get(EXPORT, {"start": "2026-10-01", "end": "2026-10-31"})
    assert r.status_code == 200
    assert "case-figures-all-2026-10-01-2026-10-31.xlsx" in r["Content-Disposition"]
    overall = _sheets(r.content)["总体"]
    assert _value(overall, "案件数") == 0
    assert _value(overall, "满意率") == "—"


def test_formula_injection_is_escaped(cases, login):
    evil = '=HYPERLINK("http://evil.example","点我")'
    Organization.objects.filter(code="CO-2").update(name=evil)
    Category.objects.filter(code="parking").update(name="+1-2")
    Category.objects.filter(code="greenery").update(name="@SUM(A1)")
    r = login(cases.users["district"]).get(EXPORT)
    sheets = _sheets(r.content)
    names = {row[0]: row[1] for row in sheets["物业企业"][2:]}
    assert names["CO-2"] == "'" + evil
    cats = {row[0]: row[1] for row in sheets["类别"][2:]}
    assert cats["parking"] == "'+1-2" and cats["greenery"] == "'@SUM(A1)"
    # No cell of the file is a formula.
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name), name
    assert safe_text("-5") == "'-5" and safe_text("normal") == "normal" and safe_text("\t=x") == "'\t=x"
    # And the page shows the name as text.
    html = login(cases.users["district"]).get(URL).content.decode()
    assert "=HYPERLINK(&quot;http://evil.example&quot;" in html


def test_households_follow_the_current_contract(cases, login):
    # CO-1's contract is K1's only: 3 households.
    assert ServiceContract.objects.filter(company__code="CO-1").count() == 1
    r = login(cases.users["district"]).get(URL)
    rows = {row["code"]: row for row in r.context["companies"]}
    assert rows["CO-1"]["households"] == 3
    assert rows["CO-1"]["complaints_per_1000_households"] == pytest.approx(333.33)
