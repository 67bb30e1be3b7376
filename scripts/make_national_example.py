"""Write examples/national-scale.yaml, the national-scale example (issue 21, item 4).

    .venv/bin/python scripts/make_national_example.py          # writes the file
    .venv/bin/python scripts/make_national_example.py --check  # exit 1 if the committed file differs

A fictional laydown on examples/data/n44w072_utm19n_270m.tif (the SRTM-3 tile N44W072 resampled to 270 m on
UTM 19N: 75.3 km east-west by 107.7 km north-south, origin at its centre; examples/data/PROVENANCE.md). Every
parameter comes from the built-in catalog. The network: 12 early-warning radars, a national command post, an
alternate and four sector command posts, 6 long-range batteries (acquisition radar, engagement radar, four
launchers), 18 medium-range battalions (search radar, two TELARs each guiding a launcher-loader), 60 short-range
systems around the six defended areas and forward sites, 3 ESM and 4 IRST stations. The raids come over the
northern and eastern borders (cruise missiles also from the west) in waves over two hours: 570 threats
(drones, cruise missiles, fighters, helicopters), with 20 civil flights and one stand-off jammer.

Deterministic: positions inside a site and readiness draws come from a seeded generator, so the file is the
same on every run. Everything stays at least 0.6 km inside the DEM (targets off the DEM are unseen).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "examples" / "national-scale.yaml"
DEM = "data/n44w072_utm19n_270m.tif"  # relative to the scenario
HALF_X, HALF_Y = 37.665, 53.865  # [km] half the DEM's extent (279 x 399 cells of 270 m), origin at its centre
SEED = 20261202

# defended areas: id, x, y [km], radius [km]
ASSETS = [
    ("capital", -10.0, -32.0, 4.0),
    ("airbase-north", -18.0, 28.0, 2.0),
    ("airbase-south", 18.0, -40.0, 2.0),
    ("power-plant", 14.0, 6.0, 1.0),
    ("logistics-hub", -26.0, -6.0, 1.5),
    ("dam", 24.0, 32.0, 1.0),
]

# command posts: id, x, y [km]; the sector posts take the units nearest to them
NATIONAL = ("cp-national", -8.0, -22.0)
ALTERNATE = ("cp-alternate", 2.0, -8.0)
SECTORS = [("cp-north", -8.0, 36.0), ("cp-east", 24.0, 18.0), ("cp-west", -28.0, 2.0), ("cp-south", 8.0, -40.0)]

EW_SITES = [(-30, 48), (-8, 50), (12, 50), (32, 46), (-33, 20), (33, 14), (-33, -25), (33, -20),
            (0, 28), (0, 2), (-20, -48), (26, -50)]
LR_SITES = [(-4, -27), (-17, -38), (-12, 22), (12, -34), (8, 2), (20, 26)]
MR_SITES = [(-25, 45), (-5, 46), (15, 45), (30, 40), (-26, 33), (-10, 33), (30, 27), (17, 36), (21, 10),
            (7, 12), (-31, -12), (-20, 0), (-2, -37), (-19, -25), (0, -19), (25, -45), (10, -47), (28, -31)]
# short-range systems: so many on a ring around each defended area, one by each long-range battery, and one
# with each medium-range battalion of the northern line
SR_RINGS = {"capital": 12, "airbase-north": 8, "airbase-south": 8, "power-plant": 6, "logistics-hub": 6, "dam": 6}
SR_FORWARD = MR_SITES[:4] + MR_SITES[4:8]
ESM_SITES = [(-20, 50), (22, 49), (0, -50)]
IRST_ASSETS = ["capital", "airbase-north", "airbase-south", "power-plant"]

# civil traffic: id, type, count, spacing, start, transponder, from (x, y) [km], to (x, y) [km], altitude
TRAFFIC = [
    ("airway-a", "medium-airliner", 4, "25 min", "3 min", "on", (-37, 53), (37, -53), "10 km"),
    ("airway-b", "medium-airliner", 4, "25 min", "11 min", "on", (37, 40), (-37, -45), "9 km"),
    ("airway-c", "jumbo-airliner", 3, "35 min", "6 min", "on", (0, -53), (5, 53), "11 km"),
    ("airway-d", "medium-airliner", 3, "30 min", "18 min", "on", (-37, -10), (37, 5), "8 km"),
    ("airway-e", "jumbo-airliner", 3, "30 min", "25 min", "on", (30, 53), (-30, -53), "11.5 km"),
    # general-aviation-like flights with the transponder off: the identification test of the network
    ("ga-dark", "medium-airliner", 3, "30 min", "15 min", "off", (37, -30), (-37, 10), "3 km"),
]


def km(v: float) -> str:
    return f"{v:.2f} km"


def flow(d: dict) -> str:
    """One YAML flow mapping (values already formatted; dicts nest, lists of dicts become flow sequences)."""
    parts = []
    for k, v in d.items():
        if isinstance(v, dict):
            v = flow(v)
        elif isinstance(v, list):
            v = "[" + ", ".join(flow(i) if isinstance(i, dict) else str(i) for i in v) + "]"
        parts.append(f"{k}: {v}")
    return "{" + ", ".join(parts) + "}"


def inside(x: float, y: float, margin: float = 0.6) -> tuple[float, float]:
    assert abs(x) <= HALF_X - margin and abs(y) <= HALF_Y - margin, (x, y)
    return x, y


class Laydown:
    def __init__(self) -> None:
        self.rng = np.random.default_rng(SEED)
        self.units: list[tuple[str, dict]] = []  # (comment group, unit)
        self.links: list[dict] = []
        self.sector_of: dict[str, str] = {}

    def jitter(self, x: float, y: float, r: float) -> tuple[float, float]:
        """A point within r [km] of (x, y)."""
        a, d = self.rng.uniform(0, 2 * math.pi), r * math.sqrt(self.rng.uniform())
        return x + d * math.cos(a), y + d * math.sin(a)

    def readiness(self, availability: float, spread: float = 0.04, repair: tuple[str, str] | None = None) -> dict:
        a = float(np.clip(availability + self.rng.uniform(-spread, spread), 0.5, 0.99))
        out = {"availability": f"{a:.2f}"}
        if repair is not None:
            out["mtbf"], out["mttr"] = repair
        return out

    def crew(self) -> dict:
        u = self.rng.uniform()
        return {"crew": "basic"} if u < 0.15 else ({"crew": "expert"} if u > 0.9 else {})

    def unit(self, group: str, uid: str, type_: str, x: float, y: float, mast: str | None = None,
             readiness: dict | None = None, crew: bool = False) -> str:
        x, y = inside(x, y)
        u = {"id": uid, "type": type_, "x": km(x), "y": km(y)}
        if mast is not None:
            u["mast_height"] = mast
        if crew:
            u.update(self.crew())
        if readiness is not None:
            u["readiness"] = readiness
        self.units.append((group, u))
        return uid

    def link(self, a: str, b: str, carries: str, latency: str, availability: float | None = None) -> None:
        d = {"from": a, "to": b, "carries": carries, "latency": latency}
        if availability is not None:
            d["availability"] = f"{availability:.2f}"
        self.links.append(d)

    def sector(self, x: float, y: float) -> str:
        return min(SECTORS, key=lambda s: math.hypot(s[1] - x, s[2] - y))[0]


def build() -> tuple[Laydown, list[dict], list[dict], list[dict]]:
    lay = Laydown()
    g = "command posts"
    for cid, x, y in [NATIONAL, ALTERNATE, *SECTORS]:
        lay.unit(g, cid, "command-post", x, y, readiness={"availability": "0.98"})
    for cid, _, _ in SECTORS:  # the sector posts report to the national and alternate posts and hear back
        lay.link(cid, NATIONAL[0], "tracks", "2 s")
        lay.link(NATIONAL[0], cid, "tracks", "2 s")
        lay.link(cid, ALTERNATE[0], "tracks", "3 s", availability=0.95)
    lay.link(NATIONAL[0], ALTERNATE[0], "tracks", "2 s")
    lay.link(ALTERNATE[0], NATIONAL[0], "tracks", "2 s")

    g = "early-warning radars"
    for i, (x, y) in enumerate(EW_SITES, 1):
        uid = lay.unit(g, f"ew-{i:02d}", "ew-radar", x, y, mast="20 m",
                       readiness=lay.readiness(0.93, repair=("200 h", "2 h")), crew=True)
        lay.link(uid, lay.sector(x, y), "tracks", "4 s")
        lay.link(uid, NATIONAL[0], "tracks", "6 s")

    g = "long-range batteries"
    for i, (cx, cy) in enumerate(LR_SITES, 1):
        cp = lay.sector(cx, cy)
        acq = lay.unit(g, f"lr{i}-acq", "lr-acquisition-radar", *lay.jitter(cx + 0.9, cy + 0.6, 0.2), mast="25 m",
                       readiness=lay.readiness(0.9, repair=("100 h", "1 h")), crew=True)
        fcr = lay.unit(g, f"lr{i}-fcr", "lr-engagement-radar", cx, cy, mast="25 m",
                       readiness=lay.readiness(0.9, repair=("100 h", "1 h")), crew=True)
        lay.link(acq, cp, "tracks", "2 s")
        lay.link(cp, fcr, "cues", "2 s")
        lay.link(acq, fcr, "cues", "1 s")
        for j in range(4):
            a = math.pi / 4 + j * math.pi / 2
            launcher = lay.unit(g, f"lr{i}-l{j + 1}", "lr-launcher", cx + 0.45 * math.cos(a), cy + 0.45 * math.sin(a),
                                readiness=lay.readiness(0.95, spread=0.03))
            lay.link(fcr, launcher, "fire-control", "0.2 s")

    g = "medium-range battalions"
    for i, (cx, cy) in enumerate(MR_SITES, 1):
        cp = lay.sector(cx, cy)
        sr = lay.unit(g, f"mr{i:02d}-sr", "mr-search-radar", *lay.jitter(cx + 0.6, cy + 0.5, 0.2), mast="15 m",
                      readiness=lay.readiness(0.9), crew=True)
        lay.link(sr, cp, "tracks", "2 s")
        for side, (dx, dy) in zip("ab", [(-1.2, 0.4), (1.0, -0.9)], strict=True):
            tx, ty = lay.jitter(cx + dx, cy + dy, 0.3)
            telar = lay.unit(g, f"mr{i:02d}-telar-{side}", "mr-telar", tx, ty, mast="6 m",
                             readiness=lay.readiness(0.88, repair=("50 h", "2 h")), crew=True)
            ll = lay.unit(g, f"mr{i:02d}-ll-{side}", "mr-launcher-loader", tx + 0.4, ty - 0.3,
                          readiness=lay.readiness(0.95, spread=0.03))
            lay.link(cp, telar, "cues", "2 s", availability=0.95 if i % 5 == 0 else None)
            lay.link(sr, telar, "cues", "1 s")
            lay.link(telar, ll, "fire-control", "0.2 s")

    g = "short-range systems"
    n = 0
    sites = []
    for aid, ax, ay, ar in ASSETS:
        k = SR_RINGS[aid]
        for j in range(k):
            a = 2 * math.pi * (j + 0.5) / k
            sites.append((ax + (ar + 1.2) * math.cos(a), ay + (ar + 1.2) * math.sin(a)))
    sites += [(x - 0.8, y - 0.8) for x, y in LR_SITES] + [(x + 1.5, y + 1.2) for x, y in SR_FORWARD]
    for x, y in sites:
        n += 1
        uid = lay.unit(g, f"sr-{n:02d}", "sr-system", *lay.jitter(x, y, 0.2), mast="8 m",
                       readiness=lay.readiness(0.9), crew=True)
        lay.link(lay.sector(x, y), uid, "cues", "2 s", availability=0.95 if n % 7 == 0 else None)

    g = "passive sensors"
    for i, (x, y) in enumerate(ESM_SITES, 1):
        uid = lay.unit(g, f"esm-{i}", "esm-station", x, y, mast="15 m", readiness=lay.readiness(0.95))
        lay.link(uid, lay.sector(x, y), "tracks", "3 s")
    assets = {a[0]: a for a in ASSETS}
    for i, aid in enumerate(IRST_ASSETS, 1):
        _, ax, ay, ar = assets[aid]
        uid = lay.unit(g, f"irst-{i}", "irst-station", ax, ay + ar * 0.5, mast="10 m", readiness=lay.readiness(0.95))
        lay.link(uid, lay.sector(ax, ay), "tracks", "2 s")

    threats = raids()
    traffic = [{"id": tid, "type": t, "count": c, "spacing": sp, "start": st, "transponder": tr,
                "route": [{"x": km(x), "y": km(y), "altitude": alt} for x, y in (a, b)]}
               for tid, t, c, sp, st, tr, a, b, alt in TRAFFIC]
    jammers = [{"id": "soj", "type": "fighter", "start": "20 min", "altitude_reference": "msl", "beamwidth": "60 deg",
                "route": [{"x": km(x), "y": km(53), "altitude": "8 km"} for x in (-20, 20)],
                "bands": [{"centre": "3 GHz", "bandwidth": "200 MHz", "erp": "1 kW"},
                          {"centre": "6 GHz", "bandwidth": "300 MHz", "erp": "500 W"}]}]
    return lay, threats, traffic, jammers


def raids() -> list[dict]:
    """The raids: each a stream of `count` aircraft `spacing` apart along one route ending at its target."""
    assets = {a[0]: (a[1], a[2]) for a in ASSETS}

    def route(points, altitude, target):
        tx, ty = assets[target]
        pts = [inside(x, y, 0.3) for x, y in points] + [(tx, ty)]
        alts = altitude if isinstance(altitude, list) else [altitude] * len(pts)
        return [{"x": km(x), "y": km(y), "altitude": a} for (x, y), a in zip(pts, alts, strict=True)]

    def raid(rid, type_, count, spacing, start, target, points, altitude, reference=None):
        r = {"id": rid, "type": type_, "count": count, "spacing": spacing, "start": start, "target": target}
        if reference:
            r["altitude_reference"] = reference
        r["route"] = route(points, altitude, target)
        return r

    return [
        # wave 1 (0-35 min): drone swarms over the northern border to saturate the sensors, cruise missiles
        raid("w1-drones-nw", "drone", 45, "8 s", "1 min", "airbase-north", [(-30, 53), (-22, 40)], "200 m"),
        raid("w1-drones-n", "drone", 45, "8 s", "2 min", "power-plant", [(2, 53), (8, 30)], "200 m"),
        raid("w1-drones-ne", "drone", 40, "8 s", "3 min", "dam", [(35, 53), (30, 42)], "200 m"),
        raid("w1-drones-e", "drone", 35, "10 s", "4 min", "logistics-hub", [(37, 0), (10, -2)], "250 m"),
        # cruise missiles hug the ground and pop up to 150 m over their target
        raid("w1-cruise-w", "cruise-missile", 15, "6 s", "12 min", "capital", [(-37, -18), (-24, -26)],
             ["50 m", "50 m", "150 m"]),
        raid("w1-cruise-e", "cruise-missile", 15, "6 s", "14 min", "airbase-south", [(37, -12), (30, -30)],
             ["50 m", "50 m", "150 m"]),
        raid("w1-cruise-n", "cruise-missile", 15, "6 s", "16 min", "power-plant", [(20, 53), (18, 20)],
             ["50 m", "50 m", "150 m"]),
        raid("w1-cruise-nw", "cruise-missile", 15, "6 s", "18 min", "logistics-hub",
             [(-37, 40), (-36.5, 14), (-36.5, -4)], ["50 m", "50 m", "50 m", "150 m"]),
        # wave 2 (25-55 min): a low strike and a medium-altitude strike by fighters
        raid("w2-fighters-low-n", "fighter", 16, "12 s", "26 min", "capital", [(-12, 53), (-20, 10), (-14, -20)],
             "150 m"),
        raid("w2-fighters-low-e", "fighter", 16, "12 s", "28 min", "airbase-south", [(37, 20), (28, -20)], "150 m"),
        raid("w2-fighters-low-ne", "fighter", 16, "12 s", "30 min", "dam", [(37, 50), (32, 38)], "150 m"),
        raid("w2-fighters-high", "fighter", 12, "15 s", "32 min", "capital", [(10, 53), (0, 0)],
             ["6 km", "6 km", "3 km"], reference="msl"),
        # wave 3 (40-75 min): helicopters low along the valleys, popping up to 100 m to attack
        raid("w3-attack-nw", "attack-helicopter", 12, "20 s", "40 min", "airbase-north", [(-37, 38), (-28, 30)],
             ["40 m", "40 m", "100 m"]),
        raid("w3-attack-n", "attack-helicopter", 12, "20 s", "42 min", "logistics-hub", [(-37, 15), (-32, 2)],
             ["40 m", "40 m", "100 m"]),
        raid("w3-attack-e", "attack-helicopter", 12, "20 s", "44 min", "power-plant", [(37, 10), (24, 7)],
             ["40 m", "40 m", "100 m"]),
        raid("w3-utility-w", "utility-helicopter", 12, "25 s", "46 min", "capital", [(-37, -40), (-24, -38)],
             ["40 m", "60 m", "120 m"]),
        raid("w3-utility-se", "utility-helicopter", 12, "25 s", "48 min", "airbase-south", [(37, -50), (28, -46)],
             ["40 m", "40 m", "100 m"]),
        # wave 4 (55-95 min): a second drone wave and cruise missiles
        raid("w4-drones-n", "drone", 35, "10 s", "55 min", "airbase-north", [(-10, 53), (-16, 40)], "250 m"),
        raid("w4-drones-ne", "drone", 30, "10 s", "57 min", "power-plant", [(26, 53), (18, 25)], "250 m"),
        raid("w4-drones-e", "drone", 30, "10 s", "59 min", "airbase-south", [(37, -25), (26, -36)], "350 m"),
        raid("w4-cruise-e", "cruise-missile", 10, "6 s", "70 min", "dam", [(37, 35), (30, 33)],
             ["50 m", "50 m", "150 m"]),
        raid("w4-cruise-w", "cruise-missile", 10, "6 s", "72 min", "capital", [(-37, -45), (-20, -36)],
             ["50 m", "50 m", "150 m"]),
        raid("w4-cruise-nw", "cruise-missile", 10, "6 s", "74 min", "airbase-north", [(-37, 53), (-26, 36)],
             ["50 m", "50 m", "150 m"]),
        raid("w4-drones-late", "drone", 20, "10 s", "80 min", "dam", [(14, 53), (20, 40)], "250 m"),
        # wave 5 (88-105 min): a last fighter strike on the airbases
        raid("w5-fighters-n", "fighter", 12, "12 s", "88 min", "airbase-north", [(-2, 53), (-14, 34)], "150 m"),
        raid("w5-fighters-e", "fighter", 12, "12 s", "92 min", "airbase-south", [(37, -5), (24, -32)], "150 m"),
    ]


HEADER = """\
# National-scale example (issue 21, item 4). Written by scripts/make_national_example.py: edit the script, not this
# file. A fictional laydown on a real DEM: the SRTM-3 tile N44W072 (White Mountains, New Hampshire) resampled to
# 270 m on UTM 19N (examples/data/PROVENANCE.md), 75.3 km east-west by 107.7 km north-south, x/y from its centre.
# Every parameter comes from the built-in catalog. {n_units} units ({summary}) defend six areas
# against {n_threats} threats in five waves over two hours ({threat_summary}), while {n_civil} civil flights
# cross and a stand-off jammer orbits the northern border.
"""


def render() -> str:
    lay, threats, traffic, jammers = build()
    kinds: dict[str, int] = {}
    for _, u in lay.units:
        kinds[u["type"]] = kinds.get(u["type"], 0) + 1
    by_type: dict[str, int] = {}
    for r in threats:
        by_type[r["type"]] = by_type.get(r["type"], 0) + r["count"]
    n_threats = sum(by_type.values())
    summary = ", ".join(f"{v} {k}" for k, v in kinds.items())
    lines = [HEADER.format(n_units=len(lay.units), summary=summary, n_threats=n_threats,
                           threat_summary=", ".join(f"{v} {k}" for k, v in by_type.items()),
                           n_civil=sum(t["count"] for t in traffic))]
    lines += [
        "format_version: 3",
        "name: national-scale",
        "description: >",
        f"  National-scale example: {len(lay.units)} units, {n_threats} threats and "
        f"{sum(t['count'] for t in traffic)} civil flights, 2 hours at 1 s steps, six defended areas.",
        f"seed: {SEED}",
        "duration: 2 h",
        "step: 1 s",
        f"terrain: {{source: {DEM}}}",
        "",
        "defended_assets:",
    ]
    lines += [f"  - {flow({'id': a, 'x': km(x), 'y': km(y), 'radius': km(r)})}" for a, x, y, r in ASSETS]
    lines += ["", "units:"]
    group = None
    for g, u in lay.units:
        if g != group:
            lines.append(f"  # {g}")
            group = g
        lines.append(f"  - {flow(u)}")
    lines += ["", "links:"] + [f"  - {flow(link)}" for link in lay.links]
    lines += [
        "",
        "authority:",
        "  mode: human-on-the-loop",
        "  veto_window: 10 s",
        "  decision_time: {distribution: lognormal, median: 6 s, sigma: 0.5}",
        "  identification: {p_civil_as_hostile: 0.002, p_hostile_as_civil: 0.02, p_transponder_missed: 0.01}",
        "",
        "doctrine:",
        "  engagement: shoot-look-shoot",
        "  autonomous_fallback: true",
        "  assignment: hungarian",
        "",
        "threats:",
    ]
    lines += [f"  - {flow(r)}" for r in threats]
    lines += ["", "traffic:"] + [f"  - {flow(t)}" for t in traffic]
    lines += ["", "jammers:"] + [f"  - {flow(j)}" for j in jammers]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed file instead of writing")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        same = OUT.is_file() and OUT.read_text() == text
        print(f"{OUT.relative_to(ROOT)}: {'up to date' if same else 'differs from the script'}")
        return 0 if same else 1
    OUT.write_text(text)
    print(f"wrote {OUT.relative_to(ROOT)} ({len(text):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
