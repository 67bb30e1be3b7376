"""Map labels: placed around their markers so that none overlaps another label or a marker when there is room."""

import numpy as np

from iadsim.report.labels import place_labels

WIDTH, HEIGHT, MARKER = 6.5, 13.0, 14.0  # px per character, per line, marker size (the module's stated sizes)


def box(x, y, chars, position):
    """A label's box, from plotly's meaning of a text position (its anchor beside the marker)."""
    w, h, r = chars * WIDTH, HEIGHT, MARKER / 2
    vertical, horizontal = position.split()
    gap = r if "center" in (vertical, horizontal) or vertical == "middle" else r / 2
    x0 = {"center": x - w / 2, "right": x + gap, "left": x - gap - w}[horizontal]
    y0 = {"middle": y - h / 2, "top": y + gap, "bottom": y - gap - h}[vertical]
    return x0, y0, x0 + w, y0 + h


def overlap(a, b):
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


def test_a_tight_cluster_gets_labels_that_do_not_overlap():
    # four sites 0.4 km apart at 40 px per km: 16 px apart, far closer than a label is wide
    x = np.array([0.0, 0.4, 0.0, 0.4])
    y = np.array([0.0, 0.0, 0.4, 0.4])
    names = ["lr-l1", "lr-l2", "lr-fcr", "cp-1"]
    where = place_labels(x, y, [len(n) for n in names], 40.0)
    boxes = [box(40 * xi, 40 * yi, len(n), p) for xi, yi, n, p in zip(x, y, names, where, strict=True)]
    markers = [(40 * xi - 7, 40 * yi - 7, 40 * xi + 7, 40 * yi + 7) for xi, yi in zip(x, y, strict=True)]
    for i, a in enumerate(boxes):
        for j, b in enumerate(boxes):
            assert i == j or not overlap(a, b), (names[i], where[i], names[j], where[j])
        for j, m in enumerate(markers):
            assert i == j or not overlap(a, m), (names[i], where[i], "marker", names[j])


def test_lone_labels_take_the_first_choice_and_a_crowd_never_fails():
    assert place_labels([0.0, 100.0], [0.0, 0.0], [5, 5], 10.0) == ["top right", "top right"]
    crowd = place_labels(np.zeros(12), np.zeros(12), np.full(12, 6), 10.0)  # no room at all: still a position each
    assert len(crowd) == 12
