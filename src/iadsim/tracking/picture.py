"""Each node's own picture: the track reports its sensors send, fused as they arrive over the links
(compiled with numba).

A sensor reports each plot its confirmed tracks take (:func:`iadsim.tracking.scan.scan_looks`,
:data:`iadsim.tracking.scan.REPORT_FIELDS`). A report from sensor ``s`` reaches node ``f`` ``latency[f, s]``
seconds after the plot (inf: no path) and is lost if the path is down as it arrives. At the node
(:func:`fuse_reports`):

* the first report of an object starts the node's track at its plot (zero velocity with a standard deviation of
  ``speed_sigma``), as a sensor's track starts (the node does not take over the sensor's velocity: a sensor
  track that swapped objects would hand over another object's);
* a later report is predicted to its plot's time (constant velocity; process noise below) and updates the track
  with the plot (Kalman, isotropic measurement): plots are independent measurements, so reports of several sensors
  fuse without counting anything twice;
* a report older than the node's track (it arrived after a later one, over a slower path) is discarded and
  counted (``stale``): no retrodiction.

A passive sensor's report is a line of sight (:data:`iadsim.tracking.scan.ANGLE_RANGE`): its bearing, and its
elevation where the sensor measures one. A node keeps each passive sensor's latest bearing of each object; when
a bearing arrives and another passive sensor's is current (no older than that sensor's look period), the node
crosses every current bearing (:func:`iadsim.tracking.bearings.fix`, weighted least squares) and fuses the fix:

* east and north each with the largest eigenvalue of the fix's covariance (the fix's error ellipse bounded by a
  circle: its long axis along the bearings is kept, not lost) plus the target's possible motion between the
  bearings (``speed_sigma`` times their spread in time, squared);
* the height from the elevations where measured (each sensor's ground range to the fix times the tangent of its
  elevation, weighted by its variance: the elevation's error and the fix's along that line of sight); from
  bearings alone the height is unknown: a track started so has the sensor's height with a standard deviation of
  :data:`UNKNOWN_HEIGHT_SIGMA`, and fixes without elevation leave it alone;
* each bearing enters one fix only (fixes share no measurement, so they fuse as independent ones); a lone
  bearing changes no track.

**Process noise.** A sensor's own tracks take the doctrine's acceleration variance ``q`` as DWNA over its look
period ``T`` (:mod:`iadsim.tracking.scan`): a velocity change of variance ``q T^2`` per look, the acceleration held
over the look. At a node, reports arrive at any interval ``h``, and DWNA over each interval is not the noise of the
whole: four radars reporting in turn gave a quarter of one radar's velocity noise per second (a track claiming 23 m
where its error was 186 m). A node predicts ``h`` ahead, to the plot of a report from sensor ``s``,
with continuous white-noise acceleration (CWNA, per axis ``d [[h^3/3, h^2/2], [h^2/2, h]]``) of density
``d = q max(h, T_s)``, ``T_s`` that sensor's look period:

* over intervals up to ``T_s``, density ``q T_s``: the noise of an interval is the sum of its parts', so sensors of
  one period reporting in turn add measurements, not a quieter target, and a node fed by one sensor predicts nearly
  as that sensor does (the velocity change over ``T`` is DWNA's ``q T^2``; the position's ``q T^4 / 3`` against
  ``/ 4``). With sensors of different periods the noise of each interval is the reporting sensor's: never less than
  what that sensor's own model claims over it (a node's shortest period for every report had slow search radars
  reporting in turn fused as a 1 s radar's, NEES 14 against 6);
* over a longer gap (the target unseen for a while), density ``q h``: a velocity change of ``q h^2``, the
  acceleration held over the gap as DWNA holds it over a look. CWNA of ``q T`` alone would have the velocity of a
  target unseen for 40 s change by ``sqrt(40 q T)``, not ``40 sqrt(q)``: with ``T`` = 1 s, a track claiming after the
  gap a sixth of the velocity error the sensors' own model gives, and maturing at once.

(Consistency: tests/tracking/test_picture.py checks the node's normalised estimation error against the chi-square
interval with one radar, with four, and with four and a faster radar that never sees the target.)

Tracks are per axis (state (6,), each axis its own covariance ``(pp, pv, vv)``: a bearing fix measures height
differently from east and north, or not at all), arrays ``(R, N, T)`` leading: replication, node (the fire units,
then the command posts, in the engine), object, in any memory layout (the engine keeps one object's tracks at
all nodes together, where a report fanning out to the nodes finds them). A node's track of an object is keyed
by the object (perfect correlation of one object's tracks across sensors; a false track is never reported).

References
----------
Y. Bar-Shalom, X. R. Li, T. Kirubarajan, *Estimation with Applications to Tracking and Navigation*, Wiley, 2001,
eqs. 5.2.3-5 to 5.2.3-17 (the Kalman filter), sec. 6.2.2 (CWNA) and 6.3.2 (DWNA, and the velocity change of
order ``sqrt(q T)`` that relates the two); sec. 8.6 on out-of-sequence measurements
(discarded here). D. J. Torrieri, "Statistical theory of passive location systems", *IEEE Trans. AES* 20 (2),
1984 (the bearing fix and its covariance).
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from iadsim.memory import prefetch
from iadsim.tracking.bearings import fix
from iadsim.tracking.scan import ANGLE_RANGE, _gain

__all__ = ["UNKNOWN_HEIGHT_SIGMA", "BearingSensors", "arrival_order", "fuse_reports", "next_arrival"]

UNKNOWN_HEIGHT_SIGMA = 10e3
"""Standard deviation [m] of the height of a track started from bearings without elevation: unknown. A track whose
height variance is this or more gives no firing solution (:func:`iadsim.engine.phases.firing_solution`) until a
radar's plot or an elevation measures it."""


class BearingSensors(NamedTuple):
    """The passive sensors among the sensors, for :func:`fuse_reports` (``P`` of them; a node's latest bearings
    are an array ``(R, N, T, P, 4)``: time (-inf: none), bearing, elevation (NaN: not measured), variance
    [rad^2])."""

    slot: np.ndarray  # (S,) int64: each sensor's passive index (-1: it measures range, its reports are positions)
    sensor: np.ndarray  # (P,) int64: the sensor of each passive index
    origin: np.ndarray  # (S, 3) the sensors' positions [m]
    elevation: np.ndarray  # (S,) bool: the sensor measures elevation
    window: np.ndarray  # (P,) [s] how long a bearing stays current (the sensor's look period)

    @classmethod
    def of(cls, passive: np.ndarray, origin: np.ndarray, elevation: np.ndarray, look_period: np.ndarray
           ) -> BearingSensors:
        """From (S,) whether each sensor is passive, the sensors' positions, whether each measures elevation and
        their look periods."""
        passive = np.asarray(passive, bool)
        sensor = np.flatnonzero(passive).astype(np.int64)
        slot = np.full(len(passive), -1, np.int64)
        slot[sensor] = np.arange(len(sensor))
        return cls(slot, sensor, np.ascontiguousarray(origin, float), np.asarray(elevation, np.bool_) & passive,
                   np.asarray(look_period, float)[sensor])


def arrival_order(latency: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The nodes each sensor's reports reach, in the order they reach them, for :func:`fuse_reports`: (S, N) the
    nodes by increasing ``latency`` (N, S) from each sensor (ties by node), and (S,) how many it reaches (finite
    latencies: those first)."""
    latency = np.asarray(latency, float)
    return (np.argsort(latency.T, axis=1, kind="stable").astype(np.int64),
            np.isfinite(latency).sum(axis=0).astype(np.int64))


@numba.njit(cache=True, nogil=True)
def next_arrival(times, sensors, arrived, latency, order, reach):  # pragma: no cover - compiled
    """(n,) when reports (plot ``times``, ``sensors``) that have reached ``arrived`` of their nodes
    (:func:`arrival_order`) reach the next one (inf: none left)."""
    out = np.full(times.shape[0], np.inf)
    for i in range(times.shape[0] if order.shape[1] else 0):  # (no node: none)
        s = sensors[i]
        if arrived[i] < reach[s]:
            out[i] = times[i] + latency[order[s, arrived[i]], s]
    return out


@numba.njit(cache=True, nogil=True)
def fuse_reports(x, p, time, updates, stale, bearings, index, rows, sensors, targets, report, latency, feeds, clock,
                 arrived, next_at, order, reach, q, period, speed_var, passive):  # pragma: no cover - compiled
    """Fuse the reports ``index`` (give them sorted by row, object and time) into the nodes' tracks, in place,
    at each node whose copy has arrived by its row's ``clock``: at each node, one object's reports in the order
    they arrive there (plot time + the path's latency; ties in plot-time order), so the result does not depend
    on how often this is called. A report reaches its nodes in the order of :func:`arrival_order`, so only the
    nodes it reaches now are visited: the work is the arrivals, not every report at every node.

    Parameters
    ----------
    x, p : numpy.ndarray, shapes ``(R, N, T, 6)`` and ``(R, N, T, 3, 3)``
        The nodes' track states and per-axis covariances (axis, then pp, pv, vv).
    time, updates : numpy.ndarray, shape ``(R, N, T)``
        Time of each track's state [s] and the measurements in it (0: no track).
    stale : numpy.ndarray, shape ``(R,)``
        Reports discarded because the node's track (or its bearing from that sensor) was already later.
    bearings : numpy.ndarray, shape ``(R, N, T, P, 4)``
        Each node's latest bearing of each object from each passive sensor (:class:`BearingSensors`).
    index : numpy.ndarray of int
        The reports to consider.
    rows, sensors, targets : numpy.ndarray of int, shape ``(n,)``
        Each report's replication row, sensor and object.
    report : numpy.ndarray, shape ``(n, 5)``
        Each report's numbers (:data:`iadsim.tracking.scan.REPORT_FIELDS`).
    latency : numpy.ndarray, shape ``(N, S)``
        Seconds from a sensor's plot to a node's picture (inf: no path).
    feeds : numpy.ndarray of bool, shape ``(R, N, S)``
        Whether the path from each sensor to each node is up.
    clock : numpy.ndarray, shape ``(R,)``
        Each row's time now: a report arrives at a node once ``time + latency <= clock``.
    arrived : numpy.ndarray of int, shape ``(n,)``
        How many of its nodes (in the order of ``order``) each report has reached (fused, lost or discarded); set
        here. A report is done with when it equals ``reach`` of its sensor.
    next_at : numpy.ndarray, shape ``(n,)``
        When each report reaches its next node (inf: none left); set here (:func:`next_arrival`).
    order, reach : numpy.ndarray of int, shapes ``(S, N)`` and ``(S,)``
        :func:`arrival_order` of ``latency``.
    q : float
        The doctrine's acceleration variance [m^2/s^4]: a prediction ``h`` ahead at node ``f`` takes CWNA noise of
        density ``q max(h, period[s])``, ``s`` the sensor whose report it is fused with (module docstring).
    period : numpy.ndarray, shape ``(S,)``
        Each sensor's look period [s].
    speed_var : float
        Velocity variance of a new track [m^2/s^2] (``speed_sigma`` squared).
    passive : BearingSensors
        Which sensors report bearings.
    """
    n = index.shape[0]
    n_p = passive.sensor.shape[0]
    # the work arrays hold one (row, object)'s arrivals now, grown before a group that may need more (an array
    # the loop over arrivals may replace costs it on every iteration, numba's reference counting we believe:
    # a third of this function's time when it was so)
    cap = 64
    node = np.empty(cap, np.int64)
    arrival = np.empty(cap)
    which = np.empty(cap, np.int64)
    by_node = np.empty(cap, np.int64)  # the arrivals by node, then time, when not found so
    latest = np.empty(latency.shape[0])  # per node: the latest arrival found so far in a group
    most = max(n_p, 1)
    work = (np.empty((most, 2)), np.empty(most), np.empty(most), np.empty(most, np.int64), np.empty(2),
            np.empty((2, 2)), np.empty((most, 3)), np.empty((most, 5)), np.zeros(2, np.int64), np.empty(8))
    fixed = work[9]  # the fix a bearing completes (:func:`_bearing_fix`)
    sight = np.empty(3)  # the line of sight of report ``sighted``: bearing, elevation, variance
    sighted = -1
    g0 = 0
    while g0 < n:  # the reports of one (row, object), in plot-time order
        g1 = g0 + 1
        bound = reach[sensors[index[g0]]] - arrived[index[g0]]  # the most arrivals: each report at its nodes left
        while g1 < n and rows[index[g1]] == rows[index[g0]] and targets[index[g1]] == targets[index[g0]]:
            bound += reach[sensors[index[g1]]] - arrived[index[g1]]
            g1 += 1
        if bound > cap:
            cap = max(2 * cap, bound)
            node, arrival, which = np.empty(cap, np.int64), np.empty(cap), np.empty(cap, np.int64)
            by_node = np.empty(cap, np.int64)
        r, t = rows[index[g0]], targets[index[g0]]
        m = 0  # the arrivals now: (node, time, report), in report order
        for j in range(g0, g1):
            i = index[j]
            s = sensors[i]
            while arrived[i] < reach[s]:
                f = order[s, arrived[i]]
                at = report[i, 0] + latency[f, s]
                if not at <= clock[r]:  # (not arrived yet)
                    break
                node[m], arrival[m], which[m] = f, at, i
                # its node's track asked for now (a TRACK record's cache lines, at offsets 0, 64 and 112 of its 120
                # bytes, wherever it starts in a line, and its time and update count), the group's all at once, not
                # each as it is fused: waiting for them was two fifths of this function's time at 500 replications
                # (perf, 2026-12-05)
                prefetch(x, (r, f, t, 0))
                prefetch(p, (r, f, t, 0, 2))
                prefetch(p, (r, f, t, 2, 2))
                prefetch(updates, (r, f, t))
                prefetch(time, (r, f, t))
                m += 1
                arrived[i] += 1
            next_at[i] = report[i, 0] + latency[order[s, arrived[i]], s] if arrived[i] < reach[s] else np.inf
        if m == 0:
            g0 = g1
            continue
        # each node's arrivals in time order (ties: plot-time order, the order they were found in); nodes' tracks
        # are their own, so the order across nodes does not matter. Usually found so already: no sort.
        in_order = True
        for o in range(m):
            latest[node[o]] = -np.inf
        for o in range(m):
            in_order &= arrival[o] >= latest[node[o]]
            latest[node[o]] = arrival[o]
        if not in_order:
            by_time = np.argsort(arrival[:m], kind="mergesort")
            by_node[:m] = by_time[np.argsort(node[:m][by_time], kind="mergesort")]
        for o in range(m):
            e = o if in_order else by_node[o]
            f, i = node[e], which[e]
            s = sensors[i]
            if not feeds[r, f, s]:
                continue  # the path is down as it arrives: lost
            if passive.slot[s] < 0:  # a position
                v = report[i, 1]
                at, z, var = report[i, 0], (report[i, 2], report[i, 3], report[i, 4]), (v, v, v)
            else:  # a bearing: the fix it completes, if any
                if i != sighted:  # the report's line of sight, once for all the nodes it reaches in turn
                    _line_of_sight(report[i], passive.origin[s], passive.elevation[s], sight)
                    sighted = i
                if not _bearing_fix(stale, bearings[r, f, t], r, s, report[i], sight, speed_var, passive, work):
                    continue
                at, z, var = fixed[1], (fixed[2], fixed[3], fixed[4]), (fixed[5], fixed[6], fixed[7])
            # the point into the node's track, written here on the tables' entries: the inlined helper that took the
            # track arrays cost numba an atomic reference count on each of them per call and back, a third of this
            # function's time at 500 replications (perf, 2026-12-05)
            if updates[r, f, t] == 0:  # no track yet: started at the point
                for a in range(3):
                    x[r, f, t, a], x[r, f, t, 3 + a] = z[a], 0.0
                    p[r, f, t, a, 0] = var[a] if np.isfinite(var[a]) else UNKNOWN_HEIGHT_SIGMA**2
                    p[r, f, t, a, 1], p[r, f, t, a, 2] = 0.0, speed_var
                time[r, f, t], updates[r, f, t] = at, 1
            elif at < time[r, f, t]:
                stale[r] += 1  # it arrived after a later one
            else:  # predicted to the point's time, updated on the axes it measures
                h = at - time[r, f, t]
                for a in range(3):
                    x[r, f, t, a] += h * x[r, f, t, 3 + a]
                    pp, pv, vv = _predict_continuous(p[r, f, t, a, 0], p[r, f, t, a, 1], p[r, f, t, a, 2], h,
                                                     q * max(h, period[s]))
                    if np.isfinite(var[a]):
                        pp, pv, vv, kx, kv = _gain(pp, pv, vv, var[a])
                        nu = z[a] - x[r, f, t, a]
                        x[r, f, t, a] += kx * nu
                        x[r, f, t, 3 + a] += kv * nu
                    p[r, f, t, a, 0], p[r, f, t, a, 1], p[r, f, t, a, 2] = pp, pv, vv
                time[r, f, t] = at
                updates[r, f, t] += 1
        g0 = g1


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _predict_continuous(pp, pv, vv, h, q):  # pragma: no cover - compiled
    """One axis's covariance ``(pp, pv, vv)`` ``h`` seconds ahead at constant velocity with CWNA process noise of
    density ``q`` [m^2/s^3] (Bar-Shalom, Li & Kirubarajan 2001, sec. 6.2.2, per axis): the new ``(pp, pv, vv)``."""
    return (pp + 2 * h * pv + h * h * vv + q * h**3 / 3.0, pv + h * vv + q * h * h / 2.0, vv + q * h)


@numba.njit(cache=True, nogil=True, inline="always")
def _line_of_sight(report, origin, elevation, out):  # pragma: no cover - compiled
    """A passive sensor's report (a point :data:`iadsim.tracking.scan.ANGLE_RANGE` along its line of sight from
    ``origin``) as ``out``: its bearing, its elevation (NaN: the sensor measures none) and the bearing's variance
    [rad^2]."""
    dx, dy, dz = report[2] - origin[0], report[3] - origin[1], report[4] - origin[2]
    out[0] = np.arctan2(dx, dy)
    out[1] = np.arctan2(dz, np.hypot(dx, dy)) if elevation else np.nan
    out[2] = report[1] / ANGLE_RANGE**2


@numba.njit(cache=True, nogil=True)
def _bearing_fix(stale, latest, r, s, report, sight, speed_var, passive, work):  # pragma: no cover - compiled
    """A passive sensor ``s``'s report (a point :data:`iadsim.tracking.scan.ANGLE_RANGE` along its line of sight,
    ``sight``: :func:`_line_of_sight`) at a node holding the latest bearings ``latest`` (P, 4) of the object: kept
    as the sensor's latest bearing, and crossed with the other current ones. Returns whether that gives a fix to
    fuse, then in ``work[9]`` (``[1]`` its time, ``[2:5]`` the point, ``[5:8]`` each axis's variance,
    :func:`_triangulated`); a bearing older than the one held is discarded and counted in ``stale[r]``.

    The fix and its variances depend only on the current bearings (their sensors, times, bearings, elevations
    and variances) and the arriving sensor, so the last ones computed are kept in ``work`` with those: a report
    reaching many nodes that hold the same bearings is triangulated once (the numbers are the same: the same
    arithmetic on the same inputs)."""
    sites, brg, sig, used, pos, cov, fix_work, memo_key, memo_n, memo = work
    at, a = report[0], passive.slot[s]
    if at < latest[a, 0]:
        stale[r] += 1  # older than this sensor's bearing the node holds
        return False
    o = passive.origin[s]
    latest[a, 0], latest[a, 1], latest[a, 2], latest[a, 3] = at, sight[0], sight[1], sight[2]
    n = 0
    spread = 0.0
    newest = at
    for c in range(latest.shape[0]):  # the current bearings (this one first)
        b = (a + c) % latest.shape[0]
        if abs(at - latest[b, 0]) <= passive.window[b]:
            used[n] = b
            spread = max(spread, abs(at - latest[b, 0]))
            newest = max(newest, latest[b, 0])  # (one that came over a faster path may be later)
            n += 1
    if n < 2:
        return False  # a lone bearing places nothing
    same = memo_n[0] == n and memo_n[1] == a  # (the arriving sensor: its height is the fix's without elevations)
    for c in range(n):
        if not same:
            break
        same = memo_key[c, 0] == used[c]
        for e in range(4):
            same &= _same(memo_key[c, 1 + e], latest[used[c], e])
    if not same:
        memo_n[0], memo_n[1] = n, a
        for c in range(n):
            memo_key[c, 0] = used[c]
            for e in range(4):
                memo_key[c, 1 + e] = latest[used[c], e]
        memo[0] = _triangulated(sites, brg, sig, used, n, latest, passive, o, spread, speed_var, fix_work, pos, cov,
                                memo)
        memo[1] = newest  # the fix is as of its latest bearing
    if memo[0] == 0.0:
        return False  # lines that do not cross place nothing
    for c in range(n):
        latest[used[c], 0] = -np.inf  # each bearing enters one fix
    return True


@numba.njit(cache=True, nogil=True, inline="always")
def _same(a, b):  # pragma: no cover - compiled
    """Whether two numbers are the same: equal with the same sign (0.0 and -0.0 differ), or both NaN."""
    if a == b:
        return a != 0.0 or np.copysign(1.0, a) == np.copysign(1.0, b)
    return np.isnan(a) and np.isnan(b)


@numba.njit(cache=True, nogil=True)
def _triangulated(sites, brg, sig, used, n, latest, passive, o, spread, speed_var, fix_work, pos, cov,
                  out):  # pragma: no cover - compiled
    """The fix of the ``n`` current bearings (their passive indices ``used``; sites, bearings and errors read from
    ``latest`` into the work arrays ``sites``, ``brg``, ``sig``) as :func:`_bearing_fix` gives it, into
    ``out[2:5]`` the point and ``out[5:8]`` each axis's variance: east and north each with the largest eigenvalue
    of the fix's covariance plus the target's possible motion over the bearings' ``spread`` in time; the height
    from the elevations measured (each weighted by its variance), or the arriving sensor's height ``o[2]`` at an
    infinite variance. Returns 1.0 for a fix, 0.0 for none (lines that do not cross)."""
    for c in range(n):
        so = passive.origin[passive.sensor[used[c]]]
        sites[c, 0], sites[c, 1] = so[0], so[1]
        brg[c], sig[c] = latest[used[c], 1], np.sqrt(latest[used[c], 3])
    if not fix(sites, brg, sig, n, 3, pos, cov, fix_work):
        return 0.0
    half = 0.5 * (cov[0, 0] + cov[1, 1])
    var_xy = half + np.sqrt(0.25 * (cov[0, 0] - cov[1, 1]) ** 2 + cov[0, 1] ** 2) + speed_var * spread**2
    # the height from the elevations measured, each weighted by its variance
    w_sum = z_sum = 0.0
    for c in range(n):
        el = latest[used[c], 2]
        if np.isnan(el):
            continue
        so = passive.origin[passive.sensor[used[c]]]
        ex, ey = pos[0] - so[0], pos[1] - so[1]
        g = max(np.hypot(ex, ey), 1.0)
        ux, uy = ex / g, ey / g
        var_g = ux * ux * cov[0, 0] + 2 * ux * uy * cov[0, 1] + uy * uy * cov[1, 1]
        tan = np.tan(el)
        var_z = (g * sig[c] / np.cos(el) ** 2) ** 2 + tan * tan * var_g + speed_var * spread**2
        w_sum += 1.0 / var_z
        z_sum += (so[2] + g * tan) / var_z
    out[2], out[3], out[4] = pos[0], pos[1], z_sum / w_sum if w_sum > 0 else o[2]
    out[5], out[6], out[7] = var_xy, var_xy, 1.0 / w_sum if w_sum > 0 else np.inf
    return 1.0
