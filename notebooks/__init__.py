"""The curated notebooks, shipped inside the package as ``retention_kit.notebooks``.

This folder stays at the top of the repository; ``pyproject.toml`` maps it to the
``retention_kit.notebooks`` package so that ``retention-kit report`` finds the notebooks
with :mod:`importlib.resources` in an installed kit as well as in a checkout. The file
only makes the folder a package; it holds no code.
"""
