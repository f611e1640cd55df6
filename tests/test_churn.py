"""Churn definitions: a hand-computed month, consistency with customer counts, and a
brute-force day-by-day reference on random subscription tables."""

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
    })


# April 2024 (30 days). S = {A, B, C, F, G} = 5; E = {A, C, E, F, H} = 5.
# Churn events: B (Apr 10), D (Apr 15), C (Apr 20, back on Apr 25), G (Apr 30) = 4.
# Acquired: N = {D, E} = 2, of whom new_active (still active at the end) = {E} = 1.
# H is a win-back.
APRIL = spells([
    ("A", "2024-01-01", None),
    ("B", "2024-01-01", "2024-04-10"),
    ("C", "2024-02-01", "2024-04-20"), ("C", "2024-04-25", None),
    ("D", "2024-04-05", "2024-04-15"),
    ("E", "2024-04-12", None),
    ("F", "2024-03-01", "2024-04-08"), ("F", "2024-04-08", None),  # plan change: not churn
    ("G", "2024-01-01", "2024-04-30"),
    ("H", "2024-01-01", "2024-03-20"), ("H", "2024-04-18", None),
])
# customer-days (customers at the start of each April day):
# A 30, B 10, C 20 + 5, D 10, E 18, F 30, G 30, H 12 = 165 -> 5.5 a day
# daily: B's day 6 active, D's day 6, C's day 6, G's day 6 -> 4/6
EXPECTED = {
    "per_start": 100 * 4 / 5,
    "start_plus_new": 100 * 4 / 7,
    "average": 100 * 4 / 5,
    "customer_days": 100 * 4 / 5.5,
    "daily": 100 * 4 / 6,
    "cohort": 100 * 2 / 5,  # B and G; C came back
    "exclude_new": 100 * 3 / 5,  # B, C, G; D joined and left inside April
    "net_loss": 0.0,
    "complement": 100 - 100 * (5 - 2) / 5,  # CRR = (E - N) / S = (5 - 2) / 5
}


@pytest.mark.parametrize("method", list(EXPECTED))
def test_hand_computed_month(method):
    value = rk.churn_rate(APRIL, start="2024-04-01", end="2024-05-01", method=method)
    assert value == pytest.approx(EXPECTED[method])
    assert type(value) is float


def test_every_method_is_documented():
    assert set(rk.CHURN_METHODS) == set(EXPECTED)
    doc = rk.churn_rate.__doc__
    for method in rk.CHURN_METHODS:
        assert f'``"{method}"``' in doc


def test_table_row_equals_scalar_calls():
    t = rk.churn_table(APRIL, freq="M", observation_end="2024-04-30")
    april = t[t["period"] == pd.Period("2024-04", "M")].iloc[0]
    assert (april["start"], april["end"], april["new_active"], april["acquired"], april["churn_events"]) == (
        5, 5, 1, 2, 4)
    for method, value in EXPECTED.items():
        assert april[method] == pytest.approx(value)


def test_net_loss_turns_negative_when_the_business_grows():
    growing = spells([("a", "2024-01-01", "2024-02-10"), ("b", "2024-01-05", None),
                      ("c", "2024-02-02", None), ("d", "2024-02-03", None)])
    period = {"start": "2024-02-01", "end": "2024-03-01", "observation_end": "2024-02-29"}
    assert rk.churn_rate(growing, method="net_loss", **period) == -50.0
    assert rk.churn_rate(growing, method="per_start", **period) == 50.0


def test_articles_contradiction_on_the_online_shop():
    # S = 1000, N = 200, E = 950: 100 - CRR = 25 %, net loss = 5 %
    assert 100 - rk.crr(1000, 950, 200) == 25.0
    assert 100 * (1000 - 950) / 1000 == 5.0


def test_consistent_with_customer_counts_on_the_sample():
    subs = rk.datasets.load_sample_subscriptions()
    churn = rk.churn_table(subs, freq="M")
    counts = rk.subscription_counts(subs, freq="M")
    ok = counts["start"] > 0
    for column in ("start", "end", "acquired", "new_active"):
        assert (churn[column] == counts[column]).all(), column
    assert np.allclose(churn.loc[ok, "cohort"], 100 - counts.loc[ok, "start_retention"])
    assert np.allclose(churn.loc[ok, "complement"], 100 - counts.loc[ok, "crr"])


def test_transaction_log_through_the_activity_rule():
    # active_days = 10: a buys Jan 1 and Jan 25 -> active Jan 2..11 and Jan 26..Feb 4
    tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
                       "date": pd.to_datetime(["2024-01-01", "2024-01-25", "2024-01-28"])})
    t = rk.churn_table(tx, freq="M", active_days=10, observation_end="2024-02-29")
    feb = t.iloc[1]
    # Feb: S = {a, b}; a lapses on Feb 4, b on Feb 7; nobody at the end
    assert (feb["start"], feb["end"], feb["churn_events"]) == (2, 0, 2)
    assert feb["per_start"] == 100.0 and feb["net_loss"] == 100.0
    jan = t.iloc[0]
    assert jan["churn_events"] == 1  # a's first purchase lapsed on Jan 11
    assert "no customers at the start" in jan["note"] and np.isnan(jan["per_start"])


def test_errors():
    with pytest.raises(RetentionDataError, match="method='weird'"):
        rk.churn_rate(APRIL, start="2024-04-01", end="2024-05-01", method="weird")
    with pytest.raises(RetentionDataError, match="undefined: no customers at the start"):
        rk.churn_rate(APRIL, start="2023-12-01", end="2024-01-01", method="per_start",
                      observation_end="2024-04-30")
    with pytest.raises(RetentionDataError, match="is not after start"):
        rk.churn_rate(APRIL, start="2024-04-01", end="2024-04-01", method="per_start")
    with pytest.raises(RetentionDataError, match="observed only to"):
        rk.churn_rate(APRIL, start="2024-04-01", end="2024-06-01", method="per_start")
    with pytest.raises(RetentionDataError, match="needs no activity rule"):
        rk.churn_table(APRIL, active_days=30)
    tx = pd.DataFrame({"customer_id": ["a"], "date": pd.to_datetime(["2024-01-01"])})
    with pytest.raises(RetentionDataError, match="needs an activity rule"):
        rk.churn_table(tx)


# -- brute force: the active set of every day, by definition -------------------------


def reference(table: pd.DataFrame, p0: pd.Timestamp, p1: pd.Timestamp) -> dict[str, float]:
    def active(t):  # customers with a spell s < t <= e (state after the day before t)
        out = set()
        for c, s, e in zip(table["customer_id"], table["start_date"], table["end_date"]):
            if s < t and (pd.isna(e) or t <= e):
                out.add(c)
        return out

    days = pd.date_range(p0, p1 - pd.Timedelta(days=1))
    sets = {d: active(d) for d in days}
    sets[p1] = active(p1)
    S, E = sets[p0], sets[p1]
    first = table.groupby("customer_id")["start_date"].min()
    acquired = {c for c, d in first.items() if p0 <= d < p1}
    events = [(sets[d] - sets[d + pd.Timedelta(days=1)]) for d in days]
    n_events = sum(len(e) for e in events)
    customer_days = sum(len(sets[d]) for d in days)
    out = {"S": len(S), "E": len(E), "acquired": len(acquired), "events": n_events}
    out["per_start"] = 100 * n_events / len(S) if S else np.nan
    out["start_plus_new"] = 100 * n_events / (len(S) + len(acquired)) if S or acquired else np.nan
    out["average"] = 100 * n_events / ((len(S) + len(E)) / 2) if S or E else np.nan
    out["customer_days"] = 100 * n_events / (customer_days / len(days)) if customer_days else np.nan
    out["daily"] = (100 * sum(len(e) / len(sets[d]) for d, e in zip(days, events) if sets[d])
                    if any(sets[d] for d in days) else np.nan)
    out["cohort"] = 100 * len(S - E) / len(S) if S else np.nan
    out["exclude_new"] = 100 * sum(len(e & S) for e in events) / len(S) if S else np.nan
    out["net_loss"] = 100 * (len(S) - len(E)) / len(S) if S else np.nan
    out["complement"] = 100 - 100 * (len(E) - len(acquired)) / len(S) if S else np.nan
    return out


@st.composite
def spell_tables(draw):
    rows = []
    base = pd.Timestamp("2024-01-01")
    for c in range(draw(st.integers(1, 6))):
        t = draw(st.integers(0, 60))
        for _ in range(draw(st.integers(1, 3))):
            length = draw(st.one_of(st.none(), st.integers(0, 40)))
            start = base + pd.Timedelta(days=t)
            if length is None:
                rows.append((f"c{c}", start, None))
                break
            rows.append((f"c{c}", start, start + pd.Timedelta(days=length)))
            t += length + draw(st.integers(0, 15))  # 0: a plan change on the same day
    return spells(rows)


@settings(max_examples=60, deadline=None)
@given(spell_tables())
def test_matches_day_by_day_reference(table):
    p0, p1 = pd.Timestamp("2024-02-01"), pd.Timestamp("2024-03-01")
    t = rk.churn_table(table, freq="M", observation_end="2024-04-30")
    row = t[t["period"] == pd.Period("2024-02", "M")]
    ref = reference(table, p0, p1)
    if row.empty:  # February is before the first spell's month
        assert table["start_date"].min() >= p1
        return
    row = row.iloc[0]
    assert (row["start"], row["end"], row["acquired"], row["churn_events"]) == (
        ref["S"], ref["E"], ref["acquired"], ref["events"])
    for method in rk.CHURN_METHODS:
        if np.isnan(ref[method]):
            assert np.isnan(row[method]) and row["note"]
        else:
            assert row[method] == pytest.approx(ref[method]), method


def test_spell_ending_before_it_starts_is_refused_even_without_the_loader():
    bad = spells([("a", "2024-03-10", "2024-03-01"), ("b", "2024-01-01", None)])
    with pytest.raises(RetentionDataError, match="end before they start"):
        rk.churn_table(bad, observation_end="2024-04-30")


def test_same_day_cancellations_are_reported_by_the_loader():
    table = spells([("a", "2024-03-10", "2024-03-10"), ("b", "2024-01-01", None)])
    loaded = rk.load_subscriptions(table, mrr_col=None)
    assert any("1 spell starts and ends on the same day" in n for n in rk.load_report(loaded).notes)
