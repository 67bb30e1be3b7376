"""Each node's own picture: the track reports its sensors send, fused as they arrive over the links
(compiled with numba).

A sensor reports each plot its confirmed tracks take (:func:`iadsim.tracking.scan.scan_looks`,
:data:`iadsim.tracking.scan.REPORT_FIELDS`). A report from sensor ``s`` reaches node ``f`` ``latency[f, s]``
seconds after the plot (inf: no path) and is lost if the path is down as it arrives. At the node
(:func:`fuse_reports`):

* the first report of an object starts the node's track at its plot (zero velocity with a standard deviation of
  ``speed_sigma``), as a sensor's track starts (the node does not take over the sensor's velocity: a sensor
  track that swapped objects would hand over another object's);
* a later report is predicted to its plot's time (constant velocity, DWNA process noise) and updates the track
  with the plot (Kalman, isotropic measurement): plots are independent measurements, so reports of several
  sensors fuse without counting anything twice;
* a report older than the node's track (it arrived after a later one, over a slower path) is discarded and
  counted (``stale``): no retrodiction.

Tracks are per axis as in :mod:`iadsim.tracking.scan` (state (6,), covariance ``(pp, pv, vv)``), arrays
``(R, F, T)`` leading: replication, node, object. A node's track of an object is keyed by the object
(perfect correlation of one object's tracks across sensors; a false track is never reported).

References
----------
Y. Bar-Shalom, X. R. Li, T. Kirubarajan, *Estimation with Applications to Tracking and Navigation*, Wiley, 2001,
eqs. 5.2.3-5 to 5.2.3-17 (the Kalman filter), 6.3.2-4 (DWNA); sec. 8.6 on out-of-sequence measurements
(discarded here).
"""

from __future__ import annotations

import numba
import numpy as np

from iadsim.tracking.scan import _predict, _update

__all__ = ["fuse_reports"]


@numba.njit(cache=True, nogil=True)
def fuse_reports(x, p, time, updates, stale, index, rows, sensors, targets, report, latency, feeds, clock, done, q,
                 speed_var):  # pragma: no cover - compiled
    """Fuse the reports ``index`` (give them sorted by row, object and time) into the nodes' tracks, in place,
    at each node whose copy has arrived by its row's ``clock``: at each node, one object's reports in the order
    they arrive there (plot time + the path's latency; ties in plot-time order), so the result does not depend
    on how often this is called.

    Parameters
    ----------
    x, p : numpy.ndarray, shapes ``(R, F, T, 6)`` and ``(R, F, T, 3)``
        The nodes' track states and per-axis covariances.
    time, updates : numpy.ndarray, shape ``(R, F, T)``
        Time of each track's state [s] and the measurements in it (0: no track).
    stale : numpy.ndarray, shape ``(R,)``
        Reports discarded because the node's track was already later (counted here).
    index : numpy.ndarray of int
        The reports to consider.
    rows, sensors, targets : numpy.ndarray of int, shape ``(n,)``
        Each report's replication row, sensor and object.
    report : numpy.ndarray, shape ``(n, 5)``
        Each report's numbers (:data:`iadsim.tracking.scan.REPORT_FIELDS`).
    latency : numpy.ndarray, shape ``(F, S)``
        Seconds from a sensor's plot to a node's picture (inf: no path).
    feeds : numpy.ndarray of bool, shape ``(R, F, S)``
        Whether the path from each sensor to each node is up.
    clock : numpy.ndarray, shape ``(R,)``
        Each row's time now: a report arrives at a node once ``time + latency <= clock``.
    done : numpy.ndarray of bool, shape ``(n, F)``
        Whether each report has arrived at each node (fused, lost or discarded); set here.
    q : float
        DWNA process noise [m^2/s^4].
    speed_var : float
        Velocity variance of a new track [m^2/s^2] (``speed_sigma`` squared).
    """
    n_f = latency.shape[0]
    n = index.shape[0]
    group = np.empty(n, np.int64)
    arrival = np.empty(n)
    g0 = 0
    while g0 < n:  # the reports of one (row, object), in plot-time order
        g1 = g0 + 1
        while g1 < n and rows[index[g1]] == rows[index[g0]] and targets[index[g1]] == targets[index[g0]]:
            g1 += 1
        r, t = rows[index[g0]], targets[index[g0]]
        for f in range(n_f):
            m = 0
            for j in range(g0, g1):  # those that have reached this node by now
                i = index[j]
                if not done[i, f] and report[i, 0] + latency[f, sensors[i]] <= clock[r]:
                    group[m] = i
                    arrival[m] = report[i, 0] + latency[f, sensors[i]]
                    m += 1
            if m == 0:
                continue
            in_order = True  # usually they arrive in plot-time order already: no sort needed
            for o in range(1, m):
                if arrival[o] < arrival[o - 1]:
                    in_order = False
                    break
            if not in_order:  # in arrival order (ties: plot time)
                order = np.argsort(arrival[:m], kind="mergesort")
                sorted_group = group[:m][order]
                group[:m] = sorted_group
            for o in range(m):
                i = group[o]
                _fuse_one(x, p, time, updates, stale, r, f, t, sensors[i], report[i], feeds, q, speed_var)
                done[i, f] = True
        g0 = g1


@numba.njit(cache=True, nogil=True, inline="always")
def _fuse_one(x, p, time, updates, stale, r, f, t, s, report, feeds, q, speed_var):  # pragma: no cover - compiled
    """One report (``report``: :data:`iadsim.tracking.scan.REPORT_FIELDS`) arriving at node ``f``."""
    at = report[0]
    if not feeds[r, f, s]:
        return  # the path is down as it arrives: lost
    if updates[r, f, t] == 0:  # no track yet
        for a in range(3):
            x[r, f, t, a], x[r, f, t, 3 + a] = report[2 + a], 0.0
        p[r, f, t, 0], p[r, f, t, 1], p[r, f, t, 2] = report[1], 0.0, speed_var
        time[r, f, t], updates[r, f, t] = at, 1
    elif at < time[r, f, t]:
        stale[r] += 1  # it arrived after a later one
    else:
        _predict(x[r, f, t], p[r, f, t], at - time[r, f, t], q)
        _update(x[r, f, t], p[r, f, t], report[2:5], report[1])
        time[r, f, t] = at
        updates[r, f, t] += 1
