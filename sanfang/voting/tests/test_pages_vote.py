"""An owner's ballot page: their head, a radio group per published item, a confirmation step,
the receipt; one ballot per head (V7), a change only where the poll allows it, proxies capped
and revocable (V13); every refusal is a message and changes nothing."""

import re

import pytest
import time_machine

from sanfang.voting import services as svc
from sanfang.voting.models import Ballot, Poll, Proxy

from .test_pages_common import *  # noqa: F403  (the shared fixtures)
from .test_pages_common import BEFORE, DURING, YES_ABSTAIN, levels, pdf

pytestmark = pytest.mark.django_db


def cast(c, poll, data, **extra):
    """Both steps: the answers, then the confirmation."""
    first = c.post(f"/polls/{poll.pk}/vote/", {**data, **extra})
    second = c.post(f"/polls/{poll.pk}/vote/", {**data, **extra, "confirmed": "1"})
    return first, second


def test_the_ballot_page_needs_a_login_and_scope(world, open_poll, client, login):
    r = client.get(f"/polls/{open_poll.pk}/vote/")
    assert r.status_code == 302 and "/accounts/login/" in r.url
    assert login(world.users["outsider"]).get(f"/polls/{open_poll.pk}/vote/").status_code == 404
    assert login(world.users["outsider"]).post(f"/polls/{open_poll.pk}/vote/",
                                               {**YES_ABSTAIN, "confirmed": "1"}).status_code == 404
    assert Ballot.objects.count() == 0


def test_an_owner_votes_confirms_and_gets_the_receipt(world, open_poll, login):
    c = login(world.users["owner_a"])
    with time_machine.travel(DURING, tick=False):
        page = c.get(f"/polls/{open_poll.pk}/vote/").content.decode()
        assert 'data-testid="ballot-form"' in page and "1-1-102" in page
        # every radio has its label; the Choice labels are used (同意/反对/弃权)
        assert page.count('type="radio"') == 6 and "同意" in page and "反对" in page and "弃权" in page
        first = c.post(f"/polls/{open_poll.pk}/vote/", YES_ABSTAIN)
        assert first.status_code == 200 and 'data-testid="confirm-form"' in first.content.decode()
        assert Ballot.objects.count() == 0  # nothing is cast before the confirmation
        r = c.post(f"/polls/{open_poll.pk}/vote/", {**YES_ABSTAIN, "confirmed": "1"})
        assert r.status_code == 302 and levels(r) == ["success"]
        ballot = Ballot.objects.get()
        assert ballot.channel == "online" and ballot.choices == {"1": "yes", "2": "abstain"}
        assert ballot.cast_by == world.users["owner_a"] and ballot.head.units[0]["unit"] == "1-1-102"
        shown = c.get(r.url).content.decode()
    receipt = re.search(r'id="receipt"[^>]*>([^<]+)<', shown).group(1)
    assert receipt == ballot.receipt
    assert 'data-testid="ballot-form"' not in shown and 'data-testid="final"' in shown


def test_a_co_owner_sees_the_heads_receipt_and_cannot_vote_again(world, open_poll, owner_b, login):
    """Co-owners share one vote (RULES V7): the second is refused with the first receipt."""
    with time_machine.travel(DURING, tick=False):
        cast(login(world.users["owner_a"]), open_poll, YES_ABSTAIN)
        first = Ballot.objects.get()
        c = login(owner_b)
        page = c.get(f"/polls/{open_poll.pk}/vote/").content.decode()
        assert first.receipt in page and 'data-testid="ballot-form"' not in page
        _step, r = cast(c, open_poll, {"item_1": "no", "item_2": "no"})
    assert levels(r)[-1] == "error"
    assert Ballot.objects.get().choices == first.choices and Ballot.objects.get().changed == 0


def test_a_ballot_changes_only_where_the_poll_allows(world, open_poll, login):
    Poll.objects.filter(pk=open_poll.pk).update(allow_change=True)
    c = login(world.users["owner_a"])
    with time_machine.travel(DURING, tick=False):
        cast(c, open_poll, YES_ABSTAIN)
        page = c.get(f"/polls/{open_poll.pk}/vote/").content.decode()
        assert 'data-testid="change"' in page
        form = c.get(f"/polls/{open_poll.pk}/vote/?change=1").content.decode()
        # the form starts from the ballot as cast
        assert 'data-testid="ballot-form"' in form and 'id="id_item_1_0" required checked' in form
        assert 'id="id_item_2_2" required checked' in form
        cast(c, open_poll, {"item_1": "no", "item_2": "no"})
    ballot = Ballot.objects.get()
    assert ballot.choices == {"1": "no", "2": "no"} and ballot.changed == 1


@pytest.mark.parametrize("when", [BEFORE, None])
def test_outside_the_window_nothing_is_cast(world, open_poll, login, when):
    if when is None:  # closed by the organiser
        svc.poll_close(poll=open_poll, actor=world.users["chair"], now=open_poll.closes_at)
        when = DURING
    c = login(world.users["owner_a"])
    with time_machine.travel(when, tick=False):
        page = c.get(f"/polls/{open_poll.pk}/vote/").content.decode()
        assert 'data-testid="not-open"' in page and 'data-testid="ballot-form"' not in page
        r = c.post(f"/polls/{open_poll.pk}/vote/", {**YES_ABSTAIN, "confirmed": "1"})
    assert r.status_code == 302 and levels(r) == ["error"] and Ballot.objects.count() == 0


def test_an_item_that_was_not_published_is_refused(world, open_poll, login):
    """RULES V13: no vote on items not published in advance."""
    c = login(world.users["owner_a"])
    with time_machine.travel(DURING, tick=False):
        r = c.post(f"/polls/{open_poll.pk}/vote/", {**YES_ABSTAIN, "item_3": "yes", "confirmed": "1"})
    assert r.status_code == 302 and levels(r) == ["error"] and Ballot.objects.count() == 0


def test_a_missing_answer_is_shown_on_the_form(world, open_poll, login):
    c = login(world.users["owner_a"])
    with time_machine.travel(DURING, tick=False):
        r = c.post(f"/polls/{open_poll.pk}/vote/", {"item_1": "yes", "confirmed": "1"})
    assert r.status_code == 200 and "invalid-feedback" in r.content.decode() and Ballot.objects.count() == 0


def test_staff_who_own_nothing_are_not_on_the_roll(world, open_poll, login):
    """A wrong role: the community worker sees the poll but has no vote."""
    c = login(world.users["community"])
    with time_machine.travel(DURING, tick=False):
        page = c.get(f"/polls/{open_poll.pk}/vote/").content.decode()
        assert 'data-testid="not-on-roll"' in page
        r = c.post(f"/polls/{open_poll.pk}/vote/", {**YES_ABSTAIN, "confirmed": "1"})
    assert levels(r) == ["error"] and Ballot.objects.count() == 0


# --- by proxy -----------------------------------------------------------------------------------


def grant(world, open_poll, grantor, holder):
    return svc.proxy_grant(compound=world.compounds["k1"], grantor=grantor, holder=holder, document=pdf(),
                           actor=world.users["chair"], poll=open_poll)


def test_a_proxy_holder_votes_for_the_owner(world, open_poll, owners, login):
    grant(world, open_poll, owners["dev"], owners["chair"])
    c = login(world.users["chair"])
    with time_machine.travel(DURING, tick=False):
        page = c.get(f"/polls/{open_poll.pk}/vote/").content.decode()
        assert f'data-for="{owners["dev"].pk}"' in page and "开发商" in page
        confirm, r = cast(c, open_poll, YES_ABSTAIN, **{"for": owners["dev"].pk})
        assert "开发商" in confirm.content.decode()
        shown = c.get(r.url).content.decode()
    ballot = Ballot.objects.get()
    assert ballot.channel == "proxy" and ballot.proxy.grantor == owners["dev"] and ballot.head.developer
    assert 'id="receipt"' in shown and ballot.receipt in shown


def test_a_revoked_proxy_votes_no_more(world, open_poll, owners, login):
    proxy = grant(world, open_poll, owners["dev"], owners["chair"])
    svc.proxy_revoke(proxy=proxy, actor=world.users["chair"])
    c = login(world.users["chair"])
    with time_machine.travel(DURING, tick=False):
        page = c.get(f"/polls/{open_poll.pk}/vote/?for={owners['dev'].pk}")
        assert f'data-for="{owners["dev"].pk}"' not in page.content.decode() and levels(page) == ["error"]
        first, r = cast(c, open_poll, YES_ABSTAIN, **{"for": owners["dev"].pk})
    assert first.status_code == 302 and r.status_code == 302 and levels(r)[-1] == "error"
    assert Ballot.objects.count() == 0


def test_a_proxy_over_the_cap_is_refused(world, open_poll, owners, owner_b, login):
    Poll.objects.filter(pk=open_poll.pk).update(proxies_per_holder=1)
    grant(world, open_poll, owners["dev"], owners["chair"])
    grant(world, open_poll, owners["b"], owners["chair"])
    c = login(world.users["chair"])
    with time_machine.travel(DURING, tick=False):
        cast(c, open_poll, YES_ABSTAIN, **{"for": owners["dev"].pk})
        _first, r = cast(c, open_poll, YES_ABSTAIN, **{"for": owners["b"].pk})
    assert levels(r)[-1] == "error"
    assert list(Ballot.objects.values_list("head__developer", flat=True)) == [True]
    assert Proxy.objects.filter(revoked_at__isnull=True).count() == 2


def test_an_owner_of_two_heads_votes_for_each(world, owners, login):
    """RULES V7: the chair's own flat (101) and the flat co-owned with owners a and b (102) are
    two heads; the page offers both and a ballot goes to the head chosen."""
    from datetime import datetime, timedelta

    from sanfang.orgs.models import Ownership
    from sanfang.voting.models import RollHead

    from .conftest import SH

    Ownership.objects.create(unit=world.units["102"], person=owners["chair"], compound=world.compounds["k1"])
    start = datetime(2026, 12, 1, 9, 0, tzinfo=SH)
    with time_machine.travel(start - timedelta(days=20), tick=False):
        poll = svc.poll_create(compound=world.compounds["k1"], title="两户", actor=world.users["chair"],
                               items=[("x", "covenant")], opens_at=start, closes_at=start + timedelta(days=10))
        svc.poll_announce(poll=poll, actor=world.users["chair"])
    svc.poll_open(poll=poll, actor=world.users["chair"], now=start)
    own, shared = (RollHead.objects.get(poll=poll, people=owners["chair"], units__0__unit=label)
                   for label in ("1-1-101", "1-1-102"))
    with time_machine.travel(DURING, tick=False):
        c = login(world.users["chair"])
        page = c.get(f"/polls/{poll.pk}/vote/").content.decode()
        assert 'data-testid="several-heads"' in page
        assert f'data-head="{own.key}"' in page and f'data-head="{shared.key}"' in page
        c.post(f"/polls/{poll.pk}/vote/", {"item_1": "yes", "confirmed": "1"})  # the first, by default
        confirm = c.post(f"/polls/{poll.pk}/vote/", {"item_1": "no", "head": shared.key})
        assert "1-1-102" in confirm.content.decode() and f'name="head" value="{shared.key}"' in confirm.content.decode()
        r = c.post(f"/polls/{poll.pk}/vote/", {"item_1": "no", "head": shared.key, "confirmed": "1"})
        shown = c.get(r.url).content.decode()
        # a head the chair is not one of is refused, and nothing changes
        dev = RollHead.objects.get(poll=poll, developer=True)
        refused = c.post(f"/polls/{poll.pk}/vote/", {"item_1": "no", "head": dev.key, "confirmed": "1"})
    ballots = {b.head_id: b for b in Ballot.objects.filter(poll=poll)}
    assert set(ballots) == {own.pk, shared.pk}
    assert ballots[own.pk].choices == {"1": "yes"} and ballots[shared.pk].choices == {"1": "no"}
    assert re.search(r'id="receipt"[^>]*>([^<]+)<', shown).group(1) == ballots[shared.pk].receipt
    assert levels(refused)[-1] == "error" and Ballot.objects.filter(poll=poll).count() == 2


def test_a_proxy_holder_never_sees_the_owners_own_ballot(world, open_poll, owners, owner_b, login):
    """The owner voted themself: their receipt and choices would find their ballot in the
    published log, so the holder sees only that they voted, even where ballots may change."""
    Poll.objects.filter(pk=open_poll.pk).update(allow_change=True)
    grant(world, open_poll, owners["b"], owners["chair"])
    own = svc.ballot_cast(poll=open_poll, actor=owner_b, choices={"1": "no", "2": "no"}, now=DURING)
    c = login(world.users["chair"])
    with time_machine.travel(DURING, tick=False):
        for query in ("", "&change=1"):
            page = c.get(f"/polls/{open_poll.pk}/vote/?for={owners['b'].pk}{query}").content.decode()
            assert 'data-testid="voted-by-owner"' in page and own.receipt not in page
            assert 'data-testid="my-choices"' not in page and 'data-testid="ballot-form"' not in page
        confirm, r = cast(c, open_poll, YES_ABSTAIN, **{"for": owners["b"].pk})
        after = c.get(r.url).content.decode() if r.status_code == 302 else ""
    assert own.receipt not in after and Ballot.objects.get().choices == {"1": "no", "2": "no"}
