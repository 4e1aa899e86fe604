"""``python -m bench <name> [--scale 0.1] [--keep] [options of the benchmark]``.

Sets Django up itself (``DJANGO_SETTINGS_MODULE=sanfang.settings``, a throwaway ``SECRET_KEY``
unless one is set) and never touches real data: with a PostgreSQL ``DATABASE_URL`` it creates
a scratch database (``sanfang_bench_<name>`` on the same server, so two benchmarks can run side by
side), migrates it, runs the benchmark and
drops it; without one (or with SQLite) it works in a temporary SQLite file.
"""

import argparse
import contextlib
import importlib
import os
import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from . import BenchFailure, log

SCRATCH = "sanfang_bench"  # + "_<benchmark name>"


def _available() -> list[str]:
    here = Path(__file__).parent
    return sorted(p.stem for p in here.glob("*.py") if not p.stem.startswith("_"))


@contextlib.contextmanager
def scratch_database(keep: bool, name: str = ""):
    """Point DATABASE_URL at a scratch database for the duration, then remove it."""
    scratch = f"{SCRATCH}_{name}" if name else SCRATCH
    import dj_database_url

    url = os.environ.get("DATABASE_URL", "")
    config = dj_database_url.parse(url) if url else {"ENGINE": "django.db.backends.sqlite3"}
    if config["ENGINE"] == "django.db.backends.postgresql":
        import psycopg

        admin = {"dbname": "postgres", "user": config.get("USER") or None, "password": config.get("PASSWORD") or None,
                 "host": config.get("HOST") or None, "port": config.get("PORT") or None}
        admin = {k: v for k, v in admin.items() if v}
        with psycopg.connect(**admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{scratch}"')
        os.environ["DATABASE_URL"] = urlsplit(url)._replace(path=f"/{scratch}").geturl()
        log(f"scratch database: {scratch} on {config.get('HOST') or 'localhost'}")
        try:
            yield
        finally:
            _close_django()
            if keep:
                log(f"kept the scratch database {scratch}")
            else:
                with psycopg.connect(**admin, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
            os.environ["DATABASE_URL"] = url
    else:
        folder = tempfile.mkdtemp(prefix="sanfang-bench-")
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
        os.environ.setdefault("SANFANG_VAR", folder)
        log(f"scratch database: {folder}/bench.sqlite3")
        try:
            yield
        finally:
            _close_django()
            if keep:
                log(f"kept {folder}")
            else:
                shutil.rmtree(folder, ignore_errors=True)
            if url:
                os.environ["DATABASE_URL"] = url
            else:
                os.environ.pop("DATABASE_URL", None)


def _close_django():
    if "django.db" in sys.modules:
        from django.db import connections

        connections.close_all()


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanfang.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    os.environ.setdefault("PERSON_ID_KEY", "bench-only-person-key")
    import django
    from django.core.management import call_command

    django.setup()
    log("migrating the scratch database …")
    call_command("migrate", verbosity=0, interactive=False)


def main(argv: list[str] | None = None) -> int:
    names = _available()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("name", choices=names, help="the benchmark to run")
    parser.add_argument("--scale", type=float, default=0.1, help="data scale (0.1 = MC-0.1, 1 = MC-1)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database afterwards")
    args, rest = parser.parse_known_args(argv)
    if not 0 < args.scale <= 1:
        parser.error("--scale must be more than 0 and at most 1")
    module = importlib.import_module(f"bench.{args.name}")
    try:
        with scratch_database(args.keep, args.name):
            setup_django()
            module.run(scale=args.scale, argv=rest)
    except BenchFailure as exc:
        print(f"FAILED {args.name}: {exc}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
