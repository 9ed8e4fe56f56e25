"""Build the fixture book tests/browser/fixtures/minibook into a temporary folder.

The course book may not (yet) have a page with a figure, a widget snapshot or an
animation; this tiny book has all three, so the browser checks for them are exercised
on every run. Its `_config.yml` is written here from the project's `_config.yml`: the
same parse settings, repository and launch buttons, with the repository path pointing at
the fixture folder (so its Binder link names a real notebook of the repository) and
`execute_notebooks: force` (the fixture notebook is committed without outputs); the
project's bibliography is left out; its static files and local extensions are used by
absolute path (so the fixture, too, loads nothing from another host).
"""

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SOURCE = HERE / "fixtures" / "minibook"
NOTEBOOK = SOURCE / "widgets_demo.ipynb"


def config():
    project = yaml.safe_load((ROOT / "_config.yml").read_text())
    repository = dict(project.get("repository") or {})
    repository["path_to_book"] = SOURCE.relative_to(ROOT).as_posix()
    sphinx = dict(project.get("sphinx") or {})
    # the bibliography is not part of the fixture; static files (the project's scripts and
    # the vendored MathJax/widget manager) are the project's, named by absolute path
    config = {k: v for k, v in (sphinx.get("config") or {}).items() if not k.startswith("bibtex")}
    config["html_static_path"] = [str(ROOT / p) for p in config.get("html_static_path", [])]
    sphinx["config"] = config
    sphinx["local_extensions"] = {
        name: str(ROOT / path) for name, path in (sphinx.get("local_extensions") or {}).items()
    }
    return {
        "title": "Browser-test fixture",
        "only_build_toc_files": True,
        "exclude_patterns": ["_build", ".*", "**/.ipynb_checkpoints"],
        "execute": {"execute_notebooks": "force", "timeout": 300, "raise_on_error": True},
        "parse": project.get("parse", {}),
        "repository": repository,
        "launch_buttons": project.get("launch_buttons", {}),
        "html": project.get("html", {}),
        "sphinx": sphinx,
    }


def build(dest):
    """Copy the fixture into dest/src, build it, return dest/src/_build/html."""
    src = Path(dest) / "src"
    shutil.copytree(SOURCE, src, ignore=shutil.ignore_patterns("_build", ".ipynb_checkpoints"))
    (src / "_config.yml").write_text(yaml.safe_dump(config(), sort_keys=False))
    jb = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run(
        [str(jb), "build", str(src), "-W", "-n", "--keep-going"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"fixture book build failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    return src / "_build" / "html"


if __name__ == "__main__":
    print(build(sys.argv[1]))
