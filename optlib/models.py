"""Models with hand-written gradients: linear/logistic/softmax regression, tiny MLP.

Every model keeps its parameters in ONE flat vector theta of length model.size;
model.unravel(theta) returns the layers as views into it. theta may carry leading
batch axes, shape (..., size): loss then has shape (...) and grad (..., size), one
independent model per batch entry (e.g. one per learning rate of a sweep).
X (n, d) and y (n,) are shared by all batch entries.
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LinearRegression:
    """Least squares with the ½ factor: L = (1/2n) Σᵢ (xᵢ·w + b − yᵢ)².

    The ½ (as in d2l's squared_loss) makes the gradient X^T r / n with no factor 2;
    L is therefore half the mean squared error. Layout: theta = [w (n_features), b].
    """

    n_features: int

    def __post_init__(self):
        _check_positive_ints(n_features=self.n_features)

    @property
    def size(self):
        """Length of the flat parameter vector theta."""
        return self.n_features + 1

    def init(self, rng, scale=0.0, batch_shape=()):
        """theta ~ N(0, scale²) of shape batch_shape + (size,); scale=0 gives zeros."""
        shape = (*batch_shape, self.size)
        return np.zeros(shape) + scale * rng.standard_normal(shape)  # 0 + (−0) = +0

    def unravel(self, theta):
        """(w, b) as views into theta: w (..., n_features), b (...)."""
        theta = _check_theta(theta, self.size)
        return theta[..., :-1], theta[..., -1]

    def predict(self, theta, X):
        """ŷ = X w + b, shape (..., n)."""
        w, b = self.unravel(theta)
        X = _check_features(X, self.n_features)
        return w @ X.T + b[..., None]

    def loss(self, theta, X, y):
        """L alone, shape (...) for theta (..., size)."""
        return self.loss_and_grad(theta, X, y)[0]

    def loss_and_grad(self, theta, X, y):
        """(L, dL/dtheta) with L = (1/2n) Σ rᵢ², residual r = X w + b − y."""
        X, y = _check_data(X, y, self.n_features)
        r = self.predict(theta, X) - y  # r = ŷ − y, shape (..., n)
        n = len(y)
        loss = 0.5 * np.mean(r**2, axis=-1)  # L = (1/2n) Σ rᵢ²
        grad = np.empty(np.shape(theta))
        grad_w, grad_b = self.unravel(grad)
        grad_w[...] = r @ X / n  # dL/dw = X^T r / n
        grad_b[...] = np.mean(r, axis=-1)  # dL/db = Σ rᵢ / n
        return loss, grad


@dataclass(frozen=True)
class LogisticRegression:
    """Binary classifier, y ∈ {0, 1}: p = σ(z), z = x·w + b, mean cross-entropy.

    L = (1/n) Σᵢ −[yᵢ log σ(zᵢ) + (1 − yᵢ) log(1 − σ(zᵢ))]
      = (1/n) Σᵢ log(1 + e^zᵢ) − yᵢ zᵢ,
    computed as np.logaddexp(0, z) − y z, which never overflows. Same layout as
    LinearRegression: theta = [w (n_features), b]. predict gives labels 0/1,
    predict_proba gives p. y may be int, bool or float, with values 0 or 1.
    """

    n_features: int

    # The same parameters as LinearRegression: same size, init and layout [w, b].
    def __post_init__(self):
        _check_positive_ints(n_features=self.n_features)

    size = LinearRegression.size
    init = LinearRegression.init
    unravel = LinearRegression.unravel

    def loss(self, theta, X, y):
        """L alone, shape (...) for theta (..., size)."""
        return self.loss_and_grad(theta, X, y)[0]

    def logits(self, theta, X):
        """z = X w + b, shape (..., n); the linear part of LinearRegression.predict."""
        w, b = self.unravel(theta)
        return w @ _check_features(X, self.n_features).T + b[..., None]

    def predict_proba(self, theta, X):
        """p = σ(z) = 1 / (1 + e^−z), shape (..., n)."""
        return _sigmoid(self.logits(theta, X))

    def predict(self, theta, X):
        """Labels: 1 where z > 0 (that is p > ½), else 0; shape (..., n)."""
        return (self.logits(theta, X) > 0).astype(np.int64)

    def loss_and_grad(self, theta, X, y):
        """(L, dL/dtheta): mean cross-entropy and its gradient X^T (p − y) / n."""
        X, y = _check_data(X, y, self.n_features)
        y = _check_binary(y)
        z = self.logits(theta, X)  # shape (..., n)
        n = len(y)
        loss = np.mean(np.logaddexp(0.0, z) - y * z, axis=-1)  # log(1 + e^z) − y z
        dz = (_sigmoid(z) - y) / n  # dL/dz = (σ(z) − y) / n
        grad = np.empty(np.shape(theta))
        grad_w, grad_b = self.unravel(grad)
        grad_w[...] = dz @ X  # dL/dw = X^T (p − y) / n
        grad_b[...] = np.sum(dz, axis=-1)  # dL/db = Σ (pᵢ − yᵢ) / n
        return loss, grad


@dataclass(frozen=True)
class SoftmaxRegression:
    """Multinomial logistic regression: P = softmax(X W + b), mean cross-entropy.

    L = −(1/n) Σᵢ log P[i, yᵢ] with y int labels in [0, n_classes). The log-softmax
    subtracts the row maximum before exp, so large logits do not overflow.
    Layout: theta = [W (n_features × n_classes, row-major), b (n_classes)].
    """

    n_features: int
    n_classes: int

    def __post_init__(self):
        _check_positive_ints(n_features=self.n_features, n_classes=self.n_classes)

    @property
    def size(self):
        """Length of the flat parameter vector theta."""
        return (self.n_features + 1) * self.n_classes

    def init(self, rng, scale=0.0, batch_shape=()):
        """theta ~ N(0, scale²) of shape batch_shape + (size,); scale=0 gives zeros."""
        shape = (*batch_shape, self.size)
        return np.zeros(shape) + scale * rng.standard_normal(shape)  # 0 + (−0) = +0

    def unravel(self, theta):
        """(W, b) as views into theta: W (..., n_features, n_classes), b (..., n_classes)

        W is stored row-major: W[j, c] = theta[..., j * n_classes + c].
        """
        d, k = self.n_features, self.n_classes
        return _views(_check_theta(theta, self.size), [(d, k), (k,)])

    def logits(self, theta, X):
        """Z = X W + b, shape (..., n, n_classes)."""
        W, b = self.unravel(theta)
        return _check_features(X, self.n_features) @ W + b[..., None, :]

    def predict_proba(self, theta, X):
        """P = softmax(Z) row by row, shape (..., n, n_classes)."""
        return np.exp(_log_softmax(self.logits(theta, X)))

    def predict(self, theta, X):
        """Labels argmaxⱼ Z[i, j], shape (..., n)."""
        return np.argmax(self.logits(theta, X), axis=-1)

    def loss(self, theta, X, y):
        """L alone, shape (...) for theta (..., size)."""
        return self.loss_and_grad(theta, X, y)[0]

    def loss_and_grad(self, theta, X, y):
        """(L, dL/dtheta): mean cross-entropy; dL/dW = X^T (P − Y) / n, Y one-hot."""
        X, y = _check_data(X, y, self.n_features)
        y = _check_labels(y, self.n_classes)
        loss, dZ = _cross_entropy_and_grad(self.logits(theta, X), y)
        grad = np.empty(np.shape(theta))
        grad_W, grad_b = self.unravel(grad)
        grad_W[...] = X.T @ dZ  # dL/dW = X^T dL/dZ = X^T (P − Y) / n
        grad_b[...] = np.sum(dZ, axis=-2)  # dL/db = Σᵢ dL/dZ[i]
        return loss, grad


@dataclass(frozen=True)
class MLP:
    """One hidden layer, softmax cross-entropy output, backprop written by hand.

    A = X W₁ + b₁,  H = act(A),  Z = H W₂ + b₂,  L = −(1/n) Σᵢ log softmax(Z)[i, yᵢ],
    act = tanh or relu, y int labels in [0, n_outputs). Layout: theta = [W₁ (n_inputs ×
    n_hidden), b₁ (n_hidden), W₂ (n_hidden × n_outputs), b₂ (n_outputs)], row-major.
    """

    n_inputs: int
    n_hidden: int
    n_outputs: int
    activation: str = "tanh"

    def __post_init__(self):
        _check_positive_ints(
            n_inputs=self.n_inputs, n_hidden=self.n_hidden, n_outputs=self.n_outputs
        )
        if self.activation not in ("tanh", "relu"):
            raise ValueError(f"activation must be 'tanh' or 'relu', got {self.activation!r}")

    @property
    def size(self):
        """Length of the flat parameter vector theta."""
        d, h, k = self.n_inputs, self.n_hidden, self.n_outputs
        return d * h + h + h * k + k

    def init(self, rng, scale=None, batch_shape=()):
        """Weights ~ N(0, scale²) with scale = 1/√fan_in if None (LeCun); biases 0."""
        theta = np.zeros((*batch_shape, self.size))
        W1, _, W2, _ = self.unravel(theta)
        for W in (W1, W2):
            std = 1 / np.sqrt(W.shape[-2]) if scale is None else scale
            W[...] = std * rng.standard_normal(W.shape)
        return theta

    def unravel(self, theta):
        """(W₁, b₁, W₂, b₂) as views into theta, each with the batch axes in front."""
        d, h, k = self.n_inputs, self.n_hidden, self.n_outputs
        return _views(_check_theta(theta, self.size), [(d, h), (h,), (h, k), (k,)])

    def _forward(self, theta, X):
        """Hidden activations H (..., n, h) and output logits Z (..., n, k)."""
        W1, b1, W2, b2 = self.unravel(theta)
        A = _check_features(X, self.n_inputs) @ W1 + b1[..., None, :]  # A = X W₁ + b₁
        H = np.tanh(A) if self.activation == "tanh" else np.maximum(A, 0.0)
        return H, H @ W2 + b2[..., None, :]  # Z = H W₂ + b₂

    def logits(self, theta, X):
        """Z = act(X W₁ + b₁) W₂ + b₂, shape (..., n, n_outputs)."""
        return self._forward(theta, X)[1]

    # Same output layer as SoftmaxRegression: softmax of the logits Z.
    predict_proba = SoftmaxRegression.predict_proba
    predict = SoftmaxRegression.predict

    def loss(self, theta, X, y):
        """L alone, shape (...) for theta (..., size)."""
        return self.loss_and_grad(theta, X, y)[0]

    def loss_and_grad(self, theta, X, y):
        """(L, dL/dtheta) by backpropagation: the chain rule from L back to W₁."""
        X, y = _check_data(X, y, self.n_inputs)
        y = _check_labels(y, self.n_outputs)
        _, _, W2, _ = self.unravel(theta)  # only W₂ is needed on the way back
        H, Z = self._forward(theta, X)
        loss, dZ = _cross_entropy_and_grad(Z, y)  # dL/dZ = (P − Y) / n
        grad = np.empty(np.shape(theta))
        gW1, gb1, gW2, gb2 = self.unravel(grad)  # same layout as theta
        gW2[...] = np.swapaxes(H, -1, -2) @ dZ  # dL/dW₂ = H^T dL/dZ
        gb2[...] = np.sum(dZ, axis=-2)  # dL/db₂ = Σᵢ dL/dZ[i]
        dH = dZ @ np.swapaxes(W2, -1, -2)  # dL/dH = dL/dZ W₂^T
        if self.activation == "tanh":
            dA = dH * (1 - H**2)  # dL/dA = dL/dH ⊙ tanh'(A), tanh' = 1 − tanh² = 1 − H²
        else:
            dA = dH * (H > 0)  # dL/dA = dL/dH ⊙ relu'(A), relu' = 1 where A > 0 else 0
        gW1[...] = X.T @ dA  # dL/dW₁ = X^T dL/dA
        gb1[...] = np.sum(dA, axis=-2)  # dL/db₁ = Σᵢ dL/dA[i]
        return loss, grad


def accuracy(model, theta, X, y):
    """Share of rows whose predicted label equals y, one per leading axis of theta."""
    if not hasattr(model, "predict_proba"):
        raise ValueError(f"accuracy needs a classifier, got {type(model).__name__}")
    predicted = model.predict(theta, X)  # labels, shape (..., n)
    if np.shape(y) != predicted.shape[-1:]:
        raise ValueError(f"y must have shape ({len(X)},) like the rows of X, got {np.shape(y)}")
    return np.mean(predicted == y, axis=-1)


def _views(theta, shapes):
    """Cut the last axis of theta into consecutive blocks of these shapes (views)."""
    parts, start = [], 0
    for shape in shapes:
        stop = start + int(np.prod(shape))
        parts.append(theta[..., start:stop].reshape((*theta.shape[:-1], *shape)))
        start = stop
    return tuple(parts)


def _sigmoid(z):
    """σ(z) = 1 / (1 + e^−z) = exp(−log(1 + e^−z)); logaddexp never overflows."""
    return np.exp(-np.logaddexp(0.0, -z))


def _log_softmax(Z):
    """log softmax(Z) over the last axis: Z − max − log Σ exp(Z − max)."""
    Z = Z - np.max(Z, axis=-1, keepdims=True)  # shift: largest logit is 0, exp ≤ 1
    return Z - np.log(np.sum(np.exp(Z), axis=-1, keepdims=True))


def _cross_entropy_and_grad(Z, y):
    """Mean cross-entropy of logits Z (..., n, k) against labels y, and dL/dZ."""
    n, k = Z.shape[-2:]
    Y = np.eye(k)[y]  # one-hot, (n, k)
    log_P = _log_softmax(Z)
    loss = -np.mean(np.sum(Y * log_P, axis=-1), axis=-1)  # −(1/n) Σᵢ log P[i, yᵢ]
    return loss, (np.exp(log_P) - Y) / n  # dL/dZ = (P − Y) / n


def _check_positive_ints(**sizes):
    for name, value in sizes.items():
        is_int = isinstance(value, int | np.integer) and not isinstance(value, bool)
        if not is_int or value < 1:
            raise ValueError(f"{name} must be an integer ≥ 1, got {value!r}")


def _check_theta(theta, size):
    theta = np.asarray(theta)
    if theta.ndim == 0 or theta.shape[-1] != size:
        raise ValueError(
            f"theta must have shape (..., model.size) = (..., {size}), got shape {theta.shape}"
        )
    return theta


def _check_features(X, n_features):
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != n_features:
        raise ValueError(f"X must have shape (n, {n_features}), got shape {X.shape}")
    return X


def _check_data(X, y, n_features):
    X, y = _check_features(X, n_features), np.asarray(y)
    if y.shape != (len(X),) or len(y) == 0:
        raise ValueError(
            f"y must have shape (n,) with n = {len(X)} ≥ 1 rows of X, got shape {y.shape}"
        )
    return X, y


def _check_labels(y, n_classes):
    if not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= n_classes:
        raise ValueError(
            f"y must hold integer labels in [0, {n_classes}), got dtype {y.dtype} "
            f"with values in [{y.min()}, {y.max()}]"
        )
    return y


def _check_binary(y):
    if not np.all((y == 0) | (y == 1)):
        raise ValueError(f"y must hold binary labels 0 or 1, got {np.unique(y)[:5]}")
    return y.astype(np.float64)
