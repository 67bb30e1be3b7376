"""Decisions in run folders (issue 27): a run with automation keeps the engine's decisions per batch
(``decisions/``), the same table whatever the batches and workers, read back by the report's Run, resumed with
the rest of an interrupted run; a folder without them (no automation, or written before) has none; a tampered file
is refused naming it. And the reaction time: the mean time from nomination to launch, against the event log."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from iadsim.analysis import runfolder, simulate
from iadsim.analysis.runfolder import RunFolderError
from iadsim.report.run import load_run
from iadsim.scenario import load_scenario

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "automated-battery.yaml"


@pytest.fixture(scope="module")
def example():
    return load_scenario(EXAMPLE)


@pytest.fixture(scope="module")
def whole(example, tmp_path_factory):
    """12 replications in batches of 4, with a run folder."""
    out = tmp_path_factory.mktemp("decisions") / "run"
    return simulate(example, 12, out_dir=out, batch_size=4), out


def test_the_run_folder_keeps_the_decisions_whatever_the_batches_and_workers(example, whole):
    result, out = whole
    table = result.decisions
    assert len(table) > 12 and table["replication"].is_monotonic_increasing
    assert set(table["replication"]) == set(range(12))
    assert sorted(p.name for p in (out / "decisions").iterdir()) == [f"batch-{b:06d}.parquet" for b in range(3)]
    pd.testing.assert_frame_equal(load_run(out).decisions, table, check_exact=True)
    one_batch = simulate(example, 12, batch_size=12)
    pd.testing.assert_frame_equal(one_batch.decisions, table, check_exact=True)
    two_workers = simulate(example, 12, batch_size=4, workers=2)
    pd.testing.assert_frame_equal(two_workers.decisions, table, check_exact=True)


def test_an_interrupted_run_resumes_with_its_decisions(example, whole, tmp_path):
    """A .partial with two finished batches, one of them written by an iadsim that kept no decisions (no
    decisions/ at all): that batch is run again, and the finished run holds every decision once."""
    result, out = whole
    target = tmp_path / "run"
    partial = runfolder.partial_folder(target)
    shutil.copytree(out, partial)
    manifest = runfolder.read_manifest(partial)
    manifest.update(finished_batches=[0, 1], complete=False)
    runfolder.write_json_atomic(partial / runfolder.MANIFEST, manifest)
    (partial / "summary.json").unlink()
    for kind in runfolder.BATCH_KINDS:
        runfolder.batch_file(partial, kind, 2).unlink()
    shutil.rmtree(partial / "decisions")
    notes = []
    resumed = simulate(example, 12, out_dir=target, batch_size=4, notes=notes.append)
    assert any("0 finished batches kept" in n for n in notes)  # neither batch had its decisions
    pd.testing.assert_frame_equal(resumed.decisions, result.decisions, check_exact=True)
    pd.testing.assert_frame_equal(load_run(target).decisions, result.decisions, check_exact=True)
    # a batch missing only its decisions is run again; the others are kept
    shutil.copytree(target, partial)
    shutil.rmtree(target)
    manifest = runfolder.read_manifest(partial)
    manifest.update(complete=False)
    runfolder.write_json_atomic(partial / runfolder.MANIFEST, manifest)
    (partial / "summary.json").unlink()
    runfolder.batch_file(partial, "decisions", 1).unlink()
    notes.clear()
    again = simulate(example, 12, out_dir=target, batch_size=4, notes=notes.append)
    assert any("2 finished batches kept" in n for n in notes)
    pd.testing.assert_frame_equal(again.decisions, result.decisions, check_exact=True)


def test_a_folder_without_decisions_has_none(tiny, whole, tmp_path):
    result = simulate(load_scenario(tiny), 4, out_dir=tmp_path / "plain")
    assert result.decisions is None and not (tmp_path / "plain" / "decisions").exists()
    assert load_run(tmp_path / "plain").decisions is None
    # a folder written before runs kept decisions
    old = tmp_path / "old"
    shutil.copytree(whole[1], old)
    shutil.rmtree(old / "decisions")
    run = load_run(old)
    assert run.decisions is None and len(run.metrics) == 12


@pytest.mark.parametrize(("column", "value", "message"), [
    ("label", "bogus", "label: not a classifier label"),
    ("target", 999, "target: an index names no target"),
    ("replication", 40, "replications that did not run"),
    ("p_accept", float("inf"), "p_accept: expected numbers from 0 to 1"),
    ("confidence", -5.0, "confidence: expected numbers from 0 to 1"),
    ("workload", -1.0, "workload: expected numbers from 0"),
    ("profile", "x" * 5000, "profile: expected text"),
])
def test_a_tampered_decisions_file_is_refused_naming_it(whole, tmp_path, column, value, message):
    folder = tmp_path / "run"
    shutil.copytree(whole[1], folder)
    file = runfolder.batch_file(folder, "decisions", 1)
    frame = pd.read_parquet(file)
    frame.loc[0, column] = value
    frame.to_parquet(file)
    run = load_run(folder)
    with pytest.raises(RunFolderError, match=message) as info:
        run.decisions  # noqa: B018
    assert "decisions" in str(info.value)


@pytest.mark.parametrize("mode", ["autonomous", "human-on-the-loop", "human-in-the-loop"])
def test_reaction_time_is_the_mean_time_from_nomination_to_launch(example, mode):
    """Each launch paired with the latest nomination of its target before it, in the event log."""
    from iadsim import api

    scenario = api.load(EXAMPLE).with_changes({"authority.mode": mode}).model
    result = simulate(scenario, 6)
    events = result.events
    for r, rows in result.metrics.groupby("replication"):
        mine = events[events["replication"] == r]
        times = []
        for launch in mine[mine["kind"] == "launch"].itertuples():
            nominated = mine[(mine["kind"] == "nominated") & (mine["target"] == launch.target)
                             & (mine["time"] <= launch.time)]
            times.append(launch.time - nominated["time"].max())
        expected = np.mean(times) if times else np.nan
        assert rows["reaction_time"].iloc[0] == pytest.approx(expected, nan_ok=True)
    mean = float(result.metrics["reaction_time"].mean())
    # the authority rule's delay: none, the veto window, the operators' fixed 4 s decision (queueing aside)
    assert {"autonomous": mean == 0.0, "human-on-the-loop": mean == pytest.approx(20.0),
            "human-in-the-loop": 4.0 <= mean < 20.0}[mode]


def test_a_folder_written_before_the_newer_optional_metrics_is_read_with_them_undefined(whole, tmp_path):
    """A run folder whose metrics lack the optional metrics added since (fratricide, friendly_killed,
    reaction_time) reads them as NaN; a missing measure every run has is still refused."""
    folder = tmp_path / "run"
    shutil.copytree(whole[1], folder)
    files = sorted((folder / "metrics").glob("batch-*.parquet"))
    for file in files:
        pd.read_parquet(file).drop(columns=["fratricide", "friendly_killed", "reaction_time"]).to_parquet(file)
    run = load_run(folder)
    assert run.metrics[["fratricide", "friendly_killed", "reaction_time"]].isna().all().all()
    pd.testing.assert_frame_equal(run.metrics.drop(columns=["fratricide", "friendly_killed", "reaction_time"]),
                                  whole[0].metrics.drop(columns=["fratricide", "friendly_killed", "reaction_time"]),
                                  check_dtype=False)
    pd.read_parquet(files[0]).drop(columns=["leakers"]).to_parquet(files[0])
    with pytest.raises(RunFolderError, match="lacks the column"):
        load_run(folder)
