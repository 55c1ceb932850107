"""95 % confidence intervals for the rates kwstiny reports.

Every rate goes out with its count and its interval: a proportion (k of n) with Wilson's
score interval, an event rate per hour (k events in h hours) with the exact (Garwood)
Poisson interval.
"""

from __future__ import annotations

import math

Z95 = 1.959963984540054


def wilson(k: int, n: int, z: float = Z95) -> dict:
    """k of n as a proportion with Wilson's 95 % score interval."""
    if n <= 0:
        return {"count": k, "of": n, "rate": None, "low": None, "high": None}
    p = k / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return {"count": k, "of": n, "rate": p, "low": max(0.0, centre - half),
            "high": min(1.0, centre + half)}


def _poisson_cdf(k: int, mean: float) -> float:
    """P(X <= k) for X ~ Poisson(mean), summed in log space (no overflow for large k)."""
    if mean <= 0:
        return 1.0
    log_term = -mean                       # log P(X = 0)
    total = math.exp(log_term)
    for i in range(1, k + 1):
        log_term += math.log(mean) - math.log(i)
        total += math.exp(log_term)
    return min(1.0, total)


def _solve(f, low: float, high: float) -> float:
    """The root of a decreasing f on [low, high], by bisection."""
    for _ in range(200):
        middle = (low + high) / 2
        if f(middle) > 0:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def poisson_rate(k: int, hours: float) -> dict:
    """k events in `hours` as a rate per hour with the exact (Garwood) 95 % interval:
    the means at which seeing at most k (at least k) events has probability 2.5 %."""
    if hours <= 0:
        return {"count": k, "hours": hours, "rate": None, "low": None, "high": None}
    top = 10.0 + 4 * k
    high = _solve(lambda m: _poisson_cdf(k, m) - 0.025, 0.0, top)
    low = 0.0 if k == 0 else _solve(lambda m: _poisson_cdf(k - 1, m) - 0.975, 0.0, top)
    return {"count": k, "hours": hours, "rate": k / hours, "low": low / hours,
            "high": high / hours}


def describe(interval: dict, percent: bool = True) -> str:
    """'12/80 = 15.0 % [9.0, 24.4]' or '3 in 1.24 h = 2.42 /h [0.50, 7.07]'."""
    if interval["rate"] is None:
        return "-"
    if "of" in interval:
        scale, unit = (100, " %") if percent else (1, "")
        return (f"{interval['count']}/{interval['of']} = {interval['rate'] * scale:.1f}{unit} "
                f"[{interval['low'] * scale:.1f}, {interval['high'] * scale:.1f}]")
    return (f"{interval['count']} in {interval['hours']:.2f} h = {interval['rate']:.2f} /h "
            f"[{interval['low']:.2f}, {interval['high']:.2f}]")
