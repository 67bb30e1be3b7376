"""The engine's typed events as plain rows for assertions: (replication, time, kind, unit id, target id, row)."""

from __future__ import annotations


def rows(engine) -> list[tuple]:
    """Every event so far, with the unit and target names the indices stand for."""
    w = engine.w
    out = []
    for e in engine.events.itertuples(index=False):
        unit = w.unit_ids[e.unit] if e.unit >= 0 else ""
        target = w.target_ids[e.target] if e.target >= 0 else ""
        out.append((int(e.replication), float(e.time), str(e.kind), unit, target, e))
    return out
