"""CRR: the articles' worked examples are golden values; bad counts raise."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import retention_kit as rk
from retention_kit import RetentionDataError


def test_online_shop_one_year():
    # S = 1000, N = 200, E = 950 (retention-metrics.md, section 1)
    assert rk.crr(1000, 950, 200) == 75.0


def test_small_business_first_quarter():
    # 20 customers, 5 acquired, 1 lost: E = 24 -> (24 - 5) / 20 * 100
    assert rk.crr(20, 24, 5) == 95.0


def test_new_customers_lost_inside_the_period_are_charged():
    # N counts every acquisition (the articles' N), so N > E is possible: 10 kept,
    # 8 acquired of whom 6 left again -> E = 12, CRR = (12 - 8) / 10 = 40 %
    assert rk.crr(10, 12, 8) == 40.0
    # all 10 lost, 5 acquired and 4 of them gone again: E = 1, CRR = -40 %
    assert rk.crr(10, 1, 5) == -40.0


def test_returns_plain_float():
    assert type(rk.crr(np.int64(10), np.int64(9), np.int64(0))) is float


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ((0, 10, 2), "start=0"),
        ((-5, 10, 2), "cannot be negative"),
        ((10, -1, 0), "cannot be negative"),
        ((10, 5, -1), "cannot be negative"),
        ((float("nan"), 3, 1), "finite"),
        ((True, 3, 1), "expected a customer count"),
        (("10", 3, 1), "expected a customer count"),
    ],
)
def test_bad_counts_raise_with_reason(args, fragment):
    with pytest.raises(RetentionDataError) as info:
        rk.crr(*args)
    assert fragment in str(info.value)
    assert isinstance(info.value, ValueError)


@given(
    start=st.integers(1, 10**6),
    retained=st.integers(0, 10**6),
    new=st.integers(0, 10**6),
)
def test_crr_is_retained_share_without_reactivations(start, retained, new):
    retained = min(retained, start)
    value = rk.crr(start, retained + new, new)
    assert math.isclose(value, 100 * retained / start)
    assert 0.0 <= value <= 100.0
