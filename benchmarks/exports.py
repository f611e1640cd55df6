"""Seeded order exports for the end-to-end benchmark: CSV files as shops export them.

Run from the repository root::

    python benchmarks/exports.py --size 1m --style european --ids str   # prints the file's path

or import :func:`export_file`. The orders come from
:func:`retention_kit.simulate.simulate_transactions` (seeded BG/NBD purchases, about ten
orders per customer over 2022-01-01..2024-12-31) plus a seeded time of day, sorted by
time, numbered ``order_id`` 1..N. Two styles, same columns
``order_id, customer, ordered_at, total``:

- ``plain``: comma-separated, ``2024-12-31 14:05:09``, ``1234.50``;
- ``european``: semicolon-separated, day first without seconds ``31/12/2024 14:05``,
  amounts ``1.234,50 €`` (thousands grouped with '.', always two decimals, so no value
  leaves the decimal separator in doubt).

Customer ids are integers (``--ids int``: ``123456``) or text (``--ids str``:
``cust123456``). DuckDB writes the text (``COPY``), so ten million rows take seconds.
A file is written once under a name that holds every parameter (and
:data:`FORMAT_VERSION`) and reused afterwards; it appears only when complete (written to a
temporary name, then renamed).
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from common import parse_size  # benchmarks/common.py, next to this file
from retention_kit.simulate import simulate_transactions

HERE = Path(__file__).resolve().parent

FORMAT_VERSION = 1  # bump when the text written for the same parameters changes
DEFAULT_DIR = HERE / "results" / "files"  # git-ignored (benchmarks/results/)
COLUMNS = {"customer_col": "customer", "date_col": "ordered_at", "amount_col": "total"}


@dataclass(frozen=True)
class Style:
    """How one export style is written and how each contender is told to read it."""

    name: str
    sep: str
    timestamp_format: str  # strftime pattern, DuckDB's and Python's
    amount_sql: str  # DuckDB expression writing the DOUBLE column ``total`` as text
    decimal: str  # the loader's decimal=

    def loader_options(self) -> dict:
        """Keyword options of ``rk.load_transactions`` for this style (with the column mapping)."""
        options = dict(COLUMNS, decimal=self.decimal)
        if self.name != "plain":  # the plain style's ISO timestamps need no format
            options["date_format"] = self.timestamp_format
        return options

    def check_arguments(self) -> list[str]:
        """The same options for ``retention-kit check``."""
        flags = {"customer_col": "--customer-col", "date_col": "--date-col", "amount_col": "--amount-col",
                 "decimal": "--decimal", "date_format": "--date-format"}
        out = []
        for key, value in self.loader_options().items():
            out += [flags[key], value]
        return out


STYLES = {
    "plain": Style("plain", ",", "%Y-%m-%d %H:%M:%S", "printf('%.2f', total)", "."),
    "european": Style("european", ";", "%d/%m/%Y %H:%M",
                      "translate(format('{:,.2f}', total), ',.', '.,') || ' €'", ","),
}


def orders(rows: int, *, seed: int) -> pd.DataFrame:
    """About ``rows`` orders of ``rows // 10`` customers: ``order_id``, ``customer`` (int64),
    ``ordered_at`` (datetime64[us], whole seconds), ``total`` (float64, cents), by time."""
    tx = simulate_transactions(max(rows // 10, 1), seed=seed)
    rng = np.random.default_rng([seed, 1])  # its own stream: the simulated log stays as it is
    at = tx["date"].to_numpy().astype(np.int64) + rng.integers(0, 86_400, len(tx)) * 1_000_000
    order = np.argsort(at, kind="stable")
    return pd.DataFrame({
        "order_id": np.arange(1, len(tx) + 1),
        "customer": tx["customer_id"].to_numpy()[order],
        "ordered_at": at[order].astype("datetime64[us]"),
        "total": tx["amount"].to_numpy()[order],
    })


def export_path(size: str, style: str, ids: str, *, seed: int = 0, folder: Path = DEFAULT_DIR) -> Path:
    label, _ = parse_size(size)
    return Path(folder) / f"orders_{label}_{style}_{ids}ids_seed{seed}_v{FORMAT_VERSION}.csv"


def export_file(size: str, style: str, ids: str, *, seed: int = 0, folder: Path = DEFAULT_DIR) -> Path:
    """The export's path, writing the file first unless it is already there."""
    if style not in STYLES:
        raise ValueError(f"style={style!r}: expected one of {sorted(STYLES)}")
    if ids not in ("int", "str"):
        raise ValueError(f"ids={ids!r}: expected 'int' or 'str'")
    path = export_path(size, style, ids, seed=seed, folder=folder)
    if path.exists():
        return path
    s = STYLES[style]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    frame = orders(parse_size(size)[1], seed=seed)  # noqa: F841  (read by DuckDB below)
    customer = "customer" if ids == "int" else "'cust' || customer"
    sep = s.sep.replace("'", "''")
    with duckdb.connect() as con:
        con.register("frame", frame)
        con.execute(f"""
            COPY (SELECT order_id, {customer} AS customer,
                         strftime(ordered_at, '{s.timestamp_format}') AS ordered_at,
                         {s.amount_sql} AS total
                  FROM frame ORDER BY order_id)
            TO '{tmp}' (FORMAT csv, HEADER, DELIMITER '{sep}', QUOTE '"')
        """)
    os.replace(tmp, path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="1m", help="rows: 100k, 1m, 5m, 10m, ... (default 1m)")
    parser.add_argument("--style", choices=sorted(STYLES), default="plain")
    parser.add_argument("--ids", choices=["int", "str"], default="str")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dir", default=str(DEFAULT_DIR), help="folder (default benchmarks/results/files)")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    path = export_file(args.size, args.style, args.ids, seed=args.seed, folder=Path(args.dir))
    print(f"{path} ({path.stat().st_size / 2**20:,.0f} MiB, {time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
