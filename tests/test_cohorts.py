"""Cohort tables: hand fixtures, properties, and a cross-check against DuckDB SQL."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import retention_kit as rk
from retention_kit import RetentionDataError


def tx(rows, amounts=None):
    df = pd.DataFrame({"customer_id": [c for c, _ in rows], "date": pd.to_datetime([d for _, d in rows])})
    if amounts is not None:
        df["amount"] = amounts
    return df


LOG = tx([
    ("a", "2024-01-03"), ("a", "2024-02-10"), ("a", "2024-04-01"),  # Jan cohort: months 0, 1, 3
    ("b", "2024-01-09"), ("b", "2024-01-20"),                        # Jan cohort: month 0 only
    ("c", "2024-02-01"), ("c", "2024-04-21"),                        # Feb cohort: months 0, 2
    ("d", "2024-03-30"),                                             # Mar cohort
    ("e", "2024-04-15"), ("e", "2024-05-02"),                        # Apr cohort; May incomplete
], amounts=[10.0, 20.0, 30.0, 5.0, 5.0, 40.0, 60.0, 7.0, 8.0, 9.0])
END = "2024-04-30"


def test_on_counts_and_nan_for_unobservable_cells():
    t = rk.cohort_table(LOG, freq="M", normalize=False, summary=False, observation_end=END)
    assert list(t.index) == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert t["size"].tolist() == [2, 1, 1, 1]
    expected = [[2, 1, 0, 1], [1, 0, 1, np.nan], [1, 0, np.nan, np.nan], [1, np.nan, np.nan, np.nan]]
    np.testing.assert_array_equal(t[[0, 1, 2, 3]].to_numpy(), np.array(expected, dtype=float))


def test_on_or_after_and_brackets():
    after = rk.cohort_table(LOG, freq="M", kind="on_or_after", normalize=False, summary=False, observation_end=END)
    np.testing.assert_array_equal(after.loc["2024-01", [0, 1, 2, 3]].to_numpy(), [2, 1, 1, 1])
    np.testing.assert_array_equal(after.loc["2024-02", [0, 1, 2]].to_numpy(), [1, 1, 1])
    br = rk.cohort_table(LOG, freq="M", brackets=[(1, 2), (3, 3)], normalize=False, summary=False, observation_end=END)
    assert list(br.columns) == ["size", "1-2", "3"]
    assert br.loc["2024-01", "1-2"] == 1 and br.loc["2024-01", "3"] == 1
    assert br.loc["2024-02", "1-2"] == 1 and np.isnan(br.loc["2024-02", "3"])
    assert np.isnan(br.loc["2024-03", "1-2"])  # month 2 of the March cohort is May: not observed


def test_normalized_percent_and_weighted_average():
    t = rk.cohort_table(LOG, freq="M", observation_end=END)
    assert (t[0] == 100.0).all()
    avg = t.loc["weighted average"]
    # month 1: cohorts Jan (1 of 2), Feb (0 of 1), Mar (0 of 1) completed it -> 1 / 4
    assert avg[1] == pytest.approx(25.0)
    # month 3: only January completed it -> 1 / 2
    assert avg[3] == pytest.approx(50.0)
    assert avg["size"] == 5


def test_revenue_cells():
    t = rk.cohort_table(LOG, freq="M", values="revenue", normalize=False, summary=False, observation_end=END)
    assert t.loc["2024-01", 0] == 20.0 and t.loc["2024-01", 1] == 20.0 and t.loc["2024-01", 3] == 30.0
    per_customer = rk.cohort_table(LOG, freq="M", values="revenue", summary=False, observation_end=END)
    assert per_customer.loc["2024-01", 0] == 10.0  # 20 dollars / 2 customers


def test_weeks_start_on_the_configured_day():
    log = tx([("a", "2024-01-07"), ("a", "2024-01-08")])  # a Sunday, then a Monday
    monday = rk.cohort_table(log, freq="W", normalize=False, summary=False, observation_end="2024-01-21")
    sunday = rk.cohort_table(log, freq="W", week_start="SUN", normalize=False, summary=False,
                             observation_end="2024-01-20")
    assert monday.loc[monday.index[0], 1] == 1  # Mon-start weeks: Sunday and Monday differ
    assert sunday.loc[sunday.index[0], 1] == 0  # Sun-start weeks: same week


def test_bad_options():
    with pytest.raises(RetentionDataError, match="kind='ever'"):
        rk.cohort_table(LOG, kind="ever")
    with pytest.raises(RetentionDataError, match="on_or_after"):
        rk.cohort_table(LOG, kind="on_or_after", values="revenue")
    with pytest.raises(RetentionDataError, match="amount"):
        rk.cohort_table(LOG.drop(columns="amount"), values="revenue")
    with pytest.raises(RetentionDataError, match="brackets"):
        rk.cohort_table(LOG, brackets=[(3, 1)])


logs = st.lists(st.tuples(st.integers(0, 15), st.integers(0, 400)), min_size=1, max_size=80).map(
    lambda rows: pd.DataFrame({
        "customer_id": [f"c{c}" for c, _ in rows],
        "date": pd.Timestamp("2023-01-01") + pd.to_timedelta([d for _, d in rows], unit="D"),
    })
)


@settings(max_examples=60, deadline=None)
@given(logs, st.sampled_from(["W", "M", "Q"]))
def test_properties(log, freq):
    end = "2024-02-29"
    try:
        on = rk.cohort_table(log, freq=freq, summary=False, observation_end=end)
    except RetentionDataError as err:
        assert "no complete period" in str(err)
        return
    after = rk.cohort_table(log, freq=freq, kind="on_or_after", summary=False, observation_end=end)
    cells_on, cells_after = on.drop(columns="size"), after.drop(columns="size")
    assert (cells_on[0] == 100.0).all()  # period 0 is 100 %
    a, o = cells_after.to_numpy(), cells_on.to_numpy()
    both = np.isfinite(a) & np.isfinite(o)
    assert (a[both] >= o[both] - 1e-9).all()  # on or after >= on, cell by cell
    assert (cells_on.isna() == cells_after.isna()).all().all()
    # unobservable cells: cohort i of n has exactly n - 1 - i observed offsets after period 0
    n = len(cells_on.columns)
    observed = cells_on.notna().sum(axis=1).to_numpy()
    positions = [pd.Period(c, freq=rk.periods.period_freq(freq)) for c in on.index]
    last = positions[0] + (n - 1)
    assert observed.tolist() == [(last - p).n + 1 for p in positions]
    steps = np.diff(a, axis=1)
    assert (steps[np.isfinite(steps)] <= 1e-9).all()  # on or after never rises


# -- DuckDB: the same counts from SQL ---------------------------------------------------

TRUNC = {"W": "week", "M": "month", "Q": "quarter"}


def duckdb_cells(log: pd.DataFrame, freq: str, end: str) -> pd.DataFrame:
    unit = TRUNC[freq]
    sql = f"""
        WITH tx AS (
            SELECT customer_id, date_trunc('{unit}', date) AS p
            FROM log WHERE date < date_trunc('{unit}', DATE '{end}' + INTERVAL 1 DAY)
        ),
        first AS (SELECT customer_id, min(p) AS cohort, max(p) AS last FROM tx GROUP BY 1),
        act AS (
            SELECT DISTINCT tx.customer_id, first.cohort, datediff('{unit}', first.cohort, tx.p) AS k
            FROM tx JOIN first USING (customer_id)
        )
        SELECT strftime(cohort, '%Y-%m-%d') AS cohort, k, count(*) AS customers
        FROM act GROUP BY 1, 2 ORDER BY 1, 2
    """
    con = duckdb.connect()
    con.register("log", log)
    return con.execute(sql).df()


@settings(max_examples=40, deadline=None)
@given(logs, st.sampled_from(["W", "M", "Q"]))
def test_cohort_counts_equal_duckdb(log, freq):
    end = "2024-02-29"
    try:
        kit = rk.cohort_table(log, freq=freq, normalize=False, summary=False, observation_end=end)
    except RetentionDataError:
        return
    sql = duckdb_cells(log, freq, end)
    alias = rk.periods.period_freq(freq)
    got = {}
    for cohort, row in kit.drop(columns="size").iterrows():
        start = str(pd.Period(cohort, freq=alias).start_time.date())
        for k, value in row.items():
            if pd.notna(value) and value > 0:
                got[(start, int(k))] = int(value)
    expected = {(r.cohort, int(r.k)): int(r.customers) for r in sql.itertuples()}
    assert got == expected


def test_cdnow_cohorts_equal_duckdb():
    log = rk.datasets.load_cdnow()[["customer_id", "date"]]
    kit = rk.cohort_table(log, freq="M", normalize=False, summary=False)
    sql = duckdb_cells(log, "M", "1998-06-30")
    assert len(kit) == 3
    for r in sql.itertuples():
        assert kit.loc[r.cohort[:7], int(r.k)] == r.customers


def test_repeat_purchase_rate_and_time_to_second():
    log = tx([("a", "2024-01-01"), ("a", "2024-01-01"), ("a", "2024-03-01"),  # same day twice
              ("b", "2024-01-10"), ("b", "2024-01-25"),
              ("c", "2024-02-01"),
              ("d", "2024-03-20")])
    overall = rk.repeat_purchase_rate(log, observation_end="2024-03-31").iloc[0]
    assert (overall["customers"], overall["repeaters"]) == (4, 2)
    assert overall["repeat_rate"] == 50.0
    within = rk.repeat_purchase_rate(log, within_days=30, freq="M", observation_end="2024-03-31")
    jan = within[within["cohort"] == "2024-01"].iloc[0]
    assert (jan["eligible"], jan["repeaters"]) == (2, 1)  # a's second day came after 60 days
    mar = within[within["cohort"] == "2024-03"].iloc[0]
    assert (mar["eligible"], mar["not_eligible"]) == (0, 1) and np.isnan(mar["repeat_rate"])
    assert mar["note"]
    assert sorted(rk.time_to_second_purchase(log).tolist()) == [15, 60]


def test_returning_visitors():
    s = pd.DataFrame({"visitor_id": ["v1", "v1", "v2", "v2", "v3"],
                      "date": pd.to_datetime(["2024-01-01", "2024-02-05", "2024-02-06",
                                              "2024-03-01", "2024-03-02"])})
    t = rk.returning_visitor_rate(s, freq="M", observation_end="2024-03-31")
    assert t[["visitors", "new", "returning"]].to_numpy().tolist() == [[1, 1, 0], [2, 1, 1], [2, 1, 1]]
    assert t["note"].iloc[0].startswith("first period")
