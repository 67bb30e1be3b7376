"""Defensive layers (``units[].layer``): attrition per layer and the probability of raid annihilation against the
layered binomial model, computed here.

The controlled case: N threats fly one after another (far apart) straight at the base through three layers, each one
fire unit whose envelope the route crosses in turn (long, then medium, then short; no two overlap). Each layer's
launcher holds n_i missiles of constant kill probability p_i and reloads long after the threat has left its envelope,
so a threat that reaches layer i meets exactly one salvo of n_i missiles there. With independent layers a threat then
survives layer i with q_i = (1 - p_i)^n_i; it reaches layer i with prod_{j<i} q_j, is killed there with that times
(1 - q_i) and passes through alive with that times q_i; the raid is annihilated (no leaker) with
(1 - q_long q_medium q_short)^N.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from iadsim.analysis.intervals import ratio_interval
from iadsim.analysis.metrics import METRICS, replication_rows
from iadsim.engine import Engine, build_world

from ._scenarios import scenario_dict

LAYERS = {  # layer: (unit's x [km], missile's max range [km], missiles per salvo n, single-shot pk p)
    "long": (45.0, 10.0, 1, 0.5),
    "medium": (18.0, 10.0, 2, 0.4),
    "short": (2.0, 4.0, 1, 0.6),
}
THREATS = 4
SPACING = 300  # [s] between two threats: every launcher has reloaded


def _catalog() -> str:
    types = []
    for layer, (_, reach, n, p) in LAYERS.items():
        types.append(f"""
  {layer}-missile:
    kind: missile
    label: "the {layer} layer's missile"
    min_range: {{value: 0.5 km, source: test, grade: assumed}}
    max_range: {{value: {reach} km, source: test, grade: assumed}}
    min_altitude: {{value: 5 m, source: test, grade: assumed}}
    max_altitude: {{value: 15 km, source: test, grade: assumed}}
    speed: {{value: 1000 m/s, source: test, grade: assumed}}
    max_target_speed: {{value: 1000 m/s, source: test, grade: assumed}}
    pk: {{value: {p}, source: test, grade: assumed}}
  {layer}-system:
    kind: launcher
    label: "the {layer} layer's launcher: one salvo, then a reload longer than a threat's pass"
    missile: {layer}-missile
    missiles: {{value: {n}, source: test, grade: assumed}}
    launch_interval: {{value: 0.1 s, source: test, grade: assumed}}
    reload_time: {{value: 150 s, source: test, grade: assumed}}
    radar: sr-radar""")
    return "sources:\n  test: \"a test's controlled case\"\ntypes:" + "".join(types) + "\n"


def _scenario(tmp_path, step: str = "1 s", down: str | None = None) -> dict:
    (tmp_path / "layers.yaml").write_text(_catalog())
    units = [{"id": layer, "type": f"{layer}-system", "x": f"{x} km", "y": "0.3 km", "layer": layer,
              **({"readiness": {"availability": 0.0}} if layer == down else {})}
             for layer, (x, *_rest) in LAYERS.items()]
    threats = [{"id": "raid", "type": "cruise-missile", "count": THREATS, "spacing": f"{SPACING} s",
                "target": "base", "route": [{"x": "70 km", "y": "0 km", "altitude": "300 m"},
                                            {"x": "0 km", "y": "0 km", "altitude": "300 m"}]}]
    return scenario_dict(units, [], threats, step=step, duration=f"{SPACING * THREATS + 60} s",
                         terrain={"flat": "100 m", "extent": "160 km"}, catalog=["layers.yaml"],
                         doctrine={"engagement": "salvo", "salvo_size": 8, "acquisition_basket": "5 km"})


def _model(down: str | None = None) -> dict[str, tuple[float, float, float]]:
    """layer -> (chance a threat reaches it, is killed there, passes through it alive): the layered binomial model."""
    out, reach = {}, 1.0
    for layer, (_, _, n, p) in LAYERS.items():
        q = 1.0 if layer == down else (1.0 - p) ** n
        out[layer] = (reach, reach * (1.0 - q), reach * q)
        reach *= q
    return out


def _close(mean: float, p: float, trials: int) -> bool:
    """A proportion's estimate within 4 standard errors of ``p`` (over ``trials`` independent trials)."""
    return abs(mean - p) <= 4 * math.sqrt(max(p * (1 - p), 1e-12) / trials) + 1e-12


@pytest.mark.parametrize("step", ["1 s", "4 s"])
def test_attrition_per_layer_and_raid_annihilation_follow_the_layered_binomial_model(make_scenario, tmp_path, step):
    n = 400
    world = build_world(make_scenario(_scenario(tmp_path, step)))
    engine = Engine(world, np.arange(n), seed=5)
    engine.run()
    rows = replication_rows(world, engine)
    launches = engine.events[engine.events.kind == "launch"]
    unit_layer = {world.unit_index[layer]: layer for layer in LAYERS}
    trials = n * THREATS
    for layer, (reach, killed, through) in _model().items():
        # the case's premise: a threat that reaches a layer meets exactly one salvo of n missiles there
        mine = launches[launches.unit.map(unit_layer) == layer]
        assert (mine.groupby(["replication", "target"]).size() == 1).all(), layer
        assert (mine.missiles == LAYERS[layer][2]).all(), layer
        assert rows[f"engagements_{layer}"].sum() == len(mine) == rows[f"reached_{layer}"].sum(), layer
        assert _close(rows[f"reached_{layer}"].sum() / trials, reach, trials), layer
        assert _close(rows[f"kills_{layer}"].sum() / trials, killed, trials), layer
        assert _close(rows[f"leakers_{layer}"].sum() / trials, through, trials), layer
        # attrition: kills per threat reaching the layer, a ratio of totals whose interval holds 1 - q
        stat = ratio_interval(rows[f"kills_{layer}"], rows[f"reached_{layer}"])
        q = (1 - LAYERS[layer][3]) ** LAYERS[layer][2]
        assert stat["mean"] == pytest.approx(rows[f"kills_{layer}"].sum() / rows[f"reached_{layer}"].sum())
        assert abs(stat["mean"] - (1 - q)) <= 4 * math.sqrt(q * (1 - q) / rows[f"reached_{layer}"].sum())
        assert stat["ci95"][0] - 0.05 <= 1 - q <= stat["ci95"][1] + 0.05, (layer, stat)
    # the layers add up: a threat killed was killed by one layer; the last layer's survivors are the leakers
    assert (rows[[f"kills_{layer}" for layer in LAYERS]].sum(axis=1) == rows["kills"]).all()
    assert (rows["leakers_short"] == rows["leakers"]).all()
    assert rows[["reached_point", "kills_point"]].isna().all().all()  # no point layer here
    survive = math.prod(t[2] / t[0] for t in _model().values())
    pra = (1 - survive) ** THREATS
    derived = METRICS["p_raid_annihilation"].of_rows(rows, THREATS)
    assert _close(float(np.mean(derived)), pra, n)
    assert np.array_equal(derived, (rows["leakers"] == 0).astype(float))


def test_a_layer_that_is_down_is_still_met_and_kills_nothing(make_scenario, tmp_path):
    """The medium layer never works: the threats that reach it pass through it alive (they count as reaching it:
    the layer was there), and the short layer meets them all."""
    n = 200
    world = build_world(make_scenario(_scenario(tmp_path, down="medium")))
    engine = Engine(world, np.arange(n), seed=6)
    engine.run()
    rows = replication_rows(world, engine)
    assert rows["engagements_medium"].sum() == 0 and rows["kills_medium"].sum() == 0
    assert (rows["leakers_medium"] == rows["reached_medium"]).all()
    assert (rows["reached_medium"] == THREATS - rows["kills_long"]).all()
    assert (rows["reached_short"] == rows["reached_medium"]).all()
    trials = n * THREATS
    for layer, (reach, killed, through) in _model(down="medium").items():
        assert _close(rows[f"reached_{layer}"].sum() / trials, reach, trials), layer
        assert _close(rows[f"kills_{layer}"].sum() / trials, killed, trials), layer
        assert _close(rows[f"leakers_{layer}"].sum() / trials, through, trials), layer
    stat = ratio_interval(rows["kills_medium"], rows["reached_medium"])
    assert stat["mean"] == 0.0
