"""Monte Carlo runs of one scenario: replications in batches, metrics with 95 % confidence intervals,
per-replication rows and the event log written as Parquet as each batch completes.

With an output folder, :func:`simulate` builds a self-contained run folder (:mod:`iadsim.analysis.runfolder`).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from iadsim.analysis.artifacts import frame_steps
from iadsim.analysis.metrics import (
    METRIC_KINDS,
    REPLICATION_METRICS,
    REPORTERS,
    count_bounds,
    derived_metrics,
    held_by_nodes,
    mean_ci,
    placed,
    ratio_metrics,
    replication_rows,
)
from iadsim.engine import Engine, build_world
from iadsim.engine.state import FLYING
from iadsim.engine.world import World
from iadsim.events import Status, decisions_frame, empty_events, status_frame
from iadsim.network import cached_audit
from iadsim.scenario import InputError, Scenario
from iadsim.tracking.quality import tentative_objects

if TYPE_CHECKING:
    from iadsim.analysis.sweep.budget import WorkSize


def summarise(name: str, metrics: pd.DataFrame, audit_result: dict, seed: int, bounds: dict[str, int]) -> dict:
    """The run's summary: its numbers, and each metric's mean and interval; ``bounds`` the most each bounded count
    can be (:func:`iadsim.analysis.metrics.count_bounds`: its threats and civil aircraft among them)."""
    threats, civil = bounds["threats"], bounds["civil"]
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
    for m in REPLICATION_METRICS:
        stat = mean_ci(metrics[m], metric=m, upper=bounds.get(METRIC_KINDS[m][1]))
        out[f"{m}_mean"] = stat["mean"]
        detail[m] = stat
    derived = derived_metrics(metrics, threats)
    out["leakers_fraction_mean"] = (out["leakers_mean"] / threats) if threats else None
    out["detected_fraction"] = float(np.isfinite(metrics["time_to_first_detection"]).mean()) if len(metrics) else None
    for m in derived.columns:
        detail[m] = mean_ci(derived[m], metric=m, upper=bounds.get(METRIC_KINDS[m][1]))
    detail.update(ratio_metrics(metrics))
    out["p_raid_annihilation"] = detail["p_raid_annihilation"]["mean"]
    out["metrics"] = detail
    return out


SERIES_POINTS = 1000
"""Time samples of a run's time series at most: every ``ceil(K / SERIES_POINTS)``-th step and the last (a chart
shows no more, and the picture reporters cost as much as a step of the engine in a large scenario)."""


class SeriesRecorder:
    """The time-series reporters (:data:`iadsim.analysis.metrics.REPORTERS`) summed over a batch's replications
    at the time samples it keeps (:data:`SERIES_POINTS`; every sample in a run of up to that many). As for
    :class:`StateRecorder`, step ``k`` simulates the window from sample ``k`` to ``k + 1``, so the state after it is
    sample ``k + 1``'s (sample 0: the state the engine starts from); the last sample holds the state at the run's
    end, its time the scenario's duration."""

    def __init__(self, world: World, engine: Engine):
        self.world, self.engine = world, engine
        self.names = REPORTERS.names()
        self._reporters = [REPORTERS[name].of_state for name in self.names]
        n = len(world.times)
        self.steps = np.unique(np.append(np.arange(0, n, -(-n // SERIES_POINTS)), n - 1))
        self._row = np.full(n, -1)
        self._row[self.steps] = np.arange(len(self.steps))
        self.sums = np.zeros((len(self.steps), len(self.names)))
        self.record(0)

    def after_step(self, steps: int) -> None:
        """The engine's ``on_step``: ``steps`` steps done, the state is that of time sample ``steps`` (after the
        last step, the run's end: the last sample's)."""
        self.record(min(steps, len(self.world.times) - 1))

    def record(self, step: int) -> None:
        row = self._row[step]
        if row < 0:
            return
        for j, of_state in enumerate(self._reporters):
            self.sums[row, j] = float(np.sum(of_state(self.world, self.engine.state)))

    def frame(self) -> pd.DataFrame:
        times = self.world.times[self.steps].astype(float)
        times[-1] = max(times[-1], float(self.world.scenario.spec.duration))  # (the run's end)
        return pd.DataFrame({"time": times, "replications": len(self.engine.reps),
                             **{name: self.sums[:, j] for j, name in enumerate(self.names)}})


def target_status(world: World, state, now: float) -> np.ndarray:
    """(R, T) the furthest the network got with each target (:class:`iadsim.events.Status`, UNSEEN to
    IN_PICTURE) at ``now``, the end of the step just simulated: a fire unit holds it as its picture metrics
    count (:func:`iadsim.analysis.metrics.held_by_nodes`)."""
    tracks, table = state.tracks, state.tracks.table
    held = np.isfinite(tracks.confirmed_at)
    out = np.full(held.shape[::2], Status.UNSEEN, np.int8)
    detected = np.zeros(out.shape, bool)
    tentative_objects(table.status, table.truth, table.top, detected)  # (the slots in use only)
    out[detected] = Status.DETECTED
    tracked = np.empty(out.shape, bool)
    is_placed = placed(world, held, tracked)
    out[tracked] = Status.TRACKED
    out[is_placed] = Status.PLACED
    out[held_by_nodes(world, state, slice(0, len(world.fire_ids)), world.latency, now)] = Status.IN_PICTURE
    return out


def unit_status(world: World, state, now: float) -> np.ndarray:
    """(R, U) each unit's :class:`iadsim.events.Status` (READY to RELOADING) at ``now``, the step just
    simulated: down first, then a fire unit's broken chain, missiles in flight, a pending decision, a launcher
    not yet ready."""
    rd, bat, eng = state.readiness, state.batteries, state.engagements
    down = np.where(rd.present, Status.DOWN, Status.AWAY)  # (a relocating unit's other sites: away)
    out = np.where(rd.unit_up, Status.READY, down).astype(np.int8)
    r, t = np.nonzero(eng.phase == FLYING)
    flying = np.zeros(rd.able.shape, bool)  # (R, F): missiles in flight
    flying[r, eng.fire[r, t]] = True
    code = np.select([~rd.able, flying, bat.busy, bat.ready_at > now],
                     [Status.CHAIN_BROKEN, Status.ENGAGING, Status.DECIDING, Status.RELOADING], Status.READY)
    u = world.fire_unit  # (one fire unit per unit)
    out[:, u] = np.where(rd.unit_up[:, u], code, down[:, u])
    return out


class StateRecorder:
    """Each target's and unit's :class:`iadsim.events.Status` at the run's trajectory frames
    (:func:`iadsim.analysis.artifacts.frame_steps`), a row when it changed (every one at the first frame). Step
    ``k`` simulates the window from time sample ``k`` to ``k + 1``: after it the state is that of sample
    ``k + 1``, recorded when that sample is a frame (sample 0: the state the engine starts from). A state
    shorter than the frames' spacing may fall between two frames."""

    def __init__(self, world: World, engine: Engine):
        self.world, self.engine = world, engine
        self.frames = set(frame_steps(len(world.times)).tolist())
        self._last: tuple[np.ndarray, np.ndarray] | None = None
        self._rows: list[np.ndarray] = []
        self.record(0)

    def after_step(self, steps: int) -> None:
        """The engine's ``on_step``: ``steps`` steps done, the state is that of time sample ``steps``."""
        if steps < len(self.world.times):
            self.record(steps)

    def record(self, sample: int) -> None:
        if sample not in self.frames:
            return
        now = float(self.world.times[sample])
        state = self.engine.state
        codes = (target_status(self.world, state, now), unit_status(self.world, state, now))
        reps = np.asarray(self.engine.reps)
        for which, (code, last) in enumerate(zip(codes, self._last or (None, None), strict=True)):
            r, i = np.nonzero(code != last) if last is not None else np.nonzero(np.ones(code.shape, bool))
            rows = np.empty((len(r), 5))
            rows[:, 0], rows[:, 1], rows[:, 4] = reps[r], now, code[r, i]
            rows[:, 2], rows[:, 3] = (-1, i) if which == 0 else (i, -1)
            self._rows.append(rows)
        self._last = codes

    def frame(self) -> pd.DataFrame:
        rows = np.concatenate(self._rows) if self._rows else np.zeros((0, 5))
        order = np.lexsort((rows[:, 3], rows[:, 2], rows[:, 1], rows[:, 0]))
        return status_frame(rows[order])


@dataclass
class RunResult:
    scenario: Scenario
    summary: dict
    metrics: pd.DataFrame
    events: pd.DataFrame
    decisions: pd.DataFrame | None = None
    """With automation (``authority.automation``), every replication's decisions
    (:data:`iadsim.events.DECISION_DTYPES`, ordered by replication, each replication's as they were made); else
    None."""


class RunInterrupted(KeyboardInterrupt):
    """A run stopped by the user; ``partial`` holds its finished batches (None when nothing was written)."""

    def __init__(self, partial: Path | None):
        self.partial = partial
        super().__init__(str(partial) if partial else "")


def simulate(scenario: Scenario, replications: int, seed: int | None = None, out_dir: Path | None = None,
             batch_size: int | None = None, progress=None, notes=None, max_memory: int | None = None,
             workers: int | None = 1, corridors: bool = False, events: bool = True) -> RunResult:
    """Run ``replications`` replications in batches; with ``out_dir``, build a run folder (format 3,
    :mod:`iadsim.analysis.runfolder`) batch by batch and move it into place when complete; ``corridors``: the
    folder also keeps each defended asset's least-exposed corridor (``corridors.json``) for the report.

    ``workers`` (default 1: this process) runs the batches in that many worker processes started once, which
    share the World this process built (forked, where :func:`iadsim.analysis.sweep.executors.fork_is_safe`;
    else started by a fork server and sent the World once each); None uses every CPU, and runs here when
    forking is not safe. ``batch_size`` (default :func:`batch_size_for`: whole batches of at most
    :data:`BATCH_STATE_BYTES` of engine state, as many as the workers or a multiple of them; a resumed run keeps
    its batches). One seed gives the same rows and events whatever the workers and batches: each replication
    draws from its own keyed generator; the events are ordered by replication, then as they happened.

    ``progress(done, total)`` (optional) is called as steps complete, in replication-steps.
    ``notes(text)`` (optional) receives what was recovered or resumed. A run estimated to need more memory
    than ``max_memory`` (default: the machine's) is refused before it starts (:func:`check_run_budget`).
    A run interrupted with Ctrl-C raises
    :class:`RunInterrupted` naming the ``.partial`` folder whose finished batches stay readable; running
    the same command again resumes from them.

    ``events=False`` keeps no events (the result's table is empty; the metrics and summary are the same): for a
    caller that reads only those. A run folder keeps its events whatever this says.
    """
    from iadsim.analysis.runfolder import RunWriter
    from iadsim.analysis.sweep.executors import fork_is_safe

    seed = scenario.spec.seed if seed is None else int(seed)
    events = events or out_dir is not None
    automatic = workers is None
    workers = max(1, min(int(workers or os.cpu_count() or 1), replications))
    if batch_size is None:
        batch_size = resumed_batch_size(out_dir) or batch_size_for(scenario, replications, workers, max_memory)
    workers = min(workers, -(-replications // batch_size))
    check_run_budget(scenario, replications, batch_size, max_memory, workers)  # (before the batches are listed)
    batches = [np.arange(start, min(start + batch_size, replications)) for start in range(0, replications, batch_size)]
    world = build_world(scenario)
    writer = None
    if out_dir is not None:
        writer = RunWriter(Path(out_dir), scenario, seed, replications, batch_size, world, corridors=corridors)
        for text in writer.notes:
            if notes is not None:
                notes(text)
    audit_result = cached_audit(scenario)
    if automatic and not fork_is_safe():
        workers = 1
    n_steps = len(world.times)
    total = replications * n_steps
    results: dict[int, tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]] = {}
    todo = []
    for batch, reps in enumerate(batches):
        kept = writer.read_batch(batch, reps) if writer is not None and batch in writer.finished else None
        if kept is None:
            todo.append(batch)
        else:
            results[batch] = kept[0], kept[1], kept[3]
    done_before = total - sum(len(batches[b]) for b in todo) * n_steps  # (no progress yet: a bar's thread
    # started before the workers are forked would make forking unsafe)

    def finished(batch: int, metrics, events, series, states, decisions) -> None:
        if writer is not None:
            writer.write_batch(batch, metrics, events, series, states, decisions)
        results[batch] = metrics, events, decisions

    try:
        if workers > 1:
            _run_in_workers(world, seed, writer is not None, [(b, batches[b]) for b in todo], workers, finished,
                            None if progress is None else lambda steps: progress(done_before + steps, total), events)
        else:
            for batch in todo:
                finished(batch, *run_batch(world, batches[batch], seed, writer is not None, None if progress is None
                                           else lambda steps, before=done_before: progress(before + steps, total),
                                           events))
                done_before += len(batches[batch]) * n_steps
    except KeyboardInterrupt:
        raise RunInterrupted(writer.partial if writer is not None and writer.finished else None) from None
    metrics = pd.concat([results[b][0] for b in sorted(results)], ignore_index=True)
    events = by_replication(pd.concat([results[b][1] for b in sorted(results)], ignore_index=True)
                            if results else empty_events())
    decisions = None
    if scenario.spec.authority.automation is not None:
        decisions = by_replication(pd.concat([results[b][2] for b in sorted(results)], ignore_index=True)
                                   if results else decisions_frame([]))
    if progress is not None:
        progress(total, total)
    summary = summarise(scenario.name, metrics, audit_result, seed, count_bounds(world))
    if writer is not None:
        writer.finish(summary)
    return RunResult(scenario, summary, metrics, events, decisions)


def by_replication(events: pd.DataFrame) -> pd.DataFrame:
    """The events (or decisions) ordered by replication, each replication's as they happened (a stable sort): the
    same table whichever batches the replications ran in."""
    order = np.argsort(events["replication"].to_numpy(), kind="stable")
    if (order == np.arange(len(order))).all():
        return events
    return events.iloc[order].reset_index(drop=True)


def run_batch(world: World, reps: np.ndarray, seed: int, recorded: bool, progress=None,
              events: bool = True) -> tuple[pd.DataFrame, ...]:
    """Run replications ``reps`` on ``world`` in one engine: (metrics, events, series, states, decisions). The time
    series and the states are what a run folder keeps: recorded only when ``recorded`` (else None; nothing else
    reads them, and the series' picture scores cost the engine's steps about a third as much again). Events: an
    empty table unless ``events``. Decisions: None without automation, ordered by replication.
    ``progress(steps)`` (optional) receives the replication-steps done so far."""
    engine = Engine(world, reps, seed, events=events)
    series = SeriesRecorder(world, engine) if recorded else None
    states = StateRecorder(world, engine) if recorded else None

    def on_step(steps: int) -> None:
        if recorded:
            series.after_step(steps)
            states.after_step(steps)
        if progress is not None:
            progress(steps * len(reps))

    engine.run(on_step)
    decisions = by_replication(engine.decisions) if world.scenario.spec.authority.automation is not None else None
    return (replication_rows(world, engine), engine.events, None if series is None else series.frame(),
            None if states is None else states.frame(), decisions)


BATCH_STATE_BYTES = 1_500_000_000
"""The engine state [bytes] a batch whose size is chosen by :func:`batch_size_for` holds at most (as
:func:`iadsim.analysis.sweep.estimate_batch_bytes` estimates it, which is generous), unless one replication
needs more."""
MAX_BATCH = 500
"""The most replications :func:`batch_size_for` puts in one batch. Each batch costs the engine's per-step work
once (about 1.3 s for an hour at 1 s steps on the reference scenario): 1,000 reference replications on two
workers took about 11.5 s in batches of 500 against 13 s in batches of 250 (2026-12-05). An interrupted run loses at
most its unfinished batches."""


def batch_size_for(scenario: Scenario, replications: int, workers: int = 1, max_memory: int | None = None) -> int:
    """The replications per batch of a run: batches of at most :data:`MAX_BATCH` replications and
    :data:`BATCH_STATE_BYTES` of engine state, and small enough that ``workers`` batches at once fit ``max_memory``
    (default: the machine's; :func:`check_run_budget`'s estimate) where one replication each does; their number a
    multiple of ``workers`` (each worker runs as many) and the batches as equal as whole replications allow. Small
    batches bound the memory; each batch costs the engine's per-step work once, whatever its size."""
    from iadsim.analysis.sweep import memory_budget
    from iadsim.analysis.sweep.budget import work_size

    size = work_size(scenario.spec, scenario.catalog, int(np.prod(scenario.terrain.shape)))
    per = max(1, size.replication_bytes())
    room = memory_budget(max_memory) - size.world_bytes() - kept_bytes(size, replications)
    cap = max(1, min(MAX_BATCH, BATCH_STATE_BYTES // per, room // (per * max(1, workers))))
    rounds = math.ceil(max(math.ceil(replications / cap), workers) / workers)  # batches per worker
    count = max(1, min(rounds * workers, replications))
    return math.ceil(replications / count)


def resumed_batch_size(out_dir: Path | None) -> int | None:
    """The batch size of the interrupted run in ``<out_dir>.partial`` (None: none, or its manifest cannot be
    read; :class:`iadsim.analysis.runfolder.RunWriter` then decides whether it may be resumed)."""
    from iadsim.analysis.runfolder import MANIFEST, partial_folder, read_manifest

    if out_dir is None or not (partial_folder(Path(out_dir)) / MANIFEST).is_file():
        return None
    try:
        return int(read_manifest(partial_folder(Path(out_dir)))["batch_size"])  # checked: a whole number >= 1
    except InputError:
        return None


_WORKER: dict = {}
"""What a worker process of :func:`_run_in_workers` runs batches with: world, seed, recorded, counter, events."""


def _keep_in_worker(world: World, seed: int, recorded: bool, counter, events: bool) -> None:
    _WORKER.update(world=world, seed=seed, recorded=recorded, counter=counter, events=events)


def _worker_batch(job: tuple[int, np.ndarray]) -> tuple:
    """Run one batch (batch, replications) in a worker: (batch, metrics, events, series, states, decisions)."""
    batch, reps = job
    counter, last = _WORKER["counter"], [0]

    def progress(steps: int) -> None:
        with counter.get_lock():
            counter.value += steps - last[0]
        last[0] = steps

    return (batch, *run_batch(_WORKER["world"], reps, _WORKER["seed"], _WORKER["recorded"], progress,
                              _WORKER["events"]))


def _run_in_workers(world: World, seed: int, recorded: bool, todo: list[tuple[int, np.ndarray]], workers: int,
                    finished, progress=None, events: bool = True) -> None:
    """Run batches ``todo`` ((batch, replications)) in ``workers`` local processes started once
    (:class:`iadsim.analysis.sweep.executors.LocalExecutor`; forked ones share the World), with the time series and
    states when ``recorded`` and the events when ``events`` (:func:`run_batch`). Each finished batch
    goes to ``finished(batch, metrics, events, series, states, decisions)`` in this process as it completes;
    ``progress(steps)`` receives the replication-steps done, every half second."""
    import multiprocessing

    from iadsim.analysis.sweep.executors import LocalExecutor, start_method

    method = start_method("auto")  # the counter's lock must come from the workers' context
    counter = multiprocessing.get_context(method).Value("q", 0)
    with LocalExecutor(workers, method, setup=(_keep_in_worker, (world, seed, recorded, counter, events))) as ex:
        pending = {ex.submit(_worker_batch, job) for job in todo}
        while pending:
            done = ex.wait_first(pending, timeout=0.5)  # (it fails if a worker has died)
            pending -= done
            for future in done:
                finished(*future.result())
            if progress is not None:
                progress(counter.get_obj().value)  # (read without its lock: a worker killed holding it keeps it)


ROW_BYTES = 200
"""Memory [bytes] of one replication's metric row as the run keeps it (a generous figure)."""
EVENT_BYTES = 600
"""Memory [bytes] of the events one aircraft causes in one replication (about four events of 150 bytes)."""


def kept_bytes(size: WorkSize, replications: int) -> int:
    """What a run's result keeps in memory [bytes]: every replication's metric row and events (a few per aircraft;
    ``size``: the run's :class:`iadsim.analysis.sweep.budget.WorkSize`, whose ``targets`` are its aircraft)."""
    return replications * (ROW_BYTES + EVENT_BYTES * size.targets)


def check_run_budget(scenario: Scenario, replications: int, batch_size: int, max_memory: int | None = None,
                     workers: int = 1) -> None:
    """Refuse, before anything is allocated, a run whose batches would not fit in memory (``max_memory``, default
    the machine's): InputError naming the fields to change. The estimate is
    :func:`iadsim.analysis.sweep.estimate_batch_bytes`, with one batch's engine state per worker (the World is
    shared)."""
    from iadsim.analysis.sweep import memory_budget
    from iadsim.analysis.sweep.budget import _gb, work_size

    limit = memory_budget(max_memory)
    spec = scenario.spec
    size = work_size(spec, scenario.catalog, int(np.prod(scenario.terrain.shape)))  # estimate_batch_bytes's
    kept = kept_bytes(size, replications)
    batch = min(batch_size, replications)
    need = size.batch_bytes(batch) + (workers - 1) * batch * size.replication_bytes() + kept
    if need > limit:
        steps = int(spec.duration / spec.step) + 1
        if kept > limit / 2:
            raise InputError("--replications", f"{replications:,} replications would keep about {_gb(kept)} "
                             f"of results in memory, more than the {_gb(limit)} available: run fewer "
                             "replications (or a sweep, which streams them to disk)")
        raise InputError(scenario.path, f"this run needs about {_gb(need)} ({steps:,} steps x {size.targets:,} "
                         f"aircraft), more than the {_gb(limit)} available: lengthen 'step', shorten "
                         f"'duration' or fly fewer aircraft{' (or run fewer --workers)' if workers > 1 else ''}",
                         None, ("step",))
