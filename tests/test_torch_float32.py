"""optlib in float32 against torch.optim in float32 (stored trajectories, no torch needed).

`tests/reference/torch_float32.npz` was made by
`tests/reference/make_torch_float32_reference.py` (its docstring says how).
Both sides are fed the same float32 gradients, so they differ only in the
rounding of their float32 arithmetic: optlib must stay float32 all the way
and agree with torch to float32 precision. The tolerance, 1e-5 of the
trajectory's scale (about 100 float32 units in the last place), was set from
the measured spread: optlib float32 vs torch float32 and vs optlib float64
stay below 4e-6 of the scale on every configuration (Rprop the largest).
"""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

import optlib

REFERENCE = Path(__file__).resolve().parent / "reference"
TOLERANCE = 1e-5  # of max |w|, see the module docstring


def _load_objective():
    path = REFERENCE / "objective.py"
    spec = importlib.util.spec_from_file_location("optlib_float32_objective", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


objective = _load_objective()

with np.load(REFERENCE / "torch_float32.npz") as _data:
    META = json.loads(str(_data["meta"]))
    TRAJECTORIES = {key: _data[key] for key in _data.files if key.startswith("traj__")}
CONFIGS = META["configs"]


def replay(config, dtype):
    opt = getattr(optlib, config["optlib"]["class"])(**config["optlib"]["kwargs"])
    w = objective.W0.astype(dtype)
    state = opt.init(w)
    out = [w]
    for _ in range(META["steps"]):
        g = objective.grad(w).astype(dtype)
        delta, state = opt.update(g, state)
        assert delta.dtype == dtype
        w = w + delta
        out.append(w)
    return np.array(out)


def test_reference_data():
    assert META["dtype"] == "float32"
    assert {c["optlib"]["class"] for c in CONFIGS} >= {
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
    for traj in TRAJECTORIES.values():
        assert traj.dtype == np.float32 and traj.shape == (META["steps"] + 1, objective.D)


@pytest.mark.parametrize("config", CONFIGS, ids=[c["id"] for c in CONFIGS])
def test_float32_matches_torch_float32(config):
    theirs = TRAJECTORIES[f"traj__{config['id']}"]
    ours = replay(config, np.float32)
    assert ours.dtype == np.float32
    scale = np.max(np.abs(theirs))
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=TOLERANCE * scale)
    assert np.all(ours[:, -1] == theirs[0, -1])  # the zero-gradient coordinate never moves


@pytest.mark.parametrize("config", CONFIGS, ids=[c["id"] for c in CONFIGS])
def test_float32_matches_float64(config):
    ours64 = replay(config, np.float64)
    ours32 = replay(config, np.float32)
    scale = np.max(np.abs(ours64))
    np.testing.assert_allclose(ours32, ours64, rtol=0, atol=TOLERANCE * scale)


def test_the_tolerance_catches_a_float32_sized_hyperparameter_error():
    """Meta check: Adam with lr off by 0.1 % must fail the float32 comparison."""
    (config,) = [c for c in CONFIGS if c["id"] == "adam"]
    wrong = dict(config, optlib=dict(config["optlib"], kwargs={"lr": 0.05 * (1 + 1e-3)}))
    ours = replay(wrong, np.float32)
    theirs = TRAJECTORIES["traj__adam"]
    assert np.max(np.abs(ours - theirs)) > TOLERANCE * np.max(np.abs(theirs))


def main():
    """Print the measured spread per configuration (relative to max |w|)."""
    for config in CONFIGS:
        theirs = TRAJECTORIES[f"traj__{config['id']}"].astype(float)
        ours32, ours64 = replay(config, np.float32), replay(config, np.float64)
        scale = np.max(np.abs(theirs))
        print(
            f"{config['id']:18s} vs torch f32 {np.max(np.abs(ours32 - theirs)) / scale:.1e}"
            f"   vs optlib f64 {np.max(np.abs(ours32 - ours64)) / scale:.1e}"
            f"   torch f32 vs optlib f64 {np.max(np.abs(theirs - ours64)) / scale:.1e}"
        )


if __name__ == "__main__":
    main()
