"""A run folder read back: summary, audit, per-replication metrics, events, and (lazily) the scenario and world.

A run folder is what :func:`iadsim.analysis.simulate` writes: ``summary.json``, ``audit.json``,
``metrics.parquet``, ``events.parquet`` and ``scenario.yaml``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from iadsim.analysis.montecarlo import EVENT_COLUMNS, METRICS

DEFAULT_TIME_OF_FLIGHT = 10.0
"""Seconds a missile is drawn in flight when a launch event does not give its time of flight."""


@dataclass
class Run:
    """One run folder. ``scenario``, ``world`` and ``coverage`` are computed on first use (each takes seconds)."""

    path: Path
    summary: dict
    audit: dict
    metrics: pd.DataFrame
    events: pd.DataFrame

    @property
    def name(self) -> str:
        return str(self.summary.get("name", self.path.name))

    @cached_property
    def scenario(self):
        """The scenario copied into the run folder (relative terrain paths resolve against the folder)."""
        from iadsim.scenario import load_scenario

        return load_scenario(self.path / "scenario.yaml")

    @cached_property
    def world(self):
        """The engine's world of the scenario (flight paths, detections): what a replay needs."""
        from iadsim.engine import build_world

        return build_world(self.scenario)

    @cached_property
    def coverage(self):
        """The network's coverage maps (:func:`iadsim.analysis.coverage.coverage_maps`: line of sight, range,
        sector and Pd >= 0.5 per look, at the default bands against the scenario's threat types)."""
        from iadsim.analysis.coverage import coverage_maps

        return coverage_maps(self.scenario)

    def typical_replication(self) -> int:
        """The replication whose leakers are closest to the mean (the lowest such index): the one to replay."""
        if self.metrics.empty or "leakers" not in self.metrics:
            return int(self.events["replication"].min()) if not self.events.empty else 0
        leakers = self.metrics["leakers"].to_numpy(dtype=float)
        order = np.lexsort((self.metrics["replication"].to_numpy(), np.abs(leakers - leakers.mean())))
        return int(self.metrics["replication"].iloc[order[0]])


def load_run(run_dir: str | Path) -> Run:
    """Read a run folder; ``FileNotFoundError`` if it has no ``summary.json``."""
    path = Path(run_dir)
    summary_file = path / "summary.json"
    if not summary_file.is_file():
        raise FileNotFoundError(f"{path}: not a run folder (no summary.json); write one with `iadsim simulate`")
    summary = json.loads(summary_file.read_text(encoding="utf-8"))
    audit_file = path / "audit.json"
    audit = json.loads(audit_file.read_text(encoding="utf-8")) if audit_file.is_file() else {"fire_units": []}
    metrics = _read_parquet(path / "metrics.parquet", ("replication", *METRICS))
    events = _read_parquet(path / "events.parquet", EVENT_COLUMNS)
    return Run(path, summary, audit, metrics, events)


def _read_parquet(file: Path, columns) -> pd.DataFrame:
    if file.is_file():
        return pd.read_parquet(file)
    return pd.DataFrame(columns=list(columns))


def time_of_flight(detail: str) -> float:
    """The time of flight [s] in a launch event's detail ("1 missile(s), time of flight 8.8 s")."""
    match = re.search(r"time of flight\s+([0-9.]+)\s*s", detail or "")
    return float(match.group(1)) if match else DEFAULT_TIME_OF_FLIGHT
