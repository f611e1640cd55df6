"""Contractual retention: the shifted-beta-geometric model and Kaplan-Meier tenure curves."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import optimize

from .inputs import TableLike
from . import _engine
from .activity import subscriptions_activity
from .errors import ConvergenceError, RetentionDataError
from .models.sbg import SBGFit
from .validation import DateLike, Log, Number, Text, Values, validate_params

__all__ = ["SBGFit", "fit_sbg", "tenure_table", "kaplan_meier", "kaplan_meier_estimate"]


@validate_params(alive=Values(what="survivor counts for periods 0..n (a list or array)"))
def fit_sbg(alive: Sequence[int] | np.ndarray) -> SBGFit:
    """Fit the shifted-beta-geometric model to one cohort's survivor counts.

    Parameters
    ----------
    alive : sequence of int
        Customers of one cohort still active at periods 0, 1, ..., n; the first value
        is the cohort size. Counts may not increase (reactivations are not part of
        this model).

    Returns
    -------
    SBGFit
        Estimates of alpha and beta, the log-likelihood, and methods for S(t), r_t and
        projections.

    Notes
    -----
    The log-likelihood of survivor counts :math:`n_0 \\ge n_1 \\ge \\dots \\ge n_n` is

    .. math::

        LL(\\alpha, \\beta) = \\sum_{t=1}^{n} (n_{t-1} - n_t) \\ln P(T = t)
                             + n_n \\ln S(n),

    maximised with scipy over :math:`\\ln\\alpha, \\ln\\beta`.

    References
    ----------
    Fader, P. S. and Hardie, B. G. S. (2007), "How to project customer retention",
    Journal of Interactive Marketing 21(1), 76-90.

    Examples
    --------
    The paper's "regular" customers, years 0-7:

    >>> fit = fit_sbg([1000, 631, 468, 382, 326, 289, 262, 241])
    >>> round(fit.alpha, 3), round(fit.beta, 3)
    (0.704, 1.182)
    >>> [round(float(x)) for x in fit.projected_alive([8, 9, 10, 11, 12])]
    [220, 204, 191, 180, 170]

    (The paper observed 223, 207, 194, 183 and 173 in those years.)
    """
    counts = np.asarray(alive)
    if counts.ndim != 1 or len(counts) < 2:
        raise RetentionDataError(
            "alive: expected survivor counts for periods 0..n, at least two values "
            "(the cohort size and one later count)."
        )
    if not np.issubdtype(counts.dtype, np.number) or not np.all(np.isfinite(counts)):
        raise RetentionDataError(f"alive: expected finite numbers, got {list(alive)!r}.")
    if (counts < 0).any() or not np.allclose(counts, np.round(counts)):
        raise RetentionDataError(f"alive: expected whole, non-negative counts, got {list(alive)!r}.")
    counts = np.round(counts).astype(np.int64)
    if counts[0] <= 0:
        raise RetentionDataError("alive: the cohort size (first value) must be positive.")
    rising = np.flatnonzero(np.diff(counts) > 0)
    if len(rising):
        t = int(rising[0]) + 1
        raise RetentionDataError(
            f"alive: the count rises from period {t - 1} ({counts[t - 1]}) to period {t} "
            f"({counts[t]}). Survivor counts of one cohort cannot grow: count each customer "
            "once, at their first loss, and leave reactivations out."
        )
    lost = -np.diff(counts)
    if lost.sum() == 0:
        raise RetentionDataError(
            "alive: no customer was lost in any period, so the churn probabilities cannot be "
            "estimated (the likelihood keeps rising as churn goes to zero). Use a longer history."
        )

    def negative_ll(params: np.ndarray) -> float:
        return -SBGFit._counts_log_likelihood(params, counts)

    result = optimize.minimize(negative_ll, x0=np.zeros(2), method="Nelder-Mead",
                               options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 10_000})
    if not result.success or not np.all(np.isfinite(result.x)):
        raise ConvergenceError(
            f"alive: the sBG fit did not converge ({result.message}). With no losses at all, "
            "or losses in a single period, the data cannot pin down two parameters.",
            parameter="alive",
        )
    a, b = np.exp(result.x)
    return SBGFit(alpha=float(a), beta=float(b), log_likelihood=float(-result.fun),
                  alive=tuple(int(c) for c in counts))


@validate_params(
    subscriptions=Log(),
    observation_end=[DateLike(), None],
    by=[Text(what="a column name"), None],
)
def tenure_table(
    subscriptions: TableLike,
    *,
    observation_end: str | pd.Timestamp,
    by: str | None = None,
) -> pd.DataFrame:
    """Each customer's first tenure: from their first spell's start to their first churn.

    Plan changes do not end a tenure; a gap does. Customers still active on
    ``observation_end`` are right-censored (``churned`` is False and the tenure runs to
    the end of that day).

    Parameters
    ----------
    subscriptions : pandas.DataFrame, or a Polars, DuckDB or PySpark table (collected to pandas)
        Spells from :func:`load_subscriptions`.
    observation_end : date
        Last day the data covers. Required so that results are reproducible: the same
        table gives the same curve whenever it is run.
    by : str, optional
        A column of the table to attach, taken from the customer's first spell (for
        example ``"plan"`` or ``"segment"``).

    Returns
    -------
    pandas.DataFrame
        ``customer_id, start, tenure_days, churned`` and ``by`` if given.

    Examples
    --------
    >>> import pandas as pd
    >>> spells = pd.DataFrame({
    ...     "customer_id": ["a", "a", "b"],
    ...     "start_date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-10"]),
    ...     "end_date": pd.to_datetime(["2024-02-01", "2024-03-01", None]),
    ... })
    >>> tenure_table(spells, observation_end="2024-03-31")
      customer_id      start  tenure_days  churned
    0           a 2024-01-01           60     True
    1           b 2024-01-10           82    False
    """
    if observation_end is None:
        raise RetentionDataError(
            "observation_end: pass the last day the data covers explicitly, so that the "
            "censoring (and the curve) does not change with the day the code runs."
        )
    act = subscriptions_activity(subscriptions, observation_end=observation_end)
    cust, a, b = _engine.activity_runs(act.codes, act.active_from, act.active_to)
    if by is not None and by not in subscriptions.columns:
        raise RetentionDataError(
            f"by={by!r}: no such column; available: {list(subscriptions.columns)}."
        )
    first_run = np.ones(len(cust), dtype=bool)
    first_run[1:] = cust[1:] != cust[:-1]
    cust, a, b = cust[first_run], a[first_run], b[first_run]
    end_snapshot = act.end_snapshot
    churned = b <= end_snapshot
    # run [a, b) in snapshot days: the tenure starts on day a - 1 and ends with the churn
    # on day b - 1, or is censored at the end of the observation (snapshot end_snapshot)
    stop = np.where(churned, b - 1, end_snapshot)
    # one row per customer, ordered by id: the same whatever the order of the input rows
    by_id = np.argsort(_engine.id_rank(act.ids)[cust], kind="stable")
    cust, a, b, churned, stop = cust[by_id], a[by_id], b[by_id], churned[by_id], stop[by_id]
    out = pd.DataFrame({
        "customer_id": act.ids[cust],
        "start": (a - 1).astype("datetime64[D]").astype("datetime64[us]"),
        "tenure_days": (stop - (a - 1)).astype(np.int64),
        "churned": churned,
    })
    if by is not None:
        spells = pd.DataFrame({
            "code": act.codes,
            "start": act.active_from,
            "value": subscriptions[by].to_numpy()[act.source_rows],
        })
        # the first spell's value; spells starting the same day: the smallest value, so
        # that the row order of the table does not matter
        spells = spells.sort_values(["code", "start", "value"], kind="stable").drop_duplicates("code")
        out[by] = spells.set_index("code").loc[cust, "value"].to_numpy()
    return out


@validate_params(
    durations=Values(what="a list, array or Series of durations"),
    churned=Values(what="a list, array or Series of churn flags"),
    confidence=Number(low=0, high=1, closed="neither", what="a level",
                      text="a level strictly between 0 and 1, such as 0.95 for a 95 % interval"),
)
def kaplan_meier_estimate(
    durations: Sequence[float] | np.ndarray,
    churned: Sequence[bool] | np.ndarray,
    *,
    confidence: float = 0.95,
) -> pd.DataFrame:
    r"""The Kaplan-Meier (product-limit) estimator with a log(-log) Greenwood band.

    .. math::

        \hat S(t) = \prod_{t_i \le t} \left(1 - \frac{d_i}{n_i}\right), \qquad
        \widehat{\mathrm{Var}}[\ln \hat S(t)] = \sum_{t_i \le t} \frac{d_i}{n_i (n_i - d_i)}

    with :math:`d_i` churn events and :math:`n_i` customers at risk at time
    :math:`t_i`. The band is :math:`\exp(-\exp(\ln(-\ln \hat S) \mp z\,\sigma / \ln \hat S))`
    (the "exponential Greenwood" band of lifelines and R's ``conf.type = "log-log"``),
    which stays inside [0, 1].

    Parameters
    ----------
    durations : array of float
        Time observed for each customer (until churn, or until censoring).
    churned : array of bool
        True where the duration ends in churn, False where it is censored.
    confidence : float
        Level of the band.

    Returns
    -------
    pandas.DataFrame
        ``time, at_risk, churned, censored, survival, se, ci_lower, ci_upper``: a row
        for time 0 and for every distinct duration. ``se`` is NaN once the curve has
        reached 0 (the band is then [0, 0]).

    Examples
    --------
    Freireich et al. (1963), 6-MP group (weeks in remission; False = censored):

    >>> weeks = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
    >>> relapse = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
    >>> km = kaplan_meier_estimate(weeks, [bool(r) for r in relapse])
    >>> km.loc[km["churned"] > 0, ["time", "survival"]].round(3).to_numpy().tolist()
    [[6.0, 0.857], [7.0, 0.807], [10.0, 0.753], [13.0, 0.69], [16.0, 0.627], [22.0, 0.538], [23.0, 0.448]]
    """
    from scipy import stats

    t = np.asarray(durations, dtype=float)
    event = np.asarray(churned, dtype=bool)
    if t.shape != event.shape or t.ndim != 1 or len(t) == 0:
        raise RetentionDataError("durations and churned: expected two equally long, non-empty 1-d arrays.")
    if np.isnan(t).any() or (t < 0).any():
        raise RetentionDataError("durations: expected non-negative numbers without NaN.")
    times = np.unique(np.concatenate([[0.0], t]))
    order = np.searchsorted(times, t)
    deaths = np.bincount(order, weights=event, minlength=len(times))
    exits = np.bincount(order, minlength=len(times))
    at_risk = len(t) - np.concatenate([[0], np.cumsum(exits)[:-1]])
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(at_risk > 0, 1.0 - deaths / at_risk, 1.0)
        survival = np.cumprod(factor)
        increments = np.where(at_risk - deaths > 0, deaths / (at_risk * (at_risk - deaths)), np.inf)
        increments = np.where(deaths > 0, increments, 0.0)
        var_log = np.cumsum(increments)
        z = stats.norm.ppf(0.5 + confidence / 2)
        log_s = np.log(survival)
        spread = z * np.sqrt(var_log) / log_s
        lower = np.exp(-np.exp(np.log(-log_s) - spread))
        upper = np.exp(-np.exp(np.log(-log_s) + spread))
    lower = np.where(survival >= 1.0, 1.0, np.where(survival <= 0, 0.0, lower))
    upper = np.where(survival >= 1.0, 1.0, np.where(survival <= 0, 0.0, upper))
    return pd.DataFrame({
        "time": times,
        "at_risk": at_risk.astype(np.int64),
        "churned": deaths.astype(np.int64),
        "censored": (exits - deaths).astype(np.int64),
        "survival": survival,
        # Greenwood's standard error; undefined (NaN) once the curve has reached 0
        "se": np.where(survival > 0, survival * np.sqrt(np.where(survival > 0, var_log, 0.0)), np.nan),
        "ci_lower": lower,
        "ci_upper": upper,
    })


def _median(curve: pd.DataFrame) -> float:
    below = curve.loc[curve["survival"] <= 0.5, "time"]
    return float(below.iloc[0]) if len(below) else float("inf")


@validate_params(
    subscriptions=Log(),
    observation_end=[DateLike(), None],
    by=[Text(what="a column name"), None],
    unit_days=Number(low=0, closed="neither", what="a number of days"),
)
def kaplan_meier(
    subscriptions: TableLike,
    *,
    observation_end: str | pd.Timestamp,
    by: str | None = None,
    unit_days: float = 30.4375,
) -> pd.DataFrame:
    """Kaplan-Meier survival of subscription tenure, with right censoring.

    Each customer's first tenure (see :func:`tenure_table`) is one observation:
    churned customers are events, customers still subscribed at ``observation_end``
    are censored. The estimator is :func:`kaplan_meier_estimate`, the same
    product-limit estimate and log(-log) band as lifelines' ``KaplanMeierFitter``
    (lifelines itself is not a dependency: its newest release caps pandas below 3).

    Parameters
    ----------
    subscriptions : pandas.DataFrame, or a Polars, DuckDB or PySpark table (collected to pandas)
        Spells from :func:`load_subscriptions`.
    observation_end : date
        Last day the data covers (see :func:`tenure_table`).
    by : str, optional
        A column to split the curves by (taken from each customer's first spell).
    unit_days : float
        Length of the time unit of the result; the default is an average month.

    Returns
    -------
    pandas.DataFrame
        ``group, time, at_risk, churned, censored, survival, se, ci_lower, ci_upper``
        (95 % band), one row per distinct tenure per group; ``time`` in units of
        ``unit_days``. ``df.attrs["median"]`` maps each group to its median tenure (inf
        while more than half are still subscribed).

    Examples
    --------
    >>> import pandas as pd
    >>> spells = pd.DataFrame({
    ...     "customer_id": ["a", "b", "c", "d"],
    ...     "start_date": pd.to_datetime(["2024-01-01"] * 4),
    ...     "end_date": pd.to_datetime(["2024-01-31", "2024-03-01", None, "2024-03-01"]),
    ... })
    >>> km = kaplan_meier(spells, observation_end="2024-06-30", unit_days=1)
    >>> km[["time", "survival"]].to_numpy().round(3).tolist()
    [[0.0, 1.0], [30.0, 0.75], [60.0, 0.25], [182.0, 0.25]]
    >>> km.attrs["median"]
    {'all': 60.0}
    """
    tenures = tenure_table(subscriptions, observation_end=observation_end, by=by)
    if by is not None:
        # a customer without a segment value is a group of its own, never dropped
        tenures[by] = tenures[by].astype(object).where(tenures[by].notna(), "(missing)")
    groups = [("all", tenures)] if by is None else list(tenures.groupby(by, sort=True))
    frames, medians = [], {}
    for name, part in groups:
        curve = kaplan_meier_estimate(part["tenure_days"] / unit_days, part["churned"].to_numpy())
        curve.insert(0, "group", str(name))
        frames.append(curve)
        medians[str(name)] = _median(curve)
    out = pd.concat(frames, ignore_index=True)
    out.attrs["median"] = medians
    out.attrs["observation_end"] = str(pd.Timestamp(observation_end).date())
    return out
