"""A run folder read back: summary, audit, per-replication metrics, events, and (lazily) the scenario and world.

A run folder is what :func:`iadsim.analysis.simulate` writes (format 2, :mod:`iadsim.analysis.runfolder`):
everything here is read from the folder alone - its manifest, its copy of the scenario and catalogs and its
terrain crop - never from the paths the original scenario named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from iadsim.analysis import runfolder
from iadsim.analysis.montecarlo import METRICS
from iadsim.analysis.runfolder import RunFolderError
from iadsim.scenario.yamlio import read_json

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
    manifest: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.summary.get("name", self.path.name))

    @cached_property
    def _scenario_and_exact(self):
        return runfolder.load_scenario_of(self.path, self.manifest)

    @property
    def scenario(self):
        """The scenario as stored in the run folder, with its stored catalogs and terrain crop."""
        return self._scenario_and_exact[0]

    @property
    def terrain_exact(self) -> bool:
        """False when the stored terrain is downsampled: display only, nothing numeric is computed from it."""
        return self._scenario_and_exact[1]

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

        if not self.terrain_exact:
            raise RunFolderError(self.path, "its terrain is stored downsampled (display only), so coverage is not "
                                 "recomputed from it: run `iadsim coverage` on the original scenario")
        return coverage_maps(self.scenario)

    def typical_replication(self) -> int:
        """The replication whose leakers are closest to the mean (the lowest such index): the one to replay."""
        if self.metrics.empty or "leakers" not in self.metrics:
            return int(self.events["replication"].min()) if not self.events.empty else 0
        leakers = self.metrics["leakers"].to_numpy(dtype=float)
        order = np.lexsort((self.metrics["replication"].to_numpy(), np.abs(leakers - leakers.mean())))
        return int(self.metrics["replication"].iloc[order[0]])


def load_run(run_dir: str | Path) -> Run:
    """Read a run folder; :class:`RunFolderError` (an InputError: exit 2) when it is missing, of another
    format version, incomplete or tampered with."""
    path = Path(run_dir)
    if not path.is_dir():
        raise RunFolderError(path, "not a run folder (not found or not a folder); write one with `iadsim simulate "
                             "--out`")
    manifest = runfolder.read_manifest(path)
    if not manifest["complete"]:
        raise RunFolderError(path, "is an unfinished run (its finished batches are readable, but it has no "
                             "summary); run `iadsim simulate` again to complete it")
    summary = read_json(path / "summary.json", what="run summary")
    audit = read_json(path / "audit.json", what="run audit")
    problem = _summary_problem(summary) or _audit_problem(audit)
    if problem:
        raise RunFolderError(path / problem[0], problem[1])
    metrics, events = runfolder.read_batches(path, manifest, ("replication", *METRICS))
    return Run(path, summary, audit, metrics, events, manifest)


def _number_or_none(value) -> bool:
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))


def _summary_problem(summary) -> tuple[str, str] | None:
    where = "summary.json"
    if not isinstance(summary, dict):
        return where, "is not a mapping"
    if not isinstance(summary.get("name"), str):
        return where, "name: expected text"
    for key in ("replications", "threats", "civil_aircraft", "fire_units", "fire_units_able", "seed"):
        if key in summary and (isinstance(summary[key], bool) or not isinstance(summary[key], int)):
            return where, f"{key}: expected a whole number"
    metrics = summary.get("metrics", {})
    if not isinstance(metrics, dict):
        return where, "metrics: expected a mapping"
    for name, stat in metrics.items():
        if not isinstance(stat, dict) or "mean" not in stat or not _number_or_none(stat.get("mean")):
            return where, f"metrics.{name}: expected a mean"
        if "n" in stat and not _number_or_none(stat["n"]):
            return where, f"metrics.{name}.n: expected a number"
        ci = stat.get("ci95")
        if not (isinstance(ci, list) and len(ci) == 2 and all(_number_or_none(v) for v in ci)):
            return where, f"metrics.{name}.ci95: expected two numbers"
    return None


def _audit_problem(audit) -> tuple[str, str] | None:
    where = "audit.json"
    if not isinstance(audit, dict) or not isinstance(audit.get("fire_units", []), list):
        return where, "expected a mapping with a list of fire_units"
    for unit in audit.get("fire_units", []):
        if not isinstance(unit, dict) or not isinstance(unit.get("reasons", []), list) or not _number_or_none(
                unit.get("readiness")):
            return where, "fire_units: expected a mapping per unit"
    return None


def time_of_flight(detail: str) -> float:
    """The time of flight [s] in a launch event's detail ("1 missile(s), time of flight 8.8 s")."""
    match = re.search(r"time of flight\s+([0-9.]+)\s*s", detail or "")
    return float(match.group(1)) if match else DEFAULT_TIME_OF_FLIGHT
