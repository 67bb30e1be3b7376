"""The Python API: load a scenario, vary it, audit it, map its coverage, run it and sweep it.

>>> import iadsim
>>> designed = iadsim.load("examples/airbase-as-designed.yaml")
>>> variant = designed.with_changes({"units[lr-l1].readiness.availability": 0.5, "authority.mode": "autonomous"})
>>> variant.model.unit("lr-l1").readiness.availability
0.5
>>> table = variant.audit().fire_units             # one row per fire unit
>>> bool(table.set_index("id").loc["lr-l1", "able"])
True
>>> results = iadsim.run(variant, replications=20, seed=7)
>>> list(results.summary.columns)                  # one row per metric
['metric', 'mean', 'ci_low', 'ci_high', 'half_width', 'n', 'method']

Everything here is a thin layer over the modules below (:mod:`iadsim.scenario`, :mod:`iadsim.network`,
:mod:`iadsim.analysis`, :mod:`iadsim.report`): the same files, rules and numbers as the command line.
"""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from iadsim.scenario import InputError, InputErrors
from iadsim.scenario import Scenario as ScenarioModel
from iadsim.scenario.paths import resolve_path, set_at
from iadsim.scenario.yamlio import Document, format_loc, load_yaml

__all__ = ["Audit", "Results", "Scenario", "ScenarioError", "SweepResults", "load", "run", "sweep"]


class ScenarioError(InputError):
    """A scenario that cannot be read or a change that cannot be made: the file, the line (when known), the
    field path and what is wrong (``str(error)`` says all of it in one line)."""

    @classmethod
    def of(cls, exc: InputError, prefix: str = "") -> ScenarioError:
        first = exc.errors[0] if isinstance(exc, InputErrors) else exc
        return cls(first.file, prefix + first.message, first.line, first.loc)


class Scenario:
    """A validated scenario. Immutable: :meth:`with_changes` returns another one, validated again and with
    everything derived from it (positions on the terrain, routes, the network) computed again.

    ``model`` is the validated :class:`iadsim.scenario.Scenario` the engine and the analyses use.
    """

    def __init__(self, model: ScenarioModel, document: Document):
        self._model = model
        self._document = document

    @property
    def model(self) -> ScenarioModel:
        return self._model

    @property
    def name(self) -> str:
        return self._model.name

    @property
    def path(self) -> Path:
        return Path(self._model.path)

    @property
    def data(self) -> dict:
        """The scenario as plain data, as its file writes it (a copy)."""
        return copy.deepcopy(self._document.data)

    def __repr__(self) -> str:
        return f"<iadsim.Scenario {self.name!r}: {self._model.summary()}>"

    def with_changes(self, changes: Mapping[str, object]) -> Scenario:
        """A new scenario with each field path (``units[ID].readiness.availability``, ``links[INDEX].status``,
        ``authority.mode``; the grammar of sweep factors, :mod:`iadsim.scenario.paths`) set to its value.
        Values are written as in a scenario file: quantities as strings with units (``"10 s"``, ``"2 km"``).

        Raises
        ------
        ScenarioError
            A path that names nothing, or a value the scenario format refuses; the message names the path.
        """
        from iadsim.scenario.load import scenario_from_document

        data = copy.deepcopy(self._document.data)
        changed = []
        for path, value in changes.items():
            try:
                loc = resolve_path(data, str(path))
            except ValueError as exc:
                raise ScenarioError(self.path, f"with_changes: {exc}") from None
            set_at(data, loc, copy.deepcopy(value))
            changed.append((str(path), loc))
        doc = Document(self._document.file, data, self._document.lines)
        try:
            model = scenario_from_document(doc, self.path)
        except InputError as exc:
            first = exc.errors[0] if isinstance(exc, InputErrors) else exc
            culprit = next((p for p, loc in changed if tuple(first.loc[:len(loc)]) == loc
                            or tuple(loc[:len(first.loc)]) == tuple(first.loc)), None)
            where = culprit or ", ".join(p for p, _ in changed) or format_loc(first.loc)
            raise ScenarioError(first.file, f"with_changes: {where}: {first.message}") from None
        return Scenario(model, doc)

    def audit(self) -> Audit:
        """Who can engage, and exactly why not (:func:`iadsim.network.audit`)."""
        from iadsim.network import cached_audit

        return Audit(cached_audit(self._model))

    def coverage(self, bands: Sequence[float] | None = None, threat_types: Sequence[str] | None = None):
        """Detection and engagement coverage maps at heights above ground ``bands`` [m] (default 30, 100, 300,
        1000 m): :func:`iadsim.analysis.coverage.coverage_maps`."""
        from iadsim.analysis.coverage import DEFAULT_BANDS, coverage_maps

        return coverage_maps(self._model, DEFAULT_BANDS if bands is None else bands, threat_types)

    def run(self, replications: int = 200, seed: int | None = None, out: str | Path | None = None) -> Results:
        """:func:`run` this scenario."""
        return run(self, replications=replications, seed=seed, out=out)


def load(path: str | Path) -> Scenario:
    """Read and validate a scenario file (:class:`ScenarioError` naming the file, line and field)."""
    from iadsim.scenario.load import scenario_from_document

    path = Path(path)
    try:
        doc = load_yaml(path)
        return Scenario(scenario_from_document(doc, path), doc)
    except ScenarioError:
        raise
    except InputError as exc:
        raise ScenarioError.of(exc) from None


@dataclass
class Audit:
    """The kill-chain audit: ``data`` as ``iadsim audit --json`` prints it, ``fire_units`` one row per fire
    unit (id, type, able, mode, readiness, missiles, guided_by, reasons, single_points_of_failure)."""

    data: dict

    @property
    def fire_units(self) -> pd.DataFrame:
        rows = []
        for unit in self.data["fire_units"]:
            rows.append({
                "id": unit["id"], "type": unit.get("type", ""), "able": unit["able"], "mode": unit.get("mode", ""),
                "readiness": unit.get("readiness"), "missiles": unit.get("missiles"),
                "guided_by": list(unit.get("guided_by", [])),
                "reasons": [r["code"] for r in unit.get("reasons", [])],
                "single_points_of_failure": list(unit.get("single_points_of_failure", [])),
            })
        return pd.DataFrame(rows, columns=["id", "type", "able", "mode", "readiness", "missiles", "guided_by",
                                           "reasons", "single_points_of_failure"])

    @property
    def able(self) -> int:
        return int(self.data["fire_units_able"])


@dataclass
class Results:
    """A Monte Carlo run: ``metrics`` one row per replication (``replication`` and a column per registered
    metric), ``summary`` one row per metric (mean, ci_low, ci_high, half_width, n, method), ``events`` the
    typed event table (docs/events.md), ``out`` the run folder (None when none was written)."""

    scenario: Scenario
    metrics: pd.DataFrame
    summary_data: dict
    events: pd.DataFrame
    replications: int
    seed: int
    out: Path | None = None
    _run_dir: Path | None = field(default=None, repr=False)

    @property
    def summary(self) -> pd.DataFrame:
        rows = []
        for name, stat in self.summary_data["metrics"].items():
            low, high = stat["ci95"]
            rows.append({"metric": name, "mean": stat["mean"], "ci_low": low, "ci_high": high,
                         "half_width": stat.get("half_width"), "n": stat.get("n"), "method": stat.get("method")})
        return pd.DataFrame(rows, columns=["metric", "mean", "ci_low", "ci_high", "half_width", "n", "method"])

    def report(self, path: str | Path) -> Path:
        """Write the offline HTML report of this run to ``path``. A run made without ``out`` is first written
        as a run folder beside the report (``<path>.run/``), by running it again with the same seed (the
        same results)."""
        from iadsim.analysis import simulate
        from iadsim.report import build_report

        path = Path(path)
        folder = self.out
        if folder is None:
            folder = path.with_name(path.name + ".run")
            simulate(self.scenario.model, self.replications, self.seed, folder)
        return build_report([folder], path)


def run(scenario: Scenario | str | Path, replications: int = 200, seed: int | None = None,
        out: str | Path | None = None) -> Results:
    """Fly the raids through the network ``replications`` times (:func:`iadsim.analysis.simulate`); with
    ``out``, write the run folder there (what ``iadsim report`` and ``export`` read)."""
    from iadsim.analysis import simulate

    scenario = scenario if isinstance(scenario, Scenario) else load(scenario)
    seed = scenario.model.spec.seed if seed is None else int(seed)
    result = simulate(scenario.model, int(replications), seed, None if out is None else Path(out))
    return Results(scenario, result.metrics, result.summary, result.events, int(replications), seed,
                   None if out is None else Path(out))


@dataclass
class SweepResults:
    """A sweep's results: ``results`` one row per replication of every point (factors, seed, metrics),
    ``points`` one row per point (factors, replications, and each metric's mean and interval)."""

    out: Path

    @property
    def results(self) -> pd.DataFrame:
        from iadsim.analysis.sweep.store import load_results

        return load_results(self.out)

    @property
    def points(self) -> pd.DataFrame:
        from iadsim.analysis.sweep import summarise_sweep

        return summarise_sweep(self.out)


def sweep(spec: str | Path | Mapping, out: str | Path, executor: str = "local", workers: int | None = None
          ) -> SweepResults:
    """Run a sweep (a sweep file, or the same as a mapping whose ``base`` path is relative to the current
    folder) into ``out``; rerunning resumes. ``executor``: "serial", "local" or "dask"."""
    import yaml

    from iadsim.analysis.sweep import load_sweep, run_sweep

    if isinstance(spec, Mapping):
        data = dict(spec)
        if "base" in data:
            data["base"] = str(Path(str(data["base"])).resolve())
        with tempfile.TemporaryDirectory(prefix="iadsim-sweep-") as tmp:
            file = Path(tmp) / "sweep.yaml"
            file.write_text(yaml.safe_dump(data, sort_keys=False))
            try:
                loaded = load_sweep(file)
            except InputError as exc:
                raise ScenarioError.of(exc) from None
            run_sweep(loaded, out, executor, workers=workers)
    else:
        run_sweep(load_sweep(spec), out, executor, workers=workers)
    return SweepResults(Path(out))
