"""MRR movements and revenue retention: hand examples and the add-up property."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import retention_kit as rk
from retention_kit import RetentionDataError


def spells(rows):
    return pd.DataFrame({
        "customer_id": [r[0] for r in rows],
        "start_date": pd.to_datetime([r[1] for r in rows]),
        "end_date": pd.to_datetime([r[2] for r in rows]),
        "mrr": [float(r[3]) for r in rows],
    })


def test_hand_computed_march():
    table = spells([
        ("a", "2024-01-01", "2024-03-10", 100), ("a", "2024-03-10", None, 150),  # +50 expansion
        ("b", "2024-01-01", "2024-03-15", 200), ("b", "2024-03-15", None, 120),  # -80 contraction
        ("c", "2024-01-01", "2024-03-20", 60),                                  # churned 60
        ("d", "2024-03-05", None, 40),                                          # new 40
        ("e", "2024-01-01", "2024-02-01", 30), ("e", "2024-03-25", None, 30),   # reactivation 30
        ("f", "2024-02-01", "2024-03-05", 10), ("f", "2024-03-20", None, 10),   # left and back: no change
    ])
    m = rk.mrr_movements(table, observation_end="2024-03-31")
    march = m[m["period"] == pd.Period("2024-03", "M")].iloc[0]
    got = {k: float(march[k]) for k in
           ["mrr_start", "new", "expansion", "contraction", "churned", "reactivation", "mrr_end"]}
    assert got == {"mrr_start": 370.0, "new": 40.0, "expansion": 50.0, "contraction": 80.0,
                   "churned": 60.0, "reactivation": 30.0, "mrr_end": 350.0}
    assert march["gross_revenue_churn"] == pytest.approx(100 * 140 / 370)
    assert march["net_revenue_churn"] == pytest.approx(100 * 90 / 370)


def test_net_revenue_churn_negative_with_net_expansion():
    table = spells([("a", "2024-01-01", "2024-02-10", 100), ("a", "2024-02-10", None, 300),
                    ("b", "2024-01-01", "2024-02-20", 100)])
    feb = rk.mrr_movements(table, observation_end="2024-02-29").iloc[1]
    assert feb["gross_revenue_churn"] == pytest.approx(50.0)
    assert feb["net_revenue_churn"] == pytest.approx(-50.0)


@st.composite
def mrr_tables(draw):
    rows, base = [], pd.Timestamp("2024-01-01")
    for c in range(draw(st.integers(1, 8))):
        t = draw(st.integers(0, 100))
        for _ in range(draw(st.integers(1, 4))):
            start = base + pd.Timedelta(days=t)
            mrr = draw(st.sampled_from([0, 10, 29, 99, 499]))
            length = draw(st.one_of(st.none(), st.integers(1, 90)))
            if length is None:
                rows.append((f"c{c}", start, None, mrr))
                break
            rows.append((f"c{c}", start, start + pd.Timedelta(days=length), mrr))
            t += length + draw(st.sampled_from([0, 0, 5, 40]))
    return spells(rows)


@settings(max_examples=80, deadline=None)
@given(mrr_tables())
def test_movements_always_add_up(table):
    m = rk.mrr_movements(table, observation_end="2024-12-31")
    total = (m["mrr_start"] + m["new"] + m["expansion"] - m["contraction"] - m["churned"]
             + m["reactivation"])
    assert np.allclose(total, m["mrr_end"])
    assert np.allclose(m["mrr_start"].iloc[1:].to_numpy(), m["mrr_end"].iloc[:-1].to_numpy())
    assert (m[["new", "expansion", "contraction", "churned", "reactivation"]] >= 0).all().all()
    undefined = m["mrr_start"] == 0
    assert m.loc[undefined, "net_revenue_churn"].isna().all()
    assert (m.loc[undefined, "note"] != "").all()


def test_revenue_retention_on_sample_is_bounded():
    subs = rk.datasets.load_sample_subscriptions()
    r = rk.revenue_retention(subs, start="2024-07-01", end="2025-07-01")
    assert 0 <= r["grr"] <= 100
    assert r["nrr"] == pytest.approx(100 * r["mrr_end"] / r["mrr_start"])


def test_errors():
    table = spells([("a", "2024-01-01", None, 10)])
    with pytest.raises(RetentionDataError, match="no customer was paying"):
        rk.revenue_retention(table, start="2023-06-01", end="2024-01-15", observation_end="2024-02-01")
    with pytest.raises(RetentionDataError, match="observed only to"):
        rk.revenue_retention(table, start="2024-01-01", end="2025-01-01", observation_end="2024-02-01")
    with pytest.raises(RetentionDataError, match="no 'mrr' column"):
        rk.mrr_movements(table.drop(columns="mrr"))


def test_revenue_retention_table_matches_single_windows():
    subs = rk.datasets.load_sample_subscriptions()
    table = rk.revenue_retention_table(subs, months=12, every=6)
    assert all(e.month in (1, 7) and e.day == 1 for e in table["end"])
    last = table.iloc[-1]
    single = rk.revenue_retention(subs, start=last["start"], end=last["end"])
    assert last["grr"] == pytest.approx(single["grr"]) and last["customers"] == single["customers"]
    with pytest.raises(RetentionDataError, match="months"):
        rk.revenue_retention_table(subs, months=0)


def test_free_plan_turning_paid_is_expansion_not_reactivation():
    table = spells([("a", "2024-01-01", "2024-03-10", 0), ("a", "2024-03-10", None, 50),
                    ("b", "2024-01-01", None, 20)])
    march = rk.mrr_movements(table, observation_end="2024-03-31").iloc[2]
    assert (march["expansion"], march["reactivation"], march["new"]) == (50.0, 0.0, 0.0)
