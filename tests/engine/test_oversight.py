"""Human oversight: who decides, how long it takes, and what an operator can veto."""

from __future__ import annotations

import numpy as np
import pandas as pd

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


def test_a_triangular_decision_time_of_zero_width_is_that_time(make_scenario):
    """low = mode = high is a valid triangle of zero width: the crew decides in exactly that time, as a fixed time
    (scipy's triangle gives NaN for it, and the battery never engaged)."""
    data = point_defence()
    data["authority"]["mode"] = "human-in-the-loop"
    data["authority"]["decision_time"] = {"distribution": "fixed", "value": "12 s"}
    _, _, fixed = _run(make_scenario, data)
    data["authority"]["decision_time"] = {"distribution": "triangular", "low": "12 s", "mode": "12 s", "high": "12 s"}
    _, _, triangle = _run(make_scenario, data)
    assert fixed["time_to_first_engagement"].notna().all()
    pd.testing.assert_frame_equal(triangle, fixed)


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


def _hostile_called_civil_half_the_time(persistent: bool) -> dict:
    """One drone against two point-defence systems, the operator deciding in 2 s and calling a hostile civil
    with probability 1/2; a veto is reconsidered 10 s later unless identification is persistent."""
    data = point_defence()
    data["threats"] = [data["threats"][0] | {"count": 1}]
    data["authority"] = {
        "mode": "human-in-the-loop", "reconsider_after": "10 s",
        "decision_time": {"distribution": "fixed", "value": "2 s"},
        "identification": {"p_civil_as_hostile": 0.0, "p_hostile_as_civil": 0.5, "p_transponder_missed": 0.0,
                           "persistent": persistent},
    }
    return data


def test_each_authorisation_is_a_fresh_identification(make_scenario):
    """Every decision draws the operator's call afresh: the number of vetoes before the first launch is
    geometric with p = 1/2 (P(0) = 1/2, P(1) = 1/4, P(2) = 1/8), a vetoed target reconsidered no sooner than
    10 s later (later when its track was lost meanwhile)."""
    replications = 400
    _, engine, metrics = _run(make_scenario, _hostile_called_civil_half_the_time(False), replications, seed=21)
    ev = engine.events
    first_launch = ev[ev.kind == "launch"].groupby("replication")["time"].min()
    assert len(first_launch) > 0.99 * replications  # re-decided until engaged: the drone's window is long
    vetoed = ev[ev.kind == "vetoed"]
    before = np.array([(vetoed[(vetoed.replication == r)].time < first_launch.get(r, np.inf)).sum()
                       for r in range(replications)])
    counts = np.bincount(before, minlength=4)[:3] / replications
    sigma = np.sqrt(0.25 / replications)
    np.testing.assert_allclose(counts, [0.5, 0.25, 0.125], atol=4 * sigma)
    for r in np.flatnonzero(before >= 1):  # a vetoed target is reconsidered no sooner than 10 s later
        times = vetoed[vetoed.replication == r].time.to_numpy()
        nominations = ev[(ev.replication == r) & (ev.kind == "nominated")].time.to_numpy()
        after = nominations[nominations > times[0]]
        assert len(after) and after.min() >= times[0] + 10.0 - 1e-9


def test_persistent_identification_keeps_the_first_call(make_scenario):
    """With persistent identification the first call stands: a drone called civil is never engaged (P = 1/2)."""
    replications = 400
    _, engine, metrics = _run(make_scenario, _hostile_called_civil_half_the_time(True), replications, seed=21)
    ev = engine.events
    vetoed = set(ev[ev.kind == "vetoed"].replication)
    launched = set(ev[ev.kind == "launch"].replication)
    assert not vetoed & launched and (metrics["vetoes"] <= 1).all()
    assert abs(len(vetoed) / replications - 0.5) < 4 * np.sqrt(0.25 / replications)
