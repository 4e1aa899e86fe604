"""The live progress (cached; what is still missing on both bases, RULES V2–V5) and the
published result: per item, the hash-chained anonymised ballot log that ``sanfang voting
verify`` accepts, and an Excel copy in which no text becomes a formula."""

import io
import json
import re
import zipfile

import pytest
import time_machine

from sanfang.voting import ballotlog
from sanfang.voting import progress as live
from sanfang.voting import services as svc
from sanfang.voting.models import Poll

from .test_pages_common import *  # noqa: F403  (the shared fixtures)
from .test_pages_common import DURING, levels

pytestmark = pytest.mark.django_db


# --- live progress ------------------------------------------------------------------------------


def test_progress_needs_a_login_and_scope(world, open_poll, client, login):
    r = client.get(f"/polls/{open_poll.pk}/progress/")
    assert r.status_code == 302 and "/accounts/login/" in r.url
    assert login(world.users["outsider"]).get(f"/polls/{open_poll.pk}/progress/").status_code == 404
    assert login(world.users["resident"]).get(f"/polls/{open_poll.pk}/progress/?partial=1").status_code == 404


def test_progress_says_what_is_missing_on_both_bases(world, open_poll, login):
    """3 heads of 88.50 m² (265.50 m²). Owner a votes yes on item 1: the 2/3 quorum (V2) needs
    2 heads and 177.00 m², so 1 head and 88.50 m² are missing; the yes votes already pass
    "more than half of the participants" (V4) on item 1."""
    with time_machine.travel(DURING, tick=False):
        svc.ballot_cast(poll=open_poll, actor=world.users["owner_a"], choices={"1": "yes", "2": "no"})
        page = login(world.users["owner_a"]).get(f"/polls/{open_poll.pk}/progress/").content.decode()
    first = page.split('data-item="1"', 1)[1].split('data-item="2"', 1)[0]
    assert re.search(r'data-testid="part-heads">1<', first) and re.search(r'data-testid="part-area">88.50<', first)
    quorum = first.split('data-testid="quorum"', 1)[1].split('data-testid="passing"', 1)[0]
    assert 'data-met="0"' in quorum and "88.50" in quorum and ">1<" not in quorum
    assert re.search(r"88\.50\D+1\b", quorum.split('data-testid="quorum-missing"', 1)[1])
    assert 'data-testid="passing" data-met="1"' in first
    second = page.split('data-item="2"', 1)[1]
    # item 2 (rebuild, ≥ 3/4 of the participants, V3): one no, so yes votes are missing
    assert 'data-testid="passing" data-met="0"' in second
    assert 'id="progress-data"' in page and "echarts.min.js" in page
    assert 'hx-trigger="every 10s"' in page and f"/polls/{open_poll.pk}/progress/?partial=1" in page


def test_the_partial_is_a_fragment_read_from_the_cache(world, open_poll, login, monkeypatch):
    calls = []
    real = live.compute
    monkeypatch.setattr(live, "compute", lambda poll: calls.append(poll.pk) or real(poll))
    c = login(world.users["chair"])
    for _ in range(3):
        r = c.get(f"/polls/{open_poll.pk}/progress/?partial=1")
        body = r.content.decode()
        assert r.status_code == 200 and body.startswith("<div id=\"progress-live\"") and "<html" not in body
    assert c.get(f"/polls/{open_poll.pk}/progress/partial/").status_code == 200
    assert calls == [open_poll.pk]  # computed once, then served from the cache


def test_progress_before_voting_opens(world, draft_poll, login):
    svc.poll_announce(poll=draft_poll, actor=world.users["chair"])
    page = login(world.users["owner_a"]).get(f"/polls/{draft_poll.pk}/progress/").content.decode()
    assert 'data-testid="progress-not-open"' in page and "hx-trigger" not in page


def test_a_closed_poll_stops_refreshing(world, open_poll, login):
    svc.poll_close(poll=open_poll, actor=world.users["chair"], now=DURING)
    page = login(world.users["owner_a"]).get(f"/polls/{open_poll.pk}/progress/").content.decode()
    assert 'data-testid="progress"' in page and "hx-trigger" not in page


# --- the published result -----------------------------------------------------------------------


def test_no_result_before_publication(world, open_poll, login):
    c = login(world.users["owner_a"])
    r = c.get(f"/polls/{open_poll.pk}/result/")
    assert r.status_code == 302 and r.url == f"/polls/{open_poll.pk}/" and levels(r) == ["info"]
    assert c.get(f"/polls/{open_poll.pk}/log.json").status_code == 404
    assert c.get(f"/polls/{open_poll.pk}/result.xlsx").status_code == 404


def test_the_result_outside_scope_is_not_there(world, published_poll, client, login):
    urls = ("result/", "log.json", "result.xlsx")
    for url in urls:  # ``login`` logs this same client in: anonymous first
        assert client.get(f"/polls/{published_poll.pk}/{url}").status_code == 302
    for url in urls:
        assert login(world.users["outsider"]).get(f"/polls/{published_poll.pk}/{url}").status_code == 404
        assert login(world.users["resident"]).get(f"/polls/{published_poll.pk}/{url}").status_code == 404


def test_the_published_result(world, published_poll, login):
    """Two of three heads voted (quorum 2/3 met, V2). Item 1: two yes of two (> 1/2, V4):
    passed. Item 2: one yes, one no: 1/2 is not 3/4 (V3): not passed."""
    page = login(world.users["owner_a"]).get(f"/polls/{published_poll.pk}/result/").content.decode()
    assert 'data-item="1" data-passed="1"' in page and 'data-item="2" data-passed="0"' in page
    assert published_poll.log_head_hash in page and "civil-code-2021" in page
    item1 = page.split('data-item="1"', 1)[1].split('data-item="2"', 1)[0]
    assert re.search(r'data-testid="yes-heads">2<', item1) and re.search(r'data-testid="yes-area">177.00<', item1)
    staff = login(world.users["community"]).get(f"/polls/{published_poll.pk}/result/")
    assert staff.status_code == 200


def test_the_log_downloads_and_verifies(world, published_poll, login):
    c = login(world.users["owner_a"])
    r = c.get(f"/polls/{published_poll.pk}/log.json")
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    whole = json.loads(r.content)
    assert whole["anchor"] == published_poll.log_head_hash and len(whole["items"]) == 2
    one = c.get(f"/polls/{published_poll.pk}/log.json?item=2")
    doc = json.loads(one.content)
    ok, problems, result = ballotlog.verify_log(doc)
    assert ok and not problems and result["passed"] is False
    assert [e["channel"] for e in doc["entries"]] == ["online", "paper"]
    text = one.content.decode()
    assert "李四" not in text and "开发商" not in text  # anonymised: no names
    assert c.get(f"/polls/{published_poll.pk}/log.json?item=9").status_code == 404


def test_the_excel_export_keeps_formulas_out(world, published_poll, login):
    Poll.objects.filter(pk=published_poll.pk).update(title='=HYPERLINK("http://x","点我")')
    r = login(world.users["chair"]).get(f"/polls/{published_poll.pk}/result.xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    book = zipfile.ZipFile(io.BytesIO(r.content))
    strings = book.read("xl/sharedStrings.xml").decode()
    sheets = "".join(book.read(n).decode() for n in book.namelist() if n.startswith("xl/worksheets/sheet"))
    assert "'=HYPERLINK" in strings and "<f>" not in sheets
    assert "表决结果" in book.read("xl/workbook.xml").decode() and "投票记录" in book.read("xl/workbook.xml").decode()
    assert published_poll.log_head_hash in strings
