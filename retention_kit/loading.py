"""Load and validate exports: transaction logs, subscription spells, surveys, web sessions.

Every loader returns a DataFrame with canonical column names and attaches a
:class:`LoadReport` (``df.attrs["load_report"]``, or :func:`load_report`) that accounts
for every row read: rows read = rows kept + rows excluded, by reason. Rows are only
excluded when the caller asked for it with an explicit option; otherwise a problem
raises :class:`~retention_kit.RetentionDataError` naming the parameter, the column, a
few offending rows and the fix.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from .errors import RetentionDataError, describe_rows
from .validation import Options, Table, Text, Texts, validate_params
from .validation import Source as SourceArg

__all__ = [
    "LoadReport",
    "load_report",
    "load_transactions",
    "load_subscriptions",
    "load_survey",
    "load_sessions",
]

Source = str | os.PathLike | pd.DataFrame


@dataclass
class LoadReport:
    """Where every row of a loaded export went.

    Attributes
    ----------
    source : str
        The file name, or ``"DataFrame"``.
    rows_read : int
        Data rows in the source (the header is not a row).
    rows_kept : int
        Rows in the returned DataFrame.
    excluded : dict of str to int
        Rows left out, by reason, in the order the checks ran. Only reasons the caller
        opted into appear here; every other problem raises instead.
    notes : list of str
        Things kept on purpose that a reader should know about (for example zero-value
        orders, or duplicate rows kept because the caller said they are real orders).
    """

    source: str
    rows_read: int
    rows_kept: int
    excluded: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.rows_read != self.rows_kept + sum(self.excluded.values()):
            raise AssertionError(  # pragma: no cover - an internal bookkeeping bug
                f"load accounting does not add up: read {self.rows_read}, kept {self.rows_kept}, "
                f"excluded {self.excluded}"
            )

    @property
    def rows_excluded(self) -> int:
        """Total rows left out, all reasons together."""
        return sum(self.excluded.values())

    def to_frame(self) -> pd.DataFrame:
        """The accounting as a small table: one row per outcome, rows read last."""
        rows = [("kept", self.rows_kept)]
        rows += [(f"excluded: {reason}", n) for reason, n in self.excluded.items()]
        rows.append(("rows read", self.rows_read))
        return pd.DataFrame(rows, columns=["outcome", "rows"])

    def __str__(self) -> str:
        lines = [
            f"{self.source}: read {self.rows_read:,} rows, kept {self.rows_kept:,}, "
            f"excluded {self.rows_excluded:,}"
        ]
        lines += [f"  excluded, {reason}: {n:,}" for reason, n in self.excluded.items()]
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)


@validate_params(
    df=Table(what="a DataFrame returned by one of the kit's loaders"),
)
def load_report(df: pd.DataFrame) -> LoadReport:
    """Return the :class:`LoadReport` a loader attached to ``df``.

    Raises
    ------
    RetentionDataError
        If ``df`` did not come from one of the kit's loaders (or an operation since then
        dropped pandas ``attrs``).

    Examples
    --------
    >>> import pandas as pd
    >>> tx = load_transactions(pd.DataFrame({"c": ["a", "a"], "d": ["2024-01-05", "2024-01-05"]}),
    ...                        customer_col="c", date_col="d", duplicates="exclude")
    >>> report = load_report(tx)
    >>> report.rows_read, report.rows_kept, report.rows_excluded
    (2, 1, 1)
    """
    report = df.attrs.get("load_report")
    if not isinstance(report, LoadReport):
        raise RetentionDataError(
            "this DataFrame carries no load report: it did not come from a retention_kit "
            "loader, or an operation since then dropped DataFrame.attrs. Keep the DataFrame "
            "the loader returned, or call the loader again."
        )
    return report


# ---------------------------------------------------------------------------
# shared machinery
# ---------------------------------------------------------------------------


class _Frame:
    """A raw export plus what every check needs: row locations and a keep-mask."""

    def __init__(self, raw: pd.DataFrame, where: list[str], name: str) -> None:
        self.raw = raw
        self.where = where
        self.name = name
        self.keep = np.ones(len(raw), dtype=bool)
        self.excluded: dict[str, int] = {}
        self.notes: list[str] = []

    def exclude(self, mask: np.ndarray, reason: str) -> None:
        mask = np.asarray(mask, dtype=bool) & self.keep
        n = int(mask.sum())
        if n:
            self.excluded[reason] = self.excluded.get(reason, 0) + n
            self.keep &= ~mask

    def report(self) -> LoadReport:
        return LoadReport(
            source=self.name,
            rows_read=len(self.raw),
            rows_kept=int(self.keep.sum()),
            excluded=dict(self.excluded),
            notes=list(self.notes),
        )


def _read(
    source: Source,
    columns: Mapping[str, str | None],
    *,
    text_columns: Sequence[str],
    sep: str,
    encoding: str,
) -> _Frame:
    """Read a CSV path or copy a DataFrame, and check the mapped columns exist.

    ``columns`` maps parameter name (``"customer_col"``) to the column the caller named.
    ``text_columns`` are read as text so that ids keep leading zeros and dates are parsed
    by the kit, not guessed by ``read_csv``.
    """
    wanted = {param: col for param, col in columns.items() if col is not None}
    if isinstance(source, pd.DataFrame):
        raw = source.reset_index(drop=True).copy()
        where = [f"row {i}" for i in range(len(raw))]
        name = "DataFrame"
        _check_columns(raw.columns, wanted, name)
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        name = path.name
        if not path.is_file():
            raise RetentionDataError(
                f"source: no file at {str(path)!r}. Check the path (relative paths are read "
                f"from {os.getcwd()!r}).",
                parameter="source",
            )
        if sep == "auto":
            sep = _sniff_separator(path, encoding)
        try:
            header = pd.read_csv(path, nrows=0, sep=sep, encoding=encoding)
        except pd.errors.EmptyDataError:
            raise RetentionDataError(
                f"source: {name!r} is empty (no header, no rows). Export the data again.",
                parameter="source",
            ) from None
        except (UnicodeDecodeError, pd.errors.ParserError) as exc:
            raise RetentionDataError(
                f"source: {name!r} could not be read as a {sep!r}-separated text file "
                f"with encoding {encoding!r} ({exc}). Pass sep= or encoding= to match the file.",
                parameter="encoding" if isinstance(exc, UnicodeDecodeError) else "sep",
            ) from None
        _check_columns(header.columns, wanted, name)
        dtype = {col: "str" for col in text_columns if col is not None}
        try:
            raw = pd.read_csv(
                path,
                sep=sep,
                encoding=encoding,
                dtype=dtype,
                keep_default_na=False,
                na_values=[""],
                skip_blank_lines=False,
            )
        except (UnicodeDecodeError, pd.errors.ParserError, ValueError) as exc:
            raise RetentionDataError(
                f"source: {name!r} could not be read as a {sep!r}-separated text file with "
                f"encoding {encoding!r}: {exc}. Check that every row has as many fields as the "
                "header (quote values that contain the separator), or pass sep= / encoding=.",
                parameter="encoding" if isinstance(exc, UnicodeDecodeError) else "sep",
            ) from None
        # line 1 is the header, so data row i sits on line i + 2
        where = [f"line {i + 2}" for i in range(len(raw))]
    else:
        raise RetentionDataError(
            f"source: expected a CSV path or a pandas DataFrame, got {type(source).__name__}.",
            parameter="source",
        )
    if len(raw) == 0:
        raise RetentionDataError(
            f"source: {name!r} has a header but no data rows. Export the data again, "
            "or check that the right file was given.",
            parameter="source",
        )
    return _Frame(raw, where, name)


def _sniff_separator(path: Path, encoding: str) -> str:
    """The separator of a delimited text file, read from its header line.

    The most frequent of comma, semicolon, tab and pipe in the first line wins; a
    header with none of them is one column, read with a comma.
    """
    try:
        with open(path, encoding=encoding, errors="replace") as f:
            header = f.readline()
    except OSError as exc:
        raise RetentionDataError(
            f"source: {path.name!r} could not be opened ({exc}).", parameter="source"
        ) from None
    unquoted = re.sub(r'"[^"]*"', "", header)  # separators inside quoted names do not count
    counts = {c: unquoted.count(c) for c in (",", ";", "\t", "|")}
    best = max(counts, key=lambda c: counts[c])
    return best if counts[best] > 0 else ","


def _check_columns(available: pd.Index, wanted: Mapping[str, str], name: str) -> None:
    for param, col in wanted.items():
        if col not in available:
            listed = ", ".join(repr(str(c)) for c in available)
            raise RetentionDataError(
                f"{param}={col!r}: {name!r} has no column {col!r}. "
                f"Available columns: {listed}. Pass {param}= with one of them.",
                parameter=param,
                column=col,
            )


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


def _finish(frame: _Frame, columns: dict[str, pd.Series], keep_columns: Sequence[str]) -> pd.DataFrame:
    for col in keep_columns:
        if col not in frame.raw.columns:
            _check_columns(frame.raw.columns, {"keep_columns": col}, frame.name)
        if col in columns:
            raise RetentionDataError(
                f"keep_columns: {col!r} clashes with the canonical column of the same name; "
                "rename it in the source first.",
                parameter="keep_columns",
                column=col,
            )
        columns[col] = frame.raw[col]
    out = pd.DataFrame({name: values[frame.keep] for name, values in columns.items()})
    out = out.reset_index(drop=True)
    out.attrs["load_report"] = frame.report()
    return out


# ---------------------------------------------------------------------------
# public loaders
# ---------------------------------------------------------------------------


@validate_params(
    source=SourceArg(),
    customer_col=Text(what="a column name"),
    date_col=Text(what="a column name"),
    amount_col=[Text(what="a column name"), None],
    date_format=[Text(what="a strftime pattern such as '%d/%m/%Y'"), None],
    blank_ids=Options("error", "exclude"),
    duplicates=Options("error", "exclude", "keep", text="'error', 'exclude' or 'keep'"),
    refunds=Options("error", "exclude"),
    decimal=Options(".", ","),
    keep_columns=Texts(),
    sep=Text(what="a field separator such as ';', or 'auto'"),
    encoding=Text(what="a text encoding such as 'utf-8' or 'cp1252'"),
)
def load_transactions(
    source: Source,
    *,
    customer_col: str,
    date_col: str,
    amount_col: str | None = None,
    date_format: str | None = None,
    blank_ids: Literal["error", "exclude"] = "error",
    duplicates: Literal["error", "exclude", "keep"] = "error",
    refunds: Literal["error", "exclude"] = "error",
    decimal: str = ".",
    keep_columns: Sequence[str] = (),
    sep: str = "auto",
    encoding: str = "utf-8-sig",
) -> pd.DataFrame:
    """Load a transaction log (one row per order) into canonical columns, validated.

    Parameters
    ----------
    source : str, path or DataFrame
        A CSV file or a DataFrame with one row per purchase.
    customer_col, date_col : str
        Columns holding the customer id and the purchase date.
    amount_col : str, optional
        Column holding the order value. Without it there is no ``amount`` column.
    date_format : str, optional
        A ``strftime`` pattern such as ``"%d/%m/%Y"``. Without it the kit accepts ISO
        dates, and day/month or month/day dates only when the values prove which one
        they are; ambiguous or mixed formats raise.
    blank_ids : {"error", "exclude"}
        What to do with rows whose customer id is blank.
    duplicates : {"error", "exclude", "keep"}
        What to do with rows identical in every column to an earlier row. ``"keep"``
        suits files without an order id, where two identical orders can be real.
    refunds : {"error", "exclude"}
        What to do with negative amounts (refunds, cancellations). Excluded refunds do
        not count as purchases. Zero amounts are kept and noted in the report.
    decimal : {".", ","}
        Decimal separator of the amounts. Amounts may be written for people:
        ``"$1,234.50"``, ``"1.234,50 EUR"`` (with ``decimal=","``), ``"(12.00)"`` for a
        negative; thousands separators must group digits in threes, so a misread
        separator raises instead of shifting the value.
    keep_columns : sequence of str
        Further source columns to carry into the result unchanged (for example a
        channel to segment by).
    sep : str
        Field separator; ``"auto"`` (default) picks the most frequent of comma,
        semicolon, tab and pipe in the header line.
    encoding : str
        Text encoding of file sources. The default also strips a UTF-8 byte-order mark.

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id`` (text ids keep leading zeros), ``date`` (datetime64),
        ``amount`` (float64, when ``amount_col`` is given), then ``keep_columns``, in the
        source's row order. ``df.attrs["load_report"]`` holds the :class:`LoadReport`:
        rows read = rows kept + rows excluded, by reason.

    Raises
    ------
    RetentionDataError
        On a missing file or column (the message lists the available columns), an empty
        file, blank customer ids, blank, unparseable, ambiguous or mixed dates, blank or
        non-numeric amounts, duplicate rows or refunds (unless an option above says
        otherwise).

    See Also
    --------
    load_subscriptions, customer_counts

    Examples
    --------
    >>> import pandas as pd
    >>> orders = pd.DataFrame({
    ...     "client": ["a", "b", "a", "c"],
    ...     "ordered": ["2024-01-05", "2024-01-20", "2024-02-11", "2024-02-12"],
    ...     "total": [20.0, 35.5, -20.0, 12.0],
    ... })
    >>> tx = load_transactions(orders, customer_col="client", date_col="ordered",
    ...                        amount_col="total", refunds="exclude")
    >>> tx
      customer_id       date  amount
    0           a 2024-01-05    20.0
    1           b 2024-01-20    35.5
    2           c 2024-02-12    12.0
    >>> print(load_report(tx))
    DataFrame: read 4 rows, kept 3, excluded 1
      excluded, refund (negative amount): 1
    """
    frame = _read(
        source,
        {"customer_col": customer_col, "date_col": date_col, "amount_col": amount_col},
        # with decimal commas, '12.5' is not twelve and a half: read amounts as text
        text_columns=[customer_col, date_col] + ([amount_col] if decimal == "," else []),
        sep=sep,
        encoding=encoding,
    )
    ids = _ids(frame, customer_col, param="customer_col", blank_ids=blank_ids)
    dates = _dates(frame, date_col, param="date_col", date_format=date_format)
    columns: dict[str, pd.Series] = {"customer_id": ids, "date": dates}
    if amount_col is not None:
        amounts = _numbers(frame, amount_col, param="amount_col", what="amount", decimal=decimal)
        columns["amount"] = amounts
    _duplicates(frame, duplicates)
    if amount_col is not None:
        negative = (amounts < 0).to_numpy() & frame.keep
        if negative.any():
            if refunds == "exclude":
                frame.exclude(negative, "refund (negative amount)")
            else:  # "error" (refunds is validated on entry)
                raise RetentionDataError(
                    f"amount_col={amount_col!r}: {int(negative.sum()):,} rows have a negative "
                    f"amount (refunds or cancellations): "
                    f"{describe_rows(negative, amounts, frame.where)}. Pass refunds='exclude' to "
                    "leave them out of purchase counts (they are counted in the load report).",
                    parameter="refunds",
                    column=amount_col,
                    options=("error", "exclude"),
                )
        zero = (amounts == 0).to_numpy() & frame.keep
        if zero.any():
            frame.notes.append(f"{int(zero.sum()):,} zero-value orders kept as purchases")
    return _finish(frame, columns, keep_columns)


@validate_params(
    source=SourceArg(),
    customer_col=Text(what="a column name"),
    start_col=Text(what="a column name"),
    end_col=Text(what="a column name"),
    mrr_col=[Text(what="a column name"), None],
    date_format=[Text(what="a strftime pattern such as '%d/%m/%Y'"), None],
    blank_ids=Options("error", "exclude"),
    decimal=Options(".", ","),
    keep_columns=Texts(),
    sep=Text(what="a field separator such as ';', or 'auto'"),
    encoding=Text(what="a text encoding such as 'utf-8' or 'cp1252'"),
)
def load_subscriptions(
    source: Source,
    *,
    customer_col: str = "customer_id",
    start_col: str = "start_date",
    end_col: str = "end_date",
    mrr_col: str | None = "mrr",
    date_format: str | None = None,
    blank_ids: Literal["error", "exclude"] = "error",
    decimal: str = ".",
    keep_columns: Sequence[str] = (),
    sep: str = "auto",
    encoding: str = "utf-8-sig",
) -> pd.DataFrame:
    """Load a subscription table (one row per subscription spell), validated.

    A customer is active from a spell's ``start_date`` until its ``end_date``
    (the day it stopped; blank while the spell is still live). A plan change is one
    spell ending and the next starting on the same day; a later spell after a gap is a
    reactivation.

    Parameters
    ----------
    source : str, path or DataFrame
        A CSV file or a DataFrame with one row per spell.
    customer_col, start_col, end_col : str
        Columns holding the customer id, the spell's first day and its end day.
    mrr_col : str or None
        Monthly recurring revenue of the spell; ``None`` when the export has none.
    decimal : {".", ","}
        Decimal separator of the MRR values (see :func:`load_transactions`).
    date_format : str, optional
        A ``strftime`` pattern for both date columns (see :func:`load_transactions`).
    blank_ids : {"error", "exclude"}
        What to do with rows whose customer id is blank.
    keep_columns : sequence of str
        Further columns to carry through (plan, segment, ...).
    sep, encoding : str
        Passed to :func:`pandas.read_csv` for file sources.

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``start_date``, ``end_date`` (NaT while live), ``mrr`` (when
        given), then ``keep_columns``; ``df.attrs["load_report"]`` holds the accounting.

    Raises
    ------
    RetentionDataError
        On the problems :func:`load_transactions` checks, and on a spell that ends before
        it starts, negative MRR, or two spells of one customer that overlap.

    Examples
    --------
    >>> import pandas as pd
    >>> spells = pd.DataFrame({
    ...     "customer_id": ["a", "a", "b"],
    ...     "start_date": ["2024-01-01", "2024-03-01", "2024-01-15"],
    ...     "end_date": ["2024-03-01", None, "2024-02-15"],
    ...     "mrr": [29.0, 99.0, 29.0],
    ... })
    >>> load_subscriptions(spells)
      customer_id start_date   end_date   mrr
    0           a 2024-01-01 2024-03-01  29.0
    1           a 2024-03-01        NaT  99.0
    2           b 2024-01-15 2024-02-15  29.0
    """
    frame = _read(
        source,
        {"customer_col": customer_col, "start_col": start_col, "end_col": end_col, "mrr_col": mrr_col},
        text_columns=[customer_col, start_col, end_col] + ([mrr_col] if decimal == "," and mrr_col else []),
        sep=sep,
        encoding=encoding,
    )
    ids = _ids(frame, customer_col, param="customer_col", blank_ids=blank_ids)
    starts = _dates(frame, start_col, param="start_col", date_format=date_format)
    ends = _dates(frame, end_col, param="end_col", date_format=date_format, allow_blank=True)
    columns: dict[str, pd.Series] = {"customer_id": ids, "start_date": starts, "end_date": ends}
    backwards = (ends < starts).to_numpy() & frame.keep
    if backwards.any():
        raise RetentionDataError(
            f"end_col={end_col!r}: {int(backwards.sum()):,} spells end before they start: "
            f"{describe_rows(backwards, None, frame.where)}. Check the two date columns "
            "(swapped columns, or day/month read as month/day).",
            parameter="end_col",
            column=end_col,
        )
    same_day = (ends == starts).to_numpy() & frame.keep
    if same_day.any():
        frame.notes.append(
            f"{int(same_day.sum()):,} spells start and end on the same day (same-day cancellations): "
            "they count as an acquisition but never as an active customer"
        )
    if mrr_col is not None:
        mrr = _numbers(frame, mrr_col, param="mrr_col", what="MRR", decimal=decimal)
        negative = (mrr < 0).to_numpy() & frame.keep
        if negative.any():
            raise RetentionDataError(
                f"mrr_col={mrr_col!r}: {int(negative.sum()):,} spells have negative MRR: "
                f"{describe_rows(negative, mrr, frame.where)}. MRR is a price, never negative; "
                "record credits or refunds outside the subscription table.",
                parameter="mrr_col",
                column=mrr_col,
            )
        columns["mrr"] = mrr
    _check_overlaps(frame, ids, starts, ends)
    return _finish(frame, columns, keep_columns)


def _check_overlaps(frame: _Frame, ids: pd.Series, starts: pd.Series, ends: pd.Series) -> None:
    pos = np.flatnonzero(frame.keep)
    spells = pd.DataFrame(
        {"id": ids.to_numpy()[pos], "start": starts.to_numpy()[pos], "end": ends.to_numpy()[pos], "pos": pos}
    ).sort_values(["id", "start", "end"], kind="stable")
    same = spells["id"].eq(spells["id"].shift())
    prev_end = spells["end"].shift()
    # an open spell (no end) followed by another spell of the same customer overlaps it
    overlap = same & (prev_end.isna() | (spells["start"] < prev_end))
    if overlap.any():
        mask = np.zeros(len(frame.raw), dtype=bool)
        mask[spells.loc[overlap, "pos"].to_numpy()] = True
        raise RetentionDataError(
            f"start_col: {int(overlap.sum()):,} spells overlap an earlier spell of the same "
            f"customer: {describe_rows(mask, None, frame.where)}. End a spell on the day the "
            "next one starts (a plan change), or merge the two rows.",
            parameter="start_col",
        )


@validate_params(
    source=SourceArg(),
    score_col=Text(what="a column name"),
    customer_col=[Text(what="a column name"), None],
    date_col=[Text(what="a column name"), None],
    date_format=[Text(what="a strftime pattern such as '%d/%m/%Y'"), None],
    invalid=Options("error", "exclude"),
    keep_columns=Texts(),
    sep=Text(what="a field separator such as ';', or 'auto'"),
    encoding=Text(what="a text encoding such as 'utf-8' or 'cp1252'"),
)
def load_survey(
    source: Source,
    *,
    score_col: str = "score",
    customer_col: str | None = None,
    date_col: str | None = None,
    date_format: str | None = None,
    invalid: Literal["error", "exclude"] = "error",
    keep_columns: Sequence[str] = (),
    sep: str = "auto",
    encoding: str = "utf-8-sig",
) -> pd.DataFrame:
    """Load an NPS survey export: scores from 0 to 10, one row per response.

    Scores may be numbers, numbers as text, or survey-tool labels such as
    ``"10 - Extremely likely"`` (see :func:`retention_kit.net_promoter.parse_scores`). A blank, a
    value outside 0-10, a fraction or text without a leading number raises, or with
    ``invalid="exclude"`` is left out and counted by reason in the load report. A
    1-10 survey is not a 0-10 survey: its answers parse, so check the question wording
    (see :func:`retention_kit.net_promoter.parse_scores`).

    Returns a DataFrame with ``score`` (int64), ``customer_id`` and ``date`` when their
    columns are given, then ``keep_columns``.

    Examples
    --------
    >>> import pandas as pd
    >>> load_survey(pd.DataFrame({"score": [10, "9 - Likely", 6, "7"]}))["score"].tolist()
    [10, 9, 6, 7]
    >>> survey = load_survey(pd.DataFrame({"score": [10, 11, None, 8]}), invalid="exclude")
    >>> print(load_report(survey))
    DataFrame: read 4 rows, kept 2, excluded 2
      excluded, score blank: 1
      excluded, score outside 0-10: 1
    """
    from .net_promoter import parse_scores

    frame = _read(
        source,
        {"score_col": score_col, "customer_col": customer_col, "date_col": date_col},
        text_columns=[c for c in (score_col, customer_col, date_col) if c is not None],
        sep=sep,
        encoding=encoding,
    )
    parsed, excluded = parse_scores(
        frame.raw[score_col].reset_index(drop=True), invalid=invalid, where=frame.where,
        param=f"score_col={score_col!r}",
    )
    valid = np.zeros(len(frame.raw), dtype=bool)
    valid[parsed.index.to_numpy()] = True
    for reason, n in excluded.items():
        frame.excluded[f"score {reason}"] = n
    frame.keep &= valid
    scores = pd.Series(0, index=frame.raw.index, dtype="int64")
    scores[parsed.index] = parsed.to_numpy()
    columns: dict[str, pd.Series] = {"score": scores}
    if customer_col is not None:
        columns["customer_id"] = _ids(frame, customer_col, param="customer_col", blank_ids="error")
    if date_col is not None:
        columns["date"] = _dates(frame, date_col, param="date_col", date_format=date_format)
    return _finish(frame, columns, keep_columns)


@validate_params(
    source=SourceArg(),
    visitor_col=Text(what="a column name"),
    time_col=Text(what="a column name"),
    date_format=[Text(what="a strftime pattern such as '%d/%m/%Y'"), None],
    keep_columns=Texts(),
    sep=Text(what="a field separator such as ';', or 'auto'"),
    encoding=Text(what="a text encoding such as 'utf-8' or 'cp1252'"),
)
def load_sessions(
    source: Source,
    *,
    visitor_col: str = "visitor_id",
    time_col: str = "session_start",
    date_format: str | None = None,
    keep_columns: Sequence[str] = (),
    sep: str = "auto",
    encoding: str = "utf-8-sig",
) -> pd.DataFrame:
    """Load a web-analytics sessions export: one row per session.

    Returns a DataFrame with ``visitor_id`` and ``date`` (the session's start time),
    then ``keep_columns``.

    Examples
    --------
    >>> import pandas as pd
    >>> s = load_sessions(pd.DataFrame({"visitor_id": ["v1", "v1"],
    ...                                 "session_start": ["2024-01-01T09:30:00", "2024-01-03T18:00:00"]}))
    >>> s["date"].dt.day.tolist()
    [1, 3]
    """
    frame = _read(
        source,
        {"visitor_col": visitor_col, "time_col": time_col},
        text_columns=[visitor_col, time_col],
        sep=sep,
        encoding=encoding,
    )
    ids = _ids(frame, visitor_col, param="visitor_col", blank_ids="error", what="visitor id")
    times = _dates(frame, time_col, param="time_col", date_format=date_format)
    return _finish(frame, {"visitor_id": ids, "date": times}, keep_columns)
