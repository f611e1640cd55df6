"""The fitted models (retention_kit.models): attributes, standard errors checked against an
independent finite-difference Hessian, ConvergenceError, and the time unit that the
model carries (issue 18, items 3 and 4)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special

import retention_kit as rk
from retention_kit import ConvergenceError, RetentionDataError
from retention_kit._compat import import_lifetimes
from retention_kit.models import _likelihoods

lifetimes = import_lifetimes()
CDNOW = rk.datasets.load_cdnow(sample=True)
WEEKS = {"freq": "D", "freq_multiplier": 7}


@pytest.fixture(scope="module")
def weekly():
    return rk.rfm_summary(CDNOW, observation_end="1997-09-30", **WEEKS)


@pytest.fixture(scope="module")
def bgf(weekly):
    return rk.fit_bgnbd(weekly)


def _without_attrs(summary: pd.DataFrame) -> pd.DataFrame:
    # a merge, as when a segment column is joined in, drops DataFrame.attrs
    segments = pd.DataFrame({"customer_id": summary.index, "segment": "x"})
    out = summary.merge(segments, on="customer_id").set_index("customer_id")
    assert out.attrs == {}
    return out


def _hessian(f, x, step):
    k = len(x)
    h = np.zeros((k, k))
    e = np.eye(k) * step
    for i in range(k):
        for j in range(k):
            h[i, j] = (f(x + e[i] + e[j]) - f(x + e[i] - e[j]) - f(x - e[i] + e[j]) + f(x - e[i] - e[j])) / (
                4 * step[i] * step[j])
    return h


def _bgnbd_log_likelihood(params, x, t_x, T):
    """BG/NBD log-likelihood written from Fader, Hardie & Lee (2005), independently of lifetimes."""
    r, alpha, a, b = params
    common = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    first = special.betaln(a, b + x) - special.betaln(a, b) + common - (r + x) * np.log(alpha + T)
    second = np.where(
        x > 0,
        special.betaln(a + 1, b + np.maximum(x, 1) - 1) - special.betaln(a, b) + common
        - (r + x) * np.log(alpha + t_x),
        -np.inf,
    )
    return float(np.sum(np.logaddexp(first, second)))


# -- item 4: the result surface ---------------------------------------------------------------

def test_model_classes_carry_their_metadata(weekly, bgf):
    assert isinstance(bgf, rk.BetaGeoModel)
    assert isinstance(bgf, lifetimes.BetaGeoFitter)  # lifetimes' prediction methods keep working
    assert isinstance(bgf, rk.TransactionModel) and isinstance(bgf, rk.FittedModel)
    assert bgf.unit_days_ == 7.0
    assert bgf.n_customers_ == len(weekly) == 2357
    assert bgf.excluded_ == {}
    assert bgf.penalizer == 0.0
    # Fader, Hardie & Lee (2005) report LL = -9582.4 for this fit
    assert bgf.log_likelihood_ == pytest.approx(-9582.4, abs=0.05)
    assert list(bgf.summary.columns) == ["estimate", "se", "ci_lower", "ci_upper"]
    assert list(bgf.summary.index) == ["r", "alpha", "a", "b"]
    np.testing.assert_allclose(bgf.summary["estimate"], bgf.params_)
    text = repr(bgf)
    assert text.startswith("<BetaGeoModel BG/NBD fitted to 2,357 customers (time unit 7 days)")
    assert "r=0.2426" in text and "penalizer=0" in text
    assert "not fitted" in repr(rk.BetaGeoModel(penalizer=0.1))
    with pytest.raises(RetentionDataError, match="not fitted"):
        rk.BetaGeoModel().summary


def test_every_fit_function_returns_its_class(weekly):
    for fit, cls, base in [
        (rk.fit_paretonbd, rk.ParetoNBDModel, lifetimes.ParetoNBDFitter),
        (rk.fit_mbgnbd, rk.ModifiedBetaGeoModel, lifetimes.ModifiedBetaGeoFitter),
        (rk.fit_gamma_gamma, rk.GammaGammaModel, lifetimes.GammaGammaFitter),
    ]:
        model = fit(weekly)
        assert type(model) is cls and isinstance(model, base)
        assert model.unit_days_ == 7.0
        summary = model.summary
        assert (summary["se"] > 0).all() and summary.notna().all().all()
        assert ((summary["ci_lower"] < summary["estimate"]) & (summary["estimate"] < summary["ci_upper"])).all()
    gg = rk.fit_gamma_gamma(weekly)
    assert gg.n_customers_ == 946 and gg.excluded_ == {"no repeat purchase": 1411}


def test_bgnbd_standard_errors_equal_an_independent_finite_difference_hessian(weekly, bgf):
    # the kit's summary against the observed information of a likelihood written from the paper,
    # differentiated in the natural parameters (the kit works on the log scale)
    x, t_x, T = (weekly[c].to_numpy() for c in ("frequency", "recency", "T"))
    theta = bgf.params_.to_numpy()
    assert _bgnbd_log_likelihood(theta, x, t_x, T) == pytest.approx(bgf.log_likelihood_, rel=1e-10)
    info = -_hessian(lambda p: _bgnbd_log_likelihood(p, x, t_x, T), theta, 1e-4 * theta)
    se = np.sqrt(np.diag(np.linalg.inv(info)))
    np.testing.assert_allclose(bgf.summary["se"].to_numpy(), se, rtol=1e-3)
    cov = np.linalg.inv(info)
    np.testing.assert_allclose(bgf.covariance_.to_numpy(), cov, rtol=2e-3, atol=1e-7)
    # lifetimes' own standard errors (autograd Hessian) agree on the diagonal
    np.testing.assert_allclose(bgf.summary["se"], bgf.standard_errors_, rtol=1e-3)
    # the interval is symmetric on the log scale
    log_se = bgf.summary["se"] / bgf.summary["estimate"]
    np.testing.assert_allclose(np.log(bgf.summary["ci_upper"] / bgf.summary["estimate"]), 1.959964 * log_se, rtol=1e-5)


def test_compressed_fits_give_the_same_standard_errors(weekly):
    for fit in (rk.fit_bgnbd, rk.fit_mbgnbd):
        packed, plain = fit(weekly), fit(weekly, compress=False)
        assert packed.n_customers_ == plain.n_customers_ == len(weekly)
        assert len(packed.data) < len(plain.data)  # the compressed fit really ran on fewer rows
        np.testing.assert_allclose(packed.summary["se"], plain.summary["se"], rtol=2e-3)
        assert packed.log_likelihood_ == pytest.approx(plain.log_likelihood_, abs=1e-3)


def test_gamma_gamma_standard_errors_agree_with_lifetimes_hessian(weekly):
    gg = rk.fit_gamma_gamma(weekly)
    np.testing.assert_allclose(gg.summary["se"], gg.standard_errors_, rtol=1e-3)


def test_sbg_moved_to_models_and_keeps_its_surface():
    from retention_kit import survival
    from retention_kit.models.sbg import SBGFit

    assert rk.SBGFit is SBGFit is survival.SBGFit
    alive = [1000, 631, 468, 382, 326, 289, 262, 241]
    fit = rk.fit_sbg(alive)
    assert isinstance(fit, rk.FittedModel)
    assert fit.params_.to_dict() == {"alpha": fit.alpha, "beta": fit.beta}
    assert fit.log_likelihood_ == fit.log_likelihood and fit.n_customers_ == 1000

    def ll(p):
        a, b = p
        t = np.arange(1, len(alive))
        lost = -np.diff(alive)
        log_p = special.betaln(a + 1, b + t - 1) - special.betaln(a, b)
        return float(np.sum(lost * log_p) + alive[-1] * (special.betaln(a, b + len(alive) - 1) - special.betaln(a, b)))

    theta = fit.params_.to_numpy()
    se = np.sqrt(np.diag(np.linalg.inv(-_hessian(ll, theta, 1e-4 * theta))))
    np.testing.assert_allclose(fit.summary["se"], se, rtol=1e-3)


def test_convergence_failures_raise_convergence_error(weekly, monkeypatch):
    assert issubclass(ConvergenceError, RetentionDataError)

    def boom(self, *args, **kwargs):
        print("lifetimes prints the optimiser's output here")
        raise _likelihoods.FitFailed("The model did not converge.")

    monkeypatch.setattr(_likelihoods, "maximize", boom)
    for fit in (rk.fit_bgnbd, rk.fit_mbgnbd, rk.fit_gamma_gamma):
        with pytest.raises(ConvergenceError, match="did not converge.*penalizer") as info:
            fit(weekly)
        assert info.value.parameter == "penalizer"


def test_convergence_failure_does_not_print(weekly, monkeypatch, capsys):

    def boom(self, *args, **kwargs):
        print("optimiser output")
        raise _likelihoods.FitFailed("The model did not converge.")

    monkeypatch.setattr(_likelihoods, "maximize", boom)
    with pytest.raises(ConvergenceError):
        rk.fit_bgnbd(weekly)
    assert "optimiser output" not in capsys.readouterr().out


def test_bad_penalizer_is_refused(weekly):
    with pytest.raises(RetentionDataError, match="penalizer=-1") as info:
        rk.fit_bgnbd(weekly, penalizer=-1)
    assert info.value.parameter == "penalizer"


# -- item 3: the time unit lives on the model ---------------------------------------------------

@pytest.mark.parametrize("fit", [rk.fit_bgnbd, rk.fit_paretonbd, rk.fit_mbgnbd])
def test_a_summary_without_attrs_needs_time_unit_days(weekly, fit):
    bare = _without_attrs(weekly)
    with pytest.raises(RetentionDataError, match=rf"{fit.__name__}\(\.\.\., time_unit_days=") as info:
        fit(bare)
    assert info.value.parameter == "time_unit_days"
    model = fit(bare, time_unit_days=7)
    assert model.unit_days_ == 7.0
    np.testing.assert_allclose(model.params_, fit(weekly).params_, rtol=1e-9)


def test_time_unit_days_is_checked_against_the_summary(weekly):
    assert rk.fit_bgnbd(weekly, time_unit_days=7).unit_days_ == 7.0
    with pytest.raises(RetentionDataError, match="units of 7 days") as info:
        rk.fit_bgnbd(weekly, time_unit_days=1)
    assert info.value.parameter == "time_unit_days"
    with pytest.raises(RetentionDataError, match="positive number") as info:
        rk.fit_bgnbd(_without_attrs(weekly), time_unit_days=0)
    assert info.value.parameter == "time_unit_days"


def test_gamma_gamma_time_unit_is_optional(weekly):
    bare = _without_attrs(weekly)
    assert rk.fit_gamma_gamma(bare).unit_days_ is None
    assert rk.fit_gamma_gamma(bare, time_unit_days=7).unit_days_ == 7.0
    assert rk.fit_gamma_gamma(weekly).unit_days_ == 7.0


def test_consumers_take_the_unit_from_the_model(weekly, bgf):
    bare = _without_attrs(weekly)
    pd.testing.assert_series_equal(rk.expected_purchases(bgf, bare, days=91),
                                   rk.expected_purchases(bgf, weekly, days=91))
    # 91 days are 13 of the model's weeks
    direct = bgf.conditional_expected_number_of_purchases_up_to_time(
        13.0, weekly["frequency"], weekly["recency"], weekly["T"])
    np.testing.assert_allclose(rk.expected_purchases(bgf, bare, days=91), direct)
    ggf = rk.fit_gamma_gamma(weekly)
    clv_kw = {"months": 6, "monthly_discount_rate": 0.01, "margin": 0.3}
    pd.testing.assert_series_equal(rk.customer_lifetime_value(bgf, ggf, bare, **clv_kw),
                                   rk.customer_lifetime_value(bgf, ggf, weekly, **clv_kw))
    # an explicit unit is still a check, now against the model when the summary has none
    with pytest.raises(RetentionDataError, match="model was fitted on a summary in units of 7 days") as info:
        rk.customer_lifetime_value(bgf, ggf, bare, time_unit_days=1, **clv_kw)
    assert info.value.parameter == "time_unit_days"


def test_a_summary_in_another_unit_is_refused(weekly, bgf):
    daily = rk.rfm_summary(CDNOW, observation_end="1997-09-30", freq="D")
    ggf = rk.fit_gamma_gamma(weekly)
    calls = {
        "expected_purchases": lambda: rk.expected_purchases(bgf, daily, days=30),
        "probability_alive": lambda: rk.probability_alive(bgf, daily),
        "customer_lifetime_value": lambda: rk.customer_lifetime_value(
            bgf, ggf, daily, months=6, monthly_discount_rate=0.01, margin=0.3),
        "winback_list": lambda: rk.winback_list(
            bgf, ggf, daily, threshold=0.3, months=6, monthly_discount_rate=0.01, margin=0.3),
    }
    for name, call in calls.items():
        with pytest.raises(RetentionDataError, match="units of 1 days, but the model was fitted on a summary "
                                                     "in units of 7 days") as info:
            call()
        assert info.value.parameter == "summary", name
    daily_holdout = rk.calibration_holdout(CDNOW, calibration_end="1997-09-30", observation_end="1998-06-30",
                                           freq="D")
    with pytest.raises(RetentionDataError, match="units of 1 days") as info:
        rk.holdout_comparison(bgf, daily_holdout)
    assert info.value.parameter == "summary"


def test_clv_refuses_a_spend_model_fitted_on_other_periods(weekly, bgf):
    daily = rk.rfm_summary(CDNOW, observation_end="1997-09-30", freq="D")
    with pytest.raises(RetentionDataError, match="spend_model: it was fitted on a summary in units of 1 days") as info:
        rk.customer_lifetime_value(bgf, rk.fit_gamma_gamma(daily), weekly, months=6,
                                   monthly_discount_rate=0.01, margin=0.3)
    assert info.value.parameter == "spend_model"


def test_a_bare_lifetimes_fitter_without_a_unit_gets_a_hint_that_exists(weekly):
    plain = lifetimes.BetaGeoFitter().fit(weekly["frequency"], weekly["recency"], weekly["T"])
    with pytest.raises(RetentionDataError, match=r"rk\.fit_bgnbd\(summary, time_unit_days=") as info:
        rk.expected_purchases(plain, _without_attrs(weekly), days=30)
    assert info.value.parameter == "model"
    # with the summary's attrs it still works, as before
    assert len(rk.expected_purchases(plain, weekly, days=30)) == len(weekly)


def test_p_alive_history_uses_the_models_unit(weekly, bgf):
    default = rk.p_alive_history(bgf, CDNOW, customer_id="0001", end="1998-06-30")
    explicit = rk.p_alive_history(bgf, CDNOW, customer_id="0001", end="1998-06-30", freq="D", freq_multiplier=7)
    pd.testing.assert_frame_equal(default, explicit)
    with pytest.raises(RetentionDataError, match="units of 1 days, but the model was fitted") as info:
        rk.p_alive_history(bgf, CDNOW, customer_id="0001", end="1998-06-30", freq_multiplier=1)
    assert info.value.parameter == "freq_multiplier"
    daily_model = rk.fit_bgnbd(rk.rfm_summary(CDNOW, observation_end="1997-09-30", freq="D"))
    history = rk.p_alive_history(daily_model, CDNOW, customer_id="0001", end="1998-06-30")
    # a customer seen on their first day is alive; then the daily model's own unit applies
    assert history["p_alive"].iloc[0] == 1.0 and history["p_alive"].between(0, 1).all()


def test_tracking_steps_and_model_unit_are_separate(bgf):
    weekly_steps = rk.cumulative_repeat_transactions(bgf, CDNOW, start="1997-01-01", end="1998-06-30")
    daily_steps = rk.cumulative_repeat_transactions(bgf, CDNOW, start="1997-01-01", end="1998-06-30", unit_days=1)
    # every 7th daily step is a weekly step: the ages are converted to the model's weeks either way
    every_week = daily_steps.iloc[6::7].reset_index(drop=True)
    np.testing.assert_allclose(every_week["expected"], weekly_steps["expected"], rtol=1e-12)
    np.testing.assert_array_equal(every_week["actual"], weekly_steps["actual"])
