"""The source lesson, cell by cell, with ``import engine as torch``: exactly what torch shows.

The cells are written out as functions (the lesson's own code, one function per
notebook cell); what each one shows (its ``print`` output and the repr of its last
expression) is compared with the text in ``docs/autograd-basics.md``.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import engine

# The lesson as received (docs/autograd-basics.md); the first test checks the copy of its
# shown lines below against it.
LESSON = Path(__file__).resolve().parents[2] / "docs" / "autograd-basics.md"

GOLDEN = {
    69: [],
    70: ["tensor([0., 1., 2., 3.])"],
    71: ["None"],
    72: ["tensor(28., grad_fn=<MulBackward0>)"],
    73: ["tensor([ 0.,  4.,  8., 12.])"],
    74: ["tensor([True, True, True, True])"],
    75: ["tensor(6., grad_fn=<SumBackward0>)"],
    76: ["tensor([ 1.,  5.,  9., 13.])"],
    77: ["tensor([1., 1., 1., 1.])"],
}


def cell_69(torch, ns):
    pass  # import torch


def cell_70(torch, ns):
    ns.x = torch.arange(4.0)
    return ns.x


def cell_71(torch, ns):
    ns.x.requires_grad_(True)
    print(ns.x.grad)


def cell_72(torch, ns):
    ns.y = 2 * torch.dot(ns.x, ns.x)
    return ns.y


def cell_73(torch, ns):
    ns.x.grad  # noqa: B018 - the lesson looks at it (still None)
    ns.y.backward()
    return ns.x.grad


def cell_74(torch, ns):
    return ns.x.grad == 4 * ns.x


def cell_75(torch, ns):
    ns.u = ns.x.sum()
    ns.u.backward()
    return ns.u


def cell_76(torch, ns):
    return ns.x.grad


def cell_77(torch, ns):
    ns.x.grad.zero_()
    ns.u = ns.x.sum()
    ns.u.backward()
    return ns.x.grad


CELLS = {69: cell_69, 70: cell_70, 71: cell_71, 72: cell_72, 73: cell_73, 74: cell_74,
         75: cell_75, 76: cell_76, 77: cell_77}


def lesson_outputs(text: str) -> dict[int, list[str]]:
    """Each cell's shown lines, from the lesson text (reprs and printed ``None``)."""
    outputs: dict[int, list[str]] = {}
    for match in re.finditer(r"^In \[(\d+)\]:\n(.*?)(?=^In \[\d+\]:|^```)", text, re.M | re.S):
        shown = [line.rstrip() for line in match.group(2).splitlines()
                 if re.match(r"^(tensor\(.*\)|None)\s*$", line)]
        outputs[int(match.group(1))] = shown
    return outputs


def run_lesson(torch) -> dict[int, list[str]]:
    """Run every cell in order, as a notebook would; return what each one shows."""
    ns = SimpleNamespace()
    shown = {}
    for number, cell in CELLS.items():
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            value = cell(torch, ns)
        lines = printed.getvalue().splitlines()
        if value is not None:
            lines.extend(repr(value).splitlines())
        shown[number] = lines
    return shown


def test_golden_lines_are_the_lesson_text():
    assert lesson_outputs(LESSON.read_text(encoding="utf-8")) == GOLDEN
    assert sorted(GOLDEN) == sorted(CELLS)


def test_the_parser_reads_cells_and_outputs():
    text = "In [1]:\nx\n\ntensor([1.])\n\nprose\nIn [2]:\nprint(x.grad)\n\nNone\n```"
    assert lesson_outputs(text) == {1: ["tensor([1.])"], 2: ["None"]}


@pytest.mark.parametrize("number", sorted(CELLS))
def test_each_cell_shows_what_the_lesson_shows(number):
    assert run_lesson(engine)[number] == GOLDEN[number]


def test_the_whole_lesson_matches_torch():
    torch = pytest.importorskip("torch")
    assert run_lesson(torch) == GOLDEN  # guards the golden text itself
    assert run_lesson(engine) == run_lesson(torch)


def _grad_states(torch) -> list:
    """x.grad after each step of the lesson: None, the first pass, the sum, the reset."""
    x = torch.arange(4.0)
    x.requires_grad_(True)
    states = [x.grad]
    y = 2 * torch.dot(x, x)
    y.backward()
    buffer = x.grad
    states.append(buffer.clone())
    x.sum().backward()
    states.append(x.grad.clone())
    x.grad.zero_()
    x.sum().backward()
    states.append(x.grad.clone())
    assert x.grad is buffer  # one buffer, added into in place from the first pass on
    return states


def test_the_four_grad_buffer_states():
    states = _grad_states(engine)
    assert states[0] is None
    assert [s.tolist() for s in states[1:]] == [[0.0, 4.0, 8.0, 12.0], [1.0, 5.0, 9.0, 13.0],
                                                [1.0, 1.0, 1.0, 1.0]]
    assert [repr(s) for s in states[1:]] == ["tensor([ 0.,  4.,  8., 12.])",
                                             "tensor([ 1.,  5.,  9., 13.])",
                                             "tensor([1., 1., 1., 1.])"]


def test_the_four_grad_buffer_states_match_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = _grad_states(engine), _grad_states(torch)
    assert ours[0] is None and theirs[0] is None
    assert [repr(s) for s in ours[1:]] == [repr(s) for s in theirs[1:]]


def test_the_recorded_passes_show_the_buffer_before_and_after():
    """What the window replays: each pass's AccumulateGrad step, before and after."""
    x = engine.arange(4.0)
    x.requires_grad_(True)
    with engine.record_passes() as passes:
        (2 * engine.dot(x, x)).backward()
        x.sum().backward()
        x.grad.zero_()
        x.sum().backward()
    accumulations = [[step for step in backward.steps if step.is_accumulation]
                     for backward in passes]
    assert [len(steps) for steps in accumulations] == [1, 1, 1]
    first, second, third = (steps[0] for steps in accumulations)
    assert first.grad_before is None
    np.testing.assert_array_equal(first.grad_after, [0, 4, 8, 12])
    np.testing.assert_array_equal(second.grad_before, [0, 4, 8, 12])
    np.testing.assert_array_equal(second.grad_after, [1, 5, 9, 13])
    np.testing.assert_array_equal(third.grad_before, [0, 0, 0, 0])
    np.testing.assert_array_equal(third.grad_after, [1, 1, 1, 1])
    assert [step.name for step in passes[0].steps] == [
        "MulBackward0", "DotBackward0", "torch::autograd::AccumulateGrad"]
    assert len(first.contributions) == 2  # dot(x, x) reaches x along two edges
