"""The decision-time distributions' inverse CDFs against scipy.stats' (the published distributions), each at the
ends of [0, 1) and at many keyed-looking uniforms: the closed forms written without scipy's per-call overhead
give scipy's numbers, bit for bit where they restate its arithmetic."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from iadsim.registry import DECISION_TIMES
from iadsim.scenario.models import DecisionTime

U = np.concatenate([[0.0, 1e-300, 0.5, 1.0 - 2.0**-53], np.random.default_rng(12).random(2000)])


def _ppf(spec: DecisionTime) -> np.ndarray:
    return np.array([DECISION_TIMES[spec.distribution].ppf(spec, float(u)) for u in U])


@pytest.mark.parametrize("low, mode, high", [(4.0, 9.0, 30.0), (4.0, 4.0, 30.0), (4.0, 30.0, 30.0), (0.0, 0.1, 7.3)])
def test_triangular_is_scipys_triangle_bit_for_bit(low, mode, high):
    spec = DecisionTime(distribution="triangular", low=f"{low} s", mode=f"{mode} s", high=f"{high} s")
    c = (mode - low) / (high - low)
    u = np.concatenate([U, [c, np.nextafter(c, 0.0), np.nextafter(c, 1.0)]])  # (either side of the mode's quantile)
    u = u[u < 1.0]
    expected = stats.triang.ppf(u, c, loc=low, scale=high - low)
    got = np.array([DECISION_TIMES["triangular"].ppf(spec, float(x)) for x in u])
    np.testing.assert_array_equal(got, expected)
    assert got[0] == low and low < got[3] <= high


def test_a_zero_width_triangle_is_its_time():
    spec = DecisionTime(distribution="triangular", low="12 s", mode="12 s", high="12 s")
    assert (_ppf(spec) == 12.0).all()


def test_lognormal_uniform_and_fixed_are_scipys():
    spec = DecisionTime(distribution="lognormal", median="6 s", sigma=0.5)
    u = np.clip(U, 1e-12, 1 - 1e-12)  # (the lognormal's draws are kept off 0 and 1: finite times)
    np.testing.assert_allclose(_ppf(spec), stats.lognorm.ppf(u, 0.5, scale=6.0), rtol=1e-13)
    spec = DecisionTime(distribution="uniform", low="2 s", high="10 s")
    np.testing.assert_allclose(_ppf(spec), stats.uniform.ppf(U, loc=2.0, scale=8.0), rtol=1e-15)
    assert (_ppf(DecisionTime(distribution="fixed", value="4 s")) == 4.0).all()
