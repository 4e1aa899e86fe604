"""The case pages as the users meet them: intake, the inbox, a case and its actions."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sanfang.tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


def raise_case(client, cats, **extra):
    data = {"category": cats["stair-light"].pk, "title": "楼道灯不亮", "description": "三楼的灯坏了", "location": "", **extra}
    return client.post("/tickets/new/", data)


def test_resident_reports_with_a_photo_and_sees_it(world, cats, login):
    c = login(world.users["resident"])
    r = raise_case(c, cats, photos=[SimpleUploadedFile("a.png", PNG, content_type="image/png")])
    t = Ticket.objects.get()
    assert r.status_code == 302 and r.url == f"/tickets/{t.reference}/"
    assert t.raised_by == world.users["resident"] and t.channel == "app" and t.attachments.count() == 1
    page = c.get(r.url)
    assert "楼道灯不亮" in page.content.decode()
    assert c.get(f"/tickets/files/{t.attachments.get().pk}/").status_code == 200
    assert login(world.users["outsider"]).get(r.url).status_code == 404


def test_a_wrong_file_changes_nothing(world, cats, login):
    c = login(world.users["resident"])
    r = raise_case(c, cats, photos=[SimpleUploadedFile("a.exe", b"MZ" + b"0" * 50, content_type="image/png")])
    assert r.status_code == 200 and "不是照片" in r.content.decode() or "is not a photo" in r.content.decode()
    assert Ticket.objects.count() == 0 and TicketEvent.objects.count() == 0


def test_anonymous_goes_through_the_phone_check(world, cats, client, django_capture_on_commit_callbacks):
    from sanfang.tickets import notify

    r = client.get("/tickets/new/?compound=K1")
    assert r.status_code == 302 and r.url.startswith("/tickets/verify/")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/tickets/verify/", {"phone": "13912345678", "next": "/tickets/new/?compound=K1"})
    code = re.search(r"\d{6}", notify.MemorySender.outbox[-1]["text"]).group()
    wrong = client.post("/tickets/verify/", {"phone_verified": "13912345678", "code": "000000" if code != "000000"
                                             else "111111", "next": "/tickets/new/?compound=K1"})
    assert wrong.status_code == 200
    r = client.post("/tickets/verify/", {"phone_verified": "13912345678", "code": code,
                                         "next": "/tickets/new/?compound=K1"})
    assert r.status_code == 302 and r.url == "/tickets/new/?compound=K1"
    r = client.post("/tickets/new/?compound=K1", {"category": cats["stair-light"].pk, "title": "灯", "description": "坏了"})
    t = Ticket.objects.get()
    assert t.reporter_phone == "13912345678" and t.raised_by is None
    assert client.get(f"/tickets/{t.reference}/").status_code == 200


def test_staff_handle_from_the_inbox(world, cats, login):
    raise_case(login(world.users["resident"]), cats)
    t = Ticket.objects.get()
    chair = login(world.users["chair"])
    assert t.reference in chair.get("/tickets/inbox/").content.decode()
    chair.post(f"/tickets/{t.reference}/accept/", {"note": "属实"})
    company = login(world.users["company"])
    company.post(f"/tickets/{t.reference}/start/", {"note": ""})
    company.post(f"/tickets/{t.reference}/resolve/", {"note": "已换灯"})
    t.refresh_from_db()
    assert t.status == "resolved"
    assert list(t.events.values_list("kind", flat=True)) == ["created", "pre_reviewed", "started", "resolved"]
    res = login(world.users["resident"])
    res.post(f"/tickets/{t.reference}/feedback/", {"rating": "satisfied", "fixed": "yes"})
    t.refresh_from_db()
    assert t.status == "closed"


def test_a_refused_move_is_a_message_not_an_error(world, cats, login):
    raise_case(login(world.users["resident"]), cats)
    t = Ticket.objects.get()
    c = login(world.users["company"])
    r = c.post(f"/tickets/{t.reference}/accept/", {"note": ""}, follow=True)
    assert r.status_code == 200 and Ticket.objects.get().status == "submitted"
    assert TicketEvent.objects.count() == 1
