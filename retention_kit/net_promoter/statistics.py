"""The NPS of a sample with its standard error and interval, comparisons and planning.

:func:`nps` is the plain score; :func:`nps_summary` adds counts, shares, the standard
error and a Wald, adjusted-Wald or bootstrap interval (:data:`NPS_METHODS`);
:func:`compare_nps` tests a difference between two samples and :func:`nps_sample_size`
plans a survey for a margin of error.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy.stats import norm

from ..errors import RetentionDataError
from ..validation import Integer, Number, Options, validate_params
from ._constraints import CONFIDENCE, ERROR_OR_EXCLUDE, SCORES, SHARE
from .parsing import _FIX_PARSE, _parse

__all__ = ["NPS_METHODS", "nps", "nps_summary", "compare_nps", "nps_sample_size"]

#: Interval methods of :func:`nps_summary` and :func:`nps_table`.
NPS_METHODS = ("adjusted_wald", "wald", "bootstrap")


def _groups(scores: pd.Series) -> tuple[int, int, int]:
    values = scores.to_numpy()
    promoters = int((values >= 9).sum())
    detractors = int((values <= 6).sum())
    return promoters, len(values) - promoters - detractors, detractors


@validate_params(
    scores=SCORES,
)
def nps(scores: Sequence[object] | pd.Series | np.ndarray) -> float:
    """Net Promoter Score of a set of 0-10 responses, in points (-100 to 100).

    .. math:: \\mathrm{NPS} = 100 \\, \\frac{P - D}{n}

    with P promoters (9-10), D detractors (0-6) and n responses. Passives (7-8) count
    in n only. The number alone hides its sampling error: use :func:`nps_summary` for
    the standard error and a confidence interval.

    Parameters
    ----------
    scores : sequence, numpy array or pandas Series
        One 0-10 score per response, in any form :func:`parse_scores` accepts.

    Returns
    -------
    float

    Raises
    ------
    RetentionDataError
        On an invalid score (see :func:`parse_scores`; nothing is excluded silently) or
        when there are no responses.

    See Also
    --------
    nps_summary : counts, shares, standard error and confidence interval.

    Examples
    --------
    50 promoters, 30 passives and 20 detractors: 50 % - 20 % = 30 points.

    >>> nps([10] * 25 + [9] * 25 + [8] * 30 + [3] * 20)
    30.0
    >>> nps(["10 - Extremely likely", "6", "9"])
    33.33333333333333
    """
    parsed, _ = _parse(scores, invalid="error", where=None, param="scores", fix=_FIX_PARSE)
    if len(parsed) == 0:
        raise RetentionDataError(
            "scores: no responses, so there is no NPS. Pass at least one 0-10 score."
        )
    promoters, _, detractors = _groups(parsed)
    return float(100.0 * (promoters - detractors) / len(parsed))


def _z(confidence: float) -> float:
    return float(norm.ppf(0.5 + confidence / 2))


def _moments(promoters: float, detractors: float, n: float) -> tuple[float, float]:
    """Estimate of p - d and its variance, (p + d - (p - d)^2) / n, from counts."""
    p, d = promoters / n, detractors / n
    return p - d, max(p + d - (p - d) ** 2, 0.0) / n


def _wald_parts(promoters: int, detractors: int, n: int, method: str) -> tuple[float, float]:
    """Centre (fraction) and variance of p - d for the Wald or adjusted-Wald interval."""
    if method == "adjusted_wald":
        return _moments(promoters + 0.75, detractors + 0.75, n + 3)
    return _moments(promoters, detractors, n)


def _interval(
    promoters: int,
    passives: int,
    detractors: int,
    *,
    method: str,
    confidence: float,
    n_boot: int,
    seed: int | None,
) -> dict[str, float]:
    n = promoters + passives + detractors
    z = _z(confidence)
    if method == "bootstrap":
        rng = np.random.default_rng(seed)
        draws = rng.multinomial(n, [promoters / n, passives / n, detractors / n], size=n_boot)
        boot = 100.0 * (draws[:, 0] - draws[:, 2]) / n
        alpha = 1 - confidence
        low, high = np.percentile(boot, [100 * alpha / 2, 100 * (1 - alpha / 2)])
        return {
            "se": float(boot.std(ddof=1)),
            "low": float(max(low, -100.0)),
            "high": float(min(high, 100.0)),
            "centre": float((low + high) / 2),
        }
    centre, variance = _wald_parts(promoters, detractors, n, method)
    se = 100.0 * math.sqrt(variance)
    low, high = 100.0 * centre - z * se, 100.0 * centre + z * se
    if method == "adjusted_wald":
        low, high = max(low, -100.0), min(high, 100.0)
    return {"se": float(se), "low": float(low), "high": float(high), "centre": float(100.0 * centre)}


@validate_params(
    scores=SCORES,
    confidence=CONFIDENCE,
    method=Options(*NPS_METHODS, text="one of 'adjusted_wald', 'wald', 'bootstrap'"),
    invalid=ERROR_OR_EXCLUDE,
    n_boot=Integer(low=100, text="a whole number of resamples, at least 100 (the default 10,000 gives stable percentile bounds)"),
    seed=[Integer(text="a whole number (reproducible resamples) or None (different resamples on every call)"), None],
)
def nps_summary(
    scores: Sequence[object] | pd.Series | np.ndarray,
    *,
    confidence: float = 0.95,
    method: Literal["adjusted_wald", "wald", "bootstrap"] = "adjusted_wald",
    invalid: Literal["error", "exclude"] = "error",
    n_boot: int = 10_000,
    seed: int | None = 0,
) -> dict[str, object]:
    """NPS with its counts, shares, standard error and confidence interval.

    With n responses, P promoters, D detractors, p = P / n and d = D / n, the NPS is
    100 (p - d). Each response scores +1, 0 or -1, so the variance of p - d is

    .. math:: \\operatorname{Var}(p - d) = \\frac{p + d - (p - d)^2}{n}.

    Methods, all in points:

    - ``"wald"``: interval 100 (p - d) +/- z se, se = 100 sqrt(Var(p - d)). **Not
      clipped**, so that its failures stay visible: at small n it can leave [-100, 100]
      (4 promoters and 1 detractor: 60 +/- 70), and when every response falls in one
      group its se is 0 and the interval collapses to a point (5 responses, all 10:
      [100, 100]). Shown for reference; prefer ``"adjusted_wald"``.
    - ``"adjusted_wald"`` (default; Rocks 2016, Sauro & Lewis): add 3 to n and 3/4 to
      both P and D, so n' = n + 3, p' = (P + 3/4) / n', d' = (D + 3/4) / n'. The interval
      is 100 (p' - d') +/- z se with se = 100 sqrt((p' + d' - (p' - d')^2) / n'), clipped
      to [-100, 100]. Its coverage is close to nominal at small n and extreme scores,
      and it never collapses.
    - ``"bootstrap"``: ``n_boot`` resamples of the n responses drawn from a multinomial
      over the three groups with the observed shares (``numpy.random.default_rng(seed)``);
      the bounds are the percentiles (1 - confidence) / 2 and (1 + confidence) / 2 of
      the resampled NPS, se their standard deviation. Like Wald, it collapses when
      every response falls in one group.

    z is the standard normal quantile of (1 + confidence) / 2 (1.96 for 95 %).

    **What ``nps`` is**: always the plain sample NPS, 100 (P - D) / n, whatever the
    method. The adjusted-Wald interval is built around the shrunk estimate 100 (p' - d'),
    reported as ``centre``, so it is not symmetric around ``nps``; the adjustment is
    part of the interval, not of the score. (At 95 % the adjusted interval contains
    ``nps`` for every sample of 2 or more responses; for a single response it does not.)

    Parameters
    ----------
    scores : sequence, numpy array or pandas Series
        One 0-10 score per response, in any form :func:`parse_scores` accepts.
    confidence : float
        Confidence level of the interval, strictly between 0 and 1.
    method : {"adjusted_wald", "wald", "bootstrap"}
        How the interval and se are computed (above).
    invalid : {"error", "exclude"}
        What to do with invalid scores (see :func:`parse_scores`); excluded ones are
        counted in ``excluded``.
    n_boot : int
        Bootstrap resamples (at least 100); used by ``"bootstrap"`` only.
    seed : int or None
        Seed of the bootstrap; the same seed gives the same interval. ``None`` draws
        fresh resamples on every call.

    Returns
    -------
    dict
        ``n``, ``promoters``, ``passives``, ``detractors`` (counts, int);
        ``promoter_share``, ``passive_share``, ``detractor_share`` (0-1);
        ``nps``, ``se``, ``low``, ``high`` and ``centre`` (the point the interval is built
        around: ``nps`` for Wald, 100 (p' - d') for adjusted Wald, the midpoint of the
        bounds for the bootstrap), in points; ``method``; ``confidence``; ``excluded``
        (reason -> count, empty unless ``invalid="exclude"`` dropped something).
        Numbers are plain Python ints and floats.

    Raises
    ------
    RetentionDataError
        On invalid scores (with ``invalid="error"``), no responses (before or after
        exclusions), or a bad option.

    See Also
    --------
    compare_nps : is a difference between two NPS real?
    nps_sample_size : responses needed for a target margin of error.

    Examples
    --------
    50 promoters, 30 passives, 20 detractors: p = 0.5, d = 0.2, NPS = 30,
    Var = (0.5 + 0.2 - 0.3^2) / 100 = 0.0061, se = 7.81 points, 30 +/- 1.96 x 7.81.

    >>> scores = [10] * 50 + [8] * 30 + [3] * 20
    >>> s = nps_summary(scores, method="wald")
    >>> print(f"{s['nps']:.2f} se {s['se']:.2f} [{s['low']:.2f}, {s['high']:.2f}]")
    30.00 se 7.81 [14.69, 45.31]
    >>> s = nps_summary(scores)
    >>> print(f"{s['nps']:.2f} (centre {s['centre']:.2f}) se {s['se']:.2f} "
    ...       f"[{s['low']:.2f}, {s['high']:.2f}]")
    30.00 (centre 29.13) se 7.69 [14.05, 44.20]

    Five responses, all 10: Wald collapses, adjusted Wald does not.

    >>> nps_summary([10] * 5, method="wald")["high"] - nps_summary([10] * 5, method="wald")["low"]
    0.0
    >>> s = nps_summary([10] * 5)
    >>> print(f"{s['nps']:.1f} [{s['low']:.1f}, {s['high']:.1f}]")
    100.0 [17.5, 100.0]

    Invalid scores can be excluded on request, and are then reported:

    >>> nps_summary([10, 9, "n/a", 3, 12], invalid="exclude")["excluded"]
    {'not a number': 1, 'outside 0-10': 1}
    """
    confidence = float(confidence)
    fix = (
        "Correct them, or pass invalid='exclude' to leave them out (they are reported in "
        "the summary's 'excluded')."
    )
    parsed, excluded = _parse(
        scores, invalid=invalid, where=None, param="scores", fix=fix, parameter="invalid"
    )
    n = len(parsed)
    if n == 0:
        left = f" after excluding {sum(excluded.values()):,} invalid values {excluded}" if excluded else ""
        raise RetentionDataError(
            f"scores: no responses{left}, so there is no NPS. Pass at least one 0-10 score."
        )
    promoters, passives, detractors = _groups(parsed)
    interval = _interval(
        promoters, passives, detractors, method=method, confidence=confidence, n_boot=n_boot, seed=seed
    )
    return {
        "n": n,
        "promoters": promoters,
        "passives": passives,
        "detractors": detractors,
        "promoter_share": promoters / n,
        "passive_share": passives / n,
        "detractor_share": detractors / n,
        "nps": float(100.0 * (promoters - detractors) / n),
        "se": interval["se"],
        "low": interval["low"],
        "high": interval["high"],
        "centre": interval["centre"],
        "method": method,
        "confidence": confidence,
        "excluded": dict(excluded),
    }


@validate_params(
    a=SCORES,
    b=SCORES,
    method=Options("adjusted_wald", "wald", text="one of 'adjusted_wald', 'wald'"),
    confidence=CONFIDENCE,
)
def compare_nps(
    a: Sequence[object] | pd.Series | np.ndarray,
    b: Sequence[object] | pd.Series | np.ndarray,
    *,
    method: Literal["adjusted_wald", "wald"] = "adjusted_wald",
    confidence: float = 0.95,
) -> dict[str, object]:
    """Is the NPS of ``b`` really different from that of ``a``? Difference, z and p-value.

    The two samples are independent (different respondents), so the variance of the
    difference is the sum of the two variances of :func:`nps_summary`:

    .. math:: se = 100 \\sqrt{\\operatorname{Var}_a + \\operatorname{Var}_b}, \\quad
              z = \\frac{\\Delta}{se}, \\quad p = 2 \\, (1 - \\Phi(|z|))

    - ``"wald"``: Delta = NPS_b - NPS_a, with the plain variances
      (p + d - (p - d)^2) / n. Interval Delta +/- z* se, not clipped.
    - ``"adjusted_wald"`` (default): each sample adjusted as in :func:`nps_summary`
      (n + 3, 3/4 added to promoters and to detractors). Delta in ``z`` and in the
      interval is the difference of the adjusted estimates, so the p-value and the
      interval agree (p < 1 - confidence exactly when the interval excludes 0). The
      interval is clipped to [-200, 200]. ``difference`` is still the plain
      NPS_b - NPS_a.

    A p-value says how surprising the difference would be if the two NPS were equal;
    it is no measure of how large the change is. Read it together with the interval.

    Parameters
    ----------
    a, b : sequence, numpy array or pandas Series
        The 0-10 scores of each sample (for example last month and this month); any
        form :func:`parse_scores` accepts. Invalid scores raise.
    method : {"adjusted_wald", "wald"}
    confidence : float
        Confidence level of the interval of the difference.

    Returns
    -------
    dict
        ``nps_a``, ``nps_b``, ``difference`` (b - a), ``se``, ``low``, ``high`` (in
        points); ``z``; ``p_value`` (two-sided, normal approximation); ``n_a``,
        ``n_b``; ``method``; ``confidence``. When se is 0 (Wald with both samples in
        one group each) ``z`` is 0 and ``p_value`` 1 if the NPS are equal, else
        ``z`` is infinite and ``p_value`` 0.

    Raises
    ------
    RetentionDataError
        On invalid scores, an empty sample, or a bad option.

    Examples
    --------
    NPS 30 (50/30/20 of 100) against NPS 45 (60/25/15 of 100): Var_a = 0.0061,
    Var_b = (0.75 - 0.45^2) / 100 = 0.005475, se = 100 sqrt(0.011575) = 10.76 points,
    z = 15 / 10.76 = 1.39: not significant at 5 %.

    >>> a = [10] * 50 + [8] * 30 + [3] * 20
    >>> b = [10] * 60 + [8] * 25 + [3] * 15
    >>> r = compare_nps(a, b, method="wald")
    >>> print(f"{r['difference']:.1f} se {r['se']:.2f} z {r['z']:.3f} p {r['p_value']:.3f}")
    15.0 se 10.76 z 1.394 p 0.163
    """
    confidence = float(confidence)
    sides = {}
    for param, values in (("a", a), ("b", b)):
        parsed, _ = _parse(values, invalid="error", where=None, param=param, fix=_FIX_PARSE)
        if len(parsed) == 0:
            raise RetentionDataError(
                f"{param}: no responses, so there is no NPS to compare. Pass at least one 0-10 score."
            )
        promoters, _, detractors = _groups(parsed)
        n = len(parsed)
        centre, variance = _wald_parts(promoters, detractors, n, method)
        sides[param] = (100.0 * (promoters - detractors) / n, 100.0 * centre, variance, n)
    nps_a, centre_a, var_a, n_a = sides["a"]
    nps_b, centre_b, var_b, n_b = sides["b"]
    delta = centre_b - centre_a
    se = 100.0 * math.sqrt(var_a + var_b)
    if se > 0:
        z = delta / se
    else:
        z = 0.0 if delta == 0 else math.copysign(math.inf, delta)
    p_value = float(2 * norm.sf(abs(z)))
    half = _z(confidence) * se
    low, high = delta - half, delta + half
    if method == "adjusted_wald":
        low, high = max(low, -200.0), min(high, 200.0)
    return {
        "nps_a": float(nps_a),
        "nps_b": float(nps_b),
        "difference": float(nps_b - nps_a),
        "se": float(se),
        "z": float(z),
        "p_value": p_value,
        "low": float(low),
        "high": float(high),
        "n_a": n_a,
        "n_b": n_b,
        "method": method,
        "confidence": confidence,
    }


@validate_params(
    margin=Number(low=0, closed="neither", text="a positive number of NPS points, such as 5 for +/- 5 points"),
    confidence=CONFIDENCE,
    promoter_share=[SHARE, None],
    detractor_share=[SHARE, None],
)
def nps_sample_size(
    margin: float,
    *,
    confidence: float = 0.95,
    promoter_share: float | None = None,
    detractor_share: float | None = None,
) -> int:
    """Responses needed for an NPS margin of error of at most ``margin`` points.

    The margin is the half-width of the Wald interval, z x 100 sqrt(V / n), so

    .. math:: n = \\left\\lceil V \\left(\\frac{100 \\, z}{\\text{margin}}\\right)^2 \\right\\rceil

    with V = p + d - (p - d)^2 for planning shares p (promoters) and d (detractors).
    Without shares the worst case V = 1 is used (half promoters, half detractors), which
    is always enough. An earlier survey's shares give a smaller, realistic n.

    Parameters
    ----------
    margin : float
        Target half-width in NPS points: 5 means +/- 5 points (not 0.05).
    confidence : float
        Confidence level, strictly between 0 and 1.
    promoter_share, detractor_share : float, optional
        Expected shares (0-1), given together; their sum is at most 1.

    Returns
    -------
    int

    Raises
    ------
    RetentionDataError
        If ``margin`` is not a positive number, only one share is given, a share is
        outside 0-1, the shares add up to more than 1, or they put every response in
        one group (then V = 0 and the Wald margin is 0 at any n: plan with less extreme
        shares or the worst case).

    Examples
    --------
    +/- 5 points at 95 %: worst case (1.959964 x 100 / 5)^2 = 1536.6, so 1537 responses;
    expecting 50 % promoters and 20 % detractors, V = 0.61 and 938 are enough.

    >>> nps_sample_size(5)
    1537
    >>> nps_sample_size(5, promoter_share=0.5, detractor_share=0.2)
    938
    """
    confidence = float(confidence)
    if (promoter_share is None) != (detractor_share is None):
        raise RetentionDataError(
            f"promoter_share={promoter_share!r}, detractor_share={detractor_share!r}: give both "
            "planning shares, or neither for the worst case."
        )
    if promoter_share is None:
        variance = 1.0
    else:
        p, d = float(promoter_share), float(detractor_share)
        if p + d > 1 + 1e-12:
            raise RetentionDataError(
                f"promoter_share={p!r} + detractor_share={d!r} = {p + d:g} is more than 1: "
                "the passives' share would be negative."
            )
        variance = p + d - (p - d) ** 2
        if variance <= 1e-12:
            raise RetentionDataError(
                f"promoter_share={p!r}, detractor_share={d!r}: every response in one group "
                "gives a Wald variance of 0, so any n would do, which is not true. Plan with "
                "less extreme shares, or leave them out for the worst case."
            )
    needed = variance * (100.0 * _z(confidence) / float(margin)) ** 2
    # round first so that floating-point noise above a whole number does not add one
    return max(1, math.ceil(round(needed, 9)))
