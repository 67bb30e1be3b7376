"""Monte Carlo runs of one scenario: replications in batches, metrics with 95 % confidence intervals,
per-replication rows and the event log written as Parquet as each batch completes.

A run folder holds ``summary.json``, ``metrics.parquet`` (one row per replication), ``events.parquet``,
``audit.json`` and ``scenario.yaml`` (a copy, so reports and exports can redraw the map).
"""

from __future__ import annotations

import json
import math
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from iadsim.engine import Engine, build_world
from iadsim.engine.world import World
from iadsim.network import audit
from iadsim.scenario import Scenario

METRICS = (
    "kills", "leakers", "engagements", "missiles_expended", "wrongful_engagements", "civil_killed", "vetoes",
    "time_to_first_detection", "time_to_first_engagement",
)
EVENT_COLUMNS = ("replication", "time", "kind", "unit", "target", "detail")


def replication_metrics(world: World, engine: Engine) -> pd.DataFrame:
    """One row per replication of the engine's final state."""
    st = engine.state
    threat = ~world.civil
    return pd.DataFrame({
        "replication": engine.reps,
        "kills": st.kills,
        "leakers": (st.leaked & threat[None, :]).sum(axis=1),
        "engagements": st.engagements,
        "missiles_expended": st.expended,
        "wrongful_engagements": st.wrongful,
        "civil_killed": st.civil_killed,
        "vetoes": st.vetoes,
        "time_to_first_detection": st.first_detection,
        "time_to_first_engagement": st.first_engagement,
    })


def mean_ci(values, confidence: float = 0.95) -> dict:
    """Mean and Student-t confidence interval of the finite values.

    Returns ``{"mean", "ci95": [low, high], "half_width", "n"}`` (the key is ``ci95`` whatever the
    ``confidence``): None where there are no finite values; with one value the interval is that value and the
    half-width 0.
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return {"mean": None, "ci95": [None, None], "half_width": None, "n": 0}
    mean = float(x.mean())
    if len(x) < 2:
        return {"mean": mean, "ci95": [mean, mean], "half_width": 0.0, "n": 1}
    half = float(stats.t.ppf(0.5 + confidence / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
    return {"mean": mean, "ci95": [mean - half, mean + half], "half_width": half, "n": int(len(x))}


def summarise_groups(frame: pd.DataFrame, keys: list[str], metrics, confidence: float = 0.95) -> pd.DataFrame:
    """One row per group of ``frame`` by ``keys`` (sorted; missing keys are a group): the keys, the number of
    rows (``replications``) and, per metric, ``<metric>_mean``, ``_ci_low``, ``_ci_high`` and ``_half_width``
    (:func:`mean_ci` of its finite values)."""
    columns = [*keys, "replications"]
    for m in metrics:
        columns += [f"{m}_mean", f"{m}_ci_low", f"{m}_ci_high", f"{m}_half_width"]
    rows = []
    for key, group in frame.groupby(list(keys), sort=True, dropna=False):
        row = dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True))
        row["replications"] = len(group)
        for m in metrics:
            stat = mean_ci(group[m], confidence)
            row[f"{m}_mean"] = stat["mean"]
            row[f"{m}_ci_low"], row[f"{m}_ci_high"] = stat["ci95"]
            row[f"{m}_half_width"] = stat["half_width"]
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)


def summarise(name: str, metrics: pd.DataFrame, audit_result: dict, seed: int, threats: int, civil: int) -> dict:
    out = {
        "name": name,
        "seed": seed,
        "replications": int(len(metrics)),
        "threats": threats,
        "civil_aircraft": civil,
        "fire_units": audit_result["fire_units_total"],
        "fire_units_able": audit_result["fire_units_able"],
    }
    detail = {}
    for m in METRICS:
        stat = mean_ci(metrics[m])
        out[f"{m}_mean"] = stat["mean"]
        detail[m] = stat
    out["leakers_fraction_mean"] = (out["leakers_mean"] / threats) if threats else None
    out["detected_fraction"] = float(np.isfinite(metrics["time_to_first_detection"]).mean()) if len(metrics) else None
    out["metrics"] = detail
    return out


@dataclass
class RunResult:
    scenario: Scenario
    summary: dict
    metrics: pd.DataFrame
    events: pd.DataFrame


def simulate(scenario: Scenario, replications: int, seed: int | None = None, out_dir: Path | None = None,
             batch_size: int = 250, progress=None) -> RunResult:
    """Run `replications` replications in batches; with `out_dir`, write each batch as it completes."""
    seed = scenario.spec.seed if seed is None else int(seed)
    world = build_world(scenario)
    audit_result = audit(scenario)
    frames, event_frames = [], []
    writer = None
    if out_dir is not None:
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(scenario.path, out_dir / "scenario.yaml")
        (out_dir / "audit.json").write_text(json.dumps(audit_result, indent=2))
        writer = _ParquetAppender(out_dir)
    try:
        for start in range(0, replications, batch_size):
            reps = np.arange(start, min(start + batch_size, replications))
            engine = Engine(world, reps, seed)
            engine.run()
            metrics = replication_metrics(world, engine)
            events = pd.DataFrame(engine.events, columns=list(EVENT_COLUMNS))
            frames.append(metrics)
            event_frames.append(events)
            if writer is not None:
                writer.append(metrics, events)
            if progress is not None:
                progress(len(reps))
    finally:
        if writer is not None:
            writer.close()
    metrics = pd.concat(frames, ignore_index=True)
    events = pd.concat(event_frames, ignore_index=True) if event_frames else pd.DataFrame(columns=EVENT_COLUMNS)
    threats = int((~world.civil).sum())
    summary = summarise(scenario.name, metrics, audit_result, seed, threats, int(world.civil.sum()))
    if out_dir is not None:
        (out_dir / "summary.json").write_text(json.dumps(summary, indent=2))
    return RunResult(scenario, summary, metrics, events)


class _ParquetAppender:
    """Writes metrics and events row groups as batches finish, so an interrupted run keeps them."""

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self.writers = {}

    def append(self, metrics: pd.DataFrame, events: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        for name, frame in (("metrics", metrics), ("events", events)):
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if name == "events":
                table = table.cast(pa.schema([
                    ("replication", pa.int64()), ("time", pa.float64()), ("kind", pa.string()),
                    ("unit", pa.string()), ("target", pa.string()), ("detail", pa.string())]))
            if name not in self.writers:
                self.writers[name] = pq.ParquetWriter(self.out_dir / f"{name}.parquet", table.schema)
            self.writers[name].write_table(table)

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()
