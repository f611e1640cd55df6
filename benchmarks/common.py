"""What the benchmark sections measure and how: the kit calls, timing, peak memory, formatting.

Shared by ``run.py`` (in-memory tables), ``e2e.py`` (export file to tables) and
``engine_before_after.py``.
"""

from __future__ import annotations

import ctypes
import gc
import json
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pandas as pd

import retention_kit as rk

END = "2024-12-31"  # the simulated log covers 2022-01-01..2024-12-31
ACTIVE_DAYS = 90


# -- the work being measured ---------------------------------------------------------------


def kit_rfm(tx: pd.DataFrame) -> pd.DataFrame:
    return rk.rfm_summary(tx, freq="W", observation_end=END)


def kit_counts(tx: pd.DataFrame) -> pd.DataFrame:
    return rk.customer_counts(tx, freq="M", active_days=ACTIVE_DAYS, observation_end=END)


def kit_cohorts(tx: pd.DataFrame) -> pd.DataFrame:
    return rk.cohort_table(tx, freq="M", observation_end=END)


KIT_FUNCTIONS = {"rfm_summary": kit_rfm, "customer_counts": kit_counts, "cohort_table": kit_cohorts}


def parse_size(text: str) -> tuple[str, int]:
    """'1m' -> ('1m', 1_000_000 rows); '100k' -> ('100k', 100_000); at least 1k."""
    t = text.strip().lower()
    factor = {"k": 1_000, "m": 1_000_000}.get(t[-1:], 1)
    number = float(t[:-1]) if t[-1:] in ("k", "m") else float(t)
    rows = int(number * factor)
    if rows < 1_000:
        raise SystemExit(f"size {text!r} is too small (at least 1k rows)")
    return t, rows


# -- measuring -----------------------------------------------------------------------------


def timed(fn, *args):
    gc.collect()
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def race(contenders: dict, repeats: dict) -> dict[str, list[float]]:
    """Run each contender ``repeats[name]`` times, interleaved; wall-clock seconds."""
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for r in range(max(repeats.values())):
        for name, fn in contenders.items():
            if r < repeats[name]:
                seconds, out = timed(fn)
                del out
                samples[name].append(seconds)
    return samples


def medians(timings: dict) -> dict:
    """``{task: {contender: samples}}`` -> the same with medians."""
    return {task: {who: statistics.median(s) for who, s in per.items()} for task, per in timings.items()}


def tracemalloc_peak(fn, *args) -> int:
    """Peak bytes allocated while ``fn`` runs, above what was allocated before (numpy and
    pandas report their array buffers to tracemalloc, so this covers the data; Arrow's own
    memory pool does not report to it)."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        out = fn(*args)
        peak = tracemalloc.get_traced_memory()[1] - base
        del out
    finally:
        tracemalloc.stop()
    return peak


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def rss_rise(fn, *args) -> dict:
    """Release freed heap, reset the peak RSS, run ``fn`` once and report the rise of the
    peak resident set (Linux only; meant for a fresh process, see :func:`rss_probe`)."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:
        pass
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    base = _status_kib("VmRSS")
    out = fn(*args)
    peak = _status_kib("VmHWM")
    del out
    return {"rss_base_bytes": base * 1024, "rss_peak_delta_bytes": (peak - base) * 1024}


def rss_probe(script: Path, arguments: list[str]) -> dict:
    """Run ``script --rss-probe ...`` in a fresh process and read the JSON line it prints
    last (the result of :func:`rss_rise`), or the error it ended with."""
    cmd = [sys.executable, str(script), "--rss-probe", *arguments]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"error": (done.stderr or done.stdout).strip().splitlines()[-1:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- reporting --------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def mib(b: float) -> str:
    return f"{b / 2**20:,.1f} MiB" if b < 10 * 2**20 else f"{b / 2**20:,.0f} MiB"


def spread(samples: list[float]) -> str:
    return f"{statistics.median(samples):.3f}<br>[{min(samples):.3f} - {max(samples):.3f}]"
