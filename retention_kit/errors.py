"""The kit's one exception class and helpers that build its messages."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["RetentionDataError", "ConvergenceError"]


class RetentionDataError(ValueError):
    """Input the kit cannot use as given.

    The message names the parameter, the column, a few offending values with their
    row numbers, and what to do about it. It is a ``ValueError``, so code that
    already catches ``ValueError`` keeps working.

    Besides the message, the error carries structured fields that programs (the
    ``retention-kit`` command among them) use instead of reading the text:

    - ``parameter``: the name of the function or loader parameter that settles the
      problem (``"decimal"``, ``"customer_col"``, ``"active_days"``), or ``None``;
    - ``column``: the data column at fault, or ``None``;
    - ``options``: the accepted values of ``parameter`` when they are a closed set
      (``("error", "exclude")``), or the candidate values that would settle this
      input (the two date formats an ambiguous date column allows), else ``None``.

    Examples
    --------
    >>> err = RetentionDataError("refunds='x': expected 'error' or 'exclude'.",
    ...                          parameter="refunds", options=("error", "exclude"))
    >>> err.parameter, err.options, str(err)
    ('refunds', ('error', 'exclude'), "refunds='x': expected 'error' or 'exclude'.")
    """

    def __init__(
        self,
        message: str,
        *,
        parameter: str | None = None,
        column: str | None = None,
        options: Sequence[object] | None = None,
    ) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.column = column
        self.options = tuple(options) if options is not None else None


class ConvergenceError(RetentionDataError):
    """A model fit that did not converge; the message says what to try.

    ``parameter`` names the option to change (usually ``"penalizer"``).
    """


def counted(n: int, one: str, many: str) -> str:
    """``n`` with the words that agree with it: ``counted(1, "row has", "rows have")``
    is ``"1 row has"``, ``counted(2, ...)`` is ``"2 rows have"``."""
    return f"{n:,} {one if n == 1 else many}"


def describe_rows(
    mask: np.ndarray | pd.Series,
    values: pd.Series | np.ndarray | None,
    where: Sequence[str],
    *,
    limit: int = 5,
) -> str:
    """Describe the first ``limit`` rows where ``mask`` is true, e.g. "line 5: 'x', line 9: ''".

    ``where`` holds a human-readable location for every row ("line 5" for a CSV file,
    "row 3" for a DataFrame).
    """
    mask = np.asarray(mask, dtype=bool)
    positions = np.flatnonzero(mask)
    shown = []
    for pos in positions[:limit]:
        if values is None:
            shown.append(str(where[pos]))
        else:
            value = values.iloc[pos] if isinstance(values, pd.Series) else values[pos]
            shown.append(f"{where[pos]}: {_show(value)}")
    text = ", ".join(shown)
    more = len(positions) - limit
    if more > 0:
        text += f" (and {more:,} more)"
    return text


def _show(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "(blank)"
    return repr(value) if isinstance(value, str) else str(value)
