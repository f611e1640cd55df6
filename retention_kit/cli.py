"""The ``retention-kit`` command: run the notebooks on your own exports, or check one.

``retention-kit report`` executes every notebook whose inputs are available with
papermill, injecting the loader options into the notebooks' ``parameters`` cells, and
writes the executed notebooks and an HTML report each into ``--out``. The committed
notebooks are never modified. Inputs are validated with the kit's loaders before any
notebook runs, and the report folder is only written once every notebook succeeded,
so a failed run leaves no partial report that looks like success.

``retention-kit check FILE --kind transactions`` validates one export and prints what
the loader made of it.

The command works wherever the kit is installed: the notebooks and the bundled samples
ship inside the package (``retention_kit.notebooks`` and ``retention_kit.data``, the
repository's ``notebooks/`` and ``data/`` folders) and are found with
:mod:`importlib.resources`. What it does with each notebook (its inputs, and which
parameters carry the period, activity rule, segment column and dates) comes from the
registry :mod:`retention_kit.report_registry`. Its hints for a rejected input come from
the error's ``parameter`` and ``column`` fields, mapped to a command-line flag and a
config key by the one table :data:`LOADER_OPTIONS`, never from the message text.
"""

from __future__ import annotations

import argparse
import inspect
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ._resources import bundled_folder
from .errors import RetentionDataError
from .io import load_report, load_sessions, load_subscriptions, load_survey, load_transactions
from .report_registry import NOTEBOOKS, NotebookSpec
from .validation import ACTIVE_DAYS, check_param

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["main", "NOTEBOOKS", "KINDS", "LOADER_OPTIONS"]

#: The input kinds, their loaders, and the loader options the command line can set.
KINDS: dict[str, Any] = {
    "transactions": load_transactions,
    "subscriptions": load_subscriptions,
    "survey": load_survey,
    "sessions": load_sessions,
}

#: Loader option -> its command-line flag (``None``: settable only in --config). The
#: config key is the loader option itself (``[transactions] decimal = ","``). A flag
#: applies to the input kinds whose loader takes the option (see :func:`_kinds_of`).
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
    "date_format": "--date-format",
    "decimal": "--decimal",
    "sep": "--sep",
    "encoding": "--encoding",
    "refunds": "--refunds",
    "duplicates": "--duplicates",
    "blank_ids": "--blank-ids",
    "invalid": "--invalid-scores",
    "keep_columns": None,
}


def _dest(flag: str) -> str:
    """The argparse attribute of a flag: ``--invalid-scores`` -> ``invalid_scores``."""
    return flag[2:].replace("-", "_")


def _kinds_of(option: str) -> tuple[str, ...]:
    """The input kinds whose loader takes ``option``."""
    return tuple(kind for kind, loader in KINDS.items() if option in inspect.signature(loader).parameters)


class UsageError(Exception):
    """Bad command-line input: exit code 2 with the message."""


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
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"--config {path}: not valid TOML ({exc}).") from None
    unknown = set(config) - set(KINDS) - {"report"}
    if unknown:
        raise UsageError(
            f"--config {path}: unknown section(s) {sorted(unknown)}; expected [report], "
            f"{', '.join(f'[{k}]' for k in KINDS)}."
        )
    return config, file.resolve().parent


def _inputs(args: argparse.Namespace) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Loader options per given input kind, and the report settings, from config + flags."""
    config, base = _read_config(args.config)
    report = dict(config.get("report", {}))
    inputs: dict[str, dict[str, Any]] = {}
    for kind in KINDS:
        options = dict(config.get(kind, {}))
        if "path" in options:
            options["source"] = options.pop("path")
        if "source" in options:
            source = Path(options["source"])
            options["source"] = str(source if source.is_absolute() else (base / source).resolve())
        flag = getattr(args, kind, None)
        if flag:
            options["source"] = str(Path(flag).resolve())
        if "source" not in options:
            if len(options):
                raise UsageError(f"[{kind}] in --config has options but no source (the file to read).")
            continue
        for option, flag in LOADER_OPTIONS.items():
            value = getattr(args, _dest(flag), None) if flag else None
            if value is not None and kind in _kinds_of(option):
                options[option] = value
        if kind == "transactions":
            missing = [o for o in ("customer_col", "date_col") if o not in options]
            if missing:
                flags = " and ".join(str(LOADER_OPTIONS[o]) for o in missing)
                raise UsageError(
                    f"transactions file: name its {' and '.join(o[:-4] for o in missing)} column with {flags} "
                    "(or customer_col / date_col in the [transactions] section of --config)."
                )
        segment = getattr(args, "segment_col", None) or config.get("report", {}).get("segment_col")
        if segment and kind in ("subscriptions", "survey"):
            keep = list(options.get("keep_columns", []))
            options["keep_columns"] = keep + ([segment] if segment not in keep else [])
        inputs[kind] = options
    for key in ("out", "period", "active_days", "segment_col"):
        value = getattr(args, key, None)
        if value is not None:
            report[key] = value
    unknown = set(report) - {"out", "period", "active_days", "segment_col"}
    if unknown:
        raise UsageError(
            f"[report] in --config: unknown setting(s) {sorted(unknown)}; expected out, period, "
            "active_days, segment_col."
        )
    if "period" in report and report["period"] not in ("W", "M", "Q", "Y"):
        raise UsageError(f"period={report['period']!r}: expected W, M, Q or Y (--period).")
    if "active_days" in report:
        try:
            check_param("active_days", report["active_days"], ACTIVE_DAYS)
        except RetentionDataError as exc:
            raise UsageError(f"{str(exc).rstrip('.')} (--active-days).") from None
    if "out" in report and args.config and not Path(report["out"]).is_absolute() and getattr(args, "out", None) is None:
        report["out"] = str((base / report["out"]).resolve())
    return inputs, report


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


def _load(kind: str, options: dict[str, Any], segment: str | None = None) -> pd.DataFrame:
    try:
        return KINDS[kind](**options)
    except TypeError as exc:
        raise UsageError(f"[{kind}]: {exc}. Check the option names in --config.") from None
    except RetentionDataError as exc:
        raise UsageError(_explain(kind, exc, options, segment)) from None


def _summary(kind: str, frame: pd.DataFrame) -> list[str]:
    report = load_report(frame)
    lines = str(report).splitlines()
    ids = "visitor_id" if kind == "sessions" else "customer_id"
    if ids in frame.columns:
        lines.append(f"  {frame[ids].nunique():,} distinct {'visitors' if kind == 'sessions' else 'customers'}")
    for col in ("date", "start_date"):
        if col in frame.columns and frame[col].notna().any():
            lines.append(f"  {col}: {frame[col].min():%Y-%m-%d} to {frame[col].max():%Y-%m-%d}")
    for col in ("amount", "mrr", "score"):
        if col in frame.columns and len(frame):
            lines.append(f"  {col}: {frame[col].min():,.2f} to {frame[col].max():,.2f}")
    return lines


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
    return params


def _html(executed: Path, target: Path) -> None:
    import nbformat
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(nbformat.read(executed, as_version=4))
    target.write_text(body, encoding="utf-8")


def _report(args: argparse.Namespace) -> int:
    inputs, report = _inputs(args)
    out = Path(report.get("out", "reports")).resolve()
    folder = _notebook_dir()
    if inputs:
        print("checking the inputs:")
        for kind, options in inputs.items():
            frame = _load(kind, options, report.get("segment_col"))
            for line in _summary(kind, frame):
                print(f"  [{kind}] {line.strip()}")
        if "survey" in inputs and "subscriptions" in inputs:
            survey = _load("survey", inputs["survey"], report.get("segment_col"))
            if "customer_id" not in survey.columns or "date" not in survey.columns:
                raise UsageError(
                    "survey file: linking answers to churn needs the survey's customer id and answer "
                    "date: set --customer-col and --date-col (or customer_col / date_col in [survey]), "
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
    for nb in selected:
        missing = [k for k in nb.required_kinds if inputs and k not in inputs]
        if missing:
            print(f"skip {nb.name}: needs --{missing[0]} (not given)")
            continue
        lacking = [i for i in nb.inputs if inputs and i.needs and i.kind in inputs
                   and not inputs[i.kind].get(i.needs)]
        if lacking:
            need = lacking[0]
            flag = LOADER_OPTIONS.get(need.needs) or need.needs
            print(f"skip {nb.name}: needs {flag} ({need.reason})")
            continue
        plan.append(nb)
    if not plan:
        raise UsageError("no notebook has its inputs: give --transactions, --subscriptions or --survey.")
    import logging

    import papermill

    # papermill warns about parameters it cannot find by parsing the typed parameters
    # cell; it injects them all the same
    logging.getLogger("papermill").setLevel(logging.ERROR)

    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".retention-kit-", dir=out.parent))
    try:
        for i, nb in enumerate(plan, 1):
            params = _parameters(nb, inputs, report)
            started = time.perf_counter()
            print(f"[{i}/{len(plan)}] {nb.name} ...", flush=True)
            executed = staging / f"{nb.name}.ipynb"
            try:
                papermill.execute_notebook(
                    str(folder / f"{nb.name}.ipynb"), str(executed), parameters=params,
                    cwd=str(folder), progress_bar=False, log_output=False, kernel_name="python3",
                )
            except papermill.PapermillExecutionError as exc:
                message = f"{exc.ename}: {str(exc.evalue).rstrip('.')}"
                raise NotebookFailed(
                    f"{nb.name} failed in cell {exc.exec_count}: {message}. No report was written."
                ) from None
            _html(executed, staging / f"{nb.name}.html")
            print(f"      done in {time.perf_counter() - started:.0f} s", flush=True)
        out.mkdir(parents=True, exist_ok=True)
        for nb in NOTEBOOKS:  # reports of an earlier run that this run did not redo
            for stale in (out / f"{nb.name}.ipynb", out / f"{nb.name}.html"):
                if stale.exists() and nb not in plan:
                    stale.unlink()
                    print(f"removed {stale.name}: left from an earlier run, not part of this one")
        for file in sorted(staging.iterdir()):
            shutil.move(str(file), out / file.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(f"wrote {len(plan)} executed notebooks and HTML reports to {out}")
    return 0


class NotebookFailed(Exception):
    """A notebook raised while running: exit code 1, nothing written."""


def _check(args: argparse.Namespace) -> int:
    inputs, report = _inputs(argparse.Namespace(**{**vars(args), args.kind: args.file}))
    frame = _load(args.kind, inputs[args.kind], report.get("segment_col"))
    print(f"{args.kind}: {args.file}")
    for line in _summary(args.kind, frame):
        print(line)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="retention-kit",
        description="Run the retention-kit notebooks on your own exports, or check an export.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def mapping(p: argparse.ArgumentParser) -> None:
        g = p.add_argument_group("column mapping and parsing (also settable per input in --config)")
        g.add_argument("--customer-col", dest="customer_col", help="customer id column (transactions, subscriptions, survey)")
        g.add_argument("--date-col", dest="date_col", help="purchase date (transactions) or answer date (survey) column")
        g.add_argument("--amount-col", dest="amount_col", help="order value column (transactions)")
        g.add_argument("--start-col", dest="start_col", help="spell start column (subscriptions)")
        g.add_argument("--end-col", dest="end_col", help="spell end column, blank while live (subscriptions)")
        g.add_argument("--mrr-col", dest="mrr_col", help="monthly recurring revenue column (subscriptions)")
        g.add_argument("--score-col", dest="score_col", help="0-10 answer column (survey)")
        g.add_argument("--visitor-col", dest="visitor_col", help="visitor id column (sessions)")
        g.add_argument("--time-col", dest="time_col", help="session start column (sessions)")
        g.add_argument("--date-format", dest="date_format",
                       help="strftime pattern of the dates, e.g. '%%d/%%m/%%Y'; without it ISO dates and "
                            "unambiguous day/month dates are accepted, ambiguous ones are an error")
        g.add_argument("--decimal", choices=[".", ","], help="decimal separator of amounts (default '.')")
        g.add_argument("--sep", help="field separator (default: detected from the header)")
        g.add_argument("--encoding", help="text encoding (default utf-8, with or without BOM)")
        g.add_argument("--refunds", choices=["error", "exclude"], help="negative amounts (default: error)")
        g.add_argument("--duplicates", choices=["error", "exclude", "keep"], help="identical rows (default: error)")
        g.add_argument("--blank-ids", dest="blank_ids", choices=["error", "exclude"], help="rows without an id")
        g.add_argument("--invalid-scores", dest="invalid_scores", choices=["error", "exclude"],
                       help="survey answers outside 0-10, fractions or blanks")
        p.add_argument("--config", help="TOML file with [report], [transactions], [subscriptions], [survey], "
                                        "[sessions] sections of the same options (see the README)")

    report = sub.add_parser("report", help="execute the notebooks and write HTML reports",
                            description="Execute every notebook whose inputs are given (all of them on the "
                                        "bundled data when none is given) and write executed notebooks and HTML "
                                        "reports to --out. The committed notebooks are not modified.")
    report.add_argument("--transactions", metavar="FILE", help="order export: one row per purchase")
    report.add_argument("--subscriptions", metavar="FILE", help="subscription export: one row per spell")
    report.add_argument("--survey", metavar="FILE", help="NPS survey export: one row per answer")
    report.add_argument("--sessions", metavar="FILE", help="web sessions export: one row per session")
    report.add_argument("--out", metavar="DIR", help="output folder (default: reports)")
    report.add_argument("--period", choices=["W", "M", "Q", "Y"], help="main period of the per-period tables")
    report.add_argument("--active-days", dest="active_days", type=int, metavar="N",
                        help="activity rule of the CRR notebook: a customer counts while their last purchase is at most N days old")
    report.add_argument("--segment-col", dest="segment_col", help="column to split churn curves and NPS by")
    report.add_argument("--notebooks", metavar="01,03", help="only these notebooks (by number)")
    mapping(report)

    check = sub.add_parser("check", help="validate one export and summarise it",
                           description="Load one export with the kit's loader and print rows read, kept and "
                                       "excluded (by reason), customers, date range and value range.")
    check.add_argument("file", help="the CSV export")
    check.add_argument("--kind", required=True, choices=list(KINDS), help="what the file holds")
    mapping(check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``retention-kit`` console script; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return _report(args) if args.command == "report" else _check(args)
    except UsageError as exc:
        print(f"retention-kit: error: {exc}", file=sys.stderr)
        return 2
    except NotebookFailed as exc:
        print(f"retention-kit: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
