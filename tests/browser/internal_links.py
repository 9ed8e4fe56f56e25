"""Offline check of the internal links of a built HTML site (stdlib only).

    python tests/browser/internal_links.py [_build/html]     # prints problems, exit 1 if any

Every page under the site (but _static/ and _sources/) is parsed with html.parser; every
href/src that is not external (no scheme, not //host) must name a file of the site, and
its #fragment an id (or <a name>) in that file. External links are not checked (no
network here; `jupyter-book build --builder linkcheck` does that where there is one).
"""

import sys
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

LINK_ATTRS = {
    "a": "href",
    "area": "href",
    "link": "href",
    "img": "src",
    "script": "src",
    "iframe": "src",
    "source": "src",
    "video": "src",
    "audio": "src",
    "embed": "src",
}
# at any depth: the Persian edition (fa/) has its own _static/ with template files
SKIP_DIRS = {"_static", "_sources", "_images"}


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids = set()
        self.links = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        attr = LINK_ATTRS.get(tag)
        if attr and attrs.get(attr) is not None:
            # <link rel="preconnect"> and friends name hosts, not documents
            if tag == "link" and attrs.get("rel") in {"preconnect", "dns-prefetch"}:
                return
            self.links.append((self.getpos()[0], tag, attrs[attr].strip()))

    handle_startendtag = handle_starttag


@cache
def _parse(path):
    parser = _Parser()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    parser.close()
    return frozenset(parser.ids), tuple(parser.links)


def pages(site):
    site = Path(site)
    return sorted(
        p
        for p in site.rglob("*.html")
        if not SKIP_DIRS.intersection(p.relative_to(site).parts[:-1])
    )


def is_external(url):
    parts = urlsplit(url)
    return bool(parts.scheme) or url.startswith("//")


def check_site(site):
    """Return a list of problems ('page:line: <tag> url: why'), empty if every link works."""
    site = Path(site).resolve()
    _parse.cache_clear()
    problems = []
    for page in pages(site):
        for line, tag, url in _parse(page)[1]:
            if not url or url == "#" or is_external(url):
                continue
            parts = urlsplit(url)
            target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
            where = f"{page.relative_to(site)}:{line}: <{tag}> {url}"
            if site != target and site not in target.parents:
                problems.append(f"{where}: points outside the site")
                continue
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                problems.append(f"{where}: no such file")
                continue
            fragment = unquote(parts.fragment)
            if fragment and target.suffix == ".html" and fragment not in _parse(target)[0]:
                problems.append(f"{where}: no id '{fragment}' in {target.relative_to(site)}")
    return problems


if __name__ == "__main__":
    site = Path(sys.argv[1] if len(sys.argv) > 1 else "_build/html")
    found = check_site(site)
    print("\n".join(found) or f"{len(pages(site))} pages, every internal link resolves")
    sys.exit(1 if found else 0)
