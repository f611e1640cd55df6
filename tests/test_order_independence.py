"""Results do not depend on the order of the input rows.

Lazy engines (DuckDB, Polars, Spark) have no row order, and an export sorted another
way is the same data. Every table function gets the bundled samples shuffled (rows
and index) and must return the same table: identical counts, dates, ids and row order;
sums of money equal to floating-point rounding (a sum in another order may differ in
its last bit)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

import retention_kit as rk


@pytest.fixture(scope="module")
def orders():
    return rk.datasets.load_sample_orders()


@pytest.fixture(scope="module")
def subscriptions():
    return rk.datasets.load_sample_subscriptions()


@pytest.fixture(scope="module")
def sessions():
    return rk.datasets.load_sample_sessions()


@pytest.fixture(scope="module")
def survey():
    return rk.datasets.load_sample_survey()


def shuffled(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    out = frame.iloc[rng.permutation(len(frame))].copy()
    out.index = rng.permutation(len(out))  # the index carries no meaning either
    return out


def same(a, b):
    if isinstance(a, pd.DataFrame):
        pdt.assert_frame_equal(a, b, check_exact=False, rtol=1e-12, atol=1e-9)
    elif isinstance(a, pd.Series):
        pdt.assert_series_equal(a, b, check_exact=False, rtol=1e-12, atol=1e-9)
    else:
        assert a == pytest.approx(b, rel=1e-12)


TRANSACTION_CALLS = {
    "customer_counts": lambda t: rk.customer_counts(t, freq="Q", active_days=90),
    "cohort_table customers": lambda t: rk.cohort_table(t, freq="Q", kind="on_or_after"),
    "cohort_table revenue": lambda t: rk.cohort_table(t, freq="Q", values="revenue", normalize=False),
    "cohort_table brackets": lambda t: rk.cohort_table(t, freq="M", brackets=[(0, 0), (1, 3), (4, 12)]),
    "repeat_purchase_rate": lambda t: rk.repeat_purchase_rate(t, within_days=60, freq="Q"),
    "time_to_second_purchase": lambda t: rk.time_to_second_purchase(t),
    "rfm_summary": lambda t: rk.rfm_summary(t, freq="W", observation_end="2025-06-30"),
    "calibration_holdout": lambda t: rk.calibration_holdout(
        t, calibration_end="2024-06-30", observation_end="2025-06-30", monetary=True),
    "rfm_segments": lambda t: rk.rfm_segments(t, observation_end="2025-06-30"),
    "churn_table": lambda t: rk.churn_table(t, freq="Q", active_days=120),
}


@pytest.mark.parametrize("name", sorted(TRANSACTION_CALLS))
def test_transaction_functions(orders, name):
    call = TRANSACTION_CALLS[name]
    expected = call(orders)
    for seed in (1, 2):
        same(call(shuffled(orders, seed)), expected)


SUBSCRIPTION_CALLS = {
    "subscription_counts": lambda s: rk.subscription_counts(s, freq="M"),
    "churn_table": lambda s: rk.churn_table(s, freq="M"),
    "mrr_movements": lambda s: rk.mrr_movements(s, freq="M"),
    "revenue_retention_table": lambda s: rk.revenue_retention_table(s),
    "tenure_table": lambda s: rk.tenure_table(s, observation_end="2025-06-30", by="plan"),
    "kaplan_meier": lambda s: rk.kaplan_meier(s, observation_end="2025-06-30", by="plan"),
}


@pytest.mark.parametrize("name", sorted(SUBSCRIPTION_CALLS))
def test_subscription_functions(subscriptions, name):
    call = SUBSCRIPTION_CALLS[name]
    expected = call(subscriptions)
    for seed in (1, 2):
        same(call(shuffled(subscriptions, seed)), expected)


def test_sessions_and_survey(sessions, survey, subscriptions):
    expected = rk.returning_visitor_rate(sessions, freq="M")
    same(rk.returning_visitor_rate(shuffled(sessions, 3), freq="M"), expected)
    expected = rk.nps_table(survey, freq="Q")
    same(rk.nps_table(shuffled(survey, 3), freq="Q"), expected)
    expected = rk.churn_by_nps_group(survey, subscriptions, months=6, observation_end="2025-06-30")
    got = rk.churn_by_nps_group(shuffled(survey, 4), shuffled(subscriptions, 5), months=6,
                                observation_end="2025-06-30")
    same(got, expected)
