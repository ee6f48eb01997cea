"""How fast engine.interpreter.expression gives a verdict (a tensor or an ExpressionError).

Goals (issue 3): p99 of a verdict over inputs up to the length limit <= 20 ms; a 1 MB
input refused in < 5 ms. Prints each measurement and its ratio to the goal (< 1 is
within the goal). Not a test: run ``python bench/bench_expression.py``.
"""

from __future__ import annotations

import random
import statistics
import string
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import engine  # noqa: E402
from engine.interpreter.expression import MAX_EXPRESSION_LENGTH, ExpressionError, evaluate  # noqa: E402

VERDICT_GOAL = 0.020
MEGABYTE_GOAL = 0.005

VALID = [
    "arange(4.0)", "[1, 2, 3]", "tensor([[1., 2.], [3., 4.]])", "2 * dot(x, x)",
    "torch.exp(x) / torch.exp(x).sum()", "(x @ W + b).relu().sum()", "x.sum() * 3",
    "softmax(x, dim=0)", "W.T @ W", "x.reshape(2, 2).mean(dim=1)", "(x ** 2).sum().sqrt()",
]
HOSTILE = [
    "__import__('os').system('true')", "x.__class__.__bases__", "x.numpy().tofile('f')",
    "arange(1e12)", "ones(10**6, 10**6)", "2 ** 10 ** 10", "x \u2212 1", "lambda: 0",
    "'%s' % x", "x.sum(**{'dim': 0})", "[0] * 10**7", "eye(10**5)",
]


def long_inputs(rng: random.Random) -> list[str]:
    """Inputs at or near the length limit: the slowest ones to parse and check."""
    limit = MAX_EXPRESSION_LENGTH
    flat = "[" + ", ".join(str(i % 10) for i in range(limit // 3 - 1)) + "]"
    return [
        flat[:limit - 1] + "]" if len(flat) > limit else flat,
        ("tensor([" + ", ".join(f"{i}.5" for i in range(400)) + "])")[:limit],
        ("x.sum() + " * 200)[:limit - 7] + "x.sum()",
        "-" * (limit - 1) + "x",
        "+".join(["x"] * (limit // 2)),
        "[" * 199 + "]" * 199,
        "x" + ".T" * ((limit - 1) // 2),
        "".join(rng.choice(string.printable) for _ in range(limit)),
        "".join(rng.choice("x+-*/() .[]0123456789") for _ in range(limit)),
        "(" + "x * 1 + " * ((limit - 10) // 8) + "x).sum()",
        "x" * limit,
        "1" * limit,
        "'" + "a" * (limit - 2) + "'",
        "# " + "a" * (limit - 2),
    ]


def verdict_time(source: str, variables: dict) -> float:
    start = time.perf_counter()
    try:
        evaluate(source, variables)
    except ExpressionError:
        pass
    return time.perf_counter() - start


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(fraction * len(ordered)), len(ordered) - 1)]


def main() -> None:
    rng = random.Random(0)
    variables = {"x": engine.arange(4.0, requires_grad=True), "W": engine.ones(4, 4),
                 "b": engine.zeros(4)}
    corpus = VALID + HOSTILE + long_inputs(rng)
    corpus += ["".join(rng.choice(string.printable) for _ in range(rng.randint(1, 2000)))
               for _ in range(60)]
    for source in corpus:  # warm up imports and caches
        verdict_time(source, variables)
    times = [verdict_time(source, variables) for _ in range(5) for source in corpus]
    p99 = percentile(times, 0.99)
    slowest = max(corpus, key=lambda s: verdict_time(s, variables))
    print(f"verdicts: {len(times)} over {len(corpus)} inputs of 1..{MAX_EXPRESSION_LENGTH} chars")
    print(f"  median {statistics.median(times) * 1e3:.3f} ms, p99 {p99 * 1e3:.3f} ms, "
          f"max {max(times) * 1e3:.3f} ms (slowest input starts {slowest[:24]!r})")
    print(f"  p99 / goal ({VERDICT_GOAL * 1e3:.0f} ms) = {p99 / VERDICT_GOAL:.3f}")

    megabyte = "1 + " * (2**20 // 4)
    rejections = [verdict_time(megabyte, variables) for _ in range(50)]
    worst = max(rejections)
    print(f"1 MB input refused: median {statistics.median(rejections) * 1e6:.1f} us, "
          f"max {worst * 1e6:.1f} us")
    print(f"  max / goal ({MEGABYTE_GOAL * 1e3:.0f} ms) = {worst / MEGABYTE_GOAL:.5f}")


if __name__ == "__main__":
    main()
