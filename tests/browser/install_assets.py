"""Install local copies of the CDN scripts the built book loads (for offline browser tests).

    python tests/browser/install_assets.py          # idempotent; prints what it did

The book's pages load MathJax, require.js and the ipywidgets html-manager from CDNs
(jsdelivr, cdnjs). The test machines reach only the package registries, so the browser
tests answer those CDN requests from these copies (see browserlib.CDN_ROUTES).

Each package is fetched with `npm pack NAME@VERSION` (the tarball only: no dependency
tree, no install scripts), checked against the sha512 integrity pinned below (the value
a package-lock.json would record) and unpacked into tests/browser/.assets/NAME/
(gitignored). Bump a version here together with its integrity (`npm view NAME@VER
dist.integrity`).
"""

import base64
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ASSETS = Path(__file__).resolve().parent / ".assets"

# (npm package, version, folder under .assets, sha512 integrity of the registry tarball)
PACKAGES = [
    ("mathjax", "3.2.2", "mathjax",
     "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw=="),
    # myst-nb's default nb_ipywidgets_js asks cdnjs for require.js 2.3.4
    ("requirejs", "2.3.4", "requirejs",
     "sha512-qPD5gRrj6kGQ0ZySAJgqbArkaDqPMbQIT0zSZDkIv1mfA17w/tR2Faq5l2qqRf2CdQx6FWln9nUrgd2UDzb19A=="),
    # myst-nb's default: @jupyter-widgets/html-manager@1.0.6/dist/embed-amd.js (ipywidgets 8)
    ("@jupyter-widgets/html-manager", "1.0.6", "html-manager",
     "sha512-+Mn+Ra8wyIHrYaUpfmf9A3dsLkt/NuwzPQN8sthdxBD35VV5cOJbpmgMhNR27n/rmP3mKyEe0PWCJrtZrXTXDQ=="),
]

# one file per package that must exist after unpacking
MARKERS = {
    "mathjax": "es5/tex-mml-chtml.js",
    "requirejs": "require.js",
    "html-manager": "dist/embed-amd.js",
}


def stamp_of(name, version, integrity):
    return f"{name}@{version} {integrity}\n"


def installed(folder, name, version, integrity):
    stamp = ASSETS / folder / ".installed"
    return (stamp.exists() and stamp.read_text() == stamp_of(name, version, integrity)
            and (ASSETS / folder / MARKERS[folder]).exists())


def sri_sha512(path):
    digest = hashlib.sha512(Path(path).read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode()


def install(name, version, folder, integrity):
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("install_assets: npm not found (Debian: apt-get install nodejs npm)")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([npm, "pack", f"{name}@{version}", "--silent", "--pack-destination", tmp],
                       check=True, capture_output=True, text=True, cwd=tmp)
        tarball = next(Path(tmp).glob("*.tgz"))
        got = sri_sha512(tarball)
        if got != integrity:
            sys.exit(f"install_assets: {name}@{version}: integrity {got} != pinned {integrity}")
        target = ASSETS / folder
        shutil.rmtree(target, ignore_errors=True)
        with tarfile.open(tarball) as tar:
            tar.extractall(tmp + "/x", filter="data")
        shutil.move(tmp + "/x/package", target)   # npm tarballs hold one folder, package/
    (target / ".installed").write_text(stamp_of(name, version, integrity))


def main():
    ASSETS.mkdir(exist_ok=True)
    for name, version, folder, integrity in PACKAGES:
        if installed(folder, name, version, integrity):
            print(f"install_assets: {name}@{version} already in {ASSETS / folder}")
            continue
        install(name, version, folder, integrity)
        print(f"install_assets: {name}@{version} -> {ASSETS / folder}")


if __name__ == "__main__":
    main()
