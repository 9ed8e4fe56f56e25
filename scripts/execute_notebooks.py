"""Re-execute the chapter notebooks in place, deterministically, with widget state.

    python scripts/execute_notebooks.py                 # every notebooks/NN_*.ipynb
    python scripts/execute_notebooks.py notebooks/04_momentum.ipynb

Each notebook runs in its own folder with a fresh kernel of this interpreter;
its outputs and the ipywidgets state are saved into the file (the book shows
exactly these outputs and nbval checks them). Prints the time per notebook.
Run it after any change to optlib, then `make test`.
"""

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
VOLATILE_CELL_KEYS = ("execution",)  # per-cell timestamps nbclient adds


def execute(path):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=900, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}},
                            store_widget_state=True)
    client.execute()
    for cell in nb.cells:
        for key in VOLATILE_CELL_KEYS:
            cell.metadata.pop(key, None)
    nb.metadata.pop("papermill", None)
    nbformat.write(nb, path)


def main(paths):
    os.environ.setdefault("PYTHONHASHSEED", "0")
    # One BLAS thread: small batched matrix products get slower, not faster, with
    # more threads on a shared 2-core machine, and results stay bit-reproducible.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    paths = [Path(p).resolve() for p in paths] or sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    total = 0.0
    for path in paths:
        start = time.perf_counter()
        execute(path)
        seconds = time.perf_counter() - start
        total += seconds
        print(f"{seconds:7.1f} s  {path.relative_to(ROOT)}", flush=True)
    print(f"{total:7.1f} s  total for {len(paths)} notebooks")


if __name__ == "__main__":
    main(sys.argv[1:])
