"""Monte Carlo runs, metrics with confidence intervals, sweeps and the results store.

The names below are imported on first use (PEP 562), so that importing one module of this package (the
report imports the run folder readers and the metric registry) does not import the engine with it.
"""

from __future__ import annotations

import importlib

_WHERE = {
    "METRICS": "metrics", "REPLICATION_METRICS": "metrics", "Metric": "metrics", "REPORTERS": "metrics",
    "mean_ci": "metrics",
    "RunResult": "montecarlo", "simulate": "montecarlo",
    "oversight_table": "sensitivity", "sobol_analyze": "sensitivity", "sobol_indices": "sensitivity",
    "sobol_sample": "sensitivity", "tornado": "sensitivity",
    **{name: "sweep" for name in ("DaskExecutor", "LocalExecutor", "SerialExecutor", "Sweep", "SweepProgress",
                                  "SweepResult", "SweepWarning", "estimate_batch_bytes", "load_sweep",
                                  "parse_memory", "rich_progress", "run_sweep", "summarise_sweep")},
    "load_results": "sweep.store", "query": "sweep.store",
    "pareto_front": "tradeoff", "tradeoff_table": "tradeoff", "parse_tradeoff": "tradeoff",
    "ratio_interval": "intervals",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
