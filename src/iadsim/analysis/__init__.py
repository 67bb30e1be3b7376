"""Monte Carlo runs, metrics with confidence intervals, sweeps and the results store."""

from iadsim.analysis.montecarlo import METRICS, RunResult, mean_ci, simulate

__all__ = ["METRICS", "RunResult", "mean_ci", "simulate"]
