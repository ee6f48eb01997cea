"""The one session pipeline, without Qt: what the window and the command line both run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from gui.commands.cli import main
from gui.model.lesson import LessonModel
from gui.model.pass_queue import PassQueueModel
from gui.model.session import SessionModel, output_name
from gui.model.session_file import load_session
from gui.resources import LESSONS_DIR

ROOT = Path(__file__).resolve().parents[2]


def test_the_model_needs_no_qt():
    code = ("import sys, gui.model.session, gui.model.lesson, gui.model.pass_queue, "
            "gui.commands.cli\n"
            "s = gui.model.session.SessionModel(); s.backward()\n"
            "print(any(name.split('.')[0] in ('PySide6', 'shiboken6') for name in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.stdout.strip() == "False", result.stderr


def test_the_output_is_named_alike_in_the_window_and_on_the_command_line(capsys):
    assert output_name({"x": "arange(4.0)"}) == "y"
    assert output_name({"x": "", "y": "", "out": ""}) == "output"
    session = SessionModel()
    session.set_inputs(variables={"x": "arange(4.0)", "y": "ones(4)"}, expression="(x * y).sum()")
    assert session.forward() and session.output_name == "out"
    assert session.graph.nodes["output"]["label"] == "out"
    status = main(["trace", "--x", "arange(4.0)", "--var", "y=ones(4)", "--expr", "(x * y).sum()"])
    out = capsys.readouterr().out
    assert status == 0 and "\nout = (x * y).sum()\n" in out and "out.backward()" in out


def test_a_second_backward_through_a_freed_graph_reads_the_pass_state():
    session = SessionModel()
    session.reuse_graph = True
    assert session.backward()
    first = session.backward_pass
    assert not session.backward()  # torch's "backward through the graph a second time"
    second = session.backward_pass
    assert second is not first and second.error is not None
    start = second.state_at(-1)
    ids = session.graph.graph["ids"]
    assert session.freed_before == {ids[id(node)] for node in start.freed} != set()
    assert session.failed_key == ids[id(second.failed_node)]
    assert session.error_text.startswith("RuntimeError: Trying to backward through the graph")
    x = session.tensors["x"]
    assert session.grad_at(ids[id(x)], -1).tolist() == [0.0, 4.0, 8.0, 12.0]


def test_grad_at_follows_the_pass_step_by_step():
    session = SessionModel()
    session.set_inputs(expression="x.sum() + dot(x, x)")
    assert session.backward()
    key = session.graph.graph["ids"][id(session.tensors["x"])]
    states = [session.grad_at(key, index) for index in range(-1, session.last_step + 1)]
    assert states[0] is None and states[-1].tolist() == [1.0, 3.0, 5.0, 7.0]
    accumulated = [step.index for step in session.steps if step.is_accumulation]
    for index in range(session.last_step + 1):
        expected = session.backward_pass.state_at(index).grad(session.tensors["x"])
        got = session.grad_at(key, index)
        assert (got is None and expected is None) or np.array_equal(got, expected), index
    assert len(accumulated) == 1  # both paths are summed before x's AccumulateGrad runs


def test_the_command_line_saves_the_session_the_window_would_hold(tmp_path, capsys):
    path = tmp_path / "s.json"
    assert main(["trace", "--x", "arange(4.0)", "--expr", "x.sum()", "--backward", "2",
                 "--save", str(path)]) == 0
    capsys.readouterr()
    saved = load_session(path)
    session = SessionModel()
    session.set_inputs(variables={"x": "arange(4.0)"}, expression="x.sum()")
    session.reuse_graph = True
    assert session.backward() and session.backward()
    session.set_step(session.last_step)
    assert saved.history == session.session_data().history
    assert (saved.passes, saved.step, saved.options) == (2, 1, session.session_data().options)
    restored = SessionModel()
    assert restored.restore(saved)
    assert [s.tolist() for s in restored.grad_history["x"][1:]] == [[1.0] * 4, [2.0] * 4]


def test_a_leaf_the_expression_made_starts_its_history_at_none(capsys):
    session = SessionModel()
    session.set_inputs(variables={}, expression="(ones(2, requires_grad=True) * 3).sum()")
    assert session.backward()
    assert {k: [None if s is None else s.tolist() for s in v]
            for k, v in session.grad_history.items()} == {"leaf0": [None, [3.0, 3.0]]}
    assert main(["trace", "--expr", "(ones(2, requires_grad=True) * 3).sum()", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["grad_history"] == {"leaf0": [None, [3.0, 3.0]]}


def test_lesson_passes_are_shown_from_their_own_start_state():
    lesson = LessonModel()
    assert lesson.open(LESSONS_DIR / "04_freeing_and_retain_graph.py")
    session = SessionModel()
    queue = PassQueueModel(session)
    lesson._changed = lambda signal, *args: (
        queue.enqueue(*args) if signal == "passes_recorded" else None)
    lesson.run_all()
    assert queue.waiting >= 2
    while queue.waiting:
        queue.show_next()
        start = session.backward_pass.state_at(-1)
        assert session.freed_before == session._keys(start.freed)
        for leaf, grad in zip(start.leaves, start.grads_before):
            key = session._key(leaf)
            shown = session.grads_before[key]
            assert (shown is None and grad is None) or np.array_equal(shown, grad)

