"""Checks behind the homework tests: compare your code with a reference, say what differs.

This file sits beside the homework notebooks and ships inside every autograder
zip. It holds no solutions: the reference values come from `optlib` or from the
tests themselves, and are computed outside your code. Every check raises an
AssertionError whose message names the call, the input, what was expected and
what came back, e.g.

    Δw: expected [-0.19], got [-0.01] (Momentum(lr=0.1, momentum=0.9), step 2, g = [1])

Rules the checks enforce while your code runs:

* a time limit (`time_limit`), so an endless loop costs one check, not the notebook;
* no `optlib` inside your answers: a class or function that *is* optlib's is refused,
  and while your code runs, optlib's versions of the graded rules raise
  "don't call optlib.X here";
* messages are cut to a few hundred characters.

The tests load this file afresh under a private module name, and it keeps its own
references to the numpy functions it uses, taken when it is loaded; it refuses to
run if one of them has been replaced.
"""

import contextlib
import importlib
import os
import signal
import sys
import threading
import traceback
import types

import numpy as np

SECONDS = 10  # time limit for one check of one question
MAX_MESSAGE = 400  # characters of a failure message that are shown
_OPTLIB_ONLY = (  # optlib's versions of what the homework asks for: refused in answers
    "Momentum",
    "Nesterov",
    "SignGD",
    "Rprop",
    "IRpropMinus",
    "Adagrad",
    "RMSprop",
    "Adadelta",
    "Adam",
    "AdaMax",
    "Nadam",
    "AMSGrad",
    "ewma",
    "ewma_weights",
    "time_decay",
    "inverse_time",
    "step_decay",
    "exponential_decay",
    "inverse_sqrt",
    "constant",
)
_OPTLIB_FUNCTIONS = {"datasets": ("minibatches",)}  # the same, in optlib's submodules


# --- numpy, as it was when this file was loaded ----------------------------------

_NP_NAMES = (
    "all",
    "any",
    "abs",
    "arange",
    "argwhere",
    "array_equal",
    "asarray",
    "concatenate",
    "errstate",
    "floating",
    "integer",
    "isclose",
    "isfinite",
    "issubdtype",
    "maximum",
    "ndarray",
    "sort",
    "unique",
    "zeros_like",
)
_NP_DIR = os.path.dirname(os.path.abspath(getattr(np, "__file__", "") or ""))


def _genuine(name, obj):
    """True if np.<name> looks like numpy's own object (not replaced by other code)."""
    module = getattr(obj, "__module__", None)
    if not (isinstance(module, str) and module.split(".")[0] == "numpy"):
        return False
    code = getattr(obj, "__code__", None)
    if code is not None:  # a Python function: it must come from numpy's files
        return os.path.abspath(code.co_filename).startswith(_NP_DIR + os.sep)
    kind = type(obj).__name__
    return kind in ("_ArrayFunctionDispatcher", "builtin_function_or_method", "ufunc", "type")


_np = types.SimpleNamespace(**{n: getattr(np, n) for n in _NP_NAMES})
_NUMPY_REPLACED = sorted(n for n in _NP_NAMES if not _genuine(n, getattr(_np, n)))


def _numpy_intact():
    if _NUMPY_REPLACED:
        raise _fail(
            "numpy has been modified in this notebook (np."
            + ", np.".join(_NUMPY_REPLACED)
            + " replaced); the checks cannot run. "
            "Remove the code that changes numpy and restart the kernel"
        )


class CheckFailed(AssertionError):
    """An AssertionError whose message is cut to MAX_MESSAGE characters."""


def _fail(message):
    text = str(message)
    if len(text) > MAX_MESSAGE:
        text = text[:MAX_MESSAGE] + " … (message shortened)"
    return CheckFailed(text)


def _short(text, n=200):
    text = str(text)
    return text if len(text) <= n else text[:n] + " …"


# --- no optlib inside the answers ------------------------------------------------


def _optlib_part(obj):
    """The optlib module `obj` (or its class, or its init/update) comes from, else None."""
    items = [obj, type(obj)]
    if isinstance(obj, type):
        items += [getattr(obj, "init", None), getattr(obj, "update", None)]
    for item in items:
        module = getattr(item, "__module__", None)
        if isinstance(module, str) and (module == "optlib" or module.startswith("optlib.")):
            return module
    return None


def refuse_optlib(obj, name):
    """Fail if `obj` (the student's answer called `name`) is optlib's own code."""
    module = None if obj is None else _optlib_part(obj)
    if module:
        raise _fail(
            f"`{name}` is optlib's code, not yours (it comes from {module}); "
            "write it yourself with numpy"
        )


def _refusing_code(label, original):
    """A code object that raises instead of running `label`, usable in place of `original`."""
    if original.co_freevars:
        return None
    message = (
        f"don't call {label} here: the homework asks you to write it yourself "
        "(optlib's version is off while your code is checked)"
    )
    space = {}
    exec(f"def refused(*args, **kwargs):\n    raise RuntimeError({message!r})", space)  # noqa: S102
    return space["refused"].__code__


class no_optlib:
    """While active, optlib's versions of the graded rules raise instead of running."""

    def __enter__(self):
        self._undo = []
        optlib = sys.modules.get("optlib")
        if optlib is None:
            return self
        targets = [(optlib, name) for name in _OPTLIB_ONLY]
        for sub, names in _OPTLIB_FUNCTIONS.items():
            module = sys.modules.get(f"optlib.{sub}")
            if module is None:  # import it now, or the student's code would get it fresh
                with contextlib.suppress(Exception):
                    module = importlib.import_module(f"optlib.{sub}")
            targets += [(module, name) for name in names if module is not None]
        for module, name in targets:
            obj = module.__dict__.get(name)
            if isinstance(obj, type):
                for attr in ("init", "update", "__call__"):
                    method = obj.__dict__.get(attr)
                    if isinstance(method, types.FunctionType):
                        self._swap(method, f"optlib.{name}.{attr}")
            elif isinstance(obj, types.FunctionType):
                self._swap(obj, f"optlib.{name}")
        return self

    def _swap(self, function, label):
        code = _refusing_code(label, function.__code__)
        if code is not None:
            self._undo.append((function, function.__code__))
            function.__code__ = code

    def __exit__(self, *exc):
        for function, code in reversed(self._undo):
            function.__code__ = code
        self._undo = []
        return False


# --- time limits and calls -------------------------------------------------------


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
        usable = (
            hasattr(signal, "setitimer")
            and os.name == "posix"
            and threading.current_thread() is threading.main_thread()
        )
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


def _function(fn):
    return getattr(fn, "__func__", fn)


def _where(error):
    """'in <function>, line N: <source>' for the innermost frame of a traceback."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return ""
    last = frames[-1]
    line = (last.line or "").strip()
    return f"\n    in {last.name}, line {last.lineno}: {_short(line, 120)}" if line else ""


def call(fn, *args, what, owner=None, **kwargs):
    """fn(*args, **kwargs) with optlib's graded rules switched off; any error becomes an
    AssertionError naming `what` (the error's own text cut short).

    A function that once exceeded its time limit is not run again (the later checks fail
    at once). `owner` is the student function to blame for a timeout when `fn` is not
    itself the student's, e.g. call(optlib.run, problem, opt, owner=opt.update, ...).
    """
    _numpy_intact()
    blamed = _function(owner if owner is not None else fn)
    hung = getattr(blamed, "__dict__", {}).get("_hwcheck_hung")
    if hung:
        raise _fail(
            f"{what}: not run again, because {hung} already exceeded its time "
            "limit in an earlier check (an endless loop?)"
        )
    try:
        with no_optlib():
            return fn(*args, **kwargs)
    except TimeLimitExceeded:
        with contextlib.suppress(AttributeError, TypeError):
            blamed.__dict__["_hwcheck_hung"] = what
        raise _fail(
            f"{what} did not finish within its time limit (an endless loop?); it was stopped"
        ) from None
    except BaseException as error:  # noqa: B036  (KeyboardInterrupt, SystemExit... cost a check)
        raise _fail(
            f"{what} raised {type(error).__name__}: {_short(error)}{_where(error)}"
        ) from None


def _syntax_error_for(name):
    """A description of the syntax error in the notebook cell meant to define `name`, if any."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except Exception:  # noqa: BLE001  (no IPython: nothing to look at)
        return None
    history = (shell.user_ns.get("In") or []) if shell is not None else []
    for source in reversed(history):
        if not isinstance(source, str) or name not in source:
            continue
        if f"def {name}" not in source and f"class {name}" not in source:
            continue
        try:
            compile(source, "<cell>", "exec")
        except SyntaxError as error:
            line = (error.text or "").strip()
            return f"line {error.lineno}: {error.msg}" + (f": {_short(line, 80)}" if line else "")
        return None
    return None


def need(value, name):
    """Fail with a hint when a name the test needs is missing from the notebook, or is
    optlib's code rather than the student's."""
    if value is None:
        syntax = _syntax_error_for(name)
        if syntax:
            raise _fail(
                f"`{name}` is not defined: the cell that defines it has a syntax "
                f"error ({syntax}); fix it, run the cell, then run this check again"
            )
        raise _fail(
            f"`{name}` is not defined: run the cell that defines it (and fix any error it "
            "shows), then run this check again"
        )
    refuse_optlib(value, name)


# --- formatting and comparing -------------------------------------------------


def fmt(x):
    """A short, stable text for a number or an array: [1, 1.666666667, 2.428571429]."""
    if isinstance(x, np.ndarray | list | tuple) and not hasattr(x, "_fields"):
        try:
            arr = _np.asarray(x, dtype=float)
        except (TypeError, ValueError):
            return _short(repr(x), 120)
        if arr.size > 12:
            flat = arr.ravel()
            head = ", ".join(_num(v) for v in flat[:3])
            tail = ", ".join(_num(v) for v in flat[-2:])
            return f"<array of shape {arr.shape}: {head}, ..., {tail}>"
        return _nested(arr)
    if isinstance(x, float | np.floating):
        return _num(x)
    return _short(repr(x), 120)


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
        raise _fail(f"{what}: expected a number or an array, got {value!r} ({where})")
    try:
        return _np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise _fail(
            f"{what}: expected a number or an array, got {type(value).__name__} "
            f"{fmt(value)} ({where})"
        ) from None


def _relative(got, expected):
    scale = abs(float(expected))
    if scale == 0:
        return f"absolute difference {abs(float(got)):.2g}"
    return f"relative difference {abs(float(got) - float(expected)) / scale:.2g}"


def check_close(got, expected, what, where, rtol=1e-9, atol=1e-12):
    """Same shape and the same values (to rtol/atol); NaN never matches."""
    _numpy_intact()
    expected = _np.asarray(expected, dtype=float)
    got = as_array(got, what, where)
    if got.shape != expected.shape:
        raise _fail(
            f"{what}: expected shape {expected.shape}, got shape {got.shape} ({where}); "
            f"expected {fmt(expected)}, got {fmt(got)}"
        )
    ok = _np.isclose(got, expected, rtol=rtol, atol=atol)
    if not bool(_np.all(ok)):
        i = tuple(int(j) for j in _np.argwhere(~ok)[0]) if got.ndim > 0 else ()
        detail = _relative(got[i], expected[i])
        if got.ndim > 0:
            detail = (
                f"first difference at index {i}: expected {fmt(expected[i])}, "
                f"got {fmt(got[i])}, {detail}"
            )
        raise _fail(f"{what}: expected {fmt(expected)}, got {fmt(got)} ({where}); {detail}")


# --- optimizers ---------------------------------------------------------------


def _unpack(out, what):
    if not (isinstance(out, tuple) and len(out) == 2):
        hint = " (is the `...` still there?)" if out is None or out is Ellipsis else ""
        raise _fail(
            f"{what} must return a pair (delta, new_state), got {type(out).__name__} "
            f"{fmt(out)}{hint}"
        )
    return out


def pair(out, what):
    """out as a pair (a, b); fail with a readable message otherwise."""
    if not (isinstance(out, tuple) and len(out) == 2):
        hint = " (is the `...` still there?)" if out is None or out is Ellipsis else ""
        raise _fail(f"{what} must return a pair, got {type(out).__name__} {fmt(out)}{hint}")
    return out


def entries(out, names, what):
    """out as a dict with the given keys, each a dict; fail with a readable message otherwise."""
    if not (
        isinstance(out, dict)
        and sorted(out) == sorted(names)
        and all(isinstance(v, dict) for v in out.values())
    ):
        hint = " (is the `...` still there?)" if out is None or out is Ellipsis else ""
        raise _fail(
            f"{what} must return a dict with the keys {sorted(names)}, each a dict, "
            f"got {type(out).__name__} {fmt(out)}{hint}"
        )
    return out


def _state_field(state, name, what):
    if not hasattr(state, name):
        raise _fail(
            f"{what}: the new state has no field `{name}`; return the state NamedTuple "
            f"given in the notebook, got {fmt(state)}"
        )
    return getattr(state, name)


def build(cls, kwargs, name, student=True):
    """cls(**kwargs) with a readable failure; a student's class must not be optlib's."""
    if student:
        need(cls, name)
    label = f"{name}({kwargs_text(kwargs)})"
    return call(cls, what=label, **kwargs), label


def _grads_and_w0(grads, w0):
    grads = _np.asarray(grads)
    if not (_np.issubdtype(grads.dtype, _np.integer) or _np.issubdtype(grads.dtype, _np.floating)):
        grads = _np.asarray(grads, dtype=float)
    w0 = _np.zeros_like(grads[0]) if w0 is None else _np.asarray(w0)
    return grads, w0


def check_optimizer(
    cls,
    kwargs,
    reference,
    grads,
    *,
    w0=None,
    fields=(),
    name=None,
    rtol=1e-9,
    atol=1e-12,
    seconds=SECONDS,
    student=True,
):
    """Run cls(**kwargs) and `reference` side by side on a gradient sequence.

    At every step k the student's Δw, the step count `t` of the new state and
    the state fields named in `fields` must match the reference optimizer's.
    Integer gradients are passed on as integers (the reference gets floats).
    `student=False` for a driver that is not the student's (e.g. optlib.GD with a
    student's schedule).
    """
    name = name or getattr(cls, "__name__", "optimizer")
    grads, w0 = _grads_and_w0(grads, w0)
    with time_limit(seconds, name):
        opt, label = build(cls, kwargs, name, student)
        state = call(opt.init, w0.copy(), what=f"{label}.init(w)")
        ref_state = reference.init(_np.asarray(w0, dtype=float))
        for k, g in enumerate(grads, start=1):
            what = f"{label}.update(g, state) at step {k}"
            out = call(opt.update, g.copy(), state, what=what)
            delta, new_state = _unpack(out, what)
            ref_delta, ref_state = reference.update(_np.asarray(g, dtype=float), ref_state)
            where = f"{label}, step {k}, g = {fmt(g)}"
            check_close(delta, ref_delta, "Δw", where, rtol, atol)
            if type(new_state) is not type(state):
                raise _fail(
                    f"{what}: the new state must be a {type(state).__name__} like the one "
                    f"init returns, got {type(new_state).__name__} {fmt(new_state)}"
                )
            t = _state_field(new_state, "t", what)
            if t != k:
                raise _fail(
                    f"new_state.t: expected {k} after {k} update(s), got {fmt(t)} ({where})"
                )
            for field in fields:
                check_close(
                    _state_field(new_state, field, what),
                    getattr(ref_state, field),
                    f"new_state.{field}",
                    where,
                    rtol,
                    atol,
                )
            state = new_state


def _snapshot(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, tuple):
        return (
            type(value)(*[_snapshot(v) for v in value])
            if hasattr(value, "_fields")
            else tuple(_snapshot(v) for v in value)
        )
    return value


def _same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        try:
            return bool(_np.array_equal(_np.asarray(a), _np.asarray(b), equal_nan=True))
        except TypeError:
            return bool(_np.array_equal(_np.asarray(a), _np.asarray(b)))
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def check_pure(
    cls, kwargs, grads, reference, *, w0=None, name=None, rtol=1e-9, atol=1e-12, seconds=SECONDS
):
    """update(g, state) must give the reference's Δw, must not change g or state, and must
    be repeatable.

    Takes len(grads) − 1 steps, then calls update twice with the same (g, state).
    """
    name = name or getattr(cls, "__name__", "optimizer")
    grads, w0 = _grads_and_w0(grads, w0)
    with time_limit(seconds, name):
        opt, label = build(cls, kwargs, name)
        state = call(opt.init, w0.copy(), what=f"{label}.init(w)")
        ref_state = reference.init(_np.asarray(w0, dtype=float))
        for k, g in enumerate(grads, start=1):
            what = f"{label}.update(g, state) at step {k}"
            g = g.copy()
            g_before, state_before = g.copy(), _snapshot(state)
            first = _unpack(call(opt.update, g, state, what=what), what)
            delta = as_array(first[0], "Δw", what)
            if delta.shape != g.shape:
                raise _fail(
                    f"Δw: expected shape {g.shape} (the shape of g), got shape {delta.shape} "
                    f"({what}, g = {fmt(g)})"
                )
            if not _np.array_equal(g, g_before):
                raise _fail(
                    f"{what} changed its input g from {fmt(g_before)} to {fmt(g)}; "
                    "update must not modify its arguments"
                )
            if not _same(state, state_before):
                raise _fail(
                    f"{what} changed its input state from {fmt(state_before)} to "
                    f"{fmt(state)}; update must not modify its arguments (build new arrays "
                    "instead of using +=, *= or out=)"
                )
            ref_delta, ref_state = reference.update(_np.asarray(g, dtype=float), ref_state)
            check_close(delta, ref_delta, "Δw", f"{label}, step {k}, g = {fmt(g)}", rtol, atol)
            if k == len(grads):
                second = _unpack(call(opt.update, g, state, what=what + " (called again)"), what)
                if not _same(first[0], second[0]):
                    raise _fail(
                        f"{label}: calling update twice with the same (g, state) gave "
                        f"Δw = {fmt(first[0])}, then {fmt(second[0])}; the same inputs "
                        "must give the same outputs"
                    )
            state = first[1]


# --- functions of arrays ------------------------------------------------------


def check_function(
    fn,
    args,
    expected,
    *,
    name,
    arg_text=None,
    result="the result",
    rtol=1e-9,
    atol=1e-12,
    seconds=SECONDS,
    student=True,
):
    """fn(*args) must equal `expected` (same shape) and must not modify its arguments."""
    if student:
        need(fn, name)
    label = f"{name}({arg_text if arg_text is not None else ', '.join(fmt(a) for a in args)})"
    before = [_snapshot(a) for a in args]
    with time_limit(seconds, name):
        got = call(fn, *args, what=label)
    for a, b in zip(args, before, strict=True):
        if not _same(a, b):
            raise _fail(f"{label} changed its input {fmt(b)} to {fmt(a)}")
    check_close(got, expected, result, label, rtol, atol)
    return got


# --- mini-batches -------------------------------------------------------------


def collect_batches(minibatches, n_rows, batch_size, rng, label, seconds=SECONDS):
    """list(minibatches(n_rows, batch_size, rng)) as a list of int arrays."""
    need(minibatches, "minibatches")
    with time_limit(seconds, label):
        out = call(minibatches, n_rows, batch_size, rng, what=label)
        if out is None or out is Ellipsis:
            raise _fail(
                f"{label} returned {out!r}; it must return or yield the batches "
                "(is the `...` still there?)"
            )
        batches = call(list, out, what=f"iterating over {label}", owner=minibatches)
    result = []
    for i, b in enumerate(batches):
        arr = _np.asarray(b)
        if arr.ndim != 1 or not (arr.size == 0 or _np.issubdtype(arr.dtype, _np.integer)):
            raise _fail(
                f"{label}: batch {i} should be a 1-D array of integer row indices, got "
                f"{type(b).__name__} with dtype {arr.dtype} and shape {arr.shape}"
            )
        result.append(arr)
    return result


def check_batches(minibatches, n_rows, batch_size, seed=0):
    """One epoch: ⌈n/b⌉ batches of b rows (the last may be smaller), every row once, shuffled."""
    label = f"minibatches({n_rows}, {batch_size}, np.random.default_rng({seed}))"
    batches = collect_batches(minibatches, n_rows, batch_size, np.random.default_rng(seed), label)
    sizes = [len(b) for b in batches]
    full, rest = divmod(n_rows, batch_size)
    expected = [batch_size] * full + ([rest] if rest else [])
    if sizes != expected:
        raise _fail(
            f"{label}: expected {len(expected)} batches of sizes {expected}, "
            f"got {len(sizes)} batches of sizes {sizes}"
        )
    rows = _np.concatenate(batches) if batches else _np.asarray([], dtype=int)
    if not _np.array_equal(_np.sort(rows), _np.arange(n_rows)):
        missing = sorted(set(range(n_rows)) - set(rows.tolist()))[:5]
        values, counts = _np.unique(rows, return_counts=True)
        twice = values[counts > 1][:5].tolist()
        raise _fail(
            f"{label}: every row 0..{n_rows - 1} must appear exactly once per epoch; "
            f"missing rows {missing}, repeated rows {twice}"
        )
    if n_rows >= 8 and _np.array_equal(rows, _np.arange(n_rows)):
        raise _fail(
            f"{label}: the rows come in their original order 0, 1, 2, ...; "
            "shuffle them once per epoch with the rng you were given"
        )
    return batches
