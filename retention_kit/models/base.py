"""The base of the kit's fitted models: one result surface and one fit entry point.

Every fitted model carries the same trailing-underscore attributes (``params_``,
``log_likelihood_``, ``n_customers_``, ``covariance_``) and the same ``summary``
table of estimates, standard errors and 95 % intervals. The models fitted to a
customer summary (:class:`SummaryModel` and its subclasses) also carry the time unit
of the data they were fitted on (``unit_days_``), the rows left out (``excluded_``),
the ``penalizer``, and ``on_ridge_``: True when the estimates lie on a ridge of the
likelihood (Pareto/NBD's s and beta growing together when everybody drops out at one
rate), where the predictions have converged but the parameters are not determined; the
summary then has no standard errors and says why in ``summary.attrs["note"]``.

Standard errors come from the observed information: the Hessian of the model's
log-likelihood at the estimates, taken by central finite differences of the exact
gradient (of the log-likelihood itself for a model without one) in the
log-parameters (every parameter is positive, and the fits are run on the log scale),
so that

.. math::

    \\widehat{\\mathrm{Cov}}[\\ln\\hat\\theta] = \\left(-\\nabla^2 \\ell(\\ln\\hat\\theta)\\right)^{-1},
    \\qquad
    \\mathrm{se}(\\hat\\theta_i) = \\hat\\theta_i \\sqrt{\\widehat{\\mathrm{Var}}[\\ln\\hat\\theta_i]}

(the delta method), and the 95 % interval is
:math:`\\exp(\\ln\\hat\\theta_i \\pm 1.96\\,\\mathrm{se}(\\ln\\hat\\theta_i))`, which stays
positive. On a compressed fit the likelihood is the weighted sum over unique rows,
the same function of the parameters as the sum over customers, so the standard errors
are the same.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from .._compat import import_lifetimes
from . import _likelihoods
from ..errors import ConvergenceError, RetentionDataError
from ..validation import PENALIZER, UNIT_DAYS, Flag, check_param

__all__ = ["FittedModel", "SummaryModel", "TransactionModel"]

_Z95 = float(stats.norm.ppf(0.975))


def _observed_information_covariance(log_likelihood: Callable[[np.ndarray], float], x0: np.ndarray,
                                     step: float = 1e-4) -> np.ndarray:
    """Inverse of minus the finite-difference Hessian of ``log_likelihood`` at ``x0``.

    NaN where the Hessian is not negative definite (a flat or non-converged likelihood).
    """
    k = len(x0)
    hessian = np.zeros((k, k))
    steps = np.eye(k) * step
    for i in range(k):
        for j in range(i, k):
            value = (
                log_likelihood(x0 + steps[i] + steps[j]) - log_likelihood(x0 + steps[i] - steps[j])
                - log_likelihood(x0 - steps[i] + steps[j]) + log_likelihood(x0 - steps[i] - steps[j])
            ) / (4 * step * step)
            hessian[i, j] = hessian[j, i] = value
    return _information_covariance(hessian)


def _information_covariance(hessian: np.ndarray) -> np.ndarray:
    """Inverse of minus a Hessian; NaN where it is not negative definite."""
    k = len(hessian)
    information = -hessian
    if not np.all(np.isfinite(information)):
        return np.full((k, k), np.nan)
    try:
        np.linalg.cholesky(information)
    except np.linalg.LinAlgError:
        return np.full((k, k), np.nan)
    return np.linalg.inv(information)


class FittedModel:
    """Common result surface of the kit's fitted models.

    Subclasses set ``params_`` (a Series of the positive parameters), and implement
    :meth:`_log_likelihood` (the log-likelihood of the fitted data as a function of
    the log-parameters); from these the base computes ``covariance_`` and
    ``summary``.
    """

    _model_name: ClassVar[str] = "model"

    params_: pd.Series
    log_likelihood_: float
    n_customers_: int

    def _log_likelihood(self, log_params: np.ndarray) -> float:
        """Log-likelihood of the fitted data at ``exp(log_params)`` (no penalty)."""
        raise NotImplementedError

    def _is_fitted(self) -> bool:
        return isinstance(getattr(self, "params_", None), pd.Series)

    def _require_fitted(self) -> None:
        if not self._is_fitted():
            raise RetentionDataError(
                f"{type(self).__name__}: the model is not fitted yet; call .fit(summary) first.",
                parameter="model",
            )

    def _log_covariance(self) -> np.ndarray:
        self._require_fitted()
        cached = self.__dict__.get("_log_covariance_cache")
        if cached is None and self.__dict__.get("on_ridge_", False):
            # the estimates lie on a ridge of the likelihood: no curvature says how well the
            # data determine them, and a Hessian taken there would give intervals that look narrow
            k = len(self.params_)
            cached = self.__dict__["_log_covariance_cache"] = np.full((k, k), np.nan)
        if cached is None:
            x0 = np.log(self.params_.to_numpy(dtype=float))
            with _quiet():
                gradient = getattr(self, "_log_likelihood_gradient", None)
                if gradient is None:
                    cached = _observed_information_covariance(self._log_likelihood, x0)
                else:
                    cached = _information_covariance(
                        _likelihoods.gradient_hessian(lambda u: gradient(u)[1], x0))
            # frozen dataclasses (SBGFit) refuse setattr; the cache is not part of the value
            self.__dict__["_log_covariance_cache"] = cached
        return cached

    @property
    def covariance_(self) -> pd.DataFrame:
        """Estimated covariance matrix of the parameters (observed information, delta method)."""
        theta = self.params_.to_numpy(dtype=float)
        cov = np.outer(theta, theta) * self._log_covariance()
        return pd.DataFrame(cov, index=self.params_.index, columns=self.params_.index)

    @property
    def summary(self) -> pd.DataFrame:
        """Estimates with standard errors and 95 % intervals.

        Columns ``estimate, se, ci_lower, ci_upper``, one row per parameter. The
        interval is symmetric on the log scale (it stays positive); ``se`` is the
        delta-method standard error of the estimate itself. NaN when the likelihood
        is not curved at the estimates (flat directions, or a fit that stopped early).
        """
        self._require_fitted()
        theta = self.params_.to_numpy(dtype=float)
        se_log = np.sqrt(np.diag(self._log_covariance()))
        out = pd.DataFrame(
            {
                "estimate": theta,
                "se": theta * se_log,
                "ci_lower": np.exp(np.log(theta) - _Z95 * se_log),
                "ci_upper": np.exp(np.log(theta) + _Z95 * se_log),
            },
            index=pd.Index(self.params_.index, name="parameter"),
        )
        if self.__dict__.get("on_ridge_", False):
            out.attrs["note"] = (
                "the likelihood still rises, immeasurably, along a ridge to infinity at these "
                "estimates (for Pareto/NBD: s and beta growing together, as when nobody appears to "
                "drop out): the predictions have converged, but the parameters are not determined "
                "by the data, so there are no standard errors or intervals."
            )
        return out

    def _repr_settings(self) -> str:
        return ""

    def _repr_data(self) -> str:
        return f"{self.n_customers_:,} customers"

    def __repr__(self) -> str:
        name = type(self).__name__
        settings = self._repr_settings()
        if not self._is_fitted():
            return f"<{name} {self._model_name}, not fitted{'; ' + settings if settings else ''}>"
        params = ", ".join(f"{k}={float(v):.4g}" for k, v in self.params_.items())
        return (f"<{name} {self._model_name} fitted to {self._repr_data()}: {params}; "
                f"log-likelihood {self.log_likelihood_:,.2f}{'; ' + settings if settings else ''}>")


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence lifetimes while it runs: its optimiser prints on failure, and it probes
    parameters where its log-likelihood overflows (those evaluations are rejected, the
    warnings are noise; lifetimes also resets the FutureWarning filter on every call)."""
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"lifetimes\.")
        warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"retention_kit\.models")
        yield


def _summary_columns(summary: pd.DataFrame) -> tuple[str, str, str]:
    for suffix in ("", "_cal"):
        names = (f"frequency{suffix}", f"recency{suffix}", f"T{suffix}")
        if all(n in summary.columns for n in names):
            return names
    raise RetentionDataError(
        "summary: expected columns frequency, recency and T (from rfm_summary) or their _cal "
        f"versions (from calibration_holdout); got {list(summary.columns)}.",
        parameter="summary",
    )


def _check_time_unit(value: object) -> float:
    check_param("time_unit_days", value, UNIT_DAYS)
    return float(value)


class SummaryModel(FittedModel):
    """A model fitted to a per-customer summary through a ``lifetimes`` fitter.

    The kit's part of every such fit: it reads and checks the sufficient statistics,
    fits on their unique rows with counts as weights (``compress=True``: the same
    likelihood, so the same estimates, far faster on large customer bases), records
    the time unit of the summary, seeds random starting values, silences lifetimes'
    noise and turns a failed fit into a :class:`~retention_kit.errors.ConvergenceError`.
    Subclasses supply :meth:`_statistics` (the columns the model reads),
    :meth:`_maximize` (the optimiser) and :meth:`_log_likelihood` (the likelihood).

    Fitted attributes
    -----------------
    params_ : pandas.Series
        Maximum-likelihood estimates.
    unit_days_ : float or None
        Days per time unit of the summary the model was fitted on (from
        ``summary.attrs["unit_days"]``, which :func:`~retention_kit.rfm_summary`
        records, or from ``time_unit_days=``). Predictions take times in this unit.
    excluded_ : dict
        Customers left out of the fit, by reason (empty when none).
    n_customers_ : int
        Customers the fit used.
    log_likelihood_ : float
        Log-likelihood at the estimates, without the penalty, in ``unit_days_`` units.
    penalizer : float
        L2 penalty on the parameters (lifetimes' ``penalizer_coef``).
    summary : pandas.DataFrame
        ``estimate, se, ci_lower, ci_upper`` per parameter.
    """

    _fit_function: ClassVar[str] = "fit"
    _needs_time_unit: ClassVar[bool] = True
    _convergence_hint: ClassVar[str] = "Try a small penalizer (penalizer=0.001 to 0.1)."
    _seed: int | None = None

    unit_days_: float | None
    excluded_: dict[str, int]
    summary_attrs_: dict[str, Any]

    def __init__(self, *, penalizer: float = 0.0) -> None:
        check_param("penalizer", penalizer, PENALIZER)  # also for direct Model(penalizer=...).fit
        self.penalizer = float(penalizer)
        self.penalizer_coef = self.penalizer  # the name lifetimes' fitters read

    # -- what each model class supplies -------------------------------------------------
    def _statistics(self, summary: pd.DataFrame, **options: Any) -> tuple[Any, dict[str, int]]:
        """The columns the model is fitted on (checked; a DataFrame or a dict of arrays), and
        the customers left out by reason."""
        raise NotImplementedError

    #: the kit's log-likelihood, ``(theta, stats, gradient) -> (value, gradient)``
    #: (:mod:`retention_kit.models._likelihoods`)
    _likelihood: ClassVar[Callable[..., tuple[float, np.ndarray | None]]]
    _param_names: ClassVar[tuple[str, ...]] = ()
    #: parameters measured in time units: fitted on times scaled to max(T) = 1, as lifetimes does
    _time_params: ClassVar[tuple[str, ...]] = ()
    #: lifetimes' penalty: ``penalizer * sum(theta**2)`` added to the mean negative
    #: log-likelihood per customer (True: BG/NBD, MBG/NBD, Gamma-Gamma) or to the sum
    #: over customers (False: Pareto/NBD, as lifetimes' plain fit)
    _penalty_per_customer: ClassVar[bool] = True

    def _stats(self, columns: dict[str, np.ndarray], compress: bool) -> Any:
        """The sufficient statistics of ``columns`` (per customer): unique rows with counts
        as weights when ``compress``, else every customer with weight 1."""
        raise NotImplementedError

    def _time_scale(self, stats: Any) -> float:
        return 1.0

    #: rows above which the fit starts from a thinned sample of the rows
    _thin_above: ClassVar[int] = 60_000
    _thin_rows: ClassVar[int] = 30_000

    def _maximize(self, stats: Any) -> None:
        """Maximum-likelihood fit on the sufficient statistics ``stats``; sets ``params_``.

        The kit's own likelihood and exact gradient on the log-parameters
        (:func:`~retention_kit.models._likelihoods.maximize`), on times scaled so that the
        longest ``T`` is 1 and with lifetimes' penalty on the scaled parameters, so that
        the estimates are those of lifetimes' fitters. On many distinct rows the search
        starts from the fit to every k-th row (weighted up to the same customers), whose
        Hessian then drives Newton iterations on all the rows.
        """
        scale = self._time_scale(stats)
        fitted = stats.scaled(scale) if scale != 1.0 else stats
        n = stats.customers
        penalty = self.penalizer * (1.0 if self._penalty_per_customer else 1.0 / n)
        likelihood = type(self)._likelihood

        def objective_on(st: Any) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
            def objective(u: np.ndarray) -> tuple[float, np.ndarray]:
                theta = np.exp(u)
                ll, g = likelihood(theta, st, True)
                value = -ll / n + penalty * float(theta @ theta)
                return value, theta * (-g / n + 2.0 * penalty * theta)
            return objective

        start = None
        if hasattr(fitted, "thinned") and fitted.rows > self._thin_above:
            start = objective_on(fitted.thinned(-(-fitted.rows // self._thin_rows)))
        objective = objective_on(fitted)
        u, ridge = _likelihoods.maximize(objective, np.full(len(self._param_names), 0.1), start=start)
        self.__dict__["on_ridge_"] = ridge
        theta = np.exp(u)
        for i, name in enumerate(self._param_names):
            if name in self._time_params:
                theta[i] /= scale
        self.params_ = pd.Series(theta, index=list(self._param_names))
        self._scale = scale
        self.__dict__["_stats_"] = stats
        self.__dict__.pop("data", None)

    @property
    def data(self) -> pd.DataFrame:
        """The rows the model was fitted on, with their ``weights`` (lifetimes' attribute),
        in the summary's units; built on first access."""
        cached = self.__dict__.get("data")
        if cached is None:
            stats = self.__dict__.get("_stats_")
            if stats is None:
                raise AttributeError("data")
            cached = self.__dict__["data"] = self._data_frame(stats)
        return cached

    @data.setter
    def data(self, value: pd.DataFrame) -> None:
        self.__dict__["data"] = value

    def _data_frame(self, stats: Any) -> pd.DataFrame:
        raise NotImplementedError

    def _theta(self) -> np.ndarray:
        """The fitted parameters in the order of ``_param_names``."""
        self._require_fitted()
        return self.params_[list(self._param_names)].to_numpy(dtype=float)

    def _log_likelihood(self, log_params: np.ndarray) -> float:
        return float(type(self)._likelihood(np.exp(log_params), self.__dict__["_stats_"], False)[0])

    def _log_likelihood_gradient(self, log_params: np.ndarray) -> tuple[float, np.ndarray]:
        """Log-likelihood (no penalty) and its exact gradient in the log-parameters."""
        theta = np.exp(np.asarray(log_params, dtype=float))
        ll, g = type(self)._likelihood(theta, self.__dict__["_stats_"], True)
        return float(ll), theta * g

    # -- lifetimes' names for the standard errors -------------------------------------------
    @property
    def variance_matrix_(self) -> pd.DataFrame:
        """lifetimes' name for :attr:`covariance_`."""
        return self.covariance_

    @property
    def standard_errors_(self) -> pd.Series:
        """lifetimes' name for ``summary["se"]``."""
        return self.summary["se"].rename(None).rename_axis(None)

    @property
    def confidence_intervals_(self) -> pd.DataFrame:
        """lifetimes' 95 % intervals (estimate +- 1.96 se; ``summary`` has the log-scale ones)."""
        se = self.standard_errors_
        return pd.DataFrame({"lower 95% bound": self.params_ - _Z95 * se,
                             "upper 95% bound": self.params_ + _Z95 * se}, index=self.params_.index)

    # -- the fit entry point ------------------------------------------------------------
    def _fit_summary(
        self,
        summary: pd.DataFrame,
        *,
        time_unit_days: float | None,
        compress: bool,
        **options: Any,
    ) -> SummaryModel:
        if not isinstance(summary, pd.DataFrame):
            raise RetentionDataError(
                f"summary: expected a pandas DataFrame from rfm_summary, got {type(summary).__name__}.",
                parameter="summary",
            )
        check_param("compress", compress, Flag())
        data, excluded = self._statistics(summary, **options)
        unit = self._fit_time_unit(summary, time_unit_days)
        stats = self._stats(data, compress)
        del data
        lifetimes_utils = import_lifetimes().utils
        try:
            with _quiet():
                self._maximize(stats)
        except (_likelihoods.FitFailed, lifetimes_utils.ConvergenceError) as exc:
            raise ConvergenceError(
                f"the {self._model_name} fit did not converge ({str(exc).strip().splitlines()[0]}). "
                f"{self._convergence_hint}",
                parameter="penalizer",
            ) from None
        if not np.all(np.isfinite(self.params_.to_numpy(dtype=float))) or (self.params_ <= 0).any():
            raise ConvergenceError(
                f"the {self._model_name} fit did not converge (estimates {self.params_.to_dict()}). "
                f"{self._convergence_hint}",
                parameter="penalizer",
            )
        self.__dict__.pop("_log_covariance_cache", None)
        self.unit_days_ = unit
        self.excluded_ = excluded
        self.n_customers_ = int(round(stats.customers))
        self.summary_attrs_ = dict(summary.attrs)
        with _quiet():
            self.log_likelihood_ = float(self._log_likelihood(np.log(self.params_.to_numpy(dtype=float))))
        return self

    def _fit_time_unit(self, summary: pd.DataFrame, time_unit_days: float | None) -> float | None:
        recorded = summary.attrs.get("unit_days")
        if time_unit_days is None:
            if recorded is None:
                if not self._needs_time_unit:
                    return None
                raise RetentionDataError(
                    "time_unit_days: the summary does not record its time unit (it did not come "
                    "from rfm_summary, or a pandas operation dropped its attrs). Pass "
                    f"{self._fit_function}(..., time_unit_days=...): the days per summary unit, "
                    "7 for weeks (freq='W', or freq='D' with freq_multiplier=7), 1 for days.",
                    parameter="time_unit_days",
                )
            return _check_time_unit(recorded)
        unit = _check_time_unit(time_unit_days)
        if recorded is not None and not np.isclose(float(recorded), unit):
            raise RetentionDataError(
                f"time_unit_days={time_unit_days}: the summary measures time in units of "
                f"{float(recorded):g} days. Mixing units silently mis-scales every prediction; "
                "leave time_unit_days out to use the summary's.",
                parameter="time_unit_days",
            )
        return unit

    def _repr_settings(self) -> str:
        return f"penalizer={self.penalizer:g}"

    def _repr_data(self) -> str:
        unit = "" if self.unit_days_ is None else f" (time unit {self.unit_days_:g} days)"
        return f"{self.n_customers_:,} customers{unit}"


class TransactionModel(SummaryModel):
    """A model of purchase counts and dropout (BG/NBD, Pareto/NBD, MBG/NBD).

    Fitted to ``frequency, recency, T`` (or the ``_cal`` columns of
    :func:`~retention_kit.calibration_holdout`).
    """

    _convergence_hint = (
        "Try a small penalizer (penalizer=0.001 to 0.1), or rescale time: summaries in days have "
        "large T and recency; weeks (freq='W', or freq='D' with freq_multiplier=7) are better "
        "conditioned."
    )

    def fit(self, summary: pd.DataFrame, *, time_unit_days: float | None = None,
            compress: bool = True) -> TransactionModel:
        """Fit the model to a customer summary from :func:`~retention_kit.rfm_summary`.

        Parameters
        ----------
        summary : pandas.DataFrame
            ``frequency, recency, T`` per customer (or their ``_cal`` versions).
        time_unit_days : float, optional
            Days per summary unit. Taken from ``summary.attrs["unit_days"]`` by
            default (and checked against it when both are there); required when the
            summary has lost its attrs.
        compress : bool
            Fit on the unique rows with their counts as weights (same estimates).

        Returns
        -------
        self
        """
        return self._fit_summary(summary, time_unit_days=time_unit_days, compress=compress)

    def _statistics(self, summary: pd.DataFrame, **options: Any) -> tuple[dict[str, np.ndarray], dict[str, int]]:
        f_col, r_col, t_col = _summary_columns(summary)
        # float views of the columns (no copy of the summary)
        f, r, t = (summary[c].to_numpy(dtype=float) for c in (f_col, r_col, t_col))
        if any(np.isnan(v).any() or (v < 0).any() for v in (f, r, t)):
            raise RetentionDataError(
                "summary: frequency, recency and T must be non-negative numbers without NaN.",
                parameter="summary",
            )
        if (r > t + 1e-9).any():
            raise RetentionDataError(
                "summary: recency exceeds T for some customers; rebuild it with rfm_summary.",
                parameter="summary",
            )
        return {"frequency": f, "recency": r, "T": t}, {}

    def _stats(self, columns: dict[str, np.ndarray], compress: bool) -> _likelihoods.TransactionStats:
        f, r, t = columns["frequency"], columns["recency"], columns["T"]
        if compress:
            return _likelihoods.TransactionStats.compress(f, r, t)
        return _likelihoods.TransactionStats.from_rows(f, r, t, np.ones(len(f)))

    def _time_scale(self, stats: _likelihoods.TransactionStats) -> float:
        return 1.0 / float(stats.uT.max())  # lifetimes' _scale_time

    def _data_frame(self, stats: _likelihoods.TransactionStats) -> pd.DataFrame:
        return pd.DataFrame({"frequency": stats.x, "recency": stats.t_x, "T": stats.T, "weights": stats.w})

    def predict(self, t, frequency, recency, T):  # noqa: N803 - lifetimes' name and signature
        """lifetimes' alias of ``conditional_expected_number_of_purchases_up_to_time``."""
        return self.conditional_expected_number_of_purchases_up_to_time(t, frequency, recency, T)

    def _fitted_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        d = self.data  # lifetimes keeps the fitted rows, in the summary's units
        return (d["frequency"].to_numpy(), d["recency"].to_numpy(dtype=float),
                d["T"].to_numpy(dtype=float), d["weights"].to_numpy(dtype=float))
