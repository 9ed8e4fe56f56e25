"""Tests for optlib.models: gradients against finite differences, layout, batching."""

import numpy as np
import pytest

from optlib.datasets import load_airfoil, load_digits
from optlib.models import (
    MLP,
    LinearRegression,
    LogisticRegression,
    SoftmaxRegression,
    accuracy,
)

AIRFOIL = load_airfoil()
DIGITS = load_digits()


def small_problem(name):
    """(model, X, y) on a small slice of the real data, for gradient checks."""
    X, y = DIGITS.X[:30], DIGITS.y[:30]
    if name == "linear":
        return LinearRegression(5), AIRFOIL.X[:20], AIRFOIL.y[:20]
    if name == "logistic":
        return LogisticRegression(64), X, (y >= 5).astype(np.int64)  # digit ≥ 5?
    if name == "softmax":
        return SoftmaxRegression(64, 10), X, y
    return MLP(64, 7, 10, activation=name.removeprefix("mlp-")), X, y


NAMES = ["linear", "logistic", "softmax", "mlp-tanh", "mlp-relu"]


def finite_difference_grad(model, theta, X, y, eps=1e-6):
    """Central differences (L(θ + εeᵢ) − L(θ − εeᵢ)) / 2ε, coordinate by coordinate.

    For batched theta (..., size) coordinate i is moved in every batch entry at
    once; each entry's loss depends only on its own row of theta.
    """
    grad = np.zeros(theta.shape)
    for i in range(theta.shape[-1]):
        step = np.zeros(theta.shape[-1])
        step[i] = eps
        grad[..., i] = (model.loss(theta + step, X, y) - model.loss(theta - step, X, y)) / (2 * eps)
    return grad


def assert_grad_matches(model, theta, X, y):
    loss, grad = model.loss_and_grad(theta, X, y)
    assert loss.shape == theta.shape[:-1]
    assert grad.shape == theta.shape
    np.testing.assert_allclose(
        grad, finite_difference_grad(model, theta, X, y), rtol=1e-6, atol=1e-8
    )


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("batch_shape", [(), (3,)])
def test_gradient_matches_finite_differences(name, batch_shape):
    model, X, y = small_problem(name)
    theta = np.random.default_rng(1).normal(size=(*batch_shape, model.size))
    assert_grad_matches(model, theta, X, y)


def test_gradient_check_rejects_a_wrong_gradient():
    # The check must be able to fail: drop the ½ of the squared loss from the grad.
    model, X, y = small_problem("linear")
    theta = np.random.default_rng(2).normal(size=model.size)
    wrong = 2 * model.loss_and_grad(theta, X, y)[1]
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(
            wrong, finite_difference_grad(model, theta, X, y), rtol=1e-6, atol=1e-8
        )


@pytest.mark.parametrize("name", NAMES)
def test_batched_loss_and_grad_equal_one_by_one(name):
    model, X, y = small_problem(name)
    thetas = np.random.default_rng(3).normal(size=(2, 3, model.size))
    losses, grads = model.loss_and_grad(thetas, X, y)
    assert losses.shape == (2, 3) and grads.shape == (2, 3, model.size)
    for index in np.ndindex(2, 3):
        loss, grad = model.loss_and_grad(thetas[index], X, y)
        np.testing.assert_allclose(losses[index], loss, rtol=1e-12)
        np.testing.assert_allclose(grads[index], grad, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(model.loss(thetas[index], X, y), loss, rtol=1e-12)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("batch_shape", [(), (4,)])
def test_unravel_returns_views_that_tile_theta(name, batch_shape):
    model, _, _ = small_problem(name)
    theta = np.arange(np.prod(batch_shape, dtype=int) * model.size, dtype=np.float64)
    theta = theta.reshape((*batch_shape, model.size))
    parts = model.unravel(theta)
    assert all(np.shares_memory(part, theta) for part in parts)
    for part in parts:
        assert part.shape[: len(batch_shape)] == batch_shape
    # the blocks, in order, are theta itself: nothing left out, nothing twice
    flat = [part.reshape((*batch_shape, -1)) for part in parts]
    np.testing.assert_array_equal(np.concatenate(flat, axis=-1), theta)
    parts[0][...] = -1.0  # writing to a view writes to theta
    assert np.all(theta[..., 0] == -1.0)


def test_layouts_are_as_documented():
    W, b = SoftmaxRegression(3, 2).unravel(np.arange(8.0))
    np.testing.assert_array_equal(W, [[0, 1], [2, 3], [4, 5]])  # W[j, c] = θ[2j + c]
    np.testing.assert_array_equal(b, [6, 7])
    w, b = LinearRegression(2).unravel(np.arange(3.0))
    np.testing.assert_array_equal(w, [0, 1])
    assert b.shape == () and b == 2
    shapes = [p.shape for p in MLP(3, 4, 2).unravel(np.zeros(MLP(3, 4, 2).size))]
    assert shapes == [(3, 4), (4,), (4, 2), (2,)]


@pytest.mark.parametrize("name", NAMES)
def test_wrong_theta_length_raises(name):
    model, X, y = small_problem(name)
    for bad in (np.zeros(model.size + 1), np.zeros((3, model.size - 1)), np.float64(0)):
        with pytest.raises(
            ValueError, match=rf"theta must have shape .* = \(\.\.\., {model.size}\), got shape"
        ):
            model.loss(bad, X, y)
        with pytest.raises(ValueError, match="theta"):
            model.unravel(bad)


@pytest.mark.parametrize("name", NAMES)
def test_bad_data_raises(name):
    model, X, y = small_problem(name)
    theta = np.zeros(model.size)
    with pytest.raises(ValueError, match="y must have shape"):
        model.loss(theta, X, y[:-1])  # row mismatch
    with pytest.raises(ValueError, match="X must have shape"):
        model.loss(theta, X[:, :-1], y)  # one feature missing
    with pytest.raises(ValueError, match="X must have shape"):
        model.predict(theta, X[0])  # one row given as a vector


@pytest.mark.parametrize("name", ["logistic", "softmax", "mlp-tanh"])
def test_bad_labels_raise(name):
    model, X, y = small_problem(name)
    theta = np.zeros(model.size)
    with pytest.raises(ValueError, match="labels"):
        model.loss(theta, X, y + 10)
    with pytest.raises(ValueError, match="labels"):
        model.loss(theta, X, np.full(len(y), 0.5))


def test_bad_sizes_raise():
    with pytest.raises(ValueError, match="n_features"):
        LinearRegression(0)
    with pytest.raises(ValueError, match="n_classes"):
        SoftmaxRegression(3, 1.5)
    with pytest.raises(ValueError, match="n_hidden"):
        MLP(3, -1, 2)
    with pytest.raises(ValueError, match="activation"):
        MLP(3, 4, 2, activation="sigmoid")


def test_linear_regression_gradient_is_zero_at_least_squares_solution():
    X, y = AIRFOIL.X, AIRFOIL.y
    design = np.column_stack([X, np.ones(len(X))])  # intercept column → b
    theta, residuals, *_ = np.linalg.lstsq(design, y, rcond=None)
    model = LinearRegression(5)
    loss, grad = model.loss_and_grad(theta, X, y)
    np.testing.assert_allclose(grad, 0.0, atol=1e-12)
    np.testing.assert_allclose(loss, residuals[0] / (2 * len(y)), rtol=1e-10)  # the ½
    # and it is a minimum: any step away increases the loss
    steps = np.random.default_rng(4).normal(scale=1e-3, size=(10, model.size))
    assert np.all(model.loss(theta + steps, X, y) > loss)


def test_linear_regression_loss_is_half_mean_squared_error():
    # standardised y has mean 0 and variance 1, so at θ = 0: L = ½ · mean(y²) = ½
    model = LinearRegression(5)
    np.testing.assert_allclose(model.loss(np.zeros(6), AIRFOIL.X, AIRFOIL.y), 0.5)
    theta = np.random.default_rng(5).normal(size=6)
    mse = np.mean((AIRFOIL.X @ theta[:5] + theta[5] - AIRFOIL.y) ** 2)
    np.testing.assert_allclose(model.loss(theta, AIRFOIL.X, AIRFOIL.y), mse / 2)


@pytest.mark.parametrize(
    ("model", "n_classes"),
    [(SoftmaxRegression(64, 10), 10), (MLP(64, 5, 10), 10), (LogisticRegression(64), 2)],
)
def test_cross_entropy_at_uniform_prediction_is_log_k(model, n_classes):
    # all-zero output layer → every class equally likely → L = log k
    y = DIGITS.y % n_classes
    np.testing.assert_allclose(model.loss(np.zeros(model.size), DIGITS.X, y), np.log(n_classes))


def test_logistic_loss_is_stable_and_matches_naive_formula():
    model, X, y = small_problem("logistic")
    theta = np.random.default_rng(6).normal(size=model.size)
    p = 1 / (1 + np.exp(-(X @ theta[:-1] + theta[-1])))
    naive = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    np.testing.assert_allclose(model.loss(theta, X, y), naive, rtol=1e-12)
    with np.errstate(
        over="raise", divide="raise", invalid="raise"
    ):  # logits of ±10⁴: no overflow, no log(0)
        loss, grad = model.loss_and_grad(1e4 * theta, X, y)
    assert np.isfinite(loss) and np.all(np.isfinite(grad)) and loss > 100
    np.testing.assert_allclose(model.predict_proba(theta, X), p, rtol=1e-12)


@pytest.mark.parametrize("name", ["softmax", "mlp-tanh"])
def test_softmax_models_are_stable_for_huge_logits(name):
    model, X, y = small_problem(name)
    theta = 1e4 * np.random.default_rng(7).normal(size=model.size)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        loss, grad = model.loss_and_grad(theta, X, y)
        P = model.predict_proba(theta, X)
    assert np.isfinite(loss) and np.all(np.isfinite(grad))
    np.testing.assert_allclose(P.sum(axis=-1), 1.0)


@pytest.mark.parametrize("name", NAMES)
def test_init_shapes_and_determinism(name):
    model, _, _ = small_problem(name)
    theta = model.init(np.random.default_rng(0))
    assert theta.shape == (model.size,) and theta.dtype == np.float64
    batch = model.init(np.random.default_rng(0), batch_shape=(3,))
    assert batch.shape == (3, model.size)
    np.testing.assert_array_equal(model.init(np.random.default_rng(0)), theta)
    if name in ("linear", "logistic", "softmax"):  # zeros by default, and no −0.0
        assert not np.any(np.signbit(theta))
        assert np.all(model.init(np.random.default_rng(0), scale=1.0) != 0)


def test_mlp_init_is_small_random_with_zero_biases():
    model = MLP(64, 32, 10)
    W1, b1, W2, b2 = model.unravel(model.init(np.random.default_rng(0)))
    assert np.all(b1 == 0) and np.all(b2 == 0)
    np.testing.assert_allclose(W1.std(), 1 / 8, rtol=0.05)  # 1/√fan_in = 1/√64
    np.testing.assert_allclose(W2.std(), 1 / np.sqrt(32), rtol=0.15)
    W1, *_ = model.unravel(model.init(np.random.default_rng(0), scale=0.01))
    np.testing.assert_allclose(W1.std(), 0.01, rtol=0.05)


def test_predict_shapes_and_accuracy():
    model, X, y = small_problem("softmax")
    thetas = np.random.default_rng(8).normal(size=(3, model.size))
    assert model.predict(thetas, X).shape == (3, len(y))
    assert model.predict_proba(thetas, X).shape == (3, len(y), 10)
    acc = accuracy(model, thetas, X, y)
    assert acc.shape == (3,) and np.all((acc >= 0) & (acc <= 1))
    np.testing.assert_allclose(acc[1], np.mean(np.argmax(model.logits(thetas[1], X), -1) == y))
    with pytest.raises(ValueError, match="y must have shape"):
        accuracy(model, thetas, X, y[:-1])
    with pytest.raises(ValueError, match="classifier"):
        accuracy(LinearRegression(5), np.zeros(6), AIRFOIL.X, AIRFOIL.y)


@pytest.mark.parametrize("model", [SoftmaxRegression(64, 10), MLP(64, 16, 10, activation="relu")])
def test_gradient_descent_learns_the_digits(model):
    # 200 steps of plain batch GD must fit the training data well
    X, y = DIGITS.X, DIGITS.y
    theta = model.init(np.random.default_rng(0))
    first = model.loss(theta, X, y)
    for _ in range(200):
        theta = theta - 0.5 * model.loss_and_grad(theta, X, y)[1]
    assert model.loss(theta, X, y) < 0.5 * first
    assert accuracy(model, theta, X, y) > 0.9
