"""Print the size of the built site and of each page (not a test).

    python tests/browser/report_site.py [_build/html]

For each page: the HTML file itself (inline widget state, animation frames and base64
figures live here) and the images it links to under _images/ (figures written out by
Jupyter Book). Then the folders and the site in total.
"""

import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class _Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.srcs = set()

    def handle_starttag(self, tag, attrs):
        src = dict(attrs).get("src")
        if tag == "img" and src and not urlsplit(src).scheme:
            self.srcs.add(unquote(urlsplit(src).path))


def folder_size(path):
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def mb(n):
    return f"{n / 1e6:8.2f} MB"


def main(site):
    site = Path(site)
    rows = []
    for page in sorted(site.rglob("*.html")):
        rel = page.relative_to(site)
        if rel.parts[0] in {"_static", "_sources"}:
            continue
        parser = _Images()
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        images = {(page.parent / s).resolve() for s in parser.srcs}
        image_bytes = sum(p.stat().st_size for p in images if p.is_file())
        rows.append((page.stat().st_size + image_bytes, page.stat().st_size, image_bytes, rel))
    print(f"{'page + images':>14} {'html':>11} {'images':>11}  page")
    for total, html, images, rel in sorted(rows, reverse=True):
        print(f"{mb(total)}   {mb(html)} {mb(images)}  {rel}")
    print()
    for name in ("_static", "_images", "_sources"):
        if (site / name).exists():
            print(f"{mb(folder_size(site / name))}  {name}/")
    files = sum(1 for f in site.rglob("*") if f.is_file())
    print(f"{mb(folder_size(site))}  the whole site ({files} files, {len(rows)} pages)")
    if rows:
        total, html, _, rel = max(rows)
        print(
            f"largest page: {rel} ({mb(total).strip()} with its images, {mb(html).strip()} of HTML)"
        )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "_build/html")
