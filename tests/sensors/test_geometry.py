"""The terrain-aware path geometry: the local relief, the reflecting surface found at the specular point in
the DEM (a summit radar reflects off the plain), the broken-ground rule (a specular point behind a ridge
gives no coherent reflection), the fallback off the DEM, and the line-of-sight rule that lets the earth's
curvature, but not a ridge, be crossed by diffraction. References computed here from the synthetic DEMs."""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.physics.propagation import min_visible_height
from iadsim.sensors import CURVATURE_TOLERANCE, Geometry, line_of_sight, path_geometry
from iadsim.terrain import Dem, local_relief, masking_height

CELL = 100.0


def _dem(elevation: np.ndarray) -> Dem:
    """A DEM of 100 m cells centred on the origin (cell centres at odd multiples of 50 m)."""
    n_rows, n_cols = elevation.shape
    return Dem.from_array(elevation, CELL, (-n_cols * CELL / 2, n_rows * CELL / 2))


def _grid(n: int):
    centres = (np.arange(n) + 0.5) * CELL - n * CELL / 2
    return np.meshgrid(centres, -centres)


def _path(dem: Dem, site_xy, mast: float, target_xyz, target_agl, roughness=1.0):
    row, col = dem.xy_to_rowcol(*site_xy)
    ground = float(dem.elevation[row, col])
    mask = masking_height(dem.elevation, dem.cell_size, int(row), int(col), mast, max_distance=200e3)
    relief = local_relief(dem.elevation, dem.cell_size)
    x, y, z = (np.atleast_1d(np.asarray(v, float)) for v in target_xyz)
    return path_geometry(dem, relief, mask, (site_xy[0], site_xy[1], ground), ground + mast, x, y, z,
                         np.atleast_1d(target_agl), surface="medium-dry-ground", roughness=roughness)


def test_local_relief_is_the_window_standard_deviation():
    assert np.allclose(local_relief(np.full((40, 40), 250.0), (30.0, 30.0)), 0.0)
    # a ramp of 1 m per cell eastwards: in a 5 x 5 window the heights are 5 equal columns of a 0..4 ramp
    ramp = np.tile(np.arange(60, dtype=float), (60, 1))
    inner = local_relief(ramp, (100.0, 100.0), window=500.0)[10:-10, 10:-10]
    assert np.allclose(inner, np.std(np.arange(5.0)))
    noise = np.random.default_rng(3).normal(0.0, 7.0, (200, 200))
    assert np.nanmedian(local_relief(noise, (30.0, 30.0))) == pytest.approx(7.0, rel=0.05)


def test_a_summit_radar_reflects_off_the_plain():
    x, y = _grid(801)
    cone = 100.0 + 600.0 * np.clip(1 - np.hypot(x, y) / 5e3, 0, None)
    dem = _dem(cone)
    path = _path(dem, (50.0, -50.0), 10.0, (-30e3 + 50, -50.0, 150.0), 50.0)
    summit = float(dem.elevation[dem.xy_to_rowcol(50.0, -50.0)])
    assert path.antenna_height[0] == pytest.approx(summit + 10.0 - 100.0)  # above the plain, not 10 m
    assert path.target_surface_height[0] == pytest.approx(50.0)
    assert path.specular[0] and path.height_std[0] == pytest.approx(1.0)  # smooth plain: its own roughness only
    valley = _path(dem, (-20e3 + 50, -50.0), 10.0, (-30e3 + 50, -50.0, 150.0), 50.0)
    assert valley.antenna_height[0] == pytest.approx(10.0)


def test_a_specular_point_behind_a_ridge_gives_no_reflection():
    x, y = _grid(801)
    ridge = 100.0 + 250.0 * np.exp(-(((x + 3e3) / 300.0) ** 2))  # a ridge 3 km west of the radar
    dem = _dem(ridge)
    # a high target 20 km west: the flat-earth specular point is about 10 m / 3010 m x 20 km = 70 m out... a
    # low one puts it behind the ridge, where the antenna does not see the ground
    high = _path(dem, (50.0, -50.0), 10.0, (-20e3 + 50, -50.0, 3100.0), 3000.0)
    low = _path(dem, (50.0, -50.0), 10.0, (-20e3 + 50, -50.0, 130.0), 30.0)
    assert high.specular[0]
    assert not low.specular[0]  # 10 / (10 + 30) x 20 km = 5 km out: behind the ridge


def test_the_dems_relief_adds_to_the_roughness_in_quadrature():
    x, y = _grid(401)
    rough = np.where((x < -5e3) & (x > -15e3), np.random.default_rng(1).normal(0.0, 5.0, x.shape), 0.0)
    dem = _dem(100.0 + rough)
    path = _path(dem, (50.0, -50.0), 10.0, (-20e3 + 50, -50.0, 110.0), 10.0)  # specular point 10 km out
    relief = local_relief(dem.elevation, dem.cell_size)[dem.xy_to_rowcol(-10e3 + 50, -50.0)]
    assert relief == pytest.approx(5.0, rel=0.2)
    assert path.height_std[0] == pytest.approx(np.hypot(1.0, relief), rel=0.05)


def test_off_the_dem_the_scenarios_surface_still_reflects():
    dem = _dem(np.full((101, 101), 100.0))  # 10 km square
    path = _path(dem, (50.0, -50.0), 10.0, (-40e3, -50.0, 110.0), 10.0)  # specular point 20 km out: off the DEM
    assert path.specular[0] and path.antenna_height[0] == pytest.approx(10.0)
    assert np.isnan(path.masking_height[0])  # the target itself is off the DEM: not visible to a sensor


def test_line_of_sight_lets_curvature_but_not_a_ridge_be_crossed():
    x, y = _grid(1201)
    flat = _dem(np.full(x.shape, 100.0))
    d = 55e3  # beyond the horizon of 10 m and 30 m (35.6 km)
    below = _path(flat, (50.0, -50.0), 10.0, (-d + 50, -50.0, 130.0), 30.0)
    assert below.masking_height[0] > 30.0  # hidden ...
    assert below.masking_height[0] == pytest.approx(float(min_visible_height(10.0, d - 100.0)), abs=15.0)
    assert line_of_sight(below)[0]  # ... by the curvature only: diffraction decides
    ridged = _dem(np.where(np.abs(x + 20e3) < 150.0, 400.0, 100.0))
    behind = _path(ridged, (50.0, -50.0), 10.0, (-d + 50, -50.0, 130.0), 30.0)
    assert behind.masking_height[0] > below.masking_height[0] + CURVATURE_TOLERANCE
    assert not line_of_sight(behind)[0]
    level = Geometry.flat(10e3, 10.0, 50.0, masking_height=0.0)
    assert line_of_sight(level)
