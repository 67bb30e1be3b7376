"""Running a sweep (:func:`run_sweep`): the scheduler submits work units to an executor (:mod:`.executors`)
as workers free up, writes each unit's rows as it completes (:mod:`.store`), and decides the
confidence-interval stopping rule (:class:`StopSpec`) on complete stages of batches only, so results do not
depend on the executor, the number of workers or the order units complete in. Progress is reported after
every unit (:class:`SweepProgress`, :func:`rich_progress`); the outcome is a :class:`SweepResult`.
"""

from __future__ import annotations

import math
import os
import time
import warnings
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from iadsim.analysis.metrics import METRICS as REGISTRY
from iadsim.analysis.metrics import REPLICATION_METRICS as METRICS
from iadsim.analysis.metrics import mean_ci, summarise_groups
from iadsim.analysis.sweep import store
from iadsim.analysis.sweep.budget import WORKERS_PER_CPU, _gb, check_budget, memory_budget, worker_bytes
from iadsim.analysis.sweep.designs import point_error, point_label
from iadsim.analysis.sweep.executors import (
    DaskExecutor,
    Executor,
    LocalExecutor,
    UnitFailed,
    WorkUnit,
    make_executor,
    run_unit,
    variant_keys,
)
from iadsim.analysis.sweep.folder import _make_folder, _prepare
from iadsim.analysis.sweep.load import load_sweep
from iadsim.analysis.sweep.spec import StopSpec, Sweep, SweepWarning

# ---------------------------------------------------------------------------------------------- running


@dataclass(frozen=True)
class SweepProgress:
    """Passed to the progress callback after every completed work unit."""

    points_done: int
    points_total: int
    replications_done: int  # including those found on disk when resuming
    replications_planned: int  # grows when the stopping rule asks for more
    replications_run: int  # by this invocation
    elapsed: float  # seconds, this invocation

    @property
    def rate(self) -> float:
        """Replications per second in this invocation."""
        return self.replications_run / self.elapsed if self.elapsed > 0 else 0.0


@dataclass
class SweepResult:
    out_dir: Path
    points: pd.DataFrame
    summary: pd.DataFrame  # per point: factor values, n, mean and 95 % CI of every reported metric
    units_run: int
    units_skipped: int
    replications_run: int
    seconds: float  # wall time of this invocation
    compute_seconds: float  # summed over work units, inside the workers (world build and engine)


class _PointPlan:
    """Which batches of one point to run: all of them (fixed replications), or stages decided by the
    confidence-interval rule, each decided only on complete earlier stages (so the same on every run)."""

    def __init__(self, total: int, batch: int, stop: StopSpec | None):
        self.batch, self.stop = batch, stop
        self.cap = stop.max if stop else total
        self.planned = self._batches(stop.min if stop else total)
        self.finished = stop is None
        self.values: dict[int, np.ndarray] = {}

    def _batches(self, reps: int) -> int:
        return math.ceil(min(reps, self.cap) / self.batch)

    def reps(self, b: int) -> tuple[int, int]:
        return b * self.batch, min((b + 1) * self.batch, self.cap)

    @property
    def planned_reps(self) -> int:
        return self.reps(self.planned - 1)[1] if self.planned else 0

    def decide(self) -> int:
        """Called when every planned batch is complete: plan more batches (returns how many) or finish."""
        x = np.concatenate([self.values[b] for b in range(self.planned)])
        x = x[np.isfinite(x)]
        n = self.planned_reps
        if n >= self.cap:
            self.finished = True
            return 0
        half = ci_half_width(x, self.stop.confidence, self.stop.metric)
        if half is not None and half <= self.stop.half_width:
            self.finished = True
            return 0
        # next stage: the replications a normal approximation says are needed, at least one batch more,
        # at most double (a noisy early variance estimate must not jump to max)
        need = n + self.batch
        if half is not None and half > 0:
            need = max(need, math.ceil(n * (half / self.stop.half_width) ** 2))
        new = self._batches(min(need, 2 * n)) - self.planned
        new = max(new, 1)
        self.planned += new
        return new


def ci_half_width(values, confidence: float = 0.95, metric: str | None = None) -> float | None:
    """The half-width of the finite values' confidence interval, the one the summary gives ``metric``
    (:func:`iadsim.analysis.metrics.mean_ci`); None for fewer than 2 values, or an unbounded one: no estimate."""
    stat = mean_ci(values, confidence, metric=metric)
    return stat["half_width"] if stat["n"] >= 2 else None


def run_sweep(sweep: Sweep | str | Path, out_dir: str | Path, executor: str | object = "local",
              workers: int | None = None, scheduler: str | None = None,
              progress: Callable[[SweepProgress], None] | None = None, max_units: int | None = None,
              max_memory: int | str | None = None) -> SweepResult:
    """Run (or resume) a sweep into `out_dir`; every work unit is written as it completes.

    `executor` is 'local' (processes, forked where that is safe; `workers` default os.cpu_count()), 'dask'
    (`scheduler` address, or a LocalCluster of `workers` processes), 'serial', or an executor object (e.g.
    ``LocalExecutor(2, start_method='spawn')``, ``DaskExecutor(client=c)``; anything with the
    :class:`~iadsim.analysis.sweep.executors.Executor` protocol).
    `max_units` stops after that many units have been run (to test resuming). `max_memory` (bytes, or
    text such as '4GB'; default the machine's memory) bounds the biggest work unit (InputError naming the
    field to change) and the local executor's workers together (fewer workers, with a SweepWarning).

    The folder is locked for the run (:class:`~iadsim.analysis.sweep.store.FolderLock`); an existing folder is
    used only when it is empty or holds this very sweep (its ``points.json`` has the same fingerprint).
    Folder problems (a file, read-only, another sweep's results, damaged results files) are InputErrors.
    """
    sweep = sweep if isinstance(sweep, Sweep) else load_sweep(sweep, max_memory)
    if max_memory is not None:
        check_budget(sweep, max_memory)
    out_dir = Path(out_dir)
    ex = make_executor(executor, workers, scheduler)
    _fit_workers(ex, sweep, memory_budget(max_memory), max_memory is not None)
    _make_folder(out_dir)
    with store.FolderLock(out_dir) as lock:
        if lock.previous:
            warnings.warn(f"{out_dir}: took over the lock of an earlier sweep ({lock.previous}) that ended without "
                          "releasing it (killed?)", SweepWarning, stacklevel=2)
        _prepare(sweep, out_dir)
        return _Scheduler(sweep, out_dir, progress).run(ex, max_units)


# ---------------------------------------------------------------------------------------------- the scheduler


class _Scheduler:
    """Runs the work units of one sweep into its (locked, prepared) folder and summarises a complete sweep.

    Per point a :class:`_PointPlan` says which batches to run. What to run next is a queue of (point, lazy
    iterator over the batches it still misses) taken from the left: a :class:`WorkUnit` is made only when it
    is submitted, so memory does not grow with the number of batches. Batches already on disk are skipped and
    the stopping rule's decisions over them replayed, so a resumed sweep runs the batches a whole run would
    have. At most ``2 x workers + 2`` units are in flight; the executor is used only through
    :class:`~iadsim.analysis.sweep.executors.Executor`.
    """

    def __init__(self, sweep: Sweep, out_dir: Path, progress: Callable[[SweepProgress], None] | None):
        self.sweep, self.out_dir, self.progress = sweep, out_dir, progress
        self.factors = _factor_frame(sweep)  # factor columns per point, with the results files' dtypes
        self.stop = sweep.spec.stop
        self.plans = [_PointPlan(sweep.spec.replications or 0, sweep.batch_size(), self.stop) for _ in sweep.points]
        self.on_disk: dict[int, set[int]] = {}  # per point: the batches written
        for p, b in store.completed_units(out_dir):
            self.on_disk.setdefault(p, set()).add(b)
        self.started = time.perf_counter()
        self.pending: deque[tuple[int, Iterator[int]]] = deque()  # per point (or stage): the batches to run
        self.remaining = [0] * len(sweep.points)  # per point: batches queued or running, not yet written
        self.units_run = self.units_skipped = self.reps_run = self.reps_done = 0
        self.compute = 0.0  # seconds summed over the units run, inside the workers
        self._keys: tuple[int, tuple[str, str]] = (-1, ("", ""))  # the last point's cache keys
        self._said = {self._unlined(note) for note in sweep.base_notes}  # the warnings said so far
        for p in range(len(sweep.points)):
            self._advance(p, 0)
        if not all(self._finished(p) for p in range(len(self.plans))):
            # a summary.json left by a finished run whose results files went missing would say complete until
            # this run finishes (an interrupted one never would): it goes, and is written again once every point
            # is finished
            (out_dir / store.SUMMARY).unlink(missing_ok=True)

    def run(self, executor: Executor, max_units: int | None) -> SweepResult:
        """Submit units as workers free up and record each as it completes, until none is left (or
        `max_units` have run); on an error, leaving the executor cancels the units not yet run."""
        self._report()
        with executor as ex:
            limit = 2 * getattr(ex, "workers", 1) + 2
            inflight: dict = {}
            while True:  # (an error leaves the executor, which cancels what it has not run)
                while len(inflight) < limit and (max_units is None or self.units_run + len(inflight) < max_units):
                    unit = self._next_unit()
                    if unit is None:
                        break
                    inflight[ex.submit(run_unit, unit)] = unit
                if not inflight:
                    break
                for future in ex.wait_first(list(inflight)):
                    inflight.pop(future)
                    self._record(future)
        return self._result()

    def _unit(self, p: int, b: int) -> WorkUnit:
        start, stop = self.plans[p].reps(b)
        point, base = self.sweep.points[p], str(self.sweep.base_path)
        if self._keys[0] != p:
            self._keys = (p, variant_keys(base, point.data, self.sweep.inputs))
        return WorkUnit(p, b, start, stop, point.seed, point.data, base, *self._keys[1])

    def _missing(self, p: int, first: int, last: int) -> Iterator[int]:
        return (b for b in range(first, last) if b not in self.on_disk.get(p, ()))

    def _advance(self, p: int, first: int, front: bool = False) -> None:
        """Queue the point's missing batches from `first`; replay decisions over batches already on disk."""
        plan, stop = self.plans[p], self.stop
        while True:
            have = sorted(b for b in self.on_disk.get(p, ()) if first <= b < plan.planned)
            for b in have:
                if stop is not None and b not in plan.values:
                    plan.values[b] = store.read_unit(self.out_dir, p, b, [stop.metric])[stop.metric].to_numpy(float)
                self.units_skipped += 1
                self.reps_done += plan.reps(b)[1] - plan.reps(b)[0]
            todo = plan.planned - first - len(have)
            if todo or plan.finished:
                if todo:
                    self.remaining[p] += todo
                    run = (p, self._missing(p, first, plan.planned))
                    if front:  # a later stage of a started point: before points not yet started
                        self.pending.appendleft(run)
                    else:
                        self.pending.append(run)
                return
            first = plan.planned
            plan.decide()

    def _next_unit(self) -> WorkUnit | None:
        while self.pending:
            p, batches = self.pending[0]
            b = next(batches, None)
            if b is not None:
                return self._unit(p, b)
            self.pending.popleft()
        return None

    def _record(self, future) -> None:
        """Write a completed unit's rows; when they complete a stage of the point, apply the stopping rule."""
        try:
            p, b, frame, seconds, notes = future.result()
        except UnitFailed as exc:
            raise point_error(self.sweep, exc.point, self.sweep.points[exc.point].values, exc.error) from None
        self._say(p, notes)
        rows = _rows(frame, p, self.factors)
        store.write_unit(self.out_dir, p, b, rows)
        self.on_disk.setdefault(p, set()).add(b)
        self.remaining[p] -= 1
        self.units_run += 1
        self.compute += seconds
        self.reps_run += len(rows)
        self.reps_done += len(rows)
        plan = self.plans[p]
        if self.stop is not None:
            plan.values[b] = rows[self.stop.metric].to_numpy(dtype=float)
            if not self.remaining[p] and not plan.finished:
                first = plan.planned
                plan.decide()
                self._advance(p, first, front=True)  # finish started points first
        self._report()

    def _say(self, p: int, notes: tuple[tuple[type[Warning], str], ...]) -> None:
        """The warnings a worker's build of point ``p`` gave ((category, text)), each said once per sweep in its own
        category (those loading the base gave were said then), naming the point whose results brought it first
        (with several workers, which one that is may vary)."""
        for category, note in notes:
            key = self._unlined(note)
            if key not in self._said:
                self._said.add(key)
                warnings.warn(f"point {p} ({point_label(self.sweep.points[p].values)}): {note}", category,
                              stacklevel=2)

    def _unlined(self, note: str) -> str:
        """``note`` without the base file's line number (a worker builds a point from its data, without lines)."""
        base = str(self.sweep.base_path)
        if note.startswith(base + ":"):
            line, colon, rest = note[len(base) + 1:].partition(": ")
            if colon and line.isdigit():
                return f"{base}: {rest}"
        return note

    def _finished(self, p: int) -> bool:
        return self.plans[p].finished and not self.remaining[p]

    def _report(self) -> None:
        if self.progress is not None:
            finished = sum(1 for p in range(len(self.plans)) if self._finished(p))
            planned = sum(plan.planned_reps for plan in self.plans)
            self.progress(SweepProgress(finished, len(self.plans), self.reps_done, planned, self.reps_run,
                                        time.perf_counter() - self.started))

    def _result(self) -> SweepResult:
        """The result of this invocation; summary.json and the summary when every point is finished."""
        sweep, out_dir = self.sweep, self.out_dir
        complete = all(self._finished(p) for p in range(len(self.plans)))
        summary = summarise_sweep(out_dir, sweep.metrics) if complete else pd.DataFrame()
        if complete:
            store.write_json(out_dir / store.SUMMARY, {"name": sweep.name, "complete": True,
                                                       "points": summary.to_dict(orient="records")})
        return SweepResult(out_dir, store.points_frame(out_dir), summary, self.units_run, self.units_skipped,
                           self.reps_run, time.perf_counter() - self.started, self.compute)


# ---------------------------------------------------------------------------------------------- results


_DTYPES = {"float": "float64", "int": "Int64", "bool": "boolean", "string": "string"}


def _factor_frame(sweep: Sweep) -> pd.DataFrame:
    """Factor columns per point, with fixed dtypes so every Parquet file has the same schema."""
    rows = {f.name: [p.values[f.name] for p in sweep.points] for f in sweep.factors}
    frame = pd.DataFrame({name: pd.array([None if v is None else (str(v) if f.kind == "string" else v)
                                          for v in rows[name]], dtype=_DTYPES[f.kind])
                          for f, name in ((f, f.name) for f in sweep.factors)})
    frame.index.name = "point"
    return frame


def _rows(metrics: pd.DataFrame, point: int, factors: pd.DataFrame) -> pd.DataFrame:
    n = len(metrics)
    out = {"point": np.full(n, point, dtype=np.int64), "replication": metrics["replication"].to_numpy(np.int64)}
    for name in factors.columns:
        out[name] = pd.array([factors[name].iloc[point]] * n, dtype=factors[name].dtype)
    for m in METRICS:  # (an optional metric is NaN at a point that lacks it - a layer a factor empties - so always
        x = np.asarray(metrics[m])  # float: the results files of one sweep share one schema)
        out[m] = x.astype(np.float64) if x.dtype.kind == "f" or REGISTRY[m].optional else x.astype(np.int64)
    return pd.DataFrame(out)


def summarise_sweep(out_dir: str | Path, metrics: list[str] | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Per point: the factor values, replications and mean / CI bounds / half-width of each metric."""
    meta = store.read_points(out_dir)
    metrics = list(metrics or meta.get("metrics") or METRICS)
    results = store.load_results(out_dir, columns=["point", *metrics])
    factors = store.points_frame(out_dir).drop(columns=["seed"])
    return factors.merge(summarise_groups(results, ["point"], metrics, confidence), on="point", how="right")


# ---------------------------------------------------------------------------------------------- progress


@contextmanager
def rich_progress(console=None) -> Iterator[Callable[[SweepProgress], None]]:
    """A progress callback drawing points done, replications per second and the time remaining with rich."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (TextColumn("{task.description:<12}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn())
    with Progress(*columns, console=console) as bar:
        points = bar.add_task("points", total=None, rate="")
        reps = bar.add_task("replications", total=None, rate="")

        def update(p: SweepProgress) -> None:
            bar.update(points, completed=p.points_done, total=p.points_total)
            bar.update(reps, completed=p.replications_done, total=p.replications_planned,
                       rate=f"{p.rate:,.1f} rep/s")

        yield update


def _fit_workers(ex: object, sweep: Sweep, budget: int, given: bool) -> None:
    """Fewer worker processes on this machine -- the local executor's, or the LocalCluster a DaskExecutor
    starts for itself -- when all of them at their peak would not fit in memory, and at most
    :data:`WORKERS_PER_CPU` per CPU; a SweepWarning says so. Workers of a cluster given by its scheduler or
    client are not this machine's to fit."""
    if isinstance(ex, LocalExecutor) and ex.pool is None:
        asked, attr, what = ex.workers, "workers", "worker processes"
    elif isinstance(ex, DaskExecutor) and ex.client is None and not ex.scheduler:
        asked, attr, what = int(ex.n_workers or os.cpu_count() or 1), "n_workers", "local Dask workers"
    else:
        return
    cpus = os.cpu_count() or 1
    by_memory = max(1, budget // worker_bytes(sweep))
    fit = min(by_memory, WORKERS_PER_CPU * cpus)
    if asked > fit:
        if by_memory <= WORKERS_PER_CPU * cpus:
            source = "--max-memory" if given else "this machine's memory"
            why = f"each needs about {_gb(worker_bytes(sweep))} at its peak and {source} is {_gb(budget)}"
        else:
            why = f"at most {WORKERS_PER_CPU} per CPU are started and this machine has {cpus}"
        warnings.warn(f"running {fit} {what} instead of {asked}: {why}", SweepWarning, stacklevel=3)
        setattr(ex, attr, fit)
