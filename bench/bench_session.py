"""Session files: the largest allowed session opens, and malformed ones are refused, fast.

    python bench/bench_session.py

Goals (issue 6): the largest allowed session opens in under 1 s; a malformed one is
refused in under 1 s. "Largest allowed" is every limit of ``gui.model.session_file`` at once:
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

from gui.model import session_file  # noqa: E402
from gui.model.session_file import (  # noqa: E402
    MAX_FILE_BYTES,
    MAX_HISTORY,
    MAX_SOURCE_TEXT,
    MAX_STATE_ELEMENTS,
    MAX_TOTAL_ELEMENTS,
    MAX_VARIABLES,
    SessionData,
    SessionFileError,
    check_expression,
    history_entry,
    load_session,
    save_session,
    session_text,
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
    """Every limit at once: the most variables, expression text up to the checking budget,
    and .grad values of random float32 numbers up to the file size limit."""
    names = [f"v{number}" for number in range(MAX_VARIABLES)]
    variables, text = {}, 0
    for index, name in enumerate(names):
        source = longest_expression(names[:index]) if index else "randn(100)"
        if text + len(source) > MAX_SOURCE_TEXT - 2_000:
            source = "randn(100)"
        variables[name] = source
        text += len(source)
    expression = longest_expression(names)
    generator = np.random.default_rng(0)
    per_number = len(json.dumps(generator.standard_normal(1000).astype(np.float32).tolist()))
    per_number /= 1000
    passes = 20  # each backward entry holds "before", "added" and "after"
    entries = len(names) * (passes + 1)
    room = 0.95 * MAX_FILE_BYTES - entries * (len(expression) + 300) - 2 * MAX_SOURCE_TEXT
    numbers = min(int(room / per_number), MAX_TOTAL_ELEMENTS)
    size = min(MAX_STATE_ELEMENTS, numbers // (len(names) * passes * 3))
    history = []
    for name in names:
        before = None
        history.append(history_entry(name, "define", variables[name]))
        for number in range(1, passes + 1):
            added = generator.standard_normal(size).astype(np.float32)
            after = added if before is None else before + added
            history.append(history_entry(name, "backward", expression, pass_=number, step=7,
                                         before=before, added=added, after=after))
            before = after
    assert len(history) <= MAX_HISTORY
    return SessionData(variables=variables, expression=expression, passes=passes, step=3,
                       retain_graph=True, options={"theme": "dark"}, history=history)


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
        numbers = sum(len(np.ravel(entry[key])) for entry in data.history
                      for key in ("before", "added", "after") if entry[key] is not None)
        sources = sum(len(source) for source in data.variables.values())
        print(f"largest allowed session: {len(raw) / 1024 / 1024:.2f} MB of "
              f"{MAX_FILE_BYTES / 1024 / 1024:.0f} MB, {len(data.variables)} variables "
              f"({sources:,} characters of definitions), {len(data.history):,} .grad states "
              f"holding {numbers:,} numbers (saved in {saved:.2f} s)")
        baseline = worst_time(lambda: json.loads(raw))
        results.append(report("opens in", worst_time(lambda: load_session(path)), baseline))

        print("malformed sessions, refused in:")
        text = raw.decode("utf-8")

        def last_state(**changes) -> str:
            document = json.loads(raw)
            document["grad_history"][-1].update(changes)
            return session_text(document)

        last_after = json.loads(raw)["grad_history"][-1]["after"]
        cases = {
            "a 50 MB file": None,
            "100,000-deep nesting": "[" * 100_000 + "]" * 100_000,
            "largest file, text as its very last number": last_state(after=last_after[:-1] + ["1"]),
            "largest file, truncated by one byte": text[:-2],
            "largest file, a byte that is not UTF-8 at the end": raw[:-3] + b"\xff" + raw[-2:],
            "largest file, a hostile expression in the last state":
                last_state(expression="x.__class__.__subclasses__()"),
            "largest file, a last state of millions of elements": last_state(shape=[5_000_000]),
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
