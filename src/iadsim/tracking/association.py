"""Gating and global-nearest-neighbour association of measurements to tracks.

References
----------
S. Blackman, R. Popoli, *Design and Analysis of Modern Tracking Systems*, Artech House, 1999,
sec. 6.3 (ellipsoidal gates, chi-square thresholds) and sec. 6.5 (global nearest neighbour).
Y. Bar-Shalom, X. R. Li, T. Kirubarajan, *Estimation with Applications to Tracking and Navigation*,
Wiley, 2001, sec. 5.4 (validation gate).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import linear_sum_assignment
from scipy.stats import chi2

__all__ = ["Association", "associate", "gate", "gate_threshold", "mahalanobis_sq"]


def mahalanobis_sq(innovation: ArrayLike, S: ArrayLike) -> NDArray[np.float64]:
    """Squared Mahalanobis distance ``nu^T S^-1 nu`` of innovations, batched.

    Parameters
    ----------
    innovation : array_like, shape ``(..., m)``
        Innovations ``z - H x`` (measurement units, e.g. [m]).
    S : array_like, shape ``(..., m, m)``
        Innovation covariances (measurement units squared); broadcast against ``innovation``.

    Returns
    -------
    ndarray, shape ``(...)``
        Dimensionless squared distances; chi-square distributed with ``m`` degrees of freedom when the
        measurement belongs to the track.

    References
    ----------
    Bar-Shalom, Li & Kirubarajan (2001), eq. 5.4.2-1.
    """
    nu = np.asarray(innovation, dtype=float)
    S = np.asarray(S, dtype=float)
    shape = np.broadcast_shapes(nu.shape[:-1], S.shape[:-2])
    nu = np.broadcast_to(nu, shape + nu.shape[-1:])
    S = np.broadcast_to(S, shape + S.shape[-2:])
    solved = np.linalg.solve(S, nu[..., None])[..., 0]
    return np.einsum("...i,...i->...", nu, solved)


def gate_threshold(probability: float = 0.99, n_meas: int = 3) -> float:
    """Chi-square gate threshold on the squared Mahalanobis distance.

    Parameters
    ----------
    probability : float
        Gate probability P_G: the probability that the true measurement falls inside the gate.
    n_meas : int
        Measurement dimension (degrees of freedom).

    Returns
    -------
    float
        ``gamma`` with ``P(chi2_m <= gamma) = probability``.

    References
    ----------
    Bar-Shalom, Li & Kirubarajan (2001), sec. 5.4.2 and Table 5.4.2-1 (e.g. m=2, P_G=0.99: 9.2).
    """
    if not 0.0 < probability < 1.0:
        raise ValueError(f"gate probability must be in (0, 1), got {probability}")
    return float(chi2.ppf(probability, n_meas))


def gate(innovation: ArrayLike, S: ArrayLike, probability: float = 0.99) -> NDArray[np.bool_]:
    """Whether each innovation falls inside the ellipsoidal chi-square gate.

    Parameters
    ----------
    innovation : array_like, shape ``(..., m)``
        Innovations (measurement units).
    S : array_like, shape ``(..., m, m)``
        Innovation covariances.
    probability : float
        Gate probability P_G (default 0.99).

    Returns
    -------
    ndarray of bool, shape ``(...)``
        True where ``mahalanobis_sq(innovation, S) <= gate_threshold(probability, m)``.
    """
    nu = np.asarray(innovation, dtype=float)
    return mahalanobis_sq(nu, S) <= gate_threshold(probability, nu.shape[-1])


class Association(NamedTuple):
    """Result of :func:`associate` (all integer index arrays)."""

    track_index: NDArray[np.intp]
    """Tracks that received a measurement, shape ``(k,)``, ascending."""
    measurement_index: NDArray[np.intp]
    """The measurement each of those tracks received, shape ``(k,)``."""
    unassigned_tracks: NDArray[np.intp]
    """Tracks without a measurement (missed or gated out)."""
    unassigned_measurements: NDArray[np.intp]
    """Measurements not given to any track (candidates for new tracks)."""


def associate(
    predicted_measurements: ArrayLike,
    innovation_covariances: ArrayLike,
    measurements: ArrayLike,
    gate_threshold: float,
) -> Association:
    """Global-nearest-neighbour (GNN) assignment of measurements to tracks.

    Solves the rectangular assignment problem on the squared Mahalanobis distances
    ``d2[i, j] = (z_j - zhat_i)^T S_i^-1 (z_j - zhat_i)`` with :func:`scipy.optimize.linear_sum_assignment`.
    Pairs outside the gate (``d2 > gate_threshold``) get a cost larger than any sum of gated costs, so
    the solver first maximises the number of gated pairs and then minimises their total distance;
    any infeasible pair it still returns is dropped.

    Parameters
    ----------
    predicted_measurements : array_like, shape ``(n_tracks, m)``
        Predicted measurement of each track, ``H x`` (e.g. predicted position [m]).
    innovation_covariances : array_like, shape ``(n_tracks, m, m)``
        Innovation covariance ``S = H P H^T + R`` of each track.
    measurements : array_like, shape ``(n_measurements, m)``
        This scan's measurements.
    gate_threshold : float
        Gate on the squared Mahalanobis distance, e.g. :func:`gate_threshold` ``(0.99, m)``.

    Returns
    -------
    Association
        ``(track_index, measurement_index, unassigned_tracks, unassigned_measurements)``.

    References
    ----------
    Blackman & Popoli (1999), sec. 6.5.1.
    """
    zhat = np.asarray(predicted_measurements, dtype=float)
    S = np.asarray(innovation_covariances, dtype=float)
    z = np.asarray(measurements, dtype=float)
    n_tracks, n_meas = zhat.shape[0], z.shape[0]
    if n_tracks == 0 or n_meas == 0:
        empty = np.empty(0, dtype=np.intp)
        return Association(empty, empty.copy(), np.arange(n_tracks), np.arange(n_meas))
    nu = z[None, :, :] - zhat[:, None, :]  # (n_tracks, n_meas, m)
    d2 = mahalanobis_sq(nu, S[:, None, :, :])
    feasible = d2 <= gate_threshold
    cost = np.where(feasible, d2, 0.0)
    big = 1.0 + float(np.sum(cost))  # exceeds the total of all gated costs
    cost = np.where(feasible, d2, big)
    rows, cols = linear_sum_assignment(cost)
    keep = feasible[rows, cols]
    rows, cols = rows[keep], cols[keep]
    unassigned_tracks = np.setdiff1d(np.arange(n_tracks), rows)
    unassigned_measurements = np.setdiff1d(np.arange(n_meas), cols)
    return Association(rows.astype(np.intp), cols.astype(np.intp), unassigned_tracks, unassigned_measurements)
