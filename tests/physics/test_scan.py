"""Scan helpers against Skolnik's hits-per-scan relation."""

import numpy as np
import pytest

from iadsim.physics import detection, scan


@pytest.mark.validation
def test_skolnik_hits_per_scan_rpm_form(validation):
    # Skolnik, Introduction to Radar Systems, ch. 2: n_B = theta_B f_p / theta_dot_s
    # = theta_B[deg] f_p / (6 omega_m[rpm]). 1.5 deg, 300 Hz, 5 rpm -> 15 hits (exact arithmetic).
    rpm = 5.0
    rate = rpm * 2 * np.pi / 60.0
    assert 1.5 * 300.0 / (6 * rpm) == 15
    validation("pulses on target per look of a rotating radar (iadsim.physics.scan.pulses_per_look)",
               "Skolnik, Introduction to Radar Systems ch. 2: 1.5 deg, 300 Hz, 5 rpm",
               scan.pulses_per_look(np.deg2rad(1.5), rate, 300.0), 15)


def test_pulses_per_look_floors_and_keeps_one():
    rate = 2 * np.pi / 10.0  # 6 rpm
    hits = scan.pulses_per_look(np.deg2rad(np.array([1.0, 2.0, 0.01])), rate, 1000.0)
    np.testing.assert_array_equal(hits, [np.floor(1.0 * 1000 / 36), np.floor(2.0 * 1000 / 36), 1])
    assert hits.dtype == np.int64


def test_scan_period():
    assert scan.scan_period(2 * np.pi / 12.0) == pytest.approx(12.0)
    assert scan.scan_period(np.deg2rad(30.0), sector_width=np.deg2rad(90.0)) == pytest.approx(3.0)


def test_cumulative_pd():
    # Skolnik ch. 2: P_c = 1 - prod(1 - P_d,i); three scans at 0.5 -> 0.875.
    assert scan.cumulative_pd([0.5, 0.5, 0.5]) == pytest.approx(0.875)
    np.testing.assert_allclose(scan.cumulative_pd(np.full((2, 4), 0.2), axis=1), 1 - 0.8**4)


def test_table_helpers_are_the_detection_ones():
    assert scan.pd_table is detection.pd_table and scan.pd_from_table is detection.pd_from_table


@pytest.mark.parametrize("args", [(0.0, 1.0, 300.0), (0.01, 0.0, 300.0), (0.01, 1.0, -1.0)])
def test_invalid_arguments_raise(args):
    with pytest.raises(ValueError):
        scan.pulses_per_look(*args)
