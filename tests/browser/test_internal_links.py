"""Every internal link and #anchor of the built book resolves (offline, stdlib only).

External links are not checked: there is no network on the test machines.
"""

import browserlib as bl
import internal_links
import pytest


def test_internal_links_resolve():
    html = bl.book_html()
    if not (html / "index.html").exists():
        pytest.skip(f"no built book at {html}: run `make book` first (or set BOOK_HTML)")
    pages = internal_links.pages(html)
    assert len(pages) >= len(bl.toc_pages())
    problems = internal_links.check_site(html)
    assert not problems, "broken internal links:\n" + "\n".join(problems)
