"""The documentation site builds strictly (warnings are errors) from what is in the repository, including
docs/_generated/validation.json (written by `make docs`, not rerun here), and the code in its tutorials and
getting-started page runs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES_WITH_CODE = ["getting-started.md", "tutorials/readiness.md", "tutorials/oversight.md",
                   "tutorials/coverage-gaps.md"]


def test_the_site_builds_strictly(tmp_path):
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    out = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    site = tmp_path / "site"
    validation = (site / "reference" / "validation" / "index.html").read_text()
    entries = json.loads((ROOT / "docs" / "_generated" / "validation.json").read_text())["entries"]
    assert len(entries) >= 15 and all(e["passed"] for e in entries)
    assert all(e["model"].split(" (")[0] in validation for e in entries)
    assert "iadsim.api.load" in (site / "api" / "index.html").read_text()  # the API reference from docstrings
    scenario_format = (site / "reference" / "scenario-format" / "index.html").read_text()
    assert "human-on-the-loop" in scenario_format and "readiness" in scenario_format


def test_the_validation_file_holds_every_validation_test_and_no_other():
    """docs/_generated/validation.json is current: its tests are exactly the tests marked `validation` (run
    `make docs` after adding or renaming one)."""
    entries = json.loads((ROOT / "docs" / "_generated" / "validation.json").read_text())["entries"]
    out = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", "validation", "-p", "no:xdist",
                          "-p", "no:cacheprovider"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    marked = {line.strip() for line in out.stdout.splitlines() if "::" in line}
    assert marked and {e["test"] for e in entries} == marked


@pytest.mark.parametrize("page", PAGES_WITH_CODE)
def test_the_code_in_the_docs_runs(page, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / page).read_text(), flags=re.S)
    assert blocks
    monkeypatch.chdir(ROOT)
    namespace: dict = {"__name__": page}
    for block in blocks:
        exec(compile(block, page, "exec"), namespace)  # noqa: S102 - the repository's own pages
