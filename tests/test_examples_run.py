"""Examples that run (STYLE.md item 11): every scenario in examples/ validates, every example sweep file
loads, and the README's iadsim commands run as written and exit 0."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest

from iadsim.analysis import load_sweep
from iadsim.cli import main

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "examples").glob("*.yaml"))
SWEEPS = sorted((ROOT / "examples" / "sweeps").glob("*.yaml"))


def readme_commands() -> list[list[str]]:
    text = (ROOT / "README.md").read_text()
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip()
            if line.startswith(".venv/bin/iadsim "):
                args = shlex.split(line)[1:]
                if ">" in args:  # a shell redirection: run the command, drop the redirection
                    args = args[: args.index(">")]
                commands.append(args)
    return commands


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_example_scenario_validates(path, capsys):
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out.startswith("ok: ")


@pytest.mark.parametrize("path", SWEEPS, ids=lambda p: p.stem)
def test_every_example_sweep_loads(path):
    sweep = load_sweep(path)
    assert len(sweep.points) >= 2


def test_readme_shows_commands():
    assert len(readme_commands()) >= 5


def test_readme_commands_run_in_order(tmp_path, monkeypatch, capsys):
    """The README's commands, in order, in one folder (later ones read what earlier ones wrote)."""
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    monkeypatch.chdir(tmp_path)
    for args in readme_commands():
        assert main(args) == 0, f"{' '.join(args)}: {capsys.readouterr().err}"
    written = set(os.listdir(tmp_path / "runs"))
    assert {"designed", "report.html", "google-earth", "coverage", "viewshed.tif", "what-matters"} <= written
