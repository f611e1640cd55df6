"""The engine's fast paths equal straightforward pandas on random inputs.

``retention_kit._engine`` picks a route by size: dense per-customer tables (scatter and
``ufunc.at``, no sorting) while they fit the memory budget, sorting otherwise, and lookup
tables instead of binary search or hashing for long inputs. Each test runs every route
(forcing it through the module's thresholds) and compares with a plain pandas groupby
written the obvious way. ``activity_counts`` is checked against a brute-force reference
in ``test_counts.py``; here only its two routes are compared with each other.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retention_kit import _engine


@contextmanager
def route(name: str):
    """Force the engine onto one route: "dense" (tables, lookups) or "sorted"."""
    with pytest.MonkeyPatch.context() as mp:
        if name == "dense":
            mp.setattr(_engine, "_LOOKUP_MIN_ROWS", 0)  # lookup tables even for tiny inputs
        else:
            mp.setattr(_engine, "_DENSE_FLOOR", 0)
            mp.setattr(_engine, "_DENSE_BYTES_PER_ROW", 0)
            mp.setattr(_engine, "_LOOKUP_MIN_ROWS", 2**62)
        yield


ROUTES = ["dense", "sorted"]

# purchases: (customer code, period, amount in cents) with a few customers and periods
purchases = st.lists(
    st.tuples(st.integers(0, 8), st.integers(0, 11), st.integers(-500, 50_000)), min_size=0, max_size=80
)


def frame(rows, n_periods=None) -> tuple[pd.DataFrame, int]:
    df = pd.DataFrame(rows, columns=["c", "p", "cents"], dtype=np.int64)
    df["amount"] = df["cents"] / 100.0
    n_customers = int(df["c"].max()) + 1 if len(df) else 0
    return df, n_customers


# -- customer codes ---------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(-3, 40), min_size=1, max_size=60),
    st.sampled_from([np.int64, np.int32, np.int16, np.int8]),
    st.integers(-(2**40), 2**40),
)
def test_customer_codes_equal_factorize(ids, dtype, shift):
    values = np.array(ids, dtype=np.int64)
    if dtype is np.int64:
        values = values + shift
    values = values.astype(dtype)
    expected_codes, expected_ids = pd.factorize(values, sort=False)
    for name in ROUTES:
        with route(name):
            codes, uniques = _engine.customer_codes(values)
        assert codes.dtype == np.int64 and uniques.dtype == expected_ids.dtype
        assert codes.tolist() == expected_codes.tolist()
        assert uniques.tolist() == expected_ids.tolist()


def test_the_lookup_route_is_taken_and_exact():
    rng = np.random.default_rng(2)
    days = rng.integers(19_000, 19_500, 50_000)
    bounds = np.sort(np.r_[np.arange(18_990, 19_600, 30), days.min(), days.max(), days.max() + 1])
    calls = []
    real = np.searchsorted

    def spy(a, v, side="left", sorter=None):
        calls.append(len(v))
        return real(a, v, side=side, sorter=sorter)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_engine.np, "searchsorted", spy)
        got = _engine.period_index(days, bounds)
    assert calls == [days.max() - days.min() + 1]  # one search per distinct day, not per row
    assert np.array_equal(got, real(bounds, days, side="right") - 1)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_engine, "_LOOKUP_MIN_ROWS", 2**62)  # the plain binary search
        assert np.array_equal(_engine.period_index(days, bounds), got)


def test_customer_codes_take_the_dense_route_for_compact_integer_ids():
    rng = np.random.default_rng(0)
    ids = rng.integers(10**9, 10**9 + 5_000, 20_000)
    assert _engine._dense_int_codes(ids) is not None  # the route under test is taken
    assert _engine._dense_int_codes(ids * 1000) is None  # sparse ids: hash table instead
    codes, uniques = _engine.customer_codes(ids)
    expected_codes, expected_ids = pd.factorize(ids, sort=False)
    assert np.array_equal(codes, expected_codes) and np.array_equal(uniques, expected_ids)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-8, 40), min_size=0, max_size=60), st.lists(st.integers(-10, 50), min_size=1, max_size=8))
def test_lookup_searchsorted_and_period_index(x, bounds):
    x = np.array(x, dtype=np.int64)
    bounds = np.unique(np.array(bounds, dtype=np.int64))
    for name in ROUTES:
        with route(name):
            for side in ("left", "right"):
                got = _engine._searchsorted(bounds, x, side)
                assert got.dtype == np.int64
                assert np.array_equal(got, np.searchsorted(bounds, x, side=side))
            k = _engine.period_index(x, bounds)
        assert k.dtype == np.int64
        assert np.array_equal(k, np.searchsorted(bounds, x, side="right") - 1)


# -- repeat_summary: lifetimes' per-customer summary ----------------------------------------------


def reference_repeat_summary(df: pd.DataFrame, n_customers: int) -> pd.DataFrame:
    per_period = df.groupby(["c", "p"])["amount"].sum().reset_index()
    g = per_period.groupby("c")
    out = pd.DataFrame({"first": g["p"].min(), "last": g["p"].max(), "frequency": g.size() - 1})
    first_of = per_period["c"].map(out["first"])
    out["repeat_value"] = per_period[per_period["p"] != first_of].groupby("c")["amount"].sum()
    out = out.reindex(range(n_customers))
    out["repeat_value"] = out["repeat_value"].fillna(0.0)
    return out


@settings(max_examples=150, deadline=None)
@given(purchases, st.sampled_from([1, 7, 31]), st.integers(-400, 20_000), st.integers(0, 3))
def test_repeat_summary_equals_groupby(rows, step, origin, extra_customers):
    df, n = frame(rows)
    df["p"] = origin + df["p"] * step  # period numbers such as week starts (day numbers, step 7)
    n += extra_customers  # codes without purchases
    ref = reference_repeat_summary(df, n)
    has = ref["first"].notna().to_numpy()
    codes, period, amounts = (df[col].to_numpy() for col in ("c", "p", "amount"))
    for name in ROUTES:
        with route(name):
            got = _engine.repeat_summary(codes, period, amounts, n)
            plain = _engine.repeat_summary(codes, period, None, n)
        assert got["frequency"].dtype == np.int64 and "repeat_value" not in plain
        assert np.array_equal(got["frequency"], plain["frequency"])
        assert np.array_equal(got["first"][has], ref["first"][has].to_numpy(dtype=np.int64))
        assert np.array_equal(got["last"][has], ref["last"][has].to_numpy(dtype=np.int64))
        assert np.array_equal(got["frequency"][has], ref["frequency"][has].to_numpy(dtype=np.int64))
        # customers without purchases: the original conventions
        assert (got["frequency"][~has] == -1).all()
        assert (got["first"][~has] == np.iinfo(np.int64).max).all()
        assert (got["last"][~has] == np.iinfo(np.int64).min).all()
        np.testing.assert_allclose(got["repeat_value"], ref["repeat_value"].to_numpy(), rtol=1e-12, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(purchases)
def test_distinct_periods_with_huge_period_numbers(rows):
    # period numbers too far apart for a packed sort key: the lexsort fallback
    df, n = frame(rows)
    period = df["p"].to_numpy() * (2**58)
    expected = df.assign(p=period).groupby("c")["p"].nunique().reindex(range(n), fill_value=0)
    got = _engine._distinct_periods(df["c"].to_numpy(), period, n)
    assert got.tolist() == expected.tolist()


# -- cohort_counts ------------------------------------------------------------------------


def reference_cohorts(df: pd.DataFrame, n_periods: int, brackets) -> dict[str, np.ndarray]:
    cohort = df.groupby("c")["p"].min()
    last = df.groupby("c")["p"].max()
    d = df.assign(cohort=df["c"].map(cohort))
    d["offset"] = d["p"] - d["cohort"]
    on = np.zeros((n_periods, n_periods), dtype=np.int64)
    for (c, k), n in d.groupby(["cohort", "offset"])["c"].nunique().items():
        on[c, k] = n
    revenue = np.zeros((n_periods, n_periods))
    for (c, k), v in d.groupby(["cohort", "offset"])["amount"].sum().items():
        revenue[c, k] = v
    on_or_after = np.zeros((n_periods, n_periods), dtype=np.int64)
    for c, s in zip(cohort, last - cohort):
        on_or_after[c, : s + 1] += 1
    bracket = np.zeros((n_periods, len(brackets)), dtype=np.int64)
    for j, (lo, hi) in enumerate(brackets):
        buyers = d[(d["offset"] >= lo) & (d["offset"] <= hi)].groupby("c")["cohort"].first()
        for c, n in buyers.value_counts().items():
            bracket[c, j] = n
    size = np.bincount(cohort.to_numpy(dtype=np.int64), minlength=n_periods)
    return {"size": size, "on": on, "revenue": revenue, "on_or_after": on_or_after, "bracket": bracket,
            "cohort": cohort}


brackets = st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)).map(sorted).map(tuple), min_size=1, max_size=3)


@settings(max_examples=120, deadline=None)
@given(purchases, brackets, st.integers(0, 2))
def test_cohort_counts_equal_groupby(rows, spans, extra_customers):
    df, n = frame(rows)
    n_periods = 12
    n += extra_customers
    ref = reference_cohorts(df, n_periods, spans)
    codes, period, amounts = (df[col].to_numpy() for col in ("c", "p", "amount"))
    for name in ROUTES:
        with route(name):
            got = _engine.cohort_counts(codes, period, amounts, n, n_periods, brackets=list(spans))
        for key in ("size", "on", "on_or_after", "bracket"):
            assert got[key].dtype == np.int64, key
            assert np.array_equal(got[key], ref[key]), key
        np.testing.assert_allclose(got["revenue"], ref["revenue"], rtol=1e-12, atol=1e-9)
        expected_cohort = ref["cohort"].reindex(range(n), fill_value=-1).to_numpy()
        assert np.array_equal(got["cohort"], expected_cohort)


# -- first_seen_counts --------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(purchases)
def test_first_seen_counts_equal_groupby(rows):
    df, n = frame(rows)
    n_periods = 12
    seen = df.groupby("p")["c"].nunique().reindex(range(n_periods), fill_value=0)
    new = df.groupby("c")["p"].min().value_counts().reindex(range(n_periods), fill_value=0)
    for name in ROUTES:
        with route(name):
            got = _engine.first_seen_counts(df["c"].to_numpy(), df["p"].to_numpy(), n, n_periods)
        assert got["seen"].tolist() == seen.tolist()
        assert got["new"].tolist() == new.tolist()


# -- activity_counts: the table route equals the run-merging route ---------------------------------

spells = st.lists(
    st.tuples(st.integers(0, 6), st.integers(0, 120), st.integers(-10, 90)), min_size=0, max_size=40
)


@settings(max_examples=200, deadline=None)
@given(spells, st.lists(st.integers(0, 130), min_size=1, max_size=10), st.integers(0, 2), st.integers(0, 1))
def test_activity_count_routes_agree(rows, bounds, extra_customers, lag):
    codes = np.array([c for c, _, _ in rows], dtype=np.int64)
    start = np.array([s for _, s, _ in rows], dtype=np.int64)
    stop = start + np.array([d for _, _, d in rows], dtype=np.int64)  # some spells are empty
    n = (int(codes.max()) + 1 if len(codes) else 0) + extra_customers
    first_day = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first_day, codes, start - lag)  # lag 1: transactions (active from the day after)
    boundaries = np.unique(np.array(bounds, dtype=np.int64))
    results = {}
    for name in ROUTES:
        with route(name):
            results[name] = _engine.activity_counts(codes, start, stop, first_day, boundaries)
    for key, value in results["dense"].items():
        assert value.dtype == np.int64, key
        assert value.tolist() == results["sorted"][key].tolist(), key
    flows = results["dense"]
    assert (flows["start"] == flows["retained"] + flows["lost"]).all()
    assert (flows["end"] == flows["retained"] + flows["new"] + flows["reactivated"]).all()


def test_activity_counters_are_wide_enough():
    # one customer with 300 overlapping spells: more than a uint8 counter can count
    codes = np.zeros(300, dtype=np.int64)
    start = np.arange(300, dtype=np.int64)
    stop = start + 400
    boundaries = np.array([0, 100, 200, 300, 800, 900])
    first_day = np.array([0])
    results = {}
    for name in ROUTES:
        with route(name):
            results[name] = _engine.activity_counts(codes, start, stop, first_day, boundaries)
    for key, value in results["dense"].items():
        assert value.tolist() == results["sorted"][key].tolist(), key
    assert results["dense"]["end"].tolist() == [1, 1, 1, 0, 0]


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_narrow_counters_count_modulo_but_exactly(dtype):
    # 200 spells of one customer (fewer than 2**8): the running sums wrap below zero and back
    rng = np.random.default_rng(1)
    codes = rng.integers(0, 2, 200)
    start = rng.integers(0, 100, 200)
    stop = start + rng.integers(-5, 60, 200)
    boundaries = np.arange(0, 170, 10)
    first_day = np.array([start[codes == 0].min(), start[codes == 1].min()])
    lo = np.searchsorted(boundaries, start).astype(np.int32)
    hi = np.searchsorted(boundaries, stop).astype(np.int32)
    flows = {}
    for width in (dtype, np.uint32):
        out = {k: np.zeros(len(boundaries) - 1, dtype=np.int64)
               for k in ("start", "end", "retained", "lost", "new", "reactivated", "acquired")}
        _engine._activity_counts_dense(codes, lo, hi, first_day, boundaries, out, width)
        flows[width] = out
    for key, value in flows[dtype].items():
        assert value.tolist() == flows[np.uint32][key].tolist(), key
