"""Resilient backpropagation: per-weight step sizes driven by gradient signs.

Both classes keep a step size Δ_i per weight and the previous gradient. With
s = g_i(t) · g_i(t−1):

    s > 0 (same sign):   Δ_i ← min(η⁺ Δ_i, Δ_max)    speed up
    s < 0 (sign flip):   Δ_i ← max(η⁻ Δ_i, Δ_min)    we jumped over a minimum
    s = 0:               Δ_i unchanged

They differ only in what happens after a sign flip.

Non-finite numbers and dtypes follow the policy stated once in `optlib.base`.
"""

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .base import Real, check_grad, check_range, check_state, in_dtype, prepare, zeros


class RpropState(NamedTuple):
    """State of Rprop and IRpropMinus."""

    t: int
    step: np.ndarray  # Δ_i, the current step size of each weight
    prev_grad: np.ndarray  # g(t−1) as remembered by the rule


def _new_step_size(opt, step, s):
    """Grow Δ where the sign agreed, shrink it where it flipped."""
    grown = np.minimum(step * opt.eta_plus, opt.step_max)
    shrunk = np.maximum(step * opt.eta_minus, opt.step_min)
    return np.where(s > 0, grown, np.where(s < 0, shrunk, step))


@dataclass(frozen=True)
class _RpropBase:
    """What Rprop and IRpropMinus share: hyperparameters, checks, initial state.

    Args:
        lr: Δ0, the initial step size of every weight (torch calls it lr).
        eta_minus, eta_plus: η⁻ < 1 < η⁺, the shrink and growth factors.
        step_min, step_max: Δ_min and Δ_max.
    """

    lr: Real = 0.01
    eta_minus: Real = 0.5
    eta_plus: Real = 1.2
    step_min: Real = 1e-6
    step_max: Real = 50.0

    def __post_init__(self):
        prepare(self)  # lr, the initial step size Δ0, is typed Real: no schedule
        check_range("lr", self.lr, 0.0, np.inf, low_open=True)
        check_range("eta_minus", self.eta_minus, 0.0, 1.0, low_open=True)
        check_range("eta_plus", self.eta_plus, 1.0, np.inf, low_open=True)
        check_range("step_min", self.step_min, 0.0, np.inf)
        check_range("step_max", self.step_max, 0.0, np.inf, low_open=True)
        if np.any(np.asarray(self.step_min) > np.asarray(self.step_max)):
            raise ValueError(f"step_min must be <= step_max, got {self.step_min} > {self.step_max}")

    def init(self, w):
        """State for parameters like w: t = 0, every Δ_i = lr, no previous gradient."""
        return RpropState(t=0, step=zeros(self, w, self.lr), prev_grad=zeros(self, w))


@dataclass(frozen=True)
class Rprop(_RpropBase):
    """Rprop as on the lecture's slide (Rprop⁻, no weight backtracking).

        w_i(t) = w_i(t−1) − Δ_i(t) · sgn(g_i(t))

    after adapting Δ_i from the sign agreement of g(t) and g(t−1). On a sign
    flip the step is still taken, with the shrunken Δ. Riedmiller & Braun
    (1993) use full-batch gradients; mini-batch noise flips signs at random.

    Args: see `_RpropBase` (lr = Δ0, eta_minus, eta_plus, step_min, step_max).
    """

    def update(self, g, state):
        """One Rprop⁻ step: adapt each Δ_i from the sign agreement, then move by −Δ_i sign(g_i)."""
        check_state(state, RpropState)
        g = check_grad(g, state.step)
        step = _new_step_size(self, state.step, g * state.prev_grad)  # s = g(t)·g(t−1)
        delta = -step * np.sign(g)  # Δw = −Δ sign(g)
        return in_dtype(g.dtype, delta, RpropState(state.t + 1, step, g))  # g is a copy


@dataclass(frozen=True)
class IRpropMinus(_RpropBase):
    """iRprop⁻ (Igel & Hüsken 2000), the variant torch.optim.Rprop implements.

    After a sign flip the weight does not move at all this step, and the
    gradient is remembered as 0, so the next step sees s = 0 and keeps Δ.
    As in torch, Δ is clipped to [Δ_min, Δ_max] on every step, including the
    first (so lr = 100 gives a first step of 50).

    Args: see `_RpropBase` (lr = Δ0, eta_minus, eta_plus, step_min, step_max).
    """

    def update(self, g, state):
        """One iRprop⁻ step: like Rprop, but no move (and g forgotten) after a flip."""
        check_state(state, RpropState)
        g = check_grad(g, state.step)
        s = g * state.prev_grad  # s = g(t)·g(t−1)
        factor = np.where(s > 0, self.eta_plus, np.where(s < 0, self.eta_minus, 1.0))
        step = np.clip(state.step * factor, self.step_min, self.step_max)  # Δ in [Δmin, Δmax]
        g = np.where(s < 0, 0.0, g)  # after a flip: no move, forget the gradient
        delta = -step * np.sign(g)  # Δw = −Δ sign(g)
        return in_dtype(g.dtype, delta, RpropState(state.t + 1, step, g))
