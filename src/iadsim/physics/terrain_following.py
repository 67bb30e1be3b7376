"""Terrain-following flight: the lowest altitude profile a climb- and dive-limited aircraft can fly.

An aircraft told to fly a height above the ground cannot follow the ground exactly: its rate of climb and of
descent are limited, so it must start climbing before a ridge (look-ahead) and comes down after it no
faster than it may descend. Along a path sampled at equal distances, the lowest profile that stays at or
above the wanted altitude and keeps every climb and descent gradient within the limits is the upper
envelope of two sweeps: backwards, each sample is raised to what the climb limit needs to reach the next
sample's wanted altitude; forwards, each sample is raised to what the descent limit allows after the
previous one. The forward sweep only adds descents no steeper than the limit, so the climb limit still holds
after it; and any profile meeting both limits lies above both sweeps, so this one is the lowest.

This is the kinematic (flight-path-angle) limit used in terrain-following studies, without the aircraft's
own dynamics (no load-factor transients at the start and end of a climb).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["terrain_following_profile"]


def terrain_following_profile(wanted: ArrayLike, spacing: float, climb_gradient: ArrayLike,
                              descent_gradient: ArrayLike) -> NDArray[np.float64]:
    """The lowest altitude profile above ``wanted`` whose gradients stay within the limits.

    Parameters
    ----------
    wanted : array_like, shape (n,)
        The wanted altitude [m] at samples ``spacing`` apart along the path (ground plus the wanted height
        above it, never below the minimum clearance); NaN where the ground is unknown (the profile there is
        NaN; what lies on either side still constrains it across the gap).
    spacing : float
        Distance between samples [m], > 0.
    climb_gradient, descent_gradient : array_like, shape (n,) or scalar
        Largest climb and descent per metre flown (rate of climb or descent over ground speed), > 0, for the
        interval that starts at each sample.

    Returns
    -------
    numpy.ndarray, shape (n,)
        Altitude [m]: >= ``wanted``; between neighbours, rises by at most ``climb_gradient * spacing`` and
        falls by at most ``descent_gradient * spacing``; the lowest such profile.
    """
    wanted = np.asarray(wanted, dtype=float)
    n = wanted.size
    climb = np.broadcast_to(np.asarray(climb_gradient, dtype=float), (n,)) * spacing
    descent = np.broadcast_to(np.asarray(descent_gradient, dtype=float), (n,)) * spacing
    known = np.isfinite(wanted)
    w = np.where(known, wanted, -np.inf)
    # look ahead (climb early enough for what comes next): z_i = max over j >= i of w_j - (C_j - C_i), with C
    # the climb allowed from the first sample, as a running maximum from the end
    c = np.concatenate([[0.0], np.cumsum(climb[:-1])])
    z = c + np.maximum.accumulate((w - c)[::-1])[::-1]
    # after a ridge, come down no faster than the limit: z_i = max over j <= i of z_j - (D_i - D_j)
    d = np.concatenate([[0.0], np.cumsum(descent[:-1])])
    z = np.maximum.accumulate(z + d) - d
    return np.where(known, np.maximum(z, w), np.nan)  # >= wanted exactly, whatever the rounding of the sums
