"""Simulation state as arrays over R replications, grouped by what the phases read and write: readiness,
sensor tracks, picture, engagements, batteries and outcomes; engagement phase codes; the invariants
(:meth:`State.check`); and the modelling assumptions no scenario field sets.

Shapes: R replications, T targets, S sensors, F fire units, U units, L links, G guiding radars.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

__all__ = ["ASSESSING", "CLEARED", "FLYING", "IDLE", "PENDING", "Assumptions", "Batteries", "Engagements",
           "InvariantError", "Outcomes", "Phase", "Picture", "Readiness", "SensorTracks", "State"]


class Phase(IntEnum):
    """Where an engagement of a target stands (``Engagements.phase``)."""

    IDLE = 0  # no engagement: the target may be nominated
    PENDING = 1  # nominated, waiting for authorisation
    FLYING = 2  # missiles in flight
    ASSESSING = 3  # missiles arrived; looking before re-engaging
    CLEARED = 4  # vetoed: never engaged again


IDLE, PENDING, FLYING, ASSESSING, CLEARED = Phase


@dataclass(frozen=True)
class Assumptions:
    """The engine's modelling assumptions that no scenario field sets (docs/engine.md); tests and studies pass
    other values to :class:`Engine` rather than patching module globals."""

    acquisition_basket: float = 1000.0  # [m] the missile finds a target this close to its aim point
    process_noise: float = 4.0  # DWNA acceleration variance [m^2/s^4] for manoeuvring aircraft
    initial_speed_sigma: float = 300.0  # [m/s] velocity uncertainty of a new track: helicopters to subsonic jets


@dataclass
class Readiness:
    """What works: units and links (drawn at the start, then failing and repaired), and the kill chains."""

    unit_up: np.ndarray  # (R, U) bool
    next_event: np.ndarray  # (R, U) time of the next failure or repair (inf: none)
    link_up: np.ndarray  # (R, L) bool
    able: np.ndarray  # (R, F) bool: complete kill chain
    feeds: np.ndarray  # (R, F, S) bool: sensor s feeds fire unit f's picture
    guides: np.ndarray  # (R, F, S) bool: radar s can guide fire unit f's missiles (per the kill-chain rules)


@dataclass
class SensorTracks:
    """Each sensor's own tracks: M-of-N confirmation and drop after K missed looks."""

    hits: np.ndarray  # (R, S, T) int8 detections in the current confirmation window
    looks: np.ndarray  # (R, S, T) int8 looks in the current confirmation window
    misses: np.ndarray  # (R, S, T) int8 consecutive missed looks of a confirmed track
    confirmed_at: np.ndarray  # (R, S, T) time the sensor's track was confirmed (inf: no track)
    detected: np.ndarray  # (R, S, T) bool: the sensor detected the target at this step


@dataclass
class Picture:
    """The fused picture (one Kalman track per target, keyed by the true target for now) and identification."""

    x: np.ndarray  # (R, T, 6) fused track state
    P: np.ndarray  # (R, T, 6, 6)
    has_track: np.ndarray  # (R, T) bool
    track_time: np.ndarray  # (R, T) time of the fused track's state
    system_hostile: np.ndarray  # (R, T) bool: automatic identification says hostile (no valid IFF reply)
    operator_draw: np.ndarray  # (R, T) uniform, compared with the deciding crew's error rate


@dataclass
class Engagements:
    """At most one engagement per target at a time, in a :class:`Phase`."""

    phase: np.ndarray  # (R, T) int8 Phase
    fire: np.ndarray  # (R, T) fire unit engaging (-1: none yet)
    due: np.ndarray  # (R, T) time the current phase ends
    rounds: np.ndarray  # (R, T) missiles in the current engagement
    aim: np.ndarray  # (R, T, 3) intercept point predicted from the fused track at launch
    decision: np.ndarray  # (R, T) the deciding crew's drawn decision time of a pending engagement [s]


@dataclass
class Batteries:
    """Launchers and the guidance channels of their radars."""

    missiles: np.ndarray  # (R, F) rounds ready
    ready_at: np.ndarray  # (R, F) launcher free again (launch interval, reload)
    busy: np.ndarray  # (R, F) bool: a pending engagement holds the fire unit
    guiding: np.ndarray  # (R, G) missiles in flight per guiding radar (its channels are shared by its launchers)


@dataclass
class Outcomes:
    """The targets' fate and the counts the metrics read (:mod:`iadsim.analysis.metrics`)."""

    alive: np.ndarray  # (R, T) bool
    leaked: np.ndarray  # (R, T) bool
    kills: np.ndarray  # (R,) threats killed
    engagements: np.ndarray  # (R,) launches
    expended: np.ndarray  # (R,) missiles fired
    wrongful: np.ndarray  # (R,) launches at civil aircraft
    civil_killed: np.ndarray  # (R,)
    vetoes: np.ndarray  # (R,)
    first_detection: np.ndarray  # (R,) seconds, nan if never
    first_engagement: np.ndarray  # (R,) seconds, nan if never


class InvariantError(AssertionError):
    """The state broke one of its invariants (:meth:`State.check`)."""


@dataclass
class State:
    """Simulation state as arrays over R replications, grouped by what each phase reads and writes."""

    time_index: int
    readiness: Readiness
    tracks: SensorTracks
    picture: Picture
    engagements: Engagements
    batteries: Batteries
    outcomes: Outcomes

    def check(self, magazine: np.ndarray, channels: np.ndarray) -> None:
        """Raise :class:`InvariantError` naming every broken invariant. ``magazine``: (F,) rounds a full
        launcher holds; ``channels``: (G,) guidance channels of each guiding radar."""
        e, b, o = self.engagements, self.batteries, self.outcomes
        broken = []
        if (b.missiles < 0).any() or (b.missiles > magazine[None, :]).any():
            broken.append("a magazine holds fewer than 0 or more than a full load")
        if (b.guiding < 0).any() or (b.guiding > channels[None, :]).any():
            broken.append("a radar guides more missiles than its channels (or fewer than none)")
        engaged = np.isin(e.phase, (Phase.PENDING, Phase.FLYING, Phase.ASSESSING))
        if (engaged & (e.fire < 0)).any():
            broken.append("an engagement has no fire unit")
        pending = np.zeros(b.busy.shape, bool)
        rows, cols = np.nonzero(e.phase == Phase.PENDING)
        np.add.at(pending, (rows, e.fire[rows, cols]), True)
        if not np.array_equal(pending, b.busy):
            broken.append("a fire unit is busy without a pending engagement, or free with one")
        if ((~o.alive) & o.leaked).any():
            broken.append("a target both killed and leaked")
        if (o.expended < o.engagements).any() or (o.wrongful > o.engagements).any():
            broken.append("fewer missiles than launches, or more wrongful launches than launches")
        if (o.kills + o.civil_killed != (~o.alive).sum(axis=1)).any():
            broken.append("kills do not count the targets shot down")
        if broken:
            raise InvariantError("; ".join(broken))
