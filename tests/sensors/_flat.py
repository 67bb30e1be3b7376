"""Plain-data pieces of the sensor tests' flat scenarios (the fixture in conftest writes and loads them)."""

from __future__ import annotations


def drone(id_: str, x_km: float, y_km: float, altitude: str = "300 m") -> dict:
    """One drone that starts at (x, y) [km] (where it is at time 0) and flies north."""
    return {"id": id_, "type": "drone", "route": [
        {"x": f"{x_km:g} km", "y": f"{y_km:g} km", "altitude": altitude},
        {"x": f"{x_km:g} km", "y": f"{y_km + 1:g} km", "altitude": altitude}]}


def radar_catalog(name: str, label: str, model: str | None = None, fields: dict | None = None, **values: str) -> str:
    """The text of a catalog file with one radar type ``name``: the built-in early-warning radar's numbers and
    sources, its ``model`` (left out when None), plain ``fields`` (e.g. ``{"role": "fire-control"}``) and the
    given ``values`` (e.g. ``instrumented_range="20 km"``)."""
    from importlib.resources import files

    import yaml

    builtin = yaml.safe_load(files("iadsim.scenario").joinpath("catalog/air_defence.yaml").read_text())
    entry = dict(builtin["types"]["ew-radar"], label=label)
    for field, value in values.items():
        entry[field] = {**entry[field], "value": value, "grade": "assumed"}
    if model is not None:
        entry["model"] = model
    entry.update(fields or {})
    if entry.get("role") == "fire-control":  # a steered pencil beam: no fixed tilt or cosecant-squared coverage
        entry.pop("elevation_tilt", None)
        entry.pop("csc2_ceiling", None)
    return yaml.safe_dump({"sources": builtin["sources"], "types": {name: entry}}, sort_keys=False)
