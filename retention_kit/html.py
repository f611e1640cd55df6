"""Self-contained, offline HTML pages from executed notebooks.

nbconvert's stock HTML loads require.js, MathJax and mermaid from CDNs, so a report opened
without a network shows formulas as raw TeX. :func:`notebook_html` instead renders every
formula at build time to MathML (``latex2mathml``), which browsers typeset natively, and
writes a page with no external script, stylesheet, font or image: it opens the same on a
laptop on a train as on the office network.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

__all__ = ["notebook_html"]

#: Lines that tell nbval what to compare; they mean nothing to a reader of the page.
_NBVAL_MARKER = re.compile(r"^[ \t]*#[ \t]*NBVAL_[A-Z_]+[ \t]*\n?", re.MULTILINE)

#: A TeX command left as text in the MathML, i.e. one the converter did not know.
_UNKNOWN_COMMAND = re.compile(r">(\\[A-Za-z]+)<")

#: Anything that would make the browser fetch a resource from elsewhere.
_EXTERNAL = re.compile(
    r"""<script\b[^>]*\bsrc\s*=\s*["']?(?!data:)[^"'\s>]+"""
    r"""|<link\b[^>]*\bhref\s*=\s*["']?(?!data:|\#)[^"'\s>]+"""
    r"""|<(?:img|iframe|source|video|audio)\b[^>]*\bsrc\s*=\s*["']?(?:https?:)?//"""
    r"""|@import\b|url\(\s*["']?(?:https?:)?//""",
    re.IGNORECASE,
)

#: The stock lab template minus every block that loads from the network, plus the page's
#: own rules: wide charts scroll sideways at full size rather than shrink their labels.
_TEMPLATE = r"""{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block extra_css -%}
<style type="text/css">
  body.jp-Notebook { max-width: 1200px; margin: 0 auto; }
  .jp-RenderedImage { overflow-x: auto; }
  .jp-RenderedImage img { max-width: none; }
  math[display="block"] { margin: 0.6em 0; overflow-x: auto; }
  math { font-size: 1.1em; font-family: math, "Latin Modern Math", "STIX Two Math", "Cambria Math", "DejaVu Math TeX Gyre"; }
</style>
{%- endblock extra_css -%}
"""


class UnrenderableFormula(ValueError):
    """A formula in a markdown cell that cannot be rendered without a network."""


def _mathml(tex: str, *, display: str) -> str:
    from latex2mathml.converter import convert

    advice = "write it with the commands latex2mathml supports, or escape a literal dollar as \\$"
    try:
        mathml = convert(tex.strip(), display=display)
    except Exception as exc:  # latex2mathml raises a family of its own
        raise UnrenderableFormula(
            f"the formula ${tex.strip()}$ cannot be rendered offline ({type(exc).__name__}: {exc}); {advice}"
        ) from exc
    # latex2mathml passes a command it does not know through as text ("\\foo"): refuse
    # rather than print TeX inside a typeset formula
    unknown = _UNKNOWN_COMMAND.search(mathml)
    if unknown:
        raise UnrenderableFormula(
            f"the formula ${tex.strip()}$ uses {unknown.group(1)}, which cannot be rendered offline; {advice}"
        )
    return mathml


def _exporter(show_code: bool):  # noqa: ANN202 - nbconvert classes are imported lazily
    from jinja2 import DictLoader
    from jinja2 import pass_context
    from nbconvert import HTMLExporter
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    class _MathMLRenderer(IPythonRenderer):
        def block_math(self, body: str) -> str:
            return _mathml(body, display="block")

        def inline_math(self, body: str) -> str:
            # pandoc's rule: TeX math hugs its dollars, so "$5,787 to $7,267" is two
            # amounts of money in prose, not a formula
            if body != body.strip():
                return self.escape_html(f"${body}$")
            return _mathml(body, display="inline")

        def latex_environment(self, name: str, body: str) -> str:
            return _mathml(f"\\begin{{{name}}}{body}\\end{{{name}}}", display="block")

    class _OfflineExporter(HTMLExporter):
        @pass_context
        def markdown2html(self, context, source):  # type: ignore[override]
            cell = context.get("cell", {})
            renderer = _MathMLRenderer(
                escape=False,
                attachments=cell.get("attachments", {}),
                embed_images=True,
                path=context.get("resources", {}).get("metadata", {}).get("path", ""),
                anchor_link_text=self.anchor_link_text,
                exclude_anchor_links=self.exclude_anchor_links,
                **self.lexer_options,
            )
            return MarkdownWithMath(renderer=renderer).render(source)

    exporter = _OfflineExporter(
        extra_loaders=[DictLoader({"retention_kit_offline.html.j2": _TEMPLATE})],
        template_file="retention_kit_offline.html.j2",
        embed_images=True,
    )
    # nbconvert logs a warning per page about images without alt text (matplotlib figures
    # have none); a report run should not print it for every notebook
    quiet = logging.getLogger("retention_kit.html")
    quiet.setLevel(logging.ERROR)
    exporter.log = quiet
    if not show_code:
        exporter.exclude_input = True
        exporter.exclude_input_prompt = True
        exporter.exclude_output_prompt = True
    return exporter


def notebook_html(executed_path: str | Path, target_path: str | Path, *, show_code: bool) -> None:
    """Write an executed notebook as one self-contained HTML page that needs no network.

    Formulas in markdown cells (``$...$``, ``$$...$$``, ``\\(...\\)``, ``\\[...\\]`` and
    ``\\begin{env}...\\end{env}``) are converted to MathML when the page is built; figures
    are embedded as data URIs; no script, stylesheet or font is loaded from elsewhere.
    Code cells are hidden (their outputs stay) unless ``show_code``; shown code loses its
    ``# NBVAL_...`` marker lines, which only the test suite reads.

    Parameters
    ----------
    executed_path : str or pathlib.Path
        An executed ``.ipynb`` (its stored outputs are what the page shows).
    target_path : str or pathlib.Path
        The ``.html`` file to write (overwritten).
    show_code : bool
        Show the code cells and their prompts as well as their outputs.

    Raises
    ------
    UnrenderableFormula
        A formula that MathML conversion cannot handle (a ``ValueError``); its message
        quotes the formula. A literal dollar in prose must be written ``\\$``.
    RuntimeError
        The page would still load a resource from the network (a guard on the template).

    Examples
    --------
    >>> import tempfile, nbformat
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> nb = nbformat.v4.new_notebook(cells=[
    ...     nbformat.v4.new_markdown_cell("CRR is $$\\\\mathrm{CRR} = \\\\frac{E - N}{S} \\\\times 100$$"),
    ...     nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\\nprint(75)")])
    >>> nbformat.write(nb, folder / "page.ipynb")
    >>> notebook_html(folder / "page.ipynb", folder / "page.html", show_code=True)
    >>> page = (folder / "page.html").read_text(encoding="utf-8")
    >>> "<mfrac>" in page, "NBVAL_CHECK_OUTPUT" in page, "cdn" in page.lower()
    (True, False, False)
    """
    import nbformat

    nb = nbformat.read(str(executed_path), as_version=4)
    if show_code:
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.source = _NBVAL_MARKER.sub("", cell.source)
    body, _ = _exporter(show_code).from_notebook_node(nb)
    external = _EXTERNAL.search(body)
    if external:
        raise RuntimeError(
            f"the HTML page for {Path(executed_path).name} would load {external.group(0)!r} from "
            "the network; retention_kit.html must inline or drop it"
        )
    Path(target_path).write_text(body, encoding="utf-8")
