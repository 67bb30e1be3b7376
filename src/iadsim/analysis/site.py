"""``iadsim site``: a scenario and candidate positions in, a folder with the sited scenario, the coverage gain per
unit and band, the solver's status and before/after maps out. The rules are :mod:`iadsim.analysis.siting`'s.

Files written to the output folder (staged beside it, then moved in: nothing is written on bad input):

* ``{scenario}-sited.yaml``: the scenario with the named units at their new positions (x/y from the origin; the
  file's comments kept; relative paths rewritten for the folder), loaded and validated before it is written;
* ``siting.json``: the solver's method and status (optimal, or the gap to which upper bound), the coverage per
  band before and after, each unit's move and coverage gain per band;
* ``siting.csv``: the coverage gain per unit and band;
* ``map_{h}m.png``: before/after coverage maps per band; ``report.html``: all of it on one page.
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from iadsim.analysis.coverage import (
    PD_THRESHOLD,
    _band_name,
    _bands,
    _faintest_ir,
    _worst_threats,
    area_of_interest,
    threat_types_of,
)
from iadsim.analysis.siting import AXIS_WIDTH, PD_RANGE_STEP, Problem, SitingOptions, Solution, coverage_of, solve
from iadsim.network import build_network
from iadsim.physics.reflection import SURFACE_CLASSES
from iadsim.scenario import InputError, Scenario
from iadsim.scenario.yamlio import read_text
from iadsim.sensors import Geometry, in_sector, look_pd, sensor_entry, sensor_model
from iadsim.terrain import DEFAULT_K, masking_heights

__all__ = ["MAX_CANDIDATES", "SitingInput", "build_problem", "read_candidates", "site"]

MAX_CANDIDATES = 20_000
"""Most candidate positions one run considers."""

MAX_CELLS = 2_000_000
"""Most coverage-grid cells (a coarser ``cell`` is asked for beyond)."""

_BATCH = 8  # observers per masking sweep call


@dataclass(frozen=True)
class SitingInput:
    """A problem with what it was built from: the coverage grid and the candidates' origins."""

    problem: Problem
    unit_ids: list[str]
    bands: tuple[float, ...]
    cell_rc: np.ndarray  # (n_cells, 2) row, col of each kept cell on the coverage grid
    grid_shape: tuple[int, int]
    grid_origin: tuple[float, float]  # world x of column 0's left edge, y of row 0's top edge [m]
    cell: float
    candidate_source: list[str]  # per candidate: "given:ID", or "FILE:LINE", or "auto"


# ----------------------------------------------------------------------------------------------------
# Candidates
# ----------------------------------------------------------------------------------------------------
def read_candidates(path: str | Path, scenario: Scenario) -> tuple[np.ndarray, list[int]]:
    """Candidate positions from a CSV file with a header: ``x,y`` (lengths from the scenario origin, east and north;
    a bare number is metres, e.g. ``12 km`` or ``12000``) or ``lat,lon`` (degrees); other columns are ignored.
    Returns the world positions (n, 2) [m] and each one's line. Raises InputError (file, line, field) for a bad
    value or a position off the terrain."""
    from iadsim.units import UnitError, clip, is_bare_number, parse_quantity

    path = Path(path)
    text = read_text(path, what="candidates file")
    rows = csv.reader(io.StringIO(text))
    header = next(rows, None)
    if header is None:
        raise InputError(path, "empty: expected a header line x,y or lat,lon", 1)
    names = [h.strip().lower() for h in header]
    if {"x", "y"} <= set(names):
        fields = ("x", "y")
    elif {"lat", "lon"} <= set(names):
        fields = ("lat", "lon")
    else:
        raise InputError(path, "the header must name the columns x,y or lat,lon", 1)
    cols = [names.index(f) for f in fields]
    ox, oy = scenario.origin_xy
    terrain = scenario.terrain
    to_grid = None
    xy, lines = [], []
    for line, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(xy) >= MAX_CANDIDATES:
            raise InputError(path, f"more than {MAX_CANDIDATES:,} candidates", line)
        values = []
        for name, col in zip(fields, cols, strict=True):
            item = row[col].strip() if col < len(row) else ""
            try:
                if fields == ("x", "y"):
                    value = float(item) if is_bare_number(item) else parse_quantity(item, "length")
                else:
                    value = float(item)
            except (UnitError, ValueError):
                raise InputError(path, f"{name}: '{clip(item)}' is not a {'length' if name in 'xy' else 'degree'} "
                                 "value", line) from None
            if not math.isfinite(value) or (name == "lat" and abs(value) > 90) or (name == "lon" and abs(value) > 180):
                raise InputError(path, f"{name}: '{clip(item)}' is out of range", line)
            values.append(value)
        if fields == ("x", "y"):
            x, y = ox + values[0], oy + values[1]
        else:
            if to_grid is None:
                from pyproj import CRS, Transformer

                to_grid = Transformer.from_crs(CRS.from_epsg(4326), CRS.from_user_input(terrain.crs), always_xy=True)
            x, y = to_grid.transform(values[1], values[0])
        if not _on_terrain(terrain, x, y):
            raise InputError(path, f"{fields[0]}: the candidate is off the terrain (DEM) or on a nodata cell", line)
        xy.append((x, y))
        lines.append(line)
    if not xy:
        raise InputError(path, "holds no candidate rows")
    return np.asarray(xy, float), lines


def _on_terrain(terrain, x, y) -> bool:
    if not (math.isfinite(x) and math.isfinite(y)) or not bool(terrain.contains(np.array([x]), np.array([y]))[0]):
        return False
    row, col = terrain.xy_to_rowcol(np.array([x]), np.array([y]))
    return bool(np.isfinite(terrain.elevation[int(row[0]), int(col[0])]))


def _slope(terrain) -> np.ndarray:
    """Ground slope [rad] of each DEM cell (central differences; NaN next to nodata)."""
    dx, dy = terrain.cell_size
    gy, gx = np.gradient(terrain.elevation, dy, dx)
    return np.arctan(np.hypot(gx, gy))


def _water(scenario: Scenario) -> np.ndarray | None:
    """Cells whose land cover's surface class is sea or fresh water (None without land cover)."""
    classes = scenario.surface_classes
    if classes is None:
        return None
    return np.isin(classes, [SURFACE_CLASSES.index("sea"), SURFACE_CLASSES.index("fresh-water")])


def _auto_candidates(scenario: Scenario, n: int, box, slope, water, max_slope: float) -> np.ndarray:
    """``n`` candidates: a lattice of about 4n points over the coverage region's box, those on the terrain, flat
    enough and dry kept, ranked by prominence (ground minus the mean within 1 km) and the highest n taken, in
    lattice order."""
    from scipy import ndimage

    terrain = scenario.terrain
    xmin, ymin, xmax, ymax = box
    step = math.sqrt((xmax - xmin) * (ymax - ymin) / (4 * n))
    xs = np.arange(xmin + step / 2, xmax, step)
    ys = np.arange(ymax - step / 2, ymin, -step)
    gx, gy = (a.ravel() for a in np.meshgrid(xs, ys))
    on = terrain.contains(gx, gy)
    gx, gy = gx[on], gy[on]
    rows, cols = terrain.xy_to_rowcol(gx, gy)
    z = terrain.elevation
    window = max(3, int(round(2e3 / min(terrain.cell_size))) | 1)
    mean = ndimage.uniform_filter(np.nan_to_num(z, nan=float(np.nanmean(z))), size=window, mode="nearest")
    keep = np.isfinite(z[rows, cols]) & (slope[rows, cols] <= max_slope)
    if water is not None:
        keep &= ~water[rows, cols]
    prominence = (z - mean)[rows, cols]
    index = np.flatnonzero(keep)
    chosen = np.sort(index[np.argsort(-prominence[index], kind="stable")[:n]])
    return np.column_stack([gx[chosen], gy[chosen]])


# ----------------------------------------------------------------------------------------------------
# The coverage grid and the masks
# ----------------------------------------------------------------------------------------------------
def _grid(scenario: Scenario, cell: float):
    """(centres x, y (n_cells,), row/col (n_cells, 2), shape, origin (x0, y0), weights (n_cells,), box)."""
    terrain = scenario.terrain
    region = area_of_interest(scenario)
    rows, cols = np.nonzero(region.mask)
    ax, ay = terrain.rowcol_to_xy(rows, cols)
    points = [np.column_stack([ax, ay])]
    axes = [scenario.routes[r.id][:, :2] for r in scenario.spec.threats if r.id in scenario.routes]
    for route in axes:
        points.append(route - AXIS_WIDTH)
        points.append(route + AXIS_WIDTH)
    xy = np.concatenate(points)
    left, bottom, right, top = terrain.bounds
    x0, x1 = max(xy[:, 0].min(), left), min(xy[:, 0].max(), right)
    y0, y1 = max(xy[:, 1].min(), bottom), min(xy[:, 1].max(), top)
    n_cols, n_rows = max(1, math.ceil((x1 - x0) / cell)), max(1, math.ceil((y1 - y0) / cell))
    if n_rows * n_cols > 2_000_000:
        raise InputError("--cell", f"the coverage grid would have {n_rows * n_cols:,} cells (at most 2,000,000): "
                         "give a larger cell")
    rr, cc = np.meshgrid(np.arange(n_rows), np.arange(n_cols), indexing="ij")
    cx, cy = x0 + (cc.ravel() + 0.5) * cell, y1 - (rr.ravel() + 0.5) * cell
    on = terrain.contains(cx, cy)
    dr, dc = terrain.xy_to_rowcol(cx, cy)
    dr, dc = np.where(on, dr, 0), np.where(on, dc, 0)
    on &= np.isfinite(terrain.elevation[dr, dc])
    weight = (on & region.mask[dr, dc]).astype(float)
    near = np.zeros(cx.size, bool)
    for route in axes:
        near |= _distance_to_route(cx, cy, route) <= AXIS_WIDTH
    weight += on & near
    keep = weight > 0
    rc = np.column_stack([rr.ravel()[keep], cc.ravel()[keep]])
    return cx[keep], cy[keep], rc, (n_rows, n_cols), (x0, y1), weight[keep], (x0, y0, x1, y1)


def _distance_to_route(x, y, route) -> np.ndarray:
    if len(route) == 1:
        return np.hypot(x - route[0, 0], y - route[0, 1])
    best = np.full(np.shape(x), np.inf)
    for a, b in zip(route[:-1], route[1:], strict=True):
        ab = b - a
        t = np.clip(((x - a[0]) * ab[0] + (y - a[1]) * ab[1]) / max(float(ab @ ab), 1e-12), 0, 1)
        best = np.minimum(best, np.hypot(x - a[0] - t * ab[0], y - a[1] - t * ab[1]))
    return best


def _pd_table(scenario: Scenario, sensor, bands, threats, faintest) -> np.ndarray:
    """(n_bands, n_ranges) bool: per-look Pd >= 0.5 over a flat earth at ground ranges 0, step, ... max range (and
    the slant range within the instrumented range)."""
    surface = scenario.spec.surface
    ranges = np.arange(0.0, sensor.max_range + PD_RANGE_STEP, PD_RANGE_STEP)
    table = np.zeros((len(bands), ranges.size), bool)
    for b, height in enumerate(bands):
        path = Geometry.flat(ranges, sensor.antenna_height, height, surface=surface.type,
                             height_std=surface.height_std)
        ok = path.slant_range <= sensor.max_range
        for rcs, case in threats:
            ok &= look_pd(sensor, path, rcs, case, ir_intensity=faintest) >= PD_THRESHOLD
        table[b] = ok
    return table


def _masks(scenario: Scenario, sites: np.ndarray, profiles: list[dict], bands, cx, cy, rc_dem) -> np.ndarray:
    """(n_profiles, n_sites, n_bands, n_bytes) packed coverage; one masking sweep per (site, antenna height)."""
    terrain = scenario.terrain
    n_bytes = (cx.size + 7) // 8
    out = np.zeros((len(profiles), len(sites), len(bands), n_bytes), np.uint8)
    heights = sorted({p["antenna_height"] for p in profiles if p["sensor"] is not None})
    srow, scol = terrain.xy_to_rowcol(sites[:, 0], sites[:, 1])
    # the farthest the sweep must reach: the corner of the cells' box farthest from each site
    far = np.hypot(np.maximum(np.abs(cx.min() - sites[:, 0]), np.abs(cx.max() - sites[:, 0])),
                   np.maximum(np.abs(cy.min() - sites[:, 1]), np.abs(cy.max() - sites[:, 1])))
    for height in heights:
        members = [i for i, p in enumerate(profiles) if p["sensor"] is not None and p["antenna_height"] == height]
        reach = max(profiles[i]["sensor"].max_range for i in members)
        for start in range(0, len(sites), _BATCH):
            batch = np.arange(start, min(start + _BATCH, len(sites)))
            distance = float(min(reach, far[batch].max() + 2 * max(terrain.cell_size)))
            sweep = masking_heights(terrain.elevation, terrain.cell_size, srow[batch], scol[batch], height,
                                    k=DEFAULT_K, max_distance=max(distance, 1.0))
            masking = sweep[:, rc_dem[0], rc_dem[1]]  # (batch, n_cells)
            del sweep
            for j, s in enumerate(batch):
                dx, dy = cx - sites[s, 0], cy - sites[s, 1]
                ground = np.hypot(dx, dy)
                index = np.minimum(np.rint(ground / PD_RANGE_STEP).astype(np.int64), 2**31)
                for i in members:
                    table = profiles[i]["table"]
                    inside = index < table.shape[1]
                    idx = np.where(inside, index, 0)
                    sector = in_sector(profiles[i]["sector"], dx, dy)
                    for b, h in enumerate(bands):
                        covered = inside & table[b, idx] & (masking[j] <= h) & sector
                        out[i, s, b] = np.packbits(covered, bitorder="little")
    return out


def _profile(scenario: Scenario, unit, senses: bool, bands, threats, faintest) -> dict:
    sensor = sensor_model(scenario, unit) if senses else None
    if sensor is None:
        return {"key": ("none",), "sensor": None, "antenna_height": None, "sector": None, "table": None}
    sector = unit.sector
    key = (unit.type, float(sensor.antenna_height),
           None if sector is None else (float(sector.centre), float(sector.width)))
    return {"key": key, "sensor": sensor, "antenna_height": float(sensor.antenna_height), "sector": sector,
            "table": _pd_table(scenario, sensor, bands, threats, faintest)}


# ----------------------------------------------------------------------------------------------------
# The problem
# ----------------------------------------------------------------------------------------------------
def build_problem(scenario: Scenario, unit_ids: list[str], options: SitingOptions,
                  candidates: str | Path | None = None, auto: int | None = None) -> SitingInput:
    """The siting problem of a scenario (rules: :mod:`iadsim.analysis.siting`).

    Raises
    ------
    InputError
        Unknown or repeated units (``--units``), a bad candidates file (file, line, field), or a unit no candidate
        meets the constraints for (the option named).
    """
    spec = scenario.spec
    known = {u.id: u for u in spec.units}
    if not unit_ids:
        raise InputError("--units", "name at least one unit to site")
    unknown = [u for u in unit_ids if u not in known]
    if unknown:
        raise InputError("--units", f"unknown unit '{unknown[0]}'; the scenario's units: "
                         f"{', '.join(list(known)[:20])}{' ...' if len(known) > 20 else ''}")
    if len(set(unit_ids)) < len(unit_ids):
        raise InputError("--units", "a unit is named twice")
    if (candidates is None) == (auto is None):
        raise InputError("--candidates/--auto", "give either --candidates FILE or --auto N")
    if auto is not None and not 1 <= auto <= MAX_CANDIDATES:
        raise InputError("--auto", f"give between 1 and {MAX_CANDIDATES:,} candidates")
    try:
        bands = _bands(options.bands)
        names = threat_types_of(scenario, options.threat_types)
    except ValueError as exc:
        raise InputError("--bands/--threat", str(exc)) from None
    for name in ("cell", "min_separation", "link_range", "launcher_reach"):
        value = getattr(options, name)
        if not (math.isfinite(value) and value >= (0 if name == "min_separation" else 1.0)):
            least = "0 m" if name == "min_separation" else "1 m"
            raise InputError(f"--{name.replace('_', '-')}", f"must be a finite length of at least {least}")
    if not 0 <= options.max_slope <= math.pi / 2:
        raise InputError("--max-slope", "must be between 0 and 90 degrees")
    if not (math.isfinite(options.time_limit) and options.time_limit > 0):
        raise InputError("--time-limit", "must be a positive number of seconds")
    terrain = scenario.terrain
    threats, faintest = _worst_threats(scenario, names), _faintest_ir(scenario, names)
    cx, cy, cell_rc, shape, origin, weights, box = _grid(scenario, options.cell)
    rc_dem = terrain.xy_to_rowcol(cx, cy)
    slope, water = _slope(terrain), _water(scenario)

    sited = [known[u] for u in unit_ids]
    given = np.array([(scenario.sites[u].x, scenario.sites[u].y) for u in unit_ids], float)
    if candidates is not None:
        extra, lines = read_candidates(candidates, scenario)
        source = [f"{Path(candidates).name}:{line}" for line in lines]
    else:
        extra = _auto_candidates(scenario, int(auto), box, slope, water, options.max_slope)
        source = ["auto"] * len(extra)
    xy = np.concatenate([given, extra.reshape(-1, 2)])
    source = [f"given:{u}" for u in unit_ids] + source

    net = build_network(scenario)
    profiles: list[dict] = []
    profile_of = []
    for unit in sited:
        p = _profile(scenario, unit, bool(net.senses[unit.id]), bands, threats, faintest)
        keys = [q["key"] for q in profiles]
        if p["key"] not in keys:
            profiles.append(p)
            keys.append(p["key"])
        profile_of.append(keys.index(p["key"]))
    fixed_units = [u for u in spec.units if u.id not in unit_ids]
    # constraints: terrain, then distances to the fixed units, then pairs of sited units
    rows, cols = terrain.xy_to_rowcol(xy[:, 0], xy[:, 1])
    terrain_ok = np.isfinite(terrain.elevation[rows, cols])
    steps = [("--max-slope", slope[rows, cols] <= options.max_slope + 1e-12)]
    if water is not None:
        steps.append(("water (the land cover's sea or fresh-water cells)", ~water[rows, cols]))
    allowed = np.tile(terrain_ok, (len(sited), 1))
    for option, ok in steps:
        _restrict(allowed, ok[None, :], option, unit_ids)
    positions = {u.id: (scenario.sites[u.id].x, scenario.sites[u.id].y) for u in spec.units}
    index = {u: i for i, u in enumerate(unit_ids)}

    def given_distance(a: str, b: str) -> float:
        return math.dist(positions[a], positions[b])

    apart, within = [], {}
    if options.min_separation > 0:
        sep = np.ones_like(allowed)
        for i, u in enumerate(unit_ids):
            for f in fixed_units:
                limit = min(options.min_separation, given_distance(u, f.id))
                sep[i] &= np.hypot(xy[:, 0] - positions[f.id][0], xy[:, 1] - positions[f.id][1]) >= limit
            for j in range(i + 1, len(unit_ids)):
                apart.append((i, j, min(options.min_separation, given_distance(u, unit_ids[j]))))
        _restrict(allowed, sep, "--min-separation", unit_ids)
    reach = np.ones_like(allowed)
    option_of = {}
    for link in spec.links:
        a, b = link.from_, link.to
        if a not in index and b not in index:
            continue
        receiver = known[b]
        launcher = scenario.catalog.types[receiver.type].kind == "launcher" and sensor_entry(scenario, receiver) is None
        short = link.carries == "fire-control" and launcher
        limit = max(options.launcher_reach if short else options.link_range, given_distance(a, b))
        option = "--launcher-reach" if short else "--link-range"
        if a in index and b in index:
            key = tuple(sorted((index[a], index[b])))
            within[key] = min(within.get(key, math.inf), limit)
            continue
        u, f = (a, b) if a in index else (b, a)
        reach[index[u]] &= np.hypot(xy[:, 0] - positions[f][0], xy[:, 1] - positions[f][1]) <= limit
        option_of.setdefault(index[u], option)
    for i, u in enumerate(unit_ids):
        if not (allowed[i] & reach[i]).any():
            raise InputError(option_of.get(i, "--link-range"), f"no candidate meets the constraints for unit '{u}' "
                             "(its links to the units kept where they are are too long from every candidate)")
    allowed &= reach
    masks = _masks(scenario, xy, profiles, bands, cx, cy, rc_dem)
    fixed = np.zeros((len(bands), (cx.size + 7) // 8), np.uint8)
    for unit in fixed_units:
        if not net.senses[unit.id] or sensor_model(scenario, unit) is None:
            continue
        p = _profile(scenario, unit, True, bands, threats, faintest)
        site = scenario.sites[unit.id]
        fixed |= _masks(scenario, np.array([[site.x, site.y]]), [p], bands, cx, cy, rc_dem)[0, 0]

    problem = Problem(xy, allowed, np.asarray(profile_of), masks, np.tile(weights, (len(bands), 1)), fixed,
                      np.zeros(len(bands)), apart, [(u, v, d) for (u, v), d in sorted(within.items())],
                      np.arange(len(sited)))
    problem = replace(problem, floors=coverage_of(problem, problem.given))
    return SitingInput(problem, list(unit_ids), bands, cell_rc, shape, origin, options.cell, source)


def _restrict(allowed: np.ndarray, ok: np.ndarray, option: str, unit_ids: list[str]) -> None:
    """``allowed &= ok``, or InputError naming the option when it leaves a unit no candidate."""
    after = allowed & ok
    empty = np.flatnonzero(~after.any(axis=1) & allowed.any(axis=1))
    if empty.size:
        raise InputError(option, f"no candidate meets this constraint for unit '{unit_ids[empty[0]]}'")
    allowed &= ok


# ----------------------------------------------------------------------------------------------------
# The product
# ----------------------------------------------------------------------------------------------------
def site(scenario: Scenario, unit_ids: list[str], out_dir: str | Path, options: SitingOptions | None = None,
         candidates: str | Path | None = None, auto: int | None = None, method: str = "auto") -> dict:
    """Site the named units and write the folder (module docstring); returns the ``siting.json`` summary.

    Raises
    ------
    InputError
        Bad input (:func:`build_problem`), or constraints no laydown of the candidates meets.
    """
    options = SitingOptions() if options is None else options
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(out, "is a file, not a folder; --out names the folder to write")
    start = time.monotonic()
    built = build_problem(scenario, unit_ids, options, candidates, auto)
    try:
        solution = solve(built.problem, options.time_limit, method)
    except ValueError as exc:
        raise InputError("--units", str(exc)) from None
    elapsed = time.monotonic() - start
    summary = _summary(scenario, built, solution, options, elapsed)
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        name = f"{scenario.path.stem}-sited.yaml"
        _write_scenario(scenario, built, solution, stage / name, out)
        files = [name, "siting.json", "siting.csv"]
        files += _write_maps(scenario, built, solution, stage)
        summary["files"] = [*files, "report.html"]
        (stage / "siting.json").write_text(json.dumps(summary, indent=2))
        _write_csv(stage / "siting.csv", summary)
        _write_html(stage / "report.html", summary)
        if not out.exists():
            os.rename(stage, out)
        else:
            for f in summary["files"]:
                os.replace(stage / f, out / f)
            shutil.rmtree(stage)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return summary


def _summary(scenario: Scenario, built: SitingInput, solution: Solution, options: SitingOptions,
             elapsed: float) -> dict:
    problem = built.problem
    names = [_band_name(h) for h in built.bands]
    cell_km2 = built.cell**2 / 1e6
    ones = np.ones_like(problem.weights)
    area = replace(problem, weights=ones)
    before, after = problem.floors, solution.per_band
    before_km2 = coverage_of(area, problem.given) * cell_km2
    after_km2 = coverage_of(area, solution.assignment) * cell_km2
    ox, oy = scenario.origin_xy
    units = []
    for u, uid in enumerate(built.unit_ids):
        back = solution.assignment.copy()
        back[u] = problem.given[u]
        gain = after - coverage_of(problem, back)
        gain_km2 = after_km2 - coverage_of(area, back) * cell_km2
        c, g = int(solution.assignment[u]), int(problem.given[u])
        unit = scenario.unit(uid)
        units.append({
            "id": uid, "type": unit.type, "mast_height_m": unit.mast_height,
            "given": {"x_m": round(float(problem.xy[g, 0] - ox), 1), "y_m": round(float(problem.xy[g, 1] - oy), 1)},
            "sited": {"x_m": round(float(problem.xy[c, 0] - ox), 1), "y_m": round(float(problem.xy[c, 1] - oy), 1)},
            "candidate": built.candidate_source[c],
            "moved_m": round(math.dist(problem.xy[c], problem.xy[g]), 1),
            "gain_weighted": {n: round(float(v), 3) for n, v in zip(names, gain, strict=True)},
            "gain_km2": {n: round(float(v), 3) for n, v in zip(names, gain_km2, strict=True)},
        })
    return {
        "scenario": scenario.name,
        "units": units,
        "bands_agl_m": list(built.bands),
        "solver": {"method": solution.method,
                   "status": "optimal" if solution.method == "milp" else "heuristic",
                   "objective": round(solution.objective, 6), "bound": round(solution.bound, 6),
                   "bound_kind": solution.bound_kind, "gap": round(solution.gap, 6), "notes": solution.notes,
                   "time_limit_s": options.time_limit, "elapsed_s": round(elapsed, 2)},
        "coverage": {
            "weighted_before": {n: round(float(v), 3) for n, v in zip(names, before, strict=True)},
            "weighted_after": {n: round(float(v), 3) for n, v in zip(names, after, strict=True)},
            "km2_before": {n: round(float(v), 3) for n, v in zip(names, before_km2, strict=True)},
            "km2_after": {n: round(float(v), 3) for n, v in zip(names, after_km2, strict=True)},
        },
        "grid": {"cell_m": built.cell, "cells": int(problem.n_cells), "shape": list(built.grid_shape),
                 "weights": f"1 inside the area of interest (defended assets + 30 km, or the laydown's box) plus 1 "
                            f"within {AXIS_WIDTH / 1e3:g} km of a raid's route; the same at every band"},
        "candidates": {"count": int(problem.xy.shape[0]), "given_included": len(built.unit_ids)},
        "constraints": {"max_slope_deg": round(math.degrees(options.max_slope), 3),
                        "min_separation_m": options.min_separation, "link_range_m": options.link_range,
                        "launcher_reach_m": options.launcher_reach,
                        "rule": "a distance limit is never tighter than the given laydown's own distance for that "
                                "pair; per-band weighted coverage at least the given laydown's"},
        "rules": {"coverage": "masking height (4/3 earth, mast height) <= band height at the cell centre, in range "
                              "and sector, flat-earth per-look Pd >= 0.5 against every threat type",
                  "gain": "a unit's gain: the coverage of the sited laydown minus that of the same laydown with "
                          "this unit back at its given position"},
    }


def _write_scenario(scenario: Scenario, built: SitingInput, solution: Solution, path: Path, final: Path) -> None:
    """The scenario file with the named units moved (ruamel.yaml round trip: comments kept), loaded before it is
    kept. Relative paths are rewritten relative to the final folder."""
    from ruamel.yaml import YAML

    from iadsim.scenario import load_scenario
    from iadsim.scenario.versions import _sequence_offset

    text = read_text(scenario.path)
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    data = yaml.load(text)
    offset = _sequence_offset(data)
    yaml.indent(mapping=2, sequence=offset + 2, offset=offset)  # lists stay indented as the file has them
    ox, oy = scenario.origin_xy
    ids = {uid: i for i, uid in enumerate(built.unit_ids)}
    for entry in data["units"]:
        i = ids.get(entry.get("id"))
        if i is None:
            continue
        x, y = built.problem.xy[solution.assignment[i]]
        for key in ("lat", "lon"):
            entry.pop(key, None)
        entry["x"] = f"{(x - ox) / 1e3:.3f} km"
        entry["y"] = f"{(y - oy) / 1e3:.3f} km"
    base = scenario.path.resolve().parent
    target = final.resolve()

    def moved(value: str) -> str:
        return value if Path(value).is_absolute() else Path(os.path.relpath(base / value, target)).as_posix()

    terrain = data.get("terrain")
    if isinstance(terrain, dict) and isinstance(terrain.get("source"), str) and terrain["source"] != "sample":
        terrain["source"] = moved(terrain["source"])
    elif isinstance(terrain, dict) and isinstance(terrain.get("source"), list):
        terrain["source"] = [moved(s) for s in terrain["source"]]
    if isinstance(data.get("catalog"), list):
        data["catalog"] = [moved(s) for s in data["catalog"]]
    cover = (data.get("surface") or {}).get("landcover") if isinstance(data.get("surface"), dict) else None
    if isinstance(cover, dict):
        cover["path"] = moved(cover["path"])
        if str(cover.get("classes", "")).lower().endswith((".yaml", ".yml")):
            cover["classes"] = moved(cover["classes"])
    buffer = io.StringIO()
    buffer.write(f"# Units {', '.join(built.unit_ids)} sited by `iadsim site` (see siting.json).\n")
    yaml.dump(data, buffer)
    # validated where its relative paths resolve as they will: the staging folder is a sibling of the final one
    path.write_text(buffer.getvalue())
    load_scenario(path)


def _write_csv(path: Path, summary: dict) -> None:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["unit", "band_agl_m", "gain_weighted", "gain_km2"])
        for unit in summary["units"]:
            for band, value in unit["gain_weighted"].items():
                writer.writerow([unit["id"], band, value, unit["gain_km2"][band]])
        cov = summary["coverage"]
        for band in cov["weighted_after"]:
            writer.writerow(["(network)", band, round(cov["weighted_after"][band] - cov["weighted_before"][band], 3),
                             round(cov["km2_after"][band] - cov["km2_before"][band], 3)])


def _raster(built: SitingInput, bits: np.ndarray) -> np.ndarray:
    """A packed per-cell mask as a (rows, cols) float raster on the coverage grid (NaN outside the region)."""
    values = np.unpackbits(bits, count=built.problem.n_cells, bitorder="little").astype(float)
    out = np.full(built.grid_shape, np.nan)
    out[built.cell_rc[:, 0], built.cell_rc[:, 1]] = values
    return out


def _write_maps(scenario: Scenario, built: SitingInput, solution: Solution, folder: Path) -> list[str]:
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure

    problem = built.problem
    ox, oy = scenario.origin_xy
    x0, y1 = built.grid_origin
    n_rows, n_cols = built.grid_shape
    extent = ((x0 - ox) / 1e3, (x0 + n_cols * built.cell - ox) / 1e3, (y1 - n_rows * built.cell - oy) / 1e3,
              (y1 - oy) / 1e3)
    files = []
    union = {}
    for label, a in (("before", problem.given), ("after", solution.assignment)):
        cover = problem.fixed.copy()
        for u, c in enumerate(a):
            cover |= problem.masks[problem.profile[u], c]
        union[label] = cover
    colours = ListedColormap(["#eeeeee", "#4c78a8", "#54a24b", "#e45756"])  # uncovered, kept, gained, lost
    for b, height in enumerate(built.bands):
        before, after = _raster(built, union["before"][b]), _raster(built, union["after"][b])
        fig = Figure(figsize=(12, 5.5), layout="constrained")
        for k, (label, raster) in enumerate((("before (given laydown)", before), ("after (sited)", after))):
            ax = fig.add_subplot(1, 2, k + 1)
            if k == 0:
                shown = np.where(np.isnan(raster), np.nan, raster)
            else:
                shown = np.where(np.isnan(raster), np.nan,
                                 np.select([(after == 1) & (before == 0), (after == 0) & (before == 1), after == 1],
                                           [2, 3, 1], 0))
            ax.imshow(np.ma.masked_invalid(shown), cmap=colours, vmin=-0.5, vmax=3.5, extent=extent,
                      origin="upper", interpolation="nearest")
            for unit in scenario.spec.units:
                if unit.id in built.unit_ids:
                    continue
                site = scenario.sites[unit.id]
                ax.plot((site.x - ox) / 1e3, (site.y - oy) / 1e3, "^", color="black", ms=5)
            for u, uid in enumerate(built.unit_ids):
                g, c = problem.xy[problem.given[u]], problem.xy[solution.assignment[u]]
                p = g if k == 0 else c
                ax.plot((p[0] - ox) / 1e3, (p[1] - oy) / 1e3, "o", color="orange", mec="black", ms=7)
                ax.annotate(uid, ((p[0] - ox) / 1e3, (p[1] - oy) / 1e3), fontsize=7, xytext=(4, 4),
                            textcoords="offset points")
                if k == 1 and not np.allclose(g, c):
                    ax.annotate("", ((c[0] - ox) / 1e3, (c[1] - oy) / 1e3), ((g[0] - ox) / 1e3, (g[1] - oy) / 1e3),
                                arrowprops={"arrowstyle": "->", "color": "black", "lw": 0.8})
            ax.set_title(f"{label}: {_band_name(height)} m above ground", fontsize=10)
            ax.set_xlabel("x east of origin [km]")
            ax.set_ylabel("y north of origin [km]")
            ax.set_aspect("equal")
        fig.suptitle(f"{scenario.name}: detection coverage (blue kept, green gained, red lost, grey uncovered; "
                     "orange: sited units, black: units kept)", fontsize=9)
        name = f"map_{_band_name(height)}m.png"
        fig.savefig(folder / name, dpi=100)
        files.append(name)
    return files


def _write_html(path: Path, summary: dict) -> None:
    e = html.escape
    solver = summary["solver"]
    if solver["method"] == "milp":
        status = "optimal (MILP, HiGHS)"
    else:
        status = (f"heuristic (greedy + local search); gap {solver['gap']:.2%} to the "
                  f"{'LP relaxation' if solver['bound_kind'] == 'lp' else 'sum of stand-alone gains'} bound")
    bands = list(summary["coverage"]["weighted_after"])
    cov = summary["coverage"]
    parts = [f"<!doctype html><meta charset='utf-8'><title>{e(summary['scenario'])}: siting</title>",
             f"<h1>{e(summary['scenario'])}: siting</h1><p>Solver: {e(status)}; objective "
             f"{solver['objective']:g}, bound {solver['bound']:g}.</p>",
             "<h2>Coverage per band</h2><table border=1><tr><th>band [m AGL]</th><th>before [km2]</th>"
             "<th>after [km2]</th><th>weighted before</th><th>weighted after</th></tr>"]
    for band in bands:
        parts.append(f"<tr><td>{e(band)}</td><td>{cov['km2_before'][band]:g}</td><td>{cov['km2_after'][band]:g}</td>"
                     f"<td>{cov['weighted_before'][band]:g}</td><td>{cov['weighted_after'][band]:g}</td></tr>")
    parts.append("</table><h2>Units</h2><table border=1><tr><th>unit</th><th>type</th><th>moved [m]</th>"
                 + "".join(f"<th>gain {e(b)} m [km2]</th>" for b in bands) + "</tr>")
    for unit in summary["units"]:
        parts.append(f"<tr><td>{e(unit['id'])}</td><td>{e(unit['type'])}</td><td>{unit['moved_m']:g}</td>"
                     + "".join(f"<td>{unit['gain_km2'][b]:g}</td>" for b in bands) + "</tr>")
    parts.append("</table><h2>Maps</h2>")
    for name in summary["files"]:
        if name.endswith(".png"):
            parts.append(f"<p><img src='{e(name)}' style='max-width:100%'></p>")
    path.write_text("\n".join(parts) + "\n")
