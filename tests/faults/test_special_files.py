"""A scenario path that is not a small regular file: `iadsim validate` and `iadsim simulate` exit 2 with one
line naming the path, within 5 s (a watchdog interrupts a hang), never reading a FIFO, a device or an
oversized file into memory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.faults.conftest import assert_refused, cli

SPECIAL = ["fifo", "dev-zero", "dev-urandom", "dev-null", "directory", "symlink-loop", "symlink-pair-loop",
           "symlink-to-fifo", "11-MB-file", "missing"]


def make(kind: str, folder: Path) -> Path:
    path = folder / "scenario.yaml"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind in ("dev-zero", "dev-urandom", "dev-null"):
        path = Path("/dev/" + kind.removeprefix("dev-"))
    elif kind == "directory":
        path.mkdir()
        (path / "a.yaml").write_text("name: x\n")
    elif kind == "symlink-loop":
        path.symlink_to(path.name)
    elif kind == "symlink-pair-loop":
        path.symlink_to("other.yaml")
        (folder / "other.yaml").symlink_to(path.name)
    elif kind == "symlink-to-fifo":
        os.mkfifo(folder / "pipe")
        path.symlink_to("pipe")
    elif kind == "11-MB-file":
        with open(path, "w") as f:  # valid-looking YAML: a comment line repeated past the 10 MB cap
            f.write("name: big\n")
            line = "# " + "x" * 98 + "\n"
            f.write(line * (11 * 1024 * 1024 // len(line)))
    elif kind == "missing":
        pass
    else:
        raise AssertionError(kind)
    return path


@pytest.fixture(scope="module", autouse=True)
def imported():
    """Import what the commands import, so that the 5 s bound measures the command, not the first import."""
    import iadsim.analysis  # noqa: F401
    import iadsim.scenario  # noqa: F401


@pytest.mark.parametrize("command", ["validate", "simulate"])
@pytest.mark.parametrize("kind", SPECIAL)
def test_special_scenario_path_is_refused_quickly(kind, command, tmp_path):
    path = make(kind, tmp_path)
    argv = [command, path] + (["--replications", "2", "--out", tmp_path / "run"] if command == "simulate" else [])
    outcome = cli(*argv, timeout=5.0)
    assert outcome.seconds < 5.0
    assert_refused(outcome, path)
    assert not (tmp_path / "run").exists() and not (tmp_path / "run.partial").exists()
