"""Bigger than memory: the table functions on a Parquet lake through DuckDB and Polars (issue 15).

Usage::

    python benchmarks/scale.py                          # 100M transactions, 10M customers
    python benchmarks/scale.py --rows 10m --spark-rows 1m   # a quicker run
    python benchmarks/scale.py --rows 1m --no-spark      # a smoke run

The committed generator writes the transactions as a folder of Parquet files (customer
id int64, purchase timestamp, amount; one customer per 10 rows, dates over 2022-2024)
into ``benchmarks/results/lake/<rows>/`` (git-ignored, reused between runs). Each
measurement runs in a fresh Python process, which opens the lake lazily
(``duckdb.read_parquet`` / ``polars.scan_parquet``), calls the kit's function on it and
reports its wall time and its peak resident memory (``ru_maxrss``): ``rfm_summary``
(weekly, 10M rows returned), ``cohort_table`` (monthly) and ``customer_counts`` (monthly,
90-day rule). DuckDB runs with ``threads=2`` and ``memory_limit`` (default 5 GB) so it
spills instead of growing; Polars collects with its streaming engine. PySpark
(``local[2]``, 4 GB driver) runs the same calls at ``--spark-rows`` for reference.
Every engine's result is checked against DuckDB's (equal tables) before the numbers
count. Results go to ``OUT/scale.md`` and ``OUT/scale.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
END = "2024-12-31"
ACTIVE_DAYS = 90
CALLS = ("rfm_summary", "cohort_table", "customer_counts")
ROWS_PER_FILE = 10_000_000
LIMIT_BYTES = 8 * 1024**3  # the ceiling for the whole run


def parse_rows(text: str) -> int:
    t = text.strip().lower()
    factor = {"k": 1_000, "m": 1_000_000}.get(t[-1:], 1)
    return int(float(t[:-1] if t[-1:] in "km" else t) * factor)


def label(rows: int) -> str:
    return f"{rows // 1_000_000}m" if rows % 1_000_000 == 0 else f"{rows // 1_000}k"


# -- the generator -------------------------------------------------------------------------


def generate(folder: Path, rows: int, seed: int = 0) -> Path:
    """Write ``rows`` transactions of ``rows // 10`` customers as Parquet files of at most
    10M rows each; skip files that exist (an interrupted run resumes)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    customers = max(rows // 10, 1)
    start = np.datetime64("2022-01-01T00:00:00", "s").astype(np.int64)
    span = int(np.datetime64("2025-01-01T00:00:00", "s").astype(np.int64) - start)
    done = 0
    part = 0
    while done < rows:
        n = min(ROWS_PER_FILE, rows - done)
        path = folder / f"part-{part:04d}.parquet"
        if not path.exists():
            rng = np.random.default_rng([seed, part])
            # each customer's purchases cluster after a first date: half the rows fall in the
            # year after a per-customer start, the rest anywhere in the three years
            ids = rng.integers(0, customers, n, dtype=np.int64)
            first = (np.random.default_rng([seed, 10**6]).random(customers) * span * 0.8).astype(np.int64)
            offset = np.where(rng.random(n) < 0.5, rng.exponential(60 * 86400, n), rng.random(n) * span)
            seconds = np.minimum(first[ids] + offset.astype(np.int64), span - 1) + start
            table = pa.table({
                "customer_id": ids,
                "date": pa.array(seconds.astype("datetime64[s]").astype("datetime64[us]")),
                "amount": np.round(rng.gamma(2.0, 25.0, n), 2),
            })
            tmp = path.with_suffix(".tmp")
            pq.write_table(table, tmp, row_group_size=1_000_000, compression="zstd")
            tmp.rename(path)
            del table, ids, seconds, offset
        done += n
        part += 1
    return folder


# -- one measurement, in a fresh process ---------------------------------------------------------


def worker(engine: str, call: str, folder: str, memory_limit: str, spark_memory: str, out: str | None) -> None:
    import retention_kit as rk

    glob = str(Path(folder) / "*.parquet")
    started = time.perf_counter()
    if engine == "duckdb":
        import duckdb

        con = duckdb.connect()
        con.execute(f"SET threads=2; SET memory_limit='{memory_limit}'; SET preserve_insertion_order=false")
        table = con.read_parquet(glob)
    elif engine == "polars":
        import polars as pl

        table = pl.scan_parquet(glob)
    elif engine == "spark":
        from pyspark.sql import SparkSession

        spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
                 .config("spark.driver.memory", spark_memory).config("spark.sql.session.timeZone", "UTC")
                 .config("spark.sql.shuffle.partitions", "8").getOrCreate())
        spark.sparkContext.setLogLevel("ERROR")
        table = spark.read.parquet(glob)
        started = time.perf_counter()  # the JVM start is not the query's time
    else:
        raise SystemExit(f"unknown engine {engine}")
    if call == "rfm_summary":
        result = rk.rfm_summary(table, freq="W", observation_end=END)
    elif call == "cohort_table":
        result = rk.cohort_table(table, freq="M", observation_end=END)
    elif call == "customer_counts":
        result = rk.customer_counts(table, freq="M", active_days=ACTIVE_DAYS, observation_end=END)
    else:
        raise SystemExit(f"unknown call {call}")
    seconds = time.perf_counter() - started
    if out:
        result.to_parquet(out)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    children = _children_peak()  # the JVM, for Spark (still running, so not in RUSAGE_CHILDREN)
    print(json.dumps({"seconds": seconds, "peak_rss_bytes": peak, "child_peak_rss_bytes": children,
                      "result_rows": len(result), "result_bytes": int(result.memory_usage(deep=True).sum())}))


def _children_peak() -> int:
    """Sum of the peak resident memory (VmHWM) of this process's live descendants, from /proc."""
    parent: dict[str, str] = {}
    peak: dict[str, int] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        pid = status.parent.name
        parent[pid] = fields.get("PPid", "").strip()
        if "VmHWM" in fields:
            peak[pid] = int(fields["VmHWM"].split()[0]) * 1024
    mine = {str(os.getpid())}
    grew = True
    while grew:
        more = {pid for pid, up in parent.items() if up in mine and pid not in mine}
        mine |= more
        grew = bool(more)
    mine.discard(str(os.getpid()))
    return sum(peak.get(pid, 0) for pid in mine)


def measure(engine: str, call: str, folder: Path, args: argparse.Namespace, keep: Path | None) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", engine, call, str(folder),
           "--memory-limit", args.memory_limit, "--spark-memory", args.spark_memory]
    if keep is not None:
        cmd += ["--keep", str(keep)]
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"{engine} {call} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def same(a: Path, b: Path) -> bool:
    import pandas as pd

    x, y = pd.read_parquet(a), pd.read_parquet(b)
    if x.index.name == "customer_id":  # rfm: ids compared as text (int64 ids in the lake)
        x.index, y.index = x.index.astype(str), y.index.astype(str)
    try:
        pd.testing.assert_frame_equal(x, y, check_dtype=False, check_index_type=False, rtol=1e-9)
    except AssertionError:
        return False
    return True


def gib(n: float) -> str:
    return f"{n / 1024**3:.2f} GiB"


def markdown(report: dict) -> str:
    lines = [
        "# Bigger than memory: the kit on a Parquet lake",
        "",
        f"Command: `{report['command']}`; {report['started']}; {report['machine']}; load average "
        f"{report['load_start']} at the start, {report['load_end']} at the end; "
        f"{report['total_seconds'] / 60:.0f} minutes in all.",
        "",
        f"Lake: {report['rows']:,} transactions of {report['rows'] // 10:,} customers in "
        f"{report['files']} Parquet files ({gib(report['lake_bytes'])}). Each call runs in a fresh "
        f"process; DuckDB with threads=2 and memory_limit={report['memory_limit']}, Polars streaming. "
        "Time is the call's wall time from an opened lazy table to the pandas result; peak RSS is the "
        "process's plus its live children's (for Spark, the JVM's).",
        "",
        "| engine | rows | call | seconds | peak RSS | result rows | result size | equal to DuckDB |",
        "|---|---:|---|---:|---:|---:|---:|---|",
    ]
    for r in report["results"]:
        rss = r["peak_rss_bytes"] + r["child_peak_rss_bytes"]
        lines.append(
            f"| {r['engine']} | {r['rows']:,} | `{r['call']}` | {r['seconds']:.1f} | {gib(rss)} | "
            f"{r['result_rows']:,} | {r['result_bytes'] / 1024**2:.1f} MiB | {r['equal']} |"
        )
    lines += ["", f"Largest peak RSS of any call: {gib(report['max_rss'])} (ceiling {gib(LIMIT_BYTES)}): "
              f"{'within' if report['max_rss'] <= LIMIT_BYTES else 'OVER'}.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default="100m", help="transactions in the lake (default 100m; customers = rows/10)")
    parser.add_argument("--spark-rows", default="10m", help="lake size for the Spark reference run (default 10m)")
    parser.add_argument("--no-spark", action="store_true", help="skip the Spark reference run")
    parser.add_argument("--engines", default="duckdb,polars", help="engines at --rows (default duckdb,polars)")
    parser.add_argument("--memory-limit", default="5GB", help="DuckDB memory_limit (default 5GB)")
    parser.add_argument("--spark-memory", default="4g", help="Spark driver memory (default 4g)")
    parser.add_argument("--lake", default=str(HERE / "results" / "lake"), help="folder of the generated lakes")
    parser.add_argument("--out", default=str(HERE / "results"), help="output folder (default benchmarks/results)")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--keep", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(*args.worker, args.memory_limit, args.spark_memory, args.keep)
        return 0
    import platform

    rows = parse_rows(args.rows)
    runs = [(engine.strip(), rows) for engine in args.engines.split(",") if engine.strip()]
    if not args.no_spark:
        runs.append(("spark", parse_rows(args.spark_rows)))
    started = time.time()
    report = {
        "command": " ".join(["python benchmarks/scale.py", *(argv if argv is not None else sys.argv[1:])]),
        "started": time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(started)),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}",
        "rows": rows,
        "memory_limit": args.memory_limit,
        "load_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "results": [],
    }
    out = Path(args.out)
    scratch = out / "scale-results"
    scratch.mkdir(parents=True, exist_ok=True)
    for size in sorted({n for _, n in runs}):
        t = time.time()
        folder = generate(Path(args.lake) / label(size), size)
        print(f"lake {label(size)}: {folder} ({time.time() - t:.0f} s)", flush=True)
    folder = Path(args.lake) / label(rows)
    files = sorted(folder.glob("*.parquet"))
    report["files"] = len(files)
    report["lake_bytes"] = sum(f.stat().st_size for f in files)
    for engine, size in runs:
        lake = Path(args.lake) / label(size)
        for call in CALLS:
            keep = scratch / f"{engine}-{label(size)}-{call}.parquet"
            result = measure(engine, call, lake, args, keep)
            reference = scratch / f"duckdb-{label(size)}-{call}.parquet"
            if engine != "duckdb" and not reference.exists():
                measure("duckdb", call, lake, args, reference)
            result.update(engine=engine, call=call, rows=size,
                          equal="reference" if engine == "duckdb" else ("yes" if same(reference, keep) else "NO"))
            report["results"].append(result)
            print(f"{engine:7s} {label(size):>5s} {call:16s} {result['seconds']:7.1f} s  "
                  f"peak {gib(result['peak_rss_bytes'] + result['child_peak_rss_bytes'])}  "
                  f"equal: {result['equal']}", flush=True)
            if result["equal"] == "NO":
                raise SystemExit(f"{engine} {call}: the result differs from DuckDB's")
    report["max_rss"] = max(r["peak_rss_bytes"] + r["child_peak_rss_bytes"] for r in report["results"])
    report["total_seconds"] = time.time() - started
    report["load_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    text = markdown(report)
    (out / "scale.md").write_text(text)
    (out / "scale.json").write_text(json.dumps(report, indent=2) + "\n")
    print("\n" + text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
