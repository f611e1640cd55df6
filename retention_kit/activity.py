"""Who is a customer when: the activity rule, for transaction logs and subscription tables.

This module is the one implementation of the snapshot convention that every per-period
function follows; the README's "Conventions: when is a customer counted" states it for
users, with a worked example.

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
from .inputs import canonical
from .inputs import observation_end as _read_end
from .validation import ACTIVE_DAYS, check_param

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


def rule_text(kind: str, active_days: int | None = None) -> str:
    """The activity rule of a kind of table, as the result tables state it."""
    if kind == "transactions":
        return f"a customer counts while their last purchase is at most {int(active_days)} days old"
    return "a customer counts while one of their subscription spells is live"


def day(value: pd.Timestamp) -> int:
    return int(np.datetime64(pd.Timestamp(value).normalize().to_datetime64(), "D").astype(np.int64))


def transactions_activity(
    transactions: pd.DataFrame,
    *,
    active_days: object,
    observation_end: object = None,
    param: str = "transactions",
) -> Activity:
    """Activity spells of a canonical transaction log under the ``active_days`` rule.

    ``active_days`` is checked against :data:`retention_kit.validation.ACTIVE_DAYS`, the
    declaration every public function with an activity rule shares.
    """
    transactions = canonical(transactions, kind="transactions", param=param)
    check_param("active_days", active_days, ACTIVE_DAYS)
    dates = transactions["date"]
    first_event = dates.min()
    end = _read_end(observation_end, first=first_event, last=dates.max())
    days = _engine.day_numbers(dates)
    rows = np.flatnonzero(days <= day(end))  # purchases after the observation end are ignored
    codes, ids = _engine.customer_codes(transactions["customer_id"], rows)
    days = days[rows]
    first_day = np.full(len(ids), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_day, codes, days)
    a = int(active_days)
    return Activity(
        kind="transactions",
        rule=rule_text("transactions", a),
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
    subscriptions = canonical(subscriptions, kind="subscriptions", param=param)
    starts, ends = subscriptions["start_date"], subscriptions["end_date"]
    first_event = starts.min()
    last_event = max(starts.max(), ends.max()) if ends.notna().any() else starts.max()
    end = _read_end(observation_end, first=first_event, last=last_event)
    s_days = _engine.day_numbers(starts)
    rows = np.flatnonzero(s_days <= day(end))  # spells starting after the observation are ignored
    s_days = s_days[rows]
    open_end = day(end) + 2  # beyond every observed snapshot
    e_days = np.where(
        ends.isna().to_numpy()[rows], open_end, _engine.day_numbers(ends.fillna(starts))[rows]
    )
    codes, ids = _engine.customer_codes(subscriptions["customer_id"], rows)
    first_day = np.full(len(ids), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_day, codes, s_days)
    return Activity(
        kind="subscriptions",
        rule=rule_text("subscriptions"),
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
