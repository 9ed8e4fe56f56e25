"""What every optimizer shares: input checks, learning-rate lookup, shapes, dtypes.

The optimizer contract (the book's notation page, book/notation.md):

    opt = Adam(lr=1e-3)              # hyperparameters only, checked and frozen
    state = opt.init(w)              # a NamedTuple whose first field is t = 0
    delta, state = opt.update(g, state)
    w = w + delta                    # only the run loop does this

`update` is pure: it never writes into `g` or `state`, so the same inputs
always give the same outputs, and the state it returns never shares memory
with the caller's gradient.

Checks, all made here:
- A hyperparameter is a real number or an array of real numbers (lists are
  turned into arrays). Strings, booleans, complex numbers and objects are
  refused at construction with a TypeError naming the field. Arrays are
  copied and made read-only, so changing the caller's array later cannot
  change the optimizer. All array hyperparameters must broadcast together.
- Flags (`centered`, `bias_correction`, ...) must be True or False.
- Only fields typed `Hyper` accept a schedule (a function of t); a schedule's
  value is checked every time it is evaluated.
- The gradient must be real and have the shape the state was made for.

Non-finite numbers (NaN, ±inf): every `update` applies its rule exactly as
torch does and does not look for them, so a NaN gradient gives a NaN step and
a NaN state, as in torch. A squared gradient that overflows (|g| above about
1e154 in float64, 1e19 in float32) makes v = inf and the step exactly 0.
Detection is the job of the run loops (`optlib.run`, `fit`, `run_online`,
`run_nesterov_lookahead`): they stop a run at the first step whose gradient,
state, parameters or loss is not finite, or whose loss has grown by more than
a stated factor, and record the step and the reason.

dtypes: `init(w)` makes the state in w's floating dtype, and `update` returns
Δw and the new state in the gradient's floating dtype (float64 for integer
input), so float32 in gives float32 out, as in torch.
"""

from collections.abc import Callable
from dataclasses import fields

import numpy as np

Schedule = Callable[[int], float | np.ndarray]  # t = 1, 2, ... -> value
Real = float | np.ndarray  # a number, or an array that broadcasts against w
Hyper = Real | Schedule  # a number, an array or a schedule


def value_at(value, t, name="lr", low=0.0, high=np.inf):
    """The hyperparameter `value` at the t-th update (t = 1, 2, ...).

    A number or array is returned as it is (it was checked at construction).
    A schedule is called, and its value must lie in [low, high).
    """
    if not callable(value):
        return value
    result = value(t)
    if isinstance(result, float) and low <= result < high:  # a plain number (or np.float64)
        return result
    v = np.asarray(result)
    if v.dtype.kind not in "iuf" or not np.all((v >= low) & (v < high)):
        what = getattr(value, "__qualname__", type(value).__name__)
        raise ValueError(
            f"the {name} schedule {what} gave {name} = {_short(result)} at step t = {t}; "
            f"{name} must lie in [{low}, {high})"
        )
    return result


def as_real(name, value):
    """A number as a float, anything else as a read-only float array copy."""
    if isinstance(value, str | bytes):
        raise TypeError(f"{name} must be a real number or array, got the string {value!r}")
    if isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be a real number or array, got the boolean {value}")
    try:
        array = np.array(value)
    except ValueError as error:  # ragged lists
        raise TypeError(f"{name} must be a real number or array, got {_short(value)}") from error
    if array.dtype.kind not in "iuf":
        raise TypeError(
            f"{name} must be a real number or array, got {_short(value)} (dtype {array.dtype})"
        )
    if array.ndim == 0:
        return float(array)
    array = array.astype(float)  # a copy, owned by the optimizer
    array.flags.writeable = False
    return array


def _checked(name, kind, value):
    """Check one field of an optimizer against its declared type `kind`."""
    if kind is bool:
        if not isinstance(value, bool | np.bool_):
            raise TypeError(f"{name} must be True or False, got {value!r}")
        return bool(value)
    if kind is str:
        if not isinstance(value, str):
            raise TypeError(f"{name} must be a string, got {value!r}")
        return value
    if value is None and kind == Real | None:
        return None
    if callable(value):
        if kind == Hyper:
            return value
        raise TypeError(
            f"{name} does not accept a schedule (a callable), got {_short(value)}; "
            f"pass a number or an array"
        )
    return as_real(name, value)


def prepare(opt):
    """Check and normalise an optimizer's hyperparameters in place.

    Called from every `__post_init__`; frozen dataclasses need
    `object.__setattr__` for this one-time normalisation. The range of each
    value is checked afterwards by the class (`check_lr`, `check_beta`, ...).
    """
    for f in fields(opt):
        object.__setattr__(opt, f.name, _checked(f.name, f.type, getattr(opt, f.name)))
    hyperparameter_shape(opt)  # raises if the array shapes do not broadcast


def check_range(name, value, low, high, low_open=False, high_open=True):
    """Raise ValueError unless every entry of `value` lies in the interval.

    A schedule (callable) is checked here at t = 1, and again each time it
    is evaluated (`value_at`).
    """
    if callable(value):
        what = getattr(value, "__qualname__", type(value).__name__)
        value, name = value(1), f"{name} (the schedule {what}, at step t = 1)"
    v = np.asarray(as_real(name, value), dtype=float)  # refuses strings, complex, ...
    too_low = v <= low if low_open else v < low
    too_high = v >= high if high_open else v > high
    if np.any(too_low | too_high | np.isnan(v)):
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        raise ValueError(f"{name} must lie in {left}{low}, {high}{right}, got {_short(value)}")


def check_lr(value, name="lr"):
    """Learning rates must be finite and >= 0."""
    check_range(name, value, 0.0, np.inf)


def check_beta(value, name):
    """Decay rates of moving averages must lie in [0, 1)."""
    check_range(name, value, 0.0, 1.0)


def check_eps(value, name="eps"):
    """Numerical-safety constants must be > 0."""
    check_range(name, value, 0.0, np.inf, low_open=True)


def positive_int(name, value):
    """Counts (steps, epochs, ...) must be integers >= 1."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an integer >= 1, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value}")
    return int(value)


def real_array(name, value):
    """Parameters or a start point: a float array (real numbers only)."""
    if isinstance(value, str | bytes):
        raise TypeError(f"{name} must be real numbers, got the string {value!r}")
    array = np.asarray(value)
    if array.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be real numbers, got dtype {array.dtype}")
    return array if array.dtype.kind == "f" else array.astype(float)


def _short(value):
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."


def hyperparameter_shape(opt):
    """Broadcast shape of all array-valued hyperparameters (() if none).

    A schedule counts with the shape of its value at t = 1, so a schedule built
    from arrays (`inverse_time(eta0[:, None], T)`) makes a batch too.
    """
    shapes = {}
    for f in fields(opt):
        v = getattr(opt, f.name)
        if not isinstance(v, bool | str | type(None)):
            shapes[f.name] = np.shape(v(1) if callable(v) else v)
    try:
        return np.broadcast_shapes(*shapes.values())
    except ValueError:
        listed = ", ".join(f"{name} {shape}" for name, shape in shapes.items() if shape != ())
        raise ValueError(
            f"the array hyperparameters of {type(opt).__name__} do not broadcast together: {listed}"
        ) from None


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


def zeros(opt, w, fill=0.0):
    """A state array of the broadcast parameter shape in w's floating dtype."""
    w = real_array("w", w)
    return np.full(param_shape(opt, w), fill, dtype=w.dtype)


def check_grad(g, like):
    """The gradient as a fresh float array, checked against the state.

    `like` is a state array (or its shape): the gradient must have the shape
    the state was initialised with. The copy means no state ever shares
    memory with the caller's gradient buffer.
    """
    g = np.array(g)  # a copy
    if g.dtype.kind == "c":
        raise TypeError(f"grad must be real, got complex values (dtype {g.dtype})")
    if g.dtype.kind not in "iuf":
        raise TypeError(f"grad must be real numbers, got dtype {g.dtype}")
    if g.dtype.kind != "f":
        g = g.astype(float)
    shape = like if isinstance(like, tuple) else np.shape(like)
    if g.shape != shape:
        raise ValueError(
            f"grad has shape {g.shape}, but the optimizer state was initialised "
            f"for parameters of shape {shape}"
        )
    return g


def in_dtype(dtype, delta, state):
    """Δw and every numeric field of the state after t, in `dtype` (the gradient's)."""
    arrays = [
        value if isinstance(value, tuple) else np.asarray(value, dtype=dtype) for value in state[1:]
    ]
    return np.asarray(delta, dtype=dtype), type(state)(state[0], *arrays)


def check_state(state, state_type):
    """Catch a state from a different optimizer passed to `update`."""
    if not isinstance(state, state_type):
        raise ValueError(
            f"state must be a {state_type.__name__} (from this optimizer's init), "
            f"got {type(state).__name__}"
        )
