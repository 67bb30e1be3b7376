"""Least-exposed routes: the path an aircraft type can fly to a defended asset that the network is least likely to
detect (or engage), as a shortest path over a grid of hazard costs, and the probability of detection of that
path (and of the straight line) worked out from the sensors' scans.

Rules (docs/engine.md, "Least-exposed routes"):

* **Looks.** The aircraft flies at a constant height above the ground at its type's cruise speed ``v``. Each
  sensor looks every ``T`` seconds (its model's ``look_period``, the period the engine uses: a radar's
  ``scan_period`` - a search radar's rotation, and what the catalog gives a fire-control radar as its revisit
  period -, an ESM or IRST station's ``look_period``); a look at the aircraft detects it with the per-look
  probability ``pd`` of the sensor model the engine and the coverage maps use (:func:`iadsim.sensors.look_pd`:
  masking, multipath, clutter, the type's RCS and Swerling case, IR signature and its own radar - the type's
  ``emitter``, on as raids have it by default - for ESM; no jamming: stand-off and self-screening jammers are
  ignored), evaluated at every DEM cell's centre (:func:`sensor_hazard`; each sensor's masking only out to its
  instrumented range, and its ``pd`` kept only in the window of DEM cells it reaches).
* **Probability** (:func:`route_probability`, what is reported). As in the engine, each sensor's looks fall at
  ``phase + n T`` with its scan phase uniform in ``[0, T)``; averaged over :data:`SCAN_PHASES` equally spaced
  phases (the midpoints of ``T / SCAN_PHASES`` slices; deterministic), a sensor misses the aircraft with
  probability ``mean over phases of prod over its looks (1 - pd at the aircraft's position then)``, sensors are
  independent, and ``P(detected) = 1 - prod over sensors of P_miss``. The *exposure* reported beside it is the
  expected number of detecting looks (the same mean of ``sum pd``).
* **Search cost.** Dijkstra needs an additive cost: the hazard ``pd / (v T)`` per metre flown, summed over the
  sensors (the rate of detecting looks for looks at random times; its line integral is the exposure above, and
  ``1 - exp(-integral)`` is exact for crossings shorter than a scan). Each route cell's density is the mean of
  the hazard over its block of DEM cells (not the value at one DEM cell: a path cannot thread between lit
  cells), constant on the route cell.
* **Engagement** (``mode="engagement"``): only the radars that guide an able fire unit
  (:func:`iadsim.network.cached_audit`) count, each once, and only inside the union of the box envelopes of the
  able fire units it guides (ground range within the missile's min..max range, the height above the ground
  within its min..max altitude, the launcher's sector); fire units whose missile's ``max_target_speed`` is
  below ``v`` are left out. ``P(engaged)`` is then the probability that some guiding radar detects the aircraft
  while a fire unit it guides can engage it; it never exceeds ``P(detected)``.
* **Grid.** Route cells are blocks of ``round(cell_size / dem cell)`` DEM cells per axis (default
  :data:`ROUTE_CELL`, 250 m; the partial blocks at the terrain's far edges are left out); a route cell is flown
  when its DEM cells and those around them have terrain data. Moves go to the 16 neighbours (the 8 adjacent
  cells and the 8 knight's moves), each move's cost the exact line integral of the density over the cells its
  segment crosses, plus :data:`DISTANCE_COST` per metre (so that, where exposure is the same, the shorter path
  wins).
* **Turn limit.** The aircraft turns with at most its type's ``manoeuvre`` acceleration (absent:
  :data:`DEFAULT_TURN_ACCELERATION`), so its turn radius is ``r = v**2 / a``. A move changes the heading by at
  most one of the 16 headings (18 to 27 degrees on a square grid), and between two turns it flies straight at
  least ``2 r tan(dpsi_max / 2)``, where ``dpsi_max`` is the largest angle between two adjacent headings: the
  length an arc of radius ``r`` needs to round both corners, so the polyline can be flown with turns of radius
  ``r``. The search runs over (cell, heading, steps since the last turn) states (:func:`scipy.sparse.csgraph.
  dijkstra`); the start's heading is free, and so is the arrival's.
* **Climb limit.** The search holds the height above ground; a move whose ground (the route cells' mean
  elevations) rises or falls more steeply than the type's climb or descent rate over its cruise speed costs
  :data:`STEEP_PENALTY` more, so the route takes such moves only where there is no other way (the start or the
  goal walled in by steep ground), and their number is reported. Between the cells the DEM may still be
  steeper: the waypoints are planned as the loader plans every AGL route
  (:func:`iadsim.scenario.load.plan_terrain_following`) and ``flown_excess`` is how much higher than wanted that
  plan flies.
* **Flown probability** (:func:`flown_probability`, what is reported). The search sees the hazard at the wanted
  height; the route's probability is then worked out for the flight the engine flies: each look (the same scan
  phases) evaluated where the aircraft then is, at the height the terrain-following plan then flies, with the
  engine's own path geometry (the exact point, not a DEM cell centre); in engagement mode the envelopes are judged
  at that height. The wanted-height value is kept beside it (``planned_probability``).
* **Corridors** (``start=None``, :func:`corridors`): the least-exposed route into each defended asset from the
  best route cell on the terrain's edge (every such cell is a start of the same search): the flyable cells next
  to the grid's border or to the nodata joined to it (not those around a nodata hole inside the map), outside
  every defended asset, and, for an asset that raids attack, along their threat axes (within
  :data:`AXIS_HALF_WIDTH` of the bearing of a raid's first waypoint from the asset).
* **Waypoints.** The grid path simplified by Douglas-Peucker, the tolerance starting at one route cell and
  halved (down to 1/64 cell; else every cell is kept) until the simplified route's search exposure is within
  :data:`SIMPLIFY_TOLERANCE` (5 %, or 0.001 absolute) of the grid path's, the grid path's first point moved to
  the start and its last to the asset's centre (a start in the goal's route cell: the two points).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import ndimage, sparse
from scipy.sparse.csgraph import dijkstra

from iadsim.analysis.coverage import faintest_ir, sensor_clutter, sensor_paths
from iadsim.network import build_network, cached_audit
from iadsim.network.emcon import ALWAYS, emitting
from iadsim.scenario import Scenario
from iadsim.scenario.catalog import AircraftType
from iadsim.sensors import Emission, in_sector, look_pd, sensor_model
from iadsim.terrain import DEFAULT_K, local_relief, masking_height

__all__ = ["DEFAULT_TURN_ACCELERATION", "DISTANCE_COST", "MAX_STATES", "MODES", "ROUTE_CELL", "SCAN_PHASES",
           "SIMPLIFY_TOLERANCE", "STEEP_PENALTY", "Corridor", "ExposureField", "GridPath", "Hazard",
           "LeastExposedRoute", "NoPath", "RouteError", "SensorLooks", "caveats", "check_out", "corridors",
           "default_type", "exposure_field", "flown_probability", "least_exposed_path", "least_exposed_route",
           "route_probability", "route_raid", "sensor_hazard", "simplify", "turn_radius", "write_with_raid"]

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

SCAN_PHASES = 64
"""Scan phases each sensor's probability of missing the aircraft is averaged over."""

STEEP_PENALTY = 1e6
"""Search cost of one move steeper than the type can climb or descend (far above any route's exposure)."""

MODES = ("detection", "engagement")

# the 16 moves (row, col offsets): 8 neighbours and 8 knight's moves, in order of bearing on a square grid
_MOVES = np.array([(-1, 0), (-2, 1), (-1, 1), (-1, 2), (0, 1), (1, 2), (1, 1), (2, 1),
                   (1, 0), (2, -1), (1, -1), (1, -2), (0, -1), (-1, -2), (-1, -1), (-2, -1)])


class RouteError(ValueError):
    """Input the route cannot use; ``about`` names what: ``"start"``, ``"goal"`` or ``"cell"``."""

    def __init__(self, message: str, about: str):
        super().__init__(message)
        self.about = about


class NoPath(RouteError):
    """No flyable path joins the start and the goal."""

    def __init__(self, message: str):
        super().__init__(message, "start")


@dataclass(frozen=True)
class SensorLooks:
    """One sensor's looks at the aircraft.

    Attributes
    ----------
    unit_id : str
        The unit carrying the sensor.
    period : float
        Seconds between two looks (the model's ``look_period``).
    row0, col0 : int
        DEM indices of the window's first cell.
    pd : numpy.ndarray of float32, shape (n_rows, n_cols)
        Per-look probability of detection at the centres of the window's DEM cells (0: not seen, or outside the
        engagement envelopes in engagement mode).
    emcon : (float, float, float)
        Its radar's emission schedule (period, on, offset [s]; :class:`iadsim.network.emcon.Schedule`): a look
        while dark detects nothing. Default: always on.
    availability : float
        Probability the unit is up at the start (its ``readiness.availability``).
    """

    unit_id: str
    period: float
    row0: int
    col0: int
    pd: np.ndarray
    emcon: tuple[float, float, float] = (math.inf, math.inf, 0.0)
    availability: float = 1.0

    def lit(self, t) -> np.ndarray:
        """Whether the sensor can detect at times ``t`` [s] from the flight's start (its emission schedule)."""
        return emitting(t, *self.emcon)

    @property
    def duty(self) -> float:
        """The fraction of the time it can detect."""
        period, on, _ = self.emcon
        return float(on / period) if math.isfinite(period) else float(on > 0)

    def at(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Per-look Pd at DEM cells (0 outside the window)."""
        r, c = np.asarray(rows) - self.row0, np.asarray(cols) - self.col0
        inside = (r >= 0) & (r < self.pd.shape[0]) & (c >= 0) & (c < self.pd.shape[1])
        out = np.zeros(np.shape(r))
        out[inside] = self.pd[r[inside], c[inside]]
        return out


@dataclass(frozen=True)
class Hazard:
    """What the sensors that count see of an aircraft type at one height above the ground (module docstring).

    Attributes
    ----------
    sensors : tuple of SensorLooks
        The sensors that count (engagement mode: the guiding radars, inside their envelopes).
    terrain : iadsim.terrain.Dem
        The scenario's terrain (the grid of the ``pd`` windows).
    speed : float
        Cruise speed [m/s].
    height : float
        Height above the ground [m].
    mode : str
        ``"detection"`` or ``"engagement"``.
    aircraft_type : str
        The catalog type.
    """

    sensors: tuple[SensorLooks, ...]
    terrain: object
    speed: float
    height: float
    mode: str
    aircraft_type: str = ""

    def density(self) -> np.ndarray:
        """(n_rows, n_cols) the hazard ``sum over sensors of pd / (v T)`` [1/m] at every DEM cell."""
        out = np.zeros(self.terrain.shape)
        for s in self.sensors:
            rows, cols = s.pd.shape
            out[s.row0:s.row0 + rows, s.col0:s.col0 + cols] += s.availability * s.duty * s.pd / (self.speed
                                                                                                 * s.period)
        return out


def _emission(entry: AircraftType) -> Emission | None:
    """The type's own radar as the engine hears it (a raid's ``emission`` is on by default)."""
    e = entry.emitter
    if e is None:
        return None
    return Emission(np.array([e.erp.value]), np.array([e.frequency.value]), np.array([e.sidelobe_level.value]),
                    np.array([e.main_beam_fraction.value]))


def sensor_hazard(scenario: Scenario, aircraft_type: str, height: float,
                  mode: Literal["detection", "engagement"] = "detection") -> Hazard:
    """Each sensor's per-look Pd of an aircraft type flying ``height`` above the ground, at DEM resolution
    (module docstring, looks and engagement).

    Raises
    ------
    ValueError
        For an unknown mode.
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode '{mode}'; choose from {', '.join(MODES)}")
    entry = scenario.catalog.types[aircraft_type]
    terrain, spec = scenario.terrain, scenario.spec
    elevation = terrain.elevation
    n_rows, n_cols = terrain.shape
    speed = entry.cruise_speed.value
    net = build_network(scenario)
    sensors = [(u, m) for u in spec.units if net.senses[u.id] and (m := sensor_model(scenario, u)) is not None]
    relief = local_relief(elevation, terrain.cell_size) if sensors else None
    ir = faintest_ir(scenario, [aircraft_type])
    emission = _emission(entry)
    looks = []
    for unit, sensor in sensors:
        site = scenario.sites[unit.id]
        r0, c0 = (int(v) for v in terrain.xy_to_rowcol(site.x, site.y))
        reach_r = int(math.ceil(sensor.max_range / terrain.cell_size[1])) + 1
        reach_c = int(math.ceil(sensor.max_range / terrain.cell_size[0])) + 1
        rows = slice(max(r0 - reach_r, 0), max(min(r0 + reach_r + 1, n_rows), 0))
        cols = slice(max(c0 - reach_c, 0), max(min(c0 + reach_c + 1, n_cols), 0))
        rr, cc = np.mgrid[rows, cols]
        pd = np.zeros(rr.shape, np.float32)
        if rr.size:
            # the sensor's masking out to its own instrumented range only (one sensor at a time: bounded memory)
            mask = masking_height(elevation, terrain.cell_size, r0, c0, sensor.antenna_height, k=DEFAULT_K,
                                  max_distance=sensor.max_range)
            xs, ys = terrain.rowcol_to_xy(rr, cc)
            dx, dy = xs - site.x, ys - site.y
            ground = elevation[rows, cols]
            near = np.nonzero(np.isfinite(ground) & np.isfinite(mask[rows, cols])
                              & (np.hypot(dx, dy) <= sensor.max_range))
            if near[0].size:
                clutter = sensor_clutter(scenario, sensor, (site.x, site.y), mask, xs[near], ys[near])
                path = sensor_paths(scenario, sensor, (site.x, site.y, site.ground), mask, relief, xs[near],
                                    ys[near], ground[near], height, clutter)
                seen = sensor.visibility(path, dx[near], dy[near])
                values = np.zeros(seen.size)
                if seen.any():
                    values[seen] = look_pd(sensor, path.take(seen), entry.rcs.value, entry.swerling,
                                           ir_intensity=ir, emitters=emission)
                pd[near] = np.nan_to_num(np.clip(values, 0.0, 1.0))
            del mask
        schedule = net.schedule.get(unit.id, ALWAYS)
        looks.append(SensorLooks(unit.id, float(sensor.look_period), rows.start, cols.start, pd,
                                 (schedule.period, schedule.on, schedule.offset), unit.readiness.availability))

    if mode == "engagement":
        looks = _engagement(scenario, net, looks, height, speed)
    return Hazard(tuple(looks), terrain, float(speed), float(height), mode, aircraft_type)


def _envelopes(scenario: Scenario, net, speed: float) -> dict[str, list[tuple]]:
    """Per guiding radar: (site x, y [m], sector, missile) of each able fire unit it guides whose missile can
    engage an aircraft at ``speed`` (module docstring, engagement)."""
    report = {f["id"]: f for f in cached_audit(scenario)["fire_units"]}
    out: dict[str, list[tuple]] = {}
    for fire_id in net.fire_units:
        if not report[fire_id]["able"]:
            continue
        unit = scenario.unit(fire_id)
        missile = scenario.catalog.types[scenario.catalog.types[unit.type].missile]
        if missile.max_target_speed.value < speed:
            continue
        site = scenario.sites[fire_id]
        for g in dict.fromkeys(report[fire_id]["guided_by"]):
            out.setdefault(g, []).append((site.x, site.y, unit.sector, missile))
    return out


def _inside(envelopes: list[tuple], x, y, height) -> np.ndarray:
    """Whether points (world x, y [m], ``height`` above the ground [m], broadcast) lie inside the union of
    box envelopes (ground range within the missile's min..max range, height within its min..max altitude, the
    launcher's sector)."""
    x, y, height = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float), np.asarray(height, float))
    out = np.zeros(x.shape, bool)
    for sx, sy, sector, missile in envelopes:
        dx, dy = x - sx, y - sy
        ground_range = np.hypot(dx, dy)
        out |= ((ground_range >= missile.min_range.value) & (ground_range <= missile.max_range.value)
                & (height >= missile.min_altitude.value) & (height <= missile.max_altitude.value)
                & in_sector(sector, dx, dy))
    return out


def _engagement(scenario: Scenario, net, looks: list[SensorLooks], height: float, speed: float
                ) -> list[SensorLooks]:
    """The guiding radars' looks, each radar once, inside the union of the envelopes of the able fire units it
    guides (module docstring)."""
    terrain = scenario.terrain
    envelopes = _envelopes(scenario, net, speed)
    out = []
    for s in looks:
        if s.unit_id not in envelopes:
            continue
        rr, cc = np.mgrid[s.row0:s.row0 + s.pd.shape[0], s.col0:s.col0 + s.pd.shape[1]]
        xs, ys = terrain.rowcol_to_xy(rr, cc)
        inside = _inside(envelopes[s.unit_id], xs, ys, height)
        # kept even where no envelope holds the wanted height: flown higher, the aircraft may enter one
        out.append(SensorLooks(s.unit_id, s.period, s.row0, s.col0, np.where(inside, s.pd, 0).astype(np.float32),
                               s.emcon, s.availability))
    return out


def route_probability(hazard: Hazard, points, phases: int = SCAN_PHASES) -> tuple[float, float]:
    """Probability that the sensors detect (or engage) the aircraft flying a polyline, and the expected number of
    detecting looks (module docstring, probability).

    Parameters
    ----------
    hazard : Hazard
        The sensors' per-look Pd (:func:`sensor_hazard`).
    points : array_like, shape (n, 2)
        World (x, y) [m] of the polyline, flown from the first point at time 0 at ``hazard.speed``.
    phases : int
        Scan phases averaged over per sensor.

    Returns
    -------
    (float, float)
        ``P = 1 - prod over sensors of mean over phases of prod over looks (1 - pd)``, and the mean number of
        detecting looks.
    """
    points = np.asarray(points, dtype=float)
    at = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(points, axis=0).T))])
    duration = float(at[-1]) / hazard.speed
    miss, expected = 1.0, 0.0
    for s in hazard.sensors:
        t = _look_times(duration, s.period, phases)
        flown = np.minimum(t, duration) * hazard.speed
        rows, cols = hazard.terrain.xy_to_rowcol(np.interp(flown, at, points[:, 0]), np.interp(flown, at, points[:, 1]))
        pd = np.where((t <= duration) & s.lit(t), s.at(rows, cols), 0.0)
        # up at the start with its availability (down, it misses every look)
        miss *= s.availability * float(np.prod(1.0 - pd, axis=1).mean()) + (1.0 - s.availability)
        expected += s.availability * float(pd.sum(axis=1).mean())
    return 1.0 - miss, expected


def _look_times(duration: float, period: float, phases: int) -> np.ndarray:
    """(phases, n) times of a sensor's looks over a flight of ``duration`` seconds: the scan phase at the midpoints
    of ``period / phases`` slices, then every ``period`` (module docstring, probability)."""
    n = int(math.floor(duration / period)) + 1
    return ((np.arange(phases) + 0.5) / phases * period)[:, None] + period * np.arange(n)[None, :]


def flown_probability(scenario: Scenario, hazard: Hazard, lines, phases: int = SCAN_PHASES
                      ) -> list[tuple[float, float, float]]:
    """:func:`route_probability` of the flights the engine flies: each polyline planned as the loader plans every
    AGL route (:func:`iadsim.scenario.load.plan_terrain_following`: ``hazard.height`` above the ground where the
    type's climb and descent rates allow, higher where they do not) and each look evaluated where the aircraft then
    is, at the height it then flies, as the engine evaluates it (the sensor model's path geometry, visibility and
    per-look Pd; each radar's emission schedule; each unit up at the start with its availability; in engagement
    mode inside the guided fire units' envelopes at that height). What it leaves out is :func:`caveats`'s.

    Parameters
    ----------
    scenario : iadsim.scenario.Scenario
        The scenario ``hazard`` was computed on.
    hazard : Hazard
        Which sensors count, their look periods and schedules, the type, its speed, the wanted height and the mode.
    lines : sequence of array_like, each shape (n, 2)
        World (x, y) [m] of polylines, each flown from its first point at time 0 (every sensor's masking is
        computed once for all of them).
    phases : int
        Scan phases averaged over per sensor.

    Returns
    -------
    list of (float, float, float)
        Per polyline: ``P(detected)`` (or engaged), the mean number of detecting looks, and the largest height [m]
        the plan flies above the wanted one.

    Raises
    ------
    ValueError
        If the hazard names no aircraft type of the scenario's catalog.
    """
    from iadsim.scenario.load import plan_terrain_following

    entry = scenario.catalog.types.get(hazard.aircraft_type)
    if not isinstance(entry, AircraftType):
        raise ValueError(f"the hazard names no aircraft type of the catalog ('{hazard.aircraft_type}')")
    speed, height, terrain = hazard.speed, hazard.height, scenario.terrain
    flights = []
    for points in lines:
        points = np.asarray(points, dtype=float)
        at = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(points, axis=0).T))])
        route = np.column_stack([points, np.full(len(points), height)])
        along, profile, wanted = plan_terrain_following(route, np.full(max(len(points) - 1, 1), speed), terrain,
                                                        entry)
        excess = profile - wanted
        flights.append((points, at, along, profile, float(np.nanmax(excess)) if np.isfinite(excess).any() else 0.0,
                        float(at[-1]) / speed))
    envelopes = _envelopes(scenario, build_network(scenario), speed) if hazard.mode == "engagement" else {}
    relief = local_relief(terrain.elevation, terrain.cell_size) if hazard.sensors else None
    ir = faintest_ir(scenario, [hazard.aircraft_type])
    emission = _emission(entry)
    miss, expected = np.ones(len(flights)), np.zeros(len(flights))
    for s in hazard.sensors:
        unit = scenario.unit(s.unit_id)
        sensor = sensor_model(scenario, unit)
        site = scenario.sites[unit.id]
        mask = None
        for n, (points, at, along, profile, _, duration) in enumerate(flights):
            t = _look_times(duration, s.period, phases)
            flown = np.minimum(t, duration) * speed
            x, y = np.interp(flown, at, points[:, 0]), np.interp(flown, at, points[:, 1])
            z = np.interp(flown, along, profile)
            ground = terrain.elevation_at(x, y)
            dx, dy = x - site.x, y - site.y
            near = np.nonzero((t <= duration) & s.lit(t) & np.isfinite(ground) & np.isfinite(z)
                              & (np.hypot(dx, dy) <= sensor.max_range))
            pd = np.zeros(t.shape)
            if near[0].size:
                if mask is None:
                    r0, c0 = (int(v) for v in terrain.xy_to_rowcol(site.x, site.y))
                    mask = masking_height(terrain.elevation, terrain.cell_size, r0, c0, sensor.antenna_height,
                                          k=DEFAULT_K, max_distance=sensor.max_range)
                xs, ys, agl = x[near], y[near], np.maximum(z[near] - ground[near], 0.0)
                clutter = sensor_clutter(scenario, sensor, (site.x, site.y), mask, xs, ys)
                path = sensor_paths(scenario, sensor, (site.x, site.y, site.ground), mask, relief, xs, ys,
                                    ground[near], agl, clutter)
                seen = sensor.visibility(path, dx[near], dy[near])
                if hazard.mode == "engagement":
                    seen &= _inside(envelopes.get(s.unit_id, []), xs, ys, agl)
                values = np.zeros(seen.size)
                if seen.any():
                    values[seen] = look_pd(sensor, path.take(seen), entry.rcs.value, entry.swerling,
                                           ir_intensity=ir, emitters=emission)
                pd[near] = np.nan_to_num(np.clip(values, 0.0, 1.0))
            miss[n] *= s.availability * float(np.prod(1.0 - pd, axis=1).mean()) + (1.0 - s.availability)
            expected[n] += s.availability * float(pd.sum(axis=1).mean())
        del mask
    return [(1.0 - float(m), float(e), f[4]) for m, e, f in zip(miss, expected, flights, strict=True)]


def caveats(scenario: Scenario, hazard: Hazard) -> tuple[str, ...]:
    """What :func:`flown_probability` leaves out that the engine models, for the sensors (and, in engagement
    mode, the fire units) that count: radars that wait for a cue (on-cue, ambush: they may stay dark), units
    that fail or are repaired during the flight (mtbf, mttr), relocating units (taken at their first site),
    missiles with an envelope table (its box taken), jamming. Empty: the figure is the engine's, up to the
    scan-phase average and the independence of the sensors."""
    out = []
    units = [scenario.unit(s.unit_id) for s in hazard.sensors]
    if hazard.mode == "engagement":
        report = {f["id"]: f for f in cached_audit(scenario)["fire_units"]}
        guided = {s.unit_id for s in hazard.sensors}
        fire = [scenario.unit(f) for f, r in report.items() if r["able"] and guided & set(r["guided_by"])]
        units += fire
        if any(scenario.catalog.types[scenario.catalog.types[u.type].missile].envelope is not None for u in fire):
            out.append("missile envelope tables (their min-max box taken)")
    cued = sorted({u.id for u in units if u.emcon.policy in ("on-cue", "ambush")})
    if cued:
        out.append(f"radars dark until cued (taken as on: {', '.join(cued)})")
    failing = sorted({u.id for u in units if u.readiness.mtbf is not None or u.readiness.mttr is not None})
    if failing:
        out.append(f"failures and repairs during the flight ({', '.join(failing)})")
    moving = sorted({u.id for u in units if u.relocation is not None})
    if moving:
        out.append(f"relocation (taken at their first site: {', '.join(moving)})")
    if scenario.spec.jammers:
        out.append("stand-off jamming")
    return tuple(out)


@dataclass(frozen=True)
class ExposureField:
    """A per-metre hazard density on a regular grid (north-up, cells of ``dx`` by ``|dy|``).

    Attributes
    ----------
    density : numpy.ndarray of float, shape (n_rows, n_cols)
        Expected detecting looks per metre flown [1/m] in each cell; ``inf`` where the aircraft cannot fly (no
        terrain).
    x0, y0 : float
        World coordinates [m] of the centre of cell (0, 0).
    dx, dy : float
        Signed steps [m] of one column (east) and one row (usually negative: rows run south).
    ground : numpy.ndarray of float, shape (n_rows, n_cols), optional
        Ground elevation [m] of the cells (for the climb limit; None: flat).
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
        raise RouteError(f"the route cell size must be a positive length, got {wanted!r}", "cell")
    return max(1, round(wanted / cell_size[1])), max(1, round(wanted / cell_size[0]))


def _blocks(values: np.ndarray, k_row: int, k_col: int, reduce) -> np.ndarray:
    """``reduce`` (e.g. ``np.mean``) over the whole k_row x k_col blocks of a 2-D array."""
    n_br, n_bc = values.shape[0] // k_row, values.shape[1] // k_col
    return reduce(values[:n_br * k_row, :n_bc * k_col].reshape(n_br, k_row, n_bc, k_col), axis=(1, 3))


def exposure_field(scenario: Scenario, aircraft_type: str, height: float, mode: Literal["detection", "engagement"]
                   = "detection", cell_size: float = ROUTE_CELL, hazard: Hazard | None = None) -> ExposureField:
    """The route grid's hazard density of an aircraft type flying ``height`` above the ground: each route cell
    the mean over its block of DEM cells of :meth:`Hazard.density` (module docstring).

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
    hazard : Hazard, optional
        :func:`sensor_hazard` of the same type, height and mode, if already computed.

    Returns
    -------
    ExposureField

    Raises
    ------
    RouteError
        If the cell is not a positive length or larger than the terrain (``about="cell"``).
    """
    terrain = scenario.terrain
    k_row, k_col = _strides(terrain.cell_size, cell_size)
    if terrain.shape[0] < k_row or terrain.shape[1] < k_col:
        raise RouteError(f"a route cell of {cell_size:g} m is larger than the terrain", "cell")
    if hazard is None:
        hazard = sensor_hazard(scenario, aircraft_type, height, mode)
    elevation = terrain.elevation
    # a route cell is flown when its whole block of DEM cells, and the ring around it, has terrain data (the
    # loader interpolates the ground between DEM cell centres)
    ringed = ndimage.minimum_filter(np.isfinite(elevation), size=3, mode="nearest")
    valid = _blocks(ringed, k_row, k_col, np.all)
    density = np.where(valid, _blocks(hazard.density(), k_row, k_col, np.mean), np.inf)
    ground = np.where(valid, _blocks(np.nan_to_num(elevation), k_row, k_col, np.mean), np.nan)
    x0, y0 = terrain.rowcol_to_xy((k_row - 1) / 2, (k_col - 1) / 2)
    x1, y1 = terrain.rowcol_to_xy((k_row - 1) / 2 + k_row, (k_col - 1) / 2 + k_col)
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
        The density's integral along ``points`` (:meth:`ExposureField.line_exposure`).
    min_straight : float
        The straight distance [m] required between two turns (0: no limit).
    steep_moves : int
        Moves steeper than the climb or descent limit (each cost :data:`STEEP_PENALTY`; no other way).
    """

    rows: np.ndarray
    cols: np.ndarray
    headings: np.ndarray
    points: np.ndarray
    exposure: float
    min_straight: float
    steep_moves: int = 0


def _move_geometry(field: ExposureField) -> tuple[np.ndarray, np.ndarray, float]:
    """Per move: length [m] and bearing [rad]; and the largest angle between adjacent headings [rad]."""
    east = _MOVES[:, 1] * field.dx
    north = _MOVES[:, 0] * field.dy
    lengths = np.hypot(east, north)
    bearings = np.arctan2(east, north)
    turn = np.abs(np.angle(np.exp(1j * (np.roll(bearings, -1) - bearings))))
    return lengths, bearings, float(turn.max())


def least_exposed_path(field: ExposureField, start, goal: tuple[float, float],
                       turn_radius: float = 0.0, climb: float = math.inf, descent: float = math.inf) -> GridPath:
    """The least-exposed flyable path between the cells holding ``start`` and ``goal`` (world metres).

    Parameters
    ----------
    field : ExposureField
        Exposure density.
    start : (float, float) or array_like, shape (n, 2)
        World (x, y) [m] of the start, which must fall on a cell that can be flown; or of several candidate starts
        (the path starts from the best; those off the grid or on cells that cannot be flown are left out).
    goal : (float, float)
        World (x, y) [m]; it must fall on a cell that can be flown.
    turn_radius : float
        Smallest turn radius [m] (module docstring, turn limit); 0: any one-heading turn at every move.
    climb, descent : float
        Largest climb and descent gradients (rate over speed): a move whose ground rises (falls) between the two
        cells more than this times its length costs :data:`STEEP_PENALTY` more (needs ``field.ground``).

    Returns
    -------
    GridPath
        With a single cell when the start and the goal share one.

    Raises
    ------
    RouteError
        If the start (``about="start"``) or the goal (``"goal"``) is off the grid or on a cell that cannot be
        flown, or if the search would exceed :data:`MAX_STATES` (``"cell"``).
    NoPath
        If no path joins them.
    """
    density = field.density
    n_rows, n_cols = density.shape
    starts = np.atleast_2d(np.asarray(start, dtype=float))
    many = starts.shape[0] > 1
    start_cells = []
    for name, points in (("start", starts), ("goal", np.atleast_2d(goal))):
        for x, y in points:
            r, c = field.cell(x, y)
            if not (0 <= r < n_rows and 0 <= c < n_cols) or not np.isfinite(density[r, c]):
                if name == "start" and many:
                    continue
                raise RouteError(f"the {name} is off the terrain or on a route cell without terrain data (or next "
                                 "to one)", name)
            if name == "start":
                start_cells.append(r * n_cols + c)
    if not start_cells:
        raise RouteError("no start falls on a route cell with terrain data", "start")
    start_cells = np.unique(start_cells)
    lengths, _, turn = _move_geometry(field)
    straight = 2.0 * turn_radius * math.tan(turn / 2.0)
    runs = np.ceil(straight / lengths - 1e-9).astype(np.int64)  # moves needed before the next turn, per heading
    depth = int(runs.max()) + 1
    n_cells, n_head = n_rows * n_cols, len(_MOVES)
    n_states = n_cells * n_head * depth + 1
    if n_states > MAX_STATES:
        raise RouteError(f"the search would need {n_states:,} states (more than {MAX_STATES:,}): give a larger cell",
                         "cell")

    def state(cell, heading, run):
        return (cell * n_head + heading) * depth + run

    cell_r, cell_c = np.divmod(np.arange(n_cells), n_cols)
    src, dst, weight = [], [], []
    steep = {}  # per heading: the cells from which that move is too steep
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
            steep[h] = np.isfinite(cost) & ~((rise <= climb * lengths[h]) & (-rise <= descent * lengths[h]))
            cost[steep[h]] += STEEP_PENALTY
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
    rg, cg = field.cell(*goal)
    goal_cell = rg * n_cols + cg
    if goal_cell in start_cells:
        r0, c0 = divmod(int(goal_cell), n_cols)
        points = np.array(field.centre([r0], [c0])).T
        return GridPath(np.array([r0]), np.array([c0]), np.zeros(0, np.int64), points, 0.0, straight)
    first = state(np.repeat(start_cells, n_head), np.tile(np.arange(n_head), start_cells.size),
                  np.tile(runs, start_cells.size))
    src.append(np.full(first.size, source))
    dst.append(first)
    weight.append(np.full(first.size, 1e-300))  # explicit edges of (almost) zero cost
    graph = sparse.csr_matrix((np.concatenate(weight), (np.concatenate(src), np.concatenate(dst))),
                              shape=(n_states, n_states))
    distance, predecessor = dijkstra(graph, indices=source, return_predecessors=True)
    ends = state(goal_cell, np.repeat(np.arange(n_head), depth), np.tile(np.arange(depth), n_head))
    best = int(ends[np.argmin(distance[ends])])
    if not np.isfinite(distance[best]):
        raise NoPath("no flyable path joins the start and the goal (cells without terrain data in between)")
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
    n_steep = sum(int(steep[int(h)][int(c)]) for h, c in zip(headings[1:], cells[:-1], strict=True) if h in steep)
    return GridPath(rows, cols, headings[1:], points, field.line_exposure(points), straight, n_steep)


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
    probability : float
        Probability of detection (or engagement) along ``waypoints`` as the engine flies them
        (:func:`flown_probability`: at the heights the terrain-following plan flies).
    exposure : float
        Expected detecting looks along ``waypoints`` (the same).
    planned_probability, planned_exposure : float
        The same at the wanted height everywhere, looked up at DEM cell centres (:func:`route_probability`):
        what the search sees; the flown values differ where the plan must fly higher.
    direct_probability, direct_exposure : float or None
        The straight line from the start to the asset, flown as the engine flies it; None when it crosses route
        cells without terrain data.
    turn_radius : float
        [m] used by the search.
    cell : (float, float)
        Route grid cell (east, north) [m].
    length : float
        Length of ``waypoints`` [m].
    steep_moves : int
        Moves of the grid path steeper than the type's climb or descent limit (0: the limit held).
    flown_excess : float
        Largest height [m] above the wanted one at which the loader's terrain-following plan flies the waypoints.
    start : (float, float)
        World (x, y) [m] of the route's first point (the given start, or the edge cell a corridor starts from).
    caveats : tuple of str
        What the flown figures leave out that the engine models (:func:`caveats`; empty: none).
    """

    path: GridPath
    waypoints: np.ndarray
    probability: float
    exposure: float
    planned_probability: float
    planned_exposure: float
    direct_probability: float | None
    direct_exposure: float | None
    turn_radius: float
    cell: tuple[float, float]
    length: float
    steep_moves: int
    flown_excess: float
    start: tuple[float, float]
    caveats: tuple[str, ...] = ()


def turn_radius(entry: AircraftType) -> float:
    """Smallest turn radius [m] of an aircraft type at cruise speed: ``v**2 / a`` (module docstring)."""
    accel = entry.manoeuvre.value if entry.manoeuvre is not None and entry.manoeuvre.value > 0 \
        else DEFAULT_TURN_ACCELERATION
    return entry.cruise_speed.value ** 2 / accel


def least_exposed_route(scenario: Scenario, start: tuple[float, float] | None, asset: str, aircraft_type: str,
                        height: float, mode: Literal["detection", "engagement"] = "detection",
                        cell_size: float = ROUTE_CELL, hazard: Hazard | None = None) -> LeastExposedRoute:
    """The least-exposed route from ``start`` (world x, y [m]) to a defended asset's centre (module docstring);
    ``start=None``: from the best route cell on the terrain's edge (the least-exposed corridor into the asset from
    outside the map). ``hazard``: :func:`sensor_hazard` of the same type, height and mode, if already computed.

    Raises
    ------
    RouteError
        As :func:`least_exposed_path` and :func:`exposure_field` (``about`` names the input at fault).
    """
    entry = scenario.catalog.types[aircraft_type]
    terrain = scenario.terrain
    site = scenario.sites[asset]
    goal = (site.x, site.y)
    for name, point in (("start", start), ("goal", goal)):  # before the long computation
        if point is None:
            continue
        x, y = point
        if not bool(terrain.contains(x, y)) or not math.isfinite(float(terrain.elevation_at(x, y))):
            raise RouteError(f"the {name} is off the terrain or on a cell without terrain data", name)
    _strides(terrain.cell_size, cell_size)
    if hazard is None:
        hazard = sensor_hazard(scenario, aircraft_type, height, mode)
    field = exposure_field(scenario, aircraft_type, height, mode, cell_size, hazard)
    radius = turn_radius(entry)
    speed = entry.cruise_speed.value
    path = least_exposed_path(field, _corridor_starts(scenario, field, asset) if start is None else start, goal, radius,
                              entry.climb_rate.value / speed, entry.descent_rate.value / speed)
    origin = tuple(float(v) for v in (path.points[0] if start is None else start))
    grid = path.points.copy() if len(path.points) > 1 else np.zeros((2, 2))
    grid[0], grid[-1] = origin, goal
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
        waypoints = grid
    planned, planned_looks = route_probability(hazard, waypoints)
    direct = np.array([origin, goal])
    lines = [waypoints, direct] if np.isfinite(field.line_exposure(direct)) else [waypoints]
    flown = flown_probability(scenario, hazard, lines)
    probability, looks, excess = flown[0]
    direct_p, direct_looks = flown[1][:2] if len(flown) > 1 else (None, None)
    length = float(np.hypot(*np.diff(waypoints, axis=0).T).sum())
    return LeastExposedRoute(path, waypoints, probability, looks, planned, planned_looks, direct_p, direct_looks,
                             radius, (abs(field.dx), abs(field.dy)), length, path.steep_moves, excess, origin,
                             caveats(scenario, hazard))


def _edge(field: ExposureField) -> np.ndarray:
    """World (x, y) [m] of the centres of the flyable route cells on the edge of the flyable region: those next to
    (8 neighbours) the grid's border or to unflyable cells joined to it (not to a hole of nodata inside the map)."""
    flyable = np.isfinite(field.density)
    labels, _ = ndimage.label(np.pad(~flyable, 1, constant_values=True), structure=np.ones((3, 3)))
    outside = labels == labels[0, 0]
    rows, cols = np.nonzero(ndimage.binary_dilation(outside, structure=np.ones((3, 3)))[1:-1, 1:-1] & flyable)
    return np.column_stack(field.centre(rows, cols))


AXIS_HALF_WIDTH = math.radians(45.0)
"""A corridor into an asset that raids attack starts within this bearing of one of their first waypoints, as
seen from the asset."""


def _corridor_starts(scenario: Scenario, field: ExposureField, asset: str) -> np.ndarray:
    """Where a corridor into ``asset`` may start: the flyable edge cells (:func:`_edge`) outside every defended
    asset's circle, and, when raids attack the asset, within :data:`AXIS_HALF_WIDTH` of the bearing of one of
    their first waypoints from it (the threat axes; all edge cells if none lies there)."""
    points = _edge(field)
    for a in scenario.spec.defended_assets:
        site = scenario.sites[a.id]
        points = points[np.hypot(points[:, 0] - site.x, points[:, 1] - site.y) > a.radius]
    site = scenario.sites[asset]
    axes = [scenario.routes[t.id][0, :2] for t in scenario.spec.threats if t.target == asset and t.id in
            scenario.routes]
    if axes and len(points):
        bearing = np.arctan2(points[:, 0] - site.x, points[:, 1] - site.y)
        near = np.zeros(len(points), bool)
        for x, y in axes:
            offset = np.angle(np.exp(1j * (bearing - math.atan2(x - site.x, y - site.y))))
            near |= np.abs(offset) <= AXIS_HALF_WIDTH
        if near.any():
            points = points[near]
    return points


def default_type(scenario: Scenario, asset: str) -> str:
    """The aircraft type a route to ``asset`` is planned for when none is given: the first raid on it flown by an
    aircraft (not a missile), else the scenario's first threat type (:func:`iadsim.analysis.coverage.
    threat_types_of`).

    Raises
    ------
    ValueError
        If the scenario has no aircraft threat type.
    """
    from iadsim.analysis.coverage import threat_types_of

    types = scenario.catalog.types
    raids = [t.type for t in scenario.spec.threats if t.target == asset and isinstance(types[t.type], AircraftType)
             and types[t.type].kind == "aircraft"]
    return raids[0] if raids else threat_types_of(scenario)[0]


@dataclass(frozen=True)
class Corridor:
    """The least-exposed corridor into one defended asset from the terrain's edge.

    Attributes
    ----------
    asset, aircraft_type : str
        The asset and the type flown.
    height : float
        Wanted height above the ground [m].
    mode : str
        ``"detection"`` or ``"engagement"``.
    route : LeastExposedRoute or None
        None when there is none (``reason`` says why).
    reason : str
        Why there is no route ("" when there is one).
    """

    asset: str
    aircraft_type: str
    height: float
    mode: str
    route: LeastExposedRoute | None
    reason: str = ""


def corridors(scenario: Scenario, mode: Literal["detection", "engagement"] = "detection",
              cell_size: float = ROUTE_CELL) -> list[Corridor]:
    """The least-exposed corridor (:func:`least_exposed_route` with ``start=None``) into each defended asset, for
    the asset's :func:`default_type` at its terrain clearance; an asset without one (no aircraft type, a type that
    cannot follow the terrain, no flyable path, a grid too large) gets the reason. Types and heights shared by
    several assets share one hazard."""
    hazards: dict[tuple[str, float], Hazard] = {}
    out = []
    for asset in scenario.spec.defended_assets:
        try:
            type_id = default_type(scenario, asset.id)
        except ValueError as exc:
            out.append(Corridor(asset.id, "", math.nan, mode, None, str(exc)))
            continue
        entry = scenario.catalog.types[type_id]
        if not entry.terrain_following:
            out.append(Corridor(asset.id, type_id, math.nan, mode, None, f"'{type_id}' has no climb_rate, "
                                "descent_rate and terrain_clearance in its catalog"))
            continue
        height = float(entry.terrain_clearance.value)
        key = (type_id, height)
        try:
            if key not in hazards:
                hazards[key] = sensor_hazard(scenario, type_id, height, mode)
            route = least_exposed_route(scenario, None, asset.id, type_id, height, mode, cell_size, hazards[key])
        except RouteError as exc:
            out.append(Corridor(asset.id, type_id, height, mode, None, str(exc)))
            continue
        out.append(Corridor(asset.id, type_id, height, mode, route))
    return out


def route_raid(scenario: Scenario, route: LeastExposedRoute, asset: str, aircraft_type: str, height: float) -> dict:
    """The route as a scenario raid (a mapping as the file writes it): id ``least-exposed-<asset>``, one aircraft
    of the type, starting at 0 s, targeting the asset, its waypoints in metres from the origin at ``height``
    above the ground."""
    ox, oy = scenario.origin_xy
    return {"id": f"least-exposed-{asset}", "type": aircraft_type, "count": 1, "start": "0 s", "target": asset,
            "altitude_reference": "agl",
            "route": [{"x": f"{x - ox:.0f} m", "y": f"{y - oy:.0f} m", "altitude": f"{height:g} m"}
                      for x, y in route.waypoints]}


def check_out(out, source) -> None:
    """Check, before any work, that ``out`` can take the written scenario: a ``.yaml`` (``.yml``) name, not a
    symbolic link, not a directory or other non-regular file, not the input scenario ``source`` itself, in a
    folder that exists.

    Raises
    ------
    iadsim.scenario.InputError
        Naming ``--out`` or the path.
    """
    import os
    from pathlib import Path

    from iadsim.scenario import InputError

    out = Path(out)
    if out.suffix.lower() not in (".yaml", ".yml"):
        raise InputError("--out", "name the scenario file to write, e.g. routed.yaml")
    if out.is_symlink():
        raise InputError(out, "is a symbolic link; iadsim writes only regular files (--out)")
    if out.exists() and not out.is_file():
        raise InputError(out, "is not a regular file; iadsim writes only regular files (--out)")
    if not out.parent.is_dir():
        raise InputError(out.parent, "no such folder; create it or choose another --out")
    if out.resolve() == Path(source).resolve() or (out.exists() and Path(source).exists()
                                                   and os.path.samefile(out, source)):
        raise InputError(out, "is the input scenario; write the route to another file (--out)")


def write_with_raid(scenario: Scenario, raid: dict, out) -> Scenario:
    """Write a copy of the scenario's file to ``out`` with ``raid`` added to its threats (replacing a threat of
    the same id), keeping its comments (ruamel.yaml's round trip) and its relative paths (rewritten relative to
    ``out``'s folder). The copy is loaded before an atomic rename, so nothing is written unless it validates;
    returns it loaded.

    Raises
    ------
    iadsim.scenario.InputError
        If ``out`` fails :func:`check_out`, if the id is another entry's, or if the copy does not validate (naming
        ``out``).
    """
    from pathlib import Path

    from iadsim.scenario import InputError, load_scenario
    from iadsim.scenario.edit import dump, relocate_paths, round_trip, write_validated
    from iadsim.scenario.yamlio import read_text

    out = Path(out)
    source = Path(scenario.path)
    check_out(out, source)
    yaml, data = round_trip(read_text(source), source)
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
    relocate_paths(data, source.resolve().parent, out.resolve().parent)
    # (its warnings silenced: the caller reports how the route is flown)
    write_validated(dump(yaml, data), out, lambda exc: InputError(
        out, f"the scenario with the route does not validate: {exc.message}"), quiet=True)
    return load_scenario(out)
