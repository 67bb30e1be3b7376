"""Decoys (catalog kind ``decoy``): the defence detects, identifies and engages them like strike aircraft; they
attack nothing, and the measures of the raid leave them out. The controlled case: a fire unit whose missile kills
whatever it reaches (constant pk 1, a wide acquisition basket), a human-in-the-loop operator with persistent
identification (one call per target), and targets spaced so far apart that channels and missiles never run short.
Each target is then engaged once, with one salvo, exactly when the operator calls it hostile: for an aircraft with
probability 1 - f h, for a decoy (1 - f h)(1 - r'), where h is the chance of calling a hostile civil, f the crew's
error-rate factor and r' = 1 - f (1 - r) the crew's chance of recognising a decoy for what it is (r a trained
crew's). The missiles spent on decoys, the decoys shot down and the kills follow from that alone."""

from __future__ import annotations

import math

import numpy as np
import pytest

from iadsim.analysis.metrics import METRICS
from iadsim.engine import Engine, build_world

from ._scenarios import scenario_dict

CATALOG = """
sources:
  test: "a test's controlled case"
types:
  sure-missile:
    kind: missile
    label: "a missile that kills what it reaches"
    min_range: {value: 0.5 km, source: test, grade: assumed}
    max_range: {value: 20 km, source: test, grade: assumed}
    min_altitude: {value: 5 m, source: test, grade: assumed}
    max_altitude: {value: 15 km, source: test, grade: assumed}
    speed: {value: 900 m/s, source: test, grade: assumed}
    max_target_speed: {value: 1000 m/s, source: test, grade: assumed}
    pk: {value: 1.0, source: test, grade: assumed}
  sure-system:
    kind: launcher
    label: "a short-range system firing sure missiles"
    missile: sure-missile
    missiles: {value: 60, source: test, grade: assumed}
    launch_interval: {value: 1 s, source: test, grade: assumed}
    reload_time: {value: 1 h, source: test, grade: assumed}
    radar: sr-radar
"""
SALVO = 2


def _raid(id_: str, type_: str, count: int, start: str) -> dict:
    return {"id": id_, "type": type_, "count": count, "spacing": "60 s", "start": start, "target": "base",
            "route": [{"x": "30 km", "y": "2 km", "altitude": "1000 m"},
                      {"x": "0 km", "y": "0 km", "altitude": "1000 m"}]}


def _scenario(tmp_path, h: float, r: float, crew: str = "trained", decoys: int = 4, aircraft: int = 3,
              step: str = "1 s") -> dict:
    (tmp_path / "sure.yaml").write_text(CATALOG)
    unit = {"id": "pd", "type": "sure-system", "x": "1 km", "y": "0 km", "crew": crew}
    # decoys first, then the aircraft they screen: one target a minute
    threats = [_raid("decoys", "mald-class-decoy", decoys, "0 s"), _raid("strike", "cruise-missile", aircraft,
                                                                        f"{60 * decoys} s")]
    return scenario_dict([unit], [], threats, step=step, duration=f"{60 * (decoys + aircraft) + 180} s",
                         catalog=["sure.yaml"],
                         authority={"mode": "human-in-the-loop",
                                    "decision_time": {"distribution": "fixed", "value": "2 s"},
                                    "identification": {"p_hostile_as_civil": h, "p_decoy_recognised": r,
                                                       "persistent": True}},
                         doctrine={"engagement": "salvo", "salvo_size": SALVO, "acquisition_basket": "5 km"},
                         # a basic crew errs twice as often, but its missiles still kill what they reach
                         proficiency={"basic": {"reaction_time_factor": 1.5, "error_rate_factor": 2.0,
                                                "pk_factor": 1.0}})


def _engaged(h: float, r: float, factor: float) -> tuple[float, float]:
    """(aircraft, decoy) chance that the operator calls the target hostile (the one decision it gets)."""
    held = min(1.0, factor * h)
    recognised = r if r in (0.0, 1.0) else 1.0 - min(1.0, factor * (1.0 - r))
    return 1.0 - held, (1.0 - held) * (1.0 - recognised)


def _within(count: float, trials: int, p: float) -> bool:
    return abs(count / trials - p) <= 4 * math.sqrt(p * (1 - p) / trials) + 1e-12


@pytest.mark.parametrize(("crew", "factor", "step"), [("trained", 1.0, "1 s"), ("basic", 2.0, "1 s"),
                                                      ("basic", 2.0, "4 s")])
def test_missiles_spent_on_decoys_follow_identification_and_assignment(make_scenario, tmp_path, crew, factor, step):
    h, r, n = 0.1, 0.7, 300
    world = build_world(make_scenario(_scenario(tmp_path, h, r, crew, step=step)))
    engine = Engine(world, np.arange(n), seed=11)
    engine.run()
    state, ev = engine.state, engine.events
    decoy = world.decoy
    assert decoy.sum() == 4 and world.threat.sum() == 3 and not (decoy & world.threat).any()
    p_aircraft, p_decoy = _engaged(h, r, factor)
    launches = ev[ev.kind == "launch"]
    at_decoy = decoy[launches.target.to_numpy()]
    # one salvo per target called hostile, never more (pk 1, persistent identification)
    per_target = launches.groupby(["replication", "target"]).size()
    assert (per_target == 1).all() and (launches.missiles == SALVO).all()
    assert _within(at_decoy.sum(), n * 4, p_decoy)
    assert _within((~at_decoy).sum(), n * 3, p_aircraft)
    # the metrics count the same: missiles at decoys, decoys shot down; kills are the aircraft's alone
    spent = METRICS["missiles_at_decoys"].of_state(world, state)
    shot = METRICS["decoys_shot_down"].of_state(world, state)
    per_rep = np.bincount(launches.replication[at_decoy], minlength=n)
    assert spent.tolist() == (SALVO * per_rep).tolist()
    assert shot.tolist() == per_rep.tolist()
    kills = METRICS["kills"].of_state(world, state)
    assert kills.tolist() == np.bincount(launches.replication[~at_decoy], minlength=n).tolist()
    state.check(np.array([60]), np.array([4]))  # the state's invariants: a decoy shot down is counted
    # a decoy that is not engaged flies to the end of its route and leaks nothing
    leakers = METRICS["leakers"].of_state(world, state)
    assert (leakers + kills == 3).all()
    assert not (ev[ev.kind == "leak"].target.isin(np.flatnonzero(decoy))).any()


def test_a_decoy_draws_the_fire_it_diverts(make_scenario, tmp_path):
    """Decoys screening a strike spend a magazine: with 4 missiles (two salvos) and indistinguishable decoys in
    front, every aircraft behind them leaks; with recognised decoys (r = 1) none is fired at a decoy and the
    aircraft are engaged instead."""
    data = _scenario(tmp_path, 0.0, 0.0, decoys=2, aircraft=2)
    data["units"][0]["missiles"] = 4
    for r, spent, leak in ((0.0, 4, 2), (1.0, 0, 0)):
        data["authority"]["identification"]["p_decoy_recognised"] = r
        world = build_world(make_scenario(data))
        engine = Engine(world, np.arange(20), seed=5)
        engine.run()
        assert METRICS["missiles_at_decoys"].of_state(world, engine.state).tolist() == [spent] * 20
        assert METRICS["leakers"].of_state(world, engine.state).tolist() == [leak] * 20
