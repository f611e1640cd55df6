"""Readers: an export file (CSV, gzip'ed CSV; separator sniffed) or a DataFrame, into a
``_Frame`` ready for the parsers.

CSV files are read column by column with Arrow's multi-threaded reader: the columns the
caller maps are read as text (ids keep leading zeros; dates and amounts are parsed by the
kit, never guessed), the others with Arrow's type inference restricted to what pandas
infers (numbers and true/false; no dates). Blank lines are not rows. Row locations in
messages are physical lines of the file ("line 7", the header being line 1), worked out
only when a message needs them, so quoted fields holding newlines (order notes,
addresses) do not shift them.
"""

from __future__ import annotations

import codecs
import csv
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pandas as pd

from ..errors import RetentionDataError, counted
from .formats import arrow_input, open_text, parquet_set, read_parquet, read_parquet_set, read_workbook, sniff_format
from .frame import _check_columns, _Frame

Source = str | os.PathLike | pd.DataFrame


class _Rows(Sequence[str]):
    """Locations of a DataFrame's rows: ``row 0``, ``row 1``, ... (positions)."""

    def __init__(self, n: int, label: str = "row", first: int = 0) -> None:
        self._n, self._label, self._first = n, label, first

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._n))]
        if not -self._n <= i < self._n:
            raise IndexError(i)
        return f"{self._label} {(i % self._n) + self._first}"


class _Lines(Sequence[str]):
    """Physical line numbers of a CSV file's data records, found when first asked for.

    Record ``i`` (0-based, blank lines not counted) starts on line ``lines[i]``; the
    file is scanned once with :mod:`csv`, which follows quoted newlines as Arrow does.
    """

    def __init__(self, path: Path, encoding: str, sep: str, n: int, fields: int) -> None:
        self._path, self._encoding, self._sep, self._n, self._fields = path, encoding, sep, n, fields
        self._starts: list[int] | None = None

    def __len__(self) -> int:
        return self._n

    def starts(self) -> list[int]:
        if self._starts is None:
            starts = []
            for start, _ in _records(self._path, self._encoding, self._sep, self._fields):
                starts.append(start)
                if len(starts) >= self._n:
                    break
            self._starts = starts
        return self._starts

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._n))]
        return f"line {self.starts()[i]}"


def _records(path: Path, encoding: str, sep: str, expected: int) -> Iterator[tuple[int, list[str]]]:
    """Data records after the header, with the physical line each starts on, skipped as
    Arrow's reader skips them: empty lines always, whitespace-only lines when the header
    has more than one field (with one field they are a row holding a blank value)."""
    limit = csv.field_size_limit()
    csv.field_size_limit(2**31 - 1)  # Arrow reads fields of any length; so must the scan
    try:
        with open_text(path, encoding) as f:
            consumed: list[str] = []

            def lines() -> Iterator[str]:
                for line in f:
                    consumed.append(line)
                    yield line

            reader = csv.reader(lines(), delimiter=sep)
            next(reader, None)
            done = reader.line_num
            consumed.clear()
            for record in reader:
                start = done + 1
                done = reader.line_num
                raw = "".join(consumed)
                consumed.clear()
                if not raw.strip("\r\n") or (expected > 1 and not raw.strip()):
                    continue
                yield start, record
    finally:
        csv.field_size_limit(limit)


def _read(
    source: Source,
    columns: Mapping[str, str | None],
    *,
    keep: Sequence[str] = (),
    sep: str,
    encoding: str,
    sheet: str | int | None = None,
) -> _Frame:
    """Read an export file or copy a DataFrame, and check the mapped columns exist.

    ``columns`` maps parameter name (``"customer_col"``) to the column the caller named.
    File sources are read as text; the parsers read the mapped columns, and
    :func:`_finish` gives kept columns the types pandas would infer.
    """
    wanted = {param: col for param, col in columns.items() if col is not None}
    mapped = [*wanted.items(), *(("keep_columns", c) for c in keep)]
    if isinstance(source, pd.DataFrame):
        _no_sheet(sheet, "a DataFrame")
        frame = _table(source.reset_index(drop=True).copy(), _Rows(len(source)), "DataFrame", wanted, mapped)
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        dataset = parquet_set(source)
        if dataset is not None:  # a folder or a glob of Parquet files
            _no_sheet(sheet, f"{dataset.name!r} (Parquet files)")
            table, where = read_parquet_set(dataset)
            frame = _table(table, where, dataset.name, wanted, mapped)
            return _nonempty(frame)
        _check_file(path)
        sniffed = sniff_format(path)
        if sniffed.format == "excel":
            sheet_read = read_workbook(path, sheet=sheet)
            frame = _table(sheet_read.frame, sheet_read.where, f"{path.name} (sheet {sheet_read.sheet!r})",
                           wanted, mapped)
        elif sniffed.format == "parquet":
            _no_sheet(sheet, f"{path.name!r} (a Parquet file)")
            table, where = read_parquet(path)
            frame = _table(table, where, path.name, wanted, mapped)
        else:
            _no_sheet(sheet, f"{path.name!r} (CSV text)")
            frame = _read_csv(path, wanted, mapped=mapped, sep=sep, encoding=encoding,
                              compressed=sniffed.gzip)
        if sniffed.note:
            frame.notes.append(sniffed.note)
    else:
        raise RetentionDataError(
            f"source: expected a file path or a pandas DataFrame, got {type(source).__name__}.",
            parameter="source",
        )
    return _nonempty(frame)


def _nonempty(frame: _Frame) -> _Frame:
    if len(frame.raw) == 0:
        raise RetentionDataError(
            f"source: {frame.name!r} has a header but no data rows. Export the data again, "
            "or check that the right file was given.",
            parameter="source",
        )
    return frame


def _table(raw: pd.DataFrame, where, name: str, wanted: Mapping[str, str],
           mapped: Sequence[tuple[str, str]]) -> _Frame:
    """A frame from a table already in memory (a DataFrame, a sheet, a Parquet file)."""
    header = [str(c) if not isinstance(c, str) else c for c in raw.columns]
    _check_columns(pd.Index(header), wanted, name)
    raw.columns = _unique_names(header, mapped, name)
    return _Frame(raw, where, name)


def _no_sheet(sheet: str | int | None, what: str) -> None:
    if sheet is not None:
        raise RetentionDataError(
            f"sheet={sheet!r}: {what} has no sheets; sheet= is for Excel workbooks. Leave it out.",
            parameter="sheet",
        )


def _check_file(path: Path) -> None:
    if not path.is_file():
        what = f"{str(path)!r} is a folder, not a file" if path.is_dir() else f"no file at {str(path)!r}"
        raise RetentionDataError(
            f"source: {what}. Check the path (relative paths are read from {os.getcwd()!r}).",
            parameter="source",
        )


def _check_encoding(encoding: str) -> None:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise RetentionDataError(
            f"encoding={encoding!r}: not a text encoding Python knows. Pass encoding= with one "
            "such as 'utf-8', 'cp1252' (Excel on Windows, Western Europe), 'cp1256' (Arabic "
            "script) or 'latin-1'.",
            parameter="encoding",
        ) from None


def _header(path: Path, encoding: str, sep: str, name: str) -> list[str]:
    try:
        with open_text(path, encoding) as f:
            record = next(csv.reader(f, delimiter=sep), None)
    except OSError as exc:
        raise RetentionDataError(f"source: {name!r} could not be opened ({exc}).", parameter="source") from None
    except UnicodeDecodeError:
        raise _encoding_error(name, encoding) from None
    if record is None or not any(field.strip() for field in record):
        raise RetentionDataError(
            f"source: {name!r} is empty (no header, no rows). Export the data again.",
            parameter="source",
        )
    return record


def _encoding_error(name: str, encoding: str) -> RetentionDataError:
    return RetentionDataError(
        f"source: {name!r} could not be read as text with encoding {encoding!r} (it holds "
        "bytes that are not valid in it). Pass encoding= to match the file, for example "
        "encoding='cp1252' for Excel's 'CSV' on Windows.",
        parameter="encoding",
    )


def _unique_names(header: list[str], wanted: Sequence[tuple[str, str]], name: str) -> list[str]:
    """Column names for the reader: the header's, with a repeated name made unique.

    A repeated name the caller maps to an option is an error naming both positions: the
    kit cannot know which of the two columns was meant.
    """
    positions: dict[str, list[int]] = {}
    for i, col in enumerate(header):
        positions.setdefault(col, []).append(i + 1)
    for param, col in wanted:
        if len(positions.get(col, [])) > 1:
            at = " and ".join(str(p) for p in positions[col])
            raise RetentionDataError(
                f"{param}={col!r}: {name!r} has {len(positions[col])} columns named {col!r} "
                f"(columns {at}), so the kit cannot tell which one is meant. Rename one of "
                "them in the file, or export it again.",
                parameter=param,
                column=col,
            )
    seen: dict[str, int] = {}
    names = []
    for i, col in enumerate(header):
        seen[col] = seen.get(col, 0) + 1
        names.append(col if seen[col] == 1 else f"{col} (column {i + 1})")
    return names


def _read_csv(
    path: Path,
    wanted: Mapping[str, str],
    *,
    mapped: Sequence[tuple[str, str]],
    sep: str,
    encoding: str,
    compressed: bool,
) -> _Frame:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    name = path.name
    _check_encoding(encoding)
    if sep == "auto":
        sep = _sniff_separator(path, encoding)
    header = _header(path, encoding, sep, name)
    _check_columns(pd.Index(header), wanted, name)
    names = _unique_names(header, mapped, name)
    rejected: list[tuple[int, int]] = []

    def invalid(row) -> str:  # a row whose field count differs from the header's
        if row.actual_columns == 1 and not row.text.strip():
            return "skip"  # a whitespace-only line: blank, like an empty line
        rejected.append((row.actual_columns, row.expected_columns))
        return "skip"

    codec = codecs.lookup(encoding).name
    stream = arrow_input(path, compressed=compressed)
    try:
        quoted = compressed or _has_quote(path)
        table = pacsv.read_csv(
            stream,
            read_options=pacsv.ReadOptions(
                encoding="utf8" if codec in ("utf-8", "utf-8-sig") else encoding,
                block_size=1 << 24,
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=sep, newlines_in_values=quoted, invalid_row_handler=invalid
            ),
            # every column as text: the kit parses the mapped ones, and gives kept columns
            # the types pandas would (see _Frame.typed); Arrow's own inference would turn a
            # 20-digit order number into a rounded float
            convert_options=pacsv.ConvertOptions(
                column_types={col: pa.large_string() for col in header},
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        text_error = "UTF8" in str(exc) or isinstance(exc, UnicodeDecodeError)
        raise RetentionDataError(
            f"source: {name!r} could not be read as a {sep!r}-separated text file with "
            f"encoding {encoding!r} ({str(exc).splitlines()[0]}). "
            + ("Pass encoding= to match the file, for example encoding='cp1252' for Excel's "
               "'CSV' on Windows." if text_error else
               "Check the quoting (a quote opened and never closed), or pass sep=."),
            parameter="encoding" if text_error else "sep",
        ) from None
    if rejected:
        _raise_field_count(path, encoding, sep, len(header), name)
    if table.num_columns != len(header):  # pragma: no cover - both read the same first record
        raise RetentionDataError(
            f"source: {name!r}: the header could not be read consistently ({table.num_columns} "
            f"columns against {len(header)}). Pass sep= to match the file.",
            parameter="sep",
        )
    raw = table.rename_columns(names).to_pandas()
    return _Frame(raw, _Lines(path, encoding, sep, len(raw), len(header)), name, typed=False)


def _raise_field_count(path: Path, encoding: str, sep: str, expected: int, name: str) -> None:
    wrong = [(start, len(record)) for start, record in _records(path, encoding, sep, expected)
             if len(record) != expected]
    shown = ", ".join(f"line {start} has {n}" for start, n in wrong[:5])
    more = f" (and {len(wrong) - 5:,} more)" if len(wrong) > 5 else ""
    extra = any(n > expected for _, n in wrong)
    raise RetentionDataError(
        f"sep={sep!r}: {counted(len(wrong), 'row', 'rows')} of {name!r} "
        f"{'does' if len(wrong) == 1 else 'do'} not have as many fields as the header "
        f"({expected}): {shown}{more}. "
        + ("A row with more fields often ends with a stray separator or holds an unquoted "
           "value containing the separator; " if extra else "")
        + "fix those rows, quote values that contain the separator, or pass sep= if the "
        "separator was detected wrong.",
        parameter="sep",
    )


def _sniff_separator(path: Path, encoding: str) -> str:
    """The separator of a delimited text file, read from its header line.

    The most frequent of comma, semicolon, tab and pipe in the first line wins; a
    header with none of them is one column, read with a comma.
    """
    try:
        with open_text(path, encoding) as f:
            header = f.readline()
    except OSError as exc:
        raise RetentionDataError(
            f"source: {path.name!r} could not be opened ({exc}).", parameter="source"
        ) from None
    except UnicodeDecodeError:
        raise _encoding_error(path.name, encoding) from None
    unquoted = re.sub(r'"[^"]*"', "", header)  # separators inside quoted names do not count
    counts = {c: unquoted.count(c) for c in (",", ";", "\t", "|")}
    best = max(counts, key=lambda c: counts[c])
    return best if counts[best] > 0 else ","


def _has_quote(path: Path) -> bool:
    """Whether the file holds a double quote anywhere: only then can a value span lines
    (Arrow's reader is faster when it knows none does)."""
    with open(path, "rb") as f:
        while chunk := f.read(1 << 22):
            if b'"' in chunk:
                return True
    return False
