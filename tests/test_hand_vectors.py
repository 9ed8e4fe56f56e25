"""Hand-checkable test vectors for every optimizer.

Every expected number below was obtained independently of optlib: by running
torch.optim or optax in float64, from a paper, or from a closed form. The
source of each one, test by test, is listed in tests/reference/README.md.

Printed values are compared to within half a unit of their last printed digit
(`assert_printed`); values known in full float64 precision, or that are exact
decimals, are compared with rtol 1e-12 (`assert_exact`).
"""

import numpy as np
import pytest

import optlib


def trajectory(opt, grads, x0=0.0):
    """x_1 … x_n for a scalar parameter fed the gradients g_1 … g_n (g does not depend on x)."""
    x = np.array([x0])
    state = opt.init(x)
    xs = []
    for g in grads:
        delta, state = opt.update(np.array([float(g)]), state)
        x = x + delta
        xs.append(x[0])
    return np.array(xs), state


def first_step(opt, g):
    (x1,), _ = trajectory(opt, [g])
    return x1


def assert_printed(actual, printed):
    """actual agrees with the printed decimal(s) to half a unit of the last printed digit."""
    printed = [printed] if isinstance(printed, str) else list(printed)
    actual = np.atleast_1d(np.asarray(actual, dtype=float))
    assert actual.shape == (len(printed),)
    for a, text in zip(actual, printed, strict=True):
        decimals = len(text.split(".")[1]) if "." in text else 0
        tol = 0.5 * 10.0**-decimals * (1 + 1e-9)
        assert abs(a - float(text)) <= tol, f"{a!r} does not round to {text}"


def assert_exact(actual, expected, rtol=1e-12):
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=1e-15)


# ------------------------------------------------------------------ Rprop

# x_0 = 0, Δ_0 = 0.1, gradient signs +, +, −, −, +, + (paper constants η⁻ = 0.5, η⁺ = 1.2).
RPROP_SIGNS = [1.0, 1.0, -1.0, -1.0, 1.0, 1.0]


def test_rprop_minus_table():
    """Row Rprop−: the step is taken with the reduced Δ after a sign flip."""
    xs, _ = trajectory(optlib.Rprop(lr=0.1), RPROP_SIGNS)
    assert_exact(xs, [-0.1, -0.22, -0.16, -0.088, -0.124, -0.1672])


def test_irprop_minus_table():
    """Row torch / iRprop−: no move after a flip, final Δ = 0.03."""
    xs, state = trajectory(optlib.IRpropMinus(lr=0.1), RPROP_SIGNS)
    assert_exact(xs, [-0.1, -0.22, -0.22, -0.16, -0.16, -0.19])
    assert_exact(state.step, [0.03])


def test_rprop_gradient_magnitude_does_not_matter():
    """Only the signs enter; the same table with wildly different |g|."""
    grads = [3.0, 1e-9, -250.0, -0.5, 1e3, 7e-4]
    assert_exact(
        trajectory(optlib.Rprop(lr=0.1), grads)[0], [-0.1, -0.22, -0.16, -0.088, -0.124, -0.1672]
    )
    assert_exact(
        trajectory(optlib.IRpropMinus(lr=0.1), grads)[0], [-0.1, -0.22, -0.22, -0.16, -0.16, -0.19]
    )


def test_irprop_minus_clips_the_initial_step():
    """torch clamps Δ on every step, so lr = 100 gives a first step of 50."""
    assert_exact(first_step(optlib.IRpropMinus(lr=100.0), 1.0), -50.0)


# Rprop+ (weight backtracking) and iRprop+ have no optlib class; the optax 0.2.8
# row of the Rprop table documents an optax bug. Neither is tested here.


# ------------------------------------------------------------------ AMSGrad

# lr = 1, g = 10, 0.1, 0.1, β = (0.9, 0.999), ε = 1e-8.
AMSGRAD_GRADS = [10.0, 0.1, 0.1]


def test_amsgrad_torch_style():
    """Row torch / Keras-style (max of raw v, both bias corrections on)."""
    xs, _ = trajectory(optlib.AMSGrad(lr=1.0), AMSGRAD_GRADS)
    assert_printed(xs, ["-0.999999999", "-1.677164507", "-2.206740980"])


def test_amsgrad_reddi_algorithm_2():
    """Row Reddi Alg. 2 (constant α = 1, no bias correction).

    The paper has no ε; optlib keeps its ε = 1e-8 (> 0 is required), which moves
    the result by ~3e-8 relative. The spec's vector was made with optax's ε = 1e-8
    too, so it agrees to the printed digits; rtol 1e-7 also holds against ε = 0.
    """
    xs, _ = trajectory(optlib.AMSGrad(lr=1.0, bias_correction=False), AMSGRAD_GRADS)
    np.testing.assert_allclose(xs, [-3.162277560, -6.039950140, -8.661478237], rtol=1e-7)
    assert_printed(xs, ["-3.162277560", "-6.039950140", "-8.661478237"])
    # the paper's ε-free recursion, by hand: x_t = x_{t−1} − m_t / sqrt(max_{i≤t} v_i)
    m = np.array([1.0, 0.9 * 1.0 + 0.01, 0.9 * 0.91 + 0.01])  # 1, 0.91, 0.829
    v2 = 0.999 * 0.1 + 0.001 * 0.01
    v = np.array([0.1, v2, 0.999 * v2 + 0.001 * 0.01])  # v_1 = 0.1 stays the max
    no_eps = -np.cumsum(m / np.sqrt(np.maximum.accumulate(v)))
    np.testing.assert_allclose(xs, no_eps, rtol=1e-7)


# optax's AMSGrad (max over the debiased v̂) has no optlib form.


# ------------------------------------------------------------------ first steps with tiny g


def test_adam_first_step_tiny_gradient():
    """lr = 1, g = 1e-6: Δθ = −g/(|g| + ε) = −0.9900990099."""
    assert_printed(first_step(optlib.Adam(lr=1.0), 1e-6), "-0.9900990099")


def test_adam_keras_epsilon_hat_form():
    """The Keras ε̂ = 1e-7 form gives −0.24025 on the same step.

    optlib.Adam's docstring: Keras equals this form for ε = ε̂/√(1 − β2^t).
    """
    eps = 1e-7 / np.sqrt(1 - 0.999)
    assert_printed(first_step(optlib.Adam(lr=1.0, eps=eps), 1e-6), "-0.24025")


def test_rmsprop_first_step_tiny_gradient():
    """RMSprop α = 0.99, lr = 1, g = 1e-6: Δθ = g/(0.1|g| + ε) = −9.090909091."""
    opt = optlib.RMSprop(lr=1.0, rho=0.99, eps=1e-8)
    assert_printed(first_step(opt, 1e-6), "-9.090909091")


def test_adagrad_first_step_tiny_gradient():
    """Adagrad lr = 1, g = 1e-6, ε = 1e-10: Δθ = −0.99990001."""
    assert_printed(first_step(optlib.Adagrad(lr=1.0, eps=1e-10), 1e-6), "-0.99990001")


def test_adamax_first_step_tiny_gradient():
    """AdaMax lr = 1, g = 1e-6 (ε inside the max): −0.9900990099."""
    assert_printed(first_step(optlib.AdaMax(lr=1.0), 1e-6), "-0.9900990099")


# ------------------------------------------------------------------ Adagrad torch vector


@pytest.mark.parametrize("form", ["lr_decay", "time_decay schedule"])
def test_adagrad_torch_vector(form):
    """torch lr = 1, lr_decay = 0.5, G_0 = 3, ε = 0, g = 1, 1, 1.

    optlib requires ε > 0, so ε = 1e-300 stands in for 0. torch's lr_decay
    is exactly the time-decay schedule, so both spellings must give the vector.
    """
    if form == "lr_decay":
        opt = optlib.Adagrad(lr=1.0, lr_decay=0.5, initial_accumulator=3.0, eps=1e-300)
    else:
        opt = optlib.Adagrad(lr=optlib.time_decay(1.0, 0.5), initial_accumulator=3.0, eps=1e-300)
    xs, _ = trajectory(opt, [1.0, 1.0, 1.0])
    assert_printed(xs, ["-0.5", "-0.798142397", "-1.002266542"])
    assert_exact(xs[0], -0.5)


# ------------------------------------------------------------------ NAdam


@pytest.mark.parametrize(
    "psi,printed",
    [
        (4e-3, ["0.45007347", "0.45014694", "0.45073420", "0.51779405"]),
        (0.0, ["0.45"] * 4),
        (1.0, ["0.468", "0.48528", "0.60082531", "0.9"]),
        (1e9, ["0.9"] * 4),
        (None, ["0.9"] * 4),  # optlib's spelling of the constant-β1 form (torch: 1e9)
    ],
    ids=["psi=4e-3", "psi=0", "psi=1", "psi=1e9", "psi=None"],
)
def test_nadam_momentum_schedule(psi, printed):
    """μ_1, μ_2, μ_10, μ_1000 for ψ = momentum_decay, β1 = 0.9."""
    mu = optlib.Nadam(momentum_decay=psi).mu(np.array([1, 2, 10, 1000]))
    assert_printed(mu, printed)


def test_nadam_constant_schedules_are_exact():
    """ψ = 0 gives β1/2 = 0.45 at every t; 1e9 and None give β1 = 0.9."""
    t = np.arange(1, 2001)
    assert np.all(optlib.Nadam(momentum_decay=0.0).mu(t) == 0.45)
    assert np.all(optlib.Nadam(momentum_decay=1e9).mu(t) == 0.9)
    assert np.all(optlib.Nadam(momentum_decay=None).mu(t) == 0.9)


@pytest.mark.parametrize(
    "psi,printed",
    [(0.0, "-1.056426"), (None, "-1.473684"), (1e9, "-1.473684")],
    ids=["torch-momentum_decay=0", "optax-constant-beta1", "torch-momentum_decay=1e9"],
)
def test_nadam_first_step(psi, printed):
    """First step with lr = 1, g = 1: torch ψ = 0 gives −1.056426, optax −1.473684."""
    assert_printed(first_step(optlib.Nadam(lr=1.0, momentum_decay=psi), 1.0), printed)


# ------------------------------------------------------------------ Adadelta


def test_adadelta_lr_half():
    """lr = 0.5, ρ = 0.9, ε = 1e-6, g = 2 (torch values in full precision).

    acc_delta stores the unscaled Δ: (1−ρ)Δ², not (1−ρ)(0.5Δ)².
    """
    xs, state = trajectory(optlib.Adadelta(lr=0.5, rho=0.9, eps=1e-6), [2.0])
    assert_exact(xs, [-0.001581136853664358])
    assert_exact(state.mean_sq_delta, [9.999975000062502e-07])
    assert_exact(state.mean_sq, [0.4])


# ------------------------------------------------------------------ SGD momentum


def test_nesterov_vector():
    """Nesterov μ = 0.9, lr = 1, g = 1, 1: x = −1.9, −4.61."""
    xs, _ = trajectory(optlib.Nesterov(lr=1.0, momentum=0.9), [1.0, 1.0])
    assert_exact(xs, [-1.9, -4.61])


# torch's SGD(momentum, dampening=τ) has no optlib form: optlib.Momentum is
# torch with τ = 0, which test_torch_reference.py checks.


# ------------------------------------------------------------------ sign-GD


def test_sign_gd_sign_of_zero_is_zero():
    """θ −= η sign(g), with sign(0) = 0."""
    opt = optlib.SignGD(lr=0.1)
    delta, _ = opt.update(np.array([2.0, 0.0, -3e-9]), opt.init(np.zeros(3)))
    assert_exact(delta, [-0.1, 0.0, 0.1])


# ------------------------------------------------------------------ time decay


def test_time_decay_first_step_is_undecayed():
    """η_t = η/(1 + d(t−1)); legacy Keras `iterations` is 0 at the first step."""
    schedule = optlib.time_decay(0.1, 0.5)
    assert_exact(schedule(np.array([1, 2, 3, 11])), [0.1, 0.1 / 1.5, 0.05, 0.1 / 6])
    xs, _ = trajectory(optlib.GD(lr=schedule), [1.0, 1.0, 1.0])
    assert_exact(xs, np.cumsum([-0.1, -0.1 / 1.5, -0.05]))


# ------------------------------------------------------------------ centered RMSprop hazard


def test_centered_rmsprop_variance_with_constant_gradient():
    """with a constant gradient g, v_t − ḡ_t² = α^t (1 − α^t) g²."""
    alpha, g = 0.9, 3.0
    opt = optlib.RMSprop(lr=1e-3, rho=alpha, eps=1e-8, centered=True)
    state = opt.init(np.zeros(1))
    for t in range(1, 11):
        _, state = opt.update(np.array([g]), state)
        variance = state.mean_sq - state.mean_grad**2
        np.testing.assert_allclose(variance, alpha**t * (1 - alpha**t) * g**2, rtol=1e-12)


def test_centered_rmsprop_step_blows_up():
    """torch (η = 1e-3, α = 0.99, ε = 1e-8), constant g: step 0.15 at t = 1000, 23 at 2000."""
    opt = optlib.RMSprop(lr=1e-3, rho=0.99, eps=1e-8, centered=True)
    state = opt.init(np.zeros(1))
    steps = {}
    for t in range(1, 2001):
        delta, state = opt.update(np.ones(1), state)
        if t in (1000, 2000):
            steps[t] = -delta[0]
    assert_printed([steps[1000], steps[2000]], ["0.15", "23"])


# ------------------------------------------------------------------ bias-corrected EWMA


def test_ewma_constant_series():
    """x ≡ 7, β = 0.9: raw 0.7, 1.33, …; corrected 7, 7, … exactly from t = 1."""
    series = np.full(20, 7.0)
    raw = optlib.ewma(series, 0.9)
    assert_exact(raw[:2], [0.7, 1.33])
    assert_exact(raw, 7 * (1 - 0.9 ** np.arange(1, 21)))
    np.testing.assert_array_equal(optlib.ewma(series, 0.9, bias_correction=True), series)
