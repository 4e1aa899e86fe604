"""The proxies page (RULES V13: proxies allowed): staff register an owner's written
authorisation, for one poll or a period, find owners by unit and name, revoke after a
confirmation, and see how many owners each holder represents against the poll's cap."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sanfang.voting import services as svc
from sanfang.voting.models import Poll, PollEvent, Proxy

from .test_pages_common import levels, pdf

pytestmark = pytest.mark.django_db
URL = "/polls/proxies/?compound=K1"


def proxy_data(the_poll, **extra):
    return {"grantor_unit": "1-1-201", "grantor_name": "开发商", "holder_unit": "1-1-101", "holder_name": "王建国",
            "scope": "poll", "poll": the_poll.pk, "document": pdf(), **extra}


def test_who_may_open_the_proxies_page(world, open_poll, client, login):
    r = client.get(URL)
    assert r.status_code == 302 and "/accounts/login/" in r.url
    assert login(world.users["outsider"]).get(URL).status_code == 404
    assert login(world.users["owner_a"]).get(URL).status_code == 404  # an owner has no staff scope
    assert login(world.users["chair"]).get("/polls/proxies/?compound=K3").status_code == 404
    assert login(world.users["chair"]).get("/polls/proxies/").status_code == 404
    company = login(world.users["company"])
    assert company.get(URL).status_code == 403
    assert company.post(URL, proxy_data(open_poll)).status_code == 403
    assert Proxy.objects.count() == 0
    assert login(world.users["community"]).get(URL).status_code == 200


def test_staff_register_an_authorisation_for_one_poll(world, open_poll, owners, login):
    c = login(world.users["community"])
    r = c.post(URL, proxy_data(open_poll))
    assert r.status_code == 302 and levels(r) == ["success"]
    proxy = Proxy.objects.get()
    assert (proxy.grantor, proxy.holder, proxy.poll) == (owners["dev"], owners["chair"], Poll.objects.get())
    assert proxy.document.read().startswith(b"%PDF") and proxy.created_by == world.users["community"]
    event = PollEvent.objects.get(kind="proxy_granted")
    assert event.actor == world.users["community"] and event.data == {"proxy": proxy.pk}
    page = c.get(URL).content.decode()
    assert f'data-proxy="{proxy.pk}"' in page and f'data-holder="{owners["chair"].pk}"' in page
    doc = c.get(f"/polls/proxies/{proxy.pk}/document/")
    assert doc.status_code == 200 and b"".join(doc.streaming_content).startswith(b"%PDF")
    assert login(world.users["owner_a"]).get(f"/polls/proxies/{proxy.pk}/document/").status_code == 404


def test_an_authorisation_for_a_period(world, open_poll, owners, login):
    r = login(world.users["chair"]).post(URL, proxy_data(open_poll, scope="period", poll="",
                                                         valid_from="2026-11-01", valid_until="2027-10-31"))
    assert r.status_code == 302
    proxy = Proxy.objects.get()
    assert proxy.poll is None and (proxy.valid_from, proxy.valid_until) == (date(2026, 11, 1), date(2027, 10, 31))


@pytest.mark.parametrize("extra", [
    {"grantor_name": "张三"},  # nobody of that name in that unit
    {"holder_unit": "9-9-999"},
    {"document": ""},  # the written authorisation is required
    {"document": SimpleUploadedFile("a.html", b"<script>")},
    {"scope": "period", "poll": "", "valid_from": "2027-01-02", "valid_until": "2027-01-01"},
    {"scope": "poll", "poll": ""},
    {"holder_unit": "1-1-201", "holder_name": "开发商"},  # nobody authorises themself
], ids=["unknown-grantor", "unknown-holder", "no-document", "not-a-document", "backwards", "no-poll", "self"])
def test_a_bad_authorisation_changes_nothing(world, open_poll, owners, login, extra):
    r = login(world.users["community"]).post(URL, proxy_data(open_poll, **extra))
    assert r.status_code == 200 and ("invalid-feedback" in r.content.decode() or "alert-danger" in r.content.decode())
    assert Proxy.objects.count() == 0 and not PollEvent.objects.filter(kind="proxy_granted").exists()


def test_revoke_after_a_confirmation(world, open_poll, owners, login):
    proxy = svc.proxy_grant(compound=world.compounds["k1"], grantor=owners["dev"], holder=owners["chair"],
                            document=pdf(), actor=world.users["chair"], poll=open_poll)
    url = f"/polls/proxies/{proxy.pk}/revoke/"
    assert login(world.users["outsider"]).post(url).status_code == 404
    assert login(world.users["company"]).post(url).status_code == 404
    c = login(world.users["grid"])
    page = c.get(url)
    assert page.status_code == 200 and 'data-testid="confirm-revoke"' in page.content.decode()
    assert Proxy.objects.get().revoked_at is None  # the page asks; only the POST revokes
    r = c.post(url)
    assert r.status_code == 302 and r.url == URL and levels(r) == ["success"]
    assert Proxy.objects.get().revoked_at is not None
    event = PollEvent.objects.get(kind="proxy_revoked")
    assert event.actor == world.users["grid"] and event.data == {"proxy": proxy.pk}
    assert f'data-proxy="{proxy.pk}"' not in c.get(URL).content.decode()
    again = c.post(url)
    assert levels(again)[-1] == "error" and PollEvent.objects.filter(kind="proxy_revoked").count() == 1


def test_holders_against_the_cap(world, open_poll, owners, login):
    Poll.objects.filter(pk=open_poll.pk).update(proxies_per_holder=1)
    for grantor in (owners["dev"], owners["b"]):
        svc.proxy_grant(compound=world.compounds["k1"], grantor=grantor, holder=owners["chair"], document=pdf(),
                        actor=world.users["chair"], poll=open_poll)
    page = login(world.users["chair"]).get(f"{URL}&poll={open_poll.pk}").content.decode()
    row = page.split(f'data-holder="{owners["chair"].pk}"', 1)[1].split("</tr>", 1)[0]
    assert 'class="table-danger"' in row and ">2<" in row and ">1 " in row
