"""What every optimizer shares: learning-rate lookup, input checks, shapes.

The optimizer contract (see DESIGN.md):

    opt = Adam(lr=1e-3)              # hyperparameters only, frozen
    state = opt.init(w)              # a NamedTuple whose first field is t = 0
    delta, state = opt.update(g, state)
    w = w + delta                    # only the run loop does this

`update` is pure: it never writes into `g` or `state`, so the same inputs
always give the same outputs.
"""

from dataclasses import fields

import numpy as np


def value_at(lr, t):
    """The learning rate for the t-th update (t = 1, 2, ...).

    `lr` is a number, an array that broadcasts against the parameters, or a
    schedule: a plain function of t (see `optlib.schedules`).
    """
    return lr(t) if callable(lr) else lr


def _as_hyperparameter(value):
    """Floats stay floats; lists and arrays become float arrays."""
    if callable(value) or isinstance(value, bool | type(None) | str):
        return value
    if np.ndim(value) == 0:
        return float(value)
    return np.asarray(value, dtype=float)


def prepare(opt):
    """Convert an optimizer's hyperparameters to floats/arrays in place.

    Called from every `__post_init__`; frozen dataclasses need
    `object.__setattr__` for this one-time normalisation.
    """
    for f in fields(opt):
        object.__setattr__(opt, f.name, _as_hyperparameter(getattr(opt, f.name)))


def check_range(name, value, low, high, low_open=False, high_open=True):
    """Raise ValueError unless every entry of `value` lies in the interval.

    Schedules (callables) are not checked here: they are checked where
    they are built (`optlib.schedules`).
    """
    if callable(value):
        return
    v = np.asarray(value, dtype=float)
    too_low = v <= low if low_open else v < low
    too_high = v >= high if high_open else v > high
    if np.any(too_low | too_high | np.isnan(v)):
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        raise ValueError(
            f"{name} must lie in {left}{low}, {high}{right}, got {_short(value)}"
        )


def check_lr(value, name="lr"):
    """Learning rates must be finite and >= 0."""
    check_range(name, value, 0.0, np.inf)


def check_beta(value, name):
    """Decay rates of moving averages must lie in [0, 1)."""
    check_range(name, value, 0.0, 1.0)


def check_eps(value, name="eps"):
    """Numerical-safety constants must be > 0."""
    check_range(name, value, 0.0, np.inf, low_open=True)


def _short(value):
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."


def hyperparameter_shape(opt):
    """Broadcast shape of all array-valued hyperparameters (() if none).

    A schedule counts with the shape of its value at t = 1, so a schedule built
    from arrays (`inverse_time(eta0[:, None], T)`) makes a batch too.
    """
    values = [getattr(opt, f.name) for f in fields(opt)]
    shapes = [np.shape(v(1) if callable(v) else v) for v in values
              if not isinstance(v, bool | str | type(None))]
    arrays = [s for s in shapes if s != ()]
    return np.broadcast_shapes(*arrays) if arrays else ()


def param_shape(opt, w):
    """Shape of the parameters once broadcast against the hyperparameters.

    A sweep over K learning rates is `lr` of shape (K, 1) with `w` of shape
    (2,): the run then carries parameters and state of shape (K, 2).
    """
    try:
        return np.broadcast_shapes(np.shape(w), hyperparameter_shape(opt))
    except ValueError:
        raise ValueError(
            f"parameters of shape {np.shape(w)} do not broadcast against the "
            f"hyperparameters of {type(opt).__name__} "
            f"(shape {hyperparameter_shape(opt)})"
        ) from None


def zeros(opt, w):
    """A zero state array with the broadcast parameter shape."""
    return np.zeros(param_shape(opt, w))


def check_grad(g, reference):
    """The gradient must have the shape the state was initialised with."""
    g = np.asarray(g, dtype=float)
    if g.shape != np.shape(reference):
        raise ValueError(
            f"grad has shape {g.shape}, but the optimizer state was initialised "
            f"for parameters of shape {np.shape(reference)}"
        )
    return g


def check_state(state, state_type):
    """Catch a state from a different optimizer passed to `update`."""
    if not isinstance(state, state_type):
        raise ValueError(
            f"state must be a {state_type.__name__} (from this optimizer's init), "
            f"got {type(state).__name__}"
        )
