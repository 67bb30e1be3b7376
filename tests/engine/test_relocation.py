"""Relocation (shoot-and-scoot): a unit moves between its prepared sites; each move takes its type's tear-down, the
travel and its set-up, and from the tear-down's start to the set-up's end it neither emits nor fires. The
schedule of a unit's presence is worked out here from the catalog's figures and the sites, and the engine's
emission time, tear-down and set-up events, magazine and detections are checked against it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from iadsim.analysis.metrics import METRICS
from iadsim.engine import Engine, build_world
from iadsim.scenario.catalog import builtin_catalog

from ._scenarios import raid, scenario_dict

SITE = (5.0, 0.0)  # km, the prepared site


def _pd(relocation: dict, crew: str = "trained", **extra) -> dict:
    return {"id": "pd", "type": "sr-system", "x": "0 km", "y": "0 km", "crew": crew, "relocation": relocation,
            **extra}


def _legs(crew_factor: float = 1.0, travel: float | None = 60.0) -> tuple[float, float]:
    """(the move to the site, the move back) [s]: tear-down and set-up (crew-scaled) plus the travel - the site's
    own time out, the straight distance at the road speed back."""
    entry = builtin_catalog().types["sr-system"]
    fixed = (entry.teardown.value + entry.setup.value) * crew_factor
    back = math.hypot(*SITE) * 1e3 / entry.road_speed.value
    return fixed + (travel if travel is not None else back), fixed + back


@pytest.mark.parametrize(("step", "crew", "factor"), [("1 s", "trained", 1.0), ("5 s", "basic", 1.5),
                                                      ("7 s", "trained", 1.0)])
def test_a_scheduled_unit_is_silent_while_it_moves(make_scenario, step, crew, factor):
    """Present for `every`, then on the move for a leg, and so on: the tear-down and the set-up each at the first
    step sample at or after they are due (at 7 s steps the legs and `every` fall between samples); the radar
    emits exactly while the unit is present."""
    every, dt = 100.0, float(step.split()[0])
    out, back = _legs(factor)
    duration = 2000.0
    relocation = {"after": "schedule", "every": f"{every} s",
                  "sites": [{"x": f"{SITE[0]} km", "y": f"{SITE[1]} km", "travel": "60 s"}]}
    data = scenario_dict([_pd(relocation, crew)], step=step, duration=f"{duration} s")
    world = build_world(make_scenario(data))
    engine = Engine(world, np.arange(3), seed=1)
    engine.run()
    sample = lambda t: math.ceil(t / dt - 1e-9) * dt  # noqa: E731  the first step sample at or after t
    last = math.floor(duration / dt + 1e-9) * dt  # the run's last sample
    t, leaving, arriving, present, legs, n = 0.0, [], [], 0.0, [out, back], 0
    while True:
        leave = sample(t + every)
        if leave > last:
            present += duration - t
            break
        present += leave - t
        leaving.append(leave)
        t = sample(leave + legs[n % 2])
        n += 1
        if t > last:
            break
        arriving.append(t)
    ev = engine.events
    for r in range(3):
        mine = ev[ev.replication == r]
        assert mine[mine.kind == "teardown"].time.tolist() == pytest.approx(leaving)
        assert mine[mine.kind == "set_up"].time.tolist() == pytest.approx(arriving)
    assert world.unit_ids == ["pd", "pd@1"]
    on = METRICS["emitter_on_time"].of_state(world, engine.state)
    assert on.tolist() == pytest.approx([present] * 3)


def test_after_firing_it_moves_with_its_magazine_and_sees_from_the_new_site(make_scenario):
    """Drones come at the unit from the west in two groups; it fires at the first, relocates 20 s after its first
    launch to a site 5 km east, and engages the second from there with what is left of its 12 missiles. A drone
    group far east, out of its radar's range from its own position but inside it from the site, is first seen
    after the set-up."""
    relocation = {"after": "firing", "delay": "20 s",
                  "sites": [{"x": f"{SITE[0]} km", "y": f"{SITE[1]} km", "travel": "60 s"}]}
    # helicopters 38 km east: beyond its radar's 36 km from its own position, inside it from the site
    far = raid("far", 38, 12, 38, -12, count=2, type_="utility-helicopter", target=None, start="200 s",
               spacing="20 s")
    threats = [raid("west", -15, 0, count=3, spacing="5 s"), raid("late", -20, 1, count=3, start="400 s",
                                                                   spacing="5 s"), far]
    data = scenario_dict([_pd(relocation)], threats=threats, step="1 s", duration="900 s")
    data["threats"][2]["altitude_reference"] = "msl"
    world = build_world(make_scenario(data))
    engine = Engine(world, np.arange(4), seed=2)
    engine.run()
    ev, st = engine.events, engine.state
    out, _ = _legs()
    pd, copy = world.unit_ids.index("pd"), world.unit_ids.index("pd@1")
    far_t = [i for i, tid in enumerate(world.target_ids) if tid.startswith("far")]
    for r in range(4):
        mine = ev[ev.replication == r]
        launches = mine[mine.kind == "launch"]
        first = launches.time.min()
        leave = mine[mine.kind == "teardown"].time.tolist()
        arrive = mine[mine.kind == "set_up"].time.tolist()
        assert leave[0] == math.ceil(first + 20.0)  # (it starts at the step sample at or after it is due)
        assert arrive[0] == pytest.approx(leave[0] + out)
        back = leave[1] if len(leave) > 1 else np.inf  # it fired from the site too: it moves back, as told
        if np.isfinite(back):
            after = launches[launches.time > arrive[0]].time.min()
            assert back == math.ceil(after + 20.0)
        # nothing fired or guided from the tear-down to the set-up; then only from the new site
        assert not ((launches.time > leave[0]) & (launches.time < arrive[0])).any()
        assert (launches[launches.time < leave[0]].unit == pd).all()
        there = launches[(launches.time > arrive[0]) & (launches.time < back)]
        assert len(there) and (there.unit == copy).all()
        # the magazine moved with it (no reload within the run: 30 min)
        last = world.fire_ids.index(world.unit_ids[int(launches.unit.iloc[-1])])
        assert st.batteries.missiles[r, last] == 12 - int(launches.missiles.sum())
        # the far helicopters are seen only from the new site, after its set-up
        s_copy = world.sensor_ids.index("pd@1")
        seen = np.fmin(st.tracks.confirmed_at[r][:, far_t], st.tracks.held_since[r][:, far_t])
        assert np.isfinite(seen[s_copy]).any() and not np.isfinite(seen[world.sensor_ids.index("pd")]).any()
        assert seen[s_copy][np.isfinite(seen[s_copy])].min() >= arrive[0]


@pytest.mark.parametrize(("delay", "gone"), [("0 s", True), ("15 s", False)])
def test_a_unit_warned_of_an_anti_radiation_missile_moves_and_the_missile_misses(make_scenario, delay, gone):
    """An anti-radiation missile launched at a short-range system that relocates on warning; the missile flies
    about 69 s, the tear-down takes 60 s. Without delay the unit has left when it arrives: target_gone, and the
    missile counts as defeated. With 15 s delay it is still tearing down there, dark since the tear-down began:
    the missile can strike it, and misses for the silence (radar_dark), not for want of a target."""
    from .test_arms import _scenario as arm_scenario

    data = arm_scenario(launch_range=41.3)
    data["units"][0] = {"id": "ew", "type": "sr-system", "x": "10 km", "y": "0 km", "mast_height": "10 m",
                        "relocation": {"after": "warning", "delay": delay, "sites": [{"x": "14 km", "y": "3 km"}]}}
    world = build_world(make_scenario(data))
    engine = Engine(world, np.arange(5), seed=3)
    engine.run()
    ev = engine.events
    launched = ev[ev.kind == "arm_launch"].set_index("replication").time
    teardown = builtin_catalog().types["sr-system"].teardown.value
    assert sorted(launched.index) == list(range(5))  # one missile launched in every replication
    checked = 0
    for r in range(5):
        mine = ev[ev.replication == r]
        leave = mine[mine.kind == "teardown"].time.tolist()
        assert leave == [math.ceil(launched[r] + float(delay.split()[0]))]
        impact = mine[mine.kind.isin(["arm_hit", "arm_miss"])]
        if not len(impact):  # shot down on the way
            continue
        checked += 1
        assert (impact.time.iloc[0] >= leave[0] + teardown) == gone  # the case is what it says
        assert impact.reason.tolist() == (["target_gone"] if gone else ["radar_dark"])
    assert checked >= 3  # most missiles reach the site: the case is tested, not skipped
    if gone:  # moving away defeated them
        defeated = METRICS["arms_defeated"].of_state(world, engine.state)
        assert defeated.tolist() == [1] * 5


def test_a_unit_destroyed_at_its_site_is_destroyed_everywhere_and_counted_once(make_scenario):
    """A drone raid strikes the relocating unit at its own position before its first scheduled move: it is
    destroyed there and at its prepared site (never set up there), and counts as one unit destroyed."""
    relocation = {"after": "schedule", "every": "10 min", "sites": [{"x": f"{SITE[0]} km", "y": "0 km"}]}
    strike = raid("strike", -6, 0, 0, 0, count=1, target="pd")
    data = scenario_dict([_pd(relocation, emcon={"policy": "silent"})], threats=[strike], step="1 s",
                         duration="900 s")
    data["threats"][0]["pk"] = 1.0
    world = build_world(make_scenario(data))
    engine = Engine(world, np.arange(3), seed=1)
    engine.run()
    ev, rd = engine.events, engine.state.readiness
    for r in range(3):
        mine = ev[ev.replication == r]
        assert (mine.kind == "destroyed").sum() == 1 and not mine.kind.isin(["teardown", "set_up"]).any()
    assert np.isfinite(rd.destroyed_at).all()  # both sites
    assert METRICS["units_destroyed"].of_state(world, engine.state).tolist() == [1] * 3


def test_it_stands_at_its_site_while_it_tears_down(make_scenario):
    """A silent relocating unit (every 100 s; tear-down 60 s, travel 60 s, set-up 180 s) attacked by a drone at its
    own position: struck when the drone arrives during the tear-down (100-160 s), not when it arrives on the road
    (160-220 s), when the unit stands nowhere."""
    speed = builtin_catalog().types["drone"].cruise_speed.value
    relocation = {"after": "schedule", "every": "100 s",
                  "sites": [{"x": f"{SITE[0]} km", "y": "0 km", "travel": "60 s"}]}
    struck = {}
    for arrival in (130.0, 190.0):
        strike = raid("strike", -3, 0, 0, 0, count=1, target="pd", start=f"{arrival - 3000.0 / speed} s")
        data = scenario_dict([_pd(relocation, emcon={"policy": "silent"})], threats=[strike], step="1 s",
                             duration="400 s")
        world = build_world(make_scenario(data))
        engine = Engine(world, np.arange(2), seed=1)
        engine.run()
        struck[arrival] = (engine.events.kind == "destroyed").sum()
    assert struck == {130.0: 2, 190.0: 0}


def test_its_sites_share_one_radar_and_the_memory_budget_counts_them(make_scenario):
    """A relocating unit's sites share its radar's guidance channels (one group), and the sweeps' memory budget
    counts each site's sensor, fire unit and copied links as the built world has them."""
    from iadsim.analysis.sweep.budget import work_size
    from iadsim.engine.phases import channel_groups

    relocation = {"after": "firing", "sites": [{"x": "5 km", "y": "0 km"}, {"x": "0 km", "y": "5 km"}]}
    units = [_pd(relocation), {"id": "cp", "type": "command-post", "x": "-3 km", "y": "0 km"}]
    scenario = make_scenario(scenario_dict(units, [{"from": "cp", "to": "pd", "carries": "cues"}]))
    world = build_world(scenario)
    group, capacity = channel_groups(world)
    assert len(set(group.tolist())) == 1 and capacity.tolist() == [4]
    size = work_size(scenario.spec, scenario.catalog, 1)
    assert (size.sensors, size.fire_units, size.units, size.links) == (
        len(world.sensor_ids), len(world.fire_ids), len(world.unit_ids), len(world.net.links)) == (3, 3, 4, 3)
