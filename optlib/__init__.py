"""optlib: every optimizer of the lecture "Deep Learning — Optimization 2" in numpy.

    import optlib as ol
    opt = ol.Adam(lr=0.1)
    traj = ol.run(ol.problems.rosenbrock, opt, steps=500)

Each optimizer is a frozen dataclass of hyperparameters with two pure
methods, `init(w) -> state` and `update(g, state) -> (Δw, state)`.
`optlib.plotting` and `optlib.widgets` need matplotlib / ipywidgets and are
imported on first use.
"""

import importlib
import inspect
import textwrap

from . import problems, schedules
from .adam import Adam, AdaMax, AMSGrad, Nadam
from .adaptive import Adadelta, Adagrad, RMSprop
from .averaging import effective_window, ewma, ewma_weights
from .gd import GD, SGD, Momentum, Nesterov, SignGD
from .loop import fit, run, run_nesterov_lookahead, run_online
from .rprop import IRpropMinus, Rprop
from .schedules import (
    constant,
    exponential_decay,
    inverse_sqrt,
    inverse_time,
    step_decay,
    time_decay,
)

__version__ = "0.1.0"

__all__ = [
    "GD",
    "SGD",
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
    "constant",
    "time_decay",
    "inverse_time",
    "step_decay",
    "exponential_decay",
    "inverse_sqrt",
    "ewma",
    "ewma_weights",
    "effective_window",
    "run",
    "run_nesterov_lookahead",
    "run_online",
    "fit",
    "problems",
    "schedules",
    "show_source",
]


def show_source(obj):
    """Print the source code of an optlib function, class or method.

    Chapters show the code they run this way instead of re-typing it, so the
    book can never drift from the library. For a method such as
    `ol.Adam.update`, the class line and the class docstring (the rule's
    math) are printed first, then the method with its comments.
    """
    source = textwrap.dedent(inspect.getsource(obj)).rstrip()
    owner = _owner_class(obj)
    if owner is not None and owner.__doc__:
        doc = textwrap.indent(f'"""{inspect.getdoc(owner)}\n"""', "    ")
        source = f"class {owner.__name__}:\n{doc}\n\n{textwrap.indent(source, '    ')}"
    print(source)


def _owner_class(obj):
    """The class that defines a method (None for functions and classes)."""
    parts = getattr(obj, "__qualname__", "").split(".")
    if len(parts) < 2 or "<locals>" in parts:
        return None
    owner = inspect.getmodule(obj)
    for name in parts[:-1]:
        owner = getattr(owner, name, None)
    return owner if isinstance(owner, type) else None


_LAZY = ("plotting", "widgets", "models", "datasets", "catalog")


def __getattr__(name):
    """Import the optional modules on first use (`ol.plotting.contour(...)`)."""
    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'optlib' has no attribute {name!r}")
