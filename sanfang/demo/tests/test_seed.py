"""`sanfang seed`: a small demo through the real registry import, the logins and their seats,
idempotence, clear errors; the benchmark's own checks on a tiny megacity."""

import json
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from sanfang.accounts import scope
from sanfang.accounts.models import Role, Seat, User
from sanfang.core.models import ChangeEvent
from sanfang.demo import generator
from sanfang.orgs.models import Membership, Ownership, Person
from sanfang.places.models import Compound, Unit

pytestmark = pytest.mark.django_db

SIZE = "0.02"


def seed(*args) -> str:
    out = StringIO()
    call_command("seed", *args, stdout=out)
    return out.getvalue()


def snapshot():
    return {
        "units": Unit.objects.count(), "ownerships": Ownership.objects.count(), "people": Person.objects.count(),
        "memberships": Membership.objects.count(), "events": ChangeEvent.objects.count(),
        "users": sorted(User.objects.values_list("pk", "username", "phone", "person_id")),
        "seats": sorted(Seat.objects.values_list("pk", "user__username", "role")),
    }


def test_seed_demo_creates_the_logins_with_their_seats():
    out = seed("demo", "--size", SIZE)
    sheets = generator.demo_district(size=float(SIZE))
    assert Compound.objects.count() == len(sheets["小区"])
    assert Unit.objects.count() == len(sheets["房屋"])
    assert "sanfang-demo" in out and "Traceback" not in out

    logins = generator.demo_logins(sheets)
    for login in logins:
        user = User.objects.get(username=login.username)
        assert login.username in out and login.phone in out
        seats = list(user.seats.all())
        assert len(seats) == 1 and seats[0].role == login.role
        assert seats[0].node.code == login.node_code
        seats[0].full_clean()
        assert authenticate(None, username=login.phone, password=generator.DEMO_PASSWORD) == user
        if login.id_number:
            assert user.person is not None and user.person.name == login.name
    district = User.objects.get(username="district")
    assert district.is_superuser and district.is_staff
    assert not User.objects.filter(is_superuser=True).exclude(username="district").exists()

    showcase = sheets["小区"][0]["编码"]
    resident = User.objects.get(username="resident")
    assert Ownership.objects.filter(person=resident.person, compound__code=showcase).exists()
    assert list(scope.visible_compounds(resident).values_list("code", flat=True)) == [showcase]
    assert scope.visible_compounds(User.objects.get(username="committee")).get().code == showcase
    company = User.objects.get(username="company")
    assert showcase in set(scope.visible_compounds(company).values_list("code", flat=True))
    community = User.objects.get(username="community")
    assert community.seats.get().role == Role.COMMUNITY_WORKER
    # The community secretary also sits on the showcase owners' committee (a cross-appointment).
    assert Membership.objects.filter(person=community.person, organization__code=f"YWH-{showcase}").exists()
    # Owners' decisions in the showcase compound: decided, open, announced.
    from sanfang.voting.models import Poll

    assert sorted(Poll.objects.filter(compound__code=showcase).values_list("status", flat=True)) == [
        "announced", "open", "published"]
    # The open poll is the residents' step of a motion that went through the party and the three parties.
    from sanfang.meetings.models import Meeting, Motion

    motion = Motion.objects.get(compound__code=showcase)
    assert motion.stage == "residents" and motion.poll.status == "open"
    assert list(motion.steps.values_list("stage", flat=True)) == ["party", "tripartite"]
    assert set(Meeting.objects.filter(compound__code=showcase).values_list("kind", "status")) == {
        ("committee", "minutes_published"), ("deliberation", "minutes_published"), ("joint", "announced")}


def test_seed_demo_twice_changes_nothing():
    seed("demo", "--size", SIZE)
    before = snapshot()
    user = User.objects.get(username="grid")
    user.set_password("something-else")
    user.failed_logins = 3
    user.save()
    out = seed("demo", "--size", SIZE)
    assert " 0 created, 0 updated" in out
    assert snapshot() == before
    user.refresh_from_db()
    assert user.check_password(generator.DEMO_PASSWORD) and user.failed_logins == 0


def test_seed_refuses_bad_arguments():
    with pytest.raises(CommandError, match="scale"):
        seed("megacity", "--scale", "0")
    with pytest.raises(CommandError, match="size"):
        seed("demo", "--size", "2")


def test_import_problems_are_a_clear_error_and_write_nothing(monkeypatch):
    real = generator.demo_district

    def broken(size=1.0):
        sheets = real(size=size)
        sheets["房屋"][0]["专有部分面积"] = -5
        return sheets

    monkeypatch.setattr(generator, "demo_district", broken)
    with pytest.raises(CommandError, match="refused") as info:
        seed("demo", "--size", SIZE)
    assert "房屋" in str(info.value)
    assert Unit.objects.count() == 0 and User.objects.count() == 0


def test_phone_taken_by_another_user_is_a_clear_error():
    User.objects.create_user(username="someone", phone="13800000005", password="x" * 10)
    with pytest.raises(CommandError, match="13800000005"):
        seed("demo", "--size", SIZE)


def test_seed_megacity_small():
    out = seed("megacity", "--scale", "0.0005")
    assert Compound.objects.count() == 10
    assert "Seeded the megacity" in out
    assert not User.objects.exists()


def test_registry_import_benchmark_checks_its_data(capsys):
    from bench import registry_import as bench

    bench.run(scale=0.0005, argv=[])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [x["name"] for x in lines] == ["registry_import", "registry_import_unchanged"]
    first = lines[0]
    assert set(first) >= {"name", "n", "rate", "p50_ms", "p95_ms", "p99_ms", "baseline_rate", "ratio", "errors",
                          "database"}
    assert first["errors"] == 0 and first["rate"] > 0 and first["ratio"] > 0
    # A lost row is a failure, not a rate.
    Unit.objects.filter(pk=Unit.objects.order_by("pk").values("pk")[:1]).update(exclusive_area=None,
                                                                                 area_source="")
    with pytest.raises(bench.BenchFailure, match="unit_area"):
        bench._verify(bench._expected(generator.megacity(0.0005)))


def test_demo_and_megacity_in_one_database():
    seed("demo", "--size", SIZE)
    units = Unit.objects.count()
    seed("megacity", "--scale", "0.0005")
    assert Unit.objects.count() == units + len(generator.megacity(0.0005)["房屋"])
    out = seed("demo", "--size", SIZE)
    assert " 0 created, 0 updated" in out
