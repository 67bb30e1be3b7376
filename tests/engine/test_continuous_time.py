"""The kill chain in continuous time: outcomes that do not depend on the time step.

Each engine outcome here is checked against a model written in this file: a continuous-time launch
schedule (launch interval and guidance channels against a stream of targets), the decision-time shift of
human authorisation, the queue of one deciding crew, and the first-detection distribution of a radar
looking at its own scan times with a random phase. The engine runs at steps of 2, 1, 0.5 and 0.25 s.
"""

from __future__ import annotations

import numpy as np
import pandas
import pytest

from iadsim.engine import Engine, build_world
from iadsim.physics import scan
from iadsim.physics.detection import pd
from iadsim.sensors import Geometry, signal_to_interference_db

from ._fire_control import (
    CHANNELS,
    DZ,
    HEIGHT,
    INTERVAL,
    MAX_RANGE,
    MIN_RANGE,
    SPEED,
    START_X,
    catalog,
    scenario_maker,
    stream,
    time_of_flight,
)
from ._scenarios import EXAMPLES, scenario_dict

STEPS = ("2 s", "1 s", "0.5 s", "0.25 s")



@pytest.fixture
def scenario(make_scenario, tmp_path):
    return scenario_maker(make_scenario, tmp_path)


def window(start: float, dz: float) -> tuple[float, float]:
    """When the intercept point of a target taking off at ``start`` is inside MIN_RANGE..MAX_RANGE (ground)."""
    def reach(t):
        ground = START_X - SPEED * (t - start)
        return ground - SPEED * time_of_flight(ground, dz)

    times = np.arange(start, start + START_X / SPEED, 1e-3)
    inside = np.flatnonzero((reach(times) <= MAX_RANGE) & (reach(times) >= MIN_RANGE))
    return times[inside[0]], times[inside[-1]]


def saturation_schedule(starts: np.ndarray, dz: float, channels: int = CHANNELS) -> list[tuple[float, int]]:
    """The continuous-time schedule of one launcher: whenever it is free (INTERVAL after its last launch) and
    one of its radar's ``channels`` is free (a missile holds one until its intercept), it fires one missile (Pk 1)
    at the most urgent target (the nearest its asset) whose intercept is inside the envelope. (launch time,
    target)."""
    windows = [window(s, dz) for s in starts]
    ready, flying, engaged, out = -np.inf, [], set(), []
    events = sorted({w[0] for w in windows})
    t = events[0]
    while True:
        flying = [x for x in flying if x > t]
        open_ = [i for i, (a, b) in enumerate(windows) if a <= t <= b and i not in engaged]
        if ready <= t and len(flying) < channels and open_:
            i = min(open_, key=lambda j: starts[j])  # all fly the same line at one speed: the first is nearest
            ground = START_X - SPEED * (t - starts[i])
            out.append((t, i))
            engaged.add(i)
            ready = t + INTERVAL
            flying.append(t + time_of_flight(ground, dz))
        later = [x for x in [ready, *flying, *(w[0] for w in windows)] if x > t]
        if not later:
            return out
        t = min(later)


@pytest.mark.validation
@pytest.mark.parametrize("step", STEPS)
def test_a_saturating_stream_meets_the_continuous_time_launch_schedule(scenario, step, validation):
    # the radar looks five times a second: a target moves 20 m between looks, the stream's targets are 100 m
    # apart, so no track starting at rest takes its neighbour's plot (at one look a second, each target
    # would stand where the one ahead was)
    world = build_world(scenario(step, threats=[stream(30)], types=catalog(radar={"scan_period": "0.2 s"})))
    engine = Engine(world, np.arange(3), seed=11)
    engine.run()
    dz = world.position[0, 0, 2] - world.fire_position[0, 2]
    expected = saturation_schedule(world.start_time, dz)
    leakers = len(world.start_time) - len(expected)
    assert leakers >= 5  # saturated: the launch interval and the channels decide
    events = engine.events
    assert (events.groupby("replication")["kind"].apply(lambda k: (k == "leak").sum()) == leakers).all()
    first_detected = engine.state.outcomes.first_detection
    assert (first_detected < expected[0][0] - 30).all()  # tracks long held: the schedule is the launcher's
    for r in range(3):
        launches = events[(events.replication == r) & (events.kind == "launch")]
        # to 10 ms: a missile holds its channel for the time of flight the track predicts, not the true one
        np.testing.assert_allclose(launches.time, [t for t, _ in expected], atol=0.01)
        assert list(launches.target) == [i for _, i in expected]
    validation("saturation: launches and leakers of one launcher (interval, channels) against a stream",
               "continuous-time schedule written in the test", float(events[events.kind == "leak"].shape[0] / 3),
               float(leakers), abs=0.0)


@pytest.mark.validation
@pytest.mark.parametrize("step", ("1 s", "0.25 s"))
def test_a_radars_target_channels_bound_a_saturating_stream_below_its_guidance_channels(scenario, step, validation):
    """Four guidance channels but two target channels (the catalog's track_channels), one missile per target: two
    targets engaged at once, the schedule of two channels; without the target channels, that of four."""
    radar = {"scan_period": "0.2 s", "guidance_channels": 4}
    leakers, measured = {}, {}
    for targets in (2, None):
        world = build_world(scenario(step, threats=[stream(30)],
                                     types=catalog(radar=radar | {"track_channels": targets})))
        engine = Engine(world, np.arange(2), seed=11)
        engine.run()
        dz = world.position[0, 0, 2] - world.fire_position[0, 2]
        expected = saturation_schedule(world.start_time, dz, channels=targets or 4)
        leakers[targets] = len(world.start_time) - len(expected)
        events = engine.events
        for r in range(2):
            launches = events[(events.replication == r) & (events.kind == "launch")]
            np.testing.assert_allclose(launches.time, [t for t, _ in expected], atol=0.01)
            assert list(launches.target) == [i for _, i in expected]
        measured[targets] = float((events.kind == "leak").sum() / 2)
        assert measured[targets] == leakers[targets]
    assert leakers[2] > leakers[None] >= 0  # the target channels bind: more leak through
    validation("target channels: leakers of a radar with 4 guidance and 2 target channels against a stream",
               "continuous-time schedule written in the test", measured[2], float(leakers[2]), abs=0.0)


@pytest.mark.validation
@pytest.mark.parametrize("step", STEPS)
def test_a_fixed_decision_time_shifts_the_first_launch_by_exactly_that_time(scenario, step, validation):
    decision = 7.3
    first = {}
    for mode in ("autonomous", "human-in-the-loop"):
        world = build_world(scenario(step, authority={
            "mode": mode, "decision_time": {"distribution": "fixed", "value": f"{decision} s"}}))
        engine = Engine(world, np.arange(4), seed=5)
        engine.run()
        ev = engine.events
        first[mode] = ev[ev.kind == "launch"].groupby("replication")["time"].min().to_numpy()
        assert len(first[mode]) == 4
    # autonomous fire launches when the intercept enters the envelope, whatever the step
    dz = DZ
    entry, _ = window(0.0, dz)
    np.testing.assert_allclose(first["autonomous"], entry, atol=2.1e-3)  # the test's 1 ms grid, the engine's 1 ms
    np.testing.assert_allclose(first["human-in-the-loop"] - first["autonomous"], decision, atol=1e-9)
    validation("cost of human-in-the-loop: first launch after a fixed decision time", "decision time",
               float(np.mean(first["human-in-the-loop"] - first["autonomous"])), decision, abs=1e-9)


def _queued(nominated, crew_of, slots: int, decision: float) -> dict:
    """The launch times first-come first-served queues give: each nomination (in the order received) waits for
    the first free of its deciding crew's ``slots``; ``crew_of(unit)`` -> (crew, its reaction-time factor)."""
    free, expected = {}, {}
    for n in nominated.itertuples():
        crew, factor = crew_of(n.unit)
        queue = free.setdefault(crew, [-np.inf] * slots)
        i = int(np.argmin(queue))
        queue[i] = max(n.time, queue[i]) + decision * factor
        expected[(n.unit, n.target)] = queue[i]
    return expected


def _deciding(scenario, units, links, threats, decision: float, **doctrine):
    """An engine of two replications run over a human-in-the-loop scenario whose every decision takes
    ``decision`` seconds (before the crew's factor)."""
    world = build_world(scenario("1 s", units=units, links=links, threats=threats, doctrine=doctrine,
                                 authority={"mode": "human-in-the-loop",
                                            "decision_time": {"distribution": "fixed", "value": f"{decision} s"}}))
    engine = Engine(world, np.arange(2), seed=3)
    engine.run()
    return world, engine


@pytest.mark.validation
@pytest.mark.parametrize("slots", [1, 2])
def test_simultaneous_nominations_queue_for_one_deciding_crew(scenario, slots, validation):
    """Four launchers each nominate one of four targets arriving together; the command post that commands them
    all decides, ``slots`` decisions at a time: each launch follows the crew's queue (first come, first served)."""
    decision = 4.0
    units = [{"id": f"sam-{i}", "type": "t-launcher", "x": f"{20 * i} m", "y": "0 m"} for i in range(4)]
    units.append({"id": "cp", "type": "command-post", "x": "0 km", "y": "-3 km"})
    links = [{"from": "cp", "to": f"sam-{i}", "carries": "cues", "latency": "0 s"} for i in range(4)]
    threats = [stream(1, id_=f"t{i}", bearing_deg=b) for i, b in enumerate((0, 90, 180, 270))]
    world, engine = _deciding(scenario, units, links, threats, decision, concurrent_decisions=slots)
    ev = engine.events
    factor = world.scenario.proficiency(world.scenario.unit("cp").crew).reaction_time_factor
    for r in range(2):
        mine = ev[ev.replication == r]
        nominated = mine[mine.kind == "nominated"]
        # a burst: each when its target's intercept enters the envelope (launchers 0-60 m from the origin)
        assert len(nominated) == 4
        np.testing.assert_allclose(nominated.time, window(0.0, DZ)[0], atol=1.0)
        expected = _queued(nominated, lambda unit: ("cp", factor), slots, decision)
        launched = {(e.unit, e.target): e.time for e in mine[mine.kind == "launch"].itertuples()}
        assert launched.keys() == expected.keys()
        validation(f"queue: launch times of 4 simultaneous decisions, {slots} at a time, {decision} s each",
                   "first-come first-served queue written in the test", [launched[key] for key in expected],
                   list(expected.values()), abs=1e-9)
    # the last decision waits for the others: 4 / slots decisions in a row
    assert max(expected.values()) - nominated.time.min() == pytest.approx(decision * factor * 4 / slots, abs=1.0)


@pytest.mark.validation
def test_each_command_post_decides_for_the_batteries_it_commands(scenario, validation):
    """Two command posts, each commanding two of four launchers, one decision at a time each: the four
    simultaneous nominations form two queues of two, not one of four (the first working post anywhere used to
    decide for every battery). A fifth launcher wired to no post fights autonomously and decides with its own
    crew (untrained: three times slower), at once, whatever the posts' queues."""
    decision = 4.0
    units = [{"id": f"sam-{i}", "type": "t-launcher", "x": f"{20 * i} m", "y": "0 m"} for i in range(5)]
    units[4]["crew"] = "untrained"
    units += [{"id": "cp-a", "type": "command-post", "x": "0 km", "y": "-3 km"},
              {"id": "cp-b", "type": "command-post", "x": "0 km", "y": "3 km"}]
    links = [{"from": "cp-a" if i < 2 else "cp-b", "to": f"sam-{i}", "carries": "cues", "latency": "0 s"}
             for i in range(4)]
    threats = [stream(1, id_=f"t{i}", bearing_deg=b) for i, b in enumerate((0, 72, 144, 216, 288))]
    world, engine = _deciding(scenario, units, links, threats, decision, autonomous_fallback=True)
    ev = engine.events
    sc = world.scenario
    unit_index = {u.id: i for i, u in enumerate(sc.spec.units)}

    def crew_of(unit: int):
        name = sc.spec.units[unit].id
        if name == "sam-4":
            return name, sc.proficiency("untrained").reaction_time_factor
        post = "cp-a" if name in ("sam-0", "sam-1") else "cp-b"
        return post, sc.proficiency(sc.unit(post).crew).reaction_time_factor

    for r in range(2):
        mine = ev[ev.replication == r]
        nominated = mine[mine.kind == "nominated"]
        assert sorted(nominated.unit) == sorted(unit_index[f"sam-{i}"] for i in range(5))
        expected = _queued(nominated, crew_of, 1, decision)
        launched = {(e.unit, e.target): e.time for e in mine[mine.kind == "launch"].itertuples()}
        assert launched.keys() == expected.keys()
        validation("queues: 5 simultaneous decisions, two posts commanding two launchers each, one autonomous",
                   "first-come first-served queue per deciding crew, written in the test",
                   [launched[key] for key in expected], list(expected.values()), abs=1e-9)
        # two in a row per post, not four; the autonomous battery's own (slower) crew, not queued behind a post
        waits = {key: t - nominated.time.min() for key, t in launched.items()}
        assert max(waits.values()) < 3.5 * decision
        own = [t for (unit, _), t in waits.items() if unit == unit_index["sam-4"]]
        assert own == [pytest.approx(3.0 * decision, abs=1.0)]


def _inbound(make_scenario, type_: str, x0: float, altitude: float, speed: float, step: str, duration: str,
             extent: str, start: str = "0 s"):
    """A search radar (mast 15 m) at the origin of flat terrain 100 m high, and one ``type_`` flying straight at it
    from ``x0`` m east at ``altitude`` m above the ground and ``speed`` m/s, from ``start``; no defended asset."""
    radar_unit = {"id": "sr", "type": "mr-search-radar", "x": "0 km", "y": "0 km", "mast_height": "15 m"}
    target = {"id": "in", "type": type_, "altitude_reference": "msl", "start": start, "route": [
        {"x": f"{x0} m", "y": "0 m", "altitude": f"{100 + altitude} m", "speed": f"{speed} m/s"},
        {"x": "0 m", "y": "0 m", "altitude": f"{100 + altitude} m", "speed": f"{speed} m/s"}]}
    data = scenario_dict([radar_unit], threats=[target], duration=duration, step=step,
                         terrain={"flat": "100 m", "extent": extent})
    data["defended_assets"] = []
    return make_scenario(data)


@pytest.mark.validation
@pytest.mark.parametrize("step", ["1 s", "0.25 s"])
def test_first_detection_follows_the_cumulative_pd_over_the_radar_s_own_looks(make_scenario, step, validation):
    """A target flying straight at a search radar: the distribution of its first detection over replications is
    the cumulative Pd over the radar's looks (one per scan period, at a phase uniform per replication), each
    look's Pd from the radar equation at that moment."""
    speed, x0, altitude = 50.0, 150_000.0, 3000.0  # a small drone: Pd 0.01-0.13 per look, detected in the end
    scenario = _inbound(make_scenario, "drone", x0, altitude, speed, step, "30 min", "320 km")
    world = build_world(scenario)
    radar = scenario.catalog.types["mr-search-radar"]
    drone = scenario.catalog.types["drone"]
    period = radar.scan_period.value
    n_pulses = scan.pulses_per_look(radar.beamwidth.value, 2 * np.pi / period, radar.prf.value)

    def pd_at(t):
        ground = x0 - speed * np.asarray(t)
        path = Geometry.flat(ground, 15.0, np.full_like(ground, altitude))
        return pd(signal_to_interference_db(radar, path, drone.rcs.value), radar.pfa.value, n_pulses, drone.swerling)

    replications = 2000
    engine = Engine(world, np.arange(replications), seed=99, events=False)
    engine.run()
    first = engine.state.outcomes.first_detection
    assert np.isfinite(first).all()
    # the model: P(first detection <= t) averaged over the scan phase
    phases = (np.arange(400) + 0.5) / 400 * period
    checks = np.quantile(first, [0.1, 0.25, 0.5, 0.75, 0.9])
    looks = phases[:, None] + period * np.arange(int(world.times[-1] // period) + 1)[None, :]
    p = pd_at(looks)
    assert np.ptp(checks) > 10 * period  # first detections spread over many scans
    for t in checks:
        model = np.mean(1 - np.prod(np.where(looks <= t, 1 - p, 1.0), axis=1))
        got = np.mean(first <= t)
        sigma = np.sqrt(model * (1 - model) / replications)
        assert abs(got - model) < 4 * sigma + 2e-3, (t, got, model)
    median_model = checks[2]
    validation(f"first detection, radially inbound drone, step {step}: share detected by the empirical median",
               "cumulative Pd over the radar's own look times with a random phase",
               float(np.mean(first <= median_model)),
               float(np.mean(1 - np.prod(np.where(looks <= median_model, 1 - p, 1.0), axis=1))), abs=0.05)


@pytest.mark.validation
@pytest.mark.parametrize("step", ["2 s", "0.25 s"])
def test_a_target_entering_a_radar_s_range_is_first_detected_when_the_looks_say_whatever_the_step(
        make_scenario, step, validation):
    """A target flying into a search radar's instrumented range, where its Pd jumps from 0 to about 0.9: its mean
    first detection after the crossing is the independent model's (each look's Pd from the radar equation at that
    moment, 0 beyond the range; a phase uniform per replication), at a 2 s step as at 0.25 s. The crossing falls
    anywhere between two geometry samples (eight start offsets): a look read its step's first sample, so the edge
    came up to a step late (0.8 s on average at 2 s, found by a step audit); it now reads the nearer sample."""
    speed, altitude, ahead = 60.0, 2500.0, 3000.0  # starts 3 km outside the range: 50 s to the edge
    scenario_type = "utility-helicopter"
    offsets = np.arange(8) * 0.25  # [s] the crossing at every quarter of a 2 s step
    replications = 250
    got, expected, spread = [], [], []
    for n, offset in enumerate(offsets):
        x0 = 160e3 + ahead  # the catalog's range, checked below
        scenario = _inbound(make_scenario, scenario_type, x0, altitude, speed, step, "4 min", "400 km",
                            start=f"{offset} s")
        radar = scenario.catalog.types["mr-search-radar"]
        radar_range = radar.instrumented_range.value
        assert radar_range == 160e3
        world = build_world(scenario)
        engine = Engine(world, np.arange(replications), seed=11 + n, events=False)  # (independent phases)
        engine.run()
        first = engine.state.outcomes.first_detection
        assert np.isfinite(first).all()
        edge = np.sqrt(radar_range**2 - (altitude - 15.0) ** 2)  # the range is the slant range
        crossing = offset + (x0 - edge) / speed
        got.append(first - crossing)
        # the model: each look's Pd at its own time; the first detection's mean over a uniform phase
        period = radar.scan_period.value
        n_pulses = scan.pulses_per_look(radar.beamwidth.value, 2 * np.pi / period, radar.prf.value)
        phases = (np.arange(2000) + 0.5) / 2000 * period
        looks = phases[:, None] + period * np.arange(int(240 // period))[None, :]
        ground = x0 - speed * (looks - offset)
        path = Geometry.flat(ground, 15.0, np.full_like(ground, altitude))
        target_type = scenario.catalog.types[scenario_type]
        p = pd(signal_to_interference_db(radar, path, target_type.rcs.value), radar.pfa.value, n_pulses,
               target_type.swerling)
        p = np.where((looks >= offset) & (np.hypot(ground, altitude - 15.0) <= radar_range), p, 0.0)
        first_at = p * np.cumprod(np.hstack([np.ones((len(phases), 1)), 1 - p[:, :-1]]), axis=1)
        assert np.allclose(first_at.sum(axis=1), 1.0, atol=1e-6)  # always detected in the run
        expected.append(float(np.mean((first_at * looks).sum(axis=1))) - crossing)
        spread.append(float(np.std(first)))
    got_mean = float(np.mean(np.concatenate(got)))
    sigma = float(np.sqrt(np.mean(np.square(spread)) / (len(offsets) * replications)))
    assert 0.5 < np.mean(expected) < 6.0  # within about a scan of the crossing
    validation(f"first detection after entering a search radar's range, step {step} (8 crossings per step cell)",
               "cumulative Pd over the radar's own look times, 0 beyond its range, written in the test",
               got_mean, float(np.mean(expected)), abs=4 * sigma)


@pytest.mark.validation
@pytest.mark.parametrize("step", ["4 s", "0.25 s"])
def test_a_unit_that_fails_and_is_repaired_is_up_its_availability_of_the_time_whatever_the_step(
        make_scenario, step, validation):
    """A radar failing and repaired at exponential times (MTBF 30 s, MTTR 10 s), drawn up at the start with its
    stationary availability (0.75): a two-state Markov process started in its stationary law is up 0.75 of the time
    at every moment. The engine's share of time samples with the unit up matches it at a 4 s step as at 0.25 s.
    Each next failure or repair used to be drawn from the time sample that applied the last one, so every cycle
    gained half a step: (30 + 2) / (40 + 4) = 0.727 at 4 s (found by a step audit)."""
    mtbf, mttr = 30.0, 10.0
    availability = mtbf / (mtbf + mttr)
    radar_unit = {"id": "sr", "type": "mr-search-radar", "x": "0 km", "y": "0 km",
                  "readiness": {"availability": availability, "mtbf": f"{mtbf} s", "mttr": f"{mttr} s"}}
    target = {"id": "far", "type": "drone", "altitude_reference": "msl", "route": [
        {"x": "300 km", "y": "0 m", "altitude": "1000 m", "speed": "50 m/s"},
        {"x": "290 km", "y": "0 m", "altitude": "1000 m", "speed": "50 m/s"}]}
    data = scenario_dict([radar_unit], threats=[target], duration="10 min", step=step,
                         terrain={"flat": "100 m", "extent": "700 km"})
    data["defended_assets"] = []
    world = build_world(make_scenario(data))
    replications = 400
    engine = Engine(world, np.arange(replications), seed=21, events=False)
    u = list(world.unit_ids).index("sr")
    up = []
    while engine.state.time_index < len(world.times):
        engine.step()
        up.append(engine.state.readiness.unit_up[:, u].copy())
    share = np.mean(up, axis=0)  # each replication's share of samples up
    sigma = float(share.std(ddof=1) / np.sqrt(replications))
    validation(f"share of time up, MTBF {mtbf:.0f} s and MTTR {mttr:.0f} s, step {step}",
               "stationary two-state Markov process: MTBF / (MTBF + MTTR)", float(share.mean()), availability,
               abs=4 * sigma)


@pytest.mark.parametrize("step", ["2 s", "0.5 s"])
def test_a_target_s_velocity_at_its_first_and_last_flying_samples_is_its_speed(make_scenario, step):
    """A target starting between two geometry samples, flying one straight leg at 600 m/s and arriving between two:
    the world's velocity at every flying sample, the first and the last included, is the route's (a central
    difference across the start or the arrival, where the route holds still, gave 384-498 m/s; found by a step
    audit). Its position within a step is extrapolated with it, so plots and aim points were off by up to 200 m."""
    speed = 600.0
    target = {"id": "fast", "type": "cruise-missile", "altitude_reference": "msl", "start": "10.3 s", "route": [
        {"x": "30 km", "y": "0 m", "altitude": "2000 m", "speed": f"{speed} m/s"},
        {"x": "6 km", "y": "0 m", "altitude": "2000 m", "speed": f"{speed} m/s"}]}
    short = {**target, "id": "short", "route": [  # 3 s of flight: one flying sample at a 2 s step
        {"x": "30 km", "y": "5 km", "altitude": "2000 m", "speed": f"{speed} m/s"},
        {"x": "28.2 km", "y": "5 km", "altitude": "2000 m", "speed": f"{speed} m/s"}]}
    radar_unit = {"id": "sr", "type": "mr-search-radar", "x": "0 km", "y": "0 km"}
    data = scenario_dict([radar_unit], threats=[target, short], duration="2 min", step=step,
                         terrain={"flat": "100 m", "extent": "100 km"})
    data["defended_assets"] = []
    world = build_world(make_scenario(data))
    for t, length in ((0, 24e3), (1, 1.8e3)):
        flying = np.flatnonzero(world.active[:, t])
        np.testing.assert_array_equal(flying, np.flatnonzero((world.times >= 10.3)
                                                             & (world.times < 10.3 + length / speed)))
        np.testing.assert_allclose(world.velocity[flying, t], np.tile([-speed, 0.0, 0.0], (len(flying), 1)),
                                   atol=1e-2)
    # in the window it starts in, it flies (from the next sample, back): where it is, and how fast (the intercept,
    # the aim point and the end game read the velocity; the sample before its start holds it still)
    from iadsim.engine.phases import position_at, velocity_at

    k = int(np.flatnonzero(world.times <= 10.3)[-1])
    assert not world.active[k, 0] and world.active[k + 1, 0]
    np.testing.assert_allclose(velocity_at(world, k, [0]), [[-speed, 0.0, 0.0]], atol=1e-2)
    np.testing.assert_allclose(position_at(world, k, 0, 10.8)[:2], [30e3 - 0.5 * speed, 0.0], atol=0.05)


def test_pre_authorisation_decides_while_the_target_is_still_out_of_reach(scenario):
    """With pre-authorisation the crew decides on a target when it first reaches the fire unit's picture (here
    40 s and more before it comes in reach): by the time it is nominated the decision is made and the launch
    goes at once, when autonomous fire would launch; without it the launch waits the whole decision time."""
    decision = 7.3
    authority = {"mode": "human-in-the-loop", "decision_time": {"distribution": "fixed", "value": f"{decision} s"}}
    first = {}
    for name, mode, pre in (("autonomous", "autonomous", False), ("pre", "human-in-the-loop", True),
                            ("at nomination", "human-in-the-loop", False)):
        world = build_world(scenario("1 s", authority=authority | {"mode": mode},
                                     doctrine={"pre_authorisation": pre}))
        engine = Engine(world, np.arange(4), seed=5)
        engine.run()
        ev = engine.events
        first[name] = ev[ev.kind == "launch"].groupby("replication")["time"].min().to_numpy()
        if name == "autonomous":
            detected = engine.state.outcomes.first_detection
    assert (first["autonomous"] - detected > 40).all()  # in the picture long before it is in reach
    np.testing.assert_allclose(first["pre"], first["autonomous"], atol=1e-9)
    np.testing.assert_allclose(first["at nomination"], first["autonomous"] + decision, atol=1e-9)


def test_a_replication_s_events_do_not_depend_on_its_batch(scenario):
    """Envelope entries while other replications are still engaging the target, re-engagements after a 24 s
    kill assessment and misses at Pk 0.5, at a 10 s step: replication 2 alone and in a batch of six gives the
    same events, bit for bit."""
    world = build_world(scenario("10 s", threats=[stream(3, offset=800.0, spacing="20 s")],
                                 types=catalog(missile={"pk": 0.5}), doctrine={"kill_assessment_time": "24 s"}))
    batch = Engine(world, np.arange(6), seed=31)
    batch.run()
    alone = Engine(world, [2], seed=31)
    alone.run()
    mine = batch.events[batch.events.replication == 2].reset_index(drop=True)
    assert (mine.kind == "launch").sum() >= 3 and (mine.kind == "miss").any()
    pandas.testing.assert_frame_equal(mine, alone.events.reset_index(drop=True))


def test_re_engagements_of_a_crossing_target_do_not_depend_on_the_step(scenario):
    """A target crossing 800 m from the launcher is shot at (Pk 0: every shot misses), looked at for 24 s, and
    shot at again; it leaves the envelope inside the minimum range and comes back on the far side while a kill
    assessment is running. Every launch, the one at its return included, happens at the same moment at a 10 s
    step as at a 0.25 s step."""
    launches = {}
    for step in ("10 s", "0.25 s"):
        world = build_world(scenario(step, threats=[stream(1, offset=800.0)], types=catalog(missile={"pk": 0.0}),
                                     doctrine={"kill_assessment_time": "24 s"}))
        engine = Engine(world, [0], seed=3)
        engine.run()
        ev = engine.events
        launches[step] = ev[ev.kind == "launch"].time.to_numpy()
    assert len(launches["10 s"]) >= 5
    np.testing.assert_allclose(launches["10 s"], launches["0.25 s"], atol=2e-3)


@pytest.mark.parametrize("step", ["0.5 s", "3 s", "7 s"])
def test_a_fire_unit_freed_by_a_veto_takes_the_next_target_at_once(scenario, step):
    """Two targets come in reach together; the crew, deciding early (pre-authorisation), calls a hostile civil
    half the time. When the first decision is a veto, the launcher turns to the other target at that very
    moment, whatever the step; a vetoed target nominated again is decided on afresh, in the full 2 s."""
    authority = {"mode": "human-in-the-loop", "decision_time": {"distribution": "fixed", "value": "2 s"},
                 "reconsider_after": "10 s",
                 "identification": {"p_civil_as_hostile": 0.0, "p_hostile_as_civil": 0.5, "p_transponder_missed": 0.0}}
    world = build_world(scenario(step, threats=[stream(1, id_="a", bearing_deg=90), stream(1, id_="b", bearing_deg=0)],
                                 doctrine={"pre_authorisation": True}, authority=authority))
    engine = Engine(world, np.arange(40), seed=3)
    engine.run()
    ev = engine.events
    checked = redecided = 0
    for r in range(40):
        mine = ev[ev.replication == r]
        nominated, vetoed = mine[mine.kind == "nominated"], mine[mine.kind == "vetoed"]
        if len(vetoed) and vetoed.time.iloc[0] == nominated.time.min():  # the first decision, a veto
            other = nominated[nominated.target != vetoed.target.iloc[0]]
            # at once: or as soon as the launcher's own track of it gives a solution, found to the engine's 1 ms
            # (the two cross the envelope together; the track, off by a centimetre, may put it a hair outside)
            assert other.time.min() == pytest.approx(vetoed.time.iloc[0], abs=2.1e-3)
            checked += 1
        # a vetoed target is decided on afresh when nominated again: the whole 2 s, not at once
        first_veto = vetoed.groupby("target").time.min()
        renominated = nominated[nominated.time > nominated.target.map(first_veto).fillna(np.inf)]
        for again in renominated.itertuples():
            decided = mine[mine.kind.isin(["vetoed", "launch"]) & (mine.target == again.target)
                           & (mine.time >= again.time)].time.min()
            assert decided == pytest.approx(again.time + 2.0, abs=1e-9)
            redecided += 1
    assert checked >= 10 and redecided >= 10


@pytest.mark.parametrize("step", ["4 s", "0.25 s"])
def test_a_fire_unit_the_greedy_assigner_leaves_free_takes_the_other_target_at_once(scenario, step):
    """Two launchers at the base; two targets enter their envelope at the same instant, one heading for the base
    and one passing overhead for an asset 40 km south. Greedy (maximal marginal return) puts both launchers on the
    more urgent target and keeps one: the other launcher, free, takes the second target at that very instant. It
    waited for the next event, a step start: 164 s at a 4 s step, 161.25 s at 0.25 s, for 161.225 s."""
    a = stream(1, id_="a", start="1.5 s")
    b = stream(1, id_="b", bearing_deg=0.0, start="1.5 s")
    b["route"] = [{"x": "0 m", "y": "30000 m", "altitude": "2100 m", "speed": "100 m/s"},
                  {"x": "0 m", "y": "-40000 m", "altitude": "2100 m", "speed": "100 m/s"}]
    b["target"] = "far"
    units = [{"id": "sam1", "type": "t-launcher", "x": "0 km", "y": "0 km"},
             {"id": "sam2", "type": "t-launcher", "x": "0 km", "y": "0 km"}]
    world = build_world(scenario(step, units=units, threats=[a, b], types=catalog(missile={"pk": 0.5}),
                                 doctrine={"assignment": "greedy"}, duration="5 min",
                                 defended_assets=[{"id": "base", "x": "0 km", "y": "0 km", "radius": "1 km"},
                                                  {"id": "far", "x": "0 km", "y": "-40 km", "radius": "1 km"}]))
    engine = Engine(world, np.arange(3), seed=3)
    engine.run()
    launches = engine.events[engine.events.kind == "launch"]
    first = launches.groupby(["replication", "target"]).time.min().unstack()
    assert first.shape == (3, 2)
    # both at the same instant (to the engine's 1 ms: each launcher's own track of its target gives its solution)
    np.testing.assert_allclose(first.iloc[:, 1], first.iloc[:, 0], atol=2.1e-3)
    units = launches.sort_values("time").groupby("replication").head(2).groupby("replication").unit.nunique()
    assert (units == 2).all()


@pytest.mark.parametrize("civil", [False, True])
def test_a_target_coming_back_into_its_guiding_radar_s_sight_is_nominated_at_the_window_s_middle(scenario, civil):
    """The launcher and its own radar cover every bearing but a 60 deg wedge to the west (its sector: centre 90 deg,
    width 300 deg). A target flying south 3 km west of it is tracked from its start, crosses the wedge (34.6 s out of
    sight, its radar's track kept: 60 missed looks drop it) while the intercept point, ahead of it, lies in the wedge
    too, and comes back into sight with the intercept point in reach. What a sensor sees is read at the geometry
    sample nearer each moment (docs/engine.md), so it is back in sight, and nominated, at the middle of the window in
    which it leaves the wedge: at a 4 s step, not at the next sample (2 s later), and not whenever something else
    woke the fire-control cycle: with an airliner taking off in reach 1 s before (its transponder answering: never a
    candidate), whose track reaches the launcher's picture within that window, the nomination is the same."""
    step, west, y0 = 4.0, 3000.0, 2200.0
    types = catalog()
    units = [{"id": "sam", "type": "t-launcher", "x": "0 km", "y": "0 km",
              "sector": {"center": "90 deg", "width": "300 deg"}}]
    threat = {"id": "south", "type": "t-target", "count": 1, "start": "0 s", "altitude_reference": "msl",
              "route": [{"x": f"{-west} m", "y": f"{y0} m", "altitude": f"{100 + HEIGHT} m", "speed": f"{SPEED} m/s"},
                        {"x": f"{-west} m", "y": "-30000 m", "altitude": f"{100 + HEIGHT} m", "speed": f"{SPEED} m/s"}]}
    traffic = []
    if civil:
        types["types"]["t-liner"] = dict(types["types"]["t-target"], category="airliner", label="test airliner",
                                         civil=True)
        traffic = [{"id": "liner", "type": "t-liner", "start": "37 s", "transponder": "on", "altitude_reference": "msl",
                    "route": [{"x": "8 km", "y": "-5 km", "altitude": "2100 m", "speed": "100 m/s"},
                              {"x": "8 km", "y": "20 km", "altitude": "2100 m", "speed": "100 m/s"}]}]
    world = build_world(scenario(f"{step} s", units=units, threats=[threat], types=types, traffic=traffic,
                                 duration="2 min", doctrine={"tracking": {"process_noise": 1e-4, "drop_after": 60}}))
    # the model: the wedge's southern edge, bearing 240 deg, lies at y = -west tan(30 deg) on the target's line
    back = (y0 + west * np.tan(np.radians(30.0))) / SPEED
    sample = np.ceil(back / step) * step  # the first sample after it: the radar sees the target there
    assert 0.5 < sample - back < step - 0.5  # (far from a sample)
    engine = Engine(world, np.arange(4), seed=5)
    engine.run()
    ev = engine.events
    nominated = ev[(ev.kind == "nominated") & (ev.target == 0)].groupby("replication").time.min()
    assert len(nominated) == 4
    np.testing.assert_allclose(nominated.to_numpy(), sample - step / 2, atol=1e-9)


def test_waking_the_fire_control_cycle_more_often_changes_nothing(monkeypatch):
    """Each replication's clock runs from one event to the next; an event missing from that list (a moment at which
    something becomes possible that nothing wakes the replication for) would make outcomes depend on whatever else
    woke it, and on the step. So the reference scenario (helicopters in and out of its radars' sight, 1 s steps) is
    run as it is and with every replication woken every quarter second besides: every replication's events are the
    same. (Before a target coming back into a guiding radar's sight woke it, replications 0 and 3 differed.)"""
    from iadsim.engine import phases
    from iadsim.scenario import load_scenario

    world = build_world(load_scenario(EXAMPLES / "reference-large.yaml"))
    reps = [0, 3]
    plain = Engine(world, reps)
    plain.run()
    woken = []
    next_events = phases.next_events

    def more_often(ctx, st, clock, end, delivered, opened, rows):
        due, at = next_events(ctx, st, clock, end, delivered, opened, rows)
        soon = np.full(len(ctx.reps), np.inf)
        soon[due] = at
        soon[rows] = np.minimum(soon[rows], np.where(clock[rows] + 0.25 < end, clock[rows] + 0.25, np.inf))
        woken.append(int(np.isfinite(soon).sum()) - len(due))
        keep = np.flatnonzero(np.isfinite(soon))
        return keep, soon[keep]

    monkeypatch.setattr(phases, "next_events", more_often)
    often = Engine(world, reps)
    often.run()
    assert sum(woken) > 1000  # (the extra wakes happened)
    key = ["replication", "time", "kind", "unit", "target"]
    a, b = (e.events.sort_values(key, kind="stable").reset_index(drop=True) for e in (plain, often))
    assert (a.kind == "launch").sum() > 20
    pandas.testing.assert_frame_equal(a, b)


def test_a_guiding_radar_coming_back_on_lets_its_launcher_fire_at_that_moment(scenario):
    """The launcher's own radar blinks (on 60 s, off 1.2 s: its track held through the dark) and is dark when the
    target's intercept point enters the envelope. A crew does not fire missiles its radar would leave unguided, so
    the nomination waits for the radar: at the moment it comes back on (its `emitter_on`), at a 4 s step, not at the
    next step's start (the moment had no event of its own)."""
    entry = window(0.0, DZ)[0]  # when the intercept point enters the envelope (the model above)
    back = entry + 0.8
    blink = {"policy": "blink", "on": "60 s", "off": "1.2 s", "offset": f"{back:.6f} s"}
    world = build_world(scenario("4 s", units=[{"id": "sam", "type": "t-launcher", "x": "0 km", "y": "0 km",
                                                "emcon": blink}]))
    assert back % 4.0 > 0.5  # (the next step starts well after it)
    engine = Engine(world, np.arange(4), seed=5)
    engine.run()
    ev = engine.events
    on = ev[(ev.kind == "emitter_on") & (ev.time > entry - 1)].groupby("replication").time.min()
    nominated = ev[ev.kind == "nominated"].groupby("replication").time.min()
    np.testing.assert_allclose(on.to_numpy(), back, atol=1e-6)
    np.testing.assert_allclose(nominated.to_numpy(), back, atol=1e-6)
