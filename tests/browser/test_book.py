"""The built book in headless Chromium: every page of _toc.yml loads and shows what it
should (math typeset, figures drawn, widget snapshots rendered, animations playing), with
no unexpected console error; a full-page screenshot of each goes to _build/screenshots/.

Needs the built book (`make book`; or BOOK_HTML=<folder with index.html>), Debian's
chromium, Python playwright and the local CDN copies (scripts/install_browser.sh).
"""

import browserlib as bl
import pytest
from browserlib import browser_fixture  # noqa: F401  (pytest fixtures)

HTML = bl.book_html()
PAGES = bl.toc_pages()


@pytest.fixture(scope="module")
def site(browser):
    if not (HTML / "index.html").exists():
        pytest.skip(f"no built book at {HTML}: run `make book` first (or set BOOK_HTML)")
    with bl.serve(HTML) as base:
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
        report = bl.check_page(page, f"{site}{docname}.html", expect,
                               screenshot=bl.screenshot_dir(HTML) / screenshot_name(docname))
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
