"""The polls' pages: the list (scope), a new poll (only organisers), a poll's page (items with
their thresholds, RULES V2–V5, V12; the timeline for staff) and the organiser's actions, each
confirmed first and refused with a message that changes nothing."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from sanfang.voting.models import Poll, PollEvent, PollItem

from .test_pages_common import *  # noqa: F403  (the shared fixtures)
from .test_pages_common import AFTER, DURING, levels

pytestmark = pytest.mark.django_db


# --- the list -----------------------------------------------------------------------------------


def test_the_list_needs_a_login(client):
    r = client.get("/polls/")
    assert r.status_code == 302 and "/accounts/login/" in r.url


def test_owners_see_their_compounds_polls_and_nobody_else_does(world, open_poll, login):
    page = login(world.users["owner_a"]).get("/polls/")
    assert page.status_code == 200 and f'data-poll="{open_poll.pk}"' in page.content.decode()
    for name in ("outsider", "resident"):  # a resident's seat alone is no ownership: only owners decide
        other = login(world.users[name]).get("/polls/").content.decode()
        assert f'data-poll="{open_poll.pk}"' not in other
    assert f'data-poll="{open_poll.pk}"' in login(world.users["community"]).get("/polls/").content.decode()


def test_a_draft_is_seen_by_its_organisers_only(world, draft_poll, login):
    marker = f'data-poll="{draft_poll.pk}"'
    assert marker in login(world.users["chair"]).get("/polls/").content.decode()
    assert marker in login(world.users["subdistrict"]).get("/polls/").content.decode()
    for name in ("owner_a", "company", "grid"):
        assert marker not in login(world.users[name]).get("/polls/").content.decode(), name
    assert login(world.users["owner_a"]).get(f"/polls/{draft_poll.pk}/").status_code == 404


def test_the_list_filters_by_compound_and_status(world, open_poll, draft_poll, login):
    c = login(world.users["chair"])
    only_open = c.get("/polls/?status=open").content.decode()
    assert f'data-poll="{open_poll.pk}"' in only_open and f'data-poll="{draft_poll.pk}"' not in only_open
    elsewhere = c.get("/polls/?compound=K3").content.decode()
    assert f'data-poll="{open_poll.pk}"' not in elsewhere


# --- a new poll ---------------------------------------------------------------------------------


def poll_data(**extra):
    opens = timezone.localtime() + timedelta(days=20)
    data = {"title": "更换电梯", "building": "", "opens_at": opens.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (opens + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"), "proxies_per_holder": "3",
            "allow_change": "on",
            "items-TOTAL_FORMS": "3", "items-INITIAL_FORMS": "0", "items-MIN_NUM_FORMS": "0",
            "items-MAX_NUM_FORMS": "30",
            "items-0-text": "使用维修资金更换电梯", "items-0-matter": "use_maintenance_fund",
            "items-1-text": "加装无障碍坡道", "items-1-matter": "rebuild_or_alter",
            "items-2-text": "", "items-2-matter": ""}
    data.update(extra)
    return data


def test_new_poll_refusals_by_who_asks(world, owners, client, login):
    r = client.get("/polls/new/?compound=K1")
    assert r.status_code == 302 and "/accounts/login/" in r.url
    assert login(world.users["outsider"]).get("/polls/new/?compound=K1").status_code == 404
    assert login(world.users["chair"]).get("/polls/new/?compound=K3").status_code == 404  # not their compound
    company = login(world.users["company"])  # sees K1 (serves it) but does not organise its votes
    assert company.get("/polls/new/?compound=K1").status_code == 403
    assert company.post("/polls/new/?compound=K1", poll_data()).status_code == 403
    assert login(world.users["grid"]).post("/polls/new/?compound=K1", poll_data()).status_code == 403
    assert Poll.objects.count() == 0 and PollEvent.objects.count() == 0


def test_the_committee_creates_a_draft(world, owners, login):
    c = login(world.users["chair"])
    assert c.get("/polls/new/?compound=K1").status_code == 200
    r = c.post("/polls/new/?compound=K1", poll_data())
    poll = Poll.objects.get()
    assert r.status_code == 302 and r.url == f"/polls/{poll.pk}/"
    assert poll.status == "draft" and poll.allow_change and poll.proxies_per_holder == 3
    assert poll.created_by == world.users["chair"] and poll.compound.code == "K1"
    assert list(PollItem.objects.filter(poll=poll).values_list("order", "matter")) == [
        (1, "use_maintenance_fund"), (2, "rebuild_or_alter")]
    event = PollEvent.objects.get(poll=poll)
    assert event.kind == "created" and event.actor == world.users["chair"] and event.data == {"items": 2}


def test_without_a_compound_the_organiser_is_taken_to_theirs(world, owners, login):
    r = login(world.users["chair"]).get("/polls/new/")
    assert r.status_code == 302 and r.url.endswith("?compound=K1")
    assert login(world.users["company"]).get("/polls/new/").status_code == 403


@pytest.mark.parametrize("extra", [
    {"closes_at": (timezone.localtime() + timedelta(days=21)).strftime("%Y-%m-%dT%H:%M")},  # a 1-day window
    {"items-0-text": "", "items-1-text": "", "items-0-matter": "", "items-1-matter": ""},  # no item
    {"items-0-matter": ""},  # an item without its matter (V1)
    {"building": "99"},  # no such building (V11)
    {"title": ""},
])
def test_a_bad_poll_is_refused_and_nothing_is_saved(world, owners, login, extra):
    r = login(world.users["chair"]).post("/polls/new/?compound=K1", poll_data(**extra))
    body = r.content.decode()
    assert r.status_code == 200 and ("invalid-feedback" in body or "alert-danger" in body)
    assert Poll.objects.count() == 0 and PollEvent.objects.count() == 0


def test_a_window_the_service_refuses_comes_back_as_a_message(world, owners, login):
    opens = timezone.localtime() + timedelta(days=20)
    r = login(world.users["chair"]).post("/polls/new/?compound=K1", poll_data(
        closes_at=(opens + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")))
    assert r.status_code == 200 and "error" in levels(r)
    assert Poll.objects.count() == 0


# --- a poll's page ------------------------------------------------------------------------------


def test_the_poll_page_shows_items_with_their_thresholds(world, open_poll, client, login):
    assert client.get(f"/polls/{open_poll.pk}/").status_code == 302
    assert login(world.users["outsider"]).get(f"/polls/{open_poll.pk}/").status_code == 404
    assert login(world.users["resident"]).get(f"/polls/{open_poll.pk}/").status_code == 404
    page = login(world.users["owner_a"]).get(f"/polls/{open_poll.pk}/").content.decode()
    assert "civil-code-2021" in page and 'data-item="1"' in page and 'data-item="2"' in page
    assert "&gt; 1/2" in page  # using the fund: more than half of the participants (V4)
    assert "≥ 3/4" in page  # rebuilding or altering: three quarters (V3)
    assert "≥ 2/3" in page  # the quorum (V2)
    assert 'data-testid="timeline"' not in page and 'data-testid="closes-later"' not in page
    assert 'data-testid="notice"' in page
    staff = login(world.users["chair"]).get(f"/polls/{open_poll.pk}/").content.decode()
    # Open, its window running, not every owner voted: no close yet, and why.
    assert 'data-testid="timeline"' in staff and 'data-kind="opened"' in staff and 'data-testid="closes-later"' in staff


def test_an_older_decision_shows_the_older_rule_set(world, open_poll, login):
    """RULES V12: the rule set follows the decision date."""
    from datetime import date

    Poll.objects.filter(pk=open_poll.pk).update(decided_on=date(2019, 6, 1))
    page = login(world.users["owner_a"]).get(f"/polls/{open_poll.pk}/").content.decode()
    assert "property-regulations-2007" in page


# --- the organiser's actions --------------------------------------------------------------------


def test_an_action_is_post_only_and_confirmed_first(world, draft_poll, login):
    c = login(world.users["chair"])
    assert c.get(f"/polls/{draft_poll.pk}/announce/").status_code == 405
    r = c.post(f"/polls/{draft_poll.pk}/announce/")
    assert r.status_code == 302 and r.url.endswith("?confirm=announce")
    assert Poll.objects.get(pk=draft_poll.pk).status == "draft"
    page = c.get(r.url).content.decode()
    assert 'data-testid="confirm-action"' in page and f"/polls/{draft_poll.pk}/announce/" in page


def test_announce(world, draft_poll, login, client):
    url = f"/polls/{draft_poll.pk}/announce/"
    assert client.post(url, {"confirmed": "1"}).status_code == 302  # to the login
    assert login(world.users["outsider"]).post(url, {"confirmed": "1"}).status_code == 404
    assert login(world.users["owner_a"]).post(url, {"confirmed": "1"}).status_code == 404  # a draft is not public
    r = login(world.users["company"]).post(url, {"confirmed": "1"})
    assert r.status_code == 404  # the company does not see drafts either
    assert Poll.objects.get(pk=draft_poll.pk).status == "draft"
    r = login(world.users["chair"]).post(url, {"confirmed": "1"})
    assert r.status_code == 302 and r.url == f"/polls/{draft_poll.pk}/" and levels(r) == ["success"]
    poll = Poll.objects.get(pk=draft_poll.pk)
    assert poll.status == "announced" and poll.announced_at is not None
    assert PollEvent.objects.filter(poll=poll, kind="announced", actor=world.users["chair"]).count() == 1


def test_announcing_too_late_is_a_message_and_changes_nothing(world, draft_poll, login):
    """RULES V13: voting opens at the earliest 15 days after the announcement."""
    Poll.objects.filter(pk=draft_poll.pk).update(opens_at=timezone.now() + timedelta(days=3),
                                                 closes_at=timezone.now() + timedelta(days=13))
    r = login(world.users["chair"]).post(f"/polls/{draft_poll.pk}/announce/", {"confirmed": "1"})
    assert r.status_code == 302 and levels(r) == ["error"]
    assert Poll.objects.get(pk=draft_poll.pk).status == "draft"
    assert not PollEvent.objects.filter(poll=draft_poll, kind="announced").exists()


def test_a_wrong_role_cannot_close_and_is_told_so(world, open_poll, login):
    r = login(world.users["owner_a"]).post(f"/polls/{open_poll.pk}/close/", {"confirmed": "1"})
    assert r.status_code == 302 and levels(r) == ["error"]
    assert Poll.objects.get(pk=open_poll.pk).status == "open"
    assert not PollEvent.objects.filter(poll=open_poll, kind="closed").exists()


def test_an_unknown_action_is_not_there(world, open_poll, login):
    assert login(world.users["chair"]).post(f"/polls/{open_poll.pk}/delete/", {"confirmed": "1"}).status_code == 404


def test_open_close_and_publish(world, owners, login):
    """The organiser's whole path: announce → open (roll frozen) → close → publish."""
    from datetime import datetime

    from sanfang.voting import services as svc

    from .conftest import SH

    start = datetime(2026, 12, 20, 9, 0, tzinfo=SH)
    poll = svc.poll_create(compound=world.compounds["k1"], title="选聘物业", actor=world.users["chair"],
                           items=[("续聘绿城物业", "hire_or_dismiss_company")], opens_at=start,
                           closes_at=start + timedelta(days=7))
    c = login(world.users["community"])
    c.post(f"/polls/{poll.pk}/announce/", {"confirmed": "1"})
    early = c.post(f"/polls/{poll.pk}/open/", {"confirmed": "1"})
    assert levels(early)[-1] == "error" and Poll.objects.get(pk=poll.pk).status == "announced"
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        c = login(world.users["community"])  # a session from weeks before has expired
        c.post(f"/polls/{poll.pk}/open/", {"confirmed": "1"})
        assert Poll.objects.get(pk=poll.pk).status == "open" and poll.roll.count() == 3
        page = c.get(f"/polls/{poll.pk}/").content.decode()
        assert 'data-testid="closes-later"' in page and 'data-testid="action-close"' not in page
        refused = c.post(f"/polls/{poll.pk}/close/", {"confirmed": "1"})  # before the window ends
        assert levels(refused)[-1] == "error" and Poll.objects.get(pk=poll.pk).status == "open"
    with time_machine.travel(start + timedelta(days=7, minutes=1), tick=False):
        c = login(world.users["community"])
        assert 'data-testid="action-close"' in c.get(f"/polls/{poll.pk}/").content.decode()
        page = c.get(f"/polls/{poll.pk}/?confirm=close").content.decode()
        assert 'data-testid="confirm-action"' in page and 'data-testid="early-close"' not in page
        c.post(f"/polls/{poll.pk}/close/", {"confirmed": "1"})
        assert Poll.objects.get(pk=poll.pk).status == "closed"
        r = c.post(f"/polls/{poll.pk}/publish/", {"confirmed": "1"})
    assert r.status_code == 302 and r.url == f"/polls/{poll.pk}/result/"
    poll.refresh_from_db()
    assert poll.status == "published" and len(poll.log_head_hash) == 64
    kinds = list(PollEvent.objects.filter(poll=poll).values_list("kind", "actor__username"))
    assert kinds == [("created", "chair"), ("announced", "community"), ("opened", "community"),
                     ("closed", "community"), ("published", "community")]


def test_publishing_twice_is_refused(world, published_poll, login):
    r = login(world.users["chair"]).post(f"/polls/{published_poll.pk}/publish/", {"confirmed": "1"})
    assert levels(r) == ["error"] and PollEvent.objects.filter(kind="published").count() == 1


def test_pages_are_not_stack_traces_for_missing_polls(world, login):
    assert login(world.users["chair"]).get("/polls/999999/").status_code == 404


def test_owner_b_sees_the_poll_of_the_flat_they_co_own(world, open_poll, owner_b, login):
    assert login(owner_b).get(f"/polls/{open_poll.pk}/").status_code == 200


def test_the_detail_tells_when_voting_opens_by_itself(world, draft_poll, login):
    from sanfang.voting import services as svc

    svc.poll_announce(poll=draft_poll, actor=world.users["chair"])
    page = login(world.users["chair"]).get(f"/polls/{draft_poll.pk}/").content.decode()
    assert 'data-testid="opens-later"' in page and 'data-testid="action-open"' in page


def test_after_the_window_a_closed_poll_can_be_published(world, open_poll, login):
    from sanfang.voting import services as svc

    svc.poll_close(poll=open_poll, now=AFTER)
    page = login(world.users["chair"]).get(f"/polls/{open_poll.pk}/").content.decode()
    assert 'data-testid="action-publish"' in page
    assert DURING < AFTER
