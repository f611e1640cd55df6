"""Golden outputs of the loaders on every export the project ships (issue 12: the
loader rewrite must not change a single number).

The goldens in ``tests/data/golden/`` were written by the loader as it was before the
rewrite (``python tests/test_loader_golden.py`` regenerates them; do that only when a
change of output is intended, and say why in the commit). For each case:

- ``NAME.json``: the load report (source, rows_read, rows_kept, excluded, notes), the
  frame's shape, columns, dtypes and the *kind* of each column (text, datetime, float,
  int, bool), and, for large outputs, a sha256 of the canonical rendering plus a few
  summary numbers;
- ``NAME.csv`` (small outputs only): the canonical rendering itself.

The canonical rendering compares values, not pandas' flavour of string dtype: text as
written, datetimes as ``YYYY-MM-DD HH:MM:SS`` (blank for NaT), floats by ``repr`` (exact,
round-trips), ints in decimal, missing values blank.

What is compared exactly: report counts (rows_read, rows_kept, every excluded reason and
its count), source name, columns and their order, each column's kind, every value.
What is compared loosely: the notes, by their number only (the rewrite may reword them).
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import retention_kit as rk

ROOT = Path(__file__).resolve().parent.parent
TESTDATA = ROOT / "tests" / "data"
SAMPLES = ROOT / "data"
GOLDEN = TESTDATA / "golden"
# outputs whose canonical CSV is larger than this are stored as a hash plus summaries
MAX_CSV_BYTES = 400_000


def _toml(name: str, table: str) -> dict:
    options = tomllib.loads((TESTDATA / name).read_text(encoding="utf-8"))[table]
    options["source"] = TESTDATA / options["source"]
    return options


# name -> (loader, options); the options are those the project's own callers use:
# tests/data/*.toml (the command's configs) and the notebooks' / datasets' sample loaders
# (where a notebook and rk.datasets differ only by keep_columns, the larger set is used).
CASES: dict[str, tuple] = {
    "shop_orders_messy": (rk.load_transactions, lambda: _toml("shop.toml", "transactions")),
    "billing_subscriptions": (rk.load_subscriptions, lambda: _toml("billing.toml", "subscriptions")),
    "sample_orders": (rk.load_transactions, lambda: dict(
        source=SAMPLES / "orders.csv", customer_col="customer_id", date_col="order_date",
        amount_col="amount", refunds="exclude", duplicates="exclude",
        keep_columns=["order_id", "channel"])),
    "sample_subscriptions": (rk.load_subscriptions, lambda: dict(
        source=SAMPLES / "subscriptions.csv", keep_columns=["plan", "segment"])),
    "sample_survey": (rk.load_survey, lambda: dict(
        source=SAMPLES / "nps_survey.csv", score_col="score", customer_col="customer_id",
        date_col="response_date", keep_columns=["response_id", "plan", "segment", "region"])),
    "sample_sessions": (rk.load_sessions, lambda: dict(
        source=SAMPLES / "web_sessions.csv", visitor_col="visitor_id", time_col="session_start",
        keep_columns=["session_id", "channel", "pages"])),
}


def kind(dtype) -> str:
    """The semantic kind of a column, whatever pandas' storage flavour."""
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_integer_dtype(dtype):
        return "int"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    if pd.api.types.is_string_dtype(dtype) or dtype == object:
        return "text"
    return str(dtype)


def _render(values: pd.Series) -> list[str]:
    k = kind(values.dtype)
    missing = values.isna().to_numpy()
    if k == "datetime":
        text = np.array(values.dt.strftime("%Y-%m-%d %H:%M:%S").tolist(), dtype=object)
    elif k == "float":
        text = np.array([repr(float(v)) for v in values.to_numpy()], dtype=object)
    else:
        text = np.array([str(v) for v in values.to_numpy(dtype=object)], dtype=object)
    text[missing] = ""
    return text.tolist()


def canonical(df: pd.DataFrame) -> str:
    """The frame as plain text whose equality means equal values, column by column."""
    rendered = pd.DataFrame({col: _render(df[col]) for col in df.columns}, dtype=object)
    return rendered.to_csv(index=False, lineterminator="\n")


def summary(df: pd.DataFrame) -> dict:
    """A few numbers that locate a difference when a hash does not match."""
    out: dict = {}
    for col in df.columns:
        k = kind(df[col].dtype)
        s = df[col]
        if k == "datetime":
            out[col] = {"min": str(s.min()), "max": str(s.max()), "missing": int(s.isna().sum())}
        elif k in ("float", "int"):
            # the sum rounded: a different summation order must not fail the summary
            out[col] = {"sum": f"{float(s.sum()):.6f}", "min": repr(float(s.min())),
                        "max": repr(float(s.max())), "missing": int(s.isna().sum())}
        else:
            out[col] = {"distinct": int(s.nunique()), "missing": int(s.isna().sum()),
                        "first": str(s.iloc[0]), "last": str(s.iloc[-1])}
    return out


def describe(name: str) -> tuple[dict, str]:
    loader, options = CASES[name]
    df = loader(**options())
    report = rk.load_report(df)
    text = canonical(df)
    record = {
        "loader": loader.__name__,
        "report": {
            "source": report.source,
            "rows_read": report.rows_read,
            "rows_kept": report.rows_kept,
            "excluded": dict(report.excluded),
            "notes": list(report.notes),
        },
        "shape": list(df.shape),
        "columns": [str(c) for c in df.columns],
        "kinds": {str(c): kind(df[c].dtype) for c in df.columns},
        "dtypes_when_written": {str(c): str(df[c].dtype) for c in df.columns},
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "summary": summary(df),
        "csv": len(text.encode("utf-8")) <= MAX_CSV_BYTES,
    }
    return record, text


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request):
    name = request.param
    golden = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    record, text = describe(name)
    return name, golden, record, text


def test_report_counts_are_unchanged(case):
    name, golden, record, _ = case
    want, got = golden["report"], record["report"]
    assert got["source"] == want["source"]
    assert (got["rows_read"], got["rows_kept"]) == (want["rows_read"], want["rows_kept"])
    assert got["excluded"] == want["excluded"]
    assert got["rows_read"] == got["rows_kept"] + sum(got["excluded"].values())
    # notes are compared loosely: the rewrite may word them differently
    assert len(got["notes"]) == len(want["notes"]), (got["notes"], want["notes"])


def test_columns_and_kinds_are_unchanged(case):
    name, golden, record, _ = case
    assert record["columns"] == golden["columns"]
    assert record["shape"] == golden["shape"]
    assert record["kinds"] == golden["kinds"]


def test_values_are_unchanged(case):
    name, golden, record, text = case
    if golden["csv"]:
        want = (GOLDEN / f"{name}.csv").read_text(encoding="utf-8")
        if text != want:
            got_lines, want_lines = text.splitlines(), want.splitlines()
            first = next(
                (i for i, (a, b) in enumerate(zip(got_lines, want_lines)) if a != b),
                min(len(got_lines), len(want_lines)),
            )
            pytest.fail(
                f"{name}: output differs from the golden first at CSV line {first + 1}: "
                f"got {got_lines[first:first + 1]}, want {want_lines[first:first + 1]} "
                f"({len(got_lines)} vs {len(want_lines)} lines)"
            )
    else:
        # summaries first: they say where a difference is; the hash then covers every value
        assert record["summary"] == golden["summary"]
        assert record["sha256"] == golden["sha256"]


def test_goldens_exist_for_every_case():
    stored = {p.stem for p in GOLDEN.glob("*.json")}
    assert stored == set(CASES)


def test_canonical_rendering_ignores_string_flavour():
    """The comparison must not depend on object vs str vs Arrow-backed strings."""
    a = pd.DataFrame({"customer_id": pd.Series(["007", "a b"], dtype=object),
                      "date": pd.to_datetime(["2024-01-05", None]).astype("datetime64[us]"),
                      "amount": [0.1 + 0.2, -3.0]})
    b = a.astype({"customer_id": "string[pyarrow]", "date": "datetime64[ns]"})
    assert canonical(a) == canonical(b)
    assert {c: kind(a[c].dtype) for c in a} == {c: kind(b[c].dtype) for c in b}
    # and it does see a change of value, however small
    c = a.copy()
    c.loc[0, "amount"] = 0.3
    assert canonical(a) != canonical(c)


def main() -> None:
    """Write the goldens (only when an output change is intended)."""
    GOLDEN.mkdir(exist_ok=True)
    for name in sorted(CASES):
        record, text = describe(name)
        (GOLDEN / f"{name}.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
        path = GOLDEN / f"{name}.csv"
        if record["csv"]:
            path.write_text(text, encoding="utf-8")
        elif path.exists():
            path.unlink()
        print(f"{name}: {record['shape']}, {len(text.encode()):,} bytes, csv={record['csv']}")


if __name__ == "__main__":
    main()
