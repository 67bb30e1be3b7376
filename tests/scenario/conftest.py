"""Fixtures for the scenario tests."""

import os

import pytest

from ._helpers import ROOT, run_cli

# Hypothesis keeps its caches (not only its example database) in a storage folder: keep it in .cache even
# when pytest is run without the Makefile's environment (which sets the same folder).
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(ROOT / ".cache" / "hypothesis"))


@pytest.fixture
def cli(capsys):
    """Call `iadsim ARGV...` through iadsim.cli.main; returns (exit status, stdout, stderr)."""
    return lambda *argv: run_cli(capsys, *argv)
