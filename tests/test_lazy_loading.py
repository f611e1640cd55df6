"""lazy=True: Parquet files, folders and globs scanned by Polars give the eager loaders'
rows and load report, and refuse what the lazy path cannot read naming lazy=False."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pl = pytest.importorskip("polars")

from retention_kit import (
    RetentionDataError,
    load_report,
    load_sessions,
    load_subscriptions,
    load_transactions,
)

STATUSES = ["paid", "Refunded", " pending", "PAID", None]


def _orders(seed: int, n: int = 300, *, typed_dates: bool) -> pd.DataFrame:
    """Random orders with the problems the options settle: blank and padded ids, refunds,
    zero amounts, statuses to exclude, exact duplicates (some differing only in a
    kept column), ids in two cases."""
    rng = np.random.default_rng(seed)
    pool = np.array([f"c{i:03d}" for i in range(40)] + ["C001", " c002", "c003 ", "", "  "], dtype=object)
    ids = rng.choice(pool, n)
    ids[rng.random(n) < 0.03] = None
    days = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 500, n), unit="D")
    stamps = days + pd.to_timedelta(rng.integers(0, 3, n) * 3600, unit="s")
    amounts = np.round(rng.normal(40, 30, n), 2)
    amounts[rng.random(n) < 0.05] = 0.0
    df = pd.DataFrame({
        "client": pd.Series(ids, dtype=object),
        "ordered": stamps if typed_dates else [s.isoformat(sep=" ") if s.hour else f"{s:%Y-%m-%d}" for s in stamps],
        "total": amounts,
        "state": rng.choice(np.array(STATUSES, dtype=object), n),
        "channel": rng.choice(np.array(["web", "app", " web"], dtype=object), n),
    })
    copies = df.sample(15, random_state=seed)
    df = pd.concat([df, copies], ignore_index=True).sample(frac=1, random_state=seed + 1).reset_index(drop=True)
    return df


def _write(df: pd.DataFrame, tmp_path, layout: str) -> str:
    if layout == "file":
        path = tmp_path / "orders.parquet"
        df.to_parquet(path, index=False)
        return str(path)
    lake = tmp_path / "lake"
    parts = np.array_split(np.arange(len(df)), 4)
    for i, rows in enumerate(parts):
        folder = lake / f"month={i // 2}"
        folder.mkdir(parents=True, exist_ok=True)
        df.iloc[rows].to_parquet(folder / f"part-{i}.parquet", index=False)
    return str(lake) if layout == "folder" else str(lake / "**" / "*.parquet")


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(list(df.columns), kind="stable").reset_index(drop=True)


def _same_rows(eager: pd.DataFrame, lazy) -> None:
    got = lazy.collect().to_pandas()
    want = eager.copy()
    for col in ("customer_id", "visitor_id"):
        if col in want:
            want[col] = want[col].astype(str)
            got[col] = got[col].astype(str)
    for col in want.columns:
        if pd.api.types.is_datetime64_any_dtype(want[col]):
            want[col] = want[col].astype("datetime64[us]")
    pd.testing.assert_frame_equal(_sorted(got), _sorted(want), check_dtype=False)


def _same_report(eager: pd.DataFrame, lazy) -> None:
    a, b = load_report(eager), load_report(lazy)
    assert (b.source, b.rows_read, b.rows_kept, b.excluded) == (a.source, a.rows_read, a.rows_kept, a.excluded)
    assert b.notes == a.notes
    assert b.rows_read == b.rows_kept + sum(b.excluded.values())


OPTIONS = dict(customer_col="client", date_col="ordered", amount_col="total", blank_ids="exclude",
               refunds="exclude", duplicates="exclude", status_col="state",
               exclude_statuses=["refunded", "pending"], keep_columns=["channel"], id_case="lower")


@pytest.mark.parametrize("layout", ["file", "folder", "glob"])
@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("typed_dates", [True, False])
def test_lazy_transactions_equal_the_eager_load(tmp_path, layout, seed, typed_dates):
    source = _write(_orders(seed, typed_dates=typed_dates), tmp_path, layout)
    eager = load_transactions(source, **OPTIONS)
    lazy = load_transactions(source, lazy=True, **OPTIONS)
    assert isinstance(lazy, pl.LazyFrame)
    report = load_report(eager)
    assert {"blank customer id", "refund (negative amount)", "status 'refunded'", "status 'pending'",
            "duplicate row (identical in every column to an earlier row)"} <= set(report.excluded)
    _same_rows(eager, lazy)
    _same_report(eager, lazy)
    assert lazy.collect_schema() == pl.Schema({"customer_id": pl.String, "date": pl.Datetime("us"),
                                              "amount": pl.Float64, "channel": pl.String})


@pytest.mark.parametrize("duplicates", ["keep", "exclude"])
def test_lazy_keeps_case_and_duplicates_as_asked(tmp_path, duplicates):
    source = _write(_orders(7, typed_dates=False), tmp_path, "folder")
    options = {**OPTIONS, "id_case": "keep", "duplicates": duplicates}
    eager = load_transactions(source, **options)
    lazy = load_transactions(source, lazy=True, **options)
    _same_rows(eager, lazy)
    _same_report(eager, lazy)


def test_integer_and_whole_float_ids_become_their_decimal_text(tmp_path):
    path = tmp_path / "o.parquet"
    pd.DataFrame({"i": [1000, 7, 1000], "f": [1000.0, 7.0, np.nan], "t": ["1000.0", "7", "x"],
                  "d": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"])}).to_parquet(path)
    for col, expected in (("i", ["1000", "7", "1000"]), ("f", ["1000", "7"]), ("t", ["1000", "7", "x"])):
        lf = load_transactions(path, customer_col=col, date_col="d", lazy=True, blank_ids="exclude",
                               duplicates="keep")
        assert lf.collect()["customer_id"].to_list() == expected
        eager = load_transactions(path, customer_col=col, date_col="d", blank_ids="exclude", duplicates="keep")
        assert eager["customer_id"].astype(str).tolist() == expected
        assert load_report(lf).notes == load_report(eager).notes


def test_fractional_ids_refuse_like_the_eager_loader(tmp_path):
    path = tmp_path / "o.parquet"
    pd.DataFrame({"f": [1.5, 2.0], "d": ["2024-01-01", "2024-01-02"]}).to_parquet(path)
    with pytest.raises(RetentionDataError) as eager:
        load_transactions(path, customer_col="f", date_col="d")
    with pytest.raises(RetentionDataError) as lazy:
        load_transactions(path, customer_col="f", date_col="d", lazy=True)
    assert str(lazy.value) == str(eager.value) and lazy.value.parameter == "customer_col"


def test_time_zones_keep_the_local_wall_clock_time(tmp_path):
    path = tmp_path / "o.parquet"
    stamps = pd.to_datetime(["2024-01-01 23:30", "2024-06-01 00:15"]).tz_localize("Asia/Tehran")
    pd.DataFrame({"c": ["a", "b"], "d": stamps, "s": ["2024-01-01T23:30:00+03:30", "2024-06-01 00:15Z"]}).to_parquet(path)
    for col in ("d", "s"):
        eager = load_transactions(path, customer_col="c", date_col=col)
        lazy = load_transactions(path, customer_col="c", date_col=col, lazy=True)
        assert lazy.collect()["date"].to_list() == [pd.Timestamp("2024-01-01 23:30"), pd.Timestamp("2024-06-01 00:15")]
        _same_rows(eager, lazy)
        assert load_report(lazy).notes == load_report(eager).notes


# --------------------------------------------------------------------------- errors


def _both_refuse(source, **options) -> tuple[RetentionDataError, RetentionDataError]:
    with pytest.raises(RetentionDataError) as eager:
        load_transactions(source, **options)
    with pytest.raises(RetentionDataError) as lazy:
        load_transactions(source, lazy=True, **options)
    return eager.value, lazy.value


def test_errors_match_the_eager_loader(tmp_path):
    df = _orders(4, typed_dates=False)
    source = _write(df, tmp_path, "glob")
    cases = [
        dict(OPTIONS, blank_ids="error"),
        dict(OPTIONS, refunds="error"),
        dict(OPTIONS, duplicates="error"),
        dict(OPTIONS, date_range=("2023-03-01", "2024-12-31")),
        dict(OPTIONS, date_range=("2023-01-01", "2023-12-31")),
    ]
    for options in cases:
        eager, lazy = _both_refuse(source, **options)
        assert (lazy.parameter, lazy.column, lazy.options) == (eager.parameter, eager.column, eager.options)
        assert str(lazy) == str(eager)


def test_default_window_refuses_a_far_future_date(tmp_path):
    path = tmp_path / "o.parquet"
    pd.DataFrame({"c": ["a", "b", "c"], "d": ["2024-01-01", "2099-12-31", "1402-07-01"]}).to_parquet(path)
    eager, lazy = _both_refuse(path, customer_col="c", date_col="d")
    assert lazy.parameter == "date_range" and str(lazy) == str(eager)
    assert "row 1: '2099-12-31', row 2: '1402-07-01'" in str(lazy) and "calendar='jalali'" in str(lazy)


@pytest.mark.parametrize(("dates", "amounts", "options", "parameter"), [
    (["05/03/2024", "2024-03-06"], [1.0, 2.0], {}, "lazy"),  # not ISO: the eager parser reads more
    (["2024-02-30", "2024-03-06"], [1.0, 2.0], {}, "lazy"),
    (["05/03/2024", "2024-03-06"], [1.0, 2.0], {"date_format": "%d/%m/%Y"}, "date_format"),
    (["1402-07-01", "1402-07-02"], [1.0, 2.0], {"calendar": "jalali"}, "lazy"),
    (["2024-03-05", "2024-03-06"], ["$1,234.50", "2"], {}, "lazy"),  # money text
    (["2024-03-05", "2024-03-06"], ["1,5", "2"], {"decimal": ","}, "lazy"),
    (["2024-03-05", "2024-03-06"], ["250.000", "2"], {}, "thousands"),
    (["2024-03-05", "2024-03-06"], ["1.5", None], {}, "amount_col"),
    (["2024-03-05", None], ["1.5", "2"], {}, "date_col"),
])
def test_what_the_lazy_path_cannot_read_is_refused(tmp_path, dates, amounts, options, parameter):
    path = tmp_path / "o.parquet"
    pd.DataFrame({"c": ["a", "b"], "d": dates, "m": amounts}).to_parquet(path)
    with pytest.raises(RetentionDataError) as info:
        load_transactions(path, customer_col="c", date_col="d", amount_col="m", lazy=True, **options)
    assert info.value.parameter == parameter
    if parameter == "lazy":
        assert "lazy=False" in str(info.value)


def test_date_format_and_plain_text_amounts_are_read(tmp_path):
    path = tmp_path / "o.parquet"
    pd.DataFrame({"c": ["a", "b", "c"], "d": ["05/03/2024", "06/03/2024", "31/12/2023"],
                  "m": [" 12.50", "-3", "1e3"]}).to_parquet(path)
    options = dict(customer_col="c", date_col="d", amount_col="m", date_format="%d/%m/%Y", refunds="exclude")
    eager = load_transactions(path, **options)
    lazy = load_transactions(path, lazy=True, **options)
    _same_rows(eager, lazy)
    _same_report(eager, lazy)


def test_non_parquet_sources_are_refused(tmp_path):
    csv = tmp_path / "o.csv"
    frame = pd.DataFrame({"c": ["a"], "d": ["2024-01-01"]})
    frame.to_csv(csv, index=False)
    for source in (csv, frame):
        with pytest.raises(RetentionDataError) as info:
            load_transactions(source, customer_col="c", date_col="d", lazy=True)
        assert info.value.parameter == "lazy"
        assert "Parquet" in str(info.value) and "lazy=False" in str(info.value)


def test_empty_matches_and_mixed_schemas_name_the_pattern_and_files(tmp_path):
    for lazy in (False, True):
        with pytest.raises(RetentionDataError, match=r"matches no file") as info:
            load_transactions(str(tmp_path / "*.parquet"), customer_col="c", date_col="d", lazy=lazy)
        assert info.value.parameter == "source" and "*.parquet" in str(info.value)
        with pytest.raises(RetentionDataError, match=r"holds no Parquet file"):
            load_transactions(tmp_path, customer_col="c", date_col="d", lazy=lazy)
    pd.DataFrame({"c": ["a"], "d": ["2024-01-01"]}).to_parquet(tmp_path / "a.parquet")
    pd.DataFrame({"c": [1], "d": ["2024-01-01"]}).to_parquet(tmp_path / "b.parquet")
    for lazy in (False, True):
        with pytest.raises(RetentionDataError, match=r"do not share one schema") as info:
            load_transactions(tmp_path, customer_col="c", date_col="d", lazy=lazy)
        assert "b.parquet" in str(info.value) and "a.parquet" in str(info.value)


def test_missing_polars_is_named(tmp_path, monkeypatch):
    import builtins

    path = tmp_path / "o.parquet"
    pd.DataFrame({"c": ["a"], "d": ["2024-01-01"]}).to_parquet(path)
    real = builtins.__import__

    def no_polars(name, *args, **kwargs):
        if name == "polars" or name.startswith("polars."):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_polars)
    with pytest.raises(RetentionDataError, match=r"retention-kit\[polars\]") as info:
        load_transactions(path, customer_col="c", date_col="d", lazy=True)
    assert info.value.parameter == "lazy"


def test_load_report_is_not_fooled_by_a_derived_lazyframe(tmp_path):
    path = tmp_path / "o.parquet"
    pd.DataFrame({"c": ["a", "b"], "d": ["2024-01-01", "2024-01-02"]}).to_parquet(path)
    lf = load_transactions(path, customer_col="c", date_col="d", lazy=True)
    assert load_report(lf).rows_read == 2
    for other in (lf.filter(pl.col("customer_id") == "a"), lf.select("customer_id"),
                  pl.LazyFrame({"customer_id": ["a"]})):
        with pytest.raises(RetentionDataError, match="carries no load report"):
            load_report(other)
    with pytest.raises(RetentionDataError) as info:
        load_report([1, 2])
    assert info.value.parameter == "df"


# --------------------------------------------------------------------------- sessions, subscriptions


@pytest.mark.parametrize("layout", ["file", "glob"])
def test_lazy_sessions_equal_the_eager_load(tmp_path, layout):
    rng = np.random.default_rng(5)
    n = 200
    visitors = rng.choice(np.array(["v1", "V1", " v2", "", None, "v3"], dtype=object), n)
    times = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 10**7, n), unit="s")
    source = _write(pd.DataFrame({"vid": visitors, "start": times, "page": rng.integers(0, 5, n)}), tmp_path, layout)
    options = dict(visitor_col="vid", time_col="start", blank_ids="exclude", keep_columns=["page"])
    eager = load_sessions(source, **options)
    lazy = load_sessions(source, lazy=True, **options)
    _same_rows(eager, lazy)
    _same_report(eager, lazy)
    assert lazy.collect_schema()["visitor_id"] == pl.String


def test_lazy_subscriptions_equal_the_eager_load(tmp_path):
    path = tmp_path / "subs.parquet"
    pd.DataFrame({
        "customer_id": ["a", "a", "b", "c", " ", "d"],
        "start_date": ["2024-01-01", "2024-03-01", "2024-01-15", "2024-02-01", "2024-01-01", "2024-05-01"],
        "end_date": ["2024-03-01", "9999-12-31", "2024-02-15", None, None, "2024-05-01"],
        "mrr": [29.0, 99.0, 29.0, 10.0, 5.0, 0.0],
    }).to_parquet(path)
    options = dict(blank_ids="exclude", open_end_values=["9999-12-31"])
    eager = load_subscriptions(path, **options)
    lazy = load_subscriptions(path, lazy=True, **options)
    _same_rows(eager, lazy)
    _same_report(eager, lazy)
    assert lazy.collect()["end_date"].null_count() == 2


@pytest.mark.parametrize(("rows", "parameter"), [
    ([("a", "2024-03-01", "2024-01-01", 1.0)], "end_col"),  # ends before it starts
    ([("a", "2024-01-01", None, 1.0), ("a", "2024-02-01", None, 1.0)], "start_col"),  # overlap
    ([("a", "2024-01-01", None, -1.0)], "mrr_col"),
    ([("a", "2024-01-01", "2099-12-31", 1.0)], "open_end_after"),
])
def test_lazy_subscriptions_refuse_like_the_eager_loader(tmp_path, rows, parameter):
    path = tmp_path / "subs.parquet"
    pd.DataFrame(rows, columns=["customer_id", "start_date", "end_date", "mrr"]).to_parquet(path)
    with pytest.raises(RetentionDataError) as eager:
        load_subscriptions(path)
    with pytest.raises(RetentionDataError) as lazy:
        load_subscriptions(path, lazy=True)
    assert lazy.value.parameter == eager.value.parameter == parameter
    assert str(lazy.value) == str(eager.value)
