"""The shifted-beta-geometric (sBG) model of Fader & Hardie (2007)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from ..errors import RetentionDataError
from .base import FittedModel

__all__ = ["SBGFit"]


@dataclass(frozen=True, repr=False)
class SBGFit(FittedModel):
    """A fitted shifted-beta-geometric (sBG) model (Fader & Hardie 2007).

    Each customer churns at the end of every period with a constant probability
    :math:`\\theta`, and :math:`\\theta` varies across customers as
    :math:`\\mathrm{Beta}(\\alpha, \\beta)`. Then

    .. math::

        S(t) = \\frac{B(\\alpha, \\beta + t)}{B(\\alpha, \\beta)}, \\qquad
        r_t = \\frac{\\beta + t - 1}{\\alpha + \\beta + t - 1}, \\qquad
        P(T = t) = \\frac{B(\\alpha + 1, \\beta + t - 1)}{B(\\alpha, \\beta)}

    are the share still active after ``t`` periods, the retention rate from period
    ``t - 1`` to ``t``, and the probability of churning in period ``t``. Retention
    rises with ``t`` because the customers most likely to churn leave first, not
    because anyone becomes more loyal. Survivor counts
    :math:`n_0 \\ge n_1 \\ge \\dots \\ge n_n` have the log-likelihood

    .. math::

        LL(\\alpha, \\beta) = \\sum_{t=1}^{n} (n_{t-1} - n_t) \\ln P(T = t) + n_n \\ln S(n).

    Fit with :func:`~retention_kit.fit_sbg`.

    Attributes
    ----------
    alpha, beta : float
        Maximum-likelihood estimates.
    log_likelihood : float
        At the estimates (also ``log_likelihood_``).
    alive : tuple of int
        The survivor counts the model was fitted on (periods 0..n).
    params_ : pandas.Series
        ``alpha`` and ``beta``.
    n_customers_ : int
        The cohort size.
    summary : pandas.DataFrame
        Estimates, standard errors and 95 % intervals (see
        :class:`~retention_kit.models.base.FittedModel`).

    References
    ----------
    Fader, P. S. and Hardie, B. G. S. (2007), "How to project customer retention",
    Journal of Interactive Marketing 21(1), 76-90.

    Examples
    --------
    The paper's "regular" customers, years 0-7:

    >>> import retention_kit as rk
    >>> fit = rk.fit_sbg([1000, 631, 468, 382, 326, 289, 262, 241])
    >>> fit
    <SBGFit sBG fitted to a cohort of 1,000 customers over 7 periods: alpha=0.7041, beta=1.182; log-likelihood -1,680.27>
    >>> fit.summary.round(3)
               estimate     se  ci_lower  ci_upper
    parameter
    alpha         0.704  0.066     0.587     0.845
    beta          1.182  0.152     0.918     1.522
    """

    alpha: float
    beta: float
    log_likelihood: float
    alive: tuple[int, ...]

    _model_name = "sBG"

    @staticmethod
    def _counts_log_likelihood(log_params: np.ndarray, counts: np.ndarray) -> float:
        """The sBG log-likelihood of survivor counts ``counts`` at ``exp(log_params)``."""
        a, b = np.exp(log_params)
        t = np.arange(1, len(counts))
        lost = -np.diff(counts)
        base = special.betaln(a, b)
        log_p = special.betaln(a + 1, b + t - 1) - base
        log_s = special.betaln(a, b + len(counts) - 1) - base
        return float(np.sum(lost * log_p)) + float(counts[-1] * log_s)

    def _log_likelihood(self, log_params: np.ndarray) -> float:
        return self._counts_log_likelihood(log_params, np.asarray(self.alive, dtype=np.int64))

    @property
    def params_(self) -> pd.Series:  # type: ignore[override]
        """``alpha`` and ``beta`` as a Series."""
        return pd.Series({"alpha": self.alpha, "beta": self.beta})

    @property
    def log_likelihood_(self) -> float:  # type: ignore[override]
        """The log-likelihood at the estimates."""
        return self.log_likelihood

    @property
    def n_customers_(self) -> int:  # type: ignore[override]
        """Customers at period 0."""
        return self.alive[0]

    def _repr_data(self) -> str:
        return f"a cohort of {self.cohort_size:,} customers over {len(self.alive) - 1} periods"

    @property
    def cohort_size(self) -> int:
        """Customers at period 0."""
        return self.alive[0]

    def survival(self, t: int | Sequence[int] | np.ndarray) -> np.ndarray:
        """Share of the cohort still active after ``t`` periods, S(t)."""
        t = np.asarray(t, dtype=float)
        return np.exp(special.betaln(self.alpha, self.beta + t) - special.betaln(self.alpha, self.beta))

    def retention_rate(self, t: int | Sequence[int] | np.ndarray) -> np.ndarray:
        """Retention rate from period t - 1 to t, r_t = S(t) / S(t - 1), for t >= 1."""
        t = np.asarray(t, dtype=float)
        if (t < 1).any():
            raise RetentionDataError("t: retention rates are defined from period 1 on.", parameter="t")
        return (self.beta + t - 1) / (self.alpha + self.beta + t - 1)

    def churn_probability(self, t: int | Sequence[int] | np.ndarray) -> np.ndarray:
        """Probability that a new customer churns in period t, P(T = t), for t >= 1."""
        t = np.asarray(t, dtype=float)
        return np.exp(
            special.betaln(self.alpha + 1, self.beta + t - 1) - special.betaln(self.alpha, self.beta)
        )

    def projected_alive(self, t: int | Sequence[int] | np.ndarray) -> np.ndarray:
        """Expected customers still active after ``t`` periods: cohort size x S(t)."""
        return self.cohort_size * self.survival(t)
