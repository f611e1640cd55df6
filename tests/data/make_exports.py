"""Make the differently-shaped exports in tests/data from the bundled samples (seeded).

    python tests/data/make_exports.py

- shop_orders_messy.csv: a shop order export as a European shop tool writes it:
  semicolon-separated, UTF-8 with a byte-order mark, other column names and order,
  extra columns, day/month/year dates with a time of day, amounts with a euro sign,
  thousands separators and decimal commas, refunds (negative amounts), zero-value
  orders, rows the export repeated, and a few rows without a customer id.
- billing_subscriptions.csv: a subscription-billing export with other names, US
  month/day/year dates, fees written as "$1,234.00", an extra column.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent / "data"


def shop(rng: np.random.Generator) -> pd.DataFrame:
    orders = pd.read_csv(DATA / "orders.csv", dtype={"customer_id": str}, keep_default_na=False)
    keep = orders["customer_id"].isin(sorted(orders["customer_id"].unique())[:600])
    orders = orders[keep].copy()
    when = pd.to_datetime(orders["order_date"]) + pd.to_timedelta(rng.integers(8 * 60, 22 * 60, len(orders)), unit="min")
    euros = orders["amount"].astype(float)
    zero = rng.random(len(orders)) < 0.01
    euros[zero] = 0.0

    def money(x: float) -> str:
        whole, cents = divmod(round(abs(x) * 100), 100)
        text = f"{whole:,}".replace(",", ".") + f",{cents:02d} €"
        return ("-" if x < 0 else "") + text

    out = pd.DataFrame({
        "Order No": orders["order_id"].to_numpy(),
        "Total": [money(x) for x in euros],
        "Status": np.where(euros < 0, "refunded", "paid"),
        "Customer Email": [f"{c.lower()}@example.com" for c in orders["customer_id"]],
        "Order Date": when.dt.strftime("%d/%m/%Y %H:%M").to_numpy(),
        "Channel": orders["channel"].to_numpy(),
    })
    blank = rng.choice(len(out), size=4, replace=False)
    out.loc[out.index[blank], "Customer Email"] = ""
    repeats = out.iloc[rng.choice(len(out), size=6, replace=False)]
    return pd.concat([out, repeats]).sort_values(["Order Date", "Order No"], kind="stable")


def billing(rng: np.random.Generator) -> pd.DataFrame:
    subs = pd.read_csv(DATA / "subscriptions.csv", keep_default_na=False)
    subs = subs[subs["customer_id"].isin(sorted(subs["customer_id"].unique())[:800])]

    def us(d: str) -> str:
        return "" if d == "" else pd.Timestamp(d).strftime("%m/%d/%Y")

    return pd.DataFrame({
        "account": subs["customer_id"].str.replace("C", "ACCT-", regex=False).to_numpy(),
        "plan_name": subs["plan"].str.title().to_numpy(),
        "activated_on": [us(d) for d in subs["start_date"]],
        "cancelled_on": [us(d) for d in subs["end_date"]],
        "monthly_fee": [f"${float(x):,.2f}" for x in subs["mrr"]],
        "company_size": subs["segment"].to_numpy(),
    })


def main() -> None:
    rng = np.random.default_rng(7)
    text = shop(rng).to_csv(index=False, sep=";", lineterminator="\n")
    (HERE / "shop_orders_messy.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    billing(rng).to_csv(HERE / "billing_subscriptions.csv", index=False, lineterminator="\n")


if __name__ == "__main__":
    main()
