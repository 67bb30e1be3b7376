"""Picture quality (iadsim.tracking.quality): OSPA against its definition by brute force and against Stone
Soup's OSPAMetric, and the SIAP counts of a picture laid out by hand."""

from __future__ import annotations

import itertools
from datetime import datetime

import numba
import numpy as np
import pytest
from tests.ospa_reference import ospa_by_assignment

from iadsim.registry import BEARING, ELEVATION, RANGING, places_target
from iadsim.tracking import CONFIRMED, TENTATIVE
from iadsim.tracking.quality import (
    held_objects,
    node_counts,
    ospa,
    ospa_in,
    picture_counts,
    placed_objects,
    tentative_objects,
)
from iadsim.tracking.scan import SensorTrackTable, min_cost_assignment


def _ospa_by_definition(x, y, c, p):
    """Schuhmacher, Vo & Vo (2008) Eq. 3 over every assignment (small sets)."""
    if len(x) > len(y):
        x, y = y, x
    n, m = len(x), len(y)
    if m == 0:
        return 0.0
    best = min(sum(min(np.linalg.norm(x[i] - y[j]), c) ** p for i, j in enumerate(perm))
               for perm in itertools.permutations(range(m), n)) if n else 0.0
    return ((best + c**p * (m - n)) / m) ** (1 / p)


def test_ospa_is_its_definition():
    rng = np.random.default_rng(4)
    for _ in range(200):
        n, m = int(rng.integers(0, 5)), int(rng.integers(0, 5))
        x, y = rng.normal(scale=3000.0, size=(n, 3)), rng.normal(scale=3000.0, size=(m, 3))
        assert ospa(x, y, 5000.0, 2.0) == pytest.approx(_ospa_by_definition(x, y, 5000.0, 2.0), rel=1e-12, abs=1e-9)
    # the two extremes: a perfect picture, and one holding nothing of three objects (the cut-off)
    y = rng.normal(size=(3, 3))
    assert ospa(y.copy(), y, 5000.0, 2.0) == 0.0
    assert ospa(np.zeros((0, 3)), y, 5000.0, 2.0) == 5000.0



@pytest.mark.parametrize("seed", range(4))
def test_ospa_of_many_points_in_groups_is_the_whole_sets_optimal_assignment(seed):
    """Tracks near their objects in clusters (raids), some points alone, some far off: ospa solves each group of
    points linked by pairs closer than c on its own; the answer is the optimal assignment over the whole sets
    (scipy's linear_sum_assignment of min(d, c)^p, Eq. 3)."""
    from scipy.optimize import linear_sum_assignment

    rng = np.random.default_rng(seed)
    c, p = 5000.0, 2.0
    centres = rng.uniform(-100e3, 100e3, size=(8, 3))
    y = np.concatenate([centre + rng.normal(scale=2500.0, size=(int(rng.integers(1, 9)), 3)) for centre in centres])
    x = np.concatenate([y[rng.random(len(y)) < 0.8] + rng.normal(scale=1500.0, size=(1, 3)),
                        rng.uniform(-100e3, 100e3, size=(int(rng.integers(0, 6)), 3))])
    for a, b, same in ((x, y, False), (y, x, False), (x[:3], y, False), (x, x[::-1], True)):
        small, large = (a, b) if len(a) <= len(b) else (b, a)
        cost = np.minimum(np.linalg.norm(small[:, None] - large[None], axis=-1), c) ** p
        i, j = linear_sum_assignment(cost)
        expected = ((cost[i, j].sum() + c**p * (len(large) - len(small))) / len(large)) ** (1 / p)
        assert ospa(a, b, c, p) == pytest.approx(expected, rel=1e-9, abs=1e-6)
        assert (expected == 0.0) if same else (0 < expected < c)  # (the same points: a perfect picture)


def test_ospa_keeps_small_distances_and_groups_of_more_estimates_than_objects():
    """Tiny distances at high orders (the sum is of the pairs' d^p, not c^p minus a near-equal number), and a group
    of three estimates linked to two objects (beside two objects far off), against the definition."""
    one = np.zeros((1, 3))
    for d, p in ((10.0, 6.0), (0.5, 4.0), (1e-5, 2.0), (3.0, 1.0)):
        assert ospa(one, np.array([[d, 0.0, 0.0]]), 5000.0, p) == pytest.approx(d, rel=1e-12)
    y = np.array([[0.0, 0, 0], [1000.0, 0, 0], [60e3, 0, 0], [0.0, 70e3, 0]])
    x = np.array([[100.0, 0, 0], [900.0, 0, 0], [500.0, 40, 0]])
    for p in (1.0, 2.0, 3.0):
        assert ospa(x, y, 5000.0, p) == pytest.approx(_ospa_by_definition(x, y, 5000.0, p), rel=1e-12)
        assert ospa(y, x, 5000.0, p) == pytest.approx(_ospa_by_definition(y, x, 5000.0, p), rel=1e-12)


@numba.njit
def _two_and_two_by_assignment(x, y, c, p):
    """OSPA of two estimates and two objects all closer than c, written as the general case computes it: the
    Hungarian method's pairing (iadsim.tracking.scan.min_cost_assignment) of min(d, c)^p - c^p, the pairs' costs
    added row by row."""
    cost = np.empty((2, 2))
    for i in range(2):
        for j in range(2):
            cost[i, j] = np.sqrt((x[i, 0] - y[j, 0]) ** 2 + (x[i, 1] - y[j, 1]) ** 2 + (x[i, 2] - y[j, 2]) ** 2) ** p
    pick = min_cost_assignment(cost - c**p)
    total = 0.0
    for i in range(2):
        total += cost[i, pick[i]]
    return (total / 2) ** (1.0 / p)


def test_ospa_of_two_and_two_is_the_assignments_answer_to_the_last_bit():
    """Two aircraft flying together: the pairing of two tracks with two objects is decided as the Hungarian method
    decides it, also in near-ties (both tracks within a few last bits of midway between the objects; one track's
    position twice), so the distance is the general case's to the last bit (a rule comparing the two pairings'
    sums differs here)."""
    rng = np.random.default_rng(21)
    y = np.array([[0.0, 0.0, 1000.0], [2000.0, 0.0, 1000.0]])
    cases = []
    ulp = np.spacing(1000.0)
    for i in range(-6, 7):  # both tracks within a few last bits of midway: the two pairings all but tied
        for j in range(-6, 7):
            x = np.array([[1000.0 + i * ulp, 400.0, 1000.0], [1000.0 + j * ulp, -350.0, 1000.0]])
            cases += [x, np.array([x[0], x[0]])]
    cases += [y[None, 0] + rng.normal(0.0, 800.0, (2, 3)) for _ in range(200)]
    for x in cases:
        assert np.linalg.norm(x[:, None] - y[None], axis=-1).max() < 5000.0  # (one group of two and two)
        for p in (1.0, 2.0):
            assert ospa(x, y, 5000.0, p) == _two_and_two_by_assignment(x, y, 5000.0, p)


def test_ospa_of_two_and_two_takes_the_better_pairing_and_any_work_space():
    """Two objects flying together and two tracks near them (one group of two and two): the straight pairing and
    the crossed one, each the better in turn, against the definition; beside them a lone track and a lone object.
    The same answers from ospa_in with work space too small, exact and larger (reused from call to call)."""
    y = np.array([[0.0, 0, 0], [2000.0, 0, 0], [50e3, 0, 0]])
    straight = np.array([[300.0, 0, 0], [1800.0, 0, 0], [0.0, 40e3, 0]])
    crossed = straight[[1, 0, 2]]
    spare = (np.empty(100), np.empty(100, np.int64))
    for x in (straight, crossed):
        for p in (1.0, 2.0):
            expected = _ospa_by_definition(x, y, 5000.0, p)
            assert ospa(x, y, 5000.0, p) == pytest.approx(expected, rel=1e-12)
            for reals, ints in ((np.empty(0), np.empty(0, np.int64)), (np.empty(9), np.empty(31, np.int64)), spare):
                assert ospa_in(x, y, 5000.0, p, reals, ints) == ospa(x, y, 5000.0, p)
    assert ospa(straight, y, 5000.0, 2.0) == ospa(crossed, y, 5000.0, 2.0)  # (the order of the tracks is no matter)


@pytest.mark.validation
def test_ospa_agrees_with_stone_soup_where_both_assign_alike(validation):
    """Stone Soup's OSPAMetric (1.9) minimises the sum of distances before raising them to p; on sets whose
    best assignment is the same either way (well apart) the distances agree; elsewhere ours is the smaller
    (it minimises what the definition minimises)."""
    from stonesoup.metricgenerator.ospametric import OSPAMetric
    from stonesoup.types.state import State

    metric = OSPAMetric(c=5000.0, p=2.0)
    when = datetime(2026, 1, 1)
    rng = np.random.default_rng(9)
    ours, theirs = [], []
    for _ in range(100):
        n, m = int(rng.integers(1, 6)), int(rng.integers(1, 6))
        y = rng.uniform(-50e3, 50e3, size=(m, 3))
        x = np.concatenate([y[:n] + rng.normal(scale=800.0, size=(min(n, m), 3)),
                            rng.uniform(-50e3, 50e3, size=(max(n - m, 0), 3))])
        value = metric.compute_OSPA_distance([State(v.reshape(-1, 1), timestamp=when) for v in x],
                                             [State(v.reshape(-1, 1), timestamp=when) for v in y]).value
        ours.append(ospa(x, y, 5000.0, 2.0))
        theirs.append(value)
    ours, theirs = np.array(ours), np.array(theirs)
    assert (ours <= theirs + 1e-9).all()
    validation("OSPA distance [m] (iadsim.tracking.quality.ospa)", "Stone Soup 1.9 OSPAMetric.compute_OSPA_distance",
               ours, theirs, abs=1e-6)


def test_picture_counts_of_a_hand_laid_picture():
    """One replication, two sensors, three objects (all should be held by sensor 0, object 2 only by
    sensor 1). Sensor 0: two confirmed tracks on object 0 (one 300 m off), one false confirmed track, one
    tentative track on object 1 (not counted). Sensor 1: nothing."""
    objects = np.array([[0.0, 10e3, 1e3], [5e3, 10e3, 1e3], [-5e3, 10e3, 1e3]])
    tab = SensorTrackTable.empty(1, 2, 6)
    tab.status[0, 0, :4] = [CONFIRMED, CONFIRMED, CONFIRMED, TENTATIVE]
    tab.truth[0, 0, :4] = [0, 0, -1, 1]
    tab.x[0, 0, 0, :3] = objects[0]
    tab.x[0, 0, 1, :3] = objects[0] + [300.0, 0.0, 0.0]
    tab.x[0, 0, 2, :3] = [40e3, 40e3, 1e3]
    tab.x[0, 0, 3, :3] = objects[1]
    tab.x[0, 0, 0, 3:] = [10.0, 0.0, 0.0]  # flown 2 s at 10 m/s since its state: 20 m off by now
    tab.time[0, 0, :] = 8.0
    should = np.zeros((1, 2, 3), bool)
    should[0, 0, :] = True
    should[0, 1, 2] = True
    out = np.zeros((1, 2, 6))
    tab.top[0, 0] = 4
    picture_counts(tab.x, tab.status, tab.truth, tab.time, tab.top, 10.0, objects, should, 5000.0, 2.0, out)
    # sensor 0: J 3, JT 1, N 3, NA 2, one object followed (twice: ambiguity 2)
    assert out[0, 0, 1:].tolist() == [3, 1, 3, 2, 1]
    estimates = np.array([objects[0] + [20.0, 0, 0], objects[0] + [300.0, 0, 0], [40e3, 40e3, 1e3]])
    assert out[0, 0, 0] == pytest.approx(_ospa_by_definition(estimates, objects, 5000.0, 2.0), rel=1e-12)
    assert out[0, 1].tolist() == [5000.0, 1, 0, 0, 0, 0]  # one object to hold, nothing held: the cut-off


def test_held_objects_are_the_hold_rule_on_a_picture_laid_out_as_the_engine_lays_it():
    """Whether any node holds each object: a measurement in the track and its state at most the node's coast time
    old, compared with the rule written out in numpy on random node pictures stored object by object (the engine's
    layout), the nodes a slice of them, and on fields of records."""
    rng = np.random.default_rng(11)
    for n_r, n_t, n_n in ((1, 1, 1), (3, 7, 5), (20, 48, 15), (4, 9, 6)):
        fields = [("x", np.float64, (6,)), ("track_time", np.float64), ("updates", np.int32)]
        stored = np.zeros((n_r, n_t, n_n), np.dtype(fields, align=True))
        stored["updates"] = rng.integers(0, 3, stored.shape) * (rng.random(stored.shape) < 0.3)
        stored["track_time"] = rng.uniform(0.0, 100.0, stored.shape)
        odd = rng.random(stored.shape)
        stored["track_time"][odd < 0.05] = -np.inf  # (always too old)
        stored["track_time"][(odd >= 0.05) & (odd < 0.08)] = np.nan  # (compares false: not held)
        if n_r == 4:  # the last case: fields of records
            picture_updates, picture_times = stored["updates"].swapaxes(1, 2), stored["track_time"].swapaxes(1, 2)
        else:  # compact arrays (indexed (R, N, T), stored (R, T, N))
            picture_updates = stored["updates"].copy().swapaxes(1, 2)
            picture_times = stored["track_time"].copy().swapaxes(1, 2)
        nodes = slice(1, n_n) if n_n > 1 else slice(0, 1)
        updates, times = picture_updates[:, nodes], picture_times[:, nodes]
        updates[0, 0, 0], times[0, 0, 0] = 1, 71.25
        coast = rng.uniform(0.0, 60.0, updates.shape[1])
        coast[0] = 100.0 - 71.25  # the first track exactly at its node's limit: held
        now = 100.0
        expected = (updates > 0) & (now - times <= coast[None, :, None])
        held = np.zeros((n_r, n_t), bool)
        held_objects(updates, times, now, coast, held)
        assert (held == expected.any(axis=1)).all() and held[0, 0]
        assert (~expected.any(axis=1)).any() or n_r == 1  # (the random pictures leave some object unheld)


def test_placed_objects_are_the_placing_rule_on_random_holdings():
    """Which objects the sensors holding them place (one that measures range, or two passive ones of which one
    measures elevation: :func:`iadsim.registry.places_target`), and which any sensor holds, against the rule
    applied sensor kind by sensor kind in Python, on random holdings of a mixed network."""
    rng = np.random.default_rng(13)
    for n_r, n_s, n_t in ((1, 1, 1), (5, 4, 9), (40, 12, 48)):
        ranging = rng.random(n_s) < 0.4
        elevation = ~ranging & (rng.random(n_s) < 0.5)
        held = rng.random((n_r, n_s, n_t)) < 0.3
        tracked, placed = np.ones((n_r, n_t), bool), np.ones((n_r, n_t), bool)
        placed_objects(held, ranging, elevation, tracked, placed)
        for r in range(n_r):
            for t in range(n_t):
                kinds = [RANGING if ranging[s] else ELEVATION if elevation[s] else BEARING
                         for s in range(n_s) if held[r, s, t]]
                assert placed[r, t] == places_target(kinds)
                assert tracked[r, t] == bool(kinds)
        assert n_r == 1 or (placed.any() and (tracked & ~placed).any())  # (both outcomes drawn)


def test_tentative_objects_are_those_of_the_tentative_tracks_in_use():
    """Objects some sensor follows with a tentative track (not a confirmed one, not a false track's -1), against
    numpy over every slot, on random tables whose slots from ``top`` on are free (the table's invariant)."""
    rng = np.random.default_rng(12)
    for n_r, n_s, n_slots, n_t in ((1, 1, 1, 1), (4, 3, 9, 6), (30, 12, 40, 48)):
        tab = SensorTrackTable.empty(n_r, n_s, n_slots)
        tab.top[:] = rng.integers(0, n_slots + 1, (n_r, n_s))
        used = np.arange(n_slots)[None, None, :] < tab.top[..., None]
        tab.status[used] = rng.choice([0, TENTATIVE, CONFIRMED], used.sum())
        tab.truth[used] = rng.integers(-1, n_t, used.sum())
        tab.truth[tab.status == 0] = -1
        r, s, i = np.nonzero((tab.status == TENTATIVE) & (tab.truth >= 0))
        expected = np.zeros((n_r, n_t), bool)
        expected[r, tab.truth[r, s, i]] = True
        out = np.zeros((n_r, n_t), bool)
        tentative_objects(tab.status, tab.truth, tab.top, out)
        assert (out == expected).all()
        assert expected.any() or n_r == 1


def test_node_counts_are_the_hold_and_placing_rules_and_ospa_by_definition():
    """A node's picture scores against the rules written out here in numpy, on random pictures laid out object by
    object (the engine's layout): it holds a track with a measurement whose state is at most its coast time old;
    it should hold a flying object that its feeding sensors place (one of those seeing it measures range, or two
    passive ones do of which one measures elevation); OSPA by scipy's optimal assignment. And bit for bit the
    sensors' scoring (picture_counts) of the same held tracks and objects to hold."""
    rng = np.random.default_rng(13)
    cases = np.zeros(4, np.int64)  # objects held and to hold, to hold and missed, held and not to hold, placed by
    #                                passive sensors alone
    for n_r, n_n, n_t, n_s in ((1, 1, 1, 1), (3, 4, 7, 5), (6, 5, 30, 8), (2, 3, 12, 6)):
        objects = rng.uniform(-30e3, 30e3, (n_t, 3))
        stored = np.zeros((n_r, n_t, n_n, 6))
        stored[..., :3] = objects[None, :, None] + rng.normal(0.0, 2500.0, (n_r, n_t, n_n, 3))  # (some beyond c)
        stored[..., 3:] = rng.normal(0.0, 200.0, (n_r, n_t, n_n, 3))
        x = stored.swapaxes(1, 2)
        updates = (rng.integers(1, 4, (n_r, n_t, n_n)) * (rng.random((n_r, n_t, n_n)) < 0.6)).astype(np.int32)
        updates = updates.swapaxes(1, 2)
        track_time = rng.uniform(75.0, 100.0, (n_r, n_t, n_n)).swapaxes(1, 2)
        coast = rng.uniform(0.0, 20.0, n_n)
        now = 100.0
        feeds = rng.random((n_r, n_n, n_s)) < 0.5
        seen = rng.random((n_s, n_t)) < 0.6
        ranging = rng.random(n_s) < (0.0 if n_r == 2 else 0.3)  # (the last case: passive sensors only)
        elevation = ~ranging & (rng.random(n_s) < 0.5)
        flying = rng.random((n_r, n_t)) < 0.8
        seen_objects, seers = np.nonzero(seen.T)
        seers_from = np.searchsorted(seen_objects, np.arange(n_t + 1))
        out = np.zeros((n_r, n_n, 6))
        node_counts(x, updates, track_time, now, coast, feeds, seers_from, seers, ranging, elevation, flying, objects,
                    5000.0, 2.0, out)

        held = (updates > 0) & (now - track_time <= coast[None, :, None])  # (R, n, T)
        fed = feeds[..., None] & seen[None, None]  # (R, n, S, T): fed by a sensor seeing the object
        placed = (fed & ranging[:, None]).any(axis=2) | (((fed & ~ranging[:, None]).sum(axis=2) >= 2)
                                                         & (fed & elevation[:, None]).any(axis=2))
        should = placed & flying[:, None, :]
        for r in range(n_r):
            for j in range(n_n):
                h = held[r, j]
                estimates = x[r, j, h, :3] + x[r, j, h, 3:] * (now - track_time[r, j, h])[:, None]
                assert out[r, j, 1:].tolist() == [should[r, j].sum(), (should & held)[r, j].sum()] + [h.sum()] * 3
                assert out[r, j, 0] == pytest.approx(ospa_by_assignment(estimates, objects[should[r, j]]), rel=1e-9,
                                                     abs=1e-6)
        cases += np.array([(should & held).sum(), (should & ~held).sum(), (held & ~should).sum(),
                           should.sum() if not ranging.any() else 0])

        scored = np.zeros_like(out)
        picture_counts(x, np.where(held, CONFIRMED, 0).astype(np.int8),
                       np.broadcast_to(np.arange(n_t, dtype=np.int64), held.shape), track_time,
                       np.full((n_r, n_n), n_t, np.int64), now, objects, should, 5000.0, 2.0, scored)
        assert (out == scored).all()
    assert (cases > 0).all(), cases
