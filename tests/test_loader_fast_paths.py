"""The loader's fast paths read exactly what its general paths read.

Each fast path (Arrow's ISO cast, the fixed-width date matrix, Arrow's plain-number
cast, the common money shapes) either returns ``None`` / NaN for a value, leaving it to
the general path, or returns the value the general path (pandas' parser with the same
format, ``_parse_money``) gives. Hypothesis draws values near the edges: impossible days,
unpadded fields, stray spaces, signs, currency marks, separators in the wrong place.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from retention_kit.io.parsers import _arrow_iso, _common_money, _fixed_width, _parse_money, _plain_numbers

SETTINGS = settings(max_examples=150, deadline=None)


def _text(values: list[str]) -> pd.Series:
    return pd.Series(values, dtype="str")


def _pandas(values: list[str], fmt: str) -> pd.Series:
    return pd.to_datetime(pd.Series(values, dtype=object), format=fmt, errors="coerce").astype("datetime64[us]")


field = st.integers(0, 99)
year = st.integers(1890, 2110)


@st.composite
def day_month_year(draw) -> str:
    """Mostly well-formed 'dd/mm/YYYY HH:MM', sometimes an impossible day, an unpadded
    field, a stray space or another separator."""
    d, m, y = draw(st.integers(0, 32)), draw(st.integers(0, 13)), draw(year)
    hh, mm = draw(st.integers(0, 25)), draw(st.integers(0, 61))
    pad = draw(st.sampled_from(["02d", "02d", "02d", "d"]))
    sep = draw(st.sampled_from(["/", "/", "/", "-"]))
    tail = draw(st.sampled_from(["", "", "", " ", "x"]))
    return f"{d:{pad}}{sep}{m:02d}{sep}{y:04d} {hh:02d}:{mm:02d}{tail}"


@SETTINGS
@given(st.lists(day_month_year(), min_size=1, max_size=3))
def test_fixed_width_dates_equal_pandas(values):
    fmt = "%d/%m/%Y %H:%M"
    fast = _fixed_width(_text(values), np.ones(len(values), dtype=bool), fmt)
    expected = _pandas(values, fmt)
    if fast is None:
        return  # left to the general path (pandas itself)
    assert expected.notna().all(), "the fast path read a value pandas refuses"
    assert fast.tolist() == expected.tolist()


def test_fixed_width_takes_the_plain_column_and_leaves_the_rest():
    good = ["31/12/2024 14:05", "29/02/2024 00:00", "01/01/1999 23:59"]
    fast = _fixed_width(_text(good), np.ones(3, dtype=bool), "%d/%m/%Y %H:%M")
    assert fast.tolist() == _pandas(good, "%d/%m/%Y %H:%M").tolist()
    for bad in ("29/02/2023 00:00", "1/01/2024 00:00", "31/04/2024 00:00", "01/13/2024 00:00"):
        assert _fixed_width(_text(good + [bad]), np.ones(4, dtype=bool), "%d/%m/%Y %H:%M") is None


iso = st.builds(
    lambda y, mo, d, t, tail: f"{y:04d}-{mo:02d}-{d:02d}{t}{tail}",
    year, st.integers(0, 13), st.integers(0, 32),
    st.sampled_from(["", " 10:00", "T10:00:00", " 23:59:59.5", " 24:00", " 10", "T10:00:00Z"]),
    st.sampled_from(["", "", " "]),
)


@SETTINGS
@given(st.lists(iso, min_size=1, max_size=3))
def test_arrow_iso_equals_pandas(values):
    fast = _arrow_iso(_text(values), np.ones(len(values), dtype=bool))
    if fast is None:
        return
    expected = _pandas(values, "ISO8601")
    assert expected.notna().all()
    assert fast.tolist() == expected.tolist()


number = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr),
    st.integers(-10**9, 10**9).map(str),
    st.builds(lambda a, b: f"{a}.{b}", st.integers(0, 999), st.sampled_from(["5", "50", "500", "5000"])),
    st.sampled_from(["1e3", "+7", ".5", "5.", " 5", "NaN", "", "1,5", "250.000"]),
)


@SETTINGS
@given(st.lists(number, min_size=1, max_size=3))
def test_plain_numbers_equal_pandas(values):
    fast = _plain_numbers(pd.Series(values, dtype="str").replace("", np.nan), decimal=".", settled=False)
    if fast is None:
        return
    expected = pd.to_numeric(pd.Series(values, dtype=object).replace("", np.nan), errors="coerce")
    assert np.allclose(fast.to_numpy(), expected.to_numpy(dtype=float), equal_nan=True, rtol=0, atol=0)


money = st.builds(
    lambda neg, pre, body, post: f"{neg}{pre}{body}{post}",
    st.sampled_from(["", "", "-", "−", "("]),
    st.sampled_from(["", "", "$", "€ ", "US$", "Rp ", "EUR "]),
    st.one_of(
        st.builds(lambda a, b: f"{a:,}.{b:02d}", st.integers(0, 10**7), st.integers(0, 99)),
        st.builds(lambda a, b: f"{a:,}.{b:02d}".replace(",", "X").replace(".", ",").replace("X", "."),
                  st.integers(0, 10**7), st.integers(0, 99)),
        st.integers(0, 10**6).map(str),
        st.sampled_from(["1 234,50", "12.34,5", "1,234,56", "5,", "1.2.3", "٥"]),
    ),
    st.sampled_from(["", "", " €", " EUR", "€", " تومان", ")"]),
)


@SETTINGS
@given(st.lists(money, min_size=1, max_size=30), st.sampled_from([".", ","]))
def test_common_money_equals_parse_money(values, decimal):
    fast, marks = _common_money(pd.Series(values, dtype="str"), decimal)
    for value, got, mark in zip(values, fast, marks):
        if np.isnan(got):
            continue  # left to _parse_money
        expected = _parse_money(value, decimal)
        assert expected is not None, value
        assert (got, mark) == expected, value



def test_each_fast_path_reads_its_plain_column():
    """The properties above may leave a draw to the general path; these columns may not."""
    values = ["2024-03-05", "2024-03-05 10:00", "2024-03-05T10:00:00.5"]
    assert _arrow_iso(_text(values), np.ones(3, dtype=bool)).tolist() == _pandas(values, "ISO8601").tolist()
    numbers = _plain_numbers(_text(["12.5", "-3", "1e3", "250.000"]), decimal=".", settled=False)
    assert numbers.tolist() == [12.5, -3.0, 1000.0, 250.0]  # '12.5' shows '.' is the decimal point
    assert _plain_numbers(_text(["250.000", "1500"]), decimal=".", settled=False) is None
    got, marks = _common_money(_text(["1.234,50 €", "-13,76 €", "Rp 150.000"]), ",")
    assert got.tolist() == [1234.5, -13.76, 150000.0] and marks.tolist() == ["€", "€", "Rp"]
