"""Generate the torch.optim reference trajectories that optlib is tested against.

What it does
    For every configuration in CONFIGS below it runs one torch.optim optimizer
    for STEPS = 250 steps on the objective of `objective.py` (6-D, smooth,
    non-quadratic, well conditioned, last coordinate with gradient ≡ 0) and
    records the parameter trajectory w_0 … w_250. It also records, for each
    configuration, which optlib optimizer (class name and keyword arguments)
    must reproduce that trajectory — or, for documented convention differences,
    must NOT reproduce it. `tests/test_torch_reference.py` replays the optlib
    side with numpy only; the normal test suite never needs torch.

    Settings that a 1e-12 cross-check needs (each one, left out, breaks the agreement):
    * `torch.set_default_dtype(torch.float64)` before anything else, so the
      optimizer scalars (`step`, NAdam's `mu_product`) are float64 too;
    * the single-tensor code path: `foreach=False`, and `fused=False`,
      `capturable=False`, `differentiable=False` where the constructor has them;
    * no weight decay, `maximize=False` (the defaults);
    * LR schedules through `LambdaLR`, with `sched.step()` after `opt.step()`.

    The gradient fed to torch is the analytic numpy gradient of `objective.py`
    (the very function the test uses), so the comparison tests the optimizers
    and nothing else. As a check of the formula, every gradient is compared
    with torch autograd of the same f (agreement is recorded in the metadata).

    Each trajectory is also re-run from a w_0 perturbed by 1e-12 (relative);
    the amplification max_t |Δw_t| / |Δw_0| is recorded as `sensitivity`.
    Values of order 1–10 mean the run is not chaotic, so comparing full
    trajectories at rtol 1e-12 is meaningful.

Output (keep < 1 MB)
    torch_trajectories.npz   `meta` (the JSON below, as a 0-d string array)
                             and `traj__<config id>` (shape (251, 6), float64)
    torch_trajectories.json  the same metadata, human readable

How to run (from the repository root; needs torch, numpy)
    python tests/reference/make_torch_reference.py    # in an environment with torch==2.13.0

Generated with torch 2.13.0+cpu, numpy 2.4.6, float64, CPU (single-tensor path).
Where every expected number in the tests comes from: tests/reference/README.md.
"""

import inspect
import json
import sys
from pathlib import Path

import numpy as np
import torch

torch.set_default_dtype(torch.float64)  # before any tensor or optimizer exists

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import objective  # noqa: E402  (the sibling module, numpy only)

STEPS = 250
NPZ = HERE / "torch_trajectories.npz"
JSON = HERE / "torch_trajectories.json"

# The learning-rate schedule used with LambdaLR (torch) and optlib.time_decay:
# η_t = η / (1 + d·k), k = t − 1 updates done (legacy Keras `decay`).
DECAY = 0.01


def _match(name, label=None, expect="match", note=None, **kwargs):
    """One optlib optimizer that is replayed against a torch trajectory."""
    entry = {"label": label or name, "class": name, "kwargs": kwargs, "expect": expect}
    if note:
        entry["note"] = note
    return entry


def _time_decay(lr, decay=DECAY):
    """The stored description of optlib.time_decay(lr, decay)."""
    return {"schedule": "time_decay", "lr": lr, "decay": decay}


# id: readable, used as the npz key and as the pytest id.
# torch: class name in torch.optim and its keyword arguments (hyperparameters only;
#        the single-tensor flags are added in `make_optimizer`).
# scheduler: None or the LambdaLR description.
# optlib: the optlib optimizers that must match (or, expect="differ", must not).
CONFIGS = [
    {
        "id": "sgd",
        "torch": {"class": "SGD", "kwargs": {"lr": 0.1}},
        "optlib": [_match("GD", lr=0.1)],
    },
    {
        "id": "sgd_momentum",
        "torch": {"class": "SGD", "kwargs": {"lr": 0.05, "momentum": 0.9}},
        "optlib": [
            _match("Momentum", "Momentum_buffer", lr=0.05, momentum=0.9, form="buffer"),
            _match(
                "Momentum",
                "Momentum_velocity",
                lr=0.05,
                momentum=0.9,
                form="velocity",
                note="velocity v = -lr*b equals the torch buffer form at constant lr",
            ),
        ],
    },
    {
        "id": "sgd_nesterov",
        "torch": {"class": "SGD", "kwargs": {"lr": 0.05, "momentum": 0.9, "nesterov": True}},
        "optlib": [_match("Nesterov", lr=0.05, momentum=0.9)],
    },
    {
        "id": "sgd_time_decay",
        "torch": {"class": "SGD", "kwargs": {"lr": 0.1}},
        "scheduler": {"class": "LambdaLR", "lr_lambda": "1 / (1 + decay * it)", "decay": DECAY},
        "optlib": [_match("GD", lr=_time_decay(0.1))],
    },
    {
        "id": "sgd_momentum_time_decay",
        "torch": {"class": "SGD", "kwargs": {"lr": 0.05, "momentum": 0.9}},
        "scheduler": {"class": "LambdaLR", "lr_lambda": "1 / (1 + decay * it)", "decay": DECAY},
        "optlib": [
            _match(
                "Momentum", "Momentum_buffer", lr=_time_decay(0.05), momentum=0.9, form="buffer"
            ),
            _match(
                "Momentum",
                "Momentum_velocity",
                expect="differ",
                note="documented convention difference (book/notation.md): under a "
                "schedule the velocity form keeps old learning rates baked into v, torch "
                "multiplies the whole buffer by the current lr",
                lr=_time_decay(0.05),
                momentum=0.9,
                form="velocity",
            ),
        ],
    },
    {
        "id": "rprop",
        "torch": {
            "class": "Rprop",
            "kwargs": {"lr": 0.1, "etas": [0.5, 1.2], "step_sizes": [1e-6, 50.0]},
        },
        "optlib": [
            _match("IRpropMinus", lr=0.1, eta_minus=0.5, eta_plus=1.2, step_min=1e-6, step_max=50.0)
        ],
    },
    {
        "id": "rprop_step_max_clips",
        "torch": {
            "class": "Rprop",
            "kwargs": {"lr": 0.05, "etas": [0.4, 1.5], "step_sizes": [1e-5, 0.2]},
        },
        "optlib": [
            _match("IRpropMinus", lr=0.05, eta_minus=0.4, eta_plus=1.5, step_min=1e-5, step_max=0.2)
        ],
    },
    {
        "id": "adagrad",
        "torch": {"class": "Adagrad", "kwargs": {"lr": 0.3}},
        "optlib": [_match("Adagrad", lr=0.3, eps=1e-10)],
    },
    {
        "id": "adagrad_lr_decay_init_acc",
        "torch": {
            "class": "Adagrad",
            "kwargs": {"lr": 0.5, "lr_decay": 0.01, "initial_accumulator_value": 0.1, "eps": 1e-10},
        },
        "optlib": [_match("Adagrad", lr=0.5, eps=1e-10, lr_decay=0.01, initial_accumulator=0.1)],
    },
    {
        "id": "rmsprop",
        "torch": {"class": "RMSprop", "kwargs": {"lr": 0.02, "alpha": 0.9, "eps": 1e-8}},
        "optlib": [_match("RMSprop", lr=0.02, rho=0.9, eps=1e-8)],
    },
    {
        "id": "rmsprop_centered",
        "torch": {
            "class": "RMSprop",
            "kwargs": {"lr": 0.01, "alpha": 0.9, "eps": 1e-8, "centered": True},
        },
        "optlib": [_match("RMSprop", lr=0.01, rho=0.9, eps=1e-8, centered=True)],
    },
    {
        "id": "adadelta",
        "torch": {"class": "Adadelta", "kwargs": {"lr": 1.0, "rho": 0.9, "eps": 1e-6}},
        "optlib": [_match("Adadelta", lr=1.0, rho=0.9, eps=1e-6)],
    },
    {
        "id": "adadelta_lr0.5",
        "torch": {"class": "Adadelta", "kwargs": {"lr": 0.5, "rho": 0.9, "eps": 1e-6}},
        "optlib": [_match("Adadelta", lr=0.5, rho=0.9, eps=1e-6)],
    },
    {
        "id": "adam",
        "torch": {"class": "Adam", "kwargs": {"lr": 0.05, "betas": [0.9, 0.999], "eps": 1e-8}},
        "optlib": [_match("Adam", lr=0.05, b1=0.9, b2=0.999, eps=1e-8)],
    },
    {
        "id": "adam_amsgrad",
        "torch": {
            "class": "Adam",
            "kwargs": {"lr": 0.05, "betas": [0.9, 0.999], "eps": 1e-8, "amsgrad": True},
        },
        "optlib": [_match("AMSGrad", lr=0.05, b1=0.9, b2=0.999, eps=1e-8, bias_correction=True)],
    },
    {
        "id": "adamax",
        "torch": {"class": "Adamax", "kwargs": {"lr": 0.05, "betas": [0.9, 0.999], "eps": 1e-8}},
        "optlib": [_match("AdaMax", lr=0.05, b1=0.9, b2=0.999, eps=1e-8)],
    },
    {
        "id": "nadam",
        "torch": {
            "class": "NAdam",
            "kwargs": {"lr": 0.05, "betas": [0.9, 0.999], "eps": 1e-8, "momentum_decay": 4e-3},
        },
        "optlib": [_match("Nadam", lr=0.05, b1=0.9, b2=0.999, eps=1e-8, momentum_decay=0.004)],
    },
    {
        "id": "nadam_constant_mu",
        "torch": {
            "class": "NAdam",
            "kwargs": {"lr": 0.05, "betas": [0.9, 0.999], "eps": 1e-8, "momentum_decay": 1e9},
        },
        "optlib": [
            _match(
                "Nadam",
                lr=0.05,
                b1=0.9,
                b2=0.999,
                eps=1e-8,
                momentum_decay=None,
                note="torch momentum_decay=1e9 underflows 0.96**(1e9 t) to 0, so mu_t = b1",
            )
        ],
    },
]

# optlib optimizers that no configuration above can check, and why. Read (without torch)
# by tests/test_repository.py: every exported optimizer is in CONFIGS or here.
NO_TORCH_COUNTERPART = {
    "Rprop": "torch.optim.Rprop is iRprop− (IRpropMinus); the lecture's Rprop− also steps "
    "after a sign flip, which no torch class does (checked by the hand vectors instead)",
    "SignGD": "torch.optim has no sign-GD; the rule is one line (Δw = −η sign g)",
}

SINGLE_TENSOR_FLAGS = {
    "foreach": False,
    "fused": False,
    "capturable": False,
    "differentiable": False,
}


def make_optimizer(config, param):
    """The torch optimizer (single-tensor path) and its LambdaLR scheduler, if any."""
    cls = getattr(torch.optim, config["torch"]["class"])
    kwargs = dict(config["torch"]["kwargs"])
    for key in ("betas", "etas", "step_sizes"):
        if key in kwargs:
            kwargs[key] = tuple(kwargs[key])
    accepted = inspect.signature(cls.__init__).parameters
    flags = {k: v for k, v in SINGLE_TENSOR_FLAGS.items() if k in accepted}
    opt = cls([param], **kwargs, **flags)
    sched = None
    if config.get("scheduler"):
        decay = config["scheduler"]["decay"]
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda it: 1 / (1 + decay * it))
    return opt, sched, flags


def torch_loss(w):
    """objective.loss written in torch ops, only to check the analytic gradient."""
    x = w[: objective.ACTIVE] - torch.from_numpy(objective.C)
    a = torch.from_numpy(objective.A)
    return torch.sum(a * torch.log(torch.cosh(x)) + objective.K * x**4 / 4)


def run_torch(config, w0):
    """Trajectory (STEPS + 1, D) of the torch optimizer from w0, plus autograd check."""
    param = torch.tensor(w0, requires_grad=True)
    opt, sched, flags = make_optimizer(config, param)
    traj = [param.detach().numpy().copy()]
    worst_grad_diff = 0.0
    largest_rprop_step = 0.0  # to show that step_max really clips in one config
    for _ in range(STEPS):
        opt.zero_grad()
        torch_loss(param).backward()
        g = objective.grad(param.detach().numpy())
        worst_grad_diff = max(worst_grad_diff, float(np.max(np.abs(param.grad.numpy() - g))))
        param.grad = torch.from_numpy(g.copy())  # the exact gradient the numpy test uses
        opt.step()
        if isinstance(opt, torch.optim.Rprop):
            step_size = opt.state[param]["step_size"]
            largest_rprop_step = max(largest_rprop_step, float(step_size.max()))
        if sched is not None:
            sched.step()
        traj.append(param.detach().numpy().copy())
    extra = {"autograd_max_abs_diff": worst_grad_diff}
    if isinstance(opt, torch.optim.Rprop):
        extra["rprop_largest_step_size"] = largest_rprop_step
    return np.array(traj), extra, flags


def main():
    arrays = {}
    meta_configs = []
    for config in CONFIGS:
        w0 = objective.W0.copy()
        traj, extra, flags = run_torch(config, w0)
        grad_diff = extra["autograd_max_abs_diff"]
        assert np.all(traj[:, -1] == w0[-1]), f"{config['id']}: zero-gradient coordinate moved"
        assert np.all(np.isfinite(traj)), config["id"]
        assert grad_diff < 1e-12, (config["id"], grad_diff)

        w0_perturbed = w0 * (1 + 1e-12)
        traj_perturbed, _, _ = run_torch(config, w0_perturbed)
        sensitivity = float(
            np.max(np.abs(traj_perturbed - traj)) / np.max(np.abs(w0_perturbed - w0))
        )
        final_loss = float(objective.loss(traj[-1]))
        arrays[f"traj__{config['id']}"] = traj
        entry = dict(config)
        entry["torch"] = dict(config["torch"], single_tensor_flags=flags)
        entry.setdefault("scheduler", None)
        entry.update(
            steps=STEPS,
            w0=w0.tolist(),
            initial_loss=float(objective.loss(w0)),
            final_loss=final_loss,
            final_w=traj[-1].tolist(),
            sensitivity=sensitivity,
            **extra,
        )
        meta_configs.append(entry)
        print(
            f"{config['id']:28s} loss {entry['initial_loss']:.4f} -> {final_loss:.3e}  "
            f"sensitivity {sensitivity:8.2f}  autograd diff {grad_diff:.1e}"
            + (
                f"  largest Rprop step {extra['rprop_largest_step_size']:g}"
                if "rprop_largest_step_size" in extra
                else ""
            )
        )

    meta = {
        "description": "torch.optim reference trajectories for optlib; see make_torch_reference.py",
        "generator": "tests/reference/make_torch_reference.py",
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "dtype": "float64",
        "steps": STEPS,
        "objective": "tests/reference/objective.py",
        "objective_formula": "f(w) = sum_{i<5} A_i log cosh(w_i - C_i) + K (w_i - C_i)^4 / 4; "
        "w_5 does not enter f",
        "objective_constants": {
            "A": objective.A.tolist(),
            "C": objective.C.tolist(),
            "K": objective.K,
            "W0": objective.W0.tolist(),
        },
        "configs": meta_configs,
    }
    text = json.dumps(meta, indent=1)
    np.savez_compressed(NPZ, meta=np.array(text), **arrays)
    JSON.write_text(text + "\n")
    print(f"wrote {NPZ} ({NPZ.stat().st_size} bytes) and {JSON.name}")


if __name__ == "__main__":
    main()
