"""Compiled loops of the engine's phases (numba): the same rules as the numpy they replace, over every
replication at once, without temporaries."""

from __future__ import annotations

import numba
import numpy as np

from iadsim.registry import ELEVATION, RANGING

__all__ = ["assignable", "intercept_grid", "known"]


@numba.njit(cache=True, nogil=True)
def known(confirmed_at, held_since, held_until, latency, feeds, guides, visible, placing, rr, ff, tt,
          when):  # pragma: no cover - compiled
    """(n,) bool over (replication ``rr``, fire unit ``ff``, target ``tt``) triples: at ``when`` the target is in
    the fire unit's picture (sensors feeding it, ``feeds`` (R, F, S), hold tracks confirmed at least the
    ``latency`` (F, S) ago - their current ones, or ones held then and dropped later - that place it: one that
    measures range, or two passive ones of which one measures elevation, ``placing`` (S,),
    :func:`iadsim.registry.places_target`) and a radar that may guide it (``guides`` (R, F, S)) holds a track
    and sees it (``visible`` (S, T))."""
    out = np.zeros(rr.shape[0], dtype=np.bool_)
    for i in range(rr.shape[0]):
        out[i] = _known(confirmed_at, held_since, held_until, latency, feeds, guides, visible, placing, rr[i], ff[i],
                        tt[i], when[i])
    return out


@numba.njit(cache=True, nogil=True, inline="always")
def _known(confirmed_at, held_since, held_until, latency, feeds, guides, visible, placing, r, f, t,
           now):  # pragma: no cover - compiled
    """:func:`known` for one triple."""
    pictured = False
    guided = False
    lines = 0  # passive sensors' tracks delivered
    elevation = False
    for s in range(latency.shape[1]):
        age = now - confirmed_at[r, s, t]
        if age < 0.0 and held_since[r, s, t] <= now < held_until[r, s, t]:
            age = now - held_since[r, s, t]  # dropped later in the window: still held now
        if age < 0.0:
            continue
        if feeds[r, f, s] and age >= latency[f, s]:
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


@numba.njit(cache=True, nogil=True)
def assignable(rows, clock, alive, leaked, start_time, arrival_time, phase, idle, hostile, able, unit_up, fire_unit,
               missiles, ready_at, busy, guiding, group, channels, inside, confirmed_at, held_since, held_until,
               latency, feeds, guides, visible, placing):  # pragma: no cover - compiled
    """(i, f, t) of the triples that threat evaluation may assign at each row's clock (``rows`` (n,) replication
    rows, ``clock`` (R,)), in row, fire unit, target order: target ``t`` flying, idle and taken for hostile
    (arrays (R, T)); fire unit ``f`` able, up, loaded, free and with a guidance channel; the intercept may lie
    in its envelope during the step (``inside`` (F, T)); and the target in its picture (:func:`known`)."""
    n_f, n_t = inside.shape
    cap = 64
    ii = np.empty(cap, np.int64)
    ff = np.empty(cap, np.int64)
    tt = np.empty(cap, np.int64)
    found = 0
    targets = np.empty(n_t, np.int64)
    for i in range(rows.shape[0]):
        r = rows[i]
        now = clock[r]
        n = 0  # the row's candidate targets
        for t in range(n_t):
            if (alive[r, t] and not leaked[r, t] and start_time[t] <= now and arrival_time[t] > now
                    and phase[r, t] == idle and hostile[r, t]):
                targets[n] = t
                n += 1
        if n == 0:
            continue
        for f in range(n_f):
            if not (able[r, f] and unit_up[r, fire_unit[f]] and missiles[r, f] > 0 and ready_at[r, f] <= now
                    and not busy[r, f] and guiding[r, group[f]] < channels[f]):
                continue
            for j in range(n):
                t = targets[j]
                if not inside[f, t] or not _known(confirmed_at, held_since, held_until, latency, feeds, guides,
                                                  visible, placing, r, f, t, now):
                    continue
                if found == cap:
                    cap *= 2
                    ii = np.concatenate((ii, np.empty(cap - found, np.int64)))
                    ff = np.concatenate((ff, np.empty(cap - found, np.int64)))
                    tt = np.concatenate((tt, np.empty(cap - found, np.int64)))
                ii[found] = i
                ff[found] = f
                tt[found] = t
                found += 1
    return ii[:found], ff[:found], tt[:found]


@numba.njit(cache=True, nogil=True)
def intercept_grid(fire, position, velocity, speed):  # pragma: no cover - compiled
    """:func:`iadsim.physics.kinematics.intercept` (no launch delay) of every fire unit ``fire`` (F, 3) at every
    target of several time samples, ``position`` and ``velocity`` (n, T, 3), missile speeds ``speed`` (F,), the
    same operations in the same order without temporaries: (n, F, T) the intercept's ground range from the
    launcher (inf: none) and (n, F, T, 3) the intercept point from the launcher (NaN: none)."""
    n, n_t = position.shape[0], position.shape[1]
    n_f = fire.shape[0]
    ground = np.empty((n, n_f, n_t))
    d = np.empty((n, n_f, n_t, 3))
    for i in range(n):
        for f in range(n_f):
            s2 = speed[f] ** 2
            for t in range(n_t):
                vx, vy, vz = velocity[i, t, 0], velocity[i, t, 1], velocity[i, t, 2]
                px, py, pz = position[i, t, 0], position[i, t, 1], position[i, t, 2]
                ox, oy, oz = px - fire[f, 0], py - fire[f, 1], pz - fire[f, 2]
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
                if np.isfinite(tof):
                    dx = px + vx * tof - fire[f, 0]
                    dy = py + vy * tof - fire[f, 1]
                    d[i, f, t, 0], d[i, f, t, 1], d[i, f, t, 2] = dx, dy, pz + vz * tof - fire[f, 2]
                    ground[i, f, t] = np.hypot(dx, dy)
                else:
                    d[i, f, t, 0] = d[i, f, t, 1] = d[i, f, t, 2] = np.nan
                    ground[i, f, t] = np.inf
    return ground, d
