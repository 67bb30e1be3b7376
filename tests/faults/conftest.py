"""Fault tests: small scenarios, run folders made once per test process, and two ways to run the CLI - in
this process under a watchdog (fast) and in a subprocess with resource limits (``RLIMIT_FSIZE``, ``RLIMIT_AS``).

Every check of a failure asks the same of the command: exit 2 (never 1), one line on stderr starting with
``iadsim:`` that names a path, no traceback, and none of ``/etc/passwd`` in anything it printed or wrote.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.scenarios import tiny

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "airbase-as-designed.yaml"
CACHES = {
    "MPLCONFIGDIR": str(ROOT / ".cache" / "matplotlib"),
    "NUMBA_CACHE_DIR": str(ROOT / ".cache" / "numba"),
    "XDG_CACHE_HOME": str(ROOT / ".cache" / "xdg"),
    "MPLBACKEND": "Agg",
}
for _key, _value in CACHES.items():
    os.environ.setdefault(_key, _value)

TINY_SCENARIO = tiny("tiny-faults", step="2 s", ground="0 m")
"""3 minutes at 2 s on flat terrain: a run of 60 replications in batches of 10 takes under a second."""

SAMPLE_SCENARIO = """\
name: sample-faults
seed: 7
duration: 6 min  # (the raid's second helicopter reaches the airbase after about 5.4 min)
step: 3 s
terrain: {source: sample}
defended_assets:
  - {id: airbase, x: 8 km, y: -4 km, radius: 1.5 km}
units:
  - {id: ew-1, type: ew-radar, x: 12 km, y: 4 km, mast_height: 20 m}
  - {id: cp-1, type: command-post, x: 9 km, y: -6 km}
  - {id: sr-1, type: mr-search-radar, x: 6 km, y: 2 km, mast_height: 15 m}
  - {id: telar-1, type: mr-telar, x: 5 km, y: 1 km, mast_height: 6 m}
  - {id: ll-1, type: mr-launcher-loader, x: 5.4 km, y: 0.6 km}
links:
  - {from: ew-1, to: cp-1, carries: tracks, latency: 2 s}
  - {from: sr-1, to: telar-1, carries: cues, latency: 1 s}
  - {from: cp-1, to: telar-1, carries: cues, latency: 2 s}
  - {from: telar-1, to: ll-1, carries: fire-control, latency: 0.2 s}
authority:
  mode: human-on-the-loop
  decision_time: {distribution: fixed, value: 5 s}
threats:
  - id: raid
    type: utility-helicopter
    count: 2
    spacing: 20 s
    target: airbase
    route:
      - {x: -8 km, y: 6 km, altitude: 60 m}
      - {x: 2 km, y: 1 km, altitude: 60 m}
      - {x: 8 km, y: -4 km, altitude: 40 m}
"""
"""On the built-in sample terrain, so its run folder holds terrain/dem.tif; its report takes under a second."""

PASSWD_LINES = [line for line in Path("/etc/passwd").read_text().splitlines() if len(line) >= 12]


class Hung(BaseException):
    """Raised by the watchdog; a BaseException so that no ``except Exception`` in the CLI can swallow it."""


@contextlib.contextmanager
def watchdog(seconds: float):
    """Interrupt the code inside (main thread only) with :class:`Hung` after ``seconds``."""

    def fire(signum, frame):
        raise Hung(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class Outcome:
    code: int
    out: str
    err: str
    seconds: float

    def __str__(self) -> str:
        return f"exit {self.code} after {self.seconds:.1f} s\nstdout: {self.out[-2000:]}\nstderr: {self.err[-2000:]}"


def cli(*argv, timeout: float = 60.0) -> Outcome:
    """``iadsim.cli.main(argv)`` in this process, its output captured, stopped by a watchdog after ``timeout``."""
    from iadsim.cli import main

    out, err = io.StringIO(), io.StringIO()
    start = time.monotonic()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), watchdog(timeout):
        code = main([str(a) for a in argv])
    return Outcome(code, out.getvalue(), err.getvalue(), time.monotonic() - start)


def cli_subprocess(*argv, timeout: float = 120.0, preexec_fn=None, cwd=None, code: str | None = None) -> Outcome:
    """``python -m iadsim.cli ARGV`` (or ``python -c CODE``) in a subprocess; ``preexec_fn`` sets its limits."""
    command = [sys.executable, "-c", code] if code is not None else [sys.executable, "-m", "iadsim.cli"]
    env = {**os.environ, **CACHES, "COLUMNS": "200"}
    env.pop("IADSIM_DEBUG", None)
    start = time.monotonic()
    proc = subprocess.run([*command, *[str(a) for a in argv]], capture_output=True, text=True, timeout=timeout,
                          preexec_fn=preexec_fn, cwd=cwd, env=env)
    return Outcome(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start)


def assert_no_passwd(*texts: str) -> None:
    for text in texts:
        for line in PASSWD_LINES:
            assert line not in text, "a line of /etc/passwd came out"


def assert_no_passwd_in(folder: Path) -> None:
    """No file written under ``folder`` holds a line of /etc/passwd (symbolic links are not followed)."""
    folder = Path(folder)
    if not folder.exists():
        return
    files = [folder] if folder.is_file() else [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
    for path in files:
        assert_no_passwd(path.read_bytes().decode("utf-8", errors="replace"))


def assert_refused(outcome: Outcome, *paths) -> None:
    """Exit 2 with one line ``iadsim: ...`` naming one of ``paths``; no traceback, no /etc/passwd."""
    assert outcome.code == 2, str(outcome)
    lines = outcome.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("iadsim: "), str(outcome)
    assert "Traceback" not in outcome.err + outcome.out and "internal error" not in outcome.err, str(outcome)
    assert any(str(p) in lines[0] for p in paths), f"no path named: {lines[0]}"
    assert_no_passwd(outcome.out, outcome.err)


def limit_file_size(size: int):
    """A ``preexec_fn`` capping every file the child writes at ``size`` bytes; SIGXFSZ ignored, so writes past
    the cap fail with EFBIG (a full disk, without mounting anything)."""

    def apply() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    return apply


def limit_memory(size: int):
    """A ``preexec_fn`` capping the child's address space at ``size`` bytes."""

    def apply() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (size, size))

    return apply


def summary_text(run_dir: Path) -> str:
    """The run's summary as canonical JSON text (NaN-safe equality)."""
    from iadsim.report.run import load_run

    return json.dumps(load_run(run_dir).summary, sort_keys=True)


def simulate_to(scenario: Path, out: Path, replications: int, seed: int, batch_size: int, notes=None):
    from iadsim.analysis import simulate
    from iadsim.scenario import load_scenario

    return simulate(load_scenario(scenario), replications, seed, out, batch_size=batch_size, notes=notes)


@pytest.fixture(scope="session")
def faults_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("faults")


@pytest.fixture(scope="session")
def tiny_scenario(faults_dir) -> Path:
    path = faults_dir / "tiny.yaml"
    path.write_text(TINY_SCENARIO)
    return path


@pytest.fixture(scope="session")
def sample_scenario(faults_dir) -> Path:
    path = faults_dir / "sample.yaml"
    path.write_text(SAMPLE_SCENARIO)
    return path


@pytest.fixture(scope="session")
def tiny_run(faults_dir, tiny_scenario) -> Path:
    """20 replications of the tiny scenario, seed 3, in two batches of 10 (do not modify: copy it)."""
    out = faults_dir / "tiny-run"
    simulate_to(tiny_scenario, out, 20, 3, 10)
    return out


@pytest.fixture(scope="session")
def sample_run(faults_dir, sample_scenario) -> Path:
    """4 replications of the sample-terrain scenario in two batches of 2, with terrain/dem.tif (copy it)."""
    out = faults_dir / "sample-run"
    simulate_to(sample_scenario, out, 4, 5, 2)
    return out
