"""The retention KPIs of a dashboard: one row per period, from whichever inputs are given.

:func:`kpi_table` calls the kit's per-period functions (:func:`customer_counts` or
:func:`subscription_counts`, :func:`repeat_purchase_rate`, :func:`mrr_movements`,
:func:`revenue_retention`, :func:`nps_table`, :func:`returning_visitor_rate`) and lines
their results up by period; :func:`kpi_headline` picks the latest period of each KPI
and its change against the period before; :func:`clv_headline` gives the expected CLV
and the win-back list's size and value, or says why they are not available.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .clv import customer_lifetime_value, fit_bgnbd, fit_gamma_gamma, rfm_summary, winback_list
from .cohorts import repeat_purchase_rate, returning_visitor_rate
from .counts import customer_counts, subscription_counts
from .errors import RetentionDataError
from .net_promoter import nps_table
from .revenue import mrr_movements, revenue_retention
from .validation import (
    ACTIVE_DAYS, CALENDAR, FISCAL_YEAR_START, OBSERVATION_END, PENALIZER, WEEK_START, Freq, Integer, Log, Number,
    Options, Table, validate_params,
)

__all__ = ["kpi_table", "kpi_headline", "clv_headline", "KPI_LABELS", "KPI_GROUPS"]

#: Column -> (label, unit) of every KPI column :func:`kpi_table` can return.
KPI_LABELS: dict[str, tuple[str, str]] = {
    "customers_start": ("customers at start", "customers"),
    "customers_new": ("new customers", "customers"),
    "customers_end": ("customers at end", "customers"),
    "crr": ("CRR", "%"),
    "churn": ("churn (100 - CRR)", "%"),
    "churn_start_based": ("churn (lost / start)", "%"),
    "repeat_purchase_rate": ("repeat purchase rate", "%"),
    "revenue": ("revenue", "currency"),
    "buyers": ("buying customers", "customers"),
    "revenue_per_customer": ("revenue per buying customer", "currency"),
    "mrr_start": ("MRR at start", "currency"),
    "mrr_end": ("MRR at end", "currency"),
    "gross_revenue_churn": ("gross revenue churn", "%"),
    "net_revenue_churn": ("net revenue churn", "%"),
    "grr": ("GRR", "%"),
    "nrr": ("NRR", "%"),
    "nps": ("NPS", "points"),
    "nps_low": ("NPS interval, low", "points"),
    "nps_high": ("NPS interval, high", "points"),
    "nps_responses": ("survey responses", "responses"),
    "visitors": ("visitors", "visitors"),
    "returning_visitor_share": ("returning visitors", "%"),
}

#: KPI group -> label, for the groups :func:`kpi_table` lists in ``attrs["not_available"]``.
KPI_GROUPS: dict[str, str] = {
    "revenue": "revenue and revenue per customer",
    "mrr": "MRR, revenue churn, GRR and NRR",
    "nps": "NPS",
    "nps_trend": "NPS per period",
}

_DEFINITIONS = {
    "customers_start": "S: customers at the first moment of the period",
    "customers_new": "N: customers whose first purchase (or first subscription) falls in the period",
    "customers_end": "E: customers after the period's last day",
    "crr": "CRR = (E - N) / S x 100 (NaN when S = 0)",
    "churn": "100 - CRR, the articles' churn",
    "churn_start_based": "lost / S x 100: starting customers no longer counted at the end",
    "repeat_purchase_rate": "customers with more than one purchase day / customers, over all "
                            "purchases up to the period's last day, x 100",
    "revenue": "sum of the order amounts dated in the period",
    "buyers": "customers with at least one order in the period",
    "revenue_per_customer": "revenue / buyers",
    "mrr_start": "monthly recurring revenue at the start of the period",
    "mrr_end": "monthly recurring revenue at the end of the period",
    "gross_revenue_churn": "(churned + contraction MRR) / MRR at start x 100",
    "net_revenue_churn": "(churned + contraction - expansion MRR) / MRR at start x 100",
    "grr": "sum of min(MRR at end, MRR at start) / sum of MRR at start x 100, over customers "
           "paying at the start",
    "nrr": "sum of MRR at end / sum of MRR at start x 100, over customers paying at the start",
    "nps": "% promoters (9-10) - % detractors (0-6) among the period's responses",
    "nps_low": "lower end of the NPS interval (adjusted Wald)",
    "nps_high": "upper end of the NPS interval (adjusted Wald)",
    "nps_responses": "survey responses in the period",
    "visitors": "visitors with a session in the period",
    "returning_visitor_share": "visitors seen in an earlier period / visitors x 100",
}


def _key(values: Any) -> pd.DatetimeIndex:
    """Period starts as one comparable type, whatever the resolution of the source column."""
    return pd.DatetimeIndex(pd.to_datetime(values)).astype("datetime64[ns]")


def _aligned(spine: pd.DatetimeIndex, table: pd.DataFrame, columns: dict[str, str]) -> dict[str, np.ndarray]:
    """Columns of ``table`` (renamed by ``columns``) placed on the spine's periods; NaN where absent."""
    indexed = table.set_index(_key(table["period_start"]))
    out = {}
    for source, target in columns.items():
        out[target] = indexed[source].astype(float).reindex(spine).to_numpy().copy()
    return out


@validate_params(
    transactions=[Log(), None],
    subscriptions=[Log(), None],
    survey=[Log(), None],
    sessions=[Log(), None],
    freq=Freq(),
    active_days=[ACTIVE_DAYS, None],
    customers_from=[Options("transactions", "subscriptions"), None],
    observation_end=OBSERVATION_END,
    calendar=CALENDAR,
    fiscal_year_start=FISCAL_YEAR_START,
    week_start=WEEK_START,
    nps_confidence=Number(low=0, high=1, closed="neither", text="a confidence level in (0, 1), such as 0.95"),
)
def kpi_table(
    *,
    transactions: pd.DataFrame | None = None,
    subscriptions: pd.DataFrame | None = None,
    survey: pd.DataFrame | None = None,
    sessions: pd.DataFrame | None = None,
    freq: str = "M",
    active_days: int | None = None,
    customers_from: str | None = None,
    observation_end: str | pd.Timestamp | None = None,
    calendar: str = "gregorian",
    fiscal_year_start: int = 1,
    week_start: str | None = None,
    nps_confidence: float = 0.95,
) -> pd.DataFrame:
    """The retention KPIs per period, from whichever inputs are given.

    The periods (rows) are the complete periods of the input that defines a customer
    (``transactions`` under the activity rule ``active_days``, or ``subscriptions``:
    a customer counts while a spell is live); with neither, those of ``sessions``, else
    of ``survey``. The other inputs are placed on those periods by their first day;
    a KPI is NaN in a period its input does not cover (before its first or after its
    last date, or ``observation_end``), never 0.

    For a customer input, with S, N, E the customers at the start, acquired in, and
    at the end of the period and ``lost`` the starting customers not counted at its end:

    .. math::

        \\mathrm{CRR} = \\frac{E - N}{S} \\times 100, \\qquad
        \\text{churn} = 100 - \\mathrm{CRR}, \\qquad
        \\text{start-based churn} = \\frac{\\text{lost}}{S} \\times 100

    The two churn rates differ by win-backs and by new customers lost inside the
    period (see :func:`customer_counts`); both are shown because the articles use both.

    From ``transactions``: the repeat purchase rate to date (customers with more than
    one purchase day over all customers, counting every purchase up to the period's
    last day, :func:`repeat_purchase_rate`), and with an ``amount`` column the revenue,
    the buyers (customers with an order in the period) and revenue per buying customer
    = revenue / buyers.

    From ``subscriptions`` with an ``mrr`` column (:func:`mrr_movements`,
    :func:`revenue_retention` over the period):

    .. math::

        \\text{gross revenue churn} = \\frac{\\text{churned} + \\text{contraction}}{\\mathrm{MRR}_{start}},
        \\quad
        \\text{net revenue churn} = \\frac{\\text{churned} + \\text{contraction} - \\text{expansion}}{\\mathrm{MRR}_{start}},

        \\mathrm{GRR} = \\frac{\\sum_i \\min(m_i^{end}, m_i^{start})}{\\sum_i m_i^{start}}, \\quad
        \\mathrm{NRR} = \\frac{\\sum_i m_i^{end}}{\\sum_i m_i^{start}}

    (percent; GRR and NRR over the customers paying at the start of the period).

    From ``survey`` (``score``, ``date``): NPS = % promoters - % detractors with its
    interval (:func:`nps_table`, adjusted Wald); a survey without dates gives one row,
    ``period="all responses"``, when it is the only input, and no NPS otherwise (both
    recorded in ``not_available``). From ``sessions``: the share of returning visitors
    (:func:`returning_visitor_rate`).

    Parameters
    ----------
    transactions, subscriptions, survey, sessions : pandas.DataFrame, optional
        Canonical tables from :func:`load_transactions`, :func:`load_subscriptions`,
        :func:`load_survey`, :func:`load_sessions`. At least one is required.
    freq : {"W", "M", "Q", "Y"}
        Period length.
    active_days : int, optional
        The activity rule for a transaction log (a purchase keeps its customer counted
        this many days); required when the customers come from ``transactions``.
    customers_from : {"transactions", "subscriptions"}, optional
        Which input defines a customer; required when both are given (the two can
        disagree, and the kit does not choose for you).
    observation_end : date, optional
        Last day the data covers, passed to every function (default: each input's own
        last date).
    calendar : {"gregorian", "jalali"}
    fiscal_year_start : int
        Month (1-12) a fiscal year starts in, for Gregorian ``"Q"`` or ``"Y"``.
    week_start : str, optional
        First day of a week for ``freq="W"``.
    nps_confidence : float
        Confidence of the NPS interval.

    Returns
    -------
    pandas.DataFrame
        ``period, period_start, period_end`` and the KPI columns of the inputs given
        (see :data:`KPI_LABELS`). ``attrs`` holds ``activity_rule``, ``customers_from``,
        ``sources`` (input -> columns), ``definitions`` (column -> formula) and
        ``not_available`` (KPI group -> reason).

    Raises
    ------
    RetentionDataError
        With no input; with both ``transactions`` and ``subscriptions`` but no
        ``customers_from``; with customers from ``transactions`` but no ``active_days``;
        and whatever the underlying functions refuse.

    See Also
    --------
    customer_counts, mrr_movements, revenue_retention, nps_table, returning_visitor_rate,
    kpi_headline, clv_headline

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({
    ...     "customer_id": ["a", "b", "a", "c", "b"],
    ...     "date": pd.to_datetime(["2024-01-10", "2024-01-20", "2024-02-05",
    ...                             "2024-02-15", "2024-03-25"]),
    ...     "amount": [10.0, 20.0, 30.0, 40.0, 50.0],
    ... })
    >>> k = kpi_table(transactions=tx, freq="M", active_days=31, observation_end="2024-03-31")
    >>> for r in k.itertuples():
    ...     print(f"{r.period}  S={r.customers_start} N={r.customers_new} E={r.customers_end}  "
    ...           f"CRR={r.crr:.0f} churn={r.churn:.0f} lost/S={r.churn_start_based:.0f}")
    2024-01  S=0 N=2 E=2  CRR=nan churn=nan lost/S=nan
    2024-02  S=2 N=1 E=2  CRR=50 churn=50 lost/S=50
    2024-03  S=2 N=0 E=1  CRR=50 churn=50 lost/S=100
    >>> for r in k.itertuples():
    ...     print(f"{r.period}  revenue={r.revenue:.0f} buyers={r.buyers} per buyer={r.revenue_per_customer:.0f} "
    ...           f"repeat={r.repeat_purchase_rate:.1f} %")
    2024-01  revenue=30 buyers=2 per buyer=15 repeat=0.0 %
    2024-02  revenue=70 buyers=2 per buyer=35 repeat=33.3 %
    2024-03  revenue=50 buyers=1 per buyer=50 repeat=66.7 %
    >>> k.attrs["activity_rule"]
    'a customer counts while their last purchase is at most 31 days old'
    """
    given = {name: t for name, t in (("transactions", transactions), ("subscriptions", subscriptions),
                                     ("survey", survey), ("sessions", sessions)) if t is not None}
    if not given:
        raise RetentionDataError(
            "kpi_table: no input given; pass at least one of transactions=, subscriptions=, survey=, "
            "sessions=.",
            parameter="transactions",
        )
    if customers_from is not None and customers_from not in ("transactions", "subscriptions"):
        raise RetentionDataError(
            f"customers_from={customers_from!r}: expected 'transactions' or 'subscriptions'.",
            parameter="customers_from", options=("transactions", "subscriptions"),
        )
    if customers_from is None:
        if transactions is not None and subscriptions is not None:
            raise RetentionDataError(
                "customers_from: both transactions and subscriptions are given, and they can count "
                "different customers; say which one defines a customer with "
                "customers_from='transactions' or customers_from='subscriptions'.",
                parameter="customers_from", options=("transactions", "subscriptions"),
            )
        customers_from = ("transactions" if transactions is not None
                          else "subscriptions" if subscriptions is not None else None)
    elif customers_from not in given:
        raise RetentionDataError(
            f"customers_from={customers_from!r}: no {customers_from} table was given.",
            parameter="customers_from", options=tuple(k for k in ("transactions", "subscriptions") if k in given),
        )
    if customers_from == "transactions" and active_days is None:
        raise RetentionDataError(
            "active_days: customers come from a transaction log, which has no contracts, so a "
            "customer counts only under an activity rule; set active_days (for example 90: "
            "counted while the last purchase is at most 90 days old).",
            parameter="active_days",
        )
    cal = {"calendar": calendar, "fiscal_year_start": fiscal_year_start, "week_start": week_start}
    sources: dict[str, list[str]] = {}
    not_available: dict[str, str] = {}
    columns: dict[str, np.ndarray] = {}
    activity_rule = None

    # the spine: the periods of the input that defines a customer (or of sessions, or survey)
    if customers_from == "transactions":
        counts = customer_counts(transactions, freq=freq, active_days=active_days,
                                 observation_end=observation_end, **cal)
    elif customers_from == "subscriptions":
        counts = subscription_counts(subscriptions, freq=freq, observation_end=observation_end, **cal)
    else:
        counts = None
    visits = None
    if sessions is not None:
        visits = returning_visitor_rate(sessions, freq=freq, observation_end=observation_end, **cal)
    nps_rows = None
    if survey is not None:
        dated = "date" in survey.columns and survey["date"].notna().any()
        if dated:
            nps_rows = nps_table(survey, freq=freq, confidence=nps_confidence, **cal)
        elif counts is None and visits is None:
            # nothing else to put on periods: one row over every response, no trend
            nps_rows = nps_table(survey, confidence=nps_confidence)
            nps_rows.insert(0, "period", "all responses")
            nps_rows.insert(1, "period_start", pd.NaT)
            nps_rows.insert(2, "period_end", pd.NaT)
            not_available["nps_trend"] = ("the survey has no response dates, so NPS is over all responses "
                                          "(load it with date_col= for a trend)")
        else:
            not_available["nps"] = ("the survey has no response dates, so its NPS cannot be placed on "
                                    "periods (load it with date_col=)")

    if counts is not None:
        spine_table = counts
    elif visits is not None:
        spine_table = visits
    else:
        spine_table = nps_rows
    table = spine_table[["period", "period_start", "period_end"]].reset_index(drop=True).copy()
    spine = _key(table["period_start"])

    if counts is not None:
        activity_rule = counts.attrs.get("activity_rule")
        start = counts["start"].to_numpy(dtype=float)
        columns["customers_start"] = counts["start"].to_numpy()
        columns["customers_new"] = counts["acquired"].to_numpy()
        columns["customers_end"] = counts["end"].to_numpy()
        columns["crr"] = counts["crr"].to_numpy(dtype=float)
        columns["churn"] = 100.0 - columns["crr"]
        with np.errstate(divide="ignore", invalid="ignore"):
            columns["churn_start_based"] = np.where(start > 0, 100.0 * counts["lost"].to_numpy() / start, np.nan)
        sources[customers_from] = ["customers_start", "customers_new", "customers_end", "crr", "churn",
                                   "churn_start_based"]

    if transactions is not None:
        ends = table["period_end"]
        first_day = pd.Timestamp(transactions["date"].min()).normalize()
        last_day = (pd.Timestamp(observation_end).normalize() if observation_end is not None
                    else pd.Timestamp(transactions["date"].max()).normalize())
        # on another input's periods, a period the log does not cover is unknown, not 0
        uncovered = np.asarray((_key(ends) < first_day) | (_key(ends) > last_day))
        rates = []
        for end, skip in zip(ends, uncovered):
            if skip:
                rates.append(np.nan)
                continue
            r = repeat_purchase_rate(transactions, observation_end=pd.Timestamp(end))
            rates.append(float(r["repeat_rate"].iloc[0]))
        columns["repeat_purchase_rate"] = np.array(rates, dtype=float)
        names = ["repeat_purchase_rate"]
        if "amount" in transactions.columns:
            dates = pd.to_datetime(transactions["date"]).dt.normalize()
            starts = _key(table["period_start"]).to_numpy()
            last = _key(table["period_end"]).to_numpy()
            values = dates.to_numpy(dtype="datetime64[ns]")
            slot = np.searchsorted(starts, values, side="right") - 1
            inside = (slot >= 0) & (values <= last[np.clip(slot, 0, None)])
            if observation_end is not None:
                inside &= values <= np.datetime64(pd.Timestamp(observation_end).normalize(), "ns")
            k = len(table)
            amount = transactions["amount"].to_numpy(dtype=float)
            revenue = np.bincount(slot[inside], weights=amount[inside], minlength=k)
            pairs = pd.DataFrame({"slot": slot[inside], "customer": transactions["customer_id"].to_numpy()[inside]})
            buyers = pairs.drop_duplicates().groupby("slot").size().reindex(range(k), fill_value=0).to_numpy()
            revenue = np.where(uncovered, np.nan, revenue)
            columns["revenue"] = revenue
            columns["buyers"] = np.where(uncovered, np.nan, buyers) if uncovered.any() else buyers
            with np.errstate(divide="ignore", invalid="ignore"):
                columns["revenue_per_customer"] = np.where(buyers > 0, revenue / np.maximum(buyers, 1), np.nan)
            names += ["revenue", "buyers", "revenue_per_customer"]
        else:
            not_available["revenue"] = "the transactions have no amount column (load them with amount_col=)"
        sources["transactions"] = sources.get("transactions", []) + names

    if subscriptions is not None:
        if "mrr" in subscriptions.columns:
            moves = mrr_movements(subscriptions, freq=freq, observation_end=observation_end, **cal)
            columns.update(_aligned(spine, moves, {"mrr_start": "mrr_start", "mrr_end": "mrr_end",
                                                   "gross_revenue_churn": "gross_revenue_churn",
                                                   "net_revenue_churn": "net_revenue_churn"}))
            covered = set(_key(moves["period_start"]))
            grr = np.full(len(table), np.nan)
            nrr = np.full(len(table), np.nan)
            for i, (s, e, m0) in enumerate(zip(table["period_start"], table["period_end"], columns["mrr_start"])):
                if pd.Timestamp(s) in covered and m0 > 0:
                    r = revenue_retention(subscriptions, start=pd.Timestamp(s),
                                          end=pd.Timestamp(e) + pd.Timedelta(days=1),
                                          observation_end=moves.attrs["observation_end"])
                    grr[i], nrr[i] = r["grr"], r["nrr"]
            columns["grr"], columns["nrr"] = grr, nrr
            sources["subscriptions"] = sources.get("subscriptions", []) + [
                "mrr_start", "mrr_end", "gross_revenue_churn", "net_revenue_churn", "grr", "nrr"]
        else:
            not_available["mrr"] = "the subscriptions have no mrr column (load them with mrr_col=)"

    if nps_rows is not None and spine_table is nps_rows and nps_rows["period_start"].isna().all():
        columns.update({"nps": nps_rows["nps"].to_numpy(dtype=float), "nps_low": nps_rows["low"].to_numpy(dtype=float),
                        "nps_high": nps_rows["high"].to_numpy(dtype=float), "nps_responses": nps_rows["n"].to_numpy()})
        sources["survey"] = ["nps", "nps_low", "nps_high", "nps_responses"]
    elif nps_rows is not None:
        columns.update(_aligned(spine, nps_rows, {"nps": "nps", "low": "nps_low", "high": "nps_high", "n": "nps_responses"}))
        columns["nps_responses"] = np.nan_to_num(columns["nps_responses"]).astype(np.int64)
        sources["survey"] = ["nps", "nps_low", "nps_high", "nps_responses"]

    if visits is not None:
        columns.update(_aligned(spine, visits, {"visitors": "visitors", "returning_share": "returning_visitor_share"}))
        first_visit = _key(visits["period_start"]).min()
        # the first period of the sessions counts every visitor as new: not a measurement
        columns["returning_visitor_share"][spine == first_visit] = np.nan
        sources["sessions"] = ["visitors", "returning_visitor_share"]

    for name in KPI_LABELS:
        if name in columns:
            table[name] = columns[name]
    table.attrs["activity_rule"] = activity_rule
    table.attrs["customers_from"] = customers_from
    table.attrs["sources"] = sources
    table.attrs["definitions"] = {name: _DEFINITIONS[name] for name in KPI_LABELS if name in table.columns}
    table.attrs["not_available"] = not_available
    table.attrs["freq"] = freq
    return table


@validate_params(table=Table())
def kpi_headline(table: pd.DataFrame) -> pd.DataFrame:
    """The latest value of each KPI and its change against the period before.

    For each KPI column of a :func:`kpi_table`, the latest period with a value is
    taken, and the change is ``value - previous`` with ``previous`` the KPI's value in
    the latest earlier period that has one (usually the period just before; for a
    survey run in waves, the previous wave; ``previous_period`` says which):
    percentage points for rates, counts and currency otherwise. The interval ends and
    response count of the NPS are left out (they qualify the NPS, not a KPI).

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`kpi_table`.

    Returns
    -------
    pandas.DataFrame
        ``kpi, label, unit, period, value, previous_period, previous, change``, one row
        per KPI column with a value.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({
    ...     "customer_id": ["a", "b", "a", "c", "b"],
    ...     "date": pd.to_datetime(["2024-01-10", "2024-01-20", "2024-02-05",
    ...                             "2024-02-15", "2024-03-25"]),
    ... })
    >>> h = kpi_headline(kpi_table(transactions=tx, active_days=31, observation_end="2024-03-31"))
    >>> print(h.set_index("kpi").loc[["customers_end", "churn_start_based"], ["period", "value", "previous", "change"]])
                      period  value  previous  change
    kpi
    customers_end    2024-03    1.0       2.0    -1.0
    churn_start_based  2024-03  100.0      50.0    50.0
    """
    if not isinstance(table, pd.DataFrame) or "period" not in table.columns:
        raise RetentionDataError("table: expected the DataFrame of kpi_table().", parameter="table")
    rows = []
    for name, (label, unit) in KPI_LABELS.items():
        if name not in table.columns or name in ("nps_low", "nps_high", "nps_responses"):
            continue
        values = table[name].astype(float).reset_index(drop=True)
        present = values.notna().to_numpy()
        if not present.any():
            continue
        where = np.flatnonzero(present)
        i = int(where[-1])
        j = int(where[-2]) if len(where) > 1 else None
        previous = float(values.iloc[j]) if j is not None else float("nan")
        value = float(values.iloc[i])
        rows.append({"kpi": name, "label": label, "unit": unit, "period": table["period"].iloc[i],
                     "value": value, "previous_period": table["period"].iloc[j] if j is not None else None,
                     "previous": previous, "change": value - previous})
    return pd.DataFrame(rows, columns=["kpi", "label", "unit", "period", "value", "previous_period", "previous",
                                       "change"])


@validate_params(
    transactions=Log(),
    months=Integer(low=1, unit="months"),
    threshold=Number(low=0, high=1, closed="right", text="a probability in (0, 1]"),
    monthly_discount_rate=Number(low=0, high=1, closed="left", text="a monthly rate such as 0.01"),
    margin=Number(low=0, high=1, closed="right", text="a share of revenue in (0, 1]"),
    observation_end=OBSERVATION_END,
    penalizer=PENALIZER,
)
def clv_headline(
    transactions: pd.DataFrame,
    *,
    months: int = 12,
    threshold: float = 0.3,
    monthly_discount_rate: float = 0.01,
    margin: float = 0.3,
    observation_end: str | pd.Timestamp | None = None,
    penalizer: float = 0.0,
) -> dict[str, Any]:
    """Expected CLV over the next ``months`` months and the valuable customers at risk.

    Fits BG/NBD and Gamma-Gamma on weekly units (:func:`rfm_summary` with
    ``freq="D", freq_multiplier=7``) and reports

    - ``expected_clv``: the sum over customers of :func:`customer_lifetime_value`
      (``margin`` times the discounted expected revenue), and ``mean_clv`` per customer;
    - ``at_risk``: the size of the :func:`winback_list` (P(alive) < ``threshold``), and
      ``at_risk_value``: the sum of its ``value_at_stake`` = CLV / P(alive) - CLV.

    A fit that does not converge, or data the models cannot use (no amount, no repeat
    buyer), does not raise: ``available`` is False and ``reason`` says
    ``"not available: ..."`` with the error's message, so a dashboard still shows the
    rest.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions with an ``amount`` column.
    months : int
        CLV horizon.
    threshold : float
        P(alive) below which a customer is on the win-back list.
    monthly_discount_rate, margin : float
        As in :func:`customer_lifetime_value`.
    observation_end : date, optional
        Default: the last purchase date.
    penalizer : float
        Passed to both fits.

    Returns
    -------
    dict
        ``available``, ``reason``, ``customers``, ``expected_clv``, ``mean_clv``,
        ``at_risk``, ``at_risk_value``, ``months``, ``threshold``, ``penalizer``.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a"], "date": pd.to_datetime(["2024-01-10"])})
    >>> clv_headline(tx)["reason"]
    'not available: CLV needs order values; load the transactions with amount_col='
    """
    out: dict[str, Any] = {"available": False, "reason": "", "customers": None, "expected_clv": float("nan"),
                           "mean_clv": float("nan"), "at_risk": None, "at_risk_value": float("nan"),
                           "months": months, "threshold": threshold, "penalizer": penalizer}
    if "amount" not in transactions.columns:
        out["reason"] = "not available: CLV needs order values; load the transactions with amount_col="
        return out
    end = observation_end if observation_end is not None else pd.Timestamp(transactions["date"].max())
    try:
        summary = rfm_summary(transactions, freq="D", freq_multiplier=7, observation_end=end)
        model = fit_bgnbd(summary, penalizer=penalizer)
        spend = fit_gamma_gamma(summary, penalizer=penalizer, nonpositive="exclude")
        clv = customer_lifetime_value(model, spend, summary, months=months,
                                      monthly_discount_rate=monthly_discount_rate, margin=margin)
        risk = winback_list(model, spend, summary, threshold=threshold, months=months,
                            monthly_discount_rate=monthly_discount_rate, margin=margin)
    except RetentionDataError as err:  # ConvergenceError included
        out["reason"] = f"not available: {err}"
        return out
    out.update(available=True, customers=int(len(summary)), expected_clv=float(clv.sum()),
               mean_clv=float(clv.mean()), at_risk=int(len(risk)),
               at_risk_value=float(risk["value_at_stake"].sum()))
    return out
