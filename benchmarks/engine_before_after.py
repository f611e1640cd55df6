"""Time and memory of the kit's table functions with an older ``_engine.py`` versus the
current one, in the same process on the same data.

    python benchmarks/engine_before_after.py --ref f4bc04a [--sizes 1m,10m] [--ids int,str] [--repeats 5]

``--ref`` is a git revision whose ``retention_kit/_engine.py`` is the "before" (read with
``git show``, nothing is checked out). The older engine's functions are swapped into
``retention_kit._engine`` for the "before" runs (the kit's modules call them through that
module), so everything else is the current code. Each function's outputs under both
engines are compared (counts exactly, money to 1e-12 relative) before timing.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import types
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402  (benchmarks/run.py: the functions measured, timing and tracemalloc helpers)

from retention_kit import _engine  # noqa: E402
from retention_kit.simulate import simulate_transactions  # noqa: E402


def load_engine(ref: str) -> types.ModuleType:
    source = subprocess.run(["git", "show", f"{ref}:retention_kit/_engine.py"], capture_output=True, text=True,
                            cwd=HERE, check=True).stdout
    module = types.ModuleType("_engine_before")
    exec(compile(source, f"{ref}:retention_kit/_engine.py", "exec"), module.__dict__)
    return module


class using:
    """Context manager: the kit calls ``engine``'s public functions while inside."""

    def __init__(self, engine: types.ModuleType):
        self.engine = engine

    def __enter__(self):
        self.saved = {name: getattr(_engine, name) for name in _engine.__all__}
        for name in _engine.__all__:
            if hasattr(self.engine, name):  # functions the older engine did not have stay current
                setattr(_engine, name, getattr(self.engine, name))

    def __exit__(self, *exc):
        for name, fn in self.saved.items():
            setattr(_engine, name, fn)


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12, atol=0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ref", required=True, help="git revision holding the 'before' engine")
    parser.add_argument("--sizes", default="1m,10m")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ids", default="int", help="customer id types to run: int, str or int,str")
    args = parser.parse_args()
    before = load_engine(args.ref)
    after = types.ModuleType("_engine_after")
    after.__dict__.update({name: getattr(_engine, name) for name in _engine.__all__})
    print("| data | function | before (s) | after (s) | speed-up | before peak / input | after peak / input |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for size, id_type in ((s, i) for s in args.sizes.split(",") for i in args.ids.split(",")):
        _, customers = run.parse_size(size)
        tx = simulate_transactions(customers, seed=args.seed, id_type=id_type)
        input_bytes = tx.memory_usage(deep=True).sum()
        for name, fn in run.KIT_FUNCTIONS.items():
            with using(before):
                old = fn(tx)
            new = fn(tx)
            same(old, new)
            del old, new
            times = {"before": [], "after": []}
            for _ in range(args.repeats):
                for key, engine in (("before", before), ("after", after)):
                    with using(engine):
                        times[key].append(run.timed(fn, tx)[0])
            peaks = {}
            for key, engine in (("before", before), ("after", after)):
                with using(engine):
                    peaks[key] = run.tracemalloc_peak(fn, tx)
            b, a = statistics.median(times["before"]), statistics.median(times["after"])
            print(f"| {len(tx):,} rows, {id_type} ids | `{name}` | {b:.3f} | {a:.3f} | {b / a:.1f}x | "
                  f"{peaks['before'] / input_bytes:.2f} | {peaks['after'] / input_bytes:.2f} |", flush=True)
        del tx
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
