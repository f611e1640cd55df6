"""Calendar periods shared by every per-period table: day, week, month, quarter, year.

One module decides which days a period covers, for every calendar the kit knows:

- ``calendar="gregorian"`` (default): calendar months, quarters and years; weeks start on
  Monday unless ``week_start`` says otherwise. With ``fiscal_year_start=m`` (2-12),
  quarters and years are fiscal ones starting in month ``m``, **named by the calendar
  year they end in**: with ``fiscal_year_start=4``, 2024-04-01 to 2025-03-31 is
  ``FY2025`` and its first quarter (April-June 2024) ``FY2025Q1`` (the UK, Indian and
  US federal convention).
- ``calendar="jalali"``: the Solar Hijri calendar of Iran. Months are Jalali months
  (``1402-08`` is Aban 1402), quarters the four seasons (``1402Q1`` is Farvardin to
  Khordad, spring), years start at Nowruz, 1 Farvardin (``1402``), weeks start on
  Saturday unless ``week_start`` says otherwise, days are days (``1402-08-20``).

:func:`complete_periods` returns the labels and the boundaries (day numbers) of the
periods; the engines only ever see the boundaries, so a calendar costs nothing there.
Every per-period table carries the label in ``period`` and the Gregorian first and last
day in ``period_start`` and ``period_end`` (:func:`period_columns`); the labels stay
pandas ``Period`` values for the plain Gregorian calendar and are strings otherwise.
:func:`period_names` spells the periods of any such table out in words, in English or
Persian (``Aban 1402``, ``آبان ۱۴۰۲``).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable

import numpy as np
import pandas as pd

from .errors import RetentionDataError
from .validation import CALENDAR, Freq, Options, Table, validate_params

__all__ = ["period_freq", "complete_periods", "period_columns", "period_names", "CALENDARS"]

_FREQS = Freq._ALIASES  # one table of period names, shared with the parameter checks
_WEEKDAYS = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]
#: The calendars of :func:`complete_periods` (``calendar=`` of every per-period function).
CALENDARS = ("gregorian", "jalali")
#: The first day of a week when ``week_start`` is not given, by calendar.
DEFAULT_WEEK_START = {"gregorian": "MON", "jalali": "SAT"}
_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_EPOCH = _dt.date(1970, 1, 1)


def _key(freq: str) -> str:
    key = _FREQS.get(freq, _FREQS.get(str(freq).lower()))
    if key is None:
        raise RetentionDataError(
            f"freq={freq!r}: expected one of 'D', 'W', 'M', 'Q', 'Y' "
            "(day, week, month, quarter, year).",
            parameter="freq",
        )
    return key


def _weekday(week_start: str | None, calendar: str) -> str:
    start = str(week_start if week_start is not None else DEFAULT_WEEK_START[calendar]).upper()[:3]
    if start not in _WEEKDAYS:
        raise RetentionDataError(
            f"week_start={week_start!r}: expected a weekday name such as 'MON' or 'SUN'.",
            parameter="week_start",
        )
    return start


def period_freq(freq: str, *, week_start: str | None = "MON", fiscal_year_start: int = 1) -> str:
    """The pandas period alias for a kit ``freq`` in the Gregorian calendar.

    ``freq`` is one of ``"D"``, ``"W"``, ``"M"``, ``"Q"``, ``"Y"`` (or ``"day"``,
    ``"week"``, ``"month"``, ``"quarter"``, ``"year"``). Weeks start on ``week_start``
    (default Monday, the ISO 8601 convention); quarters and years are calendar ones, or
    fiscal ones starting in month ``fiscal_year_start``.

    Examples
    --------
    >>> period_freq("week"), period_freq("W", week_start="SUN"), period_freq("Q")
    ('W-SUN', 'W-SAT', 'Q-DEC')
    >>> period_freq("Y", fiscal_year_start=4)
    'Y-MAR'
    """
    key = _key(freq)
    if key == "W":
        start = _weekday(week_start, "gregorian")
        # pandas names a weekly period by its last day: weeks starting Monday end Sunday
        return "W-" + _WEEKDAYS[_WEEKDAYS.index(start) - 1]
    year_end = _MONTHS[(int(fiscal_year_start) - 2) % 12]
    return {"Q": f"Q-{year_end}", "Y": f"Y-{year_end}"}.get(key, key)


def _check_calendar(key: str, calendar: str, fiscal_year_start: int) -> None:
    if calendar not in CALENDARS:
        raise RetentionDataError(
            f"calendar={calendar!r}: expected 'gregorian' or 'jalali'.",
            parameter="calendar", options=CALENDARS,
        )
    fys = fiscal_year_start
    if isinstance(fys, bool) or not isinstance(fys, (int, np.integer)) or not 1 <= fys <= 12:
        raise RetentionDataError(
            f"fiscal_year_start={fys!r}: expected a month number from 1 to 12.",
            parameter="fiscal_year_start",
        )
    if fys != 1 and calendar != "gregorian":
        raise RetentionDataError(
            f"fiscal_year_start={fys}: fiscal years are Gregorian; the Jalali year always starts "
            "at Nowruz (1 Farvardin). Use fiscal_year_start=1 with calendar='jalali', or "
            "calendar='gregorian' for a fiscal year.",
            parameter="fiscal_year_start",
        )
    if fys != 1 and key in ("D", "W", "M"):
        raise RetentionDataError(
            f"fiscal_year_start={fys}: a fiscal year moves quarters and years only, and freq="
            f"{key!r} periods are the same in every fiscal year. "
            "Use freq='Q' or 'Y' for fiscal periods, or leave fiscal_year_start at 1.",
            parameter="fiscal_year_start",
        )


def _day(date: _dt.date) -> int:
    return (date - _EPOCH).days


def _date(day: int) -> _dt.date:
    return _EPOCH + _dt.timedelta(days=int(day))


def _jalali_steps(key: str, week_start: str) -> tuple[Callable[[int], int], Callable[[int], int], Callable[[int], str]]:
    """floor (first day of the period holding a day), step (first day of the next
    period) and label, all on day numbers, for the Jalali calendar."""
    import jdatetime

    def j(day: int) -> "jdatetime.date":
        return jdatetime.date.fromgregorian(date=_date(day))

    def g(y: int, m: int, d: int = 1) -> int:
        return _day(jdatetime.date(y, m, d).togregorian())

    def text(day: int) -> str:
        x = j(day)
        return f"{x.year:04d}-{x.month:02d}-{x.day:02d}"

    if key == "D":
        return (lambda d: d), (lambda d: d + 1), text
    if key == "W":
        first = _WEEKDAYS.index(week_start)
        # 1970-01-01 (day 0) was a Thursday (index 3)
        return ((lambda d: d - (d + 3 - first) % 7), (lambda d: d + 7),
                (lambda d: f"{text(d)}/{text(d + 6)}"))
    months = {"M": 1, "Q": 3, "Y": 12}[key]

    def floor(day: int) -> int:
        x = j(day)
        return g(x.year, (x.month - 1) // months * months + 1)

    def step(day: int) -> int:
        x = j(day)
        index = x.year * 12 + x.month - 1 + months
        return g(index // 12, index % 12 + 1)

    def label(day: int) -> str:
        x = j(day)
        return {"M": f"{x.year:04d}-{x.month:02d}", "Q": f"{x.year:04d}Q{(x.month - 1) // 3 + 1}",
                "Y": f"{x.year:04d}"}[key]

    return floor, step, label


def complete_periods(
    first_day: pd.Timestamp,
    last_day: pd.Timestamp,
    freq: str,
    *,
    week_start: str | None = None,
    calendar: str = "gregorian",
    fiscal_year_start: int = 1,
    complete: bool = True,
) -> tuple[pd.Index, np.ndarray]:
    """Periods from the one holding ``first_day`` to the last one that ends by ``last_day``.

    Returns the period labels and their K + 1 boundaries as int64 day numbers (days
    since 1970-01-01: the first day of each period, then the day after the last period).
    A period that ends after ``last_day`` is not observed to its end and is left out
    (``complete=False`` keeps it); if none is left, :class:`RetentionDataError` says so.

    The labels are a :class:`pandas.PeriodIndex` for the Gregorian calendar without a
    fiscal year (the kit's tables have always shown those), and an index of strings
    otherwise: ``FY2025``, ``FY2025Q1``; ``1402``, ``1402Q3``, ``1402-08``,
    ``1402-08-20``, and ``1402-08-20/1402-08-26`` for a Jalali week. See the module
    docstring for the calendars.

    Examples
    --------
    >>> labels, bounds = complete_periods(pd.Timestamp("2024-03-20"), pd.Timestamp("2024-05-31"),
    ...                                   "M", calendar="jalali")
    >>> list(labels)
    ['1403-01', '1403-02']
    >>> [str(d) for d in bounds.astype("datetime64[D]")]
    ['2024-03-20', '2024-04-20', '2024-05-21']
    >>> labels, bounds = complete_periods(pd.Timestamp("2024-04-01"), pd.Timestamp("2025-03-31"),
    ...                                   "Q", fiscal_year_start=4)
    >>> list(labels), str(bounds.astype("datetime64[D]")[-1])
    (['FY2025Q1', 'FY2025Q2', 'FY2025Q3', 'FY2025Q4'], '2025-04-01')
    """
    key = _key(freq)
    _check_calendar(key, calendar, fiscal_year_start)
    start = _weekday(week_start, calendar)
    first_day, last_day = pd.Timestamp(first_day), pd.Timestamp(last_day)
    if calendar == "gregorian":
        alias = period_freq(freq, week_start=start, fiscal_year_start=fiscal_year_start)
        first = pd.Period(first_day, freq=alias)
        last = pd.Period(last_day, freq=alias)
        if complete and last.end_time.normalize() > last_day.normalize():
            last = last - 1
        if last < first:
            _none_complete(freq, first_day, last_day)
        periods = pd.period_range(first, last, freq=alias)
        starts = periods.start_time.values.astype("datetime64[D]").astype(np.int64)
        after = (periods[-1] + 1).start_time.to_datetime64().astype("datetime64[D]").astype(np.int64)
        if fiscal_year_start != 1:
            names = [f"FY{p.qyear}Q{p.quarter}" if key == "Q" else f"FY{p.year}" for p in periods]
            return pd.Index(names, dtype=object), np.append(starts, after)
        return periods, np.append(starts, after)
    floor, step, label = _jalali_steps(key, start)
    d0 = int(np.datetime64(first_day.normalize().to_datetime64(), "D").astype(np.int64))
    d1 = int(np.datetime64(last_day.normalize().to_datetime64(), "D").astype(np.int64))
    bounds = [floor(d0)]
    while True:
        nxt = step(bounds[-1])
        if (nxt > d1 + 1) if complete else (bounds[-1] > d1):
            break
        bounds.append(nxt)
    if len(bounds) < 2:
        _none_complete(freq, first_day, last_day)
    if not complete:
        bounds = bounds if bounds[-1] > d1 else bounds + [step(bounds[-1])]
    names = [label(b) for b in bounds[:-1]]
    return pd.Index(names, dtype=object), np.asarray(bounds, dtype=np.int64)


def _none_complete(freq: str, first_day: pd.Timestamp, last_day: pd.Timestamp) -> None:
    raise RetentionDataError(
        f"freq={freq!r}: the data runs from {pd.Timestamp(first_day).date()} to "
        f"{pd.Timestamp(last_day).date()}, which holds no complete period of that length. "
        "Use a shorter freq, or a later observation_end."
    )


def period_columns(labels: pd.Index, boundaries: np.ndarray) -> pd.DataFrame:
    """``period, period_start, period_end``: each label with its first and last day.

    ``period_start`` and ``period_end`` are Gregorian dates (``datetime64``), the end
    being the last day inside the period, so a reader can check which days a period
    covers whatever the calendar.

    Examples
    --------
    >>> labels, bounds = complete_periods(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-29"), "M")
    >>> period_columns(labels, bounds)
        period period_start period_end
    0  2024-01   2024-01-01 2024-01-31
    1  2024-02   2024-02-01 2024-02-29
    """
    days = np.asarray(boundaries, dtype=np.int64).astype("datetime64[D]")
    return pd.DataFrame({
        "period": labels,
        "period_start": pd.DatetimeIndex(days[:-1]).as_unit("s"),
        "period_end": pd.DatetimeIndex(days[1:] - np.timedelta64(1, "D")).as_unit("s"),
    })


def place(days: np.ndarray, boundaries: np.ndarray) -> np.ndarray:
    """The period of each day number: ``k`` with ``boundaries[k] <= day < boundaries[k + 1]``
    (-1 before the first period, K after the last)."""
    return np.searchsorted(np.asarray(boundaries), np.asarray(days), side="right") - 1


_GREGORIAN_MONTHS = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
    "fa": ["ژانویه", "فوریه", "مارس", "آوریل", "مه", "ژوئن", "ژوئیه", "اوت", "سپتامبر",
           "اکتبر", "نوامبر", "دسامبر"],
}
_JALALI_MONTHS = {
    "en": ["Farvardin", "Ordibehesht", "Khordad", "Tir", "Mordad", "Shahrivar", "Mehr", "Aban",
           "Azar", "Dey", "Bahman", "Esfand"],
    "fa": ["فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی",
           "بهمن", "اسفند"],
}
_SEASONS = {"en": ["Spring", "Summer", "Autumn", "Winter"], "fa": ["بهار", "تابستان", "پاییز", "زمستان"]}
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def _ymd(date: pd.Timestamp, calendar: str) -> tuple[int, int, int]:
    if calendar == "jalali":
        import jdatetime

        x = jdatetime.date.fromgregorian(date=date.date())
        return x.year, x.month, x.day
    return date.year, date.month, date.day


def _month_end(y: int, m: int, calendar: str) -> int:
    if calendar == "jalali":
        import jdatetime

        return jdatetime.j_days_in_month[m - 1] if m < 12 else (30 if jdatetime.date(y, 1, 1).isleap() else 29)
    return pd.Timestamp(year=y, month=m, day=1).days_in_month


@validate_params(
    table=Table(what="a per-period table of the kit (a pandas DataFrame)"),
    calendar=CALENDAR,
    language=Options("en", "fa"),
)
def period_names(table: pd.DataFrame, *, calendar: str = "gregorian", language: str = "en") -> pd.Series:
    """The periods of a per-period table in words: ``Aban 1402``, ``آبان ۱۴۰۲``.

    Reads the ``period_start`` and ``period_end`` columns that every per-period table
    of the kit carries, so it works on any of them (and on a cohort table, whose rows
    are acquisition periods). A period that is one whole month of ``calendar`` is named
    by the month (``Aban 1402``, ``August 2024``); a whole quarter by its season in the
    Jalali calendar (``Autumn 1402``, ``پاییز ۱۴۰۲``) and as ``Q3 2024`` in the
    Gregorian one; a whole year by its number; a day by its date (``20 Aban 1402``);
    anything else (weeks, fiscal periods) by its first and last day
    (``20 Aban 1402 – 26 Aban 1402``). ``language="fa"`` writes Persian month names and
    Persian digits. Rows without dates (a cohort table's summary row) get an empty name.

    Parameters
    ----------
    table : pandas.DataFrame
        A per-period table with ``period_start`` and ``period_end`` columns.
    calendar : {"gregorian", "jalali"}
        The calendar to name the periods in (usually the one the table was made with).
    language : {"en", "fa"}
        English or Persian names.

    Returns
    -------
    pandas.Series
        One name per row, with the table's index, named ``period_name``.

    Examples
    --------
    >>> import retention_kit as rk
    >>> tx = pd.DataFrame({"customer_id": ["a", "b", "a"],
    ...                    "date": pd.to_datetime(["2023-10-23", "2023-11-02", "2023-11-25"])})
    >>> t = rk.customer_counts(tx, freq="M", active_days=30, calendar="jalali",
    ...                        observation_end="2023-12-21")
    >>> t[["period", "period_start", "period_end", "start", "end"]]
        period period_start period_end  start  end
    0  1402-08   2023-10-23 2023-11-21      0    2
    1  1402-09   2023-11-22 2023-12-21      2    1
    >>> period_names(t, calendar="jalali").tolist(), period_names(t, calendar="jalali", language="fa").tolist()
    (['Aban 1402', 'Azar 1402'], ['آبان ۱۴۰۲', 'آذر ۱۴۰۲'])
    """
    if not isinstance(table, pd.DataFrame) or not {"period_start", "period_end"} <= set(table.columns):
        raise RetentionDataError(
            "table: expected a per-period table of the kit, with period_start and period_end columns.",
            parameter="table",
        )
    months = (_JALALI_MONTHS if calendar == "jalali" else _GREGORIAN_MONTHS)[language]

    def date(t: pd.Timestamp) -> str:
        y, m, d = _ymd(t, calendar)
        return f"{d} {months[m - 1]} {y}"

    def name(start: object, end: object) -> str:
        if pd.isna(start) or pd.isna(end):
            return ""
        start, end = pd.Timestamp(start), pd.Timestamp(end)
        (y0, m0, d0), (y1, m1, d1) = _ymd(start, calendar), _ymd(end, calendar)
        if start == end:
            return date(start)
        whole = d0 == 1 and d1 == _month_end(y1, m1, calendar) and y0 == y1
        if whole and m0 == m1:
            return f"{months[m0 - 1]} {y0}"
        if whole and m1 == m0 + 2 and m0 % 3 == 1:
            if calendar == "jalali":
                return f"{_SEASONS[language][m0 // 3]} {y0}"
            return f"Q{m0 // 3 + 1} {y0}" if language == "en" else f"سه‌ماههٔ {m0 // 3 + 1} {y0}"
        if whole and m0 == 1 and m1 == 12:
            return str(y0)
        return f"{date(start)} – {date(end)}"

    names = [name(s, e) for s, e in zip(table["period_start"], table["period_end"])]
    if language == "fa":
        names = [n.translate(_PERSIAN_DIGITS) for n in names]
    return pd.Series(names, index=table.index, name="period_name", dtype=object)
