"""The compiled launch-envelope grid (iadsim.engine._kernels.intercept_grid) against the physics' intercept."""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.engine._kernels import intercept_grid
from iadsim.physics.kinematics import intercept


@pytest.mark.parametrize("seed", range(4))
def test_the_grid_is_the_physics_intercept_everywhere(seed):
    g = np.random.default_rng(seed)
    fire = g.normal(size=(5, 3)) * [20e3, 20e3, 100]
    position = g.normal(size=(3, 40, 3)) * [40e3, 40e3, 3e3]
    velocity = g.normal(size=(3, 40, 3)) * [300, 300, 20]
    speed = g.uniform(200, 1500, 5)
    # edge cases: a target at a launcher (c = 0), one as fast as the missile (linear), one at rest, one receding
    # faster than the missile (no intercept)
    position[0, 0] = fire[0]
    velocity[0, 1] = [speed[1], 0.0, 0.0]
    velocity[0, 2] = 0.0
    position[0, 3], velocity[0, 3] = fire[2] + [10e3, 0, 0], [3 * speed[2], 0, 0]
    ground, d = intercept_grid(fire, position, velocity, speed)
    _, point, ok = intercept(fire[None, :, None, :], position[:, None], velocity[:, None], speed[None, :, None])
    expected = point - fire[None, :, None, :]
    np.testing.assert_array_equal(np.isfinite(ground), ok)
    np.testing.assert_array_equal(d, expected)
    np.testing.assert_array_equal(ground[ok], np.hypot(expected[..., 0], expected[..., 1])[ok])
    assert ok[0, 0, 0] and ground[0, 0, 0] == 0 and not ok[0, 2, 3] and np.isnan(d[0, 2, 3]).all()


@pytest.mark.parametrize("seed", range(4))
def test_the_pointwise_intercept_is_the_physics_intercept(seed):
    """intercept_points (the engine's per-engagement geometry) gives the physics' numbers exactly, pair by pair,
    edge cases included."""
    from iadsim.engine._kernels import intercept_points
    g = np.random.default_rng(seed)
    n = 200
    fire = g.normal(size=(n, 3)) * [20e3, 20e3, 100]
    position = g.normal(size=(n, 3)) * [40e3, 40e3, 3e3]
    velocity = g.normal(size=(n, 3)) * [300, 300, 20]
    speed = g.uniform(200, 1500, n)
    position[0] = fire[0]  # at the launcher
    velocity[1] = [speed[1], 0.0, 0.0]  # as fast as the missile
    velocity[2] = 0.0  # at rest
    position[3], velocity[3] = fire[3] + [10e3, 0, 0], [3 * speed[3], 0, 0]  # receding faster: none
    tof, point, ok = intercept_points(fire, position, velocity, speed)
    tof_p, point_p, ok_p = intercept(fire, position, velocity, speed)
    np.testing.assert_array_equal(ok, ok_p)
    np.testing.assert_array_equal(tof, tof_p)
    np.testing.assert_array_equal(point, point_p)
    assert ok[0] and tof[0] == 0 and not ok[3] and np.isnan(point[3]).all() and ok.sum() > n // 2
