"""Benchmarks of WORKLOADS.md (not tests): ``python -m bench <name> [--scale 0.1]``.

Each benchmark is a module ``bench/<name>.py`` with ``run(*, scale, argv)``; it reports through
``emit`` (one JSON object per line) and raises ``BenchFailure`` when data was lost or
duplicated, which ``__main__`` turns into a non-zero exit instead of a rate.
"""

import json
import math
import sys

# The keys every result line carries, in this order (WORKLOADS.md, "How a benchmark reports").
KEYS = ("name", "n", "rate", "p50_ms", "p95_ms", "p99_ms", "baseline_rate", "ratio", "errors", "database")


class BenchFailure(Exception):
    """The benchmark lost, duplicated or corrupted data: no rate is reported."""


def emit(*, name: str, n: int, rate: float | None, p50_ms=None, p95_ms=None, p99_ms=None,
         baseline_rate: float | None = None, errors: int = 0, database: str, **extra) -> dict:
    ratio = round(rate / baseline_rate, 4) if rate and baseline_rate else None
    line = {"name": name, "n": n, "rate": _round(rate), "p50_ms": _round(p50_ms), "p95_ms": _round(p95_ms),
            "p99_ms": _round(p99_ms), "baseline_rate": _round(baseline_rate), "ratio": ratio, "errors": errors,
            "database": database}
    line.update({k: _round(v) if isinstance(v, float) else v for k, v in extra.items()})
    print(json.dumps(line, ensure_ascii=False), flush=True)
    return line


def percentile(samples: list[float], q: float) -> float | None:
    """The q-th percentile (0–100) of ``samples``, nearest-rank."""
    if not samples:
        return None
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def log(message: str) -> None:
    """Progress for people, on stderr, so stdout stays JSON lines."""
    print(message, file=sys.stderr, flush=True)


def _round(value):
    if value is None:
        return None
    return round(value, 1) if abs(value) >= 100 else round(value, 3)
