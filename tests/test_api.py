"""The Python API (iadsim.load, Scenario.with_changes, audit, coverage, run, sweep), as a notebook user
would call it; the README's Python examples run here too."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import iadsim
from iadsim.analysis.metrics import METRICS, replication_names

ROOT = Path(__file__).resolve().parents[1]
DESIGNED = ROOT / "examples" / "airbase-as-designed.yaml"


@pytest.fixture(scope="module")
def designed():
    return iadsim.load(DESIGNED)


def test_import_iadsim_exports_the_api_and_loads_nothing_heavy():
    assert {"load", "run", "sweep", "Scenario", "ScenarioError", "Results", "SweepResults", "Audit"} <= set(
        iadsim.__all__)
    code = "import sys, iadsim; print(sorted(m for m in sys.modules if m.startswith('iadsim.')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_with_changes_recomputes_what_derives_from_a_change(designed):
    moved = designed.with_changes({"units[ew-1].x": "14 km", "units[lr-l1].readiness.availability": 0.5})
    before, after = designed.model.sites["ew-1"], moved.model.sites["ew-1"]
    assert after.x == pytest.approx(before.x + 2000.0) and after.y == before.y  # 12 km -> 14 km east
    # the new site stands on the terrain where it now is
    assert after.ground == pytest.approx(float(moved.model.terrain.elevation_at(after.x, after.y)))
    assert after.ground != pytest.approx(before.ground)
    assert designed.data["units"][0]["x"] == "12 km"  # the original is unchanged
    assert moved.model.unit("lr-l1").readiness.availability == 0.5


def test_with_changes_names_the_path_it_cannot_take(designed):
    with pytest.raises(iadsim.ScenarioError, match=r"no item with id 'nope' in 'units'"):
        designed.with_changes({"units[nope].x": "1 km"})
    with pytest.raises(iadsim.ScenarioError, match=r"with_changes: authority\.mode: unknown authority rule"):
        designed.with_changes({"authority.mode": "robots"})
    with pytest.raises(iadsim.ScenarioError, match=r"with_changes: units\[ew-1\]\.x: .*needs a unit") as caught:
        designed.with_changes({"units[ew-1].x": 5})
    assert str(caught.value).count("units[") == 1  # said once, as the user wrote it
    with pytest.raises(iadsim.ScenarioError, match="nowhere.yaml"):
        iadsim.load(ROOT / "examples" / "nowhere.yaml")


def test_audit_fire_units_is_a_table_and_readiness_follows_availability(designed):
    base = designed.audit().fire_units.set_index("id")
    assert list(base.columns) == ["type", "able", "mode", "readiness", "missiles", "guided_by", "reasons",
                                  "single_points_of_failure"]
    assert base["able"].all()
    half = designed.with_changes({"units[lr-l1].readiness.availability": 0.5}).audit().fire_units.set_index("id")
    # the launcher is in series with the rest of its chain: its readiness scales with its availability
    availability = designed.model.unit("lr-l1").readiness.availability
    assert half.loc["lr-l1", "readiness"] == pytest.approx(base.loc["lr-l1", "readiness"] * 0.5 / availability)
    assert half.loc["lr-l2", "readiness"] == pytest.approx(base.loc["lr-l2", "readiness"])


def test_coverage_at_chosen_bands(designed):
    maps = designed.coverage(bands=[50.0, 500.0])
    assert maps.bands == (50.0, 500.0)
    covered = maps.covered()
    assert covered[1].sum() >= covered[0].sum() > 0  # higher, seen from farther


def test_run_gives_metrics_summary_and_events(designed, tmp_path):
    results = iadsim.run(designed, replications=12, seed=3)
    assert list(results.metrics.columns) == ["replication", *replication_names()]
    assert len(results.metrics) == 12
    summary = results.summary.set_index("metric")
    assert list(summary.index) == list(METRICS.names())
    assert summary.loc["kills", "mean"] == pytest.approx(results.metrics["kills"].mean())
    defined = summary[summary["mean"].notna()]  # (a layer the laydown has no unit in, a price it lacks: none)
    assert (defined["ci_low"] <= defined["mean"]).all() and (defined["mean"] <= defined["ci_high"]).all()
    assert summary.loc["attrition_long", "mean"] == pytest.approx(
        results.metrics["kills_long"].sum() / results.metrics["reached_long"].sum())
    assert {"kind", "unit", "target", "time_of_flight"} <= set(results.events.columns)
    again = iadsim.run(designed, replications=12, seed=3)
    pd.testing.assert_frame_equal(results.metrics, again.metrics)
    # a report of a run made without a run folder writes one beside it, with the same results
    page = results.report(tmp_path / "report.html")
    assert page.is_file() and (tmp_path / "report.html.run" / "manifest.json").is_file()
    stored = pd.read_parquet(tmp_path / "report.html.run" / "metrics" / "batch-000000.parquet")
    np.testing.assert_array_equal(stored["kills"], results.metrics["kills"])


def test_sweep_from_a_mapping(tmp_path, monkeypatch):
    from tests.analysis.conftest import TINY_SCENARIO

    (tmp_path / "tiny.yaml").write_text(TINY_SCENARIO)
    monkeypatch.chdir(tmp_path)
    swept = iadsim.sweep({"base": "tiny.yaml", "design": "grid", "replications": 4, "factors": [
        {"path": "units[sr].readiness.availability", "values": [0.5, 1.0]}]}, tmp_path / "out", executor="serial")
    assert len(swept.points) == 2 and len(swept.results) == 8
    assert sorted(swept.points["units[sr].readiness.availability"]) == [0.5, 1.0]


def _readme_python_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_the_readme_python_examples_run(monkeypatch, tmp_path):
    blocks = _readme_python_blocks()
    assert blocks, "the README shows the Python API"
    monkeypatch.chdir(ROOT)
    namespace: dict = {"__name__": "readme", "OUT": tmp_path}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - the repository's own README


def test_the_api_docstring_examples_run(monkeypatch):
    import doctest

    import iadsim.api

    monkeypatch.chdir(ROOT)
    failed, attempted = doctest.testmod(iadsim.api, optionflags=doctest.ELLIPSIS)
    assert attempted >= 8 and failed == 0


def test_a_variants_run_folder_stores_the_variant(designed, tmp_path):
    from iadsim.report.run import load_run

    variant = designed.with_changes({"authority.mode": "autonomous", "units[lr-l1].readiness.availability": 0.1})
    iadsim.run(variant, replications=2, seed=1, out=tmp_path / "run")
    stored = load_run(tmp_path / "run").scenario
    assert stored.spec.authority.mode == "autonomous"
    assert stored.unit("lr-l1").readiness.availability == 0.1
    # and a run of another variant into the same place is not taken for an interrupted run of this one
    assert iadsim.load(tmp_path / "run" / "scenario" / "scenario.yaml").model.spec.authority.mode == "autonomous"


@pytest.mark.parametrize("replications,seed", [(0, None), (2.7, None), (True, None), (2, -1), (2, 2**64),
                                               (10**9, None)])  # (1e9 ran 30 s into a MemoryError)
def test_run_refuses_bad_arguments_in_one_line(designed, replications, seed):
    with pytest.raises(ValueError, match="replications|seed"):
        iadsim.run(designed, replications=replications, seed=seed)


def test_a_run_too_big_for_the_memory_is_refused_before_anything_is_built(designed):
    """Ten million replications keep about 50 GB of results: refused before the batches are even listed (it took
    10 s and 2 GB first). Measured with tracemalloc, which numpy reports its arrays to."""
    import tracemalloc

    tracemalloc.start()
    try:
        with pytest.raises(iadsim.ScenarioError, match="replications would keep about"):
            iadsim.run(designed, replications=10_000_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 100e6


@pytest.mark.parametrize("workers", [0, 1.5, True, "2", -1])
def test_run_and_sweep_refuse_bad_workers_in_one_line(designed, workers, tmp_path):
    with pytest.raises(ValueError, match="workers must be None or a whole number"):
        iadsim.run(designed, replications=2, workers=workers)
    with pytest.raises(ValueError, match="workers must be None or a whole number"):  # (0 took every CPU)
        iadsim.sweep({"base": "x.yaml"}, tmp_path / "sw", workers=workers)
    assert not list(tmp_path.iterdir())  # refused before anything is written


def test_a_change_that_breaks_another_field_names_both(designed):
    units = [u for u in designed.data["units"] if u["id"] != "lr-fcr"]
    broken = r"with_changes units: links\[\d+\]\.(from|to) is now wrong: .*lr-fcr"
    with pytest.raises(iadsim.ScenarioError, match=broken):
        designed.with_changes({"units": units})


def test_sweep_from_a_mapping_is_saved_and_its_errors_name_it(tmp_path, monkeypatch):
    from tests.analysis.conftest import TINY_SCENARIO

    (tmp_path / "tiny.yaml").write_text(TINY_SCENARIO)
    monkeypatch.chdir(tmp_path)
    values = np.array([0.5, 1.0])  # numpy values are written as plain numbers
    spec = {"base": "tiny.yaml", "design": "grid", "replications": 2,
            "factors": [{"path": "units[sr].readiness.availability", "values": values}]}
    swept = iadsim.sweep(spec, tmp_path / "out", executor="serial")
    saved = tmp_path / "out.sweep.yaml"
    assert saved.is_file() and len(swept.points) == 2
    with pytest.raises(iadsim.ScenarioError, match=r"bad\.sweep\.new\.yaml"):
        iadsim.sweep({"design": "grid"}, tmp_path / "bad", executor="serial")
    assert not (tmp_path / "bad.sweep.yaml").exists()
    # another sweep into the same folder is refused, and the saved file still reruns the folder's own sweep
    before = saved.read_text()
    with pytest.raises(iadsim.ScenarioError, match="holds the results of a different sweep"):
        iadsim.sweep({**spec, "seed": 2}, tmp_path / "out", executor="serial")
    assert saved.read_text() == before and "seed: 2" not in before
    # so is an invalid one (it replaced the file, which then named no valid sweep), and one interrupted before
    # the folder took it (the file named a sweep the folder had never run: the command line refused to rerun it)
    with pytest.raises(iadsim.ScenarioError, match=r"out\.sweep\.new\.yaml:\d+: replications"):
        iadsim.sweep({**spec, "replications": "six"}, tmp_path / "out", executor="serial")
    assert saved.read_text() == before

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("iadsim.analysis.sweep.run_sweep", interrupted)
    with pytest.raises(KeyboardInterrupt):
        iadsim.sweep({**spec, "replications": 60}, tmp_path / "out", executor="serial")
    assert saved.read_text() == before


def test_the_engine_s_modelling_constants_are_fields_a_study_can_vary(designed):
    """The M-of-N rule and the acquisition basket are doctrine fields a study may change: a basket no track can
    fit stops every launch; an M-of-N rule that cannot hold is refused, naming the field."""
    base = designed.run(replications=5, seed=3).metrics
    strict = designed.with_changes({"doctrine.tracking.confirm_hits": 3})
    assert strict.model.spec.doctrine.tracking.confirm_hits == 3
    blind = designed.with_changes({"doctrine.acquisition_basket": "1 m"}).run(replications=5, seed=3).metrics
    assert (blind["missiles_expended"] == 0).all() and (base["missiles_expended"] > 0).all()
    with pytest.raises(iadsim.ScenarioError, match=r"doctrine\.tracking.*confirm_hits \(4\) cannot exceed"):
        designed.with_changes({"doctrine.tracking.confirm_hits": 4})


def test_with_changes_takes_numpy_numbers_and_says_what_it_takes(designed):
    # a researcher's values come from numpy (np.linspace): they were a yaml RepresenterError 20 frames down
    changed = designed.with_changes({"units[lr-fcr].readiness.availability": np.float64(0.3)})
    fcr = next(u for u in changed.data["units"] if u["id"] == "lr-fcr")
    assert fcr["readiness"]["availability"] == 0.3 and type(fcr["readiness"]["availability"]) is float
    for wrong in ([("units[lr-fcr].readiness.availability", 0.3)], None):
        with pytest.raises(TypeError, match="with_changes takes a mapping of field path -> value"):
            designed.with_changes(wrong)


def test_coverage_takes_one_threat_type_as_one_and_heights_with_units(designed):
    with pytest.raises(TypeError, match="bands is a list of heights"):
        designed.coverage(bands=30)
    with pytest.raises(ValueError, match="unknown aircraft type nope;") as info:  # (its letters were types)
        designed.coverage(bands=["30 m"], threat_types="nope")
    assert "n, o" not in str(info.value)


def test_load_and_build_report_take_what_their_names_say(tmp_path):
    with pytest.raises(TypeError, match="load takes a scenario file's path, not NoneType"):
        iadsim.load(None)
    from iadsim.report import build_report

    run = iadsim.run(DESIGNED, replications=2, seed=1, out=tmp_path / "run")
    assert run is not None
    page = build_report(str(tmp_path / "run"), tmp_path / "r.html")  # one folder, as a string: not its characters
    assert page.is_file() and "fire units able" in page.read_text()
