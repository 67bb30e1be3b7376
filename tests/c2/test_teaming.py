"""Human-machine teaming (issue 27, first slice): the automation's classifier against its configured confusion
matrix, the operators' acceptance against the logistic model evaluated here on the decisions' own workload trace,
a friendly aircraft's fratricide probability against the product of the classifier's ARM rate, the IFF failure
probability and the acceptance probability, and bad input named by file, line and field."""

from __future__ import annotations

import math

import numpy as np
import pytest
import yaml

from iadsim.cli import main

BASE = {
    "name": "teaming",
    "seed": 11,
    "duration": "6 min",
    "step": "1 s",
    "terrain": {"flat": "0 m", "extent": "100 km"},
    "defended_assets": [{"id": "base", "x": "0 km", "y": "0 km", "radius": "1 km"}],
    "units": [{"id": "sr", "type": "mr-search-radar", "x": "0 km", "y": "2 km", "mast_height": "15 m"},
              {"id": "t1", "type": "mr-telar", "x": "1 km", "y": "0 km"}],
    "links": [{"from": "sr", "to": "t1", "carries": "cues"}],
}
CONFUSION = {"hostile": {"hostile": 0.7, "arm": 0.1, "civil": 0.15, "friendly": 0.05},
             "arm": {"arm": 1.0},
             "civil": {"civil": 0.9, "hostile": 0.1},
             "friendly": {"friendly": 0.6, "arm": 0.4}}


def raid(count: int) -> dict:
    return {"id": "raid", "type": "fighter", "target": "base", "count": count, "spacing": "15 s",
            "route": [{"x": "-45 km", "y": "5 km", "altitude": "300 m"}, {"x": "0 km", "y": "0 km",
                                                                          "altitude": "300 m"}]}


def friendly(codes: str = "missing") -> dict:
    """A friendly fighter returning through the battery's sector on a straight corridor."""
    return {"id": "home", "type": "fighter", "side": "friendly", "iff_codes": codes, "altitude_reference": "agl",
            "route": [{"x": "40 km", "y": "-10 km", "altitude": "500 m"},
                      {"x": "-40 km", "y": "10 km", "altitude": "500 m"}]}


def write(tmp_path, authority: dict, threats=(), traffic=(), name="s.yaml"):
    doc = dict(BASE, authority=authority, threats=list(threats), traffic=list(traffic))
    path = tmp_path / name
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def decisions(path, replications: int):
    from iadsim.engine import Engine
    from iadsim.engine.world import build_world
    from iadsim.scenario import load_scenario

    world = build_world(load_scenario(path))
    engine = Engine(world, np.arange(replications), 5)
    engine.run()
    return engine, engine.decisions


def test_labels_follow_the_confusion_matrix(tmp_path):
    path = write(tmp_path, {"mode": "autonomous", "automation": {"classifier": {"confusion": CONFUSION}}},
                 threats=[raid(4)], traffic=[friendly()])
    _, table = decisions(path, 150)
    assert set(table["profile"]) == {"hostile", "friendly"}
    for profile, group in table.groupby("profile"):
        n = len(group)
        assert n >= 100
        for label, p in CONFUSION[profile].items():
            seen = float((group["label"] == label).mean())
            assert abs(seen - p) <= 4 * math.sqrt(p * (1 - p) / n) + 1e-12, (profile, label, seen, p, n)
        # autonomous: the classifier alone decides, and only hostile and arm are launched at
        assert (group["launched"] == group["label"].isin(["hostile", "arm"])).all()
        assert group["p_accept"].isna().all()


OPERATOR = {"trust": 0.3, "intercept": -4.0, "trust_weight": 2.0, "confidence_weight": 1.5, "pressure_weight": 1.5,
            "workload_weight": 0.2, "vigilance_weight": 3.0, "pressure_horizon": "90 s"}


def logistic_model(row) -> float:
    """The documented form (docs/engine.md, human-machine teaming), written out here."""
    z = (OPERATOR["intercept"] + OPERATOR["trust_weight"] * OPERATOR["trust"]
         + OPERATOR["confidence_weight"] * row.confidence + OPERATOR["pressure_weight"] * row.pressure
         + OPERATOR["workload_weight"] * row.workload + OPERATOR["vigilance_weight"] * row.hours)
    return 1.0 / (1.0 + math.exp(-z))


@pytest.mark.validation
def test_acceptance_follows_the_logistic_model_on_the_workload_trace(tmp_path, validation):
    confidence = {"hostile": 0.8, "arm": 0.95, "civil": 0.7, "friendly": 0.6}
    path = write(tmp_path, {"mode": "human-in-the-loop",
                            "decision_time": {"distribution": "fixed", "value": "2 s"},
                            "automation": {"classifier": {"confusion": CONFUSION, "confidence": confidence},
                                           "operator": OPERATOR}},
                 threats=[raid(6)], traffic=[friendly()])
    engine, table = decisions(path, 120)
    asked = table[table["label"].isin(["hostile", "arm"])]
    assert len(asked) >= 300
    # the inputs: the label's confidence, pressure from the time to intercept, hours on task from the time
    assert np.allclose(asked["confidence"], asked["label"].map(confidence))
    assert np.allclose(asked["pressure"], np.clip(1 - asked["time_to_intercept"] / 90.0, 0, 1))
    assert np.allclose(asked["hours"], asked["time"] / 3600.0)
    assert (asked["workload"] >= 1).all() and asked["workload"].nunique() > 2  # a trace that varies
    expected = np.array([logistic_model(row) for row in asked.itertuples()])
    assert np.allclose(asked["p_accept"], expected, rtol=1e-12)
    assert 0.2 < expected.mean() < 0.8  # discriminating
    # acceptances against the model on the same trace: a sum of Bernoulli draws
    accepted = float(asked["accepted"].sum())
    sd = math.sqrt(float((expected * (1 - expected)).sum()))
    validation("operator acceptance of automation recommendations (logistic in trust, confidence, time pressure, "
               "workload, time on task)", "the model evaluated in the test on the decisions' trace, within 4 "
               "standard deviations", accepted, float(expected.sum()), abs=4 * sd)
    # in the loop the operator's call is the launch decision; every refusal is a veto event
    assert (asked["launched"] == asked["accepted"]).all()
    held = table[~table["label"].isin(["hostile", "arm"])]
    assert not held["launched"].any()
    vetoes = int((engine.events["kind"] == "vetoed").sum())
    assert vetoes == int((~table["launched"]).sum())


@pytest.mark.parametrize(("codes", "availability", "cross_check"), [("missing", 1.0, 0.0), ("loaded", 0.6, 0.5)])
@pytest.mark.validation
def test_fratricide_is_the_product_of_the_arm_call_the_iff_failure_and_acceptance(tmp_path, validation, codes,
                                                                                   availability, cross_check):
    """One friendly aircraft, one decision per replication (persistent identification): it is launched at when the
    classifier calls it an ARM, no valid IFF reply reaches the system nor the operator's cross-check, and the
    operator accepts. With the acceptance inputs weighted 0 but trust and confidence, acceptance is a constant."""
    from iadsim.analysis import simulate
    from iadsim.scenario import load_scenario

    operator = {"trust": 0.7, "intercept": -1.0, "trust_weight": 2.0, "confidence_weight": 1.0,
                "pressure_weight": 0.0, "workload_weight": 0.0, "vigilance_weight": 0.0}
    path = write(tmp_path, {"mode": "human-in-the-loop", "decision_time": {"distribution": "fixed", "value": "2 s"},
                            "identification": {"persistent": True, "interrogator_availability": availability,
                                               "cross_check": cross_check},
                            "automation": {"classifier": {"confusion": CONFUSION}, "operator": operator}},
                 traffic=[friendly(codes)])
    n = 1500
    result = simulate(load_scenario(path), replications=n)
    p_fratricide = float((result.metrics["fratricide"] > 0).mean())
    p_arm = CONFUSION["friendly"]["arm"]
    p_accept = 1.0 / (1.0 + math.exp(-(-1.0 + 2.0 * 0.7 + 1.0 * 0.9)))  # default confidence 0.9
    reply = availability if codes == "loaded" else 0.0  # a valid reply to one interrogation (none missed)
    p_iff_fails = (1 - reply) * (1 - cross_check * reply)  # neither the system's nor the cross-check's
    expected = p_arm * p_iff_fails * p_accept
    validation(f"fratricide probability (IFF codes {codes}, interrogator {availability:g}, cross-check "
               f"{cross_check:g})", "classifier ARM rate x IFF failure x operator acceptance, computed in the test, "
               "within 4 standard errors", p_fratricide, expected, abs=4 * math.sqrt(expected * (1 - expected) / n))
    assert 0.03 < expected < 0.5
    assert result.summary["metrics"]["wrongful_engagements"]["mean"] == 0  # a friendly is not civil


def test_without_automation_nothing_changes_and_fratricide_is_not_measured(tmp_path):
    from iadsim.analysis import simulate
    from iadsim.scenario import load_scenario

    path = write(tmp_path, {"mode": "human-in-the-loop"}, threats=[raid(2)])
    result = simulate(load_scenario(path), replications=4)
    assert result.metrics["fratricide"].isna().all()  # no friendly aircraft: the measure does not apply


@pytest.mark.parametrize(("change", "field"), [
    (lambda d: d["authority"]["automation"]["classifier"]["confusion"]["hostile"].update(hostile=0.5), "confusion"),
    (lambda d: d["authority"]["automation"]["classifier"]["confusion"]["arm"].update(bogus=0.0), "bogus"),
    (lambda d: d["authority"]["automation"]["operator"].update(trust=1.5), "trust"),
    (lambda d: d["traffic"][0].update(profile="tornado"), "traffic[0].profile"),
    (lambda d: d["authority"]["automation"]["classifier"]["confusion"].pop("friendly"), "confusion"),
    (lambda d: d["traffic"][0].update(side="civil", type="jumbo-airliner"), "traffic[0].iff_codes"),
])
def test_bad_automation_input_is_one_line_naming_the_field(tmp_path, capsys, change, field):
    doc = dict(BASE, authority={"mode": "human-in-the-loop", "automation": {
        "classifier": {"confusion": {k: dict(v) for k, v in CONFUSION.items()}}, "operator": dict(OPERATOR)}},
        traffic=[friendly()])
    change(doc)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    status = main(["validate", str(path)])
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert status == 2 and "Traceback" not in err
    assert len(lines) == 1 and "bad.yaml:" in lines[0] and field in lines[0], lines


def test_workload_counts_the_tracks_in_the_picture_and_the_waiting_decisions_per_operator(tmp_path):
    """Three fighters 2 km apart (resolved: no shared plots), tracked long before the first of them comes within
    reach: at each replication's first decision the fire unit's picture holds the three, one decision waits (this
    one), and the crew has two operators: (3 + 1) / 2."""
    close = dict(raid(3), spacing="8 s")
    path = write(tmp_path, {"mode": "human-in-the-loop", "automation": {
        "classifier": {"confusion": {"hostile": {"hostile": 1.0}}}, "operator": OPERATOR}}, threats=[close])
    doc = yaml.safe_load(path.read_text())
    doc["doctrine"] = {"concurrent_decisions": 2}
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    _, table = decisions(path, 20)
    first = table.sort_values("time").groupby("replication").head(1)
    assert len(first) == 20
    assert np.allclose(first["workload"], (3 + 1) / 2)


def test_a_friendly_aircraft_is_its_own_group_and_not_civil(tmp_path):
    """The friendly fighter flies the raid's type: the breakdown by type keeps it apart (its losses are fratricide,
    not kills), the summary counts no civil aircraft, and the replay shows it on the defence's side."""
    from iadsim.analysis import simulate
    from iadsim.analysis.artifacts import read_entities
    from iadsim.analysis.breakdown import outcomes_by
    from iadsim.report.run import load_run
    from iadsim.report.timeline import timeline
    from iadsim.scenario import load_scenario

    path = write(tmp_path, {"mode": "autonomous", "automation": {"classifier": {"confusion": CONFUSION}}},
                 threats=[raid(2)], traffic=[friendly()])
    result = simulate(load_scenario(path), replications=6, out_dir=tmp_path / "run")
    assert result.summary["civil_aircraft"] == 0
    run = load_run(tmp_path / "run")
    table = outcomes_by(run.events, read_entities(tmp_path / "run"), 6, "type").set_index("group")
    assert table.loc["fighter", "aircraft"] == 2 and table.loc["fighter (friendly)", "aircraft"] == 1
    assert table.loc["fighter (friendly)", "friendly"] and not table.loc["fighter (friendly)", "civil"]
    assert table.loc["fighter", "killed"] == pytest.approx(result.metrics["kills"].mean())
    sides = {b.name: b.side for b in timeline(run, 0).targets}
    assert sides["home"] == "defence" and sides["raid-1"] == "raid"
