"""Calendar periods shared by every per-period table: day, week, month, quarter, year."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import RetentionDataError
from .validation import Freq

__all__ = ["period_freq", "complete_periods"]

_FREQS = Freq._ALIASES  # one table of period names, shared with the parameter checks
_WEEKDAYS = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]


def period_freq(freq: str, *, week_start: str = "MON") -> str:
    """The pandas period alias for a kit ``freq``: ``"M"``, ``"Q-DEC"``, ``"W-SUN"``...

    ``freq`` is one of ``"D"``, ``"W"``, ``"M"``, ``"Q"``, ``"Y"`` (or ``"day"``,
    ``"week"``, ``"month"``, ``"quarter"``, ``"year"``). Weeks start on ``week_start``
    (default Monday, the ISO 8601 convention); quarters and years are calendar ones.

    Examples
    --------
    >>> period_freq("week"), period_freq("W", week_start="SUN"), period_freq("Q")
    ('W-SUN', 'W-SAT', 'Q-DEC')
    """
    key = _FREQS.get(freq, _FREQS.get(str(freq).lower()))
    if key is None:
        raise RetentionDataError(
            f"freq={freq!r}: expected one of 'D', 'W', 'M', 'Q', 'Y' "
            "(day, week, month, quarter, year)."
        )
    if key == "W":
        start = str(week_start).upper()[:3]
        if start not in _WEEKDAYS:
            raise RetentionDataError(
                f"week_start={week_start!r}: expected a weekday name such as 'MON' or 'SUN'."
            )
        # pandas names a weekly period by its last day: weeks starting Monday end Sunday
        return "W-" + _WEEKDAYS[_WEEKDAYS.index(start) - 1]
    return {"Q": "Q-DEC", "Y": "Y-DEC"}.get(key, key)


def complete_periods(
    first_day: pd.Timestamp,
    last_day: pd.Timestamp,
    freq: str,
    *,
    week_start: str = "MON",
) -> tuple[pd.PeriodIndex, np.ndarray]:
    """Periods from the one holding ``first_day`` to the last one that ends by ``last_day``.

    Returns the periods and their K + 1 boundaries as int64 day numbers (the first day
    of each period, then the day after the last period). A period that ends after
    ``last_day`` is not observed to its end and is left out; if none is complete,
    :class:`RetentionDataError` says so.
    """
    alias = period_freq(freq, week_start=week_start)
    first = pd.Period(first_day, freq=alias)
    last = pd.Period(last_day, freq=alias)
    if last.end_time.normalize() > pd.Timestamp(last_day).normalize():
        last = last - 1
    if last < first:
        raise RetentionDataError(
            f"freq={freq!r}: the data runs from {pd.Timestamp(first_day).date()} to "
            f"{pd.Timestamp(last_day).date()}, which holds no complete period of that length. "
            "Use a shorter freq, or a later observation_end."
        )
    periods = pd.period_range(first, last, freq=alias)
    starts = periods.start_time.values.astype("datetime64[D]").astype(np.int64)
    after = (periods[-1] + 1).start_time.to_datetime64().astype("datetime64[D]").astype(np.int64)
    return periods, np.append(starts, after)
