"""Confidence intervals that fit the quantity (iadsim.analysis.intervals): published values, coverage by
simulation, and a property test that no interval ever leaves its quantity's range."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from iadsim.analysis.intervals import KINDS, garwood, interval, interval_text, ratio_interval, wilson
from iadsim.analysis.metrics import METRIC_KINDS, mean_ci


@pytest.mark.parametrize(("successes", "n", "low", "high"), [
    (81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718),
])
def test_wilson_newcombe_1998_table_1(successes, n, low, high):
    # Newcombe, R. G. (1998), Two-sided confidence intervals for the single proportion: comparison of seven
    # methods. Stat. Med. 17, 857-872, Table I, method 3 (score, no continuity correction); 4 decimals.
    got = wilson(successes, n)
    assert got == pytest.approx((low, high), abs=6e-5)


@pytest.mark.parametrize(("total", "low", "high"), [
    (0, 0.0, 3.689), (1, 0.0253, 5.572), (5, 1.6235, 11.668), (10, 4.7954, 18.390),
])
def test_garwood_exact_poisson_limits(total, low, high):
    # Garwood (1936) exact 95 % limits of a Poisson mean: the R package epitools documents pois.exact's upper
    # limit for x = 0 as 3.689; the other rows are the classical exact limits (chi-square quantiles
    # chi2(0.025, 2x)/2 and chi2(0.975, 2x + 2)/2) as printed in tables of exact Poisson limits.
    got = garwood(total, 1)
    assert got == pytest.approx((low, high), abs=1e-3)
    assert garwood(total, 50) == pytest.approx((got[0] / 50, got[1] / 50))


def test_negative_interval_of_a_rare_count_is_gone():
    # the reported bug: wrongful engagements 0.01 [-0.00, 0.02] from a Student-t interval on 1 event in 100
    values = np.zeros(100)
    values[17] = 1
    stat = mean_ci(values, metric="wrongful_engagements")
    assert stat["method"] == "poisson (garwood)"
    assert stat["ci95"][0] > 0  # one event seen: the rate is not zero
    assert stat["ci95"] == pytest.approx([0.0253 / 100, 5.572 / 100], abs=1e-5)
    assert stat["half_width"] == pytest.approx(stat["ci95"][1] - 0.01)  # the larger side


def test_raid_annihilation_is_a_wilson_proportion():
    stat = mean_ci([1.0] * 30 + [0.0] * 10, metric="p_raid_annihilation")
    assert stat["method"] == "wilson" and stat["mean"] == 0.75
    assert stat["ci95"] == pytest.approx(list(wilson(30, 40)))


def test_bounded_count_all_zero_gets_a_wilson_upper_bound():
    stat = mean_ci(np.zeros(200), metric="leakers", upper=4)
    # E[leakers] <= 4 P(leakers > 0) and P(leakers > 0) <= Wilson upper limit of 0 in 200
    assert stat["ci95"][0] == 0.0
    assert stat["ci95"][1] == pytest.approx(4 * wilson(0, 200)[1]) and stat["ci95"][1] > 0
    top = mean_ci(np.full(200, 4.0), metric="kills", upper=4)
    assert top["ci95"] == pytest.approx([4 - 4 * wilson(0, 200)[1], 4.0])


def test_a_bounded_count_without_its_bound_keeps_a_count_s_interval():
    """A sweep's table gives no bound: all zeros in 30 is not known to be exactly 0 (the bootstrap's [0, 0]);
    the exact Poisson bound for 0 events in n is -ln(0.025) / n (Garwood 1936), conservative for a bounded count."""
    for metric in ("kills", "leakers", "civil_killed", "arms_launched", "radars_lost"):
        stat = mean_ci(np.zeros(30), metric=metric)
        assert stat["method"] == "poisson (garwood)"
        assert stat["ci95"] == pytest.approx([0.0, -math.log(0.025) / 30])
    some = mean_ci(np.array([0.0, 1, 2, 1, 0, 1] * 10), metric="kills")
    assert some["method"] == "poisson (garwood)" and some["ci95"] == pytest.approx(list(garwood(50, 60)))


def test_over_dispersed_count_uses_the_bootstrap():
    # missiles come in salvos of 8: far more variance than a Poisson count of the same mean allows
    rng = np.random.default_rng(3)
    values = 8.0 * rng.binomial(1, 0.3, size=400)
    stat = mean_ci(values, metric="missiles_expended")
    assert stat["method"].startswith("bootstrap") and "over-dispersed" in stat["method"]
    poisson = mean_ci(rng.poisson(2.4, size=400).astype(float), metric="missiles_expended")
    assert poisson["method"] == "poisson (garwood)"


def test_bootstrap_agrees_with_the_normal_interval_for_a_large_sample():
    # a mean of 2,000 draws: the percentile bootstrap and the CLT interval agree to a few per cent
    rng = np.random.default_rng(11)
    x = rng.exponential(40.0, size=2000)
    stat = mean_ci(x, metric="time_to_first_detection")
    half = 1.96 * x.std(ddof=1) / math.sqrt(len(x))
    assert stat["ci95"] == pytest.approx([x.mean() - half, x.mean() + half], rel=0.01)
    assert mean_ci(x, metric="time_to_first_detection") == stat  # deterministic


@pytest.mark.parametrize(("metric", "draw", "truth"), [
    ("wrongful_engagements", lambda rng, n: rng.poisson(0.05, n), 0.05),
    ("p_raid_annihilation", lambda rng, n: rng.binomial(1, 0.97, n), 0.97),
    ("leakers", lambda rng, n: rng.binomial(4, 0.1, n), 0.4),
])
def test_intervals_cover_the_truth_about_95_percent_of_the_time(metric, draw, truth):
    # independent check by simulation: 400 experiments of 100 replications each
    rng = np.random.default_rng(2026)
    hits = 0
    for _ in range(400):
        low, high = mean_ci(draw(rng, 100).astype(float), metric=metric, upper=4)["ci95"]
        hits += low <= truth <= high
    assert 0.90 <= hits / 400 <= 0.995, hits


RANGES = {"proportion": (0, 1), "fraction": (0, 1), "bounded": (0, 6), "count": (0, math.inf),
          "time": (0, math.inf), "amount": (0, math.inf), "value": (-math.inf, math.inf)}


def _vector(kind):
    if kind == "proportion":
        return st.lists(st.sampled_from([0.0, 1.0]), max_size=300)
    if kind == "fraction":
        return st.lists(st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]) | st.floats(0, 1), max_size=300)
    if kind == "bounded":
        return st.lists(st.integers(0, 6).map(float), max_size=300)
    if kind == "count":
        return st.lists(st.integers(0, 500).map(float), max_size=300)
    if kind == "time":
        return st.lists(st.floats(0, 1e5) | st.just(math.inf), max_size=300)
    if kind == "amount":
        return st.lists(st.floats(0, 1e9), max_size=300)
    return st.lists(st.floats(-1e6, 1e6), max_size=300)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_no_interval_ever_leaves_its_quantity_range(data):
    kind = data.draw(st.sampled_from(KINDS))
    values = data.draw(_vector(kind))
    stat = interval(values, kind, upper=6 if kind == "bounded" else None)
    if stat["n"] == 0:
        assert stat["mean"] is None and stat["ci95"] == [None, None]
        return
    low, high = stat["ci95"]
    low, high = -math.inf if low is None else low, math.inf if high is None else high  # (None: unbounded)
    lo_range, hi_range = RANGES[kind]
    assert lo_range <= low <= stat["mean"] <= high <= hi_range
    half = max(stat["mean"] - low, high - stat["mean"])
    assert stat["half_width"] == pytest.approx(half) if math.isfinite(half) else stat["half_width"] is None


@settings(max_examples=30, deadline=None)
@given(values=st.lists(st.integers(0, 4), min_size=1, max_size=200))
def test_every_metric_interval_fits_its_range(values):
    for metric, (kind, bound) in METRIC_KINDS.items():
        x = np.asarray(values, float)
        if kind == "ratio":  # a ratio of totals: of two columns, never below zero
            low, high = ratio_interval(x, x + 1)["ci95"]
            assert 0 <= low <= high, metric
            continue
        if kind in ("proportion", "fraction"):
            x = x / 4
        upper = 4 if bound else None  # (a count's or a proportion's bound names what its events are about)
        low, high = mean_ci(x, metric=metric, upper=upper)["ci95"]
        assert low >= 0, metric
        if kind in ("proportion", "fraction"):
            assert high <= 1, metric
        if upper is not None and kind == "bounded":
            assert high <= upper, metric


@pytest.mark.parametrize("n", [2, 5, 9, 50])
def test_all_values_at_one_end_never_collapse_to_a_point(n):
    low, high = interval(np.zeros(n), "bounded", upper=8)["ci95"]
    assert low == 0 and high == pytest.approx(8 * wilson(0, n)[1])
    low, high = interval(np.ones(n), "fraction")["ci95"]
    assert high == 1 and low == pytest.approx(1 - wilson(0, n)[1])


@pytest.mark.parametrize("n", [1, 3, 30])
def test_the_same_value_throughout_is_not_a_point(n):
    """Every replication gives the same inner value c: the mean can still lie either side, by at most the range
    beyond c times Wilson's bound on "some replication differs" (none of n did). A point would claim certainty."""
    p = wilson(0, n)[1]
    low, high = interval(np.ones(n), "bounded", upper=4)["ci95"]
    assert low == pytest.approx(1 - p) and high == pytest.approx(1 + 3 * p)
    low, high = interval(np.full(n, 0.25), "fraction")["ci95"]
    assert low == pytest.approx(0.25 - 0.25 * p) and high == pytest.approx(0.25 + 0.75 * p)


def test_events_about_nothing_are_certainly_none():
    """A count or proportion of events about a population the run does not have (upper 0: no civil aircraft to
    engage wrongly) is [0, 0], not Garwood's [0, 3.69 / n] or Wilson's; with a population, the usual bounds."""
    for kind in ("count", "proportion"):
        assert interval(np.zeros(20), kind, upper=0)["ci95"] == [0.0, 0.0]
        assert interval(np.zeros(20), kind, upper=3)["ci95"][1] > 0
    assert interval(np.zeros(20), "count")["ci95"] == pytest.approx(list(garwood(0, 20)))


def test_one_value_says_nothing_of_its_spread():
    """A single replication's time or amount: the interval is the quantity's range, unbounded above (None), never
    the point a report would print as certain ("230.06 [230.06, 230.06]")."""
    for kind in ("time", "amount"):
        stat = interval([230.06], kind)
        assert stat["mean"] == 230.06 and stat["ci95"] == [0.0, None] and stat["half_width"] is None
    stat = interval([3.5], "value")
    assert stat["ci95"] == [None, None]
    assert interval_text(stat) == "3.50 [-inf, inf]"
    # a sweep table's column of bounds holds a None as NaN: the same text, not "nan"
    assert interval_text({"mean": 230.0, "ci95": [0.0, float("nan")]}) == "230.00 [0.00, inf]"
    assert interval_text({"mean": float("nan"), "ci95": [0.0, 1.0]}) == "-"
    assert interval([3.0], "count")["method"] == "poisson (garwood)"  # (a count's interval holds for one value)


def test_an_over_dispersed_count_below_ten_values_takes_student_t():
    """The module's rule: below ten values the percentile bootstrap is too narrow (its lower end can never fall below
    the smallest value seen), whatever the kind; the over-dispersed count's branch used to skip it."""
    x = np.array([2.0, 2, 2, 2, 30])
    stat = interval(x, "count")
    half = stats.t.ppf(0.975, 4) * x.std(ddof=1) / math.sqrt(5)
    assert stat["method"] == "student-t (small n)"
    assert stat["ci95"] == pytest.approx([max(x.mean() - half, 0.0), x.mean() + half])


def test_a_ratio_of_totals_is_undefined_without_a_denominator_or_a_price():
    stat = ratio_interval([1.0, 2.0, 0.0], [0.0, 0.0, 0.0])
    assert stat["mean"] is None and stat["ci95"] == [None, None] and "denominator is zero" in stat["method"]
    stat = ratio_interval([1.0, np.nan], [1.0, 1.0])
    assert stat["mean"] is None and "cannot give" in stat["method"]
    assert ratio_interval([], [])["n"] == 0
    assert ratio_interval([3.0], [2.0])["ci95"] == [1.5, 1.5]


def test_a_ratio_whose_resamples_can_lose_the_denominator_is_unbounded_above():
    """Most replications destroy nothing (denominator 0) while spending: some resamples have nothing destroyed, an
    infinite ratio, so the interval has no upper bound (None), not a made-up one."""
    numerator = np.ones(20)
    denominator = np.zeros(20)
    denominator[0] = 1.0
    stat = ratio_interval(numerator, denominator)
    assert stat["mean"] == 20.0 and stat["ci95"][1] is None and stat["half_width"] is None
    assert stat["ci95"][0] <= 20.0


def _ratio_coverage(seed: int, mean_denominator: float, n: int = 60, trials: int = 300) -> float:
    """How often the 95 % interval of sum(a) / sum(b) over ``n`` replications holds 0.4, for Poisson denominators
    and binomial(b, 0.4) numerators (E[a] / E[b] = 0.4), over ``trials`` fresh data sets (the bootstrap is
    deterministic per size, so each trial draws new data)."""
    rng = np.random.default_rng(seed)
    hits = 0
    for _ in range(trials):
        b = rng.poisson(mean_denominator, n).astype(float)
        a = rng.binomial(b.astype(int), 0.4).astype(float)
        low, high = ratio_interval(a, b)["ci95"]
        hits += low <= 0.4 <= (np.inf if high is None else high)
    return hits / trials


def test_the_ratio_interval_covers_the_ratio_of_expectations():
    assert 0.90 <= _ratio_coverage(7, 5.0) <= 0.99


def test_sparse_denominators_keep_the_coverage_or_leave_the_bound_open():
    """Denominators that are often zero (a layer few threats reach): over 60 replications the interval still holds
    the ratio of expectations about 95 % of the time; below ten replications with a replication lacking one, a
    resample could lack it too, so the upper bound is open (None), not the delta method's finite guess."""
    assert 0.90 <= _ratio_coverage(11, 0.5) <= 0.99
    stat = ratio_interval(np.ones(5), np.array([1.0, 0.0, 0.0, 0.0, 0.0]))
    assert stat["mean"] == 5.0 and stat["ci95"][1] is None


@pytest.mark.parametrize("n", [5, 40])
def test_a_proportion_of_totals_at_one_end_never_collapses_to_a_point(n):
    """Every threat reaching a layer killed (or none): the interval's other side is Wilson's over the replications
    (two threats each, but those of one replication are not independent trials)."""
    reached = np.full(n, 2.0)
    stat = ratio_interval(reached, reached, proportion=True)
    assert stat["mean"] == 1.0 and stat["ci95"][1] == 1.0
    assert stat["ci95"][0] == pytest.approx(wilson(n, n)[0])
    stat = ratio_interval(np.zeros(n), reached, proportion=True)
    assert stat["ci95"] == pytest.approx([0.0, wilson(0, n)[1]])
    # a proportion's interval never leaves [0, 1], even from the delta method
    low, high = ratio_interval(np.array([0.0, 2.0, 2.0]), np.array([2.0, 2.0, 2.0]), proportion=True)["ci95"]
    assert 0.0 <= low <= high <= 1.0


def test_a_small_sample_ratio_uses_the_delta_method():
    """Below ten replications: r -/+ t(0.975, n-1) sd(a - r b) / (mean(b) sqrt(n)), the first-order (delta method)
    standard error of a ratio estimator (Cochran, Sampling Techniques, 3rd ed., 1977, sec. 6.4), clipped at 0; with
    a numerator where a denominator is zero, open above."""

    a, b = np.array([1.0, 2.0, 3.0, 2.0]), np.array([2.0, 4.0, 5.0, 5.0])
    r = a.sum() / b.sum()
    residual = a - r * b
    se = math.sqrt(((residual - residual.mean()) ** 2).sum() / 3) / b.mean() / 2.0
    half = stats.t.ppf(0.975, 3) * se
    stat = ratio_interval(a, b)
    assert stat["mean"] == pytest.approx(r) and stat["ci95"] == pytest.approx([r - half, r + half])
    assert stat["method"].startswith("delta-method")
    # a replication that fired nothing and destroyed nothing (0 / 0) opens nothing; one that fired at nothing does
    assert ratio_interval(np.array([1.0, 0.0, 2.0]), np.array([2.0, 0.0, 3.0]))["ci95"][1] is not None
    assert ratio_interval(np.array([1.0, 1.0, 2.0]), np.array([2.0, 0.0, 3.0]))["ci95"][1] is None


def test_one_ratio_throughout_is_never_a_point():
    """Every replication kills one threat of the two reaching a layer: Wilson's interval over the replications."""
    for n in (1, 5, 40):
        stat = ratio_interval(np.ones(n), np.full(n, 2.0), proportion=True)
        assert stat["mean"] == 0.5
        assert stat["ci95"] == pytest.approx(list(wilson(round(0.5 * n), n)))
