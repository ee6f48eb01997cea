"""The built-in lessons run headless, print what PyTorch prints, and hostile lessons never run."""

from pathlib import Path

import pytest

from engine.interpreter.lesson import LessonRunner, load_lesson, parse_lesson

ROOT = Path(__file__).resolve().parents[2]
LESSONS = sorted((ROOT / "resources" / "lessons").glob("*.py"))
# Errors the interpreter itself raises when a lesson leaves the subset it supports: a
# built-in lesson must never show one (torch would have run the line).
INTERPRETER_ERRORS = ("ExpressionError", "NameError", "AttributeError")


def run(path, module=None):
    return LessonRunner(load_lesson(path), module=module).run_all()


def test_the_ten_lessons_are_there():
    assert [path.name[:3] for path in LESSONS] == [f"{n:02d}_" for n in range(1, 11)]


@pytest.mark.parametrize("path", LESSONS, ids=lambda path: path.stem)
def test_lesson_runs_headless_without_interpreter_errors(path):
    lesson = load_lesson(path)
    results = LessonRunner(lesson).run_all()
    assert len(results) == len(lesson.cells)
    shown = [result.shown for result in results]
    assert any(shown), "a lesson shows something"
    for result in results:
        if result.error is not None:
            assert not result.error.startswith(INTERPRETER_ERRORS), result.error
            assert result.exception.__cause__ is not None, result.error
        assert not any("Warning" in line for line in result.warnings), result.warnings


@pytest.mark.parametrize("path", LESSONS, ids=lambda path: path.stem)
def test_lesson_prints_what_pytorch_prints(path):
    torch = pytest.importorskip("torch")
    engine_results = run(path)
    torch_results = run(path, torch)
    for ours, theirs in zip(engine_results, torch_results, strict=True):
        cell = f"{path.name}, cell {ours.index}"
        assert ours.shown.splitlines() == theirs.shown.splitlines(), cell
        assert ours.error == theirs.error, cell
        assert ours.warnings == theirs.warnings, cell


def test_a_lesson_that_fails_on_purpose_fails_as_torch_does():
    # Lesson 4's second dot backward raises torch's error; the engine must too.
    results = run(ROOT / "resources" / "lessons" / "04_freeing_and_retain_graph.py")
    errors = [result.error for result in results if result.error]
    assert len(errors) == 1
    assert errors[0].startswith("RuntimeError: Trying to backward through the graph a second")


@pytest.mark.parametrize("path", LESSONS, ids=lambda path: path.stem)
def test_every_backward_is_recorded(path):
    results = run(path)
    passes = [p for result in results for p in result.passes]
    assert passes, "every lesson runs backward() at least once"
    for backward in passes:
        assert backward.done
        assert backward.steps or backward.error is not None


HOSTILE = [  # (cell body, line and column of the refused part)
    ("import os\nos.system('touch {canary}')\n", 4, 1),
    ("open({canary!r}, 'w').write('x')\n", 4, 1),
    ("().__class__.__base__.__subclasses__()\n", 4, 4),
    ("x = torch.ones(2)\nx.__class__\n", 5, 3),
    ("__import__('os').system('touch {canary}')\n", 4, 1),
    ("from os import system\n", 4, 1),
    ("def f():\n    open({canary!r}, 'w')\nf()\n", 5, 5),
    ("getattr(torch, 'load')({canary!r})\n", 4, 1),
    ("y = [open({canary!r}, 'w') for _ in range(1)]\n", 4, 6),
    ("torch.ones(1).numpy().tofile({canary!r})\n", 4, 23),
    ("class A:\n    def __init__(self):\n        self.f = open\nA()\n", 6, 18),
    ("f = lambda: exec('1')\nf()\n", 4, 13),
]


@pytest.mark.parametrize("body, line, column", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_cell_is_refused_and_the_next_cells_run(tmp_path, body, line, column):
    canary = tmp_path / "canary"
    source = ("# %%\nimport torch\n# %%\n" + body.format(canary=str(canary))
              + "# %%\nprint('ran')\n")
    path = tmp_path / "hostile.py"
    path.write_text(source, encoding="utf-8")
    lesson = load_lesson(path)
    refusal = lesson.refusals[0] if lesson.refusals else None
    results = LessonRunner(lesson).run_all()
    if refusal is None:  # refused when it runs (the table has no such method)
        refusal = results[1].exception
    assert refusal is not None, body
    assert (refusal.lineno, refusal.col) == (line, column), str(refusal)
    assert "\n" not in str(refusal)
    assert results[1].error is not None and results[1].output == ""
    assert results[2].output == "ran\n"
    assert not canary.exists()


def test_a_refused_cell_is_named_with_the_file_and_never_runs(tmp_path):
    canary = tmp_path / "canary"
    lesson = parse_lesson(f"# %%\nimport torch\nprint('first cell')\n# %%\n"
                          f"open({str(canary)!r})\n", filename="l.py")
    assert [(error.filename, error.lineno) for error in lesson.refusals] == [("l.py", 5)]
    assert [result.shown for result in LessonRunner(lesson).run_all()] == [
        "first cell\n", "ExpressionError: 'open' is not available in a lesson: it reaches "
        "the interpreter itself\n"]
    assert not canary.exists()
