"""Learning-rate schedules: plain functions of the update count t = 1, 2, ...

Each factory checks its arguments and returns `schedule(t)`, which accepts a
number or an array of t (so `schedule(np.arange(1, 1001))` draws the curve).
Pass a schedule wherever an optimizer takes `lr`.

The lecture counts iterations k from 0 (legacy Keras `iterations`); with
t = k + 1 the formulas below are the slide's.
"""

import numpy as np

from .base import check_lr, check_range


def _steps(t):
    if isinstance(t, int):  # the common case inside an optimizer: one plain step count
        if t < 1:
            raise ValueError(f"schedules are defined for t >= 1, got t = {t}")
        return float(t)
    t = np.asarray(t, dtype=float)
    if np.any(t < 1):
        raise ValueError(f"schedules are defined for t >= 1, got t = {t}")
    return t


def constant(lr):
    """η_t = η."""
    check_lr(lr)

    def schedule(t):
        return lr + 0.0 * _steps(t)

    return schedule


def time_decay(lr, decay):
    """Legacy Keras `decay`: η_t = η / (1 + decay · k), k = t − 1 updates done."""
    check_lr(lr)
    check_range("decay", decay, 0.0, np.inf)

    def schedule(t):
        return lr / (1 + decay * (_steps(t) - 1))

    return schedule


def inverse_time(lr0, T):
    """The slide's annealing η(k) = η0 / (1 + k/T), k = t − 1.

    η halves after T updates and keeps falling like 1/k.
    """
    check_lr(lr0, "lr0")
    check_range("T", T, 0.0, np.inf, low_open=True)

    def schedule(t):
        return lr0 / (1 + (_steps(t) - 1) / T)

    return schedule


def step_decay(lr, factor, every):
    """η_t = η · factor^⌊(t−1)/every⌋: drop by `factor` every `every` updates."""
    check_lr(lr)
    check_range("factor", factor, 0.0, 1.0, low_open=True, high_open=False)
    if not (isinstance(every, int | np.integer) and every >= 1):
        raise ValueError(f"every must be an integer >= 1, got {every!r}")

    def schedule(t):
        return lr * factor ** np.floor((_steps(t) - 1) / every)

    return schedule


def exponential_decay(lr, gamma):
    """η_t = η · γ^(t−1), a factor γ per update (torch's ExponentialLR)."""
    check_lr(lr)
    check_range("gamma", gamma, 0.0, 1.0, low_open=True, high_open=False)

    def schedule(t):
        return lr * gamma ** (_steps(t) - 1)

    return schedule


def inverse_sqrt(lr):
    """η_t = η / √t, the step size of Reddi et al.'s AMSGrad experiments."""
    check_lr(lr)

    def schedule(t):
        return lr / np.sqrt(_steps(t))

    return schedule
