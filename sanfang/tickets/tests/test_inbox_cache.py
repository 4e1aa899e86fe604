"""The inbox's hot path (``selectors.inbox_page``, bench inbox) lists exactly what ``inbox``
lists, and what it keeps — compiled SQL per scope, compound ids per region, compound and
category labels — never outlives the change that should end it (DESIGN habit 8: scope at the
query; nothing may widen it)."""

from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection

from sanfang.accounts.models import ApiToken, Role, Seat
from sanfang.accounts.scope import visible_compounds
from sanfang.orgs.models import ServiceContract
from sanfang.testing import user_with_seat
from sanfang.tickets import selectors
from sanfang.tickets.models import Ticket

from .test_scope import INBOX, MONDAY, desk, neighbour, raise_case  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db
NOW = MONDAY.replace(hour=14, minute=15)


@pytest.fixture(autouse=True)
def _nothing_kept():
    """Each test starts with nothing kept from the one before (its database is new)."""
    from sanfang.accounts.scope import forget_places

    forget_places()
    selectors.forget_plans()
    selectors.forget_display()


def fresh(user):
    """The user as the next request sees it: seats are read per request, never kept."""
    return type(user).objects.get(pk=user.pk)


def page(user, **kw):
    rows, has_next = selectors.inbox_page(fresh(user), **kw)
    return [r.pk for r in rows], has_next


@pytest.fixture
def at_quarter_past_two():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.parametrize("who", list(INBOX))
def test_the_hot_path_lists_what_the_inbox_lists(world, desk, at_quarter_past_two, who):  # noqa: F811
    user = world.users[who]
    expected = list(selectors.inbox(fresh(user)))
    for _ in range(2):  # compiled, then kept
        rows, has_next = selectors.inbox_page(fresh(user))
        assert [r.pk for r in rows] == [t.pk for t in expected] and not has_next
        assert [(r.reference, r.status, r.tier, r.compound.code, r.category.name, r.overdue, r.due_at) for r in rows] \
            == [(t.reference, t.status, t.tier, t.compound.code, t.category.name, t.overdue, t.due_at)
                for t in expected]
        assert [r.get_status_display for r in rows] == [t.get_status_display() for t in expected]
    over = list(selectors.inbox(fresh(user), overdue_only=True))
    assert page(user, overdue_only=True)[0] == [t.pk for t in over]
    assert page(user, category="greenery")[0] == [t.pk for t in expected if t.category.code == "greenery"]
    assert page(user, compound="K2")[0] == [t.pk for t in expected if t.compound.code == "K2"]


def test_pages_follow_each_other(world, desk, at_quarter_past_two):  # noqa: F811
    chair = world.users["chair"]
    everything = [t.pk for t in selectors.inbox(fresh(chair))]
    assert page(chair, offset=0, limit=2) == (everything[:2], True)
    assert page(chair, offset=2, limit=2) == (everything[2:4], True)
    assert page(chair, offset=4, limit=2) == (everything[4:], False)
    assert page(chair, offset=6, limit=2) == ([], False)


def test_every_listed_case_is_one_the_seat_may_open(world, desk, at_quarter_past_two):  # noqa: F811
    for user in world.users.values():
        listed = page(user)[0]
        assert set(listed) <= set(selectors.visible_tickets(fresh(user)).values_list("pk", flat=True))


def test_the_same_scope_shares_one_plan_and_a_new_seat_makes_another(world, desk, at_quarter_past_two):  # noqa: F811
    selectors.forget_plans()
    page(world.users["community"])
    page(world.users["grid"])  # the same community, the same tier: the same work
    assert len(selectors._plans) == 1
    grid = world.users["grid"]
    Seat.objects.create(user=grid, role=Role.SUBDISTRICT_OFFICER, region=world.regions["s1"])
    assert page(grid)[0] == [t.pk for t in selectors.inbox(fresh(grid))]
    assert desk["up2"].pk in page(grid)[0]  # the subdistrict's case, from the next request on
    assert len(selectors._plans) == 2


def test_a_removed_seat_empties_the_inbox_at_once(world, desk, at_quarter_past_two, client):  # noqa: F811
    company = world.users["company"]
    _token, key = ApiToken.issue(user=company, name="app")
    api = lambda: client.get("/api/v1/tickets/inbox", HTTP_AUTHORIZATION=f"Bearer {key}")  # noqa: E731
    assert [i["reference"] for i in api().json()["items"]] == [desk["green"].reference, desk["light"].reference]
    Seat.objects.filter(user=company).delete()
    assert api().json()["items"] == []
    client.force_login(company)
    assert desk["green"].reference not in client.get("/tickets/inbox/").content.decode()


def test_an_api_inbox_request_is_two_statements(world, desk, at_quarter_past_two, client,  # noqa: F811
                                                django_assert_num_queries):
    """The token with its user and seats, then the page (last_used is written once a minute)."""
    _token, key = ApiToken.issue(user=world.users["community"], name="app")
    client.get("/api/v1/tickets/inbox", HTTP_AUTHORIZATION=f"Bearer {key}")
    with django_assert_num_queries(2):
        r = client.get("/api/v1/tickets/inbox", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert [i["reference"] for i in r.json()["items"]] == [desk[n].reference for n in INBOX["community"]]


def test_a_revoked_token_reads_no_inbox(world, desk, at_quarter_past_two, client):  # noqa: F811
    token, key = ApiToken.issue(user=world.users["company"], name="app")
    assert client.get("/api/v1/tickets/inbox", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    token.revoked = True
    token.save()
    assert client.get("/api/v1/tickets/inbox", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_a_compound_moved_to_another_community_moves_its_cases(world, desk, at_quarter_past_two):  # noqa: F811
    community = world.users["community"]
    assert desk["k2"].pk in page(community)[0]
    other = user_with_seat("c2-worker", Role.COMMUNITY_WORKER, world.regions["c2"])
    assert desk["k2"].pk not in page(other)[0]
    k2 = world.compounds["k2"]
    k2.community = world.regions["c2"]
    k2.save()
    assert desk["k2"].pk not in page(community)[0]
    assert desk["k2"].pk in page(other)[0]
    assert page(community)[0] == [t.pk for t in selectors.inbox(fresh(community))]


def test_a_compound_moved_in_bulk_leaves_within_the_bound(world, desk, at_quarter_past_two, monkeypatch,  # noqa: F811
                                                          settings):
    """No signal (the registry import's bulk writes): the listed ids are kept at most
    SCOPE_CACHE_SECONDS, and the case page checks the scope afresh meanwhile."""
    from sanfang.accounts import scope
    from sanfang.places.models import Compound

    settings.SCOPE_CACHE_SECONDS = 60
    now = [5000.0]
    monkeypatch.setattr(scope, "_clock", lambda: now[0])
    community = world.users["community"]
    assert desk["k2"].pk in page(community)[0]
    Compound.objects.filter(pk=world.compounds["k2"].pk).update(community=world.regions["c2"])
    assert not selectors.visible_tickets(fresh(community)).filter(pk=desk["k2"].pk).exists()
    now[0] += 61
    assert desk["k2"].pk not in page(community)[0]


def test_cases_sent_to_a_company_stay_in_its_inbox_after_its_contract_ends(world, desk, at_quarter_past_two):  # noqa: F811
    """The contract decides which compounds the company sees; the cases sent to it while it
    served stay its work and stay visible to it (permissions.ticket_q)."""
    company = world.users["company"]
    before = page(company)[0]
    assert before == [desk["green"].pk, desk["light"].pk]
    assert visible_compounds(fresh(company)).filter(pk=world.compounds["k1"].pk).exists()
    ServiceContract.objects.filter(company=world.orgs["co1"]).update(end=date(2026, 11, 22))
    assert not visible_compounds(fresh(company)).filter(pk=world.compounds["k1"].pk).exists()
    assert page(company)[0] == before
    assert set(before) <= set(selectors.visible_tickets(fresh(company)).values_list("pk", flat=True))


def test_a_dissolved_company_has_no_inbox(world, desk, at_quarter_past_two):  # noqa: F811
    company = world.users["company"]
    co1 = world.orgs["co1"]
    co1.established, co1.dissolved = date(2000, 1, 1), date(2026, 11, 1)
    co1.save()
    assert page(company)[0] == []
    assert list(selectors.inbox(fresh(company))) == []
    assert not selectors.visible_tickets(fresh(company)).exists()


def test_a_renamed_compound_shows_its_new_name(world, desk, at_quarter_past_two):  # noqa: F811
    chair = world.users["chair"]
    rows, _ = selectors.inbox_page(fresh(chair))
    assert {r.compound.name for r in rows} == {"和睦小区"}
    k1 = world.compounds["k1"]
    k1.name = "和睦家园"
    k1.save()
    rows, _ = selectors.inbox_page(fresh(chair))
    assert {r.compound.name for r in rows} == {"和睦家园"}


def test_a_case_moving_up_leaves_the_kept_plan_at_once(world, desk, at_quarter_past_two):  # noqa: F811
    """The plan is SQL, not rows: a case escalated after it was kept moves at once."""
    from sanfang.tickets import services as svc

    chair, community = world.users["chair"], world.users["community"]
    page(chair), page(community)
    svc.ticket_escalate(ticket=Ticket.objects.get(pk=desk["green"].pk), actor=community)
    assert desk["green"].pk not in page(chair)[0]
    assert desk["green"].pk in page(community)[0]


def test_the_html_inbox_lays_out_the_rows(world, desk, at_quarter_past_two, login):  # noqa: F811
    html = login(world.users["chair"]).get("/tickets/inbox/").content.decode()
    for name in INBOX["chair"]:
        t = desk[name]
        assert f'href="/tickets/{t.reference}/"' in html
    assert html.count('data-testid="case-row"') == 5
    assert html.count('data-testid="overdue"') == 2  # green (14:00) and leak (14:10)
    assert "11-23 14:00" in html  # the deadline in Shanghai time, as |date:"m-d H:i" wrote it


def test_the_html_inbox_escapes_what_it_shows(world, desk, at_quarter_past_two, login):  # noqa: F811
    """The rows are written without the template engine: every value is still escaped."""
    Ticket.objects.filter(pk=desk["green"].pk).update(title='<script>alert("x")</script> & 楼道')
    k1 = world.compounds["k1"]
    k1.name = "和睦<小区>"
    k1.save()
    html = login(world.users["chair"]).get("/tickets/inbox/").content.decode()
    assert "<script>alert" not in html and "和睦<小区>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 楼道" in html
    assert "和睦&lt;小区&gt;" in html


def test_an_empty_html_inbox_says_so(world, login):
    html = login(world.users["district"]).get("/tickets/inbox/").content.decode()
    assert 'data-testid="case-row"' not in html and '<td colspan="4" class="text-secondary">' in html


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_prepared_statements_are_evicted_and_prepared_again(world, desk, at_quarter_past_two, monkeypatch):  # noqa: F811
    from sanfang.accounts import models as accounts_models

    monkeypatch.setattr(accounts_models, "PREPARED_MAX", 2)
    selectors.forget_plans()
    users = [world.users[w] for w in ("chair", "company", "community", "subdistrict")]
    expected = [[t.pk for t in selectors.inbox(fresh(u))] for u in users]
    for _ in range(2):
        assert [page(u)[0] for u in users] == expected
    names = accounts_models._prepared[connection.connection]
    assert len(names) <= 2
    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'sanfang_%%'")
        assert c.fetchone()[0] <= 2


def test_an_unused_user_sees_nothing_and_costs_no_query(world, django_assert_num_queries):
    selectors.forget_plans()
    outsider = fresh(world.users["outsider"])
    selectors.inbox_page(outsider)
    outsider = fresh(world.users["outsider"])
    with django_assert_num_queries(1):  # the seats; no work, so no SQL to run
        assert selectors.inbox_page(outsider) == ([], False)


def test_a_seat_ended_yesterday_has_no_inbox(world, desk, at_quarter_past_two):  # noqa: F811
    chair = world.users["chair"]
    assert page(chair)[0]
    Seat.objects.filter(user=chair).update(ends=NOW.date() - timedelta(days=1))
    assert page(chair)[0] == []
