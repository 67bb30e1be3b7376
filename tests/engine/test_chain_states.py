"""The engine's kill chains per replication (iadsim.engine.phases.update_chains) against the rules applied afresh.

update_chains keeps what it has evaluated: whole states, and each fire unit's and command post's chain keyed by the
state of the components that can change it (iadsim.network.compiled.relevant_components). Whatever it looks up must
be what iadsim.network.evaluate and picture_sources give for that replication's state, in random states where many
units and links are down."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from iadsim.engine import build_world
from iadsim.engine.phases import Context, initial_state, update_chains
from iadsim.network import evaluate
from iadsim.network.chain import picture_sources
from iadsim.scenario import load_scenario

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("name", ["reference-large", "airbase-as-designed"])
def test_looked_up_chains_are_the_rules_applied_afresh(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        world = build_world(load_scenario(EXAMPLES / f"{name}.yaml"))
    rows = 40
    ctx = Context.build(world, np.arange(rows), 1, events=False)
    rd = initial_state(ctx).readiness
    g = np.random.default_rng(7)
    position = {s: j for j, s in enumerate(world.sensor_ids)}
    link_ids = [lid for lid, *_ in world.net.links]
    checked = 0
    for p_down in (0.05, 0.3, 0.05):  # (the last: states partly seen before, looked up)
        rd.unit_up[:] = g.random(rd.unit_up.shape) >= p_down
        rd.link_up[:] = g.random(rd.link_up.shape) >= p_down
        update_chains(ctx, rd, np.arange(rows))
        for r in range(rows):
            units = {world.unit_ids[i] for i in np.flatnonzero(rd.unit_up[r])}
            links = {link_ids[i] for i in np.flatnonzero(rd.link_up[r])}

            def up(c, units=units, links=links):
                return c in units or c in links

            for f, fire_unit in enumerate(world.fire_ids):
                status = evaluate(world.net, fire_unit, up)
                feeds, guides = np.zeros((2, len(world.sensor_ids)), bool)
                feeds[[position[s] for s in status.sensors]] = True
                if status.able:
                    guides[[position[s] for s in status.guiders if s in position]] = True
                assert rd.able[r, f] == status.able
                np.testing.assert_array_equal(rd.feeds[r, f], feeds)
                np.testing.assert_array_equal(rd.guides[r, f], guides)
                checked += 1
            for c, post in enumerate(world.post_ids):
                feeds = np.zeros(len(world.sensor_ids), bool)
                feeds[[position[s] for s in picture_sources(world.net, post, up)]] = True
                np.testing.assert_array_equal(rd.post_feeds[r, c], feeds)
    # the states vary: some fire units able and some not, and the per-unit keys were used
    assert 0 < rd.able.mean() < 1 and checked == 3 * rows * len(world.fire_ids)
    assert any(isinstance(key[0], str) for key in ctx.chain_cache)


def test_a_battery_cut_off_from_its_command_post_never_fires_when_the_doctrine_forbids_it(tmp_path):
    """The as-designed network with autonomous fire forbidden, mr2-telar's cue link down and the command post up
    half the time: the mr2 battery is cut off from the command post whether it is up or down, so it never launches
    (losing the post made the whole network autonomous before: it fired in the replications where the post was
    down). With the post down, nothing launches at all: every guiding radar is cut off."""
    import yaml

    from iadsim.engine import Engine

    text = (EXAMPLES / "airbase-as-designed.yaml").read_text()
    data = yaml.safe_load(text)
    data["doctrine"]["autonomous_fallback"] = False
    post = next(u for u in data["units"] if u["id"] == "cp-1")
    post["readiness"] = {"availability": 0.5, "mtbf": "600 h", "mttr": "600 h"}  # (as drawn at the start)
    for link in data["links"]:
        if (link["from"], link["to"], link["carries"]) == ("cp-1", "mr2-telar", "cues"):
            link["status"] = "down"
    (tmp_path / "v.yaml").write_text(yaml.safe_dump(data))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        world = build_world(load_scenario(tmp_path / "v.yaml"))
    engine = Engine(world, np.arange(40), seed=5)
    ids = list(world.unit_ids)
    post_up = engine.state.readiness.unit_up[:, ids.index("cp-1")].copy()
    engine.run()
    launches = engine.events[engine.events["kind"] == "launch"]
    assert not post_up.all() and post_up.any()  # (both cases drawn)
    assert not launches["unit"].isin([ids.index("mr2-telar"), ids.index("mr2-ll")]).any()
    assert len(launches) > 0 and not launches["replication"].isin(np.flatnonzero(~post_up)).any()
