"""One small run on the sample terrain, simulated once per test session, with hostile text in its name."""

from pathlib import Path

import pytest

NASTY_NAME = "tiny <b>bold</b> <script>alert(1)</script>"
NASTY_DESCRIPTION = 'A "quoted" & <img src=x onerror=alert(2)> description'

SCENARIO = """\
name: "{name}"
description: '{description}'
seed: 7
duration: 6 min
step: 2 s
terrain: {{source: sample}}
defended_assets:
  - {{id: airbase, x: 8 km, y: -4 km, radius: 1.5 km}}
units:
  - {{id: ew-1, type: ew-radar, x: 12 km, y: 4 km, mast_height: 20 m}}
  - {{id: cp-1, type: command-post, x: 9 km, y: -6 km}}
  - {{id: sr-1, type: mr-search-radar, x: 6 km, y: 2 km, mast_height: 15 m}}
  - {{id: telar-1, type: mr-telar, x: 5 km, y: 1 km, mast_height: 6 m, crew: untrained}}
  - {{id: ll-1, type: mr-launcher-loader, x: 5.4 km, y: 0.6 km}}
  - {{id: lone-l1, type: lr-launcher, x: 7.3 km, y: -6.4 km}}
links:
  - {{from: ew-1, to: cp-1, carries: tracks, latency: 2 s}}
  - {{from: sr-1, to: cp-1, carries: tracks, status: down}}
  - {{from: sr-1, to: telar-1, carries: cues, latency: 1 s}}
  - {{from: cp-1, to: telar-1, carries: cues, latency: 2 s}}
  - {{from: telar-1, to: ll-1, carries: fire-control, latency: 0.2 s}}
authority:
  mode: human-on-the-loop
  decision_time: {{distribution: fixed, value: 5 s}}
threats:
  - id: raid
    type: utility-helicopter
    count: 2
    spacing: 20 s
    target: airbase
    route:
      - {{x: -8 km, y: 6 km, altitude: 60 m}}
      - {{x: 2 km, y: 1 km, altitude: 60 m}}
      - {{x: 8 km, y: -4 km, altitude: 40 m}}
traffic:
  - id: liner
    type: medium-airliner
    route:
      - {{x: -14 km, y: 13 km, altitude: 10 km}}
      - {{x: 13.5 km, y: -14 km, altitude: 10 km}}
"""


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory) -> Path:
    """A run folder of 5 replications of the tiny scenario (written by iadsim.analysis.simulate)."""
    from iadsim.analysis import simulate
    from iadsim.scenario import load_scenario

    folder = tmp_path_factory.mktemp("run")
    path = folder / "tiny.yaml"
    path.write_text(SCENARIO.format(name=NASTY_NAME.replace('"', '\\"'), description=NASTY_DESCRIPTION))
    out = folder / "out"
    simulate(load_scenario(path), 5, out_dir=out)
    return out


@pytest.fixture(scope="session")
def report_path(run_dir, tmp_path_factory) -> Path:
    """The HTML report of the run (compared with itself, as two variants) with a missing sweep folder."""
    from iadsim.report import build_report

    out = tmp_path_factory.mktemp("report") / "report.html"
    return build_report([run_dir, run_dir], out, sweep_dir=run_dir.parent / "no-such-sweep")
