"""Benchmarks of optlib's optimizers (numbers and ratios, not pass/fail tests).

1. Per-step overhead on a 2-vector: optlib.Adam.update vs torch.optim.Adam.step.
2. One Adam step on 10⁷ float64 parameters: optlib vs torch's single-tensor path,
   and both against the memory-bandwidth limit measured with a plain copy.
3. A sweep of 10 000 learning rates × 500 steps of GD on Rosenbrock: one batched
   run vs a Python loop over single runs (the loop is timed on a subset and
   scaled linearly).

Run: python benchmarks/bench_optimizers.py   (torch comparisons only if torch imports)
"""

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import optlib as ol  # noqa: E402

try:
    import torch

    torch.set_default_dtype(torch.float64)
except ImportError:
    torch = None


def best_of(fn, repeat=5, number=1):
    """Best wall time of `repeat` rounds of `number` calls, per call."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return min(times)


def per_step_overhead():
    opt, g = ol.Adam(lr=1e-3), np.array([0.1, -0.2])
    state = opt.init(np.zeros(2))

    def ours():
        opt.update(g, state)

    results = {"optlib Adam.update, 2-vector": best_of(ours, number=2000)}
    if torch is not None:
        p = torch.zeros(2, requires_grad=True)
        p.grad = torch.tensor([0.1, -0.2])
        topt = torch.optim.Adam([p], lr=1e-3, foreach=False)
        results["torch Adam.step, 2-vector"] = best_of(topt.step, number=2000)
    return results


def big_step(n=10_000_000):
    rng = np.random.default_rng(0)
    g = rng.normal(size=n)
    opt = ol.Adam(lr=1e-3)
    state = opt.init(np.zeros(n))
    _, state = opt.update(g, state)  # warm state (t = 1)
    results = {"optlib Adam.update, 1e7": best_of(lambda: opt.update(g, state), repeat=5)}
    if torch is not None:
        torch.set_num_threads(1)
        p = torch.zeros(n, requires_grad=True)
        p.grad = torch.from_numpy(g)
        topt = torch.optim.Adam([p], lr=1e-3, foreach=False)
        topt.step()
        results["torch Adam.step single-tensor 1 thread, 1e7"] = best_of(topt.step, repeat=5)
        torch.set_num_threads(2)
        results["torch Adam.step single-tensor 2 threads, 1e7"] = best_of(topt.step, repeat=5)
    src, dst = np.ones(n), np.empty(n)
    copy = best_of(lambda: np.copyto(dst, src), repeat=7)
    bandwidth = 2 * src.nbytes / copy  # bytes read + written per second
    # Adam must at least read g, m, v and write m, v, Δw: six arrays of n float64.
    results["bandwidth limit for Adam (6 arrays moved once)"] = 6 * src.nbytes / bandwidth
    return results, bandwidth


def sweep(n_lr=10_000, steps=500, loop_subset=100):
    lrs = np.logspace(-5, -2.5, n_lr)
    x0 = np.array([-1.5, 2.0])
    start = time.perf_counter()
    batched = ol.run(ol.problems.rosenbrock, ol.GD(lr=lrs[:, None]), x0, steps)
    t_batched = time.perf_counter() - start
    start = time.perf_counter()
    for lr in lrs[:loop_subset]:
        ol.run(ol.problems.rosenbrock, ol.GD(lr=float(lr)), x0, steps)
    t_loop = (time.perf_counter() - start) * n_lr / loop_subset
    single = ol.run(ol.problems.rosenbrock, ol.GD(lr=float(lrs[7])), x0, steps)
    assert np.allclose(single.xs, batched.xs[:, 7], equal_nan=True)
    return t_batched, t_loop


def main():
    print("optlib benchmarks", f"(torch {torch.__version__})" if torch else "(no torch)")
    print("\n1. per-step overhead on a 2-vector")
    small = per_step_overhead()
    for name, seconds in small.items():
        print(f"   {name:48s} {seconds * 1e6:8.2f} µs")
    if torch is not None:
        ratio = small["optlib Adam.update, 2-vector"] / small["torch Adam.step, 2-vector"]
        print(f"   optlib / torch = {ratio:.2f}  (target < 1)")
    print("\n2. one Adam step on 10^7 float64 parameters")
    big, bandwidth = big_step()
    print(f"   measured copy bandwidth: {bandwidth / 1e9:.1f} GB/s")
    for name, seconds in big.items():
        print(f"   {name:48s} {seconds * 1e3:8.1f} ms")
    ours = big["optlib Adam.update, 1e7"]
    limit = big["bandwidth limit for Adam (6 arrays moved once)"]
    print(f"   optlib / bandwidth limit = {ours / limit:.2f}")
    if torch is not None:
        for key in [k for k in big if k.startswith("torch")]:
            print(f"   optlib / {key.split(',')[0]} = {ours / big[key]:.2f}  (target <= 1.5)")
    print("\n3. 10 000 learning rates x 500 steps of GD on Rosenbrock")
    t_batched, t_loop = sweep()
    print(
        f"   batched run: {t_batched:.2f} s; "
        f"Python loop over runs (scaled from 100): {t_loop:.1f} s"
    )
    print(f"   speed-up = {t_loop / t_batched:.0f}x  (target >= 100)")


if __name__ == "__main__":
    main()
