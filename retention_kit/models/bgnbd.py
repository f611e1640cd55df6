"""The BG/NBD model of Fader, Hardie & Lee (2005)."""

from __future__ import annotations

from .._compat import import_lifetimes
from . import _likelihoods
from .base import TransactionModel

__all__ = ["BetaGeoModel"]

_lifetimes = import_lifetimes()


class BetaGeoModel(TransactionModel, _lifetimes.BetaGeoFitter):
    r"""The beta-geometric/NBD (BG/NBD) model of repeat purchasing.

    While active, customer :math:`i` buys as a Poisson process with rate
    :math:`\lambda_i \sim \mathrm{Gamma}(r, \alpha)`; after each repeat purchase they
    drop out with probability :math:`p_i \sim \mathrm{Beta}(a, b)`. A customer with
    :math:`x` repeat purchases, the last at :math:`t_x`, observed for :math:`T` time
    units since their first purchase contributes

    .. math::

        L(r, \alpha, a, b \mid x, t_x, T) =
            \frac{B(a, b + x)}{B(a, b)} \frac{\Gamma(r + x)\,\alpha^r}{\Gamma(r)\,(\alpha + T)^{r + x}}
            + \delta_{x > 0}\,\frac{B(a + 1, b + x - 1)}{B(a, b)}
              \frac{\Gamma(r + x)\,\alpha^r}{\Gamma(r)\,(\alpha + t_x)^{r + x}}

    to the likelihood. Expected repeat purchases in the next :math:`t` units (eq. 10
    of the paper) and the probability that the customer is still active (Fader,
    Hardie & Lee 2008, note 021) are

    .. math::

        E[Y(t) \mid x, t_x, T] = \frac{\dfrac{a + b + x - 1}{a - 1}
            \left[1 - \left(\dfrac{\alpha + T}{\alpha + T + t}\right)^{r + x}
            {}_2F_1\!\left(r + x, b + x; a + b + x - 1; \dfrac{t}{\alpha + T + t}\right)\right]}
            {1 + \delta_{x > 0}\,\dfrac{a}{b + x - 1}\left(\dfrac{\alpha + T}{\alpha + t_x}\right)^{r + x}},
        \qquad
        P(\text{alive} \mid x, t_x, T) = \frac{1}{1 + \delta_{x > 0}\,\dfrac{a}{b + x - 1}
            \left(\dfrac{\alpha + T}{\alpha + t_x}\right)^{r + x}}

    and a new customer's expected purchases by time :math:`t` are
    :math:`E[X(t)] = \frac{a + b - 1}{a - 1}\left[1 - \left(\frac{\alpha}{\alpha + t}\right)^r
    {}_2F_1(r, b; a + b - 1; \frac{t}{\alpha + t})\right]` (eq. 9).

    The kit fits it with its own likelihood and exact gradient (on the unique rows,
    with lifetimes' time scaling and penalty, so the estimates are lifetimes'); the
    class is a lifetimes ``BetaGeoFitter``, so lifetimes' methods work (in the time
    unit ``unit_days_``), and P(alive) and the conditional expectation are the kit's,
    finite for any history. Fit with
    :func:`~retention_kit.fit_bgnbd` or ``BetaGeoModel(penalizer=...).fit(summary)``.
    Fitted attributes: see :class:`~retention_kit.models.base.SummaryModel`.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005), "'Counting your customers'
    the easy way: an alternative to the Pareto/NBD model", Marketing Science 24(2),
    275-284. Fader, Hardie & Lee (2008), "Computing P(alive) using the BG/NBD model",
    http://brucehardie.com/notes/021/.

    Examples
    --------
    >>> import retention_kit as rk
    >>> s = rk.rfm_summary(rk.datasets.load_cdnow(sample=True), freq="D", freq_multiplier=7,
    ...                    observation_end="1997-09-30")
    >>> model = BetaGeoModel().fit(s)
    >>> model
    <BetaGeoModel BG/NBD fitted to 2,357 customers (time unit 7 days): r=0.2426, alpha=4.414, a=0.7929, b=2.426; log-likelihood -9,582.43; penalizer=0>
    >>> model.summary.round(3)
               estimate     se  ci_lower  ci_upper
    parameter
    r             0.243  0.013     0.219     0.268
    alpha         4.414  0.378     3.731     5.221
    a             0.793  0.186     0.501     1.255
    b             2.426  0.705     1.372     4.289
    """

    _model_name = "BG/NBD"
    _fit_function = "fit_bgnbd"

    _likelihood = staticmethod(_likelihoods.bgnbd)
    _param_names = ("r", "alpha", "a", "b")
    _time_params = ("alpha",)

    def conditional_probability_alive(self, frequency, recency, T):  # noqa: N803 - lifetimes' signature
        """P(alive | frequency, recency, T) (note 021), finite for any history."""
        return _likelihoods.beta_geo_p_alive(self._theta(), frequency, recency, T, modified=False)

    def conditional_expected_number_of_purchases_up_to_time(self, t, frequency, recency, T):  # noqa: N803
        """E[Y(t) | frequency, recency, T] (eq. 10), finite for any history."""
        return _likelihoods.beta_geo_expected(self._theta(), t, frequency, recency, T, modified=False)
