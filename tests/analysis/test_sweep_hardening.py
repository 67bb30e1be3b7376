"""Sweeps against hostile folders and faults: adoption only by fingerprint, one sweep per folder, workers
that die with their parent, damaged results files, unreachable Dask schedulers, memory budgets."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import pandas as pd
import pytest

from iadsim.analysis import LocalExecutor, load_results, query, run_sweep, summarise_sweep
from iadsim.analysis.sweep import (
    CONNECT_TIMEOUT,
    DaskExecutor,
    SweepWarning,
    estimate_batch_bytes,
    load_sweep,
    store,
    worker_bytes,
)
from iadsim.scenario import InputError

from .conftest import GRID_SWEEP

# a work unit of this sweep takes about 20 s: workers still computing when the main process is killed
SLOW_SWEEP = """\
base: tiny.yaml
design: grid
factors: [{path: "units[sr].readiness.availability", values: [0.5, 1.0]}]
set: {duration: 40 min, "threats[raid].count": 300, "threats[raid].spacing": 8 s}
replications: 800
batch: 400
seed: 3
"""


def _rows(out_dir: Path) -> pd.DataFrame:
    return load_results(out_dir).sort_values(["point", "replication"]).reset_index(drop=True)


@pytest.fixture
def grid(write_sweep):
    return load_sweep(write_sweep(GRID_SWEEP))


@pytest.fixture
def finished(grid, tmp_path):
    """The grid sweep run to the end in tmp_path/out."""
    run_sweep(grid, tmp_path / "out", "serial")
    return tmp_path / "out"


# ---------------------------------------------------------------------------------------------- adoption


def test_results_without_points_json_are_refused_not_adopted(grid, finished):
    reference = _rows(finished)
    (finished / store.POINTS).unlink()
    with pytest.raises(InputError) as info:
        run_sweep(grid, finished, "serial")
    assert info.value.file == str(finished)
    assert "results folder but no points.json" in str(info.value) and "choose another --out" in str(info.value)
    pd.testing.assert_frame_equal(_rows(finished), reference)  # nothing was touched
    assert not (finished / store.LOCK).exists()


@pytest.mark.parametrize("content,words", [
    (b"{not json", "is not valid JSON"),
    (b"\xff\xfe garbage", "is not UTF-8"),
    (b'["a list"]', "different sweep"),
    (b'{"fingerprint": "0123456789abcdef"}', "different sweep"),
])
def test_unreadable_or_foreign_points_json_is_refused(grid, finished, content, words):
    (finished / store.POINTS).write_bytes(content)
    with pytest.raises(InputError) as info:
        run_sweep(grid, finished, "serial")
    assert words in str(info.value) and "delete" in str(info.value)
    assert (finished / store.POINTS).read_bytes() == content  # not overwritten


def test_points_json_replaced_by_a_special_file_is_refused(grid, finished):
    (finished / store.POINTS).unlink()
    os.mkfifo(finished / store.POINTS)
    with pytest.raises(InputError, match="not a regular file"):
        run_sweep(grid, finished, "serial")  # and does not hang on the FIFO


def test_a_folder_with_other_files_is_not_written_into(grid, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "scenario.yaml").write_text("my own scenario")
    with pytest.raises(InputError, match="not empty and is not a sweep folder"):
        run_sweep(grid, folder, "serial")
    assert (folder / "scenario.yaml").read_text() == "my own scenario"
    assert sorted(os.listdir(folder)) == ["scenario.yaml"]


def test_an_empty_folder_is_adopted_and_a_matching_one_resumed(grid, tmp_path):
    (tmp_path / "empty").mkdir()
    leftover = tmp_path / "empty" / ".points.json.4242.tmp"  # a sweep killed while writing its design
    leftover.write_text('{"points": [')
    first = run_sweep(grid, tmp_path / "empty", "serial", max_units=2)
    assert not leftover.exists()
    again = run_sweep(grid, tmp_path / "empty", "serial")
    assert (first.units_run, again.units_skipped, again.units_run) == (2, 2, 4)


def test_tampered_points_json_is_reported_by_every_reader(finished):
    import json

    meta = json.loads((finished / store.POINTS).read_text())
    meta["points"][0]["point"] = "zero"
    (finished / store.POINTS).write_text(json.dumps(meta))
    for read in (store.read_points, store.points_frame, summarise_sweep, lambda d: query(d, "SELECT 1")):
        with pytest.raises(InputError) as info:
            read(finished)
        assert info.value.file == str(finished / store.POINTS) and "points[0] is not a point" in str(info.value)


# ---------------------------------------------------------------------------------------------- the lock


def _wait_for(predicate, timeout: float = 60.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _start_sweep(path: Path, out: Path, executor: str = "'serial'", extra: str = "") -> subprocess.Popen:
    script = (f"from iadsim.analysis import run_sweep, LocalExecutor; "
              f"run_sweep({str(path)!r}, {str(out)!r}, {executor}{extra})")
    return subprocess.Popen([sys.executable, "-c", script], env=os.environ.copy(), stderr=subprocess.DEVNULL)


def test_a_second_sweep_in_the_same_folder_is_refused_naming_the_holder(write_sweep, tmp_path):
    path = write_sweep(SLOW_SWEEP.replace("batch: 400", "batch: 20"))
    out = tmp_path / "out"
    proc = _start_sweep(path, out)
    try:
        _wait_for(lambda: (out / store.POINTS).exists(), what="the first sweep to start")
        with pytest.raises(InputError) as info:
            run_sweep(load_sweep(path), out, "serial")
        assert f"PID {proc.pid} on {socket.gethostname()}" in str(info.value)
        assert "another sweep" in str(info.value) and info.value.file == str(out)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    # the holder died without releasing: its lock file is left, and taken over naming the dead holder
    assert (out / store.LOCK).exists()
    with store.FolderLock(out) as lock:
        assert lock.previous == f"PID {proc.pid} on {socket.gethostname()}"


def test_a_stale_lock_is_taken_over_and_every_lock_is_released(grid, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / store.LOCK).write_text("999999999 otherhost\n")  # a holder killed with kill -9 (its flock is gone)
    with pytest.warns(SweepWarning, match="PID 999999999 on otherhost"):
        run_sweep(grid, out, "serial", max_units=1)
    assert not (out / store.LOCK).exists()  # released on a normal end
    (out / store.RESULTS / "p00000-b000000.parquet").write_bytes(b"PAR1 cut short")
    with pytest.raises(InputError):
        run_sweep(grid, out, "serial")
    assert not (out / store.LOCK).exists()  # and on an error


def test_lock_file_symlink_is_refused_and_its_target_untouched(grid, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (out / store.LOCK).symlink_to(victim)
    with pytest.raises(InputError, match="symbolic link"):
        run_sweep(grid, out, "serial")
    assert victim.read_text() == "keep me"


def test_lock_is_exclusive_within_one_process_too(tmp_path):
    with store.FolderLock(tmp_path) as held:
        with pytest.raises(InputError, match=f"PID {os.getpid()}"):
            store.FolderLock(tmp_path).acquire()
        assert held.previous is None
    assert not (tmp_path / store.LOCK).exists()


# ---------------------------------------------------------------------------------------------- orphans


def _parents() -> dict[int, int]:
    """Every process's parent, from /proc."""
    out = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            out[int(entry)] = int(fields[1])
    return out


def _descendants(pid: int) -> list[int]:
    parents = _parents()
    found, todo = [], [pid]
    while todo:
        below = [p for p, parent in parents.items() if parent == todo[-1]]
        todo.pop()
        found += below
        todo += below
    return found


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _workers(pid: int) -> list[int]:
    """The sweep's worker processes: the leaves below it -- its children ('fork', 'spawn', a LocalCluster's
    workers) or the fork server's -- but multiprocessing's resource tracker."""
    below = _descendants(pid)
    parents = _parents()
    return [p for p in below if not any(parents.get(q) == p for q in below) and "resource_tracker" not in _cmdline(p)]


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")  # a zombie has exited
    except OSError:
        return False


def _kill_main_and_watch_workers(proc: subprocess.Popen, workers: int) -> list[int]:
    """SIGKILL the sweep's main process once its workers compute; its workers (and any other process it
    started: a fork server, a resource tracker) still running 30 s later, as 'PID: command line'."""
    pids: list[int] = []
    try:
        _wait_for(lambda: len(_workers(proc.pid)) >= workers, what="the worker processes")
        time.sleep(6)  # imported, building the world or running the engine
        pids = _descendants(proc.pid)
        assert proc.poll() is None and len(_workers(proc.pid)) >= workers and all(_running(p) for p in pids)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    deadline = time.monotonic() + 30  # a spawned worker still importing arms its watch only when it is done
    while time.monotonic() < deadline and any(_running(p) for p in pids):
        time.sleep(0.1)
    alive = [f"{p}: {_cmdline(p)[:120]}" for p in pids if _running(p)]
    for p in pids:  # do not leave them behind
        if _running(p):
            os.kill(p, signal.SIGKILL)
    return alive


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("method", ["auto", "forkserver", "spawn"])
def test_local_workers_die_with_the_main_process(write_sweep, tmp_path, method):
    # 'auto' forks here: the sweep's process runs no other thread
    proc = _start_sweep(write_sweep(SLOW_SWEEP), tmp_path / "out", f"LocalExecutor(workers=2, start_method={method!r})")
    assert _kill_main_and_watch_workers(proc, 2) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_dask_local_cluster_workers_die_with_the_main_process(write_sweep, tmp_path):
    proc = _start_sweep(write_sweep(SLOW_SWEEP), tmp_path / "out", "'dask'", ", workers=2")
    assert _kill_main_and_watch_workers(proc, 2) == []


def test_workers_exit_when_their_parent_is_already_gone():
    # the race PDEATHSIG cannot cover: the parent died before the worker armed it
    code = "from iadsim.analysis.sweep import die_with_parent; die_with_parent(1); print('survived')"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert result.returncode == 1 and b"survived" not in result.stdout


# a worker killed while it sends its result leaves half a message in the result pipe, which the pool's manager
# thread waits to read to the end (Python 3.11): the interpreter's exit handler then waited for that thread forever,
# so a Ctrl-C that stopped the run left the process hanging (seen in CI); here the worker writes that half message
# itself, then waits to be killed
CUT_SHORT = """\
import os, struct, sys, threading, time
from iadsim.analysis import LocalExecutor
QUEUE = None
def cut_short(flag):
    QUEUE._writer._send(struct.pack("!i", 10**6) + b"only the start of a result")
    open(flag, "w").close()
    time.sleep(600)
start = time.monotonic()
try:
    with LocalExecutor(2, "fork") as ex:
        QUEUE = ex.pool._result_queue  # before the workers are forked (at the first submit)
        ex.submit(cut_short, sys.argv[1])
        while not os.path.exists(sys.argv[1]):
            time.sleep(0.02)
        raise KeyboardInterrupt
except KeyboardInterrupt:
    print(round(time.monotonic() - start, 1), [t.name for t in threading.enumerate() if not t.daemon])
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks")
def test_a_ctrl_c_while_a_worker_sends_its_result_still_exits(tmp_path):
    try:
        result = subprocess.run([sys.executable, "-c", CUT_SHORT, str(tmp_path / "flag")], capture_output=True,
                                text=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("the process did not exit within 60 s of leaving its LocalExecutor on a Ctrl-C")
    assert result.returncode == 0, result.stderr[-2000:]
    seconds, threads = result.stdout.split(" ", 1)
    assert float(seconds) < 30 and threads.strip() == "['MainThread']"  # the pool's manager thread has stopped


# the same half message from a worker that then dies while the run goes on: the pool would wait for the rest of it
# forever, its task neither done nor failed; the executor sees the worker gone and fails the wait
DIES_MID_SEND = """\
import os, struct, threading, time
from concurrent.futures.process import BrokenProcessPool
from iadsim.analysis import LocalExecutor
QUEUE = None
def dies(_):
    QUEUE._writer._send(struct.pack("!i", 10**6) + b"only the start of a result")
    os._exit(3)
start = time.monotonic()
try:
    with LocalExecutor(2, "fork") as ex:
        QUEUE = ex.pool._result_queue
        ex.wait_first([ex.submit(dies, None)])
except BrokenProcessPool as exc:
    print(round(time.monotonic() - start, 1), [t.name for t in threading.enumerate() if not t.daemon], exc)
"""

# the same through `simulate`'s loop over its workers' batches (with a progress counter, read as it waits)
DIES_IN_SIMULATE = """\
import os, struct, threading, time
from concurrent.futures.process import BrokenProcessPool
import numpy as np
from iadsim.analysis import montecarlo
from iadsim.analysis.sweep import executors
QUEUE = []
enter = executors.LocalExecutor.__enter__
def keep_queue(self):
    out = enter(self)
    QUEUE.append(self.pool._result_queue)  # before the workers are forked (at the first submit)
    return out
executors.LocalExecutor.__enter__ = keep_queue
def dies(job):
    QUEUE[0]._writer._send(struct.pack("!i", 10**6) + b"only the start of a result")
    os._exit(3)
montecarlo._worker_batch = dies
start = time.monotonic()
try:
    montecarlo._run_in_workers(None, 1, False, [(0, np.arange(2)), (1, np.arange(2, 4))], 2,
                               lambda *batch: None, lambda steps: None)
except BrokenProcessPool as exc:
    print(round(time.monotonic() - start, 1), [t.name for t in threading.enumerate() if not t.daemon], exc)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks")
@pytest.mark.parametrize("script", [DIES_MID_SEND, DIES_IN_SIMULATE], ids=["wait_first", "simulate"])
def test_a_worker_dying_while_it_sends_its_result_fails_the_wait(script):
    try:
        result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("still waiting 60 s after a worker died while sending its result")
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr[-2000:]
    seconds, rest = result.stdout.split(" ", 1)
    threads, message = rest.split("] ", 1)
    assert float(seconds) < 30 and "worker process ended unexpectedly (exit code 3)" in message
    assert threads + "]" == "['MainThread']"  # the pool's manager thread has stopped


# ---------------------------------------------------------------------------------------------- damaged results


def _a_unit(out: Path) -> Path:
    return sorted((out / store.RESULTS).glob("*.parquet"))[1]


def test_truncated_results_file_is_named_by_every_reader(grid, finished):
    unit = _a_unit(finished)
    data = unit.read_bytes()
    unit.write_bytes(data[: len(data) // 2])
    readers = [lambda: run_sweep(grid, finished, "serial"), lambda: load_results(finished),
               lambda: summarise_sweep(finished), lambda: query(finished, "SELECT count(*) FROM results")]
    for read in readers:
        with pytest.raises(InputError) as info:
            read()
        assert info.value.file == str(unit) and "delete it and rerun" in str(info.value)


def test_deleting_the_damaged_file_recomputes_it(grid, finished, tmp_path):
    reference = _rows(finished)
    unit = _a_unit(finished)
    unit.unlink()  # what the message about a damaged file says to do
    again = run_sweep(grid, finished, "serial")
    assert (again.units_run, again.units_skipped) == (1, 5)
    pd.testing.assert_frame_equal(_rows(finished), reference)


@pytest.mark.parametrize("which", [0, 1])
@pytest.mark.parametrize("change", ["drop a metric", "retype a factor", "rename point"])
def test_results_file_with_another_schema_is_refused(grid, finished, change, which):
    """The odd file is named, the first as any other (query and the report's readers took the first file's schema
    for the sweep's and told the user to delete a good file)."""
    unit = sorted((finished / store.RESULTS).glob("*.parquet"))[which]
    frame = pd.read_parquet(unit)
    if change == "drop a metric":
        frame = frame.drop(columns=["kills"])
    elif change == "retype a factor":
        frame["units[sr].readiness.availability"] = frame["units[sr].readiness.availability"].astype(str)
    else:
        frame = frame.rename(columns={"point": "pt"})
    frame.to_parquet(unit, index=False)
    for read in (lambda: run_sweep(grid, finished, "serial"), lambda: load_results(finished),
                 lambda: query(finished, "SELECT count(*) FROM results")):
        with pytest.raises(InputError) as info:
            read()
        assert info.value.file == str(unit) and "not a results file of this sweep" in str(info.value)


# ---------------------------------------------------------------------------------------------- output folders


def test_out_naming_a_file_is_refused(grid, tmp_path):
    target = tmp_path / "results.txt"
    target.write_text("not a folder")
    with pytest.raises(InputError) as info:
        run_sweep(grid, target, "serial")
    assert info.value.file == str(target) and "is a file, not a folder" in str(info.value)
    with pytest.raises(InputError, match="cannot create the sweep folder"):
        run_sweep(grid, target / "below", "serial")
    assert target.read_text() == "not a folder"


def test_read_only_folder_is_refused(grid, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() == 0:  # root ignores permission bits; an immutable folder stays read-only for root
        made = subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode == 0
        undo = ["chattr", "-i", str(folder)]
    else:
        folder.chmod(0o555)
        made, undo = True, ["chmod", "755", str(folder)]
    if not made:
        pytest.skip("cannot make a read-only folder here (root without chattr +i)")
    try:
        with pytest.raises(InputError) as info:
            run_sweep(grid, folder, "serial")
        assert info.value.file.startswith(str(folder))
        assert "not writable" in str(info.value) or "cannot" in str(info.value)
    finally:
        subprocess.run(undo, check=True)


def test_disk_full_while_writing_results_is_exit_2_and_resumable(write_sweep, tmp_path):
    # RLIMIT_FSIZE in a child (SIGXFSZ ignored): writes past 3000 bytes fail with EFBIG, as on a full disk
    path = write_sweep(GRID_SWEEP)
    out = tmp_path / "out"
    code = f"""
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (3000, 3000))
from iadsim.analysis import run_sweep
from iadsim.scenario import InputError
try:
    run_sweep({str(path)!r}, {str(out)!r}, "serial")
except InputError as exc:
    print(exc)
    sys.exit(2)
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120, text=True)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "cannot write" in result.stdout and "File too large" in result.stdout
    assert not list((out / store.RESULTS).glob(".*.tmp")) and not (out / store.LOCK).exists()
    resumed = run_sweep(load_sweep(path), out, "serial")  # nothing half-written was adopted
    assert resumed.units_run + resumed.units_skipped == 6 and len(load_results(out)) == 12


# ---------------------------------------------------------------------------------------------- dask addresses


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _connect(address: str) -> tuple[InputError, float]:
    started = time.monotonic()
    with pytest.raises(InputError) as info:
        with DaskExecutor(scheduler=address):
            pass
    return info.value, time.monotonic() - started


@pytest.mark.parametrize("address", ["closed", "tcp://300.1.1.1:1", "tcp://127.0.0.1:99999", "garbage",
                                     "ftp://127.0.0.1:21", "tcp://[::1]:1", "tcp://no-such-host.invalid:8786"])
def test_unreachable_scheduler_is_an_input_error_within_the_timeout(address):
    address = f"tcp://127.0.0.1:{_closed_port()}" if address == "closed" else address
    err, seconds = _connect(address)
    assert err.file == address and seconds <= CONNECT_TIMEOUT + 1


def test_a_service_that_is_not_a_scheduler_is_refused_without_a_huge_allocation():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)

    connections = []

    def banner():  # an SSH server: its banner read as a Dask frame length is 3 EiB
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            connections.append(conn)
            conn.sendall(b"SSH-2.0-OpenSSH_9.2p1\r\n")

    threading.Thread(target=banner, daemon=True).start()
    try:
        tracemalloc.start()
        err, seconds = _connect(f"tcp://127.0.0.1:{server.getsockname()[1]}")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        server.close()
        for conn in connections:
            conn.close()
    assert "not as a Dask scheduler" in str(err) and seconds < 5 and peak < 50e6


def test_silent_server_times_out_within_the_limit():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)  # accepts (the kernel does) and never answers
    try:
        err, seconds = _connect(f"tcp://127.0.0.1:{server.getsockname()[1]}")
    finally:
        server.close()
    assert "Dask scheduler" in str(err) and seconds <= CONNECT_TIMEOUT + 1


# ---------------------------------------------------------------------------------------------- memory


def _tiny_with(tiny: Path, **changes) -> object:
    import yaml

    from iadsim.scenario.load import scenario_from_document
    from iadsim.scenario.yamlio import Document

    data = yaml.safe_load(tiny.read_text())
    data["threats"][0]["count"] = changes.get("threats", 4)
    data["duration"] = changes.get("duration", "3 min")
    for i in range(changes.get("passive", 0)):  # ESM stations reporting to the command post
        data["units"].append({"id": f"esm{i}", "type": "esm-station", "x": f"{i % 8 - 4} km", "y": f"{-3 - i // 8} km"})
        data["links"].append({"from": f"esm{i}", "to": "cp", "carries": "tracks", "latency": "1 s"})
    for i in range(changes.get("posts", 0)):  # more command posts, fed by the search radar
        data["units"].append({"id": f"cp{i}", "type": "command-post", "x": f"{i % 8 - 4} km", "y": f"{4 + i // 8} km"})
        data["links"].append({"from": "sr", "to": f"cp{i}", "carries": "tracks", "latency": "1 s"})
    return scenario_from_document(Document(str(tiny), data), tiny)


def _mapped_bytes(state) -> int:
    """The bytes of the engine state's arrays that :func:`iadsim.memory.sparse_zeros` maps (tracemalloc does not
    see them), counted whole, as if every page were written."""
    import dataclasses
    import mmap

    import numpy as np

    seen: set[int] = set()

    def walk(obj) -> int:
        if isinstance(obj, np.ndarray):
            base = obj
            while isinstance(base, np.ndarray) and base.base is not None:
                base = base.base
            memory = base.obj if isinstance(base, memoryview) else base
            if isinstance(memory, mmap.mmap) and id(memory) not in seen:
                seen.add(id(memory))
                return len(memory)
            return 0
        if dataclasses.is_dataclass(obj):
            return sum(walk(getattr(obj, f.name)) for f in dataclasses.fields(obj))
        return 0

    return walk(state)


@pytest.mark.parametrize("changes,batch", [({}, 50), ({"threats": 120}, 50),
                                           ({"threats": 60, "duration": "12 min"}, 20),
                                           ({"threats": 120, "passive": 24, "posts": 8}, 100)])
def test_estimate_batch_bytes_bounds_the_measured_peak(tiny, changes, batch):
    """The engine's traced peak with the run folder's recorders, plus its mapped arrays counted whole, stays within
    the estimate; with many passive sensors and command posts, their pictures' bearings and tracks are most of
    it."""
    import numpy as np

    from iadsim.analysis import montecarlo
    from iadsim.engine import Engine, build_world

    scenario = _tiny_with(tiny, **changes)
    build_world(scenario)  # compiled kernels and caches first: the estimate's fixed 16 MB covers them
    tracemalloc.start()
    try:
        world = build_world(scenario)
        engine = Engine(world, np.arange(batch), 1, events=False)
        series, states = montecarlo.SeriesRecorder(world, engine), montecarlo.StateRecorder(world, engine)
        engine.run(lambda steps: (series.after_step(steps), states.after_step(steps)))
        peak = tracemalloc.get_traced_memory()[1] + _mapped_bytes(engine.state)
    finally:
        tracemalloc.stop()
    estimate = estimate_batch_bytes(scenario, batch)
    assert peak <= estimate <= 5 * peak, (peak, estimate)
    assert estimate_batch_bytes(scenario, 2 * batch) > estimate  # grows with the batch


def test_the_budget_counts_the_nodes_and_passive_sensors_the_engine_builds(tiny):
    """Read from the spec and catalog, without building: the command posts that keep a picture and the passive
    sensors whose bearings every picture keeps, as many as the World has."""
    import numpy as np

    from iadsim.analysis.sweep.budget import work_size
    from iadsim.engine import build_world

    scenario = _tiny_with(tiny, passive=3, posts=2)
    size = work_size(scenario.spec, scenario.catalog, int(np.prod(scenario.terrain.shape)))
    world = build_world(scenario)
    assert (size.posts, size.passive, size.sensors) == (len(world.post_ids), int((~world.ranging).sum()),
                                                        len(world.sensor_ids)) == (3, 3, 5)


def test_the_estimate_holds_the_engines_track_table(tiny):
    """The budget sizes each sensor's track slots from the catalog without building the world, as the engine
    does; the slots' bytes are in the estimate."""
    import numpy as np

    from iadsim.analysis.sweep.budget import work_size
    from iadsim.engine import Engine, build_world

    scenario = _tiny_with(tiny)
    size = work_size(scenario.spec, scenario.catalog, int(np.prod(scenario.terrain.shape)))
    engine = Engine(build_world(scenario), np.arange(2), 1, events=False)
    assert size.track_slots == engine.ctx.track_slots >= 2 * size.targets + 16
    table = engine.state.tracks.table
    # the budget's 96 bytes per slot cover what the table holds per slot (a record and its truth; each sensor's
    # ``top`` beside them is the rest of a replication's)
    n_sensors = len(engine.w.sensor_ids)
    assert table.nbytes <= 2 * n_sensors * (size.track_slots * 96 + 8)
    assert size.replication_bytes() > table.nbytes / 2


def test_local_workers_are_fewer_when_they_would_not_fit(grid):
    from iadsim.analysis.sweep.scheduling import _fit_workers

    ex = LocalExecutor(workers=8)
    budget = 3 * worker_bytes(grid) + 1
    with pytest.warns(SweepWarning, match="running 3 worker processes instead of 8"):
        _fit_workers(ex, grid, budget, True)
    assert ex.workers == 3
    roomy = LocalExecutor(workers=2)
    _fit_workers(roomy, grid, 100 * worker_bytes(grid), True)
    assert roomy.workers == 2


def test_run_sweep_checks_max_memory(grid, tmp_path):
    with pytest.raises(InputError) as info:
        run_sweep(grid, tmp_path / "out", "serial", max_memory="20MB")
    assert info.value.loc in (("batch",), ("base",)) and "--max-memory (20 MB)" in str(info.value)
    assert not (tmp_path / "out").exists()  # refused before anything was written


# ---------------------------------------------------------------------------------------------- review fixes

OAT_SWEEP = """\
base: tiny.yaml
design: oat
factors:
  - {path: "units[sr].readiness.availability", name: avail, values: [0.5, 1.0]}
replications: 2
batch: 2
seed: 5
"""


@pytest.fixture(scope="module")
def report_inputs(tmp_path_factory):
    """A real run folder and two finished sweep folders (grid and oat), built once for the report tests."""
    from iadsim.analysis import simulate
    from iadsim.scenario import load_scenario

    from .conftest import TINY_SCENARIO

    root = tmp_path_factory.mktemp("report")
    (root / "tiny.yaml").write_text(TINY_SCENARIO)
    simulate(load_scenario(root / "tiny.yaml"), 3, out_dir=root / "run")
    sweeps = {}
    for name, text in (("grid", GRID_SWEEP), ("oat", OAT_SWEEP)):
        (root / f"{name}.yaml").write_text(text)
        run_sweep(load_sweep(root / f"{name}.yaml"), root / name, "serial")
        sweeps[name] = root / name
    return root / "run", sweeps


def _report(run_dir: Path, sweep_dir: Path, out: Path, capsys) -> tuple[int, str]:
    from iadsim import cli

    capsys.readouterr()
    code = cli.main(["report", str(run_dir), "--sweep", str(sweep_dir), "--out", str(out)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


_TAMPER = {
    "factor is a string": lambda m: m.update(factors=["x"]),
    "factor without name": lambda m: m.update(factors=[{}]),
    "factor not a column": lambda m: m["factors"][0].update(name="zzz"),
    "factors not a list": lambda m: m.update(factors={"a": 1}),
    "name not a string": lambda m: m["factors"][0].update(name=3),
    "no design": lambda m: m.pop("design"),
    "design a number": lambda m: m.update(design=7),
    "fingerprint missing": lambda m: m.pop("fingerprint"),
    "point not a mapping": lambda m: m["points"].append(5),
    "values not a mapping": lambda m: m["points"][0].update(values=[1]),
    "values not scalars": lambda m: m["points"][0]["values"].update({m["factors"][0]["name"]: [1, 2]}),
    "seed a string": lambda m: m.update(seed="x"),
    "metrics not strings": lambda m: m.update(metrics=[1]),
    "oat label missing": lambda m: m["points"][0].pop("oat", None) or m["points"][0].update(oat=None),
    "oat factor values": lambda m: m["factors"][0].update(values=[1, 2, 3]),
}


@pytest.mark.parametrize("design", ["grid", "oat"])
@pytest.mark.parametrize("tamper", sorted(_TAMPER))
def test_report_on_a_tampered_points_json_is_exit_2(report_inputs, tmp_path, capsys, design, tamper):
    import json
    import shutil

    run_dir, sweeps = report_inputs
    folder = tmp_path / "sweep"
    shutil.copytree(sweeps[design], folder)
    meta = json.loads((folder / store.POINTS).read_text())
    _TAMPER[tamper](meta)
    (folder / store.POINTS).write_text(json.dumps(meta))
    code, text = _report(run_dir, folder, tmp_path / "r.html", capsys)
    if design == "grid" and tamper.startswith("oat"):
        assert code == 0, text  # oat labels only matter to an oat sweep
        return
    assert code == 2, text
    assert "Traceback" not in text and "internal error" not in text
    assert str(folder / store.POINTS) in text and len(text.strip().splitlines()) == 1


def test_report_on_an_untampered_sweep_succeeds(report_inputs, tmp_path, capsys):
    run_dir, sweeps = report_inputs
    for design, folder in sweeps.items():
        code, text = _report(run_dir, folder, tmp_path / f"{design}.html", capsys)
        assert code == 0, text


def test_any_pyarrow_error_while_loading_results_names_the_file(finished, monkeypatch):
    import pyarrow.dataset as ds

    def broken(*args, **kwargs):
        raise TypeError("pyarrow internals")

    monkeypatch.setattr(ds, "dataset", broken)
    with pytest.raises(InputError) as info:
        load_results(finished)
    assert str(finished / store.RESULTS) in str(info.value) and "cannot be read" in str(info.value)


def test_a_changed_catalog_file_refuses_adoption(write_sweep, tiny, tmp_path, capsys):
    from iadsim import cli

    catalog = tiny.parent / "extra.yaml"
    catalog.write_text("sources: {}\ntypes: {}\n")
    tiny.write_text(tiny.read_text().replace("step: 1 s\n", "step: 1 s\ncatalog: [extra.yaml]\n"))
    path = write_sweep(GRID_SWEEP)
    out = tmp_path / "out"
    before = load_sweep(path)
    run_sweep(before, out, "serial", max_units=1)
    assert load_sweep(path).fingerprint() == before.fingerprint()  # same inputs: resumed
    catalog.write_text("sources: {}\ntypes: {}\n# edited\n")
    assert load_sweep(path).fingerprint() != before.fingerprint()
    capsys.readouterr()
    code = cli.main(["sweep", str(path), "--out", str(out), "--workers", "1"])
    text = capsys.readouterr().err
    assert code == 2 and "inputs" in text and "changed" in text and "Traceback" not in text
    assert len(store.unit_files(out)) == 1  # nothing recomputed, nothing lost


def test_fingerprint_covers_the_terrain_file_and_the_iadsim_version(write_sweep, tiny, monkeypatch):
    import iadsim
    from iadsim.analysis.sweep import input_hashes

    path = write_sweep(GRID_SWEEP)
    first = load_sweep(path).fingerprint()
    monkeypatch.setattr(iadsim, "__version__", "99.0.0")
    assert load_sweep(path).fingerprint() != first
    monkeypatch.undo()
    assert load_sweep(path).fingerprint() == first
    # and the code that computes results, whatever the version says (a checkout changes it, not the version)
    from iadsim.analysis import provenance

    monkeypatch.setattr(provenance, "code_sha256", lambda: "0" * 64)
    assert load_sweep(path).fingerprint() != first
    monkeypatch.undo()
    # a terrain file is hashed by its bytes (not parsed: any content will do here)
    terrain = tiny.parent / "dem.tif"
    terrain.write_bytes(b"II*\0" + bytes(1000))
    data = {"terrain": {"source": "dem.tif"}, "catalog": []}
    hashes = input_hashes(data, tiny)
    assert hashes["terrain"] is not None and input_hashes(data, tiny) == hashes
    terrain.write_bytes(b"II*\0" + bytes(1001))
    assert input_hashes(data, tiny) != hashes
    assert input_hashes({"terrain": {"flat": "100 m"}}, tiny)["terrain"] is None


def test_dask_local_cluster_is_fitted_to_memory_and_cpus(grid):
    from iadsim.analysis.sweep.scheduling import _fit_workers

    ex = DaskExecutor(workers=4096)
    with pytest.warns(SweepWarning, match="instead of 4096"):
        _fit_workers(ex, grid, 3 * worker_bytes(grid) + 1, True)
    assert ex.n_workers == 3
    ex = DaskExecutor(workers=4096)
    with pytest.warns(SweepWarning, match="instead of 4096"):
        _fit_workers(ex, grid, 10**18, False)
    assert ex.n_workers == 4 * (os.cpu_count() or 1)
    remote = DaskExecutor(scheduler="tcp://127.0.0.1:1", workers=4096)
    _fit_workers(remote, grid, 3 * worker_bytes(grid) + 1, True)  # a remote cluster's workers are not ours
    assert remote.n_workers == 4096
    local = LocalExecutor(workers=4096)
    with pytest.warns(SweepWarning, match="instead of 4096"):
        _fit_workers(local, grid, 10**18, False)
    assert local.workers == 4 * (os.cpu_count() or 1)


def test_work_units_are_created_as_they_are_submitted(grid, tmp_path, monkeypatch):
    """The scheduler keeps only a few work units in memory: at most its in-flight limit, never the whole plan."""
    from iadsim.analysis.sweep import scheduling  # where the scheduler makes its work units

    created = []
    real = scheduling.WorkUnit

    def counting(*args, **kwargs):
        created.append(args[:2])
        return real(*args, **kwargs)

    monkeypatch.setattr(scheduling, "WorkUnit", counting)
    result = run_sweep(grid, tmp_path / "out", "serial", max_units=1)
    assert result.units_run == 1 and len(created) == 1
