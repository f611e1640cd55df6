"""The HTML pages in a real browser: headless Chromium, network off.

Each page is written by ``retention_kit.html.notebook_html`` and opened from disk with the
network emulated offline; the test asserts that formulas were typeset as MathML, that every
image loaded, that nothing was fetched from the network and that the console shows no error.
Screenshots go to ``tests/browser-screenshots/`` (git-ignored) so a person can look.

Chromium is driven through the DevTools protocol with ``websocket-client`` (the test extra).
Without Debian's ``chromium`` the test skips and says why, except on CI (``CI`` set), where
``.ci/run`` installs it and a missing browser is a failure.
"""

from __future__ import annotations

import base64
import io
import itertools
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

import retention_kit as rk
from retention_kit.html import notebook_html

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "tests" / "browser-screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; on CI .ci/run installs it (apt-get install -y chromium)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if CHROMIUM is None:
        _unavailable("the browser checks need Chromium (Debian: apt-get install -y chromium), not found on PATH")
    try:
        import websocket  # noqa: F401
    except ImportError:
        _unavailable("the browser checks need websocket-client (pip install -e '.[test]')")
    profile = tmp_path_factory.mktemp("chromium-profile")
    args = [CHROMIUM, "--headless=new", "--remote-debugging-port=0", f"--user-data-dir={profile}",
            "--disable-gpu", "--no-first-run", "--no-default-browser-check", "--hide-scrollbars",
            # belt and braces beside the offline emulation: nothing may leave the machine
            "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
            "--window-size=1280,900", "about:blank"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.insert(1, "--no-sandbox")
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    port_file = profile / "DevToolsActivePort"
    deadline = time.monotonic() + 30
    while not port_file.exists() or not port_file.read_text().strip():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"Chromium at {CHROMIUM} did not start its DevTools endpoint")
        time.sleep(0.1)
    port = int(port_file.read_text().split()[0])
    yield port
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=10)


class _Page:
    """One tab, spoken to over the DevTools protocol; collects problems as they arrive."""

    def __init__(self, port: int) -> None:
        import websocket

        request = urllib.request.Request(f"http://127.0.0.1:{port}/json/new?about:blank", method="PUT")
        with urllib.request.urlopen(request, timeout=10) as answer:
            target = json.load(answer)
        self.ws = websocket.create_connection(target["webSocketDebuggerUrl"], timeout=60,
                                              suppress_origin=True)
        self.ids = itertools.count(1)
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.failed: list[str] = []
        for method in ("Page.enable", "Runtime.enable", "Log.enable", "Network.enable"):
            self.call(method)
        self.call("Network.emulateNetworkConditions", offline=True, latency=0,
                  downloadThroughput=-1, uploadThroughput=-1)

    def _event(self, message: dict) -> None:
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            self.errors.append(" ".join(str(a.get("value", a.get("description"))) for a in params["args"]))
        elif method == "Runtime.exceptionThrown":
            self.errors.append(params["exceptionDetails"].get("text", "exception"))
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            self.errors.append(params["entry"]["text"])
        elif method == "Network.requestWillBeSent":
            self.requests.append(params["request"]["url"])
        elif method == "Network.loadingFailed":
            self.failed.append(params.get("errorText", "failed"))

    def call(self, method: str, **params):
        ident = next(self.ids)
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self._event(message)

    def wait_for(self, event: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = json.loads(self.ws.recv())
            self._event(message)
            if message.get("method") == event:
                return
        raise TimeoutError(event)

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"]["value"]

    def close(self) -> None:
        self.ws.close()


_CHECKS = """(async () => {
  await Promise.all([...document.images].map(i => i.decode().catch(() => null)));
  const maths = [...document.querySelectorAll('math')];
  const text = document.body.innerText;
  return {
    images: document.images.length,
    broken: [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(0, 60)),
    maths: maths.length,
    unset: maths.filter(m => { const r = m.getBoundingClientRect(); return !(r.width > 0 && r.height > 0); }).length,
    mathDisplay: maths.length ? getComputedStyle(maths[0]).display : null,
    fractions: document.querySelectorAll('math mfrac').length,
    rawTex: (text.match(/\\$\\$|\\\\(frac|mathrm|text|sum|times)\\b/g) || []).slice(0, 5),
    codeCells: document.querySelectorAll('.jp-CodeCell .jp-InputArea').length,
    height: document.documentElement.scrollHeight,
  };
})()"""


def _open(port: int, page_path: Path, shot: str) -> tuple[dict, _Page]:
    page = _Page(port)
    try:
        page.call("Page.navigate", url=page_path.as_uri())
        page.wait_for("Page.loadEventFired")
        found = page.evaluate(_CHECKS)
        SHOTS.mkdir(parents=True, exist_ok=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        height = min(int(found["height"]), 16000)
        page.call("Emulation.setDeviceMetricsOverride", width=max(int(width), 1280), height=height,
                  deviceScaleFactor=1, mobile=False)
        picture = page.call("Page.captureScreenshot", format="png")
        (SHOTS / f"{shot}.png").write_bytes(base64.b64decode(picture["data"]))
    finally:
        page.close()
    return found, page


def _assert_clean(found: dict, page: _Page, *, formulas: bool) -> None:
    assert found["images"] > 0, "the page has no figure to check"
    assert found["broken"] == [], f"images that did not load: {found['broken']}"
    external = [u for u in page.requests if not u.startswith(("file:", "data:", "about:"))]
    assert external == [], f"the page asked the network for {external}"
    assert page.failed == [], f"requests that failed: {page.failed}"
    assert page.errors == [], f"console errors: {page.errors}"
    if formulas:
        assert found["maths"] > 0, "no typeset formula (MathML) on the page"
        assert found["unset"] == 0, f"{found['unset']} formulas have no size: not typeset"
        assert found["mathDisplay"] in ("math", "block math", "inline math", "block", "inline"), found
        assert found["fractions"] > 0, "no fraction typeset: the formulas did not render as math"
    assert found["rawTex"] == [], f"raw TeX left on the page: {found['rawTex']}"


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=72, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def _dashboard_like(folder: Path) -> Path:
    """An executed notebook built in-process: headline formulas, a 30 x 36 cohort heatmap
    and trend charts, a KPI table, as the dashboard shows them (no kernel needed)."""
    import matplotlib

    matplotlib.use("Agg")
    rng = np.random.default_rng(13)
    cohorts, periods = 30, 36
    cells = np.full((cohorts, periods), np.nan)
    for i in range(cohorts):
        observed = min(periods, cohorts + 6 - i)
        cells[i, :observed] = 100 * np.exp(-np.arange(observed) / rng.uniform(4, 12))
    table = pd.DataFrame(cells, index=[f"2022-{i:02d}" for i in range(cohorts)])
    table.insert(0, "size", rng.integers(50, 900, cohorts))
    table.attrs["values"] = "customers"
    heatmap = _png(rk.plotting.plot_cohort_heatmap(table).figure)
    counts = rk.customer_counts(rk.datasets.load_cdnow(sample=True), freq="Q", active_days=365)
    trend = _png(rk.plot_crr(counts).figure)
    kpi = counts[["period", "crr", "start_retention"]].head(8)
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            "# Retention dashboard\n\nCRR, with $S$ the customers at the start:\n\n"
            "$$\\mathrm{CRR} = \\frac{E - N}{S} \\times 100$$\n\nand churn $= 100 - \\mathrm{CRR}$."),
        nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nprint('CRR 75.0 %')", outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="CRR 75.0 %\n")]),
        nbformat.v4.new_code_cell("plot", outputs=[
            nbformat.v4.new_output("display_data", data={"image/png": trend, "text/plain": "<Figure>"})]),
        nbformat.v4.new_code_cell("plot", outputs=[
            nbformat.v4.new_output("display_data", data={"image/png": heatmap, "text/plain": "<Figure>"})]),
        nbformat.v4.new_code_cell("kpi", outputs=[nbformat.v4.new_output(
            "execute_result", data={"text/html": kpi.to_html(), "text/plain": kpi.to_string()},
            execution_count=4)]),
    ]
    path = folder / "00_dashboard_like.ipynb"
    nbformat.write(nb, path)
    return path


def test_dashboard_like_page_offline(browser, tmp_path):
    html = tmp_path / "dashboard.html"
    notebook_html(_dashboard_like(tmp_path), html, show_code=False)
    found, page = _open(browser, html, "dashboard-like")
    _assert_clean(found, page, formulas=True)
    assert found["codeCells"] == 0, "code shown on a page built with show_code=False"
    assert found["images"] == 2


def test_committed_dashboard_offline(browser, tmp_path):
    found_notebooks = sorted((ROOT / "notebooks").glob("00_*.ipynb"))
    if not found_notebooks:
        pytest.skip("no notebooks/00_*.ipynb (the dashboard notebook) in this checkout yet")
    html = tmp_path / "00.html"
    notebook_html(found_notebooks[0], html, show_code=False)
    found, page = _open(browser, html, found_notebooks[0].stem)
    _assert_clean(found, page, formulas=False)
    assert found["codeCells"] == 0


@pytest.mark.parametrize("show_code", [False, True], ids=["code-hidden", "code-shown"])
def test_analysis_page_offline(browser, tmp_path, show_code):
    notebook = next((ROOT / "notebooks").glob("01_*.ipynb"))
    html = tmp_path / "01.html"
    notebook_html(notebook, html, show_code=show_code)
    found, page = _open(browser, html, f"{notebook.stem}-{'code' if show_code else 'no-code'}")
    _assert_clean(found, page, formulas=True)
    assert (found["codeCells"] > 0) == show_code


# Without a browser: what the page is made of.

def _page(tmp_path: Path, markdown: str, *, show_code: bool = False) -> str:
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell(markdown),
        nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nprint('CRR 75.0 %')", outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="CRR 75.0 %\n")]),
    ])
    nbformat.write(nb, tmp_path / "page.ipynb")
    notebook_html(tmp_path / "page.ipynb", tmp_path / "page.html", show_code=show_code)
    return (tmp_path / "page.html").read_text(encoding="utf-8")


def test_page_loads_nothing_from_the_network(tmp_path):
    page = _page(tmp_path, "$$\\hat S(t) = \\prod_{t_j \\le t} \\left(1 - \\frac{d_j}{n_j}\\right)$$")
    assert "<script src" not in page and "require.js" not in page.lower()
    assert "mathjax" not in page.lower() and "cdnjs" not in page and "unpkg" not in page
    assert "<mfrac>" in page and "<munder>" in page  # typeset at build time
    assert "\\frac" not in page


def test_money_in_prose_is_not_a_formula(tmp_path):
    page = _page(tmp_path, "value at stake grows from $5,787 to $7,267, while $E - N$ is a formula")
    assert "$5,787 to $7,267" in page
    assert page.count("<math") == 1


def test_code_hidden_unless_asked_and_markers_dropped(tmp_path):
    hidden = _page(tmp_path, "text")
    assert "print(" not in hidden and "CRR 75.0 %" in hidden
    shown = _page(tmp_path, "text", show_code=True)
    assert "print" in shown and "NBVAL_CHECK_OUTPUT" not in shown and "CRR 75.0 %" in shown


def test_a_formula_that_cannot_render_names_itself(tmp_path):
    from retention_kit.html import UnrenderableFormula

    with pytest.raises(UnrenderableFormula, match="notacommand"):
        _page(tmp_path, "$\\notacommand{x}$")
    with pytest.raises(UnrenderableFormula, match=r"\\frac\{1\}\{"):
        _page(tmp_path, "$$\\frac{1}{$$")
