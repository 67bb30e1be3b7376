"""Least-exposed routes: the path an aircraft type can fly to a defended asset that the network is least likely to
detect (or engage), as a shortest path over a grid of exposure costs.

Rules (docs/engine.md, "Least-exposed routes"):

* **Exposure.** The aircraft flies at a constant height above the ground at its type's cruise speed ``v``. A sensor
  that sees it with per-look probability of detection ``pd`` (the model the engine and the coverage maps use,
  :func:`iadsim.sensors.look_pd`, at the grid cell's centre) looks at it every ``T`` seconds (its
  ``look_period``), so flying a distance ``ds`` there it gets ``ds / (v T)`` looks and survives them undetected
  with probability ``(1 - pd) ** (ds / (v T))``. Looks and sensors are independent, so the route's exposure
  ``E = sum over cells and sensors of -log(1 - pd) * ds / (v T)`` (the line integral of a per-metre density
  over the route, the density constant on each cell) and ``P(detected) = 1 - exp(-E)``. ``pd`` is clipped to
  1 - 1e-12 (a finite cost). Cells without terrain data cannot be flown.
* **Engagement** (``mode="engagement"``): the same with, for each fire unit the kill-chain audit finds able
  (:func:`iadsim.network.cached_audit`), its guiding radars' looks counted only where the aircraft is inside the
  fire unit's box envelope (ground range within the missile's min..max range, the height within its min..max
  altitude, the launcher's sector): ``P(engaged)`` is the probability that some fire unit's guiding radar
  detects the aircraft while it can be engaged.
* **Grid.** The terrain grid subsampled to cells of about ``cell_size`` (default :data:`ROUTE_CELL`, 250 m):
  every ``round(cell_size / dem cell)`` DEM cell per axis, each route cell represented by the DEM cell at its
  centre; a route cell is flown when its DEM cells and those around them have terrain data. Moves go to the 16
  neighbours (the 8 adjacent cells and the 8 knight's moves), each move's cost the exact line integral of the
  density over the cells its segment crosses, plus :data:`DISTANCE_COST` per metre (so that, where exposure is
  the same, the shorter path wins).
* **Turn limit.** The aircraft turns with at most its type's ``manoeuvre`` acceleration (absent:
  :data:`DEFAULT_TURN_ACCELERATION`), so its turn radius is ``r = v**2 / a``. A move changes the heading by at
  most one of the 16 headings (18 to 27 degrees on a square grid), and between two turns it flies straight at
  least ``2 r tan(dpsi_max / 2)``, where ``dpsi_max`` is the largest angle between two adjacent headings: the
  length an arc of radius ``r`` needs to round both corners, so the polyline can be flown with turns of radius
  ``r``. The search runs over (cell, heading, steps since the last turn) states (:func:`scipy.sparse.csgraph.
  dijkstra`); the start's heading is free, and so is the arrival's.
* **Climb limit.** The search holds the height above ground and leaves out the moves whose ground (at the two
  route cells' centres) rises or falls more steeply than the type's climb or descent rate over its cruise speed.
  When those moves leave no path (the start or the goal walled in by steep ground), the search runs without
  them and says so. Between the cells' centres the DEM may still be steeper: the written route is planned as
  the loader does (:func:`iadsim.scenario.load.plan_terrain_following`) and the command reports how much higher
  than wanted the aircraft is forced to fly (where the exposure computed at the wanted height is optimistic).
* **Waypoints.** The grid path simplified by Douglas-Peucker, the tolerance starting at one route cell and
  halved (down to 1/64 cell; else every cell is kept) until the simplified route's exposure is within
  :data:`SIMPLIFY_TOLERANCE` (5 %, or 0.001 absolute) of the grid path's, the grid path's first point moved to
  the start and its last to the asset's centre.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import ndimage, sparse
from scipy.sparse.csgraph import dijkstra

from iadsim.analysis.coverage import _faintest_ir
from iadsim.network import build_network, cached_audit
from iadsim.scenario import Scenario
from iadsim.scenario.catalog import AircraftType
from iadsim.sensors import in_sector, look_pd, path_geometry, sensor_model
from iadsim.sensors.geometry import land_clutter
from iadsim.terrain import DEFAULT_K, local_relief, masking_heights

__all__ = ["DEFAULT_TURN_ACCELERATION", "DISTANCE_COST", "MAX_STATES", "MODES", "ROUTE_CELL", "SIMPLIFY_TOLERANCE",
           "ExposureField", "GridPath", "LeastExposedRoute", "NoPath", "exposure_field", "flown_excess",
           "least_exposed_path", "least_exposed_route", "route_raid", "simplify", "turn_radius", "write_with_raid"]

ROUTE_CELL = 250.0
"""Default route grid cell size [m]."""

DISTANCE_COST = 1e-9
"""Cost per metre flown added to the exposure in the search (breaks ties towards the shorter path)."""

DEFAULT_TURN_ACCELERATION = 9.81
"""Lateral acceleration [m/s^2] of a type without ``manoeuvre`` in the catalog (a level turn at 45 deg bank)."""

SIMPLIFY_TOLERANCE = 0.05
"""Largest relative increase of exposure the waypoint simplification may cost (and 0.001 absolute)."""

MAX_STATES = 30_000_000
"""Most search states (cells x headings x steps since the last turn); a larger problem asks for a larger cell."""

PD_MAX = 1.0 - 1e-12
MODES = ("detection", "engagement")

# the 16 moves (row, col offsets): 8 neighbours and 8 knight's moves, in order of bearing on a square grid
_MOVES = np.array([(-1, 0), (-2, 1), (-1, 1), (-1, 2), (0, 1), (1, 2), (1, 1), (2, 1),
                   (1, 0), (2, -1), (1, -1), (1, -2), (0, -1), (-1, -2), (-1, -1), (-2, -1)])


class NoPath(ValueError):
    """No flyable path joins the start and the goal."""


@dataclass(frozen=True)
class ExposureField:
    """A per-metre exposure density on a regular grid (north-up, cells of ``dx`` by ``|dy|``).

    Attributes
    ----------
    density : numpy.ndarray of float, shape (n_rows, n_cols)
        ``-log`` survival per metre flown [1/m] in each cell; ``inf`` where the aircraft cannot fly (no terrain).
    x0, y0 : float
        World coordinates [m] of the centre of cell (0, 0).
    dx, dy : float
        Signed steps [m] of one column (east) and one row (usually negative: rows run south).
    ground : numpy.ndarray of float, shape (n_rows, n_cols), optional
        Ground elevation [m] at the cells' centres (for the climb limit; None: flat).
    """

    density: np.ndarray
    x0: float
    y0: float
    dx: float
    dy: float
    ground: np.ndarray | None = None

    def centre(self, row, col) -> tuple[np.ndarray, np.ndarray]:
        """World (x, y) [m] of cell centres."""
        return self.x0 + np.asarray(col) * self.dx, self.y0 + np.asarray(row) * self.dy

    def cell(self, x: float, y: float) -> tuple[int, int]:
        """(row, col) of the cell holding (x, y) (possibly outside the grid)."""
        return int(math.floor((y - self.y0) / self.dy + 0.5)), int(math.floor((x - self.x0) / self.dx + 0.5))

    def line_exposure(self, points) -> float:
        """Exposure of a polyline (points (n, 2), world metres): the exact integral of the density along it
        (``inf`` if it leaves the grid or crosses a cell that cannot be flown)."""
        points = np.asarray(points, dtype=float)
        total = 0.0
        for a, b in zip(points[:-1], points[1:], strict=True):
            rows, cols, fractions = _pieces((a[1] - self.y0) / self.dy, (a[0] - self.x0) / self.dx,
                                            (b[1] - self.y0) / self.dy, (b[0] - self.x0) / self.dx)
            n_rows, n_cols = self.density.shape
            if ((rows < 0) | (rows >= n_rows) | (cols < 0) | (cols >= n_cols)).any():
                return math.inf
            total += math.hypot(*(b - a)) * float(np.sum(fractions * self.density[rows, cols]))
        return total


def _pieces(r0: float, c0: float, r1: float, c1: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The cells (row, col) a segment in fractional cell coordinates (cell centres at whole numbers) crosses and
    the fraction of its length in each (pieces of zero length, through a corner, left out)."""
    ts = [0.0, 1.0]
    for p0, p1 in ((r0, r1), (c0, c1)):
        if p1 != p0:
            lo, hi = sorted((p0, p1))
            edges = np.arange(math.floor(lo - 0.5) + 0.5, hi, 1.0)
            ts.extend(((edges[edges > lo] - p0) / (p1 - p0)).tolist())
    t = np.unique(np.clip(ts, 0.0, 1.0))
    fractions = np.diff(t)
    keep = fractions > 1e-12
    mid = (t[:-1] + t[1:])[keep] / 2
    rows = np.floor(r0 + mid * (r1 - r0) + 0.5).astype(np.int64)
    cols = np.floor(c0 + mid * (c1 - c0) + 0.5).astype(np.int64)
    return rows, cols, fractions[keep]


def _strides(cell_size: tuple[float, float], wanted: float) -> tuple[int, int]:
    """DEM cells per route cell along rows and columns."""
    if not (math.isfinite(wanted) and wanted > 0):
        raise ValueError(f"the route cell size must be a positive length, got {wanted!r}")
    return max(1, round(wanted / cell_size[1])), max(1, round(wanted / cell_size[0]))


def exposure_field(scenario: Scenario, aircraft_type: str, height: float, mode: Literal["detection", "engagement"]
                   = "detection", cell_size: float = ROUTE_CELL) -> ExposureField:
    """The exposure density of an aircraft type flying ``height`` above the ground (module docstring).

    Parameters
    ----------
    scenario : iadsim.scenario.Scenario
        A loaded scenario.
    aircraft_type : str
        An aircraft type of the scenario's catalog.
    height : float
        Height above the ground [m].
    mode : {"detection", "engagement"}
        What the exposure counts.
    cell_size : float
        Route grid cell [m] (rounded to whole DEM cells).

    Returns
    -------
    ExposureField
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode '{mode}'; choose from {', '.join(MODES)}")
    entry = scenario.catalog.types[aircraft_type]
    terrain, spec = scenario.terrain, scenario.spec
    elevation = terrain.elevation
    k_row, k_col = _strides(terrain.cell_size, cell_size)
    rows = np.arange(k_row // 2, terrain.shape[0], k_row)
    cols = np.arange(k_col // 2, terrain.shape[1], k_col)
    rr, cc = np.meshgrid(rows, cols, indexing="ij")
    xs, ys = terrain.rowcol_to_xy(rr, cc)
    ground = elevation[rr, cc]
    # a route cell is flown when its whole block of DEM cells, and the ring around it, has terrain data (the
    # loader interpolates the ground between DEM cell centres)
    valid = ndimage.minimum_filter(np.isfinite(elevation), size=(k_row + 2, k_col + 2), mode="nearest")[rr, cc]
    speed = entry.cruise_speed.value

    net = build_network(scenario)
    sensors = [(u, m) for u in spec.units if net.senses[u.id] and (m := sensor_model(scenario, u)) is not None]
    hazard = np.zeros((len(sensors), *rr.shape))  # per sensor: -log(1 - pd) per metre
    if sensors:
        srows, scols = terrain.xy_to_rowcol([scenario.sites[u.id].x for u, _ in sensors],
                                            [scenario.sites[u.id].y for u, _ in sensors])
        masks = masking_heights(elevation, terrain.cell_size, srows, scols, [m.antenna_height for _, m in sensors],
                                k=DEFAULT_K, max_distance=max(m.max_range for _, m in sensors))
        relief = local_relief(elevation, terrain.cell_size)
        ir = _faintest_ir(scenario, [aircraft_type])
    for s, (unit, sensor) in enumerate(sensors):
        site = scenario.sites[unit.id]
        dx, dy = xs - site.x, ys - site.y
        mask = masks[s][rr, cc]
        near = np.nonzero(valid & np.isfinite(mask) & (np.hypot(dx, dy) <= sensor.max_range))
        if not near[0].size:
            continue
        beamwidth = getattr(sensor, "beamwidth", None)
        clutter = None if beamwidth is None else land_clutter(terrain, masks[s], (site.x, site.y), xs[near],
                                                               ys[near], scenario.clutter_map, beamwidth)
        path = path_geometry(terrain, relief, masks[s], (site.x, site.y, site.ground),
                             site.ground + sensor.antenna_height, xs[near], ys[near], ground[near] + height,
                             np.full(near[0].size, height), surface=spec.surface.type,
                             roughness=spec.surface.height_std, clutter=clutter, surface_map=scenario.surface_classes)
        seen = sensor.visibility(path, dx[near], dy[near])
        pd = np.zeros(seen.size)
        if seen.any():
            pd[seen] = look_pd(sensor, path.take(seen), entry.rcs.value, entry.swerling, ir_intensity=ir)
        hazard[s][near] = -np.log1p(-np.minimum(pd, PD_MAX)) / (speed * sensor.look_period)

    if mode == "detection":
        density = hazard.sum(axis=0)
    else:
        density = np.zeros(rr.shape)
        sensor_ids = [u.id for u, _ in sensors]
        report = {f["id"]: f for f in cached_audit(scenario)["fire_units"]}
        for fire_id in net.fire_units:
            if not report[fire_id]["able"]:
                continue
            unit = scenario.unit(fire_id)
            missile = scenario.catalog.types[scenario.catalog.types[unit.type].missile]
            if not missile.min_altitude.value <= height <= missile.max_altitude.value:
                continue
            guiders = [g for g in dict.fromkeys(report[fire_id]["guided_by"])
                       if g in sensor_ids]
            site = scenario.sites[fire_id]
            dx, dy = xs - site.x, ys - site.y
            ground_range = np.hypot(dx, dy)
            envelope = ((ground_range >= missile.min_range.value) & (ground_range <= missile.max_range.value)
                        & in_sector(unit.sector, dx, dy))
            for g in guiders:
                density += np.where(envelope, hazard[sensor_ids.index(g)], 0.0)
    density = np.where(valid, density, np.inf)
    x0, y0 = terrain.rowcol_to_xy(rows[0], cols[0])
    x1, y1 = terrain.rowcol_to_xy(rows[0] + k_row, cols[0] + k_col)
    return ExposureField(density, float(x0), float(y0), float(x1 - x0), float(y1 - y0), ground)


@dataclass(frozen=True)
class GridPath:
    """A least-exposed path on an :class:`ExposureField`'s grid.

    Attributes
    ----------
    rows, cols : numpy.ndarray of int
        The cells visited, start to goal.
    headings : numpy.ndarray of int
        Index into the 16 moves of each move (one fewer than the cells).
    points : numpy.ndarray, shape (n, 2)
        World (x, y) [m] of the cells' centres.
    exposure : float
        ``-log`` survival along ``points`` (:meth:`ExposureField.line_exposure`).
    min_straight : float
        The straight distance [m] required between two turns (0: no limit).
    """

    rows: np.ndarray
    cols: np.ndarray
    headings: np.ndarray
    points: np.ndarray
    exposure: float
    min_straight: float


def _move_geometry(field: ExposureField) -> tuple[np.ndarray, np.ndarray, float]:
    """Per move: length [m] and bearing [rad]; and the largest angle between adjacent headings [rad]."""
    east = _MOVES[:, 1] * field.dx
    north = _MOVES[:, 0] * field.dy
    lengths = np.hypot(east, north)
    bearings = np.arctan2(east, north)
    turn = np.abs(np.angle(np.exp(1j * (np.roll(bearings, -1) - bearings))))
    return lengths, bearings, float(turn.max())


def least_exposed_path(field: ExposureField, start: tuple[float, float], goal: tuple[float, float],
                       turn_radius: float = 0.0, climb: float = math.inf, descent: float = math.inf) -> GridPath:
    """The least-exposed flyable path between the cells holding ``start`` and ``goal`` (world metres).

    Parameters
    ----------
    field : ExposureField
        Exposure density.
    start, goal : (float, float)
        World (x, y) [m]; both must fall on cells that can be flown.
    turn_radius : float
        Smallest turn radius [m] (module docstring, turn limit); 0: any one-heading turn at every move.
    climb, descent : float
        Largest climb and descent gradients (rate over speed): a move whose ground rises (falls) between the two
        cells' centres more than this times its length is not flown (needs ``field.ground``).

    Returns
    -------
    GridPath

    Raises
    ------
    ValueError
        If the start or goal is off the grid or on a cell that cannot be flown, if no path joins them, or if the
        search would exceed :data:`MAX_STATES`.
    """
    density = field.density
    n_rows, n_cols = density.shape
    for name, (x, y) in (("start", start), ("goal", goal)):
        r, c = field.cell(x, y)
        if not (0 <= r < n_rows and 0 <= c < n_cols) or not np.isfinite(density[r, c]):
            raise ValueError(f"the {name} is off the terrain or on a cell without terrain data")
    lengths, _, turn = _move_geometry(field)
    straight = 2.0 * turn_radius * math.tan(turn / 2.0)
    runs = np.ceil(straight / lengths - 1e-9).astype(np.int64)  # moves needed before the next turn, per heading
    depth = int(runs.max()) + 1
    n_cells, n_head = n_rows * n_cols, len(_MOVES)
    n_states = n_cells * n_head * depth + 1
    if n_states > MAX_STATES:
        raise ValueError(f"the search would need {n_states:,} states (more than {MAX_STATES:,}): give a larger cell")

    def state(cell, heading, run):
        return (cell * n_head + heading) * depth + run

    cell_r, cell_c = np.divmod(np.arange(n_cells), n_cols)
    src, dst, weight = [], [], []
    for h, (dr, dc) in enumerate(_MOVES):
        rows, cols, fractions = _pieces(0.0, 0.0, float(dr), float(dc))
        r1, c1 = cell_r + dr, cell_c + dc
        ok = (r1 >= 0) & (r1 < n_rows) & (c1 >= 0) & (c1 < n_cols)
        cost = np.full(n_cells, np.inf)
        idx = np.flatnonzero(ok)
        pr, pc = cell_r[idx, None] + rows, cell_c[idx, None] + cols
        cost[idx] = lengths[h] * (density[pr, pc] * fractions).sum(axis=1) + DISTANCE_COST * lengths[h]
        if field.ground is not None:
            rise = np.full(n_cells, np.nan)
            rise[idx] = field.ground[r1[idx], c1[idx]] - field.ground[cell_r[idx], cell_c[idx]]
            cost[~((rise <= climb * lengths[h]) & (-rise <= descent * lengths[h]))] = np.inf
        fly = np.flatnonzero(np.isfinite(cost))
        target = (r1 * n_cols + c1)[fly]
        w = cost[fly]
        # straight on: run grows up to the heading's requirement
        for run in range(runs[h] + 1):
            src.append(state(fly, h, run))
            dst.append(state(target, h, min(run + 1, runs[h])))
            weight.append(w)
        # a turn into heading h from an adjacent heading that has flown its straight run
        for g in ((h - 1) % n_head, (h + 1) % n_head):
            src.append(state(fly, g, runs[g]))
            dst.append(state(target, h, min(1, runs[h])))
            weight.append(w)
    source = n_states - 1
    r0, c0 = field.cell(*start)
    first = state(np.full(n_head, r0 * n_cols + c0), np.arange(n_head), runs)
    src.append(np.full(n_head, source))
    dst.append(first)
    weight.append(np.full(n_head, 1e-300))  # an explicit edge of (almost) zero cost
    graph = sparse.csr_matrix((np.concatenate(weight), (np.concatenate(src), np.concatenate(dst))),
                              shape=(n_states, n_states))
    rg, cg = field.cell(*goal)
    goal_cell = rg * n_cols + cg
    if goal_cell == r0 * n_cols + c0:
        points = np.array(field.centre([r0], [c0])).T
        return GridPath(np.array([r0]), np.array([c0]), np.zeros(0, np.int64), points, 0.0, straight)
    distance, predecessor = dijkstra(graph, indices=source, return_predecessors=True)
    ends = state(goal_cell, np.repeat(np.arange(n_head), depth), np.tile(np.arange(depth), n_head))
    best = int(ends[np.argmin(distance[ends])])
    if not np.isfinite(distance[best]):
        raise NoPath("no flyable path joins the start and the goal (cells without terrain data, or ground too "
                     "steep to climb, in between)")
    chain = []
    node = best
    while node != source:
        chain.append(node)
        node = int(predecessor[node])
    chain = np.array(chain[::-1])
    cells = chain // (n_head * depth)
    headings = (chain // depth) % n_head
    rows, cols = np.divmod(cells, n_cols)
    points = np.column_stack(field.centre(rows, cols))
    return GridPath(rows, cols, headings[1:], points, field.line_exposure(points), straight)


def simplify(points: np.ndarray, tolerance: float) -> np.ndarray:
    """Douglas-Peucker: indices of the points of a polyline (n, 2) kept so that none left out lies farther than
    ``tolerance`` [m] from the simplified line (first and last always kept)."""
    points = np.asarray(points, dtype=float)
    keep = np.zeros(len(points), bool)
    keep[[0, -1]] = True
    stack = [(0, len(points) - 1)]
    while stack:
        i, j = stack.pop()
        if j <= i + 1:
            continue
        a, b = points[i], points[j]
        ab = b - a
        span = math.hypot(*ab)
        inner = points[i + 1:j] - a
        if span > 0:
            distance = np.abs(ab[0] * inner[:, 1] - ab[1] * inner[:, 0]) / span
        else:
            distance = np.hypot(inner[:, 0], inner[:, 1])
        k = int(np.argmax(distance))
        if distance[k] > tolerance:
            keep[i + 1 + k] = True
            stack += [(i, i + 1 + k), (i + 1 + k, j)]
    return np.flatnonzero(keep)


@dataclass(frozen=True)
class LeastExposedRoute:
    """The least-exposed route to a defended asset and what it costs.

    Attributes
    ----------
    path : GridPath
        The grid path.
    waypoints : numpy.ndarray, shape (n, 2)
        World (x, y) [m] of the simplified route: the start, the kept grid cells, the asset's centre.
    exposure : float
        ``-log`` survival along ``waypoints``.
    direct_exposure : float
        The same along the straight line from the start to the asset.
    turn_radius : float
        [m] used by the search.
    cell : (float, float)
        Route grid cell (east, north) [m].
    length : float
        Length of ``waypoints`` [m].
    climb_limited : bool
        Whether the search left out the moves too steep to climb or descend (False: no path was left with them).
    """

    path: GridPath
    waypoints: np.ndarray
    exposure: float
    direct_exposure: float
    turn_radius: float
    cell: tuple[float, float]
    length: float
    climb_limited: bool = True

    @property
    def probability(self) -> float:
        """Probability of detection (or engagement) along the written route."""
        return -math.expm1(-self.exposure)

    @property
    def direct_probability(self) -> float:
        """The same along the direct route."""
        return -math.expm1(-self.direct_exposure)


def turn_radius(entry: AircraftType) -> float:
    """Smallest turn radius [m] of an aircraft type at cruise speed: ``v**2 / a`` (module docstring)."""
    accel = entry.manoeuvre.value if entry.manoeuvre is not None and entry.manoeuvre.value > 0 \
        else DEFAULT_TURN_ACCELERATION
    return entry.cruise_speed.value ** 2 / accel


def least_exposed_route(scenario: Scenario, start: tuple[float, float], asset: str, aircraft_type: str,
                        height: float, mode: Literal["detection", "engagement"] = "detection",
                        cell_size: float = ROUTE_CELL) -> LeastExposedRoute:
    """The least-exposed route from ``start`` (world x, y [m]) to a defended asset's centre (module docstring).

    Raises
    ------
    ValueError
        As :func:`least_exposed_path` and :func:`exposure_field`.
    """
    entry = scenario.catalog.types[aircraft_type]
    field = exposure_field(scenario, aircraft_type, height, mode, cell_size)
    site = scenario.sites[asset]
    goal = (site.x, site.y)
    radius = turn_radius(entry)
    speed = entry.cruise_speed.value
    try:
        path = least_exposed_path(field, start, goal, radius, entry.climb_rate.value / speed,
                                  entry.descent_rate.value / speed)
        climb_limited = True
    except NoPath:  # the steep ground between the route cells' centres walls the start or the goal in
        path = least_exposed_path(field, start, goal, radius)
        climb_limited = False
    grid = path.points.copy()
    grid[0], grid[-1] = start, goal
    step = min(abs(field.dx), abs(field.dy))
    full = field.line_exposure(grid)  # the grid path from the start point itself to the asset's centre
    bound = max(full * (1 + SIMPLIFY_TOLERANCE), full + 1e-3)
    tolerance = step
    while True:
        waypoints = grid[simplify(grid, tolerance)]
        exposure = field.line_exposure(waypoints)
        if exposure <= bound or tolerance < step / 64:
            break
        tolerance /= 2
    if exposure > bound:  # no tolerance kept the exposure: every cell
        waypoints, exposure = grid, full
    direct = field.line_exposure(np.array([start, goal]))
    length = float(np.hypot(*np.diff(waypoints, axis=0).T).sum())
    return LeastExposedRoute(path, waypoints, exposure, direct, radius, (abs(field.dx), abs(field.dy)), length,
                             climb_limited)


def route_raid(scenario: Scenario, route: LeastExposedRoute, asset: str, aircraft_type: str, height: float) -> dict:
    """The route as a scenario raid (a mapping as the file writes it): id ``least-exposed-<asset>``, one aircraft
    of the type, starting at 0 s, targeting the asset, its waypoints in metres from the origin at ``height``
    above the ground."""
    ox, oy = scenario.origin_xy
    return {"id": f"least-exposed-{asset}", "type": aircraft_type, "count": 1, "start": "0 s", "target": asset,
            "altitude_reference": "agl",
            "route": [{"x": f"{x - ox:.0f} m", "y": f"{y - oy:.0f} m", "altitude": f"{height:g} m"}
                      for x, y in route.waypoints]}


def write_with_raid(scenario: Scenario, raid: dict, out) -> Scenario:
    """Write a copy of the scenario's file to ``out`` with ``raid`` added to its threats (replacing a threat of
    the same id), keeping its comments (ruamel.yaml's round trip) and its relative paths (rewritten relative to
    ``out``'s folder). The copy is loaded before an atomic rename, so nothing is written unless it validates;
    returns it loaded.

    Raises
    ------
    iadsim.scenario.InputError
        If ``out`` is not a new or regular ``.yaml`` file, if the id is another entry's, or if the copy does not
        validate (naming ``out``).
    """
    import io
    import os
    import tempfile
    import warnings
    from pathlib import Path

    from ruamel.yaml import YAML

    from iadsim.scenario import InputError, load_scenario
    from iadsim.scenario.yamlio import read_text

    out = Path(out)
    if out.suffix.lower() not in (".yaml", ".yml"):
        raise InputError("--out", "name the scenario file to write, e.g. routed.yaml")
    if out.exists() and not out.is_file():
        raise InputError(out, "is not a regular file; iadsim writes only regular files")
    if not out.parent.is_dir():
        raise InputError(out.parent, "no such folder; create it or choose another --out")
    source = Path(scenario.path)
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    data = yaml.load(read_text(source))
    taken = {item.get("id") for group in ("units", "defended_assets", "traffic", "jammers")
             for item in data.get(group) or [] if isinstance(item, dict)}
    if raid["id"] in taken:
        raise InputError(source, f"'{raid['id']}' is already the id of another entry; rename it to write the route")
    threats = data.get("threats")
    if threats is None:
        data["threats"] = threats = []
    kept = [t for t in threats if not (isinstance(t, dict) and t.get("id") == raid["id"])]
    threats.clear()
    threats.extend([*kept, raid])
    _relocate_paths(data, source.resolve().parent, out.resolve().parent)
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=".yaml", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(buffer.getvalue())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the caller reports how the route is flown
            try:
                load_scenario(tmp)
            except InputError as exc:
                raise InputError(out, f"the scenario with the route does not validate: {exc.message}") from None
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return load_scenario(out)


def _relocate_paths(data, old, new) -> None:
    """Rewrite the relative file paths of a scenario document (terrain source, catalog files, land cover) from
    folder ``old`` to folder ``new``."""
    import os
    from pathlib import Path

    if old == new:
        return

    def moved(name):
        if not isinstance(name, str) or Path(name).is_absolute():
            return name
        return Path(os.path.relpath(old / name, new)).as_posix()

    terrain = data.get("terrain")
    if isinstance(terrain, dict) and "source" in terrain:
        source = terrain["source"]
        if isinstance(source, list):
            terrain["source"] = [moved(s) for s in source]
        elif source != "sample":
            terrain["source"] = moved(source)
    if isinstance(data.get("catalog"), list):
        data["catalog"] = [moved(c) for c in data["catalog"]]
    landcover = (data.get("surface") or {}).get("landcover") if isinstance(data.get("surface"), dict) else None
    if isinstance(landcover, dict):
        landcover["path"] = moved(landcover.get("path"))
        if isinstance(landcover.get("classes"), str) and landcover["classes"].lower().endswith((".yaml", ".yml")):
            landcover["classes"] = moved(landcover["classes"])


def flown_excess(scenario: Scenario, raid_id: str) -> float:
    """Largest height [m] the loader's terrain-following plan (the type's climb and descent limits) puts a loaded
    AGL raid above its wanted altitude."""
    from iadsim.scenario.load import plan_terrain_following

    raid = next(t for t in scenario.spec.threats if t.id == raid_id)
    _, z, wanted = plan_terrain_following(scenario.routes[raid_id], scenario.speeds[raid_id], scenario.terrain,
                                          scenario.catalog.types[raid.type])
    excess = z - wanted
    return float(np.nanmax(excess)) if np.isfinite(excess).any() else 0.0
