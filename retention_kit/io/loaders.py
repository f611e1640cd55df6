"""The public loaders: one per kind of export, each a reader, then the parsers, then
the accounting."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from ..errors import RetentionDataError, counted, describe_rows
from ..validation import DateLike, DateRange, Flag, Integer, Options, Text, Texts, validate_params
from ..validation import Source as SourceArg
from .frame import _finish, _Frame
from .frame import load_report  # noqa: F401 - the examples print load reports
from .lazy import lazy_sessions, lazy_subscriptions, lazy_transactions
from .parsers import _dates, _duplicates, _ids, _numbers, _statuses
from .readers import Source, _read

if TYPE_CHECKING:
    import polars as pl

#: The options every loader takes, declared once.
_FILE_OPTIONS = dict(
    source=SourceArg(),
    date_format=[Text(what="a strftime pattern such as '%d/%m/%Y'"), None],
    date_range=[DateRange(), None],
    calendar=Options("gregorian", "jalali"),
    blank_ids=Options("error", "exclude"),
    id_case=Options("keep", "lower"),
    keep_columns=Texts(),
    sep=Text(what="a field separator such as ';', or 'auto'"),
    encoding=Text(what="a text encoding such as 'utf-8' or 'cp1252'"),
    sheet=[Text(what="a sheet name"), Integer(low=0, text="a sheet name or a 0-based sheet number"), None],
)
#: The options of loaders that read money.
_MONEY_OPTIONS = dict(
    decimal=[Options(".", ","), None],
    thousands=[Options(".", ",", "'", " "), None],
)

__all__ = ["load_transactions", "load_subscriptions", "load_survey", "load_sessions"]


@validate_params(
    **_FILE_OPTIONS,
    **_MONEY_OPTIONS,
    customer_col=Text(what="a column name"),
    date_col=Text(what="a column name"),
    amount_col=[Text(what="a column name"), None],
    duplicates=Options("error", "exclude", "keep", text="'error', 'exclude' or 'keep'"),
    refunds=Options("error", "exclude"),
    status_col=[Text(what="a column name"), None],
    exclude_statuses=Texts(what="status values"),
    lazy=Flag(),
)
def load_transactions(
    source: Source,
    *,
    customer_col: str,
    date_col: str,
    amount_col: str | None = None,
    date_format: str | None = None,
    date_range: tuple[object, object] | None = None,
    calendar: Literal["gregorian", "jalali"] = "gregorian",
    blank_ids: Literal["error", "exclude"] = "error",
    id_case: Literal["keep", "lower"] = "keep",
    duplicates: Literal["error", "exclude", "keep"] = "error",
    refunds: Literal["error", "exclude"] = "error",
    status_col: str | None = None,
    exclude_statuses: Sequence[str] = (),
    decimal: str | None = None,
    thousands: str | None = None,
    keep_columns: Sequence[str] = (),
    sep: str = "auto",
    encoding: str = "utf-8-sig",
    sheet: str | int | None = None,
    lazy: bool = False,
) -> pd.DataFrame | pl.LazyFrame:
    """Load a transaction log (one row per order) into canonical columns, validated.

    Parameters
    ----------
    source : str, path or DataFrame
        A CSV file (also gzip'ed), an Excel workbook, a Parquet file, a folder of Parquet
        files (``*.parquet``, searched recursively), a glob such as
        ``"lake/orders/**/*.parquet"``, or a DataFrame, with one row per purchase. The
        rows of several files are numbered in the files' sorted order.
    customer_col, date_col : str
        Columns holding the customer id and the purchase date.
    amount_col : str, optional
        Column holding the order value. Without it there is no ``amount`` column.
    date_format : str, optional
        A ``strftime`` pattern such as ``"%d/%m/%Y"``. Without it the kit accepts ISO
        dates, and day/month or month/day dates with four-digit years only when the
        values prove which one they are; ambiguous or mixed formats and two-digit years
        raise. With ``%y`` the load report states the century rule (69-99 are the 1900s).
    date_range : (first, last), optional
        The window of plausible dates; by default 1900-01-01 to a year after today. A
        date outside it raises: it is a date of another calendar (a Jalali 1402), a
        placeholder (``0000-00-00``, ``2099-12-31``) or a typo, never an order.
    calendar : {"gregorian", "jalali"}
        The calendar the dates are written in. ``"jalali"`` reads Solar Hijri dates
        written year first (``1402-07-01``, ``۱۴۰۲/۷/۱ 14:30``, or ``date_format``) and
        converts them to Gregorian; the result's dates are always Gregorian.
    blank_ids : {"error", "exclude"}
        What to do with rows whose customer id is blank.
    id_case : {"keep", "lower"}
        ``"lower"`` lower-cases ids, so that ``Jane.Doe@Gmail.com`` and
        ``jane.doe@gmail.com`` are one customer. ``"keep"`` (default) suits
        case-sensitive ids such as Stripe's ``cus_...``; the load report then says how
        many ids differ only by case. Ids are always stripped of surrounding spaces, and
        an id written as a whole-number decimal (``1000.0``) is the whole number.
    duplicates : {"error", "exclude", "keep"}
        What to do with rows identical in every column to an earlier row, compared after
        the normalisation above (ids, dates and amounts as read; other text stripped).
        ``"keep"`` suits files without an order id, where two identical orders can be real.
    refunds : {"error", "exclude"}
        What to do with negative amounts (refunds, cancellations). Excluded refunds do
        not count as purchases. Zero amounts are kept and noted in the report.
    status_col : str, optional
        The order-status column of exports that mark refunded, voided, pending or failed
        orders with a status instead of a negative amount (Shopify, WooCommerce, Stripe).
    exclude_statuses : sequence of str
        Statuses that are not purchases, compared case-insensitively
        (``["refunded", "voided", "pending"]``); those rows are left out first and
        counted by status in the load report, which also counts the kept rows by status.
    decimal : {".", ","}, optional
        Decimal separator of the amounts: ``"."`` unless given, or ``","`` when
        ``thousands="."``. Amounts may be written for people:
        ``"$1,234.50"``, ``"1.234,50 EUR"`` (with ``decimal=","``), ``"(12.00)"`` for a
        negative, ``"۱۲۵٬۰۰۰ تومان"`` (Persian digits and separators); thousands
        separators must group digits in threes, so a misread separator raises instead
        of shifting the value.
    thousands : {".", ",", "'", " "}, optional
        Thousands separator. Needed only when the values cannot tell: a column whose
        values have a single ``.`` or ``,`` followed by exactly three digits
        (``250.000``, written for currencies without cents such as the Toman) raises
        unless another value settles it (``12.50``, ``1.250.000``) or this option does.
    keep_columns : sequence of str
        Further source columns to carry into the result unchanged (for example a
        channel to segment by).
    sep : str
        Field separator; ``"auto"`` (default) picks the most frequent of comma,
        semicolon, tab and pipe in the header line.
    encoding : str
        Text encoding of file sources. The default also strips a UTF-8 byte-order mark.
    sheet : str or int, optional
        The sheet of an Excel workbook, by name or 0-based number.
    lazy : bool
        For data larger than memory, in Parquet: ``True`` scans the file, folder or glob
        with Polars, runs every check above in the engine (one streaming pass, the same
        load report) and returns a ``polars.LazyFrame`` instead of a DataFrame. Pass it to
        any table function, or call ``.collect()`` for a Polars DataFrame;
        ``load_report(lf)`` gives the report. The lazy path reads ISO 8601 dates (or
        ``date_format=``) and numbers stored as numbers or plain number text, and refuses
        other text naming ``lazy=False``. Needs ``pip install 'retention-kit[polars]'``.

    Returns
    -------
    pandas.DataFrame or polars.LazyFrame
        Columns ``customer_id`` (text ids keep leading zeros), ``date`` (datetime64),
        ``amount`` (float64, when ``amount_col`` is given), then ``keep_columns``, in the
        source's row order. ``df.attrs["load_report"]`` holds the :class:`LoadReport`:
        rows read = rows kept + rows excluded, by reason. With ``lazy=True`` a
        ``polars.LazyFrame`` with ``customer_id`` (String), ``date`` (Datetime, us),
        ``amount`` (Float64), then ``keep_columns`` as stored.

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
    if lazy:
        _no_sheet_lazy(sheet)
        return lazy_transactions(
            source, customer_col=customer_col, date_col=date_col, amount_col=amount_col,
            date_format=date_format, date_range=date_range, calendar=calendar, blank_ids=blank_ids,
            id_case=id_case, duplicates=duplicates, refunds=refunds, status_col=status_col,
            exclude_statuses=exclude_statuses, decimal=decimal, thousands=thousands,
            keep_columns=keep_columns,
        )
    frame = _read(
        source,
        {"customer_col": customer_col, "date_col": date_col, "amount_col": amount_col,
         "status_col": status_col},
        keep=keep_columns,
        sep=sep,
        encoding=encoding,
        sheet=sheet,
    )
    if status_col is not None:
        _statuses(frame, status_col, exclude_statuses)
    elif exclude_statuses:
        raise RetentionDataError(
            f"exclude_statuses={list(exclude_statuses)!r}: name the status column with status_col=.",
            parameter="status_col",
        )
    ids = _ids(frame, customer_col, param="customer_col", blank_ids=blank_ids, id_case=id_case)
    dates = _dates(frame, date_col, param="date_col", date_format=date_format, date_range=date_range, calendar=calendar)
    columns: dict[str, pd.Series] = {"customer_id": ids, "date": dates}
    parsed = {customer_col: ids, date_col: dates}
    if amount_col is not None:
        amounts = _numbers(frame, amount_col, param="amount_col", what="amount", decimal=decimal,
                           thousands=thousands)
        columns["amount"] = amounts
        parsed[amount_col] = amounts
    _duplicates(frame, duplicates, parsed)
    if amount_col is not None:
        negative = (amounts < 0).to_numpy() & frame.keep
        if negative.any():
            if refunds == "exclude":
                frame.exclude(negative, "refund (negative amount)")
            else:  # "error" (refunds is validated on entry)
                raise RetentionDataError(
                    f"amount_col={amount_col!r}: {counted(int(negative.sum()), 'row has', 'rows have')} a negative "
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
    **_FILE_OPTIONS,
    **_MONEY_OPTIONS,
    customer_col=Text(what="a column name"),
    start_col=Text(what="a column name"),
    end_col=Text(what="a column name"),
    mrr_col=[Text(what="a column name"), None],
    open_end_after=[DateLike(), None],
    open_end_values=Texts(what="end-date values that mean 'no end'"),
    lazy=Flag(),
)
def load_subscriptions(
    source: Source,
    *,
    customer_col: str = "customer_id",
    start_col: str = "start_date",
    end_col: str = "end_date",
    mrr_col: str | None = "mrr",
    date_format: str | None = None,
    date_range: tuple[object, object] | None = None,
    calendar: Literal["gregorian", "jalali"] = "gregorian",
    open_end_after: object = None,
    open_end_values: Sequence[str] = (),
    blank_ids: Literal["error", "exclude"] = "error",
    id_case: Literal["keep", "lower"] = "keep",
    decimal: str | None = None,
    thousands: str | None = None,
    keep_columns: Sequence[str] = (),
    sep: str = "auto",
    encoding: str = "utf-8-sig",
    sheet: str | int | None = None,
    lazy: bool = False,
) -> pd.DataFrame | pl.LazyFrame:
    """Load a subscription table (one row per subscription spell), validated.

    A customer is active from a spell's ``start_date`` until its ``end_date``
    (the day it stopped; blank while the spell is still live). A plan change is one
    spell ending and the next starting on the same day; a later spell after a gap is a
    reactivation.

    Parameters
    ----------
    source : str, path or DataFrame
        A CSV file, workbook, Parquet file, folder or glob (see :func:`load_transactions`)
        or a DataFrame, with one row per spell.
    customer_col, start_col, end_col : str
        Columns holding the customer id, the spell's first day and its end day.
    mrr_col : str or None
        Monthly recurring revenue of the spell; ``None`` when the export has none.
    date_format : str, optional
        A ``strftime`` pattern for both date columns (see :func:`load_transactions`).
    date_range : (first, last), optional
        The window of plausible dates (see :func:`load_transactions`).
    calendar : {"gregorian", "jalali"}
        The calendar of both date columns (see :func:`load_transactions`).
    open_end_after : date, optional
        End dates after this day mean "no end yet" (billing systems that write
        ``2099-12-31`` for a live subscription); they are read as blank, with a note.
        Without it (or ``open_end_values``) a far-future end date raises.
    open_end_values : sequence of str
        End-date values that mean "no end yet", such as ``["9999-12-31"]``.
    blank_ids, id_case : str
        Blank ids and upper/lower case in ids (see :func:`load_transactions`).
    decimal, thousands : str
        Separators of the MRR values (see :func:`load_transactions`).
    keep_columns : sequence of str
        Further columns to carry through (plan, segment, ...).
    sep, encoding, sheet : str
        How to read file sources (see :func:`load_transactions`).
    lazy : bool
        For data larger than memory, in Parquet: returns a ``polars.LazyFrame``
        (``end_date`` null while live) validated in the engine; pass it to any table
        function, or ``.collect()`` it (see :func:`load_transactions`).

    Returns
    -------
    pandas.DataFrame or polars.LazyFrame
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
    if lazy:
        _no_sheet_lazy(sheet)
        return lazy_subscriptions(
            source, customer_col=customer_col, start_col=start_col, end_col=end_col, mrr_col=mrr_col,
            date_format=date_format, date_range=date_range, calendar=calendar,
            open_end_after=open_end_after, open_end_values=open_end_values, blank_ids=blank_ids,
            id_case=id_case, decimal=decimal, thousands=thousands, keep_columns=keep_columns,
        )
    frame = _read(
        source,
        {"customer_col": customer_col, "start_col": start_col, "end_col": end_col, "mrr_col": mrr_col},
        keep=keep_columns,
        sep=sep,
        encoding=encoding,
        sheet=sheet,
    )
    ids = _ids(frame, customer_col, param="customer_col", blank_ids=blank_ids, id_case=id_case)
    starts = _dates(frame, start_col, param="start_col", date_format=date_format, date_range=date_range, calendar=calendar)
    ends = _dates(frame, end_col, param="end_col", date_format=date_format, date_range=date_range, calendar=calendar,
                  allow_blank=True, open_end_after=open_end_after, open_end_values=open_end_values)
    columns: dict[str, pd.Series] = {"customer_id": ids, "start_date": starts, "end_date": ends}
    backwards = (ends < starts).to_numpy() & frame.keep
    if backwards.any():
        raise RetentionDataError(
            f"end_col={end_col!r}: {counted(int(backwards.sum()), 'spell ends before it starts', 'spells end before they start')}: "
            f"{describe_rows(backwards, None, frame.where)}. Check the two date columns "
            "(swapped columns, or day/month read as month/day).",
            parameter="end_col",
            column=end_col,
        )
    same_day = (ends == starts).to_numpy() & frame.keep
    if same_day.any():
        frame.notes.append(
            f"{counted(int(same_day.sum()), 'spell starts and ends', 'spells start and end')} on the same day (same-day cancellations): "
            "they count as an acquisition but never as an active customer"
        )
    if mrr_col is not None:
        mrr = _numbers(frame, mrr_col, param="mrr_col", what="MRR", decimal=decimal, thousands=thousands)
        negative = (mrr < 0).to_numpy() & frame.keep
        if negative.any():
            raise RetentionDataError(
                f"mrr_col={mrr_col!r}: {counted(int(negative.sum()), 'spell has', 'spells have')} negative MRR: "
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
            f"start_col: {counted(int(overlap.sum()), 'spell overlaps', 'spells overlap')} an earlier spell of the same "
            f"customer: {describe_rows(mask, None, frame.where)}. End a spell on the day the "
            "next one starts (a plan change), or merge the two rows.",
            parameter="start_col",
        )


@validate_params(
    **_FILE_OPTIONS,
    score_col=Text(what="a column name"),
    customer_col=[Text(what="a column name"), None],
    date_col=[Text(what="a column name"), None],
    invalid=Options("error", "exclude"),
)
def load_survey(
    source: Source,
    *,
    score_col: str = "score",
    customer_col: str | None = None,
    date_col: str | None = None,
    date_format: str | None = None,
    date_range: tuple[object, object] | None = None,
    calendar: Literal["gregorian", "jalali"] = "gregorian",
    invalid: Literal["error", "exclude"] = "error",
    blank_ids: Literal["error", "exclude"] = "error",
    id_case: Literal["keep", "lower"] = "keep",
    keep_columns: Sequence[str] = (),
    sep: str = "auto",
    encoding: str = "utf-8-sig",
    sheet: str | int | None = None,
) -> pd.DataFrame:
    """Load an NPS survey export: scores from 0 to 10, one row per response.

    Scores may be numbers, numbers as text, or survey-tool labels such as
    ``"10 - Extremely likely"`` (see :func:`retention_kit.net_promoter.parse_scores`). A blank, a
    value outside 0-10, a fraction or text without a leading number raises, or with
    ``invalid="exclude"`` is left out and counted by reason in the load report. A
    1-10 survey is not a 0-10 survey: its answers parse, so check the question wording
    (see :func:`retention_kit.net_promoter.parse_scores`).

    With ``customer_col``, answers without a customer id (anonymous answers) raise, or
    with ``blank_ids="exclude"`` are left out and counted; ``id_case``, ``date_format``,
    ``date_range``, ``calendar``, ``sep``, ``encoding`` and ``sheet`` work as in
    :func:`load_transactions`.

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
    from ..net_promoter.parsing import parse_scores

    frame = _read(
        source,
        {"score_col": score_col, "customer_col": customer_col, "date_col": date_col},
        keep=keep_columns,
        sep=sep,
        encoding=encoding,
        sheet=sheet,
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
        columns["customer_id"] = _ids(frame, customer_col, param="customer_col", blank_ids=blank_ids,
                                      id_case=id_case)
    if date_col is not None:
        columns["date"] = _dates(frame, date_col, param="date_col", date_format=date_format,
                                 date_range=date_range, calendar=calendar)
    return _finish(frame, columns, keep_columns)


@validate_params(
    **_FILE_OPTIONS,
    visitor_col=Text(what="a column name"),
    time_col=Text(what="a column name"),
    lazy=Flag(),
)
def load_sessions(
    source: Source,
    *,
    visitor_col: str = "visitor_id",
    time_col: str = "session_start",
    date_format: str | None = None,
    date_range: tuple[object, object] | None = None,
    calendar: Literal["gregorian", "jalali"] = "gregorian",
    blank_ids: Literal["error", "exclude"] = "error",
    id_case: Literal["keep", "lower"] = "keep",
    keep_columns: Sequence[str] = (),
    sep: str = "auto",
    encoding: str = "utf-8-sig",
    sheet: str | int | None = None,
    lazy: bool = False,
) -> pd.DataFrame | pl.LazyFrame:
    """Load a web-analytics sessions export: one row per session.

    Returns a DataFrame with ``visitor_id`` and ``date`` (the session's start time),
    then ``keep_columns``. The options work as in :func:`load_transactions`
    (``blank_ids`` for sessions without a visitor id). For data larger than memory, in
    Parquet, ``lazy=True`` returns a ``polars.LazyFrame`` validated in the engine: pass it
    to any table function, or ``.collect()`` it (see :func:`load_transactions`).

    Examples
    --------
    >>> import pandas as pd
    >>> s = load_sessions(pd.DataFrame({"visitor_id": ["v1", "v1"],
    ...                                 "session_start": ["2024-01-01T09:30:00", "2024-01-03T18:00:00"]}))
    >>> s["date"].dt.day.tolist()
    [1, 3]
    """
    if lazy:
        _no_sheet_lazy(sheet)
        return lazy_sessions(
            source, visitor_col=visitor_col, time_col=time_col, date_format=date_format,
            date_range=date_range, calendar=calendar, blank_ids=blank_ids, id_case=id_case,
            keep_columns=keep_columns,
        )
    frame = _read(
        source,
        {"visitor_col": visitor_col, "time_col": time_col},
        keep=keep_columns,
        sep=sep,
        encoding=encoding,
        sheet=sheet,
    )
    ids = _ids(frame, visitor_col, param="visitor_col", blank_ids=blank_ids, id_case=id_case,
               what="visitor id")
    times = _dates(frame, time_col, param="time_col", date_format=date_format, date_range=date_range, calendar=calendar)
    return _finish(frame, {"visitor_id": ids, "date": times}, keep_columns)


def _no_sheet_lazy(sheet: str | int | None) -> None:
    """``lazy=True`` reads Parquet only, which has no sheets (``sep`` and ``encoding``
    are ignored, as they are for a Parquet file read eagerly)."""
    if sheet is not None:
        raise RetentionDataError(
            f"sheet={sheet!r}: lazy=True reads Parquet files, which have no sheets. Leave it out.",
            parameter="sheet",
        )
