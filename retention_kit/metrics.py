"""Scalar retention metrics."""

from __future__ import annotations


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
    N the new customers acquired during it: every one of them, including any who were
    no longer customers by its end (the articles' definition, and the ``acquired``
    column of :func:`~retention_kit.customer_counts`).

    Parameters
    ----------
    start : int
        S, customers at the start of the period. Must be positive: with no starting
        customers there is nothing to retain and CRR is undefined.
    end : int
        E, customers at the end of the period.
    new : int
        N, every customer acquired in the period, whether or not still a customer at
        its end.

    Returns
    -------
    float
        CRR in percent. ``E - N`` also counts customers who had lapsed before the period
        and came back in it (reactivations), so CRR can exceed the share of the starting
        customers who stayed, and can even exceed 100; and it subtracts new customers
        who were lost again inside the period, which E never held, so CRR can fall below
        that share, and below 0 when N > E. See :func:`~retention_kit.customer_counts`
        for the split.

    Raises
    ------
    RetentionDataError
        If ``start <= 0``, or a count is negative or not a number. ``new > end`` is
        allowed: when most of the period's new customers leave again inside it, N can
        exceed E.

    See Also
    --------
    customer_counts : S, E, N (``acquired``) and the reactivations per period from a
        transaction log.

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

    Ten customers at the start, all kept; eight acquired, of whom six left again
    before the end: E = 12, and the six lost newcomers pull CRR below the 100 % of
    starting customers kept.

    >>> crr(10, 12, 8)
    40.0
    """
    s, e, n = float(start), float(end), float(new)
    if s == 0:
        raise RetentionDataError(
            "start=0: with no customers at the start of the period there is nobody to retain, "
            "so CRR is undefined. Use a period that starts with customers."
        )
    return 100.0 * (e - n) / s
