"""Shared parts of the HTTP benchmarks (``ticket_intake``, ``inbox``, ``ballots``): the
production server (granian, as ``make demo`` runs it) on the
scratch database, a closed-loop load generator, and the setup both need (a registry, the
case categories, users with seats, tokens and sessions, the queries of one request).

The server runs ``sanfang.wsgi`` with ``bench._settings`` (the project's settings with
``bench._urls`` as ROOT_URLCONF: the whole site plus the baseline views under ``/bench/``),
``DEBUG=0``, on a free port of 127.0.0.1, and is stopped by its own process id.

The load generator is N threads, each with one keep-alive ``http.client`` connection (it
reconnects by itself when a sync worker closes it), sending requests back to back for a
fixed time: the rate is what the server sustains at that concurrency, and the latency is
measured from sending the request to reading the last byte of the answer.
"""

import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import BenchFailure, log, percentile

PROJECT = Path(__file__).resolve().parent.parent
SETTINGS = "bench._settings"
BARE_TABLE = "bench_bare_insert"
# Static files without the manifest (pages need a collectstatic for it when DEBUG is off):
# the benchmarks measure views, not static files. ``bench._settings`` and in-process requests.
PLAIN_STATIC = {"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


# ---- the server ---------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    log_path: str
    workers: int
    threads: int
    kind: str = "granian"

    @property
    def label(self) -> str:
        if self.kind == "gunicorn":
            return f"gunicorn gthread {self.workers}×{self.threads}"
        return f"granian wsgi {self.workers}×{self.threads}"

    def log_tail(self, lines: int = 40) -> str:
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return "".join(f.readlines()[-lines:])

    def tracebacks(self) -> int:
        """Tracebacks the server logged (errors in views end up there with DEBUG off)."""
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return sum(1 for line in f if line.startswith("Traceback"))


@contextlib.contextmanager
def serve(*, workers: int = 2, threads: int = 1, ping: str = "/bench/ping"):
    """Run the site on granian (``workers`` processes of ``threads`` threads each, the WSGI
    interface as in production; ``BENCH_SERVER=gunicorn`` runs gunicorn's gthread workers
    instead, to compare) on the scratch database (``DATABASE_URL`` as set by
    ``python -m bench``) until the block ends; yields a ``Server``."""
    port = free_port()
    env = dict(os.environ, DJANGO_SETTINGS_MODULE=SETTINGS, DEBUG="0", ALLOWED_HOSTS="127.0.0.1",
               PYTHONUNBUFFERED="1")
    for key in ("SECRET_KEY", "PERSON_ID_KEY", "DATABASE_URL"):
        if not env.get(key):
            raise BenchFailure(f"{key} is not set: run through `python -m bench`")
    kind = os.environ.get("BENCH_SERVER", "granian")
    exe = Path(sys.executable).with_name(kind)
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", kind]
    if kind == "gunicorn":  # for comparison only (pip install gunicorn): the platform runs granian
        cmd += ["sanfang.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--backlog", "2048",
                "--keep-alive", "30", "--timeout", "120", "--log-level", "warning"]
        cmd += ["--worker-class", "gthread", "--threads", str(threads)] if threads > 1 else []
    else:
        cmd += ["--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
                "--blocking-threads", str(threads), "--backlog", "2048", "--log-level", "warning",
                "--workers-kill-timeout", "10", "sanfang.wsgi:application"]
    fd, log_path = tempfile.mkstemp(prefix="sanfang-bench-server-", suffix=".log")
    with os.fdopen(fd, "w") as logfile:
        process = subprocess.Popen(cmd, cwd=PROJECT, env=env, stdout=logfile, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    server = Server(port=port, process=process, log_path=log_path, workers=workers, threads=threads, kind=kind)
    try:
        _wait_ready(server, ping)
        log(f"{server.label} on 127.0.0.1:{port} (pid {process.pid}, log {log_path})")
        yield server
    finally:
        _stop(process)


def _wait_ready(server: Server, ping: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise BenchFailure(f"the server exited with {server.process.returncode}:\n{server.log_tail()}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
            conn.request("GET", ping)
            if conn.getresponse().status == 200:
                conn.close()
                return
            conn.close()
        except OSError:
            pass
        time.sleep(0.2)
    raise BenchFailure(f"the server did not answer {ping} within {timeout:.0f} s:\n{server.log_tail()}")


def _stop(process: subprocess.Popen) -> None:
    """Stop the server we started (it stops its own workers), by its process id."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


# ---- the load generator -------------------------------------------------------------------

@dataclass
class Request:
    method: str
    path: str
    body: bytes | None = None
    headers: dict = field(default_factory=dict)
    tag: object = None  # whatever the benchmark needs to match the answer (an external id)


@dataclass
class Outcome:
    tag: object
    status: int | str  # the HTTP status, or the name of the exception (a lost connection)
    body: bytes
    timed: bool  # inside the measured window (not the warm-up)


@dataclass
class LoadResult:
    seconds: float  # the measured window: first start to last finish
    latencies: list[float]  # seconds, every request of the window
    statuses: Counter  # of the window
    outcomes: list[Outcome]  # every request, warm-up included, when ``keep`` asked for them
    concurrency: int
    loadavg: tuple[float, float] = (0.0, 0.0)  # the machine's 1-minute load average before and after

    def count(self, status: int) -> int:
        return self.statuses[status]

    def rate(self, status: int) -> float:
        return self.statuses[status] / self.seconds if self.seconds else 0.0

    def errors(self, ok: int) -> int:
        return sum(n for s, n in self.statuses.items() if s != ok)

    def ms(self, q: float) -> float | None:
        value = percentile(self.latencies, q)
        return None if value is None else value * 1000

    def summary(self, ok: int) -> str:
        other = {str(s): n for s, n in self.statuses.items() if s != ok}
        return (f"{self.count(ok):,} × {ok} in {self.seconds:.1f} s = {self.rate(ok):,.1f}/s, "
                f"p50 {self.ms(50):.1f} ms, p95 {self.ms(95):.1f} ms, p99 {self.ms(99):.1f} ms"
                + (f", others {other}" if other else "") + f" (load average {self.loadavg[0]}→{self.loadavg[1]})")


def load(port: int, make: Callable[[int, int], Request], *, concurrency: int, seconds: float,
         warmup: float = 2.0, keep: bool = False) -> LoadResult:
    """``concurrency`` clients send ``make(client, seq)`` back to back: ``warmup`` seconds not
    measured, then ``seconds`` measured. With ``keep`` every answer's body is kept."""
    start_gate = threading.Barrier(concurrency + 1)
    per_client: list[tuple[list, Counter, list, float, float]] = [None] * concurrency  # type: ignore[list-item]
    clock = {}

    def client(i: int) -> None:
        latencies, statuses, outcomes = [], Counter(), []
        first, last = None, 0.0
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        seq = 0
        start_gate.wait()
        warm_until, stop_at = clock["warm_until"], clock["stop_at"]
        while True:
            now = time.perf_counter()
            if now >= stop_at:
                break
            timed = now >= warm_until
            req = make(i, seq)
            seq += 1
            t0 = time.perf_counter()
            try:
                conn.request(req.method, req.path, body=req.body, headers=req.headers)
                resp = conn.getresponse()
                body = resp.read()
                status: int | str = resp.status
            except (OSError, http.client.HTTPException) as exc:
                body, status = b"", type(exc).__name__
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            t1 = time.perf_counter()
            if timed:
                first = t0 if first is None else first
                last = t1
                latencies.append(t1 - t0)
                statuses[status] += 1
            if keep:
                outcomes.append(Outcome(req.tag, status, body, timed))
        conn.close()
        per_client[i] = (latencies, statuses, outcomes, first or 0.0, last)

    load_before = os.getloadavg()[0]
    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(concurrency)]
    for t in threads:
        t.start()
    now = time.perf_counter()
    clock["warm_until"] = now + warmup
    clock["stop_at"] = now + warmup + seconds
    start_gate.wait()
    for t in threads:
        t.join()
    latencies, statuses, outcomes = [], Counter(), []
    firsts, lasts = [], []
    for lat, st, out, first, last in per_client:
        latencies += lat
        statuses.update(st)
        outcomes += out
        if lat:
            firsts.append(first)
            lasts.append(last)
    window = (max(lasts) - min(firsts)) if firsts else 0.0
    return LoadResult(seconds=window, latencies=latencies, statuses=statuses, outcomes=outcomes,
                      concurrency=concurrency, loadavg=(round(load_before, 2), round(os.getloadavg()[0], 2)))


# ---- setup shared by the benchmarks -------------------------------------------------------

def registry_subset(sheets: dict, compounds_wanted: int) -> dict:
    """The rows of the first district's first subdistricts, enough of them for at least
    ``compounds_wanted`` compounds (or the whole first district), consistent: organisations,
    memberships and contracts only where what they point at is kept."""
    regions = sheets["区域"]
    city = next(r for r in regions if not r["上级编码"])
    district = next(r for r in regions if r["上级编码"] == city["编码"])
    subs = [r for r in regions if r["上级编码"] == district["编码"]]
    children: dict[str, list] = {}
    for r in regions:
        children.setdefault(r["上级编码"], []).append(r)
    per_community: Counter = Counter(c["社区编码"] for c in sheets["小区"])
    kept_regions = [city, district]
    n = 0
    for sub in subs:
        if n >= compounds_wanted:
            break
        kept_regions.append(sub)
        for comm in children.get(sub["编码"], []):
            kept_regions.append(comm)
            n += per_community[comm["编码"]]
    region_codes = {r["编码"] for r in kept_regions}
    compounds = [c for c in sheets["小区"] if c["社区编码"] in region_codes]
    compound_codes = {c["编码"] for c in compounds}

    def in_places(rows):
        return [r for r in rows if r["小区编码"] in compound_codes]

    orgs = [o for o in sheets["组织"]
            if (o["所属小区编码"] in compound_codes) or (o["所属区域编码"] in region_codes)
            or (o["所属小区编码"] is None and o["所属区域编码"] is None)]
    codes = {o["编码"] for o in orgs}
    # A party parent outside the subset: the organisation stays, without its party link.
    orgs = [o if o["上级党组织编码"] in (None, *codes) else {**o, "上级党组织编码": None, "党组织覆盖": None}
            for o in orgs]
    return {
        "区域": kept_regions,
        "小区": compounds,
        "楼栋": in_places(sheets["楼栋"]),
        "房屋": in_places(sheets["房屋"]),
        "业主": in_places(sheets["业主"]),
        "组织": orgs,
        "任职": [m for m in sheets["任职"] if m["组织编码"] in codes],
        "物业合同": [c for c in in_places(sheets["物业合同"]) if c["物业企业编码"] in codes],
    }


def import_registry(sheets: dict) -> None:
    from sanfang.demo.generator import row_count
    from sanfang.registry.services import registry_import

    n = row_count(sheets)
    log(f"importing the registry ({len(sheets['小区']):,} compounds, {n:,} rows) …")
    t = time.perf_counter()
    report = registry_import(sheets=sheets, actor=None, source="bench")
    if report.errors:
        raise BenchFailure(f"the registry import refused the rows ({len(report.errors)} problems), first: "
                           + "; ".join(str(e) for e in report.errors[:5]))
    log(f"  imported in {time.perf_counter() - t:.1f} s")


# Categories of the city, one per first responsible party (the spirit of tickets.testing.configure).
CATEGORY_SPECS = [
    ("stair-light", "楼道灯不亮", "help", "property_company"),
    ("leak", "楼上漏水", "dispute", "owners_committee"),
    ("greenery", "毁绿种菜", "complaint", "property_company"),
    ("parking", "停车秩序", "complaint", "residents_committee"),
    ("illegal-build", "违章搭建", "complaint", "department"),
    ("enquiry", "政策咨询", "enquiry", "residents_committee"),
]


def configure_categories() -> list:
    """The categories above on the city region; the department category goes to a department
    of the registry."""
    from sanfang.orgs.models import Organization
    from sanfang.places.models import Region
    from sanfang.tickets.models import Category

    city = Region.objects.get(level=Region.Level.CITY)
    dept = Organization.objects.filter(kind=Organization.Kind.DEPARTMENT).order_by("code").first()
    made = []
    for order, (code, name, kind, responsible) in enumerate(CATEGORY_SPECS):
        if responsible == "department" and dept is None:
            continue
        c = Category.with_kind_defaults(code=code, name=name, kind=kind, responsible=responsible,
                                        department=dept if responsible == "department" else None,
                                        region=city, order=order)
        c.full_clean()
        c.save()
        made.append(c)
    return made


def staff_user(username: str, role: str, *, region=None, organization=None):
    """A user with one seat (validated like the admin's form) and nothing else."""
    from sanfang.accounts.models import Seat, User

    user = User.objects.create_user(username=username, password=None)
    seat = Seat(user=user, role=role, region=region, organization=organization)
    seat.full_clean()
    seat.save()
    return user


def api_token(user) -> str:
    from sanfang.accounts.models import ApiToken

    _token, key = ApiToken.issue(user=user, name=f"bench {user.username}")
    return key


def session_cookie(user) -> str:
    """A logged-in session in the database, as the browser would hold it."""
    from django.conf import settings
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


_TABLE = re.compile(r'(?:FROM|INTO|UPDATE)\s+"?([a-z_]+)"?', re.IGNORECASE)


def queries_of(request: Callable[[], object]) -> tuple[object, list[str]]:
    """Run ``request`` (an in-process test-client call) and return its answer and its SQL."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        answer = request()
    return answer, [q["sql"] for q in ctx.captured_queries]


def query_summary(sql: list[str]) -> dict[str, int]:
    """{"SELECT tickets_category": 1, …}: what the statements of one request touch, in order."""
    out: dict[str, int] = {}
    for s in sql:
        verb = s.split(None, 1)[0].upper()
        m = _TABLE.search(s)
        key = f"{verb} {m.group(1)}" if m else verb
        out[key] = out.get(key, 0) + 1
    return out


def cost_per_request(call: Callable[[], object], n: int) -> tuple[float, float]:
    """(wall ms, CPU ms of this process) per call of ``call``, an in-process request: what
    Python costs on its own, without HTTP, the server or the load generator."""
    t, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        call()
    return (time.perf_counter() - t) / n * 1000, (time.process_time() - cpu) / n * 1000


def database_cpu_ms(call: Callable[[], object], n: int) -> float | None:
    """CPU time (ms) the PostgreSQL backend serving this process spent per call of ``call``,
    read from /proc (the server runs on this machine); None elsewhere. Unlike a rate, CPU time
    hardly moves with the load others put on a shared machine."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    try:
        with connection.cursor() as c:
            c.execute("SELECT pg_backend_pid()")
            pid = c.fetchone()[0]
        tick = os.sysconf("SC_CLK_TCK")

        def used() -> float:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / tick  # utime + stime

        before = used()
        for _ in range(n):
            call()
        return (used() - before) / n * 1000
    except OSError:
        return None


def cpu_profile(call: Callable[[], object], n: int, *, top: int = 10) -> dict:
    """Where the CPU of ``n`` in-process calls goes, under cProfile (which inflates pure-Python
    time; the shares are what matters):

    - ``app``: the application's functions (``sanfang``) by share of cumulative CPU time, the
      largest ``top`` (nested functions count in their callers too);
    - ``self``: self time by package (``django.db.models.sql`` is the SQL compiler,
      ``ninja``/``pydantic`` the API's validation and serialization, ``psycopg`` the driver);
      a C function's time counts for the package that called it.
    """
    import cProfile
    import pstats

    profiler = cProfile.Profile(time.process_time)
    cpu = time.process_time()
    profiler.enable()
    for _ in range(n):
        call()
    profiler.disable()
    total = (time.process_time() - cpu) or 1.0
    app: dict[str, float] = {}
    own: Counter = Counter()
    for (filename, _line, function), (_cc, _nc, self_time, cumulative, callers) in pstats.Stats(profiler).stats.items():
        package = _package(filename)
        if package == "builtins" and callers:
            # A C function (isinstance, pydantic-core's validator, str.join…) counts for its callers.
            for (caller_file, _l, _f), (_n, _c, caller_self, _cum) in callers.items():
                own[_package(caller_file)] += caller_self
        else:
            own[package] += self_time
        if package.startswith("sanfang") and cumulative < 0.95 * total:  # not the middleware around it all
            module = Path(filename).relative_to(PROJECT).with_suffix("").as_posix().replace("/", ".")
            app[f"{module}.{function}"] = round(cumulative / total, 3)
    return {"app": dict(sorted(app.items(), key=lambda kv: -kv[1])[:top]),
            "self": {k: round(v / total, 3) for k, v in own.most_common(top)}}


def _package(filename: str) -> str:
    """``…/site-packages/django/db/models/sql/compiler.py`` → ``django.db.models.sql``."""
    if filename.startswith("~") or filename.startswith("<"):
        return "builtins"
    path = Path(filename)
    if "site-packages" in path.parts:
        parts = path.parts[path.parts.index("site-packages") + 1:-1]
    elif PROJECT in path.parents:
        parts = path.relative_to(PROJECT).parts[:-1]
    else:
        return "stdlib"
    if not parts:
        return path.stem
    if parts[0] == "django":
        depth = 4 if parts[1:3] == ("db", "models") and len(parts) > 3 else 3 if parts[1:2] == ("db",) else 2
        return ".".join(parts[:depth])
    if parts[0] == "sanfang":
        return ".".join(parts[:2])
    return parts[0].removesuffix("_core")
