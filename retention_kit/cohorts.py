"""Cohort retention tables, repeat purchase rate, time to second purchase, returning visitors."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .inputs import TableLike
from . import _engine, _neutral
from .errors import RetentionDataError
from .validation import (
    CALENDAR,
    FISCAL_YEAR_START,
    OBSERVATION_END,
    WEEK_START,
    Brackets,
    Flag,
    Freq,
    Integer,
    Log,
    Options,
    validate_params,
)
from .inputs import canonical
from .inputs import observation_end as _read_end
from .periods import complete_periods, period_columns, place

__all__ = [
    "cohort_table",
    "repeat_purchase_rate",
    "time_to_second_purchase",
    "returning_visitor_rate",
]

SUMMARY_ROW = "weighted average"


def _placed(
    table: pd.DataFrame, id_col: str, freq: str, observation_end: object, cal: dict
) -> tuple[pd.Index, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Codes, period index and row positions of the rows inside complete periods, and
    the period boundaries."""
    dates = table["date"]
    end = _read_end(observation_end, first=dates.min(), last=dates.max())
    periods, bounds = complete_periods(dates.min(), end, freq, **cal)
    days = _engine.day_numbers(dates)
    k = _engine.period_index(days, bounds)
    inside = (k >= 0) & (k < len(periods))
    rows = np.flatnonzero(inside)
    codes, ids = _engine.customer_codes(table[id_col], rows)
    return periods, codes, k[rows], rows, ids, bounds


@validate_params(
    transactions=Log(neutral=True),
    freq=Freq(),
    kind=Options("on", "on_or_after", text="'on' or 'on_or_after' (or pass brackets=)"),
    values=Options("customers", "revenue"),
    normalize=Flag(),
    brackets=[Brackets(), None],
    observation_end=OBSERVATION_END,
    week_start=WEEK_START,
    calendar=CALENDAR,
    fiscal_year_start=FISCAL_YEAR_START,
    summary=Flag(),
    dates=Flag(),
)
def cohort_table(
    transactions: TableLike,
    *,
    freq: str = "M",
    kind: str = "on",
    values: str = "customers",
    normalize: bool = True,
    brackets: Sequence[tuple[int, int]] | None = None,
    observation_end: str | pd.Timestamp | None = None,
    week_start: str | None = None,
    calendar: str = "gregorian",
    fiscal_year_start: int = 1,
    summary: bool = True,
    dates: bool = False,
) -> pd.DataFrame:
    """The cohort triangle: customers (or revenue) by acquisition cohort and periods since.

    Rows are acquisition cohorts (the period of a customer's first purchase), columns the
    number of periods since acquisition (0, 1, 2, ...). With ``c`` a cohort and ``k`` an
    offset:

    - ``kind="on"``: customers of ``c`` who bought in period ``c + k`` (classic or
      "N-day" retention);
    - ``kind="on_or_after"``: customers of ``c`` who bought in period ``c + k`` or any
      later observed period (unbounded retention: still around, even if not every
      period). It is never below ``"on"``, and never rises with ``k``;
    - ``brackets=[(1, 3), (4, 6), (7, 12)]``: customers who bought in any period of the
      bracket (columns ``"1-3"``, ...), overriding ``kind``.

    ``values="revenue"`` puts the cohort's revenue in each cell (``kind="on"`` or
    brackets only). With ``normalize=True`` a cell is divided by the cohort's size:
    customers become a percentage (period 0 is 100 %), revenue becomes revenue per
    acquired customer.

    Cells that cannot be observed yet (the period, or the end of the bracket, lies after
    the last complete period) are NaN, never 0. Only complete periods are used:
    purchases after the last complete period are ignored, as are customers acquired
    then.

    Parameters
    ----------
    transactions : pandas.DataFrame, or a Polars, DuckDB or PySpark table (computed there)
        Canonical transactions from :func:`load_transactions`.
    freq : {"W", "M", "Q", "Y", "D"}
        Cohort and period length. Weeks start on ``week_start`` (default Monday).
    kind : {"on", "on_or_after"}
    values : {"customers", "revenue"}
    normalize : bool
    brackets : sequence of (int, int), optional
        Inclusive ranges of periods since acquisition.
    observation_end : date, optional
        Last day the data covers (default: the last purchase date).
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
    summary : bool
        Append a row ``"weighted average"``: for each column, the cells of the cohorts
        that have completed it, summed and divided by those cohorts' total size (so
        larger cohorts weigh more). With ``normalize=False`` it holds the plain sums
        over those cohorts.
    dates : bool
        Add ``period_start`` and ``period_end``, the first and last day of each cohort's
        acquisition period (Gregorian dates; blank on the summary row), as the first
        columns. Off by default because the table is a matrix that code reads by
        position (``row.iloc[1:]`` after ``size``); the long tables of the kit always
        carry these columns.

    Returns
    -------
    pandas.DataFrame
        Index ``cohort`` (period labels, then the summary row), column ``size``
        (customers acquired), then one column per offset or bracket; with
        ``dates=True``, ``period_start`` and ``period_end`` before ``size``.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({
    ...     "customer_id": ["a", "b", "c", "a", "b", "c", "d"],
    ...     "date": pd.to_datetime(["2024-01-03", "2024-01-09", "2024-02-01", "2024-02-10",
    ...                             "2024-03-05", "2024-03-21", "2024-03-30"]),
    ... })
    >>> cohort_table(tx, freq="M", observation_end="2024-03-31").round(1)
                      size      0      1     2
    cohort
    2024-01            2.0  100.0   50.0  50.0
    2024-02            1.0  100.0  100.0   NaN
    2024-03            1.0  100.0    NaN   NaN
    weighted average   4.0  100.0   66.7  50.0
    >>> cohort_table(tx, freq="M", kind="on_or_after", observation_end="2024-03-31", summary=False,
    ...              dates=True)
            period_start period_end  size      0      1     2
    cohort
    2024-01   2024-01-01 2024-01-31     2  100.0  100.0  50.0
    2024-02   2024-02-01 2024-02-29     1  100.0  100.0   NaN
    2024-03   2024-03-01 2024-03-31     1  100.0    NaN   NaN
    """
    foreign = _neutral.wants_neutral(transactions)
    if not foreign:
        transactions = canonical(transactions, kind="transactions")
    if values == "revenue":
        if "amount" not in _neutral.column_names(transactions):
            raise RetentionDataError(
                "values='revenue' needs an 'amount' column: load the export with amount_col=..."
            )
        if kind == "on_or_after" and not brackets:
            raise RetentionDataError(
                "values='revenue' with kind='on_or_after' would add up revenue over a number of "
                "periods that differs by cohort; use kind='on' or brackets= for revenue."
            )
    spans = _brackets(brackets)
    cal = {"week_start": week_start, "calendar": calendar, "fiscal_year_start": fiscal_year_start}
    if foreign:
        info = _neutral.inspect(transactions, kind="transactions", need=("amount",) if values == "revenue" else ())
        end = _read_end(observation_end, first=info.first, last=info.last)
        periods, bounds = complete_periods(info.first, end, freq, **cal)
        n = len(periods)
        cells = _neutral.cohort_cells(info, boundaries=bounds, revenue=values == "revenue", brackets=spans)
    else:
        periods, codes, k, rows, ids, bounds = _placed(transactions, "customer_id", freq, observation_end, cal)
        n = len(periods)
        amounts = transactions["amount"].to_numpy(dtype=float)[rows] if values == "revenue" else None
        cells = _engine.cohort_counts(codes, k, amounts, len(ids), n, brackets=spans)
    size = cells["size"].astype(float)
    cohorts = np.arange(n)
    if spans:
        raw = cells["bracket"].astype(float) if values == "customers" else _revenue_brackets(cells, spans)
        last_needed = np.array([hi for _, hi in spans])
        columns = [f"{lo}-{hi}" if lo != hi else str(lo) for lo, hi in spans]
    else:
        raw = (cells["revenue"] if values == "revenue" else cells[kind]).astype(float)
        last_needed = np.arange(n)
        columns = list(range(n))
    observed = cohorts[:, None] + last_needed[None, :] <= n - 1
    raw = np.where(observed, raw, np.nan)
    keep = size > 0  # periods in which nobody was acquired are not cohorts
    with np.errstate(divide="ignore", invalid="ignore"):
        shown = 100.0 * raw / size[:, None] if normalize and values == "customers" else (
            raw / size[:, None] if normalize else raw)
    table = pd.DataFrame(shown[keep], columns=columns)
    table.insert(0, "size", cells["size"][keep])
    if dates:
        days = period_columns(periods, bounds)[keep]
        table.insert(0, "period_end", days["period_end"].to_numpy())
        table.insert(0, "period_start", days["period_start"].to_numpy())
    table.index = pd.Index([str(p) for p in periods[keep]], name="cohort")
    if summary:
        done = observed[keep]
        total = np.where(done, raw[keep], 0).sum(axis=0)
        weight = np.where(done, size[keep, None], 0).sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            if normalize:
                scale = 100.0 if values == "customers" else 1.0
                average = np.where(weight > 0, scale * total / weight, np.nan)
            else:
                average = np.where(weight > 0, total, np.nan)
        blank = [pd.NaT, pd.NaT] if dates else []
        row = pd.DataFrame([[*blank, float(size[keep].sum()), *average]], columns=table.columns,
                           index=pd.Index([SUMMARY_ROW], name="cohort"))
        if dates:
            row = row.astype({"period_start": table["period_start"].dtype, "period_end": table["period_end"].dtype})
        table = pd.concat([table.astype({"size": float}), row])
    table.attrs["kind"] = "brackets" if spans else kind
    table.attrs["values"] = values
    table.attrs["freq"] = freq
    return table


def _brackets(brackets: Sequence[tuple[int, int]] | None) -> list[tuple[int, int]] | None:
    if brackets is None:
        return None
    return [(int(lo), int(hi)) for lo, hi in brackets]  # checked by validation.Brackets


def _revenue_brackets(cells: dict[str, np.ndarray], spans: list[tuple[int, int]]) -> np.ndarray:
    revenue = cells["revenue"]
    return np.stack([revenue[:, lo : hi + 1].sum(axis=1) for lo, hi in spans], axis=1)


def _purchase_days(transactions: pd.DataFrame, observation_end: object) -> tuple[pd.DataFrame, pd.Timestamp]:
    if _neutral.wants_neutral(transactions):
        info = _neutral.inspect(transactions, kind="transactions")
        end = _read_end(observation_end, first=info.first, last=info.last)
        end_day = int(np.datetime64(end.to_datetime64(), "D").astype(np.int64))
        return _neutral.first_two_days(info, end_day=end_day), end
    transactions = canonical(transactions, kind="transactions")
    dates = transactions["date"]
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_localize(None)
    end = _read_end(observation_end, first=dates.min(), last=dates.max())
    days = pd.DataFrame({"customer_id": transactions["customer_id"].to_numpy(),
                         "day": dates.dt.normalize().to_numpy()})
    days = days[days["day"] <= end].drop_duplicates()
    ordered = days.sort_values(["customer_id", "day"], kind="stable")
    ordered["n"] = ordered.groupby("customer_id", sort=False).cumcount()
    firsts = ordered[ordered["n"] < 2].pivot(index="customer_id", columns="n", values="day")
    firsts.columns = ["first", "second"][: len(firsts.columns)]
    if "second" not in firsts.columns:
        firsts["second"] = pd.NaT
    return firsts, end


@validate_params(
    transactions=Log(neutral=True),
    within_days=[Integer(low=1, unit="days"), None],
    freq=[Freq(), None],
    observation_end=OBSERVATION_END,
    week_start=WEEK_START,
    calendar=CALENDAR,
    fiscal_year_start=FISCAL_YEAR_START,
)
def repeat_purchase_rate(
    transactions: TableLike,
    *,
    within_days: int | None = None,
    freq: str | None = None,
    observation_end: str | pd.Timestamp | None = None,
    week_start: str | None = None,
    calendar: str = "gregorian",
    fiscal_year_start: int = 1,
) -> pd.DataFrame:
    """Share of customers who bought more than once, overall or per acquisition cohort.

    .. math::

        \\text{repeat purchase rate} = \\frac{\\text{customers with more than one purchase}}
                                             {\\text{customers}} \\times 100

    A *purchase* is a purchase day: several orders by one customer on the same day
    count as one purchase (the convention of ``lifetimes``' frequency), so a split
    basket is not a repeat.

    With ``within_days=N`` a customer counts as a repeater only if the second purchase
    came within N days of the first, and only customers whose first purchase is at
    least N days before ``observation_end`` are eligible, so young cohorts are compared
    fairly with old ones. Customers too recent to be judged are counted in
    ``not_eligible``, not dropped silently.

    Parameters
    ----------
    transactions : pandas.DataFrame, or a Polars, DuckDB or PySpark table (computed there)
        Canonical transactions.
    within_days : int, optional
        Window after the first purchase; ``None`` counts any later purchase.
    freq : {"W", "M", "Q", "Y"}, optional
        Split by acquisition cohort of this length; ``None`` gives one overall row.
    observation_end : date, optional
        Last day the data covers (default: the last purchase date).
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
        ``cohort`` (``"all"`` without ``freq``), with ``freq`` the cohort's
        ``period_start`` and ``period_end`` (first and last day, Gregorian dates; the
        last cohort may run past ``observation_end``), ``customers``, ``eligible``,
        ``not_eligible``, ``repeaters``, ``repeat_rate`` (percent of eligible; NaN with a
        ``note`` when none is eligible).

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({
    ...     "customer_id": ["a", "a", "b", "b", "c", "d"],
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-20", "2024-01-05", "2024-01-05",
    ...                             "2024-02-01", "2024-03-25"]),
    ... })
    >>> repeat_purchase_rate(tx)
      cohort  customers  eligible  not_eligible  repeaters  repeat_rate note
    0    all          4         4             0          1         25.0
    >>> repeat_purchase_rate(tx, within_days=30)[["eligible", "not_eligible", "repeaters", "repeat_rate"]]
       eligible  not_eligible  repeaters  repeat_rate
    0         3             1          1    33.333333
    """
    firsts, end = _purchase_days(transactions, observation_end)
    gap = (firsts["second"] - firsts["first"]).dt.days
    if within_days is None:
        eligible = pd.Series(True, index=firsts.index)
        repeat = firsts["second"].notna()
    else:
        eligible = firsts["first"] + pd.Timedelta(days=int(within_days)) <= end
        repeat = eligible & (gap <= within_days)
    frame = pd.DataFrame({"eligible": eligible, "repeat": repeat})
    if freq is None:
        frame["cohort"] = "all"
    else:
        # every acquisition period from the first purchase to observation_end, complete or not
        first_days = firsts["first"].to_numpy().astype("datetime64[D]").astype(np.int64)
        periods, bounds = complete_periods(firsts["first"].min(), end, freq, week_start=week_start,
                                           calendar=calendar, fiscal_year_start=fiscal_year_start,
                                           complete=False)
        frame["cohort"] = place(first_days, bounds)
    out = frame.groupby("cohort", sort=True).agg(
        customers=("eligible", "size"), eligible=("eligible", "sum"), repeaters=("repeat", "sum")
    ).reset_index()
    if freq is not None:
        dates = period_columns(periods, bounds).iloc[out["cohort"].to_numpy()].reset_index(drop=True)
        out["cohort"] = [str(p) for p in dates["period"]]
        out.insert(1, "period_start", dates["period_start"].to_numpy())
        out.insert(2, "period_end", dates["period_end"].to_numpy())
    out["not_eligible"] = out["customers"] - out["eligible"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["repeat_rate"] = np.where(out["eligible"] > 0, 100.0 * out["repeaters"] / out["eligible"], np.nan)
    out["note"] = np.where(
        out["eligible"] > 0, "", f"no customer acquired at least {within_days} days before the end"
    )
    dated = ["period_start", "period_end"] if freq is not None else []
    out = out[["cohort", *dated, "customers", "eligible", "not_eligible", "repeaters", "repeat_rate", "note"]]
    out.attrs["observation_end"] = str(end.date())
    return out


@validate_params(
    transactions=Log(neutral=True),
    observation_end=OBSERVATION_END,
)
def time_to_second_purchase(
    transactions: TableLike, *, observation_end: str | pd.Timestamp | None = None
) -> pd.Series:
    """Days between each repeat customer's first and second purchase day.

    Same-day orders count as one purchase, so the result is at least 1. Customers with
    a single purchase day have no second purchase and are not in the result (their
    count is ``customers - len(result)``).

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-15", "2024-02-01"])})
    >>> time_to_second_purchase(tx).tolist()
    [14]
    """
    firsts, _ = _purchase_days(transactions, observation_end)
    gap = (firsts["second"] - firsts["first"]).dt.days.dropna().astype("int64")
    gap.name = "days_to_second_purchase"
    return gap


@validate_params(
    sessions=Log(neutral=True),
    freq=Freq(),
    observation_end=OBSERVATION_END,
    week_start=WEEK_START,
    calendar=CALENDAR,
    fiscal_year_start=FISCAL_YEAR_START,
)
def returning_visitor_rate(
    sessions: TableLike,
    *,
    freq: str = "M",
    observation_end: str | pd.Timestamp | None = None,
    week_start: str | None = None,
    calendar: str = "gregorian",
    fiscal_year_start: int = 1,
) -> pd.DataFrame:
    """New versus returning visitors per period, from web-analytics sessions.

    A visitor is *returning* in a period if they had a session in an earlier period of
    the data, and *new* otherwise. The first period has no earlier data, so every
    visitor in it counts as new: the ``note`` says so (the same holds, less strongly,
    for the periods after it).

    .. math::

        \\text{returning share} = \\frac{\\text{returning visitors}}{\\text{visitors}} \\times 100

    Parameters
    ----------
    sessions : pandas.DataFrame, or a Polars, DuckDB or PySpark table (computed there)
        Canonical sessions from :func:`load_sessions` (``visitor_id``, ``date``).
    freq : {"D", "W", "M", "Q", "Y"}
    observation_end : date, optional
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
        ``period, period_start, period_end, visitors, new, returning, returning_share,
        note``.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"visitor_id": ["v1", "v2", "v1", "v3", "v2"],
    ...                   "date": pd.to_datetime(["2024-01-03", "2024-01-20", "2024-02-02",
    ...                                           "2024-02-10", "2024-02-28"])})
    >>> returning_visitor_rate(s, observation_end="2024-02-29")[["period", "visitors", "new", "returning"]]
        period  visitors  new  returning
    0  2024-01         2    2          0
    1  2024-02         3    1          2
    """
    cal = {"week_start": week_start, "calendar": calendar, "fiscal_year_start": fiscal_year_start}
    if _neutral.wants_neutral(sessions):
        info = _neutral.inspect(sessions, kind="sessions")
        end = _read_end(observation_end, first=info.first, last=info.last)
        periods, bounds = complete_periods(info.first, end, freq, **cal)
        counts = _neutral.first_seen_counts(info, id_col="visitor_id", boundaries=bounds)
    else:
        sessions = canonical(sessions, kind="sessions")
        periods, codes, k, _, ids, bounds = _placed(sessions, "visitor_id", freq, observation_end, cal)
        counts = _engine.first_seen_counts(codes, k, len(ids), len(periods))
    out = period_columns(periods, bounds)
    out["visitors"] = counts["seen"]
    out["new"] = counts["new"]
    out["returning"] = out["visitors"] - out["new"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["returning_share"] = np.where(out["visitors"] > 0, 100.0 * out["returning"] / out["visitors"], np.nan)
    notes = ["" if v > 0 else "no visitors in this period" for v in out["visitors"]]
    notes[0] = "first period of the data: every visitor counts as new"
    out["note"] = notes
    return out
