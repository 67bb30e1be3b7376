"""A unit that fails (MTBF, MTTR) stops sensing then: its sensors drop their tracks at the failure, as a destroyed
or relocating unit's do, and once repaired hold only tracks confirmed from looks after the repair. Before, a failed
radar made no looks and so missed none: it kept its confirmed tracks for minutes and was counted as tracking."""

from __future__ import annotations

import numpy as np
import pytest

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


@pytest.mark.parametrize("out_of_service", [{"emcon": {"policy": "silent"}}, {"readiness": {"availability": 0.0}}])
def test_a_radar_out_of_service_should_hold_nothing_in_the_picture_measures(make_scenario, out_of_service):
    """Two search radars, the second silent by policy or never available: it holds no track and should hold none,
    so the network's picture measures are the first radar's alone. Before, it counted three objects 'in sight but
    not held' and scored the OSPA cut-off, 5 km, pulling the picture's OSPA from about 250 m to 2.6 km."""
    from iadsim.analysis.metrics import picture_quality

    units = [{"id": "a", "type": "mr-search-radar", "x": "0 km", "y": "0 km", "mast_height": "15 m"},
             {"id": "b", "type": "mr-search-radar", "x": "3 km", "y": "0 km", "mast_height": "15 m", **out_of_service}]
    fighters = {"id": "w", "type": "fighter", "count": 3, "spacing": "20 s", "altitude_reference": "msl",
                "route": [{"x": "-30 km", "y": "30 km", "altitude": "600 m", "speed": "250 m/s"},
                          {"x": "30 km", "y": "30 km", "altitude": "600 m"}]}
    world = build_world(make_scenario(scenario_dict(units, threats=[fighters], duration="200 s", defended_assets=[])))
    engine = Engine(world, np.arange(20), seed=1, events=False)
    st, held = engine.state, 0
    while st.time_index < len(world.times):
        engine.step()
        counts = picture_quality(world, st)
        assert (counts[:, 1] == 0).all()  # b: no OSPA, nothing it should hold, nothing held
        unheld = REPORTERS["picture_unheld"].of_state(world, st)
        np.testing.assert_array_equal(unheld, counts[:, 0, 1] - counts[:, 0, 2])
        held += int(counts[:, 0, 2].sum())
    assert held > 1000  # a tracks the fighters


@pytest.mark.parametrize("step", ["1 s", "4 s"])
def test_a_sensors_picture_is_scored_at_the_states_own_time(make_scenario, step):
    """After each step the tracks hold the looks of its whole window: the picture's OSPA is that of the confirmed
    tracks carried to the window's end against the objects' true positions then, written out here (Schuhmacher,
    Vo & Vo 2008, with scipy's assignment: tests/ospa_reference.py). Scored at the window's start, it read
    10 % lower at a 4 s step than at 0.25 s."""
    from tests.ospa_reference import ospa_by_assignment

    from iadsim.analysis.metrics import picture_quality
    from iadsim.tracking.tracks import CONFIRMED

    units = [{"id": "a", "type": "mr-search-radar", "x": "0 km", "y": "0 km", "mast_height": "15 m"}]
    fighters = {"id": "w", "type": "fighter", "count": 3, "spacing": "20 s", "altitude_reference": "msl",
                "route": [{"x": "-30 km", "y": "30 km", "altitude": "600 m", "speed": "250 m/s"},
                          {"x": "30 km", "y": "30 km", "altitude": "600 m"}]}
    world = build_world(make_scenario(scenario_dict(units, threats=[fighters], duration="200 s", step=step,
                                                    defended_assets=[])))
    engine = Engine(world, np.arange(4), seed=1, events=False)
    st, scored = engine.state, 0
    while st.time_index < len(world.times) - 1:
        engine.step()
        k = st.time_index  # the window just simulated ends at this sample
        now, tab = float(world.times[k]), st.tracks.table
        counts = picture_quality(world, st)
        flying = st.outcomes.alive & ~st.outcomes.leaked & world.active[k][None, :]
        for r in range(4):
            confirmed = np.flatnonzero(tab.status[r, 0, :tab.top[r, 0]] == CONFIRMED)
            est = tab.x[r, 0, confirmed, :3] + tab.x[r, 0, confirmed, 3:] * (now - tab.time[r, 0, confirmed])[:, None]
            truth = world.position[k][flying[r] & world.looks.visible_at(k)[0]]
            assert counts[r, 0, 0] == pytest.approx(ospa_by_assignment(est, truth), rel=1e-9, abs=1e-6)
            scored += len(est) > 0
    assert scored > 20
