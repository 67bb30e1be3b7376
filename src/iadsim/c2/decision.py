"""Operator decision-time distributions, chosen by ``authority.decision_time.distribution``.

Each is drawn by its inverse CDF from one keyed uniform, so a replication's decision times do not depend
on how work is split. ``parameters`` names the fields of ``decision_time`` the distribution uses (and
needs); ``check`` refuses inconsistent values with a ValueError.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from scipy import special

from iadsim.registry import DECISION_TIMES

__all__ = ["DECISION_TIMES", "Distribution", "Fixed", "Lognormal", "Triangular", "Uniform"]


class Distribution(Protocol):
    """A decision-time distribution [s]: ``ppf(spec, u)`` is its inverse CDF at ``u`` in [0, 1), with the
    distribution's ``parameters`` read from ``spec`` (an ``authority.decision_time``)."""

    parameters: tuple[str, ...]

    def check(self, spec) -> None: ...

    def ppf(self, spec, u: float) -> float: ...


@dataclass(frozen=True)
class Fixed:
    parameters: tuple[str, ...] = ("value",)

    def check(self, spec) -> None:
        pass

    def ppf(self, spec, u: float) -> float:
        return spec.value


@dataclass(frozen=True)
class Uniform:
    parameters: tuple[str, ...] = ("low", "high")

    def check(self, spec) -> None:
        if not spec.low <= spec.high:
            raise ValueError("needs low <= high")

    def ppf(self, spec, u: float) -> float:
        return spec.low + u * (spec.high - spec.low)


@dataclass(frozen=True)
class Triangular:
    parameters: tuple[str, ...] = ("low", "mode", "high")

    def check(self, spec) -> None:
        if not spec.low <= spec.mode <= spec.high:
            raise ValueError("needs low <= mode <= high")

    def ppf(self, spec, u: float) -> float:
        if spec.high <= spec.low:  # (all three equal: that time; scipy gives NaN for a zero width)
            return float(spec.low)
        scale = spec.high - spec.low
        c = (spec.mode - spec.low) / scale
        # scipy.stats.triang.ppf(u, c, loc=low, scale=high - low) in its arithmetic (its _ppf, times the scale, plus
        # the low end; 0 and 1 give the ends), without its per-call overhead
        x = math.sqrt(c * u) if u < c else 1.0 - math.sqrt((1.0 - c) * (1.0 - u))
        return float(x * scale + spec.low)


@dataclass(frozen=True)
class Lognormal:
    """Median and the standard deviation of the log (``sigma``)."""

    parameters: tuple[str, ...] = ("median", "sigma")

    def check(self, spec) -> None:
        pass

    def ppf(self, spec, u: float) -> float:
        # special.ndtri is what stats.norm.ppf evaluates, without its per-call overhead
        return float(spec.median * np.exp(spec.sigma * special.ndtri(min(max(u, 1e-12), 1 - 1e-12))))


DECISION_TIMES.register("fixed", Fixed())
DECISION_TIMES.register("uniform", Uniform())
DECISION_TIMES.register("triangular", Triangular())
DECISION_TIMES.register("lognormal", Lognormal())
