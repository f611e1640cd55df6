"""Charts for the per-period tables. Each takes data and an optional ``ax`` and returns
the ``Axes``; none calls ``plt.show()``."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from .errors import RetentionDataError

__all__ = ["plot_crr", "plot_customer_flows"]


def _labels(periods: pd.Series) -> list[str]:
    return [str(p) for p in periods]


def _check(table: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise RetentionDataError(
            f"table: missing column(s) {missing}; pass the output of customer_counts() "
            "or subscription_counts()."
        )


def plot_crr(table: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Line chart of CRR and of the retention of the starting customers, per period.

    The gap between the two lines is the share of S that came back after lapsing
    (reactivations), which the textbook formula counts as retained. Periods with no
    starting customers (CRR undefined) are left blank.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`~retention_kit.customer_counts` or
        :func:`~retention_kit.subscription_counts`.
    ax : matplotlib Axes, optional
        Where to draw; a new figure is made when omitted.
    title : str, optional
        Defaults to a title that states the activity rule.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import retention_kit as rk
    >>> t = rk.customer_counts(rk.datasets.load_cdnow(sample=True), freq="Q", active_days=365)
    >>> ax = rk.plot_crr(t)
    >>> ax.get_ylabel()
    'percent of customers at the start'
    """
    _check(table, ["period", "crr", "start_retention"])
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4))
    x = np.arange(len(table))
    ax.plot(x, table["crr"], marker="o", label="CRR = (E - N) / S")
    ax.plot(x, table["start_retention"], marker="s", label="starting customers still active")
    ax.set_xticks(x, _labels(table["period"]), rotation=45, ha="right")
    ax.set_ylabel("percent of customers at the start")
    ax.set_ylim(0, max(100.0, float(np.nanmax(table["crr"].to_numpy(dtype=float), initial=0))) * 1.05)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="lower left")
    rule = table.attrs.get("activity_rule")
    ax.set_title(title if title is not None else ("CRR per period" + (f"\n({rule})" if rule else "")))
    return ax


def plot_customer_flows(
    table: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """Stacked bars of where each period's end customers came from, and who was lost.

    Above zero: retained, reactivated and new customers (they add up to E). Below zero:
    customers lost in the period.

    Examples
    --------
    >>> import retention_kit as rk
    >>> t = rk.customer_counts(rk.datasets.load_cdnow(sample=True), freq="Q", active_days=365)
    >>> ax = rk.plotting.plot_customer_flows(t)
    >>> [p.get_label() for p in ax.containers]
    ['retained', 'reactivated', 'new', 'lost']
    """
    _check(table, ["period", "retained", "reactivated", "new", "lost"])
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4))
    x = np.arange(len(table))
    bottom = np.zeros(len(table))
    for column, color in (("retained", "#4c72b0"), ("reactivated", "#dd8452"), ("new", "#55a868")):
        values = table[column].to_numpy(dtype=float)
        ax.bar(x, values, bottom=bottom, label=column, color=color)
        bottom += values
    ax.bar(x, -table["lost"].to_numpy(dtype=float), label="lost", color="#c44e52")
    # headroom so the legend never covers the bars
    ax.set_ylim(top=max(float(bottom.max(initial=0)), 1.0) * 1.3)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(x, _labels(table["period"]), rotation=45, ha="right")
    ax.set_ylabel("customers")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper left", ncols=4)
    ax.set_title(title if title is not None else "Customers at the end of each period, and those lost")
    return ax
