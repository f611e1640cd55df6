"""Revenue churn for subscriptions: MRR movements, gross and net revenue churn, GRR and NRR."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .inputs import TableLike
from .activity import Activity, day, subscriptions_activity
from .errors import RetentionDataError
from .validation import (
    CALENDAR, FISCAL_YEAR_START, OBSERVATION_END, WEEK_START, DateLike, Freq, Integer, Log, validate_params,
)
from .periods import complete_periods, period_columns

__all__ = ["mrr_movements", "revenue_retention", "revenue_retention_table"]


def _mrr_activity(subscriptions: pd.DataFrame, observation_end: object) -> tuple[Activity, np.ndarray]:
    act = subscriptions_activity(subscriptions, observation_end=observation_end)
    if "mrr" not in subscriptions.columns:
        raise RetentionDataError(
            "subscriptions: no 'mrr' column. Load the table with "
            "retention_kit.load_subscriptions(..., mrr_col='your MRR column')."
        )
    mrr = subscriptions["mrr"].to_numpy(dtype=float)[act.source_rows]
    if np.isnan(mrr).any() or (mrr < 0).any():
        raise RetentionDataError(
            "subscriptions['mrr']: blank or negative values; load the table with "
            "retention_kit.load_subscriptions(...), which checks them."
        )
    return act, mrr


def _mrr_at(act: Activity, mrr: np.ndarray, snapshots: np.ndarray) -> np.ndarray:
    """Each customer's MRR at each snapshot day: a (customers x snapshots) matrix."""
    lo = np.searchsorted(snapshots, act.active_from, side="left")
    hi = np.searchsorted(snapshots, act.active_to, side="left")
    counts = np.clip(hi - lo, 0, None)
    spell = np.repeat(np.arange(len(lo)), counts)
    offsets = np.cumsum(counts) - counts
    k = lo[spell] + (np.arange(counts.sum()) - offsets[spell])
    out = np.zeros((len(act.ids), len(snapshots)))
    np.add.at(out, (act.codes[spell], k), mrr[spell])
    return out


@validate_params(
    subscriptions=Log(),
    freq=Freq(),
    observation_end=OBSERVATION_END,
    week_start=WEEK_START,
    calendar=CALENDAR,
    fiscal_year_start=FISCAL_YEAR_START,
)
def mrr_movements(
    subscriptions: TableLike,
    *,
    freq: str = "M",
    observation_end: str | pd.Timestamp | None = None,
    week_start: str | None = None,
    calendar: str = "gregorian",
    fiscal_year_start: int = 1,
) -> pd.DataFrame:
    """Monthly recurring revenue per period, split into its movements.

    Each customer's MRR (the sum over their live spells) is compared between the start
    and the end of the period:

    - ``new``: MRR of customers not subscribed at the start whose first spell starts in
      the period;
    - ``reactivation``: MRR of customers not subscribed at the start who had been
      customers before;
    - ``expansion`` / ``contraction``: increases / decreases of customers subscribed at
      both ends (upgrades, downgrades; a free plan turning paid is expansion);
    - ``churned``: MRR at the start of customers no longer subscribed at the end.

    The movements add up:
    ``mrr_start + new + expansion - contraction - churned + reactivation = mrr_end``.
    A customer who leaves and comes back inside one period shows only the net change.

    .. math::

        \\text{gross revenue churn} = \\frac{\\text{churned} + \\text{contraction}}{\\text{MRR at start}},
        \\qquad
        \\text{net revenue churn} = \\frac{\\text{churned} + \\text{contraction} - \\text{expansion}}{\\text{MRR at start}}

    Net revenue churn is the articles' formula; negative means the existing customers'
    expansion outgrew what was lost (net expansion). Both are in percent, NaN with a
    ``note`` when there was no MRR at the start.

    Parameters
    ----------
    subscriptions : pandas.DataFrame, or a Polars, DuckDB or PySpark table (collected to pandas)
        Spells from :func:`load_subscriptions` with an ``mrr`` column.
    freq : {"M", "Q", "Y", "W", "D"}
        Period length; only complete periods are reported.
    observation_end : date, optional
        Last day the data covers.
    week_start : str, optional
        First day of a week for ``freq="W"`` (default Monday; Saturday in the Jalali
        calendar).
    calendar : {"gregorian", "jalali"}
        Calendar of the periods: Jalali months, seasons (quarters), years starting at
        Nowruz and weeks starting Saturday with ``"jalali"`` (see
        :mod:`retention_kit.periods`).
    fiscal_year_start : int
        Month (1-12) a fiscal year starts in, for Gregorian ``freq="Q"`` or ``"Y"``; the
        fiscal year is named by the calendar year it ends in (``FY2025``, ``FY2025Q1``).
        1 (default) gives calendar quarters and years.

    Returns
    -------
    pandas.DataFrame
        ``period, period_start, period_end, mrr_start, new, expansion, contraction, churned, reactivation, mrr_end,
        gross_revenue_churn, net_revenue_churn, note``.

    Examples
    --------
    >>> import pandas as pd
    >>> spells = pd.DataFrame({
    ...     "customer_id": ["a", "a", "b", "c"],
    ...     "start_date": pd.to_datetime(["2024-01-01", "2024-02-10", "2024-01-05", "2024-02-03"]),
    ...     "end_date": pd.to_datetime(["2024-02-10", None, "2024-02-20", None]),
    ...     "mrr": [100.0, 150.0, 50.0, 30.0],
    ... })
    >>> m = mrr_movements(spells, observation_end="2024-02-29")
    >>> [float(x) for x in m.iloc[1][["mrr_start", "new", "expansion", "churned", "mrr_end"]]]
    [150.0, 30.0, 50.0, 50.0, 180.0]
    >>> round(float(m.iloc[1]["net_revenue_churn"]), 2)
    0.0
    """
    act, mrr = _mrr_activity(subscriptions, observation_end)
    periods, bounds = complete_periods(act.first_event, act.observation_end, freq, week_start=week_start,
                                       calendar=calendar, fiscal_year_start=fiscal_year_start)
    matrix = _mrr_at(act, mrr, bounds)
    live = _mrr_at(act, np.ones(len(mrr)), bounds) > 0  # subscribed, paying or not
    m0, m1 = matrix[:, :-1], matrix[:, 1:]
    had, has = live[:, :-1], live[:, 1:]
    first_new = act.first_day[:, None] >= bounds[None, :-1]
    both = had & has
    table = period_columns(periods, bounds)
    table["mrr_start"] = m0.sum(axis=0)
    table["new"] = np.where(~had & has & first_new, m1, 0).sum(axis=0)
    table["expansion"] = np.where(both & (m1 > m0), m1 - m0, 0).sum(axis=0)
    table["contraction"] = np.where(both & (m1 < m0), m0 - m1, 0).sum(axis=0)
    table["churned"] = np.where(had & ~has, m0, 0).sum(axis=0)
    table["reactivation"] = np.where(~had & has & ~first_new, m1, 0).sum(axis=0)
    table["mrr_end"] = m1.sum(axis=0)
    start = table["mrr_start"].to_numpy()
    lost = (table["churned"] + table["contraction"]).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        table["gross_revenue_churn"] = np.where(start > 0, 100.0 * lost / start, np.nan)
        table["net_revenue_churn"] = np.where(
            start > 0, 100.0 * (lost - table["expansion"].to_numpy()) / start, np.nan
        )
    table["note"] = np.where(start > 0, "", "no MRR at the start of the period: revenue churn undefined")
    table.attrs["observation_end"] = str(act.observation_end.date())
    return table


@validate_params(
    subscriptions=Log(),
    start=DateLike(),
    end=DateLike(),
    observation_end=OBSERVATION_END,
)
def revenue_retention(
    subscriptions: TableLike,
    *,
    start: str | pd.Timestamp,
    end: str | pd.Timestamp,
    observation_end: str | pd.Timestamp | None = None,
) -> dict[str, float]:
    """Gross and net revenue retention (GRR, NRR) of the customers paying at ``start``.

    Only customers with MRR at the start of the window count; customers acquired during
    it are left out, so growth from new business cannot hide losses.

    .. math::

        \\mathrm{GRR} = \\frac{\\sum_i \\min(m_i^{end}, m_i^{start})}{\\sum_i m_i^{start}},
        \\qquad
        \\mathrm{NRR} = \\frac{\\sum_i m_i^{end}}{\\sum_i m_i^{start}}

    GRR counts churn and downgrades only (at most 100 %); NRR adds upgrades and can pass
    100 %.

    Parameters
    ----------
    subscriptions : pandas.DataFrame, or a Polars, DuckDB or PySpark table (collected to pandas)
        Spells from :func:`load_subscriptions` with an ``mrr`` column.
    start, end : date
        The window: MRR at the start of day ``start`` versus the start of day ``end``
        (a 12-month lookback: ``start="2024-07-01", end="2025-07-01"``).
    observation_end : date, optional
        Last day the data covers.

    Returns
    -------
    dict
        ``customers`` (paying at the start), ``mrr_start``, ``mrr_end`` (of those same
        customers), ``grr`` and ``nrr`` in percent.

    Examples
    --------
    >>> import pandas as pd
    >>> spells = pd.DataFrame({
    ...     "customer_id": ["a", "b", "b", "c", "d"],
    ...     "start_date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-06-01", "2024-01-01", "2024-03-01"]),
    ...     "end_date": pd.to_datetime(["2024-04-01", "2024-06-01", None, None, None]),
    ...     "mrr": [100.0, 100.0, 180.0, 100.0, 500.0],
    ... })
    >>> r = revenue_retention(spells, start="2024-02-01", end="2024-12-01", observation_end="2024-12-31")
    >>> r["customers"], r["mrr_start"], r["mrr_end"], round(r["grr"], 1), round(r["nrr"], 1)
    (3, 300.0, 280.0, 66.7, 93.3)
    """
    act, mrr = _mrr_activity(subscriptions, observation_end)
    try:
        t0, t1 = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    except (TypeError, ValueError):
        raise RetentionDataError(f"start={start!r}, end={end!r}: expected dates.") from None
    if t1 <= t0:
        raise RetentionDataError(f"end={t1.date()} is not after start={t0.date()}.")
    if day(t1) > act.end_snapshot:
        raise RetentionDataError(
            f"end={t1.date()}: the data is observed only to {act.observation_end.date()}; "
            f"the window must end by {(act.observation_end + pd.Timedelta(days=1)).date()}."
        )
    matrix = _mrr_at(act, mrr, np.array([day(t0), day(t1)]))
    paying = matrix[:, 0] > 0
    m0, m1 = matrix[paying, 0], matrix[paying, 1]
    if not paying.any():
        raise RetentionDataError(
            f"start={t0.date()}: no customer was paying at the start of the window, so GRR and "
            "NRR are undefined. Choose a later start."
        )
    total = float(m0.sum())
    return {
        "customers": int(paying.sum()),
        "mrr_start": total,
        "mrr_end": float(m1.sum()),
        "grr": 100.0 * float(np.minimum(m0, m1).sum()) / total,
        "nrr": 100.0 * float(m1.sum()) / total,
    }


@validate_params(
    subscriptions=Log(),
    months=Integer(low=1, unit="months"),
    every=Integer(low=1, unit="months"),
    observation_end=OBSERVATION_END,
)
def revenue_retention_table(
    subscriptions: TableLike,
    *,
    months: int = 12,
    every: int = 6,
    observation_end: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """GRR and NRR over trailing windows of ``months`` months, one every ``every`` months.

    Windows end on calendar month starts that are multiples of ``every`` months into the
    year (every 6: January 1 and July 1), from the first window with paying customers at
    its start to the last one observed to its end. See :func:`revenue_retention`.

    Returns
    -------
    pandas.DataFrame
        ``start, end, customers, mrr_start, mrr_end, grr, nrr``.

    Examples
    --------
    >>> import retention_kit as rk
    >>> t = revenue_retention_table(rk.datasets.load_sample_subscriptions())
    >>> [str(d.date()) for d in t["end"]][:2]
    ['2023-07-01', '2024-01-01']
    """
    act, _ = _mrr_activity(subscriptions, observation_end)
    first = act.first_event.normalize()
    last_end = act.observation_end + pd.Timedelta(days=1)
    candidates = pd.date_range(first.replace(day=1), last_end, freq="MS")
    ends = [e for e in candidates if (e.month - 1) % every == 0 and e - pd.DateOffset(months=months) >= first]
    rows = []
    for end in ends:
        start = end - pd.DateOffset(months=months)
        try:
            r = revenue_retention(subscriptions, start=start, end=end, observation_end=act.observation_end)
        except RetentionDataError:
            continue  # nobody paying at the start of this window
        rows.append({"start": start, "end": end, **r})
    if not rows:
        raise RetentionDataError(
            f"months={months}: the data ({first.date()} to {act.observation_end.date()}) holds no "
            "complete window with paying customers at its start."
        )
    return pd.DataFrame(rows, columns=["start", "end", "customers", "mrr_start", "mrr_end", "grr", "nrr"])
