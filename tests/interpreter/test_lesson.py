"""Lesson scripts: the source lesson shows what the notebook shows; hostile lessons never run."""

import re
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine
from engine.interpreter.expression import MAX_MESSAGE_LENGTH, ExpressionError
from engine.interpreter.lesson import (
    MAX_CELL_OUTPUT,
    MAX_LESSON_LENGTH,
    MAX_LOOP,
    CellResult,
    LessonRunner,
    load_lesson,
    parse_lesson,
)

ROOT = Path(__file__).resolve().parents[2]
LESSON_FILE = ROOT / "resources" / "lessons" / "01_autograd_basics.py"
NOTEBOOK = ROOT / "docs" / "autograd-basics.md"  # the source lesson, as received
CANARY = "CANARY_FILE"


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    assert not (tmp_path / CANARY).exists(), "a lesson created the canary file"


def run(source, module=None, **options) -> list[CellResult]:
    return LessonRunner(parse_lesson(source), module=module, **options).run_all()


def shown(source, module=None) -> list[str]:
    return [result.shown for result in run(source, module)]


# ----- the source lesson ---------------------------------------------------------------------

def notebook_blocks() -> list[list[str]]:
    """The lines after each ``In [N]:`` of the notebook excerpt, up to the next one."""
    text = NOTEBOOK.read_text(encoding="utf-8")
    body = text.split("```text", 1)[1].rsplit("```", 1)[0]
    return [block.split("\n") for block in re.split(r"^In \[\d+\]:\n", body, flags=re.M)[1:]]


def nonblank(lines) -> list[str]:
    return [line.rstrip() for line in lines if line.strip()]


def looks_like_output(paragraph: str) -> bool:
    return paragraph.startswith(("tensor(", "None", "torch.", "(", "[", "True", "False"))


@pytest.fixture(scope="module")
def lesson():
    return load_lesson(LESSON_FILE)


def test_the_lesson_has_the_notebooks_cells(lesson):
    code = lesson.code_cells
    blocks = notebook_blocks()
    assert len(code) == len(blocks) == 9
    for cell, block in zip(code, blocks):
        ours = nonblank(cell.source.splitlines())
        theirs = nonblank(block)[:len(ours)]
        assert ours == theirs, f"cell at line {cell.lineno} differs from the notebook"


def test_each_cell_shows_what_the_notebook_shows(lesson):
    results = [r for r in LessonRunner(lesson).run_all() if lesson.cells[r.index].kind == "code"]
    for result, cell, block in zip(results, lesson.code_cells, notebook_blocks()):
        code_lines = len(nonblank(cell.source.splitlines()))
        rest = "\n".join(line.rstrip() for line in block)
        # skip the cell's own lines, then take the first paragraph after them
        lines = [line for line in rest.split("\n")]
        index, seen = 0, 0
        while seen < code_lines:
            if lines[index].strip():
                seen += 1
            index += 1
        paragraph = "\n".join(lines[index:]).strip("\n").split("\n\n")[0]
        assert result.error is None, result.error
        if result.shown:
            assert result.shown.rstrip("\n") == paragraph, f"cell at line {cell.lineno}"
        else:
            assert not looks_like_output(paragraph), f"cell at line {cell.lineno}: {paragraph!r}"
    assert sum(1 for r in results if r.shown) == 8


def test_the_lesson_shows_the_same_under_real_torch(lesson):
    torch = pytest.importorskip("torch")
    ours = [r.shown for r in LessonRunner(lesson).run_all()]
    theirs = [r.shown for r in LessonRunner(lesson, module=torch).run_all()]
    assert ours == theirs


def test_the_lesson_records_its_backward_passes(lesson):
    results = LessonRunner(lesson).run_all()
    passes = {lesson.cells[r.index].lineno: r.passes for r in results if r.passes}
    assert len(passes) == 3
    first = next(iter(passes.values()))[0]
    assert [step.name for step in first.steps] == [
        "MulBackward0", "DotBackward0", "torch::autograd::AccumulateGrad"]
    assert all(len(p) == 1 and p[0].done for p in passes.values())
    last = results[-1]
    assert sorted(last.tensors) == ["u", "x", "y"]
    assert last.tensors["x"].grad.tolist() == [1.0, 1.0, 1.0, 1.0]


def test_lesson_cells_have_kinds_titles_and_line_numbers(lesson):
    kinds = [cell.kind for cell in lesson.cells]
    assert kinds.count("markdown") == 3
    first = lesson.cells[0]
    assert first.kind == "markdown" and first.markdown.startswith("# PyTorch autograd basics")
    lines = LESSON_FILE.read_text(encoding="utf-8").splitlines()
    for cell in lesson.cells:
        assert re.match(r"#\s*%%", lines[cell.lineno - 2])
        assert cell.source.splitlines()[0] == lines[cell.lineno - 1]


# ----- what lessons may do, compared with real torch -----------------------------------------

FEATURES = '''\
# %%
import torch as t
w = t.tensor([1.0, -2.0, 3.0], requires_grad=True)
lr = 0.25
for step in range(4):
    loss = (w * w).sum()
    loss.backward()
    with t.no_grad():
        w -= lr * w.grad
    w.grad = None
    print(step, loss.item())
w
# %%
a, b = w.max(dim=0)
print(a, b, sep=" | ", end="!\\n")
(a, b)
# %%
x = t.arange(4.0)
x[0] = 10.0
x += 1
x *= 2
x /= 4
x -= 0.5
x
# %%
y = t.ones(2, requires_grad=True)
z = (y * 3).sum()
z.backward(retain_graph=True)
z.backward()
y.grad
# %%
y.requires_grad = False
[y.requires_grad, y.is_leaf, y.grad_fn is None]
# %%
m = t.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
top, bottom = m
rows = list(m)
(top * 2 + rows[1]).sum().backward()
print(top.grad_fn.name(), top.grad_fn is bottom.grad_fn, m.unbind(1)[0])
m.grad
# %%
if y.grad is not None and y.grad.sum() > 0:
    print("positive")
elif True:
    print("no")
else:
    pass
for i in range(10):
    if i == 2:
        continue
    if i > 4:
        break
    print(i, end=" ")
print()
# %%
s = "na\u00efve \u2014 \u00fcn\u00efcode \u2713"  # a comment with \u2713 too
print(s, len(s), str(3) + "x", "-" * 10)
# %%
n = len(x) + int(2.7) + float("1.5") + abs(-2)
print(n, bool(0), list(x.shape), tuple(x.tolist()))
# %%
with t.no_grad():
    with t.enable_grad():
        inner = (y * 1).requires_grad
    outer = (w * 1).requires_grad
print(inner, outer)
# %%
assert x.sum() > 0, "sum must be positive"
print("ok");
x.sum();
# %%
x.grad_fn
# %%
v = t.tensor([1.0, 2.0], requires_grad=True)
h = (v * v).sum()
h.backward()
h.backward()
# %%
undefined_name + 1
# %%
print("before the error")
t.ones(2) @ t.ones(3)
print("not reached")
# %%
assert False, "boom"
# %%
assert 1 == 2
# %%
1 / 0
# %%
a, b, c = t.ones(2)
# %%
p, q = 5
# %%
v.grad = t.ones(3)
# %%
w.grad.zero_() if w.grad is not None else "no grad"
# %%
print("still running", x, w.grad)
'''


def test_lesson_features_show_the_same_as_real_torch():
    torch = pytest.importorskip("torch")
    ours = shown(FEATURES)
    theirs = shown(FEATURES, module=torch)
    for index, (mine, reference) in enumerate(zip(ours, theirs)):
        assert mine == reference, f"cell {index}"
    assert len(ours) == FEATURES.count("# %%")


def test_errors_show_as_a_notebook_ends_its_traceback():
    results = run(FEATURES)
    errors = [r.error for r in results if r.error]
    assert errors[0].startswith("RuntimeError: Trying to backward through the graph a second")
    assert "NameError: name 'undefined_name' is not defined" in errors
    assert "AssertionError: boom" in errors
    assert "AssertionError" in errors
    assert "ZeroDivisionError: division by zero" in errors
    assert "ValueError: too many values to unpack (expected 3)" not in errors
    assert "ValueError: not enough values to unpack (expected 3, got 2)" in errors
    assert "TypeError: cannot unpack non-iterable int object" in errors
    failing = next(r for r in results if r.output.startswith("before the error"))
    assert failing.shown == ("before the error\nRuntimeError: inconsistent tensor size, expected "
                             "tensor [2] and src [3] to have the same number of elements, but "
                             "got 2 and 3 elements respectively\n")
    assert failing.exception.lineno == FEATURES.splitlines().index(
        "t.ones(2) @ t.ones(3)") + 1
    assert results[-1].output.startswith("still running")


def test_a_semicolon_hides_the_last_value():
    results = run("# %%\nx = 3\nx;\n# %%\nx  ; # comment\n# %%\nx\n")
    assert [r.value for r in results] == [None, None, "3"]


def test_namespace_persists_and_tensors_are_snapshotted():
    runner = LessonRunner(parse_lesson("# %%\nimport torch\na = torch.ones(2)\nn = 3\n"
                                       "# %%\nb = a * n\n"))
    first, second = runner.run_all()
    assert sorted(first.tensors) == ["a"]
    assert sorted(second.tensors) == ["a", "b"]
    assert second.tensors["b"].tolist() == [3.0, 3.0]


def test_grad_mode_set_by_a_cell_persists_to_the_next_but_not_to_the_caller():
    runner = LessonRunner(parse_lesson(
        "# %%\nimport torch\ntorch.set_grad_enabled(False)\n"
        "# %%\n(torch.ones(1, requires_grad=True) * 2).requires_grad\n"
        "# %%\ntorch.set_grad_enabled(True)\n"
        "(torch.ones(1, requires_grad=True) * 2).requires_grad"))
    results = []
    for index in range(3):
        results.append(runner.run_cell(index))
        assert engine.is_grad_enabled()
    assert [r.value for r in results[1:]] == ["False", "True"]


def test_warnings_are_collected_not_printed(capsys):
    results = run("# %%\nimport torch\nx = torch.ones(2, requires_grad=True)\ny = x * 2\n"
                  "print(y.grad)\n")
    assert results[0].output == "None\n"
    assert results[0].warnings and results[0].warnings[0].startswith(
        "UserWarning: The .grad attribute of a Tensor that is not a leaf Tensor")
    assert capsys.readouterr() == ("", "")


def test_infinities_give_nan_without_numpy_warnings_as_in_torch():
    source = ("# %%\nimport torch\nx = torch.tensor([0.0, 1.0], requires_grad=True)\n"
              "y = x * float('inf') - float('inf')\ny\n")
    (result,) = run(source)
    assert result.value == "tensor([nan, nan], grad_fn=<SubBackward0>)"
    assert result.warnings == ()


def test_unicode_is_fine_in_comments_and_strings():
    source = "# %% Überschrift ✓\n# Ä comment — “quoted”\nprint('π ≈ 3.14', \"✓\")  # ✓\n"
    lesson = parse_lesson(source)
    assert lesson.cells[0].title == "Überschrift ✓"
    assert run(source)[0].output == "π ≈ 3.14 ✓\n"


def test_markdown_cells_hold_only_comments():
    lesson = parse_lesson("# %% [markdown]\n# # Title\n#\n# text\n# %%\n1 + 1\n")
    assert [c.kind for c in lesson.cells] == ["markdown", "code"]
    assert lesson.cells[0].markdown == "# Title\n\ntext"
    (error,) = parse_lesson("# %% [markdown]\n# text\nx = 1\n").refusals
    assert (error.lineno, error.col) == (3, 1)


def test_a_file_without_markers_is_one_cell():
    lesson = parse_lesson("x = 1\nx + 1\n")
    assert len(lesson.cells) == 1 and lesson.cells[0].lineno == 1
    assert run("x = 1\nx + 1\n")[0].value == "2"


def test_load_lesson_reads_utf8_with_a_bom(tmp_path):
    path = tmp_path / "l.py"
    path.write_bytes("\ufeff# %%\nprint('é')\n".encode())
    assert LessonRunner(load_lesson(path)).run_cell(0).output == "é\n"
    path.write_bytes(b"# %%\nprint('\xff')\n")
    with pytest.raises(ExpressionError, match="not UTF-8"):
        load_lesson(path)


# ----- hostile lessons -------------------------------------------------------------------------

HOSTILE = [
    ("import os", 1, 1),
    ("import torch, os", 1, 1),
    ("from os import path", 1, 1),
    ("import torch.nn.modules", 1, 1),
    ("from torch import *", 1, 1),
    ("import torch as _t", 1, 1),
    ("async def f():\n    pass", 1, 1),
    ("global x", 1, 1),
    ("def f():\n    nonlocal x", 2, 5),
    (f"with open('{CANARY}', 'w') as f:\n    f.write('x')", 1, 1),
    ("import torch\nx = torch.ones(1).__class__", 2, 19),
    (f"import torch\ntorch.ones(1).numpy().tofile('{CANARY}')", 2, 23),
    (f"print(open('{CANARY}', 'w'))", 1, 7),
    ("exec('1')", 1, 1),
    ("eval('1')", 1, 1),
    ("compile('1', '', 'exec')", 1, 1),
    (f"__import__('os').system('touch {CANARY}')", 1, 1),
    ("import torch\ngetattr(torch, 'load')", 2, 1),
    ("for i in range(3):\n    pass\nelse:\n    pass", 1, 1),
    ("for x.a in range(3):\n    pass", 1, 1),
    ("return 1", 1, 1),
    ("break", 1, 1),
    ("if True:\n    continue", 2, 5),
    ("def f():\n    break", 2, 5),
    ("for i in range(2):\n    def f():\n        continue", 3, 9),
    ("import math\n@math.sqrt\ndef f():\n    pass", 2, 2),
    ("print(f'{1:99999}')", 1, 10),
    ("print('{0.real}'.format(1))", 1, 18),
    ("print('{:99999}'.format(1))", 1, 18),
    ("print('%99999d' % 1)", 1, 17),
    ("print('%(a)s' % {'a': 1})", 1, 15),
    ("x = (y := 1)", 1, 6),
    ("range(3).start", 1, 10),
    ("x = list(range(10**9))", 1, 5),
    ("import torch\nwith torch.no_grad() as g:\n    pass", 2, 1),
    ("import torch\nwith torch.ones(1):\n    pass", 2, 1),
    ("x = 1\nx <<= 2", 2, 1),
    ("x = 1\n\u2212x", 2, 1),
    ("x = 1\ny = x \u00d7 2", 2, 7),
    ("x = 1  # fine: \u2212\ny = x\u200b", 2, 6),
    ("if True:\n  x = 1\n x = 2", 3, 7),
    ("x = (", 1, 5),
    ("x = 'abc", 1, 5),
    ("x = 1 +", 1, 8),
    ("# %%\nx = 1\n# %%\ny = x +* 2", 4, 8),
    ("x = 1\nx.__dict__ = 1", 2, 3),
    ("x = 1\nx.foo = 1", 2, 3),
    ("x = 1\nx._data = 1", 2, 3),
    ("import torch\ntorch.foo()", 2, 7),
    ("x = 10 ** 1000", 1, 8),
    ("x = 2 ** 10 ** 10", 1, 7),
    ("yield 1", 1, 1),
    ("await x", 1, 1),
    ("match x:\n    case 1:\n        pass", 1, 1),
    ("assert (x := 1)", 1, 9),
    ("class A(metaclass=type):\n    pass", 1, 1),
    ("class A:\n    for i in range(2):\n        pass", 2, 5),
    ("class A:\n    pass\nA.__init__", 3, 3),
    ("def f():\n    return f.__code__", 2, 14),
    ("f = lambda: 0\nf.__globals__", 2, 3),
    ("def f(__x):\n    pass", 1, 1),
    ("try:\n    1 / 0\nexcept* ZeroDivisionError:\n    pass", 1, 1),
    ("try:\n    x = 1\nexcept os.error:\n    pass\n1 / 0", 5, 3),
    ("type(1)", 1, 1),
    ("print(1, file=None)\nprint(2, file=3)", 2, 1),
    ("x = [1]\nx.__len__()", 2, 3),
    ("import numpy as np\nnp.save('f', np.ones(1))", 2, 4),
    ("import numpy as np\nnp.ones(3).tofile('f')", 2, 12),
    ("import numpy as np\nnp.ctypeslib", 2, 4),
    ("import math\nmath.factorial(10 ** 6)", 2, 6),
    ("import pprint\npprint.sys", 2, 8),
    ("import matplotlib.pyplot as plt\nplt.savefig('f.png')", 2, 5),
    ("def f():\n    f()\nf()", 2, 5),
]


def refusal(source: str) -> ExpressionError | None:
    """The first error a lesson shows: refused before it runs, else raised when it runs."""
    lesson = parse_lesson(source, filename="bad.py")
    if lesson.refusals:
        return lesson.refusals[0]
    for result in LessonRunner(lesson).run_all():
        if result.exception is not None:
            return result.exception
    return None


@pytest.mark.parametrize(("source", "lineno", "col"), HOSTILE)
def test_hostile_lessons_fail_where_they_start_and_run_nothing(source, lineno, col, capsys):
    error = refusal(source)
    assert error is not None, f"{source!r} ran"
    assert 0 <= error.offset <= len(source)
    assert len(str(error)) <= MAX_MESSAGE_LENGTH and "\n" not in str(error)
    assert (error.lineno, error.col) == (lineno, col), str(error)
    assert capsys.readouterr() == ("", "")
    assert not Path(CANARY).exists()


@pytest.mark.parametrize(("source", "says"), [
    ("x = __import__('os')", "names starting with '_' are private"),
    ("open('notes.txt', 'w')", "'open' is not available in a lesson"),
    ("y = exp(torch.ones(2))", "NameError: name 'exp' is not defined"),
])
def test_a_refused_call_says_what_is_wrong(source, says):
    lesson = parse_lesson("import torch\n" + source, filename="bad.py")
    (result,) = LessonRunner(lesson).run_all()
    assert says in result.error


@pytest.mark.parametrize("source", [
    "x = " + "-" * 5000 + "1",
    "x = " + "[" * 5000 + "]" * 5000,
    "x = " + "(" * 5000 + "1" + ")" * 5000,
    "x = " + "+".join(["1"] * 5000),
    "x = " + "**".join(["2"] * 5000),
    "x = 1\ny = x" + ".real" * 5000,
    "x = 1\ny = x" + "()" * 5000,
    "x = 1\n" + "if x:\n" + "".join(" " * (i + 1) + "if x:\n" for i in range(98)) + " " * 99 + "x",
])
def test_5000_deep_nesting_in_a_lesson(source):
    error = refusal(source)
    assert 1 <= error.lineno <= source.count("\n") + 1
    assert "nested" in str(error) or "syntax" in str(error) or "indentation" in str(error)


def test_a_megabyte_lesson_is_refused_before_parsing():
    source = "x = 1\n" * (2**20 // 6)
    start = time.perf_counter()
    error = pytest.raises(ExpressionError, parse_lesson, source).value
    assert time.perf_counter() - start < 0.05
    assert "too long" in str(error) and error.offset == MAX_LESSON_LENGTH


def test_too_many_syntax_nodes():
    source = "x = 1\n" * 30_000
    error = pytest.raises(ExpressionError, parse_lesson, source).value
    assert "syntax nodes" in str(error)


def test_loops_are_bounded_before_they_start():
    results = run(f"# %%\nfor i in range({MAX_LOOP + 1}):\n    print(i)\n# %%\nprint('next')")
    assert results[0].output == ""
    assert results[0].error == f"ExpressionError: loop too long: {MAX_LOOP + 1:,} iterations " \
                               f"(limit {MAX_LOOP:,})"
    assert results[1].output == "next\n"
    assert "loop too long" in run("for i in range(10**100):\n    pass")[0].error


def test_output_is_bounded_with_a_visible_marker():
    result = run("for i in range(10000):\n    print('x' * 100)")[0]
    kept = ("x" * 100 + "\n") * 10000
    assert result.output == kept[:MAX_CELL_OUTPUT] + (
        f"… ({len(kept) - MAX_CELL_OUTPUT:,} more characters)\n")
    assert result.error is None


def test_time_is_bounded_per_cell():
    source = ("import torch\na = torch.ones(3)\nfor i in range(10000):\n"
              "    for j in range(10000):\n        b = (a @ a).sum()\n")
    start = time.perf_counter()
    result = LessonRunner(parse_lesson(source), time_limit=0.2).run_cell(0)
    assert time.perf_counter() - start < 1.0
    assert "time limit" in result.error


def test_sizes_are_bounded_in_loops():
    cases = {
        "a = [0]\nfor i in range(30):\n    a = a + a": "sequence too large",
        "s = 'ab'\nfor i in range(30):\n    s = s * 2": "sequence too large",
        "n = 3\nfor i in range(30):\n    n = n * n": "integer too large",
        "a = [0]\nfor i in range(40):\n    a = [a]": "nested more than",
        "import torch\nx = torch.ones(1000)\nfor i in range(10):\n    x = torch.outer(x, x)":
            "1,000,000",
        ("import torch\nkept = []\nfor i in range(2000):\n"
         "    kept.append(torch.ones(1000, 1000))"): "memory limit",
    }
    for source, message in cases.items():
        result = run(source)[0]
        assert result.error and message in result.error, (source, result.error)


def test_iterating_a_large_tensor_is_refused():
    result = run("import torch\nlist(torch.ones(100000))")[0]
    assert "too many items" in result.error


LESSON_TOKENS = ["x", "torch", "import", " ", "\n", "    ", "=", "(", ")", ".", "ones", "2",
                 "for", "in", "range", ":", "print", "with", "no_grad", "+", "*", "#", "%%",
                 "'s'", "__class__", "if", "else", "backward", "grad", ",", "[", "]", "-=", "as",
                 "def", "lambda", "\u2212", "é", "\t", "\\", "\"\"\"", "sum", "()", "requires_grad",
                 "# %% t", "#%%0", "# %% [markdown]", "\r", "\r\n", "\x0c", "\u2028", "\x85",
                 "while", "class", "try:", "except", "finally:", "return", "yield", "{", "}",
                 "f'{x:.2f}'", "%", "import math", "super().__init__()", "@torch.no_grad()",
                 "self", "self.w", "*args", "**", "lambda x:", "[i for i in range(3)]", "raise",
                 "assert", "del", "global", "zip", "enumerate", "sorted", "'{}'.format",
                 "import numpy as np", "np.ones(3)", "from math import pi", "nonlocal"]


@settings(max_examples=300, deadline=3000, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=2000),
                 st.lists(st.sampled_from(LESSON_TOKENS), max_size=60).map("".join)))
def test_random_lessons_raise_only_expression_error_and_never_hang(source):
    try:
        lesson = parse_lesson(source)
    except ExpressionError as error:
        assert 0 <= error.offset <= len(source)
        assert len(str(error)) <= MAX_MESSAGE_LENGTH
        return
    runner = LessonRunner(lesson, time_limit=1.0)
    for index in range(len(lesson.cells)):
        result = runner.run_cell(index)
        assert isinstance(result, CellResult)


# Each line of a lesson as an editor may save it: code, markers (titled or not), markdown
# comments holding the characters str.splitlines() (but not Python) ends lines at.
LESSON_LINES = st.sampled_from([
    "x = torch.ones(2)", "print(x)", "# %%", "# %% next", "#%%0", "# %% [markdown]",
    "# text", "# a\x0cb", "# a\u2028b", "# \x85", "\x0c", "", "    ", "y = x * 2", "y",
    "import torch"])
LINE_ENDS = st.sampled_from(["\n", "\r\n", "\r"])


@settings(max_examples=300, deadline=3000, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(LESSON_LINES, LINE_ENDS), max_size=12), st.booleans())
def test_any_line_layout_parses_or_is_refused_never_crashes(lines, final_newline):
    """Found the IndexError of a titled marker on the last line without a final newline."""
    source = "".join(line + end for line, end in lines)
    if lines and not final_newline:
        source = source[:-len(lines[-1][1])]
    try:
        lesson = parse_lesson(source)
    except ExpressionError as error:
        assert 0 <= error.offset <= len(source)
        return
    for cell in lesson.cells:
        assert cell.lineno >= 1
    LessonRunner(lesson, time_limit=1.0).run_all()


@pytest.mark.parametrize("source, kinds, shown", [
    ("x = 1\n# %% next", ["code", "code"], ["", ""]),
    ("#%%0", ["code"], [""]),
    ("x = 1\r# %% a\rprint(x)\r", ["code", "code"], ["", "1\n"]),
    ("x = 1\r\n# %% a\r\nprint(x)", ["code", "code"], ["", "1\n"]),
    ("# %% [markdown]\n# a\x0cb\n# %%\nprint(2)", ["markdown", "code"], ["", "2\n"]),
    ("# %% [markdown]\n# a\u2028b", ["markdown"], [""]),
    ("# %% [markdown]\n# a\u2028b\n# %%\nprint(3)\n", ["markdown", "code"], ["", "3\n"]),
])
def test_markers_line_ends_and_form_feeds_as_editors_save_them(source, kinds, shown):
    lesson = parse_lesson(source)
    assert [cell.kind for cell in lesson.cells] == kinds
    assert [result.shown for result in LessonRunner(lesson).run_all()] == shown


def test_line_numbers_count_python_line_ends_only():
    lesson = parse_lesson("# %% [markdown]\n# a\u2028b\x0cc\r# %%\rprint(1)\r")
    assert [cell.lineno for cell in lesson.cells] == [2, 4]
    assert lesson.cells[0].markdown == "a\u2028b\x0cc"
