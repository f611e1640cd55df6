"""Loaders: every bad-input case gets a clear RetentionDataError; every row is accounted for."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import retention_kit as rk
from retention_kit import RetentionDataError


def write(tmp_path: Path, text: str, name: str = "orders.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """order,client,when,total
1,007,2024-01-05,20.00
2,012,2024-01-20,35.50
3,007,2024-02-11,12.25
"""


def load(path, **options):
    options = {"customer_col": "client", "date_col": "when", "amount_col": "total", **options}
    return rk.load_transactions(path, **options)


def test_canonical_columns_types_and_leading_zeros(tmp_path):
    tx = load(write(tmp_path, GOOD))
    assert list(tx.columns) == ["customer_id", "date", "amount"]
    assert tx["customer_id"].tolist() == ["007", "012", "007"]
    assert pd.api.types.is_datetime64_any_dtype(tx["date"])
    assert tx["amount"].dtype == "float64"
    report = rk.load_report(tx)
    assert (report.rows_read, report.rows_kept, report.excluded) == (3, 3, {})


def test_amount_is_optional_and_keep_columns(tmp_path):
    tx = load(write(tmp_path, GOOD), amount_col=None, keep_columns=["order"])
    assert list(tx.columns) == ["customer_id", "date", "order"]


def test_utf8_bom_is_stripped(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeff".encode() + GOOD.encode())
    assert len(load(path, keep_columns=["order"])) == 3


def test_missing_column_lists_available(tmp_path):
    with pytest.raises(RetentionDataError) as info:
        load(write(tmp_path, GOOD), date_col="order_date")
    msg = str(info.value)
    assert "date_col='order_date'" in msg
    assert "'order', 'client', 'when', 'total'" in msg
    assert "Pass date_col=" in msg


def test_missing_file(tmp_path):
    with pytest.raises(RetentionDataError, match="no file at"):
        load(tmp_path / "nope.csv")


def test_empty_file(tmp_path):
    with pytest.raises(RetentionDataError, match="is empty"):
        load(write(tmp_path, ""))


def test_header_only(tmp_path):
    with pytest.raises(RetentionDataError, match="no data rows"):
        load(write(tmp_path, "order,client,when,total\n"))


def test_wrong_source_type():
    with pytest.raises(RetentionDataError, match="expected a CSV path or a pandas DataFrame"):
        rk.load_transactions([1, 2], customer_col="a", date_col="b")


def test_unparseable_dates_name_lines_and_values(tmp_path):
    text = GOOD + "4,013,not a date,5\n5,014,2024-13-45,5\n"
    with pytest.raises(RetentionDataError) as info:
        load(write(tmp_path, text))
    msg = str(info.value)
    assert "date_col='when'" in msg
    assert "line 5: 'not a date'" in msg and "line 6: '2024-13-45'" in msg
    assert "date_format=" in msg


def test_mixed_date_formats(tmp_path):
    text = GOOD + "4,013,05/02/2024,5\n"
    with pytest.raises(RetentionDataError, match="mixed date formats") as info:
        load(write(tmp_path, text))
    assert "line 5: '05/02/2024'" in str(info.value)


def test_day_first_and_month_first_in_one_file(tmp_path):
    text = "order,client,when,total\n1,a,25/01/2024,1\n2,b,01/25/2024,1\n"
    with pytest.raises(RetentionDataError, match="mixed date formats"):
        load(write(tmp_path, text))


def test_ambiguous_day_month_raises_instead_of_guessing(tmp_path):
    text = "order,client,when,total\n1,a,05/02/2024,1\n2,b,11/03/2024,1\n"
    with pytest.raises(RetentionDataError, match="ambiguous") as info:
        load(write(tmp_path, text))
    assert "date_format='%d/%m/%Y'" in str(info.value)
    tx = load(write(tmp_path, text), date_format="%d/%m/%Y")
    assert tx["date"].dt.month.tolist() == [2, 3]


def test_day_first_decided_by_the_data(tmp_path):
    text = "order,client,when,total\n1,a,05/02/2024,1\n2,b,25/03/2024,1\n"
    tx = load(write(tmp_path, text))
    assert [str(d.date()) for d in tx["date"]] == ["2024-02-05", "2024-03-25"]
    assert any("%d/%m/%Y" in note for note in rk.load_report(tx).notes)


def test_explicit_format_mismatch(tmp_path):
    with pytest.raises(RetentionDataError, match="do not match date_format='%d.%m.%Y'"):
        load(write(tmp_path, GOOD), date_format="%d.%m.%Y")


def test_blank_date(tmp_path):
    with pytest.raises(RetentionDataError, match="line 5") as info:
        load(write(tmp_path, GOOD + "4,013,,5\n"))
    assert "blank date" in str(info.value)


def test_blank_ids_error_then_exclude(tmp_path):
    path = write(tmp_path, GOOD + "4,,2024-03-01,5\n5,  ,2024-03-02,6\n")
    with pytest.raises(RetentionDataError) as info:
        load(path)
    msg = str(info.value)
    assert "customer_col='client'" in msg and "2 rows have a blank customer id" in msg
    assert "line 5, line 6" in msg and "blank_ids='exclude'" in msg
    tx = load(path, blank_ids="exclude")
    report = rk.load_report(tx)
    assert (report.rows_read, report.rows_kept) == (5, 3)
    assert report.excluded == {"blank customer id": 2}


def test_blank_lines_are_not_rows_and_keep_line_numbers_honest(tmp_path):
    path = write(tmp_path, "client,when\na,2024-01-01\n\n   \nb,2024-01-02\n\n")
    tx = rk.load_transactions(path, customer_col="client", date_col="when")
    report = rk.load_report(tx)
    assert (report.rows_read, report.rows_kept, report.excluded) == (2, 2, {})
    assert tx["customer_id"].tolist() == ["a", "b"]
    bad = write(tmp_path, "client,when\na,2024-01-01\n\n   \nb,2024-13-02\n")
    with pytest.raises(RetentionDataError, match="line 5: '2024-13-02'"):
        rk.load_transactions(bad, customer_col="client", date_col="when")


def test_non_numeric_amounts(tmp_path):
    path = write(tmp_path, GOOD + "4,013,2024-03-01,12 apples\n")
    with pytest.raises(RetentionDataError) as info:
        load(path)
    msg = str(info.value)
    assert "amount_col='total'" in msg and "line 5: '12 apples'" in msg
    assert "decimal separator" in msg


@pytest.mark.parametrize(("text", "decimal", "value"), [
    ('"$1,234.50"', ".", 1234.5), ("EUR 99", ".", 99.0), ('"(12.00)"', ".", -12.0),
    ('"1.234,50 €"', ",", 1234.5), ('"7,5"', ",", 7.5), ('"1 234,00"', ",", 1234.0),
])
def test_amounts_written_for_people(tmp_path, text, decimal, value):
    tx = load(write(tmp_path, f"order,client,when,total\n1,a,2024-01-05,{text}\n"), decimal=decimal,
              refunds="exclude")
    if value < 0:
        assert len(tx) == 0 and rk.load_report(tx).excluded == {"refund (negative amount)": 1}
    else:
        assert tx["amount"].tolist() == [value]
        assert any("were read as numbers" in n for n in rk.load_report(tx).notes)


def test_decimal_comma_misread_is_an_error_with_a_hint(tmp_path):
    with pytest.raises(RetentionDataError, match="pass decimal=','"):
        load(write(tmp_path, 'order,client,when,total\n1,a,2024-01-05,"7,5"\n'))
    with pytest.raises(RetentionDataError, match="not (a )?numbers?"):
        load(write(tmp_path, "order,client,when,total\n1,a,2024-01-05,12.5\n"), decimal=",")


def test_semicolon_file_is_detected(tmp_path):
    tx = rk.load_transactions(write(tmp_path, "c;d;amount\na;05/02/2024;1,5\nb;25/02/2024;2\n"),
                              customer_col="c", date_col="d", amount_col="amount", decimal=",")
    assert tx["amount"].tolist() == [1.5, 2.0]
    assert [str(x.date()) for x in tx["date"]] == ["2024-02-05", "2024-02-25"]


def test_blank_amount(tmp_path):
    with pytest.raises(RetentionDataError, match="blank amount"):
        load(write(tmp_path, GOOD + "4,013,2024-03-01,\n"))


def test_refunds_error_then_exclude(tmp_path):
    path = write(tmp_path, GOOD + "4,007,2024-02-15,-12.25\n5,012,2024-02-16,0\n")
    with pytest.raises(RetentionDataError, match="negative amount") as info:
        load(path)
    assert "line 5: -12.25" in str(info.value)
    tx = load(path, refunds="exclude")
    report = rk.load_report(tx)
    assert report.excluded == {"refund (negative amount)": 1}
    assert report.rows_read == report.rows_kept + report.rows_excluded == 5
    assert any("zero-value" in note for note in report.notes)


def test_duplicates_error_exclude_keep(tmp_path):
    path = write(tmp_path, GOOD + "2,012,2024-01-20,35.50\n")
    with pytest.raises(RetentionDataError, match="identical in every column") as info:
        load(path)
    assert "line 5" in str(info.value)
    excluded = load(path, duplicates="exclude")
    assert len(excluded) == 3
    assert sum(rk.load_report(excluded).excluded.values()) == 1
    kept = load(path, duplicates="keep")
    assert len(kept) == 4 and rk.load_report(kept).notes


def test_each_row_is_excluded_once_for_its_first_reason(tmp_path):
    # a blank-id row that is also a refund counts once, as a blank id
    path = write(tmp_path, GOOD + "4,,2024-02-15,-1\n5,013,2024-02-15,-1\n6,013,2024-02-15,-1\n")
    tx = load(path, blank_ids="exclude", refunds="exclude", duplicates="exclude")
    report = rk.load_report(tx)
    # rows 5 and 6 differ in their order number, so they are two refunds, not duplicates
    assert report.excluded == {"blank customer id": 1, "refund (negative amount)": 2}
    assert report.rows_read == 6 and report.rows_kept == 3
    frame = report.to_frame()
    assert frame["rows"].iloc[:-1].sum() == frame["rows"].iloc[-1] == 6


def test_bad_option_value(tmp_path):
    with pytest.raises(RetentionDataError, match="refunds='drop'"):
        load(write(tmp_path, GOOD + "4,007,2024-02-15,-12.25\n"), refunds="drop")


def test_dataframe_source_is_not_modified_and_rows_are_positions():
    df = pd.DataFrame({"c": ["a", None], "d": ["2024-01-01", "2024-01-02"]}, index=[10, 11])
    before = df.copy()
    with pytest.raises(RetentionDataError, match="row 1"):
        rk.load_transactions(df, customer_col="c", date_col="d")
    pd.testing.assert_frame_equal(df, before)


def test_datetime_and_integer_columns_pass_through():
    df = pd.DataFrame({"c": [1, 2], "d": pd.to_datetime(["2024-01-01", "2024-01-02"])})
    tx = rk.load_transactions(df, customer_col="c", date_col="d")
    assert tx["customer_id"].tolist() == [1, 2]


def test_utc_offsets_keep_the_local_wall_clock_time(tmp_path):
    # the day the customer bought is the day on their clock, whatever the offset
    path = write(tmp_path, "c,d\na,2024-01-31T23:30:00+03:30\nb,2024-01-31T23:30:00-05:00\n"
                           "c,2024-02-01T00:10:00Z\nd,2024-02-01\n")
    tx = rk.load_transactions(path, customer_col="c", date_col="d")
    assert [str(d) for d in tx["date"]] == [
        "2024-01-31 23:30:00", "2024-01-31 23:30:00", "2024-02-01 00:10:00", "2024-02-01 00:00:00"]
    assert any("3 values carried a UTC offset" in note for note in rk.load_report(tx).notes)


def test_time_zone_aware_dataframe_follows_the_same_rule():
    aware = pd.to_datetime(["2024-01-31 23:30"]).tz_localize("America/New_York")
    tx = rk.load_transactions(pd.DataFrame({"c": ["a"], "d": aware}), customer_col="c", date_col="d")
    assert str(tx["date"].iloc[0]) == "2024-01-31 23:30:00"


@pytest.mark.parametrize("value", ["2024", "2024-07"])
def test_partial_iso_dates_are_not_dates(tmp_path, value):
    with pytest.raises(RetentionDataError, match="line 3"):
        rk.load_transactions(write(tmp_path, f"c,d\na,2024-01-05\nb,{value}\n"),
                             customer_col="c", date_col="d")


def test_day_first_dates_with_a_time_need_the_time_in_the_format(tmp_path):
    path = write(tmp_path, "c,d\na,25/01/2024 13:45\nb,26/01/2024 09:00\n")
    with pytest.raises(RetentionDataError, match="date_format='%d/%m/%Y %H:%M'"):
        rk.load_transactions(path, customer_col="c", date_col="d")
    tx = rk.load_transactions(path, customer_col="c", date_col="d", date_format="%d/%m/%Y %H:%M")
    assert str(tx["date"].iloc[0]) == "2024-01-25 13:45:00"


def test_row_with_too_many_fields(tmp_path):
    with pytest.raises(RetentionDataError, match="as many fields as the header"):
        rk.load_transactions(write(tmp_path, "c,d\na,2024-01-05\nb,2024-01-06,oops\n"),
                             customer_col="c", date_col="d")


def test_load_report_missing():
    with pytest.raises(RetentionDataError, match="no load report"):
        rk.load_report(pd.DataFrame())


# -- subscriptions, surveys, sessions --------------------------------------------------

SPELLS = """customer_id,start_date,end_date,mrr
a,2024-01-01,2024-03-01,29
a,2024-03-01,,99
b,2024-01-15,2024-02-15,29
"""


def test_subscriptions_load(tmp_path):
    subs = rk.load_subscriptions(write(tmp_path, SPELLS))
    assert subs["end_date"].isna().tolist() == [False, True, False]
    assert subs["mrr"].tolist() == [29.0, 99.0, 29.0]


def test_subscription_ending_before_start(tmp_path):
    with pytest.raises(RetentionDataError, match="ends? before (it|they) starts?") as info:
        rk.load_subscriptions(write(tmp_path, SPELLS + "c,2024-05-01,2024-04-01,29\n"))
    assert "line 5" in str(info.value)


def test_subscription_negative_mrr(tmp_path):
    with pytest.raises(RetentionDataError, match="negative MRR"):
        rk.load_subscriptions(write(tmp_path, SPELLS + "c,2024-05-01,,-29\n"))


def test_subscription_overlapping_spells(tmp_path):
    with pytest.raises(RetentionDataError, match="overlap") as info:
        rk.load_subscriptions(write(tmp_path, SPELLS + "b,2024-02-01,,29\n"))
    assert "line 5" in str(info.value)


def test_subscription_spell_after_open_spell_overlaps(tmp_path):
    with pytest.raises(RetentionDataError, match="overlap"):
        rk.load_subscriptions(write(tmp_path, SPELLS + "a,2024-06-01,,29\n"))


@pytest.mark.parametrize("score", ["11", "-1", "7.5", "ten"])
def test_survey_bad_scores(tmp_path, score):
    with pytest.raises(RetentionDataError, match="score") as info:
        rk.load_survey(write(tmp_path, f"score\n9\n{score}\n"))
    assert "line 3" in str(info.value)


def test_survey_blank_score(tmp_path):
    with pytest.raises(RetentionDataError, match=r"1 blank \(line 3"):
        rk.load_survey(write(tmp_path, "score,x\n9,1\n,2\n"))


def test_sessions_keep_time_of_day(tmp_path):
    s = rk.load_sessions(write(tmp_path, "visitor_id,session_start\nv1,2024-01-01T09:30:00\n"))
    assert s["date"].iloc[0] == pd.Timestamp("2024-01-01 09:30")


@pytest.mark.parametrize("text", ["abc5", "ID12", "5%", "--5", "1,234 567.00", "$5 EUR"])
def test_amounts_that_are_not_money_are_refused(tmp_path, text):
    with pytest.raises(RetentionDataError, match="not (a )?numbers?"):
        load(write(tmp_path, f'order,client,when,total\n1,a,2024-01-05,"{text}"\n'))


def test_separator_inside_quoted_header_is_ignored(tmp_path):
    path = write(tmp_path, 'Kunde;Datum;"Betrag, EUR, brutto"\na;2024-01-05;"1,5"\n')
    tx = rk.load_transactions(path, customer_col="Kunde", date_col="Datum", amount_col="Betrag, EUR, brutto",
                              decimal=",")
    assert tx["amount"].tolist() == [1.5]
