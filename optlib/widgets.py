"""Explorers: sliders over hyperparameters, the paths redrawn as they move.

    ex = Explorer(problem, {"Momentum": lambda lr, momentum: Momentum(lr, momentum)},
                  sliders={"lr": (1e-3, 0.5, 0.001, 0.05), "momentum": (0.0, 0.99, 0.01, 0.9)})
    ex.show()             # live: ipywidgets sliders, needs a running kernel
    ex.show_static()      # kernel-free: precomputed frames + HTML sliders, works in the book
    ex.draw(lr=0.1, momentum=0.5)   # the live callback itself (timed in benchmarks)

Both versions draw with the same `_figure` from the same runs: the static one
computes every grid point in one batched `run` per optimizer.
Needs matplotlib (and ipywidgets for `show`); imported only when used.
"""

import base64
import hashlib
import inspect
import io
import itertools
import json
import string
from importlib.resources import files

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .loop import run
from .plotting import color_of, contour, contour_lines, plain_log_ticks


class Explorer:
    """Sliders over hyperparameters of one or more optimizers on a 2-D problem.

    Args:
        problem: an `optlib.problems.Problem`.
        optimizers: {label: function(**slider values) -> optimizer}; each
            function takes only the sliders it names, and must accept arrays
            (optlib hyperparameters do) for the static version.
        sliders: {name: (min, max, step, value)}; a fifth entry "log" makes a
            logarithmic slider (min and max are then exponents of 10, value is
            the value itself, as in ipywidgets.FloatLogSlider).
        steps: updates per run.
        x0: start (default `problem.x0`).
        glass_box: add a third panel with each optimizer's effective step size
            |Δw_i| / |g_i| per coordinate over time: why the path bends.
    """

    def __init__(self, problem, optimizers, sliders, steps=100, x0=None, glass_box=False):
        self.problem = problem
        self.optimizers = optimizers
        self.sliders = sliders
        self.steps = steps
        self.x0 = problem.x0 if x0 is None else x0
        self.glass_box = glass_box
        self.lines = contour_lines(problem, n=150, levels=20)  # drawn at every move

    def defaults(self):
        return {name: spec[3] for name, spec in self.sliders.items()}

    def _make(self, make, values):
        wanted = inspect.signature(make).parameters
        return make(**{k: v for k, v in values.items() if k in wanted})

    def compute(self, **values):
        """Run every optimizer with the slider values → {label: Trajectory}."""
        return {
            label: run(self.problem, self._make(make, values), self.x0, self.steps)
            for label, make in self.optimizers.items()
        }

    def draw(self, **values):
        """Compute and draw in a new (pyplot) figure: the static figure of a chapter."""
        return self._render(*self._new_figure(managed=True), values)

    def callback(self, **values):
        """The live slider callback: compute, then redraw one persistent figure.

        The figure and its artists are built once; a slider move only replaces
        line data, which keeps a redraw well under 100 ms.
        """
        if not hasattr(self, "_live"):
            self._live = self._new_figure(managed=False)
        return self._render(*self._live, values)

    def _new_figure(self, managed):
        """A figure with 2 or 3 panels; `managed` (pyplot) figures show in notebooks."""
        panels = 3 if self.glass_box else 2
        size = {"figsize": (4.3 * panels, 3.5), "dpi": 72}
        fig = plt.figure(**size) if managed else Figure(**size)
        return fig, fig.subplots(1, panels)

    def _render(self, fig, axes, values):
        runs = self.compute(**values)
        return self._figure(values, {label: traj.xs for label, traj in runs.items()}, fig, axes)

    def _figure(self, values, paths, fig=None, axes=None):
        """Paths on the contour | loss curves | (glass box) effective step sizes."""
        if fig is None:
            fig, axes = self._new_figure(managed=True)
        if not getattr(fig, "_optlib_artists", None):
            fig._optlib_artists = self._build(fig, axes, list(paths))
        artists = fig._optlib_artists
        floor = _loss_floor(self.problem)
        for label, xs in paths.items():
            path, start, end, loss, glass = artists[label]
            path.set_data(xs[:, 0], xs[:, 1])
            finite = xs[np.isfinite(xs).all(axis=1)]
            start.set_data(finite[:1, 0], finite[:1, 1])
            end.set_data(finite[-1:, 0], finite[-1:, 1])
            loss.set_data(np.arange(len(xs)), self.problem.f(xs) - floor)
            if glass:
                for line, values_i in zip(glass, _effective_steps(self.problem, xs).T, strict=True):
                    line.set_data(np.arange(len(values_i)), values_i)
        for ax in axes[1:]:
            ax.relim()
            ax.autoscale_view()
        fig.suptitle(", ".join(f"{k} = {v:.3g}" for k, v in values.items()), fontsize=10)
        return fig

    def _build(self, fig, axes, labels):
        """Create every artist once: {label: (path, start, end, loss line, glass lines)}."""
        fig.subplots_adjust(left=0.06, right=0.98, bottom=0.14, top=0.88, wspace=0.3)
        left, right = axes[0], axes[1]
        contour(self.problem, left, lines=self.lines)
        has_min = bool(len(self.problem.minima))
        right.set_xlabel("update")
        right.set_ylabel("f(w) − f*" if has_min else "f(w)")
        if has_min:
            right.set_yscale("log")
            plain_log_ticks(right.yaxis)
        artists = {}
        for label in labels:
            color = color_of(label)
            (path,) = left.plot(
                [], [], "-", color=color, label=label, lw=1.6, marker=".", markersize=3
            )
            color = path.get_color()
            (start,) = left.plot([], [], "o", color=color, mfc="none", markersize=7)
            (end,) = left.plot([], [], "o", color=color, markersize=5)
            (loss,) = right.plot([], [], color=color, lw=1.5, label=label)
            glass = ()
            if self.glass_box:
                glass = (
                    axes[2].plot([], [], lw=1.4, color=color, label=f"{label}: w₁")[0],
                    axes[2].plot([], [], lw=1.4, ls="--", color=color, label=f"{label}: w₂")[0],
                )
            artists[label] = (path, start, end, loss, glass)
        left.legend(loc="best", fontsize=8)  # one legend: the colours are the same in every panel
        if self.glass_box:
            axes[2].set_yscale("log")
            plain_log_ticks(axes[2].yaxis)
            axes[2].set_xlabel("update")
            axes[2].set_ylabel("effective step |Δwᵢ| / |gᵢ|")
            axes[2].set_title("solid: w₁, dashed: w₂", fontsize=8)
        return artists

    def show(self):
        """Display ipywidgets sliders and a live figure (needs a running kernel)."""
        import ipywidgets as widgets
        from IPython.display import display

        controls = {}
        for name, spec in self.sliders.items():
            low, high, step, value = spec[:4]
            cls = widgets.FloatLogSlider if len(spec) > 4 else widgets.FloatSlider
            controls[name] = cls(
                value=value,
                min=low,
                max=high,
                step=step,
                description=name,
                continuous_update=False,
                readout_format=".3g",
                layout=widgets.Layout(width="300px"),
            )

        def callback(**values):
            display(self.callback(**values))

        out = widgets.interactive_output(callback, controls)
        row = widgets.HBox(list(controls.values()), layout=widgets.Layout(flex_flow="row wrap"))
        display(widgets.VBox([row, out]))

    # --- the kernel-free version ---------------------------------------------------

    def grid(self, n=(7, 4)):
        """Values per slider: n[i] evenly spaced values for the i-th slider (log-spaced
        for log sliders), the default always among them; sliders beyond len(n)
        stay at their default (one value), so the frame count stays small."""
        counts = itertools.chain(np.atleast_1d(n), itertools.repeat(1))
        sizes = dict(zip(self.sliders, counts, strict=False))
        values = {}
        for name, spec in self.sliders.items():
            low, high, _, default = spec[:4]
            points = (
                np.logspace(low, high, sizes[name])
                if len(spec) > 4
                else np.linspace(low, high, sizes[name])
            )
            points[np.argmin(np.abs(points - default))] = default
            values[name] = points
        return values

    def compute_grid(self, grid):
        """Every grid point at once: one batched run per optimizer.

        Returns (points, paths): points is a list of {slider: value}; paths is
        {label: xs of shape (steps + 1, len(points), 2)}.
        """
        names = list(grid)
        points = [
            dict(zip(names, combo, strict=True))
            for combo in itertools.product(*(grid[k] for k in names))
        ]
        columns = {k: np.array([p[k] for p in points])[:, None] for k in names}
        paths = {
            label: run(self.problem, self._make(make, columns), self.x0, self.steps).xs
            for label, make in self.optimizers.items()
        }
        return points, paths

    def show_static(self, n=(7, 4), dpi=70):
        """Display precomputed frames with HTML range sliders (no kernel needed)."""
        from IPython.display import HTML, display

        display(HTML(self.static_html(n, dpi)))

    def static_html(self, n=(7, 4), dpi=70):
        grid = self.grid(n)
        points, paths = self.compute_grid(grid)
        frames = []
        fig, axes = self._new_figure(managed=False)
        for i, values in enumerate(points):
            self._figure(values, {label: xs[:, i] for label, xs in paths.items()}, fig, axes)
            frames.append(_png_base64(fig, dpi))
        return _static_page(grid, self.defaults(), frames)


def _effective_steps(problem, xs):
    """|Δw_i| / |g_i| at every update of a path xs: the learning rate actually applied."""
    steps = np.abs(np.diff(xs, axis=0))
    grads = np.abs(problem.grad(xs[:-1]))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(grads > 0, steps / grads, np.nan)


def _loss_floor(problem):
    """f* (the lowest minimum), subtracted so losses can be drawn on a log scale; 0 if unknown."""
    minima = problem.minima
    return float(np.min(problem.f(minima))) if len(minima) else 0.0


def _png_base64(fig, dpi):
    """The figure as a small PNG (64-colour palette), base64-encoded."""
    from PIL import Image

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    image = Image.open(buffer).convert("RGB").quantize(colors=64)
    small = io.BytesIO()
    image.save(small, format="png", optimize=True)
    return base64.b64encode(small.getvalue()).decode("ascii")


# One slider of the kernel-free page: a range over the notches 0 … max, and its readout.
_SLIDER = (
    '<label style="margin-right:1.5em">{name} <input type="range" min="0" max="{max}" '
    'step="1" value="{value}" data-slider="{i}" style="vertical-align:middle"{disabled}> '
    '<code data-readout="{i}"></code></label>'
)


def _static_page(grid, defaults, frames):
    """HTML: one range input per slider; moving one swaps the precomputed image.

    The page is `optlib/static/explorer.html` with `explorer.js` inside it. Its element id
    is a hash of its content, so re-running a notebook gives the same bytes.
    """
    names = list(grid)
    sliders = "".join(
        _SLIDER.format(
            name=name,
            i=i,
            max=len(grid[name]) - 1,
            value=int(np.argmin(np.abs(grid[name] - defaults[name]))),
            disabled=" disabled" * (len(grid[name]) == 1),
        )
        for i, name in enumerate(names)
    )
    data = {
        "frames": json.dumps(frames),
        "values": json.dumps([[float(f"{v:.6g}") for v in grid[name]] for name in names]),
        "sizes": json.dumps([len(grid[name]) for name in names]),
    }
    key = hashlib.sha1(json.dumps([sliders, data], sort_keys=True).encode()).hexdigest()[:10]
    page = string.Template(_static_file("explorer.html"))
    return page.substitute(
        uid=f"optlib-explorer-{key}", sliders=sliders, script=_static_file("explorer.js"), **data
    )


def _static_file(name):
    """A file of optlib/static (package data, so it is installed with optlib)."""
    return (files(__package__) / "static" / name).read_text(encoding="utf-8")
