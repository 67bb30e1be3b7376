"""Local relief: how far the ground departs from flat around each cell, for the reflection rule of the
sensors (:mod:`iadsim.sensors.geometry`)."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

__all__ = ["RELIEF_WINDOW", "local_relief"]

RELIEF_WINDOW = 500.0
"""Side [m] of the square window over which :func:`local_relief` measures the relief (an assumption: a few
Fresnel-zone widths of a microwave reflection at low grazing angles)."""


def local_relief(elevation: np.ndarray, cell_size: tuple[float, float], window: float = RELIEF_WINDOW) -> np.ndarray:
    """Standard deviation [m] of the ground heights in a square window (``window`` metres a side, at least
    3 x 3 cells) centred on each cell; NaN where the window holds no data.

    Nodata cells are left out of the statistics. A uniform slope counts as relief (its reflection leaves in
    another direction than a level surface's, which the two-ray geometry does not follow).
    """
    z = np.asarray(elevation, float)
    size = tuple(max(3, 2 * int(round(window / (2.0 * c))) + 1) for c in (cell_size[1], cell_size[0]))
    valid = np.isfinite(z)
    filled = np.where(valid, z, 0.0)
    base = float(np.nanmean(z)) if valid.any() else 0.0  # centred: the variance loses no precision
    filled = np.where(valid, filled - base, 0.0)
    n = ndimage.uniform_filter(valid.astype(float), size, mode="nearest")
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = ndimage.uniform_filter(filled, size, mode="nearest") / n
        square = ndimage.uniform_filter(filled**2, size, mode="nearest") / n
        return np.where(n > 0, np.sqrt(np.maximum(square - mean**2, 0.0)), np.nan)
