"""The sweep file and what it loads into: the file's models (:class:`SweepSpec`, :class:`FactorSpec`,
:class:`StopSpec`), the factors' field paths (the grammar is :mod:`iadsim.scenario.paths`),
the loaded sweep (:class:`Factor`, :class:`Point`, :class:`Sweep`),
the checks of the spec made before anything is built, and the sha256 of the files the points read
(:func:`input_hashes`, part of the sweep's fingerprint).
"""

from __future__ import annotations

import errno
import hashlib
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr

from iadsim.analysis.metrics import METRICS as REGISTRY
from iadsim.analysis.metrics import REPLICATION_METRICS as METRICS
from iadsim.scenario import InputError, InputErrors, Scenario
from iadsim.scenario.load import terrain_sha256
from iadsim.scenario.paths import resolve_path
from iadsim.scenario.yamlio import Document, read_bytes
from iadsim.terrain import TerrainError

if TYPE_CHECKING:
    from iadsim.analysis.sweep.budget import WorkSize

DESIGNS = ("grid", "list", "random", "lhs", "sobol", "oat")
SAMPLED = ("random", "lhs", "sobol")
DEFAULT_METRICS = ("leakers", "kills", "wrongful_engagements", "missiles_expended")
RESERVED_COLUMNS = ("point", "replication", "seed", "replications", *METRICS,
                    *(f"{m}_{s}" for m in METRICS for s in ("mean", "ci_low", "ci_high", "half_width")))
"""Column names of the results and summaries that a factor name may not take (compared ignoring case:
DuckDB's identifiers are case-insensitive), for the built-in metrics; :func:`reserved_columns` adds the
metrics registered since."""


def reserved_columns() -> tuple[str, ...]:
    """:data:`RESERVED_COLUMNS` with every metric registered now."""
    return tuple(dict.fromkeys((*RESERVED_COLUMNS, *METRICS, *(f"{m}_{s}" for m in METRICS
                                                               for s in ("mean", "ci_low", "ci_high", "half_width")))))


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
    tradeoff: Annotated[list[str], Field(min_length=2, max_length=2)] | None = Field(
        None, description="the report's trade-off chart: two registered metrics, the cost (x axis) then the "
        "outcome (y axis), each optionally with the way that is better (leakers:lower); its Pareto front is marked. "
        "Absent: wrongful_engagements, leakers")


# ---------------------------------------------------------------------------------------------- field paths

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
    base_notes: tuple[str, ...] = ()  # the warnings loading the base scenario gave (said when it was loaded)

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


# ---------------------------------------------------------------------------------------------- input hashes


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
    them: ``{"catalog": {name: sha256}, "terrain": sha256 or None}``: the terrain's over the DEM file(s) and
    the land-cover raster and a user's class table (:func:`iadsim.scenario.load.terrain_digest`; None: flat
    or the built-in sample, without land cover)."""
    folder = Path(path).parent
    catalog = {}
    for name in data.get("catalog") or ():
        catalog[str(name)] = hashlib.sha256(read_bytes(folder / str(name), what="catalog file")).hexdigest()
    terrain = data.get("terrain") if isinstance(data.get("terrain"), dict) else {}
    source = terrain.get("source")
    if not (isinstance(source, str) or (isinstance(source, list) and all(isinstance(s, str) for s in source))):
        source = None
    surface = data.get("surface") if isinstance(data.get("surface"), dict) else {}
    landcover = surface.get("landcover") if isinstance(surface.get("landcover"), dict) else None
    try:
        digest = terrain_sha256(source, landcover, folder, lambda f: _file_sha256(f, "terrain or land-cover file"))
    except TerrainError as exc:
        raise InputError(Path(exc.path), exc.reason) from None
    return {"catalog": catalog, "terrain": digest}


def sweep_inputs(sweep: Sweep) -> dict:
    """What the points read besides their data: every catalog and terrain file they name (by name as written,
    relative to the base scenario) with its sha256, and the iadsim version and code (:func:`code_sha256`: what
    computes results)."""
    import iadsim
    from iadsim.analysis.provenance import code_sha256

    catalog: dict[str, str] = {}
    terrain: dict[str, str] = {}
    seen = set()
    for p in sweep.points:
        source = (p.data.get("terrain") or {}).get("source") if isinstance(p.data.get("terrain"), dict) else None
        surface = p.data.get("surface") if isinstance(p.data.get("surface"), dict) else {}
        key = (tuple(str(c) for c in p.data.get("catalog") or ()), str(source), str(surface.get("landcover")))
        if key in seen:
            continue
        seen.add(key)
        hashes = input_hashes(p.data, sweep.base_path)
        catalog.update(hashes["catalog"])
        if hashes["terrain"] is not None:
            name = str(source) if isinstance(source, str) else ", ".join(map(str, source or ()))
            landcover = surface.get("landcover")
            if isinstance(landcover, dict):
                name += f" + land cover {landcover.get('path')} ({landcover.get('classes')})"
            terrain[name] = hashes["terrain"]
    return {"iadsim": str(iadsim.__version__), "code": code_sha256(), "catalog": catalog, "terrain": terrain}


# ---------------------------------------------------------------------------------------------- checks of the spec


def _check_spec(spec: SweepSpec, doc: Document) -> None:
    errors = []
    for i, m in enumerate(spec.metrics):
        if m not in METRICS:
            errors.append(doc.error(("metrics", i), f"unknown metric '{m}'; known: {', '.join(METRICS)}"))
    for i, m in enumerate(spec.tradeoff or ()):
        name, _, direction = m.partition(":")
        if name not in REGISTRY:
            errors.append(doc.error(("tradeoff", i), f"unknown metric '{name}'; the trade-off chart plots two of: "
                                    f"{', '.join(REGISTRY)}"))
        elif "threats" in (REGISTRY[name].needs or ()):
            errors.append(doc.error(("tradeoff", i), f"'{name}' needs each point's number of threats, which a sweep "
                                    "does not keep: use leakers or kills"))
        elif direction not in ("", "lower", "higher") or not (direction or REGISTRY[name].better):
            errors.append(doc.error(("tradeoff", i), f"say which way is better for '{name}': {name}:lower or "
                                    f"{name}:higher"))
    if spec.tradeoff and spec.tradeoff[0].partition(":")[0] == spec.tradeoff[1].partition(":")[0]:
        errors.append(doc.error(("tradeoff", 1), "a trade-off sets two different metrics against each other"))
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
    reserved = {c.casefold() for c in reserved_columns()}
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
        if f.integer and not sampled:  # (only sampled designs round: a grid's 0.5 crashed writing its column)
            levels = [("values", v) for v in f.values or ()] + [(n, getattr(f, n)) for n in ("low", "high")
                                                                 if getattr(f, n) is not None]
            bad = next((n for n, v in levels if not (_is_number(v) and float(v).is_integer())), None)
            if bad is not None:
                errors.append(doc.error(("factors", k, bad), "with integer: true the levels of a "
                                        f"{spec.design} design must be whole numbers (only sampled designs round)"))
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
        for j, v in enumerate(levels):  # (NaN stands for "the base's value" in the results: never a level)
            if isinstance(v, float) and not math.isfinite(v):
                where = ("factors", k, "values", j) if f.values is not None else ("factors", k, ("low", "high")[j])
                raise doc.error(where, f"{v} is not a level: give a finite number")
        if all(isinstance(v, bool) for v in levels):
            kind = "bool"
        elif all(_is_number(v) for v in levels):
            whole = all(isinstance(v, int) for v in levels) and spec.design not in SAMPLED
            kind = "int" if f.integer or whole else "float"
        else:
            kind = "string"
        out.append(Factor(f.name or f.path, f.path, loc, f, k, kind))
    return out

