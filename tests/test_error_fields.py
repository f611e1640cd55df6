"""Loader errors carry structured fields: the parameter that settles them, the column at
fault and, for a closed set of values, the accepted options. Programs (the command's
hints among them) read these fields, never the message text."""

from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import retention_kit as rk
from retention_kit import RetentionDataError

GOOD = "order,client,when,total\n1,007,2024-01-05,20.00\n2,012,2024-01-20,35.50\n3,007,2024-02-11,12.25\n"
SPELLS = "customer_id,start_date,end_date,mrr\na,2024-01-01,2024-03-01,29\na,2024-03-01,,99\nb,2024-01-15,2024-02-15,29\n"
TX = {"customer_col": "client", "date_col": "when", "amount_col": "total"}


def tx_file(text, **options):
    return lambda d: rk.load_transactions(write(d, text), **{**TX, **options})


def tx_frame(frame, **options):
    return lambda d: rk.load_transactions(frame, **{**TX, **options})


def write(folder: Path, text: str | bytes, name: str = "export.csv") -> Path:
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


ERROR_AND_EXCLUDE = ("error", "exclude")

# case id -> (call on a folder, loader, parameter, column, options)
CASES = {
    "missing file": (lambda d: rk.load_transactions(d / "nope.csv", **TX), rk.load_transactions,
                     "source", None, None),
    "empty file": (tx_file(""), rk.load_transactions, "source", None, None),
    "header only": (tx_file("order,client,when,total\n"), rk.load_transactions, "source", None, None),
    "wrong source type": (lambda d: rk.load_transactions([1, 2], **TX), rk.load_transactions,
                          "source", None, None),
    "wrong encoding": (tx_file("client,when\n\xe9,2024-01-01\n".encode("utf-16")), rk.load_transactions,
                       "encoding", None, None),
    "too many fields": (tx_file(GOOD + "4,013,2024-03-01,5,extra\n"), rk.load_transactions, "sep", None, None),
    "missing column": (tx_file(GOOD, date_col="order_date"), rk.load_transactions,
                       "date_col", "order_date", None),
    "missing keep column": (tx_file(GOOD, keep_columns=["channel"]), rk.load_transactions,
                            "keep_columns", "channel", None),
    "keep column clashes": (tx_frame(pd.DataFrame({"client": ["a"], "when": ["2024-01-01"], "total": [1.0],
                                                   "date": ["x"]}), keep_columns=["date"]),
                            rk.load_transactions, "keep_columns", "date", None),
    "blank id": (tx_file(GOOD + "4,,2024-03-01,5\n"), rk.load_transactions, "blank_ids", "client",
                 ERROR_AND_EXCLUDE),
    "bad blank_ids": (tx_file(GOOD + "4,,2024-03-01,5\n", blank_ids="drop"), rk.load_transactions,
                      "blank_ids", None, ERROR_AND_EXCLUDE),
    "blank date": (tx_file(GOOD + "4,013,,5\n"), rk.load_transactions, "date_col", "when", None),
    "blank datetime": (tx_frame(pd.DataFrame({"client": ["a", "b"], "total": [1.0, 2.0],
                                              "when": pd.to_datetime(["2024-01-01", None])})),
                       rk.load_transactions, "date_col", "when", None),
    "unparseable date": (tx_file(GOOD + "4,013,not a date,5\n"), rk.load_transactions,
                         "date_format", "when", None),
    "unrecognised date": (tx_file("order,client,when,total\n1,a,yesterday,1\n"), rk.load_transactions,
                          "date_format", "when", None),
    "mixed day and month first": (tx_file("order,client,when,total\n1,a,25/01/2024,1\n2,b,01/25/2024,1\n"),
                                  rk.load_transactions, "date_format", "when", None),
    "ambiguous dates": (tx_file("order,client,when,total\n1,a,05/02/2024,1\n2,b,11/03/2024,1\n"),
                        rk.load_transactions, "date_format", "when", ("%d/%m/%Y", "%m/%d/%Y")),
    "format mismatch": (tx_file(GOOD, date_format="%d.%m.%Y"), rk.load_transactions,
                        "date_format", "when", None),
    "day first with time": (tx_file("order,client,when,total\n1,a,25/01/2024 10:00,1\n2,b,05/02/2024,1\n"),
                            rk.load_transactions, "date_format", "when", None),
    "not numbers": (tx_file(GOOD + "4,013,2024-03-01,12 apples\n"), rk.load_transactions,
                    "amount_col", "total", None),
    "decimal commas": (tx_file('order,client,when,total\n1,a,2024-01-05,"12,50"\n'), rk.load_transactions,
                       "decimal", "total", None),
    "bad decimal": (tx_file(GOOD, decimal=";"), rk.load_transactions, "decimal", None, (".", ",")),
    "blank amount": (tx_file(GOOD + "4,013,2024-03-01,\n"), rk.load_transactions, "amount_col", "total", None),
    "true/false amounts": (tx_frame(pd.DataFrame({"client": ["a"], "when": ["2024-01-01"], "total": [True]})),
                           rk.load_transactions, "amount_col", "total", None),
    "infinite amount": (tx_frame(pd.DataFrame({"client": ["a"], "when": ["2024-01-01"], "total": [np.inf]})),
                        rk.load_transactions, "amount_col", "total", None),
    "refund": (tx_file(GOOD + "4,013,2024-03-01,-5\n"), rk.load_transactions, "refunds", "total",
               ERROR_AND_EXCLUDE),
    "bad refunds": (tx_file(GOOD + "4,013,2024-03-01,-5\n", refunds="drop"), rk.load_transactions,
                    "refunds", None, ERROR_AND_EXCLUDE),
    "duplicate row": (tx_file(GOOD + "3,007,2024-02-11,12.25\n"), rk.load_transactions, "duplicates", None,
                      ("error", "exclude", "keep")),
    "bad duplicates": (tx_file(GOOD + "3,007,2024-02-11,12.25\n", duplicates="drop"), rk.load_transactions,
                       "duplicates", None, ("error", "exclude", "keep")),
    "spell ends before start": (lambda d: rk.load_subscriptions(write(d, SPELLS + "c,2024-05-01,2024-04-01,29\n")),
                                rk.load_subscriptions, "end_col", "end_date", None),
    "negative mrr": (lambda d: rk.load_subscriptions(write(d, SPELLS + "c,2024-05-01,,-29\n")),
                     rk.load_subscriptions, "mrr_col", "mrr", None),
    "overlapping spells": (lambda d: rk.load_subscriptions(write(d, SPELLS + "b,2024-02-01,,29\n")),
                           rk.load_subscriptions, "start_col", None, None),
    "blank spell start": (lambda d: rk.load_subscriptions(write(d, SPELLS + "c,,,29\n")),
                          rk.load_subscriptions, "start_col", "start_date", None),
    "invalid score": (lambda d: rk.load_survey(write(d, "score\n9\n11\n")), rk.load_survey,
                      "invalid", None, ERROR_AND_EXCLUDE),
    "bad invalid option": (lambda d: rk.load_survey(write(d, "score\n9\n"), invalid="drop"), rk.load_survey,
                           "invalid", None, ERROR_AND_EXCLUDE),
    "blank session time": (lambda d: rk.load_sessions(write(d, "visitor_id,session_start\nv1,\n")),
                           rk.load_sessions, "time_col", "session_start", None),
    "missing visitor column": (lambda d: rk.load_sessions(write(d, "visitor,session_start\nv1,2024-01-01\n")),
                               rk.load_sessions, "visitor_col", "visitor_id", None),
}


@pytest.mark.parametrize("case", list(CASES))
def test_loader_errors_carry_the_parameter_that_settles_them(tmp_path, case):
    call, loader, parameter, column, options = CASES[case]
    with pytest.raises(RetentionDataError) as info:
        call(tmp_path)
    err = info.value
    assert (err.parameter, err.column, err.options) == (parameter, column, options), str(err)
    # the field names an option the loader really has, and the message mentions it
    assert err.parameter in inspect.signature(loader).parameters
    assert err.parameter in str(err) or err.parameter == "source"


def test_the_fields_do_not_change_the_message(tmp_path):
    with pytest.raises(RetentionDataError) as info:
        CASES["refund"][0](tmp_path)
    assert str(info.value).startswith("amount_col='total': 1 row has a negative amount")
    assert str(info.value).endswith("(they are counted in the load report).")
