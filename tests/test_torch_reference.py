"""optlib against torch.optim: replay stored float64 torch trajectories with numpy only.

`tests/reference/torch_trajectories.npz` was made once by
`tests/reference/make_torch_reference.py` (torch 2.13, float64, single-tensor
path; see its docstring). Each configuration names a torch optimizer and the
optlib optimizer that must reproduce its 250-step trajectory on the objective
of `tests/reference/objective.py` to rtol 1e-12 (the optimizer contract in
`book/architecture.md`; provenance in `tests/reference/README.md`). No torch is
needed here.

Run as a script to print the largest relative error per configuration:
    PYTHONPATH=. .venv/bin/python tests/test_torch_reference.py
"""

import dataclasses
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

import optlib

REFERENCE = Path(__file__).resolve().parent / "reference"
RTOL, ATOL = 1e-12, 1e-14


def _load_objective():
    """tests/reference/objective.py, loaded by path (tests/ is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "optlib_torch_reference_objective", REFERENCE / "objective.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


objective = _load_objective()

with np.load(REFERENCE / "torch_trajectories.npz") as _data:
    META = json.loads(str(_data["meta"]))
    TRAJECTORIES = {key: _data[key] for key in _data.files if key.startswith("traj__")}

CONFIGS = {config["id"]: config for config in META["configs"]}

# (config, optlib entry) pairs, split by what the stored metadata expects.
MATCHES = [(c, o) for c in META["configs"] for o in c["optlib"] if o["expect"] == "match"]
DIFFERS = [(c, o) for c in META["configs"] for o in c["optlib"] if o["expect"] == "differ"]


def _pair_id(pair):
    config, entry = pair
    return f"{config['id']}-{entry['label']}"


def build_lr(value):
    """A stored learning rate: a number or a schedule description."""
    if isinstance(value, dict):
        if value["schedule"] != "time_decay":
            raise ValueError(f"unknown schedule {value!r}")
        return optlib.time_decay(value["lr"], value["decay"])
    return value


def build_optimizer(entry):
    """The optlib optimizer described by a stored entry ({"class", "kwargs"})."""
    kwargs = dict(entry["kwargs"])
    if "lr" in kwargs:
        kwargs["lr"] = build_lr(kwargs["lr"])
    return getattr(optlib, entry["class"])(**kwargs)


def run_optlib(opt, w0, steps):
    """optlib's trajectory (steps + 1, D) on the shared numpy objective."""
    w = np.array(w0, dtype=float)
    state = opt.init(w)
    traj = [w]
    for _ in range(steps):
        delta, state = opt.update(objective.grad(w), state)
        w = w + delta
        traj.append(w)
    return np.array(traj)


def torch_trajectory(config):
    return TRAJECTORIES[f"traj__{config['id']}"]


def max_relative_error(ours, theirs):
    """max |ours − theirs| / max(|theirs|, atol/rtol): the quantity rtol bounds."""
    scale = np.maximum(np.abs(theirs), ATOL / RTOL)
    return float(np.max(np.abs(ours - theirs) / scale))


def replay(config, entry):
    opt = build_optimizer(entry)
    return run_optlib(opt, config["w0"], config["steps"])


# --------------------------------------------------------------------------- the data


def test_reference_data_is_complete_and_consistent():
    """The npz metadata, the human-readable JSON and the objective agree."""
    on_disk = json.loads((REFERENCE / "torch_trajectories.json").read_text())
    assert on_disk == META
    assert META["dtype"] == "float64"
    assert META["torch_version"].startswith("2.13")
    assert META["objective_constants"] == {
        "A": objective.A.tolist(),
        "C": objective.C.tolist(),
        "K": objective.K,
        "W0": objective.W0.tolist(),
    }
    assert (REFERENCE / "torch_trajectories.npz").stat().st_size < 1_000_000
    assert set(TRAJECTORIES) == {f"traj__{c}" for c in CONFIGS}
    for config in META["configs"]:
        traj = torch_trajectory(config)
        assert traj.shape == (config["steps"] + 1, objective.D) == (251, 6)
        assert traj.dtype == np.float64
        np.testing.assert_array_equal(traj[0], config["w0"])
        # every run makes visible progress and none is chaotic:
        # a 1e-12 relative change of w0 stayed a change of the same size
        assert config["final_loss"] < 0.6 * config["initial_loss"], config["id"]
        assert config["sensitivity"] < 10, config["id"]
        assert config["autograd_max_abs_diff"] < 1e-12, config["id"]


def test_every_optlib_class_is_covered():
    covered = {o["class"] for c in META["configs"] for o in c["optlib"]}
    assert covered >= {
        "GD",
        "Momentum",
        "Nesterov",
        "IRpropMinus",
        "Adagrad",
        "RMSprop",
        "Adadelta",
        "Adam",
        "AMSGrad",
        "AdaMax",
        "Nadam",
    }


def test_rprop_step_max_really_clips():
    """One Rprop configuration must exercise the Δ_max clip (torch's step_sizes[1])."""
    config = CONFIGS["rprop_step_max_clips"]
    step_max = config["torch"]["kwargs"]["step_sizes"][1]
    assert config["rprop_largest_step_size"] == step_max
    assert config["optlib"][0]["kwargs"]["step_max"] == step_max
    assert CONFIGS["rprop"]["rprop_largest_step_size"] < 50.0


def test_objective_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    for _ in range(5):
        w = objective.W0 + rng.normal(size=objective.D)
        h = 1e-6
        numeric = np.array(
            [
                (objective.loss(w + h * e) - objective.loss(w - h * e)) / (2 * h)
                for e in np.eye(objective.D)
            ]
        )
        np.testing.assert_allclose(objective.grad(w), numeric, rtol=1e-7, atol=1e-9)
    assert np.all(objective.grad(objective.W0 + rng.normal(size=(10, 6)))[..., -1] == 0)


# --------------------------------------------------------------------------- the comparison


@pytest.mark.parametrize("config,entry", MATCHES, ids=[_pair_id(p) for p in MATCHES])
def test_optlib_matches_torch(config, entry):
    theirs = torch_trajectory(config)
    ours = replay(config, entry)
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("config,entry", MATCHES, ids=[_pair_id(p) for p in MATCHES])
def test_zero_gradient_coordinate_never_moves(config, entry):
    """A coordinate whose gradient is always 0 never moves: 0/ε = 0, no Rprop step, no drift."""
    w0_last = config["w0"][-1]
    assert np.all(torch_trajectory(config)[:, -1] == w0_last)
    assert np.all(replay(config, entry)[:, -1] == w0_last)


@pytest.mark.parametrize("config,entry", DIFFERS, ids=[_pair_id(p) for p in DIFFERS])
def test_documented_convention_difference(config, entry):
    """Momentum velocity form under a schedule is NOT torch (see book/notation.md).

    torch multiplies the whole buffer by the current η_t (optlib form="buffer",
    which must match, see test_optlib_matches_torch); the lecture/Keras velocity
    keeps the old learning rates baked into v.
    """
    assert entry["class"] == "Momentum" and entry["kwargs"]["form"] == "velocity"
    assert isinstance(entry["kwargs"]["lr"], dict)  # only under a schedule
    buffer_entry = dict(entry, kwargs=dict(entry["kwargs"], form="buffer"))
    matches = [o["kwargs"] for o in config["optlib"] if o["expect"] == "match"]
    assert buffer_entry["kwargs"] in matches  # the same run is checked to match in buffer form
    theirs = torch_trajectory(config)
    assert max_relative_error(replay(config, entry), theirs) > 1e-6
    assert max_relative_error(replay(config, buffer_entry), theirs) < RTOL


def test_momentum_velocity_form_matches_at_constant_lr():
    """The same velocity form does match torch while η is constant (v = −η b)."""
    config = CONFIGS["sgd_momentum"]
    (entry,) = [o for o in config["optlib"] if o["kwargs"]["form"] == "velocity"]
    assert entry["expect"] == "match"
    np.testing.assert_allclose(
        replay(config, entry), torch_trajectory(config), rtol=RTOL, atol=ATOL
    )


# --------------------------------------------------------------------------- the test can fail


def _perturbed(config_id, **changes):
    config = CONFIGS[config_id]
    (entry,) = [o for o in config["optlib"] if o["expect"] == "match"]
    opt = dataclasses.replace(build_optimizer(entry), **changes)
    return config, run_optlib(opt, config["w0"], config["steps"])


@pytest.mark.parametrize(
    "config_id,changes",
    [
        ("adam", {"eps": 1e-7}),  # ε × 10
        ("adam", {"b2": 0.998}),
        ("adam_amsgrad", {"bias_correction": False}),
        ("nadam", {"momentum_decay": None}),
        ("adagrad_lr_decay_init_acc", {"initial_accumulator": 0.0}),
        ("rmsprop", {"eps_inside_sqrt": True}),
        ("rprop_step_max_clips", {"step_max": 0.25}),
    ],
    ids=lambda v: v if isinstance(v, str) else "-".join(f"{k}={x}" for k, x in v.items()),
)
def test_comparison_detects_a_wrong_hyperparameter(config_id, changes):
    """Meta check: one changed hyperparameter must break the rtol-1e-12 agreement."""
    config, ours = _perturbed(config_id, **changes)
    theirs = torch_trajectory(config)
    assert not np.allclose(ours, theirs, rtol=RTOL, atol=ATOL)
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=ATOL)


def main():
    """Print the largest relative error of every configuration."""
    print(f"torch {META['torch_version']}, {META['steps']} steps, rtol {RTOL:g}, atol {ATOL:g}")
    for config in META["configs"]:
        theirs = torch_trajectory(config)
        for entry in config["optlib"]:
            err = max_relative_error(replay(config, entry), theirs)
            abs_err = float(np.max(np.abs(replay(config, entry) - theirs)))
            print(
                f"{_pair_id((config, entry)):45s} expect {entry['expect']:6s} "
                f"max rel err {err:.2e}  max abs err {abs_err:.2e}"
            )


if __name__ == "__main__":
    main()
