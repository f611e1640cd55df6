"""Probabilistic customer lifetime value with the `lifetimes` fitters, on today's stack.

``lifetimes`` 0.11.3 is archived: its data preparation and several plots break on
current pandas and matplotlib, but its maximum-likelihood fitters work. The kit keeps
the fitters and owns the rest: the per-customer summary (:func:`rfm_summary`), the
calibration/holdout split, fitting on compressed sufficient statistics, CLV with an
explicit time unit, and the win-back list.

Time units: a summary measures ``recency`` and ``T`` in *summary units*, for example
weeks (``freq="W"``) or days divided by 7 (``freq="D", freq_multiplier=7``, the
fractional weeks of Fader, Hardie & Lee 2005). Every function that turns a summary into
money or time asks for horizons in calendar terms and converts with the summary's own
unit, which :func:`rfm_summary` records in ``summary.attrs``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .inputs import TableLike
from . import _engine, _neutral
from .errors import RetentionDataError
from .validation import (
    PENALIZER,
    UNIT_DAYS,
    Anything,
    DateLike,
    Fitted,
    Flag,
    Integer,
    Log,
    Number,
    Options,
    Table,
    validate_params,
)

SUMMARY_FREQ = Options("D", "W", "M")
MULTIPLIER = Number(low=0, closed="neither", what="a positive number", text="a positive number")
from .inputs import canonical
from .inputs import observation_end as _read_end
from .models import (
    BetaGeoModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    TransactionModel,
)
from .models.base import _summary_columns

__all__ = [
    "rfm_summary",
    "calibration_holdout",
    "fit_bgnbd",
    "fit_paretonbd",
    "fit_mbgnbd",
    "fit_gamma_gamma",
    "fit_with_ladder",
    "PENALIZER_LADDER",
    "expected_purchases",
    "probability_alive",
    "customer_lifetime_value",
    "winback_list",
    "holdout_comparison",
    "cumulative_repeat_transactions",
    "p_alive_history",
    "rfm_segments",
]

_UNIT_DAYS = {"D": 1.0, "W": 7.0, "M": 365.25 / 12}
AVERAGE_MONTH_DAYS = 365.25 / 12


def _check_transactions(transactions: object) -> pd.DataFrame:
    return canonical(transactions, kind="transactions")


def _periods(days: np.ndarray, freq: str) -> np.ndarray:
    """Period number of each day: the day itself, the Monday starting its week, or the month."""
    if freq == "D":
        return days
    if freq == "W":
        return days - (days - 4) % 7  # 1970-01-05 (day 4) was a Monday
    if freq == "M":
        return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    raise RetentionDataError(f"freq={freq!r}: expected 'D', 'W' or 'M'.")


def _unit_length(freq: str) -> float:
    """Length of one period number step in the period's own unit (weeks step by 7 days)."""
    return 7.0 if freq == "W" else 1.0


@validate_params(
    transactions=Log(neutral=True),
    freq=SUMMARY_FREQ,
    observation_end=[DateLike(), None],  # None gets the body's explanation of why it is required
    monetary=Flag(),
    freq_multiplier=MULTIPLIER,
)
def rfm_summary(
    transactions: TableLike,
    *,
    freq: str = "W",
    observation_end: str | pd.Timestamp,
    monetary: bool = True,
    freq_multiplier: float = 1,
) -> pd.DataFrame:
    """Per-customer frequency, recency, T and monetary value, in lifetimes' conventions.

    Purchases are grouped into periods of ``freq`` (weeks start on Monday); purchases
    in the same period count as one, their amounts summed. Then, per customer:

    - ``frequency``: number of *repeat* purchase periods (periods with a purchase - 1);
    - ``recency``: time from the first to the last purchase period;
    - ``T``: time from the first purchase period to the period of ``observation_end``;
    - ``monetary_value``: mean of the repeat periods' amounts (0 without repeats).

    Times are in units of ``freq`` divided by ``freq_multiplier``:
    ``freq="D", freq_multiplier=7`` gives fractional weeks.

    This equals ``lifetimes.utils.summary_data_from_transaction_data`` on the same
    input, with two differences: purchases after ``observation_end`` are always
    ignored (lifetimes keeps those in the same period as ``observation_end``), and
    ``freq="M"`` works (calendar months).

    Parameters
    ----------
    transactions : pandas.DataFrame, or a Polars, DuckDB or PySpark table (computed there)
        Canonical transactions (``customer_id``, ``date``, ``amount``).
    freq : {"D", "W", "M"}
        Period of the summary.
    observation_end : date
        Last day of the observation (inclusive). Required: T depends on it.
    monetary : bool
        Add ``monetary_value`` (needs an ``amount`` column).
    freq_multiplier : float
        Divide times by this (``freq="D", freq_multiplier=7``: weeks with fractions).

    Returns
    -------
    pandas.DataFrame
        Index ``customer_id`` (sorted), columns ``frequency, recency, T`` and
        ``monetary_value``, all float. ``attrs`` records ``freq``,
        ``freq_multiplier``, ``unit_days`` (days per summary unit) and
        ``observation_end``.

    Examples
    --------
    The paper's customer 0001 of the CDNOW sample over the 39-week calibration period:

    >>> import retention_kit as rk
    >>> tx = rk.datasets.load_cdnow(sample=True)
    >>> s = rfm_summary(tx, freq="D", freq_multiplier=7, observation_end="1997-09-30")
    >>> s.loc["0001"].round(3).tolist()
    [2.0, 30.429, 38.857, 22.345]
    """
    multiplier = float(freq_multiplier)
    if observation_end is None:
        raise RetentionDataError(
            "observation_end: pass the last day of the observation explicitly; T, the age of "
            "each customer, is measured up to it."
        )
    foreign = _neutral.wants_neutral(transactions)
    if not foreign:
        transactions = _check_transactions(transactions)
    if monetary and "amount" not in _neutral.column_names(transactions):
        raise RetentionDataError(
            "monetary=True needs an 'amount' column: load the export with amount_col=..., "
            "or pass monetary=False."
        )
    if foreign:
        info = _neutral.inspect(transactions, kind="transactions", need=("amount",) if monetary else ())
        end = _read_end(observation_end, first=info.first, last=info.last)
        end_day = int(np.datetime64(end.to_datetime64(), "D").astype(np.int64))
        ids, parts = _neutral.repeat_summary(info, end_day=end_day, freq=freq, monetary=monetary)
    else:
        dates = transactions["date"]
        end = _read_end(observation_end, first=dates.min(), last=dates.max())
        days = _engine.day_numbers(dates)
        end_day = int(np.datetime64(end.to_datetime64(), "D").astype(np.int64))
        keep = days <= end_day
        amounts = transactions["amount"].to_numpy(dtype=float)[keep] if monetary else None
        codes, ids = _engine.customer_codes(transactions["customer_id"], keep)
        period = _periods(days[keep], freq)
        parts = _engine.repeat_summary(codes, period, amounts, len(ids))
    end_period = int(_periods(np.array([end_day]), freq)[0])
    scale = _unit_length(freq) * multiplier
    out = pd.DataFrame(
        {
            "frequency": parts["frequency"].astype(float),
            "recency": (parts["last"] - parts["first"]) / scale,
            "T": (end_period - parts["first"]) / scale,
        },
        index=pd.Index(ids, name="customer_id"),
    )
    if monetary:
        with np.errstate(divide="ignore", invalid="ignore"):
            out["monetary_value"] = np.where(
                parts["frequency"] > 0, parts["repeat_value"] / parts["frequency"], 0.0
            )
    out = out.sort_index()
    out.attrs.update(
        freq=freq,
        freq_multiplier=multiplier,
        unit_days=_UNIT_DAYS[freq] * multiplier,
        observation_end=str(end.date()),
    )
    return out


@validate_params(
    transactions=Log(neutral=True),
    calibration_end=DateLike(),
    observation_end=DateLike(),
    freq=SUMMARY_FREQ,
    freq_multiplier=MULTIPLIER,
    monetary=Flag(),
)
def calibration_holdout(
    transactions: TableLike,
    *,
    calibration_end: str | pd.Timestamp,
    observation_end: str | pd.Timestamp,
    freq: str = "W",
    freq_multiplier: float = 1,
    monetary: bool = False,
) -> pd.DataFrame:
    """Calibration summary plus what each customer did in the holdout period.

    The calibration summary is :func:`rfm_summary` up to ``calibration_end``; customers
    whose first purchase comes later are not in it. Then ``frequency_holdout`` counts
    their purchase periods in (``calibration_end``, ``observation_end``] and
    ``duration_holdout`` is the holdout's length in summary units (with
    ``monetary=True`` also ``monetary_value_holdout``, the holdout periods' mean
    amount). The columns are named as in ``lifetimes.utils.calibration_and_holdout_data``
    (``frequency_cal, recency_cal, T_cal, frequency_holdout, duration_holdout``), so
    lifetimes' holdout plots accept the result.

    Examples
    --------
    >>> import retention_kit as rk
    >>> tx = rk.datasets.load_cdnow(sample=True)
    >>> ch = calibration_holdout(tx, calibration_end="1997-09-30", observation_end="1998-06-30",
    ...                          freq="D", freq_multiplier=7)
    >>> len(ch), round(float(ch["duration_holdout"].iloc[0]), 2)
    (2357, 39.0)
    >>> ch.loc["0001", ["frequency_cal", "frequency_holdout"]].tolist()
    [2.0, 1.0]
    """
    foreign = _neutral.wants_neutral(transactions)
    if foreign:
        info = _neutral.inspect(transactions, kind="transactions", need=("amount",) if monetary else ())
        first, last = info.first, info.last
    else:
        transactions = _check_transactions(transactions)
        first, last = transactions["date"].min(), transactions["date"].max()
    cal_end = _read_end(calibration_end, first=first, last=last, param="calibration_end")
    obs_end = _read_end(observation_end, first=first, last=last)
    if obs_end <= cal_end:
        raise RetentionDataError(
            f"observation_end={obs_end.date()} must be after calibration_end={cal_end.date()}."
        )
    calibration = rfm_summary(
        transactions, freq=freq, observation_end=cal_end, monetary=monetary, freq_multiplier=freq_multiplier
    )
    calibration.columns = [f"{c}_cal" for c in calibration.columns]
    cal_day = int(np.datetime64(cal_end.to_datetime64(), "D").astype(np.int64))
    obs_day = int(np.datetime64(obs_end.to_datetime64(), "D").astype(np.int64))
    if foreign:
        held = _neutral.holdout_periods(info, after_day=cal_day, end_day=obs_day, freq=freq, monetary=monetary)
        counts = held["count"]
        means = held["mean"] if monetary else None
    else:
        days = _engine.day_numbers(transactions["date"])
        inside = (days > cal_day) & (days <= obs_day)
        holdout = pd.DataFrame({
            "customer_id": transactions["customer_id"].to_numpy()[inside],
            "period": _periods(days[inside], freq),
        })
        if monetary:
            holdout["amount"] = transactions["amount"].to_numpy(dtype=float)[inside]
        per_period = holdout.groupby(["customer_id", "period"], sort=False).sum().reset_index() if monetary else (
            holdout.drop_duplicates())
        counts = per_period.groupby("customer_id").size()
        means = per_period.groupby("customer_id")["amount"].mean() if monetary else None
    out = calibration.copy()
    out["frequency_holdout"] = counts.reindex(out.index, fill_value=0).astype(float)
    if monetary:
        out["monetary_value_holdout"] = means.reindex(out.index, fill_value=0.0)
    scale = _unit_length(freq) * float(freq_multiplier)
    end_periods = _periods(np.array([cal_day, obs_day]), freq)
    out["duration_holdout"] = float(end_periods[1] - end_periods[0]) / scale
    out.attrs.update(calibration.attrs)
    out.attrs.update(calibration_end=str(cal_end.date()), observation_end=str(obs_end.date()))
    return out


@validate_params(
    summary=Table(),
    penalizer=PENALIZER,
    compress=Flag(),
    time_unit_days=[UNIT_DAYS, None],
)
def fit_bgnbd(
    summary: pd.DataFrame,
    *,
    penalizer: float = 0.0,
    compress: bool = True,
    time_unit_days: float | None = None,
) -> BetaGeoModel:
    """Fit the BG/NBD model (:class:`~retention_kit.models.BetaGeoModel`) to a customer summary.

    With ``compress=True`` the fit runs on the unique (frequency, recency, T) rows with
    their counts as weights: the likelihood is the same sum, so the estimates are the
    same, and large customer bases with many identical rows fit far faster.

    The model records the summary's time unit in ``unit_days_``: from
    ``summary.attrs["unit_days"]`` (set by :func:`rfm_summary`), or from
    ``time_unit_days`` (days per summary unit) when the summary has lost its attrs.
    Every prediction function takes the unit from the model.

    Returns a fitted :class:`~retention_kit.models.BetaGeoModel`, which is a
    ``lifetimes.BetaGeoFitter`` (``params_`` holds r, alpha, a, b) with ``summary``
    (estimates, standard errors, 95 % intervals), ``unit_days_``, ``n_customers_`` and
    ``log_likelihood_``.

    Raises
    ------
    RetentionDataError
        On a summary without the needed columns, negative values, recency > T, or
        without a time unit (pass ``time_unit_days=``).
    ConvergenceError
        When the fit does not converge (the message says what to try).

    Examples
    --------
    Fader, Hardie & Lee (2005): the CDNOW sample, weeks 1-39.

    >>> import retention_kit as rk
    >>> tx = rk.datasets.load_cdnow(sample=True)
    >>> s = rk.rfm_summary(tx, freq="D", freq_multiplier=7, observation_end="1997-09-30")
    >>> bgf = fit_bgnbd(s)
    >>> {k: round(float(v), 3) for k, v in bgf.params_.items()}
    {'r': 0.243, 'alpha': 4.414, 'a': 0.793, 'b': 2.426}
    >>> round(bgf.log_likelihood_, 1), bgf.unit_days_
    (-9582.4, 7.0)
    """
    return BetaGeoModel(penalizer=penalizer).fit(summary, time_unit_days=time_unit_days, compress=compress)


@validate_params(
    summary=Table(),
    penalizer=PENALIZER,
    compress=Flag(),
    time_unit_days=[UNIT_DAYS, None],
    seed=Integer(low=0),
)
def fit_paretonbd(
    summary: pd.DataFrame,
    *,
    penalizer: float = 0.0,
    compress: bool = True,
    seed: int = 0,
    time_unit_days: float | None = None,
) -> ParetoNBDModel:
    """Fit the Pareto/NBD model (:class:`~retention_kit.models.ParetoNBDModel`); see :func:`fit_bgnbd`.

    lifetimes starts this fit from random initial values drawn from numpy's global
    random state, so two runs differ slightly (its likelihood is flat along s and
    beta). The kit draws them from ``seed`` and restores the global state afterwards,
    so the same data gives the same estimates.

    Examples
    --------
    >>> import retention_kit as rk
    >>> s = rk.rfm_summary(rk.datasets.load_cdnow(sample=True), freq="D", freq_multiplier=7,
    ...                    observation_end="1997-09-30")
    >>> sorted(fit_paretonbd(s).params_.index)
    ['alpha', 'beta', 'r', 's']
    """
    return ParetoNBDModel(penalizer=penalizer, seed=seed).fit(
        summary, time_unit_days=time_unit_days, compress=compress
    )


@validate_params(
    summary=Table(),
    penalizer=PENALIZER,
    compress=Flag(),
    time_unit_days=[UNIT_DAYS, None],
)
def fit_mbgnbd(
    summary: pd.DataFrame,
    *,
    penalizer: float = 0.0,
    compress: bool = True,
    time_unit_days: float | None = None,
) -> ModifiedBetaGeoModel:
    """Fit the MBG/NBD model (:class:`~retention_kit.models.ModifiedBetaGeoModel`); see :func:`fit_bgnbd`.

    Unlike BG/NBD, a customer may also drop out right after the first purchase.

    Examples
    --------
    >>> import retention_kit as rk
    >>> s = rk.rfm_summary(rk.datasets.load_cdnow(sample=True), freq="D", freq_multiplier=7,
    ...                    observation_end="1997-09-30")
    >>> sorted(fit_mbgnbd(s).params_.index)
    ['a', 'alpha', 'b', 'r']
    """
    return ModifiedBetaGeoModel(penalizer=penalizer).fit(
        summary, time_unit_days=time_unit_days, compress=compress
    )


@validate_params(
    summary=Table(),
    penalizer=PENALIZER,
    nonpositive=Options("error", "exclude"),
    time_unit_days=[UNIT_DAYS, None],
)
def fit_gamma_gamma(
    summary: pd.DataFrame,
    *,
    penalizer: float = 0.0,
    nonpositive: str = "error",
    time_unit_days: float | None = None,
) -> GammaGammaModel:
    """Fit the Gamma-Gamma spend model to customers with repeat purchases.

    The model describes the mean value of a customer's repeat purchases; it needs
    ``frequency > 0`` and a positive ``monetary_value``. Like the transaction-model
    helpers it fits on the unique (frequency, monetary value) rows with weights. Customers without repeat
    purchases carry no information about spend and are left out (counted in
    ``fitter.excluded_``). A non-positive mean spend (refunds, free orders) raises,
    or with ``nonpositive="exclude"`` is left out and counted.

    ``time_unit_days`` is recorded in ``unit_days_`` (taken from ``summary.attrs`` by
    default; optional here, since spend has no time scale, but CLV then checks that
    the transaction model counts the same purchase periods).

    Returns a fitted :class:`~retention_kit.models.GammaGammaModel` (a
    ``lifetimes.GammaGammaFitter``; ``params_`` holds p, q, v) with ``excluded_``:
    rows left out, by reason, and ``summary``: estimates with standard errors.

    Examples
    --------
    >>> import retention_kit as rk
    >>> tx = rk.datasets.load_cdnow(sample=True)
    >>> s = rk.rfm_summary(tx, freq="D", freq_multiplier=7, observation_end="1997-09-30")
    >>> ggf = fit_gamma_gamma(s)
    >>> {k: round(float(v), 2) for k, v in ggf.params_.items()}
    {'p': 6.25, 'q': 3.74, 'v': 15.44}
    >>> ggf.excluded_
    {'no repeat purchase': 1411}
    """
    return GammaGammaModel(penalizer=penalizer).fit(
        summary, nonpositive=nonpositive, time_unit_days=time_unit_days
    )


#: The penalizers :func:`fit_with_ladder` tries in turn: no penalty first, then ever
#: stronger ones, so a fit that converges unpenalized is the plain maximum likelihood.
PENALIZER_LADDER: tuple[float, ...] = (0.0, 0.001, 0.01, 0.1)


@validate_params(
    fit=Anything(),
    summary=Anything(),
    penalizer=[PENALIZER, None],
    ladder=Anything(),
)
def fit_with_ladder(
    fit: Any,
    summary: pd.DataFrame,
    *,
    penalizer: float | None = None,
    ladder: tuple[float, ...] = PENALIZER_LADDER,
    **options: Any,
) -> Any:
    """Fit with ``fit`` (e.g. :func:`fit_bgnbd`), retrying along a penalizer ladder.

    With ``penalizer=None`` the fit is tried with each penalizer of ``ladder`` in turn
    (by default 0, 0.001, 0.01, 0.1) and the first that converges is returned; with a
    number, only that penalizer is tried. The penalizer adds
    :math:`\\text{penalizer} \\sum_k \\theta_k^2` to the negative log-likelihood
    (lifetimes' L2 penalty), pulling the estimates towards zero: say which one was used
    (the model's ``penalizer``) next to any number computed from it.

    The model also carries ``penalizers_tried_``, the penalizers tried, in order.

    Raises
    ------
    ConvergenceError
        When no penalizer of the ladder converges; ``parameter`` is ``"penalizer"``.

    Examples
    --------
    >>> import retention_kit as rk
    >>> tx = rk.datasets.load_cdnow(sample=True)
    >>> s = rk.rfm_summary(tx, freq="D", freq_multiplier=7, observation_end="1997-09-30")
    >>> bgf = fit_with_ladder(fit_bgnbd, s)
    >>> bgf.penalizer, bgf.penalizers_tried_, round(float(bgf.params_["r"]), 3)
    (0.0, [0.0], 0.243)
    """
    from .errors import ConvergenceError

    steps = list(ladder) if penalizer is None else [penalizer]
    if not steps:
        raise RetentionDataError("ladder=(): give at least one penalizer to try.", parameter="ladder")
    tried: list[float] = []
    last: ConvergenceError | None = None
    for step in steps:
        tried.append(float(step))
        try:
            model = fit(summary, penalizer=step, **options)
        except ConvergenceError as exc:
            last = exc
            continue
        model.penalizers_tried_ = tried
        return model
    # the last fit's own advice (a small penalizer) has just been followed: keep its reason only
    reason = str(last).split(". Try ")[0].rstrip(".")
    raise ConvergenceError(
        f"the fit did not converge with any penalizer tried ({', '.join(f'{p:g}' for p in tried)}); "
        f"last error: {reason}. Try a larger penalizer (penalizer=1), a longer calibration period, "
        "or check the data for customers with implausible histories.",
        parameter="penalizer",
    )


def _mismatch(summary_days: float, model_days: float) -> RetentionDataError:
    return RetentionDataError(
        f"summary: it measures time in units of {summary_days:g} days, but the model was fitted on "
        f"a summary in units of {model_days:g} days. Mixing units silently mis-scales every "
        "prediction; rebuild the summary with the freq and freq_multiplier the model was fitted "
        "with, or refit the model on this summary.",
        parameter="summary",
    )


def _model_unit(model: Any) -> float | None:
    """The time unit a model was fitted in (``unit_days_``), or None (a bare lifetimes fitter)."""
    unit = getattr(model, "unit_days_", None)
    return None if unit is None else float(unit)


def _check_units(model: Any, summary: pd.DataFrame | None) -> None:
    """Refuse a summary whose recorded unit differs from the model's; silent when either is unknown."""
    fitted = _model_unit(model)
    recorded = None if summary is None else summary.attrs.get("unit_days")
    if fitted is not None and recorded is not None and not np.isclose(float(recorded), fitted):
        raise _mismatch(float(recorded), fitted)


def _time_unit(model: Any, summary: pd.DataFrame | None, time_unit_days: float | None = None) -> float:
    """Days per time unit of ``model``: the unit it was fitted in, checked against the
    summary's record and an explicit ``time_unit_days``.

    Models fitted by the kit record ``unit_days_``; for a lifetimes fitter fitted by
    hand the summary's ``attrs["unit_days"]`` or ``time_unit_days`` stands in.
    """
    fitted = _model_unit(model)
    recorded = None if summary is None else summary.attrs.get("unit_days")
    if time_unit_days is not None:
        if recorded is not None and not np.isclose(float(recorded), float(time_unit_days)):
            raise RetentionDataError(
                f"time_unit_days={time_unit_days}: the summary measures time in units of "
                f"{recorded:g} days. Mixing units silently mis-scales every prediction (the lifetimes "
                "Quickstart's CLV example does this); leave time_unit_days out to use the summary's.",
                parameter="time_unit_days",
            )
        if fitted is not None and not np.isclose(fitted, float(time_unit_days)):
            raise RetentionDataError(
                f"time_unit_days={time_unit_days}: the model was fitted on a summary in units of "
                f"{fitted:g} days. Mixing units silently mis-scales every prediction; leave "
                "time_unit_days out to use the model's.",
                parameter="time_unit_days",
            )
    _check_units(model, summary)
    unit = fitted if fitted is not None else (time_unit_days if time_unit_days is not None else recorded)
    if unit is None:
        raise RetentionDataError(
            "model: it does not record the time unit of the data it was fitted on, and the summary "
            "does not either (a pandas operation drops summary.attrs). Fit the model with the kit "
            "(rk.fit_bgnbd(summary, time_unit_days=...) and the like), which records it in "
            "model.unit_days_.",
            parameter="model",
        )
    return float(unit)


def _require_finite(values: np.ndarray, index: pd.Index, what: str, model: Any) -> None:
    """Refuse NaN or infinite predictions, naming the customers: a ranking or a total
    that silently skipped them would look right and be wrong."""
    bad = ~np.isfinite(np.asarray(values, dtype=float))
    if bad.any():
        ids = ", ".join(str(i) for i in index[bad][:5])
        more = f" and {int(bad.sum()) - 5:,} more" if bad.sum() > 5 else ""
        count = int(bad.sum())
        raise RetentionDataError(
            f"model: {what} is not a finite number for {count:,} customer{'s' if count != 1 else ''} "
            f"({ids}{more}); {type(model).__name__} cannot evaluate their histories. The kit's "
            "models (rk.fit_bgnbd, rk.fit_paretonbd, rk.fit_mbgnbd) compute these in log space "
            "and are finite for any history; refit with them, or leave these customers out "
            "explicitly.",
            parameter="model",
        )


@validate_params(
    model=Fitted(),
    summary=Table(),
    days=Number(low=0, closed="neither", what="a number of days"),
)
def expected_purchases(model: TransactionModel, summary: pd.DataFrame, *, days: float) -> pd.Series:
    """Expected purchases of each customer in the next ``days`` days.

    The horizon is converted to the model's time unit (``model.unit_days_``, the unit
    of the summary it was fitted on). A summary that still records its unit
    (``summary.attrs["unit_days"]``) must be in the same unit; one that has lost its
    attrs is taken to be.

    Examples
    --------
    The paper's worked customer: 2 repeat purchases, recency 30.43 weeks, T 38.86 weeks:
    1.226 expected purchases in the next 39 weeks.

    >>> import pandas as pd
    >>> import retention_kit as rk
    >>> tx = rk.datasets.load_cdnow(sample=True)
    >>> s = rk.rfm_summary(tx, freq="D", freq_multiplier=7, observation_end="1997-09-30")
    >>> bgf = rk.fit_bgnbd(s)
    >>> round(float(expected_purchases(bgf, s.loc[["0001"]], days=39 * 7).iloc[0]), 3)
    1.226
    """
    f_col, r_col, t_col = _summary_columns(summary)
    unit = _time_unit(model, summary)
    values = model.conditional_expected_number_of_purchases_up_to_time(
        days / unit, summary[f_col].to_numpy(), summary[r_col].to_numpy(), summary[t_col].to_numpy()
    )
    _require_finite(values, summary.index, "the expected number of purchases", model)
    return pd.Series(np.asarray(values, dtype=float), index=summary.index, name="expected_purchases")


@validate_params(
    model=Fitted(),
    summary=Table(),
)
def probability_alive(model: TransactionModel, summary: pd.DataFrame) -> pd.Series:
    """P(alive): the probability that each customer is still active at the end of the summary.

    A summary that records its time unit must be in the model's (``model.unit_days_``).

    Examples
    --------
    >>> import retention_kit as rk
    >>> s = rk.rfm_summary(rk.datasets.load_cdnow(sample=True), freq="W", observation_end="1997-09-30")
    >>> p = probability_alive(rk.fit_bgnbd(s), s)
    >>> bool(((p >= 0) & (p <= 1)).all())
    True
    """
    f_col, r_col, t_col = _summary_columns(summary)
    _check_units(model, summary)
    values = model.conditional_probability_alive(
        summary[f_col].to_numpy(), summary[r_col].to_numpy(), summary[t_col].to_numpy()
    )
    _require_finite(values, summary.index, "P(alive)", model)
    return pd.Series(np.asarray(values, dtype=float), index=summary.index, name="p_alive")


@validate_params(
    model=Fitted(),
    spend_model=Fitted(what="a fitted Gamma-Gamma model from fit_gamma_gamma"),
    summary=Table(),
    months=Integer(low=1, unit="months"),
    monthly_discount_rate=Number(low=0, high=1, closed="left", text="a monthly rate such as 0.01"),
    margin=Number(low=0, high=1, closed="right", text="a share of revenue in (0, 1]"),
    month_days=Number(low=0, closed="neither", what="a number of days"),
    time_unit_days=[UNIT_DAYS, None],
)
def customer_lifetime_value(
    model: TransactionModel,
    spend_model: GammaGammaModel,
    summary: pd.DataFrame,
    *,
    months: int,
    monthly_discount_rate: float,
    margin: float,
    month_days: float = AVERAGE_MONTH_DAYS,
    time_unit_days: float | None = None,
) -> pd.Series:
    """Discounted expected profit of each customer over the next ``months`` months.

    .. math::

        \\mathrm{CLV}_i = \\text{margin} \\sum_{m=1}^{M}
            \\frac{E[X_i(m) - X_i(m - 1)] \\; E[\\text{spend}_i]}{(1 + d)^m}

    with :math:`X_i(m)` the expected purchases by the end of month ``m`` from the
    transaction model (in the summary's own time unit: a month is ``month_days /
    unit_days`` units), :math:`E[\\text{spend}_i]` the Gamma-Gamma expected mean spend,
    and ``d`` the monthly discount rate. This is lifetimes' formula with the unit made
    explicit: lifetimes' ``customer_lifetime_value`` takes a ``freq`` argument that must
    match the summary, and its Quickstart passes ``freq="D"`` for weekly data.

    Parameters
    ----------
    model : fitted BG/NBD, Pareto/NBD or MBG/NBD
    spend_model : fitted Gamma-Gamma
    summary : pandas.DataFrame
        From :func:`rfm_summary` (``monetary=True``).
    months : int
        Horizon.
    monthly_discount_rate : float
        For example 0.01 (about 12.7 % a year).
    margin : float
        Profit margin on revenue, between 0 and 1.
    month_days : float
        Days in a month (default: an average month, 30.4375 days; lifetimes uses 30).
    time_unit_days : float, optional
        Days per summary unit; taken from the model (``model.unit_days_``) by default.
        When given, it is checked against the model's and the summary's units.

    Returns
    -------
    pandas.Series
        CLV per customer, in the currency of ``amount``.

    Examples
    --------
    >>> import retention_kit as rk
    >>> tx = rk.datasets.load_cdnow(sample=True)
    >>> s = rk.rfm_summary(tx, freq="D", freq_multiplier=7, observation_end="1998-06-30")
    >>> clv = customer_lifetime_value(rk.fit_bgnbd(s), rk.fit_gamma_gamma(s), s,
    ...                               months=12, monthly_discount_rate=0.01, margin=0.3)
    >>> bool((clv >= 0).all()), round(float(clv.loc["0001"]), 2) > 0
    (True, True)
    """
    f_col, r_col, t_col = _summary_columns(summary)
    m_col = "monetary_value" if "monetary_value" in summary.columns else "monetary_value_cal"
    if m_col not in summary.columns:
        raise RetentionDataError("summary: CLV needs monetary_value; use rfm_summary(..., monetary=True).")
    unit = _time_unit(model, summary, time_unit_days)
    spend_unit = _model_unit(spend_model)
    if spend_unit is not None and not np.isclose(spend_unit, unit):
        raise RetentionDataError(
            f"spend_model: it was fitted on a summary in units of {spend_unit:g} days, the "
            f"transaction model on units of {unit:g} days; monetary_value is the mean spend per "
            "purchase period, so both must come from summaries with the same freq and "
            "freq_multiplier.",
            parameter="spend_model",
        )
    month = month_days / unit
    f, r, t = (summary[c].to_numpy(dtype=float) for c in (f_col, r_col, t_col))
    spend = np.asarray(
        spend_model.conditional_expected_average_profit(summary[f_col], summary[m_col]), dtype=float
    )
    clv = np.zeros(len(summary))
    previous = np.zeros(len(summary))
    for m in range(1, months + 1):
        cumulative = np.asarray(model.conditional_expected_number_of_purchases_up_to_time(m * month, f, r, t))
        clv += (cumulative - previous) * spend / (1 + monthly_discount_rate) ** m
        previous = cumulative
    _require_finite(clv, summary.index, "the expected number of purchases", model)
    _require_finite(spend, summary.index, "the expected spend", spend_model)
    return pd.Series(margin * clv, index=summary.index, name="clv")


@validate_params(
    model=Fitted(),
    spend_model=Fitted(what="a fitted Gamma-Gamma model from fit_gamma_gamma"),
    summary=Table(),
    threshold=Number(low=0, high=1, closed="right", text="a probability in (0, 1]"),
    months=Integer(low=1, unit="months"),
    monthly_discount_rate=Number(low=0, high=1, closed="left", text="a monthly rate such as 0.01"),
    margin=Number(low=0, high=1, closed="right", text="a share of revenue in (0, 1]"),
    month_days=Number(low=0, closed="neither", what="a number of days"),
)
def winback_list(
    model: TransactionModel,
    spend_model: GammaGammaModel,
    summary: pd.DataFrame,
    *,
    threshold: float,
    months: int,
    monthly_discount_rate: float,
    margin: float,
    month_days: float = AVERAGE_MONTH_DAYS,
) -> pd.DataFrame:
    """Customers who have probably lapsed, ranked by the value at stake.

    A customer is on the list when P(alive) < ``threshold``. Their expected CLV is
    P(alive) times the value they would bring if still active, so

    .. math::

        \\text{value if active} = \\frac{\\mathrm{CLV}}{P(\\text{alive})}, \\qquad
        \\text{value at stake} = \\text{value if active} - \\mathrm{CLV}

    is what winning them back is worth (if it works). A customer whose P(alive) or CLV
    the model cannot evaluate (NaN, as lifetimes' own Pareto/NBD gives heavy buyers) is
    not dropped: the function raises, naming them. Customers without repeat
    purchases have no estimate of their own spend; the spend model's population mean
    stands in, as in lifetimes.

    Returns
    -------
    pandas.DataFrame
        ``p_alive, clv, value_if_active, value_at_stake`` and the summary's columns,
        sorted by ``value_at_stake`` (largest first).

    Examples
    --------
    >>> import retention_kit as rk
    >>> tx = rk.datasets.load_cdnow(sample=True)
    >>> s = rk.rfm_summary(tx, freq="D", freq_multiplier=7, observation_end="1998-06-30")
    >>> w = winback_list(rk.fit_bgnbd(s), rk.fit_gamma_gamma(s), s, threshold=0.3,
    ...                  months=12, monthly_discount_rate=0.01, margin=0.3)
    >>> bool((w["p_alive"] < 0.3).all()), bool(w["value_at_stake"].is_monotonic_decreasing)
    (True, True)
    """
    p_alive = probability_alive(model, summary)
    clv = customer_lifetime_value(model, spend_model, summary, months=months,
                                  monthly_discount_rate=monthly_discount_rate, margin=margin,
                                  month_days=month_days)
    table = pd.DataFrame({"p_alive": p_alive, "clv": clv})
    zero = (table["p_alive"] <= 0).to_numpy()
    if zero.any():
        ids = ", ".join(str(i) for i in table.index[zero][:5])
        raise RetentionDataError(
            f"model: P(alive) is 0 to machine precision for {int(zero.sum()):,} customers ({ids}), so "
            "their value if active (CLV / P(alive)) cannot be computed and they could not be "
            "ranked; leave them out of the summary explicitly (they have almost surely lapsed).",
            parameter="model",
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        table["value_if_active"] = np.where(table["p_alive"] > 0, table["clv"] / table["p_alive"], np.nan)
    table["value_at_stake"] = table["value_if_active"] - table["clv"]
    table = table.join(summary)
    lapsed = table[table["p_alive"] < threshold]
    return lapsed.sort_values("value_at_stake", ascending=False, kind="stable")


@validate_params(
    model=Fitted(),
    calibration=Table(),
    max_frequency=Integer(low=1),
)
def holdout_comparison(model: TransactionModel, calibration: pd.DataFrame, *, max_frequency: int = 7) -> pd.DataFrame:
    """Actual versus predicted holdout purchases, by calibration frequency.

    Customers with ``frequency_cal`` of ``max_frequency`` or more are pooled in the last
    row (its label is ``">= max_frequency"``).

    Returns
    -------
    pandas.DataFrame
        ``frequency_cal, customers, actual, predicted`` (mean holdout purchases per
        customer) and the totals over all customers in ``attrs``.

    Examples
    --------
    >>> import retention_kit as rk
    >>> tx = rk.datasets.load_cdnow(sample=True)
    >>> ch = rk.calibration_holdout(tx, calibration_end="1997-09-30", observation_end="1998-06-30",
    ...                             freq="D", freq_multiplier=7)
    >>> table = holdout_comparison(rk.fit_bgnbd(ch), ch)
    >>> int(table["customers"].sum())
    2357
    """
    needed = ["frequency_cal", "recency_cal", "T_cal", "frequency_holdout", "duration_holdout"]
    missing = [c for c in needed if c not in calibration.columns]
    if missing:
        raise RetentionDataError(f"calibration: missing {missing}; build it with calibration_holdout().")
    _check_units(model, calibration)
    predicted = model.conditional_expected_number_of_purchases_up_to_time(
        calibration["duration_holdout"].to_numpy(), calibration["frequency_cal"].to_numpy(),
        calibration["recency_cal"].to_numpy(), calibration["T_cal"].to_numpy(),
    )
    _require_finite(predicted, calibration.index, "the expected number of purchases", model)
    frame = pd.DataFrame({
        "bucket": np.minimum(calibration["frequency_cal"].to_numpy(), max_frequency).astype(int),
        "actual": calibration["frequency_holdout"].to_numpy(),
        "predicted": np.asarray(predicted, dtype=float),
    })
    table = frame.groupby("bucket").agg(customers=("actual", "size"), actual=("actual", "mean"),
                                        predicted=("predicted", "mean")).reset_index()
    table["frequency_cal"] = [str(b) if b < max_frequency else f">= {max_frequency}" for b in table["bucket"]]
    table = table[["frequency_cal", "customers", "actual", "predicted"]]
    table.attrs.update(actual_total=float(frame["actual"].sum()), predicted_total=float(frame["predicted"].sum()),
                       mean_absolute_error=float((frame["actual"] - frame["predicted"]).abs().mean()))
    return table


@validate_params(
    model=Fitted(),
    transactions=Log(),
    start=DateLike(),
    end=DateLike(),
    unit_days=[UNIT_DAYS, None],
)
def cumulative_repeat_transactions(
    model: TransactionModel,
    transactions: TableLike,
    *,
    start: str | pd.Timestamp,
    end: str | pd.Timestamp,
    unit_days: float | None = None,
) -> pd.DataFrame:
    """Actual and expected cumulative repeat purchases, unit by unit (the tracking chart).

    Each customer's expected repeat purchases by time ``t`` after their first purchase
    are ``model.expected_number_of_purchases_up_to_time(t)``, with ``t`` in the model's
    time unit (``model.unit_days_``); summed over customers at each step of
    ``unit_days`` days from ``start`` (by default one step per model unit, for example
    a week). Actual repeat purchases are purchase days after each customer's first
    (several orders on one day count once).

    Returns
    -------
    pandas.DataFrame
        ``step`` (1, 2, ...), ``date`` (end of the step), ``actual``, ``expected``
        (cumulative).

    Examples
    --------
    >>> import retention_kit as rk
    >>> tx = rk.datasets.load_cdnow(sample=True)
    >>> s = rk.rfm_summary(tx, freq="D", freq_multiplier=7, observation_end="1997-09-30")
    >>> track = cumulative_repeat_transactions(rk.fit_bgnbd(s), tx, start="1997-01-01", end="1998-06-30")
    >>> len(track), int(track["actual"].iloc[-1])
    (78, 4339)
    """
    transactions = _check_transactions(transactions)
    model_unit = _model_unit(model)
    if model_unit is None:
        if unit_days is None:
            raise RetentionDataError(
                "model: it does not record the time unit of the data it was fitted on; fit it with "
                "the kit (rk.fit_bgnbd and the like), or pass unit_days= (the days per unit the "
                "model was fitted in).",
                parameter="model",
            )
        model_unit = float(unit_days)
    if unit_days is None:
        unit_days = model_unit
    t0, t1 = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    days = pd.DataFrame({"customer_id": transactions["customer_id"].to_numpy(),
                         "day": transactions["date"].dt.normalize().to_numpy()}).drop_duplicates()
    days = days[days["day"] <= t1]
    first = days.groupby("customer_id")["day"].transform("min")
    repeat_days = days.loc[days["day"] > first, "day"]
    n_steps = int(np.floor(((t1 - t0).days + 1) / unit_days))
    edges = t0 + pd.to_timedelta(np.arange(1, n_steps + 1) * unit_days, unit="D")
    actual = np.searchsorted(np.sort(repeat_days.to_numpy()), edges.to_numpy(), side="left")
    firsts = days.groupby("customer_id")["day"].min()
    cohort = firsts.value_counts()
    expected = np.zeros(n_steps)
    for first_day, count in cohort.items():
        age = (edges - first_day).days.to_numpy() / model_unit
        alive = age > 0
        if alive.any():
            expected[alive] += count * np.asarray(model.expected_number_of_purchases_up_to_time(age[alive]))
    return pd.DataFrame({"step": np.arange(1, n_steps + 1), "date": edges - pd.Timedelta(days=1),
                         "actual": actual, "expected": expected})


@validate_params(
    model=Fitted(),
    transactions=Log(),
    customer_id=Anything(what="a customer id"),
    end=DateLike(),
    freq=SUMMARY_FREQ,
    freq_multiplier=[MULTIPLIER, None],
)
def p_alive_history(
    model: TransactionModel,
    transactions: TableLike,
    *,
    customer_id: Any,
    end: str | pd.Timestamp,
    freq: str = "D",
    freq_multiplier: float | None = None,
) -> pd.DataFrame:
    """P(alive) of one customer on every day from their first purchase to ``end``.

    Replaces ``lifetimes.plotting.plot_history_alive``, which fails on pandas 3. The
    summary is rebuilt each day, its purchases grouped into periods of ``freq``, with
    times in the model's unit (``model.unit_days_``): by default ``freq_multiplier``
    is the one that gives that unit (7 for a model fitted in weeks with ``freq="D"``),
    and a ``freq_multiplier`` given explicitly must give it too.

    Examples
    --------
    >>> import retention_kit as rk
    >>> tx = rk.datasets.load_cdnow(sample=True)
    >>> s = rk.rfm_summary(tx, freq="D", freq_multiplier=7, observation_end="1997-09-30")
    >>> h = p_alive_history(rk.fit_bgnbd(s), tx, customer_id="0001", end="1998-06-30")
    >>> float(h["p_alive"].iloc[0])
    1.0
    """
    transactions = _check_transactions(transactions)
    own = transactions[transactions["customer_id"] == customer_id]
    if own.empty:
        raise RetentionDataError(f"customer_id={customer_id!r}: no purchases of this customer.")
    if freq not in _UNIT_DAYS:
        raise RetentionDataError(f"freq={freq!r}: expected 'D', 'W' or 'M'.", parameter="freq",
                                 options=tuple(_UNIT_DAYS))
    model_unit = _model_unit(model)
    if freq_multiplier is None:
        if model_unit is None:
            raise RetentionDataError(
                "model: it does not record the time unit of the data it was fitted on; fit it with "
                "the kit (rk.fit_bgnbd and the like), or pass freq_multiplier= (the one of the "
                "summary the model was fitted on).",
                parameter="model",
            )
        multiplier = model_unit / _UNIT_DAYS[freq]
    else:
        multiplier = float(freq_multiplier)
        if model_unit is not None and not np.isclose(_UNIT_DAYS[freq] * multiplier, model_unit):
            raise RetentionDataError(
                f"freq_multiplier={freq_multiplier!r}: with freq={freq!r} it measures time in units of "
                f"{_UNIT_DAYS[freq] * multiplier:g} days, but the model was fitted on a summary in units "
                f"of {model_unit:g} days. Mixing units silently mis-scales every prediction; leave "
                "freq_multiplier out to use the model's.",
                parameter="freq_multiplier",
            )
    purchase_days = np.unique(_periods(_engine.day_numbers(own["date"]), freq))
    first = purchase_days[0]
    end_day = int(np.datetime64(pd.Timestamp(end).normalize().to_datetime64(), "D").astype(np.int64))
    grid = np.arange(first, end_day + 1)
    count = np.searchsorted(purchase_days, grid, side="right")
    last = purchase_days[count - 1]
    scale = _unit_length(freq) * multiplier
    p = model.conditional_probability_alive(count - 1.0, (last - first) / scale, (grid - first) / scale)
    return pd.DataFrame({"date": grid.astype("datetime64[D]").astype("datetime64[us]"),
                         "p_alive": np.asarray(p, dtype=float), "purchase": np.isin(grid, purchase_days)})


_SEGMENTS = [  # (name, recency scores, frequency-monetary scores), first match wins
    ("Champions", (5, 5), (4, 5)),
    ("Loyal", (3, 5), (4, 5)),
    ("Potential loyalists", (4, 5), (2, 3)),
    ("New", (5, 5), (1, 1)),
    ("Promising", (4, 4), (1, 1)),
    ("Need attention", (3, 3), (2, 3)),
    ("About to sleep", (3, 3), (1, 1)),
    ("Can't lose them", (1, 2), (5, 5)),
    ("At risk", (1, 2), (3, 4)),
    ("Hibernating", (1, 2), (2, 2)),
    ("Lost", (1, 2), (1, 1)),
]


@validate_params(
    transactions=Log(),
    observation_end=DateLike(),
    bins=Integer(low=2),
)
def rfm_segments(
    transactions: TableLike,
    *,
    observation_end: str | pd.Timestamp,
    bins: int = 5,
) -> pd.DataFrame:
    """RFM scores and named segments: segment customers by purchase pattern.

    For each customer: recency (days since the last purchase up to the end of
    ``observation_end``), frequency (purchase days) and monetary value (total
    spend). Each becomes a score from 1 to ``bins`` by its percentile rank (5 =
    most recent, most frequent, highest spend; tied customers share the lowest rank
    of their tie, so equal histories always get equal scores); ``fm`` is the rounded mean of
    the frequency and monetary scores. Segments follow the common R x FM grid:

    ============================ ========= ==========
    segment                      R score   FM score
    ============================ ========= ==========
    Champions                    5         4-5
    Loyal                        3-5       4-5
    Potential loyalists          4-5       2-3
    New                          5         1
    Promising                    4         1
    Need attention               3         2-3
    About to sleep               3         1
    Can't lose them              1-2       5
    At risk                      1-2       3-4
    Hibernating                  1-2       2
    Lost                         1-2       1
    ============================ ========= ==========

    (first match from the top; only defined for ``bins=5``, other values give scores
    without segment names).

    Examples
    --------
    >>> import retention_kit as rk
    >>> seg = rfm_segments(rk.datasets.load_cdnow(sample=True), observation_end="1998-06-30")
    >>> int(seg["segment"].isna().sum()), seg["r"].between(1, 5).all()
    (0, np.True_)
    """
    transactions = _check_transactions(transactions)
    if "amount" not in transactions.columns:
        raise RetentionDataError("transactions: RFM needs an 'amount' column (load with amount_col=...).")
    dates = transactions["date"]
    end = _read_end(observation_end, first=dates.min(), last=dates.max())
    kept = transactions[dates <= end + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)]
    grouped = kept.assign(day=kept["date"].dt.normalize()).groupby("customer_id")
    table = pd.DataFrame({
        "recency_days": (end - grouped["day"].max()).dt.days,
        "frequency": grouped["day"].nunique(),
        "monetary": grouped["amount"].sum(),
    })

    def score(values: pd.Series, ascending: bool) -> pd.Series:
        # tied customers share a score (ranking them "first" would score them by row
        # order); with many ties some scores stay empty, which is honest
        ranks = values.rank(method="min", ascending=ascending) / len(values)
        return np.clip(np.ceil(ranks * bins), 1, bins).astype(int)

    table["r"] = score(-table["recency_days"], True)
    table["f"] = score(table["frequency"], True)
    table["m"] = score(table["monetary"], True)
    table["fm"] = np.floor((table["f"] + table["m"]) / 2 + 0.5).astype(int)
    if bins == 5:
        segment = pd.Series(pd.NA, index=table.index, dtype="object")
        for name, (r_lo, r_hi), (fm_lo, fm_hi) in _SEGMENTS:
            hit = segment.isna() & table["r"].between(r_lo, r_hi) & table["fm"].between(fm_lo, fm_hi)
            segment[hit] = name
        table["segment"] = segment.fillna("Other")
    return table
