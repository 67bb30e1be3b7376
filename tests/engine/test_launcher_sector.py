"""A launcher's sector limits what it engages (it used to limit only coverage): it fires only at intercept
points inside its sector (the one sector rule of iadsim.sensors), checked here against intercepts computed
in the test from the flight paths."""

from __future__ import annotations

import math

import numpy as np

from iadsim.engine import Engine, build_world

from ._scenarios import networked


def _launches_with_bearings(make_scenario, sector):
    data = networked()
    # the northern wave as fighters too: the launcher engages from both directions whatever the sector
    # (the helicopters, in pairs its radars cannot resolve, come within its reach only as the run ends)
    data["threats"][1] |= {"type": "fighter", "spacing": "15 s"}
    # no failures, every link up: the launcher-loader's chain stays complete, only its sector varies
    for unit in data["units"]:
        unit.pop("readiness", None)
        if unit["id"] == "ll" and sector is not None:
            unit["sector"] = sector
    for link in data["links"]:
        link.pop("availability", None)
    world = build_world(make_scenario(data))
    engine = Engine(world, np.arange(6), seed=8)
    engine.run()
    ll = world.unit_ids.index("ll")
    launch_point = world.fire_position[world.fire_ids.index("ll")]
    launcher = world.scenario.catalog.types[world.scenario.unit("ll").type]
    speed = world.scenario.catalog.types[launcher.missile].speed.value
    launches = engine.events[(engine.events["kind"] == "launch") & (engine.events["unit"] == ll)]
    bearings = []
    for e in launches.itertuples():
        k = int(e.time // world.step)  # launches happen between time samples: the target flies on to e.time
        # the intercept of a constant-velocity target by a constant-speed missile from the launch point
        v = world.velocity[k, e.target]
        p = world.position[k, e.target] + v * (e.time - world.times[k]) - launch_point
        a, b, c = v @ v - speed**2, 2 * p @ v, p @ p
        tau = min(r for r in np.roots([a, b, c]).real if r > 0)
        point = p + v * tau
        bearings.append(math.degrees(math.atan2(point[0], point[1])) % 360.0)
    return np.array(bearings)


def _off(bearing, center):
    return np.abs((bearing - center + 180.0) % 360.0 - 180.0)


def test_a_launcher_fires_only_at_targets_inside_its_sector(make_scenario):
    free = _launches_with_bearings(make_scenario, None)
    # without a sector the launcher-loader engages both waves: from the west and from the north
    assert (_off(free, 0.0) > 45.0).any() and (_off(free, 0.0) <= 45.0).any()
    limited = _launches_with_bearings(make_scenario, {"center": "0 deg", "width": "90 deg"})
    assert len(limited) > 0 and (_off(limited, 0.0) <= 45.0 + 1e-9).all()
    # pointed where nothing comes from, it never fires
    assert len(_launches_with_bearings(make_scenario, {"center": "180 deg", "width": "20 deg"})) == 0
