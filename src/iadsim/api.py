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
import dataclasses
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import yaml

from iadsim.scenario import InputError, InputErrors

if TYPE_CHECKING:
    from iadsim.analysis.coverage import CoverageMaps
from iadsim.scenario import Scenario as ScenarioModel
from iadsim.scenario.paths import resolve_path, set_at
from iadsim.scenario.yamlio import Document, format_loc, load_yaml, write_atomic

__all__ = ["Audit", "Results", "Scenario", "ScenarioError", "SweepResults", "load", "run", "sweep"]


class ScenarioError(InputError):
    """A scenario that cannot be read or a change that cannot be made: the file, the line (when known), the
    field path and what is wrong (``str(error)`` says all of it in one line)."""

    @classmethod
    def of(cls, exc: InputError) -> ScenarioError:
        first = exc.errors[0] if isinstance(exc, InputErrors) else exc
        error = cls(first.file, first.message, first.line, first.loc)
        error.named = False
        return error

    named = True  # the message names the field path itself (with_changes), so str() does not repeat it

    def __str__(self) -> str:
        if not self.named:
            return super().__str__()
        return f"{self.file if self.line is None else f'{self.file}:{self.line}'}: {self.message}"


class Scenario:
    """A validated scenario. Make variants with :meth:`with_changes`, which returns another one, validated
    again and with everything derived from it (positions on the terrain, routes, the network) computed
    again; a variant's run folder stores the variant.

    ``model`` is the validated :class:`iadsim.scenario.Scenario` the engine and the analyses use: read it,
    do not modify it (its sites, routes and terrain are shared with the variants made from it).
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
        """The scenario as plain data (a copy): as its file writes it, in the current format version (an older
        file comes back migrated), with the changes of :meth:`with_changes` made."""
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

        if not isinstance(changes, Mapping):
            raise TypeError(f"with_changes takes a mapping of field path -> value, not {type(changes).__name__}")
        data = copy.deepcopy(self._document.data)
        changed = []
        for path, value in changes.items():
            try:
                loc = resolve_path(data, str(path))
            except ValueError as exc:
                raise ScenarioError(self.path, f"with_changes: {path}: {exc}") from None
            set_at(data, loc, _plain(copy.deepcopy(value)))  # (numpy numbers as Python's, as a file has them)
            changed.append((str(path), loc))
        doc = Document(self._document.file, data, self._document.lines)
        try:
            model = scenario_from_document(doc, self.path)
        except InputError as exc:
            first = exc.errors[0] if isinstance(exc, InputErrors) else exc
            bad = tuple(first.loc)
            culprit = next((p for p, loc in changed if bad and (bad[:len(loc)] == loc or loc[:len(bad)] == bad)), None)
            if culprit is not None:
                message = f"with_changes: {culprit}: {first.message}"
            else:  # the change broke another field (a link naming a unit that is gone, ...)
                field_name = format_loc(bad) or "the scenario"
                message = (f"with_changes {', '.join(p for p, _ in changed)}: {field_name} is now wrong: "
                           f"{first.message}")
            raise ScenarioError(first.file, message, None, bad) from None
        text = (f"# {self.name}: {self.path.name} with changes made in Python (iadsim.Scenario.with_changes)\n"
                + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)).encode("utf-8")
        return Scenario(dataclasses.replace(model, text=text), doc)

    def audit(self) -> Audit:
        """Who can engage, and exactly why not (:func:`iadsim.network.audit`)."""
        from iadsim.network import cached_audit

        return Audit(cached_audit(self._model))

    def coverage(self, bands: Sequence[float] | None = None, threat_types: Sequence[str] | None = None
                 ) -> CoverageMaps:
        """Detection and engagement coverage maps at heights above ground ``bands`` [m] (default 30, 100, 300,
        1000 m, numbers in metres or text with a unit, "30 m"): :func:`iadsim.analysis.coverage.coverage_maps`;
        ``threat_types`` one aircraft type or several."""
        from iadsim.analysis.coverage import DEFAULT_BANDS, coverage_maps
        from iadsim.units import parse_quantity

        if bands is not None:
            if isinstance(bands, str | int | float):
                raise TypeError(f"bands is a list of heights, not {bands!r} (one: [{bands!r}])")
            bands = [parse_quantity(b, "length") if isinstance(b, str) else b for b in bands]
        if isinstance(threat_types, str):
            threat_types = [threat_types]
        return coverage_maps(self._model, DEFAULT_BANDS if bands is None else bands, threat_types)

    def corridors(self, mode: str = "detection") -> list:
        """Each defended asset's least-exposed corridor from the terrain's edge
        (:func:`iadsim.analysis.routes.corridors`: ``mode`` "detection" or "engagement")."""
        from iadsim.analysis.routes import MODES, corridors

        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        return corridors(self._model, mode)

    def run(self, replications: int = 200, seed: int | None = None, out: str | Path | None = None,
            corridors: bool = False) -> Results:
        """:func:`run` this scenario."""
        return run(self, replications=replications, seed=seed, out=out, corridors=corridors)


def load(path: str | Path) -> Scenario:
    """Read and validate a scenario file (:class:`ScenarioError` naming the file, line and field)."""
    from iadsim.scenario.load import scenario_from_document

    if not isinstance(path, str | Path):
        raise TypeError(f"load takes a scenario file's path, not {type(path).__name__}")
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
    typed event table (docs/events.md), ``out`` the run folder (None when none was written), ``decisions`` with
    automation the engine's decisions (:data:`iadsim.events.DECISION_DTYPES`; None without)."""

    scenario: Scenario
    metrics: pd.DataFrame
    summary_data: dict
    events: pd.DataFrame
    replications: int
    seed: int
    out: Path | None = None
    _run_dir: Path | None = field(default=None, repr=False)
    decisions: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def summary(self) -> pd.DataFrame:
        rows = []
        for name, stat in self.summary_data["metrics"].items():
            low, high = stat["ci95"]
            if high is None and stat["mean"] is not None:
                high = float("inf")  # (a ratio's interval unbounded above)
            rows.append({"metric": name, "mean": stat["mean"], "ci_low": low, "ci_high": high,
                         "half_width": stat.get("half_width"), "n": stat.get("n"), "method": stat.get("method")})
        return pd.DataFrame(rows, columns=["metric", "mean", "ci_low", "ci_high", "half_width", "n", "method"])

    def report(self, path: str | Path) -> Path:
        """Write the offline HTML report of this run to ``path``. The report reads a run folder: a run made
        without ``out`` is first written as one beside the report (``<path>.run/``, replacing an earlier run
        folder there), by running it again with the same seed, which gives the same results (it takes as
        long as the run did)."""
        from iadsim.analysis import simulate
        from iadsim.report import build_report

        path = Path(path)
        folder = self.out
        if folder is None:
            folder = path.with_name(path.name + ".run")
            simulate(self.scenario.model, self.replications, self.seed, folder)
        return build_report([folder], path)


def run(scenario: Scenario | str | Path, replications: int = 200, seed: int | None = None,
        out: str | Path | None = None, workers: int | None = 1, corridors: bool = False) -> Results:
    """Fly the raids through the network ``replications`` times (:func:`iadsim.analysis.simulate`); with
    ``out``, write the run folder there (what ``iadsim report`` and ``export`` read; ``corridors``: with each
    defended asset's least-exposed corridor for the report). ``workers``: processes running the batches (1: this
    one; None: every CPU where worker processes can be forked safely); the results do not depend on it. Where
    forking is not safe, two or more workers start from a fork server, and Python's worker processes then import
    the script that called this: in a script, call it under ``if __name__ == "__main__":`` (Python's rule for
    worker processes, :mod:`multiprocessing`), or its top level runs again in each worker."""
    from iadsim.analysis import simulate

    scenario = scenario if isinstance(scenario, Scenario) else load(scenario)
    if isinstance(replications, bool) or not isinstance(replications, int) or not 1 <= replications <= 10_000_000:
        raise ValueError(f"replications must be a whole number from 1 to 10,000,000 (as the command line's), "
                         f"not {replications!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63):
        raise ValueError(f"seed must be a whole number from 0 to 2**63 - 1, not {seed!r}")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ValueError(f"workers must be None or a whole number of at least 1, not {workers!r}")
    if corridors and out is None:
        raise ValueError("corridors are kept in the run folder: give out too")
    seed = scenario.model.spec.seed if seed is None else int(seed)
    try:
        result = simulate(scenario.model, int(replications), seed, None if out is None else Path(out),
                          workers=workers, corridors=bool(corridors))
    except InputError as exc:  # (a run too big for the memory, an output folder in the way: one line)
        if isinstance(exc, ScenarioError):
            raise
        raise ScenarioError.of(exc) from None
    return Results(scenario, result.metrics, result.summary, result.events, int(replications), seed,
                   None if out is None else Path(out), decisions=result.decisions)


@dataclass
class SweepResults:
    """A sweep's results: ``results`` one row per replication of every point (factors, seed, metrics),
    ``points`` one row per point (factors, replications, and each metric's mean and interval). Reading an
    unfinished sweep's (one interrupted: ``complete`` is False) gives a ``SweepWarning``: they cover the points
    finished so far."""

    out: Path

    @property
    def complete(self) -> bool:
        """Whether every point of the sweep has finished."""
        from iadsim.analysis.sweep.store import is_complete

        return is_complete(self.out)

    @property
    def results(self) -> pd.DataFrame:
        from iadsim.analysis.sweep.store import load_results, warn_if_unfinished

        warn_if_unfinished(self.out)
        return load_results(self.out)

    @property
    def points(self) -> pd.DataFrame:
        from iadsim.analysis.sweep import summarise_sweep
        from iadsim.analysis.sweep.store import warn_if_unfinished

        warn_if_unfinished(self.out)
        return summarise_sweep(self.out)


def sweep(spec: str | Path | Mapping, out: str | Path, executor: str = "local", workers: int | None = None
          ) -> SweepResults:
    """Run a sweep into ``out`` (rerunning resumes). ``spec`` is a sweep file, or the same as a mapping: it
    is then saved beside ``out`` as ``<out>.sweep.yaml`` (its ``base`` made absolute, relative to the
    current folder), the file the sweep folder names, so that the command line can rerun it; an invalid one is
    left in ``<out>.sweep.new.yaml`` (its message points into it), and an earlier ``<out>.sweep.yaml`` is replaced
    only by a valid sweep the folder takes.
    ``executor``: "serial", "local" or "dask"; ``workers``: the local executor's processes (None: every CPU), as
    for :func:`run` (a script calls it under ``if __name__ == "__main__":``).

    Raises
    ------
    ScenarioError
        A sweep or base scenario that cannot be read, naming the file, line and field.
    """
    from iadsim.analysis.sweep import load_sweep, run_sweep

    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ValueError(f"workers must be None or a whole number of at least 1, not {workers!r}")
    out = Path(out)
    file, previous, loaded = None, None, None
    try:
        if isinstance(spec, Mapping):
            data = _plain(dict(spec))
            if "base" in data:
                data["base"] = str(Path(str(data["base"])).resolve())
            text = ("# a sweep given to iadsim.sweep as a mapping\n" + yaml.safe_dump(data, sort_keys=False)).encode()
            file = out.with_name(out.name + ".sweep.yaml")
            # validated first from a file of its own (kept when invalid: its message points into it), so that
            # the file an earlier sweep folder names is replaced only by a valid sweep, whole
            draft = out.with_name(out.name + ".sweep.new.yaml")
            write_atomic(draft, text)
            with warnings.catch_warnings():  # (said once, when the saved file is loaded below)
                warnings.simplefilter("ignore")
                load_sweep(draft)
            draft.unlink()
            previous = file.read_bytes() if file.is_file() else None
            write_atomic(file, text)
            spec = file
        loaded = load_sweep(spec)
        try:
            run_sweep(loaded, out, executor, workers=workers)
        except BaseException:  # refused, failed or interrupted before the folder took this sweep: restored
            if file is not None and not _adopted(out, loaded):
                if previous is None:
                    file.unlink(missing_ok=True)
                else:
                    write_atomic(file, previous)
            raise
    except InputError as exc:
        if isinstance(exc, ScenarioError):
            raise
        raise ScenarioError.of(exc) from None
    return SweepResults(out)


def _adopted(out: Path, sweep) -> bool:
    """Whether the sweep folder ``out`` holds ``sweep`` (its points.json carries the sweep's fingerprint)."""
    from iadsim.analysis.sweep import store

    try:
        return store.read_points(out).get("fingerprint") == sweep.fingerprint()
    except InputError:
        return False


def _plain(value):
    """Plain Python data (numpy numbers and arrays as Python numbers and lists), for YAML."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return _plain(value.tolist())
    return value
