"""Binder readiness: what mybinder.org builds from this repository works.

repo2docker prefers the binder/ folder: binder/runtime.txt (the Python version) and
binder/requirements.txt, which it installs (pip install -r, from the repository root, so
`-e .` installs optlib) into its image's own Python environment, where Jupyter already is
(binder/jupyter.txt; tests/reference/repo2docker-image.txt lists the rest). Then
binder/postBuild adds otter-grader and myst-nb without their book and grading tools.
`test_binder_build_runs_the_book` rebuilds that in new virtual environments (no system
site-packages; pip may use its local wheel cache), runs the homework's grader and a
chapter in it, opens a chapter in its JupyterLab, and compares the size of what the build
adds with what the maintainers' requirements.txt would add (scripts/binder_size.py). A
student without `make` installs the same two files (README, "Without make"). It takes
a few minutes: SKIP_BINDER_ENV=1 skips it locally; in CI (CI=true) it always runs.

The launch buttons: _config.yml must name the BinderHub, the repository and its branch,
and every built notebook page must link to mybinder.org with that repository, branch and
the notebook's path.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

sys.path.append(str(Path(__file__).resolve().parents[1] / "scripts"))
import binder_size as size  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT / "tests" / "browser"))
import browserlib as bl  # noqa: E402

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
FIXTURE = ROOT / "tests" / "browser" / "fixtures" / "minibook" / "widgets_demo.ipynb"


def chapter_notebook():
    """CHAPTER_NOTEBOOK=path, else the smallest executed chapter notebook (those in
    _toc.yml first), else the browser fixture notebook."""
    if os.environ.get("CHAPTER_NOTEBOOK"):
        return (ROOT / os.environ["CHAPTER_NOTEBOOK"]).resolve()
    chapters = bl.executed_chapters()
    return chapters[0] if chapters else FIXTURE


BINDER = ROOT / "binder"


def requirement_lines(path):
    lines = [line.split("#")[0].strip() for line in Path(path).read_text().splitlines()]
    return [line for line in lines if line]


def pins(path):
    return {
        re.split(r"[=<>~!\[ ]", line)[0].lower(): line
        for line in requirement_lines(path)
        if not line.startswith("-")
    }


def runtime_version():
    match = re.fullmatch(r"python-(\d+)\.(\d+)\s*", (BINDER / "runtime.txt").read_text())
    assert match, "runtime.txt must read python-X.Y (repo2docker's format)"
    return int(match[1]), int(match[2])


def test_runtime_txt_matches_project():
    version = runtime_version()
    needed = re.search(
        r'requires-python\s*=\s*">=\s*(\d+)\.(\d+)', (ROOT / "pyproject.toml").read_text()
    )
    assert needed and version >= (int(needed[1]), int(needed[2])), (
        f"runtime.txt python-{version} is older than pyproject's requires-python"
    )


def test_binder_runtime_matches_root():
    assert (BINDER / "runtime.txt").read_text() == (ROOT / "runtime.txt").read_text()


def test_binder_requirements_are_runtime_only_and_pinned():
    lines = requirement_lines(BINDER / "requirements.txt")
    names = pins(BINDER / "requirements.txt")
    assert "-e ." in lines, "binder/requirements.txt must install optlib (-e .)"
    for needed in ("numpy", "matplotlib", "jupyterlab-myst", "pandas"):
        assert needed in names, f"binder/requirements.txt lacks {needed}"
    for tool in (
        "jupyter-book",
        "pytest",
        "playwright",
        "ruff",
        "hypothesis",
        "nbval",
        "sphinx-exercise",
        "sphinx-proof",
        "jupytext",
        "python-on-whales",
    ):
        assert tool not in names, f"{tool} is a maintainer's tool, not for Binder"
    for line in names.values():
        assert "==" in line, f"unpinned requirement (Binder builds change under you): {line}"
    root = pins(ROOT / "requirements.txt")
    for name, line in names.items():
        assert root.get(name, line) == line, f"{line} differs from requirements.txt: {root[name]}"
    # otter-grader comes without its heavy extras, from no-deps.txt (postBuild)
    no_deps = pins(BINDER / "no-deps.txt")
    assert no_deps.get("otter-grader") == root["otter-grader"], no_deps
    assert "binder/no-deps.txt" in (BINDER / "postBuild").read_text()
    assert os.access(BINDER / "postBuild", os.X_OK), "binder/postBuild must be executable"


def test_binder_leaves_the_image_jupyter_alone():
    """Binder's image has Jupyter already (binder/jupyter.txt): binder/requirements.txt must
    not name any of it, or every build reinstalls it (and pip may break the image's own
    `notebook`, which needs the JupyterLab it came with). A student's machine gets the
    same Jupyter from binder/jupyter.txt, pinned."""
    image = pins(BINDER / "jupyter.txt")
    for needed in ("jupyterlab", "ipykernel", "ipywidgets", "nbconvert", "nbformat"):
        assert "==" in image.get(needed, ""), f"binder/jupyter.txt must pin {needed}"
    clash = sorted(set(image) & set(pins(BINDER / "requirements.txt")))
    assert not clash, f"binder/requirements.txt re-pins the image's {clash}"
    extra = requirement_lines(ROOT / "tests" / "reference" / "repo2docker-image.txt")
    assert "-r ../../binder/jupyter.txt" in extra
    clash = sorted(set(image) & set(pins(ROOT / "tests" / "reference" / "repo2docker-image.txt")))
    assert not clash, f"the image's packages are listed twice: {clash}"


def test_launch_buttons_configured():
    launch, repo = CONFIG.get("launch_buttons") or {}, CONFIG.get("repository") or {}
    assert launch.get("binderhub_url", "").startswith("https://"), launch
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+/?", repo.get("url", "")), repo
    assert repo.get("branch"), "repository.branch must be set (the default is 'master')"


def binder_link(docname):
    launch, repo = CONFIG["launch_buttons"], CONFIG["repository"]
    slug = re.sub(r"^https://github\.com/", "", repo["url"]).rstrip("/")
    path = "/".join(p for p in (repo.get("path_to_book", "").strip("/"), docname) if p)
    ui = "lab/tree" if launch.get("notebook_interface", "classic") == "jupyterlab" else "tree"
    return (
        f"{launch['binderhub_url'].rstrip('/')}/v2/gh/{slug}/{repo['branch']}"
        f"?urlpath={ui}/{path}.ipynb"
    )


def test_built_notebook_pages_link_to_binder():
    html = bl.book_html()
    if not (html / "index.html").exists():
        pytest.skip(f"no built book at {html}: run `make book` first (or set BOOK_HTML)")
    notebooks = [d for d in bl.toc_pages() if (bl.source_of(d) or Path("x")).suffix == ".ipynb"]
    if not notebooks:
        pytest.skip(
            "no notebook page in _toc.yml yet (the fixture book's Binder link is "
            "checked in tests/browser/test_checker.py)"
        )
    unbuilt = [d for d in notebooks if not (html / f"{d}.html").exists()]
    assert not unbuilt, f"in _toc.yml but not built in {html} (stale build?): {unbuilt}"
    missing = [
        d
        for d in notebooks
        if binder_link(d) not in (html / f"{d}.html").read_text(encoding="utf-8")
    ]
    assert not missing, f"pages without {binder_link('<page>')}: {missing}"


RUN_NOTEBOOK = r"""
import sys, nbformat
from nbclient import NotebookClient
path, folder = sys.argv[1], sys.argv[2]
nb = nbformat.read(path, as_version=4)
nb.cells.append(nbformat.v4.new_code_cell("import sys; print('KERNEL', sys.executable)"))
NotebookClient(nb, timeout=900, kernel_name="python3",
               resources={"metadata": {"path": folder}}).execute()
print(nb.cells[-1].outputs[0]["text"].strip())
"""


RUN_GRADER_CHECK = r"""
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
cut = next(i for i, c in enumerate(nb.cells)
           if c.cell_type == "code" and "grader.check(" in c.source)
nb.cells = nb.cells[:cut + 1]   # up to the first grader.check, answers left blank
NotebookClient(nb, timeout=600, kernel_name="python3").execute()
for out in nb.cells[-1].outputs:
    print(out.get("data", {}).get("text/plain", out.get("text", "")))
"""


def test_binder_build_runs_the_book(tmp_path):
    """Binder's build, rebuilt: the image's Python side (binder/jupyter.txt and
    tests/reference/repo2docker-image.txt) in a new virtual environment, then what
    repo2docker runs on top of it (pip install -r binder/requirements.txt, then postBuild's
    no-deps install). In that environment: nothing the image had is broken, the homework's
    grader.check runs, a chapter executes on its kernel, and JupyterLab from it renders a
    chapter's MyST and redraws an explorer (tests/test_jupyterlab.py, run with that
    JupyterLab). Its new layer holds at most half the packages and half the bytes that the
    maintainers' requirements.txt would add to the same image (scripts/binder_size.py)."""
    if os.environ.get("SKIP_BINDER_ENV") == "1" and os.environ.get("CI") != "true":
        pytest.skip("SKIP_BINDER_ENV=1 (this test always runs in CI)")
    if sys.version_info[:2] != runtime_version():
        pytest.skip(
            f"this Python is {sys.version_info[:2]}, runtime.txt asks for {runtime_version()}"
        )
    venv = size.image_env(tmp_path / "binder-venv")
    image_dists = size.distributions(venv)
    size.pip_install(venv, *size.BINDER)
    python = venv / "bin" / "python"
    env = size.clean_environ()
    env.pop("JUPYTER_PATH", None)
    env["JUPYTER_DATA_DIR"] = str(tmp_path / "jupyter-data")  # no user-wide kernelspecs

    # only what is left out on purpose may be missing: otter's PDF export, Docker control,
    # jupytext and command line, sphinx, and myst-nb's book-building dependencies (the
    # chapters import only its `glue`); nothing the image had may be broken
    left_out = (
        r"^otter-grader [\d.]+ requires (click|jupytext|python-on-whales|playwright)\b"
        r"|requires (playwright|sphinx)\b"
        r"|^myst-nb [\d.]+ requires "
    )
    unexpected = [line for line in size.pip_conflicts(venv) if not re.search(left_out, line)]
    assert not unexpected, unexpected
    subprocess.run(
        [
            str(python),
            "-c",
            "import ipywidgets, jupyterlab_widgets, jupyterlab_myst, otter, optlib",
        ],
        cwd=tmp_path,
        env=env,
        check=True,
    )
    assert (venv / "bin" / "jupyter-lab").exists()

    # the size of what Binder builds: the layer on top of the image, against the layer
    # that the maintainers' requirements.txt would add to the same image
    binder_layer = size.layer(image_dists, size.distributions(venv))
    maintainers = size.image_env(tmp_path / "maintainers")
    maintainers_image = size.distributions(maintainers)
    size.pip_install(maintainers, *size.MAINTAINERS)
    maintainers_layer = size.layer(maintainers_image, size.distributions(maintainers))
    shutil.rmtree(maintainers)
    report = (
        f"Binder's layer: {len(binder_layer)} packages, "
        f"{size.megabytes(size.total_bytes(binder_layer))}; requirements.txt's: "
        f"{len(maintainers_layer)} packages, "
        f"{size.megabytes(size.total_bytes(maintainers_layer))}"
    )
    print(report)
    assert 2 * len(binder_layer) <= len(maintainers_layer), report
    assert 2 * size.total_bytes(binder_layer) <= size.total_bytes(maintainers_layer), report
    replaced = sorted(set(binder_layer) & set(pins(BINDER / "jupyter.txt")))
    assert not replaced, f"the build replaces the image's Jupyter: {replaced}"

    homework = ROOT / "notebooks" / "homework" / "hw1.ipynb"
    if homework.exists():
        run = subprocess.run(
            [str(python), "-c", RUN_GRADER_CHECK, str(homework)],
            cwd=homework.parent,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
        # the unanswered question fails its public test: grader.check ran and reported
        assert "q1" in run.stdout and "failed" in run.stdout.lower(), run.stdout[-2000:]

    notebook = chapter_notebook()
    run = subprocess.run(
        [str(python), "-c", RUN_NOTEBOOK, str(notebook), str(notebook.parent)],
        cwd=notebook.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert run.returncode == 0, (
        f"{notebook.relative_to(ROOT)} failed in the fresh env:\n"
        + run.stdout[-2000:]
        + run.stderr[-4000:]
    )
    # the kernel was the fresh environment's, not .venv's
    assert f"KERNEL {venv}" in run.stdout, run.stdout[-2000:]

    # JupyterLab as Binder serves it: the image's JupyterLab with jupyterlab-myst added
    lab = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            str(ROOT / "tests" / "test_jupyterlab.py"),
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "JUPYTERLAB_BIN": str(venv / "bin" / "jupyter-lab"),
            "BROWSER_TESTS_REQUIRED": "1",
            "JUPYTERLAB_RUN_ALL_TIMEOUT": "300",
        },
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert lab.returncode == 0, lab.stdout[-4000:] + lab.stderr[-2000:]
    assert " passed" in lab.stdout and "skipped" not in lab.stdout, lab.stdout[-2000:]


def test_readme_student_path_installs_what_binder_runs():
    """README's "Without make" and book/how_to_use.md install Binder's Jupyter and then
    what Binder adds, so a student's machine runs what a Binder launch runs."""
    for page in (ROOT / "README.md", ROOT / "book" / "how_to_use.md"):
        text = page.read_text(encoding="utf-8")
        block = text[text.index("**Without `make`**") :].split("```")[1]
        commands = [line.split("#")[0].split() for line in block.splitlines()]
        installs = [c[2:] for c in commands if c[:2] == ["pip", "install"]]
        assert installs == [
            ["-r", "binder/jupyter.txt", "-r", "binder/requirements.txt"],
            ["--no-deps", "-r", "binder/no-deps.txt"],
        ], f"{page.name}: {installs}"
        assert ["jupyter", "lab", "notebooks"] in commands, f"{page.name}: {commands}"
