"""Pydantic field types for quantities written with units; each becomes an SI float at the edge."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, WithJsonSchema

from iadsim.units import EXAMPLES, UnitError, parse_quantity

_SI = {"length": "m", "speed": "m/s", "time": "s", "frequency": "Hz", "power": "W", "angle": "rad"}
"""Each bounded dimension's SI unit, for the bound's message."""
_READABLE = {"length": (1e3, "km"), "time": (86400.0, "days"), "frequency": (1e9, "GHz"), "power": (1e6, "MW")}
"""A bound also said in the unit people would write it in."""


def _bound(maximum: float, dimension: str) -> str:
    """``maximum`` [SI] as the bound's message says it: ``30 days (2.592e+06 s)``, ``10000 m/s``."""
    si = f"{maximum:g} {_SI.get(dimension, '')}".strip()
    if dimension in _READABLE:
        scale, unit = _READABLE[dimension]
        return f"{maximum / scale:g} {unit} ({si})"
    return si


def _quantity(dimension: str, *, positive: bool = False, non_negative: bool = False, maximum: float | None = None):
    def parse(value: object) -> float:
        try:
            return parse_quantity(value, dimension)  # type: ignore[arg-type]
        except UnitError as exc:
            raise ValueError(str(exc)) from None

    def check(value: float) -> float:
        if positive and not value > 0:
            raise ValueError("must be greater than zero")
        if non_negative and value < 0:
            raise ValueError("must not be negative")
        if maximum is not None and value > maximum:
            raise ValueError(f"is absurdly large (at most {_bound(maximum, dimension)})")
        return value

    schema = {
        "type": "string",
        "description": f"a {dimension.replace('_', ' ')} with its unit, e.g. '{EXAMPLES[dimension]}'",
        "examples": [EXAMPLES[dimension]],
    }
    if dimension == "ratio_db":
        schema = {"anyOf": [{"type": "number"}, schema]}
    return Annotated[float, BeforeValidator(parse), AfterValidator(check), WithJsonSchema(schema)]


# Bounds keep absurd input out: nothing in an air-defence scenario is further than the Moon.
Length = _quantity("length", non_negative=True, maximum=5e6)
Distance = _quantity("length", positive=True, maximum=5e6)
Coordinate = Annotated[
    float,
    BeforeValidator(lambda v: _coord(v)),
    WithJsonSchema({"type": "string", "description": "a signed length, e.g. '-12 km'", "examples": ["-12 km"]}),
]
Altitude = _quantity("length", maximum=1e5)  # may be negative MSL (Dead Sea), bounded above
Speed = _quantity("speed", positive=True, maximum=1e4)
Duration = _quantity("time", non_negative=True, maximum=30 * 86400)
PositiveDuration = _quantity("time", positive=True, maximum=30 * 86400)
Frequency = _quantity("frequency", positive=True, maximum=1e12)
Power = _quantity("power", positive=True, maximum=1e9)
SignedAngle = _quantity("angle", maximum=7.0)
PositiveAngle = _quantity("angle", positive=True, maximum=7.0)


def _coord(value: object) -> float:
    try:
        out = parse_quantity(value, "length")  # type: ignore[arg-type]
    except UnitError as exc:
        raise ValueError(str(exc)) from None
    if abs(out) > 5e6:
        raise ValueError("is absurdly far from the origin (more than 5000 km)")
    return out


def _probability(value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise ValueError("must be a probability between 0 and 1")
    return value

Grade = Literal["published", "derived", "assumed"]


class Strict(BaseModel):
    """Base for every file model: frozen, unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, validate_default=True)
