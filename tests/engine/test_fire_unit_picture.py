"""The fire units' and the command posts' own pictures as time series (iadsim.analysis.metrics.fire_unit_picture,
command_post_picture): OSPA and the SIAP counts worked out here from the state by their definitions (OSPA by
scipy's assignment, the hold rule from the doctrine, the look periods and the latencies), on a networked
scenario mid-raid."""

from __future__ import annotations

import numpy as np
import pytest
from tests.ospa_reference import ospa_by_assignment

from iadsim.analysis.metrics import REPORTERS, command_post_picture, fire_unit_picture
from iadsim.engine import Engine, build_world

from ._scenarios import networked


def test_fire_unit_picture_counts_and_ospa_by_definition(make_scenario):
    world = build_world(make_scenario(networked()))
    engine = Engine(world, np.arange(12), seed=3, events=False)
    for _ in range(150):
        engine.step()
    st = engine.state
    k = st.time_index  # the state's own time: the window just simulated ends at this sample
    now = world.times[k]
    drop_after = world.scenario.spec.doctrine.tracking.drop_after
    n_f = len(world.fire_ids)
    assert world.post_ids  # the scenario has command posts: nodes F, F + 1, ... of the picture
    for counts, latency, feeds, first in ((fire_unit_picture(world, st), world.latency, st.readiness.feeds, 0),
                                          (command_post_picture(world, st), world.post_latency,
                                           st.readiness.post_feeds, n_f)):
        checked = 0
        for r in range(12):
            for j in range(len(latency)):
                n = first + j  # the node
                fed = np.isfinite(latency[j])
                coast = drop_after * world.look_period[fed].max() + latency[j, fed].max()
                held = np.flatnonzero((st.picture.updates[r, n] > 0) & (now - st.picture.track_time[r, n] <= coast))
                flying = st.outcomes.alive[r] & ~st.outcomes.leaked[r] & world.active[k]
                should = np.flatnonzero(flying & (feeds[r, j][:, None] & world.visible[k]).any(axis=0))
                estimates = st.picture.x[r, n, held, :3] + st.picture.x[r, n, held, 3:] * (
                    now - st.picture.track_time[r, n, held])[:, None]
                assert counts[r, j, 1] == len(should) and counts[r, j, 2] == len(np.intersect1d(held, should))
                assert counts[r, j, 3] == counts[r, j, 4] == counts[r, j, 5] == len(held)
                assert counts[r, j, 0] == pytest.approx(ospa_by_assignment(estimates, world.position[k, should]),
                                                        rel=1e-9, abs=1e-6)
                checked += len(should) > 0 and len(held) > 0
        assert checked >= 3  # nodes holding and missing objects mid-raid were among them
    for kind in ("fire_unit", "command_post"):
        for name in ("ospa", "held", "unheld"):
            assert REPORTERS[f"{kind}_picture_{name}"].of_state(world, st).shape == (12,)
