"""How good a track picture is: OSPA between tracks and truth, and the SIAP counts (compiled with numba).

**OSPA** (optimal subpattern assignment; Schuhmacher, Vo & Vo 2008) of order ``p`` with cut-off ``c`` between
a set of estimated positions X (n of them) and true positions Y (m), n <= m::

    d = ( (1/m) ( min over assignments of sum_i min(|x_i - y_pi(i)|, c)^p + c^p (m - n) ) )^(1/p)

(0 when both sets are empty): localisation error and cardinality error in one distance, in metres. The
assignment minimises the sum of the p-th powers, as the definition says (Stone Soup's ``OSPAMetric``
minimises the sum of the distances and then takes the p-th powers, which can give a larger value when
p > 1).

**SIAP** (Single Integrated Air Picture; Votruba 2001, as in Stone Soup's ``SIAPMetrics``) from counts at one
time: J objects the node should hold, JT of them held by at least one track, N tracks, NA of them assigned
to a true object, and the distinct objects those follow. Completeness = JT / J, ambiguity = NA / distinct,
spuriousness = (N - NA) / N. Here a track is assigned to the object of its latest plot (the scoring column
of :mod:`iadsim.tracking.scan`).

References
----------
D. Schuhmacher, B.-T. Vo, B.-N. Vo, "A consistent metric for performance evaluation of multi-object
filters", *IEEE Trans. Signal Processing* 56(8), 2008, Eq. 3.
P. Votruba, R. Nisley, R. Rothrock, B. Zombro, *Single Integrated Air Picture (SIAP) Metrics Implementation*,
SIAP System Engineering Task Force technical report 2001-003, 2001.
"""

from __future__ import annotations

import numba
import numpy as np

from iadsim.tracking.scan import min_cost_assignment
from iadsim.tracking.tracks import CONFIRMED, TENTATIVE

__all__ = ["OSPA_CUTOFF", "OSPA_ORDER", "held_objects", "node_counts", "ospa", "ospa_in",
           "picture_counts", "placed_objects", "tentative_objects"]

OSPA_CUTOFF = 5000.0
"""[m] the OSPA cut-off c the picture-quality series use (issue 19: c = 5 km)."""
OSPA_ORDER = 2.0
"""The OSPA order p the picture-quality series use."""
WORK_SPACE = 1 << 16
"""The most elements of each work-space array the picture kernels give :func:`ospa_in` (512 kB of float64): larger
sets of points (rare) get their own."""


@numba.njit(cache=True, nogil=True)
def ospa(estimates, truths, c, p):  # pragma: no cover - compiled
    """OSPA distance [m] between ``estimates`` (n, 3) and ``truths`` (m, 3) positions, cut-off ``c`` [m] (c^p
    finite), order ``p`` (module docstring): :func:`ospa_in` with work space of its own."""
    return ospa_in(estimates, truths, c, p, np.empty(0), np.empty(0, np.int64))


@numba.njit(cache=True, nogil=True)
def ospa_in(estimates, truths, c, p, reals, ints):  # pragma: no cover - compiled
    """:func:`ospa`, its work space in ``reals`` (float64, n m) and ``ints`` (int64, 5 (n + m) + 1) where they are
    that long (else allocated here): the pictures' scores call it thousands of times per sample, mostly on a few
    points. One point needs no work space (its closest partner); a group of two and two is decided as
    :func:`min_cost_assignment` decides it, without calling it; the groups are ordered by a counting sort.

    With n <= m the sum to minimise is ``c^p m + sum over the assigned pairs closer than c of (d^p - c^p)``: a
    pair at the cut-off or beyond adds c^p whether assigned or not. So the assignment splits over the groups of
    points linked by pairs closer than c (connected components), each solved on its own
    (:func:`min_cost_assignment` on its few points; one point: its closest partner): the same minimum as over the
    whole sets, at a fraction of the work when the points are spread out (a picture's tracks near their objects).
    The sum is then added up as the definition's (the chosen pairs' min(d, c)^p, and c^p for each point left),
    not from the differences."""
    n, m = estimates.shape[0], truths.shape[0]
    if n == 0 or m == 0:  # nothing to assign: 0 for two empty sets, else every point costs the cut-off
        return 0.0 if n == m else c
    small, large = (estimates, truths) if n <= m else (truths, estimates)
    ns, nl = small.shape[0], large.shape[0]
    cp = c**p
    if ns == 1:  # one point: its closest partner if closer than c (the general case's answer, with no work space)
        best = cp
        for j in range(nl):
            d = np.sqrt((small[0, 0] - large[j, 0]) ** 2 + (small[0, 1] - large[j, 1]) ** 2
                        + (small[0, 2] - large[j, 2]) ** 2)
            if d < c and d**p < best:
                best = d**p
        chosen = int(best < cp)
        total = best if chosen else 0.0
        if nl > chosen:
            total += cp * (nl - chosen)
        return (total / nl) ** (1.0 / p)
    na = ns + nl
    if reals.shape[0] < ns * nl:
        reals = np.empty(ns * nl)
    if ints.shape[0] < 5 * na + 1:
        ints = np.empty(5 * na + 1, np.int64)
    cost = reals[:ns * nl].reshape((ns, nl))  # min(d, c)^p (Eq. 3's); the pairs below c^p are the close ones
    root = ints[:na]  # union-find over the points: small's, then large's (the integer arrays lie in turn in ints)
    for a in range(na):
        root[a] = a
    for i in range(ns):
        for j in range(nl):
            d = np.sqrt((small[i, 0] - large[j, 0]) ** 2 + (small[i, 1] - large[j, 1]) ** 2
                        + (small[i, 2] - large[j, 2]) ** 2)
            cost[i, j] = d**p if d < c else cp  # (the power only where it matters)
            if cost[i, j] < cp:
                a, b = _find(root, i), _find(root, ns + j)
                root[max(a, b)] = min(a, b)
    label = ints[na:2 * na]  # each point's group: its first point
    for a in range(na):
        label[a] = _find(root, a)
    # the groups in turn, each's points ascending (small's first): a stable counting sort by label (a point's index)
    start = ints[2 * na:3 * na + 1]
    start[:] = 0
    for a in range(na):
        start[label[a] + 1] += 1
    for a in range(na):
        start[a + 1] += start[a]
    order = ints[3 * na + 1:4 * na + 1]
    for a in range(na):
        order[start[label[a]]] = a
        start[label[a]] += 1
    rows = ints[4 * na + 1:4 * na + 1 + ns]
    cols = ints[4 * na + 1 + ns:]
    total = 0.0  # the chosen pairs' cost
    chosen = 0  # how many
    e = 0
    while e < ns + nl:  # each group
        k = q = 0
        g = label[order[e]]
        while e < ns + nl and label[order[e]] == g:
            if order[e] < ns:
                rows[k] = order[e]
                k += 1
            else:
                cols[q] = order[e] - ns
                q += 1
            e += 1
        if k == 0 or q == 0:  # no close partner: left, c^p
            continue
        if k == 1 or q == 1:  # one point: its closest partner
            ia, ib = rows[0], cols[0]
            for a in range(k):
                for b in range(q):
                    if cost[rows[a], cols[b]] < cost[ia, ib]:
                        ia, ib = rows[a], cols[b]
            total += cost[ia, ib]
            chosen += 1
            continue
        if k == 2 and q == 2:  # two and two (aircraft flying together): the pairing min_cost_assignment picks,
            # decided as it decides it (each row its cheaper column; when both want the same one, the row that loses
            # less by leaving it leaves it), so near-ties go the same way
            a00, a01 = cost[rows[0], cols[0]] - cp, cost[rows[0], cols[1]] - cp
            a10, a11 = cost[rows[1], cols[0]] - cp, cost[rows[1], cols[1]] - cp
            first, second = a01 < a00, a11 < a10  # (True: the second column)
            if first != second:
                crossed = first
            elif not first:
                crossed = (a01 - a00) < (a11 - a10)
            else:
                crossed = not ((a00 - a01) < (a10 - a11))
            if crossed:
                total += cost[rows[0], cols[1]]
                total += cost[rows[1], cols[0]]
            else:
                total += cost[rows[0], cols[0]]
                total += cost[rows[1], cols[1]]
            chosen += 2
            continue
        # the group's pairs by the difference they make, cost - c^p (far pairs 0: as good as leaving both)
        sub = np.empty((min(k, q), max(k, q)))
        for a in range(k):
            for b in range(q):
                if k <= q:
                    sub[a, b] = cost[rows[a], cols[b]] - cp
                else:
                    sub[b, a] = cost[rows[a], cols[b]] - cp
        pick = min_cost_assignment(sub)
        for a in range(sub.shape[0]):
            ia, ib = (rows[a], cols[pick[a]]) if k <= q else (rows[pick[a]], cols[a])
            total += cost[ia, ib]  # (c^p for a far pair: both points left)
            chosen += 1
    if nl > chosen:  # every point not chosen costs c^p (and an infinite c^p nothing when none is left)
        total += cp * (nl - chosen)
    return (total / nl) ** (1.0 / p)


@numba.njit(cache=True, nogil=True, inline="always")
def _find(root, a):  # pragma: no cover - compiled
    """The union-find root of ``a`` (halving the path as it goes)."""
    while root[a] != a:
        root[a] = root[root[a]]
        a = root[a]
    return a


@numba.njit(cache=True, nogil=True)
def picture_counts(x, status, truth, time, top, now, objects, should, c, p, out):  # pragma: no cover - compiled
    """Each sensor's picture in each replication at time ``now``: ``out`` (R, S, 6) gets the OSPA [m] between its
    confirmed tracks (``x``, ``status``, ``truth``, ``time`` (R, S, N), slots in use below ``top`` (R, S): positions
    carried at their velocity to ``now``) and the true positions ``objects`` (T, 3) of the objects it should hold
    (``should`` (R, S, T)), and the SIAP counts J, JT, N, NA and the distinct objects followed."""
    n_r, n_s, n_slots = status.shape
    n_t = objects.shape[0]
    est = np.empty((n_slots, 3))
    tru = np.empty((n_t, 3))
    held = np.empty(n_t, np.bool_)
    reals = np.empty(min(n_slots * n_t, WORK_SPACE))  # (ospa's work space; it makes its own for larger sets)
    ints = np.empty(min(5 * (n_slots + n_t) + 1, WORK_SPACE), np.int64)
    for r in range(n_r):
        for s in range(n_s):
            if top[r, s] == 0:  # no track: every object it should hold is missed
                n_o = 0
                for t in range(n_t):
                    n_o += int(should[r, s, t])
                out[r, s, 0] = c if n_o else 0.0
                out[r, s, 1] = n_o
                out[r, s, 2:] = 0.0
                continue
            n_e = 0
            n_a = 0
            held[:] = False
            for i in range(top[r, s]):
                if status[r, s, i] != CONFIRMED:
                    continue
                h = now - time[r, s, i]
                for a in range(3):
                    est[n_e, a] = x[r, s, i, a] + h * x[r, s, i, 3 + a]
                n_e += 1
                if truth[r, s, i] >= 0:
                    n_a += 1
                    held[truth[r, s, i]] = True
            n_o = 0
            n_held = 0
            distinct = 0
            for t in range(n_t):
                distinct += int(held[t])
                if should[r, s, t]:
                    for a in range(3):
                        tru[n_o, a] = objects[t, a]
                    n_o += 1
                    n_held += int(held[t])
            out[r, s, 0] = ospa_in(est[:n_e], tru[:n_o], c, p, reals, ints)
            out[r, s, 1] = n_o
            out[r, s, 2] = n_held
            out[r, s, 3] = n_e
            out[r, s, 4] = n_a
            out[r, s, 5] = distinct


@numba.njit(cache=True, nogil=True, inline="always")
def _places(ranged, lines, elevations):  # pragma: no cover - compiled
    """Whether sensors place an object (:func:`iadsim.registry.places_target`'s rule): ``ranged`` of them measure
    range, ``lines`` are passive, ``elevations`` of those measure elevation."""
    return ranged > 0 or (lines >= 2 and elevations > 0)


@numba.njit(cache=True, nogil=True)
def placed_objects(held, ranging, elevation, tracked, placed):  # pragma: no cover - compiled
    """Of the objects sensors hold (``held`` (R, S, T)), in each replication: ``tracked`` (R, T) whether any sensor
    holds it, ``placed`` (R, T) whether those sensors place it (:func:`_places`: one that measures range
    (``ranging`` (S,)), or two passive ones of which one measures elevation (``elevation`` (S,))). One pass over
    ``held`` in memory order."""
    n_r, n_s, n_t = held.shape
    ranged = np.empty(n_t, np.int64)
    lines = np.empty(n_t, np.int64)
    elevations = np.empty(n_t, np.int64)
    for r in range(n_r):
        ranged[:] = 0
        lines[:] = 0
        elevations[:] = 0
        for s in range(n_s):
            for t in range(n_t):
                if held[r, s, t]:
                    if ranging[s]:
                        ranged[t] += 1
                    else:
                        lines[t] += 1
                        elevations[t] += int(elevation[s])
        for t in range(n_t):
            tracked[r, t] = ranged[t] > 0 or lines[t] > 0
            placed[r, t] = _places(ranged[t], lines[t], elevations[t])


@numba.njit(cache=True, nogil=True)
def held_objects(updates, track_time, now, coast, out):  # pragma: no cover - compiled
    """``out`` (R, T) whether any of the nodes holds a track of each object at ``now``: node ``j``'s track of object
    ``t`` has a measurement (``updates`` > 0) and its state is at most ``coast[j]`` seconds old (``now - track_time
    <= coast[j]``). The picture (``updates``, ``track_time`` (R, n, T), any layout) is visited object by object and
    node by node (the engine's order in memory), each object's nodes until one holds it, its time read only where
    a track exists."""
    n_r, n_n, n_t = updates.shape
    for r in range(n_r):
        for t in range(n_t):
            held = False
            for j in range(n_n):
                if updates[r, j, t] > 0 and now - track_time[r, j, t] <= coast[j]:
                    held = True
                    break
            out[r, t] = held


@numba.njit(cache=True, nogil=True)
def tentative_objects(status, truth, top, out):  # pragma: no cover - compiled
    """``out`` (R, T) set True for each object a sensor's tentative track follows (``status``, ``truth`` (R, S, N)
    of the sensors' track slots; only the slots below ``top`` (R, S) are read: those from it on are free)."""
    for r in range(status.shape[0]):
        for s in range(status.shape[1]):
            for i in range(top[r, s]):
                if status[r, s, i] == TENTATIVE and truth[r, s, i] >= 0:
                    out[r, truth[r, s, i]] = True


@numba.njit(cache=True, nogil=True)
def node_counts(x, updates, track_time, now, coast, feeds, seers_from, seers, ranging, elevation, flying, objects, c,
                p, out):  # pragma: no cover - compiled
    """Each node's own picture in each replication at time ``now`` (the nodes' tracks are keyed by object, one per
    object at most): ``out`` (R, n, 6) gets the OSPA [m] between the tracks the node holds (:func:`held_objects`'
    rule: ``updates`` > 0 and ``track_time`` at most ``coast`` (n,) old; ``x`` (R, n, T, 6) carried at its velocity
    to ``now``) and the true positions ``objects`` (T, 3) of the objects it should hold, and the SIAP counts J, JT,
    N, NA and the distinct objects followed (N = NA = distinct: a keyed track follows its object).

    A node should hold an object that flies (``flying`` (R, T)) and that the sensors feeding it (``feeds``
    (R, n, S)) place: of the sensors seeing the object (``seers[seers_from[t]:seers_from[t + 1]]``), one that
    measures range (``ranging`` (S,)), or two passive ones of which one measures elevation (``elevation`` (S,)).
    The picture arrays may have any layout; the engine's, object by object, is walked in memory order. The
    result is :func:`picture_counts`' on the same picture, bit for bit."""
    n_r, n_n, n_t = updates.shape
    est = np.empty((n_n, n_t, 3))
    tru = np.empty((n_n, n_t, 3))
    n_e = np.empty(n_n, np.int64)
    n_o = np.empty(n_n, np.int64)
    n_held = np.empty(n_n, np.int64)
    reals = np.empty(min(n_t * n_t, WORK_SPACE))  # (ospa's work space; it makes its own for larger sets)
    ints = np.empty(min(10 * n_t + 1, WORK_SPACE), np.int64)
    for r in range(n_r):
        n_e[:] = 0
        n_o[:] = 0
        n_held[:] = 0
        for t in range(n_t):
            for j in range(n_n):
                held = updates[r, j, t] > 0 and now - track_time[r, j, t] <= coast[j]
                if held:
                    h = now - track_time[r, j, t]
                    for a in range(3):
                        est[j, n_e[j], a] = x[r, j, t, a] + h * x[r, j, t, 3 + a]
                    n_e[j] += 1
                if not flying[r, t]:
                    continue
                ranged = lines = elevations = 0
                for i in range(seers_from[t], seers_from[t + 1]):
                    s = seers[i]
                    if feeds[r, j, s]:
                        if ranging[s]:
                            ranged += 1
                        else:
                            lines += 1
                            elevations += int(elevation[s])
                if _places(ranged, lines, elevations):
                    for a in range(3):
                        tru[j, n_o[j], a] = objects[t, a]
                    n_o[j] += 1
                    n_held[j] += int(held)
        for j in range(n_n):
            out[r, j, 0] = ospa_in(est[j, :n_e[j]], tru[j, :n_o[j]], c, p, reals, ints)
            out[r, j, 1] = n_o[j]
            out[r, j, 2] = n_held[j]
            out[r, j, 3] = n_e[j]
            out[r, j, 4] = n_e[j]
            out[r, j, 5] = n_e[j]
