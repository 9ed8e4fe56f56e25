"""Figures shared by every chapter: contours with trajectories, loss curves.

Each optimizer has one fixed colour throughout the book (`COLORS`), so a
reader can follow Adam from chapter to chapter. Needs matplotlib, which is
imported here and not by `import optlib`.
"""

import re

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

COLORS = {
    "GD": "#4d4d4d",
    "SGD": "#4d4d4d",
    "Momentum": "#1f77b4",
    "Nesterov": "#17becf",
    "SignGD": "#8c564b",
    "Rprop": "#bcbd22",
    "IRpropMinus": "#9e9a1a",
    "Adagrad": "#9467bd",
    "RMSprop": "#ff7f0e",
    "Adadelta": "#e377c2",
    "Adam": "#d62728",
    "AdaMax": "#7f3b08",
    "Nadam": "#2ca02c",
    "AMSGrad": "#393b79",
}


def use_style():
    """Fixed sizes and fonts, so figures look the same on every machine."""
    mpl.rcParams.update(
        {
            "figure.figsize": (7.0, 4.2),
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "legend.frameon": False,
            "font.size": 10,
        }
    )


def color_of(label):
    """The colour of an optimizer, from its class or a label starting with its name."""
    name = label if isinstance(label, str) else type(label).__name__
    key = re.split(r"[\s,(:]", name, maxsplit=1)[0]  # "Adam, no bias correction" -> Adam
    return COLORS.get(key, None)


def contour_lines(problem, n=200, levels=25):
    """Level sets of a 2-D problem as lists of (k, 2) polylines, one list per level.

    Computed once and reused: an explorer redraws them at every slider move.
    Levels are spaced logarithmically above the minimum when the problem has a
    large dynamic range (Rosenbrock, Beale), linearly otherwise.
    """
    import contourpy

    xs = np.linspace(*problem.xlim, n)
    ys = np.linspace(*problem.ylim, n)
    z = problem.f(np.stack(np.meshgrid(xs, ys), axis=-1))
    if problem.log_levels:
        floor = np.min(z)
        values = floor + np.geomspace(
            1e-3 * (np.max(z) - floor) / levels, np.max(z) - floor, levels
        )
    else:
        values = np.linspace(np.min(z), np.max(z), levels + 2)[1:-1]
    generator = contourpy.contour_generator(xs, ys, z)
    return [generator.lines(v) for v in values]


def contour(problem, ax=None, n=200, levels=25, lines=None):
    """Draw the level sets of a 2-D problem and mark its minima with stars.

    `lines` may be a precomputed `contour_lines(problem)`.
    """
    ax = ax or plt.gca()
    lines = contour_lines(problem, n, levels) if lines is None else lines
    shades = plt.get_cmap("Greys_r")(np.linspace(0.15, 0.75, len(lines)))
    for segments, shade in zip(lines, shades, strict=True):
        ax.add_collection(mpl.collections.LineCollection(segments, colors=[shade], linewidths=0.7))
    for m in problem.minima:
        ax.plot(*m, marker="*", color="gold", markersize=14, markeredgecolor="k", zorder=5)
    ax.set_xlim(problem.xlim)
    ax.set_ylim(problem.ylim)
    ax.set_xlabel("w₁")  # plain text: mathtext costs ~10 ms per label per redraw
    ax.set_ylabel("w₂")
    return ax


def trajectory(ax, xs, label, color=None, every=1, **style):
    """One path through parameter space; a circle at the start, a dot at the end.

    `xs` has shape (steps + 1, 2) and may end in NaN (a diverged run).
    """
    color = color or color_of(label)
    xs = np.asarray(xs)[::every]
    (line,) = ax.plot(
        xs[:, 0], xs[:, 1], "-", color=color, label=label, lw=1.6, marker=".", markersize=3, **style
    )
    finite = xs[np.isfinite(xs).all(axis=1)]
    if len(finite):
        ax.plot(*finite[0], "o", color=line.get_color(), mfc="none", markersize=7)
        ax.plot(*finite[-1], "o", color=line.get_color(), markersize=5)
    return line


def trajectories(problem, runs, ax=None, legend=True):
    """Contour of `problem` with one path per entry of `runs` ({label: Trajectory})."""
    ax = contour(problem, ax)
    for label, run in runs.items():
        trajectory(ax, getattr(run, "xs", run), label)
    if legend:
        ax.legend(loc="best", fontsize=8)
    return ax


def loss_curves(curves, ax=None, x=None, log=True, xlabel="update", ylabel="loss"):
    """Loss against steps for several runs ({label: losses}); log scale by default."""
    ax = ax or plt.gca()
    for label, y in curves.items():
        y = np.asarray(y)
        steps = np.arange(len(y)) if x is None else x
        ax.plot(steps, y, label=label, color=color_of(label), lw=1.5)
    if log:
        ax.set_yscale("log")
        plain_log_ticks(ax.yaxis)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(loc="best", fontsize=8)
    return ax


def plain_log_ticks(axis):
    """Label a log axis with plain numbers (1e-06, 0.01, 1, 100) instead of mathtext.

    Mathtext tick labels are pretty but parsing them dominates the time of a
    redraw; explorers must answer within 100 ms.
    """
    axis.set_major_formatter(
        mpl.ticker.FuncFormatter(lambda y, _: f"{y:.0e}" if y < 1e-2 or y >= 1e4 else f"{y:g}")
    )
    axis.set_minor_formatter(mpl.ticker.NullFormatter())


def mean_and_spread(ax, x, runs, label, color=None):
    """Mean curve over seeds (axis 0 of `runs`) with a min–max band."""
    runs = np.asarray(runs)
    color = color or color_of(label)
    mean = np.nanmean(runs, axis=0)
    (line,) = ax.plot(x, mean, label=label, color=color, lw=1.6)
    ax.fill_between(
        x, np.nanmin(runs, axis=0), np.nanmax(runs, axis=0), color=line.get_color(), alpha=0.2, lw=0
    )
    return line
