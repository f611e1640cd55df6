"""The command's notebook registry and option table agree with the notebooks and loaders."""

from __future__ import annotations

import ast
import inspect
import json

import pytest

from retention_kit._resources import bundled_folder
from retention_kit.cli import KINDS, LOADER_OPTIONS, NOT_OFFERED, _kinds_of, _parameters, _parser
from retention_kit.report_registry import NOTEBOOKS, notebook_spec


def parameters_cell_names(name: str) -> set[str]:
    nb = json.loads((bundled_folder("notebooks") / f"{name}.ipynb").read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(cells) == 1, name
    names = set()
    for node in ast.parse("".join(cells[0]["source"])).body:
        if isinstance(node, ast.AnnAssign):
            names.add(node.target.id)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets)
    return names


def test_every_shipped_notebook_has_one_entry():
    shipped = sorted(p.stem for p in bundled_folder("notebooks").glob("*.ipynb"))
    assert [spec.name for spec in NOTEBOOKS] == shipped
    assert len({spec.number for spec in NOTEBOOKS}) == len(NOTEBOOKS)


@pytest.mark.parametrize("spec", NOTEBOOKS, ids=lambda s: s.name)
def test_registry_names_variables_of_the_parameters_cell(spec):
    assert set(spec.parameter_names) <= parameters_cell_names(spec.name)
    for given in spec.inputs:
        assert given.kind in KINDS
        if given.needs is not None:
            assert given.needs in LOADER_OPTIONS and given.kind in _kinds_of(given.needs)
            assert given.reason


def test_every_flag_exists_and_applies_to_some_input():
    parser_flags = {flag for action in _parser()._subparsers._group_actions[0].choices["report"]._actions
                    for flag in action.option_strings}
    for option, flag in LOADER_OPTIONS.items():
        assert _kinds_of(option), option
        assert flag is None or flag in parser_flags, flag
    # every option of every loader (but the source, and lazy=True, whose LazyFrame the
    # reports do not read) can be set: by a flag or in --config
    assert NOT_OFFERED == {"lazy"}
    for loader in KINDS.values():
        for name in list(inspect.signature(loader).parameters)[1:]:
            assert name in LOADER_OPTIONS or name in NOT_OFFERED, (loader.__name__, name)


def test_parameters_on_the_users_exports():
    inputs = {"transactions": {"source": "t.csv"}, "survey": {"source": "s.csv"}}
    report = {"period": "M", "active_days": 60, "segment_col": "plan"}
    assert _parameters(notebook_spec("01"), inputs, report) == {
        "TRANSACTIONS": {"source": "t.csv"}, "FREQ": "M", "ACTIVE_DAYS": 60}
    assert _parameters(notebook_spec("02"), inputs, report) == {
        "SUBSCRIPTIONS": None, "OBSERVATION_END": None, "SEGMENT_COL": "plan", "FREQ": "M"}
    assert _parameters(notebook_spec("03"), inputs, report) == {
        "TRANSACTIONS": {"source": "t.csv"}, "SESSIONS": None, "FREQ": "M"}
    assert _parameters(notebook_spec("04"), inputs, report) == {
        "TRANSACTIONS": {"source": "t.csv"}, "CALIBRATION_END": None, "OBSERVATION_END": None,
        "WORKED_CUSTOMER": None}
    assert _parameters(notebook_spec("05"), inputs, report) == {
        "SURVEY": {"source": "s.csv"}, "SUBSCRIPTIONS": None, "OBSERVATION_END": None, "SEGMENT_COL": "plan",
        "FREQ": "M"}  # --period sets the survey waves


def test_parameters_on_the_bundled_data_keep_the_notebook_defaults():
    assert [_parameters(spec, {}, {}) for spec in NOTEBOOKS] == [{}] * len(NOTEBOOKS)
    assert _parameters(notebook_spec("01"), {}, {"period": "Y", "active_days": 30}) == {
        "FREQ": "Y", "ACTIVE_DAYS": 30}
