"""Keep every chapter notebook and homework master paired with its MyST markdown twin.

    python scripts/notebook_twins.py            # write the twin of every paired notebook
    python scripts/notebook_twins.py --check    # exit 1 if a twin is missing or stale
    python scripts/notebook_twins.py --sync     # as jupytext --sync: the newer file wins
    python scripts/notebook_twins.py notebooks/04_momentum.ipynb   # just these

The `.ipynb` stays the source of truth (it holds the outputs that nbval checks and the
book shows). Its twin `NN_name.md` (jupytext, MyST markdown) holds the same cells without
outputs: that is the file a reviewer reads in a diff. The book build excludes the twins.

If you edited a twin instead of the notebook, bring the edit into the notebook (its
outputs are kept) with `--sync` (what pre-commit runs) or
`jupytext --to ipynb --update notebooks/NN_name.md`, then re-execute the notebook
(`make notebooks`): the outputs of an edited cell are stale until then.
"""

import argparse
import sys
from pathlib import Path

import jupytext
import nbformat
from jupytext.cli import jupytext as jupytext_cli
from jupytext.config import load_jupytext_config

ROOT = Path(__file__).resolve().parents[1]
# The settings of the jupytext command line ([tool.jupytext] in pyproject.toml).
CONFIG = load_jupytext_config(str(ROOT / "notebooks"))
PAIRED = ("notebooks/[0-9][0-9]_*.ipynb", "instructor/homework/*.ipynb")


def paired_notebooks():
    """Every notebook that has (or must have) a twin, sorted."""
    return sorted(path for pattern in PAIRED for path in ROOT.glob(pattern))


def twin_of(notebook):
    return Path(notebook).with_suffix(".md")


def twin_text(notebook):
    """The twin's text as jupytext writes it from the notebook."""
    fmt = {"extension": ".md", "format_name": "myst"}
    CONFIG.set_default_format_options(fmt)
    return jupytext.writes(jupytext.read(notebook), fmt=fmt, config=CONFIG)


def write_twin(notebook):
    twin = twin_of(notebook)
    text = twin_text(notebook)
    if not twin.exists() or twin.read_text(encoding="utf-8") != text:
        twin.write_text(text, encoding="utf-8")
        return True
    return False


def sync(notebook):
    """Bring the newer of notebook and twin into the other; True if a file changed."""
    twin = twin_of(notebook)
    if twin.exists() and twin.stat().st_mtime > Path(notebook).stat().st_mtime:
        if twin.read_text(encoding="utf-8") != twin_text(notebook):
            jupytext_cli(["--quiet", "--to", "ipynb", "--update", str(twin)])
            nb = nbformat.read(notebook, as_version=4)
            nb.metadata.pop("jupytext", None)  # the update adds its lexer; keep the notebook clean
            nbformat.write(nb, notebook)
            write_twin(notebook)  # the twin as the updated notebook gives it
            return True
        return False
    return write_twin(notebook)


def stale_twins(notebooks):
    """The notebooks whose twin is missing or differs from what the notebook gives."""
    return [
        nb
        for nb in notebooks
        if not twin_of(nb).exists() or twin_of(nb).read_text(encoding="utf-8") != twin_text(nb)
    ]


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--check", action="store_true", help="only report stale twins")
    parser.add_argument(
        "--sync",
        action="store_true",
        help="update the notebook from its twin where the twin is newer",
    )
    args = parser.parse_args(argv)
    notebooks = [p.resolve() for p in args.notebooks] or paired_notebooks()
    if args.check:
        stale = stale_twins(notebooks)
        for nb in stale:
            print(f"stale or missing twin: {twin_of(nb).relative_to(ROOT)}")
        return 1 if stale else 0
    changed = [nb for nb in notebooks if (sync(nb) if args.sync else write_twin(nb))]
    for nb in changed:
        print(f"synced {nb.relative_to(ROOT)} and {twin_of(nb).relative_to(ROOT)}")
    # --sync runs as a pre-commit hook: fail when it changed files, so that they get added
    return 1 if args.sync and changed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
