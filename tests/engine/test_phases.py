"""Engine phases driven one at a time: on fakes (a world and groups built here), and on a real engine's
state set by hand in the middle of a run. What a phase does is checked against arithmetic written here,
and State.check() catches a state that breaks its invariants."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from iadsim.engine import Engine, build_world, phases
from iadsim.engine.phases import channel_groups
from iadsim.engine.state import InvariantError, Phase, SensorTracks
from iadsim.engine.world import Looks
from iadsim.tracking import FREE
from iadsim.tracking.scan import SensorTrackTable

from ._scenarios import point_defence


@pytest.fixture
def engine(make_scenario):
    world = build_world(make_scenario(point_defence(duration="15 min")))  # long enough for the drones to arrive
    return Engine(world, [0], seed=1)  # the default acquisition basket, 1 km


def _now(engine) -> tuple[np.ndarray, np.ndarray]:
    """(clock, rows) of the one replication at the time sample of the engine's current step."""
    return np.array([engine.w.times[engine.state.time_index]]), np.array([0])


def _assess(engine) -> None:
    st = engine.state
    phases.assess(engine.ctx, st.time_index, st, *_now(engine))


def _arriving(engine, aim_offset: float):
    """One salvo of fire unit 0 at the first drone, due now at step k, aimed ``aim_offset`` m east of it."""
    w, st = engine.w, engine.state
    t = 0
    k = int(np.flatnonzero(w.active[:, t])[10])
    st.time_index = k
    group, _ = channel_groups(w)
    eng = st.engagements
    eng.phase[0, t], eng.fire[0, t], eng.due[0, t], eng.rounds[0, t] = Phase.FLYING, 0, w.times[k], 2
    eng.aim[0, t] = w.position[k, t] + np.array([aim_offset, 0.0, 0.0])
    st.batteries.guiding[0, group[0]] = 2
    st.readiness.unit_up[0, :] = True
    st.readiness.able[0, 0] = True
    return k, t, group[0]


def test_a_salvo_aimed_outside_the_basket_misses_by_its_aim_error(engine):
    k, t, g = _arriving(engine, 5000.0)
    _assess(engine)
    ev = engine.events.iloc[-1]
    assert ev.kind == "miss" and ev.reason == "aim_error" and ev.miss_distance == pytest.approx(5000.0)
    np.testing.assert_allclose([ev.x, ev.y, ev.z], engine.w.position[k, t])  # where the target was
    st = engine.state
    assert st.outcomes.alive[0, t] and st.batteries.guiding[0, g] == 0  # its channels are free again
    kill_assessment = engine.w.scenario.spec.doctrine.kill_assessment_time
    assert st.engagements.phase[0, t] == Phase.ASSESSING
    assert st.engagements.due[0, t] == pytest.approx(engine.w.times[k] + kill_assessment)


def test_a_salvo_on_its_aim_point_kills_or_fails_only_by_the_warhead(engine):
    _, t, _ = _arriving(engine, 0.0)
    _assess(engine)
    ev = engine.events.iloc[-1]
    assert ev.miss_distance == pytest.approx(0.0, abs=1e-6)
    assert (ev.kind == "kill" and not engine.state.outcomes.alive[0, t]) or ev.reason == "warhead"


@pytest.mark.parametrize("aim_offset", [0.0, 5000.0])
def test_a_salvo_at_a_target_that_leaked_meanwhile_misses_it(engine, aim_offset):
    """Gone, whatever the aim: a salvo aimed where a target that has reached its route's end did not fly was
    counted an aim error (a step audit found shots at a leaked cruise missile inflating the aim errors)."""
    _, t, _ = _arriving(engine, aim_offset)
    engine.state.outcomes.leaked[0, t] = True
    _assess(engine)
    ev = engine.events.iloc[-1]
    assert ev.kind == "miss" and ev.reason == "target_gone" and engine.state.outcomes.kills[0] == 0


def test_state_check_names_each_broken_invariant(engine):
    st = engine.state
    magazine = st.batteries.missiles[0].copy()
    channels = np.full(st.batteries.guiding.shape[1], 4)
    st.check(magazine, channels)  # as built
    st.batteries.missiles[0, 0] = -1
    st.batteries.busy[0, 1] = True  # busy with no pending engagement
    with pytest.raises(InvariantError, match="magazine") as caught:
        st.check(magazine, channels)
    assert "busy without a pending engagement" in str(caught.value)
    st.batteries.missiles[0, 0], st.batteries.busy[0, 1] = magazine[0], False
    tab = st.tracks.table
    tab.truth[0, 0, 0] = 3  # a free slot naming an object
    tab.status[0, 0, 5], tab.top[0, 0] = 2, 5  # a confirmed track at the top
    with pytest.raises(InvariantError, match="free track slot names") as caught:
        st.check(magazine, channels)
    assert "at or above the sensor's top" in str(caught.value)
    tab.truth[0, 0, 0], tab.status[0, 0, 5], tab.top[0, 0] = -1, 0, 0
    st.check(magazine, channels)  # mended
    st.batteries.engaging[0, 0] = 1  # a target engaged with no missile in flight
    with pytest.raises(InvariantError, match="engages more targets"):
        st.check(magazine, channels)
    st.batteries.guiding[0, 0] = 3
    st.check(magazine, channels)
    with pytest.raises(InvariantError, match="engages more targets"):
        st.check(magazine, channels, np.zeros_like(channels))  # no target channel at all


def _pending(engine, k: int, t: int = 0, f: int = 0, known: bool = True):
    """A pending engagement of fire unit f (its own radar guides it) at target t, due now at step k; with
    ``known`` the radar holds a confirmed track of it (so the fire unit knows it, if the radar sees it)."""
    w, st = engine.w, engine.state
    st.time_index = k
    eng = st.engagements
    eng.phase[0, t], eng.fire[0, t], eng.due[0, t], eng.decision[0, t] = Phase.PENDING, f, w.times[k], 0.0
    st.batteries.busy[0, f] = True
    s = w.sensor_ids.index(w.fire_ids[f])
    st.readiness.unit_up[0, :] = True
    st.readiness.able[0, f] = True
    st.readiness.feeds[0, f, s] = st.readiness.guides[0, f, s] = True
    if known:
        st.tracks.confirmed_at[0, s, t] = 0.0
    return s


def _lost_reason(engine) -> str:
    ev = engine.events
    (lost,) = ev[ev["kind"] == "lost"].itertuples()
    return lost.reason


@pytest.fixture
def far_and_seen(engine):
    """A step at which the first drone is seen by fire unit 0's radar but 1.2 times its missile's maximum range
    away (a slow drone's intercept cannot come that much nearer), and one at which it is seen within 0.6 times."""
    w, t = engine.w, 0
    s = w.sensor_ids.index(w.fire_ids[0])
    max_range = w.missile[0].max_range.value  # the catalog's sr-missile: 20 km
    distance = np.linalg.norm(w.position[:, t, :2] - w.fire_position[0, :2], axis=-1)
    seen = w.visible[:, s, t] & w.active[:, t]
    far = np.flatnonzero(seen & (distance > 1.2 * max_range))
    near = np.flatnonzero(seen & (distance < 0.6 * max_range))
    assert len(far) and len(near)
    return int(far[0]), int(near[0])


@pytest.mark.parametrize("broken,reason", [
    ("leaked", "target_gone"), ("unit-down", "unit_down"), ("chain", "chain_broken"), ("no-track", "not_in_picture"),
    ("far", "outside_envelope"), ("empty", "no_missiles"), ("channels", "no_channel"),
    ("targets", "no_target_channel")])
def test_an_authorised_engagement_that_cannot_fire_is_lost_with_its_first_reason(engine, far_and_seen, broken,
                                                                                 reason):
    far, near = far_and_seen
    st, w = engine.state, engine.w
    k = far if broken == "far" else near
    _pending(engine, k, known=broken != "no-track")
    if broken == "leaked":
        st.outcomes.leaked[0, 0] = True
    elif broken == "unit-down":
        st.readiness.unit_up[0, w.fire_unit[0]] = False
    elif broken == "chain":
        st.readiness.able[0, 0] = False
    elif broken == "empty":
        st.batteries.missiles[0, 0] = 0
    elif broken == "channels":
        group, capacity = channel_groups(w)
        st.batteries.guiding[0, group[0]] = capacity[group[0]]
    elif broken == "targets":  # every target channel taken, guidance channels free
        group, _ = channel_groups(w)
        st.batteries.engaging[0, group[0]] = engine.ctx.target_channels[group[0]]
    phases.authorise(engine.ctx, engine.state.time_index, engine.state, *_now(engine))
    if engine.state.engagements.phase[0, 0] == Phase.CLEARED:
        pytest.fail("the operator vetoed a hostile drone (p_hostile_as_civil is 0 in this scenario)")
    assert _lost_reason(engine) == reason
    assert engine.state.engagements.phase[0, 0] == Phase.IDLE and not engine.state.batteries.busy[0, 0]
    lost = engine.events.iloc[-1]
    np.testing.assert_allclose([lost.x, lost.y, lost.z], w.position[k, 0])  # where the target was


def test_an_authorised_engagement_that_can_fire_launches(engine, far_and_seen):
    _, near = far_and_seen
    _pending(engine, near)
    before = engine.state.batteries.missiles[0, 0]
    phases.authorise(engine.ctx, engine.state.time_index, engine.state, *_now(engine))
    launch = engine.events.iloc[-1]
    assert launch.kind == "launch" and launch.unit == engine.w.fire_unit[0] and launch.target == 0
    assert engine.state.batteries.missiles[0, 0] == before - launch.missiles
    # aimed at the intercept: where the target will be after the time of flight, give or take the track's error
    aim = np.array([launch.x, launch.y, launch.z])
    k = near
    truth = engine.w.position[k, 0] + engine.w.velocity[k, 0] * launch.time_of_flight
    assert np.linalg.norm(aim - truth) < 1000.0
    assert launch.track in (-1, 0)  # tracks are keyed by target until real tracks land


def test_an_engagement_its_own_track_puts_outside_the_envelope_is_lost(engine, far_and_seen):
    """The truth's intercept is inside the envelope; the fire unit's own track holds the target still, 500 m beyond
    the missile's longest range (within it plus the 1 km basket, so not a certain miss by that rule): the crew's
    own computation puts the intercept outside, and the engagement is lost as outside_envelope, nothing launched
    (the truth's envelope alone launched it)."""
    _, near = far_and_seen
    _pending(engine, near)
    w, pic, t = engine.w, engine.state.picture, 0
    max_range = w.missile[0].max_range.value
    bearing = w.position[near, t, :2] - w.fire_position[0, :2]
    pic.x[0, 0, t, :2] = w.fire_position[0, :2] + bearing / np.linalg.norm(bearing) * (max_range + 500.0)
    pic.x[0, 0, t, 2], pic.x[0, 0, t, 3:] = w.position[near, t, 2], 0.0
    pic.track_time[0, 0, t], pic.updates[0, 0, t] = w.times[near], 5
    before = engine.state.batteries.missiles[0, 0]
    phases.authorise(engine.ctx, engine.state.time_index, engine.state, *_now(engine))
    assert _lost_reason(engine) == "outside_envelope"
    assert engine.state.batteries.missiles[0, 0] == before


def test_a_leak_is_logged_where_the_threat_reached_its_asset(engine):
    world = engine.w
    engine.state.readiness.unit_up[:] = False  # nothing defends: every threat that arrives leaks
    engine.state.readiness.able[:] = False
    while engine.state.time_index < len(world.times):
        engine.step()
    leaks = engine.events[engine.events["kind"] == "leak"]
    arriving = (~world.civil) & (world.asset_of >= 0) & world.arrived[-1]
    assert len(leaks) == arriving.sum() > 0
    for e in leaks.itertuples():  # at the moment it arrives, not at the next time sample
        flight = world.target_flight[e.target]
        j = [t for t in range(len(world.target_ids)) if world.target_flight[t] is flight].index(e.target)
        route, speed = world.scenario.routes[flight.id], world.scenario.speeds[flight.id][0]
        # each drone of a raid takes off `spacing` after the one before and flies one straight leg at its speed
        arrival = flight.start + j * flight.spacing + np.hypot(*(route[-1, :2] - route[0, :2])) / speed
        assert e.time == pytest.approx(arrival)
        np.testing.assert_allclose([e.x, e.y], route[-1, :2])
    assert (leaks.time % world.step > 1e-6).any()  # between the time samples, not rounded up to the next


def _fake_sensing(pd_by_step: list[list[float]], up: bool = True):
    """One sensor that looks once a second, at whole seconds, at two targets, in 1 s steps: a fake world,
    readiness, tracks and outcomes."""
    from types import SimpleNamespace

    pd = np.array(pd_by_step, np.float32)[:, None, :]  # (K, S=1, T=2)
    K, T = pd.shape[0], pd.shape[2]
    position = np.broadcast_to(np.array([[10e3, 0.0, 1e3], [-10e3, 0.0, 1e3]]), (K, T, 3))  # 20 km apart
    world = SimpleNamespace(look_period=np.array([1.0]), sensor_unit=np.array([0]), sensing=np.array([True]),
                            part_time=np.array([False]),
                            looks=Looks.from_dense(pd, np.ones((K, 1, T), bool), np.full((K, 1, T), 10.0)),
                            target_ids=["a", "b"], active=np.ones((K, T), bool), starts_within=np.zeros(K, bool),
                            route_changes=np.zeros(K, bool),
                            start_time=np.zeros(T),
                            arrival_time=np.full(T, np.inf),
                            civil=np.zeros(T, bool), threat=np.ones(T, bool), times=np.arange(K, dtype=float),
                            position=position,
                            velocity=np.zeros((K, T, 3)), height_agl=np.full((K, T), 1e3, np.float32),
                            sensor_position=np.zeros((1, 3)), sensors=[], ranging=np.array([True]),
                            scenario=SimpleNamespace(spec=SimpleNamespace(duration=K - 1.0)))
    ctx = SimpleNamespace(world=world, keys=np.arange(1, 4, dtype=np.uint64), confirm=(2, 3), drop_after=3, lags=[],
                          resolution=np.zeros((1, 3)), false_plots=np.zeros(1), no_false_plot=np.ones(1),
                          gate=11.34,  # the chi-square 99 % point for 3 degrees of freedom (tables: 11.345)
                          process_noise=1.0, initial_speed_sigma=300.0, angle_sigma=np.zeros((1, 2)),
                          plot_errors=np.full((1, 2), np.nan), ranged_plots=np.zeros(1, bool),  # (NaN: no own errors)
                          part_time=False,
                          shutdowns=False, misaligned=False, passive_plots=False, looks_now=(-1, None),
                          paths_now=(-1, None))
    readiness = SimpleNamespace(unit_up=np.full((3, 1), up))
    tracks = SensorTracks(phase=np.zeros((3, 1)), table=SensorTrackTable.empty(3, 1, 8), dropped=np.zeros(3, np.int64),
                          false_confirmed=np.zeros(3, np.int64), swaps=np.zeros(3, np.int64),
                          breaks=np.zeros(3, np.int64), confirmed_at=np.full((3, 1, T), np.inf),
                          held_since=np.full((3, 1, T), np.inf), held_until=np.full((3, 1, T), -np.inf),
                          reports=[], deliveries=(np.zeros(0, int), np.zeros(0, int), np.zeros(0)))
    outcomes = SimpleNamespace(alive=np.ones((3, T), bool), leaked=np.zeros((3, T), bool),
                               first_detection=np.full(3, np.nan))
    return ctx, readiness, tracks, outcomes


def test_sense_confirms_after_2_of_3_and_drops_after_3_missed_looks():
    # target a: seen with certainty at steps 0-1, then never; target b: visible but never detectable
    ctx, rd, trk, out = _fake_sensing([[1, 0], [1, 0], [0, 0], [0, 0], [0, 0], [0, 0]])
    confirmed, reports = [], []
    for k in range(6):
        phases.sense(ctx, k, rd, trk, out)
        confirmed.append(trk.confirmed_at[:, 0, 0].copy())
        reports.append([(ids.tolist(), numbers[:, 0].tolist()) for ids, numbers in trk.reports])
    assert (confirmed[0] == np.inf).all()  # one detection of three looks: tentative
    # a tentative track reports nothing; the plot that confirms it is reported, in every replication
    assert reports[0] == [] and reports[1] == [([[r, 0, 0] for r in range(3)], [1.0] * 3)]
    assert all(r == [] for r in reports[2:])
    assert (confirmed[1] == 1.0).all()  # the second detection confirms, at its time
    assert (confirmed[3] == 1.0).all() and (confirmed[4] == np.inf).all()  # dropped at the third missed look
    assert (trk.held_since[:, 0, 0] == 1.0).all() and (trk.held_until[:, 0, 0] == 4.0).all()  # held until then
    assert (out.first_detection == 0.0).all()
    assert np.isinf(trk.confirmed_at[:, 0, 1]).all()
    assert (trk.table.status == FREE).all()  # no track left: b never gave a plot, a's was dropped


def test_a_sensor_that_is_down_detects_nothing():
    ctx, rd, trk, out = _fake_sensing([[1, 1], [1, 1]], up=False)
    for k in range(2):
        phases.sense(ctx, k, rd, trk, out)
        assert not trk.reports
    assert np.isinf(trk.confirmed_at).all() and np.isnan(out.first_detection).all()


def test_a_track_dropped_later_in_the_window_is_known_until_its_drop(engine, far_and_seen):
    """Looks run ahead of the fire-control clock within a step: a track the sensor drops at a later look of the
    window is still in the picture, and still guides, at a decision before that look."""
    _, near = far_and_seen
    s = _pending(engine, near, known=False)
    trk, t_k = engine.state.tracks, engine.w.times[near]
    trk.held_since[0, s, 0], trk.held_until[0, s, 0] = t_k - 30.0, t_k + 0.5  # confirmed long ago, dropped at +0.5 s
    knows = phases.known(engine.ctx, near, engine.state.readiness, trk, [0, 0], [0, 0], [0, 0],
                         [t_k + 0.25, t_k + 0.75])
    assert knows.tolist() == [True, False]


def _resident() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ending_a_sensors_tracks_holds_them_frees_their_slots_and_writes_no_other():
    """A destroyed (or departing) unit's sensors: each followed object held from its confirmation until now, its
    slots freed; the slots from ``top`` on are free already and stay unwritten (their memory is never taken:
    clearing all of a sensor's 60,000 slots would write 5 MB of records)."""
    from types import SimpleNamespace

    from iadsim.tracking import CONFIRMED

    R, S, N, T = 2, 2, 60_000, 4
    trk = SensorTracks(phase=np.zeros((R, S)), table=SensorTrackTable.empty(R, S, N), dropped=np.zeros(R, np.int64),
                       false_confirmed=np.zeros(R, np.int64), swaps=np.zeros(R, np.int64),
                       breaks=np.zeros(R, np.int64), confirmed_at=np.full((R, S, T), np.inf),
                       held_since=np.full((R, S, T), np.inf), held_until=np.full((R, S, T), -np.inf),
                       reports=[], deliveries=(np.zeros(0, int), np.zeros(0, int), np.zeros(0)))
    tab = trk.table
    for s in range(S):
        tab.status[1, s, :3], tab.truth[1, s, :3], tab.top[1, s] = CONFIRMED, [2, 0, -1], 3
        trk.confirmed_at[1, s, [0, 2]] = [4.0, 7.0]
    world = SimpleNamespace(sensor_unit=np.array([5, 6]))
    before = _resident()
    phases.end_tracks(trk, world, 1, 5, 12.0)  # unit 5: sensor 0
    grown = _resident() - before
    assert grown < 2 << 20, f"{grown / 2**20:.1f} MB written"
    assert (tab.status[1, 0] == FREE).all() and (tab.truth[1, 0] == -1).all() and tab.top[1, 0] == 0
    assert np.isinf(trk.confirmed_at[1, 0]).all()
    assert trk.held_since[1, 0].tolist() == [4.0, np.inf, 7.0, np.inf]
    assert trk.held_until[1, 0].tolist() == [12.0, -np.inf, 12.0, -np.inf]
    assert (tab.status[1, 1, :3] == CONFIRMED).all() and tab.top[1, 1] == 3  # the other sensor's: untouched
    assert trk.confirmed_at[1, 1, [0, 2]].tolist() == [4.0, 7.0]


@pytest.mark.parametrize("seed", range(8))
def test_disjoint_pairs_are_the_rows_an_assigner_would_take_whole_by_fire_unit(seed):
    """assign nominates a row's pairs without the assigner (one that ``takes_disjoint``) exactly where the pairs it
    would be given (fire unit free, target idle) share no fire unit and no target, are each worth more than 0 and
    none is a point defence's first pass; each such row's pairs by ascending fire unit. Against a per-row reading of
    that rule."""
    from types import SimpleNamespace

    g = np.random.default_rng(seed)
    n_r, n_f, n_t = 40, 5, 7
    pairs = sorted({(int(r), int(f), int(t)) for r, f, t in zip(g.integers(0, n_r, 80), g.integers(0, n_f, 80),
                                                                g.integers(0, n_t, 80), strict=True)})
    rr, ff, tt = (np.array(c, np.int64) for c in zip(*pairs, strict=True))  # by row, fire unit, target
    first = g.random(len(rr)) < 0.05
    world = SimpleNamespace(fire_ids=list(range(n_f)), target_ids=list(range(n_t)))
    ctx = SimpleNamespace(reps=np.arange(n_r), pk=g.choice([0.0, 0.4, 0.7], n_f, p=[0.1, 0.45, 0.45]), world=world)
    busy = g.random((n_r, n_f)) < 0.3
    phase = np.where(g.random((n_r, n_t)) < 0.3, Phase.PENDING, Phase.IDLE).astype(np.int8)
    st = SimpleNamespace(batteries=SimpleNamespace(busy=busy), engagements=SimpleNamespace(phase=phase))
    urgency = g.choice([0.0, 0.5, 1.0], n_t, p=[0.1, 0.45, 0.45])
    got = phases.disjoint_pairs(ctx, st, rr, ff, tt, first, urgency)
    expected = {}
    for r in range(n_r):
        mine = [(f, t, first_) for (r_, f, t), first_ in zip(pairs, first, strict=True) if r_ == r]
        given = [(f, t) for f, t, _ in mine if not busy[r, f] and phase[r, t] == Phase.IDLE]
        if (given and not any(first_ for *_, first_ in mine) and len({f for f, _ in given}) == len(given)
                and len({t for _, t in given}) == len(given) and all(ctx.pk[f] * urgency[t] > 0 for f, t in given)):
            expected[r] = sorted(given)
    assert got == expected
    assert any(len(p) > 1 for p in expected.values())  # (the seeds give such rows, of several pairs)


def test_a_launch_is_aimed_only_on_the_fire_units_own_solution():
    """aim_points: the intercept of the fire unit's track (constant velocity, the missile's average speed); a track
    that gives none (its target predicted to outrun the missile) gives an infinite time of flight, no launch
    (solution_reaches), whatever the truth (the truth's intercept stood in for it: a perfect aim with no
    solution); no track at all, the truth's (time of flight ``tof``)."""
    from types import SimpleNamespace

    from iadsim.engine.phases import aim_points, solution_reaches

    K, T = 2, 1
    truth = np.broadcast_to(np.array([[[10e3, 0.0, 1e3]]]), (K, T, 3))  # the truth: 10 km east, still
    world = SimpleNamespace(times=np.arange(K, dtype=float), position=truth, velocity=np.zeros((K, T, 3), np.float32),
                            starts_within=np.zeros(K, bool), fire_position=np.zeros((1, 3)),
                            arrival_time=np.full(T, np.inf), height_agl=np.zeros((K, T), np.float32),
                            target_ids=list(range(T)))
    ctx = SimpleNamespace(world=world, speed=np.array([500.0]), longest_reach=np.array([20e3]), basket=1e3,
                          envelope=tuple(np.zeros(1) for _ in range(5)),  # (the box's limits: aim_points reads none)
                          paths_now=(-1, None))
    fleeing = np.array([[[[10e3, 0.0, 0.0, 800.0, 0.0, 0.0]]]])  # the track: 10 km east (level), fleeing at 800 m/s
    closing = fleeing * [1, 1, 1, -1, 1, 1]  # or closing at 800 m/s
    for x, updates, expect in ((fleeing, 1, np.inf), (closing, 1, 10e3 / 1300.0), (fleeing, 0, 20.0)):
        pic = SimpleNamespace(x=x, track_time=np.zeros((1, 1, 1)), updates=np.full((1, 1, 1), updates))
        one = np.zeros(1, np.int64)
        tof, aim = aim_points(ctx, 0, pic, one, one, one, np.zeros(1), np.array([20.0]))
        assert tof[0] == pytest.approx(expect, rel=1e-9)
        assert solution_reaches(ctx, one, one, np.zeros(1), tof, aim)[0] == np.isfinite(expect)


def test_the_pair_chains_kernels_take_scalars_as_numpy_broadcasts_them():
    """predicted_error with one look-ahead for every track gives what it gives with that look-ahead repeated, one
    value per track (the compiled kernel reads equal flat arrays: a scalar is broadcast, not read past)."""
    from types import SimpleNamespace

    from iadsim.engine.phases import predicted_error

    g = np.random.default_rng(2)
    R, N, T, n = 2, 3, 4, 9
    p = np.abs(g.normal(size=(R, N, T, 3, 3))) * 100.0
    pic = SimpleNamespace(p=p, updates=g.integers(0, 3, (R, N, T)).astype(np.int32))
    rr, ff, tt = (g.integers(0, m, n) for m in (R, N, T))
    one = predicted_error(pic, rr, ff, tt, 5.0)
    assert one.shape == (n,)
    np.testing.assert_array_equal(one, predicted_error(pic, rr, ff, tt, np.full(n, 5.0)))
    np.testing.assert_array_equal(predicted_error(pic, 1, ff, 2, 5.0), predicted_error(pic, np.ones(n, int), ff,
                                                                                       np.full(n, 2), 5.0))


def test_positions_in_a_step_are_position_at_from_the_steps_paths(engine):
    """positions_in (the engine's, from the step's paths kept once) places targets as position_at does from the world,
    at every step, for targets on their route or starting within the window, bit for bit; and both as the rule
    written here: the sample's position carried by its velocity, or for a target starting its route within the
    window (off it at the sample, on it at the next), the next sample's carried back by the next sample's velocity."""
    w, g = engine.w, np.random.default_rng(2)
    T, starts = len(w.target_ids), np.flatnonzero(w.starts_within[:-1])
    assert len(starts)
    checked_starting = 0
    for k in sorted({*range(0, len(w.times) - 1, 7), *starts.tolist()}):
        starting = np.flatnonzero(~w.active[k] & w.active[k + 1] & (w.start_time > w.times[k]))
        t = np.concatenate([g.integers(0, T, 20), starting])
        when = g.uniform(w.times[k], w.times[k + 1], len(t))
        got = phases.positions_in(engine.ctx, k, t, when)
        np.testing.assert_array_equal(got, phases.position_at(w, k, t, when))
        late = np.isin(t, starting)
        base = np.where(late, k + 1, k)
        here = w.position[base, t] + w.velocity[base, t].astype(float) * (when - w.times[base])[:, None]
        np.testing.assert_allclose(got, here, rtol=0, atol=1e-6)
        checked_starting += int(late.sum())
    assert checked_starting  # (the rule's second case was exercised)


@pytest.mark.parametrize("periodic", [False, True])
def test_steady_emission_is_the_schedules_state_at_any_time(engine, periodic):
    """Without a periodic schedule a radar's emission control is the same at every time: steady_emission is what
    emitting() gives at any time; with one, there is none, and emit follows the schedule at each window's start."""
    from iadsim.network.emcon import emitting

    ctx = phases.Context.build(engine.w, engine.reps, engine.seed, False)
    if periodic:
        w = ctx.world
        radar = int(np.flatnonzero(w.radiates & w.sensing)[0])
        w.emcon = w.emcon.copy()
        w.emcon[:, radar] = [20.0, 5.0, 3.0]  # (period, on, offset: a blink, 5 s on from 3 s of every 20)
        assert ctx.steady_emission is None
        rd = phases.initial_state(ctx).readiness
        assert rd.unit_up[:, w.sensor_unit[radar]].all()
        seen = []
        for k in range(60):  # emit at each window's start follows the blink, by the rule written here
            phases.emit(ctx, k, rd)
            start = w.times[k]
            seen.append(bool(rd.emitting[0, radar]))
            assert seen[-1] == ((start - 3.0) % 20.0 < 5.0), start
        assert any(seen) and not all(seen)
        return
    assert ctx.steady_emission is not None and ctx.steady_emission.dtype == bool
    for when in np.random.default_rng(1).uniform(0, 3600, 25):
        np.testing.assert_array_equal(ctx.steady_emission, emitting(float(when), *ctx.world.emcon))


def _every_pair(feasible, pk, urgency):
    """An assigner that answers every pair, feasible or not, last first (the rule must filter what it says)."""
    return [(a, b) for a in range(feasible.shape[0]) for b in range(feasible.shape[1])][::-1]


@pytest.mark.parametrize("assigner", ["greedy", "hungarian", "every pair"])
def test_nominations_by_choice_give_each_row_what_asking_for_it_alone_gives(assigner, monkeypatch):
    """nominations_by_choice against the per-row rule written here, on random rows (some posing the same choice, some
    fire units busy and targets engaged, values of 0 and inf): each row poses the assigner its free pairs and takes
    what it answers that is such a pair, one per target and per fire unit, in its order; rows in more than one chunk
    of matrices; the assigner asked once per distinct choice."""
    from types import SimpleNamespace

    from iadsim.c2.assign import ASSIGNERS

    monkeypatch.setattr(phases, "CHOICE_ROWS", 3)
    plain, asked = _every_pair if assigner == "every pair" else ASSIGNERS[assigner], []

    def counted(feasible, pk, urgency):
        asked.append(feasible.tobytes())
        return plain(feasible, pk, urgency)

    for seed in range(60):
        g = np.random.default_rng(seed)
        R, F, T = (int(n) for n in g.integers(1, 8, 3))
        kinds = int(g.integers(1, R + 1))  # rows of one kind pose the same choice
        pairs = [[(f, t) for f in range(F) for t in range(T) if g.random() < 0.5] or [(0, 0)] for _ in range(kinds)]
        kind = g.integers(0, kinds, R)
        rr, ff, tt = (np.array(a, np.int64) for a in zip(*[(r, f, t) for r in range(R) for f, t in pairs[kind[r]]],
                                                          strict=True))
        busy = (g.random((kinds, F)) < 0.2)[kind]
        phase = np.where(g.random((kinds, T)) < 0.2, int(Phase.FLYING), phases.IDLE).astype(np.int8)[kind]
        pk, urgency = g.choice([0.0, 0.5, 0.7], F), g.choice([0.0, 0.3, 0.9, np.inf], T)
        ctx = SimpleNamespace(world=SimpleNamespace(fire_ids=list(range(F)), target_ids=list(range(T))), pk=pk,
                              assigner=counted)
        st = SimpleNamespace(batteries=SimpleNamespace(busy=busy), engagements=SimpleNamespace(phase=phase))
        asked.clear()
        got = phases.nominations_by_choice(ctx, st, rr, ff, tt, urgency, {})
        assert len(asked) == len(set(asked))  # (once per choice)
        expected = {}
        for r in np.unique(rr).tolist():
            here = rr == r
            whole = np.zeros((F, T), bool)
            free = here & ~busy[rr, ff] & (phase[rr, tt] == phases.IDLE)
            whole[ff[free], tt[free]] = True
            units, targets, mine = [], [], []
            for a, b in plain(whole, pk, urgency):
                if whole[a, b] and a not in units and b not in targets:
                    units.append(a)
                    targets.append(b)
                    mine.append((r, a, b))
            expected[r] = mine
        assert got == expected, seed
        assert len(asked) <= kinds


def test_route_changes_mark_the_steps_a_target_starts_or_ends_its_route_in(engine):
    """World.route_changes: a target on its route at one of a step's samples and off it at the next (none at the
    last step, which has no next sample)."""
    w = engine.w
    expected = [not np.array_equal(w.active[k], w.active[k + 1]) for k in range(len(w.times) - 1)] + [False]
    np.testing.assert_array_equal(w.route_changes, expected)
    assert w.route_changes.any() and not w.route_changes.all()


def test_reports_all_on_their_way_stay_pending_with_their_rows_pointers(engine):
    """At a step's end, pending reports that still have nodes to reach are kept; when all do, the same reports stay
    (and the row pointers computed for them stand); reports that reached every node are let go."""
    ctx, pic = engine.ctx, engine.state.picture
    feeds = phases.node_feeds(engine.state.readiness)
    for on_their_way in ([1e9, 1e9, 1e9], [np.inf, 1e9, np.inf], [np.inf] * 3):
        q = phases.Reports(np.zeros(3, np.int64), np.zeros(3, np.int64), np.arange(3), np.zeros((3, 5)),
                           np.zeros(3, np.int64), np.array(on_their_way))  # (none due before 1e9 s)
        pic.pending, ptr = q, phases.pending_rows(ctx, q)
        phases.fuse_until(ctx, pic, feeds, np.zeros(1))
        kept = np.isfinite(on_their_way)
        if kept.all():
            assert pic.pending is q and phases.pending_rows(ctx, q) is ptr
            np.testing.assert_array_equal(ptr, [0, 3])
        elif kept.any():
            np.testing.assert_array_equal(pic.pending.targets, np.flatnonzero(kept))
        else:
            assert pic.pending is None


def test_single_shot_pk_is_the_physics_end_game_for_every_guidance():
    """single_shot_pk (compiled: _kernels.end_game_pks) against the physics functions called here on the engine's
    own state in the middle of the reference run: endgame_miss for each guidance (the aim error a bias for inertial
    missiles, the fire unit's track predicted over the update interval for command guidance, none for homing ones;
    the crossing speed across the line of flight times the response time), then carleton_sspk with no cross bias;
    the catalog's pk for a missile without guidance; each times the edge factor. Fire units are given every guidance
    in turn, at random arrivals (some targets without a track in the picture), and some fire units no update interval
    or an infinite one."""
    from iadsim.physics.lethality import GUIDANCE, carleton_sspk, endgame_miss
    from iadsim.scenario import load_scenario

    from ._scenarios import EXAMPLES

    engine = Engine(build_world(load_scenario(EXAMPLES / "reference-large.yaml")), np.arange(3))
    busy = int(np.argmax(engine.w.active.sum(axis=1)))  # (the step with the most targets flying)
    for _ in range(busy):
        engine.step()
    ctx, st, w = engine.ctx, engine.state, engine.w
    k, g = st.time_index, np.random.default_rng(4)
    n, F = 400, len(w.fire_ids)
    rr, ff, tt = g.integers(0, 3, n), g.integers(0, F, n), g.choice(np.flatnonzero(w.active[k]), n)
    when = w.times[k] + g.uniform(0, w.times[k + 1] - w.times[k], n)
    st.engagements.launched[rr, tt] = when - g.uniform(1.0, 40.0, n)
    arrival = phases.position_at(w, k, tt, when) + g.normal(0, 30.0, (n, 3))
    aim_error = g.uniform(0, 80.0, n)
    assert (st.picture.updates[rr, ff, tt] > 0).any() and (st.picture.updates[rr, ff, tt] == 0).any()
    intervals = ctx.update_interval.copy()
    for n_case, kinds in enumerate(([None] * F, *([kind] * F for kind in GUIDANCE),
                                    *(list(g.choice([None, *GUIDANCE], F)) for _ in range(2)))):
        ctx.guidance = kinds
        ctx.__dict__.pop("guidance_kind", None)
        ctx.update_interval = intervals.copy()
        if n_case == 6:  # no guiding radar's look period (nan), and one without end (inf)
            ctx.update_interval[: F // 2] = np.nan
            ctx.update_interval[F // 2] = np.inf
        got = phases.single_shot_pk(ctx, st, k, rr, ff, tt, when, arrival, aim_error)
        expected = ctx.pk[ff].astype(float)
        line = arrival - w.fire_position[ff]
        line = line / np.maximum(np.sqrt((line**2).sum(axis=1)), 1e-9)[:, None]
        v = phases.velocity_at(w, k, tt).astype(float)
        across = v - (v * line).sum(axis=1)[:, None] * line
        crossing = np.sqrt((across**2).sum(axis=1))
        interval = np.nan_to_num(ctx.update_interval[ff])
        track = phases.predicted_error(st.picture, rr, ff, tt, when - st.picture.track_time[rr, ff, tt] + interval)
        track = np.where(np.isfinite(track), track / np.sqrt(3.0), 0.0)
        for kind in set(kinds) - {None}:
            i = np.flatnonzero(np.array(kinds, object)[ff] == kind)
            bias, sigma = endgame_miss(kind, aim_error[i], when[i] - st.engagements.launched[rr[i], tt[i]],
                                       interval[i], track[i], ctx.manoeuvre[tt[i]], crossing[i],
                                       ctx.response_time[ff[i]])
            expected[i] = carleton_sspk(ctx.peak_pk[ff[i]], ctx.lethal_area[ff[i]], 1.0, sigma, sigma, bias, 0.0)
        offset = arrival - w.fire_position[ff]
        expected *= phases.edge_factor(ctx, ff, np.hypot(offset[:, 0], offset[:, 1]), w.height_agl[k, tt].astype(float))
        # the same arithmetic in the same order, but for exp: numpy's vectorised one and the compiled one differ in
        # the last bit of a few values (the run's outcomes, compared bit for bit on five examples, did not move)
        np.testing.assert_allclose(got, expected, rtol=1e-14, atol=0)
        if any(kinds) and n_case != 6:
            assert 0 < got.min() < got.max() < 1 and (crossing > 10.0).mean() > 0.5


def test_lit_again_wakes_each_flying_target_when_a_guiding_radar_s_silence_ends():
    """lit_again: in a window (100, 101), a radar that may guide whose crew's silence ends at 100.6 in row 1 wakes row
    1 for every target flying; a silence ending at the window's start (on at its start: emit says so) or at its end
    (the next window's), or a radar that may not guide, wakes none; with no target flying, nothing."""
    from types import SimpleNamespace

    R, S, T = 3, 4, 5
    silences = np.full((R, S, 2, 4), np.inf)
    silences[1, 2, 0, :2] = [90.0, 100.6]  # ends in the window
    silences[0, 2, 1, :2] = [95.0, 100.0]  # ends at its start
    silences[2, 2, 0, :2] = [99.0, 101.0]  # ends at its end
    silences[2, 3, 0, :2] = [99.0, 100.5]  # a radar that may not guide
    ctx, rd = SimpleNamespace(reps=np.arange(R)), SimpleNamespace(silences=silences)
    open_ = np.array([True, False, True, True, False])
    guiding = np.array([False, True, True, False])
    rows, targets, times = phases.lit_again(ctx, rd, 100.0, 101.0, open_, guiding)
    got = sorted(zip(rows.tolist(), targets.tolist(), times.tolist(), strict=True))
    assert got == [(1, t, 100.6) for t in (0, 2, 3)]
    rows, *_ = phases.lit_again(ctx, rd, 100.0, 101.0, np.zeros(T, bool), guiding)
    assert not len(rows)
