"""Session files: the largest allowed session opens, and malformed ones are refused, fast.

    python bench/bench_session.py

Goals (issue 6): the largest allowed session opens in under 1 s; a malformed one is
refused in under 1 s. "Largest allowed" is every limit of ``gui.session_file`` at once:
the most variables, each defined by the longest expression the interpreter accepts,
the most leaves, and ``.grad`` states of random float32 numbers (the longest to write)
up to the file size limit. Each time is the worst of several runs, printed against the
goal and against reading the same bytes with ``json.loads`` alone (the baseline).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gui import session_file  # noqa: E402
from gui.session_file import (  # noqa: E402
    MAX_FILE_BYTES,
    MAX_LEAVES,
    MAX_STATE_ELEMENTS,
    MAX_TOTAL_ELEMENTS,
    MAX_VARIABLES,
    SessionData,
    SessionFileError,
    check_expression,
    load_session,
    save_session,
)

GOAL_SECONDS = 1.0
RUNS = 5


def longest_expression(names: list[str]) -> str:
    """The longest expression over ``names`` that the interpreter's checks accept."""
    terms = [f"{name}.exp().sum() * 1.5" for name in names] or ["1.5"]

    def expression(count: int) -> str:
        return " + ".join(terms[number % len(terms)] for number in range(count))

    low, high = 1, 2_000  # binary search: low is accepted, high is not
    while high - low > 1:
        middle = (low + high) // 2
        try:
            check_expression(expression(middle), names)
            low = middle
        except ValueError:
            high = middle
    return expression(low)


def largest_session() -> SessionData:
    names = [f"v{number}" for number in range(MAX_VARIABLES)]
    variables = {name: longest_expression(names[:index]) if index else "randn(100)"
                 for index, name in enumerate(names)}
    generator = np.random.default_rng(0)
    leaves = names[:MAX_LEAVES]
    per_number = len(json.dumps(generator.standard_normal(1000).astype(np.float32).tolist()))
    per_number /= 1000
    numbers = min(int(0.95 * MAX_FILE_BYTES / per_number), MAX_TOTAL_ELEMENTS)
    states_per_leaf = 4
    size = min(MAX_STATE_ELEMENTS, numbers // (len(leaves) * states_per_leaf))
    history = {name: [None] + [generator.standard_normal(size).astype(np.float32)
                               for _ in range(states_per_leaf)] for name in leaves}
    return SessionData(variables=variables, expression=longest_expression(names), passes=100,
                       step=3, retain_graph=True, options={"theme": "dark"},
                       grad_history=history)


def worst_time(function, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return max(times)


def refused(path: Path) -> str:
    try:
        load_session(path)
    except SessionFileError as error:
        return error.problem
    raise AssertionError(f"{path.name} was accepted")


def report(label: str, seconds: float, baseline: float | None = None) -> bool:
    ok = seconds < GOAL_SECONDS
    versus = f"; json.loads alone {baseline:.3f} s, ratio {seconds / baseline:.1f}" if (
        baseline) else ""
    print(f"  {label}: {seconds:.3f} s = {seconds / GOAL_SECONDS:.2f} of the goal{versus} -> "
          f"{'OK' if ok else 'TOO SLOW'}")
    return ok


def main() -> int:
    results = []
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        data = largest_session()
        path = folder / "largest.json"
        started = time.perf_counter()
        save_session(path, data)
        saved = time.perf_counter() - started
        raw = path.read_bytes()
        numbers = sum(state.size for states in data.grad_history.values()
                      for state in states if state is not None)
        print(f"largest allowed session: {len(raw) / 1024 / 1024:.2f} MB of "
              f"{MAX_FILE_BYTES / 1024 / 1024:.0f} MB, {len(data.variables)} variables of up to "
              f"{max(len(s) for s in data.variables.values())} characters, "
              f"{len(data.grad_history)} leaves, {numbers:,} numbers (saved in {saved:.2f} s)")
        baseline = worst_time(lambda: json.loads(raw))
        results.append(report("opens in", worst_time(lambda: load_session(path)), baseline))

        print("malformed sessions, refused in:")
        text = raw.decode("utf-8")
        last_state_end = text.rindex("]\n   ]")  # the last state's closing bracket
        last_number = text.rindex(", ", 0, last_state_end) + 2
        cases = {
            "a 50 MB file": None,
            "100,000-deep nesting": "[" * 100_000 + "]" * 100_000,
            "largest file, a string as its very last number":
                text[:last_number] + '"1.5"' + text[last_state_end:],
            "largest file, truncated by one byte": text[:-2],
            "largest file, a byte that is not UTF-8 at the end": raw[:-3] + b"\xff" + raw[-2:],
            "largest file, a hostile last expression":
                text.replace('"expression": "', '"expression": "x.__class__ + ', 1),
            "largest file, one leaf of millions of elements":
                text.replace(f'"shape": [\n    {len(data.grad_history["v0"][1])}\n   ]',
                             '"shape": [\n    5000000\n   ]', 1),
            "largest file, a newer version": text.replace('"version": 1', '"version": 9', 1),
        }
        for label, content in cases.items():
            bad = folder / "bad.json"
            if content is None:
                with bad.open("wb") as stream:
                    stream.truncate(50 * 1024 * 1024)
            else:
                bad.write_bytes(content if isinstance(content, bytes) else content.encode())
            problem = refused(bad)
            seconds = worst_time(lambda bad=bad: refused(bad))
            results.append(report(f"{label} ({problem[:60]})", seconds))
    print(f"limits: {MAX_FILE_BYTES:,} bytes, {MAX_TOTAL_ELEMENTS:,} numbers, "
          f"{MAX_STATE_ELEMENTS:,} per state ({session_file.__name__})")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
