"""The design's points: the factor values of every point (:func:`sample_design` for the sampled designs),
each point's seed (:func:`point_seed`), its scenario built from the base and validated, and the error that
names the sweep file's line of the factor that made a point invalid (:func:`point_error`).
"""

from __future__ import annotations

import copy
import itertools

import numpy as np
import pandas as pd

from iadsim.analysis.sweep.budget import work_size
from iadsim.analysis.sweep.spec import SAMPLED, Point, Sweep
from iadsim.scenario import InputError, InputErrors
from iadsim.scenario.paths import resolve_path, set_at
from iadsim.scenario.yamlio import Document, format_loc

_DESIGN_STREAM = 2**31 - 1  # spawn key of the design's own random numbers (random design)


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


def point_label(values: dict) -> str:
    """A point's factor values as the sweep's messages show them (``crew=untrained, mtbf=0.5``)."""
    return ", ".join(f"{k}={level_text(v)}" for k, v in values.items() if v is not None) or "base values"


def level_text(value: object) -> str:
    """A factor's level as the sweep's tables show it: ``base`` where the point leaves the factor at the base
    scenario's value (an oat design's other factors, stored as missing), a whole number without a trailing
    ``.0`` (the results store a count such as a raid's size as a float)."""
    if value is None or (np.ndim(value) == 0 and not isinstance(value, str) and bool(pd.isna(value))):
        return "base"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


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
    where = f"{first.file}:{first.line}" if first.line else first.file
    field_ = format_loc(first.loc)
    message = f"point {point} ({point_label(values)}) is not a valid scenario: {where}: " \
              f"{field_ + ': ' if field_ else ''}{first.message}"
    return InputError(sweep.doc.file, message, sweep.doc.line_of(loc) if loc else None, loc)

