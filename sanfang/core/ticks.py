"""What ``sanfang tick`` runs: each app registers the work that falls due with time (cases to
escalate, polls to open or close) from its ``AppConfig.ready``. The registry lives in core so
the command knows no domain app, and dependencies keep pointing one way (apps → core).

A tick function takes ``now`` (aware datetime) and ``full`` (recompute derived data from
scratch) and returns a flat dict of counts with keys unique across apps. It must be idempotent
and safe to run twice or in parallel (DESIGN habit 5).
"""

from collections.abc import Callable
from datetime import datetime

TickFn = Callable[..., dict]
_registered: dict[str, TickFn] = {}


def register(name: str, fn: TickFn) -> None:
    _registered[name] = fn


def run_all(*, now: datetime, full: bool = False) -> dict:
    done: dict = {}
    for fn in _registered.values():
        done.update(fn(now=now, full=full))
    return done
