"""The optimizer contract (book/architecture.md), checked for every optimizer."""

import numpy as np
import pytest
from conftest import FACTORIES, IDS
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import optlib as ol

finite = st.floats(-1e3, 1e3, allow_nan=False)


def _read_only(value):
    if isinstance(value, np.ndarray):
        value = value.copy()
        value.flags.writeable = False
    return value


@pytest.mark.parametrize("make", FACTORIES, ids=IDS)
@settings(max_examples=25, deadline=None)
@given(grads=arrays(float, (4, 3), elements=finite))
def test_update_is_pure(make, grads):
    """Read-only inputs are accepted, never changed, and give the same output twice."""
    opt = make()
    state = opt.init(np.zeros(3))
    for g in grads:
        frozen_g = _read_only(g)
        frozen_state = type(state)(*(_read_only(v) for v in state))
        copies = [np.copy(v) for v in frozen_state]
        delta1, new1 = opt.update(frozen_g, frozen_state)
        delta2, new2 = opt.update(frozen_g, frozen_state)
        np.testing.assert_array_equal(delta1, delta2)
        for a, b in zip(new1, new2, strict=True):
            np.testing.assert_array_equal(a, b)
        for before, after in zip(copies, frozen_state, strict=True):
            np.testing.assert_array_equal(before, after)
        np.testing.assert_array_equal(frozen_g, g)
        assert new1.t == state.t + 1
        state = new1


@pytest.mark.parametrize("make", FACTORIES, ids=IDS)
def test_state_is_a_namedtuple_starting_with_t(make):
    state = make().init(np.ones(2))
    assert state._fields[0] == "t" and state.t == 0


@pytest.mark.parametrize("make", FACTORIES, ids=IDS)
def test_batched_run_equals_loop_of_single_runs(make):
    """A sweep over K learning rates in one run == K separate runs."""
    lrs = np.array([0.2, 0.5, 1.0, 2.0])[:, None] * make().lr
    x0 = np.array([-1.2, 1.0])
    batched = ol.run(ol.problems.rosenbrock, make(lr=lrs), x0, steps=60)
    assert batched.xs.shape == (61, 4, 2)
    for k, lr in enumerate(lrs[:, 0]):
        single = ol.run(ol.problems.rosenbrock, make(lr=float(lr)), x0, steps=60)
        np.testing.assert_allclose(batched.xs[:, k], single.xs, rtol=1e-13, atol=1e-300)
        assert batched.diverged_at[k] == single.diverged_at


@pytest.mark.parametrize("make", FACTORIES, ids=IDS)
def test_float_lr_equals_constant_schedule(make):
    lr = make().lr
    if isinstance(make(), ol.Rprop | ol.IRpropMinus):
        pytest.skip("Rprop's lr is the initial step size, not a schedule")
    plain = ol.run(ol.problems.beale, make(lr=lr), steps=50)
    scheduled = ol.run(ol.problems.beale, make(lr=ol.constant(lr)), steps=50)
    np.testing.assert_array_equal(plain.xs, scheduled.xs)


@pytest.mark.parametrize("make", FACTORIES, ids=IDS)
def test_converges_on_the_ravine(make):
    traj = ol.run(ol.problems.ravine(), make(), (-4.0, 2.0), steps=600)
    start, end = traj.losses[0], np.nanmin(traj.losses[-50:])
    assert not traj.diverged
    assert end < 1e-2 * start, f"loss went from {start:.3g} only to {end:.3g}"


@pytest.mark.parametrize("make", FACTORIES, ids=IDS)
def test_grad_shape_mismatch_is_a_clear_error(make):
    opt = make()
    state = opt.init(np.zeros(3))
    if len(state) == 1:
        pytest.skip("stateless rule: any broadcastable gradient is valid")
    with pytest.raises(ValueError, match=r"grad has shape \(2,\).*shape \(3,\)"):
        opt.update(np.zeros(2), state)


@pytest.mark.parametrize("make", FACTORIES, ids=IDS)
def test_state_from_another_optimizer_is_rejected(make):
    other = ol.Adam() if not isinstance(make(), ol.Adam) else ol.GD()
    with pytest.raises(ValueError, match="state must be"):
        make().update(np.zeros(2), other.init(np.zeros(2)))


@pytest.mark.parametrize("make", FACTORIES, ids=IDS)
def test_zero_gradient_coordinate_never_moves(make):
    opt = make()
    state = opt.init(np.zeros(2))
    total = np.zeros(2)
    for g in np.array([[1.0, 0.0], [-2.0, 0.0], [0.5, 0.0]] * 5):
        delta, state = opt.update(g, state)
        total = total + delta
    assert total[1] == 0.0 and np.all(np.isfinite(total))


def test_hyperparameter_arrays_broadcast_the_state():
    opt = ol.Adam(lr=np.array([[0.1], [0.2], [0.3]]))
    state = opt.init(np.zeros(2))
    assert state.m.shape == (3, 2)
    with pytest.raises(ValueError, match="do not broadcast"):
        ol.Adam(lr=np.ones(3)).init(np.zeros(2))


def test_repr_shows_the_hyperparameters():
    assert repr(ol.RMSprop()) == (
        "RMSprop(lr=0.001, rho=0.9, eps=1e-08, centered=False, eps_inside_sqrt=False)"
    )


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: ol.GD(lr=-0.1), r"lr must lie in \[0.0, inf\), got -0.1"),
        (lambda: ol.GD(lr=np.array([0.1, np.nan])), "lr must lie in"),
        (lambda: ol.Momentum(momentum=1.0), r"momentum must lie in \[0.0, 1.0\)"),
        (lambda: ol.Momentum(form="torch"), "form must be 'velocity' or 'buffer'"),
        (lambda: ol.Adam(b1=-0.1), r"b1 must lie in \[0.0, 1.0\)"),
        (lambda: ol.Adam(b2=1.0), r"b2 must lie in \[0.0, 1.0\)"),
        (lambda: ol.Adam(eps=0.0), r"eps must lie in \(0.0, inf\)"),
        (lambda: ol.RMSprop(rho=1.5), "rho must lie in"),
        (lambda: ol.Adagrad(lr_decay=-1), "lr_decay must lie in"),
        (lambda: ol.Adadelta(eps=-1e-6), "eps must lie in"),
        (lambda: ol.Rprop(eta_plus=0.9), r"eta_plus must lie in \(1.0, inf\)"),
        (lambda: ol.Rprop(eta_minus=1.0), r"eta_minus must lie in \(0.0, 1.0\)"),
        (lambda: ol.IRpropMinus(step_min=1.0, step_max=0.5), "step_min must be <= step_max"),
        (lambda: ol.Nadam(momentum_decay=-1.0), r"momentum_decay \(or None\) must lie in"),
        (lambda: ol.time_decay(0.1, -1.0), "decay must lie in"),
        (lambda: ol.inverse_time(0.1, 0), r"T must lie in \(0.0, inf\)"),
        (lambda: ol.step_decay(0.1, 0.5, 0), "every must be an integer >= 1"),
        (lambda: ol.exponential_decay(0.1, 1.5), "gamma must lie in"),
        (lambda: ol.ewma(np.ones(3), beta=1.0), r"beta must lie in \[0.0, 1.0\)"),
    ],
)
def test_bad_input_names_the_parameter_and_range(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_show_source_prints_the_rule_and_its_math(capsys):
    """A method comes with its class docstring (the formulas) and its comments."""
    ol.show_source(ol.Adam.update)
    printed = capsys.readouterr().out
    assert printed.startswith("class Adam:\n")
    assert "Δw  = −η m̂_t / (√v̂_t + ε)" in printed  # from the class docstring
    assert "# v_t = β2 v + (1−β2) g²" in printed  # a comment beside the code
    assert "    def update(self, g, state):" in printed
    ol.show_source(ol.ewma)
    assert capsys.readouterr().out.startswith("def ewma(")
