"""The automated-battery example (examples/automated-battery.yaml, after the public findings of the Defense Science
Board's 2005 Patriot report): its fratricide probability is the product of the classifier's ARM rate for the
friendly aircraft, the IFF failure probability and the operator's acceptance probability, each computed here from
the scenario file and the documented models (docs/engine.md, "Human-machine teaming"), the acceptance on the
decision inputs the engine logged; with the IFF codes loaded it falls."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "automated-battery.yaml"
N = 1000
OPERATOR_DEFAULTS = {"trust": 0.5, "intercept": -2.0, "trust_weight": 4.0, "confidence_weight": 1.0,
                     "pressure_weight": 1.5, "workload_weight": 0.1, "vigilance_weight": 0.5,
                     "pressure_horizon": "120 s"}
"""The operator model's defaults as docs/engine.md states them."""


def seconds(text: str) -> float:
    value, unit = str(text).split()
    return float(value) * {"s": 1.0, "min": 60.0}[unit]


def logistic(operator: dict, confidence, pressure, workload, hours) -> np.ndarray:
    """The documented acceptance model, written out here: logit p = intercept + trust_weight * trust +
    confidence_weight * confidence + pressure_weight * pressure + workload_weight * workload +
    vigilance_weight * hours."""
    z = (operator["intercept"] + operator["trust_weight"] * operator["trust"]
         + operator["confidence_weight"] * np.asarray(confidence) + operator["pressure_weight"] * np.asarray(pressure)
         + operator["workload_weight"] * np.asarray(workload) + operator["vigilance_weight"] * np.asarray(hours))
    return 1.0 / (1.0 + np.exp(-z))


def first_decisions(decisions, profile: str):
    """Each replication's first decision about the friendly aircraft (a later one follows only a launch: shoot-
    look-shoot after a miss)."""
    friendly = decisions[decisions["profile"] == profile].sort_values(["replication", "time"], kind="stable")
    first = friendly.groupby("replication").head(1)
    later = friendly.drop(first.index)
    assert first.set_index("replication").loc[later["replication"].unique(), "launched"].all()
    return first


def run(scenario):
    from iadsim.analysis import simulate

    result = simulate(scenario, replications=N)
    p = float((result.metrics["fratricide"] > 0).mean())
    return result, p


@pytest.mark.validation
def test_fratricide_is_the_product_of_the_arm_call_the_iff_failure_and_acceptance(validation):
    from iadsim import api

    doc = yaml.safe_load(EXAMPLE.read_text())
    authority = doc["authority"]
    home = next(f for f in doc["traffic"] if f.get("side") == "friendly")
    assert home["iff_codes"] == "missing" and authority["mode"] == "human-on-the-loop"
    assert authority["identification"]["persistent"] is True
    # the on-the-loop launch is the acceptance: a fixed decision time inside the veto window
    assert authority["decision_time"]["distribution"] == "fixed"
    assert seconds(authority["decision_time"]["value"]) < seconds(authority["veto_window"])
    p_arm = authority["automation"]["classifier"]["confusion"][home["profile"]]["arm"]
    operator = {**OPERATOR_DEFAULTS, **authority["automation"]["operator"]}
    confidence = authority["automation"]["classifier"]["confidence"]["arm"]
    ident = authority["identification"]
    reply = ident["interrogator_availability"] * (1 - ident["p_transponder_missed"])  # a valid reply, codes loaded

    scenario = api.load(EXAMPLE)
    result, p_missing = run(scenario.model)
    first = first_decisions(result.decisions, home["profile"])
    assert len(first) == N  # one decision about the friendly in every replication
    arm = first[first["label"] == "arm"]
    # the inputs as documented: the label's confidence, pressure from the time to intercept, hours from the time
    horizon = seconds(operator["pressure_horizon"])
    assert np.allclose(arm["confidence"], confidence)
    assert np.allclose(arm["pressure"], np.clip(1 - arm["time_to_intercept"] / horizon, 0, 1))
    assert np.allclose(arm["hours"], arm["time"] / 3600.0)
    p_accept = logistic(operator, arm["confidence"], arm["pressure"], arm["workload"], arm["hours"])
    assert np.allclose(arm["p_accept"], p_accept, rtol=1e-12)
    assert (arm["launched"] == arm["accepted"]).all()  # on the loop, inside the window
    iff_fails = 1.0  # codes missing: no valid reply, to the system or to the cross-check
    expected = p_arm * iff_fails * float(p_accept.mean())
    se = math.sqrt(expected * (1 - expected) / N)
    validation("fratricide probability of the automated battery (IFF codes missing)", "classifier ARM rate x IFF "
               "failure x operator acceptance (the logistic on the logged inputs), computed in the test, within 4 "
               "standard errors", p_missing, expected, abs=4 * se)
    assert 0.25 < expected < 0.45

    loaded, p_loaded = run(scenario.with_changes({f"traffic[{home['id']}].iff_codes": "loaded"}).model)
    # the system's interrogation (a valid reply keeps it off the engagement list), then the operator's cross-check
    iff_fails = (1 - reply) * (1 - ident["cross_check"] * reply)
    arm = first_decisions(loaded.decisions, home["profile"]).query("label == 'arm'")
    expected_loaded = p_arm * iff_fails * float(logistic(operator, arm["confidence"], arm["pressure"],
                                                         arm["workload"], arm["hours"]).mean())
    se_loaded = math.sqrt(expected_loaded * (1 - expected_loaded) / N)
    validation("fratricide probability of the automated battery (IFF codes loaded)", "classifier ARM rate x IFF "
               "failure (interrogation and cross-check) x operator acceptance, computed in the test, within 4 "
               "standard errors", p_loaded, expected_loaded, abs=4 * se_loaded)
    assert p_missing - p_loaded > 4 * math.hypot(se, se_loaded)
