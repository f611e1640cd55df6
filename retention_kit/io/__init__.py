"""Load and validate exports: transaction logs, subscription spells, surveys, web sessions.

Every loader returns a DataFrame with canonical column names and attaches a
:class:`LoadReport` (``df.attrs["load_report"]``, or :func:`load_report`) that accounts
for every row read: rows read = rows kept + rows excluded, by reason. Rows are only
excluded when the caller asked for it with an explicit option; otherwise a problem
raises :class:`~retention_kit.RetentionDataError` naming the parameter, the column, a
few offending rows and the fix.

The package keeps each step apart, the way pandas keeps its readers beside its parsers:

- :mod:`.readers`: a CSV path or a DataFrame into a raw frame with row locations;
- :mod:`.parsers`: ids, dates and amounts parsed column by column, rows at fault named;
- :mod:`.frame`: the accounting (:class:`LoadReport`) and the canonical table;
- :mod:`.loaders`: :func:`load_transactions`, :func:`load_subscriptions`,
  :func:`load_survey` and :func:`load_sessions`.
"""

from .frame import LoadReport, load_report
from .loaders import load_sessions, load_subscriptions, load_survey, load_transactions

__all__ = [
    "LoadReport",
    "load_report",
    "load_transactions",
    "load_subscriptions",
    "load_survey",
    "load_sessions",
]
