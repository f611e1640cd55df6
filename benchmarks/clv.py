"""CLV fits (issue 16): the kit's own likelihoods against lifetimes' fitters called directly.

For each size: a simulated log (``retention_kit.simulate``), its summary in weeks
(``freq="D", freq_multiplier=7``), then ``rk.fit_bgnbd`` / ``rk.fit_paretonbd`` (compressed,
the default) timed against ``lifetimes.BetaGeoFitter().fit`` / ``ParetoNBDFitter().fit``
on every customer (lifetimes' defaults), estimates compared (relative difference), and the
kit fit's tracemalloc peak against the summary's bytes. One run per contender (lifetimes'
fits take minutes at 1M customers).

    python benchmarks/clv.py --customers 100000
    python benchmarks/clv.py --customers 200000 --models paretonbd --lifetimes-tol 1e-10
    python benchmarks/run.py --only-clv --clv-customers 1000000
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
import warnings

import numpy as np

import retention_kit as rk
from retention_kit._compat import import_lifetimes

lifetimes = import_lifetimes()


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def _peak(fn) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def bench(customers: int, seed: int = 0, models: tuple[str, ...] = ("bgnbd", "paretonbd"), log=print,
          lifetimes_tol: float | None = None) -> list[dict]:
    tx = rk.simulate.simulate_transactions(customers, seed=seed)
    summary = rk.rfm_summary(tx, freq="D", freq_multiplier=7, observation_end="2024-12-31", monetary=False)
    del tx
    summary_bytes = int(summary.memory_usage(deep=True).sum())
    f, r, T = (summary[c].to_numpy() for c in ("frequency", "recency", "T"))
    rows = []
    spend = None
    for name in models:
        kit_fit = {"bgnbd": rk.fit_bgnbd, "paretonbd": rk.fit_paretonbd, "mbgnbd": rk.fit_mbgnbd,
                   "gamma_gamma": rk.fit_gamma_gamma}[name]
        fitter = {"bgnbd": lifetimes.BetaGeoFitter, "paretonbd": lifetimes.ParetoNBDFitter,
                  "mbgnbd": lifetimes.ModifiedBetaGeoFitter, "gamma_gamma": lifetimes.GammaGammaFitter}[name]
        data, data_bytes, columns = summary, summary_bytes, (f, r, T)
        if name == "gamma_gamma":  # the spend model: a summary with monetary values
            if spend is None:
                tx = rk.simulate.simulate_transactions(customers, seed=seed)
                spend = rk.rfm_summary(tx, freq="D", freq_multiplier=7, observation_end="2024-12-31")
                del tx
            data, data_bytes = spend, int(spend.memory_usage(deep=True).sum())
            repeat = (spend["frequency"] > 0).to_numpy() & (spend["monetary_value"] > 0).to_numpy()
            columns = (spend["frequency"].to_numpy()[repeat], spend["monetary_value"].to_numpy()[repeat])
        kit_fit(data)  # warm-up
        kit, kit_s = _timed(lambda: kit_fit(data))
        log(f"{name}: kit {kit_s:.2f} s; running lifetimes' plain fit ...")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            np.random.seed(seed)
            options = {} if lifetimes_tol is None else {"tol": lifetimes_tol, "maxiter": 20000}
            try:
                ref, ref_s = _timed(lambda: fitter().fit(*columns, **options))
            except lifetimes.utils.ConvergenceError:
                log(f"{name}: lifetimes' fit did not converge with {options or 'its defaults'}; no comparison")
                continue
        rel = float(np.max(np.abs(kit.params_.to_numpy() / ref.params_[kit.params_.index].to_numpy() - 1)))
        peak = _peak(lambda: kit_fit(data))
        rows.append({"model": name, "customers": customers, "unique_rows": len(kit.data),
                     "kit_s": kit_s, "lifetimes_s": ref_s, "ratio": ref_s / kit_s, "max_rel_diff": rel,
                     "peak_bytes": peak, "summary_bytes": data_bytes, "peak_ratio": peak / data_bytes,
                     "kit": kit.params_.to_dict(), "lifetimes": ref.params_.to_dict(),
                     "lifetimes_tol": lifetimes_tol})
        log(f"{name}: {customers:,} customers ({len(kit.data):,} unique rows): kit {kit_s:.2f} s, lifetimes "
            f"{ref_s:.2f} s, {ref_s / kit_s:.1f}x; estimates differ by {rel:.1e} relative; kit peak "
            f"{peak / 2**20:.1f} MiB = {peak / data_bytes:.2f}x the summary ({data_bytes / 2**20:.1f} MiB)")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--models", default="bgnbd,paretonbd",
                        help="comma-separated, of bgnbd, paretonbd, mbgnbd, gamma_gamma (default bgnbd,paretonbd)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lifetimes-tol", type=float, default=None,
                        help="run lifetimes' optimiser to this tolerance (default: lifetimes' own, 1e-4), "
                             "to compare the estimates with a converged fit")
    args = parser.parse_args(argv)
    bench(args.customers, args.seed, tuple(args.models.split(",")), lifetimes_tol=args.lifetimes_tol)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
