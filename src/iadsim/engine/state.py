"""Simulation state as arrays over R replications, grouped by what the phases read and write: readiness,
sensor tracks, picture, engagements, batteries, crews and outcomes; engagement phase codes; and the
invariants (:meth:`State.check`). Times are exact event times in seconds, not step numbers.

Shapes: R replications, T targets, S sensors, F fire units, U units, L links, G guiding radars, D deciding
crews (command posts, then batteries), N decisions a crew handles at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from iadsim.tracking.scan import SensorTrackTable

__all__ = ["ASSESSING", "CLEARED", "FLYING", "IDLE", "PENDING", "Batteries", "Crews", "Engagements",
           "InvariantError", "Outcomes", "Phase", "Picture", "Readiness", "Reports", "SensorTracks", "State"]


class Phase(IntEnum):
    """Where an engagement of a target stands (``Engagements.phase``)."""

    IDLE = 0  # no engagement: the target may be nominated
    PENDING = 1  # nominated, waiting for authorisation
    FLYING = 2  # missiles in flight
    ASSESSING = 3  # missiles arrived; looking before re-engaging
    CLEARED = 4  # vetoed, or held by the automation: not engaged again before ``due`` (inf: never, with persistent
    #              identification)


IDLE, PENDING, FLYING, ASSESSING, CLEARED = Phase


@dataclass
class Readiness:
    """What works: units and links (drawn at the start, then failing and repaired), and the kill chains."""

    unit_up: np.ndarray  # (R, U) bool: working and at its site (healthy, present, not destroyed)
    next_event: np.ndarray  # (R, U) time of the next failure or repair (inf: none)
    link_up: np.ndarray  # (R, L) bool
    able: np.ndarray  # (R, F) bool: complete kill chain
    feeds: np.ndarray  # (R, F, S) bool: sensor s feeds fire unit f's picture
    post_feeds: np.ndarray  # (R, C, S) bool: sensor s feeds command post c's picture
    guides: np.ndarray  # (R, F, S) bool: radar s can guide fire unit f's missiles (per the kill-chain rules)
    commander: np.ndarray  # (R, F) int64: the first working command post commanding fire unit f (an index into the
    #                        engine's command posts), -1 when none does (it fights autonomously, or cannot fight)
    emitting: np.ndarray  # (R, S) bool: the sensor radiated at the end of the last window simulated (a radar that
    #                        works and whose emission-control schedule has it on; a passive sensor never)
    destroyed_at: np.ndarray  # (R, U) [s] when the unit was destroyed (inf: it was not): down for good
    since: np.ndarray  # (R, U) [s] when the unit last failed, was repaired or destroyed (0: as drawn at the start)
    warned: np.ndarray  # (R, T) bool: the crew of the radar an anti-radiation missile is launched at has had its
    #                      warning of it (heeded or not: the draw is made once)
    bias: np.ndarray  # (R, S) [rad] each radar's north-alignment error from its set-up (0: aligned), clockwise
    set_up: np.ndarray  # (R, S) [s] when each sensor's unit was last set up (0: at the start)
    healthy: np.ndarray  # (R, U) bool: not failed (MTBF, MTTR; a relocating unit's copies share their unit's)
    present: np.ndarray  # (R, U) bool: the unit stands at this site, set up (a relocating unit: one of its sites)
    next_move: np.ndarray  # (R, U) [s] when a relocating unit next starts to tear down (inf: not due)
    moving: np.ndarray  # (R, U) [s] when a relocating unit on the move is set up at its next site (inf: not moving)
    left: np.ndarray  # (R, U) [s] when a relocating unit started its last move's tear-down
    moves: np.ndarray  # (R, U) int64 how many moves a relocating unit has started
    silences: np.ndarray  # (R, S, M, 4) each radar's silences: from, until [s] (silent in [from, until)), when its
    #                        crew knew of it [s] and the missile that warned (a target index, -1: none); unused:
    #                        inf, inf, inf, -1. With cued radars the first is the wait (-inf, the cue, -inf, -1);
    #                        then one per ARM warning (M: that, plus the most ARMs any one radar can be launched at)
    transponder: np.ndarray  # (R, T) bool: the target's transponder works (drawn at the start)
    interrogator: np.ndarray  # (R, U) bool: the unit's own IFF interrogator works (drawn at the start)


@dataclass
class SensorTracks:
    """Each sensor's own tracks (:class:`iadsim.tracking.scan.SensorTrackTable`), and which true objects each
    follows: a confirmed track whose latest plot came from the object (truth as a scoring column)."""

    phase: np.ndarray  # (R, S) [s] the sensor's first look (in [0, look period)): it looks at phase + n period
    table: SensorTrackTable  # track slots (R, S, N)
    dropped: np.ndarray  # (R,) plots that found no free track slot
    false_confirmed: np.ndarray  # (R,) false tracks confirmed (tracks of false plots)
    swaps: np.ndarray  # (R,) plots of another object (or false ones) taken by a confirmed track
    breaks: np.ndarray  # (R,) objects still flying that a sensor stopped following
    confirmed_at: np.ndarray  # (R, S, T) since when the sensor follows the object (inf: it does not)
    held_since: np.ndarray  # (R, S, T) the last dropped track's confirmation time ...
    held_until: np.ndarray  # (R, S, T) ... and its drop: before the drop, decisions still see it
    reports: list  # this step's track reports, per look batch ((n, 3) row, sensor, object; (n, 5) REPORT_FIELDS)
    deliveries: tuple  # (rows, targets, times): confirmed tracks reaching a fire unit's picture from now on


@dataclass
class Reports:
    """Sensor track reports on their way to the nodes' pictures (fire units' and command posts'), sorted by (row,
    object, time)."""

    rows: np.ndarray  # (n,) replication row
    sensors: np.ndarray  # (n,)
    targets: np.ndarray  # (n,) the object (the reporting track's truth)
    numbers: np.ndarray  # (n, 5) iadsim.tracking.scan.REPORT_FIELDS: the plot's time, variance, position
    arrived: np.ndarray  # (n,) int64: how many of the nodes it reaches it has reached (fused, lost or discarded),
    #   in the order of iadsim.tracking.picture.arrival_order
    next_at: np.ndarray  # (n,) [s] when it reaches the next (inf: it has reached every node it will)


@dataclass
class Picture:
    """Each node's own picture - every fire unit's and every command post's: one Kalman track per object it has
    heard of, from the reports of the sensors that feed it, :mod:`iadsim.tracking.picture` - and
    identification. The node arrays are indexed (R, N, T, ...) and laid out (R, T, N, ...) in memory
    (:func:`iadsim.engine.phases.by_object`)."""

    x: np.ndarray  # (R, N, T, 6) track state; nodes N: the fire units, then the command posts
    p: np.ndarray  # (R, N, T, 3, 3) each axis's covariance (pp, pv, vv)
    bearings: np.ndarray  # (R, N, T, P, 4) the latest bearing of each passive sensor (iadsim.tracking.picture)
    track_time: np.ndarray  # (R, N, T) time of the track's state
    updates: np.ndarray  # (R, N, T) int32 measurements in the track (0: the node holds no track of the object)
    stale: np.ndarray  # (R,) reports discarded: they arrived after a later one (out of sequence)
    pending: Reports | None  # reports not yet arrived at every node they will reach
    system_hostile: np.ndarray  # (R, T) bool: automatic identification says hostile (no valid IFF reply)


@dataclass
class Engagements:
    """At most one engagement per target at a time, in a :class:`Phase`."""

    phase: np.ndarray  # (R, T) int8 Phase
    fire: np.ndarray  # (R, T) fire unit engaging (-1: none yet)
    due: np.ndarray  # (R, T) time the current phase ends
    rounds: np.ndarray  # (R, T) missiles in the current engagement
    aim: np.ndarray  # (R, T, 3) intercept point predicted from the firing unit's own track at launch
    decision: np.ndarray  # (R, T) [s] from nomination to the deciding crew's decision (queueing included)
    attempts: np.ndarray  # (R, T) authorisations so far (numbers each decision's and each salvo's draws)
    launched: np.ndarray  # (R, T) [s] when the missiles in flight were launched
    nominated: np.ndarray  # (R, T) [s] when the current engagement was nominated
    waiting: np.ndarray  # (R, T) bool: in reach of a free fire unit but waiting for a firing solution
    decider: np.ndarray  # (R, T) int64 the crew deciding the current engagement, chosen at its nomination (an index
    #                      into Crews.free_at's second axis; -1: no operator decides)


@dataclass
class Batteries:
    """Launchers and the guidance channels of their radars."""

    missiles: np.ndarray  # (R, F) rounds ready
    ready_at: np.ndarray  # (R, F) launcher free again (launch interval, reload)
    busy: np.ndarray  # (R, F) bool: a pending engagement holds the fire unit
    guiding: np.ndarray  # (R, G) missiles in flight per guiding radar (its channels are shared by its launchers)
    engaging: np.ndarray  # (R, G) salvos in flight per guiding radar: the targets it engages (its target channels)


@dataclass
class Crews:
    """The deciding crews' decision slots (``doctrine.concurrent_decisions`` each)."""

    free_at: np.ndarray  # (R, D, N) [s] when each slot of each crew is free again


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
    fratricide: np.ndarray  # (R,) launches at friendly aircraft
    friendly_killed: np.ndarray  # (R,)
    reaction: np.ndarray  # (R,) [s] the launches' times from nomination to launch, summed
    vetoes: np.ndarray  # (R,) engagements the authorisation refused (the operator, or the authority rule)
    holds: np.ndarray  # (R,) with automation: recommendations to hold fire on a target a fire unit could engage
    first_detection: np.ndarray  # (R,) seconds, nan if never
    first_engagement: np.ndarray  # (R,) seconds, nan if never
    emission_time: np.ndarray  # (R, S) [s] how long each sensor has radiated (working, and on by its schedule)
    released: np.ndarray  # (R, T) int8 an anti-radiation missile's launch: 0 not decided (or not an ARM), 1 launched,
    #                        2 not launched (its aircraft gone, or its ESM not holding the radar): it never flies
    arms_shot_down: np.ndarray  # (R,) anti-radiation missiles the defence shot down
    arms_missed: np.ndarray  # (R,) anti-radiation missiles that missed their radar, or found it moved away
    arms_shot_down_late: np.ndarray  # (R,) of arms_shot_down, those shot down after their radar was destroyed
    at_decoys: np.ndarray  # (R,) missiles fired at decoys
    decoys_killed: np.ndarray  # (R,) decoys shot down
    fired: np.ndarray  # (R, F) int64 missiles each fire unit fired
    launches: np.ndarray  # (R, F) int64 launches (engagements) of each fire unit
    killed_by: np.ndarray  # (R, T) int64 the fire unit whose missiles killed the target (-1: none)
    reached: np.ndarray  # (R, T, 4) bool: the target reached each defensive layer (iadsim.scenario.models.LAYERS)
    #                      alive: an intercept inside the launch envelope of one of its fire units standing there,
    #                      at a step's sample, or a launch by one


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
    crews: Crews
    outcomes: Outcomes

    def check(self, magazine: np.ndarray, channels: np.ndarray, targets: np.ndarray | None = None) -> None:
        """Raise :class:`InvariantError` naming every broken invariant. ``magazine``: (F,) rounds a full
        launcher holds; ``channels``: (G,) guidance channels of each guiding radar; ``targets``: (G,) the targets
        each engages at once (default: its guidance channels)."""
        e, b, o = self.engagements, self.batteries, self.outcomes
        broken = []
        if (b.missiles < 0).any() or (b.missiles > magazine[None, :]).any():
            broken.append("a magazine holds fewer than 0 or more than a full load")
        if (b.guiding < 0).any() or (b.guiding > channels[None, :]).any():
            broken.append("a radar guides more missiles than its channels (or fewer than none)")
        targets = channels if targets is None else targets
        if (b.engaging < 0).any() or (b.engaging > targets[None, :]).any() or (b.engaging > b.guiding).any():
            broken.append("a radar engages more targets than its target channels, or than its missiles in flight")
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
        if (o.expended < o.engagements).any() or (o.wrongful + o.fratricide > o.engagements).any():
            broken.append("fewer missiles than launches, or more wrongful launches than launches")
        if (o.kills + o.civil_killed + o.friendly_killed + o.arms_shot_down + o.decoys_killed
                != (~o.alive & (o.released != 2)).sum(axis=1)).any():
            broken.append("kills do not count the targets shot down")
        if (o.fired.sum(axis=1) != o.expended).any() or (o.launches.sum(axis=1) != o.engagements).any():
            broken.append("the missiles or launches per fire unit do not add up to the totals")
        if ((o.killed_by >= 0) != (~o.alive & (o.released != 2))).any():
            broken.append("a target shot down without the fire unit that killed it, or one with it not shot down")
        if ((o.released == 2) & o.alive).any():
            broken.append("an anti-radiation missile not launched is flying")
        tab = self.tracks.table
        free = tab.status == 0
        if (tab.truth[free] != -1).any():
            broken.append("a free track slot names a true object")
        if (~free & (np.arange(free.shape[2])[None, None, :] >= tab.top[..., None])).any():
            broken.append("a track slot in use at or above the sensor's top")
        if broken:
            raise InvariantError("; ".join(broken))
