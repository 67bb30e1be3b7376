"""Tampered run folders: `iadsim report` and `iadsim export --format csv` on a real run folder (sample terrain,
two batches) after one corruption each - truncated, flipped, deleted or replaced files, symbolic links to
/etc/passwd, to themselves or to devices, JSON values of the wrong type, other format versions, paths that
leave the folder. Each command exits 0 (the corruption is harmless to it) or 2 with one line naming a path;
never 1, never a traceback, within a time bound, and nothing of /etc/passwd in what it prints or writes.

Cases: the explicit list below (one test each, named by file and corruption) and a hypothesis search of
random corruptions of the same kinds.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.faults.conftest import Outcome, assert_no_passwd, assert_no_passwd_in, assert_refused, cli

FILES = ["manifest.json", "summary.json", "audit.json", "metrics/batch-000000.parquet", "events/batch-000001.parquet",
         "scenario/scenario.yaml", "terrain/dem.tif", "entities.json", "trajectories.parquet", "coverage.json",
         "coverage.npz", "series/batch-000000.parquet", "states/batch-000000.parquet"]
JSON_FILES = ["manifest.json", "summary.json", "audit.json"]
TIME_LIMIT = 60.0
"""Seconds each command may take (a report of this run takes about 2 s)."""


# -- corruptions -------------------------------------------------------------------------------------------------

def truncate(path: Path, fraction: float) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])


def flip(path: Path, flips) -> None:
    data = bytearray(path.read_bytes())
    for where, mask in flips:
        if data:
            data[min(int(where * len(data)), len(data) - 1)] ^= mask
    path.write_bytes(bytes(data))


def replace_by(path: Path, what: str) -> None:
    """Put a symbolic link, a FIFO or a folder where the file was."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()
    if what == "passwd":
        path.symlink_to("/etc/passwd")
    elif what == "self":
        path.symlink_to(path.name)
    elif what == "loop-pair":
        path.symlink_to(path.name + ".b")
        path.with_name(path.name + ".b").symlink_to(path.name)
    elif what == "dangling":
        path.symlink_to(path.name + ".gone")
    elif what == "dev-zero":
        path.symlink_to("/dev/zero")
    elif what == "fifo":
        os.mkfifo(path)
    elif what == "folder":
        path.mkdir()
        (path / "inner").write_text("x")
    else:
        raise AssertionError(what)


def edit_json(path: Path, edit) -> None:
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data, allow_nan=True))


def setter(*keys_and_value):
    """An edit that sets ``data[k1][k2]... = value`` (the last argument)."""
    *keys, value = keys_and_value

    def edit(data):
        for key in keys[:-1]:
            data = data[key]
        data[keys[-1]] = value

    return edit


def deleter(*keys):
    def edit(data):
        for key in keys[:-1]:
            data = data[key]
        del data[keys[-1]]

    return edit


OPERATIONS = {
    "truncate-0": lambda p: truncate(p, 0.0),
    "truncate-half": lambda p: truncate(p, 0.5),
    "truncate-last-2-bytes": lambda p: p.write_bytes(p.read_bytes()[:-2]),
    "flip-first-byte": lambda p: flip(p, [(0.0, 0xFF)]),
    "flip-middle-byte": lambda p: flip(p, [(0.5, 0x01)]),
    "flip-last-byte": lambda p: flip(p, [(1.0, 0x80)]),
    "delete": lambda p: p.unlink(),
    **{f"link-{w}": (lambda kind: lambda p: replace_by(p, kind))(w)
       for w in ("passwd", "self", "loop-pair", "dangling", "dev-zero")},
    "fifo": lambda p: replace_by(p, "fifo"),
    "folder": lambda p: replace_by(p, "folder"),
}

FILE_CASES = [(f, op) for f in FILES for op in OPERATIONS]

JSON_CASES = {
    # manifest.json: other format versions and kinds, wrong types, paths leaving the folder, inconsistent batches
    "manifest-format_version-1": ("manifest.json", setter("format_version", 1), True),
    "manifest-format_version-2": ("manifest.json", setter("format_version", 2), True),
    "manifest-format_version-3": ("manifest.json", setter("format_version", 3), True),
    "manifest-format_version-5": ("manifest.json", setter("format_version", 5), True),
    "manifest-format_version-text-4": ("manifest.json", setter("format_version", "4"), True),
    "manifest-format_version-true": ("manifest.json", setter("format_version", True), True),
    "manifest-format_version-4.0": ("manifest.json", setter("format_version", 4.0), True),
    "manifest-format_version-huge": ("manifest.json", setter("format_version", 10**30), True),
    "manifest-format_version-missing": ("manifest.json", deleter("format_version"), True),
    "manifest-format-other": ("manifest.json", setter("format", "something-else"), True),
    "manifest-is-a-list": ("manifest.json", None, True),
    "manifest-scenario-etc-passwd": ("manifest.json", setter("scenario", "/etc/passwd"), False),
    "manifest-scenario-dotdot": ("manifest.json", setter("scenario", "../../../../../../etc/passwd"), False),
    "manifest-scenario-number": ("manifest.json", setter("scenario", 5), True),
    "manifest-catalog-etc-passwd": ("manifest.json", setter("catalogs", {"x.yaml": {"file": "/etc/passwd"}}), False),
    "manifest-catalog-not-mapping": ("manifest.json", setter("catalogs", ["x"]), True),
    "manifest-terrain-etc-passwd": ("manifest.json", setter("terrain", "file", "/etc/passwd"), False),
    "manifest-terrain-dotdot": ("manifest.json", setter("terrain", "file", "terrain/../../../../etc/passwd"), False),
    "manifest-terrain-kind-other": ("manifest.json", setter("terrain", "kind", "vrt"), True),
    "manifest-terrain-null": ("manifest.json", setter("terrain", None), True),
    "manifest-batches-missing-file": ("manifest.json", setter("finished_batches", [0, 1, 7]), True),
    "manifest-batches-negative": ("manifest.json", setter("finished_batches", [-1]), True),
    "manifest-batches-text": ("manifest.json", setter("finished_batches", ["0", "1"]), True),
    "manifest-batches-huge": ("manifest.json", setter("finished_batches", [10**12]), True),
    "manifest-batches-not-list": ("manifest.json", setter("finished_batches", {"0": 1}), True),
    "manifest-batches-duplicate": ("manifest.json", setter("finished_batches", [0, 0, 1]), False),
    "manifest-complete-false": ("manifest.json", setter("complete", False), True),
    "manifest-complete-text": ("manifest.json", setter("complete", "yes"), True),
    "manifest-origin-text": ("manifest.json", setter("origin_xy", ["a", 1]), True),
    "manifest-origin-nan": ("manifest.json", setter("origin_xy", [float("nan"), 0.0]), True),
    "manifest-origin-inf": ("manifest.json", setter("origin_xy", [0.0, float("inf")]), True),
    "manifest-seed-negative": ("manifest.json", setter("seed", -1), True),
    "manifest-replications-zero": ("manifest.json", setter("replications", 0), True),
    "manifest-sha-other": ("manifest.json", setter("scenario_sha256", "0" * 64), False),
    # summary.json and audit.json: wrong types
    "summary-is-a-list": ("summary.json", None, True),
    "summary-name-number": ("summary.json", setter("name", 5), True),
    "summary-replications-text": ("summary.json", setter("replications", "4"), True),
    "summary-metrics-list": ("summary.json", setter("metrics", [1, 2]), True),
    "summary-metric-mean-text": ("summary.json", setter("metrics", "kills", "mean", "many"), True),
    "summary-metric-ci-short": ("summary.json", setter("metrics", "kills", "ci95", [1]), True),
    "summary-metric-without-mean": ("summary.json", deleter("metrics", "kills", "mean"), True),
    "summary-metric-without-ci95": ("summary.json", deleter("metrics", "kills", "ci95"), True),
    "summary-metric-ci-nan": ("summary.json", setter("metrics", "kills", "ci95", [float("nan"), float("inf")]), False),
    "audit-is-a-list": ("audit.json", None, True),
    "audit-fire_units-mapping": ("audit.json", setter("fire_units", {"a": 1}), True),
    "audit-fire_unit-number": ("audit.json", setter("fire_units", [1]), True),
    "audit-readiness-text": ("audit.json", setter("fire_units", 0, "readiness", "high"), True),
}
"""name -> (file, edit (None: replace the whole document by a list), must the commands refuse it?). Where the
last entry is False, exit 0 is acceptable (the commands may ignore or tolerate the change)."""


# -- running the commands ------------------------------------------------------------------------------------------

def fresh_copy(source: Path, factory) -> Path:
    run = factory.mktemp("tampered") / "run"
    shutil.copytree(source, run, symlinks=True)
    return run


def check_commands(run: Path, must_refuse: bool = False) -> list[int]:
    """report and export csv on the run: exit 0 or a clean refusal (2), in time, leaking nothing."""
    codes = []
    html = run.parent / "x.html"
    export_dir = run.parent / "export"
    for argv, written in ((["report", run, "--out", html], html), (["export", run, "--format", "csv", "--out",
                                                                     export_dir], export_dir)):
        outcome: Outcome = cli(*argv, timeout=TIME_LIMIT)
        assert outcome.seconds < TIME_LIMIT
        assert outcome.code in (0, 2), str(outcome)
        assert_no_passwd(outcome.out, outcome.err)
        if outcome.code == 2:
            assert_refused(outcome, run, written)
        else:
            assert not must_refuse, f"{argv[0]} accepted a tampered run folder: {outcome}"
            assert "Traceback" not in outcome.err and written.exists()
        assert_no_passwd_in(written)
        codes.append(outcome.code)
    return codes


def test_untampered_run_folder_is_accepted(sample_run, tmp_path_factory):
    """The control: the same commands on the run folder as written succeed."""
    assert check_commands(fresh_copy(sample_run, tmp_path_factory)) == [0, 0]


MUST_REFUSE_OPS = {"truncate-0", "truncate-half", "truncate-last-2-bytes", "delete", "link-passwd", "link-self",
                   "link-loop-pair", "link-dangling", "link-dev-zero", "fifo", "folder"}
TOLERANT_FILES = {"scenario/scenario.yaml", "terrain/dem.tif", "entities.json", "trajectories.parquet",
                  "coverage.json", "coverage.npz", "series/batch-000000.parquet", "states/batch-000000.parquet"}
"""The report can draw its page without the scenario, terrain, entities, trajectories, coverage, series or states (its
map section then says why); export csv reads only some of them: for these files a corruption may be
accepted by one command and refused by the other."""


@pytest.mark.parametrize("name,op", FILE_CASES, ids=[f"{f}-{op}" for f, op in FILE_CASES])
def test_tampered_file(name, op, sample_run, tmp_path_factory):
    run = fresh_copy(sample_run, tmp_path_factory)
    OPERATIONS[op](run / name)
    must_refuse = op in MUST_REFUSE_OPS and name not in TOLERANT_FILES
    check_commands(run, must_refuse)


@pytest.mark.parametrize("case", list(JSON_CASES))
def test_tampered_json(case, sample_run, tmp_path_factory):
    name, edit, must_refuse = JSON_CASES[case]
    run = fresh_copy(sample_run, tmp_path_factory)
    if edit is None:
        (run / name).write_text("[1, 2, 3]")
    else:
        edit_json(run / name, edit)
    check_commands(run, must_refuse)


REPORT_BUGS = {
    "summary-detected_fraction-text": ("summary.json", setter("detected_fraction", "x")),
    "summary-detected_fraction-list": ("summary.json", setter("detected_fraction", [])),
    "audit-guided_by-null": ("audit.json", setter("fire_units", 0, "guided_by", None)),
    "audit-guided_by-number": ("audit.json", setter("fire_units", 0, "guided_by", 1.5)),
}


@pytest.mark.parametrize("case", list(REPORT_BUGS))
def test_report_checks_summary_and_audit(case, sample_run, tmp_path_factory):
    name, edit = REPORT_BUGS[case]
    run = fresh_copy(sample_run, tmp_path_factory)
    edit_json(run / name, edit)
    check_commands(run)


def swap_metrics_batches(run: Path) -> None:
    a, b = run / "metrics" / "batch-000000.parquet", run / "metrics" / "batch-000001.parquet"
    data = a.read_bytes()
    a.write_bytes(b.read_bytes())
    b.write_bytes(data)


BATCH_CASES = {
    "manifest-lists-one-of-two-batches": lambda run: edit_json(run / "manifest.json", setter("finished_batches", [0])),
    "manifest-lists-no-batch": lambda run: edit_json(run / "manifest.json", setter("finished_batches", [])),
    "batch-copied-over-another": lambda run: shutil.copyfile(run / "metrics" / "batch-000000.parquet",
                                                             run / "metrics" / "batch-000001.parquet"),
    "batches-swapped": swap_metrics_batches,
    # (a quadrillion replications: a MemoryError listing the batches, exit 1, before)
    "manifest-claims-a-quadrillion-replications": lambda run: edit_json(run / "manifest.json",
                                                                        setter("replications", 10**15)),
    "metrics-batch-with-its-rows-thrice": lambda run: rewrite_metrics(run, lambda m: pd.concat([m, m, m])),
    # (a column of words: "internal error: could not convert string to float", exit 1, before)
    "metrics-column-of-words": lambda run: rewrite_metrics(run, lambda m: m.assign(leakers="lots")),
}


def rewrite_metrics(run: Path, change) -> None:
    file = run / "metrics" / "batch-000000.parquet"
    change(pd.read_parquet(file)).to_parquet(file)


@pytest.mark.parametrize("case", list(BATCH_CASES))
def test_inconsistent_batches_are_refused(case, sample_run, tmp_path_factory):
    run = fresh_copy(sample_run, tmp_path_factory)
    BATCH_CASES[case](run)
    check_commands(run, must_refuse=True)


# -- random corruptions ---------------------------------------------------------------------------------------

JSON_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12), st.sampled_from(["/etc/passwd", "../../../etc/passwd", "terrain/dem.tif"]),
    st.lists(st.integers(-3, 3), max_size=4), st.dictionaries(st.text(max_size=4), st.integers(), max_size=2))

CORRUPTIONS = st.one_of(
    st.tuples(st.just("truncate"), st.sampled_from(FILES), st.floats(0.0, 1.0)),
    st.tuples(st.just("flip"), st.sampled_from(FILES),
              st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(1, 255)), min_size=1, max_size=6)),
    st.tuples(st.just("replace"), st.sampled_from(FILES + ["metrics", "events", "scenario", "terrain"]),
              st.sampled_from(["passwd", "self", "loop-pair", "dangling", "dev-zero", "fifo", "folder"])),
    st.tuples(st.just("json"), st.sampled_from(JSON_FILES), st.integers(0, 10**6), JSON_VALUES, st.booleans()),
)


def json_paths(data, prefix=()):
    """Every key path in a JSON document."""
    if isinstance(data, dict):
        items = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    else:
        return []
    out = []
    for key, value in items:
        out.append((*prefix, key))
        out += json_paths(value, (*prefix, key))
    return out


def apply(run: Path, corruption) -> None:
    kind, name, *args = corruption
    path = run / name
    if kind == "truncate":
        truncate(path, args[0])
    elif kind == "flip":
        flip(path, args[0])
    elif kind == "replace":
        replace_by(path, args[0])
    else:
        index, value, delete = args
        paths = json_paths(json.loads(path.read_text()))
        keys = paths[index % len(paths)]
        edit_json(path, deleter(*keys) if delete and isinstance(keys[-1], str) else setter(*keys, value))


@settings(max_examples=50, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(corruption=CORRUPTIONS)
def test_random_corruption(corruption, sample_run, tmp_path_factory):
    run = fresh_copy(sample_run, tmp_path_factory)
    apply(run, corruption)
    check_commands(run)
    shutil.rmtree(run.parent)


def _rewrite_events(run: Path, change) -> None:
    import pandas as pd

    file = run / "events" / "batch-000001.parquet"
    frame = pd.read_parquet(file)
    change(frame).to_parquet(file)


EVENT_CASES = {
    "kind-unknown": lambda f: f.assign(kind=f["kind"].astype(str).where(f.index != 0, "explode")),
    "unit-text": lambda f: f.assign(unit=f["unit"].astype(str)),
    "reason-missing": lambda f: f.drop(columns=["reason"]),
    "time-text": lambda f: f.assign(time="soon"),
    # a replay samples each flight at the step: a flight of 1e8 s took 4 GB before a MemoryError, 1e308 crashed
    "time-huge": lambda f: f.assign(time=f["time"].where(f.index != 0, 1e308)),
    "time-negative": lambda f: f.assign(time=f["time"].where(f.index != 0, -5.0)),
    "time-of-flight-huge": lambda f: f.assign(time_of_flight=f["time_of_flight"].where(f["kind"] != "launch", 1e8)),
}


@pytest.mark.parametrize("case", list(EVENT_CASES))
def test_tampered_typed_events_are_refused(case, sample_run, tmp_path_factory):
    run = fresh_copy(sample_run, tmp_path_factory)
    _rewrite_events(run, EVENT_CASES[case])
    check_commands(run, must_refuse=True)


@pytest.mark.parametrize("field,value", [("sensor_ids", ["a"] * 500), ("bands", [30.0] * 40), ("able", "yes")])
def test_coverage_description_that_does_not_match_its_rasters(field, value, sample_run, tmp_path_factory):
    """coverage.json describes arrays the archive does not hold: the map is skipped with a note naming the
    file, the rest of the report is written, and nothing is allocated from the lie."""
    run = fresh_copy(sample_run, tmp_path_factory)
    edit_json(run / "coverage.json", setter(field, value))
    assert check_commands(run) == [0, 0]
    page = (run.parent / "x.html").read_text()
    assert "coverage" in page and "of the run folder is unreadable or was changed after the run" in page


def _rewrite_parquet(file: Path, change) -> None:
    import pandas as pd

    change(pd.read_parquet(file)).to_parquet(file)


ARTIFACT_CASES = {
    # event indices that would wrap, truncate or point past the entities: refused, never silently renamed
    "event-unit-wraps": ("events/batch-000001.parquet", lambda f: f.assign(unit=f["unit"].astype("int64") + 2**32)),
    "event-unit-nan": ("events/batch-000001.parquet", lambda f: f.assign(unit=float("nan"))),
    "event-unit-past-entities": ("events/batch-000001.parquet", lambda f: f.assign(unit=999)),
    "event-target-fraction": ("events/batch-000001.parquet", lambda f: f.assign(target=0.5)),
    "event-missiles-negative": ("events/batch-000001.parquet", lambda f: f.assign(missiles=-3)),
    "event-replication-other": ("events/batch-000001.parquet", lambda f: f.assign(replication=10**6)),
    "entities-duration-huge": ("entities.json", setter("duration", 1e300)),
    "entities-duration-true": ("entities.json", setter("duration", True)),
    "entities-unit-x-nan": ("entities.json", setter("units", 0, "x", float("nan"))),
}


@pytest.mark.parametrize("case", list(ARTIFACT_CASES))
def test_tampered_indices_and_entities_are_refused(case, sample_run, tmp_path_factory):
    name, edit = ARTIFACT_CASES[case]
    run = fresh_copy(sample_run, tmp_path_factory)
    if name.endswith(".json"):
        edit_json(run / name, edit)
    else:
        _rewrite_parquet(run / name, edit)
    check_commands(run, must_refuse=True)


DRAWN_CASES = {
    # what only the map, replay and time series read: the page is written with a note, exports refuse
    "series-text": ("series/batch-000000.parquet", lambda f: f.assign(kills="lots")),
    "series-replications-scaled": ("series/batch-000000.parquet", lambda f: f.assign(replications=1)),
    "series-nan": ("series/batch-000000.parquet", lambda f: f.assign(kills=float("nan"))),
    "trajectories-time-text": ("trajectories.parquet", lambda f: f.assign(time="secret")),
    "trajectories-active-text": ("trajectories.parquet", lambda f: f.assign(active="no")),
    "trajectories-rows-shuffled": ("trajectories.parquet", lambda f: f.iloc[::-1].reset_index(drop=True)),
    "trajectories-position-inf": ("trajectories.parquet", lambda f: f.assign(x=float("inf"))),
}


@pytest.mark.parametrize("case", list(DRAWN_CASES))
def test_tampered_drawn_data_is_never_drawn(case, sample_run, tmp_path_factory):
    name, edit = DRAWN_CASES[case]
    run = fresh_copy(sample_run, tmp_path_factory)
    _rewrite_parquet(run / name, edit)
    assert check_commands(run)[0] == 0  # the report is written, without what it cannot trust
    page = (run.parent / "x.html").read_text()
    assert "of the run folder is unreadable or was changed after the run" in page or "recorded no time series" in page
    for fmt in ("kml", "czml"):
        outcome = cli("export", run, "--format", fmt, "--out", run.parent / fmt, timeout=TIME_LIMIT)
        assert outcome.code in (0, 2) and "Traceback" not in outcome.err, str(outcome)
        if name.startswith("trajectories"):
            assert_refused(outcome, run)


STATES_CASES = {
    "status-unknown": lambda f: f.assign(status="hacked"),
    "unit-wraps": lambda f: f.assign(unit=f["unit"].astype("int64") + 2**32),
    "time-nan": lambda f: f.assign(time=float("nan")),
    "past-entities": lambda f: f.assign(unit=999, target=999),
}


@pytest.mark.parametrize("case", list(STATES_CASES))
def test_tampered_states_are_never_drawn(case, sample_run, tmp_path_factory):
    """Every batch's states changed: the replay is drawn without them (and says why) or ignores what names no
    entity; export csv does not read them."""
    run = fresh_copy(sample_run, tmp_path_factory)
    for file in sorted((run / "states").glob("batch-*.parquet")):
        _rewrite_parquet(file, STATES_CASES[case])
    assert check_commands(run) == [0, 0]
    page = (run.parent / "x.html").read_text()
    if case != "past-entities":
        assert "Track and unit states are not drawn: batch-" in page
        # and the command says so on stderr, for a script that reads only that (exit 0: the page was written)
        outcome = cli("report", run, "--out", run.parent / "y.html", timeout=TIME_LIMIT)
        assert outcome.code == 0
        assert (f"iadsim: warning: {run}: the replay's track and unit states left out of the report: batch-"
                in outcome.err), str(outcome)


def test_a_coverage_archive_with_a_bad_header_is_refused_cleanly(sample_run, tmp_path_factory):
    import io
    import zipfile

    run = fresh_copy(sample_run, tmp_path_factory)
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w") as archive:
        for name in ("detection", "engagement", "masking"):
            archive.writestr(f"{name}.npy", b"\x93NUMPY\x01\x00\x20\x00{'descr': '<f4', 'shape': (1,2" + b" " * 20)
    (run / "coverage.npz").write_bytes(sink.getvalue())
    assert check_commands(run) == [0, 0]
    for fmt in ("geojson", "geotiff"):
        assert_refused(cli("export", run, "--format", fmt, "--out", run.parent / fmt, timeout=TIME_LIMIT), run)
