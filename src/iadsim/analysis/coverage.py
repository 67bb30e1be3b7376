"""Coverage maps: where the network detects, and where it can engage, a threat at fixed heights above ground.

Rules (also written into ``coverage.json`` under ``"rules"``):

* **Sensors** are the units with a sensor (radars, and launchers carrying one) that senses: a radar whose
  emission-control policy lets it emit (a passive sensor whatever its policy; :attr:`iadsim.network.Network.senses`).
  A radar that emits part of the time (blink, rotation) covers what it covers while on.
* **Detection.** A cell is covered by a sensor at height ``h`` above the cell's ground when the sensor's
  model (:mod:`iadsim.sensors`, the same model the engine uses) finds it visible - for a radar: the
  terrain masking height there (from the sensor's antenna, its mast height above the site, over a 4/3
  earth) is at most ``h``, the slant range from the antenna is within the instrumented range, and the
  cell is inside the sensor's sector if it has one (:func:`iadsim.sensors.in_sector`) - and its per-look
  probability of detection is at least 0.5. For a radar that is the exact square-law Pd of
  :class:`iadsim.sensors.Radar` (:func:`iadsim.sensors.signal_to_interference_db`: radar equation with
  two-ray multipath and land clutter, no jamming; the radar's Pfa and pulses per look; the threat's
  Swerling case). With several threat types a cell counts only when Pd >= 0.5 against each of them (the
  worst case).
* **Threat types.** By default the aircraft types of the scenario's raids; with no raids, the
  smallest-RCS non-civil aircraft type of the catalog.
* **Engagement.** A fire unit covers a cell at height ``h`` when the cell is inside its missile's box
  launch envelope (ground range from the launcher within min..max range, ``h`` within min..max
  altitude, and the launcher's sector if any) and one of its guiding radars (its own radar, or the
  radars with a fire-control link to it) detects there at that height. Only the fire units that
  :func:`iadsim.network.audit` finds able count towards the network's engagement coverage; unable ones
  are reported with what they would cover if their chain were complete, guided by the radars wired to
  them.
* **Gaps** are the connected regions (8-connected cells) not covered by any sensor at the lowest band,
  on cells with terrain data inside the area of interest, largest first.
* **Area of interest** (AOI; cells whose centre is inside it): by default the defended assets' circles,
  each widened by :data:`AOI_MARGIN` (30 km) beyond the asset's radius; a scenario without defended assets
  uses the bounding box of its units' sites and its raids' waypoints, widened by the margin. Callers give
  another margin (``aoi_margin``), a box in local metres from the scenario origin (``aoi=(xmin, ymin,
  xmax, ymax)``, the x/y of the scenario file), or ``aoi="terrain"`` for the whole terrain. Always
  clipped to the terrain.
* **A gap's location** is its pole of inaccessibility: the centre of the largest circle inside the gap's
  polygon (the union of its cells, with its holes), so it lies inside the gap even when the gap is a
  ring or a C around covered ground (where the centroid does not). Its ``inscribed_radius_km`` is that
  circle's radius. The centroid is kept for compatibility.
* **Bands open**: a gap (defined at the lowest band) is open at a band when at least
  :data:`OPEN_FRACTION` (10 %) of its cells are uncovered by every sensor at that band; the per-band
  uncovered fractions are reported too. The **nearest unit** is the unit (any kind) whose site is closest
  (ground distance) to the gap's location.

Run time is dominated by one masking sweep per sensor (compiled, shared by every band) and the exact
Pd of the cells each sensor can see; the sample scenarios take a few seconds.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from scipy import ndimage

from iadsim.network import build_network, cached_audit
from iadsim.network.chain import guider_names
from iadsim.scenario import Scenario
from iadsim.scenario.catalog import AircraftType
from iadsim.scenario.yamlio import write_atomic
from iadsim.sensors import Geometry, Jamming, bearing_offset, in_sector, look_pd, path_geometry, sensor_model
from iadsim.sensors.geometry import land_clutter
from iadsim.terrain import DEFAULT_K, local_relief, masking_heights
from iadsim.terrain.dem import geotiff_bytes
from iadsim.terrain.geo import hillshade, lonlat_polygons, to_lonlat

__all__ = ["AOI_MARGIN", "DEFAULT_BANDS", "OPEN_FRACTION", "PD_THRESHOLD", "AreaOfInterest", "CoverageMaps",
           "area_of_interest", "coverage", "coverage_maps", "gap_poles", "threat_types_of"]

DEFAULT_BANDS = (30.0, 100.0, 300.0, 1000.0)
"""Heights above ground [m] of the default coverage bands."""

PD_THRESHOLD = 0.5
"""Per-look probability of detection at which a cell counts as covered."""

AOI_MARGIN = 30e3
"""Default margin [m] of the area of interest beyond each defended asset's radius (or the laydown's box)."""

OPEN_FRACTION = 0.1
"""Fraction of a gap's cells that must be uncovered at a band for the gap to count as open at that band."""

MAX_GAPS = 20  # gaps listed in the summary (the count covers all of them)


@dataclass(frozen=True)
class CoverageMaps:
    """Boolean coverage rasters on the scenario's terrain grid.

    Attributes
    ----------
    bands : tuple of float
        Heights above ground [m], ascending.
    sensor_ids : list of str
        Sensors (emitting units with a radar), in scenario order.
    detection : numpy.ndarray of bool, shape (n_sensors, n_bands, n_rows, n_cols)
        Cell covered by the sensor at the band's height.
    fire_ids : list of str
        Fire units (launchers), in scenario order.
    engagement : numpy.ndarray of bool, shape (n_fire_units, n_bands, n_rows, n_cols)
        Cell inside the fire unit's envelope and seen by one of its guiding radars.
    able : numpy.ndarray of bool, shape (n_fire_units,)
        Whether the audit finds the fire unit able to engage.
    guided_by : list of list of str
        Per fire unit, the radars whose detection coverage guides it.
    valid : numpy.ndarray of bool, shape (n_rows, n_cols)
        Cells with terrain data.
    threat_types : list of str
        Aircraft types the Pd was computed for.
    masking : numpy.ndarray of float, shape (n_sensors, n_rows, n_cols)
        Masking height [m] above the ground from each sensor's antenna (4/3 earth); NaN beyond the sensor's
        instrumented ground range and on nodata.
    sample : int
        1: every cell computed; k: a quick look, the Pd evaluated at the centres of blocks of k x k cells.
    """

    bands: tuple[float, ...]
    sensor_ids: list[str]
    detection: np.ndarray
    fire_ids: list[str]
    engagement: np.ndarray
    able: np.ndarray
    guided_by: list[list[str]]
    valid: np.ndarray
    threat_types: list[str]
    masking: np.ndarray
    sample: int = 1  # the Pd evaluated at the centres of blocks of sample x sample cells (coverage_maps)

    @property
    def detection_layers(self) -> np.ndarray:
        """(n_bands, n_rows, n_cols) int: how many sensors cover each cell."""
        return self.detection.sum(axis=0, dtype=np.int32)

    @property
    def engagement_layers(self) -> np.ndarray:
        """(n_bands, n_rows, n_cols) int: how many *able* fire units cover each cell."""
        return self.engagement[self.able].sum(axis=0, dtype=np.int32)

    def covered(self) -> np.ndarray:
        """(n_bands, n_rows, n_cols) bool: the network's detection coverage (some sensor detects), False on nodata.

        This is *the* coverage of a scenario: the report's map and the GeoJSON and GeoTIFF exports show it.
        """
        return self.detection.any(axis=0) & self.valid

    def lowest_masking_height(self) -> np.ndarray:
        """(n_rows, n_cols) float: the lowest masking height [m] over the sensors (NaN where none reaches)."""
        if not len(self.masking):
            return np.full(self.valid.shape, np.nan)
        return np.fmin.reduce(self.masking, axis=0)


def threat_types_of(scenario: Scenario, threat_types: Sequence[str] | None = None) -> list[str]:
    """The aircraft types to compute coverage against (see the module docstring for the default).

    Raises
    ------
    ValueError
        If a given type is not an aircraft type of the scenario's catalog.
    """
    catalog = scenario.catalog
    if threat_types:
        names = list(dict.fromkeys(threat_types))
        unknown = [t for t in names if not isinstance(catalog.types.get(t), AircraftType)]
        if unknown:
            raise ValueError(f"unknown aircraft type {', '.join(unknown)}; known: {', '.join(catalog.ids('aircraft'))}")
        return names
    raids = list(dict.fromkeys(r.type for r in scenario.spec.threats if catalog.types[r.type].kind != "decoy"))
    if raids:
        return raids
    military = [t for t in catalog.ids("aircraft") if not catalog.types[t].civil]
    if not military:
        raise ValueError("the scenario has no raids and the catalog no military aircraft type: give threat_types")
    return [min(military, key=lambda t: catalog.types[t].rcs.value)]


MAX_BANDS = 16
"""Most height bands one coverage run computes (each writes several files)."""


def parse_bands(bands) -> tuple[float, ...]:
    values = sorted({float(b) for b in bands})
    if not values or not all(math.isfinite(b) and b > 0 for b in values):
        raise ValueError(f"bands must be positive heights above ground [m], got {bands!r}")
    if len(values) > MAX_BANDS:
        raise ValueError(f"at most {MAX_BANDS} bands, got {len(values)}")
    names = [band_name(b) for b in values]
    if len(set(names)) < len(names):
        raise ValueError("two bands would share a name (heights that differ by less than their printed digits)")
    return tuple(values)


def band_name(height: float) -> str:
    return str(int(height)) if float(height).is_integer() else f"{height:g}"


def worst_threats(scenario: Scenario, names: list[str]) -> list[tuple[float, int]]:
    """(rcs [m^2], swerling) of the threats that decide the worst case: per Swerling case the smallest RCS
    (the SINR grows with RCS and Pd with the SINR, so larger targets of the same case are covered too)."""
    smallest: dict[int, float] = {}
    for name in names:
        entry = scenario.catalog.types[name]
        smallest[entry.swerling] = min(entry.rcs.value, smallest.get(entry.swerling, math.inf))
    return [(rcs, case) for case, rcs in sorted(smallest.items())]


def faintest_ir(scenario: Scenario, names: list[str]) -> dict[str, float]:
    """Per IR band the smallest radiant intensity [W/sr] of the threat types (NaN when one has none in the band:
    an IRST covers no threat type it cannot see). An ESM hears only what a target emits, and the worst case is
    a threat that emits nothing: its detection coverage is empty."""
    out = {}
    for band in ("mwir", "lwir"):
        values = [scenario.catalog.types[n].ir_intensity for n in names]
        out[band] = min((v[band].value if v and band in v else math.nan for v in values), default=math.nan)
        if any(not v or band not in v for v in values):
            out[band] = math.nan
    return out


def sensor_clutter(scenario: Scenario, sensor, site_xy: tuple[float, float], mask: np.ndarray, xs, ys):
    """The land clutter a sensor at ``site_xy`` [m] with masking raster ``mask`` meets at cells (xs, ys), or None
    for a sensor without a beam (a passive one)."""
    beamwidth = getattr(sensor, "beamwidth", None)
    return None if beamwidth is None else land_clutter(scenario.terrain, mask, site_xy, xs, ys, scenario.clutter_map,
                                                       beamwidth)


def sensor_paths(scenario: Scenario, sensor, site: tuple[float, float, float], mask: np.ndarray, relief, xs, ys,
                 ground, height, clutter=None):
    """The paths coverage, siting and routes judge detection on: from a sensor at ``site`` (x, y, ground [m]; its
    antenna ``sensor.antenna_height`` above) to targets ``height`` above the ground ``ground`` at cells (xs, ys),
    over the terrain with its ``relief``, on the scenario's surface (:func:`iadsim.sensors.path_geometry`);
    ``height`` [m] is one for every cell or one per cell (broadcast against ``xs``), ``clutter`` from
    :func:`sensor_clutter`."""
    surface = scenario.spec.surface
    height = np.broadcast_to(np.asarray(height, float), np.shape(xs))
    return path_geometry(scenario.terrain, relief, mask, site, site[2] + sensor.antenna_height, xs, ys,
                         np.asarray(ground) + height, height, surface=surface.type,
                         roughness=surface.height_std, clutter=clutter, surface_map=scenario.surface_classes)


def coverage_maps(scenario: Scenario, bands: Sequence[float] = DEFAULT_BANDS,
                  threat_types: Sequence[str] | None = None, sample: int = 1,
                  threads: int | None = None) -> CoverageMaps:
    """Detection and engagement coverage of every sensor and fire unit at each height band.

    Parameters
    ----------
    scenario : iadsim.scenario.Scenario
        A loaded scenario.
    bands : sequence of float
        Target heights above ground [m].
    threat_types : sequence of str, optional
        Aircraft catalog types; default: the raids' types (module docstring).
    sample : int, optional
        1 (default): every cell. ``k`` > 1: a quick look (a run folder's): each cell's line of sight, range and
        sector are its own, but the probability of detection is evaluated at the centre cell of each ``k`` x
        ``k`` block only, and the block's other cells take its answer (their own where the centre is not seen).
    threads : int, optional
        How many sensors are covered at once, each in its own thread (numpy releases the interpreter in its array
        work): default numba's thread count (``numba.get_num_threads()``, as siting's sweeps; every CPU unless
        ``NUMBA_NUM_THREADS`` or ``numba.set_num_threads`` says fewer); one on a grid of more
        than :data:`THREADED_CELLS` cells (each sensor's work arrays are tens of full grids). The maps are the same
        whatever it is.

    Returns
    -------
    CoverageMaps
    """
    bands = parse_bands(bands)
    names = threat_types_of(scenario, threat_types)
    threats = worst_threats(scenario, names)
    faintest = faintest_ir(scenario, names)
    terrain, spec = scenario.terrain, scenario.spec
    elevation = terrain.elevation
    valid = np.isfinite(elevation)
    n_rows, n_cols = terrain.shape
    if int(sample) != sample or sample < 1:
        raise ValueError("sample: expected a whole number of cells, at least 1")
    centre_row, centre_col = _block_centres(n_rows, int(sample)), _block_centres(n_cols, int(sample))
    xs, ys = terrain.rowcol_to_xy(*np.meshgrid(np.arange(n_rows), np.arange(n_cols), indexing="ij"))

    net = build_network(scenario)
    sensors = [(u, m) for u in spec.units if net.senses[u.id] and (m := sensor_model(scenario, u)) is not None]
    detection = np.zeros((len(sensors), len(bands), n_rows, n_cols), bool)
    masks = np.full((0, n_rows, n_cols), np.nan)
    if sensors:
        rows, cols = terrain.xy_to_rowcol([scenario.sites[u.id].x for u, _ in sensors],
                                          [scenario.sites[u.id].y for u, _ in sensors])
        masks = masking_heights(elevation, terrain.cell_size, rows, cols, [m.antenna_height for _, m in sensors],
                                k=DEFAULT_K, max_distance=max(m.max_range for _, m in sensors))
    relief = local_relief(elevation, terrain.cell_size) if sensors else None

    def cover(s: int) -> None:  # sensor s's masking beyond its reach and its detection maps (its own slices)
        unit, sensor = sensors[s]
        site = scenario.sites[unit.id]
        dx, dy = xs - site.x, ys - site.y
        ground_range = np.hypot(dx, dy)
        masks[s][ground_range > sensor.max_range] = np.nan  # beyond this sensor's reach
        near = np.nonzero(valid & np.isfinite(masks[s]))
        # each cell's block centre among ``near`` (-1: not near), for the sampled quick look
        position = np.full((n_rows, n_cols), -1)
        position[near] = np.arange(near[0].size)
        centre = position[centre_row[near[0]], centre_col[near[1]]]
        clutter = sensor_clutter(scenario, sensor, (site.x, site.y), masks[s], xs[near], ys[near])
        for b, height in enumerate(bands):
            path = sensor_paths(scenario, sensor, (site.x, site.y, site.ground), masks[s], relief, xs[near], ys[near],
                                elevation[near], height, clutter)
            seen = sensor.visibility(path, dx[near], dy[near])
            if not seen.any():
                continue
            # every cell's own line of sight, range and sector; Pd at the cells that are their block's centre, or
            # whose centre is not seen (sample 1: every cell is its own centre)
            centre_seen = (centre >= 0) & seen[np.maximum(centre, 0)]
            evaluate = seen & ((centre == np.arange(centre.size)) | ~centre_seen)
            ok = np.zeros(seen.size, bool)
            ok[evaluate] = True
            for rcs, case in threats:
                ok[evaluate] &= look_pd(sensor, path.take(evaluate), rcs, case, ir_intensity=faintest) >= PD_THRESHOLD
            borrow = seen & ~evaluate
            ok[borrow] = ok[centre[borrow]]
            detection[s, b][near] = ok

    _ = scenario.clutter_map  # (computed once here, not by two threads at once)
    run_each(cover, len(sensors), threads if n_rows * n_cols <= THREADED_CELLS else 1)

    sensor_ids = [u.id for u, _ in sensors]
    report = {f["id"]: f for f in cached_audit(scenario)["fire_units"]}
    fire_ids = list(net.fire_units)
    engagement = np.zeros((len(fire_ids), len(bands), n_rows, n_cols), bool)
    able = np.array([report[f]["able"] for f in fire_ids], bool)
    guided_by = []
    for i, fire_id in enumerate(fire_ids):
        unit = scenario.unit(fire_id)
        # an able unit: the radars the kill-chain rules let guide it; otherwise every radar wired to it
        guiders = list(report[fire_id]["guided_by"]) if able[i] else guider_names(net, fire_id)
        guiders = [g for g in dict.fromkeys(guiders) if g in sensor_ids]
        guided_by.append(guiders)
        if not guiders:
            continue
        missile = scenario.catalog.types[scenario.catalog.types[unit.type].missile]
        site = scenario.sites[fire_id]
        dx, dy = xs - site.x, ys - site.y
        ground_range = np.hypot(dx, dy)
        envelope = ((ground_range >= missile.min_range.value) & (ground_range <= missile.max_range.value)
                    & in_sector(unit.sector, dx, dy))
        seen = detection[[sensor_ids.index(g) for g in guiders]].any(axis=0)
        for b, height in enumerate(bands):
            if missile.min_altitude.value <= height <= missile.max_altitude.value:
                engagement[i, b] = envelope & seen[b]
    return CoverageMaps(bands, sensor_ids, detection, fire_ids, engagement, able, guided_by, valid, names, masks,
                        int(sample))


THREADED_CELLS = 4_000_000
"""The largest grid (cells) :func:`coverage_maps` covers several sensors of at once (a 2,000 x 2,000 crop: about
0.5 GB of work arrays per sensor); a larger one is covered one sensor at a time, in the memory it took before."""


def run_each(task, n: int, threads: int | None = None) -> None:
    """``task(i)`` for i in range(n), ``threads`` at once (default numba's thread count); the calling
    thread does them all when one would do. The pool's threads end before this returns (a process may fork its
    workers after it: :func:`iadsim.analysis.sweep.executors.fork_is_safe`); on the first exception (or Ctrl-C) the
    tasks not started are dropped, those running finish, and it is raised."""
    import numba

    if threads is None:  # (asking starts numba's threads if none ran yet: only when they may serve)
        threads = numba.get_num_threads() if n > 1 else 1
    threads = min(n, int(threads))
    if threads <= 1:
        for i in range(n):
            task(i)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(threads, thread_name_prefix="iadsim-coverage") as pool:
        try:
            for _ in pool.map(task, range(n)):
                pass
        except BaseException:
            pool.shutdown(cancel_futures=True)
            raise


def _block_centres(n: int, k: int) -> np.ndarray:
    """(n,) for each of ``n`` cells, the centre cell of its block of ``k`` (a last, partial block's within it)."""
    start = np.arange(n) // k * k
    end = np.minimum(start + k, n)
    return start + (end - start) // 2


# ----------------------------------------------------------------------------------------------------
# Burn-through
# ----------------------------------------------------------------------------------------------------
BURNTHROUGH_STEP = 50.0
"""Range step [m] of the burn-through search."""

BURNTHROUGH_RULE = ("largest slant range at which the radar detects the threat (per-look Pd >= 0.5) flying at the "
                    "band's height straight at it along the jammer's bearing, the jammer at its closest approach; "
                    "smooth earth at the radar site's level, no terrain masking")


def _closest_approach(route: np.ndarray, point: tuple[float, float]) -> tuple[float, float, float]:
    """(x, y, altitude) of the point of a polyline route (waypoints (n, 3)) nearest ``point`` horizontally."""
    if len(route) == 1:
        return tuple(float(v) for v in route[0])
    a, b = route[:-1], route[1:]
    ab = b[:, :2] - a[:, :2]
    t = np.clip(np.einsum("ij,ij->i", np.asarray(point) - a[:, :2], ab) / np.maximum((ab**2).sum(axis=1), 1e-12), 0, 1)
    nearest = a + t[:, None] * (b - a)
    i = int(np.argmin(np.hypot(nearest[:, 0] - point[0], nearest[:, 1] - point[1])))
    return tuple(float(v) for v in nearest[i])


def burnthrough(scenario: Scenario, maps: CoverageMaps) -> dict:
    """Burn-through ranges of every radar (not the passive sensors) against every jammer (``burnthrough.json``).

    For each stand-off jammer aircraft type (its first aircraft) and each sensing radar: the jammer at its
    closest approach to the radar along its route (holding there), radiating its bands if the radar is inside
    its beam; each threat type flies at each band's height straight at the radar along the jammer's bearing
    (so the jammer is in a search radar's main beam: the worst case; a fire-control radar's pencil beam, steered
    at the threat, hears a jammer at another elevation in its sidelobes, so its entries are sidelobe
    burn-through unless the two are within half its elevation beamwidth). An AGL jammer whose closest approach
    is over nodata or off the DEM has no height there and is left silent (``jammer_heard``: false, as for a
    radar outside the jammer's beam). ``range_m`` is the largest slant range at
    which the radar detects it (per-look Pd >= 0.5, the coverage threshold), 0 if nowhere;
    ``range_unjammed_m`` the same without the jammer; ``jammer_range_m`` the jammer's slant range from the
    antenna. For each raid with a
    self-screening jammer, the same with the jammer on the raid's own aircraft (``jammer_range_m`` equals
    ``range_m``). Paths over a smooth earth at the radar site's level with the scenario's surface (terrain
    masking is left out: this is the jamming arithmetic, the maps give the terrain).
    """
    spec = scenario.spec
    units = {u.id: u for u in spec.units}
    surface = spec.surface
    entries = []
    for sensor_id in maps.sensor_ids:
        sensor = sensor_model(scenario, units[sensor_id])
        if not sensor.emits:
            continue  # burn-through is a radar's: a passive sensor hears jammers, it is not jammed
        site = scenario.sites[sensor_id]
        antenna = sensor.antenna_height
        ranges = np.arange(BURNTHROUGH_STEP, sensor.max_range + BURNTHROUGH_STEP / 2, BURNTHROUGH_STEP)

        def detect(path, jammers, rcs, case, sensor=sensor) -> float:
            seen = np.flatnonzero(sensor.pd_per_look(path, rcs, case, jammers) >= PD_THRESHOLD)
            return round(float(path.slant_range[seen[-1]]), 1) if seen.size else 0.0

        def flat(ground_range, height, antenna=antenna):
            return Geometry.flat(ground_range, antenna, height, surface=surface.type, height_std=surface.height_std)

        for jammer in spec.jammers:
            x, y, alt = _closest_approach(scenario.routes[jammer.id], (site.x, site.y))
            ground = scenario.terrain.elevation_at(np.array([x]), np.array([y]))[0]
            height = (alt + ground if jammer.altitude_reference == "agl" else np.fmax(alt, ground)) - site.ground
            aim = scenario.aims.get(jammer.id, (site.x, site.y))
            off = bearing_offset(math.atan2(site.x - x, site.y - y), math.atan2(aim[0] - x, aim[1] - y))
            heard = bool(np.isfinite(height) and off <= jammer.beamwidth / 2 + 1e-12)
            jammer_path = flat(math.hypot(x - site.x, y - site.y), max(float(np.nan_to_num(height)), 0.0))
            bands = [Jamming(np.array(b.erp if heard else 0.0), np.array(b.centre), np.array(b.bandwidth),
                             jammer_path, np.array(True)) for b in jammer.bands]
            for threat in maps.threat_types:
                entry = scenario.catalog.types[threat]
                for band_height in maps.bands:
                    path = flat(ranges, band_height)
                    entries.append({
                        "jammer": jammer.id, "radar": sensor_id, "threat": threat, "height_agl_m": band_height,
                        "jammer_range_m": round(float(jammer_path.slant_range), 1), "jammer_heard": heard,
                        "range_m": detect(path, bands, entry.rcs.value, entry.swerling),
                        "range_unjammed_m": detect(path, [], entry.rcs.value, entry.swerling)})
        for raid in spec.threats:
            if raid.jammer is None:
                continue
            entry = scenario.catalog.types[raid.type]
            centre = np.nan if raid.jammer.centre == "any" else raid.jammer.centre
            for band_height in maps.bands:
                path = flat(ranges, band_height)
                own = [Jamming(np.array(raid.jammer.erp), np.array(centre), np.array(raid.jammer.bandwidth), path,
                               np.array(True))]
                reached = detect(path, own, entry.rcs.value, entry.swerling)
                entries.append({"jammer": raid.id, "radar": sensor_id, "threat": raid.type,
                                "height_agl_m": band_height, "jammer_range_m": reached, "jammer_heard": True,
                                "range_m": reached,
                                "range_unjammed_m": detect(path, [], entry.rcs.value, entry.swerling)})
    return {"scenario": scenario.name, "rule": BURNTHROUGH_RULE, "pd_threshold": PD_THRESHOLD, "entries": entries}


# ----------------------------------------------------------------------------------------------------
# Gaps, contours and the map
# ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AreaOfInterest:
    """The cells in which gaps are looked for.

    Attributes
    ----------
    mask : numpy.ndarray of bool, shape (n_rows, n_cols)
        Cells with terrain data whose centre is inside the area.
    chosen_by : str
        ``"defended-assets"`` (circles of the assets' radius plus the margin), ``"laydown"`` (box around the
        units and raids plus the margin, for scenarios without defended assets), ``"box"`` (given by the
        caller) or ``"terrain"`` (the whole terrain).
    margin : float or None
        Margin [m] used by the first two rules.
    bounds : (float, float, float, float)
        (xmin, ymin, xmax, ymax) [m] of the area clipped to the terrain, local to the scenario origin.
    """

    mask: np.ndarray
    chosen_by: str
    margin: float | None
    bounds: tuple[float, float, float, float]


def area_of_interest(scenario: Scenario, aoi: tuple[float, float, float, float] | Literal["terrain"] | None = None,
                     margin: float | None = None) -> AreaOfInterest:
    """The area of interest of a scenario's gaps (the module docstring gives the rules).

    Parameters
    ----------
    scenario : iadsim.scenario.Scenario
        A loaded scenario.
    aoi : None, "terrain" or (xmin, ymin, xmax, ymax)
        None: the default rule; ``"terrain"``: the whole terrain; a box [m] in local x (east) / y (north)
        from the scenario origin.
    margin : float, optional
        Margin [m] of the default rule (default :data:`AOI_MARGIN`); only with ``aoi=None``.

    Raises
    ------
    ValueError
        For a malformed box or margin, a margin given with an explicit area, or an area with no terrain data.
    """
    terrain = scenario.terrain
    ox, oy = scenario.origin_xy
    left, bottom, right, top = terrain.bounds
    valid = np.isfinite(terrain.elevation)
    if margin is not None and aoi is not None:
        raise ValueError("aoi_margin applies to the default area of interest only, not with an explicit aoi")
    if margin is not None and not (isinstance(margin, int | float) and math.isfinite(margin) and margin >= 0):
        raise ValueError(f"aoi_margin must be a distance >= 0 [m], got {margin!r}")
    malformed = f"aoi must be 'terrain' or a box (xmin, ymin, xmax, ymax) in metres, got {aoi!r}"
    if isinstance(aoi, str) and aoi != "terrain":
        raise ValueError(malformed)
    if not isinstance(aoi, str):  # cell centres, for the circles and boxes
        xs, ys = terrain.rowcol_to_xy(*np.indices(terrain.shape))
    if isinstance(aoi, str):  # "terrain"
        chosen_by, box = "terrain", (left, bottom, right, top)
        inside = np.ones(terrain.shape, bool)
    elif aoi is not None:
        try:
            xmin, ymin, xmax, ymax = (float(v) for v in aoi)
        except (TypeError, ValueError):
            raise ValueError(malformed) from None
        if not (all(math.isfinite(v) for v in (xmin, ymin, xmax, ymax)) and xmin < xmax and ymin < ymax):
            raise ValueError(f"aoi box must be finite with xmin < xmax and ymin < ymax [m], got {tuple(aoi)!r}")
        chosen_by, box = "box", (ox + xmin, oy + ymin, ox + xmax, oy + ymax)
        inside = _in_box(xs, ys, box)
    elif scenario.spec.defended_assets:
        margin = AOI_MARGIN if margin is None else float(margin)
        chosen_by, inside, corners = "defended-assets", np.zeros(terrain.shape, bool), []
        for asset in scenario.spec.defended_assets:
            site, reach = scenario.sites[asset.id], asset.radius + margin
            inside |= np.hypot(xs - site.x, ys - site.y) <= reach
            corners += [(site.x - reach, site.y - reach), (site.x + reach, site.y + reach)]
        xy = np.asarray(corners)
        box = (xy[:, 0].min(), xy[:, 1].min(), xy[:, 0].max(), xy[:, 1].max())
    else:
        margin = AOI_MARGIN if margin is None else float(margin)
        points = [(scenario.sites[u.id].x, scenario.sites[u.id].y) for u in scenario.spec.units]
        points += [tuple(p[:2]) for r in scenario.spec.threats for p in scenario.routes.get(r.id, ())]
        if not points:
            raise ValueError("the scenario has no defended assets, units or raids to place an area of interest "
                             "around: give aoi")
        xy = np.asarray(points, dtype=float)
        chosen_by = "laydown"
        box = (xy[:, 0].min() - margin, xy[:, 1].min() - margin, xy[:, 0].max() + margin, xy[:, 1].max() + margin)
        inside = _in_box(xs, ys, box)
    mask = inside & valid
    if not mask.any():
        raise ValueError("the area of interest holds no terrain data (it is off the terrain or on nodata)")
    clipped = (max(box[0], left) - ox, max(box[1], bottom) - oy, min(box[2], right) - ox, min(box[3], top) - oy)
    return AreaOfInterest(mask, chosen_by, margin if chosen_by in ("defended-assets", "laydown") else None,
                          tuple(round(float(v), 1) for v in clipped))


def _in_box(xs, ys, box) -> np.ndarray:
    return (xs >= box[0]) & (xs <= box[2]) & (ys >= box[1]) & (ys <= box[3])


def gap_poles(labels: np.ndarray, which: Sequence[int], dem) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Poles of inaccessibility of labelled regions of a raster: points inside each region, as far as possible
    from its edge.

    Each region is polygonised (:func:`rasterio.features.shapes`: the union of its cells' squares, holes
    included, in world coordinates) and its maximum inscribed circle found (:func:`shapely.maximum_inscribed_circle`,
    GEOS; what :func:`shapely.ops.polylabel` returns), to a tolerance of a tenth of a cell.

    Parameters
    ----------
    labels : numpy.ndarray of int, shape (n_rows, n_cols)
        Region labels on the DEM's grid (0: no region), e.g. from :func:`scipy.ndimage.label`.
    which : sequence of int
        The labels to locate (each present in ``labels``).
    dem : iadsim.terrain.Dem
        The grid (its transform).

    Returns
    -------
    x, y : numpy.ndarray of float, shape (len(which),)
        The poles [m, the DEM's CRS].
    radius : numpy.ndarray of float, shape (len(which),)
        Radius [m] of the inscribed circle: the distance from the pole to the region's edge.
    """
    import shapely
    from rasterio import features

    which = [int(v) for v in which]
    if not which:
        return np.zeros(0), np.zeros(0), np.zeros(0)
    sub = np.where(np.isin(labels, which), labels, 0).astype(np.int32)
    parts: dict[int, list] = {v: [] for v in which}
    # 4-connected pieces: an 8-connected region is their union (pieces touching at a corner make a valid
    # MultiPolygon, where one 8-connected ring would touch itself)
    for geometry, value in features.shapes(sub, mask=sub > 0, connectivity=4, transform=dem.transform):
        parts[int(value)].append(shapely.geometry.shape(geometry))
    regions = [shapely.union_all(parts[v]) for v in which]
    regions = [r if r.is_valid else shapely.make_valid(r) for r in regions]
    tolerance = min(abs(dem.cell_size[0]), abs(dem.cell_size[1])) / 10
    circles = shapely.maximum_inscribed_circle(regions, tolerance=tolerance)
    centres = shapely.get_coordinates(shapely.get_point(circles, 0))
    return centres[:, 0], centres[:, 1], np.asarray(shapely.length(circles), dtype=float)


def _label_at(labels: np.ndarray, dem, x, y) -> np.ndarray:
    """The label of the cells containing points (x, y) [m] (0 off the grid)."""
    rows, cols = dem.xy_to_rowcol(x, y)
    on = dem.contains(x, y)
    return np.where(on, labels[np.where(on, rows, 0), np.where(on, cols, 0)], 0)


def _gaps(scenario: Scenario, layers: np.ndarray, valid: np.ndarray, region: np.ndarray, bands: tuple[float, ...],
          lonlat) -> tuple[int, list[dict]]:
    """Connected uncovered regions (8-connected) at the lowest band inside ``region``, largest first:
    (count, the largest MAX_GAPS). ``layers`` is the (n_bands, n_rows, n_cols) count of sensors detecting."""
    terrain = scenario.terrain
    labels, n = ndimage.label((layers[0] == 0) & valid & region, structure=np.ones((3, 3), bool))
    if n == 0:
        return 0, []
    cells_all = np.bincount(labels.ravel(), minlength=n + 1)[1:]
    order = np.argsort(-cells_all, kind="stable")[:MAX_GAPS]
    which = order + 1
    cells = cells_all[order]
    centres = np.atleast_2d(np.asarray(ndimage.center_of_mass(labels > 0, labels, which)))
    cx, cy = terrain.rowcol_to_xy(centres[:, 0], centres[:, 1])
    px, py, radius = gap_poles(labels, which, terrain)
    centroid_in = _label_at(labels, terrain, cx, cy) == which
    pole_in = _label_at(labels, terrain, px, py) == which
    for k in np.flatnonzero(~pole_in):  # not expected (the pole is inside the polygon of the gap's cells): the
        # centre of the cell farthest from the gap's edge instead
        sampling = (terrain.cell_size[1], terrain.cell_size[0])  # (row, col) spacing [m]
        depth = ndimage.distance_transform_edt(np.pad(labels == which[k], 1), sampling=sampling)[1:-1, 1:-1]
        row, col = np.unravel_index(np.argmax(depth), depth.shape)
        px[k], py[k] = terrain.rowcol_to_xy(row, col)
        radius[k] = depth[row, col] - min(sampling) / 2
        pole_in[k] = labels[row, col] == which[k]
    edge = np.zeros(terrain.shape, bool)
    edge[[0, -1], :] = edge[:, [0, -1]] = True
    open_ = ndimage.binary_dilation(~valid) | edge
    touching = set(np.unique(labels[open_ & (labels > 0)]).tolist())
    # cells next to terrain outside the area of interest: the uncovered ground may go on beyond it
    beyond = ndimage.binary_dilation(valid & ~region, structure=np.ones((3, 3), bool))
    cut = set(np.unique(labels[beyond & (labels > 0)]).tolist())
    fractions = np.stack([ndimage.sum_labels(layers[b] == 0, labels, which) / cells for b in range(len(bands))])
    units = scenario.spec.units
    unit_xy = np.array([(scenario.sites[u.id].x, scenario.sites[u.id].y) for u in units], dtype=float).reshape(-1, 2)
    cell_area = terrain.cell_size[0] * terrain.cell_size[1]
    ox, oy = scenario.origin_xy
    lon_c, lat_c = lonlat(cx, cy)
    lon_p, lat_p = lonlat(px, py)
    names = [band_name(h) for h in bands]
    out = []
    for k, label in enumerate(which):
        nearest = None
        if len(units):
            distance = np.hypot(unit_xy[:, 0] - px[k], unit_xy[:, 1] - py[k])
            u = int(np.argmin(distance))
            nearest = {"id": units[u].id, "type": units[u].type, "distance_km": round(float(distance[u]) / 1e3, 3)}
        out.append({
            "area_km2": round(float(cells[k]) * cell_area / 1e6, 3),
            "cells": int(cells[k]),
            "centroid": {"x_m": round(float(cx[k]) - ox, 1), "y_m": round(float(cy[k]) - oy, 1),
                         "lon": round(float(lon_c[k]), 6), "lat": round(float(lat_c[k]), 6),
                         "inside": bool(centroid_in[k])},
            "location": {"x_m": round(float(px[k]) - ox, 1), "y_m": round(float(py[k]) - oy, 1),
                         "lon": round(float(lon_p[k]), 6), "lat": round(float(lat_p[k]), 6),
                         "inside": bool(pole_in[k])},
            "inscribed_radius_km": round(float(radius[k]) / 1e3, 3),
            "open": int(label) in touching,  # touches the terrain's edge or nodata: may extend beyond the map
            "extends_beyond_aoi": int(label) in cut,
            "open_bands_agl_m": [h for h, f in zip(bands, fractions[:, k], strict=True) if f >= OPEN_FRACTION],
            "uncovered_fraction": {name: round(float(f), 4) for name, f in zip(names, fractions[:, k], strict=True)},
            "nearest_unit": nearest,
        })
    return n, out


def _plot(path: Path, scenario: Scenario, maps: CoverageMaps, b: int, layers: np.ndarray, engaged: np.ndarray,
          shade: np.ndarray, gaps: list[dict] | None, aoi: np.ndarray | None = None) -> None:
    """Detection layers (the band's 2-D count of sensors) over a hillshade, the engagement coverage (2-D bool)
    outlined, in local km from the origin; the gaps labelled at their location and, when it is not the whole
    terrain, the area of interest (2-D bool) outlined."""
    from matplotlib import colormaps
    from matplotlib.colors import BoundaryNorm
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    terrain = scenario.terrain
    ox, oy = scenario.origin_xy
    left, bottom, right, top = terrain.bounds
    extent = ((left - ox) / 1e3, (right - ox) / 1e3, (bottom - oy) / 1e3, (top - oy) / 1e3)
    z = terrain.elevation
    n_max = max(int(layers.max()), 1)
    colours = colormaps["viridis_r"].resampled(n_max)
    norm = BoundaryNorm(np.arange(0.5, n_max + 1.0), n_max)

    fig = Figure(figsize=(9, 7.5), layout="constrained")
    ax = fig.add_subplot()
    ax.imshow(shade, cmap="gray", extent=extent, origin="upper", vmin=0, vmax=1, interpolation="nearest")
    image = ax.imshow(np.ma.masked_less(layers, 1), cmap=colours, norm=norm, alpha=0.45, extent=extent,
                      origin="upper", interpolation="nearest")
    fig.colorbar(image, ax=ax, shrink=0.7, label="sensors detecting (Pd per look >= 0.5)",
                 ticks=np.arange(1, n_max + 1))
    # the cells' centres (the images span the cells' outer edges): a contour on the edges was stretched by n / (n - 1)
    xs = extent[0] + (np.arange(z.shape[1]) + 0.5) * (extent[1] - extent[0]) / z.shape[1]
    ys = extent[3] - (np.arange(z.shape[0]) + 0.5) * (extent[3] - extent[2]) / z.shape[0]
    if engaged.any():
        ax.contour(xs, ys, engaged.astype(float), levels=[0.5], colors="red", linewidths=1.4)
    show_aoi = aoi is not None and gaps is not None and not aoi[np.isfinite(z)].all()
    if show_aoi:
        ax.contour(xs, ys, aoi.astype(float), levels=[0.5], colors="dimgray", linewidths=1.0, linestyles="--")
    for sid in maps.sensor_ids:
        site = scenario.sites[sid]
        ax.plot((site.x - ox) / 1e3, (site.y - oy) / 1e3, "^", color="white", mec="black", ms=8)
    for fid, able in zip(maps.fire_ids, maps.able, strict=True):
        site = scenario.sites[fid]
        ax.plot((site.x - ox) / 1e3, (site.y - oy) / 1e3, "s", ms=6, mec="darkred",
                color="red" if able else "none")
    for asset in scenario.spec.defended_assets:
        site = scenario.sites[asset.id]
        ax.add_patch(_circle(((site.x - ox) / 1e3, (site.y - oy) / 1e3), asset.radius / 1e3))
    if gaps:
        for k, gap in enumerate(gaps[:5], start=1):
            ax.annotate(f"G{k}", (gap["location"]["x_m"] / 1e3, gap["location"]["y_m"] / 1e3), color="black",
                        fontsize=9, fontweight="bold", ha="center", va="center",
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "black", "alpha": 0.8})
    handles = [
        Line2D([], [], marker="^", ls="", color="white", mec="black", ms=8, label="sensor (emitting)"),
        Line2D([], [], marker="s", ls="", color="red", mec="darkred", ms=6, label="fire unit, able"),
        Line2D([], [], marker="s", ls="", color="none", mec="darkred", ms=6, label="fire unit, not able"),
        Line2D([], [], color="red", lw=1.4, label="engagement coverage (able fire units)"),
    ]
    if scenario.spec.defended_assets:
        handles.append(Line2D([], [], color="blue", lw=1.2, label="defended asset"))
    if gaps:
        handles.append(Line2D([], [], marker="$G$", ls="", color="black", label="largest low-level gaps"))
    if show_aoi:
        handles.append(Line2D([], [], color="dimgray", lw=1.0, ls="--", label="area of interest (gaps)"))
    ax.legend(handles=handles, loc="lower left", fontsize=8, framealpha=0.85)
    ax.set_xlabel("x east of origin [km]")
    ax.set_ylabel("y north of origin [km]")
    ax.set_aspect("equal")
    height = band_name(maps.bands[b])
    ax.set_title(f"{scenario.name}: coverage at {height} m above ground vs {', '.join(maps.threat_types)}",
                 fontsize=10)
    write_atomic(path, lambda f: fig.savefig(f, format="png", dpi=110))


def _circle(centre, radius):
    from matplotlib.patches import Circle

    return Circle(centre, radius, fill=False, ec="blue", lw=1.2)


# ----------------------------------------------------------------------------------------------------
# The whole product
# ----------------------------------------------------------------------------------------------------
def coverage(scenario: Scenario, out_dir: str | Path, bands: Sequence[float] = DEFAULT_BANDS,
             threat_types: Sequence[str] | None = None, *,
             aoi: tuple[float, float, float, float] | Literal["terrain"] | None = None,
             aoi_margin: float | None = None) -> dict:
    """Coverage maps of a scenario's network, written to ``out_dir``; returns the JSON summary.

    Files (``{h}`` is each band's height in metres, e.g. ``30``):

    * ``detection_layers_{h}m.tif``, ``engagement_layers_{h}m.tif``: float32 GeoTIFFs on the terrain grid
      with the number of sensors detecting / able fire units engaging in each cell (NaN on nodata);
    * ``coverage_{h}m.geojson``: the network's detection and engagement coverage as lon/lat (WGS 84)
      MultiPolygons (the 0.5 contour of the covered mask), one Feature each;
    * ``coverage_{h}m.png``: the detection layers over a hillshade, the engagement coverage outlined;
    * ``burnthrough.json``: the burn-through range of every radar against every jammer (:func:`burnthrough`);
    * ``coverage.json``: this function's return value.

    Parameters
    ----------
    scenario : iadsim.scenario.Scenario
        A loaded scenario.
    out_dir : str or path-like
        Output folder (created).
    bands : sequence of float
        Target heights above ground [m].
    threat_types : sequence of str, optional
        Aircraft catalog types to detect; default: the raids' types (see the module docstring).
    aoi : None, "terrain" or (xmin, ymin, xmax, ymax)
        Area of interest of the gaps: None for the defended assets' circles plus ``aoi_margin`` (or the
        laydown's box plus the margin), ``"terrain"`` for the whole terrain, or a box [m] in local x (east)
        and y (north) from the scenario origin.
    aoi_margin : float, optional
        Margin [m] of the default area of interest; default :data:`AOI_MARGIN`. Only with ``aoi=None``.

    Returns
    -------
    dict
        Areas [km^2] per sensor, per fire unit and for the network per band, the area of interest, the
        largest low-level gaps (area, centroid, location inside the gap, bands open, nearest unit), the rules
        applied and the files written.

    Raises
    ------
    ValueError
        For bad bands, threat types or area of interest (:func:`area_of_interest`).
    """
    bands = parse_bands(bands)
    region = area_of_interest(scenario, aoi, aoi_margin)  # checked before the long computation
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    maps = coverage_maps(scenario, bands, threat_types)
    terrain = scenario.terrain
    lonlat = to_lonlat(terrain.crs)
    cell_km2 = terrain.cell_size[0] * terrain.cell_size[1] / 1e6
    names = [band_name(h) for h in maps.bands]

    def areas(masks: np.ndarray) -> dict[str, float]:
        return {n: round(float(masks[b].sum()) * cell_km2, 3) for b, n in enumerate(names)}

    det_layers, eng_layers = maps.detection_layers, maps.engagement_layers
    n_gaps, gaps = _gaps(scenario, det_layers, maps.valid, region.mask, maps.bands, lonlat)
    shade = hillshade(terrain.elevation, terrain.cell_size)
    files = []
    for b, n in enumerate(names):
        for kind, layers in (("detection", det_layers), ("engagement", eng_layers)):
            path = out / f"{kind}_layers_{n}m.tif"
            write_atomic(path, geotiff_bytes(np.where(maps.valid, layers[b], np.nan), terrain))
            files.append(path.name)
        features = []
        for kind, layers in (("detection", det_layers), ("engagement", eng_layers)):
            covered = (layers[b] > 0) & maps.valid
            polygons = lonlat_polygons(covered, terrain)
            features.append({
                "type": "Feature",
                "geometry": {"type": "MultiPolygon", "coordinates": polygons} if polygons else None,
                "properties": {"layer": kind, "height_agl_m": maps.bands[b],
                               "area_km2": round(float(covered.sum()) * cell_km2, 3),
                               "threat_types": maps.threat_types},
            })
        geojson = out / f"coverage_{n}m.geojson"
        write_atomic(geojson, json.dumps({"type": "FeatureCollection", "features": features}).encode("utf-8"))
        files.append(geojson.name)
        png = out / f"coverage_{n}m.png"
        _plot(png, scenario, maps, b, det_layers[b], eng_layers[b] > 0, shade, gaps if b == 0 else None,
              region.mask)
        files.append(png.name)

    catalog = scenario.catalog
    units = {u.id: u for u in scenario.spec.units}
    sensors = []
    for s, sid in enumerate(maps.sensor_ids):
        sensor = sensor_model(scenario, units[sid])
        sensors.append({"id": sid, "type": units[sid].type, "mast_height_m": units[sid].mast_height,
                        "instrumented_range_km": sensor.max_range / 1e3,
                        # a radar's; a sensor model without pulses (a passive one) has none
                        "pulses_per_look": getattr(sensor, "pulses_per_look", None),
                        "covered_km2": areas(maps.detection[s])})
    fire_units = []
    for i, fid in enumerate(maps.fire_ids):
        missile = catalog.types[catalog.types[units[fid].type].missile]
        fire_units.append({"id": fid, "type": units[fid].type, "able": bool(maps.able[i]),
                           "guided_by": maps.guided_by[i],
                           "envelope": {"min_range_km": missile.min_range.value / 1e3,
                                        "max_range_km": missile.max_range.value / 1e3,
                                        "min_altitude_m": missile.min_altitude.value,
                                        "max_altitude_m": missile.max_altitude.value},
                           "covered_km2": areas(maps.engagement[i])})
    valid_km2 = float(maps.valid.sum()) * cell_km2
    summary = {
        "scenario": scenario.name,
        "bands_agl_m": list(maps.bands),
        "threat_types": [{"id": t, "rcs_m2": catalog.types[t].rcs.value, "swerling": catalog.types[t].swerling}
                         for t in maps.threat_types],
        "rules": {
            "detection": "masking height <= band height (4/3 earth, mast height), slant range <= instrumented "
                         "range, inside the sector, per-look Pd >= 0.5 against every threat type "
                         "(propagation factor over the terrain and clutter, no jamming); below the masking "
                         "height only where the earth's curvature alone hides the cell (smooth-earth diffraction)",
            "sensors": "units with a sensor that senses: a radar that is not silent, or a passive sensor",
            "engagement": "inside the missile's box envelope (ground range, height above ground) and seen by a "
                          "guiding radar (own radar or fire-control link)",
            "network_engagement": "only fire units the audit finds able count towards the network's engagement "
                                  "coverage and engagement_layers rasters",
            "gaps": "8-connected cells with terrain data not covered by any sensor at the lowest band, inside the "
                    "area of interest",
            "area_of_interest": f"default: the defended assets' circles widened by {AOI_MARGIN / 1e3:g} km (or the "
                                "aoi_margin given); without defended assets the bounding box of the units and the "
                                "raids' waypoints widened as much; or a box, or the whole terrain, as given; "
                                "clipped to the terrain; cells by their centre",
            "gap_location": "pole of inaccessibility: centre of the largest circle inside the gap's polygon (holes "
                            "included), so inside the gap; the centroid may not be",
            "gap_open_bands": f"a gap is open at a band when at least {OPEN_FRACTION:.0%} of its cells are not "
                              "covered by any sensor at that band",
            "gap_nearest_unit": "the unit (any kind) with the smallest ground distance from its site to the gap's "
                                "location",
        },
        "grid": {"crs": terrain.crs, "shape": list(terrain.shape), "cell_size_m": list(terrain.cell_size),
                 "area_km2": round(valid_km2, 3)},
        "sensors": sensors,
        "fire_units": fire_units,
        "network": {
            "detection_km2": areas(det_layers > 0),
            "detection_fraction": {n: round(float((det_layers[b] > 0).sum()) * cell_km2 / valid_km2, 4)
                                   for b, n in enumerate(names)},
            "detection_by_two_or_more_km2": areas(det_layers >= 2),
            "engagement_km2": areas(eng_layers > 0),
            "engagement_fire_units_counted": [f for f, a in zip(maps.fire_ids, maps.able, strict=True) if a],
            "engagement_fire_units_not_able": [f for f, a in zip(maps.fire_ids, maps.able, strict=True) if not a],
        },
        "aoi": {"chosen_by": region.chosen_by, "margin_m": region.margin, "bounds_m": list(region.bounds),
                "area_km2": round(float(region.mask.sum()) * cell_km2, 3)},
        "gaps": {"height_agl_m": maps.bands[0], "count": n_gaps, "largest": gaps, "open_fraction": OPEN_FRACTION},
        "files": [*files, "burnthrough.json", "coverage.json"],
    }
    write_atomic(out / "burnthrough.json", json.dumps(burnthrough(scenario, maps), indent=2).encode("utf-8"))
    write_atomic(out / "coverage.json", json.dumps(summary, indent=2).encode("utf-8"))
    return summary
