"""Sensitivity of sweep results: one-at-a-time tornado, variance-based Sobol indices (SALib) and the
human-oversight trade-off table (leakers against wrongful engagements by authority mode and decision time).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from iadsim.analysis.metrics import mean_ci, replication_names, summarise_groups
from iadsim.analysis.sweep import store
from iadsim.analysis.sweep.designs import sample_design


def _stat(values) -> tuple[float | None, float | None]:
    s = mean_ci(values)
    return s["mean"], s["half_width"]


def tornado(out_dir: str | Path, metric: str = "leakers") -> pd.DataFrame:
    """One-at-a-time effects of an ``oat`` sweep: each factor at its low and high value against the base.

    Returns one row per factor, largest swing first: the low and high values, the metric's mean (and 95 %
    CI half-width) at the base, low and high points, the effects (level mean - base mean) and the swing
    ``|high effect - low effect|``. With ``common_random_numbers: true`` the effects are paired comparisons.
    """
    meta = store.read_points(out_dir)
    store.warn_if_unfinished(out_dir)
    if meta.get("design") != "oat":
        raise ValueError(f"a tornado needs an 'oat' sweep; {out_dir} has a {meta.get('design')} design")
    if metric not in replication_names():  # (a sweep stores each of them; the message blamed its results files)
        raise ValueError(f"a tornado reads a replication metric, not '{metric}': {', '.join(replication_names())}")
    results = store.load_results(out_dir, columns=["point", metric])
    by_point = {int(p): g[metric].to_numpy(dtype=float) for p, g in results.groupby("point")}
    label = {(p["oat"]["factor"], p["oat"]["level"]): p["point"] for p in meta["points"]}
    base_mean, base_hw = _stat(by_point.get(label[(None, "base")], []))
    rows = []
    for f in meta["factors"]:
        low, high = f["values"] if f["values"] is not None else (f["low"], f["high"])
        row = {"factor": f["name"], "low": low, "high": high, "base_mean": base_mean, "base_half_width": base_hw}
        for level in ("low", "high"):
            mean, hw = _stat(by_point.get(label[(f["name"], level)], []))
            row[f"{level}_mean"], row[f"{level}_half_width"] = mean, hw
            row[f"{level}_effect"] = None if mean is None or base_mean is None else mean - base_mean
        both = row["low_effect"] is not None and row["high_effect"] is not None
        row["swing"] = abs(row["high_effect"] - row["low_effect"]) if both else None
        rows.append(row)
    frame = pd.DataFrame(rows)
    return frame.sort_values("swing", ascending=False, na_position="last", kind="stable").reset_index(drop=True)


def sobol_analyze(names: list[str], bounds: list[tuple[float, float]], y, seed: int = 0,
                  num_resamples: int = 200) -> pd.DataFrame:
    """First-order (S1) and total (ST) Sobol indices with bootstrap 95 % intervals, from model outputs `y`
    at the points of ``sample_design('sobol', bounds, n, seed)`` (in that order).

    Uses SALib's Saltelli/Jansen estimators (Saltelli et al. 2010, Comput. Phys. Commun. 181:259-270).
    """
    from SALib.analyze import sobol

    problem = {"num_vars": len(names), "names": list(names), "bounds": [[float(a), float(b)] for a, b in bounds]}
    y = np.asarray(y, dtype=float)
    if not np.all(np.isfinite(y)):
        raise ValueError("Sobol analysis needs a finite output at every point (choose a metric defined at all)")
    res = sobol.analyze(problem, y, calc_second_order=False, num_resamples=num_resamples, seed=seed)
    return pd.DataFrame({"S1": res["S1"], "S1_conf": res["S1_conf"], "ST": res["ST"], "ST_conf": res["ST_conf"]},
                        index=pd.Index(list(names), name="factor"))


def sobol_sample(bounds: list[tuple[float, float]], n: int, seed: int = 0) -> np.ndarray:
    """The Saltelli sample behind :func:`sobol_analyze`: ``n * (D + 2)`` rows (n a power of 2)."""
    return sample_design("sobol", bounds, n, seed)


def sobol_indices(out_dir: str | Path, metric: str = "leakers") -> pd.DataFrame:
    """Sobol indices of a ``sobol`` sweep: each point's mean of `metric` over its replications is the output.

    Replication noise adds to the variance the indices apportion; run enough replications per point that the
    CI half-widths are small against the spread of the point means.
    """
    meta = store.read_points(out_dir)
    if meta.get("design") != "sobol":
        raise ValueError(f"Sobol indices need a 'sobol' sweep; {out_dir} has a {meta.get('design')} design")
    if metric not in replication_names():  # (a sweep stores each of them; the message blamed its results files)
        raise ValueError(f"a tornado reads a replication metric, not '{metric}': {', '.join(replication_names())}")
    results = store.load_results(out_dir, columns=["point", metric])
    means = results.groupby("point")[metric].mean().reindex(range(len(meta["points"])))
    if means.isna().any():
        missing = means.index[means.isna()].tolist()[:5]
        raise ValueError(f"no finite '{metric}' results for points {missing}... (sweep incomplete?)")
    names = [f["name"] for f in meta["factors"]]
    bounds = [(f["low"], f["high"]) for f in meta["factors"]]
    return sobol_analyze(names, bounds, means.to_numpy(), seed=meta.get("seed", 0) % 2**32)


def oversight_table(results: pd.DataFrame | str | Path, mode: str = "authority.mode",
                    decision_time: str = "authority.decision_time.median",
                    metrics: tuple[str, ...] = ("leakers", "wrongful_engagements")) -> pd.DataFrame:
    """The human-oversight trade-off: per authority mode and operator decision time, the mean and 95 % CI
    (bounds and half-width) of leakers and wrongful engagements (more oversight: fewer wrongful engagements,
    more leakers).

    `results` is a sweep folder or its per-replication rows; `mode` and `decision_time` name the factor
    columns (a missing one is treated as a single level).
    """
    frame = store.load_results(results) if isinstance(results, (str, Path)) else results
    keys = [c for c in (mode, decision_time) if c in frame.columns]
    if not keys:
        raise ValueError(f"no '{mode}' or '{decision_time}' column; factor columns are named by their path "
                         f"(columns: {', '.join(frame.columns)})")
    return summarise_groups(frame, keys, metrics)
