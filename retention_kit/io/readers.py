"""Readers: a CSV path (separator sniffed, text columns kept as text, physical line
numbers for messages) or a DataFrame, into a ``_Frame`` ready for the parsers."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from ..errors import RetentionDataError
from .frame import _check_columns, _Frame

Source = str | os.PathLike | pd.DataFrame


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
