"""Emission control: when each radar of the network radiates, by policy (a unit's ``emcon``).

A policy turns a unit's ``emcon`` fields (and the other members of its ``group``) into a :class:`Schedule`: the
radar emits during ``[offset + n period, offset + n period + on)`` for every whole ``n``. The schedule is a
property of the unit as ordered; the engine adds that the unit must be working (a failed radar emits nothing).
While dark, a radar detects nothing (its looks miss, so its tracks coast and drop after the doctrine's missed
looks) and guides nothing; a fire unit launches only when its guiding radar will emit until the intercept.

Built-in policies (:data:`iadsim.registry.EMCON_POLICIES`; docs/engine.md, "Emission control"):

* ``always-on`` - emits all the time (the default);
* ``silent`` - never emits (format 2's ``readiness.emission: off``);
* ``blink`` - ``on`` then ``off``, repeating from ``offset``;
* ``rotation`` - the units of one ``group`` take turns of ``slot`` each, in the order the scenario lists them,
  from ``offset``: with n members, each emits one slot in n;
* ``on-cue`` - dark until a fire unit it guides holds a hostile track within ``fraction`` of its missile's
  maximum range, then on; ``ambush`` - the same at the engagement range itself (fraction 1): EW-only ambush,
  the fire-control radar dark until a track is handed over inside the envelope.

A crew may also silence its radar for a while (a shutdown on an anti-radiation missile warning): the schedule
interrupted by silences ``[from, until)`` (:func:`lit_until`, :func:`interrupted`, :func:`last_lit`).

Passive sensors, command posts and launchers without a radar emit nothing whatever their policy (only
``always-on`` and ``silent`` are accepted on them: a schedule for nothing is a mistake in the file).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from iadsim.registry import EMCON_POLICIES

__all__ = ["ALWAYS", "EMCON_POLICIES", "NEVER", "Policy", "Schedule", "emitting", "emitting_until", "interrupted",
           "last_lit", "lit_until", "on_time", "schedules", "switches"]


@dataclass(frozen=True)
class Schedule:
    """When a radar emits: during ``[offset + n period, offset + n period + on)`` for every whole ``n`` [s]. An
    infinite ``period`` is a constant state: always on (``on`` infinite) or never (``on`` 0)."""

    period: float
    on: float
    offset: float = 0.0

    def __post_init__(self) -> None:
        if self.periodic and not 0 < self.on < self.period:
            raise ValueError(f"a periodic schedule emits for part of its period: 0 < on < period (on {self.on}, "
                             f"period {self.period})")

    @property
    def periodic(self) -> bool:
        return bool(np.isfinite(self.period))

    @property
    def duty(self) -> float:
        """The fraction of time it emits."""
        return self.on / self.period if self.periodic else float(self.on > 0)

    def describe(self) -> str:
        """In words, for the audit: 'on 10 s, off 20 s: 33% of the time'."""
        if not self.periodic:
            return "always on" if self.on > 0 else "never on"
        return f"on {self.on:g} s, off {self.period - self.on:g} s: {self.duty:.0%} of the time"


ALWAYS = Schedule(np.inf, np.inf)
NEVER = Schedule(np.inf, 0.0)


class Policy(Protocol):
    """An emission-control policy: ``parameters`` names the ``emcon`` fields it needs; ``schedule(emcon, members,
    index)`` gives a unit's :class:`Schedule` from its ``emcon``, the ``emcon`` of every unit of its group in the
    scenario's order (its own included) and its place among them."""

    parameters: tuple[str, ...]
    radiates: bool  # whether it needs a radiating sensor (a schedule): refused on units that emit nothing

    def schedule(self, emcon, members: list, index: int) -> Schedule: ...


@dataclass(frozen=True)
class Constant:
    """One state all the time (``always-on``, ``silent``): no parameters, and any unit may take it."""

    state: Schedule
    parameters: tuple[str, ...] = ()
    radiates: bool = False

    def schedule(self, emcon, members: list, index: int) -> Schedule:
        return self.state


@dataclass(frozen=True)
class Blink:
    parameters: tuple[str, ...] = ("on", "off")
    radiates: bool = True

    def schedule(self, emcon, members: list, index: int) -> Schedule:
        return Schedule(emcon.on + emcon.off, emcon.on, emcon.offset)


@dataclass(frozen=True)
class Cued:
    """Dark until cued, then on for good (``on-cue``, ``ambush``): the radar goes live when a fire unit it guides
    holds a hostile track within ``fraction`` of its missile's maximum range (``ambush``: the engagement range
    itself, the hand-over). The engine decides when (:func:`iadsim.engine.phases.cue`); as a schedule it is always
    on once live."""

    parameters: tuple[str, ...] = ("fraction",)
    radiates: bool = True
    fraction: float | None = None  # fixed (ambush); None: the unit's emcon.fraction

    def schedule(self, emcon, members: list, index: int) -> Schedule:
        return ALWAYS

    def cue(self, emcon) -> float:
        """The fraction of its missile's maximum range at which a hostile track cues it."""
        return float(self.fraction if self.fraction is not None else emcon.fraction)


@dataclass(frozen=True)
class Rotation:
    parameters: tuple[str, ...] = ("group", "slot")
    radiates: bool = True

    def schedule(self, emcon, members: list, index: int) -> Schedule:
        return Schedule(len(members) * emcon.slot, emcon.slot, emcon.offset + index * emcon.slot)


for _name, _policy in (("always-on", Constant(ALWAYS)), ("silent", Constant(NEVER)), ("blink", Blink()),
                       ("rotation", Rotation()), ("on-cue", Cued()), ("ambush", Cued((), fraction=1.0))):
    EMCON_POLICIES.register(_name, _policy)


def schedules(units) -> dict[str, Schedule]:
    """Each unit's :class:`Schedule` (``units``: the scenario's, each with ``id`` and ``emcon``); the members of a
    group are the units naming it, in the scenario's order."""
    groups: dict[str, list] = {}
    for unit in units:
        if unit.emcon.group is not None:
            groups.setdefault(unit.emcon.group, []).append(unit)
    out = {}
    for unit in units:
        members = groups.get(unit.emcon.group, [unit])  # (no group: the unit alone)
        out[unit.id] = EMCON_POLICIES[unit.emcon.policy].schedule(
            unit.emcon, [m.emcon for m in members], next(i for i, m in enumerate(members) if m is unit))
    return out


def _cycle_start(t, period, offset):
    """The start ``offset + n period`` of the cycle holding ``t`` (``start <= t < offset + (n + 1) period``),
    computed with the same expression as :func:`switches` gives the switch times, so that the state at a switch
    time is the state it switches to, whatever the rounding. The engine's compiled copies of this arithmetic
    (``iadsim.engine._kernels._cycle_start``, ``_scheduled``, ``_lit_until``: :func:`emitting`, :func:`emitting_until`
    and :func:`lit_until` of one schedule) must do the same operations: a change here is a change there
    (``tests/engine/test_kernels.py`` compares them on the switch times)."""
    n = np.floor((t - offset) / period)
    n = np.where(offset + n * period > t, n - 1, np.where(offset + (n + 1) * period <= t, n + 1, n))
    return n, offset + n * period


def _args(*arrays):
    """The arrays as floats broadcast together, whether each schedule is periodic, and its period and ``on``
    where it is (1 and 0 where it is not, so that the arithmetic on them raises no warning)."""
    *rest, period, on, offset = np.broadcast_arrays(*(np.asarray(a, float) for a in arrays))
    finite = np.isfinite(period)
    return rest, finite, np.where(finite, period, 1.0), np.where(finite, on, 0.0), offset, on


def emitting(t, period, on, offset):
    """Whether a schedule (``period``, ``on``, ``offset`` [s], arrays that broadcast) emits at times ``t`` [s]."""
    (t,), finite, p, o, offset, on = _args(t, period, on, offset)
    if not finite.any():  # steady schedules only: on, or never
        return on > 0
    _, start = _cycle_start(t, p, offset)
    return np.where(finite, t < start + o, on > 0)


def emitting_until(t, period, on, offset):
    """When a schedule next stops emitting, from times ``t`` [s]: ``t`` itself where it is dark then, infinity
    where it never stops."""
    (t,), finite, p, o, offset, on = _args(t, period, on, offset)
    _, start = _cycle_start(t, p, offset)
    periodic = np.where(t < start + o, start + o, t)
    return np.where(finite, periodic, np.where(on > 0, np.inf, t))


def _emitted(t, period, on, offset):
    """Emission time from ``offset`` to ``t`` (negative before it) of a periodic schedule: whole periods' ``on``
    plus the part of the current one."""
    n, start = _cycle_start(t, period, offset)
    return n * on + np.minimum(t - start, on)


def on_time(start, end, period, on, offset):
    """How long a schedule emits within ``[start, end)`` [s] (arrays that broadcast)."""
    (start, end), finite, p, o, offset, on = _args(start, end, period, on, offset)
    periodic = _emitted(end, p, o, offset) - _emitted(start, p, o, offset)
    return np.where(finite, periodic, np.where(on > 0, end - start, 0.0))


def switches(start: float, end: float, schedule: Schedule) -> list[tuple[float, bool]]:
    """The times in ``(start, end)`` when a schedule switches, in order, each with the state it switches to
    (True: on)."""
    if not schedule.periodic:
        return []
    out = []
    n = float(_cycle_start(start, schedule.period, schedule.offset)[0])
    while True:
        begin = schedule.offset + n * schedule.period
        if begin >= end:
            break
        for when, state in ((begin, True), (begin + schedule.on, False)):
            if start < when < end:
                out.append((float(when), state))
        n += 1
    return out


# ------------------------------------------------------------------------------------- a schedule interrupted

def silenced_at(silences: np.ndarray, when) -> np.ndarray:
    """(R, S) bool: each radar's crew holds it silent at ``when`` (a scalar, or (R, S)); ``silences`` (R, S, M, >= 2)
    the silences ``[from, until)`` (``inf, inf`` unused)."""
    if not silences.shape[2]:
        return np.zeros(silences.shape[:2], bool)
    at = np.broadcast_to(np.asarray(when, float), silences.shape[:2])[..., None]
    return ((silences[..., 0] <= at) & (at < silences[..., 1])).any(axis=-1)


def lit_until(t, period, on, offset, dark_from, dark_until):
    """When a schedule interrupted by silences next stops emitting, from times ``t``: ``t`` itself where it is dark
    then (by the schedule or a silence), else the earlier of the schedule's next stop and the next silence's start.
    ``dark_from``, ``dark_until`` [s]: the silences ``[from, until)``, with one more (last) axis than ``t`` (any
    number of them, overlapping or not; an unused one is ``inf, inf``)."""
    t = np.asarray(t, float)
    at = t[..., None]
    silent = ((dark_from <= at) & (at < dark_until)).any(axis=-1)
    upcoming = np.where(dark_from >= at, dark_from, np.inf).min(axis=-1, initial=np.inf)
    return np.where(silent, t, np.minimum(emitting_until(t, period, on, offset), upcoming))


def interrupted(start: float, end: float, schedule: Schedule, silences=(), gone: float = np.inf
                ) -> tuple[bool, list[tuple[float, bool]], float]:
    """One radar's emission over ``[start, end)``: its schedule, silent during each ``(from, until)`` of
    ``silences`` (they may overlap) and from ``gone`` on (its destruction). Returns its state at ``start``, the
    times in ``(start, end)`` it switches with the state it switches to (a schedule's switch inside a silence, or
    one at the instant of ``gone``, does not happen), and how long it emits."""
    silences = [(float(a), float(b)) for a, b in silences if a < b]

    def state(t: float, scheduled: bool) -> bool:
        return scheduled and t < gone and not any(a <= t < b for a, b in silences)

    scheduled = bool(emitting(start, schedule.period, schedule.on, schedule.offset))
    first = now = state(start, scheduled)
    turns = dict(switches(start, end, schedule))
    points = sorted(set(turns) | {p for a, b in silences for p in (a, b) if start < p < end}
                    | ({gone} if start < gone < end else set()))
    out, span, since = [], 0.0, start
    for when in points:
        scheduled = turns.get(when, scheduled)
        after = state(when, scheduled)
        if after != now:
            if now:
                span += when - since
            since, now = when, after
            out.append((float(when), after))
    if now:
        span += end - since
    return first, out, span


def last_lit(t: float, since: float, schedule: Schedule, silences=(), gone: float = np.inf) -> float | None:
    """The last instant in ``[since, t]`` at which a radar emitted (its schedule, silent during ``silences`` and
    from ``gone`` on): ``t`` if it emits then, else the end of its last emission; None if it did not emit then."""
    first, turns, _ = interrupted(since, t, schedule, silences, gone)
    now = bool(emitting(t, schedule.period, schedule.on, schedule.offset)) and t < gone and not any(
        a <= t < b for a, b in silences)
    if now:
        return t
    offs = [when for when, state in turns if not state]
    if offs:
        return offs[-1]
    return t if first or any(state for _, state in turns) else None
