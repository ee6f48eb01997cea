"""Engine speed and memory against baselines measured in the same run.

    python bench/bench_engine.py            # needs torch==2.13.0 for the torch ratios

Goals (issue 2), each printed as a ratio next to its limit:
  1. forward+backward per op on 4-element tensors   engine/torch  <= 1.0
  2. y = 2 * dot(x, x); y.backward()                  engine/torch  <= 0.5
  3. chains on 1,000,000-element tensors              engine/numpy-by-hand <= 1.3
  4. a 100,000-op chain vs a 10,000-op chain          time ratio    <= 15
  5. memory held by a 60-op graph on 1e6 elements     engine/torch  <= 1.5
Goals of issue 13:
  6. a 300-op chain of mul, add, tanh on 4 elements, fwd+bwd per op   engine/torch <= 1.0
  7. a create_graph pass against the plain pass of the same graph     engine/engine <= 3.0
     (and the same ratio under torch, for reference)
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import time
import timeit

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import engine  # noqa: E402

try:
    import torch
except ImportError:  # the torch ratios are skipped
    torch = None

SMALL_OPS = {
    "add": lambda m, x, w: (x + w).sum(),
    "mul": lambda m, x, w: (x * w).sum(),
    "div": lambda m, x, w: (x / w).sum(),
    "pow": lambda m, x, w: (x ** 2).sum(),
    "exp": lambda m, x, w: x.exp().sum(),
    "tanh": lambda m, x, w: x.tanh().sum(),
    "sigmoid": lambda m, x, w: x.sigmoid().sum(),
    "relu": lambda m, x, w: x.relu().sum(),
    "dot": lambda m, x, w: m.dot(x, w),
    "mean": lambda m, x, w: x.mean(),
    "softmax": lambda m, x, w: x.softmax(0)[0],
    "matmul": lambda m, x, w: (x @ w),
}


def best_time(function, number: int, repeat: int = 7) -> float:
    """CPU seconds per call, the best of ``repeat`` runs (the least disturbed by the machine).

    CPU time rather than wall time, so that other processes on a shared machine weigh
    less on the ratios (both sides of each ratio are measured the same way).
    """
    timer = timeit.Timer(function, timer=time.process_time)
    return min(timer.repeat(number=number, repeat=repeat)) / number


def interleaved_best_times(first, second, rounds: int) -> tuple[float, float]:
    """Best CPU time of each, run in turns: large arrays make timings depend on what the
    memory allocator did just before, so neither side gets a warmer heap than the other."""
    times = ([], [])
    for _ in range(rounds):
        for function, record in zip((first, second), times):
            start = time.process_time()
            function()
            record.append(time.process_time() - start)
    return min(times[0]), min(times[1])


def per_op(module, build) -> float:
    x = module.tensor([0.5, 1.0, 1.5, 2.0], requires_grad=True)
    w = module.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    return best_time(lambda: build(module, x, w).backward(), number=2000)


def report(label: str, ratio: float, limit: float, detail: str = "") -> bool:
    ok = ratio <= limit
    print(f"{label:<46} {ratio:7.2f}  (goal <= {limit:g}) {'ok' if ok else 'MISSED'}  {detail}")
    return ok


def small_ops() -> list[bool]:
    results = []
    for name, build in SMALL_OPS.items():
        ours = per_op(engine, build)
        theirs = per_op(torch, build)
        results.append(report(f"1. {name}(4 elements) fwd+bwd engine/torch", ours / theirs, 1.0,
                              f"{ours * 1e6:.1f} us vs {theirs * 1e6:.1f} us"))
    return results


def lesson_expression() -> bool:
    def run(module):
        x = module.arange(4.0, requires_grad=True)
        return lambda: (2 * module.dot(x, x)).backward()
    ours, theirs = best_time(run(engine), 5000), best_time(run(torch), 5000)
    return report("2. 2*dot(x,x)+backward engine/torch", ours / theirs, 0.5,
                  f"{ours * 1e6:.1f} us vs {theirs * 1e6:.1f} us")


def big_chain() -> bool:
    rng = np.random.default_rng(0)
    data = rng.random(1_000_000, dtype=np.float32) + 0.5

    x = engine.tensor(data, requires_grad=True)

    def with_engine():
        x.grad = None
        y = ((x * 2.0 + 1.0).exp() * x).tanh().sum()
        y.backward()

    def by_hand():
        a = data * 2.0
        b = a + 1.0
        c = np.exp(b)
        d = c * data
        e = np.tanh(d)
        e.sum()
        grad_d = 1 - e * e
        grad_c = grad_d * data
        grad_x = grad_d * c
        grad_b = grad_c * c
        grad_x = grad_x + grad_b * 2.0
        grad_x.copy()

    ours, theirs = interleaved_best_times(with_engine, by_hand, rounds=15)
    return report("3. 1e6-element chain engine/numpy by hand", ours / theirs, 1.3,
                  f"{ours * 1e3:.1f} ms vs {theirs * 1e3:.1f} ms")


def long_chain(length: int) -> float:
    def run():
        x = engine.tensor([1.0], requires_grad=True)
        y = x
        for _ in range(length):
            y = y * 1.0
        y.sum().backward()
    return best_time(run, 1, repeat=3)


def chain_scaling() -> bool:
    short, long = long_chain(10_000), long_chain(100_000)
    return report("4. 100,000-op chain / 10,000-op chain", long / short, 15.0,
                  f"{long:.2f} s vs {short:.3f} s")


MEMORY_SCRIPT = """
import gc, sys
sys.path.insert(0, {root!r})
import numpy as np
def rss():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * 4096
import {module} as m
x = m.ones(1_000_000, requires_grad=True)
gc.collect(); before = rss()
y = x
for i in range(60):
    y = (y * 1.0001).exp() if i % 3 == 0 else (y + 1.0 if i % 3 == 1 else y.sigmoid())
gc.collect(); print(rss() - before)
"""


def graph_memory(module: str) -> int:
    root = os.path.join(os.path.dirname(__file__), "..")
    out = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT.format(root=root, module=module)],
                         capture_output=True, text=True, check=True)
    return int(out.stdout.strip())


def memory() -> bool:
    ours, theirs = graph_memory("engine"), graph_memory("torch")
    return report("5. memory of a 60-op graph engine/torch", ours / theirs, 1.5,
                  f"{ours / 2**20:.0f} MiB vs {theirs / 2**20:.0f} MiB")


def chain_300(module) -> float:
    """Seconds per op of a 300-op chain (mul, add, tanh in turn) on 4 elements, fwd+bwd."""
    x = module.tensor([0.5, -0.25, 0.75, 0.1], requires_grad=True)

    def run():
        y = x
        for index in range(300):
            kind = index % 3
            y = y * 0.9 if kind == 0 else (y + 0.1 if kind == 1 else y.tanh())
        y.sum().backward()
    return best_time(run, 20) / 300


def chain_300_ratio() -> bool:
    ours, theirs = chain_300(engine), chain_300(torch)
    return report("6. 300-op chain (mul, add, tanh) per op engine/torch", ours / theirs, 1.0,
                  f"{ours * 1e6:.2f} us vs {theirs * 1e6:.2f} us per op")


def create_graph_cost(module) -> tuple[float, float]:
    """(plain pass, create_graph pass) seconds for autograd.grad of a 30-op function."""
    x = module.tensor([0.5, -0.25, 0.75, 0.1], requires_grad=True)

    def function():
        y = x
        for index in range(30):
            kind = index % 3
            y = y * x if kind == 0 else (y + 0.1 if kind == 1 else y.tanh())
        return y.sum()

    def plain():
        module.autograd.grad(function(), x)

    def recorded():
        module.autograd.grad(function(), x, create_graph=True)
    return best_time(plain, 200), best_time(recorded, 200)


def create_graph_ratio() -> bool:
    plain, recorded = create_graph_cost(engine)
    torch_plain, torch_recorded = create_graph_cost(torch)
    return report("7. create_graph pass / plain pass (engine)", recorded / plain, 3.0,
                  f"{recorded * 1e6:.0f} us vs {plain * 1e6:.0f} us; torch "
                  f"{torch_recorded / torch_plain:.2f}x")


def main() -> int:
    gc.disable()
    results = [big_chain(), chain_scaling()]
    gc.enable()
    if torch is None:
        print("torch is not installed: pip install torch==2.13.0 for the torch ratios")
    else:
        torch.set_num_threads(1)
        results += small_ops() + [lesson_expression(), memory(), chain_300_ratio(),
                                  create_graph_ratio()]
    print(f"{sum(results)} of {len(results)} goals met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
