"""Gradient descent and the momentum family: GD, Momentum, Nesterov, SignGD.

Non-finite numbers and dtypes follow the policy stated once in `optlib.base`.
"""

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .base import (
    Hyper,
    Real,
    check_beta,
    check_grad,
    check_lr,
    check_state,
    in_dtype,
    param_shape,
    prepare,
    value_at,
    zeros,
)


class GDState(NamedTuple):
    """State of GD and SignGD: the step count and the parameter shape."""

    t: int  # number of updates taken so far
    shape: tuple  # the parameter shape, to check each gradient against


@dataclass(frozen=True)
class GD:
    """Plain gradient descent: Δw = −η_t g.

    Batch, mini-batch or stochastic GD are all this rule; they differ only in
    how many samples the gradient g was averaged over (see `optlib.fit`).

    Args:
        lr: η, a number, an array broadcasting against w, or a schedule t -> η_t
            (e.g. `optlib.time_decay(0.1, 1e-3)` for legacy Keras `decay`).
    """

    lr: Hyper = 0.01

    def __post_init__(self):
        prepare(self)
        check_lr(self.lr)

    def init(self, w):
        """State for parameters like w: t = 0 and w's shape (to check gradients)."""
        return GDState(t=0, shape=param_shape(self, w))

    def update(self, g, state):
        """Δw = −η_t g, and the state with t + 1."""
        check_state(state, GDState)
        g = check_grad(g, state.shape)
        t = state.t + 1  # this update's number
        delta = -value_at(self.lr, t) * g  # Δw = −η_t g
        return in_dtype(g.dtype, delta, GDState(t, state.shape))


SGD = GD  # the same rule; the name says the gradient comes from a mini-batch


class MomentumState(NamedTuple):
    """State of Momentum and Nesterov."""

    t: int
    velocity: np.ndarray  # "velocity" form: the previous step Δw(n−1); "buffer": b


@dataclass(frozen=True)
class Momentum:
    """Classical (heavy-ball) momentum, Polyak 1964.

    form="velocity" (the lecture's form, also Keras):
        Δw(n) = α Δw(n−1) − η_n g(n),      w(n+1) = w(n) + Δw(n)
    form="buffer" (torch.optim.SGD and optax, dampening 0):
        b(n) = α b(n−1) + g(n),            Δw(n) = −η_n b(n)

    With a constant η the two are the same (Δw = −η b). Under a schedule they
    differ: the velocity keeps the old learning rates baked in, the buffer is
    multiplied by the current one.

    Note: the slide prints w(n+1) = w(n) − Δw(n); with Δw as defined above that
    would climb the gradient. optlib always adds the step it returns.

    Args:
        lr: η (number, array or schedule).
        momentum: α in [0, 1), the fraction of the previous step kept.
        form: "velocity" or "buffer".
    """

    lr: Hyper = 0.01
    momentum: Real = 0.9
    form: str = "velocity"

    def __post_init__(self):
        prepare(self)
        check_lr(self.lr)
        check_beta(self.momentum, "momentum")
        if self.form not in ("velocity", "buffer"):
            raise ValueError(f"form must be 'velocity' or 'buffer', got {self.form!r}")

    def init(self, w):
        """State for parameters like w: t = 0 and a zero velocity."""
        return MomentumState(t=0, velocity=zeros(self, w))

    def update(self, g, state):
        """One momentum step: (Δw, new state) for the gradient g."""
        check_state(state, MomentumState)
        g = check_grad(g, state.velocity)
        t = state.t + 1  # this update's number
        lr = value_at(self.lr, t)  # η_t
        if self.form == "velocity":
            velocity = self.momentum * state.velocity - lr * g  # Δw(n) = αΔw(n−1) − ηg
            delta = velocity  # Δw(n) = v(n)
        else:
            velocity = self.momentum * state.velocity + g  # b = αb + g
            delta = -lr * velocity  # Δw = −ηb
        return in_dtype(g.dtype, delta, MomentumState(t, velocity))


@dataclass(frozen=True)
class Nesterov:
    """Nesterov accelerated gradient in the reformulated form of Keras and torch.

    The look-ahead form (Sutskever et al. 2013) evaluates the gradient at
    w + αv. Tracking the look-ahead point itself gives a rule that only needs
    the gradient at the current parameters:
        v(n) = α v(n−1) − η_n g(n)
        Δw(n) = α v(n) − η_n g(n)
    `optlib.run_nesterov_lookahead` runs the look-ahead form for comparison.

    Args:
        lr: η (number, array or schedule).
        momentum: α in [0, 1), or a schedule t -> α_t such as Nesterov's
            (t − 1)/(t + 2) for convex problems; the update then uses α_t for v
            and α_{t+1} for the look-ahead.
    """

    lr: Hyper = 0.01
    momentum: Hyper = 0.9

    def __post_init__(self):
        prepare(self)
        check_lr(self.lr)
        check_beta(self.momentum, "momentum")

    def init(self, w):
        """State for parameters like w: t = 0 and a zero velocity."""
        return MomentumState(t=0, velocity=zeros(self, w))

    def update(self, g, state):
        """One Nesterov step (reformulated form): (Δw, new state) for the gradient g."""
        check_state(state, MomentumState)
        g = check_grad(g, state.velocity)
        t = state.t + 1  # this update's number
        lr = value_at(self.lr, t)  # η_t
        alpha = value_at(self.momentum, t, "momentum", high=1.0)  # α_t
        alpha_next = value_at(self.momentum, t + 1, "momentum", high=1.0)  # α_{t+1}
        velocity = alpha * state.velocity - lr * g  # v = αv − ηg
        delta = alpha_next * velocity - lr * g  # step to the next look-ahead point
        return in_dtype(g.dtype, delta, MomentumState(t, velocity))


@dataclass(frozen=True)
class SignGD:
    """Sign gradient descent: Δw = −η sign(g), with sign(0) = 0.

    Every coordinate moves by exactly η (or not at all), whatever the size of
    its gradient.
    """

    lr: Hyper = 0.01

    def __post_init__(self):
        prepare(self)
        check_lr(self.lr)

    def init(self, w):
        """State for parameters like w: t = 0 and w's shape (to check gradients)."""
        return GDState(t=0, shape=param_shape(self, w))

    def update(self, g, state):
        """Δw = −η_t sign(g), and the state with t + 1."""
        check_state(state, GDState)
        g = check_grad(g, state.shape)
        t = state.t + 1  # this update's number
        delta = -value_at(self.lr, t) * np.sign(g)  # Δw = −η sign(g)
        return in_dtype(g.dtype, delta, GDState(t, state.shape))
