"""Lazy loading: Parquet files, folders and globs scanned with Polars, validated in the
engine, returned as a ``polars.LazyFrame`` (``load_transactions(..., lazy=True)`` and
the other loaders).

The checks are the eager loaders' (:mod:`.parsers`), written as Polars expressions:
every row-level flag (blank id, unparseable date, date outside the window, refund,
excluded status, ...) is summed in one streaming query, so the data is read once and
never held in memory. When a check fails, a second small query finds the first few
offending rows (``"row N"``, 0-based across the files in sorted order) for the message.
Exact duplicate rows are found from a 64-bit hash of each row's parsed values: the
hashes are counted in the first query; only when two rows share one are the rows of
the shared hashes read and compared exactly.

What the lazy path reads is narrower than the eager parsers, and it refuses the rest
naming ``lazy=False`` rather than guess: dates are ISO 8601 (``2024-03-05``,
``2024-03-05T14:30:00``, ``20240305``, with an optional UTC offset dropped as the eager
loader drops it) or ``date_format=``; amounts are typed numbers or plain number text
(``12.50``, ``-3``, ``1e3``); Jalali dates are not read lazily.

The returned LazyFrame holds the loader's filters (excluded rows) and parsing as a
query plan; the :class:`LoadReport` of the validation run is kept in a registry keyed by
the LazyFrame's identity (a weak reference), so :func:`load_report` finds it for that
object and for no other (``lf.filter(...)`` is a new query without a report).
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import RetentionDataError, _show, counted
from .formats import ParquetSet, parquet_schema, parquet_set, sniff_format
from .frame import LoadReport, _check_columns
from .parsers import _CENTURY_NOTE, _NATIVE_DIGITS, _check_separator_pair, _outside_window, _window

__all__: list[str] = []

_ROW = "__rk_row"
_HASH = "__rk_hash"
_INSTALL = "pip install 'retention-kit[polars]'"

# --------------------------------------------------------------------------- registry

_REPORTS: dict[int, tuple[weakref.ref, LoadReport]] = {}


def _remember(lf: Any, report: LoadReport) -> None:
    key = id(lf)

    def forget(ref: weakref.ref, key: int = key) -> None:
        entry = _REPORTS.get(key)
        if entry is not None and entry[0] is ref:
            del _REPORTS[key]

    _REPORTS[key] = (weakref.ref(lf, forget), report)


def report_of(lf: object) -> LoadReport | None:
    """The report of a LazyFrame a loader returned (that very object), else ``None``."""
    entry = _REPORTS.get(id(lf))
    if entry is not None and entry[0]() is lf:
        return entry[1]
    return None


# --------------------------------------------------------------------------- sources


def _polars():  # type: ignore[no-untyped-def]
    try:
        import polars as pl
    except ImportError:
        raise RetentionDataError(
            f"lazy=True: the lazy loaders need Polars, which is not installed. Run "
            f"{_INSTALL}, or pass lazy=False to load into pandas.",
            parameter="lazy",
        ) from None
    return pl


def _refuse_not_parquet(what: str) -> RetentionDataError:
    return RetentionDataError(
        f"lazy=True: {what}, and only Parquet files are read lazily (a scan that validates "
        "and filters without loading the data). Convert the export to Parquet (for example "
        "pandas.read_csv(...).to_parquet('orders.parquet'), or polars.scan_csv(...)"
        ".sink_parquet(...) for a file larger than memory), or pass lazy=False to load it "
        "into pandas.",
        parameter="lazy",
    )


def _parquet_source(source: object) -> ParquetSet:
    if isinstance(source, pd.DataFrame):
        raise _refuse_not_parquet("the source is a pandas DataFrame, already in memory")
    if not isinstance(source, (str, os.PathLike)):  # pragma: no cover - validated on entry
        raise RetentionDataError("source: expected a Parquet path, folder or glob.", parameter="source")
    dataset = parquet_set(source)
    if dataset is not None:
        return dataset
    from .readers import _check_file

    path = Path(source)
    _check_file(path)
    sniffed = sniff_format(path)
    if sniffed.format != "parquet":
        kind = "an Excel workbook" if sniffed.format == "excel" else "CSV text"
        raise _refuse_not_parquet(f"{path.name!r} is {kind}")
    return ParquetSet([path], path.name)


class _Scan:
    """A Parquet scan with a row index, and the accounting of its validation."""

    def __init__(self, source: object, wanted: Mapping[str, str | None], keep: Sequence[str],
                 canonical: Sequence[str]) -> None:
        self.pl = pl = _polars()
        self.dataset = _parquet_source(source)
        self.name = self.dataset.name
        wanted = {p: c for p, c in wanted.items() if c is not None}
        columns = parquet_schema(self.dataset).names
        _check_columns(pd.Index(columns), wanted, self.name)
        for col in keep:
            _check_columns(pd.Index(columns), {"keep_columns": col}, self.name)
            if col in canonical:
                raise RetentionDataError(
                    f"keep_columns: {col!r} clashes with the canonical column of the same name; "
                    "rename it in the source first.",
                    parameter="keep_columns",
                    column=col,
                )
        self.columns = list(columns)
        self.lf = pl.scan_parquet(
            [str(f) for f in self.dataset.files], row_index_name=_ROW, hive_partitioning=False, glob=False,
        ).select(_ROW, *self.columns)
        self.schema = self.lf.collect_schema()
        self.excluded: dict[str, int] = {}
        self.notes: list[str] = []
        self.flags: dict[str, Any] = {}  # name -> boolean expression, summed in one query
        self.aggs: dict[str, Any] = {}  # name -> other aggregations of that query
        self.counts: dict[str, int] = {}
        self.derived: list[tuple[str, Any]] = []  # helper columns, computed once per row

    def col(self, name: str, expr: Any) -> Any:
        """A helper column computed once (the flags that read it share it)."""
        name = f"__rk_{name}"
        self.derived.append((name, expr))
        return self.pl.col(name)

    @property
    def view(self) -> Any:
        """The scan with its helper columns (Polars drops those a query does not read)."""
        lf = self.lf
        for name, expr in self.derived:
            lf = lf.with_columns(expr.alias(name))
        return lf

    def flag(self, name: str, expr: Any) -> Any:
        self.flags[name] = expr
        return expr

    def count(self) -> None:
        """The one streaming pass: every flag summed, and the row count."""
        pl = self.pl
        exprs = [pl.len().alias("__rows")] + [e.sum().alias(n) for n, e in self.flags.items()]
        exprs += [e.alias(n) for n, e in self.aggs.items()]
        out = self.view.select(exprs).collect(engine="streaming").row(0, named=True)
        self.counts = {k: int(v or 0) for k, v in out.items()}
        if self.counts["__rows"] == 0:
            raise RetentionDataError(
                f"source: {self.name!r} has a header but no data rows. Export the data again, "
                "or check that the right file was given.",
                parameter="source",
            )

    def rows(self, flag: Any, n: int, col: str | Any = None, *, limit: int = 5) -> str:
        """The first ``limit`` rows where ``flag`` holds, as ``describe_rows`` writes them,
        with their values of ``col`` (a column name or an expression) when given."""
        pl = self.pl
        value = pl.col(col) if isinstance(col, str) else col
        picked = [_ROW] + ([value.alias("__value")] if col is not None else [])
        first = self.view.filter(flag).select(picked).head(limit).collect()
        shown = [f"row {r[_ROW]}" + (f": {_show(r['__value'])}" if col is not None else "")
                 for r in first.iter_rows(named=True)]
        text = ", ".join(shown)
        if n > limit:
            text += f" (and {n - limit:,} more)"
        return text

    def exclude(self, reason: str, n: int) -> None:
        if n:
            self.excluded[reason] = self.excluded.get(reason, 0) + n

    def report(self) -> LoadReport:
        rows = self.counts["__rows"]
        return LoadReport(source=self.name, rows_read=rows, rows_kept=rows - sum(self.excluded.values()),
                          excluded=dict(self.excluded), notes=list(self.notes))

    def finish(self, kept: Any, columns: Mapping[str, Any], keep: Sequence[str]) -> Any:
        pl = self.pl
        out = self.view.filter(kept).select(
            *[expr.alias(name) for name, expr in columns.items()], *[pl.col(c) for c in keep]
        )
        _remember(out, self.report())
        return out


# --------------------------------------------------------------------------- ids

_FLOAT_ID = r"^([+-]?\d+)\.0+$"
_SCIENTIFIC_ID = r"^[+-]?\d(?:\.\d+)?[eE][+-]?\d+$"


class _Ids:
    """The id column as text: expressions and the checks they need."""

    def __init__(self, scan: _Scan, col: str, *, param: str, id_case: str, what: str) -> None:
        pl = scan.pl
        self.scan, self.col, self.param, self.what = scan, col, param, what
        dtype = scan.schema[col]
        raw = pl.col(col)
        self.fraction = None
        self.scientific = None
        self.float_text = None
        if dtype.is_integer():
            self.blank = raw.is_null()
            text = raw.cast(pl.String)
        elif dtype.is_float():
            self.blank = raw.is_null() | raw.is_nan()
            self.fraction = ~self.blank & (raw % 1 != 0)
            text = raw.cast(pl.Int64, strict=False).cast(pl.String)
        elif dtype == pl.String or isinstance(dtype, (pl.Categorical, pl.Enum)):
            text = raw.cast(pl.String).str.strip_chars()
            text = scan.col("id0", text.str.replace_many(list(_NATIVE_DIGITS), list("0123456789" * 2)))
            self.blank = text.is_null() | (text == "")
            self.scientific = text.str.contains(_SCIENTIFIC_ID)
            self.float_text = text.str.contains(_FLOAT_ID)
            text = text.str.replace(_FLOAT_ID, "${1}")
        else:
            raise RetentionDataError(
                f"{param}={col!r}: the column holds {dtype} values, not ids. Ids are whole "
                "numbers or text: check that the right column is mapped.",
                parameter=param,
                column=col,
            )
        self.case_sensitive = id_case == "keep" and self.scientific is not None  # text ids kept as cased
        if id_case == "lower":
            text = text.str.to_lowercase()
        self.text = scan.col("id", text)
        self.blank = scan.col("id_blank", self.blank)

    def add_flags(self, kept: Any) -> None:
        s = self.scan
        if self.case_sensitive:  # ids that differ only by case: compared by distinct counts
            s.aggs["id_distinct"] = self.text.filter(kept).n_unique()
            s.aggs["id_folded"] = self.text.str.to_lowercase().filter(kept).n_unique()
        if self.fraction is not None:
            s.flag("id_fraction", kept & self.fraction)
        if self.scientific is not None:
            s.flag("id_scientific", kept & self.scientific)
            s.flag("id_float_text", kept & self.float_text)

    def check_blank(self, before: Any, blank_ids: str) -> Any:
        """Raise on blank ids, or count them excluded; the rows kept after."""
        s, col = self.scan, self.col
        n = s.counts["id_blank"]
        if n and blank_ids == "error":
            raise RetentionDataError(
                f"{self.param}={col!r}: {counted(n, 'row has', 'rows have')} a blank {self.what}: "
                f"{s.rows(before & self.blank, n)}. Fill them in, or pass "
                f"blank_ids='exclude' to leave those rows out (they are counted in the load report).",
                parameter="blank_ids",
                column=col,
                options=("error", "exclude"),
            )
        s.exclude(f"blank {self.what}", n)
        return before & ~self.blank

    def check_values(self, kept: Any) -> None:
        s, col, param, what = self.scan, self.col, self.param, self.what
        if s.counts.get("id_fraction"):
            n = s.counts["id_fraction"]
            raise RetentionDataError(
                f"{param}={col!r}: {n:,} {what}s are fractions: {s.rows(kept & self.fraction, n, col)}. "
                "Ids are whole numbers or text: check that the right column is mapped.",
                parameter=param,
                column=col,
            )
        if s.counts.get("id_scientific"):
            n = s.counts["id_scientific"]
            raise RetentionDataError(
                f"{param}={col!r}: {n:,} {what}s are written in scientific notation: "
                f"{s.rows(kept & self.scientific, n, col)}. A spreadsheet wrote long numeric ids that "
                "way and rounded them, so different customers may now share one id. Export the file "
                "again with the id column formatted as text.",
                parameter=param,
                column=col,
            )
        if s.counts.get("id_float_text"):
            s.notes.append(
                f"{col}: {s.counts['id_float_text']:,} ids written as whole-number decimals (such as "
                "'1000.0') were read as the whole number ('1000'), the way spreadsheets write integer ids"
            )
        if self.case_sensitive and s.counts["id_distinct"] != s.counts["id_folded"]:
            pl = s.pl
            clash = (s.view.filter(kept).group_by(self.text.alias("id")).agg(pl.col(_ROW).min().alias("first"))
                     .with_columns(pl.col("id").str.to_lowercase().alias("folded"))
                     .filter(pl.len().over("folded") > 1)
                     .sort(["folded", "first"]).collect(engine="streaming"))
            example = clash["id"].head(2).to_list()
            s.notes.append(
                f"{col}: {len(clash):,} ids differ from another id only by upper/lower case "
                f"({clash['folded'].n_unique():,} groups, for example {example[0]!r} and {example[1]!r}); they count "
                "as different customers. Pass id_case='lower' if case does not matter in these "
                "ids (emails); keep it for case-sensitive ids such as Stripe's cus_..."
            )


# --------------------------------------------------------------------------- dates

# ISO 8601 as the eager loader reads it: a full date, an optional time, an optional offset
_ISO = (r"^(?:\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:\s*(?:Z|[+-]\d{2}(?::?\d{2})?))?)?"
        r"|\d{8})$")
_OFFSET = r"[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)$"
_OFFSET_TAIL = r"\s*(?:Z|[+-]\d{2}(?::?\d{2})?)$"


class _Dates:
    """One date column parsed by Polars, with the window and sentinel rules."""

    def __init__(self, scan: _Scan, col: str, *, param: str, date_format: str | None, calendar: str,
                 allow_blank: bool = False, open_end_after: object = None,
                 open_end_values: Sequence[str] = ()) -> None:
        pl = scan.pl
        self.scan, self.col, self.param = scan, col, param
        self.allow_blank, self.date_format = allow_blank, date_format
        dtype = scan.schema[col]
        raw = pl.col(col)
        self.offsets = None
        self.unparsed = None
        if isinstance(dtype, pl.Datetime) or dtype == pl.Date:
            if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
                # the eager rule: the local wall-clock time in the column's own zone
                raw = raw.dt.replace_time_zone(None)
                note = f"{col}: time zones dropped; the local wall-clock times were kept"
                if note not in scan.notes:
                    scan.notes.append(note)
            parsed = raw.cast(pl.Datetime("us"))
            self.blank = parsed.is_null()
            text = raw.cast(pl.String)
        else:
            if calendar == "jalali":
                raise RetentionDataError(
                    f"calendar='jalali': {param}={col!r} holds text dates, and Jalali dates are not "
                    "read lazily. Pass lazy=False (the eager loader converts them), or convert the "
                    "column to Gregorian dates in the Parquet file.",
                    parameter="lazy",
                    column=col,
                )
            text = scan.col(f"text:{col}", raw.cast(pl.String).str.strip_chars())
            self.blank = text.is_null() | (text == "")
            if date_format is not None:
                parsed = text.str.strptime(pl.Datetime("us"), date_format, strict=False)
                if "%y" in date_format:
                    scan.notes.append(f"{col}: {_CENTURY_NOTE} (date_format={date_format!r})")
            else:
                self.offsets = text.str.contains(_OFFSET)
                wall = pl.when(self.offsets).then(text.str.replace(_OFFSET_TAIL, "")).otherwise(text)
                wall = wall.str.replace(" ", "T", literal=True)
                parsed = pl.when(text.str.contains(_ISO)).then(pl.coalesce(
                    wall.str.strptime(pl.Datetime("us"), fmt, strict=False)
                    for fmt in ("%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S%.f", "%Y%m%d")
                ))
            parsed = scan.col(f"parsed:{col}", parsed)
            self.unparsed = ~self.blank & parsed.is_null()
        self.text = text
        self.sentinel = None
        self.after = None
        if open_end_values:
            stamps = pd.to_datetime(pd.Series(list(open_end_values), dtype=object), errors="coerce").dropna()
            self.sentinel = text.is_in([str(v).strip() for v in open_end_values]) | parsed.is_in(
                [ts.to_pydatetime() for ts in stamps])
            self.sentinel = self.sentinel.fill_null(False)
            parsed = pl.when(self.sentinel).then(None).otherwise(parsed)
        if open_end_after is not None:
            self.after_value = pd.Timestamp(open_end_after)
            self.after = (parsed > self.after_value.to_pydatetime()).fill_null(False)
            parsed = pl.when(self.after).then(None).otherwise(parsed)
        self.parsed = scan.col(f"date:{col}", parsed)

    def add_flags(self, kept: Any, date_range: Sequence[object] | None) -> None:
        s, c = self.scan, self.col
        self.first, self.last, self.given = _window(date_range)
        parsed = self.parsed
        s.flag(f"{c}:blank", kept & self.blank)
        if self.unparsed is not None:
            s.flag(f"{c}:unparsed", kept & self.unparsed)
        if self.offsets is not None:
            s.flag(f"{c}:offsets", kept & self.offsets)
        if self.sentinel is not None:
            s.flag(f"{c}:sentinel", kept & self.sentinel)
        if self.after is not None:
            s.flag(f"{c}:after", kept & self.after)
        early = kept & (parsed < self.first.to_pydatetime())
        late = kept & (parsed > self.last.to_pydatetime())
        self.outside = early | late
        year = parsed.dt.year()
        s.flag(f"{c}:late", late)
        s.flag(f"{c}:outside", self.outside)
        s.flag(f"{c}:jalali", self.outside & (year >= 1300) & (year < 1500))
        s.flag(f"{c}:ancient", self.outside & (year < 1300))

    def check(self, kept: Any, open_end_values: Sequence[str] = ()) -> None:
        s, col, param = self.scan, self.col, self.param
        n = s.counts[f"{col}:blank"]
        if not self.allow_blank and n:
            missing = "no date" if self.unparsed is None else "a blank date"
            raise RetentionDataError(
                f"{param}={col!r}: {counted(n, 'row has', 'rows have')} {missing}: "
                f"{s.rows(kept & self.blank, n)}. Fill them in or drop those rows.",
                parameter=param,
                column=col,
            )
        n = s.counts.get(f"{col}:unparsed", 0)
        if n:
            shown = s.rows(kept & self.unparsed, n, self.text)
            if self.date_format is not None:
                raise RetentionDataError(
                    f"{param}={col!r}: {counted(n, 'value does not match', 'values do not match')} "
                    f"date_format={self.date_format!r}: {shown}. Pass date_format= with a strftime "
                    "pattern that matches every value (for example date_format='%d/%m/%Y'), or make "
                    "the column consistent.",
                    parameter="date_format",
                    column=col,
                )
            raise RetentionDataError(
                f"{param}={col!r}: {counted(n, 'value is not an ISO 8601 date', 'values are not ISO 8601 dates')} "
                f"(2024-03-05, 2024-03-05T14:30:00), the only dates lazy=True reads without "
                f"date_format=: {shown}. Pass date_format= with the pattern of the values (for "
                "example date_format='%d/%m/%Y'), or lazy=False, whose parser also reads "
                "day/month dates decided from the values and names mixed formats.",
                parameter="lazy",
                column=col,
            )
        if s.counts.get(f"{col}:offsets"):
            s.notes.append(
                f"{col}: {s.counts[f'{col}:offsets']:,} values carried a UTC offset; their local "
                "wall-clock times were kept and the offsets dropped"
            )
        if s.counts.get(f"{col}:sentinel"):
            s.notes.append(
                f"{col}: {s.counts[f'{col}:sentinel']:,} end dates equal to one of open_end_values "
                f"({', '.join(map(str, open_end_values))}) were read as still open (no end)"
            )
        if s.counts.get(f"{col}:after"):
            s.notes.append(
                f"{col}: {s.counts[f'{col}:after']:,} end dates after {self.after_value:%Y-%m-%d} "
                "(open_end_after) were read as still open (no end)"
            )
        n = s.counts[f"{col}:outside"]
        if n:
            raise _outside_window(
                col, param=param, n=n, shown=s.rows(self.outside, n, self.text), first=self.first, last=self.last,
                given=self.given, jalali=bool(s.counts[f"{col}:jalali"]), ancient=bool(s.counts[f"{col}:ancient"]),
                late=bool(s.counts[f"{col}:late"]),
            )


# --------------------------------------------------------------------------- amounts

_PLAIN = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"
_GROUPED = r"^[+-]?\d{1,3}\.\d{3}$"  # '250.000': thousands grouped, or three decimals?


class _Numbers:
    """A money column (amounts, MRR) as Float64: typed numbers, or plain number text."""

    def __init__(self, scan: _Scan, col: str, *, param: str, what: str, decimal: str | None,
                 thousands: str | None) -> None:
        pl = scan.pl
        self.scan, self.col, self.param, self.what = scan, col, param, what
        dtype = scan.schema[col]
        raw = pl.col(col)
        if dtype == pl.Boolean:
            raise RetentionDataError(
                f"{param}={col!r}: expected numbers, got true/false values.", parameter=param, column=col
            )
        settled = decimal is not None or thousands is not None
        if decimal is None:
            decimal = "," if thousands == "." else "."
        _check_separator_pair(thousands, decimal, col)
        self.not_plain = self.grouped = self.pointed = None
        if dtype.is_numeric():
            values = raw.cast(pl.Float64)
        elif dtype == pl.String or isinstance(dtype, (pl.Categorical, pl.Enum)):
            if decimal != ".":
                raise RetentionDataError(
                    f"decimal={decimal!r}: {param}={col!r} holds text, and lazy=True reads text "
                    "amounts only as plain numbers with a decimal point ('1234.50'). Pass "
                    "lazy=False (the eager loader reads decimal commas), or store the column as "
                    "numbers in the Parquet file.",
                    parameter="lazy",
                    column=col,
                )
            text = scan.col(f"text:{col}", raw.cast(pl.String).str.strip_chars())
            plain = text.str.contains(_PLAIN)
            values = pl.when(plain).then(text.cast(pl.Float64, strict=False))
            self.not_plain = (text != "") & ~plain
            if not settled:
                self.grouped = plain & text.str.contains(_GROUPED) & (values.abs() >= 1)
                self.pointed = plain & text.str.contains(".", literal=True) & ~text.str.contains("[eE]") \
                    & ~self.grouped
        else:
            raise RetentionDataError(
                f"{param}={col!r}: the column holds {dtype} values, not numbers. Check that the "
                "right column is mapped.",
                parameter=param,
                column=col,
            )
        self.values = values = scan.col(f"number:{col}", values)
        self.blank = values.is_null() | values.is_nan()
        self.infinite = values.is_infinite().fill_null(False)

    def add_flags(self, kept: Any) -> None:
        s, c = self.scan, self.col
        if self.not_plain is not None:
            s.flag(f"{c}:not_plain", kept & self.not_plain)
        if self.grouped is not None:
            s.flag(f"{c}:grouped", kept & self.grouped)
            s.flag(f"{c}:pointed", kept & self.pointed)
        s.flag(f"{c}:blank", kept & self.blank)
        s.flag(f"{c}:infinite", kept & self.infinite)

    def check(self, kept: Any) -> None:
        s, col, param, what = self.scan, self.col, self.param, self.what
        n = s.counts.get(f"{col}:not_plain", 0)
        if n:
            raise RetentionDataError(
                f"{param}={col!r}: {counted(n, what + ' value is not a plain number', what + ' values are not plain numbers')}"
                f": {s.rows(kept & self.not_plain, n, col)}. lazy=True reads text {what}s only as plain "
                "numbers ('1234.50', '-3'); pass lazy=False, whose parser reads currency signs, "
                "thousands separators and decimal commas ('$1,234.50'), or store the column as "
                "numbers in the Parquet file.",
                parameter="lazy",
                column=col,
            )
        n = s.counts.get(f"{col}:grouped", 0)
        if n and not s.counts.get(f"{col}:pointed", 0):
            raise RetentionDataError(
                f"{param}={col!r}: {counted(n, what + ' has', what + 's have')} one '.' followed by "
                f"three digits ({s.rows(kept & self.grouped, n, col)}), and no other value shows "
                "whether '.' separates thousands or decimals ('250.000' could be 250,000 or 250). "
                "Currencies without cents (Toman, Rial, Rupiah, Won) write thousands this way. Pass "
                "thousands=',' if '.' is the decimal point, or lazy=False with thousands='.' if it "
                "groups thousands.",
                parameter="thousands",
                column=col,
                options=(".", ","),
            )
        n = s.counts[f"{col}:blank"]
        if n:
            raise RetentionDataError(
                f"{param}={col!r}: {counted(n, 'row has', 'rows have')} a blank {what}: "
                f"{s.rows(kept & self.blank, n)}. Fill them in or drop those rows.",
                parameter=param,
                column=col,
            )
        n = s.counts[f"{col}:infinite"]
        if n:
            raise RetentionDataError(
                f"{param}={col!r}: {counted(n, what + ' value is infinite', what + ' values are infinite')}: "
                f"{s.rows(kept & self.infinite, n, col)}.",
                parameter=param,
                column=col,
            )


# --------------------------------------------------------------------------- rows


def _statuses(scan: _Scan, col: str, exclude: Sequence[str]) -> tuple[Any, Any]:
    """Flags of the rows left out by status; returns (text, any-status flag)."""
    pl = scan.pl
    text = pl.col(col).cast(pl.String).str.strip_chars().str.to_lowercase()
    hit = pl.lit(False)
    for status in dict.fromkeys(str(s).strip().lower() for s in exclude):
        one = (text == status).fill_null(False)
        scan.flag(f"status:{status}", one)
        hit = hit | one
    return text, hit


def _status_notes(scan: _Scan, col: str, exclude: Sequence[str], text: Any, excluded: Any) -> None:
    pl = scan.pl
    for status in dict.fromkeys(str(s).strip().lower() for s in exclude):
        n = scan.counts[f"status:{status}"]
        scan.exclude(f"status {status!r}", n)
        if not n:
            scan.notes.append(f"status_col={col!r}: no row has the status {status!r} (exclude_statuses)")
    kept = (scan.view.filter(~excluded).group_by(text.fill_null("(blank)").alias("s"))
            .agg(pl.len().alias("n"), pl.col(_ROW).min().alias("first"))
            .sort(["n", "first"], descending=[True, False]).head(21).collect(engine="streaming"))
    if 0 < len(kept) <= 20:
        scan.notes.append(
            f"{col}: kept rows by status: " + ", ".join(f"{s} {n:,}" for s, n, _ in kept.iter_rows())
        )


def _row_key(scan: _Scan, kept: Any, parsed: Mapping[str, Any]) -> tuple[Any, Any]:
    """What makes two rows the same: the parsed values (``parsed``: source column ->
    expression) and every other column as read (text stripped), as a struct and as its
    64-bit hash; the count of distinct hashes among ``kept`` joins the counting pass."""
    pl = scan.pl
    values = [expr.alias(f"__p{i}") for i, expr in enumerate(parsed.values())]
    for col in scan.columns:
        if col in parsed:
            continue
        value = pl.col(col)
        if scan.schema[col] == pl.String:
            value = value.str.strip_chars()
        values.append(value.alias(f"__o{col}"))
    key = pl.struct(values)
    row_hash = scan.col("hash", key.hash(seed=0x5EED))
    scan.aggs["__distinct_rows"] = row_hash.filter(kept).n_unique()
    scan.flag("__kept_before_duplicates", kept)
    return key, row_hash


def _duplicates(scan: _Scan, kept: Any, key: Any, row_hash: Any, parsed: Mapping[str, Any],
                duplicates: str, extra: Sequence[str] = ()) -> tuple[Any, Any]:
    """Rows identical to an earlier kept row (see :func:`_row_key`): when some hashes
    repeat, the rows holding them are read and compared exactly, in row order.

    Returns the kept-rows expression after the policy, and a DataFrame of the excluded
    duplicate rows (row index and the ``extra`` parsed values) or ``None``."""
    pl = scan.pl
    distinct = scan.counts["__distinct_rows"]
    n_kept = scan.counts["__kept_before_duplicates"]
    if distinct == n_kept:
        return kept, None
    lf = scan.view.with_columns(row_hash.alias(_HASH))
    shared = (lf.filter(kept).group_by(_HASH).agg(pl.len().alias("n")).filter(pl.col("n") > 1)
              .select(_HASH).collect(engine="streaming")[_HASH])
    rows = (lf.filter(kept & pl.col(_HASH).is_in(shared.implode()))
            .select(_ROW, key.alias("__key"), *[parsed[c].alias(c) for c in extra])
            .collect(engine="streaming").sort(_ROW))
    dup = rows.filter(~pl.col("__key").is_first_distinct()).drop("__key")
    n = len(dup)
    if n == 0:  # pragma: no cover - only a hash collision between different rows
        return kept, None
    if duplicates == "exclude":
        scan.exclude("duplicate row (identical in every column to an earlier row)", n)
        return kept & ~pl.col(_ROW).is_in(dup[_ROW].implode()), dup
    if duplicates == "keep":
        scan.notes.append(
            f"{n:,} rows identical in every column to an earlier row were kept as separate "
            "records (duplicates='keep')"
        )
        return kept, None
    shown = ", ".join(f"row {r}" for r in dup[_ROW][:5].to_list()) + (f" (and {n - 5:,} more)" if n > 5 else "")
    raise RetentionDataError(
        f"duplicates='error': {counted(n, 'row is', 'rows are')} identical in every column to an earlier row: "
        f"{shown}. If they are export glitches pass "
        "duplicates='exclude'; if they are real repeated records (a file without an order "
        "id can hold two identical orders) pass duplicates='keep'.",
        parameter="duplicates",
        options=("error", "exclude", "keep"),
    )


# --------------------------------------------------------------------------- loaders


def lazy_transactions(source: object, *, customer_col: str, date_col: str, amount_col: str | None,
                      date_format: str | None, date_range: Sequence[object] | None, calendar: str,
                      blank_ids: str, id_case: str, duplicates: str, refunds: str, status_col: str | None,
                      exclude_statuses: Sequence[str], decimal: str | None, thousands: str | None,
                      keep_columns: Sequence[str]) -> Any:
    """:func:`load_transactions` with ``lazy=True`` (see the module docstring)."""
    canonical = ["customer_id", "date"] + (["amount"] if amount_col is not None else [])
    scan = _Scan(source, {"customer_col": customer_col, "date_col": date_col, "amount_col": amount_col,
                          "status_col": status_col}, keep_columns, canonical)
    pl = scan.pl
    if status_col is None and exclude_statuses:
        raise RetentionDataError(
            f"exclude_statuses={list(exclude_statuses)!r}: name the status column with status_col=.",
            parameter="status_col",
        )
    kept = pl.lit(True)
    status_text = None
    if status_col is not None:
        status_text, by_status = _statuses(scan, status_col, exclude_statuses)
        kept = ~by_status
    ids = _Ids(scan, customer_col, param="customer_col", id_case=id_case, what="customer id")
    scan.flag("id_blank", kept & ids.blank)
    after_ids = kept & ~ids.blank
    ids.add_flags(after_ids)
    dates = _Dates(scan, date_col, param="date_col", date_format=date_format, calendar=calendar)
    dates.add_flags(after_ids, date_range)
    amounts = None
    if amount_col is not None:
        amounts = _Numbers(scan, amount_col, param="amount_col", what="amount", decimal=decimal,
                           thousands=thousands)
        amounts.add_flags(after_ids)
        scan.flag("negative", after_ids & (amounts.values < 0))
        scan.flag("zero", after_ids & (amounts.values == 0))
    parsed = {customer_col: ids.text, date_col: dates.parsed}
    if amounts is not None:
        parsed[amount_col] = amounts.values + 0.0  # -0.0 is 0.0
    key, row_hash = _row_key(scan, after_ids, parsed)
    scan.count()

    if status_col is not None:
        _status_notes(scan, status_col, exclude_statuses, status_text, ~kept)
    kept = ids.check_blank(kept, blank_ids)
    ids.check_values(kept)
    dates.check(kept)
    if amounts is not None:
        amounts.check(kept)
    kept, dup = _duplicates(scan, kept, key, row_hash, parsed, duplicates,
                            extra=[amount_col] if amounts is not None else [])
    if amounts is not None:
        n_negative, n_zero = scan.counts["negative"], scan.counts["zero"]
        if dup is not None:
            n_negative -= int((dup[amount_col] < 0).sum())
            n_zero -= int((dup[amount_col] == 0).sum())
        negative = amounts.values < 0
        if n_negative:
            if refunds == "exclude":
                scan.exclude("refund (negative amount)", n_negative)
                kept = kept & ~negative
            else:
                raise RetentionDataError(
                    f"amount_col={amount_col!r}: {counted(n_negative, 'row has', 'rows have')} a negative "
                    f"amount (refunds or cancellations): "
                    f"{scan.rows(kept & negative, n_negative, amount_col)}. Pass refunds='exclude' to "
                    "leave them out of purchase counts (they are counted in the load report).",
                    parameter="refunds",
                    column=amount_col,
                    options=("error", "exclude"),
                )
        if n_zero:
            scan.notes.append(f"{n_zero:,} zero-value orders kept as purchases")
    columns = {"customer_id": ids.text, "date": dates.parsed}
    if amounts is not None:
        columns["amount"] = amounts.values
    return scan.finish(kept, columns, keep_columns)


def lazy_sessions(source: object, *, visitor_col: str, time_col: str, date_format: str | None,
                  date_range: Sequence[object] | None, calendar: str, blank_ids: str, id_case: str,
                  keep_columns: Sequence[str]) -> Any:
    """:func:`load_sessions` with ``lazy=True``."""
    scan = _Scan(source, {"visitor_col": visitor_col, "time_col": time_col}, keep_columns,
                 ["visitor_id", "date"])
    pl = scan.pl
    kept = pl.lit(True)
    ids = _Ids(scan, visitor_col, param="visitor_col", id_case=id_case, what="visitor id")
    scan.flag("id_blank", ids.blank)
    ids.add_flags(~ids.blank)
    dates = _Dates(scan, time_col, param="time_col", date_format=date_format, calendar=calendar)
    dates.add_flags(~ids.blank, date_range)
    scan.count()
    kept = ids.check_blank(kept, blank_ids)
    ids.check_values(kept)
    dates.check(kept)
    return scan.finish(kept, {"visitor_id": ids.text, "date": dates.parsed}, keep_columns)


def lazy_subscriptions(source: object, *, customer_col: str, start_col: str, end_col: str,
                       mrr_col: str | None, date_format: str | None, date_range: Sequence[object] | None,
                       calendar: str, open_end_after: object, open_end_values: Sequence[str],
                       blank_ids: str, id_case: str, decimal: str | None, thousands: str | None,
                       keep_columns: Sequence[str]) -> Any:
    """:func:`load_subscriptions` with ``lazy=True``."""
    canonical = ["customer_id", "start_date", "end_date"] + (["mrr"] if mrr_col is not None else [])
    scan = _Scan(source, {"customer_col": customer_col, "start_col": start_col, "end_col": end_col,
                          "mrr_col": mrr_col}, keep_columns, canonical)
    pl = scan.pl
    kept = pl.lit(True)
    ids = _Ids(scan, customer_col, param="customer_col", id_case=id_case, what="customer id")
    scan.flag("id_blank", ids.blank)
    after_ids = ~ids.blank
    ids.add_flags(after_ids)
    starts = _Dates(scan, start_col, param="start_col", date_format=date_format, calendar=calendar)
    starts.add_flags(after_ids, date_range)
    ends = _Dates(scan, end_col, param="end_col", date_format=date_format, calendar=calendar, allow_blank=True,
                  open_end_after=open_end_after, open_end_values=open_end_values)
    ends.add_flags(after_ids, date_range)
    backwards = (ends.parsed < starts.parsed).fill_null(False)
    same_day = (ends.parsed == starts.parsed).fill_null(False)
    scan.flag("backwards", after_ids & backwards)
    scan.flag("same_day", after_ids & same_day)
    mrr = None
    if mrr_col is not None:
        mrr = _Numbers(scan, mrr_col, param="mrr_col", what="MRR", decimal=decimal, thousands=thousands)
        mrr.add_flags(after_ids)
        scan.flag("negative", after_ids & (mrr.values < 0))
    scan.count()

    kept = ids.check_blank(kept, blank_ids)
    ids.check_values(kept)
    starts.check(kept)
    ends.check(kept, open_end_values)
    n = scan.counts["backwards"]
    if n:
        raise RetentionDataError(
            f"end_col={end_col!r}: {counted(n, 'spell ends before it starts', 'spells end before they start')}: "
            f"{scan.rows(kept & backwards, n)}. Check the two date columns "
            "(swapped columns, or day/month read as month/day).",
            parameter="end_col",
            column=end_col,
        )
    n = scan.counts["same_day"]
    if n:
        scan.notes.append(
            f"{counted(n, 'spell starts and ends', 'spells start and end')} on the same day (same-day cancellations): "
            "they count as an acquisition but never as an active customer"
        )
    columns = {"customer_id": ids.text, "start_date": starts.parsed, "end_date": ends.parsed}
    if mrr is not None:
        mrr.check(kept)
        n = scan.counts["negative"]
        if n:
            raise RetentionDataError(
                f"mrr_col={mrr_col!r}: {counted(n, 'spell has', 'spells have')} negative MRR: "
                f"{scan.rows(kept & (mrr.values < 0), n, mrr_col)}. MRR is a price, never negative; "
                "record credits or refunds outside the subscription table.",
                parameter="mrr_col",
                column=mrr_col,
            )
        columns["mrr"] = mrr.values
    _check_overlaps(scan, kept, ids.text, starts.parsed, ends.parsed)
    return scan.finish(kept, columns, keep_columns)


def _check_overlaps(scan: _Scan, kept: Any, ids: Any, starts: Any, ends: Any) -> None:
    """Two spells of one customer that overlap (an open spell followed by another one
    overlaps it), found by one sort of the kept spells, as the eager loader does."""
    pl = scan.pl
    spells = (scan.view.filter(kept)
              .select(_ROW, ids.alias("id"), starts.alias("start"), ends.alias("end"))
              .sort(["id", "start", "end"], nulls_last=True, maintain_order=True))
    same = pl.col("id") == pl.col("id").shift(1)
    prev_end = pl.col("end").shift(1)
    overlap = (spells.filter(same & (prev_end.is_null() | (pl.col("start") < prev_end)))
               .select(_ROW).collect(engine="streaming")[_ROW].sort())
    n = len(overlap)
    if n:
        shown = ", ".join(f"row {r}" for r in overlap[:5].to_list()) + (f" (and {n - 5:,} more)" if n > 5 else "")
        raise RetentionDataError(
            f"start_col: {counted(n, 'spell overlaps', 'spells overlap')} an earlier spell of the same "
            f"customer: {shown}. End a spell on the day the next one starts (a plan change), or merge "
            "the two rows.",
            parameter="start_col",
        )
