"""File formats the loaders read besides plain CSV: how a file's format is decided, and
the readers for Excel workbooks and Parquet files (private module; the CSV reader in
``readers.py`` calls it).

Formats read
------------
- **CSV text**, plain or **gzip-compressed** (``.csv.gz``). The CSV reader parses it;
  this module gives it the byte or text stream (:func:`open_binary`, :func:`arrow_input`,
  :func:`open_text`), decompressing gzip on the fly.
- **Excel workbooks** (``.xlsx``, ``.xlsm``, ``.xlsb``, ``.xls``, ``.ods``), read with
  python-calamine by :func:`read_workbook`, one sheet at a time.
- **Parquet** files, read with pyarrow by :func:`read_parquet`.

How the format is decided
-------------------------
By the file's first bytes, not its name (:func:`sniff_format`): ``PK\\x03\\x04`` is a zip
archive (a workbook when it holds ``xl/`` entries, or an OpenDocument spreadsheet's
``content.xml``), ``\\xd0\\xcf\\x11\\xe0`` an old-style ``.xls`` workbook, ``PAR1`` a Parquet
file, ``\\x1f\\x8b`` gzip (which must hold CSV text). Anything else must be text: a PDF, an
image, another archive, an HTML page saved as ``.xls`` or other binary data is refused with
an error that says what the file looks like (``parameter="source"``), never with a
separator or encoding hint. The name only matters when it disagrees with the content: a
workbook named ``orders.csv`` is read as the workbook it is, with a load-report note
(``sniff_format(..., misnamed="error")`` refuses it instead).

How types map
-------------
========================  ===========================================================
Excel cell                pandas column
========================  ===========================================================
number                    ``float64`` (Excel stores every number as a double; a column
                          of integers from an ``.xls`` file without blanks is ``int64``)
date / date-time          ``datetime64`` (a date-only cell is midnight)
text                      ``str`` (text stays text: ``"00123"`` keeps its zeros)
TRUE / FALSE              ``bool`` (``object`` when the column has blanks)
empty cell                missing (NaN / NaT); an Excel error cell such as ``#DIV/0!``
                          is read as empty by calamine
mixed kinds in a column   ``object`` holding ``float``, ``pd.Timestamp``, ``str``, ``bool``
========================  ===========================================================

Parquet columns keep their Arrow types: integers ``int64`` (``float64`` when they hold
nulls), floats, strings ``str``, booleans, ``date32``/``date64`` -> ``datetime64[ms]``,
timestamps -> ``datetime64`` in their own unit (time zone kept), decimals -> ``float64``,
dictionary (categorical) columns -> their values' type.

Locations
---------
Workbook rows are named by their Excel row numbers (``"row 5"``; the header row keeps its
own number, so the first data row under a header in row 1 is ``"row 2"``). Parquet rows
are named ``"row i"`` with ``i`` 0-based, as for a DataFrame. Both come as a
:class:`Locations` sequence that makes each label only when asked.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import gc
import gzip
import operator
import os
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Literal, NamedTuple, overload

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import RetentionDataError

Format = Literal["csv", "excel", "parquet"]

__all__ = [
    "Format",
    "Locations",
    "ParquetSet",
    "Sniffed",
    "WorkbookSheet",
    "arrow_input",
    "open_binary",
    "open_text",
    "parquet_schema",
    "parquet_set",
    "read_parquet",
    "read_parquet_set",
    "read_workbook",
    "sniff_format",
]

_HEAD_BYTES = 8192
_EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xlsb", ".xls", ".xltx", ".xltm", ".ods"})
_PARQUET_SUFFIXES = frozenset({".parquet", ".pq", ".parq"})

# Signatures of files people pass by mistake, with what to call them in a message.
_BINARY_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"BM", "a BMP image"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"BZh", "a bzip2-compressed file"),
    (b"\xfd7zXZ\x00", "an xz-compressed file"),
    (b"\x28\xb5\x2f\xfd", "a zstd-compressed file"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"ARROW1", "an Arrow IPC (Feather) file"),
    (b"Obj\x01", "an Avro file"),
    (b"ORC", "an ORC file"),
    (b"\x7fELF", "an executable program"),
    (b"MZ", "a Windows executable"),
    (b"{\\rtf", "an RTF document"),
)
_TEXT_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


class Sniffed(NamedTuple):
    """What :func:`sniff_format` found.

    ``format`` is what to read the file as; ``gzip`` is true when the bytes are
    gzip-compressed (only ever for ``"csv"``); ``what`` names the content for messages
    ("CSV text", "an Excel workbook (.xlsx)", ...); ``note`` is a load-report note when the
    file's name disagrees with its content (else ``None``).
    """

    format: Format
    gzip: bool
    what: str
    note: str | None


class WorkbookSheet(NamedTuple):
    """What :func:`read_workbook` read: the sheet's table, a location per row, the sheet name."""

    frame: pd.DataFrame
    where: Locations
    sheet: str


class Locations(Sequence[str]):
    """Row labels made on demand: label ``i`` is ``f"{prefix}{numbers[i]}"``.

    A drop-in for the list of ``"line N"`` / ``"row N"`` strings the reader keeps (it
    supports ``len``, iteration and ``where[pos]``), without making a million strings up
    front. Indexing with a slice, a boolean mask or an array of positions gives the
    matching :class:`Locations`.

    Examples
    --------
    >>> where = Locations(np.array([2, 3, 5]), "row ")
    >>> len(where), where[2], list(where[np.array([True, False, True])])
    (3, 'row 5', ['row 2', 'row 5'])
    """

    def __init__(self, numbers: np.ndarray, prefix: str = "row ") -> None:
        self.numbers = np.asarray(numbers, dtype=np.int64)
        self.prefix = prefix

    def __len__(self) -> int:
        return len(self.numbers)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice | np.ndarray | Sequence[int]) -> Locations: ...

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        if isinstance(index, (int, np.integer)):
            return f"{self.prefix}{self.numbers[operator.index(index)]}"
        return Locations(self.numbers[index], self.prefix)

    def __iter__(self) -> Iterator[str]:
        prefix = self.prefix
        return (f"{prefix}{n}" for n in self.numbers.tolist())

    def __repr__(self) -> str:
        shown = ", ".join(repr(label) for label in list(self[:3]))
        more = ", ..." if len(self) > 3 else ""
        return f"Locations([{shown}{more}], n={len(self)})"


# --------------------------------------------------------------------------- sniffing


def sniff_format(path: Path, *, misnamed: Literal["read", "error"] = "read") -> Sniffed:
    """Decide how to read ``path``: by its first bytes first, by its name second.

    Parameters
    ----------
    path : Path
        An existing file (the caller has checked it exists).
    misnamed : {"read", "error"}, default "read"
        What to do with a workbook or Parquet file whose name says something else (an
        ``.xlsx`` renamed ``orders.csv``): ``"read"`` reads it as what it is and returns a
        load-report note in :attr:`Sniffed.note`; ``"error"`` raises.

    Returns
    -------
    Sniffed
        ``(format, gzip, what, note)``. A text file named like a workbook (``x.xlsx``
        holding CSV text) is ``"csv"`` with a note. An empty file is ``"csv"`` (the CSV
        reader reports it as empty).

    Raises
    ------
    RetentionDataError
        ``parameter="source"`` when the file is none of the formats (a PDF, an image,
        another archive, an HTML page, binary data), when gzip holds something other than
        text, when a zip archive is not a workbook, when a ``.parquet`` name holds no
        Parquet data, or (with ``misnamed="error"``) for a misnamed workbook.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "orders.csv").write_text("customer_id,amount\\nA,12.5\\n")
    >>> sniff_format(folder / "orders.csv")
    Sniffed(format='csv', gzip=False, what='CSV text', note=None)
    >>> _ = (folder / "scan.csv").write_bytes(b"%PDF-1.7 ...")
    >>> try:
    ...     sniff_format(folder / "scan.csv")
    ... except RetentionDataError as err:
    ...     print(err.parameter, "|", str(err)[:42])
    source | source: 'scan.csv' is a PDF document, not
    """
    path = Path(path)
    name = path.name
    with open(path, "rb") as fh:
        head = fh.read(_HEAD_BYTES)
    suffixes = [s.lower() for s in path.suffixes]
    suffix = suffixes[-1] if suffixes else ""

    if head.startswith(b"\x1f\x8b"):
        inner = _gunzip_head(path)
        inner_what = _binary_kind(inner) or _zip_or_container_kind(inner) or _markup_kind(inner)
        if inner_what is not None:
            raise RetentionDataError(
                f"source: {name!r} is gzip-compressed, and what it holds is {inner_what}, not "
                "CSV text. Decompress it (gunzip) and pass the file it holds.",
                parameter="source",
            )
        _refuse_binary(inner, name, "gzip-compressed data that is not text")
        return Sniffed("csv", True, "gzip-compressed CSV text", None)

    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        what = _zip_workbook_kind(path)
        return _content_vs_name("excel", what, name, suffix, misnamed)

    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _content_vs_name("excel", "an Excel workbook (.xls)", name, suffix, misnamed)

    if head.startswith(b"PAR1"):
        return _content_vs_name("parquet", "a Parquet file", name, suffix, misnamed)

    kind = _binary_kind(head) or _markup_kind(head)
    if kind is not None:
        raise RetentionDataError(
            f"source: {name!r} is {kind}, not a CSV text file, an Excel workbook or a Parquet "
            f"file. {_advice_for(kind)}",
            parameter="source",
        )
    _refuse_binary(head, name, "binary data")

    if suffix in _PARQUET_SUFFIXES and head:
        raise RetentionDataError(
            f"source: {name!r} is named like a Parquet file but holds text, not Parquet data "
            "(it does not start with 'PAR1'). Check the file; if it is CSV text, rename it "
            f"to {path.stem + '.csv'!r}.",
            parameter="source",
        )
    if suffix in _EXCEL_SUFFIXES and head:
        return Sniffed(
            "csv",
            False,
            "CSV text",
            f"{name!r} is a text file, not an Excel workbook; read as CSV text.",
        )
    return Sniffed("csv", False, "CSV text", None)


def _content_vs_name(
    fmt: Format, what: str, name: str, suffix: str, misnamed: Literal["read", "error"]
) -> Sniffed:
    """Accept a workbook / Parquet file; note or refuse it when its name says otherwise."""
    expected = _EXCEL_SUFFIXES if fmt == "excel" else _PARQUET_SUFFIXES
    if suffix in expected:
        return Sniffed(fmt, False, what, None)
    if misnamed == "error":
        proper = ".parquet" if fmt == "parquet" else _proper_suffix(what)
        raise RetentionDataError(
            f"source: {name!r} is {what}, not a CSV text file, whatever its name says. "
            f"Rename it to end in {proper!r} (and pass sheet= if it has several sheets), or "
            "export the data as CSV.",
            parameter="source",
        )
    note = f"{name!r} is {what}, not CSV text; read as {'a workbook' if fmt == 'excel' else 'Parquet'}."
    return Sniffed(fmt, False, what, note)


def _proper_suffix(what: str) -> str:
    for suffix in (".xlsx", ".xlsb", ".xls", ".ods"):
        if f"({suffix})" in what:
            return suffix
    return ".xlsx"


def _gunzip_head(path: Path) -> bytes:
    """The first decompressed bytes of a gzip file (a damaged stream is an error)."""
    decomp = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = b""
    try:
        with open(path, "rb") as fh:
            while len(out) < _HEAD_BYTES:
                chunk = fh.read(65536)
                if not chunk:
                    break
                out += decomp.decompress(chunk, _HEAD_BYTES - len(out))
                while decomp.unconsumed_tail and len(out) < _HEAD_BYTES:
                    out += decomp.decompress(decomp.unconsumed_tail, _HEAD_BYTES - len(out))
    except zlib.error as exc:
        raise RetentionDataError(
            f"source: {path.name!r} starts like a gzip file but could not be decompressed "
            f"({exc}). The file may be damaged or cut short; download or export it again.",
            parameter="source",
        ) from None
    return out


def _zip_or_container_kind(head: bytes) -> str | None:
    if head.startswith(b"PK\x03\x04"):
        return "a zip archive (an Excel workbook or another archive)"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "an old-style Office file (an .xls workbook or another Office document)"
    if head.startswith(b"PAR1"):
        return "a Parquet file"
    if head.startswith(b"\x1f\x8b"):
        return "another gzip-compressed file"
    return None


def _binary_kind(head: bytes) -> str | None:
    """Name the file type for a few well-known signatures, else ``None``."""
    for signature, what in _BINARY_SIGNATURES:
        if head.startswith(signature):
            return what
    return None


def _markup_kind(head: bytes) -> str | None:
    """HTML pages and XML documents (both often saved with an .xls name) are not CSV."""
    text = head[:2048]
    for bom in _TEXT_BOMS:
        if text.startswith(bom):
            text = text[len(bom) :]
            break
    if b"\x00" in text[:64]:  # UTF-16 text: decode before looking
        for codec in ("utf-16-le", "utf-16-be"):
            try:
                decoded = text.decode(codec, errors="strict")
            except UnicodeDecodeError:
                continue
            if decoded.lstrip().startswith("<"):
                text = decoded.encode("utf-8", errors="ignore")
                break
    start = text.lstrip().lower()
    if start.startswith((b"<!doctype html", b"<html", b"<table", b"<head", b"<body")):
        return "an HTML page"
    if start.startswith(b"<?xml") or start.startswith(b"<workbook"):
        if b"urn:schemas-microsoft-com:office:spreadsheet" in text.lower() or b"<workbook" in start:
            return "an Excel 2003 XML spreadsheet"
        if b"<html" in start:
            return "an HTML page"
        return "an XML document"
    return None


def _advice_for(kind: str) -> str:
    if kind in ("an HTML page", "an Excel 2003 XML spreadsheet"):
        return (
            "Some systems export web tables or XML spreadsheets under an .xls name: open it "
            "in a spreadsheet program and save it as .xlsx or .csv, then pass that file."
        )
    if "compressed" in kind or "archive" in kind:
        return "Extract the data file from it and pass that file."
    return "Check that the path points at the data export."


def _refuse_binary(head: bytes, name: str, what: str) -> None:
    """Raise when ``head`` is binary data rather than text in some encoding."""
    if not head or head.startswith(_TEXT_BOMS):
        return
    sample = head[:4096]
    if _wide_text(sample):
        return
    control = sum(1 for b in sample if b < 9 or (13 < b < 32 and b != 27))
    if control > 0.05 * len(sample):
        raise RetentionDataError(
            f"source: {name!r} holds {what} (not text, and not an Excel workbook or a Parquet "
            "file). Check that the path points at the data export, not another file.",
            parameter="source",
        )


def _wide_text(sample: bytes) -> bool:
    """UTF-16 / UTF-32 text without a byte-order mark.

    In such text one byte of every 2 (or 4) varies little: 0x00 for Latin letters and
    digits, 0x06 for Persian and Arabic, 0x04 for Cyrillic. That is text for the CSV
    reader (an ``encoding=`` question), not binary data.
    """
    if len(sample) < 16:
        return False
    for step in (2, 4):
        for offset in range(step):
            lane = sample[offset::step]
            counts = sorted(np.bincount(np.frombuffer(lane, dtype=np.uint8), minlength=256))
            if b"\x00" in lane and sum(counts[-3:]) >= 0.9 * len(lane):
                return True
    return False


def _zip_workbook_kind(path: Path) -> str:
    """Say which workbook a zip archive is, or raise when it is another archive."""
    name = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.namelist()
            mimetype = ""
            if "mimetype" in entries:
                mimetype = archive.read("mimetype")[:200].decode("ascii", errors="replace")
    except (zipfile.BadZipFile, OSError) as exc:
        raise RetentionDataError(
            f"source: {name!r} starts like a zip archive (as .xlsx workbooks do) but could not "
            f"be opened ({exc}). The file may be damaged or cut short; export it again.",
            parameter="source",
        ) from None
    if any(e.startswith("xl/") for e in entries):
        if "xl/workbook.bin" in entries:
            return "an Excel workbook (.xlsb)"
        return "an Excel workbook (.xlsx)"
    if "content.xml" in entries:
        if "opendocument.spreadsheet" in mimetype:
            return "an OpenDocument spreadsheet (.ods)"
        doc = "an OpenDocument text document" if "opendocument.text" in mimetype else (
            f"an OpenDocument file ({mimetype or 'not a spreadsheet'})"
        )
        raise RetentionDataError(
            f"source: {name!r} is {doc}, not a spreadsheet. Pass the data export instead.",
            parameter="source",
        )
    if any(e.startswith("word/") for e in entries):
        what = "a Word document (.docx)"
    elif any(e.startswith("ppt/") for e in entries):
        what = "a PowerPoint presentation (.pptx)"
    else:
        shown = ", ".join(repr(e) for e in entries[:5])
        more = f" and {len(entries) - 5} more" if len(entries) > 5 else ""
        what = f"a zip archive holding {shown or 'nothing'}{more}"
    raise RetentionDataError(
        f"source: {name!r} is {what}, not a CSV text file or an Excel workbook. "
        "Extract the data file and pass that file.",
        parameter="source",
    )


# --------------------------------------------------------------------------- streams


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def open_binary(path: Path, *, compressed: bool | None = None) -> IO[bytes]:
    """Open ``path`` for reading bytes, decompressing gzip transparently.

    ``compressed=None`` looks at the first two bytes (``\\x1f\\x8b`` is gzip); pass
    :attr:`Sniffed.gzip` to skip that. The caller closes the stream (use ``with``).

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "orders.csv.gz"
    >>> with gzip.open(path, "wb") as fh:
    ...     _ = fh.write(b"customer_id,amount\\nA,12.5\\n")
    >>> with open_binary(path) as fh:
    ...     fh.readline()
    b'customer_id,amount\\n'
    """
    path = Path(path)
    if compressed is None:
        compressed = _is_gzip(path)
    if compressed:
        return gzip.open(path, "rb")
    return open(path, "rb")


def arrow_input(path: Path, *, compressed: bool | None = None) -> pa.NativeFile:
    """A pyarrow input stream over ``path``, decompressing gzip in C++.

    For ``pyarrow.csv.read_csv`` / ``open_csv``: about 20 % faster on gzip than
    :func:`open_binary`, but the stream has no ``readline`` (use :func:`open_text` for
    the header and line scans). ``compressed`` as in :func:`open_binary`.
    """
    path = Path(path)
    if compressed is None:
        compressed = _is_gzip(path)
    return pa.input_stream(str(path), compression="gzip" if compressed else None)


def open_text(path: Path, encoding: str, *, compressed: bool | None = None) -> IO[str]:
    """Open ``path`` as text in ``encoding``, decompressing gzip transparently.

    Lines end as in the file (``newline=""``: ``"\\r\\n"`` stays ``"\\r\\n"``), so a scan
    that counts physical lines, or feeds the :mod:`csv` module, sees the file's own line
    breaks. Decoding errors are raised (``errors="strict"``) when the bad bytes are read.
    ``compressed`` as in :func:`open_binary`.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "orders.csv.gz"
    >>> with gzip.open(path, "wb") as fh:
    ...     _ = fh.write("customer_id;amount\\r\\nÅsa;12,5\\r\\n".encode("utf-8"))
    >>> with open_text(path, "utf-8") as fh:
    ...     fh.readlines()
    ['customer_id;amount\\r\\n', 'Åsa;12,5\\r\\n']
    """
    path = Path(path)
    if compressed is None:
        compressed = _is_gzip(path)
    if compressed:
        return gzip.open(path, "rt", encoding=encoding, newline="")
    return open(path, encoding=encoding, newline="")


# --------------------------------------------------------------------------- workbooks


def read_workbook(path: Path, *, sheet: str | int | None = None) -> WorkbookSheet:
    """Read one sheet of an Excel workbook (.xlsx, .xlsm, .xlsb, .xls, .ods).

    The header is the sheet's first non-empty row; header cells are returned as they are
    (blank ones as ``""``, duplicates kept: the caller checks the mapped columns). Rows
    that are entirely empty are skipped, as blank lines in a CSV file are; columns with a
    blank header and no values (formatting left over beside the table) are dropped.
    Cell types map as the module docstring says.

    Parameters
    ----------
    path : Path
        The workbook.
    sheet : str, int or None, default None
        The sheet's name, or its 0-based position in the workbook. ``None`` reads the one
        sheet that holds data; a workbook with several non-empty sheets is refused rather
        than guessed.

    Returns
    -------
    WorkbookSheet
        ``(frame, where, sheet)``: the table (RangeIndex; one column per header cell), a
        :class:`Locations` giving each row's Excel row number (``"row 5"``), and the
        name of the sheet read.

    Raises
    ------
    RetentionDataError
        ``parameter="sheet"`` (with ``options`` = the sheet names) for an unknown sheet
        name or position, for ``sheet=None`` when several sheets hold data, and for a
        chosen sheet that is empty; ``parameter="source"`` when the workbook cannot be
        opened or all its sheets are empty.
    """
    import python_calamine as calamine

    path = Path(path)
    name = path.name
    try:
        workbook = calamine.CalamineWorkbook.from_path(str(path))
    except calamine.PasswordError:
        raise RetentionDataError(
            f"source: {name!r} is a password-protected workbook. Save an unprotected copy "
            "(or export the sheet as CSV) and pass that.",
            parameter="source",
        ) from None
    except (calamine.CalamineError, OSError, ValueError) as exc:
        raise RetentionDataError(
            f"source: {name!r} could not be read as an Excel workbook ({exc}). If it is "
            "password-protected or damaged, open it in a spreadsheet program and save an "
            "unprotected .xlsx copy, or export the sheet as CSV.",
            parameter="source",
        ) from None
    try:
        with _collector_paused():
            return _read_sheet(workbook, name, sheet)
    finally:
        workbook.close()


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of cell objects are made.

    The cells hold no reference cycles; without the pause the collector walks the growing
    grid again and again (a quarter of the read time of a 200,000-row sheet).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _sheet_listing(names: Sequence[str], hidden: set[str], filled: set[str] | None) -> str:
    parts = []
    for i, sheet_name in enumerate(names):
        tags = []
        if sheet_name in hidden:
            tags.append("hidden")
        if filled is not None:
            tags.append("has data" if sheet_name in filled else "empty")
        tag = f" ({', '.join(tags)})" if tags else ""
        parts.append(f"{i}: {sheet_name!r}{tag}")
    return ", ".join(parts)


def _read_sheet(workbook, name: str, sheet: str | int | None) -> WorkbookSheet:  # type: ignore[no-untyped-def]
    import python_calamine as calamine

    names = list(workbook.sheet_names)
    metas = list(workbook.sheets_metadata)
    hidden = {m.name for m in metas if m.visible != calamine.SheetVisibleEnum.Visible}
    worksheets = [m.name for m in metas if m.typ == calamine.SheetTypeEnum.WorkSheet]

    def load(sheet_name: str) -> tuple[list[list[object]], int]:
        data = workbook.get_sheet_by_name(sheet_name)
        rows = data.to_python()
        first_row = data.start[0] if data.start is not None else 0
        if not any(cell != "" for row in rows for cell in row):
            rows = []
        return rows, first_row

    if sheet is None:
        loaded = {s: load(s) for s in worksheets}
        filled = [s for s in worksheets if loaded[s][0]]
        if not filled:
            raise RetentionDataError(
                f"source: {name!r} holds no data: its sheets "
                f"({', '.join(repr(s) for s in names)}) are empty.",
                parameter="source",
            )
        if len(filled) > 1:
            raise RetentionDataError(
                f"sheet: {name!r} has {len(filled)} sheets with data; pass sheet= with the "
                f"name (or 0-based position) of the one to read. Sheets: "
                f"{_sheet_listing(names, hidden, set(filled))}.",
                parameter="sheet",
                options=tuple(filled),
            )
        chosen = filled[0]
        rows, first_row = loaded[chosen]
    else:
        if isinstance(sheet, bool) or not isinstance(sheet, (str, int, np.integer)):
            raise RetentionDataError(
                f"sheet={sheet!r}: expected a sheet name, a 0-based sheet position or None. "
                f"Sheets: {_sheet_listing(names, hidden, None)}.",
                parameter="sheet",
                options=tuple(names),
            )
        if isinstance(sheet, str):
            if sheet not in names:
                close = [s for s in names if s.strip().casefold() == sheet.strip().casefold()]
                hint = f" (did you mean {close[0]!r}? Names must match exactly)" if close else ""
                raise RetentionDataError(
                    f"sheet={sheet!r}: {name!r} has no sheet of that name{hint}. Sheets: "
                    f"{_sheet_listing(names, hidden, None)}.",
                    parameter="sheet",
                    options=tuple(names),
                )
            chosen = sheet
        else:
            position = operator.index(sheet)
            if not 0 <= position < len(names):
                raise RetentionDataError(
                    f"sheet={sheet!r}: {name!r} has {len(names)} sheet(s), at positions 0 to "
                    f"{len(names) - 1}. Sheets: {_sheet_listing(names, hidden, None)}.",
                    parameter="sheet",
                    options=tuple(names),
                )
            chosen = names[position]
        if chosen not in worksheets:
            raise RetentionDataError(
                f"sheet={sheet!r}: {chosen!r} in {name!r} is a chart or macro sheet, not a "
                f"worksheet. Sheets: {_sheet_listing(names, hidden, None)}.",
                parameter="sheet",
                options=tuple(worksheets),
            )
        rows, first_row = load(chosen)
        if not rows:
            raise RetentionDataError(
                f"sheet={sheet!r}: sheet {chosen!r} of {name!r} is empty. Sheets: "
                f"{_sheet_listing(names, hidden, None)}.",
                parameter="sheet",
                options=tuple(names),
            )

    frame, numbers = _table(rows, first_row)
    return WorkbookSheet(frame, Locations(numbers, "row "), chosen)


def _table(rows: list[list[object]], first_row: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Header row, data rows and their Excel row numbers from calamine's cell grid.

    ``first_row`` is the 0-based sheet row of ``rows[0]``; calamine gives ``""`` for an
    empty cell.
    """
    filled = [i for i, row in enumerate(rows) if row.count("") != len(row)]
    header_at = filled[0]
    header = [_header_name(cell) for cell in rows[header_at]]
    body_at = filled[1:]
    body = [rows[i] for i in body_at]
    numbers = np.asarray(body_at, dtype=np.int64) + first_row + 1
    # one list per column (zip(*body) makes a tuple per row: ten times slower on a large
    # sheet when the garbage collector runs)
    columns = [[row[j] for row in body] for j in range(len(header))]
    keep = [j for j, title in enumerate(header) if title != "" or columns[j].count("") != len(body)]
    series = [_column(columns[j]) for j in keep]
    if series:
        frame = pd.concat(series, axis=1, ignore_index=True)
    else:
        frame = pd.DataFrame(index=range(len(body)))
    frame.columns = pd.Index([header[j] for j in keep], dtype=object)
    return frame, numbers


def _header_name(cell: object) -> str:
    """A header cell as a column name: text as is, whole numbers without '.0'."""
    if isinstance(cell, str):
        return cell
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, _dt.datetime):
        if (cell.hour, cell.minute, cell.second, cell.microsecond) == (0, 0, 0, 0):
            return cell.date().isoformat()
        return cell.isoformat(sep=" ")
    if isinstance(cell, (_dt.date, _dt.time)):
        return cell.isoformat()
    return str(cell)


_NUMBER_TYPES = frozenset({int, float})
_DATE_TYPES = frozenset({_dt.datetime, _dt.date})


def _column(cells: Sequence[object]) -> pd.Series:
    """One column of cells as a typed Series (see the module docstring's table)."""
    values = [None if cell == "" else cell for cell in cells]
    kinds = set(map(type, values))
    missing = type(None) in kinds
    kinds.discard(type(None))
    if not kinds:
        return pd.Series(values, dtype="float64")
    if kinds <= _NUMBER_TYPES:
        if kinds == {int} and not missing:
            return pd.Series(values, dtype="int64")
        return pd.Series(np.array(values, dtype="float64"))  # None -> NaN
    if kinds <= _DATE_TYPES:
        return pd.Series(pd.array(values, dtype="datetime64[us]"))  # None -> NaT
    if kinds == {str}:
        return pd.Series(values, dtype="str")
    if kinds == {bool} and not missing:
        return pd.Series(values, dtype="bool")
    return pd.Series(
        [_timestamp(v) if type(v) in _DATE_TYPES else v for v in values], dtype=object
    )


def _timestamp(value: _dt.date) -> pd.Timestamp:
    if isinstance(value, _dt.datetime):
        return pd.Timestamp(value)
    return pd.Timestamp(value.year, value.month, value.day)


# --------------------------------------------------------------------------- parquet


def read_parquet(path: Path) -> tuple[pd.DataFrame, Locations]:
    """Read a Parquet file into a DataFrame with its typed columns.

    Columns map as the module docstring says. An index that pandas stored in the file
    comes back as an ordinary column when it had a name (``customer_id``) and is dropped
    when it was an unnamed default index; the frame has a RangeIndex.

    Returns
    -------
    (DataFrame, Locations)
        The table, and ``"row i"`` labels with ``i`` 0-based (as ``df.iloc[i]``).

    Raises
    ------
    RetentionDataError
        ``parameter="source"`` when the file cannot be read as Parquet (damaged or cut
        short, or an encrypted file).

    Examples
    --------
    >>> import tempfile
    >>> import pyarrow.parquet as pq
    >>> path = Path(tempfile.mkdtemp()) / "orders.parquet"
    >>> pq.write_table(pa.table({"customer_id": ["A", "B"], "amount": [12.5, 3.0]}), path)
    >>> frame, where = read_parquet(path)
    >>> frame.dtypes.astype(str).to_dict(), where[1]
    ({'customer_id': 'str', 'amount': 'float64'}, 'row 1')
    """
    path = Path(path)
    frame = _frame_of(_read_table(path))
    return frame, Locations(np.arange(len(frame)), "row ")


def _read_table(path: Path) -> pa.Table:
    """One Parquet file as an Arrow table, without the index levels pandas stored."""
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise RetentionDataError(
            f"source: {path.name!r} could not be read as a Parquet file ({exc}). The file "
            "may be damaged or cut short; export it again.",
            parameter="source",
        ) from None
    keep = [i for i, col in enumerate(table.column_names) if not _is_index_level(col)]
    return table.select(keep)


def _frame_of(table: pa.Table) -> pd.DataFrame:
    """A Parquet table as a DataFrame, with the type mapping of the module docstring."""
    arrays = []
    for column in table.columns:
        kind = column.type
        if pa.types.is_dictionary(kind):
            column = column.cast(kind.value_type)
            kind = column.type
        if pa.types.is_decimal(kind):
            column = column.cast(pa.float64())
        arrays.append(column)
    table = pa.Table.from_arrays(arrays, names=table.column_names)
    frame = table.to_pandas(date_as_object=False, ignore_metadata=True)
    frame = frame.reset_index(drop=True)
    frame.columns = pd.Index(list(table.column_names), dtype=object)
    return frame


# --------------------------------------------------------------------------- datasets

_GLOB_CHARS = frozenset("*?[")


class ParquetSet(NamedTuple):
    """The files of a Parquet folder or glob, in the order their rows are numbered."""

    files: list[Path]
    name: str


def parquet_set(source: str | os.PathLike) -> ParquetSet | None:
    """The Parquet files a folder or glob names, or ``None`` for any other path.

    A folder means every ``*.parquet`` file under it, recursively; a path holding
    ``*``, ``?`` or ``[`` that is not an existing file is a glob (``**`` crosses
    folders). Files and folders whose names start with ``_`` or ``.`` (Spark's
    ``_SUCCESS``, checksum and temporary files) are skipped, as Arrow and Spark skip
    them. Files come sorted by path: rows are numbered across them in that order
    (``"row 0"`` is the first row of the first file).

    Raises
    ------
    RetentionDataError
        ``parameter="source"`` when the folder or glob matches no file.

    Examples
    --------
    >>> import tempfile
    >>> import pyarrow.parquet as pq
    >>> lake = Path(tempfile.mkdtemp()) / "orders"
    >>> (lake / "2024").mkdir(parents=True)
    >>> for part in ("2024/b.parquet", "2024/a.parquet", "_SUCCESS"):
    ...     pq.write_table(pa.table({"x": [1]}), lake / part)
    >>> found = parquet_set(lake)
    >>> [f.name for f in found.files], found.name
    (['a.parquet', 'b.parquet'], 'orders/ (2 Parquet files)')
    >>> parquet_set(lake / "2024" / "a.parquet") is None
    True
    """
    text = os.fspath(source)
    path = Path(text)
    if path.is_dir():
        files = [f for f in path.rglob("*.parquet") if f.is_file() and not _hidden(f.relative_to(path))]
        label = f"{path.name}/"
        if not files:
            raise RetentionDataError(
                f"source: the folder {text!r} holds no Parquet file (*.parquet, searched "
                "recursively). Check the path, or give the file itself.",
                parameter="source",
            )
    elif _GLOB_CHARS & set(text) and not path.exists():
        import glob

        files = [Path(f) for f in glob.glob(text, recursive=True)]
        files = [f for f in files if f.is_file() and not _hidden(Path(f.name))]
        label = text
        if not files:
            raise RetentionDataError(
                f"source: the pattern {text!r} matches no file. Check the pattern (relative "
                f"paths are read from {os.getcwd()!r}; '**' matches folders at any depth).",
                parameter="source",
            )
    else:
        return None
    files = sorted(files, key=lambda f: f.as_posix())
    return ParquetSet(files, f"{label} ({len(files):,} Parquet file{'s' if len(files) != 1 else ''})")


def _hidden(relative: Path) -> bool:
    return any(part.startswith(("_", ".")) for part in relative.parts)


def parquet_schema(parquet: ParquetSet) -> pa.Schema:
    """The schema the files share (index levels dropped, dictionary and large types
    read as their plain value types); files that disagree are refused by name."""
    import pyarrow.parquet as pq

    schemas = []
    for f in parquet.files:
        try:
            schema = pq.read_schema(f)
        except (pa.ArrowException, OSError) as exc:
            raise RetentionDataError(
                f"source: {str(f)!r} in {parquet.name!r} could not be read as a Parquet file "
                f"({str(exc).splitlines()[0]}). Remove it from the folder, or export it again.",
                parameter="source",
            ) from None
        schemas.append([(n, _plain(t)) for n, t in zip(schema.names, schema.types) if not _is_index_level(n)])
    first = schemas[0]
    for f, schema in zip(parquet.files[1:], schemas[1:]):
        if schema != first:
            ours, theirs = dict(first), dict(schema)
            diff = [f"{n!r} missing" for n in ours if n not in theirs]
            diff += [f"{n!r} extra" for n in theirs if n not in ours]
            diff += [f"{n!r} is {theirs[n]} there, {ours[n]} here" for n in ours
                     if n in theirs and ours[n] != theirs[n]]
            if not diff:
                diff = ["the columns come in another order"]
            raise RetentionDataError(
                f"source: the files of {parquet.name!r} do not share one schema: "
                f"{str(f)!r} differs from {str(parquet.files[0])!r} ({'; '.join(diff[:5])}). "
                "Load them separately, or write them again with one schema.",
                parameter="source",
            )
    return pa.schema(first)


def _plain(kind: pa.DataType) -> pa.DataType:
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    if pa.types.is_large_string(kind):
        return pa.string()
    if pa.types.is_large_binary(kind):
        return pa.binary()
    return kind


def read_parquet_set(parquet: ParquetSet) -> tuple[pd.DataFrame, Locations]:
    """Read the files of a folder or glob into one DataFrame, rows in file order, as
    :func:`read_parquet` reads one file (the files must share one schema)."""
    parquet_schema(parquet)  # refuses files that do not share one schema
    tables = []
    for f in parquet.files:
        table = _read_table(f)
        tables.append(pa.Table.from_arrays(
            [c.cast(_plain(c.type)) if c.type != _plain(c.type) else c for c in table.columns],
            names=table.column_names,
        ))
    frame = _frame_of(pa.concat_tables(tables))
    return frame, Locations(np.arange(len(frame)), "row ")


def _is_index_level(name: str) -> bool:
    return name.startswith("__index_level_") and name.endswith("__")
