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
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import numba
import numpy as np

from iadsim.analysis.coverage import (
    PD_THRESHOLD,
    area_of_interest,
    band_name,
    faintest_ir,
    parse_bands,
    sensor_clutter,
    sensor_paths,
    threat_types_of,
    worst_threats,
)
from iadsim.analysis.siting import (
    AXIS_WIDTH,
    BOUND_NAMES,
    Problem,
    SitingOptions,
    Solution,
    coverage_of,
    solve,
)
from iadsim.files import umask_mode
from iadsim.network import build_network
from iadsim.physics.propagation import RADIO_K
from iadsim.physics.reflection import SURFACE_CLASSES
from iadsim.scenario import InputError, Scenario
from iadsim.scenario.yamlio import read_text
from iadsim.sensors import Geometry, look_pd, sensor_entry, sensor_model
from iadsim.sensors.geometry import CURVATURE_TOLERANCE
from iadsim.terrain import DEFAULT_K, local_relief, masking_heights
from iadsim.units import EARTH_RADIUS

__all__ = ["MAX_CANDIDATES", "SitingInput", "build_problem", "read_candidates", "site"]

MAX_CANDIDATES = 20_000
"""Most candidate positions one run considers."""

MAX_CELLS = 2_000_000
"""Most coverage-grid cells (a coarser ``cell`` is asked for beyond)."""

_BATCH = 8  # sites that sweep as far (the farthest any of them needs); (site, height) rasters per sweep call

_PATHS = 1 << 18  # paths built or judged at once (at least the coverage grid's cells)

MEMORY_BUDGET = 3e9
"""Estimated peak memory [bytes] above which a run is refused (naming --cell and the candidates' option)."""


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
    within_option: list[str]  # per pair of problem.within: the option that set its limit
    warnings: list[str]  # given sites a terrain rule would exclude (they stay allowed)


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
            raise InputError(path, f"{fields[0]}: the candidate is off the terrain (DEM) or next to a nodata cell "
                             "(its ground elevation cannot be interpolated)", line)
        xy.append((x, y))
        lines.append(line)
    if not xy:
        raise InputError(path, "holds no candidate rows")
    return np.asarray(xy, float), lines


def _on_terrain(terrain, x, y) -> bool:
    """Whether the ground elevation at (x, y) interpolates (:meth:`iadsim.terrain.Dem.elevation_at` finite, the
    scenario loader's own check of a site)."""
    return bool(math.isfinite(x) and math.isfinite(y) and np.isfinite(terrain.elevation_at(np.array([x]),
                                                                                           np.array([y])))[0])


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
    """``n`` candidates: a lattice of about 4n points over the coverage region's box, those whose ground elevation
    interpolates (:meth:`iadsim.terrain.Dem.elevation_at`), flat enough and dry kept, ranked by prominence (ground
    minus the mean within 1 km) and the highest n taken, in lattice order. The ranking favours high sites."""
    from scipy import ndimage

    terrain = scenario.terrain
    xmin, ymin, xmax, ymax = box
    step = math.sqrt((xmax - xmin) * (ymax - ymin) / (4 * n))
    xs = np.arange(xmin + step / 2, xmax, step)
    ys = np.arange(ymax - step / 2, ymin, -step)
    gx, gy = (a.ravel() for a in np.meshgrid(xs, ys))
    on = np.isfinite(terrain.elevation_at(gx, gy))  # the loader's check of a site: the elevation interpolates
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
    if n_rows * n_cols > MAX_CELLS:
        raise InputError("--cell", f"the coverage grid would have {n_rows * n_cols:,} cells (at most "
                         f"{MAX_CELLS:,}): give a larger cell")
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


def _masks(scenario: Scenario, sites: np.ndarray, profiles: list[dict], bands, rc_dem, context: dict) -> np.ndarray:
    """(n_profiles, n_sites, n_bands, n_bytes) packed coverage; one masking sweep per (site, antenna height).

    Each grid cell is judged at the centre of the DEM cell holding its centre, with :func:`iadsim.analysis.coverage`'s
    own path geometry (:func:`iadsim.sensors.path_geometry`: the antenna at the site's ground plus its height, the
    target at the band's height above the cell's ground, reflection at the specular point, land clutter) and the
    sensor's visibility and per-look Pd >= 0.5 against every threat type: a given laydown's coverage is
    ``iadsim coverage``'s on those DEM cells.

    The sites' sweeps run batch after batch (:func:`_sites_per_sweep` sites, their antenna heights together; the
    heights whose sweeps reach as far) in a thread (:func:`_sweeps`) while the sites of the batch before are judged
    (:func:`_judge`)."""
    terrain = scenario.terrain
    n_cells = rc_dem[0].size
    n_bytes = (n_cells + 7) // 8
    out = np.zeros((len(profiles), len(sites), len(bands), n_bytes), np.uint8)
    heights = sorted({p["antenna_height"] for p in profiles if p["sensor"] is not None})
    members = {h: [i for i, p in enumerate(profiles) if p["sensor"] is not None and p["antenna_height"] == h]
               for h in heights}
    reach = {h: max(profiles[i]["sensor"].max_range for i in members[h]) for h in heights}
    srow, scol = terrain.xy_to_rowcol(sites[:, 0], sites[:, 1])
    site_ground = terrain.elevation_at(sites[:, 0], sites[:, 1])
    px, py = terrain.rowcol_to_xy(rc_dem[0], rc_dem[1])
    cell_ground = terrain.elevation[rc_dem[0], rc_dem[1]]
    cells = {"x": px, "y": py, "ground": cell_ground, "valid": np.isfinite(cell_ground),
             "flat": rc_dem[0] * terrain.shape[1] + rc_dem[1]}  # each cell's index in a flattened raster
    # the farthest the sweep must reach: the corner of the cells' box farthest from each site
    far = np.hypot(np.maximum(np.abs(px.min() - sites[:, 0]), np.abs(px.max() - sites[:, 0])),
                   np.maximum(np.abs(py.min() - sites[:, 1]), np.abs(py.max() - sites[:, 1])))
    # each block of _BATCH sites (in their order) sweeps as far as the farthest of them needs, at most the reach of
    # the sensors with that antenna height; the sweeps run a few sites at a time, the heights that reach as far
    # together
    jobs = []  # (sites, antenna heights, sweep distance, window)
    size = _sites_per_sweep(len(heights))
    for block in range(0, len(sites), _BATCH):
        sites_of = np.arange(block, min(block + _BATCH, len(sites)))
        by_distance: dict[float, list[float]] = {}
        for height in heights:
            distance = float(min(reach[height], far[sites_of].max() + 2 * max(terrain.cell_size)))
            by_distance.setdefault(max(distance, 1.0), []).append(height)
        for distance, group in by_distance.items():
            for start in range(0, sites_of.size, size):
                batch = sites_of[start:start + size]
                beams = [getattr(profiles[i]["sensor"], "beamwidth", None) for h in group for i in members[h]]
                jobs.append((batch, group, distance, _window(terrain, rc_dem, srow[batch], scol[batch], distance,
                                                             max((b for b in beams if b is not None), default=0.0))))
    for (batch, group, _, _), sweep in _sweeps(terrain, srow, scol, jobs):
        placed = [(sites[s, 0], sites[s, 1], site_ground[s]) for s in batch]
        for k, height in enumerate(group):
            for i in members[height]:  # the sweeps are (site, height) in site-major order
                out[i, batch] = _judge(scenario, profiles[i]["sensor"], placed, sweep[k::len(group)], bands, cells,
                                       context)
    return out


def _window(terrain, rc_dem, rows, cols, distance: float, beamwidth: float) -> tuple[int, int, int, int]:
    """The DEM cells (first row, last row, first column, last column) a judge of paths from sites (rows, cols) to
    the grid's cells (``rc_dem``) may read in their sweeps, which reach ``distance`` [m]: the box of the sites and
    the cells (it holds the specular points, between the two), widened by the farthest land clutter is looked up
    off a path (:func:`iadsim.sensors.geometry.land_clutter`: at the path's range, at most half the azimuth
    ``beamwidth`` [rad] aside: an arc of at most distance x beamwidth / 2) and by two cells for rounding."""
    dx, dy = terrain.cell_size
    aside = (distance + 2 * max(dx, dy)) * beamwidth / 2
    pad_r, pad_c = math.ceil(aside / dy) + 2, math.ceil(aside / dx) + 2
    n_rows, n_cols = terrain.shape
    return (max(int(min(rc_dem[0].min(), rows.min())) - pad_r, 0),
            min(int(max(rc_dem[0].max(), rows.max())) + pad_r, n_rows - 1),
            max(int(min(rc_dem[1].min(), cols.min())) - pad_c, 0),
            min(int(max(rc_dem[1].max(), cols.max())) + pad_c, n_cols - 1))


def _sites_per_sweep(n_heights: int) -> int:
    """Sites per masking-sweep call (:func:`_masks`; one thread sweeps a site's ``n_heights`` antenna heights
    together): :data:`_BATCH` rasters' worth, but at least one site per numba thread, at most :data:`_BATCH`."""
    return min(_BATCH, max(1, _BATCH // max(n_heights, 1), numba.get_num_threads()))


def _sweeps(terrain, srow, scol, jobs: list):
    """Yield each job (sites, antenna heights, distance, window) with its masking sweeps
    (:func:`iadsim.terrain.masking_heights`, one per site and height, site-major), the next job's computed meanwhile
    in a thread (the compiled sweep releases the GIL). Two buffers, allocated once, take turns: a yielded sweep stays
    valid until the next one is asked for."""
    if not jobs:
        return
    size = max(len(batch) * len(group) for batch, group, _, _ in jobs)
    buffers = [np.empty((size, *terrain.shape)) for _ in range(min(2, len(jobs)))]
    threads = numba.get_num_threads()  # the caller's (numba's setting is per thread)

    def sweep(k: int) -> np.ndarray:
        batch, group, distance, window = jobs[k]
        numba.set_num_threads(threads)
        return masking_heights(terrain.elevation, terrain.cell_size, np.repeat(srow[batch], len(group)),
                               np.repeat(scol[batch], len(group)), np.tile(group, len(batch)), k=DEFAULT_K,
                               max_distance=distance, out=buffers[k % 2][:len(batch) * len(group)], window=window)

    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(sweep, 0)
        for k, job in enumerate(jobs):
            done = pending.result()
            if k + 1 < len(jobs):
                pending = pool.submit(sweep, k + 1)  # into the other buffer than ``done``'s
            yield job, done


def _judge(scenario: Scenario, sensor, placed: list, sweep: np.ndarray, bands, cells: dict,
           context: dict) -> np.ndarray:
    """(n_sites, n_bands, n_bytes) packed coverage of ``sensor`` at sites ``placed`` (x, y, ground [m]) with their
    masking sweeps ``sweep`` (:func:`_masks`' rule).

    Per site, the paths to the cells that may be in line of sight at any band are built together (one target
    height per path), the visible ones kept; land clutter is found for the cells seen at some band; the per-look
    Pd of the paths seen from all the sites is evaluated together. At most ``max(n_cells, _PATHS)`` paths are
    built or judged at once. Each path's result is the one it gets alone: the path geometry, visibility, clutter
    and Pd are worked out per path."""
    px, py, ground, flat, valid = cells["x"], cells["y"], cells["ground"], cells["flat"], cells["valid"]
    n_cells = px.size
    limit = max(n_cells, _PATHS)
    levels = np.asarray(bands, float)
    slot = np.empty(n_cells, np.intp)
    covered = np.zeros((len(placed), levels.size, n_cells), bool)
    found, where = [], []  # the paths seen, not judged yet, and their (site, band, cell)

    def judge() -> None:
        path, (s, b, c) = Geometry.concatenate(found), np.concatenate(where).T
        ok = np.ones(s.size, bool)
        for rcs, case in context["threats"]:
            ok &= look_pd(sensor, path, rcs, case, ir_intensity=context["faintest"]) >= PD_THRESHOLD
        covered[s[ok], b[ok], c[ok]] = True
        found.clear()
        where.clear()

    for j, site in enumerate(placed):
        dx, dy = px - site[0], py - site[1]
        ground_range = np.hypot(dx, dy)
        masking = sweep[j].reshape(-1).take(flat)
        near = np.flatnonzero((ground_range <= sensor.max_range) & np.isfinite(masking) & valid)
        if not near.size:
            continue
        # no line of sight without: the band above the masking height, or the masking height within the curvature
        # tolerance of the smooth earth's (at most d^2 / 2kR): the exact test decides. The cells that pass at the
        # highest band first (those that pass at any band), then those that pass at each band.
        sphere = ground_range[near] ** 2 / (2 * RADIO_K * EARTH_RADIUS) + 2 * CURVATURE_TOLERANCE
        top = masking[near] <= np.maximum(levels.max() + 1.0, sphere)
        near, sphere = near[top], sphere[top]
        maybe = [near[masking[near] <= np.maximum(h + 1.0, sphere)] for h in levels]
        bands_of = np.repeat(np.arange(levels.size), [m.size for m in maybe])
        cells_of = np.concatenate(maybe)
        for start in range(0, cells_of.size, limit):
            band, index = bands_of[start:start + limit], cells_of[start:start + limit]
            path = sensor_paths(scenario, sensor, site, sweep[j], context["relief"], px[index], py[index],
                                ground[index], levels[band])
            seen = np.flatnonzero(sensor.visibility(path, dx[index], dy[index]))
            if not seen.size:
                continue
            path, band, index = path.take(seen), band[seen], index[seen]
            lit = np.zeros(n_cells, bool)  # the cells seen at some band: land clutter is needed there only
            lit[index] = True
            lit = np.flatnonzero(lit)
            clutter = sensor_clutter(scenario, sensor, site[:2], sweep[j], px[lit], py[lit])
            if clutter is not None:
                slot[lit] = np.arange(lit.size)
                path = replace(path, clutter_gamma=clutter[slot[index]])
            if sum(p.slant_range.size for p in found) + seen.size > limit:
                judge()
            found.append(path)
            where.append(np.column_stack([np.full(seen.size, j), band, index]))
    if found:
        judge()
    return np.packbits(covered, axis=-1, bitorder="little")


def _profile(scenario: Scenario, unit, senses: bool) -> dict:
    sensor = sensor_model(scenario, unit) if senses else None
    if sensor is None:
        return {"key": ("none",), "sensor": None, "antenna_height": None}
    sector = unit.sector
    key = (unit.type, float(sensor.antenna_height),
           None if sector is None else (float(sector.center), float(sector.width)))
    return {"key": key, "sensor": sensor, "antenna_height": float(sensor.antenna_height)}


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
        bands = parse_bands(options.bands)
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
    threats, faintest = worst_threats(scenario, names), faintest_ir(scenario, names)
    cx, cy, cell_rc, shape, origin, weights, box = _grid(scenario, options.cell)
    rc_dem = terrain.xy_to_rowcol(cx, cy)
    slope, water = _slope(terrain), _water(scenario)

    sited = [known[u] for u in unit_ids]
    given = np.array([(scenario.sites[u].x, scenario.sites[u].y) for u in unit_ids], float)
    if candidates is not None:
        extra, lines = read_candidates(candidates, scenario)
        source = [f"{Path(candidates).name}:{line}" for line in lines]
        n_extra = len(extra)
    else:
        n_extra = int(auto)
    net = build_network(scenario)
    fixed_units = [u for u in spec.units if u.id not in unit_ids]
    fixed_sensors = [u for u in fixed_units if net.senses[u.id] and sensor_model(scenario, u) is not None]
    heights = {m.antenna_height for u in sited if net.senses[u.id] and (m := sensor_model(scenario, u)) is not None}
    _memory_guard(len(sited) + n_extra, len(sited), max(len(heights), 1), len(bands), cx.size, terrain.shape,
                  "--candidates" if candidates is not None else "--auto")
    if candidates is None:
        extra = _auto_candidates(scenario, int(auto), box, slope, water, options.max_slope)
        source = ["auto"] * len(extra)
    xy = np.concatenate([given, extra.reshape(-1, 2)])
    source = [f"given:{u}" for u in unit_ids] + source

    context = {"relief": local_relief(terrain.elevation, terrain.cell_size), "threats": threats,
               "faintest": faintest}
    profiles: list[dict] = []
    profile_of = []
    for unit in sited:
        p = _profile(scenario, unit, bool(net.senses[unit.id]))
        keys = [q["key"] for q in profiles]
        if p["key"] not in keys:
            profiles.append(p)
            keys.append(p["key"])
        profile_of.append(keys.index(p["key"]))
    # constraints: terrain, then distances to the fixed units, then pairs of sited units; each unit's own given
    # site stays allowed (its candidate index is the unit's index), as the distance rules keep the given distances
    rows, cols = terrain.xy_to_rowcol(xy[:, 0], xy[:, 1])
    steps = [("--max-slope", slope[rows, cols] <= options.max_slope + 1e-12)]
    if water is not None:
        steps.append(("water (the land cover's sea or fresh-water cells)", ~water[rows, cols]))
    allowed = np.tile(np.isfinite(terrain.elevation_at(xy[:, 0], xy[:, 1])), (len(sited), 1))
    own = np.arange(len(sited))
    notices: list[str] = []
    for option, ok in steps:
        for i in np.flatnonzero(~ok[own]):
            what = (f"--max-slope ({math.degrees(slope[rows[i], cols[i]]):.1f} degrees there)"
                    if option == "--max-slope" else f"the terrain rules ({option})")
            notices.append(f"unit '{unit_ids[i]}': its given site fails {what}; the unit may stay there (the "
                           "given laydown must stay feasible), its other candidates must meet it")
        ok = np.tile(ok, (len(sited), 1))
        ok[own, own] = True
        _restrict(allowed, ok, option, unit_ids)
    positions = {u.id: (scenario.sites[u.id].x, scenario.sites[u.id].y) for u in spec.units}
    index = {u: i for i, u in enumerate(unit_ids)}

    def given_distance(a: str, b: str) -> float:
        return math.dist(positions[a], positions[b])

    apart, within, within_option = [], {}, {}
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
            if limit < within.get(key, math.inf):
                within[key], within_option[key] = limit, option
            continue
        u, f = (a, b) if a in index else (b, a)
        reach[index[u]] &= np.hypot(xy[:, 0] - positions[f][0], xy[:, 1] - positions[f][1]) <= limit
        option_of.setdefault(index[u], option)
    for i, u in enumerate(unit_ids):
        if not (allowed[i] & reach[i]).any():
            raise InputError(option_of.get(i, "--link-range"), f"no candidate meets the constraints for unit '{u}' "
                             "(its links to the units kept where they are are too long from every candidate)")
    allowed &= reach
    masks = _masks(scenario, xy, profiles, bands, rc_dem, context)
    fixed = np.zeros((len(bands), (cx.size + 7) // 8), np.uint8)
    for unit in fixed_sensors:
        p = _profile(scenario, unit, True)
        site = scenario.sites[unit.id]
        fixed |= _masks(scenario, np.array([[site.x, site.y]]), [p], bands, rc_dem, context)[0, 0]

    pairs = sorted(within)
    problem = Problem(xy, allowed, np.asarray(profile_of), masks, np.tile(weights, (len(bands), 1)), fixed,
                      np.zeros(len(bands)), apart, [(u, v, within[(u, v)]) for u, v in pairs],
                      np.arange(len(sited)))
    problem = replace(problem, floors=coverage_of(problem, problem.given))
    return SitingInput(problem, list(unit_ids), bands, cell_rc, shape, origin, options.cell, source,
                       [within_option[k] for k in pairs], notices)


def _memory_guard(n_candidates: int, n_profiles: int, n_heights: int, n_bands: int, n_cells: int, dem_shape,
                  option: str) -> None:
    """InputError naming ``--cell`` and ``option`` when the run's estimated peak memory exceeds
    :data:`MEMORY_BUDGET`: the packed masks, the coverage grid's per-cell arrays, the DEM rasters and two batches of
    masking sweeps (``n_heights`` antenna heights), the paths judged at once, the solver's model (at most
    :data:`iadsim.analysis.siting.MODEL_BYTES`) and the heuristic's chunked temporaries
    (:data:`iadsim.analysis.siting.CHUNK` candidates)."""
    from iadsim.analysis.siting import CHUNK, MODEL_BYTES

    n_bytes = (n_cells + 7) // 8
    dem = dem_shape[0] * dem_shape[1] * 8
    need = (n_profiles * n_candidates * n_bands * n_bytes  # masks
            + n_cells * 160  # grid: centres, rows/cols, weights, ground, masking rows, temporaries (~20 x 8 bytes)
            + dem * (8 + 2 * n_heights * _sites_per_sweep(n_heights))  # slope, gradients, filters; two batches of
            # sweeps (one judged while the next is swept)
            + max(n_cells, _PATHS) * 80 * 8  # the paths built or judged at once: ~80 float64 temporaries each
            + MODEL_BYTES
            + 6 * CHUNK * n_bands * n_bytes + 64 * n_candidates)  # heuristic: a chunk's unions, per-candidate arrays
    if need > MEMORY_BUDGET:
        raise InputError(f"--cell/{option}", f"the run would need about {need / 1e9:.1f} GB of memory (budget "
                         f"{MEMORY_BUDGET / 1e9:g} GB) for {n_candidates:,} candidates, {n_cells:,} cells and "
                         f"{n_bands} bands: give a larger --cell or fewer candidates")


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
        raise InputError(_cause(built), str(exc)) from None
    elapsed = time.monotonic() - start
    summary = _summary(scenario, built, solution, options, elapsed)
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    os.chmod(stage, umask_mode(0o777))  # a folder as mkdir makes it, not mkdtemp's 0700
    try:
        name = f"{scenario.path.stem}-sited.yaml"
        try:
            _write_scenario(scenario, built, solution, stage / name, out)
        except InputError as exc:  # name the file as it would be written, never the staging folder
            raise InputError(out / name, exc.message.replace(str(stage), str(out)), exc.line, exc.loc) from None
        files = [name, "siting.json", "siting.csv"]
        files += _write_maps(scenario, built, solution, stage)
        summary["files"] = [*files, "report.html"]
        (stage / "siting.json").write_text(json.dumps(summary, indent=2))
        _write_csv(stage / "siting.csv", summary)
        _write_html(stage / "report.html", summary)
        _swap(stage, out)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return summary


def _swap(stage: Path, out: Path) -> None:
    """Put the finished ``stage`` folder in place of ``out``: an existing ``out`` is renamed aside first and
    deleted after (no stale files; until the rename, an earlier ``out`` stays whole)."""
    if not out.exists():
        os.rename(stage, out)
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
    os.rmdir(aside)
    os.rename(out, aside)
    try:
        os.rename(stage, out)
    except BaseException:
        os.rename(aside, out)
        raise
    shutil.rmtree(aside, ignore_errors=True)


def _cause(built: SitingInput) -> str:
    """The option (or rule) a solver's "no laydown" most likely comes from: the first constraint the given laydown
    breaks (it meets every one when the problem is built by :func:`build_problem`), else the per-band floors."""
    problem = built.problem
    given = np.asarray(problem.given)
    if not problem.allowed[np.arange(problem.n_units), given].all():
        return "--max-slope"
    xy = problem.xy[given]
    for u, v, limit in problem.apart:
        if math.dist(xy[u], xy[v]) < limit:
            return "--min-separation"
    for (u, v, limit), option in zip(problem.within, built.within_option, strict=True):
        if math.dist(xy[u], xy[v]) > limit:
            return option
    return "the per-band floors (the given laydown's coverage)"


def _summary(scenario: Scenario, built: SitingInput, solution: Solution, options: SitingOptions,
             elapsed: float) -> dict:
    problem = built.problem
    names = [band_name(h) for h in built.bands]
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
        "warnings": built.warnings,
        "units": units,
        "bands_agl_m": list(built.bands),
        "solver": {"method": solution.method,
                   "status": "optimal" if solution.method == "milp" else "not proved optimal",
                   "objective": round(solution.objective, 6), "bound": round(solution.bound, 6),
                   "bound_kind": solution.bound_kind, "gap": round(solution.gap, 6),
                   "fixed_units_objective": round(solution.fixed_value, 6),
                   "gap_sited_share": round(solution.gap_sited, 6), "notes": solution.notes,
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
        "rules": {"coverage": "iadsim coverage's detection rule at the DEM cell holding each grid cell's centre: "
                              "visible (masking height, 4/3 earth, mast height), in range and sector, per-look Pd "
                              ">= 0.5 against every threat type over the terrain's path geometry (multipath at the "
                              "specular point, land clutter), no jamming",
                  "gain": "a unit's gain: the coverage of the sited laydown minus that of the same laydown with "
                          "this unit back at its given position"},
    }


def _write_scenario(scenario: Scenario, built: SitingInput, solution: Solution, path: Path, final: Path) -> None:
    """The scenario file with the named units moved (ruamel.yaml round trip: comments kept), loaded before it is
    kept. Relative paths are rewritten relative to the final folder."""
    from iadsim.scenario import load_scenario
    from iadsim.scenario.edit import dump, relocate_paths, round_trip

    yaml, data = round_trip(read_text(scenario.path), scenario.path)
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
    relocate_paths(data, scenario.path.resolve().parent, final.resolve())
    header = f"# Units {', '.join(built.unit_ids)} sited by `iadsim site` (see siting.json).\n"
    # validated where its relative paths resolve as they will: the staging folder is a sibling of the final one
    path.write_text(dump(yaml, data, header))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_scenario(path)
    for w in caught:  # (named by its final path, never the staging folder's, as its errors are)
        message = str(w.message)
        for stage in dict.fromkeys((str(path.parent.resolve()), str(path.parent))):
            message = message.replace(stage, str(final))
        warnings.warn(message, w.category, stacklevel=2)


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
            ax.set_title(f"{label}: {band_name(height)} m above ground", fontsize=10)
            ax.set_xlabel("x east of origin [km]")
            ax.set_ylabel("y north of origin [km]")
            ax.set_aspect("equal")
        fig.suptitle(f"{scenario.name}: detection coverage (blue kept, green gained, red lost, grey uncovered; "
                     "orange: sited units, black: units kept)", fontsize=9)
        name = f"map_{band_name(height)}m.png"
        fig.savefig(folder / name, dpi=100)
        files.append(name)
    return files


def _write_html(path: Path, summary: dict) -> None:
    e = html.escape
    solver = summary["solver"]
    if solver["method"] == "milp":
        status = "optimal (MILP, HiGHS, zero gap)"
    else:
        how = "the MILP's incumbent" if solver["method"] == "milp-incumbent" else "greedy + local search"
        status = (f"not proved optimal ({how}); gap {solver['gap']:.2%} of the whole objective, "
                  f"{solver['gap_sited_share']:.2%} of the sited units' share, to the "
                  f"{BOUND_NAMES[solver['bound_kind']]} bound")
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
