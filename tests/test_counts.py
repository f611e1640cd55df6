"""customer_counts / subscription_counts: hand-computed fixtures, invariants, and a
brute-force reference implementation compared on random logs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import retention_kit as rk
from retention_kit import RetentionDataError

FLOWS = ["start", "new_active", "end", "retained", "reactivated", "lost", "acquired"]


def tx(rows):
    return pd.DataFrame(
        {"customer_id": [c for c, _ in rows], "date": pd.to_datetime([d for _, d in rows])}
    )


def test_hand_computed_quarters():
    # active_days = 100; quarters of 2024. Snapshots: Apr 1, Jul 1, Oct 1, Jan 1.
    log = tx([
        ("a", "2024-01-15"),  # a: active at Apr 1 (77 days), not at Jul 1
        ("a", "2024-08-01"),  # a comes back in Q3: reactivated (active at Oct 1, 61 days)
        ("b", "2024-02-01"),  # b: active at Apr 1 (60 days)
        ("b", "2024-05-01"),  # b: still active at Jul 1 (61 days); gone by Oct 1 (153 days)
        ("c", "2024-06-20"),  # c: new in Q2 (active at Jul 1), gone by Oct 1 (103 days)
        ("d", "2024-12-30"),  # d: new in Q4
    ])
    t = rk.customer_counts(log, freq="Q", active_days=100, observation_end="2024-12-31")
    got = t[["start", "new_active", "end", "retained", "reactivated", "lost", "acquired"]].to_numpy().tolist()
    assert [str(p) for p in t["period"]] == ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]
    assert got == [
        # S  N  E  ret react lost acq
        [0, 2, 2, 0, 0, 0, 2],  # Q1: a, b new
        [2, 1, 2, 1, 0, 1, 1],  # Q2: b retained, a lost, c new
        [2, 0, 1, 0, 1, 2, 0],  # Q3: a reactivated; b and c lost (c's June 20 is 103 days old)
        [1, 1, 1, 0, 0, 1, 1],  # Q4: a lost (Aug 1 is 153 days old by Jan 1), d new
    ]
    assert np.isnan(t.loc[0, "crr"])
    assert t.loc[1, "crr"] == pytest.approx(50.0)  # (2 - 1) / 2
    assert t.loc[2, "crr"] == pytest.approx(50.0)  # (1 - 0) / 2: all of it a reactivation
    assert t.loc[2, "start_retention"] == pytest.approx(0.0)
    assert t.attrs["activity_rule"].endswith("at most 100 days old")


def test_boundary_day_belongs_to_the_new_period():
    # A purchase on the first day of a period is in that period, not the one before.
    log = tx([("a", "2024-01-10"), ("b", "2024-02-01")])
    t = rk.customer_counts(log, freq="M", active_days=400, observation_end="2024-02-29")
    assert t["new_active"].tolist() == [1, 1]
    assert t["end"].tolist() == [1, 2]


def test_activity_window_edges():
    # bought on Jan 1 with active_days = 31: counted on Feb 1 (31 days later), gone Mar 1
    log = tx([("a", "2024-01-01")])
    t = rk.customer_counts(log, freq="M", active_days=31, observation_end="2024-02-29")
    assert t["end"].tolist() == [1, 0]
    t = rk.customer_counts(log, freq="M", active_days=30, observation_end="2024-02-29")
    assert t["end"].tolist() == [0, 0]
    assert t["acquired"].tolist() == [1, 0]  # acquired and lapsed inside January


def test_crr_charges_new_customers_lost_inside_the_period():
    # quarterly periods, a 30-day rule: x stays all quarter; y and z join in Q1 and are
    # still counted at its end; in Q2, w joins on Apr 2 and lapses (30 days) before Jul 1
    log = tx([
        ("x", "2024-01-05"), ("x", "2024-03-20"), ("x", "2024-06-20"),
        ("y", "2024-03-10"), ("y", "2024-06-25"),
        ("z", "2024-03-15"),
        ("w", "2024-04-02"),
        ("v", "2024-06-10"),
    ])
    t = rk.customer_counts(log, freq="Q", active_days=30, observation_end="2024-06-30")
    q2 = t.iloc[1]
    # S = {x, y, z}; E = {x, y, v}; acquired = {w, v}, of whom only v is still counted
    assert (q2["start"], q2["acquired"], q2["new_active"], q2["end"]) == (3, 2, 1, 3)
    assert (q2["retained"], q2["reactivated"], q2["lost"]) == (2, 0, 1)
    assert q2["crr"] == pytest.approx(100 * (3 - 2) / 3)  # 33.3: w is charged against S
    assert q2["start_retention"] == pytest.approx(100 * 2 / 3)  # 66.7 of S kept
    check_invariants(t)


def test_crr_can_be_negative_when_newcomers_lapse():
    # one starting customer lost; three acquired in February, all lapsed inside it
    log = tx([("a", "2024-01-25"), ("b", "2024-02-01"), ("c", "2024-02-02"), ("d", "2024-02-03")])
    t = rk.customer_counts(log, freq="M", active_days=10, observation_end="2024-02-29")
    feb = t.iloc[1]
    assert (feb["start"], feb["acquired"], feb["new_active"], feb["end"]) == (1, 3, 0, 0)
    assert feb["crr"] == -300.0
    assert feb["start_retention"] == 0.0


def test_incomplete_last_period_is_left_out():
    log = tx([("a", "2024-01-10"), ("a", "2024-03-15")])
    with pytest.raises(RetentionDataError, match="no complete period"):
        rk.customer_counts(log, freq="Q", active_days=90)  # Q1 ends Mar 31, the data Mar 15
    t = rk.customer_counts(log, freq="M", active_days=90)
    assert [str(p) for p in t["period"]] == ["2024-01", "2024-02"]


def test_purchases_after_observation_end_are_ignored():
    log = tx([("a", "2024-01-10"), ("b", "2024-02-10")])
    t = rk.customer_counts(log, freq="M", active_days=90, observation_end="2024-01-31")
    assert t["end"].tolist() == [1]


@pytest.mark.parametrize("freq", ["W", "M", "Q", "Y", "D", "month", "quarter"])
def test_all_frequencies_keep_invariants(freq):
    rng = np.random.default_rng(1)
    dates = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 900, 400), unit="D")
    log = pd.DataFrame({"customer_id": rng.integers(0, 60, 400).astype(str), "date": dates})
    t = rk.customer_counts(log, freq=freq, active_days=45)
    check_invariants(t)


def test_weeks_start_on_configured_day():
    log = tx([("a", "2024-01-01"), ("a", "2024-01-20")])  # 2024-01-01 is a Monday
    monday = rk.customer_counts(log, freq="W", active_days=7)
    sunday = rk.customer_counts(log, freq="W", active_days=7, week_start="SUN")
    assert monday["period"].iloc[0].start_time == pd.Timestamp("2024-01-01")
    assert sunday["period"].iloc[0].start_time == pd.Timestamp("2023-12-31")


def check_invariants(t):
    assert (t["end"] == t["retained"] + t["new_active"] + t["reactivated"]).all()
    assert (t["start"] == t["retained"] + t["lost"]).all()
    assert (t["start"].iloc[1:].to_numpy() == t["end"].iloc[:-1].to_numpy()).all()
    assert (t[FLOWS] >= 0).all().all()
    assert (t["new_active"] <= t["acquired"]).all()
    has_start = t["start"] > 0
    assert t.loc[~has_start, "crr"].isna().all()
    assert t.loc[~has_start, "start_retention"].isna().all()
    # crr is the articles' (E - N) / S with N = every customer acquired in the period
    expected = 100 * (t["end"] - t["acquired"]) / t["start"]
    assert np.allclose(t.loc[has_start, "crr"], expected[has_start])
    # and differs from the retention of the starting customers by win-backs credited
    # minus newcomers lost inside the period
    gap = 100 * (t["reactivated"] - (t["acquired"] - t["new_active"])) / t["start"]
    assert np.allclose((t["crr"] - t["start_retention"])[has_start], gap[has_start])


# -- an independent, deliberately naive implementation --------------------------------


def reference_counts(log: pd.DataFrame, alias: str, active_days: int, end: str) -> pd.DataFrame:
    """Sets of active customers at every period boundary, by brute force."""
    end = pd.Timestamp(end)
    periods = pd.period_range(log["date"].min(), end, freq=alias)
    if periods[-1].end_time.normalize() > end:
        periods = periods[:-1]
    purchases = {}
    for c, d in zip(log["customer_id"], log["date"].dt.normalize()):
        if d <= end:
            purchases.setdefault(c, []).append(d)
    first = {c: min(ds) for c, ds in purchases.items()}

    def active(at):
        lo = at - pd.Timedelta(days=active_days)
        return {c for c, ds in purchases.items() if any(lo <= d < at for d in ds)}

    rows = []
    for p in periods:
        p0, p1 = p.start_time, (p + 1).start_time
        s, e = active(p0), active(p1)
        entered = e - s
        rows.append({
            "start": len(s), "end": len(e), "retained": len(s & e), "lost": len(s - e),
            "new_active": sum(1 for c in entered if first[c] >= p0),
            "reactivated": sum(1 for c in entered if first[c] < p0),
            "acquired": sum(1 for c in first.values() if p0 <= c < p1),
        })
    return pd.DataFrame(rows, columns=FLOWS)


logs = st.lists(
    st.tuples(st.integers(0, 12), st.integers(0, 500), st.integers(0, 24 * 60 - 1)),
    min_size=1, max_size=60,
).map(lambda rows: pd.DataFrame({
    "customer_id": [f"c{c}" for c, _, _ in rows],
    "date": pd.Timestamp("2023-01-01")
    + pd.to_timedelta([d for _, d, _ in rows], unit="D")
    + pd.to_timedelta([m for _, _, m in rows], unit="min"),
}))

FREQS = {  # kit freq and week start -> pandas alias used by the reference
    ("W", "MON"): "W-SUN", ("W", "SUN"): "W-SAT", ("W", "WED"): "W-TUE",
    ("M", "MON"): "M", ("Q", "MON"): "Q-DEC", ("Y", "MON"): "Y-DEC", ("D", "MON"): "D",
}


@settings(max_examples=80, deadline=None)
@given(log=logs, active_days=st.integers(1, 200), freq=st.sampled_from(sorted(FREQS)),
       end_day=st.integers(380, 560))
def test_matches_brute_force_reference(log, active_days, freq, end_day):
    end = (pd.Timestamp("2023-01-01") + pd.Timedelta(days=end_day)).strftime("%Y-%m-%d")
    kind, week_start = freq
    if kind == "D":
        log = log[log["date"] >= pd.Timestamp(end) - pd.Timedelta(days=60)]  # keep it small
        if log.empty:
            return
    try:
        t = rk.customer_counts(log, freq=kind, active_days=active_days, observation_end=end,
                               week_start=week_start)
    except RetentionDataError as err:  # no complete period between first purchase and end
        assert "no complete period" in str(err) or "before the first event" in str(err)
        return
    ref = reference_counts(log, FREQS[freq], active_days, end)
    assert t[FLOWS].to_numpy().tolist() == ref.to_numpy().tolist()
    check_invariants(t)


def test_requires_canonical_columns():
    with pytest.raises(RetentionDataError, match="load_transactions"):
        rk.customer_counts(pd.DataFrame({"client": ["a"], "when": ["2024-01-01"]}), freq="M", active_days=30)


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "365"])
def test_active_days_must_be_positive_whole_number(bad):
    with pytest.raises(RetentionDataError, match="active_days"):
        rk.customer_counts(tx([("a", "2024-01-01")]), freq="M", active_days=bad)


def test_unknown_freq():
    with pytest.raises(RetentionDataError, match="freq='fortnight'"):
        rk.customer_counts(tx([("a", "2024-01-01")]), freq="fortnight", active_days=30)


def test_empty_table():
    with pytest.raises(RetentionDataError, match="empty"):
        rk.customer_counts(tx([]).astype({"date": "datetime64[us]"}), freq="M", active_days=30)


def test_observation_end_before_data():
    with pytest.raises(RetentionDataError, match="before the first event"):
        rk.customer_counts(tx([("a", "2024-05-01")]), freq="M", active_days=30, observation_end="2024-01-01")


# -- subscriptions --------------------------------------------------------------------


def spells(rows):
    return pd.DataFrame({
        "customer_id": [r[0] for r in rows],
        "start_date": pd.to_datetime([r[1] for r in rows]),
        "end_date": pd.to_datetime([r[2] for r in rows]),
    })


def test_subscription_plan_change_is_not_churn():
    t = rk.subscription_counts(
        spells([("a", "2024-01-10", "2024-02-15"), ("a", "2024-02-15", None)]),
        freq="M", observation_end="2024-03-31",
    )
    assert t["lost"].tolist() == [0, 0, 0]
    assert t["end"].tolist() == [1, 1, 1]


def test_subscription_gap_is_reactivation_and_same_day_spell_never_counts():
    t = rk.subscription_counts(
        spells([
            ("a", "2024-01-10", "2024-02-05"),
            ("a", "2024-03-01", None),  # back after a gap: reactivation in March
            ("b", "2024-01-20", "2024-01-20"),  # started and ended the same day
        ]),
        freq="M", observation_end="2024-03-31",
    )
    assert t[["start", "new_active", "end", "reactivated", "lost", "acquired"]].to_numpy().tolist() == [
        [0, 1, 1, 0, 0, 2],
        [1, 0, 0, 0, 1, 0],
        [0, 0, 1, 1, 0, 0],
    ]
    assert np.isnan(t.loc[2, "crr"])  # no customers at the start of March: undefined


def test_spell_ending_on_last_day_of_period_is_lost_in_that_period():
    # end_date is the first day without the subscription: ending Mar 31 means not active
    # at the end of March
    t = rk.subscription_counts(spells([("a", "2024-01-10", "2024-03-31")]), freq="M",
                               observation_end="2024-03-31")
    assert t["end"].tolist() == [1, 1, 0]
    assert t["lost"].tolist() == [0, 0, 1]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 8), st.integers(0, 400), st.one_of(st.none(), st.integers(0, 200))),
                min_size=1, max_size=40))
def test_subscription_invariants(rows):
    base = pd.Timestamp("2023-01-01")
    table = spells([
        (f"c{c}", base + pd.Timedelta(days=s), None if length is None else base + pd.Timedelta(days=s + length))
        for c, s, length in rows
    ])
    t = rk.subscription_counts(table, freq="M", observation_end="2024-12-31")
    check_invariants(t)


def test_missing_customer_ids_are_refused_not_miscounted():
    log = pd.DataFrame({"customer_id": ["a", None, "b"],
                        "date": pd.to_datetime(["2024-01-05", "2024-01-06", "2024-03-05"])})
    with pytest.raises(RetentionDataError, match="no customer id"):
        rk.customer_counts(log, freq="M", active_days=30)


@pytest.mark.parametrize("bad", ["", "soon", pd.NaT])
def test_bad_observation_end(bad):
    with pytest.raises(RetentionDataError, match="observation_end"):
        rk.customer_counts(tx([("a", "2024-01-01")]), freq="M", active_days=30, observation_end=bad)


def test_time_zone_aware_dates_use_local_days():
    log = tx([("a", "2024-01-31 23:30"), ("b", "2024-02-15 12:00")])
    log["date"] = log["date"].dt.tz_localize("America/New_York")
    t = rk.customer_counts(log, freq="M", active_days=60, observation_end="2024-02-29")
    assert t["new_active"].tolist() == [1, 1]  # a bought on Jan 31 on their own clock


def reference_subscription_counts(table: pd.DataFrame, end: str) -> pd.DataFrame:
    end = pd.Timestamp(end)
    periods = pd.period_range(table["start_date"].min(), end, freq="M")
    if periods[-1].end_time.normalize() > end:
        periods = periods[:-1]
    first = table.groupby("customer_id")["start_date"].min()

    def active(t):  # the state after the day before t: a spell with s < t <= e
        return {c for c, s, e in zip(table["customer_id"], table["start_date"], table["end_date"])
                if s < t and (pd.isna(e) or t <= e)}

    rows = []
    for p in periods:
        p0, p1 = p.start_time, (p + 1).start_time
        s, e = active(p0), active(p1)
        rows.append({
            "start": len(s), "end": len(e), "retained": len(s & e), "lost": len(s - e),
            "new_active": sum(1 for c in e - s if first[c] >= p0),
            "reactivated": sum(1 for c in e - s if first[c] < p0),
            "acquired": int(((first >= p0) & (first < p1)).sum()),
        })
    return pd.DataFrame(rows, columns=FLOWS)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 8), st.integers(0, 400), st.one_of(st.none(), st.integers(0, 200))),
                min_size=1, max_size=30))
def test_subscription_counts_match_brute_force(rows):
    base = pd.Timestamp("2023-01-01")
    table = spells([
        (f"c{c}", base + pd.Timedelta(days=s), None if length is None else base + pd.Timedelta(days=s + length))
        for c, s, length in rows
    ])
    end = "2024-12-31"
    t = rk.subscription_counts(table, freq="M", observation_end=end)
    ref = reference_subscription_counts(table, end)
    assert t[FLOWS].to_numpy().tolist() == ref.to_numpy().tolist()
