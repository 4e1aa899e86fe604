"""Who sees which meetings and motions (permissions.meeting_q / motion_q): region staff their
subtree, the compound's bodies once announced, the invited, residents only announced meetings of
their own compound (never party meetings), nobody else."""

from datetime import timedelta

import pytest

from sanfang.meetings import selectors
from sanfang.meetings import services as svc
from sanfang.meetings.models import Meeting

from .conftest import NOW, committee_meeting

pytestmark = pytest.mark.django_db


def seen(world, who):
    return set(selectors.visible_meetings(world.users[who]).values_list("title", flat=True))


def test_meeting_scope(world):
    Meeting.objects.filter(pk=committee_meeting(world).pk).update(title="draft")
    announced = committee_meeting(world)
    svc.meeting_announce(meeting=announced, actor=world.users["chair"])
    Meeting.objects.filter(pk=announced.pk).update(title="announced")
    party_org = world.orgs["rc"].__class__.objects.create(code="PB-C1", name="春风社区党委", kind="party_org",
                                                          region=world.regions["c1"])
    party = svc.meeting_create(kind="party", title="party", place="党群中心", scheduled_at=NOW + timedelta(days=4),
                               convener=party_org, compound=world.compounds["k1"], actor=world.users["community"],
                               agenda=["先议"])
    svc.meeting_announce(meeting=party, actor=world.users["community"])
    party_org.__class__.objects.create(code="RC-C2", name="秋月社区居委会", kind="residents_committee",
                                       region=world.regions["c2"])
    k3 = svc.meeting_create(kind="hearing", title="k3", place="x", scheduled_at=NOW + timedelta(days=4),
                            convener=world.orgs["co2"], compound=world.compounds["k3"],
                            actor=world.users["district"], agenda=["听证"])
    assert seen(world, "community") == {"draft", "announced", "party"}  # their community, drafts too
    assert seen(world, "district") == {"draft", "announced", "party", "k3"}
    assert seen(world, "subdistrict") == {"draft", "announced", "party"}  # S1 only
    assert seen(world, "chair") == {"draft", "announced", "party"}  # convenes the draft
    assert seen(world, "company") == {"announced", "party"}  # announced in the compound it serves
    assert seen(world, "resident") == {"announced"}  # not drafts, not party meetings
    assert seen(world, "outsider") == set()
    assert seen(world, "department") == set()
    svc.invitation_add(meeting=k3, organization=world.orgs["dept"], actor=world.users["district"])
    assert seen(world, "department") == set()  # invited to a draft: not yet
    svc.meeting_announce(meeting=k3, actor=world.users["district"])
    assert seen(world, "department") == {"k3"}


def test_motion_scope(world):
    mo = svc.motion_create(compound=world.compounds["k1"], title="k1", description="d", origin="committee",
                           actor=world.users["chair"])
    assert selectors.motion_list(world.users["resident"]).get() == mo
    for who in ("community", "subdistrict", "district", "chair", "company", "supervisor"):
        assert selectors.visible_motions(world.users[who]).filter(pk=mo.pk).exists(), who
    for who in ("outsider", "department"):
        assert not selectors.visible_motions(world.users[who]).exists(), who
