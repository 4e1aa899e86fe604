"""What the scope reads on every request and what it keeps (bench inbox): a user's seats and
API token are read afresh each time, so a removed seat or a revoked token counts from the next
request on; only the compound ids of a region subtree are kept per process, forgotten at once
when a region or compound is saved or deleted, and at most SCOPE_CACHE_SECONDS old otherwise."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from sanfang.accounts import scope
from sanfang.accounts.models import ApiToken, Role, Seat
from sanfang.api.auth import user_for_token
from sanfang.places.models import Compound
from sanfang.testing import user_with_seat

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _nothing_kept():
    """Each test starts with nothing kept from the one before (its database is new)."""
    scope.forget_places()


def fresh(user):
    """The same user as the next request sees it (nothing kept on the object)."""
    return type(user).objects.get(pk=user.pk)


def test_seats_come_with_what_they_sit_at_in_one_query(world, django_assert_num_queries):
    dept = fresh(world.users["department"])
    with django_assert_num_queries(1):
        seats = scope.seats_of(dept)
        assert [s.role for s in seats] == [Role.DEPARTMENT_OFFICER]
        assert seats[0].organization == world.orgs["dept"]
        assert seats[0].organization.region.path == world.regions["d"].path  # the org's region too
        assert seats[0].region is None and seats[0].user is dept
        assert scope.region_paths(dept) == [world.regions["d"].path]
    community = fresh(world.users["community"])
    with django_assert_num_queries(1):
        assert scope.seats_of(community)[0].region.path == world.regions["c1"].path
        assert scope.seats_of(community)[0].organization is None  # kept for the request


def test_seats_match_the_orm(world):
    for user in world.users.values():
        expected = list(Seat.objects.active().filter(user=user).select_related("region", "organization__region")
                        .order_by("pk"))
        got = scope.seats_of(fresh(user))
        assert [(s.pk, s.role, s.region, s.organization, s.compound_id, s.ends) for s in got] == [
            (s.pk, s.role, s.region, s.organization, s.compound_id, s.ends) for s in expected]


def test_a_seat_ending_today_still_counts_and_one_ended_yesterday_does_not(world):
    company = world.users["company"]
    seat = Seat.objects.get(user=company)
    seat.ends = timezone.localdate()
    seat.save()
    assert scope.roles_of(fresh(company)) == {Role.COMPANY_STAFF}
    seat.ends = timezone.localdate() - timedelta(days=1)
    seat.save()
    assert scope.roles_of(fresh(company)) == set()


def test_a_removed_seat_opens_nothing_from_the_next_request_on(world):
    community = world.users["community"]
    assert scope.visible_compounds(fresh(community)).count() == 2
    Seat.objects.filter(user=community).delete()
    assert scope.visible_compounds(fresh(community)).count() == 0


def test_a_revoked_token_or_a_deactivated_user_is_refused_at_once(world, django_assert_num_queries):
    user = world.users["company"]
    token, key = ApiToken.issue(user=user, name="client")
    with django_assert_num_queries(2):  # the token and its user, then last_used written once
        assert user_for_token(key) == user
    with django_assert_num_queries(1):  # used a moment ago: a read stays a read
        found = user_for_token(key)
    assert found == user and found.username == "company" and found.is_active
    assert user_for_token(key + "x") is None
    token.revoked = True
    token.save()
    assert user_for_token(key) is None
    token.revoked = False
    token.save()
    user.is_active = False
    user.save()
    assert user_for_token(key) is None


def test_last_used_is_written_at_most_once_a_minute(world, django_assert_num_queries):
    token, key = ApiToken.issue(user=world.users["company"], name="client")
    user_for_token(key)
    first = ApiToken.objects.get(pk=token.pk).last_used
    assert first is not None
    ApiToken.objects.filter(pk=token.pk).update(last_used=first - timedelta(seconds=61))
    with django_assert_num_queries(2):
        user_for_token(key)
    assert ApiToken.objects.get(pk=token.pk).last_used > first - timedelta(seconds=61)


# ---- the compounds of a subtree ---------------------------------------------------------------

def test_a_subtrees_compounds_are_kept(world, django_assert_num_queries):
    path = world.regions["c1"].path
    k1, k2 = world.compounds["k1"], world.compounds["k2"]
    assert scope.compound_ids_in(path) == (k1.pk, k2.pk)
    with django_assert_num_queries(0):
        assert scope.compound_ids_in(path) == (k1.pk, k2.pk)


def test_a_compound_moved_to_another_community_leaves_at_once(world):
    c1, c2 = world.regions["c1"], world.regions["c2"]
    k2 = world.compounds["k2"]
    assert k2.pk in scope.compound_ids_in(c1.path) and k2.pk not in scope.compound_ids_in(c2.path)
    k2.community = c2
    k2.save()
    assert k2.pk not in scope.compound_ids_in(c1.path)
    assert k2.pk in scope.compound_ids_in(c2.path)
    assert k2.pk in scope.compound_ids_in(world.regions["s2"].path)


def test_a_new_compound_and_a_moved_region_count_at_once(world):
    c1 = world.regions["c1"]
    scope.compound_ids_in(world.regions["s1"].path)
    new = Compound.objects.create(code="K4", name="新建小区", community=c1, households=1)
    assert new.pk in scope.compound_ids_in(world.regions["s1"].path)
    c1.parent = world.regions["s2"]  # the community moves to the other subdistrict, compounds and all
    c1.save()
    assert scope.compound_ids_in(world.regions["s1"].path) == ()
    assert new.pk in scope.compound_ids_in(world.regions["s2"].path)


def test_a_bulk_move_without_signals_shows_within_the_bound(world, monkeypatch, settings):
    """The registry import writes with COPY and bulk updates, which send no signals: a kept list
    may then be stale, never longer than SCOPE_CACHE_SECONDS."""
    settings.SCOPE_CACHE_SECONDS = 60
    now = [1000.0]
    monkeypatch.setattr(scope, "_clock", lambda: now[0])
    c1, c2 = world.regions["c1"], world.regions["c2"]
    k2 = world.compounds["k2"]
    assert k2.pk in scope.compound_ids_in(c1.path)
    Compound.objects.filter(pk=k2.pk).update(community=c2)  # no signal
    now[0] += 59
    assert k2.pk in scope.compound_ids_in(c1.path)  # the documented staleness
    now[0] += 2
    assert k2.pk not in scope.compound_ids_in(c1.path)


def test_another_process_forgets_through_the_shared_cache_version(world):
    """A process that saved a compound bumps the version key after its commit; a process
    sharing the cache backend forgets its lists when it sees the key change."""
    c1, c2 = world.regions["c1"], world.regions["c2"]
    k2 = world.compounds["k2"]
    assert k2.pk in scope.compound_ids_in(c1.path)
    Compound.objects.filter(pk=k2.pk).update(community=c2)  # as another process would, unseen here
    cache.set(scope.VERSION_KEY, "bumped elsewhere", None)
    try:
        assert k2.pk not in scope.compound_ids_in(c1.path)
    finally:
        cache.delete(scope.VERSION_KEY)


def test_the_version_is_bumped_after_a_commit(world, django_capture_on_commit_callbacks):
    before = cache.get(scope.VERSION_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        world.compounds["k3"].name = "西溪花园二期"
        world.compounds["k3"].save()
    assert cache.get(scope.VERSION_KEY) != before


def test_an_empty_subtree_and_a_user_without_seats(world):
    outsider = world.users["outsider"]
    assert scope.seats_of(outsider) == []
    empty = scope.compound_ids_in("/nowhere/")
    assert empty == ()
    lonely = user_with_seat("lonely", Role.COMMUNITY_WORKER, None)
    assert scope.seats_of(fresh(lonely)) == []


@pytest.mark.parametrize("prepared", [True, False])
def test_the_token_with_or_without_prepared_statements(world, settings, prepared):
    """PREPARED_STATEMENTS=0 (behind PgBouncer in transaction mode) sends the same SQL as it is:
    the same user, last_used written, and no statement prepared on the connection."""
    from django.db import connection

    settings.PREPARED_STATEMENTS = prepared

    def prepared_here():
        if connection.vendor != "postgresql":
            return set()
        with connection.cursor() as c:
            c.execute("SELECT name FROM pg_prepared_statements")
            return {row[0] for row in c.fetchall()}

    if connection.vendor == "postgresql":  # start from a connection with nothing prepared
        from sanfang.accounts.models import _prepared

        with connection.cursor() as c:
            c.execute("DEALLOCATE ALL")
        _prepared.pop(connection.connection, None)
    token, key = ApiToken.issue(user=world.users["company"], name="client")
    assert user_for_token(key) == world.users["company"]
    assert ApiToken.objects.get(pk=token.pk).last_used is not None
    if connection.vendor == "postgresql":
        names = prepared_here()
        assert (len(names) == 2) if prepared else not names  # the token, and last_used written
