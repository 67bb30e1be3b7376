"""Human-machine teaming (issue 27, first slice): the automation's classifier against its configured confusion
matrix, the operators' acceptance against the logistic model evaluated here on the decisions' own workload trace,
a friendly aircraft's fratricide probability against the product of the classifier's ARM rate, the IFF failure
probability and the acceptance probability, and bad input named by file, line and field."""

from __future__ import annotations

import copy
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


OWN = {"hostile": {"hostile": 0.4, "civil": 0.6}, "friendly": {"friendly": 0.9, "arm": 0.1}}
"""The second fire unit's own classifier."""


def test_labels_follow_each_fire_units_confusion_matrix(tmp_path):
    """Two fire units, the second with its own classifier: each unit's calls follow its own matrix. Autonomous: the
    classifier alone decides; a recommendation to hold fire is a ``held`` event at the nomination, no veto."""
    path = write(tmp_path, {"mode": "autonomous", "automation": {"classifier": {"confusion": CONFUSION},
                                                                 "classifiers": {"t2": {"confusion": OWN}}}},
                 threats=[raid(4)], traffic=[friendly()])
    doc = yaml.safe_load(path.read_text())
    doc["units"].append({"id": "t2", "type": "mr-telar", "x": "-1 km", "y": "0 km"})
    doc["links"].append({"from": "sr", "to": "t2", "carries": "cues"})
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    engine, table = decisions(path, 150)
    units = {name: i for i, name in enumerate(engine.w.unit_ids)}
    assert set(table["profile"]) == {"hostile", "friendly"}
    for (unit, profile), group in table.groupby(["unit", "profile"]):
        matrix = OWN if unit == units["t2"] else CONFUSION
        n = len(group)
        assert n >= 40, (unit, profile, n)
        for label in ("hostile", "arm", "civil", "friendly"):
            p = matrix[profile].get(label, 0.0)
            seen = float((group["label"] == label).mean())
            assert abs(seen - p) <= 4 * math.sqrt(max(p * (1 - p), 0.25 / n) / n), (unit, profile, label, seen, p, n)
        # autonomous: the classifier alone decides, and only hostile and arm are launched at
        assert (group["launched"] == group["label"].isin(["hostile", "arm"])).all()
        assert group["p_accept"].isna().all()
    events = engine.events
    held = table[~table["label"].isin(["hostile", "arm"])]
    assert len(held) > 100 and held["time_to_intercept"].isna().all()
    assert int((events["kind"] == "held").sum()) == len(held)
    assert int((events["kind"] == "nominated").sum()) == len(table) - len(held)  # a hold is never nominated
    assert not (events["kind"] == "vetoed").any()
    assert np.array_equal(engine.state.outcomes.holds,
                          held.groupby("replication").size().reindex(range(150), fill_value=0).to_numpy())


OPERATOR = {"trust": 0.3, "intercept": -5.5, "trust_weight": 2.0, "confidence_weight": 1.5, "pressure_weight": 1.5,
            "workload_weight": 0.2, "vigilance_weight": 3.0, "pressure_horizon": "90 s", "hours_on_task": "30 min"}
CREW_TRUST = 0.6
"""The fire unit's own crew's trust, over the operator model's."""


def logistic_model(row, trust: float = CREW_TRUST) -> float:
    """The documented form (docs/engine.md, human-machine teaming), written out here."""
    z = (OPERATOR["intercept"] + OPERATOR["trust_weight"] * trust
         + OPERATOR["confidence_weight"] * row.confidence + OPERATOR["pressure_weight"] * row.pressure
         + OPERATOR["workload_weight"] * row.workload + OPERATOR["vigilance_weight"] * row.hours)
    return 1.0 / (1.0 + math.exp(-z))


@pytest.mark.parametrize("mode", ["human-in-the-loop", "human-on-the-loop"])
@pytest.mark.validation
def test_acceptance_and_vetoes_follow_the_logistic_model_on_the_workload_trace(tmp_path, validation, mode):
    """The decisions' own trace (confidence, time to intercept, workload, time on task, the crew's trust) drives the
    model written here: in the loop the acceptances, on the loop (an operator deciding in 2 s, inside the 10 s
    window) the vetoes follow it."""
    confidence = {"hostile": 0.8, "arm": 0.95, "civil": 0.7, "friendly": 0.6}
    path = write(tmp_path, {"mode": mode, "decision_time": {"distribution": "fixed", "value": "2 s"},
                            "veto_window": "10 s",
                            "automation": {"classifier": {"confusion": CONFUSION, "confidence": confidence},
                                           "operator": OPERATOR}},
                 threats=[raid(6)], traffic=[friendly()])
    doc = yaml.safe_load(path.read_text())
    doc["units"][1]["trust"] = CREW_TRUST
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    engine, table = decisions(path, 120)
    asked = table[table["label"].isin(["hostile", "arm"])]
    assert len(asked) >= 300
    # the inputs: the label's confidence, pressure from the time to intercept, hours on task from the time and the
    # hours on task at the start, the crew's own trust
    assert np.allclose(asked["confidence"], asked["label"].map(confidence))
    assert np.allclose(asked["pressure"], np.clip(1 - asked["time_to_intercept"] / 90.0, 0, 1))
    assert np.allclose(asked["hours"], 0.5 + asked["time"] / 3600.0)
    assert np.allclose(asked["trust"], CREW_TRUST)
    assert (asked["workload"] >= 1).all() and asked["workload"].nunique() > 2  # a trace that varies
    expected = np.array([logistic_model(row) for row in asked.itertuples()])
    assert np.allclose(asked["p_accept"], expected, rtol=1e-12)
    assert 0.2 < expected.mean() < 0.8  # discriminating
    # acceptances against the model on the same trace: a sum of Bernoulli draws
    accepted = float(asked["accepted"].sum())
    sd = math.sqrt(float((expected * (1 - expected)).sum()))
    validation(f"operator acceptance of automation recommendations, {mode} (logistic in trust, confidence, time "
               "pressure, workload, time on task)", "the model evaluated in the test on the decisions' trace, within 4 "
               "standard deviations", accepted, float(expected.sum()), abs=4 * sd)
    # the operator's refusals are the vetoes (inside the window on the loop too); a hold is no veto
    vetoes = int((engine.events["kind"] == "vetoed").sum())
    if mode == "human-on-the-loop":  # (in the loop every refusal is a veto by definition)
        validation("operator vetoes of automation recommendations on the loop (deciding inside the window)",
                   "the model's expected refusals on the decisions' trace, within 4 standard deviations",
                   float(vetoes), float((1 - expected).sum()), abs=4 * sd)
    assert (asked["launched"] == asked["accepted"]).all() and vetoes == int((~asked["launched"]).sum())
    held = table[~table["label"].isin(["hostile", "arm"])]
    assert len(held) > 20 and not held["launched"].any() and held["p_accept"].isna().all()
    assert int((engine.events["kind"] == "held").sum()) == len(held)


def test_an_operator_slower_than_the_veto_window_vetoes_nothing(tmp_path):
    """On the loop, an operator who takes 15 s with a 10 s window: every recommendation to engage launches, though
    the model accepts barely one in ten."""
    operator = dict(OPERATOR, intercept=-8.0)
    path = write(tmp_path, {"mode": "human-on-the-loop", "decision_time": {"distribution": "fixed", "value": "15 s"},
                            "veto_window": "10 s",
                            "automation": {"classifier": {"confusion": CONFUSION}, "operator": operator}},
                 threats=[raid(4)])
    engine, table = decisions(path, 30)
    asked = table[table["label"].isin(["hostile", "arm"])]
    assert len(asked) >= 30 and asked["p_accept"].mean() < 0.15 and (~asked["accepted"]).sum() > 20
    assert asked["launched"].all() and not (engine.events["kind"] == "vetoed").any()


@pytest.mark.parametrize(("codes", "transponder", "surveillance", "own", "cross_check"),
                         [("missing", 1.0, 1.0, 1.0, 0.0), ("loaded", 0.8, 0.7, 0.6, 1.0)])
@pytest.mark.validation
def test_fratricide_is_the_product_of_the_arm_call_the_iff_failure_and_acceptance(tmp_path, validation, codes,
                                                                                   transponder, surveillance, own,
                                                                                   cross_check):
    """One friendly aircraft, one decision per replication (persistent identification): it is launched at when the
    classifier calls it an ARM, no valid IFF reply reaches the system (the surveillance interrogation) nor the
    operator's cross-check (the fire unit's own interrogator), and the operator accepts. A transponder that does
    not work fails both; a working one fails the system's with its interrogator and the cross-check's with the
    fire unit's. With the acceptance inputs weighted 0 but trust and confidence, acceptance is a constant."""
    from iadsim.analysis import simulate
    from iadsim.scenario import load_scenario

    operator = {"trust": 0.7, "intercept": -1.0, "trust_weight": 2.0, "confidence_weight": 1.0,
                "pressure_weight": 0.0, "workload_weight": 0.0, "vigilance_weight": 0.0}
    path = write(tmp_path, {"mode": "human-in-the-loop", "decision_time": {"distribution": "fixed", "value": "2 s"},
                            "identification": {"persistent": True, "interrogator_availability": surveillance,
                                               "transponder_availability": transponder, "cross_check": cross_check},
                            "automation": {"classifier": {"confusion": CONFUSION}, "operator": operator}},
                 traffic=[friendly(codes)])
    doc = yaml.safe_load(path.read_text())
    doc["units"][1]["interrogator_availability"] = own
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    n = 1500
    result = simulate(load_scenario(path), replications=n)
    p_fratricide = float((result.metrics["fratricide"] > 0).mean())
    p_arm = CONFUSION["friendly"]["arm"]
    p_accept = 1.0 / (1.0 + math.exp(-(-1.0 + 2.0 * 0.7 + 1.0 * 0.9)))  # default confidence 0.9
    if codes == "loaded":  # no valid reply: the transponder fails, or the system's and the cross-check's do
        p_iff_fails = (1 - transponder) + transponder * (1 - surveillance) * (1 - cross_check * own)
    else:
        p_iff_fails = 1.0
    expected = p_arm * p_iff_fails * p_accept
    validation(f"fratricide probability (IFF codes {codes}, transponder {transponder:g}, interrogators "
               f"{surveillance:g} and {own:g}, cross-check {cross_check:g})",
               "classifier ARM rate x IFF failure x operator acceptance, computed in the test, "
               "within 4 standard errors", p_fratricide, expected, abs=4 * math.sqrt(expected * (1 - expected) / n))
    assert 0.03 < expected < 0.5
    assert result.summary["metrics"]["wrongful_engagements"]["mean"] == 0  # a friendly is not civil
    if codes == "loaded":  # the cross-checks: a reply only from a working transponder to a working interrogator
        checked = result.decisions[result.decisions["cross_checked"]]
        # the system's interrogation failed (or it would not be engaged): its transponder works with probability
        # transponder (1 - surveillance) / (1 - transponder surveillance); then the fire unit's interrogator
        p_reply = own * transponder * (1 - surveillance) / (1 - transponder * surveillance)
        seen = float(checked["iff_reply"].mean())
        validation("valid IFF replies to the operator's cross-check (the transponder and the fire unit's "
                   "interrogator, each working or not for the run)", "the conditional probability computed in the "
                   "test, within 4 standard errors", seen, p_reply,
                   abs=4 * math.sqrt(p_reply * (1 - p_reply) / len(checked)))
        assert len(checked) > 200


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
    (lambda d: d["authority"]["automation"].update(classifiers={"sr": {"confusion": CONFUSION}}), "classifiers.sr"),
    (lambda d: d["authority"]["automation"].update(classifiers={"t1": {"confusion": {"hostile": {"hostile": 1.0}}}}),
     "classifiers.t1.confusion"),
    (lambda d: d["units"][0].update(trust=0.5), "units[0].trust"),
    (lambda d: d["units"][1].update(trust=-0.1), "units[1].trust"),
    (lambda d: d["units"][0].update(interrogator_availability=0.5), "units[0].interrogator_availability"),
    (lambda d: d["authority"].pop("automation") and d["units"][1].update(trust=0.5), "units[1].trust"),
    (lambda d: d["authority"].update(identification={"transponder_availability": 1.2}), "transponder_availability"),
    # the operator's own error rates, which the automation's operator model replaces (silently unused before)
    (lambda d: d["authority"].update(identification={"p_civil_as_hostile": 0.9}),
     "authority.identification.p_civil_as_hostile"),
    (lambda d: d["authority"].update(identification={"persistent": True, "p_decoy_recognised": 0.5}),
     "authority.identification.p_decoy_recognised"),
])
def test_bad_automation_input_is_one_line_naming_the_field(tmp_path, capsys, change, field):
    doc = dict(copy.deepcopy(BASE), authority={"mode": "human-in-the-loop", "automation": {
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


def test_workload_counts_every_decision_against_the_events(tmp_path):
    """A command post decides for two fire units with one operator (one decision at a time, 6 s each): decisions
    queue. Four fighters on two routes, high (every look sees them: tracks never break), are in both fire units'
    pictures long before they come within reach; a fifth starts only
    after the window checked (alive, but in nobody's picture). At every decision in the window the workload is the
    live fighters flying (not killed or leaked by then) plus the engagements pending at the command post (this one
    included), counted here from the event log in its order."""
    def route(name, y):
        return {"id": name, "type": "fighter", "target": "base", "count": 2, "spacing": "8 s",
                "route": [{"x": "-45 km", "y": y, "altitude": "3000 m"}, {"x": "0 km", "y": "0 km",
                                                                          "altitude": "3000 m"}]}
    late = dict(route("late", "-5 km"), count=1, start="250 s")
    path = write(tmp_path, {"mode": "human-in-the-loop", "decision_time": {"distribution": "fixed", "value": "6 s"},
                            "automation": {"classifier": {"confusion": {"hostile": {"hostile": 1.0}}},
                                           "operator": OPERATOR}},
                 threats=[route("north", "5 km"), route("south", "-5 km"), late])
    doc = yaml.safe_load(path.read_text())
    doc["units"] = [{"id": "sr", "type": "mr-search-radar", "x": "0 km", "y": "2 km", "mast_height": "15 m"},
                    {"id": "cp", "type": "command-post", "x": "0 km", "y": "-2 km"},
                    {"id": "t1", "type": "mr-telar", "x": "1 km", "y": "1 km"},
                    {"id": "t2", "type": "mr-telar", "x": "1 km", "y": "-1 km"}]
    doc["links"] = [{"from": "sr", "to": "cp", "carries": "tracks"},
                    {"from": "cp", "to": "t1", "carries": "cues"}, {"from": "cp", "to": "t2", "carries": "cues"}]
    doc["doctrine"] = {"concurrent_decisions": 1}
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    engine, table = decisions(path, 12)
    events = engine.events.reset_index(drop=True)
    target_ids = engine.w.target_ids
    fighters = [i for i, name in enumerate(target_ids) if not name.startswith("late")]
    window = table[(table["time"] > 20) & (table["time"] < 240)]  # (all four in the picture from about 1 s)
    assert len(window) >= 40
    resolving = events["kind"].isin(["vetoed", "launch", "lost"])
    most = 0
    for row in window.itertuples():
        mine = events[events["replication"] == row.replication]
        at = mine.index[resolving[mine.index] & (mine["time"] == row.time) & (mine["target"] == row.target)
                        & (mine["unit"] == row.unit)][0]
        before = mine.loc[:at - 1] if at > mine.index[0] else mine.iloc[:0]
        pending = int((before["kind"] == "nominated").sum() - before["kind"].isin(["vetoed", "launch", "lost"]).sum())
        gone = set(before.loc[before["kind"].isin(["kill", "leak"]), "target"])
        live = sum(1 for t in fighters if t not in gone)
        most = max(most, pending)
        assert row.workload == pytest.approx(live + pending), (row, live, pending)
    assert most >= 2  # decisions did queue


def test_a_row_that_does_not_sum_to_one_is_named_at_its_own_line(tmp_path, capsys):
    doc = dict(BASE, authority={"mode": "autonomous", "automation": {"classifier": {"confusion": {
        "hostile": {"hostile": 1.0}, "friendly": {"friendly": 0.5, "arm": 0.4}}}}}, traffic=[friendly()])
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if text.strip() == "friendly:")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"iadsim: {path}:{line}:") and "confusion.friendly" in err and "sums to 0.9" in err, err


def test_a_fire_unit_the_automation_held_is_assigned_again_at_once(tmp_path):
    """Two fighters on routes mirrored about the fire unit and its radars, tracked from far beyond its reach, come
    within reach together; the classifier holds the first (its profile's row is all civil). The fire unit stays
    free and takes the other at that very moment, in most replications where the hold comes first (where a look
    does not just miss it, and the fire unit's own track of the other already gives a solution: else it waits for
    one, ``no_solution``; where the other's solution opens first, it is taken first)."""
    confusion = {"hostile": {"hostile": 1.0}, "harmless": {"civil": 1.0}}

    def fighter(name, y, profile=None):
        flight = {"id": name, "type": "fighter", "target": "base",
                  "route": [{"x": "-45 km", "y": y, "altitude": "3000 m"},
                            {"x": "0 km", "y": "0 km", "altitude": "3000 m"}]}
        return dict(flight, profile=profile) if profile else flight
    path = write(tmp_path, {"mode": "autonomous", "automation": {"classifier": {"confusion": confusion}}},
                 threats=[fighter("odd", "6 km", "harmless"), fighter("real", "-6 km")])
    doc = yaml.safe_load(path.read_text())
    doc["doctrine"] = {"maturity": "updates", "maturity_updates": 1}  # both ready long before they are in reach
    doc["units"] = [{"id": "sr", "type": "mr-search-radar", "x": "20 km", "y": "0 km", "mast_height": "15 m"},
                    {"id": "t1", "type": "mr-telar", "x": "21 km", "y": "0 km"}]  # on the routes' mirror line
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    engine, table = decisions(path, 20)
    events = engine.events
    first, at_once = 0, 0
    for r in range(20):
        mine = events[events["replication"] == r]
        hold = mine.loc[(mine["kind"] == "held") & (mine["target"] == 0), "time"].min()
        nominated = mine.loc[(mine["kind"] == "nominated") & (mine["target"] == 1), "time"].min()
        assert np.isfinite(hold) and np.isfinite(nominated)
        if nominated < hold:  # the other's own solution opened first: taken first
            continue
        first += 1
        waits = mine[(mine["kind"] == "waiting") & (mine["target"] == 1) & (mine["time"] <= hold)]
        at_once += bool(nominated == hold or (waits["reason"] == "no_solution").any())
    # (a look that misses the other at that moment can delay it: its scan phase is its own; 8 of 12 here)
    assert first >= 8 and at_once >= 0.6 * first, (first, at_once)


def test_a_relocating_fire_units_sites_keep_its_own_classifier_trust_and_interrogator():
    from types import SimpleNamespace

    from iadsim.c2.teaming import teaming
    from iadsim.scenario.models import Automation, Identification

    automation = Automation.model_validate({"classifier": {"confusion": {"hostile": {"hostile": 1.0}}},
                                            "classifiers": {"t1": {"confusion": {"hostile": {"arm": 1.0}}}},
                                            "operator": {"trust": 0.4}})

    def unit(uid, trust=None, interrogator=None):
        return SimpleNamespace(id=uid, trust=trust, interrogator_availability=interrogator)
    t1, t2 = unit("t1", 0.9, 0.5), unit("t2")
    copy_of_t1 = unit("t1@1", 0.9, 0.5)  # a relocation site's copy carries the unit's fields
    team = teaming(automation, Identification(interrogator_availability=0.8), ["hostile"], [t1, t2, copy_of_t1],
                   [], [t1, t2, t1])
    assert team.classifier_of.tolist() == [1, 0, 1]
    assert team.label_cdf[team.classifier_of, 0, 0].tolist() == [0.0, 1.0, 0.0]  # never hostile at t1 and its site
    assert team.trust.tolist() == [0.9, 0.4, 0.9] and team.interrogator.tolist() == [0.5, 0.8, 0.5]


def test_the_automations_holds_are_counted_in_the_breakdowns_and_drawn_on_the_timeline(tmp_path):
    from iadsim.analysis import simulate
    from iadsim.analysis.artifacts import read_entities
    from iadsim.analysis.breakdown import episodes, outcomes_by
    from iadsim.report.explain import Breakdown, timeline_figure, timeline_rows
    from iadsim.report.run import load_run
    from iadsim.scenario import load_scenario

    path = write(tmp_path, {"mode": "autonomous", "automation": {"classifier": {"confusion": CONFUSION}}},
                 threats=[raid(2)], traffic=[friendly()])
    simulate(load_scenario(path), replications=10, out_dir=tmp_path / "run")
    plain = write(tmp_path, {"mode": "autonomous"}, threats=[raid(2)], name="quiet.yaml")  # no automation: no holds
    simulate(load_scenario(plain), replications=2, out_dir=tmp_path / "quiet")
    run = load_run(tmp_path / "run")
    entities = read_entities(tmp_path / "run")
    held = run.events[run.events["kind"] == "held"]
    assert len(held) > 5
    by_unit = outcomes_by(run.events, entities, 10, "fire_unit").set_index("group")
    assert by_unit.loc["t1", "held"] == pytest.approx(len(held) / 10) == pytest.approx(run.metrics["holds"].mean())
    by_type = outcomes_by(run.events, entities, 10, "type").set_index("group")
    home = [t["id"] for t in entities["targets"]].index("home")  # the friendly fighter
    friendly_holds = int((held["target"] == home).sum())
    assert friendly_holds > 0
    assert by_type.loc["fighter (friendly)", "held"] == pytest.approx(friendly_holds / 10)
    assert by_type["held"].sum() == pytest.approx(len(held) / 10)
    html = Breakdown(run, 0).html("fire_unit")
    assert "held by the automation" in html
    assert "held by the automation" not in Breakdown(load_run(tmp_path / "quiet"), 0).html("fire_unit")
    rows = timeline_rows(run, int(held["replication"].iloc[0]))
    mine = held[held["replication"] == held["replication"].iloc[0]]
    assert (rows["outcome"] == "held").sum() == len(mine)
    assert np.array_equal(np.sort(rows.loc[rows["outcome"] == "held", "decided"]), np.sort(mine["time"]))
    assert rows.loc[rows["outcome"] == "held", "nominated"].isna().all()  # nothing was nominated
    names = [t.name for t in timeline_figure(rows, ["t1"], "t").data]
    assert "held by the automation" in names
    quiet = episodes(run.events[run.events["kind"] != "held"], 0)
    assert "held by the automation" not in [t.name for t in timeline_figure(quiet.assign(
        unit_id="t1", target_id="x"), ["t1"], "t").data]


def test_classify_gives_each_row_its_own_label():
    """``classify`` on rows of confusion-matrix CDFs with one draw each gives what each row alone gives (the engine
    labels many nominations at once), edges included: a draw equal to a CDF entry is past it."""
    from iadsim.c2.teaming import classify, label_cdf

    rows = np.array([label_cdf(row) for row in CONFUSION.values()])
    u = np.array([0.7, 0.5, 0.95, 0.6])
    labels = classify(rows, u)
    assert labels.tolist() == [int(classify(cdf, x)) for cdf, x in zip(rows, u, strict=True)]
    assert labels.tolist() == [1, 1, 2, 3]  # (CONFUSION's CDFs: hostile's 0.7, 0.8, 0.95, 1 puts 0.7 past
    # 'hostile' into 'arm'; arm's row is all 'arm'; civil's 0.1, 0.1, 1, 1 puts 0.95 in 'civil'; friendly's 0, 0.4,
    # 0.4, 1 puts 0.6 in 'friendly')
