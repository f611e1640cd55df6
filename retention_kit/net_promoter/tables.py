"""NPS tables: per segment and period with intervals, and churn by NPS group.

:func:`nps_table` computes what :func:`~retention_kit.net_promoter.statistics.nps_summary` reports,
per segment and period (the data of a trend chart); :func:`churn_by_nps_group` asks
whether detractors churn more.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from ..inputs import TableLike
from ..errors import RetentionDataError, describe_rows
from ..periods import complete_periods, period_columns, place
from ..validation import (
    CALENDAR,
    FISCAL_YEAR_START,
    WEEK_START,
    DateLike,
    Freq,
    Integer,
    Log,
    Options,
    Text,
    Texts,
    validate_params,
)
from ._constraints import CONFIDENCE
from .parsing import _parse, nps_group
from .statistics import NPS_METHODS, _interval, _z

__all__ = ["nps_table", "churn_by_nps_group"]

@validate_params(
    df=Log(what="a table with one row per response (pandas, Polars, DuckDB or PySpark)"),
    score_col=Text(what="a column name"),
    by=[Text(what="a column name"), Texts(what="group columns"), None],
    freq=[Freq(), None],
    date_col=Text(what="a column name"),
    confidence=CONFIDENCE,
    method=Options(*NPS_METHODS, text="one of 'adjusted_wald', 'wald', 'bootstrap'"),
    min_responses=Integer(low=1, text="a whole number of at least 1"),
    week_start=WEEK_START,
    calendar=CALENDAR,
    fiscal_year_start=FISCAL_YEAR_START,
)
def nps_table(
    df: TableLike,
    *,
    score_col: str = "score",
    by: str | Sequence[str] | None = None,
    freq: str | None = None,
    date_col: str = "date",
    confidence: float = 0.95,
    method: Literal["adjusted_wald", "wald", "bootstrap"] = "adjusted_wald",
    min_responses: int = 1,
    week_start: str | None = None,
    calendar: str = "gregorian",
    fiscal_year_start: int = 1,
) -> pd.DataFrame:
    """NPS with its interval per segment and/or per period: the data of a trend chart.

    Each row is computed as by :func:`nps_summary` on the responses of its group. With
    ``freq``, every period from the first to the last response appears, for every
    segment seen in the data, so that a period without responses is a row that says so
    rather than a silent gap. Missing segment values form their own group.

    Parameters
    ----------
    df : pandas.DataFrame, or a Polars, DuckDB or PySpark table (collected to pandas)
        One row per response, for example from :func:`~retention_kit.load_survey`.
    score_col : str
        Column of 0-10 scores (any form :func:`parse_scores` accepts); invalid scores
        raise with their rows.
    by : str or list of str, optional
        Segment column(s).
    freq : {"W", "M", "Q", "Y"}, optional
        Period length (months, quarters, years of ``calendar``; weeks start Monday,
        Saturday in the Jalali calendar, unless ``week_start`` says otherwise).
    date_col : str
        Response date column (datetime64), used with ``freq``.
    confidence : float
    method : {"adjusted_wald", "wald", "bootstrap"}
        See :func:`nps_summary`; the bootstrap uses seed 0 and 10,000 resamples.
    min_responses : int
        Groups with fewer responses get their counts but no NPS (NaN), with a note.
    week_start : str, optional
        First day of a week for ``freq="W"`` (default Monday; Saturday in the Jalali
        calendar).
    calendar : {"gregorian", "jalali"}
        Calendar of the periods: Jalali months, seasons (quarters), years starting at
        Nowruz and weeks starting Saturday with ``"jalali"`` (see
        :mod:`retention_kit.periods`).
    fiscal_year_start : int
        Month (1-12) a fiscal year starts in, for Gregorian ``freq="Q"`` or ``"Y"``; the
        fiscal year is named by the calendar year it ends in (``FY2025``, ``FY2025Q1``).
        1 (default) gives calendar quarters and years.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, then ``period`` (pandas Period; a string label such as
        ``1402-08`` or ``FY2025Q1`` for the Jalali calendar or a fiscal year),
        ``period_start`` and ``period_end`` (first and last day) when ``freq`` is given, then
        ``n``, ``promoters``, ``passives``, ``detractors`` (int64), ``nps``, ``se``,
        ``low``, ``high`` (points) and ``note`` (empty, or why the NPS is not shown).
        Sorted by the group columns. ``attrs`` holds ``method``, ``confidence`` and
        ``min_responses``. Without ``by`` and ``freq``: one row, the whole sample.

    Raises
    ------
    RetentionDataError
        On a missing column, invalid scores, blank or non-datetime dates, no rows, or a
        bad option.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({
    ...     "score": [10, 9, 3, 8, 10, 6, 7],
    ...     "plan": ["pro", "pro", "pro", "basic", "basic", "basic", "trial"],
    ...     "date": pd.to_datetime(["2024-01-05", "2024-01-20", "2024-02-02", "2024-01-09",
    ...                             "2024-02-11", "2024-02-28", "2024-02-15"]),
    ... })
    >>> t = nps_table(df, by="plan", min_responses=2)
    >>> print(t[["plan", "n", "promoters", "detractors", "nps", "note"]].round(1).to_string())
        plan  n  promoters  detractors   nps                                   note
    0  basic  3          1           1   0.0
    1    pro  3          2           1  33.3
    2  trial  1          0           0   NaN  fewer than 2 responses: NPS not shown
    >>> for row in nps_table(df, freq="M").itertuples():
    ...     print(f"{row.period}  n={row.n}  NPS {row.nps:5.1f}  [{row.low:5.1f}, {row.high:5.1f}]")
    2024-01  n=3  NPS  66.7  [-21.7,  88.3]
    2024-02  n=4  NPS -25.0  [-72.7,  44.2]
    """
    if not isinstance(df, pd.DataFrame):
        raise RetentionDataError(
            f"df: expected a pandas DataFrame with one row per response, got {type(df).__name__}."
        )
    confidence = float(confidence)
    if by is None:
        keys: list[str] = []
    elif isinstance(by, str):
        keys = [by]
    else:
        keys = list(by)
    wanted = {"score_col": [score_col], "by": keys}
    if freq is not None:
        wanted["date_col"] = [date_col]
    for param, cols in wanted.items():
        for col in cols:
            if col not in df.columns:
                listed = ", ".join(repr(str(c)) for c in df.columns)
                raise RetentionDataError(
                    f"{param}={col!r}: the DataFrame has no column {col!r}. Available columns: "
                    f"{listed}."
                )
    if len(set(keys)) != len(keys) or score_col in keys:
        raise RetentionDataError(
            f"by={by!r}: list each segment column once, and not the score column."
        )
    if len(df) == 0:
        raise RetentionDataError("df: no rows, so there is no NPS. Pass at least one response.")
    where = [f"row {i}" for i in range(len(df))]
    fix = (
        "Correct them, or drop those rows first: "
        f"df.loc[parse_scores(df[{score_col!r}], invalid='exclude')[0].index] keeps the valid "
        "ones (parse_scores counts the rest by reason)."
    )
    scores, _ = _parse(
        df[score_col].reset_index(drop=True), invalid="error", where=where,
        param=f"score_col={score_col!r}", fix=fix,
    )
    values = scores.to_numpy()
    work = df[keys].reset_index(drop=True).copy()
    groups = list(keys)
    if freq is not None:
        if "period" in keys:
            raise RetentionDataError(
                "by: a segment column named 'period' clashes with the period column that freq= "
                "adds; rename it first."
            )
        dates = df[date_col].reset_index(drop=True)
        if not pd.api.types.is_datetime64_any_dtype(dates.dtype):
            raise RetentionDataError(
                f"date_col={date_col!r}: expected datetime64 values, got {dates.dtype}. Load the "
                "survey with load_survey(..., date_col=...) or convert the column with "
                "pd.to_datetime and an explicit format."
            )
        blank = dates.isna().to_numpy()
        if blank.any():
            raise RetentionDataError(
                f"date_col={date_col!r}: {int(blank.sum()):,} responses have no date: "
                f"{describe_rows(blank, None, where)}. Fill them in or drop those rows."
            )
        if getattr(dates.dt, "tz", None) is not None:
            # the day on the respondent's own clock, as the loaders do
            dates = dates.dt.tz_localize(None)
        days = dates.dt.normalize().to_numpy().astype("datetime64[D]").astype(np.int64)
        # every period from the first response to the last, the last one complete or not
        labels, bounds = complete_periods(
            dates.min(), dates.max(), freq, week_start=week_start, calendar=calendar,
            fiscal_year_start=fiscal_year_start, complete=False,
        )
        work["period"] = pd.Series(labels.take(place(days, bounds)), index=work.index)
        groups.append("period")
    work["promoters"] = (values >= 9).astype("int64")
    work["passives"] = ((values >= 7) & (values <= 8)).astype("int64")
    work["detractors"] = (values <= 6).astype("int64")
    counted = ["promoters", "passives", "detractors"]
    if groups:
        table = (
            work.groupby(groups, sort=False, dropna=False, observed=True)[counted]
            .sum()
            .reset_index()
        )
    else:
        table = work[counted].sum().to_frame().T.reset_index(drop=True)
    if freq is not None:
        grid = pd.DataFrame({"period": labels})
        if keys:
            grid = work[keys].drop_duplicates().merge(grid, how="cross")
        table = grid.merge(table, on=groups, how="left")
        table[counted] = table[counted].fillna(0)
    if groups:
        table = table.sort_values(groups, na_position="last", kind="stable").reset_index(drop=True)
    table[counted] = table[counted].astype("int64")
    rows = []
    for promoters, passives, detractors in table[counted].itertuples(index=False):
        n = promoters + passives + detractors
        if n < min_responses:
            note = "no responses: NPS not shown" if n == 0 else (
                f"fewer than {min_responses} responses: NPS not shown"
            )
            rows.append((n, np.nan, np.nan, np.nan, np.nan, note))
            continue
        interval = _interval(
            promoters, passives, detractors, method=method, confidence=confidence,
            n_boot=10_000, seed=0,
        )
        rows.append((
            n, 100.0 * (promoters - detractors) / n, interval["se"], interval["low"],
            interval["high"], "",
        ))
    stats = pd.DataFrame(rows, columns=["n", "nps", "se", "low", "high", "note"])
    stats["n"] = stats["n"].astype("int64")
    for col in ("nps", "se", "low", "high"):
        stats[col] = stats[col].astype("float64")
    out = pd.concat([table[groups], stats[["n"]], table[counted], stats[["nps", "se", "low", "high", "note"]]], axis=1)
    if freq is not None:
        spans = period_columns(labels, bounds).set_index("period")
        at = out.columns.get_loc("period") + 1
        out.insert(at, "period_start", spans["period_start"].reindex(out["period"]).to_numpy())
        out.insert(at + 1, "period_end", spans["period_end"].reindex(out["period"]).to_numpy())
    out.attrs = {"method": method, "confidence": confidence, "min_responses": int(min_responses)}
    return out


@validate_params(
    survey=Log(),
    subscriptions=Log(),
    months=Integer(low=1, unit="months"),
    observation_end=DateLike(),
    confidence=CONFIDENCE,
)
def churn_by_nps_group(
    survey: TableLike,
    subscriptions: TableLike,
    *,
    months: int,
    observation_end: str | pd.Timestamp,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Do detractors churn more? Churn within ``months`` after answering, by NPS group.

    Each customer's *first* response counts once (later answers of the same customer
    would be influenced by the first outcome). A respondent *churned* if their
    subscription activity ended (see :mod:`retention_kit.churn`: the last live spell
    ended; plan changes do not count) within ``months`` months after the response date.
    Only respondents whose whole window lies inside the data are judged, churned or not
    (judging the recent ones who already churned but not the recent ones still
    subscribed would inflate churn). Respondents not active on the response date, or
    who answered less than ``months`` before ``observation_end``, are counted in
    ``not_eligible``, not dropped silently.

    Parameters
    ----------
    survey : pandas.DataFrame, or a Polars, DuckDB or PySpark table (collected to pandas)
        From :func:`load_survey` with ``customer_id`` and ``date``.
    subscriptions : pandas.DataFrame, or a Polars, DuckDB or PySpark table (collected to pandas)
        From :func:`load_subscriptions`.
    months : int
        Window after the response.
    observation_end : date
        Last day the subscription data covers.
    confidence : float
        Level of the interval of each churn rate (default 0.95).

    Returns
    -------
    pandas.DataFrame
        ``group`` (detractor, passive, promoter), ``respondents``, ``not_eligible``,
        ``eligible``, ``churned``, ``churn_rate`` (percent of eligible) and
        ``ci_low``/``ci_high``: the Wilson score interval of the churn rate at level
        ``confidence``. With p = churned / eligible, n = eligible and z the normal
        quantile of (1 + confidence) / 2, it is centred on
        (p + z^2 / 2n) / (1 + z^2 / n) with half-width
        z sqrt(p (1 - p) / n + z^2 / 4n^2) / (1 + z^2 / n). ``attrs`` records
        ``interval`` (the method's name), ``confidence`` and ``unmatched``: the
        respondents whose customer id appears in no subscription (they are in
        ``not_eligible``).

    Raises
    ------
    RetentionDataError
        When the survey lacks ``customer_id``, ``date`` or ``score``, or when no
        respondent's customer id appears in the subscriptions (the exports identify
        customers differently: a link would judge nobody).

    Examples
    --------
    >>> import pandas as pd
    >>> survey = pd.DataFrame({"customer_id": ["a", "b", "c"], "score": [3, 9, 10],
    ...                        "date": pd.to_datetime(["2024-01-10"] * 3)})
    >>> spells = pd.DataFrame({"customer_id": ["a", "b", "c"],
    ...                        "start_date": pd.to_datetime(["2023-01-01"] * 3),
    ...                        "end_date": pd.to_datetime(["2024-03-01", None, "2025-06-01"])})
    >>> t = churn_by_nps_group(survey, spells, months=6, observation_end="2024-12-31")
    >>> t[["group", "eligible", "churned", "churn_rate"]].to_numpy().tolist()
    [['detractor', 1, 1, 100.0], ['passive', 0, 0, nan], ['promoter', 2, 0, 0.0]]
    >>> t.attrs["interval"], t.attrs["confidence"]
    ('wilson', 0.95)
    """
    from .. import _engine
    from ..activity import day, subscriptions_activity

    for col in ("customer_id", "date", "score"):
        if col not in survey.columns:
            raise RetentionDataError(
                f"survey: no {col!r} column; load it with load_survey(..., customer_col=..., date_col=...)."
            )
    confidence = float(confidence)
    act = subscriptions_activity(subscriptions, observation_end=observation_end)
    cust, run_from, run_to = _engine.activity_runs(act.codes, act.active_from, act.active_to)
    # each customer's first answer; two on the same day: the lower score, whatever the row order
    first = survey.sort_values(["date", "score"], kind="stable").drop_duplicates("customer_id")
    groups = nps_group(first["score"].to_numpy())
    code_of = pd.Series(np.arange(len(act.ids)), index=act.ids)
    codes = code_of.reindex(first["customer_id"].to_numpy()).to_numpy()
    unmatched = int(np.isnan(codes).sum())
    if len(first) and unmatched == len(first):
        theirs = ", ".join(repr(str(v)) for v in first["customer_id"].head(2))
        ours = ", ".join(repr(str(v)) for v in act.ids[:2])
        raise RetentionDataError(
            f"survey: none of its {len(first):,} respondents' customer ids appears in the subscriptions "
            f"(survey ids such as {theirs}; subscription ids such as {ours}): the two exports do not "
            "identify customers the same way. Load both with the column that holds the same customer id "
            "(customer_col=), or do not link this survey to these subscriptions.",
            parameter="customer_col",
        )
    # the state at the end of the response day is snapshot day + 1
    answered = np.array([day(d) for d in first["date"]]) + 1
    horizon = np.array([day(d + pd.DateOffset(months=months)) for d in first["date"]]) + 1
    runs = pd.DataFrame({"code": cust, "a": run_from, "b": run_to})
    rows = pd.DataFrame({"code": codes, "t": answered, "h": horizon, "group": groups.to_numpy()})
    merged = rows.reset_index().merge(runs, on="code", how="left")
    covering = merged[(merged["a"] <= merged["t"]) & (merged["t"] < merged["b"])].set_index("index")
    rows["run_to"] = covering["b"].reindex(rows.index)
    end_snapshot = act.end_snapshot
    active = rows["run_to"].notna()
    churned = active & (rows["run_to"] <= rows["h"])
    # only respondents whose whole window is observed are judged: counting recent
    # answers that already churned but not recent ones still subscribed would inflate churn
    judged = active & (rows["h"] <= end_snapshot)
    rows["eligible"], rows["churned"] = judged, churned & judged
    table = rows.groupby("group").agg(respondents=("group", "size"), eligible=("eligible", "sum"),
                                      churned=("churned", "sum"))
    table = table.reindex(["detractor", "passive", "promoter"], fill_value=0).reset_index()
    table.insert(2, "not_eligible", table["respondents"] - table["eligible"])
    n, k = table["eligible"].to_numpy(dtype=float), table["churned"].to_numpy(dtype=float)
    z = _z(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    table["churn_rate"] = np.where(n > 0, 100 * p, np.nan)
    table["ci_low"] = np.where(n > 0, 100 * (centre - half), np.nan)
    table["ci_high"] = np.where(n > 0, 100 * (centre + half), np.nan)
    table.attrs.update(months=int(months), observation_end=str(act.observation_end.date()),
                       interval="wilson", confidence=confidence, unmatched=unmatched)
    return table
