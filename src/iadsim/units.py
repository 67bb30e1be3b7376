"""Constants and unit conversions: the only place in iadsim where units are converted.

Everything inside iadsim is SI (metres, seconds, hertz, watts, radians, square metres). Scenario files
say quantities the way people write them (``12 km``, ``120 kn``, ``-10 dBsm``); :func:`parse_quantity`
turns them into SI floats at the edge. Decibel quantities keep a ``_db`` suffix in names.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from iadsim.files import user_cache_folder

if TYPE_CHECKING:
    import pint

SPEED_OF_LIGHT = 299_792_458.0
"""Speed of light in vacuum [m/s] (exact, SI definition)."""
BOLTZMANN = 1.380649e-23
"""Boltzmann constant [J/K] (exact, SI 2019 definition)."""
EARTH_RADIUS = 6_378_137.0
"""WGS-84 equatorial radius [m]; the effective radius is k times this."""
STANDARD_TEMPERATURE = 290.0
"""IEEE standard noise temperature T0 [K]."""

# The dimensions a scenario quantity can have, each with the SI unit it is converted to.
DIMENSIONS: dict[str, str] = {
    "length": "m",
    "speed": "m/s",
    "acceleration": "m/s**2",
    "time": "s",
    "frequency": "Hz",
    "power": "W",
    "angle": "rad",
    "angular_speed": "rad/s",
    "area": "m**2",
    "temperature": "K",
    "irradiance": "W/m**2",
    "intensity": "W/sr",
    "attenuation": "1/m",
}
EXAMPLES: dict[str, str] = {
    "length": "12 km",
    "speed": "120 kn",
    "acceleration": "30 m/s^2",
    "time": "2 min",
    "frequency": "3 GHz",
    "power": "100 kW",
    "angle": "45 deg",
    "angular_speed": "6 rpm",
    "area": "-10 dBsm",
    "temperature": "290 K",
    "ratio_db": "3 dB",
    "irradiance": "1e-12 W/cm^2",
    "intensity": "200 W/sr",
    "attenuation": "0.15 km^-1",
}

_DB_RE = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(dB[a-zA-Z0-9]*)\s*$")
_DB_SUFFIX = {"area": {"dBsm", "dBm2"}, "ratio_db": {"dB", "dBi"}, "power": {"dBW", "dBm"}}
_DB_SCALE = {"dBm": 1e-3}  # decibels above a milliwatt


class UnitError(ValueError):
    """A quantity that cannot be read, or has the wrong dimension."""


@lru_cache(maxsize=1)
def _registry() -> pint.UnitRegistry:
    return new_registry(registry_cache_folder())


def registry_cache_folder() -> Path:
    """``$XDG_CACHE_HOME/iadsim/pint/<environment>`` (``~/.cache`` when XDG_CACHE_HOME is not set): one folder per
    Python environment (a hash of ``sys.prefix``), as pint's cache names the definition files of the environment
    that wrote it."""
    return user_cache_folder("pint", hashlib.sha256(sys.prefix.encode()).hexdigest()[:16])


def new_registry(cache_folder: Path | None = None) -> pint.UnitRegistry:
    """A pint unit registry. Parsing pint's definitions takes about 0.3 s of every command's start; with a
    ``cache_folder`` (a folder for this cache alone, made readable by its owner only) pint keeps the parsed registry
    there, keyed by the definitions' content and pint's and Python's versions, and reads it back in about a tenth
    of that. A cache that cannot be read (damaged, half-written by another process, naming files gone) has its
    entries removed and is written again once; a folder that cannot be made or written is passed over: the
    definitions are parsed afresh."""
    import pint  # imported lazily: it costs ~0.2 s and only the scenario edge needs it

    try:
        if cache_folder is not None:
            Path(cache_folder).mkdir(mode=0o700, parents=True, exist_ok=True)  # (pickles: loading one runs code)
            if not os.access(cache_folder, os.W_OK | os.X_OK):
                cache_folder = None  # (pint would parse, fail to write, and the definitions be parsed again)
    except OSError:
        cache_folder = None
    for attempt in range(2 if cache_folder is not None else 0):
        try:
            return pint.UnitRegistry(autoconvert_offset_to_baseunit=True, cache_folder=cache_folder)
        except Exception:  # (pickle, I/O and pint's own errors alike: any of them means "no usable cache")
            if attempt or not _clear_cache(Path(cache_folder)):
                break  # (nothing to clear: a folder that cannot be written, not a bad entry)
    return pint.UnitRegistry(autoconvert_offset_to_baseunit=True)


_CACHE_ENTRY = re.compile(r"[0-9a-f]{40}\.(?:pickle|json)")  # how pint's cache (flexcache) names its files


def _clear_cache(folder: Path) -> bool:
    """Remove the entries pint's cache writes (named by a SHA-1 hash, ``.pickle`` and ``.json``) from ``folder``,
    each as far as it can; returns whether any was removed."""
    removed = False
    try:
        entries = [path for path in folder.iterdir() if _CACHE_ENTRY.fullmatch(path.name)]
    except OSError:
        return False
    for path in entries:
        try:
            path.unlink()
            removed = True
        except OSError:
            pass
    return removed


def db_to_linear(value_db):
    """Power ratio from decibels: 10^(x/10)."""
    return np.power(10.0, np.asarray(value_db, dtype=float) / 10.0)


def linear_to_db(value):
    """Decibels from a power ratio: 10 log10(x)."""
    return 10.0 * np.log10(np.asarray(value, dtype=float))


def parse_quantity(text: str | int | float, dimension: str) -> float:
    """Convert a quantity written by a person into an SI float.

    Parameters
    ----------
    text : str
        For example ``"12 km"``, ``"120 kn"``, ``"-10 dBsm"`` (area), ``"38 dB"`` (ratio_db): a number,
        then a unit name (``m^2``, ``km/h`` and one-digit powers are fine). Arithmetic is not accepted.
    dimension : str
        A key of :data:`DIMENSIONS` or ``"ratio_db"`` (a plain decibel value, returned in dB).

    Raises
    ------
    UnitError
        With a message that says what was expected, e.g. ``expected a length such as '12 km'``.
    """
    example = EXAMPLES.get(dimension, "")
    what = _noun(dimension)
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        raise UnitError(f"expected {what} such as '{example}'")
    if isinstance(text, (int, float)):
        if dimension == "ratio_db":
            return _finite(float(text), str(text))
        raise UnitError(f"'{text}' needs a unit: write {what} such as '{example}'")
    if len(text) > _MAX_TEXT:
        raise UnitError(f"'{clip(text)}' is too long for a quantity (expected e.g. '{example}')")
    match = _DB_RE.match(text)
    if match:
        number, suffix = float(match.group(1)), match.group(2)
        if suffix in _DB_SUFFIX.get(dimension, ()):
            value = number if dimension == "ratio_db" else float(db_to_linear(number)) * _DB_SCALE.get(suffix, 1.0)
            return _finite(value, text)
        raise UnitError(f"'{text}' is not {what} (expected e.g. '{example}')")
    if dimension == "ratio_db":
        raise UnitError(f"'{text}' is not a decibel value such as '{example}'")
    if dimension not in DIMENSIONS:
        raise UnitError(f"unknown dimension {dimension!r}")
    if is_bare_number(text):
        raise UnitError(f"'{text}' needs a unit: write {what} such as '{example}'")
    # Only "<number> <unit>" reaches pint: its parser evaluates arithmetic, so '10**10**10 m' would hang
    # and '1 000 m' (1 * 000 m) or '1,5 km' (15 km) would silently give the wrong number.
    match = _QUANTITY_RE.match(text)
    if match is None:
        raise UnitError(f"'{text}' is not {what} (expected e.g. '{example}')")
    registry = _registry()
    try:
        quantity = registry.Quantity(float(match.group(1)), match.group(2))
        value = quantity.to(DIMENSIONS[dimension]).magnitude
    except Exception as exc:  # pint raises many types; all mean "not this dimension"
        raise UnitError(f"'{text}' is not {what} (expected e.g. '{example}')") from exc
    return _finite(float(value), text)


_MAX_TEXT = 100
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_FACTOR = r"(?:[^\W\d_]|°)(?:[^\W\d]|°)*(?:\s*(?:\*\*|\^)\s*[-+]?\d)?"  # a unit name, maybe ^2 or **-1
_QUANTITY_RE = re.compile(rf"^\s*({_NUMBER})\s*({_FACTOR}(?:\s*[*/]\s*{_FACTOR}|\s+{_FACTOR})*)\s*$")


def _noun(dimension: str) -> str:
    """'a length', 'an angle', 'a decibel value'."""
    noun = {"ratio_db": "decibel value"}.get(dimension, dimension.replace("_", " "))
    return ("an " if noun[:1] in ("a", "e", "i", "o", "u") else "a ") + noun


def clip(text: str, limit: int = 40) -> str:
    """Shorten text for an error message."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_bare_number(text: str) -> bool:
    """True for text that is a plain number (no unit)."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _finite(value: float, text: str) -> float:
    if not math.isfinite(value):
        raise UnitError(f"'{text}' is not a finite quantity")
    return value


def format_quantity(value: float, dimension: str | None) -> str:
    """An SI value written for people in a unit that suits its size: ``12.5 km``, ``3 GHz``, ``100 kW``,
    ``2 m² (3.0 dBsm)``, ``45 deg``, ``38 dB``; a plain number for ``None``."""
    if dimension is None:
        return f"{value:g}"
    if dimension == "choice":
        return str(value)
    if dimension == "ratio_db":
        return f"{value:g} dB"
    if dimension == "area":
        db = f" ({float(linear_to_db(value)):.1f} dBsm)" if value > 0 else ""
        return f"{value:g} m²{db}"
    if dimension == "angle":
        return f"{math.degrees(value):.4g} deg"
    if dimension == "angular_speed":
        return f"{math.degrees(value):.4g} deg/s"
    scales = {
        "length": ((1e3, "km"), (1.0, "m")),
        "frequency": ((1e9, "GHz"), (1e6, "MHz"), (1e3, "kHz"), (1.0, "Hz")),
        "power": ((1e6, "MW"), (1e3, "kW"), (1.0, "W"), (1e-3, "mW")),
        "time": ((3600.0, "h"), (60.0, "min"), (1.0, "s"), (1e-3, "ms"), (1e-6, "µs")),
        "speed": ((1.0, "m/s"),),
        "acceleration": ((1.0, "m/s^2"),),
        "temperature": ((1.0, "K"),),
        "irradiance": ((1.0, "W/m^2"),),
        "intensity": ((1.0, "W/sr"),),
        "attenuation": ((1e-3, "km^-1"),),
    }.get(dimension)
    if scales is None:
        raise ValueError(f"unknown dimension {dimension!r}")
    for factor, name in scales:
        if abs(value) >= factor * (2 if dimension == "time" and factor > 1 else 1):
            return f"{value / factor:.4g} {name}"
    factor, name = scales[-1]
    return f"{value / factor:.4g} {name}"
