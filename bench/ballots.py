"""Ballots in one 12,500-unit compound, and the live tally read while they come in
(WORKLOADS.md: ≥ 500 ballots/s for 60 s through the HTTP API, zero lost, zero duplicates,
baseline a bare insert with a unique constraint; live tally reads ≥ 2,000 req/s from a cached
tally, baseline a bare Django view).

Setup (not measured as a rate, each step timed):

- one compound of 12,500 units (Kangcheng's size) from the demo builder (``CompoundPlan``:
  towers of a commercial compound built after 2016, so the developer still holds unsold flats
  and parking spaces; about a sixth of the flats co-owned, some owners with two or three units),
  imported through ``registry_import`` like any district's workbook;
- every owner (natural person or developer) a user linked to their person, with a resident
  seat at the compound and an API token (bulk inserts: ~15,000 each);
- a community worker of the compound's community, who creates, announces and opens
  ``--polls`` polls of two items through the services, parking counting (V8) so that the roll
  is the whole 12,500 units. ``poll_open`` freezes the roll: each freeze is timed
  (``roll_freeze_s``). Several polls because one poll has only ~10,000 heads, fewer than 60 s
  at 500/s would use: the voters' schedule runs over all of them.

Measured in-process first (Django's test client, no HTTP): the queries of one ballot and of
one progress read, their CPU and wall time, and where that CPU goes (``bench._server``).

Timed, on one granian server (``bench._server``):

1. ``ballots``: ``--concurrency`` clients POST ``/api/v1/polls/{pk}/ballots`` with their
   voter's token, back to back, for ``--seconds`` after ``--warmup``. Every client has its
   own slice of the (poll, head) pairs, shuffled, and sends each once; one request in
   ``--dup-every`` re-sends a pair this client already sent, by another owner of the head when
   it has several (it must get 409 naming the first ballot's receipt).
2. ``bare_ballot``: the same number of clients POST ``/bench/bare-ballot`` (``bench._urls``:
   parse the JSON, insert one row into a raw table with UNIQUE (poll, head), no auth), same
   duration: the baseline.
3. ``ballots_race``: ``--race`` heads kept out of the schedule, each sent ``--race-width``
   ballots released at the same instant by a barrier (each from its own connection, by the
   head's co-owners in turn): exactly one must get 201 and the others 409 with its receipt.
4. ``progress_reads``: ``--read-concurrency`` clients GET ``/api/v1/polls/{pk}/progress`` of
   the polls with an owner's token for ``--read-seconds``, on a keep-alive server;
   and ``/bench/bare-json`` (a bare Django view answering a small JSON) the same way,
   before and after: the ratio is against their mean.

Then the benchmark fails (``BenchFailure``) unless: the ballots in the database are exactly
the 201 answers (each receipt once, for the head it was sent for), no head has two ballots,
every duplicate attempt got 409 with the stored ballot's receipt in its message, no request
got anything else; and, for every poll, the tally the platform serves (the progress API after
its cache expired, and ``progress.compute``) equals ``rules.tally`` recomputed here from the
registry's units and owners and the ballot rows, independently of the frozen roll. One poll is
then closed and published, and its publication must agree too and its logs verify.

``--scale`` is not used: the compound is 12,500 units at any scale.
"""

import argparse
import http.client
import json
import math
import random
import secrets
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from . import BenchFailure, emit, log
from ._server import Request, cost_per_request, cpu_profile, load, queries_of, query_summary, serve
from .registry_import import database_label

UNITS = 12_500
SEED = 4  # a builder seed whose compound was built after 2016: the developer holds flats and spaces
BARE_BALLOT_TABLE = "bench_bare_ballot"
CHOICES = (("yes", 60), ("no", 25), ("abstain", 15))
ITEMS = [("使用维修资金更换电梯", "use_maintenance_fund"), ("续聘物业服务企业", "hire_or_dismiss_company")]


def run(*, scale: float, argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench ballots")
    parser.add_argument("--seconds", type=float, default=60, help="measured seconds of ballots (and of the baseline)")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of load before measuring")
    parser.add_argument("--concurrency", type=int, default=16, help="voters sending back to back")
    parser.add_argument("--workers", type=int, default=2, help="server workers for the ballots")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker for the ballots (> 1: gthread)")
    parser.add_argument("--polls", type=int, default=0,
                        help="open polls (default: enough heads for --max-rate ballots/s over the whole run)")
    parser.add_argument("--max-rate", type=float, default=1500, help="the ballots/s the default --polls must allow")
    parser.add_argument("--dup-every", type=int, default=50, help="one request in N re-sends an earlier ballot")
    parser.add_argument("--race", type=int, default=300, help="heads voted for by several clients at one instant")
    parser.add_argument("--race-width", type=int, default=3, help="simultaneous ballots per raced head")
    parser.add_argument("--read-seconds", type=float, default=30, help="measured seconds of progress reads")
    parser.add_argument("--read-concurrency", type=int, default=16, help="clients reading the progress")
    parser.add_argument("--read-polls", type=int, default=1, help="polls whose progress is read (the most voted)")
    parser.add_argument("--read-workers", type=int, default=2, help="server workers for the reads")
    parser.add_argument("--read-threads", type=int, default=8, help="threads per worker for the reads")
    parser.add_argument("--inprocess", type=int, default=50, help="in-process requests timed, and as many profiled")
    parser.add_argument("--skip-reads", action="store_true", help="only the ballots")
    parser.add_argument("--skip-ballots", action="store_true", help="only the reads (after a few ballots)")
    opts = parser.parse_args(argv)

    database = database_label()
    world = _setup(opts)
    pairs_needed = math.ceil((opts.seconds + opts.warmup) * opts.max_rate) + opts.race + 2 * opts.inprocess + 100
    if opts.skip_ballots:
        pairs_needed = opts.race + 2 * opts.inprocess + 100
    polls = opts.polls or max(1, math.ceil(pairs_needed / world.heads_estimate))
    world.open_polls(polls)
    schedule = Schedule(world, opts.concurrency, reserve=opts.race + 2 * opts.inprocess)
    if schedule.capacity < math.ceil((opts.seconds + opts.warmup) * opts.max_rate) and not opts.skip_ballots:
        log(f"  note: {schedule.capacity:,} pairs for the timed load, fewer than --max-rate allows")

    ledger = Ledger()
    inproc = _inprocess(world, schedule, ledger, opts.inprocess)

    results = {}
    with serve(workers=opts.workers, threads=opts.threads) as server:
        label = server.label
        if not opts.skip_ballots:
            log(f"ballots: {opts.concurrency} clients for {opts.warmup:.0f} + {opts.seconds:.0f} s "
                f"over {len(world.polls)} polls ({schedule.capacity:,} pairs) …")
            got = load(server.port, schedule.make, concurrency=opts.concurrency, seconds=opts.seconds,
                       warmup=opts.warmup, keep=True)
            log("  " + got.summary(201))
            results["ballots"] = got
            _create_bare_table()
            bare = BareSchedule(opts.concurrency)
            log(f"baseline (bare insert with a unique constraint): {opts.concurrency} clients for "
                f"{opts.warmup:.0f} + {opts.seconds:.0f} s …")
            base = load(server.port, bare.make, concurrency=opts.concurrency, seconds=opts.seconds,
                        warmup=opts.warmup, keep=True)
            log("  " + base.summary(201))
            results["bare"] = base
        log(f"race: {opts.race} heads × {opts.race_width} ballots at one instant …")
        race = _race(server.port, world, schedule.race_pairs(opts.race), opts.race_width)
        log(f"  {race.summary()}")
        results["race"] = race
        log("verifying the tallies …")
        tallies = _verify_tallies(world, server.port)
        tracebacks = server.tracebacks()
        if tracebacks:
            log(f"the server logged {tracebacks} tracebacks; the last lines:\n{server.log_tail()}")

    log("verifying the ballots …")
    for o in results["ballots"].outcomes if "ballots" in results else []:
        ledger.record(o.tag, o.status, o.body, o.timed)
    for tag, status, body in race.outcomes:
        ledger.record(tag, status, body, True)
    checked = ledger.verify(world)
    if "bare" in results:
        _verify_bare(results["bare"])

    reads = None if opts.skip_reads else _reads(world, opts)
    publication = _publish_one(world)

    if "ballots" in results:
        got, base = results["ballots"], results["bare"]
        emit(name="ballots", n=got.count(201), rate=got.rate(201), p50_ms=got.ms(50), p95_ms=got.ms(95),
             p99_ms=got.ms(99), baseline_rate=base.rate(201), errors=got.errors(201) - got.count(409),
             database=database, concurrency=opts.concurrency, seconds=got.seconds, server=label,
             units=world.units_count, polls=len(world.polls), heads_per_poll=world.heads_per_poll,
             duplicates_sent=got.count(409), statuses={str(k): v for k, v in got.statuses.items()},
             stored=checked["stored"], verified=checked, queries_per_request=inproc["ballot"]["queries"],
             queries=inproc["ballot"]["summary"], inprocess_ms=inproc["ballot"]["ms"],
             inprocess_cpu_ms=inproc["ballot"]["cpu_ms"], cpu_profile=inproc["ballot"]["profile"],
             baseline_p50_ms=base.ms(50), baseline_p95_ms=base.ms(95), baseline_errors=base.errors(201),
             server_tracebacks=tracebacks, loadavg=[*got.loadavg, *base.loadavg],
             roll_freeze_s=world.freeze_seconds, setup_s=world.timings,
             baseline=f"POST /bench/bare-ballot: parse the JSON, insert one row into {BARE_BALLOT_TABLE} "
                      "(UNIQUE (poll_id, head_id)), no auth")
    emit(name="ballots_race", n=race.heads, rate=None, errors=race.problems, database=database,
         width=opts.race_width, statuses=dict(race.statuses), exactly_one=race.heads - race.problems,
         message_example=race.example)
    if reads:
        r, b1, b2 = reads["progress"], reads["bare_first"], reads["bare_last"]
        emit(name="progress_reads", n=r.count(200), rate=r.rate(200), p50_ms=r.ms(50), p95_ms=r.ms(95),
             p99_ms=r.ms(99), baseline_rate=(b1.rate(200) + b2.rate(200)) / 2, errors=r.errors(200),
             database=database, concurrency=opts.read_concurrency, seconds=r.seconds, server=reads["label"],
             polls_read=reads["polls"], queries_per_request=inproc["progress"]["queries"],
             queries=inproc["progress"]["summary"], inprocess_ms=inproc["progress"]["ms"],
             inprocess_cpu_ms=inproc["progress"]["cpu_ms"], cpu_profile=inproc["progress"]["profile"],
             recompute_ms=inproc["recompute_ms"], baseline_rates=[round(b1.rate(200), 1), round(b2.rate(200), 1)],
             baseline_p50_ms=b1.ms(50), baseline_p95_ms=b1.ms(95), server_tracebacks=reads["tracebacks"],
             loadavg=[*r.loadavg, *b1.loadavg, *b2.loadavg],
             baseline="GET /bench/bare-json: a bare Django view answering a small JSON object, no auth")
    emit(name="ballots_tally", n=tallies["ballots"], rate=None, errors=0, database=database,
         polls=tallies["polls"], item_comparisons=tallies["items"], publication=publication,
         roll_freeze_s=world.freeze_seconds, recompute_ms=inproc["recompute_ms"])


# ---- the compound, its owners and the polls ---------------------------------------------------

@dataclass
class World:
    compound: object = None
    organiser: object = None
    units_count: int = 0
    tokens: dict = field(default_factory=dict)  # person id → bearer key
    reader_token: str = ""
    polls: list = field(default_factory=list)  # Poll
    heads: dict = field(default_factory=dict)  # poll id → [(head id, [person ids])]
    keys: dict = field(default_factory=dict)  # poll id → {head id: key}
    several: dict = field(default_factory=dict)  # poll id → people on more than one head
    heads_estimate: int = 0
    heads_per_poll: int = 0
    freeze_seconds: list = field(default_factory=list)
    timings: dict = field(default_factory=dict)

    def open_polls(self, n: int) -> None:
        """``n`` polls created, announced and opened through the services (the roll freezes
        at opening: timed)."""
        from django.utils import timezone

        from sanfang.voting import services as svc
        from sanfang.voting.models import RollHead

        now = timezone.now()
        opens = now - timedelta(hours=1)
        log(f"opening {n} polls (each freezes a {self.units_count:,}-unit roll) …")
        for i in range(n):
            poll = svc.poll_create(compound=self.compound, title=f"第{i + 1}次业主大会表决", items=ITEMS,
                                   opens_at=opens, closes_at=opens + timedelta(days=10), actor=self.organiser,
                                   parking_counts=True)
            svc.poll_announce(poll=poll, actor=self.organiser, now=opens - timedelta(days=16))
            t = time.perf_counter()
            poll = svc.poll_open(poll=poll, actor=self.organiser)
            self.freeze_seconds.append(round(time.perf_counter() - t, 3))
            self.polls.append(poll)
            heads, keys = defaultdict(list), dict(RollHead.objects.filter(poll=poll).values_list("pk", "key"))
            for head_id, person_id in RollHead.people.through.objects.filter(rollhead__poll=poll).values_list(
                    "rollhead_id", "person_id"):
                heads[head_id].append(person_id)
            self.heads[poll.pk] = sorted((h, sorted(p)) for h, p in heads.items())
            self.keys[poll.pk] = keys
            self.several[poll.pk] = {p for p, n in Counter(p for ps in heads.values() for p in ps).items() if n > 1}
        self.heads_per_poll = len(self.heads[self.polls[0].pk])
        log(f"  {n} polls of {self.heads_per_poll:,} heads; roll freezes {self.freeze_seconds} s")


def _compound_rows() -> dict:
    """The registry rows of one 12,500-unit compound (regions, compound, buildings, units,
    owners, its committees and company), deterministic."""
    from sanfang.demo import names as N
    from sanfang.demo.builder import Builder, Community, CompoundPlan, District, Subdistrict

    district = District(f"{N.MEGACITY[0]}01", "城东区", (120.0, 30.0))
    sub = Subdistrict(district.code + "001", "康城街道")
    district.subdistricts.append(sub)
    community = Community(sub.code + "001", "康城社区")
    sub.communities.append(community)
    community.plans.append(CompoundPlan("商品房", UNITS))
    return Builder(SEED, 3, block=3).build(N.MEGACITY, [district])


def _setup(opts) -> World:
    from django.db import connection, transaction
    from django.db.models import Count

    from sanfang.accounts.models import ApiToken, Role, Seat, User
    from sanfang.orgs.models import Ownership
    from sanfang.places.models import Compound, Region, Unit
    from sanfang.voting.rules import heads_from_units

    from ._server import import_registry, staff_user

    w = World()
    t = time.perf_counter()
    sheets = _compound_rows()
    import_registry(sheets)
    w.timings["registry_s"] = round(time.perf_counter() - t, 2)
    w.compound = Compound.objects.select_related("community").get(code=sheets["小区"][0]["编码"])
    w.units_count = Unit.objects.filter(compound=w.compound).count()
    if w.units_count != UNITS:
        raise BenchFailure(f"the compound has {w.units_count} units, not {UNITS}")
    community = Region.objects.get(pk=w.compound.community_id)
    w.organiser = staff_user("bench-community", Role.COMMUNITY_WORKER, region=community)

    # One user per owner (people and the developer), a resident seat and a token each.
    t = time.perf_counter()
    owners = sorted(set(Ownership.objects.filter(compound=w.compound).values_list("person_id", flat=True)))
    with transaction.atomic():
        users = User.objects.bulk_create([User(username=f"owner-{pid}", person_id=pid, password="!bench")
                                          for pid in owners], batch_size=2000)
        Seat.objects.bulk_create([Seat(user=u, role=Role.RESIDENT, compound=w.compound) for u in users],
                                 batch_size=2000)
        keys = {pid: "sf_" + secrets.token_urlsafe(32) for pid in owners}
        ApiToken.objects.bulk_create([ApiToken(user=u, name="bench voter", key_hash=ApiToken.hash(keys[u.person_id]),
                                               prefix=keys[u.person_id][:8]) for u in users], batch_size=2000)
    w.tokens = keys
    w.reader_token = keys[owners[0]]
    w.timings["owners_s"] = round(time.perf_counter() - t, 2)
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            for table in ("accounts_user", "accounts_seat", "accounts_apitoken", "orgs_ownership", "places_unit",
                          "orgs_person"):
                c.execute(f"ANALYZE {table}")
    developer = Ownership.objects.filter(compound=w.compound, developer_held=True).count()
    co_owned = (Ownership.objects.filter(compound=w.compound).values("unit").order_by()
                .annotate(n=Count("id")).filter(n__gt=1).count())
    # Parking counts in the polls, so every unit with an area and an owner is in the roll.
    w.heads_estimate = len(heads_from_units(_registry_units(w), parking_counts=True))
    log(f"  {w.units_count:,} units, {len(owners):,} owners with a user, seat and token ({developer:,} units "
        f"held by the developer, {co_owned:,} co-owned) in {w.timings['registry_s'] + w.timings['owners_s']:.1f} s")
    return w


# ---- the voters' schedule ---------------------------------------------------------------------

class Schedule:
    """Every (poll, head) pair once, shuffled and dealt to the clients; ``reserve`` pairs kept
    aside (the race and the in-process requests). One request in ``dup_every`` re-sends an
    earlier pair of the same client."""

    def __init__(self, world: World, clients: int, *, reserve: int, dup_every: int = 50, seed: int = 7):
        rnd = random.Random(seed)
        pairs = [(poll.pk, head, people) for poll in world.polls for head, people in world.heads[poll.pk]]
        rnd.shuffle(pairs)
        self.reserved, pairs = pairs[:reserve], pairs[reserve:]
        self.world = world
        self.per_client = [pairs[i::clients] for i in range(clients)]
        self.capacity = len(pairs)
        self.cursor = [0] * clients
        self.dup_every = dup_every
        self.rnd = [random.Random(seed * 1000 + i) for i in range(clients)]
        self.exhausted = 0

    def take_reserved(self) -> tuple:
        return self.reserved.pop()

    def race_pairs(self, n: int) -> list:
        out = self.reserved[:n]
        self.reserved = self.reserved[n:]
        return out

    def request(self, poll_id, head, person, rnd, tag) -> Request:
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.world.tokens[person]}"}
        return Request("POST", f"/api/v1/polls/{poll_id}/ballots", ballot_body(self.world, poll_id, head, person, rnd),
                       headers, tag=tag)

    def make(self, i: int, seq: int) -> Request:
        rnd = self.rnd[i]
        mine = self.per_client[i]
        done = self.cursor[i]
        if self.dup_every and seq % self.dup_every == self.dup_every - 1 and done:
            poll_id, head, people = mine[done - 1 - rnd.randrange(min(done, 20))]
            person = people[-1] if len(people) > 1 else people[0]  # another owner of the head when there is one
            return self.request(poll_id, head, person, rnd, ("dup", poll_id, head))
        if done >= len(mine):
            self.exhausted += 1
            return Request("GET", "/bench/ping", tag=("exhausted", i, seq))
        self.cursor[i] = done + 1
        poll_id, head, people = mine[done]
        return self.request(poll_id, head, rnd.choice(people), rnd, ("vote", poll_id, head))


def ballot_body(world: World, poll_id: int, head: int, person: int, rnd: random.Random | None = None) -> bytes:
    """A ballot's JSON: random answers (fixed ones without ``rnd``), and the head's key when the
    voter is one of several heads in the poll (V7)."""
    if rnd is None:
        picks = ["yes", "no", "abstain"][:len(ITEMS)]
    else:
        names, weights = zip(*CHOICES, strict=True)
        picks = rnd.choices(names, weights, k=len(ITEMS))
    body = {"choices": {str(i + 1): c for i, c in enumerate(picks)}}
    if person in world.several[poll_id]:
        body["head"] = world.keys[poll_id][head]
    return json.dumps(body).encode()


class BareSchedule:
    """The baseline's bodies: unique (poll, head) per client, the same JSON shape."""

    def __init__(self, clients: int):
        self.rnd = [random.Random(9000 + i) for i in range(clients)]
        self.clients = clients

    def make(self, i: int, seq: int) -> Request:
        rnd = self.rnd[i]
        names, weights = zip(*CHOICES, strict=True)
        picks = rnd.choices(names, weights, k=len(ITEMS))
        body = json.dumps({"poll": 1 + i, "head": seq, "choices": {str(k + 1): c for k, c in enumerate(picks)}})
        return Request("POST", "/bench/bare-ballot", body.encode(), {"Content-Type": "application/json"},
                       tag=(i, seq))


def _create_bare_table() -> None:
    from django.db import connection

    pk = "bigserial PRIMARY KEY" if connection.vendor == "postgresql" else "integer PRIMARY KEY AUTOINCREMENT"
    with connection.cursor() as c:
        c.execute(f"DROP TABLE IF EXISTS {BARE_BALLOT_TABLE}")
        c.execute(f"CREATE TABLE {BARE_BALLOT_TABLE} (id {pk}, poll_id integer NOT NULL, head_id integer NOT NULL, "
                  "choices text NOT NULL, receipt varchar(12) NOT NULL UNIQUE, "
                  "at timestamp with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP, UNIQUE (poll_id, head_id))")


def _verify_bare(base) -> None:
    from django.db import connection

    ok = sum(1 for o in base.outcomes if o.status == 201)
    with connection.cursor() as c:
        c.execute(f"SELECT count(*) FROM {BARE_BALLOT_TABLE}")
        rows = c.fetchone()[0]
        c.execute(f"SELECT count(*) FROM (SELECT DISTINCT poll_id, head_id FROM {BARE_BALLOT_TABLE}) d")
        distinct = c.fetchone()[0]
    if rows != ok or distinct != ok:
        raise BenchFailure(f"the baseline stored {rows} rows ({distinct} distinct) for {ok} answered 201")


# ---- the race: several ballots for one head at one instant -------------------------------------

@dataclass
class Race:
    heads: int = 0
    statuses: Counter = field(default_factory=Counter)
    outcomes: list = field(default_factory=list)  # (tag, status, body)
    problems: int = 0
    example: str = ""

    def summary(self) -> str:
        return f"{self.heads} heads, answers {dict(self.statuses)}"


def _race(port: int, world: World, pairs: list, width: int) -> Race:
    """For each pair, ``width`` connections opened first, then one request each released by a
    barrier: the head's co-owners in turn (a single owner double-clicks)."""
    race = Race(heads=len(pairs))
    for poll_id, head, people in pairs:
        barrier = threading.Barrier(width)
        answers: list = [None] * width

        def attempt(k: int, poll_id=poll_id, head=head, people=people, barrier=barrier, answers=answers) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.connect()
            person = people[k % len(people)]
            body = ballot_body(world, poll_id, head, person)
            headers = {"Content-Type": "application/json", "Authorization": f"Bearer {world.tokens[person]}"}
            barrier.wait()
            try:
                conn.request("POST", f"/api/v1/polls/{poll_id}/ballots", body=body, headers=headers)
                resp = conn.getresponse()
                answers[k] = (resp.status, resp.read())
            except (OSError, http.client.HTTPException) as exc:
                answers[k] = (type(exc).__name__, b"")
            finally:
                conn.close()

        threads = [threading.Thread(target=attempt, args=(k,)) for k in range(width)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for status, body_ in answers:
            race.statuses[status] += 1
            race.outcomes.append((("race", poll_id, head), status, body_))
        won = [b for s, b in answers if s == 201]
        lost = [b for s, b in answers if s == 409]
        if len(won) != 1 or len(lost) != width - 1:
            race.problems += 1
            continue
        receipt = json.loads(won[0])["receipt"]
        details = [json.loads(b).get("detail", "") for b in lost]
        if not all(receipt in d for d in details):
            race.problems += 1
        race.example = race.example or details[0]
    return race


# ---- what the answers say, against the database ------------------------------------------------

class Ledger:
    """Every answer to a ballot, then checked against the ballot rows."""

    def __init__(self):
        self.accepted: dict[tuple, str] = {}  # (poll, head) → receipt answered 201
        self.duplicates: list[tuple] = []  # ((poll, head), detail) answered 409
        self.problems: list[str] = []
        self.exhausted = 0

    def record(self, tag, status, body: bytes, timed: bool) -> None:
        kind = tag[0]
        if kind == "exhausted":
            self.exhausted += 1
            return
        pair = (tag[1], tag[2])
        if status == 201:
            receipt = json.loads(body)["receipt"]
            if pair in self.accepted:
                self.problems.append(f"{pair} accepted twice ({self.accepted[pair]}, {receipt})")
            self.accepted[pair] = receipt
        elif status == 409:
            self.duplicates.append((pair, kind, json.loads(body).get("detail", "")))
        else:
            self.problems.append(f"{kind} {pair} answered {status}: {body[:200]!r}")

    def verify(self, world: World) -> dict:
        from django.db.models import Count

        from sanfang.voting.models import Ballot

        problems = list(self.problems)
        if self.exhausted:
            problems.append(f"the schedule ran out of heads {self.exhausted} times: raise --polls or --max-rate")
        poll_ids = [p.pk for p in world.polls]
        stored = {(p, h): r for p, h, r in Ballot.objects.filter(poll_id__in=poll_ids)
                  .values_list("poll_id", "head_id", "receipt")}
        twice = list(Ballot.objects.filter(poll_id__in=poll_ids).values("poll_id", "head_id").order_by()
                     .annotate(n=Count("id")).filter(n__gt=1)[:5])
        if twice:
            problems.append(f"heads with two ballots: {twice}")
        lost = [p for p in self.accepted if p not in stored]
        if lost:
            problems.append(f"{len(lost)} ballots answered 201 are not stored (lost), e.g. {lost[:3]}")
        wrong = [p for p in self.accepted if p in stored and stored[p] != self.accepted[p]]
        if wrong:
            problems.append(f"{len(wrong)} ballots stored under another receipt than answered, e.g. {wrong[:3]}")
        extra = [p for p in stored if p not in self.accepted]
        if extra:
            problems.append(f"{len(extra)} stored ballots were never answered 201, e.g. {extra[:3]}")
        unclear = [(p, d) for p, kind, d in self.duplicates if p not in stored or stored[p] not in d]
        if unclear:
            problems.append(f"{len(unclear)} refused duplicates do not name the stored ballot's receipt, "
                            f"e.g. {unclear[:2]}")
        first_votes_refused = [p for p, kind, _d in self.duplicates if kind == "vote"]
        if first_votes_refused:
            problems.append(f"{len(first_votes_refused)} first ballots of a head were refused as duplicates, "
                            f"e.g. {first_votes_refused[:3]}")
        receipts = list(stored.values())
        if len(set(receipts)) != len(receipts):
            problems.append("two stored ballots share a receipt")
        if problems:
            raise BenchFailure("; ".join(problems))
        log(f"  {len(stored):,} ballots stored = the {len(self.accepted):,} answered 201, each head once; "
            f"{len(self.duplicates):,} duplicates refused with 409 naming the stored receipt")
        return {"stored": len(stored), "accepted": len(self.accepted), "duplicates_refused": len(self.duplicates)}


# ---- in-process: queries, CPU, profile ---------------------------------------------------------

def _inprocess(world: World, schedule: Schedule, ledger: Ledger, n: int) -> dict:
    from django.core.cache import cache
    from django.test import Client

    from sanfang.voting import progress

    client = Client(HTTP_HOST="127.0.0.1")
    rnd = random.Random(11)

    def ballot():
        poll_id, head, people = schedule.take_reserved()
        person = rnd.choice(people)
        answer = client.post(f"/api/v1/polls/{poll_id}/ballots", data=ballot_body(world, poll_id, head, person, rnd),
                             content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {world.tokens[person]}")
        if answer.status_code != 201:
            raise BenchFailure(f"an in-process ballot answered {answer.status_code}: {answer.content[:300]!r}")
        ledger.record(("vote", poll_id, head), 201, answer.content, False)

    ballot()
    _answer, sql = queries_of(ballot)
    out = {"ballot": {"queries": len(sql), "summary": query_summary(sql)}}
    log(f"  one ballot: {len(sql)} queries {query_summary(sql)}")
    ms, cpu = cost_per_request(ballot, n // 2)
    out["ballot"].update(ms=ms, cpu_ms=cpu, profile=cpu_profile(ballot, n // 2))
    log(f"  in-process: {ms:.1f} ms wall, {cpu:.1f} ms CPU per ballot; CPU: {out['ballot']['profile']}")

    poll = world.polls[0]
    reader = f"Bearer {world.reader_token}"

    def read():
        answer = client.get(f"/api/v1/polls/{poll.pk}/progress", HTTP_AUTHORIZATION=reader)
        if answer.status_code != 200:
            raise BenchFailure(f"an in-process progress read answered {answer.status_code}: {answer.content[:300]!r}")

    cache.clear()
    t = time.perf_counter()
    progress.compute(poll)
    out["recompute_ms"] = round((time.perf_counter() - t) * 1000, 1)
    read()
    _answer, sql = queries_of(read)
    out["progress"] = {"queries": len(sql), "summary": query_summary(sql)}
    ms, cpu = cost_per_request(read, n * 4)
    out["progress"].update(ms=ms, cpu_ms=cpu, profile=cpu_profile(read, n * 4))
    log(f"  one progress read: {len(sql)} queries {query_summary(sql)}; {ms:.2f} ms wall, {cpu:.2f} ms CPU; "
        f"recompute {out['recompute_ms']} ms; CPU: {out['progress']['profile']}")
    return out


# ---- the live tally reads ----------------------------------------------------------------------

def _reads(world: World, opts) -> dict:
    """Everyone watches the same vote: the progress of the poll with the most ballots (or of the
    ``--read-polls`` most voted), each client from the same owner's token."""
    from django.db.models import Count

    from sanfang.voting.models import Poll

    rnd = [random.Random(300 + i) for i in range(opts.read_concurrency)]
    headers = {"Authorization": f"Bearer {world.reader_token}"}
    polls = list(Poll.objects.filter(pk__in=[p.pk for p in world.polls]).annotate(n=Count("ballots"))
                 .order_by("-n", "pk").values_list("pk", flat=True)[:opts.read_polls])

    def progress(i: int, seq: int) -> Request:
        return Request("GET", f"/api/v1/polls/{rnd[i].choice(polls)}/progress", None, headers)

    def bare(i: int, seq: int) -> Request:
        return Request("GET", "/bench/bare-json")

    out = {}
    with serve(workers=opts.read_workers, threads=opts.read_threads) as server:
        for name, make in (("bare_first", bare), ("progress", progress), ("bare_last", bare)):
            log(f"{name.replace('_', ' ')}: {opts.read_concurrency} clients for {opts.warmup:.0f} + "
                f"{opts.read_seconds:.0f} s …")
            got = load(server.port, make, concurrency=opts.read_concurrency, seconds=opts.read_seconds,
                       warmup=opts.warmup)
            log("  " + got.summary(200))
            if got.count(200) == 0:
                raise BenchFailure(f"{name} never answered 200: {dict(got.statuses)}\n{server.log_tail()}")
            out[name] = got
        out["tracebacks"] = server.tracebacks()
        out["label"] = server.label
    out["polls"] = polls
    return out


# ---- the tally: served by the platform, recomputed here ----------------------------------------

def _registry_units(world: World) -> list[dict]:
    """The compound's units as TALLY.md units, straight from the registry (not the frozen roll)."""
    from decimal import Decimal

    from sanfang.orgs.models import Ownership
    from sanfang.places.models import Unit

    owners: dict[int, set] = defaultdict(set)
    developer: set[int] = set()
    for unit_id, person_id, dev in Ownership.objects.filter(compound=world.compound).values_list(
            "unit_id", "person_id", "developer_held"):
        owners[unit_id].add(str(person_id))
        if dev:
            developer.add(unit_id)
    out = []
    for pk, building, entrance, number, kind, area in (Unit.objects.filter(compound=world.compound).order_by("pk")
                                                       .values_list("pk", "building__number", "entrance", "number",
                                                                    "kind", "exclusive_area")):
        if area is None or pk not in owners:
            continue
        label = f"{building}-{entrance}-{number}" if entrance else f"{building}-{number}"
        out.append({"unit": label, "building": building, "kind": kind, "area": f"{Decimal(area):.2f}",
                    "owners": ["DEV"] if pk in developer else sorted(owners[pk]),
                    **({"developer_held": True} if pk in developer else {})})
    return out


def _expected(world: World, poll, units: list[dict]) -> list[dict]:
    """``rules.tally`` of each item from the registry's units and the ballot rows."""
    from django.utils import timezone

    from sanfang.voting import rules
    from sanfang.voting.models import Ballot, RollHead

    first_unit = {pk: u[0]["unit"] for pk, u in RollHead.objects.filter(poll=poll).values_list("pk", "units")}
    ballots = list(Ballot.objects.filter(poll=poll).values_list("head_id", "choices"))
    decided = (poll.decided_on or timezone.localdate()).isoformat()
    out = []
    for item in poll.items.all():
        out.append(rules.tally({"matter": item.matter, "decided_on": decided, "parking_counts": poll.parking_counts,
                                "units": units,
                                "ballots": [{"unit": first_unit[h], "choice": c[str(item.order)]} for h, c in ballots]}))
    return out


def _verify_tallies(world: World, port: int | None) -> dict:
    """Each poll's progress (computed now, and served by the API once its cache expired) equals
    ``rules.tally`` recomputed from the registry and the ballot rows."""
    from django.conf import settings

    from sanfang.voting import progress
    from sanfang.voting.models import Ballot

    units = _registry_units(world)
    if port is not None:
        time.sleep(getattr(settings, "VOTING_PROGRESS_SECONDS", 5) + 0.5)  # every cached tally expired
    problems, n_ballots, n_items = [], 0, 0
    for poll in world.polls:
        poll.refresh_from_db()
        expected = _expected(world, poll, units)
        count = Ballot.objects.filter(poll=poll).count()
        n_ballots += count
        served = [("progress.compute", progress.compute(poll))]
        if port is not None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("GET", f"/api/v1/polls/{poll.pk}/progress",
                         headers={"Authorization": f"Bearer {world.reader_token}"})
            resp = conn.getresponse()
            body = resp.read()
            conn.close()
            if resp.status != 200:
                problems.append(f"poll {poll.pk}: the progress API answered {resp.status}")
                continue
            served.append(("GET progress", json.loads(body)))
        for source, got in served:
            if got["ballots"] != count:
                problems.append(f"poll {poll.pk}: {source} counts {got['ballots']} ballots, the table {count}")
            for item, want in zip(got["items"], expected, strict=True):
                n_items += 1
                if item["result"] != want:
                    problems.append(f"poll {poll.pk} item {item['order']}: {source} says {item['result']}, "
                                    f"recomputed {want}")
    if problems:
        raise BenchFailure("the tallies disagree: " + "; ".join(problems[:5]))
    where = "progress.compute and the progress API" if port is not None else "progress.compute"
    log(f"  {len(world.polls)} polls, {n_ballots:,} ballots: {where} equal rules.tally from the registry")
    return {"polls": len(world.polls), "ballots": n_ballots, "items": n_items}


def _publish_one(world: World) -> dict:
    """Close and publish the first poll; its published result must equal the recount, and
    each item's log must verify."""
    from sanfang.voting import ballotlog
    from sanfang.voting import services as svc

    poll = world.polls[0]
    t = time.perf_counter()
    svc.poll_close(poll=poll, now=poll.closes_at)  # as `sanfang tick` does when the window ends
    poll = svc.poll_publish(poll=poll, actor=world.organiser)
    seconds = round(time.perf_counter() - t, 2)
    expected = _expected(world, poll, _registry_units(world))
    for item, want in zip(poll.result["items"], expected, strict=True):
        if item["result"] != want:
            raise BenchFailure(f"the published result of item {item['order']} is {item['result']}, recomputed {want}")
        ok, problems, _result = ballotlog.verify_log(json.loads(json.dumps(item["log"], default=str)))
        if not ok:
            raise BenchFailure(f"the published log of item {item['order']} does not verify: {problems[:3]}")
    entries = len(poll.result["items"][0]["log"]["entries"])
    log(f"  poll {poll.pk} closed and published in {seconds} s ({entries:,} ballots); results equal, logs verify")
    return {"poll": poll.pk, "ballots": entries, "close_publish_s": seconds, "anchor": poll.log_head_hash[:12]}
