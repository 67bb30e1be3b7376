"""Small scenarios shared by several test folders, as YAML text."""

from __future__ import annotations

_TINY = """\
name: tiny
seed: 7
duration: 3 min
step: 1 s
terrain: {flat: 100 m, extent: 30 km}
defended_assets:
  - {id: base, x: 0 km, y: 0 km, radius: 1.5 km}
units:
  - {id: cp, type: command-post, x: 1 km, y: -1 km}
  - {id: sr, type: mr-search-radar, x: 0 km, y: 2 km, mast_height: 15 m, readiness: {availability: 0.9}}
  - {id: telar, type: mr-telar, x: -1 km, y: 1 km, mast_height: 6 m, readiness: {availability: 0.8}}
  - {id: ll, type: mr-launcher-loader, x: -1.4 km, y: 0.6 km}
links:
  - {from: sr, to: cp, carries: tracks, latency: 2 s}
  - {from: cp, to: telar, carries: cues, latency: 2 s}
  - {from: sr, to: telar, carries: cues, latency: 1 s}
  - {from: telar, to: ll, carries: fire-control, latency: 0.2 s}
authority:
  mode: human-on-the-loop
  decision_time: {distribution: lognormal, median: 6 s, sigma: 0.5}
  identification: {p_civil_as_hostile: 0.05, p_hostile_as_civil: 0.05}
threats:
  - id: raid
    type: attack-helicopter
    count: 4
    spacing: 10 s
    target: base
    route:
      - {x: -9 km, y: 3 km, altitude: 60 m}
      - {x: 0 km, y: 0 km, altitude: 60 m}
traffic:
  - id: air
    type: medium-airliner
    route:
      - {x: -14 km, y: -5 km, altitude: 3 km}
      - {x: 14 km, y: 5 km, altitude: 3 km}
"""


def tiny(name: str = "tiny", step: str = "1 s", ground: str = "100 m") -> str:
    """Three minutes on flat terrain: a command post, a search radar, a TELAR guiding a launcher-loader, a raid of
    four helicopters on the base and an airliner overhead; ``name``, ``step`` and the ground's ``ground`` height as
    given."""
    return (_TINY.replace("name: tiny\n", f"name: {name}\n", 1).replace("step: 1 s\n", f"step: {step}\n", 1)
            .replace("{flat: 100 m,", f"{{flat: {ground},", 1))
