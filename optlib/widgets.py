"""Interactive explorers: sliders for hyperparameters, the paths redrawn live.

    ex = Explorer(problem, {"Momentum": lambda lr, momentum: Momentum(lr, momentum)},
                  sliders={"lr": (1e-3, 0.5, 0.001, 0.05), "momentum": (0.0, 0.99, 0.01, 0.9)})
    ex.show()            # in Jupyter: sliders + figure
    ex.draw(lr=0.1, momentum=0.5)   # the callback itself (timed in benchmarks)

Needs ipywidgets (and matplotlib); imported only when used.
"""

import inspect

import matplotlib.pyplot as plt
import numpy as np

from .loop import run
from .plotting import contour, contour_lines, loss_curves, trajectory


class Explorer:
    """Sliders over hyperparameters of one or more optimizers on a 2-D problem.

    Args:
        problem: an `optlib.problems.Problem`.
        optimizers: {label: function(**slider values) -> optimizer}; each
            function takes only the sliders it names.
        sliders: {name: (min, max, step, value)}; a fifth entry "log" makes a
            logarithmic slider (min/max are then exponents of 10).
        steps: updates per run.
        x0: start (default `problem.x0`).
    """

    def __init__(self, problem, optimizers, sliders, steps=100, x0=None):
        self.problem = problem
        self.optimizers = optimizers
        self.sliders = sliders
        self.steps = steps
        self.x0 = problem.x0 if x0 is None else x0
        self.lines = contour_lines(problem, n=150, levels=20)  # drawn at every move

    def defaults(self):
        return {name: (10 ** spec[3] if len(spec) > 4 else spec[3])
                for name, spec in self.sliders.items()}

    def compute(self, **values):
        """Run every optimizer with the slider values → {label: Trajectory}."""
        runs = {}
        for label, make in self.optimizers.items():
            wanted = inspect.signature(make).parameters
            runs[label] = run(self.problem, make(**{k: v for k, v in values.items()
                                                     if k in wanted}),
                              self.x0, self.steps)
        return runs

    def draw(self, **values):
        """The slider callback: compute, then draw paths and losses side by side."""
        runs = self.compute(**values)
        fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6), width_ratios=(1.2, 1))
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.9, wspace=0.25)
        contour(self.problem, left, lines=self.lines)
        for label, traj in runs.items():
            trajectory(left, traj.xs, label)
        left.legend(loc="best", fontsize=8)
        losses = {label: traj.losses - self._floor() for label, traj in runs.items()}
        loss_curves(losses, right, ylabel="f(w) − f*" if len(self.problem.minima) else "f(w)",
                    log=bool(len(self.problem.minima)))
        title = ", ".join(f"{k}={v:.3g}" for k, v in values.items())
        fig.suptitle(title, fontsize=10)
        return fig

    def _floor(self):
        minima = self.problem.minima
        return float(np.min(self.problem.f(minima))) if len(minima) else 0.0

    def show(self):
        """Display sliders and a live figure (needs a running kernel)."""
        import ipywidgets as widgets
        from IPython.display import display

        controls = {}
        for name, spec in self.sliders.items():
            low, high, step, value = spec[:4]
            cls = widgets.FloatLogSlider if len(spec) > 4 else widgets.FloatSlider
            controls[name] = cls(value=value, min=low, max=high, step=step, description=name,
                                 continuous_update=False, readout_format=".3g")

        def callback(**values):
            self.draw(**values)
            plt.show()

        out = widgets.interactive_output(callback, controls)
        display(widgets.VBox([widgets.HBox(list(controls.values())), out]))
