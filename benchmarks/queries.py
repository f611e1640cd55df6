"""The benchmark's DuckDB side: SQL that computes the same numbers as the kit, and checks.

Each query reads the registered pandas DataFrame ``tx`` (canonical columns
``customer_id``, ``date``, ``amount``) in place, or in the end-to-end section a table
``tx`` made from an export file by :func:`export_sql`, and returns a pandas DataFrame, as
the kit does. The SQL is written the way a competent analyst would write it for speed (deduplicate
before expanding, no correlated work per row), so DuckDB stands for what the hardware can
do, not for a strawman.

The ``check_*`` functions compare a kit result with the SQL result (and lifetimes') and
raise ``AssertionError`` with the first difference: the benchmark runs them once per data
size and stops if any of them fails.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def rfm_sql(end: str) -> str:
    """``rfm_summary(freq="W", observation_end=end)``: weeks start on Monday, purchases in
    one week count once with their amounts summed, monetary value = mean repeat week."""
    return f"""
        WITH weekly AS (
            SELECT customer_id, date_trunc('week', date) AS w, sum(amount) AS v
            FROM tx
            WHERE date < DATE '{end}' + INTERVAL 1 DAY
            GROUP BY customer_id, w
        ),
        per_customer AS (
            SELECT customer_id, min(w) AS first_w, max(w) AS last_w, count(*) - 1 AS frequency,
                   sum(v) - arg_min(v, w) AS repeat_value
            FROM weekly
            GROUP BY customer_id
        )
        SELECT customer_id,
               frequency::DOUBLE AS frequency,
               datediff('day', first_w, last_w) / 7.0 AS recency,
               datediff('day', first_w, date_trunc('week', DATE '{end}')) / 7.0 AS T,
               CASE WHEN frequency > 0 THEN repeat_value / frequency ELSE 0.0 END AS monetary_value
        FROM per_customer
        ORDER BY customer_id
    """


def counts_sql(end: str, active_days: int) -> str:
    """``customer_counts(freq="M", active_days=A, observation_end=end)``.

    Month boundary ``j`` is the first day of month ``j`` counted from the month of the
    first purchase. A purchase on day ``d`` makes its customer active at every boundary
    ``b`` with ``d < b <= d + A``: boundaries ``month(d) + 1 .. month(d + A)``. Periods run
    to the last month that ends by ``end``.
    """
    return f"""
        WITH purchases AS (
            SELECT customer_id, CAST(date AS DATE) AS d FROM tx WHERE date < DATE '{end}' + INTERVAL 1 DAY
        ),
        bounds AS (
            SELECT date_trunc('month', min(d)) AS m0,
                   datediff('month', date_trunc('month', min(d)),
                            date_trunc('month', DATE '{end}' + INTERVAL 1 DAY)) AS n_periods
            FROM purchases
        ),
        spans AS (  -- boundaries covered by each purchase, deduplicated before expanding
            SELECT DISTINCT customer_id,
                   datediff('month', m0, d) + 1 AS lo,
                   least(datediff('month', m0, d + {int(active_days)}), n_periods) AS hi
            FROM purchases, bounds
        ),
        active AS (  -- customer active at boundary j
            SELECT DISTINCT customer_id, j
            FROM (SELECT customer_id, unnest(range(lo, hi + 1)) AS j FROM spans WHERE hi >= lo)
        ),
        firsts AS (
            SELECT customer_id, datediff('month', m0, min(d)) AS first_k
            FROM purchases, bounds GROUP BY customer_id, m0
        ),
        flags AS (
            SELECT a.customer_id, a.j,
                   coalesce(lag(a.j) OVER (PARTITION BY a.customer_id ORDER BY a.j) = a.j - 1, false)
                       AS was_active
            FROM active a
        ),
        at_end AS (  -- period k ends at boundary k + 1
            SELECT f.j - 1 AS k,
                   count(*) AS n_end,
                   count(*) FILTER (WHERE was_active) AS retained,
                   count(*) FILTER (WHERE NOT was_active AND c.first_k >= f.j - 1) AS new_active,
                   count(*) FILTER (WHERE NOT was_active AND c.first_k < f.j - 1) AS reactivated
            FROM flags f JOIN firsts c USING (customer_id)
            GROUP BY k
        ),
        at_start AS (SELECT j AS k, count(*) AS n_start FROM active GROUP BY j),
        acquired AS (SELECT first_k AS k, count(*) AS acquired FROM firsts GROUP BY first_k),
        periods AS (SELECT range AS k FROM bounds, range(0, n_periods))
        SELECT p.k,
               coalesce(s.n_start, 0) AS "start",
               coalesce(e.new_active, 0) AS new_active,
               coalesce(e.n_end, 0) AS "end",
               coalesce(e.retained, 0) AS retained,
               coalesce(e.reactivated, 0) AS reactivated,
               coalesce(s.n_start, 0) - coalesce(e.retained, 0) AS lost,
               CASE WHEN coalesce(s.n_start, 0) > 0
                    THEN 100.0 * (coalesce(e.n_end, 0) - coalesce(a.acquired, 0)) / s.n_start END AS crr,
               CASE WHEN coalesce(s.n_start, 0) > 0
                    THEN 100.0 * coalesce(e.retained, 0) / s.n_start END AS start_retention,
               coalesce(a.acquired, 0) AS acquired
        FROM periods p
        LEFT JOIN at_start s USING (k)
        LEFT JOIN at_end e USING (k)
        LEFT JOIN acquired a USING (k)
        ORDER BY p.k
    """


def cohort_sql(end: str) -> str:
    """``cohort_table(freq="M", observation_end=end)``: percent of each monthly cohort buying
    ``k`` months after its first month, plus the size-weighted average row."""
    return f"""
        WITH bounds AS (
            SELECT date_trunc('month', min(date)) AS m0,
                   date_trunc('month', DATE '{end}' + INTERVAL 1 DAY) AS m_end
            FROM tx
        ),
        pairs AS (  -- distinct (customer, month index) inside complete months
            SELECT DISTINCT customer_id, datediff('month', m0, date) AS p
            FROM tx, bounds
            WHERE date >= m0 AND date < m_end
        ),
        cohorts AS (SELECT customer_id, min(p) AS cohort FROM pairs GROUP BY customer_id),
        sizes AS (SELECT cohort, count(*) AS size FROM cohorts GROUP BY cohort),
        cells AS (
            SELECT c.cohort, p.p - c.cohort AS k, count(*) AS customers
            FROM pairs p JOIN cohorts c USING (customer_id)
            GROUP BY ALL
        ),
        n AS (SELECT datediff('month', m0, m_end) AS n_periods FROM bounds),
        weights AS (  -- customers of the cohorts that have completed offset k
            SELECT k.range AS k, sum(s.size) AS weight
            FROM n, range(0, n.n_periods) k JOIN sizes s ON s.cohort <= n.n_periods - 1 - k.range
            GROUP BY k.range
        )
        SELECT strftime(m0 + to_months(c.cohort), '%Y-%m') AS cohort, c.k, s.size,
               100.0 * c.customers / s.size AS pct
        FROM cells c JOIN sizes s USING (cohort), bounds
        UNION ALL
        SELECT 'weighted average', c.k, NULL, 100.0 * sum(c.customers) / any_value(w.weight)
        FROM cells c JOIN weights w USING (k)
        GROUP BY c.k
        ORDER BY cohort, k
    """


def table_queries(end: str, active_days: int) -> dict[str, str]:
    """The three queries by the name of the kit function they stand for."""
    return {"rfm_summary": rfm_sql(end), "customer_counts": counts_sql(end, active_days),
            "cohort_table": cohort_sql(end)}


def export_sql(path: str, style: str) -> str:
    """Read an order export of ``benchmarks/exports.py`` into the canonical columns.

    ``plain``: DuckDB's reader types the ISO timestamps and the amounts itself. ``european``
    (``31/12/2024 14:05``; ``1.234,50 €``): both columns are read as text and parsed in SQL,
    day first with ``strptime``, the amount by dropping the currency and the thousands dots
    and turning the decimal comma into a point. Customer ids are typed by DuckDB's sniffer
    (BIGINT for integer ids, VARCHAR for text ids).
    """
    quoted = str(path).replace("'", "''")
    if style == "plain":
        return f"""
            SELECT customer AS customer_id, ordered_at AS date, total AS amount
            FROM read_csv('{quoted}', header = true, delim = ',',
                          types = {{'ordered_at': 'TIMESTAMP', 'total': 'DOUBLE'}})
        """
    if style == "european":
        return f"""
            SELECT customer AS customer_id,
                   strptime(ordered_at, '%d/%m/%Y %H:%M') AS date,
                   CAST(replace(replace(replace(total, ' €', ''), '.', ''), ',', '.') AS DOUBLE) AS amount
            FROM read_csv('{quoted}', header = true, delim = ';',
                          types = {{'ordered_at': 'VARCHAR', 'total': 'VARCHAR'}})
        """
    raise ValueError(f"style={style!r}: expected 'plain' or 'european'")


# -- checks ------------------------------------------------------------------------------


def check_rfm(kit: pd.DataFrame, sql: pd.DataFrame, lifetimes: pd.DataFrame | None) -> None:
    """The kit's summary equals DuckDB's (and lifetimes'): integer-valued columns exactly,
    monetary value to 1e-9 relative (sums in a different order)."""
    sql = sql.set_index("customer_id")
    assert kit.index.equals(sql.index), "rfm: the customers differ between the kit and DuckDB"
    for col in ("frequency", "recency", "T"):
        assert np.array_equal(kit[col].to_numpy(), sql[col].to_numpy()), f"rfm: {col} differs from DuckDB"
    np.testing.assert_allclose(kit["monetary_value"], sql["monetary_value"], rtol=1e-9, atol=1e-9,
                               err_msg="rfm: monetary_value differs from DuckDB")
    if lifetimes is not None:
        ref = lifetimes.sort_index()
        assert np.array_equal(kit.index.to_numpy(), ref.index.to_numpy()), "rfm: customers differ from lifetimes"
        for col in ("frequency", "recency", "T", "monetary_value"):
            np.testing.assert_allclose(kit[col].to_numpy(), ref[col].to_numpy(), rtol=1e-9, atol=1e-9,
                                       err_msg=f"rfm: {col} differs from lifetimes")


COUNT_COLUMNS = ["start", "acquired", "end", "retained", "new_active", "reactivated", "lost"]


def check_counts(kit: pd.DataFrame, sql: pd.DataFrame) -> None:
    """Every count equal, CRR and start retention equal to 1e-12 relative (NaN where S = 0)."""
    assert len(kit) == len(sql), f"counts: {len(kit)} periods in the kit, {len(sql)} in DuckDB"
    for col in COUNT_COLUMNS:
        a, b = kit[col].to_numpy(dtype=np.int64), sql[col].to_numpy(dtype=np.int64)
        bad = np.flatnonzero(a != b)
        assert len(bad) == 0, f"counts: {col} differs in period {kit['period'].iloc[bad[0]]}: {a[bad[0]]} vs {b[bad[0]]}"
    for col in ("crr", "start_retention"):
        np.testing.assert_allclose(kit[col].to_numpy(dtype=float), sql[col].to_numpy(dtype=float),
                                   rtol=1e-12, equal_nan=True, err_msg=f"counts: {col} differs")


def check_cohorts(kit: pd.DataFrame, sql: pd.DataFrame) -> None:
    """The kit's triangle (percent, NaN where not observable) equals DuckDB's long table."""
    n = kit.shape[1] - 1  # offsets 0..n-1
    cohorts = [c for c in kit.index if c != "weighted average"]
    wide = sql.pivot(index="cohort", columns="k", values="pct").reindex(
        index=cohorts + ["weighted average"], columns=range(n))
    values = wide.to_numpy(dtype=float, copy=True)
    # cells that can be observed but had no buyer are 0 in the kit and absent from the SQL
    first = pd.Period(cohorts[0], freq="M")
    age = np.array([(pd.Period(c, freq="M") - first).n for c in cohorts] + [0])
    observable = np.arange(n)[None, :] <= n - 1 - age[:, None]
    values[observable & np.isnan(values)] = 0.0
    np.testing.assert_allclose(kit.drop(columns="size").to_numpy(dtype=float), values,
                               rtol=1e-12, equal_nan=True, err_msg="cohorts: cells differ from DuckDB")
    sizes = sql.dropna(subset=["size"]).groupby("cohort")["size"].first().reindex(cohorts)
    assert np.array_equal(kit["size"].iloc[:-1].to_numpy(dtype=float), sizes.to_numpy(dtype=float)), (
        "cohorts: cohort sizes differ from DuckDB")
    assert kit["size"].iloc[-1] == sizes.sum(), "cohorts: total size differs from DuckDB"
