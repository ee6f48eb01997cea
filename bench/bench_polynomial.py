"""PyTorch's polynomial training example in the app against the same file under real torch.

Goal (issue 10): the app runs the 2,000-step "Tensors and autograd" example no slower
than torch, both timed as whole processes (start-up included): ``python main.py run
FILE`` against ``python FILE`` with torch installed. Prints each side's best of three
wall-clock times and the ratio app / torch (<= 1.0 meets the goal).

The file is the published tutorial when ``tests/tutorials/fetch_tutorials.py`` has
fetched it, else ``bench/polynomial_lesson.py`` (the same loop: 2,000 steps on 2,000
points). Not a test: run ``python bench/bench_polynomial.py [FILE]``.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TUTORIAL = ROOT / "tests" / "tutorials" / "data" / "pytorch_polynomial_autograd.py"
FALLBACK = ROOT / "bench" / "polynomial_lesson.py"
RUNS = 3


def best_time(command: list[str]) -> tuple[float, str]:
    best, output = float("inf"), ""
    for _ in range(RUNS):
        start = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
        best, output = min(best, elapsed), done.stdout
    return best, output


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else (TUTORIAL if TUTORIAL.is_file() else FALLBACK)
    app, app_output = best_time([sys.executable, "main.py", "run", str(path)])
    torch, torch_output = best_time([sys.executable, str(path)])
    if "time limit" in app_output or "Error" in app_output:
        print(app_output[-2000:])
        raise SystemExit("the app did not run the example to the end")
    print(f"file:                 {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    print(f"app   (main.py run):  {app:6.2f} s   (best of {RUNS}, whole process)")
    print(f"torch (python FILE):  {torch:6.2f} s   (best of {RUNS}, whole process)")
    print(f"ratio app / torch:    {app / torch:6.2f}   (goal <= 1.00)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
