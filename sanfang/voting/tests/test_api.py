from datetime import datetime

import pytest
import time_machine

from sanfang.accounts.models import User
from sanfang.voting.models import Ballot

from .conftest import SH

pytestmark = pytest.mark.django_db
DURING = datetime(2026, 12, 2, 10, 0, tzinfo=SH)


def test_vote_once_through_the_api_then_see_progress(world, open_poll, login):
    c = login(world.users["owner_a"])
    url = f"/api/v1/polls/{open_poll.pk}/ballots"
    with time_machine.travel(DURING, tick=False):
        r = c.post(url, {"choices": {"1": "yes", "2": "no"}}, content_type="application/json")
        assert r.status_code == 201 and len(r.json()["receipt"]) == 12
        again = c.post(url, {"choices": {"1": "no", "2": "no"}}, content_type="application/json")
        assert again.status_code == 409 and r.json()["receipt"] in again.json()["detail"]
        bad = c.post(url, {"choices": {"1": "yes", "2": "yes", "9": "yes"}}, content_type="application/json")
        assert bad.status_code == 422  # an item that was not published (V13)
        p = c.get(f"/api/v1/polls/{open_poll.pk}/progress").json()
    assert p["ballots"] == 1 and p["items"][0]["result"]["yes"]["heads"] == 1


def test_a_poll_outside_scope_is_not_there(world, open_poll, login):
    r = login(world.users["outsider"]).get(f"/api/v1/polls/{open_poll.pk}/progress")
    assert r.status_code == 404


def test_the_second_ballot_for_a_head_names_the_first_receipt(world, open_poll, owners, login):
    """Co-owners of one flat are one head (V7): the second to vote gets 409 and the receipt."""
    from sanfang.accounts.models import Role
    from sanfang.testing import user_with_seat

    ub = user_with_seat("owner-b", Role.RESIDENT, world.compounds["k1"])
    ub.person = owners["b"]
    ub.save()
    url = f"/api/v1/polls/{open_poll.pk}/ballots"
    with time_machine.travel(DURING, tick=False):
        first = login(world.users["owner_a"]).post(url, {"choices": {"1": "yes", "2": "no"}},
                                                   content_type="application/json")
        second = login(ub).post(url, {"choices": {"1": "no", "2": "no"}}, content_type="application/json")
    assert first.status_code == 201 and second.status_code == 409
    receipt = first.json()["receipt"]
    assert receipt in second.json()["detail"] and Ballot.objects.get().receipt == receipt


def test_a_ballot_outside_scope_or_for_no_poll_is_404(world, open_poll, login):
    with time_machine.travel(DURING, tick=False):
        out = login(world.users["outsider"]).post(f"/api/v1/polls/{open_poll.pk}/ballots",
                                                  {"choices": {"1": "yes", "2": "no"}}, content_type="application/json")
        none = login(world.users["owner_a"]).post(f"/api/v1/polls/{open_poll.pk + 99}/ballots",
                                                  {"choices": {"1": "yes", "2": "no"}}, content_type="application/json")
    assert out.status_code == 404 and none.status_code == 404 and Ballot.objects.count() == 0


def test_an_owner_of_two_heads_names_the_head(world, owners, login):
    """RULES V7: owner a co-owns 102 with b and owns 202 alone: two heads. Without a head the
    first by key; with one, that head; another owner's head is refused."""
    from sanfang.orgs.models import Ownership
    from sanfang.places.models import Unit
    from sanfang.voting.models import RollHead

    k1 = world.compounds["k1"]
    u202 = Unit.objects.create(compound=k1, building=world.units["101"].building, entrance="1", number="202",
                               exclusive_area="70.00", area_source="registered")
    Ownership.objects.create(unit=u202, person=owners["a"], compound=k1)
    poll = _opened(world)
    mine = list(RollHead.objects.filter(poll=poll, people=owners["a"]).order_by("key"))
    chairs = RollHead.objects.get(poll=poll, people=owners["chair"])
    assert len(mine) == 2
    c = login(world.users["owner_a"])
    url = f"/api/v1/polls/{poll.pk}/ballots"
    with time_machine.travel(DURING, tick=False):
        assert c.post(url, {"choices": {"1": "yes"}}, content_type="application/json").status_code == 201
        second = c.post(url, {"choices": {"1": "no"}, "head": mine[1].key}, content_type="application/json")
        assert second.status_code == 201
        other = c.post(url, {"choices": {"1": "no"}, "head": chairs.key}, content_type="application/json")
        assert other.status_code == 403
    assert sorted(Ballot.objects.values_list("head__key", "choices")) == [(mine[0].key, {"1": "yes"}),
                                                                          (mine[1].key, {"1": "no"})]


def _opened(world):
    from datetime import timedelta

    from sanfang.voting import services as svc

    start = datetime(2026, 12, 1, 9, 0, tzinfo=SH)
    with time_machine.travel(start - timedelta(days=20), tick=False):
        poll = svc.poll_create(compound=world.compounds["k1"], title="t", actor=world.users["chair"],
                               items=[("x", "covenant")], opens_at=start, closes_at=start + timedelta(days=10))
        svc.poll_announce(poll=poll, actor=world.users["chair"])
    return svc.poll_open(poll=poll, actor=world.users["chair"], now=start)


def test_the_progress_of_a_poll_not_open_yet_is_a_clear_409(world, owners, login):
    from datetime import timedelta

    from sanfang.voting import services as svc

    start = datetime(2026, 12, 1, 9, 0, tzinfo=SH)
    poll = svc.poll_create(compound=world.compounds["k1"], title="t", actor=world.users["chair"],
                           items=[("x", "covenant")], opens_at=start, closes_at=start + timedelta(days=10))
    r = login(world.users["owner_a"]).get(f"/api/v1/polls/{poll.pk}/progress")
    assert r.status_code == 409 and r.json()["detail"]  # the message, in the user's language


def test_a_fresh_progress_is_read_without_touching_the_poll_or_the_ballots(world, open_poll, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = login(world.users["owner_a"])
    url = f"/api/v1/polls/{open_poll.pk}/progress"
    first = c.get(url)
    with CaptureQueriesContext(connection) as ctx:
        again = c.get(url)
    assert first.status_code == again.status_code == 200 and again.content == first.content
    assert again["Content-Type"] == "application/json"
    assert again["Cache-Control"].startswith("private, max-age=") and int(again["Cache-Control"].split("=")[1]) <= 5
    assert not [q["sql"] for q in ctx.captured_queries if "voting_" in q["sql"]]
    # …and the scope is still checked against the snapshot's compound.
    assert login(world.users["outsider"]).get(url).status_code == 404


def test_visible_says_what_visible_compounds_says(world):
    """The API's scope check answers without a query for a resident's compound and a region
    seat over its community, and by ``visible_compounds`` otherwise: the same answer for every
    user of the world and every compound."""
    from sanfang.accounts.scope import visible_compounds
    from sanfang.places.models import Compound
    from sanfang.voting.api import visible

    world.users["root"] = User.objects.create_superuser("root", password=None)
    compounds = list(Compound.objects.select_related("community"))
    for name, user in world.users.items():
        user = User.objects.get(pk=user.pk)  # no seats read yet
        for compound in compounds:
            expected = visible_compounds(user).filter(pk=compound.pk).exists()
            assert visible(user, compound.pk, compound.community.path) == expected, (name, compound.code)
            assert visible(User.objects.get(pk=user.pk), compound.pk) == expected, (name, compound.code)
