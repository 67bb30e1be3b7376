"""Only a radar that the kill-chain rules let guide a launcher can guide it in the engine: a TELAR whose
fire-control link to a launcher-loader is down does not guide that loader, even though it sees the target."""

from __future__ import annotations

import numpy as np

from iadsim.engine import Engine, build_world
from iadsim.network import evaluate

from ._events import rows
from ._scenarios import raid, scenario_dict


def _loader_launches(make_scenario, link_status: str) -> int:
    units = [
        # t1 sees the raid coming from the north; t2 looks south only (a 10 deg sector), so never sees it
        {"id": "t1", "type": "mr-telar", "x": "0 km", "y": "1 km"},
        {"id": "t2", "type": "mr-telar", "x": "0 km", "y": "-1 km", "sector": {"center": "180 deg", "width": "10 deg"}},
        {"id": "ll", "type": "mr-launcher-loader", "x": "0.5 km", "y": "0 km"},
        {"id": "sr", "type": "mr-search-radar", "x": "1 km", "y": "0 km"},
    ]
    links = [
        # both batteries get the search radar's picture, so the loader knows the raid either way
        {"from": "sr", "to": "t1", "carries": "cues"},
        {"from": "sr", "to": "t2", "carries": "cues"},
        {"from": "t1", "to": "ll", "carries": "fire-control", "status": link_status},
        {"from": "t2", "to": "ll", "carries": "fire-control"},
    ]
    world = build_world(make_scenario(scenario_dict(units, links, threats=[raid("r", 0, 30, count=4)])))
    status = evaluate(world.net, "ll", lambda c: world.net.stated_up.get(c, True))
    assert status.able and ("t1" in status.guiders) == (link_status == "up")
    engine = Engine(world, np.arange(5), seed=1)
    engine.run()
    return sum(1 for e in rows(engine) if e[2] == "launch" and e[3] == "ll")


def test_launcher_is_guided_only_over_links_that_are_up(make_scenario):
    assert _loader_launches(make_scenario, "up") > 0  # t1 guides the loader's missiles
    assert _loader_launches(make_scenario, "down") == 0  # t2 could, but never sees the raid
