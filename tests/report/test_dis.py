"""DIS (IEEE 1278.1-2012, version 7) export and live replay.

The encoder is checked byte for byte against PDUs made once by open-dis-python (tests/data/dis, made by
scripts/dis_fixtures.py in an environment of its own: opendis pins numpy < 2). The capture is read back here by a
decoder of libpcap, Ethernet, IPv4, UDP and the four PDU layouts written from the standard, and checked against
the run's own event table and entities; the live replay is received on the loopback interface."""

from __future__ import annotations

import json
import math
import os
import socket
import stat
import struct
import threading
from pathlib import Path

import numpy as np
import pytest
from pyproj import Transformer
from tests.scenario._helpers import run_cli

from iadsim.report import dis
from iadsim.report.run import load_run

DATA = Path(__file__).resolve().parents[1] / "data" / "dis"
EPOCH_UNIX = 946684800  # 2000-01-01T00:00:00Z


def _args(fields: dict) -> dict:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()}


@pytest.mark.parametrize("name", ["entity_state", "fire", "detonation", "emission"])
def test_each_pdu_is_byte_for_byte_opendis(name):
    fields = json.loads((DATA / "fields.json").read_text())[name]
    expected = (DATA / f"{name}.bin").read_bytes()
    if name == "emission":
        beam = fields.pop("beam")
        made = dis.emission(**_args(fields), beams=[dis.Beam(**beam)])
    else:
        made = getattr(dis, name)(**_args(fields))
    assert made == expected
    assert struct.unpack(">H", made[8:10])[0] == len(made)  # the header's length is the PDU's


def test_a_dark_beam_differs_only_in_its_beam_status():
    fields = json.loads((DATA / "fields.json").read_text())["emission"]
    beam = fields.pop("beam")
    on = dis.emission(**_args(fields), beams=[dis.Beam(**{**beam, "status": 0})])
    off = dis.emission(**_args(fields), beams=[dis.Beam(**{**beam, "status": 1})])
    # header 12, emitting entity 6, event 6, indicator/count/padding 4, system length/beams/padding 4, emitter
    # system 4, location 12, beam length/id/index 4, fundamental parameters 40, function, targets, high density
    status_at = 12 + 6 + 6 + 4 + 4 + 4 + 12 + 4 + 40 + 3
    assert [i for i in range(len(on)) if on[i] != off[i]] == [status_at]
    assert (on[status_at], off[status_at]) == (0, 1)


# --- a decoder written from the standard -------------------------------------------------------------------------

def _ones_complement(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f">{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total


def read_pcap(path: Path) -> list[tuple[float, bytes]]:
    """(seconds after 2000-01-01, UDP payload) of every packet, checking each layer."""
    raw = path.read_bytes()
    magic, major, minor, _, _, _, linktype = struct.unpack("<IHHiIII", raw[:24])
    assert (magic, major, minor, linktype) == (0xA1B2C3D4, 2, 4, 1)
    out, at = [], 24
    while at < len(raw):
        sec, usec, incl, orig = struct.unpack("<IIII", raw[at:at + 16])
        frame = raw[at + 16:at + 16 + incl]
        at += 16 + incl
        assert incl == orig == len(frame)
        assert frame[12:14] == b"\x08\x00"  # IPv4
        ip = frame[14:34]
        assert ip[0] == 0x45 and ip[9] == 17 and _ones_complement(ip) == 0xFFFF
        assert struct.unpack(">H", ip[2:4])[0] == len(frame) - 14
        udp = frame[34:]
        src, dst, length, _ = struct.unpack(">HHHH", udp[:8])
        assert (src, dst, length) == (3000, 3000, len(udp))
        pseudo = ip[12:20] + struct.pack(">BBH", 0, 17, length)
        assert _ones_complement(pseudo + udp) == 0xFFFF
        out.append((sec - EPOCH_UNIX + usec / 1e6, udp[8:]))
    return out


def decode(pdu: bytes) -> dict:
    version, exercise, kind, family, stamp, length = struct.unpack(">BBBBIH", pdu[:10])
    assert version == 7 and length == len(pdu)
    d = {"exercise": exercise, "type": kind, "family": family, "stamp": stamp}
    body = pdu[12:]
    if kind == 1:
        site, app, num, force, nvp = struct.unpack(">HHHBB", body[:8])
        d.update(entity=(site, app, num), force=force, etype=struct.unpack(">BBHBBBB", body[8:16]),
                 velocity=np.array(struct.unpack(">fff", body[24:36])),
                 location=np.array(struct.unpack(">ddd", body[36:60])),
                 orientation=struct.unpack(">fff", body[60:72]), appearance=struct.unpack(">I", body[72:76])[0],
                 dr=body[76], marking=body[117:128].rstrip(b"\0").decode("ascii"))
        assert nvp == 0 and len(pdu) == 144 and body[116] == 1
    elif kind in (2, 3):
        d.update(firing=struct.unpack(">HHH", body[:6]), target=struct.unpack(">HHH", body[6:12]),
                 munition=struct.unpack(">HHH", body[12:18]), event=struct.unpack(">HHH", body[18:24]))
        if kind == 2:
            d.update(location=np.array(struct.unpack(">ddd", body[28:52])),
                     mtype=struct.unpack(">BBHBBBB", body[52:60]), range=struct.unpack(">f", body[80:84])[0])
            assert len(pdu) == 96
        else:
            d.update(location=np.array(struct.unpack(">ddd", body[36:60])),
                     mtype=struct.unpack(">BBHBBBB", body[60:68]), result=body[88])
            assert len(pdu) == 104
    elif kind == 23:
        site, app, num = struct.unpack(">HHH", body[:6])
        update, systems = body[12], body[13]
        words, beams = body[16], body[17]
        assert systems == 1 and beams == 1 and words * 4 == len(body) - 16
        beam = body[36:]
        d.update(entity=(site, app, num), update=update, frequency=struct.unpack(">f", beam[4:8])[0],
                 status=beam[47], function=body[22])
    return d


def seconds_past_hour(stamp: int) -> float:
    assert stamp & 1  # absolute
    return (stamp >> 1) * 3600.0 / 2**31


# --- the export of a run ------------------------------------------------------------------------------------------

REPLICATION = 1


@pytest.fixture(scope="module")
def capture(run_dir, tmp_path_factory):
    path = tmp_path_factory.mktemp("dis") / "r1.pcap"
    from iadsim.cli import main

    assert main(["export", str(run_dir), "--format", "dis", "--replication", str(REPLICATION), "--out", str(path),
                 "--exercise", "7"]) == 0
    return path, [(t, decode(p)) for t, p in read_pcap(path)]


def test_the_capture_holds_every_entity_and_pdu_type(run_dir, capture):
    _, packets = capture
    entities = json.loads((run_dir / "entities.json").read_text())
    events = load_run(run_dir).events
    mine = events[events["replication"] == REPLICATION]
    launches = mine[mine["kind"] == "launch"]
    missiles = int(launches["missiles"].clip(lower=1).sum())
    states = [d for _, d in packets if d["type"] == 1]
    assert {d["exercise"] for _, d in packets} == {7}
    assert {d["type"]: d["family"] for _, d in packets} == {1: 1, 2: 2, 3: 2, 23: 6}
    # every unit, every aircraft (each flies in this small scenario) and every missile fired: one entity each
    assert len({d["entity"] for d in states}) == len(entities["units"]) + len(entities["targets"]) + missiles
    assert sum(d["type"] == 2 for _, d in packets) == missiles
    assert missiles > 0
    # forces and markings: the defence friendly, the raid opposing, civil traffic neutral
    force = {d["marking"]: d["force"] for d in states}
    assert all(force[u["id"][:11]] == 1 for u in entities["units"])
    for t in entities["targets"]:
        assert force[t["id"][:11]] == (3 if t["civil"] else 2)
    # one marking per entity, so that a logger tells them apart: the missiles (named by their type) and ids that
    # share their first 11 characters end with their entity number
    marking_of = {}
    for d in states:
        marking_of.setdefault(d["entity"], d["marking"])
    assert len(set(marking_of.values())) == len(marking_of)
    assert any("#" in m for m in marking_of.values())
    # in time order, each PDU's timestamp its capture time's seconds past the hour
    times = [t for t, _ in packets]
    assert times == sorted(times)
    assert max(abs(seconds_past_hour(d["stamp"]) - t % 3600) for t, d in packets) < 2e-6


def test_units_stand_where_the_run_put_them(run_dir, capture):
    _, packets = capture
    run = load_run(run_dir)
    units = {u["id"]: u for u in run.entities["units"]}
    crs = run.scenario.terrain.crs
    to_geo = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    from_ecef = Transformer.from_crs("EPSG:4978", "EPSG:4979", always_xy=True)
    seen = set()
    for _, d in packets:
        if d["type"] == 1 and d["marking"] in units:
            u = units[d["marking"]]
            lon, lat = to_geo.transform(u["x"], u["y"])
            glon, glat, gh = from_ecef.transform(*d["location"])
            ground = float(run.scenario.terrain.elevation_at(u["x"], u["y"]))  # on the ground, not its mast
            assert abs(glon - lon) < 1e-7 and abs(glat - lat) < 1e-7 and abs(gh - ground) < 1e-3
            assert d["dr"] == 1 and not d["velocity"].any()
            seen.add(d["marking"])
    assert seen == set(units)


def test_shots_fire_and_detonate_as_the_run_logged(run_dir, capture):
    _, packets = capture
    events = load_run(run_dir).events
    mine = events[events["replication"] == REPLICATION]
    outcomes = mine[mine["kind"].isin(["kill", "miss"])]
    expected = []  # (arrival, result) per missile whose salvo's outcome is logged
    for row in mine[mine["kind"] == "launch"].itertuples():
        arrival = row.time + row.time_of_flight
        found = outcomes[(outcomes["unit"] == row.unit) & (outcomes["target"] == row.target)
                         & ((outcomes["time"] - arrival).abs() < 1e-3)]
        if len(found):
            expected += [(round(arrival, 3), 2 if found["kind"].iloc[0] == "kill" else 5)] * max(int(row.missiles), 1)
    got = sorted((round(t, 3), d["result"]) for t, d in packets if d["type"] == 3)
    assert got == sorted(expected) and len(got) > 0
    fires = {d["event"]: (t, d) for t, d in packets if d["type"] == 2}
    states = {}  # each entity's state PDUs, (time, location)
    for t, d in packets:
        if d["type"] == 1:
            states.setdefault(d["entity"], []).append((t, d["location"]))
    kills = 0
    for t, d in packets:
        if d["type"] == 3:  # its Fire PDU: the same event, firing entity, target and munition, earlier
            when, f = fires[d["event"]]
            assert when < t and (f["firing"], f["target"], f["munition"]) == (d["firing"], d["target"], d["munition"])
            assert f["mtype"] == d["mtype"] == (2, 1, 0, 1, 0, 0, 0)  # munition, anti-air, guided
            if d["result"] == 5:  # a miss detonates at its aim point, the range its fire control computed
                assert f["range"] == pytest.approx(np.linalg.norm(d["location"] - f["location"]), rel=1e-5)
            else:  # a kill detonates at its target, where the target's last state stands (not at its aim point)
                there = [loc for when, loc in states[d["target"]] if abs(when - t) < 1e-3]
                assert there and np.linalg.norm(d["location"] - there[-1]) < 0.01
                kills += 1
    assert kills > 0


def test_a_killed_aircraft_ends_destroyed_at_its_kill(run_dir, capture):
    _, packets = capture
    run = load_run(run_dir)
    mine = run.events[run.events["replication"] == REPLICATION]
    targets = [t["id"] for t in run.entities["targets"]]
    kills = mine[mine["kind"] == "kill"].drop_duplicates("target")
    assert len(kills) > 0
    for row in kills.itertuples():
        mark = targets[row.target][:11]
        last_t, last = [(t, d) for t, d in packets if d["type"] == 1 and d["marking"] == mark][-1]
        assert last_t == pytest.approx(row.time) and (last["appearance"] >> 3) & 3 == 3
        assert last["appearance"] >> 23 & 1  # state: deactivated (it leaves the exercise)
        alive = [d for t, d in packets if d["type"] == 1 and d["marking"] == mark and t < row.time - 1e-5]
        assert alive and all((d["appearance"] >> 3) & 3 == 0 and not d["appearance"] >> 23 & 1 for d in alive)


def test_heartbeats_and_dead_reckoning(capture):
    _, packets = capture
    by_entity: dict = {}
    for t, d in packets:
        if d["type"] == 1:
            by_entity.setdefault(d["entity"], []).append((t, d))
    errors = []
    for series in by_entity.values():
        times = np.array([t for t, _ in series])
        assert np.all(np.diff(times) <= 5.0 + 1e-6)  # (the standard's default heartbeat, HBT_ESPDU)
        for (t0, a), (t1, b) in zip(series, series[1:], strict=False):
            step = np.linalg.norm(b["location"] - a["location"])
            if a["velocity"].any() and step > 50:  # moving: where dead reckoning puts it next
                errors.append(np.linalg.norm(a["location"] + a["velocity"] * (t1 - t0) - b["location"]) / step)
                # its body's x axis (from the Euler angles) along its velocity
                psi, theta, _ = a["orientation"]
                forward = np.array([math.cos(theta) * math.cos(psi), math.cos(theta) * math.sin(psi),
                                    -math.sin(theta)])
                v = a["velocity"] / np.linalg.norm(a["velocity"])
                assert forward @ v > math.cos(math.radians(0.01))  # (within float32's rounding)
                # wings level: its body's y axis horizontal (normal to the ellipsoid's up at its position)
                phi = a["orientation"][2]
                right = np.array([math.sin(phi) * math.sin(theta) * math.cos(psi) - math.cos(phi) * math.sin(psi),
                                  math.sin(phi) * math.sin(theta) * math.sin(psi) + math.cos(phi) * math.cos(psi),
                                  math.sin(phi) * math.cos(theta)])
                lon, lat, _ = Transformer.from_crs("EPSG:4978", "EPSG:4979", always_xy=True).transform(*a["location"])
                up = np.array([math.cos(math.radians(lat)) * math.cos(math.radians(lon)),
                               math.cos(math.radians(lat)) * math.sin(math.radians(lon)), math.sin(math.radians(lat))])
                assert abs(right @ up) < 1e-5
    assert errors and np.median(errors) < 0.02


def test_beam_status_follows_emission(run_dir, capture):
    _, packets = capture
    run = load_run(run_dir)
    mine = run.events[run.events["replication"] == REPLICATION]
    switches = mine[mine["kind"].isin(["emitter_on", "emitter_off"])]
    number = {}  # entity number -> unit index (units come first, in the run's order)
    for i, _ in enumerate(run.unit_ids):
        number[(1, 1, i + 1)] = i
    emissions = [(t, d) for t, d in packets if d["type"] == 23]
    assert emissions
    statuses = set()
    for t, d in emissions:
        unit = number[d["entity"]]
        before = switches[(switches["unit"] == unit) & (switches["time"] <= t + 1e-9)]
        on = len(before) > 0 and before["kind"].iloc[-1] == "emitter_on"
        assert d["status"] == (0 if on else 1)
        statuses.add(d["status"])
    for row in switches.itertuples():  # a changed-data PDU at each switch
        assert any(abs(t - row.time) < 1e-6 and number[d["entity"]] == row.unit and d["update"] == 1
                   for t, d in emissions)
    for entity in {d["entity"] for _, d in emissions}:
        times = np.array([t for t, d in emissions if d["entity"] == entity])
        assert np.all(np.diff(times) <= 10.0 + 1e-6)  # (HBT_PDU_EE)
    assert statuses  # (the tiny scenario's radars switch on at the start)


def test_the_export_is_deterministic(run_dir, capture, tmp_path):
    path, _ = capture
    from iadsim.cli import main

    again = tmp_path / "again.pcap"
    assert main(["export", str(run_dir), "--format", "dis", "--replication", str(REPLICATION), "--out", str(again),
                 "--exercise", "7"]) == 0
    assert again.read_bytes() == path.read_bytes()


# --- live -------------------------------------------------------------------------------------------------------

def test_the_live_replay_sends_the_capture_over_udp(run_dir, capture):
    path, _ = capture
    expected = [p for _, p in read_pcap(path)]
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(10)
    port = receiver.getsockname()[1]
    got: list[bytes] = []

    def receive():
        try:
            while len(got) < len(expected):
                got.append(receiver.recv(65535))
        except OSError:
            pass

    thread = threading.Thread(target=receive)
    thread.start()
    import time

    from iadsim.cli import main

    before = time.time()
    status = main(["replay", str(run_dir), "--replication", str(REPLICATION), "--dis", f"udp://localhost:{port}",
                   "--rate", "max", "--exercise", "7"])
    after = time.time()
    thread.join(30)
    receiver.close()
    assert status == 0
    # the capture's PDUs, each stamped with the UTC time it was sent (absolute, seconds past the hour)
    assert [p[:4] + p[8:] for p in got] == [p[:4] + p[8:] for p in expected]
    lo, hi = before % 3600 - 1e-3, after % 3600 + 1e-3
    stamps = [seconds_past_hour(struct.unpack(">I", p[4:8])[0]) for p in got]
    assert all(lo <= s <= hi for s in stamps) or hi < lo  # (unless the hour turned during the replay)


def test_the_replay_keeps_the_pace_of_its_rate():
    now = [100.0]
    sent = []

    class Sock:
        def sendto(self, data, where):
            sent.append((now[0], data, where))

    def sleep(seconds):
        now[0] += seconds

    pdus = [dis.Pdu(t, bytes([i]) * 12) for i, t in enumerate([0.0, 1.0, 1.0, 4.0])]
    assert dis.send_udp(pdus, socket.AF_INET, ("host", 3001), rate=2.0, sock=Sock(), clock=lambda: now[0],
                        sleep=sleep, wall=lambda: 7200.0 + now[0]) == 4
    assert [s[0] - 100.0 for s in sent] == [0.0, 0.5, 0.5, 2.0]
    assert [s[1][:4] + s[1][8:] for s in sent] == [bytes([i]) * 8 for i in range(4)] and sent[0][2] == ("host", 3001)
    # each stamped with the time it is sent: 100 s past the hour, then 100.5, 100.5 and 102
    assert [seconds_past_hour(struct.unpack(">I", s[1][4:8])[0]) for s in sent] == pytest.approx(
        [100.0, 100.5, 100.5, 102.0], abs=2e-6)


@pytest.mark.parametrize(("argv", "words"), [
    (("export", "{run}", "--format", "dis", "--replication", "99", "--out", "{tmp}/r.pcap"),
     "--replication 99: this run has replications"),
    (("export", "{run}", "--format", "dis", "--out", "{tmp}/r.acmi"), "--out: name the dis file to write"),
    (("export", "{run}", "--format", "dis", "--out", "{tmp}"), "--out: name the dis file to write"),
    (("export", "{run}", "--format", "dis", "--out", "{tmp}/r.pcap", "--exercise", "0"), "--exercise"),
    (("replay", "{run}", "--dis", "tcp://127.0.0.1:3000"), "--dis: 'tcp://127.0.0.1:3000' is not udp://HOST:PORT"),
    (("replay", "{run}", "--dis", "udp://127.0.0.1"), "is not udp://HOST:PORT"),
    (("replay", "{run}", "--dis", "udp://127.0.0.1:70000"), "is not udp://HOST:PORT"),
    (("replay", "{run}", "--dis", "udp://127.0.0.1:3000", "--rate", "fast"), "--rate: 'fast' is not a replay rate"),
    (("replay", "{run}", "--dis", "udp://127.0.0.1:3000", "--rate", "0x"), "is not a replay rate"),
    (("replay", "{run}", "--dis", "udp://127.0.0.1:3000", "--replication", "99"), "--replication 99"),
    (("replay", "{run}", "--dis", "udp://no-such-host.invalid:3000"), "--dis: cannot resolve 'no-such-host.invalid'"),
    (("export", "{run}", "--format", "acmi", "--out", "{tmp}/r.acmi", "--exercise", "2"),
     "--exercise: is for --format dis, not acmi"),
])
def test_bad_requests(run_dir, tmp_path, capsys, argv, words):
    status, _, err = run_cli(capsys, *(a.format(run=run_dir, tmp=tmp_path) for a in argv))
    assert status == 2 and words in err and "Traceback" not in err
    assert not list(tmp_path.iterdir())


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_at_the_export_path_is_refused_not_replaced(run_dir, tmp_path, capsys):
    """As every other export: a FIFO (or any file that is not a regular one) at --out is refused, exit 2; the DIS
    export replaced it silently with a file of its own, and forced its mode to 0644 whatever the umask."""
    from iadsim.cli import main

    fifo = tmp_path / "f.pcap"
    os.mkfifo(fifo)
    assert main(["export", str(run_dir), "--format", "dis", "--out", str(fifo)]) == 2
    assert "is not a regular file" in capsys.readouterr().err and stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_event_numbers_roll_over():
    events = dis._Events()
    numbers = [events.next() for _ in range(65537)]
    assert numbers[:2] == [1, 2] and numbers[65534:] == [65535, 1, 2]


def test_relocating_sites_and_their_emitters(tmp_path):
    """The SEAD example: a relocating unit's site sends no Entity State while the unit is away from it, its last
    one as it leaves deactivated, and no Electromagnetic Emission while hidden; nothing after the run's end."""
    from iadsim.analysis import simulate
    from iadsim.scenario import load_scenario

    example = Path(__file__).resolve().parents[2] / "examples" / "sead-raid.yaml"
    simulate(load_scenario(example), 1, out_dir=tmp_path / "run")
    run = load_run(tmp_path / "run")
    path = tmp_path / "sead.pcap"
    from iadsim.cli import main

    assert main(["export", str(tmp_path / "run"), "--format", "dis", "--replication", "0", "--out", str(path)]) == 0
    packets = [(t, decode(p)) for t, p in read_pcap(path)]
    assert max(t for t, _ in packets) <= float(run.entities["duration"]) + 1e-6
    number = {(1, 1, i + 1): uid for i, uid in enumerate(run.unit_ids)}
    states = run.states(0)
    units = states[states["unit"] >= 0]
    away = {}  # unit id -> [(from, to)] while its status is "away"
    for i, uid in enumerate(run.unit_ids):
        rows = units[units["unit"] == i].sort_values("time", kind="stable")
        spans, since = [], None
        for row in rows.itertuples():
            if str(row.status) == "away" and since is None:
                since = float(row.time)
            elif str(row.status) != "away" and since is not None:
                spans.append((since, float(row.time)))
                since = None
        if since is not None:
            spans.append((since, math.inf))
        away[uid] = spans
    assert any(away.values())
    for t, d in packets:
        if d["type"] in (1, 23) and d["entity"] in number:
            for a, b in away[number[d["entity"]]]:
                if d["type"] == 1 and t == pytest.approx(a) and a > 0:
                    assert d["appearance"] >> 23 & 1  # its last, as it leaves
                else:
                    assert not (a - 1e-6 <= t < b - 1e-6), (number[d["entity"]], t, a, b)
