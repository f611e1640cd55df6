"""The load accounting: where every row of an export went (:class:`LoadReport`), the
raw export with its row locations and keep-mask (``_Frame``), column checks, and the
assembly of the canonical table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import RetentionDataError
from ..validation import NO_EXAMPLE, Constraint, Table, validate_params

__all__ = ["LoadReport", "load_report"]


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


def _is_lazy_frame(value: object) -> bool:
    """Whether ``value`` is a ``polars.LazyFrame`` (without importing polars)."""
    return any(c.__name__ == "LazyFrame" and c.__module__.startswith("polars") for c in type(value).__mro__)


class _LazyTable(Constraint):
    """A ``polars.LazyFrame`` (the result of a loader with ``lazy=True``)."""

    show_value = False

    def accepts(self, value: object) -> bool:
        return _is_lazy_frame(value)

    def describe(self) -> str:
        return "a polars LazyFrame returned by a loader with lazy=True"

    def valid_example(self) -> object:
        return NO_EXAMPLE


@validate_params(
    df=[Table(what="a DataFrame returned by one of the kit's loaders"), _LazyTable()],
)
def load_report(df: pd.DataFrame) -> LoadReport:
    """Return the :class:`LoadReport` a loader attached to ``df``.

    ``df`` is the DataFrame a loader returned, or the ``polars.LazyFrame`` a loader
    returned with ``lazy=True`` (that very object: a query built on it, such as
    ``lf.filter(...)``, is another LazyFrame without a report).

    Raises
    ------
    RetentionDataError
        If ``df`` did not come from one of the kit's loaders (or an operation since then
        dropped pandas ``attrs``).

    Examples
    --------
    >>> import pandas as pd
    >>> from retention_kit import load_transactions
    >>> tx = load_transactions(pd.DataFrame({"c": ["a", "a"], "d": ["2024-01-05", "2024-01-05"]}),
    ...                        customer_col="c", date_col="d", duplicates="exclude")
    >>> report = load_report(tx)
    >>> report.rows_read, report.rows_kept, report.rows_excluded
    (2, 1, 1)
    """
    if not isinstance(df, pd.DataFrame):
        from .lazy import report_of

        found = report_of(df)
        if found is None:
            raise RetentionDataError(
                "this LazyFrame carries no load report: only the LazyFrame a loader returned "
                "with lazy=True has one, and a query built on it (lf.filter(...), "
                "lf.with_columns(...)) is a new LazyFrame. Keep the LazyFrame the loader "
                "returned for its report, or call the loader again."
            )
        return found
    report = df.attrs.get("load_report")
    if not isinstance(report, LoadReport):
        raise RetentionDataError(
            "this DataFrame carries no load report: it did not come from a retention_kit "
            "loader, or an operation since then dropped DataFrame.attrs. Keep the DataFrame "
            "the loader returned, or call the loader again."
        )
    return report


class _Frame:
    """A raw export plus what every check needs: row locations and a keep-mask."""

    def __init__(self, raw: pd.DataFrame, where: Sequence[str], name: str, *, typed: bool = True) -> None:
        self.raw = raw
        # False for text files, whose columns are all text until parsed
        self.typed = typed
        self.where = where
        self.name = name
        self.keep = np.ones(len(raw), dtype=bool)
        self.excluded: dict[str, int] = {}
        self.notes: list[str] = []
        # the parsed id column: its name, a code per row (one per id as loaded, -1 for a
        # blank) and the id of each code; the duplicate check and the engine reuse them
        self.id_codes: tuple[str, np.ndarray, np.ndarray] | None = None

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
        columns[col] = frame.raw[col] if frame.typed else _infer(frame.raw[col])
    out = pd.DataFrame({name: values[frame.keep] for name, values in columns.items()})
    out = out.reset_index(drop=True)
    out.attrs["load_report"] = frame.report()
    id_col = next((c for c in ("customer_id", "visitor_id") if c in out.columns), None)
    if frame.id_codes is not None and id_col is not None:
        from .._engine import remember_codes, subset_codes

        _, codes, ids = frame.id_codes
        remember_codes(out[id_col], *subset_codes(codes, ids, frame.keep))
    return out


def _infer(text: pd.Series) -> pd.Series:
    """A kept text column with the type ``pandas.read_csv`` would give it: whole numbers
    (int64, or float64 with blanks), other numbers (float64), true/false (bool), or text.
    Whole numbers beyond int64 stay text rather than become rounded floats."""
    import pyarrow as pa
    import pyarrow.compute as pc

    array = pa.array(text.array) if isinstance(text.array, pd.arrays.ArrowStringArray) else None
    if array is None or array.null_count == len(array):
        return text
    present = pc.drop_null(array)
    if pc.all(pc.match_substring_regex(present, r"^[+-]?\d+$")).as_py():
        try:
            whole = pc.cast(array, pa.int64())
        except pa.ArrowInvalid:  # beyond int64: an identifier, kept as written
            return text
        return pd.Series(whole.to_numpy(zero_copy_only=False), index=text.index) if not whole.null_count \
            else pd.Series(pc.cast(whole, pa.float64()).to_numpy(zero_copy_only=False), index=text.index)
    try:
        return pd.Series(pc.cast(array, pa.float64()).to_numpy(zero_copy_only=False), index=text.index)
    except pa.ArrowInvalid:
        pass
    if not array.null_count and pc.all(pc.is_in(present, pa.array(["True", "TRUE", "true", "False", "FALSE", "false"]))).as_py():
        return pd.Series(pc.is_in(array, pa.array(["True", "TRUE", "true"])).to_numpy(zero_copy_only=False),
                         index=text.index)
    return text
