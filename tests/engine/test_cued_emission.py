"""Cued emission control (on-cue, ambush): a fire-control radar dark until a fire unit it guides holds a hostile track
within a fraction of its missile's range. An early-warning radar hands the drones' tracks to a short-range system
through a command post; the short-range system's own radar waits. When the first drone comes within the range is
worked out here from its route (straight at cruise speed); the picture's track is current to a few seconds (links of
2 s and 1 s), so the radar goes live within seconds of it, never before, and emits nothing until then."""

from __future__ import annotations

import math

import numpy as np
import pytest

from iadsim.engine import Engine, build_world
from iadsim.network import audit
from iadsim.scenario.catalog import builtin_catalog

from ._scenarios import scenario_dict

PD = (1.0, 0.0)  # km
START, END = (-25.0, 2.0), (0.0, 0.0)  # km: the drones' route


def _scenario(emcon: dict, step: str = "1 s", duration: str = "500 s") -> dict:
    units = [{"id": "ew", "type": "ew-radar", "x": "10 km", "y": "5 km"},
             {"id": "cp", "type": "command-post", "x": "0 km", "y": "-3 km"},
             {"id": "pd", "type": "sr-system", "x": f"{PD[0]} km", "y": f"{PD[1]} km", "emcon": emcon}]
    links = [{"from": "ew", "to": "cp", "carries": "tracks", "latency": "2 s"},
             {"from": "cp", "to": "pd", "carries": "cues", "latency": "1 s"}]
    drones = {"id": "drones", "type": "drone", "count": 3, "spacing": "20 s", "target": "base",
              "route": [{"x": f"{START[0]} km", "y": f"{START[1]} km", "altitude": "300 m"},
                        {"x": f"{END[0]} km", "y": f"{END[1]} km", "altitude": "300 m"}]}
    return scenario_dict(units, links, [drones], step=step, duration=duration)


def _entry_time(distance: float) -> float:
    """When the first drone comes within ``distance`` [m] (ground range) of the short-range system: along its
    straight route at its cruise speed, the first root of |a + s (b - a) - p| = distance."""
    speed = builtin_catalog().types["drone"].cruise_speed.value
    a, b, p = (np.array(v) * 1e3 for v in (START, END, PD))
    d, f = b - a, a - p
    qa, qb, qc = d @ d, 2 * f @ d, f @ f - distance**2
    s = (-qb - math.sqrt(qb * qb - 4 * qa * qc)) / (2 * qa)
    return s * float(np.hypot(*d)) / speed


def _run(make_scenario, data: dict, replications: int = 6):
    world = build_world(make_scenario(data))
    engine = Engine(world, np.arange(replications), seed=2)
    engine.run()
    return world, engine


def _cue_in_window(world, state, s: int, start: float, end: float, reach: float) -> np.ndarray:
    """(R,) when the rule cues radar ``s`` in the window [start, end), from the fire unit's picture as it stands at
    the window's start (inf: not in it): the first instant a hostile, flying track that a feeding sensor holds now
    (confirmed, delivered over the link), no faster than the missile's maximum target speed and no higher above the
    radar than its maximum altitude, flown straight on from its last update, is within ``reach`` (ground range) of
    the radar."""
    f = world.fire_ids.index("pd")
    pic, out, trk, rd = state.picture, state.outcomes, state.tracks, state.readiness
    missile = builtin_catalog().types["sr-missile"]
    radar = world.sensor_position[s, :2]
    grid = np.linspace(start, end, 2001)[:-1]  # every 0.5 ms of a 1 s window (5 ms of a 10 s one)
    cue = np.full(pic.updates.shape[0], np.inf)
    for r in range(len(cue)):
        for t in range(pic.updates.shape[2]):
            fed = rd.guides[r, f, s] and any(rd.feeds[r, f, q] and trk.confirmed_at[r, q, t] + world.latency[f, q]
                                             <= start for q in range(len(world.sensor_ids)))
            slow = np.linalg.norm(pic.x[r, f, t, 3:6]) <= missile.max_target_speed.value
            low = pic.x[r, f, t, 2] - world.sensor_position[s, 2] <= missile.max_altitude.value
            if fed and slow and low and pic.updates[r, f, t] > 0 and pic.system_hostile[r, t] and out.alive[r, t] \
                    and not out.leaked[r, t]:
                where = pic.x[r, f, t, :2] + pic.x[r, f, t, 3:5] * (grid - pic.track_time[r, f, t])[:, None]
                inside = np.hypot(*(where - radar).T) <= reach
                if inside.any():
                    cue[r] = min(cue[r], grid[np.argmax(inside)])
    return cue


@pytest.mark.parametrize(("policy", "fraction", "step"), [("ambush", 1.0, "1 s"), ("ambush", 1.0, "10 s"),
                                                          ("on-cue", 0.6, "1 s")])
def test_a_cued_radar_goes_live_when_the_picture_hands_a_track_over(make_scenario, policy, fraction, step):
    """Stepping the engine: at each step the radar goes live at the instant the rule, evaluated here on the fire
    unit's picture, says (to the grid's resolution), not before; it emits nothing until then and from then on; no
    launch precedes it; and it is cued within a minute of the first drone truly entering the range (the early-warning
    radar's track is a kilometre off at 30 km)."""
    emcon = {"policy": policy} | ({"fraction": fraction} if policy == "on-cue" else {})
    world = build_world(make_scenario(_scenario(emcon, step=step)))
    engine = Engine(world, np.arange(6), seed=2)
    s, u = world.sensor_ids.index("pd"), world.unit_index["pd"]
    reach = fraction * builtin_catalog().types["sr-missile"].max_range.value
    cued = np.full(6, np.inf)
    while engine.state.time_index < len(world.times):
        k = engine.state.time_index
        start = float(world.times[k])
        end = float(world.times[k + 1]) if k + 1 < len(world.times) else start + world.step
        expected = _cue_in_window(world, engine.state, s, start, end, reach)
        waiting = np.isinf(cued)
        engine.step()
        now = engine.state.readiness.silences[:, s, 0, 1]
        got = np.where(waiting & (now < np.inf), now, np.inf)
        assert got[waiting] == pytest.approx(expected[waiting], abs=(end - start) / 1000 + 1e-9)
        cued = np.where(waiting, got, cued)
    assert np.isfinite(cued).all()
    ev = engine.events
    switches = ev[(ev.unit == u) & ev.kind.isin(["emitter_on", "emitter_off"])]
    assert (switches.groupby("replication").time.apply(list).tolist() == [[c] for c in cued])
    assert (switches.kind == "emitter_on").all()
    assert engine.state.outcomes.emission_time[:, s] == pytest.approx(world.scenario.spec.duration - cued)
    launches = ev[(ev.kind == "launch") & (ev.unit == u)]
    assert len(launches) and (launches.time.to_numpy() > cued[launches.replication.to_numpy()]).all()
    assert (np.abs(cued - _entry_time(reach)) < 60.0).all()


def test_an_always_on_radar_would_have_emitted_from_the_start(make_scenario):
    """The control: the same system always on emits the whole run and engages earlier."""
    world, engine = _run(make_scenario, _scenario({}))
    s = world.sensor_ids.index("pd")
    assert engine.state.outcomes.emission_time[:, s] == pytest.approx(world.scenario.spec.duration)


def test_the_audit_says_the_radar_waits_for_a_cue(make_scenario):
    status = audit(make_scenario(_scenario({"policy": "on-cue", "fraction": 0.6})))
    pd = next(u for u in status["fire_units"] if u["id"] == "pd")
    reasons = {r["code"]: r["message"] for r in pd["reasons"]}
    assert pd["able"]
    assert ("pd (dark until cued: a fire unit it guides holds a hostile track within 60% of its missile's range)"
            in reasons["emission-control"])


def test_a_track_no_sensor_holds_any_more_cues_nothing(make_scenario):
    """The early-warning radar emits its first 45 s only, then stays dark: its tracks of the drones are dropped, and
    the fire unit's picture keeps only their last states. Flown on, they would come within range: they cue nothing,
    the radar stays dark and the drones leak; with the early-warning radar always on it is cued. (After 60 s on, a
    track still held until its drop, flown on, came within range in two replications of six: a cue by the rule.)"""
    data = _scenario({"policy": "ambush"}, duration="400 s")
    data["units"][0]["emcon"] = {"policy": "blink", "on": "45 s", "off": "900 s"}
    world, engine = _run(make_scenario, data)
    s = world.sensor_ids.index("pd")
    assert (engine.state.outcomes.emission_time[:, s] == 0).all()
    assert (engine.state.readiness.silences[:, s, 0, 1] == np.inf).all()
    assert (engine.state.picture.updates[:, world.fire_ids.index("pd")] > 0).any()  # it had held them
    world, engine = _run(make_scenario, _scenario({"policy": "ambush"}, duration="400 s"))
    assert (engine.state.outcomes.emission_time[:, s] > 0).all()


def test_a_cued_radar_with_nothing_to_cue_it(make_scenario):
    """No threats: the run completes, the radar never emits. No other sensor in the picture: the audit says it is
    never cued. A cued fire-control radar that guides no launcher: the loader warns."""
    from iadsim.scenario.load import ScenarioWarning

    data = _scenario({"policy": "ambush"})
    data["threats"] = []
    world, engine = _run(make_scenario, data, 2)
    assert (engine.state.outcomes.emission_time[:, world.sensor_ids.index("pd")] == 0).all()
    alone = _scenario({"policy": "ambush"})
    alone["units"], alone["links"] = alone["units"][2:], []
    status = audit(make_scenario(alone))
    reasons = {r["code"]: r["message"] for r in status["fire_units"][0]["reasons"]}
    assert "pd (never cued by this fire unit: no other sensor feeds its picture)" in reasons["emission-control"]
    lonely = _scenario({})
    lonely["units"].append({"id": "fcr", "type": "lr-engagement-radar", "x": "3 km", "y": "0 km",
                            "emcon": {"policy": "ambush"}})
    with pytest.warns(ScenarioWarning, match="'fcr' guides no launcher"):
        make_scenario(lonely)
