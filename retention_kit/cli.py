"""The ``retention-kit`` command: run the notebooks on your own exports, or check one.

``retention-kit report`` executes every notebook whose inputs are available with
papermill, injecting the loader options into the notebooks' ``parameters`` cells (and
``--param NAME=VALUE`` / the config's ``[params]`` table, checked against each
notebook's parameters cell), and writes into ``--out`` the executed notebooks, an HTML
page each (code hidden unless ``--show-code``), the KPI table as CSV and Excel, and an
``index.html`` linking every page with the data it ran on, what was skipped and why,
and the load reports. The committed notebooks are never modified. Inputs are validated
with the kit's loaders before any notebook runs. A notebook that fails does not discard
the others: it gets a page with the message and the option that settles it, the index
says so, and the exit code is 1.

``retention-kit check FILE --kind transactions`` finds every problem of one export in
one run. It loads the file; when the loader refuses it with an error whose
``parameter`` has a setting that lets the load continue (``blank_ids``,
``duplicates``, ``refunds``, ``invalid`` -> ``"exclude"``, ``decimal`` -> ``","``, or
the first of the candidate values an error carries in ``options``, which the check
marks as assumed), it records the problem, applies that setting and loads again, until
the file loads or a problem has no such setting. It then prints the problems, each
with the setting that settles it, what the loader made of the file, the values of any
status-like column (for ``--exclude-statuses``), and a TOML section with every
non-default option that loads the file that way: a starting point for ``--config``.
Exit code 0 means the file loads as given, 2 that it does not.
``retention-kit check --config FILE.toml`` checks every input section of the config.

Every bad input ends the command with exit code 2 and exactly one line
``retention-kit: error: ...`` on stderr, never a traceback: option values (from the
command line or the config) are checked against the loaders' declared parameters
(:func:`retention_kit.validation.validate_params`) before anything is read, config keys
against the loader's signature, encodings with :func:`codecs.lookup`, and the file
itself (a folder, an unreadable or binary file) before the loader sees it.

The command works wherever the kit is installed: the notebooks and the bundled samples
ship inside the package (``retention_kit.notebooks`` and ``retention_kit.data``, the
repository's ``notebooks/`` and ``data/`` folders) and are found with
:mod:`importlib.resources`. What it does with each notebook (its inputs, and which
parameters carry the period, activity rule, segment column and dates) comes from the
registry :mod:`retention_kit.report_registry`. Its hints for a rejected input come from
the error's ``parameter`` and ``column`` fields, mapped to a command-line flag and a
config key by the one table :data:`LOADER_OPTIONS`, never from the message text. Which
input kinds a flag applies to is read from the loaders' signatures
(:func:`_kinds_of`), and ``--help`` is generated from the same source.
"""

from __future__ import annotations

import argparse
import codecs
import inspect
import json
import os
import re
import shutil
import sys
import tempfile
import textwrap
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ._engine import customer_codes
from ._resources import bundled_folder
from .errors import RetentionDataError
from .io import (
    load_report,
    load_sessions,
    load_subscriptions,
    load_survey,
    load_transactions,
)
from .report_registry import BUNDLED_TAG, NOTEBOOKS, NotebookSpec
from .validation import ACTIVE_DAYS, FISCAL_YEAR_START, check_param, declared

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["KINDS", "LOADER_OPTIONS", "NOTEBOOKS", "main"]

#: The input kinds, their loaders, and the loader options the command line can set.
KINDS: dict[str, Any] = {
    "transactions": load_transactions,
    "subscriptions": load_subscriptions,
    "survey": load_survey,
    "sessions": load_sessions,
}

#: Loader option -> its command-line flag (``None``: settable only in --config). The
#: config key is the loader option itself (``[transactions] decimal = ","``). A flag
#: applies to the input kinds whose loader takes the option (see :func:`_kinds_of`); an
#: option no loader takes yet is refused, on the command line and in a config.
LOADER_OPTIONS: dict[str, str | None] = {
    "customer_col": "--customer-col",
    "date_col": "--date-col",
    "amount_col": "--amount-col",
    "start_col": "--start-col",
    "end_col": "--end-col",
    "mrr_col": "--mrr-col",
    "score_col": "--score-col",
    "visitor_col": "--visitor-col",
    "time_col": "--time-col",
    "status_col": "--status-col",
    "date_format": "--date-format",
    "date_range": None,
    "calendar": "--calendar",
    "decimal": "--decimal",
    "thousands": "--thousands",
    "sep": "--sep",
    "encoding": "--encoding",
    "sheet": "--sheet",
    "refunds": "--refunds",
    "duplicates": "--duplicates",
    "blank_ids": "--blank-ids",
    "id_case": "--id-case",
    "invalid": "--invalid-scores",
    "exclude_statuses": "--exclude-statuses",
    "open_end_after": "--open-end-after",
    "open_end_values": None,
    "keep_columns": None,
}

#: Loader options the command does not offer: its reports read pandas tables, and
#: ``lazy=True`` returns a polars LazyFrame (a config key ``lazy`` is refused as unknown).
NOT_OFFERED: frozenset[str] = frozenset({"lazy"})

#: What each flag means and its argparse settings; the input kinds it applies to are
#: appended to the help text from :func:`_kinds_of`, so the help cannot drift from the
#: loaders.
_FLAG_HELP: dict[str, tuple[str, dict[str, Any]]] = {
    "customer_col": ("customer id column", {}),
    "date_col": ("date column: the purchase date of an order, the answer date of a survey response", {}),
    "amount_col": ("order value column", {}),
    "start_col": ("spell start column", {}),
    "end_col": ("spell end column, blank while live", {}),
    "mrr_col": ("monthly recurring revenue column", {}),
    "score_col": ("0-10 answer column", {}),
    "visitor_col": ("visitor id column", {}),
    "time_col": ("session start column", {}),
    "status_col": ("order status column, read by --exclude-statuses", {}),
    "date_format": (("strftime pattern of the dates, e.g. '%%d/%%m/%%Y'; without it ISO dates and "
                     "unambiguous day/month dates are accepted, ambiguous ones are an error"), {}),
    "calendar": ("calendar the dates are written in: 'jalali' reads Solar Hijri dates such as 1402-07-01 "
                 "(default: gregorian)", {"choices": ["gregorian", "jalali"]}),
    "decimal": ("decimal separator of amounts (default '.', or ',' with --thousands .)", {"choices": [".", ","]}),
    "thousands": ("thousands separator of amounts (default: none declared)", {"choices": [".", ",", "'", " "]}),
    "sep": ("field separator, one character; '\\t' is a tab (default: detected from the header)", {}),
    "encoding": ("text encoding (default utf-8, with or without BOM)", {}),
    "sheet": ("Excel sheet: its name, or its 0-based number", {}),
    "refunds": ("negative amounts (default: error)", {"choices": ["error", "exclude"]}),
    "duplicates": ("identical rows (default: error)", {"choices": ["error", "exclude", "keep"]}),
    "blank_ids": ("rows without an id (default: error)", {"choices": ["error", "exclude"]}),
    "id_case": ("'lower' merges ids that differ only by case, such as e-mail addresses (default: keep)",
                {"choices": ["keep", "lower"]}),
    "invalid": ("survey answers outside 0-10, fractions or blanks (default: error)", {"choices": ["error", "exclude"]}),
    "exclude_statuses": (("statuses whose rows to leave out, comma-separated, e.g. refunded,voided "
                          "(needs --status-col)"), {"metavar": "A,B"}),
    "open_end_after": ("end dates after this date mean 'still live', e.g. 2100-01-01", {"metavar": "DATE"}),
}

#: Settings that let a load go on past the problem an error names, chosen by ``check``.
_CONTINUE: dict[str, Any] = {
    "blank_ids": "exclude",
    "duplicates": "exclude",
    "refunds": "exclude",
    "invalid": "exclude",
    "decimal": ",",
}
#: The comment ``check`` writes next to a setting it chose, when the error's own words
#: would not say why (otherwise the comment is the gist of the message).
_CONTINUE_NOTE: dict[str, str] = {
    "decimal": "the amounts are written with a decimal comma",
    "duplicates": "{gist}; 'keep' if they are real repeated records",
}
#: How many problems one ``check`` of one file follows before it stops.
_MAX_PROBLEMS = 20
#: The [report] settings of a config.
_REPORT_KEYS = ("out", "period", "active_days", "segment_col", "calendar", "fiscal_year_start")


def _dest(flag: str) -> str:
    """The argparse attribute of a flag: ``--invalid-scores`` -> ``invalid_scores``."""
    return flag[2:].replace("-", "_")


def _kinds_of(option: str) -> tuple[str, ...]:
    """The input kinds whose loader takes ``option``."""
    return tuple(kind for kind, loader in KINDS.items() if option in inspect.signature(loader).parameters)


def _accepted(kind: str) -> list[str]:
    """The config keys of an input section: ``source`` and the loader's options."""
    return ["source"] + [p for p in inspect.signature(KINDS[kind]).parameters
                         if p != "source" and p not in NOT_OFFERED]


class UsageError(Exception):
    """Bad command-line input: exit code 2 with the message."""


class NotebookFailed(Exception):
    """A notebook (or the KPI table) failed: exit code 1; the other pages are written."""


def _notebook_dir() -> Path:
    try:
        return bundled_folder("notebooks")
    except RetentionDataError as exc:
        raise UsageError(str(exc)) from None


def _read_config(path: str | None) -> tuple[dict[str, dict[str, Any]], Path]:
    if path is None:
        return {}, Path.cwd()
    file = Path(path)
    try:
        with open(file, "rb") as f:
            config = tomllib.load(f)
    except FileNotFoundError:
        raise UsageError(f"--config {path}: no such file.") from None
    except IsADirectoryError:
        raise UsageError(f"--config {path}: is a folder, not a TOML file.") from None
    except PermissionError:
        raise UsageError(f"--config {path}: permission denied.") from None
    except OSError as exc:
        raise UsageError(f"--config {path}: could not be read ({exc.strerror or exc}).") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"--config {path}: not valid TOML ({exc}).") from None
    unknown = set(config) - set(KINDS) - {"report", "params"}
    if unknown:
        raise UsageError(
            f"--config {path}: unknown section(s) {sorted(unknown)}; expected [report], "
            f"{', '.join(f'[{k}]' for k in KINDS)}, [params]."
        )
    for name, section in config.items():
        if not isinstance(section, dict):
            raise UsageError(f"--config {path}: {name} = {section!r} must be a section ([{name}] with settings).")
    return config, file.resolve().parent


def _flag_values(args: argparse.Namespace) -> dict[str, Any]:
    """The loader options given on the command line, converted to the loaders' types."""
    given: dict[str, Any] = {}
    for option, flag in LOADER_OPTIONS.items():
        value = getattr(args, _dest(flag), None) if flag else None
        if value is None:
            continue
        if option == "exclude_statuses":
            value = [v.strip() for v in value.split(",") if v.strip()]
            if not value:
                raise UsageError("--exclude-statuses: expected one or more statuses separated by commas, "
                                 "e.g. --exclude-statuses refunded,voided.")
        elif option == "sheet" and value.strip().isdigit():
            value = int(value)
        given[option] = value
    return given


def _validate(kind: str, options: dict[str, Any], segment: str | None = None) -> None:
    """Check an input's options before anything is read: names, types, values.

    Unknown keys name the keys the kind accepts; values are checked against the loader's
    declared constraints; ``sep`` and ``encoding`` beyond their type (one character, a
    text encoding :func:`codecs.lookup` knows).
    """
    accepted = _accepted(kind)
    unknown = [key for key in options if key not in accepted]
    if unknown:
        raise UsageError(
            f"[{kind}]: unknown setting(s) {', '.join(map(repr, unknown))}; a {kind} input takes "
            f"{', '.join(accepted)}."
        )
    source = options.get("source")
    if not isinstance(source, str) or not source:
        raise UsageError(f"[{kind}] source = {source!r}: expected the path of the file to read.")
    if options.get("sep") == "\\t":  # a literal backslash-t, as typed in a shell or TOML literal
        options["sep"] = "\t"
    specs = declared(KINDS[kind])
    for key, value in options.items():
        if key != "source" and key in specs:
            try:
                check_param(key, value, specs[key])
            except RetentionDataError as exc:
                raise UsageError(_explain(kind, exc, options, segment)) from None
    sep = options.get("sep")
    if isinstance(sep, str) and sep != "auto" and (len(sep) != 1 or sep in '\r\n"'):
        raise UsageError(_explain(kind, RetentionDataError(
            f"sep={sep!r}: expected one character such as ';' or ',' ('\\t' for a tab), or 'auto' "
            "to detect it from the header.", parameter="sep"), options, segment))
    encoding = options.get("encoding")
    if isinstance(encoding, str):
        try:
            text = getattr(codecs.lookup(encoding), "_is_text_encoding", True)
        except LookupError:
            text = None
        if not text:
            raise UsageError(_explain(kind, RetentionDataError(
                f"encoding={encoding!r}: {'not a text encoding' if text is False else 'unknown encoding'}; "
                "expected one such as 'utf-8', 'cp1252' or 'latin-1'.", parameter="encoding"), options, segment))


def _inputs(
    args: argparse.Namespace, kinds: Sequence[str] | None = None
) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Loader options per given input kind, and the report settings, from config + flags.

    ``kinds`` limits the inputs to those kinds (``check --kind``). Everything is
    validated here, before any file is read.
    """
    config, base = _read_config(args.config)
    report = dict(config.get("report", {}))
    _validate_report(report)  # also the settings a flag overrides: a config is checked whole
    for key in _REPORT_KEYS:
        value = getattr(args, key, None)
        if value is not None:
            report[key] = value
    _validate_report(report)
    segment = report.get("segment_col")
    flags = _flag_values(args)
    inputs: dict[str, dict[str, Any]] = {}
    for kind in kinds if kinds is not None else KINDS:
        options = dict(config.get(kind, {}))
        if "path" in options:
            if "source" in options:
                raise UsageError(f"[{kind}] in --config has both path and source: keep one.")
            options["source"] = options.pop("path")
        if isinstance(options.get("source"), str) and options["source"]:
            source = Path(options["source"])
            options["source"] = str(source if source.is_absolute() else (base / source).resolve())
        given = getattr(args, kind, None)
        if given:
            options["source"] = str(Path(given).resolve())
        if "source" not in options:
            if len(options):
                raise UsageError(f"[{kind}] in --config has options but no source (the file to read).")
            continue
        for option, value in flags.items():
            if kind in _kinds_of(option):
                options[option] = value
        _validate(kind, options, segment)
        if kind == "transactions":
            missing = [o for o in ("customer_col", "date_col") if o not in options]
            if missing:
                named = " and ".join(str(LOADER_OPTIONS[o]) for o in missing)
                raise UsageError(
                    f"transactions file: name its {' and '.join(o[:-4] for o in missing)} column with {named} "
                    "(or customer_col / date_col in the [transactions] section of --config)."
                )
        if segment and kind in ("subscriptions", "survey"):
            keep = list(options.get("keep_columns", []))
            options["keep_columns"] = keep + ([segment] if segment not in keep else [])
        inputs[kind] = options
    for option in flags:
        if not any(kind in _kinds_of(option) for kind in inputs):
            takers = _kinds_of(option)
            where = (f"it applies to {' and '.join(takers)} files" if takers
                     else "no loader of this version of the kit takes it")
            given_kinds = " and ".join(inputs) or "no"
            raise UsageError(f"{LOADER_OPTIONS[option]} does not apply to the {given_kinds} input given: {where}.")
    if "calendar" not in report:
        # one calendar serves both: a Jalali export wants Jalali periods
        written = {options.get("calendar", "gregorian") for options in inputs.values()}
        if len(written) > 1:
            raise UsageError(
                "the inputs are written in different calendars (calendar in their sections of --config): "
                "set calendar in [report] to choose the calendar of the periods."
            )
        if written and written != {"gregorian"}:
            report["calendar"] = written.pop()
    _validate_report(report, final=True)
    if "out" in report and args.config and not Path(report["out"]).is_absolute() and getattr(args, "out", None) is None:
        report["out"] = str((base / report["out"]).resolve())
    return inputs, report


def _validate_report(report: dict[str, Any], *, final: bool = False) -> None:
    """Check the [report] settings; ``final`` adds the checks across settings, once the
    flags are merged in."""
    unknown = set(report) - set(_REPORT_KEYS)
    if unknown:
        raise UsageError(
            f"[report] in --config: unknown setting(s) {sorted(map(str, unknown))}; expected "
            f"{', '.join(_REPORT_KEYS)}."
        )
    if "calendar" in report and report["calendar"] not in ("gregorian", "jalali"):
        raise UsageError(f"calendar={report['calendar']!r}: expected 'gregorian' or 'jalali' (--calendar).")
    if "fiscal_year_start" in report:
        try:
            check_param("fiscal_year_start", report["fiscal_year_start"], FISCAL_YEAR_START)
        except RetentionDataError as exc:
            raise UsageError(f"{str(exc).rstrip('.')} (--fiscal-year-start).") from None
    fiscal = report.get("fiscal_year_start", 1)
    if final and fiscal != 1 and report.get("calendar", "gregorian") != "gregorian":
        raise UsageError(
            f"--fiscal-year-start {fiscal}: fiscal years are Gregorian, and the Jalali year always starts at "
            "Nowruz; leave out --fiscal-year-start with --calendar jalali."
        )
    if final and fiscal != 1 and report.get("period") not in ("Q", "Y"):
        raise UsageError(
            f"--fiscal-year-start {fiscal}: a fiscal year moves quarters and years only; add --period Q or "
            "--period Y."
        )
    if "period" in report and report["period"] not in ("W", "M", "Q", "Y"):
        raise UsageError(f"period={report['period']!r}: expected W, M, Q or Y (--period).")
    if "active_days" in report:
        try:
            check_param("active_days", report["active_days"], ACTIVE_DAYS)
        except RetentionDataError as exc:
            raise UsageError(f"{str(exc).rstrip('.')} (--active-days).") from None
    for key, flag in (("segment_col", "--segment-col"), ("out", "--out")):
        if key in report and (not isinstance(report[key], str) or not report[key]):
            raise UsageError(f"{key}={report[key]!r}: expected {'a column name' if key == 'segment_col' else 'a folder'} "
                             f"({flag}).")


def _explain(kind: str, exc: RetentionDataError, options: dict[str, Any], segment: str | None = None) -> str:
    """The error's message plus where to set the option that settles it.

    The option is ``exc.parameter``; when the error also names a data column
    (``exc.column``), the column option that picked that column is offered too, since
    naming another column may be the fix. Only options of this input's loader count.
    """
    if exc.parameter == "keep_columns" and segment is not None and exc.column == segment:
        # the command added --segment-col to the columns this input keeps
        return f"{kind} file: {exc} Set it with --segment-col or segment_col in the [report] section of --config."
    settling = [exc.parameter] if exc.parameter else []
    if exc.column is not None:
        settling += [o for o, value in options.items() if o.endswith("_col") and value == exc.column]
    settling = [o for i, o in enumerate(settling) if o in LOADER_OPTIONS and o not in settling[:i]
                and kind in _kinds_of(o)]
    flags = [str(LOADER_OPTIONS[o]) for o in settling if LOADER_OPTIONS[o]]
    keys = " / ".join(settling)
    if flags:
        hint = (f" Set it with {' / '.join(flags)} (a command-line option applies to every input "
                f"given) or {keys} in the [{kind}] section of --config.")
    elif settling:
        hint = f" Set {keys} in the [{kind}] section of --config."
    else:
        hint = f" Adjust the [{kind}] section of --config or the command-line options."
    return f"{kind} file: {exc}{hint}"


#: The first bytes of the binary formats a loader may read itself (zip/xlsx, parquet,
#: gzip, an old Excel workbook): the command leaves those to the loader.
_SIGNATURES = (b"PK\x03\x04", b"PAR1", b"\x1f\x8b", b"\xd0\xcf\x11\xe0")


def _readable(kind: str, options: dict[str, Any]) -> None:
    """Refuse a source that is a folder, cannot be opened, or is not text, before loading."""
    path = Path(options["source"])
    if not path.exists():
        return  # the loader's message names the path and the working folder
    if path.is_dir():
        raise UsageError(f"{kind} file: source: {str(path)!r} is a folder, not a file. Give the export file itself.")
    try:
        with open(path, "rb") as f:
            head = f.read(8192)
    except OSError as exc:
        raise UsageError(f"{kind} file: source: {str(path)!r} cannot be read ({exc.strerror or exc}). "
                         "Check the file's permissions.") from None
    encoding = str(options.get("encoding", "utf-8")).lower().replace("_", "-")
    if b"\x00" in head and not head.startswith(_SIGNATURES) and not encoding.startswith(("utf-16", "utf-32", "utf16", "utf32")):
        raise UsageError(
            f"{kind} file: source: {path.name!r} is not a text file (it holds NUL bytes): export it as CSV, "
            f"or if it is UTF-16 text set --encoding utf-16 (encoding in the [{kind}] section of --config)."
        )


def _call(kind: str, options: dict[str, Any]) -> pd.DataFrame:
    """Run the loader; a file it cannot read at all is a usage error, not a traceback."""
    _readable(kind, options)
    try:
        return KINDS[kind](**options)
    except RetentionDataError:
        raise
    except TypeError as exc:
        if "argument" not in str(exc):  # not a call with a wrong option name: a bug
            raise
        raise UsageError(f"[{kind}]: {exc}. Check the option names in --config.") from None
    except (OSError, UnicodeError, LookupError) as exc:
        name = Path(options["source"]).name
        raise UsageError(
            f"{kind} file: source: {name!r} could not be read ({type(exc).__name__}: {exc}). Check that it is a "
            "text export, and set --sep / --encoding (sep / encoding in the "
            f"[{kind}] section of --config) to match it."
        ) from None


def _load(kind: str, options: dict[str, Any], segment: str | None = None) -> pd.DataFrame:
    try:
        return _call(kind, options)
    except RetentionDataError as exc:
        raise UsageError(_explain(kind, exc, options, segment)) from None


def _summary(kind: str, frame: pd.DataFrame) -> list[str]:
    report = load_report(frame)
    lines = str(report).splitlines()
    ids = "visitor_id" if kind == "sessions" else "customer_id"
    if ids in frame.columns:
        # the loader's codes of the id column count the ids without hashing them again
        distinct = len(customer_codes(frame[ids])[1])
        lines.append(f"  {distinct:,} distinct {'visitors' if kind == 'sessions' else 'customers'}")
    for col in ("date", "start_date"):
        if col in frame.columns and frame[col].notna().any():
            lines.append(f"  {col}: {frame[col].min():%Y-%m-%d} to {frame[col].max():%Y-%m-%d}")
    for col in ("amount", "mrr", "score"):
        if col in frame.columns and len(frame):
            lines.append(f"  {col}: {frame[col].min():,.2f} to {frame[col].max():,.2f}")
    return lines


# ---------------------------------------------------------------------------------------
# check: every problem in one run


@dataclass
class Problem:
    """One problem ``check`` found, and the setting that lets the load go on."""

    option: str
    value: Any
    message: str  # the explained error: message, counts, example lines, where to set it
    gist: str  # a short description for the TOML comment
    assumed: bool  # a candidate value picked to look further, not a settled choice


def _gist(exc: RetentionDataError) -> str:
    """The part of a message that says what is wrong ("4 rows have a blank customer id")."""
    text = str(exc)
    parts = text.split(": ")
    gist = parts[1] if len(parts) > 2 and "=" in parts[0] else text.split(". ")[0]
    return gist if len(gist) <= 90 else gist[:87] + "..."


def _continuation(kind: str, exc: RetentionDataError, options: dict[str, Any],
                  given: set[str]) -> tuple[str, Any, bool] | None:
    """The setting that lets the load go past ``exc``, or ``None`` when the user must decide."""
    option = exc.parameter
    if option is None or kind not in _kinds_of(option) or option in given:
        return None
    if option in _CONTINUE:
        value, assumed = _CONTINUE[option], False
    else:
        candidates = [o for o in (exc.options or ()) if o != options.get(option)]
        if not candidates:
            return None
        value, assumed = candidates[0], True
    if options.get(option) == value:
        return None
    try:
        check_param(option, value, declared(KINDS[kind]).get(option, ()) or _anything())
    except RetentionDataError:
        return None
    return option, value, assumed


def _anything() -> Any:
    from .validation import Anything

    return Anything()


def _examine(kind: str, options: dict[str, Any], segment: str | None) -> tuple[
        list[Problem], pd.DataFrame | None, str | None, dict[str, Any]]:
    """Load, and on each problem a setting settles, apply it and load again.

    Returns the problems, the loaded frame (``None`` when blocked), the blocking
    problem's explained message, and the options the last load used.
    """
    options = dict(options)
    given = set(options)
    problems: list[Problem] = []
    for _ in range(_MAX_PROBLEMS + 1):
        try:
            return problems, _call(kind, options), None, options
        except RetentionDataError as exc:
            explained = _explain(kind, exc, options, segment)
            step = _continuation(kind, exc, options, given) if len(problems) < _MAX_PROBLEMS else None
            if step is None:
                return problems, None, explained, options
            option, value, assumed = step
            gist = _CONTINUE_NOTE.get(option, "{gist}").format(gist=_gist(exc))
            problems.append(Problem(option, value, explained.removeprefix(f"{kind} file: "), gist, assumed))
            options[option] = value
    raise AssertionError("unreachable")  # pragma: no cover


_STATUS_NAME = re.compile(r"(^|_)(status|state)$")
_PLACE = re.compile(r"billing|shipping|address|province|country|city")


def _statuses(options: dict[str, Any], limit: int = 12) -> list[tuple[str, pd.Series, int]]:
    """The value counts of every status-like column of the file, read with the loaders'
    own reader (so workbooks, Parquet and gzip'ed files are read as the loader reads them)."""
    from .io.formats import sniff_format
    from .io.readers import _header, _read, _sniff_separator

    def looks_like_status(col: object) -> bool:
        name = re.sub(r"[^a-z]+", "_", str(col).lower()).strip("_")
        return bool(_STATUS_NAME.search(name)) and not _PLACE.search(name)

    path = Path(options["source"])
    if not path.is_file():
        return []  # the loader has already said so
    try:
        if sniff_format(path).format == "csv":  # a text file: its header says whether to read it
            encoding = options.get("encoding", "utf-8-sig")
            sep = options.get("sep", "auto")
            sep = _sniff_separator(path, encoding) if sep == "auto" else sep
            if not any(looks_like_status(col) for col in _header(path, encoding, sep, path.name)):
                return []
        frame = _read(options["source"], {}, sep=options.get("sep", "auto"),
                      encoding=options.get("encoding", "utf-8-sig"), sheet=options.get("sheet"))
    except (RetentionDataError, OSError, UnicodeError):
        return []  # the loader has already said what is wrong with the file
    found = []
    for col in frame.raw.columns:
        if not looks_like_status(col):
            continue
        values = frame.raw[col]
        counts = values.astype("str").str.strip().value_counts() if values.dtype != object else \
            values.map(lambda v: str(v).strip(), na_action="ignore").value_counts()
        found.append((str(col), counts.head(limit), len(counts) - limit))
    return found


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return json.dumps(str(value), ensure_ascii=False)


def _toml(kind: str, options: dict[str, Any], comments: dict[str, str]) -> list[str]:
    """A config section with the source and every option that differs from the loader's default."""
    params = inspect.signature(KINDS[kind]).parameters
    lines = [f"[{kind}]"]
    for key in ["source"] + [p for p in params if p != "source"]:
        if key not in options:
            continue
        value = options[key]
        default = params[key].default if key in params else inspect.Parameter.empty
        same = (default is not inspect.Parameter.empty and
                (list(value) == list(default) if isinstance(value, (list, tuple)) and isinstance(default, (list, tuple))
                 else value == default))
        if same and key not in comments:
            continue
        line = f"{json.dumps(key) if not re.fullmatch(r'[A-Za-z0-9_-]+', key) else key} = {_toml_value(value)}"
        if key in comments:
            line += f"  # {comments[key]}"
        lines.append(line)
    return lines


def _check(args: argparse.Namespace) -> int:
    if args.file is None and args.config is None:
        raise UsageError("check: give the FILE to check (with --kind), or --config FILE.toml.")
    if args.file is not None and args.kind is None:
        raise UsageError("check: say what the file holds with --kind transactions|subscriptions|survey|sessions.")
    kinds = [args.kind] if args.kind else None
    namespace = argparse.Namespace(**{**vars(args), **({args.kind: args.file} if args.file else {})})
    inputs, report = _inputs(namespace, kinds)
    if not inputs:
        wanted = f"a [{args.kind}] section with a source" if args.kind else "an input section with a source"
        raise UsageError(f"check: --config {args.config} has no {wanted} ([transactions] source = \"orders.csv\").")
    segment = report.get("segment_col")
    sections: list[str] = []
    troubles: list[str] = []
    blocked: list[str] = []
    for kind, options in inputs.items():
        problems, frame, blocking, used = _examine(kind, options, segment)
        print(f"{kind}: {options['source']}")
        if problems:
            print(f"{len(problems)} problem{'s' if len(problems) != 1 else ''}, each with the setting that settles it:")
            for i, problem in enumerate(problems, 1):
                flag = LOADER_OPTIONS.get(problem.option)
                shown = _toml_value(problem.value)
                where = f" (command line: {flag} {problem.value})" if flag else ""
                head = f"{i:>3}. {problem.option} = {shown}{where}"
                if problem.assumed:
                    head += f": assumed, one of {problem.option}'s candidates, to look further; confirm it"
                print(head)
                for line in textwrap.wrap(problem.message, width=100, break_long_words=False, break_on_hyphens=False):
                    print(f"       {line}")
        if frame is not None:
            print("loaded with these settings:" if problems else "loads as given:")
            for line in _summary(kind, frame):
                print(f"  {line.strip()}")
        elif blocking is not None:
            if len(inputs) > 1 or problems:
                print("stopped: a problem no setting the check can choose settles:")
                for line in textwrap.wrap(blocking, width=100, break_long_words=False, break_on_hyphens=False):
                    print(f"       {line}")
            blocked.append(blocking)
        for column, counts, more in _statuses(used) if kind == "transactions" else []:
            print(f"status column {column!r}: rows per value (leave some out with --status-col {json.dumps(column)} "
                  "--exclude-statuses A,B)")
            for value, n in counts.items():
                print(f"  {value if value else '(blank)'}: {n:,}")
            if more > 0:
                print(f"  (and {more:,} more values)")
        comments = {p.option: ("assumed by check to look further: confirm it" if p.assumed else p.gist)
                    for p in problems}
        sections.append("\n".join(_toml(kind, used, comments)))
        if problems:
            troubles.append(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in the {kind} file")
        print()
    if "report" in (_read_config(args.config)[0] if args.config else {}):
        report_lines = ["[report]"] + [f"{k} = {_toml_value(v)}" for k, v in _read_config(args.config)[0]["report"].items()]
        sections.insert(0, "\n".join(report_lines))
    if blocked:
        print("the settings so far (the file does not load yet):")
    else:
        print("a config that loads the file this way (save it, e.g. as checked.toml, and pass --config checked.toml):")
    print()
    print("\n\n".join(sections))
    if blocked:
        if len(inputs) == 1:
            earlier = f" ({troubles[0]} listed above)" if troubles else ""
            raise UsageError(blocked[0] + earlier)
        raise UsageError("; ".join(troubles + [f"{len(blocked)} input(s) do not load"]) + "; see above.")
    if troubles:
        raise UsageError("; ".join(troubles) + "; see above (the config printed settles them).")
    return 0


def _parameters(notebook: NotebookSpec, inputs: dict[str, dict[str, Any]], report: dict[str, Any]) -> dict[str, Any]:
    """The values injected into the notebook's parameters cell, read from its registry entry."""
    params: dict[str, Any] = {}
    if inputs:
        for given in notebook.inputs:
            params[given.parameter] = inputs.get(given.kind)
        # the default dates and worked customer belong to the bundled data (CDNOW, the
        # synthetic samples): on the user's exports the notebook derives them instead
        for name in (notebook.observation_end_param, notebook.calibration_end_param,
                     notebook.worked_customer_param):
            if name is not None:
                params[name] = None
        if notebook.segment_param is not None:
            params[notebook.segment_param] = report.get("segment_col")
    if "period" in report and notebook.period_param:
        params[notebook.period_param] = report["period"]
    if "active_days" in report and notebook.activity_param:
        params[notebook.activity_param] = int(report["active_days"])
    if "calendar" in report and notebook.calendar_param:
        params[notebook.calendar_param] = report["calendar"]
    if "fiscal_year_start" in report and notebook.fiscal_year_param:
        params[notebook.fiscal_year_param] = int(report["fiscal_year_start"])
    return params


def _parameter_assignments(folder: Path, name: str) -> list[Any]:
    """The assignments (``ast`` nodes) of a notebook's ``parameters`` cell."""
    import ast

    nb = json.loads((folder / f"{name}.ipynb").read_text(encoding="utf-8"))
    return [node for cell in nb["cells"] if "parameters" in cell.get("metadata", {}).get("tags", [])
            for node in ast.parse("".join(cell["source"])).body
            if isinstance(node, (ast.AnnAssign, ast.Assign))]


def _parameters_cell(folder: Path, name: str) -> dict[str, str]:
    """The variables of a notebook's ``parameters`` cell, each with its annotation's text
    (``""`` when not annotated)."""
    import ast

    found: dict[str, str] = {}
    for node in _parameter_assignments(folder, name):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            found[node.target.id] = ast.unparse(node.annotation)
        elif isinstance(node, ast.Assign):
            found.update({t.id: "" for t in node.targets if isinstance(t, ast.Name)})
    return found


def _fits(value: Any, annotation: str) -> bool:
    """Whether ``value`` is of the type a parameters-cell annotation names (str, int,
    float, bool, dict, tuple, list, ``X | None``); an annotation it cannot read accepts."""
    import typing

    names = {"str": str, "int": int, "float": float, "bool": bool, "dict": dict, "tuple": tuple,
             "list": list, "None": None}
    try:
        kind = eval(annotation, {"__builtins__": {}}, names) if annotation else None  # noqa: S307
    except Exception:
        return True

    def ok(v: Any, t: Any) -> bool:
        if t is None:
            return v is None
        args = typing.get_args(t)
        origin = typing.get_origin(t) or t
        if args and origin not in (tuple, list, dict):  # a union
            return any(ok(v, a) for a in args)
        if origin is float:
            return isinstance(v, (int, float)) and not isinstance(v, bool)
        if origin is int:
            return isinstance(v, int) and not isinstance(v, bool)
        return isinstance(origin, type) and isinstance(v, origin)

    return kind is None and not annotation or ok(value, kind)


def _literal(text: str) -> Any:
    """A ``--param`` value: a Python literal (``0.01``, ``None``, ``(1, 2)``), else the text."""
    import ast

    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _user_params(args: argparse.Namespace, plan: list[NotebookSpec], folder: Path) -> dict[str, dict[str, Any]]:
    """The ``[params]`` of the config and the ``--param NAME=VALUE`` values, per notebook.

    A name is matched to the notebooks' parameters cells regardless of case
    (``penalizer`` sets ``PENALIZER``) and goes to every planned notebook that has it; a
    name no planned notebook has, a value of the wrong type, and a parameter the command
    sets from an option of its own (the inputs, ``--period``...) are refused.
    """
    given: dict[str, tuple[Any, str]] = {}
    config = _read_config(args.config)[0].get("params", {}) if args.config else {}
    for name, value in config.items():
        given[str(name)] = (value, f"{name} in [params] of --config")
    for item in getattr(args, "param", None) or []:
        name, sep, text = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--param {item}: expected NAME=VALUE, e.g. --param penalizer=0.01.")
        given[name.strip()] = (_literal(text.strip()), f"--param {item}")
    per_notebook: dict[str, dict[str, Any]] = {nb.name: {} for nb in plan}
    if not given:
        return per_notebook
    cells = {nb.name: _parameters_cell(folder, nb.name) for nb in plan}
    own = {"period_param": "--period", "activity_param": "--active-days", "segment_param": "--segment-col",
           "calendar_param": "--calendar", "fiscal_year_param": "--fiscal-year-start"}
    for name, (value, where) in given.items():
        hits = 0
        for nb in plan:
            match = [p for p in cells[nb.name] if p.upper() == name.upper()]
            if not match:
                continue
            real = match[0]
            if real in {i.parameter for i in nb.inputs}:
                raise UsageError(f"{where}: {real} is the notebook's input; give the file with --{next(i.kind for i in nb.inputs if i.parameter == real)} and its options.")
            for attribute, flag in own.items():
                if getattr(nb, attribute) == real:
                    raise UsageError(f"{where}: {real} is set by {flag}; use that option.")
            if not _fits(value, cells[nb.name][real]):
                raise UsageError(f"{where}: {real} of {nb.name} expects {cells[nb.name][real]}, not {value!r}.")
            per_notebook[nb.name][real] = value
            hits += 1
        if not hits:
            known = sorted({p for names in cells.values() for p in names})
            raise UsageError(f"{where}: no notebook of this run has a parameter {name!r}; they have: "
                             f"{', '.join(known)}.")
    return per_notebook


def _html(executed: Path, target: Path, *, show_code: bool = False) -> None:
    """The HTML page of an executed notebook (offline, self-contained); code cells hidden
    unless ``show_code``."""
    from .html import notebook_html

    notebook_html(executed, target, show_code=show_code)


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }}
table {{ border-collapse: collapse; width: 100%; margin: 1rem 0; }}
th, td {{ border-bottom: 1px solid #ddd; padding: .4rem .6rem; text-align: left; vertical-align: top; }}
.failed {{ color: #b2182b; font-weight: bold; }} .ok {{ color: #2166ac; }}
pre {{ background: #f6f6f6; padding: .6rem; white-space: pre-wrap; }}
</style></head><body>
{body}
</body></html>
"""


def _esc(text: object) -> str:
    import html

    return html.escape(str(text))


def _fix(nb: NotebookSpec, ename: str, message: str, params: dict[str, str]) -> str:
    """The option that settles a notebook's failure, from the error's type and the names it carries."""
    if ename == "ConvergenceError" and "PENALIZER" in params:
        return ("a model fit did not converge even with the largest penalizer of the ladder: set a larger one "
                "with --param PENALIZER=1 (or PENALIZER = 1 in [params] of --config), or give more history.")
    if ename == "ConvergenceError":
        return "a model fit did not converge: a penalizer (--param NAME=VALUE) or more history settles it."
    flags = {nb.period_param: "--period", nb.activity_param: "--active-days", nb.segment_param: "--segment-col",
             nb.calendar_param: "--calendar", nb.fiscal_year_param: "--fiscal-year-start"}
    for name in re.findall(r"\b(\w+)=", message):
        if name in LOADER_OPTIONS and LOADER_OPTIONS[name]:
            return f"set {LOADER_OPTIONS[name]} (or {name} in the input's section of --config)."
        upper = name.upper()
        # notebook parameters that carry the option under a longer name (months= -> CLV_MONTHS)
        also = [p for p in params if p.endswith(f"_{upper}")]
        if upper in flags and flags[upper]:
            if also:  # LONG_FREQ beside FREQ: name both
                return (f"set {flags[upper]} (for {upper}) or --param {also[0]}=VALUE (for {also[0]}), "
                        "whichever the failing cell uses.")
            return f"set {flags[upper]}."
        carriers = [upper] if upper in params else also
        if len(carriers) == 1:
            return f"set --param {carriers[0]}=VALUE (or {carriers[0]} in [params] of --config)."
    names = ", ".join(p for p in params if p not in {i.parameter for i in nb.inputs})
    return f"read the message; this notebook's parameters ({names}) can be set with --param NAME=VALUE."


def _failure_page(target: Path, nb: NotebookSpec, cell: object, message: str, fix: str) -> None:
    body = (f"<h1>{_esc(nb.name)}: failed</h1>"
            f"<p>The notebook stopped in cell {_esc(cell)} with this message:</p><pre>{_esc(message)}</pre>"
            f"<p><strong>What settles it:</strong> {_esc(fix)}</p>"
            "<p>The other pages of the report were written; see the <a href=\"index.html\">index</a>.</p>")
    target.write_text(_PAGE.format(title=f"{nb.name}: failed", body=body), encoding="utf-8")


def _bundled_frames() -> dict[str, pd.DataFrame]:
    from . import datasets

    return {"transactions": datasets.load_sample_orders(), "subscriptions": datasets.load_sample_subscriptions(),
            "survey": datasets.load_sample_survey(), "sessions": datasets.load_sample_sessions()}


def _cell_defaults(folder: Path, name: str) -> dict[str, Any]:
    """The literal default values of a notebook's ``parameters`` cell."""
    import ast

    found: dict[str, Any] = {}
    for node in _parameter_assignments(folder, name):
        target = node.target if isinstance(node, ast.AnnAssign) else (
            node.targets[0] if len(node.targets) == 1 else None)
        if isinstance(target, ast.Name) and node.value is not None:
            try:
                found[target.id] = ast.literal_eval(node.value)
            except ValueError:
                pass
    return found


def _kpi_files(frames: dict[str, pd.DataFrame], dashboard: dict[str, Any], staging: Path) -> tuple[list[str], str]:
    """Write ``kpi_table.csv`` and ``kpi_table.xlsx`` from :func:`retention_kit.kpi_table`,
    with the dashboard's parameters (``dashboard``: notebook 00's parameters as it runs,
    defaults included), so the files hold the dashboard's table; the files written and a
    note (why not, or what is missing)."""
    from .kpi import kpi_table

    options: dict[str, Any] = dict(frames)
    for param, name in (("FREQ", "freq"), ("ACTIVE_DAYS", "active_days"), ("OBSERVATION_END", "observation_end"),
                        ("CALENDAR", "calendar"), ("FISCAL_YEAR_START", "fiscal_year_start")):
        if param in dashboard:
            options[name] = dashboard[param]
    if "transactions" in frames and "subscriptions" in frames:
        options["customers_from"] = dashboard.get("CUSTOMERS_FROM")
    try:
        table = kpi_table(**options)
    except RetentionDataError as exc:
        raise NotebookFailed(f"the KPI table failed: {exc}") from None
    written = []
    table.to_csv(staging / "kpi_table.csv", index=False)
    written.append("kpi_table.csv")
    sheet = table.copy()
    for column in sheet.columns:
        if isinstance(sheet[column].dtype, pd.PeriodDtype) or sheet[column].dtype == object:
            sheet[column] = sheet[column].astype(str)
        elif isinstance(sheet[column].dtype, pd.DatetimeTZDtype):
            sheet[column] = sheet[column].dt.tz_localize(None)
    engine = next((e for e in ("xlsxwriter", "openpyxl") if _importable(e)), None)
    if engine is None:
        return written, "Excel workbook not written: install xlsxwriter or openpyxl."
    with pd.ExcelWriter(staging / "kpi_table.xlsx", engine=engine) as book:
        sheet.to_excel(book, sheet_name="KPIs", index=False)
        notes = pd.DataFrame({"item": [str(k) for k in table.attrs], "definition": [str(v) for v in table.attrs.values()]})
        notes.to_excel(book, sheet_name="definitions", index=False)
    written.append("kpi_table.xlsx")
    return written, ""


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _index(staging: Path, results: list[dict[str, Any]], skipped: list[tuple[str, str]],
           loads: dict[str, list[str]], inputs: dict[str, dict[str, Any]], kpi: tuple[list[str], str]) -> None:
    failed = [r for r in results if r["status"] == "failed"]
    parts = ["<h1>Retention report</h1>",
             f"<p>Written {time.strftime('%Y-%m-%d %H:%M')} by retention-kit. "
             + (f"<span class=\"failed\">{len(failed)} of {len(results)} pages failed</span>: each has a page with "
                "the message and the option that settles it.</p>" if failed
                else f"All {len(results)} pages ran.</p>")]
    parts.append("<h2>Pages</h2><table><tr><th>page</th><th>status</th><th>data it ran on</th><th>time</th></tr>")
    for r in results:
        status = ("<span class=\"ok\">ran</span>" if r["status"] == "ok" else
                  f"<span class=\"failed\">failed</span>: {_esc(r['message'])}<br>What settles it: {_esc(r['fix'])}")
        parts.append(f"<tr><td><a href=\"{_esc(r['page'])}\">{_esc(r['name'])}</a></td><td>{status}</td>"
                     f"<td>{_esc(r['data'])}</td><td>{r['seconds']:.0f} s</td></tr>")
    parts.append("</table>")
    files, note = kpi
    parts.append("<h2>KPI table</h2><p>" + (" ".join(f"<a href=\"{_esc(f)}\">{_esc(f)}</a>" for f in files) or "none")
                 + (f" ({_esc(note)})" if note else "") + "</p>")
    if skipped:
        parts.append("<h2>Skipped</h2><ul>" + "".join(f"<li>{_esc(n)}: {_esc(why)}</li>" for n, why in skipped) + "</ul>")
    parts.append("<h2>Data</h2>")
    if not inputs:
        parts.append("<p>No input given: every page ran on the sample data bundled with retention-kit.</p>")
    else:
        parts.append("<p>Every page ran on the files below. The notebooks' sections that only demonstrate the "
                     "kit's sample data, and their exercises, were left out.</p>")
    for kind, lines in loads.items():
        parts.append(f"<h3>{_esc(kind)}: {_esc(Path(inputs[kind]['source']).name)}</h3><pre>"
                     + _esc("\n".join(line.strip() for line in lines)) + "</pre>")
    (staging / "index.html").write_text(_PAGE.format(title="Retention report", body="\n".join(parts)), encoding="utf-8")


def _report(args: argparse.Namespace) -> int:
    inputs, report = _inputs(args)
    out = Path(report.get("out", "reports")).resolve()
    folder = _notebook_dir()
    frames: dict[str, pd.DataFrame] = {}
    loads: dict[str, list[str]] = {}
    if inputs:
        print("checking the inputs:")
        for kind, options in inputs.items():
            frame = frames[kind] = _load(kind, options, report.get("segment_col"))
            loads[kind] = _summary(kind, frame)
            for line in loads[kind]:
                print(f"  [{kind}] {line.strip()}")
        if "survey" in inputs and "subscriptions" in inputs:
            survey = frames["survey"]
            if "customer_id" not in survey.columns or "date" not in survey.columns:
                raise UsageError(
                    "survey file: linking answers to churn needs the survey's customer id and answer "
                    "date: set --customer-col and --date-col (or customer_col / date_col in [survey]), "
                    "or leave out --subscriptions."
                )
            ids = frames["subscriptions"]["customer_id"]
            if len(survey) and not survey["customer_id"].isin(ids).any():
                if survey["customer_id"].astype(str).str.lower().isin(ids.astype(str).str.lower()).any():
                    raise UsageError(
                        "survey file: its customer ids match the subscriptions file's only when letter case is "
                        "ignored: set id_case = \"lower\" in both [survey] and [subscriptions] of --config "
                        "(--id-case lower on the command line)."
                    )
                raise UsageError(
                    "survey file: none of its customer ids appears in the subscriptions file (survey ids such as "
                    f"{', '.join(repr(str(v)) for v in survey['customer_id'].head(2))}; subscription ids such as "
                    f"{', '.join(repr(str(v)) for v in ids.head(2))}), so no answer can be linked to churn: set "
                    "customer_col in [survey] or [subscriptions] of --config so both hold the same customer id, "
                    "or leave out --subscriptions."
                )
    else:
        print("no input given: running every notebook on the bundled sample data")
    wanted = [w.strip().zfill(2) for w in args.notebooks.split(",")] if args.notebooks else []
    unknown = [w for w in wanted if w not in {nb.number for nb in NOTEBOOKS}]
    if unknown:
        raise UsageError(
            f"--notebooks {args.notebooks}: no notebook numbered {', '.join(unknown)}; the notebooks are "
            f"{', '.join(nb.name for nb in NOTEBOOKS)}."
        )
    selected = [nb for nb in NOTEBOOKS if not wanted or nb.number in wanted]
    plan = []
    skipped: list[tuple[str, str]] = []
    for nb in selected:
        missing = [k for k in nb.required_kinds if inputs and k not in inputs]
        if missing:
            skipped.append((nb.name, f"needs --{missing[0]} (not given)"))
            print(f"skip {nb.name}: {skipped[-1][1]}")
            continue
        lacking = [i for i in nb.inputs if inputs and i.needs and i.kind in inputs
                   and not inputs[i.kind].get(i.needs)]
        if lacking:
            need = lacking[0]
            flag = LOADER_OPTIONS.get(need.needs) or need.needs
            skipped.append((nb.name, f"needs {flag} ({need.reason})"))
            print(f"skip {nb.name}: {skipped[-1][1]}")
            continue
        plan.append(nb)
    if not plan:
        raise UsageError("no notebook has its inputs: give --transactions, --subscriptions or --survey.")
    extra = _user_params(args, plan, folder)
    if not inputs:
        frames = _bundled_frames()
    failed = list(_execute(plan, inputs, report, out, folder, extra=extra, skipped=skipped, loads=loads,
                           frames=frames, show_code=bool(getattr(args, "show_code", False))))
    if failed:
        raise NotebookFailed(
            f"{len(failed)} of {len(plan)} notebooks failed: " + "; ".join(failed)
            + f". The other pages, a page per failure and index.html were written to {out}."
        )
    print(f"wrote {len(plan)} executed notebooks, their HTML pages and index.html to {out}")
    return 0


def _runnable(folder: Path, nb: NotebookSpec, inputs: dict[str, dict[str, Any]], staging: Path) -> Path:
    """The notebook to run: as committed on the bundled data; on the user's exports without
    the cells tagged ``bundled-example`` (they compute on, or speak of, the bundled data)."""
    path = folder / f"{nb.name}.ipynb"
    if not inputs:
        return path
    notebook = json.loads(path.read_text(encoding="utf-8"))
    cells = [c for c in notebook["cells"] if BUNDLED_TAG not in c.get("metadata", {}).get("tags", [])]
    if len(cells) == len(notebook["cells"]):
        return path
    notebook["cells"] = cells
    target = staging / ".sources" / path.name
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps(notebook, ensure_ascii=False), encoding="utf-8")
    return target


def _quiet_kernel_manager() -> Any:
    """A kernel manager whose kernel's stderr (the "TCP without encryption" warning, the
    KeyboardInterrupt traces at shutdown) does not reach the user's terminal; cell errors
    still come back through the messaging protocol."""
    import subprocess

    from jupyter_client.manager import AsyncKernelManager

    class QuietKernelManager(AsyncKernelManager):
        async def _async_pre_start_kernel(self, **kw: Any) -> tuple[list[str], dict[str, Any]]:
            cmd, kw = await super()._async_pre_start_kernel(**kw)
            kw["stderr"] = subprocess.DEVNULL
            return cmd, kw

    return QuietKernelManager


def _execute(plan: list[NotebookSpec], inputs: dict[str, dict[str, Any]], report: dict[str, Any],
             out: Path, folder: Path, *, extra: dict[str, dict[str, Any]] | None = None,
             skipped: list[tuple[str, str]] | None = None, loads: dict[str, list[str]] | None = None,
             frames: dict[str, pd.DataFrame] | None = None, show_code: bool = False) -> list[str]:
    """Run the planned notebooks into a staging folder, then move the pages into ``out``.

    A notebook that fails gets a failure page and the run goes on; returns one line per
    failure (empty when every notebook ran).
    """
    import logging

    import papermill

    # papermill warns about parameters it cannot find by parsing the typed parameters
    # cell; it injects them all the same
    logging.getLogger("papermill").setLevel(logging.ERROR)
    progress = sys.stderr.isatty()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".retention-kit-", dir=out.parent))
    results: list[dict[str, Any]] = []
    failures: list[str] = []
    try:
        for i, nb in enumerate(plan, 1):
            params = {**_parameters(nb, inputs, report), **(extra or {}).get(nb.name, {})}
            started = time.perf_counter()
            print(f"[{i}/{len(plan)}] {nb.name} ...", flush=True)
            executed = staging / f"{nb.name}.ipynb"
            data = ("; ".join(f"{i.kind}: {Path(inputs[i.kind]['source']).name}" for i in nb.inputs
                              if i.kind in inputs) if inputs else "the bundled sample data")
            result = {"name": nb.name, "page": f"{nb.name}.html", "data": data, "status": "ok"}
            try:
                papermill.execute_notebook(
                    str(_runnable(folder, nb, inputs, staging)), str(executed), parameters=params,
                    cwd=str(folder), progress_bar=progress, log_output=False, kernel_name="python3",
                    kernel_manager_class=_quiet_kernel_manager(),
                )
            except papermill.PapermillExecutionError as exc:
                message = f"{exc.ename}: {str(exc.evalue).rstrip('.')}"
                fix = _fix(nb, exc.ename, str(exc.evalue), _parameters_cell(folder, nb.name))
                _failure_page(staging / f"{nb.name}.html", nb, exc.exec_count, message, fix)
                result.update(status="failed", message=f"cell {exc.exec_count}: {message}", fix=fix)
                failures.append(f"{nb.name} failed in cell {exc.exec_count}: {message} ({fix})")
                print(f"      FAILED in cell {exc.exec_count}: {message}", flush=True)
            else:
                _html(executed, staging / f"{nb.name}.html", show_code=show_code and not nb.code_hidden)
            result["seconds"] = time.perf_counter() - started
            results.append(result)
            if result["status"] == "ok":
                print(f"      done in {result['seconds']:.0f} s", flush=True)
        kpi: tuple[list[str], str] = ([], "not written: no data was loaded.")
        if frames:
            dash = next(nb for nb in NOTEBOOKS if nb.number == "00")
            dashboard = {**_cell_defaults(folder, dash.name), **_parameters(dash, inputs, report),
                         **(extra or {}).get(dash.name, {})}
            try:
                kpi = _kpi_files(frames, dashboard, staging)
            except NotebookFailed as exc:
                kpi = ([], str(exc))
                failures.append(str(exc))
        _index(staging, results, skipped or [], loads or {}, inputs, kpi)
        out.mkdir(parents=True, exist_ok=True)
        for nb in NOTEBOOKS:  # reports of an earlier run that this run did not redo
            for stale in (out / f"{nb.name}.ipynb", out / f"{nb.name}.html"):
                if stale.exists() and nb not in plan:
                    stale.unlink()
                    print(f"removed {stale.name}: left from an earlier run, not part of this one")
        for name in ("kpi_table.csv", "kpi_table.xlsx"):
            if (out / name).exists() and not (staging / name).exists():
                (out / name).unlink()
        for file in sorted(staging.iterdir()):
            if file.name.startswith("."):
                continue  # the notebooks as run, without their bundled-only cells
            shutil.move(str(file), out / file.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return failures


class _Parser(argparse.ArgumentParser):
    """argparse, with its usage errors in the command's one-line error format."""

    def error(self, message: str) -> Any:  # type: ignore[override]
        raise _ParseError(self, message)


class _ParseError(Exception):
    def __init__(self, parser: argparse.ArgumentParser, message: str) -> None:
        super().__init__(message)
        self.parser = parser


def _kinds_text(option: str) -> str:
    kinds = _kinds_of(option)
    return f"({', '.join(kinds)})" if kinds else "(not taken by this version's loaders)"


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="retention-kit",
        description="Run the retention-kit notebooks on your own exports (report), or find every "
                    "problem of one export in one run and print the config that loads it (check). "
                    "Bad input ends with exit code 2 and one 'retention-kit: error:' line.",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def mapping(p: argparse.ArgumentParser) -> None:
        g = p.add_argument_group(
            "column mapping and parsing (also settable per input in --config; in brackets the inputs "
            "each option applies to)")
        for option, flag in LOADER_OPTIONS.items():
            if flag is None:
                continue
            text, extra = _FLAG_HELP[option]
            g.add_argument(flag, dest=_dest(flag), help=f"{text} {_kinds_text(option)}", **extra)
        p.add_argument("--config", help="TOML file with [report], [transactions], [subscriptions], [survey], "
                                        "[sessions] sections of the same options, keyed by the loader option "
                                        "names (see the README); keys only in a config: "
                                        + ", ".join(o for o, f in LOADER_OPTIONS.items() if f is None))

    report = sub.add_parser("report", help="execute the notebooks and write HTML reports",
                            description="Execute every notebook whose inputs are given (all of them on the "
                                        "bundled data when none is given) and write executed notebooks and HTML "
                                        "reports to --out. The committed notebooks are not modified. Every input "
                                        "is loaded and checked before any notebook runs.")
    report.add_argument("--transactions", metavar="FILE", help="order export: one row per purchase")
    report.add_argument("--subscriptions", metavar="FILE", help="subscription export: one row per spell")
    report.add_argument("--survey", metavar="FILE", help="NPS survey export: one row per answer")
    report.add_argument("--sessions", metavar="FILE", help="web sessions export: one row per session")
    report.add_argument("--out", metavar="DIR", help="output folder (default: reports)")
    report.add_argument("--period", choices=["W", "M", "Q", "Y"], help="main period of the per-period tables")
    report.add_argument("--active-days", dest="active_days", type=int, metavar="N",
                        help="activity rule of the CRR notebook: a customer counts while their last purchase is at most N days old")
    report.add_argument("--segment-col", dest="segment_col", help="column to split churn curves and NPS by")
    report.add_argument("--fiscal-year-start", dest="fiscal_year_start", type=int, metavar="MONTH",
                        help="month (1-12) the fiscal year starts in, for --period Q or Y: periods become "
                             "fiscal quarters and years named by the year they end in (FY2025Q1); "
                             "--calendar jalali also gives Jalali months, seasons and years")
    report.add_argument("--notebooks", metavar="01,03", help="only these notebooks (by number)")
    report.add_argument("--param", action="append", metavar="NAME=VALUE",
                        help="set a notebook parameter (repeatable; any case), e.g. --param penalizer=0.01; "
                             "checked against the parameters cell of every notebook that has it (also "
                             "settable in a [params] table of --config)")
    report.add_argument("--show-code", dest="show_code", action="store_true",
                        help="show the code cells in the HTML pages (hidden by default)")
    mapping(report)

    check = sub.add_parser(
        "check", help="find every problem of an export in one run, and print the config that loads it",
        description="Load an export and report every problem in one run: each with its count, a few "
                    "example lines and the option that settles it. For a problem an option settles "
                    "(blank ids, duplicates, refunds, invalid scores -> exclude; decimal commas -> ','; "
                    "an error's first candidate value, marked as assumed) the check sets it and loads "
                    "again, until the file loads or a problem needs your decision. It prints what the "
                    "loader made of the file, the values of status-like columns (for "
                    "--exclude-statuses), and a TOML section with every non-default option: save it and "
                    "pass it as --config. Exit code 0: the file loads as given; 2: it does not. "
                    "With --config and no FILE, every input section of the config is checked (or the "
                    "one --kind names).")
    check.add_argument("file", nargs="?", help="the export file (optional with --config)")
    check.add_argument("--kind", choices=list(KINDS), help="what the file holds (required with FILE)")
    mapping(check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``retention-kit`` console script; returns the exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
        return _report(args) if args.command == "report" else _check(args)
    except _ParseError as exc:
        exc.parser.print_usage(sys.stderr)
        return _fail(f"{exc} (see {exc.parser.prog} --help)", 2)
    except UsageError as exc:
        return _fail(str(exc), 2)
    except NotebookFailed as exc:
        return _fail(str(exc), 1)
    except BrokenPipeError:
        # the reader of the output went away (``retention-kit check ... | head``): stop
        # quietly, and keep Python from complaining when it flushes stdout at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        return _fail("interrupted; nothing was written.", 130)
    except Exception as exc:  # a bug of the kit's: one line, not a traceback, unless asked for
        if os.environ.get("RETENTION_KIT_DEBUG"):
            raise
        return _fail(
            f"internal error ({type(exc).__name__}: {exc}). This is a bug in retention-kit, not a "
            "problem of your file: please report it with the command you ran "
            "(RETENTION_KIT_DEBUG=1 shows the traceback).", 70)


def _fail(message: str, code: int) -> int:
    sys.stdout.flush()
    print(f"retention-kit: error: {' '.join(message.split())}", file=sys.stderr)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
