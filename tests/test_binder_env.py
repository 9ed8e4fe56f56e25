"""Binder readiness: what mybinder.org builds from this repository works.

repo2docker prefers the binder/ folder: binder/runtime.txt (the Python version) and
binder/requirements.txt (pip install -r, run from the repository root, so `-e .` installs
optlib), the runtime-only environment (no book build, no tests). It is also the path a
student without `make` follows (README: venv, pip install -r binder/requirements.txt,
jupyter lab). `test_fresh_env_runs_a_chapter` does that in a brand-new virtual
environment (no system site-packages; pip may use its local wheel cache) and executes one
chapter notebook in it with nbclient. It takes a minute or two: SKIP_BINDER_ENV=1 skips it
locally; in CI (CI=true) it always runs.

The launch buttons: _config.yml must name the BinderHub, the repository and its branch,
and every built notebook page must link to mybinder.org with that repository, branch and
the notebook's path.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

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
    for needed in (
        "numpy",
        "matplotlib",
        "ipywidgets",
        "ipykernel",
        "jupyterlab",
        "jupyterlab-myst",
    ):
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


def test_fresh_env_runs_a_chapter(tmp_path):
    if os.environ.get("SKIP_BINDER_ENV") == "1" and os.environ.get("CI") != "true":
        pytest.skip("SKIP_BINDER_ENV=1 (this test always runs in CI)")
    if sys.version_info[:2] != runtime_version():
        pytest.skip(
            f"this Python is {sys.version_info[:2]}, runtime.txt asks for {runtime_version()}"
        )
    venv = tmp_path / "binder-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "JUPYTER_PATH"}
    }
    env["JUPYTER_DATA_DIR"] = str(tmp_path / "jupyter-data")  # no user-wide kernelspecs
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "-r", "binder/requirements.txt"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    # what binder/postBuild runs (and a student without make, by hand)
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "-r", "binder/no-deps.txt"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    check = subprocess.run(
        [str(python), "-m", "pip", "check"], env=env, capture_output=True, text=True
    )
    # only what is left out on purpose may be missing: PDF export, sphinx, and myst-nb's
    # book-building dependencies (the chapters import only its `glue`)
    left_out = r"requires (playwright|sphinx)\b|^myst-nb [\d.]+ requires "
    unexpected = [
        line for line in check.stdout.splitlines() if line.strip() and not re.search(left_out, line)
    ]
    assert not unexpected, check.stdout
    # what Binder's JupyterLab needs to show the widgets (the prebuilt labextension)
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
    # the student's "Without make" path ends with `jupyter lab`: it is there
    assert (venv / "bin" / "jupyter-lab").exists()

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
