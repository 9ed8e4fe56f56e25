"""Generate float32 torch.optim trajectories, to check optlib's float32 path.

What it does
    For each configuration in CONFIGS it runs one torch.optim optimizer in
    float32 (torch's default dtype) for STEPS updates on the objective of
    `objective.py` and records the float32 parameter trajectory. The gradient
    fed to torch is the numpy gradient of `objective.py`, evaluated at the
    float32 parameters and rounded to float32; `tests/test_torch_float32.py`
    feeds optlib the same float32 gradient, so both sides see identical
    inputs and differ only in how each rounds its own float32 arithmetic.
    Single-tensor code path (foreach=False etc.), no weight decay.

Output (small)
    torch_float32.npz   `meta` (JSON string: torch version, steps, configs)
                        and `traj__<id>` of shape (STEPS + 1, 6), float32

How to run (from the repository root; needs torch and numpy)
    python tests/reference/make_torch_float32_reference.py
"""

import inspect
import json
import sys
from pathlib import Path

import numpy as np
import torch

torch.set_default_dtype(torch.float32)

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import objective  # noqa: E402  (the sibling module, numpy only)

STEPS = 100
NPZ = HERE / "torch_float32.npz"
FLAGS = {"foreach": False, "fused": False, "capturable": False, "differentiable": False}

# id, torch class and kwargs, optlib class and kwargs
CONFIGS = [
    ("sgd", "SGD", {"lr": 0.1}, "GD", {"lr": 0.1}),
    (
        "sgd_momentum",
        "SGD",
        {"lr": 0.05, "momentum": 0.9},
        "Momentum",
        {"lr": 0.05, "momentum": 0.9, "form": "buffer"},
    ),
    (
        "sgd_nesterov",
        "SGD",
        {"lr": 0.05, "momentum": 0.9, "nesterov": True},
        "Nesterov",
        {"lr": 0.05, "momentum": 0.9},
    ),
    (
        "rprop",
        "Rprop",
        {"lr": 0.1, "etas": (0.5, 1.2), "step_sizes": (1e-6, 50.0)},
        "IRpropMinus",
        {"lr": 0.1, "eta_minus": 0.5, "eta_plus": 1.2, "step_min": 1e-6, "step_max": 50.0},
    ),
    ("adagrad", "Adagrad", {"lr": 0.5}, "Adagrad", {"lr": 0.5}),
    ("rmsprop", "RMSprop", {"lr": 0.01, "alpha": 0.9}, "RMSprop", {"lr": 0.01, "rho": 0.9}),
    (
        "rmsprop_centered",
        "RMSprop",
        {"lr": 0.01, "alpha": 0.9, "centered": True, "eps": 1e-4},
        "RMSprop",
        {"lr": 0.01, "rho": 0.9, "centered": True, "eps": 1e-4},
    ),
    (
        "adadelta",
        "Adadelta",
        {"lr": 1.0, "rho": 0.9, "eps": 1e-3},
        "Adadelta",
        {"lr": 1.0, "rho": 0.9, "eps": 1e-3},
    ),
    ("adam", "Adam", {"lr": 0.05}, "Adam", {"lr": 0.05}),
    ("adam_amsgrad", "Adam", {"lr": 0.05, "amsgrad": True}, "AMSGrad", {"lr": 0.05}),
    ("adamax", "Adamax", {"lr": 0.05}, "AdaMax", {"lr": 0.05}),
    ("nadam", "NAdam", {"lr": 0.05}, "Nadam", {"lr": 0.05}),
]


def trajectory(torch_class, kwargs):
    w = torch.tensor(objective.W0, dtype=torch.float32)
    param = torch.nn.Parameter(w.clone())
    cls = getattr(torch.optim, torch_class)
    accepted = inspect.signature(cls.__init__).parameters
    opt = cls([param], **kwargs, **{k: v for k, v in FLAGS.items() if k in accepted})
    out = [param.detach().numpy().copy()]
    for _ in range(STEPS):
        g = objective.grad(param.detach().numpy()).astype(np.float32)
        param.grad = torch.from_numpy(g)
        opt.step()
        out.append(param.detach().numpy().copy())
    traj = np.array(out)
    assert traj.dtype == np.float32 and np.all(np.isfinite(traj))
    return traj


def main():
    meta = {
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "dtype": "float32",
        "steps": STEPS,
        "configs": [
            {"id": i, "torch": {"class": tc, "kwargs": tk}, "optlib": {"class": oc, "kwargs": ok}}
            for i, tc, tk, oc, ok in CONFIGS
        ],
    }
    arrays = {f"traj__{i}": trajectory(tc, tk) for i, tc, tk, _, _ in CONFIGS}
    np.savez_compressed(NPZ, meta=np.array(json.dumps(meta)), **arrays)
    print(f"wrote {NPZ} ({NPZ.stat().st_size} bytes), torch {torch.__version__}")


if __name__ == "__main__":
    main()
