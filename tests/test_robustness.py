"""optlib never fails silently: bad input, non-finite numbers, aliasing, dtypes.

Each test below goes with one numbered item of the robustness review
(wrong results 1–3, silent failures 4–7, unclear errors 8, dtypes 9). The
non-finite policy they check is written in `optlib/base.py`, `optlib/loop.py`
and on the book's notation page (book/notation.md).
"""

import numpy as np
import pytest
from conftest import FACTORIES, IDS

import optlib as ol
from optlib.problems import Problem

RAVINE = ol.problems.ravine()


def _scaled(problem, scale):
    """`problem` with f and its gradient multiplied by `scale`."""
    return Problem(
        f"{scale:g} × {problem.name}",
        lambda x: scale * problem.f(x),
        lambda x: scale * problem.grad(x),
        problem.minima,
        problem.x0,
        problem.xlim,
        problem.ylim,
    )


def _nan_gradient_below(threshold):
    """x² + y² whose gradient is NaN once x < threshold (a planted bad gradient)."""

    def grad(x):
        g = 2 * np.asarray(x, dtype=float)
        return np.where(x[..., :1] < threshold, np.nan, g)

    return Problem(
        "bowl with a NaN gradient",
        lambda x: np.sum(np.square(x), axis=-1),
        grad,
        np.zeros((1, 2)),
        (1.0, 1.0),
        (-2, 2),
        (-2, 2),
    )


# --- 1: Rprop's state held the caller's gradient array -------------------------


@pytest.mark.parametrize("make", FACTORIES, ids=IDS)
def test_reusing_one_gradient_buffer_gives_the_same_trajectory(make):
    """A loop that writes every gradient into one buffer must not change the run."""
    problem, steps = RAVINE, 200
    fresh = ol.run(problem, make(), (-4.0, 2.0), steps=steps).xs[-1]
    opt, w, buffer = make(), np.array([-4.0, 2.0]), np.empty(2)
    state = opt.init(w)
    for _ in range(steps):
        buffer[:] = problem.grad(w)
        delta, state = opt.update(buffer, state)
        w = w + delta
    np.testing.assert_array_equal(w, fresh)
    for value in state[1:]:
        assert not np.shares_memory(value, buffer)


def test_rprop_with_a_reused_buffer_reaches_the_minimum():
    opt, w, buffer = ol.Rprop(lr=0.1), np.array([10.0]), np.empty(1)
    state = opt.init(w)
    for _ in range(200):
        buffer[:] = 2 * w  # f = w²
        delta, state = opt.update(buffer, state)
        w = w + delta
    assert abs(w[0]) < 1e-3
    assert state.prev_grad is not buffer


# --- 2: centered RMSprop's variance estimate went negative ---------------------


def test_centered_rmsprop_stays_finite_with_a_constant_gradient():
    """g = 7, ρ = 0.9: rounding made S − ḡ² < 0 at step 331 (NaN). The exact
    variance ρ^t (1 − ρ^t) g² is far below ε² by then, so the exact step is η g / ε."""
    lr, eps, g = 1e-3, 1e-8, 7.0
    opt = ol.RMSprop(lr=lr, rho=0.9, eps=eps, centered=True)
    state = opt.init(np.zeros(1))
    for t in range(1, 1001):
        delta, state = opt.update(np.array([g]), state)
        assert np.isfinite(delta[0]), f"NaN at step {t}"
        exact_std = np.sqrt(0.9**t * (1 - 0.9**t)) * g
        if exact_std < 1e-3 * eps:
            np.testing.assert_allclose(delta, -lr * g / (exact_std + eps), rtol=1e-3)


# --- 3: array hyperparameters shared memory with the caller --------------------


def test_array_hyperparameters_are_copied_and_read_only():
    lr = np.array([0.1, 0.2])
    opt = ol.Adam(lr=lr)
    lr[0] = -5.0
    np.testing.assert_array_equal(opt.lr, [0.1, 0.2])
    with pytest.raises(ValueError, match="read-only"):
        opt.lr[0] = -5.0
    assert ol.GD(lr=[0.1, 0.2]).lr.dtype == float


# --- 4: NaN or inf gradients ----------------------------------------------------


@pytest.mark.parametrize("make", FACTORIES, ids=IDS)
def test_run_flags_the_first_non_finite_gradient(make):
    """The gradient turns NaN once x < 0.5; run must stop there and say so."""
    problem = _nan_gradient_below(0.5)
    traj = ol.run(problem, make(), steps=400)
    xs = traj.xs[: traj.diverged_at]
    k = int(np.argmax(xs[:, 0] < 0.5))  # the first position whose gradient is NaN
    assert xs[k, 0] < 0.5, "the planted NaN was never reached"
    assert traj.diverged_at == k + 1
    assert traj.reason == "non-finite gradient"
    assert np.all(np.isnan(traj.xs[k + 1 :])) and np.all(np.isfinite(traj.xs[: k + 1]))


def test_fit_flags_a_non_finite_gradient_in_one_run_of_a_batch():
    data = ol.datasets.load_airfoil()
    model = ol.models.LinearRegression(data.X.shape[1])
    theta0 = np.zeros((2, model.size))
    theta0[1, 0] = np.inf  # gives a NaN gradient, and a non-finite start
    history = ol.fit(model, data, ol.Adam(lr=0.01), batch_size=500, epochs=1, theta0=theta0)
    assert list(history.diverged_at) == [-1, 0]
    assert list(history.reason) == ["completed", "non-finite start"]
    assert np.all(np.isfinite(history.theta[0]))


# --- 5: overflowing squared gradients froze a weight ---------------------------


@pytest.mark.parametrize(
    "opt",
    [
        ol.Adam(lr=0.1),
        ol.Nadam(lr=0.1),
        ol.AMSGrad(lr=0.1),
        ol.RMSprop(lr=0.1),
        ol.Adagrad(lr=0.1),
        ol.Adadelta(),
    ],
    ids=lambda o: type(o).__name__,
)
def test_an_overflowing_second_moment_is_flagged(opt):
    """f × 1e160: g² = inf, v = inf, Δw = 0. run must not report a healthy run."""
    traj = ol.run(_scaled(RAVINE, 1e160), opt, steps=50)
    assert traj.diverged_at == 1
    assert str(traj.reason).startswith("non-finite optimizer state")


@pytest.mark.parametrize(
    "opt", [ol.AdaMax(lr=0.1), ol.SignGD(lr=0.1)], ids=lambda o: type(o).__name__
)
def test_rules_without_squares_run_on_a_huge_scale(opt):
    huge = ol.run(_scaled(RAVINE, 1e160), opt, steps=50)
    plain = ol.run(RAVINE, opt, steps=50)
    assert not huge.diverged and huge.reason == "completed"
    np.testing.assert_allclose(huge.xs, plain.xs, rtol=1e-6)


# --- 6: divergence flags that were missed ----------------------------------------


def test_run_from_a_non_finite_start_is_flagged():
    traj = ol.run(RAVINE, ol.GD(lr=0.1), x0=(np.nan, 1.0), steps=10)
    assert traj.diverged and traj.diverged_at == 0 and traj.reason == "non-finite start"
    overflow = ol.run(RAVINE, ol.GD(lr=0.1), x0=(1e200, 1.0), steps=10)  # f(x0) = inf
    assert overflow.diverged_at == 0 and overflow.reason == "non-finite loss"


def test_run_nesterov_lookahead_flags_divergence():
    traj = ol.run_nesterov_lookahead(RAVINE, lr=1.5, momentum=0.9, steps=500)
    assert traj.diverged and 0 < traj.diverged_at < 500
    ok = ol.run_nesterov_lookahead(RAVINE, lr=0.05, momentum=0.9, steps=500)
    assert not ok.diverged and ok.reason == "completed"


def test_a_loss_that_grows_by_the_stated_factor_is_divergence():
    """GD with η = 1.5 on the ravine reached f = 3e280 in 200 steps, unflagged."""
    traj = ol.run(RAVINE, ol.GD(lr=1.5), steps=200)
    k = int(traj.diverged_at)
    assert traj.diverged and "grew" in str(traj.reason)
    f0 = traj.losses[0]
    assert traj.losses[k - 1] <= ol.loop.DIVERGENCE_FACTOR * f0
    assert np.all(np.isnan(traj.losses[k:]))
    free = ol.run(RAVINE, ol.GD(lr=1.5), steps=200, divergence_factor=None)
    assert free.diverged_at == -1 and free.losses[-1] > 1e280  # finite, but useless
    assert free.losses[k] > ol.loop.DIVERGENCE_FACTOR * f0  # what the flag caught


def test_fit_flags_a_loss_that_grows():
    data = ol.datasets.load_airfoil()
    model = ol.models.LinearRegression(data.X.shape[1])
    history = ol.fit(
        model, data, ol.GD(lr=np.array([[0.01], [3.0]])), batch_size=len(data.X), epochs=200
    )
    assert history.diverged_at[0] == -1 and history.diverged_at[1] > 0
    assert "grew" in history.reason[1] and history.reason[0] == "completed"


def test_run_online_refuses_an_infeasible_start():
    problem = ol.problems.reddi_online()
    with pytest.raises(ValueError, match=r"x0 must lie in the feasible interval \[-1"):
        ol.run_online(problem, ol.GD(lr=0.1), x0=2.0, steps=10)
    with pytest.raises(ValueError, match="x0"):
        ol.run_online(problem, ol.GD(lr=0.1), x0=np.nan, steps=10)


def test_run_online_flags_a_non_finite_state():
    problem = ol.problems.reddi_online(C=1e160, other=-1e158)
    result = ol.run_online(problem, ol.Adagrad(lr=0.1), x0=0.0, steps=20)
    assert result.diverged_at == 1 and result.reason == "non-finite optimizer state (sum_sq)"


# --- 7: schedules and other callables were never checked ----------------------


@pytest.mark.parametrize("bad", [-0.01, np.nan, np.inf])
def test_a_schedule_is_range_checked_at_every_step(bad):
    schedule = lambda t: 0.1 if t < 7 else bad  # noqa: E731
    opt = ol.GD(lr=schedule)
    with pytest.raises(ValueError, match=r"lr schedule .* at step t = 7.*must lie in \[0"):
        ol.run(RAVINE, opt, steps=20)


def test_a_schedule_is_checked_at_construction_too():
    with pytest.raises(ValueError, match=r"lr \(the schedule .*lambda.*, at step t = 1\) must lie"):
        ol.Adam(lr=lambda t: -0.1)


def test_a_nesterov_momentum_schedule_above_one_is_refused():
    schedule = lambda t: 0.5 if t < 5 else 1.5  # noqa: E731
    opt = ol.Nesterov(lr=0.01, momentum=schedule)
    message = r"momentum schedule .* gave momentum = 1\.5 at step t = 5"
    with pytest.raises(ValueError, match=message):
        ol.run(RAVINE, opt, steps=20)
    with pytest.raises(ValueError, match="momentum"):
        ol.Nesterov(momentum=lambda t: 1.5)


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda f: ol.Adam(b1=f), "b1"),
        (lambda f: ol.Momentum(momentum=f), "momentum"),
        (lambda f: ol.IRpropMinus(eta_plus=f), "eta_plus"),
        (lambda f: ol.Rprop(lr=f), "lr"),
        (lambda f: ol.RMSprop(eps=f), "eps"),
        (lambda f: ol.Nadam(momentum_decay=f), "momentum_decay"),
    ],
)
def test_a_callable_for_a_field_without_schedules_is_refused(make, field):
    with pytest.raises(TypeError, match=f"^{field} does not accept a schedule"):
        make(lambda t: 0.5)


# --- 8: type checks ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: ol.GD(lr="0.1"), "lr must be a real number or array, got the string '0.1'"),
        (lambda: ol.Adam(b2=["0.9"]), "b2 must be a real number or array"),
        (lambda: ol.Adam(lr=0.1 + 0j), "lr must be a real number or array"),
        (lambda: ol.Adam(lr=True), "lr must be a real number or array, got the boolean"),
        (lambda: ol.Adam(bias_correction="no"), "bias_correction must be True or False"),
        (lambda: ol.RMSprop(centered=1), "centered must be True or False"),
        (lambda: ol.Adagrad(eps_inside_sqrt=None), "eps_inside_sqrt must be True or False"),
        (lambda: ol.Momentum(form=1), "form must be a string"),
        (lambda: ol.constant("0.1"), "lr must be a real number"),
        (lambda: ol.ewma(np.ones(3), beta="0.9"), "beta must be a real number"),
    ],
)
def test_wrong_types_are_refused_at_construction(make, message):
    with pytest.raises(TypeError, match=message):
        make()


def test_complex_gradients_are_refused():
    for opt in (ol.GD(), ol.Adam(), ol.Rprop()):
        with pytest.raises(TypeError, match="grad must be real, got complex"):
            opt.update(np.array([1.0 + 2j, 0.0]), opt.init(np.zeros(2)))


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: ol.run(RAVINE, ol.GD(), steps=2.5), TypeError, "steps must be an integer"),
        (lambda: ol.run(RAVINE, ol.GD(), steps=0), ValueError, "steps must be an integer >= 1"),
        (
            lambda: ol.run_online(ol.problems.reddi_online(), ol.GD(), steps="9"),
            TypeError,
            "steps must be an integer",
        ),
        (
            lambda: ol.run_nesterov_lookahead(RAVINE, 0.1, 0.9, steps=1.0),
            TypeError,
            "steps must be an integer",
        ),
        (lambda: ol.run_nesterov_lookahead(RAVINE, "0.1", 0.9), TypeError, "lr must be a real"),
        (lambda: ol.run(RAVINE, ol.GD(), x0=("1", "2")), TypeError, "x0 must be real numbers"),
    ],
)
def test_loop_arguments_are_checked(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"epochs": 2.5}, TypeError, "epochs must be an integer"),
        ({"epochs": 0}, ValueError, "epochs must be an integer >= 1"),
        ({"eval_every": 0}, ValueError, "eval_every must be an integer >= 1"),
        ({"eval_every": 1.5}, TypeError, "eval_every must be an integer"),
        ({"batch_size": 10.0}, TypeError, "batch_size must be an integer"),
    ],
)
def test_fit_arguments_are_checked(kwargs, error, message):
    data = ol.datasets.load_airfoil()
    model = ol.models.LinearRegression(data.X.shape[1])
    arguments = {"batch_size": 100, "epochs": 1} | kwargs
    with pytest.raises(error, match=message):
        ol.fit(model, data, ol.GD(lr=0.01), **arguments)


def test_batched_shapes_that_do_not_broadcast_are_refused_at_construction():
    with pytest.raises(
        ValueError, match=r"do not broadcast together: lr \(3, 1\), b1 \(4, 1\)"
    ) as caught:
        ol.Adam(lr=np.ones((3, 1)), b1=np.full((4, 1), 0.9))
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


@pytest.mark.parametrize("opt", [ol.GD(), ol.SignGD()], ids=["GD", "SignGD"])
def test_stateless_rules_check_the_gradient_shape(opt):
    with pytest.raises(ValueError, match=r"grad has shape \(2,\).*shape \(3,\)"):
        opt.update(np.zeros(2), opt.init(np.zeros(3)))


# --- 9: dtypes -------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("make", FACTORIES, ids=IDS)
def test_delta_and_state_keep_the_gradient_dtype(make, dtype):
    opt = make()
    w = np.array([0.5, -1.0, 2.0], dtype=dtype)
    state = opt.init(w)
    for value in state[1:]:
        if isinstance(value, np.ndarray) and value.ndim:
            assert value.dtype == dtype
    for g in np.array([[1.0, -2.0, 0.5], [0.5, -1.0, 0.25], [-1.0, 3.0, 0.0]], dtype=dtype):
        delta, state = opt.update(g, state)
        assert delta.dtype == dtype
        for value in state[1:]:
            if not isinstance(value, tuple):
                assert np.asarray(value).dtype == dtype


@pytest.mark.parametrize("make", FACTORIES, ids=IDS)
def test_float32_agrees_with_float64_to_float32_precision(make):
    rng = np.random.default_rng(0)
    grads = rng.normal(size=(30, 4))
    out = {}
    for dtype in (np.float32, np.float64):
        opt = make()
        state, w = opt.init(np.zeros(4, dtype=dtype)), np.zeros(4, dtype=dtype)
        for g in grads.astype(dtype):
            delta, state = opt.update(g, state)
            w = w + delta
        out[dtype] = w
    assert out[np.float32].dtype == np.float32
    scale = np.max(np.abs(out[np.float64]))
    np.testing.assert_allclose(out[np.float32], out[np.float64], rtol=0, atol=1e-5 * scale)


def test_integer_gradients_are_computed_in_float64():
    opt = ol.Adam()
    delta, state = opt.update(np.array([1, -2]), opt.init(np.zeros(2)))
    assert delta.dtype == np.float64 and state.m.dtype == np.float64
