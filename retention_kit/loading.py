"""The loaders, kept importable as ``retention_kit.loading``; they live in :mod:`retention_kit.io`."""

from .io import (
    LoadReport,
    load_report,
    load_sessions,
    load_subscriptions,
    load_survey,
    load_transactions,
)

__all__ = [
    "LoadReport",
    "load_report",
    "load_transactions",
    "load_subscriptions",
    "load_survey",
    "load_sessions",
]
