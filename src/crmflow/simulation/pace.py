"""A case's pace: the waits of one case are correlated, and how random draws honour that.

A case parked once is parked again (BPIC 2013: Volvo's problems wait for months, again and again): drawing
each wait independently mixes slow and fast waits inside one case and moves the middle of the cycle-time
distribution although its mean stays right. The pace model:

* **Fit** (:func:`fit_pace`): each observed wait becomes a normal score within its group (the
  ``(previous activity, activity)`` pair its distribution was fitted on): ``z = Φ⁻¹(rank / (n + 1))``. A
  one-way random-effects analysis of variance of the scores by case splits their variance into a
  between-case part ``σ²_b`` and a within-case part ``σ²_w``; the **share** ``ρ = σ²_b / (σ²_b + σ²_w)`` is
  the intra-class correlation of a case's waits. On log-normal waits ``log w = μ + b_case + e``, ``ρ`` is
  ``var(b) / var(log w)``: the pace is log-normal and its log-variance is ``ρ`` × the log-wait variance
  (:attr:`Pace.log_variance`).
* **Draw** (:class:`PacedDraws`): at arrival a case draws its latent pace ``z_case ~ N(0, 1)``; each of its
  waits is the quantile ``F⁻¹(Φ(√ρ · z_case + √(1 − ρ) · e))`` of its own fitted distribution ``F``, with a
  fresh ``e ~ N(0, 1)``. For a log-normal ``F`` that is exactly "the wait divided by the case's pace"
  (``pace = exp(−σ √ρ z_case)``) with a narrower within-case spread; for every ``F`` the marginal of each
  wait stays ``F`` (a Gaussian copula), so the mean and the fitted distributions are untouched and only
  their co-movement inside a case changes. ``ρ = 0`` is the independent model.

>>> import numpy as np
>>> rng = np.random.default_rng(3)
>>> pace = rng.normal(0, 1.0, 2000)                        # log-pace per case, variance 1
>>> cases = np.repeat(np.arange(2000), 4)
>>> waits = np.exp(8 + np.repeat(pace, 4) + rng.normal(0, 1.0, 8000))  # within-case log-variance 1
>>> p = fit_pace(cases, np.zeros(8000, dtype=int), waits)
>>> round(p.share, 1), round(p.log_variance, 1)
(0.5, 1.0)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from crmflow.simulation.distributions import Distribution

_BATCH = 2048
#: The largest share kept: a case whose waits are all the same quantile has no within-case spread left.
MAX_SHARE = 0.95
#: The quantile table of a paced draw spans normal scores −Z_SPAN..Z_SPAN in Z_STEPS steps.
Z_SPAN = 6.0
Z_STEPS = 4096


@dataclass(frozen=True)
class Pace:
    """The fitted pace: ``share`` of the waits' (normal-score) variance that is between cases, ``log_variance``
    the pace's variance in log-seconds (``share`` × the pooled within-group variance of the positive waits'
    logarithms), ``cases`` how many cases with at least two waits it was fitted on."""

    share: float = 0.0
    log_variance: float = 0.0
    cases: int = 0


def fit_pace(case: Sequence[object] | np.ndarray, group: Sequence[object] | np.ndarray, wait: np.ndarray) -> Pace:
    """The pace of the waits ``wait`` (seconds) of cases ``case``, each in the distribution group ``group``.

    Groups with fewer than two waits and cases with fewer than two waits add nothing; fewer than 10 such
    cases give the independent model (share 0).

    >>> fit_pace([1, 1, 2, 2], ["a", "b", "a", "b"], np.array([1.0, 2.0, 3.0, 4.0])).share  # two cases: too few
    0.0
    """
    from scipy.special import ndtri
    from scipy.stats import rankdata

    w = np.asarray(wait, dtype=float)
    ok = np.isfinite(w) & (w >= 0)
    _, case_code = np.unique(np.asarray(case, dtype=object)[ok].astype(str), return_inverse=True)
    _, group_code = np.unique(np.asarray(group, dtype=object)[ok].astype(str), return_inverse=True)
    w = w[ok]
    z = np.full(len(w), np.nan)
    logs = np.log(np.maximum(w, 1.0))
    log_ss, log_df = 0.0, 0
    order = np.argsort(group_code, kind="stable")
    bounds = np.flatnonzero(np.diff(group_code[order])) + 1
    for idx in np.split(order, bounds) if len(order) else []:
        if len(idx) < 2:
            continue
        z[idx] = ndtri(rankdata(w[idx]) / (len(idx) + 1))
        pos = idx[w[idx] > 0]
        if len(pos) >= 2:
            log_ss += float(((logs[pos] - logs[pos].mean()) ** 2).sum())
            log_df += len(pos) - 1
    keep = np.isfinite(z)
    z, case_code = z[keep], case_code[keep]
    counts = np.bincount(case_code)
    multi = counts[case_code] >= 2
    z, case_code = z[multi], case_code[multi]
    _, case_code, n_i = np.unique(case_code, return_inverse=True, return_counts=True)
    k, n = len(n_i), len(z)
    if k < 10 or n <= k:
        return Pace(cases=k)
    means = np.bincount(case_code, weights=z) / n_i
    grand = float(z.mean())
    msb = float((n_i * (means - grand) ** 2).sum()) / (k - 1)
    msw = float(((z - means[case_code]) ** 2).sum()) / (n - k)
    n0 = (n - float((n_i**2).sum()) / n) / (k - 1)
    between = max(0.0, (msb - msw) / n0)
    share = min(MAX_SHARE, between / (between + msw)) if between + msw > 0 else 0.0
    log_var = share * (log_ss / log_df) if log_df else 0.0
    return Pace(share=float(share), log_variance=float(log_var), cases=k)


class Draws:
    """Batched independent draws from one distribution (numpy per call would dominate the run time)."""

    __slots__ = ("_buf", "_i", "dist", "rng")

    def __init__(self, dist: Distribution, rng: np.random.Generator) -> None:
        self.dist, self.rng = dist, rng
        self._buf: list[float] = []
        self._i = 0

    def __call__(self) -> float:
        if self._i >= len(self._buf):
            self._buf = self.dist.sample(self.rng, _BATCH).tolist()
            self._i = 0
        v = self._buf[self._i]
        self._i += 1
        return v


def quantile_table(dist: Distribution) -> list[float]:
    """``dist``'s quantiles at the normal scores ``−Z_SPAN..Z_SPAN`` (``Z_STEPS + 1`` values, capped at ``upper``)."""
    from scipy import stats
    from scipy.special import ndtr

    u = ndtr(np.linspace(-Z_SPAN, Z_SPAN, Z_STEPS + 1))
    p = dist.params
    if dist.kind == "fixed":
        q = np.full(len(u), p[0])
    elif dist.kind == "empirical":
        qs = np.asarray(p)
        q = np.interp(u * (len(qs) - 1), np.arange(len(qs)), qs)
    else:
        frozen = {
            "expon": lambda: stats.expon(scale=p[0]),
            "gamma": lambda: stats.gamma(p[0], scale=p[1]),
            "lognorm": lambda: stats.lognorm(p[0], scale=p[1]),
            "weibull_min": lambda: stats.weibull_min(p[0], scale=p[1]),
            "norm": lambda: stats.foldnorm(abs(p[0]) / p[1], scale=p[1]),
        }[dist.kind]()
        q = frozen.ppf(u)
    q = np.nan_to_num(np.asarray(q, dtype=float), nan=0.0, posinf=dist.upper if math.isfinite(dist.upper) else 0.0)
    if math.isfinite(dist.upper):
        q = np.minimum(q, dist.upper)
    return np.maximum.accumulate(np.maximum(q, 0.0)).tolist()


class PacedDraws:
    """Draws of one wait distribution that follow the case's pace (see the module docstring)."""

    __slots__ = ("_buf", "_i", "a", "b", "q", "rng")

    def __init__(self, dist: Distribution, rng: np.random.Generator, share: float, *, table: list[float] | None = None) -> None:
        self.rng = rng
        self.a, self.b = math.sqrt(share), math.sqrt(1.0 - share)
        self.q = quantile_table(dist) if table is None else table  # read only: a table may be shared
        self._buf: list[float] = []
        self._i = 0

    def __call__(self, z_case: float) -> float:
        if self._i >= len(self._buf):
            self._buf = self.rng.standard_normal(_BATCH).tolist()
            self._i = 0
        x = self.a * z_case + self.b * self._buf[self._i]
        self._i += 1
        pos = (x + Z_SPAN) * (Z_STEPS / (2 * Z_SPAN))
        if pos <= 0.0:
            return self.q[0]
        if pos >= Z_STEPS:
            return self.q[Z_STEPS]
        i = int(pos)
        f = pos - i
        return self.q[i] + f * (self.q[i + 1] - self.q[i])


__all__ = ["MAX_SHARE", "Draws", "Pace", "PacedDraws", "fit_pace", "quantile_table"]
