"""Make the differently-shaped exports in tests/data from the bundled samples (seeded).

    python tests/data/make_exports.py

- shop_orders_messy.csv: a shop order export as a European shop tool writes it:
  semicolon-separated, UTF-8 with a byte-order mark, other column names and order,
  extra columns, day/month/year dates with a time of day, amounts with a euro sign,
  thousands separators and decimal commas, refunds (negative amounts), zero-value
  orders, rows the export repeated, and a few rows without a customer id.
- billing_subscriptions.csv: a subscription-billing export with other names, US
  month/day/year dates, fees written as "$1,234.00", an extra column.
- shopify_orders.csv: a Shopify-style order export of 4,750 orders (one row per order):
  "#1001" order names, e-mail as the customer, financial status values (paid, refunded,
  partially_refunded, voided, pending, authorized), "Created at" with the shop's UTC offset
  (+0100 in winter, +0200 in summer), Total and Refunded Amount, and guest checkouts without
  an e-mail. Repeat buying from ``retention_kit.simulate`` (seeded).
- survey_responses.csv: a survey tool's NPS export: respondent id, e-mail, "Submitted At",
  the 0-10 answer under the question as its column name, a free-text reason, a few blank
  answers (respondents who skipped the question).
- exports/*.csv: one small export per misread class of issue 11 (see ``ISSUE11``),
  written by hand so that every value's truth is known; tests/test_exports_issue11.py
  asserts how the loader reads or refuses each one.
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


def shopify(rng: np.random.Generator) -> pd.DataFrame:
    from retention_kit.simulate import simulate_transactions

    log = simulate_transactions(2400, seed=13, start="2023-01-01", end="2024-12-31", r=0.25, alpha=12.0)
    log = log.sort_values(["date", "customer_id"], kind="stable").reset_index(drop=True)
    n = len(log)
    when = log["date"] + pd.to_timedelta(rng.integers(7 * 3600, 23 * 3600, n), unit="s")
    local = when.dt.tz_localize("Europe/Berlin", nonexistent="shift_forward", ambiguous=False)
    status = rng.choice(["paid", "refunded", "partially_refunded", "voided", "pending", "authorized"],
                        size=n, p=[0.90, 0.03, 0.02, 0.015, 0.02, 0.015])
    refunded = np.where(status == "refunded", log["amount"],
                        np.where(status == "partially_refunded", (log["amount"] * 0.4).round(2), 0.0))
    email = "customer" + log["customer_id"].astype(str) + "@example.com"
    guest = rng.random(n) < 0.02  # guest checkouts: no e-mail in the export
    return pd.DataFrame({
        "Name": [f"#{1001 + i}" for i in range(n)],
        "Email": np.where(guest, "", email),
        "Financial Status": status,
        "Fulfillment Status": np.where(status == "paid", "fulfilled", ""),
        "Currency": "EUR",
        "Total": [f"{x:.2f}" for x in log["amount"]],
        "Refunded Amount": [f"{x:.2f}" for x in refunded],
        "Created at": local.dt.strftime("%Y-%m-%d %H:%M:%S %z"),
        "Billing Country": rng.choice(["DE", "AT", "NL", "FR"], size=n, p=[0.6, 0.15, 0.15, 0.1]),
    })


def survey_export(rng: np.random.Generator) -> pd.DataFrame:
    n = 420
    days = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.sort(rng.integers(0, 366 * 86400, n)), unit="s")
    score = rng.choice(np.arange(11), size=n, p=[.02, .01, .02, .03, .03, .06, .08, .10, .20, .22, .23])
    answer = np.where(rng.random(n) < 0.03, "", score.astype(str))
    reasons = {0: "Too expensive", 1: "Slow delivery", 2: "Great service", 3: ""}
    return pd.DataFrame({
        "Respondent ID": [f"R-{5000 + i}" for i in range(n)],
        "Email": [f"customer{i}@example.com" for i in rng.integers(1, 2400, n)],
        "Submitted At": days.strftime("%Y-%m-%d %H:%M:%S"),
        "How likely are you to recommend us to a friend or colleague?": answer,
        "What is the main reason for your score?": [reasons[k] for k in rng.integers(0, 4, n)],
    })


# One small export per issue-11 class: name -> text (UTF-8, '\n' line ends, as written).
ISSUE11: dict[str, str] = {
    # 1. dot thousands: every amount's only separator is one '.' before three digits
    "c01_toman_dot_thousands.csv": (
        "order,customer,date,amount\n"
        "1,a,2024-01-05,250.000\n"
        "2,b,2024-01-06,Rp 150.000\n"
        "3,a,2024-02-01,75.500\n"
    ),
    # 1. the same with a comma: '1,250' is one thousand two hundred and fifty or 1.25
    "c01_comma_thousands_ambiguous.csv": (
        "order,customer,date,amount\n"
        "1,a,2024-01-05,\"1,250\"\n"
        "2,b,2024-01-06,\"$2,500\"\n"
    ),
    # 1. settled: '1.250.000' has the dot twice, so '.' groups thousands
    "c01_dot_thousands_settled.csv": (
        "order,customer,date,amount\n"
        "1,a,2024-01-05,250.000\n"
        "2,b,2024-01-06,1.250.000\n"
        "3,a,2024-02-01,75.500\n"
    ),
    # 1. settled: '12.50' has two digits after the dot, so '.' is the decimal point
    "c01_dot_decimal_settled.csv": (
        "order,customer,date,amount\n"
        "1,a,2024-01-05,250.000\n"
        "2,b,2024-01-06,12.50\n"
        "3,a,2024-02-01,7.5\n"
    ),
    # 2. two-digit years, day first (31 and 15 prove it), years 1969, 2024, 2000
    "c02_two_digit_years.csv": (
        "order,customer,date,amount\n"
        "1,a,31/12/69,10\n"
        "2,b,15/03/24,20\n"
        "3,a,01/07/00,30\n"
    ),
    # 2. year first with two digits: '24-03-05' is 5 March 2024, not 24 March 2005
    "c02_yy_mm_dd.csv": (
        "order,customer,date,amount\n"
        "1,a,24-03-05,10\n"
        "2,b,24-03-18,20\n"
    ),
    # 3. Jalali (Solar Hijri) dates: 1402-07-01 is 2023-09-23 in the Gregorian calendar
    "c03_jalali_dates.csv": (
        "order,customer,date,amount\n"
        "1,a,1402-07-01,10\n"
        "2,b,1402-07-15,20\n"
        "3,a,1402-08-03,30\n"
    ),
    # 4. an order dated 2099 (a placeholder or a typo)
    "c04_order_2099.csv": (
        "order,customer,date,amount\n"
        "1,a,2024-01-05,10\n"
        "2,b,2099-01-15,20\n"
        "3,a,2024-02-01,30\n"
    ),
    # 4. subscriptions whose live spells end on the placeholder 9999-12-31
    "c04_subscriptions_open_end.csv": (
        "customer_id,start_date,end_date,mrr\n"
        "a,2024-01-01,2024-03-01,29\n"
        "a,2024-03-01,9999-12-31,99\n"
        "b,2024-02-01,,29\n"
        "c,2024-02-15,9999-12-31,49\n"
    ),
    # 5. one customer's email written three ways (case, spaces)
    "c05_ids_case_spaces.csv": (
        "order,customer,date,amount\n"
        "1,Jane.Doe@Gmail.com,2024-01-05,10\n"
        "2, jane.doe@gmail.com ,2024-01-06,20\n"
        "3,jane.doe@gmail.com,2024-01-07,30\n"
        "4,bob@example.com,2024-01-08,40\n"
    ),
    # 5. a numeric id once written as a float by a spreadsheet
    "c05_ids_float.csv": (
        "order,customer,date,amount\n"
        "1,1000,2024-01-05,10\n"
        "2,1000.0,2024-01-06,20\n"
        "3,1001,2024-01-07,30\n"
    ),
    # 6. two columns named Amount (columns 4 and 5): which one is the order value?
    "c06_two_amount_columns.csv": (
        "order,customer,date,Amount,Amount\n"
        "1,a,2024-01-05,10,12.10\n"
        "2,b,2024-01-06,20,24.20\n"
    ),
    # 7. the same order twice, the second time with spaces around the email and '20' for '20.00'
    "c07_duplicate_after_normalisation.csv": (
        "customer,date,amount,channel\n"
        "jane@example.com,2024-01-05,20.00,web\n"
        "bob@example.com,2024-01-05,15.00,app\n"
        " jane@example.com ,2024-01-05,20, web\n"
    ),
    # 8. a quoted note spanning lines 2-4, then a bad amount on physical line 6 (row 3)
    "c08_newlines_before_bad_value.csv": (
        "order,customer,date,amount,notes\n"
        "1,a,2024-01-05,10,\"line one\nline two, still the note\nline three\"\n"
        "2,b,2024-01-06,20,plain\n"
        "3,a,2024-01-07,12 apples,\n"
    ),
    # 9. line 3 has a fifth field the header does not name
    "c09_trailing_extra_field.csv": (
        "order,customer,date,amount\n"
        "1,a,2024-01-05,10\n"
        "2,b,2024-01-06,20,x\n"
        "3,a,2024-01-07,30\n"
    ),
    # 9. the first data row has the extra field (pandas would take column 1 as the index)
    "c09_extra_field_first_row.csv": (
        "order,customer,date,amount\n"
        "1,a,2024-01-05,10,\n"
        "2,b,2024-01-06,20\n"
    ),
    # 10. blank lines between rows and at the end
    "c10_blank_lines.csv": (
        "order,customer,date,amount\n"
        "1,a,2024-01-05,10\n"
        "\n"
        "2,b,2024-01-06,20\n"
        "\n"
        "\n"
        "3,a,2024-01-07,30\n"
        "\n"
        "\n"
    ),
    # 13. a Shopify-style order export: Financial Status says which orders count
    "c13_shopify_orders.csv": (
        "Name,Email,Financial Status,Created at,Total,Currency\n"
        "#1001,ann@example.com,paid,2024-01-05 10:15:00 +0100,25.00,EUR\n"
        "#1002,bob@example.com,refunded,2024-01-06 11:00:00 +0100,40.00,EUR\n"
        "#1003,ann@example.com,voided,2024-01-07 09:30:00 +0100,15.00,EUR\n"
        "#1004,cem@example.com,pending,2024-01-08 16:45:00 +0100,60.00,EUR\n"
        "#1005,bob@example.com,partially_refunded,2024-01-09 12:00:00 +0100,80.00,EUR\n"
        "#1006,ann@example.com, Refunded ,2024-01-10 08:05:00 +0100,30.00,EUR\n"
        "#1007,dan@example.com,paid,2024-01-11 19:20:00 +0100,12.50,EUR\n"
    ),
    # 14. a small Iranian shop: Persian (U+06F0-06F9) and Arabic-Indic (U+0660-0669) digits,
    # U+066C thousands and U+066B decimal separators, Toman and Rial marks; Gregorian dates
    "c14_iranian_shop.csv": (
        "سفارش,مشتری,تاریخ,مبلغ\n"
        "۱,۰۹۱۲۳۴۵۶۷۸۹,۲۰۲۴-۰۳-۰۵,۲۵۰٬۰۰۰ تومان\n"
        "۲,٠٩١٢٣٤٥٦٧٨٩,٢٠٢٤-٠٣-٠٦,٣٠٠٬٠٠٠ تومان\n"
        "۳,۰۹۳۵۱۱۱۲۲۳۳,۲۰۲۴-۰۴-۰۱,۱٬۲۵۰٬۰۰۰ تومان\n"
        "۴,۰۹۳۵۱۱۱۲۲۳۳,۲۰۲۴-۰۴-۱۵,۱۲۵٫۵ تومان\n"
    ),
    # 14. the same shop's amounts in Rial with the code IRR
    "c14_iranian_shop_rial.csv": (
        "order,customer,date,amount\n"
        "1,۰۹۱۲۳۴۵۶۷۸۹,2024-03-05,۲٬۵۰۰٬۰۰۰ ریال\n"
        "2,۰۹۳۵۱۱۱۲۲۳۳,2024-03-06,IRR ۴۰۰٬۰۰۰\n"
    ),
}


def issue11(folder: Path) -> None:
    folder.mkdir(exist_ok=True)
    for name, text in ISSUE11.items():
        (folder / name).write_bytes(text.encode("utf-8"))


def main() -> None:
    rng = np.random.default_rng(7)
    text = shop(rng).to_csv(index=False, sep=";", lineterminator="\n")
    (HERE / "shop_orders_messy.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    billing(rng).to_csv(HERE / "billing_subscriptions.csv", index=False, lineterminator="\n")
    issue11(HERE / "exports")
    shopify(np.random.default_rng(13)).to_csv(HERE / "shopify_orders.csv", index=False, lineterminator="\n")
    survey_export(np.random.default_rng(5)).to_csv(HERE / "survey_responses.csv", index=False, lineterminator="\n")


if __name__ == "__main__":
    main()
