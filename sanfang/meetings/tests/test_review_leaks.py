"""Review (issue 4): every meetings and motions URL as anonymous, each standard actor, an owner,
a committee member, and the staff and residents of another community and compound. Outside
scope is 404; drafts only to those who see drafts; internal files only to those running the
meeting and the region staff over it; who signed a petition only to those who collect
signatures; the party step's record not to residents (RULES C6, V13; DESIGN habit 8)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sanfang.accounts.models import Role
from sanfang.meetings import services as svc
from sanfang.meetings.models import Meeting
from sanfang.orgs.models import Organization, Ownership
from sanfang.places.models import Building, Unit
from sanfang.testing import person, user_with_seat

from .conftest import NOW, committee_meeting

pytestmark = pytest.mark.django_db
__all__ = ["scene"]  # the fixture the other review files take with ``import *`` (no test comes along)
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64
ACTORS = ("district", "subdistrict", "department", "community", "grid", "chair", "member", "supervisor", "company",
          "resident", "owner", "outsider", "c2_worker", "k3_resident")
REGION_K1 = {"district", "subdistrict", "community", "grid"}
K1_BODIES = {"chair", "member", "supervisor", "company"}
K1_RESIDENTS = {"resident", "owner"}
K1_ALL = REGION_K1 | K1_BODIES | K1_RESIDENTS
ORGANISERS_K1 = {"district", "subdistrict", "community", "chair", "member"}


@pytest.fixture
def scene(world, members, _frozen):
    """K1: a draft committee meeting, an announced party meeting, a committee meeting held and
    published with a public and an internal file, a motion whose party step was recorded, and an
    owner's petition signed by that owner. K3 (community C2): an announced hearing with a file
    and a motion. Extra actors: a committee member, an owner of K1, a community worker of C2, an
    owner living in K3."""
    u = world.users
    k1, k3 = world.compounds["k1"], world.compounds["k3"]
    u["c2_worker"] = user_with_seat("c2-worker", Role.COMMUNITY_WORKER, world.regions["c2"])
    Organization.objects.create(code="RC-C2", name="秋月社区居委会", kind="residents_committee",
                                region=world.regions["c2"])
    k3unit = Unit.objects.create(compound=k3, building=Building.objects.get(compound=k3, number="9"), entrance="1",
                                 number="101", exclusive_area=Decimal("80.00"), area_source="registered")
    k3owner = person("西溪业主")
    Ownership.objects.create(unit=k3unit, person=k3owner, compound=k3)
    u["k3_resident"] = user_with_seat("k3-resident", Role.RESIDENT, k3)
    u["k3_resident"].person = k3owner
    u["k3_resident"].save()
    owner = person("签名业主")
    Ownership.objects.create(unit=world.units["102"], person=owner, compound=k1)
    u["owner"] = user_with_seat("owner", Role.RESIDENT, k1)
    u["owner"].person = owner
    u["owner"].save()
    u["member"] = user_with_seat("member", Role.COMMITTEE_MEMBER, world.orgs["oc"])
    u["member"].person = members["people"][1]
    u["member"].save()
    party_org = Organization.objects.create(code="PB-C1", name="春风社区党委", kind="party_org",
                                            region=world.regions["c1"])
    draft = committee_meeting(world)
    Meeting.objects.filter(pk=draft.pk).update(title="草稿例会")
    party = svc.meeting_create(kind="party", title="党员大会", place="党群中心", scheduled_at=NOW + timedelta(days=4),
                               convener=party_org, compound=k1, actor=u["community"], agenda=["先议"])
    svc.meeting_announce(meeting=party, actor=u["community"])
    held = committee_meeting(world)
    svc.meeting_announce(meeting=held, actor=u["chair"])
    _frozen.shift(timedelta(days=8))
    for p in members["people"][:3]:
        svc.attendance_sign_in(meeting=held, person=p, actor=u["chair"])
    svc.meeting_hold(meeting=held, actor=u["chair"])
    svc.minutes_save(meeting=held, text="纪要正文", actor=u["chair"])
    public = svc.attachment_add(meeting=held, files=[SimpleUploadedFile("public.png", PNG)], public=True,
                                actor=u["chair"])[0]
    internal = svc.attachment_add(meeting=held, files=[SimpleUploadedFile("签到表扫描.png", PNG)], public=False,
                                  actor=u["chair"])[0]
    svc.minutes_publish(meeting=held, actor=u["chair"])
    held.refresh_from_db()
    k3m = svc.meeting_create(kind="hearing", title="西溪听证", place="x", scheduled_at=NOW + timedelta(days=12),
                             convener=world.orgs["co2"], compound=k3, actor=u["district"], agenda=["听证"])
    svc.meeting_announce(meeting=k3m, actor=u["district"])
    k3file = svc.attachment_add(meeting=k3m, files=[SimpleUploadedFile("k3.png", PNG)], public=True,
                                actor=u["district"])[0]
    mo = svc.motion_create(compound=k1, title="加装坡道", description="出行不便", origin="committee", actor=u["chair"])
    svc.motion_step_record(motion=mo, stage="party", agreed="党组织内部意见", outcome="agreed",
                           people=[members["people"][0]], meeting=held, actor=u["community"])
    pet = svc.motion_create(compound=k1, title="更换物业", description="服务太差", origin="petition", actor=u["owner"])
    svc.petition_sign(motion=pet, person=owner, unit=world.units["102"], actor=u["owner"])
    k3mo = svc.motion_create(compound=k3, title="西溪动议", description="d", origin="committee", actor=u["c2_worker"])
    return {"draft": draft, "party": party, "held": held, "public": public, "internal": internal, "k3m": k3m,
            "k3file": k3file, "mo": mo, "pet": pet, "k3mo": k3mo, "owner": owner}


def matrix(scene) -> dict[str, tuple[str, set]]:
    """URL name: (URL, the actors who get a 200; every other logged-in actor gets a 404)."""
    s = scene
    sees_published = K1_ALL
    return {
        "draft": (f"/meetings/{s['draft'].pk}/", ORGANISERS_K1),  # not the grid worker: a draft is its organisers'
        "draft sheet": (f"/meetings/{s['draft'].pk}/sign-in-sheet/", ORGANISERS_K1),
        "party": (f"/meetings/{s['party'].pk}/", REGION_K1 | K1_BODIES),  # never to residents
        "published": (f"/meetings/{s['held'].pk}/", sees_published),
        "minutes": (f"/meetings/{s['held'].pk}/minutes/", sees_published),
        "sheet": (f"/meetings/{s['held'].pk}/sign-in-sheet/", REGION_K1 | K1_BODIES),
        "public file": (f"/meetings/files/{s['public'].pk}/", sees_published),
        "internal file": (f"/meetings/files/{s['internal'].pk}/", REGION_K1 | {"chair", "member"}),
        "k3 meeting": (f"/meetings/{s['k3m'].pk}/", {"district", "c2_worker", "k3_resident"}),
        "k3 file": (f"/meetings/files/{s['k3file'].pk}/", {"district", "c2_worker"}),  # not yet published
        "motion": (f"/meetings/motions/{s['mo'].pk}/", K1_ALL),
        "petition": (f"/meetings/motions/{s['pet'].pk}/", K1_ALL),
        "k3 motion": (f"/meetings/motions/{s['k3mo'].pk}/", {"district", "c2_worker", "k3_resident"}),
    }


def test_every_url_as_every_actor(world, scene, client):
    from sanfang.testing import url_matrix_misses

    def wants(allowed):
        return lambda who: 200 if who in allowed else 404

    urls = {name: (url, wants(allowed)) for name, (url, allowed) in matrix(scene).items()}
    assert url_matrix_misses(client, world.users, ACTORS, urls) == []


def test_internal_files_are_not_for_the_company_or_the_supervisors(world, scene, login):
    """An internal file (a sign-in scan) of the owners' committee's meeting is for those running
    it and the region staff; the serving company and the supervisory committee see the meeting,
    its published minutes and its public files, not that one (it was 200 for them)."""
    for who in ("company", "supervisor"):
        c = login(world.users[who])
        page = c.get(f"/meetings/{scene['held'].pk}/").content.decode()
        assert "签到表扫描" not in page and f"/meetings/files/{scene['internal'].pk}/" not in page, who
        assert f"/meetings/files/{scene['public'].pk}/" in page
        assert c.get(f"/meetings/files/{scene['internal'].pk}/").status_code == 404
    page = login(world.users["grid"]).get(f"/meetings/{scene['held'].pk}/").content.decode()
    assert "签到表扫描" in page


def test_who_signed_a_petition_is_for_the_collectors_only(world, scene, login):
    """The company a petition may be about, and the supervisory committee, see the count, not
    the names (neither in the list nor as the actor of the timeline's events)."""
    url = f"/meetings/motions/{scene['pet'].pk}/"
    for who in ("company", "supervisor"):
        page = login(world.users[who]).get(url).content.decode()
        assert 'data-testid="petition-count"' in page, who
        assert "签名业主" not in page and "1-1-102" not in page, who
        assert ">owner<" not in page and "· owner" not in page, who  # the signer's account on the timeline
    for who in ("grid", "chair", "community"):
        page = login(world.users[who]).get(url).content.decode()
        assert "签名业主" in page, who


def test_the_party_step_is_not_shown_to_residents(world, scene, login):
    url = f"/meetings/motions/{scene['mo'].pk}/"
    for who in ("resident", "owner"):
        page = login(world.users[who]).get(url).content.decode()
        assert 'data-testid="step-record"' in page  # that it was agreed, and when
        assert "党组织内部意见" not in page and "王建国" not in page, who  # not what, nor who took part
        assert 'data-testid="timeline"' not in page
    page = login(world.users["community"]).get(url).content.decode()
    assert "党组织内部意见" in page and "王建国" in page


def test_residents_never_see_the_sign_in_sheet_or_the_timeline(world, scene, login):
    for who in ("resident", "owner"):
        page = login(world.users[who]).get(f"/meetings/{scene['held'].pk}/").content.decode()
        assert 'data-testid="sign-in-sheet"' not in page and 'data-testid="timeline"' not in page
        assert "纪要正文" in page  # published: the minutes are theirs to read


def test_lists_show_only_what_is_in_scope(world, scene, login):
    for who, sees, not_seen in (("resident", {"更换物业"}, {"草稿例会", "西溪听证", "西溪动议"}),
                                ("c2_worker", {"西溪动议"}, {"加装坡道", "更换物业"}),
                                ("k3_resident", {"西溪听证"}, {"草稿例会", "加装坡道"}),
                                ("grid", {"加装坡道"}, {"草稿例会", "西溪听证"}),
                                ("outsider", set(), {"草稿例会", "加装坡道", "西溪听证", "西溪动议"})):
        c = login(world.users[who])
        body = c.get("/meetings/").content.decode() + c.get("/meetings/motions/").content.decode()
        assert all(t in body for t in sees), who
        assert not any(t in body for t in not_seen), who


def test_a_draft_poll_is_not_shown_beyond_its_organisers(world, scene, login):
    """The motion's owners' poll is created as a draft (RULES V13: nothing public before it is
    announced): its title and state were shown on the motion page to everyone who sees the motion,
    with a link that then answered 404."""
    from sanfang.voting import services as voting

    mo = svc.motion_create(compound=world.compounds["k1"], title="维修资金建坡道", description="d", origin="committee",
                           matter="use_maintenance_fund", actor=world.users["chair"])
    svc.motion_step_record(motion=mo, stage="party", agreed="同意", outcome="agreed", actor=world.users["community"])
    svc.motion_step_record(motion=mo, stage="tripartite", agreed="同意", outcome="agreed",
                           organizations=[world.orgs["oc"], world.orgs["co1"], world.orgs["rc"]],
                           actor=world.users["community"])
    from django.utils import timezone

    opens = timezone.now() + timedelta(days=16)
    poll = svc.motion_open_poll(motion=mo, title="坡道草稿表决", items=[("建坡道", "use_maintenance_fund")],
                                opens_at=opens, closes_at=opens + timedelta(days=10), actor=world.users["chair"])
    url = f"/meetings/motions/{mo.pk}/"
    for who in ("resident", "owner", "company", "supervisor", "grid"):
        assert "坡道草稿表决" not in login(world.users[who]).get(url).content.decode(), who
    for who in ("chair", "community"):
        assert "坡道草稿表决" in login(world.users[who]).get(url).content.decode(), who
    voting.poll_announce(poll=poll, actor=world.users["chair"])
    assert "坡道草稿表决" in login(world.users["owner"]).get(url).content.decode()
