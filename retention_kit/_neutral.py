"""The heavy aggregations on any engine: Polars, DuckDB, PySpark, through Narwhals.

A table that is not a pandas DataFrame (a Polars DataFrame or LazyFrame, a DuckDB
relation, a PySpark DataFrame) is never turned into pandas. Each aggregation below is
one lazy query, written once against Narwhals' stable API, that runs on the engine the
table came from; only its small result is collected: one row per period, per cohort and
period, or per customer for the per-customer summaries. The metric functions then finish
the job on those results exactly as they do with the numpy engine (:mod:`._engine`), so
the numbers are the same on every engine: ``tests/test_engines.py`` holds each
aggregation equal to the numpy path on random logs, on pandas, Polars, DuckDB and Spark.

Periods are given by their boundaries (the first day of each period, then the day after
the last), as the numpy engine takes them: a row's period index is the number of
boundaries on or before its date, minus one, computed as a sum of comparisons with
literal timestamps. It costs one comparison per boundary and row, so a calendar without
arithmetic (Jalali months, fiscal years) costs the same as a Gregorian one.

Conventions shared with :mod:`._engine` (see :mod:`.activity`):

- a purchase on day ``d`` keeps its customer counted at the snapshot (period boundary)
  ``b`` when ``d < b <= d + active_days``;
- a spell from ``s`` to ``e`` (the first day without it; null while live) counts at
  ``b`` when ``s < b <= e``.
"""

from __future__ import annotations

import datetime as _dt
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .errors import RetentionDataError

__all__ = [
    "is_foreign",
    "wants_neutral",
    "route_pandas",
    "Foreign",
    "column_names",
    "inspect",
    "collect_table",
    "repeat_summary",
    "holdout_periods",
    "cohort_cells",
    "activity_flows",
    "first_seen_counts",
    "first_two_days",
]

#: Set by :func:`route_pandas` (tests): pandas inputs take the neutral path too.
_ROUTE_PANDAS = False

_EPOCH_ORDINAL = 719162  # days from 0001-01-01 to 1970-01-01
#: Period boundaries ``activity_flows`` takes in one query (one column per boundary).
MAX_ACTIVITY_BOUNDARIES = 401


def _nw():
    try:
        import narwhals.stable.v2 as nw
    except ImportError as exc:  # pragma: no cover - narwhals is a core dependency
        raise RetentionDataError(
            "tables other than pandas DataFrames need the narwhals package: "
            "pip install 'retention-kit'"
        ) from exc
    return nw


def is_foreign(table: object) -> bool:
    """Whether ``table`` is a table of another engine (Polars, DuckDB, PySpark) that Narwhals reads."""
    if isinstance(table, pd.DataFrame):
        return False
    module = type(table).__module__.split(".")[0]
    if module not in {"polars", "duckdb", "pyspark"}:
        return False
    nw = _nw()
    try:
        nw.from_native(table)
    except TypeError:
        return False
    return True


def wants_neutral(table: object) -> bool:
    """Whether a table function should compute on ``table`` through this module."""
    return is_foreign(table) or (_ROUTE_PANDAS and isinstance(table, pd.DataFrame))


@contextmanager
def route_pandas() -> Iterator[None]:
    """Send pandas inputs through the neutral path too (for tests of equality)."""
    global _ROUTE_PANDAS
    before, _ROUTE_PANDAS = _ROUTE_PANDAS, True
    try:
        yield
    finally:
        _ROUTE_PANDAS = before


def column_names(table: object) -> list[str]:
    """The column names of a table of any engine."""
    if isinstance(table, pd.DataFrame):
        return list(table.columns)
    return list(_nw().from_native(table).lazy().collect_schema())


def _engine_name(native: object) -> str:
    module = type(native).__module__.split(".")[0]
    return {"polars": "Polars", "duckdb": "DuckDB", "pyspark": "PySpark", "pandas": "pandas"}.get(module, module)


def _collect(lf: Any) -> pd.DataFrame:
    """Run a lazy query and return its (small) result as a pandas DataFrame."""
    with warnings.catch_warnings():
        # PySpark 4 warns that it does not fully support pandas 3 whenever it meets pandas;
        # the result goes through Arrow, which it supports.
        warnings.filterwarnings("ignore", message=".*PySpark does not yet fully support.*")
        # Polars runs the query on its streaming engine: in batches, larger than memory
        options = {"engine": "streaming"} if lf.implementation.is_polars() else {}
        table = lf.collect(backend="pyarrow", **options).to_native()
    return table.to_pandas()


@dataclass
class Foreign:
    """A checked table of another engine: its lazy frame and what the checks learned."""

    lf: Any  # narwhals LazyFrame with the canonical columns, dates as datetimes
    engine: str
    rows: int
    first: pd.Timestamp  # earliest date (start date for subscriptions)
    last: pd.Timestamp  # latest date (start or end date for subscriptions)
    columns: tuple[str, ...]


_KINDS = {
    "transactions": ("customer_id", ("date",), (), "load_transactions"),
    "subscriptions": ("customer_id", ("start_date", "end_date"), ("end_date",), "load_subscriptions"),
    "sessions": ("visitor_id", ("date",), (), "load_sessions"),
}


def inspect(table: object, *, kind: str, param: str | None = None, need: Sequence[str] = ()) -> Foreign:
    """Check a table of another engine as :func:`retention_kit.inputs.canonical` checks a
    pandas one (canonical columns, no blank id or date, spells that do not end before
    they start), in one query, and learn its size and date range."""
    nw = _nw()
    name = param or kind
    id_col, date_cols, optional, loader = _KINDS[kind]
    native = table
    lf = nw.from_native(table).lazy()
    engine = _engine_name(native)
    schema = lf.collect_schema()
    wanted = (id_col, *date_cols, *need)
    missing = [c for c in wanted if c not in schema]
    fix = (f"rename or cast it in {engine} (README: 'Bigger than one machine'), or load Parquet files "
           f"with retention_kit.{loader}(..., lazy=True)")
    if missing:
        raise RetentionDataError(
            f"{name}: missing canonical column(s) {missing}; got {list(schema)}. Select the columns "
            f"under the canonical names in {engine} (README: 'Bigger than one machine'), or load "
            f"Parquet files with retention_kit.{loader}(..., lazy=True), which maps your column names.",
            parameter=name, column=missing[0],
        )
    casts = []
    for col in date_cols:
        dtype = schema[col]
        if dtype == nw.Date:
            casts.append(nw.col(col).cast(nw.Datetime("us")))
        elif isinstance(dtype, nw.Datetime) or dtype == nw.Datetime:
            zone = getattr(dtype, "time_zone", None)
            if zone and engine in {"Polars", "pandas"}:
                casts.append(nw.col(col).dt.replace_time_zone(None))  # the local wall-clock time
            elif zone and engine == "DuckDB":
                # a TIMESTAMPTZ is an instant: its calendar day depends on a zone it does not
                # carry (DuckDB would use the session's), so the kit cannot know which is meant
                raise RetentionDataError(
                    f"{name}[{col!r}] is a timestamp with time zone (TIMESTAMPTZ), whose calendar day "
                    "depends on the zone it is read in. Convert it in SQL to the local time that is "
                    f"meant, for example timezone('Asia/Tehran', {col}) AS {col}, which gives a "
                    "plain TIMESTAMP.",
                    parameter=name, column=col,
                )
            # Spark: every timestamp is read in the session time zone (spark.sql.session.timeZone)
        else:
            raise RetentionDataError(
                f"{name}[{col!r}] is not a datetime column ({dtype}): cast it to a timestamp or date, "
                f"or {fix}, which parses dates.",
                parameter=name, column=col,
            )
    for col in need:
        if not schema[col].is_numeric():
            raise RetentionDataError(
                f"{name}[{col!r}] is not a numeric column ({schema[col]}): cast it to a number, "
                f"or {fix}, which parses amounts.",
                parameter=name, column=col,
            )
    lf = lf.select(*wanted)
    if casts:
        lf = lf.with_columns(*casts)
    first_col = date_cols[0]
    stats = [
        nw.len().alias("rows"),
        nw.col(id_col).is_null().cast(nw.Int64).sum().alias("blank_ids"),
        nw.col(first_col).min().alias("first"),
        nw.col(first_col).max().alias("last"),
    ]
    for col in date_cols:
        if col not in optional:
            stats.append(nw.col(col).is_null().cast(nw.Int64).sum().alias(f"null_{col}"))
    for col in need:
        stats.append(nw.col(col).is_null().cast(nw.Int64).sum().alias(f"null_{col}"))
    if kind == "subscriptions":
        stats.append(nw.col("end_date").max().alias("last_end"))
        stats.append((nw.col("end_date") < nw.col("start_date")).cast(nw.Int64).sum().alias("backwards"))
    row = _collect(lf.select(*stats)).iloc[0]
    rows = int(row["rows"])
    if rows == 0:
        raise RetentionDataError(f"{name}: the table is empty, so there is nothing to count.", parameter=name)
    if int(row["blank_ids"]):
        raise RetentionDataError(
            f"{name}[{id_col!r}]: {int(row['blank_ids']):,} rows have no {id_col.replace('_', ' ')}. "
            f"Filter them out in {engine} (they are counted nowhere else), or load Parquet files with "
            f"retention_kit.{loader}(..., lazy=True, blank_ids='exclude'), which counts them.",
            parameter=name, column=id_col,
        )
    for col in date_cols:
        if col not in optional and int(row[f"null_{col}"]):
            raise RetentionDataError(
                f"{name}[{col!r}]: {int(row[f'null_{col}']):,} rows have no date: filter them out "
                f"in {engine}, or {fix}, which reports them.",
                parameter=name, column=col,
            )
    for col in need:
        if int(row[f"null_{col}"]):
            raise RetentionDataError(
                f"{name}[{col!r}]: {int(row[f'null_{col}']):,} rows have no {col}, and a sum would skip "
                f"them silently: fill or filter them in {engine}, or {fix}, which refuses or reports them.",
                parameter=name, column=col,
            )
    last = pd.Timestamp(row["last"])
    if kind == "subscriptions":
        if int(row["backwards"]):
            raise RetentionDataError(
                f"{name}: {int(row['backwards']):,} spells end before they start. Load the table with "
                "retention_kit.load_subscriptions(...), which checks the spells.",
                parameter=name, column="end_date",
            )
        if not pd.isna(row["last_end"]):
            last = max(last, pd.Timestamp(row["last_end"]))
    return Foreign(lf=lf, engine=engine, rows=rows, first=_naive(row["first"]), last=_naive(last),
                   columns=tuple(wanted))


def _naive(value: object) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    return stamp.tz_localize(None) if stamp.tzinfo is not None else stamp


def collect_table(table: object) -> pd.DataFrame:
    """A whole table of another engine, collected to pandas (through Arrow): the route of
    the functions that do not compute on other engines. Costs memory in proportion to
    the rows."""
    nw = _nw()
    lf = nw.from_native(table).lazy()
    dates = [name for name, dtype in lf.collect_schema().items() if dtype == nw.Date]
    if dates:  # Arrow dates would become Python objects in pandas; the kit computes on datetimes
        lf = lf.with_columns(*[nw.col(name).cast(nw.Datetime("us")) for name in dates])
    return _collect(lf)


# --------------------------------------------------------------------------- expressions


def _stamp(day: int) -> _dt.datetime:
    """Midnight of a day number, as the literal the engines compare datetimes with."""
    return _dt.datetime(1970, 1, 1) + _dt.timedelta(days=int(day))


def _index(col: str, boundaries: np.ndarray) -> Any:
    """Number of boundaries on or before each date of ``col``, minus one: the period index
    (-1 before the first period, K on or after the last boundary; values outside 0..K-1
    only say "outside", which is all the callers use them for).

    Boundaries a fixed number of days apart (days, weeks) or on the first of months a
    fixed number of months apart (months, quarters, years, fiscal years) take arithmetic;
    any others (a Jalali calendar) one comparison per boundary.
    """
    nw = _nw()
    bounds = np.asarray(boundaries, dtype=np.int64)
    if len(bounds) >= 2:
        steps = np.diff(bounds)
        if (steps == steps[0]).all():
            step = int(steps[0])
            shift = step * (10**7 // step + 1)  # keeps the dividend positive: // floors everywhere
            return (_day(col) - int(bounds[0]) + shift) // step - shift // step
        months = bounds.astype("datetime64[D]").astype("datetime64[M]")
        if (months.astype("datetime64[D]") == bounds.astype("datetime64[D]")).all():
            ordinal = months.astype(np.int64)
            steps = np.diff(ordinal)
            if (steps == steps[0]).all():
                step = int(steps[0])
                month = (nw.col(col).dt.year().cast(nw.Int64) - 1970) * 12 + nw.col(col).dt.month().cast(nw.Int64) - 1
                shift = step * (10**5 // step + 1)
                return (month - int(ordinal[0]) + shift) // step - shift // step
    ge = [(nw.col(col) >= nw.lit(_stamp(b))).cast(nw.Int32) for b in bounds]
    return _balanced_sum(ge) - 1


def _balanced_sum(terms: list[Any]) -> Any:
    """``t0 + t1 + ...`` as a balanced tree (depth log2 n): no coalesce around each term,
    as ``sum_horizontal`` adds, and no expression nested hundreds deep."""
    while len(terms) > 1:
        terms = [terms[i] + terms[i + 1] if i + 1 < len(terms) else terms[i] for i in range(0, len(terms), 2)]
    return terms[0]


def _day(col: str) -> Any:
    """Days since 1970-01-01 of each date (proleptic Gregorian, no division of a negative)."""
    nw = _nw()
    y = nw.col(col).dt.year().cast(nw.Int64) - 1
    return y * 365 + y // 4 - y // 100 + y // 400 + nw.col(col).dt.ordinal_day().cast(nw.Int64) - 1 - _EPOCH_ORDINAL


def _period_number(col: str, freq: str) -> Any:
    """``clv._periods`` on the engine: the day, the day of the Monday starting the week,
    or the month number (months since January 1970)."""
    nw = _nw()
    if freq == "D":
        return _day(col)
    if freq == "W":
        day = _day(col)
        return day - (day + 3 + 7 * 10**6) % 7  # 1970-01-05 (day 4) was a Monday
    return (nw.col(col).dt.year().cast(nw.Int64) - 1970) * 12 + nw.col(col).dt.month().cast(nw.Int64) - 1


# --------------------------------------------------------------------------- aggregations


def repeat_summary(info: Foreign, *, end_day: int, freq: str, monetary: bool) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """``_engine.repeat_summary`` of the purchases on or before ``end_day``: per customer
    the first and last purchase period, the repeat periods and the repeat spend."""
    nw = _nw()
    lf = info.lf.filter(nw.col("date") < nw.lit(_stamp(end_day + 1)))
    lf = lf.with_columns(period=_period_number("date", freq))
    # aggregations stay simple (a function of one column), which every engine runs natively
    if monetary:
        lf = lf.select("customer_id", "period", value=nw.col("amount").cast(nw.Float64))
        per_period = lf.group_by("customer_id", "period").agg(nw.col("value").sum())
        firsts = per_period.group_by("customer_id").agg(nw.col("period").min().alias("first_period"))
        per_period = per_period.join(firsts, on="customer_id").with_columns(
            later=nw.when(nw.col("period") != nw.col("first_period")).then(nw.col("value")).otherwise(0.0))
    else:
        per_period = lf.select("customer_id", "period").unique()
    aggs = [
        nw.col("period").min().alias("first"),
        nw.col("period").max().alias("last"),
        nw.len().alias("periods"),
    ]
    if monetary:
        aggs.append(nw.col("later").sum().alias("repeat_value"))
    out = _collect(per_period.group_by("customer_id").agg(*aggs))
    parts = {
        "first": out["first"].to_numpy(dtype=np.int64),
        "last": out["last"].to_numpy(dtype=np.int64),
        "frequency": out["periods"].to_numpy(dtype=np.int64) - 1,
    }
    if monetary:
        parts["repeat_value"] = out["repeat_value"].to_numpy(dtype=float)
    return out["customer_id"].to_numpy(), parts


def holdout_periods(info: Foreign, *, after_day: int, end_day: int, freq: str, monetary: bool) -> pd.DataFrame:
    """Per customer with purchases in ``(after_day, end_day]``: the number of purchase
    periods and, with ``monetary``, their mean value (the holdout half of
    ``calibration_holdout``)."""
    nw = _nw()
    lf = info.lf.filter((nw.col("date") >= nw.lit(_stamp(after_day + 1))) & (nw.col("date") < nw.lit(_stamp(end_day + 1))))
    lf = lf.with_columns(period=_period_number("date", freq))
    if monetary:
        lf = lf.with_columns(nw.col("amount").cast(nw.Float64))
        per_period = lf.group_by("customer_id", "period").agg(nw.col("amount").sum())
        aggs = [nw.len().alias("count"), nw.col("amount").mean().alias("mean")]
    else:
        per_period = lf.select("customer_id", "period").unique()
        aggs = [nw.len().alias("count")]
    return _collect(per_period.group_by("customer_id").agg(*aggs)).set_index("customer_id")


def cohort_cells(info: Foreign, *, boundaries: np.ndarray, revenue: bool,
                 brackets: list[tuple[int, int]] | None) -> dict[str, np.ndarray]:
    """``_engine.cohort_counts`` of the purchases inside the complete periods that
    ``boundaries`` delimit (``size``, ``on``, ``on_or_after``, ``revenue``, ``bracket``)."""
    nw = _nw()
    n = len(boundaries) - 1
    lf = info.lf.with_columns(k=_index("date", boundaries)).filter((nw.col("k") >= 0) & (nw.col("k") < n))
    # distinct (customer, period) pairs first: a count of pairs per cell is then the count
    # of distinct customers, which engines aggregate faster than a distinct count
    if revenue:
        pairs = lf.with_columns(nw.col("amount").cast(nw.Float64)).group_by("customer_id", "k").agg(
            nw.col("amount").sum())
    else:
        pairs = lf.select("customer_id", "k").unique()
    customers = pairs.group_by("customer_id").agg(nw.col("k").min().alias("cohort"), nw.col("k").max().alias("last"))
    rows = pairs.join(customers.select("customer_id", "cohort"), on="customer_id").with_columns(
        offset=nw.col("k") - nw.col("cohort"))
    cell_aggs = [nw.len().alias("on")]
    if revenue:
        cell_aggs.append(nw.col("amount").sum().alias("revenue"))
    cells = _collect(rows.group_by("cohort", "offset").agg(*cell_aggs))
    spans = _collect(customers.with_columns(span=nw.col("last") - nw.col("cohort"))
                     .group_by("cohort", "span").agg(nw.len().alias("customers")))
    c = cells["cohort"].to_numpy(dtype=np.int64)
    o = cells["offset"].to_numpy(dtype=np.int64)
    on = np.zeros((n, n), dtype=np.int64)
    on[c, o] = cells["on"].to_numpy(dtype=np.int64)
    out: dict[str, np.ndarray] = {"on": on}
    if revenue:
        money = np.zeros((n, n), dtype=float)
        money[c, o] = cells["revenue"].to_numpy(dtype=float)
        out["revenue"] = money
    at_least = np.zeros((n, n + 1), dtype=np.int64)
    sc, ss = spans["cohort"].to_numpy(dtype=np.int64), spans["span"].to_numpy(dtype=np.int64)
    np.add.at(at_least, (sc, ss), spans["customers"].to_numpy(dtype=np.int64))
    out["size"] = at_least.sum(axis=1)
    out["on_or_after"] = np.cumsum(at_least[:, ::-1], axis=1)[:, ::-1][:, :n]
    if brackets:
        names = [f"b{j}" for j in range(len(brackets))]
        hits = rows.with_columns(*[
            ((nw.col("offset") >= lo) & (nw.col("offset") <= hi)).cast(nw.Int64).alias(name)
            for name, (lo, hi) in zip(names, brackets, strict=True)
        ])
        per_customer = hits.group_by("customer_id", "cohort").agg(*[nw.col(name).max() for name in names])
        sums = [nw.col(name).sum() for name in names]
        got = _collect(per_customer.group_by("cohort").agg(*sums))
        bracket = np.zeros((n, len(brackets)), dtype=np.int64)
        bracket[got["cohort"].to_numpy(dtype=np.int64)] = got[[f"b{j}" for j in range(len(brackets))]].to_numpy(dtype=np.int64)
        out["bracket"] = bracket
    return out


def activity_flows(info: Foreign, *, kind: str, boundaries: np.ndarray, end_day: int,
                   active_days: int | None = None) -> dict[str, np.ndarray]:
    """``_engine.activity_counts`` for a transaction log under ``active_days`` or a
    subscription table: per period ``start``, ``end``, ``retained``, ``lost``, ``new``,
    ``reactivated``, ``acquired``.

    One pass flags, per customer and boundary ``b_j``, whether a row makes the customer
    active there (a purchase in ``[b_j - active_days, b_j)``, or a spell with
    ``start < b_j <= end``); a second sums the flags and their neighbours' products over
    customers. A customer's first event falls in the period before the first boundary
    after it, so ``new`` counts the customers who enter at the boundary right after their
    first event.
    """
    nw = _nw()
    n_bounds = len(boundaries)
    n = n_bounds - 1
    if n_bounds > MAX_ACTIVITY_BOUNDARIES:
        raise RetentionDataError(
            f"freq: {n:,} periods in one call; on {info.engine} the activity flows take one column per "
            f"period boundary, so at most {MAX_ACTIVITY_BOUNDARIES - 1:,} periods are computed at once. "
            "Use a longer freq ('W' or 'M'), an observation_end closer to the data's start, or a "
            "filtered table (one call per year).",
            parameter="freq",
        )
    stamps = [nw.lit(_stamp(b)) for b in boundaries]
    if kind == "transactions":
        lf = info.lf.filter(nw.col("date") < nw.lit(_stamp(end_day + 1))).select("customer_id", "date")
        first_col = "date"
        flags = [
            ((nw.col("date") >= nw.lit(_stamp(b - active_days))) & (nw.col("date") < s)).cast(nw.Int8).alias(f"f{j}")
            for j, (b, s) in enumerate(zip(boundaries, stamps, strict=True))
        ]
    else:
        lf = info.lf.filter(nw.col("start_date") < nw.lit(_stamp(end_day + 1))).select("customer_id", "start_date", "end_date")
        first_col = "start_date"
        flags = [
            ((nw.col("start_date") < s) & (nw.col("end_date").is_null() | (nw.col("end_date") >= s)))
            .cast(nw.Int8).alias(f"f{j}")
            for j, s in enumerate(stamps)
        ]
    per_customer = lf.select("customer_id", nw.col(first_col).alias("first"), *flags).group_by("customer_id").agg(
        nw.col("first").min(), *[nw.col(f"f{j}").max() for j in range(n_bounds)])
    per_customer = per_customer.with_columns(
        lo=_balanced_sum([(nw.col("first") >= s).cast(nw.Int32) for s in stamps]))
    f = [nw.col(f"f{j}").cast(nw.Int64) for j in range(n_bounds)]
    sums = [f[j].sum().alias(f"active{j}") for j in range(n_bounds)]
    for k in range(n):
        sums.append((f[k] * f[k + 1]).sum().alias(f"retained{k}"))
        first_here = (nw.col("lo") == k + 1).cast(nw.Int64)
        sums.append((f[k + 1] * (1 - f[k]) * first_here).sum().alias(f"new{k}"))
        sums.append(first_here.sum().alias(f"acquired{k}"))
    row = _collect(per_customer.select(*sums)).iloc[0].fillna(0).astype(np.int64)
    active = np.array([row[f"active{j}"] for j in range(n_bounds)], dtype=np.int64)
    out = {
        "start": active[:-1].copy(),
        "end": active[1:].copy(),
        "retained": np.array([row[f"retained{k}"] for k in range(n)], dtype=np.int64),
        "new": np.array([row[f"new{k}"] for k in range(n)], dtype=np.int64),
        "acquired": np.array([row[f"acquired{k}"] for k in range(n)], dtype=np.int64),
    }
    out["lost"] = out["start"] - out["retained"]
    out["reactivated"] = out["end"] - out["retained"] - out["new"]
    return out


def first_seen_counts(info: Foreign, *, id_col: str, boundaries: np.ndarray) -> dict[str, np.ndarray]:
    """``_engine.first_seen_counts``: per period the distinct ids seen and those seen for
    the first time, over the rows inside the complete periods."""
    nw = _nw()
    n = len(boundaries) - 1
    lf = info.lf.with_columns(k=_index("date", boundaries)).filter((nw.col("k") >= 0) & (nw.col("k") < n))
    seen = _collect(lf.group_by("k").agg(nw.col(id_col).n_unique().alias("seen")))
    new = _collect(lf.group_by(id_col).agg(nw.col("k").min().alias("k")).group_by("k").agg(nw.len().alias("new")))
    out = {"seen": np.zeros(n, dtype=np.int64), "new": np.zeros(n, dtype=np.int64)}
    out["seen"][seen["k"].to_numpy(dtype=np.int64)] = seen["seen"].to_numpy(dtype=np.int64)
    out["new"][new["k"].to_numpy(dtype=np.int64)] = new["new"].to_numpy(dtype=np.int64)
    return out


def first_two_days(info: Foreign, *, end_day: int) -> pd.DataFrame:
    """Per customer, the first and second purchase day (NaT without one) on or before
    ``end_day``, indexed by customer id: the input of the repeat purchase functions."""
    nw = _nw()
    lf = info.lf.filter(nw.col("date") < nw.lit(_stamp(end_day + 1)))
    days = lf.select("customer_id", day=_day("date")).unique()
    firsts = days.group_by("customer_id").agg(nw.col("day").min().alias("first"))
    seconds = (days.join(firsts, on="customer_id").filter(nw.col("day") > nw.col("first"))
               .group_by("customer_id").agg(nw.col("day").min().alias("second")))
    out = _collect(firsts.join(seconds, on="customer_id", how="left")).set_index("customer_id")
    result = pd.DataFrame(index=out.index)
    for col in ("first", "second"):
        values = out[col].to_numpy(dtype=float)
        stamps = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[ns]")
        ok = ~np.isnan(values)
        stamps[ok] = values[ok].astype(np.int64).astype("datetime64[D]").astype("datetime64[ns]")
        result[col] = stamps
    return result.sort_index()
