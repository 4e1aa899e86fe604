"""The live progress (cached; what is still missing on both bases, RULES V2–V5) and the
published result: per item, the hash-chained pseudonymous ballot log that ``sanfang voting
verify`` accepts and that names no unit (issue 4), each owner's own ballot found in it by its
receipt, and an Excel copy in which no text becomes a formula and no unit label is paired with
a choice."""

import io
import json
import re
import zipfile

import pytest
import time_machine

from sanfang.places.models import Unit
from sanfang.voting import ballotlog
from sanfang.voting import progress as live
from sanfang.voting import services as svc
from sanfang.voting.models import Ballot, Poll

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
    svc.poll_close(poll=open_poll, actor=world.users["chair"], now=open_poll.closes_at)
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
    assert sorted(e["channel"] for e in doc["entries"]) == ["online", "paper"]
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


def _xlsx_text(response) -> str:
    book = zipfile.ZipFile(io.BytesIO(response.content))
    return "".join(book.read(n).decode() for n in book.namelist() if n.endswith(".xml"))


def test_no_unit_label_of_the_compound_is_published(world, published_poll, login):
    """Issue 4: the log and the Excel copy are read by every owner, the company and the
    departments; none of them may learn how a home voted."""
    labels = [str(u) for u in Unit.objects.filter(compound=published_poll.compound)]
    assert "1-1-201" in labels and len(labels) >= 3
    c = login(world.users["owner_a"])
    bodies = [c.get(f"/polls/{published_poll.pk}/log.json{q}").content.decode() for q in ("", "?item=1", "?item=2")]
    bodies.append(_xlsx_text(login(world.users["chair"]).get(f"/polls/{published_poll.pk}/result.xlsx")))
    receipts = list(Ballot.objects.filter(poll=published_poll).values_list("receipt", flat=True))
    for body in bodies:
        for text in labels + receipts + ["李四", "开发商", "T10:00"]:
            assert text not in body
    codes = [ballotlog.ballot_code(r) for r in receipts]
    assert all(code in bodies[0] and code in bodies[-1] for code in codes)  # the entries are there, by code


def test_the_excel_log_sheet_has_the_pseudonymous_entries(world, published_poll, login):
    r = login(world.users["chair"]).get(f"/polls/{published_poll.pk}/result.xlsx")
    strings = zipfile.ZipFile(io.BytesIO(r.content)).read("xl/sharedStrings.xml").decode()
    for header in ("选票码", "户", "单元", "选择", "方式", "哈希"):
        assert f">{header}<" in strings
    assert ">房号<" not in strings and ">时间<" not in strings
    for item in Poll.objects.get(pk=published_poll.pk).result["items"]:
        for entry in item["log"]["entries"]:
            assert entry["unit"] in strings and entry["head"] in strings and entry["hash"] in strings


def test_each_owner_finds_their_own_ballot_on_the_result_page(world, owners, owner_b, published_poll, login):
    """Owner a voted yes/no online for 102, which owner b co-owns (one head, RULES V7): both
    see its code, its pseudonyms and the choices the log holds; nobody else sees it."""
    poll = Poll.objects.get(pk=published_poll.pk)
    mine = Ballot.objects.get(poll=poll, channel="online")
    code = ballotlog.ballot_code(mine.receipt)
    entries = [next(e for e in i["log"]["entries"] if e["ballot"] == code) for i in poll.result["items"]]
    for user in (world.users["owner_a"], owner_b):
        page = login(user).get(f"/polls/{poll.pk}/result/").content.decode()
        card = page.split('data-testid="my-ballots"', 1)[1].split('data-item="1"', 1)[0]
        assert f'data-testid="my-code">{code}<' in card
        assert f'data-testid="my-unit">{entries[0]["unit"]}<' in card
        assert f'data-testid="my-head">{entries[0]["head"]}<' in card
        assert "1-1-102" in card and f"(seq {entries[0]['seq']})" in card
        assert re.search(r'data-my-item="1">.*?<b>[^<]+</b>', card) and 'data-testid="my-missing"' not in card
        assert mine.receipt not in page.split('data-testid="my-ballots"', 1)[0]
    developer = ballotlog.ballot_code(Ballot.objects.get(poll=poll, channel="paper").receipt)
    for who in ("owner_a", "company", "chair", "community"):
        page = login(world.users[who]).get(f"/polls/{poll.pk}/result/").content.decode()
        assert f'data-testid="my-code">{developer}<' not in page
        assert ('data-testid="my-ballots"' in page) == (who == "owner_a")
    vote = login(world.users["owner_a"]).get(f"/polls/{poll.pk}/vote/").content.decode()
    assert 'data-testid="find-my-ballot"' in vote and f"/polls/{poll.pk}/result/" in vote


def test_a_ballot_missing_from_the_log_is_shown_to_its_voter(world, owners, published_poll, login):
    poll = Poll.objects.get(pk=published_poll.pk)
    result = poll.result
    code = ballotlog.ballot_code(Ballot.objects.get(poll=poll, channel="online").receipt)
    result["items"][1]["log"]["entries"] = [e for e in result["items"][1]["log"]["entries"] if e["ballot"] != code]
    Poll.objects.filter(pk=poll.pk).update(result=result)
    page = login(world.users["owner_a"]).get(f"/polls/{poll.pk}/result/").content.decode()
    card = page.split('data-testid="my-ballots"', 1)[1]
    assert card.count('data-testid="my-missing"') == 1 and 'role="alert"' in card


def test_a_log_of_the_first_format_is_no_longer_served(world, owners, published_poll, login):
    """Polls published before the pseudonyms kept logs that named each unit with its choice:
    the totals stay, the log is withdrawn (README, "Published ballot log")."""
    poll = Poll.objects.get(pk=published_poll.pk)
    result = poll.result
    for item in result["items"]:
        item["log"]["format"] = ballotlog.LEGACY_FORMAT
        for entry in item["log"]["entries"]:
            entry["unit"] = "1-1-201"
    Poll.objects.filter(pk=poll.pk).update(result=result)
    c = login(world.users["owner_a"])
    page = c.get(f"/polls/{poll.pk}/result/").content.decode()
    assert 'data-testid="log-withdrawn"' in page and 'data-testid="download-log"' not in page
    assert 'data-testid="my-ballots"' not in page and 'data-item="1" data-passed="1"' in page
    assert "log.json" not in page
    for q in ("", "?item=1"):
        assert c.get(f"/polls/{poll.pk}/log.json{q}").status_code == 404
    xlsx = login(world.users["chair"]).get(f"/polls/{poll.pk}/result.xlsx")
    assert xlsx.status_code == 200 and "1-1-201" not in _xlsx_text(xlsx)
