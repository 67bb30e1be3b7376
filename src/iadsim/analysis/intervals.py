"""Confidence intervals that fit the quantity: they may be asymmetric and never leave its range.

=====================  ==========================================  =================================
quantity               interval                                    range
=====================  ==========================================  =================================
proportion             Wilson score                                [0, 1]
bounded count          percentile bootstrap of the mean            [0, upper]
mean of fractions      percentile bootstrap of the mean            [0, 1]
unbounded count        exact Poisson (Garwood) on the total / n,   [0, inf)
                       percentile bootstrap when over-dispersed
time                   percentile bootstrap of the mean            [0, inf)
amount (money)         percentile bootstrap of the mean            [0, inf)
ratio of totals        percentile bootstrap of sum(a) / sum(b),    [0, inf]
                       replications resampled in pairs
=====================  ==========================================  =================================

Below ten values the bootstrap is replaced by the Student-t interval clipped to the range.

Every function returns ``{"mean", "ci95": [low, high], "half_width", "n", "method"}``. The key is ``ci95``
whatever the confidence (a contract of ``simulate --json``); ``half_width`` is the *larger* side,
``max(mean - low, high - mean)``, so a stopping rule on it is conservative.

The bootstrap is deterministic (a fixed generator seeded from the data's size), so the same values give
the same interval on any machine and any number of workers. When every value of a bounded count or a
fraction is the same, c, the percentile bootstrap degenerates to a point; the bounds then come from the Wilson
interval of the event "some value differs from c": ``c - (c - lower) P <= E[X] <= c + (upper - c) P`` (one
side only when c is an end of the range). A bounded count whose bound is not given (a sweep's table, whose points
may change it) takes the unbounded count's interval, which is conservative for it. An over-dispersed count below
ten values takes the Student-t interval, as every bootstrap does. One value says nothing of the spread: its
interval is the quantity's whole range (an infinite end given as None, unbounded), never a point. A count or a
proportion of events about something the run lacks (``upper`` 0: missiles at decoys, with no decoys) is [0, 0]:
none can happen. A time or an amount the same in every one of several replications stays that point: the model
gave it no spread.

References
----------
Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference. JASA 22(158).
Garwood, F. (1936). Fiducial limits for the Poisson distribution. Biometrika 28(3/4), 437-442.
Efron, B. & Tibshirani, R. (1993). An Introduction to the Bootstrap, ch. 13 (percentile interval).
Cox, D. R. & Lewis, P. A. W. (1966). The Statistical Analysis of Series of Events: the index of
dispersion test, ``(n - 1) s^2 / mean ~ chi^2(n - 1)`` under a Poisson law.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_WORK = 50_000_000
"""Largest resamples x values drawn for one bootstrap; beyond it the Student-t interval (clipped to the
range) stands in, which at such sample sizes agrees with the bootstrap to well within its own noise."""
SMALL_SAMPLE = 10
"""Below this many values the percentile bootstrap is too narrow (with two values it spans just them):
the Student-t interval, clipped to the quantity's range, is used instead."""
OVERDISPERSION_P = 0.01
"""Significance of the index-of-dispersion test above which a count is treated as Poisson."""

KINDS = ("proportion", "bounded", "fraction", "count", "time", "amount", "value")
RATIO_WORK = 2_000_000
"""Largest resample weights drawn at once for a ratio's bootstrap (resamples x replications per chunk)."""


def _result(mean: float, low: float, high: float, n: int, method: str) -> dict:
    low, high = min(low, mean), max(high, mean)
    return {"mean": mean, "ci95": [low, high], "half_width": max(mean - low, high - mean), "n": n,
            "method": method}


def _empty() -> dict:
    return {"mean": None, "ci95": [None, None], "half_width": None, "n": 0, "method": None}


def number_text(value: float | None, money: bool = False) -> str:
    """One bound or mean as iadsim prints it: two decimals (two significant digits below 0.01, so that a small
    bound is not shown as 0), or for an amount of money (``money``) millions to three significant digits, whole
    millions from a thousand ("1,500 M"; "0" for 0); "inf" for an unbounded bound (None)."""
    if value is None:
        return "inf"
    if money:
        millions = value / 1e6
        if abs(float(f"{millions:.3g}")) >= 1000:  # (``.3g`` would write 1.5e+03, and 1e+03 for 999.6)
            return f"{millions:,.0f} M"
        return "0" if value == 0 else f"{millions:.3g} M"
    return f"{value:.2g}" if 0 < abs(value) < 0.01 else f"{value:.2f}"


def interval_text(stat: dict, money: bool = False) -> str:
    """``mean [low, high]`` of an interval (:func:`interval`'s result; "-" when it has no mean), in one scale: a
    cost's interval from 0 reads ``300 M [0, 640 M]``, not ``[0.00, 640 M]``. The CLI's summary and the report's
    cost ledger both print it."""
    def known(value):  # (a table's column of bounds holds None as NaN: unbounded, as None)
        return None if value is None or value != value else value

    mean = known(stat.get("mean"))
    if mean is None:
        return "-"
    low, high = (known(v) for v in (stat.get("ci95") or [None, None])[:2])
    low_text = "-inf" if low is None else number_text(low, money)
    return f"{number_text(mean, money)} [{low_text}, {number_text(high, money)}]"


def wilson(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (Wilson 1927); (0, 1) when n is 0."""
    if n <= 0:
        return 0.0, 1.0
    z = stats.norm.ppf(0.5 + confidence / 2)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    low, high = max(0.0, float(centre - half)), min(1.0, float(centre + half))
    # exact at the ends: the score interval reaches 0 (or 1) when no (or every) trial succeeds
    return (0.0 if successes == 0 else low), (1.0 if successes == n else high)


def garwood(total: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact (Garwood 1936) interval of a Poisson rate from ``total`` events over ``n`` replications."""
    alpha = 1 - confidence
    low = 0.0 if total == 0 else stats.chi2.ppf(alpha / 2, 2 * total) / 2
    high = stats.chi2.ppf(1 - alpha / 2, 2 * total + 2) / 2
    return float(low) / n, float(high) / n


def bootstrap_mean(x: np.ndarray, confidence: float = 0.95, resamples: int = BOOTSTRAP_RESAMPLES
                   ) -> tuple[float, float, str]:
    """Percentile bootstrap interval of the mean (Efron & Tibshirani 1993, ch. 13): (low, high, method).

    Values with few distinct levels (counts) are resampled as multinomial counts of the levels, which is
    the same distribution at a cost that does not grow with n.
    """
    x = np.asarray(x, dtype=float)
    n = len(x)
    rng = np.random.default_rng([20261201, n])
    levels, counts = np.unique(x, return_counts=True)
    tail = (1 - confidence) / 2
    if len(levels) == 1:
        return float(levels[0]), float(levels[0]), "bootstrap"
    if len(levels) <= 256:
        draws = rng.multinomial(n, counts / n, size=resamples)
        means = draws @ levels / n
    elif resamples * n <= BOOTSTRAP_WORK:
        means = np.empty(resamples)
        chunk = max(1, BOOTSTRAP_WORK // (10 * n))
        for start in range(0, resamples, chunk):
            stop = min(start + chunk, resamples)
            idx = rng.integers(0, n, size=(stop - start, n))
            means[start:stop] = x[idx].mean(axis=1)
    else:
        half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
        return float(x.mean()) - half, float(x.mean()) + half, "student-t (large n)"
    low, high = np.quantile(means, [tail, 1 - tail])
    return float(low), float(high), "bootstrap"


def interval(values, kind: str = "value", upper: float | None = None, confidence: float = 0.95) -> dict:
    """The mean of the finite ``values`` and its interval for a quantity of ``kind`` (see the module table).

    ``upper`` is the largest possible value of a bounded count (e.g. the number of threats); for a count or a
    proportion, 0 says its events cannot happen (no civil aircraft to engage wrongly): every value 0 is then
    certain, [0, 0]. Without it a
    bounded count takes an unbounded count's interval (exact Poisson where not over-dispersed: conservative for a
    count with a bound, and it does not collapse to a point when every value is 0). ``value`` (the default, for
    quantities of unknown kind) uses the percentile bootstrap, which never leaves the observed range.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind of quantity '{kind}'; choose one of {', '.join(KINDS)}")
    if kind == "bounded" and upper is None:
        kind = "count"
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = int(len(x))
    if n == 0:
        return _empty()
    mean = float(x.mean())
    if kind in ("count", "proportion") and upper == 0 and not x.any():  # (events about none: none can happen)
        return _result(0.0, 0.0, 0.0, n, "none possible (nothing to count it of)")
    if kind == "proportion":
        successes = int(round(x.sum()))
        low, high = wilson(successes, n, confidence)
        return _result(mean, low, high, n, "wilson")
    if kind == "fraction":
        lo_range, hi_range = 0.0, 1.0
    elif kind == "bounded":  # (its bound given: without one it is a count, above)
        lo_range, hi_range = 0.0, float(upper)
    elif kind in ("count", "time", "amount"):
        lo_range, hi_range = 0.0, math.inf
    else:
        lo_range, hi_range = -math.inf, math.inf
    if kind == "count":
        total = float(x.sum())
        if float(total).is_integer() and not _overdispersed(x):
            low, high = garwood(int(total), n, confidence)
            return _result(mean, low, high, n, "poisson (garwood)")
        if n >= SMALL_SAMPLE:
            low, high, method = bootstrap_mean(x, confidence)
            return _result(mean, max(low, lo_range), min(high, hi_range), n,
                           method + (" (over-dispersed)" if float(total).is_integer() else ""))
    if kind in ("bounded", "fraction") and float(x.min()) == float(x.max()):
        # every value the same, c: P(X != c) is bounded by Wilson on "some value differs" (none of n did), and
        # c - (c - lower) P(X != c) <= E[X] <= c + (upper - c) P(X != c); on an end of the range, one side only
        p = wilson(0, n, confidence)[1]
        where = "at the minimum" if mean == lo_range else "at the maximum" if mean == hi_range else "the same"
        return _result(mean, mean - (mean - lo_range) * p, mean + (hi_range - mean) * p, n,
                       f"wilson bound (all values {where})")
    if n == 1:  # nothing is known of its spread: the quantity's range (an infinite end: None, unbounded)
        return _unknown_spread(mean, lo_range, hi_range)
    if n < SMALL_SAMPLE:
        half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
        return _result(mean, max(mean - half, lo_range), min(mean + half, hi_range), n, "student-t (small n)")
    low, high, method = bootstrap_mean(x, confidence)
    return _result(mean, max(low, lo_range), min(high, hi_range), n, method)


def _unknown_spread(mean: float, lo_range: float, hi_range: float) -> dict:
    """One value: its interval is the quantity's whole range, an infinite end given as None (unbounded)."""
    out = _result(mean, lo_range, hi_range, 1, "single value (the quantity's range)")
    out["ci95"] = [v if math.isfinite(v) else None for v in out["ci95"]]
    if not math.isfinite(out["half_width"]):
        out["half_width"] = None
    return out


def _overdispersed(x: np.ndarray) -> bool:
    """Index-of-dispersion test: is the variance significantly larger than a Poisson law allows?"""
    n = len(x)
    mean = float(x.mean())
    if n < 2 or mean <= 0:
        return False
    statistic = (n - 1) * float(x.var(ddof=1)) / mean
    return bool(stats.chi2.sf(statistic, n - 1) < OVERDISPERSION_P)


def ratio_interval(numerator, denominator, confidence: float = 0.95, resamples: int = BOOTSTRAP_RESAMPLES,
                   proportion: bool = False) -> dict:
    """The ratio of totals ``sum(numerator) / sum(denominator)`` over replications (pairs of non-negative values,
    one per replication) and its percentile bootstrap interval, the replications resampled in pairs (Efron &
    Tibshirani 1993, ch. 13); the dict of :func:`interval`, its ``mean`` the ratio.

    Undefined (``mean`` None, ``method`` saying why) when the denominator's total is zero or a value is not
    finite (a quantity the run cannot price). A resample whose denominator is zero has an infinite ratio (or none,
    when its numerator is zero too: it is left out); an interval bound that is infinite is given as None
    (unbounded). Below ten replications the delta-method Student-t interval stands in, clipped at zero, and
    unbounded above when a replication has a numerator but no denominator (a resample of it alone is infinite).

    ``proportion``: the numerator counts events among the denominator's (kills among the threats reaching a layer),
    so the ratio lies in [0, 1]; the interval is clipped to it, and when every replication gives the same ratio
    (all killed, none, or the same share) it is widened to Wilson's over the replications that have a denominator,
    never a point (the events of one replication share its salvos and detections: they are not counted as
    independent trials). With sparse denominators and few replications the interval is optimistic: run more.
    """
    a, b = (np.asarray(v, dtype=float).ravel() for v in (numerator, denominator))
    n = len(a)
    if n == 0:
        return _empty()
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        return {**_empty(), "n": n, "method": "undefined (a value the run cannot give)"}
    total_a, total_b = float(a.sum()), float(b.sum())
    if total_b == 0:
        return {**_empty(), "n": n, "method": "undefined (the denominator is zero)"}
    ratio = total_a / total_b
    tail = (1 - confidence) / 2
    if n == 1:
        low, high, method = ratio, ratio, "single value"
    elif n < SMALL_SAMPLE:
        spread = float(np.std(a - ratio * b, ddof=1)) / (total_b / n) / math.sqrt(n)
        half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * spread
        lacking = ((b == 0) & (a > 0)).any() and not proportion  # a resample of it alone is infinite
        low, high = max(ratio - half, 0.0), (math.inf if lacking else ratio + half)
        method = "delta-method student-t (small n)"
    else:
        low, high = _bootstrap_ratio(a, b, tail, resamples)
        method = "bootstrap (ratio of totals)"
    if proportion:
        low, high = max(low, 0.0), min(high, 1.0)
        if high - low <= 1e-12:  # every replication at the same ratio (all killed, none, or one in two ...)
            reps = max(int((b > 0).sum()), 1)  # (the replications, not the events: those of one are not independent)
            w_low, w_high = wilson(int(round(ratio * reps)), reps, confidence)
            low, high, method = min(low, w_low), max(high, w_high), method + "; wilson bound (one ratio throughout)"
    out = _result(ratio, min(low, ratio), max(high, ratio), n, method)
    if not math.isfinite(high):
        out["ci95"][1], out["half_width"] = None, None
    return out


def _bootstrap_ratio(a: np.ndarray, b: np.ndarray, tail: float, resamples: int) -> tuple[float, float]:
    """Percentile bounds of sum(a) / sum(b) over paired resamples (multinomial weights, drawn in chunks of at most
    :data:`RATIO_WORK` values); inf where resamples without a denominator reach the bound."""
    n = len(a)
    rng = np.random.default_rng([20261201, n, 1])
    ratios = np.empty(resamples)
    chunk = max(1, RATIO_WORK // n)
    for start in range(0, resamples, chunk):
        stop = min(start + chunk, resamples)
        weights = rng.multinomial(n, np.full(n, 1.0 / n), size=stop - start)
        top, bottom = weights @ a, weights @ b
        with np.errstate(divide="ignore", invalid="ignore"):
            ratios[start:stop] = np.where(bottom > 0, top / np.where(bottom > 0, bottom, 1.0),
                                          np.where(top > 0, np.inf, np.nan))
    ratios = np.sort(ratios[~np.isnan(ratios)])
    m = len(ratios)
    return float(ratios[int(math.floor(tail * (m - 1)))]), float(ratios[int(math.ceil((1 - tail) * (m - 1)))])
