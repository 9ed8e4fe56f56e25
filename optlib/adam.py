"""Adam and its relatives: Adam, AdaMax, Nadam, AMSGrad, side by side.

All four keep two moving averages of the gradient (the lecture's V and S;
the papers' m and v):

    m_t = β1 m_{t−1} + (1−β1) g_t        first moment: momentum
    v_t = β2 v_{t−1} + (1−β2) g_t²       second moment: RMSprop

and differ in how they turn them into a step.

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


def _check_adam_family(opt):
    prepare(opt)
    check_lr(opt.lr)
    check_beta(opt.b1, "b1")
    check_beta(opt.b2, "b2")
    check_eps(opt.eps)


class AdamState(NamedTuple):
    """State of Adam."""

    t: int
    m: np.ndarray  # first moment m_t (the slide's V_t)
    v: np.ndarray  # second moment v_t (the slide's S_t)


@dataclass(frozen=True)
class Adam:
    """Adam (Kingma & Ba 2014, Algorithm 1): momentum + RMSprop + bias correction.

        m̂_t = m_t / (1 − β1^t)          v̂_t = v_t / (1 − β2^t)
        Δw  = −η m̂_t / (√v̂_t + ε)

    Both averages start at 0, so early on they are biased toward 0; dividing
    by 1 − β^t removes that bias. bias_correction=False drops the division
    (to see what it does). Keras folds the correction into η and puts its ε̂
    next to the raw √v_t; that equals this form only for ε = ε̂/√(1 − β2^t).

    Args:
        lr: η (number, array or schedule).
        b1, b2: β1, β2 in [0, 1).
        eps: ε > 0, outside the root (paper, torch, optax).
        bias_correction: divide by 1 − β^t.
    """

    lr: Hyper = 0.001
    b1: Real = 0.9
    b2: Real = 0.999
    eps: Real = 1e-8
    bias_correction: bool = True

    def __post_init__(self):
        _check_adam_family(self)

    def init(self, w):
        """State for parameters like w: t = 0 and zero moments m and v."""
        return AdamState(t=0, m=zeros(self, w), v=zeros(self, w))

    def update(self, g, state):
        """One Adam step: (Δw, new state) for the gradient g."""
        check_state(state, AdamState)
        g = check_grad(g, state.m)
        t = state.t + 1  # this update's number
        m = self.b1 * state.m + (1 - self.b1) * g  # m_t = β1 m + (1−β1) g
        v = self.b2 * state.v + (1 - self.b2) * g * g  # v_t = β2 v + (1−β2) g²
        m_hat, v_hat = m, v
        if self.bias_correction:
            m_hat = m / (1 - self.b1**t)  # m̂_t = m_t / (1 − β1^t)
            v_hat = v / (1 - self.b2**t)  # v̂_t = v_t / (1 − β2^t)
        delta = -value_at(self.lr, t) * m_hat / (np.sqrt(v_hat) + self.eps)  # −η m̂/(√v̂ + ε)
        return in_dtype(g.dtype, delta, AdamState(t, m, v))


class AdaMaxState(NamedTuple):
    """State of AdaMax."""

    t: int
    m: np.ndarray  # first moment m_t
    u: np.ndarray  # infinity-norm state u_t = max(β2 u_{t−1}, |g_t|)


@dataclass(frozen=True)
class AdaMax:
    """AdaMax (Kingma & Ba 2014, Algorithm 2): Adam with the ∞-norm.

    Replacing v_t's squares by p-th powers and letting p → ∞ gives a running
    maximum, which needs no bias correction:

        u_t = max(β2 u_{t−1}, |g_t| + ε)
        Δw  = −(η / (1 − β1^t)) m_t / u_t

    ε sits inside the max, as in torch and optax (the paper has none; Keras
    adds it to u after the max).

    Args:
        lr: η (default 0.002 as the paper).
        b1, b2: β1, β2 in [0, 1).
        eps: ε > 0.
    """

    lr: Hyper = 0.002
    b1: Real = 0.9
    b2: Real = 0.999
    eps: Real = 1e-8

    def __post_init__(self):
        _check_adam_family(self)

    def init(self, w):
        """State for parameters like w: t = 0, m = 0 and u = 0."""
        return AdaMaxState(t=0, m=zeros(self, w), u=zeros(self, w))

    def update(self, g, state):
        """One AdaMax step: (Δw, new state) for the gradient g."""
        check_state(state, AdaMaxState)
        g = check_grad(g, state.m)
        t = state.t + 1  # this update's number
        m = self.b1 * state.m + (1 - self.b1) * g  # m_t = β1 m + (1−β1) g
        u = np.maximum(self.b2 * state.u, np.abs(g) + self.eps)  # u_t = max(β2 u, |g| + ε)
        delta = -value_at(self.lr, t) / (1 - self.b1**t) * m / u  # −η/(1 − β1^t) · m_t/u_t
        return in_dtype(g.dtype, delta, AdaMaxState(t, m, u))


class NadamState(NamedTuple):
    """State of Nadam."""

    t: int
    m: np.ndarray
    v: np.ndarray
    mu_product: object  # Π_{i≤t} μ_i, the product of the momentum schedule


@dataclass(frozen=True)
class Nadam:
    """Nadam (Dozat 2016): Nesterov momentum inside Adam.

    The momentum coefficient follows a schedule μ_t = β1 (1 − ½·0.96^(t ψ)),
    ψ = momentum_decay (0.004, as torch). The step uses the look-ahead
    coefficient μ_{t+1}:

        Δw = −η [ (1−μ_t) g_t / (1 − Π_t) + μ_{t+1} m_t / (1 − Π_t μ_{t+1}) ]
               / (√v̂_t + ε)

    momentum_decay=None gives the constant-β1 form (μ_t = β1, as optax's
    nadam; torch needs momentum_decay=1e9 for it, and 0 gives μ = β1/2).

    Args:
        lr: η (default 0.002, torch).
        b1, b2: β1, β2 in [0, 1).
        eps: ε > 0.
        momentum_decay: ψ ≥ 0, or None for a constant μ = β1.
    """

    lr: Hyper = 0.002
    b1: Real = 0.9
    b2: Real = 0.999
    eps: Real = 1e-8
    momentum_decay: Real | None = 0.004

    def __post_init__(self):
        _check_adam_family(self)
        if self.momentum_decay is not None:
            check_range("momentum_decay (or None)", self.momentum_decay, 0.0, np.inf)

    def mu(self, t):
        """The momentum schedule μ_t (t may be an array)."""
        if self.momentum_decay is None:
            return self.b1 + 0.0 * np.asarray(t)
        return self.b1 * (1 - 0.5 * 0.96 ** (np.asarray(t) * self.momentum_decay))

    def init(self, w):
        """State for parameters like w: t = 0, zero moments and Π_0 = 1."""
        return NadamState(t=0, m=zeros(self, w), v=zeros(self, w), mu_product=1.0)

    def update(self, g, state):
        """One Nadam step: (Δw, new state) for the gradient g."""
        check_state(state, NadamState)
        g = check_grad(g, state.m)
        t = state.t + 1  # this update's number
        mu, mu_next = self.mu(t), self.mu(t + 1)  # μ_t, μ_{t+1}
        mu_product = state.mu_product * mu  # Π_t
        m = self.b1 * state.m + (1 - self.b1) * g  # m_t
        v = self.b2 * state.v + (1 - self.b2) * g * g  # v_t
        denom = np.sqrt(v / (1 - self.b2**t)) + self.eps  # √v̂_t + ε
        lr = value_at(self.lr, t)  # η_t
        gradient_part = (1 - mu) * g / (1 - mu_product)  # (1−μ_t) g_t / (1 − Π_t)
        momentum_part = mu_next * m / (1 - mu_product * mu_next)  # μ_{t+1} m_t / (1 − Π_t μ_{t+1})
        delta = -lr * (gradient_part + momentum_part) / denom  # Δw = −η [...] / (√v̂_t + ε)
        return in_dtype(g.dtype, delta, NadamState(t, m, v, mu_product))


class AMSGradState(NamedTuple):
    """State of AMSGrad."""

    t: int
    m: np.ndarray
    v: np.ndarray
    v_max: np.ndarray  # the largest v seen so far, per coordinate


@dataclass(frozen=True)
class AMSGrad:
    """AMSGrad (Reddi, Kale & Kumar 2018): Adam whose denominator never shrinks.

        v_max_t = max(v_max_{t−1}, v_t)                  (max over raw v, as torch)
        Δw = −η m̂_t / (√(v_max_t / (1 − β2^t)) + ε)

    With bias_correction=False this is Reddi et al.'s Algorithm 2
    (Δw = −η m_t / (√v_max_t + ε), the paper without ε); use
    `optlib.inverse_sqrt(lr)` for their α_t = α/√t.

    Args:
        lr: η (number, array or schedule).
        b1, b2: β1, β2 in [0, 1).
        eps: ε > 0.
        bias_correction: torch's form (True) or the paper's (False).
    """

    lr: Hyper = 0.001
    b1: Real = 0.9
    b2: Real = 0.999
    eps: Real = 1e-8
    bias_correction: bool = True

    def __post_init__(self):
        _check_adam_family(self)

    def init(self, w):
        """State for parameters like w: t = 0, m = v = v_max = 0."""
        return AMSGradState(t=0, m=zeros(self, w), v=zeros(self, w), v_max=zeros(self, w))

    def update(self, g, state):
        """One AMSGrad step: (Δw, new state) for the gradient g."""
        check_state(state, AMSGradState)
        g = check_grad(g, state.m)
        t = state.t + 1  # this update's number
        m = self.b1 * state.m + (1 - self.b1) * g  # m_t
        v = self.b2 * state.v + (1 - self.b2) * g * g  # v_t
        v_max = np.maximum(state.v_max, v)  # v_max_t = max(v_max_{t−1}, v_t): unlike Adam
        lr = value_at(self.lr, t)  # η_t
        if self.bias_correction:
            denom = np.sqrt(v_max / (1 - self.b2**t)) + self.eps  # √(v_max/(1 − β2^t)) + ε
            delta = -lr / (1 - self.b1**t) * m / denom  # Δw = −η m̂_t / denom
        else:
            delta = -lr * m / (np.sqrt(v_max) + self.eps)  # Reddi: Δw = −η m_t/(√v_max + ε)
        return in_dtype(g.dtype, delta, AMSGradState(t, m, v, v_max))
