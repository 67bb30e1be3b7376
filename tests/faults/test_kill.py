"""kill -9 of `simulate --out` over a folder that holds an earlier complete run: at 24 seeded moments spread
over a run's duration, and at 7 chosen instants of the run folder's protocol that a random moment rarely hits.

The simulations run in children forked by a small server process that has imported iadsim and run one small
simulation already: a fresh interpreter needs about 3 s to import iadsim (and more to load the compiled
kernels), which would push most kills into the start-up and the test past a minute. Each child runs exactly
what ``python -c "simulate(load_scenario(...), 60, 1, out, batch_size=10)"`` runs; for a chosen instant, it
first wraps one of the run folder's writes or renames so that the child sends itself SIGKILL there.

After each kill: the earlier run is intact (or the new one is complete), every batch the ``.partial``
manifest lists is readable with the right replications, and running the same command again completes with
metrics, events and summary identical to an uninterrupted run's.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from tests.faults.conftest import CACHES, simulate_to, summary_text

REPLICATIONS, SEED, BATCH = 60, 1, 10
FRACTIONS = np.random.default_rng(20261201).uniform(0.0, 1.15, 24)
"""Kill moments as fractions of an uninterrupted run's duration (beyond 1: the run may have completed)."""

SERVER = f"""
import os, signal, sys, tempfile
from pathlib import Path
from iadsim.analysis import runfolder, simulate
from iadsim.scenario import load_scenario


def die():
    os.kill(os.getpid(), signal.SIGKILL)


def kill_at(point):
    '''Wrap a write or rename of the run folder so that the process kills itself at ``point``.'''
    write, replace = runfolder.write_atomic, os.replace

    def write_then_maybe_die(path, data):
        path = Path(path)
        if point == "before-first-manifest" and path.name == "manifest.json" and not path.exists():
            die()
        write(path, data)
        if (point == "after-metrics-of-batch-2" and path.parts[-2:] == ("metrics", "batch-000002.parquet")
                or point == "after-events-of-batch-2" and path.parts[-2:] == ("events", "batch-000002.parquet")
                or point == "after-summary" and path.name == "summary.json"
                or point == "after-manifest-complete" and path.name == "manifest.json" and b'"complete": true' in data):
            die()

    def replace_then_maybe_die(src, dst):
        replace(src, dst)
        if (point == "between-renames" and str(dst).endswith(".iadsim-old")
                or point == "before-old-deleted" and str(src).endswith(".partial")):
            die()

    runfolder.write_atomic = write_then_maybe_die
    os.replace = replace_then_maybe_die


scenario = sys.argv[1]
with tempfile.TemporaryDirectory() as warm:  # load the compiled kernels and the Parquet writer once
    simulate(load_scenario(scenario), 2, 0, os.path.join(warm, "run"), batch_size=1)
print("ready", flush=True)
while line := sys.stdin.readline().strip():
    point, out = line.split(" ", 1)
    pid = os.fork()
    if pid == 0:
        kill_at(point)
        simulate(load_scenario(scenario), {REPLICATIONS}, {SEED}, out, batch_size={BATCH})
        os._exit(0)
    print(pid, flush=True)
    print(os.waitpid(pid, 0)[1], flush=True)
"""

FORK_SAFE = {"NUMBA_THREADING_LAYER": "workqueue"}
"""GNU OpenMP (numba's default threading layer here) terminates a process forked after it ran; the workqueue
layer does not. The terrain kernels' parallel loops are independent per element, so results do not depend on
the layer: the reruns in this process (default layer) are compared with the forked runs exactly."""


class ForkServer:
    """Forks a child that runs the simulation into a given folder; the test kills it by its process id."""

    def __init__(self, scenario):
        self.proc = subprocess.Popen([sys.executable, "-c", SERVER, str(scenario)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, env={**os.environ, **CACHES, **FORK_SAFE})
        assert self.proc.stdout.readline().strip() == "ready"

    def start(self, out, point: str = "none") -> int:
        self.proc.stdin.write(f"{point} {out}\n")
        self.proc.stdin.flush()
        return int(self.proc.stdout.readline())

    def wait(self) -> int:
        """The child's exit code (-9 when killed)."""
        return os.waitstatus_to_exitcode(int(self.proc.stdout.readline()))

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(30)


@pytest.fixture(scope="module")
def kill_setup(tiny_scenario, tmp_path_factory):
    from iadsim.report.run import load_run

    base = tmp_path_factory.mktemp("kill")
    earlier = base / "earlier"
    simulate_to(tiny_scenario, earlier, 20, 2, BATCH)  # another seed and size: its summary differs
    server = ForkServer(tiny_scenario)
    reference = base / "reference"
    start = time.monotonic()
    server.start(reference)
    assert server.wait() == 0
    duration = time.monotonic() - start
    ref = load_run(reference)
    assert sorted(ref.metrics["replication"]) == list(range(REPLICATIONS))
    assert summary_text(earlier) != summary_text(reference)
    yield SimpleNamespace(server=server, scenario=tiny_scenario, earlier=earlier, earlier_summary=summary_text(earlier),
                          reference=ref, reference_summary=summary_text(reference), duration=duration)
    server.close()


def check_partial(partial) -> int:
    """Every batch the interrupted run's manifest lists is readable and holds exactly its replications."""
    manifest = json.loads((partial / "manifest.json").read_text())
    for batch in manifest["finished_batches"]:
        expected = list(range(batch * BATCH, min((batch + 1) * BATCH, REPLICATIONS)))
        metrics = pq.read_table(partial / "metrics" / f"batch-{batch:06d}.parquet").to_pandas()
        assert sorted(metrics["replication"]) == expected  # none missing, none twice
        events = pq.read_table(partial / "events" / f"batch-{batch:06d}.parquet").to_pandas()
        assert set(events["replication"]) <= set(expected)
    return len(manifest["finished_batches"])


def check_after_kill(k, folder, exitcode: int) -> str:
    """What a kill left is sound and the same command completes it exactly; returns where the kill fell."""
    from iadsim.report.run import load_run

    target, partial, old = folder / "run", folder / "run.partial", folder / ".run.iadsim-old"
    assert exitcode in (0, -9)
    # the earlier run is intact, unless the new one completed (then the new one is whole)
    if target.exists():
        state = summary_text(target)
        assert state in (k.earlier_summary, k.reference_summary)
        moment = "after completion" if state == k.reference_summary else "earlier run in place"
    else:  # killed between moving the earlier run aside and moving the new one in
        assert summary_text(old) == k.earlier_summary
        moment = "between the two renames"
    if exitcode == 0:
        assert summary_text(target) == k.reference_summary and not partial.exists()
    kept = 0
    if partial.exists():
        if not (partial / "manifest.json").exists():
            moment += "; killed while creating .partial"
        else:
            kept = check_partial(partial)
            moment += f"; .partial with {kept} batches finished"

    # the same command again completes, with exactly the uninterrupted run's results
    notes = []
    simulate_to(k.scenario, target, REPLICATIONS, SEED, BATCH, notes=notes.append)
    run = load_run(target)
    assert not partial.exists() and not old.exists()
    pd.testing.assert_frame_equal(run.metrics, k.reference.metrics, check_exact=True)
    pd.testing.assert_frame_equal(run.events, k.reference.events, check_exact=True)
    assert summary_text(target) == k.reference_summary
    if kept:
        assert any(f"{kept} finished batches kept" in n for n in notes), notes
    if moment.startswith("between the two renames"):
        assert any("recovered the previous run" in n for n in notes), notes
    return moment


@pytest.mark.slow
@pytest.mark.parametrize("case", range(len(FRACTIONS)),
                         ids=[f"kill{i:02d}-at-{f:.2f}" for i, f in enumerate(FRACTIONS)])
def test_kill9_simulate_at_seeded_moment(case, kill_setup, tmp_path):
    k = kill_setup
    shutil.copytree(k.earlier, tmp_path / "run")
    pid = k.server.start(tmp_path / "run")
    time.sleep(FRACTIONS[case] * k.duration)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:  # it completed and was reaped already
        pass
    moment = check_after_kill(k, tmp_path, k.server.wait())
    print(f"kill at {FRACTIONS[case] * k.duration:.2f} s: {moment}")


POINTS = [
    "before-first-manifest",
    "after-metrics-of-batch-2", "after-events-of-batch-2", "after-summary", "after-manifest-complete",
    "between-renames", "before-old-deleted",
]


@pytest.mark.slow
@pytest.mark.parametrize("point", POINTS)
def test_kill9_at_protocol_point(point, kill_setup, tmp_path):
    k = kill_setup
    shutil.copytree(k.earlier, tmp_path / "run")
    k.server.start(tmp_path / "run", point)
    exitcode = k.server.wait()
    assert exitcode == -9  # the instant was reached
    moment = check_after_kill(k, tmp_path, exitcode)
    expected = {"after-metrics-of-batch-2": "earlier run in place; .partial with 2 batches finished",
                "after-events-of-batch-2": "earlier run in place; .partial with 2 batches finished",
                "after-summary": "earlier run in place; .partial with 6 batches finished",
                "after-manifest-complete": "earlier run in place; .partial with 6 batches finished",
                "between-renames": "between the two renames; .partial with 6 batches finished",
                "before-old-deleted": "after completion",
                "before-first-manifest": "earlier run in place; killed while creating .partial"}
    assert moment == expected[point]
