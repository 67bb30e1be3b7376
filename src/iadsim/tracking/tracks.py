"""Track management as arrays: M-of-N confirmation and deletion, for every replication at once.

A :class:`TrackTable` holds a fixed number of track *slots* per replication; every field has the
leading shape ``(n_replications, n_slots)``. A slot is FREE, TENTATIVE or CONFIRMED (deleted tracks go
back to FREE). Nothing here keeps a Python object per track.

Rules (Blackman & Popoli 1999, sec. 3.2; Bar-Shalom, Willett & Tian 2011, sec. 3.5):

* **initiation** - an unassociated measurement opens a TENTATIVE track at the measured position with
  zero velocity and a large velocity variance (single-point initiation).
* **confirmation (M-of-N)** - a TENTATIVE track becomes CONFIRMED once it has ``m`` hits among its
  first ``n`` scans (the initiating measurement counts as the first hit). A TENTATIVE track that can no
  longer reach ``m`` hits within ``n`` scans is deleted.
* **deletion** - a CONFIRMED track is deleted after ``k`` consecutive misses, or when its position
  uncertainty (largest position-variance diagonal) exceeds ``max_position_variance``.

References
----------
S. Blackman, R. Popoli, *Design and Analysis of Modern Tracking Systems*, Artech House, 1999, ch. 3.
Y. Bar-Shalom, P. Willett, X. Tian, *Tracking and Data Fusion*, YBS Publishing, 2011.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numba
import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "CONFIRMED",
    "FREE",
    "TENTATIVE",
    "TrackRules",
    "TrackTable",
    "empty_table",
    "initiate",
    "record_scan",
    "scan_rules",
]

FREE: int = 0
"""Status of an unused slot."""
TENTATIVE: int = 1
"""Status of a track awaiting M-of-N confirmation."""
CONFIRMED: int = 2
"""Status of a confirmed track."""


@dataclass(frozen=True)
class TrackRules:
    """M-of-N confirmation and deletion parameters.

    Attributes
    ----------
    m, n : int
        Confirm after ``m`` hits in the first ``n`` scans (``1 <= m <= n <= 62``).
    k : int
        Delete a confirmed track after ``k`` consecutive misses.
    max_position_variance : float
        Delete any track whose largest position variance exceeds this [m^2] (``inf`` to disable).
    """

    m: int = 2
    n: int = 3
    k: int = 3
    max_position_variance: float = np.inf

    def __post_init__(self) -> None:
        if not 1 <= self.m <= self.n <= 62:
            raise ValueError(f"need 1 <= m <= n <= 62, got m={self.m}, n={self.n}")
        if self.k < 1:
            raise ValueError(f"k must be >= 1, got {self.k}")


@dataclass(frozen=True)
class TrackTable:
    """Fixed-size table of track slots, ``(n_replications, n_slots)`` leading axes on every field.

    Attributes
    ----------
    state : ndarray, float, shape ``(n_rep, n_slots, 2*ndim)``
        ``[position [m], velocity [m/s]]``.
    covariance : ndarray, float, shape ``(n_rep, n_slots, 2*ndim, 2*ndim)``
    status : ndarray, int8, shape ``(n_rep, n_slots)``
        FREE, TENTATIVE or CONFIRMED.
    hits : ndarray, int16
        Number of scans with an associated measurement since initiation (including the first).
    scans : ndarray, int16
        Number of scans since initiation (the initiating scan is scan 1).
    misses : ndarray, int16
        Consecutive scans without a measurement.
    """

    state: NDArray[np.float64]
    covariance: NDArray[np.float64]
    status: NDArray[np.int8]
    hits: NDArray[np.int16]
    scans: NDArray[np.int16]
    misses: NDArray[np.int16]

    @property
    def active(self) -> NDArray[np.bool_]:
        """Slots holding a TENTATIVE or CONFIRMED track."""
        return self.status != FREE

    @property
    def confirmed(self) -> NDArray[np.bool_]:
        """Slots holding a CONFIRMED track."""
        return self.status == CONFIRMED


def empty_table(n_replications: int, n_slots: int, ndim: int = 3) -> TrackTable:
    """A table of FREE slots (zero state, identity covariance so that filters stay well defined)."""
    shape = (n_replications, n_slots)
    n_state = 2 * ndim
    return TrackTable(
        state=np.zeros(shape + (n_state,)),
        covariance=np.broadcast_to(np.eye(n_state), shape + (n_state, n_state)).copy(),
        status=np.zeros(shape, dtype=np.int8),
        hits=np.zeros(shape, dtype=np.int16),
        scans=np.zeros(shape, dtype=np.int16),
        misses=np.zeros(shape, dtype=np.int16),
    )


def initiate(
    table: TrackTable,
    replication: ArrayLike,
    position: ArrayLike,
    position_covariance: ArrayLike,
    velocity_variance: float,
) -> tuple[TrackTable, NDArray[np.intp]]:
    """Open TENTATIVE tracks from unassociated measurements, in the first FREE slots of each replication.

    Parameters
    ----------
    table : TrackTable
    replication : array_like of int, shape ``(k,)``
        Replication of each new track.
    position : array_like, shape ``(k, ndim)``
        Measured positions [m].
    position_covariance : array_like, shape ``(ndim, ndim)`` or ``(k, ndim, ndim)``
        Measurement covariance [m^2], used as the initial position covariance.
    velocity_variance : float
        Initial variance of each velocity component [m^2/s^2], e.g. ``(v_max / 2)**2``.

    Returns
    -------
    table : TrackTable
        A new table with the tracks added.
    slot : ndarray of int, shape ``(k,)``
        Slot given to each request, or -1 where the replication had no free slot left (dropped).
    """
    rep = np.asarray(replication, dtype=np.intp).reshape(-1)
    pos = np.asarray(position, dtype=float).reshape(rep.size, -1)
    ndim = pos.shape[1]
    n_rep, n_slots = table.status.shape
    slot = np.full(rep.size, -1, dtype=np.intp)
    if rep.size == 0:
        return table, slot
    # rank of each request within its replication (stable, in request order)
    order = np.argsort(rep, kind="stable")
    sorted_rep = rep[order]
    first = np.searchsorted(sorted_rep, sorted_rep, side="left")
    rank = np.empty(rep.size, dtype=np.intp)
    rank[order] = np.arange(rep.size) - first
    # free slots of each replication, lowest index first
    free_order = np.argsort(table.status != FREE, axis=1, kind="stable")
    n_free = np.sum(table.status == FREE, axis=1)
    ok = rank < n_free[rep]
    slot[ok] = free_order[rep[ok], rank[ok]]
    r, s = rep[ok], slot[ok]

    state = table.state.copy()
    cov = table.covariance.copy()
    state[r, s, :ndim] = pos[ok]
    state[r, s, ndim:] = 0.0
    pcov = np.broadcast_to(np.asarray(position_covariance, dtype=float), (rep.size, ndim, ndim))[ok]
    cov[r, s] = 0.0
    cov[r, s, :ndim, :ndim] = pcov
    idx = np.arange(ndim, 2 * ndim)
    cov[r[:, None], s[:, None], idx, idx] = velocity_variance
    status, hits, scans, misses = (a.copy() for a in (table.status, table.hits, table.scans, table.misses))
    status[r, s] = TENTATIVE
    hits[r, s] = 1
    scans[r, s] = 1
    misses[r, s] = 0
    return TrackTable(state, cov, status, hits, scans, misses), slot


def record_scan(table: TrackTable, detected: ArrayLike, rules: TrackRules) -> TrackTable:
    """Count one scan's hits and misses and apply the confirmation and deletion rules.

    Call after the scan's updates (``detected`` says which active slots received a measurement).

    Parameters
    ----------
    table : TrackTable
    detected : array_like of bool, shape ``(n_rep, n_slots)``
        True where the slot's track was updated with a measurement this scan; ignored for FREE slots.
    rules : TrackRules

    Returns
    -------
    TrackTable
        A new table; deleted tracks have status FREE and zeroed counters.
    """
    detected = np.asarray(detected, dtype=bool)
    ndim = table.state.shape[-1] // 2
    pos_var = np.diagonal(table.covariance[..., :ndim, :ndim], axis1=-2, axis2=-1).max(axis=-1)
    status, hits, scans, misses = (np.array(a) for a in (table.status, table.hits, table.scans, table.misses))
    _record_scan_kernel(status.reshape(-1), hits.reshape(-1), scans.reshape(-1), misses.reshape(-1),
                        np.broadcast_to(detected, status.shape).reshape(-1), pos_var.reshape(-1).astype(float),
                        rules.m, rules.n, rules.k, float(rules.max_position_variance))
    return dataclasses.replace(table, status=status, hits=hits, scans=scans, misses=misses)


@numba.njit(cache=True, nogil=True)
def scan_rules(status, hits, scans, misses, hit, pos_var, m, n, k, max_var):  # pragma: no cover - compiled
    """One scan of one track slot under the M-of-N rules of this module (the one implementation: the
    engine's per-sensor tracks apply it too). ``hit``: the track was updated with a measurement this scan;
    ``pos_var``: its largest position variance [m^2]. Returns the new ``(status, hits, scans, misses)``; a
    deleted track is FREE with zeroed counters; a FREE slot is returned unchanged."""
    if status == FREE:
        return status, hits, scans, misses
    scans = min(scans + 1, 30000)  # saturate (int16): only a tentative track's first n scans matter
    if hit:
        hits = min(hits + 1, 30000)
        misses = 0
    else:
        misses += 1
    if status == TENTATIVE and hits >= m and scans <= n:
        status = CONFIRMED
    hopeless = status == TENTATIVE and hits + (n - scans) < m  # cannot reach m hits in its first n scans
    lost = status == CONFIRMED and misses >= k
    if hopeless or lost or pos_var > max_var:
        return FREE, 0, 0, 0
    return status, hits, scans, misses


@numba.njit(cache=True, nogil=True)
def _record_scan_kernel(status, hits, scans, misses, detected, pos_var, m, n, k, max_var):  # pragma: no cover
    for i in range(status.shape[0]):
        status[i], hits[i], scans[i], misses[i] = scan_rules(status[i], hits[i], scans[i], misses[i], detected[i],
                                                             pos_var[i], m, n, k, max_var)
