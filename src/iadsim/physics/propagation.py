"""Line of sight over a smooth spherical earth with an effective radius k R.

Refraction in a standard atmosphere bends rays down; replacing the earth radius R by k R (k = 4/3 for
radio waves) lets rays be drawn straight. Heights are above the smooth surface (the terrain package
handles real relief).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from iadsim.physics import _checks
from iadsim.units import EARTH_RADIUS

__all__ = ["RADIO_K", "effective_earth_radius", "horizon_distance", "horizon_range", "min_visible_height"]

RADIO_K = 4.0 / 3.0
"""Effective-earth-radius factor of the standard radio atmosphere (Skolnik 2001, ch. 8)."""


def effective_earth_radius(k: ArrayLike = RADIO_K) -> float | NDArray[np.float64]:
    """Effective earth radius k R [m], R = 6378137 m (WGS-84 equatorial)."""
    return _checks.output(_checks.positive("k", k) * EARTH_RADIUS)


def horizon_distance(height: ArrayLike, k: ArrayLike = RADIO_K) -> float | NDArray[np.float64]:
    """Distance to the smooth-earth horizon from ``height`` [m]: d = sqrt(2 k R h) [m].

    Uses the small-height approximation (h << R): the exact tangent length sqrt(2 k R h + h^2) is
    larger by a relative h / (4 k R), under 1e-4 below 30 km.

    References
    ----------
    Skolnik, M. I., *Introduction to Radar Systems*, 3rd ed., McGraw-Hill, 2001, ch. 8 (propagation
    over a spherical earth, effective earth radius).
    """
    h = _checks.non_negative("height", height)
    return _checks.output(np.sqrt(2.0 * _checks.positive("k", k) * EARTH_RADIUS * h))


def horizon_range(
    antenna_height: ArrayLike, target_height: ArrayLike, k: ArrayLike = RADIO_K
) -> float | NDArray[np.float64]:
    """Maximum line-of-sight range [m] between two heights over a smooth earth.

    d = sqrt(2 k R h1) + sqrt(2 k R h2); for k = 4/3 this is the familiar
    d [km] = 4.12 (sqrt(h1 [m]) + sqrt(h2 [m])).

    Parameters
    ----------
    antenna_height : array_like
        Radar antenna height above the surface [m].
    target_height : array_like
        Target height above the surface [m].
    k : float, optional
        Effective-earth-radius factor (4/3 radio; 7/6 visible light).

    Returns
    -------
    float or ndarray
        Horizon-limited range [m] (ground range and slant range agree to the same approximation).

    References
    ----------
    Skolnik, *Introduction to Radar Systems*, 3rd ed., 2001, ch. 8; ITU-R P.834 (effective earth
    radius).
    """
    return _checks.output(
        np.asarray(horizon_distance(antenna_height, k)) + np.asarray(horizon_distance(target_height, k))
    )


def min_visible_height(
    antenna_height: ArrayLike, ground_range: ArrayLike, k: ArrayLike = RADIO_K
) -> float | NDArray[np.float64]:
    """Lowest target height [m] visible from ``antenna_height`` at ``ground_range`` over a smooth earth.

    h_min = (d - sqrt(2 k R h1))^2 / (2 k R) beyond the antenna's own horizon distance, 0 inside it.
    It inverts :func:`horizon_range`: ``horizon_range(h1, min_visible_height(h1, d)) == d``.

    Parameters
    ----------
    antenna_height : array_like
        Antenna height above the surface [m].
    ground_range : array_like
        Distance along the surface to the target [m].
    k : float, optional
        Effective-earth-radius factor.

    Returns
    -------
    float or ndarray
        Masking height [m] (the same quantity as GDAL's viewshed GROUND mode over a smooth earth).

    References
    ----------
    Skolnik, *Introduction to Radar Systems*, 3rd ed., 2001, ch. 8: the horizon relation solved for
    the target height.
    """
    kr = _checks.positive("k", k) * EARTH_RADIUS
    d1 = np.sqrt(2.0 * kr * _checks.non_negative("antenna_height", antenna_height))
    beyond = np.maximum(_checks.non_negative("ground_range", ground_range) - d1, 0.0)
    return _checks.output(beyond**2 / (2.0 * kr))
