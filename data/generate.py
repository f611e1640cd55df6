"""Seeded generator for the synthetic demo data shipped in ``data/``.

Run ``python data/generate.py`` to (re)write the five CSV files next to this script,
``python data/generate.py --out DIR`` to write them into ``DIR`` instead, and add
``--summary`` to print the row counts, checks and sha256 checksums that
``data/README.md`` quotes. The output is byte-for-byte deterministic: the same seed,
``\\n`` line endings, money with two decimals, ISO dates and a fixed row order (the
checksums were produced with numpy 2.4 and pandas 3.1; numpy does not promise identical
random streams across all future versions).

Only numpy, pandas and the standard library are used (not ``retention_kit``), so the
data cannot drift with the code it is meant to test.

Randomness
----------
One :class:`numpy.random.SeedSequence` seeded with ``SEED = 20261124`` is spawned into
five children, one :func:`numpy.random.default_rng` per file (orders, subscriptions,
survey, sessions, the Iranian shop), so changing one file's recipe does not change the
others (the first four children are those of the original four-way spawn).

The files
---------
``orders.csv`` -- e-commerce order log (non-contractual setting)
    ``order_id,customer_id,order_date,amount,channel``. About 12,000 customers
    (``S000001``...) make a first order between 2023-01-01 and 2024-12-31 (mild
    seasonality, a November/December bump) and are observed until 2025-06-30.
    Repeat buying follows the BG/NBD model (Fader, Hardie & Lee 2005) with time in
    WEEKS: each customer has a purchase rate ``lambda ~ Gamma(shape=r, rate=alpha)``
    and a drop-out probability ``p ~ Beta(a, b)``; inter-purchase times are
    ``Exponential(lambda)`` while alive, the first purchase (at acquisition) is always
    made, and right after each REPEAT purchase the customer becomes inactive for good
    with probability ``p``. Order values follow the Gamma-Gamma model (Fader, Hardie &
    Lee 2005, "RFM and CLV"): each customer has ``nu ~ Gamma(shape=q, rate=gamma)`` and
    each order amount is ``Gamma(shape=p, rate=nu)`` (mean order value
    ``p * gamma / (q - 1)`` = 30), rounded to cents (at least 0.01). Continuous purchase
    times are floored to calendar days. Each customer has fixed channel probabilities
    drawn from a Dirichlet distribution around web/app/marketplace = 55/30/15 %.
    ``order_id`` (``O0000001``...) follows the exact purchase time.
    Deliberate mess: about 1 % of orders have a later refund row (order id ``R`` + the
    refunded order's id, same customer and channel, dated 1-30 days after the order
    but never after 2025-06-30, amount = minus the original amount), and 25 rows are
    repeated verbatim (an export glitch; the copy sits right below the original).
    Rows are sorted by ``order_date`` then ``order_id``.

``subscriptions.csv`` -- SaaS subscription spells (contractual setting, billed monthly)
    ``customer_id,start_date,end_date,plan,mrr,segment``. About 4,000 customers
    (``C00001``...) sign up between 2022-01-01 and 2025-06-30 with growing volume
    (fewer sign-ups at weekends). One row per spell; a spell covers
    ``[start_date, end_date)`` and ``end_date`` is empty for spells still live on
    2025-06-30. Cancellations take effect on a monthly billing anniversary (counted
    from the start of the customer's current run of spells); a plan change happens on
    a day inside a billing month, ends the current spell and starts the next one on
    the SAME date. In each billing month one of churn / upgrade / downgrade / nothing
    happens. The monthly churn hazard is ``base[plan] * tenure factor * frailty *
    satisfaction factor``: base 6 % / 3 % / 1.5 % for basic / pro / enterprise, a
    tenure factor ``1 + 0.6 * exp(-(month - 1) / 6)`` (early months are riskier),
    a per-customer Gamma frailty with mean 1 (unobserved heterogeneity, so the
    population hazard falls further with tenure), and ``exp(-beta * s - beta**2 / 2)``
    for the latent satisfaction ``s ~ Normal(0, 1)`` (mean factor 1; dissatisfied
    customers churn 2-3 times as often as satisfied ones). Upgrades (basic -> pro ->
    enterprise) happen at 2.5 % per month, downgrades at 1 %. After a cancellation a
    customer comes back with probability 0.20 after a gap of 30-365 days (a
    reactivation: a new spell, usually on the old plan); reactivations after
    2025-06-30 are not observed, so about 15 % of the customers who cancelled are
    seen to come back. Plans: basic (mrr 29), pro (99), enterprise (499,
    40 % of enterprise spells negotiated down by 0-30 %). ``segment`` is the company
    size (smb / mid_market / enterprise), fixed per customer and correlated with plan.
    Rows are sorted by ``customer_id`` then ``start_date``.

``nps_survey.csv`` -- NPS survey export
    ``response_id,customer_id,response_date,score,plan,segment,region``. Quarterly waves
    on the 15th of Feb / May / Aug / Nov from 2022-05-15 to 2025-05-15. In each wave a
    random 35 % of the subscription customers active on the wave date are invited to
    answer; the answer comes 0-13 days later and is kept only if the customer is
    still active on that day (nobody answers after churning). ``plan`` and
    ``segment`` are those of the spell live on the response date; ``region``
    (EMEA / AMER / APAC) is a fixed customer attribute. The score is
    ``round(base + slope * s + plan effect + drift * years + noise)`` clipped to 0-10
    (Student-t noise, so a few extreme answers occur),
    with the same latent satisfaction ``s`` that drives churn, so detractors really do
    churn more. ``response_id`` (``R000001``...) follows the response date.

``web_sessions.csv`` -- web analytics sessions export, 2024-01-01..2024-12-31
    ``session_id,visitor_id,session_start,channel,pages``. New visitors (``V000001``...
    in order of first visit) arrive at a roughly constant weekly rate with a seasonal
    wave, a November/December bump and fewer arrivals at weekends. Each visitor has a
    lifetime ``Exponential(mean 70 days)`` and while "alive" returns as a Poisson
    process with a visitor-specific weekly rate ``Gamma(shape 0.5, mean 0.15)``.
    Session start times follow a daily profile (quiet nights, lunchtime and evening
    peaks). The first session's channel follows the acquisition mix, return visits
    lean towards direct and email. ``pages`` is ``1 + NegativeBinomial``, with more
    bounces from paid and social traffic. ``session_id`` (``W0000001``...) follows
    ``session_start``.

``iran_orders.csv`` -- an Iranian shop's order export, 1401/01/01..1403/06/31 (Jalali)
    ``شماره سفارش,کد مشتری,تاریخ سفارش,مبلغ (تومان)`` (order number, customer code, order
    date, amount in Toman), all in Persian digits, dates as ``۱۴۰۲/۰۸/۲۰``, amounts with
    the Persian thousands separator ``٬``. 3,000 customers make a first order between
    1401/01/01 and 1402/12/29 (2022-03-21..2024-03-19) and are observed until 1403/06/31
    (2024-09-21). Purchases follow a BG/NBD-like process in continuous time (rate
    ``Gamma(0.9, rate 6)`` per week, drop-out ``Beta(1, 4)`` after each repeat purchase)
    whose intensity follows the Jalali year: times ``IRAN_ESFAND_BOOST`` in Esfand, the
    month before Nowruz, and ``IRAN_NOWRUZ_HOLIDAY`` on the Nowruz holidays (1-13
    Farvardin), drawn by thinning; first orders follow the same day weights. Amounts
    ``Gamma(shape 4, scale 300,000)`` Toman rounded to 1,000 (at least 50,000). Dates are
    converted with the table :data:`NOWRUZ` (no calendar library). Rows in order of
    purchase time.

The true generating parameters are collected in :data:`TRUE_PARAMS` so a notebook can
compare model estimates with them.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import hashlib
import sys
from pathlib import Path

import numpy as np
import pandas as pd

# ---------------------------------------------------------------------------
# general
# ---------------------------------------------------------------------------

SEED = 20261124  # root seed; one child generator per file is spawned from it
FILES = ("orders.csv", "subscriptions.csv", "nps_survey.csv", "web_sessions.csv", "iran_orders.csv")
OBSERVATION_END = dt.date(2025, 6, 30)  # last observed day for orders, subscriptions, survey

# ---------------------------------------------------------------------------
# 1. orders.csv: BG/NBD + Gamma-Gamma, time unit = weeks
# ---------------------------------------------------------------------------

ORDERS_N_CUSTOMERS = 12_000
ORDERS_ACQ_START = dt.date(2023, 1, 1)  # first possible first order
ORDERS_ACQ_END = dt.date(2024, 12, 31)  # last possible first order
ORDERS_ACQ_SEASONAL_AMPLITUDE = 0.15  # +-15 % yearly wave in acquisitions, peak in December
ORDERS_ACQ_HOLIDAY_BOOST = 0.35  # extra +35 % acquisitions from Nov 20 to Dec 31
# BG/NBD (Fader, Hardie & Lee 2005): lambda ~ Gamma(shape=r, rate=alpha) per week,
# p ~ Beta(a, b) drop-out probability after each repeat purchase.
BGNBD_R = 0.75
BGNBD_ALPHA = 10.0
BGNBD_A = 0.8
BGNBD_B = 3.0
# Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV"): nu ~ Gamma(shape=q, rate=gamma),
# amount ~ Gamma(shape=p, rate=nu); mean order value p * gamma / (q - 1) = 30.
GG_P = 6.0
GG_Q = 4.0
GG_GAMMA = 15.0
ORDER_CHANNELS = ("web", "app", "marketplace")
ORDER_CHANNEL_MIX = (0.55, 0.30, 0.15)  # mean of each customer's channel probabilities
ORDER_CHANNEL_CONCENTRATION = 2.0  # Dirichlet concentration: small = strong personal preferences
REFUND_RATE = 0.01  # share of orders that get a later refund row
REFUND_MAX_DAYS = 30  # refund 1..30 days after the order (never after OBSERVATION_END)
N_DUPLICATE_ROWS = 25  # rows repeated verbatim (export glitch)

# ---------------------------------------------------------------------------
# 2. subscriptions.csv: monthly-billed SaaS spells
# ---------------------------------------------------------------------------

SUBS_N_CUSTOMERS = 4_000
SUBS_SIGNUP_START = dt.date(2022, 1, 1)
SUBS_SIGNUP_END = dt.date(2025, 6, 30)
SUBS_GROWTH_PER_YEAR = 0.35  # sign-up intensity grows like exp(0.35 * years)
SUBS_WEEKEND_FACTOR = 0.6  # sign-ups on Saturday/Sunday relative to a weekday
PLANS = ("basic", "pro", "enterprise")
PLAN_MRR = {"basic": 29.0, "pro": 99.0, "enterprise": 499.0}
ENTERPRISE_NEGOTIATED_SHARE = 0.4  # share of enterprise spells with a negotiated price
ENTERPRISE_MAX_DISCOUNT = 0.30  # negotiated discount ~ Uniform(0, 0.30)
SEGMENTS = ("smb", "mid_market", "enterprise")
SEGMENT_MIX = (0.60, 0.30, 0.10)  # company size of a new customer
# first plan given the segment (rows: segment, columns: basic, pro, enterprise)
PLAN_GIVEN_SEGMENT = {
    "smb": (0.70, 0.27, 0.03),
    "mid_market": (0.30, 0.55, 0.15),
    "enterprise": (0.05, 0.35, 0.60),
}
CHURN_HAZARD = {"basic": 0.06, "pro": 0.03, "enterprise": 0.015}  # monthly, before factors
TENURE_EXTRA = 0.6  # tenure factor 1 + 0.6 * exp(-(month - 1) / TENURE_DECAY_MONTHS)
TENURE_DECAY_MONTHS = 6.0
FRAILTY_SHAPE = 3.0  # per-customer churn frailty ~ Gamma(shape 3, mean 1)
SATISFACTION_CHURN_BETA = 0.6  # churn factor exp(-beta * s - beta**2 / 2), s ~ Normal(0, 1)
UPGRADE_RATE = 0.025  # per month (basic -> pro, pro -> enterprise)
DOWNGRADE_RATE = 0.010  # per month (enterprise -> pro, pro -> basic)
REACTIVATION_PROB = 0.20  # chance that a cancellation is followed by a comeback
REACTIVATION_GAP_DAYS = (30, 365)  # gap between cancellation and comeback, uniform
REACTIVATION_SAME_PLAN = 0.7  # comeback on the last plan, else a fresh draw given segment

# ---------------------------------------------------------------------------
# 3. nps_survey.csv
# ---------------------------------------------------------------------------

SURVEY_WAVES = tuple(
    dt.date(y, m, 15)
    for y in (2022, 2023, 2024, 2025)
    for m in (2, 5, 8, 11)
    if dt.date(2022, 5, 15) <= dt.date(y, m, 15) <= dt.date(2025, 5, 15)
)
SURVEY_RESPONSE_RATE = 0.35  # share of active customers responding in a wave
SURVEY_MAX_DELAY_DAYS = 13  # response 0..13 days after the wave date
REGIONS = ("EMEA", "AMER", "APAC")
REGION_MIX = (0.45, 0.35, 0.20)
# latent score = base + slope * s + plan effect + drift * (years since first wave) + noise
SCORE_BASE = 7.7
SCORE_SATISFACTION_SLOPE = 1.8
SCORE_PLAN_EFFECT = {"basic": -0.3, "pro": 0.0, "enterprise": 0.4}
SCORE_DRIFT_PER_YEAR = 0.05
SCORE_NOISE_SCALE = 1.3  # noise = scale * Student-t(df): heavy tails give a few 0-2 scores
SCORE_NOISE_DF = 4.0

# ---------------------------------------------------------------------------
# 4. web_sessions.csv
# ---------------------------------------------------------------------------

SESSIONS_START = dt.date(2024, 1, 1)
SESSIONS_END = dt.date(2024, 12, 31)
NEW_VISITORS_PER_WEEK = 500  # average weekly arrivals of new visitors
VISITOR_SEASONAL_AMPLITUDE = 0.15  # +-15 % yearly wave
VISITOR_HOLIDAY_BOOST = 0.30  # +30 % arrivals from Nov 20 to Dec 31
VISITOR_WEEKEND_FACTOR = 0.8
VISITOR_LIFETIME_MEAN_DAYS = 70.0  # exponential lifetime while the visitor may return
RETURN_RATE_SHAPE = 0.5  # weekly return rate ~ Gamma(shape 0.5, mean RETURN_RATE_MEAN)
RETURN_RATE_MEAN = 0.15
SESSION_CHANNELS = ("organic", "paid", "direct", "email", "social")
FIRST_SESSION_CHANNEL_MIX = (0.38, 0.25, 0.15, 0.04, 0.18)
RETURN_SESSION_CHANNEL_MIX = (0.30, 0.10, 0.35, 0.18, 0.07)
# pages = 1 + NegativeBinomial(n, prob): P(1 page) = prob**n, mean 1 + n * (1 - prob) / prob
PAGES_NB_N = 0.8
PAGES_NB_PROB = {"organic": 0.25, "paid": 0.35, "direct": 0.22, "email": 0.25, "social": 0.40}
HOUR_WEIGHTS = (  # relative session starts by hour of day, 00..23
    0.6, 0.4, 0.3, 0.25, 0.25, 0.35, 0.7, 1.2, 1.7, 2.0, 2.1, 2.2,
    2.5, 2.4, 2.1, 2.0, 2.0, 2.1, 2.4, 2.8, 3.0, 2.8, 2.0, 1.2,
)

# ---------------------------------------------------------------------------
# 5. iran_orders.csv: an Iranian shop's export (Jalali dates, Persian digits, Toman)
# ---------------------------------------------------------------------------

# Nowruz (1 Farvardin) in the Gregorian calendar: a Jalali year runs from one to the next
# (1403 has 366 days, so 30 Esfand 1403 exists). Kept as data so that the generator needs
# no calendar library.
NOWRUZ = {
    1401: dt.date(2022, 3, 21), 1402: dt.date(2023, 3, 21), 1403: dt.date(2024, 3, 20),
    1404: dt.date(2025, 3, 21),
}
IRAN_N_CUSTOMERS = 3_000
IRAN_ACQ_START = dt.date(2022, 3, 21)  # 1401/01/01
IRAN_ACQ_END = dt.date(2024, 3, 19)  # 1402/12/29
IRAN_OBSERVATION_END = dt.date(2024, 9, 21)  # 1403/06/31
IRAN_ESFAND_BOOST = 1.8  # buying in Esfand, the month before Nowruz, relative to other months
IRAN_NOWRUZ_HOLIDAY = 0.35  # buying on 1-13 Farvardin (the Nowruz holidays)
IRAN_R, IRAN_ALPHA = 0.9, 6.0  # purchase rate per week ~ Gamma(shape 0.9, rate 6): mean 0.15
IRAN_DROPOUT_A, IRAN_DROPOUT_B = 1.0, 4.0  # drop-out after a repeat purchase ~ Beta(1, 4)
IRAN_AMOUNT_SHAPE, IRAN_AMOUNT_SCALE = 4.0, 300_000.0  # Toman, mean 1.2 million, to 1,000
IRAN_HEADER = ("شماره سفارش", "کد مشتری", "تاریخ سفارش", "مبلغ (تومان)")

# True parameters, named as in the ``lifetimes`` fitters where one exists (BetaGeoFitter:
# r, alpha, a, b; GammaGammaFitter: p, q, v -- ``v`` is the rate the paper calls gamma).
TRUE_PARAMS = {
    "seed": SEED,
    "observation_end": OBSERVATION_END.isoformat(),
    "orders": {
        "time_unit": "weeks",
        "bgnbd": {"r": BGNBD_R, "alpha": BGNBD_ALPHA, "a": BGNBD_A, "b": BGNBD_B},
        "gamma_gamma": {"p": GG_P, "q": GG_Q, "v": GG_GAMMA},
        "mean_order_value": GG_P * GG_GAMMA / (GG_Q - 1),
        "n_customers": ORDERS_N_CUSTOMERS,
        "channel_mix": dict(zip(ORDER_CHANNELS, ORDER_CHANNEL_MIX)),
        "refund_rate": REFUND_RATE,
        "n_duplicate_rows": N_DUPLICATE_ROWS,
    },
    "subscriptions": {
        "time_unit": "months",
        "n_customers": SUBS_N_CUSTOMERS,
        "plan_mrr": dict(PLAN_MRR),
        "monthly_churn_hazard": dict(CHURN_HAZARD),
        "tenure_extra": TENURE_EXTRA,
        "tenure_decay_months": TENURE_DECAY_MONTHS,
        "frailty_shape": FRAILTY_SHAPE,
        "satisfaction_churn_beta": SATISFACTION_CHURN_BETA,
        "upgrade_rate": UPGRADE_RATE,
        "downgrade_rate": DOWNGRADE_RATE,
        "reactivation_prob": REACTIVATION_PROB,
        "reactivation_gap_days": list(REACTIVATION_GAP_DAYS),
    },
    "survey": {
        "waves": [w.isoformat() for w in SURVEY_WAVES],
        "response_rate": SURVEY_RESPONSE_RATE,
        "score_base": SCORE_BASE,
        "score_satisfaction_slope": SCORE_SATISFACTION_SLOPE,
        "score_plan_effect": dict(SCORE_PLAN_EFFECT),
        "score_drift_per_year": SCORE_DRIFT_PER_YEAR,
        "score_noise_scale": SCORE_NOISE_SCALE,
        "score_noise_df": SCORE_NOISE_DF,
    },
    "sessions": {
        "new_visitors_per_week": NEW_VISITORS_PER_WEEK,
        "visitor_lifetime_mean_days": VISITOR_LIFETIME_MEAN_DAYS,
        "return_rate_per_week": {"shape": RETURN_RATE_SHAPE, "mean": RETURN_RATE_MEAN},
    },
}

# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

_EPOCH = dt.date(1970, 1, 1)


def _day_number(d: dt.date) -> int:
    """Days since 1970-01-01 (the integer behind ``datetime64[D]``)."""
    return (d - _EPOCH).days


def _iso_days(days: np.ndarray) -> np.ndarray:
    """Day numbers -> ``YYYY-MM-DD`` strings."""
    return np.datetime_as_string(np.asarray(days, dtype="int64").astype("datetime64[D]"), unit="D")


def _money(values: np.ndarray) -> list[str]:
    """Amounts -> strings with exactly two decimals."""
    return [f"{v:.2f}" for v in np.asarray(values, dtype=float)]


def _ids(prefix: str, n: int, width: int) -> list[str]:
    return [f"{prefix}{i:0{width}d}" for i in range(1, n + 1)]


def _seasonal_day_weights(
    first: dt.date, last: dt.date, amplitude: float, holiday_boost: float, weekend: float = 1.0
) -> np.ndarray:
    """Probability of each calendar day in [first, last]: yearly wave peaking at new year,
    a boost from Nov 20 to Dec 31 and an optional weekend factor."""
    days = np.arange(_day_number(first), _day_number(last) + 1)
    dates = days.astype("datetime64[D]")
    doy = (dates - dates.astype("datetime64[Y]")).astype(int)  # 0-based day of year
    month = dates.astype("datetime64[M]").astype(int) % 12 + 1
    dom = (dates - dates.astype("datetime64[M]")).astype(int) + 1
    w = 1.0 + amplitude * np.cos(2 * np.pi * (doy - 355) / 365.25)
    w = w * np.where((month == 12) | ((month == 11) & (dom >= 20)), 1.0 + holiday_boost, 1.0)
    weekday = (days + 3) % 7  # 0 = Monday (1970-01-01 was a Thursday)
    w = w * np.where(weekday >= 5, weekend, 1.0)
    return w / w.sum()


def _add_months(d: dt.date, k: int) -> dt.date:
    """Billing anniversary: ``d`` plus ``k`` calendar months (day clipped to month end)."""
    m = d.month - 1 + k
    y, m = d.year + m // 12, m % 12 + 1
    return dt.date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# ---------------------------------------------------------------------------
# 1. orders
# ---------------------------------------------------------------------------


def make_orders(rng: np.random.Generator) -> pd.DataFrame:
    """E-commerce order log: BG/NBD purchases, Gamma-Gamma amounts, refunds, duplicates."""
    n = ORDERS_N_CUSTOMERS
    origin = _day_number(ORDERS_ACQ_START)
    end_t = (_day_number(OBSERVATION_END) + 1 - origin) / 7.0  # weeks, end of 2025-06-30

    # acquisition: a seasonal calendar day plus a uniform time of day, in weeks since origin
    w = _seasonal_day_weights(
        ORDERS_ACQ_START, ORDERS_ACQ_END, ORDERS_ACQ_SEASONAL_AMPLITUDE, ORDERS_ACQ_HOLIDAY_BOOST
    )
    acq_day = rng.choice(len(w), size=n, p=w)
    t0 = np.sort((acq_day + rng.random(n)) / 7.0)  # customer ids follow acquisition order

    lam = rng.gamma(BGNBD_R, 1.0 / BGNBD_ALPHA, size=n)  # purchases per week
    p_drop = rng.beta(BGNBD_A, BGNBD_B, size=n)
    nu = rng.gamma(GG_Q, 1.0 / GG_GAMMA, size=n)
    chan_p = rng.dirichlet(ORDER_CHANNEL_CONCENTRATION * np.asarray(ORDER_CHANNEL_MIX), size=n)

    cust_parts, time_parts = [np.arange(n)], [t0]
    t = t0.copy()
    alive = np.arange(n)
    while alive.size:
        t_next = t[alive] + rng.exponential(1.0 / lam[alive])
        inside = t_next < end_t
        alive, t_next = alive[inside], t_next[inside]
        cust_parts.append(alive)
        time_parts.append(t_next)
        t[alive] = t_next
        alive = alive[rng.random(alive.size) >= p_drop[alive]]  # drop out after a repeat purchase
    cust = np.concatenate(cust_parts)
    when = np.concatenate(time_parts)
    order = np.lexsort((cust, when))
    cust, when = cust[order], when[order]
    m = cust.size

    amount = rng.gamma(GG_P, 1.0 / nu[cust])
    amount = np.maximum(np.round(amount, 2), 0.01)
    cum = np.cumsum(chan_p[cust], axis=1)
    channel_idx = (rng.random(m)[:, None] > cum).sum(axis=1).clip(0, len(ORDER_CHANNELS) - 1)
    order_day = origin + np.floor(when * 7.0).astype(np.int64)

    orders = pd.DataFrame(
        {
            "order_id": _ids("O", m, 7),
            "customer_id": np.asarray(_ids("S", n, 6), dtype=object)[cust],
            "day": order_day,
            "amount": amount,
            "channel": np.asarray(ORDER_CHANNELS, dtype=object)[channel_idx],
        }
    )

    # refunds: ~1 % of orders that leave room for a refund on or before OBSERVATION_END
    last_day = _day_number(OBSERVATION_END)
    eligible = orders["day"].to_numpy() < last_day
    refunded = eligible & (rng.random(m) < REFUND_RATE)
    ref = orders[refunded].copy()
    room = np.minimum(REFUND_MAX_DAYS, last_day - ref["day"].to_numpy())
    ref["day"] = ref["day"].to_numpy() + 1 + np.floor(rng.random(len(ref)) * room).astype(np.int64)
    ref["order_id"] = "R" + ref["order_id"]
    ref["amount"] = -ref["amount"]
    out = pd.concat([orders, ref], ignore_index=True)
    out = out.sort_values(["day", "order_id"], kind="stable", ignore_index=True)

    # duplicates: N_DUPLICATE_ROWS distinct rows repeated verbatim right below the original
    dup_pos = np.sort(rng.choice(len(out), size=N_DUPLICATE_ROWS, replace=False))
    reps = np.ones(len(out), dtype=np.int64)
    reps[dup_pos] = 2
    out = out.loc[np.repeat(np.arange(len(out)), reps)].reset_index(drop=True)

    return pd.DataFrame(
        {
            "order_id": out["order_id"],
            "customer_id": out["customer_id"],
            "order_date": _iso_days(out["day"].to_numpy()),
            "amount": _money(out["amount"].to_numpy()),
            "channel": out["channel"],
        }
    )


# ---------------------------------------------------------------------------
# 2. subscriptions
# ---------------------------------------------------------------------------


def _enterprise_mrr(rng: np.random.Generator) -> float:
    if rng.random() < ENTERPRISE_NEGOTIATED_SHARE:
        return round(PLAN_MRR["enterprise"] * (1.0 - ENTERPRISE_MAX_DISCOUNT * rng.random()), 2)
    return PLAN_MRR["enterprise"]


def make_subscriptions(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.Series]:
    """Subscription spells, and the latent satisfaction ``s ~ Normal(0, 1)`` per customer.

    Returns ``(spells, satisfaction)``; ``satisfaction`` is a float Series indexed by
    ``customer_id`` (named ``satisfaction``) that :func:`make_survey` turns into scores.
    """
    n = SUBS_N_CUSTOMERS
    first = _day_number(SUBS_SIGNUP_START)
    days = np.arange(first, _day_number(SUBS_SIGNUP_END) + 1)
    weekday = (days + 3) % 7
    w = np.exp(SUBS_GROWTH_PER_YEAR * (days - first) / 365.25)
    w = w * np.where(weekday >= 5, SUBS_WEEKEND_FACTOR, 1.0)
    signup = np.sort(rng.choice(days, size=n, p=w / w.sum()))

    ids = _ids("C", n, 5)
    satisfaction = rng.standard_normal(n)
    frailty = rng.gamma(FRAILTY_SHAPE, 1.0 / FRAILTY_SHAPE, size=n)
    segment = rng.choice(len(SEGMENTS), size=n, p=SEGMENT_MIX)
    sat_factor = np.exp(-SATISFACTION_CHURN_BETA * satisfaction - SATISFACTION_CHURN_BETA**2 / 2)
    end = OBSERVATION_END

    rows: list[tuple[str, dt.date, dt.date | None, str, float, str]] = []
    for i in range(n):
        seg = SEGMENTS[segment[i]]
        plan = PLANS[rng.choice(3, p=PLAN_GIVEN_SEGMENT[seg])]
        run_start = _EPOCH + dt.timedelta(days=int(signup[i]))
        while True:  # one run of contiguous spells per iteration
            spell_start = run_start
            mrr = _enterprise_mrr(rng) if plan == "enterprise" else PLAN_MRR[plan]
            month = 1
            prev_anniv = run_start
            churned_on: dt.date | None = None
            while True:  # billing months of this run
                anniv = _add_months(run_start, month)
                tenure = 1.0 + TENURE_EXTRA * np.exp(-(month - 1) / TENURE_DECAY_MONTHS)
                h = min(CHURN_HAZARD[plan] * tenure * frailty[i] * sat_factor[i], 0.95)
                up = UPGRADE_RATE if plan != "enterprise" else 0.0
                down = DOWNGRADE_RATE if plan != "basic" else 0.0
                u = rng.random()
                if u < h:  # cancellation effective at the end of this billing month
                    if anniv > end:
                        break
                    rows.append((ids[i], spell_start, anniv, plan, mrr, seg))
                    churned_on = anniv
                    break
                if u < h + up + down:  # plan change on a day inside this billing month
                    change = prev_anniv + dt.timedelta(
                        days=int(rng.integers(1, (anniv - prev_anniv).days))
                    )
                    if change > end:
                        break
                    rows.append((ids[i], spell_start, change, plan, mrr, seg))
                    step = 1 if u < h + up else -1
                    plan = PLANS[PLANS.index(plan) + step]
                    mrr = _enterprise_mrr(rng) if plan == "enterprise" else PLAN_MRR[plan]
                    spell_start = change
                if anniv > end:
                    break
                prev_anniv = anniv
                month += 1
            if churned_on is None:  # still live at the end of observation
                rows.append((ids[i], spell_start, None, plan, mrr, seg))
                break
            if rng.random() >= REACTIVATION_PROB:
                break
            gap = int(rng.integers(REACTIVATION_GAP_DAYS[0], REACTIVATION_GAP_DAYS[1] + 1))
            run_start = churned_on + dt.timedelta(days=gap)
            if run_start > end:
                break
            if rng.random() >= REACTIVATION_SAME_PLAN:
                plan = PLANS[rng.choice(3, p=PLAN_GIVEN_SEGMENT[seg])]

    spells = pd.DataFrame(rows, columns=["customer_id", "start", "end", "plan", "mrr", "segment"])
    spells = spells.sort_values(["customer_id", "start"], kind="stable", ignore_index=True)
    out = pd.DataFrame(
        {
            "customer_id": spells["customer_id"],
            "start_date": [d.isoformat() for d in spells["start"]],
            "end_date": [d.isoformat() if d is not None else "" for d in spells["end"]],
            "plan": spells["plan"],
            "mrr": _money(spells["mrr"].to_numpy()),
            "segment": spells["segment"],
        }
    )
    return out, pd.Series(satisfaction, index=pd.Index(ids, name="customer_id"), name="satisfaction")


# ---------------------------------------------------------------------------
# 3. survey
# ---------------------------------------------------------------------------


def make_survey(
    rng: np.random.Generator, spells: pd.DataFrame, satisfaction: pd.Series
) -> pd.DataFrame:
    """Quarterly NPS waves among active subscription customers (see module docstring).

    ``spells`` is the frame returned by :func:`make_subscriptions` (string dates, empty
    ``end_date`` while live) and ``satisfaction`` its latent satisfaction Series.
    """
    customers = satisfaction.index.to_numpy()
    region = pd.Series(
        np.asarray(REGIONS, dtype=object)[rng.choice(len(REGIONS), size=len(customers), p=REGION_MIX)],
        index=customers,
    )
    start = pd.to_datetime(spells["start_date"]).to_numpy().astype("datetime64[D]").astype(np.int64)
    # live spells (empty end_date) never stop within the survey's horizon
    live_end = spells["end_date"].eq("").to_numpy()
    stop = np.full(len(spells), np.iinfo(np.int64).max, dtype=np.int64)
    stop[~live_end] = (
        pd.to_datetime(spells["end_date"][~live_end], format="%Y-%m-%d")
        .to_numpy().astype("datetime64[D]").astype(np.int64)
    )
    spell_cust = spells["customer_id"].to_numpy()
    first_wave = _day_number(SURVEY_WAVES[0])

    parts = []
    for wave in SURVEY_WAVES:
        wday = _day_number(wave)
        live = np.flatnonzero((start <= wday) & (wday < stop))  # at most one spell per customer
        live = live[rng.random(live.size) < SURVEY_RESPONSE_RATE]
        rday = wday + rng.integers(0, SURVEY_MAX_DELAY_DAYS + 1, size=live.size)
        # spell live on the response day (a plan change may have happened since the wave)
        for k, (idx, d) in enumerate(zip(live, rday)):
            cust = spell_cust[idx]
            j = idx
            while j < len(spells) and spell_cust[j] == cust and not (start[j] <= d < stop[j]):
                j += 1
            live[k] = j if (j < len(spells) and spell_cust[j] == cust) else -1
        ok = live >= 0  # churned before answering: no response
        parts.append(pd.DataFrame({"spell": live[ok], "day": rday[ok]}))
    resp = pd.concat(parts, ignore_index=True)

    idx = resp["spell"].to_numpy()
    cust = spell_cust[idx]
    plan = spells["plan"].to_numpy()[idx]
    years = (resp["day"].to_numpy() - first_wave) / 365.25
    latent = (
        SCORE_BASE
        + SCORE_SATISFACTION_SLOPE * satisfaction.loc[cust].to_numpy()
        + np.array([SCORE_PLAN_EFFECT[p] for p in plan])
        + SCORE_DRIFT_PER_YEAR * years
        + SCORE_NOISE_SCALE * rng.standard_t(SCORE_NOISE_DF, size=len(resp))
    )
    score = np.clip(np.round(latent), 0, 10).astype(np.int64)

    out = pd.DataFrame(
        {
            "customer_id": cust,
            "day": resp["day"].to_numpy(),
            "score": score,
            "plan": plan,
            "segment": spells["segment"].to_numpy()[idx],
            "region": region.loc[cust].to_numpy(),
        }
    ).sort_values(["day", "customer_id"], kind="stable", ignore_index=True)
    out.insert(0, "response_id", _ids("R", len(out), 6))
    out.insert(2, "response_date", _iso_days(out.pop("day").to_numpy()))
    return out


# ---------------------------------------------------------------------------
# 4. web sessions
# ---------------------------------------------------------------------------


def make_sessions(rng: np.random.Generator) -> pd.DataFrame:
    """Web-analytics sessions for 2024 with new and returning visitors."""
    w = _seasonal_day_weights(
        SESSIONS_START, SESSIONS_END, VISITOR_SEASONAL_AMPLITUDE, VISITOR_HOLIDAY_BOOST,
        VISITOR_WEEKEND_FACTOR,
    )
    n_days = len(w)
    n_visitors = int(rng.poisson(NEW_VISITORS_PER_WEEK * n_days / 7.0))
    arrival = np.sort(rng.choice(n_days, size=n_visitors, p=w) + rng.random(n_visitors))  # days
    lifetime = rng.exponential(VISITOR_LIFETIME_MEAN_DAYS, size=n_visitors)
    rate = rng.gamma(RETURN_RATE_SHAPE, RETURN_RATE_MEAN / RETURN_RATE_SHAPE, size=n_visitors)
    window = np.minimum(lifetime, n_days - arrival)  # days the visitor may return in 2024
    n_returns = rng.poisson(rate * window / 7.0)
    visitor = np.concatenate([np.arange(n_visitors), np.repeat(np.arange(n_visitors), n_returns)])
    t = np.concatenate(
        [arrival, np.repeat(arrival, n_returns) + rng.random(n_returns.sum()) * np.repeat(window, n_returns)]
    )
    # calendar day from the process, time of day from the daily profile
    day = np.floor(t).astype(np.int64)
    hour_p = np.asarray(HOUR_WEIGHTS) / np.sum(HOUR_WEIGHTS)
    second = rng.choice(24, size=t.size, p=hour_p) * 3600 + rng.integers(0, 3600, size=t.size)
    stamp = (_day_number(SESSIONS_START) + day) * 86400 + second
    order = np.lexsort((visitor, stamp))
    visitor, stamp = visitor[order], stamp[order]
    first = np.zeros(stamp.size, dtype=bool)
    first[np.unique(visitor, return_index=True)[1]] = True  # earliest session of each visitor

    channel = np.where(
        first,
        rng.choice(len(SESSION_CHANNELS), size=stamp.size, p=FIRST_SESSION_CHANNEL_MIX),
        rng.choice(len(SESSION_CHANNELS), size=stamp.size, p=RETURN_SESSION_CHANNEL_MIX),
    )
    nb_prob = np.array([PAGES_NB_PROB[c] for c in SESSION_CHANNELS])[channel]
    pages = 1 + rng.negative_binomial(PAGES_NB_N, nb_prob)

    # visitor ids in order of first session in the export
    first_seen = np.empty(n_visitors, dtype=np.int64)
    first_seen[visitor[first]] = np.arange(first.sum())
    vid = np.asarray(_ids("V", n_visitors, 6), dtype=object)[first_seen[visitor]]

    return pd.DataFrame(
        {
            "session_id": _ids("W", stamp.size, 7),
            "visitor_id": vid,
            "session_start": np.datetime_as_string(stamp.astype("datetime64[s]"), unit="s"),
            "channel": np.asarray(SESSION_CHANNELS, dtype=object)[channel],
            "pages": pages.astype(np.int64),
        }
    )


# ---------------------------------------------------------------------------
# 5. an Iranian shop
# ---------------------------------------------------------------------------

_PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def _jalali(day: int) -> tuple[int, int, int]:
    """Day number -> Jalali (year, month, day): months 1-6 have 31 days, 7-11 30, Esfand the rest."""
    year = max(y for y, start in NOWRUZ.items() if _day_number(start) <= day)
    doy = day - _day_number(NOWRUZ[year])
    if doy < 186:
        return year, doy // 31 + 1, doy % 31 + 1
    month = min((doy - 186) // 30 + 7, 12)
    return year, month, doy - 186 - 30 * (month - 7) + 1


def _nowruz_factor(days: np.ndarray) -> np.ndarray:
    """Buying intensity of each day: more in Esfand, less on the Nowruz holidays."""
    parts = np.array([_jalali(int(d)) for d in days])
    month, dom = parts[:, 1], parts[:, 2]
    return np.where(month == 12, IRAN_ESFAND_BOOST, np.where((month == 1) & (dom <= 13), IRAN_NOWRUZ_HOLIDAY, 1.0))


def make_iran_orders(rng: np.random.Generator) -> pd.DataFrame:
    """An Iranian shop's order export: BG/NBD-like buying whose intensity follows the
    Jalali year (an Esfand rush before Nowruz, a quiet Nowruz holiday), amounts in Toman,
    written as the shop's system exports it."""
    first, last = _day_number(IRAN_ACQ_START), _day_number(IRAN_OBSERVATION_END)
    factor = _nowruz_factor(np.arange(first, last + 1))  # index: day - first
    acq = factor[: _day_number(IRAN_ACQ_END) - first + 1]
    n = IRAN_N_CUSTOMERS
    t0 = np.sort(rng.choice(len(acq), size=n, p=acq / acq.sum()) + rng.random(n))  # days since first
    lam = rng.gamma(IRAN_R, 1.0 / IRAN_ALPHA, size=n) / 7.0  # purchases per day on an ordinary day
    p_drop = rng.beta(IRAN_DROPOUT_A, IRAN_DROPOUT_B, size=n)
    top = factor.max()
    end_t = last + 1 - first
    cust_parts, time_parts = [np.arange(n)], [t0]
    t = t0.copy()
    alive = np.arange(n)
    while alive.size:
        # thinning: candidates at the highest intensity, kept with the day's share of it
        t[alive] = t[alive] + rng.exponential(1.0 / (lam[alive] * top))
        alive = alive[t[alive] < end_t]
        kept = rng.random(alive.size) < factor[np.floor(t[alive]).astype(np.int64)] / top
        bought = alive[kept]
        cust_parts.append(bought)
        time_parts.append(t[bought])
        gone = bought[rng.random(bought.size) < p_drop[bought]]  # drop out after a repeat purchase
        alive = np.setdiff1d(alive, gone, assume_unique=True)
    cust = np.concatenate(cust_parts)
    when = np.concatenate(time_parts)
    order = np.lexsort((cust, when))
    cust, when = cust[order], when[order]
    day = first + np.floor(when).astype(np.int64)
    amount = np.maximum(np.round(rng.gamma(IRAN_AMOUNT_SHAPE, IRAN_AMOUNT_SCALE, size=cust.size), -3), 50_000)
    dates = ["{:04d}/{:02d}/{:02d}".format(*_jalali(int(d))).translate(_PERSIAN) for d in day]
    return pd.DataFrame({
        IRAN_HEADER[0]: [str(100_000 + i).translate(_PERSIAN) for i in range(1, cust.size + 1)],
        IRAN_HEADER[1]: [f"{5_000 + c + 1}".translate(_PERSIAN) for c in cust],
        IRAN_HEADER[2]: dates,
        IRAN_HEADER[3]: [f"{int(a):,}".replace(",", "٬").translate(_PERSIAN) for a in amount],
    })


# ---------------------------------------------------------------------------
# summary and entry point
# ---------------------------------------------------------------------------


def summarize(out: Path) -> str:
    """Facts about the written files (the numbers quoted in ``data/README.md``)."""
    lines = []
    o = pd.read_csv(out / "orders.csv", dtype=str, keep_default_na=False)
    amt = o["amount"].astype(float)
    lines.append(
        f"orders.csv: {len(o):,} rows, {o['customer_id'].nunique():,} customers, "
        f"{o['order_date'].min()}..{o['order_date'].max()}, "
        f"{int((amt < 0).sum()):,} refund rows, {int(o.duplicated().sum()):,} duplicate rows, "
        f"{len(o) - int((amt < 0).sum()) - int(o.duplicated().sum()):,} genuine orders, "
        f"mean order value {amt[amt > 0].mean():.2f}, "
        f"channels {o['channel'].value_counts(normalize=True).round(3).to_dict()}"
    )

    s = pd.read_csv(out / "subscriptions.csv", dtype=str, keep_default_na=False)
    per_cust = s.groupby("customer_id")
    live = set(s.loc[s["end_date"] == "", "customer_id"])
    # a churn = a spell end not followed by a spell starting the same day
    nxt = s.groupby("customer_id")["start_date"].shift(-1)
    churn = s[(s["end_date"] != "") & (s["end_date"] != nxt.fillna(""))]
    churned_customers = set(churn["customer_id"])
    gap_after = churn[nxt[churn.index].notna()]
    reactivated = set(gap_after["customer_id"])
    lines.append(
        f"subscriptions.csv: {len(s):,} spells, {per_cust.ngroups:,} customers, "
        f"starts {s['start_date'].min()}..{s['start_date'].max()}, "
        f"ends {s.loc[s['end_date'] != '', 'end_date'].min()}..{s['end_date'].max()}, "
        f"{len(live):,} live on {OBSERVATION_END}, {len(churn):,} cancellations by "
        f"{len(churned_customers):,} customers, {len(reactivated):,} of them reactivated "
        f"({len(reactivated) / max(len(churned_customers), 1):.1%}), "
        f"{len(s) - per_cust.ngroups - len(gap_after):,} plan changes, "
        f"plans {s['plan'].value_counts().to_dict()}"
    )

    v = pd.read_csv(out / "nps_survey.csv", dtype=str, keep_default_na=False)
    sc = v["score"].astype(int)
    nps = 100 * ((sc >= 9).mean() - (sc <= 6).mean())
    counts = sc.value_counts().sort_index()
    lines.append(
        f"nps_survey.csv: {len(v):,} responses, {v['customer_id'].nunique():,} customers, "
        f"{v['response_date'].min()}..{v['response_date'].max()}, NPS {nps:+.1f} "
        f"(promoters {(sc >= 9).mean():.1%}, detractors {(sc <= 6).mean():.1%}), "
        f"score counts {counts.to_dict()}"
    )
    # detractors churn more: churn share by each customer's first score
    firsts = v.drop_duplicates("customer_id")
    cat = pd.cut(firsts["score"].astype(int), [-1, 6, 8, 10], labels=["detractor", "passive", "promoter"])
    churned = firsts["customer_id"].isin(churned_customers)
    lines.append(
        "  share churned by first answer: "
        + ", ".join(f"{k} {v:.1%}" for k, v in churned.groupby(cat, observed=True).mean().items())
    )

    w = pd.read_csv(out / "web_sessions.csv", dtype=str, keep_default_na=False)
    month = w["session_start"].str[:7]
    first_month = month.groupby(w["visitor_id"]).transform("min")
    mv = pd.DataFrame({"visitor": w["visitor_id"], "month": month, "ret": month > first_month})
    mv = mv.drop_duplicates(["visitor", "month"])
    ret_share = mv.groupby("month")["ret"].mean()
    lines.append(
        f"web_sessions.csv: {len(w):,} sessions, {w['visitor_id'].nunique():,} visitors, "
        f"{w['session_start'].min()}..{w['session_start'].max()}, "
        f"mean pages {w['pages'].astype(int).mean():.2f}, "
        f"returning share of monthly visitors Feb-Dec {ret_share.iloc[1:].min():.1%}.."
        f"{ret_share.iloc[1:].max():.1%} (January {ret_share.iloc[0]:.1%})"
    )
    ir = pd.read_csv(out / "iran_orders.csv", dtype=str, keep_default_na=False)
    latin = str.maketrans("۰۱۲۳۴۵۶۷۸۹٬", "0123456789,")
    ir_dates = ir[IRAN_HEADER[2]].str.translate(latin)
    ir_month = ir_dates.str[5:7]
    ir_amount = ir[IRAN_HEADER[3]].str.translate(latin).str.replace(",", "").astype(int)
    lines.append(
        f"iran_orders.csv: {len(ir):,} orders, {ir[IRAN_HEADER[1]].nunique():,} customers, "
        f"{ir_dates.min()}..{ir_dates.max()} (Jalali), mean amount {ir_amount.mean():,.0f} Toman, "
        f"orders per Jalali month of the year {ir_month.value_counts().sort_index().to_dict()}"
    )
    for name in FILES:
        path = out / name
        lines.append(f"{name}: {path.stat().st_size:,} bytes, sha256 {sha256(path)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent,
        help="folder to write the CSV files into (default: the folder of this script)",
    )
    parser.add_argument("--summary", action="store_true", help="print counts and checksums")
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    # the first four children are those of spawn(4): adding a file changed no other file
    rng_orders, rng_subs, rng_survey, rng_sessions, rng_iran = (
        np.random.default_rng(s) for s in np.random.SeedSequence(SEED).spawn(5)
    )
    _write_csv(make_orders(rng_orders), out / "orders.csv")
    spells, satisfaction = make_subscriptions(rng_subs)
    _write_csv(spells, out / "subscriptions.csv")
    _write_csv(make_survey(rng_survey, spells, satisfaction), out / "nps_survey.csv")
    _write_csv(make_sessions(rng_sessions), out / "web_sessions.csv")
    _write_csv(make_iran_orders(rng_iran), out / "iran_orders.csv")
    if args.summary:
        print(summarize(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
