"""The repository stands on its own: no citation of a missing document, no machine path.

Every `.md` file named in a tracked text file (code, tests, scripts, book pages,
notebook cell sources, CONTRIBUTING, README, configuration) must exist in the
repository, and no tracked text may contain an absolute path of somebody's machine.
"""

import ast
import json
import re
import subprocess
from pathlib import Path

import pytest

import optlib

ROOT = Path(__file__).resolve().parents[1]
TEXT_SUFFIXES = {
    ".py",
    ".md",
    ".yml",
    ".yaml",
    ".toml",
    ".cfg",
    ".txt",
    ".ipynb",
    ".json",
    ".sh",
    ".html",
    ".js",
    ".css",
    ".bib",
    ".ini",
}
TEXT_NAMES = {"Makefile", "LICENSE"}
SKIP_PARTS = {"data"}  # optlib/data: shipped data files, described by their PROVENANCE.md

# A path starting at the root folder work, home or Users (not inside a URL), or a Windows
# drive letter. Spelled with a group so that this file does not contain what it looks for.
# A Windows path names a folder and a backslash after the drive; "A:" then a "\\n" escape is none.
ABSOLUTE_PATH = re.compile(r"(?<![\w.~:/-])/(?:work|home|Users)/|\b[A-Za-z]:\\\\?[\w. -]{2,}\\")
MD_REFERENCE = re.compile(r"(?<![\w/.-])([\w./-]*[\w-]\.md)\b")
PLACEHOLDER = "NN_name"
URL = re.compile(r"\b(?:https?|ftp)://\S+")


def tracked_text_files():
    """Every text file git tracks (plus untracked, not ignored ones), relative to ROOT."""
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    paths = [Path(p) for p in out if p]
    return sorted(
        p
        for p in paths
        if (p.suffix in TEXT_SUFFIXES or p.name in TEXT_NAMES)
        and not SKIP_PARTS & set(p.parts[:-1])
        and (ROOT / p).is_file()
    )


def readable_text(path):
    """The text of a file; for a notebook, only its cell sources (outputs are not cited)."""
    text = (ROOT / path).read_text(encoding="utf-8")
    if path.suffix == ".ipynb":
        cells = json.loads(text)["cells"]
        return "\n".join("".join(cell["source"]) for cell in cells)
    return text


def missing_md_references(text, origin, exists):
    """`.md` names in `text` that resolve to no file.

    A name is resolved relative to the folder of `origin` and to the repository root;
    a bare file name (no folder) is also accepted if some file of that name exists.
    `exists(relative_path)` tells whether a repository path exists.
    """
    missing = []
    for name in MD_REFERENCE.findall(URL.sub(" ", text)):
        if PLACEHOLDER in name:  # "notebooks/NN_name.md": a pattern, not a file
            continue
        candidates = [(origin.parent / name).as_posix(), name.removeprefix("./")]
        if any(exists(c) for c in candidates):
            continue
        if "/" not in name and exists(f"**/{name}"):
            continue
        missing.append(name)
    return missing


def absolute_paths(text):
    """Lines of `text` that contain an absolute path of a machine."""
    return [line.strip() for line in text.splitlines() if ABSOLUTE_PATH.search(line)]


FILES = tracked_text_files()
ALL_PATHS = {p.as_posix() for p in FILES} | {
    p.relative_to(ROOT).as_posix() for p in ROOT.glob("**/*.md") if ".venv" not in p.parts
}
BASENAMES = {Path(p).name for p in ALL_PATHS}


def exists(relative):
    if relative.startswith("**/"):
        return relative[3:] in BASENAMES
    normal = Path(relative)
    parts = []
    for part in normal.parts:  # resolve "..", keep it inside the repository
        if part == "..":
            if not parts:
                return False
            parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts) in ALL_PATHS


@pytest.mark.parametrize("path", FILES, ids=[p.as_posix() for p in FILES])
def test_every_cited_markdown_file_exists(path):
    missing = missing_md_references(readable_text(path), path, exists)
    assert not missing, f"{path} cites files that are not in the repository: {missing}"


@pytest.mark.parametrize("path", FILES, ids=[p.as_posix() for p in FILES])
def test_no_absolute_path_of_a_machine(path):
    found = absolute_paths(readable_text(path))
    assert not found, f"{path} contains an absolute path of a machine:\n" + "\n".join(found)


# ------------------------------------------------------------------ the checks can fail


def test_the_reference_check_catches_a_missing_document():
    design, spec = "DESIGN" + ".md", "reference/optimizers" + ".md"
    text = f"Exact rules: see {design} and {spec} §4; book/notation.md."
    present = {"book/notation.md"}
    assert missing_md_references(text, Path("tests/x.py"), present.__contains__) == [design, spec]
    assert (
        missing_md_references(
            "https://github.com/a/b/blob/main/NOTES.md", Path("x.py"), present.__contains__
        )
        == []
    )
    assert missing_md_references("see ../book/notation.md", Path("tests/x.py"), exists) == []


def test_the_path_check_catches_machine_paths():
    lines = [
        "python " + "/" + "work/envs/torch/bin/python",
        "copied from " + "/" + "home/ana/notes.txt",
        "cd " + "/" + "Users/bo/repo",
        "open C:" + "\\" + "Users" + "\\" + "x",
        "open D:" + "\\" + "\\" + "course" + "\\" + "\\" + "hw1.ipynb",
    ]
    assert absolute_paths("\n".join(lines)) == lines
    fine = [
        "https://example.org/home/index.html",
        "tests/reference/objective.py",
        "~/projects/x is relative to the home folder",
        "ratio 1:2",
        "/tmp/x.ipynb",
        '"class A:' + "\\" + 'n    def update(self, g, state):"',
    ]
    assert absolute_paths("\n".join(fine)) == []


# ------------------------------------------------------------------ adding an optimizer


def _no_torch_counterpart():
    """NO_TORCH_COUNTERPART of make_torch_reference.py, read without importing torch."""
    tree = ast.parse((ROOT / "tests/reference/make_torch_reference.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and node.targets[0].id == "NO_TORCH_COUNTERPART":
            return ast.literal_eval(node.value)
    raise AssertionError("make_torch_reference.py defines no NO_TORCH_COUNTERPART")


def unwired_optimizers(exported, table, colors, test_rows, torch_classes, no_torch, chapters):
    """What the "add an optimizer" checklist of CONTRIBUTING.md still lacks, per optimizer.

    exported: optimizer classes; table: classes in optlib.catalog.TABLE; colors: keys of
    optlib.plotting.COLORS; test_rows: classes made by tests/conftest.py; torch_classes:
    class names the torch reference replays; no_torch: {name: reason} without torch
    counterpart; chapters: the code of every chapter notebook.
    """
    missing = {}
    for cls in exported:
        name = cls.__name__
        lacks = [
            what
            for what, ok in [
                ("catalog.TABLE", cls in table),
                ("plotting.COLORS", name in colors),
                ("tests/conftest.py OPTIMIZERS", name in test_rows),
                (
                    "torch reference (or NO_TORCH_COUNTERPART)",
                    (name in torch_classes) != (name in no_torch),
                ),
                (
                    f"a chapter calling ol.show_source(ol.{name}...)",
                    any(re.search(rf"show_source\(ol\.{name}\b", code) for code in chapters),
                ),
            ]
            if not ok
        ]
        if lacks:
            missing[name] = lacks
    return missing


def _wiring():
    from conftest import FACTORIES

    from optlib.catalog import TABLE
    from optlib.plotting import COLORS

    exported = {getattr(optlib, n) for n in optlib.__all__}
    exported = sorted((c for c in exported if isinstance(c, type)), key=lambda c: c.__name__)
    meta = json.loads((ROOT / "tests/reference/torch_trajectories.json").read_text())
    torch_classes = {o["class"] for c in meta["configs"] for o in c["optlib"]}
    chapters = [
        "\n".join(
            "".join(c["source"])
            for c in json.loads(p.read_text())["cells"]
            if c["cell_type"] == "code"
        )
        for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    ]
    return dict(
        exported=exported,
        table={e.optimizer for e in TABLE},
        colors=set(COLORS),
        test_rows={type(make()).__name__ for make in FACTORIES},
        torch_classes=torch_classes,
        no_torch=_no_torch_counterpart(),
        chapters=chapters,
    )


def test_every_exported_optimizer_is_wired_everywhere():
    """The "add an optimizer" checklist in CONTRIBUTING.md, checked."""
    missing = unwired_optimizers(**_wiring())
    assert not missing, "optimizers missing from the checklist's places:\n" + "\n".join(
        f"  {name}: {', '.join(lacks)}" for name, lacks in missing.items()
    )


def test_the_wiring_check_catches_a_forgotten_place():
    wiring = _wiring()

    class Lion:  # a new optimizer, exported but wired nowhere
        pass

    wiring["exported"] = [*wiring["exported"], Lion]
    assert unwired_optimizers(**wiring) == {
        "Lion": [
            "catalog.TABLE",
            "plotting.COLORS",
            "tests/conftest.py OPTIMIZERS",
            "torch reference (or NO_TORCH_COUNTERPART)",
            "a chapter calling ol.show_source(ol.Lion...)",
        ]
    }
    for key, value in [
        ("colors", wiring["colors"] - {"Adam"}),
        ("no_torch", {**wiring["no_torch"], "Adam": "stale"}),
        ("test_rows", wiring["test_rows"] - {"Adam"}),
    ]:
        assert "Adam" in unwired_optimizers(**dict(wiring, **{key: value}))
