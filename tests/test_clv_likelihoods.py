"""The kit's own CLV likelihoods (issue 16): exact gradients against finite differences,
the Pareto/NBD integral against an independent quadrature, lifetimes' underflow pair and
the closed form where t_x = T, finiteness for heavy buyers, recovery of simulated
parameters, and equality with lifetimes' estimates on CDNOW."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import retention_kit as rk
from retention_kit import RetentionDataError
from retention_kit._compat import import_lifetimes
from retention_kit.models import _likelihoods as lk

lifetimes = import_lifetimes()
CDNOW = rk.datasets.load_cdnow(sample=True)
WEEKS = {"freq": "D", "freq_multiplier": 7}
PARETO = np.array([0.55, 10.58, 0.61, 11.67])  # lifetimes' underflow test


@pytest.fixture(scope="module")
def weekly():
    return rk.rfm_summary(CDNOW, observation_end="1997-09-30", **WEEKS)


def _histories(seed: int = 0, n: int = 400) -> lk.TransactionStats:
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 40, n).astype(float)
    x[:10] = [0, 1, 50, 132, 133, 170, 300, 500, 1000, 1000]
    T = rng.uniform(1, 200, n)
    t_x = np.where(x > 0, rng.uniform(0, 1, n) * T, 0.0)
    t_x[3:5] = T[3:5]  # purchases at the end of the window
    t_x[8] = T[8]
    w = rng.integers(1, 6, n).astype(float)
    return lk.TransactionStats.from_rows(x, t_x, T, w)


def _finite_difference(f, theta, stats, h=1e-6):
    out = []
    for e in np.eye(len(theta)):
        up, down = theta * np.exp(h * e), theta * np.exp(-h * e)
        out.append((f(up, stats, False)[0] - f(down, stats, False)[0]) / (2 * h))
    return np.array(out)  # derivatives in the log-parameters


@pytest.mark.parametrize("f, theta", [
    (lk.bgnbd, np.array([0.24, 4.4, 0.79, 2.4])),
    (lk.mbgnbd, np.array([0.52, 6.2, 0.89, 1.6])),
    (lk.paretonbd, PARETO),
    (lk.paretonbd, np.array([0.3, 2.0, 1.8, 40.0])),  # alpha < beta
])
def test_transaction_gradients_equal_finite_differences(f, theta):
    stats = _histories()
    ll, g = f(theta, stats)
    assert np.isfinite(ll)
    np.testing.assert_allclose(theta * g, _finite_difference(f, theta, stats), rtol=2e-6, atol=1e-5)


def test_gamma_gamma_gradient_equals_finite_differences():
    rng = np.random.default_rng(1)
    stats = lk.SpendStats(rng.integers(1, 30, 300).astype(float), rng.gamma(3, 10, 300), np.ones(300))
    theta = np.array([6.25, 3.74, 15.44])
    ll, g = lk.gamma_gamma(theta, stats)
    np.testing.assert_allclose(theta * g, _finite_difference(lk.gamma_gamma, theta, stats), rtol=1e-6)


def _reference_log_integral(r, alpha, s, beta, x, t_x, T):
    """ln of the dropout-time integral by composite Gauss-Legendre in ln(alpha + tau), 400 panels."""
    nodes, weights = np.polynomial.legendre.leggauss(64)
    edges = np.linspace(np.log(alpha + t_x), np.log(alpha + T), 401)
    half = (edges[1] - edges[0]) / 2
    w = ((edges[:-1] + edges[1:]) / 2)[:, None] + half * nodes[None, :]
    tau = np.exp(w) - alpha
    terms = -(r + x) * w - (s + 1) * np.log(beta + tau) + w + np.log(weights * half)[None, :]
    top = terms.max()
    return top + np.log(np.exp(terms - top).sum())


@pytest.mark.parametrize("theta", [PARETO, (0.55, 1.58, 2.61, 31.67), (2.0, 0.5, 8.0, 0.05)])
@pytest.mark.parametrize("x, t_x, T", [(0, 0, 40), (3, 10, 40), (100, 20, 40), (30, 2, 40), (1000, 1, 200)])
def test_pareto_integral_equals_an_independent_quadrature(theta, x, t_x, T):
    r, alpha, s, beta = theta
    got = lk.pareto_log_integral(r, alpha, s, beta, np.array([x]), np.array([t_x]), np.array([T]))[0][0]
    assert got == pytest.approx(_reference_log_integral(r, alpha, s, beta, x, t_x, T), rel=1e-9, abs=1e-7)


SMALL_S_BETA = (0.38, 0.33, 0.038, 0.045)  # a Shopify-style log's fit, time scaled so that max T = 1


def _quad_log_integral_to_infinity(r, alpha, s, beta, x, t):
    from scipy import integrate

    def f(tau):
        return np.exp(-(r + x) * np.log(alpha + tau) - (s + 1) * np.log(beta + tau))

    head = integrate.quad(f, t, t + 1, epsabs=0, epsrel=1e-13, limit=200)[0]
    tail = integrate.quad(f, t + 1, np.inf, epsabs=0, epsrel=1e-13, limit=500)[0]
    return np.log(head + tail)


def _quad_log_integral_in_w(r, alpha, s, beta, x, t):
    """The same integral by adaptive quadrature in w = ln(alpha + tau), 59 pieces over 45
    units of w, plus the analytic tail beyond (for alpha far above beta, where the
    integrand falls fast at first and slowly later)."""
    from scipy import integrate

    a, b, d = r + x, s + 1.0, beta - alpha
    w0 = np.log(alpha + t)
    k = a + b - 1.0
    top = max(w0, np.log(abs(d)) if d != 0 else w0) + 45.0

    def log_f(w):
        return w - a * w - b * np.log(np.exp(w) + d)

    g0 = log_f(w0)
    edges = np.linspace(w0, top, 60)
    total = sum(integrate.quad(lambda w: np.exp(log_f(w) - g0), lo, hi, limit=200, epsabs=0, epsrel=1e-13)[0]
                for lo, hi in zip(edges[:-1], edges[1:]))
    tail = np.exp(-k * top - g0) / k * (1 - b * d * np.exp(-top) * k / (k + 1))
    return g0 + np.log(total + tail)


@pytest.mark.parametrize("theta", [SMALL_S_BETA, PARETO, (0.55, 1.58, 2.61, 31.67), (0.1, 100.0, 5.0, 0.1),
                                   (0.05, 100.0, 0.3, 0.3), (1.0, 100.0, 0.3, 0.3), (0.01, 3.0, 0.01, 0.01)])
@pytest.mark.parametrize("x, t_x", [(0, 0.0), (0, 0.05), (1, 0.0), (3, 0.3), (10, 0.9)])
def test_pareto_integral_to_infinity_equals_scipy_quad(theta, x, t_x):
    """The integrals to infinity (differenced into I). Where alpha is far above beta the
    integrand decays fast at t_x and slowly (tau^-(r + x + s + 1)) in the tail; one
    substitution for both left ln F off by up to 0.3 % at small s and beta (the fit then
    stalled on a noisy likelihood) and by far more at alpha / beta = 1000."""
    r, alpha, s, beta = theta
    got = lk.pareto_log_integral(r, alpha, s, beta, np.array([float(x)]), np.array([t_x]), np.array([np.inf]),
                                 False, rule=lk._FINE)[0][0]
    tolerance = 1e-6 if r + s < 0.1 else 1e-7  # r + s = 0.02: a tail decaying as tau^-1.02
    assert got == pytest.approx(_quad_log_integral_in_w(r, alpha, s, beta, x, t_x), abs=tolerance)
    if alpha < 10:  # an independent second reference, in tau
        assert got == pytest.approx(_quad_log_integral_to_infinity(r, alpha, s, beta, x, t_x), abs=tolerance)


def test_a_flat_stop_is_accepted_only_near_zero_gradient():
    """L-BFGS-B's "cannot lower the value" stops: RELATIVE REDUCTION OF F is accepted up to a
    gradient of 1e-4 (a likelihood rising along a ridge), a failed line search (ABNORMAL)
    only up to 1e-5: far from an optimum a noisy objective stops the same way."""
    u, f = np.zeros(4), 1.0
    for message, g, accepted in [("CONVERGENCE: RELATIVE REDUCTION OF F <= FACTR*EPSMCH", 7.6e-5, True),
                                 ("ABNORMAL: ", 2.8e-6, True), ("ABNORMAL: ", 7.6e-5, False),
                                 ("CONVERGENCE: NORM OF PROJECTED GRADIENT <= PGTOL", 2.8e-6, False)]:
        gradient = np.full(4, g)
        if accepted:
            assert np.array_equal(lk._checked(u, f, gradient, 1e-6, message), u)
        else:
            with pytest.raises(lk.FitFailed):
                lk._checked(u, f, gradient, 1e-6, message)


def test_pareto_likelihood_and_gradient_with_small_s_and_beta():
    """Against lifetimes' closed form (hypergeometric) and central differences, where the
    integrals to infinity carry a slowly decaying tail."""
    stats = _histories(seed=5)
    keep = stats.x < 40
    x, t_x, T, w = stats.x[keep], stats.t_x[keep] / 200, stats.T[keep] / 200, stats.w[keep]
    small = lk.TransactionStats.from_rows(x, t_x, T, w)
    theta = np.array(SMALL_S_BETA)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = float(np.sum(w * lifetimes.ParetoNBDFitter._conditional_log_likelihood(theta, x, t_x, T)))
    ll, g = lk.paretonbd(theta, small)
    assert ll == pytest.approx(reference, rel=1e-9)
    for i in range(4):
        step = np.zeros(4)
        step[i] = 1e-6 * theta[i]
        numeric = (lk.paretonbd(theta + step, small, False)[0] - lk.paretonbd(theta - step, small, False)[0]) / (2 * step[i])
        assert g[i] == pytest.approx(numeric, rel=1e-5, abs=1e-3)


def test_pareto_fit_converges_on_a_shopify_export():
    """The report's CLV page failed here: the fit stalled on the noisy likelihood."""
    import sys
    from pathlib import Path

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    data = Path(__file__).parent / "data"
    options = tomllib.loads((data / "own_shop.toml").read_text(encoding="utf-8"))["transactions"]
    orders = rk.load_transactions(**{**options, "source": data / options["source"]})
    calibration = rk.calibration_holdout(orders, calibration_end="2023-12-31", observation_end="2024-12-31",
                                         monetary=True, **WEEKS)
    model = rk.fit_paretonbd(calibration)
    assert not model.on_ridge_ and model.penalizer == 0
    assert np.isfinite(model.summary["se"]).all()


def test_likelihoods_equal_lifetimes_where_lifetimes_is_finite():
    stats = _histories(seed=2)
    keep = stats.x < 40  # lifetimes' hypergeometric form is finite here
    x, t_x, T, w = stats.x[keep], stats.t_x[keep], stats.T[keep], stats.w[keep]
    small = lk.TransactionStats.from_rows(x, t_x, T, w)
    bg = np.array([0.24, 4.4, 0.79, 2.4])
    assert lk.bgnbd(bg, small, False)[0] == pytest.approx(
        -lifetimes.BetaGeoFitter._negative_log_likelihood(np.log(bg), x, t_x, T, w, 0.0) * w.sum(), rel=1e-12)
    assert lk.mbgnbd(bg, small, False)[0] == pytest.approx(
        -lifetimes.ModifiedBetaGeoFitter._negative_log_likelihood(np.log(bg), x, t_x, T, w, 0.0) * w.sum(),
        rel=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = float(np.sum(w * lifetimes.ParetoNBDFitter._conditional_log_likelihood(PARETO, x, t_x, T)))
    assert lk.paretonbd(PARETO, small, False)[0] == pytest.approx(reference, rel=1e-9)


def _pareto_model(theta=PARETO) -> rk.ParetoNBDModel:
    model = rk.ParetoNBDModel()
    model.params_ = pd.Series(theta, index=["r", "alpha", "s", "beta"])
    return model


def test_lifetimes_underflow_pair():
    # lifetimes' test_conditional_expectation_underflow: about 6.206 and 6.253; lifetimes
    # itself returns NaN here on scipy >= 1.16
    values = _pareto_model().conditional_expected_number_of_purchases_up_to_time(
        10, np.array([132.0, 133.0]), np.array([200.0, 200.0]), np.array([200.0, 200.0]))
    np.testing.assert_allclose(values, [6.206, 6.253], atol=1e-3)


def test_closed_forms_where_the_last_purchase_ends_the_window():
    r, alpha, s, beta = PARETO
    x, T, t = np.array([0.0, 1, 10, 132, 1000]), 200.0, 10.0
    model = _pareto_model()
    # Pareto/NBD: the dropout integral over (t_x, T] is empty, so P(alive) = 1 exactly ...
    np.testing.assert_array_equal(model.conditional_probability_alive(x, T, T), 1.0)
    # ... and E[Y(t)] is the expectation of a customer known to be alive (note 009, eq. 41)
    closed = (r + x) * (beta + T) / ((alpha + T) * (s - 1)) * (1 - ((beta + T) / (beta + T + t)) ** (s - 1))
    np.testing.assert_allclose(model.conditional_expected_number_of_purchases_up_to_time(t, x, T, T), closed,
                               rtol=1e-12)
    # BG/NBD is different: a customer may drop out right after the last purchase, so with
    # t_x = T, P(alive) = 1 / (1 + a / (b + x - 1)) for x > 0, not 1
    bgf = rk.BetaGeoModel()
    bgf.params_ = pd.Series({"r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.4})
    xs = x[1:]
    np.testing.assert_allclose(bgf.conditional_probability_alive(xs, T, T), (2.4 + xs - 1) / (0.79 + 2.4 + xs - 1),
                               rtol=1e-12)


@pytest.mark.parametrize("model", ["bgnbd", "mbgnbd", "paretonbd"])
def test_predictions_are_finite_on_a_grid_up_to_1000_purchases(model):
    fitted = {"bgnbd": rk.BetaGeoModel, "mbgnbd": rk.ModifiedBetaGeoModel, "paretonbd": rk.ParetoNBDModel}[model]()
    names = ["r", "alpha", "s", "beta"] if model == "paretonbd" else ["r", "alpha", "a", "b"]
    fitted.params_ = pd.Series([0.55, 10.58, 0.61, 11.67], index=names)
    x, share, T = np.meshgrid([0, 1, 2, 10, 100, 170, 500, 1000], [0.0, 0.01, 0.5, 0.99, 1.0], [0.5, 39, 200, 500])
    x, T = x.ravel().astype(float), T.ravel()
    t_x = np.where(x > 0, share.ravel() * T, 0.0)
    p = fitted.conditional_probability_alive(x, t_x, T)
    e = fitted.conditional_expected_number_of_purchases_up_to_time(10.0, x, t_x, T)
    assert np.all(np.isfinite(p)) and np.all((p >= 0) & (p <= 1))
    assert np.all(np.isfinite(e)) and np.all(e >= 0)


def test_heavy_buyer_on_full_cdnow_by_day_is_finite_and_ranked():
    # the customer: 170 repeat purchases, the last on the last day (NaN in lifetimes)
    s = rk.rfm_summary(rk.datasets.load_cdnow(), freq="D", observation_end="1998-06-30")
    heavy = s[s["frequency"] >= 170]
    assert len(heavy) == 1 and heavy["recency"].iloc[0] == heavy["T"].iloc[0]
    model = _pareto_model((0.611, 95.3, 0.313, 43.04))  # the fit on this summary
    model.unit_days_ = 1.0
    e = rk.expected_purchases(model, s, days=30)
    assert np.isfinite(e).all() and e.loc[heavy.index[0]] > 5
    assert rk.probability_alive(model, heavy).iloc[0] == 1.0


def test_rankings_refuse_non_finite_values_and_name_the_customers(weekly):
    bgf = rk.fit_bgnbd(weekly)
    ggf = rk.fit_gamma_gamma(weekly)
    original = bgf.conditional_probability_alive

    def broken(frequency, recency, T):
        values = np.array(original(frequency, recency, T), dtype=float)
        values[[3, 7]] = np.nan
        return values

    bgf.conditional_probability_alive = broken
    with pytest.raises(RetentionDataError, match=r"P\(alive\) is not a finite number for 2 customers \(0004, 0008\)"):
        rk.winback_list(bgf, ggf, weekly, threshold=0.3, months=12, monthly_discount_rate=0.01, margin=0.3)
    with pytest.raises(RetentionDataError, match="0004, 0008"):
        rk.probability_alive(bgf, weekly)


def test_fits_equal_lifetimes_on_cdnow(weekly):
    f, r, T = weekly["frequency"], weekly["recency"], weekly["T"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cases = [
            (rk.fit_bgnbd(weekly), lifetimes.BetaGeoFitter().fit(f, r, T)),
            (rk.fit_bgnbd(weekly, penalizer=0.01), lifetimes.BetaGeoFitter(penalizer_coef=0.01).fit(f, r, T)),
            (rk.fit_mbgnbd(weekly), lifetimes.ModifiedBetaGeoFitter().fit(f, r, T)),
            # lifetimes' Nelder-Mead stops at a tolerance of 1e-4 by default: run it to convergence
            (rk.fit_paretonbd(weekly), lifetimes.ParetoNBDFitter().fit(f, r, T, tol=1e-10, maxiter=20000)),
            (rk.fit_paretonbd(weekly, penalizer=0.01),
             lifetimes.ParetoNBDFitter(penalizer_coef=0.01).fit(f, r, T, tol=1e-10, maxiter=20000)),
        ]
        repeaters = weekly[weekly["frequency"] > 0]
        cases.append((rk.fit_gamma_gamma(weekly),
                      lifetimes.GammaGammaFitter().fit(repeaters["frequency"], repeaters["monetary_value"])))
    for kit, reference in cases:
        np.testing.assert_allclose(kit.params_.to_numpy(), reference.params_[kit.params_.index].to_numpy(),
                                   rtol=1e-4, err_msg=type(kit).__name__)
    # the compressed fit is the plain fit, penalty included
    packed, plain = rk.fit_paretonbd(weekly, penalizer=0.01), rk.fit_paretonbd(weekly, penalizer=0.01, compress=False)
    np.testing.assert_allclose(packed.params_, plain.params_, rtol=1e-7)


def test_standard_errors_come_from_the_exact_gradient(weekly):
    model = rk.fit_paretonbd(weekly)
    u = np.log(model.params_.to_numpy())
    _, g = model._log_likelihood_gradient(u)
    assert np.max(np.abs(g)) < 1e-3  # the maximum
    info = -lk.gradient_hessian(lambda z: model._log_likelihood_gradient(z)[1], u)
    se = model.params_.to_numpy() * np.sqrt(np.diag(np.linalg.inv(info)))
    np.testing.assert_allclose(model.summary["se"], se, rtol=1e-10)
    np.testing.assert_allclose(model.standard_errors_, se, rtol=1e-10)


def test_recovers_simulated_parameters():
    truth = rk.simulate.SIMULATION_DEFAULTS
    tx = rk.simulate.simulate_transactions(20_000, seed=3)
    s = rk.rfm_summary(tx, freq="D", freq_multiplier=7, observation_end="2024-12-31", monetary=False)
    model = rk.fit_bgnbd(s)
    # purchases on the same day count once in the summary, which biases the rate a little
    # (alpha comes back about 6 % high at this size, 4 standard errors): within 10 %
    for name in ("r", "alpha", "a", "b"):
        assert model.params_[name] == pytest.approx(truth[name], rel=0.10), name
    assert model.params_["r"] / model.params_["alpha"] == pytest.approx(truth["r"] / truth["alpha"], rel=0.05)


def test_a_fit_on_a_ridge_reports_no_standard_errors():
    """One dropout rate for everybody: Pareto/NBD's s and beta run off to infinity together.
    The fit is accepted (the ratio s/beta, the dropout rate, and the predictions have
    converged) but the summary must not show intervals that look narrow."""
    rng = np.random.default_rng(0)
    n, mu = 2000, 0.01
    T = rng.uniform(20, 52, n)
    lam = rng.gamma(2.0, 1 / 10.0, n)
    end = np.minimum(rng.exponential(1 / mu, n), T)
    x = rng.poisson(lam * end)
    t_x = np.array([rng.uniform(0, t, k).max() if k else 0.0 for k, t in zip(x, end)])
    summary = pd.DataFrame({"frequency": x.astype(float), "recency": t_x, "T": T},
                           index=pd.Index(np.arange(n).astype(str), name="customer_id"))
    summary.attrs.update(freq="W", freq_multiplier=1.0, unit_days=7.0, observation_end="2024-12-31")
    model = rk.fit_paretonbd(summary)
    assert model.on_ridge_
    assert model.params_["s"] > 1e4 and model.params_["beta"] > 1e4
    assert model.params_["s"] / model.params_["beta"] == pytest.approx(mu, rel=0.3)
    table = model.summary
    assert table[["se", "ci_lower", "ci_upper"]].isna().all().all()
    assert "not determined" in table.attrs["note"]
    assert np.isfinite(rk.expected_purchases(model, summary, days=10 * 7)).all()
