"""Duration distributions of a simulation model: fitted with ``scipy.stats``, chosen by goodness of fit.

A :class:`Distribution` is a named family with its parameters (JSON-friendly); :func:`fit_distribution`
fits the candidate families (``fixed``, ``expon``, ``gamma``, ``lognorm``, ``weibull_min``, ``norm``
truncated at zero) to a sample of non-negative seconds by maximum likelihood (location fixed at 0) and keeps
the one with the smallest Kolmogorov-Smirnov statistic; when no family fits (KS above
:data:`EMPIRICAL_KS`) and the sample is large enough, the empirical quantiles are kept instead, so a
bimodal wait (same day or next morning) is not forced into one hump.

>>> import numpy as np
>>> rng = np.random.default_rng(1)
>>> d = fit_distribution(rng.lognormal(6.0, 0.8, 4000))
>>> d.kind, round(d.params[0], 1), round(d.ks, 2) < 0.03
('lognorm', 0.8, True)
>>> fit_distribution([30.0, 30.0, 30.0]).kind
'fixed'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np

DistributionKind = Literal["fixed", "expon", "gamma", "lognorm", "weibull_min", "norm", "empirical"]
#: Above this KS statistic no parametric family is kept (the sample's quantiles are used).
EMPIRICAL_KS = 0.06
#: Samples larger than this are thinned (evenly, after sorting) before fitting: fitting cost stays flat.
FIT_SAMPLE = 5000
_QUANTILES = 101


@dataclass(frozen=True)
class Distribution:
    """A distribution of non-negative seconds.

    ``params`` are the scipy shape/scale parameters (location 0) or, for ``empirical``, 101 quantiles;
    ``upper`` caps the draws (a fitted family is cut at the largest observed value: a heavy lognormal tail
    must not invent waits of centuries);
    ``ks`` the Kolmogorov-Smirnov statistic of the fit (0 for ``fixed``; for ``empirical`` the best
    family's, which was too poor to keep), ``n`` the sample size.
    """

    kind: DistributionKind
    params: tuple[float, ...]
    mean: float
    ks: float = 0.0
    n: int = 0
    upper: float = math.inf

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` draws (seconds, never negative, never above ``upper``)."""
        draws = self._draw(rng, size)
        return draws if math.isinf(self.upper) else np.minimum(draws, self.upper)

    def _draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        p = self.params
        if self.kind == "fixed":
            return np.full(size, p[0])
        if self.kind == "expon":
            return rng.exponential(p[0], size)
        if self.kind == "gamma":
            return rng.gamma(p[0], p[1], size)
        if self.kind == "lognorm":
            return p[1] * np.exp(p[0] * rng.standard_normal(size))
        if self.kind == "weibull_min":
            return p[1] * rng.weibull(p[0], size)
        if self.kind == "norm":
            return np.abs(rng.normal(p[0], p[1], size))
        q = np.asarray(p)
        return np.interp(rng.random(size) * (len(q) - 1), np.arange(len(q)), q)

    def to_dict(self) -> dict[str, Any]:
        up = None if math.isinf(self.upper) else self.upper
        return {"kind": self.kind, "params": list(self.params), "mean": self.mean, "ks": self.ks, "n": self.n, "upper": up}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Distribution:
        return cls(
            kind=d["kind"],
            params=tuple(float(x) for x in d["params"]),
            mean=float(d["mean"]),
            ks=float(d.get("ks", 0.0)),
            n=int(d.get("n", 0)),
        )

    @classmethod
    def fixed(cls, seconds: float) -> Distribution:
        """Always ``seconds``."""
        return cls(kind="fixed", params=(float(seconds),), mean=float(seconds))

    def scaled(self, factor: float) -> Distribution:
        """The same shape with every value multiplied by ``factor`` (what-if: 20 % faster → 0.8)."""
        p = list(self.params)
        if self.kind in ("fixed", "expon", "empirical"):
            p = [x * factor for x in p]
        elif self.kind in ("gamma", "lognorm", "weibull_min"):
            p[1] *= factor
        else:
            p = [p[0] * factor, p[1] * factor]
        return Distribution(
            kind=self.kind, params=tuple(p), mean=self.mean * factor, ks=self.ks, n=self.n, upper=self.upper * factor
        )


def _thin(x: np.ndarray) -> np.ndarray:
    if len(x) <= FIT_SAMPLE:
        return x
    idx = np.linspace(0, len(x) - 1, FIT_SAMPLE).round().astype(int)
    return np.sort(x)[idx]


def fit_distribution(sample: Sequence[float] | np.ndarray, *, min_n: int = 5) -> Distribution:
    """The best-fitting distribution of a sample of seconds (see the module docstring).

    Parameters
    ----------
    sample
        Non-negative durations in seconds; NaN and negative values are ignored.
    min_n
        Below this many values the sample's mean is used as a ``fixed`` duration.

    >>> fit_distribution([]).mean
    0.0
    """
    from scipy import stats

    x = np.asarray(sample, dtype=float)
    x = x[np.isfinite(x) & (x >= 0)]
    n = len(x)
    if n == 0:
        return Distribution.fixed(0.0)
    mean = float(x.mean())
    top = float(x.max())
    if n < min_n or float(x.std()) <= 1e-9 * max(mean, 1.0):
        return Distribution(kind="fixed", params=(mean,), mean=mean, n=n)
    x = _thin(x)
    pos = np.maximum(x, 1e-3)  # families on (0, inf): a zero wait is a millisecond
    candidates: list[tuple[float, Distribution]] = []
    xs = np.sort(x)
    steps_hi = np.arange(1, len(xs) + 1) / len(xs)
    steps_lo = np.arange(0, len(xs)) / len(xs)

    def keep(kind: DistributionKind, params: tuple[float, ...], cdf: Any, m: float) -> None:
        if not all(math.isfinite(v) for v in params) or not math.isfinite(m):
            return
        # the one-sample Kolmogorov-Smirnov statistic (scipy's ks_1samp D, without a frozen distribution
        # and the p-value, which are most of its cost and unused here)
        f = np.asarray(cdf(xs), dtype=float)
        ks = float(max(np.max(steps_hi - f), np.max(f - steps_lo)))
        candidates.append((ks, Distribution(kind=kind, params=params, mean=m, ks=ks, n=n)))

    scale = float(pos.mean())
    keep("expon", (scale,), lambda v: stats.expon.cdf(v, scale=scale), scale)
    try:
        a, _, sc = stats.gamma.fit(pos, floc=0)
        keep("gamma", (float(a), float(sc)), lambda v: stats.gamma.cdf(v, a, scale=sc), float(a * sc))
    except (ValueError, RuntimeError, FloatingPointError):
        pass
    logs = np.log(pos)
    s, mu = float(logs.std()), float(logs.mean())
    if s > 0:
        keep("lognorm", (s, math.exp(mu)), lambda v: stats.lognorm.cdf(v, s, scale=math.exp(mu)), math.exp(mu + s * s / 2))
    try:
        c, _, sc = stats.weibull_min.fit(pos, floc=0)
        keep(
            "weibull_min",
            (float(c), float(sc)),
            lambda v: stats.weibull_min.cdf(v, c, scale=sc),
            float(sc * math.gamma(1 + 1 / c)),
        )
    except (ValueError, RuntimeError, FloatingPointError, OverflowError):
        pass
    sd = float(x.std())
    keep("norm", (mean, sd), lambda v: stats.foldnorm.cdf(v, mean / sd, scale=sd), mean)
    ks, best = min(candidates, key=lambda c: c[0])
    best = replace(best, upper=top)
    if ks > EMPIRICAL_KS and n >= 50:
        q = np.quantile(x, np.linspace(0, 1, _QUANTILES))
        # ks stays the best family's: it says why the quantiles were kept
        return Distribution(kind="empirical", params=tuple(float(v) for v in q), mean=mean, ks=ks, n=n)
    return best


__all__ = ["EMPIRICAL_KS", "Distribution", "DistributionKind", "fit_distribution"]
