"""Emission control (``emcon``): blinking and rotating radars emit for the configured duty cycles, a dark radar
detects nothing and its tracks age out, a fire unit launches only while its guiding radar will emit until the
intercept, and none of it depends on the time step. The expected schedules are worked out here from the
configured times (overlaps of the on-intervals with the run), not with :mod:`iadsim.network.emcon`."""

from __future__ import annotations

import numpy as np
import pytest
from tests.scenario._helpers import run_cli

from iadsim.engine import Engine, build_world
from iadsim.network import audit
from iadsim.network.emcon import Schedule, emitting, emitting_until, on_time, switches

from ._scenarios import raid, scenario_dict

DURATION = 300.0
BLINK = (20.0, 40.0, 5.0)  # on, off, offset [s]
SLOT = 30.0
ROTATION = ("r1", "r2", "r3")


def _intervals(on: float, period: float, offset: float, end: float = DURATION) -> list[tuple[float, float]]:
    """The on-intervals of a periodic schedule clipped to [0, end): [offset + n period, offset + n period + on)."""
    out = []
    n = -int(np.ceil(offset / period)) - 1
    while offset + n * period < end:
        a, b = max(offset + n * period, 0.0), min(offset + n * period + on, end)
        if b > a:
            out.append((a, b))
        n += 1
    return out


def _expected() -> dict[str, list[tuple[float, float]]]:
    on, off, offset = BLINK
    out = {"ew": _intervals(on, on + off, offset)}
    for i, name in enumerate(ROTATION):  # member i's turn: slot i of every cycle of len(group) slots
        out[name] = _intervals(SLOT, len(ROTATION) * SLOT, i * SLOT)
    return out


def _scenario(step: str = "1 s", fire_emcon: dict | None = None) -> dict:
    on, off, offset = BLINK
    units = [{"id": "ew", "type": "ew-radar", "x": "0 km", "y": "-3 km",
              "emcon": {"policy": "blink", "on": f"{on} s", "off": f"{off} s", "offset": f"{offset} s"}}]
    units += [{"id": name, "type": "mr-search-radar", "x": f"{2 * i} km", "y": "-5 km",
               "emcon": {"policy": "rotation", "group": "g", "slot": f"{SLOT} s"}} for i, name in enumerate(ROTATION)]
    units += [{"id": "pd", "type": "sr-system", "x": "1 km", "y": "0 km", "emcon": fire_emcon or {}}]
    threats = [raid("drones", -25, 2, count=6, spacing="20 s"), raid("late", 2, 25, count=4, start="60 s")]
    return scenario_dict(units, threats=threats, step=step, duration=f"{DURATION} s")


def _run(make_scenario, data: dict, replications: int = 4):
    world = build_world(make_scenario(data))
    engine = Engine(world, np.arange(replications), seed=11)
    engine.run()
    return world, engine


def _on_intervals(events, unit: int, replication: int) -> list[tuple[float, float]]:
    """The radar's on-intervals from its emitter events (closed at the run's end)."""
    mine = events[(events.unit == unit) & (events.replication == replication)
                  & events.kind.isin(["emitter_on", "emitter_off"])].sort_values("time", kind="stable")
    kinds = mine.kind.astype(str).tolist()
    assert all(a != b for a, b in zip(kinds, kinds[1:], strict=False)), "on and off alternate"
    out, since = [], None
    for kind, when in zip(kinds, mine.time, strict=False):
        if kind == "emitter_on":
            since = when
        else:
            out.append((since, when))
            since = None
    if since is not None:
        out.append((since, DURATION))
    return [(a, b) for a, b in out if b > a]  # (the run includes its last instant: a switch-on then lasts 0 s)


def test_blink_and_rotation_emit_their_configured_duty_cycles(make_scenario):
    world, engine = _run(make_scenario, _scenario())
    expected = _expected()
    events = engine.events
    for name, intervals in expected.items():
        s, u = world.sensor_ids.index(name), world.unit_index[name]
        total = sum(b - a for a, b in intervals)
        assert np.allclose(engine.state.outcomes.emission_time[:, s], total, rtol=0, atol=1e-9), name
        for r in range(len(engine.reps)):
            assert np.allclose(_on_intervals(events, u, r), intervals, rtol=0, atol=1e-9), (name, r)
    # a rotation: at every moment exactly one member of the group emits (the engine's events)
    for r in range(len(engine.reps)):
        turns = sorted(iv for name in ROTATION for iv in _on_intervals(events, world.unit_index[name], r))
        assert turns[0][0] == 0 and turns[-1][1] == DURATION and all(
            a[1] == b[0] for a, b in zip(turns, turns[1:], strict=False))
    # the always-on fire unit's radar: on from the start, all the time
    s = world.sensor_ids.index("pd")
    assert np.allclose(engine.state.outcomes.emission_time[:, s], DURATION, rtol=0, atol=1e-9)


def test_emission_does_not_depend_on_the_time_step(make_scenario):
    runs = [_run(make_scenario, _scenario(step), 2) for step in ("1 s", "3 s")]
    (w1, e1), (w3, e3) = runs
    assert np.allclose(e1.state.outcomes.emission_time, e3.state.outcomes.emission_time, rtol=0, atol=1e-9)
    emitter = lambda e: e.events[e.events.kind.isin(["emitter_on", "emitter_off"])].sort_values(  # noqa: E731
        ["replication", "unit", "time"])[["replication", "unit", "time"]].to_numpy()
    assert np.allclose(emitter(e1), emitter(e3), rtol=0, atol=1e-9)


def test_awkward_times_switch_once_each_and_add_up(make_scenario):
    """Times no float holds exactly (a 1.3 s burst, 1.7 s pause, 0.1 s offset, 0.7 s steps): every switch is logged
    once, at its time, on and off alternating, and the time on is the bursts' total."""
    data = _scenario(step="0.7 s")
    data["units"] = [data["units"][0] | {"emcon": {"policy": "blink", "on": "1.3 s", "off": "1.7 s",
                                                   "offset": "0.1 s"}}, data["units"][-1]]
    world, engine = _run(make_scenario, data, 1)
    expected = _intervals(1.3, 3.0, 0.1)
    got = _on_intervals(engine.events, world.unit_index["ew"], 0)
    assert len(got) == len(expected) and np.allclose(got, expected, rtol=0, atol=1e-9)
    total = engine.state.outcomes.emission_time[0, world.sensor_ids.index("ew")]
    assert total == pytest.approx(sum(b - a for a, b in expected), abs=1e-9)


def _in_any(times: np.ndarray, intervals, tolerance: float = 1e-9) -> np.ndarray:
    return np.array([any(a - tolerance <= t < b + tolerance for a, b in intervals) for t in times], bool)


def test_a_dark_radar_detects_nothing_and_its_tracks_age_out(make_scenario):
    """Every track the blinking radar confirms was confirmed at a look while it emitted; its tracks are dropped
    during a dark spell longer than the doctrine's missed looks; always on, the same radar confirms tracks at
    times the blink would have kept it dark (so the check can fail)."""
    def confirmations(data):
        world = build_world(make_scenario(data))
        engine = Engine(world, np.arange(4), seed=11, events=False)
        s = world.sensor_ids.index("ew")
        seen, before_on = set(), []
        starts = {a for a, _ in _expected()["ew"] if a > 0}
        while engine.state.time_index < len(world.times):
            engine.step()
            trk = engine.state.tracks
            for table in (trk.confirmed_at[:, s], trk.held_since[:, s]):
                seen.update(table[np.isfinite(table)].tolist())
            if float(world.times[engine.state.time_index - 1]) + world.step in starts:  # just before it comes on
                before_on.append(np.isfinite(trk.confirmed_at[:, s]).sum())
        return np.array(sorted(seen)), before_on, world

    times, before_on, world = confirmations(_scenario())
    assert len(times) >= 3 and _in_any(times, _expected()["ew"]).all()
    on, off, _ = BLINK
    drop = world.scenario.spec.doctrine.tracking.drop_after * float(world.look_period[world.sensor_ids.index("ew")])
    assert drop < off and before_on and all(n == 0 for n in before_on)
    always = _scenario()
    always["units"][0]["emcon"] = {"policy": "always-on"}
    times, _, _ = confirmations(always)
    assert not _in_any(times, _expected()["ew"]).all()


@pytest.mark.parametrize("authority", ["autonomous", "human-in-the-loop"])
def test_a_fire_unit_launches_only_while_its_radar_emits_until_the_intercept(make_scenario, authority):
    """Every launch's flight lies inside one burst of its radar; an operator's decision that ends too late in a
    burst loses the engagement (radar_dark); a nomination is never repeated at the same instant; always on, some
    of the same flights would have crossed a dark spell (so the check can fail)."""
    blink = {"policy": "blink", "on": "25 s", "off": "15 s"}
    lit = _intervals(25.0, 40.0, 0.0, end=2 * DURATION)  # flights may end after the run
    # (a decision of 4 s: the fire unit's tracks, no longer overconfident where several radars report them, mature
    # later in a 25 s burst, and after an 8 s decision no flight fitted in what was left of one)
    top = {} if authority == "autonomous" else {"authority": {"mode": authority, "decision_time": {
        "distribution": "fixed", "value": "4 s"}}}

    def flights(data):
        world, engine = _run(make_scenario, data | top, 8)
        ev = engine.events
        launches = ev[(ev.kind == "launch") & (ev.unit == world.unit_index["pd"])]
        return launches.time.to_numpy(), (launches.time + launches.time_of_flight).to_numpy(), ev

    start, end, events = flights(_scenario(fire_emcon=blink))
    assert len(start) >= 3
    for a, b in zip(start, end, strict=True):
        assert any(lo <= a and b <= hi + 1e-9 for lo, hi in lit), (a, b)
    nominated = events[events.kind == "nominated"]
    assert not nominated.duplicated(["replication", "time", "target"]).any()
    dark = events[(events.kind == "lost") & (events.reason == "radar_dark")]
    if authority == "autonomous":
        assert dark.empty  # decided at once: the check at the nomination holds at the launch
    else:
        assert len(dark) >= 1
    start, end, _ = flights(_scenario())  # always on: some flights would have crossed a dark spell
    assert not all(any(lo <= a and b <= hi for lo, hi in lit) for a, b in zip(start, end, strict=True))


def test_the_audit_names_radars_dark_or_part_time_by_policy(make_scenario):
    data = _scenario(fire_emcon={"policy": "blink", "on": "25 s", "off": "15 s"})
    pd = next(u for u in audit(make_scenario(data))["fire_units"] if u["id"] == "pd")
    codes = {r["code"]: r["message"] for r in pd["reasons"]}
    assert pd["able"] and "on 25 s, off 15 s: 62% of the time" in codes["emission-control"]
    data["units"][-1]["emcon"] = {"policy": "silent"}
    pd = next(u for u in audit(make_scenario(data))["fire_units"] if u["id"] == "pd")
    assert not pd["able"] and "emissions-off" in {r["code"] for r in pd["reasons"]}


@pytest.mark.parametrize(("emcon", "words"), [
    ({"policy": "blink", "on": "10 s"}, "a blink policy needs off"),
    ({"policy": "always-on", "slot": "10 s"}, "slot not used by an always-on policy"),
    ({"policy": "blink", "on": "0.5 s", "off": "10 s"}, "on must be at least 1 s"),
    ({"policy": "rotation", "group": "solo", "slot": "10 s"}, "rotation group 'solo' has one unit"),
    ({"policy": "flicker"}, "unknown emission-control policy 'flicker'"),
])
def test_bad_emission_control_is_refused_naming_the_field(tmp_path, cli, emcon, words):
    import yaml

    data = _scenario()
    data["units"] = [data["units"][0] | {"emcon": emcon}, data["units"][-1]]
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    status, out, err = cli("validate", str(path))
    assert status == 2 and "Traceback" not in err and words in err and "units[0].emcon" in err, err


def test_a_schedule_on_a_unit_that_emits_nothing_is_refused(tmp_path, cli):
    import yaml

    data = scenario_dict([{"id": "esm", "type": "esm-station", "x": "0 km", "y": "0 km",
                           "emcon": {"policy": "blink", "on": "1 s", "off": "1 s"}}])
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    status, out, err = cli("validate", str(path))
    assert status == 2 and "units[0].emcon.policy" in err and "emits nothing" in err, err


@pytest.fixture
def cli(capsys):
    return lambda *argv: run_cli(capsys, *argv)


# ------------------------------------------------------------------------------------ the schedule arithmetic

@pytest.mark.parametrize("schedule", [Schedule(60.0, 20.0, 5.0), Schedule(90.0, 30.0, 60.0), Schedule(7.0, 0.5, 100.0),
                                      Schedule(1.6, 0.3, 0.0), Schedule(0.4, 0.1, 0.1), Schedule(3.0, 1.3, 0.1),
                                      Schedule(np.inf, np.inf), Schedule(np.inf, 0.0)])
def test_the_schedule_functions_agree_with_a_fine_sampling(schedule):
    """On, time on, next switch-off and switches against sampling every millisecond over [-50 s, 250 s)."""
    dt = 1e-3
    t = np.arange(-50.0, 250.0, dt) + dt / 2  # cell centres: no sample on a switch
    if schedule.periodic:
        phase = (t - schedule.offset) - np.floor((t - schedule.offset) / schedule.period) * schedule.period
        sampled = phase < schedule.on
    else:
        sampled = np.full(len(t), schedule.on > 0)
    args = (schedule.period, schedule.on, schedule.offset)
    assert (emitting(t, *args) == sampled).mean() > 0.9999
    for a, b in ((-50.0, 250.0), (3.3, 17.9), (12.0, 12.0), (-7.5, 61.25)):
        inside = (t >= a) & (t < b)
        assert float(on_time(a, b, *args)) == pytest.approx(sampled[inside].sum() * dt, abs=2e-3)
    flips = np.flatnonzero(sampled[1:] != sampled[:-1])
    got = switches(-50.0, 250.0, schedule)
    assert [round(w, 2) for w, _ in got] == [round(float(t[i] + dt / 2), 2) for i in flips]
    assert [state for _, state in got] == [bool(sampled[i + 1]) for i in flips]
    if schedule.periodic:  # at each switch time exactly, whatever the rounding: the state it switches to
        n = np.arange(-20, 60)
        begins = schedule.offset + n * schedule.period
        assert emitting(begins, *args).all() and not emitting(begins + schedule.on, *args).any()
        assert np.array_equal(emitting_until(begins, *args), begins + schedule.on)
    for x in (-20.0, 4.0, 24.9999, 25.0, 130.0):
        until = float(emitting_until(x, *args))
        later = (t >= x) & ~sampled
        if not emitting(x, *args):
            assert until == x
        elif not later.any() and not schedule.periodic:
            assert until == np.inf
        else:
            assert until == pytest.approx(t[later][0] - dt / 2, abs=1e-6)
