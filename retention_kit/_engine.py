"""The heavy aggregations, in one place behind a narrow interface.

Everything here takes plain arrays (integer day numbers and integer customer codes)
and returns plain arrays or tidy DataFrames, so the rest of the kit never groups a
large table itself. This is the module to make faster, or to re-implement on another
engine (DuckDB, Polars, Spark), without touching the metric functions.

Day numbers are days since 1970-01-01. A *snapshot day* ``t`` stands for the state of
the business after everything that happened on days before ``t``: the state at the
boundary between two periods.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "day_numbers",
    "customer_codes",
    "activity_counts",
    "activity_runs",
    "period_index",
    "cohort_counts",
    "first_seen_counts",
    "repeat_summary",
]


def day_numbers(dates: pd.Series | np.ndarray) -> np.ndarray:
    """Dates (datetime64 of any unit) as int64 days since 1970-01-01; NaT becomes INT64 min."""
    values = np.asarray(dates).astype("datetime64[D]")
    return values.astype(np.int64)


def customer_codes(ids: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Factorize customer ids into 0..n-1 codes; returns (codes, id of each code)."""
    codes, uniques = pd.factorize(np.asarray(ids), sort=False)
    return codes.astype(np.int64), np.asarray(uniques)


def activity_counts(
    codes: np.ndarray,
    active_from: np.ndarray,
    active_to: np.ndarray,
    first_day: np.ndarray,
    boundaries: np.ndarray,
) -> dict[str, np.ndarray]:
    """Per-period customer flows from activity spells.

    Parameters
    ----------
    codes : int64 array
        Customer code of each spell (0..n-1).
    active_from, active_to : int64 arrays
        The spell makes its customer active at every snapshot day ``t`` with
        ``active_from <= t < active_to``. Spells of one customer may overlap or touch.
    first_day : int64 array, one per customer code
        The day of the customer's first event (first purchase, first spell start).
    boundaries : int64 array of K + 1 increasing snapshot days
        Period k runs from snapshot ``boundaries[k]`` to snapshot ``boundaries[k + 1]``.

    Returns
    -------
    dict of int64 arrays of length K
        ``start`` and ``end`` (active at the period's first and last snapshot),
        ``retained`` (both), ``lost`` (start, not end), ``new`` (end, not start, first
        event inside the period), ``reactivated`` (end, not start, first event before
        the period) and ``acquired`` (first event inside the period, active at its end
        or not).
    """
    n_periods = max(len(boundaries) - 1, 0)
    out = {
        name: np.zeros(n_periods, dtype=np.int64)
        for name in ("start", "end", "retained", "lost", "new", "reactivated", "acquired")
    }
    if n_periods <= 0:
        return out
    # acquisitions: customers whose first event falls inside a period
    k_first = np.searchsorted(boundaries, first_day, side="right") - 1
    inside = (k_first >= 0) & (k_first < n_periods)
    out["acquired"] = np.bincount(k_first[inside], minlength=n_periods).astype(np.int64)
    if len(codes) == 0:
        return out

    # 1. which snapshots does each spell cover? boundary indices lo..hi-1
    lo = np.searchsorted(boundaries, active_from, side="left")
    hi = np.searchsorted(boundaries, active_to, side="left")
    covers = hi > lo
    cust, lo, hi = codes[covers], lo[covers], hi[covers]
    if len(cust) == 0:
        return out
    # 2. union the covered index ranges per customer (ranges that overlap or touch merge:
    #    a customer active at snapshot j through two spells is simply active at j)
    order = np.lexsort((lo, cust))
    cust, lo, hi = cust[order], lo[order], hi[order]
    span = len(boundaries) + 2
    shifted_hi = hi + cust * span  # makes a running max restart per customer
    running = np.maximum.accumulate(shifted_hi)
    prev_running = np.empty_like(running)
    prev_running[0] = -1
    prev_running[1:] = running[:-1]
    starts_run = (lo + cust * span) > prev_running
    run_id = np.cumsum(starts_run) - 1
    n_runs = run_id[-1] + 1
    run_cust = cust[starts_run]
    run_lo = lo[starts_run]
    run_hi = np.zeros(n_runs, dtype=np.int64)
    np.maximum.at(run_hi, run_id, hi)
    # 3. flows per run of consecutive active snapshots [run_lo, run_hi)
    active_diff = np.zeros(len(boundaries) + 1, dtype=np.int64)
    np.add.at(active_diff, run_lo, 1)
    np.add.at(active_diff, run_hi, -1)
    active = np.cumsum(active_diff)[: len(boundaries)]
    out["start"] = active[:-1].copy()
    out["end"] = active[1:].copy()
    lost_at = run_hi - 1  # last active snapshot; lost in the period starting there
    lost_mask = lost_at < n_periods
    out["lost"] = np.bincount(lost_at[lost_mask], minlength=n_periods).astype(np.int64)
    out["retained"] = out["start"] - out["lost"]
    enter = run_lo - 1  # the period at whose end the run begins
    enter_mask = enter >= 0
    enter_k = enter[enter_mask]
    is_new = first_day[run_cust[enter_mask]] >= boundaries[enter_k]
    out["new"] = np.bincount(enter_k[is_new], minlength=n_periods).astype(np.int64)
    out["reactivated"] = np.bincount(enter_k[~is_new], minlength=n_periods).astype(np.int64)
    return out


def activity_runs(
    codes: np.ndarray, active_from: np.ndarray, active_to: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge each customer's activity spells into disjoint runs of continuous activity.

    Spells ``[active_from, active_to)`` (snapshot days) of one customer that overlap or
    touch become one run. Returns ``(codes, run_from, run_to)`` sorted by customer and
    start; a customer is active at snapshot ``t`` iff one of their runs has
    ``run_from <= t < run_to``, and the day ``run_to - 1`` is the day they stopped (a
    churn event, when it falls inside the observation).
    """
    keep = active_to > active_from
    codes, lo, hi = codes[keep], active_from[keep], active_to[keep]
    if len(codes) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy(), empty.copy()
    order = np.lexsort((lo, codes))
    codes, lo, hi = codes[order], lo[order], hi[order]
    base = lo.min()
    span = int(hi.max() - base) + 2
    shifted_hi = (hi - base) + codes * span  # a running max that restarts per customer
    running = np.maximum.accumulate(shifted_hi)
    previous = np.empty_like(running)
    previous[0] = -1
    previous[1:] = running[:-1]
    starts = (lo - base) + codes * span > previous
    run_id = np.cumsum(starts) - 1
    run_to = np.full(int(run_id[-1]) + 1, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(run_to, run_id, hi)
    return codes[starts], lo[starts], run_to


def period_index(days: np.ndarray, boundaries: np.ndarray) -> np.ndarray:
    """Index k of the period [boundaries[k], boundaries[k + 1]) holding each day; -1 before
    the first period, K (== len(boundaries) - 1) on or after the last boundary."""
    return np.searchsorted(boundaries, days, side="right") - 1


def cohort_counts(
    codes: np.ndarray,
    period: np.ndarray,
    amounts: np.ndarray | None,
    n_customers: int,
    n_periods: int,
    brackets: list[tuple[int, int]] | None = None,
) -> dict[str, np.ndarray]:
    """Cohort cells from purchases already placed in periods 0..n_periods-1.

    Parameters
    ----------
    codes : int64 array
        Customer code of each purchase.
    period : int64 array
        Period index of each purchase, 0..n_periods-1.
    amounts : float array or None
        Purchase values, for revenue cells.
    n_customers, n_periods : int
    brackets : list of (first, last) offsets, optional
        Ranges of periods since acquisition for bracket cells.

    Returns
    -------
    dict
        ``cohort`` (period of each customer's first purchase, -1 without purchases),
        ``size`` (customers per cohort), ``on`` (cohorts x offsets: distinct customers
        buying in the period ``offset`` after their first), ``revenue`` (same shape:
        their revenue), ``on_or_after`` (customers whose last purchase is ``offset`` or
        more periods after their first) and ``bracket`` (cohorts x brackets: customers
        buying in any period of the bracket).
    """
    cohort = np.full(n_customers, n_periods, dtype=np.int64)
    np.minimum.at(cohort, codes, period)
    last = np.full(n_customers, -1, dtype=np.int64)
    np.maximum.at(last, codes, period)
    has = cohort < n_periods
    cohort = np.where(has, cohort, -1)
    width = n_periods
    offset = period - cohort[codes]
    size = np.bincount(cohort[has], minlength=n_periods)
    # distinct (customer, offset) pairs
    pair = np.unique(codes * width + offset)
    pair_cust, pair_offset = pair // width, pair % width
    cell = cohort[pair_cust] * width + pair_offset
    on = np.bincount(cell, minlength=n_periods * width).reshape(n_periods, width)
    out = {"cohort": cohort, "size": size, "on": on}
    if amounts is not None:
        revenue = np.bincount(cohort[codes] * width + offset, weights=amounts, minlength=n_periods * width)
        out["revenue"] = revenue.reshape(n_periods, width)
    span = (last - cohort)[has]
    at_least = np.zeros((n_periods, width + 1), dtype=np.int64)
    np.add.at(at_least, (cohort[has], span), 1)
    # customers whose span reaches offset k or more: reverse cumulative sum over offsets
    out["on_or_after"] = np.cumsum(at_least[:, ::-1], axis=1)[:, ::-1][:, :width]
    if brackets:
        bracket = np.zeros((n_periods, len(brackets)), dtype=np.int64)
        for j, (lo, hi) in enumerate(brackets):
            inside = np.unique(pair_cust[(pair_offset >= lo) & (pair_offset <= hi)])
            bracket[:, j] = np.bincount(cohort[inside], minlength=n_periods)
        out["bracket"] = bracket
    return out


def first_seen_counts(codes: np.ndarray, period: np.ndarray, n_customers: int, n_periods: int) -> dict[str, np.ndarray]:
    """Per period: distinct customers (or visitors) seen, and those seen for the first time."""
    first = np.full(n_customers, n_periods, dtype=np.int64)
    np.minimum.at(first, codes, period)
    pair = np.unique(codes * n_periods + period)
    seen = np.bincount(pair % n_periods, minlength=n_periods)
    new = np.bincount(first[first < n_periods], minlength=n_periods)
    return {"seen": seen, "new": new}


def repeat_summary(
    codes: np.ndarray, period: np.ndarray, amounts: np.ndarray | None, n_customers: int
) -> dict[str, np.ndarray]:
    """Per customer: first and last purchase period, repeat periods, repeat spend.

    ``period`` is any integer period number (day, week start, month ordinal). Purchases
    in the same period count once, their amounts summed (lifetimes' convention).

    Returns ``first``, ``last``, ``frequency`` (distinct periods - 1) and, with amounts,
    ``repeat_value`` (sum over the periods after the first).
    """
    order = np.lexsort((period, codes))
    c, p = codes[order], period[order]
    new_pair = np.ones(len(c), dtype=bool)
    new_pair[1:] = (c[1:] != c[:-1]) | (p[1:] != p[:-1])
    pair_id = np.cumsum(new_pair) - 1
    pair_cust, pair_period = c[new_pair], p[new_pair]
    first = np.full(n_customers, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, pair_cust, pair_period)
    last = np.full(n_customers, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(last, pair_cust, pair_period)
    count = np.bincount(pair_cust, minlength=n_customers)
    out = {"first": first, "last": last, "frequency": count - 1}
    if amounts is not None:
        pair_value = np.bincount(pair_id, weights=amounts[order], minlength=len(pair_cust))
        is_first = pair_period == first[pair_cust]
        out["repeat_value"] = np.bincount(pair_cust[~is_first], weights=pair_value[~is_first], minlength=n_customers)
    return out
