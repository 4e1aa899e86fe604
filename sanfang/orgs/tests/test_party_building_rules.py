"""The pure party-building rules (orgs/rules.py), without a database."""

from datetime import date
from fractions import Fraction

import pytest

from sanfang.orgs import rules
from sanfang.orgs.models import Membership, PartyCoverage
from sanfang.orgs.rules import Committee, Facts, Seat, Service, SideOrg

A = "/1/10/101/"      # a community in subdistrict /1/10/
B = "/1/10/102/"      # its sibling
C = "/1/20/201/"      # a community in another subdistrict


def test_constants_mirror_the_models():
    assert set(rules.COVERAGE_MODES) == set(PartyCoverage.Mode.values)
    assert rules.VOTING_POSITIONS.issubset(Membership.Position.values)
    assert rules.CHAIR == Membership.Position.CHAIR
    assert "secretary" not in rules.VOTING_POSITIONS and "party_instructor" not in rules.VOTING_POSITIONS


# --- ratio -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("party", "members", "expected"), [
    (0, 0, 0.0),
    (0, 5, 0.0),
    (5, 5, 1.0),
    (1, 3, 0.3333),
    (2, 3, 0.6667),
    (1, 32, 0.0313),        # 0.03125: half-up, where round-half-even would give 0.0312
    (1, 8, 0.125),
    (1, 16, 0.0625),        # 0.0625 exactly
    (1, 160000, 0.0),       # 0.00000625
    (1, 20000, 0.0001),     # 0.00005 → up
    (1, 20001, 0.0),        # 0.0000499975 → down
    (7, 9, 0.7778),
])
def test_ratio_is_rounded_half_up_to_four_places(party, members, expected):
    assert rules.party_member_ratio(party, members) == expected


def test_ratio_agrees_with_exact_fractions_everywhere():
    for members in range(1, 120):
        for party in range(members + 1):
            exact = Fraction(party, members) * 10_000
            whole = int(exact)
            up = whole + (1 if exact - whole >= Fraction(1, 2) else 0)
            assert rules.party_member_ratio(party, members) == up / 10_000, (party, members)


def test_ratio_refuses_impossible_counts():
    with pytest.raises(ValueError):
        rules.party_member_ratio(4, 3)


# --- majority ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("party", "members", "majority"), [
    (0, 0, False), (1, 1, True), (1, 2, False), (2, 3, True), (2, 4, False), (3, 4, True),
    (3, 6, False), (4, 7, True), (3, 7, False), (0, 3, False),
])
def test_majority_is_strictly_more_than_half(party, members, majority):
    assert rules.has_party_majority(party, members) is majority


def test_majority_boundary_exhaustively():
    for members in range(0, 40):
        for party in range(members + 1):
            assert rules.has_party_majority(party, members) is (members > 0 and Fraction(party, members) > Fraction(1, 2))


# --- committees --------------------------------------------------------------------------------

def test_committee_figures():
    committees = [Committee(1, A, "own"), Committee(2, A, "joint"), Committee(3, B, "instructor"), Committee(4, B)]
    seats = [
        # committee 1: 3 members, 2 in the party → majority; chair in the party
        Seat(1, 10, "chair", True), Seat(1, 11, "member", True), Seat(1, 12, "vice_chair", False),
        Seat(1, 10, "member", True),            # the chair's second seat: one member, not two
        Seat(1, 13, "secretary", True),         # a party secretary seat is not a committee member
        Seat(1, 14, "party_instructor", True),  # nor is the instructor
        # committee 2: 4 members, 2 in the party → exactly half, no majority; chair not in the party
        Seat(2, 20, "chair", False), Seat(2, 21, "member", True), Seat(2, 22, "member", True), Seat(2, 23, "member"),
        # committee 3: no members
        # a seat in an organisation that is not one of these committees
        Seat(99, 30, "member", True),
        # committee 4: one member who is a party member (and sits on committee 1 too: counts in both)
        Seat(4, 11, "member", True),
    ]
    f = rules.committee_figures(committees, seats)
    assert f == {
        "owners_committees": 4,
        "owners_committee_members": 8,
        "party_members_among_members": 5,
        "party_member_ratio": 0.625,
        "committees_with_party_majority": 2,      # 1 and 4
        "committees_with_party_organisation": 2,  # own and joint, not instructor or none
        "party_member_chairs": 1,
    }


def test_committee_figures_empty():
    f = rules.committee_figures([], [Seat(1, 1, "chair", True)])
    assert f["owners_committees"] == 0 and f["owners_committee_members"] == 0
    assert f["party_member_ratio"] == 0.0 and f["committees_with_party_majority"] == 0
    assert f["party_member_chairs"] == 0


def test_two_chairs_count_the_committee_once():
    f = rules.committee_figures([Committee(1, A)], [Seat(1, 1, "chair", True), Seat(1, 2, "chair", True)])
    assert f["party_member_chairs"] == 1


# --- companies ---------------------------------------------------------------------------------

def test_company_figures_count_distinct_companies_with_all_modes():
    services = [Service(1, A, "own"), Service(1, B, "own"), Service(2, A, "none"), Service(3, C, "joint")]
    assert rules.company_figures(services) == {
        "property_companies": 3,
        "companies_by_party_coverage": {"own": 1, "joint": 1, "instructor": 0, "none": 1},
    }
    empty = rules.company_figures([])
    assert empty == {"property_companies": 0,
                     "companies_by_party_coverage": {"own": 0, "joint": 0, "instructor": 0, "none": 0}}


def test_unknown_coverage_counts_as_none():
    assert rules.company_figures([Service(1, A, "")])["companies_by_party_coverage"]["none"] == 1


# --- sides and cross-appointment ---------------------------------------------------------------

SIDE_ORGS = [
    SideOrg(100, rules.RESIDENTS, A),   # residents' committee
    SideOrg(101, rules.RESIDENTS, A),   # community party committee
    SideOrg(200, rules.OWNERS, A),      # owners' committee
    SideOrg(201, rules.OWNERS, A),      # its party branch
    SideOrg(300, rules.COMPANY, A),     # company
    SideOrg(300, rules.COMPANY, C),     # the same company serving elsewhere
    SideOrg(400, rules.OWNERS, B),      # a joint branch covering a committee in B …
    SideOrg(400, rules.COMPANY, B),     # … and a company there
]


def test_sides_of_people():
    seats = [
        Seat(100, 1, "member"), Seat(200, 1, "member"),               # residents + owners
        Seat(100, 2, "chair"), Seat(101, 2, "secretary"),             # residents twice: one side
        Seat(101, 3, "member"), Seat(201, 3, "secretary"), Seat(300, 3, "general_manager"),  # all three
        Seat(400, 4, "secretary"),                                    # joint branch: both its sides
        Seat(999, 5, "member"), Seat(200, 5, "member"),               # an organisation on no side
    ]
    sides = rules.sides_by_person(SIDE_ORGS, seats)
    assert sides[1] == {rules.RESIDENTS, rules.OWNERS}
    assert sides[2] == {rules.RESIDENTS}
    assert sides[3] == set(rules.SIDES)
    assert sides[4] == {rules.OWNERS, rules.COMPANY}
    assert sides[5] == {rules.OWNERS}
    assert rules.cross_appointed(SIDE_ORGS, seats) == 3   # people 1, 3 (once), 4


def test_cross_appointment_needs_two_sides():
    assert rules.cross_appointed(SIDE_ORGS, [Seat(200, 1, "chair"), Seat(201, 1, "secretary")]) == 0
    assert rules.cross_appointed([], [Seat(200, 1, "chair")]) == 0


# --- summarise by place ------------------------------------------------------------------------

def test_summarise_filters_by_path_prefix():
    facts = Facts(
        committees=(Committee(200, A, "own"), Committee(500, C)),
        seats=(Seat(200, 1, "chair", True), Seat(300, 1, "project_manager", True), Seat(500, 2, "member")),
        services=(Service(300, A, "own"), Service(300, C, "own"), Service(600, C)),
        side_orgs=(SideOrg(200, rules.OWNERS, A), SideOrg(300, rules.COMPANY, A), SideOrg(300, rules.COMPANY, C),
                   SideOrg(500, rules.OWNERS, C)),
    )
    whole = rules.summarise(facts)
    assert list(whole) == list(rules.SUMMARY_KEYS)
    assert whole["owners_committees"] == 2 and whole["owners_committee_members"] == 2
    assert whole["property_companies"] == 2 and whole["cross_appointed_people"] == 1
    first = rules.summarise(facts, within="/1/10/")
    assert first["owners_committees"] == 1 and first["party_member_ratio"] == 1.0
    assert first["property_companies"] == 1 and first["cross_appointed_people"] == 1
    second = rules.summarise(facts, within="/1/20/")
    assert second["owners_committees"] == 1 and second["party_member_ratio"] == 0.0
    assert second["companies_by_party_coverage"] == {"own": 1, "joint": 0, "instructor": 0, "none": 1}
    # Person 1's company seat is at company 300, which serves C too, but their owners' seat is in A.
    assert second["cross_appointed_people"] == 0
    # A prefix is a whole path segment: "/1/1" is not "/1/10/".
    assert rules.summarise(facts, within="/1/1/")["owners_committees"] == 0


# --- dates -------------------------------------------------------------------------------------

def test_parse_day():
    assert rules.parse_day("2025-01-31") == date(2025, 1, 31)
    assert rules.parse_day(" 2024-02-29 ") == date(2024, 2, 29)
    for bad in ("2025-02-30", "20250131", "2025-1-31", "31/01/2025", "yesterday", "", "2025-01-31T00:00"):
        with pytest.raises(ValueError, match="YYYY-MM-DD"):
            rules.parse_day(bad)


@pytest.mark.parametrize(("established", "dissolved", "active"), [
    (None, None, True),
    (date(2024, 6, 1), None, True),          # founded that day
    (date(2024, 6, 2), None, False),         # not yet
    (None, date(2024, 6, 1), False),         # dissolved that day
    (None, date(2024, 6, 2), True),
])
def test_active_on(established, dissolved, active):
    assert rules.active_on(established, dissolved, date(2024, 6, 1)) is active
