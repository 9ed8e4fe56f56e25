"""Run loops: the only place where parameters change (w ← w + Δw).

- `run`: an optimizer on a 2-D problem → a `Trajectory`.
- `run_nesterov_lookahead`: Nesterov's look-ahead form, for comparison.
- `run_online`: an optimizer on an online problem, projected onto its interval.
- `fit`: a model on a dataset with mini-batches → a `History`.

All of them accept batches: a sweep over K learning rates is one call with
`lr` of shape (K, 1); the Python loop runs over steps, never over settings.

Divergence is not an error. The optimizers' `update` does not look for NaN or
inf (see `optlib.base`); the loops do, after every step, and stop a run at the
first step k where, in this order,
    the gradient,
    a field of the optimizer state (e.g. v = inf after g² overflowed),
    the parameters, or
    the loss
is not finite, or where the loss exceeds `divergence_factor` times its
absolute starting value (10¹² by default; None switches this test off; a run
that starts at loss 0 is only stopped by non-finite numbers). A run that
starts from a non-finite point or loss is stopped at step 0. A stopped run is
frozen there: its positions and losses are NaN from step k on,
`diverged_at` holds k (−1 if it never stopped) and `reason` says which test
failed ("completed" if none did). The other runs of a batch go on.
"""

import math
import time
from typing import NamedTuple

import numpy as np

from .base import as_real, check_beta, check_lr, param_shape, positive_int, real_array

DIVERGENCE_FACTOR = 1e12  # a loss this many times its start counts as diverged
COMPLETED = "completed"


class Trajectory(NamedTuple):
    """What `run` returns: positions, losses, and where and why runs stopped."""

    xs: np.ndarray  # positions, shape (steps + 1, ..., 2); NaN after divergence
    losses: np.ndarray  # f at each position, shape (steps + 1, ...)
    diverged_at: np.ndarray  # step at which each run was stopped, −1 if none
    states: dict | None  # optimizer state fields over time (keep_state=True)
    reason: np.ndarray  # why each run stopped: "completed" or the failed test

    @property
    def diverged(self):
        """True for each run that was stopped before its last step."""
        return self.diverged_at >= 0


class Watch:
    """Which runs of a batch are still going, where the others stopped and why."""

    def __init__(self, batch_shape, divergence_factor=DIVERGENCE_FACTOR):
        if divergence_factor is not None and not divergence_factor > 1:
            raise ValueError(f"divergence_factor must be > 1 or None, got {divergence_factor!r}")
        self.factor = divergence_factor
        self.alive = np.ones(batch_shape, dtype=bool)
        self.diverged_at = np.full(batch_shape, -1)
        self.reason = np.full(batch_shape, COMPLETED, dtype=object)
        self.limit = None  # factor × |start loss| per run (inf: no growth test)

    def check(self, step, ok, why):
        """Stop, at `step` and because `why`, every live run where `ok` is False."""
        stopping = self.alive & ~ok
        if not stopping.any():  # the common case: nothing to record
            return
        self.diverged_at = np.where(stopping, step, self.diverged_at)
        self.reason = np.where(stopping, why, self.reason)
        self.alive = self.alive & ok

    def check_start(self, params, loss):
        """Step 0: the start point and its loss must be finite (the loss is the reference)."""
        self.check_finite(0, params, "start")
        self.check_loss(0, loss)

    def check_step(self, step, grad, state, params, loss):
        """Every test of one update, in order: gradient, state, parameters, loss."""
        self.check_finite(step, grad, "gradient")
        self.check_state(step, state)
        self.check_finite(step, params, "parameters")
        self.check_loss(step, loss)

    def check_finite(self, step, value, name):
        """Stop the runs whose part of `value` holds a NaN or an inf."""
        if np.ndim(value) == 0 and math.isfinite(value):  # a single number (run_online)
            return
        ok = np.isfinite(value)
        if ok.all():  # the common case, checked in one pass
            return
        while ok.ndim > self.alive.ndim:  # all coordinates of a run must be finite
            ok = ok.all(axis=-1)
        self.check(step, np.broadcast_to(ok, self.alive.shape), f"non-finite {name}")

    def check_state(self, step, state):
        """Stop the runs whose optimizer state holds a NaN or an inf (field by field)."""
        for name in getattr(state, "_fields", ())[1:]:  # a NamedTuple, t first
            value = getattr(state, name)
            if not isinstance(value, tuple):  # GD's state keeps only the shape
                self.check_finite(step, value, f"optimizer state ({name})")

    def check_loss(self, step, loss):
        """Stop the runs whose loss is not finite or has grown too much."""
        loss = np.asarray(loss, dtype=float)
        self.check(step, np.isfinite(loss), "non-finite loss")
        if self.limit is None:  # step 0: the start loss sets the limit
            start = np.where(self.alive, np.abs(loss), 0.0)
            factor = np.inf if self.factor is None else self.factor
            self.limit = np.where(start > 0, factor * start, np.inf)
        elif self.factor is not None:
            grew = loss > self.limit
            self.check(step, ~grew, f"loss grew over {self.factor:g} times its start")


def _start(optimizer, x0, name="x0"):
    """Broadcast x0 against the optimizer's hyperparameters (a fresh copy)."""
    x0 = real_array(name, x0).astype(float)
    return np.broadcast_to(x0, param_shape(optimizer, x0)).copy()


def _stack_states(states):
    return {
        name: np.stack(
            [np.broadcast_to(getattr(s, name), np.shape(getattr(states[-1], name))) for s in states]
        )
        for name in states[0]._fields
    }


def run(
    problem, optimizer, x0=None, steps=100, keep_state=False, divergence_factor=DIVERGENCE_FACTOR
):
    """Run `optimizer` on a 2-D `problem` from `x0` for `steps` updates.

    Args:
        problem: an `optlib.problems.Problem` (anything with f and grad).
        optimizer: any optlib optimizer; array hyperparameters give a batch.
        x0: start, shape (2,) or (..., 2); default `problem.x0`.
        steps: number of updates, an integer >= 1.
        keep_state: also return the optimizer state at every step.
        divergence_factor: stop a run whose loss exceeds this many times its
            absolute start (None: only non-finite numbers stop a run).
    """
    steps = positive_int("steps", steps)
    x = _start(optimizer, problem.x0 if x0 is None else x0)
    state = optimizer.init(x)
    xs = np.full((steps + 1, *x.shape), np.nan)
    losses = np.full((steps + 1, *x.shape[:-1]), np.nan)
    watch = Watch(x.shape[:-1], divergence_factor)
    with np.errstate(over="ignore", invalid="ignore"):
        loss = problem.f(x)
        watch.check_start(x, loss)
        xs[0] = np.where(watch.alive[..., None], x, np.nan)
        losses[0] = np.where(watch.alive, loss, np.nan)
        states = [state]
        for k in range(1, steps + 1):
            if not watch.alive.any():
                break
            g = problem.grad(x)
            delta, state = optimizer.update(g, state)
            x = x + delta
            loss = problem.f(x)
            watch.check_step(k, g, state, x, loss)
            xs[k] = np.where(watch.alive[..., None], x, np.nan)
            losses[k] = np.where(watch.alive, loss, np.nan)
            if keep_state:
                states.append(state)
    return Trajectory(
        xs, losses, watch.diverged_at, _stack_states(states) if keep_state else None, watch.reason
    )


def run_nesterov_lookahead(
    problem, lr, momentum, x0=None, steps=100, divergence_factor=DIVERGENCE_FACTOR
):
    """Nesterov's method as on the slide: the gradient at the look-ahead point.

        v(n) = α v(n−1) − η ∇f(w(n) + α v(n−1))
        w(n+1) = w(n) + v(n)

    Returns the Trajectory of w, stopped and flagged like `run`'s.
    `optlib.Nesterov` tracks φ = w + αv instead; the two coincide after that
    change of variable.
    """
    lr, momentum = as_real("lr", lr), as_real("momentum", momentum)
    check_lr(lr)
    check_beta(momentum, "momentum")
    steps = positive_int("steps", steps)
    w = real_array("x0", problem.x0 if x0 is None else x0).astype(float)
    w = np.broadcast_to(w, np.broadcast_shapes(w.shape, np.shape(lr), np.shape(momentum))).copy()
    v = np.zeros_like(w)
    watch = Watch(w.shape[:-1], divergence_factor)
    ws, losses = np.full((steps + 1, *w.shape), np.nan), np.full((steps + 1, *w.shape[:-1]), np.nan)
    with np.errstate(over="ignore", invalid="ignore"):
        loss = problem.f(w)
        watch.check_start(w, loss)
        ws[0] = np.where(watch.alive[..., None], w, np.nan)
        losses[0] = np.where(watch.alive, loss, np.nan)
        for k in range(1, steps + 1):
            if not watch.alive.any():
                break
            g = problem.grad(w + momentum * v)  # the gradient at the look-ahead point
            watch.check_finite(k, g, "gradient")
            v = momentum * v - lr * g  # v(n) = αv(n−1) − η∇f(w + αv)
            watch.check_finite(k, v, "velocity")
            w = w + v  # w(n+1) = w(n) + v(n)
            watch.check_finite(k, w, "parameters")
            loss = problem.f(w)
            watch.check_loss(k, loss)
            ws[k] = np.where(watch.alive[..., None], w, np.nan)
            losses[k] = np.where(watch.alive, loss, np.nan)
    return Trajectory(ws, losses, watch.diverged_at, None, watch.reason)


class OnlineRun(NamedTuple):
    """What `run_online` returns: the points played, the average regret, stops."""

    xs: np.ndarray  # x_1 ... x_{T+1}: the points played, then the final one; (T+1, ...)
    average_regret: np.ndarray  # R_t / t for t = 1 ... T
    diverged_at: np.ndarray  # step at which each run was stopped, −1 if none
    reason: np.ndarray  # why each run stopped: "completed" or the failed test


def run_online(problem, optimizer, x0=0.0, steps=1000):
    """Online gradient descent with projection: play x_t, see f_t, update, clip.

        x_{t+1} = Π_[low, high](x_t + Δx_t)

    For the linear losses f_t(x) = c_t x of `optlib.problems.OnlineProblem`
    the gradient is c_t, so all c_t are looked up once before the loop.
    Regret R_T = Σ f_t(x_t) − min_x Σ f_t(x); the minimum is at an end of the
    interval. Returns the points (xs[-1] is the point after the last update)
    and R_t/t. x0 must lie in the interval (it is the first point played).
    A run whose gradient, state or point stops being finite is stopped there,
    as in `run`.
    """
    low, high = problem.bounds
    steps = positive_int("steps", steps)
    x = _start(optimizer, x0)
    if not np.all((x >= low) & (x <= high)):
        raise ValueError(f"x0 must lie in the feasible interval [{low}, {high}], got {x0!r}")
    state = optimizer.init(x)
    c = problem.coefficient(np.arange(1, steps + 1))  # c_1 ... c_T
    xs = np.full((steps + 1, *x.shape), np.nan)
    xs[0] = x
    watch = Watch(x.shape, divergence_factor=None)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, steps + 1):
            g = c[t - 1] + 0.0 * x  # ∇f_t(x) = c_t
            watch.check_finite(t, g, "gradient")
            delta, state = optimizer.update(g, state)
            watch.check_state(t, state)
            x = np.clip(x + delta, low, high)
            watch.check_finite(t, x, "parameters")
            xs[t] = np.where(watch.alive, x, np.nan)
    shape = (-1, *([1] * x.ndim))
    losses = c.reshape(shape) * xs[:-1]  # f_t(x_t)
    coefficient_sums = np.cumsum(c)
    best = np.minimum(coefficient_sums * low, coefficient_sums * high)  # min_x Σ c_t x
    regret = np.cumsum(losses, axis=0) - best.reshape(shape)
    return OnlineRun(
        xs, regret / np.arange(1, steps + 1).reshape(shape), watch.diverged_at, watch.reason
    )


class History(NamedTuple):
    """What `fit` returns: losses during training, final parameters, stops."""

    batch_loss: np.ndarray  # mini-batch loss of every update, shape (updates, ...)
    samples_seen: np.ndarray  # cumulative samples after each update
    epoch_loss: np.ndarray  # full training loss at epoch 0 (start), 1, ..., E
    val_loss: np.ndarray | None  # validation loss at the same points
    eval_updates: np.ndarray  # update counts at which eval_loss was measured
    eval_loss: np.ndarray  # full training loss every `eval_every` updates
    epoch_seconds: np.ndarray  # wall time of each epoch's updates (no evaluation)
    theta: np.ndarray  # final parameters (NaN where diverged)
    diverged_at: np.ndarray  # update at which each run was stopped, −1 if none
    states: dict | None  # optimizer state fields after every update (keep_state=True)
    reason: np.ndarray  # why each run stopped: "completed" or the failed test


def fit(
    model,
    data,
    optimizer,
    batch_size,
    epochs,
    seed=0,
    theta0=None,
    val_data=None,
    eval_every=None,
    keep_state=False,
    divergence_factor=DIVERGENCE_FACTOR,
):
    """Train `model` on `data` with mini-batches of `batch_size` rows.

    batch_size = len(data.X) is batch GD, 1 is SGD, anything between is
    mini-batch GD. The seed fixes the initial parameters and the shuffling.

    Args:
        model: an `optlib.models` model (loss, loss_and_grad, init, size).
        data: a Dataset with X and y.
        optimizer: any optlib optimizer; array hyperparameters give a batch.
        batch_size, epochs: integers ≥ 1.
        seed: seeds initialisation and shuffling.
        theta0: optional initial parameters (default `model.init(rng)`).
        val_data: optional Dataset for a validation loss per epoch.
        eval_every: also record the full training loss every this many
            updates (an integer ≥ 1, or None).
        keep_state: also return the optimizer state after every update
            (e.g. Rprop's step sizes), stacked like `run`'s.
        divergence_factor: stop a run whose mini-batch loss exceeds this many
            times the absolute full loss at the start (None: only non-finite
            numbers stop a run).
    """
    from .datasets import minibatches

    batch_size, epochs = positive_int("batch_size", batch_size), positive_int("epochs", epochs)
    if eval_every is not None:
        eval_every = positive_int("eval_every", eval_every)
    X, y = data.X, data.y
    rng = np.random.default_rng(seed)
    theta = _start(optimizer, model.init(rng) if theta0 is None else theta0, "theta0")
    state = optimizer.init(theta)
    watch = Watch(theta.shape[:-1], divergence_factor)

    def full_loss(th, d):
        with np.errstate(over="ignore", invalid="ignore"):
            return np.where(watch.alive, model.loss(th, d.X, d.y), np.nan)

    batch_loss, samples, eval_updates, eval_loss, seconds = [], [], [0], [], []
    epoch_loss = [full_loss(theta, data)]
    watch.check_start(theta, epoch_loss[0])
    eval_loss.append(epoch_loss[0])
    val_loss = None if val_data is None else [full_loss(theta, val_data)]
    seen, states = 0, [state]
    for _ in range(epochs):
        if not watch.alive.any():
            break
        elapsed = 0.0
        for idx in minibatches(len(X), batch_size, rng):
            start = time.perf_counter()
            with np.errstate(over="ignore", invalid="ignore"):
                loss, g = model.loss_and_grad(theta, X[idx], y[idx])
                delta, state = optimizer.update(g, state)
                theta = theta + delta
            elapsed += time.perf_counter() - start
            seen += len(idx)
            with np.errstate(over="ignore", invalid="ignore"):
                watch.check_step(len(batch_loss) + 1, g, state, theta, loss)
            theta = np.where(watch.alive[..., None], theta, np.nan)
            batch_loss.append(np.where(watch.alive, loss, np.nan))
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
    return History(
        np.array(batch_loss),
        np.array(samples),
        np.array(epoch_loss),
        None if val_loss is None else np.array(val_loss),
        np.array(eval_updates),
        np.array(eval_loss),
        np.array(seconds),
        theta,
        watch.diverged_at,
        _stack_states(states) if keep_state else None,
        watch.reason,
    )
