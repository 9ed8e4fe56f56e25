"""Sphinx extension: keep the built site self-contained (no request to another host).

1. Notebook outputs may hold HTML that links a CDN. The one the book has: matplotlib's
   animation player (jshtml) links Font Awesome 4 on maxcdn for its button icons. Each
   page's body is rewritten to use the copy in _static/vendor/ (scripts/vendor_assets.py).
2. After the build, every HTML page is scanned for an element the browser would fetch
   from another host (<script src>, <link href> other than plain links, <img src>,
   <iframe src>, <source src>, CSS url()); each is a warning, so `-W` fails the build.
   Hyperlinks (<a href>) are fine: the reader follows them, the page does not load them.
"""

import re
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

# external address -> the copy under _static/ that replaces it
LOCAL_COPIES = {
    "https://maxcdn.bootstrapcdn.com/font-awesome/4.4.0/css/font-awesome.min.css": (
        "_static/vendor/font-awesome/css/font-awesome.min.css"
    ),
}

# what the browser fetches by itself when it loads a page
_FETCHED = re.compile(
    r"<(?P<tag>script|img|iframe|source|embed|audio|video)\b[^>]*?\ssrc=[\"'](?P<url>[^\"']+)"
    r"|<link\b(?P<attrs>[^>]*?)\shref=[\"'](?P<href>[^\"']+)"
    r"|url\(\s*[\"']?(?P<css>[^\"')]+)",
    re.I,
)
_NOT_FETCHED_LINKS = re.compile(
    r"rel=[\"'](?:canonical|alternate|author|license|help|"
    r"next|prev|search|index|top|up)[\"']",
    re.I,
)


def external_requests(html):
    """The absolute http(s)/protocol-relative addresses a page would load on its own."""
    found = []
    for m in _FETCHED.finditer(html):
        url = m.group("url") or m.group("href") or m.group("css")
        if m.group("href") and _NOT_FETCHED_LINKS.search(m.group("attrs") or ""):
            continue
        if re.match(r"(?:https?:)?//", url.strip(), re.I):
            found.append(url.strip())
    return found


def use_local_copies(app, pagename, templatename, context, doctree):
    body = context.get("body")
    if not body:
        return
    for url, local in LOCAL_COPIES.items():
        if url in body:
            body = body.replace(url, context["pathto"](local, 1))
    context["body"] = body


def check_site(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    for page in sorted(outdir.rglob("*.html")):
        for url in external_requests(page.read_text(encoding="utf-8", errors="replace")):
            logger.warning(
                "%s loads %s from another host; serve a copy from _static/vendor "
                "(scripts/vendor_assets.py, book/_ext/self_contained.py)",
                page.relative_to(outdir),
                url,
            )


def setup(app):
    app.connect("html-page-context", use_local_copies)
    app.connect("build-finished", check_site)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
