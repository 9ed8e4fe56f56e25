"""The built site loads nothing from another host (book/_ext/self_contained.py).

The extension's scanner is checked on snippets (what a page fetches by itself vs. links a
reader may follow), and, when the book is built, on every page of _build/html; the build
itself fails (-W) on the same finding. The browser tests check the same thing live, with
every request to another host refused.
"""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
import self_contained  # noqa: E402


@pytest.mark.parametrize(
    "html",
    [
        '<script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"></script>',
        '<script defer src="//cdnjs.cloudflare.com/ajax/libs/require.js/2.3.4/require.min.js">',
        '<link rel="stylesheet" href="https://maxcdn.bootstrapcdn.com/font-awesome/4.4.0/css/x.css">',
        '<img alt="" src="https://example.org/figure.png">',
        '<style>@font-face { src: url("https://fonts.example.org/f.woff2") }</style>',
        "<iframe src='http://example.org/embed'></iframe>",
    ],
)
def test_scanner_finds_what_a_page_fetches(html):
    assert self_contained.external_requests(html), html


@pytest.mark.parametrize(
    "html",
    [
        '<a href="https://arxiv.org/abs/1412.6980">Adam</a>',
        '<link rel="canonical" href="https://example.org/book/intro.html">',
        '<script src="../_static/vendor/mathjax/es5/tex-mml-chtml.js"></script>',
        '<img src="data:image/png;base64,iVBORw0KGgo=">',
        '<link rel="stylesheet" href="../_static/vendor/font-awesome/css/font-awesome.min.css">',
    ],
)
def test_scanner_ignores_links_and_local_files(html):
    assert self_contained.external_requests(html) == [], html


def test_matplotlib_animation_css_is_replaced():
    """The one CDN address notebook outputs hold (matplotlib's jshtml player)."""
    import matplotlib._animation_data as anim

    cdn = [u for u in self_contained.LOCAL_COPIES if u in anim.JS_INCLUDE]
    assert cdn, "matplotlib's animation HTML no longer links the Font Awesome we replace"


def test_built_site_loads_nothing_from_other_hosts():
    html = ROOT / "_build" / "html"
    if not (html / "index.html").exists():
        pytest.skip("no built book: run `make book` first")
    found = {
        str(p.relative_to(html)): self_contained.external_requests(
            p.read_text(encoding="utf-8", errors="replace")
        )
        for p in html.rglob("*.html")
    }
    assert not {k: v for k, v in found.items() if v}
