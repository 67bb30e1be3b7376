"""DEM input and output: reading real rasters (crops in tests/data/dem), projecting geographic ones, sampling,
GeoTIFF round trip."""

import math

import numpy as np
import pytest
import rasterio
import rasterio.shutil
from pyproj import CRS, Transformer
from rasterio.transform import Affine

from iadsim.terrain import Dem, flat_dem, load_dem, masking_height, viewshed, viewshed_file, write_geotiff

WGS84_A = 6378137.0
WGS84_F = 1 / 298.257223563


def metres_per_degree(lat_deg):
    """(E-W, N-S) metres per degree of longitude and latitude on WGS 84.

    Snyder, *Map Projections - A Working Manual* (USGS PP 1395, 1987), eqs 4-18 (M) and 4-20 (N):
    E-W = N cos(phi) pi/180, N-S = M pi/180.
    """
    e2 = WGS84_F * (2 - WGS84_F)
    phi = math.radians(lat_deg)
    w = math.sqrt(1 - e2 * math.sin(phi) ** 2)
    return math.radians(1) * WGS84_A / w * math.cos(phi), math.radians(1) * WGS84_A * (1 - e2) / w**3


def test_sample_dem_is_projected_to_metres():
    dem = load_dem("sample")
    # 3 arc-seconds at the centre latitude (36.59 N) of the Jacksboro DEM: ~74.6 m E-W, ~92.5 m N-S.
    ew, ns = metres_per_degree(36.5896)
    assert dem.cell_size == pytest.approx((ew / 1200, ns / 1200), rel=1e-3)
    assert 74.0 < dem.cell_size[0] < 75.5 and 92.0 < dem.cell_size[1] < 93.0
    assert CRS.from_user_input(dem.crs).to_epsg() == 32616  # UTM 16N holds 84.2 W
    assert CRS.from_user_input(dem.source_crs).is_geographic
    valid = dem.elevation[~np.isnan(dem.elevation)]
    # the source has 344 x 403 cells of 236..1076 m; the UTM grid is a little larger (NaN corners)
    assert valid.size > 0.95 * 344 * 403
    assert 230 < valid.min() and valid.max() < 1080
    # north up: the highest cell of the source (row 297, col 219; row 0 is the 36.733 N edge) lands
    # at the projected position of its centre
    lon, lat = -84.41375 + 219.5 / 1200, 36.73291666666667 - 297.5 / 1200
    x, y = Transformer.from_crs("EPSG:4326", dem.crs, always_xy=True).transform(lon, lat)
    assert dem.elevation_at(x, y) > 1000.0


# tests/data/dem/PROVENANCE.md: rows 756-996 and columns 656-1016 of the SRTM-3 tile N44W072, whose
# cell centres lie at 45 - row / 1200 N and -72 + col / 1200 E (the tile's corner cells are centred on
# whole degrees).
CROP_ROWS, CROP_COLS = (756, 997), (656, 1017)


def test_geographic_geotiff_crop_is_projected_to_utm(data_dir):
    dem = load_dem(data_dir / "dem" / "n44w072_mt_washington.tif")
    assert dem.crs == "EPSG:32619"  # UTM 19N holds 71.3 W
    assert CRS.from_user_input(dem.source_crs).is_geographic
    centre_lat = 45.0 - (CROP_ROWS[0] + (CROP_ROWS[1] - 1 - CROP_ROWS[0]) / 2) / 1200  # 44.27 N
    ew, ns = metres_per_degree(centre_lat)
    assert dem.cell_size == pytest.approx((ew / 1200, ns / 1200), rel=1e-3)
    # Mount Washington, 44.2706 N 71.3033 W, 1917 m (SRTM-3 cells average it down a little; the
    # tile's highest cell, 1908 m, is in the crop)
    x, y = Transformer.from_crs("EPSG:4326", dem.crs, always_xy=True).transform(-71.3033, 44.2706)
    assert 1850.0 < dem.elevation_at(x, y) < 1920.0
    valid = dem.elevation[~np.isnan(dem.elevation)]
    n_source = (CROP_ROWS[1] - CROP_ROWS[0]) * (CROP_COLS[1] - CROP_COLS[0])
    assert valid.size > 0.95 * n_source  # the UTM grid only adds NaN corners
    assert valid.max() <= 1908.0  # bilinear resampling never exceeds the source's maximum


def test_srtm_hgt_tile_is_read_and_projected(tmp_path):
    # A synthetic SRTM-3 tile (the SRTMHGT driver: 1201 x 1201 big-endian int16, no header, named
    # after its south-west corner): the plane z = 2 col + 3 row, i.e. z = 2400 (lon + 72) + 3600 (45 - lat)
    # [m], linear in lon and lat. Its projection must give that plane back at any lon/lat inside.
    rows, cols = np.indices((1201, 1201))
    (2 * cols + 3 * rows).astype(">i2").tofile(tmp_path / "N44W072.hgt")
    dem = load_dem(tmp_path / "N44W072.hgt")
    assert dem.crs == "EPSG:32619"
    assert CRS.from_user_input(dem.source_crs).is_geographic
    ew, ns = metres_per_degree(44.5)
    assert dem.cell_size == pytest.approx((ew / 1200, ns / 1200), rel=1e-3)
    rng = np.random.default_rng(5)
    lon, lat = rng.uniform(-71.99, -71.01, 500), rng.uniform(44.01, 44.99, 500)
    x, y = Transformer.from_crs("EPSG:4326", dem.crs, always_xy=True).transform(lon, lat)
    # GDAL warps with an approximate transformer (error <= 0.125 source cells, i.e. <= 0.4 m on this
    # plane of at most 3 m per cell); a wrong half-cell offset or axis order would err by 1.5 m or more.
    np.testing.assert_allclose(dem.elevation_at(x, y), 2400 * (lon + 72) + 3600 * (45 - lat), atol=1.0)


def test_dted_tile_is_read_and_projected(tmp_path):
    # A synthetic DTED level 0 tile (121 x 121 posts, 30 arc-seconds; GDAL's DTED driver writes it from
    # a GeoTIFF): the plane z = 100 + 2 col + 3 row = 100 + 240 (lon + 72) + 360 (45 - lat) [m].
    rows, cols = np.indices((121, 121))
    profile = {"driver": "GTiff", "width": 121, "height": 121, "count": 1, "dtype": "int16", "crs": "EPSG:4326",
               "transform": Affine(1 / 120, 0.0, -72 - 1 / 240, 0.0, -1 / 120, 45 + 1 / 240)}
    with rasterio.open(tmp_path / "plane.tif", "w", **profile) as dataset:
        dataset.write((100 + 2 * cols + 3 * rows).astype(np.int16), 1)
    rasterio.shutil.copy(tmp_path / "plane.tif", tmp_path / "n44.dt0", driver="DTED")
    dem = load_dem(tmp_path / "n44.dt0")
    assert dem.crs == "EPSG:32619"
    ew, ns = metres_per_degree(44.5)
    assert dem.cell_size == pytest.approx((ew / 120, ns / 120), rel=1e-3)
    rng = np.random.default_rng(6)
    lon, lat = rng.uniform(-71.99, -71.01, 300), rng.uniform(44.01, 44.99, 300)
    x, y = Transformer.from_crs("EPSG:4326", dem.crs, always_xy=True).transform(lon, lat)
    np.testing.assert_allclose(dem.elevation_at(x, y), 100 + 240 * (lon + 72) + 360 * (45 - lat), atol=1.0)


def _projected(path, crs, transform, values):
    profile = {"driver": "GTiff", "width": values.shape[1], "height": values.shape[0], "count": 1,
               "dtype": "float32", "crs": crs, "transform": transform}
    with rasterio.open(path, "w", **profile) as dataset:
        dataset.write(values.astype(np.float32), 1)
    return path


def test_a_crs_not_true_to_scale_is_refused(tmp_path):
    """Web Mercator stretches ground distances by sec(latitude) (Snyder 1987, ch. 7: h = k = sec phi), 1.402 at
    44.5 N. Read as metres, every range and area was off by that much (an area twice the terrain's)."""
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True).transform(-72.0, 44.5)
    path = _projected(tmp_path / "merc.tif", "EPSG:3857", Affine(100.0, 0.0, x, 0.0, -100.0, y), np.ones((20, 30)))
    with pytest.raises(ValueError, match=r"not true to scale here \(scale factor 1\.40[0-9]") as err:
        load_dem(path)
    assert "merc.tif" in str(err.value)
    # the same grid in UTM (scale 0.9996 to 1.001 in its zone) is read as it is
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:32619", always_xy=True).transform(-72.0, 44.5)
    assert load_dem(_projected(tmp_path / "utm.tif", "EPSG:32619", Affine(100.0, 0.0, x, 0.0, -100.0, y),
                               np.ones((20, 30)))).cell_size == (100.0, 100.0)


def test_a_geographic_dem_too_wide_for_one_utm_zone_is_refused(tmp_path):
    """A geographic DEM is projected to the UTM zone of its centre; 24 degrees of longitude at the equator reach
    12 degrees from the central meridian, where UTM's scale is 1.02 (Snyder 1987, ch. 8: k = k0 / sqrt(1 - B^2),
    B = cos(lat) sin(dlon)). Ranges and areas there would be off by 2 %: refused. 4 degrees pass."""
    b = math.cos(0.0) * math.sin(math.radians(12.0))
    assert 0.9996 / math.sqrt(1 - b * b) > 1.02
    for width, refused in ((24.0, True), (4.0, False)):
        cells = int(width / 0.25)
        path = _projected(tmp_path / f"w{width:g}.tif", "EPSG:4326", Affine(0.25, 0.0, 30.0, 0.0, -0.25, 2.0),
                          np.ones((16, cells)))
        if refused:
            with pytest.raises(ValueError, match=r"not true to scale here \(scale factor 1\.0[2-9]"):
                load_dem(path)
        else:
            assert load_dem(path).crs == "EPSG:32636"


def test_a_south_up_grid_reads_as_the_same_heights_north_up(tmp_path):
    """Row 0 the southernmost (a positive row step): the maps drew it upside down and a run's terrain crop refused
    it. It is read as the north-up grid of the same heights."""
    values = np.arange(12.0).reshape(3, 4) * 10.0
    north = load_dem(_projected(tmp_path / "n.tif", "EPSG:32619", Affine(30.0, 0.0, 500000.0, 0.0, -30.0, 4.9e6),
                                values))
    south = load_dem(_projected(tmp_path / "s.tif", "EPSG:32619",
                                Affine(30.0, 0.0, 500000.0, 0.0, 30.0, 4.9e6 - 90.0), values[::-1]))
    assert south.transform == north.transform
    np.testing.assert_array_equal(south.elevation, north.elevation)
    assert south.elevation_at(500015.0, 4.9e6 - 15.0) == 0.0  # the north-west cell's centre
    with pytest.raises(ValueError, match="a rotated grid"):
        load_dem(_projected(tmp_path / "r.tif", "EPSG:32619", Affine(30.0, 5.0, 500000.0, 5.0, -30.0, 4.9e6),
                            values))


def test_projected_geotiff_is_read_as_is(data_dir):
    # tests/data/dem/PROVENANCE.md: rows 192-319, columns 1005-1196 of bigtujunga.tif (EPSG:32611,
    # 30 m cells, origin 376313.655 E 3807917.828 N), which hold the source's highest cell (2295 m).
    path = data_dir / "dem" / "bigtujunga_crop.tif"
    dem = load_dem(path)
    assert dem.shape == (128, 192)
    assert dem.cell_size == (30.0, 30.0)
    assert dem.crs == "EPSG:32611" and dem.source_crs is None
    assert (dem.transform.c, dem.transform.f) == pytest.approx((376313.655 + 1005 * 30, 3807917.828 - 192 * 30),
                                                               abs=1e-3)
    assert not np.isnan(dem.elevation).any()
    assert np.nanmin(dem.elevation) == 1354.0 and np.nanmax(dem.elevation) == 2295.0
    with rasterio.open(path) as dataset:  # the values, cell by cell, are the file's own
        np.testing.assert_array_equal(dem.elevation, dataset.read(1).astype(np.float64))


def test_dem_coordinate_helpers_round_trip_and_bilinear_is_exact_on_a_plane():
    rows, cols = np.indices((20, 30))
    plane = 100.0 + 2.0 * cols - 3.0 * rows
    dem = Dem.from_array(plane, (10.0, 20.0), origin=(1000.0, 5000.0))
    assert dem.bounds == (1000.0, 5000.0 - 400.0, 1300.0, 5000.0)
    x, y = dem.rowcol_to_xy(rows, cols)
    r, c = dem.xy_to_rowcol(x, y)
    np.testing.assert_array_equal(r, rows)
    np.testing.assert_array_equal(c, cols)
    rng = np.random.default_rng(3)
    col_f, row_f = rng.uniform(0, 29, 100), rng.uniform(0, 19, 100)
    x, y = dem.rowcol_to_xy(row_f, col_f)
    np.testing.assert_allclose(dem.elevation_at(x, y), 100.0 + 2.0 * col_f - 3.0 * row_f)
    assert dem.contains(1000.1, 4999.9) and not dem.contains(999.9, 4999.9)
    assert np.isnan(dem.elevation_at(1400.0, 4900.0))


def test_flat_dem():
    dem = flat_dem(50.0, (0.0, 0.0, 3000.0, 2000.0), 100.0)
    assert dem.shape == (20, 30)
    assert np.all(dem.elevation == 50.0)
    assert dem.bounds == (0.0, 0.0, 3000.0, 2000.0)


def test_geotiff_output_round_trips(tmp_path, data_dir):
    dem = load_dem(data_dir / "dem" / "storml_elev.tif")
    heights = masking_height(dem.elevation, dem.cell_size, 53, 71, 10.0, max_distance=1500.0)
    path = write_geotiff(tmp_path / "mask.tif", heights, dem)
    with rasterio.open(path) as dataset:
        assert dataset.shape == dem.shape
        assert dataset.transform == dem.transform
        assert CRS.from_user_input(dataset.crs.to_wkt()) == CRS.from_user_input(dem.crs)
        assert dataset.dtypes[0] == "float32" and math.isnan(dataset.nodata)
        values = dataset.read(1)
    np.testing.assert_array_equal(np.isnan(values), np.isnan(heights))
    np.testing.assert_array_equal(values, heights.astype(np.float32))


def test_viewshed_file_projected_dem(tmp_path, data_dir):
    # The raster centre of PROVENANCE.md's GDAL reference run.
    source = data_dir / "dem" / "storml_elev.tif"
    out = viewshed_file(source, 325621.072, 5103476.983, 10.0, tmp_path / "vs.tif")
    dem = load_dem(source)
    with rasterio.open(out) as dataset:
        values = dataset.read(1)
    expected = viewshed(dem, 325621.072, 5103476.983, 10.0)
    np.testing.assert_array_equal(values, expected.astype(np.float32))
    assert values[53, 71] == 0.0


def test_viewshed_file_geographic_dem_takes_lon_lat(tmp_path, data_dir):
    # The crop is about 24 km E-W by 22 km N-S around the summit; a circle of 8 km covers 200 km2 of it.
    out = viewshed_file(data_dir / "dem" / "n44w072_mt_washington.tif", -71.3033, 44.2706, 5.0, tmp_path / "vs.tif",
                        max_distance=8_000.0)
    with rasterio.open(out) as dataset:
        assert dataset.crs.to_epsg() == 32619
        x, y = Transformer.from_crs("EPSG:4326", "EPSG:32619", always_xy=True).transform(-71.3033, 44.2706)
        row, col = dataset.index(x, y)
        values = dataset.read(1)
        t = dataset.transform
    assert values[row, col] == 0.0
    assert np.isnan(values).mean() > 0.5  # most of the crop is beyond 8 km
    rows, cols = np.indices(values.shape)
    distance = np.hypot(t.c + (cols + 0.5) * t.a - x, t.f + (rows + 0.5) * t.e - y)
    assert not np.isnan(values[distance < 7_500.0]).any()  # the crop reaches beyond 8 km on every side
    assert np.isnan(values[distance > 8_500.0]).all()
    # from the summit of the range part of the ground within 8 km is in view, valleys are not
    in_range = values[~np.isnan(values)]
    assert 0.05 < np.mean(in_range == 0.0) < 0.95


def test_viewshed_observer_outside_dem_raises():
    dem = flat_dem(0.0, (0.0, 0.0, 1000.0, 1000.0), 100.0)
    with pytest.raises(ValueError, match="outside"):
        viewshed(dem, 1500.0, 500.0, 10.0)


@pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning")
def test_load_dem_without_crs_raises(tmp_path):
    path = tmp_path / "nocrs.tif"
    with rasterio.open(path, "w", driver="GTiff", width=4, height=3, count=1, dtype="float32") as dataset:
        dataset.write(np.zeros((3, 4), dtype=np.float32), 1)
    with pytest.raises(ValueError, match="no CRS"):
        load_dem(path)
