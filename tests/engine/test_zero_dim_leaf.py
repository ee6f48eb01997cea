"""A 0-d leaf reached along two edges (``x * x``): its two gradients add up to a numpy
scalar, which must stay an array (a recorded pass froze it and crashed)."""

import numpy as np
import pytest

import engine

torch = pytest.importorskip("torch")


def _grads(lib, record: bool):
    x = lib.tensor(3.0, requires_grad=True)
    y = x * x + x
    if record and lib is engine:
        with engine.record_passes() as passes:
            y.backward()
        last = passes[0].steps[-1]
        assert isinstance(last.grad_in, np.ndarray) and isinstance(last.grad_after, np.ndarray)
        assert not last.grad_after.flags.writeable
    else:
        y.backward()
    y2 = x * x
    y2.backward()  # a second pass accumulates into the 0-d buffer in place
    return repr(x.grad), x.grad.shape


@pytest.mark.parametrize("record", [False, True])
def test_a_zero_dim_leaf_reached_twice_gets_torchs_grad(record):
    assert _grads(engine, record) == (_grads(torch, record)[0], engine.Size([]))


def test_a_lesson_with_x_times_x_on_a_scalar_shows_the_pass():
    from engine.interpreter.lesson import LessonRunner, parse_lesson

    lesson = parse_lesson("import torch\nx = torch.tensor(3.0, requires_grad=True)\n"
                          "y = x * x\ny.backward()\nprint(x.grad)\n")
    (result,) = LessonRunner(lesson).run_all()
    assert result.error is None and result.output == "tensor(6.)\n"
    (recorded,) = result.passes
    assert recorded.error is None and recorded.done
