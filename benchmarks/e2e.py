"""The end-to-end section of the benchmark (issue 12): from an export file to the tables.

``run.py`` calls :func:`bench_export` once per size and style (``--e2e-sizes``,
``--e2e-styles``); each call covers every id kind of ``--ids``, with all contenders of a
task interleaved in one race:

- ``file_to_tables``: kit = ``rk.load_transactions(FILE, ...)`` then ``rfm_summary``,
  ``cohort_table`` and ``customer_counts`` (the calls of the in-memory section); DuckDB =
  ``CREATE TABLE tx AS`` the file read and parsed in SQL (:func:`queries.export_sql`), then
  the same three queries as the in-memory section, each into a pandas DataFrame.
- ``load``: ``rk.load_transactions`` alone; DuckDB reading the file into a pandas
  DataFrame of the same three parsed columns; at the largest size of the run also
  ``retention-kit check FILE --kind transactions ...`` as a fresh process (interpreter
  start and imports included).
- each table function on the loaded frame, text ids against integer ids.

Before timing, the kit's tables are compared with DuckDB's (``queries.check_*``) and the
rows loaded with the rows in the file; any difference stops the run. Peak memory of the
load and of each table function: ``tracemalloc`` and, unless ``--no-rss``, the rise of the
peak resident set in a fresh process (``python benchmarks/e2e.py --rss-probe ...``, after a
warm-up on the file's first 1,000 rows), which also sees Arrow's memory pool (tracemalloc
does not). The memory target uses the larger
of the two.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import pandas as pd

import exports  # benchmarks/exports.py, next to this file
import queries
import retention_kit as rk
from common import (
    ACTIVE_DAYS, END, KIT_FUNCTIONS, medians, mib, race, rss_probe, rss_rise, spread, tracemalloc_peak, verdict,
)

TARGETS = {
    "file_to_tables": {"plain": 1.5, "european": 2.0},  # kit time / DuckDB's, file to the three tables
    "load_vs_duckdb": 2.0,  # load_transactions / DuckDB read into a DataFrame
    "check_vs_duckdb": 2.0,  # `retention-kit check` / DuckDB read into a DataFrame
    "str_vs_int": 1.3,  # a table function on text ids / on integer ids
    "memory": 2.0,  # peak of the load or of a table function / the loaded table's memory
}
SQL = queries.table_queries(END, ACTIVE_DAYS)
CHECK_COMMAND = "import sys; from retention_kit.cli import main; sys.exit(main())"


# -- the contenders ----------------------------------------------------------------------------


def kit_load(path: Path, style: str) -> pd.DataFrame:
    return rk.load_transactions(path, **exports.STYLES[style].loader_options())


def kit_file_to_tables(path: Path, style: str) -> dict[str, pd.DataFrame]:
    tx = kit_load(path, style)
    return {name: fn(tx) for name, fn in KIT_FUNCTIONS.items()}


def duckdb_load(path: Path, style: str) -> pd.DataFrame:
    with duckdb.connect() as con:
        return con.execute(queries.export_sql(path, style)).df()


def duckdb_file_to_tables(path: Path, style: str) -> dict[str, pd.DataFrame]:
    with duckdb.connect() as con:
        con.execute(f"CREATE TEMP TABLE tx AS {queries.export_sql(path, style)}")
        return {name: con.execute(query).df() for name, query in SQL.items()}


def check_command(path: Path, style: str) -> list[str]:
    return [sys.executable, "-c", CHECK_COMMAND, "check", str(path), "--kind", "transactions",
            *exports.STYLES[style].check_arguments()]


def _kit_environment() -> dict[str, str]:
    """The environment of the ``check`` process: it imports the same kit as this one."""
    root = str(Path(rk.__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [env.get("PYTHONPATH")])])
    return env


def run_check(path: Path, style: str) -> subprocess.CompletedProcess:
    return subprocess.run(check_command(path, style), capture_output=True, text=True, check=False,
                          env=_kit_environment())


def check_startup(path: Path, style: str) -> subprocess.CompletedProcess:
    """The fixed part of ``run_check``: a fresh interpreter importing the command (no file read)."""
    return subprocess.run([sys.executable, "-c", "import retention_kit.cli"], capture_output=True, text=True,
                          check=True, env=_kit_environment())


# -- verification ------------------------------------------------------------------------------


def verify(path: Path, style: str, log) -> tuple[pd.DataFrame, dict[str, str]]:
    """The kit's tables from the file equal DuckDB's; returns the loaded frame and what was
    checked. Raises (stopping the run) on any difference."""
    tx = kit_load(path, style)
    report = rk.load_report(tx)
    reference = duckdb_load(path, style)
    if report.excluded or report.rows_kept != len(reference) or len(tx) != len(reference):
        raise SystemExit(f"FAILED: {path.name}: the kit kept {len(tx):,} of {report.rows_read:,} rows "
                         f"(excluded {dict(report.excluded)}), DuckDB read {len(reference):,}")
    kit = {name: fn(tx) for name, fn in KIT_FUNCTIONS.items()}
    sql = duckdb_file_to_tables(path, style)
    # the kit keeps ids as text and orders one-row-per-customer tables by that text;
    # DuckDB types integer ids as BIGINT: compare as text, in the same order
    sql_rfm = sql["rfm_summary"].assign(customer_id=lambda d: d["customer_id"].astype(str))
    queries.check_rfm(kit["rfm_summary"].sort_index(), sql_rfm.sort_values("customer_id"), None)
    queries.check_counts(kit["customer_counts"], sql["customer_counts"])
    queries.check_cohorts(kit["cohort_table"], sql["cohort_table"])
    checks = {
        "load": f"{len(tx):,} rows kept of {report.rows_read:,} read, none excluded, as many as DuckDB reads",
        "rfm_summary": "equal to DuckDB (counts and times exactly, money to 1e-9)",
        "customer_counts": "equal to DuckDB (every count exactly, CRR to 1e-12)",
        "cohort_table": "equal to DuckDB (every cell and size, to 1e-12)",
    }
    done = run_check(path, style)
    if done.returncode != 0:
        raise SystemExit(f"FAILED: retention-kit check on {path.name} exited {done.returncode}: {done.stderr.strip()}")
    summary = [line.strip() for line in done.stdout.splitlines()[1:3]]  # after the line naming the file
    checks["check"] = "`retention-kit check` exits 0: " + " / ".join(summary)
    log(f"  {path.name}: outputs equal")
    return tx, checks


# -- one size and style ------------------------------------------------------------------------


def bench_export(size: str, style: str, ids_kinds: list[str], args: argparse.Namespace, log, *,
                 with_check: bool) -> dict:
    label, rows = exports.parse_size(size)
    log(f"\n== end to end: {label} rows, {style} export, {'/'.join(ids_kinds)} ids ==")
    folder = Path(args.e2e_dir)
    files = {ids: exports.export_file(label, style, ids, seed=args.seed, folder=folder) for ids in ids_kinds}
    result: dict = {"label": label, "rows_requested": rows, "style": style, "ids": ids_kinds,
                    "files": {ids: {"path": str(p), "bytes": p.stat().st_size} for ids, p in files.items()},
                    "with_check": with_check}

    log("verifying outputs (kit from the file = DuckDB from the file) ...")
    loaded, checks = {}, {}
    for ids, path in files.items():
        loaded[ids], checks[ids] = verify(path, style, log)
    result["rows"] = len(next(iter(loaded.values())))
    result["checks"] = checks
    result["loaded_bytes"] = {ids: int(tx.memory_usage(deep=True).sum()) for ids, tx in loaded.items()}

    n = args.e2e_repeats
    log(f"timing ({n} repeats, interleaved) ...")

    def contenders(make: dict) -> dict:
        return {f"{who} {ids}": (lambda f=fn, p=files[ids]: f(p, style)) for ids in ids_kinds for who, fn in make.items()}

    tasks = {
        "file_to_tables": contenders({"kit": kit_file_to_tables, "duckdb": duckdb_file_to_tables}),
        "load": contenders({"kit": kit_load, "duckdb": duckdb_load,
                            **({"check": run_check, "startup": check_startup} if with_check else {})}),
    }
    for name, fn in KIT_FUNCTIONS.items():
        tasks[name] = {f"kit {ids}": (lambda f=fn, tx=loaded[ids]: f(tx)) for ids in ids_kinds}
    timings = {}
    for task, racers in tasks.items():
        timings[task] = race(racers, dict.fromkeys(racers, n))
    result["timings"] = timings
    result["medians"] = medians(timings)

    log("measuring peak memory (tracemalloc" + ("" if args.no_rss else "; then RSS in fresh processes") + ") ...")
    memory: dict = {}
    for ids, path in files.items():
        memory[ids] = {"load": {"tracemalloc_peak_bytes": tracemalloc_peak(kit_load, path, style)}}
        for name, fn in KIT_FUNCTIONS.items():
            memory[ids][name] = {"tracemalloc_peak_bytes": tracemalloc_peak(fn, loaded[ids])}
        if not args.no_rss:
            for name in memory[ids]:
                memory[ids][name].update(rss_probe(Path(__file__).resolve(), [name, str(path), style]))
    result["memory"] = memory
    del loaded
    for row in targets(result):
        log(f"  {row['result']}  {row['target']}: {row['measured']}")
    return result


# -- targets and report ---------------------------------------------------------------------------


def judge(ratio: float, target: float) -> str:
    """PASS with the headroom, or MISS with how far over the target the ratio is."""
    if ratio <= target:
        return f"{verdict(True)} ({1 - ratio / target:.0%} headroom)"
    return f"{verdict(False)} by {ratio / target - 1:.0%} (needs a {1 - target / ratio:.0%} cut)"


def peak_bytes(mem: dict) -> int:
    """The larger of the two peak measurements (RSS sees Arrow's pool, tracemalloc does not)."""
    return max(mem["tracemalloc_peak_bytes"], mem.get("rss_peak_delta_bytes") or 0)


def _ratio_row(target: str, a: float, b: float, limit: float, unit: str = "s") -> dict:
    ratio = a / b
    shown = f"{a:.3f} s vs {b:.3f} s" if unit == "s" else f"{mib(a)} vs {mib(b)}"
    return {"target": target, "value": ratio, "limit": limit,
            "measured": f"{ratio:.2f}x ({shown}; target <= {limit:g}x)", "result": judge(ratio, limit)}


def targets(res: dict) -> list[dict]:
    m, style, rows = res["medians"], res["style"], []
    for ids in res["ids"]:
        limit = TARGETS["file_to_tables"][style]
        rows.append(_ratio_row(f"{ids} ids: file -> tables <= {limit:g}x DuckDB",
                               m["file_to_tables"][f"kit {ids}"], m["file_to_tables"][f"duckdb {ids}"], limit))
        duck = m["load"][f"duckdb {ids}"]
        rows.append(_ratio_row(f"{ids} ids: load_transactions <= 2x DuckDB read into a DataFrame",
                               m["load"][f"kit {ids}"], duck, TARGETS["load_vs_duckdb"]))
        if res["with_check"]:
            rows.append(_ratio_row(f"{ids} ids: `retention-kit check` <= 2x DuckDB read into a DataFrame",
                                   m["load"][f"check {ids}"], duck, TARGETS["check_vs_duckdb"]))
    if {"int", "str"} <= set(res["ids"]):
        for name in KIT_FUNCTIONS:
            rows.append(_ratio_row(f"{name}: text ids <= 1.3x integer ids",
                                   m[name]["kit str"], m[name]["kit int"], TARGETS["str_vs_int"]))
    for ids in res["ids"]:
        loaded = res["loaded_bytes"][ids]
        for name, mem in res["memory"][ids].items():
            rows.append(_ratio_row(f"{ids} ids: {name} peak memory <= 2x the loaded table",
                                   peak_bytes(mem), loaded, TARGETS["memory"], unit="bytes"))
    return rows


def markdown(results: list[dict]) -> list[str]:
    """The end-to-end section of ``benchmark.md``."""
    lines = [
        "## End to end: export file to tables (issue 12)",
        "",
        ("Files: `benchmarks/exports.py` (seeded; columns `order_id,customer,ordered_at,total`). "
         "`plain`: `,`-separated, `2024-12-31 14:05:09`, `1234.50`. `european`: `;`-separated, "
         "`31/12/2024 14:05`, `1.234,50 €`. Ids `123456` (int) or `cust123456` (str). "
         "Kit: `rk.load_transactions(FILE, customer_col=\"customer\", date_col=\"ordered_at\", "
         "amount_col=\"total\", decimal=...)` (european: also `date_format=\"%d/%m/%Y %H:%M\"`), then "
         "the three table functions. DuckDB: the file read and parsed in SQL (`queries.export_sql`) into a "
         "table, then the same three queries as above; \"load\" = that read into a pandas DataFrame. "
         "`check` = `retention-kit check FILE --kind transactions ...` in a fresh process (interpreter "
         "start and imports included), timed at the largest size only; \"check start-up\" = a fresh "
         "interpreter importing `retention_kit.cli`, the part of `check` that does not grow with the file."),
        "",
        "### Times (median seconds, [fastest - slowest])",
        "",
        "| file | ids | task | kit | DuckDB | check | check start-up | kit / DuckDB |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for res in results:
        data = f"{res['rows']:,} rows, {res['style']}"
        for ids in res["ids"]:
            for task, per in res["timings"].items():
                cells = [spread(per[f"{who} {ids}"]) if f"{who} {ids}" in per else ""
                         for who in ("kit", "duckdb", "check", "startup")]
                med = res["medians"][task]
                ratio = (f"{med[f'kit {ids}'] / med[f'duckdb {ids}']:.2f}" if f"duckdb {ids}" in med else "")
                lines.append(f"| {data} | {ids} | {task} | {' | '.join(cells)} | {ratio} |")
    lines += ["", "### Targets", "", "| file | target | measured | result |", "|---|---|---|---|"]
    for res in results:
        for row in targets(res):
            lines.append(f"| {res['rows']:,} rows, {res['style']} | {row['target']} | {row['measured']} | "
                         f"{row['result']} |")
    lines += [
        "",
        "### Peak memory",
        "",
        ("Loaded table = `df.memory_usage(deep=True).sum()` of what `load_transactions` returns. Peaks as in "
         "the section above; tracemalloc does not see Arrow's memory pool, so for the load the fresh-process "
         "RSS is the better measure. The target uses the larger of the two."),
        "",
        "| file | ids | file size | loaded table | step | peak (tracemalloc) | peak (RSS, fresh process) | larger / table |",
        "|---|---|---:|---:|---|---:|---:|---:|",
    ]
    for res in results:
        for ids in res["ids"]:
            loaded = res["loaded_bytes"][ids]
            for name, mem in res["memory"][ids].items():
                rss = mem.get("rss_peak_delta_bytes")
                lines.append(f"| {res['rows']:,} rows, {res['style']} | {ids} | {mib(res['files'][ids]['bytes'])} | "
                             f"{mib(loaded)} | `{name}` | {mib(mem['tracemalloc_peak_bytes'])} | "
                             f"{'' if rss is None else mib(rss)} | {peak_bytes(mem) / loaded:.2f} |")
    lines += ["", "### Checks", ""]
    for res in results:
        for ids, checks in res["checks"].items():
            for name, text in checks.items():
                lines.append(f"- {res['rows']:,} rows, {res['style']}, {ids} ids, `{name}`: {text}.")
    return lines


# -- fresh-process memory probe --------------------------------------------------------------------


def _rss_probe_main(step: str, path: str, style: str) -> None:
    """One step once, after a warm-up on the file's first 1,000 rows, so that modules the
    step imports on first use and one-off caches do not count as its memory."""
    source = Path(path)
    with source.open(encoding="utf-8") as f:
        head = "".join(line for _, line in zip(range(1_001), f))
    sample = Path(tempfile.mkdtemp()) / source.name
    sample.write_text(head, encoding="utf-8")
    if step == "load":
        kit_load(sample, style)
        print(json.dumps(rss_rise(kit_load, source, style)))
    else:
        KIT_FUNCTIONS[step](kit_load(sample, style))
        tx = kit_load(source, style)
        print(json.dumps(rss_rise(KIT_FUNCTIONS[step], tx)))
    shutil.rmtree(sample.parent)


if __name__ == "__main__":
    if sys.argv[1:2] != ["--rss-probe"] or len(sys.argv) != 5:
        raise SystemExit("usage: e2e.py --rss-probe STEP FILE STYLE (run.py runs this section)")
    _rss_probe_main(*sys.argv[2:])
