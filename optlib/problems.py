"""Test problems: 2-D functions with analytic gradients, and Reddi's online problem.

Every 2-D function takes points with the coordinates on the last axis,
x[..., 0] and x[..., 1], so one function draws a contour grid (shape
(ny, nx, 2)), evaluates a whole trajectory (shape (T, 2)) and runs a batch of
K starting points or hyperparameters (shape (K, 2)).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Problem:
    """A 2-D test function: f, its gradient, known minima, a start and a view."""

    name: str
    f: Callable
    grad: Callable
    minima: np.ndarray  # shape (k, 2); empty (0, 2) when there is none
    x0: tuple  # a default starting point
    xlim: tuple  # plotting window
    ylim: tuple
    log_levels: bool = True  # draw contours on a log scale (large dynamic range)


def _xy(x):
    x = np.asarray(x, dtype=float)
    if x.ndim == 0 or x.shape[-1] != 2:
        raise ValueError(f"points must have 2 coordinates on the last axis, got shape {x.shape}")
    return x[..., 0], x[..., 1]


def ravine(a=0.1, b=2.0):
    """Ill-conditioned quadratic f = a x² + b y² (condition number b/a).

    GD's stable learning rate is limited by the steep direction (η < 1/b)
    while progress along the flat one needs many steps: the zig-zag that
    momentum fixes.
    """
    if a <= 0 or b <= 0:
        raise ValueError(f"a and b must be > 0, got a={a}, b={b}")

    def f(x):
        x1, x2 = _xy(x)
        return a * x1**2 + b * x2**2

    def grad(x):
        x1, x2 = _xy(x)
        return np.stack([2 * a * x1, 2 * b * x2], axis=-1)

    return Problem(
        f"ravine (a={a:g}, b={b:g})",
        f,
        grad,
        np.array([[0.0, 0.0]]),
        (-5.0, -2.0),
        (-5.5, 5.5),
        (-3.0, 3.0),
    )


def _rosenbrock(x):
    x1, x2 = _xy(x)
    return (1 - x1) ** 2 + 100 * (x2 - x1**2) ** 2


def _rosenbrock_grad(x):
    x1, x2 = _xy(x)
    return np.stack([-2 * (1 - x1) - 400 * x1 * (x2 - x1**2), 200 * (x2 - x1**2)], axis=-1)


rosenbrock = Problem(
    "Rosenbrock",
    _rosenbrock,
    _rosenbrock_grad,
    np.array([[1.0, 1.0]]),
    (-1.5, 2.0),
    (-2.0, 2.0),
    (-1.0, 3.0),
)


_BEALE_C = (1.5, 2.25, 2.625)


def _beale(x):
    x1, x2 = _xy(x)
    return sum((c - x1 + x1 * x2 ** (i + 1)) ** 2 for i, c in enumerate(_BEALE_C))


def _beale_grad(x):
    x1, x2 = _xy(x)
    d1 = d2 = 0.0
    for i, c in enumerate(_BEALE_C):
        r = c - x1 + x1 * x2 ** (i + 1)  # residual of term i
        d1 = d1 + 2 * r * (x2 ** (i + 1) - 1)
        d2 = d2 + 2 * r * (i + 1) * x1 * x2**i
    return np.stack([d1 + 0 * x1, d2 + 0 * x2], axis=-1)


beale = Problem(
    "Beale", _beale, _beale_grad, np.array([[3.0, 0.5]]), (1.0, 1.4), (-4.5, 4.5), (-4.5, 4.5)
)


def _himmelblau(x):
    x1, x2 = _xy(x)
    return (x1**2 + x2 - 11) ** 2 + (x1 + x2**2 - 7) ** 2


def _himmelblau_grad(x):
    x1, x2 = _xy(x)
    a, b = x1**2 + x2 - 11, x1 + x2**2 - 7
    return np.stack([4 * x1 * a + 2 * b, 2 * a + 4 * x2 * b], axis=-1)


# The four minima (f = 0), to the printed precision; (3, 2) is exact.
himmelblau = Problem(
    "Himmelblau",
    _himmelblau,
    _himmelblau_grad,
    np.array(
        [
            [3.0, 2.0],
            [-2.805118086952745, 3.131312518250573],
            [-3.779310253377747, -3.283185991286170],
            [3.584428340330492, -1.848126526964404],
        ]
    ),
    (0.0, 0.0),
    (-5.0, 5.0),
    (-5.0, 5.0),
)


def _saddle(x):
    x1, x2 = _xy(x)
    return x1**2 - x2**2


def _saddle_grad(x):
    x1, x2 = _xy(x)
    return np.stack([2 * x1, -2 * x2], axis=-1)


saddle = Problem(
    "saddle x² − y²",
    _saddle,
    _saddle_grad,
    np.zeros((0, 2)),
    (1.0, 1e-3),
    (-1.5, 1.5),
    (-1.5, 1.5),
    log_levels=False,
)


def _monkey(x):
    x1, x2 = _xy(x)
    return x1**3 - 3 * x1 * x2**2


def _monkey_grad(x):
    x1, x2 = _xy(x)
    return np.stack([3 * x1**2 - 3 * x2**2, -6 * x1 * x2], axis=-1)


monkey_saddle = Problem(
    "monkey saddle x³ − 3xy²",
    _monkey,
    _monkey_grad,
    np.zeros((0, 2)),
    (1.0, 1e-3),
    (-1.5, 1.5),
    (-1.5, 1.5),
    log_levels=False,
)


PROBLEMS = {p.name: p for p in (ravine(), rosenbrock, beale, himmelblau, saddle, monkey_saddle)}


# --- Online problems (Reddi, Kale & Kumar 2018) ---------------------------------


@dataclass(frozen=True)
class OnlineProblem:
    """A sequence of linear losses f_t(x) = c_t · x on the interval [low, high].

    `coefficient(t)` gives c_t for t = 1, 2, ...; the best fixed point in
    hindsight is an end of the interval.
    """

    name: str
    coefficient: Callable
    bounds: tuple = (-1.0, 1.0)
    x_star: float = -1.0
    extra: dict = field(default_factory=dict)

    def loss(self, t, x):
        """f_t(x) = c_t x."""
        return self.coefficient(t) * np.asarray(x, dtype=float)

    def grad(self, t, x):
        """∇f_t(x) = c_t, broadcast against x."""
        return self.coefficient(t) + 0.0 * np.asarray(x, dtype=float)


def reddi_online(C=1010.0, period=101, other=-10.0):
    """f_t(x) = C x if t mod period == 1, else `other`·x (Reddi et al., Sec. 5).

    The defaults are the synthetic experiment of Figure 1: the big gradient
    pushes towards −1 once a period, the small ones towards +1 every other
    step; one period sums to C + (period−1)·other = +10 > 0, so x* = −1.
    `reddi_online(C=3, period=3, other=-1)` is the Theorem 1 example.
    """
    if period < 2:
        raise ValueError(f"period must be >= 2, got {period}")

    def coefficient(t):
        return np.where(np.asarray(t) % period == 1, C, other) + 0.0

    x_star = -1.0 if C + (period - 1) * other > 0 else 1.0
    return OnlineProblem(
        f"Reddi online (C={C:g}, period {period})",
        coefficient,
        x_star=x_star,
        extra={"C": C, "period": period, "other": other},
    )


def reddi_stochastic(steps, p=0.01, C=1010.0, other=-10.0, seed=0):
    """f_t(x) = C x with probability p, else `other`·x (Reddi et al., Fig. 1 right).

    The coefficients of t = 1 ... steps are drawn once from a seeded generator,
    so runs are reproducible. E[c_t] = pC + (1−p)·other (0.2 for the defaults).
    """
    rng = np.random.default_rng(seed)
    draws = np.where(rng.random(steps) < p, C, other)

    def coefficient(t):
        t = np.asarray(t)
        if np.any((t < 1) | (t > steps)):
            raise ValueError(f"this stochastic problem was drawn for t = 1..{steps}")
        return draws[t - 1] + 0.0

    mean = p * C + (1 - p) * other
    return OnlineProblem(
        f"Reddi stochastic (p={p:g})",
        coefficient,
        x_star=-1.0 if mean > 0 else 1.0,
        extra={"C": C, "p": p, "other": other, "mean": mean},
    )
