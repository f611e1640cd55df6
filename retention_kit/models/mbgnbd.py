"""The MBG/NBD model of Batislam, Denizel & Filiztekin (2007)."""

from __future__ import annotations

from .._compat import import_lifetimes
from . import _likelihoods
from .base import TransactionModel

__all__ = ["ModifiedBetaGeoModel"]

_lifetimes = import_lifetimes()


class ModifiedBetaGeoModel(TransactionModel, _lifetimes.ModifiedBetaGeoFitter):
    r"""The modified BG/NBD (MBG/NBD) model of repeat purchasing.

    As BG/NBD (:class:`BetaGeoModel`), except that a customer may also drop out right
    after the first purchase, so a customer without repeat purchases may be inactive
    too. The likelihood of a customer's history :math:`(x, t_x, T)` is

    .. math::

        L(r, \alpha, a, b \mid x, t_x, T) =
            \frac{B(a, b + x + 1)}{B(a, b)} \frac{\Gamma(r + x)\,\alpha^r}{\Gamma(r)\,(\alpha + T)^{r + x}}
            + \frac{B(a + 1, b + x)}{B(a, b)}
              \frac{\Gamma(r + x)\,\alpha^r}{\Gamma(r)\,(\alpha + t_x)^{r + x}},

    the probability that the customer is still active (the paper's Appendix A, eq. 5,
    as cited by lifetimes) and the expected repeat purchases in the next :math:`t`
    units (Wagner & Hoppe 2008) are

    .. math::

        P(\text{alive} \mid x, t_x, T) = \frac{1}{1 + \dfrac{a}{b + x}
            \left(\dfrac{\alpha + T}{\alpha + t_x}\right)^{r + x}},
        \qquad
        E[Y(t) \mid x, t_x, T] = \frac{a + b + x}{a - 1}
            \left[1 - \left(\frac{\alpha + T}{\alpha + T + t}\right)^{r + x}
            {}_2F_1\!\left(r + x, b + x + 1; a + b + x; \frac{t}{\alpha + T + t}\right)\right]
            P(\text{alive} \mid x, t_x, T).

    The kit fits it with its own likelihood and exact gradient (lifetimes' form of the
    likelihood, time scaling and penalty, so the estimates are lifetimes'); the class is
    a lifetimes ``ModifiedBetaGeoFitter``. Fit with :func:`~retention_kit.fit_mbgnbd`. Fitted attributes: see
    :class:`~retention_kit.models.base.SummaryModel`.

    References
    ----------
    Batislam, E. P., Denizel, M. and Filiztekin, A. (2007), "Empirical validation and
    comparison of models for customer base analysis", International Journal of
    Research in Marketing 24(3), 201-209. Wagner, U. and Hoppe, D. (2008), "Erratum on
    the MBG/NBD model", International Journal of Research in Marketing 25(3), 225-226.

    Examples
    --------
    >>> import retention_kit as rk
    >>> s = rk.rfm_summary(rk.datasets.load_cdnow(sample=True), freq="D", freq_multiplier=7,
    ...                    observation_end="1997-09-30")
    >>> model = ModifiedBetaGeoModel().fit(s)
    >>> list(model.summary.columns), model.n_customers_
    (['estimate', 'se', 'ci_lower', 'ci_upper'], 2357)
    """

    _model_name = "MBG/NBD"
    _fit_function = "fit_mbgnbd"

    _likelihood = staticmethod(_likelihoods.mbgnbd)
    _param_names = ("r", "alpha", "a", "b")
    _time_params = ("alpha",)

    def conditional_probability_alive(self, frequency, recency, T):  # noqa: N803 - lifetimes' signature
        """P(alive | frequency, recency, T), finite for any history."""
        return _likelihoods.beta_geo_p_alive(self._theta(), frequency, recency, T, modified=True)

    def conditional_expected_number_of_purchases_up_to_time(self, t, frequency, recency, T):  # noqa: N803
        """E[Y(t) | frequency, recency, T] (Wagner & Hoppe 2008), finite for any history."""
        return _likelihoods.beta_geo_expected(self._theta(), t, frequency, recency, T, modified=True)
