"""Per-parameter learning rates from squared gradients: Adagrad, RMSprop, Adadelta.

Non-finite numbers and dtypes follow the policy stated once in `optlib.base`.
"""

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .base import (
    Hyper,
    Real,
    check_beta,
    check_eps,
    check_grad,
    check_lr,
    check_range,
    check_state,
    in_dtype,
    prepare,
    value_at,
    zeros,
)


class AdagradState(NamedTuple):
    """State of Adagrad."""

    t: int
    sum_sq: np.ndarray  # S_t, the running sum of squared gradients


@dataclass(frozen=True)
class Adagrad:
    """Adagrad (Duchi, Hazan & Singer 2011).

        S_t = S_{t−1} + g_t²
        Δw  = −η_t g_t / (√S_t + ε)        η_t = η / (1 + (t−1)·lr_decay)

    S only grows, so every coordinate's step size only shrinks: learning
    eventually stops. The slide writes √(S_t + ε) (ε inside the root, as Keras 3
    and optax); pass eps_inside_sqrt=True for that form. The default puts ε
    outside, as the paper and torch do.

    Args:
        lr: η (number, array or schedule).
        eps: ε > 0.
        lr_decay: torch's built-in time decay of η (0 = none).
        initial_accumulator: S_0 (torch 0; Keras and optax 0.1).
        eps_inside_sqrt: use √(S_t + ε) instead of √S_t + ε.
    """

    lr: Hyper = 0.01
    eps: Real = 1e-10
    lr_decay: Real = 0.0
    initial_accumulator: Real = 0.0
    eps_inside_sqrt: bool = False

    def __post_init__(self):
        prepare(self)
        check_lr(self.lr)
        check_eps(self.eps)
        check_range("lr_decay", self.lr_decay, 0.0, np.inf)
        check_range("initial_accumulator", self.initial_accumulator, 0.0, np.inf)

    def init(self, w):
        """State for parameters like w: t = 0 and S_0 = initial_accumulator."""
        return AdagradState(t=0, sum_sq=zeros(self, w, self.initial_accumulator))

    def update(self, g, state):
        """One Adagrad step: (Δw, new state) for the gradient g."""
        check_state(state, AdagradState)
        g = check_grad(g, state.sum_sq)
        t = state.t + 1  # this update's number
        lr = value_at(self.lr, t) / (1 + (t - 1) * self.lr_decay)  # η_t
        sum_sq = state.sum_sq + g * g  # S_t = S_{t−1} + g²
        if self.eps_inside_sqrt:
            delta = -lr * g / np.sqrt(sum_sq + self.eps)  # Δw = −η_t g / √(S_t + ε)
        else:
            delta = -lr * g / (np.sqrt(sum_sq) + self.eps)  # Δw = −η_t g / (√S_t + ε)
        return in_dtype(g.dtype, delta, AdagradState(t, sum_sq))


class RMSpropState(NamedTuple):
    """State of RMSprop."""

    t: int
    mean_sq: np.ndarray  # S_t, moving average of g²
    mean_grad: np.ndarray  # moving average of g (used only when centered)


@dataclass(frozen=True)
class RMSprop:
    """RMSprop (Tieleman & Hinton 2012): Adagrad with a moving average.

        S_t = β S_{t−1} + (1−β) g_t²
        Δw  = −η g_t / (√S_t + ε)

    centered=True also averages g and divides by the standard deviation
    √(S_t − ḡ_t²) instead of the root mean square (torch's `centered`).
    Rounding can make S_t − ḡ_t² slightly negative when the gradient is
    (nearly) constant; it is clipped at 0, so the step becomes η g / ε rather
    than NaN. (The exact variance there is below ε², so this is the step the
    exact arithmetic gives.)
    The slide writes √(S_t + ε) (Keras); eps_inside_sqrt=True gives that form.

    Args:
        lr: η (number, array or schedule). The lecture's default 0.001.
        rho: β in [0, 1), the decay of the average (torch calls it alpha).
        eps: ε > 0.
        centered: divide by the standard deviation instead of the RMS.
        eps_inside_sqrt: use √(S_t + ε) instead of √S_t + ε.
    """

    lr: Hyper = 0.001
    rho: Real = 0.9
    eps: Real = 1e-8
    centered: bool = False
    eps_inside_sqrt: bool = False

    def __post_init__(self):
        prepare(self)
        check_lr(self.lr)
        check_beta(self.rho, "rho")
        check_eps(self.eps)

    def init(self, w):
        """State for parameters like w: t = 0 and zero averages of g² and g."""
        return RMSpropState(t=0, mean_sq=zeros(self, w), mean_grad=zeros(self, w))

    def update(self, g, state):
        """One RMSprop step: (Δw, new state) for the gradient g."""
        check_state(state, RMSpropState)
        g = check_grad(g, state.mean_sq)
        t = state.t + 1  # this update's number
        rho = self.rho  # β
        mean_sq = rho * state.mean_sq + (1 - rho) * g * g  # S_t = βS + (1−β)g²
        mean_grad = state.mean_grad  # unused unless centered
        second_moment = mean_sq  # S_t
        if self.centered:
            mean_grad = rho * state.mean_grad + (1 - rho) * g  # ḡ_t
            variance = mean_sq - mean_grad * mean_grad  # S_t − ḡ_t², exact ≥ 0
            second_moment = np.maximum(variance, 0.0)  # rounding can make it < 0
        if self.eps_inside_sqrt:
            denom = np.sqrt(second_moment + self.eps)  # √(S_t + ε)
        else:
            denom = np.sqrt(second_moment) + self.eps  # √S_t + ε
        delta = -value_at(self.lr, t) * g / denom  # Δw = −η g / denom
        return in_dtype(g.dtype, delta, RMSpropState(t, mean_sq, mean_grad))


class AdadeltaState(NamedTuple):
    """State of Adadelta."""

    t: int
    mean_sq: np.ndarray  # v_t, moving average of g²
    mean_sq_delta: np.ndarray  # D_t, moving average of Δw² (unscaled by lr)


@dataclass(frozen=True)
class Adadelta:
    """Adadelta (Zeiler 2012): the ratio of two RMS values replaces η.

        v_t = ρ v_{t−1} + (1−ρ) g_t²
        u_t = −√(D_{t−1} + ε) / √(v_t + ε) · g_t
        D_t = ρ D_{t−1} + (1−ρ) u_t²
        Δw  = η u_t

    The paper has no η (η = 1). As in torch and Keras, η scales only the
    applied step; D averages the unscaled u. With D_0 = 0 the first step has
    size about √(ε/(1−ρ)) whatever the problem: Adadelta's cold start.

    Args:
        lr: η (1.0 = the paper).
        rho: ρ in [0, 1) (the lecture's 0.95).
        eps: ε > 0, used in both roots.
    """

    lr: Hyper = 1.0
    rho: Real = 0.95
    eps: Real = 1e-6

    def __post_init__(self):
        prepare(self)
        check_lr(self.lr)
        check_beta(self.rho, "rho")
        check_eps(self.eps)

    def init(self, w):
        """State for parameters like w: t = 0 and zero averages of g² and u²."""
        return AdadeltaState(t=0, mean_sq=zeros(self, w), mean_sq_delta=zeros(self, w))

    def update(self, g, state):
        """One Adadelta step: (Δw, new state) for the gradient g."""
        check_state(state, AdadeltaState)
        g = check_grad(g, state.mean_sq)
        t = state.t + 1  # this update's number
        rho, eps = self.rho, self.eps
        mean_sq = rho * state.mean_sq + (1 - rho) * g * g  # v_t = ρv + (1−ρ)g²
        u = -np.sqrt(state.mean_sq_delta + eps) / np.sqrt(mean_sq + eps) * g  # u_t
        mean_sq_delta = rho * state.mean_sq_delta + (1 - rho) * u * u  # D_t = ρD + (1−ρ)u²
        delta = value_at(self.lr, t) * u  # Δw = η u_t
        return in_dtype(g.dtype, delta, AdadeltaState(t, mean_sq, mean_sq_delta))
