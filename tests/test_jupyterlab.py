"""A student's path, end to end: JupyterLab with a live kernel, a chapter notebook,
Run → Run All Cells, then an explorer slider moved with the keyboard redraws the figure.

The notebook is the smallest notebooks/NN_*.ipynb with an `Explorer(...)` and a `.show()`
cell, or, while no chapter has one, tests/browser/fixtures/minibook/widgets_demo.ipynb
(an Explorer on optlib.problems.ravine()). It runs from a copy in a temporary folder, with
outputs cleared, so JupyterLab's autosave never touches the committed notebook.

Needs jupyterlab in .venv (or JUPYTERLAB_BIN=path to another jupyter-lab), Debian's
chromium and Python playwright (scripts/install_browser.sh). Set BROWSER_TESTS_REQUIRED=1
to fail instead of skipping when they are missing.
"""

import contextlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT / "tests" / "browser"))
import browserlib as bl  # noqa: E402

FIXTURE = ROOT / "tests" / "browser" / "fixtures" / "minibook" / "widgets_demo.ipynb"
# JUPYTERLAB_BIN: another environment's jupyter-lab (tests/test_binder_env.py passes the
# one of the Binder build); its kernel is that environment's Python
JUPYTER_LAB = Path(
    os.environ.get("JUPYTERLAB_BIN") or Path(sys.executable).with_name("jupyter-lab")
)
RUN_ALL_TIMEOUT_MS = int(os.environ.get("JUPYTERLAB_RUN_ALL_TIMEOUT", "600")) * 1000


@pytest.fixture(scope="module")
def browser():
    bl.require_browser()
    return bl.shared_chromium()


def explorer_notebook():
    """JUPYTERLAB_NOTEBOOK=path, else the smallest executed chapter notebook (those in
    _toc.yml first) with an Explorer and a .show() call, else the fixture notebook."""
    if os.environ.get("JUPYTERLAB_NOTEBOOK"):
        return (ROOT / os.environ["JUPYTERLAB_NOTEBOOK"]).resolve()
    for path in bl.executed_chapters():
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
        if any("Explorer(" in c for c in code) and any(".show()" in c for c in code):
            return path
    return FIXTURE


def start_kernel(page, timeout=120):
    """Wait until the notebook has an idle kernel, answering JupyterLab's "Select Kernel"
    dialog (shown on first open in a fresh profile) with its default, as a student would."""
    deadline = time.monotonic() + timeout
    dialog = page.locator(".jp-Dialog").filter(has_text="Select Kernel")
    name = page.locator(".jp-NotebookPanel-toolbar .jp-Toolbar-kernelName").first
    idle = page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first
    while time.monotonic() < deadline:
        if dialog.count() and dialog.is_visible():
            dialog.get_by_role("button", name="Select", exact=True).click()
        if (
            name.count()
            and "No Kernel" not in name.inner_text()
            and idle.count()
            and idle.is_visible()
        ):
            return
        page.wait_for_timeout(250)
    pytest.fail("the notebook's kernel did not start")


def reveal(page, locator, timeout=60):
    """Scroll the notebook until `locator` is visible. JupyterLab's windowed notebook
    (the default "full" windowing mode of JupyterLab 4.4, which Binder's image has) does
    not display cells outside the viewport, so scrolling the element itself cannot work."""
    outer = page.locator(".jp-NotebookPanel .jp-WindowedPanel-outer").first
    outer.evaluate("o => { o.scrollTop = 0; }")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if locator.count() and locator.is_visible():
            locator.scroll_into_view_if_needed()
            return
        at_end = outer.evaluate(
            "o => { const end = o.scrollTop + o.clientHeight >= o.scrollHeight - 2;"
            " o.scrollTop += 0.6 * o.clientHeight; return end; }"
        )
        page.wait_for_timeout(300 if not at_end else 1000)
        if at_end:
            outer.evaluate("o => { o.scrollTop = 0; }")
    pytest.fail(f"{locator} never became visible in the notebook")


def assert_no_traceback(page):
    tracebacks = page.locator(
        ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']"
    )
    assert tracebacks.count() == 0, "a cell raised:\n" + tracebacks.first.inner_text()[:3000]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(workdir, notebook):
    """Copy the notebook into workdir/notebooks/ (outputs and widget state cleared) and
    link optlib beside it, as in the repository (notebooks may do sys.path.insert('..'))."""
    (workdir / "notebooks").mkdir(parents=True)
    (workdir / "optlib").symlink_to(ROOT / "optlib", target_is_directory=True)
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    nb["metadata"].pop("widgets", None)
    nb["metadata"]["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    copy = workdir / "notebooks" / notebook.name
    copy.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return copy


@contextlib.contextmanager
def lab_server(tmp_path, notebook):
    """JupyterLab on 127.0.0.1 (random port, a token, no browser), in a private config,
    with a copy of `notebook`; yields (base URL, token, the copy's path in the server)."""
    if not JUPYTER_LAB.exists():
        bl.skip_or_fail(f"{JUPYTER_LAB} missing: run scripts/install_browser.sh")
    notebook = prepare(tmp_path / "work", notebook)
    port, token = free_port(), secrets.token_hex(16)
    env = dict(os.environ)
    for name in (
        "JUPYTER_CONFIG_DIR",
        "JUPYTER_RUNTIME_DIR",
        "JUPYTER_DATA_DIR",
        "JUPYTERLAB_SETTINGS_DIR",
        "JUPYTERLAB_WORKSPACES_DIR",
    ):
        env[name] = str(tmp_path / name.lower())
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    log = (tmp_path / "jupyterlab.log").open("w")
    proc = subprocess.Popen(
        [
            str(JUPYTER_LAB),
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={tmp_path / 'work'}",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]
        + (["--allow-root"] if os.geteuid() == 0 else []),  # CI runs as root
        cwd=tmp_path / "work",
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}api/status?token={token}", timeout=5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail(
                        "JupyterLab did not start:\n"
                        + (tmp_path / "jupyterlab.log").read_text()[-3000:]
                    )
                time.sleep(0.5)
        yield base, token, notebook.relative_to(tmp_path / "work").as_posix()
    finally:
        # our own server, in its own session: stop it (and its kernels) by its id
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        log.close()


@pytest.fixture
def jupyterlab(tmp_path):
    with lab_server(tmp_path, explorer_notebook()) as server:
        yield server


# Page errors that are expected, each with its reason (matched on message and stack).
ALLOWED_PAGE_ERRORS = [
    # JupyterLab 4.6's cell toolbar checks whether a markdown cell's rendered text overlaps
    # the toolbar by reaching into the default markdown renderer's widgets; jupyterlab-myst
    # renders markdown cells with its own widget, so the check reads `.node` of undefined
    # when the toolbar is shown on a markdown cell. Only that overlap check fails (console
    # only; the cell renders, the toolbar works). Without jupyterlab-myst it is absent.
    (
        re.compile(r"Cannot read properties of undefined \(reading 'node'\)"),
        re.compile(r"_markdownOverlapsToolbar"),
    ),
]


def unexpected(errors):
    return [
        e
        for e in errors
        if not any(text.search(e) and stack.search(e) for text, stack in ALLOWED_PAGE_ERRORS)
    ]


def test_explorer_slider_redraws_figure(browser, jupyterlab, tmp_path):
    base, token, path = jupyterlab
    page = bl.new_page(browser, base)
    shots = bl.screenshot_dir(bl.book_html())  # CI artefacts, beside the book's
    shots.mkdir(parents=True, exist_ok=True)
    errors = []
    page.on(
        "pageerror", lambda err: errors.append(f"{err}\n{(getattr(err, 'stack', '') or '')[:1500]}")
    )
    try:
        page.goto(f"{base}lab/tree/{path}?token={token}", wait_until="load", timeout=60000)
        page.locator(".jp-NotebookPanel .jp-Notebook").first.wait_for(timeout=90000)
        start_kernel(page)

        # Run → Run All Cells, through the menu bar, as a student would
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()

        # every code cell has run (a number in each prompt), or one raised
        page.wait_for_function(
            """() => {
                 const error = "[data-mime-type='application/vnd.jupyter.error']";
                 if (document.querySelector('.jp-OutputArea-output' + error)) return true;
                 const prompts = [...document.querySelectorAll(
                     '.jp-CodeCell .jp-InputArea-prompt')];
                 return prompts.length > 0
                        && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
               }""",
            timeout=RUN_ALL_TIMEOUT_MS,
            polling=500,
        )
        assert_no_traceback(page)

        # the explorer: a VBox holding the sliders and the Output widget it draws into
        explorer = (
            page.locator(".jp-OutputArea .widget-vbox")
            .filter(has=page.locator(".widget-slider"))
            .filter(has=page.locator(".widget-output img"))
            .first
        )
        explorer.wait_for(state="attached", timeout=60000)
        reveal(page, explorer)
        handle = explorer.locator(".widget-slider .noUi-handle").first
        readout = explorer.locator(".widget-slider .widget-readout").first
        figure = explorer.locator(".widget-output img").first
        figure.wait_for(timeout=60000)
        value_before = readout.inner_text()

        # move the first slider one step with the keyboard (focus its handle, arrow key);
        # right after "Run All" the widget may not take focus yet, so retry a few times,
        # and only count a key press that really moved the slider (its readout changed)
        for _ in range(5):
            before = figure.get_attribute("src")
            handle.focus()
            page.keyboard.press("ArrowRight")
            try:
                page.wait_for_function(
                    "([el, old]) => el.innerText !== old",
                    arg=[readout.element_handle(), value_before],
                    timeout=5000,
                )
                break
            except Exception:  # noqa: BLE001
                continue
        # the Output widget is cleared and redrawn: a new <img> replaces the old one
        page.wait_for_function(
            """([box, before]) => {
                 const img = box.querySelector('.widget-output img');
                 return img && img.getAttribute('src') !== before && img.complete
                        && img.naturalWidth > 0;
               }""",
            arg=[explorer.element_handle(), before],
            timeout=120000,
        )
        after, value_after = figure.get_attribute("src"), readout.inner_text()
        explorer.scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "jupyterlab_explorer.png"))

        assert_no_traceback(page)
    except Exception:
        page.screenshot(path=str(shots / "jupyterlab_failure.png"))
        raise
    finally:
        page.context.close()
    assert value_after != value_before, (value_before, value_after)
    assert after != before
    assert after.startswith("data:image/png;base64,")
    assert not unexpected(errors), errors


# ------------------------------------------------------------------ MyST in JupyterLab

RAW_MYST = (":::{", "```{", "{cite}`", "{ref}`", "$$")


def myst_chapter():
    """JUPYTERLAB_MYST_NOTEBOOK=path, else the smallest executed chapter (those in _toc.yml
    first) whose markdown has an admonition, an exercise and a display-math block."""
    if os.environ.get("JUPYTERLAB_MYST_NOTEBOOK"):
        return (ROOT / os.environ["JUPYTERLAB_MYST_NOTEBOOK"]).resolve()
    for path in bl.executed_chapters():
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        markdown = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        if all(k in markdown for k in (":::{admonition}", "```{exercise}", "$$")):
            return path
    pytest.skip("no chapter with an admonition, an exercise and display math")


@pytest.fixture
def jupyterlab_chapter(tmp_path):
    # every cell in the DOM (JupyterLab 4 otherwise only attaches the cells near the view)
    settings = tmp_path / "jupyterlab_settings_dir" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    with lab_server(tmp_path, myst_chapter()) as server:
        yield server


def rendered_markdown(page):
    """Each markdown cell's rendered text and the MyST/KaTeX classes in it (each cell is
    scrolled into view: JupyterLab renders a markdown cell when it is first shown)."""
    page.locator(".jp-MarkdownCell .myst").first.wait_for(timeout=90000)
    cells = page.locator(".jp-MarkdownCell")
    found = []
    for i in range(cells.count()):
        cell = cells.nth(i)
        cell.scroll_into_view_if_needed()
        rendered = cell.locator(".jp-MarkdownOutput, .myst").first
        rendered.wait_for(timeout=30000)
        found.append(
            rendered.evaluate("""r => ({
            text: r.innerText,
            myst: !!r.closest('.myst') || !!r.querySelector('.myst'),
            classes: [...new Set([...r.querySelectorAll('[class]')].flatMap(
                e => String(e.getAttribute('class')).split(/\\s+/)))]})""")
        )
    return found


def test_chapter_markdown_renders_as_myst(browser, jupyterlab_chapter):
    """Opening a chapter in JupyterLab (jupyterlab-myst): the "The lecture says"
    admonition is a styled block, display math is typeset, an exercise is a titled block,
    and no markdown cell shows raw MyST (`:::{`, ```` ```{ ````, roles, `$$`)."""
    base, token, path = jupyterlab_chapter
    page = bl.new_page(browser, base)
    shots = bl.screenshot_dir(bl.book_html())
    shots.mkdir(parents=True, exist_ok=True)
    try:
        page.goto(f"{base}lab/tree/{path}?token={token}", wait_until="load", timeout=60000)
        page.locator(".jp-NotebookPanel .jp-Notebook").first.wait_for(timeout=90000)
        cells = rendered_markdown(page)

        admonition = page.locator(".myst-admonition", has_text="The lecture says").first
        admonition.scroll_into_view_if_needed()
        style = admonition.evaluate("""a => { const s = getComputedStyle(a);
            return {border: parseFloat(s.borderLeftWidth), background: s.backgroundColor}; }""")
        page.screenshot(path=str(shots / "jupyterlab_myst_admonition.png"))
        exercise = page.locator(".myst-exercise").first
        exercise.scroll_into_view_if_needed()
        exercise_text = exercise.inner_text()
        page.screenshot(path=str(shots / "jupyterlab_myst_exercise.png"))
    finally:
        page.context.close()

    assert cells and all(c["myst"] for c in cells), "a markdown cell not rendered by MyST"
    raw = [
        (i, key, c["text"][:200])
        for i, c in enumerate(cells)
        for key in RAW_MYST
        if key in c["text"]
    ]
    assert not raw, f"raw MyST in rendered cells: {raw}"
    classes = {name for c in cells for name in c["classes"]}
    # styled block: a coloured left border (the book's look), not plain paragraphs
    assert style["border"] > 0, style
    assert "katex-display" in classes, "no display math typeset (KaTeX)"
    assert "katex-error" not in classes, "KaTeX could not typeset some math"
    assert "myst-exercise" in classes and "Exercise" in exercise_text, exercise_text[:300]
