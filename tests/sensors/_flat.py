"""Plain-data pieces of the sensor tests' flat scenarios (the fixture in conftest writes and loads them)."""

from __future__ import annotations


def drone(id_: str, x_km: float, y_km: float, altitude: str = "300 m") -> dict:
    """One drone that starts at (x, y) [km] (where it is at time 0) and flies north."""
    return {"id": id_, "type": "drone", "route": [
        {"x": f"{x_km:g} km", "y": f"{y_km:g} km", "altitude": altitude},
        {"x": f"{x_km:g} km", "y": f"{y_km + 1:g} km", "altitude": altitude}]}
