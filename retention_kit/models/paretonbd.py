"""The Pareto/NBD model of Schmittlein, Morrison & Colombo (1987)."""

from __future__ import annotations

import numpy as np

from .._compat import import_lifetimes
from . import _likelihoods
from ..errors import RetentionDataError
from .base import TransactionModel

__all__ = ["ParetoNBDModel"]

_lifetimes = import_lifetimes()


class ParetoNBDModel(TransactionModel, _lifetimes.ParetoNBDFitter):
    r"""The Pareto/NBD model of repeat purchasing.

    While active, customer :math:`i` buys as a Poisson process with rate
    :math:`\lambda_i \sim \mathrm{Gamma}(r, \alpha)`; their lifetime is exponential
    with rate :math:`\mu_i \sim \mathrm{Gamma}(s, \beta)` (dropout can happen at any
    time, not only after a purchase as in BG/NBD). In the notation of Fader & Hardie's
    derivation notes (note 009), the likelihood of a history :math:`(x, t_x, T)` is
    (eq. 18 there)

    .. math::

        L(r, \alpha, s, \beta \mid x, t_x, T) = \frac{\Gamma(r + x)\,\alpha^r \beta^s}{\Gamma(r)}
            \left[\frac{1}{(\alpha + T)^{r + x} (\beta + T)^s} + \frac{s}{r + s + x} A_0\right]

    with (eqs. 19 and 20), for :math:`\alpha \ge \beta`,

    .. math::

        A_0 = \frac{{}_2F_1\!\left(r + s + x, s + 1; r + s + x + 1; \frac{\alpha - \beta}{\alpha + t_x}\right)}
                   {(\alpha + t_x)^{r + s + x}}
            - \frac{{}_2F_1\!\left(r + s + x, s + 1; r + s + x + 1; \frac{\alpha - \beta}{\alpha + T}\right)}
                   {(\alpha + T)^{r + s + x}}

    (for :math:`\alpha < \beta` exchange :math:`\alpha` and :math:`\beta` and use
    :math:`r + x` in place of :math:`s + 1`). The probability of being active
    (section 5.1, eqs. 36-37) and the expected repeat purchases in the next :math:`t`
    units (eq. 41) are

    .. math::

        P(\text{alive} \mid x, t_x, T) = \left[1 + \frac{s}{r + s + x}
            (\alpha + T)^{r + x} (\beta + T)^s A_0\right]^{-1},
        \qquad
        E[Y(t) \mid x, t_x, T] = P(\text{alive} \mid x, t_x, T)\,
            \frac{(r + x)(\beta + T)}{(\alpha + T)(s - 1)}
            \left[1 - \left(\frac{\beta + T}{\beta + T + t}\right)^{s - 1}\right].

    The kit fits it with its own likelihood, written with the integral over the dropout
    time in place of the hypergeometric function (see
    :mod:`retention_kit.models._likelihoods`), and its exact gradient, by L-BFGS-B and
    Newton steps from fixed starting values: deterministic, and the exact maximum
    (lifetimes' ``ParetoNBDFitter``, which this class is, runs Nelder-Mead from random
    values to a tolerance of 1e-4). P(alive) and the conditional expectation are
    computed in log space, finite for heavy buyers where lifetimes' are NaN; where
    :math:`t_x = T` the integral vanishes and P(alive) = 1. ``seed`` is kept for
    compatibility and no longer used. The likelihood is flat along :math:`s` and
    :math:`\beta` on many data sets: expect wide intervals for those two. Fit with
    :func:`~retention_kit.fit_paretonbd`. Fitted attributes: see
    :class:`~retention_kit.models.base.SummaryModel`.

    References
    ----------
    Schmittlein, D. C., Morrison, D. G. and Colombo, R. (1987), "Counting your
    customers: who are they and what will they do next?", Management Science 33(1),
    1-24. Fader, P. S. and Hardie, B. G. S. (2005), "A note on deriving the Pareto/NBD
    model and related expressions", http://brucehardie.com/notes/009/.

    Examples
    --------
    >>> import retention_kit as rk
    >>> s = rk.rfm_summary(rk.datasets.load_cdnow(sample=True), freq="D", freq_multiplier=7,
    ...                    observation_end="1997-09-30")
    >>> model = ParetoNBDModel(seed=0).fit(s)
    >>> sorted(model.params_.index), model.unit_days_
    (['alpha', 'beta', 'r', 's'], 7.0)
    """

    _model_name = "Pareto/NBD"
    _fit_function = "fit_paretonbd"

    def __init__(self, *, penalizer: float = 0.0, seed: int = 0) -> None:
        super().__init__(penalizer=penalizer)
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise RetentionDataError(f"seed={seed!r}: expected a whole number >= 0.", parameter="seed")
        self.seed = int(seed)
        self._seed = self.seed

    _likelihood = staticmethod(_likelihoods.paretonbd)
    _param_names = ("r", "alpha", "s", "beta")
    _time_params = ("alpha", "beta")
    _penalty_per_customer = False

    def conditional_probability_alive(self, frequency, recency, T):  # noqa: N803 - lifetimes' signature
        """P(alive | frequency, recency, T) (eqs. 36-37), in log space: finite for any history."""
        return np.exp(_likelihoods.pareto_log_p_alive(self._theta(), frequency, recency, T))

    def conditional_expected_number_of_purchases_up_to_time(self, t, frequency, recency, T):  # noqa: N803
        """E[Y(t) | frequency, recency, T] (eq. 41), in log space: finite for any history."""
        return _likelihoods.pareto_expected(self._theta(), t, frequency, recency, T)

    def _repr_settings(self) -> str:
        return f"penalizer={self.penalizer:g}, seed={self.seed}"
