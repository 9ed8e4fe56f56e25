"""Put the book's JavaScript libraries where the build serves them from (run by `make book`).

    python scripts/vendor_assets.py          # idempotent; prints what it did

The built site loads MathJax (math), require.js and the ipywidgets html-manager (widget
snapshots), and Font Awesome 4 (the icons of matplotlib's animation player) from its own
`_static/vendor/`, never from a CDN, so it works on a network that blocks CDNs and from a
downloaded copy opened from disk. `_config.yml` points Sphinx (`mathjax_path`) and MyST-NB
(`nb_ipywidgets_js`) at these copies; book/_ext/self_contained.py does the rest.

Each package's tarball is downloaded from the npm registry (no Node.js needed; no
dependency tree, no install scripts run) and checked against the sha512 integrity pinned
below (the value a package-lock.json records: `npm view NAME@VERSION dist.integrity`).
The files a browser needs are copied into `_build/static/vendor/NAME/` (build output, not
committed; `_config.yml` adds `_build/static` to `html_static_path`). Bump a version here together
with its integrity.
"""

import base64
import hashlib
import shutil
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "_build" / "static" / "vendor"
REGISTRY = "https://registry.npmjs.org"


def mathjax_files(package):
    """The CommonHTML TeX+MathML combined file and every component it may load later
    (TeX extensions on first use, fonts, the menu, accessibility); not the other
    combined files or the SVG output, which the book never loads."""
    es5 = package / "es5"
    keep = [es5 / "tex-mml-chtml.js", es5 / "output" / "chtml.js", es5 / "output" / "chtml"]
    keep += [p for p in es5.iterdir() if p.is_dir() and p.name != "output"]
    return keep + [package / "LICENSE"]


def requirejs_files(package):
    return [package / "require.js", package / "README.md"]


def html_manager_files(package):
    """embed-amd.js (the AMD bundle MyST-NB's pages load) and the icon fonts it asks for."""
    dist = package / "dist"
    fonts = [p for p in dist.iterdir() if p.suffix in {".woff2", ".woff", ".ttf", ".eot", ".svg"}]
    return [dist / "embed-amd.js", *fonts, package / "LICENSE"]


def font_awesome_files(package):
    """The stylesheet and fonts of Font Awesome 4, which matplotlib's animation player
    (jshtml) links for its button icons; book/_ext/self_contained.py points it here."""
    return [package / "css" / "font-awesome.min.css", package / "fonts", package / "README.md"]


# (npm package, version, folder under _build/static/vendor, sha512 integrity of the
#  registry tarball, which files to keep, relative to `package/` or flattened)
PACKAGES = [
    (
        "mathjax",
        "3.2.2",
        "mathjax",
        "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw==",
        mathjax_files,
    ),
    (
        "requirejs",
        "2.3.4",
        "requirejs",
        "sha512-qPD5gRrj6kGQ0ZySAJgqbArkaDqPMbQIT0zSZDkIv1mfA17w/tR2Faq5l2qqRf2CdQx6FWln9nUrgd2UDzb19A==",
        requirejs_files,
    ),
    # html-manager 1.x is the ipywidgets 8 generation (the notebooks' widget state)
    (
        "@jupyter-widgets/html-manager",
        "1.0.6",
        "html-manager",
        "sha512-+Mn+Ra8wyIHrYaUpfmf9A3dsLkt/NuwzPQN8sthdxBD35VV5cOJbpmgMhNR27n/rmP3mKyEe0PWCJrtZrXTXDQ==",
        html_manager_files,
    ),
    # the version matplotlib's animation HTML names (matplotlib/_animation_data.py)
    (
        "font-awesome",
        "4.4.0",
        "font-awesome",
        "sha512-h45v/TF2b9d6JiBnyluFrjZRyJXXkRjWbTKxb0ygTScxdP8gWdgMBaghbDuSLQFHNkj3M0eNrLxfTEiQo93ARQ==",
        font_awesome_files,
    ),
]

# the file _config.yml names, per folder (checked after copying)
ENTRY_POINTS = {
    "mathjax": "es5/tex-mml-chtml.js",
    "requirejs": "require.js",
    "html-manager": "embed-amd.js",
    "font-awesome": "css/font-awesome.min.css",
}


def stamp_of(name, version, integrity):
    return f"{name}@{version} {integrity}\n"


def installed(folder, name, version, integrity):
    stamp = VENDOR / folder / ".installed"
    return (
        stamp.exists()
        and stamp.read_text() == stamp_of(name, version, integrity)
        and (VENDOR / folder / ENTRY_POINTS[folder]).exists()
    )


def sri_sha512(path):
    """The Subresource-Integrity form of a file's sha512, as npm records it."""
    digest = hashlib.sha512(Path(path).read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode()


def download(name, version, integrity, tmp, who="vendor_assets"):
    """Fetch an npm tarball into the folder `tmp`, check its sha512, unpack it; its package/."""
    # the registry's tarball address: @scope/name -> @scope/name/-/name-VERSION.tgz
    url = f"{REGISTRY}/{name}/-/{name.rsplit('/', 1)[-1]}-{version}.tgz"
    tarball = Path(tmp) / "package.tgz"
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            tarball.write_bytes(response.read())
    except OSError as err:
        sys.exit(f"{who}: cannot download {url}: {err}")
    got = sri_sha512(tarball)
    if got != integrity:
        sys.exit(f"{who}: {name}@{version}: integrity {got} != pinned {integrity}")
    with tarfile.open(tarball) as tar:
        tar.extractall(Path(tmp) / "x", filter="data")
    return Path(tmp) / "x" / "package"  # npm tarballs hold one folder, package/


def install(name, version, folder, integrity, files):
    with tempfile.TemporaryDirectory() as tmp:
        package = download(name, version, integrity, tmp)
        target = VENDOR / folder
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        flat = folder == "html-manager"  # fonts next to embed-amd.js (see widgets-assets-path.js)
        for path in files(package):
            dest = target / (path.name if flat else path.relative_to(package))
            dest.parent.mkdir(parents=True, exist_ok=True)
            if path.is_dir():
                shutil.copytree(path, dest)
            else:
                shutil.copy2(path, dest)
    if not (target / ENTRY_POINTS[folder]).exists():
        sys.exit(f"vendor_assets: {name}@{version}: {ENTRY_POINTS[folder]} missing")
    (target / ".installed").write_text(stamp_of(name, version, integrity))


def main():
    for name, version, folder, integrity, files in PACKAGES:
        if installed(folder, name, version, integrity):
            print(f"vendor_assets: {name}@{version} already in {VENDOR / folder}")
            continue
        install(name, version, folder, integrity, files)
        print(f"vendor_assets: {name}@{version} -> {VENDOR / folder}")


if __name__ == "__main__":
    main()
