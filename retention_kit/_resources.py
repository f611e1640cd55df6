"""Where the files that ship with the kit are: the notebooks and the synthetic samples.

The repository keeps them in its top-level ``notebooks/`` and ``data/`` folders;
``pyproject.toml`` maps those folders to the packages ``retention_kit.notebooks`` and
``retention_kit.data``, so a wheel carries them inside ``retention_kit/`` (the notebooks
then find the samples at ``../data/`` exactly as in a checkout), and the editable install
(``pip install -e .``) maps the same package names onto the checkout's folders.

:func:`bundled_folder` reads them with :mod:`importlib.resources`. One exception: when
``retention_kit`` itself is imported from a source tree (a checkout on ``PYTHONPATH``,
as the test suite of a git worktree runs), the folders of that same tree are used, so
that code and notebooks never come from two different checkouts.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .errors import RetentionDataError

__all__ = ["bundled_folder"]

_FOLDERS = ("notebooks", "data")


def bundled_folder(name: str) -> Path:
    """The folder of the shipped ``"notebooks"`` or ``"data"`` (the synthetic samples).

    Examples
    --------
    >>> sorted(p.name for p in bundled_folder("data").glob("*.csv"))
    ['iran_orders.csv', 'nps_survey.csv', 'orders.csv', 'subscriptions.csv', 'web_sessions.csv']
    """
    if name not in _FOLDERS:
        raise RetentionDataError(f"name={name!r}: expected one of {list(_FOLDERS)}.",
                                 parameter="name", options=_FOLDERS)
    tree = Path(__file__).resolve().parent.parent
    if (tree / "pyproject.toml").is_file() and (tree / name / "__init__.py").is_file():
        return tree / name
    try:
        folder = resources.files(f"retention_kit.{name}")
    except ModuleNotFoundError:
        folder = None
    if not isinstance(folder, Path) or not folder.is_dir():
        raise RetentionDataError(
            f"the {name} that ship with retention-kit are missing from this installation "
            f"(package retention_kit.{name} not found as a folder on disk). Reinstall the kit "
            "from a wheel or a checkout (`pip install .` or `pip install -e .`)."
        )
    return folder
