"""Run loops: the only place where parameters change (w ← w + Δw).

- `run`: an optimizer on a 2-D problem → a `Trajectory`.
- `run_nesterov_lookahead`: Nesterov's look-ahead form, for comparison.
- `run_online`: an optimizer on an online problem, projected onto its interval.
- `fit`: a model on a dataset with mini-batches → a `History`.

All of them accept batches: a sweep over K learning rates is one call with
`lr` of shape (K, 1); the Python loop runs over steps, never over settings.
Divergence is not an error: a run that produces a non-finite loss or
parameter is frozen there (NaN afterwards) and `diverged_at` records the step.
"""

import time
from typing import NamedTuple

import numpy as np

from .base import param_shape


class Trajectory(NamedTuple):
    xs: np.ndarray  # positions, shape (steps + 1, ..., 2); NaN after divergence
    losses: np.ndarray  # f at each position, shape (steps + 1, ...)
    diverged_at: np.ndarray  # first non-finite step per run, −1 if none
    states: dict | None  # optimizer state fields over time (keep_state=True)

    @property
    def diverged(self):
        return self.diverged_at >= 0


def _start(optimizer, x0):
    """Broadcast x0 against the optimizer's hyperparameters (a fresh copy)."""
    x0 = np.asarray(x0, dtype=float)
    return np.broadcast_to(x0, param_shape(optimizer, x0)).copy()


def _stack_states(states):
    return {name: np.stack([np.broadcast_to(getattr(s, name), np.shape(getattr(states[-1], name)))
                            for s in states])
            for name in states[0]._fields}


def run(problem, optimizer, x0=None, steps=100, keep_state=False):
    """Run `optimizer` on a 2-D `problem` from `x0` for `steps` updates.

    Args:
        problem: an `optlib.problems.Problem` (anything with f and grad).
        optimizer: any optlib optimizer; array hyperparameters give a batch.
        x0: start, shape (2,) or (..., 2); default `problem.x0`.
        steps: number of updates.
        keep_state: also return the optimizer state at every step.
    """
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    x = _start(optimizer, problem.x0 if x0 is None else x0)
    state = optimizer.init(x)
    xs = np.full((steps + 1, *x.shape), np.nan)
    losses = np.full((steps + 1, *x.shape[:-1]), np.nan)
    diverged_at = np.full(x.shape[:-1], -1)
    xs[0], losses[0] = x, problem.f(x)
    alive = np.isfinite(losses[0]) & np.isfinite(x).all(axis=-1)
    states = [state]
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(1, steps + 1):
            delta, state = optimizer.update(problem.grad(x), state)
            x = x + delta
            loss = problem.f(x)
            ok = np.isfinite(loss) & np.isfinite(x).all(axis=-1)
            diverged_at = np.where(alive & ~ok, k, diverged_at)
            alive = alive & ok
            xs[k] = np.where(alive[..., None], x, np.nan)
            losses[k] = np.where(alive, loss, np.nan)
            if keep_state:
                states.append(state)
            if not alive.any():
                break
    return Trajectory(xs, losses, diverged_at, _stack_states(states) if keep_state else None)


def run_nesterov_lookahead(problem, lr, momentum, x0=None, steps=100):
    """Nesterov's method as on the slide: the gradient at the look-ahead point.

        v(n) = α v(n−1) − η ∇f(w(n) + α v(n−1))
        w(n+1) = w(n) + v(n)

    Returns the Trajectory of w. `optlib.Nesterov` tracks φ = w + αv instead;
    the two coincide after that change of variable.
    """
    w = np.asarray(problem.x0 if x0 is None else x0, dtype=float)
    v = np.zeros_like(w)
    ws = [w]
    for _ in range(steps):
        v = momentum * v - lr * problem.grad(w + momentum * v)
        w = w + v
        ws.append(w)
    ws = np.stack(ws)
    return Trajectory(ws, problem.f(ws), np.full(w.shape[:-1], -1), None)


class OnlineRun(NamedTuple):
    xs: np.ndarray  # x_1 ... x_{T+1}: the points played, then the final one; (T+1, ...)
    average_regret: np.ndarray  # R_t / t for t = 1 ... T


def run_online(problem, optimizer, x0=0.0, steps=1000):
    """Online gradient descent with projection: play x_t, see f_t, update, clip.

        x_{t+1} = Π_[low, high](x_t + Δx_t)

    For the linear losses f_t(x) = c_t x of `optlib.problems.OnlineProblem`
    the gradient is c_t, so all c_t are looked up once before the loop.
    Regret R_T = Σ f_t(x_t) − min_x Σ f_t(x); the minimum is at an end of the
    interval. Returns the points (xs[-1] is the point after the last update)
    and R_t/t.
    """
    low, high = problem.bounds
    x = _start(optimizer, x0)
    state = optimizer.init(x)
    c = problem.coefficient(np.arange(1, steps + 1))  # c_1 ... c_T
    xs = np.empty((steps + 1, *x.shape))
    xs[0] = x
    for t in range(1, steps + 1):
        delta, state = optimizer.update(c[t - 1] + 0.0 * x, state)  # ∇f_t(x) = c_t
        x = np.clip(x + delta, low, high)
        xs[t] = x
    shape = (-1, *([1] * x.ndim))
    losses = c.reshape(shape) * xs[:-1]  # f_t(x_t)
    coefficient_sums = np.cumsum(c)
    best = np.minimum(coefficient_sums * low, coefficient_sums * high)  # min_x Σ c_t x
    regret = np.cumsum(losses, axis=0) - best.reshape(shape)
    return OnlineRun(xs, regret / np.arange(1, steps + 1).reshape(shape))


class History(NamedTuple):
    batch_loss: np.ndarray  # mini-batch loss of every update, shape (updates, ...)
    samples_seen: np.ndarray  # cumulative samples after each update
    epoch_loss: np.ndarray  # full training loss at epoch 0 (start), 1, ..., E
    val_loss: np.ndarray | None  # validation loss at the same points
    eval_updates: np.ndarray  # update counts at which eval_loss was measured
    eval_loss: np.ndarray  # full training loss every `eval_every` updates
    epoch_seconds: np.ndarray  # wall time of each epoch's updates (no evaluation)
    theta: np.ndarray  # final parameters (NaN where diverged)
    diverged_at: np.ndarray  # first non-finite update per run, −1 if none
    states: dict | None  # optimizer state fields after every update (keep_state=True)


def fit(model, data, optimizer, batch_size, epochs, seed=0, theta0=None,
        val_data=None, eval_every=None, keep_state=False):
    """Train `model` on `data` with mini-batches of `batch_size` rows.

    batch_size = len(data.X) is batch GD, 1 is SGD, anything between is
    mini-batch GD. The seed fixes the initial parameters and the shuffling.

    Args:
        model: an `optlib.models` model (loss, loss_and_grad, init, size).
        data: a Dataset with X and y.
        optimizer: any optlib optimizer; array hyperparameters give a batch.
        batch_size, epochs: ints ≥ 1.
        seed: seeds initialisation and shuffling.
        theta0: optional initial parameters (default `model.init(rng)`).
        val_data: optional Dataset for a validation loss per epoch.
        eval_every: also record the full training loss every this many updates.
        keep_state: also return the optimizer state after every update
            (e.g. Rprop's step sizes), stacked like `run`'s.
    """
    from .datasets import minibatches

    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    X, y = data.X, data.y
    rng = np.random.default_rng(seed)
    theta = _start(optimizer, model.init(rng) if theta0 is None else theta0)
    state = optimizer.init(theta)
    batch_shape = theta.shape[:-1]

    def full_loss(th, d):
        with np.errstate(over="ignore", invalid="ignore"):
            return np.where(alive, model.loss(th, d.X, d.y), np.nan)

    alive = np.ones(batch_shape, dtype=bool)
    diverged_at = np.full(batch_shape, -1)
    batch_loss, samples, eval_updates, eval_loss, seconds = [], [], [0], [], []
    epoch_loss = [full_loss(theta, data)]
    eval_loss.append(epoch_loss[0])
    val_loss = None if val_data is None else [full_loss(theta, val_data)]
    seen, states = 0, [state]
    for _ in range(epochs):
        elapsed = 0.0
        for idx in minibatches(len(X), batch_size, rng):
            start = time.perf_counter()
            with np.errstate(over="ignore", invalid="ignore"):
                loss, g = model.loss_and_grad(theta, X[idx], y[idx])
                delta, state = optimizer.update(g, state)
                theta = theta + delta
            elapsed += time.perf_counter() - start
            seen += len(idx)
            ok = np.isfinite(loss) & np.isfinite(theta).all(axis=-1)
            diverged_at = np.where(alive & ~ok, len(batch_loss) + 1, diverged_at)
            alive = alive & ok
            theta = np.where(alive[..., None], theta, np.nan)
            batch_loss.append(np.where(alive, loss, np.nan))
            samples.append(seen)
            if keep_state:
                states.append(state)
            if eval_every and len(batch_loss) % eval_every == 0:
                eval_updates.append(len(batch_loss))
                eval_loss.append(full_loss(theta, data))
        seconds.append(elapsed)
        epoch_loss.append(full_loss(theta, data))
        if val_loss is not None:
            val_loss.append(full_loss(theta, val_data))
        if not alive.any():
            break
    return History(np.array(batch_loss), np.array(samples), np.array(epoch_loss),
                   None if val_loss is None else np.array(val_loss),
                   np.array(eval_updates), np.array(eval_loss), np.array(seconds),
                   theta, diverged_at, _stack_states(states) if keep_state else None)
