"""Monte Carlo runs of one scenario: replications in batches, metrics with 95 % confidence intervals,
per-replication rows and the event log written as Parquet as each batch completes.

With an output folder, :func:`simulate` builds a self-contained run folder (:mod:`iadsim.analysis.runfolder`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from iadsim.analysis.intervals import interval
from iadsim.engine import Engine, build_world
from iadsim.engine.world import World
from iadsim.network import cached_audit
from iadsim.scenario import InputError, Scenario

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


METRIC_KINDS: dict[str, tuple[str, str | None]] = {
    # metric -> (kind of quantity for its interval (iadsim.analysis.intervals), what bounds it above)
    "kills": ("bounded", "threats"),
    "leakers": ("bounded", "threats"),
    "engagements": ("count", None),
    "missiles_expended": ("count", None),
    "wrongful_engagements": ("count", None),
    "civil_killed": ("bounded", "civil"),
    "vetoes": ("count", None),
    "time_to_first_detection": ("time", None),
    "time_to_first_engagement": ("time", None),
    "leakers_fraction": ("fraction", None),
    "p_raid_annihilation": ("proportion", None),
    "p_wrongful_engagement": ("proportion", None),
}
"""How each metric's interval is computed: proportions by Wilson, bounded counts and fractions by the
percentile bootstrap, unbounded counts by exact Poisson (or bootstrap when over-dispersed), times by the
bootstrap (:func:`iadsim.analysis.intervals.interval`)."""


def mean_ci(values, confidence: float = 0.95, metric: str | None = None, upper: float | None = None) -> dict:
    """Mean and confidence interval of the finite values, of the kind that fits ``metric``.

    Returns ``{"mean", "ci95": [low, high], "half_width", "n", "method"}`` (the key is ``ci95`` whatever the
    ``confidence``; the interval may be asymmetric and never leaves the quantity's range; ``half_width`` is
    the larger side): None where there are no finite values. ``upper`` bounds a bounded count (the number
    of threats for kills and leakers). Without ``metric`` the percentile bootstrap is used.
    """
    kind = METRIC_KINDS.get(metric, ("value", None))[0] if metric is not None else "value"
    return interval(values, kind, upper, confidence)


def derived_metrics(metrics: pd.DataFrame, threats: int | None) -> pd.DataFrame:
    """Per-replication quantities derived from the metric rows: ``leakers_fraction`` (of the threats),
    ``p_raid_annihilation`` (1 when no threat leaked) and ``p_wrongful_engagement`` (1 when any civil
    aircraft was engaged)."""
    leakers = metrics["leakers"].to_numpy(dtype=float)
    return pd.DataFrame({
        "leakers_fraction": leakers / threats if threats else np.full(len(metrics), np.nan),
        "p_raid_annihilation": (leakers == 0).astype(float) if threats else np.full(len(metrics), np.nan),
        "p_wrongful_engagement": (metrics["wrongful_engagements"].to_numpy() > 0).astype(float),
    })


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
            stat = mean_ci(group[m], confidence, metric=m)
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
    bounds = {"threats": threats, "civil": civil}
    detail = {}
    for m in METRICS:
        stat = mean_ci(metrics[m], metric=m, upper=bounds.get(METRIC_KINDS[m][1]))
        out[f"{m}_mean"] = stat["mean"]
        detail[m] = stat
    derived = derived_metrics(metrics, threats)
    out["leakers_fraction_mean"] = (out["leakers_mean"] / threats) if threats else None
    out["detected_fraction"] = float(np.isfinite(metrics["time_to_first_detection"]).mean()) if len(metrics) else None
    for m in derived.columns:
        detail[m] = mean_ci(derived[m], metric=m)
    out["p_raid_annihilation"] = detail["p_raid_annihilation"]["mean"]
    out["metrics"] = detail
    return out


@dataclass
class RunResult:
    scenario: Scenario
    summary: dict
    metrics: pd.DataFrame
    events: pd.DataFrame


class RunInterrupted(KeyboardInterrupt):
    """A run stopped by the user; ``partial`` holds its finished batches (None when nothing was written)."""

    def __init__(self, partial: Path | None):
        self.partial = partial
        super().__init__(str(partial) if partial else "")


def simulate(scenario: Scenario, replications: int, seed: int | None = None, out_dir: Path | None = None,
             batch_size: int = 250, progress=None, notes=None, max_memory: int | None = None) -> RunResult:
    """Run ``replications`` replications in batches; with ``out_dir``, build a run folder (format 2,
    :mod:`iadsim.analysis.runfolder`) batch by batch and move it into place when complete.

    ``progress(done, total)`` (optional) is called as steps complete, in replication-steps.
    ``notes(text)`` (optional) receives what was recovered or resumed. A run estimated to need more memory
    than ``max_memory`` (default: the machine's) is refused before it starts (:func:`check_run_budget`).
    A run interrupted with Ctrl-C raises
    :class:`RunInterrupted` naming the ``.partial`` folder whose finished batches stay readable; running
    the same command again resumes from them.
    """
    from iadsim.analysis.runfolder import RunWriter

    seed = scenario.spec.seed if seed is None else int(seed)
    check_run_budget(scenario, replications, batch_size, max_memory)
    world = build_world(scenario)
    writer = None
    if out_dir is not None:
        writer = RunWriter(Path(out_dir), scenario, seed, replications, batch_size)
        for text in writer.notes:
            if notes is not None:
                notes(text)
    audit_result = cached_audit(scenario)
    frames, event_frames = [], []
    n_steps = len(world.times)
    total = replications * n_steps
    done_before = 0
    try:
        for batch, start in enumerate(range(0, replications, batch_size)):
            reps = np.arange(start, min(start + batch_size, replications))
            kept = writer.read_batch(batch, reps) if writer is not None and batch in writer.finished else None
            if kept is not None:
                metrics, events = kept
            else:
                engine = Engine(world, reps, seed)
                tick = None
                if progress is not None:
                    base, n_reps = done_before, len(reps)

                    def tick(steps, base=base, n_reps=n_reps):
                        progress(base + steps * n_reps, total)
                engine.run(tick)
                metrics = replication_metrics(world, engine)
                events = pd.DataFrame(engine.events, columns=list(EVENT_COLUMNS))
                if writer is not None:
                    writer.write_batch(batch, metrics, events)
            done_before += len(reps) * n_steps
            if progress is not None:
                progress(done_before, total)
            frames.append(metrics)
            event_frames.append(events)
    except KeyboardInterrupt:
        raise RunInterrupted(writer.partial if writer is not None and writer.finished else None) from None
    metrics = pd.concat(frames, ignore_index=True)
    events = pd.concat(event_frames, ignore_index=True) if event_frames else pd.DataFrame(columns=EVENT_COLUMNS)
    threats = int((~world.civil).sum())
    summary = summarise(scenario.name, metrics, audit_result, seed, threats, int(world.civil.sum()))
    if writer is not None:
        writer.finish(summary)
    return RunResult(scenario, summary, metrics, events)


ROW_BYTES = 200
"""Memory [bytes] of one replication's metric row as the run keeps it (a generous figure)."""
EVENT_BYTES = 600
"""Memory [bytes] of the events one aircraft causes in one replication (about four events of 150 bytes)."""


def check_run_budget(scenario: Scenario, replications: int, batch_size: int, max_memory: int | None = None) -> None:
    """Refuse, before anything is allocated, a run whose batch would not fit in memory (``max_memory``, default
    the machine's): InputError naming the fields to change. The estimate is
    :func:`iadsim.analysis.sweep.estimate_batch_bytes`."""
    from iadsim.analysis.sweep import estimate_batch_bytes, memory_budget

    limit = memory_budget(max_memory)
    spec = scenario.spec
    flights = sum(r.count for r in spec.threats) + sum(t.count for t in spec.traffic)
    # the result keeps every replication's metric row and events (a few per aircraft, ~150 bytes each)
    kept = replications * (ROW_BYTES + EVENT_BYTES * flights)
    need = estimate_batch_bytes(scenario, min(batch_size, replications)) + kept
    if need > limit:
        steps = int(spec.duration / spec.step) + 1
        if kept > limit / 2:
            raise InputError("--replications", f"{replications:,} replications would keep about {kept / 1e9:.1f} GB "
                             f"of results in memory, more than the {limit / 1e9:.1f} GB available: run fewer "
                             "replications (or a sweep, which streams them to disk)")
        raise InputError(scenario.path, f"this run needs about {need / 1e9:.1f} GB ({steps:,} steps x {flights:,} "
                         f"aircraft), more than the {limit / 1e9:.1f} GB available: lengthen 'step', shorten "
                         "'duration' or fly fewer aircraft", None, ("step",))
