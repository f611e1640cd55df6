"""Issue 11: one small export per misread class (tests/data/exports, made by
tests/data/make_exports.py), read right or refused with the option that settles it.

Written against the loader contract of issues 11 and 12 (the loader contract, now the loaders' docstrings): a
refusal is a RetentionDataError whose ``.parameter`` names the option, whose message
carries a key phrase and, where the contract says so, the physical line ("line 1" is the
header); a read-right case asserts every value and the load accounting
(rows_read = rows_kept + sum of excluded).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import retention_kit as rk
from retention_kit import RetentionDataError

EXPORTS = Path(__file__).resolve().parent / "data" / "exports"
TX = {"customer_col": "customer", "date_col": "date", "amount_col": "amount"}


def tx(name: str, **options) -> pd.DataFrame:
    return rk.load_transactions(EXPORTS / name, **{**TX, **options})


def refused(call, parameter: str, *phrases: str) -> RetentionDataError:
    with pytest.raises(RetentionDataError) as info:
        call()
    err = info.value
    assert err.parameter == parameter, str(err)
    for phrase in phrases:
        assert re.search(phrase, str(err), flags=re.IGNORECASE), (phrase, str(err))
    return err


def accounted(df: pd.DataFrame, read: int, kept: int, excluded: dict[str, int] | None = None):
    report = rk.load_report(df)
    assert (report.rows_read, report.rows_kept, report.excluded) == (read, kept, excluded or {})
    assert report.rows_read == report.rows_kept + sum(report.excluded.values())
    assert len(df) == kept
    return report


def dates(*days: str) -> list[pd.Timestamp]:
    return [pd.Timestamp(d) for d in days]


# -- 1. dot (and comma) thousands -------------------------------------------------------

def test_c01_dot_before_three_digits_is_refused():
    refused(lambda: tx("c01_toman_dot_thousands.csv"), "thousands", r"decimal=", r"thousands=")


def test_c01_comma_before_three_digits_is_refused():
    refused(lambda: tx("c01_comma_thousands_ambiguous.csv"), "thousands", r"decimal=", r"thousands=")


def test_c01_thousands_dot_with_decimal_comma_reads_toman():
    df = tx("c01_toman_dot_thousands.csv", thousands=".", decimal=",")
    assert df["amount"].tolist() == [250000.0, 150000.0, 75500.0]
    accounted(df, 3, 3)
    # thousands='.' alone: the decimal separator can then only be ','
    assert tx("c01_toman_dot_thousands.csv", thousands=".")["amount"].tolist() == [250000.0, 150000.0, 75500.0]


def test_c01_thousands_and_decimal_the_same_character_is_refused():
    refused(lambda: tx("c01_toman_dot_thousands.csv", thousands=".", decimal="."), "decimal")


def test_c01_a_dot_twice_settles_thousands():
    df = tx("c01_dot_thousands_settled.csv")
    assert df["amount"].tolist() == [250000.0, 1250000.0, 75500.0]
    accounted(df, 3, 3)


def test_c01_two_decimals_settle_the_decimal_point():
    df = tx("c01_dot_decimal_settled.csv")
    assert df["amount"].tolist() == [250.0, 12.5, 7.5]
    accounted(df, 3, 3)


# -- 2. two-digit years -----------------------------------------------------------------

@pytest.mark.parametrize("name", ["c02_two_digit_years.csv", "c02_yy_mm_dd.csv"])
def test_c02_two_digit_years_need_a_date_format(name):
    refused(lambda: tx(name), "date_format", r"date_format=")


def test_c02_two_digit_years_read_with_y_and_a_century_note():
    df = tx("c02_two_digit_years.csv", date_format="%d/%m/%y")
    assert df["date"].tolist() == dates("1969-12-31", "2024-03-15", "2000-07-01")
    report = accounted(df, 3, 3)
    assert any("69" in note and "68" in note for note in report.notes), report.notes


def test_c02_year_first_two_digit_years_read_with_format():
    df = tx("c02_yy_mm_dd.csv", date_format="%y-%m-%d")
    assert df["date"].tolist() == dates("2024-03-05", "2024-03-18")
    accounted(df, 2, 2)


# -- 3. Jalali years --------------------------------------------------------------------

def test_c03_jalali_years_are_outside_the_date_range():
    refused(lambda: tx("c03_jalali_dates.csv"), "date_range", r"jalali", r"calendar=")


def test_c03_widened_date_range_reads_the_dates_as_given():
    df = tx("c03_jalali_dates.csv", date_range=("1300-01-01", "1500-12-31"))
    assert [str(d.date()) for d in df["date"]] == ["1402-07-01", "1402-07-15", "1402-08-03"]
    assert df["amount"].tolist() == [10.0, 20.0, 30.0]
    accounted(df, 3, 3)


def test_c03_calendar_jalali_converts_to_gregorian(tmp_path):
    df = tx("c03_jalali_dates.csv", calendar="jalali")
    # 1402-07-01 is 23 September 2023 (the first day of Mehr)
    assert [str(d.date()) for d in df["date"]] == ["2023-09-23", "2023-10-07", "2023-10-25"]
    assert any("Jalali" in note for note in rk.load_report(df).notes)
    accounted(df, 3, 3)
    persian = tmp_path / "persian.csv"
    persian.write_text("customer,date\nx,۱۴۰۲/۷/۱ ۱۴:۳۰\ny,1402-12-29\n", encoding="utf-8")
    df = rk.load_transactions(persian, customer_col="customer", date_col="date", calendar="jalali")
    assert [str(d) for d in df["date"]] == ["2023-09-23 14:30:00", "2024-03-19 00:00:00"]
    leap = tmp_path / "leap.csv"  # 1402 is not a leap year: Esfand 30 does not exist
    leap.write_text("customer,date\nx,1402-12-30\n", encoding="utf-8")
    refused(lambda: rk.load_transactions(leap, customer_col="customer", date_col="date",
                                         calendar="jalali"), "date_format", r"line 2", r"Esfand")


# -- 4. far-future placeholders ---------------------------------------------------------

def test_c04_order_dated_2099_is_refused_naming_its_line():
    refused(lambda: tx("c04_order_2099.csv"), "date_range", r"\bline 3\b", r"2099")


def test_c04_subscription_ending_9999_is_refused():
    refused(lambda: rk.load_subscriptions(EXPORTS / "c04_subscriptions_open_end.csv"),
            "open_end_after", r"9999-12-31", r"open_end_values")


@pytest.mark.parametrize("options", [{"open_end_values": ["9999-12-31"]}, {"open_end_after": "2100-01-01"}])
def test_c04_open_end_options_read_the_spell_as_live(options):
    df = rk.load_subscriptions(EXPORTS / "c04_subscriptions_open_end.csv", **options)
    assert df["customer_id"].tolist() == ["a", "a", "b", "c"]
    assert df["end_date"].isna().tolist() == [False, True, True, True]
    assert df["end_date"].iloc[0] == pd.Timestamp("2024-03-01")
    assert df["mrr"].tolist() == [29.0, 99.0, 29.0, 49.0]
    report = accounted(df, 4, 4)
    assert any("9999" in note or "2100" in note for note in report.notes), report.notes


# -- 5. ids: case, spaces, floats --------------------------------------------------------

def test_c05_id_case_lower_merges_one_email_written_three_ways():
    df = tx("c05_ids_case_spaces.csv", id_case="lower")
    assert df["customer_id"].tolist() == ["jane.doe@gmail.com"] * 3 + ["bob@example.com"]
    accounted(df, 4, 4)


def test_c05_id_case_keep_strips_and_notes_case_only_differences():
    df = tx("c05_ids_case_spaces.csv")
    assert df["customer_id"].tolist() == [
        "Jane.Doe@Gmail.com", "jane.doe@gmail.com", "jane.doe@gmail.com", "bob@example.com"]
    report = accounted(df, 4, 4)
    assert any("id_case" in note for note in report.notes), report.notes


def test_c05_float_written_ids_are_the_integer_id():
    df = tx("c05_ids_float.csv")
    assert df["customer_id"].astype(str).tolist() == ["1000", "1000", "1001"]
    report = accounted(df, 3, 3)
    assert any("1000" in note for note in report.notes), report.notes


def test_c05_float_id_column_of_a_dataframe():
    frame = pd.DataFrame({"customer": [1000.0, 1001.0, 1000.0],
                          "date": ["2024-01-05", "2024-01-06", "2024-01-07"], "amount": [1.0, 2.0, 3.0]})
    df = rk.load_transactions(frame, **TX)
    assert df["customer_id"].astype(str).tolist() == ["1000", "1001", "1000"]


# -- 6. two columns of one name ---------------------------------------------------------

def test_c06_two_amount_columns_are_refused_naming_both_positions():
    refused(lambda: tx("c06_two_amount_columns.csv", amount_col="Amount"), "amount_col",
            r"\b4\b", r"\b5\b", r"Amount")


def test_c06_the_duplicated_name_is_harmless_when_unmapped():
    df = tx("c06_two_amount_columns.csv", amount_col=None)
    assert df["customer_id"].tolist() == ["a", "b"]
    accounted(df, 2, 2)


# -- 7. duplicates after normalisation --------------------------------------------------

def test_c07_duplicate_after_normalisation_is_excluded():
    df = tx("c07_duplicate_after_normalisation.csv", duplicates="exclude", keep_columns=["channel"])
    assert df["customer_id"].tolist() == ["jane@example.com", "bob@example.com"]
    assert df["amount"].tolist() == [20.0, 15.0]
    accounted(df, 3, 2, {"duplicate row (identical in every column to an earlier row)": 1})


def test_c07_duplicate_after_normalisation_is_refused_by_default():
    refused(lambda: tx("c07_duplicate_after_normalisation.csv"), "duplicates", r"\bline 4\b")


# -- 8. physical line numbers -----------------------------------------------------------

def test_c08_bad_value_after_multiline_field_names_its_physical_line():
    err = refused(lambda: tx("c08_newlines_before_bad_value.csv"), "amount_col", r"\bline 6\b", r"12 apples")
    assert not re.search(r"\bline 4\b", str(err)), str(err)


# -- 9. more fields than the header -----------------------------------------------------

def test_c09_trailing_extra_field_is_refused_naming_line_and_counts():
    refused(lambda: tx("c09_trailing_extra_field.csv"), "sep", r"\bline 3\b", r"\b5\b", r"\b4\b")


def test_c09_extra_field_on_the_first_row_is_refused_not_read_as_an_index():
    refused(lambda: tx("c09_extra_field_first_row.csv"), "sep", r"\bline 2\b", r"\b5\b", r"\b4\b")


# -- 10. blank lines --------------------------------------------------------------------

def test_c10_blank_lines_are_not_rows():
    df = tx("c10_blank_lines.csv")
    assert df["customer_id"].tolist() == ["a", "b", "a"]
    assert df["date"].tolist() == dates("2024-01-05", "2024-01-06", "2024-01-07")
    assert df["amount"].tolist() == [10.0, 20.0, 30.0]
    accounted(df, 3, 3)


# -- 13. order status -------------------------------------------------------------------

SHOPIFY = {"customer_col": "Email", "date_col": "Created at", "amount_col": "Total"}


def test_c13_without_status_col_every_order_counts():
    df = rk.load_transactions(EXPORTS / "c13_shopify_orders.csv", **SHOPIFY)
    assert df["amount"].tolist() == [25.0, 40.0, 15.0, 60.0, 80.0, 30.0, 12.5]
    accounted(df, 7, 7)


def test_c13_status_filter_excludes_refunded_and_voided_orders():
    df = rk.load_transactions(EXPORTS / "c13_shopify_orders.csv", **SHOPIFY,
                              status_col="Financial Status", exclude_statuses=["refunded", "voided"])
    assert df["customer_id"].tolist() == [
        "ann@example.com", "cem@example.com", "bob@example.com", "dan@example.com"]
    assert df["amount"].tolist() == [25.0, 60.0, 80.0, 12.5]
    # ' Refunded ' matches 'refunded': case-insensitive, after stripping
    accounted(df, 7, 4, {"status 'refunded'": 2, "status 'voided'": 1})
    assert df["date"].tolist() == dates("2024-01-05 10:15", "2024-01-08 16:45",
                                        "2024-01-09 12:00", "2024-01-11 19:20")


def test_c13_unknown_status_column_is_refused():
    refused(lambda: rk.load_transactions(EXPORTS / "c13_shopify_orders.csv", **SHOPIFY,
                                         status_col="Status", exclude_statuses=["refunded"]),
            "status_col", r"Financial Status")


# -- 14. Persian and Arabic-Indic digits ------------------------------------------------

def test_c14_iranian_shop_reads_persian_and_arabic_digits():
    df = rk.load_transactions(EXPORTS / "c14_iranian_shop.csv", customer_col="مشتری",
                              date_col="تاریخ", amount_col="مبلغ")
    assert df["customer_id"].tolist() == ["09123456789", "09123456789", "09351112233", "09351112233"]
    assert df["date"].tolist() == dates("2024-03-05", "2024-03-06", "2024-04-01", "2024-04-15")
    assert df["amount"].tolist() == [250000.0, 300000.0, 1250000.0, 125.5]
    accounted(df, 4, 4)


def test_c14_rial_marks_and_code():
    df = tx("c14_iranian_shop_rial.csv")
    assert df["customer_id"].tolist() == ["09123456789", "09351112233"]
    assert df["amount"].tolist() == [2500000.0, 400000.0]
    accounted(df, 2, 2)


# -- 14. formats: a workbook, a Parquet file and a gzip'ed CSV load like the CSV --------

SHOP = EXPORTS / "c01_dot_decimal_settled.csv"


def _same_as_csv(df: pd.DataFrame) -> None:
    expected = tx(SHOP.name)
    assert df["customer_id"].astype(str).tolist() == expected["customer_id"].tolist()
    assert df["date"].tolist() == expected["date"].tolist()
    assert df["amount"].tolist() == expected["amount"].tolist()


def test_c14_formats_load_like_the_csv(tmp_path):
    import gzip

    import xlsxwriter

    raw = pd.read_csv(SHOP, dtype=str)
    book_path = tmp_path / "orders.xlsx"
    book = xlsxwriter.Workbook(str(book_path))
    sheet = book.add_worksheet("Orders")
    for j, col in enumerate(raw.columns):
        sheet.write(0, j, col)
        for i, value in enumerate(raw[col], start=1):
            # amounts as numbers and dates as dates, the way a spreadsheet holds them
            if col == "amount":
                sheet.write_number(i, j, float(value))
            elif col == "date":
                sheet.write_datetime(i, j, pd.Timestamp(value).to_pydatetime(),
                                     book.add_format({"num_format": "yyyy-mm-dd"}))
            else:
                sheet.write_string(i, j, value)
    book.close()
    _same_as_csv(rk.load_transactions(book_path, **TX))
    _same_as_csv(rk.load_transactions(book_path, **TX, sheet="Orders"))
    refused(lambda: rk.load_transactions(book_path, **TX, sheet="Sheet9"), "sheet", "Orders")

    # a workbook saved under a .csv name is read as the workbook it is, and the report says so
    misnamed = tmp_path / "orders.csv"
    misnamed.write_bytes(book_path.read_bytes())
    df = rk.load_transactions(misnamed, **TX)
    _same_as_csv(df)
    assert any("Excel workbook" in note for note in rk.load_report(df).notes)

    parquet = tmp_path / "orders.parquet"
    raw.assign(amount=raw["amount"].astype(float), date=pd.to_datetime(raw["date"])).to_parquet(parquet)
    _same_as_csv(rk.load_transactions(parquet, **TX))

    gz = tmp_path / "orders.csv.gz"
    gz.write_bytes(gzip.compress(SHOP.read_bytes()))
    _same_as_csv(rk.load_transactions(gz, **TX))
    refused(lambda: rk.load_transactions(gz, **TX, sheet=0), "sheet", "Excel workbooks")


def test_c14_gzip_errors_name_physical_lines(tmp_path):
    import gzip

    gz = tmp_path / "orders.csv.gz"
    gz.write_bytes(gzip.compress(b'customer,date,note\nx,2024-01-01,"two\nlines"\ny,2024-13-01,z\n'))
    refused(lambda: rk.load_transactions(gz, customer_col="customer", date_col="date"),
            "date_format", r"line 4: '2024-13-01'")


def test_c06_duplicate_column_names_in_a_dataframe_are_refused():
    frame = pd.DataFrame([["a", "2024-01-01", 1.0, 2.0]], columns=["customer", "date", "amount", "amount"])
    refused(lambda: rk.load_transactions(frame, **TX), "amount_col", "columns 3 and 4")


def test_c04_a_far_future_date_cannot_stretch_a_per_period_table():
    """Tables built from DataFrames (not through a loader) refuse a far-future default end."""
    subs = pd.DataFrame({"customer_id": ["a", "b"], "start_date": pd.to_datetime(["2024-01-01", "2024-02-01"]),
                         "end_date": pd.to_datetime(["9999-12-31", None])})
    refused(lambda: rk.subscription_counts(subs, freq="M"), "observation_end", "9999-12-31", "placeholder")
    table = rk.subscription_counts(subs, freq="M", observation_end="2024-06-30")
    assert table["period"].astype(str).tolist()[-1] == "2024-06" and len(table) == 6
    orders = pd.DataFrame({"customer_id": ["a", "b"], "date": pd.to_datetime(["2024-01-01", "2099-02-01"])})
    refused(lambda: rk.cohort_table(orders, freq="Q"), "observation_end", "2099-02-01")
    refused(lambda: rk.customer_counts(orders, freq="Q", active_days=90), "observation_end", "2099")


# -- review cases: separators, non-text columns, ids, line numbers ---------------------

def _csv(tmp_path, text: str, name: str = "f.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_german_amounts_without_options_are_settled_by_their_values(tmp_path):
    path = _csv(tmp_path, "customer,date,amount\na,2024-01-05,\"1.250,50\"\nb,2024-01-06,\"12,00\"\n")
    df = rk.load_transactions(path, **TX)
    assert df["amount"].tolist() == [1250.5, 12.0]
    assert any("thousands separator" in note for note in rk.load_report(df).notes)


def test_an_explicit_decimal_is_never_overridden(tmp_path):
    path = _csv(tmp_path, "customer,date,amount\na,2024-01-05,1.250.000\nb,2024-01-06,3.500\n")
    refused(lambda: rk.load_transactions(path, **TX, decimal="."), "thousands", "thousands='.'")
    # decimal=',' says '.' can only group thousands: that settles '3.500' too
    assert rk.load_transactions(path, **TX, decimal=",")["amount"].tolist() == [1250000.0, 3500.0]


def test_a_leading_zero_group_is_no_thousands_grouping(tmp_path):
    path = _csv(tmp_path, "customer,date,amount\na,2024-01-05,12.50\nb,2024-01-06,\"0,250\"\n")
    refused(lambda: rk.load_transactions(path, **TX), "amount_col", "0,250")
    assert rk.load_transactions(_csv(tmp_path, "customer,date,amount\na,2024-01-05,0.250\n", "g.csv"),
                                **TX)["amount"].tolist() == [0.25]


def test_dates_that_are_not_text_are_read_or_named():
    numbers = pd.DataFrame({"customer": ["a"], "date": [20240305]})
    assert rk.load_transactions(numbers, customer_col="customer", date_col="date")["date"].tolist() == [
        pd.Timestamp("2024-03-05")]
    serial = pd.DataFrame({"customer": ["a"], "date": [45356.0]})
    refused(lambda: rk.load_transactions(serial, customer_col="customer", date_col="date"),
            "date_format", "Excel serial")


def test_ids_in_scientific_notation_are_refused(tmp_path):
    path = _csv(tmp_path, "customer,date\n1.23457E+15,2024-01-05\n1.23457E+15,2024-01-06\n")
    refused(lambda: rk.load_transactions(path, customer_col="customer", date_col="date"),
            "customer_col", "scientific notation", "line 2")


def test_line_numbers_follow_what_the_reader_skips(tmp_path):
    one_column = _csv(tmp_path, "score\n10\n \n11\nabc\n", "survey.csv")
    with pytest.raises(RetentionDataError) as info:
        rk.load_survey(one_column)
    assert "line 3" in str(info.value) and "line 5" in str(info.value), str(info.value)
    quoted_blank = _csv(tmp_path, 'customer,date\na,2024-01-05\n""\nb,2024-01-06\n', "q.csv")
    refused(lambda: rk.load_transactions(quoted_blank, customer_col="customer", date_col="date"),
            "sep", "line 3 has 1")


def test_long_numeric_columns_kept_as_written(tmp_path):
    path = _csv(tmp_path, "customer,date,order\na,2024-01-05,12345678901234567890123\n"
                          "a,2024-01-05,12345678901234567890124\n")
    df = rk.load_transactions(path, customer_col="customer", date_col="date", keep_columns=["order"])
    assert df["order"].tolist() == ["12345678901234567890123", "12345678901234567890124"]
