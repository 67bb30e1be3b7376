"""Compiled loops of the engine's phases (numba): the same rules as the numpy they replace, over every
replication at once, without temporaries."""

from __future__ import annotations

import numba
import numpy as np

from iadsim.engine.rng import normal_one, uniform_one
from iadsim.memory import borrowing
from iadsim.registry import ELEVATION, RANGING

LARGE_MEAN = 500.0  # a Poisson mean above which a count is scipy's ppf, not a sum of terms from exp(-mean)

__all__ = ["assignable", "carried", "columns_any", "detections", "due_pairs", "due_reports", "earliest",
           "emission_spans", "emitters", "end_game_pks", "engagement_points", "envelope_grid", "false_plot_counts",
           "false_plot_places", "flying_hostile", "known", "layers_reached", "leaks_due", "lit_looks", "lit_through",
           "look_batch", "look_plots", "look_pointers",
           "looks_between", "mature_tracks", "merge_reports", "next_event_times", "on_their_way", "opening_pairs",
           "own_reach", "plot_normals", "poisson_sum", "predicted_errors", "ranged_errors", "row_pointers",
           "settle_authorisations", "silences_ending", "step_pairs", "track_aims", "truth_intercepts",
           "visible_samples"]


@numba.njit(cache=True, nogil=True)
def known(confirmed_at, held_since, held_until, latency, feeds, guides, visible, middle, placing, rr, ff, tt,
          when):  # pragma: no cover - compiled
    """(n,) bool over (replication ``rr``, fire unit ``ff``, target ``tt``) triples: at ``when`` the target is in
    the fire unit's picture (sensors feeding it, ``feeds`` (R, F, S), hold tracks confirmed at least the
    ``latency`` (F, S) ago - their current ones, or ones held then and dropped later - that place it: one that
    measures range, or two passive ones of which one measures elevation, ``placing`` (S,),
    :func:`iadsim.registry.places_target`) and a radar that may guide it (``guides`` (R, F, S)) holds a track
    and sees it (``visible`` (2, S, T): at the step's geometry sample, and at the next, which holds from the window's
    ``middle`` on: each time reads the nearer sample)."""
    out = np.zeros(rr.shape[0], dtype=np.bool_)
    sensors = np.empty(latency.shape[1], np.int64)
    age = np.empty(latency.shape[1])
    for i in range(rr.shape[0]):
        r, t = rr[i], tt[i]
        n = _held(confirmed_at, held_since, held_until, r, t, when[i], sensors, age)
        out[i] = _known_of(sensors, age, n, latency, feeds, guides, visible[1 if when[i] >= middle else 0], placing,
                           r, ff[i], t)
    return out


@numba.njit(cache=True, nogil=True)
def assignable(rows, clock, alive, leaked, start_time, arrival_time, phase, idle, hostile, able, unit_up, fire_unit,
               missiles, ready_at, busy, guiding, group, channels, engaging, targets, inside, confirmed_at, held_since,
               held_until, latency, feeds, guides, visible, middle, placing):  # pragma: no cover - compiled
    """(i, f, t) of the triples that threat evaluation may assign at each row's clock (``rows`` (n,) replication
    rows, ``clock`` (R,)), in row, fire unit, target order: target ``t`` flying, idle and taken for hostile
    (arrays (R, T)); fire unit ``f`` able, up, loaded, free and with a guidance channel and a target channel of
    its guiding radar free (``guiding`` and ``engaging`` (R, G) below ``channels`` and ``targets`` (F,)); the
    intercept may lie in its envelope during the step (``inside`` (F, T)); and the target in its picture
    (:func:`known`, from ``confirmed_at``, ``held_since`` and ``held_until`` (R, S, T), read once per row and
    target; ``visible`` and ``middle`` as :func:`known` takes them, at the row's clock). The work per row is its
    targets, its fire units and the pairs of those that may engage and be engaged (a long-range envelope
    holds most targets; few of them are idle candidates at once), not every sensor."""
    n_f, n_t = able.shape[1], alive.shape[1]
    cap = 64
    ii = np.empty(cap, np.int64)
    ff = np.empty(cap, np.int64)
    tt = np.empty(cap, np.int64)
    found = 0
    candidates = np.empty(n_t, np.int64)  # the row's candidate targets, ascending
    n_s = latency.shape[1]
    held = np.zeros(n_t, np.int64)  # per candidate target: how many sensors hold a track of it now (-1: not counted)
    held_by = np.empty((n_t, n_s), np.int64)  # and which, ascending
    age = np.empty((n_t, n_s))  # and since when [s]
    eligible = np.empty(n_f, np.bool_)
    for i in range(rows.shape[0]):
        r = rows[i]
        now = clock[r]
        sees = visible[1 if now >= middle else 0]
        n_c = 0
        for t in range(n_t):
            if (alive[r, t] and not leaked[r, t] and start_time[t] <= now and arrival_time[t] > now
                    and phase[r, t] == idle and hostile[r, t]):
                candidates[n_c] = t
                held[t] = -1
                n_c += 1
        if n_c == 0:
            continue
        room = 0  # the most triples the row may add: its candidates for each fire unit that may fire
        for f in range(n_f):
            eligible[f] = (able[r, f] and unit_up[r, fire_unit[f]] and missiles[r, f] > 0 and ready_at[r, f] <= now
                           and not busy[r, f] and guiding[r, group[f]] < channels[f]
                           and engaging[r, group[f]] < targets[f])
            if eligible[f]:
                room += n_c
        if cap - found < room:  # grown per row, not per triple (see detections)
            cap = max(2 * cap, found + room)
            ii, ff, tt = _grown(ii, found, cap), _grown(ff, found, cap), _grown(tt, found, cap)
        for f in range(n_f):
            if not eligible[f]:
                continue
            for c in range(n_c):
                t = candidates[c]
                if not inside[f, t]:
                    continue
                if held[t] < 0:  # the sensors holding a track of it, once per row and target
                    held[t] = _held(confirmed_at, held_since, held_until, r, t, now, held_by[t], age[t])
                if not _known_of(held_by[t], age[t], held[t], latency, feeds, guides, sees, placing, r, f, t):
                    continue
                ii[found] = i
                ff[found] = f
                tt[found] = t
                found += 1
    return ii[:found], ff[:found], tt[:found]


@numba.njit(cache=True, nogil=True)
def _grown(a, n, cap):  # pragma: no cover - compiled
    """A new array of ``cap`` entries holding the first ``n`` of ``a`` (the rest not written: a large capacity costs
    no memory until it is used)."""
    out = np.empty(cap, a.dtype)
    out[:n] = a[:n]
    return out


@numba.njit(cache=True, nogil=True, inline="always")
def _held(confirmed_at, held_since, held_until, r, t, now, sensors, age):  # pragma: no cover - compiled
    """The sensors (ascending, into ``sensors``) holding a track of target ``t`` in row ``r`` at ``now`` (confirmed
    by then, or dropped later in the window and held then: ``confirmed_at``, ``held_since``, ``held_until``
    (R, S, T)) and its age there (into ``age``), the rule of :func:`known`; returns how many."""
    n = 0
    for s in range(confirmed_at.shape[1]):
        a = now - confirmed_at[r, s, t]
        if a < 0.0 and held_since[r, s, t] <= now < held_until[r, s, t]:
            a = now - held_since[r, s, t]  # dropped later in the window: still held now
        if a >= 0.0:
            sensors[n] = s
            age[n] = a
            n += 1
    return n


@numba.njit(cache=True, nogil=True, inline="always")
def _known_of(sensors, age, n, latency, feeds, guides, visible, placing, r, f, t):  # pragma: no cover - compiled
    """Whether fire unit ``f`` knows target ``t`` in row ``r`` (the rule of :func:`known`), from the ``n`` sensors
    holding a track of it now (``sensors``, ascending) and the tracks' ages (``age``)."""
    pictured = False
    guided = False
    lines = 0
    elevation = False
    for c in range(n):
        s = sensors[c]
        if feeds[r, f, s] and age[c] >= latency[f, s]:
            if placing[s] == RANGING:
                pictured = True
            else:
                lines += 1
                elevation |= placing[s] == ELEVATION
                pictured |= lines >= 2 and elevation
        if guides[r, f, s] and visible[s, t]:
            guided = True
        if pictured and guided:
            return True
    return False


@numba.njit(cache=True, nogil=True, inline="always")
def _time_of_flight(fx, fy, fz, px, py, pz, vx, vy, vz, s2):  # pragma: no cover - compiled
    """:func:`iadsim.physics.kinematics.intercept`'s time of flight (no launch delay; inf: none) from a launcher at
    ``f``, of a target at ``p`` moving at ``v``, a missile of squared speed ``s2``: the same operations in the same
    order."""
    ox, oy, oz = px - fx, py - fy, pz - fz
    vv = vx * vx + vy * vy + vz * vz
    a = vv - s2
    b = 2.0 * (ox * vx + oy * vy + oz * vz)
    c = ox * ox + oy * oy + oz * oz
    linear = abs(a) <= 1e-12 * max(vv, s2)
    disc = b * b - 4.0 * a * c
    root = np.sqrt(max(disc, 0.0))
    q = -0.5 * (b + (root if b >= 0.0 else -root))
    r1 = c / q if q != 0.0 else np.inf
    r2 = q / a if a != 0.0 else np.inf
    lin = -c / b if b < 0.0 else np.inf
    if not (r1 >= 0.0 and np.isfinite(r1) and disc >= 0.0):
        r1 = np.inf
    if not (r2 >= 0.0 and np.isfinite(r2) and disc >= 0.0):
        r2 = np.inf
    tof = (0.0 if c == 0.0 else lin) if linear else min(r1, r2)
    if c == 0.0:
        tof = 0.0
    return tof


@numba.njit(cache=True, nogil=True)
def envelope_grid(fire, position, velocity, speed, height, target_speed, lo, hi, low, high, fastest, reach,
                  plain):  # pragma: no cover - compiled
    """Whether the intercept (:func:`iadsim.physics.kinematics.intercept`, no launch delay) of each fire unit ``f``
    (``fire`` (F, 3), missile speed ``speed`` (F,)) at each target ``t`` of each time sample ``i`` (``position``,
    ``velocity`` (n, T, 3), ``height`` above the ground and ``target_speed`` (n, T)) lies in the launch envelope:
    (n, F, T) ``inside`` for the ``plain`` (F,) fire units, those with a box envelope and no launcher sector
    (:func:`iadsim.physics.kinematics.in_launch_envelope` with ground ranges ``lo``-``hi``, altitudes
    ``low``-``high`` and fastest target ``fastest``, each (F,); the same comparisons on the same numbers), and
    (n, F, T) ``maybe`` for the others: the pairs whose altitude and speed are within the limits and whose
    intercept may lie within their longest ground range ``reach`` (F,), left to the engine's numpy rule.

    Pairs are skipped before the intercept is solved where it cannot lie within ``reach``: from the intercept
    equation ``speed * tof = |o + v tof|`` (``o``: the target from the launcher), ``tof <= |o| / (speed - |v|)``
    when the missile is the faster, so the intercept's ground range is at least ``|o_h| - |v_h| |o| / (speed -
    |v|)``; a bound within 1 m (and 1e-9 relative) of ``reach`` keeps the pair, so rounding drops none."""
    n, n_t = position.shape[0], position.shape[1]
    n_f = fire.shape[0]
    inside = np.zeros((n, n_f, n_t), np.bool_)
    maybe = np.zeros((n, n_f, n_t), np.bool_)
    for i in range(n):
        for t in range(n_t):
            px, py, pz = position[i, t, 0], position[i, t, 1], position[i, t, 2]
            vx, vy, vz = velocity[i, t, 0], velocity[i, t, 1], velocity[i, t, 2]
            horizontal = np.sqrt(vx * vx + vy * vy)
            s = np.sqrt(vx * vx + vy * vy + vz * vz)
            h, v = height[i, t], target_speed[i, t]
            for f in range(n_f):
                if not (h >= low[f] and h <= high[f] and v <= fastest[f]):
                    continue
                ox, oy, oz = px - fire[f, 0], py - fire[f, 1], pz - fire[f, 2]
                if speed[f] > s:
                    nearest = np.sqrt(ox * ox + oy * oy) - horizontal * np.sqrt(ox * ox + oy * oy + oz * oz) / (
                        speed[f] - s)
                    if not nearest <= reach[f] * (1.0 + 1e-9) + 1.0:
                        continue
                if not plain[f]:
                    maybe[i, f, t] = True
                    continue
                tof = _time_of_flight(fire[f, 0], fire[f, 1], fire[f, 2], px, py, pz, vx, vy, vz, speed[f] ** 2)
                ground = np.inf
                if np.isfinite(tof):
                    ground = np.hypot(px + vx * tof - fire[f, 0], py + vy * tof - fire[f, 1])
                inside[i, f, t] = ground >= lo[f] and ground <= hi[f]
    return inside, maybe


@numba.njit(cache=True, nogil=True)
def engagement_points(fire, ff, position, velocity, speed, height, target_speed, lo, hi, low, high, fastest,
                      plain):  # pragma: no cover - compiled
    """:func:`iadsim.physics.kinematics.intercept` (no launch delay, the same operations in the same order) of fire
    units ``ff`` (n,) (``fire`` (F, 3), missile speeds ``speed`` (F,)) at targets ``position`` and ``velocity``
    (n, 3), and for the ``plain`` (F,) fire units whether the intercept lies in the launch envelope, by
    :func:`envelope_grid`'s rule (``height`` above the ground and ``target_speed`` (n,), limits (F,)): (n,) the time
    of flight (inf: none), (n, 3) the intercept point (NaN: none), (n,) whether one exists, (n,) inside (False for
    the other fire units: the engine's numpy rule decides theirs)."""
    n = ff.shape[0]
    tof = np.empty(n)
    point = np.empty((n, 3))
    ok = np.empty(n, np.bool_)
    inside = np.zeros(n, np.bool_)
    for i in range(n):
        f = ff[i]
        vx, vy, vz = velocity[i, 0], velocity[i, 1], velocity[i, 2]
        px, py, pz = position[i, 0], position[i, 1], position[i, 2]
        tof[i] = _time_of_flight(fire[f, 0], fire[f, 1], fire[f, 2], px, py, pz, vx, vy, vz, speed[f] ** 2)
        ok[i] = np.isfinite(tof[i])
        if ok[i]:
            point[i, 0], point[i, 1], point[i, 2] = px + vx * tof[i], py + vy * tof[i], pz + vz * tof[i]
        else:
            point[i, 0] = point[i, 1] = point[i, 2] = np.nan
        if plain[f] and ok[i]:
            ground = np.hypot(point[i, 0] - fire[f, 0], point[i, 1] - fire[f, 1])
            inside[i] = _in_box(f, ground, height[i], target_speed[i], lo, hi, low, high, fastest)
    return tof, point, ok, inside


@numba.njit(cache=True, nogil=True, inline="always")
def _in_box(f, ground, height, speed, lo, hi, low, high, fastest):  # pragma: no cover - compiled
    """Whether an intercept at ``ground`` range, ``height`` above the ground, of a target at ``speed`` lies in fire unit
    ``f``'s box envelope (limits (F,)): :func:`iadsim.physics.kinematics.in_launch_envelope`'s comparisons."""
    return (ground >= lo[f] and ground <= hi[f] and height >= low[f] and height <= high[f]
            and speed <= fastest[f])


@numba.njit(cache=True, nogil=True)
def next_event_times(rows, clock, end, idle, phase, due, alive, leaked, arrival_time, asset_of, ready_at, opened_t,
                     opened_at, delivered_ptr, delivered_t, delivered_at, reach, pending_ptr, pending_t,
                     pending_s, pending_time, pending_arrived, node_order, node_reach, latency, feeds,
                     waiting_fire, hostile):  # pragma: no cover - compiled
    """(n,) the next event of each row of ``rows`` after its ``clock`` and before ``end`` (inf: none): an
    engagement's due time (``phase`` not ``idle``), a flying threat reaching its asset, and for a row with a
    flying idle target taken for hostile (``hostile`` (R, T): the only targets assignment may take): a launcher free
    again (``ready_at`` (R, F)), a target opening (``opened_t``,
    ``opened_at``: the same for every row), a track of it delivered to a fire unit (row ``r``'s:
    ``delivered_t[delivered_ptr[r]:delivered_ptr[r + 1]]``, at ``delivered_at``; targets some envelope may
    ``reach`` only), and for one waiting for a firing solution (``waiting_fire`` (R, T)), a pending report of it
    reaching a fire unit whose feed is up (row ``r``'s reports ``pending_ptr[r]:pending_ptr[r + 1]``: target,
    sensor, plot time and how many of the nodes of ``node_order`` (S, N) it has reached; fire units are the
    first nodes, ``latency`` (F, S), ``feeds`` (R, F, S))."""
    n_t, n_f = alive.shape[1], latency.shape[0]
    out = np.full(rows.shape[0], np.inf)
    waiting = np.empty(n_t, np.bool_)
    for i in range(rows.shape[0]):
        r = rows[i]
        c = clock[r]
        best = np.inf
        any_waiting = False
        for t in range(n_t):
            flying = alive[r, t] and not leaked[r, t]
            waiting[t] = flying and phase[r, t] == idle and hostile[r, t]
            any_waiting |= waiting[t]
            if phase[r, t] != idle and c < due[r, t] < end:
                best = min(best, due[r, t])
            if flying and asset_of[t] >= 0 and c < arrival_time[t] < end:
                best = min(best, arrival_time[t])
        if any_waiting:
            for f in range(ready_at.shape[1]):
                if c < ready_at[r, f] < end:
                    best = min(best, ready_at[r, f])
            for j in range(opened_t.shape[0]):
                if waiting[opened_t[j]] and c < opened_at[j] < end:
                    best = min(best, opened_at[j])
            for j in range(delivered_ptr[r], delivered_ptr[r + 1]):
                t = delivered_t[j]
                if delivered_at[j] > c and reach[t] and waiting[t]:
                    best = min(best, delivered_at[j])
            for j in range(pending_ptr[r], pending_ptr[r + 1]):
                t = pending_t[j]
                if not (waiting[t] and waiting_fire[r, t]):
                    continue
                s = pending_s[j]
                for o in range(pending_arrived[j], node_reach[s]):  # its nodes still ahead, in arrival order
                    f = node_order[s, o]
                    if f >= n_f:  # a command post
                        continue
                    at = pending_time[j] + latency[f, s]
                    if feeds[r, f, s] and at > c:
                        if at < end:
                            best = min(best, at)
                        break
        out[i] = best
    return out


@numba.njit(cache=True, nogil=True)
def merge_reports(rows_a, sensors_a, targets_a, numbers_a, arrived_a, next_a, ids_b, numbers_b, next_b,
                  n_rows):  # pragma: no cover - compiled
    """Reports ``a`` (``rows_a``, ``sensors_a``, ``targets_a``, ``numbers_a`` (n_a, 5), ``arrived_a``, ``next_a``;
    sorted by row, object, then plot time ``numbers[:, 0]``) and new reports ``b`` (``ids_b`` (n_b, 3): row, sensor,
    object; ``numbers_b``, ``next_b``; any order, none arrived anywhere yet) as one set sorted so, stably, ``a``'s
    first on a tie: what ``np.lexsort((time, objects, rows))`` of ``a`` followed by ``b`` gives, gathered, in one
    pass (rows below ``n_rows``; times not NaN). Returns (rows, sensors, objects, numbers, arrived, next_at)."""
    n_a, n_b = rows_a.shape[0], ids_b.shape[0]
    # b's order: by row (a stable counting sort), then within each row by object and time (stable)
    start = np.zeros(n_rows + 1, np.int64)
    for j in range(n_b):
        start[ids_b[j, 0] + 1] += 1
    for r in range(n_rows):
        start[r + 1] += start[r]
    fill = start[:-1].copy()
    order = np.empty(n_b, np.int64)
    for j in range(n_b):
        order[fill[ids_b[j, 0]]] = j
        fill[ids_b[j, 0]] += 1
    for r in range(n_rows):
        lo, hi = start[r], start[r + 1]
        if hi - lo > 32:  # (a long row: two stable sorts, time then object)
            by_time = order[lo:hi][np.argsort(numbers_b[order[lo:hi], 0], kind="mergesort")]
            order[lo:hi] = by_time[np.argsort(ids_b[by_time, 2], kind="mergesort")]
            continue
        for c in range(lo + 1, hi):  # insertion sort, stable: a report moves only past later (object, time) ones
            v = order[c]
            e = c
            while e > lo and (ids_b[v, 2], numbers_b[v, 0]) < (ids_b[order[e - 1], 2], numbers_b[order[e - 1], 0]):
                order[e] = order[e - 1]
                e -= 1
            order[e] = v
    rows, sensors, targets = np.empty(n_a + n_b, np.int64), np.empty(n_a + n_b, np.int64), np.empty(n_a + n_b,
                                                                                                     np.int64)
    numbers, arrived, next_at = np.empty((n_a + n_b, 5)), np.empty(n_a + n_b, np.int64), np.empty(n_a + n_b)
    i = j = 0
    for k in range(n_a + n_b):
        b = order[j] if j < n_b else 0
        if j < n_b and (i == n_a or (ids_b[b, 0], ids_b[b, 2], numbers_b[b, 0]) < (rows_a[i], targets_a[i],
                                                                                   numbers_a[i, 0])):
            rows[k], sensors[k], targets[k], arrived[k], next_at[k] = ids_b[b, 0], ids_b[b, 1], ids_b[b, 2], 0, \
                next_b[b]
            for c in range(5):
                numbers[k, c] = numbers_b[b, c]
            j += 1
        else:
            rows[k], sensors[k], targets[k], arrived[k], next_at[k] = rows_a[i], sensors_a[i], targets_a[i], \
                arrived_a[i], next_a[i]
            for c in range(5):
                numbers[k, c] = numbers_a[i, c]
            i += 1
    return rows, sensors, targets, numbers, arrived, next_at


@numba.njit(cache=True, nogil=True)
def false_plot_places(keys, rows, sensors, number, n_false, stream, n_sensors, volume,
                      origin):  # pragma: no cover - compiled
    """Where the false plots of looks (replication ``rows``, ``sensors``, look ``number``; ``n_false`` plots each)
    fall: plot ``i`` of a look draws the keyed uniforms ``(keys[row], number, stream)`` at the flat entries
    ``((i * n_sensors + sensor) * 3 + c)``, c = 0, 1, 2 (:func:`iadsim.engine.rng.uniform_at`), for its slant
    range, bearing and elevation over the sensor's ``volume`` (S, 4: reach [m], bearing centre, width, top
    elevation [rad]) seen from ``origin`` (S, 3). Returns (L + 1,) pointers to each look's plots, (n, 3)
    positions, and the plots by sensor for their measurement errors: (n,) their indices (each sensor's in plot
    order), (S + 1,) pointers to each sensor's there, and (n,) their slant and ground ranges [m] in that order.
    The same operations in the same order as the numpy written in ``tests/engine/test_kernels.py``, which it
    matches bit for bit where numba's ``sin``/``cos`` (the C library's) round as numpy's do, as on the machines we
    run (a numpy or a numba with its own vector ``sin``/``cos``, such as SVML's, may differ in the last bit: that
    test would say so)."""
    n_l = rows.shape[0]
    ptr = np.zeros(n_l + 1, np.int64)
    for look in range(n_l):
        ptr[look + 1] = ptr[look] + n_false[look]
    n = ptr[n_l]
    z, slant, ground = np.empty((n, 3)), np.empty(n), np.empty(n)
    by_sensor = np.zeros(n_sensors + 1, np.int64)  # counted, then each sensor's next place
    for look in range(n_l):
        by_sensor[sensors[look] + 1] += n_false[look]
    for c in range(n_sensors):
        by_sensor[c + 1] += by_sensor[c]
    place = by_sensor[:-1].copy()
    order = np.empty(n, np.int64)
    for look in range(n_l):
        key, s, at = keys[rows[look]], sensors[look], number[look]
        for j in range(ptr[look], ptr[look + 1]):
            flat = ((j - ptr[look]) * n_sensors + s) * 3
            u0, u1, u2 = (uniform_one(key, at, stream, flat), uniform_one(key, at, stream, flat + 1),
                          uniform_one(key, at, stream, flat + 2))
            sl, bearing, elevation = u0 * volume[s, 0], volume[s, 1] + (u1 - 0.5) * volume[s, 2], u2 * volume[s, 3]
            g = sl * np.cos(elevation)
            z[j, 0] = origin[s, 0] + g * np.sin(bearing)
            z[j, 1] = origin[s, 1] + g * np.cos(bearing)
            z[j, 2] = origin[s, 2] + sl * np.sin(elevation)
            order[place[s]], slant[place[s]], ground[place[s]] = j, sl, g
            place[s] += 1
    return ptr, z, order, by_sensor, slant, ground


@numba.njit(cache=True, nogil=True, inline="always")
def poisson_sum(u, mean, first):  # pragma: no cover - compiled
    """The least count whose Poisson(``mean``) CDF exceeds ``u``, by summing the terms from the first, ``first``
    (``exp(-mean)``, numpy's), until the CDF passes ``u`` or a term vanishes (the tail is exhausted): scipy's
    ``poisson.ppf`` for means whose first term does not underflow (:func:`false_plot_counts`)."""
    term = first
    cdf = term
    c = 0
    while u >= cdf:
        c += 1
        term *= mean / c
        cdf += term
        if not term > 0:
            break
    return c


@numba.njit(cache=True, nogil=True)
def row_pointers(rows, n_rows):  # pragma: no cover - compiled
    """(R + 1,) where each row's entries start in ``rows`` sorted ascending: numpy's ``searchsorted(rows,
    arange(n_rows + 1))`` (entry ``j`` counts the rows below ``j``), by counting."""
    ptr = np.zeros(n_rows + 1, np.int64)
    for x in rows:
        if x < n_rows:  # (counted from entry x + 1 on)
            ptr[max(x + 1, 0)] += 1
    for j in range(n_rows):
        ptr[j + 1] += ptr[j]
    return ptr


@numba.njit(cache=True, nogil=True)
def columns_any(a):  # pragma: no cover - compiled
    """(n,) whether each column of a 2-D boolean array ``a`` (m, n) holds a True: numpy's ``a.any(axis=0)``, rows
    or-ed in without a branch (vectorised), until every column has one."""
    out = np.zeros(a.shape[1], np.bool_)
    for r in range(a.shape[0]):
        for c in range(a.shape[1]):
            out[c] |= a[r, c]
        if r % 16 == 15 and _all(out):
            break
    return out


@numba.njit(cache=True, nogil=True)
def flying_hostile(alive, leaked, hostile):  # pragma: no cover - compiled
    """(T,) the targets alive, not leaked and taken for hostile (R, T each) in some replication: numpy's ``(alive &
    ~leaked & hostile).any(axis=0)``, as :func:`columns_any`."""
    out = np.zeros(alive.shape[1], np.bool_)
    for r in range(alive.shape[0]):
        for t in range(alive.shape[1]):
            out[t] |= alive[r, t] & ~leaked[r, t] & hostile[r, t]
        if r % 16 == 15 and _all(out):
            break
    return out


@numba.njit(cache=True, nogil=True, inline="always")
def _all(a):  # pragma: no cover - compiled
    done = True
    for x in a:
        done &= x
    return done


@numba.njit(cache=True, nogil=True)
def detections(keys, number, looking, flying, sensor, target, pd, when, middle, start_time, arrival_time, n_targets,
               stream):  # pragma: no cover - compiled
    """The detections of one look of every sensor: (rows, pairs, samples) where row ``r``'s keyed uniform draw
    (``keys`` (R,), look numbers ``number`` (R, S), ``stream``, the flat index ``sensor * n_targets + target``) falls
    below the pair's Pd, for sensors ``looking`` (R, S) at targets ``flying`` (R, T) that are on their route at the
    look's time ``when`` (R, S) (from ``start_time`` until ``arrival_time`` (T,)); by row, then pair (the pairs
    ``sensor``, ``target`` (P,), ``pd`` (2, P): at the step's geometry sample, and at the next, which a look from
    ``middle`` on reads; ``samples`` which one each detection read). The numbers :func:`iadsim.engine.rng.uniform_at`
    gives, drawn only where a sensor looks at a flying target."""
    cap = 64
    rr = np.empty(cap, np.int64)
    ii = np.empty(cap, np.int64)
    ll = np.empty(cap, np.int64)
    found = 0
    for r in range(keys.shape[0]):
        # room for every pair of the row, grown here rather than per pair: an array the inner loop may replace
        # costs it on every iteration (numba's reference counting, we believe; measured: this loop ran 30 %
        # faster without it)
        if cap - found < sensor.shape[0]:
            cap = max(2 * cap, found + sensor.shape[0])
            rr, ii, ll = _grown(rr, found, cap), _grown(ii, found, cap), _grown(ll, found, cap)
        for i in range(sensor.shape[0]):
            s, t = sensor[i], target[i]
            if not (looking[r, s] and flying[r, t]):
                continue
            at = when[r, s]
            if at < start_time[t] or at >= arrival_time[t]:
                continue
            late = 1 if at >= middle else 0
            if uniform_one(keys[r], number[r, s], stream, s * n_targets + t) < pd[late, i]:
                rr[found] = r
                ii[found] = i
                ll[found] = late
                found += 1
    return rr[:found], ii[:found], ll[:found]


@numba.njit(cache=True, nogil=True)
def due_pairs(rows, clock, phase, due, first, second):  # pragma: no cover - compiled
    """(i, t) where engagement ``phase`` (R, T) is ``first`` or ``second`` and ``due`` (R, T) has come by each row's
    ``clock`` (R,), over replication rows ``rows`` (``i`` indexes ``rows``), in row then target order: numpy's
    ``nonzero`` of the same condition over ``rows``, without its temporaries (the pairs written as found, into room
    for all of them: arrays grown in the loop, as :func:`detections` grows its own, cost an atomic reference count,
    numba's, at every pair found; measured with perf on 2026-12-05, a third of this function's time)."""
    n_t = phase.shape[1]
    ii, tt, found = np.empty(rows.shape[0] * n_t, np.int64), np.empty(rows.shape[0] * n_t, np.int64), 0
    for i in range(rows.shape[0]):
        r = rows[i]
        for t in range(n_t):
            if (phase[r, t] == first or phase[r, t] == second) and due[r, t] <= clock[r]:
                ii[found], tt[found] = i, t
                found += 1
    return ii[:found], tt[:found]


VETOED = -1
"""What :func:`settle_authorisations` reports for an engagement the authority rule did not approve."""


@numba.njit(cache=True, nogil=True)
def settle_authorisations(rr, ff, tt, when, approved, knows, inside, lit, tof, aim,
                          phases, lost, persistent, reconsider_after,
                          busy, attempts, phase, due, rounds, aim_at, launched, nominated, vetoes,
                          missiles, ready_at, guiding, group, channels, engaging, targets, magazine, launcher_times,
                          alive, leaked, arrival_time, unit_up, fire_unit, able, layer, civil, friendly, decoy,
                          engagements, reaction, expended, fired, launches, reached, wrongful, fratricide, at_decoys,
                          first_engagement, reason, salvo):  # pragma: no cover - compiled
    """Settle the authorisations ending now, in order: engagement j (row ``rr[j]``, fire unit ``ff[j]``, target
    ``tt[j]`` at ``when[j]``) frees its fire unit and counts an attempt; not ``approved``, it is vetoed (the target
    may be decided on again after ``reconsider_after``, never if identification is ``persistent``); approved, it
    is lost for the first reason that applies, in the order of ``lost`` (the :class:`iadsim.events.Reason` codes of:
    the target gone, the unit down, the chain broken, not ``knows``, not ``inside`` the envelope, not ``lit``, no
    missiles, no free guidance channel, no free target channel: ``engaging`` its guiding radar's targets in flight,
    ``targets`` (F,) how many it may engage), else its salvo is launched at ``aim[j]`` (arriving after ``tof[j]``): as
    many missiles as the doctrine's ``rounds``, the launcher and the free channels allow; the launcher is busy for
    their launch interval (``launcher_times[0]``) or, emptied, reloads (``launcher_times[1]``) a full
    ``magazine``. An earlier launch in the same call takes its guiding radar's channels from a later one; a launch
    takes one target channel, whatever its salvo.
    ``phases``: the :class:`iadsim.engine.state.Phase` codes IDLE, CLEARED and FLYING. Writes ``reason[j]`` (0:
    launched; :data:`VETOED`) and ``salvo[j]`` (the missiles launched)."""
    idle, cleared, flying = phases[0], phases[1], phases[2]
    for j in range(rr.shape[0]):
        r, f, t, now = rr[j], ff[j], tt[j], when[j]
        g = group[f]
        busy[r, f] = False
        attempts[r, t] += 1
        salvo[j] = 0
        if not approved[j]:
            phase[r, t] = cleared
            due[r, t] = np.inf if persistent else now + reconsider_after
            vetoes[r] += 1
            reason[j] = VETOED
            continue
        checks = (alive[r, t] and not leaked[r, t] and now < arrival_time[t], unit_up[r, fire_unit[f]], able[r, f],
                  knows[j], inside[j], lit[j], missiles[r, f] > 0, guiding[r, g] < channels[f],
                  engaging[r, g] < targets[f])
        reason[j] = 0
        for c in range(len(checks)):
            if not checks[c]:
                reason[j] = lost[c]
                break
        if reason[j]:
            phase[r, t] = idle
            continue
        aim_at[r, t, :] = aim[j]
        n = min(rounds[r, t], missiles[r, f], channels[f] - guiding[r, g])
        missiles[r, f] -= n
        ready_at[r, f] = now + n * launcher_times[0, f]
        if missiles[r, f] == 0:
            ready_at[r, f] = now + launcher_times[1, f]
            missiles[r, f] = magazine[f]  # reloaded when ready_at passes
        guiding[r, g] += n
        engaging[r, g] += 1
        phase[r, t], due[r, t], rounds[r, t], launched[r, t] = flying, now + tof[j], n, now
        engagements[r] += 1
        reaction[r] += now - nominated[r, t]
        expended[r] += n
        fired[r, f] += n
        launches[r, f] += 1
        if layer[f] >= 0:
            reached[r, t, layer[f]] = True
        wrongful[r] += 1 if civil[t] and not friendly[t] else 0
        fratricide[r] += 1 if friendly[t] else 0
        at_decoys[r] += n if decoy[t] else 0
        if np.isnan(first_engagement[r]):
            first_engagement[r] = now
        salvo[j] = n


@numba.njit(cache=True, nogil=True)
def leaks_due(rows, clock, settled, arrival_time, asset_of, alive, leaked):  # pragma: no cover - compiled
    """(i, t) of the threats (``asset_of`` (T,) >= 0) alive and not leaked (R, T) whose ``arrival_time`` (T,) has
    come by each row's ``clock``, over ``rows``, in row then target order: numpy's ``nonzero`` of the rule over the
    rows, visiting only the threats that arrive after ``settled`` (those arriving by then have leaked, or are gone,
    in every row: the caller's word) and by the latest of the rows' clocks (most events: none)."""
    latest = -np.inf
    for i in range(rows.shape[0]):
        latest = max(latest, clock[rows[i]])
    due = np.empty(arrival_time.shape[0], np.int64)
    n_due = 0
    for t in range(arrival_time.shape[0]):
        if asset_of[t] >= 0 and (settled < arrival_time[t] or settled == -np.inf) and arrival_time[t] <= latest:
            due[n_due] = t
            n_due += 1
    n = 0
    for _ in range(2):  # count, then fill
        out_i, out_t = np.empty(n, np.int64), np.empty(n, np.int64)
        n = 0
        for i in range(rows.shape[0] if n_due else 0):
            r = rows[i]
            for j in range(n_due):
                t = due[j]
                if arrival_time[t] <= clock[r] and alive[r, t] and not leaked[r, t]:
                    if n < out_i.shape[0]:
                        out_i[n], out_t[n] = i, t
                    n += 1
    return out_i, out_t


@numba.njit(cache=True, nogil=True)
def emitters(unit_up, sensor_unit, able, on, silences, start, emitting):  # pragma: no cover - compiled
    """The radars at a window's ``start``: (R, S) those up (their unit ``sensor_unit`` (S,) up in ``unit_up`` (R, U),
    and ``able`` (S,) to sense by radiating), (R, S) those of them emitting (``on`` (S,) by the schedule, and not
    silenced: ``silences`` (R, S, M, >= 2) ``[from, until)``, :func:`iadsim.network.emcon.silenced_at`), and whether
    that differs from ``emitting`` (R, S) anywhere: numpy's ``up & on & ~silenced``, without its temporaries."""
    up = np.empty(emitting.shape, np.bool_)
    now_on = np.empty(emitting.shape, np.bool_)
    changed = False
    for r in range(emitting.shape[0]):
        for s in range(emitting.shape[1]):
            quiet = False
            for m in range(silences.shape[2]):
                quiet |= silences[r, s, m, 0] <= start and start < silences[r, s, m, 1]
            up[r, s] = unit_up[r, sensor_unit[s]] and able[s]
            now_on[r, s] = up[r, s] and on[s] and not quiet
            changed |= now_on[r, s] != emitting[r, s]
    return up, now_on, changed


@numba.njit(cache=True, nogil=True)
def emission_spans(up, destroyed_at, sensor_unit, silences, start, end, span, emission_time,
                   emitting):  # pragma: no cover - compiled
    """A window ``[start, end)``'s emission, what :func:`iadsim.engine.phases.account_emission` finds in one pass:
    the radars ``up`` (R, S) whose unit (``sensor_unit`` (S,)) is destroyed before ``end`` (``destroyed_at`` (R, U))
    or one of whose crew's silences (``silences`` (R, S, M, >= 4) ``[from, until)``; M may be 0) starts or ends
    strictly inside the window are ``edge`` (their time on is found one by one); of the others, those a silence
    covers throughout are dark (``emitting`` set False) and the rest, ``plain``, add their schedule's ``span`` (S,)
    [s] to ``emission_time`` (R, S) (numpy's ``+= where(plain, span, 0)``: 0 added elsewhere). Also the crews'
    shutdowns that begin in ``[start, end)`` before their radar's destruction (up or not), as numpy's ``nonzero``
    gives them, by row, radar, then silence. Returns (edge, plain, whether any is edge, (rows, radars, silences))."""
    n_r, n_s, n_m = up.shape[0], up.shape[1], silences.shape[2]
    edge = np.empty(up.shape, np.bool_)
    plain = np.empty(up.shape, np.bool_)
    some = False
    n = 0
    for r in range(n_r):
        for s in range(n_s):
            gone = destroyed_at[r, sensor_unit[s]]
            cut = gone < end
            covered = False
            for m in range(n_m):
                begin, until = silences[r, s, m, 0], silences[r, s, m, 1]
                cut |= (start < begin and begin < end) or (start < until and until < end)
                covered |= begin <= start and until >= end
                n += _shutting_down(begin, start, end, gone)
            edge[r, s] = up[r, s] and cut
            covered = up[r, s] and covered and not edge[r, s]
            plain[r, s] = up[r, s] and not edge[r, s] and not covered
            if covered:
                emitting[r, s] = False
            emission_time[r, s] += span[s] if plain[r, s] else 0.0
            some |= edge[r, s]
    rows, radars, which = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, np.int64)
    n = 0
    for r in range(n_r if rows.shape[0] else 0):
        for s in range(n_s):
            gone = destroyed_at[r, sensor_unit[s]]
            for m in range(n_m):
                if _shutting_down(silences[r, s, m, 0], start, end, gone):
                    rows[n], radars[n], which[n] = r, s, m
                    n += 1
    return edge, plain, some, (rows, radars, which)


@numba.njit(cache=True, nogil=True, inline="always")
def _shutting_down(begin, start, end, gone):  # pragma: no cover - compiled
    """Whether a silence beginning at ``begin`` is a shutdown in the window ``[start, end)`` of a radar destroyed at
    ``gone`` (:func:`emission_spans` counts them, then fills them, by this one rule)."""
    return start <= begin and begin < end and begin < gone


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _cycle_start(t, period, offset):  # pragma: no cover - compiled
    """:func:`iadsim.network.emcon._cycle_start` of one periodic schedule: the start ``offset + n period`` of the
    cycle holding ``t``, by the same operations."""
    n = np.floor((t - offset) / period)
    if offset + n * period > t:
        n = n - 1.0
    elif offset + (n + 1.0) * period <= t:
        n = n + 1.0
    return offset + n * period


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _scheduled(t, period, on, offset):  # pragma: no cover - compiled
    """:func:`iadsim.network.emcon.emitting` of one schedule at ``t``."""
    if not np.isfinite(period):
        return on > 0
    return t < _cycle_start(t, period, offset) + on


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _lit_until(t, period, on, offset, silences, r, s, known):  # pragma: no cover - compiled
    """:func:`iadsim.network.emcon.lit_until` of radar ``s`` in row ``r`` from ``t``, through its silences
    ``silences[r, s]`` (those its crew knows of by ``t``, ``[..., 2] <= t``, only, where ``known``): ``t`` where it
    is dark then, else the earlier of its schedule's next stop (:func:`iadsim.network.emcon.emitting_until`) and
    the next silence's start."""
    silent = False
    upcoming = np.inf
    for m in range(silences.shape[2]):
        begin, until = silences[r, s, m, 0], silences[r, s, m, 1]
        if known and not silences[r, s, m, 2] <= t:
            begin = until = np.inf
        silent |= begin <= t and t < until
        if begin >= t:
            upcoming = min(upcoming, begin)
    if silent:
        return t
    if not np.isfinite(period):
        stop = np.inf if on > 0 else t
    else:
        stop = _cycle_start(t, period, offset) + on
        stop = stop if t < stop else t
    return min(stop, upcoming)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def lit_looks(looking, when, period, on, offset, silences):  # pragma: no cover - compiled
    """(R, S) the looks made (``looking``, at times ``when`` (R, S)) whose radar emits then: its schedule
    (``period``, ``on``, ``offset`` (S,): :func:`iadsim.network.emcon.emitting`) has it on and no silence of its
    crew (``silences`` (R, S, M, >= 2) ``[from, until)``) holds it dark (numpy's ``looking & emitting(when, ...) &
    ~silenced_at(silences, when)``)."""
    out = np.empty(looking.shape, np.bool_)
    for r in range(looking.shape[0]):
        for s in range(looking.shape[1]):
            t = when[r, s]
            lit = looking[r, s] and _scheduled(t, period[s], on[s], offset[s])
            for m in range(silences.shape[2] if lit else 0):
                if silences[r, s, m, 0] <= t and t < silences[r, s, m, 1]:
                    lit = False
                    break
            out[r, s] = lit
    return out


@numba.njit(cache=True, nogil=True, error_model="numpy")
def lit_through(rows, fire, targets, start, need, guides, silences, period, on, offset, known, tracked, confirmed_at,
                held_since, held_until):  # pragma: no cover - compiled
    """(n,) whether a radar that guides fire unit ``fire[i]`` in row ``rows[i]`` (``guides`` (R, F, S)) emits from
    ``start[i]`` until at least ``need[i]`` (:func:`_lit_until`: its schedule, ``period``, ``on``, ``offset`` (S,),
    and its crew's ``silences`` (R, S, M, 4), only those known by ``start[i]`` where ``known``), and where
    ``tracked`` holds a track of target ``targets[i]`` at ``start[i]`` (confirmed by then, or held then and
    dropped later: ``confirmed_at``, ``held_since``, ``held_until`` (R, S, T)): numpy's ``any`` over the radars
    of :func:`iadsim.engine.phases.guided` and :func:`iadsim.engine.phases.kept_guidance`."""
    out = np.zeros(rows.shape[0], np.bool_)
    for i in range(rows.shape[0]):
        r, f, t, at = rows[i], fire[i], targets[i], start[i]
        for s in range(guides.shape[2]):
            if not guides[r, f, s]:
                continue
            if tracked and not (confirmed_at[r, s, t] <= at or (held_since[r, s, t] <= at < held_until[r, s, t])):
                continue
            if _lit_until(at, period[s], on[s], offset[s], silences, r, s, known) >= need[i]:
                out[i] = True
                break
    return out


@numba.njit(cache=True, nogil=True)
def silences_ending(silences, start, end, guiding, targets):  # pragma: no cover - compiled
    """The moments in ``(start, end)`` at which a silence (``silences`` (R, S, M, >= 2), its end ``[..., 1]``) of a
    radar that may guide (``guiding`` (S,)) ends, by row, radar, then silence (numpy's ``nonzero``), each repeated
    for every one of ``targets``: (rows, targets, times), numpy's ``repeat``, ``tile`` and ``repeat``."""
    n_r, n_s, n_m, n_t = silences.shape[0], silences.shape[1], silences.shape[2], targets.shape[0]
    n = 0
    for r in range(n_r):
        for s in range(n_s):
            for m in range(n_m if guiding[s] else 0):
                n += _inside(silences[r, s, m, 1], start, end)
    rows, tt, times = np.empty(n * n_t, np.int64), np.empty(n * n_t, targets.dtype), np.empty(n * n_t)
    i = 0
    for r in range(n_r if n else 0):
        for s in range(n_s):
            for m in range(n_m if guiding[s] else 0):
                until = silences[r, s, m, 1]
                if _inside(until, start, end):
                    for j in range(n_t):
                        rows[i], tt[i], times[i] = r, targets[j], until
                        i += 1
    return rows, tt, times


@numba.njit(cache=True, nogil=True, inline="always")
def _inside(when, start, end):  # pragma: no cover - compiled
    """Whether ``when`` lies strictly inside ``(start, end)`` (:func:`silences_ending` counts, then fills, by this
    one rule)."""
    return start < when and when < end


@numba.njit(cache=True, nogil=True)
def layers_reached(present, destroyed_at, fire_unit, layer, inside, alive, leaked, active,
                   reached):  # pragma: no cover - compiled
    """In place, ``reached`` (R, T, L): the targets flying (``alive`` and not ``leaked`` (R, T), ``active`` (T,))
    whose intercept lies inside (``inside`` (F, T)) a fire unit of defensive layer ``layer`` (F,; -1: none) that
    stands (its unit ``fire_unit`` (F,) ``present`` and not destroyed, ``destroyed_at`` (R, U) infinite) have
    reached its layer: numpy's boolean product of :func:`iadsim.engine.phases.reach_layers`."""
    standing = np.empty(fire_unit.shape[0], np.bool_)
    for r in range(alive.shape[0]):
        for f in range(fire_unit.shape[0]):
            u = fire_unit[f]
            standing[f] = layer[f] >= 0 and present[r, u] and not np.isfinite(destroyed_at[r, u])
        for t in range(alive.shape[1]):
            if not (alive[r, t] and not leaked[r, t] and active[t]):
                continue
            for f in range(fire_unit.shape[0]):
                if standing[f] and inside[f, t]:
                    reached[r, t, layer[f]] = True


@numba.njit(cache=True, nogil=True)
def on_their_way(rows, sensors, targets, numbers, arrived, next_at):  # pragma: no cover - compiled
    """The reports (:class:`iadsim.engine.state.Reports`' arrays) still on their way, ``next_at`` finite, in their
    order: numpy's boolean indexing of each array, in one pass."""
    n = 0
    for i in range(next_at.shape[0]):
        n += np.isfinite(next_at[i])
    out = (np.empty(n, rows.dtype), np.empty(n, sensors.dtype), np.empty(n, targets.dtype),
           np.empty((n, numbers.shape[1]), numbers.dtype), np.empty(n, arrived.dtype), np.empty(n, next_at.dtype))
    j = 0
    for i in range(next_at.shape[0]):
        if np.isfinite(next_at[i]):
            out[0][j], out[1][j], out[2][j] = rows[i], sensors[i], targets[i]
            out[3][j, :] = numbers[i, :]
            out[4][j], out[5][j] = arrived[i], next_at[i]
            j += 1
    return out


@numba.njit(cache=True, nogil=True)
def looks_between(phase, period, start, end):  # pragma: no cover - compiled
    """(R, S) the number of each sensor's first look in ``[start, end)`` and how many it makes there (look n is at
    ``phase`` (R, S) ``+ n period`` (S,)): numpy's ``ceil((start - phase) / period)``, at least 0, and the same for
    ``end``, as integers, without its temporaries."""
    first = np.empty(phase.shape, np.int64)
    count = np.empty(phase.shape, np.int64)
    for r in range(phase.shape[0]):
        for s in range(phase.shape[1]):
            a = max(np.ceil((start - phase[r, s]) / period[s]), 0.0)
            b = max(np.ceil((end - phase[r, s]) / period[s]), 0.0)
            first[r, s] = np.int64(a)
            count[r, s] = np.int64(b - a)
    return first, count


@numba.njit(cache=True, nogil=True)
def earliest(first, threat, rr, tt, at):  # pragma: no cover - compiled
    """``first`` (R,) [s] (nan: none yet) lowered in place to the earliest of times ``at`` in its row ``rr`` at which a
    threat (``threat`` (T,) at targets ``tt``) is detected. ``at`` finite (look times are): a nan or infinite time
    would be taken where numpy's minimum, which the tests hold it to, would not."""
    for j in range(rr.shape[0]):
        if threat[tt[j]] and not first[rr[j]] <= at[j]:
            first[rr[j]] = at[j]


@numba.njit(cache=True, nogil=True)
def opening_pairs(start_time, start, end, now, after, open_, able, seen_now, seen_next, guiding,
                  middle):  # pragma: no cover - compiled
    """What :func:`iadsim.engine.phases.openings` reads at each step, in one pass: the targets taking off inside
    ``(start, end)`` (``start_time`` (T,)), ascending; the (fire unit, target) pairs of the fire units that may fire
    (``able`` (F,)) and the targets flying in the window (``open_`` (T,)) whose intercept lies outside the envelope
    at the step's sample and inside at the next (``now``, ``after`` (F, T); none where ``after`` has no rows), in
    ``np.nonzero``'s order; and the targets flying in the window that come into the sight of a sensor that may guide
    (``guiding`` (S,)) between the samples (``seen_now``, ``seen_next`` (S, T); none where ``middle`` is not
    finite), ascending."""
    n_f, n_t = able.shape[0], open_.shape[0]
    starting = np.empty(n_t, np.int64)
    n_start = 0
    for t in range(n_t):
        if start_time[t] > start and start_time[t] < end:
            starting[n_start] = t
            n_start += 1
    ff, tt = np.empty(n_f * n_t, np.int64), np.empty(n_f * n_t, np.int64)
    n = 0
    if after.shape[0]:
        for f in range(n_f):
            if able[f]:
                for t in range(n_t):
                    if open_[t] and after[f, t] and not now[f, t]:
                        ff[n] = f
                        tt[n] = t
                        n += 1
    coming = np.empty(n_t, np.int64)
    n_c = 0
    if np.isfinite(middle):
        for t in range(n_t):
            if open_[t]:
                for s in range(guiding.shape[0]):
                    if guiding[s] and seen_next[s, t] and not seen_now[s, t]:
                        coming[n_c] = t
                        n_c += 1
                        break
    return starting[:n_start], ff[:n], tt[:n], coming[:n_c]


@numba.njit(cache=True, nogil=True)
def plot_normals(keys, number, rr, ss, tt, n_targets, stream):  # pragma: no cover - compiled
    """The plots' standard normal errors, (n, 3): entry (j, a) the number :func:`iadsim.engine.rng.normal_at` draws for
    row ``rr[j]``'s key (``keys`` (R,)), its look number (``number`` (R, S) at sensor ``ss[j]``) and the flat index
    ``(s * n_targets + t) * 3 + a`` of a full (S, T, 3) draw; ``stream`` the normal's, as ``normal_at`` takes it.
    Its two uniform streams and :func:`iadsim.engine.rng.normal_one` (Box-Muller with the C library's ``log1p`` and
    ``cos``, as :func:`iadsim.engine.rng.box_muller`), without the broadcast index arrays and temporaries."""
    n = rr.shape[0]
    out = np.empty((n, 3))
    first = np.uint64(2 * stream + 1_000_001)  # (normal_at's two uniform streams: this one and the next)
    for j in range(n):
        key, look = keys[rr[j]], number[rr[j], ss[j]]
        base = (ss[j] * n_targets + tt[j]) * 3
        for a in range(3):
            out[j, a] = normal_one(uniform_one(key, look, first, base + a),
                                   uniform_one(key, look, first + np.uint64(1), base + a))
    return out


@numba.njit(cache=True, nogil=True)
def look_batch(first, count, j, sensing, phase, period):  # pragma: no cover - compiled
    """Look ``j`` of each sensor in a step's window (:func:`looks_between`'s ``first`` and ``count`` (R, S)), for
    the sensors ``sensing`` (R, S): (R, S) its look numbers ``first + j``, whether it is made (``j < count``, a
    sensing sensor), its times ``phase + number * period`` (``period`` (S,)), and the looks made, (rows, sensors) by
    row then sensor: what :func:`iadsim.engine.phases.sense` reads, in one pass."""
    n_r, n_s = first.shape
    number = np.empty((n_r, n_s), np.int64)
    looking = np.empty((n_r, n_s), np.bool_)
    when = np.empty((n_r, n_s))
    lr, ls = np.empty(n_r * n_s, np.int64), np.empty(n_r * n_s, np.int64)
    n = 0
    for r in range(n_r):
        for s in range(n_s):
            number[r, s] = first[r, s] + j
            looking[r, s] = j < count[r, s] and sensing[r, s]
            when[r, s] = phase[r, s] + number[r, s] * period[s]
            if looking[r, s]:
                lr[n], ls[n] = r, s
                n += 1
    return number, looking, when, lr[:n].copy(), ls[:n].copy()


@numba.njit(cache=True, nogil=True)
def look_plots(keys, number, lit, flying, sensor, target, pd, sigma, when, middle, start_time, arrival_time,
               n_targets, detect_stream, noise_stream, first_detection, threat, lr, ls, t0, t1, position0, velocity0,
               position1, velocity1, starting):  # pragma: no cover - compiled
    """The detections of one look of every sensor and their plots, in one call: :func:`detections` (rows, pairs and
    samples), then each detection's sensor, target, time (``when`` at its row and sensor), one-look Pd and
    measurement error (``pd``, ``sigma`` (2, P) at its sample, as float64), the first detection of a threat per row
    lowered in ``first_detection`` (:func:`earliest`), the targets' true positions then (:func:`carried` in the
    window ``[t0, t1)``), the plots' keyed normal errors (:func:`plot_normals` on ``noise_stream``), and where each
    look's detections start (:func:`look_pointers` of the looks ``lr``, ``ls``). Returns (rows, sensors, targets,
    times, positions, errors, Pd, noise, look pointers)."""
    rr, ii, sample = detections(keys, number, lit, flying, sensor, target, pd, when, middle, start_time,
                                arrival_time, n_targets, detect_stream)
    n = rr.shape[0]
    ds, dt = np.empty(n, np.int64), np.empty(n, np.int64)
    at, error, det_pd = np.empty(n), np.empty(n), np.empty(n)
    for d in range(n):
        i, late = ii[d], sample[d]
        ds[d], dt[d] = sensor[i], target[i]
        at[d] = when[rr[d], ds[d]]
        error[d], det_pd[d] = np.float64(sigma[late, i]), np.float64(pd[late, i])
    earliest(first_detection, threat, rr, dt, at)
    position = carried(dt, at, t0, t1, position0, velocity0, position1, velocity1, starting)
    noise = plot_normals(keys, number, rr, ds, dt, n_targets, noise_stream)
    return rr, ds, dt, at, position, error, det_pd, noise, look_pointers(rr, ds, lr, ls, number.shape[1])


@numba.njit(cache=True, nogil=True)
def false_plot_counts(keys, rows, sensors, number, lit, none, mean, stream):  # pragma: no cover - compiled
    """How many false plots each look (rows ``rows``, ``sensors``, look numbers ``number``) makes: a keyed uniform
    draw per look (:func:`iadsim.engine.rng.uniform_at`'s number at the flat index of its sensor) inverted through
    the Poisson CDF of its sensor's ``mean`` (S,) from its first term ``none`` (S,, ``exp(-mean)``): none where the
    draw falls below it or the look is dark (``lit`` False; an empty ``lit``: every look lit), else
    :func:`poisson_sum`. Looks whose mean exceeds :data:`LARGE_MEAN` are left for scipy: (n,) counts, (n,) which are
    left, (n,) the draws."""
    n = rows.shape[0]
    k = np.zeros(n, np.int64)
    large = np.zeros(n, np.bool_)
    u = np.empty(n)
    for j in range(n):
        s = sensors[j]
        u[j] = uniform_one(keys[rows[j]], number[j], stream, s)
        if lit.shape[0] and not lit[j]:
            continue
        if not u[j] >= none[s]:
            continue
        if mean[s] > LARGE_MEAN:
            large[j] = True
        else:
            k[j] = poisson_sum(u[j], mean[s], none[s])
    return k, large, u


@numba.njit(cache=True, nogil=True)
def step_pairs(ptr, sensor, target, pd, sigma, k0, k1, n_t, active0, active1, differ):  # pragma: no cover - compiled
    """:func:`iadsim.engine.phases.step_looks` of the world's looks (``ptr``, ``sensor``, ``target``, ``pd``,
    ``sigma``: :class:`iadsim.engine.world.Looks`) at samples ``k0`` and ``k1``: the union of their (sensor,
    target) pairs, by sensor then target (each sample's are), each pair's one-look Pd and measurement error at
    each sample (0 where not seen there); the pairs with a Pd at either kept. Where ``differ`` (a target starts or
    arrives between the samples), a target off its route at one sample (``active0``, ``active1`` (T,)) takes the
    other's values there, the first sample's first: where it flies (when a look or an event may see it is for the
    caller to say: from its start, until its arrival). Returns (P,) sensors, (P,) targets (int64), (2, P) Pd and
    (2, P) errors (float32)."""
    a, a_end, b, b_end = ptr[k0], ptr[k0 + 1], ptr[k1], ptr[k1 + 1]
    most = (a_end - a) + (b_end - b)
    ss, tt = np.empty(most, np.int64), np.empty(most, np.int64)
    p_out, s_out = np.zeros((2, most), np.float32), np.zeros((2, most), np.float32)
    n = 0
    while a < a_end or b < b_end:
        ka = np.int64(sensor[a]) * n_t + target[a] if a < a_end else np.int64(-1)
        kb = np.int64(sensor[b]) * n_t + target[b] if b < b_end else np.int64(-1)
        key = ka if kb < 0 or (0 <= ka < kb) else kb
        p0 = s0 = p1 = s1 = np.float32(0.0)
        if key == ka:
            p0, s0 = pd[a], sigma[a]
            a += 1
        if key == kb:
            p1, s1 = pd[b], sigma[b]
            b += 1
        t = key % n_t
        p0, p1 = _on_route(differ, active0, active1, t, p0, p1)
        s0, s1 = _on_route(differ, active0, active1, t, s0, s1)
        if p0 > 0 or p1 > 0:
            ss[n], tt[n] = key // n_t, t
            p_out[0, n], p_out[1, n], s_out[0, n], s_out[1, n] = p0, p1, s0, s1
            n += 1
    return ss[:n].copy(), tt[:n].copy(), np.ascontiguousarray(p_out[:, :n]), np.ascontiguousarray(s_out[:, :n])


@numba.njit(cache=True, nogil=True)
def visible_samples(ptr, sensor, target, k0, k1, active0, active1, differ, n_s, n_t):  # pragma: no cover - compiled
    """(2, S, T) bool: what each sensor sees at samples ``k0`` and ``k1`` of the world's looks (``ptr``, ``sensor``,
    ``target``: :class:`iadsim.engine.world.Looks`), with the on-route rule (:func:`_on_route`) where ``differ``."""
    out = np.zeros((2, n_s, n_t), np.bool_)
    for n in range(2):
        k = k0 if n == 0 else k1
        for i in range(ptr[k], ptr[k + 1]):
            out[n, sensor[i], target[i]] = True
    if differ:
        for s in range(n_s):
            for t in range(n_t):
                out[0, s, t], out[1, s, t] = _on_route(differ, active0, active1, t, out[0, s, t], out[1, s, t])
    return out


@numba.njit(cache=True, nogil=True, inline="always")
def _on_route(differ, active0, active1, t, at0, at1):  # pragma: no cover - compiled
    """A pair's values at samples k0 and k1 (``at0``, ``at1``) with the on-route rule: where ``differ`` (a target starts
    or arrives between the samples), target ``t`` off its route at one sample (``active0``, ``active1`` (T,)) takes the
    other sample's value there, the first sample's first (off its route at both: the second sample's at both)."""
    if differ:
        if not active0[t]:
            at0 = at1
        if not active1[t]:
            at1 = at0
    return at0, at1


@numba.njit(cache=True, nogil=True)
def look_pointers(rr, ss, lr, ls, n_s):  # pragma: no cover - compiled
    """(L + 1,) where each look's detections start: looks (rows ``lr``, sensors ``ls``) and detections (rows ``rr``,
    sensors ``ss``) both by row then sensor, each detection's look among the looks; numpy's
    ``searchsorted(rr * n_s + ss, lr * n_s + ls)``, then the number of detections, by one walk of both."""
    ptr = np.empty(lr.shape[0] + 1, np.int64)
    j = 0
    for n in range(lr.shape[0]):
        key = lr[n] * n_s + ls[n]
        while j < rr.shape[0] and rr[j] * n_s + ss[j] < key:
            j += 1
        ptr[n] = j
    ptr[lr.shape[0]] = rr.shape[0]
    return ptr


@numba.njit(cache=True, nogil=True)
def ranged_errors(sensor_position, plot_errors, ss, position, noise, scale, which):  # pragma: no cover - compiled
    """In place, rows ``which`` of ``noise`` (n, 3), standard normal draws, made the errors of ranging sensors ``ss``'s
    plots at ``position`` (n, 3) with their own range and azimuth errors (``plot_errors`` (S, 2)), in units of
    ``scale`` (n,) [m] (what the plot's noise is multiplied by: the sensor's ``measurement_sigma``): the first along
    the line of sight on the ground (the range error), the second across it (ground range times the azimuth error),
    the third, in height, left as drawn (``scale``: a 2-D radar measures none; the plot's claim). Isotropic noise of
    the larger on every axis had a radar err in range by its cross-range error: at 40 km about twice the catalog's
    range accuracy."""
    for j in which:
        s = ss[j]
        dx, dy = position[j, 0] - sensor_position[s, 0], position[j, 1] - sensor_position[s, 1]
        ground = max(np.hypot(dx, dy), 1e-9)
        east, north = dx / ground, dy / ground
        along = noise[j, 0] * plot_errors[s, 0] / scale[j]
        across = noise[j, 1] * ground * plot_errors[s, 1] / scale[j]
        noise[j, 0] = along * east + across * north
        noise[j, 1] = along * north - across * east


@numba.njit(cache=True, nogil=True, inline="always")
def _height(t, at, t0, step, height0, height1):  # pragma: no cover - compiled
    """Target ``t``'s height above the ground at ``at`` within a step's window from ``t0``: linear between the step's
    geometry sample and the next (float32 ``height0``, ``height1`` (T,), read as double; ``step`` apart), clipped to
    the window: the height a launch envelope is judged at."""
    here, there = np.float64(height0[t]), np.float64(height1[t])
    return here + (there - here) * min(max((at - t0) / step, 0.0), 1.0)


@borrowing
def _carry(t, at, t0, t1, position0, velocity0, position1, velocity1, starting, position, velocity,
           i):  # pragma: no cover - compiled
    """Row ``i`` of ``position`` and ``velocity`` (n, 3): target ``t`` at ``at`` in the window ``[t0, t1)``, carried
    from the sample by its velocity (``position0``, float32 ``velocity0`` (T, 3), read as double) or, for one that
    starts its route within the window (``starting`` (T,)), back from the next sample
    (:func:`iadsim.engine.phases.position_at`, :func:`~iadsim.engine.phases.velocity_at`)."""
    ahead = at - t0
    if starting[t]:
        ahead = ahead - (t1 - t0)
        for a in range(3):
            velocity[i, a] = np.float64(velocity1[t, a])
            position[i, a] = position1[t, a] + velocity[i, a] * ahead
    else:
        for a in range(3):
            velocity[i, a] = np.float64(velocity0[t, a])
            position[i, a] = position0[t, a] + velocity[i, a] * ahead


@numba.njit(cache=True, nogil=True)
def carried(tt, when, t0, t1, position0, velocity0, position1, velocity1, starting):  # pragma: no cover - compiled
    """(n, 3) targets ``tt``'s positions at ``when`` (n,) in the window ``[t0, t1)`` (:func:`_carry`)."""
    n = tt.shape[0]
    position, velocity = np.empty((n, 3)), np.empty((n, 3))
    for i in range(n):
        _carry(tt[i], when[i], t0, t1, position0, velocity0, position1, velocity1, starting, position, velocity, i)
    return position


@numba.njit(cache=True, nogil=True)
def truth_intercepts(fire, ff, tt, when, t0, t1, step, height0, height1, position0, velocity0, position1, velocity1,
                     starting, speed, lo, hi, low, high, fastest, plain):  # pragma: no cover - compiled
    """:func:`engagement_points` of fire units ``ff`` at targets ``tt`` (n,) on their true paths at times ``when``
    (n,) in a step's window ``[t0, t1)`` (:func:`_carry`; heights by :func:`_height`, ``step`` the sampling step),
    and the targets' heights and speeds there: what :func:`iadsim.engine.phases.engagement_geometry` reads, in its
    arithmetic and order. Returns (n,) time of flight, (n, 3) intercept point, (n,) whether one exists and (n,)
    inside (plain fire units only), then (n,) heights and speeds."""
    n = ff.shape[0]
    height, target_speed = np.empty(n), np.empty(n)
    position, velocity = np.empty((n, 3)), np.empty((n, 3))
    for i in range(n):
        height[i] = _height(tt[i], when[i], t0, step, height0, height1)
        _carry(tt[i], when[i], t0, t1, position0, velocity0, position1, velocity1, starting, position, velocity, i)
        target_speed[i] = np.sqrt(velocity[i, 0] * velocity[i, 0] + velocity[i, 1] * velocity[i, 1]
                                  + velocity[i, 2] * velocity[i, 2])
    tof, point, ok, inside = engagement_points(fire, ff, position, velocity, speed, height, target_speed, lo, hi, low,
                                               high, fastest, plain)
    return tof, point, ok, inside, height, target_speed


@numba.njit(cache=True, nogil=True)
def track_aims(fire, rr, ff, tt, when, tof, x, track_time, updates, speed, longest, t0, t1, position0, velocity0,
               position1, velocity1, starting):  # pragma: no cover - compiled
    """:func:`iadsim.engine.phases.aim_points` in its arithmetic and order: for launches of fire units ``ff`` at
    targets ``tt`` of rows ``rr`` at ``when`` (n,), the intercept (:func:`_time_of_flight`) predicted from the fire
    unit's own track (``x`` (R, N, T, 6) at ``track_time``, flown on to ``when``; ``updates`` 0: no track), if within
    ``longest`` [s] of flight; where the track gives none, an infinite time of flight at the truth's point; without
    a track, the truth's (time of flight ``tof``, :func:`_carry`). Returns (n,) times of flight and (n, 3) aim
    points."""
    n = ff.shape[0]
    out, aim = np.empty(n), np.empty((n, 3))
    position, velocity = np.empty((n, 3)), np.empty((n, 3))
    for i in range(n):
        r, f, t = rr[i], ff[i], tt[i]
        _carry(t, when[i], t0, t1, position0, velocity0, position1, velocity1, starting, position, velocity, i)
        lead = tof[i] if np.isfinite(tof[i]) else 0.0
        vx, vy, vz = x[r, f, t, 3], x[r, f, t, 4], x[r, f, t, 5]
        dt = when[i] - track_time[r, f, t]
        px, py, pz = x[r, f, t, 0] + vx * dt, x[r, f, t, 1] + vy * dt, x[r, f, t, 2] + vz * dt
        s = _time_of_flight(fire[f, 0], fire[f, 1], fire[f, 2], px, py, pz, vx, vy, vz, speed[f] ** 2)
        tracked = updates[r, f, t] > 0
        if tracked and np.isfinite(s) and s <= longest:
            out[i] = s
            aim[i, 0], aim[i, 1], aim[i, 2] = px + vx * s, py + vy * s, pz + vz * s
        else:
            out[i] = np.inf if tracked else tof[i]
            for a in range(3):
                aim[i, a] = position[i, a] + velocity[i, a] * lead
    return out, aim


@numba.njit(cache=True, nogil=True)
def own_reach(fire, rr, ff, tt, when, aim, x, updates, t0, step, height0, height1, lo, hi, low, high, fastest,
              plain):  # pragma: no cover - compiled
    """For :func:`iadsim.engine.phases.own_envelope`, in its arithmetic: the aim points' ground ranges from fire units
    ``ff`` (``aim`` (n, 3)), the targets' true heights at ``when`` (:func:`_height`) and the speeds of the fire units'
    own tracks (``x`` (R, N, T, 6) of rows ``rr``, targets ``tt``), and for the ``plain`` (F,) fire units whether
    that lies in the box envelope (the limits (F,)) or the fire unit holds no track (``updates`` 0): (n,) each; inside
    False for the others (the engine's numpy rule decides theirs)."""
    n = ff.shape[0]
    ground, height, speed = np.empty(n), np.empty(n), np.empty(n)
    inside = np.zeros(n, np.bool_)
    for i in range(n):
        r, f, t = rr[i], ff[i], tt[i]
        ground[i] = np.hypot(aim[i, 0] - fire[f, 0], aim[i, 1] - fire[f, 1])
        height[i] = _height(t, when[i], t0, step, height0, height1)
        vx, vy, vz = x[r, f, t, 3], x[r, f, t, 4], x[r, f, t, 5]
        speed[i] = np.sqrt(vx * vx + vy * vy + vz * vz)
        if plain[f]:
            inside[i] = _in_box(f, ground[i], height[i], speed[i], lo, hi, low, high, fastest) or updates[r, f, t] == 0
    return inside, ground, height, speed


@numba.njit(cache=True, nogil=True, inline="always")
def _predicted_error(p, updates, r, f, t, h):  # pragma: no cover - compiled
    """Node ``f``'s track of target ``t`` in row ``r``: its RMS position error predicted ``h`` seconds ahead
    (:func:`predicted_errors`)."""
    if updates[r, f, t] <= 0:
        return np.inf
    total = 0.0
    for a in range(3):
        total += p[r, f, t, a, 0] + 2.0 * h * p[r, f, t, a, 1] + (h * h) * p[r, f, t, a, 2]
    return np.sqrt(0.0 if total < 0.0 else total)


_FLOAT_MAX = float(np.finfo(np.float64).max)


@numba.njit(cache=True, nogil=True)
def end_game_pks(kind, pk, peak, area, response, update, fire, p, updates, track_time, launched, rr, ff, tt, when,
                 arrival, velocity, aim_error, manoeuvre):  # pragma: no cover - compiled
    """:func:`iadsim.engine.phases.single_shot_pk` before its edge factor, in its arithmetic and order: (n,) one
    missile's kill probability for arrivals (rows ``rr``, fire units ``ff``, targets ``tt`` at ``when``, the targets
    at ``arrival`` (n, 3) with ``velocity`` (n, 3), ``aim_error`` (n,) from the aim points). A fire unit whose
    missile has no guidance (``kind`` (F,) -1: an index into :data:`iadsim.physics.lethality.GUIDANCE` otherwise)
    has its catalog ``pk``; the others the Carleton SSPK (:func:`iadsim.physics.lethality.carleton_sspk`: ``peak``
    D0, lethal ``area``, range-deflection ratio 1, the bias down range) over the end-game miss
    (:func:`iadsim.physics.lethality.endgame_miss`: the target's ``manoeuvre`` (T,) over the prediction interval -
    the time of flight since ``launched`` (R, T) for inertial guidance, the guidance's ``update`` interval (F,; nan:
    none) otherwise - its speed across the line of flight from ``fire`` (F, 3) times the missile's ``response``
    time, and for command guidance the fire unit's track (``p``, ``updates``, ``track_time``: the picture) predicted
    over that interval past its last update, per axis). Nothing is checked here, as the physics functions check their
    arguments: the catalog and the engine give valid ones."""
    n = rr.shape[0]
    out = np.empty(n)
    for i in range(n):
        f, t = ff[i], tt[i]
        k = kind[f]
        if k < 0:
            out[i] = pk[f]
            continue
        line0, line1, line2 = arrival[i, 0] - fire[f, 0], arrival[i, 1] - fire[f, 1], arrival[i, 2] - fire[f, 2]
        length = max(np.sqrt(line0 * line0 + line1 * line1 + line2 * line2), 1e-9)
        line0, line1, line2 = line0 / length, line1 / length, line2 / length
        v0, v1, v2 = np.float64(velocity[i, 0]), np.float64(velocity[i, 1]), np.float64(velocity[i, 2])
        along = v0 * line0 + v1 * line1 + v2 * line2
        c0, c1, c2 = v0 - along * line0, v1 - along * line1, v2 - along * line2
        crossing = np.sqrt(c0 * c0 + c1 * c1 + c2 * c2)
        interval = update[f]  # (numpy's nan_to_num)
        interval = 0.0 if np.isnan(interval) else min(max(interval, -_FLOAT_MAX), _FLOAT_MAX)
        if k == 0:  # inertial: the whole flight is the prediction interval; the aim error stays a bias
            interval = when[i] - launched[rr[i], t]
        drift = 0.5 * manoeuvre[t] * (interval * interval)
        lag = crossing * response[f]
        track = 0.0
        if k == 1:  # command: the guiding radar's track error over its update interval
            track = _predicted_error(p, updates, rr[i], f, t, when[i] - track_time[rr[i], f, t] + interval) \
                / np.sqrt(3.0)
            track = track if np.isfinite(track) else 0.0
        sigma = np.sqrt(track * track + drift * drift + lag * lag)
        bias = aim_error[i] if k == 0 else 0.0
        ax = np.pi * peak[f] / area[f]
        ay = np.pi * peak[f] / area[f]
        fx = 1.0 + 2.0 * ax * (sigma * sigma)
        fy = 1.0 + 2.0 * ay * (sigma * sigma)
        out[i] = peak[f] * np.exp(-ax * (bias * bias) / fx) / np.sqrt(fx * fy)
    return out


@numba.njit(cache=True, nogil=True)
def predicted_errors(p, updates, rr, ff, tt, ahead):  # pragma: no cover - compiled
    """:func:`iadsim.engine.phases.predicted_error` in its arithmetic and order: (n,) the RMS position error of nodes
    ``ff``'s tracks of targets ``tt`` (rows ``rr``; covariances ``p`` (R, N, T, 3, 3): per axis pp, pv, vv) predicted
    ``ahead`` (n,) seconds at constant velocity (inf: no track, ``updates`` 0)."""
    out = np.empty(rr.shape[0])
    for i in range(rr.shape[0]):
        out[i] = _predicted_error(p, updates, rr[i], ff[i], tt[i], ahead[i])
    return out


@numba.njit(cache=True, nogil=True)
def mature_tracks(p, updates, track_time, rr, ff, tt, when, tof, inside, by_updates, least_updates, sigmas, basket,
                  unknown_var):  # pragma: no cover - compiled
    """:func:`iadsim.engine.phases.firing_solution`'s maturity rule in its arithmetic and order, (n,) bool: the fire
    units' tracks have ``least_updates`` updates (``by_updates``), or their position error predicted to the intercept
    (``tof`` ahead of ``when`` where ``inside``, :func:`_predicted_error`) times ``sigmas`` fits the ``basket``; and
    their height's variance is below ``unknown_var`` (measured)."""
    n = rr.shape[0]
    out = np.empty(n, np.bool_)
    for i in range(n):
        r, f, t = rr[i], ff[i], tt[i]
        if by_updates:
            ok = updates[r, f, t] >= least_updates
        else:
            ahead = when[i] - track_time[r, f, t] + (tof[i] if inside[i] else 0.0)
            ok = sigmas * _predicted_error(p, updates, r, f, t, ahead) <= basket
        out[i] = ok and p[r, f, t, 2, 0] < unknown_var
    return out


@numba.njit(cache=True, nogil=True)
def due_reports(every, rows, ptr, clock, report_rows, next_at):  # pragma: no cover - compiled
    """The pending reports (ascending) whose next arrival at a node (``next_at``) is by their row's ``clock`` (R,):
    of every row (``every``; ``rows`` and ``ptr`` unread), else of replication rows ``rows`` (ascending, without
    repeats; each row's reports are ``ptr[r]:ptr[r + 1]``, the reports sorted by row ``report_rows``): numpy's
    ``flatnonzero`` of that test."""
    out = np.empty(next_at.shape[0], np.int64)
    n = 0
    if every:
        for j in range(next_at.shape[0]):
            if next_at[j] <= clock[report_rows[j]]:
                out[n] = j
                n += 1
    else:
        for r in rows:
            for j in range(ptr[r], ptr[r + 1]):
                if next_at[j] <= clock[r]:
                    out[n] = j
                    n += 1
    return out[:n]
