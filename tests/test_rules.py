"""Properties of individual rules, schedules, averages, problems and run loops."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import optlib as ol

grads = arrays(float, (30, 3), elements=st.floats(-1e3, 1e3, allow_nan=False))


# --- single rules ----------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(g=grads, lr=st.floats(1e-4, 10.0))
def test_sign_gd_moves_every_coordinate_by_exactly_lr(g, lr):
    opt = ol.SignGD(lr=lr)
    state = opt.init(np.zeros(3))
    for gk in g:
        delta, state = opt.update(gk, state)
        np.testing.assert_array_equal(np.abs(delta), np.where(gk == 0, 0.0, lr))


@settings(max_examples=50, deadline=None)
@given(g=grads, b2=st.floats(0.0, 0.9999))
def test_amsgrad_max_never_decreases_and_dominates_v(g, b2):
    opt = ol.AMSGrad(b2=b2)
    state = opt.init(np.zeros(3))
    for gk in g:
        _, new = opt.update(gk, state)
        assert np.all(new.v_max >= state.v_max) and np.all(new.v_max >= new.v)
        state = new


@settings(max_examples=30, deadline=None)
@given(g=grads, b1=st.floats(0.0, 0.99), b2=st.floats(0.0, 0.999))
def test_adam_moments_are_the_ewma_of_g_and_g_squared(g, b1, b2):
    """Ties the EWMA chapter to the Adam chapter: m_t and v_t are v_t of ewma()."""
    opt = ol.Adam(b1=b1, b2=b2)
    state = opt.init(np.zeros(3))
    for gk in g:
        _, state = opt.update(gk, state)
    np.testing.assert_allclose(state.m, ol.ewma(g, b1)[-1], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(state.v, ol.ewma(g**2, b2)[-1], rtol=1e-9, atol=1e-6)


def test_momentum_forms_agree_at_constant_lr_and_differ_under_a_schedule():
    problem, x0 = ol.problems.rosenbrock, (-1.2, 1.0)
    velocity = ol.run(problem, ol.Momentum(lr=1e-3, momentum=0.9), x0, 200)
    buffer = ol.run(problem, ol.Momentum(lr=1e-3, momentum=0.9, form="buffer"), x0, 200)
    np.testing.assert_allclose(velocity.xs, buffer.xs, rtol=1e-12)
    lr = ol.step_decay(1e-3, 0.1, 20)
    velocity = ol.run(problem, ol.Momentum(lr=lr, momentum=0.9), x0, 200)
    buffer = ol.run(problem, ol.Momentum(lr=lr, momentum=0.9, form="buffer"), x0, 200)
    assert np.max(np.abs(velocity.xs - buffer.xs)) > 1e-3


def test_nesterov_lookahead_and_reformulated_forms_are_one_method():
    """Keras/torch track φ = w + αv; the slide's look-ahead form tracks w."""
    problem, lr, alpha = ol.problems.rosenbrock, 2e-4, 0.9
    reformulated = ol.run(problem, ol.Nesterov(lr=lr, momentum=alpha), steps=300).xs
    w = ol.run_nesterov_lookahead(problem, lr, alpha, steps=300).xs
    phi = w[1:] + alpha * (w[1:] - w[:-1])  # φ_n = w_n + α v_n
    np.testing.assert_allclose(reformulated[1:], phi, rtol=1e-10, atol=1e-12)


def test_rprop_needs_no_gradient_scale():
    """Rprop and sign-GD are unchanged when the loss is multiplied by 1000."""
    for opt in (ol.Rprop(lr=0.1), ol.SignGD(lr=0.01)):
        state_a = state_b = opt.init(np.zeros(2))
        for g in np.random.default_rng(0).normal(size=(20, 2)):
            da, state_a = opt.update(g, state_a)
            db, state_b = opt.update(1000 * g, state_b)
            np.testing.assert_array_equal(da, db)


def test_adadelta_cold_start_is_sqrt_eps_over_one_minus_rho():
    for eps, rho in [(1e-6, 0.95), (1e-12, 0.9)]:
        opt = ol.Adadelta(eps=eps, rho=rho)
        delta, _ = opt.update(np.array([3.0, -500.0]), opt.init(np.zeros(2)))
        np.testing.assert_allclose(np.abs(delta), np.sqrt(eps / (1 - rho)), rtol=1e-5)


def test_adagrad_steps_only_shrink():
    opt = ol.Adagrad(lr=0.1)
    state, sizes = opt.init(np.zeros(1)), []
    for _ in range(50):
        delta, state = opt.update(np.ones(1), state)
        sizes.append(abs(delta[0]))
    np.testing.assert_allclose(sizes, 0.1 / np.sqrt(np.arange(1, 51)), rtol=1e-9)


# --- schedules -------------------------------------------------------------------


def test_schedules_at_known_points():
    t = np.array([1, 2, 11, 101])
    np.testing.assert_allclose(ol.time_decay(0.1, 0.01)(t), 0.1 / (1 + 0.01 * (t - 1)))
    np.testing.assert_allclose(ol.inverse_time(1.0, 10)(np.array([1, 11, 31])), [1, 0.5, 0.25])
    np.testing.assert_allclose(
        ol.step_decay(1.0, 0.5, 10)(np.array([1, 10, 11, 21])), [1, 1, 0.5, 0.25]
    )
    np.testing.assert_allclose(ol.exponential_decay(2.0, 0.5)(np.array([1, 2, 3])), [2, 1, 0.5])
    np.testing.assert_allclose(ol.inverse_sqrt(0.5)(np.array([1, 4, 100])), [0.5, 0.25, 0.05])
    np.testing.assert_array_equal(ol.constant(0.3)(t), 0.3)
    with pytest.raises(ValueError, match="t >= 1"):
        ol.constant(0.3)(0)


def test_time_decay_is_legacy_keras():
    """lr * (1 / (1 + decay * iterations)) with iterations = updates already done."""
    lr, decay, schedule = 0.01, 1e-2, ol.time_decay(0.01, 1e-2)
    for iterations in range(5):
        assert schedule(iterations + 1) == pytest.approx(lr * (1.0 / (1.0 + decay * iterations)))


# --- averaging -------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(c=st.floats(-1e6, 1e6), beta=st.floats(0.0, 0.999), n=st.integers(1, 200))
def test_bias_corrected_ewma_returns_a_constant_series_exactly(c, beta, n):
    np.testing.assert_array_equal(ol.ewma(np.full(n, c), beta, bias_correction=True), c)


@settings(max_examples=50, deadline=None)
@given(x=arrays(float, 40, elements=st.floats(-100, 100)), beta=st.floats(0.0, 0.99))
def test_corrected_ewma_is_raw_over_one_minus_beta_t(x, beta):
    raw = ol.ewma(x, beta)
    t = np.arange(1, 41)
    np.testing.assert_allclose(ol.ewma(x, beta, True), raw / (1 - beta**t), rtol=1e-9, atol=1e-9)


def test_ewma_weights_expand_v100_as_on_the_slide():
    weights = ol.ewma_weights(0.9, 100)
    np.testing.assert_allclose(weights[-3:], [0.1 * 0.9**2, 0.1 * 0.9, 0.1])
    theta = np.random.default_rng(1).normal(size=100)
    np.testing.assert_allclose(weights @ theta, ol.ewma(theta, 0.9)[-1], rtol=1e-12)
    assert ol.ewma_weights(0.9, 100, bias_correction=True).sum() == pytest.approx(1.0)
    assert ol.effective_window(0.98) == pytest.approx(50.0)


def test_ewma_vectorises_over_betas():
    x = np.random.default_rng(2).normal(size=(30, 1))
    betas = np.array([[0.5], [0.9]])
    both = ol.ewma(x, betas[:, 0])
    assert both.shape == (30, 2)
    np.testing.assert_allclose(both[:, 1], ol.ewma(x[:, 0], 0.9))


# --- problems --------------------------------------------------------------------

PROBLEMS = list(ol.problems.PROBLEMS.values())


@pytest.mark.parametrize("problem", PROBLEMS, ids=[p.name for p in PROBLEMS])
def test_gradient_matches_central_differences(problem):
    rng = np.random.default_rng(0)
    lo = np.array([problem.xlim[0], problem.ylim[0]])
    hi = np.array([problem.xlim[1], problem.ylim[1]])
    x = lo + (hi - lo) * rng.random((20, 2))
    h = 1e-6
    numeric = np.stack(
        [(problem.f(x + h * e) - problem.f(x - h * e)) / (2 * h) for e in np.eye(2)], axis=-1
    )
    np.testing.assert_allclose(problem.grad(x), numeric, rtol=1e-6, atol=1e-5)


@pytest.mark.parametrize("problem", PROBLEMS, ids=[p.name for p in PROBLEMS])
def test_problems_vectorise_and_minima_are_minima(problem):
    grid = np.stack(np.meshgrid(np.linspace(*problem.xlim, 7), np.linspace(*problem.ylim, 5)), -1)
    assert problem.f(grid).shape == (5, 7)
    assert problem.grad(grid).shape == (5, 7, 2)
    for m in problem.minima:
        np.testing.assert_allclose(problem.grad(m), 0.0, atol=1e-9)
        around = m + 1e-3 * np.random.default_rng(0).normal(size=(50, 2))
        assert np.all(problem.f(around) > problem.f(m))


def test_saddles_have_a_zero_gradient_that_is_not_a_minimum():
    for problem in (ol.problems.saddle, ol.problems.monkey_saddle):
        np.testing.assert_array_equal(problem.grad(np.zeros(2)), 0.0)
        assert problem.f(np.array([0.0, 0.1])) < problem.f(np.zeros(2)) or problem.f(
            np.array([-0.1, 0.0])
        ) < problem.f(np.zeros(2))


def test_points_need_two_coordinates():
    with pytest.raises(ValueError, match="2 coordinates"):
        ol.problems.rosenbrock.f(np.zeros(3))


# --- run loops -------------------------------------------------------------------


def test_divergence_is_recorded_not_raised():
    lrs = np.array([[0.1], [0.6]])  # ravine b=2: GD is stable only for lr < 0.5
    traj = ol.run(ol.problems.ravine(), ol.GD(lr=lrs), steps=2000)
    assert traj.diverged_at[0] == -1 and traj.diverged_at[1] > 0
    k = traj.diverged_at[1]
    assert np.all(np.isnan(traj.xs[k:, 1])) and np.all(np.isfinite(traj.xs[:k, 1]))
    assert np.all(np.isfinite(traj.xs[:, 0]))


def test_a_single_diverging_run_stops_early():
    traj = ol.run(ol.problems.rosenbrock, ol.GD(lr=0.1), steps=10_000)
    assert traj.diverged and traj.diverged_at < 100
    assert traj.xs.shape == (10_001, 2)


def test_keep_state_stacks_the_state_over_time():
    traj = ol.run(ol.problems.beale, ol.Adam(lr=0.1), steps=20, keep_state=True)
    assert traj.states["m"].shape == (21, 2) and traj.states["t"][-1] == 20


@pytest.mark.parametrize(
    ("optimizer", "x_expected"),
    [
        (ol.Adam(lr=ol.inverse_sqrt(0.5), b2=0.99), 0.948),
        (ol.AMSGrad(lr=ol.inverse_sqrt(0.5), b2=0.99), -0.901),
        (ol.AMSGrad(lr=ol.inverse_sqrt(0.5), b2=0.99, bias_correction=False), -0.801),
    ],
    ids=["Adam", "AMSGrad-torch", "AMSGrad-Reddi"],
)
def test_reddi_online_problem_after_1e4_steps(optimizer, x_expected):
    """Reddi et al. 2018, Sec. 5: x after 10⁴ steps of f_t = 1010x / −10x, β1 0.9, β2 0.99.

    Expected values: see tests/reference/README.md (test_rules.py).
    """
    result = ol.run_online(ol.problems.reddi_online(), optimizer, x0=0.0, steps=10_000)
    assert result.xs[-1] == pytest.approx(x_expected, abs=2e-3)


def test_reddi_regret_of_sitting_at_plus_one_is_20_over_101():
    problem = ol.problems.reddi_online()
    stuck = ol.run_online(problem, ol.GD(lr=0.0), x0=1.0, steps=101 * 50)
    assert stuck.average_regret[-1] == pytest.approx(20 / 101)


def test_catalog_reproduces_the_lecture_table():
    from optlib.catalog import TABLE, lecture_table

    rows = [
        (e.optimizer.__name__, e.year, e.adapts_learning_rate, e.adapts_gradient)
        for e in lecture_table()
    ]
    assert rows == [  # the slide's table, row by row
        ("Momentum", 1964, False, True),
        ("Adagrad", 2011, True, False),
        ("RMSprop", 2012, True, False),
        ("Adadelta", 2012, True, False),
        ("Nesterov", 2013, False, True),
        ("Adam", 2014, True, True),
        ("AdaMax", 2015, True, True),
        ("Nadam", 2015, True, True),
        ("AMSGrad", 2018, True, True),
    ]
    exported = {getattr(ol, name) for name in ol.__all__ if isinstance(getattr(ol, name), type)}
    assert exported - {ol.SGD} <= {e.optimizer for e in TABLE}


def test_nesterov_accepts_a_momentum_schedule():
    """α_t = (t−1)/(t+2): v uses α_t, the look-ahead step α_{t+1} (hand-checked loop)."""
    schedule = lambda t: (t - 1) / (t + 2)
    opt = ol.Nesterov(lr=0.1, momentum=schedule)
    state, v = opt.init(np.zeros(1)), np.zeros(1)
    for t, g in enumerate([1.0, -0.5, 2.0, 0.25], start=1):
        delta, state = opt.update(np.array([g]), state)
        v = schedule(t) * v - 0.1 * g
        np.testing.assert_allclose(delta, schedule(t + 1) * v - 0.1 * g, rtol=1e-15)


def test_fit_keep_state_records_the_state_after_every_update():
    data = ol.datasets.load_airfoil()
    model = ol.models.LinearRegression(data.X.shape[1])
    history = ol.fit(model, data, ol.Rprop(lr=0.01), batch_size=500, epochs=2, keep_state=True)
    assert history.states["step"].shape == (1 + 2 * 4, model.size)
    np.testing.assert_array_equal(history.states["t"], np.arange(9))
    plain = ol.fit(model, data, ol.Rprop(lr=0.01), batch_size=500, epochs=2)
    np.testing.assert_array_equal(plain.theta, history.theta)
    assert plain.states is None


def test_a_schedule_built_from_arrays_makes_a_batch():
    eta0 = np.array([0.001, 0.002, 0.004])[:, None]
    traj = ol.run(ol.problems.rosenbrock, ol.GD(lr=ol.inverse_time(eta0, 50)), steps=30)
    assert traj.xs.shape == (31, 3, 2)
    single = ol.run(ol.problems.rosenbrock, ol.GD(lr=ol.inverse_time(0.002, 50)), steps=30)
    np.testing.assert_allclose(traj.xs[:, 1], single.xs, rtol=1e-14)
    assert ol.Nadam(momentum_decay=np.array([0.004, 1.0])).mu(1).shape == (2,)


def _airfoil_model():
    data = ol.datasets.load_airfoil()
    return data, ol.models.LinearRegression(data.X.shape[1])


def test_fit_eval_every_records_the_full_loss_after_those_updates():
    """Full batch: update k ends epoch k, so eval_loss must equal epoch_loss there."""
    data, model = _airfoil_model()
    history = ol.fit(model, data, ol.GD(lr=0.05), batch_size=len(data.X), epochs=7, eval_every=3)
    np.testing.assert_array_equal(history.eval_updates, [0, 3, 6])
    np.testing.assert_array_equal(history.eval_loss, history.epoch_loss[[0, 3, 6]])
    minibatch = ol.fit(
        model, data, ol.GD(lr=0.05), batch_size=500, epochs=2, eval_every=3, keep_state=True
    )
    np.testing.assert_array_equal(minibatch.eval_updates, [0, 3, 6])  # 4 updates per epoch
    assert len(minibatch.batch_loss) == 8


def test_fit_val_loss_is_the_validation_loss_of_a_hand_run_gd():
    """val_loss[e] = L_val(θ_e), with θ_e from a plain full-batch GD loop."""
    data, model = _airfoil_model()
    train = data._replace(X=data.X[:1000], y=data.y[:1000])
    val = data._replace(X=data.X[1000:], y=data.y[1000:])
    history = ol.fit(
        model,
        train,
        ol.GD(lr=0.1),
        batch_size=len(train.X),
        epochs=5,
        val_data=val,
        theta0=np.zeros(model.size),
    )
    theta, expected = np.zeros(model.size), []
    for _ in range(6):
        expected.append(model.loss(theta, val.X, val.y))
        _, g = model.loss_and_grad(theta, train.X, train.y)
        theta = theta - 0.1 * g
    np.testing.assert_allclose(history.val_loss, expected, rtol=1e-12)
    assert history.val_loss[-1] != history.epoch_loss[-1]  # not the training loss
