"""The kit works when installed, not only from a checkout.

A wheel is built from a copy of the source, installed into a fresh virtual environment
outside the repository, and ``retention-kit report`` runs there on the bundled data
from a working directory outside the repository. The editable install (``pip install
-e .``, what ``make`` does) is checked to map the same package names onto the checkout's
``notebooks/`` and ``data/`` folders.

Installing every dependency into the fresh environment would take minutes, so the kit
goes in with ``--no-deps`` and the environment sees the dependencies through a ``.pth``
file listing this interpreter's site-packages. A directory listed in a ``.pth`` file is
added to ``sys.path`` without processing its own ``.pth`` files, so an editable install
of some checkout in that directory stays inactive; the tests assert that
``retention_kit`` and its notebooks and data come from the fresh environment.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import site
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHECK = re.compile(r"^\s*#\s*NBVAL_CHECK_OUTPUT\s*$", re.M)
PROBE = """
import json, retention_kit
from importlib import resources
from retention_kit.datasets import sample_path
print(json.dumps({
    "kit": retention_kit.__file__,
    "notebooks": str(resources.files("retention_kit.notebooks")),
    "data": str(resources.files("retention_kit.data")),
    "orders": str(sample_path("orders")),
}))
"""


def _setuptools_builds_here() -> bool:
    """Whether this environment's setuptools can build the kit (pyproject needs >= 77)."""
    try:
        major = int(metadata.version("setuptools").split(".")[0])
    except metadata.PackageNotFoundError:
        return False
    return major >= 77


def _pip(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run pip; without a setuptools >= 77 here, pip builds in an isolated environment
    (fetching setuptools from the package index), and the test is skipped if it cannot."""
    if _setuptools_builds_here():
        args = [*args, "--no-build-isolation"]
    result = subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True,
                            env=_clean_env(), **kwargs)
    output = result.stdout + result.stderr
    if result.returncode and not _setuptools_builds_here() and re.search(
            r"(No matching distribution|Could not find a version).*setuptools", output):
        pytest.skip("building the wheel needs setuptools >= 77, which is neither installed here "
                    "(the test extra brings it) nor reachable on the package index")
    assert result.returncode == 0, output
    return result


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment without anything that would put the checkout on the import path."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")}
    env.update(extra)
    return env


def _source_copy(dest: Path) -> Path:
    """The files a build reads, copied without caches or private data."""
    ignore = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "private", "*.egg-info", "build")
    dest.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, dest / name)
    for name in ("retention_kit", "notebooks", "data"):
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    return dest


def _shared_site_packages() -> list[str]:
    """This interpreter's site-packages, and any it reached through .pth files of its own."""
    return [p for p in dict.fromkeys([*site.getsitepackages(), *sys.path])
            if Path(p).name == "site-packages" and Path(p).is_dir()]


def _fresh_venv(path: Path) -> tuple[Path, Path]:
    """A virtual environment that sees this interpreter's packages through a .pth file."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    python = path / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             capture_output=True, text=True, check=True, env=_clean_env()).stdout.strip()
    (Path(purelib) / "_shared_dependencies.pth").write_text("\n".join(_shared_site_packages()) + "\n")
    return python, Path(purelib)


def _probe(python: Path, cwd: Path) -> dict[str, str]:
    result = subprocess.run([str(python), "-c", PROBE], capture_output=True, text=True, cwd=cwd, env=_clean_env())
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _checked_outputs(path: Path) -> list[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return ["".join("".join(o.get("text", "")) for o in c["outputs"])
            for c in nb["cells"] if c["cell_type"] == "code" and CHECK.search("".join(c["source"]))]


def test_wheel_installed_outside_the_repository_runs_the_report(tmp_path):
    src = _source_copy(tmp_path / "src")
    dist = tmp_path / "dist"
    _pip(["wheel", "--no-deps", "-q", "-w", str(dist), str(src)])
    wheel = next(dist.glob("retention_kit-*.whl"))

    # the notebooks and the synthetic samples (with their generator and README) ship, nothing else
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {n.split("/", 2)[1]: set() for n in names if n.startswith("retention_kit/")}
    for n in names:
        parts = n.split("/")
        if parts[0] == "retention_kit" and len(parts) == 3:
            shipped[parts[1]].add(parts[2])
    assert shipped["notebooks"] == {p.name for p in (ROOT / "notebooks").glob("*.ipynb")} | {"__init__.py"}
    assert shipped["data"] == ({p.name for p in (ROOT / "data").glob("*.csv")}
                               | {"README.md", "generate.py", "__init__.py"})
    assert len(shipped["data"]) == 8

    python, purelib = _fresh_venv(tmp_path / "venv")
    result = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                             "--no-deps", "--no-index", str(wheel)], capture_output=True, text=True, env=_clean_env())
    assert result.returncode == 0, result.stderr

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    found = _probe(python, elsewhere)
    for key in ("kit", "notebooks", "data", "orders"):
        assert Path(found[key]).is_relative_to(purelib / "retention_kit"), (key, found[key])
        assert not Path(found[key]).is_relative_to(ROOT), (key, found[key])

    # nbconvert's HTML templates are data files of the environment that holds nbconvert
    # (PREFIX/share/jupyter beside PREFIX/lib/pythonX.Y/site-packages), not of the new one
    shares = [Path(p).parents[2] / "share" / "jupyter" for p in _shared_site_packages()]
    env = _clean_env(JUPYTER_PATH=os.pathsep.join(str(p) for p in shares if p.is_dir()))
    out = tmp_path / "reports"
    result = subprocess.run([str(python.parent / "retention-kit"), "report", "--notebooks", "01,04",
                             "--out", str(out)], capture_output=True, text=True, cwd=elsewhere, env=env,
                            timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "running every notebook on the bundled sample data" in result.stdout
    for name in ("01_customer_retention_rate", "04_probabilistic_clv"):
        executed = out / f"{name}.ipynb"
        assert (out / f"{name}.html").stat().st_size > 0
        # papermill records which notebook it ran: the installed one
        ran = Path(json.loads(executed.read_text(encoding="utf-8"))["metadata"]["papermill"]["input_path"])
        assert ran.is_relative_to(purelib / "retention_kit" / "notebooks"), ran
        # the installed notebooks read the shipped samples and reproduce the committed numbers
        assert _checked_outputs(executed) == _checked_outputs(ROOT / "notebooks" / f"{name}.ipynb"), name


def test_editable_install_maps_the_checkout_folders(tmp_path):
    src = _source_copy(tmp_path / "src")
    python, _ = _fresh_venv(tmp_path / "venv")
    _pip(["--python", str(python), "install", "-q", "--no-deps", "-e", str(src)])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    found = _probe(python, elsewhere)
    assert found == {
        "kit": str(src / "retention_kit" / "__init__.py"),
        "notebooks": str(src / "notebooks"),
        "data": str(src / "data"),
        "orders": str(src / "data" / "orders.csv"),
    }
