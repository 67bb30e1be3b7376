"""Intercept geometry and launch envelopes.

Modelling assumption: the interceptor flies a straight line at a constant speed ``missile_speed``
(take it as the *average* speed over the flyout, which folds boost and drag into one number) and the
target keeps a constant velocity. Under those assumptions the intercept solution below is exact; it
is the standard first-order fire-control model, not a guidance simulation.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from iadsim.physics import _checks

__all__ = ["in_launch_envelope", "intercept", "time_of_flight"]


MAX_TIME_OF_FLIGHT = 1e9
"""[s] (about 32 years) a longer root of the collision triangle is no intercept: only rounding gives one (a target
as fast as the interceptor, closing by a hair), and its meeting point's distance overflows a float."""


def intercept(
    launcher_position: ArrayLike,
    target_position: ArrayLike,
    target_velocity: ArrayLike,
    missile_speed: ArrayLike,
    launch_delay: ArrayLike = 0.0,
) -> tuple[float | NDArray[np.float64], NDArray[np.float64], bool | NDArray[np.bool_]]:
    """Earliest intercept of a constant-velocity target by a constant-speed interceptor.

    The interceptor leaves ``launcher_position`` after ``launch_delay`` and meets the target after a
    flight time t, the smallest positive root of

        |D + V (t + delay) |^2 = (s t)^2,   D = target_position - launcher_position,

    i.e. (V.V - s^2) t^2 + 2 (D'.V) t + D'.D' = 0 with D' = D + V delay.

    Parameters
    ----------
    launcher_position : array_like, shape (..., 3)
        Launcher position [m] (any Cartesian frame, e.g. local ENU).
    target_position : array_like, shape (..., 3)
        Target position [m] at launch decision time.
    target_velocity : array_like, shape (..., 3)
        Target velocity [m/s].
    missile_speed : array_like, shape (...)
        Interceptor (average) speed s [m/s], > 0.
    launch_delay : array_like, shape (...), optional
        Time from now until the interceptor leaves the rail [s], >= 0.

    Returns
    -------
    time_of_flight : ndarray, shape (...)
        Interceptor flight time [s]; ``inf`` where no intercept exists.
    intercept_point : ndarray, shape (..., 3)
        Where the interceptor meets the target [m]; NaN where infeasible.
    feasible : ndarray of bool, shape (...)
        Whether an intercept exists (a positive root).

    Notes
    -----
    All leading dimensions broadcast, e.g. launchers ``(n_launchers, 1, 3)`` against targets
    ``(1, n_targets, 3)``. A target already at the launcher gives time 0. When the target is as fast
    as the interceptor the equation is linear and has a root only for a closing target.

    References
    ----------
    The constant-velocity collision triangle (law of cosines), e.g. Zarchan, P., *Tactical and
    Strategic Missile Guidance*, AIAA (collision triangle and lead angle); Press et al., *Numerical
    Recipes*, 3rd ed., Sec. 5.6 (cancellation-free quadratic roots).
    """
    launcher = _checks.as_float("launcher_position", launcher_position)
    target = _checks.as_float("target_position", target_position)
    velocity = _checks.as_float("target_velocity", target_velocity)
    for name, array in (
        ("launcher_position", launcher),
        ("target_position", target),
        ("target_velocity", velocity),
    ):
        if array.shape[-1:] != (3,):
            raise ValueError(f"{name} must have a last dimension of 3 (x, y, z); got shape {array.shape}")
    speed = _checks.positive("missile_speed", missile_speed)
    delay = _checks.non_negative("launch_delay", launch_delay)

    offset = target - launcher + velocity * delay[..., None]
    a = np.sum(velocity * velocity, axis=-1) - speed**2
    b = 2.0 * np.sum(offset * velocity, axis=-1)
    c = np.sum(offset * offset, axis=-1)
    a, b, c = np.broadcast_arrays(a, b, c)

    scale = np.maximum(np.sum(velocity * velocity, axis=-1), speed**2)
    linear = np.abs(a) <= 1e-12 * scale
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        disc = b * b - 4.0 * a * c
        root = np.sqrt(np.maximum(disc, 0.0))
        # Numerically stable pair of roots (Numerical Recipes 5.6): q = -(b + sign(b) root) / 2.
        q = -0.5 * (b + np.where(b >= 0.0, root, -root))
        r1 = np.where(q != 0.0, c / q, np.inf)
        r2 = np.where(a != 0.0, q / a, np.inf)
        lin = np.where(b < 0.0, -c / b, np.inf)
    candidates = np.stack([r1, r2], axis=-1)
    candidates = np.where((candidates >= 0.0) & np.isfinite(candidates) & (disc >= 0.0)[..., None], candidates, np.inf)
    quad_t = candidates.min(axis=-1)
    t = np.where(linear, np.where(c == 0.0, 0.0, lin), quad_t)
    t = np.where(c == 0.0, 0.0, t)
    feasible = np.isfinite(t)
    with np.errstate(over="ignore", invalid="ignore"):
        point = target + velocity * (np.where(feasible, t, 0.0) + delay)[..., None]
    # a root beyond any flight (a target as fast as the interceptor, closing by a hair: 1e182 s) is no intercept
    feasible = feasible & (t <= MAX_TIME_OF_FLIGHT) & np.isfinite(point).all(axis=-1)
    t = np.where(feasible, t, np.inf)
    point = np.where(feasible[..., None], point, np.nan)
    return _checks.output(t), point, _checks.output(feasible)


def time_of_flight(
    launcher_position: ArrayLike,
    target_position: ArrayLike,
    target_velocity: ArrayLike,
    missile_speed: ArrayLike,
    launch_delay: ArrayLike = 0.0,
) -> float | NDArray[np.float64]:
    """Interceptor flight time [s] from :func:`intercept` (``inf`` where there is no intercept)."""
    return intercept(launcher_position, target_position, target_velocity, missile_speed, launch_delay)[0]


def in_launch_envelope(
    ground_range: ArrayLike,
    altitude: ArrayLike,
    target_speed: ArrayLike,
    min_range: ArrayLike,
    max_range: ArrayLike,
    min_altitude: ArrayLike,
    max_altitude: ArrayLike,
    max_target_speed: ArrayLike,
) -> bool | NDArray[np.bool_]:
    """Whether targets lie inside a simple box launch envelope (range, altitude and speed limits).

    Modelling assumption: the engagement zone is the set ``min_range <= ground_range <= max_range``,
    ``min_altitude <= altitude <= max_altitude`` and ``target_speed <= max_target_speed``; real zones
    shrink with crossing speed and altitude, which this simple model ignores.

    Parameters
    ----------
    ground_range : array_like
        Launcher-to-target (predicted intercept point) ground range [m], e.g. shape
        ``(n_launchers, n_targets)``.
    altitude : array_like
        Target altitude [m] (broadcasts, e.g. ``(1, n_targets)``).
    target_speed : array_like
        Target speed [m/s].
    min_range, max_range : array_like
        Launcher limits [m], e.g. shape ``(n_launchers, 1)``.
    min_altitude, max_altitude : array_like
        Launcher altitude limits [m].
    max_target_speed : array_like
        Fastest target the system can engage [m/s].

    Returns
    -------
    bool or ndarray of bool
        True inside the envelope (broadcast shape of all arguments).
    """
    rng = _checks.non_negative("ground_range", ground_range)
    alt = _checks.as_float("altitude", altitude)
    speed = _checks.non_negative("target_speed", target_speed)
    r_min = _checks.non_negative("min_range", min_range)
    r_max = _checks.non_negative("max_range", max_range)
    a_min = _checks.as_float("min_altitude", min_altitude)
    a_max = _checks.as_float("max_altitude", max_altitude)
    v_max = _checks.non_negative("max_target_speed", max_target_speed)
    if np.any(r_min > r_max):
        raise ValueError("min_range must not exceed max_range")
    if np.any(a_min > a_max):
        raise ValueError("min_altitude must not exceed max_altitude")
    inside = (rng >= r_min) & (rng <= r_max) & (alt >= a_min) & (alt <= a_max) & (speed <= v_max)
    return _checks.output(inside)
