"""Charts of NPS data: the score distribution, and an :func:`nps_table` with its intervals."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from ..errors import RetentionDataError
from ..validation import Instance, Table, Text, validate_params
from ._constraints import SCORES
from .parsing import _FIX_PARSE, _parse
from .tables import nps_table  # noqa: F401  (the plot_nps_table example calls it)

__all__ = ["plot_score_distribution", "plot_nps_table"]

_COLOURS = {"detractors": "#d62728", "passives": "#9e9e9e", "promoters": "#2ca02c"}
_TABLE_VALUES = ("n", "promoters", "passives", "detractors", "nps", "se", "low", "high", "note",
                 "period_start", "period_end")


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
