"""Customers per period: start, acquired, end, retained, new_active, reactivated, lost, and CRR."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .inputs import TableLike
from . import _engine, _neutral
from .validation import (
    ACTIVE_DAYS, CALENDAR, FISCAL_YEAR_START, OBSERVATION_END, WEEK_START, Freq, Log, validate_params,
)
from .activity import Activity, day, rule_text, subscriptions_activity, transactions_activity
from .inputs import observation_end as _read_end
from .periods import complete_periods, period_columns

__all__ = ["customer_counts", "subscription_counts"]

_COLUMNS = [
    "period", "period_start", "period_end", "start", "acquired", "end", "retained", "new_active", "reactivated", "lost",
    "crr", "start_retention",
]


def _table(periods: pd.Index, boundaries: np.ndarray, flows: dict[str, np.ndarray], rule: str,
           end: pd.Timestamp) -> pd.DataFrame:
    table = period_columns(periods, boundaries)
    for name in ("start", "acquired", "end", "retained", "reactivated", "lost"):
        table[name] = flows[name]
    table["new_active"] = flows["new"]
    start = flows["start"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        # no starting customers: CRR is undefined, and NaN says so on purpose.
        # N is every customer acquired in the period, as in the articles' formula.
        table["crr"] = np.where(start > 0, 100.0 * (flows["end"] - flows["acquired"]) / start, np.nan)
        table["start_retention"] = np.where(start > 0, 100.0 * flows["retained"] / start, np.nan)
    table.attrs["activity_rule"] = rule
    table.attrs["observation_end"] = str(end.date())
    return table[_COLUMNS]


@validate_params(
    transactions=Log(neutral=True),
    freq=Freq(),
    active_days=ACTIVE_DAYS,
    observation_end=OBSERVATION_END,
    week_start=WEEK_START,
    calendar=CALENDAR,
    fiscal_year_start=FISCAL_YEAR_START,
)
def customer_counts(
    transactions: TableLike,
    *,
    freq: str,
    active_days: int,
    observation_end: str | pd.Timestamp | None = None,
    week_start: str | None = None,
    calendar: str = "gregorian",
    fiscal_year_start: int = 1,
) -> pd.DataFrame:
    """Customers per period from a transaction log, under an explicit activity rule.

    A transaction log has no contracts, so "a customer at a date" needs a rule: a
    customer counts as a customer on a date if they bought in the ``active_days`` days
    before it. The answer depends on that rule, so it is a required parameter and is
    stored in ``table.attrs["activity_rule"]``.

    For each period, with S measured at its first moment and E after its last day:

    - ``start`` (S): customers at the start; ``end`` (E): customers at the end;
    - ``acquired`` (N): customers whose first purchase falls in the period, including
      any who were no longer customers by its end (only possible when ``active_days``
      is shorter than the period). This is the N of the articles' formula;
    - ``retained``: in both S and E; ``lost``: in S, not in E;
    - ``new_active``: in E, not in S, first purchase inside the period: the acquired
      customers still counted at the end (``new_active <= acquired``);
    - ``reactivated``: in E, not in S, first purchase before the period (came back);
    - ``crr`` = (E - N) / S * 100 = (end - acquired) / start * 100, the articles'
      formula (see :func:`crr`), NaN when S = 0 (undefined, not zero). It can be
      negative when many acquired customers lapse inside the period;
    - ``start_retention`` = retained / S * 100, the share of the starting customers who
      are still customers at the end.

    The two rates differ by what the formula credits and charges that is not retention
    of the starting customers::

        crr - start_retention = (reactivated - (acquired - new_active)) / start * 100

    win-backs are credited, and customers acquired and lost inside the period are
    charged against S.

    Every row satisfies ``end = retained + new_active + reactivated``,
    ``start = retained + lost`` and ``new_active <= acquired``; the ``start`` of a
    period equals the ``end`` of the one before.

    Parameters
    ----------
    transactions : pandas.DataFrame, or a Polars, DuckDB or PySpark table (computed there)
        Canonical transactions from :func:`load_transactions` (``customer_id``, ``date``).
    freq : {"W", "M", "Q", "Y", "D"}
        Period length: week, month, quarter, year (calendar), or day.
    active_days : int
        The activity rule: a purchase keeps its customer counted for this many days
        (365 means "bought within the last year").
    observation_end : date, optional
        Last day the data covers (default: the last purchase date). Periods that end
        after it are not observed to the end and are left out; purchases after it are
        ignored.
    week_start : str, optional
        First day of a week for ``freq="W"`` (default Monday, ISO 8601; Saturday in the
        Jalali calendar).
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
        One row per complete period, from the period of the first purchase on, with
        columns ``period, period_start, period_end, start, acquired, end, retained, new_active, reactivated, lost,
        crr, start_retention``. The first period starts with S = 0 because the log
        starts there: if your export begins after the business did, the first
        ``active_days`` of periods undercount S and overcount N.

    Raises
    ------
    RetentionDataError
        If the table lacks the canonical columns or is empty, ``active_days`` is not a
        positive whole number, ``freq`` is unknown, a date is missing, or the data holds
        no complete period.

    See Also
    --------
    crr, subscription_counts, load_transactions

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({
    ...     "customer_id": ["a", "b", "a", "c", "b"],
    ...     "date": pd.to_datetime(["2024-01-10", "2024-01-20", "2024-02-05",
    ...                             "2024-02-15", "2024-03-25"]),
    ... })
    >>> t = customer_counts(tx, freq="M", active_days=31, observation_end="2024-03-31")
    >>> t[["period", "start", "acquired", "end", "retained", "new_active", "reactivated", "lost"]]
        period  start  acquired  end  retained  new_active  reactivated  lost
    0  2024-01      0         2    2         0           2            0     0
    1  2024-02      2         1    2         1           1            0     1
    2  2024-03      2         0    1         0           0            1     2
    >>> t["crr"].tolist(), t["start_retention"].tolist()
    ([nan, 50.0, 50.0], [nan, 50.0, 0.0])
    >>> t.attrs["activity_rule"]
    'a customer counts while their last purchase is at most 31 days old'
    """
    cal = {"week_start": week_start, "calendar": calendar, "fiscal_year_start": fiscal_year_start}
    if _neutral.wants_neutral(transactions):
        return _counts_neutral(transactions, "transactions", freq, cal, observation_end, active_days)
    act = transactions_activity(transactions, active_days=active_days, observation_end=observation_end)
    return _counts(act, freq, cal)


@validate_params(
    subscriptions=Log(neutral=True),
    freq=Freq(),
    observation_end=OBSERVATION_END,
    week_start=WEEK_START,
    calendar=CALENDAR,
    fiscal_year_start=FISCAL_YEAR_START,
)
def subscription_counts(
    subscriptions: TableLike,
    *,
    freq: str,
    observation_end: str | pd.Timestamp | None = None,
    week_start: str | None = None,
    calendar: str = "gregorian",
    fiscal_year_start: int = 1,
) -> pd.DataFrame:
    """Customers per period from a subscription table: active while a spell is live.

    Same columns and invariants as :func:`customer_counts`. A customer is a customer at
    the end of a day if one of their spells started on or before that day and has not
    ended (``end_date`` after that day, or blank). A spell ending on the day the next
    one starts (a plan change) keeps the customer; a later spell after a gap is a
    reactivation.

    Parameters
    ----------
    subscriptions : pandas.DataFrame, or a Polars, DuckDB or PySpark table (computed there)
        Canonical spells from :func:`load_subscriptions`
        (``customer_id, start_date, end_date``).
    freq : {"W", "M", "Q", "Y", "D"}
        Period length.
    observation_end : date, optional
        Last day the data covers (default: the latest start or end date).
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
        ``period, period_start, period_end, start, acquired, end, retained, new_active,
        reactivated, lost, crr, start_retention``. ``period`` is the period's label
        (a pandas ``Period``, or a string such as ``1402-08`` or ``FY2025Q1``),
        ``period_start`` and ``period_end`` its first and last day (Gregorian dates).

    Examples
    --------
    >>> import pandas as pd
    >>> spells = pd.DataFrame({
    ...     "customer_id": ["a", "a", "b", "c"],
    ...     "start_date": pd.to_datetime(["2024-01-05", "2024-03-10", "2024-01-20", "2024-02-03"]),
    ...     "end_date": pd.to_datetime(["2024-02-10", None, None, "2024-03-05"]),
    ... })
    >>> t = subscription_counts(spells, freq="M", observation_end="2024-03-31")
    >>> t[["period", "start", "acquired", "end", "retained", "new_active", "reactivated", "lost"]]
        period  start  acquired  end  retained  new_active  reactivated  lost
    0  2024-01      0         2    2         0           2            0     0
    1  2024-02      2         1    2         1           1            0     1
    2  2024-03      2         0    2         1           0            1     1
    """
    cal = {"week_start": week_start, "calendar": calendar, "fiscal_year_start": fiscal_year_start}
    if _neutral.wants_neutral(subscriptions):
        return _counts_neutral(subscriptions, "subscriptions", freq, cal, observation_end)
    act = subscriptions_activity(subscriptions, observation_end=observation_end)
    return _counts(act, freq, cal)


def _counts(act: Activity, freq: str, cal: dict) -> pd.DataFrame:
    periods, boundaries = complete_periods(act.first_event, act.observation_end, freq, **cal)
    flows = _engine.activity_counts(act.codes, act.active_from, act.active_to, act.first_day, boundaries)
    return _table(periods, boundaries, flows, act.rule, act.observation_end)


def _counts_neutral(table: object, kind: str, freq: str, cal: dict, observation_end: object,
                    active_days: int | None = None) -> pd.DataFrame:
    """``_counts`` on a table of another engine: the flows come from one lazy query."""
    info = _neutral.inspect(table, kind=kind)
    end = _read_end(observation_end, first=info.first, last=info.last)
    periods, boundaries = complete_periods(info.first, end, freq, **cal)
    flows = _neutral.activity_flows(info, kind=kind, boundaries=boundaries, end_day=day(end), active_days=active_days)
    return _table(periods, boundaries, flows, rule_text(kind, active_days), end)
