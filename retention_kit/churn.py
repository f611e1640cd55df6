"""Customer churn under every common definition, side by side.

The source articles define churn as the complement of retention, give a yearly formula
that is really net customer loss, and the industry adds half a dozen denominators. This
module computes them all from the same activity runs, so the differences come from the
definitions alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .inputs import TableLike
from . import _engine
from .activity import Activity, activity, day
from .errors import RetentionDataError
from .validation import (
    ACTIVE_DAYS, CALENDAR, FISCAL_YEAR_START, OBSERVATION_END, WEEK_START, DateLike, Freq, Log, Options,
    validate_params,
)
from .periods import complete_periods, period_columns

__all__ = ["CHURN_METHODS", "churn_rate", "churn_table"]

#: Every churn definition the kit computes: name -> (formula, when to use it).
CHURN_METHODS: Mapping[str, tuple[str, str]] = {
    "per_start": (
        "churn events / S",
        "the usual headline number: lost customers against the base you started with; "
        "inflated when many customers join and leave inside the period",
    ),
    "start_plus_new": (
        "churn events / (S + customers acquired in the period)",
        "fast-growing or high-turnover businesses, where customers who join and leave "
        "inside the period would otherwise be charged against S alone",
    ),
    "average": (
        "churn events / ((S + E) / 2)",
        "a common compromise in management reports: damps the effect of growth or "
        "shrinkage on the denominator",
    ),
    "customer_days": (
        "churn events / (customer-days / days in period)",
        "time-weighted (a hazard rate per average customer): compares periods of "
        "different length and businesses growing fast; needs daily data",
    ),
    "daily": (
        "sum over days of churn events that day / customers at the start of that day",
        "sums daily hazards; close to customer_days when the base changes slowly, and "
        "like it needs daily data",
    ),
    "cohort": (
        "starting customers not active at the end / S",
        "retention of the opening base: those who left and came back within the period "
        "are not counted; equals 100 - start_retention of customer_counts",
    ),
    "exclude_new": (
        "churn events of customers present at the start / S",
        "churn of the opening base only: customers who joined and left inside the period "
        "are ignored, but a starting customer who left and came back still counts",
    ),
    "net_loss": (
        "(S - E) / S",
        "the articles' 'yearly churn' formula: net customer loss, not churn; new customers "
        "offset losses and it turns negative when the business grows",
    ),
    "complement": (
        "100 - CRR, with CRR = (E - N) / S and N every customer acquired in the period",
        "the articles' 'churn + retention = 100 %'; win-backs count as retained, and "
        "customers acquired and lost inside the period count as churned; equals "
        "100 - crr of customer_counts",
    ),
}


@dataclass(frozen=True)
class _PeriodStats:
    start: int
    end: int
    acquired: int
    new_active: int
    events: int
    events_of_start: int
    start_not_at_end: int
    customer_days: float
    daily_sum: float
    daily_ok: bool
    days: int


class _Runs:
    """Merged activity runs of a table, queried period by period."""

    def __init__(self, act: Activity) -> None:
        self.act = act
        self.cust, self.a, self.b = _engine.activity_runs(act.codes, act.active_from, act.active_to)
        # a run [a, b) ends with a churn event on day b - 1, if that day was observed
        self.event_day = self.b - 1
        self.first_day = act.first_day

    def stats(self, p0: int, p1: int) -> _PeriodStats:
        a, b, cust = self.a, self.b, self.cust
        at_start = (a <= p0) & (p0 < b)
        at_end = (a <= p1) & (p1 < b)
        in_period = (self.event_day >= p0) & (self.event_day < p1)
        start_customers = np.zeros(len(self.first_day), dtype=bool)
        start_customers[cust[at_start]] = True
        end_customers = np.zeros(len(self.first_day), dtype=bool)
        end_customers[cust[at_end]] = True
        acquired = (self.first_day >= p0) & (self.first_day < p1)
        overlap = np.clip(np.minimum(b, p1) - np.maximum(a, p0), 0, None)
        # daily: customers at the start of each day and the churn events of that day
        days = p1 - p0
        touching = (a < p1) & (b > p0)
        diff = np.zeros(days + 1, dtype=np.int64)
        np.add.at(diff, np.clip(a[touching], p0, p1) - p0, 1)
        np.add.at(diff, np.clip(b[touching], p0, p1) - p0, -1)
        active_by_day = np.cumsum(diff)[:days]
        events_by_day = np.bincount(self.event_day[in_period] - p0, minlength=days)
        with_customers = active_by_day > 0
        return _PeriodStats(
            start=int(at_start.sum()),
            end=int(at_end.sum()),
            acquired=int(acquired.sum()),
            new_active=int((acquired & end_customers).sum()),
            events=int(in_period.sum()),
            events_of_start=int((in_period & start_customers[cust]).sum()),
            start_not_at_end=int((start_customers & ~end_customers).sum()),
            customer_days=float(overlap.sum()),
            daily_sum=float((events_by_day[with_customers] / active_by_day[with_customers]).sum()),
            daily_ok=bool(with_customers.any()),
            days=days,
        )


def _rate(stats: _PeriodStats, method: str) -> tuple[float, str]:
    """The rate in percent, or NaN with the reason it is undefined."""
    s = stats
    if method == "start_plus_new":
        denominator, reason = s.start + s.acquired, "no customers at the start and none acquired"
        return (100.0 * s.events / denominator, "") if denominator else (np.nan, reason)
    if method == "average":
        denominator = (s.start + s.end) / 2
        return (100.0 * s.events / denominator, "") if denominator else (np.nan, "no customers at the start or the end")
    if method == "customer_days":
        average = s.customer_days / s.days
        return (100.0 * s.events / average, "") if average else (np.nan, "no customer-days in the period")
    if method == "daily":
        return (100.0 * s.daily_sum, "") if s.daily_ok else (np.nan, "no customers on any day of the period")
    if s.start == 0:
        return np.nan, "no customers at the start of the period"
    if method == "per_start":
        return 100.0 * s.events / s.start, ""
    if method == "cohort":
        return 100.0 * s.start_not_at_end / s.start, ""
    if method == "exclude_new":
        return 100.0 * s.events_of_start / s.start, ""
    if method == "net_loss":
        return 100.0 * (s.start - s.end) / s.start, ""
    if method == "complement":
        return 100.0 - 100.0 * (s.end - s.acquired) / s.start, ""
    raise RetentionDataError(
        f"method={method!r}: expected one of {', '.join(repr(m) for m in CHURN_METHODS)}."
    )


@validate_params(
    table=Log(),
    start=DateLike(),
    end=DateLike(),
    method=Options(*CHURN_METHODS),
    active_days=[ACTIVE_DAYS, None],
    observation_end=OBSERVATION_END,
)
def churn_rate(
    table: TableLike,
    *,
    start: str | pd.Timestamp,
    end: str | pd.Timestamp,
    method: str,
    active_days: int | None = None,
    observation_end: str | pd.Timestamp | None = None,
) -> float:
    """Customer churn rate of the period [start, end), in percent, by one definition.

    A *churn event* is a customer's activity ending: on a subscription table, the last
    live spell ending (a plan change, one spell ending the day the next starts, is not
    churn; a later spell after a gap is a reactivation); on a transaction log, the day
    the customer's last purchase becomes older than ``active_days``. S and E are the
    customers at the start and at the end of the period; N every customer acquired in
    it (first event inside the period), whether or not still a customer at its end.

    Methods (formula; who uses it):

    - ``"per_start"``: events / S. The usual headline number; inflated when many
      customers join and leave inside the period.
    - ``"start_plus_new"``: events / (S + customers acquired in the period). For
      high-turnover businesses, so that customers who join and leave inside the period
      are not charged against S alone. Reactivated customers are not in the denominator.
    - ``"average"``: events / ((S + E) / 2). A common compromise in management
      reports; damps the effect of growth on the denominator.
    - ``"customer_days"``: events / (customer-days / days in period), customer-days
      counting the customers at the start of each day. Time-weighted; compares periods
      of different length.
    - ``"daily"``: the sum over days of events that day / customers at the start of that
      day.
    - ``"cohort"``: starting customers not active at the end / S. Those who left and came
      back within the period are not counted. Equals ``100 - start_retention``.
    - ``"exclude_new"``: events of customers present at the start / S. Customers who
      joined and left inside the period are ignored.
    - ``"net_loss"``: (S - E) / S. The articles' yearly formula: net customer loss, not
      churn; negative when the business grows.
    - ``"complement"``: 100 - CRR, CRR = (E - N) / S with N every customer acquired in
      the period. The articles' "churn + retention = 100 %"; win-backs count as
      retained, newcomers lost inside the period as churned. Equals ``100 - crr`` of
      ``customer_counts``.

    :data:`CHURN_METHODS` holds these formulas and notes as data.

    Parameters
    ----------
    table : pandas.DataFrame, or a Polars, DuckDB or PySpark table (collected to pandas)
        A subscription table from :func:`load_subscriptions`, or a transaction log from
        :func:`load_transactions` (then ``active_days`` is required).
    start, end : date
        The period: from the start of day ``start`` to the start of day ``end``.
    method : str
        One of the names above.
    active_days : int, optional
        The activity rule for a transaction log (see :func:`customer_counts`).
    observation_end : date, optional
        Last day the data covers; ``end`` may be at most the day after it.

    Returns
    -------
    float
        The churn rate in percent.

    Raises
    ------
    RetentionDataError
        If the period is empty or not observed to its end, the method is unknown, or the
        rate is undefined (for example no customers at the start for ``"per_start"``).

    See Also
    --------
    churn_table : every method, period by period.

    Examples
    --------
    Five subscribers at the start of April; three leave (one of them comes back within
    the month), one joins and leaves, one joins and stays, one lapsed customer returns.

    >>> import pandas as pd
    >>> spells = pd.DataFrame({
    ...     "customer_id": ["A", "B", "C", "C", "D", "E", "F", "F", "G", "H", "H"],
    ...     "start_date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-02-01", "2024-04-25",
    ...         "2024-04-05", "2024-04-12", "2024-03-01", "2024-04-08", "2024-01-01",
    ...         "2024-01-01", "2024-04-18"]),
    ...     "end_date": pd.to_datetime([None, "2024-04-10", "2024-04-20", None, "2024-04-15",
    ...         None, "2024-04-08", None, "2024-04-30", "2024-03-20", None]),
    ... })
    >>> for m in CHURN_METHODS:
    ...     r = churn_rate(spells, start="2024-04-01", end="2024-05-01", method=m)
    ...     print(f"{m:15} {r:6.2f}")
    per_start        80.00
    start_plus_new   57.14
    average          80.00
    customer_days    72.73
    daily            66.67
    cohort           40.00
    exclude_new      60.00
    net_loss          0.00
    complement       40.00
    """
    act = activity(table, active_days=active_days, observation_end=observation_end)
    p0, p1 = _period_days(start, end, act)
    stats = _Runs(act).stats(p0, p1)
    value, reason = _rate(stats, method)
    if reason:
        raise RetentionDataError(
            f"method={method!r}: the churn rate of {pd.Timestamp(start).date()} to "
            f"{pd.Timestamp(end).date()} is undefined: {reason} (S={stats.start}, E={stats.end}). "
            "Choose a period with customers in it."
        )
    return float(value)


def _period_days(start: object, end: object, act: Activity) -> tuple[int, int]:
    try:
        t0, t1 = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    except (TypeError, ValueError):
        raise RetentionDataError(
            f"start={start!r}, end={end!r}: expected dates such as '2024-01-01'."
        ) from None
    if t1 <= t0:
        raise RetentionDataError(
            f"end={t1.date()} is not after start={t0.date()}: the period [start, end) is empty."
        )
    p0, p1 = day(t0), day(t1)
    if p1 > act.end_snapshot:
        raise RetentionDataError(
            f"end={t1.date()}: the data is observed only to {act.observation_end.date()}, so the "
            f"period must end by {(act.observation_end + pd.Timedelta(days=1)).date()} "
            "(end is exclusive). Pass an earlier end, or observation_end if the data runs longer."
        )
    return p0, p1


@validate_params(
    table=Log(),
    freq=Freq(),
    active_days=[ACTIVE_DAYS, None],
    observation_end=OBSERVATION_END,
    week_start=WEEK_START,
    calendar=CALENDAR,
    fiscal_year_start=FISCAL_YEAR_START,
)
def churn_table(
    table: TableLike,
    *,
    freq: str = "M",
    active_days: int | None = None,
    observation_end: str | pd.Timestamp | None = None,
    week_start: str | None = None,
    calendar: str = "gregorian",
    fiscal_year_start: int = 1,
) -> pd.DataFrame:
    """Every churn definition, period by period, on the same data.

    Parameters
    ----------
    table : pandas.DataFrame, or a Polars, DuckDB or PySpark table (collected to pandas)
        A subscription table or a transaction log (then ``active_days`` is required).
    freq : {"W", "M", "Q", "Y", "D"}
        Period length; only periods observed to their end are reported.
    active_days : int, optional
        The activity rule for a transaction log.
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
        ``period``, ``period_start`` and ``period_end`` (the label, first and last
        day of the period, see :func:`customer_counts`); the counts, named as in :func:`customer_counts`: ``start`` (S,
        customers at the start), ``acquired`` (N, first event in the period),
        ``new_active`` (acquired and still customers at the end), ``end`` (E,
        customers at the end), and ``churn_events``; one column per method of
        :data:`CHURN_METHODS`, named after it (percent); and ``note``: empty, or the
        reason some rates of that period are undefined (NaN), such as no customers at
        the start. Undefined rates are never shown as 0.

    Examples
    --------
    >>> import pandas as pd
    >>> spells = pd.DataFrame({
    ...     "customer_id": ["a", "b", "c"],
    ...     "start_date": pd.to_datetime(["2024-01-03", "2024-01-10", "2024-02-05"]),
    ...     "end_date": pd.to_datetime([None, "2024-02-20", None]),
    ... })
    >>> t = churn_table(spells, freq="M", observation_end="2024-02-29")
    >>> feb = t.iloc[1]
    >>> int(feb["start"]), int(feb["end"]), int(feb["churn_events"]), float(feb["per_start"]), float(feb["net_loss"])
    (2, 2, 1, 50.0, 0.0)
    >>> t["note"].iloc[0]
    'no customers at the start of the period'
    """
    act = activity(table, active_days=active_days, observation_end=observation_end)
    periods, bounds = complete_periods(act.first_event, act.observation_end, freq, week_start=week_start,
                                       calendar=calendar, fiscal_year_start=fiscal_year_start)
    labels = period_columns(periods, bounds)
    runs = _Runs(act)
    rows = []
    for k, period in enumerate(periods):
        stats = runs.stats(int(bounds[k]), int(bounds[k + 1]))
        row = {
            "period": period,
            "start": stats.start,
            "acquired": stats.acquired,
            "new_active": stats.new_active,
            "end": stats.end,
            "churn_events": stats.events,
        }
        reasons = []
        for method in CHURN_METHODS:
            row[method], reason = _rate(stats, method)
            if reason and reason not in reasons:
                reasons.append(reason)
        row["note"] = "; ".join(reasons)
        rows.append(row)
    out = pd.DataFrame(rows)
    out.insert(1, "period_start", labels["period_start"].to_numpy())
    out.insert(2, "period_end", labels["period_end"].to_numpy())
    out.attrs["activity_rule"] = act.rule
    out.attrs["observation_end"] = str(act.observation_end.date())
    return out
