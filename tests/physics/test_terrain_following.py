"""The terrain-following profile against a sample-by-sample reference written here: each point no lower than
wanted, no lower than what the next one needs at the climb limit (looking ahead), no lower than the last one
allows at the descent limit; and no profile meeting the limits lies lower anywhere."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iadsim.physics.terrain_following import terrain_following_profile


def reference(wanted, climb, descent):
    z = np.array(wanted, dtype=float)
    for i in range(len(z) - 2, -1, -1):
        z[i] = max(z[i], z[i + 1] - climb[i])
    for i in range(1, len(z)):
        z[i] = max(z[i], z[i - 1] - descent[i - 1])
    return z


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-100, 3000), min_size=1, max_size=300), st.floats(0.01, 1.0), st.floats(0.01, 1.0),
       st.floats(1.0, 100.0))
def test_matches_the_sample_by_sample_envelope(wanted, climb, descent, spacing):
    wanted = np.array(wanted)
    z = terrain_following_profile(wanted, spacing, climb, descent)
    n = len(wanted)
    np.testing.assert_allclose(z, reference(wanted, np.full(n, climb * spacing), np.full(n, descent * spacing)),
                               atol=1e-6)
    assert (z >= wanted).all()
    steps = np.diff(z)
    assert (steps <= climb * spacing + 1e-6).all() and (-steps <= descent * spacing + 1e-6).all()


def test_per_interval_gradients_and_lowest():
    rng = np.random.default_rng(3)
    wanted = np.cumsum(rng.normal(0, 20, 500))
    climb = rng.uniform(0.05, 0.3, 500)
    descent = rng.uniform(0.05, 0.3, 500)
    z = terrain_following_profile(wanted, 10.0, climb, descent)
    np.testing.assert_allclose(z, reference(wanted, climb * 10, descent * 10), atol=1e-6)
    # lowest: lowering any point breaks a constraint (it is wanted, or a neighbour's limit holds it up)
    tight = (np.isclose(z, wanted)
             | np.isclose(z, np.append(z[1:] - climb[:-1] * 10, -np.inf))
             | np.isclose(z, np.insert(z[:-1] - descent[:-1] * 10, 0, -np.inf)))
    assert tight.all()


def test_unknown_ground_is_nan_and_the_ridge_before_it_still_counts():
    wanted = np.array([0.0, 0.0, 100.0, np.nan, np.nan, 0.0, 0.0])
    z = terrain_following_profile(wanted, 1.0, 40.0, 30.0)
    assert np.isnan(z[3:5]).all()
    assert z[1] == pytest.approx(60.0) and z[0] == pytest.approx(20.0)
    assert z[5] == pytest.approx(10.0) and z[6] == pytest.approx(0.0)  # 100 - 3 x 30, then wanted
