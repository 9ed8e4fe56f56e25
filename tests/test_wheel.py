"""optlib installs as a library: `pip install .` from a clean clone, and a wheel built from
one, each into a fresh virtual environment, used from a folder outside the repository.

Checks: the distribution is `optlib-companion` (the name `optlib` on the package index is
another project), `import optlib` loads the installed copy (not the clone), the version is
the one in optlib/__init__.py (its only home), and every `optlib.datasets.load_*` loads
its data from inside the installed package. Takes a minute (two environments, numpy from
pip's cache or the index); it builds from the committed HEAD (git clone).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CHECK = r"""
import importlib.metadata as md, inspect, sys
import optlib, optlib.datasets as ds
assert "site-packages" in optlib.__file__, optlib.__file__
assert md.version("optlib-companion") == optlib.__version__, md.version("optlib-companion")
loaders = [f for n, f in inspect.getmembers(ds, inspect.isfunction) if n.startswith("load_")]
assert loaders, "no dataset loaders"
for load in loaders:
    data = load()
    assert len(data[0]) == len(data[1]) > 0, load.__name__
print("OK", optlib.__version__, sorted(f.__name__ for f in loaders))
"""


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    if shutil.which("git") is None:
        pytest.skip("needs git")
    where = tmp_path_factory.mktemp("clone") / "repo"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(where)], check=True)
    return where


def fresh_venv(path):
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    return path / "bin" / "python"


def run(args, cwd, timeout=900):
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


@pytest.mark.parametrize("how", ["pip install .", "wheel"])
def test_installed_library_imports_and_loads_every_dataset(clone, tmp_path, how):
    python = fresh_venv(tmp_path / "venv")
    if how == "wheel":
        run(
            [python, "-m", "pip", "wheel", "-q", "--no-deps", "-w", tmp_path / "dist", "."],
            cwd=clone,
        )
        wheels = list((tmp_path / "dist").glob("optlib_companion-*.whl"))
        assert len(wheels) == 1, list((tmp_path / "dist").iterdir())
        run([python, "-m", "pip", "install", "-q", wheels[0]], cwd=tmp_path)
    else:
        run([python, "-m", "pip", "install", "-q", "."], cwd=clone)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    out = run([python, "-c", CHECK], cwd=outside)
    assert out.startswith("OK"), out
