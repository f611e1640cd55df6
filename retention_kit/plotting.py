"""Charts for the per-period tables. Each takes data and an optional ``ax`` and returns
the ``Axes``; none calls ``plt.show()``."""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from .validation import Fitted, Instance, Integer, Number, Table, Text, Texts, Values, validate_params
from .inputs import require_columns

__all__ = [
    "plot_crr",
    "plot_customer_flows",
    "plot_churn_methods",
    "plot_mrr_movements",
    "plot_sbg",
    "plot_survival",
    "plot_cohort_heatmap",
    "plot_retention_curves",
    "plot_holdout_comparison",
    "plot_tracking",
    "plot_p_alive_matrix",
    "plot_p_alive_history",
]


#: The date columns of a cohort table, beside its cells.
_COHORT_DATES = ("period_start", "period_end")


#: Okabe & Ito's palette, told apart under every common colour-vision deficiency (no
#: red-green pair): blue, orange, bluish green, vermillion, reddish purple, sky blue,
#: yellow, black.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")


def _labels(periods: pd.Series) -> list[str]:
    return [str(p) for p in periods]


@validate_params(
    table=Table(),
    ax=[Instance("matplotlib.axes:Axes", what="a matplotlib Axes"), None],
    title=[Text(what="a title"), None],
)
def plot_crr(table: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Line chart of CRR and of the retention of the starting customers, per period.

    The gap between the two lines is the share of S that came back after lapsing
    (reactivations), which the textbook formula counts as retained, minus the customers
    acquired and lost again inside the period, which it charges against S. Periods with no
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
    require_columns(table, ["period", "crr", "start_retention"])
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4))
    x = np.arange(len(table))
    ax.plot(x, table["crr"], marker="o", label="CRR = (E - N) / S")
    ax.plot(x, table["start_retention"], marker="s", label="starting customers still active")
    ax.set_xticks(x, _labels(table["period"]), rotation=45, ha="right")
    ax.set_ylabel("percent of customers at the start")
    crr = table["crr"].to_numpy(dtype=float)
    # CRR can be negative when many newcomers lapse inside the period: keep it in view
    bottom = min(0.0, float(np.nanmin(crr, initial=0)) * 1.05)
    ax.set_ylim(bottom, max(100.0, float(np.nanmax(crr, initial=0))) * 1.05)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="lower left")
    rule = table.attrs.get("activity_rule")
    ax.set_title(title if title is not None else ("CRR per period" + (f"\n({rule})" if rule else "")))
    return ax


@validate_params(
    table=Table(),
    ax=[Instance("matplotlib.axes:Axes", what="a matplotlib Axes"), None],
    title=[Text(what="a title"), None],
)
def plot_customer_flows(
    table: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """Stacked bars of where each period's end customers came from, and who was lost.

    Above zero: retained, reactivated and new customers still active at the end
    (``new_active``; they add up to E). Below zero: customers lost in the period.

    Examples
    --------
    >>> import retention_kit as rk
    >>> t = rk.customer_counts(rk.datasets.load_cdnow(sample=True), freq="Q", active_days=365)
    >>> ax = rk.plotting.plot_customer_flows(t)
    >>> [p.get_label() for p in ax.containers]
    ['retained', 'reactivated', 'new_active', 'lost']
    """
    require_columns(table, ["period", "retained", "reactivated", "new_active", "lost"])
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4))
    x = np.arange(len(table))
    bottom = np.zeros(len(table))
    for column, color in (("retained", PALETTE[0]), ("reactivated", PALETTE[1]), ("new_active", PALETTE[2])):
        values = table[column].to_numpy(dtype=float)
        ax.bar(x, values, bottom=bottom, label=column, color=color)
        bottom += values
    ax.bar(x, -table["lost"].to_numpy(dtype=float), label="lost", color=PALETTE[3])
    # headroom so the legend never covers the bars
    ax.set_ylim(top=max(float(bottom.max(initial=0)), 1.0) * 1.3)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(x, _labels(table["period"]), rotation=45, ha="right")
    ax.set_ylabel("customers")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper left", ncols=4)
    ax.set_title(title if title is not None else "Customers at the end of each period, and those lost")
    return ax


@validate_params(
    table=Table(),
    methods=[Texts(what="churn method names"), None],
    ax=[Instance("matplotlib.axes:Axes", what="a matplotlib Axes"), None],
    title=[Text(what="a title"), None],
)
def plot_churn_methods(
    table: pd.DataFrame,
    *,
    methods: list[str] | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """One line per churn definition over time, from :func:`~retention_kit.churn_table`.

    Examples
    --------
    >>> import retention_kit as rk
    >>> t = rk.churn_table(rk.datasets.load_sample_subscriptions(), freq="Q")
    >>> ax = rk.plotting.plot_churn_methods(t, methods=["per_start", "net_loss"])
    >>> [line.get_label() for line in ax.get_lines()][:2]
    ['per_start', 'net_loss']
    """
    from .churn import CHURN_METHODS

    methods = list(CHURN_METHODS) if methods is None else methods
    require_columns(table, ["period", *methods])
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 4.5))
    x = np.arange(len(table))
    for method, color in zip(methods, itertools.cycle(PALETTE)):
        style = "--" if method in ("net_loss", "complement") else "-"
        ax.plot(x, table[method], style, marker=".", label=method, color=color)
    ax.axhline(0, color="black", linewidth=0.8)
    step = max(1, len(table) // 12)
    ax.set_xticks(x[::step], _labels(table["period"])[::step], rotation=45, ha="right")
    ax.set_ylabel("churn (%)")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5))
    ax.set_title(title if title is not None else "The same customers, nine churn rates")
    return ax


@validate_params(
    movements=Table(),
    ax=[Instance("matplotlib.axes:Axes", what="a matplotlib Axes"), None],
    title=[Text(what="a title"), None],
)
def plot_mrr_movements(
    movements: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """Stacked bars of MRR movements per period (gains up, losses down) and net change.

    Examples
    --------
    >>> import retention_kit as rk
    >>> m = rk.mrr_movements(rk.datasets.load_sample_subscriptions(), freq="Q")
    >>> ax = rk.plotting.plot_mrr_movements(m)
    >>> [c.get_label() for c in ax.containers]
    ['new', 'expansion', 'reactivation', 'contraction', 'churned']
    """
    require_columns(movements, ["period", "new", "expansion", "reactivation", "contraction", "churned"])
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 4.5))
    x = np.arange(len(movements))
    up = np.zeros(len(movements))
    for column, color in (("new", PALETTE[2]), ("expansion", PALETTE[0]), ("reactivation", PALETTE[1])):
        values = movements[column].to_numpy(dtype=float)
        ax.bar(x, values, bottom=up, label=column, color=color)
        up += values
    down = np.zeros(len(movements))
    for column, color in (("contraction", PALETTE[4]), ("churned", PALETTE[3])):
        values = movements[column].to_numpy(dtype=float)
        ax.bar(x, -values, bottom=-down, label=column, color=color)
        down += values
    ax.plot(x, up - down, color="black", marker="o", markersize=3, label="_net change")
    ax.axhline(0, color="black", linewidth=0.8)
    step = max(1, len(movements) // 12)
    ax.set_xticks(x[::step], _labels(movements["period"])[::step], rotation=45, ha="right")
    ax.set_ylabel("MRR change per period")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper left", ncols=5)
    ax.set_ylim(top=max(float(up.max(initial=0)), 1.0) * 1.3)
    ax.set_title(title if title is not None else "MRR movements (black: net change)")
    return ax


def _example_sbg() -> object:
    from .models.sbg import SBGFit

    return SBGFit(alpha=1.0, beta=1.0, log_likelihood=0.0, alive=(10, 5))


@validate_params(
    fit=Instance("retention_kit.models.sbg:SBGFit", what="a fitted sBG model from fit_sbg",
                 example=lambda: _example_sbg()),
    horizon=Integer(low=1, unit="periods"),
    observed=[Values(what="a list of survivor counts"), None],
    ax=[Instance("matplotlib.axes:Axes", what="a matplotlib Axes"), None],
    title=[Text(what="a title"), None],
)
def plot_sbg(
    fit: object,
    *,
    horizon: int,
    observed: list[int] | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Survivors the sBG model projects against those observed.

    ``observed`` are survivor counts from period 0 on, including any periods held out of
    the fit; the periods the model was fitted on are shaded.

    Examples
    --------
    >>> import retention_kit as rk
    >>> fit = rk.fit_sbg([1000, 631, 468, 382, 326, 289, 262, 241])
    >>> ax = rk.plotting.plot_sbg(fit, horizon=12)
    >>> ax.get_xlabel()
    'period'
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4))
    t = np.arange(horizon + 1)
    ax.plot(t, fit.projected_alive(t), label=f"sBG (alpha={fit.alpha:.3f}, beta={fit.beta:.3f})")
    seen = list(fit.alive) if observed is None else list(observed)
    ax.plot(np.arange(len(seen)), seen, "o", color="black", label="observed")
    ax.axvspan(0, len(fit.alive) - 1, color="grey", alpha=0.15, label="fitted on")
    ax.set_xlabel("period")
    ax.set_ylabel("customers still active")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title(title if title is not None else "Shifted-beta-geometric projection")
    return ax


@validate_params(
    curves=Table(),
    ax=[Instance("matplotlib.axes:Axes", what="a matplotlib Axes"), None],
    title=[Text(what="a title"), None],
    unit=Text(what="a unit name"),
)
def plot_survival(
    curves: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None, unit: str = "months"
) -> Axes:
    """Kaplan-Meier curves with their 95 % bands, from :func:`~retention_kit.kaplan_meier`.

    Examples
    --------
    >>> import retention_kit as rk
    >>> km = rk.kaplan_meier(rk.datasets.load_sample_subscriptions(), observation_end="2025-06-30")
    >>> ax = rk.plotting.plot_survival(km)
    >>> ax.get_ylabel()
    'share still subscribed'
    """
    require_columns(curves, ["group", "time", "survival", "ci_lower", "ci_upper"])
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.5))
    for name, curve in curves.groupby("group", sort=False):
        line = ax.step(curve["time"], curve["survival"], where="post", label=str(name))[0]
        ax.fill_between(curve["time"], curve["ci_lower"], curve["ci_upper"], step="post",
                        alpha=0.2, color=line.get_color())
    ax.set_xlabel(f"tenure ({unit})")
    ax.set_ylabel("share still subscribed")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title(title if title is not None else "Kaplan-Meier survival of subscription tenure")
    return ax


def _cell_fontsize(ax: Axes, rows: int, columns: int, chars: int) -> float | None:
    """The largest label size (points, at most 8) that fits a heatmap cell, or None when
    even 5 points would not fit (the colour bar then carries the values)."""
    box = ax.get_position()
    width_pt = ax.figure.get_figwidth() * box.width * 72 / max(columns, 1)
    height_pt = ax.figure.get_figheight() * box.height * 72 / max(rows, 1)
    size = min(8.0, 0.6 * height_pt, width_pt / (0.62 * chars + 0.4))
    return size if size >= 5 else None


@validate_params(
    table=Table(),
    ax=[Instance("matplotlib.axes:Axes", what="a matplotlib Axes"), None],
    title=[Text(what="a title"), None],
    fmt=[Text(what="a format such as '.0f'"), None],
)
def plot_cohort_heatmap(
    table: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None, fmt: str | None = None
) -> Axes:
    """The cohort triangle as a heatmap with a label in every observed cell.

    Takes the output of :func:`~retention_kit.cohort_table` (the summary row is drawn
    below a line); cells that cannot be observed yet are left blank. A new figure grows
    with the table (about 0.5 x 0.32 inch a cell, up to 30 inches) so labels stay legible
    at 30 cohorts and 36 periods; the labels take the largest size up to 8 points that fits
    a cell and are left out below 5 points (then read the colour bar). The single-hue
    blue scale reads the same with red-green colour blindness.

    Examples
    --------
    >>> import retention_kit as rk
    >>> t = rk.cohort_table(rk.datasets.load_cdnow(sample=True), freq="Q")
    >>> ax = rk.plotting.plot_cohort_heatmap(t)
    >>> ax.get_xlabel()
    'periods since first purchase'

    At 30 cohorts and 36 periods every cell still carries a label of 8 points:

    >>> import numpy as np, pandas as pd
    >>> big = pd.DataFrame(np.full((30, 36), 50.0), index=[f"c{i}" for i in range(30)]).assign(size=100)
    >>> ax = rk.plotting.plot_cohort_heatmap(big)
    >>> len(ax.texts), min(text.get_fontsize() for text in ax.texts), [float(x) for x in ax.figure.get_size_inches()]
    (1080, 8.0, [20.5, 10.8])
    """
    require_columns(table, ["size"])
    cells = table.drop(columns=["size", *_COHORT_DATES], errors="ignore")
    values = cells.to_numpy(dtype=float)
    rows, columns = values.shape
    if ax is None:
        # every cell keeps room for a legible label: about half an inch wide and a third
        # of an inch tall, whatever the number of cohorts and periods
        _, ax = plt.subplots(figsize=(min(2.5 + 0.5 * columns, 30), min(1.2 + 0.32 * rows, 30)))
    percent = table.attrs.get("values", "customers") == "customers"
    fmt = fmt or ("{:.0f}%" if percent else "{:,.0f}")
    masked = np.ma.masked_invalid(values)
    # sequential single-hue scale: light to dark blue reads the same without red-green vision
    image = ax.imshow(masked, aspect="auto", cmap="Blues", interpolation="nearest")
    top = np.nanmax(values) if np.isfinite(values).any() else 1.0
    texts = [fmt.format(v) for v in values[np.isfinite(values)]]
    size = _cell_fontsize(ax, rows, columns, max((len(t) for t in texts), default=1))
    if size is not None:
        for (i, j), value in np.ndenumerate(values):
            if np.isfinite(value):
                ax.text(j, i, fmt.format(value), ha="center", va="center", fontsize=size,
                        color="white" if value > 0.6 * top else "black")
    step = max(1, int(np.ceil(columns / 36)))
    ax.set_xticks(range(0, columns, step), [str(c) for c in cells.columns][::step])
    ax.set_yticks(range(values.shape[0]), [f"{i} ({s:,.0f})" for i, s in zip(table.index, table["size"])])
    if str(table.index[-1]) == "weighted average":
        ax.axhline(values.shape[0] - 1.5, color="black", linewidth=1.5)
    ax.set_xlabel("periods since first purchase")
    ax.set_ylabel("cohort (customers)")
    ax.figure.colorbar(image, ax=ax, fraction=0.03, pad=0.01)
    ax.set_title(title if title is not None else "Cohort retention")
    return ax


@validate_params(
    table=Table(),
    ax=[Instance("matplotlib.axes:Axes", what="a matplotlib Axes"), None],
    title=[Text(what="a title"), None],
)
def plot_retention_curves(
    table: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """One retention curve per cohort (thin) and the weighted average on top (thick).

    Examples
    --------
    >>> import retention_kit as rk
    >>> t = rk.cohort_table(rk.datasets.load_cdnow(sample=True), freq="Q")
    >>> ax = rk.plotting.plot_retention_curves(t)
    >>> ax.get_lines()[-1].get_label()
    'weighted average'
    """
    require_columns(table, ["size"])
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4.5))
    cells = table.drop(columns=["size", *_COHORT_DATES], errors="ignore")
    x = np.arange(cells.shape[1])
    for name, row in cells.iterrows():
        if name == "weighted average":
            continue
        ax.plot(x, row.to_numpy(dtype=float), linewidth=1, alpha=0.6, label=str(name))
    if "weighted average" in cells.index:
        ax.plot(x, cells.loc["weighted average"].to_numpy(dtype=float), color="black", linewidth=3,
                label="weighted average")
    ax.set_xticks(x, [str(c) for c in cells.columns])
    ax.set_xlabel("periods since first purchase")
    percent = table.attrs.get("values", "customers") == "customers"
    ax.set_ylabel("% of the cohort" if percent else "per acquired customer")
    ax.grid(alpha=0.3)
    if len(cells) <= 13:
        ax.legend(fontsize=8, ncols=2)
    ax.set_title(title if title is not None else "Retention curves by cohort")
    return ax


@validate_params(
    table=Table(),
    ax=[Instance("matplotlib.axes:Axes", what="a matplotlib Axes"), None],
    title=[Text(what="a title"), None],
)
def plot_holdout_comparison(table: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Mean actual and predicted holdout purchases by calibration frequency.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"frequency_cal": ["0", "1"], "customers": [5, 3],
    ...                   "actual": [0.2, 0.7], "predicted": [0.25, 0.6]})
    >>> ax = plot_holdout_comparison(t)
    >>> [line.get_label() for line in ax.get_lines()]
    ['actual', 'predicted']
    """
    require_columns(table, ["frequency_cal", "actual", "predicted"])
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    x = np.arange(len(table))
    ax.plot(x, table["actual"], marker="o", label="actual")
    ax.plot(x, table["predicted"], marker="s", linestyle="--", label="predicted")
    ax.set_xticks(x, [str(v) for v in table["frequency_cal"]])
    ax.set_xlabel("repeat purchases in the calibration period")
    ax.set_ylabel("mean purchases in the holdout period")
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title(title if title is not None else "Holdout purchases: actual vs predicted")
    return ax


@validate_params(
    track=Table(),
    calibration_end_step=[Number(what="a step"), None],
    ax=[Instance("matplotlib.axes:Axes", what="a matplotlib Axes"), None],
    title=[Text(what="a title"), None],
)
def plot_tracking(
    track: pd.DataFrame, *, calibration_end_step: float | None = None, ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Cumulative repeat purchases, actual against expected, step by step.

    Examples
    --------
    >>> import pandas as pd
    >>> track = pd.DataFrame({"step": [1, 2], "actual": [3, 5], "expected": [2.5, 5.2]})
    >>> ax = plot_tracking(track, calibration_end_step=1)
    >>> ax.get_xlabel()
    'week'
    """
    require_columns(track, ["step", "actual", "expected"])
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4))
    ax.plot(track["step"], track["actual"], label="actual", color="black")
    ax.plot(track["step"], track["expected"], label="model", linestyle="--")
    if calibration_end_step is not None:
        ax.axvline(calibration_end_step, color="grey", linestyle=":", label="end of calibration")
    ax.set_xlabel("week")
    ax.set_ylabel("cumulative repeat purchases")
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title(title if title is not None else "Tracking cumulative repeat purchases")
    return ax


@validate_params(
    model=Fitted(),
    max_frequency=Integer(low=1),
    max_recency=Number(low=0, closed="neither", what="a positive number"),
    T=[Number(low=0, closed="neither", what="a positive number"), None],
    ax=[Instance("matplotlib.axes:Axes", what="a matplotlib Axes"), None],
    title=[Text(what="a title"), None],
)
def plot_p_alive_matrix(
    model: object, *, max_frequency: int, max_recency: float, T: float | None = None,
    ax: Axes | None = None, title: str | None = None,
) -> Axes:
    """P(alive) for every (frequency, recency) pair of a customer observed for ``T``.

    Replaces ``lifetimes.plotting.plot_probability_alive_matrix`` with explicit axes.

    Examples
    --------
    >>> import retention_kit as rk
    >>> s = rk.rfm_summary(rk.datasets.load_cdnow(sample=True), freq="W", observation_end="1997-09-30")
    >>> ax = plot_p_alive_matrix(rk.fit_bgnbd(s), max_frequency=10, max_recency=39)
    >>> ax.get_ylabel()
    'repeat purchases (frequency)'
    """
    T = max_recency if T is None else T
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 5))
    recency = np.linspace(0, max_recency, 60)
    frequency = np.arange(max_frequency + 1)
    grid = np.array([model.conditional_probability_alive(np.full_like(recency, f), recency, np.full_like(recency, T))
                     for f in frequency])
    image = ax.imshow(grid, aspect="auto", origin="lower", cmap="cividis", vmin=0, vmax=1,
                      extent=(0, max_recency, -0.5, max_frequency + 0.5))
    ax.figure.colorbar(image, ax=ax, label="P(alive)")
    ax.set_xlabel(f"recency (time of the last purchase; T = {T:g})")
    ax.set_ylabel("repeat purchases (frequency)")
    ax.set_title(title if title is not None else "Probability a customer is still active")
    return ax


@validate_params(
    history=Table(),
    ax=[Instance("matplotlib.axes:Axes", what="a matplotlib Axes"), None],
    title=[Text(what="a title"), None],
)
def plot_p_alive_history(history: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None) -> Axes:
    """A customer's P(alive) day by day, with their purchases marked.

    Examples
    --------
    >>> import pandas as pd
    >>> h = pd.DataFrame({"date": pd.date_range("2024-01-01", periods=3), "p_alive": [1.0, 0.9, 0.8],
    ...                   "purchase": [True, False, False]})
    >>> ax = plot_p_alive_history(h)
    >>> bool(ax.get_ylim()[1] >= 1)
    True
    """
    require_columns(history, ["date", "p_alive", "purchase"])
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.5))
    ax.plot(history["date"], history["p_alive"], label="P(alive)")
    bought = history[history["purchase"]]
    ax.scatter(bought["date"], bought["p_alive"], color="black", zorder=3, label="purchase")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("P(alive)")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left")
    ax.set_title(title if title is not None else "P(alive) over time")
    return ax
