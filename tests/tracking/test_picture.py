"""Each node's own picture (iadsim.tracking.picture.fuse_reports): reports fused as they arrive over paths
of different latencies, checked against a full 6-state Kalman filter written here; a report over a path
that is down is lost; one older than the node's track is discarded and counted."""

from __future__ import annotations

import numpy as np
import pytest
from tests.tracking._kalman import PERIOD, SPEED_VAR, Q, by_arrival, kalman

from iadsim.tracking.picture import BearingSensors, arrival_order, fuse_reports, next_arrival


class Node:
    """One replication, ``n_nodes`` nodes, one object; reports fed by hand."""

    def __init__(self, latency, feeds=None):
        self.latency = np.asarray(latency, float)  # (F, S)
        n_f, n_s = self.latency.shape
        self.feeds = np.ones((1, n_f, n_s), bool) if feeds is None else np.asarray(feeds, bool)[None]
        self.x, self.p = np.zeros((1, n_f, 1, 6)), np.zeros((1, n_f, 1, 3, 3))
        self.bearings = np.zeros((1, n_f, 1, 0, 4))  # no passive sensor
        self.passive = BearingSensors.of(np.zeros(n_s, bool), np.zeros((n_s, 3)), np.zeros(n_s, bool), np.ones(n_s))
        self.time = np.zeros((1, n_f, 1))
        self.updates, self.stale = np.zeros((1, n_f, 1), np.int64), np.zeros(1, np.int64)

    def fuse(self, sensors, times, z, var, clocks):
        """Reports (sorted by time) fused at each clock of ``clocks`` in turn, as the engine's cycle does."""
        n, sensors = len(times), np.asarray(sensors, np.int64)
        numbers = np.column_stack([times, var, z])
        order, reach = arrival_order(self.latency)
        arrived = np.zeros(n, np.int64)
        next_at = next_arrival(numbers[:, 0], sensors, arrived, self.latency, order, reach)
        for clock in clocks:
            fuse_reports(self.x, self.p, self.time, self.updates, self.stale, self.bearings, np.arange(n),
                         np.zeros(n, np.int64), sensors, np.zeros(n, np.int64), numbers,
                         self.latency, self.feeds, np.array([float(clock)]), arrived, next_at, order, reach,
                         Q, np.full(self.latency.shape[1], PERIOD), SPEED_VAR, self.passive)
        # (n, F) whether each report is done with at each node: reached it, or never will
        done = ~np.isfinite(self.latency.T[sensors])
        for i, s in enumerate(sensors):
            done[i, order[s, :arrived[i]]] = True
        assert np.array_equal(np.isinf(next_at), arrived == reach[sensors])
        return done

    @property
    def has(self):
        return self.updates > 0

    def covariance(self, f):
        pp, pv, vv = self.p[0, f, 0].T  # each (3,): per axis
        return np.block([[np.diag(pp), np.diag(pv)], [np.diag(pv), np.diag(vv)]])


def _reports(rng, n, period, sigma, start=0.0):
    times = start + period * np.arange(n)
    truth = np.array([1e3, 2e4, 500.0]) + np.outer(times, [150.0, -80.0, 0.0])
    return times, truth + rng.normal(0.0, sigma, size=(n, 3)), np.full(n, sigma**2)


def test_a_node_fuses_its_sensors_reports_in_time_order_as_they_arrive():
    """Two sensors (20 m and 200 m errors, looks every 1 s and 4 s), both reaching node 0 after 0.5 s and node 1
    only the coarse sensor after 3 s: each node's track equals the Kalman filter of the reports that have
    reached it, in time order, at every clock."""
    rng = np.random.default_rng(3)
    t_a, z_a, v_a = _reports(rng, 12, 1.0, 20.0, start=0.2)
    t_b, z_b, v_b = _reports(rng, 3, 4.0, 200.0, start=0.7)
    sensors = np.array([0] * len(t_a) + [1] * len(t_b))
    times, z, var = np.concatenate([t_a, t_b]), np.vstack([z_a, z_b]), np.concatenate([v_a, v_b])
    order = np.argsort(times, kind="stable")
    sensors, times, z, var = sensors[order], times[order], z[order], var[order]
    latency = np.array([[0.5, 0.5], [np.inf, 3.0]])
    for clock in (2.0, 5.3, 20.0):
        node = Node(latency)
        node.fuse(sensors, times, z, var, np.arange(0.0, clock + 1e-9, 0.1))
        for f in range(2):
            arrived = np.isfinite(latency[f, sensors]) & (times + latency[f, sensors] <= clock + 1e-9)
            assert node.has[0, f, 0] == arrived.any()
            if not arrived.any():
                continue
            x, P, t = kalman(list(zip(times[arrived], z[arrived], var[arrived], strict=True)))
            np.testing.assert_allclose(node.x[0, f, 0], x, rtol=1e-9, atol=1e-6)
            np.testing.assert_allclose(node.covariance(f), P, rtol=1e-9, atol=1e-9)
            assert node.time[0, f, 0] == t and node.updates[0, f, 0] == arrived.sum()
    assert node.stale[0] == 0


def test_a_report_reaching_a_node_after_a_later_one_is_discarded_and_counted():
    """Sensor 1's path takes 3 s, sensor 0's none: sensor 1's report of t = 1 arrives at t = 4, after sensor
    0's report of t = 2 has been fused: it is discarded (no retrodiction) and counted."""
    node = Node(np.array([[0.0, 3.0]]))
    z = np.array([[0.0, 0.0, 0.0], [10.0, 0.0, 0.0], [20.0, 0.0, 0.0]])
    done = node.fuse([0, 1, 0], [0.0, 1.0, 2.0], z, np.full(3, 100.0), [0.0, 1.0, 2.0, 3.0, 4.0])
    assert done.all() and node.stale[0] == 1 and node.updates[0, 0, 0] == 2
    x, P, _ = kalman([(0.0, z[0], 100.0), (2.0, z[2], 100.0)])
    np.testing.assert_allclose(node.x[0, 0, 0], x, rtol=1e-12)


def test_a_report_over_a_path_that_is_down_is_lost():
    """Node 0 is fed by sensor 0, node 1's path from it is down: node 1 never holds the object, and the report
    is done with at both (it does not wait for the path to come back)."""
    node = Node(np.array([[1.0], [1.0]]), feeds=[[True], [False]])
    done = node.fuse([0], [0.0], np.zeros((1, 3)), np.ones(1), [0.5, 1.0])
    assert node.has[0, :, 0].tolist() == [True, False] and done.all()
    node = Node(np.array([[1.0], [1.0]]))
    done = node.fuse([0], [0.0], np.zeros((1, 3)), np.ones(1), [0.5])  # not arrived yet: waits
    assert not node.has.any() and not done.any()


def _three_sensors(rng):
    """Reports of three sensors (every 1, 4 and 5 s; errors of 30, 100 and 300 m), in plot-time order: (sensors,
    times, positions, variances)."""
    parts = [_reports(rng, n, period, sigma, start) for n, period, sigma, start in
             ((40, 1.0, 30.0, 0.1), (10, 4.0, 100.0, 0.5), (8, 5.0, 300.0, 1.7))]
    sensors = np.concatenate([np.full(len(t), s) for s, (t, _, _) in enumerate(parts)])
    times = np.concatenate([t for t, _, _ in parts])
    z, var = np.vstack([p[1] for p in parts]), np.concatenate([p[2] for p in parts])
    order = np.argsort(times, kind="stable")
    return sensors[order], times[order], z[order], var[order]


def test_the_picture_does_not_depend_on_how_often_it_is_fused():
    """Three sensors over paths of 0.3 s, 2.5 s and 6 s to one node, reports crossing in flight: fused at 5,000
    random clocks or once at the end, the node's track is the same, and it is the track of the reports in
    arrival order with the late ones discarded."""
    rng = np.random.default_rng(11)
    latency = np.array([[0.3, 2.5, 6.0]])
    sensors, times, z, var = _three_sensors(rng)
    end = 50.0
    once, often = Node(latency), Node(latency)
    once.fuse(sensors, times, z, var, [end])
    often.fuse(sensors, times, z, var, np.sort(rng.uniform(0, end, 5000)).tolist() + [end])
    for name in ("x", "p", "time", "updates", "stale"):
        np.testing.assert_array_equal(getattr(once, name), getattr(often, name), err_msg=name)
    x, P, t, n, discarded = by_arrival(sensors, times, z, var, latency[0], end)
    assert discarded > 0 and once.stale[0] == discarded and once.updates[0, 0, 0] == n
    np.testing.assert_allclose(once.x[0, 0, 0], x, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(once.covariance(0), P, rtol=1e-9, atol=1e-9)
    assert once.time[0, 0, 0] == t


def test_crossed_paths_to_several_nodes_fuse_each_node_in_its_own_arrival_order():
    """Three sensors, three nodes, the paths crossed (the fastest sensor to one node is the slowest to another,
    one node hears only two of them): fused at 3,000 random clocks or once, each node's track is the same, and it
    is the track of the reports in that node's arrival order with its late ones discarded."""
    rng = np.random.default_rng(12)
    latency = np.array([[0.3, 2.5, 6.0], [6.0, 0.3, 2.5], [np.inf, 4.0, 0.2]])
    sensors, times, z, var = _three_sensors(rng)
    end = 50.0
    once, often = Node(latency), Node(latency)
    done = once.fuse(sensors, times, z, var, [end])
    often.fuse(sensors, times, z, var, np.sort(rng.uniform(0, end, 3000)).tolist() + [end])
    for name in ("x", "p", "time", "updates", "stale"):
        np.testing.assert_array_equal(getattr(once, name), getattr(often, name), err_msg=name)
    assert done.all()
    total = 0
    for f in range(3):
        heard = np.isfinite(latency[f, sensors])
        x, P, t, n, discarded = by_arrival(sensors[heard], times[heard], z[heard], var[heard], latency[f], end)
        total += discarded
        assert once.updates[0, f, 0] == n
        np.testing.assert_allclose(once.x[0, f, 0], x, rtol=1e-9, atol=1e-6)
        np.testing.assert_allclose(once.covariance(f), P, rtol=1e-9, atol=1e-9)
        assert once.time[0, f, 0] == t
    assert total > 0 and once.stale[0] == total


def _bearing_picture(latency, sensors, numbers, passive, clock, held=None):
    """Nodes (latencies (F, S)) fusing the passive reports ``numbers`` of ``sensors`` (one object, one replication)
    at every half second up to ``clock``, holding the bearings ``held`` (F, P, 4) beforehand (None: none): (x, p,
    time, updates, stale, bearings)."""
    n_f = latency.shape[0]
    x, p = np.zeros((1, n_f, 1, 6)), np.zeros((1, n_f, 1, 3, 3))
    bearings = np.zeros((1, n_f, 1, len(passive.sensor), 4))
    bearings[..., 0] = -np.inf
    if held is not None:
        bearings[0, :, 0] = held
    time, updates, stale = np.zeros((1, n_f, 1)), np.zeros((1, n_f, 1), np.int64), np.zeros(1, np.int64)
    order, reach = arrival_order(latency)
    n = len(sensors)
    arrived = np.zeros(n, np.int64)
    next_at = next_arrival(numbers[:, 0], sensors, arrived, latency, order, reach)
    for now in [*np.arange(0.5, clock, 0.5), clock]:  # fused every half second, as the engine's cycle does
        fuse_reports(x, p, time, updates, stale, bearings, np.arange(n), np.zeros(n, np.int64), sensors,
                     np.zeros(n, np.int64), numbers, latency, np.ones((1, n_f, latency.shape[1]), bool),
                     np.array([now]), arrived, next_at, order, reach, Q, np.full(latency.shape[1], PERIOD),
                     SPEED_VAR, passive)
    return x, p, time, updates, stale, bearings


def _stations():
    """Three ESM stations (the second measures no elevation) reporting an emitter flying north-east, each every
    2 s, offset: (reports' numbers, their sensors, the BearingSensors, each station's bearing error [rad])."""
    from iadsim.tracking.scan import ANGLE_RANGE

    rng = np.random.default_rng(21)
    origin = np.array([[0.0, 0.0, 10.0], [40e3, 0.0, 20.0], [20e3, 35e3, 15.0]])
    passive = BearingSensors.of(np.ones(3, bool), origin, np.array([True, False, True]), np.full(3, 3.0))
    sigma = np.radians([0.5, 1.0, 0.7])
    rows, sensors = [], []
    for k in range(30):  # each station every 2 s, offset; the emitter flies north-east
        for s in range(3):
            at = 2.0 * k + 0.3 * s
            target = np.array([15e3, 12e3, 3e3]) + at * np.array([120.0, 90.0, 0.0])
            d = target - origin[s]
            brg = np.arctan2(d[0], d[1]) + rng.normal(0.0, sigma[s])
            el = np.arctan2(d[2], np.hypot(d[0], d[1])) + rng.normal(0.0, sigma[s])
            point = origin[s] + ANGLE_RANGE * np.array([np.sin(brg) * np.cos(el), np.cos(brg) * np.cos(el),
                                                        np.sin(el)])
            rows.append([at, (ANGLE_RANGE * sigma[s]) ** 2, *point])
            sensors.append(s)
    numbers, sensors = np.array(rows), np.array(sensors, np.int64)
    return numbers, sensors, passive, sigma


def test_nodes_holding_different_bearings_each_triangulate_their_own():
    """A report reaching several nodes is triangulated once for the nodes that hold the same bearings (the fix
    is kept with them), never for a node whose bearings differ. Three ESM stations, five nodes hearing different
    ones over different paths (one a copy of another): fused together, each node's track and bearings are bit for
    bit those it gets fused alone, and the nodes that heard different bearings hold different tracks."""
    numbers, sensors, passive, _ = _stations()
    inf = np.inf
    latency = np.array([[0.1, 0.2, inf], [0.1, 0.2, 0.3], [0.1, 0.2, 0.3], [0.1, 3.5, 0.3], [1.0, 0.2, 0.3]])
    together = _bearing_picture(latency, sensors, numbers, passive, 100.0)
    for f in range(len(latency)):
        alone = _bearing_picture(latency[f:f + 1], sensors, numbers, passive, 100.0)
        for name, a, b in zip(("x", "p", "time", "updates", "bearings"), together[:4] + together[5:],
                              alone[:4] + alone[5:], strict=True):
            np.testing.assert_array_equal(a[:, f:f + 1], b, err_msg=f"node {f}: {name}")
    x = together[0][0, :, 0]
    assert together[3][0, :, 0].min() > 5  # every node placed the emitter many times
    np.testing.assert_array_equal(x[1], x[2])  # the same bearings: the same track
    for a, b in ((0, 1), (1, 3), (0, 3), (1, 4), (3, 4)):
        assert not np.array_equal(x[a], x[b]), (a, b)


@pytest.mark.parametrize("field", ["time", "bearing", "elevation", "variance"])
def test_a_report_reaching_nodes_that_hold_another_stations_bearing_differently_is_crossed_for_each(field):
    """Two nodes hold a bearing of one station that differs in one ``field`` only (its time, the bearing, the
    elevation (measured or not) or its variance) when another station's report reaches both at once: each node's
    fix is its own, bit for bit the one it gets fused alone, as of its latest bearing, and the two differ."""
    numbers, sensors, passive, sigma = _stations()
    held = np.full((2, 3, 4), -np.inf)
    held[:, :, 1:] = 0.0
    held[:, 0] = [1.0, np.radians(40.0), np.radians(3.0), sigma[0] ** 2]
    column = {"time": 0, "bearing": 1, "elevation": 2, "variance": 3}[field]
    held[1, 0, column] = {"time": 1.5, "bearing": np.radians(44.0), "elevation": np.nan,
                          "variance": 4 * sigma[0] ** 2}[field]
    i = np.flatnonzero(sensors == 1)[:1]
    paths = np.full((2, 3), 0.5)
    together = _bearing_picture(paths, sensors[i], numbers[i], passive, 1.0, held)
    for f in range(2):
        alone = _bearing_picture(paths[f:f + 1], sensors[i], numbers[i], passive, 1.0, held[f:f + 1])
        for a, b in zip(together, alone, strict=True):
            np.testing.assert_array_equal(a[:, f:f + 1] if a.ndim > 1 else a, b)
    assert (together[3][0, :, 0] == 1).all()
    # the fix is as of its latest bearing (the held one, later than the report that arrives)
    assert numbers[i, 0] < 1.0 and together[2][0, :, 0].tolist() == [1.0, 1.5 if field == "time" else 1.0]
    assert not np.array_equal(together[0][0, 0], together[0][0, 1]) or not np.array_equal(together[1][0, 0],
                                                                                           together[1][0, 1])


def _nees_of_a_node(rng, periods, offsets, q, density, sigma, runs, span):
    """A node fed over instant paths by sensors of look ``periods`` [s] (first looks at ``offsets``), its doctrine's
    acceleration variance ``q`` [m^2/s^4], each plot of error ``sigma`` [m] per axis, of a target moving as the CWNA
    process of ``density`` [m^2/s^3] (drawn here, exactly, between the plots; its velocity first drawn as a new
    track's is assumed), ``runs`` replications for ``span`` seconds: each replication's normalised estimation error
    squared of the node's last state (6 values)."""
    looks = [np.arange(o, span, p) for p, o in zip(periods, offsets, strict=True)]
    order = np.argsort(np.concatenate(looks), kind="stable")
    times = np.concatenate(looks)[order]
    sensors = np.concatenate([np.full(len(t), s) for s, t in enumerate(looks)])[order]
    n = len(times)
    truth = np.zeros((runs, n, 6))
    truth[:, 0, 3:] = rng.normal(0.0, np.sqrt(SPEED_VAR), (runs, 3))
    for i in range(1, n):
        h = times[i] - times[i - 1]
        lower = np.linalg.cholesky(density * np.array([[h**3 / 3, h**2 / 2], [h**2 / 2, h]]))
        w = rng.normal(size=(runs, 3, 2)) @ lower.T  # per axis (position, velocity)
        truth[:, i, :3] = truth[:, i - 1, :3] + h * truth[:, i - 1, 3:] + w[..., 0]
        truth[:, i, 3:] = truth[:, i - 1, 3:] + w[..., 1]
    z = truth[:, :, :3] + rng.normal(0.0, sigma, (runs, n, 3))
    numbers = np.concatenate([np.broadcast_to(np.column_stack([times, np.full(n, sigma**2)]), (runs, n, 2)), z],
                             axis=2).reshape(-1, 5)
    rows = np.repeat(np.arange(runs), n)
    sensor = np.tile(sensors, runs).astype(np.int64)
    latency = np.zeros((1, len(periods)))
    x, p = np.zeros((runs, 1, 1, 6)), np.zeros((runs, 1, 1, 3, 3))
    time, updates = np.zeros((runs, 1, 1)), np.zeros((runs, 1, 1), np.int64)
    order, reach = arrival_order(latency)
    arrived = np.zeros(len(rows), np.int64)
    next_at = next_arrival(numbers[:, 0], sensor, arrived, latency, order, reach)
    passive = BearingSensors.of(np.zeros(len(periods), bool), np.zeros((len(periods), 3)),
                                np.zeros(len(periods), bool), np.asarray(periods, float))
    fuse_reports(x, p, time, updates, np.zeros(runs, np.int64), np.zeros((runs, 1, 1, 0, 4)), np.arange(len(rows)),
                 rows, sensor, np.zeros(len(rows), np.int64), numbers, latency, np.ones((runs, 1, len(periods)), bool),
                 np.full(runs, span), arrived, next_at, order, reach, q, np.asarray(periods, float), SPEED_VAR, passive)
    assert (updates[:, 0, 0] == n).all() and (time[:, 0, 0] == times[-1]).all()
    error = x[:, 0, 0] - truth[:, -1]
    nees = np.zeros(runs)
    for a in range(3):  # per axis: (position, velocity) error against its 2 x 2 covariance
        pp, pv, vv = p[:, 0, 0, a].T
        e, v = error[:, a], error[:, 3 + a]
        nees += (vv * e * e - 2 * pv * e * v + pp * v * v) / (pp * vv - pv * pv)
    return nees


NEES_CASES = {  # the radars feeding the node: their look periods [s] and first looks [s] (120 s: never)
    "1 radar": ([4.0], [0.0]),
    "4 radars reporting in turn": ([4.0] * 4, [0.0, 1.0, 2.0, 3.0]),
    "4 radars reporting in turn, and a 1 s radar not seeing the target": ([1.0] + [4.0] * 4,
                                                                         [120.0, 0.0, 1.0, 2.0, 3.0]),
}


@pytest.mark.validation
@pytest.mark.parametrize("case", list(NEES_CASES))
def test_a_nodes_track_is_consistent_however_many_radars_report_it(case, validation):
    """A target manoeuvring as the doctrine's process noise describes it (acceleration variance q over a sensor's
    look period T: CWNA of density q T, Bar-Shalom et al. 2001 sec. 6.2.2 and 6.3.2), reported by one radar looking
    every 4 s or by four, their looks staggered by 1 s, and the node fed by a faster radar too that never sees the
    target: the node's estimate is consistent in each, its mean normalised estimation error squared (NEES, 6
    states, 4,000 replications) inside the chi-square 99 % interval (Bar-Shalom et al. 2001 sec. 5.4.2). With the
    discrete model at the node (DWNA over the time between reports) four radars gave a quarter of the target's
    velocity noise per second (NEES 14.7); with the node's fastest feeding sensor's period for every report, the
    four with a blind 1 s radar gave NEES 14.4."""
    from scipy.stats import chi2

    runs, dof = 4000, 6
    q, period = 4.0, 4.0  # the doctrine's acceleration variance [m^2/s^4], the radars' look period [s]
    periods, offsets = NEES_CASES[case]
    nees = _nees_of_a_node(np.random.default_rng(list(NEES_CASES).index(case) + 21), periods, offsets, q,
                           q * period, 50.0, runs, 120.0)
    low, high = chi2.ppf([0.005, 0.995], dof * runs) / runs
    validation(f"node picture NEES, {case}", "Bar-Shalom, Li & Kirubarajan 2001, "
               "sec. 5.4.2: chi-square 99 % interval of the mean NEES", nees.mean(), dof,
               abs=max(high - dof, dof - low))


def test_a_node_unseen_for_a_long_gap_grows_its_velocity_error_as_the_acceleration_held():
    """Predicted over a gap h longer than the reporting sensor's look period T, a node's track takes CWNA of density
    q h: its velocity variance grows by q h^2 (DWNA's over h: the acceleration held, as a sensor's own track holds it
    over a look), not q T h; over h up to T, density q T. Two reports 40 s (then 0.5 s) apart from a sensor looking
    every 1.5 s: checked against the covariance worked out here."""
    node = Node(np.array([[0.0]]))
    node.fuse([0], [0.0], np.zeros((1, 3)), np.full(1, 100.0), [0.0])
    p0 = node.p[0, 0, 0, 0].copy()
    z = np.array([[1.0, 0.0, 0.0], [2.0, 0.0, 0.0]])
    for h, density in ((40.0, Q * 40.0), (0.5, Q * PERIOD)):
        one = Node(np.array([[0.0]]))
        one.fuse([0, 0], [0.0, h], np.vstack([np.zeros(3), z[0]]), np.full(2, 100.0), [h])
        pp, pv, vv = p0  # the first plot's, predicted h ahead by hand, then updated by the second
        pp, pv, vv = (pp + 2 * h * pv + h * h * vv + density * h**3 / 3, pv + h * vv + density * h * h / 2,
                      vv + density * h)
        s_ = pp + 100.0
        np.testing.assert_allclose(one.p[0, 0, 0, 0], [pp * 100.0 / s_, pv * 100.0 / s_, vv - pv * pv / s_],
                                   rtol=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_next_arrival_is_the_next_node_in_arrival_order(seed):
    """Each report's next arrival: its plot time plus the latency to the first node of its sensor's arrival order
    it has not reached yet, found here by sorting each sensor's finite latencies (inf: reached all it will)."""
    g = np.random.default_rng(seed)
    latency = g.choice([0.0, 0.5, 2.0, 7.5, np.inf], (6, 4))
    order, reach = arrival_order(latency)
    sensors = g.integers(0, 4, 50).astype(np.int64)
    times = g.uniform(0, 100, 50)
    arrived = np.array([g.integers(0, reach[s] + 1) for s in sensors], np.int64)
    expected = np.full(50, np.inf)
    for i, s in enumerate(sensors):
        nodes = np.flatnonzero(np.isfinite(latency[:, s]))
        ahead = np.sort(latency[nodes, s], kind="stable")
        if arrived[i] < len(ahead):
            expected[i] = times[i] + ahead[arrived[i]]
    np.testing.assert_array_equal(next_arrival(times, sensors, arrived, latency, order, reach), expected)
    assert np.isfinite(expected).any() and np.isinf(expected).any()
    none = np.zeros((0, 4))
    assert np.isinf(next_arrival(times, sensors, np.zeros(50, np.int64), none, *arrival_order(none))).all()
