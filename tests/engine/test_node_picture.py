"""Each node's own picture in the engine (issue 19): at the end of every step a fire unit's or a command post's
track of an object is the Kalman filter, written here, of the reports its feeding sensors' confirmed tracks sent
that have reached it over its links by then (a command post's processing included), in the order they arrived
(one older than the track discarded); a node no sensor feeds holds nothing."""

from __future__ import annotations

import numpy as np
from tests.tracking._kalman import by_arrival

from iadsim.engine import Engine, build_world, phases

from ._scenarios import networked


def _steady_network(make_scenario):
    """The networked scenario with every unit and link up all the time (feeds never change)."""
    data = networked()
    for unit in data["units"]:
        unit.pop("readiness", None)
    data["links"] = [{k: v for k, v in link.items() if k != "availability"} for link in data["links"]]
    return build_world(make_scenario(data))


def test_a_fire_units_track_is_the_kalman_filter_of_the_reports_that_reached_it(make_scenario):
    world = _steady_network(make_scenario)
    engine = Engine(world, np.arange(3), seed=5, events=False)
    ctx, st = engine.ctx, engine.state
    assert ctx.process_noise > 0
    latency = np.vstack([world.latency, world.post_latency])  # (N, S): fire units, then command posts
    assert world.post_ids and np.isfinite(world.post_latency).any()
    reports = []  # (row, sensor, object, time, z, variance)
    checked = lagged = crossed = posts = 0
    # each report's process noise is set by its sensor's look period: sensors of different periods feed one node
    assert any(len(np.unique(world.look_period[np.isfinite(row)])) > 1 for row in latency)
    for k in range(len(world.times)):
        engine.step()
        for ids, numbers in st.tracks.reports:
            reports += [(int(i[0]), int(i[1]), int(i[2]), n[0], n[2:5].copy(), n[1]) for i, n in zip(ids, numbers,
                                                                                                   strict=True)]
        end = phases.window(ctx, k)[1]
        if k % 20 or not reports:
            continue
        r_, s_, t_, at = (np.array([rep[j] for rep in reports]) for j in range(4))
        z_ = np.array([rep[4] for rep in reports])
        var_ = np.array([rep[5] for rep in reports])
        for f in range(len(latency)):
            for r in range(3):
                for t in range(len(world.target_ids)):
                    mine = np.flatnonzero((r_ == r) & (t_ == t) & np.isfinite(latency[f, s_]))
                    x, P, when, n, discarded = by_arrival(s_[mine], at[mine], z_[mine], var_[mine], latency[f],
                                                          end - 1e-9, ctx.process_noise, ctx.initial_speed_sigma**2,
                                                          world.look_period)
                    # (what arrived before the end)
                    assert (st.picture.updates[r, f, t] > 0) == (n > 0)
                    if not n:
                        continue
                    np.testing.assert_allclose(st.picture.x[r, f, t], x, rtol=1e-6, atol=1e-3)
                    np.testing.assert_allclose(st.picture.p[r, f, t], [[P[a, a], P[a, a + 3], P[a + 3, a + 3]]
                                                                       for a in range(3)], rtol=1e-6, atol=1e-6)
                    assert st.picture.track_time[r, f, t] == when and st.picture.updates[r, f, t] == n
                    checked += 1
                    posts += f >= len(world.fire_ids)
                    lagged += int(len(np.unique(latency[f, s_[mine]])) > 1)
                    crossed += discarded
    assert checked > 100
    assert posts > 10  # command posts' tracks were among them
    assert lagged > 10  # tracks fed over paths of different latencies were among them ...
    assert crossed > 0  # ... and reports that crossed in flight, discarded at the fire unit


def test_the_nodes_tracks_of_one_object_lie_together_in_memory(make_scenario):
    """The pictures are indexed (R, N, T, ...) and stored (R, T, N, ...): a report fanning out to many nodes
    touches one object's neighbouring tracks (phases.by_object), a node's track of an object keeps its state and
    covariance in one record (phases.TRACK) and its time and update count in compact arrays of the same layout, and a
    node's latest bearings of an object keep their times together; the values are the engine's either way (the tests
    above)."""
    from numpy.lib.array_utils import byte_bounds

    from .test_triangulation import _world

    pic = Engine(_steady_network(make_scenario), np.arange(2), seed=5, events=False).state.picture
    R, N, T = pic.updates.shape
    assert N > 1 and T > 1
    size = phases.TRACK.itemsize
    # (fuse_reports asks for a record's lines at offsets 0, 64 and 112: the layout they assume, 6 then 3 x 3 doubles)
    assert phases.TRACK.names == ("x", "p") and size == (6 + 9) * 8 and phases.TRACK.fields["p"][1] == 6 * 8
    fields = (pic.x, (6,)), (pic.p, (3, 3))
    for a, tail in fields:
        assert a.shape == (R, N, T) + tail
        assert a.strides[1] == size and a.strides[2] == N * size and a.strides[0] == T * N * size
    for r, n, t in ((0, 0, 0), (1, N - 1, T - 1), (1, 1, 0)):  # one track's state and covariance in one record
        bounds = [byte_bounds(a[r:r + 1, n:n + 1, t:t + 1]) for a, _ in fields]
        assert max(high for _, high in bounds) - min(low for low, _ in bounds) <= size
    for a, dtype in ((pic.track_time, np.float64), (pic.updates, np.int32)):  # compact, one object's nodes together
        item = np.dtype(dtype).itemsize
        assert a.shape == (R, N, T) and a.dtype == dtype
        assert a.strides == (T * N * item, item, N * item)
    world = _world(make_scenario)  # two passive sensors
    bearings = Engine(world, np.arange(2), seed=5, events=False).state.picture.bearings
    P = int((~world.ranging).sum())
    assert P == 2 and bearings.shape[3:] == (P, 4)
    assert bearings.strides[3:] == (8, 8 * P)  # the P times of a node's latest bearings of an object together
    filled = phases.by_object((2, 3, 4, 5), -np.inf, float)
    stored = np.empty((2, 4, 3, 5)).strides  # (R, T, N, 5) in C order, its N and T axes then swapped
    assert filled.shape == (2, 3, 4, 5) and (filled == -np.inf).all()
    assert filled.strides == (stored[0], stored[2], stored[1], stored[3])
