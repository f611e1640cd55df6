"""Net Promoter Score with honest uncertainty: parsing, intervals, comparisons, planning.

NPS asks "How likely is it that you would recommend us to a friend or colleague?" on a
0 to 10 scale. Promoters answer 9-10, passives 7-8, detractors 0-6, and

    NPS = % promoters - % detractors        (points, from -100 to +100)

An NPS from a sample has sampling error, so every function here that reports an NPS
from data also reports its standard error and a confidence interval. Scores are
parsed strictly: a value outside 0-10, a fraction, a non-number or a blank raises a
:class:`~retention_kit.RetentionDataError` naming the rows, or, when the caller asks for
it, is excluded and counted by reason. Nothing is guessed silently.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Literal

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch
from scipy.stats import norm

from .errors import RetentionDataError, describe_rows
from .validation import (
    Anything,
    DateLike,
    Freq,
    Instance,
    Integer,
    Number,
    Options,
    Table,
    Text,
    Texts,
    validate_params,
)

ERROR_OR_EXCLUDE = Options("error", "exclude")
CONFIDENCE = Number(low=0, high=1, closed="neither",
                    text="a level strictly between 0 and 1, such as 0.95 for a 95 % interval")
#: answers are checked by ``_parse`` itself, which says why a collection cannot be read
SCORES = Anything(what="a list, array or Series of answers")
SHARE = Number(low=0, high=1, text="a share between 0 and 1 (0.3 for 30 %)")
from .periods import period_freq

__all__ = [
    "NPS_METHODS",
    "parse_scores",
    "nps",
    "nps_summary",
    "compare_nps",
    "nps_sample_size",
    "nps_table",
    "plot_score_distribution",
    "plot_nps_table",
    "nps_group",
    "churn_by_nps_group",
]

#: Interval methods of :func:`nps_summary` and :func:`nps_table`.
NPS_METHODS = ("adjusted_wald", "wald", "bootstrap")

#: Reasons a value is excluded by ``parse_scores(..., invalid="exclude")``, in the order
#: they are checked.
_REASONS = ("blank", "not a number", "outside 0-10", "not a whole number")

_PLAIN_NUMBER = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
# a survey-tool label: a leading number, a separator, then text that starts with a letter,
# e.g. "10 - Extremely likely", "0 - Not at all likely", "9 – Likely", "8: Likely",
# "7 (neutral)"
_LABEL = re.compile(
    r"^([+-]?[0-9]+(?:\.[0-9]+)?)\s*(?:[-\u2010-\u2015:=|/,(\[]|\.(?![0-9]))?\s*([^\W\d_].*)$",
    re.DOTALL,
)

_COLOURS = {"detractors": "#d62728", "passives": "#9e9e9e", "promoters": "#2ca02c"}
_TABLE_VALUES = ("n", "promoters", "passives", "detractors", "nps", "se", "low", "high", "note")


# ---------------------------------------------------------------------------
# parsing
# ---------------------------------------------------------------------------


@validate_params(
    values=SCORES,
    invalid=ERROR_OR_EXCLUDE,
    where=[Texts(what="location labels"), None],
    param=Text(what="a parameter name"),
)
def parse_scores(
    values: Sequence[object] | pd.Series | np.ndarray,
    *,
    invalid: Literal["error", "exclude"] = "error",
    where: Sequence[str] | None = None,
    param: str = "scores",
) -> tuple[pd.Series, dict[str, int]]:
    """Parse 0-10 recommendation scores from numbers, numeric text or survey labels.

    Accepted, for every value:

    - integers 0 to 10, and floats that are whole numbers (``9.0``);
    - numeric text, surrounding spaces allowed: ``"9"``, ``" 10 "``, ``"7.0"``;
    - survey-export labels: a leading number, a separator and text, such as
      ``"10 - Extremely likely"``, ``"0 - Not at all likely"``, ``"9 – Likely"``
      (any dash), ``"8: Likely"`` or ``"7 (neutral)"``. The number is used, the text
      ignored.

    Anything else is invalid, for one of these reasons (checked in this order):
    ``"blank"`` (missing, ``None``, NaN or only whitespace), ``"not a number"``
    (``"ten"``, ``"Likely - 9"``, ``True``), ``"outside 0-10"`` (``11``, ``-1``,
    ``10.5``) and ``"not a whole number"`` (``7.5``). Whole numbers are checked
    exactly: ``7.0`` is 7, ``7.0001`` is not a whole number.

    **A 1-10 survey is not NPS.** Its answers all parse (1 to 10 lie inside 0-10), so
    no parser can tell the two apart: check the wording of the question in the survey
    tool. The honest fix is to ask the standard 0-10 question from now on. If a number
    must be reported from 1-10 data, map it explicitly and visibly, for example
    ``round((score - 1) * 10 / 9)`` onto 0-10, and label the result as derived from a
    1-10 survey: any mapping decides who counts as a detractor, so the result is not
    comparable with NPS benchmarks or with 0-10 surveys. Never pass 1-10 scores in as
    they are.

    Parameters
    ----------
    values : sequence, numpy array or pandas Series
        One value per response. A Series keeps its index for the returned scores.
    invalid : {"error", "exclude"}
        ``"error"`` raises on any invalid value; ``"exclude"`` drops invalid values and
        counts them by reason in the returned dict.
    where : sequence of str, optional
        A readable location for every value, used in error messages (for example
        ``"line 7"`` for a CSV file). Defaults to ``"row 0"``, ``"row 1"``, ...
        (positions, whatever the index).
    param : str
        The parameter name that error messages start with.

    Returns
    -------
    scores : pandas.Series of int64
        The valid scores, named like the input Series (else ``"score"``), indexed by
        the input's index (a Series) or by position (anything else).
    excluded : dict of str to int
        Count of excluded values by reason, reasons with no values left out; empty
        when nothing was excluded.

    Raises
    ------
    RetentionDataError
        With ``invalid="error"``, when any value is invalid: the message gives the
        count per reason and the first few values with their rows. Also on input that
        is not a one-dimensional collection of values, or on a bad option.

    See Also
    --------
    retention_kit.load_survey : loads and checks a survey export file.

    Examples
    --------
    >>> scores, excluded = parse_scores(["10 - Extremely likely", " 9 ", "7.0", 0, 6.0])
    >>> scores.tolist(), excluded
    ([10, 9, 7, 0, 6], {})
    >>> scores, excluded = parse_scores([10, 7.5, "ten", None, 11, 3], invalid="exclude")
    >>> scores.tolist()
    [10, 3]
    >>> excluded
    {'blank': 1, 'not a number': 1, 'outside 0-10': 1, 'not a whole number': 1}
    >>> parse_scores([10, 7.5, 3])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    retention_kit.errors.RetentionDataError: scores: 1 of 3 values are not NPS scores (whole numbers from 0 to 10): 1 not a whole number (row 1: 7.5). ...
    """
    fix = (
        "Correct them in the export, or pass invalid='exclude' to leave them out "
        "(they are counted by reason in the result)."
    )
    return _parse(values, invalid=invalid, where=where, param=param, fix=fix, parameter="invalid")


def _as_series(values: object, param: str) -> pd.Series:
    if isinstance(values, pd.Series):
        return values
    if isinstance(values, pd.DataFrame):
        raise RetentionDataError(
            f"{param}: expected one column of scores, got a DataFrame with columns "
            f"{[str(c) for c in values.columns]}. Pass the score column, e.g. df['score']."
        )
    if isinstance(values, (str, bytes)):
        raise RetentionDataError(
            f"{param}: expected a collection of scores (a list, array or Series), got the "
            f"single string {values!r}. Wrap one score in a list: [{values!r}]."
        )
    if isinstance(values, (set, frozenset)):
        raise RetentionDataError(
            f"{param}: got a set, which drops repeated scores and has no order. Pass a list, "
            "array or Series with one value per response."
        )
    if isinstance(values, np.ndarray):
        if values.ndim != 1:
            raise RetentionDataError(
                f"{param}: expected a one-dimensional array of scores, got shape {values.shape}."
            )
        return pd.Series(values)
    if isinstance(values, (pd.Index, pd.api.extensions.ExtensionArray)):
        return pd.Series(values)
    if isinstance(values, Iterable):
        return pd.Series(list(values), dtype=object)
    raise RetentionDataError(
        f"{param}: expected a collection of scores (a list, array or Series), got "
        f"{type(values).__name__}. Wrap one score in a list: [{values!r}]."
    )


def _number(value: object) -> tuple[float, str | None]:
    """One raw value as a float, or NaN and the reason it is not a number."""
    if value is None or value is pd.NA or value is pd.NaT:
        return np.nan, "blank"
    if isinstance(value, (bool, np.bool_)):
        return np.nan, "not a number"
    if isinstance(value, (numbers.Real, Decimal)):
        number = float(value)
        return (np.nan, "blank") if math.isnan(number) else (number, None)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return np.nan, "blank"
        if _PLAIN_NUMBER.match(text):
            return float(text), None
        label = _LABEL.match(text)
        if label:
            return float(label.group(1)), None
    return np.nan, "not a number"


def _parse(
    values: object,
    *,
    invalid: str,
    where: Sequence[str] | None,
    param: str,
    fix: str,
    parameter: str | None = None,
) -> tuple[pd.Series, dict[str, int]]:
    # ``parameter`` is the caller's option that settles invalid values (its ``invalid``),
    # carried by the error for programs; None when the caller has no such option

    series = _as_series(values, param)
    n = len(series)
    if where is None:
        where = [f"row {i}" for i in range(n)]
    elif isinstance(where, str) or len(where) != n:
        got = "a string" if isinstance(where, str) else f"{len(where)} labels"
        raise RetentionDataError(
            f"where: expected one location label per value ({n}), got {got}."
        )
    raw = series.to_numpy(dtype=object)
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        number = series.to_numpy(dtype="float64", na_value=np.nan)
        reason = np.where(np.isnan(number), "blank", "").astype(object)
    else:
        pairs = [_number(v) for v in raw]
        number = np.array([p[0] for p in pairs], dtype="float64")
        reason = np.array([p[1] or "" for p in pairs], dtype=object)
    ok = reason == ""
    with np.errstate(invalid="ignore"):
        outside = ok & ((number < 0) | (number > 10) | np.isinf(number))
        reason[outside] = "outside 0-10"
        ok &= ~outside
        fraction = ok & (number != np.round(number))
    reason[fraction] = "not a whole number"
    ok &= ~fraction
    masks = {r: (reason == r) for r in _REASONS}
    excluded = {r: int(m.sum()) for r, m in masks.items() if m.any()}
    if excluded and invalid == "error":
        bad = sum(excluded.values())
        parts = [
            f"{count:,} {r} ({describe_rows(masks[r], raw, where, limit=3)})"
            for r, count in excluded.items()
        ]
        raise RetentionDataError(
            f"{param}: {bad:,} of {n:,} values are not NPS scores (whole numbers from 0 to 10): "
            f"{'; '.join(parts)}. {fix} NPS uses the 0-10 question; a 1-10 survey is not "
            "NPS (see the parse_scores docstring).",
            parameter=parameter,
            options=("error", "exclude") if parameter == "invalid" else None,
        )
    index = series.index if isinstance(values, pd.Series) else pd.RangeIndex(n)
    name = series.name if isinstance(values, pd.Series) and series.name is not None else "score"
    scores = pd.Series(number[ok].astype("int64"), index=index[ok], name=name)
    return scores, excluded


_FIX_PARSE = (
    "Correct them, or drop them first: parse_scores(values, invalid='exclude') returns the "
    "valid scores and counts the rest by reason."
)


# ---------------------------------------------------------------------------
# the estimate and its interval
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# tables
# ---------------------------------------------------------------------------


@validate_params(
    df=Table(what="a pandas DataFrame with one row per response"),
    score_col=Text(what="a column name"),
    by=[Text(what="a column name"), Texts(what="group columns"), None],
    freq=[Freq(), None],
    date_col=Text(what="a column name"),
    confidence=CONFIDENCE,
    method=Options(*NPS_METHODS, text="one of 'adjusted_wald', 'wald', 'bootstrap'"),
    min_responses=Integer(low=1, text="a whole number of at least 1"),
)
def nps_table(
    df: pd.DataFrame,
    *,
    score_col: str = "score",
    by: str | Sequence[str] | None = None,
    freq: str | None = None,
    date_col: str = "date",
    confidence: float = 0.95,
    method: Literal["adjusted_wald", "wald", "bootstrap"] = "adjusted_wald",
    min_responses: int = 1,
) -> pd.DataFrame:
    """NPS with its interval per segment and/or per period: the data of a trend chart.

    Each row is computed as by :func:`nps_summary` on the responses of its group. With
    ``freq``, every period from the first to the last response appears, for every
    segment seen in the data, so that a period without responses is a row that says so
    rather than a silent gap. Missing segment values form their own group.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per response, for example from :func:`~retention_kit.load_survey`.
    score_col : str
        Column of 0-10 scores (any form :func:`parse_scores` accepts); invalid scores
        raise with their rows.
    by : str or list of str, optional
        Segment column(s).
    freq : {"W", "M", "Q", "Y"}, optional
        Period length (calendar months, quarters, years; weeks start Monday).
    date_col : str
        Response date column (datetime64), used with ``freq``.
    confidence : float
    method : {"adjusted_wald", "wald", "bootstrap"}
        See :func:`nps_summary`; the bootstrap uses seed 0 and 10,000 resamples.
    min_responses : int
        Groups with fewer responses get their counts but no NPS (NaN), with a note.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, then ``period`` (pandas Period) when ``freq`` is given, then
        ``n``, ``promoters``, ``passives``, ``detractors`` (int64), ``nps``, ``se``,
        ``low``, ``high`` (points) and ``note`` (empty, or why the NPS is not shown).
        Sorted by the group columns. ``attrs`` holds ``method``, ``confidence`` and
        ``min_responses``. Without ``by`` and ``freq``: one row, the whole sample.

    Raises
    ------
    RetentionDataError
        On a missing column, invalid scores, blank or non-datetime dates, no rows, or a
        bad option.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({
    ...     "score": [10, 9, 3, 8, 10, 6, 7],
    ...     "plan": ["pro", "pro", "pro", "basic", "basic", "basic", "trial"],
    ...     "date": pd.to_datetime(["2024-01-05", "2024-01-20", "2024-02-02", "2024-01-09",
    ...                             "2024-02-11", "2024-02-28", "2024-02-15"]),
    ... })
    >>> t = nps_table(df, by="plan", min_responses=2)
    >>> print(t[["plan", "n", "promoters", "detractors", "nps", "note"]].round(1).to_string())
        plan  n  promoters  detractors   nps                                   note
    0  basic  3          1           1   0.0
    1    pro  3          2           1  33.3
    2  trial  1          0           0   NaN  fewer than 2 responses: NPS not shown
    >>> for row in nps_table(df, freq="M").itertuples():
    ...     print(f"{row.period}  n={row.n}  NPS {row.nps:5.1f}  [{row.low:5.1f}, {row.high:5.1f}]")
    2024-01  n=3  NPS  66.7  [-21.7,  88.3]
    2024-02  n=4  NPS -25.0  [-72.7,  44.2]
    """
    if not isinstance(df, pd.DataFrame):
        raise RetentionDataError(
            f"df: expected a pandas DataFrame with one row per response, got {type(df).__name__}."
        )
    confidence = float(confidence)
    if by is None:
        keys: list[str] = []
    elif isinstance(by, str):
        keys = [by]
    else:
        keys = list(by)
    wanted = {"score_col": [score_col], "by": keys}
    if freq is not None:
        wanted["date_col"] = [date_col]
    for param, cols in wanted.items():
        for col in cols:
            if col not in df.columns:
                listed = ", ".join(repr(str(c)) for c in df.columns)
                raise RetentionDataError(
                    f"{param}={col!r}: the DataFrame has no column {col!r}. Available columns: "
                    f"{listed}."
                )
    if len(set(keys)) != len(keys) or score_col in keys:
        raise RetentionDataError(
            f"by={by!r}: list each segment column once, and not the score column."
        )
    if len(df) == 0:
        raise RetentionDataError("df: no rows, so there is no NPS. Pass at least one response.")
    where = [f"row {i}" for i in range(len(df))]
    fix = (
        "Correct them, or drop those rows first: "
        f"df.loc[parse_scores(df[{score_col!r}], invalid='exclude')[0].index] keeps the valid "
        "ones (parse_scores counts the rest by reason)."
    )
    scores, _ = _parse(
        df[score_col].reset_index(drop=True), invalid="error", where=where,
        param=f"score_col={score_col!r}", fix=fix,
    )
    values = scores.to_numpy()
    work = df[keys].reset_index(drop=True).copy()
    groups = list(keys)
    if freq is not None:
        if "period" in keys:
            raise RetentionDataError(
                "by: a segment column named 'period' clashes with the period column that freq= "
                "adds; rename it first."
            )
        alias = period_freq(freq)
        dates = df[date_col].reset_index(drop=True)
        if not pd.api.types.is_datetime64_any_dtype(dates.dtype):
            raise RetentionDataError(
                f"date_col={date_col!r}: expected datetime64 values, got {dates.dtype}. Load the "
                "survey with load_survey(..., date_col=...) or convert the column with "
                "pd.to_datetime and an explicit format."
            )
        blank = dates.isna().to_numpy()
        if blank.any():
            raise RetentionDataError(
                f"date_col={date_col!r}: {int(blank.sum()):,} responses have no date: "
                f"{describe_rows(blank, None, where)}. Fill them in or drop those rows."
            )
        if getattr(dates.dt, "tz", None) is not None:
            # the day on the respondent's own clock, as the loaders do
            dates = dates.dt.tz_localize(None)
        work["period"] = dates.dt.to_period(alias)
        groups.append("period")
    work["promoters"] = (values >= 9).astype("int64")
    work["passives"] = ((values >= 7) & (values <= 8)).astype("int64")
    work["detractors"] = (values <= 6).astype("int64")
    counted = ["promoters", "passives", "detractors"]
    if groups:
        table = (
            work.groupby(groups, sort=False, dropna=False, observed=True)[counted]
            .sum()
            .reset_index()
        )
    else:
        table = work[counted].sum().to_frame().T.reset_index(drop=True)
    if freq is not None:
        periods = pd.period_range(work["period"].min(), work["period"].max(), freq=alias)
        grid = pd.DataFrame({"period": periods})
        if keys:
            grid = work[keys].drop_duplicates().merge(grid, how="cross")
        table = grid.merge(table, on=groups, how="left")
        table[counted] = table[counted].fillna(0)
    if groups:
        table = table.sort_values(groups, na_position="last", kind="stable").reset_index(drop=True)
    table[counted] = table[counted].astype("int64")
    rows = []
    for promoters, passives, detractors in table[counted].itertuples(index=False):
        n = promoters + passives + detractors
        if n < min_responses:
            note = "no responses: NPS not shown" if n == 0 else (
                f"fewer than {min_responses} responses: NPS not shown"
            )
            rows.append((n, np.nan, np.nan, np.nan, np.nan, note))
            continue
        interval = _interval(
            promoters, passives, detractors, method=method, confidence=confidence,
            n_boot=10_000, seed=0,
        )
        rows.append((
            n, 100.0 * (promoters - detractors) / n, interval["se"], interval["low"],
            interval["high"], "",
        ))
    stats = pd.DataFrame(rows, columns=["n", "nps", "se", "low", "high", "note"])
    stats["n"] = stats["n"].astype("int64")
    for col in ("nps", "se", "low", "high"):
        stats[col] = stats[col].astype("float64")
    out = pd.concat([table[groups], stats[["n"]], table[counted], stats[["nps", "se", "low", "high", "note"]]], axis=1)
    out.attrs = {"method": method, "confidence": confidence, "min_responses": int(min_responses)}
    return out


# ---------------------------------------------------------------------------
# plots
# ---------------------------------------------------------------------------


@validate_params(
    scores=SCORES,
    ax=[Instance("matplotlib.axes:Axes", what="a matplotlib Axes"), None],
)
def plot_score_distribution(
    scores: Sequence[object] | pd.Series | np.ndarray,
    *,
    ax: Axes | None = None,
) -> Axes:
    """Bar chart of responses per score 0-10, coloured by group.

    Detractors (0-6) red, passives (7-8) grey, promoters (9-10) green; the legend gives
    each group's share and the title the NPS.

    Parameters
    ----------
    scores : sequence, numpy array or pandas Series
        0-10 scores; invalid ones raise (see :func:`parse_scores`).
    ax : matplotlib Axes, optional
        Where to draw; a new figure is made when omitted.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> ax = plot_score_distribution([10, 10, 9, 8, 7, 6, 3, 0])
    >>> len(ax.patches), [t.get_text() for t in ax.get_legend().get_texts()]
    (11, ['detractors (0-6): 38%', 'passives (7-8): 25%', 'promoters (9-10): 38%'])
    >>> plt.close(ax.figure)
    """
    parsed, _ = _parse(scores, invalid="error", where=None, param="scores", fix=_FIX_PARSE)
    if len(parsed) == 0:
        raise RetentionDataError("scores: no responses to plot. Pass at least one 0-10 score.")
    counts = np.bincount(parsed.to_numpy(), minlength=11)
    colours = [_COLOURS["detractors"]] * 7 + [_COLOURS["passives"]] * 2 + [_COLOURS["promoters"]] * 2
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4), layout="constrained")
    ax.bar(np.arange(11), counts, color=colours)
    n = len(parsed)
    shares = {
        "detractors (0-6)": counts[:7].sum() / n,
        "passives (7-8)": counts[7:9].sum() / n,
        "promoters (9-10)": counts[9:].sum() / n,
    }
    handles = [
        Patch(color=colour, label=f"{label}: {share:.0%}")
        for (label, share), colour in zip(shares.items(), _COLOURS.values())
    ]
    ax.legend(handles=handles, loc="upper left")
    ax.set_xticks(np.arange(11))
    ax.set_xlabel("score")
    ax.set_ylabel("responses")
    value = 100.0 * (counts[9:].sum() - counts[:7].sum()) / n
    ax.set_title(f"Score distribution (n = {n:,}, NPS = {value:.1f})")
    ax.grid(axis="y", alpha=0.3)
    return ax


@validate_params(
    table=Table(),
    x=Text(what="a column name"),
    ax=[Instance("matplotlib.axes:Axes", what="a matplotlib Axes"), None],
)
def plot_nps_table(table: pd.DataFrame, *, x: str, ax: Axes | None = None) -> Axes:
    """NPS per row of an :func:`nps_table` result, with interval error bars.

    ``x`` is the column along the horizontal axis (``"period"`` or a segment column).
    Any other group column splits the rows into series, drawn side by side with a
    legend. Rows without an NPS (too few responses) are left out of the chart; their
    note stays in the table. Each point is the plain NPS and each bar runs from ``low``
    to ``high``; an adjusted-Wald bar is not centred on the point (and for a single
    response need not reach it), which is why ``min_responses`` exists.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`nps_table`.
    x : str
        Column to put on the x axis.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> df = pd.DataFrame({"score": [10, 9, 3, 8, 10, 6], "plan": ["a", "a", "a", "b", "b", "b"]})
    >>> ax = plot_nps_table(nps_table(df, by="plan"), x="plan")
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['a', 'b']
    >>> plt.close(ax.figure)
    """
    if not isinstance(table, pd.DataFrame):
        raise RetentionDataError(
            f"table: expected the DataFrame returned by nps_table(), got {type(table).__name__}."
        )
    missing = [c for c in ("nps", "low", "high") if c not in table.columns]
    if missing:
        raise RetentionDataError(
            f"table: missing column(s) {missing}; pass the output of nps_table()."
        )
    if x not in table.columns or x in _TABLE_VALUES:
        groups = [c for c in table.columns if c not in _TABLE_VALUES]
        raise RetentionDataError(
            f"x={x!r}: expected one of the table's group columns {groups}."
        )
    series_cols = [c for c in table.columns if c not in _TABLE_VALUES and c != x]
    categories = list(pd.Series(pd.unique(table[x])).sort_values(na_position="last"))
    position = {value: i for i, value in enumerate(categories)}
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4), layout="constrained")
    if series_cols:
        parts = list(table.groupby(series_cols, sort=False, dropna=False))
    else:
        parts = [(None, table)]
    width = 0.6
    step = width / len(parts) if len(parts) > 1 else 0.0
    for k, (key, part) in enumerate(parts):
        shown = part[part["nps"].notna()]
        xs = np.array([position[v] for v in shown[x]], dtype=float)
        xs += (k - (len(parts) - 1) / 2) * step
        y = shown["nps"].to_numpy(dtype=float)
        low, high = shown["low"].to_numpy(dtype=float), shown["high"].to_numpy(dtype=float)
        if key is None:
            label = None
        else:
            key = key if isinstance(key, tuple) else (key,)
            label = ", ".join(str(v) for v in key)
        # the bar is drawn from its own midpoint: an adjusted-Wald interval is not centred
        # on the plain NPS (and at n = 1 need not contain it)
        bars = ax.errorbar(xs, (low + high) / 2, yerr=(high - low) / 2, fmt="none", capsize=3)
        colour = bars.lines[2][0].get_color()[0]
        ax.plot(xs, y, "o", color=colour, label=label, gid="nps")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(np.arange(len(categories)), [str(v) for v in categories],
                  rotation=45 if len(categories) > 6 else 0, ha="right" if len(categories) > 6 else "center")
    ax.set_xlabel(x)
    method = table.attrs.get("method")
    confidence = table.attrs.get("confidence")
    if method and confidence:
        ax.set_ylabel(f"NPS (points), {confidence:.0%} interval")
        ax.set_title(f"NPS by {x} ({method.replace('_', '-')} intervals)")
    else:
        ax.set_ylabel("NPS (points)")
    ax.grid(axis="y", alpha=0.3)
    if series_cols:
        ax.legend(title=", ".join(series_cols))
    return ax


@validate_params(
    scores=SCORES,
)
def nps_group(scores: Sequence[int] | pd.Series | np.ndarray) -> pd.Series:
    """The NPS group of each score: ``"detractor"`` (0-6), ``"passive"`` (7-8) or ``"promoter"`` (9-10).

    Examples
    --------
    >>> nps_group([10, 7, 3]).tolist()
    ['promoter', 'passive', 'detractor']
    """
    parsed, _ = parse_scores(values=scores)
    labels = np.where(parsed >= 9, "promoter", np.where(parsed >= 7, "passive", "detractor"))
    return pd.Series(labels, index=parsed.index, name="group")


@validate_params(
    survey=Table(),
    subscriptions=Table(),
    months=Integer(low=1, unit="months"),
    observation_end=DateLike(),
    confidence=CONFIDENCE,
)
def churn_by_nps_group(
    survey: pd.DataFrame,
    subscriptions: pd.DataFrame,
    *,
    months: int,
    observation_end: str | pd.Timestamp,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Do detractors churn more? Churn within ``months`` after answering, by NPS group.

    Each customer's *first* response counts once (later answers of the same customer
    would be influenced by the first outcome). A respondent *churned* if their
    subscription activity ended (see :mod:`retention_kit.churn`: the last live spell
    ended; plan changes do not count) within ``months`` months after the response date.
    Only respondents whose whole window lies inside the data are judged, churned or not
    (judging the recent ones who already churned but not the recent ones still
    subscribed would inflate churn). Respondents not active on the response date, or
    who answered less than ``months`` before ``observation_end``, are counted in
    ``not_eligible``, not dropped silently.

    Parameters
    ----------
    survey : pandas.DataFrame
        From :func:`load_survey` with ``customer_id`` and ``date``.
    subscriptions : pandas.DataFrame
        From :func:`load_subscriptions`.
    months : int
        Window after the response.
    observation_end : date
        Last day the subscription data covers.
    confidence : float
        Level of the interval of each churn rate (default 0.95).

    Returns
    -------
    pandas.DataFrame
        ``group`` (detractor, passive, promoter), ``respondents``, ``not_eligible``,
        ``eligible``, ``churned``, ``churn_rate`` (percent of eligible) and
        ``ci_low``/``ci_high``: the Wilson score interval of the churn rate at level
        ``confidence``. With p = churned / eligible, n = eligible and z the normal
        quantile of (1 + confidence) / 2, it is centred on
        (p + z^2 / 2n) / (1 + z^2 / n) with half-width
        z sqrt(p (1 - p) / n + z^2 / 4n^2) / (1 + z^2 / n). ``attrs`` records
        ``interval`` (the method's name) and ``confidence``.

    Examples
    --------
    >>> import pandas as pd
    >>> survey = pd.DataFrame({"customer_id": ["a", "b", "c"], "score": [3, 9, 10],
    ...                        "date": pd.to_datetime(["2024-01-10"] * 3)})
    >>> spells = pd.DataFrame({"customer_id": ["a", "b", "c"],
    ...                        "start_date": pd.to_datetime(["2023-01-01"] * 3),
    ...                        "end_date": pd.to_datetime(["2024-03-01", None, "2025-06-01"])})
    >>> t = churn_by_nps_group(survey, spells, months=6, observation_end="2024-12-31")
    >>> t[["group", "eligible", "churned", "churn_rate"]].to_numpy().tolist()
    [['detractor', 1, 1, 100.0], ['passive', 0, 0, nan], ['promoter', 2, 0, 0.0]]
    >>> t.attrs["interval"], t.attrs["confidence"]
    ('wilson', 0.95)
    """
    from . import _engine
    from .activity import day, subscriptions_activity

    for col in ("customer_id", "date", "score"):
        if col not in survey.columns:
            raise RetentionDataError(
                f"survey: no {col!r} column; load it with load_survey(..., customer_col=..., date_col=...)."
            )
    confidence = float(confidence)
    act = subscriptions_activity(subscriptions, observation_end=observation_end)
    cust, run_from, run_to = _engine.activity_runs(act.codes, act.active_from, act.active_to)
    # each customer's first answer; two on the same day: the lower score, whatever the row order
    first = survey.sort_values(["date", "score"], kind="stable").drop_duplicates("customer_id")
    groups = nps_group(first["score"].to_numpy())
    code_of = pd.Series(np.arange(len(act.ids)), index=act.ids)
    codes = code_of.reindex(first["customer_id"].to_numpy()).to_numpy()
    # the state at the end of the response day is snapshot day + 1
    answered = np.array([day(d) for d in first["date"]]) + 1
    horizon = np.array([day(d + pd.DateOffset(months=months)) for d in first["date"]]) + 1
    runs = pd.DataFrame({"code": cust, "a": run_from, "b": run_to})
    rows = pd.DataFrame({"code": codes, "t": answered, "h": horizon, "group": groups.to_numpy()})
    merged = rows.reset_index().merge(runs, on="code", how="left")
    covering = merged[(merged["a"] <= merged["t"]) & (merged["t"] < merged["b"])].set_index("index")
    rows["run_to"] = covering["b"].reindex(rows.index)
    end_snapshot = act.end_snapshot
    active = rows["run_to"].notna()
    churned = active & (rows["run_to"] <= rows["h"])
    # only respondents whose whole window is observed are judged: counting recent
    # answers that already churned but not recent ones still subscribed would inflate churn
    judged = active & (rows["h"] <= end_snapshot)
    rows["eligible"], rows["churned"] = judged, churned & judged
    table = rows.groupby("group").agg(respondents=("group", "size"), eligible=("eligible", "sum"),
                                      churned=("churned", "sum"))
    table = table.reindex(["detractor", "passive", "promoter"], fill_value=0).reset_index()
    table.insert(2, "not_eligible", table["respondents"] - table["eligible"])
    n, k = table["eligible"].to_numpy(dtype=float), table["churned"].to_numpy(dtype=float)
    z = _z(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    table["churn_rate"] = np.where(n > 0, 100 * p, np.nan)
    table["ci_low"] = np.where(n > 0, 100 * (centre - half), np.nan)
    table["ci_high"] = np.where(n > 0, 100 * (centre + half), np.nan)
    table.attrs.update(months=int(months), observation_end=str(act.observation_end.date()),
                       interval="wilson", confidence=confidence)
    return table
