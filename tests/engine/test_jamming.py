"""Self-screening noise jamming in the engine's sensing: the per-look Pd of a jamming raid is the exact Pd
of the SINR from iadsim.physics.effects (noise + jamming), and jamming lowers it."""

from __future__ import annotations

import numpy as np

from iadsim.engine import build_world
from iadsim.engine.world import pulses_per_look, signal_to_interference_db
from iadsim.physics.detection import pd

from ._scenarios import raid, scenario_dict


def test_jamming_raid_is_detected_less_and_as_the_sinr_says(make_scenario):
    radar = {"id": "ew", "type": "mr-search-radar", "x": "0 km", "y": "0 km", "mast_height": "15 m"}
    quiet = raid("quiet", -40.0, 5.0, altitude="3 km", type_="fighter")
    noisy = raid("noisy", -40.0, 5.0, altitude="3 km", type_="fighter")
    noisy["jammer"] = {"erp": "100 W", "bandwidth": "50 MHz"}
    world = build_world(make_scenario(scenario_dict([radar], threats=[quiet, noisy])))
    seen = world.visible[:, 0, 0] & world.visible[:, 0, 1]
    assert seen.sum() > 100
    p_quiet, p_noisy = world.pd_look[seen, 0, 0], world.pd_look[seen, 0, 1]
    assert (p_noisy < p_quiet).all()
    # independent recomputation for the jamming target at a few steps
    rtype = world.scenario.catalog.types["mr-search-radar"]
    for k in np.flatnonzero(seen)[::50]:
        d = world.position[k, 1] - world.sensor_position[0]
        sinr = signal_to_interference_db(rtype, 15.0, 2.0, np.linalg.norm(d), np.hypot(d[0], d[1]),
                                         world.height_agl[k, 1], 100.0, 50e6)
        looks = world.step / rtype.scan_period.value
        expected = pd(sinr, rtype.pfa.value, pulses_per_look(rtype), 1)
        if looks >= 1:
            expected = 1 - (1 - expected) ** looks
        assert abs(world.pd_look[k, 0, 1] - expected) < 1e-6  # float32 storage
