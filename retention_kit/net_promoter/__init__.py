"""Net Promoter Score with honest uncertainty: parsing, intervals, comparisons, planning.

NPS asks "How likely is it that you would recommend us to a friend or colleague?" on a
0 to 10 scale. Promoters answer 9-10, passives 7-8, detractors 0-6, and

    NPS = % promoters - % detractors        (points, from -100 to +100)

An NPS from a sample has sampling error, so every function here that reports an NPS
from data also reports its standard error and a confidence interval. Scores are
parsed strictly: a value outside 0-10, a fraction, a non-number or a blank raises a
:class:`~retention_kit.RetentionDataError` naming the rows, or, when the caller asks for
it, is excluded and counted by reason. Nothing is guessed silently.

The package, by concern (each file depends only on those above it):

- ``_constraints.py``: the parameter constraints the modules share;
- ``parsing.py``: survey answers to scores (:func:`parse_scores`) and groups
  (:func:`nps_group`);
- ``statistics.py``: the estimate, its standard error and interval (:func:`nps`,
  :func:`nps_summary`, :data:`NPS_METHODS`), comparisons (:func:`compare_nps`) and
  planning (:func:`nps_sample_size`);
- ``tables.py``: per segment and period (:func:`nps_table`) and churn by group
  (:func:`churn_by_nps_group`);
- ``plots.py``: :func:`plot_score_distribution` and :func:`plot_nps_table`.
"""

from .parsing import nps_group, parse_scores
from .plots import plot_nps_table, plot_score_distribution
from .statistics import NPS_METHODS, compare_nps, nps, nps_sample_size, nps_summary
from .tables import churn_by_nps_group, nps_table

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
