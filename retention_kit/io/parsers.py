"""Value parsers: ids, dates and amounts as exports write them, each checked column by
column with the rows at fault named, and row-level checks (duplicates, status filter).

Every parser works on the column's distinct values and maps the result back to the rows,
so a ten-million-row export with a few thousand distinct dates parses a few thousand
strings. Persian (``۰``-``۹``) and Arabic-Indic (``٠``-``٩``) digits are digits wherever
a number, a date or an id is read.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from datetime import date
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import RetentionDataError, counted, describe_rows
from .frame import _Frame

# Persian and Arabic-Indic digits; U+066B is the Arabic decimal separator and U+066C the
# Arabic thousands separator (read as a narrow space: it only ever groups thousands)
_NATIVE_DIGITS = "۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩"
_NATIVE = re.compile(f"[{_NATIVE_DIGITS}\u066b\u066c]")


def _ascii_digits(text: pd.Series, decimal: str = ".") -> pd.Series:
    """``text`` with Persian and Arabic-Indic digits and separators written in ASCII."""
    table = str.maketrans(_NATIVE_DIGITS, "0123456789" * 2)
    table[0x066B] = decimal
    table[0x066C] = "\u202f"
    native = text.str.contains(_NATIVE, regex=True).fillna(False).to_numpy(bool)
    if not native.any():
        return text
    out = text.copy()
    out[native] = text[native].map(lambda s: s.translate(table))
    return out


def _as_text(values: pd.Series) -> pd.Series:
    """The column as text (Arrow-backed columns as they are; numbers, dates and mixed
    Python objects from DataFrames, workbooks and Parquet files written out)."""
    if isinstance(values.array, pd.arrays.ArrowStringArray):
        return values
    return values.astype("str")


def _blank(values: pd.Series) -> np.ndarray:
    """True where a value is missing or only whitespace."""
    missing = values.isna().to_numpy()
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        text = values.astype("str").str.strip() if values.dtype == object else values.str.strip()
        missing = missing | (text == "").fillna(True).to_numpy(dtype=bool)
    return missing


def _refuse_blank(frame: _Frame, col: str, blank: np.ndarray, *, param: str, missing: str) -> None:
    """Raise when any row of ``blank`` (kept rows with no value) exists."""
    if blank.any():
        raise RetentionDataError(
            f"{param}={col!r}: {counted(int(blank.sum()), 'row has', 'rows have')} {missing}: "
            f"{describe_rows(blank, None, frame.where)}. Fill them in or drop those rows.",
            parameter=param,
            column=col,
        )


def _distinct(text: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Codes into the distinct values (-1 for missing) and the distinct values."""
    codes, uniques = pd.factorize(text)
    return codes, pd.Series(uniques, dtype="str")


def _rows(codes: np.ndarray, bad_distinct: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Row mask of the rows whose distinct value is flagged in ``bad_distinct``."""
    flagged = np.append(np.asarray(bad_distinct, dtype=bool), False)  # code -1: missing
    return flagged[codes] & keep


_FLOAT_ID = re.compile(r"^[+-]?\d+\.0+$")
_SCIENTIFIC_ID = re.compile(r"[+-]?\d(?:\.\d+)?[eE][+-]?\d+")


def _ids(
    frame: _Frame,
    col: str,
    *,
    param: str,
    blank_ids: Literal["error", "exclude"],
    id_case: Literal["keep", "lower"] = "keep",
    what: str = "customer id",
) -> pd.Series:
    """The id column, checked: blanks raise or are excluded; text ids are stripped,
    written with ASCII digits, lower-cased with ``id_case="lower"``; an id written as an
    integer-valued float (``1000.0``) is that integer."""
    values = frame.raw[col]
    blank = _blank(values) & frame.keep
    if blank.any():
        if blank_ids == "exclude":
            frame.exclude(blank, f"blank {what}")
        else:  # "error" (blank_ids is validated on entry)
            raise RetentionDataError(
                f"{param}={col!r}: {counted(int(blank.sum()), 'row has', 'rows have')} a blank {what}: "
                f"{describe_rows(blank, None, frame.where)}. Fill them in, or pass "
                f"blank_ids='exclude' to leave those rows out (they are counted in the load report).",
                parameter="blank_ids",
                column=col,
                options=("error", "exclude"),
            )
    if pd.api.types.is_float_dtype(values.dtype):
        floats = values.to_numpy(dtype=float, na_value=np.nan)
        kept = floats[frame.keep]
        if not np.all(np.mod(kept, 1) == 0):
            bad = (np.mod(floats, 1) != 0) & frame.keep & ~np.isnan(floats)
            raise RetentionDataError(
                f"{param}={col!r}: {int(bad.sum()):,} {what}s are fractions: "
                f"{describe_rows(bad, values, frame.where)}. Ids are whole numbers or text: "
                "check that the right column is mapped.",
                parameter=param,
                column=col,
            )
        out = np.zeros(len(values), dtype=np.int64)
        out[frame.keep] = kept.astype(np.int64)
        return pd.Series(out, index=values.index)
    if not (values.dtype == object or pd.api.types.is_string_dtype(values.dtype)):
        return values
    codes, uniques = _distinct(_as_text(values))
    used = np.zeros(len(uniques), dtype=bool)
    used[codes[frame.keep & (codes >= 0)]] = True
    clean = _ascii_digits(uniques.str.strip())
    rounded = clean.str.fullmatch(_SCIENTIFIC_ID).fillna(False).to_numpy(bool) & used
    if rounded.any():
        bad = _rows(codes, rounded, frame.keep)
        raise RetentionDataError(
            f"{param}={col!r}: {int(bad.sum()):,} {what}s are written in scientific notation: "
            f"{describe_rows(bad, values, frame.where)}. A spreadsheet wrote long numeric ids that "
            "way and rounded them, so different customers may now share one id. Export the file "
            "again with the id column formatted as text.",
            parameter=param,
            column=col,
        )
    floats = clean.str.match(_FLOAT_ID).fillna(False).to_numpy(bool)
    if (floats & used).any():
        clean[floats] = clean[floats].str.replace(r"\.0+$", "", regex=True)
        n = int(_rows(codes, floats, frame.keep).sum())
        frame.notes.append(
            f"{col}: {n:,} ids written as whole-number decimals (such as '1000.0') were read "
            "as the whole number ('1000'), the way spreadsheets write integer ids"
        )
    if id_case == "lower":
        clean = clean.str.lower()
    else:
        kept_ids = pd.Series(clean[used].unique(), dtype="str")
        folded = kept_ids.str.lower()
        clash = folded.duplicated(keep=False).to_numpy(bool)
        if clash.any():
            groups = int(folded[clash].nunique())
            example = kept_ids[clash].sort_values(key=lambda s: s.str.lower()).head(2).tolist()
            frame.notes.append(
                f"{col}: {int(clash.sum()):,} ids differ from another id only by upper/lower case "
                f"({groups:,} groups, for example {example[0]!r} and {example[1]!r}); they count "
                "as different customers. Pass id_case='lower' if case does not matter in these "
                "ids (emails); keep it for case-sensitive ids such as Stripe's cus_..."
            )
    merged, merged_ids = pd.factorize(clean)  # one code per id as loaded (' a' and 'a' are one)
    frame.id_codes = (col, np.append(merged, -1)[codes], np.asarray(merged_ids, dtype=object))
    if values.dtype != object and not (clean != uniques).fillna(True).to_numpy(bool).any():
        return values  # nothing to change: the column as read
    return _take(clean, codes, values.index)


def _take(uniques: pd.Series, codes: np.ndarray, index: pd.Index) -> pd.Series:
    """``uniques[codes]`` as a text column (code -1: missing), built by Arrow."""
    import pyarrow as pa

    dictionary = pa.array(uniques.to_numpy(dtype=object), type=pa.string())
    indices = pa.array(codes, mask=codes < 0, type=pa.int64())
    taken = dictionary.take(indices)
    return pd.Series(taken.to_pandas(types_mapper={pa.string(): pd.StringDtype(na_value=np.nan)}.get),
                     index=index)


# ---------------------------------------------------------------------------- dates

_SLASHED = re.compile(r"^\s*(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})(?:[ T].*)?$")
_OFFSET = re.compile(
    r"^(\d{4}-?\d{2}-?\d{2}[T ]\d{2}:?\d{2}(?::?\d{2}(?:\.\d+)?)?)\s*(?:Z|[+-]\d{2}(?::?\d{2})?)$"
)
_FULL_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:$|[T ])|^\d{8}(?:$|T)")
_CENTURY_NOTE = (
    "two-digit years read with the usual rule: 69-99 are 1969-1999, 00-68 are 2000-2068"
)


def _window(date_range: Sequence[object] | None) -> tuple[pd.Timestamp, pd.Timestamp, bool]:
    """The plausible-date window: ``date_range`` or 1900-01-01 to a year after today."""
    if date_range is None:
        today = pd.Timestamp(date.today())
        return pd.Timestamp("1900-01-01"), today + pd.Timedelta(days=365), False
    first, last = (pd.Timestamp(d) for d in date_range)
    return first, last, True


def _dates(
    frame: _Frame,
    col: str,
    *,
    param: str,
    date_format: str | None,
    date_range: Sequence[object] | None = None,
    allow_blank: bool = False,
    open_end_after: object = None,
    open_end_values: Sequence[str] = (),
    calendar: Literal["gregorian", "jalali"] = "gregorian",
) -> pd.Series:
    """Parse one date column for the kept rows; raise on anything not understood.

    Without ``date_format`` the kit accepts ISO 8601 (``2024-03-05``, ``20240305``,
    ``2024-03-05T10:00:00``) and day/month or month/day dates with four-digit years when
    the data itself proves which one it is (some first field above 12, or some second
    field above 12). Anything else, including a file that mixes formats and two-digit
    years, raises with the offending rows. Dates outside ``date_range`` (default
    1900-01-01 to a year after today) raise: they are another calendar, a placeholder
    or a typo, never an order. ``open_end_after`` / ``open_end_values`` (end dates of
    subscriptions) turn far-future sentinels into "still open" (NaT), with a note.
    """
    mask = frame.keep
    values = frame.raw[col]
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        parsed = values
        if getattr(parsed.dt, "tz", None) is not None:
            parsed = parsed.dt.tz_localize(None)
            _note_offsets(frame, col)
        if not allow_blank:
            _refuse_blank(frame, col, parsed.isna().to_numpy() & mask, param=param, missing="no date")
        result = parsed.astype("datetime64[us]")
        text = values.astype("str")
    else:
        text = _as_text(values).str.strip()
        blank = (text.isna() | (text == "")).fillna(True).to_numpy(dtype=bool)
        if not allow_blank:
            _refuse_blank(frame, col, blank & mask, param=param, missing="a blank date")
        result = _parse_text_dates(frame, col, text, mask & ~blank, param=param, date_format=date_format,
                                   calendar=calendar)
    return _check_window(
        frame, col, result, text, mask, param=param, date_range=date_range,
        open_end_after=open_end_after, open_end_values=open_end_values,
    )


def _parse_text_dates(
    frame: _Frame, col: str, text: pd.Series, todo: np.ndarray, *, param: str, date_format: str | None,
    calendar: str = "gregorian",
) -> pd.Series:
    result = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    if not todo.any():
        return result
    if calendar == "jalali":
        codes, uniques = _distinct(text.where(todo))
        parsed = _jalali_dates(frame, col, _ascii_digits(uniques), lambda bad: _rows(codes, bad, todo),
                               text, param=param, date_format=date_format)
        result[:] = np.append(parsed.to_numpy(dtype="datetime64[us]"), np.datetime64("NaT", "us"))[codes]
        return result
    fast = _arrow_iso(text, todo) if date_format is None else _fixed_width(text, todo, date_format)
    if fast is not None:
        return fast
    codes, uniques = _distinct(text.where(todo))
    uniques = _ascii_digits(uniques)

    def rows_of(bad_distinct: np.ndarray) -> np.ndarray:
        return _rows(codes, bad_distinct, todo)

    parsed = _parse_distinct_dates(frame, col, uniques, rows_of, text, param=param, date_format=date_format)
    values = np.append(parsed.to_numpy(dtype="datetime64[us]"), np.datetime64("NaT", "us"))
    result[:] = values[codes]
    return result


def _arrow_iso(text: pd.Series, todo: np.ndarray) -> pd.Series | None:
    """Columns of plain ISO dates and times (``2024-03-05``, ``2024-03-05 10:00``,
    ``2024-03-05T10:00:00.5``), parsed by Arrow in one pass: Arrow's parser is strict
    and the lengths rule out its extensions (``2024-03-05 10``), so it reads exactly
    the values pandas reads. ``None`` when any value needs the general path."""
    import pyarrow as pa
    import pyarrow.compute as pc

    array = _arrow(text[todo])
    lengths = pc.binary_length(array).to_numpy(zero_copy_only=False)
    if not np.isin(lengths, (10, 16, 19, 21, 22, 23, 24, 25, 26)).all():
        return None
    try:
        stamps = pc.cast(array, pa.timestamp("us"))
    except pa.ArrowInvalid:  # '2024-02-30', '31/12/2024', an offset: the general path
        return None
    result = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    result[todo] = stamps.to_numpy(zero_copy_only=False)
    return result


_WIDTHS = {"d": 2, "m": 2, "Y": 4, "H": 2, "M": 2, "S": 2}


def _fixed_width(text: pd.Series, todo: np.ndarray, date_format: str) -> pd.Series | None:
    """Dates written with zero-padded numeric fields in one width (``31/12/2024 14:05``
    for ``%d/%m/%Y %H:%M``), read as a byte matrix with numpy: every value has the
    format's length, its separators in place and digits elsewhere, and every field in
    range (a day that exists in its month). ``None`` when any value is otherwise: the
    general path then reads the column or names the values that do not match."""
    fields: list[tuple[str, int]] = []  # (directive, position) and literal bytes
    literals: list[tuple[int, int]] = []
    pos, i = 0, 0
    while i < len(date_format):
        ch = date_format[i]
        if ch == "%":
            code = date_format[i + 1:i + 2]
            if code not in _WIDTHS:
                return None
            fields.append((code, pos))
            pos += _WIDTHS[code]
            i += 2
        else:
            if not ch.isascii():
                return None
            literals.append((pos, ord(ch)))
            pos += 1
            i += 1
    codes = {c for c, _ in fields}
    if not {"d", "m", "Y"} <= codes or len(codes) != len(fields):
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    array = _arrow(text[todo])
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if array.null_count or len(array) == 0:
        return None
    lengths = pc.binary_length(array).to_numpy(zero_copy_only=False)
    if not (lengths == pos).all():
        return None
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64 if pa.types.is_large_string(array.type)
                            else np.int32)[array.offset:array.offset + len(array) + 1]
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]].reshape(len(array), pos)
    for at, byte in literals:
        if not (data[:, at] == byte).all():
            return None
    values = {}
    for code, at in fields:
        number = np.zeros(len(data), dtype=np.int64)
        for k in range(at, at + _WIDTHS[code]):
            digit = data[:, k] - np.uint8(48)  # wraps below '0', so one test covers both ends
            if (digit > 9).any():
                return None
            number = number * 10 + digit
        values[code] = number
    year, month, day = values["Y"], values["m"], values["d"]
    hour, minute, second = values.get("H", 0), values.get("M", 0), values.get("S", 0)
    if not (((month >= 1) & (month <= 12)).all() and (np.asarray(hour) <= 23).all()
            and (np.asarray(minute) <= 59).all() and (np.asarray(second) <= 59).all()):
        return None
    first = ((year - 1970) * 12 + month - 1).astype("datetime64[M]")
    month_days = ((first + 1).astype("datetime64[D]") - first.astype("datetime64[D]")).astype(np.int64)
    if not ((day >= 1) & (day <= month_days)).all():
        return None
    stamps = (first.astype("datetime64[D]") + (day - 1)).astype("datetime64[us]") + (
        (np.asarray(hour) * 3600 + np.asarray(minute) * 60 + np.asarray(second)) * 1_000_000
    ).astype("timedelta64[us]")
    if todo.all():
        return pd.Series(stamps, index=text.index)
    result = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    result[todo] = stamps
    return result


def _arrow(text: pd.Series):
    """The Arrow array behind a text Series (a copy only for object columns)."""
    import pyarrow as pa

    if isinstance(text.array, pd.arrays.ArrowStringArray):
        return pa.array(text.array)
    return pa.array(text.to_numpy(dtype=object), type=pa.string(), from_pandas=True)


_JALALI = re.compile(r"^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def _jalali_dates(frame, col, sub, rows_of, text, *, param, date_format) -> pd.Series:
    """Jalali (Solar Hijri) dates, year first (``1402-07-01``, ``1402/7/1 14:30``, or
    ``date_format``), converted to Gregorian with :mod:`jdatetime`."""
    import jdatetime

    def one(value: str):
        try:
            if date_format is not None:
                return jdatetime.datetime.strptime(value, date_format).togregorian()
            m = _JALALI.match(value)
            if m is None:
                return None
            y, _, mo, d, h, mi, sec = m.groups()
            return jdatetime.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0),
                                      int(sec or 0)).togregorian()
        except ValueError:
            return None

    converted = [one(v) for v in sub]
    bad = np.array([c is None for c in converted], dtype=bool)
    if bad.any():
        full = rows_of(bad)
        raise RetentionDataError(
            f"{param}={col!r}: {counted(int(full.sum()), 'value is not a Jalali date', 'values are not Jalali dates')} "
            f"{'matching date_format=' + repr(date_format) if date_format else 'written year first (1402-07-01, 1402/7/1)'}"
            f": {describe_rows(full, text, frame.where)}. The day must exist in the Jalali "
            "calendar (Esfand has 30 days only in leap years). Pass date_format= with the "
            "pattern of the values, or calendar='gregorian' if they are Gregorian dates.",
            parameter="date_format",
            column=col,
        )
    note = f"{col}: Jalali (Solar Hijri) dates converted to the Gregorian calendar"
    if note not in frame.notes:
        frame.notes.append(note)
    return pd.Series(pd.to_datetime(converted), dtype="datetime64[us]")


def _parse_distinct_dates(frame, col, sub, rows_of, text, *, param, date_format) -> pd.Series:
    """Parse the distinct date strings ``sub``; errors name rows via ``rows_of``."""
    fix = (
        "Pass date_format= with a strftime pattern that matches every value "
        "(for example date_format='%d/%m/%Y'), or make the column consistent."
    )
    if date_format is not None:
        parsed = _to_datetime(sub, date_format, frame, col)
        bad = parsed.isna().to_numpy()
        if bad.any():
            full = rows_of(bad)
            raise RetentionDataError(
                f"{param}={col!r}: {counted(int(full.sum()), 'value does not match', 'values do not match')} "
                f"date_format={date_format!r}: {describe_rows(full, text, frame.where)}. {fix}",
                parameter="date_format",
                column=col,
            )
        if "%y" in date_format and _CENTURY_NOTE not in " ".join(frame.notes):
            frame.notes.append(f"{col}: {_CENTURY_NOTE} (date_format={date_format!r})")
        return parsed

    offset = sub.str.extract(_OFFSET)
    has_offset = offset[0].notna().to_numpy()
    if has_offset.any():
        # the day a customer bought is the day on their own clock: keep the wall-clock
        # time written in the export and drop the offset, the same rule as for a
        # time-zone-aware DataFrame column
        sub = sub.where(~has_offset, offset[0])
        frame.notes.append(
            f"{col}: {int(rows_of(has_offset).sum()):,} values carried a UTC offset; their local "
            "wall-clock times were kept and the offsets dropped"
        )
    iso = _to_datetime(sub, "ISO8601", frame, col)
    # ISO 8601 also allows '2024' or '2024-07'; a transaction needs a full date
    iso = iso.where(sub.str.match(_FULL_ISO_DATE).fillna(False).to_numpy(bool))
    iso_bad = iso.isna().to_numpy()
    if not iso_bad.any():
        return iso
    if not iso_bad.all():
        full_bad = rows_of(iso_bad)
        raise RetentionDataError(
            f"{param}={col!r}: mixed date formats: {int(rows_of(~iso_bad).sum()):,} values are ISO "
            f"dates (YYYY-MM-DD) but {int(full_bad.sum()):,} are not: "
            f"{describe_rows(full_bad, text, frame.where)}. {_date_hint(sub[iso_bad])}{fix}",
            parameter="date_format",
            column=col,
        )
    # No ISO date at all: try day/month/year versus month/day/year, decided by the data.
    parts = sub.str.extract(_SLASHED)
    unmatched = parts[0].isna().to_numpy()
    if unmatched.any():
        full = rows_of(unmatched)
        raise RetentionDataError(
            f"{param}={col!r}: {counted(int(full.sum()), 'value is not a date', 'values are not dates')} the kit "
            f"recognises: {describe_rows(full, text, frame.where)}. {_date_hint(sub[unmatched])}{fix}",
            parameter="date_format",
            column=col,
        )
    sep_char = parts[1].iloc[0]
    two_digit = (parts[3].str.len() == 2).to_numpy(bool)
    if two_digit.any():
        full = rows_of(two_digit)
        example = sub[two_digit].iloc[0]
        s = sep_char
        raise RetentionDataError(
            f"{param}={col!r}: {counted(int(full.sum()), 'date has', 'dates have')} a two-digit year "
            f"({describe_rows(full, text, frame.where)}): which field is the year, the "
            f"month and the day, and which century, cannot be read from {example!r}. "
            f"Pass date_format= with the order, for example '%d{s}%m{s}%y' (day first), "
            f"'%m{s}%d{s}%y' (month first) or '%y{s}%m{s}%d' (year first); "
            f"{_CENTURY_NOTE}.",
            parameter="date_format",
            column=col,
        )
    first = parts[0].astype(int)
    second = parts[2].astype(int)
    day_first = bool((first > 12).any())
    month_first = bool((second > 12).any())
    if day_first and month_first:
        raise RetentionDataError(
            f"{param}={col!r}: mixed date formats: some values have a day first "
            f"({sub[first > 12].iloc[0]!r}) and some a month first ({sub[second > 12].iloc[0]!r}). "
            f"{fix}",
            parameter="date_format",
            column=col,
        )
    day, month = f"%d{sep_char}%m{sep_char}%Y", f"%m{sep_char}%d{sep_char}%Y"
    if not day_first and not month_first:
        example = sub.iloc[0]
        raise RetentionDataError(
            f"{param}={col!r}: ambiguous dates: in every value both of the first two fields "
            f"are 12 or less (for example {example!r}), so day/month and month/day cannot be "
            f"told apart. Pass date_format='{day}' (day first) or date_format='{month}' "
            "(month first).",
            parameter="date_format",
            column=col,
            options=(day, month),
        )
    inferred = day if day_first else month
    parsed = _to_datetime(sub, inferred, frame, col)
    bad = parsed.isna().to_numpy()
    if bad.any():
        full = rows_of(bad)
        raise RetentionDataError(
            f"{param}={col!r}: the values look like {inferred!r} but {int(full.sum()):,} do "
            f"not parse with it: {describe_rows(full, text, frame.where)}. If they carry a "
            f"time of day, pass it in the format, for example date_format='{inferred} %H:%M'. {fix}",
            parameter="date_format",
            column=col,
        )
    frame.notes.append(f"{col}: dates read as {inferred!r} (decided from the values)")
    return parsed


def _date_hint(bad: pd.Series) -> str:
    """What values that are not dates probably are."""
    if bad.str.fullmatch(r"\d{5}(\.\d+)?").fillna(False).any():
        return ("Numbers such as 45292 are Excel serial day numbers: format the column as "
                "dates in the spreadsheet before exporting. ")
    if bad.str.match(r"0{4}-0{2}-0{2}|0{1,2}[/.-]0{1,2}[/.-]0{2,4}").fillna(False).any():
        return ("'0000-00-00' is a placeholder some systems write for 'no date': blank it in "
                "the export. ")
    return ""


def _check_window(frame, col, result, text, mask, *, param, date_range, open_end_after, open_end_values):
    """Dates outside the plausible window raise; sentinel end dates become NaT."""
    if open_end_values:
        sentinel = text.isin([str(v).strip() for v in open_end_values]).to_numpy(bool) & mask
        sentinel |= result.isin(pd.to_datetime(list(open_end_values), errors="coerce").dropna()).to_numpy(bool) & mask
        if sentinel.any():
            result = result.mask(sentinel)
            frame.notes.append(
                f"{col}: {int(sentinel.sum()):,} end dates equal to one of open_end_values "
                f"({', '.join(map(str, open_end_values))}) were read as still open (no end)"
            )
    if open_end_after is not None:
        after = (result > pd.Timestamp(open_end_after)).to_numpy(bool) & mask
        if after.any():
            result = result.mask(after)
            frame.notes.append(
                f"{col}: {int(after.sum()):,} end dates after {pd.Timestamp(open_end_after):%Y-%m-%d} "
                "(open_end_after) were read as still open (no end)"
            )
    first, last, given = _window(date_range)
    stamps = result.to_numpy()
    early = (stamps < np.datetime64(first)) & mask
    late = (stamps > np.datetime64(last)) & mask
    if not (early.any() or late.any()):
        return result
    bad = early | late
    years = result[bad].dt.year
    raise _outside_window(
        col, param=param, n=int(bad.sum()), shown=describe_rows(bad, text, frame.where),
        first=first, last=last, given=given, jalali=bool(((years >= 1300) & (years < 1500)).any()),
        ancient=bool((years < 1300).any()), late=bool(late.any()),
    )


def _outside_window(col: str, *, param: str, n: int, shown: str, first: pd.Timestamp, last: pd.Timestamp,
                    given: bool, jalali: bool, ancient: bool, late: bool) -> RetentionDataError:
    """The error for ``n`` dates outside the window (also raised by the lazy loaders):
    ``jalali`` when some year is 1300-1499, ``ancient`` before 1300, ``late`` after it."""
    window = f"{first:%Y-%m-%d} to {last:%Y-%m-%d}"
    causes = []
    if jalali:
        causes.append("dates of the Jalali (Solar Hijri) calendar such as 1402-07-01, used in Iran: "
                      "pass calendar='jalali' to read them")
    if ancient:
        causes.append("a placeholder for 'no date' (0001-01-01, 1899-12-30 is Excel's day zero) or a "
                      "mistyped year")
    if late:
        causes.append("a far-future placeholder (2099-12-31, 9999-12-31) meaning 'no end' or "
                      "'unknown', or a mistyped year")
    open_hint = ""
    settle = "date_range"
    if late and param == "end_col":
        open_hint = (" If those end dates mean 'still active', pass open_end_values=['9999-12-31'] "
                     "(the sentinel values) or open_end_after= (a date after which an end date "
                     "means no end).")
        settle = "open_end_after"
    return RetentionDataError(
        f"{param}={col!r}: {counted(n, 'date falls', 'dates fall')} outside {window}"
        f"{' (date_range)' if given else ' (1900 to a year from today)'}: {shown}. Likely causes: "
        f"{'; '.join(causes)}.{open_hint} If they are real, pass date_range=(first, last) to "
        "widen the window.",
        parameter=settle,
        column=col,
    )


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


# ---------------------------------------------------------------------------- amounts

# a currency sign, or a three-letter code such as EUR, or one of a few local marks
_RIAL = ("ریال", "IRR", "\ufdfc")
_TOMAN = ("تومان", "تومن", "IRT")
_CURRENCY = (
    r"(?:[$\u00a3\u20ac\u00a5\u20b9\u20bd\u20ba\u20a9\u20aa\u20ab\u0e3f\u20b4\u20a6\ufdfc]"
    r"|ریال|تومان|تومن|[A-Z]{3}|US\$|R\$|C\$|A\$|kr|zł|Kč|Ft|lei|Rs|Rp)"
)
_MONEY = re.compile(
    rf"^(?P<open>\()?\s*(?P<neg1>[-\u2212])?\s*(?P<pre>{_CURRENCY})?\s*(?P<neg2>[-\u2212])?\s*"
    rf"(?P<num>\d[\d.,'\u00a0\u202f ]*?)\s*(?P<post>{_CURRENCY})?\s*(?P<neg3>[-\u2212])?\s*(?P<close>\))?$"
)
# digits grouped in threes (a first group without a leading zero: '0,250' is no grouping)
_GROUPED = {
    ".": re.compile(r"^([1-9]\d{0,2}([,'\u00a0\u202f ]\d{3})+|\d+)(\.\d+)?$"),
    ",": re.compile(r"^([1-9]\d{0,2}([.'\u00a0\u202f ]\d{3})+|\d+)(,\d+)?$"),
}


def _parse_money(text: str, decimal: str) -> tuple[float, str | None] | None:
    """A number written for people: '$1,234.50', '1.234,50 EUR', '(12.00)', '-7 kr'.

    A currency sign ($, EUR, ریال...), a three-letter code or a common abbreviation
    (kr, zł) may stand before or after the number; thousands separators must group
    digits in threes with one character; one minus sign, or parentheses (accounting
    style), make it negative. Returns the value and its currency mark, or None if the
    text is not such a number, so that a misread separator is an error, never a guess.
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
    mark = m["pre"] or m["post"]
    return (-value if negative else value), mark


_SIGN_CODES = {"\u20ac": "EUR", "\u00a3": "GBP", "\u20b9": "INR", "\u20bd": "RUB", "\u20ba": "TRY",
               "\u20a9": "KRW", "\u20aa": "ILS", "\u20ab": "VND", "\u0e3f": "THB", "\u20b4": "UAH",
               "\u20a6": "NGN", "US$": "USD", "Rp": "IDR"}


def _common_money(values: pd.Series, decimal: str) -> tuple[np.ndarray, np.ndarray]:
    """The common shapes of :func:`_parse_money` read by Arrow in a few passes: an
    optional minus, a currency mark before or after (not both), digits grouped in threes
    by the usual thousands character (',' with a decimal point, '.' with a decimal comma)
    and an optional decimal part. Returns the values (NaN where a value has another
    shape, for ``_parse_money`` to read or refuse) and each value's currency mark."""
    import pyarrow as pa
    import pyarrow.compute as pc

    currency = re.sub(r"\\u([0-9a-fA-F]{4})", r"\\x{\1}", _CURRENCY)  # RE2 spells \u00a3 \x{00a3}
    dec = re.escape(decimal)
    sep = re.escape("," if decimal == "." else ".")
    pattern = (
        rf"^(?P<neg>-?)(?P<pre>{currency}?) ?(?P<int>[1-9]\d{{0,2}}(?:{sep}\d{{3}})+|\d+)"
        rf"(?:{dec}(?P<frac>\d+))? ?(?P<post>{currency}?)$"
    )
    array = pa.array(values.to_numpy(dtype=object), type=pa.string())
    found = pc.extract_regex(array, pattern)
    matched = found.is_valid().to_numpy(zero_copy_only=False)
    pre = pc.struct_field(found, "pre")
    post = pc.struct_field(found, "post")
    one_mark = pc.invert(pc.and_(pc.not_equal(pre, ""), pc.not_equal(post, ""))).to_numpy(zero_copy_only=False)
    ok = matched & np.asarray(one_mark, dtype=bool)
    digits = pc.replace_substring(pc.struct_field(found, "int"), "," if decimal == "." else ".", "")
    frac = pc.struct_field(found, "frac")
    text = pc.binary_join_element_wise(digits, pc.if_else(pc.equal(frac, ""), "0", frac), ".")
    number = pc.cast(pc.if_else(pa.array(ok), text, "nan"), pa.float64()).to_numpy(zero_copy_only=False)
    negative = pc.equal(pc.struct_field(found, "neg"), "-").to_numpy(zero_copy_only=False)
    number = np.where(np.asarray(negative, dtype=bool) & ok, -number, number)
    mark = pc.if_else(pc.not_equal(pre, ""), pre, post).to_numpy(zero_copy_only=False)
    marks = np.where(ok, np.where(mark == "", None, mark), None).astype(object)
    return np.where(ok, number, np.nan), marks


def _money_group(mark: str | None) -> str | None:
    """One name per currency: a sign and its code (€ and EUR), and the Rial's and the
    Toman's several spellings, each count once."""
    if mark in _RIAL:
        return "Rial"
    if mark in _TOMAN:
        return "Toman"
    return _SIGN_CODES.get(mark, mark) if mark is not None else None


_CORE = r"(\d[\d.,'\u00a0\u202f ]*\d|\d)"


def _separator_roles(uniques: pd.Series) -> tuple[dict[str, bool], dict[str, bool], np.ndarray]:
    """What the values prove about '.' and ',': (proved decimal, proved thousands,
    ambiguous) where ambiguous flags values whose only separator is one '.' or ','
    followed by exactly three digits (``250.000``, ``1,250``)."""
    core = uniques.str.extract(_CORE)[0].fillna("")
    decimal_proof: dict[str, bool] = {}
    thousands_proof: dict[str, bool] = {}
    ambiguous = np.zeros(len(core), dtype=bool)
    for c, other in ((".", ","), (",", ".")):
        e, o = re.escape(c), re.escape(other)
        once = core.str.count(e) == 1
        amb = core.str.fullmatch(rf"[1-9]\d{{0,2}}{e}\d{{3}}").fillna(False).to_numpy(bool)
        ambiguous |= amb
        # c once, last, and not three digits after it, or more than three digits before it
        # (no grouping allows that), or after the other separator: c is the decimal
        decimal_proof[c] = bool(
            (once & core.str.fullmatch(rf"[^{e}]*{e}(\d{{1,2}}|\d{{4,}})").fillna(False)).any()
            or core.str.fullmatch(rf"\d{{4,}}{e}\d+").fillna(False).any()
            or core.str.fullmatch(rf"\d{{1,3}}({o}\d{{3}})+{e}\d+").fillna(False).any()
        )
        # c twice or more, or before the other separator: c groups thousands
        thousands_proof[c] = bool(
            (core.str.count(e) >= 2).any()
            or core.str.fullmatch(rf"\d{{1,3}}({e}\d{{3}})+{o}\d+").fillna(False).any()
        )
    return decimal_proof, thousands_proof, ambiguous


def _example(uniques: pd.Series, c: str) -> str:
    """A value that shows ``c`` grouping thousands: twice in it, or before the other separator."""
    e, o = re.escape(c), re.escape("," if c == "." else ".")
    proof = (uniques.str.count(e) >= 2) | uniques.str.contains(rf"\d{e}\d{{3}}{o}\d").fillna(False)
    return uniques[proof.fillna(False)].iloc[0]


def _check_separators(
    frame: _Frame, col: str, uniques: pd.Series, rows_of, values: pd.Series,
    roles: tuple[dict[str, bool], dict[str, bool], np.ndarray], *, param: str,
) -> None:
    """Refuse a column whose '.' or ',' could be either the decimal or the thousands
    separator, unless other values settle it (``thousands=`` skips this check)."""
    decimal_proof, thousands_proof, ambiguous = roles
    if not ambiguous.any():
        return
    unsettled = np.zeros(len(uniques), dtype=bool)
    for c, other in ((".", ","), (",", ".")):
        settled = (decimal_proof[c] or thousands_proof[c] or decimal_proof[other]
                   or thousands_proof[other])
        if not settled:
            unsettled |= ambiguous & uniques.str.contains(re.escape(c), regex=True).fillna(False).to_numpy(bool)
    if not unsettled.any():
        return
    full = rows_of(unsettled)
    example = uniques[unsettled].iloc[0]
    core = re.search(_CORE, example)[0]
    c = "." if "." in core else ","
    whole = re.sub(r"\D", "", core)
    as_decimal = core.replace(",", ".")
    other = "," if c == "." else "."
    raise RetentionDataError(
        f"{param}={col!r}: "
        f"{'the amount ' + repr(example) + ' has' if int(full.sum()) == 1 else str(int(full.sum())) + ' amounts such as ' + repr(example) + ' have'}"
        f" one {c!r} "
        f"followed by three digits ({describe_rows(full, values, frame.where)}), and no other "
        f"value shows whether {c!r} separates thousands or decimals: {example!r} could be "
        f"{int(whole):,} or {float(as_decimal):g}. Currencies without cents (Toman, Rial, Rupiah, "
        f"Won) write thousands this way. Pass thousands={c!r} if it means {int(whole):,} "
        f"(decimal={other!r} follows), or thousands={other!r} if it means {float(as_decimal):g} "
        f"(decimal={c!r}).",
        parameter="thousands",
        column=col,
        options=(c, other),
    )


def _plain_numbers(values: pd.Series, *, decimal: str, settled: bool) -> pd.Series | None:
    """A text column of plain numbers (``12.5``, ``-3``, ``1e3``) read by Arrow in one
    pass; ``None`` when any value needs the general path: a currency sign, a separator,
    a space, ``NaN`` text, or a ``.`` followed by exactly three digits that no other value
    shows to be a decimal point (``250.000``), which the general path refuses."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if decimal != "." or not isinstance(values.array, pd.arrays.ArrowStringArray):
        return None
    array = _arrow(values)
    try:
        floats = pc.cast(array, pa.float64())
    except pa.ArrowInvalid:
        return None
    numbers = floats.to_numpy(zero_copy_only=False)
    if np.isnan(numbers[pc.is_valid(array).to_numpy(zero_copy_only=False)]).any():
        return None  # 'NaN' written as text: the general path names it
    if not settled:
        array = pc.fill_null(array, "")
        point = pc.find_substring(array, ".").to_numpy(zero_copy_only=False)
        length = pc.binary_length(array).to_numpy(zero_copy_only=False)
        has_point = point >= 1
        # '250.000' could group thousands: one '.', three digits after it, one to three
        # before (after a sign), and a value of 1 or more ('0.250' is no grouping); the
        # sign and exponent tests only run on those few candidates
        maybe = np.flatnonzero(has_point & (length - point - 1 == 3) & (point <= 4) & (np.abs(numbers) >= 1))
        if len(maybe):
            exponent = np.asarray(pc.match_substring(array, "e", ignore_case=True).to_numpy(
                zero_copy_only=False), bool)
            signed = np.asarray(pc.match_substring_regex(array.take(pa.array(maybe)), r"^[+-]").to_numpy(
                zero_copy_only=False), bool)
            ambiguous = np.zeros(len(point), dtype=bool)
            ambiguous[maybe] = (point[maybe] - signed <= 3) & ~exponent[maybe]
            # a value with an exponent proves nothing about '.' (the general path agrees)
            if ambiguous.any() and not (has_point & ~ambiguous & ~exponent).any():
                return None
    return pd.Series(numbers, index=values.index)



def _check_separator_pair(thousands: str | None, decimal: str, col: str) -> None:
    """Refuse a thousands separator that is also the decimal separator."""
    if thousands is not None and thousands == decimal:
        raise RetentionDataError(
            f"thousands={thousands!r}: the thousands separator cannot also be the decimal "
            f"separator (decimal={decimal!r}); pass decimal={',' if thousands == '.' else '.'!r}.",
            parameter="decimal",
            column=col,
        )

def _numbers(
    frame: _Frame,
    col: str,
    *,
    param: str,
    what: str,
    allow_blank: bool = False,
    decimal: str | None = None,
    thousands: str | None = None,
) -> pd.Series:
    values = frame.raw[col]
    # an explicit decimal= or thousands= says which separator is which; without either the
    # values must (see _check_separators)
    settled = decimal is not None or thousands is not None
    if decimal is None:  # '.', unless the thousands separator is '.'
        decimal = "," if thousands == "." else "."
    if pd.api.types.is_bool_dtype(values.dtype):
        raise RetentionDataError(
            f"{param}={col!r}: expected numbers, got true/false values.", parameter=param, column=col
        )
    _check_separator_pair(thousands, decimal, col)
    separators = None  # what _check_separators needs, once the values are known to be numbers
    if pd.api.types.is_numeric_dtype(values.dtype):
        numbers = values.astype("float64")
        bad_text = np.zeros(len(values), dtype=bool)
    elif (plain := _plain_numbers(values.where(frame.keep), decimal=decimal, settled=settled)) is not None:
        numbers = plain
        bad_text = np.zeros(len(values), dtype=bool)
    else:
        text = _as_text(values).str.strip()
        codes, uniques = _distinct(text.where(frame.keep))
        uniques = _ascii_digits(uniques, decimal)
        roles = None if settled else _separator_roles(uniques)
        other = "," if decimal == "." else "."
        if roles is not None and roles[1][decimal] and not roles[0][decimal] and not roles[1][other]:
            # values such as '1.250.000' show that decimal's character groups thousands
            frame.notes.append(
                f"{col}: {decimal!r} read as the thousands separator and {other!r} as the decimal "
                f"separator: values such as {_example(uniques, decimal)!r} group thousands with {decimal!r}"
            )
            decimal = other

        def rows_of(bad_distinct: np.ndarray) -> np.ndarray:
            return _rows(codes, bad_distinct, frame.keep)

        parsed = pd.to_numeric(uniques, errors="coerce").astype("float64") if decimal == "." else (
            pd.Series(np.nan, index=uniques.index))
        plain = parsed.notna().to_numpy()
        todo = ~plain & (uniques != "").to_numpy(bool)
        marks: dict[str | None, int] = {}
        if todo.any():
            common, common_marks = _common_money(uniques[todo], decimal)
            rest = np.isnan(common)
            money = {v: _parse_money(v, decimal) for v in uniques[todo][rest]}
            common[rest] = [np.nan if money[v] is None else money[v][0] for v in uniques[todo][rest]]
            common_marks[rest] = [None if money[v] is None else money[v][1] for v in uniques[todo][rest]]
            parsed[todo] = common
            cleaned = int(rows_of(todo & parsed.notna().to_numpy()).sum())
            for mark, n in pd.Series(common_marks[~np.isnan(common)]).value_counts(dropna=False).items():
                group = _money_group(None if pd.isna(mark) else mark)
                marks[group] = marks.get(group, 0) + int(n)
            if cleaned:
                frame.notes.append(
                    f"{col}: {cleaned:,} values written with a currency sign, thousands separators"
                    + (" or a decimal comma" if decimal == "," else "") + " were read as numbers"
                )
        named = {m: n for m, n in marks.items() if m is not None}
        if len(named) > 1:
            listed = ", ".join(f"{m} ({n:,} distinct values)" for m, n in named.items())
            raise RetentionDataError(
                f"{param}={col!r}: the amounts are written in more than one currency: {listed}. "
                "Convert them to one currency before loading (one Toman is ten Rials).",
                parameter=param,
                column=col,
            )
        table = np.append(parsed.to_numpy(dtype="float64"), np.nan)
        numbers = pd.Series(table[codes], index=values.index)
        bad_distinct = (parsed.isna() & (uniques != "")).to_numpy(bool)
        bad_text = rows_of(bad_distinct)
        if roles is not None:
            separators = (uniques, rows_of, text, roles)
    bad_text = bad_text & frame.keep
    if bad_text.any():
        sample = values[bad_text].astype(str)
        hint, settles = "", param
        if decimal == "." and sample.str.fullmatch(r"[^\d]*-?[\d.' ]*\d,\d{1,2}[^\d]*").any():
            hint, settles = " They look like decimal commas: pass decimal=','.", "decimal"
        elif decimal == "." and sample.str.contains(r"\d\.\d{3}\.\d{3}").any():
            hint, settles = " They group thousands with '.': pass thousands='.'.", "thousands"
        raise RetentionDataError(
            f"{param}={col!r}: {counted(int(bad_text.sum()), what + ' value is not a number', what + ' values are not numbers')}: "
            f"{describe_rows(bad_text, values, frame.where)}. Numbers may carry a currency sign "
            f"and thousands separators ('$1,234.50'); with decimal={decimal!r} the decimal "
            f"separator is {decimal!r}.{hint}",
            # separators are settled by decimal= / thousands=, anything else by the column
            parameter=settles,
            column=col,
        )
    if separators is not None:
        _check_separators(frame, col, *separators, param=param)
    if not allow_blank:
        _refuse_blank(frame, col, numbers.isna().to_numpy() & frame.keep, param=param, missing=f"a blank {what}")
    infinite = np.isinf(numbers.to_numpy()) & frame.keep
    if infinite.any():
        raise RetentionDataError(
            f"{param}={col!r}: {counted(int(infinite.sum()), what + ' value is infinite', what + ' values are infinite')}: "
            f"{describe_rows(infinite, values, frame.where)}.",
            parameter=param,
            column=col,
        )
    return numbers


# ---------------------------------------------------------------------------- rows


def _statuses(frame: _Frame, col: str, exclude: Sequence[str]) -> None:
    """Leave out rows whose status (compared stripped, case-insensitively) is one of
    ``exclude``, counted by status; note statuses asked for that never occur."""
    values = frame.raw[col]
    text = _as_text(values).str.strip().str.lower()
    wanted = [str(s).strip().lower() for s in exclude]
    for status in dict.fromkeys(wanted):
        hit = (text == status).fillna(False).to_numpy(bool)
        frame.exclude(hit, f"status {status!r}")
        if not hit.any():
            frame.notes.append(f"status_col={col!r}: no row has the status {status!r} (exclude_statuses)")
    kept = text[frame.keep].fillna("(blank)").value_counts()
    if 0 < len(kept) <= 20:
        frame.notes.append(
            f"{col}: kept rows by status: " + ", ".join(f"{s} {n:,}" for s, n in kept.items())
        )


def _combine(group: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """One int64 key per pair (group, codes), equal exactly when both are; ``group``
    and ``codes`` are non-negative (codes may be -1 for missing)."""
    width = int(codes.max(initial=0)) + 2
    if int(group.max(initial=0)) >= np.iinfo(np.int64).max // width - 1:
        group = pd.factorize(group)[0]  # renumber densely before the product overflows
    return group * width + codes + 1


def _row_key(frame: _Frame, col: str, values: pd.Series, pos: np.ndarray) -> np.ndarray:
    """An integer per kept row, equal for equal parsed values (ids by their codes,
    dates by their instant, amounts by their value: -0.0 is 0.0, every NaN one NaN)."""
    if frame.id_codes is not None and frame.id_codes[0] == col:
        return frame.id_codes[1][pos]
    data = values.to_numpy()[pos] if not isinstance(values.dtype, pd.api.extensions.ExtensionDtype) else None
    if data is not None and data.dtype.kind == "M":
        return data.view(np.int64)
    if data is not None and data.dtype.kind == "f":
        data = np.where(np.isnan(data), np.nan, data + 0.0)
        return data.view(np.int64)
    return pd.factorize(values.take(pos), use_na_sentinel=False)[0]


def _duplicates(frame: _Frame, duplicates: str, parsed: dict[str, pd.Series]) -> None:
    """Rows identical to an earlier row once normalised: the mapped columns as parsed
    (ids stripped and cased as loaded, dates and amounts as values), other text
    columns stripped.

    A 64-bit hash of the parsed columns finds the candidates with one sort (rows whose
    hash no other row shares are unique); the candidates alone are then compared
    exactly, the parsed columns and then the others.
    """
    pos = np.flatnonzero(frame.keep)
    keys = {col: _row_key(frame, col, values, pos) for col, values in parsed.items()}
    mixed = np.zeros(len(pos), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for key in keys.values():
            mixed = (mixed ^ key.astype(np.uint64)) * np.uint64(0x9E3779B97F4A7C15)
            mixed ^= mixed >> np.uint64(29)
    ordered = np.sort(mixed)  # a sort of 64-bit keys beats a hash table at ten million rows
    repeats = ordered[1:][ordered[1:] == ordered[:-1]]
    if not len(repeats):
        return
    candidates = np.isin(mixed, np.unique(repeats))
    group = np.zeros(int(candidates.sum()), dtype=np.int64)
    for key in keys.values():
        group = _combine(group, pd.factorize(key[candidates])[0])
    pos = pos[candidates]
    for col in frame.raw.columns:
        if col in parsed:
            continue
        values = frame.raw[col].take(pos)
        if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
            values = _as_text(values).str.strip()
        group = _combine(group, pd.factorize(values, use_na_sentinel=False)[0])
    dup = np.zeros(len(frame.raw), dtype=bool)
    dup[pos[pd.Series(group).duplicated(keep="first").to_numpy()]] = True
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
            f"duplicates='error': {counted(n, 'row is', 'rows are')} identical in every column to an earlier row: "
            f"{describe_rows(dup, None, frame.where)}. If they are export glitches pass "
            "duplicates='exclude'; if they are real repeated records (a file without an order "
            "id can hold two identical orders) pass duplicates='keep'.",
            parameter="duplicates",
            options=("error", "exclude", "keep"),
        )
