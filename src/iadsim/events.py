"""The results contract for events: one typed table with an enum ``kind`` and numeric columns, no text to
parse back. The engine writes it (:class:`iadsim.engine.log.EventLog`); run folders store it; the report
reads it. It sits in the lowest layer so that producer and readers share it without importing each other.

Columns (:data:`EVENT_DTYPES`): ``replication``, ``time`` [s], ``kind`` (:class:`EventKind`, stored by name),
``unit`` (index into the scenario's units, -1: none), ``target`` (index into the targets: threats then civil
traffic, -1: none), ``track`` (the firing unit's own track engaged, -1: none; a fire unit's tracks are keyed by
object, so it is the target's number), ``missiles`` (fired in a launch), ``time_of_flight`` [s] (a launch's
predicted flight time), ``miss_distance`` [m] (an arriving missile's aim point from the target), ``reason``
(:class:`Reason`: why an engagement was lost or missed), and ``x``, ``y``, ``z`` [m, world frame, z above sea
level]: where it happened (a launch: the aim point, so the missile flies from its launcher there in
``time_of_flight``; a kill, miss or leak: the target when the missiles arrived or it reached its asset; a
nomination, veto or loss: the target then). Numbers that do not apply are -1 or NaN. The kinds and reasons are
documented in docs/events.md."""

from __future__ import annotations

from enum import IntEnum

import numpy as np
import pandas as pd

__all__ = ["EVENT_DTYPES", "KIND_NAMES", "REASON_NAMES", "REASON_TEXT", "STATUS_DTYPES", "STATUS_NAMES", "STATUS_TEXT",
           "EventKind", "Reason", "Status", "empty_events", "events_frame", "status_frame"]


class EventKind(IntEnum):
    """What happened."""

    FAILED = 1  # a unit broke down (MTBF)
    REPAIRED = 2  # a unit came back (MTTR)
    LEAK = 3  # a threat reached its target alive
    NOMINATED = 4  # an engagement was proposed and waits for authorisation
    VETOED = 5  # authorisation refused it
    LOST = 6  # authorised, but the target could no longer be engaged (see reason)
    LAUNCH = 7  # missiles fired (missiles, time_of_flight)
    MISS = 8  # missiles arrived without killing (miss_distance, reason)
    KILL = 9  # missiles arrived and killed (miss_distance)
    WAITING = 10  # a fire unit could engage but waits for a firing solution (immature_track, no_solution)
    EMITTER_ON = 11  # a radar started to radiate (unit: the radar's; its schedule, a repair, the end of a silence)
    EMITTER_OFF = 12  # a radar stopped radiating (its schedule, a failure, its destruction, or its crew's shutdown)
    DESTROYED = 13  # a unit was destroyed (target: the threat that struck it; x, y, z: the unit's site)
    ARM_LAUNCH = 14  # an anti-radiation missile was launched (unit: the radar; target: the missile; x, y, z: the
    #                  launch point)
    SHUTDOWN = 15  # a radar's crew silenced it on an ARM warning (unit: the radar; target: the missile that warned)
    ARM_HIT = 16  # an anti-radiation missile killed its radar (miss_distance: its impact from the radar)
    ARM_MISS = 17  # an anti-radiation missile reached its radar and missed it (miss_distance; reason: radar_dark when
    #                the radar was silent before the impact, warhead when not, target_gone when already destroyed)
    TEARDOWN = 18  # a relocating unit starts to tear down to move (unit: it at the site it leaves; x, y, z: the site)
    SET_UP = 19  # a relocated unit is set up at its new site (unit: it at that site; x, y, z: the site)
    HELD = 20  # with automation: the fire unit's classifier recommended holding fire on a target it could engage
    #            (nothing nominated; the decisions table keeps its label)


class Reason(IntEnum):
    """Why an engagement ended without a launch or a kill: the first that applies, checked in this order.

    For ``lost``: target_gone, unit_down, chain_broken, not_in_picture, outside_envelope, radar_dark, no_missiles,
    no_channel, no_target_channel. For ``miss``: target_gone, aim_error, unit_down, chain_broken, radar_dark,
    warhead. For ``waiting``: immature_track, no_solution. For ``arm_miss``: target_gone, radar_dark, warhead.
    """

    NONE = 0
    TARGET_GONE = 1  # the target was already killed or had leaked
    CHAIN_BROKEN = 2  # the fire unit's kill chain is no longer complete
    UNIT_DOWN = 3  # the fire unit itself is down
    NOT_IN_PICTURE = 4  # the target is no longer in the fire unit's picture or its guiding radar lost it
    OUTSIDE_ENVELOPE = 5  # the intercept is outside the launch envelope (or the launcher's sector)
    NO_MISSILES = 6  # the launcher is empty
    NO_CHANNEL = 7  # every guidance channel of the guiding radar is busy
    AIM_ERROR = 8  # the predicted aim point was farther than the acquisition basket from the target
    WARHEAD = 9  # guided to the target, the salvo's Pk draw failed
    IMMATURE_TRACK = 10  # the track's predicted intercept error does not fit the acquisition basket yet
    RADAR_DARK = 11  # the guiding radar is dark, or goes dark before the intercept (emission control, a shutdown)
    NO_TARGET_CHANNEL = 12  # the guiding radar engages as many targets as it can (its target channels)
    NO_SOLUTION = 13  # the fire unit's own track puts the intercept outside the launch envelope, or gives none


REASON_TEXT: dict[str, str] = {
    "none": "no reason",
    "target_gone": "the target was already killed or had leaked",
    "chain_broken": "the fire unit's kill chain was broken (a radar, link or command post down)",
    "unit_down": "the fire unit itself was down",
    "not_in_picture": "the target left the fire unit's picture, or its guiding radar lost it",
    "outside_envelope": "the intercept was outside the launch envelope or the launcher's sector",
    "no_missiles": "the launcher was empty",
    "no_channel": "every guidance channel of the guiding radar was busy",
    "aim_error": "the aim point was farther than the acquisition basket from the target",
    "warhead": "guided to the target, the salvo's kill draw failed",
    "immature_track": "the track could not yet give a firing solution",
    "radar_dark": "the guiding radar was dark, or went dark before the intercept (emission control or a shutdown)",
    "no_target_channel": "the guiding radar was engaging as many targets as it can (its target channels)",
    "no_solution": "the fire unit's own track put the intercept outside the launch envelope, or gave none",
}
"""Each :class:`Reason` (by its name) spelled out, as docs/events.md explains it: the report's words."""

EVENT_DTYPES: dict[str, str] = {
    "replication": "int64", "time": "float64", "kind": "category", "unit": "int32", "target": "int32",
    "track": "int32", "missiles": "int16", "time_of_flight": "float64", "miss_distance": "float64",
    "reason": "category", "x": "float64", "y": "float64", "z": "float64",
}
"""The event table's columns and pandas dtypes (``kind`` and ``reason`` are categoricals of the enum names
in lower case, so a file read with any Parquet reader shows 'launch', not 7)."""

DECISION_DTYPES: dict[str, str] = {
    "replication": "int64", "time": "float64", "unit": "int32", "target": "int32", "profile": "str",
    "label": "str", "confidence": "float64", "time_to_intercept": "float64", "pressure": "float64",
    "workload": "float64", "hours": "float64", "p_accept": "float64", "cross_checked": "bool",
    "iff_reply": "bool", "accepted": "bool", "launched": "bool", "trust": "float64",
}
"""With automation (``authority.automation``), one row per decision: a recommendation to hold fire at the
nomination it stopped (``held`` event), or a recommendation to engage when its authorisation ended. When, the fire
unit (``unit``) and target, the target's classifier row (``profile``), the classifier's ``label`` and
``confidence``, the time of flight to the predicted intercept (NaN for a hold), the operator model's inputs
(``pressure``, ``workload`` per operator, ``hours`` on task, the deciding crew's ``trust``) and acceptance
probability (NaN where no operator weighed a recommendation to engage), whether the operator cross-checked IFF and
got a valid reply, whether the recommendation was accepted (a hold always is), and whether the launch went ahead
(before the fire unit's own checks)."""


def decisions_frame(rows: list[tuple]) -> pd.DataFrame:
    """The typed decision table of ``rows`` (tuples in :data:`DECISION_DTYPES` order)."""
    columns = list(DECISION_DTYPES)
    frame = pd.DataFrame.from_records(rows, columns=columns) if rows else pd.DataFrame({c: [] for c in columns})
    return frame.astype({c: ("object" if d == "str" else d) for c, d in DECISION_DTYPES.items()})


KIND_NAMES = [k.name.lower() for k in EventKind]
REASON_NAMES = [r.name.lower() for r in Reason]


def empty_events() -> pd.DataFrame:
    """An event table with no rows."""
    return events_frame([])


def events_frame(rows: list[tuple]) -> pd.DataFrame:
    """The typed table of ``rows``, each a tuple of the columns' values in :data:`EVENT_DTYPES` order with
    ``kind`` and ``reason`` as their enum values."""
    array = np.array(rows, dtype=float).reshape(len(rows), len(EVENT_DTYPES))
    data = {}
    for i, (name, dtype) in enumerate(EVENT_DTYPES.items()):
        column = array[:, i]
        if name == "kind":
            data[name] = pd.Categorical.from_codes(column.astype(int) - 1, KIND_NAMES)
        elif name == "reason":
            data[name] = pd.Categorical.from_codes(column.astype(int), REASON_NAMES)
        else:
            data[name] = column.astype(dtype)
    return pd.DataFrame(data, columns=list(EVENT_DTYPES))


class Status(IntEnum):
    """Where a target or a unit stood: the ``states`` table, recorded at the run's trajectory frames (a row when
    it changed). Targets take the first five (the furthest the network got with it), units the rest."""

    UNSEEN = 0  # a target no sensor holds a track of
    DETECTED = 1  # a sensor holds a tentative track of it (plots, not yet confirmed)
    TRACKED = 2  # sensors hold confirmed tracks of it that do not place it (bearings only)
    PLACED = 3  # the sensors' confirmed tracks place it (a radar's, or two passive sensors' with an elevation)
    IN_PICTURE = 4  # a fire unit holds a track of it in its own picture
    READY = 5  # a unit that is up (a fire unit: able, free and loaded)
    DOWN = 6  # a unit that has failed
    CHAIN_BROKEN = 7  # a fire unit whose kill chain is incomplete (a radar, link or command post down or missing)
    DECIDING = 8  # a fire unit holding a proposed engagement while it waits for authorisation
    ENGAGING = 9  # a fire unit with missiles in flight
    RELOADING = 10  # a fire unit between launches or reloading
    AWAY = 11  # a relocating unit not set up at this site (on the move, or at another of its sites)


STATUS_NAMES = [s.name.lower() for s in Status]
STATUS_TEXT: dict[str, str] = {
    "unseen": "no sensor holds a track",
    "detected": "detected: tentative tracks only",
    "tracked": "tracked, but not placed (bearings only)",
    "placed": "placed by the sensors' confirmed tracks",
    "in_picture": "in a fire unit's own picture",
    "ready": "up and ready",
    "down": "down (failed)",
    "chain_broken": "kill chain broken",
    "deciding": "waiting for authorisation",
    "engaging": "guiding missiles in flight",
    "reloading": "between launches or reloading",
    "away": "not at this site (relocating)",
}
"""Each :class:`Status` spelled out (the report's words)."""

STATUS_DTYPES: dict[str, str] = {"replication": "int64", "time": "float64", "unit": "int32", "target": "int32",
                                 "status": "category"}
"""The states table's columns: a unit's row has ``target`` -1, a target's ``unit`` -1."""


def status_frame(rows) -> pd.DataFrame:
    """The typed states table of ``rows`` (tuples or an (n, 5) array: replication, time, unit, target,
    :class:`Status` value)."""
    array = np.array(rows, dtype=float).reshape(len(rows), len(STATUS_DTYPES))
    data = {}
    for i, (name, dtype) in enumerate(STATUS_DTYPES.items()):
        column = array[:, i]
        data[name] = (pd.Categorical.from_codes(column.astype(int), STATUS_NAMES) if name == "status"
                      else column.astype(dtype))
    return pd.DataFrame(data, columns=list(STATUS_DTYPES))
