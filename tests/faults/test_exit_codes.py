"""Exit codes of refusals: a replication the run does not have, a folder that is not a run folder, a run
folder of format 1, an interrupted run of another seed in the way, a run too big for memory."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from tests.faults.conftest import TINY_SCENARIO, assert_refused, cli, cli_subprocess, limit_memory, summary_text


@pytest.mark.parametrize("fmt", ["csv", "kml"])
@pytest.mark.parametrize("replication", [99999, 20])
def test_export_replication_out_of_range(replication, fmt, tiny_run, tmp_path):
    out = tmp_path / "export"
    outcome = cli("export", tiny_run, "--format", fmt, "--replication", replication, "--out", out)
    assert_refused(outcome, tiny_run)
    assert str(replication) in outcome.err
    assert not out.exists() or not any(out.iterdir())


def test_export_last_replication_is_accepted(tiny_run, tmp_path):
    """The control: replication 19 of 20 exists."""
    outcome = cli("export", tiny_run, "--format", "kml", "--replication", 19, "--out", tmp_path / "export")
    assert outcome.code == 0, str(outcome)
    assert "replication 19" in (tmp_path / "export" / "replay.kml").read_text()


def not_a_run(kind: str, tmp_path: Path) -> Path:
    path = tmp_path / "folder"
    if kind == "empty-folder":
        path.mkdir()
    elif kind == "folder-of-other-files":
        path.mkdir()
        (path / "notes.txt").write_text("hello\n")
        (path / "data.parquet").write_bytes(b"PAR1")
    elif kind == "a-file":
        path.write_text("hello\n")
    elif kind == "missing":
        pass
    elif kind == "sweep-like-folder":
        path.mkdir()
        (path / "points.json").write_text("[]")
    return path


@pytest.mark.parametrize("command", ["report", "export"])
@pytest.mark.parametrize("kind", ["empty-folder", "folder-of-other-files", "a-file", "missing", "sweep-like-folder"])
def test_not_a_run_folder(kind, command, tmp_path):
    path = not_a_run(kind, tmp_path)
    argv = [command, path, "--out", tmp_path / ("x.html" if command == "report" else "export")]
    if command == "export":
        argv += ["--format", "csv"]
    assert_refused(cli(*argv), path)
    assert not (tmp_path / "x.html").exists()


@pytest.fixture
def format_1_run(tmp_path, tiny_run) -> Path:
    """A run folder as iadsim wrote it before format 2: summary.json, metrics.parquet, events.parquet and the
    scenario beside them, no manifest."""
    from iadsim.report.run import load_run

    run = load_run(tiny_run)
    folder = tmp_path / "old-run"
    folder.mkdir()
    shutil.copyfile(tiny_run / "summary.json", folder / "summary.json")
    shutil.copyfile(tiny_run / "audit.json", folder / "audit.json")
    shutil.copyfile(tiny_run / "scenario" / "scenario.yaml", folder / "scenario.yaml")
    run.metrics.to_parquet(folder / "metrics.parquet")
    pd.DataFrame(run.events).to_parquet(folder / "events.parquet")
    return folder


@pytest.mark.parametrize("command", ["report", "export"])
def test_format_1_run_folder_is_refused_by_name(command, format_1_run, tmp_path):
    argv = [command, format_1_run, "--out", tmp_path / ("x.html" if command == "report" else "export")]
    if command == "export":
        argv += ["--format", "csv"]
    outcome = cli(*argv)
    assert_refused(outcome, format_1_run)
    assert "format 1" in outcome.err


def test_partial_of_another_seed_is_refused_and_kept(tmp_path, tiny_scenario, tiny_run):
    """An interrupted run of seed 3 sits in run.partial; simulating seed 4 must not delete or reuse it."""
    partial = tmp_path / "run.partial"
    shutil.copytree(tiny_run, partial)
    manifest = (partial / "manifest.json").read_text().replace('"complete": true', '"complete": false')
    (partial / "manifest.json").write_text(manifest)
    (partial / "summary.json").unlink()
    before = {p.relative_to(partial): p.read_bytes() for p in partial.rglob("*") if p.is_file()}
    outcome = cli("simulate", tiny_scenario, "--replications", "20", "--seed", "4", "--out", tmp_path / "run")
    assert_refused(outcome, partial)
    assert {p.relative_to(partial): p.read_bytes() for p in partial.rglob("*") if p.is_file()} == before
    assert not (tmp_path / "run").exists()
    # the same seed (and batch size) resumes it instead: every batch kept, the run completes
    from iadsim.analysis import simulate
    from iadsim.scenario import load_scenario

    notes = []
    simulate(load_scenario(tiny_scenario), 20, 3, tmp_path / "run", batch_size=10, notes=notes.append)
    assert any("2 finished batches kept" in n for n in notes), notes
    assert summary_text(tmp_path / "run") == summary_text(tiny_run)


HUGE = (TINY_SCENARIO.replace("duration: 3 min\nstep: 2 s", "duration: 100 h\nstep: 0.01 s")
        .replace("count: 4\n", "count: 10000\n").replace("spacing: 10 s", "spacing: 0.1 s"))
"""100 h at 0.01 s with 10,000 aircraft (the loader refuses 36 million steps)."""
HUGE_AT_1S = HUGE.replace("step: 0.01 s", "step: 1 s")
"""100 h at 1 s with 10,000 aircraft: about a terabyte, refused by the run budget."""
TEN_GB = HUGE_AT_1S.replace("duration: 100 h", "duration: 10 h").replace("count: 10000", "count: 1000")
"""10 h at 1 s with 1,000 aircraft: about 10 GB - less than this machine's memory, more than the 3 GB limit."""
MEMORY_LIMIT = 3 * 1024**3


@pytest.mark.parametrize("text", [HUGE, HUGE_AT_1S], ids=["100h-at-0.01s", "100h-at-1s"])
def test_simulate_too_big_for_memory_is_refused_in_bounded_memory(text, tmp_path):
    """Refused before anything large is allocated (the child may address at most 3 GB), quickly, with exit 2
    naming the scenario; a small run under the same limit succeeds."""
    assert "count: 10000" in text
    huge = tmp_path / "huge.yaml"
    huge.write_text(text)
    outcome = cli_subprocess("simulate", huge, "--replications", "100", "--out", tmp_path / "run",
                             preexec_fn=limit_memory(MEMORY_LIMIT), timeout=60)
    assert_refused(outcome, huge)
    assert outcome.seconds < 30 and "MemoryError" not in outcome.err
    assert not (tmp_path / "run").exists() and not (tmp_path / "run.partial").exists()


def test_small_run_succeeds_under_the_memory_limit(tmp_path, tiny_run):
    """The control for the memory tests: the limit itself does not break a run. ``tiny_run`` has run the same
    kernels in this process first, so the numba cache the subprocess reads is warm: on a fresh clone, compiling
    them takes a loaded machine most of a minute, which is not what this guards against (a run that hangs). It
    takes about 18 s on a machine running another test suite beside it; the 300 s bound leaves room for a fresh
    clone's suite running inside the full one (four processes on two cores)."""
    small = tmp_path / "small.yaml"
    small.write_text(TINY_SCENARIO)
    control = cli_subprocess("simulate", small, "--replications", "2", "--out", tmp_path / "small-run",
                             preexec_fn=limit_memory(MEMORY_LIMIT), timeout=300)
    assert control.code == 0, str(control)


def test_simulate_beyond_address_space_limit_is_refused(tmp_path):
    path = tmp_path / "ten-gb.yaml"
    path.write_text(TEN_GB)
    outcome = cli_subprocess("simulate", path, "--replications", "100", "--out", tmp_path / "run",
                             preexec_fn=limit_memory(MEMORY_LIMIT), timeout=120)
    assert_refused(outcome, path)
