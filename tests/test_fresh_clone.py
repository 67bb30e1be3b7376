"""The tests pass on a fresh clone with nothing beside it (issue 11, item 1).

Clones the committed HEAD into an empty temporary folder (so the shared data folder beside the checkout
and every uncommitted or ignored file are absent) and runs the fast tests there with this interpreter,
importing the clone's own ``src``. Only committed files are seen: run it after committing.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _git_checkout_problem() -> str | None:
    """Why the clone test cannot run here, or None."""
    if shutil.which("git") is None:
        return "git is not installed"
    probe = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--show-toplevel"], capture_output=True, text=True,
                           timeout=30)
    if probe.returncode != 0 or Path(probe.stdout.strip()).resolve() != ROOT:
        return f"{ROOT} is not the top of a git checkout"
    return None


@pytest.mark.slow
@pytest.mark.clone
def test_fast_tests_pass_on_a_fresh_clone(tmp_path):
    problem = _git_checkout_problem()
    if problem:
        pytest.skip(f"cannot clone the repository: {problem}")
    clone = tmp_path / "iadsim"
    cloned = subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone)],
                            capture_output=True, text=True, timeout=300)
    assert cloned.returncode == 0, f"git clone failed: {cloned.stderr}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["iadsim"]  # nothing beside the clone

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_CORE_"))}
    caches = tmp_path / "cache"
    env.update(
        PYTHONPATH=str(clone / "src"),
        MPLCONFIGDIR=str(caches / "matplotlib"),
        NUMBA_CACHE_DIR=str(caches / "numba"),
        XDG_CACHE_HOME=str(caches / "xdg"),
        XDG_CONFIG_HOME=str(caches / "xdg-config"),
        HYPOTHESIS_STORAGE_DIRECTORY=str(caches / "hypothesis"),
        DASK_TEMPORARY_DIRECTORY=str(caches / "dask"),
        MPLBACKEND="Agg",
    )
    # the .venv has iadsim installed (editable) from the working tree: the clone's copy must win
    which = subprocess.run([sys.executable, "-c", "import iadsim; print(iadsim.__file__)"], cwd=clone, env=env,
                           capture_output=True, text=True, timeout=120)
    assert which.returncode == 0, which.stderr
    assert Path(which.stdout.strip()).resolve().is_relative_to(clone.resolve()), which.stdout

    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-m", "not slow and not clone", "-q", "-p", "no:cacheprovider", "-n", "2"],
        cwd=clone, env=env, capture_output=True, text=True, timeout=1800,
    )
    output = run.stdout + run.stderr
    tail = output[-6000:]
    lines = [line for line in run.stdout.splitlines() if line.strip()]
    summary = lines[-1] if lines else ""
    assert run.returncode == 0, f"pytest on the fresh clone exited {run.returncode}:\n{tail}"
    assert "passed" in summary, tail
    assert not re.search(r"\b(failed|errors?)\b", summary), tail
    assert not [line for line in output.splitlines() if line.startswith("ERROR ")], tail
