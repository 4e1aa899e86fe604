"""A small, hand-checkable world for tests: the standard actors of DESIGN habit 13.

District D (330199) → subdistricts S1, S2 → communities C1 (in S1), C2 (in S2) → compounds
K1 and K2 in C1, K3 in C2. K1 has an owners' committee and a company with a current
contract; K3 is served by another company. One actor per role, plus an outsider.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sanfang.accounts.models import Role, Seat, User
from sanfang.orgs import identity
from sanfang.orgs.models import Membership, Organization, Ownership, PartyCoverage, Person, ServiceContract
from sanfang.places.models import Building, Compound, Region, Unit

PASSWORD = "sanfang-test-1"
_seq = iter(range(1, 10**6))


def person(name: str, *, party: bool = False, phone: str = "") -> Person:
    id_number = identity.make_resident_id(f"3301051980{next(_seq):07d}")
    return Person.objects.create(
        name=name, id_hash=identity.id_hash(id_number), id_last4=identity.last4(id_number),
        phone=phone or f"139{next(_seq):08d}", is_party_member=party,
    )


def user_with_seat(username: str, role: str, node=None, **extra) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, first_name=username, **extra)
    if node is not None:
        seat = Seat(user=user, role=role)
        if isinstance(node, Region):
            seat.region = node
        elif isinstance(node, Compound):
            seat.compound = node
        else:
            seat.organization = node
        seat.full_clean()
        seat.save()
    return user


def region(code, name, level, parent=None) -> Region:
    return Region.objects.create(code=code, name=name, level=level, parent=parent)


@dataclass
class World:
    regions: dict = field(default_factory=dict)
    compounds: dict = field(default_factory=dict)
    orgs: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    units: dict = field(default_factory=dict)


def build_world() -> World:
    w = World()
    L = Region.Level
    city = region("3301", "杭州市", L.CITY)
    d = region("330199", "示范区", L.DISTRICT, city)
    s1 = region("330199001", "东街道", L.SUBDISTRICT, d)
    s2 = region("330199002", "西街道", L.SUBDISTRICT, d)
    c1 = region("330199001001", "春风社区", L.COMMUNITY, s1)
    c2 = region("330199002001", "秋月社区", L.COMMUNITY, s2)
    w.regions.update(city=city, d=d, s1=s1, s2=s2, c1=c1, c2=c2)
    for key, code, name, community in (("k1", "K1", "和睦小区", c1), ("k2", "K2", "新苑小区", c1), ("k3", "K3", "西溪花园", c2)):
        w.compounds[key] = Compound.objects.create(code=code, name=name, community=community, households=3)
    k1 = w.compounds["k1"]
    b1 = Building.objects.create(compound=k1, number="1", floors=6, entrances=1)
    for n in ("101", "102", "201"):
        w.units[n] = Unit.objects.create(compound=k1, building=b1, entrance="1", number=n,
                                         exclusive_area=Decimal("88.50"), area_source="registered")
    Building.objects.create(compound=w.compounds["k3"], number="9")

    K = Organization.Kind
    oc = Organization.objects.create(code="OC-K1", name="和睦小区业委会", kind=K.OWNERS_COMMITTEE, compound=k1)
    PartyCoverage.objects.create(organization=oc, mode=PartyCoverage.Mode.OWN)
    rc = Organization.objects.create(code="RC-C1", name="春风社区居委会", kind=K.RESIDENTS_COMMITTEE, region=c1)
    co1 = Organization.objects.create(code="CO-1", name="绿城物业", kind=K.PROPERTY_COMPANY)
    co2 = Organization.objects.create(code="CO-2", name="西子物业", kind=K.PROPERTY_COMPANY)
    dept = Organization.objects.create(code="DEPT-HOUSING", name="区住建局", kind=K.DEPARTMENT, region=d)
    sc = Organization.objects.create(code="SC-K1", name="和睦小区监委会", kind=K.SUPERVISORY_COMMITTEE, compound=k1)
    ServiceContract.objects.create(compound=k1, company=co1, start=date(2024, 1, 1), end=date(2099, 12, 31),
                                   fee_per_m2_month=Decimal("1.80"), signed=True)
    ServiceContract.objects.create(compound=w.compounds["k3"], company=co2, start=date(2023, 1, 1), signed=True)
    ServiceContract.objects.create(compound=w.compounds["k2"], company=co2, start=date(2015, 1, 1),
                                   end=date(2020, 12, 31), signed=True)
    w.orgs.update(oc=oc, rc=rc, co1=co1, co2=co2, dept=dept, sc=sc)

    chair = person("王建国", party=True)
    Membership.objects.create(organization=oc, person=chair, position="chair", term_start=date(2023, 1, 1),
                              term_end=date(2027, 12, 31))
    Ownership.objects.create(unit=w.units["101"], person=chair, compound=k1)

    R = Role
    w.users.update(
        district=user_with_seat("district", R.DISTRICT_OFFICER, d),
        subdistrict=user_with_seat("subdistrict", R.SUBDISTRICT_OFFICER, s1),
        department=user_with_seat("department", R.DEPARTMENT_OFFICER, dept),
        community=user_with_seat("community", R.COMMUNITY_WORKER, c1),
        grid=user_with_seat("grid", R.GRID_WORKER, c1),
        chair=user_with_seat("chair", R.COMMITTEE_MEMBER, oc, phone="13900000001"),
        supervisor=user_with_seat("supervisor", R.SUPERVISORY_MEMBER, sc),
        company=user_with_seat("company", R.COMPANY_STAFF, co1),
        resident=user_with_seat("resident", R.RESIDENT, k1),
        outsider=user_with_seat("outsider", R.RESIDENT, None),
    )
    w.users["chair"].person = chair
    w.users["chair"].save()
    return w


def url_matrix_misses(client, users: dict, actors, urls: dict) -> list[tuple]:
    """Every URL as every actor: ``urls`` maps a name to ``(url, want)``, ``want(actor)`` the
    status that actor must get. Anonymous visitors must be sent to the login page. Returns what
    differs as ``(actor, name, got, want)``; a review asserts it is empty."""
    misses = []
    for url, _want in urls.values():
        r = client.get(url)
        if r.status_code != 302 or "/accounts/login/" not in r.url:
            misses.append(("anonymous", url, r.status_code, 302))
    for who in actors:
        client.force_login(users[who])
        for name, (url, want) in urls.items():
            got = client.get(url).status_code
            if got != want(who):
                misses.append((who, name, got, want(who)))
    return misses
