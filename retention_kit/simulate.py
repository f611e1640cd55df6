"""Seeded synthetic transaction logs of any size, for benchmarks and scale tests.

The generator follows the models the kit fits, so a fitted model can be compared with
the truth: repeat buying is BG/NBD (Fader, Hardie & Lee 2005) and order values are
Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV"). Everything is vectorised numpy:
ten million rows take a few seconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import RetentionDataError
from .validation import DateLike, Integer, Number, Options, validate_params

POSITIVE = Number(low=0, closed="neither", what="a positive number", text="a positive number")

__all__ = ["SIMULATION_DEFAULTS", "simulate_transactions"]

#: Default parameters of :func:`simulate_transactions` (time unit: weeks). With
#: acquisitions spread over three years they give about 10 transactions per customer.
SIMULATION_DEFAULTS = {
    "r": 1.4,  # purchase rate lambda ~ Gamma(shape=r, rate=alpha), per week
    "alpha": 6.0,
    "a": 1.2,  # drop-out probability p ~ Beta(a, b), after each repeat purchase
    "b": 14.0,
    "p": 6.0,  # order value ~ Gamma(shape=p, rate=nu), nu ~ Gamma(shape=q, rate=gamma)
    "q": 4.0,
    "gamma": 15.0,  # mean order value p * gamma / (q - 1) = 30
}

_DAY_NS = 86_400 * 10**6  # microseconds per day: dates are datetime64[us], as the loaders give


@validate_params(
    n_customers=Integer(low=1),
    seed=Integer(low=0),
    start=DateLike(),
    end=DateLike(),
    r=POSITIVE,
    alpha=POSITIVE,
    a=POSITIVE,
    b=POSITIVE,
    p=POSITIVE,
    q=POSITIVE,
    gamma=POSITIVE,
    id_type=Options("int", "str"),
)
def simulate_transactions(
    n_customers: int,
    *,
    seed: int = 0,
    start: str | pd.Timestamp = "2022-01-01",
    end: str | pd.Timestamp = "2024-12-31",
    r: float = SIMULATION_DEFAULTS["r"],
    alpha: float = SIMULATION_DEFAULTS["alpha"],
    a: float = SIMULATION_DEFAULTS["a"],
    b: float = SIMULATION_DEFAULTS["b"],
    p: float = SIMULATION_DEFAULTS["p"],
    q: float = SIMULATION_DEFAULTS["q"],
    gamma: float = SIMULATION_DEFAULTS["gamma"],
    id_type: str = "int",
) -> pd.DataFrame:
    """A synthetic order log: BG/NBD repeat buying with Gamma-Gamma order values.

    Customer ``i`` (ids ``1..n_customers`` in order of acquisition) makes a first
    purchase at a time drawn uniformly between ``start`` and the end of ``end``. Then,
    with time in weeks,

    .. math::

        \\lambda_i \\sim \\mathrm{Gamma}(r, \\alpha), \\quad
        p_i \\sim \\mathrm{Beta}(a, b), \\quad
        \\nu_i \\sim \\mathrm{Gamma}(q, \\gamma),

    repeat purchases arrive as a Poisson process of rate :math:`\\lambda_i` and right
    after each repeat purchase the customer drops out for good with probability
    :math:`p_i` (so at most :math:`K_i \\sim \\mathrm{Geometric}(p_i)` repeat
    purchases). Each order's value is :math:`\\mathrm{Gamma}(p, \\nu_i)`, mean
    :math:`p\\gamma / (q - 1)`, rounded to cents (at least 0.01). Purchase times are
    floored to calendar days; nothing happens after ``end``.

    The purchases in the window are drawn exactly, without a loop over customers:
    with :math:`N_i \\sim \\mathrm{Poisson}(\\lambda_i H_i)` arrivals in the
    customer's remaining window :math:`H_i`, the customer makes the first
    :math:`m_i = \\min(K_i, N_i)` of them, whose times are the first :math:`m_i` order
    statistics of :math:`N_i` uniforms: :math:`H_i S_j / (S_{m_i} + G_i)` with
    :math:`S_j` partial sums of standard exponentials and
    :math:`G_i \\sim \\mathrm{Gamma}(N_i - m_i + 1)`.

    With the defaults (:data:`SIMULATION_DEFAULTS`) and a three-year window a customer
    makes about 10 purchases on average, so 100,000 customers give about one million
    rows and 1,000,000 customers about ten million.

    Parameters
    ----------
    n_customers : int
        Number of customers (all of them buy at least once).
    seed : int
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same table
        (with the same numpy version).
    start, end : date
        First and last day (inclusive) of the log.
    r, alpha : float
        Shape and rate (per week) of the Gamma distribution of purchase rates.
    a, b : float
        Beta distribution of the drop-out probability.
    p, q, gamma : float
        Gamma-Gamma order values.
    id_type : {"int", "str"}
        ``"int"``: ``customer_id`` is int64 (1, 2, ...), the compact form of an
        auto-increment key (8 bytes a row). ``"str"``: strings ``"C0000001"``, like a
        table read by :func:`retention_kit.load_transactions` (about 60 bytes a row
        without pyarrow).

    Returns
    -------
    pandas.DataFrame
        Canonical columns ``customer_id``, ``date`` (datetime64[us], midnight) and
        ``amount`` (float64), sorted by date (same-day rows by customer), with a
        RangeIndex. ``attrs`` records the parameters.

    Raises
    ------
    RetentionDataError
        On a non-positive ``n_customers`` or parameter, ``end`` before ``start``, or
        ``q <= 1`` (the mean order value would not exist).

    Examples
    --------
    >>> tx = simulate_transactions(1_000, seed=1)
    >>> list(tx.columns), [str(t) for t in tx.dtypes]
    (['customer_id', 'date', 'amount'], ['int64', 'datetime64[us]', 'float64'])
    >>> tx["customer_id"].nunique(), 8 < len(tx) / 1_000 < 12
    (1000, True)
    >>> str(tx["date"].min().date()) >= "2022-01-01", str(tx["date"].max().date()) <= "2024-12-31"
    (True, True)
    """
    if q <= 1:
        raise RetentionDataError(f"q={q!r}: expected q > 1, so that the mean order value exists.")
    t0, t1 = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    if t1 < t0:
        raise RetentionDataError(f"end={t1.date()} is before start={t0.date()}.")
    n = int(n_customers)
    n_days = (t1 - t0).days + 1
    rng = np.random.default_rng(seed)

    # acquisition (first purchase) in days since start; ids follow acquisition order
    acquired = np.sort(rng.uniform(0.0, n_days, n))
    horizon = (n_days - acquired) / 7.0  # weeks left in the window
    rate = rng.gamma(r, 1.0 / alpha, n)
    dropout = rng.beta(a, b, n)
    # at most K repeat purchases before dropping out; N Poisson arrivals in the window
    most = rng.geometric(np.maximum(dropout, 1e-12))
    arrivals = rng.poisson(rate * horizon)
    repeats = np.minimum(most, arrivals)
    # the first `repeats` of `arrivals` uniform times on the window: S_j / (S_m + G)
    total = int(repeats.sum())
    owner = np.repeat(np.arange(n), repeats)
    spacing = rng.standard_exponential(total)
    running = np.concatenate(([0.0], np.cumsum(spacing)))  # running[i]: sum of the first i
    ends = np.cumsum(repeats)
    before = running[ends - repeats]  # sum over the earlier customers' spacings
    partial = running[1:] - before[owner]  # S_j within each customer
    last_sum = running[ends] - before  # S_m (0 without repeats)
    rest = rng.standard_gamma(arrivals - repeats + 1.0)
    scale = horizon / (last_sum + rest)  # weeks per unit of S
    times = acquired[owner] + 7.0 * partial * scale[owner]

    # one row per purchase, grouped by customer: the first purchase, then the repeats
    per_customer = repeats + 1
    customer = np.repeat(np.arange(n), per_customer)
    first_row = np.cumsum(per_customer) - per_customer
    is_first = np.zeros(len(customer), dtype=bool)
    is_first[first_row] = True
    when = np.empty(len(customer))
    when[first_row] = acquired
    when[~is_first] = times  # owner is sorted, so the repeats fill in customer order
    day = np.floor(when).astype(np.int64)
    np.minimum(day, n_days - 1, out=day)  # guards floating-point rounding at the window's end
    nu = rng.gamma(q, 1.0 / gamma, n)
    amount = rng.gamma(p, 1.0, len(customer)) / nu[customer]
    amount = np.maximum(np.round(amount, 2), 0.01)

    # sort by day; the sort is stable, so same-day rows stay in customer (then time) order
    order = np.argsort(day.astype(np.int16) if n_days <= 32_767 else day, kind="stable")
    customer, day, amount = customer[order], day[order], amount[order]
    base = t0.to_datetime64().astype("datetime64[us]").astype(np.int64)
    dates = (base + day * _DAY_NS).astype("datetime64[us]")
    if id_type == "int":
        ids: object = customer + 1
    else:
        width = max(7, len(str(n)))
        ids = pd.array(np.char.add("C", np.char.zfill((customer + 1).astype(str), width)).astype(object),
                       dtype="str")
    out = pd.DataFrame({"customer_id": ids, "date": dates, "amount": amount})
    out.attrs.update(
        generator="retention_kit.simulate.simulate_transactions", n_customers=n, seed=seed,
        start=str(t0.date()), end=str(t1.date()), r=r, alpha=alpha, a=a, b=b, p=p, q=q, gamma=gamma,
    )
    return out
