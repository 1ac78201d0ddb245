"""PDF from a report's HTML: Chromium's print-to-PDF through Playwright, one warm browser per process.

Chosen by measurement (docs/reports.md): a warm Chromium page that already holds plotly.js
prints a report in ~0.1-0.2 s; a fresh page per report costs 2-3 s (plotly.js parsed again),
Plotly's own static export (kaleido) ~25 s for six charts cold, and WeasyPrint cannot run
plotly.js (it needs kaleido's images). Charts stay vector: plotly.js draws SVG and Chromium
prints SVG as PDF paths.

The engine is optional: `playwright` is a pinned requirement but the browser is not
(`apt-get install chromium`, or MSSP_REPORT_CHROMIUM). `pdf_engine_problem()` says what is
missing; the HTML and CSV formats never need it.

Playwright's sync API belongs to the thread that started it, while gunicorn serves requests
from several threads: one thread per process owns the browser, and every PDF is a job
submitted to it (a single-worker executor is the lock). The page is reused: each job swaps
the report into its body and prints it.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import os
import shutil
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import plotly

PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
#: A name no network resolves: the page's only resource, answered from the installed plotly.
ASSET_ORIGIN = "http://report-assets.invalid"
DEFAULT_CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
INSTALL_HINT = (
    "PDF needs Chromium: install it with `apt-get install chromium` (or set MSSP_REPORT_CHROMIUM "
    "to a Chromium/Chrome binary); `playwright` comes with requirements.txt."
)
#: One PDF at most this long (seconds) before the job is abandoned.
PDF_TIMEOUT = 60

_SHELL = f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<script src="{ASSET_ORIGIN}/plotly.min.js"></script></head><body></body>
<script>
window.mssp_render = async function (head, body, figuresJson) {{
  const figures = JSON.parse(figuresJson);
  document.head.querySelectorAll("style").forEach((e) => e.remove());
  document.head.insertAdjacentHTML("beforeend", head);
  document.body.innerHTML = body;
  const drawn = [];
  for (const [id, figure] of Object.entries(figures)) {{
    const element = document.getElementById(id);
    if (!element) continue;
    const layout = Object.assign({{}}, figure.layout, {{width: element.clientWidth || 700}});
    drawn.push(Plotly.newPlot(element, figure.data, layout, {{staticPlot: true, displayModeBar: false}}));
  }}
  await Promise.all(drawn);
  await Promise.all(Array.from(document.images).map((img) => img.decode().catch(() => null)));
  return drawn.length;
}};
</script></html>"""


class PdfEngineMissing(RuntimeError):
    """The PDF engine is not installed; the message says what to install."""


def chromium_path() -> str | None:
    configured = os.environ.get("MSSP_REPORT_CHROMIUM")
    candidates = [configured] if configured else [*DEFAULT_CHROMIUM, shutil.which("chromium") or ""]
    for path in candidates:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def pdf_engine_problem() -> str | None:
    """None when PDFs can be made here, else what to install."""
    if importlib.util.find_spec("playwright") is None:
        return "PDF needs the `playwright` package (pip install -r requirements.txt). " + INSTALL_HINT
    if chromium_path() is None:
        return INSTALL_HINT
    return None


class _WarmBrowser:
    """Chromium and one page with plotly.js loaded, owned by the executor's single thread."""

    def __init__(self) -> None:
        self._playwright = None
        self._browser = None
        self._page = None

    def _start(self) -> None:
        from playwright.sync_api import sync_playwright

        path = chromium_path()
        if path is None:
            raise PdfEngineMissing(INSTALL_HINT)
        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(
            executable_path=path,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
        )
        context = self._browser.new_context()
        plotly_js = PLOTLY_JS.read_bytes()
        # Everything else the page might ask for is refused: a report loads nothing from outside.
        context.route(
            "**/*",
            lambda route: (
                route.fulfill(body=plotly_js, content_type="text/javascript")
                if route.request.url == f"{ASSET_ORIGIN}/plotly.min.js"
                else route.abort()
            ),
        )
        self._page = context.new_page()
        self._page.set_default_timeout(PDF_TIMEOUT * 1000)
        self._page.set_content(_SHELL, wait_until="load")

    def print(self, head: str, body: str, figures: str) -> bytes:
        for attempt in (1, 2):
            try:
                if self._page is None or self._page.is_closed():
                    self.stop()
                    self._start()
                self._page.evaluate("([h, b, f]) => window.mssp_render(h, b, f)", [head, body, figures])
                return self._page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
            except PdfEngineMissing:
                raise
            except Exception:
                # A crashed or closed browser: start afresh once.
                self.stop()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def stop(self) -> None:
        for closer in (getattr(self._browser, "close", None), getattr(self._playwright, "stop", None)):
            if closer is not None:
                with contextlib.suppress(Exception):
                    closer()
        self._playwright = self._browser = self._page = None


_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_browser: _WarmBrowser | None = None
_pid: int | None = None


def _ensure_executor() -> ThreadPoolExecutor:
    global _executor, _browser, _pid
    with _lock:
        if _executor is None or _pid != os.getpid():  # a forked worker starts its own
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-pdf")
            _browser = _WarmBrowser()
            _pid = os.getpid()
        return _executor


def render_pdf(head: str, body: str, figures: str) -> bytes:
    """The PDF of a report: `head` (styles), `body` (HTML), its Plotly figures (JSON, by element id)."""
    problem = pdf_engine_problem()
    if problem:
        raise PdfEngineMissing(problem)
    executor = _ensure_executor()
    future: Future[bytes] = executor.submit(lambda: _browser.print(head, body, figures))
    return future.result(timeout=PDF_TIMEOUT * 2)


def shutdown() -> None:
    global _executor
    with _lock:
        if _executor is not None and _pid == os.getpid():
            # At interpreter exit the executor may refuse new work: the browser then ends with us.
            with contextlib.suppress(Exception):
                _executor.submit(_browser.stop).result(timeout=30)
            _executor.shutdown(wait=False)
        _executor = None


atexit.register(shutdown)
