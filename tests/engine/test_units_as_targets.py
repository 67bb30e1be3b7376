"""The network's own units as targets: a threat that reaches the unit it attacks destroys it with its raid's ``pk``;
a destroyed unit leaves the kill chain at once, its radar stops emitting and seeing at that instant, and none of
it depends on the time step. Expected times come from the routes (distance over speed), worked out here."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from tests.scenario._helpers import run_cli

from iadsim.engine import Engine, build_world
from iadsim.network import audit

from ._scenarios import raid, scenario_dict

EW = (10.0, 0.0)  # km


def _network(pk: float = 1.0, count: int = 1, step: str = "1 s", silent_pd: bool = True, spacing: str = "30 s",
             **top) -> dict:
    """An early-warning radar reporting to a command post that cues a short-range system; drones attack the radar
    (their route ends at its site) and fighters fly at the base later."""
    units = [{"id": "ew", "type": "ew-radar", "x": f"{EW[0]} km", "y": f"{EW[1]} km"},
             {"id": "cp", "type": "command-post", "x": "0 km", "y": "-3 km"},
             {"id": "pd", "type": "sr-system", "x": "1 km", "y": "0 km",
              "emcon": {"policy": "silent"} if silent_pd else {}}]
    links = [{"from": "ew", "to": "cp", "carries": "tracks", "latency": "2 s"},
             {"from": "cp", "to": "pd", "carries": "cues", "latency": "1 s"}]
    strike = raid("strike", 4, 7, *EW, count=count, spacing=spacing, target="ew") | {"pk": pk}
    later = raid("fighters", -40, 5, count=4, type_="fighter", altitude="500 m", start="300 s", spacing="20 s")
    return scenario_dict(units, links, [strike, later], step=step, duration="500 s", **top)


def _run(make_scenario, data: dict, replications: int, events: bool = True):
    world = build_world(make_scenario(data))
    engine = Engine(world, np.arange(replications), seed=5, events=events)
    engine.run()
    return world, engine


def _arrival(world) -> float:
    """When the first drone of the strike reaches the radar: its start plus the route's length over its speed."""
    flight = world.scenario.spec.threats[0]
    (a, b) = flight.route
    speed = world.scenario.catalog.types[flight.type].cruise_speed.value if b.speed is None else b.speed
    return flight.start + float(np.hypot(b.x - a.x, b.y - a.y)) / speed


@pytest.mark.parametrize("step", ["1 s", "10 s"])
def test_a_threat_reaching_a_radar_destroys_it_there_and_then(make_scenario, step):
    """At 10 s steps the radar looks again within the step after its destruction (the looks of a step are made
    before its events): what it saw then must still never reach the command post."""
    world, engine = _run(make_scenario, _network(count=3, spacing="2 s", step=step), 8)
    st, ev = engine.state, engine.events
    u, s = world.unit_index["ew"], world.sensor_ids.index("ew")
    when = float(world.arrival_time[world.target_ids.index("strike-1")])
    assert when == pytest.approx(_arrival(world), rel=1e-6)
    assert (st.readiness.destroyed_at[:, u] == when).all() and not st.readiness.unit_up[:, u].any()
    destroyed = ev[ev.kind == "destroyed"]
    assert len(destroyed) == 8 and (destroyed.unit == u).all() and np.allclose(destroyed.time, when)
    assert (destroyed.target == world.target_ids.index("strike-1")).all()
    # it emitted from the start until then, and switched off then
    assert np.allclose(st.outcomes.emission_time[:, s], when, rtol=0, atol=1e-9)
    emitter = ev[ev.kind.isin(["emitter_on", "emitter_off"]) & (ev.unit == u)]
    assert emitter.groupby("replication").time.max().tolist() == [when] * 8
    assert (emitter[emitter.time == when].kind == "emitter_off").all()
    # what it saw after `when` never reached the command post: the post's tracks are all older
    c = len(world.fire_ids) + world.post_ids.index("cp")
    held = st.picture.updates[:, c] > 0
    assert held.any() and (st.picture.track_time[:, c][held] <= when + 1e-9).all()
    # and it never saw the fighters that came later
    fighters = [i for i, t in enumerate(world.target_ids) if t.startswith("fighters")]
    assert np.isinf(st.tracks.confirmed_at[:, s][:, fighters]).all()


def test_the_raid_pk_is_the_chance_a_strike_destroys_the_unit(make_scenario):
    """One drone at pk 0.3 over 400 replications: the destroyed fraction is binomial (4 standard errors)."""
    pk, n = 0.3, 400
    world, engine = _run(make_scenario, _network(pk=pk), n, events=False)
    hit = np.isfinite(engine.state.readiness.destroyed_at[:, world.unit_index["ew"]]).mean()
    assert abs(hit - pk) <= 4 * np.sqrt(pk * (1 - pk) / n), hit


def test_later_threats_at_a_destroyed_unit_leak_and_destroy_nothing_more(make_scenario):
    world, engine = _run(make_scenario, _network(count=3), 2)
    ev = engine.events
    strike = [i for i, t in enumerate(world.target_ids) if t.startswith("strike")]
    assert len(ev[ev.kind == "destroyed"]) == 2  # once per replication, by the first to arrive
    assert set(ev[ev.kind == "leak"].target) >= set(strike)
    first = min(strike, key=lambda t: world.arrival_time[t])
    assert (ev[ev.kind == "destroyed"].target == first).all()


def test_a_destroyed_guiding_radar_takes_its_launcher_out_at_once_whatever_the_step(make_scenario):
    """The short-range system attacked itself (its own radar guides it): after its destruction it launches
    nothing, and the destruction time, its chain and what it launched before do not depend on the step."""
    runs = []
    for step in ("1 s", "3 s"):
        data = _network(silent_pd=False, step=step)
        data["threats"][0] = raid("strike", 5, 8, 1, 0, count=3, spacing="5 s", target="pd") | {"pk": 1.0}
        data["units"][2]["missiles"] = 1  # it shoots one down at most: another reaches it
        world, engine = _run(make_scenario, data, 4)
        ev = engine.events
        u = world.unit_index["pd"]
        when = engine.state.readiness.destroyed_at[:, u]
        assert np.isfinite(when).all()
        launches = ev[(ev.kind == "launch") & (ev.unit == u)]
        assert len(launches) and (launches.time.to_numpy() < when[launches.replication.to_numpy()]).all()
        assert not engine.state.readiness.able[:, world.fire_ids.index("pd")].any()
        runs.append(when)
    assert np.array_equal(*runs)


def test_the_audit_warns_of_attacked_units_in_a_chain(make_scenario):
    status = audit(make_scenario(_network(silent_pd=False)))
    pd = next(u for u in status["fire_units"] if u["id"] == "pd")
    reasons = {r["code"]: r["message"] for r in pd["reasons"]}
    assert pd["able"] and "ew (by strike)" in reasons["targeted"]


@pytest.mark.parametrize(("change", "words", "field"), [
    ({"target": "nowhere"}, "no defended asset or unit with id 'nowhere'", "threats[0].target"),
    ({"target": "base", "pk": 0.5}, "this raid attacks no unit", "threats[0].pk"),
])
def test_a_bad_target_is_refused_naming_the_field(tmp_path, capsys, change, words, field):
    data = _network()
    data["threats"][0] |= change
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    status, out, err = run_cli(capsys, "validate", str(path))
    assert status == 2 and "Traceback" not in err and words in err and field in err, err


@pytest.mark.parametrize("step", ["1 s", "10 s"])
def test_a_blinking_radar_destroyed_mid_burst_stops_emitting_there(make_scenario, step):
    """A radar blinking 30 s on, 20 s off: its emission time is the bursts' overlap with [0, destruction), its
    last switch event is an off at the destruction if it was on then (the last scheduled off before, if not), and
    none follows; its tracks end then. The metrics count one unit and one radar lost."""
    from iadsim.analysis.metrics import replication_rows

    data = _network(step=step)
    data["units"][0]["emcon"] = {"policy": "blink", "on": "30 s", "off": "20 s"}
    world, engine = _run(make_scenario, data, 3)
    st, ev = engine.state, engine.events
    u, s = world.unit_index["ew"], world.sensor_ids.index("ew")
    when = float(world.arrival_time[world.target_ids.index("strike")])
    bursts = [(50.0 * n, 50.0 * n + 30.0) for n in range(20)]
    expected = sum(max(0.0, min(b, when) - a) for a, b in bursts)
    assert np.allclose(st.outcomes.emission_time[:, s], expected, rtol=0, atol=1e-9)
    mine = ev[ev.kind.isin(["emitter_on", "emitter_off"]) & (ev.unit == u)]
    on_then = any(a <= when < b for a, b in bursts)
    last_off = when if on_then else max(b for a, b in bursts if b <= when)
    for r in range(3):
        last = mine[mine.replication == r].sort_values("time").iloc[-1]
        assert last.kind == "emitter_off" and last.time == pytest.approx(last_off, abs=1e-9)
    assert np.isinf(st.tracks.confirmed_at[:, s]).all() and (st.tracks.table.status[:, s] == 0).all()
    assert (st.tracks.held_until[:, s][np.isfinite(st.tracks.held_since[:, s])] <= when).all()
    rows = replication_rows(world, engine)
    assert (rows.units_destroyed == 1).all() and (rows.radars_lost == 1).all()


def test_a_destroyed_unit_is_never_repaired(make_scenario):
    data = _network()
    data["units"][0]["readiness"] = {"mtbf": "30 s", "mttr": "10 s"}
    world, engine = _run(make_scenario, data, 6)
    ev, u = engine.events, world.unit_index["ew"]
    when = engine.state.readiness.destroyed_at[:, u]
    hit = np.isfinite(when)
    assert hit.any() and not engine.state.readiness.unit_up[hit, u].any()
    after = ev[(ev.unit == u) & ev.kind.isin(["repaired", "failed", "emitter_on"])]
    assert (after.time.to_numpy() <= when[after.replication.to_numpy()]).all()


def test_a_raid_whose_route_ends_far_from_its_unit_is_warned_about(make_scenario):
    from iadsim.scenario.load import ScenarioWarning

    data = _network()
    data["threats"][0]["route"][-1] |= {"x": "20 km"}  # 10 km past the radar
    with pytest.warns(ScenarioWarning, match=r"threats\[0\]\.route: ends 10\.0 km from unit 'ew'"):
        make_scenario(data)


@pytest.mark.parametrize("switch", ["on", "off"])
def test_a_switch_at_the_destruction_instant_did_not_happen(make_scenario, switch):
    """The blink's cycle placed so that it switches exactly when the radar is destroyed: switching off then, one
    off is logged (not two); switching on then, none (it was dark), and the last event is the off before."""
    when = float(_run(make_scenario, _network(), 1)[0].arrival_time[0])
    data = _network()
    offset = when if switch == "on" else when - 30.0  # a burst starts, or ends, at `when`
    data["units"][0]["emcon"] = {"policy": "blink", "on": "30 s", "off": "20 s", "offset": f"{offset!r} s"}
    world, engine = _run(make_scenario, data, 2)
    ev = engine.events
    mine = ev[ev.kind.isin(["emitter_on", "emitter_off"]) & (ev.unit == world.unit_index["ew"])]
    assert world.scenario.spec.units[0].emcon.offset == offset
    for r in range(2):
        kinds = mine[mine.replication == r].sort_values("time", kind="stable")
        assert all(a != b for a, b in zip(kinds.kind, kinds.kind[1:], strict=False))  # on and off alternate
        last = kinds.iloc[-1]
        assert last.kind == "emitter_off"
        assert last.time == pytest.approx(when if switch == "off" else when - 20.0, abs=1e-9)
        assert (kinds.time <= when).all()
