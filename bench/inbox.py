"""The staff inbox (WORKLOADS.md: ≥ 500 req/s, p95 < 200 ms with 2.5 M cases, the MC-0.1 year;
baseline: a bare Django view reading 20 indexed rows, the inbox ≥ 70% of it).

Setup (not timed): ``megacity(scale)`` imported with ``registry_import``; the case categories
on the city region; a year of cases (25 M × scale: 2.5 M at 0.1) COPYed straight into
``tickets_ticket`` — spread over the compounds by their households, ids in time order, about
5% still open (more of the recent ones, some overdue, some moved up the tiers), routed as
``route_for`` would route them (company, owners' committee, residents' committee or
department), ``due_at`` as the services set it — then ANALYZE. Four users, one seat each,
each with an API token and a session: a community worker, a subdistrict officer, a district
officer and the staff of the company serving the most compounds.

Timed, on one granian server (``bench._server``), ``--concurrency`` clients sending back to
back, per role and page, ``--slices`` slices of that page alternating with as many slices of
the baseline (``--seconds`` of each in all, after ``--warmup`` seconds of each slice): the
machine is shared and its load drifts within minutes, so each line is compared with the
baseline measured beside it, not with one measured minutes earlier. The pages:

- the baseline, ``GET /bench/read20?compound=<random>`` (``bench._urls``: 20 cases of one
  compound by the ORM through the index on ``compound_id``, as JSON; no authentication);
- per role, ``GET /api/v1/tickets/inbox?limit=20`` with the role's token;
- per role, the HTML inbox ``/tickets/inbox/`` with the role's session, when the site has it
  (``sanfang.urls`` resolves it), else skipped with a note.

One line per role and page. Measured in-process (Django's test client, no HTTP) before the
load: ``queries_per_request`` and ``queries`` (one request under ``CaptureQueriesContext``),
``inprocess_ms`` and ``inprocess_cpu_ms`` (wall and CPU time of one request, 200 of them; the
baseline's as ``baseline_inprocess_*``), ``inprocess_db_cpu_ms`` (the CPU its PostgreSQL
backend spent, from /proc, 1,000 requests) and ``cpu_ratio`` (the baseline's CPU per request,
Python and PostgreSQL, over the line's: it hardly moves with the machine's load, and a quiet
machine's rate ratio comes out close to it, HTTP and the clients costing both the same), ``cpu_profile`` (where that CPU goes, see
``bench._server.cpu_profile``), and every SELECT of that request on the cases table run again under ``EXPLAIN (ANALYZE, BUFFERS)``:
``plans`` holds each plan's first line, planning and execution time; the full plans go to
stderr. Each API page is checked against ``selectors.inbox`` (the ORM queryset the hot path
stands in for): a difference fails the run.

``--reuse <database>`` measures on a database an earlier run left (``--keep``, then ``CREATE
DATABASE <name> TEMPLATE sanfang_bench_inbox``) instead of building one (~2 min).
"""

import argparse
import math
import random
import time
from datetime import UTC, datetime

from . import BenchFailure, emit, log
from ._server import (
    LoadResult,
    Request,
    cost_per_request,
    cpu_profile,
    database_cpu_ms,
    load,
    queries_of,
    query_summary,
    serve,
)
from .registry_import import database_label

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CHANNELS = (("hotline", 45), ("app", 30), ("phone", 15), ("visit", 5), ("patrol", 5))
OPEN_STATES = (("submitted", 30), ("accepted", 20), ("in_progress", 40), ("reopened", 10))
TIERS = (("compound", 70), ("community", 18), ("subdistrict", 9), ("district", 3))
TITLES = {"stair-light": "楼道灯不亮", "leak": "楼上漏水", "greenery": "毁绿种菜", "parking": "停车秩序",
          "illegal-build": "违章搭建", "enquiry": "政策咨询"}
HOUR = 3600
DAY = 24 * HOUR


def run(*, scale: float, argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench inbox")
    parser.add_argument("--seconds", type=float, default=30, help="measured seconds per role and page")
    parser.add_argument("--warmup", type=float, default=1, help="seconds of load before each measured slice")
    parser.add_argument("--slices", type=int, default=3,
                        help="each line alternates this many slices of itself and of the baseline")
    parser.add_argument("--concurrency", type=int, default=8, help="clients sending back to back")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (> 1: gthread)")
    parser.add_argument("--tickets", type=int, default=None, help="cases to load (default 25 M × scale)")
    parser.add_argument("--no-html", action="store_true", help="skip the HTML inbox page")
    parser.add_argument("--reuse", metavar="DATABASE",
                        help="measure on a PostgreSQL database an earlier run left (run with --keep, then "
                             "CREATE DATABASE <name> TEMPLATE sanfang_bench_inbox): it is migrated, nothing is "
                             "loaded, the bench users found there are used again")
    opts = parser.parse_args(argv)
    n_tickets = opts.tickets if opts.tickets is not None else round(25_000_000 * scale)

    from django.urls import Resolver404, resolve

    from sanfang.demo.generator import megacity

    from ._server import configure_categories, import_registry

    if opts.reuse:
        _switch_to(opts.reuse)
        from sanfang.tickets.models import Category

        world = _World.load(list(Category.objects.order_by("order", "pk")))
        stats = _stats()
        n_tickets = stats.pop("tickets")
        log(f"reusing {opts.reuse}: {n_tickets:,} cases ({stats}); ANALYZE …")
        _analyze()
    else:
        log(f"generating megacity({scale}) …")
        import_registry(megacity(scale))
        categories = configure_categories()
        world = _World.load(categories)
        log(f"loading {n_tickets:,} cases with COPY …")
        t = time.perf_counter()
        stats = _copy_tickets(world, n_tickets, seed=2025)
        log(f"  {n_tickets:,} cases in {time.perf_counter() - t:.1f} s ({stats}); ANALYZE …")
        _analyze()
    database = database_label()
    roles = _roles(world)

    try:
        resolve("/tickets/inbox/", urlconf="sanfang.urls")
        html = not opts.no_html
    except Resolver404:
        html = False
        log("the site has no /tickets/inbox/ page (sanfang.urls does not route it): the HTML inbox is skipped")

    # In-process: the queries of one request per role, and the plans of those on the cases table.
    measured = {}
    for role in roles:
        measured[role.name] = _queries_and_plans(role)

    compound_ids = world.compound_ids
    pick = [random.Random(500 + i) for i in range(opts.concurrency)]
    base_cost = _baseline_cost(compound_ids)
    log(f"  baseline in-process: {base_cost[0]:.1f} ms wall, {base_cost[1]:.1f} ms CPU per request "
        + (f"(+ {base_cost[2]:.2f} ms of PostgreSQL's)" if base_cost[2] is not None else ""))

    def baseline(i: int, seq: int) -> Request:
        return Request("GET", f"/bench/read20?compound={pick[i].choice(compound_ids)}")

    def measure(make, label: str):
        """``--slices`` alternating slices of ``make`` and of the baseline, ``--seconds`` of each
        in all: the machine is shared and its load drifts within minutes, so each line is
        compared with the baseline measured beside it (the order alternates too)."""
        mine, theirs = [], []
        part = opts.seconds / opts.slices
        for k in range(opts.slices):
            for which in ((make, mine), (baseline, theirs))[:: 1 if k % 2 == 0 else -1]:
                got = load(server.port, which[0], concurrency=opts.concurrency, seconds=part, warmup=opts.warmup)
                which[1].append(got)
        got, base = _merged(mine), _merged(theirs)
        log(f"  {label}: " + got.summary(200))
        log("  baseline beside it: " + base.summary(200))
        if base.count(200) == 0:
            raise BenchFailure(f"the baseline view never answered 200: {dict(base.statuses)}\n{server.log_tail()}")
        return got, base, [round(r.rate(200), 1) for r in theirs]

    results = []
    with serve(workers=opts.workers, threads=opts.threads) as server:
        pages = [("api", "/api/v1/tickets/inbox?limit=20")] + ([("html", "/tickets/inbox/")] if html else [])
        for kind, path in pages:
            for role in roles:
                headers = ({"Authorization": f"Bearer {role.token}"} if kind == "api"
                           else {"Cookie": role.cookie, "Accept-Language": "zh-hans"})

                def request(i: int, seq: int, path=path, headers=headers) -> Request:
                    return Request("GET", path, None, headers)

                log(f"{kind} inbox, {role.name}: {opts.concurrency} clients, {opts.slices} × ({opts.warmup:.0f} + "
                    f"{opts.seconds / opts.slices:.1f} s) beside as many of the baseline …")
                results.append((kind, role, path, *measure(request, f"{kind} {role.name}")))
        tracebacks = server.tracebacks()
        if tracebacks:
            log(f"the server logged {tracebacks} tracebacks; the last lines:\n{server.log_tail()}")
        label = server.label
    for kind, role, path, got, base, base_rates in results:
        m = measured[role.name][kind]
        emit(name=f"inbox_{kind}_{role.name}", n=got.count(200), rate=got.rate(200), p50_ms=got.ms(50),
             p95_ms=got.ms(95), p99_ms=got.ms(99), baseline_rate=base.rate(200), errors=got.errors(200),
             database=database, scale=scale, tickets=n_tickets, open_share=stats["open_share"],
             concurrency=opts.concurrency, seconds=got.seconds, server=label, path=path,
             seat=role.seat, scope_compounds=role.compounds, inbox_count=role.inbox_count,
             queries_per_request=m["queries"], queries=m["summary"], plans=m["plans"],
             inprocess_ms=m["inprocess_ms"], inprocess_cpu_ms=m["inprocess_cpu_ms"],
             inprocess_db_cpu_ms=m["inprocess_db_cpu_ms"], cpu_profile=m["cpu_profile"],
             baseline_inprocess_ms=base_cost[0], baseline_inprocess_cpu_ms=base_cost[1],
             baseline_inprocess_db_cpu_ms=base_cost[2], cpu_ratio=_cpu_ratio(base_cost, m),
             statuses={str(k): v for k, v in got.statuses.items()},
             baseline_rates=base_rates, baseline_p50_ms=base.ms(50), baseline_p95_ms=base.ms(95),
             loadavg=[*got.loadavg, *base.loadavg], server_tracebacks=tracebacks,
             baseline="GET /bench/read20: Ticket.objects.filter(compound_id=X).order_by()[:20] as JSON, "
                      "measured in slices alternating with the line's")


def _cpu_ratio(base_cost, m) -> float | None:
    """The baseline's CPU per request (this process and its PostgreSQL backend, in-process)
    over the line's: it hardly moves with the machine's load, and a quiet machine's rate ratio
    comes out close to it (HTTP, the server and the clients, the same for both, are left out)."""
    if None in (base_cost[2], m["inprocess_db_cpu_ms"], m["inprocess_cpu_ms"]):
        return None
    return round((base_cost[1] + base_cost[2]) / (m["inprocess_cpu_ms"] + m["inprocess_db_cpu_ms"]), 3)


def _merged(parts: list) -> "LoadResult":
    """One result for several measured slices: their counts and latencies over their summed
    windows; the load average before the first and after the last."""
    from collections import Counter

    statuses = Counter()
    for p in parts:
        statuses.update(p.statuses)
    return LoadResult(seconds=sum(p.seconds for p in parts), latencies=[x for p in parts for x in p.latencies],
                      statuses=statuses, outcomes=[], concurrency=parts[0].concurrency,
                      loadavg=(parts[0].loadavg[0], parts[-1].loadavg[1]))


# ---- the world the cases live in ----------------------------------------------------------

class _World:
    """What routing needs, read once from the imported registry."""

    @classmethod
    def load(cls, categories) -> "_World":
        from django.db.models import Q
        from django.utils import timezone

        from sanfang.orgs.models import Organization, ServiceContract
        from sanfang.places.models import Compound
        from sanfang.tickets.permissions import COMMITTEE_KINDS

        today = timezone.localdate()
        w = cls()
        w.categories = categories
        rows = list(Compound.objects.order_by("id").values_list("id", "community_id", "households"))
        w.compound_ids = [r[0] for r in rows]
        w.community_of = {r[0]: r[1] for r in rows}
        w.weights = [max(r[2] or 0, 20) for r in rows]
        w.company_of = {}
        for compound, company in (ServiceContract.objects.current_on(today).order_by("compound_id", "start")
                                  .values_list("compound_id", "company_id")):
            w.company_of[compound] = company  # the latest start wins, as company_of() orders
        w.committee_of = {}
        for compound, org in (Organization.objects.filter(kind__in=COMMITTEE_KINDS, compound__isnull=False)
                              .filter(Q(established__isnull=True) | Q(established__lte=today))
                              .filter(Q(dissolved__isnull=True) | Q(dissolved__gt=today))
                              .order_by("-kind", "-pk").values_list("compound_id", "pk")):
            w.committee_of[compound] = org  # the first by (kind, pk) wins, as committee_of() orders
        w.residents_committee_of = {}
        for region, org in (Organization.objects.filter(kind=Organization.Kind.RESIDENTS_COMMITTEE)
                            .order_by("-pk").values_list("region_id", "pk")):
            w.residents_committee_of[region] = org
        return w

    def route(self, compound: int, category) -> tuple[str, int | None]:
        """``route_for``'s answer, from the maps."""
        responsible = category.responsible
        org = {"property_company": self.company_of.get(compound), "owners_committee": self.committee_of.get(compound),
               "residents_committee": self.residents_committee_of.get(self.community_of[compound]),
               "department": category.department_id}[responsible]
        if org is None and responsible in ("property_company", "owners_committee"):
            responsible, org = "residents_committee", self.residents_committee_of.get(self.community_of[compound])
        return responsible, org


def _reference(i: int) -> str:
    out = []
    for _ in range(10):
        i, r = divmod(i, 32)
        out.append(ALPHABET[r])
    return "B" + "".join(reversed(out))  # 11 characters: never one of new_reference()'s 10


COLUMNS = ("reference", "channel", "external_id", "title", "description", "location", "reporter_name",
           "reporter_phone", "status", "tier", "responsible", "pre_review", "accept_due", "respond_due",
           "resolve_due", "feedback_due", "due_at", "overdue_flagged", "created_at", "updated_at", "closed_at",
           "resolution_note", "reject_reason", "redirect_to", "escalations", "reopens", "me_too", "rating",
           "category_id", "company_id", "compound_id", "responsible_org_id")


def _ticket_text(world: _World, n: int, *, seed: int, counts: dict, chunk: int = 5000):
    """``n`` cases of the past year, oldest first, as chunks of COPY text (columns ``COLUMNS``)."""
    rnd = random.Random(seed)
    now = int(datetime.now(UTC).timestamp())
    start = now - 365 * DAY
    days: dict[int, str] = {}

    def ts(t: int) -> str:
        d, rest = divmod(t, DAY)
        day = days.get(d)
        if day is None:
            day = days[d] = datetime.fromtimestamp(d * DAY, UTC).strftime("%Y-%m-%d")
        h, rest = divmod(rest, HOUR)
        m, s = divmod(rest, 60)
        return f"{day} {h:02d}:{m:02d}:{s:02d}+00"

    def choices(spec, k):
        names, weights = zip(*spec, strict=True)
        return rnd.choices(names, weights, k=k)

    compounds = rnd.choices(world.compound_ids, world.weights, k=n)
    cats = rnd.choices(world.categories, k=n)
    channels = choices(CHANNELS, n)
    routes = {}
    tier_rank = {"compound": 0, "community": 1, "subdistrict": 2, "district": 3}
    null = "\\N"
    buf: list[str] = []
    for i in range(n):
        created = start + (i * 365 * DAY) // n + rnd.randrange(60)
        age = (now - created) / DAY
        compound, cat = compounds[i], cats[i]
        route = routes.get((compound, cat.pk))
        if route is None:
            route = routes[compound, cat.pk] = world.route(compound, cat)
        responsible, org = route
        company = world.company_of.get(compound)
        x = rnd.random()
        p_open = 0.6 * math.exp(-age / 10) + 0.035  # ~5% of the year; most of the last fortnight
        p_resolved = 0.3 * math.exp(-age / 5) + 0.002
        accept, respond, resolve = created + 4 * HOUR, created + DAY, created + 7 * DAY
        if x < p_open:
            status = choices(OPEN_STATES, 1)[0]
            tier = choices(TIERS, 1)[0] if age > 2 else "compound"
            if tier != "compound":  # moved up: that tier's clock started later
                moved = created + int(rnd.uniform(0.2, 0.8) * min(age, 20) * DAY)
                accept, respond, resolve = moved + 4 * HOUR, moved + DAY, moved + 4 * DAY
            due = {"submitted": accept, "accepted": respond}.get(status, resolve)
            updated = created + int(rnd.random() * max(0, min(now, due) - created))
            counts["open"] += 1
            counts["overdue"] += due < now
            row = (status, tier, null, ts(due), ts(updated), null, tier_rank[tier])
        elif x < p_open + p_resolved:
            feedback = min(now, created + int(rnd.uniform(1, 5) * DAY))
            row = ("resolved", "compound", ts(feedback + 5 * DAY), ts(feedback + 5 * DAY), ts(feedback), null, 0)
            counts["resolved"] += 1
        else:
            status = "rejected" if x > 0.94 else "closed"
            closed = ts(min(now, created + int(rnd.uniform(0.2, 12) * DAY)))
            row = (status, "compound", null, null, closed, closed, 0)
            counts[status] += 1
        status, tier, feedback_due, due, updated, closed_at, escalations = row
        title = TITLES.get(cat.code, cat.name)
        buf.append(
            f"{_reference(i)}\t{channels[i]}\t\t{title}\t居民反映：{title}，请尽快处理。\t\t\t\t{status}\t{tier}\t"
            f"{responsible}\tf\t{ts(accept)}\t{ts(respond)}\t{ts(resolve)}\t{feedback_due}\t{due}\tf\t"
            f"{ts(created)}\t{updated}\t{closed_at}\t\t\t\t{escalations}\t0\t0\t\t{cat.pk}\t"
            f"{company or null}\t{compound}\t{org or null}\n")
        if len(buf) >= chunk:
            yield "".join(buf)
            buf.clear()
    if buf:
        yield "".join(buf)


def _copy_tickets(world: _World, n: int, *, seed: int) -> dict:
    """COPY ``n`` cases into tickets_ticket in one transaction. Foreign keys are valid by
    construction: their triggers are skipped for it (replication role). The secondary indexes
    are dropped first and built again afterwards from their own definitions (one sort each
    instead of 2.5 M insertions into each of ~18), and checked to be all back."""
    from django.db import connection, transaction

    counts = {"open": 0, "resolved": 0, "closed": 0, "rejected": 0, "overdue": 0}
    connection.ensure_connection()
    with transaction.atomic(), connection.connection.cursor() as cur:
        definitions = _secondary_indexes(cur)
        cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for name in definitions:
            cur.execute(f'DROP INDEX "{name}"')
        t = time.perf_counter()
        with cur.copy(f"COPY tickets_ticket ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for text in _ticket_text(world, n, seed=seed, counts=counts):
                copy.write(text)
        counts["copy_s"] = round(time.perf_counter() - t, 1)
        t = time.perf_counter()
        for definition in definitions.values():
            cur.execute(definition)
        counts["index_s"] = round(time.perf_counter() - t, 1)
        after = _secondary_indexes(cur)
        # PostgreSQL deparses a re-parsed predicate with other casts: compare up to the WHERE.
        if {k: v.split(" WHERE ")[0] for k, v in after.items()} != {
                k: v.split(" WHERE ")[0] for k, v in definitions.items()}:
            raise BenchFailure("the indexes of tickets_ticket did not all come back as they were")
    counts["open_share"] = round(counts["open"] / n, 4) if n else 0
    return counts


def _secondary_indexes(cur) -> dict[str, str]:
    """{name: CREATE INDEX …} of tickets_ticket's indexes that back no constraint."""
    cur.execute("SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
                "AND i.tablename = 'tickets_ticket' AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
                "WHERE c.conname = i.indexname) ORDER BY i.indexname")
    return dict(cur.fetchall())


def _switch_to(name: str) -> None:
    """Point this process (and the server it starts) at the database ``name`` on the same
    server, and migrate it."""
    import os
    from urllib.parse import urlsplit

    from django.core.management import call_command
    from django.db import connections

    url = urlsplit(os.environ["DATABASE_URL"])
    if not url.scheme.startswith("postgres"):
        raise BenchFailure("--reuse needs a PostgreSQL DATABASE_URL")
    connections.close_all()
    os.environ["DATABASE_URL"] = url._replace(path=f"/{name}").geturl()
    connections["default"].settings_dict["NAME"] = name
    call_command("migrate", verbosity=0, interactive=False)


def _stats() -> dict:
    from django.db.models import Count, Q

    from sanfang.tickets.models import Ticket
    from sanfang.tickets.rules import OPEN

    got = Ticket.objects.aggregate(n=Count("pk"), open=Count("pk", filter=Q(status__in=OPEN)))
    return {"tickets": got["n"], "open": got["open"], "open_share": round(got["open"] / got["n"], 4) if got["n"] else 0}


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as c:
        for table in ("tickets_ticket", "places_compound", "places_region", "orgs_organization",
                      "orgs_servicecontract", "accounts_seat"):
            c.execute(f"ANALYZE {table}")


# ---- the users ----------------------------------------------------------------------------

class _Role:
    def __init__(self, name, user, seat, compounds):
        from ._server import api_token, session_cookie

        self.name, self.user, self.seat, self.compounds = name, user, seat, compounds
        self.token = api_token(user)
        self.cookie = session_cookie(user)
        self.inbox_count = None


def _roles(world: _World) -> list[_Role]:
    """A community worker (the median community by households), a subdistrict officer (the
    median subdistrict), a district officer (the first district) and the staff of the company
    serving the most compounds now."""
    from django.db.models import Sum

    from sanfang.accounts.models import Role
    from sanfang.orgs.models import Organization
    from sanfang.places.models import Compound, Region

    from ._server import staff_user

    households = dict(Compound.objects.order_by().values_list("community_id").annotate(h=Sum("households")))
    for community_id, parent_id in Region.objects.filter(level=Region.Level.COMMUNITY).values_list("id", "parent_id"):
        households[parent_id] = households.get(parent_id, 0) + (households.get(community_id) or 0)

    def median(level):
        regions = sorted(Region.objects.filter(level=level), key=lambda r: (households.get(r.pk) or 0, r.code))
        return regions[len(regions) // 2]

    roles = []
    for name, role, region in (("community_worker", Role.COMMUNITY_WORKER, median(Region.Level.COMMUNITY)),
                               ("subdistrict_officer", Role.SUBDISTRICT_OFFICER, median(Region.Level.SUBDISTRICT)),
                               ("district_officer", Role.DISTRICT_OFFICER,
                                Region.objects.filter(level=Region.Level.DISTRICT).order_by("code").first())):
        user = _existing(f"bench-{name}") or staff_user(f"bench-{name}", role, region=region)
        roles.append(_Role(name, user, f"{role} @ {region.code} {region.name}",
                           Compound.objects.in_region(region).count()))
    served: dict[int, int] = {}
    for company in world.company_of.values():
        served[company] = served.get(company, 0) + 1
    if served:
        company_id = max(served, key=lambda c: (served[c], -c))
        company = Organization.objects.get(pk=company_id)
        user = _existing("bench-company_staff") or staff_user("bench-company_staff", Role.COMPANY_STAFF,
                                                               organization=company)
        roles.append(_Role("company_staff", user, f"{Role.COMPANY_STAFF} @ {company.code} {company.name}",
                           served[company_id]))
    else:
        log("no company serves a compound now: the company staff role is skipped")
    return roles


def _existing(username: str):
    """The bench user of an earlier run (``--reuse``), with the seat it was given then."""
    from sanfang.accounts.models import User

    return User.objects.filter(username=username).first()


def _queries_and_plans(role: _Role) -> dict:
    """One API (and HTML) inbox request in-process: its queries, and the plan of each SELECT on
    the cases table."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client, override_settings

    from ._server import PLAIN_STATIC

    out = {}
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(role.user)
    for kind, call in (("api", lambda: client.get("/api/v1/tickets/inbox?limit=20",
                                                   HTTP_AUTHORIZATION=f"Bearer {role.token}")),
                       ("html", lambda: client.get("/tickets/inbox/"))):
        with override_settings(STORAGES={**settings.STORAGES, **PLAIN_STATIC}):
            call()  # warm
            answer, sql = queries_of(call)
        if answer.status_code != 200:
            if kind == "api":
                raise BenchFailure(f"the inbox of {role.name} answered {answer.status_code}: {answer.content[:300]!r}")
            out[kind] = {"queries": None, "summary": None, "plans": None, "inprocess_ms": None,
                         "inprocess_cpu_ms": None, "inprocess_db_cpu_ms": None, "cpu_profile": None}
            continue
        if kind == "api":
            _check_against_the_orm(role, answer.json())
        plans = {}
        # The inbox runs its page as a prepared statement on PostgreSQL (EXECUTE sanfang_inbox_…):
        # EXPLAIN EXECUTE shows the plan that is kept and reused.
        for statement in (s for s in sql if (s.startswith("SELECT") and '"tickets_ticket"' in s)
                          or s.startswith("EXECUTE sanfang_inbox")):
            with connection.cursor() as c:
                c.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement)
                plan = [r[0] for r in c.fetchall()]
            label = "count" if statement.startswith("SELECT COUNT(*)") else "page"
            label += str(sum(1 for k in plans if k.startswith(label)) or "")
            execution = next((p for p in plan if p.startswith("Execution Time")), "")
            planning = next((p for p in plan if p.startswith("Planning Time")), "")
            scan = next((p.strip().removeprefix("->  ") for p in plan if " on tickets_ticket" in p), "")
            plans[label] = {"ms": float(execution.split(":")[1].split()[0]) if execution else None,
                            "planning_ms": float(planning.split(":")[1].split()[0]) if planning else None,
                            "top": plan[0].strip(), "tickets_scan": scan,
                            "buffers": next((p.strip() for p in plan if "Buffers:" in p), "")}
            log(f"EXPLAIN ANALYZE, {kind} inbox of {role.name} ({label}):\n  {statement}\n  " + "\n  ".join(plan))
        with override_settings(STORAGES={**settings.STORAGES, **PLAIN_STATIC}):
            wall_ms, cpu_ms = cost_per_request(call, 200)
            db_cpu_ms = database_cpu_ms(call, 1000)
            profile = cpu_profile(call, 30)
        out[kind] = {"queries": len(sql), "summary": query_summary(sql), "plans": plans, "inprocess_ms": wall_ms,
                     "inprocess_cpu_ms": cpu_ms, "inprocess_db_cpu_ms": db_cpu_ms, "cpu_profile": profile}
        log(f"  {kind} inbox of {role.name}: {len(sql)} queries {query_summary(sql)}; count {role.inbox_count}; "
            + ", ".join(f"{k} {v['ms']} ms" for k, v in plans.items())
            + f"; in-process {wall_ms:.1f} ms wall, {cpu_ms:.1f} ms CPU per request; CPU: {profile}")
    return out


def _check_against_the_orm(role: _Role, body: dict) -> None:
    """The API's page must be the first 20 cases of ``selectors.inbox`` (the ORM queryset the
    hot path stands in for), in the same order; fails loudly otherwise. Also counts the inbox."""
    from sanfang.accounts.models import User
    from sanfang.tickets import selectors

    user = User.objects.get(pk=role.user.pk)
    expected = list(selectors.inbox(user).values_list("reference", flat=True)[:20])
    got = [item["reference"] for item in body["items"]]
    if got != expected:
        raise BenchFailure(f"the API inbox of {role.name} differs from selectors.inbox: {got[:5]} … vs {expected[:5]} …")
    role.inbox_count = selectors.inbox(user).count()


def _baseline_cost(compound_ids: list[int]) -> tuple[float, float, float | None]:
    """(wall ms, CPU ms, PostgreSQL's CPU ms) of one baseline read in-process."""
    from django.test import Client, override_settings

    client = Client(HTTP_HOST="127.0.0.1")
    rnd = random.Random(7)
    with override_settings(ROOT_URLCONF="bench._urls"):
        def call():
            answer = client.get(f"/bench/read20?compound={rnd.choice(compound_ids)}")
            if answer.status_code != 200:
                raise BenchFailure(f"the baseline view answered {answer.status_code}: {answer.content[:300]!r}")

        call()
        wall_ms, cpu_ms = cost_per_request(call, 200)
        return wall_ms, cpu_ms, database_cpu_ms(call, 1000)
