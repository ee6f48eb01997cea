"""``torch.autograd.Function``: a forward and a backward written by the user, as one node.

PyTorch's tutorial "Defining new autograd functions" writes the Legendre polynomial this way:
``forward(ctx, input)`` computes and saves what ``backward(ctx, grad_output)`` needs; ``apply``
records one node named after the class (``LegendrePolynomial3Backward``). The node works on
the tensors it is given (no tensor class is imported here).

>>> import engine as torch
>>> class Cube(torch.autograd.Function):
...     @staticmethod
...     def forward(ctx, input):
...         ctx.save_for_backward(input)
...         return input ** 3
...     @staticmethod
...     def backward(ctx, grad_output):
...         (input,) = ctx.saved_tensors
...         return grad_output * 3 * input ** 2
>>> x = torch.tensor([1.0, 2.0], requires_grad=True)
>>> y = Cube.apply(x)
>>> y
tensor([1., 8.], grad_fn=<CubeBackward>)
>>> y.sum().backward(); x.grad
tensor([ 3., 12.])
"""

from __future__ import annotations

import numpy as np

from engine.autograd.graph import FREED_MESSAGE, Node
from engine.grad_mode import _state as _grad_mode
from engine.grad_mode import no_grad

__all__ = ["Function", "FunctionCtx", "BackwardCFunction"]


class FunctionCtx:
    """The ``ctx`` a Function's forward and backward share: saved tensors and any attribute."""

    def __init__(self):
        self.to_save = ()
        self.needs_input_grad = ()
        self.materialize_grads = True
        self._freed = False

    def save_for_backward(self, *tensors) -> None:
        self.to_save = tensors

    @property
    def saved_tensors(self) -> tuple:
        if self._freed:
            raise RuntimeError(FREED_MESSAGE)
        return tuple(self.to_save)

    def mark_non_differentiable(self, *tensors) -> None:
        self.non_differentiable = tensors

    def mark_dirty(self, *tensors) -> None:
        self.dirty_tensors = tensors

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = bool(value)


class BackwardCFunction(Node):
    """The node of one ``Function.apply``: its backward calls the user's ``backward``."""

    __slots__ = ("function", "ctx", "num_outputs", "_wrap", "_output_meta", "_positions",
                 "_arguments")

    def __init__(self, inputs, function, ctx, outputs):
        # as torch: an edge for each tensor argument only; backward answers every argument
        self._positions = tuple(i for i, a in enumerate(inputs) if hasattr(a, "_data"))
        self._arguments = len(inputs)
        Node.__init__(self, tuple(inputs[i] for i in self._positions))
        self.function, self.ctx, self.num_outputs = function, ctx, len(outputs)
        self._wrap = outputs[0]._wrap
        self._output_meta = tuple((o._data.shape, o._data.dtype) for o in outputs)
        self._saved = tuple(getattr(t, "_data", None) for t in ctx.to_save) or ()

    def name(self) -> str:
        return f"{self.function.__name__}Backward"

    @property
    def saves_tensors(self) -> bool:
        return bool(self.ctx.to_save)

    def release_saved(self) -> bool:
        if self.ctx.to_save:
            self.ctx._freed, self._freed = True, True
            self.ctx.to_save, self._saved = (), ()
            return True
        return False

    def gather(self, per_output: list):
        """Every output's gradient, zeros for an output no gradient reached (as torch)."""
        return [np.zeros(shape, dtype=dtype) if grad is None else grad
                for grad, (shape, dtype) in zip(per_output, self._output_meta)]

    def gather_graph(self, per_output: list):
        return [self._wrap(np.zeros(shape, dtype=dtype)) if grad is None else grad
                for grad, (shape, dtype) in zip(per_output, self._output_meta)]

    def _call_backward(self, grads: list) -> tuple:
        result = self.function.backward(self.ctx, *grads)
        result = result if isinstance(result, tuple) else (result,)
        expected = self._arguments
        if len(result) != expected:
            raise RuntimeError(f"function {self.name()} returned an incorrect number of "
                               f"gradients (expected {expected}, got {len(result)})")
        return result

    def backward(self, grad):
        grads = grad if self.num_outputs > 1 else [grad]
        with no_grad():
            result = self._call_backward([self._wrap(np.asarray(g)) for g in grads])
        result = [result[i] for i in self._positions]
        return tuple(None if value is None or edge[0] is None else
                     np.asarray(getattr(value, "_data", value))
                     for value, edge in zip(result, self.next_functions))

    def backward_graph(self, grad):
        grads = grad if self.num_outputs > 1 else [grad]
        result = self._call_backward(list(grads))
        result = [result[i] for i in self._positions]
        return tuple(None if edge[0] is None else value
                     for value, edge in zip(result, self.next_functions))


class Function:
    """Subclass with ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)``, both
    static methods; call ``YourFunction.apply(*args)``."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode "
                                  "AD.")

    @classmethod
    def apply(cls, *args):
        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(bool(getattr(a, "_requires_grad", False)) for a in args)
        with no_grad():
            outputs = cls.forward(ctx, *args)
        several = isinstance(outputs, tuple)
        outs = outputs if several else (outputs,)
        tensors = [out for out in outs if hasattr(out, "_data")]
        if _grad_mode["enabled"] and any(ctx.needs_input_grad) and tensors:
            node = BackwardCFunction(args, cls, ctx, tensors)
            recorded = []
            for number, out in enumerate(tensors):
                if any(out is arg for arg in args):  # an input returned as is: a new alias
                    out = out._wrap(out._data)
                if out.dtype.is_floating_point:
                    out.grad_fn, out._requires_grad, out._output_nr = node, True, number
                recorded.append(out)
            mapping = iter(recorded)
            outs = tuple(next(mapping) if hasattr(out, "_data") else out for out in outs)
        return outs if several else outs[0]
