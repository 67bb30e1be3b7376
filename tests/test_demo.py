"""`iadsim demo` (what `make demo` runs), as a user runs it: a fresh process on the built-in examples."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_demo_writes_its_report_and_says_each_warning_once(tmp_path):
    """The demo audits, simulates and reports both examples and runs the sweep whose base is the as-designed
    example: that example is loaded twice (its run, the sweep's base) and each of the sweep's 13 points is built
    again, but each warning the examples give is printed once."""
    out = tmp_path / "demo"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    done = subprocess.run([sys.executable, "-m", "iadsim.cli", "demo", "--out", str(out), "--replications", "2"],
                          capture_output=True, text=True, timeout=600, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (out / "report.html").is_file() and (out / "sweep-what-matters" / "summary.json").is_file()
    assert [v["name"] for v in json.loads((out / "summary.json").read_text())["variants"]] == [
        "airbase-as-reported", "airbase-as-designed"]
    from iadsim.scenario import load_scenario

    for example in ("airbase-as-reported", "airbase-as-designed"):  # each example's one-line summary, named once
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            summary = load_scenario(ROOT / "examples" / f"{example}.yaml").summary()
        assert summary.startswith(f"{example}: ") and summary in done.stdout.splitlines(), done.stdout
    said = [line for line in done.stderr.splitlines() if line.startswith("iadsim: warning: ")]
    assert len(said) == len(set(said)) == 4, done.stderr  # (each example's two raids cannot hold their heights)
    for example in ("airbase-as-reported", "airbase-as-designed"):
        assert sum(line.startswith(f"iadsim: warning: {ROOT / 'examples' / example}.yaml:") for line in said) == 2
    assert not any("Warning" in line for line in done.stderr.splitlines()), done.stderr  # (none in another form)
