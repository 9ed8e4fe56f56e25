"""Re-execute the chapter notebooks in place, deterministically, with widget state.

    python scripts/execute_notebooks.py                 # every notebooks/NN_*.ipynb
    python scripts/execute_notebooks.py notebooks/04_momentum.ipynb

Each notebook runs in its own folder with a fresh kernel of this interpreter;
its outputs and the ipywidgets state are saved into the file (the book shows
exactly these outputs and nbval checks them), and its MyST twin is rewritten
(scripts/notebook_twins.py). Prints the time per notebook.
Run it after any change to optlib, then `make test`.

Re-executing an unchanged notebook must leave `git status` clean, so what
changes from run to run without meaning is made deterministic here:
per-cell timestamps are dropped, stream outputs split by flush timing are
merged, memory addresses in reprs become 0x0, and the random ipywidgets model
ids become ids derived from the notebook's name and the order of the widgets.
Execution counts (1, 2, 3, ... in a fresh kernel) and the kernel metadata are
kept: they do not change between runs, and the book reads the kernel's language.
"""

import hashlib
import json
import os
import re
import sys
import time
from pathlib import Path

import nbformat
import notebook_twins
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
VOLATILE_CELL_KEYS = ("execution",)  # per-cell timestamps nbclient adds
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")  # `<... at 0x7f3a...>`: differs every run


def execute(path):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=900,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=True,
    )
    client.execute()
    nb = normalise(nb, path.stem)
    nbformat.write(nb, path)
    notebook_twins.write_twin(path)


def normalise(nb, name):
    """The executed notebook without what differs between two runs of the same code."""
    for cell in nb.cells:
        for key in VOLATILE_CELL_KEYS:
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.outputs = merge_streams(cell.outputs)
            for output in cell.outputs:
                plain = output.get("data", {}).get("text/plain")
                if plain:
                    output["data"]["text/plain"] = ADDRESS.sub("0x0", plain)
    nb.metadata.pop("papermill", None)
    return stable_widget_ids(nb, name)


def merge_streams(outputs):
    """Consecutive stdout (or stderr) outputs as one: the split depends on flush timing."""
    merged = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (
            output.output_type == "stream"
            and previous is not None
            and previous.output_type == "stream"
            and previous.name == output.name
        ):
            previous.text += output.text
        else:
            merged.append(output)
    return merged


def stable_widget_ids(nb, name):
    """Replace the random widget model ids by ids derived from `name` and widget order.

    The order is the order in which the displayed widgets and their children are
    first reached, cell by cell, so it is the same in every run.
    """
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    if not state:
        return nb
    order = []

    def visit(model_id):
        if model_id in state and model_id not in order:
            order.append(model_id)
            text = json.dumps(state[model_id], sort_keys=True)
            for child in re.findall(r"IPY_MODEL_([0-9a-f]{32})", text):
                visit(child)

    for cell in nb.cells:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view:
                visit(view["model_id"])
    # models no view reaches, in an order given by their content
    rest = sorted(set(state) - set(order), key=lambda m: json.dumps(state[m], sort_keys=True))
    text = nbformat.writes(nb)
    for index, old in enumerate(order + rest):
        new = hashlib.sha1(f"{name}:{index}".encode()).hexdigest()[:32]
        text = text.replace(old, new)
    return nbformat.reads(text, as_version=4)


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
