"""sBG against Fader & Hardie (2007), and Kaplan-Meier tenure."""

from __future__ import annotations

import numpy as np
import pytest

import retention_kit as rk
from retention_kit import RetentionDataError

# Fader & Hardie (2007), survivors of 1000 customers, years 0-7, and years 8-12 observed
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]
REGULAR_LATER = [223, 207, 194, 183, 173]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]
HIGH_END_LATER = [468, 445, 427, 409, 394]


@pytest.mark.parametrize(("alive", "alpha", "beta"), [(REGULAR, 0.704, 1.182), (HIGH_END, 0.668, 3.806)])
def test_published_estimates(alive, alpha, beta):
    fit = rk.fit_sbg(alive)
    assert round(fit.alpha, 3) == alpha
    assert round(fit.beta, 3) == beta


@pytest.mark.parametrize(("alive", "later"), [(REGULAR, REGULAR_LATER), (HIGH_END, HIGH_END_LATER)])
def test_projection_of_years_8_to_12_is_close_to_what_was_observed(alive, later):
    projected = rk.fit_sbg(alive).projected_alive(np.arange(8, 13))
    error = np.abs(projected - later) / np.array(later)
    assert error.max() < 0.05  # within 5 % five years beyond the data


def test_model_identities():
    fit = rk.fit_sbg(REGULAR)
    t = np.arange(1, 13)
    s = fit.survival(np.arange(0, 13))
    assert s[0] == pytest.approx(1.0)
    assert np.allclose(fit.retention_rate(t), s[1:] / s[:-1])
    assert np.allclose(fit.churn_probability(t), s[:-1] - s[1:])
    assert np.all(np.diff(fit.retention_rate(t)) > 0)  # rises as the churn-prone leave


def test_fitted_beats_nearby_parameters():
    fit = rk.fit_sbg(HIGH_END)
    from scipy import special
    counts = np.array(HIGH_END)
    lost = -np.diff(counts)
    t = np.arange(1, len(counts))

    def ll(a, b):
        base = special.betaln(a, b)
        return float(np.sum(lost * (special.betaln(a + 1, b + t - 1) - base))
                     + counts[-1] * (special.betaln(a, b + len(counts) - 1) - base))

    assert ll(fit.alpha, fit.beta) == pytest.approx(fit.log_likelihood)
    for da, db in [(0.01, 0), (-0.01, 0), (0, 0.05), (0, -0.05)]:
        assert ll(fit.alpha + da, fit.beta + db) < fit.log_likelihood


@pytest.mark.parametrize(("alive", "fragment"), [
    ([1000], "at least two"),
    ([1000, 900, 950], "rises from period 1"),
    ([0, 0], "must be positive"),
    ([100, 100, 100], "no customer was lost"),
    ([100, 50.5], "whole"),
    ([100, -1], "non-negative"),
])
def test_bad_survivor_counts(alive, fragment):
    with pytest.raises(RetentionDataError, match=fragment):
        rk.fit_sbg(alive)


def test_kaplan_meier_on_sample_by_plan():
    subs = rk.datasets.load_sample_subscriptions()
    km = rk.kaplan_meier(subs, observation_end="2025-06-30", by="plan")
    assert set(km["group"]) == {"basic", "pro", "enterprise"}
    for _, curve in km.groupby("group"):
        assert curve["survival"].iloc[0] == 1.0
        assert (np.diff(curve["survival"]) <= 0).all()
        assert ((curve["ci_lower"] <= curve["survival"]) & (curve["survival"] <= curve["ci_upper"])).all()
    medians = km.attrs["median"]
    assert medians["basic"] < medians["pro"]  # basic churns fastest by construction


def test_tenure_censoring_and_plan_changes():
    subs = rk.datasets.load_sample_subscriptions()
    tenures = rk.tenure_table(subs, observation_end="2025-06-30")
    assert len(tenures) == subs["customer_id"].nunique()
    live = set(subs.loc[subs["end_date"].isna(), "customer_id"])
    # a customer whose first tenure is still running is censored
    assert not tenures.loc[tenures["churned"], "customer_id"].isin(
        set(tenures.loc[~tenures["churned"], "customer_id"])).any()
    assert tenures.loc[~tenures["churned"], "customer_id"].isin(live).all()
    with pytest.raises(RetentionDataError, match="observation_end"):
        rk.tenure_table(subs, observation_end=None)


# Freireich et al. (1963), 6-MP group: the textbook Kaplan-Meier example
WEEKS = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
RELAPSE = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]


def test_kaplan_meier_textbook_values():
    km = rk.kaplan_meier_estimate(WEEKS, np.array(RELAPSE, dtype=bool)).set_index("time")
    assert km.loc[6.0, "at_risk"] == 21 and km.loc[6.0, "churned"] == 3 and km.loc[6.0, "censored"] == 1
    assert km.loc[6.0, "survival"] == pytest.approx(18 / 21)
    assert km.loc[23.0, "survival"] == pytest.approx(0.4482, abs=1e-4)
    # Greenwood standard error at week 6: 0.0764 (textbook)
    assert km.loc[6.0, "se"] == pytest.approx(0.0764, abs=1e-4)
    # log(-log) 95 % band at week 6: (0.620, 0.952), as R's survfit(conf.type = "log-log")
    assert km.loc[6.0, "ci_lower"] == pytest.approx(0.620, abs=1e-3)
    assert km.loc[6.0, "ci_upper"] == pytest.approx(0.952, abs=1e-3)
    assert km.loc[35.0, "survival"] == pytest.approx(0.4482, abs=1e-4)  # censored: no drop


def test_kaplan_meier_without_censoring_is_the_empirical_survival():
    durations = np.array([1, 2, 2, 3, 5, 8.0])
    km = rk.kaplan_meier_estimate(durations, np.ones(6, dtype=bool))
    for t, s in zip(km["time"], km["survival"]):
        assert s == pytest.approx((durations > t).mean())
    assert km["survival"].iloc[-1] == 0.0 and km["ci_lower"].iloc[-1] == 0.0


def test_kaplan_meier_bad_input():
    with pytest.raises(RetentionDataError, match="equally long"):
        rk.kaplan_meier_estimate([1, 2], [True])
    with pytest.raises(RetentionDataError, match="non-negative"):
        rk.kaplan_meier_estimate([1, -2], [True, False])


def test_kaplan_meier_keeps_customers_without_a_segment():
    import pandas as pd

    spells = pd.DataFrame({
        "customer_id": ["a", "b", "c", "d"],
        "start_date": pd.to_datetime(["2024-01-01"] * 4),
        "end_date": pd.to_datetime(["2024-02-01", None, "2024-03-01", None]),
        "plan": ["basic", None, "basic", None],
    })
    km = rk.kaplan_meier(spells, observation_end="2024-06-30", by="plan")
    assert set(km["group"]) == {"basic", "(missing)"}
    assert km.groupby("group")["at_risk"].max().sum() == 4
