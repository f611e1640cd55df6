"""Access to the archived ``lifetimes`` package on today's pandas.

``lifetimes`` 0.11.3 sets ``pd.options.mode.chained_assignment`` when imported, which
pandas 3 deprecates with a warning that would otherwise print in every notebook. The
kit imports it here, once, with exactly that warning silenced. ``lifetimes.datasets``
is never imported (it needs ``pkg_resources``).
"""

from __future__ import annotations

import importlib
import warnings
from types import ModuleType


def import_lifetimes() -> ModuleType:
    """Import ``lifetimes`` without its pandas-3 deprecation warning."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*mode.chained_assignment.*")
        return importlib.import_module("lifetimes")
