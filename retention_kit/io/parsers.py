"""Value parsers: ids, dates and amounts as exports write them, each checked column by
column with the rows at fault named, and row-level checks (duplicates)."""

from __future__ import annotations

import re
import warnings
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import RetentionDataError, describe_rows
from .frame import _Frame


def _blank(values: pd.Series) -> np.ndarray:
    """True where a value is missing or only whitespace."""
    missing = values.isna().to_numpy()
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        text = values.astype("string").str.strip()
        missing = missing | (text == "").fillna(True).to_numpy(dtype=bool)
    return missing


def _ids(
    frame: _Frame,
    col: str,
    *,
    param: str,
    blank_ids: Literal["error", "exclude"],
    what: str = "customer id",
) -> pd.Series:
    values = frame.raw[col]
    blank = _blank(values) & frame.keep
    if blank.any():
        if blank_ids == "exclude":
            frame.exclude(blank, f"blank {what}")
        else:  # "error" (blank_ids is validated on entry)
            raise RetentionDataError(
                f"{param}={col!r}: {int(blank.sum()):,} rows have a blank {what}: "
                f"{describe_rows(blank, None, frame.where)}. Fill them in, or pass "
                f"blank_ids='exclude' to leave those rows out (they are counted in the load report).",
                parameter="blank_ids",
                column=col,
                options=("error", "exclude"),
            )
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        values = values.astype("str").str.strip()
    return values


_SLASHED = re.compile(r"^\s*(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})(?:[ T].*)?$")
_OFFSET = re.compile(
    r"^(\d{4}-?\d{2}-?\d{2}[T ]\d{2}:?\d{2}(?::?\d{2}(?:\.\d+)?)?)\s*(?:Z|[+-]\d{2}(?::?\d{2})?)$"
)
_FULL_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:$|[T ])|^\d{8}(?:$|T)")


def _dates(
    frame: _Frame,
    col: str,
    *,
    param: str,
    date_format: str | None,
    rows: np.ndarray | None = None,
    allow_blank: bool = False,
) -> pd.Series:
    """Parse one date column for the kept rows; raise on anything not understood.

    Without ``date_format`` the kit accepts ISO 8601 (``2024-03-05``, ``20240305``,
    ``2024-03-05T10:00:00``) and day/month or month/day dates when the data itself
    proves which one it is (some first field above 12, or some second field above 12).
    Anything else, including a file that mixes formats, raises with the offending rows.
    """
    mask = frame.keep if rows is None else rows
    values = frame.raw[col]
    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        parsed = values
        if getattr(parsed.dt, "tz", None) is not None:
            parsed = parsed.dt.tz_localize(None)
            _note_offsets(frame, col)
        blank = parsed.isna().to_numpy() & mask
        if blank.any() and not allow_blank:
            raise RetentionDataError(
                f"{param}={col!r}: {int(blank.sum()):,} rows have no date: "
                f"{describe_rows(blank, None, frame.where)}. Fill them in or drop those rows.",
                parameter=param,
                column=col,
            )
        return parsed.astype("datetime64[us]")
    text = values.astype("string").str.strip()
    blank = (text.isna() | (text == "")).fillna(True).to_numpy(dtype=bool)
    if (blank & mask).any() and not allow_blank:
        bad = blank & mask
        raise RetentionDataError(
            f"{param}={col!r}: {int(bad.sum()):,} rows have a blank date: "
            f"{describe_rows(bad, None, frame.where)}. Fill them in or drop those rows.",
            parameter=param,
            column=col,
        )
    todo = mask & ~blank
    sub = text[todo]
    if len(sub) == 0:
        return result
    fix = (
        "Pass date_format= with a strftime pattern that matches every value "
        "(for example date_format='%d/%m/%Y'), or make the column consistent."
    )
    if date_format is not None:
        parsed = _to_datetime(sub, date_format, frame, col)
        bad = parsed.isna().to_numpy()
        if bad.any():
            full = np.zeros(len(text), dtype=bool)
            full[np.flatnonzero(todo)[bad]] = True
            raise RetentionDataError(
                f"{param}={col!r}: {int(bad.sum()):,} values do not match "
                f"date_format={date_format!r}: {describe_rows(full, text, frame.where)}. {fix}",
                parameter="date_format",
                column=col,
            )
        result[todo] = parsed.to_numpy()
        return result

    offset = sub.str.extract(_OFFSET)
    has_offset = offset[0].notna().to_numpy()
    if has_offset.any():
        # the day a customer bought is the day on their own clock: keep the wall-clock
        # time written in the export and drop the offset, the same rule as for a
        # time-zone-aware DataFrame column
        sub = sub.where(~has_offset, offset[0])
        frame.notes.append(
            f"{col}: {int(has_offset.sum()):,} values carried a UTC offset; their local "
            "wall-clock times were kept and the offsets dropped"
        )
    iso = _to_datetime(sub, "ISO8601", frame, col)
    # ISO 8601 also allows '2024' or '2024-07'; a transaction needs a full date
    iso = iso.where(sub.str.match(_FULL_ISO_DATE).fillna(False).to_numpy(bool))
    iso_bad = iso.isna().to_numpy()
    if not iso_bad.any():
        result[todo] = iso.to_numpy()
        return result
    full_bad = np.zeros(len(text), dtype=bool)
    full_bad[np.flatnonzero(todo)[iso_bad]] = True
    if not iso_bad.all():
        raise RetentionDataError(
            f"{param}={col!r}: mixed date formats: {int((~iso_bad).sum()):,} values are ISO "
            f"dates (YYYY-MM-DD) but {int(iso_bad.sum()):,} are not: "
            f"{describe_rows(full_bad, text, frame.where)}. {fix}",
            parameter="date_format",
            column=col,
        )
    # No ISO date at all: try day/month/year versus month/day/year, decided by the data.
    parts = sub.str.extract(_SLASHED)
    unmatched = parts[0].isna().to_numpy()
    if unmatched.any():
        full = np.zeros(len(text), dtype=bool)
        full[np.flatnonzero(todo)[unmatched]] = True
        raise RetentionDataError(
            f"{param}={col!r}: {int(unmatched.sum()):,} values are not dates the kit "
            f"recognises: {describe_rows(full, text, frame.where)}. {fix}",
            parameter="date_format",
            column=col,
        )
    first = parts[0].astype(int)
    second = parts[2].astype(int)
    day_first = bool((first > 12).any())
    month_first = bool((second > 12).any())
    sep_char = parts[1].iloc[0]
    year = "%Y" if len(parts[3].iloc[0]) == 4 else "%y"
    if day_first and month_first:
        raise RetentionDataError(
            f"{param}={col!r}: mixed date formats: some values have a day first "
            f"({sub[first > 12].iloc[0]!r}) and some a month first ({sub[second > 12].iloc[0]!r}). "
            f"{fix}",
            parameter="date_format",
            column=col,
        )
    if not day_first and not month_first:
        example = sub.iloc[0]
        raise RetentionDataError(
            f"{param}={col!r}: ambiguous dates: in every value both of the first two fields "
            f"are 12 or less (for example {example!r}), so day/month and month/day cannot be "
            f"told apart. Pass date_format='%d{sep_char}%m{sep_char}{year}' (day first) or "
            f"date_format='%m{sep_char}%d{sep_char}{year}' (month first).",
            parameter="date_format",
            column=col,
        )
    inferred = (
        f"%d{sep_char}%m{sep_char}{year}" if day_first else f"%m{sep_char}%d{sep_char}{year}"
    )
    parsed = _to_datetime(sub, inferred, frame, col)
    bad = parsed.isna().to_numpy()
    if bad.any():
        full = np.zeros(len(text), dtype=bool)
        full[np.flatnonzero(todo)[bad]] = True
        raise RetentionDataError(
            f"{param}={col!r}: the values look like {inferred!r} but {int(bad.sum()):,} do "
            f"not parse with it: {describe_rows(full, text, frame.where)}. If they carry a "
            f"time of day, pass it in the format, for example date_format='{inferred} %H:%M'. {fix}",
            parameter="date_format",
            column=col,
        )
    frame.notes.append(f"{col}: dates read as {inferred!r} (decided from the values)")
    result[todo] = parsed.to_numpy()
    return result


def _to_datetime(text: pd.Series, fmt: str, frame: _Frame, col: str) -> pd.Series:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parsed = pd.to_datetime(text, format=fmt, errors="coerce")
        except ValueError:
            # pandas' cache of unique strings can take a path that raises where the plain
            # path does not (it depends on string hash order): parse again without it
            try:
                parsed = pd.to_datetime(text, format=fmt, errors="coerce", cache=False)
            except ValueError as exc:
                raise RetentionDataError(
                    f"{col}: the dates could not be parsed with format {fmt!r} ({exc}). Pass "
                    "date_format= with a pattern that matches every value.",
                    parameter="date_format",
                    column=col,
                ) from None
    if not pd.api.types.is_datetime64_any_dtype(parsed.dtype):
        # a format with %z and several offsets gives Timestamps with different zones
        parsed = pd.to_datetime(
            parsed.map(lambda ts: ts.tz_localize(None) if getattr(ts, "tzinfo", None) else ts)
        )
        _note_offsets(frame, col)
    elif getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
        _note_offsets(frame, col)
    return parsed.astype("datetime64[us]")


def _note_offsets(frame: _Frame, col: str) -> None:
    note = f"{col}: time zones dropped; the local wall-clock times were kept"
    if note not in frame.notes:
        frame.notes.append(note)


# a currency sign, or a three-letter code such as EUR, or one of a few local abbreviations
_CURRENCY = r"(?:[$\u00a3\u20ac\u00a5\u20b9\u20bd\u20ba\u20a9\u20aa\u20ab\u0e3f\u20b4\u20a6\ufdfc]|[A-Z]{3}|US\$|R\$|C\$|A\$|kr|zł|Kč|Ft|lei|Rs|Rp)"
_MONEY = re.compile(
    rf"^(?P<open>\()?\s*(?P<neg1>[-\u2212])?\s*(?P<pre>{_CURRENCY})?\s*(?P<neg2>[-\u2212])?\s*"
    rf"(?P<num>\d[\d.,'\u00a0\u202f ]*?)\s*(?P<post>{_CURRENCY})?\s*(?P<neg3>[-\u2212])?\s*(?P<close>\))?$"
)
_GROUPED = {
    ".": re.compile(r"^(\d{1,3}([,'\u00a0\u202f ]\d{3})+|\d+)(\.\d+)?$"),
    ",": re.compile(r"^(\d{1,3}([.'\u00a0\u202f ]\d{3})+|\d+)(,\d+)?$"),
}


def _parse_money(text: str, decimal: str) -> float | None:
    """A number written for people: '$1,234.50', '1.234,50 EUR', '(12.00)', '-7 kr'.

    A currency sign ($, EUR...), a three-letter code or a common abbreviation (kr, zł)
    may stand before or after the number; thousands separators must group digits in
    threes with one character; one minus sign, or parentheses (accounting style), make
    it negative. Returns None if the text is not
    such a number, so that a misread separator is an error, never a silent guess.
    """
    m = _MONEY.match(text)
    if m is None or bool(m["open"]) != bool(m["close"]):
        return None
    if sum(bool(m[g]) for g in ("open", "neg1", "neg2", "neg3")) > 1 or (m["pre"] and m["post"]):
        return None  # two signs, or two currencies: not a number we should guess at
    num = m["num"].strip()
    if not _GROUPED[decimal].match(num):
        return None
    separators = {c for c in num if not c.isdigit() and c != decimal}
    if len(separators) > 1:
        return None  # '1,234 567.00': thousands grouped with two different characters
    thousands = "".join(c for c in ",.'\u00a0\u202f " if c != decimal)
    cleaned = num.translate({ord(c): None for c in thousands}).replace(decimal, ".")
    value = float(cleaned)
    negative = bool(m["open"]) or bool(m["neg1"]) or bool(m["neg2"]) or bool(m["neg3"])
    return -value if negative else value


def _numbers(
    frame: _Frame,
    col: str,
    *,
    param: str,
    what: str,
    allow_blank: bool = False,
    decimal: str = ".",
) -> pd.Series:
    values = frame.raw[col]
    if pd.api.types.is_bool_dtype(values.dtype):
        raise RetentionDataError(
            f"{param}={col!r}: expected numbers, got true/false values.", parameter=param, column=col
        )
    if pd.api.types.is_numeric_dtype(values.dtype):
        numbers = values.astype("float64")
        bad_text = np.zeros(len(values), dtype=bool)
    else:
        text = values.astype("string").str.strip()
        plain = pd.to_numeric(text, errors="coerce").astype("float64") if decimal == "." else (
            pd.Series(np.nan, index=text.index))
        todo = (plain.isna() & text.notna() & (text != "")).fillna(False).to_numpy(bool) & frame.keep
        numbers = plain.copy()
        if todo.any():
            parsed = {v: _parse_money(v, decimal) for v in pd.unique(text[todo])}
            fixed = text[todo].map(parsed)
            numbers[todo] = fixed.astype("float64").to_numpy()
            cleaned = int(fixed.notna().sum())
            if cleaned:
                frame.notes.append(
                    f"{col}: {cleaned:,} values written with a currency sign, thousands separators"
                    + (" or a decimal comma" if decimal == "," else "") + " were read as numbers"
                )
        bad_text = (numbers.isna() & text.notna() & (text != "")).fillna(False).to_numpy(bool)
    bad_text = bad_text & frame.keep
    if bad_text.any():
        sample = values[bad_text].astype(str)
        comma_hint = (
            " They look like decimal commas: pass decimal=','."
            if decimal == "." and sample.str.fullmatch(r"[^\d]*-?[\d.' ]*\d,\d{1,2}[^\d]*").any() else ""
        )
        raise RetentionDataError(
            f"{param}={col!r}: {int(bad_text.sum()):,} {what} values are not numbers: "
            f"{describe_rows(bad_text, values, frame.where)}. Numbers may carry a currency sign "
            f"and thousands separators ('$1,234.50'); with decimal={decimal!r} the decimal "
            f"separator is {decimal!r}.{comma_hint}",
            # decimal commas are settled by decimal=, anything else by the column choice
            parameter="decimal" if comma_hint else param,
            column=col,
        )
    blank = numbers.isna().to_numpy() & frame.keep
    if blank.any() and not allow_blank:
        raise RetentionDataError(
            f"{param}={col!r}: {int(blank.sum()):,} rows have a blank {what}: "
            f"{describe_rows(blank, None, frame.where)}. Fill them in or drop those rows.",
            parameter=param,
            column=col,
        )
    infinite = np.isinf(numbers.to_numpy()) & frame.keep
    if infinite.any():
        raise RetentionDataError(
            f"{param}={col!r}: {int(infinite.sum()):,} {what} values are infinite: "
            f"{describe_rows(infinite, values, frame.where)}.",
            parameter=param,
            column=col,
        )
    return numbers


def _duplicates(frame: _Frame, duplicates: str) -> None:
    kept = frame.raw[frame.keep]
    dup_kept = kept.duplicated(keep="first").to_numpy()
    dup = np.zeros(len(frame.raw), dtype=bool)
    dup[np.flatnonzero(frame.keep)[dup_kept]] = True
    n = int(dup.sum())
    if n == 0:
        return
    if duplicates == "exclude":
        frame.exclude(dup, "duplicate row (identical in every column to an earlier row)")
    elif duplicates == "keep":
        frame.notes.append(
            f"{n:,} rows identical in every column to an earlier row were kept as separate "
            "records (duplicates='keep')"
        )
    else:  # "error" (duplicates is validated on entry)
        raise RetentionDataError(
            f"duplicates='error': {n:,} rows are identical in every column to an earlier row: "
            f"{describe_rows(dup, None, frame.where)}. If they are export glitches pass "
            "duplicates='exclude'; if they are real repeated records (a file without an order "
            "id can hold two identical orders) pass duplicates='keep'.",
            parameter="duplicates",
            options=("error", "exclude", "keep"),
        )
