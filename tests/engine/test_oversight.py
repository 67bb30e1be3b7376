"""Human oversight: who decides, how long it takes, and what an operator can veto."""

from __future__ import annotations

import numpy as np

from iadsim.analysis.metrics import replication_rows as replication_metrics
from iadsim.engine import Engine, build_world

from ._scenarios import airliner, point_defence


def _run(make_scenario, data, replications=10, seed=9):
    world = build_world(make_scenario(data))
    engine = Engine(world, np.arange(replications), seed=seed)
    engine.run()
    return world, engine, replication_metrics(world, engine)


def test_in_the_loop_with_a_long_decision_engages_later_than_autonomous(make_scenario):
    data = point_defence()
    _, _, autonomous = _run(make_scenario, data)
    data["authority"]["mode"] = "human-in-the-loop"
    data["authority"]["decision_time"] = {"distribution": "fixed", "value": "40 s"}
    _, _, in_loop = _run(make_scenario, data)
    first_auto, first_human = autonomous["time_to_first_engagement"], in_loop["time_to_first_engagement"]
    assert first_auto.notna().all() and first_human.notna().all()
    # the same detections (keyed draws), then 40 s for the crew: never before 40 s after the first detection,
    # never before the autonomous system (which still waits for the target to enter the envelope)
    assert (first_human >= in_loop["time_to_first_detection"] + 40 - 1).all()
    assert (first_human >= first_auto).all() and (first_human - first_auto).mean() > 20


def _unidentified_airliner(decision: str, window: str = "10 s") -> dict:
    data = point_defence()
    data["threats"] = []
    data["traffic"] = [airliner("dark", -30, -1, 30, 1, transponder="off", altitude="2 km")]
    data["authority"] = {
        "mode": "human-on-the-loop", "veto_window": window,
        "decision_time": {"distribution": "fixed", "value": decision},
        "identification": {"p_civil_as_hostile": 0.0, "p_hostile_as_civil": 0.0, "p_transponder_missed": 0.0},
    }
    return data


def test_on_the_loop_operator_vetoes_a_silent_airliner_within_the_window(make_scenario):
    """Transponder off: the system calls it hostile; the operator (p_civil_as_hostile = 0) identifies it
    and vetoes, because the decision (3 s) comes inside the veto window (10 s)."""
    _, engine, metrics = _run(make_scenario, _unidentified_airliner("3 s"))
    assert (metrics["vetoes"] > 0).all()
    assert (metrics["wrongful_engagements"] == 0).all() and (metrics["civil_killed"] == 0).all()
    assert not (engine.events["kind"] == "launch").any()


def test_on_the_loop_decision_slower_than_the_window_lets_the_engagement_go(make_scenario):
    _, _, metrics = _run(make_scenario, _unidentified_airliner("20 s"))
    assert (metrics["vetoes"] == 0).all()
    assert (metrics["wrongful_engagements"] > 0).all()
