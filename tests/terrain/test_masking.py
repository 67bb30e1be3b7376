"""Masking heights: closed-form cases (smooth earth, a wall, a pit), the sweep against the exact ray
cast on a real DEM, nodata, max_distance and argument checks."""

import math

import numpy as np
import pytest
import rasterio

from iadsim.terrain import masking_height, masking_height_at, masking_heights
from iadsim.units import EARTH_RADIUS

METHODS = ["sweep", "exact"]


def smooth_earth_min_visible_height(distance, observer_height, k):
    """Lowest visible target height over a smooth earth of effective radius kR.

    The radio horizon of an antenna at height h is d_h = sqrt(2 k R h) (the 4/3-earth horizon,
    Skolnik, *Introduction to Radar Systems*, 3rd ed., Sec. 8.2); a target
    at distance d > d_h must rise above the tangent ray, i.e. h_t = (d - d_h)**2 / (2 k R).
    """
    horizon = np.sqrt(2.0 * k * EARTH_RADIUS * observer_height)
    return np.where(distance > horizon, (distance - horizon) ** 2 / (2.0 * k * EARTH_RADIUS), 0.0)


@pytest.mark.parametrize("method", METHODS)
def test_flat_earth_matches_smooth_earth_horizon_formula(method):
    # 30 m mast over a 4/3 earth: horizon sqrt(2 kR 30) = 22.6 km; the grid reaches 34 km diagonally.
    n, cell, r0, h, k = 161, 300.0, 80, 30.0, 4.0 / 3.0
    got = masking_height(np.zeros((n, n)), cell, r0, r0, h, k=k, method=method)
    rows, cols = np.indices((n, n))
    distance = cell * np.hypot(rows - r0, cols - r0)
    expected = smooth_earth_min_visible_height(distance, h, k)
    assert expected.max() > 5.0  # the test reaches well beyond the horizon
    # The terrain is sampled every <= 300 m; near the horizon the slope is flat to second order, so
    # the discrete maximum is within ~1 cm of the continuous one.
    np.testing.assert_allclose(got, expected, rtol=1e-3, atol=0.02)


@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("method", METHODS)
def test_single_wall_casts_the_analytic_shadow(method, transpose):
    # Flat ground, a straight wall 40 m high one cell wide at column 30, eye 10 m up at column 10,
    # flat earth. Over any target behind the wall the line of sight must clear the wall's top, which
    # the line meets at the fraction (30 - 10) / (c - 10) of its length, whatever the row:
    # masking = 10 + (40 - 10) (c - 10) / (30 - 10) for c > 30.
    z = np.zeros((61, 80))
    z[:, 30] = 40.0
    r0, c0, h = 30, 10, 10.0
    cols = np.arange(80)
    expected_row = np.where(cols > 30, h + (40.0 - h) * (cols - c0) / (30 - c0), 0.0)
    expected = np.broadcast_to(expected_row, z.shape)
    if transpose:  # the same wall across rows exercises the other octants
        z, expected, r0, c0 = z.T, expected.T, c0, r0
    got = masking_height(z, 25.0, r0, c0, h, k=math.inf, method=method)
    if method == "exact":
        np.testing.assert_allclose(got, expected, atol=1e-9)
    else:
        # The sweep interpolates the horizon slope between rays less than a cell apart; behind a
        # straight wall the slope varies smoothly with azimuth, so the error stays below 0.5 %.
        np.testing.assert_allclose(got, expected, rtol=5e-3, atol=1e-6)


@pytest.mark.parametrize("method", METHODS)
def test_observer_in_a_pit_sees_over_the_rim(method):
    # Ground at 100 m with a square pit 50 m deep (|dr|, |dc| <= 5 cells) around a 2 m eye. The rim
    # (first ground at 100 m) is met at the fraction 6 / max(|dr|, |dc|) of the line of sight, so a
    # target at Chebyshev distance n >= 6 needs 52 + 48 n / 6 - 100 = 48 (n / 6 - 1).
    n, r0 = 41, 20
    z = np.full((n, n), 100.0)
    z[r0 - 5 : r0 + 6, r0 - 5 : r0 + 6] = 50.0
    rows, cols = np.indices((n, n))
    chebyshev = np.maximum(abs(rows - r0), abs(cols - r0))
    expected = np.where(chebyshev >= 6, 48.0 * (chebyshev / 6.0 - 1.0), 0.0)
    got = masking_height(z, 10.0, r0, r0, 2.0, k=math.inf, method=method)
    if method == "exact":
        np.testing.assert_allclose(got, expected, atol=1e-9)
    else:
        np.testing.assert_allclose(got, expected, rtol=0.02, atol=1e-6)


@pytest.fixture(scope="module")
def storml(data_dir):
    with rasterio.open(data_dir / "dem" / "storml_elev.tif") as dataset:
        return dataset.read(1).astype(np.float64), abs(dataset.transform.a)


@pytest.mark.parametrize("observer", [(53, 71), (0, 0), (106, 142), (0, 142), (50, 0), (10, 100)])
def test_sweep_against_exact_ray_cast_on_storm_lake(storml, observer):
    # Real 30 m DEM, 143 x 107 cells, mountainous (2438-3046 m). The sweep takes the same samples as
    # the exact ray cast along rays through cell centres and interpolates the horizon slope between
    # two rays less than a cell apart elsewhere, so it can only err where the horizon changes
    # abruptly with azimuth. Measured here: p99 |error| 0.7-1.6 m, bias < 0.01 m, misclassified
    # <= 0.12 % at 0 m and <= 0.09 % above (GDAL's Wang et al. interpolation: 0.3-1.4 %,
    # benchmarks/bench_viewshed.py). The bounds leave about 2x margin.
    z, cell = storml
    fast = masking_height(z, cell, *observer, 10.0)
    exact = masking_height(z, cell, *observer, 10.0, method="exact")
    error = fast - exact
    assert np.percentile(abs(error), 99) < 3.0
    assert abs(error.mean()) < 0.05
    for height, bound in [(0.0, 0.003), (10.0, 0.002), (30.0, 0.002), (100.0, 0.002), (300.0, 0.002)]:
        assert np.mean((fast <= height) != (exact <= height)) <= bound, height


def test_storm_lake_matches_gdal_reference_visible_count(storml):
    # tests/data/dem/PROVENANCE.md: GDAL 3.6.2 `gdal_viewshed -oz 10 -cc 0.85714` at the raster
    # centre (row 53, col 71) sees 4055 of 15301 cells. GDAL misclassifies ~0.3 % of the cells here
    # (see the benchmark), so the exact count may differ from it by a few tens of cells.
    z, cell = storml
    exact = masking_height(z, cell, 53, 71, 10.0, k=1 / 0.85714, method="exact")
    assert abs(int((exact == 0).sum()) - 4055) <= 40


def test_masking_height_at_equals_exact_grid(storml):
    z, cell = storml
    rng = np.random.default_rng(7)
    rows, cols = rng.integers(0, z.shape[0], 300), rng.integers(0, z.shape[1], 300)
    grid = masking_height(z, cell, 20, 30, 5.0, method="exact")
    np.testing.assert_array_equal(masking_height_at(z, cell, 20, 30, 5.0, rows, cols), grid[rows, cols])


def test_masking_heights_batch_equals_one_by_one(storml):
    z, cell = storml
    rows, cols = np.array([0, 53, 106]), np.array([5, 71, 140])
    batch = masking_heights(z, cell, rows, cols, [2.0, 10.0, 30.0])
    for i, (r, c, h) in enumerate(zip(rows, cols, [2.0, 10.0, 30.0], strict=True)):
        np.testing.assert_array_equal(batch[i], masking_height(z, cell, r, c, h))


def test_masking_heights_with_max_distance_equals_one_by_one(storml):
    z, cell = storml
    rows, cols = np.array([0, 53, 106]), np.array([5, 71, 140])
    batch = masking_heights(z, cell, rows, cols, 10.0, max_distance=1500.0)
    for i, (r, c) in enumerate(zip(rows, cols, strict=True)):
        np.testing.assert_array_equal(batch[i], masking_height(z, cell, r, c, 10.0, max_distance=1500.0))


@pytest.mark.parametrize("chunk", [1, 3, 7, 64, 1000])
def test_sweep_does_not_depend_on_how_rays_are_split_into_tasks(storml, chunk):
    # The rays of a task are stepped together and the task fills the cells between its first and last
    # ray; every ray is cast the same way whatever its task, so any split gives the same bits. Small
    # chunks exercise the task edges (first/last ray, the phantom ray beyond the last octant edge).
    from iadsim.terrain import _kernels
    from iadsim.terrain.masking import DEFAULT_K

    z, cell = storml
    z = np.ascontiguousarray(z[5:90, 10:130])  # not square, observers near edges and corners
    z.flags.writeable = False
    curv = 1.0 / (2.0 * DEFAULT_K * EARTH_RADIUS)
    rows, cols = np.array([0, 40, 84, 3, 80]), np.array([0, 60, 119, 110, 2])
    heights = np.array([2.0, 10.0, 30.0, 5.0, 10.0])
    reference = masking_heights(z, cell, rows, cols, heights)
    out = np.empty((rows.size, z.size))
    window = np.array([0, z.shape[0] - 1, 0, z.shape[1] - 1])
    _kernels.sweep_masking_heights(z, cell, cell, rows, cols, heights, curv, math.inf, chunk, window, out)
    np.testing.assert_array_equal(out.reshape(reference.shape), reference)


@pytest.mark.parametrize("chunk", [1, 3, 7, 64, 1000])
def test_eyes_sharing_a_cell_do_not_depend_on_how_rays_are_split_into_tasks(storml, chunk):
    # Observers on one cell (eyes at several heights) are swept together, sharing the rays' stepping and
    # samples; each eye must still get exactly the sweep of its own, whatever the split into tasks.
    from iadsim.terrain import _kernels
    from iadsim.terrain.masking import DEFAULT_K

    z, cell = storml
    z = np.ascontiguousarray(z[5:90, 10:130])
    z.flags.writeable = False
    curv = 1.0 / (2.0 * DEFAULT_K * EARTH_RADIUS)
    rows, cols = np.array([40, 0, 40, 84, 40, 84, 3]), np.array([60, 0, 60, 119, 60, 119, 110])
    heights = np.array([2.0, 10.0, 30.0, 5.0, 10.0, 0.5, 5.0])
    out = np.empty((rows.size, z.size))
    window = np.array([0, z.shape[0] - 1, 0, z.shape[1] - 1])
    _kernels.sweep_masking_heights(z, cell, cell, rows, cols, heights, curv, math.inf, chunk, window, out)
    for i in range(rows.size):
        np.testing.assert_array_equal(out[i].reshape(z.shape), masking_height(z, cell, rows[i], cols[i], heights[i]))


@pytest.mark.parametrize("max_distance", [None, 1500.0])
def test_eyes_sharing_a_cell_get_their_own_sweeps(storml, max_distance):
    # Repeated cells in any order (one eye twice at the same height), rectangular cells, a lone observer.
    z, cell = storml
    size = (cell, 1.3 * cell)
    rows, cols = np.array([53, 0, 53, 106, 53, 0, 20]), np.array([71, 5, 71, 140, 71, 5, 30])
    heights = np.array([2.0, 10.0, 30.0, 5.0, 2.0, 0.0, 10.0])
    batch = masking_heights(z, size, rows, cols, heights, max_distance=max_distance)
    for i in range(rows.size):
        expected = masking_height(z, size, rows[i], cols[i], heights[i], max_distance=max_distance)
        np.testing.assert_array_equal(batch[i], expected)


def test_masking_heights_overwrites_every_cell_of_a_given_out(storml):
    # A buffer reused batch after batch still holds the last sweeps: every cell is written again, NaN beyond
    # max_distance included (the kernel fills those itself; nothing is pre-filled).
    z, cell = storml
    size = (cell, 0.7 * cell)
    rows, cols, heights = np.array([0, 53, 106, 53]), np.array([5, 71, 140, 71]), [2.0, 10.0, 30.0, 20.0]
    out = np.full((4, *z.shape), 1234.5)
    got = masking_heights(z, size, rows, cols, heights, max_distance=1700.0, out=out)
    assert got is out
    for i in range(rows.size):
        expected = masking_height(z, size, rows[i], cols[i], heights[i], max_distance=1700.0)
        assert np.isnan(expected).any() and not np.isnan(expected).all()
        np.testing.assert_array_equal(out[i], expected)


@pytest.mark.parametrize("chunk", [1, 3, 7, 256])
@pytest.mark.parametrize("max_distance", [math.inf, 1200.0])
def test_a_window_gets_the_whole_grids_values_inside_and_nan_outside(storml, chunk, max_distance):
    # The rays are stepped only as far as the window's cells need: inside it, the values of a sweep of the
    # whole grid, bit for bit (lone observers and eyes sharing a cell, any split of the rays into tasks).
    from iadsim.terrain import _kernels
    from iadsim.terrain.masking import DEFAULT_K

    z, cell = storml
    z = np.ascontiguousarray(z)
    z.flags.writeable = False
    curv = 1.0 / (2.0 * DEFAULT_K * EARTH_RADIUS)
    window = np.array([20, 80, 30, 100])  # rows 20-80, columns 30-100 of 107 x 143
    rows, cols = np.array([50, 21, 50, 79, 50]), np.array([60, 31, 60, 99, 60])
    heights = np.array([2.0, 10.0, 30.0, 5.0, 10.0])
    out = np.full((rows.size, z.size), 99.0)
    _kernels.sweep_masking_heights(z, cell, 1.2 * cell, rows, cols, heights, curv, max_distance, chunk, window, out)
    inside = np.zeros(z.shape, bool)
    inside[20:81, 30:101] = True
    for i in range(rows.size):
        full = masking_height(z, (cell, 1.2 * cell), rows[i], cols[i], heights[i],
                              max_distance=None if math.isinf(max_distance) else max_distance)
        np.testing.assert_array_equal(out[i].reshape(z.shape), np.where(inside, full, np.nan))
        assert np.isfinite(full[~inside]).any()


def test_a_window_must_hold_every_observer_and_lie_on_the_grid(storml):
    z, cell = storml
    with pytest.raises(ValueError, match=r"window \(20, 80, 30, 100\) does not hold every observer"):
        masking_heights(z, cell, [53, 10], [71, 71], 10.0, window=(20, 80, 30, 100))
    with pytest.raises(ValueError, match="window must be"):
        masking_heights(z, cell, [53], [71], 10.0, window=(20, 107, 30, 100))
    got = masking_heights(z, cell, [53], [71], 10.0, window=(53, 53, 71, 71))  # the observer's cell alone
    assert got[0, 53, 71] == 0.0 and np.isnan(np.delete(got.ravel(), 53 * 143 + 71)).all()


@pytest.mark.parametrize("out", [np.empty((2, 107, 143)), np.empty((1, 107, 143), np.float32),
                                 np.empty((1, 143, 107)).transpose(0, 2, 1)])
def test_masking_heights_refuses_an_out_of_the_wrong_shape_type_or_layout(storml, out):
    z, cell = storml
    assert z.shape == (107, 143)
    with pytest.raises(ValueError, match="out must be a writeable C-contiguous float64 array of shape"):
        masking_heights(z, cell, [53], [71], 10.0, out=out)


@pytest.mark.parametrize("method", METHODS)
def test_nodata_gives_nan_and_does_not_block(method):
    # Flat ground with a NaN "lake" between the observer and the far cells, and a NaN column.
    z = np.full((40, 50), 200.0)
    z[15:25, 10:20] = np.nan
    z[:, 35] = np.nan
    got = masking_height(z, 30.0, 20, 2, 5.0, k=math.inf, method=method)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(z))
    assert np.all(got[~np.isnan(z)] == 0.0)  # nothing blocks on a flat plain


def test_nodata_does_not_block_a_wall_behind_it():
    # A wall behind a void still shadows: the void is skipped, not treated as low ground.
    z = np.zeros((21, 40))
    z[:, 20] = 50.0
    z[8:13, 5:15] = np.nan
    for method in METHODS:
        got = masking_height(z, 10.0, 10, 0, 10.0, k=math.inf, method=method)
        assert got[10, 30] == pytest.approx(10.0 + 40.0 * 30 / 20, rel=5e-3)


@pytest.mark.parametrize("method", METHODS)
def test_max_distance_gives_nan_beyond(method, storml):
    z, cell = storml
    got = masking_height(z, (cell, cell), 53, 71, 10.0, max_distance=1000.0, method=method)
    rows, cols = np.indices(z.shape)
    distance = cell * np.hypot(rows - 53, cols - 71)
    np.testing.assert_array_equal(np.isnan(got), distance > 1000.0)
    full = masking_height(z, cell, 53, 71, 10.0, method=method)
    inside = distance <= 1000.0
    if method == "exact":
        np.testing.assert_array_equal(got[inside], full[inside])
    else:  # the sweep casts fewer rays when the range is cut, so it interpolates differently
        assert np.percentile(abs(got[inside] - full[inside]), 99) < 3.0


def test_rectangular_cells_use_both_spacings():
    # Flat earth with dx != dy: the distances (and so the curvature drop) follow each axis' spacing.
    k, h = 4.0 / 3.0, 10.0
    got = masking_height(np.zeros((101, 101)), (200.0, 400.0), 50, 50, h, k=k)
    rows, cols = np.indices(got.shape)
    expected = smooth_earth_min_visible_height(np.hypot(200.0 * (cols - 50), 400.0 * (rows - 50)), h, k)
    np.testing.assert_allclose(got, expected, rtol=1e-3, atol=0.02)


@pytest.mark.parametrize("row, col", [(-1, 0), (0, -1), (10, 0), (0, 12)])
def test_observer_outside_grid_raises(row, col):
    with pytest.raises(ValueError, match="outside"):
        masking_height(np.zeros((10, 12)), 30.0, row, col, 10.0)


def test_invalid_arguments_raise():
    z = np.zeros((10, 12))
    z[3, 3] = np.nan
    with pytest.raises(ValueError, match="nodata"):
        masking_height(z, 30.0, 3, 3, 10.0)
    with pytest.raises(ValueError, match="unknown method"):
        masking_height(z, 30.0, 0, 0, 10.0, method="wang")
    with pytest.raises(ValueError, match="cell_size"):
        masking_height(z, -30.0, 0, 0, 10.0)
    with pytest.raises(ValueError, match="2-D"):
        masking_height(np.zeros(10), 30.0, 0, 0, 10.0)
    with pytest.raises(ValueError, match="max_distance"):
        masking_height(z, 30.0, 0, 0, 10.0, max_distance=0.0)
