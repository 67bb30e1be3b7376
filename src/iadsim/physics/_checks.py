"""Argument checks shared by the physics modules (private).

Every check raises :class:`ValueError` with a message that names the argument, the rule it broke and
the offending value, so that a scenario author can find the mistake.
"""

from __future__ import annotations

import numpy as np


def as_float(name: str, value) -> np.ndarray:
    """``value`` as a float array; NaN is refused because it silently poisons every later result."""
    array = np.asarray(value, dtype=float)
    if np.isnan(array).any():
        raise ValueError(f"{name} must not be NaN")
    return array


def open_unit_interval(name: str, value) -> np.ndarray:
    """A probability strictly between 0 and 1 (``pfa``, ``pd``)."""
    array = as_float(name, value)
    bad = (array <= 0.0) | (array >= 1.0)
    if bad.any():
        raise ValueError(f"{name} must be in the open interval (0, 1); got {array[bad].ravel()[0]!r}")
    return array


def closed_unit_interval(name: str, value) -> np.ndarray:
    """A probability in [0, 1] (``pk``, ``d0``)."""
    array = as_float(name, value)
    bad = (array < 0.0) | (array > 1.0)
    if bad.any():
        raise ValueError(f"{name} must be in [0, 1]; got {array[bad].ravel()[0]!r}")
    return array


def non_negative(name: str, value) -> np.ndarray:
    """A length, height, time or similar quantity that cannot be negative."""
    array = as_float(name, value)
    bad = array < 0.0
    if bad.any():
        raise ValueError(f"{name} must be >= 0; got {array[bad].ravel()[0]!r}")
    return array


def positive(name: str, value) -> np.ndarray:
    """A strictly positive quantity (power, frequency, pulse width, speed, ...)."""
    array = as_float(name, value)
    bad = ~(array > 0.0)
    if bad.any():
        raise ValueError(f"{name} must be > 0; got {array[bad].ravel()[0]!r}")
    return array


def pulse_count(name: str, value) -> np.ndarray:
    """An integer number of pulses >= 1 (floats are accepted when integral, e.g. 10.0)."""
    array = as_float(name, value)
    bad = ~np.isfinite(array) | (array < 1.0) | (array != np.round(array))
    if bad.any():
        raise ValueError(f"{name} must be an integer >= 1; got {array[bad].ravel()[0]!r}")
    return array.astype(np.int64)


def output(value):
    """A Python float for a 0-d result, otherwise the array unchanged."""
    array = np.asarray(value)
    if array.ndim == 0:
        return array.item()
    return array
