"""Map labels placed without overlap: each label takes the first of eight positions around its marker whose
box meets no label placed before it and no marker, in a fixed order of preference (a greedy placement, as
cartographic point labelling does: Imhof's preferred positions, upper right first). When every position
overlaps, the one with the least overlap is taken.

Sizes are in screen pixels: a label of ``n`` characters is about ``CHAR_WIDTH * n`` wide and ``LINE_HEIGHT``
high at the map's 10-point font, and a marker is a square of ``MARKER`` pixels.
"""

from __future__ import annotations

import numpy as np

__all__ = ["CHAR_WIDTH", "LINE_HEIGHT", "MARKER", "POSITIONS", "label_boxes", "place_labels"]

CHAR_WIDTH = 6.5
"""Pixels per character of a 10-point sans-serif label (an upper bound for lower case and digits)."""
LINE_HEIGHT = 13.0
MARKER = 14.0
"""A marker's size [px]: the largest the map draws."""

POSITIONS = ("top right", "top left", "bottom right", "bottom left", "top center", "bottom center", "middle right",
             "middle left")
"""Plotly text positions in order of preference."""


def label_boxes(x: np.ndarray, y: np.ndarray, chars: np.ndarray, position: str) -> np.ndarray:
    """(n, 4) boxes (x0, y0, x1, y1) [px, y up] of labels of ``chars`` characters at ``position`` of markers at
    (``x``, ``y``) [px]."""
    w, h, r = np.asarray(chars, float) * CHAR_WIDTH, LINE_HEIGHT, MARKER / 2
    vertical, horizontal = position.split()
    if horizontal == "center":
        x0 = x - w / 2
    elif horizontal == "right":
        x0 = x + (r if vertical == "middle" else r / 2)
    else:
        x0 = x - w - (r if vertical == "middle" else r / 2)
    if vertical == "middle":
        y0 = y - h / 2
    elif vertical == "top":
        y0 = y + (r if horizontal == "center" else r / 2)
    else:
        y0 = y - h - (r if horizontal == "center" else r / 2)
    return np.stack(np.broadcast_arrays(x0, y0, x0 + w, y0 + h), axis=-1).astype(float)


def _overlap(box: np.ndarray, others: np.ndarray) -> float:
    """Total area of ``box`` shared with each of ``others``."""
    if not len(others):
        return 0.0
    dx = np.minimum(box[2], others[:, 2]) - np.maximum(box[0], others[:, 0])
    dy = np.minimum(box[3], others[:, 3]) - np.maximum(box[1], others[:, 1])
    return float((np.clip(dx, 0, None) * np.clip(dy, 0, None)).sum())


def place_labels(x, y, chars, px_per_unit: float) -> list[str]:
    """A plotly text position for each label, none overlapping another label or a marker where it can.

    Parameters
    ----------
    x, y : array_like
        The markers' positions in data units (e.g. km).
    chars : array_like
        Each label's length in characters.
    px_per_unit : float
        Screen pixels per data unit (the map's scale; equal on both axes).

    Returns
    -------
    list of str
        One of :data:`POSITIONS` per label.
    """
    px = np.asarray(x, float) * px_per_unit
    py = np.asarray(y, float) * px_per_unit
    chars = np.asarray(chars, float)
    n = len(px)
    half = MARKER / 2
    markers = np.stack([px - half, py - half, px + half, py + half], axis=-1) if n else np.zeros((0, 4))
    candidates = {p: label_boxes(px, py, chars, p) for p in POSITIONS}
    placed = np.zeros((0, 4))
    out = []
    order = np.lexsort((np.arange(n), -chars))  # longest labels first: they have the fewest places to go
    chosen = {}
    for i in order:
        others = np.delete(markers, i, axis=0)
        best, best_cost = POSITIONS[0], np.inf
        for p in POSITIONS:
            box = candidates[p][i]
            cost = _overlap(box, placed) + _overlap(box, others)
            if cost < best_cost:
                best, best_cost = p, cost
            if cost == 0:
                break
        chosen[i] = best
        placed = np.vstack([placed, candidates[best][i]])
    out = [chosen[i] for i in range(n)]
    return out
