"""The input boundary: every table a public function receives passes through here.

:func:`canonical` turns an accepted table into the canonical columns the kit computes
on, or refuses it with a message that names the parameter, the column and the loader
that would have made it right. Everything after the boundary can rely on its promises:

- the table is a pandas DataFrame with at least one row;
- the kind's columns are there (``customer_id`` and ``date`` for transactions;
  ``customer_id``, ``start_date`` and ``end_date`` for subscriptions; ``visitor_id``
  and ``date`` for sessions);
- ids are never missing; dates are datetimes, never missing (except a live spell's
  ``end_date``), without a time zone (the loaders' rule: the local wall-clock time of
  an offset-aware timestamp is kept);
- a spell never ends before it starts.

:func:`observation_end` is the one reading of an ``observation_end`` (or
``calibration_end``) argument, and :func:`require_columns` checks the result tables
that plot functions receive.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Union

import numpy as np
import pandas as pd

from .errors import RetentionDataError

__all__ = ["TableKind", "KINDS", "TableLike", "canonical", "observation_end", "require_columns"]

if TYPE_CHECKING:  # the engines are optional: named for type checkers only
    import duckdb
    import polars
    import pyspark.sql

    TableLike = Union[
        pd.DataFrame, polars.DataFrame, polars.LazyFrame, duckdb.DuckDBPyRelation, pyspark.sql.DataFrame
    ]
else:
    #: A table a public function accepts: a pandas DataFrame, a Polars DataFrame or
    #: LazyFrame, a DuckDB relation or a PySpark DataFrame (see ``validation.Log``).
    TableLike = pd.DataFrame


@dataclass(frozen=True)
class TableKind:
    """What one kind of canonical table holds, and which loader makes it."""

    name: str
    id_col: str
    id_word: str  # "customer id", "visitor id"
    date_cols: tuple[str, ...]  # datetime columns, in the order they are checked
    optional_dates: tuple[str, ...]  # datetime columns that may be blank
    loader: str
    row_word: str  # "purchases", "spells", "sessions"

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.id_col, *self.date_cols)


KINDS: dict[str, TableKind] = {
    "transactions": TableKind(
        "transactions", "customer_id", "customer id", ("date",), (), "load_transactions", "purchases"
    ),
    "subscriptions": TableKind(
        "subscriptions", "customer_id", "customer id", ("start_date", "end_date"), ("end_date",),
        "load_subscriptions", "spells",
    ),
    "sessions": TableKind(
        "sessions", "visitor_id", "visitor id", ("date",), (), "load_sessions", "sessions"
    ),
}


def canonical(table: object, *, kind: str, param: str | None = None) -> pd.DataFrame:
    """Check a table of ``kind`` and return it with time-zone-free dates.

    Parameters
    ----------
    table : pandas.DataFrame
        The table a public function received.
    kind : {"transactions", "subscriptions", "sessions"}
        What it should hold (see :data:`KINDS`).
    param : str, optional
        The parameter name to use in messages (default: ``kind``).

    Returns
    -------
    pandas.DataFrame
        The same table (no copy) or, when a date column carried a time zone, a shallow
        copy with the local wall-clock times.

    Raises
    ------
    RetentionDataError
        With ``parameter`` set to ``param`` and ``column`` to the column at fault.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a"], "date": pd.to_datetime(["2024-01-05"])})
    >>> canonical(tx, kind="transactions") is tx
    True
    >>> canonical(tx.rename(columns={"date": "when"}), kind="transactions")
    Traceback (most recent call last):
    ...
    retention_kit.errors.RetentionDataError: transactions: missing canonical column(s) ['date']; got ['customer_id', 'when']. Load the export with retention_kit.load_transactions(...), which maps your column names.
    """
    spec = KINDS[kind]
    name = param or kind
    if not isinstance(table, pd.DataFrame):
        raise RetentionDataError(
            f"{name}: expected a pandas DataFrame, got {type(table).__name__}.", parameter=name
        )
    missing = [c for c in spec.columns if c not in table.columns]
    if missing:
        raise RetentionDataError(
            f"{name}: missing canonical column(s) {missing}; got {list(table.columns)}. Load the "
            f"export with retention_kit.{spec.loader}(...), which maps your column names.",
            parameter=name, column=missing[0],
        )
    if len(table) == 0:
        raise RetentionDataError(f"{name}: the table is empty, so there is nothing to count.", parameter=name)
    blank = table[spec.id_col].isna().to_numpy()
    if blank.any():
        raise RetentionDataError(
            f"{name}[{spec.id_col!r}]: {int(blank.sum()):,} rows have no {spec.id_word} (first at "
            f"row {int(np.flatnonzero(blank)[0])}). Load the export with retention_kit."
            f"{spec.loader}(...), which reports or excludes them (blank_ids='exclude').",
            parameter=name, column=spec.id_col,
        )
    fixed: dict[str, pd.Series] = {}
    for col in spec.date_cols:
        values = table[col]
        if not pd.api.types.is_datetime64_any_dtype(values.dtype):
            raise RetentionDataError(
                f"{name}[{col!r}] is not a datetime column ({values.dtype}); load the export with "
                f"retention_kit.{spec.loader}(...), which parses dates.",
                parameter=name, column=col,
            )
        if col not in spec.optional_dates:
            missing_dates = values.isna().to_numpy()
            if missing_dates.any():
                raise RetentionDataError(
                    f"{name}[{col!r}]: {int(missing_dates.sum()):,} {spec.row_word} have no date "
                    f"(first at row {int(np.flatnonzero(missing_dates)[0])}).",
                    parameter=name, column=col,
                )
        if getattr(values.dt, "tz", None) is not None:
            fixed[col] = values.dt.tz_localize(None)
    out = table.assign(**fixed) if fixed else table
    if kind == "subscriptions":
        backwards = (out["end_date"] < out["start_date"]).to_numpy()
        if backwards.any():
            raise RetentionDataError(
                f"{name}: {int(backwards.sum()):,} spells end before they start (first at row "
                f"{int(np.flatnonzero(backwards)[0])}). Load the table with "
                "retention_kit.load_subscriptions(...), which checks the spells.",
                parameter=name, column="end_date",
            )
    return out


def observation_end(
    value: object,
    *,
    first: pd.Timestamp,
    last: pd.Timestamp,
    param: str = "observation_end",
) -> pd.Timestamp:
    """The last observed day (midnight) from an ``observation_end``-style argument.

    ``None`` means the day of ``last`` (the latest event), refused when that is more than
    a year from today: a far-future placeholder must not stretch every per-period table
    to it. A date before the day of ``first`` (the first event) leaves nothing to observe
    and is refused. A time zone is dropped, keeping the local date.

    Examples
    --------
    >>> first, last = pd.Timestamp("2024-01-05"), pd.Timestamp("2024-03-20 14:00")
    >>> observation_end(None, first=first, last=last)
    Timestamp('2024-03-20 00:00:00')
    >>> observation_end("2024-06-30", first=first, last=last)
    Timestamp('2024-06-30 00:00:00')
    """
    if value is None:
        latest = pd.Timestamp(last).normalize()
        horizon = pd.Timestamp.today().normalize() + pd.Timedelta(days=365)
        if latest > horizon:
            raise RetentionDataError(
                f"{param}: the latest date in the data is {latest.date()}, more than a year from "
                "today, and with observation_end=None every per-period table would run to it. "
                "It is most likely a placeholder (2099-12-31, 9999-12-31 for 'no end') or a typo: "
                "fix or blank it (the loaders refuse such dates; load_subscriptions(open_end_values="
                "[...]) reads sentinel end dates as open), or pass observation_end= with the day "
                "the export was taken.",
                parameter=param,
            )
        return latest
    try:
        end = pd.Timestamp(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        end = pd.NaT
    if end is pd.NaT:
        raise RetentionDataError(
            f"{param}={value!r}: expected a date such as '1998-06-30'.", parameter=param
        ) from None
    if end.tzinfo is not None:
        end = end.tz_localize(None)
    end = end.normalize()
    if end < pd.Timestamp(first).normalize():
        raise RetentionDataError(
            f"{param}={end.date()} is before the first event ({pd.Timestamp(first).date()}): "
            "no period can be observed.",
            parameter=param,
        )
    return end


def require_columns(
    table: object,
    columns: Sequence[str],
    *,
    param: str = "table",
    made_by: str = "customer_counts() or subscription_counts()",
) -> pd.DataFrame:
    """Check that a result table (the input of a plot) has ``columns``.

    Examples
    --------
    >>> require_columns(pd.DataFrame({"period": []}), ["period", "crr"])
    Traceback (most recent call last):
    ...
    retention_kit.errors.RetentionDataError: table: missing column(s) ['crr']; pass the output of customer_counts() or subscription_counts().
    """
    if not isinstance(table, pd.DataFrame):
        raise RetentionDataError(
            f"{param}: expected a pandas DataFrame, got {type(table).__name__}.", parameter=param
        )
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise RetentionDataError(
            f"{param}: missing column(s) {missing}; pass the output of {made_by}.",
            parameter=param, column=missing[0],
        )
    return table
