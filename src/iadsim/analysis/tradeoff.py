"""Trade-offs between two metrics across a sweep's points, and their Pareto front.

Any two registered metrics (:data:`iadsim.analysis.metrics.METRICS`) can be set against each other: replication
and derived metrics as means over a point's replications, ratio metrics (the cost-exchange ratio, attrition per
layer) as ratios of totals, each with its 95 % interval. A point is on the Pareto front when no other point is at
least as good on both metrics and better on one, "good" being each metric's ``better`` direction (or the one
asked for). ``iadsim query SWEEP --tradeoff X,Y`` prints the table; the report draws it.

>>> from iadsim.analysis.tradeoff import pareto_front
>>> pareto_front([1.0, 2.0, 3.0], [3.0, 1.0, 2.0], "lower", "lower").tolist()
[True, True, False]
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from iadsim.analysis.metrics import METRICS, metric_stat
from iadsim.analysis.sweep import store
from iadsim.scenario import InputError

__all__ = ["Tradeoff", "parse_tradeoff", "pareto_front", "tradeoff_table"]

DIRECTIONS = ("lower", "higher")


@dataclass(frozen=True)
class Tradeoff:
    """Two metrics, each with the direction that is better (``lower`` or ``higher``)."""

    x: str
    y: str
    better_x: str
    better_y: str


def parse_tradeoff(text: str, what: str = "--tradeoff", directions: bool = True) -> Tradeoff:
    """``"X,Y"`` or ``"X:lower,Y:higher"``: two registered metrics and which way is better for each (default:
    the registry's ``better``). InputError naming ``what`` otherwise; with ``directions=False`` a metric without
    one gets "" (no front) instead of an error. A metric that needs the run's number of threats
    (``leakers_fraction``) is refused: a sweep's rows do not hold it."""
    parts = [p.strip() for p in str(text).split(",")]
    if len(parts) != 2 or not all(parts):
        raise InputError(what, "expected two metrics, e.g. interceptor_cost,leakers (or leakers:lower,kills:higher)")
    names, ways = [], []
    for part in parts:
        name, _, direction = part.partition(":")
        if name not in METRICS:
            raise InputError(what, f"unknown metric '{name[:60]}'; known: {', '.join(METRICS)}")
        if "threats" in (METRICS[name].needs or ()):
            raise InputError(what, f"'{name}' needs each point's number of threats, which a sweep does not keep: "
                             "set leakers (or kills) against the other metric instead")
        if direction and direction not in DIRECTIONS:
            raise InputError(what, f"'{direction[:20]}' is not lower or higher")
        direction = direction or METRICS[name].better or ""
        if not direction and directions:
            raise InputError(what, f"say which way is better for '{name}': {name}:lower or {name}:higher")
        names.append(name)
        ways.append(direction)
    if names[0] == names[1]:
        raise InputError(what, "a trade-off sets two different metrics against each other")
    return Tradeoff(names[0], names[1], ways[0], ways[1])


def pareto_front(x, y, better_x: str = "lower", better_y: str = "lower") -> np.ndarray:
    """(n,) bool: the points no other point dominates (at least as good on both, better on one). Points with a
    value that is not finite are never on it, nor dominate."""
    x, y = (np.asarray(v, dtype=float) for v in (x, y))
    sx, sy = (1.0 if b == "lower" else -1.0 for b in (better_x, better_y))
    gx, gy = x * sx, y * sy  # smaller is better on both
    ok = np.isfinite(gx) & np.isfinite(gy)
    out = np.zeros(len(x), bool)
    for i in np.flatnonzero(ok):
        others = ok.copy()
        others[i] = False
        dominated = others & (gx <= gx[i]) & (gy <= gy[i]) & ((gx < gx[i]) | (gy < gy[i]))
        out[i] = not dominated.any()
    return out


def tradeoff_table(out_dir: str | Path, pair: Tradeoff, confidence: float = 0.95) -> pd.DataFrame:
    """One row per sweep point: ``point``, its factors, ``replications``, then for each metric ``<m>``,
    ``<m>_ci_low`` and ``<m>_ci_high`` (NaN where undefined), and ``pareto`` (on the front)."""
    metrics = [pair.x, pair.y]
    files = store.unit_files(out_dir)
    if not files:
        raise InputError(out_dir, f"no results: {store.RESULTS}/*.parquet not found")
    stored = set(store.check_units(files).names)
    for m in metrics:
        missing = [c for c in _columns(m) if c not in stored]
        if missing:
            raise InputError(Path(out_dir) / store.RESULTS, f"has no {', '.join(missing[:3])} column, which "
                             f"'{m}' needs (results of an older iadsim?): run the sweep again into a new folder")
    wanted = {c for m in metrics for c in _columns(m)} if all(_declared(m) for m in metrics) else stored
    results = store.load_results(out_dir, columns=["point", *sorted(wanted - {"point"})])
    rows = []
    for point, group in results.groupby("point", sort=True):
        row = {"point": int(point), "replications": len(group)}
        for m in metrics:
            stat = metric_stat(group, m, confidence=confidence)
            low, high = stat["ci95"]
            row[m] = np.nan if stat["mean"] is None else stat["mean"]
            row[f"{m}_ci_low"] = np.nan if low is None else low
            row[f"{m}_ci_high"] = np.inf if (high is None and stat["mean"] is not None) else (
                np.nan if high is None else high)
        rows.append(row)
    table = pd.DataFrame(rows, columns=["point", "replications", *(f"{m}{s}" for m in metrics
                                                                   for s in ("", "_ci_low", "_ci_high"))])
    points = store.points_frame(out_dir).drop(columns=["seed"], errors="ignore")
    table = points.merge(table, on="point", how="right")
    table["pareto"] = (pareto_front(table[pair.x], table[pair.y], pair.better_x, pair.better_y)
                       if pair.better_x and pair.better_y else False)
    return table


def _declared(name: str) -> bool:
    """Whether the columns metric ``name`` reads are known (a derived metric without ``needs`` may read any)."""
    metric = METRICS[name]
    return metric.of_rows is None or metric.needs is not None


def _columns(name: str) -> tuple[str, ...]:
    """The stored replication columns metric ``name`` is computed from (a derived metric's ``needs``; one that
    does not say: none checked here, its own function reads what it reads)."""
    metric = METRICS[name]
    if metric.ratio_of is not None:
        return metric.ratio_of
    if metric.of_state is not None:
        return (name,)
    return tuple(c for c in (metric.needs or ()) if c != "threats")
