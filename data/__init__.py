"""The synthetic sample data, shipped inside the package as ``retention_kit.data``.

This folder stays at the top of the repository; ``pyproject.toml`` maps it to the
``retention_kit.data`` package, so that the installed notebooks find the samples at
``../data/`` as they do in a checkout, and :func:`retention_kit.datasets.sample_path`
finds them with :mod:`importlib.resources`. Everything here is synthetic, made by the
seeded generator ``generate.py`` (see ``README.md``). The file only makes the folder a
package; it holds no code.
"""
