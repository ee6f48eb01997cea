"""The headless commands, run in-process: what they print, their exit status, and one line
of stderr for every kind of bad input."""

from __future__ import annotations

import doctest
import importlib
import json
from pathlib import Path

import numpy as np
import pytest

from gui.commands.cli import EXIT_BAD_INPUT, EXIT_OK, EXIT_RAISED, main
from gui.model.session_file import load_session

ROOT = Path(__file__).resolve().parents[2]
LESSONS = sorted((ROOT / "resources" / "lessons").glob("*.py"))


def run(capsys, *args):
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def assert_bad_input(capsys, args, *words):
    status, out, err = run(capsys, *args)
    assert status == EXIT_BAD_INPUT, (out, err)
    assert out == ""
    assert err.startswith("error: ") and err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for word in words:
        assert word in err, err
    return err


# ----- trace against PyTorch ---------------------------------------------------------------

TRACE_CASES = [
    ("arange(4.0)", "2 * dot(x, x)", 1, False),
    ("arange(4.0)", "2 * dot(x, x)", 2, False),  # torch's second-backward error
    ("arange(4.0)", "2 * dot(x, x)", 3, True),   # retain_graph: accumulates three times
    ("arange(4.0)", "x.sum()", 3, False),        # saves nothing: accumulates
    ("linspace(-1, 1, 5)", "(x * x).sum()", 2, False),
    ("arange(4.0)", "x.sum() + dot(x, x)", 2, False),  # stops part-way through the pass
    ("tensor([[1., 2.], [3., 4.]])", "(x @ x.T).sum() + exp(x).mean()", 2, True),
    ("arange(4.0)", "x * 2", 1, False),          # non-scalar output: torch's error
    ("arange(3.0)", "tanh(x).sum() / 3", 2, False),
]


def torch_run(definition: str, expression: str, count: int, retain: bool):
    """The same program under real PyTorch: the .grad after each pass and any error."""
    torch = pytest.importorskip("torch")
    from engine.interpreter.expression import evaluate

    x = evaluate(definition, module=torch).requires_grad_(True)
    y = evaluate(expression, {"x": x}, module=torch)
    grads, error = [None], None
    for _ in range(count):
        try:
            y.backward(retain_graph=retain or None)
        except RuntimeError as raised:
            error = raised
            break
        grads.append(x.grad.detach().numpy().copy())
    return x, grads, error


@pytest.mark.parametrize("definition, expression, count, retain", TRACE_CASES)
def test_trace_json_matches_pytorch(capsys, definition, expression, count, retain):
    x, grads, error = torch_run(definition, expression, count, retain)
    args = ["trace", "--x", definition, "--expr", expression, "--backward", str(count), "--json"]
    status, out, err = run(capsys, *(args + (["--retain-graph"] if retain else [])))
    assert err == ""
    assert status == (EXIT_RAISED if error is not None else EXIT_OK)
    document = json.loads(out)
    history = document["grad_history"]["x"]
    assert len(history) == len(grads)
    for ours, theirs in zip(history, grads):
        if theirs is None:
            assert ours is None
        else:
            np.testing.assert_allclose(np.array(ours), theirs, rtol=1e-6, atol=1e-6)
    last = document["passes"][-1]
    if error is None:
        assert len(document["passes"]) == count and last["error"] is None
    else:
        assert last["error"]["type"] == type(error).__name__
        assert last["error"]["message"] == str(error)


@pytest.mark.parametrize("definition, expression", [
    ("arange(4.0)", "2 * dot(x, x)"), ("arange(3.0)", "exp(x * 2).sum() + x.sum()")])
def test_trace_steps_are_the_nodes_torch_builds(capsys, definition, expression):
    x, _, _ = torch_run(definition, expression, 0, False)
    torch = pytest.importorskip("torch")
    from engine.interpreter.expression import evaluate

    y = evaluate(expression, {"x": x}, module=torch)
    names, stack, seen = [], [y.grad_fn], set()
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        names.append(node.name())
        stack.extend(child for child, _ in node.next_functions)
    status, out, _ = run(capsys, "trace", "--x", definition, "--expr", expression, "--json")
    steps = json.loads(out)["passes"][0]["steps"]
    assert status == EXIT_OK
    assert sorted(step["node"]["name"] for step in steps) == sorted(names)
    assert steps[0]["node"]["name"] == y.grad_fn.name()


def test_trace_text_shows_each_step_and_prints_grads_as_torch_does(capsys):
    x, grads, _ = torch_run("arange(4.0)", "2 * dot(x, x)", 1, False)
    status, out, err = run(capsys, "trace", "--x", "arange(4.0)", "--expr", "2 * dot(x, x)")
    assert status == EXIT_OK and err == ""
    lines = out.splitlines()
    assert "y = 2 * dot(x, x)" in lines
    assert "  tensor(28., grad_fn=<MulBackward0>)" in lines
    table = [line.split()[:2] for line in lines if line[:3] == "  " + line[2:3] and
             line.strip()[:1].isdigit()]
    assert table == [["0", "MulBackward0"], ["1", "DotBackward0"], ["2", "AccumulateGrad(x)"]]
    assert any("x.grad: None -> [0, 4, 8, 12]" in line for line in lines)
    assert f"  x.grad = {x.grad}" in lines
    assert lines[-1] == "  x: None -> [0, 4, 8, 12]"


def test_trace_second_backward_error_is_part_of_the_trace(capsys):
    _, _, error = torch_run("arange(4.0)", "2 * dot(x, x)", 2, False)
    status, out, err = run(capsys, "trace", "--x", "arange(4.0)", "--expr", "2 * dot(x, x)",
                           "--backward", "2")
    assert status == EXIT_RAISED and err == ""
    assert f"  RuntimeError: {error}" in out.splitlines()
    assert "stopped at MulBackward0 (its saved tensors were freed" in out
    assert out.index("backward pass 2 of 2") < out.index("RuntimeError")


def test_trace_retain_graph_lets_the_second_pass_run(capsys):
    status, out, _ = run(capsys, "trace", "--x", "arange(4.0)", "--expr", "2 * dot(x, x)",
                         "--backward", "2", "--retain-graph")
    assert status == EXIT_OK
    assert "x.grad: [0, 4, 8, 12] -> [0, 8, 16, 24]" in out
    assert " kept " in out and "RuntimeError" not in out


def test_trace_with_no_backward_shows_the_forward_only(capsys):
    status, out, _ = run(capsys, "trace", "--x", "arange(4.0)", "--expr", "x.sum()",
                         "--backward", "0")
    assert status == EXIT_OK
    assert "backward pass" not in out and "tensor(6., grad_fn=<SumBackward0>)" in out


def test_trace_more_variables_and_unnamed_leaves(capsys):
    status, out, _ = run(capsys, "trace", "--x", "arange(3.0)",
                         "--var", "w=tensor([1., 2., 3.], requires_grad=True)",
                         "--var", "b=ones(3)", "--expr", "(w * x + b).sum()", "--json")
    assert status == EXIT_OK
    history = json.loads(out)["grad_history"]
    assert history["w"][-1] == [0.0, 1.0, 2.0] and history["x"][-1] == [1.0, 2.0, 3.0]
    assert "b" not in history  # b does not require grad
    status, out, _ = run(capsys, "trace", "--expr", "(ones(2, requires_grad=True) * 3).sum()",
                         "--json")
    assert status == EXIT_OK
    assert json.loads(out)["grad_history"] == {"leaf0": [None, [3.0, 3.0]]}


def test_an_expression_starting_with_a_minus(capsys):
    status, out, _ = run(capsys, "trace", "--x", "arange(4.0)", "--expr", "-x.sum()", "--json")
    assert status == EXIT_OK
    assert json.loads(out)["grad_history"]["x"][-1] == [-1.0] * 4


def test_trace_json_file_and_saved_session(capsys, tmp_path):
    passes, session = tmp_path / "passes.json", tmp_path / "session.json"
    status, out, _ = run(capsys, "trace", "--x", "arange(4.0)", "--expr", "x.sum()",
                         "--backward", "2", "--json", str(passes), "--save", str(session))
    assert status == EXIT_OK
    assert "backward pass 2 of 2" in out  # the text still goes to stdout
    document = json.loads(passes.read_text())
    assert [len(p["steps"]) for p in document["passes"]] == [2, 2]
    data = load_session(session)
    assert data.variables == {"x": "arange(4.0)"} and data.expression == "x.sum()"
    assert (data.passes, data.step) == (2, 1)
    assert [None if s is None else s.tolist() for s in data.grad_history["x"]] == \
        document["grad_history"]["x"]
    status, out, _ = run(capsys, "check", str(session))
    assert status == EXIT_OK and "OK" in out and "2 backward passes" in out


# ----- bad input -----------------------------------------------------------------------------

X = ["--x", "arange(4.0)"]


@pytest.mark.parametrize("args, words", [
    ([], ["required: COMMAND"]),
    (["frobnicate"], ["invalid choice: 'frobnicate'"]),
    (["trace"], ["--expr"]),
    (["trace", *X, "--expr"], ["--expr", "expected one argument"]),
    (["trace", *X, "--expr", "x.sum()", "--colour"], ["unrecognized arguments: --colour"]),
    (["trace", "--expr", "x.sum()"], ["name 'x' is not defined"]),
    (["trace", *X, "--expr", "x.sum("], ["syntax error", "column"]),
    (["trace", *X, "--expr", "x.__class__"], ["private"]),
    (["trace", *X, "--expr", "__import__('os')"], ["private"]),
    (["trace", *X, "--expr", "dot(x, ones(3))"], ["RuntimeError: inconsistent tensor size"]),
    (["trace", *X, "--expr", "x.grad"], ["None, not a tensor"]),
    (["trace", *X, "--expr", ""], ["empty"]),
    (["trace", *X, "--expr", "x" + " + x" * 1000], ["too long"]),
    (["trace", *X, "--expr", "x\u00d7x"], ["U+00D7", "use '*'"]),
    (["trace", "--x", "arange(4)", "--expr", "x.sum()"], ["floating point"]),
    (["trace", "--x", "arange(1e12)", "--expr", "x.sum()"], ["--x", "1,000,000"]),
    (["trace", *X, "--var", "w", "--expr", "x.sum()"], ["NAME=DEFINITION"]),
    (["trace", *X, "--var", "_w=ones(4)", "--expr", "x.sum()"], ["private"]),
    (["trace", *X, "--var", "x=ones(4)", "--expr", "x.sum()"], ["defined twice"]),
    (["trace", *X, "--var", "w=open('f')", "--expr", "x.sum()"], ["--var w"]),
    (["trace", *X, "--expr", "x.sum()", "--backward", "1001"], ["between 0 and 1000"]),
    (["trace", *X, "--expr", "x.sum()", "--backward", "-1"], ["between 0 and 1000"]),
    (["trace", *X, "--expr", "x.sum()", "--backward", "two"], ["whole number"]),
    (["trace", *X, "--expr", "x.sum()", "--save", "out.txt"], [".json"]),
    (["trace", *X, "--expr", "x.sum()", "--save", "/no/such/dir/s.json"], ["does not exist"]),
    (["trace", *X, "--expr", "x.sum()", "--json", "/no/such/dir/p.json"], ["cannot write"]),
    (["run"], ["LESSON.py"]),
    (["check"], ["FILE"]),
    (["export", *X, "--expr", "x.sum()"], ["--out"]),
])
def test_bad_input_is_one_line_and_exit_2(capsys, args, words):
    assert_bad_input(capsys, args, *words)


def test_bad_files_for_run_and_check(capsys, tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "evil.py").write_text("import os\nos.system('true')\n")
    (tmp_path / "binary.py").write_bytes(b"import torch\n\xff\xfe\n")
    (tmp_path / "folder.py").mkdir()
    (tmp_path / "broken.json").write_text('{"format": "autograd-viz-session", "version": 1')
    assert main(["check", str(tmp_path / "evil.py")]) == EXIT_BAD_INPUT  # file:line:col: message
    assert capsys.readouterr() == ("", f"{tmp_path / 'evil.py'}:1:1: module 'os' is not "
                                   "available in a lesson (only torch, math, numpy, pprint and "
                                   "matplotlib.pyplot)\n")
    assert main(["run", str(tmp_path / "evil.py")]) == EXIT_OK  # a notebook shows the error
    assert "ExpressionError: module 'os' is not available" in capsys.readouterr().out
    for command in ("run", "check"):
        assert_bad_input(capsys, [command, str(tmp_path / "absent.py")], "no such file")
        assert_bad_input(capsys, [command, str(tmp_path / "binary.py")], "UTF-8")
        assert_bad_input(capsys, [command, str(tmp_path / "folder.py")], "not a file")
    assert_bad_input(capsys, ["run", str(tmp_path / "notes.txt")], ".py")
    assert_bad_input(capsys, ["check", str(tmp_path / "notes.txt")], "lesson (.py)",
                     "session (.json)")
    assert_bad_input(capsys, ["check", str(tmp_path / "broken.json")], "broken.json",
                     "truncated")


@pytest.mark.parametrize("extra, words", [
    (["--out", "graph.bmp"], [".bmp", ".png"]),
    (["--out", "graph"], ["no extension"]),
    (["--out", "/no/such/dir/g.png"], ["does not exist"]),
    (["--out", "g.png", "--dpi", "5"], ["--dpi", "between 20 and 1200"]),
    (["--out", "g.gif", "--fps", "0"], ["--fps"]),
    (["--out", "g.png", "--step", "many"], ["--step", "'end'"]),
    (["--out", "g.png", "--step", "9"], ["--step 9", "only 2 steps"]),
    (["--out", "g.png", "--theme", "neon"], ["invalid choice: 'neon'"]),
    (["--out", "g.png", "--pass", "0"], ["--pass"]),
])
def test_bad_export_options(capsys, tmp_path, monkeypatch, extra, words):
    monkeypatch.chdir(tmp_path)
    assert_bad_input(capsys, ["export", *X, "--expr", "x.sum()", *extra], *words)
    assert list(tmp_path.iterdir()) == []


def test_mp4_without_ffmpeg_says_so(capsys, tmp_path, monkeypatch):
    from gui.picture import export

    monkeypatch.setattr(export, "mp4_available", lambda: False)
    assert_bad_input(capsys, ["export", *X, "--expr", "x.sum()", "--out",
                              str(tmp_path / "a.mp4")], "ffmpeg", ".gif")


# ----- run and check -------------------------------------------------------------------------

LESSON = """\
# %%
import torch
x = torch.arange(4.0, requires_grad=True)
print(x.grad)
# %%
y = 2 * torch.dot(x, x)
y.backward()
y.backward()
# %%
x.grad
# %%
x.grad;
"""


def test_run_prints_each_cell_as_a_notebook_would(capsys, tmp_path):
    x, _, error = torch_run("arange(4.0)", "2 * dot(x, x)", 2, False)
    lesson = tmp_path / "lesson.py"
    lesson.write_text(LESSON)
    status, out, err = run(capsys, "run", str(lesson))
    assert status == EXIT_OK and err == ""
    cells = out.split("# %% [")[1:]
    assert [cell.split("\n", 1)[1] for cell in cells] == [
        "None\n", f"RuntimeError: {error}\n", f"{x.grad}\n", ""]


def test_run_trace_adds_the_step_tables(capsys, tmp_path):
    lesson = tmp_path / "lesson.py"
    lesson.write_text(LESSON)
    status, out, _ = run(capsys, "run", str(lesson), "--trace")
    assert status == EXIT_OK
    assert "backward pass 1 of 2 in this cell" in out
    assert "2     AccumulateGrad(x)" in out and "stopped at MulBackward0" in out


@pytest.mark.parametrize("lesson", LESSONS, ids=[path.name for path in LESSONS])
def test_check_accepts_the_built_in_lessons(capsys, lesson):
    status, out, err = run(capsys, "check", str(lesson))
    assert status == EXIT_OK and err == ""
    assert out.startswith(f"{lesson}: OK, lesson with ") and out.count("\n") == 1


def test_help_is_complete_with_examples(capsys):
    status, out, _ = run(capsys, "--help")
    assert status == EXIT_OK
    for word in ("trace", "run", "export", "check", "exit status", "bad input"):
        assert word in out
    for command, options in {"trace": ["--x", "--var", "--expr", "--backward", "--retain-graph",
                                       "--json", "--save"],
                             "run": ["LESSON.py", "--trace"],
                             "export": ["--out", "--step", "--pass", "--dpi", "--fps", "--theme"],
                             "check": ["FILE"]}.items():
        status, out, _ = run(capsys, command, "--help")
        assert status == EXIT_OK
        assert "examples:" in out and f"python main.py {command}" in out
        for option in options:
            assert option in out, (command, option)


@pytest.mark.parametrize("name", ["gui.commands.cli", "gui.model.session_file",
                                  "gui.picture.export", "gui.commands.trace_report",
                                  "gui.picture.style"])
def test_docstring_examples(name):
    failures, attempted = doctest.testmod(importlib.import_module(name),
                                          optionflags=doctest.ELLIPSIS)
    assert attempted > 0 and failures == 0


@pytest.mark.parametrize("expression, node", [
    ("2 * dot(x, x)", "MulBackward0"), ("x.sum() + dot(x, x)", "DotBackward0"),
    ("(x * x).sum() + x.sum()", "MulBackward0"), ("2 + exp(x).sum()", "ExpBackward0")])
def test_json_names_the_node_that_raised(capsys, expression, node):
    status, out, _ = run(capsys, "trace", "--x", "arange(4.0)", "--expr", expression,
                         "--backward", "2", "--json")
    assert status == EXIT_RAISED
    error = json.loads(out)["passes"][1]["error"]
    assert error["node"]["name"] == node and error["type"] == "RuntimeError"
