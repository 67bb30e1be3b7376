"""Coverage maps: a flat-earth disc checked against independent horizon, range and Pd limits, and the
example scenarios' rasters, GeoJSON, engagement rule and gaps."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
import rasterio
from pyproj import CRS, Transformer

from iadsim.analysis import coverage as coverage_module
from iadsim.analysis.coverage import coverage, coverage_maps, threat_types_of
from iadsim.physics.detection import pd
from iadsim.scenario import load_scenario
from iadsim.sensors import Geometry, pulses_per_look, signal_to_interference_db
from iadsim.terrain import flat_dem

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
GROUND = 100.0  # flat terrain elevation [m]
CELL = 500.0  # flat test grid cell [m]
HALF = 160e3  # half side of the flat test grid [m]
MAST = 10.0

# VHF radars like the catalog's early-warning radar but with clutter suppressed (80 dB MTI improvement):
# at VHF the two-ray multipath has no nulls in the far part of the disc, and without clutter the margin
# over the near nulls is large, so Pd falls monotonically with range and the coverage is a disc. (With
# the catalog's 20 dB the radar is clutter-limited at low level.)
_RADAR = """
  {name}:
    kind: radar
    role: early-warning
    label: "VHF radar, instrumented range {range} (test fixture)"
    frequency: {{value: 170 MHz, source: test, grade: assumed}}
    peak_power: {{value: 260 kW, source: test, grade: assumed}}
    gain: {{value: 22 dB, source: test, grade: assumed}}
    pulse_width: {{value: 6 us, source: test, grade: assumed}}
    prf: {{value: 360 Hz, source: test, grade: assumed}}
    beamwidth: {{value: 6 deg, source: test, grade: assumed}}
    scan_period: {{value: 10 s, source: test, grade: assumed}}
    instrumented_range: {{value: {range}, source: test, grade: assumed}}
    detection_range: {{value: 250 km, source: test, grade: assumed}}
    reference_rcs: {{value: 2 m^2, source: test, grade: assumed}}
    losses: {{value: 5.5 dB, source: test, grade: assumed}}
    system_temperature: {{value: 600 K, source: test, grade: assumed}}
    pfa: {{value: 1.0e-6, source: test, grade: assumed}}
    range_accuracy: {{value: 500 m, source: test, grade: assumed}}
    azimuth_accuracy: {{value: 1.5 deg, source: test, grade: assumed}}
    mti_improvement: {{value: 80 dB, source: test, grade: assumed}}
"""
_CATALOG = ('sources:\n  test: "test fixture"\ntypes:'
            + _RADAR.format(name="clean-vhf", range="250 km") + _RADAR.format(name="short-vhf", range="40 km"))


def _flat_scenario(tmp_path: Path, radar_type: str, threat: str):
    """One radar at a cell centre of a flat 320 km square grid of 500 m cells, and one raid of `threat`."""
    (tmp_path / "extra.yaml").write_text(_CATALOG)
    (tmp_path / "flat.yaml").write_text(f"""
name: flat-disc
duration: 1 min
terrain: {{flat: {GROUND:g} m, extent: 20 km}}
catalog: [extra.yaml]
units:
  - {{id: radar, type: {radar_type}, x: {CELL / 2:g} m, y: {-CELL / 2:g} m, mast_height: {MAST:g} m}}
threats:
  - id: raid
    type: {threat}
    route:
      - {{x: -5 km, y: 0 km, altitude: 100 m}}
      - {{x: 5 km, y: 0 km, altitude: 100 m}}
""")
    loaded = load_scenario(tmp_path / "flat.yaml")
    # a coarser, larger grid in the same CRS and with the same centre, so the whole disc fits
    terrain = flat_dem(GROUND, (-HALF, -HALF, HALF, HALF), CELL, crs=loaded.terrain.crs)
    return dataclasses.replace(loaded, terrain=terrain)


def _pd_radius(radar, rcs: float, swerling: int, height: float, max_range: float) -> float:
    """Largest ground range of a radial profile at which Pd >= 0.5 (flat ground, no curvature in the
    slant range: the geometry the coverage uses), checking that Pd stays >= 0.5 all the way in."""
    ground = np.arange(1.0, max_range, 5.0)
    snr = signal_to_interference_db(radar, Geometry.flat(ground, MAST, height), rcs)
    p = np.asarray(pd(np.clip(snr, -40.0, 60.0), radar.pfa.value, pulses_per_look(radar), swerling))
    covered = p >= 0.5
    if covered.all():
        return np.inf
    last = np.flatnonzero(covered)[-1]
    assert covered[: last + 1].all(), "the Pd profile has holes: the coverage would not be a disc"
    return float(ground[last])


@pytest.mark.parametrize(
    ("radar_type", "threat", "height", "binding"),
    [
        ("clean-vhf", "fighter", 30.0, "pd"),  # low level at VHF: the R^-8 multipath law limits detection
        ("clean-vhf", "jumbo-airliner", 1000.0, "pd"),  # past the horizon, as far as diffraction carries it
        ("short-vhf", "utility-helicopter", 1000.0, "instrumented"),
    ],
)
def test_flat_earth_detection_is_a_disc_of_the_smallest_limit(tmp_path, radar_type, threat, height, binding):
    scenario = _flat_scenario(tmp_path, radar_type, threat)
    radar = scenario.catalog.types[radar_type]
    target = scenario.catalog.types[threat]
    maps = coverage_maps(scenario, bands=(height,))
    assert maps.sensor_ids == ["radar"] and maps.threat_types == [threat]

    # expected radius, each limit computed independently of the coverage code
    limits = {
        "instrumented": float(np.sqrt(radar.instrumented_range.value**2 - (height - MAST) ** 2)),
        "pd": _pd_radius(radar, target.rcs.value, target.swerling, height, HALF),
    }
    assert min(limits, key=limits.get) == binding, limits
    radius = min(limits.values())
    assert radius < HALF - 4 * CELL

    # over flat terrain the masking height is the smooth-earth one: the terrain kernel agrees
    site = scenario.sites["radar"]
    x, y = scenario.terrain.rowcol_to_xy(*np.indices(scenario.terrain.shape))
    distance = np.hypot(x - site.x, y - site.y)
    covered = maps.detection[0, 0]
    inside = distance < radius - 2 * CELL
    outside = distance > radius + 2 * CELL
    assert covered[inside].all(), f"holes inside the {radius:.0f} m disc"
    assert not covered[outside].any(), f"coverage beyond the {radius:.0f} m disc"
    assert abs(distance[covered].max() - radius) <= 2 * CELL


@pytest.fixture(scope="module")
def designed(tmp_path_factory):
    """The as-designed example's coverage product, and the CoverageMaps it was written from (caught on the way,
    not computed a second time)."""
    scenario = load_scenario(EXAMPLES / "airbase-as-designed.yaml")
    out = tmp_path_factory.mktemp("designed")
    seen = []

    def spy(*args, **kwargs):
        seen.append(coverage_maps(*args, **kwargs))
        return seen[-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(coverage_module, "coverage_maps", spy)
        summary = coverage(scenario, out)
    (maps,) = seen
    return scenario, out, summary, maps


@pytest.fixture(scope="module")
def reported(tmp_path_factory):
    scenario = load_scenario(EXAMPLES / "airbase-as-reported.yaml")
    out = tmp_path_factory.mktemp("reported")
    return scenario, out, coverage(scenario, out, bands=(30.0, 1000.0))


def _read(path: Path):
    with rasterio.open(path) as dataset:
        return dataset.read(1), dataset.transform, dataset.crs


def test_layer_rasters_count_the_sensors_and_fire_units_covering_each_cell(designed):
    scenario, out, summary, maps = designed
    assert summary["bands_agl_m"] == list(maps.bands) == [30.0, 100.0, 300.0, 1000.0]
    nodata = ~np.isfinite(scenario.terrain.elevation)
    n_sensors = len(summary["sensors"])
    counted = summary["network"]["engagement_fire_units_counted"]
    cell_km2 = np.prod(scenario.terrain.cell_size) / 1e6
    for b, height in enumerate(maps.bands):
        name = f"{height:.0f}"
        detection, _, _ = _read(out / f"detection_layers_{name}m.tif")
        engagement, _, _ = _read(out / f"engagement_layers_{name}m.tif")
        for layers, most in ((detection, n_sensors), (engagement, len(counted))):
            # NaN exactly on the DEM's nodata; elsewhere a whole number of units, at most all of them
            np.testing.assert_array_equal(np.isnan(layers), nodata)
            values = layers[~nodata]
            assert np.array_equal(values, np.round(values)) and values.min() >= 0 and values.max() <= most
        detected, engaged = detection > 0, engagement > 0
        for s in range(n_sensors):  # every sensor's cells are in the network's coverage
            assert not (maps.detection[s, b] & ~detected).any()
        for i, fire_id in enumerate(maps.fire_ids):
            if fire_id in counted:  # every counted fire unit's cells are in the network's engagement coverage
                assert not (maps.engagement[i, b] & ~engaged).any()
        assert not (engaged & ~detected).any()  # engaging needs a radar that detects there
        network_km2 = summary["network"]["detection_km2"][name]
        sensor_km2 = [sensor["covered_km2"][name] for sensor in summary["sensors"]]
        assert network_km2 == pytest.approx(detected.sum() * cell_km2, abs=1e-3)
        assert max(sensor_km2) <= network_km2 + 1e-3 <= sum(sensor_km2) + 2e-3
    # coverage grows with height (more of the terrain is above the masking heights)
    areas = list(summary["network"]["detection_km2"].values())
    assert areas == sorted(areas)


def test_geotiff_georeferencing_matches_the_dem(designed):
    scenario, out, _, _ = designed
    values, transform, crs = _read(out / "detection_layers_30m.tif")
    assert values.shape == scenario.terrain.shape
    assert transform.almost_equals(scenario.terrain.transform, precision=1e-6)
    assert CRS.from_user_input(crs.to_wkt()) == CRS.from_user_input(scenario.terrain.crs)


def test_geojson_is_lon_lat_near_the_scenario(designed):
    scenario, out, _, _ = designed
    to_lonlat = Transformer.from_crs(CRS.from_user_input(scenario.terrain.crs), CRS.from_epsg(4326), always_xy=True)
    lon0, lat0 = to_lonlat.transform(*scenario.origin_xy)
    assert -85 < lon0 < -84 and 36 < lat0 < 37  # the sample DEM is in Tennessee
    for height in ("30", "1000"):
        data = json.loads((out / f"coverage_{height}m.geojson").read_text())
        assert data["type"] == "FeatureCollection"
        layers = {f["properties"]["layer"]: f for f in data["features"]}
        assert set(layers) == {"detection", "engagement"}
        for feature in data["features"]:
            assert feature["type"] == "Feature"
            geometry = feature["geometry"]
            assert geometry["type"] == "MultiPolygon" and geometry["coordinates"]
            for polygon in geometry["coordinates"]:
                for j, ring in enumerate(polygon):
                    ring = np.asarray(ring)
                    assert ring.shape[0] >= 4 and ring.shape[1] == 2
                    np.testing.assert_array_equal(ring[0], ring[-1])
                    # RFC 7946 3.1.6: exterior rings counterclockwise, holes clockwise
                    area = np.dot(ring[:-1, 0], ring[1:, 1]) - np.dot(ring[1:, 0], ring[:-1, 1])
                    assert (area > 0) == (j == 0)
                    assert np.all(np.abs(ring[:, 0] - lon0) < 0.3) and np.all(np.abs(ring[:, 1] - lat0) < 0.3)


def test_as_reported_has_no_engagement_coverage_and_as_designed_has(designed, reported):
    _, out, summary = reported
    assert summary["network"]["engagement_fire_units_counted"] == []
    assert all(v == 0.0 for v in summary["network"]["engagement_km2"].values())
    engagement, _, _ = _read(out / "engagement_layers_30m.tif")
    assert np.nanmax(engagement) == 0.0
    data = json.loads((out / "coverage_30m.geojson").read_text())
    assert [f["geometry"] for f in data["features"] if f["properties"]["layer"] == "engagement"] == [None]
    # the silent TELAR radars are not sensors
    assert {s["id"] for s in summary["sensors"]} == {"ew-1", "lr-acq", "lr-fcr", "mr1-sr", "mr2-sr"}

    _, _, summary, _ = designed
    assert len(summary["network"]["engagement_fire_units_counted"]) == 6
    assert all(v > 0.0 for v in summary["network"]["engagement_km2"].values())
    assert all(f["able"] and f["guided_by"] for f in summary["fire_units"])


def test_gaps_are_sorted_by_area(designed):
    scenario, out, summary, _ = designed
    gaps = summary["gaps"]
    assert gaps["height_agl_m"] == 30.0
    areas = [g["area_km2"] for g in gaps["largest"]]
    assert areas and areas == sorted(areas, reverse=True)
    assert gaps["count"] >= len(areas)
    cell_km2 = np.prod(scenario.terrain.cell_size) / 1e6
    assert areas[0] == pytest.approx(gaps["largest"][0]["cells"] * cell_km2, abs=1e-3)
    # the gaps and the covered area make up the terrain at the lowest band
    uncovered = summary["grid"]["area_km2"] - summary["network"]["detection_km2"]["30"]
    assert sum(areas) <= uncovered + 1e-3
    for name in summary["files"]:
        assert (out / name).is_file()


def test_threat_types_default_to_the_raids_and_reject_unknown_types(designed):
    scenario, _, summary, _ = designed
    assert threat_types_of(scenario) == ["utility-helicopter", "attack-helicopter"]
    assert [t["id"] for t in summary["threat_types"]] == ["utility-helicopter", "attack-helicopter"]
    with pytest.raises(ValueError, match="unknown aircraft type"):
        threat_types_of(scenario, ["ew-radar"])


def test_a_sampled_quick_look_borrows_each_blocks_probability_of_detection(designed):
    """``sample=k`` evaluates the probability of detection at each k x k block's centre cell only: a cell is
    covered where it is seen itself (line of sight, range, sector: the full map's visibility) and its block's
    centre is covered, or, when the centre is not seen, where the full map covers it. Centre cells equal the full
    map's, and the picture stays close to it."""
    scenario, _, _, full = designed
    k = 3
    quick = coverage_maps(scenario, bands=full.bands, sample=k)
    n_rows, n_cols = full.valid.shape

    def centres(n):  # the middle of each run of k cells (of the shorter last one)
        out = []
        for start in range(0, n, k):
            size = min(k, n - start)
            out += [start + size // 2] * size
        return np.array(out)

    rows, cols = centres(n_rows), centres(n_cols)
    is_centre = (rows[:, None] == np.arange(n_rows)[:, None]) & (cols[None, :] == np.arange(n_cols)[None, :])
    np.testing.assert_array_equal(quick.detection[..., is_centre], full.detection[..., is_centre])
    np.testing.assert_array_equal(quick.masking, full.masking)
    assert not (quick.detection & ~np.isfinite(full.masking)[:, None]).any()  # never beyond a sensor's reach
    # a cell whose full answer is its centre's has it in the quick look too (seen: borrowed; unseen: false both)
    same = full.detection == full.detection[:, :, rows][:, :, :, cols]
    np.testing.assert_array_equal(quick.detection[same], full.detection[same])
    # a covered cell is covered in the full map itself or its centre is (never out of nothing)
    assert (full.detection | full.detection[:, :, rows][:, :, :, cols])[quick.detection].all()
    assert quick.detection.any() and (quick.detection == full.detection).mean() > 0.95
    with pytest.raises(ValueError, match="sample"):
        coverage_maps(scenario, bands=full.bands, sample=0)


def test_the_maps_are_the_same_whatever_the_threads_and_no_thread_outlives_them(designed):
    """Sensors are covered each in its own thread (``threads``, default numba's thread count): one thread, three and
    as many as the sensors give the very maps; the pool's threads have ended when the maps are returned (a process
    forks its simulation workers after writing them); a sensor that fails fails the call, with its own error, and
    the sensors not started yet are not covered."""
    import threading
    import time

    def pool_threads():
        return [t for t in threading.enumerate() if t.name.startswith("iadsim-coverage")]

    scenario, _, _, full = designed
    assert len(full.sensor_ids) >= 3
    for threads in (1, 3, len(full.sensor_ids)):
        maps = coverage_maps(scenario, bands=full.bands, threads=threads)
        assert not pool_threads()
        for name in ("detection", "engagement", "masking", "valid"):
            np.testing.assert_array_equal(getattr(maps, name), getattr(full, name), err_msg=f"{name}, {threads}")

    seen = []

    def fails(i):
        seen.append(threading.current_thread().name)
        time.sleep(0.01)  # (forty tasks take 0.2 s on two threads: the failure is seen long before the last)
        if i == 1:
            raise RuntimeError("sensor 1 failed")

    with pytest.raises(RuntimeError, match="sensor 1 failed"):
        coverage_module.run_each(fails, 40, threads=2)
    # the tasks not started when it failed are dropped (two threads: at most a few ran)
    assert not pool_threads() and all(name.startswith("iadsim-coverage") for name in seen) and len(seen) < 40
    seen.clear()
    coverage_module.run_each(fails, 1, threads=2)  # one task: done in the calling thread
    assert seen == [threading.current_thread().name]
