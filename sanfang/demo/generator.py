"""Deterministic registry workbooks: a believable demo district and the megacity of WORKLOADS.md.

Both generators return the rows of the registry workbook (``{sheet name: [row dict, ...]}``,
rows keyed by the Chinese headers of ``registry.workbook.SHEETS``), never model instances: the
seeds go through ``registry.services.registry_import`` like any district's own workbook.

Everything is drawn from one seeded ``random.Random``; nothing depends on the clock or on hash
order, so the same arguments always give the same rows. Dates are placed around
``REFERENCE_DAY`` (terms and contracts current or expired on that day). The rows themselves are
made by ``builder.Builder``; this module decides what exists (regions, compound kinds and
sizes) and ``logins`` finds the demo logins in the rows.
"""

from __future__ import annotations

import bisect
import math
import random

from . import names as N
from .builder import (  # noqa: F401 - the public names of the seeds live here
    NO,
    REFERENCE_DAY,
    SHEET_ORDER,
    YES,
    Builder,
    Community,
    CompoundPlan,
    District,
    Rows,
    Subdistrict,
    UniqueNames,
    empty_sheets,
    years_later,
)
from .logins import DEMO_PASSWORD, Login, demo_logins  # noqa: F401
from .people import _USCC_CHARS, _USCC_WEIGHTS, make_credit_code  # noqa: F401


def _fit_sizes(rng: random.Random, sizes: list[float], total: int, low: int, high: int) -> list[int]:
    """Scale ``sizes`` so that they add up to ``total`` with each in [low, high]."""
    total = max(min(total, high * len(sizes)), low * len(sizes))
    out = [min(high, max(low, round(s))) for s in sizes]
    for _ in range(30):
        current = sum(out)
        if current == total:
            break
        factor = total / current
        out = [min(high, max(low, round(s * factor))) for s in out]
    diff = total - sum(out)
    step = 1 if diff > 0 else -1
    order = list(range(len(out)))
    rng.shuffle(order)
    i = 0
    while diff and i < 10 * len(out) + abs(diff):
        j = order[i % len(order)]
        if low <= out[j] + step <= high:
            out[j] += step
            diff -= step
        i += 1
    return out


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(rng.gauss(0, sigma))



def _distribute(rng: random.Random, plans: list[CompoundPlan], communities: list[Community]) -> None:
    """Give every community at least one compound and the rest by uneven weights, keeping a
    showcase plan in the first community."""
    weights = [rng.uniform(0.4, 1.6) for _ in communities]
    cum = []
    t = 0.0
    for w in weights:
        t += w
        cum.append(t)
    for i, plan in enumerate(plans):
        if i < len(communities):
            communities[i].plans.append(plan)
        else:
            communities[bisect.bisect_right(cum, rng.random() * t)].plans.append(plan)


def _community_names(rng: random.Random, n: int, taken: UniqueNames) -> list[str]:
    out = []
    for _ in range(n):
        stem = N.COMMUNITY_STEMS[int(rng.random() * len(N.COMMUNITY_STEMS))]
        out.append(taken.take(stem + "社区", ("东社区", "西社区", "南社区", "北社区", "第一社区", "第二社区")))
    return out


def demo_district(size: float = 1.0, *, seed: int = 2017) -> Rows:
    """A believable district of about 350 compounds and 100,000 units (``size`` scales it:
    ``size=0.02`` gives a few compounds for fast tests). Always: 杭州市 → 示范区 (330105) →
    subdistricts → communities → compounds; the first compound is the showcase the demo
    logins sit at (owners' and supervisory committees, a current contract, a 三方指导员)."""
    if size <= 0:
        raise ValueError("size must be positive")
    rng = random.Random(seed)
    n_sub = 8 if size >= 1 else max(2, min(8, round(8 * size)))
    n_comm = max(n_sub, round(40 * size))
    n_compounds = max(n_comm, 6, round(350 * size))
    total_units = max(n_compounds * 60, round(100_000 * size))

    kinds = rng.choices(("老旧小区", "回迁安置", "商品房", "保障房", "其他"), (52, 16, 28, 3, 1), k=n_compounds)
    kinds[0] = "商品房"
    medians = {"老旧小区": (180, 0.65), "回迁安置": (420, 0.5), "商品房": (380, 0.75), "保障房": (320, 0.3),
               "其他": (80, 0.3)}
    raw = [_lognormal(rng, *medians[k]) for k in kinds]
    raw[0] = max(raw[0], 900 if size >= 0.5 else 0)
    sizes = _fit_sizes(rng, raw, total_units, 40, 2000)
    if size < 0.5:
        sizes[0] = max(sizes[0], min(600, total_units // 3))
    plans = [CompoundPlan(k, n) for k, n in zip(kinds, sizes, strict=True)]
    plans[0].showcase = True

    district = District(N.DEMO_DISTRICT[0], N.DEMO_DISTRICT[1], (120.145, 30.318))
    community_names = _community_names(rng, n_comm, UniqueNames())
    comms = []
    for i in range(n_sub):
        sub = Subdistrict(f"{district.code}{i + 1:03d}", N.DEMO_SUBDISTRICTS[i])
        district.subdistricts.append(sub)
    for j in range(n_comm):
        sub = district.subdistricts[j % n_sub]
        comm = Community(f"{sub.code}{len(sub.communities) + 1:03d}", community_names[j])
        sub.communities.append(comm)
        comms.append(comm)
    # Plans go to communities in subdistrict order so that the showcase lands in the first.
    ordered = [c for s in district.subdistricts for c in s.communities]
    _distribute(rng, plans, ordered)
    companies = max(3, round(40 * size))
    return Builder(seed, companies).build(N.CITY, [district])


def megacity(scale: float = 0.1, *, seed: int = 20_000) -> Rows:
    """The megacity of WORKLOADS.md at ``scale`` (1 = MC-1: 20,000 compounds, ~250,000
    buildings, ~10 M units, ~12 M owner rows, 5,000 companies; 0.1 = MC-0.1).

    Compound sizes are log-normal (median ~300, mean 500) between 50 and 12,500 units; at
    scale ≥ 0.01 one compound has the full 12,500 (Kangcheng in Shanghai), whatever the scale.
    Small compounds are mostly old ones, large ones commercial or resettlement housing.
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    rng = random.Random(seed)
    n_compounds = max(5, round(20_000 * scale))
    total_units = n_compounds * 500
    raw = [_lognormal(rng, 300, 1.0) for _ in range(n_compounds)]
    if n_compounds >= 200:
        raw[1] = 12_500
    sizes = _fit_sizes(rng, raw, total_units, 50, 12_500)
    if n_compounds >= 200 and sizes[1] != 12_500:
        # Keep the giant at the cap and take the difference from the next largest ones.
        diff = 12_500 - sizes[1]
        sizes[1] = 12_500
        for i in sorted(range(len(sizes)), key=lambda i: -sizes[i]):
            if i == 1 or not diff:
                continue
            take = min(diff, sizes[i] - 50)
            sizes[i] -= take
            diff -= take
    plans = []
    for n in sizes:
        if n < 200:
            kind = rng.choices(("老旧小区", "商品房", "回迁安置", "其他"), (75, 15, 8, 2))[0]
        elif n < 800:
            kind = rng.choices(("老旧小区", "商品房", "回迁安置", "保障房"), (35, 40, 20, 5))[0]
        else:
            kind = rng.choices(("商品房", "回迁安置", "保障房"), (60, 30, 10))[0]
        plans.append(CompoundPlan(kind, n))
    plans[0] = CompoundPlan("商品房", max(plans[0].units, 400), showcase=True)

    n_comm = max(1, math.ceil(n_compounds / 8))
    n_sub = max(1, math.ceil(n_comm / 15))
    n_dist = max(1, math.ceil(n_sub / 12))
    districts = []
    for i in range(n_dist):
        name = N.MEGACITY_DISTRICTS[i] if i < len(N.MEGACITY_DISTRICTS) else f"第{i + 1}区"
        code = f"{N.MEGACITY[0]}{i + 1:02d}"
        districts.append(District(code, name, (120.0 + 0.25 * (i % 5), 30.0 + 0.2 * (i // 5))))
    sub_names = {d.code: UniqueNames() for d in districts}
    for j in range(n_sub):
        d = districts[j % n_dist]
        stem = N.SUBDISTRICT_STEMS[(j // n_dist) % len(N.SUBDISTRICT_STEMS)]
        name = sub_names[d.code].take(stem + "街道", ("东街道", "西街道", "南街道", "北街道", "新街道"))
        d.subdistricts.append(Subdistrict(f"{d.code}{len(d.subdistricts) + 1:03d}", name))
    subs = [s for d in districts for s in d.subdistricts]
    comm_names = {s.code: UniqueNames() for s in subs}
    for j in range(n_comm):
        s = subs[j % n_sub]
        stem = N.COMMUNITY_STEMS[int(rng.random() * len(N.COMMUNITY_STEMS))]
        name = comm_names[s.code].take(stem + "社区", ("东社区", "西社区", "南社区", "北社区", "第一社区", "第二社区"))
        s.communities.append(Community(f"{s.code}{len(s.communities) + 1:03d}", name))
    ordered = [c for s in subs for c in s.communities]
    _distribute(rng, plans, ordered)
    return Builder(seed, max(len(districts), round(5000 * scale)), block=1).build(N.MEGACITY, districts)


def row_count(sheets: Rows) -> int:
    return sum(len(rows) for rows in sheets.values())
