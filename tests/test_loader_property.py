"""Property tests of the transaction loader: random messy exports whose truth the
generator knows, loaded with every exclusion switched on.

Each example writes a CSV (separator ',', ';' or tab, left for the loader to sniff) with
an order number, a customer id (some with spaces around, some blank), an ISO date, an
amount (plain, with a currency sign, with thousands separators, negative for refunds)
and optionally a quoted notes column holding newlines, separators and quotes; some rows
are exact repeats of earlier rows. The order number is unique per original record, so
rows equal after normalisation are exactly the repeated rows, today and after the
issue-11 change to duplicate detection.

The generator's accounting follows the loader's order of checks: blank ids, then dates,
then amounts, then duplicates (among rows still kept, the first occurrence kept), then
refunds. A repeated blank-id row counts as a blank id; a repeat of a refund counts as a
duplicate.
"""

from __future__ import annotations

import csv
import io
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import retention_kit as rk

BLANK = "blank customer id"
DUPLICATE = "duplicate row (identical in every column to an earlier row)"
REFUND = "refund (negative amount)"
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# while the blank-line property is an expected failure, shrinking its failures only costs time
NO_SHRINK = settings(SETTINGS, phases=[Phase.explicit, Phase.reuse, Phase.generate])


@dataclass(frozen=True)
class Record:
    order: str
    raw_id: str
    date: str
    cents: int
    amount_text: str
    note: str | None

    @property
    def blank(self) -> bool:
        return self.raw_id.strip() == ""


def _amount_text(cents: int, style: str) -> str:
    value = Decimal(abs(cents)) / 100
    sign = "-" if cents < 0 else ""
    if style == "plain":
        number = format(value.normalize(), "f")  # '12.5', '12', '0.07'
        return sign + number
    two = f"{value:.2f}"
    if style == "grouped":
        return sign + f"{value:,.2f}"  # '1,234.50': the '.' settles which separator is decimal
    if style == "dollar":
        return f"{sign}${two}"
    if style == "euro":
        return f"{sign}{two} €"
    return f"{sign}{two} EUR"


ids = st.sampled_from([f"c{i:02d}" for i in range(8)] + ["jane@example.com", "007", "A-17"])
id_text = st.one_of(
    ids,  # plain
    st.tuples(st.sampled_from([" ", "  "]), ids, st.sampled_from(["", " ", "  "])).map(
        lambda t: t[0] + t[1] + t[2]
    ),  # spaces before (and maybe after)
    ids.map(lambda s: s + "  "),  # spaces after
    st.sampled_from(["", " ", "   "]),  # blank
)
dates = st.dates(min_value=pd.Timestamp("2005-01-01").date(), max_value=pd.Timestamp("2024-12-31").date())
cents = st.one_of(st.integers(1, 999_999), st.integers(-99_999, -1), st.just(0))
# one currency per file, as real exports write it (a column mixing currencies is refused);
# '€' and 'EUR' are the same currency
currencies = st.sampled_from([("dollar",), ("euro", "code")])
notes = st.text(alphabet=st.sampled_from(list("ab xy,;\t\"\n")), max_size=12)


@st.composite
def records(draw, with_notes: bool) -> list[Record]:
    n = draw(st.integers(1, 25))
    styles = st.sampled_from(["plain", "grouped", *draw(currencies)])
    out: list[Record] = []
    for i in range(n):
        c = draw(cents)
        out.append(Record(
            order=f"O{i:03d}",
            raw_id=draw(id_text),
            date=draw(dates).isoformat(),
            cents=c,
            amount_text=_amount_text(c, draw(styles)),
            note=draw(notes) if with_notes else None,
        ))
    # exact repeats of earlier rows, inserted anywhere after their original
    for _ in range(draw(st.integers(0, 5))):
        source = draw(st.integers(0, len(out) - 1))
        at = draw(st.integers(source + 1, len(out)))
        out.insert(at, out[source])
    return out


@st.composite
def exports(draw):
    sep = draw(st.sampled_from([",", ";", "\t"]))
    rows = draw(records(with_notes=draw(st.booleans())))
    return sep, rows


def render(sep: str, rows: list[Record]) -> list[str]:
    """The CSV lines (header first), each ending with a newline; quoted fields may span lines."""
    with_notes = rows[0].note is not None
    header = ["order", "customer", "date", "amount"] + (["notes"] if with_notes else [])
    out = []
    for fields in [header] + [
        [r.order, r.raw_id, r.date, r.amount_text] + ([r.note] if with_notes else []) for r in rows
    ]:
        buf = io.StringIO()
        csv.writer(buf, delimiter=sep, lineterminator="\n", quoting=csv.QUOTE_MINIMAL).writerow(fields)
        out.append(buf.getvalue())
    return out


def truth(rows: list[Record]) -> tuple[dict[str, int], pd.DataFrame]:
    """The excluded counts by reason and the kept rows, by the loader's order of checks."""
    excluded = {BLANK: 0, DUPLICATE: 0, REFUND: 0}
    seen: set[Record] = set()
    kept = []
    for r in rows:
        if r.blank:
            excluded[BLANK] += 1
        elif r in seen:
            excluded[DUPLICATE] += 1
        else:
            seen.add(r)
            if r.cents < 0:
                excluded[REFUND] += 1
            else:
                kept.append((r.raw_id.strip(), pd.Timestamp(r.date), r.cents / 100))
    frame = pd.DataFrame(kept, columns=["customer_id", "date", "amount"])
    return {k: v for k, v in excluded.items() if v}, frame


def load(text: str):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.csv"
        path.write_text(text, encoding="utf-8")
        return rk.load_transactions(
            path, customer_col="customer", date_col="date", amount_col="amount",
            blank_ids="exclude", duplicates="exclude", refunds="exclude",
        )


def check(df: pd.DataFrame, rows: list[Record]) -> None:
    report = rk.load_report(df)
    excluded, want = truth(rows)
    assert report.rows_read == len(rows)
    assert report.rows_read == report.rows_kept + sum(report.excluded.values())
    assert report.excluded == excluded
    assert report.rows_kept == len(want) == len(df)
    assert df["customer_id"].astype(str).tolist() == want["customer_id"].tolist()
    assert [pd.Timestamp(d) for d in df["date"]] == want["date"].tolist()
    assert df["amount"].astype(float).tolist() == want["amount"].tolist()


@SETTINGS
@given(exports())
def test_messy_export_is_accounted_for_row_by_row(export):
    sep, rows = export
    check(load("".join(render(sep, rows))), rows)


@NO_SHRINK
@given(exports(), st.data())
def test_blank_lines_are_not_rows(export, data):
    """Blank lines in the middle and at the end are skipped: not read, not excluded."""
    sep, rows = export
    lines = render(sep, rows)
    # a blank line may go between two records (never inside a quoted field) and at the end
    gaps = data.draw(st.lists(st.integers(1, len(lines)), min_size=1, max_size=4), label="gaps")
    trailing = data.draw(st.integers(0, 2), label="trailing")
    pieces = []
    for i, line in enumerate(lines):
        pieces.append("\n" * gaps.count(i) + line)
    text = "".join(pieces) + "\n" * (gaps.count(len(lines)) + trailing)
    check(load(text), rows)


def test_generator_counts_classes_in_the_loaders_order():
    """The truth function itself: a repeated blank row is a blank id, a repeated refund a duplicate."""
    blank = Record("O1", "  ", "2024-01-01", 100, "1", None)
    refund = Record("O2", "a", "2024-01-02", -100, "-1", None)
    good = Record("O3", " b ", "2024-01-03", 250, "2.5", None)
    excluded, kept = truth([blank, blank, refund, refund, good, good])
    assert excluded == {BLANK: 2, REFUND: 1, DUPLICATE: 2}
    assert kept.values.tolist() == [["b", pd.Timestamp("2024-01-03"), 2.5]]
