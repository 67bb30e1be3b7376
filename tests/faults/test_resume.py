"""Ctrl-C and leftovers: SIGINT stops `simulate` with exit 130 naming the ``.partial`` folder, and the same
command resumes with results identical to an uninterrupted run; a ``.old`` left by an interrupted replacement
is recovered or removed on the next start, and never when that would lose a run."""

from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from tests.faults.conftest import CACHES, assert_refused, cli, simulate_to, summary_text
from tests.faults.test_output import tree_state

from iadsim.analysis.runfolder import BATCH_KINDS, batch_file

REPLICATIONS, SEED, BATCH = 50, 4, 10


@pytest.fixture(scope="module")
def reference(tiny_scenario, tmp_path_factory):
    """An uninterrupted run of the command the tests interrupt."""
    from iadsim.report.run import load_run

    out = tmp_path_factory.mktemp("resume") / "reference"
    simulate_to(tiny_scenario, out, REPLICATIONS, SEED, BATCH)
    return load_run(out)


def assert_same_results(run_dir, reference) -> None:
    from iadsim.report.run import load_run

    run = load_run(run_dir)
    pd.testing.assert_frame_equal(run.metrics, reference.metrics, check_exact=True)
    pd.testing.assert_frame_equal(run.events, reference.events, check_exact=True)
    assert json.dumps(run.summary, sort_keys=True) == json.dumps(reference.summary, sort_keys=True)


@pytest.fixture
def small_batches(monkeypatch):
    """The CLI's simulate with batches of 10 (the CLI has no batch option; it takes montecarlo.batch_size_for's)."""
    import iadsim.analysis

    monkeypatch.setattr(iadsim.analysis, "simulate", functools.partial(iadsim.analysis.simulate, batch_size=BATCH))


def interrupt(monkeypatch, tiny_scenario, target, after: int):
    """Run the command in this process and send it a real SIGINT right after its ``after``-th batch is written."""
    from iadsim.analysis.runfolder import RunWriter

    write_batch = RunWriter.write_batch
    written = []

    def write_then_interrupt(self, batch, *frames):
        write_batch(self, batch, *frames)
        written.append(batch)
        if len(written) == after:
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(RunWriter, "write_batch", write_then_interrupt)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return cli("simulate", tiny_scenario, "--replications", REPLICATIONS, "--seed", SEED, "--out", target)
    finally:
        signal.signal(signal.SIGINT, previous)
        monkeypatch.setattr(RunWriter, "write_batch", write_batch)


@pytest.mark.parametrize("after", [1, 3, 5])
def test_sigint_keeps_batches_and_resume_is_identical(after, small_batches, monkeypatch, tiny_scenario, tmp_path,
                                                      reference):
    target, partial = tmp_path / "run", tmp_path / "run.partial"
    stopped = interrupt(monkeypatch, tiny_scenario, target, after)
    assert stopped.code == 130, str(stopped)
    assert "Traceback" not in stopped.err
    assert not target.exists()
    assert json.loads((partial / "manifest.json").read_text())["finished_batches"] == list(range(after))

    resumed = cli("simulate", tiny_scenario, "--replications", REPLICATIONS, "--seed", SEED, "--out", target)
    assert resumed.code == 0, str(resumed)
    assert f"{after} finished batches kept" in resumed.err
    assert not partial.exists()
    assert_same_results(target, reference)


def test_sigint_message_names_the_partial_folder(small_batches, monkeypatch, tiny_scenario, tmp_path):
    stopped = interrupt(monkeypatch, tiny_scenario, tmp_path / "run", 2)
    assert stopped.code == 130
    lines = stopped.err.strip().splitlines()
    assert len(lines) == 1 and str(tmp_path / "run.partial") in lines[0] and "resume" in lines[0], stopped.err


CHILD = f"""
import functools, sys, time
import iadsim.analysis
from iadsim.analysis.runfolder import RunWriter
iadsim.analysis.simulate = functools.partial(iadsim.analysis.simulate, batch_size={BATCH})
_write = RunWriter.write_batch
def _slow_write(self, batch, *frames):  # each batch takes at least a second: the signal lands mid-run, however
    _write(self, batch, *frames)        # slowly this test's process is scheduled
    time.sleep(1.0)
RunWriter.write_batch = _slow_write
from iadsim.cli import main
sys.exit(main())  # as the console script calls it: the command line is sys.argv, the process iadsim's own
"""


def default_sigint() -> None:
    """In the child before it starts: Ctrl-C's default action, even when this test runs where SIGINT is ignored (a
    background job of a shell without job control), which the child would inherit."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_sigint_to_a_running_command(small_batches, tiny_scenario, tmp_path, reference):
    """The whole command in a subprocess, interrupted once its manifest lists two finished batches."""
    target, partial = tmp_path / "run", tmp_path / "run.partial"
    argv = ["simulate", str(tiny_scenario), "--replications", str(REPLICATIONS), "--seed", str(SEED), "--out",
            str(target)]
    proc = subprocess.Popen([sys.executable, "-c", CHILD, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, **CACHES}, preexec_fn=default_sigint)
    deadline = time.monotonic() + 120  # a hang guard: a loaded machine takes under a minute
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if len(json.loads((partial / "manifest.json").read_text())["finished_batches"]) >= 2:
                break
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err  # (the line naming the .partial folder: see test_sigint_message_names_...)
    kept = json.loads((partial / "manifest.json").read_text())["finished_batches"]
    # the command's workers finish batches in any order: the kept ones are distinct, and each is whole
    assert len(kept) >= 2 and kept == sorted(set(kept)) and set(kept) <= set(range(REPLICATIONS // BATCH))
    assert all(batch_file(partial, kind, b).is_file() for b in kept for kind in BATCH_KINDS)
    resumed = cli(*argv)
    assert resumed.code == 0 and f"{len(kept)} finished batches kept" in resumed.err, str(resumed)
    assert_same_results(target, reference)


# -- leftovers of an interrupted replacement ------------------------------------------------------------------

def test_old_without_target_is_recovered(tiny_scenario, tiny_run, tmp_path):
    """Crashed between moving the earlier run to ``.run.iadsim-old`` and the new one into place: the next start puts
    the earlier run back before anything else."""
    from iadsim.analysis.runfolder import RunWriter
    from iadsim.scenario import load_scenario

    target, old = tmp_path / "run", tmp_path / ".run.iadsim-old"
    shutil.copytree(tiny_run, old)
    writer = RunWriter(target, load_scenario(tiny_scenario), 11, 10, 10)
    assert any("recovered the previous run" in n for n in writer.notes)
    assert not old.exists() and summary_text(target) == summary_text(tiny_run)
    shutil.rmtree(writer.partial)


def test_old_without_target_is_recovered_by_the_command(tiny_scenario, tiny_run, tmp_path):
    target, old = tmp_path / "run", tmp_path / ".run.iadsim-old"
    shutil.copytree(tiny_run, old)
    outcome = cli("simulate", tiny_scenario, "--replications", 10, "--seed", 11, "--out", target)
    assert outcome.code == 0, str(outcome)
    assert "recovered the previous run" in outcome.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    assert summary_text(target) != summary_text(tiny_run)  # replaced by the new run, as asked


def test_old_beside_complete_target_is_removed(tiny_scenario, tiny_run, tmp_path):
    """Crashed after the new run moved into place, while deleting the old one: the leftover goes."""
    target, old = tmp_path / "run", tmp_path / ".run.iadsim-old"
    shutil.copytree(tiny_run, target)
    shutil.copytree(tiny_run, old)
    (old / "summary.json").unlink()  # the deletion had begun
    outcome = cli("simulate", tiny_scenario, "--replications", 10, "--seed", 11, "--out", target)
    assert outcome.code == 0, str(outcome)
    assert f"removed {old}" in outcome.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_a_users_own_copy_named_like_the_run_with_old_is_never_touched(tiny_scenario, tiny_run, tmp_path):
    """``run.old`` is the user's copy of an earlier run (iadsim keeps its own under a hidden name): a new run at
    ``run`` neither deletes it nor takes it for an interrupted replacement, with or without ``run`` beside it."""
    target, mine = tmp_path / "run", tmp_path / "run.old"
    shutil.copytree(tiny_run, mine)
    before = tree_state(mine)
    for _ in range(2):  # into a new folder, then replacing it
        outcome = cli("simulate", tiny_scenario, "--replications", 10, "--seed", 11, "--out", target)
        assert outcome.code == 0, str(outcome)
        assert "run.old" not in outcome.err
        assert tree_state(mine) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run", "run.old"]


def test_old_beside_foreign_target_is_kept(tiny_scenario, tiny_run, tmp_path):
    """``run`` is not a run folder: neither it nor ``.run.iadsim-old`` may be deleted."""
    target, old = tmp_path / "run", tmp_path / ".run.iadsim-old"
    target.mkdir()
    (target / "notes.txt").write_text("mine\n")
    shutil.copytree(tiny_run, old)
    outcome = cli("simulate", tiny_scenario, "--replications", 10, "--seed", 11, "--out", target)
    assert_refused(outcome, old)  # (the leftover, named)
    assert (target / "notes.txt").read_text() == "mine\n"
    assert summary_text(old) == summary_text(tiny_run)
