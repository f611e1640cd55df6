"""The retention-kit command end to end: bundled data, two differently-shaped exports,
and every error case with its message and exit code."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path


import numpy as np
import pandas as pd
import pytest

import retention_kit as rk
from retention_kit import RetentionDataError
from retention_kit.cli import main

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CHECK = re.compile(r"^\s*#\s*NBVAL_CHECK_OUTPUT\s*$", re.M)


def digest() -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in NOTEBOOKS}


def checked_outputs(path: Path) -> list[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return ["".join("".join(o.get("text", "")) for o in c["outputs"])
            for c in nb["cells"] if c["cell_type"] == "code" and CHECK.search("".join(c["source"]))]


def run(args: list[str], capsys) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_no_options_reproduces_the_bundled_reports(tmp_path, capsys):
    before = digest()
    code, out, _ = run(["report", "--out", str(tmp_path / "reports")], capsys)
    assert code == 0, out
    assert "no input given: running every notebook on the bundled sample data" in out
    for nb in NOTEBOOKS:
        executed = tmp_path / "reports" / nb.name
        assert executed.exists() and executed.with_suffix(".html").exists()
        assert checked_outputs(executed) == checked_outputs(nb), nb.name
    assert digest() == before  # the committed notebooks are never modified
    # the KPI files hold the dashboard's table: its parameters' defaults, the bundled samples
    written = pd.read_csv(tmp_path / "reports" / "kpi_table.csv")
    expected = rk.kpi_table(
        transactions=rk.datasets.load_sample_orders(), subscriptions=rk.datasets.load_sample_subscriptions(),
        survey=rk.datasets.load_sample_survey(), sessions=rk.datasets.load_sample_sessions(),
        freq="M", active_days=90, customers_from="transactions")
    assert len(written) == len(expected) > 0
    np.testing.assert_allclose(written["crr"], expected["crr"], equal_nan=True)


def test_messy_shop_export_through_a_config(tmp_path, capsys):
    before = digest()
    out_dir = tmp_path / "shop"
    code, out, _ = run(["report", "--config", str(DATA / "shop.toml"), "--out", str(out_dir)], capsys)
    assert code == 0, out
    assert "skip 02_churn_definitions_compared: needs --subscriptions (not given)" in out
    assert "skip 05_nps_analysis: needs --survey (not given)" in out
    assert "[1/4] 00_retention_dashboard" in out and "[4/4] 04_probabilistic_clv" in out
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(
        [f"{n}.{ext}" for n in ("00_retention_dashboard", "01_customer_retention_rate", "03_cohort_retention",
                                "04_probabilistic_clv") for ext in ("ipynb", "html")]
        + ["index.html", "kpi_table.csv", "kpi_table.xlsx"])
    crr = (out_dir / "01_customer_retention_rate.ipynb").read_text(encoding="utf-8")
    # the notebook shows the accounting of the messy file and the configured rule
    assert "shop_orders_messy.csv: read 2,929 rows, kept 2,889, excluded 40" in crr
    assert "excluded, blank customer id: 4" in crr and "excluded, refund (negative amount): 30" in crr
    assert "at most 120 days old" in crr
    assert digest() == before


def test_second_export_with_other_names_through_flags(tmp_path, capsys):
    out_dir = tmp_path / "billing"
    code, out, _ = run([
        "report", "--subscriptions", str(DATA / "billing_subscriptions.csv"), "--customer-col", "account",
        "--start-col", "activated_on", "--end-col", "cancelled_on", "--mrr-col", "monthly_fee",
        "--date-format", "%m/%d/%Y", "--segment-col", "plan_name", "--out", str(out_dir),
    ], capsys)
    assert code == 0, out
    assert "skip 01_customer_retention_rate: needs --transactions (not given)" in out
    assert "[subscriptions] billing_subscriptions.csv: read 1,326 rows, kept 1,326, excluded 0" in out
    churn = (out_dir / "02_churn_definitions_compared.ipynb").read_text(encoding="utf-8")
    assert "Enterprise" in churn and "billing_subscriptions.csv" in churn


def test_check_prints_the_accounting(capsys):
    code, out, _ = run(["check", str(DATA / "shop_orders_messy.csv"), "--kind", "transactions",
                        "--config", str(DATA / "shop.toml")], capsys)
    assert code == 0
    assert "read 2,929 rows, kept 2,889, excluded 40" in out
    assert "excluded, duplicate row (identical in every column to an earlier row): 6" in out
    assert "600 distinct customers" in out and "date: 2023-01-01 to 2025-06-30" in out
    assert "zero-value orders kept" in out


def test_missing_column_names_the_option_and_the_columns(tmp_path, capsys):
    code, _, err = run(["report", "--transactions", str(DATA / "shop_orders_messy.csv"),
                        "--customer-col", "email", "--date-col", "Order Date", "--out", str(tmp_path / "r")], capsys)
    assert code == 2
    assert "customer_col='email'" in err and "'Customer Email'" in err and "--customer-col" in err
    assert not (tmp_path / "r").exists()


def test_transactions_need_their_columns_named(tmp_path, capsys):
    code, _, err = run(["report", "--transactions", str(DATA / "shop_orders_messy.csv")], capsys)
    assert code == 2 and "--customer-col and --date-col" in err


def test_unreadable_file(tmp_path, capsys):
    code, _, err = run(["check", str(tmp_path / "nope.csv"), "--kind", "transactions",
                        "--customer-col", "a", "--date-col", "b"], capsys)
    assert code == 2 and "no file at" in err
    binary = tmp_path / "orders.csv"
    binary.write_bytes(b"\xff\xfe\x00\x01garbage\x00\n\x00\x00")
    code, _, err = run(["check", str(binary), "--kind", "transactions", "--customer-col", "a", "--date-col", "b"], capsys)
    assert code == 2 and "transactions file:" in err


def test_unparseable_column_names_the_option(tmp_path, capsys):
    # without --date-format the day/month dates with a time of day cannot be read
    code, _, err = run(["check", str(DATA / "shop_orders_messy.csv"), "--kind", "transactions",
                        "--customer-col", "Customer Email", "--date-col", "Order Date", "--blank-ids", "exclude"], capsys)
    assert code == 2 and "date_col='Order Date'" in err and "--date-format" in err
    # and with the date format but no decimal comma, the totals cannot be read: check
    # names the decimal comma as a problem, sets it and goes on
    code, out, err = run(["check", str(DATA / "shop_orders_messy.csv"), "--kind", "transactions",
                          "--customer-col", "Customer Email", "--date-col", "Order Date", "--amount-col", "Total",
                          "--blank-ids", "exclude", "--date-format", "%d/%m/%Y %H:%M"], capsys)
    assert code == 2 and "problems in the transactions file" in err
    assert '1. decimal = "," (command line: --decimal ,)' in out
    assert "amount_col='Total'" in out and "decimal=','" in out


def test_a_failing_notebook_gets_a_page_and_the_index_says_so(tmp_path, capsys):
    # valid file, but one month of data holds no complete quarter: the CRR notebook fails
    short = tmp_path / "short.csv"
    short.write_text("c,d\na,2024-01-05\nb,2024-01-20\na,2024-01-28\n")
    out_dir = tmp_path / "r"
    code, out, err = run(["report", "--transactions", str(short), "--customer-col", "c", "--date-col", "d",
                          "--notebooks", "01", "--out", str(out_dir)], capsys)
    assert code == 1
    assert "01_customer_retention_rate failed" in err and "no complete period" in err
    assert "index.html were written" in err
    page = (out_dir / "01_customer_retention_rate.html").read_text(encoding="utf-8")
    assert "no complete period" in page and "What settles it:" in page
    index = (out_dir / "index.html").read_text(encoding="utf-8")
    assert "1 of 1 pages failed" in index and "short.csv" in index
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".retention-kit-")]


def test_one_failure_does_not_discard_the_other_pages(tmp_path, capsys):
    out_dir = tmp_path / "shop"
    code, out, err = run(["report", "--config", str(DATA / "shop.toml"), "--notebooks", "01,04",
                          "--param", "clv_months=0", "--out", str(out_dir)], capsys)
    assert code == 1, out
    assert "1 of 2 notebooks failed: 04_probabilistic_clv failed" in err
    assert "--param CLV_MONTHS" in err  # the option that settles it
    assert (out_dir / "01_customer_retention_rate.html").exists()
    assert (out_dir / "01_customer_retention_rate.ipynb").exists()
    assert "--param CLV_MONTHS" in (out_dir / "04_probabilistic_clv.html").read_text(encoding="utf-8")
    index = (out_dir / "index.html").read_text(encoding="utf-8")
    assert '<a href="01_customer_retention_rate.html">' in index and "1 of 2 pages failed" in index
    assert "shop_orders_messy.csv: read 2,929 rows, kept 2,889, excluded 40" in index  # the load report


@pytest.mark.parametrize(("param", "message"), [
    ("colour=blue", "no notebook of this run has a parameter 'colour'"),
    ("CONFIDENCE=high", "CONFIDENCE of 05_nps_analysis expects float, not 'high'"),
    ("survey=None", "SURVEY is the notebook's input; give the file with --survey"),
    ("segment_col=plan", "SEGMENT_COL is set by --segment-col"),
    ("CONFIDENCE", "expected NAME=VALUE"),
])
def test_params_are_checked_against_the_parameters_cell(tmp_path, capsys, param, message):
    code, _, err = run(["report", "--notebooks", "05", "--param", param, "--out", str(tmp_path / "r")], capsys)
    assert code == 2 and message in err, err
    assert not (tmp_path / "r").exists()


def test_params_table_of_the_config_and_the_kpi_files(tmp_path, capsys, monkeypatch):
    import retention_kit.kpi

    seen = {}

    def kpi_table(*, transactions=None, subscriptions=None, survey=None, sessions=None, freq="M", **options):
        seen.update(survey=survey, freq=freq)
        table = pd.DataFrame({"period": pd.period_range("2024-01", periods=2, freq="M"),
                              "nps": [10.0, 12.5]})
        table.attrs["nps"] = "promoters % - detractors %"
        return table

    monkeypatch.setattr(retention_kit.kpi, "kpi_table", kpi_table)
    survey = tmp_path / "survey.csv"
    survey.write_text("score\n10\n6\n9\n8\n")
    config = tmp_path / "c.toml"
    config.write_text(f"[params]\nCONFIDENCE = 0.9\n[survey]\nsource = {str(survey)!r}\n")
    out_dir = tmp_path / "r"
    code, out, _ = run(["report", "--config", str(config), "--out", str(out_dir)], capsys)
    assert code == 0, out
    assert len(seen["survey"]) == 4 and seen["freq"] == "M"
    assert (out_dir / "kpi_table.csv").read_text().splitlines() == ["period,nps", "2024-01,10.0", "2024-02,12.5"]
    book = pd.read_excel(out_dir / "kpi_table.xlsx", sheet_name=None, engine="calamine")
    assert book["KPIs"]["nps"].tolist() == [10.0, 12.5]
    assert book["definitions"].iloc[0].tolist() == ["nps", "promoters % - detractors %"]
    assert '<a href="kpi_table.xlsx">' in (out_dir / "index.html").read_text(encoding="utf-8")
    executed = (out_dir / "05_nps_analysis.ipynb").read_text(encoding="utf-8")
    assert "CONFIDENCE = 0.9" in executed  # the injected parameter
    page = (out_dir / "05_nps_analysis.html").read_text(encoding="utf-8")
    assert "rk.load_survey" not in page and "NBVAL_CHECK_OUTPUT" not in page  # code hidden
    code, out, _ = run(["report", "--config", str(config), "--show-code", "--out", str(out_dir)], capsys)
    page = (out_dir / "05_nps_analysis.html").read_text(encoding="utf-8")
    assert code == 0 and "load_survey" in page and "NBVAL_CHECK_OUTPUT" not in page


@pytest.mark.parametrize(("config", "message"), [
    ("[report]\nperiod = 'fortnight'\n", "period='fortnight': expected W, M, Q or Y"),
    ("[report]\nactive_days = 'abc'\n", "active_days='abc': expected a whole number"),
    ("[report]\ncolour = 'blue'\n", "unknown setting(s) ['colour']"),
])
def test_report_settings_are_checked_before_anything_runs(tmp_path, capsys, config, message):
    path = tmp_path / "c.toml"
    path.write_text(config)
    code, _, err = run(["report", "--config", str(path), "--out", str(tmp_path / "r")], capsys)
    assert code == 2 and message in err


def test_unknown_notebook_number(tmp_path, capsys):
    code, _, err = run(["report", "--notebooks", "9", "--out", str(tmp_path / "r")], capsys)
    assert code == 2 and "no notebook numbered 09" in err


def test_survey_link_needs_ids_and_dates(tmp_path, capsys):
    survey = tmp_path / "survey.csv"
    survey.write_text("score\n10 - Extremely likely\n6\n9\n")
    code, _, err = run(["report", "--survey", str(survey), "--subscriptions", str(ROOT / "data" / "subscriptions.csv"),
                        "--out", str(tmp_path / "r")], capsys)
    assert code == 2 and "needs the survey's customer id and answer date" in err


def test_stale_reports_of_an_earlier_run_are_removed(tmp_path, capsys):
    out_dir = tmp_path / "r"
    out_dir.mkdir()
    (out_dir / "01_customer_retention_rate.html").write_text("old")
    (out_dir / "notes.txt").write_text("mine")
    survey = tmp_path / "survey.csv"
    survey.write_text("score\n10 - Extremely likely\n6\n9\n8\n")
    code, out, _ = run(["report", "--survey", str(survey), "--out", str(out_dir)], capsys)
    assert code == 0, out
    assert "removed 01_customer_retention_rate.html" in out
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "00_retention_dashboard.html", "00_retention_dashboard.ipynb", "05_nps_analysis.html",
        "05_nps_analysis.ipynb", "index.html", "kpi_table.csv", "kpi_table.xlsx", "notes.txt"]


def test_bad_config(tmp_path, capsys):
    config = tmp_path / "c.toml"
    config.write_text("[shop]\nsource = 'x.csv'\n")
    code, _, err = run(["report", "--config", str(config)], capsys)
    assert code == 2 and "unknown section(s) ['shop']" in err


def test_console_script_help_explains_every_option():
    result = subprocess.run([sys.executable, "-m", "retention_kit.cli", "report", "--help"],
                            capture_output=True, text=True)
    assert result.returncode == 0
    for option in ("--transactions", "--subscriptions", "--survey", "--sessions", "--config", "--out",
                   "--period", "--active-days", "--customer-col", "--date-col", "--amount-col",
                   "--date-format", "--decimal", "--refunds", "--duplicates"):
        assert option in result.stdout


@pytest.mark.parametrize(("kind", "text", "options", "flags"), [
    ("transactions", "c,d,a\nx,2024-01-05,10\nx,2024-01-09,-10\n", ["--amount-col", "a"], ["--refunds", "--amount-col"]),
    ("transactions", "c,d\nx,2024-01-05\nx,2024-01-05\n", [], ["--duplicates"]),
    ("transactions", "c,d\n,2024-01-05\nx,2024-01-09\n", [], ["--blank-ids", "--customer-col"]),
    ("transactions", "c,d\nx,05/02/2024\ny,11/03/2024\n", [], ["--date-format", "--date-col"]),
    ("survey", "score\n9\n11\n", [], ["--invalid-scores"]),
])
def test_hint_names_the_flag_of_the_error_parameter(tmp_path, capsys, kind, text, options, flags):
    path = tmp_path / "export.csv"
    path.write_text(text)
    columns = ["--customer-col", "c", "--date-col", "d"] if kind == "transactions" else []
    code, out, err = run(["check", str(path), "--kind", kind, *columns, *options], capsys)
    assert code == 2
    # a problem check settles itself is listed on stdout, one it cannot on stderr
    hint = " ".join((out + err).split()).split("Set it with ", 1)[1]
    assert hint.startswith(" / ".join(flags) + " (a command-line option")
    assert f"in the [{kind}] section of --config" in hint


def test_hint_comes_from_the_error_fields_not_its_text():
    from retention_kit.cli import _explain

    exc = RetentionDataError("customer_col='x' and amount_col='y' and refunds= are mentioned here.",
                             parameter="decimal", column="Total")
    hint = _explain("transactions", exc, {"amount_col": "Total", "customer_col": "x"})
    assert hint.endswith("Set it with --decimal / --amount-col (a command-line option applies to every "
                         "input given) or decimal / amount_col in the [transactions] section of --config.")
    plain = _explain("transactions", RetentionDataError("decimal= customer_col="), {})
    assert plain.endswith("Adjust the [transactions] section of --config or the command-line options.")


def test_missing_segment_column_points_at_segment_col(tmp_path, capsys):
    code, _, err = run(["report", "--subscriptions", str(DATA / "billing_subscriptions.csv"), "--customer-col",
                        "account", "--start-col", "activated_on", "--end-col", "cancelled_on", "--mrr-col",
                        "monthly_fee", "--date-format", "%m/%d/%Y", "--segment-col", "tier",
                        "--out", str(tmp_path / "r")], capsys)
    assert code == 2 and "no column 'tier'" in err and "Set it with --segment-col" in err


def test_a_flag_applies_only_to_the_inputs_whose_loader_takes_it(tmp_path, capsys):
    # load_survey has no refunds option: in a report with a transactions file and a
    # survey, --refunds goes to the transactions loader only (the run then stops at the
    # unknown notebook number, after every input loaded)
    survey = tmp_path / "survey.csv"
    survey.write_text("c,d,score\nx,2024-01-05,10\ny,2024-01-06,6\nz,2024-01-07,9\n")
    orders = tmp_path / "orders.csv"
    orders.write_text("c,d,a\nx,2024-01-05,10\nx,2024-01-09,-10\n")
    code, out, err = run(["report", "--transactions", str(orders), "--survey", str(survey), "--customer-col", "c",
                          "--date-col", "d", "--amount-col", "a", "--refunds", "exclude", "--notebooks", "9",
                          "--out", str(tmp_path / "r")], capsys)
    assert code == 2 and "no notebook numbered 09" in err, err
    assert "[transactions] orders.csv: read 2 rows, kept 1, excluded 1" in out
    assert "[survey] survey.csv: read 3 rows, kept 3" in out
    # checking the survey alone with --refunds is a mistake, said as such
    code, _, err = run(["check", str(survey), "--kind", "survey", "--refunds", "exclude"], capsys)
    assert code == 2
    assert err.strip() == ("retention-kit: error: --refunds does not apply to the survey input given: "
                           "it applies to transactions files.")


# -- issue 13: the user's own exports, and nothing but them ----------------------------------

#: Names of the bundled data: none may appear on a page that ran on the user's exports.
BUNDLED_NAMES = re.compile(
    r"CDNOW|synthetic|bundled|(?<![\w/])(orders|subscriptions|nps_survey|web_sessions|iran_orders)\.csv"
    r"|\b199[78]\b|Nowruz|Iranian shop", re.I)


def page_text(path: Path) -> str:
    """What a reader of an HTML page sees: its text, without tags, scripts and styles."""
    from html.parser import HTMLParser

    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.parts: list[str] = []
            self.skip = 0

        def handle_starttag(self, tag, attrs):
            self.skip += tag in ("script", "style")

        def handle_endtag(self, tag):
            self.skip -= tag in ("script", "style")

        def handle_data(self, data):
            if not self.skip:
                self.parts.append(data)

    parser = Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return " ".join(parser.parts)


def own_shop(kind: str) -> dict:
    """The loader options of one input of tests/data/own_shop.toml, its source made absolute."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    options = tomllib.loads((DATA / "own_shop.toml").read_text(encoding="utf-8"))[kind]
    return {**options, "source": DATA / options["source"]}


@pytest.mark.parametrize(("config", "pages"), [
    ("own_shop.toml", ("00_retention_dashboard", "01_customer_retention_rate", "03_cohort_retention",
                       "04_probabilistic_clv", "05_nps_analysis")),
    ("billing.toml", ("00_retention_dashboard", "02_churn_definitions_compared")),
])
def test_report_on_the_users_exports_names_only_their_data(tmp_path, capsys, config, pages):
    """Issue 13's new user: a Shopify order export (status values, refunds, guest checkouts)
    with the shop's NPS survey; a billing export. Every notebook they feed runs, and no
    page names or interprets the bundled data."""
    before = digest()
    out_dir = tmp_path / "own"
    code, out, err = run(["report", "--config", str(DATA / config), "--out", str(out_dir)], capsys)
    assert code == 0, out + err
    assert "Passed unknown parameter" not in out + err and "Traceback" not in out + err
    found = {p.stem: p for p in out_dir.glob("*.html")}
    assert set(found) == {"index", *pages}
    assert {p.stem for p in out_dir.glob("*.ipynb")} == set(pages)
    index = page_text(found["index"])
    assert f"All {len(pages)} pages ran." in index and "were left out" in index
    for name, path in found.items():
        leaks = sorted({m.group(0) for m in BUNDLED_NAMES.finditer(page_text(path))})
        assert not leaks, f"{name} names the bundled data: {leaks}"
    assert (out_dir / "kpi_table.xlsx").stat().st_size > 0
    if config == "own_shop.toml":
        assert "shopify_orders.csv: read 4,750 rows, kept 4,446, excluded 304" in index
        assert "excluded, status 'refunded': 131" in index and "excluded, blank customer id: 99" in index
        assert "survey_responses.csv: read 420 rows, kept 403, excluded 17" in index
        assert "shopify_orders.csv" in page_text(found["01_customer_retention_rate"])
        assert "penalizer used: 0" in page_text(found["04_probabilistic_clv"])
        # the KPI files hold the dashboard's table on the user's data
        expected = rk.kpi_table(transactions=rk.load_transactions(**own_shop("transactions")),
                                survey=rk.load_survey(**own_shop("survey")), freq="M", active_days=90)
        written = pd.read_csv(out_dir / "kpi_table.csv")
        assert len(written) == len(expected) == 24
        np.testing.assert_allclose(written["crr"], expected["crr"], equal_nan=True)
        np.testing.assert_allclose(written["nps"], expected["nps"], equal_nan=True)
    assert digest() == before


def test_a_survey_and_subscriptions_without_shared_ids_are_refused(tmp_path, capsys):
    """The shop's survey (e-mails) with a billing export (account numbers): no answer can be
    linked to churn, so the command refuses before running anything, naming the option."""
    config = tmp_path / "mixed.toml"
    config.write_text(
        f"[survey]\nsource = {str(DATA / 'survey_responses.csv')!r}\ncustomer_col = 'Email'\n"
        "date_col = 'Submitted At'\ninvalid = 'exclude'\n"
        "score_col = 'How likely are you to recommend us to a friend or colleague?'\n"
        f"[subscriptions]\nsource = {str(DATA / 'billing_subscriptions.csv')!r}\ncustomer_col = 'account'\n"
        "start_col = 'activated_on'\nend_col = 'cancelled_on'\nmrr_col = 'monthly_fee'\ndate_format = '%m/%d/%Y'\n",
        encoding="utf-8")
    code, _, err = run(["report", "--config", str(config), "--out", str(tmp_path / "r")], capsys)
    assert code == 2, err
    assert "none of its customer ids appears in the subscriptions file" in err, err
    assert "'customer2225@example.com'" in err and "customer_col" in err
    assert not (tmp_path / "r").exists()


def test_markdown_that_names_the_bundled_data_is_tagged_bundled_example():
    """The static half of the check above: every markdown cell that names the bundled data
    runs only on it (the report removes it on the user's exports)."""
    from retention_kit.report_registry import BUNDLED_TAG

    untagged = []
    for path in NOTEBOOKS:
        for k, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
            if cell["cell_type"] != "markdown" or BUNDLED_TAG in cell.get("metadata", {}).get("tags", []):
                continue
            found = BUNDLED_NAMES.search("".join(cell["source"]))
            if found:
                untagged.append(f"{path.name} cell {k}: {found.group(0)!r}")
    assert not untagged, untagged


def test_short_exports_run_with_the_sections_they_cannot_fill_said_so(tmp_path, capsys):
    """Half a year of subscriptions (no complete year, no 12-month window), and a shop log
    with no amount and no repeat buyer: the pages run and say what they skip, and why."""
    rng = np.random.default_rng(3)
    starts = pd.Timestamp("2024-03-10") + pd.to_timedelta(rng.integers(0, 120, 60), unit="D")
    ends = [s + pd.Timedelta(days=int(d)) if d < 200 else pd.NaT for s, d in zip(starts, rng.integers(20, 400, 60))]
    spells = tmp_path / "half_year.csv"
    pd.DataFrame({"customer_id": [f"S{i}" for i in range(60)], "start_date": starts, "end_date": ends,
                  "mrr": 49.0}).to_csv(spells, index=False)
    code, out, err = run(["report", "--subscriptions", str(spells), "--notebooks", "02",
                          "--out", str(tmp_path / "s")], capsys)
    assert code == 0, out + err
    page = page_text(tmp_path / "s" / "02_churn_definitions_compared.html")
    assert "no Y table: freq='Y'" in page and "no GRR / NRR: months=12" in page
    assert "no curve reaches 12 months of tenure" in page
    orders = tmp_path / "once.csv"
    pd.DataFrame({"customer": [f"C{i}" for i in range(40)],
                  "day": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(40) * 5, unit="D")}).to_csv(orders, index=False)
    code, out, err = run(["report", "--transactions", str(orders), "--customer-col", "customer", "--date-col", "day",
                          "--notebooks", "03", "--out", str(tmp_path / "t")], capsys)
    assert code == 0, out + err
    page = page_text(tmp_path / "t" / "03_cohort_retention.html")
    assert "no amount column: the revenue triangle is skipped" in page
    assert "nobody has made a second purchase yet" in page


def test_a_failure_names_every_parameter_that_carries_the_option():
    from retention_kit.cli import _fix
    from retention_kit.report_registry import notebook_spec

    params = {"SUBSCRIPTIONS": "dict", "FREQ": "str", "LONG_FREQ": "str", "SEGMENT_COL": "str"}
    fix = _fix(notebook_spec("02"), "RetentionDataError", "freq='Y': the data holds no complete period", params)
    assert fix == "set --period (for FREQ) or --param LONG_FREQ=VALUE (for LONG_FREQ), whichever the failing cell uses."
    assert _fix(notebook_spec("01"), "RetentionDataError", "freq='Q': no complete period", {"FREQ": "str"}) == "set --period."


def test_ids_that_differ_only_in_case_point_at_id_case(tmp_path, capsys):
    survey = tmp_path / "survey.csv"
    survey.write_text("email,when,score\nAnn@Example.com,2024-02-01,9\nBob@Example.com,2024-02-03,4\n")
    spells = tmp_path / "spells.csv"
    spells.write_text("customer_id,start_date,end_date,mrr\nann@example.com,2023-01-01,,10\nbob@example.com,2023-03-01,2024-05-01,10\n")
    config = tmp_path / "c.toml"
    config.write_text(f"[survey]\nsource = {str(survey)!r}\ncustomer_col = 'email'\ndate_col = 'when'\nscore_col = 'score'\n"
                      f"[subscriptions]\nsource = {str(spells)!r}\n", encoding="utf-8")
    code, _, err = run(["report", "--config", str(config), "--out", str(tmp_path / "r")], capsys)
    assert code == 2 and 'id_case = "lower"' in err and "letter case" in err, err
    code, out, err = run(["report", "--config", str(config), "--id-case", "lower", "--notebooks", "05",
                          "--out", str(tmp_path / "r")], capsys)
    assert "letter case" not in err  # with id_case the two exports link
