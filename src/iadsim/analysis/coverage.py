"""Coverage maps: where the network detects, and where it can engage, a threat at fixed heights above ground.

Rules (also written into ``coverage.json`` under ``"rules"``):

* **Sensors** are the units with a radar (radars, and launchers carrying one) whose emissions are on.
* **Detection.** A cell is covered by a sensor at height ``h`` above the cell's ground when the terrain
  masking height there (from the sensor's antenna, its mast height above the site, over a 4/3 earth)
  is at most ``h``, the slant range from the antenna is within the instrumented range, the cell is
  inside the sensor's sector if it has one, and the per-look probability of detection is at least 0.5.
  Pd is the exact square-law Pd of the engine (:func:`iadsim.engine.world.signal_to_interference_db`:
  radar equation with two-ray multipath and land clutter, no jamming; the radar's Pfa and pulses per
  look; the threat's Swerling case). With several threat types a cell counts only when Pd >= 0.5
  against each of them (the worst case).
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
  on cells with terrain data, largest first.

Run time is dominated by one masking sweep per sensor (compiled, shared by every band) and the exact
Pd of the cells each sensor can see; the sample scenarios take a few seconds.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import ndimage

from iadsim.engine.world import _radar_of, guider_names, pulses_per_look, signal_to_interference_db
from iadsim.network import audit, build_network
from iadsim.physics.detection import pd as exact_pd
from iadsim.scenario import Scenario
from iadsim.scenario.catalog import AircraftType
from iadsim.terrain import DEFAULT_K, masking_heights, write_geotiff
from iadsim.terrain.geo import hillshade, lonlat_polygons, to_lonlat

__all__ = ["DEFAULT_BANDS", "PD_THRESHOLD", "CoverageMaps", "coverage", "coverage_maps", "threat_types_of"]

DEFAULT_BANDS = (30.0, 100.0, 300.0, 1000.0)
"""Heights above ground [m] of the default coverage bands."""

PD_THRESHOLD = 0.5
"""Per-look probability of detection at which a cell counts as covered."""

MAX_GAPS = 20  # gaps listed in the summary (the count covers all of them)
_SNR_CLIP_DB = (-40.0, 60.0)  # as in the engine: pd is pfa below and 1 above, to double precision


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
    raids = list(dict.fromkeys(r.type for r in scenario.spec.threats))
    if raids:
        return raids
    military = [t for t in catalog.ids("aircraft") if not catalog.types[t].civil]
    if not military:
        raise ValueError("the scenario has no raids and the catalog no military aircraft type: give threat_types")
    return [min(military, key=lambda t: catalog.types[t].rcs.value)]


def _bands(bands) -> tuple[float, ...]:
    values = sorted({float(b) for b in bands})
    if not values or not all(math.isfinite(b) and b > 0 for b in values):
        raise ValueError(f"bands must be positive heights above ground [m], got {bands!r}")
    return tuple(values)


def _band_name(height: float) -> str:
    return str(int(height)) if float(height).is_integer() else f"{height:g}"


def _in_sector(sector, dx, dy) -> np.ndarray:
    """Whether bearings (clockwise from north) of offsets (dx east, dy north) are inside the sector."""
    if sector is None:
        return np.ones(np.shape(dx), bool)
    off = np.angle(np.exp(1j * (np.arctan2(dx, dy) - sector.center)))
    return np.abs(off) <= sector.width / 2


def _worst_threats(scenario: Scenario, names: list[str]) -> list[tuple[float, int]]:
    """(rcs [m^2], swerling) of the threats that decide the worst case: per Swerling case the smallest RCS
    (the SINR grows with RCS and Pd with the SINR, so larger targets of the same case are covered too)."""
    smallest: dict[int, float] = {}
    for name in names:
        entry = scenario.catalog.types[name]
        smallest[entry.swerling] = min(entry.rcs.value, smallest.get(entry.swerling, math.inf))
    return [(rcs, case) for case, rcs in sorted(smallest.items())]


def coverage_maps(scenario: Scenario, bands: Sequence[float] = DEFAULT_BANDS,
                  threat_types: Sequence[str] | None = None) -> CoverageMaps:
    """Detection and engagement coverage of every sensor and fire unit at each height band.

    Parameters
    ----------
    scenario : iadsim.scenario.Scenario
        A loaded scenario.
    bands : sequence of float
        Target heights above ground [m].
    threat_types : sequence of str, optional
        Aircraft catalog types; default: the raids' types (module docstring).

    Returns
    -------
    CoverageMaps
    """
    bands = _bands(bands)
    names = threat_types_of(scenario, threat_types)
    threats = _worst_threats(scenario, names)
    terrain, spec = scenario.terrain, scenario.spec
    elevation = terrain.elevation
    valid = np.isfinite(elevation)
    n_rows, n_cols = terrain.shape
    xs, ys = terrain.rowcol_to_xy(*np.meshgrid(np.arange(n_rows), np.arange(n_cols), indexing="ij"))

    sensors = [(u, r) for u in spec.units
               if (r := _radar_of(scenario, u)) is not None and u.readiness.emission == "on"]
    detection = np.zeros((len(sensors), len(bands), n_rows, n_cols), bool)
    masks = np.full((0, n_rows, n_cols), np.nan)
    if sensors:
        rows, cols = terrain.xy_to_rowcol([scenario.sites[u.id].x for u, _ in sensors],
                                          [scenario.sites[u.id].y for u, _ in sensors])
        masks = masking_heights(elevation, terrain.cell_size, rows, cols, [u.mast_height for u, _ in sensors],
                                k=DEFAULT_K, max_distance=max(r.instrumented_range.value for _, r in sensors))
    for s, (unit, radar) in enumerate(sensors):
        site = scenario.sites[unit.id]
        dx, dy = xs - site.x, ys - site.y
        ground_range = np.hypot(dx, dy)
        masks[s][ground_range > radar.instrumented_range.value] = np.nan  # beyond this sensor's reach
        antenna_z = site.ground + unit.mast_height
        reach = valid & _in_sector(unit.sector, dx, dy)
        n_pulses = pulses_per_look(radar)
        for b, height in enumerate(bands):
            dz = elevation + height - antenna_z
            slant = np.hypot(ground_range, np.nan_to_num(dz))
            candidate = reach & (masks[s] <= height + 1e-6) & (slant <= radar.instrumented_range.value)
            idx = np.nonzero(candidate)
            if idx[0].size == 0:
                continue
            slant_c = np.maximum(slant[idx], 1.0)
            ground_c = ground_range[idx]
            ok = np.ones(idx[0].size, bool)
            for rcs, case in threats:
                snr = signal_to_interference_db(radar, unit.mast_height, rcs, slant_c, ground_c, height)
                p = exact_pd(np.clip(snr, *_SNR_CLIP_DB), radar.pfa.value, n_pulses, case)
                ok &= np.asarray(p) >= PD_THRESHOLD
            detection[s, b][idx] = ok

    sensor_ids = [u.id for u, _ in sensors]
    net = build_network(scenario)
    report = {f["id"]: f for f in audit(scenario)["fire_units"]}
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
                    & _in_sector(unit.sector, dx, dy))
        seen = detection[[sensor_ids.index(g) for g in guiders]].any(axis=0)
        for b, height in enumerate(bands):
            if missile.min_altitude.value <= height <= missile.max_altitude.value:
                engagement[i, b] = envelope & seen[b]
    return CoverageMaps(bands, sensor_ids, detection, fire_ids, engagement, able, guided_by, valid, names, masks)


# ----------------------------------------------------------------------------------------------------
# Gaps, contours and the map
# ----------------------------------------------------------------------------------------------------
def _gaps(scenario: Scenario, uncovered: np.ndarray, lonlat) -> tuple[int, list[dict]]:
    """Connected uncovered regions (8-connected), largest first: (count, the largest MAX_GAPS)."""
    terrain = scenario.terrain
    labels, n = ndimage.label(uncovered, structure=np.ones((3, 3), bool))
    if n == 0:
        return 0, []
    index = np.arange(1, n + 1)
    cells = ndimage.sum_labels(np.ones_like(labels), labels, index).astype(int)
    centres = np.atleast_2d(np.asarray(ndimage.center_of_mass(uncovered, labels, index)))
    edge = np.zeros(terrain.shape, bool)
    edge[[0, -1], :] = edge[:, [0, -1]] = True
    open_ = ndimage.binary_dilation(~np.isfinite(terrain.elevation)) | edge
    touching = set(np.unique(labels[open_ & (labels > 0)]).tolist())
    cell_area = terrain.cell_size[0] * terrain.cell_size[1]
    ox, oy = scenario.origin_xy
    out = []
    for k in np.argsort(-cells, kind="stable")[:MAX_GAPS]:
        x, y = terrain.rowcol_to_xy(centres[k, 0], centres[k, 1])
        lon, lat = lonlat(float(x), float(y))
        out.append({
            "area_km2": round(float(cells[k]) * cell_area / 1e6, 3),
            "cells": int(cells[k]),
            "centroid": {"x_m": round(float(x) - ox, 1), "y_m": round(float(y) - oy, 1),
                         "lon": round(float(lon), 6), "lat": round(float(lat), 6)},
            "open": int(k + 1) in touching,  # touches the terrain's edge or nodata: may extend beyond the map
        })
    return n, out


def _plot(path: Path, scenario: Scenario, maps: CoverageMaps, b: int, layers: np.ndarray, engaged: np.ndarray,
          shade: np.ndarray, gaps: list[dict] | None) -> None:
    """Detection layers (the band's 2-D count of sensors) over a hillshade, the engagement coverage (2-D bool)
    outlined, in local km from the origin."""
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
    xs = np.linspace(extent[0], extent[1], z.shape[1])
    ys = np.linspace(extent[3], extent[2], z.shape[0])
    if engaged.any():
        ax.contour(xs, ys, engaged.astype(float), levels=[0.5], colors="red", linewidths=1.4)
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
            ax.annotate(f"G{k}", (gap["centroid"]["x_m"] / 1e3, gap["centroid"]["y_m"] / 1e3), color="black",
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
    ax.legend(handles=handles, loc="lower left", fontsize=8, framealpha=0.85)
    ax.set_xlabel("x east of origin [km]")
    ax.set_ylabel("y north of origin [km]")
    ax.set_aspect("equal")
    height = _band_name(maps.bands[b])
    ax.set_title(f"{scenario.name}: coverage at {height} m above ground vs {', '.join(maps.threat_types)}",
                 fontsize=10)
    fig.savefig(path, dpi=110)


def _circle(centre, radius):
    from matplotlib.patches import Circle

    return Circle(centre, radius, fill=False, ec="blue", lw=1.2)


# ----------------------------------------------------------------------------------------------------
# The whole product
# ----------------------------------------------------------------------------------------------------
def coverage(scenario: Scenario, out_dir: str | Path, bands: Sequence[float] = DEFAULT_BANDS,
             threat_types: Sequence[str] | None = None) -> dict:
    """Coverage maps of a scenario's network, written to ``out_dir``; returns the JSON summary.

    Files (``{h}`` is each band's height in metres, e.g. ``30``):

    * ``detection_layers_{h}m.tif``, ``engagement_layers_{h}m.tif``: float32 GeoTIFFs on the terrain grid
      with the number of sensors detecting / able fire units engaging in each cell (NaN on nodata);
    * ``coverage_{h}m.geojson``: the network's detection and engagement coverage as lon/lat (WGS 84)
      MultiPolygons (the 0.5 contour of the covered mask), one Feature each;
    * ``coverage_{h}m.png``: the detection layers over a hillshade, the engagement coverage outlined;
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

    Returns
    -------
    dict
        Areas [km^2] per sensor, per fire unit and for the network per band, the largest low-level gaps,
        the rules applied and the files written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    maps = coverage_maps(scenario, bands, threat_types)
    terrain = scenario.terrain
    lonlat = to_lonlat(terrain.crs)
    cell_km2 = terrain.cell_size[0] * terrain.cell_size[1] / 1e6
    names = [_band_name(h) for h in maps.bands]

    def areas(masks: np.ndarray) -> dict[str, float]:
        return {n: round(float(masks[b].sum()) * cell_km2, 3) for b, n in enumerate(names)}

    det_layers, eng_layers = maps.detection_layers, maps.engagement_layers
    n_gaps, gaps = _gaps(scenario, (det_layers[0] == 0) & maps.valid, lonlat)
    shade = hillshade(terrain.elevation, terrain.cell_size)
    files = []
    for b, n in enumerate(names):
        for kind, layers in (("detection", det_layers), ("engagement", eng_layers)):
            path = write_geotiff(out / f"{kind}_layers_{n}m.tif", np.where(maps.valid, layers[b], np.nan), terrain)
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
        geojson.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
        files.append(geojson.name)
        png = out / f"coverage_{n}m.png"
        _plot(png, scenario, maps, b, det_layers[b], eng_layers[b] > 0, shade, gaps if b == 0 else None)
        files.append(png.name)

    catalog = scenario.catalog
    units = {u.id: u for u in scenario.spec.units}
    sensors = []
    for s, sid in enumerate(maps.sensor_ids):
        radar = _radar_of(scenario, units[sid])
        sensors.append({"id": sid, "type": units[sid].type, "mast_height_m": units[sid].mast_height,
                        "instrumented_range_km": radar.instrumented_range.value / 1e3,
                        "pulses_per_look": pulses_per_look(radar), "covered_km2": areas(maps.detection[s])})
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
                         "(multipath and clutter, no jamming)",
            "sensors": "units with a radar whose emissions are on",
            "engagement": "inside the missile's box envelope (ground range, height above ground) and seen by a "
                          "guiding radar (own radar or fire-control link)",
            "network_engagement": "only fire units the audit finds able count towards the network's engagement "
                                  "coverage and engagement_layers rasters",
            "gaps": "8-connected cells with terrain data not covered by any sensor at the lowest band",
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
        "gaps": {"height_agl_m": maps.bands[0], "count": n_gaps, "largest": gaps},
        "files": [*files, "coverage.json"],
    }
    (out / "coverage.json").write_text(json.dumps(summary, indent=2))
    return summary
