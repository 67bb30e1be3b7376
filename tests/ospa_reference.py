"""OSPA written out from its definition for the tests: Schuhmacher, Vo & Vo (2008) Eq. 3, with the optimal
assignment from scipy (independent of iadsim's own)."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment


def ospa_by_assignment(x: np.ndarray, y: np.ndarray, c: float = 5000.0, p: float = 2.0) -> float:
    """OSPA [m] between point sets ``x`` (n, 3) and ``y`` (m, 3), cut-off ``c``, order ``p``: scipy's minimum over
    assignments of min(d, c)^p, plus c^p for each point left over, averaged over the larger set."""
    if len(x) > len(y):
        x, y = y, x
    if len(y) == 0:
        return 0.0
    d = np.minimum(np.linalg.norm(x[:, None] - y[None], axis=-1), c) ** p
    rows, cols = linear_sum_assignment(d)
    return ((d[rows, cols].sum() + c**p * (len(y) - len(x))) / len(y)) ** (1 / p)
