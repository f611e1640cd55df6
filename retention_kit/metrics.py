"""Scalar retention metrics."""

from __future__ import annotations

import math
import numbers

from .errors import RetentionDataError
from .validation import Number, validate_params

COUNT = Number(low=0, what="a customer count", text="a customer count, a finite number that cannot be negative")

__all__ = ["crr"]


@validate_params(
    start=COUNT,
    end=COUNT,
    new=COUNT,
)
def crr(start: float, end: float, new: float) -> float:
    """Customer retention rate of one period, in percent.

    .. math::

        \\mathrm{CRR} = \\frac{E - N}{S} \\times 100

    with S the customers at the start of the period, E the customers at its end and
    N the new customers acquired during it (and still customers at the end).

    Parameters
    ----------
    start : int
        S, customers at the start of the period. Must be positive: with no starting
        customers there is nothing to retain and CRR is undefined.
    end : int
        E, customers at the end of the period.
    new : int
        N, customers acquired in the period who are customers at its end.

    Returns
    -------
    float
        CRR in percent. ``E - N`` also counts customers who had lapsed before the period
        and came back in it (reactivations), so CRR can exceed the share of the starting
        customers who stayed, and can even exceed 100; see
        :func:`~retention_kit.customer_counts` for the split.

    Raises
    ------
    RetentionDataError
        If ``start <= 0``, a count is negative or not a number, or ``new > end`` (new
        customers are part of the end count, so there cannot be more of them).

    See Also
    --------
    customer_counts : S, E, N and the reactivations per period from a transaction log.

    Examples
    --------
    The online shop over one year: 1000 customers at the start, 200 acquired, 950 at
    the end.

    >>> crr(1000, 950, 200)
    75.0

    The small business over the first quarter: 20 customers, 5 acquired, 1 lost, so
    24 at the end.

    >>> crr(20, 24, 5)
    95.0
    """
    s, e, n = float(start), float(end), float(new)
    if s == 0:
        raise RetentionDataError(
            "start=0: with no customers at the start of the period there is nobody to retain, "
            "so CRR is undefined. Use a period that starts with customers."
        )
    if n > e:
        raise RetentionDataError(
            f"new={n:g} is larger than end={e:g}: the customers at the end include the new "
            "ones, so new <= end. Check that new counts only customers acquired in the period "
            "who are still customers at its end."
        )
    return 100.0 * (e - n) / s
