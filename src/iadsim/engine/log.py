"""The engine's event log: rows of numbers collected during a run, given as the typed event table of
:mod:`iadsim.events`."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pandas as pd

from iadsim.events import EventKind, Reason, events_frame

__all__ = ["EventLog", "TargetAt"]

_NOWHERE = (np.nan, np.nan, np.nan)


class TargetAt(NamedTuple):
    """An event's place: where target ``target`` is at ``when`` [s], within step ``step``'s window. The log finds it
    when it builds its table (:class:`EventLog`'s ``place``), every place of a step in one call."""

    step: int
    target: int
    when: float


class EventLog:
    """Collects events as rows of numbers, then gives them as one typed DataFrame. ``place(step, targets, times)``
    ((n,) arrays -> (n, 3) positions) gives the places asked for as :class:`TargetAt`."""

    def __init__(self, place: Callable[[int, np.ndarray, np.ndarray], np.ndarray] | None = None) -> None:
        self._rows: list[tuple] = []
        self._frame: tuple[int, pd.DataFrame] | None = None  # (rows it holds, the table): built once per change
        self.place = place
        self._placed: list[tuple[int, int, int, float]] = []  # (row, step, target, time): the places asked for

    def add(self, replication: int, time: float, kind: EventKind, unit: int = -1, target: int = -1, track: int = -1,
            missiles: int = 0, time_of_flight: float = np.nan, miss_distance: float = np.nan,
            reason: Reason = Reason.NONE, where=_NOWHERE) -> None:
        if isinstance(where, TargetAt):
            self._placed.append((len(self._rows), *where))
            where = _NOWHERE
        self._rows.append((replication, time, int(kind), unit, target, track, missiles, time_of_flight, miss_distance,
                           int(reason), *(float(v) for v in where)))

    def __len__(self) -> int:
        return len(self._rows)

    def frame(self) -> pd.DataFrame:
        """The rows so far as the typed table (a copy: the caller may change it)."""
        if self._frame is None or self._frame[0] != len(self._rows):
            table = events_frame(self._rows)
            if self._placed:
                placed = np.array(self._placed, float)  # (whole numbers below 2**53 but the times: exact)
                table.iloc[placed[:, 0].astype(np.int64), [table.columns.get_loc(c) for c in "xyz"]] = self._places(
                    placed[:, 1].astype(np.int64), placed[:, 2].astype(np.int64), placed[:, 3])
            self._frame = (len(self._rows), table)
        return self._frame[1].copy()

    def _places(self, steps: np.ndarray, targets: np.ndarray, times: np.ndarray) -> np.ndarray:
        """(n, 3) where ``targets`` are at ``times`` within steps ``steps``, found a step at a time (the same numbers
        as one at a time)."""
        if self.place is None:
            raise ValueError("an event's place was given as TargetAt, but the log has no 'place' to find it")
        out = np.empty((len(steps), 3))
        order = np.argsort(steps, kind="stable")
        for part in np.split(order, np.flatnonzero(np.diff(steps[order])) + 1):
            out[part] = self.place(int(steps[part[0]]), targets[part], times[part])
        return out
