"""Casting ballots: one per head (V7), only published items (V13), inside the window, proxies
capped and revocable, paper never over an online ballot; every refusal changes nothing."""

import threading
import time
from datetime import datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import translation

from sanfang.voting import services as svc
from sanfang.voting.models import Ballot, PaperVisit, Proxy, RollHead

from .conftest import SH

pytestmark = pytest.mark.django_db
DURING = datetime(2026, 12, 2, 10, 0, tzinfo=SH)
YES = {"1": "yes", "2": "abstain"}


def doc():
    return SimpleUploadedFile("auth.pdf", b"%PDF-1.4 signed", content_type="application/pdf")


def test_the_roll_counts_heads_by_v7(open_poll, owners):
    heads = {h.key: h for h in RollHead.objects.filter(poll=open_poll)}
    assert len(heads) == 3  # the chair (101), the co-owners of 102 together, the developer (201)
    assert sorted(h.area for h in heads.values()) == [8850, 8850, 8850]
    co = RollHead.objects.get(poll=open_poll, people=owners["a"])
    assert set(co.people.values_list("pk", flat=True)) == {owners["a"].pk, owners["b"].pk}
    assert RollHead.objects.filter(poll=open_poll, developer=True).count() == 1


def test_an_owner_votes_once_and_gets_a_receipt(world, open_poll):
    b = svc.ballot_cast(poll=open_poll, actor=world.users["owner_a"], choices=YES, now=DURING)
    assert b.channel == "online" and len(b.receipt) == 12
    with pytest.raises(ValidationError) as err:
        svc.ballot_cast(poll=open_poll, actor=world.users["owner_a"], choices={"1": "no", "2": "no"}, now=DURING)
    assert err.value.code == "duplicate" and b.receipt in err.value.messages[0]
    assert Ballot.objects.get().choices == YES


@pytest.mark.parametrize(("choices", "code"), [
    ({"1": "yes", "2": "yes", "3": "yes"}, "unknown_item"),
    ({"1": "yes"}, "incomplete"),
    ({"1": "maybe", "2": "yes"}, "bad_choice"),
])
def test_only_the_published_items(world, open_poll, choices, code):
    with pytest.raises(ValidationError) as err:
        svc.ballot_cast(poll=open_poll, actor=world.users["owner_a"], choices=choices, now=DURING)
    assert err.value.code == code and Ballot.objects.count() == 0


@pytest.mark.parametrize("when", [datetime(2026, 11, 30, 9, 0, tzinfo=SH), datetime(2026, 12, 11, 9, 0, tzinfo=SH)])
def test_outside_the_window(world, open_poll, when):
    with pytest.raises(ValidationError) as err:
        svc.ballot_cast(poll=open_poll, actor=world.users["owner_a"], choices=YES, now=when)
    assert err.value.code == "not_allowed" and Ballot.objects.count() == 0


def test_someone_not_on_the_roll(world, open_poll):
    with pytest.raises(PermissionDenied):
        svc.ballot_cast(poll=open_poll, actor=world.users["resident"], choices=YES, now=DURING)


def test_a_proxy_votes_for_the_owner_until_revoked(world, open_poll, owners):
    chair = world.users["chair"]  # holds an authorisation from owner b (co-owner of 102)
    proxy = svc.proxy_grant(compound=world.compounds["k1"], grantor=owners["b"], holder=owners["chair"],
                            document=doc(), actor=chair, poll=open_poll)
    b = svc.ballot_cast(poll=open_poll, actor=chair, choices=YES, for_person_id=owners["b"].pk, now=DURING)
    assert b.channel == "proxy" and b.proxy == proxy
    svc.proxy_revoke(proxy=proxy, actor=chair)
    with pytest.raises(ValidationError):
        svc.proxy_revoke(proxy=proxy, actor=chair)


def test_a_revoked_proxy_cannot_vote(world, open_poll, owners):
    chair = world.users["chair"]
    proxy = svc.proxy_grant(compound=world.compounds["k1"], grantor=owners["b"], holder=owners["chair"],
                            document=doc(), actor=chair, poll=open_poll)
    svc.proxy_revoke(proxy=proxy, actor=chair)
    with pytest.raises(PermissionDenied):
        svc.ballot_cast(poll=open_poll, actor=chair, choices=YES, for_person_id=owners["b"].pk, now=DURING)
    assert Ballot.objects.count() == 0


def test_a_proxy_over_its_cap(world, open_poll, owners):
    open_poll.proxies_per_holder = 1
    open_poll.save()
    chair = world.users["chair"]
    for grantor in (owners["b"], owners["dev"]):
        svc.proxy_grant(compound=world.compounds["k1"], grantor=grantor, holder=owners["chair"], document=doc(),
                        actor=chair, poll=open_poll)
    svc.ballot_cast(poll=open_poll, actor=chair, choices=YES, for_person_id=owners["b"].pk, now=DURING)
    with pytest.raises(ValidationError) as err:
        svc.ballot_cast(poll=open_poll, actor=chair, choices=YES, for_person_id=owners["dev"].pk, now=DURING)
    assert err.value.code == "proxy_cap" and Ballot.objects.count() == 1


def test_paper_never_over_online(world, open_poll, owners):
    svc.ballot_cast(poll=open_poll, actor=world.users["owner_a"], choices=YES, now=DURING)
    head = RollHead.objects.get(poll=open_poll, people=owners["a"])
    scan = SimpleUploadedFile("scan.jpg", b"\xff\xd8\xff" + b"0" * 20, content_type="image/jpeg")
    with pytest.raises(ValidationError) as err:
        svc.paper_ballot_enter(poll=open_poll, head_key=head.key, choices={"1": "no", "2": "no"}, scan=scan,
                               actor=world.users["community"], now=DURING)
    assert err.value.code == "duplicate"
    assert Ballot.objects.get().channel == "online" and PaperVisit.objects.count() == 0
    # The staff are not told the owner's receipt: it would find the ballot in the published log.
    assert Ballot.objects.get().receipt not in err.value.messages[0]


def _owner_b(world, owners):
    """A user for owner b (co-owner of 102 with a), who can vote online."""
    from sanfang.accounts.models import Role
    from sanfang.testing import user_with_seat

    user = user_with_seat("owner-b", Role.RESIDENT, world.compounds["k1"])
    user.person = owners["b"]
    user.save()
    return user


def test_a_proxy_holder_is_not_told_the_owners_receipt(world, open_poll, owners):
    owner_b = _owner_b(world, owners)
    chair = world.users["chair"]
    svc.proxy_grant(compound=world.compounds["k1"], grantor=owners["b"], holder=owners["chair"], document=doc(),
                    actor=chair, poll=open_poll)
    own = svc.ballot_cast(poll=open_poll, actor=owner_b, choices=YES, now=DURING)
    with pytest.raises(ValidationError) as err:
        svc.ballot_cast(poll=open_poll, actor=chair, choices={"1": "no", "2": "no"}, for_person_id=owners["b"].pk,
                        now=DURING)
    assert err.value.code == "duplicate" and own.receipt not in err.value.messages[0]
    with pytest.raises(ValidationError) as again:  # the owner themselves still gets it
        svc.ballot_cast(poll=open_poll, actor=owner_b, choices=YES, now=DURING)
    assert own.receipt in again.value.messages[0]
    assert Ballot.objects.get().choices == YES


def test_paper_ballot_with_its_scan_and_visit(world, open_poll):
    head = RollHead.objects.get(poll=open_poll, developer=True)
    scan = SimpleUploadedFile("scan.jpg", b"\xff\xd8\xff" + b"0" * 20, content_type="image/jpeg")
    b = svc.paper_ballot_enter(poll=open_poll, head_key=head.key, choices=YES, scan=scan,
                               actor=world.users["community"], now=DURING)
    assert b.channel == "paper" and b.scan
    assert PaperVisit.objects.get().outcome == "collected"
    with pytest.raises(PermissionDenied):
        svc.paper_ballot_enter(poll=open_poll, head_key=head.key, choices=YES, scan=scan,
                               actor=world.users["company"], now=DURING)


def test_proxy_needs_a_document_and_an_owner(world, open_poll, owners):
    with pytest.raises(ValidationError):
        svc.proxy_grant(compound=world.compounds["k1"], grantor=owners["b"], holder=owners["chair"], document=None,
                        actor=world.users["chair"], poll=open_poll)
    assert Proxy.objects.count() == 0


def test_announce_needs_the_notice_period(world, owners):
    start = datetime(2026, 12, 1, 9, 0, tzinfo=SH)
    poll = svc.poll_create(compound=world.compounds["k1"], title="t", actor=world.users["chair"],
                           items=[("x", "covenant")], opens_at=start, closes_at=start + timedelta(days=10))
    with pytest.raises(ValidationError):
        svc.poll_announce(poll=poll, actor=world.users["chair"], now=start - timedelta(days=14))
    svc.poll_announce(poll=poll, actor=world.users["chair"], now=start - timedelta(days=15))


def test_two_ballots_for_one_head_at_once(world, open_poll, owners, transactional_db):
    """Two co-owners press "vote" at the same instant: exactly one ballot counts."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race is exercised on PostgreSQL")
    from sanfang.accounts.models import Role
    from sanfang.testing import user_with_seat

    ub = user_with_seat("owner-b", Role.RESIDENT, world.compounds["k1"])
    ub.person = owners["b"]
    ub.save()
    outcomes, barrier = [], threading.Barrier(2)

    def vote(user):
        barrier.wait()
        try:
            svc.ballot_cast(poll=open_poll, actor=user, choices=YES, now=DURING)
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=vote, args=(u,)) for u in (world.users["owner_a"], ub)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(outcomes) == ["duplicate", "ok"] and Ballot.objects.count() == 1


def test_a_close_between_the_checks_and_the_insert_stores_nothing(world, open_poll, monkeypatch):
    """The INSERT stores the ballot only while the poll is open: a close that lands after the
    ballot's checks leaves it refused, not counted after the close."""
    from sanfang.voting.models import Poll

    read = svc._context

    def then_closed(*args, **kwargs):
        ctx = read(*args, **kwargs)
        Poll.objects.filter(pk=open_poll.pk).update(status=Poll.Status.CLOSED)
        return ctx

    monkeypatch.setattr(svc, "_context", then_closed)
    with pytest.raises(ValidationError) as err:
        svc.ballot_cast(poll=open_poll, actor=world.users["owner_a"], choices=YES, now=DURING)
    assert err.value.code == "not_allowed" and Ballot.objects.count() == 0


def test_a_receipt_that_collides_is_drawn_again(world, open_poll, owners, monkeypatch):
    first = svc.ballot_cast(poll=open_poll, actor=world.users["chair"], choices=YES, now=DURING)
    draws = iter([first.receipt, "FRESH0RECEIPT"[:12]])
    monkeypatch.setattr(svc, "new_receipt", lambda: next(draws))
    second = svc.ballot_cast(poll=open_poll, actor=world.users["owner_a"], choices=YES, now=DURING)
    assert second.receipt == "FRESH0RECEIPT"[:12]
    assert Ballot.objects.get(pk=second.pk).receipt == second.receipt and Ballot.objects.count() == 2


def test_the_ballot_returned_is_the_row_stored(world, open_poll, owners):
    b = svc.ballot_cast(poll=open_poll, actor=world.users["owner_a"], choices={"2": "no", "1": "yes"}, now=DURING)
    stored = Ballot.objects.get()
    head = RollHead.objects.get(poll=open_poll, people=owners["a"])
    assert (b.pk, b.receipt, b.head_id, b.compound_id, b.channel, b.cast_by_id, b.at, b.choices) == (
        stored.pk, stored.receipt, head.pk, open_poll.compound_id, "online", world.users["owner_a"].pk, DURING,
        {"1": "yes", "2": "no"})
    assert stored.choices == {"1": "yes", "2": "no"} and stored.proxy_id is None and stored.changed == 0


def test_a_changed_ballot_replaces_the_first_where_allowed(world, open_poll, owners):
    open_poll.allow_change = True
    open_poll.save()
    first = svc.ballot_cast(poll=open_poll, actor=world.users["owner_a"], choices=YES, now=DURING)
    again = svc.ballot_cast(poll=open_poll, actor=world.users["owner_a"], choices={"1": "no", "2": "no"},
                            now=DURING + timedelta(hours=1))
    stored = Ballot.objects.get()
    assert again.pk == first.pk and stored.receipt == first.receipt
    assert stored.choices == {"1": "no", "2": "no"} and stored.changed == 1


def test_a_duplicate_inside_a_transaction_leaves_it_usable(world, open_poll, owners):
    from django.db import transaction

    with transaction.atomic():
        svc.ballot_cast(poll=open_poll, actor=world.users["owner_a"], choices=YES, now=DURING)
        with pytest.raises(ValidationError):
            svc.ballot_cast(poll=open_poll, actor=world.users["owner_a"], choices=YES, now=DURING)
        assert Ballot.objects.count() == 1  # the transaction goes on after the refusal


def test_a_duplicate_outside_any_transaction(world, open_poll, owners, transactional_db):
    """No caller's transaction: each statement is its own, and the refusal still names the
    first receipt."""
    first = svc.ballot_cast(poll=open_poll, actor=world.users["owner_a"], choices=YES, now=DURING)
    with pytest.raises(ValidationError) as err:
        svc.ballot_cast(poll=open_poll, actor=world.users["owner_a"], choices=YES, now=DURING)
    assert err.value.code == "duplicate" and first.receipt in err.value.messages[0]
    assert Ballot.objects.count() == 1


def test_items_not_numbered_one_to_n_are_read_one_by_one(world, open_poll):
    from sanfang.voting.models import PollItem

    PollItem.objects.filter(poll=open_poll, order=2).update(order=5)
    with pytest.raises(ValidationError) as err:
        svc.ballot_cast(poll=open_poll, actor=world.users["owner_a"], choices=YES, now=DURING)
    assert err.value.code == "unknown_item"
    b = svc.ballot_cast(poll=open_poll, actor=world.users["owner_a"], choices={"1": "yes", "5": "no"}, now=DURING)
    assert b.choices == {"1": "yes", "5": "no"}


def test_a_head_key_the_owner_is_not_on(world, open_poll, owners):
    chairs = RollHead.objects.get(poll=open_poll, people=owners["chair"])
    with pytest.raises(PermissionDenied):
        svc.ballot_cast(poll=open_poll, actor=world.users["owner_a"], choices=YES, head_key=chairs.key, now=DURING)
    assert Ballot.objects.count() == 0


def test_a_user_without_an_owner_on_the_roll(world, open_poll):
    with pytest.raises(PermissionDenied):
        svc.ballot_cast(poll=open_poll, actor=world.users["company"], choices=YES, now=DURING)


def test_closing_waits_for_a_ballot_in_flight(world, open_poll, owners, transactional_db, monkeypatch):
    """PostgreSQL: the ballot's INSERT reads the poll FOR KEY SHARE, closing takes it FOR UPDATE.
    A ballot whose checks passed while the poll was open, and whose INSERT comes while the close
    holds the poll, stores nothing once the close commits: no ballot after the close."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the lock is exercised on PostgreSQL")
    from django.db import transaction

    from sanfang.voting.models import Poll

    locked, outcome = threading.Event(), []

    def close():
        try:
            with transaction.atomic():
                p = Poll.objects.select_for_update().get(pk=open_poll.pk)
                p.status = Poll.Status.CLOSED
                p.save(update_fields=["status"])
                locked.set()
                time.sleep(0.5)  # the ballot's INSERT waits meanwhile
        finally:
            connection.close()

    read = svc._context

    def checked_then_wait(*args, **kwargs):
        ctx = read(*args, **kwargs)  # still open
        closer.start()
        locked.wait(5)
        return ctx

    def vote():
        try:
            svc.ballot_cast(poll=open_poll, actor=world.users["owner_a"], choices=YES, now=DURING)
            outcome.append("stored")
        except ValidationError as exc:
            outcome.append(exc.code)
        finally:
            connection.close()

    monkeypatch.setattr(svc, "_context", checked_then_wait)
    closer = threading.Thread(target=close)
    voter = threading.Thread(target=vote)
    voter.start()
    voter.join(10)
    closer.join(10)
    assert outcome == ["not_allowed"] and Ballot.objects.count() == 0


def test_closing_early_only_once_every_head_has_voted(world, open_poll):
    heads = list(RollHead.objects.filter(poll=open_poll).values_list("key", flat=True))
    for key in heads[:-1]:
        svc.paper_ballot_enter(poll=open_poll, head_key=key, choices=YES, actor=world.users["community"], now=DURING,
                               scan=SimpleUploadedFile("s.jpg", b"\xff\xd8\xff" + b"0" * 20, content_type="image/jpeg"))
    with pytest.raises(ValidationError) as err, translation.override("en"):
        svc.poll_close(poll=open_poll, actor=world.users["chair"], now=DURING)
    assert f"{len(heads) - 1} of {len(heads)}" in err.value.messages[0]
    svc.paper_ballot_enter(poll=open_poll, head_key=heads[-1], choices=YES, actor=world.users["community"], now=DURING,
                           scan=SimpleUploadedFile("s.jpg", b"\xff\xd8\xff" + b"0" * 20, content_type="image/jpeg"))
    closed = svc.poll_close(poll=open_poll, actor=world.users["chair"], now=DURING)
    assert closed.status == "closed" and closed.decided_on == DURING.date()


def test_where_ballots_may_change_a_proxy_changes_only_what_it_cast(world, open_poll, owners):
    open_poll.allow_change = True
    open_poll.save()
    owner_b = _owner_b(world, owners)
    chair = world.users["chair"]
    svc.proxy_grant(compound=world.compounds["k1"], grantor=owners["b"], holder=owners["chair"], document=doc(),
                    actor=chair, poll=open_poll)
    by_proxy = svc.ballot_cast(poll=open_poll, actor=chair, choices=YES, for_person_id=owners["b"].pk, now=DURING)
    again = svc.ballot_cast(poll=open_poll, actor=chair, choices={"1": "no", "2": "no"},
                            for_person_id=owners["b"].pk, now=DURING)  # the holder changes what it cast
    assert again.receipt == by_proxy.receipt and again.changed == 1
    # The owner replaces it: a receipt the holder never saw.
    own = svc.ballot_cast(poll=open_poll, actor=owner_b, choices={"1": "abstain", "2": "no"}, now=DURING)
    assert own.channel == "online" and own.proxy is None and own.receipt != by_proxy.receipt
    stored = Ballot.objects.get()
    assert stored.receipt == own.receipt and stored.changed == 2
    # …and the holder can no longer change it, nor learn its receipt.
    with pytest.raises(ValidationError) as err:
        svc.ballot_cast(poll=open_poll, actor=chair, choices=YES, for_person_id=owners["b"].pk, now=DURING)
    assert err.value.code == "duplicate" and own.receipt not in err.value.messages[0]
    assert Ballot.objects.get().choices == {"1": "abstain", "2": "no"}


def test_no_early_close_where_ballots_may_still_change(world, open_poll):
    open_poll.allow_change = True
    open_poll.save()
    for key in RollHead.objects.filter(poll=open_poll).values_list("key", flat=True):
        svc.paper_ballot_enter(poll=open_poll, head_key=key, choices=YES, actor=world.users["community"], now=DURING,
                               scan=SimpleUploadedFile("s.jpg", b"\xff\xd8\xff" + b"0" * 20, content_type="image/jpeg"))
    with pytest.raises(ValidationError):  # every head voted, but each may still change until the end
        svc.poll_close(poll=open_poll, actor=world.users["chair"], now=DURING)
    assert svc.poll_close(poll=open_poll, actor=world.users["chair"], now=open_poll.closes_at).status == "closed"
