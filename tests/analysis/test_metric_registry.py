"""The metric registry: a metric (or a time series) registered in one place appears in the run's rows, its
summary, the CLI table and the run folder the report reads. A toy metric here shows it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from iadsim.analysis import simulate
from iadsim.analysis.metrics import METRICS, REPORTERS, Metric, Reporter
from iadsim.cli import print_summary
from iadsim.report.run import load_run
from iadsim.scenario import load_scenario


@pytest.fixture
def toy_metric():
    # a threat is killed, leaks, or is still flying (or never arrived) at the end of the run
    METRICS.register("threats_left", Metric(
        "threats neither killed nor leaked", "bounded", "threats",
        of_state=lambda world, state: (state.outcomes.alive & ~state.outcomes.leaked
                                       & ~world.civil[None, :]).sum(axis=1)))
    REPORTERS.register("always_one", Reporter("one per replication",
                                              lambda world, state: np.ones(len(state.outcomes.kills))))
    yield
    METRICS.unregister("threats_left")
    REPORTERS.unregister("always_one")


def test_a_toy_metric_reaches_rows_summary_cli_and_run_folder(tiny, tmp_path, toy_metric, capsys):
    scenario = load_scenario(tiny)
    result = simulate(scenario, 24, out_dir=tmp_path / "run", batch_size=10)
    rows = result.metrics
    threats = result.summary["threats"]
    # an independent count: every threat is killed, leaked or left
    assert (rows["threats_left"] == threats - rows["kills"] - rows["leakers"]).all()
    stat = result.summary["metrics"]["threats_left"]
    assert stat["mean"] == pytest.approx(rows["threats_left"].mean()) and stat["n"] == 24
    assert 0 <= stat["ci95"][0] <= stat["mean"] <= stat["ci95"][1] <= threats
    print_summary([result.summary])
    assert "threats neither killed nor leaked" in capsys.readouterr().out
    run = load_run(tmp_path / "run")
    assert run.metrics["threats_left"].tolist() == rows["threats_left"].tolist()
    series = run.series
    assert (series["always_one"] == 1.0).all() and len(series) == len(np.arange(0, 180 + 1, 1))
    # the kills series ends at the run's mean kills
    assert series["kills"].iloc[-1] == pytest.approx(rows["kills"].mean())
    # at each time, the kills before it (step k simulates [t_k, t_k+1): its state is t_k+1's), counted from the
    # events; it was stamped a step early (a kill at 301.8 s showed at 301 s)
    threat = np.array([not t["civil"] for t in run.entities["targets"]])
    kills = run.events[(run.events["kind"] == "kill") & threat[run.events["target"].clip(lower=0)]]
    assert len(kills) > 0
    before = np.searchsorted(np.sort(kills["time"].to_numpy()), series["time"].to_numpy()[:-1], side="left")
    assert series["kills"].to_numpy()[:-1] == pytest.approx(before / 24)
    assert series["time"].iloc[-1] == 180 and series["time"].iloc[0] == 0 and series["kills"].iloc[0] == 0


def test_existing_metric_names_and_summary_keys_are_kept(tiny):
    result = simulate(load_scenario(tiny), 8)
    names = ("kills", "leakers", "engagements", "missiles_expended", "wrongful_engagements", "civil_killed",
             "vetoes", "time_to_first_detection", "time_to_first_engagement", "false_tracks", "track_swaps",
             "track_breaks", "plots_dropped", "reports_discarded", "emitter_on_time", "units_destroyed",
             "radars_lost", "arms_launched", "arms_defeated", "missiles_at_decoys", "decoys_shot_down",
             *(f"{m}_{layer}" for layer in ("long", "medium", "short", "point")
               for m in ("reached", "engagements", "kills", "leakers")),
             "interceptor_cost", "threat_cost_destroyed", "value_lost", "value_protected", "defence_cost_lost",
             "fratricide", "friendly_killed", "reaction_time", "holds")
    assert list(result.metrics.columns) == ["replication", *names]
    assert set(result.summary["metrics"]) == {*names, "leakers_fraction", "p_raid_annihilation",
                                              "p_wrongful_engagement", "p_fratricide", "cost_exchange_ratio",
                                              "value_protected_ratio",
                                              *(f"attrition_{layer}" for layer in ("long", "medium", "short", "point"))}
    for key in ("name", "seed", "replications", "threats", "civil_aircraft", "fire_units", "fire_units_able",
                "leakers_fraction_mean", "detected_fraction", "p_raid_annihilation", *(f"{m}_mean" for m in names)):
        assert key in result.summary


def test_a_metric_is_a_function_of_the_state_or_of_the_rows():
    with pytest.raises(ValueError, match="of_state"):
        Metric("nothing", "count")


def test_a_long_run_samples_its_series_at_the_same_values(tiny, tmp_path, monkeypatch):
    """Beyond SERIES_POINTS steps the series keep every n-th step and the last, each the value the full
    recording has there (the reporters read the state of that step only)."""
    from iadsim.analysis import montecarlo

    scenario = load_scenario(tiny)
    full = simulate(scenario, 6, out_dir=tmp_path / "full", batch_size=3)
    monkeypatch.setattr(montecarlo, "SERIES_POINTS", 50)
    sampled = simulate(scenario, 6, out_dir=tmp_path / "sampled", batch_size=3)
    a, b = load_run(tmp_path / "full").series, load_run(tmp_path / "sampled").series
    stride = int(np.ceil(len(a) / 50))
    assert len(a) == 181 and stride == 4  # tiny.yaml: 3 min at 1 s; ceil(181 / 50) = 4
    expected_times = np.append(a["time"].to_numpy()[::stride], a["time"].iloc[-1])
    np.testing.assert_array_equal(b["time"].to_numpy(), np.unique(expected_times))
    kept = a.set_index("time").loc[b["time"]]
    for name in ("kills", "threats_flying", "picture_held", "fire_unit_picture_held"):
        np.testing.assert_allclose(b[name].to_numpy(), kept[name].to_numpy())
    assert full.metrics.equals(sampled.metrics)


def test_a_count_at_its_scenario_bound_in_every_replication_keeps_its_interval_below_it():
    """automated-battery: 2 aircraft with 2 anti-radiation rounds each, every one launched in every replication
    (the numbers audit found 4.00 [3.73, 4.29]: a Poisson interval above the most there can be). The counts bounded
    by the scenario (its ARMs, decoys, units and radars) are bounded counts; their bounds, counted here from the
    scenario file."""
    import warnings

    import pandas as pd

    from iadsim.analysis.metrics import count_bounds
    from iadsim.analysis.montecarlo import summarise
    from iadsim.engine import build_world

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scenario = load_scenario("examples/automated-battery.yaml")
        world = build_world(scenario)
    spec = scenario.spec
    bounds = count_bounds(world)
    assert bounds["arms"] == sum(raid.count * arm.rounds for raid in spec.threats for arm in raid.arms) == 4
    assert bounds["units"] == len(spec.units)
    for name, bound in (("arms_launched", "arms"), ("arms_defeated", "arms"), ("decoys_shot_down", "decoys"),
                        ("units_destroyed", "units"), ("radars_lost", "radars")):
        assert (METRICS[name].kind, METRICS[name].bound) == ("bounded", bound)
    rows = pd.DataFrame({m: np.zeros(200) for m in METRICS if METRICS[m].of_state is not None})
    rows["arms_launched"] = 4.0
    stat = summarise("x", rows, {"fire_units_total": 1, "fire_units_able": 1}, 1, bounds)["metrics"]["arms_launched"]
    assert stat["mean"] == 4.0 and stat["ci95"][1] == 4.0 and 3.9 < stat["ci95"][0] < 4.0
    # without its bound (a sweep's summary, the trade-off tables) it keeps a count's interval: all zeros is not [0, 0]
    from iadsim.analysis.metrics import mean_ci

    for name in ("arms_launched", "radars_lost"):
        unbounded = mean_ci(np.zeros(200), metric=name)
        # (Garwood's upper bound for 0 events: -ln(0.025) = 3.689 per 200 replications, 0.0184)
        assert unbounded["ci95"][0] == 0.0 and unbounded["ci95"][1] == pytest.approx(-np.log(0.025) / 200), name


def test_an_outcome_about_nothing_in_the_scenario_is_certainly_zero(tiny):
    """The tiny scenario has no decoys: no missile can be fired at one, so 'missiles fired at decoys' is [0, 0]
    (its Poisson bound [0, 3.7 / n] claimed a chance of it, beside 'decoys shot down [0, 0]'); it has an airliner,
    so its wrongful engagements keep the Poisson bound of a count that could happen."""
    result = simulate(load_scenario(tiny), 8)
    stats = result.summary["metrics"]
    assert (result.metrics["missiles_at_decoys"] == 0).all() and (result.metrics["wrongful_engagements"] == 0).all()
    decoys = stats["missiles_at_decoys"]
    assert decoys["ci95"] == [0.0, 0.0] and "none possible" in decoys["method"]
    # Garwood's exact upper bound for no event in 8 replications: chi2(0.975, 2 dof) / 2 / 8 = -ln(0.025) / 8
    assert stats["wrongful_engagements"]["ci95"] == pytest.approx([0.0, -math.log(0.025) / 8], rel=1e-9)
    assert stats["p_wrongful_engagement"]["ci95"][1] > 0.3  # (Wilson's, of 8)


def test_the_series_read_the_state_at_their_own_time(tmp_path):
    """Each series value is the state at its time: the step before it simulated up to it. The search radar blinks
    10 s on, 20 s off from 0 s and the TELAR's radar is always on (both always up): radars emitting is 2 for the
    first 10 s of each 30 s, else 1, from 0 s (a state read before the first step's emission said 0 at 0 s)."""
    from tests.scenarios import tiny as tiny_text

    text = tiny_text().replace("readiness: {availability: 0.9}", "readiness: {availability: 1.0}, emcon: {policy: "
                               "blink, 'on': 10 s, 'off': 20 s}").replace("readiness: {availability: 0.8}",
                                                                          "readiness: {availability: 1.0}")
    assert text.count("availability: 1.0") == 2
    path = tmp_path / "blink.yaml"
    path.write_text(text)
    simulate(load_scenario(path), 4, out_dir=tmp_path / "run")
    series = load_run(tmp_path / "run").series
    t = series["time"].to_numpy()
    assert series["radars_emitting"].to_numpy() == pytest.approx(1.0 + ((t % 30.0) < 10.0))
