"""The explanation panel: each backward step's local rule, typeset, and its numbers."""

import sys

import numpy as np
import pytest
from PySide6.QtGui import QFont

import engine as torch
import gui.window.panels.explain_panel as explain_panel
from engine.explain import Explanation, broadcast_dims, broadcast_notes, explain
from gui.window.panels.explain_panel import EMPTY_TEXT, ExplainPanel, render_mathtext


@pytest.fixture
def panel(qtbot, capfd):
    widget = ExplainPanel()
    qtbot.addWidget(widget)
    widget.resize(520, 320)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    assert "Traceback (most recent call last)" not in capfd.readouterr().err


def steps_of(output, **kwargs):
    return torch.BackwardPass(output, **kwargs).run().steps


def test_each_step_shows_its_rule_and_numbers(panel):
    x = torch.arange(4.0, requires_grad=True)
    for step in steps_of(2 * torch.dot(x, x)):
        expected = explain(step, "x")
        assert panel.show_step(step, "x") == expected
        assert panel.title_label.text() == f"{expected.title}: {expected.formula}"
        text = panel.lines_view.toPlainText()
        for line in expected.lines:
            assert line in text
        pixmap = panel.rule_label.pixmap()
        assert not pixmap.isNull() and pixmap.width() > 20 and pixmap.height() > 5
        assert panel.rule_label.isVisible()


def test_the_chain_rule_numbers_of_a_mul_step(panel):
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    mul = steps_of((x * 3.0).sum())[1]
    assert mul.name == "MulBackward0"
    panel.show_step(mul, "x")
    text = panel.lines_view.toPlainText()
    assert "incoming gradient: [1, 1, 1]" in text
    assert "to input 0: grad * b = [1, 1, 1] * 3 = [3, 3, 3]" in text


def test_accumulate_grad_reads_old_plus_new_is_total_with_the_leaf_name(panel):
    weight = torch.arange(3.0, requires_grad=True)
    steps_of(weight.sum())
    second = steps_of(weight.sum())[-1]
    assert second.is_accumulation
    panel.show_step(second, "weight")
    assert ".grad: [1, 1, 1] + [1, 1, 1] = [2, 2, 2]" in panel.lines_view.toPlainText()
    assert "weight" in panel.rule and "x.grad" not in panel.rule
    assert not panel.rule_label.pixmap().isNull()


def test_a_leaf_name_that_mathtext_cannot_take_falls_back_to_x(panel):
    x = torch.ones(2, requires_grad=True)
    step = steps_of(x.sum())[-1]
    for name in ("$x^$", "a\\b", "{", "p_q"):
        panel.show_step(step, name)
        assert not panel.rule_label.pixmap().isNull(), name


def test_unbind_stacks_the_gradients_of_its_outputs(panel):
    x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    first, second = x
    unbind = next(step for step in steps_of((first * 2 + second).sum())
                  if step.name == "UnbindBackward0")
    panel.show_step(unbind, "x")
    lines = panel.lines_view.toPlainText().splitlines()
    assert "output 0: [2, 2]; output 1: [1, 1]; stacked along dim 0 = [[2, 2], [1, 1]]" in lines


def test_broadcast_sum_is_written_out(panel):
    weight = torch.ones(2, 3, requires_grad=True)
    bias = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    add = steps_of((weight * 2 + bias).sum())[1]
    assert add.name == "AddBackward0"
    panel.show_step(add, "bias")
    lines = panel.lines_view.toPlainText().splitlines()
    to_bias = next(i for i, line in enumerate(lines) if line.startswith("to input 1:"))
    assert lines[to_bias + 1].strip() == ("input 1 was broadcast: summed over dim 0, "
                                          "(2, 3) -> (3,)")
    assert not any("input 0 was broadcast" in line for line in lines)
    assert "inputs: 0 -> MulBackward0, 1 -> AccumulateGrad" in lines


def test_a_column_bias_is_summed_over_the_columns():
    column = torch.zeros(2, 1, requires_grad=True)
    matrix = torch.ones(2, 3, requires_grad=True)
    add = steps_of((matrix * column + column).sum())[1]
    assert broadcast_notes(add) == {1: "input 1 was broadcast: summed over dim 1, "
                                       "(2, 3) -> (2, 1)"}


@pytest.mark.parametrize("output, given", [
    ((2, 3), (3,)), ((2, 3), (2, 1)), ((4, 2, 3), (1, 3)), ((5,), ()), ((3, 1), (1,)),
    ((2, 1, 4), (1, 4)), ((2, 3, 4), (3, 1)),
])
def test_summing_over_the_broadcast_dims_gives_the_input_shape(output, given):
    dims = broadcast_dims(output, given)
    assert dims
    summed = np.ones(output).sum(axis=dims, keepdims=True)
    assert summed.shape[len(output) - len(given):] == given
    assert summed.flat[0] == np.prod([output[d] for d in dims])


@pytest.mark.parametrize("output, given", [((2, 3), (2, 3)), ((3,), (2, 3)), ((2, 3), (4,)),
                                           ((2, 3), (2,))])
def test_no_broadcast_dims_when_the_input_was_not_broadcast(output, given):
    assert broadcast_dims(output, given) is None


def test_clear_shows_the_hint(panel):
    x = torch.ones(2, requires_grad=True)
    panel.show_step(steps_of(x.sum())[0], "x")
    panel.clear()
    assert panel.explanation is None
    assert panel.lines_view.toPlainText() == EMPTY_TEXT
    assert not panel.rule_label.isVisible()
    assert panel.text() == EMPTY_TEXT


def test_a_rule_mathtext_refuses_is_shown_as_text(panel, monkeypatch):
    bad = Explanation("OddBackward0", "out = odd(a)", r"$\nosuchmacro{a}$", ["incoming: 1"])
    monkeypatch.setattr(explain_panel, "explain", lambda step, name: bad)
    x = torch.ones(2, requires_grad=True)
    panel.show_step(steps_of(x.sum())[0], "x")
    assert panel.rule_label.pixmap().isNull()
    assert panel.rule_label.text() == r"\nosuchmacro{a}"
    assert render_mathtext(r"$\nosuchmacro$") is None
    assert render_mathtext("$x^$") is None


def test_a_bigger_font_typesets_a_bigger_rule(panel):
    x = torch.ones(2, requires_grad=True)
    panel.show_step(steps_of(torch.sin(x).sum())[1], "x")
    before = panel.rule_label.pixmap().height()
    font = QFont(panel.font())
    font.setPointSizeF(font.pointSizeF() * 2)
    panel.setFont(font)
    assert panel.rule_label.pixmap().height() > before * 1.5


def test_the_rule_is_drawn_without_pyplot(monkeypatch):
    explain_panel._mathtext_png.cache_clear()
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)  # importing it now fails
    assert render_mathtext(r"$\partial(ab)/\partial a = b$", "#123456", 17.0) is not None
