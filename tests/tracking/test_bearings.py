"""Triangulation (iadsim.tracking.bearings): two passive sensors fix a jammer with the position error the
geometric dilution of precision of two crossing lines of bearing predicts, worked out here from the
geometry; the fix of exact bearings is the emitter; parallel bearings give no fix."""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.tracking.bearings import triangulate


def _bearing(site, target):
    d = np.asarray(target, float) - np.asarray(site, float)
    return np.arctan2(d[..., 0], d[..., 1])  # clockwise from north


@pytest.mark.validation
def test_two_sensors_fix_a_jammer_with_the_error_the_gdop_predicts(validation):
    """Sensors 20 km apart, a jammer 50 km out, bearing errors 1 and 0.5 deg: the RMS miss of 40,000 fixes is
    sqrt(r1^2 s1^2 + r2^2 s2^2) / |sin psi| (the lines cross at psi), to Monte Carlo noise (the linearisation's
    bias is far smaller at these errors)."""
    sites = np.array([[0.0, 0.0], [20e3, 0.0]])
    jammer = np.array([30e3, 40e3])
    sigma = np.radians([1.0, 0.5])
    r = np.linalg.norm(jammer - sites, axis=1)
    theta = _bearing(sites, jammer)
    psi = theta[1] - theta[0]
    predicted = np.sqrt(np.sum((r * sigma) ** 2)) / abs(np.sin(psi))
    rng = np.random.default_rng(19)
    n = 40_000
    measured = theta[None, :] + rng.normal(0.0, 1.0, (n, 2)) * sigma
    fix, cov = triangulate(np.broadcast_to(sites, (n, 2, 2)), measured, np.broadcast_to(sigma, (n, 2)))
    rms = np.sqrt(np.mean(np.sum((fix - jammer) ** 2, axis=1)))
    validation("two-bearing fix RMS error [m] (iadsim.tracking.bearings.triangulate)",
               "GDOP of two lines of bearing, sqrt(r1^2 s1^2 + r2^2 s2^2) / |sin psi| (computed in the test)",
               rms, predicted, rel=0.03)
    # the fix's own covariance says the same
    assert np.sqrt(np.median(np.trace(cov, axis1=1, axis2=2))) == pytest.approx(predicted, rel=0.03)


def test_exact_bearings_fix_the_emitter_and_more_sensors_shrink_the_error():
    rng = np.random.default_rng(2)
    for _ in range(100):
        sites = rng.uniform(-50e3, 50e3, size=(int(rng.integers(2, 6)), 2))
        target = rng.uniform(-80e3, 80e3, size=2)
        fix, cov = triangulate(sites, _bearing(sites, target), np.full(len(sites), 0.01))
        if np.isfinite(fix).all():
            np.testing.assert_allclose(fix, target, atol=1e-3)
    sites = np.array([[0.0, 0.0], [20e3, 0.0], [-20e3, 5e3]])
    target = np.array([5e3, 60e3])
    _, two = triangulate(sites[:2], _bearing(sites[:2], target), np.full(2, 0.01))
    _, three = triangulate(sites, _bearing(sites, target), np.full(3, 0.01))
    assert np.trace(three) < np.trace(two)


def test_parallel_or_diverging_bearings_give_no_fix():
    fix, cov = triangulate([[0.0, 0.0], [10e3, 0.0]], [0.0, 0.0], [0.01, 0.01])
    assert np.isnan(fix).all() and np.isinf(cov).all()
    # north-west from the west site, north-east from the east one: the lines cross only behind them
    fix, cov = triangulate([[0.0, 0.0], [10e3, 0.0]], np.radians([315.0, 45.0]), [0.01, 0.01])
    assert np.isnan(fix).all() and np.isinf(cov).all()
    fix, _ = triangulate([[0.0, 0.0], [10e3, 0.0]], np.radians([45.0, 315.0]), [0.01, 0.01])  # converging
    np.testing.assert_allclose(fix, [5e3, 5e3], atol=1e-6)
    with pytest.raises(ValueError):
        triangulate([[0.0, 0.0]], [0.0], [0.01])
