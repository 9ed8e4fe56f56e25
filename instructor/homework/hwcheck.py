"""Checks behind the homework tests: compare your code with a reference, say what differs.

This file sits beside the homework notebooks and ships inside every autograder
zip. It holds no solutions: the reference values come from `optlib`, which is
imported by the tests themselves. Every check raises an AssertionError whose
message names the call, the input, what was expected and what came back, e.g.

    Δw: expected [-0.19], got [-0.01] (Momentum(lr=0.1, momentum=0.9), step 2, g = [1])

Student code is always run under a time limit (`time_limit`), so an endless
loop costs one question, not the whole notebook.
"""

import contextlib
import os
import signal
import threading
import traceback

import numpy as np

SECONDS = 10  # time limit for one check of one question
_HUNG = {}  # code objects that exceeded a time limit -> description


class TimeLimitExceeded(BaseException):
    """Raised inside running code when its time is up.

    A BaseException (like KeyboardInterrupt), so an `except Exception:` in the
    code under test cannot swallow it. `call` and `time_limit` turn it into an
    ordinary exception with a readable message.
    """


class time_limit(contextlib.ContextDecorator):
    """Stop the code in a `with` block after `seconds` (a TimeoutError).

        with hwcheck.time_limit(30, "the Reddi experiment"):
            ...

    Works in the main thread on Linux and macOS (SIGALRM); elsewhere it does
    nothing. The alarm repeats every 0.2 s after it first fires, in case the
    code catches the first one.
    """

    def __init__(self, seconds=SECONDS, what="this code"):
        self.seconds, self.what = seconds, what
        self._armed = False

    def _handler(self, signum, frame):
        # Never interrupt this module's own bookkeeping, only the code under test.
        if self._armed and frame is not None and frame.f_code.co_filename != __file__:
            raise TimeLimitExceeded(self.what)

    def __enter__(self):
        usable = (hasattr(signal, "setitimer") and os.name == "posix"
                  and threading.current_thread() is threading.main_thread())
        if usable:
            self._old = signal.signal(signal.SIGALRM, self._handler)
            self._armed = True
            signal.setitimer(signal.ITIMER_REAL, self.seconds, 0.2)
        return self

    def __exit__(self, kind, value, tb):
        if self._armed:
            self._armed = False
            signal.setitimer(signal.ITIMER_REAL, 0, 0)
            signal.signal(signal.SIGALRM, self._old)
        if kind is TimeLimitExceeded:
            raise TimeoutError(
                f"{self.what} did not finish within {self.seconds:g} s "
                "(an endless loop?); it was stopped"
            ) from None
        return False


def _code(fn):
    fn = getattr(fn, "__func__", fn)
    return getattr(fn, "__code__", None)


def _where(error):
    """'in <function>, line N: <source>' for the innermost frame of a traceback."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return ""
    last = frames[-1]
    line = (last.line or "").strip()
    return f"\n    in {last.name}, line {last.lineno}: {line}" if line else ""


def call(fn, *args, what, owner=None, **kwargs):
    """fn(*args, **kwargs); any error or a timeout becomes an AssertionError naming `what`.

    A function that once exceeded its time limit is not run again (the later checks fail
    at once). `owner` is the student function to blame for a timeout when `fn` is not
    itself the student's, e.g. call(optlib.run, problem, opt, owner=opt.update, ...).
    """
    code = _code(owner if owner is not None else fn)
    if code is not None and code in _HUNG:
        raise AssertionError(
            f"{what}: not run again, because {_HUNG[code]} already exceeded its time "
            "limit in an earlier check (an endless loop?)"
        )
    try:
        return fn(*args, **kwargs)
    except TimeLimitExceeded:
        if code is not None:
            _HUNG[code] = what
        raise AssertionError(
            f"{what} did not finish within its time limit (an endless loop?); it was stopped"
        ) from None
    except (Exception, SystemExit) as error:
        raise AssertionError(
            f"{what} raised {type(error).__name__}: {error}{_where(error)}"
        ) from None


def need(value, name):
    """Fail with a hint when a name the test needs is missing from the notebook."""
    if value is None:
        raise AssertionError(
            f"`{name}` is not defined: run the cell that defines it (and fix any error it "
            "shows), then run this check again"
        )


# --- formatting and comparing -------------------------------------------------


def fmt(x):
    """A short, stable text for a number or an array: [1, 1.666666667, 2.428571429]."""
    if isinstance(x, np.ndarray | list | tuple) and not hasattr(x, "_fields"):
        try:
            arr = np.asarray(x, dtype=float)
        except (TypeError, ValueError):
            return repr(x)
        if arr.size > 12:
            flat = arr.ravel()
            head = ", ".join(_num(v) for v in flat[:3])
            tail = ", ".join(_num(v) for v in flat[-2:])
            return f"<array of shape {arr.shape}: {head}, ..., {tail}>"
        return _nested(arr)
    if isinstance(x, float | np.floating):
        return _num(x)
    return repr(x)


def _num(v):
    return f"{float(v) + 0.0:.10g}"  # + 0.0 turns -0 into 0


def _nested(arr):
    if arr.ndim == 0:
        return _num(arr)
    return "[" + ", ".join(_nested(a) for a in arr) + "]"


def kwargs_text(kwargs):
    return ", ".join(f"{k}={_hp(v)}" for k, v in kwargs.items())


def _hp(value):
    return "<a schedule>" if callable(value) else fmt(value)


def as_array(value, what, where):
    """value as a float array; fail if it is None, a tuple, a string..."""
    if value is None or value is Ellipsis:
        raise AssertionError(f"{what}: expected a number or an array, got {value!r} ({where})")
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise AssertionError(
            f"{what}: expected a number or an array, got {type(value).__name__} "
            f"{fmt(value)} ({where})"
        ) from None


def check_close(got, expected, what, where, rtol=1e-9, atol=1e-12):
    """Same shape and the same values (to rtol/atol); NaN never matches."""
    expected = np.asarray(expected, dtype=float)
    got = as_array(got, what, where)
    if got.shape != expected.shape:
        raise AssertionError(
            f"{what}: expected shape {expected.shape}, got shape {got.shape} ({where}); "
            f"expected {fmt(expected)}, got {fmt(got)}"
        )
    ok = np.isclose(got, expected, rtol=rtol, atol=atol)
    if not np.all(ok):
        detail = ""
        if got.ndim > 0:
            i = tuple(int(j) for j in np.argwhere(~ok)[0])
            detail = (f"; first difference at index {i}: expected {fmt(expected[i])}, "
                      f"got {fmt(got[i])}")
        raise AssertionError(
            f"{what}: expected {fmt(expected)}, got {fmt(got)} ({where}){detail}"
        )


# --- optimizers ---------------------------------------------------------------


def _unpack(out, what):
    if not (isinstance(out, tuple) and len(out) == 2):
        hint = " (is the `...` still there?)" if out is None or out is Ellipsis else ""
        raise AssertionError(
            f"{what} must return a pair (delta, new_state), got {type(out).__name__} "
            f"{fmt(out)}{hint}"
        )
    return out


def _state_field(state, name, what):
    if not hasattr(state, name):
        raise AssertionError(
            f"{what}: the new state has no field `{name}`; return the state NamedTuple "
            f"given in the notebook, got {state!r}"
        )
    return getattr(state, name)


def build(cls, kwargs, name):
    """cls(**kwargs) with a readable failure."""
    need(cls, name)
    label = f"{name}({kwargs_text(kwargs)})"
    return call(cls, what=label, **kwargs), label


def check_optimizer(cls, kwargs, reference, grads, *, w0=None, fields=(), name=None,
                    rtol=1e-9, atol=1e-12, seconds=SECONDS):
    """Run cls(**kwargs) and `reference` side by side on a gradient sequence.

    At every step k the student's Δw, the step count `t` of the new state and
    the state fields named in `fields` must match the reference optimizer's.
    """
    name = name or getattr(cls, "__name__", "optimizer")
    grads = np.asarray(grads, dtype=float)
    w0 = np.zeros_like(grads[0]) if w0 is None else np.asarray(w0, dtype=float)
    with time_limit(seconds, name):
        opt, label = build(cls, kwargs, name)
        state = call(opt.init, w0, what=f"{label}.init(w)")
        ref_state = reference.init(w0)
        for k, g in enumerate(grads, start=1):
            what = f"{label}.update(g, state) at step {k}"
            out = call(opt.update, g.copy(), state, what=what)
            delta, new_state = _unpack(out, what)
            ref_delta, ref_state = reference.update(g, ref_state)
            where = f"{label}, step {k}, g = {fmt(g)}"
            check_close(delta, ref_delta, "Δw", where, rtol, atol)
            if type(new_state) is not type(state):
                raise AssertionError(
                    f"{what}: the new state must be a {type(state).__name__} like the one "
                    f"init returns, got {type(new_state).__name__} {new_state!r}"
                )
            t = _state_field(new_state, "t", what)
            if t != k:
                raise AssertionError(
                    f"new_state.t: expected {k} after {k} update(s), got {t!r} ({where})"
                )
            for field in fields:
                check_close(_state_field(new_state, field, what), getattr(ref_state, field),
                            f"new_state.{field}", where, rtol, atol)
            state = new_state


def _snapshot(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, tuple):
        return type(value)(*[_snapshot(v) for v in value]) if hasattr(value, "_fields") \
            else tuple(_snapshot(v) for v in value)
    return value


def _same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def check_pure(cls, kwargs, grads, *, w0=None, name=None, seconds=SECONDS):
    """update(g, state) must not change g or state, and must be repeatable.

    Takes len(grads) − 1 steps, then calls update twice with the same (g, state).
    """
    name = name or getattr(cls, "__name__", "optimizer")
    grads = np.asarray(grads, dtype=float)
    w0 = np.zeros_like(grads[0]) if w0 is None else np.asarray(w0, dtype=float)
    with time_limit(seconds, name):
        opt, label = build(cls, kwargs, name)
        state = call(opt.init, w0, what=f"{label}.init(w)")
        for k, g in enumerate(grads, start=1):
            what = f"{label}.update(g, state) at step {k}"
            g = g.copy()
            g_before, state_before = g.copy(), _snapshot(state)
            first = _unpack(call(opt.update, g, state, what=what), what)
            delta = as_array(first[0], "Δw", what)
            if delta.shape != g.shape:
                raise AssertionError(
                    f"Δw: expected shape {g.shape} (the shape of g), got shape {delta.shape} "
                    f"({what}, g = {fmt(g)})"
                )
            if not np.array_equal(g, g_before):
                raise AssertionError(
                    f"{what} changed its input g from {fmt(g_before)} to {fmt(g)}; "
                    "update must not modify its arguments"
                )
            if not _same(state, state_before):
                raise AssertionError(
                    f"{what} changed its input state from {state_before!r} to {state!r}; "
                    "update must not modify its arguments (build new arrays instead of "
                    "using +=, *= or out=)"
                )
            if k == len(grads):
                second = _unpack(call(opt.update, g, state, what=what + " (called again)"), what)
                if not _same(first[0], second[0]):
                    raise AssertionError(
                        f"{label}: calling update twice with the same (g, state) gave "
                        f"Δw = {fmt(first[0])}, then {fmt(second[0])}; the same inputs "
                        "must give the same outputs"
                    )
            state = first[1]


# --- functions of arrays ------------------------------------------------------


def check_function(fn, args, expected, *, name, arg_text=None, result="the result",
                   rtol=1e-9, atol=1e-12, seconds=SECONDS):
    """fn(*args) must equal `expected` (same shape) and must not modify its arguments."""
    need(fn, name)
    label = f"{name}({arg_text if arg_text is not None else ', '.join(fmt(a) for a in args)})"
    before = [_snapshot(a) for a in args]
    with time_limit(seconds, name):
        got = call(fn, *args, what=label)
    for a, b in zip(args, before, strict=True):
        if not _same(a, b):
            raise AssertionError(f"{label} changed its input {fmt(b)} to {fmt(a)}")
    check_close(got, expected, result, label, rtol, atol)
    return got


# --- mini-batches -------------------------------------------------------------


def collect_batches(minibatches, n_rows, batch_size, rng, label, seconds=SECONDS):
    """list(minibatches(n_rows, batch_size, rng)) as a list of int arrays."""
    need(minibatches, "minibatches")
    with time_limit(seconds, label):
        out = call(minibatches, n_rows, batch_size, rng, what=label)
        if out is None or out is Ellipsis:
            raise AssertionError(
                f"{label} returned {out!r}; it must return or yield the batches "
                "(is the `...` still there?)"
            )
        batches = call(list, out, what=f"iterating over {label}", owner=minibatches)
    result = []
    for i, b in enumerate(batches):
        arr = np.asarray(b)
        if arr.ndim != 1 or not (arr.size == 0 or np.issubdtype(arr.dtype, np.integer)):
            raise AssertionError(
                f"{label}: batch {i} should be a 1-D array of integer row indices, got "
                f"{type(b).__name__} with dtype {arr.dtype} and shape {arr.shape}"
            )
        result.append(arr)
    return result


def check_batches(minibatches, n_rows, batch_size, seed=0):
    """One epoch: ⌈n/b⌉ batches of b rows (the last may be smaller), every row once, shuffled."""
    label = f"minibatches({n_rows}, {batch_size}, np.random.default_rng({seed}))"
    batches = collect_batches(minibatches, n_rows, batch_size,
                              np.random.default_rng(seed), label)
    sizes = [len(b) for b in batches]
    full, rest = divmod(n_rows, batch_size)
    expected = [batch_size] * full + ([rest] if rest else [])
    if sizes != expected:
        raise AssertionError(
            f"{label}: expected {len(expected)} batches of sizes {expected}, "
            f"got {len(sizes)} batches of sizes {sizes}"
        )
    rows = np.concatenate(batches) if batches else np.array([], dtype=int)
    if not np.array_equal(np.sort(rows), np.arange(n_rows)):
        missing = sorted(set(range(n_rows)) - set(rows.tolist()))[:5]
        values, counts = np.unique(rows, return_counts=True)
        twice = values[counts > 1][:5].tolist()
        raise AssertionError(
            f"{label}: every row 0..{n_rows - 1} must appear exactly once per epoch; "
            f"missing rows {missing}, repeated rows {twice}"
        )
    if n_rows >= 8 and np.array_equal(rows, np.arange(n_rows)):
        raise AssertionError(
            f"{label}: the rows come in their original order 0, 1, 2, ...; "
            "shuffle them once per epoch with the rng you were given"
        )
    return batches
