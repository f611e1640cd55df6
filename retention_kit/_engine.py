"""The heavy aggregations, in one place behind a narrow interface.

Everything here takes plain arrays (integer day numbers and integer customer codes)
and returns plain arrays or tidy DataFrames, so the rest of the kit never groups a
large table itself. This is the module to make faster, or to re-implement on another
engine (DuckDB, Polars, Spark), without touching the metric functions.

Day numbers are days since 1970-01-01. A *snapshot day* ``t`` stands for the state of
the business after everything that happened on days before ``t``: the state at the
boundary between two periods.

Speed and memory. The hot paths avoid sorting: per-customer tables are filled by scatter
(``table[index] = value``) and by numpy's fast ``ufunc.at`` loops (``np.minimum.at``,
``np.add.at``), linear in the number of rows, and day numbers are mapped to periods
through lookup tables instead of binary search. A dense table (one cell per customer and
period) is used only while it costs at most ``_DENSE_BYTES_PER_ROW`` bytes per input row
(or ``_DENSE_FLOOR`` bytes in all); beyond that the same result comes from sorting (one
packed int64 key; for activity spells the run-merging sort by customer and start). Both
routes give the same numbers: ``tests/test_engine_equivalence.py`` checks each against
the other and against plain pandas.
"""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd

__all__ = [
    "day_numbers",
    "customer_codes",
    "subset_codes",
    "remember_codes",
    "id_rank",
    "activity_counts",
    "activity_runs",
    "period_index",
    "cohort_counts",
    "first_seen_counts",
    "repeat_summary",
]

#: Inputs shorter than this take the plain numpy/pandas calls (lookup tables do not pay).
_LOOKUP_MIN_ROWS = 4096
#: Memory budget of a dense per-customer table, in bytes per input row ...
_DENSE_BYTES_PER_ROW = 24
#: ... or in all, for small inputs.
_DENSE_FLOOR = 64 << 20
_INT64_MAX = np.iinfo(np.int64).max
_INT64_MIN = np.iinfo(np.int64).min


def _dense_fits(cells: int, itemsize: int, n_rows: int) -> bool:
    """Whether a dense table of ``cells`` cells of ``itemsize`` bytes is within budget."""
    return cells * itemsize <= max(_DENSE_BYTES_PER_ROW * n_rows, _DENSE_FLOOR)


def _searchsorted(sorted_values: np.ndarray, x: np.ndarray, side: str, dtype: type = np.int64) -> np.ndarray:
    """``np.searchsorted(sorted_values, x, side)`` as ``dtype``, through a lookup table
    when the values of ``x`` span a range no longer than ``x`` itself (day numbers do):
    one gather per value instead of a binary search."""
    if len(x) and len(x) >= _LOOKUP_MIN_ROWS:
        lo, hi = int(x.min()), int(x.max())
        span = hi - lo + 1
        if span <= len(x):
            table = np.searchsorted(sorted_values, np.arange(lo, hi + 1, dtype=np.int64), side=side)
            if dtype == np.int64:
                return _take(table, np.subtract(x, lo, dtype=np.int64))
            small = np.iinfo(dtype)
            if small.min <= lo and hi <= small.max:  # x - lo computed in the small type
                return table.astype(dtype)[np.subtract(x, lo, dtype=dtype)]
            return table.astype(dtype)[np.subtract(x, lo, dtype=np.int64)]
    return np.searchsorted(sorted_values, x, side=side).astype(dtype, copy=False)


def _take(table: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``table[index]`` written over ``index`` itself (both int64, every index in range):
    one large array fewer. ``mode="clip"`` keeps ``np.take`` from buffering the output."""
    return np.take(table, index, out=index, mode="clip")


def _sort_unique(key: np.ndarray) -> np.ndarray:
    """Distinct values of an int64 key, sorted (sorts ``key`` in place)."""
    key.sort()
    if len(key) == 0:
        return key
    keep = np.empty(len(key), dtype=bool)
    keep[0] = True
    np.not_equal(key[1:], key[:-1], out=keep[1:])
    return key[keep]


def _index_dtype(size: int) -> type:
    """The smaller integer type that indexes an array of ``size`` cells."""
    return np.int32 if size < 2**31 else np.int64


def _pair_flags(codes: np.ndarray, period: np.ndarray, n_customers: int, width: int) -> np.ndarray:
    """Customers x periods table of uint8: 1 where the customer has a row in the period."""
    flags = np.zeros(n_customers * width, dtype=np.uint8)
    pos = np.multiply(codes, width, dtype=_index_dtype(len(flags)))
    pos += period
    flags[pos] = 1
    return flags.reshape(n_customers, width)


def _period_flags(codes: np.ndarray, period: np.ndarray, n_customers: int, width: int) -> np.ndarray:
    """Periods x customers table of uint8: 1 where the customer has a row in the period.

    Period-major: rows of a log sorted by date write to nearby cells, and per-customer
    sums run over contiguous rows."""
    flags = np.zeros(width * n_customers, dtype=np.uint8)
    pos = period.astype(_index_dtype(len(flags)))
    pos *= n_customers
    pos += codes
    flags[pos] = 1
    return flags.reshape(width, n_customers)


def day_numbers(dates: pd.Series | np.ndarray) -> np.ndarray:
    """Dates (datetime64 of any unit) as int64 days since 1970-01-01; NaT becomes INT64 min."""
    values = np.asarray(dates).astype("datetime64[D]")
    return values.view(np.int64)


# Codes a loader already computed for the id column it returned, keyed by the identity of
# that column's immutable Arrow array: a table function on the loaded DataFrame reuses them
# instead of hashing ten million strings again. Any change to the column (a filter, an
# assignment) makes a new Arrow array, which is not known, so stale codes cannot be used.
_KNOWN: dict[int, tuple[weakref.ref, np.ndarray, np.ndarray]] = {}


def remember_codes(ids: pd.Series, codes: np.ndarray, uniques: np.ndarray) -> None:
    """Record ``customer_codes`` of a loaded id column (``codes`` per row, ``uniques`` per code)."""
    backing = getattr(ids.array, "_pa_array", None)
    if backing is None or len(codes) != len(ids):
        return
    key = id(backing)
    _KNOWN[key] = (weakref.ref(backing, lambda _: _KNOWN.pop(key, None)), codes, uniques)


def _known_codes(ids: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    backing = getattr(ids.array, "_pa_array", None)
    entry = _KNOWN.get(id(backing)) if backing is not None else None
    if entry is None or entry[0]() is not backing or len(entry[1]) != len(ids):
        return None
    return entry[1], entry[2]


def customer_codes(
    ids: pd.Series | np.ndarray, rows: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Factorize customer ids (of the ``rows``, positions or a mask, when given) into
    0..n-1 codes; returns (codes, id of each code).

    Codes follow the order of first appearance (``pd.factorize(ids, sort=False)``), which
    is the cheapest; no result may depend on it. A function that returns one row per
    customer orders its rows by id (:func:`id_rank`), so that the same rows in another
    order, or from an engine without row order, give the same table.
    Integer ids from a compact range (auto-increment keys) take a path without a hash
    table; other ids go through ``pd.factorize``: Arrow-backed text ids (what the
    loaders return) are factorized by Arrow without becoming Python strings.
    """
    if isinstance(ids, pd.Series) and isinstance(ids.array, pd.arrays.ArrowStringArray) and not ids.hasnans:
        known = _known_codes(ids)
        if known is not None:
            codes, uniques = known
        else:
            codes, uniques = pd.factorize(ids, sort=False)
            codes = codes.astype(np.int64, copy=False)
        if rows is not None:
            codes, uniques = subset_codes(codes, uniques, rows)
        return codes, np.asarray(uniques, dtype=object)
    values = np.asarray(ids) if rows is None else np.asarray(ids)[rows]
    if values.dtype.kind == "i" and len(values) and len(values) >= _LOOKUP_MIN_ROWS:
        dense = _dense_int_codes(values)
        if dense is not None:
            return dense
    codes, uniques = pd.factorize(values, sort=False)
    return codes.astype(np.int64, copy=False), np.asarray(uniques)


def subset_codes(codes: np.ndarray, uniques, rows: np.ndarray) -> tuple[np.ndarray, object]:
    """The codes of ``rows`` (positions or a mask) renumbered densely, and the ids that
    still occur: ids only outside the rows are dropped."""
    codes = codes[rows]
    present = np.zeros(len(uniques), dtype=bool)
    present[codes] = True
    if present.all():
        return codes, uniques
    return (np.cumsum(present) - 1)[codes], uniques[present]


def _dense_int_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """``customer_codes`` for integer ids spanning a range no longer than the array."""
    n = len(values)
    lo, hi = int(values.min()), int(values.max())
    span = hi - lo + 1
    if span > n or n >= 2**31 - 1:
        return None
    shifted = np.subtract(values, lo, dtype=np.int64)
    first_row = np.full(span, n, dtype=np.int32)  # first row holding each id
    rows = np.arange(n, dtype=np.int32)
    np.minimum.at(first_row, shifted, rows)
    del rows
    present = np.flatnonzero(first_row < n)
    first_row = first_row[present]
    if len(first_row) > 1 and not (first_row[1:] > first_row[:-1]).all():
        present = present[np.argsort(first_row, kind="stable")]
    del first_row
    code_of = np.empty(span, dtype=np.int64)
    code_of[present] = np.arange(len(present), dtype=np.int64)
    codes = _take(code_of, shifted)
    uniques = (present + lo).astype(values.dtype, copy=False)
    return codes, uniques


def id_rank(ids: np.ndarray) -> np.ndarray:
    """The rank of each id in sorted order (``ids`` distinct, as ``customer_codes`` returns).

    Ids of types that do not sort together (numbers mixed with text) are ordered by type
    name, then text. Costs one sort of the distinct ids, not of the rows.
    """
    values = np.asarray(ids)
    try:
        order = np.argsort(values, kind="stable")
    except TypeError:  # mixed, unorderable ids
        order = np.asarray(
            sorted(range(len(values)), key=lambda i: (type(values[i]).__name__, str(values[i]))),
            dtype=np.int64,
        )
    rank = np.empty(len(values), dtype=np.int64)
    rank[order] = np.arange(len(values), dtype=np.int64)
    return rank


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
    # which snapshots does each spell cover? boundary indices lo..hi-1
    lo = _searchsorted(boundaries, active_from, "left", np.int32)
    hi = _searchsorted(boundaries, active_to, "left", np.int32)
    n_customers = len(first_day)
    most = int(np.bincount(codes, minlength=n_customers).max())  # spells of one customer
    dtype = np.uint8 if most < 2**8 else np.uint16 if most < 2**16 else np.uint32
    cells = (len(boundaries) + 1) * n_customers  # a counter and an activity flag per cell
    if most >= 2**32 or not _dense_fits(cells, np.dtype(dtype).itemsize + 1, len(codes)):
        return _activity_counts_sorted(codes, lo, hi, first_day, boundaries, out)
    _activity_counts_dense(codes, lo, hi, first_day, boundaries, out, dtype)
    return out


def _activity_counts_dense(
    codes: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    first_day: np.ndarray,
    boundaries: np.ndarray,
    out: dict[str, np.ndarray],
    dtype: type = np.uint32,
) -> None:
    """Flows from a boundaries x customers table of covering spells (difference array).

    Each spell adds 1 at its first covered boundary and removes it at ``hi``; a running
    sum over boundaries gives the number of spells covering each (boundary, customer),
    exact in unsigned arithmetic modulo 2**bits as long as a customer has fewer spells
    than that. A spell covering nothing (``hi <= lo``) adds and removes at the same cell.
    """
    n_customers = len(first_day)
    n_bounds = len(boundaries)
    n_periods = n_bounds - 1
    cover = np.zeros((n_bounds + 1, n_customers), dtype=dtype)
    flat = cover.reshape(-1)
    index = lo.astype(np.int64)
    index *= n_customers
    index += codes
    one = np.array(1, dtype=dtype)  # typed 0-d arrays keep np.add.at on its fast loop
    minus_one = np.array(np.iinfo(dtype).max, dtype=dtype)  # 2**bits - 1: subtracts 1 (mod 2**bits)
    np.add.at(flat, index, one)
    np.maximum(hi, lo, out=index)
    index *= n_customers
    index += codes
    np.add.at(flat, index, minus_one)
    del index
    for j in range(1, n_bounds):
        np.add(cover[j], cover[j - 1], out=cover[j])
    active = cover[:n_bounds] != 0
    del cover, flat
    counts = np.count_nonzero(active, axis=1)
    out["start"] = counts[:-1].astype(np.int64)
    out["end"] = counts[1:].astype(np.int64)
    for k in range(n_periods):
        before, after = active[k], active[k + 1]
        out["retained"][k] = np.count_nonzero(before & after)
        entered = after & ~before
        out["new"][k] = np.count_nonzero(entered & (first_day >= boundaries[k]))
        out["reactivated"][k] = np.count_nonzero(entered) - out["new"][k]
    out["lost"] = out["start"] - out["retained"]


def _activity_counts_sorted(
    codes: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    first_day: np.ndarray,
    boundaries: np.ndarray,
    out: dict[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """Flows from runs of consecutive active snapshots (sorting spells by customer)."""
    n_periods = len(boundaries) - 1
    covers = hi > lo
    cust, lo, hi = codes[covers], lo[covers].astype(np.int64), hi[covers].astype(np.int64)
    if len(cust) == 0:
        return out
    # 2. union the covered index ranges per customer (ranges that overlap or touch merge:
    #    a customer active at snapshot j through two spells is simply active at j)
    order = np.lexsort((lo, cust))
    cust, lo, hi = cust[order], lo[order], hi[order]
    del order
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
    k = _searchsorted(boundaries, days, "right")
    k -= 1
    return k


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
    offset = cohort[codes]
    np.subtract(period, offset, out=offset)
    size = np.bincount(cohort[has], minlength=n_periods)
    if _dense_fits(n_customers * width, 1, len(codes)):
        on = _cohort_on_dense(codes, offset, cohort, n_periods)
    else:
        on = _cohort_on_sorted(codes, offset, cohort, n_periods)
    out = {"cohort": cohort, "size": size, "on": on}
    if amounts is not None:
        revenue = np.bincount(cohort[codes] * width + offset, weights=amounts, minlength=n_periods * width)
        out["revenue"] = revenue.reshape(n_periods, width)
    span = (last - cohort)[has]
    at_least = np.bincount(cohort[has] * (width + 1) + span, minlength=n_periods * (width + 1))
    at_least = at_least.reshape(n_periods, width + 1)
    # customers whose span reaches offset k or more: reverse cumulative sum over offsets
    out["on_or_after"] = np.cumsum(at_least[:, ::-1], axis=1)[:, ::-1][:, :width]
    if brackets:
        bracket = np.zeros((n_periods, len(brackets)), dtype=np.int64)
        hit = np.zeros(n_customers, dtype=bool)
        for j, (lo, hi) in enumerate(brackets):
            hit[:] = False
            hit[codes[(offset >= lo) & (offset <= hi)]] = True
            bracket[:, j] = np.bincount(cohort[hit], minlength=n_periods)
        out["bracket"] = bracket
    return out


def _cohort_on_dense(codes: np.ndarray, offset: np.ndarray, cohort: np.ndarray, n_periods: int) -> np.ndarray:
    """Distinct customers per (cohort, offset), from a customers x offsets table of flags."""
    on = np.zeros((n_periods, n_periods), dtype=np.int64)
    if len(codes) == 0:
        return on
    flags = _pair_flags(codes, offset, len(cohort), n_periods)
    order = np.argsort(cohort.astype(np.int16) if n_periods < 2**15 else cohort, kind="stable")
    edges = np.searchsorted(cohort[order], np.arange(n_periods + 1), side="left")
    for c in range(n_periods):
        members = order[edges[c] : edges[c + 1]]
        if len(members):
            on[c] = flags[members].sum(axis=0, dtype=np.int64)
    return on


def _cohort_on_sorted(codes: np.ndarray, offset: np.ndarray, cohort: np.ndarray, n_periods: int) -> np.ndarray:
    """Distinct customers per (cohort, offset), from the sorted distinct (customer, offset) pairs."""
    width = n_periods
    pair = _sort_unique(codes * width + offset)
    pair_cust, pair_offset = np.divmod(pair, width)
    cell = cohort[pair_cust] * width + pair_offset
    return np.bincount(cell, minlength=n_periods * width).reshape(n_periods, width)


def first_seen_counts(codes: np.ndarray, period: np.ndarray, n_customers: int, n_periods: int) -> dict[str, np.ndarray]:
    """Per period: distinct customers (or visitors) seen, and those seen for the first time."""
    first = np.full(n_customers, n_periods, dtype=np.int64)
    np.minimum.at(first, codes, period)
    if len(codes) and _dense_fits(n_customers * n_periods, 1, len(codes)):
        seen = np.count_nonzero(_period_flags(codes, period, n_customers, n_periods), axis=1).astype(np.int64)
    else:
        pair = _sort_unique(codes * n_periods + period)
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
    first = np.full(n_customers, _INT64_MAX, dtype=np.int64)
    np.minimum.at(first, codes, period)
    last = np.full(n_customers, _INT64_MIN, dtype=np.int64)
    np.maximum.at(last, codes, period)
    count = _distinct_periods(codes, period, n_customers)
    out = {"first": first, "last": last, "frequency": count - 1}
    if amounts is not None:
        # the amounts of the rows outside each customer's first period; a sum in another row
        # order may differ in its last bit (tests/test_order_independence.py allows 1e-12)
        later = period != first[codes]
        out["repeat_value"] = np.bincount(codes, weights=np.where(later, amounts, 0.0), minlength=n_customers)
    return out


def _distinct_periods(codes: np.ndarray, period: np.ndarray, n_customers: int) -> np.ndarray:
    """Number of distinct periods of each customer (int64)."""
    if len(codes) == 0:
        return np.zeros(n_customers, dtype=np.int64)
    lo, hi = int(period.min()), int(period.max())
    span = hi - lo + 1
    if span <= max(len(period), 1 << 16):
        # rank the distinct period numbers (week starts step by 7 days): 0..n_distinct-1
        shifted = np.subtract(period, lo, dtype=np.int64)
        used = np.zeros(span, dtype=bool)
        used[shifted] = True
        n_distinct = int(np.count_nonzero(used))
        if _dense_fits(n_customers * n_distinct, 1, len(codes)):
            rank = np.cumsum(used, dtype=np.int64) - 1
            rank = rank.astype(np.int16 if n_distinct < 2**15 else np.int64)[shifted]
            del shifted
            return _distinct_periods_dense(codes, rank, n_customers, n_distinct)
        del shifted, used
    return _distinct_periods_sorted(codes, period, n_customers)


def _distinct_periods_dense(codes: np.ndarray, rank: np.ndarray, n_customers: int, width: int) -> np.ndarray:
    """Distinct periods per customer from a periods x customers table of flags (``rank``
    in 0..width-1), summed over periods."""
    flags = _period_flags(codes, rank, n_customers, width)
    return np.add.reduce(flags, axis=0, dtype=np.uint16 if width < 2**16 else np.int64).astype(np.int64)


def _distinct_periods_sorted(codes: np.ndarray, period: np.ndarray, n_customers: int) -> np.ndarray:
    """Distinct periods per customer from the sorted distinct (customer, period) pairs."""
    lo, hi = int(period.min()), int(period.max())
    span = hi - lo + 1
    if n_customers * span < 2**62:
        pair = _sort_unique(codes * span + (period - lo))
        return np.bincount(pair // span, minlength=n_customers).astype(np.int64)
    order = np.lexsort((period, codes))
    c, p = codes[order], period[order]
    new_pair = np.ones(len(c), dtype=bool)
    new_pair[1:] = (c[1:] != c[:-1]) | (p[1:] != p[:-1])
    return np.bincount(c[new_pair], minlength=n_customers).astype(np.int64)
