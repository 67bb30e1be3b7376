"""The compiled launch-envelope grid (iadsim.engine._kernels.envelope_grid) and each engagement's geometry
(engagement_points) against the physics' intercept and envelope."""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.engine._kernels import envelope_grid
from iadsim.physics.kinematics import in_launch_envelope, intercept


@pytest.mark.parametrize("seed", range(4))
def test_the_envelope_grid_is_the_physics_envelope_everywhere(seed):
    """For fire units with a box envelope the compiled grid is the physics' intercept inside the physics' box,
    pair by pair; for the others, every pair the physics could place within the longest range is left to the
    engine, and the bound that skips pairs does skip some."""
    g = np.random.default_rng(seed)
    n_f, n, n_t = 6, 3, 60
    fire = g.normal(size=(n_f, 3)) * [20e3, 20e3, 100]
    position = g.normal(size=(n, n_t, 3)) * [60e3, 60e3, 3e3]
    velocity = g.normal(size=(n, n_t, 3)) * [300, 300, 20]
    speed = g.uniform(200, 1500, n_f)
    # edge cases: a target at a launcher (c = 0), one as fast as the missile (linear), one at rest, one receding
    # faster than the missile (no intercept)
    position[0, 0] = fire[0]
    velocity[0, 1] = [speed[1], 0.0, 0.0]
    velocity[0, 2] = 0.0
    position[0, 3], velocity[0, 3] = fire[2] + [10e3, 0, 0], [3 * speed[2], 0, 0]
    height = np.abs(g.normal(size=(n, n_t))) * 5e3
    target_speed = np.linalg.norm(velocity, axis=-1)
    lo, hi = g.uniform(0, 5e3, n_f), g.uniform(20e3, 60e3, n_f)
    low, high, fastest = g.uniform(0, 50, n_f), g.uniform(3e3, 9e3, n_f), g.uniform(300, 600, n_f)
    reach = hi * g.uniform(1.0, 1.5, n_f)
    plain = np.arange(n_f) % 2 == 0
    inside, maybe = envelope_grid(fire, position, velocity, speed, height, target_speed, lo, hi, low, high,
                                  fastest, reach, plain)
    _, point, ok = intercept(fire[None, :, None, :], position[:, None], velocity[:, None], speed[None, :, None])
    ground = np.where(ok, np.hypot(point[..., 0] - fire[None, :, None, 0], point[..., 1] - fire[None, :, None, 1]),
                      np.inf)
    limits = (height[:, None, :] >= low[None, :, None]) & (height[:, None, :] <= high[None, :, None]) & (
        target_speed[:, None, :] <= fastest[None, :, None])
    expected = in_launch_envelope(ground, height[:, None, :], target_speed[:, None, :], lo[None, :, None],
                                  hi[None, :, None], low[None, :, None], high[None, :, None], fastest[None, :, None])
    np.testing.assert_array_equal(inside[:, plain], expected[:, plain])
    assert not inside[:, ~plain].any() and not maybe[:, plain].any()
    possible = limits & (ground <= reach[None, :, None])
    assert (maybe | ~possible)[:, ~plain].all()  # nothing the physics could place within reach is skipped
    assert not (maybe & ~limits).any()
    assert 0 < maybe[:, ~plain].sum() < (limits & ok)[:, ~plain].sum()  # some pairs are skipped by the bound
    assert expected[:, plain].any()


@pytest.mark.parametrize("seed", range(4))
def test_engagement_points_are_the_physics_intercept_and_envelope(seed):
    """engagement_points (each engagement's geometry at its own time) gives the physics' intercept exactly, and
    for the fire units with a box envelope whether it lies in the physics' envelope; the others are left False
    (the engine's numpy rule decides them)."""
    from iadsim.engine._kernels import engagement_points
    g = np.random.default_rng(seed)
    n_f, n = 7, 300
    fire = g.normal(size=(n_f, 3)) * [20e3, 20e3, 100]
    speed = g.uniform(200, 1500, n_f)
    ff = g.integers(0, n_f, n)
    position = g.normal(size=(n, 3)) * [40e3, 40e3, 3e3]
    velocity = g.normal(size=(n, 3)) * [300, 300, 20]
    position[0] = fire[ff[0]]  # at the launcher
    velocity[1] = [speed[ff[1]], 0.0, 0.0]  # as fast as the missile
    position[2], velocity[2] = fire[ff[2]] + [10e3, 0, 0], [3 * speed[ff[2]], 0, 0]  # receding faster: none
    velocity[3] = 0.0  # at rest
    height = np.abs(g.normal(size=n)) * 5e3
    target_speed = np.linalg.norm(velocity, axis=-1)
    lo, hi = g.uniform(0, 5e3, n_f), g.uniform(20e3, 60e3, n_f)
    low, high, fastest = g.uniform(0, 50, n_f), g.uniform(3e3, 9e3, n_f), g.uniform(300, 600, n_f)
    plain = np.arange(n_f) % 3 != 0
    tof, point, ok, inside = engagement_points(fire, ff, position, velocity, speed, height, target_speed, lo, hi,
                                               low, high, fastest, plain)
    tof_p, point_p, ok_p = intercept(fire[ff], position, velocity, speed[ff])
    np.testing.assert_array_equal(ok, ok_p)
    np.testing.assert_array_equal(tof, tof_p)
    np.testing.assert_array_equal(point, point_p)
    assert ok[0] and tof[0] == 0 and ok[3] and not ok[2] and np.isnan(point[2]).all() and ok.sum() > n // 2
    ground = np.where(ok_p, np.hypot(point_p[:, 0] - fire[ff, 0], point_p[:, 1] - fire[ff, 1]), np.inf)
    expected = in_launch_envelope(ground, height, target_speed, lo[ff], hi[ff], low[ff], high[ff], fastest[ff])
    np.testing.assert_array_equal(inside[plain[ff]], expected[plain[ff]])
    assert not inside[~plain[ff]].any()
    assert 0 < expected[plain[ff]].sum() < plain[ff].sum()  # both answers occur


def test_the_engine_reads_the_worlds_float32_velocities_in_double():
    """The world stores velocities and heights in float32; each engagement's geometry is still the physics'
    intercept in float64 arithmetic on the stored values (not float32 arithmetic inside the kernels)."""
    from iadsim.engine import Engine, build_world
    from iadsim.engine.phases import engagement_geometry, position_at
    from iadsim.scenario import load_scenario

    from ._scenarios import EXAMPLES

    world = build_world(load_scenario(EXAMPLES / "airbase-as-designed.yaml"))
    assert world.velocity.dtype == np.float32 and world.height_agl.dtype == np.float32
    ctx = Engine(world, np.arange(1)).ctx
    k = int(np.argmax(world.active.sum(axis=1)))  # the step with the most aircraft flying
    f, t = (a.ravel() for a in np.meshgrid(np.arange(len(world.fire_ids)), np.flatnonzero(world.active[k])))
    when = np.full(len(f), world.times[k] + 0.3)
    tof, point, inside = engagement_geometry(ctx, k, f, t, when)
    tof_p, point_p, ok_p = intercept(world.fire_position[f], position_at(world, k, t, when),
                                     world.velocity[k, t].astype(np.float64), ctx.speed[f])
    assert inside.any()
    np.testing.assert_array_equal(tof[inside], tof_p[inside])
    np.testing.assert_array_equal(point[inside], point_p[inside])
