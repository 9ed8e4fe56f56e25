"""The built book in headless Chromium: every page of _toc.yml loads and shows what it
should (math typeset, figures drawn, widget snapshots rendered, kernel-free explorers and
animations moving), with no unexpected console error; a full-page screenshot of each goes
to _build/screenshots/.

Every request to another host is refused (aborted, not answered): the site serves its
own MathJax, require.js and widget manager (scripts/vendor_assets.py), and a page that
still asks another host for anything fails. The pages are served under a sub-path
(/<repo>/, as GitHub Pages serves a project site), and a zip of the site is unpacked and
opened from disk (file://).

Needs the built book (`make book`; or BOOK_HTML=<folder with index.html>), Debian's
chromium and Python playwright (scripts/install_browser.sh).
"""

import shutil
import zipfile

import browserlib as bl
import pytest
import yaml
from browserlib import browser_fixture  # noqa: F401  (pytest fixtures)

HTML = bl.book_html()
PAGES = bl.toc_pages()


def pages_prefix():
    """'/<repo>/': where GitHub Pages serves the site of the repository in _config.yml."""
    config = yaml.safe_load((bl.ROOT / "_config.yml").read_text())
    return "/" + config["repository"]["url"].rstrip("/").rsplit("/", 1)[-1] + "/"


@pytest.fixture(scope="module")
def site(browser):
    if not (HTML / "index.html").exists():
        pytest.skip(f"no built book at {HTML}: run `make book` first (or set BOOK_HTML)")
    with bl.serve(HTML, prefix=pages_prefix()) as base:
        yield base


def screenshot_name(docname):
    return docname.replace("/", "_") + ".png"


@pytest.mark.parametrize("docname", PAGES)
def test_page(site, browser, docname):
    html = HTML / f"{docname}.html"
    assert html.exists(), f"{docname} is in _toc.yml but {html} was not built"
    expect = bl.expectations(bl.source_of(docname))
    page = bl.new_page(browser, site)
    try:
        report = bl.check_page(
            page,
            f"{site}{docname}.html",
            expect,
            screenshot=bl.screenshot_dir(HTML) / screenshot_name(docname),
        )
    finally:
        page.context.close()
    assert not report.problems, str(report)


def test_index_redirects_to_root_page(site, browser):
    """index.html (written by Jupyter Book) sends the reader to the toc's root page."""
    page = bl.new_page(browser, site)
    try:
        page.goto(site, wait_until="load")
        page.wait_for_url(f"{site}{PAGES[0]}.html", timeout=10000)
    finally:
        page.context.close()


def richest_chapters():
    """The chapter pages with the most to check: one with widget snapshots, one with an
    animation, one with a kernel-free explorer (a page may be all three)."""
    chosen = {}
    for docname in PAGES:
        expect = bl.expectations(bl.source_of(docname))
        for kind in ("widgets", "animation", "static_explorers"):
            if getattr(expect, kind) and kind not in chosen:
                chosen[kind] = docname
    return sorted(set(chosen.values()))


@pytest.fixture(scope="module")
def unzipped_site(tmp_path_factory):
    """_build/html zipped, as a reader would download it, and unpacked elsewhere."""
    if not (HTML / "index.html").exists():
        pytest.skip(f"no built book at {HTML}: run `make book` first (or set BOOK_HTML)")
    tmp = tmp_path_factory.mktemp("download")
    archive = shutil.make_archive(str(tmp / "book"), "zip", HTML)
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(tmp / "book")
    return tmp / "book"


@pytest.mark.parametrize("docname", richest_chapters() or [PAGES[0]])
def test_page_from_disk(browser, unzipped_site, docname):
    """A downloaded copy opened with file://: math, widgets, explorers and the animation
    work without a server and without another host."""
    origin = unzipped_site.as_uri() + "/"
    expect = bl.expectations(bl.source_of(docname))
    page = bl.new_page(browser, origin)
    try:
        report = bl.check_page(page, f"{origin}{docname}.html", expect)
    finally:
        page.context.close()
    assert not report.problems, str(report)
