"""Tacview ACMI export, read back with an independent parser (pyacmi, a test-only dependency) and, for the events it
does not keep, a reader of the public specification's event lines written here; both checked first on the
specification's own example."""

from __future__ import annotations

import contextlib
import io
import zipfile

import numpy as np
import pytest
from pyproj import CRS, Transformer
from tests.analysis.conftest import TINY_SCENARIO
from tests.scenario._helpers import run_cli

from iadsim.analysis import simulate
from iadsim.report.run import load_run
from iadsim.scenario import load_scenario

# the specification's example (tacview.net/documentation/acmi, "ACMI flight recordings 2.2"), verbatim
SPEC_EXAMPLE = """\
FileType=text/acmi/tacview
FileVersion=2.2
0,ReferenceTime=2011-06-02T05:00:00Z
#47.13
3000102,T=41.6251307|41.5910417|2000.14,Name=C172
#49
3000102,T=41.626||
#8.62
0,Event=Message|3000100|Here is a generic event linked to the object 3000100
0,Event=Bookmark|Here is a bookmark to highlight a specific part of the mission!
"""


def _load(path):
    """pyacmi's reading of a file (it prints what it does not know: kept out of the test's output)."""
    from pyacmi import Acmi

    acmi = Acmi()
    with contextlib.redirect_stdout(io.StringIO()):
        acmi.load_acmi(filepath=str(path))
    return acmi


def _events(text: str) -> list[tuple[float, str, list[str]]]:
    """(time, event type, its fields) of every ``0,Event=Type|a|b|...`` line, at the latest ``#time`` before it;
    an object event (Destroyed, LeftArea, Message) has its object and its text (which may be empty)."""
    out, now = [], 0.0
    for line in text.splitlines():
        if line.startswith("#"):
            now = float(line[1:])
        elif line.startswith("0,Event="):
            kind, *fields = line[len("0,Event="):].split("|")
            if kind in ("Destroyed", "LeftArea", "Message"):
                assert len(fields) == 2, line
            out.append((now, kind, fields))
    return out


def test_the_readers_read_the_specifications_example(tmp_path):
    path = tmp_path / "spec.txt.acmi"
    path.write_text(SPEC_EXAMPLE)
    acmi = _load(path)
    assert (acmi.file_type, acmi.file_version) == ("text/acmi/tacview", 2.2)
    c172 = acmi.objects["3000102"]
    assert c172.get_value("Name") == "C172"
    assert (c172.longitude(49.0), c172.latitude(49.0), c172.altitude(49.0)) == (41.626, 41.5910417, 2000.14)
    assert [(t, k, f[0]) for t, k, f in _events(SPEC_EXAMPLE)] == [(8.62, "Message", "3000100"), (8.62, "Bookmark", (
        "Here is a bookmark to highlight a specific part of the mission!"))]


HOSTILE_NAME = "tiny, with a comma\\ a backslash"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """The tiny scenario with salvos of two and a name that needs escaping, 6 replications."""
    folder = tmp_path_factory.mktemp("acmi")
    (folder / "tiny.yaml").write_text(TINY_SCENARIO.replace("name: tiny\n", f"name: '{HOSTILE_NAME}'\n", 1)
                                      + "doctrine: {engagement: salvo, salvo_size: 2}\n")
    simulate(load_scenario(folder / "tiny.yaml"), 6, out_dir=folder / "run")
    return folder / "run"


@pytest.fixture(scope="module")
def exported(run_dir, tmp_path_factory):
    """(replication, the text file, the zipped file) of the replication with the most launches."""
    run = load_run(run_dir)
    launches = run.events[run.events.kind == "launch"].groupby("replication").size()
    rep = int(launches.idxmax())
    out = tmp_path_factory.mktemp("out")
    for name in ("r.acmi", "r.zip.acmi"):
        with contextlib.redirect_stdout(io.StringIO()):
            from iadsim.cli import main

            assert main(["export", str(run_dir), "--format", "acmi", "--replication", str(rep), "--out",
                         str(out / name)]) == 0
    return rep, out / "r.acmi", out / "r.zip.acmi"


def test_the_file_reads_back_with_every_object_where_the_run_put_it(run_dir, exported):
    rep, path, _ = exported
    run = load_run(run_dir)
    acmi = _load(path)
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[:2] == SPEC_EXAMPLE.splitlines()[:2]  # the mandatory header, as the specification has it
    # the reference point is the scenario's origin, on WGS 84
    scenario = run.scenario
    to_wgs84 = Transformer.from_crs(CRS.from_user_input(scenario.terrain.crs), CRS.from_epsg(4326), always_xy=True)
    lon0, lat0 = to_wgs84.transform(*scenario.origin_xy)
    assert (acmi.reference_longitude, acmi.reference_latitude) == pytest.approx((lon0, lat0), abs=1e-7)
    # objects: every unit and asset, every aircraft that flew, every missile fired (one per missile of a salvo)
    ev = run.events[run.events.replication == rep]
    paths = run.trajectories
    flew = [i for i, tid in enumerate(paths.target_ids) if paths.active[:, i].any()]
    launches = ev[ev.kind == "launch"]
    expected = len(run.unit_ids) + len(scenario.spec.defended_assets) + len(flew) + int(launches.missiles.sum())
    assert len(acmi.objects) == expected and len(launches) > 0
    # every object's type tags are the specification's combination for what it is (the parser names each)
    kinds = {u["id"]: u["kind"] for u in run.entities["units"]}
    kinds |= {t["id"]: t["type"] for t in run.entities["targets"]}
    expected_type = {"command-post": "Building", "radar": "AntiAircraft", "launcher": "AntiAircraft",
                     "attack-helicopter": "Helicopter", "medium-airliner": "Plane"}
    for obj in acmi.objects.values():
        sign = obj.get_value("CallSign")
        want = "Missile" if obj.get_value("Parent") else "Building" if sign == "base" else expected_type[kinds[sign]]
        assert obj.get_value("Type") == want, sign
    assert acmi.title.replace("\\,", ",") == f"{HOSTILE_NAME.replace(chr(92), '/')}: replication {rep}"
    names = {o.get_value("CallSign") for o in acmi.objects.values()}
    assert set(run.unit_ids) | {paths.target_ids[i] for i in flew} <= names
    # a target at its stored frames: where the trajectory puts it (until it is killed)
    kill = {int(t): float(time) for t, time in zip(ev[ev.kind == "kill"].target, ev[ev.kind == "kill"].time,
                                                    strict=True)}
    for i in flew:
        obj = next(o for o in acmi.objects.values() if o.get_value("CallSign") == paths.target_ids[i])
        for f in np.flatnonzero(paths.active[:, i])[::7]:
            t = float(paths.times[f])
            if t >= kill.get(i, np.inf):
                break
            lon, lat = to_wgs84.transform(*paths.position[f, i, :2])
            assert (obj.longitude(t), obj.latitude(t)) == pytest.approx((lon, lat), abs=2e-7)
            assert obj.altitude(t) == pytest.approx(paths.position[f, i, 2], abs=0.01)
        if i in kill:  # removed where it was killed, when it was
            assert obj.removed_at == pytest.approx(kill[i], abs=0.006)
            at = ev[(ev.kind == "kill") & (ev.target == i)].iloc[0]
            lon, lat = to_wgs84.transform(at.x, at.y)
            t = round(kill[i], 2)
            assert (obj.longitude(t), obj.latitude(t), obj.altitude(t)) == pytest.approx((lon, lat, at.z), abs=2e-3)
    # a threat reaching the base leaves the area there, when it arrives
    events = _events(path.read_text(encoding="utf-8"))
    left = {f[0]: time for time, k, f in events if k == "LeftArea"}
    leaks = ev[ev.kind == "leak"]
    by_callsign = {o.get_value("CallSign"): oid for oid, o in acmi.objects.items()}
    assert {by_callsign[paths.target_ids[t]]: round(float(time), 2) for t, time in zip(
        leaks.target, leaks.time, strict=True)} == {k: v for k, v in left.items() if k in set(by_callsign.values())
                                                    and acmi.objects[k].get_value("Coalition") == "Raid"}


def test_missiles_fly_from_their_launcher_at_their_target_and_report_the_shot(run_dir, exported):
    rep, path, _ = exported
    run = load_run(run_dir)
    acmi = _load(path)
    ev = run.events[run.events.replication == rep]
    by_callsign = {o.get_value("CallSign"): oid for oid, o in acmi.objects.items() if o.get_value("CallSign")}
    missiles = [o for o in acmi.objects.values() if o.get_value("Parent")]
    launches = ev[ev.kind == "launch"]
    assert len(missiles) == int(launches.missiles.sum())
    expected = sorted((by_callsign[run.unit_ids[u]], by_callsign[run.trajectories.target_ids[t]],
                       round(float(time + tof), 2)) for u, t, time, tof, n in zip(
        launches.unit, launches.target, launches.time, launches.time_of_flight, launches.missiles, strict=True)
        for _ in range(int(n)))
    got = sorted((m.get_value("Parent"), m.get_value("LockedTarget"), round(m.removed_at, 2)) for m in missiles)
    assert got == expected
    assert {m.get_value("Type") for m in missiles} == {"Missile"}
    # the shot reports and the destroyed events, read from the file's event lines
    events = _events(path.read_text(encoding="utf-8"))
    shots = [e for e in events if e[1] == "Timeout"]
    outcomes = ev[ev.kind.isin(["kill", "miss"])]
    assert len(shots) == len(outcomes) and (launches.missiles == 2).any()  # one report per salvo
    reported = sorted((dict(x.split(":", 1) for x in f)["AmmoCount"], round(t, 2)) for t, _, f in shots)
    assert reported == sorted((str(int(n)), round(float(time + tof), 2)) for n, time, tof in zip(
        launches.missiles, launches.time, launches.time_of_flight, strict=True))
    kills = ev[ev.kind == "kill"]
    killed = {by_callsign[run.trajectories.target_ids[t]] for t in kills.target}
    assert {f[0] for _, k, f in events if k == "Destroyed"} == killed
    outcome = {dict(x.split(":", 1) for x in f)["TargetId"] for _, k, f in shots if "Outcome:Kill" in f}
    assert outcome == killed
    for time, kind, fields in events:
        if kind == "Destroyed":
            target = next(t for t in kills.target if by_callsign[run.trajectories.target_ids[t]] == fields[0])
            assert time == pytest.approx(float(kills[kills.target == target].time.min()), abs=0.006)


def test_radars_and_fire_units_follow_their_emission_and_state(run_dir, exported):
    rep, path, _ = exported
    run = load_run(run_dir)
    acmi = _load(path)
    ev = run.events[run.events.replication == rep]
    by_callsign = {o.get_value("CallSign"): o for o in acmi.objects.values() if o.get_value("CallSign")}
    switches = ev[ev.kind.isin(["emitter_on", "emitter_off"])]
    assert len(switches)
    for unit, kind, time in zip(switches.unit, switches.kind, switches.time, strict=True):
        same = switches[(switches.unit == unit) & (switches.time.round(2) == round(float(time), 2))]
        if len(same) > 1:
            continue  # (on and off within one hundredth of a second: the last one holds)
        radar = by_callsign[run.unit_ids[unit]]
        assert radar.get_value("RadarMode", round(float(time), 2)) == (1.0 if kind == "emitter_on" else 0.0)
        assert radar.get_value("RadarRange") > 1000
    # a fire unit can engage while its kill chain is complete and a radar wired to guide it emits
    states = run.states(rep)
    guiders = {f["id"]: f["guided_by"] for f in run.audit["fire_units"]}
    checked = 0
    for fire_unit in run.entities["fire_units"]:
        u = run.unit_ids.index(fire_unit)
        mine = states[states.unit == u].sort_values("time")
        radars = [run.unit_ids.index(g) for g in guiders[fire_unit]]
        lit = switches[switches.unit.isin(radars)]
        obj = by_callsign[fire_unit]
        assert obj.get_value("EngagementRange") > 1000
        times = sorted(set(mine.time.round(2)) | set(lit.time.round(2)))
        for time in times:
            if ((mine.time.round(2) == time).sum() + (lit.time.round(2) == time).sum()) > 1:
                continue  # (two changes within a hundredth of a second)
            status = str(mine[mine.time.round(2) <= time].status.iloc[-1])
            on = any(lit[(lit.unit == r) & (lit.time.round(2) <= time)].kind.tolist()[-1:] == ["emitter_on"]
                     for r in radars)
            able = status in ("ready", "deciding", "engaging", "reloading") and on
            assert obj.get_value("EngagementMode", time) == float(able), (fire_unit, time)
            checked += 1
    assert checked >= 4


def test_a_zip_acmi_holds_the_same_recording(exported):
    _, path, zipped = exported
    with zipfile.ZipFile(zipped) as archive:
        assert archive.namelist() == ["r.txt.acmi"]
        assert archive.read("r.txt.acmi").decode("utf-8") == path.read_text(encoding="utf-8")
    assert sorted(_load(zipped).objects) == sorted(_load(path).objects)


@pytest.mark.parametrize(("argv", "words"), [
    (("--replication", "99", "--out", "{tmp}/r.acmi"), "--replication 99: this run has replications 0 to 5"),
    (("--replication", "0", "--out", "{tmp}/r.txt"), "--out: name the acmi file to write, e.g. replay.acmi"),
    (("--replication", "0", "--out", "{tmp}"), "--out: name the acmi file to write"),
    (("--replication", "0", "--out", "{tmp}/.acmi"), "--out: name the acmi file to write"),
])
def test_bad_export_requests(run_dir, tmp_path, capsys, argv, words):
    status, _, err = run_cli(capsys, "export", str(run_dir), "--format", "acmi",
                             *(a.format(tmp=tmp_path) for a in argv))
    assert status == 2 and words in err and "Traceback" not in err
    assert not any(p.suffix in (".acmi", ".txt") for p in tmp_path.iterdir())


@pytest.mark.parametrize(("fmt", "suffix"), [("acmi", ".acmi"), ("dis", ".pcap"), ("csv", None)])
def test_export_without_out_writes_beside_where_it_runs(run_dir, tmp_path, capsys, monkeypatch, fmt, suffix):
    """`--out` left out: a format that writes one file writes the run folder's name with its suffix, the others
    the folder 'export', in the current folder (--help's defaults)."""
    monkeypatch.chdir(tmp_path)
    status, out, err = run_cli(capsys, "export", str(run_dir), "--format", fmt, "--replication", "0")
    assert status == 0, err
    written = tmp_path / (f"{run_dir.name}{suffix}" if suffix else "export")
    assert (written.is_file() and written.stat().st_size > 0) if suffix else any(written.iterdir())
    assert f"wrote {written.name}" in out or f"wrote {written}" in out, out


def test_decoys_arms_and_relocating_sites(tmp_path):
    """The SEAD example: decoys are decoys, anti-radiation missiles are missiles of the raid, and a relocating
    unit's other site is hidden while it is away."""
    from pathlib import Path

    from iadsim.report.export import export

    example = Path(__file__).resolve().parents[2] / "examples" / "sead-raid.yaml"
    simulate(load_scenario(example), 2, out_dir=tmp_path / "run")
    run = load_run(tmp_path / "run")
    [path] = export(tmp_path / "run", "acmi", tmp_path / "sead.acmi", replication=0)
    acmi = _load(path)
    kinds = {t["id"]: t for t in run.entities["targets"]}
    ev = run.events[run.events.replication == 0]
    launched = {run.trajectories.target_ids[t] for t in ev[ev.kind == "arm_launch"].target}
    for obj in acmi.objects.values():
        entry = kinds.get(obj.get_value("CallSign"))
        if entry is None:
            continue
        assert obj.get_value("Coalition") == ("Civil" if entry["civil"] else "Raid")
        if entry["decoy"]:
            assert obj.get_value("Type") == "Decoy"
        if entry["arm"]:
            assert obj.get_value("Type") == "Missile" and entry["id"] in launched
    assert any(kinds.get(o.get_value("CallSign"), {}).get("decoy") for o in acmi.objects.values())
    # a decoy that is not shot down leaves the area at the end of its route; a unit struck is destroyed
    events = _events(path.read_text(encoding="utf-8"))
    left = {f[0] for _, k, f in events if k == "LeftArea" and f[1] == "end of its route"}
    killed = {run.trajectories.target_ids[t] for t in ev[ev.kind == "kill"].target}
    for oid, obj in acmi.objects.items():
        entry = kinds.get(obj.get_value("CallSign"))
        if entry is not None and entry["decoy"] and entry["id"] not in killed and obj.removed_at is not None:
            assert oid in left
    # every aircraft that flew and reached the end of its route is gone from the recording: a raid's fighters that
    # attack nothing (no leak in the log) as well as civil traffic and decoys
    paths = run.trajectories
    shown = {o.get_value("CallSign"): o for o in acmi.objects.values()}
    ended = [tid for i, tid in enumerate(paths.target_ids) if tid in shown and paths.arrived[-1, i]
             and not kinds[tid]["arm"]]
    assert any(kinds[tid]["flight"] == "sead" for tid in ended)
    for tid in ended:
        assert shown[tid].removed_at is not None, tid
    struck = {run.unit_ids[u] for u in ev[ev.kind == "destroyed"].unit}
    destroyed = {acmi.objects[f[0]].get_value("CallSign") for _, k, f in events if k == "Destroyed"}
    assert struck <= destroyed
    away = next(o for o in acmi.objects.values() if o.get_value("CallSign") == "mr1-telar@1")
    assert away.get_value("Visible", 0.0) == 0.0  # (at its other site at the start)
