"""NPS: hand-computed counts pin the formulas and the intervals (including where the plain
Wald interval fails), every bad input has a test, and hypothesis checks the invariants."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from matplotlib.colors import to_rgba

import retention_kit as rk
from retention_kit import RetentionDataError
from retention_kit.net_promoter import (
    compare_nps,
    nps,
    nps_sample_size,
    nps_summary,
    nps_table,
    parse_scores,
    plot_nps_table,
    plot_score_distribution,
)

Z95 = 1.959963984540054  # standard normal quantile of 0.975


def scores_from(promoters: int, passives: int, detractors: int) -> list[int]:
    """A response list with the given group counts (promoters 10 and 9, passives 8 and 7,
    detractors spread over 0-6), so that every score of a group is exercised."""
    return (
        [(10, 9)[i % 2] for i in range(promoters)]
        + [(8, 7)[i % 2] for i in range(passives)]
        + [i % 7 for i in range(detractors)]
    )


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# ---------------------------------------------------------------------------
# hand-computed NPS and intervals
# ---------------------------------------------------------------------------

# 50 promoters, 30 passives, 20 detractors of 100:
#   p = 0.50, d = 0.20, NPS = 100 (0.50 - 0.20) = 30
#   Wald: Var(p - d) = (p + d - (p - d)^2) / n = (0.70 - 0.09) / 100 = 0.0061
#         se = 100 sqrt(0.0061) = 7.810250 points
#         30 -/+ 1.959964 x 7.810250 = 30 -/+ 15.307808 -> [14.692192, 45.307808]
#   adjusted Wald: n' = 103, P' = 50.75, D' = 20.75
#         p' - d' = 30 / 103 = 0.291262 -> centre 29.126214
#         p' + d' = 71.5 / 103; Var' = (71.5 / 103 - (30 / 103)^2) / 103
#                = (71.5 x 103 - 900) / 103^3 = 6464.5 / 1092727 = 0.00591592
#         se = 100 sqrt(0.00591592) = 7.691510
#         29.126214 -/+ 1.959964 x 7.691510 = 29.126214 -/+ 15.075084 -> [14.051130, 44.201297]
FIFTY_THIRTY_TWENTY = scores_from(50, 30, 20)


def test_nps_hand_example():
    value = nps(FIFTY_THIRTY_TWENTY)
    assert value == pytest.approx(30.0)
    assert type(value) is float


def test_nps_counts_groups_at_their_boundaries():
    # 6 is a detractor, 7 and 8 passives, 9 a promoter: 2 promoters, 2 detractors of 6
    assert nps([6, 7, 8, 9, 10, 0]) == pytest.approx(0.0)
    assert nps([9]) == 100.0 and nps([6]) == -100.0 and nps([7, 8]) == 0.0


def test_wald_hand_example():
    s = nps_summary(FIFTY_THIRTY_TWENTY, method="wald")
    assert (s["n"], s["promoters"], s["passives"], s["detractors"]) == (100, 50, 30, 20)
    assert (s["promoter_share"], s["passive_share"], s["detractor_share"]) == pytest.approx((0.5, 0.3, 0.2))
    assert s["nps"] == pytest.approx(30.0)
    assert s["se"] == pytest.approx(7.810250, abs=1e-6)
    assert s["low"] == pytest.approx(14.692192, abs=1e-6)
    assert s["high"] == pytest.approx(45.307808, abs=1e-6)
    assert s["centre"] == pytest.approx(30.0)
    assert s["method"] == "wald" and s["confidence"] == 0.95 and s["excluded"] == {}


def test_adjusted_wald_hand_example():
    s = nps_summary(FIFTY_THIRTY_TWENTY)  # the default method
    assert s["method"] == "adjusted_wald"
    # the reported NPS is the plain one; the adjustment only moves the interval's centre
    assert s["nps"] == pytest.approx(30.0)
    assert s["centre"] == pytest.approx(100 * 30 / 103)
    assert s["se"] == pytest.approx(100 * math.sqrt(6464.5 / 103**3))
    assert s["se"] == pytest.approx(7.691510, abs=1e-6)
    assert s["low"] == pytest.approx(14.051130, abs=1e-6)
    assert s["high"] == pytest.approx(44.201297, abs=1e-6)


def test_other_confidence_level():
    # 90 %: z = 1.644854
    s = nps_summary(FIFTY_THIRTY_TWENTY, method="wald", confidence=0.90)
    assert s["low"] == pytest.approx(30 - 1.6448536 * 7.810250, abs=1e-5)
    assert s["high"] == pytest.approx(30 + 1.6448536 * 7.810250, abs=1e-5)


def test_summary_returns_plain_python_numbers():
    s = nps_summary(FIFTY_THIRTY_TWENTY)
    for key in ("n", "promoters", "passives", "detractors"):
        assert type(s[key]) is int
    for key in ("promoter_share", "passive_share", "detractor_share", "nps", "se", "low", "high", "centre", "confidence"):
        assert type(s[key]) is float


# 5 responses, all 10 (all promoters):
#   Wald: p = 1, d = 0, Var = (1 + 0 - 1^2) / 5 = 0 -> se 0, interval [100, 100]: a point,
#         claiming certainty from five answers.
#   adjusted Wald: n' = 8, p' = 5.75 / 8, d' = 0.75 / 8, p' - d' = 5 / 8 -> centre 62.5
#         Var' = (6.5 / 8 - (5 / 8)^2) / 8 = (0.8125 - 0.390625) / 8 = 0.052734
#         se = 100 sqrt(0.052734) = 22.963966
#         62.5 -/+ 1.959964 x 22.963966 = [17.491453, 107.508547] -> clipped to [17.491453, 100]
def test_all_promoters_wald_collapses_adjusted_does_not():
    wald = nps_summary([10] * 5, method="wald")
    assert wald["nps"] == 100.0
    assert wald["se"] == 0.0
    assert (wald["low"], wald["high"]) == (100.0, 100.0)

    adjusted = nps_summary([10] * 5)
    assert adjusted["nps"] == 100.0
    assert adjusted["centre"] == pytest.approx(62.5)
    assert adjusted["se"] == pytest.approx(22.963966, abs=1e-6)
    assert adjusted["low"] == pytest.approx(17.491453, abs=1e-6)
    assert adjusted["high"] == 100.0  # 107.5 before clipping
    assert -100 <= adjusted["low"] < adjusted["high"] <= 100


def test_all_detractors_mirror():
    adjusted = nps_summary([0, 3, 6, 6, 1])
    assert adjusted["nps"] == -100.0
    assert adjusted["low"] == -100.0
    assert adjusted["high"] == pytest.approx(-17.491453, abs=1e-6)


# 4 promoters and 1 detractor of 5:
#   Wald: p = 0.8, d = 0.2, NPS 60, Var = (1.0 - 0.36) / 5 = 0.128, se = 35.777088
#         60 -/+ 1.959964 x 35.777088 = [-10.121803, 130.121803]: leaves [-100, 100]
#   adjusted: n' = 8, P' = 4.75, D' = 1.75, centre 100 x 3 / 8 = 37.5
#         Var' = (6.5 / 8 - (3 / 8)^2) / 8 = (0.8125 - 0.140625) / 8 = 0.083984, se = 28.980058
#         37.5 -/+ 56.799870 = [-19.299870, 94.299870]: inside [-100, 100]
def test_small_sample_wald_leaves_the_scale():
    wald = nps_summary([10, 9, 10, 9, 2], method="wald")
    assert wald["nps"] == pytest.approx(60.0)
    assert wald["se"] == pytest.approx(35.777088, abs=1e-6)
    assert wald["low"] == pytest.approx(-10.121803, abs=1e-6)
    assert wald["high"] == pytest.approx(130.121803, abs=1e-6)
    assert wald["high"] > 100  # not clipped, on purpose

    adjusted = nps_summary([10, 9, 10, 9, 2])
    assert adjusted["nps"] == pytest.approx(60.0)
    assert adjusted["centre"] == pytest.approx(37.5)
    assert adjusted["se"] == pytest.approx(28.980058, abs=1e-6)
    assert adjusted["low"] == pytest.approx(-19.299870, abs=1e-6)
    assert adjusted["high"] == pytest.approx(94.299870, abs=1e-6)


def test_single_response():
    # n = 1, a 10: Wald says [100, 100]; adjusted: n' = 4, p' = 1.75 / 4, d' = 0.75 / 4,
    # centre 25, Var' = (0.625 - 0.0625) / 4 = 0.140625, se = 37.5 -> [-48.5, 98.5]
    wald = nps_summary([10], method="wald")
    assert (wald["low"], wald["high"], wald["se"]) == (100.0, 100.0, 0.0)
    adjusted = nps_summary([10])
    assert adjusted["se"] == pytest.approx(37.5)
    assert adjusted["low"] == pytest.approx(25 - Z95 * 37.5)
    assert adjusted["high"] == pytest.approx(25 + Z95 * 37.5)
    # the one documented case where the 95 % adjusted interval misses the plain NPS
    assert adjusted["high"] < adjusted["nps"]


def test_adjusted_interval_contains_plain_nps_for_every_sample_of_2_to_40():
    # exhaustive over every (P, passives, D) with 2 <= n <= 40, the claim in the docstring
    for n in range(2, 41):
        for p in range(n + 1):
            for d in range(n - p + 1):
                s = nps_summary(scores_from(p, n - p - d, d))
                assert s["low"] - 1e-9 <= s["nps"] <= s["high"] + 1e-9, (n, p, d)


# ---------------------------------------------------------------------------
# bootstrap
# ---------------------------------------------------------------------------


def test_bootstrap_is_reproducible_with_a_seed():
    a = nps_summary(FIFTY_THIRTY_TWENTY, method="bootstrap", seed=7)
    b = nps_summary(FIFTY_THIRTY_TWENTY, method="bootstrap", seed=7)
    c = nps_summary(FIFTY_THIRTY_TWENTY, method="bootstrap", seed=8)
    assert (a["se"], a["low"], a["high"]) == (b["se"], b["low"], b["high"])
    assert (a["se"], a["low"], a["high"]) != (c["se"], c["low"], c["high"])
    assert a["nps"] == 30.0 and a["method"] == "bootstrap"


def test_bootstrap_matches_an_independent_resampling():
    # the same multinomial draws, written out without the module
    rng = np.random.default_rng(3)
    draws = rng.multinomial(100, [0.5, 0.3, 0.2], size=2000)
    boot = 100 * (draws[:, 0] - draws[:, 2]) / 100
    s = nps_summary(FIFTY_THIRTY_TWENTY, method="bootstrap", n_boot=2000, seed=3)
    assert s["low"] == pytest.approx(np.percentile(boot, 2.5))
    assert s["high"] == pytest.approx(np.percentile(boot, 97.5))
    assert s["se"] == pytest.approx(boot.std(ddof=1))


def test_bootstrap_close_to_wald_at_large_n():
    # 500 / 300 / 200 of 1000: Wald se = 100 sqrt(0.61 / 1000) = 2.469818
    scores = scores_from(500, 300, 200)
    wald = nps_summary(scores, method="wald")
    boot = nps_summary(scores, method="bootstrap", seed=1)
    assert wald["se"] == pytest.approx(2.469818, abs=1e-6)
    assert boot["se"] == pytest.approx(wald["se"], rel=0.03)
    assert boot["low"] == pytest.approx(wald["low"], abs=0.4)
    assert boot["high"] == pytest.approx(wald["high"], abs=0.4)


def test_bootstrap_collapses_on_all_promoters_like_wald():
    s = nps_summary([10] * 5, method="bootstrap")
    assert (s["low"], s["high"], s["se"]) == (100.0, 100.0, 0.0)


# ---------------------------------------------------------------------------
# comparing two NPS
# ---------------------------------------------------------------------------

# a: 50 / 30 / 20 of 100 (NPS 30), Var_a = 0.0061
# b: 60 / 25 / 15 of 100 (NPS 45), Var_b = (0.75 - 0.45^2) / 100 = 0.005475
# se = 100 sqrt(0.011575) = 10.758717; z = 15 / 10.758717 = 1.394218
# p = 2 (1 - Phi(1.394218)) = erfc(1.394218 / sqrt 2) = 0.163252
# interval 15 -/+ 1.959964 x 10.758717 = [-6.086699, 36.086699]
SIXTY_TWENTYFIVE_FIFTEEN = scores_from(60, 25, 15)


def test_compare_wald_hand_example():
    r = compare_nps(FIFTY_THIRTY_TWENTY, SIXTY_TWENTYFIVE_FIFTEEN, method="wald")
    assert (r["nps_a"], r["nps_b"]) == pytest.approx((30.0, 45.0))
    assert r["difference"] == pytest.approx(15.0)
    assert r["se"] == pytest.approx(10.758717, abs=1e-6)
    assert r["z"] == pytest.approx(1.394218, abs=1e-6)
    assert r["p_value"] == pytest.approx(math.erfc(1.3942182370205194 / math.sqrt(2)))
    assert r["p_value"] == pytest.approx(0.163252, abs=1e-6)
    assert r["low"] == pytest.approx(-6.086699, abs=1e-6)
    assert r["high"] == pytest.approx(36.086699, abs=1e-6)
    assert (r["n_a"], r["n_b"]) == (100, 100)


def test_compare_adjusted_wald_hand_example():
    # adjusted: a -> centre 30 / 103, p' + d' = 71.5 / 103; b -> centre 45 / 103, p' + d' = 76.5 / 103
    var_a = (71.5 / 103 - (30 / 103) ** 2) / 103
    var_b = (76.5 / 103 - (45 / 103) ** 2) / 103
    se = 100 * math.sqrt(var_a + var_b)
    delta = 100 * 15 / 103
    r = compare_nps(FIFTY_THIRTY_TWENTY, SIXTY_TWENTYFIVE_FIFTEEN)
    assert r["method"] == "adjusted_wald"
    assert r["difference"] == pytest.approx(15.0)  # the plain difference is reported
    assert r["se"] == pytest.approx(se)
    assert r["z"] == pytest.approx(delta / se)
    assert r["p_value"] == pytest.approx(math.erfc(delta / se / math.sqrt(2)))
    assert r["low"] == pytest.approx(delta - Z95 * se)
    assert r["high"] == pytest.approx(delta + Z95 * se)


def test_compare_significant_difference():
    # 500/300/200 vs 200/300/500 of 1000 each: NPS 30 vs -30, se = 100 sqrt(2 x 0.61 / 1000)
    r = compare_nps(scores_from(500, 300, 200), scores_from(200, 300, 500), method="wald")
    assert r["difference"] == pytest.approx(-60.0)
    assert r["se"] == pytest.approx(100 * math.sqrt(2 * 0.61 / 1000))
    assert r["z"] == pytest.approx(-60.0 / r["se"])
    assert r["p_value"] < 1e-50
    assert r["high"] < 0


def test_compare_p_value_agrees_with_interval():
    for a, b in [((50, 30, 20), (60, 25, 15)), ((30, 10, 5), (20, 10, 20)), ((5, 0, 0), (3, 1, 1))]:
        for method in ("wald", "adjusted_wald"):
            r = compare_nps(scores_from(*a), scores_from(*b), method=method)
            excludes_zero = r["low"] > 0 or r["high"] < 0
            assert excludes_zero == (r["p_value"] < 0.05), (a, b, method)


def test_compare_wald_degenerate_se():
    # both samples all in one group: Wald se is 0
    same = compare_nps([10] * 3, [9] * 4, method="wald")
    assert (same["se"], same["z"], same["p_value"]) == (0.0, 0.0, 1.0)
    apart = compare_nps([10] * 3, [0] * 4, method="wald")
    assert apart["z"] == -math.inf and apart["p_value"] == 0.0
    # adjusted Wald has a positive se and a finite z
    adjusted = compare_nps([10] * 3, [0] * 4)
    assert adjusted["se"] > 0 and math.isfinite(adjusted["z"])
    assert -200 <= adjusted["low"] < adjusted["high"] <= 200


# ---------------------------------------------------------------------------
# sample size
# ---------------------------------------------------------------------------


def test_sample_size_worst_case():
    # (1.959964 x 100 / 5)^2 = 1536.58 -> 1537
    assert nps_sample_size(5) == 1537
    assert type(nps_sample_size(5)) is int
    # (1.959964 x 100 / 10)^2 = 384.15 -> 385; 90 %: (1.644854 x 100 / 5)^2 = 1082.2 -> 1083
    assert nps_sample_size(10) == 385
    assert nps_sample_size(5, confidence=0.90) == 1083


def test_sample_size_with_shares():
    # V = 0.5 + 0.2 - 0.3^2 = 0.61; 0.61 x 1536.58 = 937.32 -> 938
    assert nps_sample_size(5, promoter_share=0.5, detractor_share=0.2) == 938
    # V = 0.4 + 0.4 - 0 = 0.8 -> 0.8 x 1536.58 = 1229.27 -> 1230
    assert nps_sample_size(5, promoter_share=0.4, detractor_share=0.4) == 1230
    # the worst case is the upper bound of every planning share
    assert nps_sample_size(5, promoter_share=0.5, detractor_share=0.5) == nps_sample_size(5)


def test_sample_size_achieves_the_margin():
    n = nps_sample_size(5, promoter_share=0.5, detractor_share=0.2)
    # at n = 938 with exactly 50 % / 20 %, the Wald half-width is at most 5
    half = Z95 * 100 * math.sqrt(0.61 / n)
    assert half <= 5 < Z95 * 100 * math.sqrt(0.61 / (n - 1))


def test_sample_size_is_at_least_one():
    assert nps_sample_size(500) == 1


# ---------------------------------------------------------------------------
# parsing
# ---------------------------------------------------------------------------


def test_parse_labels_and_text():
    values = [
        "10 - Extremely likely",
        "0 - Not at all likely",
        "9 – Likely",  # en dash
        "10 — Extremely likely",  # em dash
        "10-Extremely likely",
        "8: Likely",
        "7 (neutral)",
        " 10 ",
        "9",
        "7.0",
        6.0,
        np.int64(5),
        4,
    ]
    scores, excluded = parse_scores(values)
    assert scores.tolist() == [10, 0, 9, 10, 10, 8, 7, 10, 9, 7, 6, 5, 4]
    assert scores.dtype == np.int64
    assert excluded == {}


@pytest.mark.parametrize(
    "value, reason",
    [
        ("Extremely likely - 10", "not a number"),  # the number is not leading: no guess
        ("10 - ", "not a number"),
        ("1,5", "not a number"),  # a decimal comma is not guessed
        ("ten", "not a number"),
        (True, "not a number"),
        (pd.Timestamp("2024-01-01"), "not a number"),
        ("7.5 - Likely", "not a whole number"),
        ("11 - Off the scale", "outside 0-10"),
        ("nan", "not a number"),
        ("", "blank"),
        ("   ", "blank"),
        (None, "blank"),
        (np.nan, "blank"),
        (pd.NA, "blank"),
        (float("inf"), "outside 0-10"),
        (10.5, "outside 0-10"),
        (-1, "outside 0-10"),
        (7.5, "not a whole number"),
        (7.0001, "not a whole number"),
    ],
)
def test_parse_reasons(value, reason):
    scores, excluded = parse_scores([9, value], invalid="exclude")
    assert scores.tolist() == [9]
    assert excluded == {reason: 1}
    with pytest.raises(RetentionDataError, match=reason):
        parse_scores([9, value])


def test_parse_numeric_dtypes():
    assert parse_scores(np.array([0, 10, 7]))[0].tolist() == [0, 10, 7]
    assert parse_scores(np.array([0.0, 10.0]))[0].tolist() == [0, 10]
    nullable = pd.Series([9, None, 3], dtype="Int64")
    scores, excluded = parse_scores(nullable, invalid="exclude")
    assert scores.tolist() == [9, 3] and excluded == {"blank": 1}
    text = pd.Series(["9", None, "3"], dtype="string")
    assert parse_scores(text, invalid="exclude")[1] == {"blank": 1}
    boolean = pd.Series([True, False])
    assert parse_scores(boolean, invalid="exclude")[1] == {"not a number": 2}


def test_parse_keeps_the_series_index_and_name():
    s = pd.Series([10, "x", 3], index=[100, 200, 300], name="q1")
    scores, excluded = parse_scores(s, invalid="exclude")
    assert scores.index.tolist() == [100, 300]
    assert scores.name == "q1"
    assert excluded == {"not a number": 1}
    # errors give positions, not index labels, unless told otherwise
    with pytest.raises(RetentionDataError, match=r"row 1: 'x'"):
        parse_scores(s)
    assert parse_scores([1, "x", 3], invalid="exclude")[0].index.tolist() == [0, 2]


def test_parse_error_message_names_everything():
    values = [10, 11, 7.5, "ten", None, 3, "", -2]
    with pytest.raises(RetentionDataError) as info:
        parse_scores(values, param="q_score")
    msg = str(info.value)
    assert msg.startswith("q_score: 6 of 8 values are not NPS scores")
    assert "2 outside 0-10 (row 1: 11, row 7: -2)" in msg
    assert "1 not a whole number (row 2: 7.5)" in msg
    assert "1 not a number (row 3: 'ten')" in msg
    assert "2 blank (row 4: (blank), row 6: '')" in msg
    assert "invalid='exclude'" in msg
    assert "1-10 survey is not NPS" in msg


def test_parse_error_uses_where_labels_and_limits_the_list():
    values = ["x"] * 10
    where = [f"line {i + 2}" for i in range(10)]
    with pytest.raises(RetentionDataError, match=r"10 not a number \(line 2: 'x', line 3: 'x', line 4: 'x' \(and 7 more\)\)"):
        parse_scores(values, where=where)


def test_parse_exclude_counts_every_reason():
    values = [10, 11, 7.5, "ten", None, 3, "", -2]
    scores, excluded = parse_scores(values, invalid="exclude")
    assert scores.tolist() == [10, 3]
    assert excluded == {"blank": 2, "not a number": 1, "outside 0-10": 2, "not a whole number": 1}
    assert list(excluded) == ["blank", "not a number", "outside 0-10", "not a whole number"]


def test_parse_empty_input_is_an_empty_series():
    scores, excluded = parse_scores([])
    assert len(scores) == 0 and scores.dtype == np.int64 and excluded == {}


@pytest.mark.parametrize(
    "values, message",
    [
        (pd.DataFrame({"score": [1, 2]}), "got a DataFrame"),
        ("9", "single string"),
        ({9, 10}, "got a set"),
        (np.array([[9, 10], [1, 2]]), "one-dimensional"),
        (9, "got int"),
    ],
)
def test_parse_rejects_non_collections(values, message):
    with pytest.raises(RetentionDataError, match=message):
        parse_scores(values)


def test_parse_bad_options():
    with pytest.raises(RetentionDataError, match=r"invalid='drop': expected 'error' or 'exclude'"):
        parse_scores([9], invalid="drop")
    with pytest.raises(RetentionDataError, match=r"where: expected one location label per value \(2\), got 1 labels"):
        parse_scores([9, 10], where=["line 2"])


# ---------------------------------------------------------------------------
# bad input to the metrics
# ---------------------------------------------------------------------------


def test_nps_rejects_invalid_scores_with_the_rows():
    with pytest.raises(RetentionDataError) as info:
        nps([10, 9, 12, 5])
    msg = str(info.value)
    assert "scores: 1 of 4 values" in msg and "row 2: 12" in msg
    assert "parse_scores(values, invalid='exclude')" in msg


def test_empty_input_raises():
    with pytest.raises(RetentionDataError, match="no responses"):
        nps([])
    with pytest.raises(RetentionDataError, match="no responses"):
        nps_summary([])
    with pytest.raises(RetentionDataError, match=r"no responses after excluding 2 invalid values"):
        nps_summary(["", "x"], invalid="exclude")
    with pytest.raises(RetentionDataError, match="b: no responses"):
        compare_nps([10], [])


def test_summary_reports_exclusions():
    s = nps_summary([10, 9, "n/a", 3, 12, None], invalid="exclude")
    assert s["n"] == 3 and s["nps"] == pytest.approx(100 / 3)
    assert s["excluded"] == {"blank": 1, "not a number": 1, "outside 0-10": 1}
    with pytest.raises(RetentionDataError, match="invalid='exclude'.*'excluded'"):
        nps_summary([10, 12])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"method": "exact"}, "method='exact': expected one of 'adjusted_wald', 'wald', 'bootstrap'"),
        ({"confidence": 95}, r"confidence=95: expected a level strictly between 0 and 1"),
        ({"confidence": 1.0}, "confidence=1.0"),
        ({"confidence": 0}, "confidence=0"),
        ({"confidence": True}, "confidence=True"),
        ({"invalid": "skip"}, "invalid='skip'"),
        ({"n_boot": 10}, "n_boot=10: expected a whole number of resamples, at least 100"),
        ({"n_boot": 1000.0}, "n_boot=1000.0"),
        ({"seed": "a"}, "seed='a'"),
    ],
)
def test_summary_bad_options(kwargs, message):
    with pytest.raises(RetentionDataError, match=message):
        nps_summary([10, 9, 3], **kwargs)


def test_compare_bad_input():
    with pytest.raises(RetentionDataError, match="method='bootstrap': expected one of 'adjusted_wald', 'wald'"):
        compare_nps([10], [9], method="bootstrap")
    with pytest.raises(RetentionDataError, match=r"^a: 1 of 2 values .*row 1: 'x'"):
        compare_nps([10, "x"], [9])
    with pytest.raises(RetentionDataError, match=r"^b: 1 of 1 values .*not a whole number"):
        compare_nps([10], [8.5])
    with pytest.raises(RetentionDataError, match="confidence=2"):
        compare_nps([10], [9], confidence=2)


@pytest.mark.parametrize("margin", [0, -5, float("nan"), float("inf"), "5", True, None])
def test_sample_size_bad_margin(margin):
    with pytest.raises(RetentionDataError, match=r"margin=.*expected a positive number of NPS points"):
        nps_sample_size(margin)


@pytest.mark.parametrize(
    "shares, message",
    [
        ({"promoter_share": 0.5}, "give both planning shares"),
        ({"detractor_share": 0.5}, "give both planning shares"),
        ({"promoter_share": 1.2, "detractor_share": 0.1}, r"promoter_share=1.2: expected a share between 0 and 1"),
        ({"promoter_share": 0.5, "detractor_share": -0.1}, "detractor_share=-0.1"),
        ({"promoter_share": 50, "detractor_share": 20}, "promoter_share=50"),
        ({"promoter_share": 0.7, "detractor_share": 0.4}, "is more than 1"),
        ({"promoter_share": 1.0, "detractor_share": 0.0}, "Wald variance of 0"),
        ({"promoter_share": 0.0, "detractor_share": 0.0}, "Wald variance of 0"),
    ],
)
def test_sample_size_bad_shares(shares, message):
    with pytest.raises(RetentionDataError, match=message):
        nps_sample_size(5, **shares)


def test_sample_size_bad_confidence():
    with pytest.raises(RetentionDataError, match="confidence=0.0"):
        nps_sample_size(5, confidence=0.0)


# ---------------------------------------------------------------------------
# tables
# ---------------------------------------------------------------------------


@pytest.fixture
def survey():
    # January: pro 10, 9, 3; basic 8, 6  -> pro NPS 100 (2 - 1) / 3 = 33.3, basic -50
    # February: no responses
    # March: pro 10; basic 10, 9, 9, 7 -> pro 100, basic 75
    return pd.DataFrame(
        {
            "score": [10, 9, 3, 8, 6, 10, 10, 9, 9, 7],
            "plan": ["pro", "pro", "pro", "basic", "basic", "pro", "basic", "basic", "basic", "basic"],
            "region": ["EU", "US", "EU", "EU", "US", "EU", "US", "US", "EU", "EU"],
            "date": pd.to_datetime(
                ["2024-01-03", "2024-01-15", "2024-01-31", "2024-01-10", "2024-01-20",
                 "2024-03-01", "2024-03-02", "2024-03-15", "2024-03-30", "2024-03-31"]
            ),
        },
        index=[9, 8, 7, 6, 5, 4, 3, 2, 1, 0],  # a non-default index must not matter
    )


def test_table_overall(survey):
    t = nps_table(survey)
    assert list(t.columns) == ["n", "promoters", "passives", "detractors", "nps", "se", "low", "high", "note"]
    assert len(t) == 1
    s = nps_summary(survey["score"])
    row = t.iloc[0]
    assert (row["n"], row["promoters"], row["passives"], row["detractors"]) == (10, 6, 2, 2)
    assert (row["nps"], row["se"], row["low"], row["high"]) == pytest.approx(
        (s["nps"], s["se"], s["low"], s["high"])
    )
    assert row["note"] == ""


def test_table_by_segment(survey):
    t = nps_table(survey, by="plan", method="wald")
    assert t["plan"].tolist() == ["basic", "pro"]  # sorted
    # basic: 8, 6, 10, 9, 9, 7 -> P 3, passives 2, D 1, NPS 100 x 2 / 6 = 33.33
    # pro: 10, 9, 3, 10 -> P 3, D 1, NPS 100 x 2 / 4 = 50
    assert t[["n", "promoters", "passives", "detractors"]].to_numpy().tolist() == [[6, 3, 2, 1], [4, 3, 0, 1]]
    assert t["nps"].tolist() == pytest.approx([100 * 2 / 6, 50.0])
    # Wald se of pro: p = .75, d = .25, Var = (1 - .25) / 4 = .1875 -> 43.30127
    assert t.loc[1, "se"] == pytest.approx(100 * math.sqrt(0.1875))
    assert t.loc[1, "high"] == pytest.approx(50 + Z95 * 100 * math.sqrt(0.1875))  # 134.9, not clipped
    assert t.attrs == {"method": "wald", "confidence": 0.95, "min_responses": 1}
    for col in ("n", "promoters", "passives", "detractors"):
        assert t[col].dtype == np.int64


def test_table_by_month_shows_empty_months(survey):
    t = nps_table(survey, freq="M")
    assert isinstance(t["period"].dtype, pd.PeriodDtype)
    assert [str(p) for p in t["period"]] == ["2024-01", "2024-02", "2024-03"]
    assert t["n"].tolist() == [5, 0, 5]
    # January 10, 9, 3, 8, 6: P 2, D 2 -> 0; March 10, 10, 9, 9, 7: P 4, D 0 -> 80
    assert t.loc[0, "nps"] == pytest.approx(0.0)
    assert t.loc[2, "nps"] == pytest.approx(80.0)
    assert np.isnan(t.loc[1, ["nps", "se", "low", "high"]].to_numpy(dtype=float)).all()
    assert t.loc[1, "note"] == "no responses: NPS not shown"
    assert t.loc[0, "note"] == "" and t.loc[2, "note"] == ""


def test_table_by_segment_and_month_with_min_responses(survey):
    t = nps_table(survey, by="plan", freq="M", min_responses=3)
    assert list(t.columns[:2]) == ["plan", "period"]
    assert [(plan, str(p)) for plan, p in zip(t["plan"], t["period"])] == [
        ("basic", "2024-01"), ("basic", "2024-02"), ("basic", "2024-03"),
        ("pro", "2024-01"), ("pro", "2024-02"), ("pro", "2024-03"),
    ]
    assert t["n"].tolist() == [2, 0, 4, 3, 0, 1]
    assert t["note"].tolist() == [
        "fewer than 3 responses: NPS not shown",
        "no responses: NPS not shown",
        "",
        "",
        "no responses: NPS not shown",
        "fewer than 3 responses: NPS not shown",
    ]
    # basic March: 10, 9, 9, 7 -> 75; pro January: 10, 9, 3 -> 33.3
    assert t.loc[2, "nps"] == pytest.approx(75.0)
    assert t.loc[3, "nps"] == pytest.approx(100 / 3)
    shown = t["note"] == ""
    assert t.loc[shown, "nps"].notna().all() and t.loc[~shown, "nps"].isna().all()
    # counts stay visible for the groups whose NPS is hidden
    assert t.loc[0, ["promoters", "passives", "detractors"]].tolist() == [0, 1, 1]


def test_table_by_two_columns(survey):
    t = nps_table(survey, by=["plan", "region"])
    assert t[["plan", "region"]].to_numpy().tolist() == [["basic", "EU"], ["basic", "US"], ["pro", "EU"], ["pro", "US"]]
    assert t["n"].sum() == len(survey)
    for row in t.itertuples():
        sub = survey[(survey["plan"] == row.plan) & (survey["region"] == row.region)]
        assert row.nps == pytest.approx(nps(sub["score"]))


def test_table_quarter_and_week(survey):
    q = nps_table(survey, freq="Q")
    assert [str(p) for p in q["period"]] == ["2024Q1"] and q["n"].tolist() == [10]
    w = nps_table(survey, freq="W")
    assert w["n"].sum() == 10
    assert w["period"].iloc[0].start_time.day_name() == "Monday"


def test_table_missing_segment_is_its_own_group(survey):
    df = survey.copy()
    df.loc[df.index[0], "plan"] = None
    t = nps_table(df, by="plan")
    assert t["n"].tolist() == [6, 3, 1]
    assert t["plan"].isna().tolist() == [False, False, True]


def test_table_accepts_labels(survey):
    df = survey.assign(score=[f"{s} - label" for s in survey["score"]])
    assert nps_table(df)["nps"].iloc[0] == pytest.approx(nps_table(survey)["nps"].iloc[0])


def test_table_bad_input(survey):
    with pytest.raises(RetentionDataError, match=r"score_col='rating': the DataFrame has no column 'rating'. Available columns: 'score', 'plan'"):
        nps_table(survey, score_col="rating")
    with pytest.raises(RetentionDataError, match="by='tier': the DataFrame has no column 'tier'"):
        nps_table(survey, by="tier")
    with pytest.raises(RetentionDataError, match="date_col='date'"):
        nps_table(survey.drop(columns="date"), freq="M")
    bad = survey.assign(score=[10, 9, 3, 8, 6, 10, 10, 9, 9, 12])
    with pytest.raises(RetentionDataError, match=r"score_col='score': 1 of 10 values .*row 9: 12"):
        nps_table(bad, by="plan")
    with pytest.raises(RetentionDataError, match="expected datetime64 values"):
        nps_table(survey.assign(date=survey["date"].astype(str)), freq="M")
    with pytest.raises(RetentionDataError, match=r"1 responses have no date: row 3"):
        nps_table(survey.assign(date=survey["date"].where(np.arange(10) != 3)), freq="M")
    with pytest.raises(RetentionDataError, match="freq='fortnight'"):
        nps_table(survey, freq="fortnight")
    with pytest.raises(RetentionDataError, match="min_responses=0"):
        nps_table(survey, min_responses=0)
    with pytest.raises(RetentionDataError, match="method='exact'"):
        nps_table(survey, method="exact")
    with pytest.raises(RetentionDataError, match="clashes with the period column"):
        nps_table(survey.rename(columns={"plan": "period"}), by="period", freq="M")
    with pytest.raises(RetentionDataError, match="df: no rows"):
        nps_table(survey.iloc[:0])
    with pytest.raises(RetentionDataError, match="df: expected a table with one row per response"):
        nps_table(survey["score"])


def test_table_on_the_sample_survey():
    survey = rk.datasets.load_sample_survey()
    by_plan = nps_table(survey, by="plan")
    assert by_plan["plan"].tolist() == ["basic", "enterprise", "pro"]
    assert by_plan["n"].sum() == len(survey) == 5452
    by_quarter = nps_table(survey, freq="Q")
    assert by_quarter["n"].sum() == 5452
    assert (by_quarter["note"] == "").all()
    overall = nps_summary(survey["score"])
    assert (overall["promoters"], overall["passives"], overall["detractors"]) == (2414, 1698, 1340)
    assert overall["nps"] == pytest.approx(100 * (2414 - 1340) / 5452)


# ---------------------------------------------------------------------------
# plots
# ---------------------------------------------------------------------------


def nps_points(ax):
    """The NPS markers of plot_nps_table (error-bar caps are lines too)."""
    return [line for line in ax.lines if line.get_gid() == "nps"]


@pytest.fixture
def no_show(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("plot functions must not call plt.show()")

    monkeypatch.setattr(plt, "show", fail)


def test_plot_score_distribution(no_show):
    fig, ax = plt.subplots()
    scores = [10, 10, 9, 8, 7, 6, 3, 0, 0]
    out = plot_score_distribution(scores, ax=ax)
    assert out is ax
    heights = [p.get_height() for p in ax.patches]
    assert heights == [2, 0, 0, 1, 0, 0, 1, 1, 1, 1, 2]
    red, grey, green = to_rgba("#d62728"), to_rgba("#9e9e9e"), to_rgba("#2ca02c")
    colours = [p.get_facecolor() for p in ax.patches]
    assert colours == [red] * 7 + [grey] * 2 + [green] * 2
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["detractors (0-6): 44%", "passives (7-8): 22%", "promoters (9-10): 33%"]
    assert "NPS = -11.1" in ax.get_title()


def test_plot_score_distribution_rejects_bad_scores():
    with pytest.raises(RetentionDataError, match="row 1: 11"):
        plot_score_distribution([10, 11])


def test_plot_nps_table(no_show, survey):
    t = nps_table(survey, freq="M", min_responses=1)
    ax = plot_nps_table(t, x="period")
    assert [tick.get_text() for tick in ax.get_xticklabels()] == ["2024-01", "2024-02", "2024-03"]
    (container,) = ax.containers
    (points,) = nps_points(ax)
    x, y = points.get_data()
    # February has no responses: no point, the other months at their NPS
    assert list(x) == [0, 2]
    assert list(y) == pytest.approx([0.0, 80.0])
    assert ax.get_ylabel() == "NPS (points), 95% interval"


def test_plot_nps_table_series_per_segment(no_show, survey):
    t = nps_table(survey, by="plan", freq="M")
    fig, ax = plt.subplots()
    assert plot_nps_table(t, x="period", ax=ax) is ax
    assert len(ax.containers) == 2
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["basic", "pro"]
    # each series' bars run from its rows' low to high, and its points sit at the NPS,
    # even where the point lies outside the bar (pro, March: one response, NPS 100,
    # adjusted-Wald interval [-48.5, 98.5])
    for k, plan in enumerate(["basic", "pro"]):
        rows = t[(t["plan"] == plan) & t["nps"].notna()]
        segments = ax.containers[k].lines[2][0].get_segments()
        assert [s[0][1] for s in segments] == pytest.approx(rows["low"].tolist())
        assert [s[1][1] for s in segments] == pytest.approx(rows["high"].tolist())
        points = nps_points(ax)[k]
        assert list(points.get_ydata()) == pytest.approx(rows["nps"].tolist())
        assert to_rgba(points.get_color()) == tuple(ax.containers[k].lines[2][0].get_color()[0])
    pro_march = t[(t["plan"] == "pro") & (t["n"] == 1)].iloc[0]
    assert pro_march["nps"] > pro_march["high"]


def test_plot_nps_table_bad_input(survey):
    t = nps_table(survey, by="plan")
    with pytest.raises(RetentionDataError, match=r"x='period': expected one of the table's group columns \['plan'\]"):
        plot_nps_table(t, x="period")
    with pytest.raises(RetentionDataError, match="x='nps'"):
        plot_nps_table(t, x="nps")
    with pytest.raises(RetentionDataError, match="missing column"):
        plot_nps_table(t.drop(columns="low"), x="plan")


# ---------------------------------------------------------------------------
# properties
# ---------------------------------------------------------------------------

counts = st.tuples(
    st.integers(0, 400), st.integers(0, 400), st.integers(0, 400)
).filter(lambda c: sum(c) > 0)


@settings(max_examples=150, deadline=None)
@given(counts)
def test_nps_is_a_difference_of_shares_in_range(c):
    p, passives, d = c
    value = nps(scores_from(p, passives, d))
    assert -100 <= value <= 100
    assert value == pytest.approx(100 * (p - d) / (p + passives + d))


@settings(max_examples=150, deadline=None)
@given(counts, st.floats(0.5, 0.999))
def test_adjusted_wald_interval_is_proper(c, confidence):
    s = nps_summary(scores_from(*c), confidence=confidence)
    # never collapses, never leaves the scale, and holds its own centre
    assert s["se"] > 0
    assert -100 <= s["low"] < s["high"] <= 100
    assert s["low"] <= s["centre"] <= s["high"]
    # the adjustment pulls the centre towards 0, never past it
    assert abs(s["centre"]) <= abs(s["nps"]) + 1e-9
    assert s["centre"] * s["nps"] >= 0


@settings(max_examples=150, deadline=None)
@given(counts.filter(lambda c: sum(c) >= 2))
def test_adjusted_wald_95_contains_the_plain_nps_from_two_responses(c):
    s = nps_summary(scores_from(*c))
    assert s["low"] - 1e-9 <= s["nps"] <= s["high"] + 1e-9


@settings(max_examples=150, deadline=None)
@given(counts, st.floats(0.5, 0.999))
def test_wald_interval_is_symmetric_and_unclipped(c, confidence):
    s = nps_summary(scores_from(*c), method="wald", confidence=confidence)
    half = s["high"] - s["nps"]
    assert s["nps"] - s["low"] == pytest.approx(half, abs=1e-9)
    from scipy.stats import norm

    assert half == pytest.approx(norm.ppf(0.5 + confidence / 2) * s["se"], abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(counts, st.sampled_from(["wald", "adjusted_wald"]))
def test_swapping_promoters_and_detractors_mirrors_everything(c, method):
    p, passives, d = c
    s = nps_summary(scores_from(p, passives, d), method=method)
    m = nps_summary(scores_from(d, passives, p), method=method)
    assert m["nps"] == pytest.approx(-s["nps"], abs=1e-9)
    assert m["se"] == pytest.approx(s["se"])
    assert m["low"] == pytest.approx(-s["high"], abs=1e-9)
    assert m["high"] == pytest.approx(-s["low"], abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(counts.filter(lambda c: sum(c) >= 2))
def test_bootstrap_interval_holds_the_bounds(c):
    s = nps_summary(scores_from(*c), method="bootstrap", n_boot=500, seed=0)
    assert -100 <= s["low"] <= s["high"] <= 100
    assert s["se"] >= 0


@settings(max_examples=100, deadline=None)
@given(counts, counts, st.sampled_from(["wald", "adjusted_wald"]))
def test_compare_is_antisymmetric(a, b, method):
    sa, sb = scores_from(*a), scores_from(*b)
    ab = compare_nps(sa, sb, method=method)
    ba = compare_nps(sb, sa, method=method)
    assert ab["difference"] == pytest.approx(-ba["difference"], abs=1e-9)
    assert ab["z"] == pytest.approx(-ba["z"], abs=1e-9)
    assert ab["p_value"] == pytest.approx(ba["p_value"])
    assert 0 <= ab["p_value"] <= 1
    assert ab["difference"] == pytest.approx(nps(sb) - nps(sa), abs=1e-9)


@settings(max_examples=50, deadline=None)
@given(counts)
def test_compare_with_itself_is_no_difference(c):
    s = scores_from(*c)
    for method in ("wald", "adjusted_wald"):
        r = compare_nps(s, s, method=method)
        assert r["difference"] == 0 and r["z"] == 0 and r["p_value"] == 1.0


@settings(max_examples=150, deadline=None)
@given(
    st.floats(0.5, 50),
    st.floats(0.80, 0.99),
    st.one_of(st.none(), st.tuples(st.floats(0, 1), st.floats(0, 1)).filter(lambda s: 0.05 <= s[0] + s[1] <= 1)),
)
def test_sample_size_is_the_smallest_n_that_reaches_the_margin(margin, confidence, shares):
    from scipy.stats import norm

    z = norm.ppf(0.5 + confidence / 2)
    if shares is None:
        n = nps_sample_size(margin, confidence=confidence)
        variance = 1.0
    else:
        p, d = shares
        variance = p + d - (p - d) ** 2
        assume(variance > 1e-6)
        n = nps_sample_size(margin, confidence=confidence, promoter_share=p, detractor_share=d)

    def half(k):
        return z * 100 * math.sqrt(variance / k)

    assert half(n) <= margin * (1 + 1e-9)
    if n > 1:
        assert half(n - 1) > margin * (1 - 1e-9)


score_forms = st.integers(0, 10).flatmap(
    lambda v: st.sampled_from([v, float(v), str(v), f" {v} ", f"{v}.0", f"{v} - label", f"{v} – Likely"]).map(
        lambda form: (v, form)
    )
)
bad_values = st.sampled_from([11, -1, 7.5, "ten", "", None, float("nan"), "10.5 - x", "x - 9"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(score_forms.map(lambda vf: ("ok", vf)), bad_values.map(lambda b: ("bad", b))), max_size=40))
def test_parse_accounts_for_every_value(items):
    values = [vf[1] if kind == "ok" else vf for kind, vf in items]
    expected = [vf[0] for kind, vf in items if kind == "ok"]
    scores, excluded = parse_scores(values, invalid="exclude")
    assert scores.tolist() == expected
    assert len(scores) + sum(excluded.values()) == len(values)
    if sum(excluded.values()):
        with pytest.raises(RetentionDataError):
            parse_scores(values)
    else:
        assert parse_scores(values)[0].tolist() == expected


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 10), st.sampled_from(["a", "b", "c"]), st.integers(0, 200)),
        min_size=1,
        max_size=60,
    ),
    st.sampled_from(["W", "M", "Q"]),
)
def test_table_rows_match_their_subsets(rows, freq):
    df = pd.DataFrame(
        {
            "score": [r[0] for r in rows],
            "seg": [r[1] for r in rows],
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta([r[2] for r in rows], unit="D"),
        }
    )
    t = nps_table(df, by="seg", freq=freq, method="wald")
    assert t["n"].sum() == len(df)
    assert (t["n"] == t["promoters"] + t["passives"] + t["detractors"]).all()
    periods = df["date"].dt.to_period(t["period"].dtype.freq)
    for row in t.itertuples():
        sub = df[(df["seg"] == row.seg) & (periods == row.period)]
        assert row.n == len(sub)
        if len(sub):
            s = nps_summary(sub["score"], method="wald")
            assert (row.nps, row.se, row.low, row.high) == pytest.approx((s["nps"], s["se"], s["low"], s["high"]))
            assert row.note == ""
        else:
            assert math.isnan(row.nps) and row.note == "no responses: NPS not shown"
    # sorted by segment, then period, without gaps between the first and last period
    keys = list(zip(t["seg"], t["period"]))
    assert keys == sorted(keys)
    for _, part in t.groupby("seg"):
        ordinals = [p.ordinal for p in part["period"]]
        assert ordinals == list(range(ordinals[0], ordinals[0] + len(ordinals)))



# -- do detractors churn more? ---------------------------------------------------------


def _spells(rows):
    return pd.DataFrame({"customer_id": [r[0] for r in rows],
                         "start_date": pd.to_datetime([r[1] for r in rows]),
                         "end_date": pd.to_datetime([r[2] for r in rows])})


def test_churn_by_nps_group_hand_fixture():
    survey = pd.DataFrame({
        "customer_id": ["a", "a", "b", "c", "d", "e", "f", "g"],
        "score": [2, 10, 9, 5, 7, 8, 10, 3],
        "date": pd.to_datetime(["2024-01-15", "2024-06-01", "2024-01-15", "2024-01-15",
                                "2024-01-15", "2024-11-01", "2024-01-15", "2024-11-01"]),
    })
    spells = _spells([
        ("a", "2023-01-01", "2024-03-01"),                                    # detractor, churns in 6 months
        ("b", "2023-01-01", "2024-05-01"), ("b", "2024-05-01", None),         # plan change: not churn
        ("c", "2023-01-01", "2024-12-01"),                                    # detractor, churns after 10 months
        ("d", "2023-01-01", "2024-02-01"),                                    # passive, churns
        ("e", "2023-01-01", None),                                            # answered too late to judge
        ("f", "2024-02-01", None),                                            # not active when answering
        ("g", "2023-01-01", "2024-11-20"),                                    # answered late, churned: not judged
    ])
    t = rk.churn_by_nps_group(survey, spells, months=6, observation_end="2024-12-31").set_index("group")
    # a's first answer (2) counts, not the later 10
    # g answered on Nov 1 and churned on Nov 20, but a 6-month window is not observed by
    # Dec 31: judging g (and not e, also recent but still subscribed) would bias churn up
    assert t.loc["detractor", ["respondents", "not_eligible", "eligible", "churned"]].tolist() == [3, 1, 2, 1]
    assert t.loc["passive", ["respondents", "not_eligible", "eligible", "churned"]].tolist() == [2, 1, 1, 1]
    assert t.loc["promoter", ["respondents", "not_eligible", "eligible", "churned"]].tolist() == [2, 1, 1, 0]
    assert t.loc["detractor", "churn_rate"] == 50.0
    lo, hi = t.loc["detractor", ["ci_low", "ci_high"]]
    assert lo < 50 < hi
    assert t.attrs["unmatched"] == 0


def test_churn_by_nps_group_counts_respondents_without_a_subscription():
    survey = pd.DataFrame({"customer_id": ["a", "b", "zz"], "score": [2, 10, 9],
                           "date": pd.to_datetime(["2024-01-15"] * 3)})
    spells = _spells([("a", "2023-01-01", "2024-03-01"), ("b", "2023-01-01", None)])
    t = rk.churn_by_nps_group(survey, spells, months=6, observation_end="2024-12-31").set_index("group")
    assert t.attrs["unmatched"] == 1  # zz: in not_eligible, and said so
    assert t.loc["promoter", ["respondents", "not_eligible", "eligible"]].tolist() == [2, 1, 1]


def test_churn_by_nps_group_refuses_exports_that_share_no_customer_id():
    survey = pd.DataFrame({"customer_id": ["ann@example.com", "bob@example.com"], "score": [2, 10],
                           "date": pd.to_datetime(["2024-01-15"] * 2)})
    spells = _spells([("ACCT-1", "2023-01-01", "2024-03-01"), ("ACCT-2", "2023-01-01", None)])
    with pytest.raises(RetentionDataError, match=r"none of its 2 respondents.*'ann@example.com'.*'ACCT-1'") as err:
        rk.churn_by_nps_group(survey, spells, months=6, observation_end="2024-12-31")
    assert err.value.parameter == "customer_col"


@pytest.mark.parametrize("confidence", [0.8, 0.95, 0.99])
def test_churn_by_nps_group_interval_honours_confidence(confidence):
    from scipy.stats import binomtest

    survey = rk.datasets.load_sample_survey()
    subs = rk.datasets.load_sample_subscriptions()
    t = rk.churn_by_nps_group(survey, subs, months=12, observation_end="2025-06-30",
                              confidence=confidence)
    assert t.attrs["interval"] == "wilson" and t.attrs["confidence"] == confidence
    for row in t.itertuples():
        ci = binomtest(int(row.churned), int(row.eligible)).proportion_ci(
            confidence_level=confidence, method="wilson")
        assert row.ci_low == pytest.approx(100 * ci.low) and row.ci_high == pytest.approx(100 * ci.high)


def test_churn_by_nps_group_refuses_a_bad_confidence():
    survey = rk.datasets.load_sample_survey()
    subs = rk.datasets.load_sample_subscriptions()
    with pytest.raises(RetentionDataError, match="confidence=95"):
        rk.churn_by_nps_group(survey, subs, months=12, observation_end="2025-06-30", confidence=95)


def test_detractors_churn_more_in_the_sample():
    survey = rk.datasets.load_sample_survey()
    subs = rk.datasets.load_sample_subscriptions()
    t = rk.churn_by_nps_group(survey, subs, months=12, observation_end="2025-06-30").set_index("group")
    assert (t["eligible"] + t["not_eligible"] == t["respondents"]).all()
    assert t.loc["detractor", "churn_rate"] > t.loc["passive", "churn_rate"] > t.loc["promoter", "churn_rate"]
    assert t.loc["detractor", "ci_low"] > t.loc["promoter", "ci_high"]  # not a sampling accident
