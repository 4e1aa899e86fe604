"""The meeting pages as their users meet them: anonymous, wrong role, outsider and the happy path
(new state and event row checked), the sign-in sheet with the live C6 quorum, the confirmation
before publishing, and the owners' minutes page."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from sanfang.meetings import services as svc
from sanfang.meetings.models import CommitteeMeetingRequest, Meeting, MeetingEvent

from .conftest import NOW, committee_meeting

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


def local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def kinds(m):
    return list(MeetingEvent.objects.filter(meeting=m).values_list("kind", flat=True))


def test_anonymous_is_sent_to_log_in(world, client):
    m = committee_meeting(world)
    for url in ("/meetings/", "/meetings/new/", f"/meetings/{m.pk}/", f"/meetings/{m.pk}/minutes/"):
        r = client.get(url)
        assert r.status_code == 302 and "/accounts/login/" in r.url
    r = client.post(f"/meetings/{m.pk}/announce/")
    assert r.status_code == 302 and "/accounts/login/" in r.url
    assert Meeting.objects.get().status == "draft"


def test_chair_creates_a_committee_meeting_through_the_form(world, members, login):
    c = login(world.users["chair"])
    page = c.get("/meetings/new/")
    assert page.status_code == 200 and "place-form" in page.content.decode()
    r = c.get("/meetings/new/", {"compound": "K1"})
    assert r.status_code == 200 and 'name="convener"' in r.content.decode()
    data = {"kind": "committee", "title": "三季度例会", "place": "议事厅", "convener": world.orgs["oc"].pk,
            "scheduled_at": local(NOW + timedelta(days=8)), "agenda": "物业费收缴\n电梯维保"}
    r = c.post("/meetings/new/?compound=K1", data)
    m = Meeting.objects.get()
    assert r.status_code == 302 and r.url == f"/meetings/{m.pk}/"
    assert (m.kind, m.status, m.compound, m.created_by) == ("committee", "draft", world.compounds["k1"],
                                                            world.users["chair"])
    assert list(m.agenda.values_list("text", flat=True)) == ["物业费收缴", "电梯维保"]
    assert kinds(m) == ["created"]
    body = c.get(r.url).content.decode()
    assert "always-invited" in body and world.orgs["rc"].name in body


def test_bad_input_is_a_form_error_and_nothing_changes(world, login):
    c = login(world.users["chair"])
    data = {"kind": "committee", "title": "例会", "place": "议事厅", "convener": world.orgs["oc"].pk,
            "scheduled_at": local(NOW - timedelta(days=1)), "agenda": "x"}
    r = c.post("/meetings/new/?compound=K1", data)
    assert r.status_code == 200 and "invalid-feedback" in r.content.decode()
    data["scheduled_at"], data["convener"] = local(NOW + timedelta(days=8)), world.orgs["rc"].pk
    r = c.post("/meetings/new/?compound=K1", data)
    assert r.status_code == 200 and "C6" in r.content.decode()
    assert not Meeting.objects.exists() and not MeetingEvent.objects.exists()


def test_wrong_role_and_outsider(world, login):
    m = committee_meeting(world)
    assert login(world.users["resident"]).get("/meetings/new/").status_code == 404
    assert login(world.users["company"]).get("/meetings/new/").status_code == 404
    assert login(world.users["outsider"]).get(f"/meetings/{m.pk}/").status_code == 404
    assert login(world.users["outsider"]).post(f"/meetings/{m.pk}/announce/").status_code == 404
    # A resident does not see a draft at all.
    assert login(world.users["resident"]).get(f"/meetings/{m.pk}/").status_code == 404
    # The community sees it but does not convene a committee meeting: a message, nothing changed.
    r = login(world.users["community"]).post(f"/meetings/{m.pk}/announce/", {"confirm": "yes"}, follow=True)
    assert r.status_code == 200 and Meeting.objects.get().status == "draft" and kinds(m) == ["created"]
    assert login(world.users["community"]).get("/meetings/new/?compound=K3").status_code == 404  # not theirs


def test_announce_too_late_is_a_message(world, login):
    m = committee_meeting(world, days=6)
    r = login(world.users["chair"]).post(f"/meetings/{m.pk}/announce/", {"confirm": "yes"}, follow=True)
    assert "7" in r.content.decode() and Meeting.objects.get().status == "draft"


def test_the_meeting_from_announcement_to_published_minutes(world, members, login, _frozen):
    m = committee_meeting(world)
    chair = login(world.users["chair"])
    ask = chair.post(f"/meetings/{m.pk}/announce/")  # irreversible: asked once more first
    assert ask.status_code == 200 and "confirm-announce" in ask.content.decode() and kinds(m) == ["created"]
    r = chair.post(f"/meetings/{m.pk}/announce/", {"confirm": "yes"})
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.status == "announced"
    assert MeetingEvent.objects.get(meeting=m, kind="announced").actor == world.users["chair"]
    resident = login(world.users["resident"])
    assert m.title in resident.get("/meetings/?upcoming=1").content.decode()
    page = resident.get(f"/meetings/{m.pk}/").content.decode()
    assert "更换电梯维保单位" in page and "sign-in-sheet" not in page
    assert resident.get(f"/meetings/{m.pk}/minutes/").status_code == 404

    _frozen.shift(timedelta(days=8))
    chair = login(world.users["chair"])
    chair.post(f"/meetings/{m.pk}/hold/", {"confirm": "yes"})
    people = members["people"]
    for p in people[:2]:
        chair.post(f"/meetings/{m.pk}/sign-in/", {"person": p.pk})
    sheet = chair.get(f"/meetings/{m.pk}/sign-in-sheet/").content.decode()
    assert "quorum-missing" in sheet  # 2 of 5 (RULES C6)
    r = chair.post(f"/meetings/{m.pk}/sign-in/", {"person": people[2].pk}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "quorum-met" in r.content.decode()  # 3 of 5, swapped in by htmx
    assert 'name="on_behalf_of"' not in r.content.decode()  # no proxies (C6)
    item = m.agenda.get()
    chair.post(f"/meetings/{m.pk}/decision/", {"agenda_item": item.pk, "text": "同意更换", "votes_for": 2,
                                               "votes_against": 1, "votes_abstain": 0})
    d = m.decisions.get()
    assert d.passed is False  # 2 of 5 members (RULES C6)
    chair.post(f"/meetings/{m.pk}/write-minutes/", {"text": "应到5人，实到3人。"})
    chair.post(f"/meetings/{m.pk}/attach/", {"files": [SimpleUploadedFile("签字.png", PNG, content_type="image/png")],
                                             "public": "on"})
    confirm = chair.post(f"/meetings/{m.pk}/publish/")
    assert confirm.status_code == 200 and "confirm-publish" in confirm.content.decode()
    m.refresh_from_db()
    assert m.status == "held"  # not yet: asked to confirm
    r = chair.post(f"/meetings/{m.pk}/publish/", {"confirm": "yes"})
    m.refresh_from_db()
    assert r.status_code == 302 and m.status == "minutes_published"
    e = MeetingEvent.objects.get(meeting=m, kind="minutes_published")
    assert (e.old_status, e.new_status, e.actor) == ("held", "minutes_published", world.users["chair"])

    resident = login(world.users["resident"])
    page = resident.get(f"/meetings/{m.pk}/minutes/")
    body = page.content.decode()
    assert page.status_code == 200 and "应到5人" in body and "同意更换" in body
    assert resident.get(f"/meetings/files/{m.attachments.get().pk}/").status_code == 200
    assert login(world.users["outsider"]).get(f"/meetings/{m.pk}/minutes/").status_code == 404


def test_internal_files_stay_internal(held_committee, world, login):
    c = login(world.users["chair"])
    c.post(f"/meetings/{held_committee.pk}/attach/", {"files": [SimpleUploadedFile("a.png", PNG)]})
    a = held_committee.attachments.get()
    assert a.public is False
    assert c.get(f"/meetings/files/{a.pk}/").status_code == 200
    svc.minutes_save(meeting=held_committee, text="纪要", actor=world.users["chair"])
    svc.minutes_publish(meeting=held_committee, actor=world.users["chair"])
    assert login(world.users["resident"]).get(f"/meetings/files/{a.pk}/").status_code == 404


def test_a_wrong_file_is_a_message(held_committee, world, login):
    c = login(world.users["chair"])
    r = c.post(f"/meetings/{held_committee.pk}/attach/",
               {"files": [SimpleUploadedFile("a.exe", b"MZ" + b"0" * 40)], "public": "on"}, follow=True)
    assert r.status_code == 200 and not held_committee.attachments.exists()
    assert "attachment" not in kinds(held_committee)


def test_a_proxy_is_refused_at_a_committee_meeting_even_if_posted(held_committee, members, world, login):
    c = login(world.users["chair"])
    p = members["people"]
    c.post(f"/meetings/{held_committee.pk}/sign-in/", {"person": p[1].pk, "on_behalf_of": p[2].pk})
    a = held_committee.attendance.get()
    assert a.on_behalf_of is None  # the field is not on a committee meeting's form (C6)


def test_a_member_signs_themself_in(world, members, login, _frozen):
    m = committee_meeting(world)
    svc.meeting_announce(meeting=m, actor=world.users["chair"])
    _frozen.shift(timedelta(days=8))
    c = login(world.users["chair"])
    c.post(f"/meetings/{m.pk}/sign-in-me/")
    assert m.attendance.get().person == world.users["chair"].person
    assert login(world.users["resident"]).post(f"/meetings/{m.pk}/sign-in-me/").status_code == 404


def test_community_meeting_by_the_community_worker(world, login):
    c = login(world.users["community"])
    r = c.get("/meetings/new/", {"community": "330199001001"})
    assert r.status_code == 200
    r = c.post("/meetings/new/?community=330199001001", {
        "kind": "deliberation", "title": "红茶议事会", "place": "党群服务中心", "convener": world.orgs["rc"].pk,
        "scheduled_at": local(NOW + timedelta(days=3)), "agenda": "加装电梯"})
    m = Meeting.objects.get()
    assert r.status_code == 302 and m.compound is None and m.community == world.regions["c1"]
    c.post(f"/meetings/{m.pk}/invite/", {"organization": world.orgs["co1"].pk})
    c.post(f"/meetings/{m.pk}/announce/", {"confirm": "yes"})
    m.refresh_from_db()
    assert m.status == "announced" and kinds(m) == ["created", "invited", "announced"]
    # Invited, the company sees it; a resident of K1 does not (community meetings are staff business).
    assert login(world.users["company"]).get(f"/meetings/{m.pk}/").status_code == 200
    assert login(world.users["resident"]).get(f"/meetings/{m.pk}/").status_code == 404


def test_cancel_and_remove_an_invitation(world, login):
    m = committee_meeting(world)
    c = login(world.users["chair"])
    c.post(f"/meetings/{m.pk}/invite/", {"organization": world.orgs["co1"].pk})
    inv = m.invitations.get(automatic=False)
    c.post(f"/meetings/{m.pk}/uninvite/", {"invitation": inv.pk})
    rc_inv = m.invitations.get()
    c.post(f"/meetings/{m.pk}/uninvite/", {"invitation": rc_inv.pk})
    assert m.invitations.get() == rc_inv  # always invited
    c.post(f"/meetings/{m.pk}/cancel/", {"reason": ""})
    m.refresh_from_db()
    assert m.status == "draft"
    c.post(f"/meetings/{m.pk}/cancel/", {"reason": "改期"})
    m.refresh_from_db()
    assert m.status == "cancelled" and kinds(m)[-1] == "cancelled"


def test_members_ask_for_a_meeting_from_the_list(world, members, login):
    c = login(world.users["chair"])
    page = c.get("/meetings/").content.decode()
    assert "request-form" in page
    c.post("/meetings/requests/new/", {"compound": "K1", "matter": "讨论停车收费"})
    req = CommitteeMeetingRequest.objects.get()
    assert req.matter == "讨论停车收费" and req.signers.count() == 1
    assert login(world.users["resident"]).post("/meetings/requests/new/", {"compound": "K1", "matter": "x"}) \
        .status_code == 404


def test_list_filters(world, login):
    committee_meeting(world)
    from .test_meeting_services import community_meeting

    community_meeting(world)
    c = login(world.users["community"])
    assert c.get("/meetings/").content.decode().count('data-testid="meeting-row"') == 2
    assert c.get("/meetings/?kind=committee").content.decode().count('data-testid="meeting-row"') == 1
    assert c.get("/meetings/?compound=K1").content.decode().count('data-testid="meeting-row"') == 1
