"""Performance benchmark of retention-kit at analyst scale (issues 8 and 12).

Run from the repository root::

    python benchmarks/run.py                      # both sections, every size and id type
    python benchmarks/run.py --skip-e2e           # in memory only, 7 repeats: about 9 minutes
    python benchmarks/run.py --sizes 1m --repeats 3 --skip-e2e
    python benchmarks/run.py --sizes 100k --e2e-sizes 100k   # a quick smoke run (10,000 customers)
    python benchmarks/run.py --only-e2e --e2e-sizes 1m

The end-to-end section (export file to tables, ``e2e.py``, files from ``exports.py``) is
described in ``e2e.py``; what follows is the in-memory section.

Sizes name the approximate number of transactions; the generator
(:func:`retention_kit.simulate.simulate_transactions`, seeded) makes one customer per ten
transactions: ``1m`` = 100,000 customers (about 1M rows), ``10m`` = 1,000,000 customers
(about 10M rows).

For each size it measures, side by side in the same process and in interleaved order
(kit, then the competitors, in every repeat, so background load hits all of them alike):

- ``rk.rfm_summary(freq="W")`` vs ``lifetimes.utils.summary_data_from_transaction_data``
  (``freq="W"``) vs the same aggregation as one DuckDB SQL query on the same DataFrame;
- ``rk.customer_counts(freq="M", active_days=90)`` and ``rk.cohort_table(freq="M")`` vs
  equivalent DuckDB SQL (``benchmarks/queries.py``);
- ``rk.fit_bgnbd(summary)`` (compressed sufficient statistics) vs
  ``rk.fit_bgnbd(summary, compress=False)`` (lifetimes' plain fit), estimates compared to
  1e-4 relative;
- the peak memory of each kit function against its input DataFrame's own memory.

Before timing, every pair of competitors is run once and their outputs are compared
(kit = DuckDB = lifetimes); any difference stops the benchmark with an error. Times are
medians of wall-clock time (``time.perf_counter``) over the repeats, after that untimed
verification run (which also warms caches). DuckDB runs with its default number of
threads; numpy and pandas run single-threaded.

Results go to ``OUT/benchmark.md`` and ``OUT/benchmark.json`` (all samples, machine facts).
This file is not a test: pytest never collects it (it is outside the test paths).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
import warnings
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import common  # noqa: E402  (benchmarks/common.py, next to this file)
import e2e  # noqa: E402  (benchmarks/e2e.py: the end-to-end section)
import queries  # noqa: E402  (benchmarks/queries.py)
from common import (  # noqa: E402
    ACTIVE_DAYS, END, KIT_FUNCTIONS, kit_cohorts, kit_counts, kit_rfm, medians, mib, race, rss_rise, spread,
    timed, tracemalloc_peak, verdict,
)

import retention_kit as rk  # noqa: E402
from retention_kit._compat import import_lifetimes  # noqa: E402
from retention_kit.simulate import simulate_transactions  # noqa: E402

lifetimes = import_lifetimes()
from lifetimes.utils import summary_data_from_transaction_data  # noqa: E402

FIT_RTOL = 1e-4
TARGETS = {
    "rfm_vs_lifetimes": 10.0,  # kit at least 10x faster than lifetimes
    "vs_duckdb": 1.5,  # kit time at most 1.5x DuckDB's
    "fit_speedup": 20.0,  # compressed fit at least 20x faster than the plain fit (1M customers)
    "memory": 3.0,  # peak at most 3x the input DataFrame's memory
}


# -- the work being measured (the kit calls are in common.py) ----------------------------


def lifetimes_rfm(tx: pd.DataFrame) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return summary_data_from_transaction_data(
            tx, "customer_id", "date", monetary_value_col="amount", observation_period_end=END, freq="W"
        )


# -- measuring (timing and memory helpers are in common.py) -------------------------------


def rss_probe(function: str, customers: int, seed: int, ids: str) -> dict:
    """In a fresh process: build the data, then :func:`common.rss_rise` of one kit function."""
    return common.rss_probe(Path(__file__).resolve(), [function, "--probe-customers", str(customers),
                                                       "--seed", str(seed), "--ids", ids])


def _rss_probe_main(function: str, customers: int, seed: int, ids: str) -> None:
    tx = simulate_transactions(customers, seed=seed, id_type=ids)
    print(json.dumps(rss_rise(KIT_FUNCTIONS[function], tx)))


def fit_params(fitter) -> dict[str, float]:
    return {k: float(v) for k, v in fitter.params_.items()}


# -- machine facts ---------------------------------------------------------------------------


def machine_facts() -> dict:
    import lifetimes as lt
    import scipy

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_total = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_total = int(line.split()[1]) * 1024
    except OSError:
        pass
    con = duckdb.connect()
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    con.close()
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=HERE, check=False).stdout.strip() or None
    except OSError:
        commit = None
    return {
        "cpu": cpu,
        "logical_cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory_bytes": mem_total,
        "os": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "duckdb": duckdb.__version__,
        "duckdb_threads": threads,
        "lifetimes": lt.__version__,
        "scipy": scipy.__version__,
        "retention_kit": rk.__version__,
        "git_commit": commit,
    }


# -- one data size --------------------------------------------------------------------------


def parse_size(text: str) -> tuple[str, int]:
    """'1m' -> ('1m', 100_000 customers); '10m' -> 1_000_000; '100k' -> 10_000."""
    label, transactions = common.parse_size(text)
    return label, transactions // 10


def bench_size(label: str, customers: int, ids: str, args: argparse.Namespace, log) -> dict:
    log(f"\n== {label}: {customers:,} customers, {ids} ids ==")
    seconds, tx = timed(lambda: simulate_transactions(customers, seed=args.seed, id_type=ids))
    input_bytes = int(tx.memory_usage(deep=True).sum())
    log(f"generated {len(tx):,} rows in {seconds:.1f} s; input DataFrame {input_bytes / 2**20:,.0f} MiB")
    result: dict = {
        "label": label, "customers": customers, "rows": len(tx), "input_bytes": input_bytes,
        "generate_seconds": seconds, "ids": ids,
    }
    con = duckdb.connect()
    con.register("tx", tx)

    def sql(query: str):
        return lambda: con.execute(query).df()

    q = queries.table_queries(END, ACTIVE_DAYS)
    rfm_q, counts_q, cohort_q = q["rfm_summary"], q["customer_counts"], q["cohort_table"]

    # 1. verify once: the kit, DuckDB and lifetimes agree (this run also warms up)
    log("verifying outputs (kit = DuckDB = lifetimes) ...")
    checks = {}
    kit_summary = kit_rfm(tx)
    queries.check_rfm(kit_summary, sql(rfm_q)(), lifetimes_rfm(tx))
    checks["rfm_summary"] = "equal to DuckDB and lifetimes (counts and times exactly, money to 1e-9)"
    queries.check_counts(kit_counts(tx), sql(counts_q)())
    checks["customer_counts"] = "equal to DuckDB (every count exactly, CRR to 1e-12)"
    queries.check_cohorts(kit_cohorts(tx), sql(cohort_q)())
    checks["cohort_table"] = "equal to DuckDB (every cell and size, to 1e-12)"
    result["checks"] = checks
    log("  all outputs equal")

    # 2. timings, interleaved
    slow = min(args.slow_repeats, args.repeats)
    timings = {}
    log(f"timing rfm_summary ({args.repeats} repeats; lifetimes {slow}) ...")
    timings["rfm_summary"] = race(
        {"kit": lambda: kit_rfm(tx), "duckdb": sql(rfm_q), "lifetimes": lambda: lifetimes_rfm(tx)},
        {"kit": args.repeats, "duckdb": args.repeats, "lifetimes": slow},
    )
    log(f"timing customer_counts and cohort_table ({args.repeats} repeats) ...")
    timings["customer_counts"] = race(
        {"kit": lambda: kit_counts(tx), "duckdb": sql(counts_q)}, {"kit": args.repeats, "duckdb": args.repeats})
    timings["cohort_table"] = race(
        {"kit": lambda: kit_cohorts(tx), "duckdb": sql(cohort_q)}, {"kit": args.repeats, "duckdb": args.repeats})

    # 3. BG/NBD: compressed vs plain, same summary
    unique = len(kit_summary[["frequency", "recency", "T"]].drop_duplicates())
    log(f"fitting BG/NBD on {len(kit_summary):,} customers ({unique:,} distinct rows) ...")
    compressed = rk.fit_bgnbd(kit_summary)
    plain = rk.fit_bgnbd(kit_summary, compress=False)
    a, b = fit_params(compressed), fit_params(plain)
    rel = max(abs(a[k] - b[k]) / abs(b[k]) for k in a)
    if not rel <= FIT_RTOL:
        raise SystemExit(f"FAILED: compressed and plain BG/NBD estimates differ by {rel:.2e} relative: {a} vs {b}")
    timings["fit_bgnbd"] = race(
        {"compressed": lambda: rk.fit_bgnbd(kit_summary), "plain": lambda: rk.fit_bgnbd(kit_summary, compress=False)},
        {"compressed": args.repeats, "plain": slow},
    )
    result["fit"] = {"customers": len(kit_summary), "distinct_rows": unique, "params_compressed": a,
                     "params_plain": b, "max_relative_difference": rel}
    result["timings"] = timings
    result["medians"] = medians(timings)

    # 4. memory
    log("measuring peak memory (tracemalloc; then RSS in fresh processes) ...")
    memory = {}
    for name, fn in KIT_FUNCTIONS.items():
        memory[name] = {"input_bytes": input_bytes, "input": "transactions", "tracemalloc_peak_bytes": tracemalloc_peak(fn, tx)}
    summary_bytes = int(kit_summary.memory_usage(deep=True).sum())
    memory["fit_bgnbd"] = {"input_bytes": summary_bytes, "input": "rfm summary",
                           "tracemalloc_peak_bytes": tracemalloc_peak(rk.fit_bgnbd, kit_summary)}
    con.close()
    if not args.no_rss:
        for name in KIT_FUNCTIONS:
            memory[name].update(rss_probe(name, customers, args.seed, ids))
    result["memory"] = memory
    for line in size_report(result):
        log("  " + line)
    return result


# -- reporting --------------------------------------------------------------------------------


def size_targets(res: dict) -> list[dict]:
    m = res["medians"]
    rows = []
    kit, lt, db = m["rfm_summary"]["kit"], m["rfm_summary"]["lifetimes"], m["rfm_summary"]["duckdb"]
    rows.append({"target": "rfm_summary >= 10x faster than lifetimes", "value": lt / kit,
                 "measured": f"{lt / kit:.1f}x ({kit:.3f} s vs {lt:.3f} s)",
                 "result": verdict(lt / kit >= TARGETS["rfm_vs_lifetimes"])})
    for task in ("rfm_summary", "customer_counts", "cohort_table"):
        kit, db = m[task]["kit"], m[task]["duckdb"]
        rows.append({"target": f"{task} <= 1.5x DuckDB's time", "value": kit / db,
                     "measured": f"{kit / db:.2f}x ({kit:.3f} s vs {db:.3f} s)",
                     "result": verdict(kit / db <= TARGETS["vs_duckdb"])})
    c, p = m["fit_bgnbd"]["compressed"], m["fit_bgnbd"]["plain"]
    applies = res["customers"] >= 1_000_000
    rows.append({"target": "compressed BG/NBD fit >= 20x faster than plain" + ("" if applies else " (target set at 1M customers)"),
                 "value": p / c, "measured": f"{p / c:.1f}x ({c:.2f} s vs {p:.2f} s)",
                 "result": verdict(p / c >= TARGETS["fit_speedup"]) if applies else "info"})
    for name, mem in res["memory"].items():
        ratio = mem["tracemalloc_peak_bytes"] / mem["input_bytes"]
        rows.append({"target": f"{name} peak memory <= 3x its input", "value": ratio,
                     "measured": f"{ratio:.2f}x ({mib(mem['tracemalloc_peak_bytes'])} over {mib(mem['input_bytes'])} {mem['input']})",
                     "result": verdict(ratio <= TARGETS["memory"])})
    return rows


def size_report(res: dict) -> list[str]:
    return [f"{r['result']:4s}  {r['target']}: {r['measured']}" for r in size_targets(res)]


def markdown(report: dict) -> str:
    f = report["machine"]
    lines = [
        "# retention-kit performance benchmark",
        "",
        f"Command: `{report['command']}`  ",
        (f"Run: {report['started']}, {report['total_seconds'] / 60:.1f} minutes in all. "
         f"Repeats: {report['repeats']} (lifetimes' summary and the plain BG/NBD fit: {report['slow_repeats']}; "
         f"end to end: {report['e2e_repeats']}); "
         "times are medians of wall-clock seconds, after one untimed run that verified the outputs equal."),
        "",
        (f"Machine: {f['cpu']}, {f['usable_cores']} usable cores ({f['logical_cores']} logical), "
         f"{(f['memory_bytes'] or 0) / 2**30:.1f} GiB memory; {f['os']}.  "),
        (f"Python {f['python']}, numpy {f['numpy']}, pandas {f['pandas']}, DuckDB {f['duckdb']} "
         f"(threads={f['duckdb_threads']}), lifetimes {f['lifetimes']}, scipy {f['scipy']}; "
         f"retention-kit {f['retention_kit']} at commit {f['git_commit']} (plus working-tree changes, if any).  "),
        (f"Load average at start / end: {report['load_start']} / {report['load_end']} "
         "(other processes on the machine add noise; the contenders run interleaved so they share it)."),
        "",
    ]
    if report["sizes"]:
        lines += in_memory_markdown(report)
    if report["e2e"]:
        lines += [*e2e.markdown(report["e2e"]), ""]
    return "\n".join(lines)


def in_memory_markdown(report: dict) -> list[str]:
    """The section on in-memory DataFrames (issue 8)."""
    lines = [
        "## In memory: table functions on a DataFrame (issue 8)",
        "",
        ("Data: `retention_kit.simulate.simulate_transactions(n_customers, seed=0, id_type=...)` (BG/NBD "
         f"purchases, Gamma-Gamma amounts, 2022-01-01..2024-12-31), observation end {END}. Customer ids: "
         "`int` = int64 (an auto-increment key, 8 bytes a row); `str` = Python strings such as "
         "`'C0000001'` in pandas' `str` dtype, which is what `load_transactions` gives when pyarrow is not "
         "installed (about 60 bytes a row)."),
        "",
        "### Times (median seconds)",
        "",
        ("Median of the repeats, [fastest - slowest] below it. The spread comes from the machine "
         "(page faults of large fresh allocations cost more kernel time at some moments than at "
         "others on this VM); medians decide the targets."),
        "",
        "| data | task | kit | DuckDB SQL | lifetimes | kit / DuckDB | lifetimes / kit |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for res in report["sizes"]:
        m = res["medians"]
        data = f"{res['rows']:,} rows / {res['customers']:,} customers, {res['ids']} ids"
        for task, call in (("rfm_summary", 'rfm_summary(freq="W")'), ("customer_counts", 'customer_counts(freq="M", active_days=90)'),
                           ("cohort_table", 'cohort_table(freq="M")')):
            kit, db = m[task]["kit"], m[task]["duckdb"]
            lt = m[task].get("lifetimes")
            cells = [spread(res["timings"][task][who]) if who in res["timings"][task] else ""
                     for who in ("kit", "duckdb", "lifetimes")]
            lines.append(f"| {data} | `{call}` | {cells[0]} | {cells[1]} | {cells[2]} | "
                         f"{kit / db:.2f} | {'' if lt is None else f'{lt / kit:.1f}'} |")
        c, p = m["fit_bgnbd"]["compressed"], m["fit_bgnbd"]["plain"]
        fit = res["fit"]
        lines.append(f"| {data} | BG/NBD fit, {fit['customers']:,} customers ({fit['distinct_rows']:,} distinct rows): "
                     f"compressed {c:.2f} s, plain (lifetimes) {p:.2f} s | | | | | plain / compressed {p / c:.1f} |")
    lines += ["", "### Targets (issue 8)", "", "| data | target | measured | result |", "|---|---|---|---|"]
    for res in report["sizes"]:
        data = f"{res['rows'] / 1e6:.1f}M rows, {res['ids']} ids"
        for row in size_targets(res):
            lines.append(f"| {data} | {row['target']} | {row['measured']} | {row['result']} |")
    lines += [
        "",
        "### Peak memory",
        "",
        ("Peak = the most memory held at once while the function runs, above what was held before it "
         "started (its output included). Primary method: `tracemalloc` (numpy and pandas report every "
         "array buffer to it). Cross-check: a fresh process builds the data, returns freed heap to the "
         "system (`malloc_trim`), resets its peak resident set (`/proc/self/clear_refs`), runs the "
         "function once and reports the rise of `VmHWM`; it counts pages actually touched, so it can "
         "read lower than tracemalloc for zero-filled tables that are only partly written."),
        "",
        "| data | function | input | peak (tracemalloc) | peak / input | peak (RSS, fresh process) | peak / input |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for res in report["sizes"]:
        data = f"{res['rows'] / 1e6:.1f}M rows, {res['ids']} ids"
        for name, mem in res["memory"].items():
            rss = mem.get("rss_peak_delta_bytes")
            lines.append(
                f"| {data} | `{name}` | {mib(mem['input_bytes'])} ({mem['input']}) | {mib(mem['tracemalloc_peak_bytes'])} | "
                f"{mem['tracemalloc_peak_bytes'] / mem['input_bytes']:.2f} | {'' if rss is None else mib(rss)} | "
                f"{'' if rss is None else format(rss / mem['input_bytes'], '.2f')} |")
    lines += ["", "### Checks", ""]
    for res in report["sizes"]:
        for name, text in res["checks"].items():
            lines.append(f"- {res['rows'] / 1e6:.1f}M rows, {res['ids']} ids, `{name}`: {text}.")
        fit = res["fit"]
        lines.append(f"- {res['rows'] / 1e6:.1f}M rows, {res['ids']} ids, BG/NBD: compressed and plain estimates agree to "
                     f"{fit['max_relative_difference']:.1e} relative (required: {FIT_RTOL:g}).")
    return [*lines, ""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1m,10m",
                        help="comma-separated sizes in transactions (1m = 100,000 customers); default 1m,10m")
    parser.add_argument("--repeats", type=int, default=7, help="timed repeats per measurement (default 7)")
    parser.add_argument("--slow-repeats", type=int, default=3,
                        help="repeats for lifetimes' summary and the plain BG/NBD fit (default 3)")
    parser.add_argument("--out", default=str(HERE / "results"), help="output folder (default benchmarks/results)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ids", default="int,str",
                        help="customer id types to run, comma-separated: int and/or str; in memory int64 or "
                             "Python strings (as load_transactions gives without pyarrow), in the export "
                             "files 123456 or cust123456; default int,str")
    section = parser.add_mutually_exclusive_group()
    section.add_argument("--skip-e2e", action="store_true", help="skip the end-to-end section (export file to tables)")
    section.add_argument("--only-e2e", action="store_true", help="run only the end-to-end section")
    section.add_argument("--only-clv", action="store_true",
                         help="run only the CLV fits (benchmarks/clv.py): kit vs lifetimes' fitters, memory")
    parser.add_argument("--clv-customers", type=int, default=1_000_000,
                        help="customers in the --only-clv section (default 1,000,000)")
    parser.add_argument("--e2e-sizes", default="1m,5m,10m",
                        help="end-to-end file sizes in rows, comma-separated (default 1m,5m,10m)")
    parser.add_argument("--e2e-styles", default="plain,european",
                        help=f"export styles, comma-separated, of {', '.join(e2e.exports.STYLES)} (default: both)")
    parser.add_argument("--e2e-repeats", type=int, default=3, help="timed repeats in the end-to-end section (default 3)")
    parser.add_argument("--e2e-dir", default=str(e2e.exports.DEFAULT_DIR),
                        help="folder of the generated export files, reused between runs (default "
                             "benchmarks/results/files, git-ignored; 10m files are about 0.4 GB each)")
    parser.add_argument("--no-rss", action="store_true", help="skip the fresh-process RSS cross-check")
    parser.add_argument("--rss-probe", help=argparse.SUPPRESS)
    parser.add_argument("--probe-customers", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.only_clv:
        import clv  # benchmarks/clv.py, next to this file

        clv.bench(args.clv_customers, args.seed)
        return 0
    if args.rss_probe:
        _rss_probe_main(args.rss_probe, args.probe_customers, args.seed, args.ids)
        return 0
    id_types = [t.strip() for t in args.ids.split(",") if t.strip()]
    if not id_types or set(id_types) - {"int", "str"}:
        parser.error("--ids: expected int, str or int,str")
    if args.repeats < 1 or args.slow_repeats < 1 or args.e2e_repeats < 1:
        parser.error("--repeats, --slow-repeats and --e2e-repeats must be at least 1")
    styles = [s.strip() for s in args.e2e_styles.split(",") if s.strip()]
    if not styles or set(styles) - set(e2e.exports.STYLES):
        parser.error(f"--e2e-styles: expected a comma-separated subset of {', '.join(e2e.exports.STYLES)}")
    e2e_sizes = sorted({e2e.exports.parse_size(s) for s in args.e2e_sizes.split(",") if s.strip()},
                       key=lambda size: size[1])

    def log(text: str) -> None:
        print(text, flush=True)

    started = time.time()
    report = {
        "command": " ".join(["python benchmarks/run.py", *(argv if argv is not None else sys.argv[1:])]),
        "started": time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(started)),
        "repeats": args.repeats,
        "slow_repeats": min(args.slow_repeats, args.repeats),
        "e2e_repeats": args.e2e_repeats,
        "load_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "machine": machine_facts(),
        "targets": TARGETS,
        "e2e_targets": e2e.TARGETS,
        "sizes": [],
        "e2e": [],
    }
    log(f"machine: {report['machine']}")
    if not args.only_e2e:
        for ids in id_types:
            for size in args.sizes.split(","):
                label, customers = parse_size(size)
                report["sizes"].append(bench_size(label, customers, ids, args, log))
    if not args.skip_e2e:
        for label, _ in e2e_sizes:
            for style in styles:
                report["e2e"].append(e2e.bench_export(label, style, id_types, args, log,
                                                      with_check=label == e2e_sizes[-1][0]))
    report["load_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    report["total_seconds"] = time.time() - started
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    text = markdown(report)
    (out / "benchmark.md").write_text(text)
    (out / "benchmark.json").write_text(json.dumps(report, indent=2, default=float) + "\n")
    log("\n" + text)
    log(f"written: {out / 'benchmark.md'} and {out / 'benchmark.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
