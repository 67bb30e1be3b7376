"""A run folder read back: summary, audit, per-replication metrics, typed events, and (lazily) the scenario,
entities, trajectories, coverage and time series.

A run folder is what :func:`iadsim.analysis.simulate` writes (format 3, :mod:`iadsim.analysis.runfolder`):
everything here is read from the folder alone - its manifest, its copy of the scenario and catalogs and its
terrain crop - never from the paths the original scenario named.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr, ValidationError

from iadsim.analysis import artifacts, runfolder
from iadsim.analysis.metrics import METRICS, replication_names
from iadsim.analysis.runfolder import RunFolderError
from iadsim.scenario.yamlio import InputError, read_json


@dataclass
class Run:
    """One run folder. ``scenario``, ``trajectories`` and ``coverage`` are read on first use."""

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
    def entities(self) -> dict:
        """The units and targets the events' indices name (``entities.json``)."""
        return artifacts.read_entities(self.path)

    @property
    def unit_ids(self) -> list[str]:
        return [u["id"] for u in self.entities["units"]]

    @cached_property
    def trajectories(self) -> artifacts.Trajectories:
        """Every target on the run's coarse time grid (``trajectories.parquet``)."""
        return artifacts.read_trajectories(self.path, self.entities)

    @cached_property
    def coverage(self):
        """The network's coverage maps as the run computed them (:func:`iadsim.analysis.coverage.coverage_maps`:
        line of sight, range, sector and Pd >= 0.5 per look, at the default bands against the scenario's threat
        types), on the run folder's terrain crop (block-sampled with it when the crop is downsampled), its Pd
        evaluated at block centres (:data:`iadsim.analysis.artifacts.RUN_COVERAGE_CELLS`)."""
        return artifacts.read_coverage(self.path, np.isfinite(self.scenario.terrain.elevation))

    @cached_property
    def corridors(self) -> dict | None:
        """Each defended asset's least-exposed corridor as the run found it (``corridors.json``, written by
        ``iadsim simulate --corridors``; None without it)."""
        return artifacts.read_corridors(self.path)

    def readable_corridors(self) -> dict | None:
        """:attr:`corridors`, or None when its file is unreadable (a map is drawn without them)."""
        try:
            return self.corridors
        except InputError:
            return None

    @cached_property
    def series(self) -> pd.DataFrame:
        """The time series' means over the replications per step (``series/``)."""
        return runfolder.read_series(self.path, self.manifest)

    @cached_property
    def decisions(self) -> pd.DataFrame | None:
        """With automation, the engine's decisions (``decisions/``, :data:`iadsim.events.DECISION_DTYPES`); None
        for a run without them (no automation, or a folder written before runs kept them)."""
        table = runfolder.read_run_decisions(self.path, self.manifest)
        if table is not None:
            n = int(self.manifest["replications"])
            if len(table) and not table["replication"].isin(range(n)).all():
                raise RunFolderError(self.path / runfolder.DECISIONS, "holds decisions of replications that did not "
                                     "run")
            _check_event_indices(self.path, table, self.entities, what=runfolder.DECISIONS)
        return table

    def states(self, replication: int) -> pd.DataFrame:
        """One replication's rows of the states table (``states/``): each target's and unit's
        :class:`iadsim.events.Status` at the trajectory frames, a row when it changed."""
        return runfolder.read_replication_states(self.path, self.manifest, replication)

    def named_events(self) -> pd.DataFrame:
        """The events with the unit and target names beside their indices (``unit_id``, ``target_id``)."""
        units = np.array([*self.unit_ids, ""], dtype=object)
        targets = np.array([*self.trajectories.target_ids, ""], dtype=object)
        frame = self.events.copy()
        frame.insert(4, "unit_id", units[np.where(frame["unit"] >= 0, frame["unit"], -1)])
        frame.insert(6, "target_id", targets[np.where(frame["target"] >= 0, frame["target"], -1)])
        return frame

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
    summary = _checked(_Summary, read_json(path / "summary.json", what="run summary"), path / "summary.json")
    audit = _checked(_Audit, read_json(path / "audit.json", what="run audit"), path / "audit.json")
    optional = tuple(name for name in replication_names() if METRICS[name].optional)  # NaN in an older run's rows
    metrics, events = runfolder.read_batches(path, manifest, ("replication", *replication_names()), optional)
    _check_batches(path, manifest, metrics, events)
    run = Run(path, summary, audit, metrics, events, manifest)
    _check_event_indices(path, events, run.entities)
    return run


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


Number = StrictInt | StrictFloat


class _Stat(_Open):
    mean: Number | None
    ci95: Annotated[list[Number | None], Field(min_length=2, max_length=2)]
    n: StrictInt | None = None
    half_width: Number | None = None


class _Summary(_Open):
    name: StrictStr
    seed: StrictInt = 0
    replications: StrictInt
    threats: StrictInt = 0
    civil_aircraft: StrictInt = 0
    fire_units: StrictInt = 0
    fire_units_able: StrictInt = 0
    detected_fraction: Number | None = None
    p_raid_annihilation: Number | None = None
    leakers_fraction_mean: Number | None = None
    metrics: dict[str, _Stat]


class _Reason(_Open):
    code: StrictStr
    message: StrictStr = ""
    severity: StrictStr = "info"


class _FireUnit(_Open):
    id: StrictStr
    type: StrictStr = ""
    able: StrictBool
    mode: StrictStr = ""
    readiness: Number | None = None
    missiles: StrictInt | None = None
    guided_by: list[StrictStr] = []
    reasons: list[_Reason] = []
    single_points_of_failure: list[StrictStr] = []


class _Audit(_Open):
    fire_units: list[_FireUnit]
    reason_codes: dict[str, StrictStr] = {}
    fire_units_able: StrictInt | None = None
    fire_units_total: StrictInt | None = None


def _checked(model, data, file: Path) -> dict:
    """``data`` validated against the fields the report reads; RunFolderError naming the first bad field."""
    try:
        return model.model_validate(data).model_dump()
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top)"
        raise RunFolderError(file, f"{where}: {first['msg']}") from None


def _check_batches(path: Path, manifest: dict, metrics: pd.DataFrame, events: pd.DataFrame) -> None:
    """A complete run has every batch, and each batch holds exactly its own replications."""
    n, size = manifest["replications"], manifest["batch_size"]
    count = -(-n // size)
    finished = sorted(set(manifest["finished_batches"]))
    if len(finished) != count or finished != list(range(count)):  # (the lengths first: no list of count)
        raise RunFolderError(path / runfolder.MANIFEST, f"finished_batches: a complete run of {n} replications in "
                             f"batches of {size} has batches 0 to {count - 1}")
    if len(metrics) != n or metrics["replication"].tolist() != list(range(n)):
        raise RunFolderError(path / "metrics", f"the batches do not hold replications 0 to {n - 1} once each, in "
                             "order (a batch file was changed after the run)")
    if len(events) and not events["replication"].isin(range(n)).all():
        raise RunFolderError(path / "events", "holds events of replications that did not run")


def _check_event_indices(path: Path, events: pd.DataFrame, entities: dict, what: str = "events") -> None:
    """Every event's (or decision's) unit and target index names an entity of the run (-1: none)."""
    for column, names in (("unit", entities["units"]), ("target", entities["targets"])):
        values = events[column].to_numpy()
        if len(values) and (values.min() < -1 or values.max() >= len(names)):
            raise RunFolderError(path / what, f"{column}: an index names no "
                                 f"{column} of the run's entities.json (it has {len(names)})")
