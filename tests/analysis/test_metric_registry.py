"""The metric registry: a metric (or a time series) registered in one place appears in the run's rows, its
summary, the CLI table and the run folder the report reads. A toy metric here shows it."""

from __future__ import annotations

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


def test_existing_metric_names_and_summary_keys_are_kept(tiny):
    result = simulate(load_scenario(tiny), 8)
    names = ("kills", "leakers", "engagements", "missiles_expended", "wrongful_engagements", "civil_killed",
             "vetoes", "time_to_first_detection", "time_to_first_engagement", "false_tracks", "track_swaps",
             "track_breaks", "plots_dropped", "reports_discarded")
    assert list(result.metrics.columns) == ["replication", *names]
    assert set(result.summary["metrics"]) == {*names, "leakers_fraction", "p_raid_annihilation",
                                              "p_wrongful_engagement"}
    for key in ("name", "seed", "replications", "threats", "civil_aircraft", "fire_units", "fire_units_able",
                "leakers_fraction_mean", "detected_fraction", "p_raid_annihilation", *(f"{m}_mean" for m in names)):
        assert key in result.summary


def test_a_metric_is_a_function_of_the_state_or_of_the_rows():
    with pytest.raises(ValueError, match="of_state"):
        Metric("nothing", "count")
