"""Who is a customer when: the activity rule, for transaction logs and subscription tables.

Both kinds of table become *activity spells* in snapshot days (see ``_engine``): a
snapshot day ``t`` is the state of the business after everything that happened on the
days before ``t``.

- Transaction log, rule ``active_days = A``: a purchase on day ``d`` keeps its customer
  counted at every snapshot ``d < t <= d + A``.
- Subscription table: a spell from ``start_date`` ``s`` to ``end_date`` ``e`` (the first
  day without it; blank while live) counts at every snapshot ``s < t <= e``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import _engine
from .errors import RetentionDataError

__all__ = ["Activity", "activity"]

_SUBSCRIPTION_COLUMNS = ["customer_id", "start_date", "end_date"]
_TRANSACTION_COLUMNS = ["customer_id", "date"]


@dataclass
class Activity:
    """Activity spells of one table, in snapshot days, ready for the engine."""

    kind: str  # "transactions" or "subscriptions"
    rule: str
    ids: np.ndarray  # customer id of each code
    codes: np.ndarray  # customer code of each spell
    active_from: np.ndarray
    active_to: np.ndarray
    first_day: np.ndarray  # day of each customer's first event, by code
    first_event: pd.Timestamp
    observation_end: pd.Timestamp  # last day observed (inclusive)
    source_rows: np.ndarray  # row position in the table of each spell
    table: pd.DataFrame

    @property
    def end_snapshot(self) -> int:
        """The last snapshot day observed: the state after ``observation_end``."""
        return int(day(self.observation_end)) + 1


def day(value: pd.Timestamp) -> int:
    return int(np.datetime64(pd.Timestamp(value).normalize().to_datetime64(), "D").astype(np.int64))


def _observation_end(value: object, last_event: pd.Timestamp, first_event: pd.Timestamp) -> pd.Timestamp:
    if value is None:
        return pd.Timestamp(last_event).normalize()
    try:
        end = pd.Timestamp(value)
    except (TypeError, ValueError):
        end = pd.NaT
    if end is pd.NaT:
        raise RetentionDataError(
            f"observation_end={value!r}: expected a date such as '1998-06-30'."
        ) from None
    if end.tzinfo is not None:
        end = end.tz_localize(None)
    end = end.normalize()
    if end < pd.Timestamp(first_event).normalize():
        raise RetentionDataError(
            f"observation_end={end.date()} is before the first event ({first_event.date()}): "
            "no period can be observed."
        )
    return end


def _check_frame(table: object, param: str) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise RetentionDataError(f"{param}: expected a pandas DataFrame, got {type(table).__name__}.")
    if len(table) == 0:
        raise RetentionDataError(f"{param}: the table is empty, so there is nothing to count.")
    return table


def _check_ids(table: pd.DataFrame, param: str) -> None:
    missing = table["customer_id"].isna().to_numpy()
    if missing.any():
        raise RetentionDataError(
            f"{param}['customer_id']: {int(missing.sum()):,} rows have no customer id (first at "
            f"row {int(np.flatnonzero(missing)[0])}). Load the export with "
            "retention_kit.load_transactions / load_subscriptions, which report or exclude them."
        )


def _naive(dates: pd.Series) -> pd.Series:
    """Drop a time zone, keeping local wall-clock times (the loaders' rule)."""
    return dates.dt.tz_localize(None) if getattr(dates.dt, "tz", None) is not None else dates


def transactions_activity(
    transactions: pd.DataFrame,
    *,
    active_days: object,
    observation_end: object = None,
    param: str = "transactions",
) -> Activity:
    """Activity spells of a canonical transaction log under the ``active_days`` rule."""
    _check_frame(transactions, param)
    missing = [c for c in _TRANSACTION_COLUMNS if c not in transactions.columns]
    if missing:
        raise RetentionDataError(
            f"{param}: missing canonical column(s) {missing}; got {list(transactions.columns)}. "
            "Load the export with retention_kit.load_transactions(...), which maps your column names."
        )
    if (
        isinstance(active_days, bool)
        or not isinstance(active_days, (int, np.integer))
        or active_days < 1
    ):
        raise RetentionDataError(
            f"active_days={active_days!r}: expected a whole number of days >= 1, for example "
            "365 for 'bought within the last year'."
        )
    dates = transactions["date"]
    if not pd.api.types.is_datetime64_any_dtype(dates.dtype):
        raise RetentionDataError(
            f"{param}['date'] is not a datetime column; load the export with "
            "retention_kit.load_transactions(...)."
        )
    if dates.isna().any():
        raise RetentionDataError(f"{param}['date']: {int(dates.isna().sum()):,} purchases have no date.")
    _check_ids(transactions, param)
    dates = _naive(dates)
    first_event = dates.min()
    end = _observation_end(observation_end, dates.max(), first_event)
    days = _engine.day_numbers(dates)
    rows = np.flatnonzero(days <= day(end))  # purchases after the observation end are ignored
    codes, ids = _engine.customer_codes(transactions["customer_id"].to_numpy()[rows])
    days = days[rows]
    first_day = np.full(len(ids), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_day, codes, days)
    a = int(active_days)
    return Activity(
        kind="transactions",
        rule=f"a customer counts while their last purchase is at most {a} days old",
        ids=ids,
        codes=codes,
        active_from=days + 1,
        active_to=days + 1 + a,
        first_day=first_day,
        first_event=first_event,
        observation_end=end,
        source_rows=rows,
        table=transactions,
    )


def subscriptions_activity(
    subscriptions: pd.DataFrame,
    *,
    observation_end: object = None,
    param: str = "subscriptions",
) -> Activity:
    """Activity spells of a canonical subscription table (active while a spell is live)."""
    _check_frame(subscriptions, param)
    missing = [c for c in _SUBSCRIPTION_COLUMNS if c not in subscriptions.columns]
    if missing:
        raise RetentionDataError(
            f"{param}: missing canonical column(s) {missing}; got {list(subscriptions.columns)}. "
            "Load the export with retention_kit.load_subscriptions(...)."
        )
    for col in ("start_date", "end_date"):
        if not pd.api.types.is_datetime64_any_dtype(subscriptions[col].dtype):
            raise RetentionDataError(
                f"{param}[{col!r}] is not a datetime column; load the export with "
                "retention_kit.load_subscriptions(...)."
            )
    _check_ids(subscriptions, param)
    starts, ends = _naive(subscriptions["start_date"]), _naive(subscriptions["end_date"])
    backwards = (ends < starts).to_numpy()
    if backwards.any():
        raise RetentionDataError(
            f"{param}: {int(backwards.sum()):,} spells end before they start (first at row "
            f"{int(np.flatnonzero(backwards)[0])}). Load the table with "
            "retention_kit.load_subscriptions(...), which checks the spells."
        )
    if starts.isna().any():
        raise RetentionDataError(
            f"{param}['start_date']: {int(starts.isna().sum()):,} spells have no start date."
        )
    first_event = starts.min()
    last_event = max(starts.max(), ends.max()) if ends.notna().any() else starts.max()
    end = _observation_end(observation_end, last_event, first_event)
    s_days = _engine.day_numbers(starts)
    rows = np.flatnonzero(s_days <= day(end))  # spells starting after the observation are ignored
    s_days = s_days[rows]
    open_end = day(end) + 2  # beyond every observed snapshot
    e_days = np.where(
        ends.isna().to_numpy()[rows], open_end, _engine.day_numbers(ends.fillna(starts))[rows]
    )
    codes, ids = _engine.customer_codes(subscriptions["customer_id"].to_numpy()[rows])
    first_day = np.full(len(ids), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_day, codes, s_days)
    return Activity(
        kind="subscriptions",
        rule="a customer counts while one of their subscription spells is live",
        ids=ids,
        codes=codes,
        active_from=s_days + 1,
        active_to=np.minimum(e_days, open_end) + 1,
        first_day=first_day,
        first_event=first_event,
        observation_end=end,
        source_rows=rows,
        table=subscriptions,
    )


def activity(
    table: pd.DataFrame,
    *,
    active_days: object = None,
    observation_end: object = None,
    param: str = "table",
) -> Activity:
    """Activity spells of either kind of table, told apart by their canonical columns.

    A subscription table (``start_date``/``end_date``) needs no rule; a transaction log
    (``date``) needs ``active_days``.
    """
    if isinstance(table, pd.DataFrame) and set(_SUBSCRIPTION_COLUMNS) <= set(table.columns):
        if active_days is not None:
            raise RetentionDataError(
                f"active_days={active_days!r}: a subscription table needs no activity rule "
                "(a customer is active while a spell is live); leave active_days out."
            )
        return subscriptions_activity(table, observation_end=observation_end, param=param)
    if isinstance(table, pd.DataFrame) and "date" in table.columns and active_days is None:
        raise RetentionDataError(
            "active_days: a transaction log needs an activity rule, for example "
            "active_days=365 ('a customer counts while they bought within the last year')."
        )
    return transactions_activity(
        table, active_days=active_days, observation_end=observation_end, param=param
    )
