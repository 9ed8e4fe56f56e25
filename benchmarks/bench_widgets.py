"""Latency of every chapter explorer's live callback (target: median < 100 ms).

Runs each chapter notebook's code (without displaying widgets), finds the
`optlib.widgets.Explorer` objects it created, and times the live slider
callback `callback(**defaults())` including rendering the figure to PNG, as
the inline backend does.

    python benchmarks/bench_widgets.py [notebooks/04_momentum.ipynb ...]
"""

import io
import os
import re
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHOW = re.compile(r"^\s*(?!plt\b)\w+\.show(_static)?\(.*\)\s*$")  # explorer.show(), not plt.show()
sys.path.insert(0, str(ROOT))
from optlib.widgets import Explorer  # noqa: E402


def explorers_of(path):
    """Execute the notebook's code cells (skipping widget display) and collect explorers."""
    namespace = {}
    cwd = os.getcwd()
    os.chdir(path.parent)
    try:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "code":
                continue
            source = "\n".join(
                line
                for line in cell.source.splitlines()  # no display, no magics
                if not line.lstrip().startswith(("%", "!")) and not SHOW.match(line)
            )
            exec(compile(source, str(path), "exec"), namespace)  # noqa: S102
            plt.close("all")
    finally:
        os.chdir(cwd)
    return {name: value for name, value in namespace.items() if isinstance(value, Explorer)}


def latency(explorer, repeat=9, clock=time.process_time):
    """Median and max of the callback's time (CPU time by default: the machine
    may be shared, and CPU time is what a reader's laptop would spend)."""
    times = []
    for _ in range(repeat):
        start = clock()
        fig = explorer.callback(**explorer.defaults())
        fig.savefig(io.BytesIO(), format="png")  # what display(fig) does inline
        times.append(clock() - start)
    return np.median(times), np.max(times)


def main(paths):
    paths = [Path(p).resolve() for p in paths] or sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    print(f"{'notebook':32s} {'explorer':18s} {'median':>9s} {'max':>9s}")
    for path in paths:
        for name, explorer in explorers_of(path).items():
            median, worst = latency(explorer)
            flag = "" if median < 0.1 else "  (over 100 ms)"
            print(f"{path.name:32s} {name:18s} {median * 1e3:7.1f}ms {worst * 1e3:7.1f}ms{flag}")


if __name__ == "__main__":
    main(sys.argv[1:])
