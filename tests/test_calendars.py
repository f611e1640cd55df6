"""Calendars of the per-period tables (issue 14): Jalali months, seasons and years, fiscal
years, and the period_start / period_end columns every per-period table carries.

The Jalali calendar is checked against jdatetime day by day over 1390-1410; the tiling
of any span by periods is a property test over every calendar; two small tables are
computed by hand in the comments."""

from __future__ import annotations

import datetime as dt

import jdatetime
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import retention_kit as rk
from retention_kit.errors import RetentionDataError
from retention_kit.periods import complete_periods, period_columns, period_names, place

FIRST = jdatetime.date(1390, 1, 1).togregorian()           # 2011-03-21
AFTER = jdatetime.date(1411, 1, 1).togregorian()           # the day after Esfand 1410


def _day(date: dt.date) -> int:
    return (date - dt.date(1970, 1, 1)).days


def _ts(date: dt.date) -> pd.Timestamp:
    return pd.Timestamp(date)


# -- the Jalali calendar against jdatetime ------------------------------------------

def test_every_jalali_month_of_1390_to_1410_starts_where_jdatetime_says():
    labels, bounds = complete_periods(_ts(FIRST), _ts(AFTER) - pd.Timedelta(days=1), "M", calendar="jalali")
    expected = [(y, m) for y in range(1390, 1411) for m in range(1, 13)]
    assert list(labels) == [f"{y}-{m:02d}" for y, m in expected]
    starts = [_day(jdatetime.date(y, m, 1).togregorian()) for y, m in expected] + [_day(AFTER)]
    assert bounds.tolist() == starts


@pytest.mark.parametrize("freq", ["D", "W", "M", "Q", "Y"])
def test_every_day_of_1390_to_1410_is_in_the_period_jdatetime_gives(freq):
    labels, bounds = complete_periods(_ts(FIRST), _ts(AFTER) - pd.Timedelta(days=1), freq, calendar="jalali",
                                      complete=False)
    days = np.arange(_day(FIRST), _day(AFTER))
    k = place(days, bounds)
    assert (k >= 0).all() and (k < len(labels)).all()
    for day, period in zip(days, k):
        j = jdatetime.date.fromgregorian(date=dt.date(1970, 1, 1) + dt.timedelta(days=int(day)))
        want = {
            "D": f"{j.year}-{j.month:02d}-{j.day:02d}",
            "M": f"{j.year}-{j.month:02d}",
            "Q": f"{j.year}Q{(j.month - 1) // 3 + 1}",
            "Y": f"{j.year}",
        }.get(freq)
        if freq == "W":  # a Jalali week starts on Saturday (jdatetime: weekday() 0 = Saturday)
            start = j - jdatetime.timedelta(days=j.weekday())
            want = f"{start.strftime('%Y-%m-%d')}/{(start + jdatetime.timedelta(days=6)).strftime('%Y-%m-%d')}"
        assert labels[period] == want, (day, freq)


def test_the_end_of_esfand_in_leap_and_common_years():
    # 1403 is a leap year: 30 Esfand 1403 is 2025-03-20, and 1404 starts on 2025-03-21
    labels, bounds = complete_periods(pd.Timestamp("2025-02-19"), pd.Timestamp("2025-03-20"), "M", calendar="jalali")
    t = period_columns(labels, bounds)
    assert t["period"].tolist() == ["1403-12"]
    assert str(t["period_end"].iloc[0].date()) == "2025-03-20"
    assert (t["period_end"] - t["period_start"]).dt.days.tolist() == [29]  # 30 days
    # 1402 is not: Esfand 1402 ends on the 29th, 2024-03-19, and 20 March 2024 is Nowruz 1403
    labels, bounds = complete_periods(pd.Timestamp("2024-02-20"), pd.Timestamp("2024-03-20"), "M", calendar="jalali")
    t = period_columns(labels, bounds)
    assert t["period"].tolist() == ["1402-12"]
    assert str(t["period_end"].iloc[0].date()) == "2024-03-19"
    assert (t["period_end"] - t["period_start"]).dt.days.tolist() == [28]  # 29 days
    # a year is complete only on its last day
    with pytest.raises(RetentionDataError, match="no complete period"):
        complete_periods(pd.Timestamp("2024-03-20"), pd.Timestamp("2025-03-19"), "Y", calendar="jalali")
    labels, _ = complete_periods(pd.Timestamp("2024-03-20"), pd.Timestamp("2025-03-20"), "Y", calendar="jalali")
    assert list(labels) == ["1403"]


def test_the_loader_reads_every_day_of_1390_to_1410_as_jdatetime_does():
    days = [FIRST + dt.timedelta(days=i) for i in range((AFTER - FIRST).days)]
    jalali = [jdatetime.date.fromgregorian(date=d) for d in days]
    raw = pd.DataFrame({"customer": "a", "date": [f"{j.year}/{j.month}/{j.day}" for j in jalali]})
    loaded = rk.load_transactions(raw, customer_col="customer", date_col="date", calendar="jalali",
                                  duplicates="keep", date_range=("2011-01-01", "2032-12-31"))
    assert loaded["date"].dt.date.tolist() == days


# -- every day in exactly one period, and the periods tile the span -------------------

CASES = st.one_of(
    st.tuples(st.just("gregorian"), st.sampled_from(["D", "W", "M", "Q", "Y"]), st.just(1)),
    st.tuples(st.just("jalali"), st.sampled_from(["D", "W", "M", "Q", "Y"]), st.just(1)),
    st.tuples(st.just("gregorian"), st.sampled_from(["Q", "Y"]), st.integers(1, 12)),
)


@settings(max_examples=300, deadline=None)
@given(
    CASES,
    st.sampled_from([None, "MON", "SUN", "SAT", "FRI"]),
    st.dates(dt.date(1995, 1, 1), dt.date(2035, 12, 31)),
    st.integers(0, 1200),
)
def test_periods_tile_any_span(case, week_start, first, length):
    calendar, freq, fiscal = case
    last = first + dt.timedelta(days=length)
    labels, bounds = complete_periods(_ts(first), _ts(last), freq, week_start=week_start, calendar=calendar,
                                      fiscal_year_start=fiscal, complete=False)
    t = period_columns(labels, bounds)
    # the periods tile the span: no gap, no overlap, from the period of the first day on
    assert (np.diff(bounds) > 0).all()
    assert (t["period_end"].iloc[:-1].to_numpy() + np.timedelta64(1, "D") == t["period_start"].iloc[1:].to_numpy()).all()
    assert t["period_start"].iloc[0] <= _ts(first) and t["period_end"].iloc[-1] >= _ts(last)
    assert t["period_end"].iloc[0] >= _ts(first) and t["period_start"].iloc[-1] <= _ts(last)
    assert len(set(labels)) == len(labels)
    # every day of the span falls in exactly one period
    days = np.arange(_day(first), _day(last) + 1)
    inside = (days[:, None] >= bounds[None, :-1]) & (days[:, None] < bounds[None, 1:])
    assert (inside.sum(axis=1) == 1).all()
    # a week is 7 days and starts on the week_start (Saturday for Jalali, Monday otherwise)
    if freq == "W":
        assert set(np.diff(bounds)) == {7}
        wanted = week_start or {"gregorian": "MON", "jalali": "SAT"}[calendar]
        assert {d.strftime("%a").upper() for d in t["period_start"]} == {wanted}
    # the complete periods are the ones that end by the last day
    try:
        done, done_bounds = complete_periods(_ts(first), _ts(last), freq, week_start=week_start,
                                             calendar=calendar, fiscal_year_start=fiscal)
    except RetentionDataError:
        assert t["period_end"].iloc[0] > _ts(last)
        return
    assert list(done) == list(labels[: len(done)])
    assert done_bounds[-1] <= _day(last) + 1 < bounds[len(done) + 1] if len(done) < len(labels) else True
    if calendar == "gregorian" and fiscal == 1:
        # the plain Gregorian periods are pandas periods, as they have always been
        assert isinstance(labels, pd.PeriodIndex)
        alias = rk.periods.period_freq(freq, week_start=week_start or "MON")
        assert list(labels) == list(pd.period_range(pd.Period(first, alias), pd.Period(last, alias)))
    if fiscal != 1:
        # a fiscal year is named by the calendar year it ends in
        for label, end in zip(labels, t["period_end"]):
            fiscal_year = end.year if freq == "Y" else (end + pd.offsets.MonthEnd(12 - 3 * int(label[-1]))).year
            assert label.startswith(f"FY{fiscal_year}")
            if freq == "Y":
                assert end.month == (fiscal - 2) % 12 + 1 and end.is_month_end


def test_fiscal_labels_by_hand():
    # fiscal_year_start=4: FY2025 runs from 2024-04-01 to 2025-03-31, its Q1 is April-June 2024
    labels, bounds = complete_periods(pd.Timestamp("2024-04-01"), pd.Timestamp("2025-03-31"), "Y", fiscal_year_start=4)
    t = period_columns(labels, bounds)
    assert t.astype(str).values.tolist() == [["FY2025", "2024-04-01", "2025-03-31"]]
    labels, bounds = complete_periods(pd.Timestamp("2024-06-30"), pd.Timestamp("2024-12-31"), "Q", fiscal_year_start=7)
    # July start (Australia): FY2025 is July 2024 - June 2025; its Q1 is July-September 2024
    t = period_columns(labels, bounds)
    assert t.astype(str).values.tolist() == [
        ["FY2024Q4", "2024-04-01", "2024-06-30"],
        ["FY2025Q1", "2024-07-01", "2024-09-30"],
        ["FY2025Q2", "2024-10-01", "2024-12-31"],
    ]
    # October start (US federal): FY2025 is 2024-10-01 to 2025-09-30
    labels, _ = complete_periods(pd.Timestamp("2024-10-01"), pd.Timestamp("2025-09-30"), "Y", fiscal_year_start=10)
    assert list(labels) == ["FY2025"]


# -- hand-computed tables -------------------------------------------------------------

def test_jalali_cohort_table_by_hand():
    # Mehr 1402 = 2023-09-23 .. 2023-10-22, Aban = 2023-10-23 .. 2023-11-21,
    # Azar = 2023-11-22 .. 2023-12-21. Persian digits, as an Iranian export writes them.
    raw = pd.DataFrame({
        "customer": ["a", "a", "b", "b", "c", "c", "d"],
        "date": [
            "۱۴۰۲/۰۷/۰۳",  # a: 2023-09-25, Mehr -> cohort 1402-07
            "۱۴۰۲/۰۸/۰۳",  # a: 2023-10-25, Aban -> month 1
            "۱۴۰۲/۰۷/۲۸",  # b: 2023-10-20, Mehr (a Gregorian October) -> cohort 1402-07
            "۱۴۰۲/۰۹/۰۴",  # b: 2023-11-25, Azar -> month 2
            "۱۴۰۲/۰۸/۰۱",  # c: 2023-10-23, first day of Aban -> cohort 1402-08
            "۱۴۰۲/۰۸/۳۰",  # c: 2023-11-21, last day of Aban -> month 0 again
            "۱۴۰۲/۰۹/۰۱",  # d: 2023-11-22, Azar -> cohort 1402-09
        ],
    })
    tx = rk.load_transactions(raw, customer_col="customer", date_col="date", calendar="jalali")
    t = rk.cohort_table(tx, freq="M", calendar="jalali", normalize=False, summary=False,
                        observation_end="2023-12-21", dates=True)
    # 1402-07: a and b (2); month 1 (Aban): a; month 2 (Azar): b
    # 1402-08: c (1); month 1 (Azar): nobody; month 2 (Dey) not observed
    # 1402-09: d (1)
    assert list(t.index) == ["1402-07", "1402-08", "1402-09"]
    assert t["size"].tolist() == [2, 1, 1]
    expected = [[2, 1, 1], [1, 0, np.nan], [1, np.nan, np.nan]]
    np.testing.assert_array_equal(t[[0, 1, 2]].to_numpy(), np.array(expected, dtype=float))
    assert t["period_start"].astype(str).tolist() == ["2023-09-23", "2023-10-23", "2023-11-22"]
    assert t["period_end"].astype(str).tolist() == ["2023-10-22", "2023-11-21", "2023-12-21"]
    assert period_names(t, calendar="jalali").tolist() == ["Mehr 1402", "Aban 1402", "Azar 1402"]
    assert period_names(t, calendar="jalali", language="fa").tolist() == ["مهر ۱۴۰۲", "آبان ۱۴۰۲", "آذر ۱۴۰۲"]
    # the same purchases by Gregorian month tell another story: Sep (a), Oct (b, c), Nov (d)
    g = rk.cohort_table(tx, freq="M", normalize=False, summary=False, observation_end="2023-11-30")
    assert list(g.index) == ["2023-09", "2023-10", "2023-11"] and g["size"].tolist() == [1, 2, 1]


def test_fiscal_year_crr_by_hand():
    # fiscal_year_start=4: FY2024 = 2023-04-01..2024-03-31, FY2025 = 2024-04-01..2025-03-31,
    # FY2026 = 2025-04-01..2026-03-31. A customer counts while their last purchase is at
    # most 365 days old.
    tx = pd.DataFrame({
        "customer_id": ["a", "a", "a", "b", "c", "c", "d", "e"],
        "date": pd.to_datetime(["2023-05-10", "2024-06-01", "2025-05-01", "2023-08-01", "2024-02-01",
                                "2025-01-15", "2024-07-01", "2025-02-01"]),
    })
    t = rk.customer_counts(tx, freq="Y", active_days=365, fiscal_year_start=4, observation_end="2026-03-31")
    # FY2024: S = 0; E = a, b, c (all bought within 365 days of 2024-03-31); N = 3
    # FY2025: S = 3; at 2025-03-31: a (2024-06-01) yes, b (2023-08-01) no, c (2025-01-15) yes,
    #         d, e (new) yes: E = 4, N = 2 -> CRR = (4 - 2) / 3 = 66.7 %
    # FY2026: S = 4; at 2026-03-31: a (2025-05-01) yes, c (2025-01-15) no, d (2024-07-01) no,
    #         e (2025-02-01) no: E = 1, N = 0 -> CRR = 1 / 4 = 25 %
    assert t["period"].tolist() == ["FY2024", "FY2025", "FY2026"]
    assert t["period_start"].astype(str).tolist() == ["2023-04-01", "2024-04-01", "2025-04-01"]
    assert t["period_end"].astype(str).tolist() == ["2024-03-31", "2025-03-31", "2026-03-31"]
    assert t[["start", "acquired", "end"]].values.tolist() == [[0, 3, 3], [3, 2, 4], [4, 0, 1]]
    assert np.isnan(t["crr"].iloc[0])
    assert t["crr"].iloc[1] == pytest.approx(200 / 3) and t["crr"].iloc[2] == pytest.approx(25.0)
    # the same purchases by calendar year: 2024 holds c's and d's purchases, not FY2025's
    cal = rk.customer_counts(tx, freq="Y", active_days=365, observation_end="2025-12-31")
    assert [str(p) for p in cal["period"]] == ["2023", "2024", "2025"]
    assert cal[["start", "acquired", "end"]].values.tolist() != t[["start", "acquired", "end"]].values.tolist()


# -- period_start and period_end on every per-period table -----------------------------

def test_a_cohort_table_keeps_its_matrix_unless_dates_are_asked_for():
    # code reads the cells by position after ``size`` (notebook 03 sums row[1:]): the dates
    # would shift them, so they come only with dates=True, and the cells are the same
    tx = rk.datasets.load_sample_orders()
    plain = rk.cohort_table(tx, freq="Q")
    dated = rk.cohort_table(tx, freq="Q", dates=True)
    assert plain.columns[0] == "size" and list(dated.columns[:3]) == ["period_start", "period_end", "size"]
    pd.testing.assert_frame_equal(dated.drop(columns=["period_start", "period_end"]), plain)
    assert dated.loc["weighted average", ["period_start", "period_end"]].isna().all()

def _tables(calendar: str, fiscal: int = 1) -> dict[str, pd.DataFrame]:
    tx = rk.datasets.load_sample_orders()
    spells = pd.DataFrame({
        "customer_id": ["a", "a", "b", "c", "d"],
        "start_date": pd.to_datetime(["2023-01-05", "2023-06-10", "2023-02-20", "2023-03-03", "2023-07-01"]),
        "end_date": pd.to_datetime(["2023-05-01", None, "2023-09-20", None, "2023-11-15"]),
        "mrr": [10.0, 20.0, 15.0, 30.0, 5.0],
    })
    sessions = tx.rename(columns={"customer_id": "visitor_id"})[["visitor_id", "date"]]
    survey = pd.DataFrame({"score": [10, 9, 3, 8, 10, 6, 7, 2],
                           "date": pd.date_range("2023-01-10", periods=8, freq="45D")})
    freq = "Q"
    cal = {"calendar": calendar, "fiscal_year_start": fiscal}
    return {
        "customer_counts": rk.customer_counts(tx, freq=freq, active_days=90, **cal),
        "subscription_counts": rk.subscription_counts(spells, freq=freq, observation_end="2023-12-31", **cal),
        "churn_table": rk.churn_table(spells, freq=freq, observation_end="2023-12-31", **cal),
        "mrr_movements": rk.mrr_movements(spells, freq=freq, observation_end="2023-12-31", **cal),
        "cohort_table": rk.cohort_table(tx, freq=freq, summary=False, dates=True, **cal).reset_index(),
        "repeat_purchase_rate": rk.repeat_purchase_rate(tx, freq=freq, **cal),
        "returning_visitor_rate": rk.returning_visitor_rate(sessions, freq=freq, **cal),
        "nps_table": rk.nps_table(survey, freq=freq, **cal),
    }


@pytest.mark.parametrize(("calendar", "fiscal"), [("gregorian", 1), ("jalali", 1), ("gregorian", 4)])
def test_every_per_period_table_carries_its_days(calendar, fiscal):
    for name, table in _tables(calendar, fiscal).items():
        label = "cohort" if name in ("cohort_table", "repeat_purchase_rate") else "period"
        columns = list(table.columns)
        at = columns.index(label)
        assert columns[at + 1 : at + 3] == ["period_start", "period_end"], name
        start, end = table["period_start"], table["period_end"]
        assert pd.api.types.is_datetime64_any_dtype(start) and pd.api.types.is_datetime64_any_dtype(end), name
        assert (end >= start).all(), name
        # each label's days are the days of that label in the calendar
        for lab, s, e in zip(table[label], start, end):
            labels, bounds = complete_periods(s, e, "Q", calendar=calendar, fiscal_year_start=fiscal)
            assert [str(x) for x in labels] == [str(lab)], (name, lab)
        if calendar == "gregorian" and fiscal == 1 and label == "period":
            assert isinstance(table["period"].iloc[0], pd.Period), name


def test_period_names_in_both_calendars_and_languages():
    t = pd.DataFrame({
        "period_start": pd.to_datetime(["2024-03-20", "2024-06-21", "2023-11-11", "2024-08-01", "2024-07-01"]),
        "period_end": pd.to_datetime(["2024-04-19", "2024-09-21", "2023-11-11", "2024-08-31", "2024-09-30"]),
    })
    # Farvardin 1403; summer 1403 (Tir-Shahrivar); 20 Aban 1402; a Gregorian month and quarter
    assert period_names(t, calendar="jalali").tolist()[:3] == ["Farvardin 1403", "Summer 1403", "20 Aban 1402"]
    assert period_names(t, calendar="jalali", language="fa").tolist()[:3] == ["فروردین ۱۴۰۳", "تابستان ۱۴۰۳", "۲۰ آبان ۱۴۰۲"]
    assert period_names(t).tolist()[3:] == ["August 2024", "Q3 2024"]
    with pytest.raises(RetentionDataError) as info:
        period_names(pd.DataFrame({"period": [1]}))
    assert info.value.parameter == "table"


# -- refusals -------------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "parameter"), [
    ({"freq": "M", "fiscal_year_start": 4}, "fiscal_year_start"),
    ({"freq": "W", "fiscal_year_start": 7}, "fiscal_year_start"),
    ({"freq": "Q", "fiscal_year_start": 4, "calendar": "jalali"}, "fiscal_year_start"),
    ({"freq": "Q", "calendar": "persian"}, "calendar"),
    ({"freq": "Q", "fiscal_year_start": 13}, "fiscal_year_start"),
])
def test_a_fiscal_year_where_none_applies_is_refused(kwargs, parameter):
    tx = rk.datasets.load_sample_orders()
    with pytest.raises(RetentionDataError) as info:
        rk.customer_counts(tx, active_days=90, **kwargs)
    assert info.value.parameter == parameter
    assert str(info.value).startswith(parameter)


# -- the command: one --calendar reads the dates and makes the periods -----------------

def _report_args(*argv: str):
    from retention_kit.cli import _inputs, _parser

    return _inputs(_parser().parse_args(["report", "--transactions", "t.csv", "--customer-col", "c",
                                         "--date-col", "d", *argv]))


def test_the_command_passes_the_calendar_to_the_loader_and_the_notebooks():
    from retention_kit.cli import _parameters
    from retention_kit.report_registry import notebook_spec

    inputs, report = _report_args("--calendar", "jalali", "--period", "Q")
    assert inputs["transactions"]["calendar"] == "jalali"  # read the dates as Jalali
    params = _parameters(notebook_spec("01"), inputs, report)
    assert params["CALENDAR"] == "jalali" and params["FREQ"] == "Q"  # and group them by Jalali season
    assert "FISCAL_YEAR_START" not in params
    inputs, report = _report_args("--fiscal-year-start", "4", "--period", "Y")
    assert _parameters(notebook_spec("02"), inputs, report)["FISCAL_YEAR_START"] == 4
    assert _parameters(notebook_spec("04"), inputs, report).get("FISCAL_YEAR_START") is None  # no periods there


@pytest.mark.parametrize(("argv", "message"), [
    (["--fiscal-year-start", "4"], "add --period Q or --period Y"),
    (["--fiscal-year-start", "4", "--period", "M"], "add --period Q or --period Y"),
    (["--fiscal-year-start", "4", "--period", "Q", "--calendar", "jalali"], "fiscal years are Gregorian"),
    (["--fiscal-year-start", "0", "--period", "Q"], "fiscal_year_start=0"),
])
def test_the_command_refuses_a_fiscal_year_where_none_applies(argv, message):
    from retention_kit.cli import UsageError

    with pytest.raises(UsageError, match=message):
        _report_args(*argv)


def test_a_config_takes_the_calendar_of_its_inputs_unless_report_says(tmp_path):
    from retention_kit.cli import UsageError, _inputs, _parser

    def run(text: str):
        config = tmp_path / "c.toml"
        config.write_text(text, encoding="utf-8")
        return _inputs(_parser().parse_args(["report", "--config", str(config)]))

    tx = '[transactions]\nsource = "t.csv"\ncustomer_col = "c"\ndate_col = "d"\n'
    _, report = run(tx + 'calendar = "jalali"\n')
    assert report["calendar"] == "jalali"
    _, report = run(tx)
    assert "calendar" not in report  # Gregorian: the notebooks keep their defaults
    _, report = run('[report]\ncalendar = "jalali"\n' + tx)  # Gregorian dates, Jalali periods
    assert report["calendar"] == "jalali"
    with pytest.raises(UsageError, match="different calendars"):
        run(tx + 'calendar = "jalali"\n[sessions]\nsource = "s.csv"\nvisitor_col = "v"\ntime_col = "t"\n')


def test_the_iranian_sample_is_read_as_its_generator_wrote_it():
    # the generator converts with its own table of Nowruz dates; the loader with jdatetime
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "data" / "generate.py"
    spec = importlib.util.spec_from_file_location("generate", path)
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    first, last = generate._day_number(generate.IRAN_ACQ_START), generate._day_number(dt.date(2025, 3, 20))
    for day in range(first, last + 1):
        j = jdatetime.date.fromgregorian(date=dt.date(1970, 1, 1) + dt.timedelta(days=day))
        assert generate._jalali(day) == (j.year, j.month, j.day), day
    raw = pd.read_csv(path.parent / "iran_orders.csv", dtype=str)
    iran = rk.load_transactions(path.parent / "iran_orders.csv", customer_col="کد مشتری", date_col="تاریخ سفارش",
                                amount_col="مبلغ (تومان)", calendar="jalali")
    assert len(iran) == len(raw) == 16_165
    assert str(iran["date"].min().date()) == "2022-03-21" and str(iran["date"].max().date()) == "2024-09-21"
    assert (iran["amount"] % 1000 == 0).all() and iran["amount"].min() >= 50_000


@pytest.mark.parametrize(("calendar", "fiscal", "freq"), [("jalali", 1, "M"), ("jalali", 1, "W"), ("gregorian", 7, "Q")])
def test_other_engines_get_the_same_calendar(calendar, fiscal, freq):
    pl = pytest.importorskip("polars")
    duckdb = pytest.importorskip("duckdb")
    tx = rk.datasets.load_sample_orders()[["customer_id", "date", "amount"]]
    cal = {"calendar": calendar, "fiscal_year_start": fiscal, "freq": freq}
    sessions = tx.rename(columns={"customer_id": "visitor_id"})[["visitor_id", "date"]]
    for other in (pl.from_pandas(tx).lazy(), duckdb.from_df(tx)):
        pd.testing.assert_frame_equal(rk.customer_counts(other, active_days=60, **cal),
                                      rk.customer_counts(tx, active_days=60, **cal), check_dtype=False)
        pd.testing.assert_frame_equal(rk.cohort_table(other, dates=True, **cal),
                                      rk.cohort_table(tx, dates=True, **cal), check_dtype=False)
    pd.testing.assert_frame_equal(rk.returning_visitor_rate(pl.from_pandas(sessions).lazy(), **cal),
                                  rk.returning_visitor_rate(sessions, **cal), check_dtype=False)
    pd.testing.assert_frame_equal(rk.repeat_purchase_rate(pl.from_pandas(tx).lazy(), **cal),
                                  rk.repeat_purchase_rate(tx, **cal), check_dtype=False)
