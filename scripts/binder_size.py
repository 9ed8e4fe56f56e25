"""How much Binder builds for this repository, measured as Binder builds it.

    python scripts/binder_size.py            # or: make binder-size  (takes 2-4 minutes)

A Binder launch starts from repo2docker's image, whose Python environment already holds
Jupyter (binder/jupyter.txt plus tests/reference/repo2docker-image.txt list its Python
packages and versions). The build then runs `pip install -r binder/requirements.txt`
and binder/postBuild in that environment. What the reader waits for, and what the new
image layer holds, is the packages that this adds or replaces. This script rebuilds that
situation in virtual environments in a temporary folder and prints, for each candidate
file that Binder could read:

- the layer: packages added or replaced on top of the image, and their size on disk
  (the files each package's RECORD lists, so a replaced package counts in full, as in a
  Docker layer);
- a fresh environment: all packages and the whole folder, as on a student's machine.

The candidates are binder/ (what Binder reads today) and the root requirements.txt (the
maintainers' environment, which Binder read before binder/ existed). tests/test_binder_env.py
uses the same functions and requires the binder/ layer to be at most half the other one.
Sizes depend a little on the platform's wheels; the ratio is what to compare.
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMAGE = ROOT / "tests" / "reference" / "repo2docker-image.txt"
BINDER = [["-r", "binder/requirements.txt"], ["--no-deps", "-r", "binder/no-deps.txt"]]
MAINTAINERS = [["-r", "requirements.txt"]]

# run inside an environment: every installed distribution, its version and its bytes
LIST_DISTRIBUTIONS = r"""
import json, sys
from importlib.metadata import distributions
from pathlib import Path
found = {}
for dist in distributions():
    files = [Path(dist.locate_file(f)) for f in dist.files or []]
    size = sum(p.stat().st_size for p in files if p.is_file())
    name = dist.metadata["Name"].lower().replace("_", "-").replace(".", "-")
    found[name] = [dist.version, size]
json.dump(found, sys.stdout)
"""


def python_of(env):
    return Path(env) / "bin" / "python"


def clean_environ():
    """The caller's environment without anything that points pip or Python elsewhere."""
    import os

    drop = {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PIP_REQUIRE_VIRTUALENV"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def pip_install(env, *installs):
    """Run `pip install` once per argument list, from the repository root (as repo2docker
    does, so `-e .` is this repository). Raises with pip's output if one fails."""
    for args in installs:
        run = subprocess.run(
            [str(python_of(env)), "-m", "pip", "install", "-q", *args],
            cwd=ROOT,
            env=clean_environ(),
            capture_output=True,
            text=True,
            timeout=1800,
        )
        if run.returncode != 0:
            raise RuntimeError(f"pip install {' '.join(args)} failed:\n{run.stderr[-3000:]}")


def new_env(path, *installs):
    """A fresh virtual environment at `path` (no system packages) with `installs`."""
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    pip_install(path, *installs)
    return Path(path)


def image_env(path):
    """A fresh virtual environment holding the Python side of Binder's image. (Each
    candidate gets its own: a copied environment's scripts would run the original's
    Python.)"""
    return new_env(path, ["-r", str(IMAGE)])


def distributions(env):
    """{name: [version, bytes]} of every distribution installed in `env`."""
    run = subprocess.run(
        [str(python_of(env)), "-c", LIST_DISTRIBUTIONS],
        env=clean_environ(),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(run.stdout)


def layer(before, after):
    """The distributions of `after` that are new or have another version than in `before`."""
    return {name: v for name, v in after.items() if before.get(name, [None])[0] != v[0]}


def total_bytes(dists):
    return sum(size for _, size in dists.values())


def folder_bytes(path):
    return sum(
        p.stat().st_size for p in Path(path).rglob("*") if p.is_file() and not p.is_symlink()
    )


def pip_conflicts(env):
    """`pip check`'s complaints (one per line; empty when every requirement is met)."""
    run = subprocess.run(
        [str(python_of(env)), "-m", "pip", "check"],
        env=clean_environ(),
        capture_output=True,
        text=True,
    )
    return [line for line in run.stdout.splitlines() if line.strip()]


def megabytes(n):
    return f"{n / 1e6:,.0f} MB"


def main():
    with tempfile.TemporaryDirectory(prefix="binder-size-") as tmp:
        tmp = Path(tmp)
        rows = []
        candidates = [
            ("binder/", BINDER, [["-r", "binder/jupyter.txt", "-r", "binder/requirements.txt"]]),
            ("requirements.txt", MAINTAINERS, []),
        ]
        for label, installs, fresh_first in candidates:
            print(f"the image's Python environment, then {label} on top ...", flush=True)
            env = image_env(tmp / f"layer-{len(rows)}")
            image = distributions(env)
            pip_install(env, *installs)
            added = layer(image, distributions(env))
            conflicts = pip_conflicts(env)
            print(f"a fresh environment from {label} ...", flush=True)
            fresh = new_env(
                tmp / f"fresh-{len(rows)}", *(fresh_first + installs[len(fresh_first) :])
            )
            rows.append((label, added, conflicts, distributions(fresh), folder_bytes(fresh)))
        print(f"\nthe image's Python side: {len(image)} packages, {megabytes(total_bytes(image))}")
        print(
            f"{'Binder reads':<18} {'layer: packages':>16} {'layer: size':>12} "
            f"{'fresh: packages':>16} {'fresh: size':>12}"
        )
        for label, added, _, fresh, size in rows:
            print(
                f"{label:<18} {len(added):>16} {megabytes(total_bytes(added)):>12} "
                f"{len(fresh):>16} {megabytes(size):>12}"
            )
        (_, small, _, _, _), (_, big, _, _, _) = rows
        print(
            f"\nbinder/ layer / requirements.txt layer: {len(small) / len(big):.0%} of the "
            f"packages, {total_bytes(small) / total_bytes(big):.0%} of the size"
        )
        for label, added, conflicts, _, _ in rows:
            largest = sorted(added.items(), key=lambda kv: -kv[1][1])[:5]
            print(
                f"{label}: largest in the layer: "
                + ", ".join(f"{name} {megabytes(size)}" for name, (_, size) in largest)
            )
            for line in conflicts:
                print(f"{label}: pip check in the image: {line}")


if __name__ == "__main__":
    main()
