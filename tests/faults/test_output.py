"""Output-side problems: a read-only place, an --out that is a file or a foreign folder, a full disk
(``RLIMIT_FSIZE`` in a subprocess with SIGXFSZ ignored, so writes fail with EFBIG) and a device that is
always full. Each command exits 2 with one line naming the path and the reason, and an earlier run or report
at that path stays whole.

The tests run as root, where ``chmod 0o555`` does not stop writes: there the read-only place is a folder
under ``/proc`` (procfs creates no files) - a non-root run uses the chmod'ed folder itself.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
from pathlib import Path

import pytest
from tests.faults.conftest import (
    assert_refused,
    cli,
    cli_subprocess,
    limit_file_size,
    summary_text,
)


def tree_state(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def read_only_folder(tmp_path: Path) -> Path:
    """A folder nothing can be written into, whoever runs the tests."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    if not os.access(folder, os.W_OK):
        return folder
    try:  # root: chmod does not stop writes; prove it, then use procfs instead
        (folder / "probe").write_text("x")
    except OSError:
        return folder
    return Path("/proc/iadsim-faults-no-such-entry")


OUTPUT_PLACES = ["read-only-folder", "file-as-folder-component", "proc"]


def place(kind: str, tmp_path: Path) -> Path:
    if kind == "read-only-folder":
        return read_only_folder(tmp_path)
    if kind == "file-as-folder-component":
        (tmp_path / "a-file").write_text("not a folder\n")
        return tmp_path / "a-file" / "inside"
    return Path("/proc/self/iadsim-faults")


@pytest.mark.parametrize("kind", OUTPUT_PLACES)
def test_simulate_into_unwritable_place(kind, tmp_path, tiny_scenario):
    where = place(kind, tmp_path)
    outcome = cli("simulate", tiny_scenario, "--replications", "2", "--out", where / "run")
    assert_refused(outcome, where)
    assert not (where / "run").exists()


@pytest.mark.parametrize("kind", OUTPUT_PLACES)
def test_report_into_unwritable_place(kind, tmp_path, tiny_run):
    where = place(kind, tmp_path)
    outcome = cli("report", tiny_run, "--out", where / "x.html")
    assert_refused(outcome, where)


@pytest.mark.parametrize("kind", OUTPUT_PLACES)
def test_export_into_unwritable_place(kind, tmp_path, tiny_run):
    where = place(kind, tmp_path)
    outcome = cli("export", tiny_run, "--format", "csv", "--out", where / "export")
    assert_refused(outcome, where)


def test_out_naming_a_file_is_refused_and_kept(tmp_path, tiny_scenario, tiny_run):
    file = tmp_path / "results"
    file.write_text("precious\n")
    for argv in (["simulate", tiny_scenario, "--replications", "2", "--out", file],
                 ["export", tiny_run, "--format", "csv", "--out", file]):
        assert_refused(cli(*argv), file)
        assert file.read_text() == "precious\n"
    assert not (tmp_path / "results.partial").exists()


def test_report_out_naming_a_folder_is_refused(tmp_path, tiny_run):
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "old.html").write_text("<p>old</p>")
    assert_refused(cli("report", tiny_run, "--out", folder), folder)
    assert tree_state(folder) == {"old.html": b"<p>old</p>"}


def test_out_naming_a_foreign_folder_is_refused_untouched(tmp_path, tiny_scenario):
    folder = tmp_path / "thesis"
    (folder / "chapters").mkdir(parents=True)
    (folder / "chapters" / "one.tex").write_text("\\chapter{One}\n")
    (folder / "summary.txt").write_text("not a run\n")
    before = tree_state(folder)
    assert_refused(cli("simulate", tiny_scenario, "--replications", "2", "--out", folder), folder)
    assert tree_state(folder) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis"]  # no .partial, no .old


# -- a full disk: RLIMIT_FSIZE in a subprocess ------------------------------------------------------------------

FSIZE_LIMITS = [1000, 2500, 5000]
"""Bytes per file: below the scenario copy (about 1.2 kB), the audit (about 2 kB) and a metrics batch (about
7 kB) of the tiny run, so the write fails at three different steps."""


@pytest.mark.parametrize("limit", FSIZE_LIMITS)
def test_simulate_on_full_disk_keeps_earlier_run(limit, tmp_path, tiny_scenario, tiny_run):
    target = tmp_path / "run"
    shutil.copytree(tiny_run, target)
    before = tree_state(target)
    outcome = cli_subprocess("simulate", tiny_scenario, "--replications", "30", "--seed", "9", "--out", target,
                             preexec_fn=limit_file_size(limit))
    assert_refused(outcome, target)
    assert "file too large" in outcome.err
    assert tree_state(target) == before and summary_text(target) == summary_text(tiny_run)
    assert not (tmp_path / ".run.iadsim-old").exists()
    # with room again, the same command completes (resuming whatever batches were finished)
    assert cli("simulate", tiny_scenario, "--replications", "30", "--seed", "9", "--out", target).code == 0
    assert not (tmp_path / "run.partial").exists()
    from iadsim.report.run import load_run

    assert sorted(load_run(target).metrics["replication"]) == list(range(30))


@pytest.fixture(scope="module")
def report_on_full_disk(tmp_path_factory, sample_run):
    """A report written over an earlier one with a file size limit of half its size: (outcome, folder, earlier)."""
    folder = tmp_path_factory.mktemp("full-disk-report")
    report = folder / "report.html"
    assert cli("report", sample_run, "--out", report).code == 0
    earlier = report.read_bytes()
    outcome = cli_subprocess("report", sample_run, "--out", report, preexec_fn=limit_file_size(len(earlier) // 2))
    return outcome, report, earlier


def test_report_on_full_disk_keeps_earlier_report(report_on_full_disk):
    outcome, report, earlier = report_on_full_disk
    assert outcome.code == 2, str(outcome)
    assert len(outcome.err.strip().splitlines()) == 1 and "Traceback" not in outcome.err
    assert "file too large" in outcome.err.lower()
    assert report.read_bytes() == earlier
    assert sorted(p.name for p in report.parent.iterdir()) == ["report.html"]  # no temporary file left


def test_report_on_full_disk_names_the_path(report_on_full_disk):
    outcome, report, earlier = report_on_full_disk
    assert_refused(outcome, report)


def full_device(tmp_path: Path) -> Path:
    """A character device like /dev/full (writes fail with ENOSPC), made in tmp_path so that nothing can
    replace the system's /dev/full."""
    path = tmp_path / "full"
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 7))
    except PermissionError:
        if os.geteuid() == 0:
            pytest.skip("cannot create a device node here, and /dev/full itself must not be risked as root")
        return Path("/dev/full")  # not root: the system's /dev/full cannot be replaced
    with pytest.raises(OSError) as info, open(path, "wb") as f:
        f.write(b"x")
        f.flush()
    assert info.value.errno == errno.ENOSPC
    return path


def test_report_to_full_device(tmp_path, tiny_run):
    device = full_device(tmp_path)
    outcome = cli("report", tiny_run, "--out", device)
    still_device = stat.S_ISCHR(os.stat(device).st_mode)
    assert still_device, "the device node was replaced by a regular file"
    assert_refused(outcome, device)
