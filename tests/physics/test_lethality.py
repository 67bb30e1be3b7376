"""Kill-probability models against their defining integrals and published definitions."""

import numpy as np
import pytest

from iadsim.physics import lethality as leth


def test_salvo_independent_shots():
    # Przemieniecki, Mathematical Methods in Defense Analyses: P = 1 - (1 - p)^n.
    np.testing.assert_allclose(leth.salvo_pk(0.5, np.array([0, 1, 2, 3])), [0.0, 0.5, 0.75, 0.875])
    np.testing.assert_allclose(leth.salvo_pk(np.array([[0.3], [0.7]]), np.array([[1, 2]])), [[0.3, 0.51], [0.7, 0.91]])
    assert leth.salvo_pk(1.0, 2) == 1.0


def test_shots_required():
    # 0.7 per shot: two shots give 0.91 (>= 0.9), one gives 0.7.
    assert leth.shots_required(0.7, 0.9) == 2
    assert leth.shots_required(0.5, 0.875) == 3  # exactly reached, not one more
    assert leth.shots_required(1.0, 0.99) == 1
    np.testing.assert_array_equal(leth.shots_required(np.array([0.2, 0.5]), 0.95), [14, 5])


def test_cookie_cutter_at_cep_is_one_half():
    # Driels, Weaponeering: CEP = sqrt(2 ln 2) sigma ~ 1.1774 sigma is the radius holding half the shots.
    sigma = np.array([1.0, 5.0, 40.0])
    assert leth.cep_to_sigma(1.1774) == pytest.approx(1.0, rel=1e-4)
    np.testing.assert_allclose(leth.cookie_cutter_sspk(sigma * np.sqrt(2 * np.log(2)), sigma), 0.5, rtol=1e-14)
    # REFERENCES.md: SSPK = 1 - exp(-R^2 / (2 sigma^2)); R = sigma gives 1 - e^-1/2 = 0.3935.
    assert leth.cookie_cutter_sspk(10.0, 10.0) == pytest.approx(1 - np.exp(-0.5), rel=1e-15)
    assert leth.cookie_cutter_sspk(10.0, 0.0) == 1.0


def test_cookie_cutter_matches_monte_carlo():
    rng = np.random.default_rng(3)
    miss = rng.normal(0.0, 12.0, (200_000, 2))
    hit_rate = np.mean(np.hypot(miss[:, 0], miss[:, 1]) < 15.0)
    assert hit_rate == pytest.approx(leth.cookie_cutter_sspk(15.0, 12.0), abs=4.5 * np.sqrt(0.25 / 200_000))


def _plane_integral(values, x, y):
    # Trapezoid rule on a uniform grid: spectrally accurate for these smooth, Gaussian-tailed integrands.
    return np.trapezoid(np.trapezoid(values, y, axis=1), x)


def test_carleton_damage_integrates_to_lethal_area():
    # Driels, Weaponeering: the lethal area (MAE) is the integral of the damage function over the plane.
    for d0, area, rho in [(1.0, 500.0, 1.0), (0.8, 1200.0, 0.4), (0.5, 300.0, 2.5)]:
        half_x = 12 * np.sqrt(area * rho / (np.pi * d0))  # 12 pattern widths each way
        half_y = 12 * np.sqrt(area / (rho * np.pi * d0))
        x = np.linspace(-half_x, half_x, 1201)
        y = np.linspace(-half_y, half_y, 1201)
        total = _plane_integral(leth.carleton_damage(x[:, None], y[None, :], d0, area, rho), x, y)
        assert total == pytest.approx(area, rel=1e-10)


@pytest.mark.validation
def test_carleton_damage_matches_afsim_printed_equation(validation):
    # AFSIM WSF_CARLTON_LETHALITY documentation: Pk = D0 exp(-pi D0 / LA (x^2 RDR + y^2 / RDR)); its RDR
    # is the reciprocal of our down-range / cross-range ratio.
    x, y, d0, area, rho = 7.0, -4.0, 0.9, 800.0, 0.6
    rdr = 1.0 / rho
    afsim = d0 * np.exp(-np.pi * d0 / area * (x**2 * rdr + y**2 / rdr))
    validation("Carleton damage function (iadsim.physics.lethality.carleton_damage)",
               "AFSIM documentation, the Carleton damage equation as printed",
               leth.carleton_damage(x, y, d0, area, rho), afsim, rel=1e-15, abs=1e-12)
    assert leth.carleton_damage(0.0, 0.0, d0, area, rho) == d0


@pytest.mark.parametrize(
    ("d0", "area", "rho", "sx", "sy", "mx", "my"),
    [
        (1.0, 500.0, 1.0, 10.0, 10.0, 0.0, 0.0),
        (0.8, 1200.0, 0.4, 25.0, 8.0, 5.0, -3.0),
        (0.6, 200.0, 2.0, 3.0, 30.0, 0.0, 12.0),
    ],
)
def test_carleton_sspk_is_expected_damage_over_normal_miss(d0, area, rho, sx, sy, mx, my):
    # SSPK = E[D(x, y)] for x ~ N(mx, sx^2), y ~ N(my, sy^2): checked by direct numerical integration.
    x = mx + np.linspace(-12 * sx, 12 * sx, 2401)
    y = my + np.linspace(-12 * sy, 12 * sy, 2401)
    density = np.exp(-((x[:, None] - mx) ** 2) / (2 * sx**2) - (y[None, :] - my) ** 2 / (2 * sy**2))
    density /= 2 * np.pi * sx * sy
    expected = _plane_integral(leth.carleton_damage(x[:, None], y[None, :], d0, area, rho) * density, x, y)
    assert leth.carleton_sspk(d0, area, rho, sx, sy, mx, my) == pytest.approx(expected, rel=1e-8)


def test_carleton_sspk_limits():
    # Perfect delivery gives D0; the circular unbiased case is D0 / (1 + 2 pi D0 sigma^2 / A).
    assert leth.carleton_sspk(0.85, 400.0, 0.7, 0.0, 0.0) == pytest.approx(0.85)
    value = leth.carleton_sspk(1.0, 400.0, 1.0, 10.0, 10.0)
    assert value == pytest.approx(1.0 / (1.0 + 2 * np.pi * 100.0 / 400.0), rel=1e-14)
    sigmas = np.array([[1.0], [10.0], [100.0]])
    assert np.all(np.diff(leth.carleton_sspk(1.0, 400.0, 1.0, sigmas, sigmas), axis=0) < 0)


@pytest.mark.parametrize(
    "call",
    [
        lambda: leth.salvo_pk(1.2, 2),
        lambda: leth.salvo_pk(0.5, -1),
        lambda: leth.salvo_pk(0.5, 1.5),
        lambda: leth.cookie_cutter_sspk(-1.0, 2.0),
        lambda: leth.carleton_sspk(1.1, 100.0, 1.0, 1.0, 1.0),
        lambda: leth.carleton_sspk(1.0, 0.0, 1.0, 1.0, 1.0),
        lambda: leth.carleton_sspk(1.0, 100.0, -1.0, 1.0, 1.0),
        lambda: leth.shots_required(0.0, 0.9),
    ],
)
def test_invalid_arguments_raise(call):
    with pytest.raises(ValueError):
        call()
