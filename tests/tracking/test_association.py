"""Gating and GNN association on hand-built cases (iadsim.tracking.association)."""

import numpy as np
import pytest

from iadsim.tracking import associate, gate, gate_threshold, mahalanobis_sq


def test_mahalanobis_sq_hand_values():
    S = np.diag([4.0, 9.0])
    assert mahalanobis_sq([2.0, 3.0], S) == pytest.approx(2.0)  # 4/4 + 9/9
    # correlated case: S = [[2, 1], [1, 2]], S^-1 = [[2, -1], [-1, 2]] / 3
    assert mahalanobis_sq([1.0, 1.0], [[2.0, 1.0], [1.0, 2.0]]) == pytest.approx(2.0 / 3.0)
    batch = mahalanobis_sq(np.array([[2.0, 0.0], [0.0, 3.0], [2.0, 3.0]]), S)
    np.testing.assert_allclose(batch, [1.0, 1.0, 2.0])


@pytest.mark.parametrize(
    ("probability", "n_meas", "table_value"),
    # Bar-Shalom, Li & Kirubarajan (2001), Table 5.4.2-1 (gate thresholds, printed to 0.1)
    [(0.99, 1, 6.6), (0.99, 2, 9.2), (0.99, 3, 11.3), (0.95, 2, 6.0), (0.95, 3, 7.8)],
)
def test_gate_threshold_chi_square_table(probability, n_meas, table_value):
    assert gate_threshold(probability, n_meas) == pytest.approx(table_value, abs=0.05)


def test_gate_inside_and_outside():
    S = np.eye(3) * 100.0  # 10 m sigma per axis
    inside = np.array([10.0, 10.0, 10.0])  # d2 = 3
    outside = np.array([40.0, 0.0, 0.0])  # d2 = 16 > 11.34
    np.testing.assert_array_equal(gate(np.stack([inside, outside]), S), [True, False])
    with pytest.raises(ValueError):
        gate_threshold(1.0, 3)


def test_associate_prefers_global_over_greedy_nearest():
    # Track 0 is nearest to measurement 0, but giving measurement 0 to track 1 and 1 to track 0 is
    # cheaper overall (GNN minimises the total distance, not each track's).
    zhat = np.array([[0.0, 0.0], [2.0, 0.0]])
    S = np.broadcast_to(np.eye(2), (2, 2, 2))
    z = np.array([[1.0, 0.0], [-1.5, 0.0]])
    a = associate(zhat, S, z, gate_threshold=100.0)
    np.testing.assert_array_equal(a.track_index, [0, 1])
    np.testing.assert_array_equal(a.measurement_index, [1, 0])
    assert a.unassigned_tracks.size == 0 and a.unassigned_measurements.size == 0


def test_associate_gating_drops_far_pairs_and_reports_leftovers():
    zhat = np.array([[0.0, 0.0], [100.0, 0.0], [200.0, 0.0]])
    S = np.broadcast_to(np.eye(2) * 4.0, (3, 2, 2))
    z = np.array([[201.0, 1.0], [0.5, -0.5], [50.0, 50.0], [1.0, 0.0]])
    a = associate(zhat, S, z, gate_threshold=gate_threshold(0.99, 2))
    np.testing.assert_array_equal(a.track_index, [0, 2])
    np.testing.assert_array_equal(a.measurement_index, [1, 0])  # nearer of the two close to track 0
    np.testing.assert_array_equal(a.unassigned_tracks, [1])
    np.testing.assert_array_equal(a.unassigned_measurements, [2, 3])


def test_associate_maximises_number_of_gated_pairs():
    # Measurement 0 is closest to track 0 but is the only one inside track 1's gate: GNN gives it to
    # track 1 and track 0 takes measurement 1, rather than leaving track 1 unassigned.
    zhat = np.array([[0.0], [3.0]])
    S = np.array([[[1.0]], [[1.0]]])
    z = np.array([[1.0], [-2.0]])
    a = associate(zhat, S, z, gate_threshold=9.0)
    np.testing.assert_array_equal(a.track_index, [0, 1])
    np.testing.assert_array_equal(a.measurement_index, [1, 0])


def test_associate_uses_each_tracks_own_covariance():
    zhat = np.array([[0.0, 0.0], [0.0, 0.0]])
    S = np.array([np.diag([100.0, 1.0]), np.diag([1.0, 100.0])])  # track 0 elongated in x, track 1 in y
    z = np.array([[0.0, 8.0], [8.0, 0.0]])
    a = associate(zhat, S, z, gate_threshold=50.0)
    np.testing.assert_array_equal(a.measurement_index[np.argsort(a.track_index)], [1, 0])


def test_associate_empty_inputs():
    a = associate(np.empty((0, 3)), np.empty((0, 3, 3)), np.ones((2, 3)), 10.0)
    assert a.track_index.size == 0
    np.testing.assert_array_equal(a.unassigned_measurements, [0, 1])
    b = associate(np.ones((2, 3)), np.broadcast_to(np.eye(3), (2, 3, 3)), np.empty((0, 3)), 10.0)
    np.testing.assert_array_equal(b.unassigned_tracks, [0, 1])
