"""Bundled data: the real CDNOW log (shipped inside ``lifetimes``) and the synthetic samples.

The CDNOW files are read straight from the installed ``lifetimes`` package with
:mod:`importlib.resources`. ``lifetimes.datasets`` itself is never imported: it needs
``pkg_resources``, which current setuptools no longer provides.

The synthetic samples are our own data, made by the seeded generator ``data/generate.py``
(see ``data/README.md`` for provenance and checksums). They live in the repository's
``data/`` folder and ship inside the package as ``retention_kit.data`` (with the
generator and its README), so they are found with :mod:`importlib.resources` wherever
the kit is installed: from a wheel, or editable from a checkout.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from ._compat import import_lifetimes
from ._resources import bundled_folder
from .errors import RetentionDataError
from .validation import Flag, Options, validate_params
from .io import (
    LoadReport,
    load_sessions,
    load_subscriptions,
    load_survey,
    load_transactions,
)

__all__ = [
    "load_cdnow",
    "sample_path",
    "load_sample_orders",
    "load_sample_subscriptions",
    "load_sample_survey",
    "load_sample_sessions",
    "sample_truth",
]

_SAMPLES = {
    "orders": "orders.csv",
    "subscriptions": "subscriptions.csv",
    "survey": "nps_survey.csv",
    "sessions": "web_sessions.csv",
}


@validate_params(
    sample=Flag(),
)
def load_cdnow(*, sample: bool = False) -> pd.DataFrame:
    """The CDNOW transaction log: real purchases of an online CD shop, 1997-1998.

    The full log follows the 23,570 customers who made their first purchase at CDNOW
    in the first quarter of 1997, through 1998-06-30: 69,659 transactions. The sample is
    the 1/10 random sample of those customers (2,357 customers, 6,919 transactions) used
    by Fader, Hardie & Lee (2005) to present the BG/NBD model.

    Parameters
    ----------
    sample : bool
        ``False`` for the full log, ``True`` for the 1/10 sample.

    Returns
    -------
    pandas.DataFrame
        Canonical transactions: ``customer_id`` (text; the sample's ids are its own
        ``"0001"``..``"2357"``, the ids of the published sample summary), ``date``,
        ``amount`` (US dollars) and ``cds`` (number of CDs in the order); the sample
        also keeps ``master_id``, the customer's id in the full log. The log holds identical rows (two same-day orders of the
        same value by one customer, 255 in the full log) and zero-dollar orders (80);
        both are real records and are kept, and the load report says so.

    Examples
    --------
    >>> tx = load_cdnow(sample=True)
    >>> len(tx), tx["customer_id"].nunique()
    (6919, 2357)
    >>> str(tx["date"].min().date()), str(tx["date"].max().date())
    ('1997-01-01', '1998-06-30')
    """
    folder = resources.files(import_lifetimes()) / "datasets"
    if sample:
        names = ["master_id", "customer_id", "date", "cds", "amount"]
        resource = folder / "CDNOW_sample.txt"
        read = dict(header=None, names=names)
    else:
        names = ["customer_id", "date", "cds", "amount"]
        resource = folder / "CDNOW_master.txt"
        read = dict(header=0, names=names)
    with resources.as_file(resource) as path:
        raw = pd.read_csv(
            path, sep=r"\s+", dtype={"customer_id": "str", "master_id": "str", "date": "str"}, **read
        )
    tx = load_transactions(
        raw,
        customer_col="customer_id",
        date_col="date",
        amount_col="amount",
        date_format="%Y%m%d",
        duplicates="keep",
        keep_columns=["cds"] + (["master_id"] if sample else []),
    )
    report: LoadReport = tx.attrs["load_report"]
    report.source = resource.name
    return tx


@validate_params(
    name=Options(*sorted(_SAMPLES)),
)
def sample_path(name: str) -> Path:
    """Path of a bundled synthetic sample: ``"orders"``, ``"subscriptions"``, ``"survey"``
    or ``"sessions"``.

    The files ship with the kit as package data (``retention_kit.data``, the repository's
    ``data/`` folder), so this works in any installation, not only in a checkout.

    Examples
    --------
    >>> sample_path("orders").name
    'orders.csv'
    """
    path = bundled_folder("data") / _SAMPLES[name]
    if not path.is_file():
        raise RetentionDataError(
            f"the sample file {path} is missing. The samples ship with the kit (the "
            "repository's data/ folder): reinstall it, or in a checkout regenerate them with "
            "`python data/generate.py`."
        )
    return path


def load_sample_orders() -> pd.DataFrame:
    """The synthetic shop's order log, refunds and duplicate export rows excluded.

    Canonical transactions plus ``order_id`` and ``channel``. The file deliberately
    holds refund rows (negative amounts) and repeated export rows; they are excluded
    and counted in the load report.

    Examples
    --------
    >>> orders = load_sample_orders()
    >>> len(orders), orders["customer_id"].nunique()
    (47439, 12000)
    """
    return load_transactions(
        sample_path("orders"),
        customer_col="customer_id",
        date_col="order_date",
        amount_col="amount",
        refunds="exclude",
        duplicates="exclude",
        keep_columns=["order_id", "channel"],
    )


def load_sample_subscriptions() -> pd.DataFrame:
    """The synthetic SaaS subscription spells (``plan`` and ``segment`` kept).

    Examples
    --------
    >>> spells = load_sample_subscriptions()
    >>> len(spells), spells["customer_id"].nunique()
    (5412, 4000)
    """
    return load_subscriptions(sample_path("subscriptions"), keep_columns=["plan", "segment"])


def load_sample_survey() -> pd.DataFrame:
    """The synthetic NPS survey export (``response_id``, ``plan``, ``segment``, ``region`` kept).

    Examples
    --------
    >>> survey = load_sample_survey()
    >>> len(survey), sorted(survey["region"].unique())
    (5452, ['AMER', 'APAC', 'EMEA'])
    """
    return load_survey(
        sample_path("survey"),
        score_col="score",
        customer_col="customer_id",
        date_col="response_date",
        keep_columns=["response_id", "plan", "segment", "region"],
    )


def load_sample_sessions() -> pd.DataFrame:
    """The synthetic web-analytics sessions (``session_id``, ``channel``, ``pages`` kept).

    Examples
    --------
    >>> len(load_sample_sessions())
    55122
    """
    return load_sessions(
        sample_path("sessions"),
        visitor_col="visitor_id",
        time_col="session_start",
        keep_columns=["session_id", "channel", "pages"],
    )


def sample_truth() -> dict:
    """The true parameters the synthetic samples were generated with.

    Read from ``TRUE_PARAMS`` in the generator ``data/generate.py``, which ships with
    the samples (``retention_kit.data``), so that a notebook can put estimates beside
    the truth (for example the BG/NBD and Gamma-Gamma parameters of the synthetic shop).

    Examples
    --------
    >>> sample_truth()["orders"]["bgnbd"]
    {'r': 0.75, 'alpha': 10.0, 'a': 0.8, 'b': 3.0}
    """
    import importlib.util

    path = sample_path("orders").parent / "generate.py"
    spec = importlib.util.spec_from_file_location("retention_kit_sample_generator", path)
    if spec is None or spec.loader is None:  # pragma: no cover - the file ships with data/
        raise RetentionDataError(f"cannot load the sample generator at {path}.")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.TRUE_PARAMS
