"""Case intake through the HTTP API (WORKLOADS.md: ≥ 100 new cases/s for 10 minutes, p95 < 300 ms,
none lost; baseline: a bare Django view inserting one row, intake ≥ 50% of it).

Setup (not timed): the first subdistricts of ``megacity(scale)``'s first district, at least
``--compounds`` compounds of them, imported with ``registry_import``; the case categories on
the city region; a district officer (a seat at the district) with an API token.

Timed, on one granian server (``bench._server``) against the scratch database:

1. ``POST /api/v1/tickets`` with the Bearer token from ``--concurrency`` clients back to back
   for ``--seconds`` (after a short warm-up): a random compound and category, a title, a
   description, channel ``hotline`` and a unique ``external_id`` each.
2. The baseline: the same bodies to ``POST /bench/bare-insert`` (``bench._urls``: parse the
   JSON, insert one row, no authentication), same concurrency, same duration.

Then the database must hold exactly the cases answered 201 — each reference once, under the
external id it was sent with, with one "created" event and one open tier stint — and nothing
for a request answered otherwise, or the benchmark fails.

Measured in-process (Django's test client, no HTTP) before the load, to say where the time
goes: ``queries_per_request`` (one intake under ``CaptureQueriesContext``, the second one so
one-off caches are warm) and ``queries``, what those statements touch; ``inprocess_ms`` and
``inprocess_cpu_ms``, the wall and CPU time of one intake (``--inprocess`` of them);
``cpu_profile``, where that CPU goes (``bench._server.cpu_profile``: the application's
functions by cumulative share, and self time by package).
"""

import argparse
import json
import random

from . import BenchFailure, emit, log
from ._server import (
    BARE_TABLE,
    Request,
    cost_per_request,
    cpu_profile,
    load,
    queries_of,
    query_summary,
    serve,
)
from .registry_import import database_label

TITLES = ["楼道灯不亮", "楼上漏水", "绿地被毁种菜", "消防通道被占", "电梯故障", "垃圾未清运", "噪音扰民",
          "违章搭建", "路灯损坏", "下水道堵塞"]
PLACES = ["1号楼2单元", "3号楼楼道", "小区东门", "地下车库", "5号楼屋顶", "南侧绿地", "物业中心旁"]


def run(*, scale: float, argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench ticket_intake")
    parser.add_argument("--seconds", type=float, default=60, help="measured seconds of each load (600 = the target's 10 min)")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of load before measuring")
    parser.add_argument("--concurrency", type=int, default=8, help="clients sending back to back")
    parser.add_argument("--workers", type=int, default=3, help="server worker processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (> 1: gthread)")
    parser.add_argument("--compounds", type=int, default=300, help="at least this many compounds in the registry")
    parser.add_argument("--inprocess", type=int, default=50, help="in-process intakes timed, and as many profiled")
    opts = parser.parse_args(argv)

    from django.db import connection
    from django.test import Client

    from sanfang.accounts.models import Role
    from sanfang.demo.generator import megacity
    from sanfang.places.models import Compound, Region

    from ._server import api_token, configure_categories, import_registry, registry_subset, staff_user

    database = database_label()
    log(f"generating megacity({scale}) and taking its first subdistricts …")
    sheets = registry_subset(megacity(scale), opts.compounds)
    import_registry(sheets)
    district = Region.objects.get(code=sheets["区域"][1]["编码"])
    del sheets
    categories = [c.code for c in configure_categories()]
    compounds = list(Compound.objects.order_by("code").values_list("code", flat=True))
    if len(compounds) < 200:
        log(f"  only {len(compounds)} compounds at this scale (WORKLOADS asks for cases over ≥ 200)")
    user = staff_user("bench-district", Role.DISTRICT_OFFICER, region=district)
    key = api_token(user)
    with connection.cursor() as c:
        c.execute(f"CREATE TABLE IF NOT EXISTS {BARE_TABLE} (id bigserial PRIMARY KEY, external_id varchar(40) "
                  "NOT NULL, title varchar(80) NOT NULL, body text NOT NULL, at timestamptz NOT NULL DEFAULT now())")
    log(f"  {len(compounds):,} compounds, {len(categories)} categories, a district officer of {district.name}")

    def body(rnd: random.Random, external_id: str) -> bytes:
        title = rnd.choice(TITLES)
        return json.dumps({
            "compound": rnd.choice(compounds), "category": rnd.choice(categories),
            "title": f"{title}（{rnd.choice(PLACES)}）",
            "description": f"居民来电反映：{title}，已持续{rnd.randint(1, 20)}天，请尽快处理。联系时请先电话预约。",
            "channel": "hotline", "external_id": external_id,
        }, ensure_ascii=False).encode()

    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {key}"}

    # In-process (no HTTP): the queries of one intake (the second, so one-off caches are warm),
    # then what one costs in Python, then where that CPU goes.
    expected: dict[str, str] = {}
    client = Client(HTTP_HOST="127.0.0.1")
    seq = iter(range(10**9))

    def inprocess():
        ext = f"INPROC-{next(seq)}"
        answer = client.post("/api/v1/tickets", data=body(random.Random(ext), ext), content_type="application/json",
                             HTTP_AUTHORIZATION=f"Bearer {key}")
        if answer.status_code != 201:
            raise BenchFailure(f"an in-process intake answered {answer.status_code}: {answer.content[:300]!r}")
        expected[ext] = answer.json()["reference"]

    inprocess()
    _answer, sql = queries_of(inprocess)
    summary = query_summary(sql)
    log(f"  one intake: {len(sql)} queries {summary}")
    wall_ms, cpu_ms = cost_per_request(inprocess, opts.inprocess)
    profile = cpu_profile(inprocess, opts.inprocess)
    log(f"  in-process: {wall_ms:.1f} ms wall, {cpu_ms:.1f} ms CPU per intake; CPU by function: {profile}")

    clients = [random.Random(1000 + i) for i in range(opts.concurrency)]

    def intake(i: int, seq: int) -> Request:
        ext = f"B{i:03d}-{seq:07d}"
        return Request("POST", "/api/v1/tickets", body(clients[i], ext), headers, tag=ext)

    def bare(i: int, seq: int) -> Request:
        ext = f"B{i:03d}-{seq:07d}"
        return Request("POST", "/bench/bare-insert", body(clients[i], ext), {"Content-Type": "application/json"},
                       tag=ext)

    with serve(workers=opts.workers, threads=opts.threads) as server:
        log(f"intake: {opts.concurrency} clients for {opts.warmup:.0f} + {opts.seconds:.0f} s …")
        got = load(server.port, intake, concurrency=opts.concurrency, seconds=opts.seconds, warmup=opts.warmup,
                   keep=True)
        log("  " + got.summary(201))
        log(f"baseline (bare insert): {opts.concurrency} clients for {opts.warmup:.0f} + {opts.seconds:.0f} s …")
        base = load(server.port, bare, concurrency=opts.concurrency, seconds=opts.seconds, warmup=opts.warmup,
                    keep=True)
        log("  " + base.summary(201))
        tracebacks = server.tracebacks()
        if tracebacks:
            log(f"the server logged {tracebacks} tracebacks; the last lines:\n{server.log_tail()}")

    log("verifying …")
    _verify_intake(got, expected)
    _verify_bare(base)
    emit(name="ticket_intake", n=got.count(201), rate=got.rate(201), p50_ms=got.ms(50), p95_ms=got.ms(95),
         p99_ms=got.ms(99), baseline_rate=base.rate(201), errors=got.errors(201), database=database,
         scale=scale, concurrency=opts.concurrency, seconds=got.seconds, server=server.label,
         compounds=len(compounds), categories=len(categories), queries_per_request=len(sql), queries=summary,
         inprocess_ms=wall_ms, inprocess_cpu_ms=cpu_ms, cpu_profile=profile,
         statuses={str(k): v for k, v in got.statuses.items()}, baseline_p50_ms=base.ms(50),
         baseline_p95_ms=base.ms(95), baseline_errors=base.errors(201), server_tracebacks=tracebacks,
         loadavg=[*got.loadavg, *base.loadavg],
         baseline="POST /bench/bare-insert: parse the JSON, insert one row, no auth")


def _verify_intake(got, expected: dict[str, str]) -> None:
    """Exactly the cases answered 201 are in the database, each once, under its external id,
    with one "created" event and one open tier stint."""
    from django.db import connection

    from sanfang.tickets.models import Ticket

    answered = dict(expected)
    refused = set()
    for o in got.outcomes:
        if o.status == 201:
            answered[o.tag] = json.loads(o.body)["reference"]
        else:
            refused.add(o.tag)
    if len(set(answered.values())) != len(answered):
        raise BenchFailure("the API answered the same reference for different cases")
    stored = dict(Ticket.objects.values_list("external_id", "reference"))
    problems = []
    missing = [e for e in answered if e not in stored]
    if missing:
        problems.append(f"{len(missing)} cases answered 201 are not stored (lost), e.g. {missing[:3]}")
    wrong = [e for e in answered if e in stored and stored[e] != answered[e]]
    if wrong:
        problems.append(f"{len(wrong)} cases are stored under another reference than answered, e.g. {wrong[:3]}")
    extra = [e for e in stored if e not in answered]
    if extra:
        kind = "answered with an error" if all(e in refused for e in extra) else "never sent"
        problems.append(f"{len(extra)} stored cases were {kind}, e.g. {extra[:3]}")
    with connection.cursor() as c:
        c.execute("SELECT count(*), count(DISTINCT reference) FROM tickets_ticket")
        rows, refs = c.fetchone()
        c.execute("SELECT count(*) FROM tickets_ticket t WHERE (SELECT count(*) FROM tickets_ticketevent e "
                  "WHERE e.ticket_id = t.id AND e.kind = 'created') <> 1")
        bad_events = c.fetchone()[0]
        c.execute("SELECT count(*) FROM tickets_ticket t WHERE (SELECT count(*) FROM tickets_tierstint s "
                  "WHERE s.ticket_id = t.id AND s.ended_at IS NULL) <> 1")
        bad_stints = c.fetchone()[0]
    if rows != len(answered) or refs != rows:
        problems.append(f"{rows} cases stored ({refs} distinct references) for {len(answered)} answered 201")
    if bad_events:
        problems.append(f"{bad_events} cases without exactly one 'created' event")
    if bad_stints:
        problems.append(f"{bad_stints} cases without exactly one open tier stint")
    if problems:
        raise BenchFailure("; ".join(problems))
    log(f"  {rows:,} cases stored, one each per 201 answer, each with its event and open stint")


def _verify_bare(base) -> None:
    from django.db import connection

    ok = sum(1 for o in base.outcomes if o.status == 201)
    with connection.cursor() as c:
        c.execute(f"SELECT count(*), count(DISTINCT external_id) FROM {BARE_TABLE}")
        rows, distinct = c.fetchone()
    if rows != ok or distinct != ok:
        raise BenchFailure(f"the baseline stored {rows} rows ({distinct} distinct) for {ok} answered 201")

