"""Compiled loops of the engine's phases (numba): the same rules as the numpy they replace, over every
replication at once, without temporaries."""

from __future__ import annotations

import numba
import numpy as np

from iadsim.registry import ELEVATION, RANGING

__all__ = ["assignable", "known"]


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
