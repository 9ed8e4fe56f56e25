"""Build and refresh the Persian edition (Sphinx gettext catalogs under locales/fa/).

    python scripts/persian_edition.py po        # English source -> _build/gettext/*.pot
                                                #   -> locales/fa/LC_MESSAGES/<page>.po
    python scripts/persian_edition.py build     # locales/fa + source -> _build/html/fa/
    python scripts/persian_edition.py stat      # per-page progress (non-fuzzy only)

`make po` and `make book-fa` call the first two. Jupyter Book 1 has no `-D`, so both
generate Sphinx's conf.py from _config.yml (`jupyter-book config sphinx .`, written to the
repository root, git-ignored) and run sphinx-build themselves; PYTHONPATH gets book/_ext,
which the generated conf.py does not add (jupyter-book issue 2210).
"""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LOCALES = ROOT / "locales"
POT_DIR = ROOT / "_build" / "gettext"
FA_HTML = ROOT / "_build" / "html" / "fa"
# Sphinx writes the Persian site here first: myst-nb puts notebook images into
# <outdir>/../jupyter_execute, which for _build/html/fa would land inside the English site
# (for _build/html-fa it is _build/jupyter_execute, which the English build fills with the
# same files). The finished tree is then hard-linked to _build/html/fa.
FA_OUT = ROOT / "_build" / "html-fa"
ROOT_PAGE = "book/intro"


def env():
    e = dict(os.environ)
    paths = [str(ROOT / "book" / "_ext"), str(ROOT)]
    if e.get("PYTHONPATH"):
        paths.append(e["PYTHONPATH"])
    e["PYTHONPATH"] = os.pathsep.join(paths)
    return e


def run(cmd, what):
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=ROOT, env=env())
    seconds = time.perf_counter() - start
    print(f"persian_edition: {what}: {seconds:.0f} s", flush=True)
    if result.returncode:
        sys.exit(f"persian_edition: {what} failed ({' '.join(map(str, cmd))})")
    return seconds


def sphinx_conf():
    run([BIN / "jupyter-book", "config", "sphinx", "."], "conf.py from _config.yml")


def po():
    sphinx_conf()
    run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-b",
            "gettext",
            "-q",
            ".",
            POT_DIR,
            "-d",
            ROOT / "_build" / ".doctrees-gettext",
        ],
        "gettext (.pot)",
    )
    # --line-width -1: one line per msgid/msgstr, which keeps diffs and merges small
    run(
        [
            sys.executable,
            "-m",
            "sphinx_intl",
            "update",
            "-p",
            POT_DIR,
            "-l",
            "fa",
            "-d",
            LOCALES,
            "--line-width",
            "-1",
        ],
        "sphinx-intl update (.po)",
    )


def build(extra=()):
    sphinx_conf()
    run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-b",
            "html",
            "-D",
            "language=fa",
            "-W",
            "-n",
            "--keep-going",
            "-q",
            *extra,
            ".",
            FA_OUT,
            "-d",
            ROOT / "_build" / ".doctrees-fa",
        ],
        "Persian HTML",
    )
    # the English build's index.html (written by Jupyter Book) sends readers to the root
    # page; the Persian tree gets the same
    (FA_OUT / "index.html").write_text(
        f'<!DOCTYPE html>\n<html lang="fa" dir="rtl"><head><meta charset="utf-8">'
        f'<meta http-equiv="Refresh" content="0; url={ROOT_PAGE}.html">'
        f'<title>redirect</title></head><body><a href="{ROOT_PAGE}.html">{ROOT_PAGE}</a>'
        f"</body></html>\n",
        encoding="utf-8",
    )
    shutil.rmtree(FA_HTML, ignore_errors=True)
    FA_HTML.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(
        FA_OUT,
        FA_HTML,
        copy_function=os.link,
        ignore=shutil.ignore_patterns(".buildinfo", ".doctrees"),
    )
    print(f"persian_edition: the Persian site is in {FA_HTML.relative_to(ROOT)}/")


def main(argv):
    if not argv or argv[0] not in {"po", "build", "stat"}:
        sys.exit(__doc__)
    if argv[0] == "po":
        po()
    elif argv[0] == "build":
        build(argv[1:])
    else:
        sys.path.insert(0, str(ROOT))
        from tests.persian_checks import print_progress

        sys.exit(0 if print_progress() else 1)


if __name__ == "__main__":
    main(sys.argv[1:])
