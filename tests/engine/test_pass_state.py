"""BackwardPass.state_at(i): the state of a recorded pass at step i, answered once."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import engine


def _two_leaves():
    x = engine.arange(3.0, requires_grad=True)
    w = engine.tensor([2.0, -1.0, 0.5], requires_grad=True)
    return x, w, (x * w).exp().sum() + x.sum()


def test_each_state_matches_the_leaves_as_the_pass_leaves_them():
    x, w, y = _two_leaves()
    x.grad = engine.ones(3)
    backward = engine.BackwardPass(y, retain_graph=True)
    expected = {-1: {"x": [1.0, 1.0, 1.0], "w": None}}
    while not backward.done:
        step = backward.step()
        expected[step.index] = {
            "x": None if x.grad is None else x.grad.tolist(),
            "w": None if w.grad is None else w.grad.tolist()}
    for index, grads in expected.items():
        state = backward.state_at(index)
        assert state.index == index
        assert len(state.steps) == index + 1
        assert state.step is (backward.steps[index] if index >= 0 else None)
        for name, leaf in (("x", x), ("w", w)):
            got = state.grad(leaf)
            assert (None if got is None else got.tolist()) == grads[name]
        assert state.grad_before(x).tolist() == [1.0, 1.0, 1.0]
        assert state.grad_before(w) is None
        assert state.freed == ()  # retain_graph=True frees nothing
    assert backward.state_at(None) == backward.state_at(len(backward.steps) - 1)


def test_freed_nodes_grow_step_by_step_and_include_earlier_passes():
    x = engine.arange(3.0, requires_grad=True)
    y = (x.exp() * x).sum()
    first = engine.BackwardPass(y).run()
    names = [[node.name() for node in first.state_at(i).freed]
             for i in range(-1, len(first.steps))]
    assert names[0] == []
    assert names[-1] == ["MulBackward0", "ExpBackward0"]
    assert all(len(a) <= len(b) for a, b in zip(names, names[1:]))
    with pytest.raises(RuntimeError):
        engine.BackwardPass(y).run()
    again = engine.BackwardPass(y)
    state = again.state_at(-1)
    assert sorted(node.name() for node in state.freed) == ["ExpBackward0", "MulBackward0"]
    assert all(state.is_freed(node) for node in state.freed)


def test_the_failed_node_and_error_are_set_only_at_the_end():
    x = engine.arange(4.0, requires_grad=True)
    y = 2 * engine.dot(x, x)
    y.backward()
    backward = engine.BackwardPass(y)
    with pytest.raises(RuntimeError) as raised:
        backward.run()
    end = backward.state_at(len(backward.steps) - 1)
    assert end.at_end
    assert end.failed_node is backward.failed_node is y.grad_fn
    assert end.error is raised.value
    assert end.error_text == f"RuntimeError: {raised.value}"
    fine = engine.BackwardPass(engine.arange(2.0, requires_grad=True).sum()).run()
    for index in range(-1, len(fine.steps)):
        state = fine.state_at(index)
        assert state.error is None and state.failed_node is None and state.error_text is None
        assert state.at_end == (index == len(fine.steps) - 1)


def test_a_pass_not_finished_is_not_at_its_end():
    x = engine.arange(3.0, requires_grad=True)
    backward = engine.BackwardPass((x * 2).sum())
    backward.step()
    state = backward.state_at()
    assert state.index == 0 and not state.at_end and state.grad(x) is None


def test_states_are_immutable_and_their_arrays_read_only():
    x, w, y = _two_leaves()
    x.grad = engine.ones(3)
    backward = engine.BackwardPass(y).run()
    state = backward.state_at(len(backward.steps) - 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.index = 0
    for array in (*state.grads, *state.grads_before):
        if array is not None:
            with pytest.raises(ValueError):
                array[...] = 0
    before = backward.state_at(-1).grad(x).copy()
    x.grad.zero_()  # the user's buffer changes; the recorded start does not
    assert np.array_equal(backward.state_at(-1).grad(x), before)


def test_bad_positions_and_unrecorded_passes_are_refused():
    x = engine.arange(3.0, requires_grad=True)
    backward = engine.BackwardPass(x.sum()).run()
    for index in (-2, len(backward.steps), 1.5):
        with pytest.raises(IndexError):
            backward.state_at(index)
    with pytest.raises(KeyError):
        backward.state_at(0).grad(engine.ones(1, requires_grad=True))
    silent = engine.BackwardPass(x.sum(), keep_steps=False).run()
    with pytest.raises(ValueError):
        silent.state_at(0)


def test_record_passes_keeps_states_of_tensor_backward():
    x = engine.arange(3.0, requires_grad=True)
    with engine.record_passes() as passes:
        (x * x).sum().backward()
        (x * x).sum().backward()
    assert passes[1].state_at(-1).grad(x).tolist() == [0.0, 2.0, 4.0]
    assert passes[1].state_at().grad(x).tolist() == [0.0, 4.0, 8.0]
