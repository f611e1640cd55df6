"""Bundled data: the real CDNOW log and the synthetic samples, with their documented
sizes and checksums."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import retention_kit as rk

DATA = Path(__file__).resolve().parent.parent / "data"


def test_cdnow_full_log():
    tx = rk.datasets.load_cdnow()
    assert len(tx) == 69_659
    assert tx["customer_id"].nunique() == 23_570
    assert tx["date"].min() == pd.Timestamp("1997-01-01")
    assert tx["date"].max() == pd.Timestamp("1998-06-30")
    # everyone in the log first bought in the first quarter of 1997
    assert tx.groupby("customer_id")["date"].min().max() < pd.Timestamp("1997-04-01")
    assert tx["amount"].min() == 0.0
    report = rk.load_report(tx)
    assert report.source == "CDNOW_master.txt"
    assert report.rows_read == report.rows_kept == 69_659
    assert any("255 rows identical" in n for n in report.notes)
    assert any("80 zero-value" in n for n in report.notes)


def test_cdnow_sample_matches_published_summary():
    tx = rk.datasets.load_cdnow(sample=True)
    assert len(tx) == 6_919
    assert tx["customer_id"].nunique() == 2_357
    assert list(tx.columns) == ["customer_id", "date", "amount", "cds", "master_id"]
    # customer 0001 is the paper's worked customer: in the 39-week calibration period
    # (1997-01-01 .. 1997-09-30) 2 repeat purchases, the last 30.43 weeks after the first
    first = tx[(tx["customer_id"] == "0001") & (tx["date"] < "1997-10-01")]
    assert first["date"].nunique() == 3
    recency_weeks = (first["date"].max() - first["date"].min()).days / 7
    assert round(recency_weeks, 2) == 30.43


def test_cdnow_never_imports_lifetimes_datasets_or_pkg_resources():
    code = (
        "import sys, retention_kit as rk; rk.datasets.load_cdnow(sample=True); "
        "bad = [m for m in ('lifetimes.datasets', 'pkg_resources') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-W", "error::DeprecationWarning", "-c", code],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def readme_table() -> dict[str, dict[str, str]]:
    text = (DATA / "README.md").read_text(encoding="utf-8")
    rows = {}
    for line in text.splitlines():
        m = re.match(r"\| `(\w+\.csv)` \| ([\d,]+) \| .*? \| ([\d,]+) \| `([0-9a-f]{64})` \|", line)
        if m:
            rows[m.group(1)] = {"rows": m.group(2), "bytes": m.group(3), "sha256": m.group(4)}
    return rows


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_readme_documents_every_sample_with_true_numbers():
    table = readme_table()
    assert set(table) == {"orders.csv", "subscriptions.csv", "nps_survey.csv", "web_sessions.csv",
                          "iran_orders.csv"}
    for name, row in table.items():
        path = DATA / name
        assert sha256(path) == row["sha256"], f"{name}: checksum differs from data/README.md"
        assert path.stat().st_size == int(row["bytes"].replace(",", ""))
        with path.open(encoding="utf-8") as f:
            assert sum(1 for _ in f) - 1 == int(row["rows"].replace(",", ""))


def test_generator_reproduces_the_committed_files(tmp_path):
    result = subprocess.run([sys.executable, str(DATA / "generate.py"), "--out", str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    for name, row in readme_table().items():
        assert sha256(tmp_path / name) == row["sha256"], (
            f"{name}: the seeded generator no longer reproduces the committed file "
            "(a changed generator, or a numpy/pandas release that changed random streams "
            "or CSV formatting)"
        )


def test_sample_loaders_account_for_every_row():
    orders = rk.datasets.load_sample_orders()
    report = rk.load_report(orders)
    assert report.rows_read == 47_992
    assert report.excluded == {
        "duplicate row (identical in every column to an earlier row)": 25,
        "refund (negative amount)": 528,
    }
    assert (orders["amount"] > 0).all()
    subs = rk.datasets.load_sample_subscriptions()
    assert len(subs) == 5_412 and subs["customer_id"].nunique() == 4_000
    survey = rk.datasets.load_sample_survey()
    assert len(survey) == 5_452 and set(survey["score"]) == set(range(11))
    assert set(survey["region"]) == {"EMEA", "AMER", "APAC"}
    sessions = rk.datasets.load_sample_sessions()
    assert len(sessions) == 55_122


def test_survey_customers_come_from_the_subscription_table():
    subs = rk.datasets.load_sample_subscriptions()
    survey = rk.datasets.load_sample_survey()
    assert set(survey["customer_id"]) <= set(subs["customer_id"])


def test_subscription_sample_counts_are_consistent():
    t = rk.subscription_counts(rk.datasets.load_sample_subscriptions(), freq="M")
    assert (t["end"] == t["retained"] + t["new_active"] + t["reactivated"]).all()
    assert t["reactivated"].sum() > 0 and t["lost"].sum() > 0


def test_unknown_sample_name():
    with pytest.raises(rk.RetentionDataError, match="expected one of"):
        rk.datasets.sample_path("customers")
