"""Each sensor's own tracks, look by look, over every replication at once (compiled with numba).

One look of one sensor (:func:`scan_looks`):

1. **Plots.** The look's detections become plots: targets the sensor cannot resolve merge into one
   plot at the centroid of their positions: the nearest detection not yet in a plot opens one, and every
   other within the sensor's range resolution beyond it, its azimuth resolution in bearing and its
   elevation resolution in elevation joins it (a plot spans one resolution cell, so a long string of
   targets gives several plots). The plot
   carries the measurement error of its strongest member (the highest Pd; its keyed noise draw), and that
   member as its truth. The look's false plots (drawn by the caller) join them with truth -1.
2. **Association.** The sensor's tracks are predicted to the look's time (constant velocity, the DWNA
   process noise of :func:`iadsim.tracking.cv_process_noise`) and the plots go to them by global nearest
   neighbour: the assignment of least total squared Mahalanobis distance among those with the most pairs
   inside the chi-square gate (the rule of :func:`iadsim.tracking.associate`; here a Hungarian algorithm on
   the gated tracks and plots, or direct when no two tracks and plots compete).
3. **Filtering and management.** Associated tracks are updated (Kalman); every track then scans under the
   M-of-N rules of :func:`iadsim.tracking.tracks.scan_rules` (the module's one implementation);
   plots left over open tentative tracks (single-point initiation) in free slots.
4. **Reports.** Each plot a confirmed track takes is reported (what the sensor sends over its links to the
   nodes' pictures, :mod:`iadsim.tracking.picture`).

A passive sensor measures no range: its detections are lines of sight, and its tracks are tracks of the line of
sight as a point :data:`ANGLE_RANGE` out along it (bearing and elevation, or bearing alone on the horizontal
circle), with the bearing error times that distance as the plot's error. The same association, filtering and
M-of-N then work in angle (a target manoeuvring with the process noise's acceleration at that distance: nearer it
turns faster in angle, farther slower); its reports are those points, which a node turns back into bearings
(:mod:`iadsim.tracking.picture`). A passive sensor resolves every target (no merging: an ESM sorts emitters
by their signals) and has no false plots.

Measurements are isotropic (one position variance per plot, as :func:`iadsim.tracking.fuse_in_order`
takes them), so each axis has the same 2 x 2 covariance ``(pp, pv, vv)`` and a track stores three numbers.

``truth`` is the true object of a track's latest plot (-1: a false plot): association never reads it; the
engine scores the picture with it, names what a sensor follows with it and keys each node's picture by it
(perfect correlation of one object's tracks across sensors at the nodes).

References
----------
S. Blackman, R. Popoli, *Design and Analysis of Modern Tracking Systems*, Artech House, 1999, sec. 6.5
(global nearest neighbour), ch. 3 (track initiation and M-of-N).
H. W. Kuhn, "The Hungarian method for the assignment problem", *Naval Research Logistics Quarterly* 2,
1955; the shortest-augmenting-path form of R. Jonker, A. Volgenant, *Computing* 38, 1987.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from iadsim.memory import held_bytes, prefetch, sparse_zeros
from iadsim.tracking.tracks import CONFIRMED, FREE, TENTATIVE, scan_rules

__all__ = ["ANGLE_RANGE", "REPORT_FIELDS", "SLOT", "SensorTrackTable", "min_cost_assignment", "scan_looks",
           "slots_needed"]

# This module's kernels are compiled with numba's "numpy" error model: a division by zero would give inf or nan
# instead of raising. None can happen as the engine calls them: every divisor is a count of at least one, a constant,
# or a track's position variance plus a plot's (at least MIN_SIGMA squared, :mod:`iadsim.engine.phases`); a caller of
# scan_looks must pass positive plot variances. The default model's zero check on every division cost scan_looks
# about a sixth of its time at 500 replications (measured on 2026-12-05; results bit-identical). Its helpers inlined
# into iadsim.tracking.picture's kernels keep the default model there.


def slots_needed(n_targets: int, clutter: float, confirm_looks: int) -> int:
    """Track slots per sensor and replication: two per target (a track and its successor after a break), room
    for the tentative tracks of false plots (three times the most cluttered sensor's mean per look, ``clutter``,
    over the ``confirm_looks`` looks a tentative track may live) and a margin of 16."""
    return 2 * int(n_targets) + 16 + int(np.ceil(3 * clutter * confirm_looks))


SLOT = np.dtype([("x", np.float64, (6,)), ("p", np.float64, (3,)), ("time", np.float64), ("hits", np.int16),
                 ("scans", np.int16), ("misses", np.int16), ("status", np.int8)], align=True)
"""One track slot's fields side by side (88 bytes): a look reads and writes a slot's state, covariance, time and
counters together, so :meth:`SensorTrackTable.empty` keeps them in one record per slot. In separate arrays a look's
few slots lie on about nine cache lines instead of four, and at 500 replications, whose tables no longer fit the
cache, :func:`scan_looks` took a fifth to a half longer (measured on 2026-12-05; results bit-identical). ``truth``
stays an array of its own: a free slot's is -1, and filling that into every record would make the operating system
keep the whole table in memory, where untouched zeros take none (at 1,000 aircraft most slots are never used)."""


@dataclass
class SensorTrackTable:
    """Track slots of every sensor in every replication, arrays ``(R, S, N)`` leading (:meth:`empty`: views of one
    array of :data:`SLOT` records)."""

    x: np.ndarray  # (R, S, N, 6) position [m], velocity [m/s] at ``time``
    p: np.ndarray  # (R, S, N, 3) per-axis covariance (pp [m^2], pv [m^2/s], vv [m^2/s^2])
    status: np.ndarray  # (R, S, N) int8 FREE, TENTATIVE, CONFIRMED
    hits: np.ndarray  # (R, S, N) int16
    scans: np.ndarray  # (R, S, N) int16
    misses: np.ndarray  # (R, S, N) int16
    truth: np.ndarray  # (R, S, N) int32 the true object of the latest plot (-1: false)
    time: np.ndarray  # (R, S, N) [s] time of the state
    top: np.ndarray  # (R, S) int64: every slot in use is below it

    @property
    def nbytes(self) -> int:
        """Bytes the table's arrays hold (the fields of one array of records count it once)."""
        return held_bytes(*(getattr(self, name) for name in vars(self)))

    @classmethod
    def empty(cls, n_replications: int, n_sensors: int, n_slots: int) -> SensorTrackTable:
        """Free slots (every field 0, ``truth`` -1), each slot's fields but its truth in one :data:`SLOT` record."""
        shape = (n_replications, n_sensors, n_slots)
        slots = sparse_zeros(shape, SLOT)  # (slots never used take no memory)
        return cls(**{name: slots[name] for name in SLOT.names}, truth=np.full(shape, -1, np.int32),
                   top=np.zeros(shape[:2], np.int64))


@numba.njit(cache=True, nogil=True, error_model="numpy")
def min_cost_assignment(cost):  # pragma: no cover - compiled
    """Rows assigned to columns at least total cost, every row of a (n, m) matrix with n <= m assigned
    (Kuhn's Hungarian method, shortest augmenting paths with potentials, O(n^2 m)). Returns (n,) the
    column of each row."""
    n, m = cost.shape
    inf = np.inf
    u = np.zeros(n + 1)
    v = np.zeros(m + 1)
    owner = np.zeros(m + 1, np.int64)  # owner[j]: 1-based row holding column j (0: none)
    way = np.zeros(m + 1, np.int64)
    minv = np.empty(m + 1)
    used = np.empty(m + 1, np.bool_)
    for i in range(1, n + 1):
        owner[0] = i
        j0 = 0
        minv[:] = inf
        used[:] = False
        while True:
            used[j0] = True
            i0 = owner[j0]
            delta = inf
            j1 = 0
            for j in range(1, m + 1):
                if not used[j]:
                    cur = cost[i0 - 1, j - 1] - u[i0] - v[j]
                    if cur < minv[j]:
                        minv[j] = cur
                        way[j] = j0
                    if minv[j] < delta:
                        delta = minv[j]
                        j1 = j
            for j in range(m + 1):
                if used[j]:
                    u[owner[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if owner[j0] == 0:
                break
        while j0 != 0:
            j1 = way[j0]
            owner[j0] = owner[j1]
            j0 = j1
    out = np.full(n, -1, np.int64)
    for j in range(1, m + 1):
        if owner[j] > 0:
            out[owner[j] - 1] = j - 1
    return out


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _angles(a, d, det_pos, origin, az, el, angled):  # pragma: no cover - compiled
    """Azimuth and elevation of detection ``d`` from ``origin`` into ``az[a]``, ``el[a]``, once (``angled``)."""
    if not angled[a]:
        dx, dy, dz = det_pos[d, 0] - origin[0], det_pos[d, 1] - origin[1], det_pos[d, 2] - origin[2]
        az[a] = np.arctan2(dx, dy)
        el[a] = np.arctan2(dz, np.sqrt(dx * dx + dy * dy))
        angled[a] = True


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _plots(first, last, det_t, det_pos, det_noise, det_sigma, det_pd, origin, res, member, rng, az, el, angled, order,
           z, var, truth):  # pragma: no cover - compiled
    """The plots of detections ``first:last`` seen from ``origin`` with resolutions ``res`` (range, azimuth,
    elevation), into ``z``, ``var``, ``truth``; returns how many. The nearest detection not yet in a plot
    opens one, and every other such detection within the resolution of it (not of another member: a plot
    spans one resolution cell) joins it. ``member``, ``rng``, ``az``, ``el``, ``angled``, ``order``: work arrays
    (the angles are computed only for detections within the range resolution of another)."""
    nd = last - first
    for a in range(nd):
        d = first + a
        dx, dy, dz = det_pos[d, 0] - origin[0], det_pos[d, 1] - origin[1], det_pos[d, 2] - origin[2]
        rng[a] = np.sqrt(dx * dx + dy * dy + dz * dz)
        member[a] = -1
        angled[a] = False
        b = a  # insertion sort by range (a look has few detections)
        while b > 0 and rng[order[b - 1]] > rng[a]:
            order[b] = order[b - 1]
            b -= 1
        order[b] = a
    n_plots = 0
    for u in range(nd):
        a = order[u]
        if member[a] >= 0:
            continue
        best, size = a, 0
        cx, cy, cz = 0.0, 0.0, 0.0
        for v in range(u, nd):
            b = order[v]
            if b != a:
                gap = rng[b] - rng[a]
                if gap >= res[0]:
                    break  # (by range: the rest are farther still)
                if not gap < res[0] or member[b] >= 0:  # (NaN)
                    continue
                _angles(a, first + a, det_pos, origin, az, el, angled)
                _angles(b, first + b, det_pos, origin, az, el, angled)
                da = abs(az[a] - az[b]) % (2 * np.pi)
                da = min(da, 2 * np.pi - da)
                if not (da < res[1] and abs(el[a] - el[b]) < res[2]):
                    continue
            member[b] = n_plots
            d = first + b
            cx += det_pos[d, 0]
            cy += det_pos[d, 1]
            cz += det_pos[d, 2]
            size += 1
            if det_pd[d] > det_pd[first + best]:
                best = b
        d = first + best
        z[n_plots, 0] = cx / size + det_noise[d, 0] * det_sigma[d]
        z[n_plots, 1] = cy / size + det_noise[d, 1] * det_sigma[d]
        z[n_plots, 2] = cz / size + det_noise[d, 2] * det_sigma[d]
        var[n_plots] = det_sigma[d] * det_sigma[d]
        truth[n_plots] = det_t[d]
        n_plots += 1
    return n_plots


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _associate(x, p, status, used, z, var, n_p, gate, hit, match, taken, slots, d2, deg_t,
               deg_p):  # pragma: no cover - compiled
    """Global nearest neighbour of plots ``z[:n_p]`` (variances ``var``) to the active slots below ``used`` of
    one sensor's tracks (``x``, ``p``, ``status`` (N, ...), predicted): sets ``hit``/``match`` per slot,
    ``taken`` per plot (``slots``, ``d2``, ``deg_t``, ``deg_p``: work arrays at least (N,), (N, n_p), (N,),
    (n_p,))."""
    n_a = 0
    for i in range(used):
        if status[i] != FREE:
            slots[n_a] = i
            n_a += 1
    deg_p[:n_p] = 0
    total = 0.0
    for a in range(n_a):
        i = slots[a]
        deg_t[a] = 0
        for j in range(n_p):
            d2[a, j] = np.inf
            s_ = p[i, 0] + var[j]
            d = ((z[j, 0] - x[i, 0]) ** 2 + (z[j, 1] - x[i, 1]) ** 2 + (z[j, 2] - x[i, 2]) ** 2) / s_
            if d <= gate:
                d2[a, j] = d
                deg_t[a] += 1
                deg_p[j] += 1
                total += d
    compete = False
    for a in range(n_a):
        if deg_t[a] > 1:
            compete = True
    for j in range(n_p):
        if deg_p[j] > 1:
            compete = True
    if not compete:  # each gated track has one gated plot, and that plot no other track
        for a in range(n_a):
            for j in range(n_p):
                if d2[a, j] <= gate:
                    hit[slots[a]] = True
                    match[slots[a]] = j
                    taken[j] = True
        return
    rows = np.flatnonzero(deg_t[:n_a] > 0)
    cols = np.flatnonzero(deg_p[:n_p] > 0)
    big = 1.0 + total  # more than any sum of gated distances: the most gated pairs first, then the least sum
    flip = rows.shape[0] > cols.shape[0]
    n_small, n_large = min(rows.shape[0], cols.shape[0]), max(rows.shape[0], cols.shape[0])
    cost = np.empty((n_small, n_large))
    for a in range(rows.shape[0]):
        for b in range(cols.shape[0]):
            d = d2[rows[a], cols[b]]
            c = d if d <= gate else big
            if flip:
                cost[b, a] = c
            else:
                cost[a, b] = c
    chosen = min_cost_assignment(cost)
    for u in range(n_small):
        a, b = (chosen[u], u) if flip else (u, chosen[u])
        if d2[rows[a], cols[b]] <= gate:
            i, j = slots[rows[a]], cols[b]
            hit[i] = True
            match[i] = j
            taken[j] = True


ANGLE_RANGE = 10e3
"""Distance [m] along a passive sensor's line of sight at which its detections are placed as plots (a bearing of
error sigma [rad] is a plot there with error ``ANGLE_RANGE * sigma``): angle tracks with the tracker's position
machinery."""

REPORT_FIELDS = ("time", "variance", "x", "y", "z")
"""The columns of a track report's numbers (``out_f`` of :func:`scan_looks`): the plot's time [s], its isotropic
position variance [m^2] and its position [m] (a passive sensor's: on its line of sight, :data:`ANGLE_RANGE`)."""


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _report(out_i, out_f, n, r, s, t, now, z, var):  # pragma: no cover - compiled
    """Write report ``n`` (:data:`REPORT_FIELDS`); returns n + 1."""
    out_i[n, 0], out_i[n, 1], out_i[n, 2] = r, s, t
    out_f[n, 0], out_f[n, 1] = now, var
    for a in range(3):
        out_f[n, 2 + a] = z[a]
    return n + 1


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _predict_cov(pp, pv, vv, h, q):  # pragma: no cover - compiled
    """One axis's covariance ``(pp, pv, vv)`` ``h`` seconds ahead at constant velocity with DWNA process noise ``q``
    [m^2/s^4] (Bar-Shalom, Li & Kirubarajan 2001, eq. 6.3.2-4, per axis): the new ``(pp, pv, vv)`` (numbers in,
    numbers out)."""
    return pp + 2 * h * pv + h * h * vv + q * h**4 / 4.0, pv + h * vv + q * h**3 / 2.0, vv + q * h * h


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _gain(pp, pv, vv, var):  # pragma: no cover - compiled
    """Kalman update of one axis's covariance ``(pp, pv, vv)`` by a position of variance ``var``: the new
    ``(pp, pv, vv)``, then the gains (position, velocity) for the innovation."""
    s_ = pp + var
    return pp * var / s_, pv * var / s_, vv - pv * pv / s_, pp / s_, pv / s_


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _predict(x, p, h, q):  # pragma: no cover - compiled
    """Predict one track (``x`` (6,), ``p`` (3,) the covariance every axis shares) ``h`` seconds ahead at constant
    velocity with DWNA process noise ``q`` [m^2/s^4]."""
    for a in range(3):
        x[a] += h * x[3 + a]
    p[0], p[1], p[2] = _predict_cov(p[0], p[1], p[2], h, q)


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _update(x, p, z, var):  # pragma: no cover - compiled
    """Kalman update of one track (``x`` (6,), ``p`` (3,) the covariance every axis shares) with a position ``z``
    of isotropic variance ``var``."""
    p[0], p[1], p[2], kx, kv = _gain(p[0], p[1], p[2], var)
    for a in range(3):
        nu = z[a] - x[a]
        x[a] += kx * nu
        x[3 + a] += kv * nu


@numba.njit(cache=True, nogil=True, error_model="numpy")
def scan_looks(rows, sensors, when, det_ptr, det_t, det_pos, det_noise, det_sigma, det_pd, fa_ptr, fa_z, fa_var,
               origin, resolution, x, p, status, hits, scans, misses, truth, ttime, top, m, n, k, q, speed_var, gate,
               confirmed_at, held_since, held_until, flying, dropped, false_confirmed, swaps, breaks, out_confirmed,
               out_i, out_f):  # pragma: no cover - compiled
    """One look of sensor ``sensors[l]`` in replication row ``rows[l]`` at ``when[l]`` for each ``l``, in order.

    Detections of look ``l`` are ``det_ptr[l]:det_ptr[l + 1]`` (true object, true position, standard normal noise (3,),
    position sigma [m], Pd); its false plots ``fa_ptr[l]:fa_ptr[l + 1]`` (position, variance). ``origin`` (S, 3) the
    sensors' positions, ``resolution`` (S, 3) range [m], azimuth and elevation [rad] (0: resolves everything); the
    plots' sigmas and variances must be positive. The track table (arrays (R, S, N)) is updated in place; ``m``,
    ``n``, ``k`` the M-of-N rules, ``q`` the process noise [m^2/s^4] (DWNA acceleration variance), ``speed_var``
    a new track's velocity variance, ``gate`` the chi-square gate on the squared Mahalanobis distance (3 degrees of
    freedom).

    Which true objects each sensor follows (a confirmed track whose truth it is) is kept in
    ``confirmed_at``/``held_since``/``held_until`` (R, S, T): a newly followed object's flat index goes to
    ``out_confirmed``; one no longer followed is held from its confirmation until now. ``confirmed_at`` is finite
    exactly for the objects of a sensor's confirmed tracks, as this function leaves it (clearing a sensor's tracks
    clears its ``confirmed_at`` too: :func:`iadsim.engine.phases.end_tracks`), so a look visits only the objects
    its sensor followed before it or follows after it, not every object. Each plot a confirmed track
    takes is reported (what the sensor sends to the nodes' pictures, :mod:`iadsim.tracking.picture`): ``out_i``
    (replication row, sensor, the plot's truth) and ``out_f`` (:data:`REPORT_FIELDS`: the plot's time, variance
    and position); plots of no true object (truth -1) are not reported (a node's picture is keyed by the true
    object, the scoring column).
    ``dropped`` (R,) counts plots that found no free slot, ``false_confirmed`` (R,) false tracks confirmed,
    ``swaps`` (R,) plots of another object (or a false one) taken by a confirmed track, ``breaks`` (R,) objects
    still flying (``flying`` (R, T)) that a sensor stopped following.
    Returns (objects newly followed, reports written).
    """
    n_t = confirmed_at.shape[2]
    n_slots = status.shape[2]
    most = 1
    for l in range(rows.shape[0]):
        most = max(most, det_ptr[l + 1] - det_ptr[l] + fa_ptr[l + 1] - fa_ptr[l])
    member = np.empty(most, np.int64)
    order = np.empty(most, np.int64)
    rng = np.empty(most)
    az = np.empty(most)
    el = np.empty(most)
    angled = np.empty(most, np.bool_)
    z = np.empty((most, 3))
    var = np.empty(most)
    ptruth = np.empty(most, np.int64)
    taken = np.empty(most, np.bool_)
    hit = np.empty(n_slots, np.bool_)
    match = np.empty(n_slots, np.int64)
    slots = np.empty(n_slots, np.int64)
    d2 = np.empty((n_slots, most))
    deg_t = np.empty(n_slots, np.int64)
    deg_p = np.empty(most, np.int64)
    follow = np.zeros(n_t, np.bool_)
    objects = np.empty(2 * n_slots, np.int64)  # the objects followed before the look, then after it
    n_conf = 0
    n_out = 0
    for l in range(rows.shape[0]):
        r, s, now = rows[l], sensors[l], when[l]
        if l + 1 < rows.shape[0] and top[rows[l + 1], sensors[l + 1]] > 0:
            # the next look's first slot (the start and the status of its SLOT record), its second slot's status
            # and its first truth, asked for now: each look's tracks lie far from the last look's, and waiting for
            # them was a third of this function's time at 500 replications (perf, 2026-12-05; also asking for the
            # record's middle line was no faster)
            r1, s1 = rows[l + 1], sensors[l + 1]
            prefetch(x, (r1, s1, 0, 0))
            prefetch(status, (r1, s1, 0))
            prefetch(status, (r1, s1, min(1, n_slots - 1)))
            prefetch(truth, (r1, s1, 0))
        if top[r, s] == 0 and det_ptr[l + 1] == det_ptr[l] and fa_ptr[l + 1] == fa_ptr[l]:
            continue  # no track and no plot: nothing changes (what it follows was settled at its last look)
        n_p = _plots(det_ptr[l], det_ptr[l + 1], det_t, det_pos, det_noise, det_sigma, det_pd, origin[s],
                     resolution[s], member, rng, az, el, angled, order, z, var, ptruth)
        for f in range(fa_ptr[l], fa_ptr[l + 1]):
            z[n_p, 0], z[n_p, 1], z[n_p, 2] = fa_z[f, 0], fa_z[f, 1], fa_z[f, 2]
            var[n_p] = fa_var[f]
            ptruth[n_p] = -1
            n_p += 1
        # predict the sensor's tracks to now
        n_active = 0
        n_obj = 0  # what the sensor follows now: its confirmed tracks' objects (confirmed_at is finite for these)
        used = top[r, s]
        for i in range(used):
            hit[i] = False
            if status[r, s, i] == FREE:
                continue
            n_active += 1
            if status[r, s, i] == CONFIRMED and truth[r, s, i] >= 0:
                objects[n_obj] = truth[r, s, i]
                n_obj += 1
            _predict(x[r, s, i], p[r, s, i], max(now - ttime[r, s, i], 0.0), q)
            ttime[r, s, i] = now
        for j in range(n_p):
            taken[j] = False
        if n_active and n_p:
            _associate(x[r, s], p[r, s], status[r, s], used, z, var, n_p, gate, hit, match, taken, slots, d2, deg_t,
                       deg_p)
        # update the associated tracks, then every track scans under the M-of-N rules
        changed = False  # whether what the sensor follows may have changed
        for i in range(used):
            if status[r, s, i] == FREE:
                continue
            if hit[i]:
                j = match[i]
                _update(x[r, s, i], p[r, s, i], z[j], var[j])
                if truth[r, s, i] != ptruth[j] and status[r, s, i] == CONFIRMED:
                    changed = True
                    swaps[r] += 1
                truth[r, s, i] = ptruth[j]
            before = status[r, s, i]
            status[r, s, i], hits[r, s, i], scans[r, s, i], misses[r, s, i] = scan_rules(
                status[r, s, i], hits[r, s, i], scans[r, s, i], misses[r, s, i], hit[i], p[r, s, i, 0], m, n, k,
                np.inf)
            if before == TENTATIVE and status[r, s, i] == CONFIRMED and truth[r, s, i] < 0:
                false_confirmed[r] += 1
            changed |= status[r, s, i] != before
            if status[r, s, i] == FREE:
                truth[r, s, i] = -1
            elif hit[i] and status[r, s, i] == CONFIRMED and truth[r, s, i] >= 0:
                n_out = _report(out_i, out_f, n_out, r, s, truth[r, s, i], now, z[match[i]], var[match[i]])
        # plots left over open tentative tracks
        slot = 0
        for j in range(n_p):
            if taken[j]:
                continue
            while slot < n_slots and status[r, s, slot] != FREE:
                slot += 1
            if slot == n_slots:
                dropped[r] += 1
                continue
            used = max(used, slot + 1)
            for a in range(3):
                x[r, s, slot, a] = z[j, a]
                x[r, s, slot, 3 + a] = 0.0
            p[r, s, slot, 0], p[r, s, slot, 1], p[r, s, slot, 2] = var[j], 0.0, speed_var
            status[r, s, slot] = CONFIRMED if m <= 1 else TENTATIVE
            hits[r, s, slot], scans[r, s, slot], misses[r, s, slot] = 1, 1, 0
            truth[r, s, slot] = ptruth[j]
            ttime[r, s, slot] = now
            if m <= 1:
                changed = True
                false_confirmed[r] += int(ptruth[j] < 0)
                if ptruth[j] >= 0:
                    n_out = _report(out_i, out_f, n_out, r, s, ptruth[j], now, z[j], var[j])
        while used > 0 and status[r, s, used - 1] == FREE:
            used -= 1
        top[r, s] = used
        if not changed:
            continue
        # which true objects the sensor follows now: only those it followed before the look or follows after it can
        # change (the others' confirmed_at stays inf), visited in object order
        for i in range(used):
            if status[r, s, i] == CONFIRMED and truth[r, s, i] >= 0:
                follow[truth[r, s, i]] = True
                objects[n_obj] = truth[r, s, i]
                n_obj += 1
        for c in range(1, n_obj):  # insertion sort (a sensor follows few objects)
            v, e = objects[c], c
            while e > 0 and objects[e - 1] > v:
                objects[e] = objects[e - 1]
                e -= 1
            objects[e] = v
        for c in range(n_obj):
            t = objects[c]
            if c > 0 and t == objects[c - 1]:
                continue
            if follow[t] and np.isinf(confirmed_at[r, s, t]):
                confirmed_at[r, s, t] = now
                out_confirmed[n_conf] = (r * confirmed_at.shape[1] + s) * n_t + t
                n_conf += 1
            elif not follow[t] and np.isfinite(confirmed_at[r, s, t]):
                breaks[r] += int(flying[r, t])
                held_since[r, s, t] = confirmed_at[r, s, t]
                held_until[r, s, t] = now
                confirmed_at[r, s, t] = np.inf
        for c in range(n_obj):
            follow[objects[c]] = False
    return n_conf, n_out
