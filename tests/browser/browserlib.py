"""Helpers for the real-browser tests: serve the built book, refuse every request to
another host (the site must be self-contained), load a page in headless Chromium and
check what a reader would see.

The one checking function is `check_page`; the tests of the book and the tests of the
checker itself (deliberately broken pages) both call it.

Environment:
    BOOK_HTML        the built HTML folder (default: <repo>/_build/html)
    BOOK_TOC         the _toc.yml of that build (default: <repo>/_toc.yml); sources are
                     read from its folder
    SCREENSHOT_DIR   where full-page screenshots go (default: <BOOK_HTML>/../screenshots)
    CHROMIUM         the browser binary (default: /usr/bin/chromium, Debian's package)
    BROWSER_TESTS_REQUIRED=1   turn "cannot run here" skips into failures (set it in CI)
"""

import contextlib
import functools
import http.server
import json
import os
import re
import socketserver
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

# Flags for Debian's Chromium on these machines: --no-sandbox (we run as root), and no
# background networking (no internet: Chromium's own connections would be refused).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

# Console errors that are expected, each with its reason. Everything else fails a page.
# (text pattern, pattern for the URL the message is attributed to, or None)
ALLOWED_CONSOLE_ERRORS = [
    # sphinx-thebe 0.3.1 inlines `<script>const THEBE_JS_URL = ...</script>` twice into
    # every page (even with launch_buttons.thebe: false); the second copy throws this
    # SyntaxError and changes nothing (the first defined it; thebe never starts).
    (re.compile(r"Identifier 'THEBE_JS_URL' has already been declared"), None),
    # pydata-sphinx-theme 0.17.1, first visit only (empty localStorage): the inline head
    # script sets data-mode to html_context.default_mode, which is unset, so "" and
    # setTheme("") logs this and falls back to "auto". Gone once _config.yml sets
    # sphinx.config.html_context.default_mode (checked: "auto" silences it).
    (
        re.compile(r"^Got invalid theme mode: \. Resetting to auto\.$"),
        re.compile(r"/_static/scripts/pydata-sphinx-theme\.js"),
    ),
    # html-manager 1.0.6 typesets widget labels with MathJax 2's MathJax.Hub.Queue whenever
    # window.MathJax exists; the book loads MathJax 3 (no .Hub), so every label render
    # throws this. Labels still show, as plain text (LaTeX in a description would not
    # be typeset). Pages with widgets only.
    (re.compile(r"Cannot read properties of undefined \(reading 'Queue'\)"), None),
]


def skip_or_fail(reason):
    """Skip (locally) or fail (BROWSER_TESTS_REQUIRED=1, in CI) a test that cannot run."""
    if os.environ.get("BROWSER_TESTS_REQUIRED") == "1":
        pytest.fail(f"{reason} (BROWSER_TESTS_REQUIRED=1)")
    pytest.skip(reason)


def require_browser():
    """Skip/fail unless Chromium and Python playwright are here."""
    if not Path(CHROMIUM).exists():
        skip_or_fail(f"{CHROMIUM} missing: run scripts/install_browser.sh")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        skip_or_fail("Python playwright missing: run scripts/install_browser.sh")


# ---------------------------------------------------------------- pytest fixtures
# (imported by the test modules: a conftest.py here would shadow tests/conftest.py, which
# other tests import as `conftest`)


@pytest.fixture(scope="session", name="browser")
def browser_fixture():
    """The shared headless Debian Chromium (skips, or fails in CI, if it cannot run here)."""
    require_browser()
    return shared_chromium()


@pytest.fixture(scope="session", name="fixture_book")
def fixture_book_fixture(tmp_path_factory):
    """The fixture book (fixtures/minibook: math, a figure, widgets, an animation), built."""
    import minibook

    return minibook.build(tmp_path_factory.mktemp("minibook"))


# ---------------------------------------------------------------- the book's pages


def book_html():
    return Path(os.environ.get("BOOK_HTML") or ROOT / "_build" / "html").resolve()


def screenshot_dir(html_dir):
    return Path(os.environ.get("SCREENSHOT_DIR") or Path(html_dir).parent / "screenshots")


def book_toc():
    """The book's _toc.yml; its folder is the book's source root."""
    return Path(os.environ.get("BOOK_TOC") or ROOT / "_toc.yml").resolve()


def toc_pages(toc=None):
    """The root and every `file:` entry of a _toc.yml, in reading order (no extension)."""
    data = yaml.safe_load(Path(toc or book_toc()).read_text())
    pages = [data["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                pages.append(node["file"])
            for key in ("parts", "chapters", "sections"):
                for child in node.get(key) or []:
                    walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk({k: v for k, v in data.items() if k != "root"})
    return [re.sub(r"\.(md|ipynb|rst)$", "", p) for p in pages]


def executed_chapters():
    """notebooks/NN_*.ipynb whose code cells have all run (drafts have not), smallest file
    first; those listed in _toc.yml if any is, else all of them."""
    found = []
    for path in (ROOT / "notebooks").glob("[0-9]*.ipynb"):
        try:
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        except (ValueError, KeyError):
            continue  # being written right now
        code = [c for c in cells if c["cell_type"] == "code"]
        if code and all(c.get("execution_count") is not None for c in code):
            found.append((path.stat().st_size, path))
    chapters = [path for _, path in sorted(found)]
    in_toc = {ROOT / f"{d}.ipynb" for d in toc_pages()}
    return [p for p in chapters if p in in_toc] or chapters


def source_of(docname, root=None):
    root = root or book_toc().parent
    for suffix in (".ipynb", ".md", ".rst"):
        path = Path(root) / (docname + suffix)
        if path.exists():
            return path
    return None


@dataclass
class Expect:
    """What a page must show, read from its source."""

    math: bool = False  # the source has $...$, $$...$$, {math} or \begin{...}
    widgets: bool = False  # the notebook holds widget state and a widget view
    animation: bool = False  # a matplotlib jshtml animation in an output
    notebook: bool = False  # an .ipynb page (gets the launch buttons)
    static_explorers: int = 0  # optlib kernel-free explorers (precomputed frames + sliders)


_FENCE = re.compile(r"^(```+|~~~+).*?^\1\s*$", re.S | re.M)
_INLINE_CODE = re.compile(r"``.+?``|`[^`\n]+`")
_MATH = re.compile(
    r"\$\$.+?\$\$|(?<![\\$])\$[^$\s](?:[^$\n]*[^$\s\\])?\$(?!\d)|\{math\}|"
    r"\\begin\{(?:equation|align|gather|multline)",
    re.S,
)


def has_math(markdown):
    text = _FENCE.sub("", markdown)
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    return bool(_MATH.search(_INLINE_CODE.sub("", text)))


def expectations(source):
    if source is None:
        return Expect()
    source = Path(source)
    if source.suffix != ".ipynb":
        return Expect(math=has_math(source.read_text(encoding="utf-8")))
    nb = json.loads(source.read_text(encoding="utf-8"))
    markdown = "\n\n".join(
        "".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"
    )
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
    data = [o.get("data", {}) for o in outputs]
    state = (
        nb.get("metadata", {})
        .get("widgets", {})
        .get("application/vnd.jupyter.widget-state+json", {})
        .get("state")
    )
    return Expect(
        math=has_math(markdown) or any("text/latex" in d for d in data),
        widgets=bool(state) and any("application/vnd.jupyter.widget-view+json" in d for d in data),
        animation=any("_anim_img" in "".join(d.get("text/html", "")) for d in data),
        notebook=True,
        static_explorers=sum(
            "optlib-static-explorer" in "".join(d.get("text/html", "")) for d in data
        ),
    )


# ---------------------------------------------------------------- serving


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Static files, served as they are, under `prefix` (a sub-path such as /repo/, the
    way GitHub Pages serves a project site; anything outside it is a 404)."""

    prefix = "/"

    def log_message(self, *args):
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def send_head(self):
        if not self.path.startswith(self.prefix):
            self.send_error(404, "outside the site's path")
            return None
        self.path = "/" + self.path[len(self.prefix) :]
        return super().send_head()


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@contextlib.contextmanager
def serve(directory, prefix="/"):
    """Serve `directory` on 127.0.0.1 (random port) under the path `prefix` ("/" or
    "/name/"); yields the base URL ('http://127.0.0.1:N' + prefix)."""
    handler = functools.partial(
        type("Handler", (_Handler,), {"prefix": prefix}), directory=str(directory)
    )
    with _Server(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
        finally:
            server.shutdown()


_SHARED = {}


def shared_chromium():
    """One headless Debian Chromium per process, driven by Python playwright (whose sync API
    allows one running instance per thread), started on first use and closed at exit."""
    if "browser" not in _SHARED:
        import atexit

        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        _SHARED.update(playwright=playwright, browser=browser)

        def stop():
            browser.close()
            playwright.stop()

        atexit.register(stop)
    return _SHARED["browser"]


def new_page(browser, origin):
    """A page that may load only what lies under `origin` (the local site: an http://
    base URL or a file:// folder). Every other request is refused (aborted, never
    answered), and listed in `page.aborted`: check_page reports each as a problem."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, color_scheme="light", service_workers="block"
    )
    page = context.new_page()
    page.aborted = []

    def handle(route):
        url = route.request.url
        if url.startswith(origin) or url.startswith("data:") or url.startswith("blob:"):
            return route.continue_()
        page.aborted.append(url)
        return route.abort()

    page.route("**/*", handle)
    return page


# ---------------------------------------------------------------- the check


@dataclass
class PageReport:
    url: str
    status: int | None = None
    problems: list = field(default_factory=list)
    notes: dict = field(default_factory=dict)

    def __str__(self):
        lines = [f"{self.url}: {len(self.problems)} problem(s)"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


def _allowed(text, location_url):
    for text_re, url_re in ALLOWED_CONSOLE_ERRORS:
        if text_re.search(text.removeprefix("pageerror: ")) and (
            url_re is None or url_re.search(location_url or "")
        ):
            return True
    return False


_SETTLE_JS = """async () => {
  // MathJax 3: wait for the first typeset (startup.promise) to finish.
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  // every image decoded (or failed)
  await Promise.all([...document.images].map(img => img.decode().catch(() => null)));
}"""

_WIDGETS_READY_JS = """() => {
  const views = document.querySelectorAll(
      'script[type="application/vnd.jupyter.widget-view+json"]');
  if (!views.length) return true;
  // html-manager replaces each view script by a rendered widget (or an error message)
  const rendered = document.querySelectorAll('.jupyter-widgets, .widget-subarea');
  const errors = document.querySelector('.jupyter-widgets-error-widget')
      || document.body.innerText.includes('Error displaying widget');
  return errors || rendered.length >= views.length;
}"""

_IMAGES_JS = """() => [...document.images].map(img => {
  const r = img.getBoundingClientRect();
  const style = getComputedStyle(img);
  return {src: img.currentSrc || img.getAttribute('src') || '', complete: img.complete,
          naturalWidth: img.naturalWidth, width: r.width, height: r.height,
          visible: img.checkVisibility ? img.checkVisibility() : style.display !== 'none',
          anim: img.id.startsWith('_anim_img'),
          inWidget: !!img.closest('.jupyter-widgets')};
})"""

_WIDGETS_JS = """() => ({
  viewScripts: document.querySelectorAll(
      'script[type="application/vnd.jupyter.widget-view+json"]').length,
  stateScripts: document.querySelectorAll(
      'script[type="application/vnd.jupyter.widget-state+json"]').length,
  rendered: document.querySelectorAll('.jupyter-widgets').length,
  sliders: document.querySelectorAll('.widget-slider, .jupyter-widget-slider').length,
  // ipywidgets 8 (html-manager 1.x) draws a failed view as .jupyter-widgets-error-widget
  // ("Click to show javascript error."); ipywidgets 7 printed "Error displaying widget"
  errors: document.querySelectorAll('.jupyter-widgets-error-widget').length
      + (document.body.innerText.match(/Error displaying widget/g) || []).length,
})"""

_MATH_JS = """() => ({
  mathElements: document.querySelectorAll('.math').length,
  unrendered: [...document.querySelectorAll('.math')]
      .filter(e => !e.querySelector('mjx-container')).length,
  containers: document.querySelectorAll('mjx-container').length,
  errors: document.querySelectorAll('mjx-merror').length,
  mathjax: !!(window.MathJax && window.MathJax.version),
})"""


def check_page(page, url, expect=None, screenshot=None, timeout_ms=60000):
    """Load `url` in `page` (from `new_page`) and return a PageReport listing every problem:
    HTTP status, unexpected console/page errors, failed local requests, math not typeset,
    broken or empty images, widgets not rendered, an animation that does not move.
    `expect` (an Expect) says what the page must contain; a full-page screenshot is saved
    to `screenshot` if given."""
    expect = expect or Expect()
    report = PageReport(url)
    console, failed = [], []

    def on_console(msg):
        if msg.type == "error":
            console.append((msg.text, (msg.location or {}).get("url", "")))

    def on_response(response):
        if response.status >= 400 and not response.url.startswith("data:"):
            failed.append((response.status, response.url))

    page.on("console", on_console)
    page.on("pageerror", lambda err: console.append((f"pageerror: {err}", "")))
    page.on("response", on_response)
    try:
        response = page.goto(url, wait_until="load", timeout=timeout_ms)
        report.status = response.status if response else None
        if not url.startswith("file:") and report.status != 200:
            report.problems.append(f"HTTP status {report.status}")
        try:
            page.wait_for_load_state("networkidle", timeout=timeout_ms)
            report.notes["network_idle"] = True
        except Exception:  # noqa: BLE001
            # On a loaded machine a page can take longer than this; that alone is not a
            # fault. What the page must show (math, widgets, images, explorers) is checked
            # below, each with its own wait, and requests to other hosts are refused.
            report.notes["network_idle"] = False
        page.evaluate(_SETTLE_JS)

        # widgets: html-manager renders the embedded state into DOM
        widgets = page.evaluate(_WIDGETS_JS)
        if widgets["viewScripts"]:
            try:
                page.wait_for_function(_WIDGETS_READY_JS, timeout=timeout_ms)
            except Exception:  # noqa: BLE001
                pass
            page.evaluate(_SETTLE_JS)
            widgets = page.evaluate(_WIDGETS_JS)
        report.notes["widgets"] = widgets
        if widgets["errors"]:
            report.problems.append(
                f"{widgets['errors']} widget view(s) failed to render "
                "(error widget / 'Error displaying widget')"
            )
        if widgets["viewScripts"] and widgets["rendered"] < widgets["viewScripts"]:
            report.problems.append(
                f"{widgets['viewScripts']} widget view(s), only {widgets['rendered']} rendered"
            )
        if expect.widgets and not widgets["stateScripts"]:
            report.problems.append("the notebook has widget state, the page has none")
        if expect.widgets and not widgets["rendered"]:
            report.problems.append("no rendered widget on a page whose notebook has widgets")

        # math
        math = page.evaluate(_MATH_JS)
        report.notes["math"] = math
        if expect.math and not math["containers"]:
            report.problems.append("the source has math, the page shows no mjx-container")
        if math["unrendered"]:
            report.problems.append(
                f"{math['unrendered']} of {math['mathElements']} math "
                "elements not typeset by MathJax"
            )
        if math["errors"]:
            report.problems.append(f"{math['errors']} MathJax error(s) (mjx-merror)")

        # images (figures, widget snapshots, animation frames)
        images = page.evaluate(_IMAGES_JS)
        report.notes["images"] = len(images)
        for img in images:
            name = img["src"][:80] + ("..." if len(img["src"]) > 80 else "")
            if img["anim"] and not img["src"]:
                continue  # checked with the animation below
            if not img["complete"] or img["naturalWidth"] == 0:
                report.problems.append(f"image not loaded: {name}")
            elif img["visible"] and (img["width"] == 0 or img["height"] == 0):
                report.problems.append(f"image drawn with zero size: {name}")

        if screenshot:  # before the animation clicks, scrolled to the top
            page.evaluate("window.scrollTo(0, 0)")
            Path(screenshot).parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)

        # animation (matplotlib jshtml): step and play, the frame must change
        anims = _check_animations(page, report)
        report.notes["animations"] = anims
        if expect.animation and not anims:
            report.problems.append("the notebook has an animation, the page has none")

        # kernel-free explorers: moving every slider must swap the displayed frame
        explorers = _check_static_explorers(page, report)
        report.notes["static_explorers"] = explorers
        if explorers < expect.static_explorers:
            report.problems.append(
                f"the notebook has {expect.static_explorers} kernel-free "
                f"explorer(s), the page shows {explorers}"
            )

    finally:
        page.remove_listener("console", on_console)
        page.remove_listener("response", on_response)

    for text, location in console:
        if _allowed(text, location):
            continue
        if location and location in page.aborted:
            continue  # "Failed to load resource" for a refused request (reported below)
        where = f" ({location})" if location else ""
        report.problems.append(f"console error: {text[:300]}{where}")
    origin = url.split("/", 3)[:3]
    for status, failed_url in failed:
        if failed_url.split("/", 3)[:3] == origin:
            report.problems.append(f"HTTP {status} for {failed_url}")
    for refused in page.aborted:
        report.problems.append(f"request to another host (refused): {refused[:200]}")
    report.notes["aborted"] = list(page.aborted)
    return report


def _check_static_explorers(page, report):
    """Move each enabled range slider of every optlib static explorer one notch with the
    keyboard; the frame (<img> src) and the slider's readout must change, and load."""
    count = 0
    for explorer in page.locator("div.optlib-static-explorer").all():
        count += 1
        explorer.scroll_into_view_if_needed()
        img = explorer.locator("img")
        if not img.get_attribute("src"):
            report.problems.append(f"static explorer {count}: no frame shown")
            continue
        for slider in explorer.locator("input[type=range]:not([disabled])").all():
            i = slider.get_attribute("data-slider")
            before = img.get_attribute("src")
            readout = explorer.locator(f'[data-readout="{i}"]')
            shown = readout.text_content() if readout.count() else None
            at_end = slider.evaluate("s => Number(s.value) === Number(s.max)")
            slider.focus()
            page.keyboard.press("ArrowLeft" if at_end else "ArrowRight")
            if img.get_attribute("src") == before:
                report.problems.append(
                    f"static explorer {count}: moving slider {i} did not change the frame"
                )
            if readout.count() and readout.text_content() == shown:
                report.problems.append(
                    f"static explorer {count}: slider {i} readout did not change"
                )
        if not img.evaluate("img => img.complete && img.naturalWidth > 0"):
            report.problems.append(f"static explorer {count}: frame image does not load")
    return count


def _check_animations(page, report):
    """Click 'Next frame' and 'Play' on every jshtml animation; the <img> must change."""
    count = 0
    for anim in page.locator("div.animation").all():
        img = anim.locator("img[id^='_anim_img']")
        if not img.count():
            continue
        count += 1
        anim.scroll_into_view_if_needed()
        try:
            page.wait_for_function(
                "img => !!img.getAttribute('src')", arg=img.element_handle(), timeout=5000
            )
        except Exception:  # noqa: BLE001
            report.problems.append(f"animation {count}: no frame shown")
            continue
        first = img.get_attribute("src")
        anim.get_by_title("Next frame").click()
        second = img.get_attribute("src")
        if second == first:
            report.problems.append(f"animation {count}: 'Next frame' did not change the frame")
        anim.get_by_title("First frame").click()
        anim.get_by_title("Play", exact=True).click()
        try:
            page.wait_for_function(
                "([img, first]) => img.getAttribute('src') !== first",
                arg=[img.element_handle(), first],
                timeout=5000,
            )
        except Exception:  # noqa: BLE001
            report.problems.append(f"animation {count}: 'Play' did not change the frame")
        anim.get_by_title("Pause").click()
        anim.get_by_title("First frame").click()
        loaded = img.evaluate("img => img.complete && img.naturalWidth > 0")
        if not loaded:
            report.problems.append(f"animation {count}: frame image does not load")
    return count
