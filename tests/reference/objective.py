"""The test objective shared by `make_torch_reference.py` and `tests/test_torch_reference.py`.

Pure numpy, importable without torch. In D = 6 dimensions:

    f(w) = Σ_{i<5} [ A_i · log cosh(w_i − C_i) + K · (w_i − C_i)^4 / 4 ]

The sixth coordinate does not appear in f, so its gradient is identically 0
(optimizers must leave it where it started: no 0/ε surprises).

Each term is convex, smooth and non-quadratic (log cosh is quadratic near C_i
and linear far away; the quartic term adds curvature far away). The curvature
at the minimum is A_i ∈ [0.6, 1.5], so the problem is well conditioned and the
trajectories are not chaotic: a 1e-16 change of w stays a ~1e-16 change.

    ∂f/∂w_i = A_i · tanh(w_i − C_i) + K · (w_i − C_i)^3      (i < 5),   0 for i = 5
"""

import numpy as np

D = 6
ACTIVE = 5  # coordinates 0..4 enter f; coordinate 5 has gradient 0
A = np.array([1.0, 0.6, 1.5, 0.8, 1.2])
C = np.array([0.5, -1.0, 1.5, -0.3, 0.8])
K = 0.1
W0 = np.array([2.5, -2.5, 2.5, -2.8, 1.5, 0.3])  # C + (2, -1.5, 1, -2.5, 0.7), then 0.3


def loss(w):
    """f(w) for w of shape (..., 6)."""
    x = np.asarray(w, dtype=float)[..., :ACTIVE] - C
    return np.sum(A * np.log(np.cosh(x)) + K * x**4 / 4, axis=-1)


def grad(w):
    """∇f(w), same shape as w; the last entry is always exactly 0."""
    w = np.asarray(w, dtype=float)
    x = w[..., :ACTIVE] - C
    g = np.zeros_like(w)
    g[..., :ACTIVE] = A * np.tanh(x) + K * x**3
    return g
