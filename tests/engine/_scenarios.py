"""Synthetic engine scenarios on flat terrain, as plain data (the fixture in conftest writes and loads them)."""

from __future__ import annotations

from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def km(value: float) -> str:
    return f"{value} km"


def scenario_dict(units: list[dict], links: list[dict] = (), threats: list[dict] = (), traffic: list[dict] = (),
                  **top) -> dict:
    """A scenario as plain data on 100 km of flat terrain at 100 m; `top` overrides top-level keys."""
    data = {
        "name": "engine-synthetic",
        "seed": 7,
        "duration": "5 min",
        "step": "1 s",
        "terrain": {"flat": "100 m", "extent": "100 km"},
        "defended_assets": [{"id": "base", "x": "0 km", "y": "0 km", "radius": "1 km"}],
        "units": list(units),
        "links": list(links),
        "authority": {"mode": "autonomous", "identification": {
            "p_civil_as_hostile": 0.0, "p_hostile_as_civil": 0.0, "p_transponder_missed": 0.0}},
        "threats": list(threats),
        "traffic": list(traffic),
    }
    data.update(top)
    return data


def _leg(x0: float, y0: float, x1: float, y1: float, altitude: str) -> list[dict]:
    return [{"x": km(x0), "y": km(y0), "altitude": altitude}, {"x": km(x1), "y": km(y1), "altitude": altitude}]


def raid(id_: str, x0: float, y0: float, x1: float = 0.0, y1: float = 0.0, count: int = 1, type_: str = "drone",
         altitude: str = "300 m", start: str = "0 s", spacing: str = "10 s", target: str | None = "base") -> dict:
    out = {"id": id_, "type": type_, "count": count, "spacing": spacing, "start": start,
           "route": _leg(x0, y0, x1, y1, altitude)}
    if target:
        out["target"] = target
    return out


def airliner(id_: str, x0: float, y0: float, x1: float, y1: float, transponder: str = "on",
             altitude: str = "3 km", start: str = "0 s") -> dict:
    return {"id": id_, "type": "medium-airliner", "start": start, "transponder": transponder,
            "route": _leg(x0, y0, x1, y1, altitude)}


def point_defence(**top) -> dict:
    """Two short-range systems (own radar, 4 guidance channels, 12 missiles) at a base, drones and an airliner
    flying over it: the smallest scenario in which everything from detection to kill happens."""
    units = [
        {"id": "sr-1", "type": "sr-system", "x": "1 km", "y": "0 km"},
        {"id": "sr-2", "type": "sr-system", "x": "-1 km", "y": "0 km"},
    ]
    threats = [raid("drones-w", -25, 2, count=6), raid("drones-n", 1, 25, count=4, start="40 s")]
    traffic = [airliner("liner", -30, -3, 30, 3)]
    return scenario_dict(units, threats=threats, traffic=traffic, **top)


def networked(**top) -> dict:
    """A command post, a search radar, a medium-range battery (TELAR guiding a launcher-loader) and a
    short-range system, with unreliable units and links so that kill chains break and heal during a run."""
    flaky = {"availability": 0.8, "mtbf": "3 min", "mttr": "1 min"}
    units = [
        {"id": "cp", "type": "command-post", "x": "0 km", "y": "-3 km", "readiness": flaky},
        {"id": "sr", "type": "mr-search-radar", "x": "2 km", "y": "-2 km", "readiness": flaky},
        {"id": "telar", "type": "mr-telar", "x": "3 km", "y": "0 km", "readiness": flaky},
        {"id": "ll", "type": "mr-launcher-loader", "x": "3.5 km", "y": "0.5 km", "readiness": flaky},
        {"id": "pd", "type": "sr-system", "x": "-1 km", "y": "0 km", "readiness": flaky},
    ]
    links = [
        {"from": "sr", "to": "cp", "carries": "tracks", "availability": 0.8},
        {"from": "cp", "to": "telar", "carries": "cues", "availability": 0.8},
        {"from": "cp", "to": "pd", "carries": "cues"},
        {"from": "telar", "to": "ll", "carries": "fire-control", "availability": 0.8},
    ]
    threats = [raid("wave-1", -40, 5, count=8, type_="fighter", altitude="500 m", spacing="15 s"),
               raid("wave-2", 5, 40, count=8, type_="attack-helicopter", altitude="100 m", spacing="10 s")]
    traffic = [airliner("liner", -40, -10, 40, 10, altitude="5 km")]
    data = scenario_dict(units, links, threats, traffic, **top)
    data["doctrine"] = {"autonomous_fallback": True, "engagement": "salvo", "salvo_size": 3}
    return data
