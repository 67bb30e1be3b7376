"""Several DEM tiles: a list or a folder in ``terrain.source``, mosaicked onto one grid.

The tiles are cut in the test from the committed SRTM-3 crop around Mount Washington (tests/data/dem), with
rasterio windows, so the single source raster they came from is the reference: a mosaic of its pieces must
give its heights.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import rasterio
from pyproj import Transformer
from rasterio.transform import Affine
from rasterio.warp import Resampling, calculate_default_transform, reproject
from rasterio.windows import Window

from iadsim.scenario import load_scenario
from iadsim.scenario.load import TerrainWarning, terrain_digest
from iadsim.terrain import TerrainError, load_dem
from iadsim.terrain.mosaic import load_mosaic, nodata_gaps, tile_files

from ..scenario._helpers import run_cli
from .test_dem import metres_per_degree

SOURCE_NAME = "n44w072_mt_washington.tif"  # 241 rows x 361 columns, 1/1200 degree, EPSG:4326


@pytest.fixture
def source(data_dir) -> Path:
    return data_dir / "dem" / SOURCE_NAME


def cut(source: Path, out: Path, rows: tuple[int, int], cols: tuple[int, int], offset: float = 0.0) -> Path:
    """Write rows and columns [first, last) of ``source`` unchanged (plus ``offset`` metres) as a GeoTIFF."""
    with rasterio.open(source) as ds:
        window = Window(cols[0], rows[0], cols[1] - cols[0], rows[1] - rows[0])
        values = ds.read(1, window=window)
        profile = dict(ds.profile, width=window.width, height=window.height, transform=ds.window_transform(window))
    out.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(out, "w", **profile) as dst:
        dst.write((values + offset).astype(values.dtype) if offset else values, 1)
    return out


def scenario_text(source) -> str:
    """A scenario on the terrain ``source`` (YAML for terrain.source) around the summit of Mount Washington."""
    return f"""\
name: tiles
duration: 2 min
terrain: {{source: {source}}}
origin: {{lat: 44.27, lon: -71.3033}}
units:
  - {{id: sr, type: mr-search-radar, x: 0 km, y: 0 km}}
threats:
  - id: raid
    type: attack-helicopter
    altitude_reference: msl
    route:
      - {{x: -8 km, y: -6 km, altitude: 2500 m}}
      - {{x: 8 km, y: 6 km, altitude: 2500 m}}
"""


@pytest.mark.validation
@pytest.mark.parametrize("overlap", [0, 1, 6], ids=["abutting", "shared-column", "overlapping"])
def test_a_scenario_on_two_crops_has_the_heights_of_the_single_tile(source, tmp_path, overlap, validation):
    """Mosaic: a scenario whose terrain is two crops of one raster (abutting, sharing a column as SRTM tiles
    do, or overlapping) gets exactly the heights of the scenario on the raster itself, seam included."""
    west = cut(source, tmp_path / "tiles" / "west.tif", (0, 241), (0, 180 + overlap))
    east = cut(source, tmp_path / "tiles" / "east.tif", (0, 241), (180, 361))
    whole = tmp_path / "whole.yaml"
    whole.write_text(scenario_text(str(source)))
    pieces = tmp_path / "pieces.yaml"
    pieces.write_text(scenario_text(f"[{west.relative_to(tmp_path)}, {east.relative_to(tmp_path)}]"))
    reference = load_scenario(whole).terrain
    mosaic = load_scenario(pieces).terrain
    assert mosaic.crs == reference.crs and mosaic.shape == reference.shape
    assert tuple(mosaic.transform) == pytest.approx(tuple(reference.transform), abs=1e-6)
    assert np.array_equal(np.isnan(mosaic.elevation), np.isnan(reference.elevation))
    known = np.isfinite(reference.elevation)
    validation("terrain mosaic of two crops", "the single SRTM-3 raster they were cut from (tests/data/dem)",
               mosaic.elevation[known], reference.elevation[known], abs=1e-6)


def test_a_folder_of_tiles_is_read_in_name_order_and_ignores_other_files(source, tmp_path):
    cut(source, tmp_path / "tiles" / "b.tif", (0, 241), (180, 361))
    cut(source, tmp_path / "tiles" / "a.TIF", (0, 241), (0, 181))
    (tmp_path / "tiles" / "PROVENANCE.md").write_text("where these came from\n")
    assert [p.name for p in tile_files(tmp_path / "tiles")] == ["a.TIF", "b.tif"]
    scenario = tmp_path / "s.yaml"
    scenario.write_text(scenario_text("tiles"))
    np.testing.assert_allclose(load_scenario(scenario).terrain.elevation, load_dem(source).elevation, atol=1e-6)


def test_four_tiles_in_a_two_by_two_layout_give_the_single_tile(source, tmp_path):
    tiles = [cut(source, tmp_path / f"t{i}{j}.tif", rows, cols)
             for i, rows in enumerate([(0, 121), (120, 241)]) for j, cols in enumerate([(0, 200), (199, 361)])]
    result = load_mosaic(tiles)
    assert result.coarsened == 1.0
    np.testing.assert_allclose(result.dem.elevation, load_dem(source).elevation, atol=1e-6)


def test_tiles_in_different_crss_are_reprojected_onto_one_utm_grid(source, tmp_path):
    """A projected tile beside a geographic one: both are resampled (exact coordinates, bilinear) onto the UTM
    grid of their union. The projected tile was itself resampled here (GDAL, bilinear), so heights agree with
    the single raster within resampling error, not exactly."""
    west = cut(source, tmp_path / "west.tif", (0, 241), (0, 185))
    east_geo = cut(source, tmp_path / "east_geo.tif", (0, 241), (180, 361))
    east = tmp_path / "east_utm.tif"
    with rasterio.open(east_geo) as ds:
        transform, width, height = calculate_default_transform(ds.crs, "EPSG:32619", ds.width, ds.height, *ds.bounds)
        values = np.full((height, width), np.nan, dtype="float32")
        reproject(ds.read(1).astype("float32"), values, src_transform=ds.transform, src_crs=ds.crs,
                  dst_transform=transform, dst_crs="EPSG:32619", dst_nodata=np.nan, resampling=Resampling.bilinear)
    with rasterio.open(east, "w", driver="GTiff", width=width, height=height, count=1, dtype="float32",
                       crs="EPSG:32619", transform=transform, nodata=np.nan) as dst:
        dst.write(values, 1)
    with pytest.raises(TerrainError, match=r"differs from tile .*west.tif.* by \d+\.\d m where they overlap"):
        load_mosaic([west, east])  # steep ground resampled twice differs by metres: refused at 1 m
    dem = load_mosaic([west, east], tolerance=50.0).dem  # well above the ~11 m the double resampling gives here
    assert dem.crs == "EPSG:32619"
    single = load_dem(source)
    rows, cols = np.mgrid[0:single.shape[0], 0:single.shape[1]]
    x, y = single.rowcol_to_xy(rows, cols)
    difference = np.abs(dem.elevation_at(x, y) - single.elevation)
    both = np.isfinite(difference)
    # the east tile went through GDAL's resampling on top of ours: on this steep crop that costs about 0.4 m at
    # the median and 6 m at the 99th percentile (measured); a misplaced tile would be off by hundreds of metres
    assert both.mean() > 0.9
    assert np.median(difference[both]) < 1.0 and np.percentile(difference[both], 99) < 15.0


def test_overlapping_tiles_that_disagree_are_refused_naming_both_tiles_the_line_and_the_field(source, tmp_path,
                                                                                           capsys):
    cut(source, tmp_path / "tiles" / "a.tif", (0, 241), (0, 190))
    cut(source, tmp_path / "tiles" / "b.tif", (0, 241), (180, 361), offset=3.0)  # a datum shifted by 3 m
    scenario = tmp_path / "s.yaml"
    scenario.write_text(scenario_text("[tiles/a.tif, tiles/b.tif]"))
    status, out, err = run_cli(capsys, "validate", str(scenario))
    assert status == 2 and "Traceback" not in err
    assert err.startswith(f"iadsim: {scenario}:3: terrain.source[1]: cannot read terrain 'tiles/b.tif': differs "
                          "from tile 'tiles/a.tif' by 3.0 m where they overlap"), err
    assert "more than the 1 m allowed" in err
    # within a stated tolerance the same tiles are accepted
    scenario.write_text(scenario_text("[tiles/a.tif, tiles/b.tif]").replace(
        "terrain: {source:", "terrain: {overlap_tolerance: 5 m, source:"))
    assert load_scenario(scenario).terrain.shape == load_dem(source).shape


def test_a_gap_between_tiles_is_nodata_with_a_warning_saying_where_and_how_much(source, tmp_path):
    cut(source, tmp_path / "a.tif", (0, 241), (0, 150))
    cut(source, tmp_path / "b.tif", (0, 241), (200, 361))
    scenario = tmp_path / "s.yaml"
    scenario.write_text(scenario_text("[a.tif, b.tif]").replace("x: 0 km, y: 0 km", "x: 9 km, y: 0 km"))
    with pytest.warns(TerrainWarning) as caught:
        dem = load_scenario(scenario).terrain
    message = str(caught[0].message)
    assert message.startswith(f"{scenario}:3: terrain.source: ")
    # 50 missing columns of 1/1200 degree: 50/1200 deg of longitude at 44.27 N by the crop's 241/1200 deg of
    # latitude, on WGS 84 (Snyder 1987, eqs 4-18 and 4-20), about 74 km^2
    area = float(message.split(" km^2")[0].rsplit(" ", 1)[-1])
    east, north = metres_per_degree(44.27)
    expected = 50 / 1200 * east * 241 / 1200 * north / 1e6
    assert area == pytest.approx(expected, rel=0.01)  # cells' areas are taken at the crop's centre latitude
    assert "71.3" in message and "44.2" in message  # the gap lies at 71.29-71.33 W
    # the gap's cells are nodata, not invented heights
    gap = load_mosaic([tmp_path / "a.tif", tmp_path / "b.tif"]).gap
    assert gap is not None and np.isnan(dem.elevation_at(*_lonlat_to(dem, gap.lon, gap.lat)))


def _lonlat_to(dem, lon, lat):
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", dem.crs, always_xy=True).transform(lon, lat)


def test_one_raster_has_no_gap_warning(source, tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(scenario_text(str(source)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_scenario(scenario)
    # nodata around the outside is not a gap, a hole is (on the raster's own grid, before projection)
    ring = np.full((20, 30), np.nan)
    ring[3:17, 2:28] = 1.0
    transform = Affine(1 / 1200, 0, -71.5, 0, -1 / 1200, 44.5)
    assert nodata_gaps(ring, transform, "EPSG:4326", 6000.0) is None
    ring[8:10, 10:14] = np.nan
    gap = nodata_gaps(ring, transform, "EPSG:4326", 6000.0)
    assert gap is not None and gap.area == 8 * 6000.0 and gap.largest == gap.area


@pytest.mark.parametrize("given, field, words", [
    ("[tiles/a.tif, tiles/missing.tif]", "terrain.source[1]", "terrain file 'tiles/missing.tif' not found"),
    ("empty", "terrain.source", "terrain folder 'empty': a folder holding no tile"),
    ("[sample, tiles/a.tif]", "terrain", "'sample' is a whole terrain"),
    ("[tiles/a.tif, tiles/notes.tif]", "terrain.source[1]", "cannot read terrain 'tiles/notes.tif': not a GeoTIFF"),
    ("[]", "terrain.source", "give at least 1 and at most 400 tiles, not 0"),
    ("[a.tif, 3]", "terrain.source", "each tile is a file name; found a number"),
])
def test_bad_tile_lists_name_the_file_line_and_field(source, tmp_path, capsys, given, field, words):
    cut(source, tmp_path / "tiles" / "a.tif", (0, 241), (0, 181))
    (tmp_path / "tiles" / "notes.tif").write_text("not a raster, and its words must not be echoed\n")
    (tmp_path / "empty").mkdir()
    scenario = tmp_path / "s.yaml"
    scenario.write_text(scenario_text(given))
    status, out, err = run_cli(capsys, "validate", str(scenario))
    assert status == 2 and "Traceback" not in err, err
    assert err.startswith(f"iadsim: {scenario}:3: {field}: "), err
    assert words in err
    assert "must not be echoed" not in err


def test_the_run_folder_hash_covers_every_tile():
    one = terrain_digest([("a.tif", "1" * 64)])
    assert one == "1" * 64  # one file: its own sha256, as run folders written before tiles hold
    two = terrain_digest([("a.tif", "1" * 64), ("b.tif", "2" * 64)])
    changed = terrain_digest([("a.tif", "1" * 64), ("b.tif", "3" * 64)])
    renamed = terrain_digest([("a.tif", "1" * 64), ("c.tif", "2" * 64)])
    assert len({two, changed, renamed}) == 3 and terrain_digest([]) is None


def smooth_ground(lon, lat):
    """An analytic terrain [m] (smooth, so bilinear interpolation between 30-arc-second cells is within cm)."""
    return 600.0 + 400.0 * np.sin(np.radians(lon) * 40.0) * np.cos(np.radians(lat) * 30.0)


def test_a_scenario_400_km_across_on_sixteen_one_degree_tiles_works(tmp_path):
    """Sixteen 1-degree tiles of 30 arc-seconds, edges shared as SRTM's are (121 x 121 samples each), 4 x 4
    degrees around 44 N 70 W (about 320 x 445 km): the folder mosaics to one UTM grid with the analytic
    heights everywhere, and a long-range radar sees a target 200 km away across the tiles."""
    from iadsim.engine import build_world

    step = 1 / 120
    folder = tmp_path / "tiles"
    folder.mkdir()
    for lat0 in range(42, 46):
        for lon0 in range(-72, -68):
            lon = lon0 + np.arange(121) * step
            lat = lat0 + 1 - np.arange(121) * step
            heights = smooth_ground(lon[None, :], lat[:, None]).astype("float32")
            transform = Affine(step, 0, lon0 - step / 2, 0, -step, lat0 + 1 + step / 2)
            name = folder / f"N{lat0}W{-lon0:03d}.tif"
            with rasterio.open(name, "w", driver="GTiff", width=121, height=121, count=1, dtype="float32",
                               crs="EPSG:4326", transform=transform) as dst:
                dst.write(heights, 1)
    (tmp_path / "s.yaml").write_text("""\
name: wide
duration: 1 min
terrain: {source: tiles}
origin: {lat: 44.0, lon: -70.0}
units:
  - {id: lr, type: lr-acquisition-radar, x: -100 km, y: 0 km, mast_height: 30 m}
threats:
  - id: far
    type: fighter
    altitude_reference: msl
    route:
      - {x: 100 km, y: 0 km, altitude: 8000 m}
      - {x: 110 km, y: 0 km, altitude: 8000 m}
""")
    with warnings.catch_warnings():
        warnings.simplefilter("error", TerrainWarning)  # sixteen tiles, no gap
        scenario = load_scenario(tmp_path / "s.yaml")
    dem = scenario.terrain
    left, bottom, right, top = dem.bounds
    assert right - left > 320e3 and top - bottom > 440e3
    rng = np.random.default_rng(5)
    lon, lat = rng.uniform(-71.9, -68.1, 500), rng.uniform(42.1, 45.9, 500)
    x, y = Transformer.from_crs("EPSG:4326", dem.crs, always_xy=True).transform(lon, lat)
    # bilinear interpolation errs by at most h'' d^2 / 8: 400 m x (40 x 1/120 deg in rad)^2 / 8, under 2 mm a
    # resampling, so 5 cm holds through the two this terrain goes through
    np.testing.assert_allclose(dem.elevation_at(x, y), smooth_ground(lon, lat), atol=0.05)
    world = build_world(scenario)
    flying = world.active[:, 0]
    assert flying.sum() > 30 and world.visible[flying, 0, 0].all() and world.pd_look[flying, 0, 0].max() > 0.5


def write_tile(path, west, north, step, n_cols, n_rows):
    """A geographic tile of ``smooth_ground`` sampled at cell centres, ``step`` degrees a cell."""
    lon = west + (np.arange(n_cols) + 0.5) * step
    lat = north - (np.arange(n_rows) + 0.5) * step
    with rasterio.open(path, "w", driver="GTiff", width=n_cols, height=n_rows, count=1, dtype="float64",
                       crs="EPSG:4326", transform=Affine(step, 0, west, 0, -step, north)) as dst:
        dst.write(smooth_ground(lon[None, :], lat[:, None]), 1)
    return path


def test_tiles_of_different_resolutions_are_resampled_to_the_finest(tmp_path):
    """The resampling path: a 30-arc-second tile beside a 15-arc-second one, overlapping by 0.1 degree, give the
    analytic heights on the finer cell size (bilinear on a smooth surface: within centimetres)."""
    coarse = write_tile(tmp_path / "coarse.tif", -71.0, 45.0, 1 / 120, 72, 120)  # 71.0-70.4 W
    fine = write_tile(tmp_path / "fine.tif", -70.5, 45.0, 1 / 240, 144, 240)  # 70.5-69.9 W
    result = load_mosaic([coarse, fine])
    dem = result.dem
    assert result.gap is None and result.coarsened == 1.0
    assert dem.cell_size[1] == pytest.approx(metres_per_degree(44.5)[1] / 240, rel=1e-6)  # the finer tile's
    rng = np.random.default_rng(2)
    lon, lat = rng.uniform(-70.99, -69.91, 400), rng.uniform(44.01, 44.99, 400)
    x, y = Transformer.from_crs("EPSG:4326", dem.crs, always_xy=True).transform(lon, lat)
    # bilinear interpolation errs by at most h'' d^2 / 8: 400 m x (40 x 1/120 deg in rad)^2 / 8, under 2 mm a
    # resampling, so 5 cm holds through the two this terrain goes through
    np.testing.assert_allclose(dem.elevation_at(x, y), smooth_ground(lon, lat), atol=0.05)
    # shifted by 3 m, the finer tile disagrees with the coarser one where they overlap: refused
    with rasterio.open(fine, "r+") as dst:
        dst.write(dst.read(1) + 3.0, 1)
    with pytest.raises(TerrainError, match=r"differs from tile .*coarse.tif.* by 3\.\d m where they overlap"):
        load_mosaic([coarse, fine])


@pytest.mark.parametrize("kind", ["height", "pole", "scale"])
def test_a_mosaic_refuses_what_one_tile_alone_is_refused_for(tmp_path, kind):
    """Two adjacent tiles: geographic ones, one with a height of 1e30 m (an undeclared nodata value), or both reaching
    past the pole; or Web Mercator ones at 44.5 N, 1.40 times true scale. load_dem refuses such a tile by itself,
    and the mosaic as well (it accepted them)."""
    from iadsim.terrain import TerrainError
    from iadsim.terrain.mosaic import load_mosaic

    paths = []
    x0, y0 = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True).transform(-72.0, 44.5)
    for i in range(2):
        values = np.full((12, 10), 100.0, np.float32)
        if kind == "height" and i == 0:
            values[3, 4] = 1e30
        cell = {"height": (0.001, 0.001), "pole": (2.0, 20.0), "scale": (100.0, 100.0)}[kind]
        crs, left, top = ("EPSG:3857", x0, y0) if kind == "scale" else ("EPSG:4326", -72.0, 45.0)
        path = tmp_path / f"t{i}.tif"
        with rasterio.open(path, "w", driver="GTiff", width=10, height=12, count=1, dtype="float32", crs=crs,
                           transform=Affine(cell[0], 0, left + 10 * cell[0] * i, 0, -cell[1], top)) as dataset:
            dataset.write(values, 1)
        paths.append(path)
    reason = {"height": r"a height of 1e\+30 m", "pole": "beyond a pole", "scale": r"not true to scale here"}[kind]
    with pytest.raises(TerrainError, match=reason):
        load_mosaic(paths)
