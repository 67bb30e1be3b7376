"""Parameter sweeps: a sweep file names a base scenario, factors addressed by field path and a design;
every point (the base with the factor values applied, re-validated) runs replications in work units of
(point, batch of replication indices) on local processes or a Dask cluster.

Results do not depend on the executor or the number of workers: replication r of point p draws its random
numbers from the engine's keyed generator with the point seed
``SeedSequence(sweep seed, spawn_key=(p,))`` (or the sweep seed itself for every point with
``common_random_numbers: true``), and the confidence-interval stopping rule decides only on complete
stages of batches. Each work unit is written as one Parquet file as soon as it completes
(:mod:`iadsim.analysis.store`); rerunning an interrupted sweep skips the units already written.

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
"""

from __future__ import annotations

import concurrent.futures
import copy
import ctypes
import errno
import hashlib
import itertools
import json
import math
import multiprocessing
import os
import re
import signal
import socket
import struct
import sys
import threading
import time
import warnings
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr, ValidationError

from iadsim.analysis import store
from iadsim.analysis.montecarlo import METRICS, mean_ci, replication_metrics, summarise_groups
from iadsim.scenario import InputError, InputErrors, Scenario
from iadsim.scenario.load import scenario_from_document
from iadsim.scenario.versions import CURRENT, file_version, migrate_data
from iadsim.scenario.yamlio import Document, format_loc, from_validation_errors, load_yaml, read_bytes, read_json

DESIGNS = ("grid", "list", "random", "lhs", "sobol", "oat")
SAMPLED = ("random", "lhs", "sobol")
DEFAULT_METRICS = ("leakers", "kills", "wrongful_engagements", "missiles_expended")
_DESIGN_STREAM = 2**31 - 1  # spawn key of the design's own random numbers (random design)
MAX_POINTS = 100_000
"""Most design points a sweep may have: every point is a validated scenario held in memory (about 8 ms and
10 kB each for a small scenario), so 10^5 points already take minutes to load."""
MAX_REPLICATIONS = 1_000_000_000
"""Most replications a sweep may plan in all (points x replications, or points x stop.max)."""
MAX_WORK_UNITS = 1_000_000
"""Most work units a sweep may plan in all: points x ceil(replications / batch), or points x
ceil(stop.max / stop.batch). Each unit is a task and a results file (a million files is already a lot for a
file system and for DuckDB to list)."""
WORKERS_PER_CPU = 4
"""Most worker processes per CPU that a sweep starts on this machine (local processes or a Dask LocalCluster):
more only share the same CPUs and add each a worker's memory."""
RESERVED_COLUMNS = ("point", "replication", "seed", "replications", *METRICS,
                    *(f"{m}_{s}" for m in METRICS for s in ("mean", "ci_low", "ci_high", "half_width")))
"""Column names of the results and summaries that a factor name may not take (compared ignoring case:
DuckDB's identifiers are case-insensitive)."""


class SweepWarning(UserWarning):
    """Something the user should know that does not stop the sweep (a stale lock taken over, fewer workers)."""


# ---------------------------------------------------------------------------------------------- the file


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


Value = StrictBool | StrictInt | StrictFloat | StrictStr


class FactorSpec(_Strict):
    """One factor: a field path into the scenario and its levels (values) or range (low, high)."""

    path: str = Field(description="field path, e.g. units[lr-fcr].readiness.availability or links[0].latency")
    name: str | None = Field(None, description="column name in the results (default: the path)")
    values: Annotated[list[Value], Field(min_length=1)] | None = None
    low: StrictInt | StrictFloat | None = None
    high: StrictInt | StrictFloat | None = None
    unit: str | None = Field(None, description="unit of numeric values, e.g. 's' turns 5 into '5 s'")
    integer: bool = Field(False, description="round sampled values to integers (counts)")


class StopSpec(_Strict):
    """Run batches until the confidence-interval half-width of `metric` is at most `half_width`."""

    metric: str = "leakers"
    half_width: Annotated[float, Field(gt=0)]
    confidence: Annotated[float, Field(gt=0, lt=1)] = 0.95
    min: Annotated[int, Field(strict=True, ge=2, le=10_000_000)] = 30
    max: Annotated[int, Field(strict=True, ge=2, le=10_000_000)] = 2000
    batch: Annotated[int, Field(strict=True, ge=1, le=1_000_000)] = 50


class SweepSpec(_Strict):
    """The whole sweep file."""

    format_version: Annotated[int, Field(strict=True, ge=1)] = Field(1, description="absent means 1")
    name: str | None = None
    base: str = Field(description="the base scenario, relative to the sweep file")
    design: Literal["grid", "list", "random", "lhs", "sobol", "oat"]
    factors: Annotated[list[FactorSpec], Field(min_length=1, max_length=100)]
    samples: Annotated[int, Field(strict=True, ge=1, le=1_000_000)] | None = None
    replications: Annotated[int, Field(strict=True, ge=1, le=10_000_000)] | None = None
    stop: StopSpec | None = None
    batch: Annotated[int, Field(strict=True, ge=1, le=1_000_000)] = 100
    seed: Annotated[int, Field(strict=True, ge=0, le=2**63 - 1)] | None = None
    common_random_numbers: bool = Field(False, description="every point uses the same seed (paired comparisons)")
    set: dict[str, Value] = Field(default_factory=dict, description="fixed changes applied to every point")
    metrics: Annotated[list[str], Field(min_length=1)] = list(DEFAULT_METRICS)


# ---------------------------------------------------------------------------------------------- field paths

_PATH_TOKEN = re.compile(r"\.?([A-Za-z_][A-Za-z0-9_]*)|\[([^\[\]]+)\]")


def parse_path(text: str) -> list[tuple[str, str]]:
    """`units[lr-fcr].readiness.availability` -> [('key', 'units'), ('item', 'lr-fcr'), ('key', ...), ...]."""
    tokens, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _PATH_TOKEN.match(text, pos)
        if m is None or (pos == 0 and text.startswith(".")) or (m.group(1) and pos > 0 and text[pos] != "."):
            raise ValueError(f"cannot read field path '{text}' at '{text[pos:]}' (expected e.g. "
                             "units[lr-fcr].readiness.availability)")
        tokens.append(("key", m.group(1)) if m.group(1) else ("item", m.group(2).strip()))
        pos = m.end()
    if not tokens or tokens[0][0] != "key":
        raise ValueError(f"field path '{text}' must start with a field name")
    return tokens


def resolve_path(data: dict, text: str) -> tuple[str | int, ...]:
    """The location (keys and list indices) of a field path in the scenario data; list items by id or index.

    Missing mappings along the way are allowed (they take their defaults and are created when a value is
    set); a missing list item or indexing a non-list is an error.
    """
    node: object = data
    loc: list[str | int] = []
    for kind, token in parse_path(text):
        where = format_loc(tuple(loc)) or "the scenario"
        if kind == "key":
            if node is not None and not isinstance(node, dict):
                raise ValueError(f"'{where}' is not a mapping of fields, so it has no field '{token}'")
            loc.append(token)
            node = node.get(token) if isinstance(node, dict) else None
            continue
        if not isinstance(node, list):
            raise ValueError(f"'{where}' is not a list in the base scenario, so it has no item [{token}]")
        if re.fullmatch(r"-?\d+", token):
            index = int(token)
            if not -len(node) <= index < len(node):
                raise ValueError(f"'{where}' has {len(node)} items; index [{token}] is out of range")
            index %= len(node)
        else:
            ids = [item.get("id") if isinstance(item, dict) else None for item in node]
            if token not in ids:
                known = ", ".join(str(i) for i in ids if i is not None) or "none (address items by index)"
                raise ValueError(f"no item with id '{token}' in '{where}'; ids: {known}")
            index = ids.index(token)
        loc.append(index)
        node = node[index]
    return tuple(loc)


def set_at(data: dict, loc: tuple, value: object) -> None:
    """Set a value in place, creating missing mappings along the way."""
    node = data
    for part, nxt in zip(loc[:-1], loc[1:], strict=True):
        child = node[part] if isinstance(node, list) else node.get(part)
        if child is None:
            child = [] if isinstance(nxt, int) else {}
            node[part] = child
        node = child
    node[loc[-1]] = value


# ---------------------------------------------------------------------------------------------- the sweep


@dataclass(frozen=True)
class Factor:
    name: str
    path: str
    loc: tuple
    spec: FactorSpec
    index: int
    kind: str  # column type: "float", "int", "bool" or "string"

    def scenario_value(self, value: object) -> object:
        """The value written into the scenario: numbers get the factor's unit."""
        if self.spec.unit is not None and isinstance(value, (int, float)) and not isinstance(value, bool):
            return f"{value!r} {self.spec.unit}"
        return value


@dataclass(frozen=True)
class Point:
    index: int
    seed: int
    values: dict[str, object]  # factor name -> design value (None: the base value, in an oat design)
    data: dict = field(repr=False)  # the scenario as plain data
    oat: tuple[str | None, str] | None = None  # (factor name, 'low'/'high') or (None, 'base')
    size: WorkSize | None = None  # what the memory of its work units scales with


@dataclass
class Sweep:
    """A loaded and validated sweep: the spec, its base scenario and every point."""

    spec: SweepSpec
    file: Path
    doc: Document
    base_path: Path
    base_doc: Document
    base: Scenario
    factors: list[Factor]
    points: list[Point]
    seed: int
    inputs: dict = field(default_factory=dict)  # sha256 of the files the points read, iadsim's version

    @property
    def name(self) -> str:
        return self.spec.name or self.file.stem

    @property
    def metrics(self) -> list[str]:
        return list(self.spec.metrics)

    def batch_size(self) -> int:
        return self.spec.stop.batch if self.spec.stop is not None else self.spec.batch

    def plan_fingerprint(self) -> str:
        """The points' scenarios, seeds and the run plan (not the files they read)."""
        plan = {"points": [(p.seed, p.data) for p in self.points], "replications": self.spec.replications,
                "stop": self.spec.stop.model_dump() if self.spec.stop else None, "batch": self.batch_size(),
                "factors": [(f.name, f.kind) for f in self.factors]}
        text = json.dumps(plan, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def fingerprint(self) -> str:
        """Changes whenever the work or its results would: the points' scenarios, seeds and the run plan, the
        contents of the catalog and terrain files they read and the iadsim version (:attr:`inputs`)."""
        text = json.dumps({"plan": self.plan_fingerprint(), "inputs": self.inputs}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _file_sha256(path: Path, what: str) -> str:
    """sha256 of a regular file, read in blocks (terrain files may be large); InputError for anything else."""
    import stat

    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(path, f"is not a regular file (the {what})")
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        reason = "is a symbolic link loop" if exc.errno == errno.ELOOP else exc.strerror or type(exc).__name__
        raise InputError(path, f"cannot be read (the {what}): {reason}") from None
    return digest.hexdigest()


def input_hashes(data: dict, path: Path) -> dict:
    """sha256 of the files a scenario's data reads, relative to the scenario file `path` as the loader resolves
    them: ``{"catalog": {name: sha256}, "terrain": sha256 or None}`` (None: flat or the built-in sample)."""
    folder = Path(path).parent
    catalog = {}
    for name in data.get("catalog") or ():
        catalog[str(name)] = hashlib.sha256(read_bytes(folder / str(name), what="catalog file")).hexdigest()
    terrain = data.get("terrain") if isinstance(data.get("terrain"), dict) else {}
    source = terrain.get("source")
    digest = None
    if isinstance(source, str) and source != "sample":
        digest = _file_sha256(Path(source) if Path(source).is_absolute() else folder / source, "terrain file")
    return {"catalog": catalog, "terrain": digest}


def sweep_inputs(sweep: Sweep) -> dict:
    """What the points read besides their data: every catalog and terrain file they name (by name as written,
    relative to the base scenario) with its sha256, and the iadsim version (the code that computes results)."""
    import iadsim

    catalog: dict[str, str] = {}
    terrain: dict[str, str] = {}
    seen = set()
    for p in sweep.points:
        source = (p.data.get("terrain") or {}).get("source") if isinstance(p.data.get("terrain"), dict) else None
        key = (tuple(str(c) for c in p.data.get("catalog") or ()), source)
        if key in seen:
            continue
        seen.add(key)
        hashes = input_hashes(p.data, sweep.base_path)
        catalog.update(hashes["catalog"])
        if hashes["terrain"] is not None:
            terrain[str(source)] = hashes["terrain"]
    return {"iadsim": str(iadsim.__version__), "catalog": catalog, "terrain": terrain}


def load_sweep(path: str | Path, max_memory: int | str | None = None) -> Sweep:
    """Read and validate a sweep file and every point it defines. Raises InputError (file, line, field).

    The number of design points and of replications is checked from the file alone, before any point is
    built; the memory of the biggest work unit once the points are validated (:func:`check_budget`,
    against ``max_memory`` -- bytes, or text such as ``'4GB'`` -- or the machine's memory).
    """
    path = Path(path)
    doc = load_yaml(path)
    if not isinstance(doc.data, dict):
        raise InputError(doc.file, "expected a mapping of sweep fields (base, design, factors, ...)", doc.line_of(()))
    version = file_version(doc, "sweep")  # a newer file is refused before its fields are read
    if version < CURRENT["sweep"]:
        migrate_data(doc.data, "sweep", version)
    try:
        spec = SweepSpec.model_validate(doc.data)
    except ValidationError as exc:
        raise from_validation_errors(doc, exc.errors(include_url=False)) from None
    _check_spec(spec, doc)
    base_path = _base_path(spec, doc, path)
    base_doc = load_yaml(base_path)
    _check_base_shape(base_doc)
    base = scenario_from_document(base_doc, base_path)
    factors = _factors(spec, doc, base_doc.data)
    sets = []
    for key, value in spec.set.items():
        try:
            sets.append((resolve_path(base_doc.data, key), value, key))
        except ValueError as exc:
            raise doc.error(("set", key), str(exc)) from None
    seed = base.spec.seed if spec.seed is None else spec.seed
    sweep = Sweep(spec, path, doc, base_path, base_doc, base, factors, [], seed)
    budget = memory_budget(max_memory)
    _check_design_size(sweep, budget, max_memory is not None)  # arithmetic: nothing is materialised yet
    sweep.points = _points(sweep, sets)
    check_budget(sweep, max_memory)
    sweep.inputs = sweep_inputs(sweep)
    return sweep


def _base_path(spec: SweepSpec, doc: Document, path: Path) -> Path:
    """The base scenario's path (relative to the sweep file); InputError at ``base`` when it is missing, not a
    file or a symbolic link loop."""
    given = Path(spec.base)
    try:
        base_path = given if given.is_absolute() else (path.parent / given).resolve()
        os.stat(base_path)
    except RuntimeError:  # Path.resolve on a loop (Python < 3.13)
        raise doc.error(("base",), f"base scenario '{spec.base}' is a symbolic link loop") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise doc.error(("base",), f"base scenario '{spec.base}' is a symbolic link loop") from None
        if exc.errno not in (errno.ENOENT, errno.ENOTDIR):
            raise doc.error(("base",), f"base scenario '{spec.base}' cannot be read: "
                                       f"{exc.strerror or type(exc).__name__}") from None
    if not base_path.is_file():
        raise doc.error(("base",), f"base scenario '{spec.base}' not found (relative to the sweep file)")
    return base_path


def _check_base_shape(base_doc: Document) -> None:
    """Refuse a base file that is not shaped like a scenario -- not a mapping, a required field missing or a
    field a scenario does not have -- before it is validated: the validator's messages would quote its keys
    and values, and a base may be any YAML file. The message counts, and quotes nothing of the file."""
    from iadsim.scenario.models import ScenarioSpec

    data = base_doc.data
    why = None
    if not isinstance(data, dict):
        why = "expected a mapping of scenario fields"
    else:
        version = file_version(base_doc, "scenario")
        if version < CURRENT["scenario"]:
            data = copy.deepcopy(data)
            migrate_data(data, "scenario", version)
        fields = ScenarioSpec.model_fields
        allowed = {f.alias or name for name, f in fields.items()}
        required = [f.alias or name for name, f in fields.items() if f.is_required()]
        missing = [name for name in required if name not in data]
        unknown = sum(1 for key in data if key not in allowed)
        if missing:
            why = f"it lacks the required field{'s' if len(missing) > 1 else ''} {', '.join(missing)}"
        elif unknown:
            why = f"it has {unknown} field{'s' if unknown > 1 else ''} that a scenario does not have"
    if why is not None:
        raise InputError(base_doc.file, f"is not an iadsim scenario file ({why}); give the sweep's base a scenario")


def _check_spec(spec: SweepSpec, doc: Document) -> None:
    errors = []
    for i, m in enumerate(spec.metrics):
        if m not in METRICS:
            errors.append(doc.error(("metrics", i), f"unknown metric '{m}'; known: {', '.join(METRICS)}"))
    if spec.stop is not None and spec.stop.metric not in METRICS:
        known = ", ".join(METRICS)
        errors.append(doc.error(("stop", "metric"), f"unknown metric '{spec.stop.metric}'; known: {known}"))
    if spec.stop is not None and spec.stop.min > spec.stop.max:
        errors.append(doc.error(("stop", "min"), "min must not be larger than max"))
    if (spec.replications is None) == (spec.stop is None):
        loc = ("stop",) if spec.stop is not None else ()
        errors.append(doc.error(loc, "give exactly one of 'replications' (a fixed number) and 'stop' (run until "
                                     "the confidence interval is narrow enough)"))
    sampled = spec.design in SAMPLED
    if sampled and spec.samples is None:
        errors.append(doc.error(("design",), f"a {spec.design} design needs 'samples'"))
    if not sampled and spec.samples is not None:
        errors.append(doc.error(("samples",), f"'samples' is used by random, lhs and sobol designs, not {spec.design}"))
    names: set[str] = set()
    reserved = {c.casefold() for c in RESERVED_COLUMNS}
    for k, f in enumerate(spec.factors):
        name = f.name if f.name is not None else f.path
        where = ("factors", k, "name" if f.name is not None else "path")
        if not name:
            errors.append(doc.error(where, "a factor's column name must not be empty"))
        elif name.casefold() in reserved:
            why = "a factor without 'name' is named after its path; " if f.name is None else ""
            errors.append(doc.error(where, f"column name '{name}' is taken by the results ({why}give the factor "
                                           "another 'name')"))
        elif name.casefold() in names:
            errors.append(doc.error(where, f"column name '{name}' is used by another factor (names are compared "
                                           "ignoring case); give one of them another 'name'"))
        names.add(name.casefold())
        ranged = f.low is not None or f.high is not None
        if f.values is not None and ranged:
            errors.append(doc.error(("factors", k), "give either values or low/high, not both"))
        elif spec.design in ("grid", "list") and f.values is None:
            errors.append(doc.error(("factors", k), f"a {spec.design} design needs 'values' for each factor"))
        elif sampled and not ranged:
            errors.append(doc.error(("factors", k), f"a {spec.design} design needs 'low' and 'high' for each factor"))
        elif spec.design == "oat" and f.values is not None and len(f.values) != 2:
            errors.append(doc.error(("factors", k, "values"), "an oat design takes two values: [low, high]"))
        elif spec.design == "oat" and f.values is None and not ranged:
            errors.append(doc.error(("factors", k), "an oat design needs values: [low, high] or low and high"))
        if ranged and (f.low is None or f.high is None or not f.low < f.high):
            errors.append(doc.error(("factors", k, "low" if f.low is None else "high"), "needs low < high"))
        if f.unit is not None and f.values is not None and any(not _is_number(v) for v in f.values):
            errors.append(doc.error(("factors", k, "values"), "with 'unit', values must be plain numbers"))
    if spec.design == "list":
        lengths = {len(f.values) for f in spec.factors if f.values is not None}
        if len(lengths) > 1:
            errors.append(doc.error(("factors",), "a list design needs the same number of values for every factor "
                                                  f"(found {sorted(lengths)})"))
    if errors:
        raise InputErrors(errors)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _factors(spec: SweepSpec, doc: Document, base_data: dict) -> list[Factor]:
    out = []
    for k, f in enumerate(spec.factors):
        try:
            loc = resolve_path(base_data, f.path)
        except ValueError as exc:
            raise doc.error(("factors", k, "path"), str(exc)) from None
        levels = f.values if f.values is not None else [f.low, f.high]
        if all(isinstance(v, bool) for v in levels):
            kind = "bool"
        elif all(_is_number(v) for v in levels):
            whole = all(isinstance(v, int) for v in levels) and spec.design not in SAMPLED
            kind = "int" if f.integer or whole else "float"
        else:
            kind = "string"
        out.append(Factor(f.name or f.path, f.path, loc, f, k, kind))
    return out


def _design_rows(sweep: Sweep) -> list[tuple[dict, tuple | None]]:
    """The design: per point, factor name -> value, and the oat label."""
    spec, factors = sweep.spec, sweep.factors
    names = [f.name for f in factors]
    if spec.design == "grid":
        return [(dict(zip(names, combo, strict=True)), None)
                for combo in itertools.product(*(f.spec.values for f in factors))]
    if spec.design == "list":
        columns = zip(*(f.spec.values for f in factors), strict=True)  # lengths checked by _check_spec
        return [(dict(zip(names, combo, strict=True)), None) for combo in columns]
    if spec.design == "oat":
        rows: list[tuple[dict, tuple | None]] = [({n: None for n in names}, (None, "base"))]
        for f in factors:
            low, high = f.spec.values if f.spec.values is not None else (f.spec.low, f.spec.high)
            for level, value in (("low", low), ("high", high)):
                rows.append(({n: (value if n == f.name else None) for n in names}, (f.name, level)))
        return rows
    samples = sample_design(spec.design, [(f.spec.low, f.spec.high) for f in factors], spec.samples, sweep.seed)
    rows = []
    for row in samples:
        values = {}
        for f, v in zip(factors, row, strict=True):
            values[f.name] = int(round(v)) if f.spec.integer else float(v)
        rows.append((values, None))
    return rows


def sample_design(design: str, bounds: list[tuple[float, float]], samples: int, seed: int) -> np.ndarray:
    """Sample points of a random, Latin hypercube (SALib) or Sobol/Saltelli (SALib) design.

    The sobol design gives ``samples * (D + 2)`` rows in the order SALib's ``sobol.analyze`` expects
    (first-order and total indices; Saltelli 2002, Saltelli et al. 2010).
    """
    problem = {"num_vars": len(bounds), "names": [f"x{i}" for i in range(len(bounds))],
               "bounds": [[float(lo), float(hi)] for lo, hi in bounds]}
    if design == "random":
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(_DESIGN_STREAM,)))
        lo, hi = np.array(bounds, dtype=float).T
        return lo + (hi - lo) * rng.random((samples, len(bounds)))
    if design == "lhs":
        from SALib.sample import latin

        return latin.sample(problem, samples, seed=seed % 2**32)
    if design == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, samples, calc_second_order=False, seed=seed % 2**32)
    raise ValueError(f"unknown sampled design '{design}'; choose from {', '.join(SAMPLED)}")


def point_seed(seed: int, point: int) -> int:
    """The seed of point `point`: numpy's SeedSequence spawned by the point index (64 bits)."""
    return int(np.random.SeedSequence(int(seed), spawn_key=(int(point),)).generate_state(1, np.uint64)[0])


def _points(sweep: Sweep, sets: list[tuple]) -> list[Point]:
    from iadsim.scenario import load as loader

    base_data = copy.deepcopy(sweep.base_doc.data)
    for loc, value, _ in sets:
        set_at(base_data, loc, value)
    catalog = sweep.base.catalog
    cells = int(np.prod(sweep.base.terrain.shape))
    points = []
    for i, (values, oat) in enumerate(_design_rows(sweep)):
        data = copy.deepcopy(base_data)
        for f in sweep.factors:
            if values[f.name] is not None:
                set_at(data, f.loc, f.scenario_value(values[f.name]))
        doc = Document(sweep.base_doc.file, data, sweep.base_doc.lines)
        try:
            spec = loader.validate_spec(doc)
            loader.check_references(spec, catalog, doc)
        except InputError as exc:
            raise point_error(sweep, i, values, exc) from None
        seed = sweep.seed if sweep.spec.common_random_numbers else point_seed(sweep.seed, i)
        points.append(Point(i, seed, values, data, oat, work_size(spec, catalog, cells)))
    return points


def point_error(sweep: Sweep, point: int, values: dict, exc: InputError) -> InputError:
    """An invalid point, reported at the sweep file's line of the factor (or `set` entry) that caused it."""
    first = exc.errors[0] if isinstance(exc, InputErrors) else exc
    loc: tuple = ()
    for f in sweep.factors:
        n = min(len(f.loc), len(first.loc))
        if values.get(f.name) is not None and f.loc[:n] == tuple(first.loc)[:n]:
            loc = ("factors", f.index)
            if f.spec.values is not None and values[f.name] in f.spec.values:
                loc = ("factors", f.index, "values", f.spec.values.index(values[f.name]))
            break
    else:
        for key in sweep.spec.set:
            if tuple(first.loc)[:1] == resolve_path(sweep.base_doc.data, key)[:1]:
                loc = ("set", key)
                break
    shown = ", ".join(f"{k}={v}" for k, v in values.items() if v is not None) or "base values"
    where = f"{first.file}:{first.line}" if first.line else first.file
    field_ = format_loc(first.loc)
    message = f"point {point} ({shown}) is not a valid scenario: {where}: {field_ + ': ' if field_ else ''}" \
              f"{first.message}"
    return InputError(sweep.doc.file, message, sweep.doc.line_of(loc) if loc else None, loc)


# ---------------------------------------------------------------------------------------------- budgets


@dataclass(frozen=True)
class WorkSize:
    """What the memory of one engine batch scales with: K time steps, T aircraft (threats and civil),
    S sensors (radars, and launchers carrying one), F fire units, U units, L links, C terrain cells."""

    steps: int
    targets: int
    sensors: int
    fire_units: int
    units: int
    links: int
    cells: int

    def world_bytes(self) -> int:
        """The replication-independent World (:func:`iadsim.engine.build_world`), at its peak while built:
        one masking-height raster per sensor plus the elevations (8 C (S + 1)); positions, velocities,
        heights and masks kept (58 bytes per K T) plus the temporaries of the per-sensor geometry and
        signal-to-noise arrays (about 250 more); Pd per look, visibility and sigma (9 bytes per K S T);
        and 16 MB of fixed overhead (compiled kernels, caches)."""
        k, t, s = self.steps, self.targets, self.sensors
        return 16_000_000 + 8 * self.cells * (s + 1) + 300 * k * t + 9 * k * s * t + k * s

    def replication_bytes(self) -> int:
        """One replication of the engine state (:class:`iadsim.engine.core.State`) at its peak within a step:
        per target the fused track (x, P) and engagement arrays plus the Kalman update's temporaries (800
        bytes); per sensor and target the confirmation counters and their temporaries in ``sense`` (64);
        per fire unit, sensor and target the boolean picture arrays of ``_known`` (4); per fire unit and
        target the assignment arrays (16); per unit and link its state (16)."""
        t, s, f = self.targets, self.sensors, self.fire_units
        return 800 * t + 64 * s * t + 4 * f * s * t + 16 * f * t + 16 * (self.units + self.links) + 64

    def batch_bytes(self, batch: int) -> int:
        """Peak bytes of one engine batch of `batch` replications: world + batch x replication."""
        return self.world_bytes() + int(batch) * self.replication_bytes()

    def describe(self) -> str:
        return (f"{self.steps:,} steps x {self.targets:,} aircraft x {self.sensors:,} sensors x "
                f"{self.fire_units:,} fire units, {self.cells:,} terrain cells")


def work_size(spec, catalog, cells: int) -> WorkSize:
    """The :class:`WorkSize` of a validated scenario spec (its units' catalog types tell sensors and fire
    units apart), without building anything."""
    from iadsim.scenario.catalog import LauncherType, RadarType

    steps = int(math.floor(spec.duration / spec.step + 1e-9)) + 1
    targets = sum(int(f.count) for f in (*spec.threats, *spec.traffic))
    sensors = fire = 0
    for unit in spec.units:
        entry = catalog.types.get(unit.type)
        if isinstance(entry, LauncherType):
            fire += 1
            sensors += bool(entry.radar)
        elif isinstance(entry, RadarType):
            sensors += 1
    return WorkSize(steps, targets, sensors, fire, len(spec.units), len(spec.links), int(cells))


def estimate_batch_bytes(scenario: Scenario, batch: int) -> int:
    """Estimated peak memory [bytes] of building a scenario's World and running one engine batch of `batch`
    replications on it (events off)::

        world       = 16 MB + 8 C (S + 1) + 300 K T + 9 K S T + K S
        replication = 800 T + 64 S T + 4 F S T + 16 F T + 16 (U + L) + 64
        bytes       = world + batch x replication

    with K time steps, T aircraft, S sensors, F fire units, U units, L links and C terrain cells. The
    coefficients come from the array shapes in :mod:`iadsim.engine.world` and :mod:`iadsim.engine.core`
    and were checked against tracemalloc peaks (the estimate was 1 to 2.5 times the measured peak in the
    scenarios tried, from 5 to 120 aircraft and 2 to 22 sensors); the interpreter and its libraries (a
    few hundred MB per process) are not included. Nothing here grows with the number of steps except the
    World: the engine keeps no per-step history.
    """
    return work_size(scenario.spec, scenario.catalog, int(np.prod(scenario.terrain.shape))).batch_bytes(batch)


_UNITS = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "m": 10**6, "mb": 10**6, "g": 10**9, "gb": 10**9,
          "t": 10**12, "tb": 10**12, "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def parse_memory(text: int | str, what: str = "--max-memory") -> int:
    """Bytes from an int or text such as '4GB', '512 MiB', '2e9' (kB, MB, GB, TB are powers of 1000; KiB,
    MiB, GiB, TiB of 1024). InputError(`what`, ...) when it is not a positive amount of memory."""
    if isinstance(text, bool):
        raise InputError(what, "expected an amount of memory such as 4GB")
    if isinstance(text, (int, float)):
        value = float(text)
    else:
        m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([A-Za-z]*)\s*", str(text))
        if m is None or m.group(2).lower() not in _UNITS:
            raise InputError(what, f"cannot read '{str(text)[:40]}' as an amount of memory (e.g. 4GB, 512MiB)")
        value = float(m.group(1)) * _UNITS[m.group(2).lower()]
    if not math.isfinite(value) or value < 1e6:
        raise InputError(what, "must be at least 1 MB")
    return int(value)


def machine_memory() -> int:
    """Physical memory [bytes] (``SC_PHYS_PAGES x SC_PAGE_SIZE``), or the cgroup's or the address-space limit
    when smaller."""
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        total = 2**63 - 1
    for limit in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            with open(limit, "rb") as f:
                text = f.read(64).strip()
        except OSError:
            continue
        if text.isdigit() and 0 < int(text) < total:
            total = int(text)
    return int(min(total, _address_space_left()))


def _address_space_left() -> int:
    """The process's address-space limit (``ulimit -v``, RLIMIT_AS) less what it already maps; unlimited
    when none is set."""
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return 2**63 - 1
    try:
        with open("/proc/self/statm", "rb") as f:
            mapped = int(f.read(64).split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        mapped = 0
    return max(soft - mapped, 0)


def memory_budget(max_memory: int | str | None = None) -> int:
    """`max_memory` in bytes, or the machine's memory when None."""
    return machine_memory() if max_memory is None else parse_memory(max_memory)


def _gb(n: float) -> str:
    return f"{n / 1e9:,.1f} GB" if n >= 1e9 else f"{n / 1e6:,.0f} MB"


def design_size(spec: SweepSpec) -> int:
    """The number of design points, from the spec alone (nothing is sampled or built)."""
    if spec.design == "grid":
        return math.prod(len(f.values or ()) for f in spec.factors)
    if spec.design == "list":
        return len(spec.factors[0].values or ())  # equal lengths checked by _check_spec
    if spec.design == "oat":
        return 1 + 2 * len(spec.factors)
    if spec.design == "sobol":
        return int(spec.samples) * (len(spec.factors) + 2)
    return int(spec.samples)


def _check_design_size(sweep: Sweep, budget: int, given: bool) -> None:
    """Refuse a design with too many points or replications, or whose points alone would not fit in memory."""
    spec, doc = sweep.spec, sweep.doc
    n = design_size(spec)
    if spec.design == "grid":
        widest = max(range(len(spec.factors)), key=lambda k: len(spec.factors[k].values or ()))
        loc, how = ("factors", widest, "values"), "the product of the factors' numbers of values; use fewer values"
    elif spec.design == "list":
        loc, how = ("factors", 0, "values"), "one per value; use fewer values"
    elif spec.design == "oat":
        loc, how = ("factors",), "1 + 2 per factor"
    elif spec.design == "sobol":
        loc, how = ("samples",), (f"samples x (factors + 2) = {spec.samples:,} x {len(spec.factors) + 2}; "
                                  "use fewer samples")
    else:
        loc, how = ("samples",), "use fewer samples"
    if n > MAX_POINTS:
        raise doc.error(loc, f"the {spec.design} design has {n:,} points ({how}); a sweep may have at most "
                             f"{MAX_POINTS:,}")
    reps = spec.replications if spec.replications is not None else spec.stop.max
    if n * reps > MAX_REPLICATIONS:
        rloc = ("replications",) if spec.replications is not None else ("stop", "max")
        raise doc.error(rloc, f"{n:,} points x {reps:,} replications = {n * reps:,} replications; a sweep may "
                              f"plan at most {MAX_REPLICATIONS:,}")
    batch = sweep.batch_size()
    units = n * math.ceil(reps / batch)
    if units > MAX_WORK_UNITS:
        bloc, name = (("batch",), "batch") if spec.stop is None else (("stop", "batch"), "stop.batch")
        fit = math.ceil(reps / (MAX_WORK_UNITS // n))
        raise doc.error(bloc, f"{n:,} points x {math.ceil(reps / batch):,} batches of {batch:,} replications = "
                              f"{units:,} work units; a sweep may have at most {MAX_WORK_UNITS:,}: use a {name} "
                              f"of at least {fit:,}")
    # every point holds a copy of the scenario data (and its JSON text for the fingerprint)
    per_point = 8 * len(json.dumps(sweep.base_doc.data, default=str)) + 2_000
    if n * per_point > budget:
        source = "--max-memory" if given else "this machine's memory"
        raise doc.error(loc, f"the {n:,} points of the {spec.design} design would take about {_gb(n * per_point)} "
                             f"of memory to hold ({how}), more than {source} ({_gb(budget)})")


def _sets_size(path: str) -> bool:
    """Whether a field path changes what work units scale with: duration, step, terrain or an aircraft count."""
    tokens = parse_path(path)
    first, last = tokens[0][1], tokens[-1][1]
    return first in ("duration", "step", "terrain") or (first in ("threats", "traffic") and last == "count")


def check_budget(sweep: Sweep, max_memory: int | str | None = None) -> int:
    """Refuse a sweep whose biggest work unit (:func:`estimate_batch_bytes` of its biggest point at the
    sweep's batch size) needs more memory than `max_memory` or the machine has; InputError naming the
    field to change (the batch size, or the factor or base scenario that makes a point too big).
    Returns the bytes of the biggest work unit."""
    budget = memory_budget(max_memory)
    source = "--max-memory" if max_memory is not None else "this machine's memory"
    batch = sweep.batch_size()
    sized = [p for p in sweep.points if p.size is not None]
    if not sized:
        return 0
    biggest = max(sized, key=lambda p: p.size.batch_bytes(batch))
    size = biggest.size
    need = size.batch_bytes(batch)
    if need <= budget:
        return need
    doc = sweep.doc
    if size.batch_bytes(1) <= budget:
        fit = max(1, (budget - size.world_bytes()) // size.replication_bytes())
        loc = ("stop", "batch") if sweep.spec.stop is not None else ("batch",)
        raise doc.error(loc, f"a work unit of {batch:,} replications of point {biggest.index} needs about "
                             f"{_gb(need)} of memory ({size.describe()}), more than {source} ({_gb(budget)}): "
                             f"use a batch of at most {fit:,}")
    base = work_size(sweep.base.spec, sweep.base.catalog, size.cells)
    loc: tuple = ("base",)
    if base.batch_bytes(1) <= budget:
        factors = [("factors", f.index) for f in sweep.factors
                   if _sets_size(f.path) and biggest.values.get(f.name) is not None]
        sets = [("set", key) for key in sweep.spec.set if _sets_size(key)]
        loc = (factors + sets + [("factors",)])[0]
    raise doc.error(loc, f"point {biggest.index} needs about {_gb(size.batch_bytes(1))} of memory for one "
                         f"replication ({size.describe()}), more than {source} ({_gb(budget)}): shorten the "
                         "duration, lengthen the step, or use fewer aircraft or sensors")


WORKER_BASE_BYTES = 300_000_000
"""Memory of an idle worker process (the interpreter with numpy, scipy, numba, pandas and pyarrow)."""


def worker_bytes(sweep: Sweep) -> int:
    """Peak memory of one worker process: its cache of Worlds, one engine batch and the interpreter."""
    sized = [p.size for p in sweep.points if p.size is not None]
    if not sized:
        return WORKER_BASE_BYTES
    worlds = min(_WORLD_CACHE, len(sized)) * max(s.world_bytes() for s in sized)
    return WORKER_BASE_BYTES + worlds + sweep.batch_size() * max(s.replication_bytes() for s in sized)


# ---------------------------------------------------------------------------------------------- work units


@dataclass(frozen=True)
class WorkUnit:
    """Replications [start, stop) of one point: the unit of work sent to a worker."""

    point: int
    batch: int
    start: int
    stop: int
    seed: int
    data: dict = field(repr=False)
    base: str = ""
    key: str = ""  # the worker's cache key of the point's World


class UnitFailed(Exception):
    """A work unit's scenario could not be built (picklable, unlike InputError's keyword state)."""

    def __init__(self, point: int, file: str, message: str, line: int | None, loc: tuple):
        super().__init__(point, file, message, line, loc)
        self.point, self.error = point, InputError(file, message, line, loc)


_WORLDS: OrderedDict = OrderedDict()  # per worker process: the last few points' Worlds
_WORLD_CACHE = 4


def run_unit(unit: WorkUnit) -> tuple[int, int, pd.DataFrame, float]:
    """Run one work unit (in a worker process): (point, batch, per-replication metrics, seconds)."""
    from iadsim.engine import Engine, build_world

    started = time.perf_counter()
    world = _WORLDS.get(unit.key)
    if world is None:
        try:
            world = build_world(scenario_from_document(Document(unit.base, unit.data), Path(unit.base)))
        except InputError as exc:
            first = exc.errors[0] if isinstance(exc, InputErrors) else exc
            raise UnitFailed(unit.point, first.file, first.message, first.line, first.loc) from None
        _WORLDS[unit.key] = world
        while len(_WORLDS) > _WORLD_CACHE:
            _WORLDS.popitem(last=False)
    else:
        _WORLDS.move_to_end(unit.key)
    engine = Engine(world, np.arange(unit.start, unit.stop), unit.seed, events=False)
    engine.run()
    frame = replication_metrics(world, engine)
    return unit.point, unit.batch, frame, time.perf_counter() - started


# ---------------------------------------------------------------------------------------------- executors


class SerialExecutor:
    """Runs work units in this process, one at a time (debugging, small tests)."""

    name = "serial"
    workers = 1

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass

    def submit(self, fn: Callable, arg) -> concurrent.futures.Future:
        future: concurrent.futures.Future = concurrent.futures.Future()
        try:
            future.set_result(fn(arg))
        except Exception as exc:
            future.set_exception(exc)
        return future

    def wait_first(self, futures) -> set:
        return set(futures)


_PR_SET_PDEATHSIG = 1  # linux/prctl.h
_PARENT_POLL = 0.5  # [s] how often a worker checks that its parent is alive


def die_with_parent(parent: int) -> None:
    """Make this (worker) process exit when process `parent` dies, even by ``kill -9``.

    On Linux the kernel sends SIGKILL through ``prctl(PR_SET_PDEATHSIG)``. That signal follows the
    *thread* that started the process (ProcessPoolExecutor starts workers from the thread that submits,
    here the sweep's thread, which outlives the pool), and it is not sent if the parent died before the
    call; so a daemon thread also polls ``os.getppid()`` (a dead parent's orphans are re-parented) and
    exits the process when it changes. Used as the local pool's worker initializer.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):  # no libc prctl: the watcher thread alone
            pass
    if os.getppid() != parent:  # died before the death signal was armed
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(_PARENT_POLL)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="iadsim-parent-watch", daemon=True).start()


class LocalExecutor:
    """Local worker processes (started with 'spawn': no inherited state, the same on every platform) that
    exit when this process dies (:func:`die_with_parent`)."""

    name = "local"

    def __init__(self, workers: int | None = None, start_method: str = "spawn"):
        self.workers = int(workers or os.cpu_count() or 1)
        self.start_method = start_method
        self.pool = None

    def __enter__(self):
        context = multiprocessing.get_context(self.start_method)
        self.pool = concurrent.futures.ProcessPoolExecutor(self.workers, mp_context=context,
                                                           initializer=die_with_parent, initargs=(os.getpid(),))
        return self

    def pids(self) -> list[int]:
        """The worker processes' PIDs (started so far)."""
        return sorted(getattr(self.pool, "_processes", None) or ()) if self.pool is not None else []

    def __exit__(self, *exc) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def submit(self, fn: Callable, arg) -> concurrent.futures.Future:
        return self.pool.submit(fn, arg)

    def wait_first(self, futures) -> set:
        done, _ = concurrent.futures.wait(futures, return_when=concurrent.futures.FIRST_COMPLETED)
        return done


CONNECT_TIMEOUT = 10.0
"""[s] the longest a sweep waits for a Dask scheduler to answer."""
_SCHEMES = ("tcp", "tls", "ws", "wss", "inproc")


def _check_scheduler(address: str, deadline: float) -> None:
    """Refuse, in bounded time, an address that is malformed, does not resolve, refuses or does not answer
    as a Dask scheduler: a tcp scheduler sends its handshake as soon as it accepts, an 8-byte frame length
    of a few hundred bytes (anything else -- an SSH server's banner read as a length is 3 EiB -- is refused
    here, before distributed would allocate it). InputError(address, reason)."""
    import ipaddress

    shown = address if len(address) <= 80 else address[:77] + "..."
    if "://" in address:
        scheme, location = address.split("://", 1)
    else:
        scheme, location = "tcp", address
    if scheme not in _SCHEMES:
        raise InputError(shown, f"unknown scheme '{scheme[:20]}' of a Dask scheduler address; give e.g. "
                                "tcp://host:8786")
    if scheme != "tcp":
        return  # reached through distributed itself, under the connect timeout
    host, sep, port_text = location.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise InputError(shown, "is not a Dask scheduler address: give tcp://host:port with a port from 1 to 65535")
    port = int(port_text)
    if re.fullmatch(r"[0-9.]+", host):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            raise InputError(shown, f"'{host}' is not a valid IPv4 address") from None
    found: list = []

    def resolve() -> None:
        try:
            found.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except (OSError, UnicodeError) as exc:
            found.append(exc)

    resolver = threading.Thread(target=resolve, daemon=True)  # name lookups have no timeout of their own
    resolver.start()
    resolver.join(max(0.1, deadline - time.monotonic()))
    if not found:
        raise InputError(shown, f"the scheduler's host name did not resolve within {CONNECT_TIMEOUT:g} s")
    if isinstance(found[0], BaseException):
        reason = getattr(found[0], "strerror", None) or found[0]
        raise InputError(shown, f"cannot resolve the scheduler's host: {reason}")
    error: str = "no address to connect to"
    for family, kind, proto, _, sockaddr in found[0]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            with socket.socket(family, kind, proto) as sock:
                sock.settimeout(remaining)
                sock.connect(sockaddr)
                head = b""
                while len(head) < 8:
                    sock.settimeout(max(0.05, deadline - time.monotonic()))
                    chunk = sock.recv(8 - len(head))
                    if not chunk:
                        break
                    head += chunk
        except TimeoutError:
            error = f"no answer within {CONNECT_TIMEOUT:g} s"
            continue
        except OSError as exc:
            error = exc.strerror or str(exc)
            continue
        if len(head) < 8 or not 0 < struct.unpack("<Q", head)[0] < 1_000_000:
            raise InputError(shown, "answers, but not as a Dask scheduler (check the host and port)")
        return
    raise InputError(shown, f"cannot connect to the Dask scheduler: {error}")


class DaskExecutor:
    """A Dask cluster: an existing `client`, a scheduler address, or a LocalCluster of worker processes.

    An unreachable or wrong scheduler address is an InputError within :data:`CONNECT_TIMEOUT` seconds.
    A LocalCluster's workers are started by distributed, whose worker processes exit with their parent.
    """

    name = "dask"

    def __init__(self, scheduler: str | None = None, workers: int | None = None, client=None):
        self.scheduler, self.n_workers, self.client = scheduler, workers, client
        self._owned: list = []

    def __enter__(self):
        if self.client is None:
            from distributed import Client, LocalCluster

            if self.scheduler:
                deadline = time.monotonic() + CONNECT_TIMEOUT
                address = str(self.scheduler).strip()
                _check_scheduler(address, deadline)
                try:
                    self.client = Client(address, timeout=max(1.0, deadline - time.monotonic()),
                                         set_as_default=False)
                except (OSError, TimeoutError, MemoryError, ValueError, TypeError, AssertionError) as exc:
                    reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
                    raise InputError(address[:80], f"cannot connect to the Dask scheduler: {reason}") from None
            else:
                cluster = LocalCluster(n_workers=int(self.n_workers or os.cpu_count() or 1), threads_per_worker=1,
                                       processes=True, dashboard_address=":0")
                self._owned.append(cluster)
                self.client = Client(cluster)
            self._owned.insert(0, self.client)
        return self

    def __exit__(self, *exc) -> None:
        for thing in self._owned:
            thing.close()
        if self._owned:
            self.client = None
        self._owned = []

    @property
    def workers(self) -> int:
        return max(1, len(self.client.scheduler_info().get("workers", {})))

    def submit(self, fn: Callable, arg):
        return self.client.submit(fn, arg, pure=False)

    def wait_first(self, futures) -> set:
        from distributed import wait

        return set(wait(list(futures), return_when="FIRST_COMPLETED").done)


def make_executor(executor: str | object = "local", workers: int | None = None, scheduler: str | None = None):
    """'local' (processes), 'dask' (a cluster at `scheduler`, or a LocalCluster) or 'serial'; objects pass."""
    if not isinstance(executor, str):
        return executor
    choices = {"local": lambda: LocalExecutor(workers), "dask": lambda: DaskExecutor(scheduler, workers),
               "serial": SerialExecutor}
    if executor not in choices:
        raise ValueError(f"unknown executor '{executor}'; choose from {', '.join(choices)}")
    return choices[executor]()


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
        half = ci_half_width(x, self.stop.confidence)
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


def ci_half_width(values, confidence: float = 0.95) -> float | None:
    """Student-t confidence-interval half-width of the finite values (None for fewer than 2: no estimate)."""
    stat = mean_ci(values, confidence)
    return stat["half_width"] if stat["n"] >= 2 else None


def run_sweep(sweep: Sweep | str | Path, out_dir: str | Path, executor: str | object = "local",
              workers: int | None = None, scheduler: str | None = None,
              progress: Callable[[SweepProgress], None] | None = None, max_units: int | None = None,
              max_memory: int | str | None = None) -> SweepResult:
    """Run (or resume) a sweep into `out_dir`; every work unit is written as it completes.

    `executor` is 'local' (processes; `workers` default os.cpu_count()), 'dask' (`scheduler` address, or a
    LocalCluster of `workers` processes), 'serial', or an executor object (e.g. ``DaskExecutor(client=c)``).
    `max_units` stops after that many units have been run (to test resuming). `max_memory` (bytes, or
    text such as '4GB'; default the machine's memory) bounds the biggest work unit (InputError naming the
    field to change) and the local executor's workers together (fewer workers, with a SweepWarning).

    The folder is locked for the run (:class:`~iadsim.analysis.store.FolderLock`); an existing folder is
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
        return _run(sweep, out_dir, ex, progress, max_units)


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


def _make_folder(out_dir: Path) -> None:
    """Create the sweep folder; InputError when the path is a file or the folder cannot be created or written."""
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(out_dir, "is a file, not a folder; give --out a folder for the sweep's results")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(out_dir, f"cannot create the sweep folder: {exc.strerror or exc}") from None
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise InputError(out_dir, "is not writable; give --out a folder you can write to")


def _run(sweep: Sweep, out_dir: Path, executor: object, progress: Callable[[SweepProgress], None] | None,
         max_units: int | None) -> SweepResult:
    schema_frame = _factor_frame(sweep)
    stop, batch = sweep.spec.stop, sweep.batch_size()
    plans = [_PointPlan(sweep.spec.replications or 0, batch, stop) for _ in sweep.points]
    done = store.completed_units(out_dir)
    on_disk: dict[int, set[int]] = {}
    for p, b in done:
        on_disk.setdefault(p, set()).add(b)
    started = time.perf_counter()
    # what to run next: per point (or stage) the batches still to run, as lazy iterators taken from the left;
    # a WorkUnit is made only when it is submitted, so memory does not grow with the number of batches
    pending: deque[tuple[int, Iterator[int]]] = deque()
    remaining = [0] * len(sweep.points)  # per point: batches queued or running, not yet written
    counts = {"skipped": 0, "run": 0, "reps_run": 0, "reps_done": 0, "compute": 0.0}
    fingerprint = sweep.fingerprint()

    def unit(p: int, b: int) -> WorkUnit:
        start, stop_ = plans[p].reps(b)
        pt = sweep.points[p]
        return WorkUnit(p, b, start, stop_, pt.seed, pt.data, str(sweep.base_path), f"{fingerprint}:{p}")

    def missing(p: int, first: int, last: int) -> Iterator[int]:
        return (b for b in range(first, last) if b not in on_disk.get(p, ()))

    def advance(p: int, first: int, front: bool = False) -> None:
        """Queue the point's missing batches from `first`; replay decisions over batches already on disk."""
        plan = plans[p]
        while True:
            have = sorted(b for b in on_disk.get(p, ()) if first <= b < plan.planned)
            for b in have:
                if stop is not None and b not in plan.values:
                    plan.values[b] = store.read_unit(out_dir, p, b, [stop.metric])[stop.metric].to_numpy(float)
                counts["skipped"] += 1
                counts["reps_done"] += plan.reps(b)[1] - plan.reps(b)[0]
            todo = plan.planned - first - len(have)
            if todo or plan.finished:
                if todo:
                    remaining[p] += todo
                    run = (p, missing(p, first, plan.planned))
                    if front:  # a later stage of a started point: before points not yet started
                        pending.appendleft(run)
                    else:
                        pending.append(run)
                return
            first = plan.planned
            plan.decide()

    def next_unit() -> WorkUnit | None:
        while pending:
            p, batches = pending[0]
            b = next(batches, None)
            if b is not None:
                return unit(p, b)
            pending.popleft()
        return None

    for p in range(len(sweep.points)):
        advance(p, 0)

    def report() -> None:
        if progress is not None:
            finished = sum(1 for p, plan in enumerate(plans) if plan.finished and not remaining[p])
            progress(SweepProgress(finished, len(plans), counts["reps_done"], sum(pl.planned_reps for pl in plans),
                                   counts["reps_run"], time.perf_counter() - started))

    report()
    with executor as ex:
        limit = 2 * getattr(ex, "workers", 1) + 2
        inflight: dict = {}
        try:
            while True:
                while len(inflight) < limit and (max_units is None or counts["run"] + len(inflight) < max_units):
                    u = next_unit()
                    if u is None:
                        break
                    inflight[ex.submit(run_unit, u)] = u
                if not inflight:
                    break
                for future in ex.wait_first(list(inflight)):
                    u = inflight.pop(future)
                    try:
                        p, b, frame, seconds = future.result()
                    except UnitFailed as exc:
                        raise point_error(sweep, exc.point, sweep.points[exc.point].values, exc.error) from None
                    rows = _rows(frame, p, schema_frame)
                    store.write_unit(out_dir, p, b, rows)
                    done.add((p, b))
                    on_disk.setdefault(p, set()).add(b)
                    remaining[p] -= 1
                    counts["run"] += 1
                    counts["compute"] += seconds
                    counts["reps_run"] += len(rows)
                    counts["reps_done"] += len(rows)
                    plan = plans[p]
                    if stop is not None:
                        plan.values[b] = rows[stop.metric].to_numpy(dtype=float)
                        if not remaining[p] and not plan.finished:
                            first = plan.planned
                            plan.decide()
                            advance(p, first, front=True)  # finish started points first
                    report()
        finally:
            for future in inflight:
                future.cancel()
    complete = all(plan.finished and not remaining[p] for p, plan in enumerate(plans))
    summary = summarise_sweep(out_dir, sweep.metrics) if complete else pd.DataFrame()
    if complete:
        store.write_json(out_dir / store.SUMMARY, {"name": sweep.name, "complete": True,
                                                   "points": summary.to_dict(orient="records")})
    return SweepResult(out_dir, store.points_frame(out_dir), summary, counts["run"], counts["skipped"],
                       counts["reps_run"], time.perf_counter() - started, counts["compute"])


def _prepare(sweep: Sweep, out_dir: Path) -> None:
    """Adopt the (locked) folder or refuse it, then write points.json and copies of the inputs.

    A folder is adopted when it is empty or its points.json carries this sweep's fingerprint; anything
    else -- another sweep's design, a points.json that cannot be read, results or other files without a
    points.json -- is refused with InputError saying to choose another --out or delete the folder. The
    existing results files are then checked (:func:`~iadsim.analysis.store.check_units`).
    """
    fingerprint = sweep.fingerprint()
    path = out_dir / store.POINTS
    advice = "choose another --out folder or delete this one"
    try:
        entries = {e.name for e in os.scandir(out_dir)}
    except OSError as exc:
        raise InputError(out_dir, f"cannot be read: {exc.strerror or exc}") from None
    entries -= {store.LOCK}
    entries = {e for e in entries if not store.TEMPORARY.match(e)}
    if store.POINTS in entries:
        try:
            old = read_json(path, what="sweep design (points.json)")
        except InputError as exc:
            raise InputError(exc.file, f"{exc.message}: this folder's sweep cannot be identified; {advice}",
                             exc.line) from None
        if not isinstance(old, dict) or old.get("fingerprint") != fingerprint:
            if isinstance(old, dict) and old.get("plan") == sweep.plan_fingerprint():
                raise InputError(out_dir, f"holds results computed from other inputs: {_changed(old, sweep)} "
                                          f"changed since; {advice}")
            raise InputError(out_dir, "holds the results of a different sweep (its points, seeds or replications "
                                      f"differ, or its points.json was changed); {advice}")
    elif entries:
        what = (f"has a {store.RESULTS} folder but no {store.POINTS}" if store.RESULTS in entries else
                f"is not empty and is not a sweep folder (no {store.POINTS})")
        raise InputError(out_dir, f"{what}, so its contents cannot be matched to this sweep; {advice}")
    meta = {
        "name": sweep.name, "fingerprint": fingerprint, "plan": sweep.plan_fingerprint(), "inputs": sweep.inputs,
        "format_version": CURRENT["sweep"],
        "sweep_file": str(sweep.file), "base": str(sweep.base_path), "design": sweep.spec.design, "seed": sweep.seed,
        "common_random_numbers": sweep.spec.common_random_numbers,
        "replications": sweep.spec.replications, "stop": sweep.spec.stop.model_dump() if sweep.spec.stop else None,
        "batch": sweep.batch_size(), "metrics": sweep.metrics,
        "factors": [{"name": f.name, "path": f.path, "kind": f.kind, "unit": f.spec.unit, "values": f.spec.values,
                     "low": f.spec.low, "high": f.spec.high} for f in sweep.factors],
        "points": [{"point": p.index, "seed": p.seed, "values": p.values,
                    **({"oat": {"factor": p.oat[0], "level": p.oat[1]}} if p.oat else {})} for p in sweep.points],
    }
    store.write_json(path, meta)  # first: a folder killed right after this is still recognised
    try:
        (out_dir / store.RESULTS).mkdir(exist_ok=True)
    except OSError as exc:
        raise InputError(out_dir / store.RESULTS, f"cannot create the results folder: {exc.strerror or exc}") from None
    store.remove_temporary(out_dir)
    for source, name in ((sweep.file, "sweep.yaml"), (sweep.base_path, "scenario.yaml")):
        _copy_input(source, out_dir / name)
    store.check_units(store.unit_files(out_dir), _expected_columns(sweep))


def _changed(old: dict, sweep: Sweep) -> str:
    """Which kinds of input differ from those recorded in an earlier points.json (quoting none of it)."""
    recorded = old.get("inputs") if isinstance(old.get("inputs"), dict) else {}
    kinds = [what for key, what in (("catalog", "a catalog file"), ("terrain", "the terrain file"),
                                    ("iadsim", "the iadsim version")) if recorded.get(key) != sweep.inputs.get(key)]
    return "the sweep's inputs (" + (" and ".join(kinds) or "catalog, terrain or iadsim version") + ")"


def _copy_input(source: Path, target: Path) -> None:
    """Copy an input file into the folder (read with the safe reader, written atomically)."""
    try:
        if target.exists() and os.path.samefile(source, target):
            return
    except OSError:
        pass
    data = read_bytes(source, what="sweep or scenario file")
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(target, f"cannot write: {exc.strerror or exc}") from None


def _expected_columns(sweep: Sweep) -> dict:
    """Column name -> allowed pyarrow types of this sweep's results files, in order."""
    import pyarrow as pa

    kinds = {"float": (pa.float64(),), "int": (pa.int64(),), "bool": (pa.bool_(),),
             "string": (pa.large_string(), pa.string())}
    columns = {"point": (pa.int64(),), "replication": (pa.int64(),)}
    columns.update({f.name: kinds[f.kind] for f in sweep.factors})
    columns.update({m: (pa.int64(), pa.float64()) for m in METRICS})
    return columns


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
    for m in METRICS:
        x = np.asarray(metrics[m])
        out[m] = x.astype(np.float64) if x.dtype.kind == "f" else x.astype(np.int64)
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
