"""A unit that fails (MTBF, MTTR) stops sensing then: its sensors drop their tracks at the failure, as a destroyed
or relocating unit's do, and once repaired hold only tracks confirmed from looks after the repair. Before, a failed
radar made no looks and so missed none: it kept its confirmed tracks for minutes and was counted as tracking."""

from __future__ import annotations

import numpy as np

from iadsim.analysis.metrics import REPORTERS
from iadsim.engine import Engine, build_world

from ._scenarios import scenario_dict


def test_a_failed_radar_holds_no_track_and_a_repaired_one_only_tracks_from_new_looks(make_scenario):
    units = [{"id": "sr", "type": "mr-search-radar", "x": "0 km", "y": "0 km", "mast_height": "15 m",
              "readiness": {"mtbf": "90 s", "mttr": "60 s"}}]
    fighters = {"id": "w", "type": "fighter", "count": 3, "spacing": "20 s", "altitude_reference": "msl",
                "route": [{"x": "-40 km", "y": "30 km", "altitude": "700 m", "speed": "230 m/s"},
                          {"x": "40 km", "y": "30 km", "altitude": "700 m"}]}
    data = scenario_dict(units, threats=[fighters], duration="340 s", defended_assets=[])
    world = build_world(make_scenario(data))
    engine = Engine(world, np.arange(60), seed=3, events=False)
    st, u, s = engine.state, int(world.sensor_unit[0]), 0
    down_steps = repaired_tracks = 0
    while st.time_index < len(world.times):
        engine.step()
        down = ~st.readiness.unit_up[:, u]
        confirmed = st.tracks.confirmed_at[:, s, :]  # (R, T)
        tracked = REPORTERS["threats_tracked"].of_state(world, st)
        assert np.isinf(confirmed[down]).all(), "a failed radar holds a confirmed track"
        assert (tracked[down] == 0).all(), "threats counted as tracked by a failed radar"
        assert (st.tracks.table.top[down, s] == 0).all(), "a failed radar keeps track slots"
        down_steps += int(down.sum())
        # up again after a repair (since: the time of its last change): every track it holds came from later looks
        back = ~down & (st.readiness.since[:, u] > 0)
        held = np.isfinite(confirmed) & back[:, None]
        assert (confirmed[held] >= np.broadcast_to(st.readiness.since[:, u, None], confirmed.shape)[held]).all()
        repaired_tracks += int(held.sum())
    assert down_steps > 500 and repaired_tracks > 100  # failures and repairs with targets in view, many
