"""Confidence intervals for the report's totals (standard library only).

- detection rates: the Wilson score interval (Wilson 1927), well behaved at 0 and 100 % and for the
  few dozen episodes of one kind a corpus holds, where the normal approximation is not;
- false alerts per hour: the exact (Garwood 1936) Poisson interval of the count, scaled by the hours
  of normal driving, found by bisection on the Poisson CDF.
"""

from __future__ import annotations

import math

Z95 = 1.959963984540054


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion; (0, 1) when there were no trials."""
    if trials <= 0:
        return (0.0, 1.0)
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def _poisson_cdf(k: int, mean: float) -> float:
    """P(X <= k) for X ~ Poisson(mean), summed in log space (no overflow for large k)."""
    if mean <= 0:
        return 1.0
    log_term = -mean  # log P(X = 0)
    total = math.exp(log_term)
    for i in range(1, k + 1):
        log_term += math.log(mean) - math.log(i)
        total += math.exp(log_term)
    return min(1.0, total)


def _bisect(f, lo: float, hi: float, iters: int = 200) -> float:
    """A root of increasing-or-decreasing f in [lo, hi] (f(lo) and f(hi) of opposite signs)."""
    f_lo = f(lo)
    for _ in range(iters):
        mid = (lo + hi) / 2
        if (f(mid) > 0) == (f_lo > 0):
            lo, f_lo = mid, f(mid)
        else:
            hi = mid
    return (lo + hi) / 2


def poisson_interval(count: int, alpha: float = 0.05) -> tuple[float, float]:
    """Exact two-sided interval for the mean of a Poisson count."""
    upper_bound = count + 10 * math.sqrt(count + 1) + 10
    lower = 0.0
    if count > 0:
        # P(X >= count | lower) = alpha/2  <=>  P(X <= count - 1 | lower) = 1 - alpha/2
        lower = _bisect(lambda m: _poisson_cdf(count - 1, m) - (1 - alpha / 2), 0.0, upper_bound)
    upper = _bisect(lambda m: _poisson_cdf(count, m) - alpha / 2, 0.0, upper_bound)
    return (lower, upper)


def rate_per_hour(count: int, hours: float) -> tuple[float, tuple[float, float]]:
    """A count over `hours` as a rate per hour with its 95 % interval; NaNs without exposure."""
    if hours <= 0:
        return (math.nan, (math.nan, math.nan))
    lo, hi = poisson_interval(count)
    return (count / hours, (lo / hours, hi / hours))
