"""party_building_summary over hand-built data: every definition of orgs/README.md, by date
and by place, with the number of queries fixed."""

import time
from datetime import date, timedelta

import pytest
from django.http import Http404

from sanfang.accounts.models import Role
from sanfang.orgs import metrics
from sanfang.orgs.models import Membership, Organization, PartyCoverage, Person, ServiceContract
from sanfang.places.models import Compound, Region
from sanfang.testing import person, region, user_with_seat

pytestmark = pytest.mark.django_db

K = Organization.Kind
L = Region.Level
DAY = date(2025, 6, 30)
BEFORE = date(2024, 12, 1)
START = date(2024, 1, 1)


def org(code, kind, *, compound=None, place=None, coverage=None, party_parent=None, **dates):
    o = Organization.objects.create(code=code, name=code, kind=kind, compound=compound, region=place,
                                    party_parent=party_parent, **dates)
    if coverage:
        PartyCoverage.objects.create(organization=o, mode=coverage)
    return o


def seat(organization, who, position, start=START, end=None):
    return Membership.objects.create(organization=organization, person=who, position=position,
                                     term_start=start, term_end=end)


def serve(company, compound, start=START, end=None):
    return ServiceContract.objects.create(company=company, compound=compound, start=start, end=end, signed=True)


@pytest.fixture
def town():
    """District D (990101): S1 → C1 (P1, P2), C2 (P3); S2 → C3 (P4). A sibling district D9 → C9 (P9).

    People, on DAY:
      Alice  party  chair OC1, member RC1, project manager CO1            → three sides, counted once
      Bob    party  member OC1 until 2025-01-31 (expired), member RC1     → not a member, not crossed
      Carol         vice chair OC1
      Dan    party  member OC1 from 2025-09-01 (future)                   → not counted
      Eve    party  secretary PB1 (covers OC1), general manager CO3       → owners + company
      Frank         member OC1
      Gina          chair OC2, secretary JB (covers OC2 and CO2)          → owners + company
      Hank   party  member OC2, member CP1 (community party committee)    → owners + residents
      Ivy    party  member OC2, member SC2 (supervisory: no side)         → owners only
      Jack   party  chair OC_OLD (dissolved 2025-01-01), member RC1       → not counted
      Kate   party  member OC3 (established 2025-03-01, no coverage row)
      Leo    party  chair OC4, project manager CO1 (serves P1 and P4)     → owners + company in S2
      Mia    party  chair OC9 (other district), member RC1                → OC9 is outside D
    """
    city = region("9901", "City", L.CITY)
    d = region("990101", "D", L.DISTRICT, city)
    s1 = region("990101001", "S1", L.SUBDISTRICT, d)
    s2 = region("990101002", "S2", L.SUBDISTRICT, d)
    c1 = region("990101001001", "C1", L.COMMUNITY, s1)
    c2 = region("990101001002", "C2", L.COMMUNITY, s1)
    c3 = region("990101002001", "C3", L.COMMUNITY, s2)
    d9 = region("990109", "D9", L.DISTRICT, city)
    s9 = region("990109001", "S9", L.SUBDISTRICT, d9)
    c9 = region("990109001001", "C9", L.COMMUNITY, s9)
    p = {code: Compound.objects.create(code=code, name=code, community=community)
         for code, community in (("P1", c1), ("P2", c1), ("P3", c2), ("P4", c3), ("P9", c9))}

    cp1 = org("CP1", K.PARTY_ORG, place=c1)
    rc1 = org("RC1", K.RESIDENTS_COMMITTEE, place=c1, party_parent=cp1)
    pb1 = org("PB1", K.PARTY_ORG, compound=p["P1"])
    jb = org("JB", K.PARTY_ORG, place=c1)
    oc1 = org("OC1", K.OWNERS_COMMITTEE, compound=p["P1"], coverage="own", party_parent=pb1)
    oc2 = org("OC2", K.OWNERS_COMMITTEE, compound=p["P2"], coverage="joint", party_parent=jb)
    sc2 = org("SC2", K.SUPERVISORY_COMMITTEE, compound=p["P2"])
    oc_old = org("OC_OLD", K.OWNERS_COMMITTEE, compound=p["P3"], coverage="own",
                 established=date(2019, 1, 1), dissolved=date(2025, 1, 1))
    oc3 = org("OC3", K.OWNERS_COMMITTEE, compound=p["P3"], established=date(2025, 3, 1))
    oc4 = org("OC4", K.OWNERS_COMMITTEE, compound=p["P4"], coverage="instructor")
    oc9 = org("OC9", K.OWNERS_COMMITTEE, compound=p["P9"], coverage="own")

    co1 = org("CO1", K.PROPERTY_COMPANY, coverage="own")
    co2 = org("CO2", K.PROPERTY_COMPANY, coverage="joint", party_parent=jb)
    co3 = org("CO3", K.PROPERTY_COMPANY)                       # no PartyCoverage row at all
    co4 = org("CO4", K.PROPERTY_COMPANY, coverage="instructor")
    co5 = org("CO5", K.PROPERTY_COMPANY)
    co6 = org("CO6", K.PROPERTY_COMPANY, coverage="none")
    co9 = org("CO9", K.PROPERTY_COMPANY, coverage="own")
    serve(co1, p["P1"])
    serve(co1, p["P4"])
    serve(co2, p["P2"])
    serve(co6, p["P2"])
    serve(co3, p["P3"])
    serve(co5, p["P4"], end=date(2024, 12, 31))
    serve(co4, p["P4"], start=date(2025, 1, 1))
    serve(co9, p["P9"])

    people = {n: person(n, party=n not in {"Carol", "Frank", "Gina"}) for n in (
        "Alice", "Bob", "Carol", "Dan", "Eve", "Frank", "Gina", "Hank", "Ivy", "Jack", "Kate", "Leo", "Mia")}
    P = people
    seat(oc1, P["Alice"], "chair"), seat(rc1, P["Alice"], "member"), seat(co1, P["Alice"], "project_manager")
    seat(oc1, P["Bob"], "member", end=date(2025, 1, 31)), seat(rc1, P["Bob"], "member")
    seat(oc1, P["Carol"], "vice_chair")
    seat(oc1, P["Dan"], "member", start=date(2025, 9, 1))
    seat(pb1, P["Eve"], "secretary"), seat(co3, P["Eve"], "general_manager")
    seat(oc1, P["Frank"], "member")
    seat(oc2, P["Gina"], "chair"), seat(jb, P["Gina"], "secretary")
    seat(oc2, P["Hank"], "member"), seat(cp1, P["Hank"], "member")
    seat(oc2, P["Ivy"], "member"), seat(sc2, P["Ivy"], "member")
    seat(oc_old, P["Jack"], "chair"), seat(rc1, P["Jack"], "member")
    seat(oc3, P["Kate"], "member")
    seat(oc4, P["Leo"], "chair"), seat(co1, P["Leo"], "project_manager")
    seat(oc9, P["Mia"], "chair"), seat(rc1, P["Mia"], "member")
    return {"regions": dict(city=city, d=d, s1=s1, s2=s2, c1=c1, c2=c2, c3=c3, d9=d9, c9=c9),
            "compounds": p, "people": people,
            "orgs": dict(oc1=oc1, oc2=oc2, oc3=oc3, oc4=oc4, rc1=rc1, cp1=cp1, jb=jb, co1=co1, co3=co3)}


def summary(region, on=DAY, user=metrics.SYSTEM):
    return metrics.party_building_summary(user=user, region=region, on=on)


def test_district_on_the_day(town):
    assert summary(town["regions"]["d"]) == {
        "owners_committees": 4,                       # OC1–OC4; OC_OLD dissolved, OC9 elsewhere
        "owners_committee_members": 8,                # OC1 3 (Bob expired, Dan future), OC2 3, OC3 1, OC4 1
        "party_members_among_members": 5,             # Alice; Hank, Ivy; Kate; Leo
        "party_member_ratio": 0.625,
        "committees_with_party_majority": 3,          # OC2 2/3, OC3 1/1, OC4 1/1; not OC1 1/3
        "committees_with_party_organisation": 2,      # OC1 own, OC2 joint
        "party_member_chairs": 2,                     # Alice, Leo (Gina is not a party member)
        "property_companies": 5,                      # CO1, CO2, CO3, CO4, CO6; CO5 ended, CO9 elsewhere
        "companies_by_party_coverage": {"own": 1, "joint": 1, "instructor": 1, "none": 2},
        "cross_appointed_people": 5,                  # Alice (once), Eve, Gina, Hank, Leo
    }


def test_date_moves_every_figure(town):
    assert summary(town["regions"]["d"], on=BEFORE) == {
        "owners_committees": 4,                       # OC_OLD still active, OC3 not yet established
        "owners_committee_members": 9,                # OC1 4 (Bob still serving), OC2 3, OC_OLD 1, OC4 1
        "party_members_among_members": 6,
        "party_member_ratio": 0.6667,
        "committees_with_party_majority": 3,          # OC2, OC_OLD, OC4; OC1 is 2/4, exactly half
        "committees_with_party_organisation": 3,      # OC1, OC2, OC_OLD
        "party_member_chairs": 3,                     # Alice, Jack, Leo
        "property_companies": 5,                      # CO5 still, CO4 not yet
        "companies_by_party_coverage": {"own": 1, "joint": 1, "instructor": 0, "none": 3},
        "cross_appointed_people": 7,                  # + Bob and Jack
    }


def test_nothing_before_anything_existed(town):
    figures = summary(town["regions"]["d"], on=date(2023, 12, 31))
    assert figures["owners_committee_members"] == 0 and figures["party_member_ratio"] == 0.0
    assert figures["property_companies"] == 0 and figures["cross_appointed_people"] == 0
    assert figures["companies_by_party_coverage"] == {"own": 0, "joint": 0, "instructor": 0, "none": 0}
    assert figures["owners_committees"] == 4   # OC1, OC2, OC4 (no founding date) and OC_OLD (2019)


def test_subtree_and_sibling_regions(town):
    r = town["regions"]
    s1, s2 = summary(r["s1"]), summary(r["s2"])
    assert (s1["owners_committees"], s1["owners_committee_members"], s1["party_members_among_members"]) == (3, 7, 4)
    assert s1["property_companies"] == 4 and s1["companies_by_party_coverage"]["instructor"] == 0
    # Leo's committee is in S2, so his company seat alone does not cross him in S1.
    assert s1["cross_appointed_people"] == 4        # Alice, Eve (PB1 in C1, CO3 in C2), Gina, Hank
    assert (s2["owners_committees"], s2["owners_committee_members"], s2["party_member_ratio"]) == (1, 1, 1.0)
    assert s2["property_companies"] == 2            # CO1 serves S2 too; CO4
    # Alice holds a CO1 seat and CO1 serves P4, but her other seats are in S1.
    assert s2["cross_appointed_people"] == 1        # Leo
    assert summary(r["c2"])["owners_committees"] == 1
    other = summary(r["d9"])
    assert (other["owners_committees"], other["property_companies"], other["cross_appointed_people"]) == (1, 1, 0)


def test_a_person_in_three_parties_is_counted_once(town):
    c1 = summary(town["regions"]["c1"])
    # In C1: Alice (RC1, OC1, CO1), Gina (OC2 + JB), Hank (OC2 + CP1); not Eve, whose CO3 serves C2
    assert c1["cross_appointed_people"] == 3


def test_company_without_coverage_row_counts_as_none(town):
    c2 = summary(town["regions"]["c2"])
    assert not PartyCoverage.objects.filter(organization=town["orgs"]["co3"]).exists()
    assert c2["property_companies"] == 1
    assert c2["companies_by_party_coverage"] == {"own": 0, "joint": 0, "instructor": 0, "none": 1}
    assert c2["committees_with_party_organisation"] == 0   # OC3 has no row either
    # Eve's company seat (CO3) is in C2 and her party seat (PB1, covering OC1) in C1: crossed in S1 only.
    assert c2["cross_appointed_people"] == 0


def test_breakdown_by_child(town):
    whole, children = metrics.party_building_breakdown(user=metrics.SYSTEM, region=town["regions"]["d"], on=DAY)
    assert whole == summary(town["regions"]["d"])
    assert [c.code for c, _f in children] == ["990101001", "990101002"]
    for child, figures in children:
        assert figures == summary(child)


def test_dissolved_covering_party_org_does_not_count(town):
    jb = town["orgs"]["jb"]
    jb.established, jb.dissolved = date(2020, 1, 1), date(2025, 6, 1)
    jb.save()
    # Gina keeps her OC2 chair (owners) but the dissolved joint branch no longer makes her company side.
    assert summary(town["regions"]["d"])["cross_appointed_people"] == 4


def test_secretary_and_instructor_seats_are_not_committee_members(town):
    oc1 = town["orgs"]["oc1"]
    seat(oc1, person("Sec", party=True), "secretary")
    seat(oc1, person("Ins", party=True), "party_instructor")
    assert summary(town["regions"]["d"])["owners_committee_members"] == 8


def test_scope(town):
    r = town["regions"]
    worker = user_with_seat("c1worker", Role.COMMUNITY_WORKER, r["c1"])
    with pytest.raises(Http404):
        metrics.region_for(user=worker, code="990101")
    assert metrics.region_for(user=worker, code="990101001001") == r["c1"]
    assert summary(r["c1"], user=worker) == summary(r["c1"])
    # Handed a region outside their scope anyway, the selector reads nothing there.
    blind = summary(r["s2"], user=worker)
    assert blind["owners_committees"] == 0 and blind["property_companies"] == 0
    assert blind["cross_appointed_people"] == 0
    with pytest.raises(Region.DoesNotExist):
        metrics.region_for(user=metrics.SYSTEM, code="nope")


def test_none_is_not_the_system(town):
    with pytest.raises(TypeError):
        metrics.party_building_summary(user=None, region=town["regions"]["d"], on=DAY)
    with pytest.raises(TypeError):
        metrics.region_for(user=None, code="990101")


def test_query_count_is_fixed(town, django_assert_max_num_queries):
    officer = user_with_seat("dofficer", Role.DISTRICT_OFFICER, town["regions"]["d"])
    region_ = town["regions"]["d"]
    # committees, residents' side organisations, contracts, memberships
    with django_assert_max_num_queries(4):
        metrics.party_building_summary(user=metrics.SYSTEM, region=region_, on=DAY)
    officer = type(officer).objects.get(pk=officer.pk)   # no cached seats
    with django_assert_max_num_queries(5):   # + the user's seats, read once per request
        metrics.party_building_summary(user=officer, region=region_, on=DAY)
    with django_assert_max_num_queries(5):   # + the child regions (seats now cached)
        metrics.party_building_breakdown(user=officer, region=region_, on=DAY)


def _big_district():
    """~350 compounds in 10 subdistricts × 5 communities, ~5,000 current memberships."""
    city = region("9902", "Big city", L.CITY)
    d = region("990201", "Big district", L.DISTRICT, city)
    compounds = []
    for s in range(10):
        sub = region(f"990201{s:03d}", f"S{s}", L.SUBDISTRICT, d)
        for c in range(5):
            comm = region(f"{sub.code}{c:03d}", f"C{s}-{c}", L.COMMUNITY, sub)
            compounds += Compound.objects.bulk_create(
                Compound(code=f"B{s}-{c}-{k}", name=f"B{s}-{c}-{k}", community=comm) for k in range(7))
    people = Person.objects.bulk_create(
        Person(name=f"p{i}", id_hash=f"h{i:062d}", id_last4=f"{i % 10000:04d}", is_party_member=i % 3 == 0)
        for i in range(3000))
    committees = Organization.objects.bulk_create(
        Organization(code=f"BOC-{c.code}", name=c.code, kind=K.OWNERS_COMMITTEE, compound=c) for c in compounds)
    companies = Organization.objects.bulk_create(
        Organization(code=f"BCO-{i}", name=f"co{i}", kind=K.PROPERTY_COMPANY) for i in range(60))
    PartyCoverage.objects.bulk_create(
        PartyCoverage(organization=o, mode=("own", "joint", "instructor", "none")[i % 4])
        for i, o in enumerate(committees + companies) if i % 5)
    ServiceContract.objects.bulk_create(
        ServiceContract(compound=c, company=companies[i % 60], start=START) for i, c in enumerate(compounds))
    positions = ("chair", "vice_chair", "member", "member", "member", "member", "member", "secretary",
                 "party_instructor", "member", "member", "member", "member")
    rows = []
    for i, committee in enumerate(committees):
        for j, position in enumerate(positions):
            who = people[(i * 7 + j) % len(people)]
            end = START + timedelta(days=100) if j == 12 else None
            rows.append(Membership(organization=committee, person=who, position=position, term_start=START,
                                   term_end=end))
    rows += [Membership(organization=companies[i % 60], person=people[i * 5], position="project_manager",
                        term_start=START) for i in range(300)]
    Membership.objects.bulk_create(rows, ignore_conflicts=True)
    return d


def test_a_district_answers_quickly(db, django_assert_max_num_queries):
    district = _big_district()
    assert Compound.objects.in_region(district).count() == 350
    assert Membership.objects.filter(organization__kind__in=[K.OWNERS_COMMITTEE, K.PROPERTY_COMPANY]).count() > 4500
    officer = user_with_seat("bigofficer", Role.DISTRICT_OFFICER, district)
    for user, queries in ((metrics.SYSTEM, 5), (officer, 6)):
        started = time.perf_counter()
        with django_assert_max_num_queries(queries):
            whole, children = metrics.party_building_breakdown(user=user, region=district, on=DAY)
        elapsed = time.perf_counter() - started
        assert whole["owners_committees"] == 350 and len(children) == 10
        assert whole["owners_committee_members"] > 3000 and whole["cross_appointed_people"] > 0
        assert sum(f["owners_committees"] for _c, f in children) == 350
        assert elapsed < 1.0, f"{elapsed:.3f}s"
