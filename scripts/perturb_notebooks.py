"""Re-execute chapter notebooks under a numerical perturbation; list the cells whose output changes.

    python scripts/perturb_notebooks.py                          # every chapter, all perturbations
    python scripts/perturb_notebooks.py notebooks/15_comparison.ipynb --only kernel
    python scripts/perturb_notebooks.py --only threads --keep /tmp/perturbed

A result printed in the book must not depend on the machine. This script runs
each notebook (a copy; the committed file is never touched) in a fresh kernel
under a perturbation and compares every cell's text outputs with the committed
ones, normalised exactly as nbval normalises them (streams merged, images and
widget ids skipped, the patterns of tests/nbval_sanitize.cfg applied):

- kernel:  the other OpenBLAS CPU kernel this machine supports
           (OPENBLAS_CORETYPE=Haswell on an AVX-512 machine, SkylakeX on an AVX2
           one is not possible, so there it falls back to Sandybridge);
- threads: OPENBLAS_NUM_THREADS=2 instead of the 1 the notebooks are executed with;
- simd:    numpy's own AVX-512 loops switched off (NPY_DISABLE_CPU_FEATURES), so
           exp, log, power, sqrt and reductions take the AVX2 code path, as on
           an AVX2 laptop (OpenBLAS is not the only code that depends on the CPU).

It prints one line per changed cell (notebook, cell index, first differing line
of the committed and the perturbed output) and exits with 1 if any cell
changed. It is a diagnostic for authors, slow by nature, and not part of
`make test` (`make perturb` runs it). Never set OPENBLAS_* in tests or CI.
"""

import argparse
import ctypes
import difflib
import glob
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import numpy as np
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"
# The output keys nbval leaves out of its comparison (nbval.plugin.IPyNbFile.skip_compare).
SKIP = {
    "metadata",
    "traceback",
    "prompt_number",
    "output_type",
    "name",
    "execution_count",
    "application/vnd.jupyter.widget-view+json",
    "image/png",
    "image/jpeg",
}


def openblas_core():
    """The OpenBLAS kernel numpy uses in this process (e.g. 'SkylakeX'), or None."""
    pattern = os.path.join(os.path.dirname(np.__file__) + ".libs", "*openblas*")
    for path in glob.glob(pattern):
        lib = ctypes.CDLL(path)
        for name in (
            "scipy_openblas_get_corename64_",
            "scipy_openblas_get_corename",
            "openblas_get_corename64_",
            "openblas_get_corename",
        ):
            if hasattr(lib, name):
                func = getattr(lib, name)
                func.restype = ctypes.c_char_p
                return func().decode()
    return None


def avx512_targets():
    """numpy's dispatch targets above AVX2 that this CPU runs (to switch off)."""
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    return [
        name
        for name in __cpu_dispatch__
        if ("AVX512" in name or name == "X86_V4") and __cpu_features__.get(name)
    ]


def perturbations(only):
    core = openblas_core()
    other = {
        "SkylakeX": "Haswell",
        "Cooperlake": "Haswell",
        "SapphireRapids": "Haswell",
        "Zen": "Sandybridge",
        "Haswell": "Sandybridge",
    }.get(core or "", "Haswell")
    simd = avx512_targets()
    table = {
        "kernel": (
            {"OPENBLAS_CORETYPE": other, "OPENBLAS_NUM_THREADS": "1"},
            f"OpenBLAS kernel {other} instead of {core}",
        ),
        "threads": ({"OPENBLAS_NUM_THREADS": "2"}, "2 BLAS threads instead of 1"),
        "simd": (
            {"NPY_DISABLE_CPU_FEATURES": " ".join(simd), "OPENBLAS_NUM_THREADS": "1"},
            f"numpy without its {' '.join(simd) or '(no)'} loops",
        ),
    }
    return [(name, *table[name]) for name in only]


def sanitize_patterns():
    text = SANITIZE.read_text() if SANITIZE.exists() else ""
    return re.findall(r"^regex: (.*)$\n^replace: (.*)$", text, flags=re.M)


def comparable(outputs, patterns):
    """The text nbval compares for one cell, as one string per output key."""
    merged, streams = [], {}
    for out in outputs:
        if out.get("output_type") == "stream":
            name = out.get("name", "stdout")
            if name in streams:
                streams[name]["text"] += out["text"]
                continue
            streams[name] = {"output_type": "stream", "text": out["text"], "name": name}
            merged.append(streams[name])
        else:
            merged.append(out)
    flat = {}
    for out in merged:
        if out.get("output_type") == "stream":
            items = [(out["name"], out["text"])]
        else:
            items = [(k, v) for k, v in out.items() if k not in SKIP and k != "data"]
            items += list(out.get("data", {}).items())
        for key, value in items:
            if key in SKIP:
                continue
            value = "".join(value) if isinstance(value, list) else value
            if isinstance(value, str):
                for regex, replace in patterns:
                    value = re.sub(regex, replace, value)
            flat.setdefault(key, []).append(value)
    return flat


def ignored_by_nbval(cell):
    tags = set(cell.get("metadata", {}).get("tags", []))
    return (
        bool(tags & {"nbval-ignore-output", "nbval-skip", "raises-exception"})
        or "# NBVAL_IGNORE_OUTPUT" in cell.source
        or "# NBVAL_SKIP" in cell.source
    )


def execute_copy(path, env):
    nb = nbformat.read(path, as_version=4)
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        client = NotebookClient(
            nb,
            timeout=900,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        )
        client.execute()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return nb


def first_difference(left, right):
    for key in sorted(set(left) | set(right)):
        a, b = "\n".join(map(str, left.get(key, []))), "\n".join(map(str, right.get(key, [])))
        if a != b:
            for line in difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm="", n=0):
                if line.startswith(("---", "+++", "@@")):
                    continue
                yield key, line


def compare(committed, perturbed, patterns):
    changed = []
    for index, (old, new) in enumerate(zip(committed.cells, perturbed.cells, strict=True)):
        if old.cell_type != "code":
            continue
        left = comparable(old.get("outputs", []), patterns)
        right = comparable(new.get("outputs", []), patterns)
        if left != right:
            lines = list(first_difference(left, right))
            changed.append((index, ignored_by_nbval(old), lines))
    return changed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", help="default: every notebooks/NN_*.ipynb")
    parser.add_argument(
        "--only",
        action="append",
        choices=["kernel", "threads", "simd"],
        help="one perturbation (repeatable); default: both",
    )
    parser.add_argument("--keep", help="folder to keep the perturbed notebooks in")
    parser.add_argument("--lines", type=int, default=4, help="differing lines shown per cell")
    args = parser.parse_args(argv)
    os.environ.setdefault("PYTHONHASHSEED", "0")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    paths = [Path(p).resolve() for p in args.notebooks] or sorted(
        (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")
    )
    keep = Path(args.keep or tempfile.mkdtemp(prefix="perturbed-"))
    keep.mkdir(parents=True, exist_ok=True)
    patterns = sanitize_patterns()
    total_changed = 0
    for name, env, description in perturbations(args.only or ["kernel", "threads", "simd"]):
        print(f"== {name}: {description}", flush=True)
        for path in paths:
            start = time.perf_counter()
            committed = nbformat.read(path, as_version=4)
            try:
                perturbed = execute_copy(path, env)
            except Exception as error:  # a perturbation that breaks a notebook is a finding
                print(
                    f"{path.name}: execution failed: {type(error).__name__}: "
                    f"{str(error).splitlines()[-1] if str(error) else ''}"
                )
                total_changed += 1
                continue
            nbformat.write(perturbed, keep / f"{path.stem}.{name}.ipynb")
            changed = compare(committed, perturbed, patterns)
            total_changed += len(changed)
            seconds = time.perf_counter() - start
            print(f"{path.name}: {len(changed)} changed cell(s) ({seconds:.0f} s)", flush=True)
            for index, ignored, lines in changed:
                note = " (nbval ignores this cell)" if ignored else ""
                print(f"  c{index}{note}:")
                for key, line in lines[: args.lines]:
                    print(f"    [{key}] {line[:150]}")
    print(f"{total_changed} changed cell(s) in total; perturbed notebooks in {keep}")
    return 1 if total_changed else 0


if __name__ == "__main__":
    sys.exit(main())
