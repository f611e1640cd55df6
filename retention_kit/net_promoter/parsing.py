"""Survey answers to 0-10 scores: numbers, numeric text and survey-tool labels.

Parsing is strict: a value outside 0-10, a fraction, a non-number or a blank raises a
:class:`~retention_kit.RetentionDataError` naming the rows, or, when the caller asks for
it, is excluded and counted by reason. :func:`nps_group` labels each score detractor
(0-6), passive (7-8) or promoter (9-10).
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import RetentionDataError, describe_rows
from ..validation import Labels, Text, validate_params
from ._constraints import ERROR_OR_EXCLUDE, SCORES

__all__ = ["parse_scores", "nps_group"]

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


@validate_params(
    values=SCORES,
    invalid=ERROR_OR_EXCLUDE,
    where=[Labels(), None],
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
