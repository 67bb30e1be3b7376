"""Coverage gaps: a location inside each gap (pole of inaccessibility) checked against a brute-force inscribed
circle, the area of interest (default and overrides), the bands where a gap stays open and the nearest unit,
each against values this file computes on its own from the masks and the written rasters."""

from __future__ import annotations

import dataclasses
import math
import types
from pathlib import Path

import numpy as np
import pytest
import rasterio
import yaml
from scipy import ndimage

from iadsim.analysis.coverage import AOI_MARGIN, OPEN_FRACTION, area_of_interest, coverage, gap_poles
from iadsim.scenario import load_scenario
from iadsim.terrain import Dem, flat_dem

EIGHT = np.ones((3, 3), bool)


# ----------------------------------------------------------------------------------------------------
# Independent geometry on synthetic masks
# ----------------------------------------------------------------------------------------------------
def _clearance(mask: np.ndarray, dem: Dem, x: float, y: float) -> float:
    """Exact distance [m] from a point inside the union of the mask's cell squares to the nearest point outside
    it (a cell not in the mask, or beyond the grid's edge), by brute force over every cell."""
    dx, dy = dem.cell_size
    rows, cols = np.nonzero(~mask)
    cx, cy = dem.rowcol_to_xy(rows, cols)
    off_x = np.maximum(np.abs(cx - x) - dx / 2, 0.0)
    off_y = np.maximum(np.abs(cy - y) - dy / 2, 0.0)
    to_cells = np.hypot(off_x, off_y).min() if rows.size else np.inf
    left, bottom, right, top = dem.bounds
    return float(min(to_cells, x - left, right - x, y - bottom, top - y))


def _edt_radius(mask: np.ndarray, dem: Dem) -> float:
    """Largest inscribed circle radius [m] estimated with a Euclidean distance transform: the largest distance
    from a cell centre in the mask to the centre of a cell outside (the grid's edge counts as outside), less
    half a cell."""
    dx, dy = dem.cell_size
    depth = ndimage.distance_transform_edt(np.pad(mask, 1), sampling=(dy, dx))[1:-1, 1:-1]
    return float(depth.max() - min(dx, dy) / 2)


def _disc(shape, centre, radius):
    rows, cols = np.indices(shape)
    return np.hypot(rows - centre[0], cols - centre[1]) <= radius


def _ring(shape=(60, 60)):
    return _disc(shape, (30, 30), 20) & ~_disc(shape, (30, 30), 10)


def _c_shape(shape=(60, 60)):
    rows, cols = np.indices(shape)
    return _ring(shape) & ~((cols > 30) & (np.abs(rows - 30) < 5))


def _square_with_hole(shape=(50, 70)):
    mask = np.zeros(shape, bool)
    mask[5:45, 5:65] = True
    return mask & ~_disc(shape, (22, 40), 12)


def _diagonal_squares(shape=(40, 40)):
    mask = np.zeros(shape, bool)
    mask[4:14, 4:14] = True  # touches the second square at one corner only: one 8-connected gap
    mask[14:34, 14:34] = True
    return mask


def _blobs(seed: int, shape=(64, 80)):
    rng = np.random.default_rng(seed)
    field = ndimage.gaussian_filter(rng.standard_normal(shape), 4.0)
    return field > np.quantile(field, 0.6)


SHAPES = {
    "ring": (_ring, False),
    "c-shape": (_c_shape, False),
    "square-with-hole": (_square_with_hole, None),
    "diagonal-squares": (_diagonal_squares, None),
    "blobs-1": (lambda: _blobs(1), None),
    "blobs-2": (lambda: _blobs(2), None),
}


@pytest.mark.parametrize("cell", [(100.0, 100.0), (100.0, 150.0)])
@pytest.mark.parametrize("name", list(SHAPES))
def test_pole_is_inside_the_gap_and_as_far_from_its_edge_as_a_brute_force_search(name, cell):
    make, centroid_inside = SHAPES[name]
    mask = make()
    dem = Dem.from_array(np.zeros(mask.shape), cell, origin=(4000.0, 9000.0))
    labels, n = ndimage.label(mask, structure=EIGHT)
    which = np.arange(1, n + 1)
    xs, ys, radius = gap_poles(labels, which, dem)
    assert xs.shape == ys.shape == radius.shape == (n,)
    for k, label in enumerate(which):
        gap = labels == label
        if gap.sum() < 4:
            continue
        row, col = dem.xy_to_rowcol(xs[k], ys[k])
        assert labels[row, col] == label  # the raster sampled at the location is this gap
        clearance = _clearance(gap, dem, xs[k], ys[k])
        assert clearance >= 0.9 * _edt_radius(gap, dem)
        assert radius[k] == pytest.approx(clearance, abs=min(cell) / 10 + 1e-6)
        if centroid_inside is not None:  # the shapes where the centroid is not in the gap: the point of the pole
            crow, ccol = ndimage.center_of_mass(gap)
            assert gap[round(crow), round(ccol)] == centroid_inside


def test_ring_pole_is_in_the_band_between_the_circles():
    mask = _ring()
    dem = Dem.from_array(np.zeros(mask.shape), 100.0)
    (x,), (y,), (radius,) = gap_poles(mask.astype(int), [1], dem)
    centre_x, centre_y = dem.rowcol_to_xy(30, 30)
    # the widest place of an annulus of cell radii 10 and 20 is anywhere on its mid-circle, 5 cells from each edge
    assert np.hypot(x - centre_x, y - centre_y) == pytest.approx(1500.0, abs=100.0)
    assert radius == pytest.approx(500.0, abs=100.0)


# ----------------------------------------------------------------------------------------------------
# Three radars on flat ground, each detecting to a little inside its horizon: a closed gap in the middle
# and a ring-shaped one around
# ----------------------------------------------------------------------------------------------------
GROUND = 100.0
CELL = 1000.0
HALF = 90e3
MAST = 10.0
R = 32e3  # distance of each radar from the centre: between the 30 m detection radius and 2/sqrt(3) of it
CP = (6e3, 4e3)  # a command post near the centre: the nearest unit to the middle gap

# A VHF radar (clutter suppressed, as in test_coverage.py) that detects a 100 m^2 airliner out to the horizon
_CATALOG = """sources:
  test: "test fixture"
types:
  vhf:
    kind: radar
    role: early-warning
    label: "VHF radar (test fixture)"
    frequency: {value: 170 MHz, source: test, grade: assumed}
    peak_power: {value: 260 kW, source: test, grade: assumed}
    gain: {value: 22 dB, source: test, grade: assumed}
    pulse_width: {value: 6 us, source: test, grade: assumed}
    prf: {value: 360 Hz, source: test, grade: assumed}
    beamwidth: {value: 6 deg, source: test, grade: assumed}
    scan_period: {value: 10 s, source: test, grade: assumed}
    instrumented_range: {value: 250 km, source: test, grade: assumed}
    detection_range: {value: 250 km, source: test, grade: assumed}
    reference_rcs: {value: 2 m^2, source: test, grade: assumed}
    losses: {value: 5.5 dB, source: test, grade: assumed}
    system_temperature: {value: 600 K, source: test, grade: assumed}
    pfa: {value: 1.0e-6, source: test, grade: assumed}
    range_accuracy: {value: 500 m, source: test, grade: assumed}
    azimuth_accuracy: {value: 1.5 deg, source: test, grade: assumed}
    mti_improvement: {value: 80 dB, source: test, grade: assumed}
"""


def _detection_radius(height: float) -> float:
    """Largest ground range [m] at which the fixture's radar detects the airliner (Pd per look >= 0.5) at
    ``height`` over the flat ground, from the sensor model alone (the precondition of the gap tests)."""
    from iadsim.scenario.catalog import CatalogFile
    from iadsim.sensors import Geometry, Radar

    entry = CatalogFile.model_validate(yaml.safe_load(_CATALOG)).types["vhf"]
    unit = types.SimpleNamespace(id="r", mast_height=MAST, sector=None)
    ranges = np.arange(1e3, 90e3, 250.0)
    pd = Radar.from_catalog(entry, unit).pd_per_look(Geometry.flat(ranges, MAST, height), 100.0, 1)
    return float(ranges[pd >= 0.5].max())


def _radars():
    return {f"r{i}": (R * math.cos(math.radians(a)), R * math.sin(math.radians(a)))
            for i, a in enumerate((90.0, 210.0, 330.0))}


def _triangle(tmp_path: Path, assets: str = "", name: str = "triangle"):
    """Three VHF radars on a triangle around the origin, a command post, one airliner raid; flat 180 km square of
    1 km cells. ``assets`` is the YAML of the defended_assets list (none when empty)."""
    (tmp_path / "extra.yaml").write_text(_CATALOG)
    units = "\n".join(f"  - {{id: {i}, type: vhf, x: {x:.1f} m, y: {y:.1f} m, mast_height: {MAST:g} m}}"
                      for i, (x, y) in _radars().items())
    (tmp_path / f"{name}.yaml").write_text(f"""
name: {name}
duration: 1 min
terrain: {{flat: {GROUND:g} m, extent: {2 * HALF / 1e3:g} km}}
catalog: [extra.yaml]
{assets}
units:
{units}
  - {{id: cp, type: command-post, x: {CP[0]:g} m, y: {CP[1]:g} m}}
threats:
  - id: raid
    type: jumbo-airliner
    route:
      - {{x: -60 km, y: 70 km, altitude: 100 m}}
      - {{x: 60 km, y: 70 km, altitude: 100 m}}
""")
    loaded = load_scenario(tmp_path / f"{name}.yaml")
    assert loaded.origin_xy == (0.0, 0.0)
    terrain = flat_dem(GROUND, (-HALF, -HALF, HALF, HALF), CELL, crs=loaded.terrain.crs)  # coarser: fast
    return dataclasses.replace(loaded, terrain=terrain)


def _layers(out: Path, band: str) -> np.ndarray:
    with rasterio.open(out / f"detection_layers_{band}m.tif") as dataset:
        return dataset.read(1)


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    """The triangle scenario's coverage with gaps over the whole terrain."""
    tmp = tmp_path_factory.mktemp("whole")
    scenario = _triangle(tmp, "defended_assets:\n  - {id: base, x: 0 km, y: 0 km, radius: 1 km}")
    summary = coverage(scenario, tmp / "out", bands=(30.0, 100.0), aoi="terrain")
    return scenario, tmp / "out", summary


def _gap_at(out: Path, gap: dict, scenario) -> np.ndarray:
    """The 8-connected uncovered component at the lowest band (from the written raster) holding the gap's
    location."""
    layers = _layers(out, "30")
    labels, _ = ndimage.label(layers == 0, structure=EIGHT)
    ox, oy = scenario.origin_xy
    row, col = scenario.terrain.xy_to_rowcol(gap["location"]["x_m"] + ox, gap["location"]["y_m"] + oy)
    assert labels[row, col] > 0
    return labels == labels[row, col]


def test_the_scenario_has_a_middle_gap_and_a_ring_gap(whole):
    """Preconditions of the tests below, from the sensor model: the discs do not meet at 30 m, so the middle is
    uncovered at 30 m and covered at 100 m."""
    scenario, out, summary = whole
    r30, r100 = _detection_radius(30.0), _detection_radius(100.0)
    assert r30 < R < 2 * r30 / math.sqrt(3) and R + 2 * CELL < r100
    assert summary["gaps"]["count"] == 2
    assert summary["aoi"]["chosen_by"] == "terrain" and summary["aoi"]["margin_m"] is None
    assert summary["aoi"]["bounds_m"] == [-HALF, -HALF, HALF, HALF]
    middle = _layers(out, "30")[89:91, 89:91]
    assert (middle == 0).all() and (_layers(out, "100")[89:91, 89:91] == 3).all()


def test_gap_locations_are_inside_the_gaps_where_the_ring_centroid_is_not(whole):
    scenario, out, summary = whole
    ring, middle = summary["gaps"]["largest"]  # largest first
    assert ring["area_km2"] > middle["area_km2"]
    # the ring's centroid is at the centre of the map, in the middle gap; its location is in the ring
    assert math.hypot(ring["centroid"]["x_m"], ring["centroid"]["y_m"]) < 2 * CELL
    assert ring["centroid"]["inside"] is False
    dem = scenario.terrain
    for gap in (ring, middle):
        mask = _gap_at(out, gap, scenario)
        assert gap["location"]["inside"] is True
        assert gap["cells"] == int(mask.sum())
        x, y = gap["location"]["x_m"], gap["location"]["y_m"]
        clearance = _clearance(mask, dem, x, y)
        assert clearance >= 0.9 * _edt_radius(mask, dem)
        assert gap["inscribed_radius_km"] == pytest.approx(clearance / 1e3, abs=CELL / 10 / 1e3 + 1e-3)
        # the location's radar-free distance: no radar within the 30 m detection radius (with a cell's slack)
        assert min(math.hypot(x - rx, y - ry) for rx, ry in _radars().values()) > _detection_radius(30.0) - CELL
        lon, lat = gap["location"]["lon"], gap["location"]["lat"]
        assert abs(lon) < 1.0 and abs(lat) < 1.0  # the flat terrain is centred on 0N 0E
    # three-fold symmetry: the middle gap's pole is at the centre of the triangle
    assert math.hypot(middle["location"]["x_m"], middle["location"]["y_m"]) <= 1.5 * CELL


def test_bands_open_match_the_written_rasters(whole):
    scenario, out, summary = whole
    ring, middle = summary["gaps"]["largest"]
    assert middle["open_bands_agl_m"] == [30.0] and middle["uncovered_fraction"]["100"] == 0.0
    assert ring["open_bands_agl_m"] == [30.0, 100.0]  # the map's corners stay uncovered at 100 m
    assert summary["gaps"]["open_fraction"] == OPEN_FRACTION
    for gap in (ring, middle):
        mask = _gap_at(out, gap, scenario)
        for band in ("30", "100"):
            fraction = float((_layers(out, band)[mask] == 0).mean())
            assert gap["uncovered_fraction"][band] == pytest.approx(fraction, abs=1e-4)
            assert (float(band) in gap["open_bands_agl_m"]) == (fraction >= OPEN_FRACTION)


def test_nearest_unit_is_the_closest_site(whole):
    scenario, _, summary = whole
    ring, middle = summary["gaps"]["largest"]
    for gap in (ring, middle):
        x = gap["location"]["x_m"] + scenario.origin_xy[0]
        y = gap["location"]["y_m"] + scenario.origin_xy[1]
        distances = {u.id: math.hypot(scenario.sites[u.id].x - x, scenario.sites[u.id].y - y)
                     for u in scenario.spec.units}
        nearest = min(distances, key=distances.get)
        assert gap["nearest_unit"]["id"] == nearest
        assert gap["nearest_unit"]["type"] == scenario.unit(nearest).type
        assert gap["nearest_unit"]["distance_km"] == pytest.approx(distances[nearest] / 1e3, abs=1e-3)
    assert middle["nearest_unit"]["id"] == "cp"  # a command post counts: any unit


def test_default_aoi_is_the_assets_circles_plus_the_margin(tmp_path, whole):
    _, _, whole_summary = whole
    # an asset in the north-east corner: its circle holds part of the ring gap and none of the middle gap
    scenario = _triangle(tmp_path, "defended_assets:\n  - {id: base, x: 60 km, y: 60 km, radius: 2 km}")
    summary = coverage(scenario, tmp_path / "out", bands=(30.0,))
    aoi = summary["aoi"]
    reach = 2e3 + AOI_MARGIN
    assert aoi["chosen_by"] == "defended-assets" and aoi["margin_m"] == AOI_MARGIN
    assert aoi["bounds_m"] == [60e3 - reach, 60e3 - reach, HALF, HALF]  # clipped to the terrain
    # cells whose centres are in the disc, counted here
    x, y = scenario.terrain.rowcol_to_xy(*np.indices(scenario.terrain.shape))
    inside = np.hypot(x - 60e3, y - 60e3) <= reach
    assert aoi["area_km2"] == pytest.approx(inside.sum() * CELL**2 / 1e6, abs=1e-3)
    (gap,) = summary["gaps"]["largest"]
    assert summary["gaps"]["count"] == 1
    assert math.hypot(gap["location"]["x_m"] - 60e3, gap["location"]["y_m"] - 60e3) <= reach
    assert gap["extends_beyond_aoi"] is True  # the ring gap goes on outside the circle
    assert gap["area_km2"] < whole_summary["gaps"]["largest"][0]["area_km2"]
    # the middle gap, outside the area of interest, is reported with aoi="terrain"
    middle = whole_summary["gaps"]["largest"][1]
    assert math.hypot(middle["location"]["x_m"] - 60e3, middle["location"]["y_m"] - 60e3) > reach


def test_aoi_margin_and_box_override_the_default(tmp_path):
    scenario = _triangle(tmp_path, "defended_assets:\n  - {id: base, x: 0 km, y: 0 km, radius: 1 km}")
    # a 10 km margin keeps the middle gap only; the ring gap begins about 31 km out
    small = coverage(scenario, tmp_path / "small", bands=(30.0,), aoi_margin=10e3)
    assert small["aoi"]["margin_m"] == 10e3 and small["aoi"]["bounds_m"] == [-11e3, -11e3, 11e3, 11e3]
    assert small["gaps"]["count"] == 1
    (middle,) = small["gaps"]["largest"]
    assert math.hypot(middle["location"]["x_m"], middle["location"]["y_m"]) <= 1.5 * CELL
    assert middle["extends_beyond_aoi"] is False
    # a box in the south-west corner: part of the ring gap only
    box = coverage(scenario, tmp_path / "box", bands=(30.0,), aoi=(-HALF, -HALF, -40e3, -30e3))
    assert box["aoi"]["chosen_by"] == "box" and box["aoi"]["margin_m"] is None
    assert box["aoi"]["bounds_m"] == [-HALF, -HALF, -40e3, -30e3]
    assert box["gaps"]["count"] == 1
    (corner,) = box["gaps"]["largest"]
    assert -HALF <= corner["location"]["x_m"] <= -40e3 and -HALF <= corner["location"]["y_m"] <= -30e3
    # the box holds 50 x 60 cells; the gap is those not covered (cells are counted by their centres)
    assert box["aoi"]["area_km2"] == pytest.approx(50 * 60, abs=1e-6)
    assert corner["area_km2"] < box["aoi"]["area_km2"]


def test_aoi_without_defended_assets_is_the_laydown_box(tmp_path):
    scenario = _triangle(tmp_path)
    region = area_of_interest(scenario)
    points = [(scenario.sites[u.id].x, scenario.sites[u.id].y) for u in scenario.spec.units]
    points += [(-60e3, 70e3), (60e3, 70e3)]  # the raid's waypoints
    xy = np.array(points)
    expected = [max(xy[:, 0].min() - AOI_MARGIN, -HALF), max(xy[:, 1].min() - AOI_MARGIN, -HALF),
                min(xy[:, 0].max() + AOI_MARGIN, HALF), min(xy[:, 1].max() + AOI_MARGIN, HALF)]
    assert region.chosen_by == "laydown" and region.margin == AOI_MARGIN
    assert list(region.bounds) == pytest.approx(expected, abs=0.1)
    x, y = scenario.terrain.rowcol_to_xy(*np.indices(scenario.terrain.shape))
    inside = (x >= expected[0]) & (x <= expected[2]) & (y >= expected[1]) & (y <= expected[3])
    np.testing.assert_array_equal(region.mask, inside)
    assert area_of_interest(scenario, "terrain").mask.all()


@pytest.mark.parametrize(("aoi", "margin", "match"), [
    ("everywhere", None, "aoi must be"),
    ((1.0, 2.0, 3.0), None, "aoi must be"),
    ((10e3, 0.0, -10e3, 5e3), None, "xmin < xmax"),
    ((0.0, 0.0, float("nan"), 1.0), None, "finite"),
    ((500e3, 500e3, 600e3, 600e3), None, "no terrain data"),
    ("terrain", 5e3, "aoi_margin applies"),
    (None, -1.0, "aoi_margin must be"),
])
def test_bad_areas_of_interest_are_refused(tmp_path, aoi, margin, match):
    scenario = _triangle(tmp_path)
    with pytest.raises(ValueError, match=match):
        coverage(scenario, tmp_path / "out", bands=(30.0,), aoi=aoi, aoi_margin=margin)
    assert not (tmp_path / "out").exists()  # refused before any work


def test_a_band_is_open_when_at_least_the_open_fraction_of_the_gap_is_uncovered(tmp_path):
    """Synthetic sensor counts on the triangle's grid: one 10 x 10 cell gap at the lowest band, of which 9, 10 and
    50 cells stay uncovered at the higher bands (9 % and 10 % sit either side of the 10 % rule)."""
    from iadsim.analysis.coverage import _gaps
    from iadsim.terrain.geo import to_lonlat

    assert OPEN_FRACTION == 0.1  # the counts below are chosen around it
    scenario = _triangle(tmp_path)
    shape = scenario.terrain.shape
    layers = np.ones((4, *shape), np.int32)
    gap = (slice(20, 30), slice(40, 50))
    layers[0][gap] = 0
    for band, n_open in ((1, 9), (2, 10), (3, 50)):
        layers[band][gap].flat[:n_open] = 0
    layers[1][0, 0] = layers[2][0, 0] = 0  # uncovered cells outside the gap do not count
    bands = (30.0, 100.0, 300.0, 1000.0)
    valid = np.ones(shape, bool)
    count, (found,) = _gaps(scenario, layers, valid, valid, bands, to_lonlat(scenario.terrain.crs))
    assert count == 1 and found["cells"] == 100
    assert found["uncovered_fraction"] == {"30": 1.0, "100": 0.09, "300": 0.1, "1000": 0.5}
    assert found["open_bands_agl_m"] == [30.0, 300.0, 1000.0]
    assert found["open"] is False and found["extends_beyond_aoi"] is False
    # the pole of a square is its centre
    x, y = scenario.terrain.rowcol_to_xy(24.5, 44.5)
    assert found["location"]["x_m"] == pytest.approx(x, abs=CELL / 10)
    assert found["location"]["y_m"] == pytest.approx(y, abs=CELL / 10)
