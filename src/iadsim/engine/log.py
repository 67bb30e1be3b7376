"""The engine's event log: rows of numbers collected during a run, given as the typed event table of
:mod:`iadsim.events`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from iadsim.events import EventKind, Reason, events_frame

__all__ = ["EventLog"]


class EventLog:
    """Collects events as rows of numbers, then gives them as one typed DataFrame."""

    def __init__(self) -> None:
        self._rows: list[tuple] = []
        self._frame: tuple[int, pd.DataFrame] | None = None  # (rows it holds, the table): built once per change

    def add(self, replication: int, time: float, kind: EventKind, unit: int = -1, target: int = -1, track: int = -1,
            missiles: int = 0, time_of_flight: float = np.nan, miss_distance: float = np.nan,
            reason: Reason = Reason.NONE, where=(np.nan, np.nan, np.nan)) -> None:
        self._rows.append((replication, time, int(kind), unit, target, track, missiles, time_of_flight, miss_distance,
                           int(reason), *(float(v) for v in where)))

    def __len__(self) -> int:
        return len(self._rows)

    def frame(self) -> pd.DataFrame:
        """The rows so far as the typed table (a copy: the caller may change it)."""
        if self._frame is None or self._frame[0] != len(self._rows):
            self._frame = (len(self._rows), events_frame(self._rows))
        return self._frame[1].copy()
