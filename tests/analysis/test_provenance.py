"""The code fingerprint a run or sweep is resumed by: what computes results changes it, nothing else does."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from iadsim.analysis.provenance import code_sha256, package_sha256

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "iadsim"


def test_the_fingerprint_follows_the_code_that_computes_results_and_nothing_else(tmp_path):
    root = tmp_path / "iadsim"
    shutil.copytree(PACKAGE, root, ignore=shutil.ignore_patterns("__pycache__"))
    first = package_sha256(root)
    assert first == code_sha256()  # (a copy of the same files: the same fingerprint)
    # an editor's lock link (dangling: it crashed every run) and backup, compiled files, a folder named like a
    # module: not code
    os.symlink("user@host.1234:1700000000", root / "engine" / ".#phases.py")
    (root / "engine" / ".phases.py.swp").write_bytes(b"\0" * 100)
    (root / "engine" / "__pycache__").mkdir()
    (root / "engine" / "__pycache__" / "phases.cpython-312.pyc").write_bytes(b"\0")
    (root / "notes.md").write_text("mine")
    assert package_sha256(root) == first
    # the report and the command line present results: their changes keep runs resumable
    (root / "report" / "html.py").write_text((root / "report" / "html.py").read_text() + "\n# edited\n")
    (root / "cli.py").write_text((root / "cli.py").read_text() + "\n# edited\n")
    assert package_sha256(root) == first
    # a changed rule, a changed catalog value, a new module: other code
    for edit in (root / "engine" / "phases.py", root / "scenario" / "catalog" / "air_defence.yaml"):
        before = edit.read_bytes()
        edit.write_bytes(before + b"\n# edited\n")
        assert package_sha256(root) != first
        edit.write_bytes(before)
    assert package_sha256(root) == first
    (root / "engine" / "extra.py").write_text("X = 1\n")
    assert package_sha256(root) != first
