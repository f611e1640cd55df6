"""simulate_transactions: deterministic, the sizes promised, canonical columns, usable by
the kit, and faithful to the BG/NBD / Gamma-Gamma process it claims to follow."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import retention_kit as rk
from retention_kit import RetentionDataError
from retention_kit.simulate import SIMULATION_DEFAULTS, simulate_transactions


@pytest.fixture(scope="module")
def log():
    return simulate_transactions(20_000, seed=7)


def test_same_seed_same_table_other_seed_other_table(log):
    again = simulate_transactions(20_000, seed=7)
    pd.testing.assert_frame_equal(log, again)
    other = simulate_transactions(20_000, seed=8)
    assert not log["amount"].head(1000).equals(other["amount"].head(1000))


def test_canonical_columns_and_dtypes(log):
    assert list(log.columns) == ["customer_id", "date", "amount"]
    assert log["customer_id"].dtype == np.int64
    assert log["date"].dtype == "datetime64[us]"
    assert log["amount"].dtype == np.float64
    assert isinstance(log.index, pd.RangeIndex)
    assert not log.isna().any().any()
    assert (log["date"] == log["date"].dt.normalize()).all()  # calendar days
    assert log["date"].is_monotonic_increasing
    assert log["date"].min() >= pd.Timestamp("2022-01-01")
    assert log["date"].max() <= pd.Timestamp("2024-12-31")
    assert (log["amount"] >= 0.01).all()
    assert np.allclose(log["amount"], log["amount"].round(2))


def test_sizes_about_ten_purchases_per_customer(log):
    assert log["customer_id"].nunique() == 20_000
    assert sorted(log["customer_id"].unique())[:3] == [1, 2, 3]
    assert 9.0 < len(log) / 20_000 < 11.0
    # ids follow acquisition order: first purchase dates never decrease with the id
    first = log.groupby("customer_id")["date"].min()
    assert first.is_monotonic_increasing


def test_mean_order_value_follows_gamma_gamma(log):
    p, q, gamma = SIMULATION_DEFAULTS["p"], SIMULATION_DEFAULTS["q"], SIMULATION_DEFAULTS["gamma"]
    per_customer = log.groupby("customer_id")["amount"].mean()
    assert per_customer.mean() == pytest.approx(p * gamma / (q - 1), rel=0.05)


@pytest.mark.parametrize("seed", range(5))
def test_rare_buyers_stay_inside_the_window(seed):
    # most customers, the first ones included, never buy again: the repeat times of the
    # others must still be placed inside their own windows
    tx = simulate_transactions(300, seed=seed, r=0.05)
    assert tx["date"].min() >= pd.Timestamp("2022-01-01")
    assert tx["date"].max() <= pd.Timestamp("2024-12-31")
    assert tx.groupby("customer_id")["date"].min().is_monotonic_increasing
    assert (tx.groupby("customer_id").size() > 1).any()


def test_without_dropout_repeats_are_poisson_and_uniform_over_the_window():
    # p ~ Beta(0.001, 1000) is about 1e-6: nobody drops out, so a customer with rate lambda
    # and w weeks left makes Poisson(lambda * w) repeat purchases, spread uniformly
    tx = simulate_transactions(20_000, seed=5, a=0.001, b=1000.0)
    day = (tx["date"] - pd.Timestamp("2022-01-01")).dt.days.to_numpy()
    first = pd.Series(day).groupby(tx["customer_id"].to_numpy()).transform("min").to_numpy()
    n_days = 1096
    repeats = len(tx) - 20_000
    mean_rate = SIMULATION_DEFAULTS["r"] / SIMULATION_DEFAULTS["alpha"]  # per week
    expected = mean_rate * np.mean((n_days - (first[day == first] + 0.5)) / 7.0)
    assert repeats / 20_000 == pytest.approx(expected, rel=0.05)
    later = day > first  # repeat purchases on a later day
    u = (day[later] - first[later]) / (n_days - first[later])
    assert u.mean() == pytest.approx(0.5, abs=0.02)
    assert np.histogram(u, bins=5, range=(0, 1))[0].min() > 0.8 * later.sum() / 5  # no bin starved


def test_window_and_string_ids():
    tx = simulate_transactions(500, seed=3, start="2024-01-01", end="2024-03-31", id_type="str")
    assert tx["date"].min() >= pd.Timestamp("2024-01-01")
    assert tx["date"].max() <= pd.Timestamp("2024-03-31")
    assert pd.api.types.is_string_dtype(tx["customer_id"])
    assert tx["customer_id"].str.fullmatch(r"C\d{7}").all()
    assert tx["customer_id"].nunique() == 500


def test_passes_through_the_kit(log):
    counts = rk.customer_counts(log, freq="M", active_days=90, observation_end="2024-12-31")
    assert len(counts) == 36
    assert (counts["end"] == counts["retained"] + counts["new_active"] + counts["reactivated"]).all()
    assert counts["acquired"].sum() == 20_000  # everybody's first purchase is inside the window
    summary = rk.rfm_summary(log, freq="W", observation_end="2024-12-31")
    assert len(summary) == 20_000
    assert (summary["recency"] <= summary["T"]).all()
    cohorts = rk.cohort_table(log, freq="Q", observation_end="2024-12-31", summary=False)
    assert (cohorts[0] == 100.0).all()


def test_bgnbd_fit_recovers_the_generating_parameters():
    # fractional weeks (days / 7) are close to the continuous time of the process
    tx = simulate_transactions(20_000, seed=11)
    summary = rk.rfm_summary(tx, freq="D", freq_multiplier=7, observation_end="2024-12-31")
    params = rk.fit_bgnbd(summary).params_
    for name in ("r", "alpha", "a", "b"):
        assert params[name] == pytest.approx(SIMULATION_DEFAULTS[name], rel=0.15), name


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n_customers": 0},
        {"n_customers": 2.5},
        {"n_customers": True},
        {"n_customers": 10, "r": -1},
        {"n_customers": 10, "q": 1.0},
        {"n_customers": 10, "start": "2024-02-01", "end": "2024-01-01"},
        {"n_customers": 10, "id_type": "uuid"},
    ],
)
def test_bad_arguments_name_the_parameter(kwargs):
    with pytest.raises(RetentionDataError) as err:
        simulate_transactions(**kwargs)
    name = next(k for k in kwargs if k != "n_customers") if len(kwargs) > 1 else "n_customers"
    assert name in str(err.value)
