"""The world's sparse looks (:class:`iadsim.engine.Looks`): what each sensor sees, step by step."""

from __future__ import annotations

import numpy as np
import pytest

from iadsim.engine import Looks, build_world

from ._scenarios import networked


def _random_dense(seed: int, shape=(7, 3, 5)):
    g = np.random.default_rng(seed)
    visible = g.random(shape) < 0.3
    pd = np.where(visible & (g.random(shape) < 0.7), g.random(shape), 0.0).astype(np.float32)
    sigma = np.where(visible, g.random(shape) * 100 + 1, 0.0).astype(np.float32)
    return pd, visible, sigma


@pytest.mark.parametrize("seed", range(5))
def test_looks_hold_exactly_the_dense_arrays(seed):
    pd, visible, sigma = _random_dense(seed)
    looks = Looks.from_dense(pd, visible, sigma)
    assert len(looks.pd) == visible.sum()
    np.testing.assert_array_equal(looks.dense("visible"), visible)
    np.testing.assert_array_equal(looks.dense("pd"), pd)
    np.testing.assert_array_equal(looks.dense("sigma"), sigma)
    for k in range(visible.shape[0]):
        np.testing.assert_array_equal(looks.visible_at(k), visible[k])
        np.testing.assert_array_equal(looks.pd_at(k), pd[k])
        i = looks.at(k)
        # a step's pairs by sensor, then target: the order np.nonzero gives (the engine's draw order)
        s, t = np.nonzero(visible[k])
        np.testing.assert_array_equal(looks.sensor[i], s)
        np.testing.assert_array_equal(looks.target[i], t)


def test_pairs_in_any_order_give_the_same_looks():
    pd, visible, sigma = _random_dense(11)
    k, s, t = np.nonzero(visible)
    shuffle = np.random.default_rng(3).permutation(len(k))
    a = Looks.from_dense(pd, visible, sigma)
    b = Looks.from_pairs(visible.shape, k[shuffle], s[shuffle], t[shuffle], pd[k, s, t][shuffle],
                         sigma[k, s, t][shuffle])
    for name in ("ptr", "sensor", "target", "pd", "sigma"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def test_a_world_keeps_only_what_its_sensors_see(make_scenario):
    """The world's pairs are the visible ones (every detectable pair among them), its dense views are read-only,
    and a world with other looks (a what-if) leaves the original alone."""
    world = build_world(make_scenario(networked()))
    looks = world.looks
    assert 0 < len(looks.pd) < np.prod(looks.shape)
    assert (world.pd_look[~world.visible] == 0).all() and (world.sigma[world.visible] > 0).all()
    assert world.active[world.visible.any(axis=1)].all()  # only what flies is seen
    with pytest.raises(ValueError):
        world.pd_look[0, 0, 0] = 1.0
    forced = world.with_looks(Looks.from_dense(np.where(world.visible, 1.0, 0.0), world.visible, world.sigma))
    assert (forced.pd_look[world.visible] == 1).all()
    assert (world.pd_look[world.visible] < 1).any()


def test_pairs_out_of_range_or_given_twice_are_refused():
    shape = (3, 2, 4)
    ok = dict(pd=[0.5, 0.5], sigma=[1.0, 1.0])
    Looks.from_pairs(shape, [0, 2], [1, 1], [3, 0], **ok)
    for k, s, t, what in (([0, 3], [0, 0], [0, 0], "step"), ([0, 1], [0, 2], [0, 0], "sensor"),
                          ([0, 1], [0, 0], [0, -1], "target")):
        with pytest.raises(ValueError, match=what):
            Looks.from_pairs(shape, k, s, t, **ok)
    with pytest.raises(ValueError, match="twice"):
        Looks.from_pairs(shape, [1, 1], [0, 0], [2, 2], **ok)

