"""Notebook hygiene without a kernel. nbval itself runs every notebook in notebooks/
(pytest collects *.ipynb there with --nbval-lax); these checks make sure each notebook is
one that nbval can actually check."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
CHECK = re.compile(r"^\s*#\s*NBVAL_CHECK_OUTPUT\s*$", re.M)


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found in notebooks/"


def code_cells(path: Path) -> list[dict]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.name)
def notebook(request) -> Path:
    return request.param


def test_name_is_numbered(notebook):
    assert re.match(r"^\d\d_[a-z0-9_]+\.ipynb$", notebook.name)


def test_has_a_parameters_cell(notebook):
    cells = code_cells(notebook)
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, "exactly one cell must be tagged 'parameters' (papermill)"


def test_has_checked_cells_that_print(notebook):
    checked = [c for c in code_cells(notebook) if CHECK.search("".join(c["source"]))]
    assert checked, "no '# NBVAL_CHECK_OUTPUT' cell: nbval would check nothing"
    for cell in checked:
        assert cell["outputs"], "a checked cell has no stored output to compare against"
        assert all(o.get("output_type") == "stream" for o in cell["outputs"]), (
            "checked cells should print formatted text, not display reprs"
        )


def test_executed_top_to_bottom(notebook):
    counts = [c.get("execution_count") for c in code_cells(notebook)]
    assert counts == list(range(1, len(counts) + 1)), "re-run the notebook top to bottom"


def test_no_warnings_errors_or_addresses_in_outputs(notebook):
    for cell in code_cells(notebook):
        for out in cell["outputs"]:
            text = "".join(out.get("text", "")) + "".join(out.get("data", {}).get("text/plain", ""))
            assert out.get("output_type") != "error", "a cell raised"
            assert out.get("name") != "stderr", f"stderr output: {text[:200]}"
            assert "Warning" not in text, text[:200]
            assert not re.search(r" at 0x[0-9a-f]+>", text), "end plotting cells with plt.show()"


def test_notebooks_call_the_package_instead_of_defining_helpers(notebook):
    for cell in code_cells(notebook):
        source = "".join(cell["source"])
        assert not re.search(r"^\s*(def|class) ", source, re.M), "move helpers into retention_kit"


def markdown_cells(path: Path) -> list[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]


def test_ends_its_teaching_part_with_try_this_exercises(notebook):
    cells = markdown_cells(notebook)
    headings = [(k, line) for k, text in enumerate(cells) for line in text.splitlines() if line.startswith("## ")]
    # "(on the bundled data)" when its answers are the bundled numbers (a cell tagged bundled-example)
    try_this = [k for k, line in headings if re.match(r"^## Try this( \(on the bundled data\))?\s*$", line)]
    assert len(try_this) == 1, "exactly one '## Try this' section"
    k = try_this[0]
    # it closes the teaching part: no numbered teaching section after it
    later = [line for j, line in headings if j > k]
    assert not any(re.match(r"^## \d+\.", line) for line in later), later
    exercises = re.findall(r"^\d+\. .*$", cells[k], re.M)
    assert 2 <= len(exercises) <= 3, f"{len(exercises)} exercises; expected two or three"
    for exercise in exercises:
        assert "Predict" in exercise, f"ask the reader to predict first: {exercise[:80]}"
        assert "What you should see" in exercise, f"say what they should see: {exercise[:80]}"
        assert "`" in exercise, f"name the parameter or line to change: {exercise[:80]}"
