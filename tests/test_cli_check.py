"""``retention-kit check``: every problem of an export in one run, the config that loads
it, and input validation that never ends in a traceback."""

from __future__ import annotations

import argparse
import functools
import inspect
import re
import sys
from pathlib import Path

import pytest

from retention_kit import RetentionDataError, cli
from retention_kit.cli import KINDS, LOADER_OPTIONS, main

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: blank ids (lines 4 and 8), decimal commas, a repeated row (line 7), a refund (line 5)
FOUR_PROBLEMS = """id;when;total;status
a;2024-01-05;12,50;paid
b;2024-01-06;7,00;paid
;2024-01-07;3,20;paid
c;2024-01-08;-12,50;refunded
a;2024-02-05;15,00;paid
a;2024-02-05;15,00;paid
;2024-02-09;1,00;paid
d;2024-03-01;22,10;pending
"""
COLUMNS = ["--customer-col", "id", "--date-col", "when", "--amount-col", "total"]
CONFIG_HEAD = "a config that loads the file this way"


def run(args: list[str], capsys) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("retention-kit: error:")]


def printed_config(out: str) -> str:
    return out.split(CONFIG_HEAD, 1)[1].split("\n", 1)[1]


@pytest.fixture
def four(tmp_path) -> Path:
    path = tmp_path / "orders.csv"
    path.write_text(FOUR_PROBLEMS)
    return path


def test_four_problems_in_one_run_and_the_printed_config_loads_the_file(four, tmp_path, capsys):
    code, out, err = run(["check", str(four), "--kind", "transactions", *COLUMNS], capsys)
    assert code == 2
    assert error_lines(err) == [("retention-kit: error: 4 problems in the transactions file; see above "
                                "(the config printed settles them).")]
    assert len(err.strip().splitlines()) == 1
    # each problem, numbered, with the setting that settles it, its count and lines
    assert re.search(r'1\. blank_ids = "exclude" \(command line: --blank-ids exclude\)\s+'
                     r"customer_col='id': 2 rows have a blank customer id: line 4, line 8", out)
    assert re.search(r'2\. decimal = "," \(command line: --decimal ,\)\s+amount_col=\'total\': 6 amount', out)
    assert re.search(r'3\. duplicates = "exclude" \(command line: --duplicates exclude\)\s+duplicates=\'error\': '
                     r"1 row is identical in every column to an earlier row: line 7", out)
    assert re.search(r'4\. refunds = "exclude" \(command line: --refunds exclude\)\s+amount_col=\'total\': 1 row '
                     r"has a negative amount \(refunds or cancellations\):\s+line 5", out)
    assert "4 problems, each with the setting that settles it:" in out and not re.search(r"^ *5\. ", out, re.MULTILINE)
    # the load with those settings, and the status values to pick --exclude-statuses from
    assert "orders.csv: read 8 rows, kept 4, excluded 4" in out
    assert re.search(r"status column 'status'.*\n  paid: 6\n  refunded: 1\n  pending: 1\n", out)
    config = printed_config(out)
    assert 'blank_ids = "exclude"  # 2 rows have a blank customer id' in config
    assert 'decimal = ","  # the amounts are written with a decimal comma' in config
    parsed = tomllib.loads(config)
    assert parsed == {"transactions": {
        "source": str(four), "customer_col": "id", "date_col": "when", "amount_col": "total",
        "blank_ids": "exclude", "duplicates": "exclude", "refunds": "exclude", "decimal": ","}}
    saved = tmp_path / "elsewhere" / "checked.toml"
    saved.parent.mkdir()
    saved.write_text(config)
    code, out, err = run(["check", "--config", str(saved)], capsys)
    assert code == 0, err
    assert err == ""
    assert "loads as given:" in out and "orders.csv: read 8 rows, kept 4, excluded 4" in out
    assert tomllib.loads(printed_config(out)) == parsed


def test_a_clean_file_exits_0_and_prints_its_config(tmp_path, capsys):
    path = tmp_path / "orders.csv"
    path.write_text("id,when,total\na,2024-01-05,12.5\nb,2024-01-06,7\n")
    code, out, err = run(["check", str(path), "--kind", "transactions", *COLUMNS], capsys)
    assert (code, err) == (0, "")
    assert "problem" not in out and "loads as given:" in out
    assert tomllib.loads(printed_config(out))["transactions"] == {
        "source": str(path), "customer_col": "id", "date_col": "when", "amount_col": "total"}


def test_a_problem_no_setting_settles_blocks_and_keeps_the_earlier_ones(tmp_path, capsys):
    path = tmp_path / "orders.csv"
    path.write_text("id,when\n,2024-01-05\nb,someday\n")
    code, out, err = run(["check", str(path), "--kind", "transactions", "--customer-col", "id",
                          "--date-col", "when"], capsys)
    assert code == 2
    assert '1. blank_ids = "exclude"' in out
    assert "stopped: a problem no setting the check can choose settles" in out
    assert "the settings so far (the file does not load yet)" in out
    (line,) = error_lines(err)
    assert "date_col='when'" in line and "--date-format" in line
    assert line.endswith("(1 problem in the transactions file listed above)")


def test_a_setting_the_user_chose_is_not_overridden(four, capsys):
    code, out, err = run(["check", str(four), "--kind", "transactions", *COLUMNS, "--blank-ids", "error"], capsys)
    assert code == 2 and "problem" not in out
    (line,) = error_lines(err)
    assert "2 rows have a blank customer id" in line and "--blank-ids" in line


def _fake_loader(real, raise_while):
    """``real`` with the same signature and declarations, raising while ``raise_while(options)``."""

    @functools.wraps(real)
    def loader(source, **options):
        exc = raise_while(options)
        if exc is not None:
            raise exc
        return real(source, **options)

    return loader


def test_a_candidate_from_the_error_options_is_assumed_and_marked(tmp_path, capsys, monkeypatch):
    path = tmp_path / "orders.csv"
    path.write_text("id,when\na,05/02/2024\nb,06/03/2024\n")

    def ambiguous(options):
        if options.get("date_format") is None:
            return RetentionDataError("date_col='when': ambiguous dates (for example '05/02/2024').",
                                      parameter="date_format", column="when", options=("%d/%m/%Y", "%m/%d/%Y"))
        return None

    monkeypatch.setitem(KINDS, "transactions", _fake_loader(KINDS["transactions"], ambiguous))
    code, out, err = run(["check", str(path), "--kind", "transactions", "--customer-col", "id", "--date-col", "when"],
                         capsys)
    assert code == 2 and len(error_lines(err)) == 1
    assert ('1. date_format = "%d/%m/%Y" (command line: --date-format %d/%m/%Y): assumed, one of date_format\'s '
            "candidates, to look further; confirm it") in out
    assert 'date_format = "%d/%m/%Y"  # assumed by check to look further: confirm it' in printed_config(out)
    assert "date: 2024-02-05 to 2024-03-06" in out


def test_the_loop_is_capped(tmp_path, capsys, monkeypatch):
    path = tmp_path / "orders.csv"
    path.write_text("id,when\na,2024-01-05\n")
    calls = []

    def endless(options):
        calls.append(1)
        return RetentionDataError("date_col='when': try another.", parameter="date_format",
                                  options=(f"%Y-%m-%d {len(calls)}",))

    monkeypatch.setitem(KINDS, "transactions", _fake_loader(KINDS["transactions"], endless))
    code, out, err = run(["check", str(path), "--kind", "transactions", "--customer-col", "id", "--date-col", "when"],
                         capsys)
    assert code == 2 and len(error_lines(err)) == 1
    assert len(calls) == cli._MAX_PROBLEMS + 1
    assert f"{cli._MAX_PROBLEMS}. date_format" in out and f"{cli._MAX_PROBLEMS + 1}. " not in out


def test_check_config_without_file_checks_every_input_section(four, tmp_path, capsys):
    survey = tmp_path / "survey.csv"
    survey.write_text("score\n10\n6\n11\n")
    config = tmp_path / "c.toml"
    config.write_text(f'[transactions]\nsource = "{four.name}"\ncustomer_col = "id"\ndate_col = "when"\n'
                      f'amount_col = "total"\n\n[survey]\nsource = "{survey.name}"\n')
    code, out, err = run(["check", "--config", str(config)], capsys)
    assert code == 2
    assert error_lines(err) == [("retention-kit: error: 4 problems in the transactions file; 1 problem in the "
                                "survey file; see above (the config printed settles them).")]
    assert f"transactions: {four}" in out and f"survey: {survey}" in out
    assert '1. invalid = "exclude" (command line: --invalid-scores exclude)' in out
    parsed = tomllib.loads(printed_config(out))
    assert set(parsed) == {"transactions", "survey"} and parsed["survey"]["invalid"] == "exclude"
    # --kind picks one section
    code, out, _ = run(["check", "--config", str(config), "--kind", "survey"], capsys)
    assert code == 2 and "transactions" not in out


@pytest.mark.parametrize(("args", "message"), [
    (["check"], "give the FILE to check (with --kind), or --config FILE.toml"),
    (["check", "x.csv"], "say what the file holds with --kind"),
    (["check", "x.csv", "--kind", "sales"], "argument --kind: invalid choice: 'sales'"),
    (["check", "x.csv", "--kind", "survey", "--colour", "red"], "unrecognized arguments: --colour red"),
])
def test_usage_errors_are_one_line(capsys, args, message):
    code, _, err = run(args, capsys)
    assert code == 2
    (line,) = error_lines(err)
    assert message in line and "Traceback" not in err


# ---------------------------------------------------------------------------------------
# part A: bad input of every kind ends in one error line, exit 2


SURVEY = "score\n10\n6\n9\n"


@pytest.mark.parametrize(("flags", "config", "message"), [
    (["--encoding", "nope"], "", "encoding='nope': unknown encoding"),
    (["--encoding", "rot13"], "", "encoding='rot13': not a text encoding"),
    ([], 'encoding = "base64"', "encoding='base64': not a text encoding"),
    ([], "date_format = 5", "date_format=5: expected a strftime pattern"),
    ([], 'keep_columns = "plan"', "keep_columns='plan': expected a list of column names"),
    ([], "keep_columns = [1]", "keep_columns=[1]: expected a list of column names"),
    ([], "invalid = true", "invalid=True: expected 'error' or 'exclude'"),
    ([], "score_col = []", "score_col=[]: expected a column name"),
    (["--sep", ""], "", "sep=''"),
    (["--sep", ";;"], "", "sep=';;': expected one character"),
    ([], 'sep = "\\n"', "sep='\\n': expected one character"),
    ([], 'sep = "\\""', "sep='\"': expected one character"),
    ([], "colour = 'blue'", "[survey]: unknown setting(s) 'colour'; a survey input takes source, score_col,"),
    ([], "path = 'a.csv'\nsource = 'b.csv'", "has both path and source"),
])
def test_bad_options_are_refused_before_loading(tmp_path, capsys, flags, config, message):
    path = tmp_path / "survey.csv"
    path.write_text(SURVEY)
    cfg = tmp_path / "c.toml"
    cfg.write_text(f"[survey]\n{config}\n")
    code, out, err = run(["check", str(path), "--kind", "survey", *flags, "--config", str(cfg)], capsys)
    assert code == 2 and out == ""
    (line,) = err.splitlines()
    assert line.startswith("retention-kit: error:") and message in line


@pytest.mark.parametrize(("config", "message"), [
    ("[report]\nactive_days = 'x'\n", "active_days='x': expected a whole number of days"),
    ("[report]\nsegment_col = 5\n", "segment_col=5: expected a column name"),
    ("[report]\nout = []\n", "out=[]: expected a folder"),
    ("survey = 5\n", "survey = 5 must be a section"),
    ("[survey]\nsource = 5\n", "source = 5: expected the path of the file to read"),
    ("[subscriptions]\nsource = 'subs.csv'\nkeep_columns = 'plan'\n[report]\nsegment_col = 'plan'\n",
     "keep_columns='plan': expected a list of column names"),
])
def test_bad_config_values_in_report(tmp_path, capsys, config, message):
    cfg = tmp_path / "c.toml"
    cfg.write_text(config)
    # --notebooks 9 stops the run anyway, should the config pass
    code, _out, err = run(["report", "--config", str(cfg), "--out", str(tmp_path / "r"), "--notebooks", "9"], capsys)
    assert code == 2
    (line,) = err.splitlines()
    assert line.startswith("retention-kit: error:") and message in line
    assert not (tmp_path / "r").exists()


def test_a_literal_backslash_t_is_a_tab(tmp_path, capsys):
    path = tmp_path / "survey.tsv"
    path.write_text("id;x\tscore\na;1\t10\nb;2\t6\n")  # the header also holds a ';'
    code, out, err = run(["check", str(path), "--kind", "survey", "--sep", "\\t"], capsys)
    assert code == 0, err
    assert "read 2 rows, kept 2" in out
    assert 'sep = "\\t"' in printed_config(out)  # TOML for a tab
    code, _, err = run(["check", str(path), "--kind", "survey", "--sep", ";"], capsys)
    assert code == 2 and "no column 'score'" in err


def test_unreadable_files(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "export"
    folder.mkdir()
    code, _, err = run(["check", str(folder), "--kind", "survey"], capsys)
    assert code == 2 and "is a folder, not a file" in err
    binary = tmp_path / "orders.csv"
    binary.write_bytes(b"score\x00\x01\x02\n\x00\xff\xfe")
    code, _, err = run(["check", str(binary), "--kind", "survey"], capsys)
    assert code == 2 and "'orders.csv' is not a text file (it holds NUL bytes)" in err
    code, _, err = run(["check", str(binary), "--kind", "survey", "--encoding", "utf-16"], capsys)
    assert code == 2 and len(err.splitlines()) == 1 and "holds binary data" in err
    text = tmp_path / "survey.csv"
    text.write_text(SURVEY)

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cli, "open", denied, raising=False)  # the tests may run as root
    code, _, err = run(["check", str(text), "--kind", "survey"], capsys)
    assert code == 2 and "survey.csv' cannot be read (Permission denied)" in err


# ---------------------------------------------------------------------------------------
# part B: options consistent across kinds


def _subparser(name: str) -> argparse.ArgumentParser:
    parser = cli._parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return action.choices[name]


def _listed_kinds(help_text: str) -> tuple[str, ...]:
    found = re.search(r"\(([^()]*)\)$", help_text)
    if found is None:
        return ()
    tail = found.group(1)
    return tuple(k for k in tail.split(", ") if k in KINDS)


def test_help_lists_the_kinds_from_the_loader_signatures():
    for name in ("check", "report"):
        actions = {a.option_strings[0]: a for a in _subparser(name)._actions if a.option_strings}
        for option, flag in LOADER_OPTIONS.items():
            if flag is None:
                continue
            takers = tuple(k for k in KINDS if option in inspect.signature(KINDS[k]).parameters)
            assert _listed_kinds(actions[flag].help) == takers, flag
            if not takers:
                assert actions[flag].help.endswith("(not taken by this version's loaders)")


def _example(action: argparse.Action) -> str:
    return action.choices[-1] if action.choices else "x"


SMALL = {
    "transactions": "c,d,a\nx,2024-01-05,10\n",
    "subscriptions": "customer_id,start_date,end_date,mrr\nx,2024-01-01,,29\n",
    "survey": "score\n10\n",
    "sessions": "visitor_id,session_start\nv,2024-01-01T09:00:00\n",
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_flag_the_help_lists_for_a_kind_is_accepted_for_it(tmp_path, capsys, kind):
    path = tmp_path / "export.csv"
    path.write_text(SMALL[kind])
    columns = ["--customer-col", "c", "--date-col", "d"] if kind == "transactions" else []
    tried = 0
    for action in _subparser("check")._actions:
        if not action.option_strings or not action.help or kind not in _listed_kinds(action.help):
            continue
        flag = action.option_strings[0]
        args = ["check", str(path), "--kind", kind, *columns, flag, _example(action)]
        if flag in ("--customer-col", "--date-col"):
            args = ["check", str(path), "--kind", kind, flag, _example(action)]
        code, _, err = run(args, capsys)
        assert code in (0, 2) and "Traceback" not in err
        for refusal in ("unexpected keyword", "does not apply", "unknown setting", "unrecognized arguments",
                        "Check the option names"):
            assert refusal not in err, (flag, err)
        tried += 1
    assert tried >= 5


# ---------------------------------------------------------------------------------------
# the contract's new options: parsed now, passed on once the loaders take them


def _needs_loader_option(option: str, kind: str):
    return pytest.mark.skipif(option not in inspect.signature(KINDS[kind]).parameters,
                              reason=f"the {kind} loader of this branch does not take {option} yet")


def _namespace(argv: list[str]) -> argparse.Namespace:
    return cli._parser().parse_args(argv)


def test_new_flags_are_parsed_into_the_loader_types():
    args = _namespace(["check", "x.csv", "--kind", "transactions", "--exclude-statuses", " refunded,voided, pending,",
                       "--status-col", "Status", "--id-case", "lower", "--thousands", ".", "--sheet", "2",
                       "--open-end-after", "2100-01-01"])
    assert cli._flag_values(args) == {
        "status_col": "Status", "thousands": ".", "sheet": 2, "id_case": "lower",
        "exclude_statuses": ["refunded", "voided", "pending"], "open_end_after": "2100-01-01"}
    assert cli._flag_values(_namespace(["check", "x.csv", "--sheet", "Orders 2024"]))["sheet"] == "Orders 2024"
    with pytest.raises(cli.UsageError, match="--exclude-statuses: expected one or more statuses"):
        cli._flag_values(_namespace(["check", "x.csv", "--exclude-statuses", " , "]))


@_needs_loader_option("exclude_statuses", "transactions")
def test_exclude_statuses_reaches_the_transactions_options(tmp_path):
    path = tmp_path / "o.csv"
    path.write_text("c,d,s\nx,2024-01-05,paid\n")
    args = _namespace(["check", str(path), "--kind", "transactions", "--customer-col", "c", "--date-col", "d",
                       "--status-col", "s", "--exclude-statuses", "refunded,voided,pending"])
    inputs, _ = cli._inputs(argparse.Namespace(**{**vars(args), "transactions": args.file}), ["transactions"])
    assert inputs["transactions"]["exclude_statuses"] == ["refunded", "voided", "pending"]
    assert inputs["transactions"]["status_col"] == "s"


@_needs_loader_option("date_range", "transactions")
@_needs_loader_option("open_end_values", "subscriptions")
def test_config_only_options_reach_the_loaders(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[transactions]\nsource = "o.csv"\ncustomer_col = "c"\ndate_col = "d"\n'
                   'date_range = ["1300-01-01", "1500-12-31"]\n'
                   '[subscriptions]\nsource = "s.csv"\nopen_end_values = ["9999-12-31"]\n')
    inputs, _ = cli._inputs(_namespace(["report", "--config", str(cfg)]))
    assert inputs["transactions"]["date_range"] == ["1300-01-01", "1500-12-31"]
    assert inputs["subscriptions"]["open_end_values"] == ["9999-12-31"]


@_needs_loader_option("id_case", "survey")
def test_new_flags_apply_to_every_kind_that_takes_them(tmp_path, capsys):
    path = tmp_path / "survey.csv"
    path.write_text("c,score\nA@x.com,10\na@x.com,9\n")
    code, out, err = run(["check", str(path), "--kind", "survey", "--customer-col", "c", "--id-case", "lower"], capsys)
    assert code == 0, err
    assert "1 distinct customers" in out


def test_output_into_a_closed_pipe_stops_quietly():
    """``retention-kit check ... | head -1``: no traceback when the reader goes away."""
    import subprocess
    import sys

    from pathlib import Path as _Path

    export = _Path(__file__).resolve().parent / "data" / "exports" / "c01_toman_dot_thousands.csv"
    proc = subprocess.Popen(
        [sys.executable, "-m", "retention_kit.cli", "check", str(export), "--kind", "transactions",
         "--customer-col", "customer", "--date-col", "date", "--amount-col", "amount"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    proc.stdout.close()  # the reader is gone before the first line is written
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr


def test_a_bug_of_the_kit_is_one_line_with_exit_70_not_a_traceback(monkeypatch, capsys, tmp_path):
    export = tmp_path / "orders.csv"
    export.write_text("id,when\na,2024-01-05\n")

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    import retention_kit.io.loaders

    monkeypatch.setattr(retention_kit.io.loaders, "_ids", broken)
    code, out, err = run(["check", str(export), "--kind", "transactions", "--customer-col", "id",
                          "--date-col", "when"], capsys)
    assert code == 70 and len(err.splitlines()) == 1, err
    assert "internal error (ZeroDivisionError" in err and "Traceback" not in err
