"""kpi_table, kpi_headline and clv_headline on small hand-computed fixtures."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import retention_kit as rk
from retention_kit import kpi as kpi_module


@pytest.fixture
def tx() -> pd.DataFrame:
    # a: Jan 10, Feb 5; b: Jan 20, Mar 25; c: Feb 15 (the CRR notebook's hand example, with amounts)
    return pd.DataFrame({
        "customer_id": ["a", "b", "a", "c", "b"],
        "date": pd.to_datetime(["2024-01-10", "2024-01-20", "2024-02-05", "2024-02-15", "2024-03-25"]),
        "amount": [10.0, 20.0, 30.0, 40.0, 50.0],
    })


@pytest.fixture
def spells() -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": ["a", "a", "b", "c"],
        "start_date": pd.to_datetime(["2024-01-01", "2024-02-10", "2024-01-05", "2024-02-03"]),
        "end_date": pd.to_datetime(["2024-02-10", None, "2024-02-20", None]),
        "mrr": [100.0, 150.0, 50.0, 30.0],
    })


@pytest.fixture
def survey() -> pd.DataFrame:
    return pd.DataFrame({
        "score": [10, 9, 3, 8, 10, 6, 7],
        "date": pd.to_datetime(["2024-01-05", "2024-01-20", "2024-02-02", "2024-01-09",
                                "2024-02-11", "2024-02-28", "2024-02-15"]),
    })


@pytest.fixture
def sessions() -> pd.DataFrame:
    return pd.DataFrame({
        "visitor_id": ["v1", "v2", "v1", "v3", "v2"],
        "date": pd.to_datetime(["2024-01-03", "2024-01-20", "2024-02-02", "2024-02-10", "2024-02-28"]),
    })


def test_transactions_by_hand(tx):
    k = rk.kpi_table(transactions=tx, freq="M", active_days=31, observation_end="2024-03-31")
    assert [str(p) for p in k["period"]] == ["2024-01", "2024-02", "2024-03"]
    # Feb 1: a, b count (S=2); Mar 1: a, c (E=2, c new, b lost); Apr 1: b only (a, c lost, b back)
    assert k["customers_start"].tolist() == [0, 2, 2]
    assert k["customers_new"].tolist() == [2, 1, 0]
    assert k["customers_end"].tolist() == [2, 2, 1]
    assert math.isnan(k.loc[0, "crr"]) and math.isnan(k.loc[0, "churn_start_based"])
    assert k.loc[1, "crr"] == pytest.approx((2 - 1) / 2 * 100)
    assert k.loc[2, "crr"] == pytest.approx((1 - 0) / 2 * 100)
    assert k.loc[2, "churn"] == pytest.approx(100 - 50)
    assert k.loc[1, "churn_start_based"] == pytest.approx(1 / 2 * 100)   # b lost
    assert k.loc[2, "churn_start_based"] == pytest.approx(2 / 2 * 100)   # a and c lost
    # repeat purchases to date: none by Jan 31; a by Feb 29 (1 of 3); a and b by Mar 31 (2 of 3)
    assert k["repeat_purchase_rate"].tolist() == pytest.approx([0.0, 100 / 3, 200 / 3])
    assert k["revenue"].tolist() == pytest.approx([30.0, 70.0, 50.0])
    assert k["buyers"].tolist() == [2, 2, 1]
    assert k["revenue_per_customer"].tolist() == pytest.approx([15.0, 35.0, 50.0])
    assert "31 days" in k.attrs["activity_rule"]
    assert k.attrs["customers_from"] == "transactions"
    assert set(k.attrs["definitions"]) == set(k.columns) - {"period", "period_start", "period_end"}


def test_revenue_stops_at_observation_end(tx):
    # the Mar 25 order is after the observation end: March is not complete and drops out,
    # and February's revenue must not change
    k = rk.kpi_table(transactions=tx, freq="M", active_days=31, observation_end="2024-02-29")
    assert [str(p) for p in k["period"]] == ["2024-01", "2024-02"]
    assert k["revenue"].tolist() == pytest.approx([30.0, 70.0])


def test_no_amount_says_revenue_not_available(tx):
    k = rk.kpi_table(transactions=tx.drop(columns="amount"), freq="M", active_days=31)
    assert "revenue" not in k.columns
    assert "amount" in k.attrs["not_available"]["revenue"]
    assert set(k.attrs["not_available"]) <= set(rk.kpi.KPI_GROUPS)  # the footnote's labels


def test_subscriptions_by_hand(spells):
    k = rk.kpi_table(subscriptions=spells, freq="M", observation_end="2024-02-29")
    feb = k.set_index(k["period"].astype(str)).loc["2024-02"]
    # Feb 1: a (100) and b (50) subscribed; Mar 1: a (150) and c (30)
    assert (feb["customers_start"], feb["customers_new"], feb["customers_end"]) == (2, 1, 2)
    assert feb["crr"] == pytest.approx((2 - 1) / 2 * 100)
    assert feb["churn_start_based"] == pytest.approx(50.0)
    assert (feb["mrr_start"], feb["mrr_end"]) == (pytest.approx(150.0), pytest.approx(180.0))
    assert feb["gross_revenue_churn"] == pytest.approx(50 / 150 * 100)          # b's 50 churned
    assert feb["net_revenue_churn"] == pytest.approx((50 - 50) / 150 * 100)     # a's +50 offsets it
    assert feb["grr"] == pytest.approx((min(150, 100) + 0) / 150 * 100)
    assert feb["nrr"] == pytest.approx((150 + 0) / 150 * 100)
    assert k.attrs["customers_from"] == "subscriptions"
    assert "subscription" in k.attrs["activity_rule"]


def test_survey_alone(survey):
    k = rk.kpi_table(survey=survey, freq="M")
    assert [str(p) for p in k["period"]] == ["2024-01", "2024-02"]
    # Jan: 10, 9, 8 -> 2 promoters of 3; Feb: 3, 10, 6, 7 -> 1 promoter, 2 detractors of 4
    assert k["nps"].tolist() == pytest.approx([200 / 3, (1 - 2) / 4 * 100])
    assert k["nps_responses"].tolist() == [3, 4]
    assert (k["nps_low"] < k["nps"]).all() and (k["nps"] < k["nps_high"]).all()
    assert "customers_start" not in k.columns
    assert k.attrs["activity_rule"] is None


def test_survey_without_dates(survey, tx):
    undated = survey.drop(columns="date")
    k = rk.kpi_table(survey=undated)
    assert k["period"].tolist() == ["all responses"] and k["period_start"].isna().all()
    # 10, 9, 3, 8, 10, 6, 7: 3 promoters, 2 detractors of 7
    assert k.loc[0, "nps"] == pytest.approx((3 - 2) / 7 * 100) and k.loc[0, "nps_responses"] == 7
    assert "date_col" in k.attrs["not_available"]["nps_trend"]
    k = rk.kpi_table(survey=undated, transactions=tx, active_days=31)
    assert "nps" not in k.columns and "date_col" in k.attrs["not_available"]["nps"]
    assert set(k.attrs["not_available"]) <= set(rk.kpi.KPI_GROUPS)


def test_sessions_on_the_transactions_periods(tx, sessions):
    k = rk.kpi_table(transactions=tx, sessions=sessions, freq="M", active_days=31, observation_end="2024-03-31")
    assert k["visitors"].tolist()[:2] == [2, 3]
    # the sessions' first month counts everyone as new: no measurement, not 0 %
    assert math.isnan(k.loc[0, "returning_visitor_share"])
    assert k.loc[1, "returning_visitor_share"] == pytest.approx(2 / 3 * 100)   # v1 and v2 came back
    # March is observed (observation_end) and has no session: 0 visitors, no share
    assert k.loc[2, "visitors"] == 0 and math.isnan(k.loc[2, "returning_visitor_share"])
    # sessions that start in February: January is not covered, so unknown rather than 0
    late = rk.kpi_table(transactions=tx, sessions=sessions[sessions["date"] >= "2024-02-01"], freq="M",
                        active_days=31, observation_end="2024-03-31")
    assert math.isnan(late.loc[0, "visitors"]) and late.loc[1, "visitors"] == 3


def test_refuses_what_it_cannot_settle(tx, spells):
    with pytest.raises(rk.RetentionDataError) as err:
        rk.kpi_table()
    assert err.value.parameter == "transactions"
    with pytest.raises(rk.RetentionDataError) as err:
        rk.kpi_table(transactions=tx, subscriptions=spells, active_days=31)
    assert err.value.parameter == "customers_from"
    assert "customers_from='subscriptions'" in str(err.value)
    with pytest.raises(rk.RetentionDataError) as err:
        rk.kpi_table(transactions=tx)
    assert err.value.parameter == "active_days"
    with pytest.raises(rk.RetentionDataError) as err:
        rk.kpi_table(transactions=tx, customers_from="subscriptions", active_days=31)
    assert err.value.parameter == "customers_from"
    with pytest.raises(rk.RetentionDataError) as err:
        rk.kpi_table(transactions=tx, customers_from="orders", active_days=31)
    assert err.value.options == ("transactions", "subscriptions")


def test_both_customer_inputs_with_a_choice(tx, spells):
    k = rk.kpi_table(transactions=tx, subscriptions=spells, customers_from="subscriptions",
                     observation_end="2024-02-29")
    assert k.attrs["customers_from"] == "subscriptions"
    assert k["customers_end"].tolist() == rk.subscription_counts(spells, freq="M", observation_end="2024-02-29")[
        "end"].tolist()
    assert "revenue" in k.columns and "mrr_start" in k.columns


def test_orders_do_not_cover_every_subscription_period(tx, spells):
    # weeks of the subscriptions (observed to Feb 20); orders only on Jan 10 and Jan 20
    early = tx[tx["date"] <= "2024-01-20"]
    k = rk.kpi_table(transactions=early, subscriptions=spells, customers_from="subscriptions", freq="W")
    assert str(k.loc[0, "period"]) == "2024-01-01/2024-01-07"
    # before the first order and after the last one: unknown, not revenue 0 or a frozen rate
    assert math.isnan(k.loc[0, "revenue"]) and math.isnan(k.loc[0, "repeat_purchase_rate"])
    assert k.loc[1, "revenue"] == pytest.approx(10.0) and k.loc[1, "buyers"] == 1
    assert k.loc[1, "repeat_purchase_rate"] == pytest.approx(0.0)
    # the week of Jan 15-21 ends after the last order (Jan 20): not observed to its end
    assert k.loc[2:, "revenue"].isna().all() and k.loc[2:, "buyers"].isna().all()
    assert k.loc[2:, "repeat_purchase_rate"].isna().all()


def test_headline_latest_and_change(tx, survey):
    k = rk.kpi_table(transactions=tx, freq="M", active_days=31, observation_end="2024-03-31")
    h = rk.kpi_headline(k).set_index("kpi")
    assert str(h.loc["customers_end", "period"]) == "2024-03"
    assert h.loc["customers_end", "value"] == 1 and h.loc["customers_end", "previous"] == 2
    assert h.loc["customers_end", "change"] == -1
    assert h.loc["revenue", "change"] == pytest.approx(50 - 70)
    # a survey run in waves: the change is against the previous wave, and the table says which
    dates = survey["date"]
    waves = survey.assign(date=dates.where(dates.dt.month == 1, dates + pd.Timedelta(days=29)))  # Feb -> Mar
    h = rk.kpi_headline(rk.kpi_table(survey=waves, freq="M")).set_index("kpi")
    assert str(h.loc["nps", "period"]) == "2024-03" and str(h.loc["nps", "previous_period"]) == "2024-01"
    assert h.loc["nps", "change"] == pytest.approx(-25 - 200 / 3)
    assert "nps_responses" not in h.index


def test_clv_headline_without_amounts(tx):
    out = rk.clv_headline(tx.drop(columns="amount"))
    assert out["available"] is False and out["reason"].startswith("not available:")


def test_clv_headline_survives_a_fit_that_does_not_converge(monkeypatch):
    def fail(*args, **kwargs):
        raise rk.ConvergenceError("BG/NBD did not converge; try penalizer=0.01", parameter="penalizer")

    monkeypatch.setattr(kpi_module, "fit_bgnbd", fail)
    out = rk.clv_headline(rk.datasets.load_sample_orders())
    assert out["available"] is False
    assert out["reason"] == "not available: BG/NBD did not converge; try penalizer=0.01"
    assert math.isnan(out["expected_clv"]) and out["at_risk"] is None


def test_clv_headline_on_the_sample_shop():
    tx = rk.datasets.load_sample_orders()
    out = rk.clv_headline(tx, threshold=0.3)
    assert out["available"] and out["reason"] == ""
    assert out["customers"] == tx["customer_id"].nunique()
    assert out["expected_clv"] == pytest.approx(out["mean_clv"] * out["customers"])
    assert 0 < out["at_risk"] < out["customers"] and out["at_risk_value"] > 0
    # a stricter threshold can only shorten the list
    assert rk.clv_headline(tx, threshold=0.1)["at_risk"] < out["at_risk"]
