"""CLI polish (issue 11): catalog values, units on options, narrow terminals, progress bars, contracts."""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path

import pytest
from tests.scenario._helpers import errors_only

from iadsim.cli import main
from iadsim.scenario import builtin_catalog

ROOT = Path(__file__).resolve().parents[1]
DESIGNED = ROOT / "examples" / "airbase-as-designed.yaml"


def run(capsys, *argv):
    capsys.readouterr()
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_catalog_prints_values_with_units_source_and_grade(capsys):
    status, out, err = run(capsys, "catalog", "--type", "lr-engagement-radar")
    assert status == 0, err
    entry = builtin_catalog().types["lr-engagement-radar"]
    # independent conversions of the SI values the catalog holds
    assert f"{entry.frequency.value / 1e9:g} GHz" in out
    assert f"{entry.peak_power.value / 1e3:g} kW" in out
    assert f"{entry.instrumented_range.value / 1e3:g} km" in out
    assert f"{entry.gain.value:g} dB" in out
    for field in ("frequency", "peak_power", "instrumented_range"):
        value = getattr(entry, field)
        line = next(line for line in out.splitlines() if f" {field} " in line)
        assert value.source in line and value.grade in line
    assert "Sources" in out and "ew-radar" not in out  # one type only


def test_catalog_prints_a_cost_in_dollars(capsys):
    status, out, err = run(capsys, "catalog", "--type", "attack-helicopter")
    cost = builtin_catalog().types["attack-helicopter"].unit_cost.value
    assert status == 0 and f"{cost:,.0f} USD" in out, out


def test_catalog_unknown_type_is_exit_2(capsys):
    status, out, err = run(capsys, "catalog", "--type", "s-400")
    assert status == 2 and err.startswith("iadsim: --type: unknown type 's-400'")


def test_catalog_json_unchanged(capsys):
    status, out, _ = run(capsys, "catalog", "--json")
    data = json.loads(out)
    assert set(data) == {"sources", "types"} and "ew-radar" in data["types"]


@pytest.mark.parametrize(("bands", "expected"), [
    ("30m,100 m,1km", (30.0, 100.0, 1000.0)), ("30,100", (30.0, 100.0)), ("100 ft", (30.48,)),
])
def test_bands_accept_units(bands, expected):
    from iadsim.cli import parse_lengths

    assert parse_lengths(bands, "--bands") == pytest.approx(expected)


@pytest.mark.parametrize("bands", ["30 s", "x", "-5 m", "nan", ",", "1e9 m"])
def test_bad_bands_are_exit_2(capsys, tmp_path, bands):
    status, out, err = run(capsys, "coverage", str(DESIGNED), "--out", str(tmp_path / "c"), "--bands", bands)
    assert status == 2 and err.startswith("iadsim: --bands: ") and "Traceback" not in err
    assert not (tmp_path / "c").exists()


def test_tables_fold_in_an_80_column_terminal(capsys, monkeypatch):
    from rich.console import Console

    import iadsim.cli as cli

    buffer = io.StringIO()
    monkeypatch.setattr(cli, "out", Console(file=buffer, width=80, highlight=False, soft_wrap=True))
    assert main(["audit", str(ROOT / "examples" / "airbase-as-reported.yaml")]) == 0
    text = buffer.getvalue()
    assert max(len(line) for line in text.splitlines()) <= 80
    # nothing is cut: every reason code and unit shows in full
    for word in ("no-fire-control-link", "emissions-off", "mr2-telar", "poor-maintenance"):
        assert word in text


def test_progress_is_silent_off_a_terminal_and_shown_on_one(monkeypatch):
    from rich.console import Console

    import iadsim.cli as cli

    silent = io.StringIO()
    monkeypatch.setattr(cli, "err", Console(file=silent, width=80))
    with cli.progress_bar("simulating", delay=0.0) as update:
        assert update is None  # not a terminal
    shown = io.StringIO()
    monkeypatch.setattr(cli, "err", Console(file=shown, width=80, force_terminal=True))
    with cli.progress_bar("simulating", enabled=False) as update:
        assert update is None  # --json
    with cli.progress_bar("simulating", delay=0.0) as update:
        update(50, 100)
        update(100, 100)
    assert "simulating" in shown.getvalue() and "ETA" in shown.getvalue()
    quick = io.StringIO()
    monkeypatch.setattr(cli, "err", Console(file=quick, width=80, force_terminal=True))
    with cli.progress_bar("simulating", delay=60.0) as update:
        update(100, 100)  # finished before the delay: no bar at all
    assert "simulating" not in quick.getvalue()


def test_simulate_json_keeps_the_contract_and_adds_raid_annihilation(capsys):
    status, out, err = run(capsys, "simulate", str(DESIGNED), "--replications", "20", "--json")
    assert status == 0, err
    summary = json.loads(out)
    for metric in ("kills", "leakers", "engagements", "missiles_expended", "wrongful_engagements", "vetoes",
                   "time_to_first_detection", "time_to_first_engagement"):
        assert f"{metric}_mean" in summary
        stat = summary["metrics"][metric]
        assert {"mean", "ci95", "n"} <= set(stat)
    assert 0 <= summary["p_raid_annihilation"] <= 1
    stat = summary["metrics"]["p_raid_annihilation"]
    assert stat["method"] == "wilson" and 0 <= stat["ci95"][0] <= stat["mean"] <= stat["ci95"][1] <= 1
    for name, stat in summary["metrics"].items():
        if stat["mean"] is not None:
            assert stat["ci95"][0] >= 0, name  # every metric here is non-negative
    assert errors_only(err) == ""  # no progress bar off a terminal


def test_runs_that_cannot_fit_are_refused_before_they_start(capsys):
    import time

    start = time.monotonic()
    status, out, err = run(capsys, "simulate", str(DESIGNED), "--replications", "10000000", "--json")
    assert status == 2 and errors_only(err).startswith("iadsim: --replications: ") and out == ""
    status, out, err = run(capsys, "simulate", str(DESIGNED), "--replications", "10", "--max-memory", "2MB")
    assert status == 2 and "step" in err and "more than the 2 MB available" in err
    status, out, err = run(capsys, "simulate", str(DESIGNED), "--max-memory", "lots")
    assert status == 2 and errors_only(err).startswith("iadsim: --max-memory: ")
    assert time.monotonic() - start < 20


def test_report_sweep_table_that_is_not_a_table_is_exit_2(capsys, tmp_path):
    (tmp_path / "sweep").mkdir()
    (tmp_path / "sweep" / "results.parquet").write_bytes(b"PAR1 not really parquet \x00\x01 secret-words")
    from iadsim.report.sweep import load_sweep_table
    from iadsim.scenario import InputError

    with pytest.raises(InputError, match="cannot be read as a table") as info:
        load_sweep_table(tmp_path / "sweep")
    assert "secret-words" not in str(info.value)


def test_user_text_is_never_read_as_markup(capsys, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text('name: "[/x] bad [bold]"\nduration: 1 min\nterrain: {flat: 0 m}\nunits: []\n')
    status, out, err = run(capsys, "validate", str(path))
    assert status == 0 and out.startswith("ok: [/x] bad [bold]: "), err


def test_no_escape_sequence_reaches_the_terminal(capsys, tmp_path):
    """A name with an escape sequence is refused; a message quoting one (an invalid id) writes it out as text."""
    path = tmp_path / "s.yaml"
    path.write_text('name: "a\\x1b[31mRED"\nduration: 1 min\nterrain: {flat: 0 m}\n'
                    'units:\n  - {id: "ew\\x1b]0;pwned\\x07", type: ew-radar, x: 0 km, y: 0 km}\n')
    status, out, err = run(capsys, "validate", str(path))
    assert status == 2 and "\x1b" not in out + err and "\x07" not in out + err
    assert f"{path}:1: name: contains a control character" in err
    assert "units[0].id: 'ew\\x1b]0;pwned\\x07' is not a valid id" in err
    from iadsim.cli import _printable  # (also the sweep's header and table, query's answer, an internal error)

    assert _printable("sweep\x1b[31m\x9b\tx\ny") == "sweep\\x1b[31m\\x9b\tx\ny"


def test_a_closed_pipe_ends_quietly():
    import subprocess
    import sys

    script = "import sys; from iadsim.cli import main; sys.exit(main(['catalog']))"
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.read(10)
    proc.stdout.close()
    assert proc.wait(timeout=60) == 0
    assert proc.stderr.read() == b""


def test_viewshed_takes_units_and_suggests_a_lon_lat_swap(capsys, tmp_path):
    out_file = tmp_path / "vs.tif"
    status, out, err = run(capsys, "viewshed", "sample", "--observer", "-84.2", "36.55", "--observer-height",
                           "20m", "--max-distance", "5km", "--out", str(out_file))
    assert status == 0 and out_file.is_file(), err
    status, out, err = run(capsys, "viewshed", "sample", "--observer", "36.55", "-84.2", "--observer-height", "20",
                           "--out", str(out_file))
    assert status == 2
    assert "observer lon 36.55, lat -84.2 is outside the DEM (lon -84." in err
    assert "did you swap them? --observer -84.2 36.55 lies on the DEM" in err
    status, out, err = run(capsys, "viewshed", "sample", "--observer", "-84.2", "36.55", "--observer-height",
                           "20 s", "--out", str(out_file))
    assert status == 2 and err.startswith("iadsim: --observer-height: ")
    # written beside its target then moved into place: a FIFO there is refused (writing to it hung), never read
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "fifo.tif"
        os.mkfifo(fifo)
        status, out, err = run(capsys, "viewshed", "sample", "--observer", "-84.2", "36.55", "--observer-height",
                               "20m", "--max-distance", "2km", "--out", str(fifo))
        assert status == 2 and f"iadsim: {fifo}: is a folder or not a regular file" in err
        assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["vs.tif", *(["fifo.tif"] if hasattr(os, "mkfifo")
                                                                               else [])])  # (nothing staged left)


@pytest.mark.parametrize(("bands", "words"), [
    (",".join(str(h) for h in range(1, 40)), "at most 16 bands"), ("100,100.0000001", "share a name"),
])
def test_coverage_band_count_and_names_are_bounded(capsys, tmp_path, bands, words):
    status, out, err = run(capsys, "coverage", str(DESIGNED), "--out", str(tmp_path / "c"), "--bands", bands)
    assert status == 2 and words in err


THREADS_AFTER_SIMULATE = """
import sys, threading
import numba
from iadsim.cli import main
from iadsim.engine import build_world
from iadsim.scenario import load_scenario

if sys.argv[1] == "own":  # the console script: the command line is sys.argv
    sys.argv = ["iadsim", "simulate", sys.argv[2], "--replications", "2", "--json"]
    assert main() == 0
    print(numba.config.THREADING_LAYER)
    sys.exit(0)
assert main(["simulate", sys.argv[2], "--replications", "2", "--json"]) == 0
scenario, failures = load_scenario(sys.argv[2]), []

def build():
    try:
        for _ in range(2):
            build_world(scenario)
    except Exception as exc:
        failures.append(exc)

threads = [threading.Thread(target=build) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
assert not failures, failures
print(numba.config.THREADING_LAYER)
"""


@pytest.mark.parametrize("caller", ["in-process", "own"])
def test_simulate_changes_the_threading_layer_only_in_its_own_process(caller):
    """In-process callers (a notebook, a Dask worker's threads) keep numba's threading layer: the fork-safe
    workqueue aborts the process when two threads run parallel kernels at once; the console command, which
    owns its process, chooses the fork-safe layer so its workers may be forked."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "NUMBA_THREADING_LAYER"}
    proc = subprocess.run([sys.executable, "-c", THREADS_AFTER_SIMULATE, caller, str(DESIGNED)],
                          capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    layer = proc.stdout.strip().splitlines()[-1]
    assert layer == ("forksafe" if caller == "own" else "default")


def test_the_command_pauses_the_garbage_collector_only_while_its_modules_load():
    """Loading the command's module runs almost no collection and leaves the collector as it found it (on, or off if the
    caller had switched it off), freezing nothing; ``main`` called with arguments (a caller's process) freezes
    nothing either; the command in its own process (``main()`` without arguments) freezes what the imports made, so
    that its later imports and runs do not walk it again, and what the command made as it returns."""
    import subprocess
    import sys

    script = ("import gc, sys\n"
              "gc.disable() if sys.argv[1] == 'off' else None\n"
              "runs = []\n"
              "gc.callbacks.append(lambda phase, info: runs.append(info['generation']) if phase == 'start' else None)\n"
              "import iadsim.cli\n"
              "print(len(runs), max(runs, default=0), gc.isenabled(), gc.get_freeze_count())\n"
              "iadsim.cli.main(['--help'])\n"
              "print('frozen after main with arguments:', gc.get_freeze_count())\n"
              "sys.argv = ['iadsim', '--help']\n"
              "iadsim.cli.main()\n"
              "print(gc.isenabled(), gc.get_freeze_count(), len(gc.get_objects()))\n")
    for before, enabled in (("on", "True"), ("off", "False")):
        proc = subprocess.run([sys.executable, "-c", script, before], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        lines = proc.stdout.splitlines()
        runs, oldest, *rest = lines[0].split()
        # while loading: no full collection and a few young ones, in the module's body after its imports (without the
        # pause, 365 collections, 2 of them full); nothing frozen
        assert int(runs) < 20 and int(oldest) < 2 and rest == [enabled, "0"]
        assert "frozen after main with arguments: 0" in lines
        ran = lines[-1].split()
        # everything the command built is frozen as it returns: the process's last collections walk none of it (a
        # simulation's world and results: about 0.2-0.4 s at exit); a few objects made since (without the freeze at
        # the end, 845 are left by --help alone: 7e485a3)
        assert ran[0] == enabled and int(ran[1]) > 0 and int(ran[2]) < 100


def test_the_sweep_table_shows_base_levels_and_units(capsys, tmp_path, monkeypatch):
    """An oat sweep's summary table: a factor the point leaves at the base scenario's value reads "base" (not
    nan), a count reads whole, a factor with a unit has it in its heading; `query --tradeoff` reads the same."""
    from rich.console import Console
    from tests.analysis.conftest import TINY_SCENARIO

    from iadsim import cli

    monkeypatch.setattr(cli, "out", Console(width=200, highlight=False))  # (a wide terminal: one line per row)

    (tmp_path / "tiny.yaml").write_text(TINY_SCENARIO)
    (tmp_path / "oat.yaml").write_text(
        "base: tiny.yaml\ndesign: oat\nfactors:\n  - {name: raid size, path: 'threats[raid].count', values: [1, 4]}\n"
        "  - {name: latency, path: 'links[0].latency', values: [1, 30], unit: s}\nreplications: 2\nbatch: 2\n"
        "seed: 4\nmetrics: [leakers]\ntradeoff: [missiles_expended, leakers]\n")
    status, out, err = run(capsys, "sweep", str(tmp_path / "oat.yaml"), "--out", str(tmp_path / "out"),
                           "--workers", "1")
    assert status == 0, err
    rows = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:4]] for line in out.splitlines()
            if line.startswith("│") and line.split("│")[1].strip().isdigit()}
    assert rows == {"0": ["base", "base"], "1": ["1", "base"], "2": ["4", "base"], "3": ["base", "1"],
                    "4": ["base", "30"]}, out
    assert "latency [s]" in " ".join(out.split()) and "nan" not in out.lower()
    status, out, err = run(capsys, "query", str(tmp_path / "out"), "--tradeoff", "missiles_expended,leakers")
    assert status == 0, err
    assert "nan" not in out.lower().replace("missiles", "") and "base" in out


@pytest.mark.parametrize("command", [["validate"], ["simulate", "--replications", "2"], ["audit"]])
def test_a_sweep_file_given_as_a_scenario_is_named_as_one(capsys, command):
    """A sweep file where a scenario is expected: one line saying what it is and what to run (its fields are not
    each reported as a scenario error), exit 2."""
    sweep = ROOT / "examples" / "sweeps" / "what-matters.yaml"
    status, out, err = run(capsys, command[0], str(sweep), *command[1:])
    assert status == 2 and err.splitlines() == [
        f"iadsim: {sweep}: is a sweep file (it has 'base' and 'factors'), not a scenario: run it with 'iadsim sweep "
        "FILE --out FOLDER', or give its base scenario"], err


@pytest.mark.parametrize(("argv", "line"), [
    (["coverage", str(DESIGNED), "--out", "{tmp}/c", "--threat", "fighterx"],
     "iadsim: --threat: unknown aircraft type fighterx; known: "),
    (["coverage", str(DESIGNED), "--out", "{tmp}/c", "--aoi-margin=-5km"],
     "iadsim: --aoi-margin: '-5km': a margin must lie between 0 m and 1000 km"),
    (["viewshed", "sample", "--observer", "0", "0", "--observer-height", "20m", "--out", "{tmp}/vs/v", "--k", "4/0"],
     "iadsim: --k: '4/0' is not a number such as 4/3 or 1.333"),
    (["viewshed", "sample", "--observer", "0", "0", "--observer-height", "20m", "--out", "{tmp}/vs/v", "--k", "200"],
     "iadsim: --k: '200': the earth-radius factor must lie between 0.1 and 100"),
    (["catalog", "--kind", "radar", "--type", "mr-telar"],
     "iadsim: --type: 'mr-telar' is a launcher, not a radar: leave out --kind, or give its kind"),
    (["query", "{tmp}/nothere", "SELECT 1"], "iadsim: {tmp}/nothere: not found: give a sweep's --out folder"),
    (["query", "{tmp}", "SELECT 1"], "iadsim: {tmp}: no results: results/*.parquet not found (is it a sweep's --out "
                                     "folder?)"),
    (["simulate", str(DESIGNED), "--replications", "10", "--max-memory", "1MB"],
     "iadsim: {designed}: step: this run needs about "),
])
def test_messages_name_the_option_and_say_what_it_is(capsys, tmp_path, argv, line):
    """Each refused option in one line naming it (not a group of options), what it is (a margin, not a height)
    and sizes in units that show them (MB, not 0.0 GB); exit 2, nothing made (the example's own route warnings
    aside)."""
    status, out, err = run(capsys, *(a.format(tmp=tmp_path) for a in argv))
    expected = line.format(tmp=tmp_path, designed=DESIGNED)
    error = errors_only(err)
    assert status == 2 and len(error.splitlines()) == 1 and error.startswith(expected), err
    assert "0.0 GB" not in err and not (tmp_path / "vs").exists() and not (tmp_path / "c").exists()


def test_summary_intervals_keep_one_scale():
    """A cost's interval from 0 in millions throughout (a cost is a metric of kind "amount", whatever its size);
    small bounds keep their digits; an unbounded one is inf; no mean is "-". The CLI's summary and the report's
    ledger print the same text."""
    from iadsim.analysis.intervals import interval_text
    from iadsim.analysis.metrics import METRICS, is_money
    from iadsim.report.ledger import _cell

    def stat(mean, low, high):
        return {"mean": mean, "ci95": [low, high]}

    assert interval_text(stat(3.0e8, 0.0, 6.4e8), money=True) == "300 M [0, 640 M]"
    assert interval_text(stat(5.0e4, 0.0, 1.2e5), money=True) == "0.05 M [0, 0.12 M]"
    assert interval_text(stat(1.5e9, 9.996e8, 2.46e9), money=True) == "1,500 M [1,000 M, 2,460 M]"  # not 1e+03
    assert interval_text(stat(0.05, 0.004, 0.1)) == "0.05 [0.004, 0.10]"
    assert interval_text(stat(2.5, 1.0, None)) == "2.50 [1.00, inf]"
    assert interval_text(stat(None, None, None)) == interval_text({}) == "-"
    assert _cell(stat(3.0e8, 0.0, 6.4e8), money=True) == "<td class=num>300 M [0, 640 M]</td>"
    money = {name for name in METRICS if is_money(name)}
    assert money and all(METRICS[name].unit.startswith("US dollars") for name in money)
    assert not is_money("cost_exchange_ratio") and not is_money("no such metric")


def test_a_corridor_probability_near_one_is_not_shown_as_one():
    from iadsim.report.html import _probability

    assert [_probability(p) for p in (0.99986, 0.9994, 1.0, 0.5, 1e-4)] == ["> 0.999", "0.999", "1", "0.5", "0.0001"]


def test_ctrl_c_while_the_command_loads_is_one_line_not_a_traceback(monkeypatch, capsys):
    """The console script (pyproject's entry point) loads the command line inside iadsim.__main__.main: Ctrl-C
    during those imports (most of a second) says 'interrupted' and exits 130, as during a command."""
    import sys
    import tomllib

    import iadsim.__main__ as console

    scripts = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["iadsim"] == "iadsim.__main__:main"

    class Interrupting:  # an import of iadsim.cli interrupted by the user
        def find_spec(self, name, path=None, target=None):
            if name == "iadsim.cli":
                raise KeyboardInterrupt
            return None

    monkeypatch.delitem(sys.modules, "iadsim.cli")
    monkeypatch.setattr(sys, "meta_path", [Interrupting(), *sys.meta_path])
    assert console.main() == 130
    assert capsys.readouterr().err == "iadsim: interrupted\n"
