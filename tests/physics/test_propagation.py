"""Smooth-earth horizon and masking height against the published rules of thumb."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from iadsim.physics.propagation import effective_earth_radius, horizon_distance, horizon_range, min_visible_height

HEIGHTS = np.array([1.0, 10.0, 30.0, 100.0, 1000.0, 10000.0])


@pytest.mark.validation
def test_radio_horizon_4_12_rule(validation):
    # REFERENCES.md / Skolnik ch. 8: d [km] = 4.12 (sqrt(h1) + sqrt(h2)), h in metres, k = 4/3.
    # The rule's constant is rounded to 3 digits (sqrt(2 * 4/3 * 6378137) / 1000 = 4.1241): 0.1 %.
    h1, h2 = np.meshgrid(HEIGHTS, HEIGHTS)
    validation("radio horizon over a 4/3 earth (iadsim.physics.propagation.horizon_range) [km]",
               "the 4.12 (sqrt(h1) + sqrt(h2)) km rule (Skolnik, Radar Handbook)", horizon_range(h1, h2) / 1e3,
               4.12 * (np.sqrt(h1) + np.sqrt(h2)), rel=1e-3)


@pytest.mark.validation
def test_ew_handbook_nautical_mile_rule(validation):
    # NAWCWPNS TP 8347, EW and Radar Systems Engineering Handbook, Sec. 2-9 (radar horizon):
    # R [nmi] = 1.23 sqrt(h [ft]) per end for the 4/3 earth; its constant has 3 digits (0.2 %).
    feet = HEIGHTS / 0.3048
    validation("radio horizon over a 4/3 earth (iadsim.physics.propagation.horizon_distance) [NM]",
               "EW and Radar Systems Engineering Handbook: 1.23 sqrt(h [ft]) NM", horizon_distance(HEIGHTS) / 1852.0,
               1.23 * np.sqrt(feet), rel=2e-3)


def test_visible_light_k_seven_sixths():
    # REFERENCES.md: GDAL's default curvature coefficient 0.85714 = 1/k is visible light (k = 7/6).
    ratio = horizon_distance(100.0, k=7.0 / 6.0) / horizon_distance(100.0, k=4.0 / 3.0)
    assert ratio == pytest.approx(np.sqrt((7 / 6) / (4 / 3)), rel=1e-14)
    assert effective_earth_radius() == pytest.approx(4 / 3 * 6378137.0)


def test_min_visible_height_zero_inside_own_horizon():
    d1 = horizon_distance(25.0)
    np.testing.assert_array_equal(min_visible_height(25.0, np.array([0.0, 0.5 * d1, d1])), 0.0)


@given(
    antenna_height=st.floats(0.0, 2000.0),
    target_height=st.floats(0.0, 20000.0),
    k=st.sampled_from([1.0, 7.0 / 6.0, 4.0 / 3.0]),
)
def test_min_visible_height_inverts_horizon_range(antenna_height, target_height, k):
    # The masking height at the joint horizon distance is the target height itself.
    d = horizon_range(antenna_height, target_height, k)
    assert min_visible_height(antenna_height, d, k) == pytest.approx(target_height, rel=1e-9, abs=1e-6)


def test_broadcasting_sensors_by_targets():
    heights = np.array([[10.0], [30.0]])
    ranges = np.array([[10e3, 40e3, 80e3]])
    assert min_visible_height(heights, ranges).shape == (2, 3)
    assert isinstance(horizon_range(10.0, 100.0), float)


@pytest.mark.parametrize("call", [lambda: horizon_range(-1.0, 10.0), lambda: min_visible_height(10.0, -5.0)])
def test_negative_lengths_raise(call):
    with pytest.raises(ValueError, match=">= 0"):
        call()
