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

__all__ = ["EVENT_DTYPES", "KIND_NAMES", "REASON_NAMES", "EventKind", "Reason", "empty_events", "events_frame"]


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
    WAITING = 10  # a fire unit could engage but waits for a firing solution (reason: immature_track)


class Reason(IntEnum):
    """Why an engagement ended without a launch or a kill: the first that applies, checked in this order.

    For ``lost``: target_gone, unit_down, chain_broken, not_in_picture, outside_envelope, no_missiles,
    no_channel. For ``miss``: aim_error, target_gone, unit_down, chain_broken, warhead. For ``waiting``:
    immature_track.
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


EVENT_DTYPES: dict[str, str] = {
    "replication": "int64", "time": "float64", "kind": "category", "unit": "int32", "target": "int32",
    "track": "int32", "missiles": "int16", "time_of_flight": "float64", "miss_distance": "float64",
    "reason": "category", "x": "float64", "y": "float64", "z": "float64",
}
"""The event table's columns and pandas dtypes (``kind`` and ``reason`` are categoricals of the enum names
in lower case, so a file read with any Parquet reader shows 'launch', not 7)."""

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
