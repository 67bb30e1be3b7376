"""The one sector rule (iadsim.sensors.in_sector), used for sensors, launchers and coverage alike."""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.scenario.models import Sector
from iadsim.sensors import in_sector


def _offsets(bearings_deg, distance=1000.0):
    """(dx east, dy north) [m] of points at the given bearings (clockwise from north)."""
    b = np.deg2rad(np.asarray(bearings_deg, float))
    return distance * np.sin(b), distance * np.cos(b)


@pytest.mark.parametrize("center", ["350 deg", "-10 deg"])
def test_sector_across_north_wraps_around(center):
    sector = Sector(center=center, width="40 deg")  # 330 deg .. 10 deg through north
    inside = [331, 340, 355, 359.9, 0, 0.1, 5, 9.9]
    outside = [10.1, 20, 90, 180, 270, 329.9]
    assert in_sector(sector, *_offsets(inside)).all()
    assert not in_sector(sector, *_offsets(outside)).any()


def test_sector_centred_on_north():
    sector = Sector(center="0 deg", width="20 deg")
    assert in_sector(sector, *_offsets([350.5, 359, 0, 1, 9.5])).all()
    assert not in_sector(sector, *_offsets([349.5, 10.5, 180])).any()


def test_a_sector_of_360_degrees_holds_every_bearing():
    sector = Sector(center="90 deg", width="360 deg")
    bearings = np.concatenate([np.linspace(0.0, 360.0, 721), [270.0]])  # 270: exactly opposite the centre
    assert in_sector(sector, *_offsets(bearings)).all()


def test_no_sector_is_all_true_and_broadcasts():
    dx, dy = np.zeros((3, 1)), np.zeros((1, 4))
    out = in_sector(None, dx, dy)
    assert out.shape == (3, 4) and out.dtype == bool and out.all()


def test_sector_is_a_bearing_rule_not_a_distance_rule():
    sector = Sector(center="45 deg", width="30 deg")
    near, far = _offsets([45.0], 1.0), _offsets([45.0], 1e6)
    assert in_sector(sector, *near).all() and in_sector(sector, *far).all()
