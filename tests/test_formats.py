"""File formats (issue 11, item 14): sniffing by content, Excel workbooks, Parquet, gzip CSV.

Fixtures are written into tmp_path by the tests: workbooks with xlsxwriter (test extra),
Parquet with pyarrow, an OpenDocument spreadsheet and junk files by hand.
"""

from __future__ import annotations

import datetime as dt
import decimal
import gzip
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest
import xlsxwriter

from retention_kit.errors import RetentionDataError
from retention_kit.io.formats import (
    Locations,
    arrow_input,
    open_binary,
    open_text,
    read_parquet,
    read_workbook,
    sniff_format,
)

CSV_TEXT = "customer_id,order_date,amount\r\nC1,2024-03-05,12.50\r\nC2,2024-03-06,7.00\r\n"


# ----------------------------------------------------------------------------- fixtures


def _write_two_sheets(path: Path) -> Path:
    """Orders (3 rows) and Refunds (1 row), both with data."""
    book = xlsxwriter.Workbook(str(path))
    iso = book.add_format({"num_format": "yyyy-mm-dd"})
    orders = book.add_worksheet("Orders")
    for col, title in enumerate(["customer_id", "order_date", "amount"]):
        orders.write_string(0, col, title)
    for row, (cid, day, amount) in enumerate(
        [("C1", dt.datetime(2024, 3, 5), 12.5), ("C2", dt.datetime(2024, 3, 6), 7.0),
         ("C1", dt.datetime(2024, 4, 1), 3.25)],
        start=1,
    ):
        orders.write_string(row, 0, cid)
        orders.write_datetime(row, 1, day, iso)
        orders.write_number(row, 2, amount)
    refunds = book.add_worksheet("Refunds")
    refunds.write_string(0, 0, "customer_id")
    refunds.write_string(0, 1, "amount")
    refunds.write_string(1, 0, "C2")
    refunds.write_number(1, 1, -7.0)
    book.close()
    return path


def _write_typed_sheet(path: Path) -> Path:
    """One sheet: a title-free table starting at B3, a blank row, typed and mixed columns.

    Sheet layout (Excel rows):
      3: customer_id | order_date | amount | code  | note | (blank) | note
      4: C1          | 2024-03-05 | 12.5   | 00123 | x    |         | a
      5: (empty row)
      6: 1000        | 2024-03-06 14:30 | (empty) | 7 | y  |         | b
      7: C3          | 2024-03-07 | 3      | text  |      | 5       | c
    Column H (beyond the table) carries formatting only.
    """
    book = xlsxwriter.Workbook(str(path))
    iso = book.add_format({"num_format": "yyyy-mm-dd"})
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet("Data")
    for col, title in enumerate(["customer_id", "order_date", "amount", "code", "note", "", "note"]):
        if title:
            sheet.write_string(2, 1 + col, title)
    sheet.write_string(3, 1, "C1")
    sheet.write_datetime(3, 2, dt.datetime(2024, 3, 5), iso)
    sheet.write_number(3, 3, 12.5)
    sheet.write_string(3, 4, "00123")
    sheet.write_string(3, 5, "x")
    sheet.write_string(3, 7, "a")
    sheet.write_number(5, 1, 1000)
    sheet.write_datetime(5, 2, dt.datetime(2024, 3, 6, 14, 30), iso)
    sheet.write_number(5, 4, 7)
    sheet.write_string(5, 5, "y")
    sheet.write_string(5, 7, "b")
    sheet.write_string(6, 1, "C3")
    sheet.write_datetime(6, 2, dt.datetime(2024, 3, 7), iso)
    sheet.write_number(6, 3, 3)
    sheet.write_string(6, 4, "text")
    sheet.write_number(6, 6, 5)
    sheet.write_string(6, 7, "c")
    sheet.write_blank(6, 8, None, bold)  # formatting beside the table, no value
    book.close()
    return path


def _write_ods(path: Path) -> Path:
    """A minimal OpenDocument spreadsheet with one sheet 'Orders'."""
    def cell(kind: str, text: str, value: str | None = None) -> str:
        attr = {"string": "", "date": f' office:date-value="{value}"', "float": f' office:value="{value}"'}[kind]
        return f'<table:table-cell office:value-type="{kind}"{attr}><text:p>{text}</text:p></table:table-cell>'

    header = "".join(cell("string", t) for t in ("customer_id", "order_date", "amount"))
    row = cell("string", "C1") + cell("date", "2024-03-05", "2024-03-05") + cell("float", "12.5", "12.5")
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Orders">'
        f"<table:table-row>{header}</table:table-row><table:table-row>{row}</table:table-row>"
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
            '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
            '<manifest:file-entry manifest:full-path="/" manifest:media-type='
            '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
            'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>',
        )
    return path


def _write_parquet(path: Path) -> Path:
    table = pa.table({
        "customer_id": pa.array(["007", "C2", None]),
        "order_date": pa.array([dt.date(2024, 3, 5), dt.date(9999, 12, 31), None], pa.date32()),
        "paid_at": pa.array([dt.datetime(2024, 3, 5, 9), None, dt.datetime(2024, 3, 7)],
                            pa.timestamp("us", tz="UTC")),
        "amount": pa.array([decimal.Decimal("12.50"), decimal.Decimal("0.10"), None], pa.decimal128(9, 2)),
        "quantity": pa.array([1, 2, 3], pa.int64()),
        "channel": pa.array(["web", "shop", "web"]).dictionary_encode(),
    })
    pq.write_table(table, path)
    return path


def _raises_source(path: Path, *words: str) -> RetentionDataError:
    with pytest.raises(RetentionDataError) as info:
        sniff_format(path)
    err = info.value
    assert err.parameter == "source"
    for word in words:
        assert word in str(err)
    # never a CSV hint for something that is not CSV text
    assert "sep=" not in str(err) and "encoding=" not in str(err)
    return err


# ----------------------------------------------------------------------------- sniffing


def test_plain_and_gzip_csv_are_csv(tmp_path):
    plain = tmp_path / "orders.csv"
    plain.write_text(CSV_TEXT, newline="")
    packed = tmp_path / "orders.csv.gz"
    packed.write_bytes(gzip.compress(CSV_TEXT.encode()))
    assert sniff_format(plain)[:2] == ("csv", False)
    assert sniff_format(packed)[:2] == ("csv", True)
    assert sniff_format(plain).note is None and sniff_format(packed).note is None


def test_workbooks_and_parquet_by_content(tmp_path):
    assert sniff_format(_write_two_sheets(tmp_path / "orders.xlsx"))[:2] == ("excel", False)
    assert sniff_format(_write_ods(tmp_path / "orders.ods"))[:2] == ("excel", False)
    assert sniff_format(_write_parquet(tmp_path / "orders.parquet"))[:2] == ("parquet", False)
    ole = tmp_path / "old.xls"
    ole.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    assert sniff_format(ole)[:2] == ("excel", False)


def test_workbook_named_csv_is_read_as_a_workbook_with_a_note(tmp_path):
    path = _write_two_sheets(tmp_path / "orders.csv")
    found = sniff_format(path)
    assert found.format == "excel" and not found.gzip
    assert "'orders.csv' is an Excel workbook (.xlsx)" in found.note
    frame, where, sheet = read_workbook(path, sheet="Refunds")
    assert sheet == "Refunds" and frame["amount"].tolist() == [-7.0]


def test_workbook_named_csv_can_be_refused(tmp_path):
    path = _write_two_sheets(tmp_path / "orders.csv")
    with pytest.raises(RetentionDataError) as info:
        sniff_format(path, misnamed="error")
    assert info.value.parameter == "source"
    assert "is an Excel workbook (.xlsx), not a CSV text file" in str(info.value)
    assert "'.xlsx'" in str(info.value) and "sep=" not in str(info.value)


def test_parquet_named_csv_gets_a_note(tmp_path):
    found = sniff_format(_write_parquet(tmp_path / "orders.csv"))
    assert found.format == "parquet" and "is a Parquet file" in found.note


def test_text_named_xlsx_is_csv_with_a_note(tmp_path):
    path = tmp_path / "orders.xlsx"
    path.write_text(CSV_TEXT)
    found = sniff_format(path)
    assert found.format == "csv" and "text file, not an Excel workbook" in found.note


@pytest.mark.parametrize(
    ("head", "what"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a PNG image"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "a PDF document"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "a JPEG image"),
        (b"SQLite format 3\x00\x10\x00", "an SQLite database"),
        (b"<!DOCTYPE html><html><body><table><tr><td>1</td></tr></table>", "an HTML page"),
    ],
)
def test_known_junk_says_what_it_is(tmp_path, head, what):
    path = tmp_path / "orders.csv"
    path.write_bytes(head + bytes(range(256)) * 4)
    _raises_source(path, f"'orders.csv' is {what}")


def test_unknown_binary_is_refused_as_binary(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(np.random.default_rng(7).integers(0, 256, 4000, dtype=np.uint8).tobytes())
    _raises_source(path, "binary data")


def test_utf16_text_is_csv_not_binary(tmp_path):
    text = "شناسه,مبلغ\r\nC1,۱۲۵۰\r\nC2,۳۰۰\r\n" * 20
    without_bom = tmp_path / "fa.csv"
    without_bom.write_bytes(text.encode("utf-16-le"))
    with_bom = tmp_path / "fa_bom.csv"
    with_bom.write_bytes(text.encode("utf-16"))
    latin = tmp_path / "en.csv"
    latin.write_bytes(CSV_TEXT.encode("utf-16-be"))
    for path in (without_bom, with_bom, latin):
        assert sniff_format(path)[:2] == ("csv", False)


def test_empty_file_is_left_to_the_csv_reader(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(b"")
    assert sniff_format(path)[:2] == ("csv", False)


def test_gzip_holding_a_workbook_is_refused(tmp_path):
    book = _write_two_sheets(tmp_path / "orders.xlsx")
    packed = tmp_path / "orders.csv.gz"
    packed.write_bytes(gzip.compress(book.read_bytes()))
    _raises_source(packed, "gzip-compressed", "zip archive", "gunzip")


def test_damaged_gzip_is_refused(tmp_path):
    packed = tmp_path / "orders.csv.gz"
    packed.write_bytes(b"\x1f\x8b\x08\x00" + b"\xff" * 64)
    _raises_source(packed, "could not be decompressed")


def test_zip_archive_that_is_not_a_workbook_names_its_entries(tmp_path):
    path = tmp_path / "orders.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("export/orders.csv", CSV_TEXT)
    _raises_source(path, "zip archive holding 'export/orders.csv'", "Extract")


def test_text_named_parquet_is_refused(tmp_path):
    path = tmp_path / "orders.parquet"
    path.write_text(CSV_TEXT)
    _raises_source(path, "named like a Parquet file", "PAR1")


# ----------------------------------------------------------------------------- workbooks


def test_several_sheets_with_data_need_sheet(tmp_path):
    path = _write_two_sheets(tmp_path / "orders.xlsx")
    with pytest.raises(RetentionDataError) as info:
        read_workbook(path, sheet=None)
    err = info.value
    assert err.parameter == "sheet" and err.options == ("Orders", "Refunds")
    assert "0: 'Orders' (has data), 1: 'Refunds' (has data)" in str(err)


def test_sheet_by_name_and_by_position_agree(tmp_path):
    path = _write_two_sheets(tmp_path / "orders.xlsx")
    by_name = read_workbook(path, sheet="Orders")
    by_position = read_workbook(path, sheet=0)
    pd.testing.assert_frame_equal(by_name.frame, by_position.frame)
    assert by_name.sheet == by_position.sheet == "Orders"
    assert by_name.frame["customer_id"].tolist() == ["C1", "C2", "C1"]
    assert list(by_name.where) == ["row 2", "row 3", "row 4"]


@pytest.mark.parametrize(
    ("sheet", "words"),
    [
        ("Sales", ["no sheet of that name", "0: 'Orders', 1: 'Refunds'"]),
        ("orders", ["did you mean 'Orders'?"]),
        (2, ["has 2 sheet(s), at positions 0 to 1"]),
        (-1, ["positions 0 to 1"]),
        (True, ["expected a sheet name"]),
    ],
)
def test_unknown_sheet_lists_the_sheets(tmp_path, sheet, words):
    path = _write_two_sheets(tmp_path / "orders.xlsx")
    with pytest.raises(RetentionDataError) as info:
        read_workbook(path, sheet=sheet)
    assert info.value.parameter == "sheet"
    assert info.value.options == ("Orders", "Refunds")
    for word in words:
        assert word in str(info.value)


def test_empty_workbook_and_empty_sheet(tmp_path):
    path = tmp_path / "empty.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("Sheet1")
    book.add_worksheet("Notes")
    book.close()
    with pytest.raises(RetentionDataError) as info:
        read_workbook(path, sheet=None)
    assert info.value.parameter == "source" and "holds no data" in str(info.value)
    with pytest.raises(RetentionDataError) as info:
        read_workbook(path, sheet="Notes")
    assert info.value.parameter == "sheet" and "'Notes' of 'empty.xlsx' is empty" in str(info.value)


def test_the_one_sheet_with_data_is_read_without_sheet(tmp_path):
    path = tmp_path / "orders.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("Cover")  # empty first sheet
    data = book.add_worksheet("Orders")
    data.write_row(0, 0, ["customer_id", "amount"])
    data.write_row(1, 0, ["C1", 4.5])
    book.close()
    frame, where, sheet = read_workbook(path, sheet=None)
    assert sheet == "Orders" and frame["amount"].tolist() == [4.5] and where[0] == "row 2"


def test_cell_types_and_excel_row_numbers(tmp_path):
    frame, where, sheet = read_workbook(_write_typed_sheet(tmp_path / "typed.xlsx"), sheet=None)
    assert sheet == "Data"
    # header kept as written, duplicates and the blank title (its column has a value) included
    assert list(frame.columns) == ["customer_id", "order_date", "amount", "code", "note", "", "note"]
    # the empty Excel row 5 is skipped; rows keep their Excel numbers (header is row 3)
    assert list(where) == ["row 4", "row 6", "row 7"]
    assert len(frame) == 3

    assert frame["order_date"].dtype.kind == "M"
    assert frame["order_date"].tolist() == [
        pd.Timestamp("2024-03-05"), pd.Timestamp("2024-03-06 14:30"), pd.Timestamp("2024-03-07")
    ]
    amount = frame["amount"]
    assert amount.dtype == "float64"
    assert amount.iloc[0] == 12.5 and np.isnan(amount.iloc[1]) and amount.iloc[2] == 3.0
    # text stays text (leading zeros kept); text and numbers mixed -> object
    assert frame["customer_id"].dtype == object
    assert frame["customer_id"].tolist() == ["C1", 1000.0, "C3"]
    assert frame["code"].tolist() == ["00123", 7.0, "text"]
    notes = frame.iloc[:, 4]
    assert str(notes.dtype) == "str" and notes.iloc[0] == "x" and notes.isna().tolist() == [False, False, True]
    assert frame.iloc[:, 5].tolist()[2] == 5.0 and frame.iloc[:, 5].isna().sum() == 2
    assert frame.iloc[:, 6].tolist() == ["a", "b", "c"]


def test_mixed_dates_and_text_keep_timestamps(tmp_path):
    path = tmp_path / "mixed.xlsx"
    book = xlsxwriter.Workbook(str(path))
    iso = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet = book.add_worksheet()
    sheet.write_string(0, 0, "order_date")
    sheet.write_datetime(1, 0, dt.datetime(2024, 3, 5), iso)
    sheet.write_string(2, 0, "05/03/2024")
    book.close()
    column = read_workbook(path, sheet=0).frame["order_date"]
    assert column.dtype == object
    assert column.tolist() == [pd.Timestamp("2024-03-05"), "05/03/2024"]


def test_ods_spreadsheet(tmp_path):
    frame, where, sheet = read_workbook(_write_ods(tmp_path / "orders.ods"), sheet="Orders")
    assert frame["order_date"].tolist() == [pd.Timestamp("2024-03-05")]
    assert frame["amount"].tolist() == [12.5] and list(where) == ["row 2"]


def test_unreadable_workbook_is_a_source_error(tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    with pytest.raises(RetentionDataError) as info:
        read_workbook(path, sheet=None)
    assert info.value.parameter == "source"
    assert "could not be read as an Excel workbook" in str(info.value)


# ----------------------------------------------------------------------------- parquet


def test_parquet_keeps_typed_columns(tmp_path):
    frame, where = read_parquet(_write_parquet(tmp_path / "orders.parquet"))
    assert list(frame.columns) == ["customer_id", "order_date", "paid_at", "amount", "quantity", "channel"]
    assert frame["customer_id"].tolist()[:2] == ["007", "C2"] and frame["customer_id"].isna().iloc[2]
    assert frame["order_date"].dtype == "datetime64[ms]"
    assert frame["order_date"].iloc[1] == pd.Timestamp("9999-12-31")  # no nanosecond overflow
    assert str(frame["paid_at"].dtype) == "datetime64[us, UTC]"
    assert frame["amount"].dtype == "float64" and frame["amount"].iloc[1] == 0.1
    assert frame["quantity"].dtype == "int64"
    assert not isinstance(frame["channel"].dtype, pd.CategoricalDtype)
    assert frame["channel"].tolist() == ["web", "shop", "web"]
    assert list(where) == ["row 0", "row 1", "row 2"]


def test_parquet_index_written_by_pandas(tmp_path):
    named = tmp_path / "named.parquet"
    pd.DataFrame({"amount": [1.0, 2.0]}, index=pd.Index(["C1", "C2"], name="customer_id")).to_parquet(named)
    frame, _ = read_parquet(named)
    assert list(frame.columns) == ["amount", "customer_id"] and frame.index.equals(pd.RangeIndex(2))
    unnamed = tmp_path / "unnamed.parquet"
    pd.DataFrame({"amount": [1.0, 2.0]}, index=[10, 20]).to_parquet(unnamed)
    frame, _ = read_parquet(unnamed)
    assert list(frame.columns) == ["amount"]


def test_truncated_parquet_is_a_source_error(tmp_path):
    path = _write_parquet(tmp_path / "orders.parquet")
    path.write_bytes(path.read_bytes()[:40])
    assert sniff_format(path).format == "parquet"
    with pytest.raises(RetentionDataError) as info:
        read_parquet(path)
    assert info.value.parameter == "source" and "could not be read as a Parquet file" in str(info.value)


# ----------------------------------------------------------------------------- streams


@pytest.mark.parametrize("packed", [False, True])
def test_streams_give_the_same_bytes_and_lines(tmp_path, packed):
    raw = CSV_TEXT.encode("utf-8")
    path = tmp_path / ("orders.csv.gz" if packed else "orders.csv")
    path.write_bytes(gzip.compress(raw) if packed else raw)
    with open_binary(path) as fh:
        assert fh.read() == raw
    with open_text(path, "utf-8") as fh:
        lines = fh.readlines()
    assert lines == ["customer_id,order_date,amount\r\n", "C1,2024-03-05,12.50\r\n", "C2,2024-03-06,7.00\r\n"]
    with arrow_input(path) as stream:
        table = pa_csv.read_csv(stream)
    assert table.num_rows == 2 and table.column("amount").to_pylist() == [12.5, 7.0]


def test_open_text_raises_on_wrong_encoding(tmp_path):
    path = tmp_path / "orders.csv.gz"
    path.write_bytes(gzip.compress("id\nÅsa\n".encode("latin-1")))
    with pytest.raises(UnicodeDecodeError), open_text(path, "utf-8") as fh:
        fh.read()
    with open_text(path, "latin-1") as fh:
        assert fh.read() == "id\nÅsa\n"


def test_locations_index_like_the_row_list():
    where = Locations(np.array([4, 6, 7]), "row ")
    assert len(where) == 3 and where[np.int64(1)] == "row 6" and where[-1] == "row 7"
    assert list(where[1:]) == ["row 6", "row 7"]
    assert list(where[np.array([0, 2])]) == ["row 4", "row 7"]
    assert list(where[np.array([False, True, False])]) == ["row 6"]


def test_hidden_sheet_with_data_is_listed_not_skipped(tmp_path):
    path = tmp_path / "orders.xlsx"
    book = xlsxwriter.Workbook(str(path))
    data = book.add_worksheet("Orders")
    data.write_row(0, 0, ["customer_id", "amount"])
    data.write_row(1, 0, ["C1", 4.5])
    lookup = book.add_worksheet("Lookup")
    lookup.write_row(0, 0, ["code", "label"])
    lookup.hide()
    book.close()
    with pytest.raises(RetentionDataError) as info:
        read_workbook(path, sheet=None)
    assert info.value.parameter == "sheet"
    assert "1: 'Lookup' (hidden, has data)" in str(info.value)
    assert read_workbook(path, sheet="Orders").frame["amount"].tolist() == [4.5]
