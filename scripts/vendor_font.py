"""Put the Persian web font where the Persian build serves it from (run by `make book-fa`).

    python scripts/vendor_font.py          # idempotent; prints what it did

Vazirmatn (npm package `vazirmatn`, SIL Open Font License 1.1) is downloaded from the npm
registry, checked against the sha512 integrity pinned below (`npm view vazirmatn@VERSION
dist.integrity`), and its variable non-Latin web font (Persian and Arabic glyphs only, about
48 kB; Latin text keeps the page's own font) is copied with the licence into
`_build/static/vendor/vazirmatn/` (build output, not committed). The Persian build adds
`_build/static` to `html_static_path`; book/_static/persian-edition.css names the file.
Nothing is loaded from a CDN.

The entry has the shape of the PACKAGES list of scripts/vendor_assets.py (the English
build's MathJax and widget manager), so it can move there unchanged.
"""

import shutil
import tempfile
from pathlib import Path

from vendor_assets import download  # the same npm download and sha512 check

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "_build" / "static" / "vendor"
FONT = "misc/Non-Latin/fonts/webfonts/Vazirmatn-NL[wght].woff2"


def vazirmatn_files(package):
    """The variable non-Latin web font (renamed without brackets) and its licence."""
    return [(package / FONT, "Vazirmatn-NL.woff2"), (package / "OFL.txt", "OFL.txt")]


# (npm package, version, folder under _build/static/vendor, sha512 of the tarball, files)
PACKAGES = [
    (
        "vazirmatn",
        "33.0.3",
        "vazirmatn",
        "sha512-fbjNc0CMjazZpIegWzz9OHGzI1APFboT+x7ZecXlUCtDe/nkyx7gtCTZnWS/+eeXG7fbfXymCPKJI8EsnM3iqw==",
        vazirmatn_files,
    ),
]
ENTRY_POINTS = {"vazirmatn": "Vazirmatn-NL.woff2"}


def install(name, version, folder, integrity, files):
    target = VENDOR / folder
    stamp = target / ".installed"
    want = f"{name}@{version} {integrity}\n"
    if stamp.exists() and stamp.read_text() == want and (target / ENTRY_POINTS[folder]).exists():
        print(f"vendor_font: {name}@{version} already in {target.relative_to(ROOT)}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        package = download(name, version, integrity, tmp, who="vendor_font")
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for source, dest in files(package):
            shutil.copyfile(source, target / dest)
    stamp.write_text(want)
    print(f"vendor_font: {name}@{version} -> {target.relative_to(ROOT)}")


def main():
    for entry in PACKAGES:
        install(*entry)


if __name__ == "__main__":
    main()
