"""Constant-speed intercept geometry and launch envelopes."""

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from iadsim.physics.kinematics import in_launch_envelope, intercept, time_of_flight

ORIGIN = np.zeros(3)


def test_crossing_target_right_triangle():
    # Collision triangle with the target crossing at right angles: (s t)^2 = d^2 + (v t)^2,
    # t = d / sqrt(s^2 - v^2). d = 100, v = 10, s = 20 -> t = 5.7735 s, meeting point (100, 57.735, 0).
    t, point, ok = intercept(ORIGIN, [100.0, 0.0, 0.0], [0.0, 10.0, 0.0], 20.0)
    assert ok and t == pytest.approx(100.0 / np.sqrt(300.0), rel=1e-14)
    np.testing.assert_allclose(point, [100.0, 10.0 * t, 0.0], rtol=1e-14)


def test_head_on_tail_chase_and_escape():
    d, v, s = 30e3, 300.0, 1000.0
    assert time_of_flight(ORIGIN, [d, 0, 0], [-v, 0, 0], s) == pytest.approx(d / (s + v), rel=1e-14)
    assert time_of_flight(ORIGIN, [d, 0, 0], [v, 0, 0], s) == pytest.approx(d / (s - v), rel=1e-14)
    t, point, ok = intercept(ORIGIN, [d, 0, 0], [1200.0, 0, 0], s)  # receding faster than the missile
    assert not ok and t == np.inf and np.isnan(point).all()


def test_equal_speeds_linear_case():
    # |a| = 0: only a closing target can be caught, at t = d / (2 v) head-on.
    assert time_of_flight(ORIGIN, [1000.0, 0, 0], [-50.0, 0, 0], 50.0) == pytest.approx(10.0)
    assert time_of_flight(ORIGIN, [1000.0, 0, 0], [50.0, 0, 0], 50.0) == np.inf
    assert time_of_flight(ORIGIN, ORIGIN, [50.0, 0, 0], 50.0) == 0.0


def test_launch_delay_shifts_target():
    # A delay tau is the same as starting from the target's position tau later.
    target, velocity = np.array([20e3, 5e3, 3e3]), np.array([-200.0, 50.0, 0.0])
    delayed = time_of_flight(ORIGIN, target, velocity, 800.0, launch_delay=4.0)
    assert delayed == pytest.approx(time_of_flight(ORIGIN, target + 4.0 * velocity, velocity, 800.0), rel=1e-14)


def test_broadcasts_launchers_by_targets():
    launchers = np.array([[0.0, 0.0, 0.0], [5e3, 0.0, 0.0]])[:, None, :]
    targets = np.array([[30e3, 1e3, 2e3], [10e3, -4e3, 500.0], [60e3, 0.0, 8e3]])[None, :, :]
    velocities = np.array([[-250.0, 0.0, 0.0], [0.0, 200.0, 0.0], [-600.0, 0.0, 0.0]])[None, :, :]
    speeds = np.array([[900.0], [700.0]])
    t, points, ok = intercept(launchers, targets, velocities, speeds)
    assert t.shape == ok.shape == (2, 3) and points.shape == (2, 3, 3)
    for i in range(2):
        for j in range(3):
            single = time_of_flight(launchers[i, 0], targets[0, j], velocities[0, j], speeds[i, 0])
            assert t[i, j] == pytest.approx(single, rel=1e-14)


finite = st.floats(-5e4, 5e4, allow_nan=False)


@given(
    target=st.tuples(finite, finite, st.floats(0, 2e4)),
    velocity=st.tuples(st.floats(-700, 700), st.floats(-700, 700), st.floats(-100, 100)),
    speed=st.floats(100.0, 2000.0),
    delay=st.floats(0.0, 20.0),
)
# a target as fast as the missile closing by a hair: the root (3e182 s) puts the meeting point beyond any float
@example(target=(0.0, -1.4867085145256815e-183, 1.0), velocity=(0.0, 100.0, 0.0), speed=100.0, delay=0.0)
def test_intercept_point_is_reached_at_missile_speed(target, velocity, speed, delay):
    t, point, ok = intercept(ORIGIN, np.array(target), np.array(velocity), speed, delay)
    if ok:
        assert t >= 0.0
        np.testing.assert_allclose(point, np.array(target) + np.array(velocity) * (t + delay), rtol=1e-9, atol=1e-6)
        assert np.linalg.norm(point) == pytest.approx(speed * t, rel=1e-8, abs=1e-6)
    else:
        # No root: the target must be at least as fast as the missile.
        assert np.linalg.norm(velocity) >= speed * (1 - 1e-9)


def test_launch_envelope_broadcasting_and_edges():
    ground_range = np.array([[1e3, 20e3, 50e3], [1e3, 20e3, 50e3]])
    altitude = np.array([[50.0, 5e3, 30e3]])
    speed = np.array([[200.0, 300.0, 1200.0]])
    inside = in_launch_envelope(
        ground_range,
        altitude,
        speed,
        min_range=np.array([[2e3], [0.5e3]]),
        max_range=np.array([[40e3], [100e3]]),
        min_altitude=10.0,
        max_altitude=np.array([[25e3], [35e3]]),
        max_target_speed=np.array([[1000.0], [1500.0]]),
    )
    np.testing.assert_array_equal(inside, [[False, True, False], [True, True, True]])
    assert in_launch_envelope(2e3, 10.0, 0.0, 2e3, 2e3, 10.0, 10.0, 0.0) is True


@pytest.mark.parametrize(
    "call",
    [
        lambda: intercept(ORIGIN, [1.0, 2.0], [0.0, 0.0, 0.0], 10.0),
        lambda: intercept(ORIGIN, ORIGIN, ORIGIN, 0.0),
        lambda: intercept(ORIGIN, ORIGIN, ORIGIN, 10.0, launch_delay=-1.0),
        lambda: in_launch_envelope(-1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 1.0, 1.0),
        lambda: in_launch_envelope(1.0, 0.0, 0.0, 2.0, 1.0, 0.0, 1.0, 1.0),
    ],
)
def test_invalid_arguments_raise(call):
    with pytest.raises(ValueError):
        call()
