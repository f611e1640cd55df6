"""Fuzz the command: whatever options, config keys and values, files (missing, a folder,
binary, empty, the bundled samples), ``retention-kit`` answers with exit code 0 or 2,
never a traceback or a pandas warning, and on exit 2 with exactly one line
``retention-kit: error: ...``. ``report`` is fuzzed with the notebook execution replaced,
so only its input validation runs."""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
import warnings
from pathlib import Path
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retention_kit import cli
from retention_kit._resources import bundled_folder
from retention_kit.cli import KINDS, LOADER_OPTIONS, main

SAMPLES = bundled_folder("data")
SMALL = {
    "orders.csv": "c;d;a;status\nx;2024-01-05;10,5;paid\n;2024-01-06;3;paid\nx;2024-01-09;-10;refunded\n"
                  "x;2024-01-09;-10;refunded\n",
    "subs.csv": "customer_id,start_date,end_date,mrr,plan\nx,2024-01-01,,29,pro\ny,01/02/2024,03/02/2024,9,basic\n",
    "survey.csv": "customer_id,date,score\nx,2024-01-05,10 - Extremely likely\ny,2024-01-06,11\n",
    "sessions.csv": "visitor_id,session_start\nv,2024-01-01T09:00:00\n,2024-01-02T09:00:00\n",
    "empty.csv": "",
    "header.csv": "a,b,c\n",
}
FILES = [*SMALL, "binary.csv", "missing.csv", "folder", "nps_survey.csv", "subscriptions.csv"]
COLUMNS = ["c", "d", "a", "status", "customer_id", "start_date", "end_date", "mrr", "plan", "score", "date",
           "visitor_id", "session_start", "response_date", "segment"]
FLAGS = [f for f in LOADER_OPTIONS.values() if f] + ["--config-only", "--kind"]
KEYS = [*LOADER_OPTIONS, "source", "path"]

text = st.text(max_size=8)
meaningful = st.sampled_from([",", ";", "\\t", "\t", "", ";;", "auto", "exclude", "keep", "error", "lower", ".",
                              "%d/%m/%Y", "%Y-%m-%d", "utf-16", "latin-1", "nope", "rot13", "2", "paid,refunded",
                              *COLUMNS])
values = st.one_of(meaningful, text, st.integers(-3, 3), st.booleans(), st.floats(allow_nan=False, width=16),
                   st.lists(st.one_of(meaningful, st.integers(0, 3)), max_size=3))
#: values that reach each flag's edge cases more often than random text would
FLAG_VALUES = {
    "--encoding": ["nope", "rot13", "base64", "utf-16", "utf-32", "latin-1", "cp1252", "utf-8", "ascii"],
    "--sep": [",", ";", "\\t", "\t", "", ";;", "auto", '"', "\n", "x", " ", "|"],
    "--date-format": ["%d/%m/%Y", "%m/%d/%Y", "%Y-%m-%d", "%Y", "%", "%Q", "nope", ""],
    "--sheet": ["0", "2", "Orders"],
    "--exclude-statuses": ["paid,refunded", ",", " ", "refunded"],
    "--kind": list(KINDS) + ["sales"],
}
flags = st.lists(st.sampled_from(FLAGS).flatmap(lambda flag: st.tuples(
    st.just(flag), st.one_of(st.sampled_from(FLAG_VALUES.get(flag, COLUMNS)), meaningful, text))), max_size=3)
MATCHING = {"transactions": "orders.csv", "subscriptions": "subs.csv", "survey": "survey.csv",
            "sessions": "sessions.csv"}
COLUMN_FLAGS = ["--customer-col", "c", "--date-col", "d", "--amount-col", "a"]
section = st.dictionaries(st.one_of(st.sampled_from(KEYS), text), values, max_size=5)
report_section = st.dictionaries(st.one_of(st.sampled_from(cli._REPORT_KEYS), text), values, max_size=3)


def toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml(v) for v in value) + "]"
    return json.dumps(value)


def write_config(folder: Path, sections: dict[str, dict]) -> Path:
    lines = []
    for name, body in sections.items():
        lines.append(f"[{name}]")
        lines += [f"{json.dumps(key)} = {toml(value)}" for key, value in body.items()]
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def make_files(folder: Path) -> None:
    for name, body in SMALL.items():
        (folder / name).write_text(body, encoding="utf-8")
    (folder / "binary.csv").write_bytes(bytes(range(256)) * 4)
    (folder / "folder").mkdir()


def path_of(folder: Path, name: str) -> str:
    return str(SAMPLES / name if name in ("nps_survey.csv", "subscriptions.csv") else folder / name)


def invoke(argv: list[str]) -> tuple[int, str, str, list[warnings.WarningMessage]]:
    out, err = io.StringIO(), io.StringIO()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(err):
        warnings.simplefilter("always")
        code = main(argv)
    return code, out.getvalue(), err.getvalue(), [w for w in caught if not issubclass(w.category, ResourceWarning)]


def assert_clean(argv: list[str], code: int, err: str, caught: list) -> None:
    assert code in (0, 2), (argv, code, err)
    assert "Traceback" not in err, (argv, err)
    assert not caught, (argv, [str(w.message) for w in caught])
    if code == 2:
        errors = [line for line in err.splitlines() if line.startswith("retention-kit: error:")]
        assert len(errors) == 1, (argv, err)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.one_of(st.none(), st.sampled_from(list(KINDS))),
       file=st.one_of(st.none(), st.just("matching"), st.just("matching"), st.sampled_from(FILES)),
       columns=st.booleans(), flags=flags,
       sections=st.dictionaries(st.sampled_from([*KINDS, "report"]), section, max_size=2),
       kind_section=section, use_config=st.booleans())
def test_check_never_raises(kind, file, columns, flags, sections, kind_section, use_config):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_files(folder)
        argv = ["check"]
        if file is not None:
            argv.append(path_of(folder, MATCHING.get(kind or "transactions") if file == "matching" else file))
        if kind is not None:
            argv += ["--kind", kind]
            if columns and kind == "transactions":
                argv += COLUMN_FLAGS
            if use_config:
                sections = {**sections, kind: kind_section}
        for flag, value in flags:
            argv += [flag, value]
        if use_config or sections:
            argv += ["--config", str(write_config(folder, sections))]
        code, _, err, caught = invoke(argv)
        assert_clean(argv, code, err, caught)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inputs=st.dictionaries(st.sampled_from(list(KINDS)), st.sampled_from(FILES), max_size=2), flags=flags,
       sections=st.dictionaries(st.sampled_from([*KINDS, "report"]), section, max_size=2),
       report=report_section)
def test_report_validates_its_inputs_and_never_raises(inputs, flags, sections, report):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_files(folder)
        argv = ["report", "--out", str(folder / "reports")]
        for kind, file in inputs.items():
            argv += [f"--{kind}", path_of(folder, file)]
        for flag, value in flags:
            argv += [flag, value]
        if sections or report:
            argv += ["--config", str(write_config(folder, {**sections, "report": report}))]
        # nothing executes: the run ends where the notebooks would start
        with mock.patch.object(cli, "_execute") as execute:
            code, _, err, caught = invoke(argv)
        assert_clean(argv, code, err, caught)
        assert execute.called == (code == 0)
