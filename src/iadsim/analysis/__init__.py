"""Monte Carlo runs, metrics with confidence intervals, sweeps and the results store."""

from iadsim.analysis.montecarlo import METRICS, RunResult, mean_ci, simulate
from iadsim.analysis.sensitivity import oversight_table, sobol_analyze, sobol_indices, sobol_sample, tornado
from iadsim.analysis.sweep import (
    DaskExecutor,
    LocalExecutor,
    SerialExecutor,
    Sweep,
    SweepProgress,
    SweepResult,
    SweepWarning,
    estimate_batch_bytes,
    load_sweep,
    parse_memory,
    rich_progress,
    run_sweep,
    summarise_sweep,
)
from iadsim.analysis.sweep.store import load_results, query

__all__ = [
    "METRICS",
    "DaskExecutor",
    "LocalExecutor",
    "RunResult",
    "SerialExecutor",
    "Sweep",
    "SweepProgress",
    "SweepResult",
    "SweepWarning",
    "load_results",
    "estimate_batch_bytes",
    "load_sweep",
    "mean_ci",
    "oversight_table",
    "parse_memory",
    "query",
    "rich_progress",
    "run_sweep",
    "simulate",
    "sobol_analyze",
    "sobol_indices",
    "sobol_sample",
    "summarise_sweep",
    "tornado",
]
