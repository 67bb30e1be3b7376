"""A test catalog and raids for fire-control tests: a launcher with its own radar, a missile and a target
type with the tests' numbers, not the built-in catalog's."""

from __future__ import annotations

import numpy as np
import yaml

from ._scenarios import scenario_dict

# A launcher with its own radar (2 guidance channels, sure detection far beyond the missile's reach, a pulse
# short enough (15 m) that targets 100 m apart give a plot each, and so accurate (1 mm, 1e-6 deg) that the fused
# track predicts the intercept, and the moment it enters the envelope, to a millisecond: a fire unit launches on
# its own track's solution, and at 1 m the track put it up to 10 ms late), a missile with Pk 1 and a box
# envelope 1.2-12 km, and a target type.
INTERVAL, CHANNELS, MISSILE_SPEED, MIN_RANGE, MAX_RANGE = 5.0, 2, 600.0, 1200.0, 12000.0
SPEED, START_X, HEIGHT = 100.0, 30000.0, 2000.0  # targets fly from 30 km east straight at the base, 2 km up
LAUNCHER_Z = 3.0  # the engine places a launcher 3 m above its ground (engine.world.build_world)
DZ = HEIGHT - LAUNCHER_Z  # a target's height above the launcher (both over the same 100 m ground)


def _sourced(values: dict) -> dict:
    return {k: {"value": v, "source": "test", "grade": "assumed"} for k, v in values.items()}


def catalog(missile: dict | None = None, target: dict | None = None, radar: dict | None = None) -> dict:
    """The test catalog; ``missile``, ``target`` and ``radar`` override or add catalog values (None: remove)."""
    def merged(base: dict, extra: dict | None) -> dict:
        out = dict(base) | dict(extra or {})
        return _sourced({k: v for k, v in out.items() if v is not None})

    return {"sources": {"test": "the numbers of the engine tests"}, "types": {
        "t-radar": {"kind": "radar", "role": "fire-control", "label": "test radar", "autonomous_search": True,
                    **merged({"frequency": "10 GHz", "peak_power": "15 MW", "gain": "42 dB", "pulse_width": "0.1 us",
                              "prf": "2 kHz", "beamwidth": "1 deg", "scan_period": "1 s",
                              "instrumented_range": "100 km", "detection_range": "100 km", "reference_rcs": "2 m^2",
                              "losses": "10 dB", "system_temperature": "500 K", "pfa": 1.0e-6,
                              "range_accuracy": "1 mm", "azimuth_accuracy": "1e-6 deg", "mti_improvement": "40 dB",
                              "guidance_channels": CHANNELS}, radar)},
        "t-missile": {"kind": "missile", "label": "test missile",
                      **merged({"min_range": f"{MIN_RANGE} m", "max_range": f"{MAX_RANGE} m", "min_altitude": "5 m",
                                "max_altitude": "15 km", "speed": f"{MISSILE_SPEED} m/s",
                                "max_target_speed": "1000 m/s", "pk": 1.0}, missile)},
        "t-launcher": {"kind": "launcher", "label": "test launcher", "missile": "t-missile", "radar": "t-radar",
                       **_sourced({"missiles": 200, "launch_interval": f"{INTERVAL} s", "reload_time": "1 h"})},
        "t-target": {"kind": "aircraft", "category": "drone", "label": "test target", "swerling": 0,
                     **merged({"rcs": "1 m^2", "cruise_speed": "100 m/s", "max_speed": "300 m/s"}, target)},
    }}


def scenario_maker(make_scenario, tmp_path):
    """make(step, units=..., threats=..., catalog=..., **top) -> a loaded scenario using a test catalog: one
    launcher at the base, kill assessment 0 s, a 100 km acquisition basket unless ``doctrine`` says otherwise."""
    written = iter(range(10_000))

    def make(step: str, units=None, threats=None, types: dict | None = None, duration: str = "7 min", **top):
        name = f"t-types-{next(written)}.yaml"  # one file per scenario: no two share a catalog by accident
        (tmp_path / name).write_text(yaml.safe_dump(types or catalog(), sort_keys=False))
        units = units or [{"id": "sam", "type": "t-launcher", "x": "0 km", "y": "0 km"}]
        doctrine = {"kill_assessment_time": "0 s", "acquisition_basket": "100 km",
                    "tracking": {"process_noise": 1e-4}} | top.pop("doctrine", {})
        data = scenario_dict(units, threats=threats or [stream(1)], duration=duration, step=step, doctrine=doctrine,
                             **top)
        data["catalog"] = [name]
        return make_scenario(data)

    return make


def stream(count: int, spacing: str = "1 s", id_: str = "stream", bearing_deg: float = 90.0, start_x: float = START_X,
           height: float = HEIGHT, offset: float = 0.0, start: str = "0 s") -> dict:
    """``count`` targets, ``spacing`` apart, from ``start_x`` out on ``bearing_deg`` straight at the base (or
    passing it ``offset`` m to the side), ``height`` above the 100 m ground (MSL route)."""
    b = np.radians(bearing_deg)
    side = np.array([np.cos(b), -np.sin(b)]) * offset
    x0, y0 = start_x * np.sin(b) + side[0], start_x * np.cos(b) + side[1]
    x1, y1 = (-start_x * np.sin(b) + side[0], -start_x * np.cos(b) + side[1]) if offset else (0.0, 0.0)
    point = lambda x, y: {"x": f"{x:.3f} m", "y": f"{y:.3f} m", "altitude": f"{100 + height} m",  # noqa: E731
                          "speed": f"{SPEED} m/s"}
    return {"id": id_, "type": "t-target", "count": count, "spacing": spacing, "start": start,
            "target": None if offset else "base", "altitude_reference": "msl", "route": [point(x0, y0), point(x1, y1)]}


def time_of_flight(ground: float, dz: float) -> float:
    """Flight time of a missile at MISSILE_SPEED meeting a target ``ground`` metres away (horizontally) and
    ``dz`` above it, flying straight at the launcher at SPEED: the positive root of
    (ground - SPEED t)^2 + dz^2 = (MISSILE_SPEED t)^2."""
    a, b, c = MISSILE_SPEED**2 - SPEED**2, 2 * ground * SPEED, -(ground**2 + dz**2)
    return (-b + np.sqrt(b * b - 4 * a * c)) / (2 * a)
