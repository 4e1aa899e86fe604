"""Review (issue 4): every URL of the owners' votes and the surveys as anonymous, each standard
actor, two owners, and the staff, company and owner of another community and compound. Outside
scope is 404; a draft only to its organisers; scans and written authorisations (personal
documents) only to those who collect; no owner sees another's receipt or name; survey results
only once closed and only to the organisers and the party evaluated; a slip's code is never shown
again (DESIGN habit 8, data protection; RULES V13)."""

import io
import re
import zipfile
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from sanfang.accounts.models import Role
from sanfang.orgs.models import Ownership
from sanfang.places.models import Building, Unit
from sanfang.testing import person, user_with_seat
from sanfang.voting import services as svc
from sanfang.voting import surveys as sv
from sanfang.voting.models import Ballot, Poll, Proxy, Survey

from .conftest import SH
from .test_pages_common import *  # noqa: F403  (the shared fixtures)
from .test_pages_common import AFTER, DURING, jpeg, pdf

pytestmark = pytest.mark.django_db
__all__ = ["draft_poll", "owner_b", "published_poll", "scene"]  # noqa: F405  (for the other review files)
ACTORS = ("district", "subdistrict", "department", "community", "grid", "chair", "supervisor", "company",
          "resident", "outsider", "owner_a", "owner_b", "c2_worker", "k3_company", "k3_resident")
ORGANISERS = {"district", "subdistrict", "community", "chair"}
COLLECTORS = ORGANISERS | {"grid"}
SEE_K1_POLLS = COLLECTORS | {"department", "supervisor", "company", "owner_a", "owner_b"}
SEE_K3_POLLS = {"district", "department", "c2_worker", "k3_company", "k3_resident"}
SLIP_CODE = re.compile(r"\b[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}\b")


@pytest.fixture
def scene(world, owners, owner_b, published_poll, draft_poll):  # noqa: F811
    """K1: a draft poll with an authorisation (owner b → the chair, a signed PDF), a published
    poll with an online and a paper ballot (its scan), surveys draft, open, and closed with three
    answers. K3 (community C2): a published poll with a paper ballot, an authorisation for a
    period, a closed survey of its company. Extra actors: a community worker of C2, staff of the
    company serving K3, an owner living in K3."""
    u = world.users
    k1, k3 = world.compounds["k1"], world.compounds["k3"]
    u["owner_b"] = owner_b
    u["c2_worker"] = user_with_seat("c2-worker", Role.COMMUNITY_WORKER, world.regions["c2"])
    u["k3_company"] = user_with_seat("k3-company", Role.COMPANY_STAFF, world.orgs["co2"])
    k3unit = Unit.objects.create(compound=k3, building=Building.objects.get(compound=k3, number="9"), entrance="1",
                                 number="101", exclusive_area=Decimal("80.00"), area_source="registered")
    k3owner = person("西溪业主")
    Ownership.objects.create(unit=k3unit, person=k3owner, compound=k3)
    u["k3_resident"] = user_with_seat("k3-resident", Role.RESIDENT, k3)
    u["k3_resident"].person = k3owner
    u["k3_resident"].save()
    proxy = svc.proxy_grant(compound=k1, grantor=owners["b"], holder=owners["chair"], document=pdf(),
                            actor=u["community"], poll=draft_poll)
    start = datetime(2026, 12, 1, 9, 0, tzinfo=SH)
    with time_machine.travel(start - timedelta(days=20), tick=False):
        k3poll = svc.poll_create(compound=k3, title="西溪表决", actor=u["c2_worker"], items=[("修订管理规约", "covenant")],
                                 opens_at=start, closes_at=start + timedelta(days=10))
        svc.poll_announce(poll=k3poll, actor=u["c2_worker"])
    svc.poll_open(poll=k3poll, actor=u["c2_worker"], now=start)
    svc.paper_ballot_enter(poll=k3poll, head_key="H0001", choices={"1": "yes"}, scan=jpeg(), actor=u["c2_worker"],
                           now=DURING)
    svc.poll_close(poll=k3poll, now=AFTER)
    with time_machine.travel(AFTER, tick=False):
        svc.poll_publish(poll=k3poll, actor=u["c2_worker"])
    k3proxy = svc.proxy_grant(compound=k3, grantor=k3owner, holder=owners["chair"], document=pdf(),
                              actor=u["c2_worker"], valid_from=start.date(), valid_until=start.date())
    items = [("保洁", "楼道清洁"), ("保安", "门岗值守")]
    s_draft = sv.survey_create(compound=k1, title="草稿测评", items=items, actor=u["chair"])
    s_open = sv.survey_create(compound=k1, title="进行测评", items=items, actor=u["chair"])
    open_slips = sv.survey_open(survey=s_open, actor=u["chair"])
    s_closed = sv.survey_create(compound=k1, title="结束测评", items=items, actor=u["chair"])
    slips = sv.survey_open(survey=s_closed, actor=u["chair"])
    for slip in slips:
        sv.survey_respond(token=slip.token, scores={"1": 4, "2": 5})
    sv.survey_close(survey=s_closed, actor=u["chair"])
    s_k3 = sv.survey_create(compound=k3, title="西溪测评", items=items, actor=u["c2_worker"])
    sv.survey_open(survey=s_k3, actor=u["c2_worker"])
    sv.survey_close(survey=s_k3, actor=u["c2_worker"])
    pub = Poll.objects.get(pk=published_poll.pk)
    return {"draft": draft_poll, "pub": pub, "k3poll": k3poll, "proxy": proxy, "k3proxy": k3proxy,
            "scan": Ballot.objects.get(poll=pub, channel="paper"), "online": Ballot.objects.get(poll=pub,
                                                                                                channel="online"),
            "k3scan": Ballot.objects.get(poll=k3poll), "s_draft": s_draft, "s_open": s_open, "s_closed": s_closed,
            "s_k3": s_k3, "codes": [s.token for s in open_slips + slips]}


def matrix(s) -> dict[str, tuple[str, dict]]:
    """URL name: (URL, {status: actors}); every actor not named gets a 404."""
    d, p, k3 = s["draft"].pk, s["pub"].pk, s["k3poll"].pk
    sees_pub_not_collecting = SEE_K1_POLLS - COLLECTORS
    out = {
        "list": ("/polls/", {200: set(ACTORS)}),
        "new K1": ("/polls/new/?compound=K1", {200: ORGANISERS, 403: {"department", "grid", "supervisor", "company"}}),
        "new K3": ("/polls/new/?compound=K3", {200: {"district", "c2_worker"}, 403: {"department", "k3_company"}}),
        "paper": (f"/polls/{p}/paper/", {200: COLLECTORS, 403: sees_pub_not_collecting}),
        "scan": (f"/polls/{p}/paper/{s['scan'].pk}/scan/", {200: COLLECTORS}),
        "online ballot as a scan": (f"/polls/{p}/paper/{s['online'].pk}/scan/", {}),
        "proxies": ("/polls/proxies/?compound=K1", {200: COLLECTORS, 403: {"department", "supervisor", "company"}}),
        # The authorisation is for the draft poll: its organisers', not the grid worker's.
        "proxy document": (f"/polls/proxies/{s['proxy'].pk}/document/", {200: ORGANISERS}),
        "proxy revoke": (f"/polls/proxies/{s['proxy'].pk}/revoke/", {200: ORGANISERS}),
        "k3 scan": (f"/polls/{k3}/paper/{s['k3scan'].pk}/scan/", {200: {"district", "c2_worker"}}),
        "k3 proxy document": (f"/polls/proxies/{s['k3proxy'].pk}/document/", {200: {"district", "c2_worker"}}),
        "surveys": ("/surveys/", {200: set(ACTORS)}),
        "survey draft": (f"/surveys/{s['s_draft'].pk}/", {200: ORGANISERS}),
        "survey open": (f"/surveys/{s['s_open'].pk}/", {200: ORGANISERS}),
        "survey open results": (f"/surveys/{s['s_open'].pk}/results/", {302: ORGANISERS}),
        "survey open export": (f"/surveys/{s['s_open'].pk}/results.xlsx", {302: ORGANISERS}),
        "survey closed": (f"/surveys/{s['s_closed'].pk}/", {200: ORGANISERS | {"company"}}),
        "survey closed results": (f"/surveys/{s['s_closed'].pk}/results/", {200: ORGANISERS | {"company"}}),
        "survey closed export": (f"/surveys/{s['s_closed'].pk}/results.xlsx", {200: ORGANISERS | {"company"}}),
        "k3 survey results": (f"/surveys/{s['s_k3'].pk}/results/", {200: {"district", "c2_worker", "k3_company"}}),
    }
    for name in ("", "vote/", "progress/"):
        out[f"draft {name}"] = (f"/polls/{d}/{name}", {200: ORGANISERS})
    for name in ("", "vote/", "progress/", "result/", "log.json", "result.xlsx"):
        out[f"published {name}"] = (f"/polls/{p}/{name}", {200: SEE_K1_POLLS})
    for name in ("", "result/", "log.json"):
        out[f"k3 {name}"] = (f"/polls/{k3}/{name}", {200: SEE_K3_POLLS})
    return out


def test_every_url_as_every_actor(world, scene, client):
    from sanfang.testing import url_matrix_misses

    def wants(expected):
        return lambda who: next((status for status, actors in expected.items() if who in actors), 404)

    urls = {name: (url, wants(expected)) for name, (url, expected) in matrix(scene).items()}
    assert url_matrix_misses(client, world.users, ACTORS, urls) == []


def test_no_owner_sees_another_owners_receipt_or_name(world, owners, scene, login):
    """Owner a (co-owner of 102 with owner b: one head, RULES V7) sees their head's receipt and
    nobody else's: not the developer's paper ballot, not who holds an authorisation from whom."""
    mine = scene["online"].receipt
    others = [scene["scan"].receipt, scene["k3scan"].receipt]
    p = scene["pub"].pk
    for who in ("owner_a", "owner_b", "company", "supervisor", "department"):
        c = login(world.users[who])
        for url in (f"/polls/{p}/", f"/polls/{p}/vote/", f"/polls/{p}/progress/", f"/polls/{p}/result/",
                    f"/polls/{p}/log.json", "/polls/", f"/polls/{scene['draft'].pk}/vote/"):
            body = c.get(url).content.decode()
            assert not any(r in body for r in others), (who, url)
            assert "开发商" not in body and "王建国" not in body, (who, url)  # the developer, the proxy holder
            assert 'data-testid="timeline"' not in body, (who, url)
        assert (mine in c.get(f"/polls/{p}/vote/").content.decode()) == (who in ("owner_a", "owner_b"))


def test_the_published_log_names_no_one(world, owners, scene, login):
    body = login(world.users["owner_a"]).get(f"/polls/{scene['pub'].pk}/log.json").content.decode()
    for name in ("李四", "王五", "开发商", "王建国"):
        assert name not in body
    assert owners["a"].id_last4 not in body


def test_a_slip_code_is_never_shown_again(world, scene, client):
    """The codes were shown once, on the slips page that opening returned; no page shows them,
    nor any other code, afterwards — to anyone."""
    s = scene
    urls = [f"/surveys/{x.pk}/{tail}" for x in (s["s_draft"], s["s_open"], s["s_closed"], s["s_k3"])
            for tail in ("", "open/", "close/", "slips/", "results/")] + ["/surveys/", "/surveys/new/"]
    for who in ACTORS:
        client.force_login(world.users[who])
        for url in urls:
            r = client.get(url)
            body = r.content.decode() if r.status_code == 200 else ""
            assert not SLIP_CODE.search(body), (who, url)
            assert not any(code in body for code in s["codes"]), (who, url)


def test_the_grid_worker_collects_but_sees_no_draft_poll(world, scene, login):
    """The proxies page listed the draft poll (its title, the authorisations for it) to everyone
    who collects: a draft is its organisers' (RULES V13)."""
    title = scene["draft"].title
    assert title in login(world.users["community"]).get("/polls/proxies/?compound=K1").content.decode()
    page = login(world.users["grid"]).get("/polls/proxies/?compound=K1")
    assert page.status_code == 200 and title not in page.content.decode()
    assert title not in login(world.users["grid"]).get("/polls/").content.decode()


def test_documents_are_served_only_through_the_checked_views(world, scene, login):
    """The scans and authorisations live under the media root with names of their own; the pages
    link to the views that check who collects, never to the file itself."""
    c = login(world.users["chair"])
    paper = c.get(f"/polls/{scene['pub'].pk}/paper/").content.decode()
    proxies = c.get("/polls/proxies/?compound=K1").content.decode()
    for doc in (scene["scan"].scan.name, Proxy.objects.get(pk=scene["proxy"].pk).document.name):
        assert doc not in paper and doc not in proxies
    assert f"/polls/{scene['pub'].pk}/paper/{scene['scan'].pk}/scan/" in paper
    assert f"/polls/proxies/{scene['proxy'].pk}/document/" in proxies


def test_survey_results_wait_for_the_close(world, scene, login):
    """While open, even the organisers get the count only, and the company evaluated nothing."""
    c = login(world.users["chair"])
    page = c.get(f"/surveys/{scene['s_open'].pk}/").content.decode()
    assert 'data-testid="results"' not in page and 'data-figure="responses"' in page
    assert Survey.objects.get(pk=scene["s_open"].pk).status == "open"
    assert login(world.users["company"]).get(f"/surveys/{scene['s_open'].pk}/results/").status_code == 404


def test_the_published_log_does_not_tell_a_resident_how_a_home_voted(world, owners, scene, login):
    c = login(world.users["owner_b"])
    log = c.get(f"/polls/{scene['pub'].pk}/log.json").content.decode()
    assert "1-1-201" not in log  # the developer's home, which voted yes on both items
    # Fixed (ballotlog: pseudonyms drawn at random per poll, entries in their order, no time);
    # the Excel copy's sheet 投票记录 follows the log.
    xlsx = c.get(f"/polls/{scene['pub'].pk}/result.xlsx")
    assert xlsx.status_code == 200
    book = zipfile.ZipFile(io.BytesIO(xlsx.content))
    assert not any("1-1-201" in book.read(n).decode() for n in book.namelist() if n.endswith(".xml"))
