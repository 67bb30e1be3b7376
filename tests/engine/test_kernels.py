"""The engine's compiled fire-control kernels (iadsim.engine._kernels) against brute force written here, on random
states: what assignment may assign, and each replication's next event. The kernels walk sparse lists (each fire
unit's targets inside its envelope, each target's sensors holding a track this step, each row's own reports in
the order they reach their nodes); the brute force visits every row, fire unit, target, sensor and node."""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.engine._kernels import (
    assignable,
    columns_any,
    emission_spans,
    emitters,
    flying_hostile,
    known,
    layers_reached,
    lit_looks,
    lit_through,
    merge_reports,
    next_event_times,
    on_their_way,
    row_pointers,
    silences_ending,
)
from iadsim.engine.state import Phase
from iadsim.registry import BEARING, ELEVATION, RANGING
from iadsim.tracking.picture import arrival_order

START, END = 100.0, 101.0
IDLE = 0


def _state(seed):
    g = np.random.default_rng(seed)
    R, F, T, S = 10, 5, 9, 7
    st = dict(
        alive=g.random((R, T)) < 0.9, leaked=g.random((R, T)) < 0.1, start_time=g.uniform(0, 101.5, T),
        arrival_time=g.uniform(99.5, 400, T), phase=np.where(g.random((R, T)) < 0.7, IDLE, 2).astype(np.int8),
        hostile=g.random((R, T)) < 0.85, able=g.random((R, F)) < 0.85, unit_up=g.random((R, F + 2)) < 0.9,
        fire_unit=g.permutation(F + 2)[:F], missiles=g.integers(0, 4, (R, F)), ready_at=g.uniform(98, 101.5, (R, F)),
        busy=g.random((R, F)) < 0.1, guiding=g.integers(0, 3, (R, 3)), group=g.integers(0, 3, F),
        channels=g.integers(1, 4, F), engaging=g.integers(0, 3, (R, 3)), targets=g.integers(1, 4, F),
        inside=g.random((F, T)) < 0.5, latency=g.choice([0.0, 0.5, 1.5, 3.0, np.inf], (F, S)),
        feeds=g.random((R, F, S)) < 0.6, guides=g.random((R, F, S)) < 0.5, visible=g.random((2, S, T)) < 0.7,
        placing=g.choice([RANGING, BEARING, ELEVATION], S).astype(np.int64),
        clock=np.sort(g.uniform(START, END, R)), middle=0.5 * (START + END))
    # tracks: confirmed before, during or after the window, or never; some held over part of it and dropped
    confirmed = np.where(g.random((R, S, T)) < 0.5, g.uniform(97, 103, (R, S, T)), np.inf)
    since = np.where(g.random((R, S, T)) < 0.3, g.uniform(95, 101, (R, S, T)), np.inf)
    until = np.where(np.isfinite(since), since + g.uniform(0, 4, (R, S, T)), -np.inf)
    st.update(confirmed_at=confirmed, held_since=since, held_until=until)
    return g, st


def _knows(s, r, f, t, now) -> bool:
    """The picture rule, brute force: sensors feeding fire unit f hold tracks of t (confirmed by now, or held over
    now and dropped later) at least the path's latency old that place it (one that measures range, or two passive
    ones of which one measures elevation), and a sensor that may guide f holds a track of t and sees it."""
    holding = []
    for sensor in range(s["latency"].shape[1]):
        if s["confirmed_at"][r, sensor, t] <= now:
            holding.append((sensor, now - s["confirmed_at"][r, sensor, t]))
        elif s["held_since"][r, sensor, t] <= now < s["held_until"][r, sensor, t]:
            holding.append((sensor, now - s["held_since"][r, sensor, t]))
    placing = [s["placing"][sensor] for sensor, age in holding
               if s["feeds"][r, f, sensor] and age >= s["latency"][f, sensor]]
    pictured = RANGING in placing or (len(placing) >= 2 and ELEVATION in placing)
    sees = s["visible"][int(now >= s["middle"])]  # the geometry sample nearer ``now``
    return pictured and any(s["guides"][r, f, sensor] and sees[sensor, t] for sensor, _ in holding)


@pytest.mark.parametrize("seed", range(6))
def test_assignable_is_every_triple_the_rules_allow(seed):
    g, s = _state(seed)
    R, F, T = s["able"].shape[0], s["able"].shape[1], s["alive"].shape[1]
    rows = np.sort(g.choice(R, 7, replace=False)).astype(np.int64)
    got = assignable(rows, s["clock"], s["alive"], s["leaked"], s["start_time"], s["arrival_time"], s["phase"], IDLE,
                     s["hostile"], s["able"], s["unit_up"], s["fire_unit"], s["missiles"], s["ready_at"], s["busy"],
                     s["guiding"], s["group"], s["channels"], s["engaging"], s["targets"], s["inside"],
                     s["confirmed_at"], s["held_since"], s["held_until"],
                     s["latency"], s["feeds"], s["guides"], s["visible"], s["middle"], s["placing"])
    expected = []
    for i, r in enumerate(rows):
        now = s["clock"][r]
        for f in range(F):
            fire_ok = (s["able"][r, f] and s["unit_up"][r, s["fire_unit"][f]] and s["missiles"][r, f] > 0
                       and s["ready_at"][r, f] <= now and not s["busy"][r, f]
                       and s["guiding"][r, s["group"][f]] < s["channels"][f]
                       and s["engaging"][r, s["group"][f]] < s["targets"][f])
            for t in range(T):
                target_ok = (s["alive"][r, t] and not s["leaked"][r, t] and s["start_time"][t] <= now
                             < s["arrival_time"][t] and s["phase"][r, t] == IDLE and s["hostile"][r, t])
                if fire_ok and target_ok and s["inside"][f, t] and _knows(s, r, f, t, now):
                    expected.append((i, f, t))
    assert [tuple(map(int, x)) for x in zip(*got, strict=True)] == expected
    assert 0 < len(expected)


@pytest.mark.parametrize("seed", range(6))
def test_the_next_event_is_the_earliest_the_rules_name(seed):
    g, s = _state(seed)
    R, T = s["alive"].shape
    F, S = s["latency"].shape
    rows = np.sort(g.choice(R, 5, replace=False)).astype(np.int64)
    clock, due = s["clock"], g.uniform(99, 102.5, (R, T))
    asset_of = g.integers(-1, 3, T)
    arrival_time = np.where(g.random(T) < 0.5, g.uniform(START, END, T), s["arrival_time"])
    opened_t, opened_at = g.integers(0, T, 4).astype(np.int64), g.uniform(START, END, 4)
    d_rows = np.sort(g.integers(0, R, 12)).astype(np.int64)
    d_t, d_at = g.integers(0, T, 12).astype(np.int64), g.uniform(START, END, 12)
    reach = g.random(T) < 0.8
    waiting_fire = g.random((R, T)) < 0.6
    hostile = g.random((R, T)) < 0.7  # (the others, never assigned, wake no row)
    # pending reports to the fire units and two command posts, sorted by row; each has reached the nodes its
    # arrival there is at most the row's clock (the state fuse_until leaves)
    node_latency = np.vstack([s["latency"], g.choice([0.2, 1.0, np.inf], (2, S))])
    order, node_reach = arrival_order(node_latency)
    q_rows = np.sort(g.integers(0, R, 40)).astype(np.int64)
    q_t, q_s = g.integers(0, T, 40).astype(np.int64), g.integers(0, S, 40).astype(np.int64)
    q_time = g.uniform(97, END, 40)
    arrived = np.array([sum(q_time[j] + node_latency[order[q_s[j], o], q_s[j]] <= clock[q_rows[j]]
                            for o in range(node_reach[q_s[j]])) for j in range(40)], np.int64)
    got = next_event_times(rows, clock, END, IDLE, s["phase"], due, s["alive"], s["leaked"], arrival_time, asset_of,
                           s["ready_at"], opened_t, opened_at, row_pointers(d_rows, R), d_t, d_at, reach,
                           row_pointers(q_rows, R), q_t, q_s, q_time, arrived, order, node_reach, s["latency"],
                           s["feeds"], waiting_fire, hostile)
    for i, r in enumerate(rows):
        c, times = clock[r], [np.inf]
        flying = s["alive"][r] & ~s["leaked"][r]
        waiting = flying & (s["phase"][r] == IDLE) & hostile[r]
        times += [due[r, t] for t in range(T) if s["phase"][r, t] != IDLE and c < due[r, t] < END]
        times += [arrival_time[t] for t in range(T) if flying[t] and asset_of[t] >= 0 and c < arrival_time[t] < END]
        if waiting.any():
            times += [a for a in s["ready_at"][r] if c < a < END]
            times += [a for t, a in zip(opened_t, opened_at, strict=True) if waiting[t] and c < a < END]
            times += [a for rr, t, a in zip(d_rows, d_t, d_at, strict=True) if rr == r and a > c and reach[t]
                      and waiting[t]]
            for j in np.flatnonzero(q_rows == r):
                t, sensor = q_t[j], q_s[j]
                if waiting[t] and waiting_fire[r, t]:
                    at = [q_time[j] + s["latency"][f, sensor] for f in range(F) if s["feeds"][r, f, sensor]]
                    at = min([a for a in at if a > c], default=np.inf)
                    times.append(at if at < END else np.inf)
        assert got[i] == min(times), (i, got[i], min(times))
    assert np.isfinite(got).any()


def _random_looks(g, R, S, T, P):
    """One look of S sensors in R replications over P (sensor, target) pairs of T targets: keys, look numbers, who
    looks, who flies, the pairs, their Pd at the step's sample and the next (float32), the looks' times in the window
    [100, 101) s (from 100.5 on, the next sample's), and the targets' starts and arrivals (some in the window)."""
    from iadsim.engine import rng

    keys = rng.replication_keys(9, np.arange(R))
    number = g.integers(0, 5000, (R, S))
    looking, flying = g.random((R, S)) < 0.7, g.random((R, T)) < 0.8
    sensor, target = g.integers(0, S, P).astype(np.int64), g.integers(0, T, P).astype(np.int64)
    pd = g.uniform(0, 1, (2, P)).astype(np.float32)
    when = g.uniform(100.0, 101.0, (R, S))
    start, arrival = g.uniform(99.0, 101.0, T), g.uniform(100.0, 102.0, T)
    return keys, number, looking, flying, sensor, target, pd, when, start, arrival


def test_detections_are_the_full_keyed_draw_where_a_sensor_looks_at_a_flying_target():
    """detections draws only where a sensor looks at a flying target on its route at the look's time, and finds
    exactly the hits of the full keyed draw (iadsim.engine.rng.uniform_at over every row and pair) there, by row then
    pair, each against the Pd of the geometry sample nearer the look."""
    from iadsim.engine import rng
    from iadsim.engine._kernels import detections
    g = np.random.default_rng(3)
    R, S, T, P = 30, 4, 6, 15
    keys, number, looking, flying, sensor, target, pd, when, start, arrival = _random_looks(g, R, S, T, P)
    rr, ii, ll = detections(keys, number, looking, flying, sensor, target, pd, when, 100.5, start, arrival, T, 3)
    u = rng.uniform_at(keys[:, None], number[:, sensor], 3, sensor * T + target)
    late = when[:, sensor] >= 100.5
    on_route = (when[:, sensor] >= start[target]) & (when[:, sensor] < arrival[target])
    hit = (u < np.where(late, pd[1][None], pd[0][None])) & looking[:, sensor] & flying[:, target] & on_route
    er, ei = np.nonzero(hit)
    np.testing.assert_array_equal(rr, er)
    np.testing.assert_array_equal(ii, ei)
    np.testing.assert_array_equal(ll, late[er, ei])
    assert not on_route.all() and late[er, ei].any() and not late[er, ei].all()
    assert 0 < len(rr) < hit.size


@pytest.mark.parametrize("seed", range(3))
def test_known_is_the_picture_rule(seed):
    """known (the authorisation's check) over every triple of a random state is the brute-force picture rule."""
    _, s = _state(seed)
    R, F, T = s["able"].shape[0], s["able"].shape[1], s["alive"].shape[1]
    rr, ff, tt = (a.ravel().astype(np.int64) for a in np.meshgrid(np.arange(R), np.arange(F), np.arange(T),
                                                                    indexing="ij"))
    when = s["clock"][rr]
    got = known(s["confirmed_at"], s["held_since"], s["held_until"], s["latency"], s["feeds"], s["guides"],
                s["visible"], s["middle"], s["placing"], rr, ff, tt, when)
    expected = [_knows(s, r, f, t, now) for r, f, t, now in zip(rr, ff, tt, when, strict=True)]
    np.testing.assert_array_equal(got, expected)
    assert 0 < got.sum() < len(got)


@pytest.mark.parametrize("seed", range(5))
def test_due_pairs_and_leaks_are_numpys_nonzero_over_the_rows(seed):
    """due_pairs and leaks_due against numpy's nonzero of the rules over the rows, in the same order."""
    from iadsim.engine._kernels import due_pairs, leaks_due

    g = np.random.default_rng(seed)
    n_r, n_t = 9, 40
    rows = np.sort(g.choice(n_r, 5, replace=False)).astype(np.int64)
    clock = g.uniform(0, 100, n_r)
    phase = g.integers(0, 5, (n_r, n_t)).astype(np.int8)
    due = np.where(g.random((n_r, n_t)) < 0.1, np.inf, g.uniform(0, 100, (n_r, n_t)))
    everything = np.full((n_r, n_t), 2, np.int8), np.zeros((n_r, n_t))  # every pair due: the arrays grow past 64
    for (ph, du), a, b in (((phase, due), 2, 2), ((phase, due), 3, 4), ((phase, due), 1, 1), (everything, 2, 2)):
        i, t = due_pairs(rows, clock, ph, du, a, b)
        ei, et = np.nonzero(((ph[rows] == a) | (ph[rows] == b)) & (du[rows] <= clock[rows, None]))
        np.testing.assert_array_equal(i, ei)
        np.testing.assert_array_equal(t, et)
        assert len(i) and i.dtype == t.dtype == np.int64
    assert len(i) == len(rows) * n_t > 64
    arrival = g.uniform(0, 100, n_t)
    asset = g.integers(-1, 3, n_t)
    alive, leaked = g.random((n_r, n_t)) < 0.8, g.random((n_r, n_t)) < 0.2
    cases = ((clock, rows, -np.inf), (clock - 60, rows, -np.inf), (clock, rows[:0], -np.inf),
             (clock + 1e3, rows, -np.inf), (clock, rows, 40.0))  # (fewer or none due; those by 40 s settled)
    for when, rr, settled in cases:
        i, t = leaks_due(rr, when, settled, arrival, asset, alive, leaked)
        ei, et = np.nonzero((arrival[None, :] <= when[rr, None]) & (asset >= 0)[None, :] & (arrival > settled)[None, :]
                            & alive[rr] & ~leaked[rr])
        np.testing.assert_array_equal(i, ei)
        np.testing.assert_array_equal(t, et)
        assert i.dtype == t.dtype == np.int64
    assert len(i) and len(leaks_due(rows, clock - 200, -np.inf, arrival, asset, alive, leaked)[0]) == 0
    assert len(leaks_due(rows, clock, -np.inf, arrival, asset, alive, leaked)[0]) > len(i)  # (some settled by 40 s)
    early = np.where(np.arange(n_t) < 5, -np.inf, arrival)  # (arrived at the start of time: due, nothing settled)
    i, t = leaks_due(rows, clock, -np.inf, early, asset, alive, leaked)
    ei, et = np.nonzero((early[None, :] <= clock[rows, None]) & (asset >= 0)[None, :] & alive[rows] & ~leaked[rows])
    np.testing.assert_array_equal(i, ei)
    np.testing.assert_array_equal(t, et)
    assert (t < 5).any()


@pytest.mark.parametrize("seed", range(4))
def test_row_pointers_and_column_anys_are_numpys(seed):
    """row_pointers is numpy's searchsorted of every row (and its end) in sorted rows; columns_any and flying_hostile
    are numpy's any over the rows, whether every column, some or none holds a True."""
    g = np.random.default_rng(seed)
    for n_rows in (0, 1, 7):
        rows = np.sort(g.integers(0, max(n_rows, 1), g.integers(0, 30))).astype(np.int64)
        np.testing.assert_array_equal(row_pointers(rows, n_rows), np.searchsorted(rows, np.arange(n_rows + 1)))
    for p in (0.0, 0.02, 0.5, 1.0):
        a = g.random((int(g.integers(0, 40)), 9)) < p
        np.testing.assert_array_equal(columns_any(a), a.any(axis=0))
        alive, leaked, hostile = (g.random((40, 9)) < q for q in (1 - p / 2, p / 3, p))
        np.testing.assert_array_equal(flying_hostile(alive, leaked, hostile), (alive & ~leaked & hostile).any(axis=0))


@pytest.mark.parametrize("seed", range(6))
def test_merge_reports_is_the_stable_lexsort_of_both_gathered(seed):
    """The engine merges a step's reports into those pending (sorted by row, object, time) with merge_reports: the
    order numpy's stable lexsort gives the two concatenated, ties (equal row, object and time: common here) kept
    pending first, then in the new reports' own order; every column gathered so, the new reports arrived nowhere.
    Rows long enough to take the kernel's other sort (more than 32 new reports) are included, and rows without
    reports (between others and after the last)."""
    g = np.random.default_rng(seed)
    n_a, n_b = g.integers(0, 60), g.integers(0, 60) + (200 if seed % 2 else 0)
    n = n_a + n_b
    rows, sensors, targets = g.choice([0, 2, 3], n), g.integers(0, 5, n), g.integers(0, 3, n)  # (rows 1, 4, 5: none)
    numbers = g.normal(size=(n, 5))
    numbers[:, 0] = g.choice([0.0, 0.5, 1.0, 2.5, -0.0], n)
    arrived, next_at = g.integers(0, 3, n), g.random(n)
    a = np.lexsort((numbers[:n_a, 0], targets[:n_a], rows[:n_a]))  # the pending reports, sorted
    for col in (rows, sensors, targets, numbers, arrived, next_at):
        col[:n_a] = col[:n_a][a]
    arrived[n_a:] = 0
    ids_b = np.stack([rows[n_a:], sensors[n_a:], targets[n_a:]], axis=1)
    got = merge_reports(rows[:n_a], sensors[:n_a], targets[:n_a], numbers[:n_a], arrived[:n_a], next_at[:n_a], ids_b,
                        numbers[n_a:], next_at[n_a:], 6)
    order = np.lexsort((numbers[:, 0], targets, rows))
    for column, expected in zip(got, (rows, sensors, targets, numbers, arrived, next_at), strict=True):
        np.testing.assert_array_equal(column, expected[order])
        assert column.dtype == expected.dtype
    if seed % 2:
        assert np.bincount(rows[n_a:]).max() > 32


def test_false_plot_places_are_the_keyed_uniforms_over_the_search_volume():
    """false_plot_places against numpy written here: plot i of a look draws iadsim.engine.rng.uniform_at at flat
    entries (i * S + sensor) * 3 + (0, 1, 2) for its slant range, bearing and elevation over the sensor's search
    volume, placed from the sensor (bit for bit: the same operations); its plots listed by sensor, each sensor's in
    plot order, with their slant and ground ranges."""
    from iadsim.engine import rng
    from iadsim.engine._kernels import false_plot_places

    g = np.random.default_rng(5)
    R, S, L, stream = 20, 5, 60, 12
    keys = rng.replication_keys(4, np.arange(R))
    rows, sensors = g.integers(0, R, L).astype(np.int64), g.integers(0, S, L).astype(np.int64)
    number = g.integers(0, 9000, L).astype(np.int64)
    n_false = np.where(g.random(L) < 0.4, g.integers(1, 7, L), 0).astype(np.int64)
    volume = np.column_stack([g.uniform(5e3, 300e3, S), g.uniform(-np.pi, np.pi, S), g.uniform(0.1, 2 * np.pi, S),
                              g.uniform(0, 0.6, S)])
    origin = g.uniform(-1e5, 1e5, (S, 3))
    ptr, z, order, by_sensor, slant, ground = false_plot_places(keys, rows, sensors, number, n_false, stream, S,
                                                                 volume, origin)
    look = np.repeat(np.arange(L), n_false)
    s = sensors[look]
    flat = (((np.arange(len(look)) - np.concatenate([[0], np.cumsum(n_false)])[look]) * S + s) * 3)[:, None] \
        + np.arange(3)
    u = rng.uniform_at(keys[rows[look]][:, None], number[look][:, None], stream, flat)
    reach, centre, width, top = volume[s].T
    e_slant, bearing, elevation = u[:, 0] * reach, centre + (u[:, 1] - 0.5) * width, u[:, 2] * top
    e_ground = e_slant * np.cos(elevation)
    e_z = origin[s] + np.stack([e_ground * np.sin(bearing), e_ground * np.cos(bearing), e_slant * np.sin(elevation)],
                               axis=-1)
    np.testing.assert_array_equal(ptr, np.concatenate([[0], np.cumsum(n_false)]))
    np.testing.assert_array_equal(z, e_z)
    np.testing.assert_array_equal(order, np.argsort(s, kind="stable"))
    np.testing.assert_array_equal(by_sensor, np.concatenate([[0], np.cumsum(np.bincount(s, minlength=S))]))
    np.testing.assert_array_equal(slant, e_slant[order])
    np.testing.assert_array_equal(ground, e_ground[order])
    assert len(set(s.tolist())) == S and len(look) > 50


@pytest.mark.parametrize("seed", range(4))
def test_looks_between_counts_each_sensors_looks_in_the_window(seed):
    """looks_between against the looks listed one by one: look n of a sensor is at phase + n period; the first in
    [start, end) and how many fall there (none before look 0), exactly as numpy's ceil gives them."""
    from iadsim.engine._kernels import looks_between

    g = np.random.default_rng(seed)
    period = g.choice([0.25, 1.0, 2.5, 10.0, 12.0], 7)
    phase = g.uniform(0, 1, (5, 7)) * period
    phase[0, :3] = (0.0, period[1], period[2] / 2)  # looks exactly at the window's edges
    for start, end in ((0.0, 1.0), (period[1], period[1] + 1.0), (7.3, 8.3), (99.0, 100.0), (3.0, 30.0)):
        first, count = looks_between(phase, period, start, end)
        assert first.dtype == count.dtype == np.int64
        for r in range(5):
            for s in range(7):
                times = phase[r, s] + np.arange(400) * period[s]
                inside = np.flatnonzero((times >= start) & (times < end))
                assert count[r, s] == len(inside)
                if len(inside):
                    assert first[r, s] == inside[0]
        expected = np.maximum(np.ceil((start - phase) / period), 0.0)
        np.testing.assert_array_equal(first, expected.astype(np.int64))


def test_carried_is_numpys_dead_reckoning_bit_for_bit():
    """carried against numpy's dead reckoning written here (_carried_here): from the window's sample, or back from the
    next for a target starting within the window, the float32 velocities cast first; bit for bit."""
    from iadsim.engine._kernels import carried

    g = np.random.default_rng(3)
    _, positions, velocities, starting = _paths(g, T=30)
    t = g.integers(0, 30, 200).astype(np.int64)
    when = g.uniform(100.0, 101.0, 200)
    out = carried(t, when, 100.0, 101.0, positions[0], velocities[0], positions[1], velocities[1], starting)
    expected, _ = _carried_here(positions, velocities, starting, t, when)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, expected)
    assert starting[t].any() and not starting[t].all()


def test_plot_normals_give_the_full_keyed_normal_draw():
    """plot_normals is, for each plot, the full keyed normal draw over every (sensor, target, axis) of its row's look
    (iadsim.engine.rng.normal of shape (S, T, 3) at the row's look number), at its sensor and target, bit for bit:
    the plots' errors do not depend on which other plots a look makes."""
    from iadsim.engine import rng
    from iadsim.engine._kernels import plot_normals

    g = np.random.default_rng(4)
    R, S, T = 6, 3, 5
    keys = rng.replication_keys(11, np.arange(R))
    number = g.integers(0, 5000, (R, S))
    rr, ss, tt = (g.integers(0, n, 40).astype(np.int64) for n in (R, S, T))
    noise = plot_normals(keys, number, rr, ss, tt, T, 2)
    expected = np.stack([rng.normal(keys[r:r + 1], int(number[r, s]), 2, (S, T, 3))[0, s, t]
                         for r, s, t in zip(rr, ss, tt, strict=True)])
    np.testing.assert_array_equal(noise, expected)
    assert len(np.unique(noise[:, 0])) == len(np.unique(np.stack([rr, ss, tt]), axis=1).T)  # (one number per plot)


def test_ranged_errors_turn_the_draws_into_range_and_cross_range_errors():
    """ranged_errors against the rotation written here: for a radar's plot, the first draw times its range accuracy
    along the ground line of sight, the second times ground range times its azimuth accuracy across it (east of the
    line when looking north), both over the plot's scale; the height's draw and the rows not named stay as drawn."""
    from iadsim.engine._kernels import ranged_errors

    g = np.random.default_rng(5)
    sensor_position = g.uniform(-1e4, 1e4, (3, 3))
    plot_errors = np.array([[150.0, 1e-3], [30.0, 2e-4], [500.0, 5e-3]])
    ss = g.integers(0, 3, 50).astype(np.int64)
    position = sensor_position[ss] + g.uniform(-5e4, 5e4, (50, 3))
    draws, scale = g.standard_normal((50, 3)), g.uniform(50.0, 300.0, 50)
    which = np.flatnonzero(g.random(50) < 0.7)
    noise = draws.copy()
    ranged_errors(sensor_position, plot_errors, ss, position, noise, scale, which)
    d = position - sensor_position[ss]
    ground = np.hypot(d[:, 0], d[:, 1])
    line = np.stack([d[:, 0], d[:, 1]], axis=1) / ground[:, None]  # along the line of sight, on the ground
    across = np.stack([line[:, 1], -line[:, 0]], axis=1)  # 90 degrees clockwise of it
    error = (draws[:, :1] * plot_errors[ss, :1] * line
             + (draws[:, 1] * ground * plot_errors[ss, 1])[:, None] * across) / scale[:, None]
    np.testing.assert_allclose(noise[which, :2], error[which], rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(noise[which, 2], draws[which, 2])
    rest = np.setdiff1d(np.arange(50), which)
    np.testing.assert_array_equal(noise[rest], draws[rest])
    assert np.abs(noise[which, :2] - draws[which, :2]).min() > 0


def _paths(g, T=8):
    """A window [100, 101) s and targets at its two samples: heights above the ground (float32), positions, float32
    velocities, and which start their route within the window (carried back from the next sample)."""
    heights = g.uniform(0, 3000, (2, T)).astype(np.float32)
    positions = g.uniform(-3e4, 3e4, (2, T, 3))
    velocities = g.uniform(-300, 300, (2, T, 3)).astype(np.float32)
    starting = g.random(T) < 0.3
    return heights, positions, velocities, starting


def _carried_here(positions, velocities, starting, t, when):
    """Dead reckoning written here: from the window's sample (100 s), or back from the next (101 s) for a target that
    starts within the window; the float32 velocity read as double."""
    late = starting[t]
    base = np.where(late[:, None], positions[1, t], positions[0, t])
    velocity = np.where(late[:, None], velocities[1, t], velocities[0, t]).astype(float)
    ahead = (when - 100.0) - np.where(late, 1.0, 0.0)  # (from 100 s, less the step for those carried back)
    return base + velocity * ahead[:, None], velocity


def test_truth_intercepts_are_the_intercept_of_the_targets_true_paths():
    """truth_intercepts against iadsim.physics.kinematics.intercept of the dead-reckoned targets (written here), with
    heights linear in the window and the box envelope's rule for the plain fire units only."""
    from iadsim.engine._kernels import truth_intercepts
    from iadsim.physics.kinematics import intercept

    g = np.random.default_rng(6)
    heights, positions, velocities, starting = _paths(g)
    F, n = 4, 300
    fire = g.uniform(-5e3, 5e3, (F, 3))
    speed = np.array([900.0, 1200.0, 200.0, 2000.0])  # (the third slower than some targets: no intercept)
    lo, hi = np.array([2e3, 3e3, 1e3, 5e3]), np.array([30e3, 45e3, 12e3, 60e3])
    low, high, fastest = np.array([10.0, 25.0, 15.0, 0.0]), np.array([2e3, 2.5e3, 3e3, 2.7e3]), np.full(F, 280.0)
    plain = np.array([True, True, False, True])
    ff, tt = g.integers(0, F, n).astype(np.int64), g.integers(0, 8, n).astype(np.int64)
    when = g.uniform(100.0, 101.0, n)
    tof, point, ok, inside, height, target_speed = truth_intercepts(
        fire, ff, tt, when, 100.0, 101.0, 1.0, heights[0], heights[1], positions[0], velocities[0], positions[1],
        velocities[1], starting, speed, lo, hi, low, high, fastest, plain)
    position, velocity = _carried_here(positions, velocities, starting, tt, when)
    expected_tof, expected_point, feasible = intercept(fire[ff], position, velocity, speed[ff])
    np.testing.assert_allclose(tof, expected_tof, rtol=1e-9)
    np.testing.assert_allclose(point[ok], expected_point[feasible], rtol=1e-9, atol=1e-6)
    np.testing.assert_array_equal(ok, feasible)
    expected_height = heights[0, tt] + (heights[1, tt].astype(float) - heights[0, tt]) * (when - 100.0)
    np.testing.assert_allclose(height, expected_height, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(target_speed, np.linalg.norm(velocity, axis=1), rtol=1e-12)
    ground = np.hypot(*(expected_point[:, :2] - fire[ff, :2]).T)
    box = ((ground >= lo[ff]) & (ground <= hi[ff]) & (expected_height >= low[ff]) & (expected_height <= high[ff])
           & (target_speed <= fastest[ff]) & feasible & plain[ff])
    np.testing.assert_array_equal(inside, box)
    assert 0 < inside.sum() < n and starting[tt].any() and not feasible.all()


def test_track_aims_aim_on_the_fire_units_own_track():
    """track_aims against the rule written here: the intercept of the fire unit's own track flown on to the launch
    (iadsim.physics.kinematics.intercept), if it exists within the longest flight; with a track but no such intercept,
    an infinite time of flight; without a track, the truth's intercept and time of flight."""
    from iadsim.engine._kernels import track_aims
    from iadsim.physics.kinematics import intercept

    g = np.random.default_rng(7)
    heights, positions, velocities, starting = _paths(g)
    R, F, T, n = 5, 3, 8, 200
    fire = g.uniform(-5e3, 5e3, (F, 3))
    speed = np.array([900.0, 400.0, 1500.0])
    x = np.concatenate([g.uniform(-3e4, 3e4, (R, F, T, 3)), g.uniform(-300, 300, (R, F, T, 3))], axis=-1)
    track_time = g.uniform(95.0, 100.0, (R, F, T))
    updates = np.where(g.random((R, F, T)) < 0.8, g.integers(1, 9, (R, F, T)), 0).astype(np.int32)
    rr, ff, tt = (g.integers(0, m, n).astype(np.int64) for m in (R, F, T))
    when, tof = g.uniform(100.0, 101.0, n), np.where(g.random(n) < 0.8, g.uniform(5, 60, n), np.inf)
    out, aim = track_aims(fire, rr, ff, tt, when, tof, x, track_time, updates, speed, 90.0, 100.0, 101.0,
                          positions[0], velocities[0], positions[1], velocities[1], starting)
    v = x[rr, ff, tt, 3:]
    own_tof, own_point, _ = intercept(fire[ff], x[rr, ff, tt, :3] + v * (when - track_time[rr, ff, tt])[:, None], v,
                                      speed[ff])
    tracked, use = updates[rr, ff, tt] > 0, np.isfinite(own_tof) & (own_tof <= 90.0)
    position, velocity = _carried_here(positions, velocities, starting, tt, when)
    truth = position + velocity * np.where(np.isfinite(tof), tof, 0.0)[:, None]
    np.testing.assert_allclose(out, np.where(tracked & use, own_tof, np.where(tracked, np.inf, tof)), rtol=1e-9)
    np.testing.assert_allclose(aim, np.where((tracked & use)[:, None], own_point, truth), rtol=1e-9, atol=1e-6)
    assert (tracked & use).any() and (tracked & ~use).any() and (~tracked).any()


def test_own_reach_is_the_box_rule_on_the_own_tracks_aim_point():
    """own_reach against the box envelope written here: the aim point's ground range, the target's true height (linear
    in the window) and the own track's speed, for the plain fire units; a fire unit without a track is not refused."""
    from iadsim.engine._kernels import own_reach

    g = np.random.default_rng(8)
    heights = g.uniform(0, 3000, (2, 8)).astype(np.float32)
    R, F, T, n = 4, 3, 8, 300
    fire = g.uniform(-5e3, 5e3, (F, 3))
    x = np.concatenate([g.uniform(-3e4, 3e4, (R, F, T, 3)), g.uniform(-400, 400, (R, F, T, 3))], axis=-1)
    updates = np.where(g.random((R, F, T)) < 0.8, 3, 0).astype(np.int32)
    lo, hi = np.array([2e3, 3e3, 1e3]), np.array([20e3, 35e3, 12e3])
    low, high, fastest = np.array([10.0, 25.0, 15.0]), np.array([2e3, 2.5e3, 3e3]), np.array([450.0, 500.0, 420.0])
    plain = np.array([True, False, True])
    rr, ff, tt = (g.integers(0, m, n).astype(np.int64) for m in (R, F, T))
    when, aim = g.uniform(100.0, 101.0, n), g.uniform(-3e4, 3e4, (n, 3))
    inside, ground, height, speed = own_reach(fire, rr, ff, tt, when, aim, x, updates, 100.0, 1.0, heights[0],
                                              heights[1], lo, hi, low, high, fastest, plain)
    expected_ground = np.hypot(aim[:, 0] - fire[ff, 0], aim[:, 1] - fire[ff, 1])
    expected_height = heights[0, tt] + (heights[1, tt].astype(float) - heights[0, tt]) * (when - 100.0)
    expected_speed = np.linalg.norm(x[rr, ff, tt, 3:], axis=1)
    box = ((expected_ground >= lo[ff]) & (expected_ground <= hi[ff]) & (expected_height >= low[ff])
           & (expected_height <= high[ff]) & (expected_speed <= fastest[ff]))
    np.testing.assert_allclose(ground, expected_ground, rtol=1e-12)
    np.testing.assert_allclose(height, expected_height, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(speed, expected_speed, rtol=1e-12)
    np.testing.assert_array_equal(inside, plain[ff] & (box | (updates[rr, ff, tt] == 0)))
    assert (plain[ff] & box).any() and (plain[ff] & ~box & (updates[rr, ff, tt] > 0)).any()


def test_predicted_errors_propagate_each_axis_covariance_at_constant_velocity():
    """predicted_errors against the propagation written here: per axis, var(p + h v) = pp + 2 h pv + h^2 vv, summed
    over the three axes, its square root; inf without a track."""
    from iadsim.engine._kernels import predicted_errors

    g = np.random.default_rng(9)
    R, N, T, n = 3, 4, 5, 100
    shape = (R, N, T, 3)
    sd_p, sd_v, rho = g.uniform(10, 500, shape), g.uniform(1, 50, shape), g.uniform(-0.9, 0.9, shape)
    p = np.stack([sd_p**2, rho * sd_p * sd_v, sd_v**2], axis=-1)
    updates = np.where(g.random((R, N, T)) < 0.8, 5, 0).astype(np.int32)
    rr, ff, tt = (g.integers(0, m, n).astype(np.int64) for m in (R, N, T))
    ahead = g.uniform(0, 30, n)
    out = predicted_errors(p, updates, rr, ff, tt, ahead)
    h = ahead[:, None]
    a, b, c = sd_p[rr, ff, tt], sd_v[rr, ff, tt], rho[rr, ff, tt]
    variance = a**2 + 2 * h * c * a * b + (h * b) ** 2
    expected = np.where(updates[rr, ff, tt] > 0, np.sqrt(variance.sum(axis=1)), np.inf)
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    assert np.isinf(out).any() and np.isfinite(out).any()


@pytest.mark.parametrize("seed", range(3))
def test_due_reports_are_those_arrived_by_their_rows_clock(seed):
    """due_reports against numpy written here: the pending reports whose next arrival is by their row's clock, of
    every row or of the rows named, ascending."""
    from iadsim.engine._kernels import due_reports

    g = np.random.default_rng(seed)
    R, n = 12, 400
    report_rows = np.sort(g.integers(0, R, n)).astype(np.int64)
    next_at = np.where(g.random(n) < 0.2, np.inf, g.uniform(100.0, 101.0, n))
    clock = g.uniform(100.0, 101.0, R)
    ptr = row_pointers(report_rows, R)
    due = next_at <= clock[report_rows]
    np.testing.assert_array_equal(due_reports(True, np.zeros(0, np.int64), ptr, clock, report_rows, next_at),
                                  np.flatnonzero(due))
    rows = np.flatnonzero(g.random(R) < 0.4).astype(np.int64)
    expected = np.flatnonzero(due & np.isin(report_rows, rows))
    np.testing.assert_array_equal(due_reports(False, rows, ptr, clock, report_rows, next_at), expected)
    assert 0 < len(expected) < due.sum()


@pytest.mark.parametrize("by_updates", [False, True])
def test_mature_tracks_is_the_maturity_rule(by_updates):
    """mature_tracks against the doctrine's rule written here: enough updates, or the position error predicted to the
    intercept (per axis pp + 2 h pv + h^2 vv, h from the track's time to the launch plus the time of flight where the
    intercept is inside) times the sigmas within the basket; and a measured height (its variance below the
    unknown's)."""
    from iadsim.engine._kernels import mature_tracks

    g = np.random.default_rng(10)
    R, F, T, n = 3, 4, 5, 300
    shape = (R, F, T, 3)
    sd_p, sd_v = g.uniform(10, 400, shape), g.uniform(1, 60, shape)
    p = np.stack([sd_p**2, 0.3 * sd_p * sd_v, sd_v**2], axis=-1)
    p[..., 2, 0] = np.where(g.random((R, F, T)) < 0.15, 1e12, p[..., 2, 0])  # (some heights not measured)
    updates = g.integers(0, 6, (R, F, T)).astype(np.int32)
    track_time = g.uniform(95.0, 100.0, (R, F, T))
    rr, ff, tt = (g.integers(0, m, n).astype(np.int64) for m in (R, F, T))
    when, tof, inside = g.uniform(100.0, 101.0, n), g.uniform(2.0, 40.0, n), g.random(n) < 0.7
    ok = mature_tracks(p, updates, track_time, rr, ff, tt, when, tof, inside, by_updates, 3, 3.0, 1500.0, 1e10)
    u = updates[rr, ff, tt]
    if by_updates:
        expected = u >= 3
    else:
        h = (when - track_time[rr, ff, tt] + np.where(inside, tof, 0.0))[:, None]
        a, b = sd_p[rr, ff, tt], sd_v[rr, ff, tt]
        error = np.sqrt((a**2 + 2 * h * 0.3 * a * b + (h * b) ** 2).sum(axis=1))
        expected = (u > 0) & (3.0 * error <= 1500.0)
    expected &= p[rr, ff, tt, 2, 0] < 1e10
    np.testing.assert_array_equal(ok, expected)
    assert 0 < ok.sum() < n


def _settle_by_hand(items, st, persistent, reconsider, lost):
    """The authorisations' rules, one engagement after the other, on plain Python values."""
    reasons, salvos = [], []
    for r, f, t, now, approved, knows, inside, lit, tof, aim in items:
        g = st["group"][f]
        st["busy"][r, f] = False
        st["attempts"][r, t] += 1
        if not approved:
            st["phase"][r, t], st["due"][r, t] = Phase.CLEARED, (np.inf if persistent else now + reconsider)
            st["vetoes"][r] += 1
            reasons.append(-1)
            salvos.append(0)
            continue
        ok = [bool(st["alive"][r, t]) and not st["leaked"][r, t] and now < st["arrival_time"][t],
              bool(st["unit_up"][r, st["fire_unit"][f]]), bool(st["able"][r, f]), knows, inside, lit,
              st["missiles"][r, f] > 0, st["guiding"][r, g] < st["channels"][f],
              st["engaging"][r, g] < st["targets"][f]]
        if not all(ok):
            reasons.append(int(lost[ok.index(False)]))
            salvos.append(0)
            st["phase"][r, t] = Phase.IDLE
            continue
        n = int(min(st["rounds"][r, t], st["missiles"][r, f], st["channels"][f] - st["guiding"][r, g]))
        st["aim_at"][r, t] = aim
        st["missiles"][r, f] -= n
        st["ready_at"][r, f] = now + n * st["launcher_times"][0, f]
        if st["missiles"][r, f] == 0:
            st["ready_at"][r, f], st["missiles"][r, f] = now + st["launcher_times"][1, f], st["magazine"][f]
        st["guiding"][r, g] += n
        st["engaging"][r, g] += 1
        st["phase"][r, t], st["due"][r, t], st["rounds"][r, t], st["launched"][r, t] = Phase.FLYING, now + tof, n, now
        st["engagements"][r] += 1
        st["reaction"][r] += now - st["nominated"][r, t]
        st["expended"][r] += n
        st["fired"][r, f] += n
        st["launches"][r, f] += 1
        if st["layer"][f] >= 0:
            st["reached"][r, t, st["layer"][f]] = True
        st["wrongful"][r] += int(st["civil"][t] and not st["friendly"][t])
        st["fratricide"][r] += int(st["friendly"][t])
        st["at_decoys"][r] += n * int(st["decoy"][t])
        if np.isnan(st["first_engagement"][r]):
            st["first_engagement"][r] = now
        reasons.append(0)
        salvos.append(n)
    return reasons, salvos


PHASES = np.array([Phase.IDLE, Phase.CLEARED, Phase.FLYING])  # what the kernel leaves: lost, vetoed, launched
_SETTLED = ("busy", "attempts", "phase", "due", "rounds", "aim_at", "launched", "nominated", "vetoes", "missiles",
            "ready_at", "guiding", "group", "channels", "engaging", "targets", "magazine", "launcher_times", "alive",
            "leaked", "arrival_time", "unit_up", "fire_unit", "able", "layer", "civil", "friendly", "decoy",
            "engagements", "reaction", "expended", "fired", "launches", "reached", "wrongful", "fratricide",
            "at_decoys", "first_engagement")


@pytest.mark.parametrize("seed", range(8))
def test_settle_authorisations_is_the_rules_one_engagement_after_another(seed):
    """settle_authorisations against the authorisations' rules applied by hand in order, on random states where fire
    units share guiding radars with few guidance and target channels (an earlier launch takes them from a later one) and
    launchers run empty; then the textbook cases: two launchers of one radar with two channels, two missiles each,
    and with four guidance channels but one target channel, one missile each."""
    from iadsim.engine._kernels import VETOED, settle_authorisations
    from iadsim.events import Reason

    lost = np.array([Reason.TARGET_GONE, Reason.UNIT_DOWN, Reason.CHAIN_BROKEN, Reason.NOT_IN_PICTURE,
                     Reason.OUTSIDE_ENVELOPE, Reason.RADAR_DARK, Reason.NO_MISSILES, Reason.NO_CHANNEL,
                     Reason.NO_TARGET_CHANNEL], np.int64)
    g = np.random.default_rng(seed)
    R, F, T, U = 5, 6, 9, 8
    group = g.integers(0, 2, F)
    st = dict(
        busy=np.ones((R, F), bool), attempts=g.integers(0, 3, (R, T)), phase=np.ones((R, T), np.int8),
        due=g.uniform(0, 50, (R, T)), rounds=g.integers(1, 4, (R, T)), aim_at=np.zeros((R, T, 3)),
        launched=np.zeros((R, T)), nominated=g.uniform(0, 40, (R, T)), vetoes=np.zeros(R, np.int64),
        missiles=g.integers(0, 4, (R, F)), ready_at=np.zeros((R, F)), guiding=g.integers(0, 2, (R, 2)),
        group=group, channels=np.array([2, 3])[group], targets=np.array([2, 1])[group],
        engaging=np.random.default_rng(seed + 99).integers(0, 2, (R, 2)), magazine=g.integers(2, 6, F),
        launcher_times=g.uniform(1, 60, (2, F)), alive=g.random((R, T)) < 0.9, leaked=g.random((R, T)) < 0.1,
        arrival_time=g.uniform(40, 200, T), unit_up=g.random((R, U)) < 0.9, fire_unit=g.permutation(U)[:F],
        able=g.random((R, F)) < 0.9, layer=g.integers(-1, 3, F), civil=g.random(T) < 0.3,
        friendly=g.random(T) < 0.2, decoy=g.random(T) < 0.2, engagements=np.zeros(R, np.int64), reaction=np.zeros(R),
        expended=np.zeros(R, np.int64), fired=np.zeros((R, F), np.int64), launches=np.zeros((R, F), np.int64),
        reached=np.zeros((R, T, 3), bool), wrongful=np.zeros(R, np.int64), fratricide=np.zeros(R, np.int64),
        at_decoys=np.zeros(R, np.int64), first_engagement=np.where(g.random(R) < 0.5, np.nan, 1.0))
    items = []
    for r in range(R):  # each fire unit and each target in one engagement at most, per row
        for f, t in zip(g.permutation(F)[:g.integers(0, F + 1)], g.permutation(T), strict=False):
            items.append((r, int(f), int(t), float(g.uniform(45, 60)), bool(g.random() < 0.85),
                          bool(g.random() < 0.9), bool(g.random() < 0.9), bool(g.random() < 0.95),
                          float(g.uniform(5, 30)), g.uniform(-1e4, 1e4, 3)))
    g.shuffle(items)
    items.sort(key=lambda item: item[0])  # by row, as the fire-control cycle hands them
    by_hand = {k: v.copy() for k, v in st.items()}
    reconsider = 30.0  # [s] the authority's reconsider_after (any value)
    reasons, salvos = _settle_by_hand(items, by_hand, seed % 2 == 0, reconsider, lost)
    columns = [np.array(c) for c in zip(*items, strict=True)]
    reason, salvo = np.empty(len(items), np.int64), np.empty(len(items), np.int64)
    settle_authorisations(*columns[:10], PHASES, lost, seed % 2 == 0, reconsider,
                          *(st[k] for k in _SETTLED), reason, salvo)
    assert reason.tolist() == reasons and salvo.tolist() == salvos
    for k in _SETTLED:
        np.testing.assert_array_equal(st[k], by_hand[k], err_msg=k)
    if seed == 0:  # vetoed, launched and lost for want of a guidance channel and of a target channel
        assert {VETOED, 0, Reason.NO_CHANNEL, Reason.NO_TARGET_CHANNEL} <= set(reasons)

    # two launchers of one radar (two channels) at two targets, two missiles each: the first takes both channels
    two = dict(st, group=np.zeros(F, np.int64), channels=np.full(F, 2), guiding=np.zeros((R, 2), np.int64),
               engaging=np.zeros((R, 2), np.int64), targets=np.full(F, 2), missiles=np.full((R, F), 4),
               alive=np.ones((R, T), bool), leaked=np.zeros((R, T), bool),
               arrival_time=np.full(T, np.inf),
               unit_up=np.ones((R, U), bool), able=np.ones((R, F), bool), rounds=np.full((R, T), 2))
    aims = np.zeros((2, 3))
    settle_authorisations(np.array([0, 0]), np.array([0, 1]), np.array([0, 1]), np.array([50.0, 50.0]),
                          np.ones(2, bool), np.ones(2, bool), np.ones(2, bool), np.ones(2, bool), np.array([9.0, 9.0]),
                          aims, PHASES, lost, False, reconsider, *(two[k] for k in _SETTLED), reason[:2],
                          salvo[:2])
    assert reason[:2].tolist() == [0, Reason.NO_CHANNEL] and salvo[:2].tolist() == [2, 0]
    assert two["guiding"][0, 0] == 2 and two["phase"][0, 1] == Phase.IDLE and not two["busy"][0, 1]

    # the same radar with four guidance channels but one target channel, one missile each: the first engagement
    # takes the target channel and one guidance channel; the second finds three guidance channels free and is lost
    one = dict(two, channels=np.full(F, 4), targets=np.ones(F, np.int64), guiding=np.zeros((R, 2), np.int64),
               engaging=np.zeros((R, 2), np.int64), rounds=np.ones((R, T), np.int64), busy=np.ones((R, F), bool),
               phase=np.ones((R, T), np.int8))
    settle_authorisations(np.array([0, 0]), np.array([0, 1]), np.array([0, 1]), np.array([50.0, 50.0]),
                          np.ones(2, bool), np.ones(2, bool), np.ones(2, bool), np.ones(2, bool), np.array([9.0, 9.0]),
                          aims, PHASES, lost, False, reconsider, *(one[k] for k in _SETTLED), reason[:2],
                          salvo[:2])
    assert reason[:2].tolist() == [0, Reason.NO_TARGET_CHANNEL] and salvo[:2].tolist() == [1, 0]
    assert one["guiding"][0, 0] == 1 and one["engaging"][0, 0] == 1 and one["phase"][0, 1] == Phase.IDLE


def test_false_plot_counts_are_scipys_poisson_of_each_looks_full_keyed_draw():
    """false_plot_counts draws each look (row, look number, sensor) the number a full keyed uniform draw over the
    sensors at its row's look number holds at its sensor (iadsim.engine.rng.uniform of shape (S,): a look's false
    plots do not depend on which other looks a step makes), and counts scipy.stats.poisson.ppf of it at its sensor's
    mean: none in a dark look; means above LARGE_MEAN left to scipy (flagged, counted 0). Its sum of terms,
    poisson_sum, is scipy's ppf in the tails too (draws to 6 sigma)."""
    from scipy import stats

    from iadsim.engine import rng
    from iadsim.engine._kernels import LARGE_MEAN, false_plot_counts

    g = np.random.default_rng(12)
    R, S, n = 40, 8, 20_000
    keys = rng.replication_keys(3, np.arange(R))
    mean = np.array([1e-4, 0.02, 0.3, 3.0, 40.0, 499.0, 700.0, 3000.0])
    rows, sensors = g.integers(0, R, n).astype(np.int64), g.integers(0, S, n).astype(np.int64)
    numbers = g.integers(0, 10_000, n).astype(np.int64)
    lit = g.random(n) < 0.9
    for dark in (lit, np.zeros(0, bool)):  # (empty: every look lit)
        k, large, u = false_plot_counts(keys, rows, sensors, numbers, dark, np.exp(-mean), mean, 11)
        expected_u = np.array([rng.uniform(keys[r:r + 1], int(m), 11, (S,))[0, s]
                               for r, m, s in zip(rows[:300], numbers[:300], sensors[:300], strict=True)])
        np.testing.assert_array_equal(u[:300], expected_u)
        on = np.ones(n, bool) if not len(dark) else dark
        counted = on & (mean[sensors] <= LARGE_MEAN)
        np.testing.assert_array_equal(large, on & (mean[sensors] > LARGE_MEAN))
        np.testing.assert_array_equal(k[counted], stats.poisson.ppf(u[counted], mean[sensors[counted]]))
        assert (k[~counted] == 0).all() and large.any() and (k[counted] > 0).any() and (k[counted] == 0).any()
    tails = 1 - g.random(200) * 1e-9  # draws near 1: the sum runs into the tail
    for m in mean[mean <= LARGE_MEAN]:
        expected = stats.poisson.ppf(tails, m)
        got = [_poisson_tail(u_, m) for u_ in tails]
        np.testing.assert_array_equal(got, expected)


def _poisson_tail(u, mean):
    """:func:`iadsim.engine._kernels.poisson_sum` of one draw, from numpy's first term."""
    from iadsim.engine._kernels import poisson_sum

    return poisson_sum(u, mean, float(np.exp(-mean)))


@pytest.mark.parametrize("seed", range(3))
def test_look_batch_is_the_numpy_of_one_look_of_each_sensor(seed):
    """look_batch against the numpy it replaces, written here: look j's numbers, whether each sensor makes it, its
    times and the looks made, by row then sensor (np.nonzero's order)."""
    from iadsim.engine._kernels import look_batch

    g = np.random.default_rng(seed)
    R, S = 11, 5
    first, count = g.integers(0, 900, (R, S)), g.integers(0, 3, (R, S))
    sensing = g.random((R, S)) < 0.8
    phase, period = g.uniform(0.0, 12.0, (R, S)), g.uniform(0.5, 12.0, S)
    for j in range(3):
        number, looking, when, lr, ls = look_batch(first, count, j, sensing, phase, period)
        np.testing.assert_array_equal(number, first + j)
        np.testing.assert_array_equal(looking, (j < count) & sensing)
        np.testing.assert_array_equal(when, phase + (first + j) * period[None, :])
        er, es = np.nonzero((j < count) & sensing)
        np.testing.assert_array_equal(lr, er)
        np.testing.assert_array_equal(ls, es)
        assert 0 < len(lr) < R * S if j < 2 else len(lr) == 0  # (at most two looks each: none makes a third)


def test_look_plots_are_the_kernels_it_joins():
    """look_plots is detections, then each detection's sensor, target, look time, Pd and error at its sample,
    earliest, carried, plot_normals and look_pointers (each tested above against numpy), bit for bit, with the
    first detections lowered in place as earliest lowers them."""
    from iadsim.engine._kernels import carried, detections, earliest, look_plots, look_pointers, plot_normals

    g = np.random.default_rng(8)
    R, S, T, P = 30, 4, 8, 18
    keys, number, looking, flying, sensor, target, pd, when, start, arrival = _random_looks(g, R, S, T, P)
    order = np.lexsort((target, sensor))  # (the step's pairs, by sensor then target)
    sensor, target, pd = sensor[order], target[order], pd[:, order]
    sigma = g.uniform(10, 500, (2, P)).astype(np.float32)
    threat = g.random(T) < 0.6
    _, positions, velocities, starting = _paths(g, T)
    lr, ls = np.nonzero(looking)
    first = np.where(g.random(R) < 0.5, np.nan, g.uniform(100.0, 101.0, R))
    before, mine = first.copy(), first.copy()
    out = look_plots(keys, number, looking, flying, sensor, target, pd, sigma, when, 100.5, start, arrival, T, 3, 2,
                     mine, threat, lr, ls, 100.0, 101.0, positions[0], velocities[0], positions[1], velocities[1],
                     starting)
    rr, ii, late = detections(keys, number, looking, flying, sensor, target, pd, when, 100.5, start, arrival, T, 3)
    ds, dt = sensor[ii], target[ii]
    at = when[rr, ds]
    earliest(first, threat, rr, dt, at)
    expected = (rr, ds, dt, at,
                carried(dt, at, 100.0, 101.0, positions[0], velocities[0], positions[1], velocities[1], starting),
                sigma[late, ii].astype(float), pd[late, ii].astype(float), plot_normals(keys, number, rr, ds, dt, T, 2),
                look_pointers(rr, ds, lr, ls, S))
    for got, want in zip(out, expected, strict=True):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(mine, first)
    lowered = ~((before == first) | (np.isnan(before) & np.isnan(first)))  # (a first detection now: none before,
    #                                                                             or a later one)
    assert 10 < len(rr) and late.any() and not late.all() and lowered.any() and not lowered.all()


def _looks_and_routes(seed, K=9, S=4, T=7):
    """Random sparse looks (some pairs seen with a Pd of 0) and routes: each target on its route over a span of
    samples, some from the first or to the last."""
    from iadsim.engine import Looks

    g = np.random.default_rng(seed)
    visible = g.random((K, S, T)) < 0.4
    pd = np.where(visible & (g.random((K, S, T)) < 0.8), g.random((K, S, T)), 0.0).astype(np.float32)
    sigma = np.where(visible, g.uniform(1, 100, (K, S, T)), 0.0).astype(np.float32)
    first, last = g.integers(-2, K, T), g.integers(0, K + 2, T)
    active = (np.arange(K)[:, None] >= first[None, :]) & (np.arange(K)[:, None] <= last[None, :])
    return Looks.from_dense(pd, visible, sigma), pd, visible, sigma, active


def _on_route_here(active, k0, k1, targets, *values):
    """The on-route rule written here: where the samples' routes differ, a target off its route at the first sample
    takes the second's values, then one off at the second takes the first's (as they now are)."""
    if np.array_equal(active[k0], active[k1]):
        return
    for n, other, k in ((0, 1, k0), (1, 0, k1)):
        off = ~active[k, targets]
        for v in values:
            v[n][..., off] = v[other][..., off]


@pytest.mark.parametrize("seed", range(6))
def test_step_pairs_are_the_union_of_both_samples_pairs_on_route(seed):
    """step_pairs against numpy written here, at every step and at the last (both samples one): the pairs seen at
    either sample by sensor then target, each's Pd and error at both (0 where not seen), the on-route rule where a
    target starts or ends its route between them, and only pairs with a Pd at either."""
    from iadsim.engine._kernels import step_pairs

    looks, pd, visible, sigma, active = _looks_and_routes(seed)
    K, S, T = pd.shape
    changes = 0
    for k0 in range(K):
        k1 = min(k0 + 1, K - 1)
        differ = not np.array_equal(active[k0], active[k1])
        changes += differ
        s, t = np.nonzero(visible[k0] | visible[k1])
        p = np.stack([pd[k0][s, t], pd[k1][s, t]])
        e = np.stack([sigma[k0][s, t], sigma[k1][s, t]])
        _on_route_here(active, k0, k1, t, p, e)
        keep = (p > 0).any(axis=0)
        out = step_pairs(looks.ptr, looks.sensor, looks.target, looks.pd, looks.sigma, k0, k1, T, active[k0],
                         active[k1], differ)
        for got, want, dtype in zip(out, (s[keep], t[keep], p[:, keep], e[:, keep]),
                                    (np.int64, np.int64, np.float32, np.float32), strict=True):
            assert got.dtype == dtype
            np.testing.assert_array_equal(got, want)
    assert 0 < changes < K  # (the rule was exercised, and so was its absence)


@pytest.mark.parametrize("seed", range(6))
def test_visible_samples_are_both_samples_sight_on_route(seed):
    """visible_samples against numpy written here: what each sensor sees at both samples, with the on-route rule."""
    from iadsim.engine._kernels import visible_samples

    looks, _, visible, _, active = _looks_and_routes(seed)
    K, S, T = visible.shape
    for k0 in range(K):
        k1 = min(k0 + 1, K - 1)
        both = np.stack([visible[k0], visible[k1]])
        _on_route_here(active, k0, k1, np.arange(T), both)
        out = visible_samples(looks.ptr, looks.sensor, looks.target, k0, k1, active[k0], active[k1],
                              not np.array_equal(active[k0], active[k1]), S, T)
        np.testing.assert_array_equal(out, both)


@pytest.mark.parametrize("seed", range(4))
def test_look_pointers_are_numpys_searchsorted_of_the_looks_keys(seed):
    """look_pointers against numpy's searchsorted written here: where each look's detections start, looks and
    detections both by row then sensor, some looks with none."""
    from iadsim.engine._kernels import look_pointers

    g = np.random.default_rng(seed)
    R, S = 9, 6
    lr, ls = np.nonzero(g.random((R, S)) < 0.6)
    n = g.integers(0, 4, len(lr))  # detections per look
    rr, ss = np.repeat(lr, n), np.repeat(ls, n)
    ptr = look_pointers(rr, ss, lr, ls, S)
    np.testing.assert_array_equal(ptr[:-1], np.searchsorted(rr * S + ss, lr * S + ls))
    assert ptr[-1] == len(rr) and (n == 0).any()
    np.testing.assert_array_equal(np.diff(ptr), n)


def test_opening_pairs_are_the_numpy_masks_they_replace():
    """opening_pairs against the numpy expressions openings used, written here: the targets taking off inside the
    window, the (fire unit, target) pairs entering an envelope between the samples (np.nonzero's order) and the
    targets coming into a guiding sensor's sight, on random masks; none of the pairs without the next sample's
    geometry, none of the sight's without a finite middle."""
    from iadsim.engine._kernels import opening_pairs

    g = np.random.default_rng(21)
    F, T, S = 7, 30, 5
    made = []  # (whether each kind was found: the draws make some of each, in most draws)
    for _ in range(50):
        start_time = g.choice([-1.0, 10.0, 10.5, 11.0, 12.0], T)
        here, after = g.random((F, T)) < 0.5, g.random((F, T)) < 0.5
        open_, able, guiding = g.random(T) < 0.7, g.random(F) < 0.6, g.random(S) < 0.5
        sight = g.random((2, S, T)) < 0.4
        starting, f, t, coming = opening_pairs(start_time, 10.0, 11.0, here, after, open_, able, sight[0], sight[1],
                                               guiding, 10.5)
        np.testing.assert_array_equal(starting, np.flatnonzero((start_time > 10.0) & (start_time < 11.0)))
        ef, et = np.nonzero(~here & after & open_[None, :] & able[:, None])
        np.testing.assert_array_equal(f, ef)
        np.testing.assert_array_equal(t, et)
        np.testing.assert_array_equal(coming, np.flatnonzero((sight[1] & ~sight[0])[guiding].any(axis=0) & open_))
        made += [starting.size > 0, f.size > 0, coming.size > 0]
        none = np.zeros((0, 0), bool)
        _, f, t, coming = opening_pairs(start_time, 10.0, 11.0, none, none, open_, able, sight[0], sight[1],
                                        guiding, np.inf)
        assert f.size == t.size == coming.size == 0
    assert np.mean(made) > 0.5 and all(made[0::3]) and all(made[1::3])


def test_earliest_is_the_minimum_over_each_rows_threat_detections():
    """earliest against the numpy it replaces, written here (np.minimum.at of the threats' detection times per row,
    kept where earlier than what the row had or where it had none): rows without a detection of a threat keep
    theirs, nan included."""
    from iadsim.engine._kernels import earliest

    g = np.random.default_rng(22)
    R, T = 9, 12
    threat = g.random(T) < 0.6
    first = np.where(g.random(R) < 0.4, np.nan, g.uniform(0.0, 100.0, R))
    first[-2:] = np.nan, 50.0  # (the last two rows: never detected)
    for _ in range(20):
        rr = g.integers(0, R - 2, 15).astype(np.int64)
        tt = g.integers(0, T, 15).astype(np.int64)
        at = g.uniform(0.0, 100.0, 15)
        seen = np.full(R, np.inf)
        np.minimum.at(seen, rr[threat[tt]], at[threat[tt]])
        expected = np.where(np.isfinite(seen) & ~(first <= seen), seen, first)
        earliest(first, threat, rr, tt, at)
        np.testing.assert_array_equal(first, expected)
    assert np.isnan(first[-2]) and first[-1] == 50.0 and np.isfinite(first[:-2]).all()  # (each other row detected)


@pytest.mark.parametrize("seed", range(4))
def test_emitters_and_emission_spans_are_numpys(seed):
    """emitters: numpy's radars up (their unit up, able to radiate) and on (by the schedule, not silenced at the
    window's start, emcon.silenced_at), and whether that changed; emission_spans: account_emission's numpy, written
    here: the radars up whose unit is destroyed before the window's end or a silence of which starts or ends inside
    it (edge), those a silence covers (dark), the others' spans added (+= where(plain, span, 0)), and the shutdowns
    beginning in the window before the radar's destruction, in nonzero's order."""
    from iadsim.network.emcon import silenced_at

    g = np.random.default_rng(seed)
    n_r, n_s, n_u = 30, 7, 9
    unit_up, sensor_unit = g.random((n_r, n_u)) < 0.8, g.integers(0, n_u, n_s)
    able, on = g.random(n_s) < 0.8, g.random(n_s) < 0.7
    start, end = 100.0, 101.0
    for m in (0, 2):  # no silence (no warnings), and two per radar (some unused: inf, inf)
        silences = np.full((n_r, n_s, m, 4), np.inf)
        begin = g.choice([99.0, 100.0, 100.5, np.inf], (n_r, n_s, m))
        silences[..., 0], silences[..., 1] = begin, begin + g.choice([0.5, 1.0, 3.0], (n_r, n_s, m))
        emitting = g.random((n_r, n_s)) < 0.5
        up, now_on, changed = emitters(unit_up, sensor_unit, able, on, silences, start, emitting)
        expected_up = unit_up[:, sensor_unit] & able[None, :]
        expected_on = expected_up & on[None, :] & ~silenced_at(silences, start)
        np.testing.assert_array_equal(up, expected_up)
        np.testing.assert_array_equal(now_on, expected_on)
        assert changed == bool((expected_on != emitting).any())
        assert not emitters(unit_up, sensor_unit, able, on, silences, start, expected_on)[2]
    destroyed_at = g.choice([50.0, 100.0, 100.5, 100.7, 101.0, np.inf], (n_r, n_u))
    span = g.uniform(0.0, 1.0, n_s)
    before = g.uniform(0.0, 500.0, (n_r, n_s))
    for m in (0, 3):  # no silence, and three per radar: ending, starting, covering the window or not, some unused
        silences = np.full((n_r, n_s, m, 4), np.inf)
        begin = g.choice([-np.inf, 99.0, 100.0, 100.5, 101.0, np.inf], (n_r, n_s, m),  # (-inf: a cued radar waiting)
                         p=[0.05, 0.1, 0.1, 0.1, 0.1, 0.55])
        silences[..., 0] = begin
        silences[..., 1] = np.where(np.isfinite(begin), begin + g.choice([0.3, 0.5, 1.0, 3.0], (n_r, n_s, m)),
                                    np.where(begin < 0, g.choice([100.4, 101.0, np.inf], (n_r, n_s, m)), np.inf))
        silences[..., 2] = np.where(np.isfinite(begin), begin - 8.0, begin)  # (known from; the warning's missile:)
        silences[..., 3] = g.integers(0, 5, (n_r, n_s, m))
        for up_ in (expected_up, np.zeros_like(expected_up)):
            emission_time, emitting = before.copy(), g.random((n_r, n_s)) < 0.5
            expected_emitting = emitting.copy()
            edge, plain, some, shut = emission_spans(up_, destroyed_at, sensor_unit, silences, start, end, span,
                                                     emission_time, emitting)
            # the numpy it replaces (account_emission's, written out)
            gone = destroyed_at[:, sensor_unit]
            b, u = silences[..., 0], silences[..., 1]
            expected_edge = up_ & ((gone < end) | (((start < b) & (b < end)) | ((start < u) & (u < end))).any(axis=-1))
            covered = up_ & ((b <= start) & (u >= end)).any(axis=-1) & ~expected_edge
            expected_plain = up_ & ~expected_edge & ~covered
            expected_emitting[covered] = False
            np.testing.assert_array_equal(edge, expected_edge)
            np.testing.assert_array_equal(plain, expected_plain)
            assert some == bool(expected_edge.any())
            np.testing.assert_array_equal(emitting, expected_emitting)
            np.testing.assert_array_equal(emission_time, before + np.where(expected_plain, span[None, :], 0.0))
            for got, want in zip(shut, np.nonzero((start <= b) & (b < end) & (b < gone[..., None])), strict=True):
                np.testing.assert_array_equal(got, want)
                assert got.dtype == np.int64
            if up_.any():  # (every kind met: edges, plain radars, and with silences covered ones and shutdowns)
                assert some and plain.any() and (not m or (covered.any() and len(shut[0])))
            else:
                assert not (some or plain.any()) and (emitting == expected_emitting).all()


def _schedules(g, n_s):
    """(3, S) emission-control schedules (period, on, offset [s]): periodic ones, always on, never on."""
    period = g.choice([10.0, 7.5, np.inf], n_s)
    on = np.where(np.isfinite(period), g.choice([2.5, 4.0], n_s), g.choice([0.0, 1.0], n_s))
    offset = np.where(np.isfinite(period), g.choice([0.0, 1.0, -3.3], n_s), 0.0)
    return np.stack([period, on, offset])


def _times(g, emcon, shape):
    """Times on the schedules' switches (where rounding decides), just off them, and anywhere."""
    period, on, offset = (np.where(np.isfinite(a), a, 10.0) for a in emcon)
    n = g.integers(8, 12, shape)
    switch = offset + n * period + np.where(g.random(shape) < 0.5, on, 0.0)
    return np.where(g.random(shape) < 0.6, switch + g.choice([0.0, 0.0, -1e-9, 1e-9], shape),
                    g.uniform(80.0, 120.0, shape))


@pytest.mark.parametrize("seed", range(4))
def test_lit_looks_are_the_schedules_emission_less_the_silences(seed):
    """lit_looks: numpy's looks made whose radar emits then by its schedule (emcon.emitting) and is not silenced
    (emcon.silenced_at), on and about the schedules' switch times and the silences' edges."""
    from iadsim.network.emcon import emitting, silenced_at

    g = np.random.default_rng(seed)
    n_r, n_s = 40, 6
    emcon = _schedules(g, n_s)
    when = _times(g, emcon, (n_r, n_s))
    looking = g.random((n_r, n_s)) < 0.8
    for m in (0, 2):
        silences = np.full((n_r, n_s, m, 4), np.inf)
        silences[..., 0] = np.where(g.random((n_r, n_s, m)) < 0.5, when[..., None] - g.choice([0.0, 1.0, 5.0],
                                                                                             (n_r, n_s, m)), np.inf)
        silences[..., 1] = silences[..., 0] + g.choice([0.0, 1.0, 5.0], (n_r, n_s, m))
        expected = looking & emitting(when, *emcon[:, None, :]) & ~silenced_at(silences, when)
        np.testing.assert_array_equal(lit_looks(looking, when, *emcon, silences), expected)
        assert expected.any() and (looking & ~expected).any()


@pytest.mark.parametrize("seed", range(4))
def test_lit_through_is_numpys_lit_until_over_the_guiding_radars(seed):
    """lit_through: phases.guided's rule (a guiding radar holding a track then, lit until the intercept through the
    silences its crew knows of) and phases.kept_guidance's (lit from the launch to the arrival through every
    silence), each numpy's emcon.lit_until over the radars, written here."""
    from iadsim.network.emcon import lit_until

    g = np.random.default_rng(seed)
    n_r, n_f, n_s, n_t, n_m, n = 12, 4, 5, 6, 3, 200
    emcon = _schedules(g, n_s)
    rr, ff, tt = g.integers(0, n_r, n), g.integers(0, n_f, n), g.integers(0, n_t, n)
    # times on a few instants (a silence starting, ending or known of just then) and the schedules' switches
    grid = np.array([95.0, 100.0, 102.5, 105.0, 110.0])
    at = np.where(g.random(n) < 0.7, g.choice(grid, n), _times(g, emcon[:, :1], n))
    need = at + g.choice([0.0, 1.0, 2.5, 20.0], n)
    guides = g.random((n_r, n_f, n_s)) < 0.6
    silences = np.full((n_r, n_s, n_m, 4), np.inf)
    begin = g.choice(grid, (n_r, n_s, n_m))
    silences[..., 0] = np.where(g.random((n_r, n_s, n_m)) < 0.7, begin, np.inf)
    silences[..., 1] = silences[..., 0] + g.choice([0.0, 2.5, 10.0], (n_r, n_s, n_m))  # (some empty)
    silences[..., 2] = np.where(g.random((n_r, n_s, n_m)) < 0.6, begin - g.choice([0.0, 2.5, 5.0], (n_r, n_s, n_m)),
                                np.inf)  # known from, or never
    confirmed = np.where(g.random((n_r, n_s, n_t)) < 0.4, g.choice(grid, (n_r, n_s, n_t)), np.inf)
    since = np.where(g.random((n_r, n_s, n_t)) < 0.4, g.choice(grid, (n_r, n_s, n_t)), np.inf)
    until = np.where(np.isfinite(since), since + g.choice([0.0, 2.5, 5.0], (n_r, n_s, n_t)), -np.inf)
    # guided
    a = at[:, None]
    holds = (confirmed[rr, :, tt] <= a) | ((since[rr, :, tt] <= a) & (a < until[rr, :, tt]))
    known = silences[rr]
    warned = known[..., 2] <= a[..., None]
    lit = lit_until(a, *emcon[:, None, :], np.where(warned, known[..., 0], np.inf),
                    np.where(warned, known[..., 1], np.inf))
    expected = (guides[rr, ff] & holds & (lit >= need[:, None])).any(axis=1)
    got = lit_through(rr, ff, tt, at, need, guides, silences, *emcon, True, True, confirmed, since, until)
    np.testing.assert_array_equal(got, expected)
    assert expected.any() and not expected.all()
    # kept_guidance
    lit = lit_until(a, *emcon[:, None, :], known[..., 0], known[..., 1])
    expected = (guides[rr, ff] & (lit >= need[:, None])).any(axis=1)
    got = lit_through(rr, ff, tt, at, need, guides, silences, *emcon, False, False, confirmed, since, until)
    np.testing.assert_array_equal(got, expected)
    assert expected.any() and not expected.all()


@pytest.mark.parametrize("seed", range(3))
def test_a_time_on_a_switch_falls_on_the_side_emcon_puts_it(seed):
    """lit_looks and lit_through against emcon.emitting and emcon.lit_until at times on the schedules' switches,
    ``offset + n period`` (+ ``on``) computed as the schedules compute them, and one unit in the last place either side,
    with periods and offsets of a few decimals and n up to 10^4: there ``(t - offset) / period`` rounds across an
    integer and _cycle_start's corrections decide (both are met)."""
    from iadsim.network.emcon import emitting, lit_until

    g = np.random.default_rng(seed)
    n_r, n_s = 300, 40
    period = np.maximum(g.uniform(0.01, 50.0, n_s).round(g.integers(0, 4)), 0.01)
    on = period * g.uniform(0.05, 0.95, n_s)
    offset = g.uniform(-100.0, 100.0, n_s).round(g.integers(0, 3))
    t = offset + g.integers(-10_000, 10_000, (n_r, n_s)) * period + np.where(g.random((n_r, n_s)) < 0.5, on, 0.0)
    t = np.where(g.random((n_r, n_s)) < 0.3, np.nextafter(t, np.where(g.random((n_r, n_s)) < 0.5, np.inf, -np.inf)), t)
    first = np.floor((t - offset) / period)
    assert (offset + first * period > t).any() and (offset + (first + 1) * period <= t).any()  # (both corrections)
    none = np.full((n_r, n_s, 0, 4), np.inf)
    state = emitting(t, period[None], on[None], offset[None])
    np.testing.assert_array_equal(lit_looks(np.ones((n_r, n_s), bool), t, period, on, offset, none), state)
    assert state.any() and not state.all()
    rr, ss = np.repeat(np.arange(n_r), n_s), np.tile(np.arange(n_s), n_r)
    until = lit_until(t.ravel(), period[ss], on[ss], offset[ss], np.full((n_r * n_s, 0), np.inf),
                      np.full((n_r * n_s, 0), np.inf))
    guides = np.zeros((n_r, n_s, n_s), bool)
    guides[:, np.arange(n_s), np.arange(n_s)] = True  # (fire unit s, radar s)
    held = np.zeros((n_r, n_s, 1))
    for need in (until, np.nextafter(until, np.inf)):  # (lit until exactly numpy's time: not a bit later)
        got = lit_through(rr, ss, np.zeros(n_r * n_s, np.int64), t.ravel(), need, guides, none, period, on, offset,
                          False, False, held, held, held)
        np.testing.assert_array_equal(got, until >= need)


@pytest.mark.parametrize("seed", range(3))
def test_silences_ending_are_numpys_nonzero_repeated_for_each_target(seed):
    """silences_ending: the (row, radar, silence) whose silence ends strictly inside the window on a radar that may
    guide, by numpy's nonzero, each repeated for every target (repeat, tile, repeat)."""
    g = np.random.default_rng(seed)
    n_r, n_s, n_m = 9, 5, 2
    silences = np.full((n_r, n_s, n_m, 4), np.inf)
    silences[..., 1] = g.choice([99.0, 100.0, 100.2, 100.9, 101.0, np.inf], (n_r, n_s, n_m))
    guiding = g.random(n_s) < 0.7
    for targets in (np.array([1, 4, 5], np.int64), np.zeros(0, np.int64)):
        ends = silences[..., 1]
        rows, s, m = np.nonzero((ends > 100.0) & (ends < 101.0) & guiding[None, :, None])
        expected = (np.repeat(rows, len(targets)), np.tile(targets, len(rows)),
                    np.repeat(ends[rows, s, m], len(targets)))
        got = silences_ending(silences, 100.0, 101.0, guiding, targets)
        for a, b in zip(got, expected, strict=True):
            np.testing.assert_array_equal(a, b)
            assert a.dtype == b.dtype
        assert len(rows)


@pytest.mark.parametrize("seed", range(3))
def test_layers_reached_is_the_boolean_product_of_standing_units_and_their_envelopes(seed):
    """layers_reached: numpy's flying targets inside the envelope of a standing fire unit of each layer, by the
    float32 product phases.reach_layers used, or-ed into what was reached before."""
    g = np.random.default_rng(seed)
    n_r, n_f, n_u, n_t = 15, 6, 8, 10
    present, destroyed_at = g.random((n_r, n_u)) < 0.9, np.where(g.random((n_r, n_u)) < 0.2, 50.0, np.inf)
    fire_unit, layer = g.permutation(n_u)[:n_f], g.choice([-1, 0, 2], n_f)
    inside, active = g.random((n_f, n_t)) < 0.4, g.random(n_t) < 0.8
    alive, leaked = g.random((n_r, n_t)) < 0.9, g.random((n_r, n_t)) < 0.1
    reached = g.random((n_r, n_t, 4)) < 0.1
    expected, before = reached.copy(), reached.copy()
    standing = present[:, fire_unit] & ~np.isfinite(destroyed_at[:, fire_unit])
    flying = alive & ~leaked & active[None, :]
    for lay in np.unique(layer[layer >= 0]):
        mine = layer == lay
        expected[..., lay] |= flying & ((standing[:, mine].astype(np.float32) @ inside[mine].astype(np.float32)) > 0)
    layers_reached(present, destroyed_at, fire_unit, layer, inside, alive, leaked, active, reached)
    np.testing.assert_array_equal(reached, expected)
    assert (reached & ~before).any() and not reached.all()  # (some reached now, not every one)


def test_on_their_way_is_numpys_boolean_indexing():
    """The reports still on their way (next arrival finite), in their order: each array indexed by that mask."""
    g = np.random.default_rng(0)
    n = 30
    arrays = (g.integers(0, 5, n), g.integers(0, 4, n), g.integers(0, 9, n), g.normal(size=(n, 5)),
              g.integers(0, 3, n), np.where(g.random(n) < 0.4, np.inf, g.uniform(0, 9, n)))
    for next_at in (arrays[5], np.full(n, np.inf), np.zeros(n)):  # some, none and all on their way
        keep = np.isfinite(next_at)
        got = on_their_way(*arrays[:5], next_at)
        for a, b in zip(got, (*(x[keep] for x in arrays[:5]), next_at[keep]), strict=True):
            np.testing.assert_array_equal(a, b)
            assert a.dtype == b.dtype
    assert 0 < len(on_their_way(*arrays)[0]) < n
