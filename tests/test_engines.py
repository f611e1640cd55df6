"""The table functions on every engine: pandas, Polars (eager and lazy), DuckDB, PySpark.

Each function is called on the same random logs held in each engine, and must return
the same pandas result as the numpy path on the pandas DataFrame. ``neutral`` runs the
Narwhals path on the pandas DataFrame itself, so the numpy fast path is held equal to
the neutral implementation directly. Spark runs as a real ``local[2]`` job; without
Java or pyspark its tests skip with a message saying which is missing.
"""

from __future__ import annotations

import os
import shutil
import warnings

import numpy as np
import pandas as pd
import pytest

import retention_kit as rk
from retention_kit import _neutral
from retention_kit.errors import RetentionDataError

pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support:FutureWarning")

pl = pytest.importorskip("polars", reason="polars is not installed (pip install -e '.[test]')")
duckdb = pytest.importorskip("duckdb", reason="duckdb is not installed (pip install -e '.[test]')")


def _logs(seed: int) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n = 2500
    tx = pd.DataFrame({
        "customer_id": rng.integers(0, 250, n).astype(str),
        "date": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 500 * 24, n), unit="h"),
        "amount": rng.gamma(2.0, 20.0, n).round(2),
    })
    m = 300
    starts = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 400, m), unit="D")
    ends = pd.Series(starts + pd.to_timedelta(rng.integers(0, 200, m), unit="D"))
    ends = ends.where(rng.random(m) < 0.7)  # 30 % still live
    subs = pd.DataFrame({
        "customer_id": rng.integers(0, 120, m).astype(str),
        "start_date": starts,
        "end_date": ends.to_numpy(),
        "mrr": rng.integers(5, 50, m).astype(float),
    })
    sessions = tx.rename(columns={"customer_id": "visitor_id"})[["visitor_id", "date"]]
    return {"transactions": tx, "subscriptions": subs, "sessions": sessions}


LOGS = {seed: _logs(seed) for seed in (1, 2)}

# (kind of log, call); every call here computes on the engine (Log(neutral=True))
NEUTRAL_CALLS = {
    "customer_counts M 90": ("transactions", lambda t: rk.customer_counts(t, freq="M", active_days=90)),
    "customer_counts W 30": ("transactions", lambda t: rk.customer_counts(
        t, freq="W", active_days=30, observation_end="2024-03-01", week_start="SUN")),
    "customer_counts Q 365": ("transactions", lambda t: rk.customer_counts(t, freq="Q", active_days=365)),
    "subscription_counts M": ("subscriptions", lambda t: rk.subscription_counts(t, freq="M")),
    "subscription_counts Q": ("subscriptions", lambda t: rk.subscription_counts(
        t, freq="Q", observation_end="2024-01-31")),
    "cohort_table": ("transactions", lambda t: rk.cohort_table(t, freq="M")),
    "cohort_table revenue": ("transactions", lambda t: rk.cohort_table(t, freq="Q", values="revenue")),
    "cohort_table on_or_after": ("transactions", lambda t: rk.cohort_table(
        t, freq="M", kind="on_or_after", normalize=False)),
    "cohort_table brackets": ("transactions", lambda t: rk.cohort_table(t, freq="M", brackets=[(1, 3), (4, 6)])),
    "cohort_table revenue brackets": ("transactions", lambda t: rk.cohort_table(
        t, freq="M", values="revenue", brackets=[(0, 0), (1, 5)], observation_end="2024-02-29")),
    "rfm_summary W": ("transactions", lambda t: rk.rfm_summary(t, freq="W", observation_end="2024-05-01")),
    "rfm_summary D/7": ("transactions", lambda t: rk.rfm_summary(
        t, freq="D", freq_multiplier=7, observation_end="2024-03-01")),
    "rfm_summary M": ("transactions", lambda t: rk.rfm_summary(t, freq="M", observation_end="2024-03-01",
                                                               monetary=False)),
    "calibration_holdout": ("transactions", lambda t: rk.calibration_holdout(
        t, calibration_end="2023-10-01", observation_end="2024-05-01", freq="W")),
    "repeat_purchase_rate": ("transactions", lambda t: rk.repeat_purchase_rate(t, within_days=60, freq="Q")),
    "repeat_purchase_rate all": ("transactions", lambda t: rk.repeat_purchase_rate(t)),
    "time_to_second_purchase": ("transactions", lambda t: rk.time_to_second_purchase(t)),
    "returning_visitor_rate": ("sessions", lambda t: rk.returning_visitor_rate(t, freq="W")),
}

# functions that collect a foreign table to pandas first (Log() without neutral)
COLLECTED_CALLS = {
    "churn_rate": ("transactions", lambda t: rk.churn_rate(
        t, active_days=90, start="2023-06-01", end="2023-12-31", method="per_start")),
    "mrr_movements": ("subscriptions", lambda t: rk.mrr_movements(t, freq="M")),
    "tenure_table": ("subscriptions", lambda t: rk.tenure_table(t, observation_end="2024-06-30")),
}


def _same(expected: object, got: object) -> None:
    if isinstance(expected, pd.DataFrame):
        assert isinstance(got, pd.DataFrame)
        pd.testing.assert_frame_equal(
            expected.reset_index(), got.reset_index(),
            check_dtype=False, check_index_type=False, check_column_type=False, rtol=1e-12,
        )
        assert got.attrs == expected.attrs
    elif isinstance(expected, pd.Series):
        pd.testing.assert_series_equal(expected, got, check_dtype=False, check_index_type=False)
    else:
        assert got == pytest.approx(expected, rel=1e-12)


@pytest.fixture(scope="module")
def spark():
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Java is missing: the Spark tests need a Java runtime (17) on the PATH or JAVA_HOME")
    pyspark_sql = pytest.importorskip("pyspark.sql", reason="pyspark is not installed (pip install -e '.[test]')")
    session = (
        pyspark_sql.SparkSession.builder.master("local[2]")
        .appName("retention-kit-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _convert(engine: str, table: pd.DataFrame, spark_session=None):
    if engine == "polars":
        return pl.from_pandas(table)
    if engine == "polars-lazy":
        return pl.from_pandas(table).lazy()
    if engine == "duckdb":
        return duckdb.from_df(table)
    if engine == "spark":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # PySpark 4 on pandas 3
            return spark_session.createDataFrame(table)
    raise AssertionError(engine)


ENGINES = ["neutral", "polars", "polars-lazy", "duckdb"]


@pytest.mark.parametrize("seed", sorted(LOGS))
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("call", sorted(NEUTRAL_CALLS))
def test_neutral_functions_equal_numpy_path(call, engine, seed):
    kind, func = NEUTRAL_CALLS[call]
    table = LOGS[seed][kind]
    expected = func(table)
    if engine == "neutral":
        with _neutral.route_pandas():
            got = func(table)
    else:
        got = func(_convert(engine, table))
    _same(expected, got)


@pytest.mark.parametrize("engine", ["polars", "duckdb"])
@pytest.mark.parametrize("call", sorted(COLLECTED_CALLS))
def test_collected_functions_accept_other_engines(call, engine):
    kind, func = COLLECTED_CALLS[call]
    table = LOGS[1][kind]
    _same(func(table), func(_convert(engine, table)))


def test_spark_local_job_equals_pandas(spark):
    """One local[2] Spark job per neutral aggregation (and one collected function)."""
    logs = LOGS[1]
    frames = {kind: _convert("spark", table, spark) for kind, table in logs.items()}
    for call in ("customer_counts M 90", "subscription_counts M", "cohort_table revenue brackets",
                 "cohort_table on_or_after", "rfm_summary W", "calibration_holdout", "repeat_purchase_rate",
                 "returning_visitor_rate"):
        kind, func = NEUTRAL_CALLS[call]
        _same(func(logs[kind]), func(frames[kind]))
    kind, func = COLLECTED_CALLS["mrr_movements"]
    _same(func(logs[kind]), func(frames[kind]))


def test_the_pandas_route_really_changes_path(monkeypatch):
    """route_pandas() must send pandas through the neutral code (else 'neutral' tests nothing)."""
    calls = []
    original = _neutral.activity_flows
    monkeypatch.setattr(_neutral, "activity_flows", lambda *a, **k: calls.append(1) or original(*a, **k))
    rk.customer_counts(LOGS[1]["transactions"], freq="M", active_days=90)
    assert calls == []
    with _neutral.route_pandas():
        rk.customer_counts(LOGS[1]["transactions"], freq="M", active_days=90)
    assert calls == [1]


# --------------------------------------------------------------------------- checks


def test_foreign_tables_are_checked_like_pandas_ones():
    tx = LOGS[1]["transactions"]
    lf = pl.from_pandas(tx).lazy()
    with pytest.raises(RetentionDataError, match=r"missing canonical column\(s\) \['date'\]") as err:
        rk.customer_counts(lf.rename({"date": "when"}), freq="M", active_days=30)
    assert err.value.parameter == "transactions" and err.value.column == "date"
    with pytest.raises(RetentionDataError, match="is not a datetime column") as err:
        rk.cohort_table(lf.with_columns(pl.col("date").dt.strftime("%Y-%m-%d")))
    assert err.value.column == "date"
    blank = pl.from_pandas(tx).with_columns(
        pl.when(pl.int_range(pl.len()) < 3).then(None).otherwise(pl.col("customer_id")).alias("customer_id"))
    with pytest.raises(RetentionDataError, match="3 rows have no customer id") as err:
        rk.rfm_summary(blank, observation_end="2024-05-01")
    assert err.value.column == "customer_id"
    with pytest.raises(RetentionDataError, match="the table is empty"):
        rk.cohort_table(duckdb.from_df(tx.iloc[:0]))
    with pytest.raises(RetentionDataError, match="needs an 'amount' column"):
        rk.cohort_table(lf.drop("amount"), values="revenue")


def test_spells_ending_before_they_start_are_refused_on_every_engine():
    subs = LOGS[1]["subscriptions"].copy()
    subs.loc[0, "end_date"] = subs.loc[0, "start_date"] - pd.Timedelta(days=3)
    with pytest.raises(RetentionDataError, match="1 spells end before they start"):
        rk.subscription_counts(duckdb.from_df(subs), freq="M")


def test_polars_time_zones_keep_the_local_wall_clock():
    """The pandas rule: an offset-aware date counts on its local calendar day."""
    tx = LOGS[2]["transactions"]
    aware = tx.assign(date=tx["date"].dt.tz_localize("Asia/Tehran"))
    expected = rk.cohort_table(aware, freq="M")
    got = rk.cohort_table(pl.from_pandas(aware).lazy(), freq="M")
    _same(expected, got)


def test_other_objects_are_refused_with_the_accepted_kinds():
    with pytest.raises(RetentionDataError, match="a pandas, Polars, DuckDB or PySpark table") as err:
        rk.cohort_table({"customer_id": ["a"]})
    assert err.value.parameter == "transactions"


def test_date_columns_of_type_date_work():
    tx = LOGS[1]["transactions"]
    days = pl.from_pandas(tx).with_columns(pl.col("date").dt.date())
    expected = rk.customer_counts(tx.assign(date=tx["date"].dt.normalize()), freq="M", active_days=60)
    _same(expected, rk.customer_counts(days, freq="M", active_days=60))


def test_too_many_activity_periods_are_refused_naming_freq():
    tx = LOGS[1]["transactions"]
    with pytest.raises(RetentionDataError, match="at most 400 periods") as err:
        rk.customer_counts(pl.from_pandas(tx), freq="D", active_days=30)
    assert err.value.parameter == "freq"
    # the same call on pandas is fine: the numpy engine has no such limit
    assert len(rk.customer_counts(tx, freq="D", active_days=30)) > 400


def test_a_lazily_loaded_parquet_lake_gives_the_eager_numbers(tmp_path):
    """load_transactions(lake, lazy=True) -> a LazyFrame the table functions compute on."""
    tx = LOGS[2]["transactions"]
    lake = tmp_path / "lake"
    lake.mkdir()
    for i, part in enumerate(np.array_split(np.arange(len(tx)), 3)):
        tx.iloc[part].rename(columns={"customer_id": "client", "date": "ordered", "amount": "total"}).to_parquet(
            lake / f"part-{i}.parquet")
    options = dict(customer_col="client", date_col="ordered", amount_col="total", duplicates="keep")
    eager = rk.load_transactions(lake, **options)
    lazy = rk.load_transactions(lake, lazy=True, **options)
    assert isinstance(lazy, pl.LazyFrame)
    assert rk.load_report(lazy).rows_kept == rk.load_report(eager).rows_kept == len(tx)
    for call in ("customer_counts M 90", "cohort_table revenue", "rfm_summary W", "returning_visitor_rate"):
        kind, func = NEUTRAL_CALLS[call]
        if kind == "sessions":
            _same(func(eager.rename(columns={"customer_id": "visitor_id"})),
                  func(lazy.rename({"customer_id": "visitor_id"})))
        else:
            _same(func(eager), func(lazy))


@pytest.mark.parametrize("engine", ["neutral", "polars", "duckdb"])
@pytest.mark.parametrize("bounds", [
    "2023-01-01,2023-02-01,2023-03-01,2023-04-01",  # months: arithmetic on month numbers
    "2023-01-01,2023-04-01,2023-07-01,2023-10-01,2024-01-01",  # quarters
    "2023-01-02,2023-01-09,2023-01-16",  # weeks: arithmetic on day numbers
    "2023-03-21,2023-04-21,2023-05-22,2023-06-22,2023-07-23",  # Jalali months: comparisons
    "2023-01-01,2023-01-15,2023-03-01",  # irregular
])
def test_period_index_on_engines_equals_searchsorted(engine, bounds):
    import narwhals.stable.v2 as nw

    days = np.array([np.datetime64(b) for b in bounds.split(",")]).astype("datetime64[D]").astype(np.int64)
    dates = pd.Series(pd.date_range("2022-11-20", "2024-02-10", freq="19h"))
    expected = np.searchsorted(days, dates.to_numpy().astype("datetime64[D]").astype(np.int64), side="right") - 1
    table = pd.DataFrame({"date": dates})
    native = table if engine == "neutral" else _convert(engine, table)
    got = _neutral._collect(nw.from_native(native).lazy().select(k=_neutral._index("date", days)))["k"].to_numpy()
    inside = (expected >= 0) & (expected < len(days) - 1)
    # inside the periods the index is exact; outside it only has to say "outside"
    np.testing.assert_array_equal(got[inside], expected[inside])
    assert not ((got[~inside] >= 0) & (got[~inside] < len(days) - 1)).any()


def test_null_amounts_are_refused_not_summed_as_zero():
    tx = LOGS[1]["transactions"].copy()
    tx.loc[[3, 7], "amount"] = np.nan
    for table in (pl.from_pandas(tx), duckdb.from_df(tx)):
        with pytest.raises(RetentionDataError, match="2 rows have no amount") as err:
            rk.rfm_summary(table, freq="W", observation_end="2024-05-01")
        assert err.value.column == "amount"
        with pytest.raises(RetentionDataError, match="2 rows have no amount"):
            rk.cohort_table(table, values="revenue")
    # without the amounts, the same table is fine
    _same(rk.cohort_table(tx), rk.cohort_table(pl.from_pandas(tx)))


def test_duckdb_timestamps_with_time_zone_are_refused_naming_the_conversion():
    tx = LOGS[1]["transactions"]
    aware = duckdb.from_df(tx.assign(date=tx["date"].dt.tz_localize("America/New_York")))
    with pytest.raises(RetentionDataError, match=r"TIMESTAMPTZ.*timezone\('Asia/Tehran', date\)") as err:
        rk.customer_counts(aware, freq="M", active_days=30)
    assert err.value.column == "date"


@pytest.mark.parametrize("engine", ["polars", "duckdb"])
def test_collected_functions_take_date_columns(engine):
    tx = LOGS[1]["transactions"]
    days = tx.assign(date=tx["date"].dt.normalize())
    native = _convert(engine, days)
    native = native.with_columns(pl.col("date").dt.date()) if engine == "polars" else native.project(
        "customer_id, CAST(date AS DATE) AS date, amount")
    kind, func = COLLECTED_CALLS["churn_rate"]
    _same(func(days), func(native))
