"""CLV: the kit's data preparation against lifetimes and the published CDNOW summary,
the paper's estimates, compression, CLV units, win-back list and RFM segments."""

from __future__ import annotations

import warnings
from importlib import resources

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import retention_kit as rk
from retention_kit import RetentionDataError
from retention_kit._compat import import_lifetimes
from retention_kit.models import _likelihoods

lifetimes = import_lifetimes()
from lifetimes.utils import summary_data_from_transaction_data  # noqa: E402

CDNOW = rk.datasets.load_cdnow(sample=True)
WEEKS = {"freq": "D", "freq_multiplier": 7}


@pytest.fixture(scope="module")
def calibration():
    return rk.rfm_summary(CDNOW, observation_end="1997-09-30", **WEEKS)


def test_summary_equals_published_cdnow_summary(calibration):
    path = resources.files(lifetimes) / "datasets" / "cdnow_customers_summary_with_transactions.csv"
    with resources.as_file(path) as p:
        published = pd.read_csv(p)
    published.index = [f"{i:04d}" for i in published["ID"]]
    s = calibration.loc[published.index]
    assert (s["frequency"] == published["x"]).all()
    # the published file rounds to 2 decimals
    assert np.abs(s["recency"] - published["t_x"]).max() <= 0.005
    assert np.abs(s["T"] - published["T"]).max() <= 0.005
    assert np.abs(s["monetary_value"] - published["zbar"]).max() <= 0.005 + 1e-9


logs = st.lists(
    st.tuples(st.integers(0, 10), st.integers(0, 300), st.integers(1, 500)), min_size=1, max_size=50
).map(lambda rows: pd.DataFrame({
    "customer_id": [f"c{c}" for c, _, _ in rows],
    "date": pd.Timestamp("2024-01-01") + pd.to_timedelta([d for _, d, _ in rows], unit="D"),
    "amount": [float(a) for _, _, a in rows],
}))


@settings(max_examples=60, deadline=None)
@given(logs, st.sampled_from([("D", 1), ("D", 7), ("W", 1)]))
def test_summary_equals_lifetimes(log, unit):
    freq, multiplier = unit
    end = "2024-10-27"  # a Sunday: lifetimes keeps purchases after the end in the same week
    kit = rk.rfm_summary(log, freq=freq, freq_multiplier=multiplier, observation_end=end)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = summary_data_from_transaction_data(
            log, "customer_id", "date", "amount", observation_period_end=end, freq=freq,
            freq_multiplier=multiplier,
        )
    ref = ref.sort_index()
    ref.index.name = "customer_id"
    pd.testing.assert_frame_equal(kit, ref, check_exact=False, rtol=1e-12)


def test_summary_months_and_hand_fixture():
    log = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
                        "date": pd.to_datetime(["2024-01-05", "2024-01-20", "2024-03-02", "2024-02-10"]),
                        "amount": [10.0, 5.0, 30.0, 8.0]})
    s = rk.rfm_summary(log, freq="M", observation_end="2024-04-15")
    assert s.loc["a"].tolist() == [1.0, 2.0, 3.0, 30.0]  # Jan (10 + 5) and Mar; T = Apr - Jan
    assert s.loc["b"].tolist() == [0.0, 0.0, 2.0, 0.0]
    w = rk.rfm_summary(log, freq="W", observation_end="2024-04-15")
    assert w.attrs["unit_days"] == 7.0


def test_calibration_holdout_hand_fixture():
    log = pd.DataFrame({"customer_id": ["a", "a", "a", "a", "b", "c"],
                        "date": pd.to_datetime(["2024-01-01", "2024-01-10", "2024-02-05", "2024-02-05",
                                                "2024-01-15", "2024-02-10"]),
                        "amount": [1.0, 2, 3, 4, 5, 6]})
    ch = rk.calibration_holdout(log, calibration_end="2024-01-31", observation_end="2024-02-29", freq="D")
    assert list(ch.index) == ["a", "b"]  # c first bought in the holdout
    assert ch.loc["a", "frequency_cal"] == 1 and ch.loc["a", "frequency_holdout"] == 1  # same day once
    assert ch.loc["b", "frequency_holdout"] == 0
    assert (ch["duration_holdout"] == 29).all()
    with pytest.raises(RetentionDataError, match="must be after"):
        rk.calibration_holdout(log, calibration_end="2024-02-29", observation_end="2024-01-31", freq="D")


def test_paper_estimates_and_worked_customer(calibration):
    bgf = rk.fit_bgnbd(calibration)
    assert {k: round(float(v), 3) for k, v in bgf.params_.items()} == {
        "r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    worked = pd.DataFrame({"frequency": [2.0], "recency": [30.43], "T": [38.86]})
    worked.attrs["unit_days"] = 7.0
    assert round(float(rk.expected_purchases(bgf, worked, days=39 * 7).iloc[0]), 3) == 1.226
    ggf = rk.fit_gamma_gamma(calibration)
    p, q, v = (float(ggf.params_[k]) for k in ("p", "q", "v"))
    assert (round(p, 2), round(q, 2)) == (6.25, 3.74) and abs(v - 15.44) < 0.02
    assert ggf.excluded_ == {"no repeat purchase": 1411}


@pytest.mark.parametrize(("fit", "rtol"), [
    (rk.fit_bgnbd, 1e-4),
    (rk.fit_mbgnbd, 1e-4),
    # Pareto/NBD's likelihood is flat along s and beta: the optimiser stops 2e-4 apart on it
    (rk.fit_paretonbd, 1e-3),
])
def test_compressed_fit_equals_plain_fit(calibration, fit, rtol):
    packed, plain = fit(calibration), fit(calibration, compress=False)
    np.testing.assert_allclose(packed.params_.to_numpy(), plain.params_.to_numpy(), rtol=rtol)


def test_convergence_failure_becomes_a_clear_error(calibration, monkeypatch):
    def boom(self, *args, **kwargs):
        raise _likelihoods.FitFailed("The model did not converge. Try adding a larger penalizer.")

    monkeypatch.setattr(_likelihoods, "maximize", boom)
    with pytest.raises(RetentionDataError, match="penalizer.*rescale time"):
        rk.fit_bgnbd(calibration)


def test_bad_summaries():
    bad = pd.DataFrame({"frequency": [1.0], "recency": [5.0], "T": [3.0]})
    with pytest.raises(RetentionDataError, match="recency exceeds T"):
        rk.fit_bgnbd(bad)
    with pytest.raises(RetentionDataError, match="expected columns"):
        rk.fit_bgnbd(pd.DataFrame({"x": [1]}))


def test_gamma_gamma_refuses_or_counts_nonpositive_spend(calibration):
    s = calibration.copy()
    repeaters = s.index[s["frequency"] > 0][:3]
    s.loc[repeaters, "monetary_value"] = [0.0, -5.0, 0.0]
    with pytest.raises(RetentionDataError, match="3 customers have a zero or negative"):
        rk.fit_gamma_gamma(s)
    ggf = rk.fit_gamma_gamma(s, nonpositive="exclude")
    assert ggf.excluded_ == {"no repeat purchase": 1411, "zero or negative spend": 3}


def test_clv_equals_lifetimes_with_the_same_month(calibration):
    daily = rk.rfm_summary(CDNOW, freq="D", observation_end="1998-06-30")
    bgf, ggf = rk.fit_bgnbd(daily), rk.fit_gamma_gamma(daily)
    kit = rk.customer_lifetime_value(bgf, ggf, daily, months=6, monthly_discount_rate=0.01, margin=1.0,
                                     month_days=30)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = ggf.customer_lifetime_value(bgf, daily["frequency"], daily["recency"], daily["T"],
                                          daily["monetary_value"], time=6, discount_rate=0.01, freq="D")
    np.testing.assert_allclose(kit.to_numpy(), ref.to_numpy(), rtol=1e-9)


def test_clv_refuses_a_mismatched_time_unit(calibration):
    bgf, ggf = rk.fit_bgnbd(calibration), rk.fit_gamma_gamma(calibration)
    with pytest.raises(RetentionDataError, match="units of 7 days"):
        rk.customer_lifetime_value(bgf, ggf, calibration, months=12, monthly_discount_rate=0.01,
                                   margin=0.3, time_unit_days=1)
    weekly = rk.customer_lifetime_value(bgf, ggf, calibration, months=12, monthly_discount_rate=0.01, margin=0.3)
    assert (weekly >= 0).all()
    with pytest.raises(RetentionDataError, match="margin"):
        rk.customer_lifetime_value(bgf, ggf, calibration, months=12, monthly_discount_rate=0.01, margin=30)


def test_winback_list(calibration):
    bgf, ggf = rk.fit_bgnbd(calibration), rk.fit_gamma_gamma(calibration)
    w = rk.winback_list(bgf, ggf, calibration, threshold=0.5, months=12, monthly_discount_rate=0.01, margin=0.3)
    p = rk.probability_alive(bgf, calibration)
    assert set(w.index) == set(p.index[p < 0.5])
    np.testing.assert_allclose(w["value_at_stake"], w["clv"] / w["p_alive"] - w["clv"])
    assert w["value_at_stake"].is_monotonic_decreasing


def test_p_alive_history_on_purchase_days(calibration):
    # BG/NBD: right after the x-th repeat purchase (recency = T) a customer may already have
    # dropped out, so P(alive) = 1 / (1 + a / (b + x - 1)); at the first purchase it is 1
    bgf = rk.fit_bgnbd(calibration)
    a, b = float(bgf.params_["a"]), float(bgf.params_["b"])
    h = rk.p_alive_history(bgf, CDNOW, customer_id="0001", end="1998-06-30")
    on_purchase = h.loc[h["purchase"], "p_alive"].to_numpy()
    x = np.arange(len(on_purchase))
    expected = np.where(x == 0, 1.0, 1 / (1 + a / (b + x - 1)))
    np.testing.assert_allclose(on_purchase, expected)
    assert h["p_alive"].between(0, 1).all() and len(h) == (pd.Timestamp("1998-06-30") - pd.Timestamp("1997-01-01")).days + 1


def test_tracking_counts_repeat_days(calibration):
    bgf = rk.fit_bgnbd(calibration)
    track = rk.cumulative_repeat_transactions(bgf, CDNOW, start="1997-01-01", end="1998-06-30")
    days = CDNOW.assign(day=CDNOW["date"].dt.normalize())[["customer_id", "day"]].drop_duplicates()
    assert track["actual"].iloc[-1] == len(days) - days["customer_id"].nunique()
    assert track["expected"].is_monotonic_increasing and track["actual"].is_monotonic_increasing


def test_rfm_segments():
    seg = rk.rfm_segments(CDNOW, observation_end="1998-06-30")
    assert len(seg) == 2357
    for col in ("r", "f", "m"):
        assert seg[col].between(1, 5).all()
    # equal histories get equal scores: every one-time buyer has the same F score
    assert seg.loc[seg["frequency"] == 1, "f"].nunique() == 1
    # and the scores do not depend on how customers are named or ordered
    renamed = CDNOW.assign(customer_id="x" + CDNOW["customer_id"].str[::-1]).iloc[::-1]
    again = rk.rfm_segments(renamed, observation_end="1998-06-30")
    again.index = ["".join(reversed(i[1:])) for i in again.index]
    assert (again.loc[seg.index, ["r", "f", "m", "segment"]] == seg[["r", "f", "m", "segment"]]).all().all()
    champions = seg[seg["segment"] == "Champions"]
    assert (champions["r"] == 5).all() and (champions["fm"] >= 4).all()
    assert seg.loc[seg["recency_days"].idxmin(), "r"] == 5
    assert {"Champions", "Lost", "Hibernating"} <= set(seg["segment"])


def test_pareto_fit_is_reproducible_and_leaves_global_random_state_alone(calibration):
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    first, second = rk.fit_paretonbd(calibration), rk.fit_paretonbd(calibration)
    assert first.params_.to_dict() == second.params_.to_dict()
    assert (np.random.get_state()[1] == before).all()


def test_gamma_gamma_convergence_failure_is_a_clear_error(monkeypatch):
    def boom(self, *args, **kwargs):
        raise _likelihoods.FitFailed("The model did not converge.")

    monkeypatch.setattr(_likelihoods, "maximize", boom)
    s = pd.DataFrame({"frequency": [2.0, 3.0], "monetary_value": [10.0, 12.0]})
    with pytest.raises(RetentionDataError, match="Gamma-Gamma fit did not converge.*penalizer"):
        rk.fit_gamma_gamma(s)


def test_compressed_gamma_gamma_equals_plain(calibration):
    packed = rk.fit_gamma_gamma(calibration)
    repeaters = calibration[calibration["frequency"] > 0]
    plain = lifetimes.GammaGammaFitter().fit(repeaters["frequency"], repeaters["monetary_value"])
    np.testing.assert_allclose(packed.params_.to_numpy(), plain.params_.to_numpy(), rtol=1e-4)
