"""The Gamma-Gamma spend model of Fader, Hardie & Lee (2005), "RFM and CLV"."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._compat import import_lifetimes
from . import _likelihoods
from ..errors import RetentionDataError
from .base import SummaryModel

__all__ = ["GammaGammaModel"]

_lifetimes = import_lifetimes()


class GammaGammaModel(SummaryModel, _lifetimes.GammaGammaFitter):
    r"""The Gamma-Gamma model of the mean value of a customer's repeat purchases.

    Each purchase of customer :math:`i` is worth :math:`z \sim \mathrm{Gamma}(p, \nu_i)`,
    with :math:`\nu_i \sim \mathrm{Gamma}(q, v)` across customers, independent of the
    purchase process. A customer with :math:`x` repeat purchases of mean value
    :math:`\bar m` contributes (Hardie's note 025, eq. 1a)

    .. math::

        f(\bar m \mid p, q, v, x) = \frac{\Gamma(p x + q)}{\Gamma(p x)\,\Gamma(q)}
            \frac{v^q\, \bar m^{p x - 1}\, x^{p x}}{(v + x \bar m)^{p x + q}},

    and their expected mean spend (note 025, eq. 5) is a weighted mean of the
    population mean :math:`p v / (q - 1)` and their own mean:

    .. math::

        E[M \mid p, q, v, \bar m, x] = \frac{q - 1}{p x + q - 1} \frac{p v}{q - 1}
            + \frac{p x}{p x + q - 1} \bar m.

    Only customers with repeat purchases (``frequency > 0``) and a positive mean
    spend carry information; the others are left out and counted in ``excluded_``.
    The spend model measures no time, so ``unit_days_`` is recorded when the summary
    (or ``time_unit_days=``) gives it, and is ``None`` otherwise; it says which
    purchase periods ``monetary_value`` averages over, and CLV refuses a transaction
    model fitted on other periods.

    The kit fits it with its own likelihood and exact gradient (lifetimes' penalty, so
    the estimates are lifetimes'); the class is a lifetimes ``GammaGammaFitter``, so
    ``conditional_expected_average_profit`` works. Fit with
    :func:`~retention_kit.fit_gamma_gamma`. Fitted attributes: see
    :class:`~retention_kit.models.base.SummaryModel`.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005), "RFM and CLV: using iso-value
    curves for customer base analysis", Journal of Marketing Research 42(4), 415-430.
    Fader, P. S. and Hardie, B. G. S. (2013), "The Gamma-Gamma model of monetary value",
    http://brucehardie.com/notes/025/.

    Examples
    --------
    >>> import retention_kit as rk
    >>> s = rk.rfm_summary(rk.datasets.load_cdnow(sample=True), freq="D", freq_multiplier=7,
    ...                    observation_end="1997-09-30")
    >>> model = GammaGammaModel().fit(s)
    >>> model.n_customers_, model.excluded_
    (946, {'no repeat purchase': 1411})
    """

    _model_name = "Gamma-Gamma"
    _fit_function = "fit_gamma_gamma"
    _needs_time_unit = False
    _convergence_hint = (
        "It needs spend that varies between and within customers: with few repeat buyers or "
        "identical order values, try a small penalizer (penalizer=0.001 to 0.1) or more data."
    )

    def fit(self, summary: pd.DataFrame, *, nonpositive: str = "error",
            time_unit_days: float | None = None) -> GammaGammaModel:
        """Fit the model to the repeat buyers of a customer summary.

        Parameters
        ----------
        summary : pandas.DataFrame
            ``frequency`` and ``monetary_value`` per customer (or their ``_cal``
            versions), from ``rfm_summary(..., monetary=True)``.
        nonpositive : {"error", "exclude"}
            What to do with repeat buyers whose mean spend is zero or negative.
        time_unit_days : float, optional
            Days per summary unit, recorded in ``unit_days_`` (taken from the summary
            by default; optional for this model).

        Returns
        -------
        self
        """
        return self._fit_summary(summary, time_unit_days=time_unit_days, compress=True,
                                 nonpositive=nonpositive)

    def _statistics(self, summary: pd.DataFrame, **options: Any) -> tuple[pd.DataFrame, dict[str, int]]:
        nonpositive = options.get("nonpositive", "error")
        f_col = "frequency" if "frequency" in summary.columns else "frequency_cal"
        m_col = "monetary_value" if "monetary_value" in summary.columns else "monetary_value_cal"
        if f_col not in summary.columns or m_col not in summary.columns:
            raise RetentionDataError(
                "summary: Gamma-Gamma needs frequency and monetary_value columns: build the summary "
                "with rfm_summary(..., monetary=True).",
                parameter="summary",
            )
        if nonpositive not in ("error", "exclude"):
            raise RetentionDataError(f"nonpositive={nonpositive!r}: expected 'error' or 'exclude'.",
                                     parameter="nonpositive", options=("error", "exclude"))
        repeaters = summary[summary[f_col] > 0]
        excluded = {"no repeat purchase": int((summary[f_col] <= 0).sum())}
        bad = repeaters[m_col] <= 0
        if bad.any():
            if nonpositive == "error":
                shown = ", ".join(f"{i}: {v:g}" for i, v in repeaters.loc[bad, m_col].head(5).items())
                raise RetentionDataError(
                    f"{m_col}: {int(bad.sum()):,} customers have a zero or negative mean repeat spend "
                    f"({shown}). Gamma-Gamma needs positive spend: exclude refunds when loading "
                    "(refunds='exclude'), or pass nonpositive='exclude' to leave these customers out.",
                    parameter="nonpositive", column=m_col, options=("error", "exclude"),
                )
            excluded["zero or negative spend"] = int(bad.sum())
            repeaters = repeaters[~bad]
        data = repeaters[[f_col, m_col]].astype(float)
        data.columns = ["frequency", "monetary_value"]
        return data, excluded

    _likelihood = staticmethod(_likelihoods.gamma_gamma)
    _param_names = ("p", "q", "v")

    def _stats(self, columns: pd.DataFrame, compress: bool) -> _likelihoods.SpendStats:
        x, m = (np.asarray(columns[c], dtype=float) for c in ("frequency", "monetary_value"))
        if compress:
            (x, m), w = _likelihoods.compress_rows([x, m])
        else:
            w = np.ones(len(x))
        return _likelihoods.SpendStats(np.asarray(x, dtype=float), np.asarray(m, dtype=float),
                                       np.asarray(w, dtype=float))

    def _data_frame(self, stats: _likelihoods.SpendStats) -> pd.DataFrame:
        return pd.DataFrame({"frequency": stats.x, "monetary_value": stats.m, "weights": stats.w})
