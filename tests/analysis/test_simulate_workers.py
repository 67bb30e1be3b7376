"""`simulate` in worker processes: the same rows, events and run folder as one process, whatever the workers
and batches; batch sizes that bound memory and share the work out; a resumed run keeps its batches."""

import json
import shutil
from math import ceil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from iadsim.analysis import montecarlo, simulate
from iadsim.analysis.runfolder import MANIFEST, batch_file
from iadsim.analysis.sweep.budget import work_size
from iadsim.report.run import load_run
from iadsim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "airbase-as-designed.yaml"


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(EXAMPLE)


@pytest.fixture(scope="module")
def one_process(scenario, tmp_path_factory):
    out = tmp_path_factory.mktemp("one") / "run"
    return out, simulate(scenario, 6, 11, out_dir=out, batch_size=2, workers=1)


def test_workers_give_the_rows_events_and_folder_of_one_process(scenario, one_process, tmp_path):
    out, one = one_process
    # engagements happen: the events say something
    assert one.events["kind"].astype(str).str.lower().isin(["launch", "kill"]).any()
    steps = []
    two = simulate(scenario, 6, 11, out_dir=tmp_path / "run", batch_size=2, workers=2,
                   progress=lambda done, total: steps.append((done, total)))
    pd.testing.assert_frame_equal(two.metrics, one.metrics)
    pd.testing.assert_frame_equal(two.events, one.events)
    assert two.summary == one.summary
    pd.testing.assert_frame_equal(load_run(tmp_path / "run").metrics, load_run(out).metrics)
    pd.testing.assert_frame_equal(load_run(tmp_path / "run").events, load_run(out).events)
    for b in range(3):
        for kind in ("metrics", "events", "states"):
            assert batch_file(tmp_path / "run", kind, b).read_bytes() == batch_file(out, kind, b).read_bytes()
    done = [d for d, _ in steps]
    assert done == sorted(done) and steps[-1][0] == steps[-1][1]


def test_workers_from_a_fork_server_give_the_same_rows(scenario, one_process, monkeypatch):
    """Where forking is not safe the workers come from a fork server and receive the World pickled, with the
    progress counter made in their context."""
    from iadsim.analysis.sweep import executors

    monkeypatch.setattr(executors, "fork_is_safe", lambda: False)
    assert executors.start_method("auto") == "forkserver"
    steps = []
    other = simulate(scenario, 6, 11, batch_size=2, workers=2, progress=lambda done, total: steps.append(done))
    pd.testing.assert_frame_equal(other.metrics, one_process[1].metrics)
    pd.testing.assert_frame_equal(other.events, one_process[1].events)
    assert steps[-1] == 6 * len(scenario_steps(scenario))


def scenario_steps(scenario) -> np.ndarray:
    spec = scenario.spec
    return np.arange(int(spec.duration / spec.step + 1e-9) + 1)


def test_a_run_without_a_folder_records_no_series_or_states(scenario, one_process, monkeypatch):
    """The time series and the states are the run folder's: a run without one computes neither (their picture
    scores cost about half the engine's steps again), and gives the same rows, events and progress."""

    def refused(*args, **kwargs):
        raise AssertionError("recorded for a run without a folder")

    monkeypatch.setattr(montecarlo, "SeriesRecorder", refused)
    monkeypatch.setattr(montecarlo, "StateRecorder", refused)
    steps = []
    other = simulate(scenario, 6, 11, batch_size=2, workers=1, progress=lambda done, total: steps.append(done))
    pd.testing.assert_frame_equal(other.metrics, one_process[1].metrics)
    pd.testing.assert_frame_equal(other.events, one_process[1].events)
    total = 6 * len(scenario_steps(scenario))
    assert steps == sorted(steps) and len(steps) > total // 6 and steps[-2] == steps[-1] == total  # (per step)
    with pytest.raises(AssertionError, match="recorded for a run without a folder"):
        simulate(scenario, 2, 11, out_dir=one_process[0].parent / "refused", workers=1)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_run_keeping_no_events_gives_the_same_rows_and_summary(scenario, one_process, workers, tmp_path):
    """``events=False`` (the command without a run folder: its summary reads none) keeps an empty events table and
    changes nothing else; a run folder keeps its events whatever it says."""
    _, one = one_process
    other = simulate(scenario, 6, 11, batch_size=2, workers=workers, events=False)
    pd.testing.assert_frame_equal(other.metrics, one.metrics)
    assert other.summary == one.summary and len(other.events) == 0 and list(other.events) == list(one.events)
    kept = simulate(scenario, 6, 11, out_dir=tmp_path / "run", batch_size=2, workers=workers, events=False)
    pd.testing.assert_frame_equal(kept.events, one.events)
    pd.testing.assert_frame_equal(load_run(tmp_path / "run").events, load_run(one_process[0]).events)


def test_a_run_folder_reads_back_the_same_events_whatever_its_batches(scenario, one_process, tmp_path):
    """Each batch's events are in the engine's order (its replications interleaved); read back, the folder's
    events are by replication, so batches of 4 give the table batches of 2 gave (an export's rows too)."""
    out, _ = one_process
    simulate(scenario, 6, 11, out_dir=tmp_path / "run", batch_size=4, workers=1)
    back, again = load_run(out).events, load_run(tmp_path / "run").events
    assert list(back["replication"]) == sorted(back["replication"]) and back["replication"].nunique() == 6
    pd.testing.assert_frame_equal(back, again)


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_rows_and_events_do_not_depend_on_the_batches(scenario, one_process, workers):
    _, one = one_process
    other = simulate(scenario, 6, 11, workers=workers)  # batch sizes chosen for the workers
    pd.testing.assert_frame_equal(other.metrics, one.metrics)
    pd.testing.assert_frame_equal(other.events, one.events)
    assert list(other.events["replication"]) == sorted(other.events["replication"])


@pytest.fixture
def large_machine(monkeypatch):
    """A machine whose memory holds the largest batches (batch sizes also fit the machine's memory)."""
    import iadsim.analysis.sweep.budget as budget

    monkeypatch.setattr(budget, "machine_memory", lambda: 1 << 40)


def test_batch_sizes_bound_the_state_and_share_the_work(scenario, monkeypatch, large_machine):
    size = montecarlo.batch_size_for
    assert size(scenario, 100, 1) == 100 and size(scenario, 1200, 1) == 400  # at most MAX_BATCH, equal batches
    assert size(scenario, 1000, 2) == 500 and size(scenario, 1001, 2) == 251  # as many per worker
    assert size(scenario, 100, 2) == 50 and size(scenario, 101, 2) == 51 and size(scenario, 3, 8) == 1
    per = work_size(scenario.spec, scenario.catalog, int(np.prod(scenario.terrain.shape))).replication_bytes()
    monkeypatch.setattr(montecarlo, "BATCH_STATE_BYTES", 7 * per)
    for replications, workers in ((100, 1), (100, 2), (30, 4), (7, 3)):
        batch = size(scenario, replications, workers)
        count = ceil(replications / batch)
        assert batch <= 7 and batch * per <= montecarlo.BATCH_STATE_BYTES
        # no worker runs more batches than the cap makes necessary, and the batches are as small as that allows
        assert ceil(count / workers) == ceil(ceil(replications / 7) / workers)
        assert batch == 1 or ceil(ceil(replications / (batch - 1)) / workers) > ceil(count / workers)
    monkeypatch.setattr(montecarlo, "BATCH_STATE_BYTES", per // 2)
    assert size(scenario, 10, 1) == 1  # one replication per batch when one needs more


def test_a_resumed_run_keeps_its_batches_whatever_the_workers(scenario, one_process, tmp_path):
    out, one = one_process
    partial = tmp_path / "run.partial"
    shutil.copytree(out, partial)
    manifest = json.loads((partial / MANIFEST).read_text())
    manifest.update(finished_batches=[0], complete=False)
    (partial / MANIFEST).write_text(json.dumps(manifest))
    for b in (1, 2):
        for kind in ("metrics", "events", "series", "states"):
            batch_file(partial, kind, b).unlink()
    (partial / "summary.json").unlink()
    notes = []
    resumed = simulate(scenario, 6, 11, out_dir=tmp_path / "run", workers=2, notes=notes.append)
    assert any("1 finished batches kept" in n for n in notes)
    assert json.loads((tmp_path / "run" / MANIFEST).read_text())["batch_size"] == 2
    pd.testing.assert_frame_equal(resumed.metrics, one.metrics)
    pd.testing.assert_frame_equal(resumed.events, one.events)


INTERRUPTED = """
import sys
from pathlib import Path
from iadsim.analysis import simulate
from iadsim.scenario import load_scenario
simulate(load_scenario(sys.argv[1]), 12, 11, out_dir=Path(sys.argv[2]), batch_size=2, workers=2)
"""


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads worker processes from Linux /proc")
def test_a_worker_killed_mid_run_ends_the_command_with_one_line(tmp_path):
    """A worker killed (by the kernel, out of memory, say) ends `iadsim simulate` at once with a one-line message
    and status 1: not a traceback, and not a wait for a result that will never come."""
    import os
    import signal
    import subprocess
    import sys
    import time

    run = subprocess.Popen([sys.executable, "-m", "iadsim.cli", "simulate", str(EXAMPLE), "--replications", "2000",
                            "--workers", "2", "--out", str(tmp_path / "run")], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE,
                           env=dict(os.environ, PYTHONWARNINGS="ignore", PYTHONFAULTHANDLER="1"))
    deadline = time.monotonic() + 300
    workers: set[int] = set()
    while time.monotonic() < deadline and run.poll() is None and len(workers) < 2:
        below = _children(run.pid)  # forked workers, or a fork server's
        below |= {pid for parent in below for pid in _children(parent)}
        workers = {pid for pid in below if not _children(pid)
                   and not any(name in _cmdline(pid) for name in (b"resource_tracker", b"forkserver"))}
        time.sleep(0.05)
    assert run.poll() is None and len(workers) == 2, run.stderr.read().decode()[-2000:]
    time.sleep(0.5)  # computing (2,000 replications take the workers about 15 s)
    assert run.poll() is None, run.stderr.read().decode()[-2000:]
    try:
        os.kill(min(workers), signal.SIGKILL)
    except ProcessLookupError:
        pytest.fail(f"worker {min(workers)} ended before it was killed:\n{run.communicate()[1].decode()[-2000:]}")
    try:
        _, stderr = run.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        run.send_signal(signal.SIGABRT)
        pytest.fail("still running 60 s after a worker was killed:\n" + run.communicate()[1].decode()[-4000:])
    lines = stderr.decode().strip().splitlines()
    assert run.returncode == 1 and len(lines) == 1, stderr.decode()[-2000:]
    assert lines[0].startswith("iadsim: ") and "the same command resumes" in lines[0]


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads worker processes from Linux /proc")
def test_ctrl_c_stops_the_workers_and_keeps_the_finished_batches(scenario, one_process, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "run"
    partial = tmp_path / "run.partial"
    run = subprocess.Popen([sys.executable, "-c", INTERRUPTED, str(EXAMPLE), str(out)], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE,
                           env=dict(os.environ, PYTHONWARNINGS="ignore", PYTHONFAULTHANDLER="1"),
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # even if ours is ignored
    deadline = time.monotonic() + 300
    workers: set[int] = set()
    while time.monotonic() < deadline and run.poll() is None:
        workers |= _children(run.pid)
        manifest = partial / MANIFEST
        if manifest.is_file() and json.loads(manifest.read_text() or "{}").get("finished_batches"):
            break
        time.sleep(0.05)
    assert run.poll() is None, run.stderr.read().decode()[-2000:]
    run.send_signal(signal.SIGINT)
    try:
        _, stderr = run.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        run.send_signal(signal.SIGABRT)  # the fault handler prints every thread's stack: which one waits
        pytest.fail("still running 60 s after the Ctrl-C:\n" + run.communicate()[1].decode()[-4000:])
    assert run.returncode != 0 and b"RunInterrupted" in stderr
    assert workers
    while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in workers)  # no worker left running
    finished = json.loads((partial / MANIFEST).read_text())["finished_batches"]
    assert finished and not out.exists()
    notes = []
    resumed = simulate(scenario, 12, 11, out_dir=out, batch_size=2, workers=2, notes=notes.append)
    assert any(f"{len(finished)} finished batches kept" in n for n in notes)
    pd.testing.assert_frame_equal(resumed.metrics.iloc[:6], one_process[1].metrics)


def test_batch_sizes_shrink_to_fit_the_memory_the_run_may_use(scenario, large_machine):
    """Where the workers' batches of MAX_BATCH would not fit the memory given (or the machine's), smaller batches
    that do: the run is not refused while one replication per worker fits."""
    from iadsim.scenario import InputError

    size = work_size(scenario.spec, scenario.catalog, int(np.prod(scenario.terrain.shape)))
    per, kept = size.replication_bytes(), montecarlo.kept_bytes(size, 1000)
    room = size.world_bytes() + kept + 2 * 100 * per  # two workers' batches of 100
    assert montecarlo.batch_size_for(scenario, 1000, 2) == 500  # (the large machine: room for the largest)
    batch = montecarlo.batch_size_for(scenario, 1000, 2, room)
    assert batch == 100
    montecarlo.check_run_budget(scenario, 1000, batch, room, 2)  # fits
    with pytest.raises(InputError):
        montecarlo.check_run_budget(scenario, 1000, 500, room, 2)  # the largest batches would not
    assert montecarlo.batch_size_for(scenario, 1000, 2, size.world_bytes() + kept + per) == 1  # less: refused later
