"""retention_kit: customer-retention analytics for notebooks.

The metric, cohort, churn, CLV and NPS functions behind the retention-kit notebooks.
Load an export with :func:`load_transactions` (or :func:`load_subscriptions`), then
count customers per period with :func:`customer_counts` and compute :func:`crr`.
"""

from . import datasets, net_promoter, simulate
from .churn import CHURN_METHODS, churn_rate, churn_table
from .clv import (
    calibration_holdout,
    cumulative_repeat_transactions,
    customer_lifetime_value,
    expected_purchases,
    fit_bgnbd,
    fit_gamma_gamma,
    fit_mbgnbd,
    fit_paretonbd,
    fit_with_ladder,
    holdout_comparison,
    p_alive_history,
    probability_alive,
    rfm_segments,
    rfm_summary,
    winback_list,
)
from .cohorts import cohort_table, repeat_purchase_rate, returning_visitor_rate, time_to_second_purchase
from .counts import customer_counts, subscription_counts
from .errors import ConvergenceError, RetentionDataError
from .kpi import clv_headline, kpi_headline, kpi_table
from .io import (
    LoadReport,
    load_report,
    load_sessions,
    load_subscriptions,
    load_survey,
    load_transactions,
)
from .metrics import crr
from . import models
from .models import (
    BetaGeoModel,
    FittedModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    SummaryModel,
    TransactionModel,
)
from . import plotting
from .net_promoter import (
    churn_by_nps_group,
    compare_nps,
    nps,
    nps_group,
    nps_sample_size,
    nps_summary,
    nps_table,
    parse_scores,
)
from .plotting import plot_crr, plot_customer_flows
from .periods import period_names
from .revenue import mrr_movements, revenue_retention, revenue_retention_table
from .survival import SBGFit, fit_sbg, kaplan_meier, kaplan_meier_estimate, tenure_table

__version__ = "0.1.0"

__all__ = [
    "RetentionDataError",
    "ConvergenceError",
    "LoadReport",
    "load_report",
    "load_transactions",
    "load_subscriptions",
    "load_survey",
    "load_sessions",
    "customer_counts",
    "subscription_counts",
    "crr",
    "nps",
    "nps_summary",
    "compare_nps",
    "nps_sample_size",
    "nps_table",
    "parse_scores",
    "nps_group",
    "churn_by_nps_group",
    "rfm_summary",
    "calibration_holdout",
    "fit_bgnbd",
    "fit_paretonbd",
    "fit_mbgnbd",
    "fit_gamma_gamma",
    "fit_with_ladder",
    "FittedModel",
    "SummaryModel",
    "TransactionModel",
    "BetaGeoModel",
    "ParetoNBDModel",
    "ModifiedBetaGeoModel",
    "GammaGammaModel",
    "expected_purchases",
    "probability_alive",
    "customer_lifetime_value",
    "winback_list",
    "holdout_comparison",
    "cumulative_repeat_transactions",
    "p_alive_history",
    "rfm_segments",
    "cohort_table",
    "repeat_purchase_rate",
    "time_to_second_purchase",
    "returning_visitor_rate",
    "CHURN_METHODS",
    "churn_rate",
    "churn_table",
    "mrr_movements",
    "revenue_retention",
    "revenue_retention_table",
    "SBGFit",
    "fit_sbg",
    "tenure_table",
    "kaplan_meier",
    "kaplan_meier_estimate",
    "plot_crr",
    "plot_customer_flows",
    "period_names",
    "datasets",
    "net_promoter",
    "simulate",
    "plotting",
    "models",
    "kpi_table",
    "kpi_headline",
    "clv_headline",
]
