"""Net Promoter Score: re-exports :mod:`retention_kit.nps` for compatibility.

The code lives in :mod:`retention_kit.nps` (parsing, statistics, tables, plots); this
module keeps ``retention_kit.net_promoter`` and ``from retention_kit.net_promoter import
...`` working with the same public names.
"""

from .nps import (
    NPS_METHODS,
    churn_by_nps_group,
    compare_nps,
    nps,
    nps_group,
    nps_sample_size,
    nps_summary,
    nps_table,
    parse_scores,
    plot_nps_table,
    plot_score_distribution,
)

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
