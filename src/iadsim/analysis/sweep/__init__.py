"""Parameter sweeps: a sweep file names a base scenario, factors addressed by field path and a design;
every point (the base with the factor values applied, re-validated) runs replications in work units of
(point, batch of replication indices) on local processes or a Dask cluster.

Results do not depend on the executor or the number of workers: replication r of point p draws its random
numbers from the engine's keyed generator with the point seed
``SeedSequence(sweep seed, spawn_key=(p,))`` (or the sweep seed itself for every point with
``common_random_numbers: true``), and the confidence-interval stopping rule decides only on complete
stages of batches. Each work unit is written as one Parquet file as soon as it completes
(:mod:`iadsim.analysis.sweep.store`); rerunning an interrupted sweep skips the units already written.

A sweep file::

    base: airbase-as-designed.yaml      # relative to the sweep file
    design: grid                        # grid | list | random | lhs | sobol | oat
    factors:
      - {path: "units[lr-fcr].readiness.availability", values: [0.5, 0.9]}
      - {path: authority.decision_time.median, values: [5, 30], unit: s}
    replications: 200                   # or stop: {metric: leakers, half_width: 0.2, min: 30, max: 2000, batch: 50}
    seed: 1
    metrics: [leakers, wrongful_engagements]

Limits checked before anything is built or run (each refused with the field to change):
:data:`MAX_POINTS` design points, :data:`MAX_REPLICATIONS` replications and :data:`MAX_WORK_UNITS` work
units in all, and the memory of the biggest work unit (:func:`estimate_batch_bytes`) against the machine's
memory or ``max_memory``. Work units are made one at a time as they are submitted; worker processes on this
machine are fitted to its memory and CPUs (:data:`WORKERS_PER_CPU`).

A sweep folder is used by one sweep at a time (a lock file naming the holder's PID) and is adopted only
when its ``points.json`` carries the same fingerprint: the design, seeds and run plan, the sha256 of every
catalog and terrain file the points read, and the iadsim version. Local worker processes exit when the
sweep's main process dies, even by ``kill -9``.

The package, by job (every public name is re-exported here, so ``from iadsim.analysis.sweep import X``
works for all of them):

:mod:`.spec`
    the sweep file's models, the field-path grammar, the loaded sweep (:class:`Sweep`, its factors and
    points), the checks of the spec and the sha256 of the files the points read;
:mod:`.load`
    :func:`load_sweep`: the file read, checked against the budgets and every point built;
:mod:`.designs`
    the design's points: factor values (:func:`sample_design`), seeds (:func:`point_seed`), scenarios;
:mod:`.budget`
    the limits above and the memory of work units and of worker processes (:class:`WorkSize`);
:mod:`.executors`
    work units (:class:`WorkUnit`, :func:`run_unit`) and the executors that run them, all behind the
    :class:`Executor` protocol;
:mod:`.folder`
    the sweep folder made, adopted by fingerprint or refused, and ``points.json`` written;
:mod:`.scheduling`
    :func:`run_sweep`: the scheduler, the stopping rule, progress and the :class:`SweepResult`;
:mod:`.store`
    the results store: one Parquet file per work unit, the folder's lock, DuckDB queries.
"""

from iadsim.analysis.sweep import store
from iadsim.analysis.sweep.budget import (
    MAX_POINTS,
    MAX_REPLICATIONS,
    MAX_WORK_UNITS,
    WORKER_BASE_BYTES,
    WORKERS_PER_CPU,
    WorkSize,
    check_budget,
    design_size,
    estimate_batch_bytes,
    machine_memory,
    memory_budget,
    parse_memory,
    work_size,
    worker_bytes,
)
from iadsim.analysis.sweep.designs import (
    level_text,
    point_error,
    point_seed,
    sample_design,
)
from iadsim.analysis.sweep.executors import (
    CONNECT_TIMEOUT,
    DaskExecutor,
    Executor,
    LocalExecutor,
    SerialExecutor,
    UnitFailed,
    WorkUnit,
    die_with_parent,
    make_executor,
    run_unit,
)
from iadsim.analysis.sweep.load import (
    load_sweep,
)
from iadsim.analysis.sweep.scheduling import (
    SweepProgress,
    SweepResult,
    ci_half_width,
    rich_progress,
    run_sweep,
    summarise_sweep,
)
from iadsim.analysis.sweep.spec import (
    DEFAULT_METRICS,
    DESIGNS,
    RESERVED_COLUMNS,
    SAMPLED,
    Factor,
    FactorSpec,
    Point,
    StopSpec,
    Sweep,
    SweepSpec,
    SweepWarning,
    Value,
    input_hashes,
    sweep_inputs,
)
from iadsim.scenario.paths import parse_path, resolve_path, set_at

__all__ = [
    "CONNECT_TIMEOUT",
    "DEFAULT_METRICS",
    "DESIGNS",
    "DaskExecutor",
    "Executor",
    "Factor",
    "FactorSpec",
    "LocalExecutor",
    "MAX_POINTS",
    "MAX_REPLICATIONS",
    "MAX_WORK_UNITS",
    "Point",
    "RESERVED_COLUMNS",
    "SAMPLED",
    "SerialExecutor",
    "StopSpec",
    "Sweep",
    "SweepProgress",
    "SweepResult",
    "SweepSpec",
    "SweepWarning",
    "UnitFailed",
    "Value",
    "WORKERS_PER_CPU",
    "WORKER_BASE_BYTES",
    "WorkSize",
    "WorkUnit",
    "check_budget",
    "ci_half_width",
    "design_size",
    "die_with_parent",
    "estimate_batch_bytes",
    "input_hashes",
    "level_text",
    "load_sweep",
    "machine_memory",
    "make_executor",
    "memory_budget",
    "parse_memory",
    "parse_path",
    "point_error",
    "point_seed",
    "resolve_path",
    "rich_progress",
    "run_sweep",
    "run_unit",
    "sample_design",
    "set_at",
    "store",
    "summarise_sweep",
    "sweep_inputs",
    "work_size",
    "worker_bytes",
]
