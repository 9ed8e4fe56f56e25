"""Exponentially weighted (moving) averages, with and without bias correction.

    v_t = β v_{t−1} + (1−β) θ_t,   v_0 = 0
    v̂_t = v_t / (1 − β^t)          (bias correction)

v_t averages roughly the last 1/(1−β) values: β = 0.9 ≈ 10 days,
β = 0.98 ≈ 50 days. Adam's m_t and v_t are exactly this average of g and g².
"""

import numpy as np

from .base import check_beta


def ewma(series, beta, bias_correction=False):
    """The exponentially weighted average of a series, at every step.

    Args:
        series: array of shape (T, ...); axis 0 is time.
        beta: β in [0, 1); a number or an array broadcasting against one
            time step (e.g. shape (3, 1) with series (T, 1) gives 3 averages).
        bias_correction: divide v_t by 1 − β^t.

    Returns:
        array of shape (T, *broadcast(series[0], beta)): v_1 ... v_T.
    """
    check_beta(beta, "beta")
    series = np.asarray(series, dtype=float)
    if series.ndim == 0 or len(series) == 0:
        raise ValueError("series must be an array with at least one time step")
    beta = np.asarray(beta, dtype=float)
    v = np.zeros(np.broadcast_shapes(series.shape[1:], beta.shape))
    out = np.empty((len(series), *v.shape))
    for t, theta in enumerate(series, start=1):  # sequential in time
        if bias_correction:
            # v̂_t = v_t / (1 − β^t), computed as a running weighted mean
            # v̂_t = v̂_{t−1} + w_t (θ_t − v̂_{t−1}), w_t = (1−β)/(1−β^t);
            # algebraically the same, and a constant series comes back exactly.
            v = v + (1 - beta) / (1 - beta**t) * (theta - v)
        else:
            v = beta * v + (1 - beta) * theta  # v_t = β v_{t−1} + (1−β) θ_t
        out[t - 1] = v
    return out


def ewma_weights(beta, t, bias_correction=False):
    """The weight each θ_1 ... θ_t carries in v_t (the slide's expansion of v_100).

    w_i = (1−β) β^(t−i); with bias correction divided by 1 − β^t so they sum to 1.
    """
    check_beta(beta, "beta")
    i = np.arange(1, t + 1)
    weights = (1 - beta) * beta ** (t - i)
    return weights / (1 - beta**t) if bias_correction else weights


def effective_window(beta):
    """1/(1−β): how many recent values the average mostly reflects."""
    check_beta(beta, "beta")
    return 1 / (1 - np.asarray(beta, dtype=float))
